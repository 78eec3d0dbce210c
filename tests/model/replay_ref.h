/* Reference anti-replay window (RFC 4303 3.4.3, Appendix A), W = 1024,
 * written from the RFC, independently of the RTL. docs/datapath.md section 4. */
#ifndef SPISYNC_REPLAY_REF_H
#define SPISYNC_REPLAY_REF_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WINDOW 1024u

struct replay_ref {
	uint64_t top;                        /* T: highest authenticated S (0: none yet) */
	uint64_t seen[REPLAY_WINDOW / 64];   /* bit i of the window: T - i received */
};

void replay_ref_init(struct replay_ref *r);

/* Infer the full sequence number of a packet whose low 32 bits are seq_lo.
 * Returns false when no valid S exists (ESN: before the start of the SA). */
bool replay_ref_infer(const struct replay_ref *r, bool esn, uint32_t seq_lo,
    uint64_t *s);

/* true if S passes: not zero, not left of the window, not seen. */
bool replay_ref_check(const struct replay_ref *r, uint64_t s);

/* Record S as received (call only after replay_ref_check passed). */
void replay_ref_update(struct replay_ref *r, uint64_t s);

#endif
