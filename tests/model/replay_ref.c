/*
 * spisync -- reference anti-replay window, written from RFC 4303 section
 * 3.4.3 and Appendix A (A2.2 for the ESN high half) as docs/datapath.md
 * section 4 states them, with W = 1024. Deliberately plain: the window is
 * a bit array where bit i says T - i was received, shifted one bit at a
 * time. It shares nothing with the RTL.
 */
#include <string.h>

#include "replay_ref.h"

static bool window_bit(const struct replay_ref *r, uint64_t i)
{
	return (r->seen[i / 64] >> (i % 64)) & 1;
}

static void window_set(struct replay_ref *r, uint64_t i)
{
	r->seen[i / 64] |= (uint64_t)1 << (i % 64);
}

/* Bit i moves to bit i + 1: T advanced by one. */
static void window_shift_one(struct replay_ref *r)
{
	for (unsigned w = REPLAY_WINDOW / 64 - 1; w > 0; w--)
		r->seen[w] = (r->seen[w] << 1) | (r->seen[w - 1] >> 63);
	r->seen[0] <<= 1;
}

void replay_ref_init(struct replay_ref *r)
{
	memset(r, 0, sizeof(*r));
}

bool replay_ref_infer(const struct replay_ref *r, bool esn, uint32_t seq_lo,
    uint64_t *s)
{
	const uint32_t tl = (uint32_t)r->top;
	const uint32_t th = (uint32_t)(r->top >> 32);
	const uint32_t w = REPLAY_WINDOW;
	const uint32_t bl = tl - w + 1;      /* Bl = Tl - W + 1, mod 2^32 */
	uint32_t sh;

	if (!esn) {
		*s = seq_lo;
		return true;
	}
	if (tl >= w - 1) {
		/* Case A: the window lies within one 2^32 subspace */
		if (seq_lo >= bl) {
			sh = th;
		} else {
			/* the next subspace; none after Th = 2^32 - 1 (the
			 * sender must have rekeyed long before) */
			if (th == UINT32_MAX)
				return false;
			sh = th + 1;
		}
	} else {
		/* Case B: the window spans the boundary below Tl */
		if (seq_lo >= bl) {
			/* the previous subspace; there is none before the
			 * SA's start */
			if (th == 0)
				return false;
			sh = th - 1;
		} else {
			sh = th;
		}
	}
	*s = ((uint64_t)sh << 32) | seq_lo;
	return true;
}

bool replay_ref_check(const struct replay_ref *r, uint64_t s)
{
	if (s == 0)
		return false;
	if (s > r->top)
		return true;
	if (r->top - s >= REPLAY_WINDOW)
		return false;                /* left of the window */
	return !window_bit(r, r->top - s);
}

void replay_ref_update(struct replay_ref *r, uint64_t s)
{
	if (s > r->top) {
		uint64_t d = s - r->top;

		if (d > REPLAY_WINDOW)
			d = REPLAY_WINDOW;
		for (uint64_t i = 0; i < d; i++)
			window_shift_one(r);
		r->top = s;
		window_set(r, 0);
	} else {
		window_set(r, r->top - s);
	}
}
