/*
 * spisync bench -- the event path, measured (never asserted):
 *
 *   rate      records per clock the ring sustains: distinct-flow misses
 *             back to back (one beat each at 512 bits), no hold-off, no
 *             token bucket, a host that answers writes after LAT clocks;
 *             records/clock and records/s at the given clock.
 *   latency   from a miss frame's first beat on the wire to its record being
 *             visible in host memory (the phase byte flipped), polled every
 *             clock: median and worst over a run at a moderate miss rate
 *             (latency) or a miss every clock (latency-flood: the worst
 *             case, records waiting in the FIFO), with the host answering
 *             writes after LAT clocks.
 *   consume   host CPU time per record of event_ring_pop (the driver's
 *             consumer) over a ring full of records, on this machine.
 *
 * Prints markdown table rows; tools/bench-events.sh assembles the section.
 *
 *   bench_events [--clock-mhz F] [--seed N]
 *       rate|latency|latency-flood|consume [LAT ...]
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
#include "event_ring.h"
#include "frame_build.h"
#include "host_mem.h"
#include "prng.h"
#include "spisync_hw.h"

enum { RING_LOG2 = 12, MAX_FRAME = 128 };

struct bench {
	struct card_sim *card;
	struct card_ctl *ctl;
	struct prng rng;
	uint8_t frame[MAX_FRAME];
	size_t len;
	size_t spi_off;
	uint32_t src_off;
};

static int
open_card(struct bench *b, uint64_t seed)
{
	char err[256];
	static const uint8_t key[16] = { 1 };
	uint8_t payload[1] = { 0 };
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_esp esp;
	struct fb_info info;

	memset(b, 0, sizeof(*b));
	prng_seed(&b->rng, seed);
	b->card = card_sim_create(512);
	if (b->card == NULL || card_ctl_open(b->card, &b->ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_events: no card: %s\n", b->card ? err : "");
		return -1;
	}
	card_ctl_event_filter(b->ctl, 0, 0, 1);
	if (card_sim_events_enable(b->card, RING_LOG2) != 0) {
		fprintf(stderr, "bench_events: event ring setup failed\n");
		return -1;
	}
	/* the shortest ESP frame to an unknown SPI: 62 bytes, one beat */
	memset(&eth, 0, sizeof(eth));
	eth.pad_min = true;
	memset(&ip, 0, sizeof(ip));
	ip.src[0] = 198;
	ip.src[1] = 18;
	ip.src[3] = 1;
	ip.dst[0] = 198;
	ip.dst[1] = 19;
	ip.dst[3] = 1;
	ip.ttl = 64;
	memset(&esp, 0, sizeof(esp));
	esp.spi = 0x1000;
	esp.seq = 1;
	esp.key = key;
	esp.key_len = 16;
	esp.icv_len = 8;
	esp.next_header = 4;
	if (fb_esp_frame(b->frame, sizeof(b->frame), &eth, &ip, NULL, &esp,
	    payload, 0, &info) != 0) {
		fprintf(stderr, "bench_events: frame build failed\n");
		return -1;
	}
	b->len = info.len;
	b->spi_off = info.esp_off;
	return 0;
}

static void
close_card(struct bench *b)
{
	card_ctl_close(b->ctl);
	card_sim_destroy(b->card);
}

/* a frame of a flow never seen before (a new SPI each time) */
static void
push_new_flow(struct bench *b)
{
	store_be32(b->frame + b->spi_off, 256 + prng_below(&b->rng, 0xFFFFFF00u));
	if (card_sim_push_frame(b->card, b->frame, b->len, false) != 0) {
		fprintf(stderr, "bench_events: push failed\n");
		exit(1);
	}
}

static void
bench_rate(uint64_t seed, double clock_mhz, unsigned lat)
{
	struct bench b;
	uint8_t rec[SPISYNC_EVENT_BYTES];
	const unsigned frames = 20000;
	uint64_t got = 0, start, written0, written, clocks;

	if (open_card(&b, seed) != 0)
		exit(1);
	host_mem_set_timing(card_sim_host_mem(b.card), lat, 100, 100, seed);
	written0 = card_ctl_read64(b.ctl, SPISYNC_REG_EVENTS_WRITTEN_LO);
	start = card_sim_cycles(b.card);
	for (unsigned i = 0; i < frames; i++) {
		push_new_flow(&b);
		if (i % 256 == 255) {
			card_sim_step(b.card, 256);
			while (card_sim_pull_event(b.card, rec) == 1)
				got++;
		}
	}
	card_sim_drain(b.card, 10000000);
	clocks = card_sim_cycles(b.card) - start;
	while (card_sim_pull_event(b.card, rec) == 1)
		got++;
	written = card_ctl_read64(b.ctl, SPISYNC_REG_EVENTS_WRITTEN_LO) - written0;
	/* the reads above run the clock too: rate over the clocks the frames
	 * took, records as the card counted them written */
	printf("| %u | %u | %" PRIu64 " | %" PRIu64 " | %.3f | %.1f |\n", lat,
	    frames, written, clocks, (double)written / (double)clocks,
	    (double)written / (double)clocks * clock_mhz);
	(void)got;
	close_card(&b);
}

static int
cmp_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Poll the ring in host memory after every clock, as a driver's poll loop
 * would see it; record each new record's miss-to-visible latency. */
struct poller {
	const uint8_t *mem;
	uint32_t slot;
	uint8_t phase;
	unsigned seen, max;
	uint64_t *lat_clocks;
};

static void
poll_step(struct bench *b, struct poller *p)
{
	card_sim_step(b->card, 1);
	while (p->seen < p->max) {
		const uint8_t *r = p->mem + (size_t)p->slot * SPISYNC_EVENT_BYTES;
		uint64_t first;

		if ((r[SPISYNC_EVF_FLAGS_OFF] & SPISYNC_EV_FLAG_PHASE) != p->phase)
			break;
		const uint16_t rx = (uint16_t)(r[SPISYNC_EVF_RX_SEQ_OFF] |
		    r[SPISYNC_EVF_RX_SEQ_OFF + 1] << 8);
		if (card_sim_frame_start(b->card, rx, &first))
			p->lat_clocks[p->seen++] = card_sim_cycles(b->card) - first;
		if (++p->slot == (1u << RING_LOG2)) {
			p->slot = 0;
			p->phase ^= 1;
		}
	}
}

static void
bench_latency(uint64_t seed, double clock_mhz, unsigned lat, bool flood)
{
	struct bench b;
	const unsigned frames = 2000;
	struct poller p;
	struct host_mem *hm;

	if (open_card(&b, seed) != 0)
		exit(1);
	hm = card_sim_host_mem(b.card);
	host_mem_set_timing(hm, lat, 100, 100, seed);
	memset(&p, 0, sizeof(p));
	p.mem = host_mem_data(hm);
	p.phase = 1;
	p.max = frames;
	p.lat_clocks = calloc(frames, sizeof(*p.lat_clocks));
	if (p.lat_clocks == NULL)
		exit(1);
	/* the ring (4096 records) is never consumed: 2000 records fit. A
	 * moderate load is a miss every 4..100 clocks; a flood, one every
	 * clock (records the full FIFO cannot take are lost and not timed) */
	for (unsigned i = 0; i < frames; i++) {
		push_new_flow(&b);
		for (unsigned c = flood ? 1 : 4 + prng_below(&b.rng, 97); c > 0; c--)
			poll_step(&b, &p);
	}
	for (unsigned c = 0; c < 20000 && p.seen < frames; c++)
		poll_step(&b, &p);
	qsort(p.lat_clocks, p.seen, sizeof(*p.lat_clocks), cmp_u64);
	if (p.seen > 0)
		printf("| %s | %u | %u | %" PRIu64 " | %" PRIu64 " | %.0f | %.0f |\n",
		    flood ? "every clock" : "every 4..100 clocks", lat, p.seen,
		    p.lat_clocks[p.seen / 2], p.lat_clocks[p.seen - 1],
		    (double)p.lat_clocks[p.seen / 2] * 1000.0 / clock_mhz,
		    (double)p.lat_clocks[p.seen - 1] * 1000.0 / clock_mhz);
	free(p.lat_clocks);
	close_card(&b);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_consume(void)
{
	enum { LOG2 = 12, N = 1u << LOG2, LAPS = 2000 };
	uint8_t *mem = aligned_alloc(64, (size_t)N * SPISYNC_EVENT_BYTES);
	uint8_t rec[SPISYNC_EVENT_BYTES];
	struct event_ring r;
	uint64_t popped = 0;
	double t0, t1;

	if (mem == NULL || event_ring_init(&r, mem, LOG2) != 0)
		exit(1);
	t0 = now_s();
	for (unsigned lap = 0; lap < LAPS; lap++) {
		/* the card's lap: every slot written with this lap's phase */
		const uint8_t phase = (lap & 1) ? 0 : SPISYNC_EV_FLAG_PHASE;
		for (unsigned i = 0; i < N; i++)
			mem[(size_t)i * SPISYNC_EVENT_BYTES + SPISYNC_EVF_FLAGS_OFF] = phase;
		while (event_ring_pop(&r, rec) == 1)
			popped++;
	}
	t1 = now_s();
	if (popped != (uint64_t)N * LAPS) {
		fprintf(stderr, "bench_events: popped %" PRIu64 "\n", popped);
		exit(1);
	}
	/* the phase writes above stand in for the card and are timed too:
	 * an upper bound on the consumer's cost */
	printf("| %u | %" PRIu64 " | %.1f | %.1f |\n", N, popped,
	    (t1 - t0) * 1e9 / (double)popped, (double)popped / (t1 - t0) / 1e6);
	free(mem);
}

int
main(int argc, char **argv)
{
	double clock_mhz = 322.265625;
	uint64_t seed = (uint64_t)time(NULL);
	int i = 1;

	while (i + 1 < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--clock-mhz") == 0)
			clock_mhz = strtod(argv[i + 1], NULL);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[i + 1], NULL, 0);
		else
			break;
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: bench_events [--clock-mhz F] [--seed N] "
		    "rate|latency|latency-flood|consume [LAT ...]\n");
		return 2;
	}
	if (strcmp(argv[i], "consume") == 0) {
		bench_consume();
		return 0;
	}
	for (int j = i + 1; j < argc; j++) {
		const unsigned lat = (unsigned)strtoul(argv[j], NULL, 10);

		if (strcmp(argv[i], "rate") == 0)
			bench_rate(seed, clock_mhz, lat);
		else if (strcmp(argv[i], "latency") == 0)
			bench_latency(seed, clock_mhz, lat, false);
		else if (strcmp(argv[i], "latency-flood") == 0)
			bench_latency(seed, clock_mhz, lat, true);
		else
			return 2;
	}
	return 0;
}
