/*
 * spisyncd -- the invalid-SPI recovery engine (recovery.h).
 *
 * Timers are lazy: the rules that depend on time passing (a NEW flow that
 * stayed quiet is TRANSIENT, a RECOVERING one whose CHILD SA came up is
 * RECOVERED, ...) are applied to a flow when its next record arrives and
 * to every flow by recovery_tick, so the result does not depend on how
 * punctually the caller ticks.
 */
#include "recovery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "flightrec.h"
#include "misslog.h"

/* What the engine remembers about a configured peer, by name across
 * reloads. */
struct peer_rt {
	char name[SD_NAME_MAX];
	bool acted;                     /* a recovery action was taken */
	uint64_t last_action_ms;
	bool rekeying;                  /* recovery_rekey(started) */
	bool rekey_ended;
	uint64_t rekey_end_ms;
};

struct recovery {
	const struct sd_config *cfg;
	struct recovery_ops ops;
	struct flow_table *flows;
	struct peer_rt peers[SD_MAX_PEERS];     /* parallel to cfg->peers */
	size_t n_peers;                         /* as many as it had */
	struct recovery_stats st;
	/* wall - monotonic, from the latest record: wall times for changes
	 * made by the timers */
	int64_t wall_off_ns;
	/* EVENTS_LOST: records lost since the last line */
	uint64_t lost_pending;
	bool lost_logged;
	uint64_t lost_log_ms;
	/* SPI_RESERVED: one line per log interval */
	uint64_t reserved_pending;
	bool reserved_logged;
	uint64_t reserved_log_ms;
	/* global budget of RECVD_PKT_INV_SPI lines */
	uint64_t log_window_ms;
	unsigned log_window_n;
	bool log_window_started;
	uint64_t last_expire_ms;
};

static uint64_t
holdoff_ms(const struct recovery *r)
{
	return (uint64_t)r->cfg->stuck_holdoff_s * 1000u;
}

static uint64_t
interval_ms(const struct recovery *r)
{
	return (uint64_t)r->cfg->recovery_interval_s * 1000u;
}

static uint64_t
log_interval_ms(const struct recovery *r)
{
	return (uint64_t)r->cfg->miss_log_interval_s * 1000u;
}

static uint64_t
est_wall_ns(const struct recovery *r, uint64_t now_ms)
{
	return (uint64_t)((int64_t)(now_ms * 1000000u) + r->wall_off_ns);
}

static void
logf_(struct recovery *r, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
logf_(struct recovery *r, int prio, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->ops.log(r->ops.ctx, prio, line);
}

/* The flow's source as a sockaddr (port: the UDP source port, else 0;
 * the lookups ignore it). */
static void
flow_src_sa(const struct flow *f, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (f->key.ipv6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, f->key.src, 16);
		s6->sin6_port = htons(f->key.udp ? f->key.sport : 0);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, f->key.src, 4);
		s4->sin_port = htons(f->key.udp ? f->key.sport : 0);
	}
}

static const struct sd_peer *
flow_peer(const struct recovery *r, const struct flow *f)
{
	struct sockaddr_storage ss;

	flow_src_sa(f, &ss);
	return sd_config_peer_by_addr(r->cfg, (const struct sockaddr *)&ss);
}

static struct peer_rt *
peer_rt_of(struct recovery *r, const struct sd_peer *p)
{
	size_t i = (size_t)(p - r->cfg->peers);

	return i < r->cfg->n_peers ? &r->peers[i] : NULL;
}

static void
set_action(struct flow *f, const char *what)
{
	snprintf(f->last_action, sizeof(f->last_action), "%s", what);
}

/* "spi=0x...(...), srcaddr=..., destaddr=..." for the engine's own lines */
static void
flow_desc(const struct flow *f, char *buf, size_t len)
{
	char src[64], dst[64];

	if (flow_addr_str(f->key.ipv6, f->key.src, src, sizeof(src)) != 0)
		snprintf(src, sizeof(src), "?");
	if (flow_addr_str(f->key.ipv6, f->key.dst, dst, sizeof(dst)) != 0)
		snprintf(dst, sizeof(dst), "?");
	snprintf(buf, len, "spi=0x%08" PRIX32 "(%" PRIu32 "), srcaddr=%s, "
	    "destaddr=%s", f->key.spi, f->key.spi, src, dst);
}

/* ---- the decision ----------------------------------------------------- */

/* Whether the flow's peer is inside a rekey window: a rekey going on, or
 * one that ended less than stuck_holdoff ago (the peer may still send a
 * few packets on the SA that was replaced). */
static bool
in_rekey(struct recovery *r, const struct flow *f, uint64_t now_ms)
{
	const struct sd_peer *p = flow_peer(r, f);
	struct recovery_peer_state ps = { 0 };
	struct sockaddr_storage ss;
	struct peer_rt *rt;

	if (p == NULL)
		return false;
	rt = peer_rt_of(r, p);
	if (rt != NULL && (rt->rekeying || (rt->rekey_ended &&
	    now_ms < rt->rekey_end_ms + holdoff_ms(r))))
		return true;
	flow_src_sa(f, &ss);
	r->ops.peer_state(r->ops.ctx, p, (const struct sockaddr *)&ss, &ps);
	return ps.rekeying || (ps.last_rekey_ms != 0 &&
	    now_ms < ps.last_rekey_ms + holdoff_ms(r));
}

static void
refuse(struct recovery *r, struct flow *f, uint64_t *counter, const char *why,
    uint64_t retry_ms)
{
	char desc[256];

	(*counter)++;
	f->retry_ms = retry_ms;
	set_action(f, why);
	flow_desc(f, desc, sizeof(desc));
	logf_(r, LOG_NOTICE, "spisyncd: stuck flow %s, peer %s: %s", desc,
	    f->peer[0] != '\0' ? f->peer : "(none)", why);
}

/* A STUCK flow: act, or say why not. Never sends anything toward an
 * address that is not a configured peer. */
static void
decide(struct recovery *r, struct flow *f, uint64_t now_ms, uint64_t wall_ns)
{
	const struct sd_peer *p = flow_peer(r, f);
	struct recovery_peer_state ps = { 0 };
	struct sockaddr_storage ss;
	const struct sockaddr *sa = (const struct sockaddr *)&ss;
	struct peer_rt *rt;
	bool notify;
	char desc[256];
	int rc;

	f->retry_ms = 0;
	if (p == NULL || (rt = peer_rt_of(r, p)) == NULL) {
		refuse(r, f, &r->st.refused_unconfigured,
		    "refused: not a configured peer", 0);
		return;
	}
	flow_src_sa(f, &ss);
	r->ops.peer_state(r->ops.ctx, p, sa, &ps);
	notify = ps.ike_sa;
	if (!notify && p->type != SD_PEER_STATIC) {
		refuse(r, f, &r->st.refused_dynamic,
		    "refused: dynamic peer: log only", 0);
		return;
	}
	if (!notify && !p->recovery) {
		refuse(r, f, &r->st.refused_disabled,
		    "refused: recovery disabled for peer", 0);
		return;
	}
	if (!notify && sd_config_static_peer(r->cfg, sa) != p) {
		/* initiate only ever toward a static peer's own address */
		refuse(r, f, &r->st.refused_unconfigured,
		    "refused: not a configured peer", 0);
		return;
	}
	if (rt->acted && now_ms < rt->last_action_ms + interval_ms(r)) {
		refuse(r, f, &r->st.refused_interval,
		    "refused: recovery interval", rt->last_action_ms +
		    interval_ms(r));
		return;
	}

	rt->acted = true;
	rt->last_action_ms = now_ms;
	flow_desc(f, desc, sizeof(desc));
	/* RECOVERING before the call: should the IKE code report the CHILD
	 * SA up from inside it, the flow is there to take the news */
	f->action_ms = now_ms;
	f->child_up_ms = 0;
	flow_table_set_class(r->flows, f, FLOW_RECOVERING, now_ms, wall_ns);
	if (notify)
		rc = r->ops.notify_stale(r->ops.ctx, p, sa, f->key.spi);
	else
		rc = r->ops.initiate(r->ops.ctx, p, f->key.spi);
	if (rc != 0) {
		flow_table_set_class(r->flows, f, FLOW_STUCK, now_ms, wall_ns);
		r->st.action_failed++;
		snprintf(f->last_action, sizeof(f->last_action), "%s failed: %s",
		    notify ? "delete+invalid_spi" : "initiate ike_sa",
		    strerror(rc < 0 ? -rc : rc));
		/* try again once the interval has passed, if still stuck */
		f->retry_ms = now_ms + (interval_ms(r) > 0 ? interval_ms(r) : 1);
		logf_(r, LOG_ERR, "spisyncd: stuck flow %s, peer %s: %s", desc,
		    p->name, f->last_action);
		return;
	}
	if (notify)
		r->st.notify_stale++;
	else
		r->st.initiated++;
	f->recoveries++;
	set_action(f, notify ? "delete+invalid_spi sent" : "initiated ike_sa");
	logf_(r, LOG_NOTICE, "spisyncd: stuck flow %s, peer %s: %s", desc,
	    p->name, f->last_action);
}

struct dump_arg {
	struct recovery *r;
	const struct flow *f;
};

static void
dump_cb(void *ctx, FILE *out)
{
	const struct dump_arg *a = ctx;
	struct sockaddr_storage ss;

	if (a->r->ops.dump_state == NULL) {
		fprintf(out, "(no state dump available)\n");
		return;
	}
	flow_src_sa(a->f, &ss);
	a->r->ops.dump_state(a->r->ops.ctx, flow_peer(a->r, a->f),
	    (const struct sockaddr *)&ss, out);
}

static void
become_stuck(struct recovery *r, struct flow *f, uint64_t now_ms,
    uint64_t wall_ns)
{
	flow_table_set_class(r->flows, f, FLOW_STUCK, now_ms, wall_ns);
	f->rekey_transient = false;
	/* evidence for configured peers only: a flood of spoofed sources
	 * must not turn into a flood of files (and of time spent writing) */
	if (r->cfg->flightrec_dir[0] != '\0' && flow_peer(r, f) != NULL) {
		struct dump_arg a = { r, f };
		char path[sizeof(f->flightrec)];
		int rc = flightrec_write(r->cfg->flightrec_dir,
		    r->cfg->flightrec_keep, f, wall_ns, dump_cb, &a, path,
		    sizeof(path));

		if (rc == 0) {
			r->st.flightrecs++;
			snprintf(f->flightrec, sizeof(f->flightrec), "%s", path);
		} else {
			r->st.flightrec_errors++;
			logf_(r, LOG_ERR, "spisyncd: flight recorder: %s: %s",
			    r->cfg->flightrec_dir, strerror(-rc));
		}
	}
	decide(r, f, now_ms, wall_ns);
}

/* ---- timers ----------------------------------------------------------- */

/* Apply what time alone changes for f at now_ms. */
static void
flow_timers(struct recovery *r, struct flow *f, uint64_t now_ms)
{
	uint64_t quiet = f->last_ms + holdoff_ms(r) + RECOVERY_GRACE_MS;
	uint64_t wall = est_wall_ns(r, now_ms);

	switch (f->cls) {
	case FLOW_NEW:
		/* measured from the last record, as for STUCK, not from the
		 * first: the card re-reports a flow at its first repeat after
		 * the card hold-off, so a flow with a packet every 0.9 s is
		 * reported every 1.8 s (0, 1.8, 3.6 s) and from the first
		 * record it would never have one in [H, H + G) */
		if (now_ms >= quiet)
			flow_table_set_class(r->flows, f, FLOW_TRANSIENT,
			    now_ms, wall);
		break;
	case FLOW_TRANSIENT:
		if (f->rekey_transient && now_ms >= quiet)
			f->rekey_transient = false;
		break;
	case FLOW_STUCK:
		if (now_ms >= quiet) {
			/* it stopped without us: nothing left to recover */
			f->retry_ms = 0;
			f->rekey_transient = false;
			flow_table_set_class(r->flows, f, FLOW_TRANSIENT,
			    now_ms, wall);
		} else if (f->retry_ms != 0 && now_ms >= f->retry_ms) {
			decide(r, f, now_ms, wall);
		}
		break;
	case FLOW_RECOVERING:
		if (f->child_up_ms != 0) {
			uint64_t since = f->child_up_ms > f->last_ms ?
			    f->child_up_ms : f->last_ms;

			if (now_ms >= since + holdoff_ms(r))
				flow_table_set_class(r->flows, f,
				    FLOW_RECOVERED, now_ms, wall);
		}
		break;
	case FLOW_RECOVERED:
		break;
	}
}

static uint64_t
flow_deadline(const struct recovery *r, const struct flow *f)
{
	uint64_t quiet = f->last_ms + holdoff_ms(r) + RECOVERY_GRACE_MS;

	switch (f->cls) {
	case FLOW_NEW:
		return quiet;
	case FLOW_TRANSIENT:
		return f->rekey_transient ? quiet : UINT64_MAX;
	case FLOW_STUCK:
		return (f->retry_ms != 0 && f->retry_ms < quiet) ?
		    f->retry_ms : quiet;
	case FLOW_RECOVERING:
		if (f->child_up_ms != 0)
			return (f->child_up_ms > f->last_ms ? f->child_up_ms :
			    f->last_ms) + holdoff_ms(r);
		return UINT64_MAX;
	case FLOW_RECOVERED:
		break;
	}
	return UINT64_MAX;
}

/* ---- records ---------------------------------------------------------- */

static void
key_from_event(const struct spisync_event *ev, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ipv6 = ev->ipv6;
	memcpy(k->src, ev->src, ev->ipv6 ? 16 : 4);
	memcpy(k->dst, ev->dst, ev->ipv6 ? 16 : 4);
	k->spi = ev->spi;
	k->udp = ev->udp;
	if (ev->udp) {
		k->sport = ev->sport;
		k->dport = ev->dport;
	}
}

/* The global budget: RECOVERY_LOG_BURST lines per second of the caller's
 * clock, whatever the number of flows. */
static bool
log_budget(struct recovery *r, uint64_t now_ms)
{
	if (!r->log_window_started || now_ms >= r->log_window_ms + 1000u) {
		r->log_window_started = true;
		r->log_window_ms = now_ms;
		r->log_window_n = 0;
	}
	if (r->log_window_n >= RECOVERY_LOG_BURST)
		return false;
	r->log_window_n++;
	return true;
}

static void
miss_log(struct recovery *r, struct flow *f, uint64_t now_ms)
{
	char line[256];
	bool ok = false;

	if (misslog_due(f, now_ms, log_interval_ms(r)) &&
	    log_budget(r, now_ms) &&
	    misslog_format(&f->key, line, sizeof(line)) >= 0) {
		r->ops.log(r->ops.ctx, LOG_WARNING, line);
		ok = true;
	}
	misslog_note(f, ok, now_ms);
	if (ok)
		r->st.logs++;
	else
		r->st.logs_suppressed++;
}

/* A flow that was over (transient, recovered) misses again: it starts
 * over as NEW. */
static void
new_episode(struct recovery *r, struct flow *f, uint64_t now_ms,
    uint64_t wall_ns)
{
	f->first_ms = now_ms;
	f->first_wall_ns = wall_ns;
	f->episodes++;
	flow_table_set_class(r->flows, f, FLOW_NEW, now_ms, wall_ns);
}

static void
sa_miss(struct recovery *r, const struct spisync_event *ev, uint64_t now_ms,
    uint64_t wall_ns)
{
	struct flow_key k;
	struct flow *f;
	struct flow_miss m;
	bool fresh;

	key_from_event(ev, &k);
	f = flow_table_get(r->flows, &k, false, now_ms);
	if (f != NULL)
		flow_timers(r, f, now_ms);
	f = flow_table_get(r->flows, &k, true, now_ms);
	fresh = f->events == 0;
	if (fresh) {
		const struct sd_peer *p = flow_peer(r, f);

		snprintf(f->peer, sizeof(f->peer), "%s", p ? p->name : "");
		flow_table_set_from_peer(r->flows, f, p != NULL);
		f->first_wall_ns = f->class_since_wall_ns = wall_ns;
		f->episodes = 1;
	}

	m.wall_ns = wall_ns;
	m.card_ns = ev->time_ns;
	m.seq = ev->seq;
	m.frame_len = ev->frame_len;
	m.count = ev->count;
	m.evicted = ev->evicted;
	flow_add_miss(f, &m);
	f->events++;
	/* an evicted flow's record stands for its held repeats only */
	f->misses += ev->evicted ? (uint64_t)ev->count :
	    1u + (uint64_t)ev->count;
	f->last_wall_ns = wall_ns;
	miss_log(r, f, now_ms);

	switch (f->cls) {
	case FLOW_TRANSIENT:
		if (!f->rekey_transient)
			new_episode(r, f, now_ms, wall_ns);
		else if (!in_rekey(r, f, now_ms))
			become_stuck(r, f, now_ms, wall_ns);
		break;
	case FLOW_RECOVERED:
		new_episode(r, f, now_ms, wall_ns);
		break;
	case FLOW_NEW:
		/* measured in the records' own (card) time: the card re-reports
		 * a continuing flow at most once per hold-off, so the third
		 * record of a stuck flow is >= 2 hold-offs after the first in
		 * card time, while the times we read the ring at jitter by a
		 * poll period either way */
		if (fresh || wall_ns < f->first_wall_ns + holdoff_ms(r) * 1000000u)
			break;
		if (in_rekey(r, f, now_ms)) {
			f->rekey_transient = true;
			flow_table_set_class(r->flows, f, FLOW_TRANSIENT,
			    now_ms, wall_ns);
		} else {
			become_stuck(r, f, now_ms, wall_ns);
		}
		break;
	case FLOW_STUCK:
		if (f->retry_ms != 0 && now_ms >= f->retry_ms)
			decide(r, f, now_ms, wall_ns);
		break;
	case FLOW_RECOVERING:
		/* still missing a whole interval after the action: the
		 * peer did not act on it; stuck again, next action due */
		if (now_ms >= f->action_ms + interval_ms(r))
			become_stuck(r, f, now_ms, wall_ns);
		break;
	}
}

static void
reserved(struct recovery *r, const struct spisync_event *ev, uint64_t now_ms)
{
	char src[64], dst[64];

	r->st.spi_reserved++;
	r->reserved_pending++;
	if (r->reserved_logged &&
	    now_ms < r->reserved_log_ms + log_interval_ms(r))
		return;
	if (flow_addr_str(ev->ipv6, ev->src, src, sizeof(src)) != 0)
		snprintf(src, sizeof(src), "?");
	if (flow_addr_str(ev->ipv6, ev->dst, dst, sizeof(dst)) != 0)
		snprintf(dst, sizeof(dst), "?");
	/* a reserved SPI (0..255) is never an SA we lost: no recovery */
	logf_(r, LOG_NOTICE, "spisyncd: ESP with reserved spi=0x%08" PRIX32
	    "(%" PRIu32 ") for destaddr=%s, srcaddr=%s (%" PRIu64
	    " such records since the last report)", ev->spi, ev->spi, dst, src,
	    r->reserved_pending);
	r->reserved_pending = 0;
	r->reserved_logged = true;
	r->reserved_log_ms = now_ms;
}

static void
lost_log(struct recovery *r, uint64_t now_ms)
{
	if (r->lost_pending == 0 || (r->lost_logged &&
	    now_ms < r->lost_log_ms + log_interval_ms(r)))
		return;
	logf_(r, LOG_WARNING, "spisyncd: card lost %" PRIu64 " miss events",
	    r->lost_pending);
	r->lost_pending = 0;
	r->lost_logged = true;
	r->lost_log_ms = now_ms;
}

void
recovery_event(struct recovery *r, const struct spisync_event *ev,
    uint64_t now_ms, uint64_t wall_ns)
{
	r->st.events++;
	r->wall_off_ns = (int64_t)wall_ns - (int64_t)(now_ms * 1000000u);
	switch (ev->type) {
	case SPISYNC_EV_SA_MISS:
		r->st.sa_miss++;
		sa_miss(r, ev, now_ms, wall_ns);
		break;
	case SPISYNC_EV_SPI_RESERVED:
		reserved(r, ev, now_ms);
		break;
	case SPISYNC_EV_EVENTS_LOST:
		r->st.lost_events += ev->count;
		r->st.lost_misses += ev->seq;   /* LOST_MISSES */
		r->lost_pending += ev->count;
		lost_log(r, now_ms);
		break;
	default:
		r->st.other_events++;
		break;
	}
}

struct tick_arg {
	struct recovery *r;
	uint64_t now_ms, next;
};

static void
tick_one(struct flow *f, void *arg)
{
	struct tick_arg *a = arg;
	uint64_t d;

	flow_timers(a->r, f, a->now_ms);
	d = flow_deadline(a->r, f);
	if (d < a->next)
		a->next = d;
}

uint64_t
recovery_tick(struct recovery *r, uint64_t now_ms)
{
	struct tick_arg a = { r, now_ms, UINT64_MAX };

	lost_log(r, now_ms);
	if (r->lost_pending != 0)
		a.next = r->lost_log_ms + log_interval_ms(r);
	if (now_ms >= r->last_expire_ms + 60000u) {
		flow_table_expire(r->flows, now_ms, RECOVERY_FLOW_IDLE_MS);
		r->last_expire_ms = now_ms;
	}
	flow_table_walk(r->flows, tick_one, &a);
	return a.next;
}

/* ---- the daemon's news ------------------------------------------------ */

struct child_arg {
	const char *peer;
	uint64_t now_ms;
};

static void
child_one(struct flow *f, void *arg)
{
	const struct child_arg *a = arg;

	if (f->cls == FLOW_RECOVERING && strcmp(f->peer, a->peer) == 0)
		f->child_up_ms = a->now_ms;
}

void
recovery_child_up(struct recovery *r, const struct sockaddr *peer_addr,
    uint64_t now_ms)
{
	const struct sd_peer *p = sd_config_peer_by_addr(r->cfg, peer_addr);
	struct child_arg a;

	if (p == NULL)
		return;
	a.peer = p->name;
	/* 0 means "not yet": a clock at 0 ms still counts */
	a.now_ms = now_ms != 0 ? now_ms : 1;
	/* RECOVERING flows are all on the protected list; walking it needs
	 * no scratch, so this is safe from inside an op called by a tick */
	flow_table_walk_protected(r->flows, child_one, &a);
}

void
recovery_rekey(struct recovery *r, const struct sockaddr *peer_addr,
    bool started, uint64_t now_ms)
{
	const struct sd_peer *p = sd_config_peer_by_addr(r->cfg, peer_addr);
	struct peer_rt *rt;

	if (p == NULL || (rt = peer_rt_of(r, p)) == NULL)
		return;
	rt->rekeying = started;
	if (!started) {
		rt->rekey_ended = true;
		rt->rekey_end_ms = now_ms;
	}
}

/* ---- life ------------------------------------------------------------- */

static void
load_peers(struct recovery *r, const struct sd_config *cfg)
{
	struct peer_rt old[SD_MAX_PEERS];
	size_t n_old = r->n_peers;

	memcpy(old, r->peers, sizeof(old));
	memset(r->peers, 0, sizeof(r->peers));
	for (size_t i = 0; i < cfg->n_peers && i < SD_MAX_PEERS; i++) {
		snprintf(r->peers[i].name, sizeof(r->peers[i].name), "%s",
		    cfg->peers[i].name);
		for (size_t j = 0; j < n_old; j++) {
			if (strcmp(old[j].name, cfg->peers[i].name) == 0) {
				r->peers[i] = old[j];
				break;
			}
		}
	}
	r->n_peers = cfg->n_peers < SD_MAX_PEERS ? cfg->n_peers : SD_MAX_PEERS;
	r->cfg = cfg;
}

static void
reload_one(struct flow *f, void *arg)
{
	struct recovery *r = arg;
	const struct sd_peer *p = flow_peer(r, f);

	snprintf(f->peer, sizeof(f->peer), "%s", p ? p->name : "");
	/* refused under the old configuration: decide again */
	if (f->cls == FLOW_STUCK && f->retry_ms == 0)
		f->retry_ms = 1;
}

int
recovery_new(const struct sd_config *cfg, const struct recovery_ops *ops,
    struct recovery **out)
{
	struct recovery *r;
	int rc;

	*out = NULL;
	if (cfg == NULL || ops == NULL || ops->log == NULL ||
	    ops->peer_state == NULL || ops->notify_stale == NULL ||
	    ops->initiate == NULL)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	rc = flow_table_new(RECOVERY_MAX_FLOWS, &r->flows);
	if (rc != 0) {
		free(r);
		return rc;
	}
	r->ops = *ops;
	load_peers(r, cfg);
	*out = r;
	return 0;
}

void
recovery_set_config(struct recovery *r, const struct sd_config *cfg)
{
	load_peers(r, cfg);
	flow_table_walk(r->flows, reload_one, r);
}

void
recovery_free(struct recovery *r)
{
	if (r == NULL)
		return;
	flow_table_free(r->flows);
	free(r);
}

struct flow_table *
recovery_flows(struct recovery *r)
{
	return r->flows;
}

void
recovery_stats(const struct recovery *r, struct recovery_stats *out)
{
	*out = r->st;
	out->flows = flow_table_count(r->flows);
	out->flow_evictions = flow_table_evictions(r->flows);
}

int
recovery_json(struct recovery *r, FILE *out)
{
	struct json_object *root = flows_json_object(r->flows), *st;
	struct recovery_stats s;
	const char *text;
	int rc = -1;

	if (root == NULL)
		return -1;
	recovery_stats(r, &s);
	/* the JSON names are the C field names */
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "events", s.events },
		{ "sa_miss", s.sa_miss },
		{ "spi_reserved", s.spi_reserved },
		{ "other_events", s.other_events },
		{ "lost_events", s.lost_events },
		{ "lost_misses", s.lost_misses },
		{ "logs", s.logs },
		{ "logs_suppressed", s.logs_suppressed },
		{ "notify_stale", s.notify_stale },
		{ "initiated", s.initiated },
		{ "action_failed", s.action_failed },
		{ "refused_unconfigured", s.refused_unconfigured },
		{ "refused_dynamic", s.refused_dynamic },
		{ "refused_disabled", s.refused_disabled },
		{ "refused_interval", s.refused_interval },
		{ "flightrecs", s.flightrecs },
		{ "flightrec_errors", s.flightrec_errors },
		{ "flows", s.flows },
		{ "flow_evictions", s.flow_evictions },
	};

	st = json_object_new_object();
	if (st == NULL || json_object_object_add(root, "stats", st) != 0) {
		json_object_put(st);
		json_object_put(root);
		return -1;
	}
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct json_object *v = json_object_new_int64(
		    f[i].v > INT64_MAX ? INT64_MAX : (int64_t)f[i].v);

		if (v == NULL || json_object_object_add(st, f[i].name, v) != 0) {
			json_object_put(v);
			json_object_put(root);
			return -1;
		}
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (text != NULL && fprintf(out, "%s\n", text) >= 0)
		rc = 0;
	json_object_put(root);
	return rc;
}
