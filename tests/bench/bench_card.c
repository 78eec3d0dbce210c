/*
 * spisync -- benchmark of the whole card (hw/rtl/spisync_card.v) in
 * simulation: frame rates at 128 and 512 bits, throughput against the number
 * of active SAs, simulation speed. Counts clocks of the Verilated model;
 * CPU time only for the simulation speed and the SA install time.
 * It measures and never asserts: a run whose frames were not all DECRYPTED
 * (TAIL_DROP aside, which is a measured figure) is reported loudly in its
 * row and on stderr, and its numbers are then meaningless. Each host frame
 * is checked for outcome DECRYPTED, its SA index and its length (the bytes
 * are tests/hw/test_card.c's business).
 *
 * Traffic: valid ESP frames only, IPv4, AES-GCM (AES-128 and AES-256 SAs
 * alternating), sequence numbers in order per SA, frames round-robin over
 * the SAs, the host always ready. Sizes are Ethernet frame sizes on the
 * wire with the FCS (as in "64-byte frames"); the card sees 4 bytes less.
 * An ESP-in-IPv4 frame is always 2 modulo 4 bytes long (RFC 4303 aligns
 * the trailer to 4 bytes after 14 + 20 bytes of headers), so no ESP frame
 * is 64 bytes: the smallest, 66 on the wire (62 at the card: transport
 * mode, ICV 8, 2 bytes of payload), stands for them; it is one beat at 512
 * bits and four at 128, like a 64-byte one.
 *
 * For each traffic and width:
 *   back to back (no idle clock between frames): the steady-state clocks
 *     per DECRYPTED frame the card delivers (after the first tenth of the
 *     frames, until the last one is on the wire), so its capacity, and the
 *     TAIL_DROP count; if frames were dropped, runs with 1, 2, ... idle
 *     clocks after each frame find the smallest gap without TAIL_DROP;
 *   at 100GbE line rate (frames spaced as a 100GbE link delivers them:
 *     (S + 20) * 8 bits each, preamble and inter-frame gap counted), when
 *     the bus can carry that: the TAIL_DROP count.
 * Mpps and Gbit/s (frame bytes with FCS) are the back-to-back capacity at
 * the clock given; x 100G divides by 100GbE line rate for the same frames.
 *
 *   bench_card [--width 128|512]... [--sas] [--seed N] [--clock-mhz F]
 *              [--clocks N] [--max-sas N]
 *
 * --width: frame-rate table and simulation speed on mk/card.mk's model of
 * that width (4096 SAs). --sas: SA scaling on the 512-bit model with 65536
 * SA entries (mk/bench_card.mk), driven through its ops table: throughput
 * round-robin over 1, 1K, 16K and 64K SAs (up to --max-sas), and the MMIO
 * install time. --clocks: target clocks per run (runs are at least 2000
 * frames, and at least two frames per SA). Output: markdown.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "card_sim_ops.h"
#include "frame_build.h"
#include "model_sa.h"
#include "prng.h"
#include "sa_entry.h"
#include "sa_table.h"
#include "spisync_hw.h"

/* the big model of mk/bench_card.mk; card_sim.c knows only 128 and 512 */
extern const struct card_sim_ops card_sim_ops_w512_big;

enum {
	FCS_LEN = 4,
	ETH_HDR = 14,
	IPV4_HDR = 20,
	INNER_HDRS = 28,            /* a tunnel's inner IPv4 + UDP headers */
	WIRE_EXTRA = 20,            /* preamble, SFD and inter-frame gap */
	LINE_GBPS = 100,
	EXPECT_RING = 65536,        /* by RX_SEQ, which is 16 bits */
	POOL_SAS = 16,              /* SAs per pool in the frame-rate runs */
	MIN_RUN_FRAMES = 2000,
	MAX_GAP = 32,
	READY_POLLS = 1u << 16,
	READY_POLL_CLOCKS = 64,
	DRAIN_CLOCKS = 4000000,
	MAX_WIDTHS = 4,
	MAX_PATTERN = 12,
	NUM_SCALE_SAS = 4,
};

static const uint32_t scale_sas[NUM_SCALE_SAS] = { 1, 1024, 16384, 65536 };

/* What the host must receive for a frame. */
struct expect {
	uint16_t host_len;
	uint16_t sa_index;
	uint16_t wire_len;
};

/* One Verilated card behind its ops table, and the firmware's SA table. */
struct dev {
	const struct card_sim_ops *ops;
	void *m;
	uint32_t entries, buckets;
	struct sa_table table;
	struct sa_tag_slot *slots;
	uint32_t *spi_of;
	uint8_t *gen_of;
	bool *used;
	uint64_t rx_count;          /* frames pushed since reset: next RX_SEQ */
	struct expect *expect;      /* by RX_SEQ */
	struct card_host_frame *host;
};

struct bench_sa {
	struct model_sa sa;
	uint32_t index;
	uint64_t next_seq;
};

/* SAs frames of one kind go to, round-robin over the first n. */
struct pool {
	struct bench_sa *sas;
	uint32_t n;
	uint32_t next;
};

/* One frame of a traffic pattern. */
struct frame_kind {
	size_t wire_len;            /* on the wire with FCS */
	bool tunnel;
	unsigned pool;              /* index into the run's pools */
};

struct traffic {
	const char *name;
	const struct frame_kind *pattern;
	unsigned n;
};

struct run_result {
	uint64_t frames;
	double beats_per_frame;     /* offered, at this width */
	double wire_bytes;          /* mean frame size on the wire, with FCS */
	double clocks_per_frame;    /* per DECRYPTED frame, steady state */
	double bytes_per_clock;     /* DECRYPTED frames' bytes on the wire */
	uint64_t clocks;            /* whole run, drain included */
	double host_seconds;        /* CPU time */
	uint64_t counts[SPISYNC_NUM_REASONS];
	uint64_t delivered, bad_host, events;
	uint32_t events_before;     /* EVENTS_LOST (low word) at the start */
	bool protocol_error, drained;
	bool valid;
	char why[160];
};

struct options {
	unsigned widths[MAX_WIDTHS];
	unsigned n_widths;
	bool sas;
	uint64_t seed;
	double clock_mhz;
	uint64_t clocks;
	uint32_t max_sas;
};

/* The smallest ESP frame, and ICV 16 frames: transport and tunnel. */
static const struct frame_kind k66 = { 66, false, 0 };
static const struct frame_kind k74 = { 74, false, 1 };
static const struct frame_kind k594 = { 594, true, 1 };
static const struct frame_kind k1518 = { 1518, true, 1 };

/* Classic IMIX 7:4:1 of 64/594/1518 bytes (IP 40/576/1500), the 64 as 66
 * (see above), interleaved. */
static const struct frame_kind imix[MAX_PATTERN] = {
	{ 66, false, 0 }, { 594, true, 1 }, { 66, false, 0 }, { 66, false, 0 },
	{ 594, true, 1 }, { 66, false, 0 }, { 1518, true, 1 }, { 66, false, 0 },
	{ 594, true, 1 }, { 66, false, 0 }, { 66, false, 0 }, { 594, true, 1 },
};

/* For SA scaling every frame goes to the one pool. */
static const struct frame_kind imix_one_pool[MAX_PATTERN] = {
	{ 66, false, 0 }, { 594, true, 0 }, { 66, false, 0 }, { 66, false, 0 },
	{ 594, true, 0 }, { 66, false, 0 }, { 1518, true, 0 }, { 66, false, 0 },
	{ 594, true, 0 }, { 66, false, 0 }, { 66, false, 0 }, { 594, true, 0 },
};

/* CPU time of this process: the simulation's cost, whatever else the
 * machine runs. */
static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------
 * the card
 * ------------------------------------------------------------------- */

static void hal_write32(void *ctx, uint32_t offset, uint32_t value)
{
	struct dev *d = ctx;

	d->ops->mmio_write(d->m, offset, value);
}

static uint32_t reg_read(struct dev *d, uint32_t offset)
{
	return d->ops->mmio_read(d->m, offset);
}

static bool wait_ready(struct dev *d)
{
	for (unsigned i = 0; i < READY_POLLS; i++) {
		if (reg_read(d, SPISYNC_REG_STATUS) & 1u)
			return true;
		d->ops->step(d->m, READY_POLL_CLOCKS);
	}
	return false;
}

static int check_card(struct dev *d, unsigned width)
{
	const uint32_t id = reg_read(d, SPISYNC_REG_ID);
	const uint32_t version = reg_read(d, SPISYNC_REG_VERSION);
	const uint32_t w = reg_read(d, SPISYNC_REG_CAP_DATA_WIDTH);

	if (id != SPISYNC_MAGIC || version != SPISYNC_VERSION || w != width) {
		fprintf(stderr, "bench_card: ID 0x%08x VERSION 0x%08x width %u:"
		    " not the card expected (width %u)\n", (unsigned)id,
		    (unsigned)version, (unsigned)w, width);
		return -1;
	}
	d->entries = reg_read(d, SPISYNC_REG_CAP_SA_ENTRIES);
	d->buckets = reg_read(d, SPISYNC_REG_CAP_TAG_BUCKETS);
	if (d->entries == 0 || d->entries > 65536 || d->buckets == 0 ||
	    (d->buckets & (d->buckets - 1)) != 0) {
		fprintf(stderr, "bench_card: CAP_SA_ENTRIES %u, CAP_TAG_BUCKETS"
		    " %u: out of range\n", (unsigned)d->entries,
		    (unsigned)d->buckets);
		return -1;
	}
	return 0;
}

static void dev_close(struct dev *d)
{
	if (d == NULL)
		return;
	if (d->m != NULL)
		d->ops->destroy(d->m);
	free(d->slots);
	free(d->spi_of);
	free(d->gen_of);
	free(d->used);
	free(d->expect);
	free(d->host);
	free(d);
}

static int dev_alloc_tables(struct dev *d)
{
	d->slots = calloc(2u * d->buckets * SPISYNC_TAG_WAYS, sizeof(*d->slots));
	d->spi_of = calloc(d->entries, sizeof(*d->spi_of));
	d->gen_of = calloc(d->entries, sizeof(*d->gen_of));
	d->used = calloc(d->entries, sizeof(*d->used));
	d->expect = calloc(EXPECT_RING, sizeof(*d->expect));
	d->host = malloc(sizeof(*d->host));
	if (d->slots == NULL || d->spi_of == NULL || d->gen_of == NULL ||
	    d->used == NULL || d->expect == NULL || d->host == NULL)
		return -1;
	return 0;
}

/*
 * Create and reset the model, wait for its per-SA state to clear and write
 * the SA table empty as the firmware does (sa_table_init). *init_clocks
 * gets the clocks the table init took.
 */
static struct dev *dev_open(const struct card_sim_ops *ops, unsigned width,
    uint64_t *init_clocks, double *init_seconds)
{
	struct sa_hal h = { .ctx = NULL, .write32 = hal_write32 };
	struct dev *d = calloc(1, sizeof(*d));
	uint64_t c0;
	double t0;

	if (d == NULL)
		return NULL;
	d->ops = ops;
	d->m = ops->create();
	if (d->m == NULL) {
		fprintf(stderr, "bench_card: cannot create the %u-bit model\n",
		    width);
		dev_close(d);
		return NULL;
	}
	ops->reset(d->m);
	if (!wait_ready(d)) {
		fprintf(stderr, "bench_card: STATUS never ready\n");
		dev_close(d);
		return NULL;
	}
	if (check_card(d, width) != 0 || dev_alloc_tables(d) != 0) {
		dev_close(d);
		return NULL;
	}
	h.ctx = d;
	c0 = ops->cycles(d->m);
	t0 = cpu_seconds();
	if (sa_table_init(&d->table, &h, d->entries, d->buckets, d->slots,
	    d->spi_of, d->gen_of, d->used) != SA_OK) {
		fprintf(stderr, "bench_card: sa_table_init refused %u entries,"
		    " %u buckets\n", (unsigned)d->entries, (unsigned)d->buckets);
		dev_close(d);
		return NULL;
	}
	*init_clocks = ops->cycles(d->m) - c0;
	*init_seconds = cpu_seconds() - t0;
	return d;
}

static void read_counters(struct dev *d, uint64_t out[SPISYNC_NUM_REASONS])
{
	d->ops->mmio_write(d->m, SPISYNC_REG_COUNTER_SNAPSHOT, 1);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		const uint64_t lo = reg_read(d, SPISYNC_REG_COUNTERS(i));
		const uint64_t hi = reg_read(d, SPISYNC_REG_COUNTERS(i) + 4);

		out[i] = lo | hi << 32;
	}
}

/* ---------------------------------------------------------------------
 * SAs and frames
 * ------------------------------------------------------------------- */

static const uint8_t sa_dst[4] = { 192, 0, 2, 1 };
static const uint8_t peer_src[4] = { 198, 51, 100, 7 };

static void make_sa(struct prng *r, uint32_t i, unsigned icv_len,
    struct bench_sa *out)
{
	struct model_sa *sa = &out->sa;

	memset(out, 0, sizeof(*out));
	sa->spi = 256u + (uint32_t)(prng_next(r) % (0xFFFFFFFFull - 256u));
	memcpy(sa->dst, sa_dst, sizeof(sa_dst));
	sa->key_len = (i % 2) ? 32 : 16;
	prng_fill(r, sa->key, sa->key_len);
	prng_fill(r, sa->salt, sizeof(sa->salt));
	sa->icv_len = icv_len;
	sa->mode = SA_MODE_AUTO;
	out->next_seq = 1;
}

/* Install sas[from .. to) (a new SPI on the rare collision). */
static int install_sas(struct dev *d, struct prng *r, struct bench_sa *sas,
    uint32_t from, uint32_t to)
{
	uint32_t words[SPISYNC_SA_WORDS];

	for (uint32_t i = from; i < to; i++) {
		int rc;

		for (;;) {
			sa_entry_encode(&sas[i].sa, words);
			rc = sa_table_add(&d->table, words, &sas[i].index);
			if (rc != SA_ERR_EXISTS)
				break;
			sas[i].sa.spi = 256u + (uint32_t)(prng_next(r) %
			    (0xFFFFFFFFull - 256u));
		}
		if (rc != SA_OK) {
			OPENSSL_cleanse(words, sizeof(words));
			fprintf(stderr, "bench_card: installing SA %u of %u:"
			    " error %d\n", (unsigned)i, (unsigned)to, rc);
			return -1;
		}
	}
	OPENSSL_cleanse(words, sizeof(words));
	return 0;
}

/*
 * Build one frame of kind k on SA s: wire_len - 4 bytes at the card, the
 * payload sized to fill it exactly (a tunnel's inner IPv4/UDP packet, or
 * transport payload bytes with next header UDP). *host_len: what the card
 * delivers.
 */
static int build_frame(struct prng *r, const struct frame_kind *k,
    struct bench_sa *s, uint8_t *buf, size_t cap, size_t *len,
    size_t *host_len)
{
	static uint8_t payload[FB_MAX_FRAME], data[FB_MAX_FRAME];
	struct fb_eth eth;
	struct fb_ip ip, inner;
	struct fb_esp esp;
	struct fb_info info;
	const size_t card_len = k->wire_len - FCS_LEN;
	size_t overhead, plen;

	memset(&eth, 0, sizeof(eth));
	memset(&ip, 0, sizeof(ip));
	memset(&esp, 0, sizeof(esp));
	memcpy(eth.dst, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(eth.src, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(ip.src, peer_src, sizeof(peer_src));
	memcpy(ip.dst, s->sa.dst, 4);
	ip.ttl = 64;
	ip.df = true;
	ip.id = (uint16_t)s->next_seq;
	esp.spi = s->sa.spi;
	esp.seq = s->next_seq;
	prng_fill(r, esp.iv, sizeof(esp.iv));
	esp.key = s->sa.key;
	esp.key_len = s->sa.key_len;
	memcpy(esp.salt, s->sa.salt, sizeof(esp.salt));
	esp.icv_len = s->sa.icv_len;
	esp.next_header = k->tunnel ? 4 : 17;

	overhead = fb_esp_frame_overhead(&eth, &ip, NULL, &esp);
	if (card_len < overhead + (k->tunnel ? (size_t)INNER_HDRS : 0u))
		return -1;
	plen = card_len - overhead;
	if (k->tunnel) {
		memset(&inner, 0, sizeof(inner));
		memcpy(inner.src, "\x0a\x00\x00\x01", 4);
		memcpy(inner.dst, "\x0a\x00\x01\x01", 4);
		inner.ttl = 64;
		prng_fill(r, data, plen - INNER_HDRS);
		if (fb_inner_packet(payload, sizeof(payload), &inner, 17, 5000,
		    5001, data, plen - INNER_HDRS, &plen) != 0)
			return -1;
		*host_len = ETH_HDR + plen;
	} else {
		prng_fill(r, payload, plen);
		*host_len = ETH_HDR + IPV4_HDR + plen;
	}
	if (fb_esp_frame(buf, cap, &eth, &ip, NULL, &esp, payload, plen,
	    &info) != 0 || info.len != card_len)
		return -1;
	*len = info.len;
	s->next_seq++;
	return 0;
}

/* ---------------------------------------------------------------------
 * runs
 * ------------------------------------------------------------------- */

static unsigned beats_of(size_t card_len, unsigned width)
{
	return (unsigned)((card_len + width / 8 - 1) / (width / 8));
}

/* Clocks one frame of wire_len bytes takes on a 100GbE link. */
static double line_clocks(size_t wire_len, double clock_mhz)
{
	return (double)(wire_len + WIRE_EXTRA) * 8.0 / LINE_GBPS * clock_mhz / 1000.0;
}

static void traffic_means(const struct traffic *t, unsigned width,
    double *beats, double *wire_bytes)
{
	double b = 0, w = 0;

	for (unsigned i = 0; i < t->n; i++) {
		b += beats_of(t->pattern[i].wire_len - FCS_LEN, width);
		w += (double)t->pattern[i].wire_len;
	}
	*beats = b / t->n;
	*wire_bytes = w / t->n;
}

/* Whether a bus of this width can carry 100GbE for every frame of t. */
static bool bus_carries_line_rate(const struct traffic *t, unsigned width,
    double clock_mhz)
{
	for (unsigned i = 0; i < t->n; i++) {
		const size_t len = t->pattern[i].wire_len;

		if (beats_of(len - FCS_LEN, width) > line_clocks(len, clock_mhz))
			return false;
	}
	return true;
}

static void mark_invalid(struct run_result *res, const char *why)
{
	if (res->valid)
		snprintf(res->why, sizeof(res->why), "%s", why);
	res->valid = false;
}

/* Take what the card delivered; count DECRYPTED frames and their bytes on
 * the wire, check each. */
static void collect(struct dev *d, struct run_result *res, uint64_t *frames,
    uint64_t *wire_bytes)
{
	while (d->ops->pull_host(d->m, d->host) == 1) {
		const uint16_t seq = d->host->rx_seq;

		if (d->host->outcome != SPISYNC_R_DECRYPTED ||
		    d->host->len != d->expect[seq].host_len ||
		    d->host->sa_index != d->expect[seq].sa_index) {
			res->bad_host++;
			continue;
		}
		(*frames)++;
		*wire_bytes += d->expect[seq].wire_len;
	}
}

/* Build and queue frame n of t; *beats its beats at this width. */
static int push_one(struct dev *d, struct prng *r, const struct traffic *t,
    struct pool *pools, uint64_t n, unsigned width,
    const struct frame_kind **kind, unsigned *beats)
{
	static uint8_t frame[FB_MAX_FRAME];
	const struct frame_kind *k = &t->pattern[n % t->n];
	struct pool *p = &pools[k->pool];
	struct bench_sa *s = &p->sas[p->next];
	struct expect *e = &d->expect[(uint16_t)d->rx_count];
	size_t len, host_len;

	p->next = p->next + 1 == p->n ? 0 : p->next + 1;
	if (build_frame(r, k, s, frame, sizeof(frame), &len, &host_len) != 0) {
		fprintf(stderr, "bench_card: cannot build a %zu-byte frame\n",
		    k->wire_len);
		return -1;
	}
	e->host_len = (uint16_t)host_len;
	e->sa_index = (uint16_t)s->index;
	e->wire_len = (uint16_t)k->wire_len;
	if (d->ops->push_frame(d->m, frame, len, false) != 0)
		return -1;
	d->rx_count++;
	*kind = k;
	*beats = beats_of(len, width);
	return 0;
}

static void check_outcomes(struct dev *d, struct run_result *res,
    const uint64_t before[SPISYNC_NUM_REASONS])
{
	uint64_t after[SPISYNC_NUM_REASONS];
	uint64_t other = 0;

	read_counters(d, after);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		res->counts[i] = after[i] - before[i];
	/* no event ring is set up: any record the card made is counted lost */
	res->events = (uint32_t)(reg_read(d, SPISYNC_REG_EVENTS_LOST_LO) - res->events_before);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		if (i != SPISYNC_R_RX_PACKETS && i != SPISYNC_R_DECRYPTED &&
		    i != SPISYNC_R_TAIL_DROP)
			other += res->counts[i];
	if (!res->drained)
		mark_invalid(res, "the card did not drain");
	if (res->protocol_error)
		mark_invalid(res, "the card flagged a protocol error");
	if (res->counts[SPISYNC_R_RX_PACKETS] != res->frames)
		mark_invalid(res, "RX_PACKETS is not the number of frames sent");
	if (other != 0)
		mark_invalid(res, "frames dropped for a reason other than TAIL_DROP");
	if (res->counts[SPISYNC_R_DECRYPTED] + res->counts[SPISYNC_R_TAIL_DROP]
	    != res->frames)
		mark_invalid(res, "DECRYPTED + TAIL_DROP is not the number of frames");
	if (res->delivered != res->counts[SPISYNC_R_DECRYPTED])
		mark_invalid(res, "host frames seen != DECRYPTED");
	if (res->bad_host != 0)
		mark_invalid(res, "host frames not DECRYPTED or of the wrong length or SA");
	if (res->events != 0)
		mark_invalid(res, "event records on valid traffic");
}

/* Idle clocks after a frame: a fixed gap, or what 100GbE leaves. */
struct pacing {
	bool line_rate;
	unsigned gap;
	double clock_mhz;
	double due;                 /* line rate: clock the next frame starts */
	uint64_t at;                /* clocks since the first frame */
};

static unsigned gap_after(struct pacing *pc, const struct frame_kind *k,
    unsigned beats)
{
	unsigned gap = pc->gap;

	if (pc->line_rate) {
		pc->due += line_clocks(k->wire_len, pc->clock_mhz);
		gap = pc->due > (double)(pc->at + beats) ?
		    (unsigned)(pc->due - (double)(pc->at + beats) + 0.5) : 0;
	}
	pc->at += beats + gap;
	return gap;
}

/*
 * Push `frames` frames of t, each followed by its gap, the wire queue empty
 * in between (so the gap is exactly what the wire shows). Steady state:
 * from the end of the first tenth to the end of the last frame's slot, the
 * DECRYPTED frames (and their bytes) the host received per clock.
 */
static int run_traffic(struct dev *d, struct prng *r, const struct traffic *t,
    struct pool *pools, uint64_t frames, struct pacing *pc, unsigned width,
    struct run_result *res)
{
	uint64_t before[SPISYNC_NUM_REASONS];
	const uint64_t warm = frames / 10;
	uint64_t c_start, c0 = 0, in_window = 0, bytes_window = 0;
	uint64_t skip_frames = 0, skip_bytes = 0;
	double t0;

	memset(res, 0, sizeof(*res));
	res->valid = true;
	res->frames = frames;
	traffic_means(t, width, &res->beats_per_frame, &res->wire_bytes);
	read_counters(d, before);
	res->events_before = reg_read(d, SPISYNC_REG_EVENTS_LOST_LO);
	d->ops->set_gap(d->m, 0);
	d->ops->set_host_ready(d->m, 100, 1);
	pc->due = 0;
	pc->at = 0;
	t0 = cpu_seconds();
	c_start = d->ops->cycles(d->m);
	c0 = c_start;
	for (uint64_t n = 0; n < frames; n++) {
		const struct frame_kind *k;
		unsigned beats;

		if (push_one(d, r, t, pools, n, width, &k, &beats) != 0)
			return -1;
		d->ops->step(d->m, beats + gap_after(pc, k, beats));
		if (n < warm) {
			collect(d, res, &skip_frames, &skip_bytes);
			c0 = d->ops->cycles(d->m);
		} else {
			collect(d, res, &in_window, &bytes_window);
		}
	}
	const uint64_t c1 = d->ops->cycles(d->m);
	uint64_t tail_frames = 0, tail_bytes = 0;
	for (uint64_t done = 0; done < DRAIN_CLOCKS && d->ops->busy(d->m);
	    done += 64) {
		d->ops->step(d->m, 64);
		collect(d, res, &tail_frames, &tail_bytes);
	}
	res->drained = !d->ops->busy(d->m);
	/* the last frames leave the egress after busy drops */
	d->ops->step(d->m, 256);
	collect(d, res, &tail_frames, &tail_bytes);
	res->clocks = d->ops->cycles(d->m) - c_start;
	res->host_seconds = cpu_seconds() - t0;
	res->protocol_error = d->ops->protocol_error(d->m);
	res->delivered = skip_frames + in_window + tail_frames;
	if (in_window > 0) {
		res->clocks_per_frame = (double)(c1 - c0) / (double)in_window;
		res->bytes_per_clock = (double)bytes_window / (double)(c1 - c0);
	} else {
		mark_invalid(res, "no frame delivered in the steady state");
	}
	check_outcomes(d, res, before);
	if (!res->valid)
		fprintf(stderr, "bench_card: WARNING: %s at %u bits (%s): %s;"
		    " the figures of this run are meaningless\n", t->name, width,
		    pc->line_rate ? "100GbE line rate" : "fixed gap", res->why);
	return 0;
}

static uint64_t frames_for(const struct traffic *t, unsigned width,
    unsigned gap, uint64_t clocks, uint64_t at_least)
{
	double beats, wire;
	uint64_t n;

	traffic_means(t, width, &beats, &wire);
	n = (uint64_t)((double)clocks / (beats + gap));
	if (n < MIN_RUN_FRAMES)
		n = MIN_RUN_FRAMES;
	if (n < at_least)
		n = at_least;
	return n;
}

/* A traffic back to back; at 100GbE line rate if the bus can carry it; if
 * the card dropped frames back to back, the smallest gap where it does
 * not. */
struct measure {
	struct run_result b2b;
	struct run_result line;
	bool line_run;
	unsigned min_gap;
	bool gap_found;
	double sim_seconds;
	uint64_t sim_clocks, sim_frames;
};

static void account(struct measure *m, const struct run_result *res)
{
	m->sim_seconds += res->host_seconds;
	m->sim_clocks += res->clocks;
	m->sim_frames += res->frames;
}

static int measure_traffic(struct dev *d, struct prng *r,
    const struct traffic *t, struct pool *pools, unsigned width,
    const struct options *o, uint64_t at_least, struct measure *m)
{
	struct pacing pc = { .line_rate = false, .gap = 0, .clock_mhz = o->clock_mhz };
	struct run_result gapped;

	memset(m, 0, sizeof(*m));
	if (run_traffic(d, r, t, pools, frames_for(t, width, 0, o->clocks,
	    at_least), &pc, width, &m->b2b) != 0)
		return -1;
	account(m, &m->b2b);
	m->line_run = bus_carries_line_rate(t, width, o->clock_mhz);
	if (m->line_run) {
		pc.line_rate = true;
		if (run_traffic(d, r, t, pools, frames_for(t, width, 0,
		    o->clocks, at_least), &pc, width, &m->line) != 0)
			return -1;
		account(m, &m->line);
		pc.line_rate = false;
	}
	m->gap_found = m->b2b.counts[SPISYNC_R_TAIL_DROP] == 0;
	for (unsigned gap = 1; !m->gap_found && gap <= MAX_GAP; gap++) {
		pc.gap = gap;
		if (run_traffic(d, r, t, pools, frames_for(t, width, gap,
		    o->clocks, at_least), &pc, width, &gapped) != 0)
			return -1;
		account(m, &gapped);
		if (!gapped.valid) {
			m->b2b.valid = false;
			snprintf(m->b2b.why, sizeof(m->b2b.why), "%s", gapped.why);
		}
		if (gapped.counts[SPISYNC_R_TAIL_DROP] == 0) {
			m->min_gap = gap;
			m->gap_found = true;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * output
 * ------------------------------------------------------------------- */

static void print_rate_header(void)
{
	printf("| width | frames (bytes on the wire) | beats/frame | back to back: clocks/frame | back to back: TAIL_DROP | min gap for no TAIL_DROP | at 100GbE line rate: TAIL_DROP | Mpps | Gbit/s | 100GbE line rate (Mpps) | x 100G |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
}

static void print_row(const char *label, unsigned width, const struct measure *m,
    double clock_mhz)
{
	const struct run_result *b = &m->b2b;
	const double mpps = clock_mhz / b->clocks_per_frame;
	const double gbps = b->bytes_per_clock * 8.0 * clock_mhz / 1000.0;
	const double line_mpps = 1e3 * LINE_GBPS / ((b->wire_bytes + WIRE_EXTRA) * 8.0);
	const double line_gbps = LINE_GBPS * b->wire_bytes / (b->wire_bytes + WIRE_EXTRA);
	const bool valid = b->valid && (!m->line_run || m->line.valid);
	char gap[32], line[48];

	if (m->gap_found)
		snprintf(gap, sizeof(gap), "%u", m->min_gap);
	else
		snprintf(gap, sizeof(gap), "> %u", (unsigned)MAX_GAP);
	if (m->line_run)
		snprintf(line, sizeof(line), "%" PRIu64 " of %" PRIu64,
		    m->line.counts[SPISYNC_R_TAIL_DROP], m->line.frames);
	else
		snprintf(line, sizeof(line), "n/a (bus below line rate)");
	/* in the first cells: markdown drops cells beyond the header's */
	printf("| %u | %s%s | %.2f | %.2f | %" PRIu64 " of %" PRIu64 " | %s | %s | %.1f | %.1f | %.1f | %.2f |\n",
	    width, valid ? "" : "**NOT ALL DECRYPTED, figures meaningless:** ",
	    label, b->beats_per_frame, b->clocks_per_frame,
	    b->counts[SPISYNC_R_TAIL_DROP], b->frames, gap, line, mpps, gbps,
	    line_mpps, gbps / line_gbps);
}

/* ---------------------------------------------------------------------
 * the two benchmarks
 * ------------------------------------------------------------------- */

struct rate_row {
	const char *label;
	struct traffic t;
};

static const struct rate_row rate_rows[] = {
	{ "66 (smallest ESP: transport, ICV 8)", { "66", &k66, 1 } },
	{ "74 (smallest with ICV 16, transport)", { "74", &k74, 1 } },
	{ "594 (tunnel, ICV 16)", { "594", &k594, 1 } },
	{ "1518 (tunnel, ICV 16; IP 1500)", { "1518", &k1518, 1 } },
	{ "IMIX 7:4:1 of 66/594/1518", { "IMIX", imix, MAX_PATTERN } },
};
enum { NUM_RATE_ROWS = sizeof(rate_rows) / sizeof(rate_rows[0]) };

struct speed {
	unsigned width;
	double seconds;
	uint64_t clocks, frames;
	double imix_fps, small_fps, large_fps;
};

static int bench_width(unsigned width, const struct options *o,
    struct prng *r, struct speed *sp)
{
	const struct card_sim_ops *ops = width == 128 ? &card_sim_ops_w128 :
	    &card_sim_ops_w512;
	struct bench_sa sas[2][POOL_SAS];
	struct pool pools[2];
	uint64_t init_clocks;
	double init_seconds;
	struct dev *d = dev_open(ops, width, &init_clocks, &init_seconds);

	if (d == NULL)
		return -1;
	for (unsigned p = 0; p < 2; p++) {
		for (uint32_t i = 0; i < POOL_SAS; i++)
			make_sa(r, i, p == 0 ? 8 : 16, &sas[p][i]);
		if (install_sas(d, r, sas[p], 0, POOL_SAS) != 0) {
			dev_close(d);
			return -1;
		}
		pools[p].sas = sas[p];
		pools[p].n = POOL_SAS;
		pools[p].next = 0;
	}
	memset(sp, 0, sizeof(*sp));
	sp->width = width;
	for (unsigned i = 0; i < NUM_RATE_ROWS; i++) {
		struct measure m;

		if (measure_traffic(d, r, &rate_rows[i].t, pools, width, o,
		    2 * POOL_SAS, &m) != 0) {
			dev_close(d);
			return -1;
		}
		print_row(rate_rows[i].label, width, &m, o->clock_mhz);
		fflush(stdout);
		sp->seconds += m.sim_seconds;
		sp->clocks += m.sim_clocks;
		sp->frames += m.sim_frames;
		const double fps = (double)m.b2b.frames / m.b2b.host_seconds;
		if (rate_rows[i].t.pattern == imix)
			sp->imix_fps = fps;
		else if (rate_rows[i].t.pattern == &k66)
			sp->small_fps = fps;
		else if (rate_rows[i].t.pattern == &k1518)
			sp->large_fps = fps;
	}
	dev_close(d);
	return 0;
}

static void print_speed(const struct speed *sp, unsigned n)
{
	printf("| width | clocks/s | frames/s, 66 bytes | frames/s, IMIX | frames/s, 1518 bytes |\n");
	printf("|---|---|---|---|---|\n");
	for (unsigned i = 0; i < n; i++)
		printf("| %u | %.0f | %.0f | %.0f | %.0f |\n", sp[i].width,
		    (double)sp[i].clocks / sp[i].seconds, sp[i].small_fps,
		    sp[i].imix_fps, sp[i].large_fps);
}

static void print_install(const char *what, uint32_t sas, uint64_t clocks,
    double seconds, double clock_mhz)
{
	printf("| %s | %u | %" PRIu64 " | %.1f | %.1f | %.1f |\n", what,
	    (unsigned)sas, clocks, (double)clocks / clock_mhz / 1000.0,
	    sas > 0 ? (double)clocks / sas : 0.0, seconds);
}

static int bench_sas(const struct options *o, struct prng *r)
{
	uint64_t init_clocks;
	double init_seconds;
	struct dev *d = dev_open(&card_sim_ops_w512_big, 512, &init_clocks,
	    &init_seconds);
	const struct traffic small = { "66", &k66, 1 };
	const struct traffic mix = { "IMIX", imix_one_pool, MAX_PATTERN };
	struct measure ms[NUM_SCALE_SAS], mi[NUM_SCALE_SAS];
	uint64_t inst_clocks[NUM_SCALE_SAS];
	double inst_seconds[NUM_SCALE_SAS];
	uint32_t have = 0, n_runs = 0;
	struct bench_sa *sas;
	struct pool pool;

	if (d == NULL)
		return -1;
	sas = calloc(o->max_sas, sizeof(*sas));
	if (sas == NULL || o->max_sas > d->entries) {
		fprintf(stderr, "bench_card: %u SAs: no room (%u entries)\n",
		    (unsigned)o->max_sas, (unsigned)d->entries);
		free(sas);
		dev_close(d);
		return -1;
	}
	for (uint32_t i = 0; i < o->max_sas; i++)
		make_sa(r, i, 8, &sas[i]);
	pool.sas = sas;
	for (unsigned i = 0; i < NUM_SCALE_SAS && scale_sas[i] <= o->max_sas; i++) {
		const uint32_t n = scale_sas[i];
		const uint64_t c0 = d->ops->cycles(d->m);
		const double t0 = cpu_seconds();

		if (install_sas(d, r, sas, have, n) != 0)
			goto fail;
		inst_clocks[i] = d->ops->cycles(d->m) - c0;
		inst_seconds[i] = cpu_seconds() - t0;
		have = n;
		pool.n = n;
		pool.next = 0;
		if (measure_traffic(d, r, &small, &pool, 512, o, 2ull * n,
		    &ms[i]) != 0 ||
		    measure_traffic(d, r, &mix, &pool, 512, o, 2ull * n,
		    &mi[i]) != 0)
			goto fail;
		n_runs = i + 1;
		fprintf(stderr, "bench_card: %u SAs done\n", (unsigned)n);
	}

	printf("Frames round-robin over N SAs (AES-128 and AES-256 alternating, ICV 8,"
	    " mode auto), 512 bits, model with 65536 SA entries and 2 x 32768 tag"
	    " buckets; at least two frames per SA per run.\n\n");
	print_rate_header();
	for (uint32_t i = 0; i < n_runs; i++) {
		const char *plural = scale_sas[i] == 1 ? "" : "s";
		char label[64];

		snprintf(label, sizeof(label), "66, %u SA%s", (unsigned)scale_sas[i], plural);
		print_row(label, 512, &ms[i], o->clock_mhz);
		snprintf(label, sizeof(label), "IMIX, %u SA%s", (unsigned)scale_sas[i], plural);
		print_row(label, 512, &mi[i], o->clock_mhz);
	}
	printf("\nSA install through AXI4-Lite (firmware/sa_table.c: 32 staged words,"
	    " SA_WRITE, stage cleared, tag slot; one AXI4-Lite write at a time)."
	    " Card time at %.3f MHz; CPU time of the simulation.\n\n", o->clock_mhz);
	printf("| step | SAs (init: entries) | clocks | card time (ms) | clocks/SA | CPU time (s) |\n");
	printf("|---|---|---|---|---|---|\n");
	print_install("table init (every tag slot and entry written invalid)",
	    d->entries, init_clocks, init_seconds, o->clock_mhz);
	for (uint32_t i = 0; i < n_runs; i++) {
		char what[64];

		snprintf(what, sizeof(what), "install SAs %u .. %u",
		    (unsigned)(i == 0 ? 1 : scale_sas[i - 1] + 1),
		    (unsigned)scale_sas[i]);
		print_install(what, scale_sas[i] - (i == 0 ? 0 : scale_sas[i - 1]),
		    inst_clocks[i], inst_seconds[i], o->clock_mhz);
	}
	printf("\n");
	free(sas);
	dev_close(d);
	return 0;
fail:
	free(sas);
	dev_close(d);
	return -1;
}

/* ---------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr, "usage: bench_card [--width 128|512]... [--sas] [--seed N]"
	    " [--clock-mhz F] [--clocks N] [--max-sas N]\n");
	return 2;
}

static int parse_number(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	*out = strtoull(s, &end, 0);
	return *end == '\0' ? 0 : -1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = (uint64_t)time(NULL);
	o->clock_mhz = 322.265625;
	o->clocks = 100000;
	o->max_sas = 65536;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n = 0;

		if (strcmp(a, "--sas") == 0) {
			o->sas = true;
			continue;
		}
		if (v == NULL)
			return -1;
		i++;
		if (strcmp(a, "--clock-mhz") == 0) {
			char *end;

			o->clock_mhz = strtod(v, &end);
			if (*end != '\0' || o->clock_mhz <= 0)
				return -1;
			continue;
		}
		if (parse_number(v, &n) != 0)
			return -1;
		if (strcmp(a, "--width") == 0) {
			if ((n != 128 && n != 512) || o->n_widths == MAX_WIDTHS)
				return -1;
			o->widths[o->n_widths++] = (unsigned)n;
		} else if (strcmp(a, "--seed") == 0) {
			o->seed = n;
		} else if (strcmp(a, "--clocks") == 0 && n > 0) {
			o->clocks = n;
		} else if (strcmp(a, "--max-sas") == 0 && n > 0 && n <= 65536) {
			o->max_sas = (uint32_t)n;
		} else {
			return -1;
		}
	}
	if (o->n_widths == 0 && !o->sas)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct prng r;
	struct speed sp[MAX_WIDTHS];

	if (parse_options(argc, argv, &o) != 0)
		return usage();
	fprintf(stderr, "bench_card: seed %" PRIu64 " (--seed %" PRIu64
	    " repeats the traffic)\n", o.seed, o.seed);
	prng_seed(&r, o.seed);
	if (o.n_widths > 0) {
		printf("Clock %.6g MHz; about %" PRIu64 " clocks per run; seed %"
		    PRIu64 ".\n\n", o.clock_mhz, o.clocks, o.seed);
		print_rate_header();
		for (unsigned i = 0; i < o.n_widths; i++)
			if (bench_width(o.widths[i], &o, &r, &sp[i]) != 0)
				return 1;
		printf("\nSimulation speed: CPU time of one core, frame building"
		    " with OpenSSL included, back-to-back runs:\n\n");
		print_speed(sp, o.n_widths);
		printf("\n");
	}
	if (o.sas && bench_sas(&o, &r) != 0)
		return 1;
	return 0;
}
