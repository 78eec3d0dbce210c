/*
 * spisync -- test bench of the event ring writer (hw/rtl/event_ring.v).
 *
 * The Verilated event_ring (sim/ring/ring_sim.h) writes into the host memory
 * model (sim/common/host_mem.h: an AXI4 slave with random AWREADY/WREADY,
 * write latency, DECERR outside its memory, protocol checks), and the
 * records are read back by the driver's consumer (driver/event_ring.c) the
 * way the host reads them: by phase, giving space back through RING_CONS
 * every size / 4 records or when idle.
 *
 * Every clock, the outputs are compared with what the register map and the
 * module's contract say they must be, from the bench's own bookkeeping:
 * (The ring acts on RING_CONS as it was two clocks before: "cons" below;
 * for two clocks after a start it takes nothing and shows neither full nor
 * bad.)
 *   - s_rec_ready: while the ring runs, exactly when slot - cons < size
 *     and fewer than MAX_OUTSTANDING records are between taken and answered
 *     (so one record per clock whenever that allows); while disabled, when no
 *     write is outstanding; 0 between an enable edge and the ring's start;
 *   - a record is never taken while slot - cons >= size: no slot the
 *     consumer has not given back is written;
 *   - each AW goes to base + (slot mod size) * 64 in slot order, each W
 *     carries the record byte for byte with PHASE = 1 on the first lap,
 *     inverted every lap; single 64-byte INCR beats, AWCACHE 3, AWPROT 0,
 *     WSTRB all ones, WLAST; valid held until its handshake, payload stable
 *     (host_mem counts violations);
 *   - each B: OKAY -> written_pulse the next clock; SLVERR/DECERR ->
 *     write_errors + 1, sticky write_error, the record (as written) on
 *     lost_* the next clock; records taken while disabled -> lost_* the next
 *     clock, as given; nothing else on lost_*;
 *   - RING_PROD (AW handshakes), enabled, busy, full, bad_cons as specified;
 *     AWs without B never above MAX_OUTSTANDING, and reaching it under a
 *     slow host.
 * The consumer checks that it gets exactly the records taken, in order, byte
 * for byte, none twice and none missing, through many laps.
 *
 * The host memory model itself is checked first (multi-beat, narrow and
 * unaligned bursts, partial strobes, W before AW, B backpressure, exact B
 * timing, visibility only with B, DECERR / SLVERR / protocol error cases).
 *
 * Scenarios: disabled after reset; rings of 8 and 1024 records, 100k records
 * each, under random host timing (latency 0 .. 200, readiness 0 .. 100 %,
 * stalls); throughput with a fast host; a slow host (latency 200) saturating
 * MAX_OUTSTANDING; a consumer that stops (ring full, memory of unconsumed
 * slots unchanged) and resumes; bad RING_CONS, ahead and more than a ring
 * behind; a ring outside host memory (DECERR) then a good one; disabling with
 * writes outstanding, re-enabling while they drain; a restart over old
 * records. The small build (MAX_OUTSTANDING 3, SIZE_LOG2_MAX 4, 40-bit
 * addresses) runs clamped sizes (0 -> 1, 9 -> 4) under random timing.
 * Both end with a chaos run: enable toggled at random (also while writes
 * drain), base and size changed under a running ring, rings partly outside
 * host memory, random and bad RING_CONS, random host timing.
 *
 * usage: test_ring [--seed N] [--records N]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/host_mem.h"
#include "event_ring.h"
#include "prng.h"
#include "ring/ring_sim.h"
#include "spisync_hw.h"

#define REC 64u
#define HOST_BASE 0x0000001234000000ull     /* above 4 GiB, below 2^40 */
#define HOST_SIZE (1u << 20)
#define BAD_BASE 0x0000005500000000ull      /* no memory there */
#define PEND_CAP 64u                        /* > MAX_OUTSTANDING */
#define DRAIN_LIMIT 400000u

struct pend {
	uint64_t addr;
	uint8_t rec[REC];       /* as it must be written (PHASE set) */
};

struct tb {
	struct ring_sim *sim;
	const struct ring_params *p;
	struct host_mem *hm;
	struct prng *r;
	uint64_t content_seed;
	const char *scen;
	unsigned long failures;
	uint64_t clock;

	/* inputs, held across clocks */
	struct ring_sim_in in;
	bool produce;             /* offer records */
	unsigned offer_pct;
	uint64_t offer_id;
	uint64_t next_id;

	/* the reference: the ring as started */
	bool enabled;
	uint64_t ring_addr;
	unsigned log2;
	uint32_t k;               /* records taken since the start (slot) */
	uint32_t cons_seen;       /* RING_CONS as the ring sees it: two clocks old */
	uint32_t cons_last;       /* last clock's */
	unsigned since_start;     /* clocks since the start (space known from 2) */
	uint32_t aw_n;            /* AW handshakes since the start (RING_PROD) */
	bool bad;
	bool werr;
	uint32_t write_errors;
	bool expect_pulse;
	bool expect_lost;
	uint8_t expect_lost_rec[REC];

	/* taken, not answered: AW, W and B cursors into one queue */
	struct pend pend[PEND_CAP];
	uint64_t pend_tail, aw_c, w_c, b_c;
	unsigned max_aw_out;      /* most AWs without B seen */

	/* ids taken into the current ring, slot order */
	uint64_t *ids;
	size_t ids_cap;

	/* consumer (the driver's code) */
	struct event_ring er;
	bool er_on;               /* er set up for the current ring */
	bool consume;             /* consumer running */
	bool cons_follows;        /* RING_CONS = slot: a host that skips every record */
	unsigned consume_pct;
	unsigned consume_burst;
	uint32_t consumed;

	uint64_t protocol_errors; /* host_mem's count so far */

	/* totals */
	uint64_t taken_total, discarded, ok_b, err_b, lost_seen, pulses_seen;
};

/* ---------------------------------------------------------------------- */

static void fail(struct tb *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(struct tb *t, const char *fmt, ...)
{
	va_list ap;

	t->failures++;
	if (t->failures > 12)
		return;
	fprintf(stderr, "FAIL %s/%s clock %" PRIu64 ": ", t->p->name, t->scen, t->clock);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Record id as offered: random body, id in bytes 8..15, random PHASE. */
static void make_record(const struct tb *t, uint64_t id, uint8_t rec[REC])
{
	uint64_t x = t->content_seed ^ (id * 0xd1342543de82ef95ull);

	for (unsigned i = 0; i < REC; i += 8) {
		uint64_t v = splitmix(&x);

		for (unsigned j = 0; j < 8; j++)
			rec[i + j] = (uint8_t)(v >> (8 * j));
	}
	rec[SPISYNC_EVF_TYPE_OFF] = (uint8_t)(1 + id % 7);
	for (unsigned j = 0; j < 8; j++)
		rec[SPISYNC_EVF_TIME_NS_OFF + j] = (uint8_t)(id >> (8 * j));
}

static uint64_t record_id(const uint8_t rec[REC])
{
	uint64_t id = 0;

	for (unsigned j = 0; j < 8; j++)
		id |= (uint64_t)rec[SPISYNC_EVF_TIME_NS_OFF + j] << (8 * j);
	return id;
}

static uint8_t phase_of(uint32_t slot, unsigned log2)
{
	return ((slot >> log2) & 1u) ? 0 : 1;
}

/* The record as the ring must hold it in slot `slot`. */
static void written_record(const struct tb *t, uint64_t id, uint32_t slot,
    unsigned log2, uint8_t rec[REC])
{
	make_record(t, id, rec);
	rec[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
	if (phase_of(slot, log2))
		rec[SPISYNC_EVF_FLAGS_OFF] |= SPISYNC_EV_FLAG_PHASE;
}

static unsigned clamp_log2(const struct tb *t, unsigned log2)
{
	if (log2 == 0)
		return 1;
	return log2 > t->p->size_log2_max ? t->p->size_log2_max : log2;
}

static uint64_t addr_mask(const struct tb *t)
{
	return t->p->addr_w >= 64 ? UINT64_MAX : (1ull << t->p->addr_w) - 1;
}

static uint32_t ring_size(const struct tb *t)
{
	return 1u << t->log2;
}

static uint32_t inflight(const struct tb *t)
{
	return (uint32_t)(t->pend_tail - t->b_c);
}

static uint8_t *host_ptr(struct tb *t, uint64_t addr)
{
	if (addr < HOST_BASE || addr - HOST_BASE >= HOST_SIZE)
		return NULL;
	return host_mem_data(t->hm) + (addr - HOST_BASE);
}

static bool ids_push(struct tb *t, uint64_t id)
{
	if (t->k >= t->ids_cap) {
		size_t cap = t->ids_cap ? 2 * t->ids_cap : 4096;
		uint64_t *n = realloc(t->ids, cap * sizeof(*n));

		if (n == NULL)
			return false;
		t->ids = n;
		t->ids_cap = cap;
	}
	t->ids[t->k] = id;
	return true;
}

/* ---------------------------------------------------------------------- */
/* one clock */

static bool expected_ready(const struct tb *t)
{
	if (t->in.enable && t->enabled)
		return t->since_start >= 2 && (uint32_t)(t->k - t->cons_seen) < ring_size(t) &&
		    inflight(t) < t->p->max_outstanding;
	if (!t->in.enable)
		return inflight(t) == 0;
	return false;       /* enable edge seen, ring not started yet */
}

static void check_axi_shape(struct tb *t, const struct ring_sim_out *o)
{
	if (o->awvalid && (o->awlen != 0 || o->awsize != 6 || o->awburst != 1 ||
	    o->awcache != 3 || o->awprot != 0))
		fail(t, "AW len %u size %u burst %u cache %u prot %u", o->awlen,
		    o->awsize, o->awburst, o->awcache, o->awprot);
	if (o->wvalid && (o->wstrb != UINT64_MAX || !o->wlast))
		fail(t, "W strb %016" PRIx64 " last %d", o->wstrb, o->wlast);
	if (o->bready != (inflight(t) != 0))
		fail(t, "bready %d with %u in flight", o->bready, inflight(t));
}

static void check_outputs(struct tb *t, const struct ring_sim_out *o)
{
	const bool full = t->enabled && t->since_start >= 2 &&
	    (uint32_t)(t->k - t->cons_seen) == ring_size(t);

	if (o->rec_ready != expected_ready(t))
		fail(t, "s_rec_ready %d, expected %d (enable %d, slot %u, cons %u, in flight %u)",
		    o->rec_ready, !o->rec_ready, t->in.enable, t->k, t->cons_seen, inflight(t));
	if (o->enabled != t->enabled)
		fail(t, "st_enabled %d, expected %d", o->enabled, t->enabled);
	if (o->prod != t->aw_n)
		fail(t, "ring_prod %u, expected %u", o->prod, t->aw_n);
	if (o->busy != (inflight(t) != 0))
		fail(t, "st_busy %d with %u in flight", o->busy, inflight(t));
	if (o->full != full)
		fail(t, "st_full %d, expected %d (slot %u, cons %u)", o->full, full, t->k, t->cons_seen);
	if (o->bad_cons != t->bad)
		fail(t, "st_bad_cons %d, expected %d", o->bad_cons, t->bad);
	if (o->write_error != t->werr)
		fail(t, "st_write_error %d, expected %d", o->write_error, t->werr);
	if (o->write_errors != t->write_errors)
		fail(t, "write_errors %u, expected %u", o->write_errors, t->write_errors);
	if (o->written_pulse != t->expect_pulse)
		fail(t, "written_pulse %d, expected %d", o->written_pulse, t->expect_pulse);
	if (o->lost_valid != t->expect_lost) {
		fail(t, "lost_valid %d, expected %d", o->lost_valid, t->expect_lost);
	} else if (o->lost_valid && memcmp(o->lost, t->expect_lost_rec, REC) != 0) {
		fail(t, "lost record id %" PRIu64 ", expected id %" PRIu64 " (or bytes differ)",
		    record_id(o->lost), record_id(t->expect_lost_rec));
	}
	t->pulses_seen += o->written_pulse;
	t->lost_seen += o->lost_valid;
	check_axi_shape(t, o);
}

static void on_take(struct tb *t)
{
	struct pend *pe;

	/* independent of s_rec_ready: the slot must have been given back */
	if ((uint32_t)(t->k - t->cons_seen) >= ring_size(t))
		fail(t, "record taken for slot %u with cons %u, size %u", t->k,
		    t->cons_seen, ring_size(t));
	if (t->pend_tail - t->b_c >= PEND_CAP) {
		fail(t, "more than %u records in flight", PEND_CAP);
		return;
	}
	if (!ids_push(t, t->offer_id)) {
		fail(t, "out of memory");
		return;
	}
	pe = &t->pend[t->pend_tail % PEND_CAP];
	pe->addr = (t->ring_addr + (uint64_t)(t->k & (ring_size(t) - 1)) * REC) & addr_mask(t);
	written_record(t, t->offer_id, t->k, t->log2, pe->rec);
	t->pend_tail++;
	t->k++;
	t->taken_total++;
}

static void on_handshakes(struct tb *t, const struct ring_sim_out *o,
    const struct host_mem_axi_out *ho)
{
	if (o->awvalid && ho->awready) {
		if (t->aw_c == t->pend_tail)
			fail(t, "AW with no record taken");
		else if (o->awaddr != t->pend[t->aw_c % PEND_CAP].addr)
			fail(t, "AW address %" PRIx64 ", expected %" PRIx64, o->awaddr,
			    t->pend[t->aw_c % PEND_CAP].addr);
		t->aw_c++;
		t->aw_n++;
	}
	if (o->wvalid && ho->wready) {
		if (t->w_c == t->pend_tail)
			fail(t, "W with no record taken");
		else if (memcmp(o->wdata, t->pend[t->w_c % PEND_CAP].rec, REC) != 0)
			fail(t, "W data of record %" PRIu64 " (expected id %" PRIu64 ") differ",
			    record_id(o->wdata), record_id(t->pend[t->w_c % PEND_CAP].rec));
		t->w_c++;
	}
	if (t->aw_c - t->b_c > t->max_aw_out)
		t->max_aw_out = (unsigned)(t->aw_c - t->b_c);
	if (t->aw_c - t->b_c > t->p->max_outstanding)
		fail(t, "%" PRIu64 " AWs without B (MAX_OUTSTANDING %u)", t->aw_c - t->b_c,
		    t->p->max_outstanding);
}

/* The B handshake of this clock: what the next clock must show. */
static void on_b(struct tb *t, const struct ring_sim_out *o,
    const struct host_mem_axi_out *ho)
{
	if (!(ho->bvalid && o->bready))
		return;
	if (t->b_c == t->aw_c || t->b_c == t->w_c) {
		fail(t, "B before its AW and W");
		return;
	}
	if (ho->bresp & 2u) {
		if (t->expect_lost)
			fail(t, "a write error and a discard want lost_* in the same clock");
		t->expect_lost = true;
		memcpy(t->expect_lost_rec, t->pend[t->b_c % PEND_CAP].rec, REC);
		t->write_errors++;
		t->werr = true;
		t->err_b++;
	} else {
		t->expect_pulse = true;
		t->ok_b++;
	}
	t->b_c++;
}

/* The reference's rising edge, from this clock's inputs and outputs. */
static void model_edge(struct tb *t, const struct ring_sim_out *o,
    const struct host_mem_axi_out *ho)
{
	const bool idle = inflight(t) == 0;
	const bool start = t->in.enable && !t->enabled && idle;

	t->expect_pulse = false;
	t->expect_lost = false;
	if (t->enabled && t->in.enable && t->since_start >= 2 &&
	    (uint32_t)(t->k - t->cons_seen) > ring_size(t))
		t->bad = true;
	if (t->in.rec_valid && o->rec_ready) {
		if (t->in.enable) {
			on_take(t);
		} else {
			t->expect_lost = true;
			memcpy(t->expect_lost_rec, t->in.rec, REC);
			t->discarded++;
		}
		t->in.rec_valid = false;
	}
	on_handshakes(t, o, ho);
	on_b(t, o, ho);
	if (start) {
		t->enabled = true;
		t->ring_addr = t->in.ring_base & ~(uint64_t)(REC - 1);
		t->log2 = clamp_log2(t, t->in.size_log2);
		t->k = 0;
		t->aw_n = 0;
		t->bad = false;
		t->werr = false;
		t->since_start = 0;
	} else {
		if (!t->in.enable)
			t->enabled = false;
		t->since_start++;
	}
	t->cons_seen = t->cons_last;
	t->cons_last = t->in.cons;
}

static void consumer_step(struct tb *t)
{
	uint8_t rec[REC], want[REC];
	unsigned popped = 0;

	if (!t->er_on || !t->consume || prng_below(t->r, 100) >= t->consume_pct)
		return;
	while (popped < t->consume_burst && event_ring_pop(&t->er, rec) == 1) {
		popped++;
		if (t->consumed >= t->k) {
			fail(t, "consumer read record %u of %u taken (id %" PRIu64 ")",
			    t->consumed, t->k, record_id(rec));
		} else {
			written_record(t, t->ids[t->consumed], t->consumed, t->log2, want);
			if (memcmp(rec, want, REC) != 0)
				fail(t, "consumer: slot %u holds id %" PRIu64 ", expected id %" PRIu64
				    " (or bytes differ)", t->consumed, record_id(rec), t->ids[t->consumed]);
		}
		t->consumed++;
	}
	if (event_ring_cons_due(&t->er) || (popped == 0 && t->er.unreported != 0)) {
		t->in.cons = event_ring_cons(&t->er);
		event_ring_cons_written(&t->er);
	}
}

static bool clock_once(struct tb *t)
{
	struct host_mem_axi_out ho;
	struct host_mem_axi_in hi;
	struct ring_sim_out o;

	host_mem_outputs(t->hm, &ho);
	if (!t->in.rec_valid && t->produce && prng_below(t->r, 100) < t->offer_pct) {
		t->offer_id = t->next_id++;
		make_record(t, t->offer_id, t->in.rec);
		t->in.rec_valid = true;
	}
	if (t->cons_follows)
		t->in.cons = t->k;
	t->in.awready = ho.awready;
	t->in.wready = ho.wready;
	t->in.bvalid = ho.bvalid;
	t->in.bresp = ho.bresp;
	ring_sim_cycle(t->sim, &t->in, &o);
	check_outputs(t, &o);

	memset(&hi, 0, sizeof(hi));
	hi.awvalid = o.awvalid;
	hi.awaddr = o.awaddr;
	hi.awlen = o.awlen;
	hi.awsize = o.awsize;
	hi.awburst = o.awburst;
	hi.wvalid = o.wvalid;
	memcpy(hi.wdata, o.wdata, REC);
	hi.wstrb = o.wstrb;
	hi.wlast = o.wlast;
	hi.bready = o.bready;
	if (host_mem_clock(t->hm, &hi) != 0) {
		fail(t, "host_mem_clock: out of memory");
		return false;
	}
	if (host_mem_protocol_errors(t->hm) != t->protocol_errors) {
		/* valid dropped or payload changed before its handshake, ... */
		fail(t, "AXI protocol violation seen by the host (AW valid %d addr %" PRIx64
		    ", W valid %d)", o.awvalid, o.awaddr, o.wvalid);
		t->protocol_errors = host_mem_protocol_errors(t->hm);
	}
	model_edge(t, &o, &ho);
	t->clock++;
	consumer_step(t);
	return t->failures == 0;
}

static bool run_clocks(struct tb *t, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		if (!clock_once(t))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* helpers of the scenarios */

static void set_timing(struct tb *t, unsigned latency, unsigned aw_pct, unsigned w_pct)
{
	host_mem_set_timing(t->hm, latency, aw_pct, w_pct, prng_next(t->r));
}

static void random_timing(struct tb *t, unsigned long *left)
{
	static const unsigned lat[] = { 0, 0, 0, 1, 2, 3, 5, 8, 12, 20, 60, 200 };
	static const unsigned pct[] = { 100, 100, 100, 95, 80, 60, 50, 30, 10, 0 };
	unsigned a = pct[prng_below(t->r, 10)], w = pct[prng_below(t->r, 10)];

	set_timing(t, lat[prng_below(t->r, 12)], a, w);
	/* a stalled host stays stalled a short while, then resumes */
	*left = (a == 0 || w == 0) ? 20 + prng_below(t->r, 400) : 100 + prng_below(t->r, 3000);
}

/* Disable, wait for outstanding writes, set the consumer up over the ring
 * (zeroing it, as the driver must), then enable: the driver's sequence. */
static bool ring_start(struct tb *t, uint64_t base, unsigned log2, bool consumer)
{
	unsigned long n = 0;
	uint8_t *mem;

	t->in.enable = false;
	while (t->enabled || inflight(t) != 0) {
		if (!clock_once(t) || ++n > DRAIN_LIMIT) {
			fail(t, "ring did not go idle");
			return false;
		}
	}
	t->er_on = false;
	t->consumed = 0;
	mem = host_ptr(t, base & ~(uint64_t)(REC - 1));
	if (consumer && mem != NULL) {
		if (event_ring_init(&t->er, mem, clamp_log2(t, log2)) != 0) {
			fail(t, "event_ring_init failed");
			return false;
		}
		t->er_on = true;
	}
	t->in.ring_base = base;
	t->in.size_log2 = log2;
	t->in.cons = 0;
	t->in.enable = true;
	n = 0;
	while (!t->enabled) {
		if (!clock_once(t) || ++n > DRAIN_LIMIT) {
			fail(t, "ring did not start");
			return false;
		}
	}
	return true;
}

/* Stop offering; wait until everything taken is answered and consumed. */
static bool drain(struct tb *t)
{
	unsigned long n = 0;

	t->produce = false;
	t->consume = true;
	t->consume_pct = 100;
	t->consume_burst = 64;
	/* a host that was stalled (0 % ready) resumes */
	set_timing(t, prng_below(t->r, 20), 50 + prng_below(t->r, 51), 50 + prng_below(t->r, 51));
	while (t->in.rec_valid || inflight(t) != 0 || (t->er_on && t->consumed != t->k)) {
		if (!clock_once(t))
			return false;
		if (++n > DRAIN_LIMIT) {
			fail(t, "drain: %u of %u records consumed, %u in flight", t->consumed,
			    t->k, inflight(t));
			return false;
		}
	}
	if (t->er_on && t->consumed != t->aw_n)
		fail(t, "RING_PROD %u after the drain, %u records consumed", t->aw_n, t->consumed);
	/* the last answer's written_pulse / lost_* show one clock later */
	return run_clocks(t, 2);
}

static bool scenario_end(struct tb *t)
{
	if (host_mem_protocol_errors(t->hm) != 0)
		fail(t, "%" PRIu64 " AXI protocol errors seen by the host", host_mem_protocol_errors(t->hm));
	if (t->lost_seen != t->discarded + t->err_b)
		fail(t, "lost reports %" PRIu64 ", expected %" PRIu64, t->lost_seen,
		    t->discarded + t->err_b);
	return t->failures == 0;
}

/* Random traffic through a running ring: n records taken. */
static bool run_records(struct tb *t, uint64_t n, bool vary_timing)
{
	const uint64_t goal = t->taken_total + n;
	unsigned long left = 0, idle = 0;
	uint64_t last = t->taken_total;

	t->produce = true;
	while (t->taken_total < goal) {
		if (vary_timing && left-- == 0) {
			random_timing(t, &left);
			t->offer_pct = 20 + prng_below(t->r, 81);
			t->consume_pct = 5 + prng_below(t->r, 96);
			t->consume_burst = 1 + prng_below(t->r, 8);
		}
		if (!clock_once(t))
			return false;
		idle = t->taken_total == last ? idle + 1 : 0;
		last = t->taken_total;
		if (idle > DRAIN_LIMIT) {
			fail(t, "no progress");
			return false;
		}
	}
	return drain(t);
}

/* ---------------------------------------------------------------------- */
/* scenarios */

static bool scen_disabled(struct tb *t)
{
	uint64_t before = t->discarded;

	t->scen = "disabled";
	t->in.enable = false;
	t->produce = true;
	t->offer_pct = 70;
	if (!run_clocks(t, 3000))
		return false;
	t->produce = false;
	if (!run_clocks(t, 2))
		return false;
	if (t->discarded - before < 1500 || t->taken_total != 0)
		fail(t, "%" PRIu64 " discarded, %" PRIu64 " taken", t->discarded - before,
		    t->taken_total);
	printf("  %-7s %-22s %6" PRIu64 " records discarded and reported lost\n", t->p->name,
	    t->scen, t->discarded - before);
	return scenario_end(t);
}

static bool scen_laps(struct tb *t, const char *name, uint64_t base, unsigned log2,
    uint64_t records)
{
	uint64_t c0 = t->clock, flips;

	t->scen = name;
	t->consume = true;
	if (!ring_start(t, base, log2, true) || !run_records(t, records, true))
		return false;
	flips = t->k >> t->log2;
	if (t->consumed != records)
		fail(t, "consumed %u of %" PRIu64, t->consumed, records);
	printf("  %-7s %-22s %6" PRIu64 " records, ring %u, %" PRIu64 " laps, %" PRIu64
	    " clocks, AWs without B up to %u\n", t->p->name, t->scen, records,
	    ring_size(t), flips, t->clock - c0, t->max_aw_out);
	return scenario_end(t);
}

/* Fast host, records every clock: one per clock must go through. */
static bool scen_throughput(struct tb *t, unsigned latency)
{
	const uint64_t n = 20000;
	uint64_t c0, k0;
	double rate;

	t->scen = "throughput";
	set_timing(t, latency, 100, 100);
	if (!ring_start(t, HOST_BASE + 0x40000, 10, true))
		return false;
	t->produce = true;
	t->offer_pct = 100;
	t->consume = true;
	t->consume_pct = 100;
	t->consume_burst = 64;
	/* settle, then measure */
	if (!run_clocks(t, 100))
		return false;
	c0 = t->clock;
	k0 = t->taken_total;
	while (t->taken_total - k0 < n) {
		if (!clock_once(t))
			return false;
	}
	rate = (double)n / (double)(t->clock - c0);
	printf("  %-7s %-22s latency %3u: %.4f records per clock\n", t->p->name, t->scen,
	    latency, rate);
	if (latency + 5 < t->p->max_outstanding && rate < 0.999)
		fail(t, "%.4f records per clock, expected 1", rate);
	return drain(t) && scenario_end(t);
}

/* Slow host: the writer must stop at exactly MAX_OUTSTANDING. */
static bool scen_slow_host(struct tb *t)
{
	t->scen = "slow-host";
	set_timing(t, 200, 100, 100);
	if (!ring_start(t, HOST_BASE + 0x40000, 10, true))
		return false;
	t->max_aw_out = 0;
	t->produce = true;
	t->offer_pct = 100;
	t->consume_pct = 100;
	t->consume_burst = 64;
	if (!run_clocks(t, 3000))
		return false;
	if (t->max_aw_out != t->p->max_outstanding ||
	    host_mem_max_pending_seen(t->hm) > t->p->max_outstanding)
		fail(t, "AWs without B up to %u (host saw %u), MAX_OUTSTANDING %u",
		    t->max_aw_out, host_mem_max_pending_seen(t->hm), t->p->max_outstanding);
	printf("  %-7s %-22s latency 200: AWs without B up to %u, %" PRIu64 " records in 3000 clocks\n",
	    t->p->name, t->scen, t->max_aw_out, (uint64_t)t->k);
	set_timing(t, 3, 100, 100);
	return drain(t) && scenario_end(t);
}

/* A consumer that stops: the ring fills, nothing is overwritten. */
static bool scen_full(struct tb *t)
{
	const unsigned log2 = 4;
	const uint64_t base = HOST_BASE + 0x80000 + 5 * REC;   /* not size aligned */
	uint8_t snap[REC << 4];
	uint8_t *mem;
	uint32_t k0;

	t->scen = "full";
	set_timing(t, 4, 90, 90);
	if (!ring_start(t, base, log2, true))
		return false;
	t->produce = true;
	t->offer_pct = 100;
	t->consume_pct = 100;
	t->consume_burst = 3;
	if (!run_clocks(t, 200))
		return false;
	t->consume = false;               /* the host stops reading */
	if (!run_clocks(t, 500))
		return false;
	if (!t->in.rec_valid || inflight(t) != 0 || (uint32_t)(t->k - t->in.cons) != ring_size(t))
		fail(t, "not full after the consumer stopped: slot %u cons %u", t->k, t->in.cons);
	mem = host_ptr(t, base);
	memcpy(snap, mem, sizeof(snap));
	k0 = t->k;
	if (!run_clocks(t, 3000))
		return false;
	if (t->k != k0 || memcmp(snap, mem, sizeof(snap)) != 0)
		fail(t, "full ring: %u records taken, memory %s", t->k - k0,
		    memcmp(snap, mem, sizeof(snap)) ? "changed" : "unchanged");
	printf("  %-7s %-22s full at slot %u with cons %u for 3000 clocks, memory unchanged\n",
	    t->p->name, t->scen, t->k, t->in.cons);
	t->consume = true;                /* and resumes */
	return run_records(t, 5000, true) && scenario_end(t);
}

static bool scen_bad_cons(struct tb *t)
{
	const uint64_t base = HOST_BASE + 0xa0000;
	uint64_t writes;

	t->scen = "bad-cons";
	set_timing(t, 2, 100, 100);
	/* ahead of prod from the start: the host did not reset RING_CONS */
	if (!ring_start(t, base, 3, false))
		return false;
	t->in.cons = 5;
	if (!run_clocks(t, 2))           /* the ring sees it two clocks later */
		return false;
	t->produce = true;
	t->offer_pct = 100;
	writes = host_mem_writes(t->hm);
	if (!run_clocks(t, 1000))
		return false;
	if (!t->bad || t->k != 0 || host_mem_writes(t->hm) != writes)
		fail(t, "cons ahead: bad %d, %u taken", t->bad, t->k);
	/* sane again: the flag stays, the ring runs */
	t->in.cons = 0;
	if (!run_clocks(t, 200))
		return false;
	if (!t->bad || t->k != ring_size(t))
		fail(t, "cons 0 again: bad %d, %u taken", t->bad, t->k);
	/* more than a ring behind */
	t->in.cons = t->k - ring_size(t) - 1;
	if (!run_clocks(t, 500))
		return false;
	if (t->k != ring_size(t))
		fail(t, "cons behind: %u taken", t->k);
	printf("  %-7s %-22s ahead and behind: st_bad_cons, nothing written\n", t->p->name, t->scen);
	/* re-enable clears it */
	t->produce = false;
	if (!ring_start(t, base, 3, true))
		return false;
	if (t->bad)
		fail(t, "st_bad_cons after re-enable");
	t->consume = true;
	return run_records(t, 2000, true) && scenario_end(t);
}

static bool scen_decerr(struct tb *t)
{
	const uint64_t n = 300;
	uint64_t err0 = t->err_b, lost0 = t->lost_seen, pulses0 = t->pulses_seen;
	uint64_t writes0 = host_mem_writes(t->hm);
	uint8_t *copy;

	t->scen = "decerr";
	copy = malloc(HOST_SIZE);
	if (copy == NULL) {
		fail(t, "out of memory");
		return false;
	}
	memcpy(copy, host_mem_data(t->hm), HOST_SIZE);
	/* nothing lands, so nothing is read: the host gives every slot back at
	 * once, or the ring would fill with holes after one lap */
	t->cons_follows = true;
	if (!ring_start(t, BAD_BASE | 0x15, 6, true) || !run_records(t, n, true)) {
		free(copy);
		return false;
	}
	t->cons_follows = false;
	if (t->err_b - err0 != n || t->lost_seen - lost0 != n ||
	    t->pulses_seen != pulses0 || !t->werr || host_mem_writes(t->hm) != writes0)
		fail(t, "%" PRIu64 " errors, %" PRIu64 " lost, %" PRIu64 " written of %" PRIu64,
		    t->err_b - err0, t->lost_seen - lost0, t->pulses_seen - pulses0, n);
	if (memcmp(copy, host_mem_data(t->hm), HOST_SIZE) != 0)
		fail(t, "host memory changed by failed writes");
	free(copy);
	printf("  %-7s %-22s %" PRIu64 " writes answered DECERR, all reported lost with their data\n",
	    t->p->name, t->scen, n);
	/* a good ring after it */
	if (!ring_start(t, HOST_BASE + 0xc0000, 5, true))
		return false;
	if (t->werr)
		fail(t, "st_write_error after re-enable");
	return run_records(t, 3000, true) && scenario_end(t);
}

/* Disable with writes in flight; re-enable while they drain. */
static bool scen_disable_busy(struct tb *t)
{
	const uint64_t base = HOST_BASE + 0xd0000;
	unsigned long n = 0;
	uint32_t k;

	t->scen = "disable-busy";
	set_timing(t, 200, 100, 100);
	if (!ring_start(t, base, 6, true))
		return false;
	t->produce = true;
	t->offer_pct = 100;
	t->consume = false;
	/* stop offering with one slot of MAX_OUTSTANDING left, so the record
	 * waiting upstream is taken too and none waits across the restart */
	while (inflight(t) + 1 < t->p->max_outstanding || t->in.rec_valid) {
		if (inflight(t) + 1 >= t->p->max_outstanding)
			t->produce = false;
		if (!clock_once(t) || ++n > 1000) {
			fail(t, "writes did not pile up");
			return false;
		}
	}
	t->produce = false;
	k = t->k;
	t->in.enable = false;            /* busy: they must still land */
	if (!run_clocks(t, 5))
		return false;
	t->in.enable = true;             /* the edge waits for them */
	n = 0;
	while (inflight(t) != 0) {
		if (!clock_once(t) || ++n > DRAIN_LIMIT)
			return false;
		if (t->enabled)
			fail(t, "ring restarted with writes outstanding");
	}
	if (!run_clocks(t, 3))
		return false;
	if (!t->enabled || t->aw_n != 0)
		fail(t, "ring did not restart after the drain");
	/* the old ring's records are all in memory: read them as its consumer */
	{
		uint8_t rec[REC], want[REC];
		struct event_ring old = t->er;

		for (uint32_t i = 0; i < k; i++) {
			if (event_ring_pop(&old, rec) != 1) {
				fail(t, "record %u of the disabled ring missing", i);
				break;
			}
			written_record(t, t->ids[i], i, t->log2, want);
			if (memcmp(rec, want, REC) != 0)
				fail(t, "record %u of the disabled ring differs", i);
		}
	}
	printf("  %-7s %-22s %u records in flight at disable all written, restart waited %lu clocks\n",
	    t->p->name, t->scen, k, n);
	/* a new ring over those old phase-1 records, zeroed by the consumer */
	t->er_on = false;
	set_timing(t, 1, 100, 100);
	if (!ring_start(t, base, 6, true))
		return false;
	t->consume = true;
	return run_records(t, 3000, true) && scenario_end(t);
}

/* Random everything, every output checked every clock: enable toggled at
 * any time (also with writes outstanding), base and size changed while the
 * ring runs (must be ignored), rings partly or wholly outside host memory,
 * RING_CONS anywhere in the ring's window and now and then bad, host timing
 * random. No consumer: RING_CONS is driven directly. */
static bool scen_chaos(struct tb *t, unsigned long clocks)
{
	static const uint64_t bases[] = {
		HOST_BASE + 0xe0000,
		HOST_BASE + 0xe0000 + 0x13,              /* low bits ignored */
		HOST_BASE + HOST_SIZE - 5 * REC,         /* runs off the end */
		BAD_BASE,
	};
	unsigned long left = 0;
	uint64_t err0 = t->err_b, ok0 = t->ok_b, starts = 0;
	bool was = t->enabled;

	t->scen = "chaos";
	t->er_on = false;
	t->consume = false;
	t->produce = true;
	for (unsigned long c = 0; c < clocks; c++) {
		if (left-- == 0) {
			random_timing(t, &left);
			t->offer_pct = prng_below(t->r, 101);
		}
		if (prng_below(t->r, 400) == 0)
			t->in.enable = !t->in.enable;
		if (prng_below(t->r, 300) == 0)
			t->in.ring_base = bases[prng_below(t->r, 4)];
		if (prng_below(t->r, 300) == 0)
			t->in.size_log2 = prng_below(t->r, 8) == 0 ? prng_below(t->r, 32) :
			    prng_below(t->r, 7);
		if (prng_below(t->r, 20) == 0) {
			/* mostly a valid cons (0 .. size behind), sometimes not:
			 * anything, or just ahead of the slot (the wrap edge) */
			if (prng_below(t->r, 30) == 0)
				t->in.cons = (uint32_t)prng_next(t->r);
			else if (prng_below(t->r, 10) == 0)
				t->in.cons = t->k + 1 + prng_below(t->r, 3);
			else if (t->enabled)
				t->in.cons = t->k - prng_below(t->r, ring_size(t) + 1);
		}
		if (!clock_once(t))
			return false;
		starts += t->enabled && !was;
		was = t->enabled;
	}
	printf("  %-7s %-22s %lu clocks: %" PRIu64 " ring starts, %" PRIu64 " written, %" PRIu64
	    " write errors\n", t->p->name, t->scen, clocks, starts, t->ok_b - ok0, t->err_b - err0);
	t->produce = false;
	t->in.enable = false;
	set_timing(t, 5, 100, 100);
	if (!run_clocks(t, 1000))
		return false;
	if (inflight(t) != 0)
		fail(t, "writes outstanding after the chaos");
	return run_clocks(t, 2) && scenario_end(t);
}

/* ---------------------------------------------------------------------- */

static bool tb_init(struct tb *t, enum ring_variant v, struct prng *r)
{
	struct host_mem_cfg cfg = {
		.base = HOST_BASE, .size = HOST_SIZE, .write_latency = 2,
		.aw_ready_pct = 100, .w_ready_pct = 100, .max_pending = 64,
		.seed = prng_next(r),
	};

	memset(t, 0, sizeof(*t));
	t->r = r;
	t->content_seed = prng_next(r);
	t->sim = ring_sim_create(v);
	t->hm = host_mem_create(&cfg);
	if (t->sim == NULL || t->hm == NULL)
		return false;
	t->p = ring_sim_params(t->sim);
	t->scen = "reset";
	t->in.size_log2 = 1;
	t->consume_pct = 100;
	t->consume_burst = 4;
	t->offer_pct = 50;
	ring_sim_reset(t->sim);
	return true;
}

static void tb_free(struct tb *t)
{
	ring_sim_destroy(t->sim);
	host_mem_destroy(t->hm);
	free(t->ids);
}

static bool test_default(struct prng *r, uint64_t records)
{
	struct tb t;
	bool ok;

	if (!tb_init(&t, RING_DEFAULT, r)) {
		fprintf(stderr, "test_ring: cannot create the model\n");
		tb_free(&t);
		return false;
	}
	ok = scen_disabled(&t) &&
	    scen_laps(&t, "laps-8", HOST_BASE + 3 * REC, 3, records) &&
	    scen_laps(&t, "laps-1024", (HOST_BASE + 0x20000) | 0x2a, 10, records) &&
	    scen_throughput(&t, 0) && scen_throughput(&t, 8) &&
	    scen_throughput(&t, 30) &&
	    scen_slow_host(&t) && scen_full(&t) && scen_bad_cons(&t) &&
	    scen_decerr(&t) && scen_disable_busy(&t) && scen_chaos(&t, 300000);
	printf("  %-7s %" PRIu64 " clocks, %" PRIu64 " records taken, %" PRIu64 " written, %" PRIu64
	    " write errors, %" PRIu64 " discarded\n", t.p->name, t.clock, t.taken_total, t.ok_b,
	    t.err_b, t.discarded);
	ok = ok && t.failures == 0;
	tb_free(&t);
	return ok;
}

static bool test_small(struct prng *r, uint64_t records)
{
	struct tb t;
	bool ok;

	if (!tb_init(&t, RING_SMALL, r)) {
		fprintf(stderr, "test_ring: cannot create the model\n");
		tb_free(&t);
		return false;
	}
	ok = scen_disabled(&t) &&
	    scen_laps(&t, "size 9 (clamped to 4)", HOST_BASE + 7 * REC, 9, records / 5) &&
	    scen_laps(&t, "size 0 (as 1)", HOST_BASE + 0x10000, 0, records / 20) &&
	    scen_throughput(&t, 0) && scen_slow_host(&t) && scen_full(&t) &&
	    scen_decerr(&t) && scen_chaos(&t, 200000);
	ok = ok && t.failures == 0;
	tb_free(&t);
	return ok;
}

/* ---------------------------------------------------------------------- */
/*
 * The host memory model on its own, against a C master that uses what the
 * ring does not: bursts of 1..256 beats, narrow and unaligned transfers,
 * partial strobes, W ahead of AW, B backpressure; and bursts the model must
 * refuse (outside memory, WLAST wrong, FIXED, across 4 KiB, strobes outside
 * the transfer). Each burst owns a 4 KiB page while in flight, so the page's
 * contents say whether it is visible: never before its B, always with it.
 * With a fixed latency and a ready host, B must come exactly latency + 1
 * clocks after the burst's last handshake (in order).
 */
enum hm_kind { HK_OK, HK_OUTSIDE, HK_WLAST, HK_FIXED, HK_CROSS, HK_STRB, HK_KINDS };

struct hm_burst {
	uint64_t addr;
	unsigned len, size, burst;
	unsigned beats;                 /* W beats sent (len + 1 but for HK_WLAST) */
	enum hm_kind kind;
	uint8_t data[HOST_MEM_MAX_BEATS][REC];
	uint64_t strb[HOST_MEM_MAX_BEATS];
	uint64_t last_hs;               /* clock of its later AW / last W handshake */
};

struct hm_master {
	struct host_mem *hm;
	struct prng *r;
	unsigned long failures;
	uint64_t clock;
	struct hm_burst *b;
	unsigned n;
	unsigned aw_i, w_i, w_beat, b_i;
	bool aw_valid, w_valid;
	uint8_t *shadow;                /* memory as it must be once answered */
	uint64_t last_due;
	bool fixed_timing;
	unsigned latency;
	unsigned bad;                   /* bursts the model must call protocol errors */
};

static void hm_fail(struct hm_master *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void hm_fail(struct hm_master *m, const char *fmt, ...)
{
	va_list ap;

	m->failures++;
	if (m->failures > 12)
		return;
	fprintf(stderr, "FAIL host_mem clock %" PRIu64 ": ", m->clock);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t hm_beat_addr(const struct hm_burst *b, unsigned i)
{
	const uint64_t bytes = 1ull << b->size;

	return i == 0 ? b->addr : (b->addr & ~(bytes - 1)) + (uint64_t)i * bytes;
}

static uint64_t hm_lanes(const struct hm_burst *b, unsigned i)
{
	const uint64_t bytes = 1ull << b->size, a = hm_beat_addr(b, i);
	const unsigned lo = (unsigned)(a % REC);
	const unsigned hi = (unsigned)((a & ~(bytes - 1)) % REC + bytes);

	return (hi >= 64 ? UINT64_MAX : (1ull << hi) - 1) & ~((1ull << lo) - 1);
}

/* The model's memory ends half way into its last page, so a burst can run
 * off the end without crossing 4 KiB. */
#define HM_SIZE (HOST_SIZE - 2048u)

/* Burst j of kind k in page j % pages (the last, partial page left out). */
static void hm_make(struct hm_master *m, struct hm_burst *b, unsigned j, enum hm_kind k)
{
	const unsigned pages = HOST_SIZE / 4096 - 1;
	const uint64_t page = HOST_BASE + (uint64_t)(j % pages) * 4096;
	unsigned room, max_beats;

	memset(b, 0, sizeof(*b));
	b->kind = k;
	b->burst = k == HK_FIXED ? 0 : 1;
	b->size = prng_below(m->r, 4) == 0 ? prng_below(m->r, 7) : 6;
	b->addr = page + (prng_below(m->r, 4) == 0 ? prng_below(m->r, 4096) :
	    (uint64_t)prng_below(m->r, 64) * REC);
	if (k == HK_CROSS)
		b->addr = page + 4096 - (1u << b->size) * (1 + prng_below(m->r, 4));
	if (k == HK_OUTSIDE && prng_below(m->r, 2))
		b->addr = HOST_BASE - 4096 + (b->addr - page);    /* below the memory */
	else if (k == HK_OUTSIDE)
		b->size = 6;                                       /* across its end, below */
	room = 4096 - (unsigned)((b->addr & ~((1ull << b->size) - 1)) % 4096);
	max_beats = room >> b->size;
	if (max_beats > HOST_MEM_MAX_BEATS)
		max_beats = HOST_MEM_MAX_BEATS;
	if (max_beats == 0)
		max_beats = 1;
	b->len = prng_below(m->r, 3) == 0 ? max_beats - 1 : prng_below(m->r, max_beats);
	if (k == HK_CROSS)
		b->len = max_beats + prng_below(m->r, 3);       /* one beat too many at least */
	if (k == HK_OUTSIDE && b->size == 6 && b->addr >= HOST_BASE) {
		unsigned back = 1 + prng_below(m->r, 4);

		b->addr = HOST_BASE + HM_SIZE - (uint64_t)back * REC + prng_below(m->r, 2) * prng_below(m->r, 64);
		b->len = back + prng_below(m->r, 4);
	}
	if (b->len > HOST_MEM_MAX_BEATS - 1)
		b->len = HOST_MEM_MAX_BEATS - 1;
	b->beats = b->len + 1;
	if (k == HK_WLAST)
		b->beats = b->len == 0 || (prng_below(m->r, 2) && b->len < 255) ? b->len + 2 : b->len;
	for (unsigned i = 0; i < b->beats; i++) {
		prng_fill(m->r, b->data[i], REC);
		b->strb[i] = prng_below(m->r, 3) == 0 ? prng_next(m->r) : UINT64_MAX;
		b->strb[i] &= hm_lanes(b, i < b->len + 1 ? i : b->len);
	}
	if (k == HK_STRB)
		b->strb[0] |= ~hm_lanes(b, 0) != 0 ? ~hm_lanes(b, 0) : 0;
	if (k == HK_STRB && ~hm_lanes(b, 0) == 0)
		b->kind = HK_OK;                /* a full-width beat has no outside */
	if (b->kind != HK_OK && b->kind != HK_OUTSIDE)
		m->bad++;
}

static uint8_t hm_want_resp(const struct hm_burst *b)
{
	if (b->kind == HK_OK)
		return HOST_MEM_OKAY;
	return b->kind == HK_OUTSIDE ? HOST_MEM_DECERR : HOST_MEM_SLVERR;
}

/* Burst b's bytes into mem, which holds the bus addresses from `from` on. */
static void hm_apply(const struct hm_burst *b, uint8_t *mem, uint64_t from)
{
	for (unsigned i = 0; i <= b->len; i++) {
		const uint64_t row = hm_beat_addr(b, i) & ~(uint64_t)(REC - 1);

		for (unsigned l = 0; l < REC; l++) {
			if ((b->strb[i] >> l) & 1u)
				mem[row + l - from] = b->data[i][l];
		}
	}
}

/* The head burst's page: visible exactly while / after its B shows. */
static void hm_check_visibility(struct hm_master *m, bool bvalid)
{
	const struct hm_burst *b = &m->b[m->b_i];
	const uint64_t page = (b->addr - HOST_BASE) & ~(uint64_t)4095;
	uint8_t want[4096];

	if (b->kind != HK_OK)
		return;
	memcpy(want, m->shadow + page, sizeof(want));
	if (bvalid)
		hm_apply(b, want, HOST_BASE + page);
	if (memcmp(want, host_mem_data(m->hm) + page, sizeof(want)) != 0)
		hm_fail(m, "burst %u (addr %" PRIx64 " len %u size %u) %s", m->b_i, b->addr,
		    b->len, b->size, bvalid ? "not written with its B" : "visible before its B");
}

static void hm_clock(struct hm_master *m, unsigned aw_pct, unsigned w_pct, unsigned b_pct)
{
	struct host_mem_axi_out o;
	struct host_mem_axi_in in;
	struct hm_burst *a = m->aw_i < m->n ? &m->b[m->aw_i] : NULL;
	struct hm_burst *w = m->w_i < m->n ? &m->b[m->w_i] : NULL;

	host_mem_outputs(m->hm, &o);
	memset(&in, 0, sizeof(in));
	if (!m->aw_valid && a != NULL && prng_below(m->r, 100) < aw_pct)
		m->aw_valid = true;
	/* W may run ahead of AW, a few bursts at most */
	if (!m->w_valid && w != NULL && m->w_i < m->aw_i + 4 && prng_below(m->r, 100) < w_pct)
		m->w_valid = true;
	if (m->aw_valid) {
		in.awvalid = true;
		in.awaddr = a->addr;
		in.awlen = (uint8_t)a->len;
		in.awsize = (uint8_t)a->size;
		in.awburst = (uint8_t)a->burst;
	}
	if (m->w_valid) {
		in.wvalid = true;
		memcpy(in.wdata, w->data[m->w_beat], REC);
		in.wstrb = w->strb[m->w_beat];
		in.wlast = m->w_beat + 1 == w->beats;
	}
	in.bready = prng_below(m->r, 100) < b_pct;
	if (m->b_i < m->n)
		hm_check_visibility(m, o.bvalid);
	if (o.bvalid && m->b_i >= m->n)
		hm_fail(m, "B with no burst outstanding");
	if (o.bvalid && m->b_i < m->n) {
		struct hm_burst *b = &m->b[m->b_i];

		if (o.bresp != hm_want_resp(b))
			hm_fail(m, "burst %u kind %d: BRESP %u, expected %u", m->b_i, b->kind,
			    o.bresp, hm_want_resp(b));
		if (m->fixed_timing && b->last_hs + 1 + m->latency > m->clock)
			hm_fail(m, "burst %u: B at clock %" PRIu64 ", due %" PRIu64, m->b_i,
			    m->clock, b->last_hs + 1 + m->latency);
	}
	if (host_mem_clock(m->hm, &in) != 0) {
		hm_fail(m, "out of memory");
		return;
	}
	if (m->aw_valid && o.awready) {
		if (a->last_hs < m->clock)
			a->last_hs = m->clock;
		m->aw_i++;
		m->aw_valid = false;
	}
	if (m->w_valid && o.wready) {
		if (++m->w_beat == w->beats) {
			if (w->last_hs < m->clock)
				w->last_hs = m->clock;
			m->w_i++;
			m->w_beat = 0;
		}
		m->w_valid = false;
	}
	if (o.bvalid && in.bready && m->b_i < m->n) {
		struct hm_burst *b = &m->b[m->b_i];

		/* with a ready host, B exactly latency + 1 after, in order */
		if (m->fixed_timing) {
			uint64_t due = b->last_hs + 1 + m->latency;

			if (due < m->last_due)
				due = m->last_due;
			m->last_due = due;
			if (m->clock != due)
				hm_fail(m, "burst %u: B handshake at clock %" PRIu64 ", expected %" PRIu64,
				    m->b_i, m->clock, due);
		}
		if (b->kind == HK_OK)
			hm_apply(b, m->shadow, HOST_BASE);
		m->b_i++;
	}
	m->clock++;
}

static bool hm_run(struct prng *r, unsigned n, bool fixed, unsigned latency,
    unsigned max_pending)
{
	struct host_mem_cfg cfg = {
		.base = HOST_BASE, .size = HM_SIZE, .write_latency = latency,
		.aw_ready_pct = 100, .w_ready_pct = 100, .max_pending = max_pending,
		.seed = prng_next(r),
	};
	struct hm_master m;
	uint64_t ok = 0, limit;
	unsigned long left = 0;
	bool pass;

	memset(&m, 0, sizeof(m));
	m.r = r;
	m.n = n;
	m.fixed_timing = fixed;
	m.latency = latency;
	m.hm = host_mem_create(&cfg);
	m.b = calloc(n, sizeof(*m.b));
	m.shadow = calloc(1, HOST_SIZE);
	if (m.hm == NULL || m.b == NULL || m.shadow == NULL) {
		fprintf(stderr, "FAIL host_mem: out of memory\n");
		host_mem_destroy(m.hm);
		free(m.b);
		free(m.shadow);
		return false;
	}
	for (unsigned j = 0; j < n; j++) {
		enum hm_kind k = prng_below(r, 4) == 0 ? (enum hm_kind)prng_below(r, HK_KINDS) : HK_OK;

		hm_make(&m, &m.b[j], j, k);
		ok += m.b[j].kind == HK_OK;
	}
	limit = (uint64_t)n * 4000 + 10000;
	while (m.b_i < n && m.clock < limit && m.failures == 0) {
		if (!fixed && left-- == 0) {
			static const unsigned lat[] = { 0, 1, 3, 10, 50 };
			static const unsigned pct[] = { 100, 70, 30, 0 };

			host_mem_set_timing(m.hm, lat[prng_below(r, 5)], pct[prng_below(r, 4)],
			    pct[prng_below(r, 4)], prng_next(r));
			left = 50 + prng_below(r, 500);
		}
		if (fixed)
			hm_clock(&m, 100, 100, 100);
		else
			hm_clock(&m, 60, 80, 70);
	}
	if (m.b_i != n)
		hm_fail(&m, "%u of %u bursts answered", m.b_i, n);
	if (host_mem_writes(m.hm) != ok || host_mem_errors(m.hm) != n - ok)
		hm_fail(&m, "writes %" PRIu64 " errors %" PRIu64 ", expected %" PRIu64 " and %" PRIu64,
		    host_mem_writes(m.hm), host_mem_errors(m.hm), ok, n - ok);
	if (host_mem_protocol_errors(m.hm) != m.bad)
		hm_fail(&m, "%" PRIu64 " protocol errors counted, %u made", host_mem_protocol_errors(m.hm),
		    m.bad);
	if (host_mem_max_pending_seen(m.hm) > max_pending)
		hm_fail(&m, "%u writes pending, max_pending %u", host_mem_max_pending_seen(m.hm), max_pending);
	if (memcmp(m.shadow, host_mem_data(m.hm), HM_SIZE) != 0)
		hm_fail(&m, "memory differs from the shadow at the end");
	printf("  host_mem %-17s %4u bursts (%" PRIu64 " good, %u protocol errors made), %" PRIu64
	    " clocks\n", fixed ? "fixed latency" : "random timing", n, ok, m.bad, m.clock);
	pass = m.failures == 0;
	host_mem_destroy(m.hm);
	free(m.b);
	free(m.shadow);
	return pass;
}

/* A master that drops AWVALID / changes W data before the handshake. */
static bool hm_stability(void)
{
	struct host_mem_cfg cfg = {
		.base = HOST_BASE, .size = HOST_SIZE, .write_latency = 0,
		.aw_ready_pct = 0, .w_ready_pct = 0, .max_pending = 4, .seed = 1,
	};
	struct host_mem *hm = host_mem_create(&cfg);
	struct host_mem_axi_in in;
	struct host_mem_axi_out o;
	bool pass;

	if (hm == NULL)
		return false;
	memset(&in, 0, sizeof(in));
	in.awvalid = true;
	in.awaddr = HOST_BASE;
	in.awsize = 6;
	in.awburst = 1;
	in.wvalid = true;
	in.wlast = true;
	in.wstrb = UINT64_MAX;
	host_mem_outputs(hm, &o);
	pass = host_mem_clock(hm, &in) == 0 && !o.awready && !o.wready;
	in.awvalid = false;             /* dropped before its handshake */
	in.wdata[3] = 1;                /* changed before its handshake */
	host_mem_outputs(hm, &o);
	pass = pass && host_mem_clock(hm, &in) == 0;
	pass = pass && host_mem_protocol_errors(hm) == 2;
	if (!pass)
		fprintf(stderr, "FAIL host_mem: valid drop / payload change not counted (%" PRIu64 ")\n",
		    host_mem_protocol_errors(hm));
	host_mem_destroy(hm);
	return pass;
}

static bool test_host_mem(struct prng *r)
{
	bool ok = true;

	ok = hm_run(r, 400, true, 0, 8) && ok;
	ok = hm_run(r, 400, true, 7, 3) && ok;
	ok = hm_run(r, 600, false, 0, 16) && ok;
	ok = hm_stability() && ok;
	return ok;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*v = x;
	return true;
}

static void usage(void)
{
	fprintf(stderr, "usage: test_ring [--seed N] [--records N]\n");
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL), records = 100000;
	struct prng r;
	clock_t t0 = clock();
	bool ok = true;

	for (int i = 1; i < argc; i++) {
		uint64_t *dst = NULL;

		if (strcmp(argv[i], "--seed") == 0)
			dst = &seed;
		else if (strcmp(argv[i], "--records") == 0)
			dst = &records;
		if (dst == NULL || i + 1 >= argc || !parse_u64(argv[i + 1], dst)) {
			usage();
			return 2;
		}
		i++;
	}
	printf("test_ring: seed %" PRIu64 " (replay with --seed %" PRIu64 ")\n", seed, seed);
	prng_seed(&r, seed);
	ok = test_host_mem(&r) && ok;
	ok = test_default(&r, records) && ok;
	ok = test_small(&r, records) && ok;
	printf("test_ring: %s (seed %" PRIu64 ", %.1f s)\n", ok ? "PASS" : "FAIL", seed,
	    (double)(clock() - t0) / CLOCKS_PER_SEC);
	return ok ? 0 : 1;
}
