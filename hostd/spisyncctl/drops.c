/*
 * spisyncctl -- counts since the clear and changes since the previous show
 * (drops.h).
 */

#include <string.h>

#include "drops.h"

/* The card was reset after snap was taken: its time or a counter is lower
 * now. (A reset followed by enough traffic and, in simulation, a card time
 * stepped back to wall time can hide; see docs/spisyncctl.md.) */
static bool
went_backwards(const struct ctl_snapshot *snap,
    const struct ctl_snapshot *now)
{
	if (now->card_time_ns < snap->card_time_ns)
		return true;
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		if (now->counters[i] < snap->counters[i])
			return true;
	}
	return false;
}

void
drops_compute(const char *device, const struct ctl_state *st,
    const struct ctl_snapshot *now, struct ctl_drops *out,
    struct ctl_state *next)
{
	const struct ctl_snapshot *prev = &st->previous;
	const struct ctl_snapshot *base = &st->baseline;

	memset(out, 0, sizeof(*out));
	out->device = device;
	out->now = *now;
	out->previous = *prev;

	out->reset_since_previous = prev->valid && went_backwards(prev, now);
	/* A clear made before the previous show cannot have survived a reset
	 * that came after that show, even if no counter shows it yet. */
	out->reset_since_clear = base->valid && (went_backwards(base, now) ||
	    (out->reset_since_previous && base->wall_s <= prev->wall_s));
	if (base->valid && !out->reset_since_clear)
		out->baseline = *base;
	if (out->reset_since_clear)
		out->dropped_clear_wall_s = base->wall_s;

	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		const uint64_t c = now->counters[i];

		out->count[i] = out->baseline.valid ?
		    c - out->baseline.counters[i] : c;
		if (!prev->valid)
			out->delta[i] = 0;
		else if (out->reset_since_previous)
			out->delta[i] = c;
		else
			out->delta[i] = c - prev->counters[i];
	}

	next->previous = *now;
	next->previous.valid = true;
	next->baseline = out->baseline;
}

void
drops_clear(const struct ctl_state *st, const struct ctl_snapshot *now,
    struct ctl_state *next)
{
	next->previous = st->previous;
	next->baseline = *now;
	next->baseline.valid = true;
}
