/*
 * spisync -- unit tests of spisyncd's invalid-SPI recovery engine
 * (recovery.c): every classification and decision rule of
 * docs/recovery.md on a fake clock, with fake IKE operations that record
 * each call. Expected times are worked out by hand from the configuration
 * below (stuck_holdoff 3 s, grace 1 s, log interval 60 s, recovery
 * interval 10 s); each boundary is tested one millisecond before and at.
 *
 *   test_recovery
 */

#define _GNU_SOURCE   /* open_memstream, mkdtemp */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "recovery.h"

#define T0_NS (1795878001ULL * 1000000000ULL)  /* 2026-11-28T15:00:01Z */
#define HOLD  3000u                            /* stuck_holdoff_s = 3 */
#define IVAL  10000u                           /* recovery_interval_s */

/* addresses: 198.18.0.<n>; peers at .1 (static), .3 (static, recovery
 * off), 198.18.100.0/24 (dynamic); we are .254 */
enum { P_STATIC, P_OFF, P_DYN, N_PEERS };

struct call {
	char what[16];                  /* "notify", "initiate" */
	char peer[SD_NAME_MAX];
	char addr[64];
	uint32_t spi;
};

struct fake {
	struct sd_config cfg;
	bool ike_sa[N_PEERS], rekeying[N_PEERS];
	uint64_t last_rekey_ms[N_PEERS];
	int rc;                         /* what notify/initiate return */
	bool sync_child_up;             /* notify reports the CHILD SA up */
	uint64_t now;                   /* ... at this time */
	struct call calls[64];
	size_t n_calls;
	char lines[64][512];
	int prios[64];
	size_t n_lines;                 /* all lines; the last 64 kept */
	size_t n_crypto;                /* %CRYPTO lines */
	size_t n_dumps;
	struct recovery *r;
	char dir[128];
};

static size_t
peer_index(const struct fake *fk, const struct sd_peer *p)
{
	return (size_t)(p - fk->cfg.peers);
}

static void
fk_log(void *ctx, int prio, const char *line)
{
	struct fake *fk = ctx;
	size_t i = fk->n_lines++ % 64;

	snprintf(fk->lines[i], sizeof(fk->lines[i]), "%s", line);
	fk->prios[i] = prio;
	if (strncmp(line, "%CRYPTO-4-RECVD_PKT_INV_SPI", 27) == 0) {
		assert_int_equal(prio, LOG_WARNING);
		fk->n_crypto++;
	}
}

static const char *
last_line(const struct fake *fk)
{
	assert_true(fk->n_lines > 0);
	return fk->lines[(fk->n_lines - 1) % 64];
}

static void
fk_peer_state(void *ctx, const struct sd_peer *peer,
    const struct sockaddr *src, struct recovery_peer_state *out)
{
	struct fake *fk = ctx;
	size_t i = peer_index(fk, peer);

	(void)src;
	assert_true(i < N_PEERS);
	out->ike_sa = fk->ike_sa[i];
	out->rekeying = fk->rekeying[i];
	out->last_rekey_ms = fk->last_rekey_ms[i];
}

static void
record_call(struct fake *fk, const char *what, const struct sd_peer *peer,
    const struct sockaddr *src, uint32_t spi)
{
	struct call *c;

	assert_true(fk->n_calls < 64);
	c = &fk->calls[fk->n_calls++];
	snprintf(c->what, sizeof(c->what), "%s", what);
	snprintf(c->peer, sizeof(c->peer), "%s", peer->name);
	c->addr[0] = '\0';
	if (src != NULL && src->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    src)->sin_addr, c->addr, sizeof(c->addr));
	c->spi = spi;
}

static int
fk_notify(void *ctx, const struct sd_peer *peer, const struct sockaddr *src,
    uint32_t spi)
{
	struct fake *fk = ctx;

	record_call(fk, "notify", peer, src, spi);
	/* the IKE code calling back from inside the op */
	if (fk->sync_child_up)
		recovery_child_up(fk->r, src, fk->now);
	return fk->rc;
}

static int
fk_initiate(void *ctx, const struct sd_peer *peer, uint32_t spi)
{
	struct fake *fk = ctx;

	/* only ever toward a static peer */
	assert_int_equal(peer->type, SD_PEER_STATIC);
	record_call(fk, "initiate", peer, NULL, spi);
	return fk->rc;
}

static void
fk_dump(void *ctx, const struct sd_peer *peer, const struct sockaddr *src,
    FILE *out)
{
	struct fake *fk = ctx;

	(void)src;
	fk->n_dumps++;
	fprintf(out, "DUMP %s\n", peer != NULL ? peer->name : "(none)");
}

static void
set_v4(struct sockaddr_storage *ss, uint8_t c, uint8_t d)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(500);
	s4->sin_addr.s_addr = htonl(0xC6120000u | (uint32_t)c << 8 | d);
}

static void
add_peer(struct sd_config *cfg, const char *name, enum sd_peer_type type,
    uint8_t c, uint8_t d, unsigned prefix, bool recovery)
{
	struct sd_peer *p = &cfg->peers[cfg->n_peers++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->type = type;
	set_v4(&p->addr, c, d);
	p->prefix = prefix;
	p->recovery = recovery;
}

static void
make_config(struct sd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->miss_log_interval_s = 60;
	cfg->stuck_holdoff_s = HOLD / 1000;
	cfg->recovery_interval_s = IVAL / 1000;
	cfg->flightrec_keep = 2;
	add_peer(cfg, "static-a", SD_PEER_STATIC, 0, 1, 32, true);
	add_peer(cfg, "static-off", SD_PEER_STATIC, 0, 3, 32, false);
	add_peer(cfg, "dyn", SD_PEER_DYNAMIC, 100, 0, 24, true);
}

static int
setup(void **state)
{
	struct fake *fk = calloc(1, sizeof(*fk));
	struct recovery_ops ops = {
		.log = fk_log, .peer_state = fk_peer_state,
		.notify_stale = fk_notify, .initiate = fk_initiate,
		.dump_state = fk_dump,
	};

	if (fk == NULL)
		return -1;
	make_config(&fk->cfg);
	ops.ctx = fk;
	if (recovery_new(&fk->cfg, &ops, &fk->r) != 0)
		return -1;
	*state = fk;
	return 0;
}

static int
teardown(void **state)
{
	struct fake *fk = *state;
	char cmd[200];

	recovery_free(fk->r);
	if (fk->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fk->dir);
		if (system(cmd) != 0)
			return -1;
	}
	free(fk);
	return 0;
}

/* One SA_MISS record for 198.18.<c>.<d> -> 198.18.0.254, spi, at now_ms. */
static void
miss_read_at(struct fake *fk, uint8_t c, uint8_t d, uint32_t spi,
    uint64_t card_ms, uint64_t now_ms, uint32_t count, bool evicted, bool udp);

static void
miss_full(struct fake *fk, uint8_t c, uint8_t d, uint32_t spi,
    uint64_t now_ms, uint32_t count, bool evicted, bool udp)
{
	miss_read_at(fk, c, d, spi, now_ms, now_ms, count, evicted, udp);
}

/* The same record happening at card_ms and read from the ring at now_ms
 * (the daemon polls: records reach the engine a little late, and not
 * always equally late). */
static void
miss_read_at(struct fake *fk, uint8_t c, uint8_t d, uint32_t spi,
    uint64_t card_ms, uint64_t now_ms, uint32_t count, bool evicted, bool udp)
{
	struct spisync_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SPISYNC_EV_SA_MISS;
	ev.src[0] = 198; ev.src[1] = 18; ev.src[2] = c; ev.src[3] = d;
	ev.dst[0] = 198; ev.dst[1] = 18; ev.dst[2] = 0; ev.dst[3] = 254;
	ev.spi = spi;
	ev.udp = udp;
	if (udp)
		ev.sport = ev.dport = 4500;
	ev.seq = (uint32_t)(card_ms / 10);
	ev.frame_len = evicted ? 0 : 1414;
	ev.count = count;
	ev.evicted = evicted;
	ev.time_ns = card_ms * 1000000u;
	ev.sa_index = 0xffff;
	recovery_event(fk->r, &ev, now_ms, T0_NS + card_ms * 1000000u);
}

static void
miss(struct fake *fk, uint8_t d, uint32_t spi, uint64_t now_ms)
{
	miss_full(fk, 0, d, spi, now_ms, 0, false, false);
}

static struct flow *
flow_of(struct fake *fk, uint8_t c, uint8_t d, uint32_t spi)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.src[0] = 198; k.src[1] = 18; k.src[2] = c; k.src[3] = d;
	k.dst[0] = 198; k.dst[1] = 18; k.dst[2] = 0; k.dst[3] = 254;
	k.spi = spi;
	return flow_table_get(recovery_flows(fk->r), &k, false, 0);
}

static struct recovery_stats
stats(const struct fake *fk)
{
	struct recovery_stats s;

	recovery_stats(fk->r, &s);
	return s;
}

/* A flow of 198.18.0.<d> reported once a second from `from` to `to`. */
static void
stream(struct fake *fk, uint8_t d, uint32_t spi, uint64_t from, uint64_t to)
{
	for (uint64_t t = from; t <= to; t += 1000)
		miss(fk, d, spi, t);
}

/* ---- logging ---------------------------------------------------------- */

static void
test_log_line_and_rate_limit(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	/* an unconfigured source: only logs, never sends */
	miss(fk, 77, 0xB761863Eu, 1000);
	assert_int_equal(fk->n_crypto, 1);
	assert_string_equal(last_line(fk), "%CRYPTO-4-RECVD_PKT_INV_SPI: "
	    "decaps: rec'd IPSEC packet has invalid spi for "
	    "destaddr=198.18.0.254, prot=50, spi=0xB761863E(3076621886), "
	    "srcaddr=198.18.0.77");
	/* a second flow logs at once too: the limit is per flow */
	miss(fk, 78, 0xB761863Eu, 1000);
	assert_int_equal(fk->n_crypto, 2);
	for (uint64_t t = 2000; t < 61000; t += 1000)
		miss(fk, 77, 0xB761863Eu, t);
	miss(fk, 77, 0xB761863Eu, 60999);       /* 1 ms early */
	assert_int_equal(fk->n_crypto, 2);
	miss(fk, 77, 0xB761863Eu, 61000);       /* 60 s after the first */
	assert_int_equal(fk->n_crypto, 3);
	f = flow_of(fk, 0, 77, 0xB761863Eu);
	assert_non_null(f);
	assert_int_equal(f->logs, 2);
	assert_int_equal(f->logs_suppressed, 60);
	assert_int_equal(f->events, 62);
	assert_int_equal(stats(fk).logs, 3);
	assert_int_equal(stats(fk).logs_suppressed, 60);
	assert_int_equal(fk->n_calls, 0);
}

static void
test_log_udp(void **state)
{
	struct fake *fk = *state;

	miss_full(fk, 0, 77, 0x0000ff01u, 5, 0, false, true);
	assert_string_equal(last_line(fk), "%CRYPTO-4-RECVD_PKT_INV_SPI: "
	    "decaps: rec'd IPSEC packet has invalid spi for "
	    "destaddr=198.18.0.254, prot=50, spi=0x0000FF01(65281), "
	    "srcaddr=198.18.0.77, srcport=4500, dstport=4500");
}

static void
test_miss_counts(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	miss_full(fk, 0, 77, 9, 100, 0, false, false);
	miss_full(fk, 0, 77, 9, 1100, 999, false, false);
	miss_full(fk, 0, 77, 9, 1500, 5, true, false);
	f = flow_of(fk, 0, 77, 9);
	assert_int_equal(f->events, 3);
	assert_int_equal(f->misses, 1 + 1000 + 5);
	assert_int_equal(f->hist_n, 3);
	assert_true(flow_hist_at(f, 2)->evicted);
	assert_int_equal(flow_hist_at(f, 1)->count, 999);
	assert_int_equal(flow_hist_at(f, 1)->card_ns, 1100000000u);
	assert_int_equal(flow_hist_at(f, 1)->wall_ns, T0_NS + 1100000000u);
	assert_int_equal(flow_hist_at(f, 0)->seq, 10);
	assert_int_equal(stats(fk).sa_miss, 3);
}

/* ---- classification --------------------------------------------------- */

static void
test_transient_burst(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	miss(fk, 1, 0x1000, 1000);
	f = flow_of(fk, 0, 1, 0x1000);
	assert_int_equal(f->cls, FLOW_NEW);
	/* deadline: first + holdoff + grace = 1000 + 3000 + 1000 */
	assert_int_equal(recovery_tick(fk->r, 1000), 5000);
	assert_int_equal(recovery_tick(fk->r, 4999), 5000);
	assert_int_equal(f->cls, FLOW_NEW);
	assert_int_equal(recovery_tick(fk->r, 5000), UINT64_MAX);
	assert_int_equal(f->cls, FLOW_TRANSIENT);
	assert_int_equal(f->class_since_ms, 5000);
	assert_int_equal(fk->n_calls, 0);
	/* misses again later: a new episode, NEW from then */
	miss(fk, 1, 0x1000, 20000);
	assert_int_equal(f->cls, FLOW_NEW);
	assert_int_equal(f->episodes, 2);
	assert_int_equal(f->first_ms, 20000);
	stream(fk, 1, 0x1000, 21000, 22000);
	assert_int_equal(f->cls, FLOW_NEW);
	assert_int_equal(fk->n_calls, 0);
	miss(fk, 1, 0x1000, 23000);             /* holdoff after 20000 */
	assert_int_equal(fk->n_calls, 1);
	assert_int_equal(f->cls, FLOW_RECOVERING);
}

static void
test_transient_lazy_without_tick(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	/* no tick at all: the late record finds the deadline passed */
	miss(fk, 1, 0x1000, 1000);
	miss(fk, 1, 0x1000, 5000);
	f = flow_of(fk, 0, 1, 0x1000);
	assert_int_equal(f->cls, FLOW_NEW);
	assert_int_equal(f->episodes, 2);
	assert_int_equal(fk->n_calls, 0);
}

static void
test_stuck_notify_existing_ike_sa(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	fk->ike_sa[P_STATIC] = true;
	miss(fk, 1, 0xB761863Eu, 0 + 100);
	miss(fk, 1, 0xB761863Eu, 1100);
	miss(fk, 1, 0xB761863Eu, 2100);
	miss(fk, 1, 0xB761863Eu, 3099);          /* 1 ms before holdoff */
	f = flow_of(fk, 0, 1, 0xB761863Eu);
	assert_int_equal(f->cls, FLOW_NEW);
	assert_int_equal(fk->n_calls, 0);
	miss(fk, 1, 0xB761863Eu, 3100);
	assert_int_equal(fk->n_calls, 1);
	assert_string_equal(fk->calls[0].what, "notify");
	assert_string_equal(fk->calls[0].peer, "static-a");
	assert_string_equal(fk->calls[0].addr, "198.18.0.1");
	assert_int_equal(fk->calls[0].spi, 0xB761863Eu);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	assert_string_equal(f->last_action, "delete+invalid_spi sent");
	assert_string_equal(f->peer, "static-a");
	assert_int_equal(f->recoveries, 1);
	assert_int_equal(stats(fk).notify_stale, 1);
	assert_int_equal(stats(fk).initiated, 0);
	/* more misses inside the interval: no second action */
	stream(fk, 1, 0xB761863Eu, 4100, 12100);
	assert_int_equal(fk->n_calls, 1);
}

static void
test_stuck_initiate_static(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	stream(fk, 1, 0x2222, 0, 3000);
	f = flow_of(fk, 0, 1, 0x2222);
	assert_int_equal(fk->n_calls, 1);
	assert_string_equal(fk->calls[0].what, "initiate");
	assert_string_equal(fk->calls[0].peer, "static-a");
	assert_int_equal(fk->calls[0].spi, 0x2222);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	assert_string_equal(f->last_action, "initiated ike_sa");
	assert_int_equal(stats(fk).initiated, 1);
}

static void
test_dynamic_peer(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	for (uint64_t t = 0; t <= 3000; t += 1000)
		miss_full(fk, 100, 7, 0x3333, t, 0, false, false);
	f = flow_of(fk, 100, 7, 0x3333);
	assert_int_equal(f->cls, FLOW_STUCK);
	assert_string_equal(f->peer, "dyn");
	assert_string_equal(f->last_action, "refused: dynamic peer: log only");
	assert_int_equal(stats(fk).refused_dynamic, 1);
	assert_int_equal(fk->n_calls, 0);
	/* it keeps missing: refused once, not again per record */
	for (uint64_t t = 4000; t <= 30000; t += 1000)
		miss_full(fk, 100, 7, 0x3333, t, 0, false, false);
	recovery_tick(fk->r, 30000);
	assert_int_equal(stats(fk).refused_dynamic, 1);
	assert_int_equal(fk->n_calls, 0);

	/* with an IKE SA the peer is told, dynamic or not */
	fk->ike_sa[P_DYN] = true;
	for (uint64_t t = 0; t <= 3000; t += 1000)
		miss_full(fk, 100, 8, 0x4444, 40000 + t, 0, false, false);
	assert_int_equal(fk->n_calls, 1);
	assert_string_equal(fk->calls[0].what, "notify");
	assert_string_equal(fk->calls[0].peer, "dyn");
	assert_string_equal(fk->calls[0].addr, "198.18.100.8");
}

static void
test_recovery_disabled(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	stream(fk, 3, 0x5555, 0, 3000);
	f = flow_of(fk, 0, 3, 0x5555);
	assert_int_equal(f->cls, FLOW_STUCK);
	assert_string_equal(f->last_action,
	    "refused: recovery disabled for peer");
	assert_int_equal(stats(fk).refused_disabled, 1);
	assert_int_equal(fk->n_calls, 0);
	/* the reference tells a peer it has an IKE SA with regardless of the
	 * option (brief section 2): recovery = no only stops initiating */
	fk->ike_sa[P_OFF] = true;
	stream(fk, 3, 0x5556, 10000, 13000);
	assert_int_equal(fk->n_calls, 1);
	assert_string_equal(fk->calls[0].what, "notify");
}

/* Stuck is decided in the records' card time: a flow re-reported once per
 * card hold-off is stuck at the record stuck_holdoff (3 s here) after the
 * first in card time, even when the first record was read 40 ms late and
 * that one on time (3 s apart in card time, 2.961 s apart as read). Found
 * against strongSwan: decided by read times, a flow reported exactly every
 * second went NEW -> TRANSIENT -> NEW forever with a 2 s stuck_holdoff. */
static void
test_stuck_in_card_time(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	fk->ike_sa[P_STATIC] = true;
	miss_read_at(fk, 0, 1, 0x4242, 0, 40, 0, false, false);
	miss_read_at(fk, 0, 1, 0x4242, 1000, 1001, 99, false, false);
	miss_read_at(fk, 0, 1, 0x4242, 2000, 2001, 99, false, false);
	f = flow_of(fk, 0, 1, 0x4242);
	assert_int_equal(f->cls, FLOW_NEW);
	miss_read_at(fk, 0, 1, 0x4242, 2999, 3000, 0, false, false);
	assert_int_equal(f->cls, FLOW_NEW);          /* 1 ms short in card time */
	miss_read_at(fk, 0, 1, 0x4242, 3000, 3001, 0, false, false);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	assert_int_equal(fk->n_calls, 1);
	assert_string_equal(fk->calls[0].what, "notify");
}

/* A continuing flow is re-reported at its first repeat after the card's
 * hold-off: with a packet every 0.9 s (1.1 s here, scaled to the 3 s
 * stuck_holdoff), every 2.2 s. Its records fall at 0, 2.2, 4.4 s, none in
 * [first + H, first + H + G) = [3, 4): counted from the first record it
 * went NEW -> TRANSIENT -> NEW forever and was never recovered (a daemon
 * test saw it on a loaded machine). NEW ends only after a gap of H + G
 * since the last record, as STUCK does. */
static void
test_stuck_at_sparse_reports(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	fk->ike_sa[P_STATIC] = true;
	miss(fk, 1, 0x4343, 0);
	miss(fk, 1, 0x4343, 2200);
	f = flow_of(fk, 0, 1, 0x4343);
	/* the deadline follows the last record: 2200 + 3000 + 1000 */
	assert_int_equal(recovery_tick(fk->r, 4000), 6200);
	assert_int_equal(f->cls, FLOW_NEW);
	miss(fk, 1, 0x4343, 4400);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	assert_int_equal(fk->n_calls, 1);
	assert_string_equal(fk->calls[0].what, "notify");

	/* a gap of H + G after the last record still ends it */
	miss(fk, 2, 0x4444, 0);
	miss(fk, 2, 0x4444, 2000);
	f = flow_of(fk, 0, 2, 0x4444);
	assert_int_equal(recovery_tick(fk->r, 5999), 6000);
	assert_int_equal(f->cls, FLOW_NEW);
	recovery_tick(fk->r, 6000);
	assert_int_equal(f->cls, FLOW_TRANSIENT);
	assert_int_equal(f->class_since_ms, 6000);
	assert_int_equal(fk->n_calls, 1);
}

static void
test_unconfigured_never_sends(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	stream(fk, 77, 0x6666, 0, 3000);
	f = flow_of(fk, 0, 77, 0x6666);
	assert_int_equal(f->cls, FLOW_STUCK);
	assert_string_equal(f->peer, "");
	assert_string_equal(f->last_action, "refused: not a configured peer");
	assert_int_equal(stats(fk).refused_unconfigured, 1);
	assert_int_equal(fk->n_calls, 0);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A flood of spoofed sources (10,000 new flows a second, more than the
 * table holds in a second) must not evict a configured peer's flow
 * between its once-a-second records: it still turns stuck and is acted on,
 * once. */
static void
test_flood_keeps_peer_flow(void **state)
{
	struct fake *fk = *state;
	struct spisync_event ev;
	uint64_t seed = 0x243f6a8885a308d3ULL, next_tick = 0;

	fk->ike_sa[P_STATIC] = true;
	memset(&ev, 0, sizeof(ev));
	ev.type = SPISYNC_EV_SA_MISS;
	ev.dst[0] = 198; ev.dst[1] = 18; ev.dst[3] = 254;
	for (uint64_t now = 0; now <= 5000; now++) {
		for (int k = 0; k < 10; k++) {
			uint64_t x = xorshift(&seed);

			ev.src[0] = 10;
			ev.src[1] = (uint8_t)(x >> 8);
			ev.src[2] = (uint8_t)(x >> 16);
			ev.src[3] = (uint8_t)(x >> 24);
			ev.spi = (uint32_t)(x >> 32) | 0x100;
			recovery_event(fk->r, &ev, now, T0_NS + now * 1000000u);
		}
		if (now % 1000 == 0)
			miss(fk, 1, 0xABCD, now);
		if (now >= next_tick)
			next_tick = recovery_tick(fk->r, now);
	}
	assert_int_equal(fk->n_calls, 1);
	assert_string_equal(fk->calls[0].what, "notify");
	assert_int_equal(fk->calls[0].spi, 0xABCD);
	assert_int_equal(flow_of(fk, 0, 1, 0xABCD)->cls, FLOW_RECOVERING);
}

static void
test_spoofed_flood(void **state)
{
	struct fake *fk = *state;
	struct spisync_event ev;
	uint64_t seed = 0x9e3779b97f4a7c15ULL, now = 0;
	struct recovery_stats s;
	clock_t c0 = clock();

	/* 100k records: random sources in 10/8 (no configured peer there),
	 * random SPIs; every 100th record a few fixed spoofed flows that
	 * keep coming back (they turn stuck); 10 records per ms, ticking
	 * as asked */
	memset(&ev, 0, sizeof(ev));
	ev.type = SPISYNC_EV_SA_MISS;
	ev.dst[0] = 198; ev.dst[1] = 18; ev.dst[3] = 254;
	uint64_t next_tick = 0;
	for (uint32_t i = 0; i < 100000; i++) {
		uint64_t x = xorshift(&seed);

		ev.src[0] = 10;
		ev.src[1] = (uint8_t)(x >> 8);
		ev.src[2] = (uint8_t)(x >> 16);
		ev.src[3] = (uint8_t)(x >> 24);
		ev.spi = (uint32_t)(x >> 32) | 0x100;
		if (i % 100 == 0) {
			ev.src[1] = ev.src[2] = 0;
			ev.src[3] = (uint8_t)(i / 100 % 4);
			ev.spi = 0x7777;
		}
		ev.udp = (x & 1) != 0;
		ev.sport = ev.udp ? 4500 : 0;
		ev.dport = ev.udp ? 4500 : 0;
		now = i / 10;
		recovery_event(fk->r, &ev, now, T0_NS + now * 1000000u);
		if (now >= next_tick)
			next_tick = recovery_tick(fk->r, now);
		assert_true(flow_table_count(recovery_flows(fk->r)) <=
		    RECOVERY_MAX_FLOWS);
	}
	s = stats(fk);
	assert_int_equal(fk->n_calls, 0);
	assert_int_equal(s.notify_stale + s.initiated, 0);
	assert_int_equal(s.sa_miss, 100000);
	assert_true(s.refused_unconfigured >= 4);       /* the fixed ones */
	assert_int_equal(s.flows, RECOVERY_MAX_FLOWS);
	assert_true(s.flow_evictions >= 100000 - 1000 - RECOVERY_MAX_FLOWS);
	/* syslog bounded: RECOVERY_LOG_BURST lines per second of clock */
	assert_true(fk->n_crypto <= RECOVERY_LOG_BURST * (now / 1000 + 1));
	assert_int_equal(s.logs + s.logs_suppressed, 100000);
	print_message("flood: 100000 records, %.1f us/record (%s)\n",
	    (double)(clock() - c0) * 1e6 / CLOCKS_PER_SEC / 100000,
	    "ASan/valgrind inflate this");
}

static void
test_interval_per_peer(void **state)
{
	struct fake *fk = *state;
	struct flow *a, *b;

	fk->ike_sa[P_STATIC] = true;
	/* two stale SPIs of one peer go stuck together */
	for (uint64_t t = 0; t <= 3000; t += 1000) {
		miss(fk, 1, 0xA, t);
		miss(fk, 1, 0xB, t + 10);
	}
	a = flow_of(fk, 0, 1, 0xA);
	b = flow_of(fk, 0, 1, 0xB);
	assert_int_equal(fk->n_calls, 1);
	assert_int_equal(fk->calls[0].spi, 0xA);
	assert_int_equal(a->cls, FLOW_RECOVERING);
	assert_int_equal(b->cls, FLOW_STUCK);
	assert_string_equal(b->last_action, "refused: recovery interval");
	assert_int_equal(stats(fk).refused_interval, 1);
	/* b keeps missing; retried once the interval after a's action
	 * (3000) passes: at 13000, not at 12999 */
	for (uint64_t t = 4010; t <= 12010; t += 1000)
		miss(fk, 1, 0xB, t);
	assert_int_equal(recovery_tick(fk->r, 12999), 13000);
	assert_int_equal(fk->n_calls, 1);
	recovery_tick(fk->r, 13000);
	assert_int_equal(fk->n_calls, 2);
	assert_int_equal(fk->calls[1].spi, 0xB);
	assert_int_equal(b->cls, FLOW_RECOVERING);
	assert_int_equal(stats(fk).refused_interval, 1);
	assert_int_equal(stats(fk).notify_stale, 2);
}

static void
test_child_up_inside_op(void **state)
{
	struct fake *fk = *state;
	struct flow *a, *b;

	/* as test_interval_per_peer, but the retry from the tick (inside its
	 * walk over the flows) gets the CHILD SA up before notify returns */
	fk->ike_sa[P_STATIC] = true;
	for (uint64_t t = 0; t <= 3000; t += 1000) {
		miss(fk, 1, 0xA, t);
		miss(fk, 1, 0xB, t + 10);
	}
	a = flow_of(fk, 0, 1, 0xA);
	b = flow_of(fk, 0, 1, 0xB);
	for (uint64_t t = 4010; t <= 12010; t += 1000)
		miss(fk, 1, 0xB, t);
	fk->sync_child_up = true;
	fk->now = 13000;
	recovery_tick(fk->r, 13000);
	assert_int_equal(fk->n_calls, 2);
	assert_int_equal(b->cls, FLOW_RECOVERING);
	assert_int_equal(b->child_up_ms, 13000);
	assert_int_equal(a->child_up_ms, 13000);
	/* b's last miss 12010, child up 13000: RECOVERED at 16000 */
	assert_int_equal(recovery_tick(fk->r, 15999), 16000);
	recovery_tick(fk->r, 16000);
	assert_int_equal(b->cls, FLOW_RECOVERED);
	assert_int_equal(a->cls, FLOW_RECOVERED);
}

static void
test_recovered(void **state)
{
	struct fake *fk = *state;
	struct flow *f;
	struct sockaddr_storage peer, other;

	fk->ike_sa[P_STATIC] = true;
	stream(fk, 1, 0xC, 0, 3000);
	f = flow_of(fk, 0, 1, 0xC);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	/* a CHILD SA with another peer changes nothing */
	set_v4(&other, 0, 3);
	recovery_child_up(fk->r, (struct sockaddr *)&other, 3500);
	assert_int_equal(recovery_tick(fk->r, 10000), UINT64_MAX);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	/* with this peer: RECOVERED once no miss came for the holdoff */
	set_v4(&peer, 0, 1);
	recovery_child_up(fk->r, (struct sockaddr *)&peer, 10000);
	assert_int_equal(recovery_tick(fk->r, 12999), 13000);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	recovery_tick(fk->r, 13000);
	assert_int_equal(f->cls, FLOW_RECOVERED);
	/* later misses: a new episode */
	miss(fk, 1, 0xC, 50000);
	assert_int_equal(f->cls, FLOW_NEW);
	assert_int_equal(f->episodes, 2);
	assert_int_equal(fk->n_calls, 1);
}

static void
test_restuck(void **state)
{
	struct fake *fk = *state;
	struct flow *f;
	struct sockaddr_storage peer;

	fk->ike_sa[P_STATIC] = true;
	stream(fk, 1, 0xD, 0, 3000);            /* action at 3000 */
	f = flow_of(fk, 0, 1, 0xD);
	set_v4(&peer, 0, 1);
	recovery_child_up(fk->r, (struct sockaddr *)&peer, 4000);
	/* the peer keeps using the stale SA */
	stream(fk, 1, 0xD, 4000, 12000);
	miss(fk, 1, 0xD, 12999);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	assert_int_equal(fk->n_calls, 1);
	miss(fk, 1, 0xD, 13000);                /* action + interval */
	assert_int_equal(fk->n_calls, 2);
	assert_int_equal(f->recoveries, 2);
	assert_int_equal(f->cls, FLOW_RECOVERING);
	assert_int_equal(f->action_ms, 13000);
}

static void
test_stuck_goes_quiet(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	stream(fk, 77, 0xE, 0, 3000);           /* unconfigured: stays STUCK */
	f = flow_of(fk, 0, 77, 0xE);
	assert_int_equal(f->cls, FLOW_STUCK);
	/* no record for holdoff + grace after the last (3000): over */
	assert_int_equal(recovery_tick(fk->r, 6999), 7000);
	assert_int_equal(f->cls, FLOW_STUCK);
	recovery_tick(fk->r, 7000);
	assert_int_equal(f->cls, FLOW_TRANSIENT);
}

static void
test_rekey_window(void **state)
{
	struct fake *fk = *state;
	struct flow *f;
	struct sockaddr_storage peer;

	fk->ike_sa[P_STATIC] = true;
	set_v4(&peer, 0, 1);
	recovery_rekey(fk->r, (struct sockaddr *)&peer, true, 0);
	stream(fk, 1, 0xF, 0, 3000);
	f = flow_of(fk, 0, 1, 0xF);
	assert_int_equal(f->cls, FLOW_TRANSIENT);
	assert_true(f->rekey_transient);
	stream(fk, 1, 0xF, 4000, 5000);
	recovery_rekey(fk->r, (struct sockaddr *)&peer, false, 5000);
	/* window: until rekey end + holdoff = 8000 */
	stream(fk, 1, 0xF, 6000, 7000);
	miss(fk, 1, 0xF, 7999);
	assert_int_equal(f->cls, FLOW_TRANSIENT);
	assert_int_equal(fk->n_calls, 0);
	assert_int_equal(f->episodes, 1);
	miss(fk, 1, 0xF, 8000);
	assert_int_equal(fk->n_calls, 1);
	assert_int_equal(f->cls, FLOW_RECOVERING);
}

static void
test_rekey_window_from_peer_state(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	/* the IKE code says a rekey ended at 1000: window until 4000 */
	fk->ike_sa[P_STATIC] = true;
	fk->last_rekey_ms[P_STATIC] = 1000;
	stream(fk, 1, 0x10, 0, 3000);
	f = flow_of(fk, 0, 1, 0x10);
	assert_int_equal(f->cls, FLOW_TRANSIENT);
	assert_int_equal(fk->n_calls, 0);
	miss(fk, 1, 0x10, 4000);
	assert_int_equal(fk->n_calls, 1);
	/* a rekey-transient flow that goes quiet is an ordinary transient */
	fk->rekeying[P_STATIC] = true;
	stream(fk, 1, 0x11, 10000, 13000);
	f = flow_of(fk, 0, 1, 0x11);
	assert_int_equal(f->cls, FLOW_TRANSIENT);
	assert_int_equal(recovery_tick(fk->r, 13000), 17000);
	recovery_tick(fk->r, 17000);
	assert_false(f->rekey_transient);
	fk->rekeying[P_STATIC] = false;
	miss(fk, 1, 0x11, 30000);
	assert_int_equal(f->cls, FLOW_NEW);
	assert_int_equal(f->episodes, 2);
	assert_int_equal(fk->n_calls, 1);
}

static void
test_action_failure_retried(void **state)
{
	struct fake *fk = *state;
	struct flow *f;

	fk->ike_sa[P_STATIC] = true;
	fk->rc = -EIO;
	stream(fk, 1, 0x12, 0, 3000);
	f = flow_of(fk, 0, 1, 0x12);
	assert_int_equal(fk->n_calls, 1);
	assert_int_equal(f->cls, FLOW_STUCK);
	assert_string_equal(f->last_action,
	    "delete+invalid_spi failed: Input/output error");
	assert_int_equal(stats(fk).action_failed, 1);
	assert_int_equal(fk->prios[(fk->n_lines - 1) % 64], LOG_ERR);
	fk->rc = 0;
	stream(fk, 1, 0x12, 4000, 12000);
	miss(fk, 1, 0x12, 12999);
	assert_int_equal(fk->n_calls, 1);
	miss(fk, 1, 0x12, 13000);
	assert_int_equal(fk->n_calls, 2);
	assert_int_equal(f->cls, FLOW_RECOVERING);
}

/* ---- other records ---------------------------------------------------- */

static void
test_events_lost(void **state)
{
	struct fake *fk = *state;
	struct spisync_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SPISYNC_EV_EVENTS_LOST;
	ev.count = 5;
	ev.seq = 50;
	recovery_event(fk->r, &ev, 1000, T0_NS);
	assert_int_equal(fk->n_lines, 1);
	assert_string_equal(last_line(fk), "spisyncd: card lost 5 miss events");
	assert_int_equal(fk->prios[0], LOG_WARNING);
	ev.count = 3;
	ev.seq = 7;
	recovery_event(fk->r, &ev, 2000, T0_NS);
	assert_int_equal(fk->n_lines, 1);
	assert_int_equal(recovery_tick(fk->r, 60999), 61000);
	assert_int_equal(fk->n_lines, 1);
	assert_int_equal(recovery_tick(fk->r, 61000), UINT64_MAX);
	assert_int_equal(fk->n_lines, 2);
	assert_string_equal(last_line(fk), "spisyncd: card lost 3 miss events");
	assert_int_equal(stats(fk).lost_events, 8);
	assert_int_equal(stats(fk).lost_misses, 57);
	assert_int_equal(flow_table_count(recovery_flows(fk->r)), 0);
}

static void
test_reserved_and_others(void **state)
{
	struct fake *fk = *state;
	struct spisync_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SPISYNC_EV_SPI_RESERVED;
	ev.src[0] = 198; ev.src[1] = 18; ev.src[3] = 1;
	ev.dst[0] = 198; ev.dst[1] = 18; ev.dst[3] = 254;
	ev.spi = 0xff;
	for (uint64_t t = 0; t <= 10000; t += 1000)
		recovery_event(fk->r, &ev, t, T0_NS);
	assert_int_equal(fk->n_lines, 1);
	assert_int_equal(fk->n_crypto, 0);
	assert_non_null(strstr(last_line(fk), "reserved spi=0x000000FF(255)"));
	ev.type = SPISYNC_EV_SA_SOFT_EXPIRY;
	recovery_event(fk->r, &ev, 20000, T0_NS);
	ev.type = 200;                          /* unknown type */
	recovery_event(fk->r, &ev, 20000, T0_NS);
	assert_int_equal(stats(fk).spi_reserved, 11);
	assert_int_equal(stats(fk).other_events, 2);
	assert_int_equal(stats(fk).events, 13);
	assert_int_equal(stats(fk).sa_miss, 0);
	assert_int_equal(flow_table_count(recovery_flows(fk->r)), 0);
	assert_int_equal(fk->n_calls, 0);
}

/* ---- flight recorder, reload, JSON ------------------------------------ */

static void
test_flightrec_on_stuck(void **state)
{
	struct fake *fk = *state;
	struct flow *f;
	char path[600], buf[4096];
	FILE *fp;
	size_t n;

	snprintf(fk->dir, sizeof(fk->dir), "/tmp/test_recovery.XXXXXX");
	assert_non_null(mkdtemp(fk->dir));
	snprintf(fk->cfg.flightrec_dir, sizeof(fk->cfg.flightrec_dir),
	    "%s/rec", fk->dir);
	fk->ike_sa[P_STATIC] = true;
	stream(fk, 1, 0xB761863Eu, 0, 3000);
	f = flow_of(fk, 0, 1, 0xB761863Eu);
	assert_int_equal(stats(fk).flightrecs, 1);
	assert_int_equal(fk->n_dumps, 1);
	/* 3000 ms after T0 */
	snprintf(path, sizeof(path), "%s/rec/20261128T150004Z_198.18.0.1_"
	    "198.18.0.254_B761863E.pcap", fk->dir);
	assert_string_equal(f->flightrec, path);
	snprintf(path + strlen(path) - 5, 6, ".txt");
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_non_null(strstr(buf, "DUMP static-a\n"));
	assert_non_null(strstr(buf, "class: stuck"));
	/* the decision came after the recording */
	assert_int_equal(fk->n_calls, 1);

	/* a stuck flow from an unconfigured source: no recording (a spoofed
	 * flood must not become a flood of files) */
	stream(fk, 77, 0x6666, 10000, 13000);
	assert_int_equal(flow_of(fk, 0, 77, 0x6666)->cls, FLOW_STUCK);
	assert_int_equal(stats(fk).flightrecs, 1);
	assert_int_equal(fk->n_dumps, 1);

	/* an unwritable place: counted, logged, recovery goes on */
	snprintf(fk->cfg.flightrec_dir, sizeof(fk->cfg.flightrec_dir),
	    "%s", path);                        /* a file */
	stream(fk, 1, 0x99, 20000, 23000);
	assert_int_equal(stats(fk).flightrec_errors, 1);
	assert_int_equal(fk->n_calls, 2);
}

static void
test_reload(void **state)
{
	struct fake *fk = *state;
	struct sd_config *cfg2 = calloc(1, sizeof(*cfg2));
	struct flow *f;

	assert_non_null(cfg2);
	for (uint64_t t = 0; t <= 3000; t += 1000)
		miss_full(fk, 100, 7, 0x3333, t, 0, false, false);
	f = flow_of(fk, 100, 7, 0x3333);
	assert_int_equal(stats(fk).refused_dynamic, 1);
	/* an action with static-a at 3000 */
	fk->ike_sa[P_STATIC] = true;
	stream(fk, 1, 0x1, 0, 3000);
	assert_int_equal(fk->n_calls, 1);

	/* SIGHUP: 198.18.100.7 is now a static peer with recovery; the peers
	 * are in another order (their state follows the name) */
	make_config(cfg2);
	cfg2->n_peers = 0;
	add_peer(cfg2, "new-static", SD_PEER_STATIC, 100, 7, 32, true);
	add_peer(cfg2, "static-a", SD_PEER_STATIC, 0, 1, 32, true);
	fk->cfg = *cfg2;        /* the fake's peer indices follow cfg */
	free(cfg2);
	fk->ike_sa[0] = false;
	fk->ike_sa[1] = true;
	recovery_set_config(fk->r, &fk->cfg);
	assert_string_equal(f->peer, "new-static");
	recovery_tick(fk->r, 3500);
	assert_int_equal(fk->n_calls, 2);
	assert_string_equal(fk->calls[1].what, "initiate");
	assert_string_equal(fk->calls[1].peer, "new-static");
	assert_int_equal(f->cls, FLOW_RECOVERING);
	/* static-a's interval survived the reload */
	stream(fk, 1, 0x2, 4000, 7000);
	assert_int_equal(fk->n_calls, 2);
	assert_int_equal(stats(fk).refused_interval, 1);
}

static void
test_json(void **state)
{
	struct fake *fk = *state;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	struct json_object *root, *st, *flows, *o, *v;
	static const char *const keys[] = {
		"events", "sa_miss", "spi_reserved", "other_events",
		"lost_events", "lost_misses", "logs", "logs_suppressed",
		"notify_stale", "initiated", "action_failed",
		"refused_unconfigured", "refused_dynamic", "refused_disabled",
		"refused_interval", "flightrecs", "flightrec_errors", "flows",
		"flow_evictions",
	};

	fk->ike_sa[P_STATIC] = true;
	stream(fk, 1, 0xB761863Eu, 0, 3000);
	miss(fk, 77, 5000, 4000);
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	assert_int_equal(recovery_json(fk->r, fp), 0);
	fclose(fp);
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "flows", &flows));
	assert_int_equal(json_object_array_length(flows), 2);
	o = json_object_array_get_idx(flows, 1);
	assert_true(json_object_object_get_ex(o, "class", &v));
	assert_string_equal(json_object_get_string(v), "recovering");
	assert_true(json_object_object_get_ex(o, "peer", &v));
	assert_string_equal(json_object_get_string(v), "static-a");
	assert_true(json_object_object_get_ex(o, "class_since", &v));
	assert_string_equal(json_object_get_string(v),
	    "2026-11-28T15:00:04.000Z");
	assert_true(json_object_object_get_ex(o, "last_action", &v));
	assert_string_equal(json_object_get_string(v),
	    "delete+invalid_spi sent");
	assert_true(json_object_object_get_ex(o, "history", &v));
	assert_int_equal(json_object_array_length(v), 4);
	assert_true(json_object_object_get_ex(root, "stats", &st));
	assert_int_equal(json_object_object_length(st),
	    sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_true(json_object_object_get_ex(st, keys[i], &v));
	json_object_object_get_ex(st, "sa_miss", &v);
	assert_int_equal(json_object_get_int64(v), 5);
	json_object_object_get_ex(st, "notify_stale", &v);
	assert_int_equal(json_object_get_int64(v), 1);
	json_object_object_get_ex(st, "flows", &v);
	assert_int_equal(json_object_get_int64(v), 2);
	json_object_put(root);
	free(text);
}

static void
test_new_rejects_bad_ops(void **state)
{
	struct fake *fk = *state;
	struct recovery_ops ops = { .log = fk_log };
	struct recovery *r = (struct recovery *)1;

	assert_int_equal(recovery_new(&fk->cfg, &ops, &r), -EINVAL);
	assert_null(r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_log_line_and_rate_limit),
		T(test_log_udp),
		T(test_miss_counts),
		T(test_transient_burst),
		T(test_transient_lazy_without_tick),
		T(test_stuck_notify_existing_ike_sa),
		T(test_stuck_initiate_static),
		T(test_dynamic_peer),
		T(test_recovery_disabled),
		T(test_stuck_in_card_time),
		T(test_stuck_at_sparse_reports),
		T(test_unconfigured_never_sends),
		T(test_spoofed_flood),
		T(test_flood_keeps_peer_flow),
		T(test_interval_per_peer),
		T(test_child_up_inside_op),
		T(test_recovered),
		T(test_restuck),
		T(test_stuck_goes_quiet),
		T(test_rekey_window),
		T(test_rekey_window_from_peer_state),
		T(test_action_failure_retried),
		T(test_events_lost),
		T(test_reserved_and_others),
		T(test_flightrec_on_stuck),
		T(test_reload),
		T(test_json),
		T(test_new_rejects_bad_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
