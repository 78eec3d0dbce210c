/*
 * spisync -- `make bench`: IKE SAs spisyncd's IKEv2 engine establishes per
 * second of CPU (hostd/spisyncd/ike_engine.h). Two engines in one process,
 * an initiator and a responder, each with its configuration read by
 * sd_config_load from a file written here; their send ops put messages on
 * one queue that the loop delivers to the other's ike_engine_input (no
 * recursion, no network, no card: sa_add / sa_del only count). One
 * handshake is IKE_SA_INIT + IKE_AUTH with its CHILD SA, from
 * ike_engine_initiate to both sides established with their inbound SA
 * installed; each side's CPU time is measured around its own calls.
 * Measured, never asserted: the only checks are that every handshake did
 * complete on both sides.
 *
 *   bench_ike [--seconds S] [GROUP...]    GROUP: ecp256 x25519 modp2048
 *
 * Prints one markdown table row per group.
 */

#define _GNU_SOURCE   /* mkdtemp */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ike_engine.h"

#define QUEUE_MAX       16
#define MSG_MAX         4096
#define INIT_ADDR       "198.18.0.1"
#define RESP_ADDR       "198.18.0.2"
#define MIN_HANDSHAKES  20u

enum side { INITIATOR, RESPONDER, N_SIDES };

struct msg {
	enum side to;
	struct sockaddr_storage local, remote;  /* as the sender gave them */
	size_t len;
	uint8_t data[MSG_MAX];
};

struct bench {
	struct sd_config cfg[N_SIDES];
	struct ike_engine *eng[N_SIDES];
	struct msg queue[QUEUE_MAX];
	size_t head, n;
	uint64_t sa_added[N_SIDES], sa_deleted[N_SIDES];
	uint64_t errors;                /* log lines at LOG_ERR or worse */
	char last_error[256];
	int overflow;                   /* queue full or message too big */
	bool discard;                   /* engines being freed: drop sends */
};

struct side_ctx {
	struct bench *b;
	enum side me;
};

static size_t
addr_len(const struct sockaddr *a)
{
	return a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

static int
op_send(void *ctx, const struct sockaddr *local, const struct sockaddr *remote,
    const uint8_t *data, size_t len)
{
	const struct side_ctx *s = ctx;
	struct bench *b = s->b;
	struct msg *m;

	if (b->discard)
		return 0;
	if (b->n == QUEUE_MAX || len > MSG_MAX) {
		b->overflow = 1;
		return -ENOBUFS;
	}
	m = &b->queue[(b->head + b->n) % QUEUE_MAX];
	b->n++;
	m->to = s->me == INITIATOR ? RESPONDER : INITIATOR;
	memset(&m->local, 0, sizeof(m->local));
	memset(&m->remote, 0, sizeof(m->remote));
	memcpy(&m->local, local, addr_len(local));
	memcpy(&m->remote, remote, addr_len(remote));
	memcpy(m->data, data, len);
	m->len = len;
	return 0;
}

static int
op_sa_add(void *ctx, const struct spisync_sa *sa, uint32_t *index)
{
	const struct side_ctx *s = ctx;

	(void)sa;
	*index = (uint32_t)s->b->sa_added[s->me]++;
	return 0;
}

static int
op_sa_del(void *ctx, uint32_t index)
{
	const struct side_ctx *s = ctx;

	(void)index;
	s->b->sa_deleted[s->me]++;
	return 0;
}

static void
op_log(void *ctx, int priority, const char *line)
{
	const struct side_ctx *s = ctx;

	if (priority <= LOG_ERR) {
		s->b->errors++;
		snprintf(s->b->last_error, sizeof(s->b->last_error), "%s", line);
	}
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One side's configuration file, read back with sd_config_load. */
static int
load_config(const char *dir, enum side me, const char *ike,
    struct sd_config *out)
{
	const bool init = me == INITIATOR;
	char path[SD_PATH_MAX], err[512];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, init ? "init" : "resp");
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f,
	    "[global]\n"
	    "device = sim:%s/none.sock\n"
	    "control_socket = %s/ctl.sock\n"
	    "flightrec_dir = %s\n"
	    "listen = %s\n"
	    "\n"
	    "[peer other]\n"
	    "type = static\n"
	    "address = %s\n"
	    "local_id = %s.bench.spisync\n"
	    "remote_id = %s.bench.spisync\n"
	    "psk = \"spisync-bench-psk-0123456789abcdef\"\n"
	    "ike = %s\n"
	    "esp = aes128gcm16\n"
	    "local_ts = %s/32\n"
	    "remote_ts = %s/32\n"
	    "initiate = no\n",
	    dir, dir, dir, init ? INIT_ADDR : RESP_ADDR,
	    init ? RESP_ADDR : INIT_ADDR,
	    init ? "init" : "resp", init ? "resp" : "init", ike,
	    init ? "198.18.1.1" : "198.18.2.1",
	    init ? "198.18.2.1" : "198.18.1.1");
	if (fclose(f) != 0)
		return -errno;
	rc = sd_config_load(path, out, err, sizeof(err));
	unlink(path);
	if (rc != 0) {
		fprintf(stderr, "bench_ike: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

/* Deliver queued messages until none is left; CPU time charged to the
 * receiving side. */
static void
drain(struct bench *b, double cpu[N_SIDES])
{
	while (b->n > 0) {
		struct msg *m = &b->queue[b->head];
		double t0;

		b->head = (b->head + 1) % QUEUE_MAX;
		b->n--;
		t0 = cpu_now();
		/* the receiver's local address is where it was sent to */
		ike_engine_input(b->eng[m->to], (const struct sockaddr *)&m->remote,
		    (const struct sockaddr *)&m->local, m->data, m->len, mono_ms());
		cpu[m->to] += cpu_now() - t0;
	}
}

static int
one_handshake(struct bench *b, struct side_ctx ctx[N_SIDES],
    double cpu[N_SIDES])
{
	struct ike_engine_stats st[N_SIDES];
	double t0;
	int rc;

	for (int s = 0; s < N_SIDES; s++) {
		const struct ike_engine_ops ops = {
			.ctx = &ctx[s], .send = op_send, .sa_add = op_sa_add,
			.sa_del = op_sa_del, .log = op_log,
		};

		/* a fresh pair each time: no IKE SA list growing over the run */
		rc = ike_engine_new(&b->cfg[s], &ops, &b->eng[s]);
		if (rc != 0)
			return rc;
	}
	b->head = b->n = 0;
	b->discard = false;
	t0 = cpu_now();
	rc = ike_engine_initiate(b->eng[INITIATOR], &b->cfg[INITIATOR].peers[0],
	    false, 0, mono_ms());
	cpu[INITIATOR] += cpu_now() - t0;
	if (rc == 0)
		drain(b, cpu);
	for (int s = 0; s < N_SIDES; s++)
		ike_engine_stats(b->eng[s], &st[s]);
	b->discard = true;              /* the DELETEs of the free */
	for (int s = 0; s < N_SIDES; s++) {
		ike_engine_free(b->eng[s]);
		b->eng[s] = NULL;
	}
	if (rc != 0)
		return rc;
	if (b->overflow)
		return -ENOBUFS;
	for (int s = 0; s < N_SIDES; s++)
		if (st[s].ike_established != 1 || st[s].child_installed != 1)
			return -EPROTO;
	return 0;
}

static int
bench_group(const char *group, double seconds, const char *dir)
{
	static struct bench b;          /* two configurations: large */
	struct side_ctx ctx[N_SIDES];
	double cpu[N_SIDES] = { 0, 0 }, total;
	char ike[64];
	unsigned n = 0;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	snprintf(ike, sizeof(ike), "aes128gcm16-prfsha256-%s", group);
	for (int s = 0; s < N_SIDES; s++) {
		ctx[s].b = &b;
		ctx[s].me = (enum side)s;
		rc = load_config(dir, (enum side)s, ike, &b.cfg[s]);
		if (rc != 0) {
			if (s == RESPONDER)
				sd_config_free(&b.cfg[INITIATOR]);
			return rc;
		}
	}
	do {
		rc = one_handshake(&b, ctx, cpu);
		if (rc != 0)
			break;
		n++;
	} while (n < MIN_HANDSHAKES || cpu[INITIATOR] + cpu[RESPONDER] < seconds);
	for (int s = 0; s < N_SIDES; s++)
		sd_config_free(&b.cfg[s]);
	if (rc != 0) {
		fprintf(stderr, "bench_ike: %s: handshake %u did not complete "
		    "(%s)%s%s\n", group, n + 1, strerror(-rc),
		    b.errors ? ": " : "", b.last_error);
		return rc;
	}
	total = cpu[INITIATOR] + cpu[RESPONDER];
	printf("| %s | %s | %u | %.3f | %.3f | %.0f | %.0f | %.0f |\n",
	    group, ike, n, cpu[INITIATOR] * 1e3 / n, cpu[RESPONDER] * 1e3 / n,
	    n / cpu[INITIATOR], n / cpu[RESPONDER], n / total);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const all[] = { "ecp256", "x25519", "modp2048" };
	char dir[] = "/tmp/bench_ike.XXXXXX";
	double seconds = 2.0;
	int first = 1, rc = 0;

	if (argc > 2 && strcmp(argv[1], "--seconds") == 0) {
		char *end;

		seconds = strtod(argv[2], &end);
		if (*end != '\0' || !(seconds > 0 && seconds < 3600)) {
			fprintf(stderr, "bench_ike: --seconds: %s\n", argv[2]);
			return 2;
		}
		first = 3;
	}
	if (mkdtemp(dir) == NULL) {
		perror("bench_ike: mkdtemp");
		return 1;
	}
	if (first == argc) {
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && rc == 0; i++)
			rc = bench_group(all[i], seconds, dir);
	} else {
		for (int i = first; i < argc && rc == 0; i++)
			rc = bench_group(argv[i], seconds, dir);
	}
	if (rmdir(dir) != 0)
		perror("bench_ike: rmdir");
	return rc == 0 ? 0 : 1;
}
