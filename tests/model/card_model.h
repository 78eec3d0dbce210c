/*
 * spisync tests -- the golden model of the card: docs/datapath.md, all of
 * it, in C with OpenSSL, one frame at a time in arrival order. The card is
 * judged frame by frame against it (outcome, host frame, event record,
 * counters).
 *
 * Not modelled: TAIL_DROP (buffering; the model never runs out of room),
 * EVENTS_DROPPED, card time (TIME_NS is 0 in event records), the firmware's
 * placement of SAs and tags (the test chooses indices; lookup by SPI gives
 * what a duplicate-free tag table gives).
 */
#ifndef SPISYNC_CARD_MODEL_H
#define SPISYNC_CARD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model_sa.h"
#include "spisync_hw.h"

enum {
	CARD_MODEL_MAX_FRAME = 16383,
	CARD_MODEL_MAX_SA = 0xFFFF,   /* indices 0 .. 0xFFFE; 0xFFFF means none */
};

struct card_model;   /* opaque */

struct model_result {
	uint8_t outcome;           /* SPISYNC_R_*: delivered outcome or drop reason */
	uint32_t sa_index;         /* when the SA was found, else 0xFFFF */
	uint8_t out[16384 + 128];  /* host frame when delivered */
	size_t out_len;
	bool event;                /* an event record is emitted (SA miss / reserved SPI) */
	uint8_t event_rec[64];     /* per docs/register-map.md; TIME_NS = 0, RX_SEQ = arrival number */
	uint16_t rx_seq;           /* the frame's arrival number (tuser RX_SEQ) */
	bool sa_event;             /* an SA event (SA_HARD_EXPIRY; bursts and soft
	                            * limits are not modelled: tests turn them off) */
	uint8_t sa_event_rec[64];  /* as event_rec, from the commit stage */
};

/* NULL when out of memory. */
struct card_model *card_model_create(void);
void card_model_destroy(struct card_model *m);

/*
 * Install sa at index (a new generation): replay window and per-SA counters
 * restart. -1 if index >= CARD_MODEL_MAX_SA, the SA is not one the card can
 * hold (key 16/32, ICV 8/12/16, mode 0..2), or another index already holds
 * its SPI (the firmware never installs duplicates; replace in place or clear
 * the other first).
 */
int card_model_sa_set(struct card_model *m, uint32_t index,
    const struct model_sa *sa);
/* Remove the SA at index; -1 if none is there. */
int card_model_sa_clear(struct card_model *m, uint32_t index);

/*
 * Model-only test hook (the card has no such register): start the SA's
 * window at T = top, as if a packet with sequence number top had been
 * received, so that published ESN packets far into the sequence space can
 * be fed. -1 if no SA is at index.
 */
int card_model_sa_set_replay_top(struct card_model *m, uint32_t index,
    uint64_t top);

/* Process one frame (len 1 .. CARD_MODEL_MAX_FRAME; anything else is a
 * programming error and is reported as MALFORMED without counting). */
void card_model_frame(struct card_model *m, const uint8_t *frame, size_t len,
    bool mac_err, struct model_result *r);

/* Reason counters, RX_PACKETS included. */
void card_model_counters(const struct card_model *m,
    uint64_t counters[SPISYNC_NUM_REASONS]);

/* Per-SA counters (zero when no SA is at index). replay counts every
 * REPLAY drop of a found SA (the model's pre-check and re-check agree). */
void card_model_sa_stats(const struct card_model *m, uint32_t index,
    uint64_t *packets, uint64_t *bytes, uint64_t *auth_fail, uint64_t *replay);

#endif
