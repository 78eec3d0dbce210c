/*
 * spisync -- the card's miss events end to end: classifier -> flow filter
 * -> token bucket -> FIFO -> AXI4 DMA into the ring in (simulated) host
 * memory -> read back the way the driver reads it (driver/event_ring.c).
 *
 * The expectations are built here from the frames the test injects and from
 * the rules in docs/event-ring.md, not from the card's own model:
 *
 *   fields    every SA miss (IPv4, IPv6, plain and UDP-encapsulated ESP,
 *             SPIs 0..255 and 0xFF.., an SPI whose SA has another
 *             destination) gives one record, checked byte for byte; TIME_NS
 *             is the frame's first wire clock plus one constant latency.
 *   ring      a host that stops consuming: the card never overwrites an
 *             unread record, the loss is counted and reported in an
 *             EVENTS_LOST record once the host resumes; then many laps of a
 *             small ring under random host-memory latency and backpressure:
 *             nothing lost without being counted, nothing duplicated, order
 *             kept. Records made while the ring is off, and records whose
 *             write fails (ring outside host memory), are reported lost.
 *   stuck     one flow repeated over many hold-off intervals next to a
 *             second flow: one record per interval, exactly when the
 *             interval has passed, and the suppressed counts add up to the
 *             drops.
 *   sa        an SA's soft and hard lifetimes give one record each, its
 *             AUTH_FAIL and REPLAY drops one record when they reach the
 *             threshold within a burst interval (again in the next one),
 *             none with the threshold 0.
 *   flood     --flood N frames with random SPIs back to back: the drop
 *             counters are exact, nothing is tail-dropped (the datapath
 *             takes a beat every clock), the records stay inside the token
 *             bucket's bound, and records + EVENTS_LOST + the flow table's
 *             pending count account for every miss.
 *
 *   test_events [--width 128|512] [--seed N] [--flood N] [--only NAME]
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "card_ctl.h"
#include "card_sim.h"
#include "frame_build.h"
#include "host_mem.h"
#include "prng.h"
#include "spisync_hw.h"

#define MAX_FRAME 256u

struct options {
	unsigned width;
	uint64_t seed;
	unsigned long flood;
	const char *only;
};

struct bench {
	const struct options *opt;
	struct card_sim *card;
	struct card_ctl *ctl;
	struct prng rng;
	uint32_t time_inc;	/* TIME_INC: ns per clock in 8.24 */
	uint64_t reset_cycle;	/* card_sim_cycles() when TIME_NS was 0 */
	unsigned failures;
};

/* One miss frame as sent, and what its record must say. */
struct sent {
	uint8_t data[MAX_FRAME];
	size_t len;
	uint8_t want[SPISYNC_EVENT_BYTES];	/* TIME_NS and PHASE left 0 */
	uint64_t arrival;
	uint32_t spi;
	uint8_t src[16], dst[16];
	bool ipv6;
};

static unsigned fail_count;

static void
fail(struct bench *b, const char *what, const char *detail)
{
	fprintf(stderr, "test_events: FAIL: %s%s%s (seed %" PRIu64 ")\n", what,
	    detail ? ": " : "", detail ? detail : "", b->opt->seed);
	b->failures++;
	fail_count++;
}

#define REC(r, name) load_le((r) + SPISYNC_EVF_##name##_OFF, SPISYNC_EVF_##name##_BYTES)

/* ------------------------------------------------------------------ */
/* the card */

static int
bench_open(struct bench *b, const struct options *opt, uint64_t salt)
{
	char err[256];

	memset(b, 0, sizeof(*b));
	b->opt = opt;
	prng_seed(&b->rng, opt->seed ^ salt);
	b->card = card_sim_create(opt->width);
	if (b->card == NULL) {
		fprintf(stderr, "test_events: no %u-bit card model\n", opt->width);
		return -1;
	}
	/* TIME_NS counts from the reset: the clock of the reset is where the
	 * card's time is 0 (checked against the records below) */
	if (card_ctl_open(b->card, &b->ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "test_events: %s\n", err);
		return -1;
	}
	b->time_inc = card_sim_mmio_read(b->card, SPISYNC_REG_TIME_INC);
	return 0;
}

static void
bench_close(struct bench *b)
{
	/* the model's own checks, among them event_gate's lookahead of the
	 * card time and EVENT_LOST_NS */
	if (card_sim_protocol_error(b->card))
		fail(b, "card protocol_error (or the event gate's time lookahead"
		    " disagreeing with TIME_NS / EVENT_LOST_NS)", NULL);
	card_ctl_close(b->ctl);
	card_sim_destroy(b->card);
}

static uint32_t
reg(struct bench *b, uint32_t off)
{
	return card_sim_mmio_read(b->card, off);
}

static void
set_reg(struct bench *b, uint32_t off, uint32_t v)
{
	card_sim_mmio_write(b->card, off, v);
}

static uint64_t
counter(struct bench *b, unsigned reason)
{
	uint64_t c[SPISYNC_NUM_REASONS];

	card_ctl_counters(b->ctl, c);
	return c[reason];
}

static uint64_t
misses(struct bench *b)
{
	uint64_t c[SPISYNC_NUM_REASONS];

	card_ctl_counters(b->ctl, c);
	return c[SPISYNC_R_SA_NOT_FOUND_V4] + c[SPISYNC_R_SA_NOT_FOUND_V6] +
	    c[SPISYNC_R_SA_NOT_FOUND_NATT_V4] + c[SPISYNC_R_SA_NOT_FOUND_NATT_V6] +
	    c[SPISYNC_R_SPI_RESERVED];
}

/* card time of a clock: (clock - reset) * TIME_INC in 8.24 */
static uint64_t
card_time(const struct bench *b, uint64_t clock)
{
	const unsigned __int128 acc = (unsigned __int128)(clock - b->reset_cycle) *
	    b->time_inc;

	return (uint64_t)(acc >> 24);
}

/* ------------------------------------------------------------------ */
/* frames */

enum { KIND_V4, KIND_V6, KIND_V4_UDP, KIND_V6_UDP, KINDS };

static const uint8_t MAC_DST[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_SRC[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void
addr_for(struct prng *rng, bool ipv6, uint8_t out[16], unsigned host)
{
	memset(out, 0, 16);
	if (ipv6) {
		/* 2001:db8::/32 documentation prefix */
		out[0] = 0x20;
		out[1] = 0x01;
		out[2] = 0x0d;
		out[3] = 0xb8;
		prng_fill(rng, out + 4, 12);
	} else {
		/* 198.18.0.0/15 benchmarking range */
		out[0] = 198;
		out[1] = (uint8_t)(18 + (host >> 16 & 1));
		out[2] = (uint8_t)(host >> 8);
		out[3] = (uint8_t)host;
	}
}

/* An ESP frame for a flow (src, dst, spi) that the card does not know,
 * and the record it must produce. */
static int
make_miss(struct bench *b, struct sent *s, unsigned kind, uint32_t spi,
    const uint8_t src[16], const uint8_t dst[16], size_t payload_len,
    unsigned icv_len)
{
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    13, 14, 15, 16 };
	const bool ipv6 = kind == KIND_V6 || kind == KIND_V6_UDP;
	const bool udp = kind == KIND_V4_UDP || kind == KIND_V6_UDP;
	uint8_t payload[64];
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_udp u;
	struct fb_esp esp;
	struct fb_info info;
	uint8_t *w = s->want;

	memset(&eth, 0, sizeof(eth));
	memcpy(eth.dst, MAC_DST, 6);
	memcpy(eth.src, MAC_SRC, 6);
	eth.pad_min = true;
	memset(&ip, 0, sizeof(ip));
	ip.ipv6 = ipv6;
	memcpy(ip.src, src, 16);
	memcpy(ip.dst, dst, 16);
	ip.ttl = 64;
	memset(&u, 0, sizeof(u));
	u.sport = (uint16_t)(1024 + prng_below(&b->rng, 60000));
	u.dport = 4500;
	u.zero_csum = !ipv6;
	memset(&esp, 0, sizeof(esp));
	esp.spi = spi;
	esp.seq = 1 + prng_below(&b->rng, 0xFFFFFFFEu);
	prng_fill(&b->rng, esp.iv, sizeof(esp.iv));
	esp.key = key;
	esp.key_len = 16;
	esp.icv_len = icv_len;
	esp.next_header = 4;
	prng_fill(&b->rng, payload, sizeof(payload));
	if (payload_len > sizeof(payload))
		payload_len = sizeof(payload);
	if (fb_esp_frame(s->data, sizeof(s->data), &eth, &ip, udp ? &u : NULL,
	    &esp, payload, payload_len, &info) != 0)
		return -1;
	s->len = info.len;
	s->spi = spi;
	s->ipv6 = ipv6;
	memcpy(s->src, src, 16);
	memcpy(s->dst, dst, 16);

	memset(w, 0, SPISYNC_EVENT_BYTES);
	w[SPISYNC_EVF_TYPE_OFF] = spi < 256 ? SPISYNC_EV_SPI_RESERVED : SPISYNC_EV_SA_MISS;
	w[SPISYNC_EVF_FLAGS_OFF] = (uint8_t)((ipv6 ? SPISYNC_EV_FLAG_IPV6 : 0) |
	    (udp ? SPISYNC_EV_FLAG_UDP : 0));
	store_le16(w + SPISYNC_EVF_FRAME_LEN_OFF, (uint32_t)s->len);
	store_le32(w + SPISYNC_EVF_SPI_OFF, spi);
	memcpy(w + SPISYNC_EVF_SRC_OFF, src, ipv6 ? 16 : 4);
	memcpy(w + SPISYNC_EVF_DST_OFF, dst, ipv6 ? 16 : 4);
	store_le32(w + SPISYNC_EVF_SEQ_OFF, (uint32_t)esp.seq);
	if (udp) {
		store_le16(w + SPISYNC_EVF_SPORT_OFF, u.sport);
		store_le16(w + SPISYNC_EVF_DPORT_OFF, u.dport);
	}
	store_le16(w + SPISYNC_EVF_SA_INDEX_OFF, SPISYNC_SA_INDEX_NONE);
	return 0;
}

static uint64_t arrivals;	/* frames pushed since the last reset */

static void
push(struct bench *b, struct sent *s)
{
	s->arrival = arrivals++;
	store_le16(s->want + SPISYNC_EVF_RX_SEQ_OFF, (uint32_t)(s->arrival & 0xFFFF));
	if (card_sim_push_frame(b->card, s->data, s->len, false) != 0)
		fail(b, "push_frame refused a frame", NULL);
}

/* ------------------------------------------------------------------ */
/* records */

struct recs {
	uint8_t (*r)[SPISYNC_EVENT_BYTES];
	size_t n, cap;
};

static void
recs_pull(struct bench *b, struct recs *rs)
{
	uint8_t rec[SPISYNC_EVENT_BYTES];

	while (card_sim_pull_event(b->card, rec) == 1) {
		if (rs->n == rs->cap) {
			rs->cap = rs->cap ? 2 * rs->cap : 1024;
			rs->r = realloc(rs->r, rs->cap * SPISYNC_EVENT_BYTES);
			if (rs->r == NULL) {
				perror("test_events");
				exit(2);
			}
		}
		memcpy(rs->r[rs->n++], rec, SPISYNC_EVENT_BYTES);
	}
}

/* The clock of a frame's last beat on the wire: the card classifies a frame
 * once it has all of it (the ICV is at the end). */
static bool
frame_end(struct bench *b, uint64_t arrival, size_t len, uint64_t *clock)
{
	const size_t beat = b->opt->width / 8;
	uint64_t start;

	if (!card_sim_frame_start(b->card, arrival, &start))
		return false;
	*clock = start + (len + beat - 1) / beat - 1;
	return true;
}

/* The latency from a frame's last wire clock to its TIME_NS must be one
 * constant: *latency is set by the first record and checked for the rest
 * (time is strictly increasing per clock, so one clock matches at most). */
static bool
time_matches(struct bench *b, const uint8_t *rec, uint64_t arrival,
    size_t len, long *latency)
{
	const uint64_t t = REC(rec, TIME_NS);
	uint64_t start;

	if (!frame_end(b, arrival, len, &start))
		return false;
	if (*latency < 0) {
		for (long l = 0; l < 4096; l++)
			if (card_time(b, start + (uint64_t)l) == t) {
				*latency = l;
				return true;
			}
		return false;
	}
	return card_time(b, start + (uint64_t)*latency) == t;
}

static void
drain(struct bench *b, uint64_t max)
{
	if (!card_sim_drain(b->card, max))
		fail(b, "the card did not drain", NULL);
}

/* ------------------------------------------------------------------ */
/* fields: one record per miss, byte for byte */

static void
test_fields(const struct options *opt)
{
	struct bench b;
	struct recs rs = { 0 };
	struct sent *sent;
	size_t n = 0;
	long latency = -1;
	uint8_t dst_known[16], dst_other[16];
	struct model_sa sa;
	uint32_t index;
	const size_t max = 2048;

	if (bench_open(&b, opt, 0x6669656c6473ull) != 0)
		exit(2);
	arrivals = 0;
	sent = calloc(max, sizeof(*sent));
	if (sent == NULL)
		exit(2);
	card_ctl_event_filter(b.ctl, 0, 0, 1);
	if (card_sim_events_enable(b.card, 12) != 0)
		exit(2);

	/* an SA for 0x1000 -> dst_known: the same SPI to another
	 * destination is a miss */
	addr_for(&b.rng, false, dst_known, 1);
	addr_for(&b.rng, false, dst_other, 2);
	memset(&sa, 0, sizeof(sa));
	sa.spi = 0x1000;
	memcpy(sa.dst, dst_known, 16);
	sa.key_len = 16;
	sa.icv_len = 16;
	if (card_ctl_sa_add(b.ctl, &sa, &index) != SA_OK)
		fail(&b, "SA install", NULL);

	for (unsigned spi = 0; spi < 256 + 40 && n < max; spi++) {
		uint32_t s = spi < 256 ? spi : (spi < 276 ? 0xFFFFFFFFu - (spi - 256) :
		    0xFFFFFF00u + (spi - 276) * 7);
		const unsigned kind = prng_below(&b.rng, KINDS);
		uint8_t src[16], dst[16];

		/* SPI 0 over UDP 4500 is the non-ESP marker (IKE), not ESP */
		if (s == 0 && (kind == KIND_V4_UDP || kind == KIND_V6_UDP))
			continue;
		addr_for(&b.rng, kind == KIND_V6 || kind == KIND_V6_UDP, src, 100 + spi);
		addr_for(&b.rng, kind == KIND_V6 || kind == KIND_V6_UDP, dst, 200 + spi);
		if (make_miss(&b, &sent[n], kind, s, src, dst,
		    prng_below(&b.rng, 64), 16) != 0) {
			fail(&b, "frame build", NULL);
			break;
		}
		n++;
	}
	for (unsigned i = 0; i < 64 && n < max; i++, n++) {
		uint8_t src[16];

		addr_for(&b.rng, false, src, 300 + i);
		if (make_miss(&b, &sent[n], prng_below(&b.rng, 2) ? KIND_V4 : KIND_V4_UDP,
		    0x1000, src, dst_other, 16, 12) != 0)
			fail(&b, "frame build", NULL);
	}
	for (size_t i = 0; i < n; i++) {
		card_sim_set_gap(b.card, prng_below(&b.rng, 4) == 0 ? prng_below(&b.rng, 50) : 0);
		push(&b, &sent[i]);
		if (i % 64 == 63) {
			card_sim_step(b.card, 200);
			recs_pull(&b, &rs);
		}
	}
	drain(&b, 1000000);
	recs_pull(&b, &rs);

	if (rs.n != n) {
		char d[96];
		snprintf(d, sizeof(d), "%zu records for %zu misses", rs.n, n);
		fail(&b, "record count", d);
	}
	for (size_t i = 0; i < rs.n && i < n; i++) {
		uint8_t got[SPISYNC_EVENT_BYTES];
		const uint64_t rx = REC(rs.r[i], RX_SEQ);

		memcpy(got, rs.r[i], sizeof(got));
		if (!time_matches(&b, got, sent[i].arrival, sent[i].len, &latency)) {
			char d[96];
			snprintf(d, sizeof(d), "record %zu: TIME_NS %" PRIu64, i,
			    REC(got, TIME_NS));
			fail(&b, "TIME_NS is not the frame's last beat + constant latency", d);
		}
		if (!(got[SPISYNC_EVF_FLAGS_OFF] & SPISYNC_EV_FLAG_PHASE))
			fail(&b, "first-lap record without phase 1", NULL);
		got[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
		memset(got + SPISYNC_EVF_TIME_NS_OFF, 0, SPISYNC_EVF_TIME_NS_BYTES);
		if (memcmp(got, sent[i].want, sizeof(got)) != 0) {
			char d[96];
			snprintf(d, sizeof(d), "record %zu (RX_SEQ %" PRIu64 ", SPI 0x%08x)",
			    i, rx, sent[i].spi);
			fail(&b, "record differs from the frame", d);
			for (unsigned k = 0; k < SPISYNC_EVENT_BYTES; k++)
				if (got[k] != sent[i].want[k])
					fprintf(stderr, "  byte %u: 0x%02x, want 0x%02x\n",
					    k, got[k], sent[i].want[k]);
			break;
		}
	}
	if (misses(&b) != n)
		fail(&b, "drop counters do not count every miss", NULL);
	if (card_ctl_events_lost(b.ctl) != 0)
		fail(&b, "records lost with an idle ring", NULL);
	printf("test_events: fields, %u bits: %zu misses (IPv4/IPv6, ESP/UDP, SPIs "
	    "0..255 and 0xFF..), %zu records exact, TIME_NS = last wire beat + %ld "
	    "clocks\n", opt->width, n, rs.n, latency);
	free(rs.r);
	free(sent);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */
/* ring: full, resume, laps under a slow host, disabled, write errors */

/* Every record of a miss must come once and in order; EVENTS_LOST adds up
 * the rest. Returns misses accounted for. */
static uint64_t
account(struct bench *b, const struct recs *rs, uint64_t *next_rx,
    uint64_t *lost_records, const char *what)
{
	uint64_t seen = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const uint8_t *r = rs->r[i];

		if (r[SPISYNC_EVF_TYPE_OFF] == SPISYNC_EV_EVENTS_LOST) {
			if (REC(r, COUNT) != REC(r, LOST_MISSES))
				fail(b, what, "EVENTS_LOST: misses differ from records "
				    "(each record stood for one miss here)");
			*lost_records += REC(r, COUNT);
			seen += REC(r, LOST_MISSES);
			continue;
		}
		if (r[SPISYNC_EVF_TYPE_OFF] != SPISYNC_EV_SA_MISS) {
			fail(b, what, "unexpected record type");
			continue;
		}
		/* arrivals grow by one per frame; records may skip lost ones
		 * but never go back or repeat */
		const uint64_t rx = REC(r, RX_SEQ);
		if (((rx - *next_rx) & 0xFFFF) >= 0x8000) {
			char d[80];
			snprintf(d, sizeof(d), "RX_SEQ %" PRIu64 " after %" PRIu64,
			    rx, (*next_rx - 1) & 0xFFFF);
			fail(b, what, d);
		}
		*next_rx = rx + 1;
		seen++;
	}
	return seen;
}

static void
send_misses(struct bench *b, unsigned count, struct recs *rs, bool consume,
    unsigned spacing)
{
	struct sent s;
	uint8_t src[16], dst[16];

	addr_for(&b->rng, false, src, 7);
	addr_for(&b->rng, false, dst, 8);
	for (unsigned i = 0; i < count; i++) {
		if (make_miss(b, &s, KIND_V4, 0x10000 + (uint32_t)arrivals, src, dst, 8, 16) != 0)
			fail(b, "frame build", NULL);
		push(b, &s);
		card_sim_step(b->card, 1 + prng_below(&b->rng, spacing));
		if (consume && prng_below(&b->rng, 4) == 0)
			recs_pull(b, rs);
	}
}

static void
test_ring(const struct options *opt)
{
	struct bench b;
	struct recs rs = { 0 };
	uint64_t next_rx = 0, lost = 0, seen;
	uint32_t status;
	const unsigned full_log2 = 4, fifo = 64;
	enum { LOST_NS = 20000, LOST_WAIT_CLOCKS = LOST_NS / 3 + 2000 };

	if (bench_open(&b, opt, 0x72696e67ull) != 0)
		exit(2);
	arrivals = 0;
	card_ctl_event_filter(b.ctl, 0, 0, 1);
	set_reg(&b, SPISYNC_REG_EVENT_LOST_NS, LOST_NS);

	/* 1. off: records are counted lost, reported when the ring starts */
	send_misses(&b, 10, &rs, false, 8);
	drain(&b, 100000);
	if (card_ctl_events_lost(b.ctl) != 10)
		fail(&b, "ring off", "EVENTS_LOST is not the 10 misses sent");

	/* 2. a host that stops consuming: 16 records fill the ring, the FIFO
	 * takes its share, the rest is lost and counted */
	if (card_sim_events_enable(b.card, full_log2) != 0)
		exit(2);
	send_misses(&b, 300, &rs, false, 8);
	drain(&b, 100000);
	status = reg(&b, SPISYNC_REG_RING_STATUS);
	if (!(status & 2u))
		fail(&b, "stopped consumer", "RING_STATUS does not say full");
	if (reg(&b, SPISYNC_REG_RING_PROD) != (1u << full_log2))
		fail(&b, "stopped consumer", "RING_PROD is not the ring size");
	{
		/* the unread records are untouched: the memory holds exactly
		 * what the first lap wrote */
		const uint8_t *mem = host_mem_data(card_sim_host_mem(b.card));
		uint8_t snap[16 * SPISYNC_EVENT_BYTES];

		memcpy(snap, mem, sizeof(snap));
		card_sim_step(b.card, 5000);
		if (memcmp(snap, mem, sizeof(snap)) != 0)
			fail(&b, "stopped consumer", "the card overwrote unread records");
	}
	recs_pull(&b, &rs);	/* resume */
	for (int round = 0; round < 50; round++) {
		card_sim_step(b.card, 200);
		recs_pull(&b, &rs);
	}
	/* the lost record waits at most EVENT_LOST_NS */
	card_sim_step(b.card, LOST_WAIT_CLOCKS);
	recs_pull(&b, &rs);
	seen = account(&b, &rs, &next_rx, &lost, "stopped consumer");
	if (seen != 310)
		fail(&b, "stopped consumer", "records + EVENTS_LOST do not add up to the misses");
	if (lost != card_ctl_events_lost(b.ctl))
		fail(&b, "stopped consumer", "EVENTS_LOST records do not add up to the register");
	printf("test_events: ring, %u bits: off: 10 lost and reported; stopped "
	    "consumer: ring of %u + FIFO %u kept, %" PRIu64 " lost, all reported "
	    "after resuming\n", opt->width, 1u << full_log2, fifo, lost - 10);

	/* 3. many laps of a 64-record ring under a slow, erratic host */
	{
		struct host_mem *hm = card_sim_host_mem(b.card);
		const unsigned total = 20000;
		uint64_t lost_before = lost;

		rs.n = 0;
		if (card_sim_events_enable(b.card, 6) != 0)
			exit(2);
		next_rx = arrivals & 0xFFFF;
		for (unsigned chunk = 0; chunk < total / 500; chunk++) {
			host_mem_set_timing(hm, prng_below(&b.rng, 4) == 0 ? 0 :
			    prng_below(&b.rng, 300), 30 + prng_below(&b.rng, 71),
			    30 + prng_below(&b.rng, 71), prng_next(&b.rng));
			send_misses(&b, 500, &rs, true, 40);
		}
		drain(&b, 1000000);
		recs_pull(&b, &rs);
		card_sim_step(b.card, LOST_WAIT_CLOCKS);
		recs_pull(&b, &rs);
		seen = account(&b, &rs, &next_rx, &lost, "laps");
		if (seen != total)
			fail(&b, "laps", "records + EVENTS_LOST do not add up to the misses");
		if (lost != card_ctl_events_lost(b.ctl))
			fail(&b, "laps", "EVENTS_LOST records do not add up to the register");
		if (host_mem_protocol_errors(hm) != 0)
			fail(&b, "laps", "AXI4 protocol error at the host memory");
		printf("test_events: ring laps, %u bits: %u misses through a "
		    "64-record ring (%u laps) with host latency 0..300 clocks and "
		    "30..100%% ready: %zu records, %" PRIu64 " lost and reported\n",
		    opt->width, total, total / 64, rs.n, lost - lost_before);
		host_mem_set_timing(hm, 8, 100, 100, 1);
	}

	/* 4. a ring outside host memory: DECERR, counted, reported after a
	 * good ring is set up */
	{
		uint64_t errors_before = reg(&b, SPISYNC_REG_RING_WRITE_ERRORS);

		rs.n = 0;
		set_reg(&b, SPISYNC_REG_RING_CTRL, 0);
		set_reg(&b, SPISYNC_REG_RING_BASE_LO, 0);
		set_reg(&b, SPISYNC_REG_RING_BASE_HI, 0x40);
		set_reg(&b, SPISYNC_REG_RING_CONS, 0);
		set_reg(&b, SPISYNC_REG_RING_CTRL, 1);
		send_misses(&b, 5, &rs, false, 8);
		drain(&b, 100000);
		/* the 5 records, and an EVENTS_LOST record if the laps left
		 * losses to report */
		const uint64_t errors = reg(&b, SPISYNC_REG_RING_WRITE_ERRORS) - errors_before;
		if (errors != 5 && errors != 6) {
			char d[64];
			snprintf(d, sizeof(d), "%" PRIu64 " write errors for 5 records", errors);
			fail(&b, "bad base", d);
		}
		if (!(reg(&b, SPISYNC_REG_RING_STATUS) & 8u))
			fail(&b, "bad base", "RING_STATUS has no write error");
		if (card_sim_events_enable(b.card, 6) != 0)
			exit(2);
		card_sim_step(b.card, 2000);
		recs_pull(&b, &rs);
		if (rs.n < 1 || rs.r[0][0] != SPISYNC_EV_EVENTS_LOST ||
		    REC(rs.r[0], COUNT) < 5)
			fail(&b, "bad base", "no EVENTS_LOST record for the failed writes");
		if (reg(&b, SPISYNC_REG_RING_STATUS) & 8u)
			fail(&b, "bad base", "the write error stayed after re-enabling");
	}
	free(rs.r);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */
/* stuck: one flow over many hold-off intervals */

struct flow_check {
	bool reported_once;
	uint64_t last;		/* TIME_NS of its last record */
	uint64_t held;		/* misses since then */
	uint64_t misses, records, sum;
};

static void
test_stuck(const struct options *opt)
{
	struct bench b;
	struct recs rs = { 0 };
	enum { FLOWS = 2, INTERVALS = 30 };
	const uint64_t holdoff = 20000;	/* ns */
	struct sent *sent;
	size_t n = 0, max = 0;
	uint8_t src[FLOWS][16], dst[16];
	const uint32_t spi[FLOWS] = { 0xB761863Eu, 0x0BADF00Du };
	struct flow_check fc[FLOWS];
	long latency = -1;
	size_t ri = 0;

	if (bench_open(&b, opt, 0x737475636bull) != 0)
		exit(2);
	arrivals = 0;
	card_ctl_event_filter(b.ctl, holdoff, 0, 1);
	if (card_sim_events_enable(b.card, 10) != 0)
		exit(2);
	for (unsigned f = 0; f < FLOWS; f++)
		addr_for(&b.rng, false, src[f], 40 + f);
	addr_for(&b.rng, false, dst, 50);
	memset(fc, 0, sizeof(fc));

	/* flow 0 about every 300 clocks (1 us), flow 1 every ~3000, for
	 * INTERVALS hold-offs */
	max = (size_t)(INTERVALS * holdoff / 900) + 1000;
	sent = calloc(max, sizeof(*sent));
	if (sent == NULL)
		exit(2);
	{
		const uint64_t start = card_sim_cycles(b.card);
		const uint64_t end_time = card_time(&b, start) + INTERVALS * holdoff;

		while (n < max && card_time(&b, card_sim_cycles(b.card)) < end_time) {
			const unsigned f = prng_below(&b.rng, 10) == 0;

			if (make_miss(&b, &sent[n], KIND_V4, spi[f], src[f], dst, 8, 16) != 0)
				fail(&b, "frame build", NULL);
			push(&b, &sent[n]);
			n++;
			card_sim_step(b.card, 100 + prng_below(&b.rng, 400));
			if (n % 32 == 0)
				recs_pull(&b, &rs);
		}
	}
	drain(&b, 100000);
	recs_pull(&b, &rs);

	/* walk the frames in arrival order, applying the rule to each with
	 * its own card time; records must match one to one */
	for (size_t i = 0; i < n; i++) {
		const unsigned f = sent[i].spi == spi[1];
		uint64_t start, t;
		struct flow_check *c = &fc[f];

		if (!frame_end(&b, sent[i].arrival, sent[i].len, &start)) {
			fail(&b, "stuck", "frame never went out");
			break;
		}
		c->misses++;
		if (latency < 0) {
			/* the first frame is reported: calibrate on it */
			if (ri >= rs.n || !time_matches(&b, rs.r[ri], sent[i].arrival,
			    sent[i].len, &latency)) {
				fail(&b, "stuck", "first record missing or off in time");
				break;
			}
		}
		t = card_time(&b, start + (uint64_t)latency);
		if (c->reported_once && t - c->last < holdoff) {
			c->held++;
			continue;
		}
		/* reported now, carrying what was held */
		if (ri >= rs.n) {
			fail(&b, "stuck", "a record the hold-off allows never came");
			break;
		}
		const uint8_t *r = rs.r[ri++];
		if (REC(r, RX_SEQ) != (sent[i].arrival & 0xFFFF) || REC(r, SPI) != spi[f] ||
		    REC(r, COUNT) != c->held || REC(r, TIME_NS) != t) {
			char d[160];
			snprintf(d, sizeof(d), "frame %zu flow %u: record RX_SEQ %" PRIu64
			    " COUNT %" PRIu64 " TIME %" PRIu64 ", want RX_SEQ %" PRIu64
			    " COUNT %" PRIu64 " TIME %" PRIu64, i, f, REC(r, RX_SEQ),
			    REC(r, COUNT), REC(r, TIME_NS), sent[i].arrival & 0xFFFF,
			    c->held, t);
			fail(&b, "stuck: record not as the hold-off rule says", d);
			break;
		}
		c->records++;
		c->sum += 1 + c->held;
		c->held = 0;
		c->last = t;
		c->reported_once = true;
	}
	if (ri != rs.n)
		fail(&b, "stuck", "more records than the hold-off allows");
	{
		const uint64_t pending = card_ctl_read64(b.ctl, SPISYNC_REG_FLOW_PENDING_LO);
		const uint64_t suppressed = card_ctl_read64(b.ctl, SPISYNC_REG_FLOW_SUPPRESSED_LO);
		uint64_t held = 0, total_sup = 0;

		for (unsigned f = 0; f < FLOWS; f++) {
			held += fc[f].held;
			total_sup += fc[f].misses - fc[f].records;
			if (fc[f].sum + fc[f].held != fc[f].misses)
				fail(&b, "stuck", "suppressed counts do not add up to the misses");
		}
		if (pending != held)
			fail(&b, "stuck", "FLOW_PENDING is not what the records leave over");
		if (suppressed != total_sup)
			fail(&b, "stuck", "FLOW_SUPPRESSED is not the misses not reported");
		if (misses(&b) != n)
			fail(&b, "stuck", "drop counter");
		/* each record comes with the first miss after its hold-off
		 * (checked above), so the intervals are the hold-off plus the
		 * wait for that miss (about 1 us here, rarely 3) */
		if (fc[0].records > INTERVALS + 1 ||
		    fc[0].records * (holdoff + 3000) < (uint64_t)INTERVALS * holdoff)
			fail(&b, "stuck", "not one record per hold-off interval");
	}
	printf("test_events: stuck flow, %u bits: %" PRIu64 " misses over %d "
	    "hold-offs of %" PRIu64 " ns -> %" PRIu64 " records (second flow: %"
	    PRIu64 " misses, %" PRIu64 " records); counts add up exactly\n",
	    opt->width, fc[0].misses, INTERVALS, holdoff, fc[0].records,
	    fc[1].misses, fc[1].records);
	free(rs.r);
	free(sent);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */
/* SA events: soft and hard lifetime, AUTH_FAIL and REPLAY bursts */

struct sa_frame_plan {
	const struct model_sa *sa;
	const uint8_t *src;
	bool bad_key;
};

static int
make_sa_frame(struct bench *b, const struct sa_frame_plan *pl, uint64_t seq,
    struct sent *s)
{
	static const uint8_t wrong_key[16] = { 0xEE };
	uint8_t payload[40];
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_esp esp;
	struct fb_info info;

	memset(&eth, 0, sizeof(eth));
	memcpy(eth.dst, MAC_DST, 6);
	memcpy(eth.src, MAC_SRC, 6);
	eth.pad_min = true;
	memset(&ip, 0, sizeof(ip));
	memcpy(ip.src, pl->src, 16);
	memcpy(ip.dst, pl->sa->dst, 16);
	ip.ttl = 64;
	memset(&esp, 0, sizeof(esp));
	esp.spi = pl->sa->spi;
	esp.seq = seq;
	prng_fill(&b->rng, esp.iv, sizeof(esp.iv));
	esp.key = pl->bad_key ? wrong_key : pl->sa->key;
	esp.key_len = 16;
	memcpy(esp.salt, pl->sa->salt, 4);
	esp.icv_len = pl->sa->icv_len;
	esp.next_header = 17;
	prng_fill(&b->rng, payload, sizeof(payload));
	if (fb_esp_frame(s->data, sizeof(s->data), &eth, &ip, NULL, &esp, payload,
	    sizeof(payload), &info) != 0)
		return -1;
	s->len = info.len;
	s->spi = pl->sa->spi;
	/* the record an SA event for this frame carries */
	memset(s->want, 0, sizeof(s->want));
	store_le32(s->want + SPISYNC_EVF_SPI_OFF, pl->sa->spi);
	memcpy(s->want + SPISYNC_EVF_SRC_OFF, pl->src, 4);
	memcpy(s->want + SPISYNC_EVF_DST_OFF, pl->sa->dst, 4);
	store_le32(s->want + SPISYNC_EVF_SEQ_OFF, (uint32_t)seq);
	return 0;
}

struct want_ev {
	uint8_t type;
	uint64_t arrival;
	uint32_t count;
	uint8_t rec[SPISYNC_EVENT_BYTES];
};

static void
send_sa(struct bench *b, const struct sa_frame_plan *pl, uint64_t seq,
    uint32_t index, uint8_t ev_type, uint32_t count, struct want_ev *want,
    size_t *n_want)
{
	struct sent s;

	if (make_sa_frame(b, pl, seq, &s) != 0) {
		fail(b, "SA frame build", NULL);
		return;
	}
	push(b, &s);
	card_sim_step(b->card, 20);
	if (ev_type == 0)
		return;
	want[*n_want].type = ev_type;
	want[*n_want].arrival = s.arrival;
	want[*n_want].count = count;
	memcpy(want[*n_want].rec, s.want, SPISYNC_EVENT_BYTES);
	want[*n_want].rec[SPISYNC_EVF_TYPE_OFF] = ev_type;
	store_le32(want[*n_want].rec + SPISYNC_EVF_COUNT_OFF, count);
	store_le16(want[*n_want].rec + SPISYNC_EVF_SA_INDEX_OFF, index);
	store_le16(want[*n_want].rec + SPISYNC_EVF_RX_SEQ_OFF, (uint32_t)(s.arrival & 0xFFFF));
	(*n_want)++;
}

static void
test_sa_events(const struct options *opt)
{
	struct bench b;
	struct recs rs = { 0 };
	struct model_sa sa;
	struct sa_frame_plan good, bad;
	struct want_ev want[16];
	size_t n_want = 0;
	uint8_t src[16];
	uint32_t index;
	uint64_t seq = 1;
	const uint32_t af_thr = 5, rp_thr = 3;
	const uint64_t interval = 50000;	/* ns */

	if (bench_open(&b, opt, 0x73616576ull) != 0)
		exit(2);
	arrivals = 0;
	card_ctl_event_filter(b.ctl, 0, 0, 1);
	set_reg(&b, SPISYNC_REG_AUTH_FAIL_BURST, af_thr);
	set_reg(&b, SPISYNC_REG_REPLAY_BURST, rp_thr);
	set_reg(&b, SPISYNC_REG_BURST_INTERVAL_NS_LO, (uint32_t)interval);
	set_reg(&b, SPISYNC_REG_BURST_INTERVAL_NS_HI, 0);
	if (card_sim_events_enable(b.card, 8) != 0)
		exit(2);
	memset(&sa, 0, sizeof(sa));
	sa.spi = 0x5A5A0001u;
	addr_for(&b.rng, false, sa.dst, 90);
	prng_fill(&b.rng, sa.key, 16);
	sa.key_len = 16;
	prng_fill(&b.rng, sa.salt, 4);
	sa.icv_len = 16;
	sa.mode = SA_MODE_TRANSPORT;
	sa.soft_packets = 30;
	sa.hard_packets = 40;
	sa.gen = 1;
	if (card_ctl_sa_add(b.ctl, &sa, &index) != SA_OK) {
		fail(&b, "SA install", NULL);
		exit(1);
	}
	addr_for(&b.rng, false, src, 91);
	good.sa = &sa;
	good.src = src;
	good.bad_key = false;
	bad = good;
	bad.bad_key = true;

	/* bursts first, inside one interval: the epoch steps every 50 us,
	 * so start right after a step (16,000 clocks = 50 us) */
	for (unsigned i = 0; i < 7; i++)
		send_sa(&b, &bad, 1000 + i, index, i == af_thr - 1 ?
		    SPISYNC_EV_AUTH_FAIL_BURST : 0, af_thr, want, &n_want);
	for (unsigned i = 0; i < 2; i++)
		send_sa(&b, &good, seq++, index, 0, 0, want, &n_want);
	for (unsigned i = 0; i < 4; i++)	/* the same sequence number again */
		send_sa(&b, &good, 1, index, i == rp_thr - 1 ?
		    SPISYNC_EV_REPLAY_BURST : 0, rp_thr, want, &n_want);
	/* a new interval: the counts start again */
	card_sim_step(b.card, interval * 1000 / 3103 + 100);
	for (unsigned i = 0; i < af_thr; i++)
		send_sa(&b, &bad, 2000 + i, index, i == af_thr - 1 ?
		    SPISYNC_EV_AUTH_FAIL_BURST : 0, af_thr, want, &n_want);
	/* lifetimes: packets 3..29 quiet, the 30th crosses the soft limit,
	 * 31..40 quiet, the 41st is refused and raises the hard expiry once */
	for (; seq <= 45; seq++)
		send_sa(&b, &good, seq, index, seq == 30 ? SPISYNC_EV_SA_SOFT_EXPIRY :
		    seq == 41 ? SPISYNC_EV_SA_HARD_EXPIRY : 0, 0, want, &n_want);
	/* bursts off: nothing */
	set_reg(&b, SPISYNC_REG_AUTH_FAIL_BURST, 0);
	card_sim_step(b.card, interval * 1000 / 3103 + 100);
	for (unsigned i = 0; i < 10; i++)
		send_sa(&b, &bad, 3000 + i, index, 0, 0, want, &n_want);
	drain(&b, 100000);
	recs_pull(&b, &rs);

	if (rs.n != n_want) {
		char d[64];
		snprintf(d, sizeof(d), "%zu records, want %zu", rs.n, n_want);
		fail(&b, "SA events", d);
	}
	for (size_t i = 0; i < rs.n && i < n_want; i++) {
		uint8_t got[SPISYNC_EVENT_BYTES];

		memcpy(got, rs.r[i], sizeof(got));
		got[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
		memset(got + SPISYNC_EVF_TIME_NS_OFF, 0, SPISYNC_EVF_TIME_NS_BYTES);
		if (memcmp(got, want[i].rec, sizeof(got)) != 0) {
			char d[96];
			snprintf(d, sizeof(d), "record %zu: type %u RX_SEQ %" PRIu64
			    ", want type %u RX_SEQ %" PRIu64, i, got[0], REC(got, RX_SEQ),
			    want[i].type, want[i].arrival & 0xFFFF);
			fail(&b, "SA event differs", d);
			for (unsigned k = 0; k < SPISYNC_EVENT_BYTES; k++)
				if (got[k] != want[i].rec[k])
					fprintf(stderr, "  byte %u: 0x%02x, want 0x%02x\n",
					    k, got[k], want[i].rec[k]);
		}
	}
	if (counter(&b, SPISYNC_R_SA_EXPIRED) != 5 || counter(&b, SPISYNC_R_AUTH_FAIL) != 22 ||
	    counter(&b, SPISYNC_R_REPLAY) != 4)
		fail(&b, "SA events", "drop counters are not what was sent");
	printf("test_events: SA events, %u bits: soft and hard lifetime (once "
	    "each), AUTH_FAIL burst of %u twice in two intervals, REPLAY burst of "
	    "%u, none with the threshold off: %zu records exact\n", opt->width,
	    af_thr, rp_thr, rs.n);
	free(rs.r);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */
/* flood: random SPIs back to back */

static void
test_flood(const struct options *opt)
{
	struct bench b;
	struct recs rs = { 0 };
	struct sent tmpl[KINDS];
	size_t spi_off[KINDS];
	const uint32_t token_ns = 1000, burst = 64, lost_ns = 100000;
	uint64_t start, end, flow_recs = 0, lost_recs = 0, accounted = 0;
	uint64_t lost_misses = 0, lost_reg, pending;
	uint8_t src[16], dst[16];

	if (bench_open(&b, opt, 0x666c6f6f64ull) != 0)
		exit(2);
	arrivals = 0;
	card_ctl_event_filter(b.ctl, 1000000000ull, token_ns, burst);
	set_reg(&b, SPISYNC_REG_EVENT_LOST_NS, lost_ns);
	if (card_sim_events_enable(b.card, 12) != 0)
		exit(2);
	/* one template per kind: the SPI is patched in (it is outside every
	 * checksum); the shortest ESP (no payload, 8-byte ICV): plain IPv4
	 * is 62 bytes, one beat at 512 bits */
	for (unsigned k = 0; k < KINDS; k++) {
		const bool v6 = k == KIND_V6 || k == KIND_V6_UDP;
		const bool udp = k == KIND_V4_UDP || k == KIND_V6_UDP;

		addr_for(&b.rng, v6, src, 60 + k);
		addr_for(&b.rng, v6, dst, 70 + k);
		if (make_miss(&b, &tmpl[k], k, 0x1000, src, dst, 0, 8) != 0)
			exit(2);
		spi_off[k] = 14 + (v6 ? 40 : 20) + (udp ? 8 : 0);
	}
	card_sim_set_gap(b.card, 0);
	start = card_sim_cycles(b.card);
	for (unsigned long i = 0; i < opt->flood; i++) {
		struct sent *s = &tmpl[i % 16 == 0 ? prng_below(&b.rng, KINDS) : KIND_V4];
		const size_t off = spi_off[s - tmpl];
		const uint32_t spi = 256 + prng_below(&b.rng, 0xFFFFFF00u);

		store_be32(s->data + off, spi);
		arrivals++;
		if (card_sim_push_frame(b.card, s->data, s->len, false) != 0)
			fail(&b, "push", NULL);
		if (i % 4096 == 4095) {
			card_sim_step(b.card, 4096);
			recs_pull(&b, &rs);
		}
	}
	drain(&b, 10000000);
	end = card_sim_cycles(b.card);
	recs_pull(&b, &rs);
	/* let the last EVENTS_LOST record out */
	card_sim_step(b.card, (uint64_t)lost_ns * 1000 / 3000 + 2000);
	recs_pull(&b, &rs);

	for (size_t i = 0; i < rs.n; i++) {
		const uint8_t *r = rs.r[i];

		switch (r[SPISYNC_EVF_TYPE_OFF]) {
		case SPISYNC_EV_SA_MISS:
			flow_recs++;
			accounted += (r[SPISYNC_EVF_FLAGS_OFF] & SPISYNC_EV_FLAG_EVICTED) ?
			    REC(r, COUNT) : 1 + REC(r, COUNT);
			break;
		case SPISYNC_EV_EVENTS_LOST:
			lost_recs += REC(r, COUNT);
			lost_misses += REC(r, LOST_MISSES);
			break;
		default:
			fail(&b, "flood", "unexpected record type");
		}
	}
	lost_reg = card_ctl_events_lost(b.ctl);
	pending = card_ctl_read64(b.ctl, SPISYNC_REG_FLOW_PENDING_LO);
	{
		const double ns = (double)(card_time(&b, end) - card_time(&b, start));
		const double bound = burst + ns / token_ns + 2;
		const uint64_t m = misses(&b);

		if (m != opt->flood)
			fail(&b, "flood", "drop counters are not the frames sent");
		if (counter(&b, SPISYNC_R_TAIL_DROP) != 0)
			fail(&b, "flood", "frames were tail-dropped");
		if ((double)flow_recs > bound)
			fail(&b, "flood", "more records than the token bucket allows");
		if ((double)flow_recs < bound - 8)
			fail(&b, "flood", "the bucket gave fewer records than it allows");
		if (lost_recs != lost_reg)
			fail(&b, "flood", "EVENTS_LOST records do not add up to the register");
		if (accounted + lost_misses + pending != opt->flood) {
			char d[160];
			snprintf(d, sizeof(d), "reported %" PRIu64 " + lost %" PRIu64
			    " + pending %" PRIu64 " != %lu", accounted, lost_misses,
			    pending, opt->flood);
			fail(&b, "flood: misses not accounted for", d);
		}
		printf("test_events: flood, %u bits: %lu random-SPI frames in %"
		    PRIu64 " clocks (%.2f clocks/frame, %.0f us card time): 0 "
		    "tail drops, %" PRIu64 " miss records (bucket bound %.0f), %"
		    PRIu64 " lost in EVENTS_LOST records, %" PRIu64 " pending; "
		    "every miss accounted for\n", opt->width, opt->flood,
		    end - start, (double)(end - start) / (double)opt->flood,
		    ns / 1000, flow_recs, bound, lost_recs, pending);
	}
	free(rs.r);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */

static int
parse_args(int argc, char **argv, struct options *o)
{
	o->width = 512;
	o->seed = (uint64_t)time(NULL);
	o->flood = 1000000;
	o->only = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--width") == 0 && i + 1 < argc)
			o->width = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			o->seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--flood") == 0 && i + 1 < argc)
			o->flood = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			o->only = argv[++i];
		else {
			fprintf(stderr, "usage: test_events [--width 128|512] "
			    "[--seed N] [--flood N] [--only fields|ring|stuck|sa|flood]\n");
			return -1;
		}
	}
	if (o->width != 128 && o->width != 512) {
		fprintf(stderr, "test_events: --width must be 128 or 512\n");
		return -1;
	}
	return 0;
}

static bool
wanted(const struct options *o, const char *name)
{
	return o->only == NULL || strcmp(o->only, name) == 0;
}

int
main(int argc, char **argv)
{
	struct options opt;
	unsigned failures;

	if (parse_args(argc, argv, &opt) != 0)
		return 2;
	printf("test_events: seed %" PRIu64 "\n", opt.seed);
	/* each part reports its own failures and counts them in stderr */
	if (wanted(&opt, "fields"))
		test_fields(&opt);
	if (wanted(&opt, "ring"))
		test_ring(&opt);
	if (wanted(&opt, "stuck"))
		test_stuck(&opt);
	if (wanted(&opt, "sa"))
		test_sa_events(&opt);
	if (wanted(&opt, "flood") && opt.flood > 0)
		test_flood(&opt);
	failures = fail_count;
	if (failures != 0) {
		fprintf(stderr, "test_events: %u failures (seed %" PRIu64 ")\n",
		    failures, opt.seed);
		return 1;
	}
	printf("test_events: ok\n");
	return 0;
}
