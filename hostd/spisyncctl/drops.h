/*
 * spisyncctl -- the arithmetic of `show drops` and `clear counters`: counts
 * since the clear, changes since the previous show, and what a card reset
 * does to both. Pure functions of the snapshots (no I/O).
 */
#ifndef SPISYNCCTL_DROPS_H
#define SPISYNCCTL_DROPS_H

#include "ctl.h"

/*
 * From the state kept since the last run (st; its snapshots may be invalid)
 * and the counters just read (now, valid): what `show drops` prints (*out)
 * and the state to keep (*next: previous = now, the baseline kept unless
 * the card was reset since it).
 *
 * A reset is seen when the card time or any counter is lower than in the
 * stored snapshot; a reset since the previous show also voids a clear made
 * before that show. Deltas are never negative: after a reset they count
 * from the reset (the counts between the previous show and the reset are
 * unknown).
 */
void drops_compute(const char *device, const struct ctl_state *st,
    const struct ctl_snapshot *now, struct ctl_drops *out,
    struct ctl_state *next);

/* `clear counters`: the state to keep (baseline = now; previous kept). */
void drops_clear(const struct ctl_state *st, const struct ctl_snapshot *now,
    struct ctl_state *next);

#endif
