/*
 * spisync -- test bench of the SA-miss flow filter (hw/rtl/flow_filter.v,
 * Verilated with SETS = 512) in Verilator simulation.
 *
 * Every clock is checked twice:
 *  (a) exactly, against tests/model/flow_ref.c (the rules as plain
 *      sequential C, same H3 hash and set/way layout) delayed by the
 *      module's LATENCY: m_valid and m_rec, m_evict_valid and m_evict_rec
 *      byte for byte, m_suppressed, suppressed_total, pending and ready;
 *  (b) against invariants that do not use the reference, from the inputs
 *      and the model's outputs alone:
 *      - every record comes out LATENCY clocks after it went in, as its own
 *        report (the input record, COUNT replaced) or suppressed, never both;
 *      - a suppressed miss lies within the hold-off of its flow's previous
 *        own report, and a report with COUNT > 0 at least the hold-off after
 *        it (with 2 flows, no evictions: every report after the first);
 *      - an eviction record belongs to another flow that has at least COUNT
 *        misses not yet carried by a record, carries that flow's latest
 *        TYPE, FLAGS and ports, EVICTED, TIME_NS of the miss that pushed it
 *        out, FRAME_LEN / SEQ / RX_SEQ 0 and SA_INDEX 0xFFFF, and comes
 *        with a first-miss (COUNT 0) own report;
 *      - per flow, misses - (sum of 1 + COUNT over its own records + sum of
 *        COUNT over its eviction records) >= 0, the sum of it over all
 *        flows == pending, and misses - own records == suppressed_total;
 *      - at the end of a phase a drain (hold-off 0, one miss of every flow)
 *        leaves every flow with misses == what its records carried, and
 *        pending == 0.
 * It also counts, for every in-flight distance 1..7 clocks, the filtered
 * records that follow a write of their own set (of the same flow and of
 * another): all must occur, or the forwarding was not exercised.
 *
 * Phases: reset and the clearing walk (random RAM contents at start,
 * records during the walk pass unfiltered); one stuck flow over many
 * hold-off intervals (plus a second flow); back-to-back misses of several
 * flows of one set with gaps of 0..7 clocks (the forwarding of every
 * in-flight distance, evictions, equal times); a random flood of a
 * 3000-flow pool, one record per clock, with resets (1 clock or several)
 * in the middle of traffic; hold-off 0; hold-off 2^64 - 1; card time wrapping through 2^64;
 * random hold-offs and times that step back; count saturation from a
 * pre-set count (2^32 suppressions would take hours to simulate: the model's
 * back door writes the count into the table RAM, the reference does the
 * same, and both add it to the counters).
 *
 * About 970,000 records in 1.3 million clocks, 4-5 s.
 *
 * usage: test_flow [--seed N] [--scale PERCENT]
 * The seed is printed; rerun with --seed to reproduce a failure. --scale
 * multiplies the number of records of every phase (100: the default).
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
#include "flow/flow_sim.h"
#include "flow_ref.h"
#include "prng.h"
#include "spisync_hw.h"

enum {
	SETS = FLOW_SIM_SETS,
	REC = FLOW_REC_BYTES,
	/* flow_sim_cycle() calls from a record to its outputs */
	DELAY = FLOW_SIM_LATENCY - 1,
	MAP_SIZE = 1 << 17,     /* flows tracked, power of two */
	MAX_REPORTS = 20,
	POOL_MAX = 4096,
	/* in-flight distances: the RAM of the model sees a write 7 clocks on */
	COVER = 8,
};

#define HOLDOFF_NEVER UINT64_MAX

/* ---------------------------------------------------------------------
 * Records.
 * ------------------------------------------------------------------- */

static uint64_t rec_time(const uint8_t *rec)
{
	return load_le(rec + SPISYNC_EVF_TIME_NS_OFF, 8);
}

static uint32_t rec_count(const uint8_t *rec)
{
	return (uint32_t)load_le(rec + SPISYNC_EVF_COUNT_OFF, 4);
}

/* a flow and how its frames look (ports etc. may change between frames) */
struct flow_def {
	struct flow_key key;
	bool udp;
	uint8_t port;
	uint16_t sport, dport;
};

static void random_flow(struct prng *r, struct flow_def *f)
{
	memset(f, 0, sizeof(*f));
	f->key.ipv6 = prng_below(r, 2);
	prng_fill(r, f->key.src, f->key.ipv6 ? 16 : 4);
	prng_fill(r, f->key.dst, f->key.ipv6 ? 16 : 4);
	switch (prng_below(r, 8)) {
	case 0:
		f->key.spi = prng_below(r, 256);        /* reserved */
		break;
	case 1:
		f->key.spi = 0xFFFFFFFFu - prng_below(r, 4);
		break;
	default:
		f->key.spi = (uint32_t)prng_next(r);
		break;
	}
	f->udp = prng_below(r, 3) == 0;
	f->port = (uint8_t)prng_below(r, 16);
	if (f->udp) {
		f->sport = (uint16_t)prng_next(r);
		f->dport = prng_below(r, 2) ? 4500 : (uint16_t)prng_next(r);
	}
}

/* A random flow whose key lands in set `set`: a random key, then one
 * field changed until it does (H3 is linear, so any bit moves the set). */
static void flow_in_set(struct prng *r, struct flow_def *f, unsigned set)
{
	random_flow(r, f);
	while (flow_key_set(&f->key, SETS) != set) {
		switch (prng_below(r, 3)) {
		case 0:
			f->key.spi = (uint32_t)prng_next(r);
			break;
		case 1:
			f->key.dst[prng_below(r, f->key.ipv6 ? 16 : 4)] = (uint8_t)prng_next(r);
			break;
		default:
			f->key.src[prng_below(r, f->key.ipv6 ? 16 : 4)] = (uint8_t)prng_next(r);
			break;
		}
	}
}

static void make_rec(struct prng *r, const struct flow_def *f, uint64_t now,
    uint8_t *rec)
{
	struct flow_def v = *f;
	uint8_t flags;

	/* ports, UDP and the port nibble are not part of the key: now and
	 * then a frame of the flow differs there */
	if (prng_below(r, 10) == 0) {
		v.udp = !v.udp;
		v.port = (uint8_t)prng_below(r, 16);
		v.sport = v.udp ? (uint16_t)prng_next(r) : 0;
		v.dport = v.udp ? (uint16_t)prng_next(r) : 0;
	}
	flags = (uint8_t)(v.port << SPISYNC_EV_FLAGS_PORT_SHIFT);
	if (v.key.ipv6)
		flags |= SPISYNC_EV_FLAG_IPV6;
	if (v.udp)
		flags |= SPISYNC_EV_FLAG_UDP;

	memset(rec, 0, REC);
	rec[SPISYNC_EVF_TYPE_OFF] = v.key.spi < 256 ? SPISYNC_EV_SPI_RESERVED : SPISYNC_EV_SA_MISS;
	rec[SPISYNC_EVF_FLAGS_OFF] = flags;
	store_le16(rec + SPISYNC_EVF_FRAME_LEN_OFF, 64 + prng_below(r, 9000));
	store_le32(rec + SPISYNC_EVF_SPI_OFF, v.key.spi);
	store_le64(rec + SPISYNC_EVF_TIME_NS_OFF, now);
	memcpy(rec + SPISYNC_EVF_SRC_OFF, v.key.src, 16);
	memcpy(rec + SPISYNC_EVF_DST_OFF, v.key.dst, 16);
	store_le32(rec + SPISYNC_EVF_SEQ_OFF, (uint32_t)prng_next(r));
	store_le16(rec + SPISYNC_EVF_SPORT_OFF, v.sport);
	store_le16(rec + SPISYNC_EVF_DPORT_OFF, v.dport);
	/* the classifier sends COUNT 0; the filter must set it either way */
	if (prng_below(r, 8) == 0)
		store_le32(rec + SPISYNC_EVF_COUNT_OFF, (uint32_t)prng_next(r));
	store_le16(rec + SPISYNC_EVF_SA_INDEX_OFF, 0xFFFF);
	store_le16(rec + SPISYNC_EVF_RX_SEQ_OFF, (uint16_t)prng_next(r));
}

/* ---------------------------------------------------------------------
 * The bench.
 * ------------------------------------------------------------------- */

/* what the invariants know of one flow (since the last reset) */
struct fstat {
	bool used;
	struct flow_key key;
	uint64_t misses;        /* records whose outputs came out */
	uint64_t carried;       /* misses records carried: own 1 + COUNT, eviction COUNT */
	bool reported;          /* an own record since reset */
	uint64_t last_report;   /* its TIME_NS */
	uint8_t info[REC];      /* its latest record (TYPE, FLAGS, ports) */
	unsigned long own, evicted;
};

struct slot {
	bool valid;
	uint8_t rec[REC];
	uint64_t holdoff;
	struct flow_ref_out ref;
};

struct drive {
	bool rst;
	bool valid;
	uint8_t rec[REC];
	uint64_t holdoff;
};

struct tb {
	struct flow_sim *sim;
	struct flow_ref *ref;
	struct prng rng;
	uint64_t clock;
	uint64_t now;                   /* card time of the next record */
	uint64_t holdoff;

	struct slot line[DELAY];        /* the reference, delayed */
	unsigned pos;

	/* (b) */
	struct fstat *map;
	unsigned *used;                 /* indices of map entries in use */
	unsigned n_used;
	uint64_t misses, own, outstanding;
	bool strict_spacing;            /* no evictions possible: all reports spaced */

	/* traffic */
	struct flow_def pool[POOL_MAX];
	unsigned n_pool;

	/* forwarding coverage: filtered records whose set was last written by
	 * the record d clocks before (d = 1..COVER-1), and of the same flow */
	struct recent {
		bool wr;
		unsigned set;
		struct flow_key key;
	} recent[COVER];
	unsigned long cover_set[COVER], cover_flow[COVER];

	/* counts */
	unsigned long inputs, reports, suppressed, evictions, resets, drains;
	unsigned long reports_counted;  /* own reports with COUNT > 0 */
	unsigned long ties;             /* records with the TIME_NS of the one before */
	uint64_t max_count;
	unsigned long failures;
};

static void fail(struct tb *tb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(struct tb *tb, const char *fmt, ...)
{
	va_list ap;

	tb->failures++;
	if (tb->failures > MAX_REPORTS)
		return;
	fprintf(stderr, "FAIL clock %" PRIu64 ": ", tb->clock);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void dump_rec(const char *what, const uint8_t *rec)
{
	fprintf(stderr, "  %-9s", what);
	for (unsigned i = 0; i < REC; i++)
		fprintf(stderr, "%s%02x", i % 16 == 0 && i != 0 ? "\n           " :
		    (i % 4 == 0 && i != 0 ? " " : ""), rec[i]);
	fputc('\n', stderr);
}

/* ---- (b): the flows seen since reset ---- */

static unsigned key_hash(const struct flow_key *k)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned i = 0; i < 16; i++)
		h = (h ^ k->src[i]) * 0x100000001b3ull;
	for (unsigned i = 0; i < 16; i++)
		h = (h ^ k->dst[i]) * 0x100000001b3ull;
	h = (h ^ k->spi) * 0x100000001b3ull;
	h = (h ^ k->ipv6) * 0x100000001b3ull;
	return (unsigned)(h ^ (h >> 32)) & (MAP_SIZE - 1);
}

static struct fstat *flow_find(struct tb *tb, const struct flow_key *k)
{
	for (unsigned i = key_hash(k);; i = (i + 1) & (MAP_SIZE - 1)) {
		if (!tb->map[i].used)
			return NULL;
		if (flow_key_equal(&tb->map[i].key, k))
			return &tb->map[i];
	}
}

static struct fstat *flow_get(struct tb *tb, const struct flow_key *k)
{
	unsigned i = key_hash(k);

	for (;; i = (i + 1) & (MAP_SIZE - 1)) {
		if (!tb->map[i].used)
			break;
		if (flow_key_equal(&tb->map[i].key, k))
			return &tb->map[i];
	}
	if (tb->n_used >= MAP_SIZE / 2) {
		fprintf(stderr, "too many flows for the bench\n");
		exit(1);
	}
	memset(&tb->map[i], 0, sizeof(tb->map[i]));
	tb->map[i].used = true;
	tb->map[i].key = *k;
	tb->used[tb->n_used++] = i;
	return &tb->map[i];
}

/* after a reset the table is empty and the counters are zero */
static void flows_clear(struct tb *tb)
{
	for (unsigned i = 0; i < tb->n_used; i++)
		tb->map[tb->used[i]].used = false;
	tb->n_used = 0;
	tb->misses = 0;
	tb->own = 0;
	tb->outstanding = 0;
}

static void check_evict_fields(struct tb *tb, const struct fstat *g,
    const uint8_t *ev, uint64_t now)
{
	const uint8_t *latest = g->info;
	const uint8_t flags_want = (uint8_t)((latest[SPISYNC_EVF_FLAGS_OFF] &
	    ~SPISYNC_EV_FLAG_PHASE) | SPISYNC_EV_FLAG_EVICTED);
	uint8_t want[REC];

	/* the stored flow's latest TYPE, FLAGS, ports; the rest per the spec */
	memset(want, 0, REC);
	want[SPISYNC_EVF_TYPE_OFF] = latest[SPISYNC_EVF_TYPE_OFF];
	want[SPISYNC_EVF_FLAGS_OFF] = flags_want;
	memcpy(want + SPISYNC_EVF_SPI_OFF, latest + SPISYNC_EVF_SPI_OFF, 4);
	store_le64(want + SPISYNC_EVF_TIME_NS_OFF, now);
	memcpy(want + SPISYNC_EVF_SRC_OFF, latest + SPISYNC_EVF_SRC_OFF, 32);
	memcpy(want + SPISYNC_EVF_SPORT_OFF, latest + SPISYNC_EVF_SPORT_OFF, 4);
	memcpy(want + SPISYNC_EVF_COUNT_OFF, ev + SPISYNC_EVF_COUNT_OFF, 4);
	store_le16(want + SPISYNC_EVF_SA_INDEX_OFF, 0xFFFF);
	if (memcmp(want, ev, REC) != 0) {
		fail(tb, "(b) eviction record fields");
		if (tb->failures <= MAX_REPORTS) {
			dump_rec("got", ev);
			dump_rec("want", want);
		}
	}
}

static void invariants_evict(struct tb *tb, const struct fstat *f,
    const uint8_t *ev, const uint8_t *own, uint64_t now)
{
	struct flow_key k;
	struct fstat *g;
	const uint32_t c = rec_count(ev);

	flow_key_of(ev, &k);
	g = flow_find(tb, &k);
	if (g == NULL || g == f) {
		fail(tb, "(b) eviction record of %s flow", g == NULL ? "an unknown" : "the same");
		return;
	}
	if (c == 0 || g->misses - g->carried < c)
		fail(tb, "(b) eviction COUNT %" PRIu32 " but the flow has %" PRIu64
		    " misses not carried", c, g->misses - g->carried);
	if (own == NULL || rec_count(own) != 0)
		fail(tb, "(b) eviction without a first-miss own report");
	check_evict_fields(tb, g, ev, now);
	g->carried += c;
	g->evicted++;
	tb->outstanding -= c;
	tb->evictions++;
}

static void invariants(struct tb *tb, const struct slot *in,
    const struct flow_sim_out *got)
{
	struct flow_key k;
	struct fstat *f;
	uint64_t t;

	if (!in->valid) {
		if (got->valid || got->evict_valid || got->suppressed)
			fail(tb, "(b) outputs without a record");
		goto counters;
	}
	if (got->valid == got->suppressed) {
		fail(tb, "(b) record neither or both reported and suppressed");
		goto counters;
	}
	flow_key_of(in->rec, &k);
	f = flow_get(tb, &k);
	t = rec_time(in->rec);
	f->misses++;
	tb->misses++;
	tb->outstanding++;

	if (got->suppressed) {
		if (!f->reported || t - f->last_report >= in->holdoff)
			fail(tb, "(b) suppressed %s the hold-off of the flow's last report",
			    f->reported ? "outside" : "without");
		if (got->evict_valid)
			fail(tb, "(b) eviction with a suppressed record");
		tb->suppressed++;
	} else {
		const uint32_t c = rec_count(got->rec);
		uint8_t want[REC];

		memcpy(want, in->rec, REC);
		memcpy(want + SPISYNC_EVF_COUNT_OFF, got->rec + SPISYNC_EVF_COUNT_OFF, 4);
		if (memcmp(want, got->rec, REC) != 0)
			fail(tb, "(b) own report is not the input record");
		if (c > 0 && (!f->reported || t - f->last_report < in->holdoff))
			fail(tb, "(b) report with COUNT %" PRIu32 " %s the hold-off", c,
			    f->reported ? "within" : "without a report before");
		if (tb->strict_spacing && f->reported && t - f->last_report < in->holdoff)
			fail(tb, "(b) two reports of a flow within the hold-off");
		if ((uint64_t)c + 1 > f->misses - f->carried)
			fail(tb, "(b) report carries more than the flow's misses");
		f->carried += (uint64_t)c + 1;
		f->own++;
		f->reported = true;
		f->last_report = t;
		tb->own++;
		tb->outstanding -= (uint64_t)c + 1;
		tb->reports++;
		if (c > 0)
			tb->reports_counted++;
		if (c > tb->max_count)
			tb->max_count = c;
	}
	if (got->evict_valid)
		invariants_evict(tb, f, got->evict_rec, got->valid ? got->rec : NULL, t);
	memcpy(f->info, in->rec, REC);

counters:
	if (got->pending != tb->outstanding)
		fail(tb, "(b) pending %" PRIu64 ", misses not carried by records %" PRIu64,
		    got->pending, tb->outstanding);
	if (got->suppressed_total != tb->misses - tb->own)
		fail(tb, "(b) suppressed_total %" PRIu64 ", misses - own reports %" PRIu64,
		    got->suppressed_total, tb->misses - tb->own);
}

/* ---- (a): the reference ---- */

static void compare(struct tb *tb, const struct flow_ref_out *want,
    const struct flow_sim_out *got)
{
	bool bad = false;

	if (got->valid != want->valid || got->evict_valid != want->evict_valid ||
	    got->suppressed != want->suppressed) {
		fail(tb, "(a) valid %d/%d evict %d/%d suppressed %d/%d (model/reference)",
		    got->valid, want->valid, got->evict_valid, want->evict_valid,
		    got->suppressed, want->suppressed);
		bad = true;
	}
	if (got->valid && want->valid && memcmp(got->rec, want->rec, REC) != 0) {
		fail(tb, "(a) own record differs");
		bad = true;
	}
	if (got->evict_valid && want->evict_valid &&
	    memcmp(got->evict_rec, want->evict_rec, REC) != 0) {
		fail(tb, "(a) eviction record differs");
		bad = true;
	}
	if (got->suppressed_total != want->suppressed_total || got->pending != want->pending) {
		fail(tb, "(a) suppressed_total %" PRIu64 "/%" PRIu64 " pending %" PRIu64 "/%" PRIu64,
		    got->suppressed_total, want->suppressed_total, got->pending, want->pending);
		bad = true;
	}
	if (bad && tb->failures <= MAX_REPORTS) {
		if (got->valid || want->valid) {
			dump_rec("model", got->rec);
			dump_rec("reference", want->rec);
		}
		if (got->evict_valid || want->evict_valid) {
			dump_rec("model ev", got->evict_rec);
			dump_rec("ref ev", want->evict_rec);
		}
	}
}

/* how close behind a write of its set (and flow) a filtered record came */
static void cover(struct tb *tb, const struct drive *d)
{
	struct recent *r = &tb->recent[tb->clock % COVER];

	r->wr = !d->rst && d->valid && flow_ref_ready(tb->ref);
	if (!r->wr)
		return;
	flow_key_of(d->rec, &r->key);
	r->set = flow_key_set(&r->key, SETS);
	for (unsigned dist = 1; dist < COVER; dist++) {
		const struct recent *o = &tb->recent[(tb->clock - dist) % COVER];

		if (tb->clock < dist || !o->wr || o->set != r->set)
			continue;
		tb->cover_set[dist]++;
		if (flow_key_equal(&o->key, &r->key))
			tb->cover_flow[dist]++;
		break;
	}
}

/* one clock of both */
static void step(struct tb *tb, const struct drive *d)
{
	struct flow_sim_in in;
	struct flow_sim_out got;
	struct slot *s = &tb->line[tb->pos];

	cover(tb, d);
	memset(&in, 0, sizeof(in));
	in.rst = d->rst;
	in.valid = d->valid;
	in.holdoff_ns = d->holdoff;
	if (d->valid)
		memcpy(in.rec, d->rec, REC);
	flow_sim_cycle(tb->sim, &in, &got);

	if (d->rst) {
		/* everything in flight is dropped, the counters are zero */
		flow_ref_reset(tb->ref);
		memset(tb->line, 0, sizeof(tb->line));
		flows_clear(tb);
		if (got.valid || got.evict_valid || got.suppressed ||
		    got.suppressed_total != 0 || got.pending != 0)
			fail(tb, "outputs or counters not cleared by reset");
		tb->resets++;
	} else {
		struct slot now;

		memset(&now, 0, sizeof(now));
		now.valid = d->valid;
		if (d->valid)
			memcpy(now.rec, d->rec, REC);
		now.holdoff = d->holdoff;
		flow_ref_clock(tb->ref, d->valid, d->rec, d->holdoff, &now.ref);
		compare(tb, &s->ref, &got);
		invariants(tb, s, &got);
		*s = now;
		tb->pos = (tb->pos + 1) % DELAY;
		if (d->valid)
			tb->inputs++;
	}
	if (got.ready != flow_ref_ready(tb->ref))
		fail(tb, "(a) ready %d, reference %d", got.ready, flow_ref_ready(tb->ref));
	tb->clock++;
}

static void idle(struct tb *tb, unsigned clocks)
{
	struct drive d;

	memset(&d, 0, sizeof(d));
	d.holdoff = tb->holdoff;
	for (unsigned i = 0; i < clocks; i++)
		step(tb, &d);
}

static void reset(struct tb *tb, unsigned clocks)
{
	struct drive d;

	memset(&d, 0, sizeof(d));
	d.rst = true;
	d.holdoff = tb->holdoff;
	for (unsigned i = 0; i < clocks; i++)
		step(tb, &d);
}

/* one record of f at tb->now, then time moves by `dt` */
static void send(struct tb *tb, const struct flow_def *f, uint64_t dt)
{
	struct drive d;
	struct flow_key k;

	memset(&d, 0, sizeof(d));
	d.valid = true;
	d.holdoff = tb->holdoff;
	make_rec(&tb->rng, f, tb->now, d.rec);
	flow_key_of(d.rec, &k);
	if (!flow_key_equal(&k, &f->key)) {
		fprintf(stderr, "bench: record key differs from its flow\n");
		exit(1);
	}
	if (dt == 0)
		tb->ties++;
	step(tb, &d);
	tb->now += dt;
}

/* idle clocks (mostly none, so records come back to back) */
static void gap(struct tb *tb, unsigned percent_back_to_back, unsigned max)
{
	if (prng_below(&tb->rng, 100) >= percent_back_to_back)
		idle(tb, 1 + prng_below(&tb->rng, max));
}

/*
 * Every flow seen since reset gets one miss with hold-off 0: a stored flow
 * reports its count, one not stored is a first miss (and may push out
 * others, which report theirs). After it every flow's misses are carried
 * by records and pending is 0.
 */
static void drain(struct tb *tb, const char *phase)
{
	const uint64_t holdoff = tb->holdoff;
	const unsigned n = tb->n_used;
	unsigned *keys = malloc((n + 1) * sizeof(*keys));
	unsigned long bad = 0;

	if (keys == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	memcpy(keys, tb->used, n * sizeof(*keys));
	tb->holdoff = 0;
	for (unsigned i = 0; i < n; i++) {
		struct flow_def f;

		memset(&f, 0, sizeof(f));
		f.key = tb->map[keys[i]].key;
		send(tb, &f, prng_below(&tb->rng, 3));
	}
	idle(tb, DELAY);
	for (unsigned i = 0; i < n; i++) {
		const struct fstat *s = &tb->map[keys[i]];

		if (s->misses != s->carried)
			bad++;
	}
	if (bad != 0 || tb->outstanding != 0)
		fail(tb, "(b) %s: after the drain %lu flows have misses no record carried, "
		    "%" PRIu64 " in total", phase, bad, tb->outstanding);
	tb->holdoff = holdoff;
	tb->drains++;
	free(keys);
}

/* ---------------------------------------------------------------------
 * Phases.
 * ------------------------------------------------------------------- */

static void phase_done(struct tb *tb, const char *name, unsigned long inputs_before)
{
	printf("  %-22s %8lu records, %lu failures so far\n", name,
	    tb->inputs - inputs_before, tb->failures);
}

static void fill_pool(struct tb *tb, unsigned n)
{
	tb->n_pool = n;
	for (unsigned i = 0; i < n; i++)
		random_flow(&tb->rng, &tb->pool[i]);
	/* IPv4 and IPv6 flows with the same address bytes and SPI are
	 * different flows */
	for (unsigned i = 0; i + 1 < n; i += 16) {
		tb->pool[i + 1] = tb->pool[i];
		tb->pool[i + 1].key.ipv6 = !tb->pool[i].key.ipv6;
	}
}

static void phase_walk(struct tb *tb)
{
	tb->holdoff = 1000;
	reset(tb, 3);
	fill_pool(tb, 64);
	/* during the walk: records pass unfiltered (checked by the reference:
	 * COUNT 0, none suppressed, nothing stored) */
	for (unsigned i = 0; i < SETS; i++) {
		if (prng_below(&tb->rng, 100) < 60)
			send(tb, &tb->pool[prng_below(&tb->rng, 8)], 1);
		else
			idle(tb, 1);
	}
	if (!flow_ref_ready(tb->ref))
		fail(tb, "walk longer than SETS clocks in the reference");
	idle(tb, DELAY);
	drain(tb, "walk");
}

/*
 * One stuck flow over many hold-off intervals, and a second one. With two
 * flows nothing is ever pushed out, so every report of a flow after its
 * first must be at least the hold-off after the one before, and every miss
 * within it suppressed: one record per interval.
 */
static void phase_stuck(struct tb *tb, unsigned long n)
{
	struct flow_def f[2];
	const struct fstat *s;

	random_flow(&tb->rng, &f[0]);
	random_flow(&tb->rng, &f[1]);
	f[0].key.ipv6 = false;
	f[1].key.ipv6 = true;
	tb->holdoff = 500 + prng_below(&tb->rng, 1000);
	tb->strict_spacing = true;
	for (unsigned long i = 0; i < n; i++) {
		send(tb, &f[prng_below(&tb->rng, 100) < 95 ? 0 : 1], prng_below(&tb->rng, 8));
		gap(tb, 90, 3);
	}
	idle(tb, DELAY);
	tb->strict_spacing = false;
	s = flow_find(tb, &f[0].key);
	if (s == NULL || s->own < 2 || s->misses <= s->own) {
		fail(tb, "stuck flow: too few records or suppressions");
		return;
	}
	printf("  stuck flow: %" PRIu64 " misses, %lu records, %" PRIu64
	    " suppressed misses pending, hold-off %" PRIu64 " ns\n",
	    s->misses, s->own, s->misses - s->carried, tb->holdoff);
	drain(tb, "stuck flow");
}

/* reset in the middle of traffic: a clock of rst at `resets` random points
 * of n records (the last one longer), everything in flight dropped */
struct reset_plan {
	unsigned long at[8];
	unsigned n;
};

static void plan_resets(struct tb *tb, struct reset_plan *p, unsigned resets,
    unsigned long n)
{
	p->n = resets;
	for (unsigned i = 0; i < resets; i++)
		p->at[i] = (unsigned long)(prng_next(&tb->rng) % (n + 1));
}

static void maybe_reset(struct tb *tb, const struct reset_plan *p,
    unsigned long i)
{
	for (unsigned k = 0; k < p->n; k++)
		if (p->at[k] == i)
			reset(tb, k + 1 < p->n ? 1 : 2 + prng_below(&tb->rng, 3));
}

/* several flows of one set (and one of another) back to back */
static void phase_same_set(struct tb *tb, unsigned long n)
{
	enum { IN_SET = 6, OTHER = 2 };
	struct flow_def f[IN_SET + OTHER];
	const unsigned set = prng_below(&tb->rng, SETS);
	struct reset_plan plan;

	for (unsigned i = 0; i < IN_SET; i++)
		flow_in_set(&tb->rng, &f[i], set);
	for (unsigned i = IN_SET; i < IN_SET + OTHER; i++)
		flow_in_set(&tb->rng, &f[i], (set + 1) % SETS);
	plan_resets(tb, &plan, 3, n);
	tb->holdoff = 20 + prng_below(&tb->rng, 40);
	for (unsigned long i = 0; i < n; i++) {
		const unsigned pick = prng_below(&tb->rng, 100) < 85 ?
		    prng_below(&tb->rng, IN_SET) : IN_SET + prng_below(&tb->rng, OTHER);
		const uint64_t dt = prng_below(&tb->rng, 10) == 0 ? 0 :
		    prng_below(&tb->rng, (unsigned)(tb->holdoff / 3));

		maybe_reset(tb, &plan, i);
		send(tb, &f[pick], dt);
		gap(tb, 70, 7);
	}
	idle(tb, DELAY);
	drain(tb, "same set");
}

/* a random flood, one record per clock, resets in the middle */
static void phase_flood(struct tb *tb, unsigned long n)
{
	struct reset_plan plan;

	plan_resets(tb, &plan, 5, n);
	fill_pool(tb, 3000);
	tb->holdoff = 3000;
	for (unsigned long i = 0; i < n; i++) {
		/* a quarter of the traffic from 64 hot flows */
		const unsigned pick = prng_below(&tb->rng, 4) == 0 ?
		    prng_below(&tb->rng, 64) : prng_below(&tb->rng, tb->n_pool);

		maybe_reset(tb, &plan, i);
		send(tb, &tb->pool[pick], 1 + prng_below(&tb->rng, 4));
	}
	idle(tb, DELAY);
	drain(tb, "flood");
}

static void pool_traffic(struct tb *tb, unsigned long n, unsigned pool,
    uint64_t holdoff, unsigned max_dt)
{
	fill_pool(tb, pool);
	tb->holdoff = holdoff;
	for (unsigned long i = 0; i < n; i++) {
		send(tb, &tb->pool[prng_below(&tb->rng, tb->n_pool)],
		    prng_below(&tb->rng, max_dt + 1));
		gap(tb, 90, 2);
	}
	idle(tb, DELAY);
}

/* hold-off 0: every miss reported at once, so no count ever builds up */
static void phase_holdoff0(struct tb *tb, unsigned long n)
{
	const unsigned long supp = tb->suppressed, counted = tb->reports_counted,
	    ev = tb->evictions;

	pool_traffic(tb, n, 400, 0, 4);
	if (tb->suppressed != supp || tb->reports_counted != counted || tb->evictions != ev)
		fail(tb, "hold-off 0: suppressions, counts or eviction records");
	drain(tb, "hold-off 0");
}

/* hold-off 2^64 - 1: only first misses reported; counts leave by eviction */
static void phase_holdoff_never(struct tb *tb, unsigned long n)
{
	const unsigned long counted = tb->reports_counted, ev = tb->evictions;

	pool_traffic(tb, n, 400, HOLDOFF_NEVER, 4);
	if (tb->reports_counted != counted || tb->evictions == ev)
		fail(tb, "hold-off 2^64 - 1: a report with COUNT > 0, or no eviction record");
	drain(tb, "hold-off 2^64 - 1");
}

/* card time runs through 2^64 - 1 to 0 */
static void phase_wrap(struct tb *tb, unsigned long n)
{
	/* about 2 ns a record: through 0 half way */
	tb->now = UINT64_MAX - n;
	pool_traffic(tb, n, 500, 2000, 4);
	if (tb->now > UINT64_MAX / 2)
		fail(tb, "bench: card time did not wrap");
	drain(tb, "time wrap");
}

/* random hold-offs per record, times that step back or repeat */
static void phase_mix(struct tb *tb, unsigned long n)
{
	static const uint64_t holdoffs[] = { 0, 7, 100, 5000, HOLDOFF_NEVER, 1ull << 63 };
	const unsigned set = prng_below(&tb->rng, SETS);

	fill_pool(tb, 200);
	for (unsigned i = 200; i < 208; i++)
		flow_in_set(&tb->rng, &tb->pool[i], set);
	tb->n_pool = 208;
	for (unsigned long i = 0; i < n; i++) {
		const unsigned pick = prng_below(&tb->rng, 2) ?
		    200 + prng_below(&tb->rng, 8) : prng_below(&tb->rng, 200);
		uint64_t dt = prng_below(&tb->rng, 60);

		tb->holdoff = holdoffs[prng_below(&tb->rng, 6)];
		if (prng_below(&tb->rng, 20) == 0)
			dt = (uint64_t)0 - prng_below(&tb->rng, 3000);  /* back in time */
		send(tb, &tb->pool[pick], dt);
		gap(tb, 80, 7);
	}
	tb->holdoff = 100;
	idle(tb, DELAY);
	drain(tb, "mix");
}

/* a flow in the table, found through the reference */
static bool stored(struct tb *tb, const struct flow_def *f, unsigned *set,
    unsigned *way)
{
	const int w = flow_ref_lookup(tb->ref, &f->key);

	if (w < 0)
		return false;
	*set = flow_key_set(&f->key, SETS);
	*way = (unsigned)w;
	return true;
}

static void preset(struct tb *tb, const struct flow_def *f, uint32_t count)
{
	unsigned set, way;
	uint64_t more;
	struct fstat *s = flow_find(tb, &f->key);

	if (s == NULL || !stored(tb, f, &set, &way) ||
	    !flow_sim_preset_count(tb->sim, set, way, count)) {
		fail(tb, "saturation: flow to pre-set not stored");
		return;
	}
	more = flow_ref_preset_count(tb->ref, set, way, count);
	/* the model's counters change now: so do the reference's outputs
	 * still in the delay line (idle clocks) */
	for (unsigned i = 0; i < DELAY; i++) {
		tb->line[i].ref.suppressed_total += more;
		tb->line[i].ref.pending += more;
	}
	/* as if suppressed `more` more times */
	s->misses += more;
	tb->misses += more;
	tb->outstanding += more;
}

static void phase_saturation(struct tb *tb)
{
	struct flow_def f, g[3];
	const unsigned set = prng_below(&tb->rng, SETS);
	struct fstat *s;
	uint64_t carried;
	unsigned long ev;

	reset(tb, 2);
	idle(tb, SETS);
	tb->holdoff = 1000000;

	/* own report: 3 below the top, 6 more suppressions, then a report */
	random_flow(&tb->rng, &f);
	send(tb, &f, 10);
	idle(tb, DELAY + 1);
	preset(tb, &f, UINT32_MAX - 3);
	for (unsigned i = 0; i < 6; i++)
		send(tb, &f, 10);
	idle(tb, DELAY);
	s = flow_find(tb, &f.key);
	carried = s->carried;
	tb->now += tb->holdoff;
	send(tb, &f, 10);
	idle(tb, DELAY);
	if (s->carried - carried != 1 + (uint64_t)UINT32_MAX)
		fail(tb, "saturation: report carried %" PRIu64 ", want 1 + 2^32 - 1",
		    s->carried - carried);
	if (tb->outstanding != 3)
		fail(tb, "saturation: %" PRIu64 " misses pending, want the 3 lost ones",
		    tb->outstanding);

	/* eviction of a saturated flow: two more flows of its set */
	for (unsigned i = 0; i < 3; i++)
		flow_in_set(&tb->rng, &g[i], set);
	send(tb, &g[0], 10);
	send(tb, &g[0], 10);    /* count 1 */
	idle(tb, DELAY + 1);
	preset(tb, &g[0], UINT32_MAX);
	send(tb, &g[0], 10);    /* stays at the top */
	send(tb, &g[1], 10);
	ev = tb->evictions;
	send(tb, &g[2], 10);    /* pushes out g[0], the older */
	idle(tb, DELAY);
	s = flow_find(tb, &g[0].key);
	if (tb->evictions != ev + 1 || s == NULL || s->evicted != 1 ||
	    s->carried != 1 + (uint64_t)UINT32_MAX)
		fail(tb, "saturation: no eviction record with COUNT 2^32 - 1");
	printf("  saturation: report and eviction with COUNT 0x%08" PRIx32 ", "
	    "%" PRIu64 " suppressions lost to it stay pending\n", UINT32_MAX,
	    tb->outstanding);
	reset(tb, 1);
	idle(tb, SETS);
}

/* ---------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------- */

/* flow_ref.h's rows against their generator */
static bool check_rows(void)
{
	uint64_t s = 0x666C6F7766696C74ull;

	for (unsigned i = 0; i < FLOW_KEY_BITS; i++) {
		uint64_t z = (s += 0x9E3779B97F4A7C15ull);

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		z ^= z >> 31;
		if (flow_h3_rows[i] != (uint16_t)(z >> 48))
			return false;
	}
	return true;
}

static bool parse_args(int argc, char **argv, unsigned long long *seed,
    unsigned long *scale)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		char *end;
		unsigned long long v;

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
	}
	return argc % 2 == 1;
}

static unsigned long scaled(unsigned long n, unsigned long scale)
{
	return n * scale / 100;
}

int main(int argc, char **argv)
{
	unsigned long long seed = (unsigned long long)time(NULL);
	unsigned long scale = 100;
	struct tb *tb;
	struct timespec t0, t1;
	double seconds;
	bool ok, covered = true;

	if (!parse_args(argc, argv, &seed, &scale)) {
		fprintf(stderr, "usage: %s [--seed N] [--scale PERCENT]\n", argv[0]);
		return 2;
	}
	printf("flow_filter test bench, seed=%llu\n", seed);
	if (!check_rows()) {
		fprintf(stderr, "flow_ref.h: H3 rows differ from their generator\n");
		return 1;
	}
	tb = calloc(1, sizeof(*tb));
	if (tb == NULL)
		return 1;
	tb->map = calloc(MAP_SIZE, sizeof(*tb->map));
	tb->used = calloc(MAP_SIZE, sizeof(*tb->used));
	tb->ref = flow_ref_create(SETS);
	tb->sim = flow_sim_create((uint32_t)(seed ^ (seed >> 32)));
	if (tb->map == NULL || tb->used == NULL || tb->ref == NULL || tb->sim == NULL) {
		fprintf(stderr, "cannot create the bench\n");
		return 1;
	}
	prng_seed(&tb->rng, seed);
	tb->now = prng_next(&tb->rng) >> 8;

	clock_gettime(CLOCK_MONOTONIC, &t0);
#define PHASE(name, call) do {                         \
		const unsigned long before = tb->inputs;       \
		call;                                          \
		phase_done(tb, name, before);                  \
	} while (0)
	PHASE("reset, walk", phase_walk(tb));
	PHASE("stuck flow", phase_stuck(tb, scaled(100000, scale)));
	PHASE("one set, back to back", phase_same_set(tb, scaled(200000, scale)));
	PHASE("flood, resets", phase_flood(tb, scaled(400000, scale)));
	PHASE("hold-off 0", phase_holdoff0(tb, scaled(50000, scale)));
	PHASE("hold-off 2^64 - 1", phase_holdoff_never(tb, scaled(50000, scale)));
	PHASE("time wrap", phase_wrap(tb, scaled(50000, scale)));
	PHASE("mix", phase_mix(tb, scaled(100000, scale)));
	PHASE("count saturation", phase_saturation(tb));
#undef PHASE
	clock_gettime(CLOCK_MONOTONIC, &t1);
	seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("clocks %" PRIu64 ", records %lu: reported %lu (%lu with COUNT > 0, "
	    "largest %" PRIu64 "), suppressed %lu, eviction records %lu\n",
	    tb->clock, tb->inputs, tb->reports, tb->reports_counted, tb->max_count,
	    tb->suppressed, tb->evictions);
	printf("resets %lu, drains %lu, records with the time of the one before %lu\n",
	    tb->resets, tb->drains, tb->ties);
	printf("records behind a write of their set at distance 1..%d (same flow):", COVER - 1);
	for (unsigned i = 1; i < COVER; i++) {
		printf(" %lu (%lu)", tb->cover_set[i], tb->cover_flow[i]);
		if (tb->cover_flow[i] == 0 || tb->cover_set[i] == tb->cover_flow[i])
			covered = false;
	}
	printf("\n");
	printf("%.1f s, %.0f clocks/s\n", seconds, seconds > 0 ? tb->clock / seconds : 0);

	ok = tb->failures == 0 && tb->suppressed > 0 && tb->evictions > 0 &&
	    tb->reports_counted > 0 && covered;
	printf("test_flow: %s (%lu failures)\n", ok ? "ok" : "FAIL", tb->failures);
	flow_sim_destroy(tb->sim);
	flow_ref_destroy(tb->ref);
	free(tb->used);
	free(tb->map);
	free(tb);
	return ok ? 0 : 1;
}
