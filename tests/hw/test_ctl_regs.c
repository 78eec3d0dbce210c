/*
 * spisync -- the card's controller registers on the whole card
 * (sim/card/card_sim.h): the mailbox, card time steps, controller events and
 * the event history (docs/register-map.md, docs/event-ring.md).
 *
 * Expectations come from the register map and from the frames and writes
 * the test makes, never from the card's own model:
 *
 *   mbox    MBOX[0..63]: 0 after reset; every word written and read back;
 *           one word rewritten at a time leaves the other 63 as they were;
 *           writes just outside the array land nowhere; a reset clears all.
 *   time    TIME_ADJUST_LO/HI: card time follows
 *             floor((clock - reset clock) * TIME_INC / 2^24) + steps
 *           exactly, with the default (fractional) TIME_INC, across steps
 *           with and without a high word and across a 2^32 ns boundary; with
 *           an integer TIME_INC, time after = time before + clocks * TIME_INC
 *           + step; LO alone changes nothing, HI alone reuses the staged LO.
 *   fw      FW_EVENT next to SA_SOFT_EXPIRY records of real traffic: every
 *           record byte for byte (the controller's with TIME_NS = card time
 *           of its write clock); FW_EVENT writes swept over the clocks
 *           around the commit stage's event: a record of the commit stage
 *           goes first unless the controller's was written in an earlier
 *           clock, nothing lost in a collision; other types ignored.
 *   stall   a ring the host does not consume: FW_EVENT records fill the
 *           ring, the event FIFO and the SA event FIFO and then wait in the
 *           holding register (FW_EVENT_STATUS bit 0); writes meanwhile are
 *           counted (bits 31:16, saturating at 0xFFFF), other types not;
 *           after the host resumes every accepted record arrives in order
 *           and exact, no ignored one does, nothing counted lost.
 *   hist    more than CAP_EVENT_HIST SA misses (no hold-off, no rate
 *           limit): every slot equals the ring's record byte for byte but
 *           PHASE, SELECT works modulo the depth, EVENT_HIST_COUNT is the
 *           records issued, reading disturbs nothing; with the ring disabled
 *           misses and controller records still enter the history, exact.
 *
 *   test_ctl_regs [--width 128|512] [--seed N] [--only NAME]
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
#define REC_BYTES SPISYNC_EVENT_BYTES

/* The card's build parameters that no register shows (spisync_card.v):
 * the event FIFO in front of the ring and the SA event FIFO. */
enum { CARD_EV_DEPTH = 64, CARD_SA_EV_DEPTH = 16 };

struct options {
	unsigned width;
	uint64_t seed;
	const char *only;
};

struct bench {
	const struct options *opt;
	struct card_sim *card;
	struct card_ctl *ctl;
	struct prng rng;
	uint64_t arrivals;	/* frames pushed since the reset */
	/* card time at one clock with an integer TIME_INC (set_int_time) */
	uint64_t ref_clock, ref_ns;
	uint32_t inc_ns;
};

static unsigned fail_count;
static const struct options *g_opt;

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "test_ctl_regs: FAIL (%u bits): %s%s%s (seed %" PRIu64
	    ")\n", g_opt->width, what, detail ? ": " : "", detail ? detail : "",
	    g_opt->seed);
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
		fprintf(stderr, "test_ctl_regs: no %u-bit card model\n", opt->width);
		return -1;
	}
	if (card_ctl_open(b->card, &b->ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "test_ctl_regs: %s\n", err);
		card_sim_destroy(b->card);
		return -1;
	}
	return 0;
}

/* the model's own checks, among them event_gate's lookahead of the card
 * time and EVENT_LOST_NS against what card_regs then holds (a reset clears
 * them: called before one) */
static void
check_card(struct bench *b)
{
	if (card_sim_protocol_error(b->card))
		fail("card", "protocol_error (the card's, or the event gate's time "
		    "lookahead disagreeing with TIME_NS / EVENT_LOST_NS)");
}

static void
bench_close(struct bench *b)
{
	check_card(b);
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

/* A write; *clock: the clock the card takes it in (the first clock of the
 * AXI4-Lite transaction: AW and W are accepted at once). */
static void
set_reg_at(struct bench *b, uint32_t off, uint32_t v, uint64_t *clock)
{
	*clock = card_sim_cycles(b->card);
	card_sim_mmio_write(b->card, off, v);
}

/* TIME_NS (the LO read latches HI); *clock: the clock it was sampled in. */
static uint64_t
read_time(struct bench *b, uint64_t *clock)
{
	uint64_t lo, hi;

	*clock = card_sim_cycles(b->card);
	lo = card_sim_mmio_read(b->card, SPISYNC_REG_TIME_NS_LO);
	hi = card_sim_mmio_read(b->card, SPISYNC_REG_TIME_NS_HI);
	return hi << 32 | lo;
}

/* An integer TIME_INC, and one reading of the time to count from: card
 * time at clock c is then ref_ns + (c - ref_clock) * inc_ns exactly (the
 * fraction the accumulator holds stays as it is). */
static void
set_int_time(struct bench *b, uint32_t inc_ns)
{
	set_reg(b, SPISYNC_REG_TIME_INC, inc_ns << 24);
	b->inc_ns = inc_ns;
	b->ref_ns = read_time(b, &b->ref_clock);
}

static uint64_t
time_at(const struct bench *b, uint64_t clock)
{
	return b->ref_ns + (clock - b->ref_clock) * b->inc_ns;
}

static void
hist_read(struct bench *b, uint32_t n, uint8_t rec[REC_BYTES])
{
	set_reg(b, SPISYNC_REG_EVENT_HIST_SELECT, n);
	for (unsigned w = 0; w < SPISYNC_REG_EVENT_HIST_DATA_COUNT; w++)
		store_le32(rec + 4 * w, reg(b, SPISYNC_REG_EVENT_HIST_DATA(w)));
}

/* ------------------------------------------------------------------ */
/* records */

struct recs {
	uint8_t (*r)[REC_BYTES];
	size_t n, cap;
};

static void
recs_pull(struct bench *b, struct recs *rs)
{
	uint8_t rec[REC_BYTES];

	while (card_sim_pull_event(b->card, rec) == 1) {
		if (rs->n == rs->cap) {
			void *p;

			rs->cap = rs->cap ? 2 * rs->cap : 256;
			p = realloc(rs->r, rs->cap * REC_BYTES);
			if (p == NULL) {
				perror("test_ctl_regs");
				exit(2);
			}
			rs->r = p;
		}
		memcpy(rs->r[rs->n++], rec, REC_BYTES);
	}
}

static void
dump_diff(const uint8_t *got, const uint8_t *want)
{
	for (unsigned k = 0; k < REC_BYTES; k++)
		if (got[k] != want[k])
			fprintf(stderr, "  byte %u: 0x%02x, want 0x%02x\n", k,
			    got[k], want[k]);
}

/* got (PHASE cleared) against want, byte for byte. */
static bool
rec_equal(const uint8_t *got_in, const uint8_t *want, const char *what,
    size_t i)
{
	uint8_t got[REC_BYTES];
	char d[64];

	memcpy(got, got_in, REC_BYTES);
	got[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
	if (memcmp(got, want, REC_BYTES) == 0)
		return true;
	snprintf(d, sizeof(d), "record %zu", i);
	fail(what, d);
	dump_diff(got, want);
	return false;
}

/* A controller record as docs/register-map.md describes FW_EVENT. */
static void
fw_want(uint8_t w[REC_BYTES], uint8_t type, uint32_t spi, uint16_t index,
    uint64_t time_ns)
{
	memset(w, 0, REC_BYTES);
	w[SPISYNC_EVF_TYPE_OFF] = type;
	store_le32(w + SPISYNC_EVF_SPI_OFF, spi);
	store_le64(w + SPISYNC_EVF_TIME_NS_OFF, time_ns);
	store_le32(w + SPISYNC_EVF_COUNT_OFF, 1);
	store_le16(w + SPISYNC_EVF_SA_INDEX_OFF, index);
}

/* ------------------------------------------------------------------ */
/* frames */

static const uint8_t MAC_DST[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_SRC[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void
addr_for(struct prng *rng, bool ipv6, uint8_t out[16], unsigned host)
{
	memset(out, 0, 16);
	if (ipv6) {
		/* 2001:db8::/32 */
		out[0] = 0x20;
		out[1] = 0x01;
		out[2] = 0x0d;
		out[3] = 0xb8;
		prng_fill(rng, out + 4, 12);
	} else {
		/* 198.18.0.0/15 */
		out[0] = 198;
		out[1] = (uint8_t)(18 + (host >> 16 & 1));
		out[2] = (uint8_t)(host >> 8);
		out[3] = (uint8_t)host;
	}
}

struct sent {
	uint8_t data[MAX_FRAME];
	size_t len;
	uint64_t arrival;
	uint8_t want[REC_BYTES];	/* TIME_NS 0, filled in when known */
};

static void
push(struct bench *b, struct sent *s)
{
	s->arrival = b->arrivals++;
	store_le16(s->want + SPISYNC_EVF_RX_SEQ_OFF, (uint32_t)(s->arrival & 0xFFFF));
	if (card_sim_push_frame(b->card, s->data, s->len, false) != 0)
		fail("push_frame refused a frame", NULL);
}

/* The clock of a frame's last beat on the wire (the card takes a beat a
 * clock; it classifies a frame once it has all of it). */
static bool
frame_end(struct bench *b, const struct sent *s, uint64_t *clock)
{
	const size_t beat = b->opt->width / 8;
	uint64_t start;

	if (!card_sim_frame_start(b->card, s->arrival, &start))
		return false;
	*clock = start + (s->len + beat - 1) / beat - 1;
	return true;
}

/* An ESP frame for a flow the card has no SA for, and its SA_MISS record
 * (docs/register-map.md, "Event record"). */
static int
make_miss(struct bench *b, struct sent *s, bool ipv6, bool udp, uint32_t spi,
    unsigned host)
{
	static const uint8_t key[16] = { 7 };
	uint8_t payload[32];
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
	addr_for(&b->rng, ipv6, ip.src, host);
	addr_for(&b->rng, ipv6, ip.dst, host + 0x100);
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
	esp.icv_len = 16;
	esp.next_header = 4;
	prng_fill(&b->rng, payload, sizeof(payload));
	if (fb_esp_frame(s->data, sizeof(s->data), &eth, &ip, udp ? &u : NULL,
	    &esp, payload, prng_below(&b->rng, sizeof(payload)), &info) != 0)
		return -1;
	s->len = info.len;

	memset(w, 0, REC_BYTES);
	w[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_SA_MISS;
	w[SPISYNC_EVF_FLAGS_OFF] = (uint8_t)((ipv6 ? SPISYNC_EV_FLAG_IPV6 : 0) |
	    (udp ? SPISYNC_EV_FLAG_UDP : 0));
	store_le16(w + SPISYNC_EVF_FRAME_LEN_OFF, (uint32_t)s->len);
	store_le32(w + SPISYNC_EVF_SPI_OFF, spi);
	memcpy(w + SPISYNC_EVF_SRC_OFF, ip.src, ipv6 ? 16 : 4);
	memcpy(w + SPISYNC_EVF_DST_OFF, ip.dst, ipv6 ? 16 : 4);
	store_le32(w + SPISYNC_EVF_SEQ_OFF, (uint32_t)esp.seq);
	if (udp) {
		store_le16(w + SPISYNC_EVF_SPORT_OFF, u.sport);
		store_le16(w + SPISYNC_EVF_DPORT_OFF, u.dport);
	}
	store_le16(w + SPISYNC_EVF_SA_INDEX_OFF, SPISYNC_SA_INDEX_NONE);
	return 0;
}

/* A good frame of an installed IPv4 transport-mode SA, and the record its
 * SA_SOFT_EXPIRY carries when it is the SA's first packet and
 * soft_packets is 1 (COUNT 0: a packet limit). */
static int
make_sa_frame(struct bench *b, struct sent *s, const struct model_sa *sa,
    uint32_t index, const uint8_t src[16], uint64_t seq)
{
	uint8_t payload[40];
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_esp esp;
	struct fb_info info;
	uint8_t *w = s->want;

	memset(&eth, 0, sizeof(eth));
	memcpy(eth.dst, MAC_DST, 6);
	memcpy(eth.src, MAC_SRC, 6);
	eth.pad_min = true;
	memset(&ip, 0, sizeof(ip));
	memcpy(ip.src, src, 16);
	memcpy(ip.dst, sa->dst, 16);
	ip.ttl = 64;
	memset(&esp, 0, sizeof(esp));
	esp.spi = sa->spi;
	esp.seq = seq;
	prng_fill(&b->rng, esp.iv, sizeof(esp.iv));
	esp.key = sa->key;
	esp.key_len = sa->key_len;
	memcpy(esp.salt, sa->salt, 4);
	esp.icv_len = sa->icv_len;
	esp.next_header = 17;
	prng_fill(&b->rng, payload, sizeof(payload));
	if (fb_esp_frame(s->data, sizeof(s->data), &eth, &ip, NULL, &esp, payload,
	    sizeof(payload), &info) != 0)
		return -1;
	s->len = info.len;

	memset(w, 0, REC_BYTES);
	w[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_SA_SOFT_EXPIRY;
	store_le32(w + SPISYNC_EVF_SPI_OFF, sa->spi);
	memcpy(w + SPISYNC_EVF_SRC_OFF, src, 4);
	memcpy(w + SPISYNC_EVF_DST_OFF, sa->dst, 4);
	store_le32(w + SPISYNC_EVF_SEQ_OFF, (uint32_t)seq);
	store_le16(w + SPISYNC_EVF_SA_INDEX_OFF, index);
	return 0;
}

/* ------------------------------------------------------------------ */
/* mbox: plain storage */

static void
check_mbox(struct bench *b, const uint32_t shadow[SPISYNC_REG_MBOX_COUNT],
    const char *what)
{
	for (unsigned i = 0; i < SPISYNC_REG_MBOX_COUNT; i++) {
		const uint32_t got = reg(b, SPISYNC_REG_MBOX(i));

		if (got != shadow[i]) {
			char d[96];

			snprintf(d, sizeof(d), "MBOX[%u] reads 0x%08x, want 0x%08x",
			    i, got, shadow[i]);
			fail(what, d);
			return;
		}
	}
}

static void
test_mbox(const struct options *opt)
{
	struct bench b;
	uint32_t shadow[SPISYNC_REG_MBOX_COUNT];
	/* unmapped neighbours of the array (the registers on either side
	 * are further away) */
	const uint32_t outside[] = { SPISYNC_REG_MBOX(0) - 4,
	    SPISYNC_REG_MBOX(SPISYNC_REG_MBOX_COUNT),
	    SPISYNC_REG_MBOX(SPISYNC_REG_MBOX_COUNT) + 4,
	    SPISYNC_REG_MBOX(0) + 0x100 + 0x40 };
	enum { SINGLE_WRITES = 300 };

	if (bench_open(&b, opt, 0x6d626f78ull) != 0)
		exit(2);
	memset(shadow, 0, sizeof(shadow));
	check_mbox(&b, shadow, "mbox after reset");

	/* all 64 words, then back */
	for (unsigned i = 0; i < SPISYNC_REG_MBOX_COUNT; i++) {
		shadow[i] = (uint32_t)prng_next(&b.rng);
		set_reg(&b, SPISYNC_REG_MBOX(i), shadow[i]);
	}
	check_mbox(&b, shadow, "mbox: all words written");

	/* one word at a time, every word read back each time: only it moved;
	 * all-zero and all-one words among them */
	for (unsigned k = 0; k < SINGLE_WRITES; k++) {
		const unsigned i = k < SPISYNC_REG_MBOX_COUNT ? k :
		    prng_below(&b.rng, SPISYNC_REG_MBOX_COUNT);
		const uint32_t v = k % 7 == 3 ? 0u : k % 7 == 5 ? 0xFFFFFFFFu :
		    (uint32_t)prng_next(&b.rng);

		shadow[i] = v;
		set_reg(&b, SPISYNC_REG_MBOX(i), v);
		check_mbox(&b, shadow, "mbox: one word rewritten, the others");
	}

	/* outside the array: nothing lands in it, and they read 0 */
	for (size_t k = 0; k < sizeof(outside) / sizeof(outside[0]); k++) {
		set_reg(&b, outside[k], 0x5A5A5A5Au ^ (uint32_t)k);
		if (reg(&b, outside[k]) != 0)
			fail("mbox: an unmapped neighbour reads back a write", NULL);
	}
	check_mbox(&b, shadow, "mbox: writes outside the array");

	check_card(&b);
	card_sim_reset(b.card);
	memset(shadow, 0, sizeof(shadow));
	check_mbox(&b, shadow, "mbox after a second reset");
	printf("test_ctl_regs: mbox, %u bits: 64 words written and read back, "
	    "%d single-word writes with all 64 words checked after each, "
	    "neighbours untouched, reset clears\n", opt->width, SINGLE_WRITES);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */
/* time: TIME_ADJUST */

/* floor(n * inc / 2^24), n clocks at TIME_INC inc (8.24) */
static uint64_t
ticks_ns(uint64_t n, uint32_t inc)
{
	return (uint64_t)(((unsigned __int128)n * inc) >> 24);
}

struct time_model {
	uint32_t inc;
	uint64_t reset_clock;	/* the card counted 0 ns here */
	uint64_t steps;		/* TIME_ADJUST steps so far */
};

static uint64_t
model_time(const struct time_model *m, uint64_t clock)
{
	return ticks_ns(clock - m->reset_clock, m->inc) + m->steps;
}

/* The clock the card's time counts from: the one reset_clock that explains
 * every reading (clock, ns) with no step taken yet. */
static bool
find_reset_clock(const uint64_t *clock, const uint64_t *ns, size_t n,
    uint32_t inc, uint64_t *out)
{
	/* the first reading brackets it: ns * 2^24 / inc clocks, +-2 */
	const uint64_t guess = (uint64_t)(((unsigned __int128)ns[0] << 24) / inc);
	unsigned found = 0;

	for (uint64_t d = guess > 2 ? guess - 2 : 0; d <= guess + 2; d++) {
		bool all = d <= clock[0];

		for (size_t k = 0; all && k < n; k++)
			all = ticks_ns(clock[k] - (clock[0] - d), inc) == ns[k];
		if (all) {
			*out = clock[0] - d;
			found++;
		}
	}
	return found == 1;
}

static void
check_time(struct bench *b, const struct time_model *m, const char *what)
{
	for (int k = 0; k < 3; k++) {
		uint64_t clock;
		const uint64_t t = read_time(b, &clock);
		const uint64_t want = model_time(m, clock);

		if (t != want) {
			char d[128];

			snprintf(d, sizeof(d), "TIME_NS %" PRIu64 " at clock %" PRIu64
			    ", want %" PRIu64 " (%+" PRId64 ")", t, clock, want,
			    (int64_t)(t - want));
			fail(what, d);
			return;
		}
		card_sim_step(b->card, 1 + prng_below(&b->rng, 700));
	}
}

static void
adjust(struct bench *b, struct time_model *m, uint64_t step)
{
	set_reg(b, SPISYNC_REG_TIME_ADJUST_LO, (uint32_t)step);
	/* staged only */
	check_time(b, m, "TIME_ADJUST_LO alone changed the time");
	set_reg(b, SPISYNC_REG_TIME_ADJUST_HI, (uint32_t)(step >> 32));
	m->steps += step;
}

static void
test_time(const struct options *opt)
{
	struct bench b;
	struct time_model m;
	uint64_t clock[6], ns[6], now_clock, now;
	unsigned exact_int = 0;

	if (bench_open(&b, opt, 0x74696d65ull) != 0)
		exit(2);
	/* 1. the default, fractional TIME_INC from the reset on: the card's
	 * time is the model's, clock for clock (nothing wrote TIME_INC) */
	m.inc = reg(&b, SPISYNC_REG_TIME_INC);
	m.steps = 0;
	if ((m.inc & 0xFFFFFFu) == 0)
		fail("time", "the default TIME_INC has no fraction: the test "
		    "would not see a lost fraction");
	for (int k = 0; k < 6; k++) {
		ns[k] = read_time(&b, &clock[k]);
		card_sim_step(b.card, 1 + prng_below(&b.rng, 5000));
	}
	if (!find_reset_clock(clock, ns, 6, m.inc, &m.reset_clock)) {
		fail("time", "no single start clock explains the card time");
		bench_close(&b);
		return;
	}
	check_time(&b, &m, "time before any step");

	/* 2. steps: small, 32-bit, with a high word, and one that carries
	 * TIME_NS across a 2^32 boundary; the fraction must survive each */
	adjust(&b, &m, 1);
	check_time(&b, &m, "TIME_ADJUST of 1 ns");
	adjust(&b, &m, (uint32_t)prng_next(&b.rng));
	check_time(&b, &m, "TIME_ADJUST, 32 bits");
	adjust(&b, &m, (uint64_t)(1 + prng_below(&b.rng, 1000)) << 32 |
	    (uint32_t)prng_next(&b.rng));
	check_time(&b, &m, "TIME_ADJUST with a high word");
	now = read_time(&b, &now_clock);
	adjust(&b, &m, 0xFFFFFFFFu - (now & 0xFFFFFFFFu));
	check_time(&b, &m, "TIME_ADJUST carrying TIME_NS over 2^32");
	if ((read_time(&b, &now_clock) >> 32) == (now >> 32))
		fail("time", "the step did not cross a 2^32 ns boundary");
	if (reg(&b, SPISYNC_REG_TIME_ADJUST_LO) != 0 ||
	    reg(&b, SPISYNC_REG_TIME_ADJUST_HI) != 0)
		fail("time", "write-only TIME_ADJUST registers do not read 0");

	/* 3. an integer TIME_INC: after = before + clocks * TIME_INC + step,
	 * for steps written between the two readings */
	for (int k = 0; k < 40; k++) {
		const uint32_t inc_ns = 1 + prng_below(&b.rng, 9);
		const uint64_t step = k % 4 == 0 ? 0 :
		    (uint64_t)prng_below(&b.rng, 4) << 32 | (uint32_t)prng_next(&b.rng);
		uint64_t c0, c1, t0, t1, want;

		set_reg(&b, SPISYNC_REG_TIME_INC, inc_ns << 24);
		t0 = read_time(&b, &c0);
		card_sim_step(b.card, prng_below(&b.rng, 300));
		set_reg(&b, SPISYNC_REG_TIME_ADJUST_LO, (uint32_t)step);
		card_sim_step(b.card, prng_below(&b.rng, 300));
		set_reg(&b, SPISYNC_REG_TIME_ADJUST_HI, (uint32_t)(step >> 32));
		card_sim_step(b.card, prng_below(&b.rng, 300));
		t1 = read_time(&b, &c1);
		want = t0 + (c1 - c0) * inc_ns + step;
		if (t1 != want) {
			char d[160];

			snprintf(d, sizeof(d), "TIME_INC %u ns, step %" PRIu64 ": %"
			    PRIu64 " after %" PRIu64 " clocks from %" PRIu64
			    ", want %" PRIu64, inc_ns, step, t1, c1 - c0, t0, want);
			fail("time: after != before + clocks x TIME_INC + step", d);
		} else {
			exact_int++;
		}
	}
	/* HI alone steps again by {HI, the LO still staged} */
	{
		const uint64_t step = 5ull << 32 | 12345u;
		uint64_t c0, c1, t0, t1;

		set_reg(&b, SPISYNC_REG_TIME_INC, 2u << 24);
		set_reg(&b, SPISYNC_REG_TIME_ADJUST_LO, (uint32_t)step);
		t0 = read_time(&b, &c0);
		set_reg(&b, SPISYNC_REG_TIME_ADJUST_HI, (uint32_t)(step >> 32));
		set_reg(&b, SPISYNC_REG_TIME_ADJUST_HI, (uint32_t)(step >> 32));
		t1 = read_time(&b, &c1);
		if (t1 != t0 + (c1 - c0) * 2 + 2 * step)
			fail("time", "a second TIME_ADJUST_HI write does not step by "
			    "{HI, the staged LO} again");
	}
	/* 4. a TIME_INC write counts from the clock after it: every clock up
	 * to and including the write's own adds the old TIME_INC */
	for (int k = 0; k < 20; k++) {
		const uint32_t old_ns = 1 + prng_below(&b.rng, 9);
		const uint32_t new_ns = 1 + (old_ns + prng_below(&b.rng, 8)) % 9;   /* never old_ns */
		uint64_t c0, cw, c1, t0, t1, want;

		set_reg(&b, SPISYNC_REG_TIME_INC, old_ns << 24);
		t0 = read_time(&b, &c0);
		card_sim_step(b.card, prng_below(&b.rng, 50));
		set_reg_at(&b, SPISYNC_REG_TIME_INC, new_ns << 24, &cw);
		card_sim_step(b.card, prng_below(&b.rng, 50));
		t1 = read_time(&b, &c1);
		want = t0 + (cw + 1 - c0) * old_ns + (c1 - cw - 1) * new_ns;
		if (t1 != want) {
			char d[160];

			snprintf(d, sizeof(d), "TIME_INC %u -> %u ns written %" PRIu64
			    " clocks after a reading: %" PRIu64 " after %" PRIu64
			    " clocks, want %" PRIu64, old_ns, new_ns, cw - c0, t1 - t0,
			    c1 - c0, want - t0);
			fail("time: a TIME_INC write does not count from the clock after it", d);
			break;
		}
	}
	printf("test_ctl_regs: time, %u bits: TIME_NS = floor(clocks x TIME_INC "
	    "0x%08x / 2^24) + steps exactly over 4 steps (one over 2^32 ns); "
	    "%u/40 integer-TIME_INC steps exact; TIME_INC changes from the clock "
	    "after its write\n", opt->width, m.inc, exact_int);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */
/* fw: controller events next to the commit stage's */

static void
install_sa(struct bench *b, struct model_sa *sa, uint32_t spi, unsigned host,
    uint32_t *index)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	addr_for(&b->rng, false, sa->dst, host);
	prng_fill(&b->rng, sa->key, 16);
	sa->key_len = 16;
	prng_fill(&b->rng, sa->salt, 4);
	sa->icv_len = 16;
	sa->mode = SA_MODE_TRANSPORT;
	sa->soft_packets = 1;
	sa->gen = 1;
	if (card_ctl_sa_add(b->ctl, sa, index) != SA_OK) {
		fail("SA install", NULL);
		exit(1);
	}
}

static void
test_fw(const struct options *opt)
{
	enum { SAS = 37, OFFSETS = 9, SETTLE = 3000 };
	struct bench b;
	struct recs rs = { 0 };
	struct model_sa sa[SAS];
	uint32_t index[SAS];
	struct sent frame[SAS];
	uint8_t fw[SAS][REC_BYTES];
	uint64_t fw_clock[SAS];
	uint8_t src[16];
	long latency = -1;
	unsigned before = 0, same = 0, after = 0;
	size_t ri = 0;

	if (bench_open(&b, opt, 0x66776576ull) != 0)
		exit(2);
	card_ctl_event_filter(b.ctl, 0, 0, 1);
	if (card_sim_events_enable(b.card, 10) != 0)
		exit(2);
	set_int_time(&b, 3);
	addr_for(&b.rng, false, src, 0x77);
	for (unsigned i = 0; i < SAS; i++)
		install_sa(&b, &sa[i], 0x5A000100u + i, 0x300 + i, &index[i]);

	/* FW_EVENT_SPI is a plain register; types other than the two expiry
	 * types queue nothing */
	set_reg(&b, SPISYNC_REG_FW_EVENT_SPI, 0x12345678u);
	if (reg(&b, SPISYNC_REG_FW_EVENT_SPI) != 0x12345678u)
		fail("fw", "FW_EVENT_SPI does not read back");
	{
		const uint32_t bad[] = { 0, SPISYNC_EV_SA_MISS, SPISYNC_EV_SPI_RESERVED,
		    SPISYNC_EV_AUTH_FAIL_BURST, SPISYNC_EV_REPLAY_BURST,
		    SPISYNC_EV_EVENTS_LOST, 0xFF, 0x0300, 0x12340400 };

		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			set_reg(&b, SPISYNC_REG_FW_EVENT, bad[k]);
			if (reg(&b, SPISYNC_REG_FW_EVENT_STATUS) != 0)
				fail("fw", "a FW_EVENT of another type set FW_EVENT_STATUS");
		}
		card_sim_step(b.card, SETTLE);
		recs_pull(&b, &rs);
		if (rs.n != 0)
			fail("fw", "a FW_EVENT of another type made a record");
	}

	/* SA 0 alone: where the commit stage judges a frame, relative to its
	 * first wire clock (the record's TIME_NS tells the clock) */
	if (make_sa_frame(&b, &frame[0], &sa[0], index[0], src, 1) != 0)
		exit(2);
	push(&b, &frame[0]);
	card_sim_step(b.card, SETTLE);
	recs_pull(&b, &rs);
	{
		uint64_t start;

		if (rs.n != 1 || !card_sim_frame_start(b.card, frame[0].arrival, &start)) {
			fail("fw", "no SA_SOFT_EXPIRY for the first packet of an SA "
			    "with soft_packets 1");
			goto out;
		}
		latency = (long)((REC(rs.r[0], TIME_NS) - time_at(&b, start)) / b.inc_ns);
		if (latency < 8 || time_at(&b, start + (uint64_t)latency) !=
		    REC(rs.r[0], TIME_NS))
			fail("fw", "SA_SOFT_EXPIRY's TIME_NS is not a clock after "
			    "the frame's start");
		memcpy(frame[0].want + SPISYNC_EVF_TIME_NS_OFF,
		    rs.r[0] + SPISYNC_EVF_TIME_NS_OFF, SPISYNC_EVF_TIME_NS_BYTES);
		rec_equal(rs.r[0], frame[0].want, "fw: SA_SOFT_EXPIRY (TIME_NS aside)",
		    0);
	}
	/* a bare controller record first: exact, TIME_NS of its write clock */
	set_reg(&b, SPISYNC_REG_FW_EVENT_SPI, 0xC0FFEE00u);
	set_reg_at(&b, SPISYNC_REG_FW_EVENT, (uint32_t)0xBEEFu << 16 |
	    SPISYNC_EV_SA_HARD_EXPIRY, &fw_clock[0]);
	fw_want(fw[0], SPISYNC_EV_SA_HARD_EXPIRY, 0xC0FFEE00u, 0xBEEF,
	    time_at(&b, fw_clock[0]));
	card_sim_step(b.card, SETTLE);
	rs.n = 0;
	recs_pull(&b, &rs);
	if (rs.n != 1)
		fail("fw", "one FW_EVENT write, not one record");
	else
		rec_equal(rs.r[0], fw[0], "fw: controller record", 0);

	/* SAs 1..: each frame's event and one controller record written
	 * offset clocks from the clock the commit stage judges the frame,
	 * offsets -4..4: the commit stage's event enters the SA queue the
	 * clock after its judgement, a controller record the clock after its
	 * write unless the commit stage's enters then: the controller's
	 * record is first exactly when it was written in an earlier clock */
	rs.n = 0;
	for (unsigned i = 1; i < SAS; i++) {
		const long off = (long)(i % OFFSETS) - OFFSETS / 2;
		const uint32_t spi = 0xF0000000u + i;
		const uint8_t type = i % 2 ? SPISYNC_EV_SA_SOFT_EXPIRY : SPISYNC_EV_SA_HARD_EXPIRY;
		const uint16_t fw_index = (uint16_t)(0x8000u + 0x111u * i);
		uint64_t start;

		if (make_sa_frame(&b, &frame[i], &sa[i], index[i], src, 1) != 0)
			exit(2);
		set_reg(&b, SPISYNC_REG_FW_EVENT_SPI, spi);
		push(&b, &frame[i]);
		card_sim_step(b.card, 1);
		if (!card_sim_frame_start(b.card, frame[i].arrival, &start)) {
			fail("fw", "frame did not start");
			goto out;
		}
		card_sim_step(b.card, start + (uint64_t)(latency + off) - card_sim_cycles(b.card));
		set_reg_at(&b, SPISYNC_REG_FW_EVENT, (uint32_t)fw_index << 16 | type,
		    &fw_clock[i]);
		fw_want(fw[i], type, spi, fw_index, time_at(&b, fw_clock[i]));
		card_sim_step(b.card, SETTLE);
		recs_pull(&b, &rs);
	}
	if (!card_sim_drain(b.card, 100000))
		fail("fw", "the card did not drain");
	recs_pull(&b, &rs);
	if (rs.n != 2 * (SAS - 1)) {
		char d[64];

		snprintf(d, sizeof(d), "%zu records for %u frames and %u writes",
		    rs.n, SAS - 1, SAS - 1);
		fail("fw: records missing or extra", d);
	}
	for (unsigned i = 1; i < SAS && ri + 1 < rs.n; i++) {
		const uint64_t judged = REC(rs.r[ri], TYPE) == SPISYNC_EV_SA_SOFT_EXPIRY &&
		    REC(rs.r[ri], COUNT) == 0 ? REC(rs.r[ri], TIME_NS) :
		    REC(rs.r[ri + 1], TIME_NS);
		const uint64_t written = time_at(&b, fw_clock[i]);
		/* the commit stage's record is first unless the write came
		 * in an earlier clock */
		const bool fw_first = written < judged;
		const uint8_t *hw = rs.r[fw_first ? ri + 1 : ri];
		const uint8_t *fr = rs.r[fw_first ? ri : ri + 1];
		uint64_t start;

		before += written < judged;
		same += written == judged;
		after += written > judged;
		if (card_sim_frame_start(b.card, frame[i].arrival, &start) &&
		    REC(hw, TIME_NS) != time_at(&b, start + (uint64_t)latency))
			fail("fw", "the commit stage's judgement moved: the sweep "
			    "is off");
		memcpy(frame[i].want + SPISYNC_EVF_TIME_NS_OFF, hw + SPISYNC_EVF_TIME_NS_OFF,
		    SPISYNC_EVF_TIME_NS_BYTES);
		if (!rec_equal(hw, frame[i].want, "fw: SA_SOFT_EXPIRY next to a "
		    "controller record (or the order is wrong)", ri) ||
		    !rec_equal(fr, fw[i], "fw: controller record next to an SA "
		    "event (or the order is wrong)", ri))
			break;
		ri += 2;
	}
	if (before == 0 || same == 0 || after == 0)
		fail("fw", "the sweep missed before/same clock/after the commit "
		    "stage's event");
	if (card_ctl_events_lost(b.ctl) != 0)
		fail("fw", "records lost");
	if (reg(&b, SPISYNC_REG_FW_EVENT_STATUS) != 0)
		fail("fw", "FW_EVENT_STATUS not 0 when idle");
	printf("test_ctl_regs: fw, %u bits: %u controller records next to %u "
	    "SA_SOFT_EXPIRY records, written %u before / %u in / %u after the "
	    "clock of the commit stage's event (judged %ld clocks after the "
	    "frame's first beat): all exact, order as the priority says, none "
	    "lost; 9 other types ignored\n", opt->width, SAS - 1, SAS - 1,
	    before, same, after, latency);
out:
	free(rs.r);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */
/* stall: the SA event path blocked by a ring the host does not read */

static void
test_stall(const struct options *opt)
{
	/* the ring (2), the event FIFO, the SA event FIFO and the holding
	 * register take at least this many; the FIFOs' output registers a
	 * few more */
	const unsigned ring = 2, min_taken = ring + CARD_EV_DEPTH + CARD_SA_EV_DEPTH + 1;
	const unsigned max_taken = min_taken + 8;
	enum { MAX_W = 200, SATURATE = 0xFFFF };
	struct bench b;
	struct recs rs = { 0 };
	uint8_t want[MAX_W][REC_BYTES];
	unsigned taken = 0, ignored = 0;
	uint32_t st;

	if (bench_open(&b, opt, 0x7374616cull) != 0)
		exit(2);
	card_ctl_event_filter(b.ctl, 0, 0, 1);
	if (card_sim_events_enable(b.card, 1) != 0)
		exit(2);
	set_int_time(&b, 3);

	for (unsigned k = 0; k < MAX_W; k++) {
		const uint32_t spi = 0xA5000000u + k * 0x10001u;
		const uint16_t index = (uint16_t)(k * 0x1235u + 0x8000u);
		const uint8_t type = k % 3 ? SPISYNC_EV_SA_SOFT_EXPIRY : SPISYNC_EV_SA_HARD_EXPIRY;
		uint64_t clock;

		set_reg(&b, SPISYNC_REG_FW_EVENT_SPI, spi);
		set_reg_at(&b, SPISYNC_REG_FW_EVENT, (uint32_t)index << 16 | type, &clock);
		fw_want(want[k], type, spi, index, time_at(&b, clock));
		taken++;
		card_sim_step(b.card, 60);
		st = reg(&b, SPISYNC_REG_FW_EVENT_STATUS);
		if (st >> 16 != 0)
			fail("stall", "FW_EVENT writes counted ignored while the "
			    "queue moved");
		if (st & 1u)
			break;
	}
	card_sim_step(b.card, 2000);
	st = reg(&b, SPISYNC_REG_FW_EVENT_STATUS);
	if (st != 1u) {
		char d[64];

		snprintf(d, sizeof(d), "FW_EVENT_STATUS 0x%08x after %u writes", st, taken);
		fail("stall: the record does not wait with the ring full", d);
		goto out;
	}
	if (taken < min_taken || taken > max_taken) {
		char d[96];

		snprintf(d, sizeof(d), "%u records taken before the wait, want "
		    "%u..%u", taken, min_taken, max_taken);
		fail("stall", d);
	}
	if (!(reg(&b, SPISYNC_REG_RING_STATUS) & 2u))
		fail("stall", "RING_STATUS does not say full");

	/* the waiting record keeps the SPI it was written with */
	set_reg(&b, SPISYNC_REG_FW_EVENT_SPI, 0xDEADBEEFu);
	for (unsigned k = 0; k < 5; k++) {
		set_reg(&b, SPISYNC_REG_FW_EVENT, SPISYNC_EV_SA_SOFT_EXPIRY | k << 16);
		ignored++;
		if (reg(&b, SPISYNC_REG_FW_EVENT_STATUS) != (ignored << 16 | 1u))
			fail("stall", "an ignored FW_EVENT write not counted once");
	}
	/* other types are ignored anyway, not for the wait: not counted */
	set_reg(&b, SPISYNC_REG_FW_EVENT, SPISYNC_EV_SA_MISS);
	set_reg(&b, SPISYNC_REG_FW_EVENT, SPISYNC_EV_EVENTS_LOST | 7u << 16);
	set_reg(&b, SPISYNC_REG_FW_EVENT, 0);
	if (reg(&b, SPISYNC_REG_FW_EVENT_STATUS) != (ignored << 16 | 1u))
		fail("stall", "a FW_EVENT of another type counted as ignored");
	/* the count saturates */
	for (unsigned k = 0; k < SATURATE; k++)
		set_reg(&b, SPISYNC_REG_FW_EVENT, SPISYNC_EV_SA_HARD_EXPIRY);
	st = reg(&b, SPISYNC_REG_FW_EVENT_STATUS);
	if (st != (0xFFFFu << 16 | 1u)) {
		char d[64];

		snprintf(d, sizeof(d), "FW_EVENT_STATUS 0x%08x after %u ignored "
		    "writes", st, ignored + SATURATE);
		fail("stall: the ignored count does not saturate at 0xFFFF", d);
	}
	if (card_ctl_events_lost(b.ctl) != 0)
		fail("stall", "records counted lost while they wait");

	/* the host reads again: every record taken arrives, in order, exact;
	 * none of the ignored ones */
	for (int round = 0; round < 200 && rs.n < taken; round++) {
		recs_pull(&b, &rs);
		card_sim_step(b.card, 100);
	}
	card_sim_step(b.card, 2000);
	recs_pull(&b, &rs);
	if (rs.n != taken) {
		char d[64];

		snprintf(d, sizeof(d), "%zu records, %u taken", rs.n, taken);
		fail("stall: after resuming", d);
	}
	for (size_t i = 0; i < rs.n && i < taken; i++)
		if (!rec_equal(rs.r[i], want[i], "stall: record after resuming", i))
			break;
	st = reg(&b, SPISYNC_REG_FW_EVENT_STATUS);
	if (st != 0xFFFFu << 16)
		fail("stall", "FW_EVENT_STATUS after resuming is not 0xFFFF0000");
	if (card_ctl_events_lost(b.ctl) != 0)
		fail("stall", "records lost");
	if (reg(&b, SPISYNC_REG_EVENT_HIST_COUNT) != taken)
		fail("stall", "EVENT_HIST_COUNT is not the records the gate issued");
	check_card(&b);
	card_sim_reset(b.card);
	if (reg(&b, SPISYNC_REG_FW_EVENT_STATUS) != 0)
		fail("stall", "FW_EVENT_STATUS not cleared by reset");
	printf("test_ctl_regs: stall, %u bits: ring of %u not consumed: %u "
	    "records queued before FW_EVENT_STATUS bit 0 held, %u + %u ignored "
	    "writes counted (saturated at 0xFFFF), other types not counted; all "
	    "%u exact after resuming, none lost\n", opt->width, ring, taken,
	    ignored, (unsigned)SATURATE, taken);
out:
	free(rs.r);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */
/* hist: the event history against the ring */

static void
test_hist(const struct options *opt)
{
	struct bench b;
	struct recs rs = { 0 };
	struct sent *sent;
	uint32_t depth, n, count, prod, lost0;
	uint64_t written;
	const unsigned off_recs = 12;	/* made with the ring off */
	long latency = -1;
	uint8_t got[REC_BYTES], want[REC_BYTES];
	uint8_t *snap;
	const size_t ring_bytes = (size_t)REC_BYTES << 10;

	if (bench_open(&b, opt, 0x68697374ull) != 0)
		exit(2);
	depth = reg(&b, SPISYNC_REG_CAP_EVENT_HIST);
	if (depth < 2 || (depth & (depth - 1)) != 0 || depth > 4096) {
		fail("hist", "CAP_EVENT_HIST is not a power of two in 2..4096");
		bench_close(&b);
		return;
	}
	if (reg(&b, SPISYNC_REG_EVENT_HIST_COUNT) != 0)
		fail("hist", "EVENT_HIST_COUNT not 0 after reset");
	card_ctl_event_filter(b.ctl, 0, 0, 1);
	if (card_sim_events_enable(b.card, 10) != 0)
		exit(2);
	set_int_time(&b, 3);

	/* 1. more misses than the history holds, one record each */
	n = 3 * depth + 17;
	sent = calloc(n + off_recs, sizeof(*sent));
	if (sent == NULL)
		exit(2);
	for (uint32_t i = 0; i < n; i++) {
		const unsigned kind = prng_below(&b.rng, 4);

		if (make_miss(&b, &sent[i], kind & 1, kind & 2, 0x10000u + i * 77u,
		    i) != 0)
			exit(2);
		card_sim_set_gap(b.card, prng_below(&b.rng, 4) == 0 ?
		    prng_below(&b.rng, 30) : 0);
		push(&b, &sent[i]);
		if (i % 32 == 31) {
			card_sim_step(b.card, 300);
			recs_pull(&b, &rs);
		}
	}
	if (!card_sim_drain(b.card, 1000000))
		fail("hist", "the card did not drain");
	recs_pull(&b, &rs);
	if (rs.n != n) {
		char d[64];

		snprintf(d, sizeof(d), "%zu records for %u misses", rs.n, n);
		fail("hist: ring", d);
		goto out;
	}
	/* the ring's records are the frames' (the classifier's latency is
	 * one constant, measured on the first) */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t end;

		if (!frame_end(&b, &sent[i], &end)) {
			fail("hist", "frame never went out");
			goto out;
		}
		if (latency < 0)
			latency = (long)((REC(rs.r[i], TIME_NS) - time_at(&b, end)) / b.inc_ns);
		store_le64(sent[i].want + SPISYNC_EVF_TIME_NS_OFF,
		    time_at(&b, end + (uint64_t)latency));
		if (!rec_equal(rs.r[i], sent[i].want, "hist: ring record of a miss", i))
			goto out;
	}
	count = reg(&b, SPISYNC_REG_EVENT_HIST_COUNT);
	if (count != n) {
		char d[64];

		snprintf(d, sizeof(d), "EVENT_HIST_COUNT %u, %u records issued", count, n);
		fail("hist", d);
	}

	/* 2. every slot against the ring, and reading disturbs nothing */
	prod = reg(&b, SPISYNC_REG_RING_PROD);
	written = card_ctl_read64(b.ctl, SPISYNC_REG_EVENTS_WRITTEN_LO);
	snap = malloc(ring_bytes);
	if (snap == NULL)
		exit(2);
	memcpy(snap, host_mem_data(card_sim_host_mem(b.card)), ring_bytes);
	for (uint32_t k = n - depth; k < n; k++) {
		uint8_t ring_rec[REC_BYTES];

		memcpy(ring_rec, rs.r[k], REC_BYTES);
		ring_rec[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
		hist_read(&b, k, got);
		if (memcmp(got, ring_rec, REC_BYTES) != 0) {
			char d[64];

			snprintf(d, sizeof(d), "record %u", k);
			fail("hist: slot differs from the ring's record (PHASE aside)", d);
			dump_diff(got, ring_rec);
			break;
		}
		/* n mod depth: an older or a future number of the same slot */
		hist_read(&b, k + depth, got);
		if (memcmp(got, ring_rec, REC_BYTES) != 0)
			fail("hist", "SELECT n + depth is not slot n mod depth");
		hist_read(&b, k - 2 * depth, got);
		if (memcmp(got, ring_rec, REC_BYTES) != 0)
			fail("hist", "SELECT n - 2 x depth is not slot n mod depth");
	}
	if (reg(&b, SPISYNC_REG_RING_PROD) != prod ||
	    card_ctl_read64(b.ctl, SPISYNC_REG_EVENTS_WRITTEN_LO) != written ||
	    memcmp(snap, host_mem_data(card_sim_host_mem(b.card)), ring_bytes) != 0)
		fail("hist", "reading the history touched the ring");
	free(snap);
	{
		const size_t before = rs.n;

		card_sim_step(b.card, 1000);
		recs_pull(&b, &rs);
		if (rs.n != before)
			fail("hist", "reading the history made ring records");
	}

	/* 3. the ring disabled: misses and a controller record still enter
	 * the history (spaced: one record a clock at most reaches it then) */
	lost0 = (uint32_t)card_ctl_events_lost(b.ctl);
	set_reg(&b, SPISYNC_REG_RING_CTRL, 0);
	card_sim_set_gap(b.card, 40);
	for (uint32_t i = n; i < n + off_recs - 1; i++) {
		const unsigned kind = prng_below(&b.rng, 4);

		if (make_miss(&b, &sent[i], kind & 1, kind & 2, 0x900000u + i, i) != 0)
			exit(2);
		push(&b, &sent[i]);
	}
	if (!card_sim_drain(b.card, 1000000))
		fail("hist", "the card did not drain with the ring off");
	{
		uint64_t clock;

		set_reg(&b, SPISYNC_REG_FW_EVENT_SPI, 0x0F0F0F0Fu);
		set_reg_at(&b, SPISYNC_REG_FW_EVENT, 0x4321u << 16 |
		    SPISYNC_EV_SA_SOFT_EXPIRY, &clock);
		fw_want(sent[n + off_recs - 1].want, SPISYNC_EV_SA_SOFT_EXPIRY,
		    0x0F0F0F0Fu, 0x4321, time_at(&b, clock));
		card_sim_step(b.card, 200);
	}
	count = reg(&b, SPISYNC_REG_EVENT_HIST_COUNT);
	if (count != n + off_recs)
		fail("hist", "EVENT_HIST_COUNT did not count the records made with "
		    "the ring off");
	if (card_ctl_events_lost(b.ctl) - lost0 != off_recs)
		fail("hist", "the records made with the ring off are not all "
		    "counted lost");
	for (uint32_t k = n + off_recs - depth; k < n + off_recs; k++) {
		if (k < n) {
			memcpy(want, rs.r[k], REC_BYTES);
			want[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
		} else {
			uint64_t end;

			memcpy(want, sent[k].want, REC_BYTES);
			if (k + 1 < n + off_recs) {
				if (!frame_end(&b, &sent[k], &end)) {
					fail("hist", "frame never went out");
					break;
				}
				store_le64(want + SPISYNC_EVF_TIME_NS_OFF,
				    time_at(&b, end + (uint64_t)latency));
			}
		}
		hist_read(&b, k, got);
		if (memcmp(got, want, REC_BYTES) != 0) {
			char d[96];

			snprintf(d, sizeof(d), "record %u (%s)", k, k < n ?
			    "from the ring" : "made with the ring off");
			fail("hist: slot differs", d);
			dump_diff(got, want);
			break;
		}
	}
	printf("test_ctl_regs: hist, %u bits: %u misses through a history of "
	    "%u: every slot = its ring record but PHASE, SELECT modulo the "
	    "depth, reading left the ring alone; ring off: %u misses and a "
	    "controller record entered it, exact\n", opt->width, n, depth,
	    off_recs - 1);
out:
	free(sent);
	free(rs.r);
	bench_close(&b);
}

/* ------------------------------------------------------------------ */

static int
parse_args(int argc, char **argv, struct options *o)
{
	o->width = 128;
	o->seed = (uint64_t)time(NULL);
	o->only = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--width") == 0 && i + 1 < argc)
			o->width = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			o->seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			o->only = argv[++i];
		else {
			fprintf(stderr, "usage: test_ctl_regs [--width 128|512] "
			    "[--seed N] [--only mbox|time|fw|stall|hist]\n");
			return -1;
		}
	}
	if (o->width != 128 && o->width != 512) {
		fprintf(stderr, "test_ctl_regs: --width must be 128 or 512\n");
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

	if (parse_args(argc, argv, &opt) != 0)
		return 2;
	g_opt = &opt;
	printf("test_ctl_regs: seed %" PRIu64 "\n", opt.seed);
	if (wanted(&opt, "mbox"))
		test_mbox(&opt);
	if (wanted(&opt, "time"))
		test_time(&opt);
	if (wanted(&opt, "fw"))
		test_fw(&opt);
	if (wanted(&opt, "stall"))
		test_stall(&opt);
	if (wanted(&opt, "hist"))
		test_hist(&opt);
	if (fail_count != 0) {
		fprintf(stderr, "test_ctl_regs: %u failures (seed %" PRIu64 ")\n",
		    fail_count, opt.seed);
		return 1;
	}
	printf("test_ctl_regs: ok\n");
	return 0;
}
