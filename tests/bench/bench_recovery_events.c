/*
 * spisync -- `make bench`: event records per second spisyncd consumes, on
 * one core. What the daemon does with each record it takes from the
 * card's ring (daemon.c poll_card): spisync_event_decode, then
 * recovery_event, and recovery_tick whenever it asks to be called. The
 * records are written here in the card's layout (hw/gen/spisync_hw.h,
 * docs/register-map.md "Event record"), in batches of one ring
 * (4,096 records, event_ring_log2 = 12) that are built untimed; card time
 * advances 10 us a record, the card's default record limit
 * (EVENT_TOKEN_NS 10,000: 100,000 records/s, docs/event-ring.md):
 *
 *   - a random-SPI flood from sources in 10.0.0.0/8 (no configured peer),
 *     random SPIs, ESP or ESP-in-UDP: every record a new flow, or with
 *     --flood-flows P records drawn from P fixed random flows;
 *   - one stuck flow from the configured static peer 198.18.0.1: a record
 *     every second of card time (the hold-off), COUNT the 100 drops since.
 *
 * The recovery engine runs with its real flow table, syslog formatting
 * (lines counted, not written), flight recorder (pcap and dump files in a
 * temporary directory) and fake IKE operations that only count. Measured,
 * never asserted: the checks only make sure every record was taken as a
 * miss and, when the flood leaves room in the flow table, that the stuck
 * flow was acted on; otherwise that is only reported (a flood of
 * more new flows a second than the flow table holds evicts it before it
 * can turn stuck: docs/recovery.md, "The flow table").
 *
 *   bench_recovery_events [--records N] [--seed S] [--flood-flows P]
 *
 * Prints one markdown table row: the flood, records, stuck-flow records,
 * flows in the table at the end, evictions, log lines, recovery actions,
 * ns/record, M records/s, times the card's default limit.
 */

#define _GNU_SOURCE   /* mkdtemp */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "recovery.h"
#include "spisync.h"
#include "spisync_hw.h"

#define RING_RECORDS    4096u
#define RECORD_NS       10000u          /* EVENT_TOKEN_NS reset value */
#define CARD_LIMIT      (1000000000u / RECORD_NS)
#define STUCK_EVERY     (1000000000u / RECORD_NS)   /* once a second */
#define STUCK_SPI       0xB761863Eu
#define T0_NS           (1795878001ULL * 1000000000ULL)

struct counts {
	uint64_t lines, notify, initiate, dumps;
};

static void
op_log(void *ctx, int priority, const char *line)
{
	struct counts *c = ctx;

	(void)priority;
	(void)line;
	c->lines++;
}

static void
op_peer_state(void *ctx, const struct sd_peer *peer,
    const struct sockaddr *src, struct recovery_peer_state *out)
{
	(void)ctx;
	(void)peer;
	(void)src;
	memset(out, 0, sizeof(*out));
	out->ike_sa = true;             /* case 2: the IKE SA is intact */
}

static int
op_notify_stale(void *ctx, const struct sd_peer *peer,
    const struct sockaddr *src, uint32_t spi)
{
	struct counts *c = ctx;

	(void)peer;
	(void)src;
	(void)spi;
	c->notify++;
	return 0;
}

static int
op_initiate(void *ctx, const struct sd_peer *peer, uint32_t spi)
{
	struct counts *c = ctx;

	(void)peer;
	(void)spi;
	c->initiate++;
	return 0;
}

static void
op_dump_state(void *ctx, const struct sd_peer *peer,
    const struct sockaddr *src, FILE *out)
{
	struct counts *c = ctx;

	(void)src;
	c->dumps++;
	fprintf(out, "peer %s: IKE SA established (bench)\n",
	    peer != NULL ? peer->name : "(not configured)");
}

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void
put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One SA_MISS record as the card writes it (PHASE set: a fresh lap). */
static void
make_record(uint8_t rec[SPISYNC_EVENT_BYTES], uint64_t time_ns,
    const uint8_t src[4], uint32_t spi, int udp, uint32_t count, uint32_t seq)
{
	static const uint8_t dst[4] = { 198, 18, 0, 2 };
	uint8_t flags = SPISYNC_EV_FLAG_PHASE;

	memset(rec, 0, SPISYNC_EVENT_BYTES);
	if (udp)
		flags |= SPISYNC_EV_FLAG_UDP;
	rec[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_SA_MISS;
	rec[SPISYNC_EVF_FLAGS_OFF] = flags;
	put_le(rec + SPISYNC_EVF_FRAME_LEN_OFF, udp ? 150 : 142,
	    SPISYNC_EVF_FRAME_LEN_BYTES);
	put_le(rec + SPISYNC_EVF_SPI_OFF, spi, SPISYNC_EVF_SPI_BYTES);
	put_le(rec + SPISYNC_EVF_TIME_NS_OFF, time_ns, SPISYNC_EVF_TIME_NS_BYTES);
	memcpy(rec + SPISYNC_EVF_SRC_OFF, src, 4);
	memcpy(rec + SPISYNC_EVF_DST_OFF, dst, 4);
	put_le(rec + SPISYNC_EVF_SEQ_OFF, seq, SPISYNC_EVF_SEQ_BYTES);
	if (udp) {
		put_le(rec + SPISYNC_EVF_SPORT_OFF, 4500, SPISYNC_EVF_SPORT_BYTES);
		put_le(rec + SPISYNC_EVF_DPORT_OFF, 4500, SPISYNC_EVF_DPORT_BYTES);
	}
	put_le(rec + SPISYNC_EVF_COUNT_OFF, count, SPISYNC_EVF_COUNT_BYTES);
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
write_config(const char *dir, struct sd_config *cfg)
{
	char path[SD_PATH_MAX], err[512];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/bench.conf", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f,
	    "[global]\n"
	    "device = sim:%s/none.sock\n"
	    "control_socket = %s/ctl.sock\n"
	    "flightrec_dir = %s\n"
	    "listen = 198.18.0.2\n"
	    "miss_log_interval = 60s\n"
	    "stuck_holdoff = 2s\n"
	    "recovery_interval = 10s\n"
	    "\n"
	    "[peer strongswan]\n"
	    "type = static\n"
	    "address = 198.18.0.1\n"
	    "psk = \"spisync-bench-psk-0123456789abcdef\"\n"
	    "local_ts = 198.18.2.1/32\n"
	    "remote_ts = 198.18.1.1/32\n"
	    "recovery = yes\n", dir, dir, dir);
	if (fclose(f) != 0)
		return -errno;
	rc = sd_config_load(path, cfg, err, sizeof(err));
	unlink(path);
	if (rc != 0) {
		fprintf(stderr, "bench_recovery_events: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

/* the flight recorder's files, then the directory */
static void
remove_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (unlink(path) != 0)
				perror(path);
		}
		closedir(d);
	}
	if (rmdir(dir) != 0)
		perror(dir);
}

/* Flood flow k of a pool: its own source, SPI and encapsulation. */
static void
pool_flow(uint64_t seed, uint64_t k, uint8_t src[4], uint32_t *spi, int *udp)
{
	uint64_t s = seed ^ (k * 0x9e3779b97f4a7c15ULL) ^ 1u, x;

	x = xorshift(&s);
	x = xorshift(&s);
	src[0] = 10;
	src[1] = (uint8_t)(x >> 8);
	src[2] = (uint8_t)(x >> 16);
	src[3] = (uint8_t)(x >> 24);
	*spi = (uint32_t)(x >> 32) | 0x100;
	*udp = (int)(x & 1);
}

static int
run(uint64_t n_records, uint64_t seed, uint64_t flood_flows, const char *dir)
{
	static struct sd_config cfg;
	static uint8_t ring[RING_RECORDS][SPISYNC_EVENT_BYTES];
	static const uint8_t peer[4] = { 198, 18, 0, 1 };
	const struct recovery_ops ops_base = {
		.log = op_log, .peer_state = op_peer_state,
		.notify_stale = op_notify_stale, .initiate = op_initiate,
		.dump_state = op_dump_state,
	};
	struct recovery_ops ops = ops_base;
	struct counts c = { 0, 0, 0, 0 };
	struct recovery_stats st;
	struct spisync_event ev;
	struct recovery *r;
	const uint64_t pool_seed = seed;
	uint64_t i = 0, next_tick = 0, stuck = 0;
	double cpu = 0;
	int rc;

	rc = write_config(dir, &cfg);
	if (rc != 0)
		return rc;
	ops.ctx = &c;
	rc = recovery_new(&cfg, &ops, &r);
	if (rc != 0) {
		fprintf(stderr, "bench_recovery_events: recovery_new: %s\n",
		    strerror(-rc));
		sd_config_free(&cfg);
		return rc;
	}
	while (i < n_records) {
		size_t n = 0;
		double t0;

		/* one ring's worth, untimed */
		for (; n < RING_RECORDS && i + n < n_records; n++) {
			const uint64_t k = i + n, t = k * RECORD_NS;
			uint64_t x = xorshift(&seed);
			uint8_t src[4] = { 10, (uint8_t)(x >> 8),
			    (uint8_t)(x >> 16), (uint8_t)(x >> 24) };
			uint32_t spi = (uint32_t)(x >> 32) | 0x100;
			int udp = (int)(x & 1);

			if (flood_flows != 0)
				pool_flow(pool_seed, x % flood_flows, src, &spi,
				    &udp);
			if (k % STUCK_EVERY == 0)
				make_record(ring[n], t, peer, STUCK_SPI, 1,
				    k == 0 ? 1 : 100, (uint32_t)(stuck++ * 100 + 1));
			else
				make_record(ring[n], t, src, spi, udp, 1,
				    (uint32_t)(x >> 40) + 1);
		}
		t0 = cpu_now();
		for (size_t j = 0; j < n; j++) {
			uint64_t now_ms;

			spisync_event_decode(ring[j], &ev);
			now_ms = ev.time_ns / 1000000u;
			recovery_event(r, &ev, now_ms, T0_NS + ev.time_ns);
			if (now_ms >= next_tick)
				next_tick = recovery_tick(r, now_ms);
		}
		cpu += cpu_now() - t0;
		i += n;
	}
	recovery_stats(r, &st);
	recovery_free(r);
	sd_config_free(&cfg);
	if (st.sa_miss != n_records) {
		fprintf(stderr, "bench_recovery_events: %llu SA_MISS of %llu "
		    "records: not what was sent\n",
		    (unsigned long long)st.sa_miss, (unsigned long long)n_records);
		return -EPROTO;
	}
	/* with room in the flow table, the stuck flow must be seen as one:
	 * else the records were not what this bench says they are */
	if (flood_flows != 0 && flood_flows < RECOVERY_MAX_FLOWS &&
	    c.notify + c.initiate == 0) {
		fprintf(stderr, "bench_recovery_events: the stuck flow from "
		    "198.18.0.1 was never acted on\n");
		return -EPROTO;
	}
	if (flood_flows != 0)
		printf("| %llu random flows | ", (unsigned long long)flood_flows);
	else
		printf("| every record a new flow | ");
	printf("%llu | %llu | %llu | %llu | %llu | %llu | %.0f | %.2f | "
	    "%.0f |\n", (unsigned long long)n_records,
	    (unsigned long long)stuck, (unsigned long long)st.flows,
	    (unsigned long long)st.flow_evictions, (unsigned long long)c.lines,
	    (unsigned long long)(c.notify + c.initiate),
	    cpu * 1e9 / (double)n_records, (double)n_records / cpu / 1e6,
	    (double)n_records / cpu / CARD_LIMIT);
	return 0;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/bench_recovery_events.XXXXXX";
	uint64_t n_records = 1000000, seed = 0x9e3779b97f4a7c15ULL;
	uint64_t flood_flows = 0;
	int rc;

	for (int a = 1; a + 1 < argc; a += 2) {
		char *end;
		unsigned long long v = strtoull(argv[a + 1], &end, 0);

		if (*end != '\0' || v == 0) {
			fprintf(stderr, "bench_recovery_events: %s: %s\n",
			    argv[a], argv[a + 1]);
			return 2;
		}
		if (strcmp(argv[a], "--records") == 0) {
			n_records = v;
		} else if (strcmp(argv[a], "--seed") == 0) {
			seed = v;
		} else if (strcmp(argv[a], "--flood-flows") == 0) {
			flood_flows = v;
		} else {
			fprintf(stderr, "usage: bench_recovery_events "
			    "[--records N] [--seed S] [--flood-flows P]\n");
			return 2;
		}
	}
	if (argc % 2 == 0) {
		fprintf(stderr, "usage: bench_recovery_events [--records N] "
		    "[--seed S] [--flood-flows P]\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL) {
		perror("bench_recovery_events: mkdtemp");
		return 1;
	}
	rc = run(n_records, seed, flood_flows, dir);
	remove_dir(dir);
	return rc == 0 ? 0 : 1;
}
