/*
 * spisyncd -- the parts wired together and the epoll loop (daemon.h).
 *
 * Event ring polling: the card raises no interrupt (XRT gives user-managed
 * kernels none), so the ring is read on a timer: every 10 ms while records
 * arrive, doubling to 50 ms while it is empty. 10 ms: at the card's
 * default miss-record rate limit (100,000 records/s, docs/event-ring.md)
 * that is 1,000 records per poll, a quarter of the default 4,096-record
 * ring, so a flood does not overrun it between two polls. 50 ms idle: 20
 * wakeups a second of an otherwise quiet daemon, and at most 50 ms added to
 * the first report of a miss, small against the card's 1 s hold-off and
 * the ~1 s recovery the product promises.
 */
#define _GNU_SOURCE     /* signalfd, timerfd */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "card.h"
#include "config.h"
#include "ctlsock.h"
#include "daemon.h"
#include "ike_engine.h"
#include "log.h"
#include "net.h"
#include "recovery.h"

/* Ring reads per poll before the loop serves its other fds: 16 x 256
 * records, a full default ring */
#define POLL_ROUNDS_MAX 16u
/* A failing ring poll is logged at most this often */
#define POLL_ERR_LOG_MS 10000u

enum ep_tag { EP_SIGNAL = 1, EP_TIMER, EP_NET, EP_CTL };

struct spisyncd {
	struct spisyncd_opts opts;
	struct sd_config *cfg;
	struct card *card;
	struct net *net;
	struct ctlsock *ctl;
	struct recovery *rec;
	struct ike_engine *eng;
	int epfd, sigfd, timerfd;
	bool stop;
	int exit_status;
	uint64_t now;                   /* monotonic ms of this loop turn */
	/* deadlines (monotonic ms); 0: due now */
	uint64_t poll_next, poll_period;
	uint64_t eng_next, rec_next, ctl_next;
	uint64_t poll_err_log_ms;
	/* loop statistics for `show stats` */
	uint64_t turns, reloads, reload_errors, events;
	struct spisync_event evs[CARD_POLL_MAX];
};

/* ---- the IKE engine's operations ------------------------------------- */

static int
op_send(void *ctx, const struct sockaddr *local, const struct sockaddr *remote,
    const uint8_t *msg, size_t len)
{
	struct spisyncd *d = ctx;

	return net_send(d->net, local, remote, msg, len);
}

static int
op_sa_add(void *ctx, const struct spisync_sa *sa, uint32_t *index)
{
	struct spisyncd *d = ctx;
	const int rc = card_sa_add(d->card, sa, index);

	if (rc != 0)
		sd_log(LOG_ERR, "spisyncd: card: SA add spi 0x%08" PRIx32
		    ": %s", sa->spi, card_error(d->card));
	return rc;
}

static int
op_sa_del(void *ctx, uint32_t index)
{
	struct spisyncd *d = ctx;
	const int rc = card_sa_del(d->card, index);

	if (rc != 0)
		sd_log(LOG_ERR, "spisyncd: card: SA del index %" PRIu32 ": %s",
		    index, card_error(d->card));
	return rc;
}

static void
op_child_up(void *ctx, const struct sockaddr *peer)
{
	struct spisyncd *d = ctx;

	recovery_child_up(d->rec, peer, d->now);
	d->rec_next = 0;
}

static void
op_rekey(void *ctx, const struct sockaddr *peer, bool started)
{
	struct spisyncd *d = ctx;

	recovery_rekey(d->rec, peer, started, d->now);
	d->rec_next = 0;
}

/* ---- the recovery engine's operations -------------------------------- */

static void
rop_peer_state(void *ctx, const struct sd_peer *peer,
    const struct sockaddr *src, struct recovery_peer_state *out)
{
	struct spisyncd *d = ctx;
	struct ike_engine_peer_state st;

	memset(out, 0, sizeof(*out));
	if (d->eng == NULL || peer == NULL)
		return;
	ike_engine_peer_state(d->eng, peer, src, &st);
	out->ike_sa = st.ike_sa;
	out->rekeying = st.rekeying;
	out->last_rekey_ms = st.last_rekey_ms;
}

static int
rop_notify_stale(void *ctx, const struct sd_peer *peer,
    const struct sockaddr *src, uint32_t spi)
{
	struct spisyncd *d = ctx;

	if (d->eng == NULL || peer == NULL)
		return -ENOENT;
	d->eng_next = 0;
	return ike_engine_notify_stale(d->eng, peer, src, spi, d->now);
}

static int
rop_initiate(void *ctx, const struct sd_peer *peer, uint32_t spi)
{
	struct spisyncd *d = ctx;

	/* the recovery engine decides this; checked again here because a
	 * wrong decision would send IKE to an address an attacker chose */
	if (d->eng == NULL || peer == NULL || peer->type != SD_PEER_STATIC ||
	    sd_config_static_peer(d->cfg,
	    (const struct sockaddr *)&peer->addr) != peer) {
		sd_log(LOG_ERR, "spisyncd: recovery asked to initiate toward "
		    "a peer that is not a configured static peer: refused");
		return -EPERM;
	}
	d->eng_next = 0;
	return ike_engine_initiate(d->eng, peer, true, spi, d->now);
}

static void
rop_dump_state(void *ctx, const struct sd_peer *peer,
    const struct sockaddr *src, FILE *out)
{
	struct spisyncd *d = ctx;

	if (d->eng == NULL || peer == NULL) {
		fprintf(out, "no configured peer at this address\n");
		return;
	}
	ike_engine_dump_peer(d->eng, peer, src, d->now, out);
}

/* ---- control socket handlers ----------------------------------------- */

static int
ctl_show_ike(void *ctx, const char *args, FILE *out)
{
	struct spisyncd *d = ctx;

	(void)args;
	return ike_engine_json_ike(d->eng, d->now, out);
}

static int
ctl_show_peers(void *ctx, const char *args, FILE *out)
{
	struct spisyncd *d = ctx;

	(void)args;
	return ike_engine_json_peers(d->eng, d->now, out);
}

static int
ctl_show_flows(void *ctx, const char *args, FILE *out)
{
	struct spisyncd *d = ctx;

	(void)args;
	return recovery_json(d->rec, out);
}

/* `rekey PEER`, `initiate PEER`: operator requests; the answer says what was
 * started, the exchange itself runs in the loop. */
static const struct sd_peer *
ctl_peer_arg(struct spisyncd *d, const char *args, FILE *out)
{
	const struct sd_peer *p;

	while (*args == ' ')
		args++;
	p = sd_config_peer_by_name(d->cfg, args);
	if (p == NULL)
		fprintf(out, "no peer named \"%.64s\"\n", args);
	return p;
}

static int
ctl_rekey(void *ctx, const char *args, FILE *out)
{
	struct spisyncd *d = ctx;
	const struct sd_peer *p = ctl_peer_arg(d, args, out);

	if (p == NULL)
		return -1;
	if (ike_engine_rekey(d->eng, p, d->now) != 0) {
		fprintf(out, "peer %s: no IKE SA\n", p->name);
		return -1;
	}
	fprintf(out, "{\"ok\":true}\n");
	return 0;
}

static int
ctl_rekey_ike(void *ctx, const char *args, FILE *out)
{
	struct spisyncd *d = ctx;
	const struct sd_peer *p = ctl_peer_arg(d, args, out);

	if (p == NULL)
		return -1;
	if (ike_engine_rekey_ike(d->eng, p, d->now) != 0) {
		fprintf(out, "peer %s: no IKE SA\n", p->name);
		return -1;
	}
	fprintf(out, "{\"ok\":true}\n");
	return 0;
}

static int
ctl_initiate(void *ctx, const char *args, FILE *out)
{
	struct spisyncd *d = ctx;
	const struct sd_peer *p = ctl_peer_arg(d, args, out);
	int rc;

	if (p == NULL)
		return -1;
	if (p->type != SD_PEER_STATIC) {
		fprintf(out, "peer %s is dynamic: its address is not known\n",
		    p->name);
		return -1;
	}
	rc = ike_engine_initiate(d->eng, p, false, 0, d->now);
	if (rc != 0) {
		fprintf(out, "peer %s: %s\n", p->name, rc == -EALREADY ?
		    "an IKE SA is being set up already" : strerror(-rc));
		return -1;
	}
	fprintf(out, "{\"ok\":true}\n");
	return 0;
}

/* The daemon's own counters: the sockets, the card, the loop, and the two
 * engines' statistics. Numbers only: nothing to escape. */
static int
ctl_show_stats(void *ctx, const char *args, FILE *out)
{
	struct spisyncd *d = ctx;
	struct net_stats ns;
	struct card_stats cs;
	struct ike_engine_stats es;
	struct recovery_stats rs;

	(void)args;
	net_stats(d->net, &ns);
	card_stats(d->card, &cs);
	ike_engine_stats(d->eng, &es);
	recovery_stats(d->rec, &rs);
	fprintf(out, "{\"net\":{\"rx\":%" PRIu64 ",\"rx_short\":%" PRIu64
	    ",\"rx_not_ike\":%" PRIu64 ",\"rx_keepalive\":%" PRIu64
	    ",\"rx_errors\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"tx_errors\":%"
	    PRIu64 "},", ns.rx, ns.rx_short, ns.rx_not_ike, ns.rx_keepalive,
	    ns.rx_errors, ns.tx, ns.tx_errors);
	fprintf(out, "\"card\":{\"polls\":%" PRIu64 ",\"records\":%" PRIu64
	    ",\"poll_errors\":%" PRIu64 ",\"sa_added\":%" PRIu64
	    ",\"sa_deleted\":%" PRIu64 ",\"sa_errors\":%" PRIu64 "},",
	    cs.polls, cs.records, cs.poll_errors, cs.sa_added, cs.sa_deleted,
	    cs.sa_errors);
	fprintf(out, "\"ike\":{\"rx\":%" PRIu64 ",\"rx_dropped\":%" PRIu64
	    ",\"rx_invalid\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"retransmits\":%"
	    PRIu64 ",\"ike_established\":%" PRIu64 ",\"ike_failed\":%" PRIu64
	    ",\"child_installed\":%" PRIu64 ",\"child_deleted\":%" PRIu64
	    ",\"half_open\":%" PRIu64 ",\"cookies_sent\":%" PRIu64 "},",
	    es.rx, es.rx_dropped, es.rx_invalid, es.tx, es.retransmits,
	    es.ike_established, es.ike_failed, es.child_installed,
	    es.child_deleted, es.half_open, es.cookies_sent);
	fprintf(out, "\"recovery\":{\"events\":%" PRIu64 ",\"sa_miss\":%"
	    PRIu64 ",\"other_events\":%" PRIu64 ",\"lost_events\":%" PRIu64
	    ",\"logs\":%" PRIu64 ",\"logs_suppressed\":%" PRIu64
	    ",\"notify_stale\":%" PRIu64 ",\"initiated\":%" PRIu64
	    ",\"refused_unconfigured\":%" PRIu64 ",\"refused_dynamic\":%"
	    PRIu64 ",\"refused_disabled\":%" PRIu64 ",\"refused_interval\":%"
	    PRIu64 ",\"flightrecs\":%" PRIu64 "},", rs.events, rs.sa_miss,
	    rs.other_events, rs.lost_events, rs.logs, rs.logs_suppressed,
	    rs.notify_stale, rs.initiated, rs.refused_unconfigured,
	    rs.refused_dynamic, rs.refused_disabled, rs.refused_interval,
	    rs.flightrecs);
	fprintf(out, "\"daemon\":{\"turns\":%" PRIu64 ",\"events\":%" PRIu64
	    ",\"reloads\":%" PRIu64 ",\"reload_errors\":%" PRIu64
	    ",\"poll_period_ms\":%" PRIu64 ",\"peers\":%zu}}\n", d->turns,
	    d->events, d->reloads, d->reload_errors, d->poll_period,
	    d->cfg->n_peers);
	return 0;
}

static int
ctl_open(struct spisyncd *d, const char *path, struct ctlsock **out)
{
	static const struct {
		const char *cmd;
		ctlsock_handler fn;
	} cmds[] = {
		{ "show ike", ctl_show_ike },
		{ "show flows", ctl_show_flows },
		{ "show peers", ctl_show_peers },
		{ "show stats", ctl_show_stats },
		{ "rekey", ctl_rekey },
		{ "rekey-ike", ctl_rekey_ike },
		{ "initiate", ctl_initiate },
	};
	struct ctlsock *s;
	char err[256];
	int rc;

	rc = ctlsock_open(path, &s, err, sizeof(err));
	if (rc != 0) {
		sd_log(LOG_ERR, "spisyncd: control socket: %s", err);
		return rc;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		rc = ctlsock_register(s, cmds[i].cmd, cmds[i].fn, d);
		if (rc != 0) {
			sd_log(LOG_ERR, "spisyncd: control socket: register "
			    "\"%s\": %s", cmds[i].cmd, strerror(-rc));
			ctlsock_close(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

/* ---- the loop's sources ---------------------------------------------- */

static void
on_ike_input(void *ctx, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len)
{
	struct spisyncd *d = ctx;

	ike_engine_input(d->eng, local, remote, msg, len, d->now);
	d->eng_next = 0;        /* it may have new deadlines */
}

static int
ep_add(struct spisyncd *d, int fd, enum ep_tag tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = tag;
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

static void
poll_card(struct spisyncd *d)
{
	uint64_t total = 0;
	size_t n = 0;
	int rc = 0;

	for (unsigned round = 0; round < POLL_ROUNDS_MAX; round++) {
		rc = card_poll(d->card, d->evs, CARD_POLL_MAX, &n);
		if (rc != 0)
			break;
		for (size_t i = 0; i < n; i++)
			recovery_event(d->rec, &d->evs[i], d->now,
			    card_wall_ns(d->card, d->evs[i].time_ns));
		total += n;
		if (n < CARD_POLL_MAX)
			break;
	}
	if (rc != 0 && (d->poll_err_log_ms == 0 ||
	    d->now - d->poll_err_log_ms >= POLL_ERR_LOG_MS)) {
		d->poll_err_log_ms = d->now;
		sd_log(LOG_ERR, "spisyncd: card: event ring: %s",
		    card_error(d->card));
	}
	d->events += total;
	if (total > 0) {
		d->poll_period = SPISYNCD_POLL_BUSY_MS;
		d->rec_next = 0;
	} else if (d->poll_period < SPISYNCD_POLL_IDLE_MS) {
		d->poll_period *= 2;
		if (d->poll_period > SPISYNCD_POLL_IDLE_MS)
			d->poll_period = SPISYNCD_POLL_IDLE_MS;
	}
	/* a full last read: more are waiting, come back at once */
	d->poll_next = n == CARD_POLL_MAX ? d->now : d->now + d->poll_period;
	if (card_time_refresh(d->card, d->now) != 0)
		sd_log(LOG_WARNING, "spisyncd: card: time: %s",
		    card_error(d->card));
}

/* Everything whose deadline has come; then the earliest next one. */
static uint64_t
run_due(struct spisyncd *d)
{
	uint64_t next;

	if (d->now >= d->poll_next)
		poll_card(d);
	/* the recovery engine may call the IKE engine, which may call the
	 * recovery engine back (child_up): each ticks once per turn, and a
	 * deadline set to 0 by a callback makes the next turn come at once */
	if (d->now >= d->rec_next)
		d->rec_next = recovery_tick(d->rec, d->now);
	if (d->now >= d->eng_next)
		d->eng_next = ike_engine_tick(d->eng, d->now);
	if (d->now >= d->ctl_next) {
		ctlsock_tick(d->ctl, d->now);
		d->ctl_next = d->now + SPISYNCD_CTL_TICK_MS;
	}
	next = d->poll_next;
	if (d->rec_next < next)
		next = d->rec_next;
	if (d->eng_next < next)
		next = d->eng_next;
	if (d->ctl_next < next)
		next = d->ctl_next;
	return next;
}

static int
arm_timer(struct spisyncd *d, uint64_t deadline_ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	/* absolute: a deadline already past fires at once; never 0, which
	 * would disarm the timer */
	if (deadline_ms == 0)
		deadline_ms = 1;
	its.it_value.tv_sec = (time_t)(deadline_ms / 1000u);
	its.it_value.tv_nsec = (long)(deadline_ms % 1000u) * 1000000L;
	if (timerfd_settime(d->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		return -errno;
	return 0;
}

/* SIGHUP: the new file replaces the running configuration only if it
 * loads; the card and its ring stay (a new device needs a restart). */
static void
reload(struct spisyncd *d)
{
	struct sd_config *nc, *old = d->cfg;
	char err[512];

	nc = malloc(sizeof(*nc));
	if (nc == NULL) {
		d->reload_errors++;
		sd_log(LOG_ERR, "spisyncd: reload: out of memory; keeping the "
		    "running configuration");
		return;
	}
	if (sd_config_load(d->opts.config_path, nc, err, sizeof(err)) != 0) {
		d->reload_errors++;
		free(nc);
		sd_log(LOG_ERR, "spisyncd: reload failed, keeping the running "
		    "configuration: %s", err);
		return;
	}
	if (strcmp(nc->device, old->device) != 0 ||
	    nc->event_ring_log2 != old->event_ring_log2)
		sd_log(LOG_WARNING, "spisyncd: reload: device and "
		    "event_ring_log2 changes need a restart; still on %s",
		    old->device);
	if (!net_listen_equal(nc->listen, nc->n_listen, old->listen,
	    old->n_listen)) {
		const struct net_params np = {
			.listen = nc->listen, .n_listen = nc->n_listen,
			.port_ike = d->opts.port_ike,
			.port_natt = d->opts.port_natt,
			.log = sd_log_cb,
		};
		struct net *nn;

		if (net_open(&np, &nn, err, sizeof(err)) != 0) {
			sd_log(LOG_ERR, "spisyncd: reload: IKE sockets: %s; "
			    "keeping the old ones", err);
		} else {
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, net_fd(d->net), NULL);
			net_close(d->net);
			d->net = nn;
			if (ep_add(d, net_fd(d->net), EP_NET) != 0) {
				sd_log(LOG_ERR, "spisyncd: reload: epoll: %s",
				    strerror(errno));
				d->stop = true;
				d->exit_status = SPISYNCD_EXIT_FAIL;
			}
		}
	}
	if (strcmp(nc->control_socket, old->control_socket) != 0) {
		struct ctlsock *ns;

		if (ctl_open(d, nc->control_socket, &ns) == 0) {
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, ctlsock_fd(d->ctl),
			    NULL);
			ctlsock_close(d->ctl);
			d->ctl = ns;
			if (ep_add(d, ctlsock_fd(d->ctl), EP_CTL) != 0) {
				sd_log(LOG_ERR, "spisyncd: reload: epoll: %s",
				    strerror(errno));
				d->stop = true;
				d->exit_status = SPISYNCD_EXIT_FAIL;
			}
		} else {
			/* keep serving on the old path */
			snprintf(nc->control_socket,
			    sizeof(nc->control_socket), "%s",
			    old->control_socket);
		}
	}
	recovery_set_config(d->rec, nc);
	ike_engine_set_config(d->eng, nc);
	d->cfg = nc;
	sd_config_free(old);
	free(old);
	if (!d->opts.to_stderr)
		sd_log_open(false, nc->syslog_facility);
	d->reloads++;
	d->rec_next = d->eng_next = 0;
	sd_log(LOG_NOTICE, "spisyncd: configuration reloaded from %s: "
	    "%zu peers", d->opts.config_path, d->cfg->n_peers);
}

static void
on_signals(struct spisyncd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(d);
			break;
		case SIGINT:
		case SIGTERM:
			sd_log(LOG_NOTICE, "spisyncd: signal %u: shutting "
			    "down", si.ssi_signo);
			d->stop = true;
			break;
		default:
			break;
		}
	}
}

int
spisyncd_run(struct spisyncd *d)
{
	struct epoll_event evs[8];
	uint64_t next;
	int k;

	d->now = sd_mono_ms();
	next = run_due(d);
	while (!d->stop) {
		if (arm_timer(d, next) != 0) {
			sd_log(LOG_ERR, "spisyncd: timerfd: %s",
			    strerror(errno));
			return SPISYNCD_EXIT_FAIL;
		}
		k = epoll_wait(d->epfd, evs, 8, -1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			sd_log(LOG_ERR, "spisyncd: epoll_wait: %s",
			    strerror(errno));
			return SPISYNCD_EXIT_FAIL;
		}
		d->turns++;
		d->now = sd_mono_ms();
		for (int i = 0; i < k && !d->stop; i++) {
			uint64_t expirations;

			switch (evs[i].data.u32) {
			case EP_SIGNAL:
				on_signals(d);
				break;
			case EP_NET:
				net_dispatch(d->net, on_ike_input, d);
				break;
			case EP_CTL: {
				const int rc = ctlsock_dispatch(d->ctl, d->now);

				if (rc != 0)
					sd_log(LOG_ERR, "spisyncd: control "
					    "socket: %s", strerror(-rc));
				break;
			}
			case EP_TIMER:
				/* the count is of no use: deadlines decide */
				if (read(d->timerfd, &expirations,
				    sizeof(expirations)) < 0 && errno != EAGAIN)
					sd_log(LOG_WARNING, "spisyncd: "
					    "timerfd: %s", strerror(errno));
				break;
			default:
				break;
			}
		}
		if (d->stop)
			break;
		d->now = sd_mono_ms();
		next = run_due(d);
	}
	return d->exit_status;
}

/* ---- start and stop -------------------------------------------------- */

static int
start_loop_fds(struct spisyncd *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* signals come through the signalfd only */
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	/* a control client that hangs up must not kill the daemon */
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	d->timerfd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->timerfd < 0)
		return -errno;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	if (ep_add(d, d->sigfd, EP_SIGNAL) != 0 ||
	    ep_add(d, d->timerfd, EP_TIMER) != 0)
		return -errno;
	return 0;
}

/* After taking the ring over from a spisyncd that died, the misses the card
 * reported in the seconds before went into the dead daemon's ring: they are
 * read back from the card's event history, so that a flow stuck since then
 * is recognised from its first record, not a hold-off later. */
#define TAKEOVER_HISTORY_NS (10ull * 1000000000u)

static void
replay_takeover_history(struct spisyncd *d)
{
	size_t n = 0;
	int rc;

	rc = card_takeover_history(d->card, TAKEOVER_HISTORY_NS, d->evs,
	    CARD_POLL_MAX, &n);
	if (rc != 0) {
		sd_log(LOG_WARNING, "spisyncd: card: event history: %s",
		    card_error(d->card));
		return;
	}
	if (n == 0)
		return;
	d->now = sd_mono_ms();
	for (size_t i = 0; i < n; i++)
		recovery_event(d->rec, &d->evs[i], d->now,
		    card_wall_ns(d->card, d->evs[i].time_ns));
	d->events += n;
	sd_log(LOG_NOTICE, "spisyncd: %zu record(s) of the last %llu s read back "
	    "from the card's event history", n,
	    (unsigned long long)(TAKEOVER_HISTORY_NS / 1000000000u));
}

static int
start_parts(struct spisyncd *d)
{
	const struct net_params np = {
		.listen = d->cfg->listen, .n_listen = d->cfg->n_listen,
		.port_ike = d->opts.port_ike, .port_natt = d->opts.port_natt,
		.log = sd_log_cb,
	};
	const struct recovery_ops rops = {
		.ctx = d, .log = sd_log_cb, .peer_state = rop_peer_state,
		.notify_stale = rop_notify_stale, .initiate = rop_initiate,
		.dump_state = rop_dump_state,
	};
	const struct ike_engine_ops eops = {
		.ctx = d, .send = op_send, .sa_add = op_sa_add,
		.sa_del = op_sa_del, .log = sd_log_cb, .child_up = op_child_up,
		.rekey = op_rekey,
	};
	char err[512];
	int rc;

	rc = card_open(d->cfg->device, d->cfg->event_ring_log2, &d->card, err,
	    sizeof(err));
	if (rc == -EBUSY) {
		sd_log(LOG_ERR, "spisyncd: %s: the card's event ring has an "
		    "owner already (is another spisyncd running?): %s",
		    d->cfg->device, err);
		return rc;
	}
	if (rc != 0) {
		sd_log(LOG_ERR, "spisyncd: card %s: %s", d->cfg->device, err);
		return rc;
	}
	if (card_took_over(d->card))
		sd_log(LOG_WARNING, "spisyncd: %s: took the event ring over from "
		    "a spisyncd that died (its unread records are lost; the "
		    "drop counters have every miss)", d->cfg->device);
	rc = net_open(&np, &d->net, err, sizeof(err));
	if (rc != 0) {
		sd_log(LOG_ERR, "spisyncd: IKE sockets: %s", err);
		return rc;
	}
	rc = ctl_open(d, d->cfg->control_socket, &d->ctl);
	if (rc != 0)
		return rc;
	rc = recovery_new(d->cfg, &rops, &d->rec);
	if (rc != 0) {
		sd_log(LOG_ERR, "spisyncd: recovery engine: %s",
		    strerror(-rc));
		return rc;
	}
	rc = ike_engine_new(d->cfg, &eops, &d->eng);
	if (rc != 0) {
		sd_log(LOG_ERR, "spisyncd: IKE engine: %s", strerror(-rc));
		return rc;
	}
	replay_takeover_history(d);
	if (ep_add(d, net_fd(d->net), EP_NET) != 0 ||
	    ep_add(d, ctlsock_fd(d->ctl), EP_CTL) != 0) {
		rc = -errno;
		sd_log(LOG_ERR, "spisyncd: epoll: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* At start we have no IKE SA with anyone: INITIAL_CONTACT tells each peer
 * to drop whatever it still holds for us (RFC 7296 2.4). */
static void
initiate_peers(struct spisyncd *d)
{
	d->now = sd_mono_ms();
	for (size_t i = 0; i < d->cfg->n_peers; i++) {
		const struct sd_peer *p = &d->cfg->peers[i];
		int rc;

		if (!p->initiate || p->type != SD_PEER_STATIC)
			continue;
		rc = ike_engine_initiate(d->eng, p, true, 0, d->now);
		if (rc != 0)
			sd_log(LOG_ERR, "spisyncd: peer %s: initiate: %s",
			    p->name, strerror(-rc));
	}
	d->eng_next = 0;
}

int
spisyncd_start(const struct spisyncd_opts *o, struct spisyncd **out)
{
	struct spisyncd *d;
	char err[512];
	int rc;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fprintf(stderr, "spisyncd: out of memory\n");
		return SPISYNCD_EXIT_FAIL;
	}
	d->opts = *o;
	d->epfd = d->sigfd = d->timerfd = -1;
	d->poll_period = SPISYNCD_POLL_BUSY_MS;
	d->cfg = malloc(sizeof(*d->cfg));
	if (d->cfg == NULL) {
		fprintf(stderr, "spisyncd: out of memory\n");
		free(d);
		return SPISYNCD_EXIT_FAIL;
	}
	if (sd_config_load(o->config_path, d->cfg, err, sizeof(err)) != 0) {
		/* before the log is open: always the terminal */
		fprintf(stderr, "spisyncd: %s\n", err);
		free(d->cfg);
		free(d);
		return SPISYNCD_EXIT_CONFIG;
	}
	sd_log_open(o->to_stderr, d->cfg->syslog_facility);
	rc = start_loop_fds(d);
	if (rc != 0) {
		sd_log(LOG_ERR, "spisyncd: signalfd / timerfd / epoll: %s",
		    strerror(-rc));
		spisyncd_stop(d);
		return SPISYNCD_EXIT_FAIL;
	}
	if (start_parts(d) != 0) {
		spisyncd_stop(d);
		return SPISYNCD_EXIT_FAIL;
	}
	initiate_peers(d);
	sd_log(LOG_NOTICE, "spisyncd: started: card %s, %zu peers, control "
	    "socket %s", d->cfg->device, d->cfg->n_peers,
	    d->cfg->control_socket);
	*out = d;
	return SPISYNCD_EXIT_OK;
}

void
spisyncd_stop(struct spisyncd *d)
{
	if (d == NULL)
		return;
	d->now = sd_mono_ms();
	/* the engine sends its DELETEs and removes its SAs from the card:
	 * the sockets and the card are still there */
	if (d->eng != NULL)
		ike_engine_free(d->eng);
	d->eng = NULL;
	if (d->rec != NULL)
		recovery_free(d->rec);
	d->rec = NULL;
	ctlsock_close(d->ctl);
	if (d->net != NULL)
		net_close(d->net);
	if (d->card != NULL)
		card_close(d->card);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	if (d->cfg != NULL) {
		sd_config_free(d->cfg);
		free(d->cfg);
	}
	free(d);
}
