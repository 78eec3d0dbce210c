/*
 * spisync -- test bench of the asynchronous AXI-Stream FIFO
 * (hw/rtl/axis_async_fifo.v, Verilated at DATA_WIDTH 512 in four parameter
 * sets, sim/cdc/cdc_sim.h) with two unrelated clocks.
 *
 * The two clocks are stepped by an event loop in picoseconds (rising edges
 * in time order; periods such as 3103 ps = 322.27 MHz and 3333 ps = 300 MHz,
 * the reverse ratio, and a read side three times slower). A source sends
 * random frames (1..300 beats, some longer than DEPTH; random tkeep on the
 * last beat, random tuser, random data in every byte, the frame's number in
 * the first 4 bytes; random gaps inside and between frames, back-to-back
 * bursts), a sink takes them with a random m_axis_tready, and resets hit
 * either side during traffic.
 *
 * The scoreboard models what the FIFO is for, not how it does it:
 *  - every frame that comes out is one the source sent, whole, byte for byte
 *    (all 64 bytes of tdata, tkeep, tlast only on its last beat, tuser), and
 *    frames come out in the order sent: no partial, merged or repeated frame;
 *  - frame mode (FRAME_DROP 1): s_axis_tready is always 1; a frame longer
 *    than DEPTH never comes out; frames that do not come out are the drops:
 *    m_drop pulses == frames missing (sent - delivered), s_overflow pulses
 *    the same; a frame cut by s_rst (the source abandons it) never comes out
 *    and counts as one drop; no frame is dropped while the FIFO certainly had
 *    room (an upper bound of its fill from the bench's own counts: beats of
 *    earlier delivered frames + beats of this frame before the beat - beats
 *    the sink had taken 5 write clocks + 1 read clock earlier < DEPTH at
 *    every beat of the frame);
 *  - FRAME_DROP 0: nothing is lost or dropped (delivered == sent, beat for
 *    beat), s_rst changes nothing, and s_axis_tready is low only when the
 *    FIFO certainly is full (written - taken 5 write clocks + 1 read clock
 *    earlier >= DEPTH);
 *  - m_rst: the sink forgets the frame it was receiving; a frame entirely
 *    written well before m_rst (so visible to the read side) and not yet
 *    delivered never comes out after it (flushed); frames lost to m_rst or
 *    whose drop report it forgot are bounded: drop pulses <= missing frames
 *    <= drop pulses + missing frames written before an m_rst ended;
 *  - AXI-Stream: m_axis_* hold while tvalid && !tready (outside m_rst);
 *  - after each phase, with the source quiet and the sink ready, the FIFO
 *    empties (levels 0, tvalid 0) within a bounded time: no hang;
 *  - each phase that should overflow (or back-pressure) does, so the checks
 *    above are exercised;
 *  - FRAME_DROP 0, back-pressured into a sink always ready: at least 0.95
 *    beats out per read clock (full rate).
 * Directed, exact: m_rst with frames held (frames written before it are
 * flushed, a frame half written at it is delivered in frame mode and
 * discarded whole with FRAME_DROP 0, drops after it counted exactly), and
 * capacity (sink stalled: DEPTH + 2 beats held, no more, no fewer).
 * Latency: 300 single-beat frames into the empty FIFO at random clock
 * phases; the bench prints min/max write edge -> first m edge with tvalid,
 * in read clocks.
 *
 * Per configuration 3..15 s with ASan (DEPTH 512, FRAME_DROP 0 the longest).
 *
 * usage: test_cdc --config f1_d16|f1_d512|f0_d16|f0_d512 [--seed N]
 *                 [--scale PERCENT]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cdc/cdc_sim.h"
#include "prng.h"

#define BEAT 64

static const struct cdc_sim_ops *const configs[] = {
	&cdc_sim_f1_d16, &cdc_sim_f1_d512, &cdc_sim_f0_d16, &cdc_sim_f0_d512,
};

static unsigned long errors;
static uint64_t run_seed;

#define FAIL(...)                                                     \
	do {                                                          \
		if (errors < 20) {                                    \
			fprintf(stderr, "FAIL: " __VA_ARGS__);        \
			fputc('\n', stderr);                          \
		}                                                     \
		errors++;                                             \
	} while (0)

/* ------------------------------------------------------------------------
 * frame contents: a function of (run seed, frame number, beat)
 * ------------------------------------------------------------------------ */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct frame {
	uint32_t len;        /* beats */
	uint32_t presented;  /* beats handed over outside s_rst */
	uint8_t keep_last;   /* bytes valid in the last beat, 1..64 */
	bool sent;           /* every beat handed over */
	bool cut;            /* abandoned at an s_rst after >= 1 beat */
	bool delivered;
	bool started_out;    /* its first beat came out */
	uint64_t t_first;    /* ps of its first / last beat handed over */
	uint64_t t_last;
	uint64_t beat_log;   /* index of its first beat in the beat-time log */
};

static void beat_expect(uint32_t id, const struct frame *f, uint32_t b,
    uint8_t data[BEAT], uint64_t *keep, bool *last, bool *user)
{
	uint64_t h = mix(run_seed ^ ((uint64_t)id << 20) ^ b);

	for (int i = 0; i < BEAT; i += 8) {
		uint64_t w = mix(h + (uint64_t)i);
		for (int j = 0; j < 8; j++)
			data[i + j] = (uint8_t)(w >> (8 * j));
	}
	if (b == 0) {
		data[0] = (uint8_t)id;
		data[1] = (uint8_t)(id >> 8);
		data[2] = (uint8_t)(id >> 16);
		data[3] = (uint8_t)(id >> 24);
	}
	*last = b + 1 == f->len;
	*keep = *last ? (f->keep_last == 64 ? ~0ull : (1ull << f->keep_last) - 1)
		      : ~0ull;
	*user = (h >> 63) & 1;
}

/* ------------------------------------------------------------------------
 * phases
 * ------------------------------------------------------------------------ */
struct phase {
	const char *name;
	uint32_t ts, tm;          /* write / read clock periods, ps */
	uint32_t frames;          /* at DEPTH 512; fewer for 16 */
	uint32_t len_max;         /* frame length 1..len_max (mostly) */
	uint32_t p_gap_in;        /* per mille: idle clock inside a frame */
	uint32_t p_gap_between;   /* per mille: idle clocks between frames */
	uint32_t p_ready;         /* per mille: m_axis_tready */
	uint32_t p_srst;          /* per 100,000 write clocks */
	uint32_t p_mrst;          /* per 100,000 read clocks */
	bool expect_full;         /* must overflow (1) / back-pressure (0) */
};

static const struct phase phases[] = {
	{ "322 -> 300 MHz, sink always ready", 3103, 3333, 1500, 300, 100, 100, 1000, 0, 0, false },
	{ "300 -> 322 MHz, sink 90% ready", 3333, 3103, 1500, 300, 100, 100, 900, 0, 0, false },
	{ "322 -> 100 MHz (slow reader), back to back", 3103, 9967, 1000, 300, 0, 20, 1000, 0, 0, true },
	{ "322 -> 300 MHz, sink 30% ready", 3103, 3333, 1000, 300, 50, 50, 300, 0, 0, true },
	{ "1..3-beat frames back to back, 322 -> 100 MHz, sink 50% ready", 3103, 9967, 20000, 3, 0, 0, 500, 0, 0, true },
	{ "s_rst in traffic, 322 -> 300 MHz, sink 60% ready", 3103, 3333, 1500, 300, 50, 50, 600, 40, 0, false },
	{ "m_rst in traffic, 300 -> 322 MHz, sink 60% ready", 3333, 3103, 1500, 300, 50, 50, 600, 0, 40, false },
	{ "both resets, 322 -> 100 MHz", 3103, 9967, 1000, 300, 50, 50, 700, 30, 100, false },
	{ "after the resets: 322 -> 300 MHz, sink 80% ready", 3103, 3333, 1000, 300, 50, 100, 800, 0, 0, false },
};

/* ------------------------------------------------------------------------
 * bench state
 * ------------------------------------------------------------------------ */
struct bench {
	const struct cdc_sim_ops *ops;
	struct cdc_sim *sim;
	struct prng rng;
	unsigned depth;
	bool fd;

	uint64_t now, t_s, t_m;   /* ps: now, next write / read edge */
	uint32_t ts, tm;

	/* frames of the phase: ids base .. base + n - 1 */
	struct frame *fr;
	uint32_t n, base, next;   /* next frame to start */
	int32_t cur;              /* frame being sent (index) or -1 */
	uint32_t cur_beat;
	uint32_t gap;             /* idle clocks left */
	const struct phase *ph;

	struct cdc_sim_s_in sin;
	struct cdc_sim_m_in min;
	uint32_t srst_left, mrst_left;
	bool sending_beat;        /* sin.valid carries cur's beat cur_beat */

	/* beat-time log (write side) and taken log (read side) */
	uint64_t *beat_t;
	uint64_t nbeat, beat_cap;
	uint64_t *take_t;         /* time of the k-th beat taken */
	uint64_t ntake, take_cap;
	uint64_t written;         /* beats handed over this phase */
	uint64_t src_limit;       /* nonzero: the source pauses at this many beats */
	uint64_t last_progress;   /* ps of the last beat in or out */

	/* sink */
	int64_t rx_cur;           /* frame index being received or -1 */
	uint32_t rx_beat;
	int64_t rx_last;          /* highest frame index seen starting */
	struct cdc_sim_m_out prev_out;
	bool prev_hold;           /* last edge: valid && !ready */

	/* m_rst windows */
	uint64_t mrst_assert_t;
	uint64_t last_mrst_end;   /* ps of the last m_rst clock + margin */
	int64_t flushed_upto;     /* frames <= this index written before an m_rst */
	bool any_mrst;

	uint64_t drops, overflows;
	uint64_t max_behind;      /* s_overflow pulses not yet seen as m_drop */
	uint64_t ready_low, ready_low_checked;
};

static uint32_t rnd(struct bench *b, uint32_t n)
{
	return prng_below(&b->rng, n);
}

static bool chance(struct bench *b, uint32_t per, uint32_t scale)
{
	return rnd(b, scale) < per;
}

/* sink-taken count at time t (beats taken at edges <= t) */
static uint64_t taken_at(const struct bench *b, int64_t t)
{
	uint64_t lo = 0, hi = b->ntake;

	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if ((int64_t)b->take_t[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int64_t lag(const struct bench *b)
{
	return 5 * (int64_t)b->ts + b->tm;
}

static void *grow(void *p, uint64_t *cap, uint64_t need, size_t el)
{
	if (need <= *cap)
		return p;
	uint64_t c = *cap ? *cap : 4096;
	while (c < need)
		c *= 2;
	void *q = realloc(p, c * el);
	if (q == NULL) {
		fprintf(stderr, "test_cdc: out of memory\n");
		exit(2);
	}
	*cap = c;
	return q;
}

static uint32_t frame_len(struct bench *b)
{
	uint32_t max = b->ph->len_max;

	if (max > 3 && b->depth < 64) {
		/* DEPTH 16: mostly frames that fit, some that never can */
		uint32_t r = rnd(b, 100);
		if (r < 70)
			return 1 + rnd(b, b->depth);
		if (r < 90)
			return 1 + rnd(b, 2 * b->depth + 8);
		return 1 + rnd(b, max);
	}
	if (max > 3 && chance(b, 2, 100))
		return b->depth - 8 + rnd(b, 96); /* around DEPTH: fit or never */
	return 1 + rnd(b, max);
}

/* ------------------------------------------------------------------------
 * write side
 * ------------------------------------------------------------------------ */
static void load_beat(struct bench *b)
{
	uint64_t keep;
	bool last, user;
	struct frame *f = &b->fr[b->cur];

	beat_expect(b->base + (uint32_t)b->cur, f, b->cur_beat, b->sin.data,
	    &keep, &last, &user);
	b->sin.keep = keep;
	b->sin.last = last;
	b->sin.user = user;
	b->sin.valid = true;
	b->sending_beat = true;
}

static void junk_inputs(struct bench *b, bool valid)
{
	uint64_t r = prng_next(&b->rng);
	for (int i = 0; i < BEAT; i++)
		b->sin.data[i] ^= (uint8_t)(r >> (i % 8));
	b->sin.keep = prng_next(&b->rng);
	b->sin.last = r & 1;
	b->sin.user = (r >> 1) & 1;
	b->sin.valid = valid;
	b->sending_beat = false;
}

static void s_next_inputs(struct bench *b);

static void s_step(struct bench *b)
{
	struct cdc_sim_s_out o;

	b->ops->s_outputs(b->sim, &o);
	if (b->fd && !o.ready)
		FAIL("frame mode: s_axis_tready low at %" PRIu64 " ps", b->now);
	if (!b->fd && o.overflow)
		FAIL("FRAME_DROP 0: s_overflow at %" PRIu64 " ps", b->now);
	if (o.overflow)
		b->overflows++;

	bool in_rst = b->sin.rst && b->fd;
	bool accepted = b->sin.valid && o.ready && !in_rst;

	if (!o.ready && !b->fd) {
		b->ready_low++;
		if (!b->any_mrst && b->ph->p_mrst == 0) {
			int64_t t = (int64_t)b->now - lag(b);
			uint64_t tk = taken_at(b, t);
			b->ready_low_checked++;
			if (b->written - tk < b->depth)
				FAIL("tready low at %" PRIu64 " ps with at most %" PRIu64
				     " of %u beats held", b->now, b->written - tk, b->depth);
		}
	}
	if (accepted && b->sending_beat) {
		struct frame *f = &b->fr[b->cur];
		b->beat_t = grow(b->beat_t, &b->beat_cap, b->nbeat + 1, sizeof(uint64_t));
		if (f->presented == 0) {
			f->t_first = b->now;
			f->beat_log = b->nbeat;
		}
		b->beat_t[b->nbeat++] = b->now;
		b->last_progress = b->now;
		f->presented++;
		b->written++;
		b->cur_beat++;
		if (b->cur_beat == f->len) {
			f->sent = true;
			f->t_last = b->now;
			b->cur = -1;
			if (b->ph->p_gap_between && chance(b, b->ph->p_gap_between, 1000))
				b->gap = 1 + rnd(b, 20);
		} else if (b->ph->p_gap_in && chance(b, b->ph->p_gap_in, 1000)) {
			b->gap = 1 + rnd(b, 4);
		}
		b->sending_beat = false;
	} else if (accepted && !b->sending_beat) {
		FAIL("bench: junk accepted");
	}

	b->ops->s_edge(b->sim);
	s_next_inputs(b);
	b->ops->s_drive(b->sim, &b->sin);
}

/* the source's inputs for the next write edge */
static void s_next_inputs(struct bench *b)
{
	if (b->srst_left > 0)
		b->srst_left--;
	else if (b->ph->p_srst && chance(b, b->ph->p_srst, 100000))
		b->srst_left = 1 + rnd(b, 5);
	b->sin.rst = b->srst_left > 0;

	if (b->sin.rst && b->fd) {
		/* the source is in reset too: it abandons its frame */
		if (b->cur >= 0) {
			struct frame *f = &b->fr[b->cur];
			if (f->presented > 0) {
				f->cut = true;
				f->t_last = b->now;
				b->cur = -1;
			}
		}
		/* what it drives meanwhile must be ignored */
		junk_inputs(b, chance(b, 1, 2));
		return;
	}
	if (b->sending_beat)
		return; /* not taken yet (FRAME_DROP 0): hold it */
	if (b->gap > 0) {
		b->gap--;
		junk_inputs(b, false);
		return;
	}
	if (b->src_limit && b->written >= b->src_limit) {
		junk_inputs(b, false);
		return;
	}
	if (b->cur < 0) {
		if (b->next >= b->n) {
			junk_inputs(b, false);
			return;
		}
		b->cur = (int32_t)b->next++;
		b->cur_beat = 0;
	}
	load_beat(b);
}

/* ------------------------------------------------------------------------
 * read side
 * ------------------------------------------------------------------------ */
static void rx_beat(struct bench *b, const struct cdc_sim_m_out *o)
{
	uint8_t data[BEAT];
	uint64_t keep;
	bool last, user;

	if (b->rx_cur == -2) {
		/* after an error: skip to the tlast */
		if (o->last)
			b->rx_cur = -1;
		return;
	}
	if (b->rx_cur < 0) {
		uint32_t id = (uint32_t)o->data[0] | (uint32_t)o->data[1] << 8 |
		    (uint32_t)o->data[2] << 16 | (uint32_t)o->data[3] << 24;
		if (id < b->base || id - b->base >= b->next) {
			FAIL("frame %u out at %" PRIu64 " ps was never sent (partial or stale frame?)",
			    id, b->now);
			b->rx_cur = -2; /* skip to tlast */
			if (o->last)
				b->rx_cur = -1;
			return;
		}
		int64_t idx = id - b->base;
		if (idx <= b->rx_last)
			FAIL("frame %u out at %" PRIu64 " ps after frame %" PRId64 " (order, duplicate)",
			    id, b->now, b->rx_last + b->base);
		if (idx <= b->flushed_upto && !b->fr[idx].delivered)
			FAIL("frame %u was written before an m_rst and still came out at %" PRIu64 " ps",
			    id, b->now);
		b->rx_cur = idx;
		b->rx_beat = 0;
		b->rx_last = idx;
		b->fr[idx].started_out = true;
	}
	struct frame *f = &b->fr[b->rx_cur];
	uint32_t id = b->base + (uint32_t)b->rx_cur;
	if (b->rx_beat >= f->len) {
		FAIL("frame %u: more than its %u beats out", id, f->len);
		b->rx_cur = o->last ? -1 : -2;
		return;
	}
	beat_expect(id, f, b->rx_beat, data, &keep, &last, &user);
	if (memcmp(data, o->data, BEAT) != 0 || keep != o->keep || last != o->last ||
	    user != o->user) {
		FAIL("frame %u (%u beats) beat %u at %" PRIu64 " ps: data %s keep %016" PRIx64
		     "/%016" PRIx64 " last %d/%d user %d/%d",
		    id, f->len, b->rx_beat, b->now,
		    memcmp(data, o->data, BEAT) ? "differs" : "ok", o->keep, keep,
		    o->last, last, o->user, user);
		b->rx_cur = o->last ? -1 : -2;
		return;
	}
	b->rx_beat++;
	if (o->last) {
		if (f->cut)
			FAIL("frame %u was cut by s_rst and still came out", id);
		if (b->fd && f->len > b->depth)
			FAIL("frame %u of %u beats (> DEPTH %u) came out", id, f->len, b->depth);
		f->delivered = true;
		b->rx_cur = -1;
	}
}

static void m_step(struct bench *b)
{
	struct cdc_sim_m_out o;

	b->ops->m_outputs(b->sim, &o);
	if (b->prev_hold && !b->min.rst &&
	    (!o.valid || memcmp(o.data, b->prev_out.data, BEAT) != 0 ||
		o.keep != b->prev_out.keep || o.last != b->prev_out.last ||
		o.user != b->prev_out.user))
		FAIL("m_axis changed while tvalid && !tready at %" PRIu64 " ps", b->now);
	if (!b->min.rst) {
		if (o.valid && b->min.ready) {
			b->take_t = grow(b->take_t, &b->take_cap, b->ntake + 1, sizeof(uint64_t));
			b->take_t[b->ntake++] = b->now;
			b->last_progress = b->now;
			rx_beat(b, &o);
		}
		if (o.drop) {
			if (!b->fd)
				FAIL("FRAME_DROP 0: m_drop at %" PRIu64 " ps", b->now);
			b->drops++;
		}
		if (b->overflows > b->drops && b->overflows - b->drops > b->max_behind)
			b->max_behind = b->overflows - b->drops;
	}
	b->prev_hold = o.valid && !b->min.ready && !b->min.rst;
	b->prev_out = o;

	b->ops->m_edge(b->sim);

	bool was_rst = b->min.rst;
	if (b->mrst_left > 0)
		b->mrst_left--;
	else if (b->ph->p_mrst && chance(b, b->ph->p_mrst, 100000))
		b->mrst_left = 1 + rnd(b, 5);
	b->min.rst = b->mrst_left > 0;
	b->min.ready = chance(b, b->ph->p_ready, 1000);
	if (b->min.rst && !was_rst) {
		/* the sink is reset with the read side: it forgets its frame.
		 * Frames wholly written more than a sync delay ago are visible
		 * to the read side: flushed (FRAME_DROP 0: with a beat). */
		b->any_mrst = true;
		b->mrst_assert_t = b->now;
		if (b->rx_cur >= 0)
			b->rx_cur = -1;
		else if (b->rx_cur == -2)
			b->rx_cur = -1;
		int64_t horizon = (int64_t)b->now - lag(b) - 2 * (int64_t)b->tm;
		for (int64_t i = b->flushed_upto + 1; i < (int64_t)b->next; i++) {
			const struct frame *f = &b->fr[i];
			int64_t t = b->fd ? (int64_t)f->t_last : (int64_t)f->t_first;
			bool done = b->fd ? (f->sent || f->cut) : f->presented > 0;
			if (!done || t > horizon)
				break;
			b->flushed_upto = i;
		}
	}
	if (!b->min.rst && was_rst)
		b->last_mrst_end = b->now + 4 * (uint64_t)b->ts + 4 * (uint64_t)b->tm;
	b->ops->m_drive(b->sim, &b->min);
}

/* ------------------------------------------------------------------------
 * event loop
 * ------------------------------------------------------------------------ */
/* no beat in or out for this long (ps): the FIFO is stuck. Longer than any
 * idle wait of the bench and than m_drop catching up on 65,535 drops. */
#define HANG_PS 2000000000ull

static void step(struct bench *b)
{
	if (b->now > b->last_progress + HANG_PS) {
		FAIL("no beat in or out for %llu ps since %" PRIu64 " ps (hang)",
		    HANG_PS, b->last_progress);
		printf("test_cdc %s: stuck, %lu errors (seed %llu)\n", b->ops->name, errors,
		    (unsigned long long)run_seed);
		exit(1);
	}
	if (b->t_s <= b->t_m) {
		b->now = b->t_s;
		s_step(b);
		b->t_s += b->ts;
	} else {
		b->now = b->t_m;
		m_step(b);
		b->t_m += b->tm;
	}
}

static void set_clocks(struct bench *b, uint32_t ts, uint32_t tm)
{
	b->ts = ts;
	b->tm = tm;
	b->last_progress = b->now;
	/* next edges keep their times; a random phase between them */
	b->t_m = b->t_s + rnd(b, tm);
}

/* Source idle, sink ready, no resets: run until the FIFO is empty and the
 * drop reports have crossed. false on a hang. */
static bool drain(struct bench *b)
{
	struct phase quiet = *b->ph;
	const struct phase *saved = b->ph;
	uint64_t limit = b->now + (uint64_t)(2 * b->depth + 400) * (b->ts + b->tm) +
	    (uint64_t)70000 * b->tm; /* drop reports: one per read clock */
	uint32_t calm = 0;

	quiet.p_ready = 1000;
	quiet.p_srst = 0;
	quiet.p_mrst = 0;
	quiet.p_gap_between = 0;
	b->ph = &quiet;
	while (b->cur >= 0 || b->next < b->n || b->sin.rst || b->min.rst ||
	    b->srst_left || b->mrst_left || calm < 200) {
		struct cdc_sim_s_out so;
		struct cdc_sim_m_out mo;
		if (b->now > limit) {
			b->ph = saved;
			return false;
		}
		step(b);
		b->ops->s_outputs(b->sim, &so);
		b->ops->m_outputs(b->sim, &mo);
		if (b->cur < 0 && b->next >= b->n && !b->sin.rst && !b->min.rst &&
		    so.level == 0 && mo.level == 0 && !mo.valid && !mo.drop && b->rx_cur == -1)
			calm++;
		else
			calm = 0;
	}
	b->ph = saved;
	return true;
}

static void run_phase(struct bench *b, const struct phase *ph, uint32_t scale)
{
	uint32_t n = ph->frames * 3;

	if (b->depth < 64 && ph->len_max > 3)
		n = n * 2;
	n = (uint32_t)((uint64_t)n * scale / 100);
	if (n < 20)
		n = 20;
	b->ph = ph;
	b->base += b->n;
	b->n = n;
	b->fr = calloc(n, sizeof(*b->fr));
	if (b->fr == NULL) {
		fprintf(stderr, "test_cdc: out of memory\n");
		exit(2);
	}
	for (uint32_t i = 0; i < n; i++) {
		b->fr[i].len = frame_len(b);
		b->fr[i].keep_last = (uint8_t)(1 + rnd(b, 64));
	}
	b->next = 0;
	b->cur = -1;
	b->gap = 0;
	b->nbeat = b->ntake = b->written = 0;
	b->rx_cur = -1;
	b->rx_last = -1;
	b->flushed_upto = -1;
	b->any_mrst = false;
	b->last_mrst_end = 0;
	b->drops = b->overflows = b->max_behind = 0;
	b->ready_low = b->ready_low_checked = 0;
	set_clocks(b, ph->ts, ph->tm);

	unsigned long err0 = errors;
	uint64_t t0 = b->now;
	while (b->next < b->n || b->cur >= 0)
		step(b);
	if (!drain(b)) {
		FAIL("phase \"%s\": the FIFO did not empty (hang)", ph->name);
		free(b->fr);
		b->fr = NULL;
		return;
	}

	/* accounting */
	uint64_t sent = 0, delivered = 0, missing = 0, cut = 0, too_long = 0;
	uint64_t missing_rst = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct frame *f = &b->fr[i];
		if (f->presented == 0)
			continue; /* abandoned before its first beat: never sent */
		sent++;
		cut += f->cut;
		too_long += f->len > b->depth;
		if (f->delivered) {
			delivered++;
			continue;
		}
		missing++;
		if (b->any_mrst && f->t_first <= b->last_mrst_end)
			missing_rst++;
		if (!b->fd && !b->any_mrst)
			FAIL("FRAME_DROP 0: frame %u (%u beats) lost", b->base + i, f->len);
	}
	bool rst_phase = b->any_mrst;
	if (b->fd) {
		if (!rst_phase && b->drops != missing)
			FAIL("phase \"%s\": %" PRIu64 " m_drop pulses for %" PRIu64 " missing frames",
			    ph->name, b->drops, missing);
		if (!rst_phase && b->overflows != missing)
			FAIL("phase \"%s\": %" PRIu64 " s_overflow pulses for %" PRIu64 " missing frames",
			    ph->name, b->overflows, missing);
		if (rst_phase && (b->drops > missing || missing - b->drops > missing_rst))
			FAIL("phase \"%s\": %" PRIu64 " m_drop pulses, %" PRIu64 " missing frames, %" PRIu64
			     " of them written before an m_rst ended",
			    ph->name, b->drops, missing, missing_rst);
	} else {
		if (missing > missing_rst)
			FAIL("phase \"%s\": FRAME_DROP 0 lost %" PRIu64 " frames outside m_rst",
			    ph->name, missing - missing_rst);
		if (!rst_phase && b->written != b->ntake)
			FAIL("phase \"%s\": %" PRIu64 " beats in, %" PRIu64 " out", ph->name,
			    b->written, b->ntake);
	}

	/* frame mode: no frame dropped while the FIFO certainly had room */
	uint64_t needless = 0, full_seen = 0;
	if (b->fd && !rst_phase) {
		uint64_t committed = 0;
		for (uint32_t i = 0; i < n; i++) {
			const struct frame *f = &b->fr[i];
			if (f->presented == 0)
				continue;
			if (f->delivered) {
				committed += f->len;
				continue;
			}
			if (f->cut || f->len > b->depth) {
				full_seen += f->len > b->depth;
				continue;
			}
			bool could_be_full = false;
			for (uint32_t k = 0; k < f->presented; k++) {
				int64_t t = (int64_t)b->beat_t[f->beat_log + k] - lag(b);
				uint64_t bound = committed + k - taken_at(b, t);
				if (bound >= b->depth) {
					could_be_full = true;
					break;
				}
			}
			if (!could_be_full) {
				needless++;
				FAIL("frame %u (%u beats) dropped although the FIFO had room",
				    b->base + i, f->len);
			} else {
				full_seen++;
			}
		}
	}
	if (ph->expect_full && b->fd && missing == 0)
		FAIL("phase \"%s\": meant to overflow, nothing was dropped", ph->name);
	if (b->fd && ph->len_max <= 3 && ph->p_mrst == 0 && b->max_behind < 16)
		FAIL("phase \"%s\": drops never ran ahead of the read clock (%" PRIu64 " behind at most)",
		    ph->name, b->max_behind);
	/* full rate: back-pressured with the sink always ready, the read side
	 * delivers a beat every read clock */
	if (!b->fd && ph->expect_full && ph->p_ready == 1000 && b->ntake > 1000) {
		double clocks = (double)(b->take_t[b->ntake - 1] - b->take_t[0]) / b->tm + 1;
		if (b->ntake < 0.95 * clocks)
			FAIL("phase \"%s\": %" PRIu64 " beats out in %.0f read clocks (not full rate)",
			    ph->name, b->ntake, clocks);
	}
	if (ph->expect_full && !b->fd && b->ready_low == 0)
		FAIL("phase \"%s\": meant to back-pressure, tready never low", ph->name);

	printf("  %-62s %5" PRIu64 " frames: %5" PRIu64 " out, %5" PRIu64 " missing (%" PRIu64
	       " longer than DEPTH, %" PRIu64 " cut by s_rst), %" PRIu64 " m_drop (up to %" PRIu64
	       " behind)%s; %.2f ms, %s\n",
	    ph->name, sent, delivered, missing, too_long, cut, b->drops, b->max_behind,
	    b->fd ? "" : (b->ready_low ? ", tready low seen" : ""),
	    (double)(b->now - t0) / 1e9, errors == err0 ? "ok" : "FAILED");
	(void)needless;
	(void)full_seen;
	free(b->fr);
	b->fr = NULL;
}

/* 1-beat frames into the empty FIFO: latency in read clocks */
static void latency_probe(struct bench *b, uint32_t ts, uint32_t tm, unsigned count)
{
	static const struct phase idle = { "latency", 0, 0, 0, 1, 0, 0, 1000, 0, 0, false };
	double lo = 1e9, hi = 0;

	b->ph = &idle;
	set_clocks(b, ts, tm);
	for (unsigned i = 0; i < count; i++) {
		struct frame f = { .len = 1, .keep_last = 64 };
		uint8_t data[BEAT];
		uint64_t keep;
		bool last, user;
		struct cdc_sim_s_out so;
		struct cdc_sim_m_out mo;

		/* random phase: idle write clocks */
		for (unsigned k = rnd(b, 7); k > 0;) {
			if (b->t_s <= b->t_m)
				k--;
			step(b);
		}
		while (b->t_s > b->t_m)
			step(b);
		/* the next write edge takes the beat */
		beat_expect(0xfffffff0u, &f, 0, data, &keep, &last, &user);
		b->now = b->t_s;
		b->ops->s_outputs(b->sim, &so);
		struct cdc_sim_s_in in = { 0 };
		memcpy(in.data, data, BEAT);
		in.valid = true;
		in.keep = keep;
		in.last = true;
		in.user = user;
		b->ops->s_drive(b->sim, &in);
		b->ops->s_edge(b->sim);
		uint64_t tw = b->t_s;
		b->t_s += b->ts;
		in.valid = false;
		b->ops->s_drive(b->sim, &in);
		b->sin = in;
		b->sending_beat = false;
		/* run the read side until tvalid, and take it */
		for (;;) {
			if (b->t_s <= b->t_m) {
				b->now = b->t_s;
				b->ops->s_edge(b->sim);
				b->t_s += b->ts;
				continue;
			}
			b->now = b->t_m;
			b->ops->m_outputs(b->sim, &mo);
			if (mo.valid) {
				double clocks = (double)(b->t_m - tw) / tm;
				if (memcmp(mo.data, data, BEAT) != 0 || !mo.last)
					FAIL("latency probe: wrong beat out");
				lo = clocks < lo ? clocks : lo;
				hi = clocks > hi ? clocks : hi;
				b->min.ready = true;
				b->ops->m_drive(b->sim, &b->min);
				b->ops->m_edge(b->sim);
				b->t_m += b->tm;
				break;
			}
			if (b->t_m - tw > (uint64_t)40 * tm) {
				FAIL("latency probe: no beat after 40 read clocks");
				return;
			}
			b->ops->m_edge(b->sim);
			b->t_m += b->tm;
		}
	}
	printf("  latency %u -> %u ps: write edge to first m edge with tvalid %.2f .. %.2f read clocks"
	       " (%u probes)\n", ts, tm, lo, hi, count);
}

/*
 * m_rst with frames held: the sink stalled, frames 0..k-1 written whole and
 * frame k half written (the source pauses mid-frame), everything crossed;
 * then m_rst, the sink ready, the rest of frame k and frames k+1.. sent.
 * Expected, exactly: nothing dropped before the reset (they fit); frames
 * 0..k-1 flushed (never delivered); frame k delivered in frame mode (it was
 * not visible yet) and flushed with FRAME_DROP 0 (its head was: the read
 * side discards to its tlast); after the reset, m_drop pulses == frames
 * missing among k+1.. (frame mode; none missing with FRAME_DROP 0).
 */
static void mrst_directed(struct bench *b, unsigned rounds)
{
	static const struct phase stalled = {
		"m_rst with frames held (directed)", 3103, 3333, 0, 0, 0, 0, 0, 0, 0, false };
	static const struct phase flowing = {
		"m_rst with frames held (directed)", 3103, 3333, 0, 0, 20, 50, 1000, 0, 0, false };
	unsigned long err0 = errors;
	uint64_t flushed = 0, after_ok = 0;

	for (unsigned r = 0; r < rounds; r++) {
		uint32_t k = 1 + rnd(b, 4), n = k + 1 + 8 + rnd(b, 8);
		uint32_t part = b->depth / 2 / (k + 1); /* all of 0..k fits in DEPTH/2 */
		uint64_t limit = 0;

		if (part < 1)
			part = 1;
		b->ph = &stalled;
		b->base += b->n;
		b->n = n;
		b->fr = calloc(n, sizeof(*b->fr));
		if (b->fr == NULL)
			exit(2);
		for (uint32_t i = 0; i < n; i++) {
			b->fr[i].len = i <= k ? 1 + rnd(b, part) : 1 + rnd(b, b->depth / 2);
			b->fr[i].keep_last = (uint8_t)(1 + rnd(b, 64));
			if (i < k)
				limit += b->fr[i].len;
		}
		if (b->fr[k].len < 2)
			b->fr[k].len = 2;
		limit += b->fr[k].len / 2;
		b->next = 0;
		b->cur = -1;
		b->gap = 0;
		b->nbeat = b->ntake = b->written = 0;
		b->rx_cur = -1;
		b->rx_last = -1;
		b->flushed_upto = -1;
		b->drops = b->overflows = 0;
		b->src_limit = limit;
		set_clocks(b, r & 1 ? 3333 : 3103, r & 1 ? 3103 : 3333);

		/* part 1: write, let it all cross (sink stalled) */
		while (b->written < limit)
			step(b);
		uint64_t until = b->now + 60 * (uint64_t)(b->ts + b->tm);
		while (b->now < until)
			step(b);
		if (b->drops != 0 || b->overflows != 0)
			FAIL("m_rst directed: %" PRIu64 " drops while the frames fitted", b->drops);
		/* part 2: m_rst, then the sink takes everything */
		b->mrst_left = 2 + rnd(b, 3);
		b->ph = &flowing;
		/* the source resumes once m_rst is over: the rest of frame k
		 * must not become visible during it */
		while (b->mrst_left > 0 || b->min.rst)
			step(b);
		b->src_limit = 0;
		while (b->next < b->n || b->cur >= 0)
			step(b);
		if (!drain(b)) {
			FAIL("m_rst directed: the FIFO did not empty (hang)");
			break;
		}
		uint64_t missing_after = 0;
		for (uint32_t i = 0; i < n; i++) {
			const struct frame *f = &b->fr[i];
			if (i < k && f->delivered)
				FAIL("m_rst directed: frame %u written before m_rst came out", b->base + i);
			if (i == k && f->delivered != b->fd)
				FAIL("m_rst directed: frame %u, half written at m_rst, %s", b->base + i,
				    f->delivered ? "came out (its head was visible: must be discarded)"
						 : "lost (it was not visible yet: must come out)");
			if (i > k && !f->delivered)
				missing_after++;
			flushed += i < k || (i == k && !b->fd);
			after_ok += i > k && f->delivered;
		}
		if (b->drops != missing_after)
			FAIL("m_rst directed: %" PRIu64 " m_drop pulses for %" PRIu64
			     " frames missing after m_rst", b->drops, missing_after);
		free(b->fr);
		b->fr = NULL;
	}
	printf("  %-62s %u rounds: %" PRIu64 " frames flushed, %" PRIu64 " delivered after; %s\n",
	    "m_rst with frames held (directed)", rounds, flushed, after_ok,
	    errors == err0 ? "ok" : "FAILED");
}

/*
 * Capacity: the sink stalled, 1-beat frames sent slowly (each one's write
 * has crossed before the next), DEPTH + 8 of them. The FIFO holds DEPTH
 * beats in its RAM and 2 in its output stages (RAM read register, output
 * register), as documented: with FRAME_DROP 0 the source is held after
 * exactly DEPTH + 2 beats, in frame mode exactly the last 6 frames are
 * dropped. Then the sink takes everything.
 */
static void capacity_directed(struct bench *b, unsigned rounds)
{
	static const struct phase stalled = {
		"capacity: sink stalled (directed)", 3103, 3333, 0, 1, 0, 0, 0, 0, 0, false };
	static const struct phase flowing = {
		"capacity: sink stalled (directed)", 3103, 3333, 0, 1, 0, 0, 1000, 0, 0, false };
	unsigned long err0 = errors;

	for (unsigned r = 0; r < rounds; r++) {
		uint32_t n = b->depth + 8;

		b->ph = &stalled;
		b->base += b->n;
		b->n = n;
		b->fr = calloc(n, sizeof(*b->fr));
		if (b->fr == NULL)
			exit(2);
		for (uint32_t i = 0; i < n; i++) {
			b->fr[i].len = 1;
			b->fr[i].keep_last = (uint8_t)(1 + rnd(b, 64));
		}
		b->next = 0;
		b->cur = -1;
		b->gap = 0;
		b->nbeat = b->ntake = b->written = 0;
		b->rx_cur = -1;
		b->rx_last = -1;
		b->flushed_upto = -1;
		b->drops = b->overflows = 0;
		set_clocks(b, r & 1 ? 3333 : 3103, r & 1 ? 3103 : 3333);
		for (uint32_t i = 0; i < n; i++) {
			b->src_limit = i + 1;
			uint64_t until = b->now + 30 * (uint64_t)(b->ts + b->tm);
			while (b->now < until)
				step(b);
		}
		uint64_t held = b->written;
		b->src_limit = 0;
		b->ph = &flowing;
		if (!drain(b)) {
			FAIL("capacity: the FIFO did not empty (hang)");
			break;
		}
		uint64_t delivered = 0;
		for (uint32_t i = 0; i < n; i++)
			delivered += b->fr[i].delivered;
		if (b->fd && (delivered != b->depth + 2 || b->drops != n - delivered))
			FAIL("capacity: %" PRIu64 " of %u frames delivered (expected DEPTH + 2 = %u), %"
			     PRIu64 " m_drop", delivered, n, b->depth + 2, b->drops);
		if (!b->fd && (held != b->depth + 2 || delivered != n))
			FAIL("capacity: the source was held after %" PRIu64
			     " beats (expected DEPTH + 2 = %u), %" PRIu64 " of %u delivered",
			    held, b->depth + 2, delivered, n);
		free(b->fr);
		b->fr = NULL;
	}
	printf("  %-62s %u rounds: %s\n", "capacity: sink stalled, DEPTH + 2 beats held (directed)",
	    rounds, errors == err0 ? "ok" : "FAILED");
}

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s --config f1_d16|f1_d512|f0_d16|f0_d512 [--seed N] [--scale PERCENT]\n",
	    argv0);
	return 2;
}

int main(int argc, char **argv)
{
	const struct cdc_sim_ops *ops = NULL;
	unsigned long long seed = (unsigned long long)time(NULL) ^
	    ((unsigned long long)getpid() << 32);
	unsigned long scale = 100;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage(argv[0]);
		const char *v = argv[++i];
		if (strcmp(argv[i - 1], "--config") == 0) {
			for (size_t c = 0; c < sizeof(configs) / sizeof(configs[0]); c++)
				if (strcmp(configs[c]->name, v) == 0)
					ops = configs[c];
			if (ops == NULL)
				return usage(argv[0]);
		} else {
			char *end;
			errno = 0;
			unsigned long long x = strtoull(v, &end, 0);
			if (errno != 0 || end == v || *end != '\0')
				return usage(argv[0]);
			if (strcmp(argv[i - 1], "--seed") == 0)
				seed = x;
			else if (strcmp(argv[i - 1], "--scale") == 0 && x > 0 && x <= 10000)
				scale = (unsigned long)x;
			else
				return usage(argv[0]);
		}
	}
	if (ops == NULL)
		return usage(argv[0]);
	printf("%s: config %s (FRAME_DROP %d, DEPTH %u), seed %llu (replay with --seed %llu)\n",
	    argv[0], ops->name, ops->frame_drop, ops->depth, seed, seed);
	run_seed = seed;

	struct bench *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return 2;
	b->ops = ops;
	b->depth = ops->depth;
	b->fd = ops->frame_drop;
	prng_seed(&b->rng, seed);
	b->sim = ops->create();
	if (b->sim == NULL) {
		fprintf(stderr, "test_cdc: model allocation failed\n");
		return 2;
	}
	b->rx_cur = -1;
	b->cur = -1;
	b->t_s = 1000;
	b->ts = 3103;
	b->tm = 3333;
	b->t_m = 1000 + rnd(b, 3333);

	latency_probe(b, 3103, 3333, 150);
	latency_probe(b, 3333, 3103, 150);
	b->base = 0x100;
	for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++)
		run_phase(b, &phases[p], (uint32_t)scale);
	mrst_directed(b, 100);
	capacity_directed(b, b->depth < 64 ? 20 : 4);

	ops->destroy(b->sim);
	free(b->beat_t);
	free(b->take_t);
	free(b);
	if (errors) {
		printf("test_cdc %s: %lu errors (seed %llu)\n", ops->name, errors, seed);
		return 1;
	}
	printf("test_cdc %s: ok\n", ops->name);
	return 0;
}
