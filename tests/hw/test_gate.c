/*
 * spisync -- test bench of the event gate (hw/rtl/event_gate.v, Verilated
 * with REC_W = 512) in Verilator simulation.
 *
 * Model and reference get the same random inputs every clock, and every
 * clock is checked twice:
 *  (a) exactly, against tests/model/gate_ref.c: m_valid, m_rec byte for
 *      byte when valid, s_ready, lost_total;
 *  (b) against invariants that do not use the reference, from the inputs,
 *      the outputs and the model's holding register (read through the
 *      probe: which record is parked is not a port):
 *      - a written record is one of this clock's candidates, in priority
 *        order (flow record, parked eviction, EVENTS_LOST, SA event), byte
 *        for byte as it came in, and no input record comes out twice;
 *        nothing is written while the ring is disabled or the FIFO full;
 *      - every input record is written once or counted lost: lost_total
 *        grows each clock by exactly the records that went neither out nor
 *        into the holding register (plus s_overflow pulses and returned
 *        records other than EVENTS_LOST); the holding register only ever
 *        keeps its record or takes the new eviction; SA events wait (not
 *        lost) for a busy port or a full FIFO, and are lost only for want
 *        of a token or while the ring is disabled;
 *      - EVENTS_LOST: COUNT and LOST_MISSES are the bench's own sums of the
 *        records and misses lost (and put back by returned EVENTS_LOST
 *        records) since the previous one, saturated at 2^32 - 1; TIME_NS is
 *        now; SA_INDEX 0xFFFF and all else 0; never two within lost_ns
 *        unless the ring was disabled in between; and one is written
 *        whenever it is due and the port and FIFO are free;
 *      - sum of COUNT over EVENTS_LOST records written - sum over those
 *        returned + pending (the bench's sum) == lost_total (until a count
 *        saturates);
 *      - with no limit (token_ns 0) a flow record, a parked record or an SA
 *        event that has the port and FIFO room is written;
 *      - rate: from a reset or a clock with token_ns 0 on (a full
 *        bucket), while token_ns stays the same, records out <= the
 *        largest token_burst since + elapsed card time / token_ns +
 *        EVENTS_LOST records + expiry records;
 *      - at every drain (no more input, ring on, FIFO free, lost_ns
 *        passed) nothing stays parked or pending, the model's own pending
 *        counts are 0 and input records == written + lost.
 *
 * Stimulus: segments of 300..30,000 clocks, each with its own parameters
 * (token_ns 0 / small / large, token_burst 1..300, lost_ns 0..2^32 - 1)
 * and rates: flow records (random, or every clock for runs of up to 600
 * clocks), evictions with them or alone, SA events held until s_ready,
 * s_overflow pulses, returns on r_lost_* of records written before (every
 * type, EVENTS_LOST included), FIFO full at random or for runs, the ring
 * disabled for runs or toggling, parameter changes in the middle, card
 * time +3.1 ns per clock on average with jumps, resets in traffic, and
 * (some segments) returned EVENTS_LOST records with huge counts to
 * saturate the pending counts. Card time and lost_ns are decided a clock
 * ahead: the gate also takes their values of the next clock (the card time
 * as a step from this clock's, time_step + time_step_c, the carry chosen at
 * random; lost_ns_next), and the bench's time model gives it exactly those.
 *
 * It also counts the paths the documents describe (flow record written /
 * lost, parked record written / lost / waiting, eviction lost to a busy
 * register, SA event written / lost for a token / lost with the ring off /
 * waiting, EVENTS_LOST written / saturated / returned, resets, a rate
 * window at its bound): each must occur, or the run fails.
 *
 * About 970,000 clocks, 1 s.
 *
 * usage: test_gate [--seed N] [--scale PERCENT] [--rate-change]
 * The seed is printed; rerun with --seed to reproduce a failure. --scale
 * multiplies the number of clocks (100: the default). --rate-change runs
 * only the directed scenarios of token_ns changed while the next token is
 * scheduled far from now (see rate_raised() below): raised, the bucket must
 * not pay out a backlog beyond token_burst.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "gate/gate_sim.h"
#include "gate_ref.h"
#include "prng.h"
#include "spisync_hw.h"

enum {
	REC = GATE_SIM_REC_BYTES,
	/* the bench numbers every input record in SRC bytes 0..7 */
	ID_OFF = SPISYNC_EVF_SRC_OFF,
	DELIVERED_MAX = 512,
	PRINT_MAX = 6,
	DRAIN_CLOCKS = 64,
};

_Static_assert((int)GATE_SIM_REC_BYTES == (int)GATE_REC_BYTES, "one record size");

#define SAT32 UINT64_C(0xFFFFFFFF)

/* what became of an input record, by its number */
enum id_state {
	ID_NEW,         /* made, not yet offered (an SA event not yet taken) */
	ID_PARKED,
	ID_EMITTED,
	ID_LOST,
	ID_RETURNED,    /* written, then given back by the ring */
	ID_VOID,        /* taken or parked when a reset came */
};

/* who wrote the FIFO this clock */
enum kind {
	K_NONE,
	K_FLOW,
	K_HOLD,
	K_REPORT,
	K_SA,
};

/* stimulus of one segment: per mille per clock unless said otherwise */
struct mode {
	unsigned f_pm;          /* a flow record */
	unsigned f_run_pm;      /* start a run of flow records every clock */
	unsigned e_with_pct;    /* an eviction with a flow record, percent */
	unsigned e_alone_pm;    /* an eviction without one */
	unsigned s_pm;          /* a new SA event when none is held */
	unsigned ovf_pm;
	unsigned ret_pm;        /* a record written before comes back */
	unsigned ready_pm;      /* FIFO has room */
	unsigned stall_pm;      /* start a run of FIFO full */
	unsigned off_pm;        /* start a run of ring disabled */
	unsigned flip_pm;       /* ring_enabled toggles */
	unsigned jump_pm;       /* card time jumps */
	unsigned param_pm;      /* one parameter changes (rate windows end) */
	unsigned reset_ppm;     /* a reset, per million */
	unsigned fake_pm;       /* a returned EVENTS_LOST with huge counts */
	unsigned count_mode;    /* COUNT of flow records: 0 small, 1 mixed, 2 max */
};

/* the rate window of (b) */
struct window {
	bool valid;
	uint64_t anchor_ns;     /* card time of the reset / token_ns 0 clock */
	uint32_t burst;         /* the largest token_burst since */
	uint32_t token_ns;      /* 0 until the first limited clock */
	uint64_t records;       /* written since, EVENTS_LOST and expiries not */
	uint64_t reports_expiries;
};

struct tb {
	struct gate_sim *sim;
	struct gate_ref ref;
	struct prng rng;
	const char *phase;
	uint64_t clock;
	unsigned long fail_ref, fail_inv;

	/* inputs of the clock being driven; parameters persist */
	struct gate_ref_in in;
	/* card time and lost_ns of the next clock: the gate takes them a clock
	 * ahead (time_step, lost_ns_next), so the stimulus decides them a
	 * clock ahead; step() makes them the current ones after its clock */
	uint64_t time_next;
	uint32_t lost_next;
	uint64_t next_id;
	struct mode m;
	unsigned f_run, stall_run, off_run;

	/* the SA event source: one record, held until taken */
	bool sa_held;
	uint8_t sa_rec[REC];

	/* records the FIFO took: the ring may give them back */
	uint8_t (*delivered)[REC];
	unsigned n_delivered;

	/* (b), since the last reset */
	uint8_t *ids;
	size_t ids_cap;
	uint64_t lost_total;    /* as last read */
	uint64_t pend_records;  /* lost or put back, not yet in an EVENTS_LOST */
	uint64_t pend_misses;
	uint64_t reported_sum;  /* COUNT of EVENTS_LOST records written */
	uint64_t returned_sum;  /* COUNT of EVENTS_LOST records returned */
	bool saturated;         /* a pending sum passed 2^32 - 1 */
	bool reported;          /* an EVENTS_LOST since enable / reset */
	uint64_t reported_at;
	uint64_t in_records, out_records, lost_inputs, lost_other;
	struct window win;

	/* coverage, whole run */
	struct {
		unsigned long flow_out, flow_lost, hold_out, hold_lost, hold_waits,
		    evict_lost_busy, sa_out, sa_lost_token, sa_lost_off, sa_waits,
		    reports, reports_saturated, returns, returns_report, resets,
		    drains, windows_checked, window_tight, ovf;
		double max_fill;    /* largest records / bound of a window */
	} c;
};

static void fail(struct tb *tb, bool ref, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct tb *tb, bool ref, const char *fmt, ...)
{
	unsigned long *n = ref ? &tb->fail_ref : &tb->fail_inv;
	va_list ap;

	if (++*n > PRINT_MAX)
		return;
	fprintf(stderr, "FAIL %s clock %" PRIu64 " (%s): ", ref ? "(a)" : "(b)",
	    tb->clock, tb->phase);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------------
 * Records.
 * ------------------------------------------------------------------- */

static uint8_t type_of(const uint8_t *rec)
{
	return rec[SPISYNC_EVF_TYPE_OFF];
}

static uint64_t count_of(const uint8_t *rec)
{
	return load_le(rec + SPISYNC_EVF_COUNT_OFF, 4);
}

static uint64_t lost_misses_of(const uint8_t *rec)
{
	return load_le(rec + SPISYNC_EVF_LOST_MISSES_OFF, 4);
}

static uint64_t id_of(const uint8_t *rec)
{
	return load_le(rec + ID_OFF, 8);
}

/* The bench's own reading of the rules (docs/event-ring.md), not the
 * reference's. */
static bool is_flow(uint8_t t)
{
	return t == SPISYNC_EV_SA_MISS || t == SPISYNC_EV_SPI_RESERVED;
}

static bool is_expiry(uint8_t t)
{
	return t == SPISYNC_EV_SA_SOFT_EXPIRY || t == SPISYNC_EV_SA_HARD_EXPIRY;
}

static bool needs_token(uint8_t t)
{
	return is_flow(t) || t == SPISYNC_EV_AUTH_FAIL_BURST ||
	    t == SPISYNC_EV_REPLAY_BURST;
}

static uint64_t misses(const uint8_t *rec)
{
	if (!is_flow(type_of(rec)))
		return 0;
	return count_of(rec) + ((rec[SPISYNC_EVF_FLAGS_OFF] & SPISYNC_EV_FLAG_EVICTED) ? 0 : 1);
}

static void fill_random(struct prng *r, uint8_t *rec)
{
	for (unsigned i = 0; i < REC; i += 8)
		store_le64(rec + i, prng_next(r));
}

/* an input the gate must not look at: some fields that would matter */
static void scramble(struct prng *r, uint8_t *rec)
{
	const uint64_t v = prng_next(r);

	rec[SPISYNC_EVF_TYPE_OFF] = (uint8_t)(v % 9);
	rec[SPISYNC_EVF_FLAGS_OFF] = (uint8_t)(v >> 8);
	store_le32(rec + SPISYNC_EVF_COUNT_OFF, (uint32_t)(v >> 32));
}

static uint64_t new_id(struct tb *tb)
{
	const uint64_t id = tb->next_id++;

	if (id >= tb->ids_cap) {
		const size_t cap = tb->ids_cap ? tb->ids_cap * 2 : (size_t)1 << 20;
		uint8_t *p = realloc(tb->ids, cap);

		if (p == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		memset(p + tb->ids_cap, ID_NEW, cap - tb->ids_cap);
		tb->ids = p;
		tb->ids_cap = cap;
	}
	return id;
}

static uint32_t flow_count(struct tb *tb)
{
	struct prng *r = &tb->rng;

	switch (tb->m.count_mode) {
	case 2:
		return UINT32_MAX;
	case 1:
		if (prng_below(r, 10) == 0)
			return (uint32_t)prng_next(r);
		/* FALLTHROUGH */
	default:
		return prng_below(r, 2) ? 0 : prng_below(r, 1000);
	}
}

static void make_flow(struct tb *tb, uint8_t *rec, bool evicted)
{
	struct prng *r = &tb->rng;
	uint8_t flags = (uint8_t)prng_next(r) & ~SPISYNC_EV_FLAG_EVICTED;

	/* the gate reads the flag, not the port: now and then the other one */
	if (evicted != (prng_below(r, 32) == 0))
		flags |= SPISYNC_EV_FLAG_EVICTED;
	fill_random(r, rec);
	rec[SPISYNC_EVF_TYPE_OFF] = prng_below(r, 8) ? SPISYNC_EV_SA_MISS : SPISYNC_EV_SPI_RESERVED;
	rec[SPISYNC_EVF_FLAGS_OFF] = flags;
	store_le64(rec + SPISYNC_EVF_TIME_NS_OFF, tb->in.time_ns);
	store_le32(rec + SPISYNC_EVF_COUNT_OFF, flow_count(tb));
	store_le16(rec + SPISYNC_EVF_SA_INDEX_OFF, 0xFFFF);
	store_le64(rec + ID_OFF, new_id(tb));
}

static void make_sa(struct tb *tb, uint8_t *rec)
{
	struct prng *r = &tb->rng;

	fill_random(r, rec);
	rec[SPISYNC_EVF_TYPE_OFF] = (uint8_t)(SPISYNC_EV_SA_SOFT_EXPIRY + prng_below(r, 4));
	rec[SPISYNC_EVF_FLAGS_OFF] &= ~SPISYNC_EV_FLAG_EVICTED;
	/* the gate takes a flow type on this port too (a token, misses when
	 * lost): now and then one, evicted or not */
	if (prng_below(r, 16) == 0) {
		rec[SPISYNC_EVF_TYPE_OFF] = prng_below(r, 2) ? SPISYNC_EV_SA_MISS
		                                             : SPISYNC_EV_SPI_RESERVED;
		if (prng_below(r, 2))
			rec[SPISYNC_EVF_FLAGS_OFF] |= SPISYNC_EV_FLAG_EVICTED;
	}
	store_le64(rec + SPISYNC_EVF_TIME_NS_OFF, tb->in.time_ns);
	store_le32(rec + SPISYNC_EVF_COUNT_OFF, prng_below(r, 200));
	store_le64(rec + ID_OFF, new_id(tb));
}

/* an EVENTS_LOST the ring never had: only to push the sums to saturation */
static void make_fake_report(struct tb *tb, uint8_t *rec)
{
	struct prng *r = &tb->rng;

	memset(rec, 0, REC);
	rec[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_EVENTS_LOST;
	store_le32(rec + SPISYNC_EVF_COUNT_OFF, UINT32_MAX - prng_below(r, 1000));
	store_le32(rec + SPISYNC_EVF_LOST_MISSES_OFF, (uint32_t)prng_next(r) | 0x80000000u);
	store_le16(rec + SPISYNC_EVF_SA_INDEX_OFF, 0xFFFF);
}

/* ---------------------------------------------------------------------
 * (a): the reference.
 * ------------------------------------------------------------------- */

static void to_sim(const struct gate_ref_in *r, struct gate_sim_in *s)
{
	s->rst = r->rst;
	s->time_ns = r->time_ns;
	s->token_ns = r->token_ns;
	s->token_burst = r->token_burst;
	s->ring_enabled = r->ring_enabled;
	s->f_valid = r->f_valid;
	memcpy(s->f_rec, r->f_rec, REC);
	s->f_evict_valid = r->f_evict_valid;
	memcpy(s->f_evict_rec, r->f_evict_rec, REC);
	s->s_valid = r->s_valid;
	memcpy(s->s_rec, r->s_rec, REC);
	s->s_overflow = r->s_overflow;
	s->r_lost_valid = r->r_lost_valid;
	memcpy(s->r_lost_rec, r->r_lost_rec, REC);
	s->m_ready = r->m_ready;
}

static void dump_rec(const char *what, const uint8_t *rec)
{
	fprintf(stderr, "  %-9s", what);
	for (unsigned i = 0; i < REC; i++)
		fprintf(stderr, "%s%02x", i % 16 == 0 && i != 0 ? "\n           " :
		    (i % 4 == 0 && i != 0 ? " " : ""), rec[i]);
	fputc('\n', stderr);
}

static void dump_state(const struct tb *tb, const struct gate_sim_probe *before)
{
	const struct gate_ref_in *in = &tb->in;
	const struct gate_ref *ref = &tb->ref;

	fprintf(stderr, "  in: rst %d time %" PRIu64 " token_ns %" PRIu32 " burst %" PRIu32
	    " lost_ns %" PRIu32 " enabled %d f %d(t%u) e %d s %d(t%u) ovf %d r %d(t%u) m_ready %d\n",
	    in->rst, in->time_ns, in->token_ns, in->token_burst, in->lost_ns,
	    in->ring_enabled, in->f_valid, type_of(in->f_rec), in->f_evict_valid,
	    in->s_valid, type_of(in->s_rec), in->s_overflow, in->r_lost_valid,
	    type_of(in->r_lost_rec), in->m_ready);
	fprintf(stderr, "  model before: hold %d tokens %" PRIu32 " next_token %" PRIu64
	    " pend %" PRIu32 "/%" PRIu32 "\n", before->hold_valid, before->tokens,
	    before->next_token, before->pend_records, before->pend_misses);
	fprintf(stderr, "  reference after: parked %d tokens %" PRIu32 " refill_at %" PRIu64
	    " pend %" PRIu32 "/%" PRIu32 " reported %d at %" PRIu64 "\n", ref->parked,
	    ref->tokens, ref->refill_at, ref->unreported_records, ref->unreported_misses,
	    ref->reported, ref->reported_at);
}

static void compare_ref(struct tb *tb, const struct gate_sim_out *got,
    const struct gate_ref_out *want, const struct gate_sim_probe *before)
{
	const bool shown = tb->fail_ref < PRINT_MAX;

	if (got->m_valid != want->m_valid || got->s_ready != want->s_ready ||
	    got->lost_total != want->lost_total) {
		fail(tb, true, "m_valid %d/%d s_ready %d/%d lost_total %" PRIu64 "/%" PRIu64
		    " (model/reference)", got->m_valid, want->m_valid, got->s_ready,
		    want->s_ready, got->lost_total, want->lost_total);
	} else if (got->m_valid && memcmp(got->m_rec, want->m_rec, REC) != 0) {
		fail(tb, true, "m_rec differs");
		if (shown) {
			dump_rec("model", got->m_rec);
			dump_rec("reference", want->m_rec);
		}
	} else {
		return;
	}
	if (shown)
		dump_state(tb, before);
}

/* ---------------------------------------------------------------------
 * (b): invariants.
 * ------------------------------------------------------------------- */

/* after reset: nothing in flight counts any more */
static void restart_books(struct tb *tb, uint64_t time_ns, uint32_t burst)
{
	tb->lost_total = 0;
	tb->pend_records = tb->pend_misses = 0;
	tb->reported_sum = tb->returned_sum = 0;
	tb->saturated = false;
	tb->reported = false;
	tb->in_records = tb->out_records = tb->lost_inputs = tb->lost_other = 0;
	tb->n_delivered = 0;
	memset(&tb->win, 0, sizeof(tb->win));
	tb->win.valid = true;
	tb->win.anchor_ns = time_ns;
	tb->win.burst = burst;
}

static bool report_due(const struct tb *tb)
{
	return tb->pend_records != 0 &&
	    (!tb->reported || tb->in.time_ns - tb->reported_at >= tb->in.lost_ns);
}

/* Which candidate the written record is; fails when it is none, or not
 * the one the priorities give. */
static enum kind written_by(struct tb *tb, const struct gate_sim_probe *hb,
    const struct gate_sim_out *out)
{
	const struct gate_ref_in *in = &tb->in;

	if (!out->m_valid)
		return K_NONE;
	if (!in->ring_enabled || !in->m_ready)
		fail(tb, false, "a write while the ring is %s",
		    in->ring_enabled ? "enabled but the FIFO is full" : "disabled");
	if (type_of(out->m_rec) == SPISYNC_EV_EVENTS_LOST)
		return K_REPORT;
	/* a presented flow record is written or lost; lost, it leaves the
	 * port to the others */
	if (in->f_valid && memcmp(out->m_rec, in->f_rec, REC) == 0)
		return K_FLOW;
	if (hb->hold_valid) {
		if (memcmp(out->m_rec, hb->hold_rec, REC) != 0)
			fail(tb, false, "eviction parked, another written");
		return K_HOLD;
	}
	if (!in->s_valid || !out->s_ready || memcmp(out->m_rec, in->s_rec, REC) != 0)
		fail(tb, false, "written record is no candidate (SA event %s)",
		    in->s_valid ? (out->s_ready ? "differs" : "not taken") : "absent");
	return K_SA;
}

static void check_report(struct tb *tb, const struct gate_sim_probe *hb,
    const uint8_t *rec)
{
	const struct gate_ref_in *in = &tb->in;
	uint8_t want[REC];

	if (hb->hold_valid)
		fail(tb, false, "EVENTS_LOST written over a parked eviction's try");
	if (!report_due(tb))
		fail(tb, false, "EVENTS_LOST not due: pending %" PRIu64 ", %" PRIu64
		    " ns since the last (lost_ns %" PRIu32 ", %s)", tb->pend_records,
		    in->time_ns - tb->reported_at, in->lost_ns,
		    tb->reported ? "not the first" : "the first");

	memset(want, 0, REC);
	want[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_EVENTS_LOST;
	store_le64(want + SPISYNC_EVF_TIME_NS_OFF, in->time_ns);
	store_le32(want + SPISYNC_EVF_COUNT_OFF,
	    (uint32_t)(tb->pend_records > SAT32 ? SAT32 : tb->pend_records));
	store_le32(want + SPISYNC_EVF_LOST_MISSES_OFF,
	    (uint32_t)(tb->pend_misses > SAT32 ? SAT32 : tb->pend_misses));
	store_le16(want + SPISYNC_EVF_SA_INDEX_OFF, 0xFFFF);
	if (memcmp(rec, want, REC) != 0) {
		fail(tb, false, "EVENTS_LOST record: want COUNT %" PRIu64 " LOST_MISSES %" PRIu64,
		    tb->pend_records, tb->pend_misses);
		if (tb->fail_inv <= PRINT_MAX) {
			dump_rec("written", rec);
			dump_rec("want", want);
		}
	}
	if (tb->pend_records > SAT32 || tb->pend_misses > SAT32) {
		tb->saturated = true;
		tb->c.reports_saturated++;
	}
	tb->reported_sum += count_of(rec);
	tb->pend_records = tb->pend_misses = 0;
	tb->reported = true;
	tb->reported_at = in->time_ns;
	tb->c.reports++;
}

/* What must be written when the port and FIFO are free: the documented
 * priorities with no limit, and a due EVENTS_LOST always. */
static void check_liveness(struct tb *tb, const struct gate_sim_probe *hb,
    const struct gate_sim_out *out, enum kind k, bool due)
{
	const struct gate_ref_in *in = &tb->in;
	const bool unlimited = in->token_ns == 0;

	if (!in->ring_enabled) {
		if (in->s_valid && !out->s_ready)
			fail(tb, false, "ring disabled: SA event not taken (and lost)");
		return;
	}
	if (!in->m_ready)
		return;
	if (in->f_valid) {
		if (unlimited && k != K_FLOW)
			fail(tb, false, "no limit, FIFO free: flow record not written");
	} else if (hb->hold_valid) {
		if (unlimited && k != K_HOLD)
			fail(tb, false, "no limit, FIFO free: parked eviction not written");
	} else if (due) {
		if (k != K_REPORT)
			fail(tb, false, "EVENTS_LOST due (pending %" PRIu64 ") and the port free,"
			    " not written", tb->pend_records);
	} else if (in->s_valid && (unlimited || !needs_token(type_of(in->s_rec)))) {
		if (k != K_SA)
			fail(tb, false, "SA event (type %u) with the port free, not written",
			    type_of(in->s_rec));
	}
}

static void lose(struct tb *tb, const uint8_t *rec, unsigned *lost, uint64_t *m)
{
	const uint64_t id = id_of(rec);

	if (id >= tb->next_id || (tb->ids[id] != ID_NEW && tb->ids[id] != ID_PARKED))
		fail(tb, false, "record %" PRIu64 " lost in state %u", id,
		    id < tb->next_id ? tb->ids[id] : 99);
	else
		tb->ids[id] = ID_LOST;
	(*lost)++;
	*m += misses(rec);
	tb->lost_inputs++;
}

static void emitted(struct tb *tb, const uint8_t *rec, uint8_t from)
{
	const uint64_t id = id_of(rec);

	if (id >= tb->next_id || tb->ids[id] != from) {
		fail(tb, false, "record %" PRIu64 " written in state %u (twice?)", id,
		    id < tb->next_id ? tb->ids[id] : 99);
		return;
	}
	tb->ids[id] = ID_EMITTED;
	tb->out_records++;
}

/* The holding register after the clock: its old record or the new
 * eviction, unchanged. Returns whether it still holds the old one. */
static bool check_hold(struct tb *tb, const struct gate_sim_probe *hb,
    const struct gate_sim_probe *ha, bool evict_parked)
{
	const struct gate_ref_in *in = &tb->in;

	if (!ha->hold_valid)
		return false;
	if (!in->ring_enabled)
		fail(tb, false, "ring disabled, a record stays parked");
	if (evict_parked)
		return false;
	if (!hb->hold_valid || memcmp(ha->hold_rec, hb->hold_rec, REC) != 0) {
		fail(tb, false, "holding register took neither its record nor the eviction");
		return false;
	}
	return true;
}

/* Every record of this clock: written, parked, or counted lost, and
 * lost_total grows by exactly the lost ones. */
static void account(struct tb *tb, const struct gate_sim_probe *hb,
    const struct gate_sim_out *out, const struct gate_sim_probe *ha, enum kind k)
{
	const struct gate_ref_in *in = &tb->in;
	unsigned lost = 0;
	uint64_t m = 0;
	bool evict_parked = false, kept;

	if (in->f_valid) {
		tb->in_records++;
		if (k == K_FLOW)
			emitted(tb, in->f_rec, ID_NEW);
		else
			lose(tb, in->f_rec, &lost, &m);
	}
	if (in->f_evict_valid) {
		tb->in_records++;
		evict_parked = ha->hold_valid && memcmp(ha->hold_rec, in->f_evict_rec, REC) == 0;
		if (evict_parked)
			tb->ids[id_of(in->f_evict_rec)] = ID_PARKED;
		else
			lose(tb, in->f_evict_rec, &lost, &m);
	}
	kept = check_hold(tb, hb, ha, evict_parked);
	if (hb->hold_valid) {
		if (k == K_HOLD)
			emitted(tb, hb->hold_rec, ID_PARKED);
		else if (!kept)
			lose(tb, hb->hold_rec, &lost, &m);
		else
			tb->c.hold_waits++;
		if (k == K_HOLD && kept)
			fail(tb, false, "parked eviction written and still parked");
	}
	if (out->s_ready) {
		if (!in->s_valid)
			fail(tb, false, "s_ready without s_valid");
		tb->in_records++;
		if (k == K_SA) {
			emitted(tb, in->s_rec, ID_NEW);
		} else {
			/* SA events wait for the port and the FIFO: lost only
			 * for want of a token, or with the ring off */
			if (in->ring_enabled && (!needs_token(type_of(in->s_rec)) ||
			    !in->m_ready || k == K_FLOW || hb->hold_valid || k == K_REPORT))
				fail(tb, false, "SA event (type %u) taken and lost, not for a token",
				    type_of(in->s_rec));
			if (in->ring_enabled)
				tb->c.sa_lost_token++;
			else
				tb->c.sa_lost_off++;
			lose(tb, in->s_rec, &lost, &m);
		}
	} else if (in->s_valid) {
		tb->c.sa_waits++;
	}
	if (in->s_overflow) {
		lost++;
		tb->lost_other++;
		tb->c.ovf++;
	}
	if (in->r_lost_valid && type_of(in->r_lost_rec) == SPISYNC_EV_EVENTS_LOST) {
		/* its counts are put back, its records were counted before */
		tb->pend_records += count_of(in->r_lost_rec);
		tb->pend_misses += lost_misses_of(in->r_lost_rec);
		tb->returned_sum += count_of(in->r_lost_rec);
		tb->c.returns_report++;
	} else if (in->r_lost_valid) {
		const uint64_t id = id_of(in->r_lost_rec);

		if (id < tb->next_id && tb->ids[id] == ID_EMITTED)
			tb->ids[id] = ID_RETURNED;
		lost++;
		m += misses(in->r_lost_rec);
		tb->lost_other++;
		tb->c.returns++;
	}

	if (out->lost_total - tb->lost_total != lost)
		fail(tb, false, "lost_total grew by %" PRIu64 ", %u records lost",
		    out->lost_total - tb->lost_total, lost);
	tb->lost_total = out->lost_total;
	tb->pend_records += lost;
	tb->pend_misses += m;
	if (!tb->saturated && tb->reported_sum - tb->returned_sum + tb->pend_records !=
	    tb->lost_total)
		fail(tb, false, "EVENTS_LOST counts %" PRIu64 " - returned %" PRIu64
		    " + pending %" PRIu64 " != lost_total %" PRIu64, tb->reported_sum,
		    tb->returned_sum, tb->pend_records, tb->lost_total);
}

/* The rate bound, over windows that start with a full bucket (reset or
 * token_ns 0) and end when token_ns changes to another limit. */
static void check_window(struct tb *tb, const struct gate_sim_out *out, enum kind k)
{
	const struct gate_ref_in *in = &tb->in;
	struct window *w = &tb->win;
	uint64_t bound;

	if (in->token_ns == 0) {
		memset(w, 0, sizeof(*w));
		w->valid = true;
		w->anchor_ns = in->time_ns;
		w->burst = in->token_burst;
		return;
	}
	if (w->token_ns != 0 && w->token_ns != in->token_ns)
		w->valid = false;
	if (!w->valid)
		return;
	w->token_ns = in->token_ns;
	if (in->token_burst > w->burst)
		w->burst = in->token_burst;
	if (k == K_NONE)
		return;
	if (k == K_REPORT || is_expiry(type_of(out->m_rec)))
		w->reports_expiries++;
	else
		w->records++;
	bound = w->burst + (in->time_ns - w->anchor_ns) / w->token_ns;
	if (w->records > bound)
		fail(tb, false, "rate: %" PRIu64 " records (and %" PRIu64 " EVENTS_LOST / expiry)"
		    " in %" PRIu64 " ns at token_ns %" PRIu32 ", burst %" PRIu32 ": bound %" PRIu64,
		    w->records, w->reports_expiries, in->time_ns - w->anchor_ns,
		    w->token_ns, w->burst, bound);
	tb->c.windows_checked++;
	if (w->records == bound)
		tb->c.window_tight++;
	if ((double)w->records / (double)bound > tb->c.max_fill)
		tb->c.max_fill = (double)w->records / (double)bound;
}

static void check_clock(struct tb *tb, const struct gate_sim_probe *hb,
    const struct gate_sim_out *out, const struct gate_sim_probe *ha)
{
	const bool due = tb->in.ring_enabled && report_due(tb);
	const enum kind k = written_by(tb, hb, out);

	check_liveness(tb, hb, out, k, due);
	if (k == K_REPORT)
		check_report(tb, hb, out->m_rec);
	account(tb, hb, out, ha, k);
	check_window(tb, out, k);
	if (!tb->in.ring_enabled)
		tb->reported = false;

	switch (k) {
	case K_FLOW:
		tb->c.flow_out++;
		break;
	case K_HOLD:
		tb->c.hold_out++;
		break;
	case K_SA:
		tb->c.sa_out++;
		break;
	default:
		break;
	}
	if (tb->in.f_valid && k != K_FLOW)
		tb->c.flow_lost++;
	if (hb->hold_valid && k != K_HOLD && !ha->hold_valid)
		tb->c.hold_lost++;
	if (tb->in.f_evict_valid && hb->hold_valid && tb->in.ring_enabled && k != K_HOLD &&
	    ha->hold_valid && memcmp(ha->hold_rec, hb->hold_rec, REC) == 0)
		tb->c.evict_lost_busy++;
}

/* ---------------------------------------------------------------------
 * One clock.
 * ------------------------------------------------------------------- */

static void deliver(struct tb *tb, const uint8_t *rec)
{
	unsigned i = tb->n_delivered;

	if (i == DELIVERED_MAX)
		i = prng_below(&tb->rng, DELIVERED_MAX);
	else
		tb->n_delivered++;
	memcpy(tb->delivered[i], rec, REC);
}

static void after_reset(struct tb *tb, const struct gate_sim_probe *hb,
    const struct gate_sim_out *out, const struct gate_sim_probe *ha)
{
	if (out->s_ready)
		tb->ids[id_of(tb->in.s_rec)] = ID_VOID;
	if (hb->hold_valid && id_of(hb->hold_rec) < tb->next_id)
		tb->ids[id_of(hb->hold_rec)] = ID_VOID;
	if (out->lost_total != 0 || ha->hold_valid || ha->pend_records != 0 ||
	    ha->pend_misses != 0)
		fail(tb, false, "reset left lost_total %" PRIu64 " hold %d pending %" PRIu32
		    "/%" PRIu32, out->lost_total, ha->hold_valid, ha->pend_records,
		    ha->pend_misses);
	restart_books(tb, tb->in.time_ns, tb->in.token_burst);
	tb->c.resets++;
}

static void step(struct tb *tb)
{
	struct gate_sim_in sin;
	struct gate_sim_out sout;
	struct gate_ref_out rout;
	struct gate_sim_probe hb, ha;

	gate_sim_probe(tb->sim, &hb);
	to_sim(&tb->in, &sin);
	/* the step to the next clock's time, split at random between the
	 * whole step and the carry of card_regs' fraction (a zero step with a
	 * carry is all ones: the sum wraps) */
	sin.time_step_c = prng_below(&tb->rng, 2);
	sin.time_step = tb->time_next - tb->in.time_ns - sin.time_step_c;
	sin.lost_ns_next = tb->lost_next;
	gate_sim_cycle(tb->sim, &sin, &sout);
	gate_sim_probe(tb->sim, &ha);
	gate_ref_clock(&tb->ref, &tb->in, &rout);
	compare_ref(tb, &sout, &rout, &hb);

	if (tb->in.rst) {
		after_reset(tb, &hb, &sout, &ha);
	} else {
		check_clock(tb, &hb, &sout, &ha);
		if (sout.m_valid)
			deliver(tb, sout.m_rec);
	}
	if (sout.s_ready)
		tb->sa_held = false;
	tb->clock++;
	tb->in.time_ns = tb->time_next;
	tb->in.lost_ns = tb->lost_next;
}

/* ---------------------------------------------------------------------
 * Stimulus.
 * ------------------------------------------------------------------- */

static bool chance(struct tb *tb, unsigned per_mille)
{
	return per_mille != 0 && prng_below(&tb->rng, 1000) < per_mille;
}

static uint32_t pick_token_ns(struct prng *r)
{
	switch (prng_below(r, 20)) {
	case 0: case 1: case 2:
		return 0;
	case 3: case 4: case 5: case 6:
		return 1 + prng_below(r, 8);                    /* < a clock */
	case 7: case 8: case 9: case 10: case 11: case 12: case 13:
		return 10 + prng_below(r, 1000);
	case 14: case 15: case 16: case 17: case 18:
		return 1000 + prng_below(r, 1000000);
	default:
		return UINT32_MAX - prng_below(r, 1000);        /* 4.3 s */
	}
}

static uint32_t pick_burst(struct prng *r)
{
	switch (prng_below(r, 10)) {
	case 0:
		return 1;
	case 1: case 2: case 3:
		return 2 + prng_below(r, 15);
	default:
		return 17 + prng_below(r, 284);                 /* up to 300 */
	}
}

static uint32_t pick_lost_ns(struct prng *r)
{
	switch (prng_below(r, 20)) {
	case 0: case 1: case 2:
		return 0;
	case 3: case 4: case 5: case 6:
		return 1 + prng_below(r, 64);
	case 7: case 8: case 9: case 10: case 11: case 12: case 13: case 14: case 15:
		return 100 + prng_below(r, 100000);
	case 16: case 17: case 18:
		return 1000000 + prng_below(r, 1000000000);
	default:
		return UINT32_MAX;
	}
}

static unsigned pick(struct prng *r, const unsigned *v, unsigned n)
{
	return v[prng_below(r, n)];
}

#define PICK(r, ...) pick((r), (const unsigned[]){ __VA_ARGS__ }, \
    sizeof((const unsigned[]){ __VA_ARGS__ }) / sizeof(unsigned))

static void pick_mode(struct tb *tb)
{
	struct prng *r = &tb->rng;
	struct mode *m = &tb->m;

	m->f_pm = PICK(r, 0, 5, 50, 300, 700, 1000);
	m->f_run_pm = PICK(r, 0, 1, 5);
	m->e_with_pct = PICK(r, 0, 10, 50, 100);
	m->e_alone_pm = PICK(r, 0, 5, 100);
	m->s_pm = PICK(r, 0, 10, 100, 500, 1000);
	m->ovf_pm = PICK(r, 0, 0, 1, 20, 200);
	m->ret_pm = PICK(r, 0, 5, 50, 300);
	m->ready_pm = PICK(r, 1000, 1000, 900, 500, 100);
	m->stall_pm = PICK(r, 0, 2);
	m->off_pm = PICK(r, 0, 0, 1);
	m->flip_pm = PICK(r, 0, 0, 0, 0, 5, 200);
	m->jump_pm = PICK(r, 0, 1, 10);
	m->param_pm = PICK(r, 0, 0, 1);
	m->reset_ppm = PICK(r, 0, 0, 0, 20);
	m->fake_pm = PICK(r, 0, 0, 0, 0, 0, 0, 2);
	m->count_mode = PICK(r, 0, 0, 1, 1, 2);
}

/* the card time of the next clock */
static void advance_time(struct tb *tb)
{
	struct prng *r = &tb->rng;

	/* 3.1 ns per clock on average (322 MHz) */
	tb->time_next = tb->in.time_ns + (prng_below(r, 10) == 0 ? 4 : 3);
	if (chance(tb, tb->m.jump_pm) && prng_below(r, 10) == 0)
		tb->time_next += prng_next(r) >> (24 + prng_below(r, 40));
}

/* the ring's answer: a record written before could not be written */
static void drive_return(struct tb *tb)
{
	struct gate_ref_in *in = &tb->in;

	in->r_lost_valid = false;
	if (chance(tb, tb->m.fake_pm)) {
		in->r_lost_valid = true;
		make_fake_report(tb, in->r_lost_rec);
	} else if (tb->n_delivered != 0 && chance(tb, tb->m.ret_pm)) {
		const unsigned i = prng_below(&tb->rng, tb->n_delivered);

		in->r_lost_valid = true;
		memcpy(in->r_lost_rec, tb->delivered[i], REC);
		memcpy(tb->delivered[i], tb->delivered[--tb->n_delivered], REC);
	}
	if (!in->r_lost_valid)
		scramble(&tb->rng, in->r_lost_rec);
}

static void drive_ring(struct tb *tb)
{
	struct gate_ref_in *in = &tb->in;
	struct prng *r = &tb->rng;

	if (tb->off_run > 0) {
		tb->off_run--;
		in->ring_enabled = tb->off_run == 0;
	} else if (chance(tb, tb->m.off_pm) && prng_below(r, 4) == 0) {
		tb->off_run = 1 + prng_below(r, 2000);
		in->ring_enabled = false;
	} else if (chance(tb, tb->m.flip_pm)) {
		in->ring_enabled = !in->ring_enabled;
	}

	if (tb->stall_run > 0) {
		tb->stall_run--;
		in->m_ready = false;
	} else if (chance(tb, tb->m.stall_pm)) {
		tb->stall_run = 1 + prng_below(r, 300);
		in->m_ready = false;
	} else {
		in->m_ready = chance(tb, tb->m.ready_pm);
	}
}

static void drive_params(struct tb *tb)
{
	struct prng *r = &tb->rng;

	if (!chance(tb, tb->m.param_pm))
		return;
	switch (prng_below(r, 3)) {
	case 0:
		tb->in.token_ns = pick_token_ns(r);
		break;
	case 1:
		tb->in.token_burst = pick_burst(r);
		break;
	default:
		tb->lost_next = pick_lost_ns(r);
		break;
	}
}

static void drive_sources(struct tb *tb)
{
	struct gate_ref_in *in = &tb->in;
	struct prng *r = &tb->rng;

	if (tb->f_run > 0) {
		tb->f_run--;
		in->f_valid = true;
	} else if (chance(tb, tb->m.f_run_pm) && prng_below(r, 8) == 0) {
		tb->f_run = prng_below(r, 600);
		in->f_valid = true;
	} else {
		in->f_valid = chance(tb, tb->m.f_pm);
	}
	if (in->f_valid)
		make_flow(tb, in->f_rec, false);
	else
		scramble(r, in->f_rec);

	in->f_evict_valid = in->f_valid ? prng_below(r, 100) < tb->m.e_with_pct :
	    chance(tb, tb->m.e_alone_pm);
	if (in->f_evict_valid)
		make_flow(tb, in->f_evict_rec, true);
	else
		scramble(r, in->f_evict_rec);

	/* an SA event stays presented until taken */
	if (!tb->sa_held && chance(tb, tb->m.s_pm)) {
		make_sa(tb, tb->sa_rec);
		tb->sa_held = true;
	}
	in->s_valid = tb->sa_held;
	if (in->s_valid)
		memcpy(in->s_rec, tb->sa_rec, REC);
	else
		scramble(r, in->s_rec);

	in->s_overflow = chance(tb, tb->m.ovf_pm);
}

static void clock_reset(struct tb *tb, unsigned clocks)
{
	struct gate_ref_in *in = &tb->in;

	for (unsigned i = 0; i < clocks; i++) {
		in->rst = true;
		in->f_valid = in->f_evict_valid = in->s_overflow = in->r_lost_valid = false;
		in->s_valid = tb->sa_held;
		in->m_ready = prng_below(&tb->rng, 2);
		advance_time(tb);
		step(tb);
	}
	in->rst = false;
}

static void random_clock(struct tb *tb)
{
	if (tb->m.reset_ppm != 0 && prng_below(&tb->rng, 1000000) < tb->m.reset_ppm) {
		clock_reset(tb, 1 + prng_below(&tb->rng, 3));
		return;
	}
	advance_time(tb);
	drive_params(tb);
	drive_ring(tb);
	drive_sources(tb);
	drive_return(tb);
	step(tb);
}

/* No more input; ring on, FIFO free; card time past lost_ns. Then nothing
 * may stay parked, held or pending, and the books must balance. */
static void drain(struct tb *tb)
{
	struct gate_ref_in *in = &tb->in;
	struct gate_sim_probe p;
	unsigned i;

	in->ring_enabled = true;
	in->m_ready = true;
	tb->stall_run = tb->off_run = tb->f_run = 0;
	for (i = 0; i < DRAIN_CLOCKS; i++) {
		gate_sim_probe(tb->sim, &p);
		if (!tb->sa_held && !p.hold_valid && tb->pend_records == 0)
			break;
		tb->time_next = in->time_ns + (uint64_t)tb->lost_next + 1;
		in->f_valid = in->f_evict_valid = in->s_overflow = in->r_lost_valid = false;
		in->s_valid = tb->sa_held;
		step(tb);
	}
	gate_sim_probe(tb->sim, &p);
	if (i == DRAIN_CLOCKS)
		fail(tb, false, "drain: still %s after %d clocks",
		    tb->sa_held ? "an SA event held" : p.hold_valid ? "a record parked" :
		    "records pending", DRAIN_CLOCKS);
	if (p.pend_records != 0 || p.pend_misses != 0)
		fail(tb, false, "drain: model pending %" PRIu32 "/%" PRIu32 " after its"
		    " EVENTS_LOST", p.pend_records, p.pend_misses);
	if (tb->in_records != tb->out_records + tb->lost_inputs)
		fail(tb, false, "drain: %" PRIu64 " records in, %" PRIu64 " written, %" PRIu64
		    " lost", tb->in_records, tb->out_records, tb->lost_inputs);
	if (tb->lost_total != tb->lost_inputs + tb->lost_other ||
	    (!tb->saturated && tb->reported_sum - tb->returned_sum != tb->lost_total))
		fail(tb, false, "drain: lost_total %" PRIu64 ", lost inputs %" PRIu64
		    " + others %" PRIu64 ", EVENTS_LOST counts %" PRIu64 " - returned %" PRIu64,
		    tb->lost_total, tb->lost_inputs, tb->lost_other, tb->reported_sum,
		    tb->returned_sum);
	tb->c.drains++;
}

static void new_segment(struct tb *tb)
{
	struct prng *r = &tb->rng;
	const uint32_t token_ns = pick_token_ns(r);

	pick_mode(tb);
	/* mostly through "no limit", which opens a rate window */
	if (token_ns != 0 && prng_below(r, 10) < 6) {
		const unsigned n = 1 + prng_below(r, 20);

		tb->in.token_ns = 0;
		for (unsigned i = 0; i < n; i++)
			random_clock(tb);
	}
	tb->in.token_ns = token_ns;
	tb->in.token_burst = pick_burst(r);
	tb->lost_next = pick_lost_ns(r);
}

static void phase_random(struct tb *tb, unsigned long clocks)
{
	const uint64_t end = tb->clock + clocks;

	tb->phase = "random";
	while (tb->clock < end) {
		const uint64_t seg_end = tb->clock + 300 + prng_below(&tb->rng, 30000);

		new_segment(tb);
		while (tb->clock < seg_end && tb->clock < end)
			random_clock(tb);
		if (prng_below(&tb->rng, 4) == 0)
			drain(tb);
	}
	drain(tb);
}

/* Flow records every clock, evictions with most of them, SA events always
 * waiting: the parked record and the SA events wait for gaps. */
static void phase_flood(struct tb *tb, unsigned long clocks)
{
	const uint64_t end = tb->clock + clocks;

	tb->phase = "flood";
	while (tb->clock < end) {
		const uint64_t seg_end = tb->clock + 1000 + prng_below(&tb->rng, 20000);

		new_segment(tb);
		tb->m.f_pm = PICK(&tb->rng, 1000, 990, 900);
		tb->m.e_with_pct = PICK(&tb->rng, 50, 90, 100);
		tb->m.s_pm = 1000;
		tb->m.ready_pm = PICK(&tb->rng, 1000, 990);
		tb->m.off_pm = tb->m.flip_pm = tb->m.reset_ppm = tb->m.fake_pm = 0;
		tb->in.ring_enabled = true;
		while (tb->clock < seg_end && tb->clock < end)
			random_clock(tb);
		drain(tb);
	}
}

/* Pending counts at 2^32 - 1: returned EVENTS_LOST records with huge
 * counts, flow records with COUNT 2^32 - 1 lost with the ring off. */
static void phase_saturation(struct tb *tb, unsigned long clocks)
{
	const uint64_t end = tb->clock + clocks;

	tb->phase = "saturation";
	while (tb->clock < end) {
		const uint64_t seg_end = tb->clock + 300 + prng_below(&tb->rng, 3000);

		new_segment(tb);
		tb->m.fake_pm = PICK(&tb->rng, 5, 50);
		tb->m.count_mode = 2;
		tb->m.flip_pm = 20;
		tb->m.reset_ppm = 0;
		while (tb->clock < seg_end && tb->clock < end)
			random_clock(tb);
		drain(tb);
	}
}

/* Resets with every parameter, and in the middle of traffic. */
static void phase_resets(struct tb *tb, unsigned long rounds)
{
	tb->phase = "resets";
	for (unsigned long i = 0; i < rounds; i++) {
		new_segment(tb);
		tb->m.reset_ppm = 0;
		for (unsigned n = prng_below(&tb->rng, 200); n > 0; n--)
			random_clock(tb);
		clock_reset(tb, 1 + prng_below(&tb->rng, 3));
	}
	drain(tb);
}

/* ---------------------------------------------------------------------
 * Directed: token_ns changed while a token is scheduled far from now.
 * Not part of the default run: the first part fails on the current RTL.
 * ------------------------------------------------------------------- */

/* flow records written in `clocks` clocks of one flow record per clock */
static unsigned long flood(struct tb *tb, unsigned long clocks)
{
	const unsigned long before = tb->c.flow_out;

	memset(&tb->m, 0, sizeof(tb->m));
	tb->m.f_pm = 1000;
	tb->m.ready_pm = 1000;
	tb->in.ring_enabled = true;
	for (unsigned long i = 0; i < clocks; i++)
		random_clock(tb);
	return tb->c.flow_out - before;
}

/*
 * With token_ns below the card time of one clock and a token-taking record
 * every clock, the bucket never fills, and its next-token time falls
 * behind card time by (ns per clock - token_ns) every clock. Raising
 * token_ns then turns all that lag into tokens at the new rate, one per
 * clock, with no regard to token_burst, where the documents promise at
 * most token_burst + elapsed / token_ns records.
 */
static bool rate_raised(struct tb *tb)
{
	struct gate_ref_in *in = &tb->in;
	const unsigned long lag_clocks = 1000000, after = 2000;
	const uint32_t burst = 4, slow = 10000;
	struct gate_sim_probe p;
	unsigned long out;
	uint64_t start_ns, bound;

	tb->phase = "rate raised";
	in->token_ns = 1;
	in->token_burst = burst;
	tb->lost_next = UINT32_MAX;
	flood(tb, lag_clocks);
	gate_sim_probe(tb->sim, &p);
	printf("after %lu clocks of token_ns 1, burst %" PRIu32 ": card time %" PRIu64
	    ", next token at %" PRIu64 " (%" PRIu64 " ns behind)\n", lag_clocks, burst,
	    in->time_ns, p.next_token, in->time_ns - p.next_token);

	in->token_ns = slow;
	start_ns = in->time_ns;
	out = flood(tb, after);
	bound = burst + (in->time_ns - start_ns) / slow;
	printf("then token_ns %" PRIu32 ": %lu flow records in %lu clocks (%" PRIu64
	    " ns); documented bound token_burst + elapsed / token_ns = %" PRIu64 ": %s\n",
	    slow, out, after, in->time_ns - start_ns, bound, out <= bound ? "ok" : "EXCEEDED");
	return out <= bound;
}

/*
 * The other way round (informational, not a failure: fewer records than
 * allowed is safe): a full bucket schedules its next token one old period
 * ahead, and a lowered token_ns does not move it, so the bucket stays
 * empty for up to the old token_ns (4.3 s at most).
 */
static void rate_lowered(struct tb *tb)
{
	struct gate_ref_in *in = &tb->in;
	const unsigned long after = 100000;
	const uint32_t fast = 100, old = 1000000;
	unsigned long out;
	uint64_t start_ns;

	tb->phase = "rate lowered";
	clock_reset(tb, 1);
	in->token_ns = old;
	in->token_burst = 1;
	memset(&tb->m, 0, sizeof(tb->m));
	tb->m.ready_pm = 1000;
	for (unsigned i = 0; i < 4; i++)
		random_clock(tb);       /* the full bucket schedules old ns ahead */
	in->token_ns = fast;
	start_ns = in->time_ns;
	out = flood(tb, after);
	printf("token_ns %" PRIu32 " -> %" PRIu32 ", burst 1: %lu flow records in %lu clocks"
	    " (%" PRIu64 " ns), about %" PRIu64 " at the new rate (informational)\n", old,
	    fast, out, after, in->time_ns - start_ns, 1 + (in->time_ns - start_ns) / fast);
}

static bool rate_change(struct tb *tb)
{
	const bool raised_ok = rate_raised(tb);

	rate_lowered(tb);
	return raised_ok && tb->fail_ref == 0 && tb->fail_inv == 0;
}

/* ---------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------- */

static bool parse_args(int argc, char **argv, unsigned long long *seed,
    unsigned long *scale, bool *rate)
{
	for (int i = 1; i < argc; i++) {
		char *end;
		unsigned long long v;

		if (strcmp(argv[i], "--rate-change") == 0) {
			*rate = true;
			continue;
		}
		if (i + 1 >= argc)
			return false;
		errno = 0;
		v = strtoull(argv[i + 1], &end, 0);
		if (errno != 0 || *end != '\0')
			return false;
		if (strcmp(argv[i], "--seed") == 0)
			*seed = v;
		else if (strcmp(argv[i], "--scale") == 0 && v > 0 && v <= 10000)
			*scale = (unsigned long)v;
		else
			return false;
		i++;
	}
	return true;
}

static unsigned long scaled(unsigned long n, unsigned long scale)
{
	return n * scale / 100;
}

static struct tb *tb_create(unsigned long long seed)
{
	struct tb *tb = calloc(1, sizeof(*tb));

	if (tb == NULL)
		return NULL;
	tb->delivered = calloc(DELIVERED_MAX, sizeof(*tb->delivered));
	tb->sim = gate_sim_create();
	if (tb->delivered == NULL || tb->sim == NULL) {
		gate_sim_destroy(tb->sim);
		free(tb->delivered);
		free(tb);
		return NULL;
	}
	prng_seed(&tb->rng, seed);
	tb->next_id = 1;        /* id 0: never a record's */
	tb->phase = "start";
	tb->in.time_ns = prng_next(&tb->rng) >> 14;
	tb->in.token_burst = 256;
	tb->in.token_ns = 10000;
	tb->in.lost_ns = 1000000;
	tb->time_next = tb->in.time_ns;
	tb->lost_next = tb->in.lost_ns;
	tb->in.ring_enabled = true;
	gate_ref_reset(&tb->ref, &tb->in);
	clock_reset(tb, 2);
	return tb;
}

static void tb_destroy(struct tb *tb)
{
	gate_sim_destroy(tb->sim);
	free(tb->delivered);
	free(tb->ids);
	free(tb);
}

static void print_summary(const struct tb *tb, double seconds)
{
	printf("clocks %" PRIu64 ", input records %" PRIu64 ", lost_total %" PRIu64 "\n",
	    tb->clock, tb->next_id - 1, tb->lost_total);
	printf("flow written %lu lost %lu; parked written %lu lost %lu, waited %lu clocks,"
	    " evictions lost to a busy register %lu\n", tb->c.flow_out, tb->c.flow_lost,
	    tb->c.hold_out, tb->c.hold_lost, tb->c.hold_waits, tb->c.evict_lost_busy);
	printf("SA written %lu, lost for a token %lu, lost with the ring off %lu, waited %lu"
	    " clocks; s_overflow %lu\n", tb->c.sa_out, tb->c.sa_lost_token, tb->c.sa_lost_off,
	    tb->c.sa_waits, tb->c.ovf);
	printf("EVENTS_LOST written %lu (%lu saturated); returned records %lu + %lu EVENTS_LOST;"
	    " resets %lu, drains %lu\n", tb->c.reports, tb->c.reports_saturated, tb->c.returns,
	    tb->c.returns_report, tb->c.resets, tb->c.drains);
	printf("rate windows: %lu records checked, %lu at the bound, largest fill %.3f\n",
	    tb->c.windows_checked, tb->c.window_tight, tb->c.max_fill);
	printf("%.1f s, %.0f clocks/s\n", seconds, seconds > 0 ? tb->clock / seconds : 0);
}

/* every path the documents describe was taken */
static bool covered(const struct tb *tb)
{
	return tb->c.flow_out && tb->c.flow_lost && tb->c.hold_out && tb->c.hold_lost &&
	    tb->c.hold_waits && tb->c.evict_lost_busy && tb->c.sa_out && tb->c.sa_lost_token &&
	    tb->c.sa_lost_off && tb->c.sa_waits && tb->c.reports && tb->c.reports_saturated &&
	    tb->c.returns && tb->c.returns_report && tb->c.resets && tb->c.window_tight;
}

int main(int argc, char **argv)
{
	unsigned long long seed = (unsigned long long)time(NULL);
	unsigned long scale = 100;
	bool rate = false, ok;
	struct timespec t0, t1;
	struct tb *tb;

	if (!parse_args(argc, argv, &seed, &scale, &rate)) {
		fprintf(stderr, "usage: %s [--seed N] [--scale PERCENT] [--rate-change]\n",
		    argv[0]);
		return 2;
	}
	printf("event_gate test bench, seed=%llu\n", seed);
	tb = tb_create(seed);
	if (tb == NULL) {
		fprintf(stderr, "cannot create the bench\n");
		return 1;
	}
	if (rate) {
		ok = rate_change(tb);
		printf("test_gate --rate-change: %s\n", ok ? "ok" : "FAIL");
		tb_destroy(tb);
		return ok ? 0 : 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	phase_resets(tb, scaled(200, scale));
	phase_random(tb, scaled(800000, scale));
	phase_flood(tb, scaled(100000, scale));
	phase_saturation(tb, scaled(50000, scale));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_summary(tb, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);

	ok = tb->fail_ref == 0 && tb->fail_inv == 0 && covered(tb);
	if (!covered(tb))
		printf("coverage: some path was never taken (see the counts above)\n");
	printf("test_gate: %s (%lu reference, %lu invariant failures)\n", ok ? "ok" : "FAIL",
	    tb->fail_ref, tb->fail_inv);
	tb_destroy(tb);
	return ok ? 0 : 1;
}
