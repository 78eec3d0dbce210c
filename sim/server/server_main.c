/*
 * spisync-sim server mode (server.h): options, start-up, the event loop,
 * shut-down.
 *
 * Each iteration of the loop: poll (the signalfd, the listening socket,
 * the clients, the port, the TAP; without a timeout while the card has
 * work, else at most LOOP_IDLE_MS), serve one request of each client that
 * sent one, run the controller once (fw_poll: the mailbox, lifetimes), take
 * frames from the port and the TAP, clock the card in chunks while it has
 * work (at most LOOP_STEP_NS of wall time, then back to the clients), hand
 * what it delivered to the TAP / --out, answer DRAINs once it is idle.
 *
 * fw_poll reads REQ_SEQ through the simulated bus: two clocks of the model,
 * which at a thousand idle iterations a second were most of an idle
 * server's CPU (12% of a core at 512 bits). Only clients write the
 * mailbox, and the server sees their writes; so while the card is idle the
 * controller runs in the iteration after a client wrote a mailbox word
 * (the request is served as soon as it is posted), while it reports work
 * left, and otherwise every FW_IDLE_POLL_NS for its lifetimes (which count
 * in seconds). While the card works, it runs every iteration.
 */
#define _GNU_SOURCE     /* signalfd */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "frames.h"
#include "pcap_io.h"
#include "server.h"
#include "sim_proto.h"

enum {
	EXIT_RUN_FAILED = 1,
	EXIT_USAGE = 2,
};

enum { ERR_LEN = 1024 };

/* poll timeout while the card is idle */
#define LOOP_IDLE_MS 1
/* clocks per chunk while the card works (between time syncs and frame
 * hand-offs: about half a millisecond of the 128-bit model) */
#define LOOP_CHUNK_CLOCKS 32u
/* wall time the card is clocked per iteration before clients are served */
#define LOOP_STEP_NS 2000000u
/* An idle card is clocked briefly this often (card time synced first), so
 * what waits on card time alone -- an EVENTS_LOST record due after
 * EVENT_LOST_NS -- still goes out: once the event gate sees the time, the
 * card reports itself busy and the loop clocks it until the record is
 * written. (The sync's own register accesses run a few clocks too.) */
#define LOOP_IDLE_TICK_NS 100000000u
#define LOOP_IDLE_TICK_CLOCKS 4u
/* fw_poll while the card is idle and no mailbox word was written */
#define FW_IDLE_POLL_NS 10000000u

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: spisync-sim --socket PATH [--width 128|512] [--esp-sa FILE "
	    "[--natt]]\n"
	    "           [--in IN.pcap | --port IFNAME] [--tap NAME] "
	    "[--out OUT.pcap]\n"
	    "           [--gap CLOCKS] [--holdoff-ns NS] [--event-rate N]\n"
	    "           [--event-burst N] [--auth-fail-burst N] "
	    "[--replay-burst N]\n"
	    "\n"
	    "Server mode: the simulated card runs until SIGINT or SIGTERM, "
	    "serving\n"
	    "libspisync's sim: backend (\"sim:PATH\") on a SOCK_SEQPACKET "
	    "socket, with its\n"
	    "host memory in a memfd the clients map, and its controller "
	    "firmware\n"
	    "answering the mailbox.\n"
	    "  --socket PATH         the socket (removed at exit)\n"
	    "  --esp-sa FILE         Wireshark ESP SA table: SAs installed at "
	    "start\n"
	    "  --in IN.pcap          frames sent to the card at start\n"
	    "  --port IFNAME         the card's port: every frame IFNAME "
	    "receives\n"
	    "                        (promiscuous, AF_PACKET) goes to the card\n"
	    "  --tap NAME            create TAP NAME, the card's host-side "
	    "device:\n"
	    "                        frames the card delivers are received "
	    "there;\n"
	    "                        frames the host sends on it go out on "
	    "--port\n"
	    "  --out OUT.pcap        without --tap: frames the card delivers "
	    "(else\n"
	    "                        they are counted and discarded)\n");
	card_opts_usage(fp);
	fprintf(fp,
	    "\n"
	    "Card time follows wall time. The Verilated card runs thousands "
	    "of times\n"
	    "slower than 322 MHz, but the flow filter's hold-off, the token "
	    "bucket,\n"
	    "burst intervals and event TIME_NS are card time, meant as wall "
	    "time: the\n"
	    "server steps card time forward (TIME_ADJUST) to wall time since "
	    "it\n"
	    "started, within about a ms whenever the card acts. A client's own "
	    "step\n"
	    "forward is kept. The token bucket adds at most one token per "
	    "clock, so\n"
	    "in simulation it refills far slower than EVENT_TOKEN_NS says "
	    "(see\n"
	    "sim/server/README.md).\n"
	    "Frames over %u bytes are counted and skipped. Exit status 0 "
	    "after\n"
	    "SIGINT/SIGTERM, 1 on a failure, 2 on bad options or SA table.\n",
	    (unsigned)CARD_SIM_MAX_FRAME);
}

/* 0 to run, 1 for --help, -1 on bad options (message printed). */
static int parse_options(int argc, char **argv, struct server_opts *o)
{
	enum { OPT_SOCKET = 256, OPT_ESP_SA, OPT_IN, OPT_PORT, OPT_TAP,
	    OPT_OUT, OPT_REPLAY_ONLY, OPT_HELP };
	static const struct option own[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "esp-sa", required_argument, NULL, OPT_ESP_SA },
		{ "in", required_argument, NULL, OPT_IN },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "tap", required_argument, NULL, OPT_TAP },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "counters-json", required_argument, NULL, OPT_REPLAY_ONLY },
		{ "events-json", required_argument, NULL, OPT_REPLAY_ONLY },
		{ "help", no_argument, NULL, OPT_HELP },
	};
	enum { N_OWN = sizeof(own) / sizeof(own[0]) };
	struct option longopts[N_OWN + CARD_OPTS_COUNT + 1];
	int c;

	memset(o, 0, sizeof(*o));
	card_opts_init(&o->card, longopts, own, N_OWN);
	optind = 1;
	while ((c = card_opts_next(&o->card, argc, argv, longopts)) != -1) {
		switch (c) {
		case OPT_SOCKET:
			o->socket_path = optarg;
			break;
		case OPT_ESP_SA:
			o->esp_sa = optarg;
			break;
		case OPT_IN:
			o->in = optarg;
			break;
		case OPT_PORT:
			o->port = optarg;
			break;
		case OPT_TAP:
			o->tap = optarg;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_REPLAY_ONLY:
			fprintf(stderr, "spisync-sim: --counters-json and "
			    "--events-json are replay-mode options: in server "
			    "mode the event ring and the counters are the "
			    "clients'\n");
			return -1;
		case OPT_HELP:
			return 1;
		default:
			return -1;	/* card_opts_next printed why */
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spisync-sim: unexpected argument \"%s\"\n",
		    argv[optind]);
		return -1;
	}
	if (o->socket_path == NULL) {
		fprintf(stderr, "spisync-sim: --socket is required in server "
		    "mode\n");
		return -1;
	}
	if (o->in != NULL && o->port != NULL) {
		fprintf(stderr, "spisync-sim: --in and --port exclude each "
		    "other\n");
		return -1;
	}
	if (o->card.natt && o->esp_sa == NULL) {
		fprintf(stderr, "spisync-sim: --natt applies to --esp-sa\n");
		return -1;
	}
	if (o->tap != NULL && o->out != NULL) {
		fprintf(stderr, "spisync-sim: --out is where delivered frames "
		    "go without --tap; give one of them\n");
		return -1;
	}
	if (o->in != NULL && o->out != NULL && strcmp(o->in, o->out) == 0) {
		fprintf(stderr, "spisync-sim: %s is named for two files\n",
		    o->in);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */

/* SIGINT and SIGTERM end the run through the loop; SIGPIPE never kills. */
static int signals_open(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int setup(struct server *s, char *err, size_t errlen, int *status)
{
	const struct server_opts *o = s->opt;
	size_t sas = 0;
	uint32_t queued;

	*status = EXIT_RUN_FAILED;
	if (sim_card_open(&s->card, o->card.width, &s->time, err, errlen) != 0)
		return -1;
	card_sim_set_gap(s->card.sim, o->card.gap);
	card_opts_apply_filter(&o->card, s->card.sim);
	if (o->esp_sa != NULL &&
	    sim_card_preload(&s->card, o->esp_sa, o->card.natt, &sas, err,
	    errlen) != 0) {
		*status = EXIT_USAGE;
		return -1;
	}
	if (dma_pool_init(&s->pool, s->card.mem, s->card.mem_size) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->frame_buf = malloc(TAP_FRAME_MAX);
	s->host_frame = malloc(sizeof(*s->host_frame));
	if (s->frame_buf == NULL || s->host_frame == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->port != NULL && wire_open(&s->wire, o->port, err, errlen) != 0)
		return -1;
	if (o->tap != NULL && tap_open(&s->tap, o->tap, err, errlen) != 0)
		return -1;
	if (o->out != NULL && pcap_out_open(o->out, &s->out, err, errlen) != 0)
		return -1;
	/* card time = wall time from here on */
	card_time_start(&s->time, s->card.sim, card_time_wall_ns());
	if (o->in != NULL) {
		const int rc = frames_replay(s, o->in, &queued, err, errlen);

		if (rc != 0)
			return -1;
	}
	/* last: a client that connects finds the card ready */
	if (clients_listen(&s->clients, o->socket_path, err, errlen) != 0)
		return -1;
	fprintf(stderr, "spisync-sim: serving a %u-bit card on %s (%zu SAs "
	    "preloaded%s%s%s%s)\n", o->card.width, o->socket_path, sas,
	    o->port != NULL ? ", port " : "", o->port != NULL ? o->port : "",
	    o->tap != NULL ? ", tap " : "", o->tap != NULL ? o->tap : "");
	return 0;
}

/* ---------------------------------------------------------------------- */

/* Clock the card while it has work, up to LOOP_STEP_NS of wall time. */
static void run_card(struct server *s)
{
	struct card_sim *c = s->card.sim;
	const uint64_t start = card_time_wall_ns();

	while (!card_sim_idle(c)) {
		card_time_sync_due(&s->time, c);
		card_sim_step(c, LOOP_CHUNK_CLOCKS);
		frames_deliver(s);
		if (card_time_wall_ns() - start >= LOOP_STEP_NS)
			break;
	}
}

static void idle_tick(struct server *s, uint64_t *last)
{
	const uint64_t now = card_time_wall_ns();

	if (now - *last < LOOP_IDLE_TICK_NS)
		return;
	*last = now;
	card_time_sync(&s->time, s->card.sim, now);
	card_sim_step(s->card.sim, LOOP_IDLE_TICK_CLOCKS);
}

/* The controller's pass: see the top of this file for when. */
static void run_controller(struct server *s, bool busy, uint64_t *last,
    bool *more)
{
	const uint64_t now = card_time_wall_ns();

	if (!busy && !s->mbox_written && !*more &&
	    now - *last < FW_IDLE_POLL_NS)
		return;
	s->mbox_written = false;
	*last = now;
	*more = fw_poll(s->card.fw) != 0;
}

static void check_card(struct server *s)
{
	if (s->protocol_error_seen || !card_sim_protocol_error(s->card.sim))
		return;
	s->protocol_error_seen = true;
	fprintf(stderr, "spisync-sim: error: the card model flagged an "
	    "internal protocol violation (a design bug); what it does from "
	    "now on cannot be trusted\n");
}

enum { PFD_SIGNAL, PFD_PORT, PFD_TAP, PFD_CLIENTS, PFD_COUNT =
    PFD_CLIENTS + CLIENTS_POLLFDS };

/* The loop: 0 at SIGINT / SIGTERM, -1 if poll itself fails. */
static int run(struct server *s, int sigfd)
{
	struct pollfd pfd[PFD_COUNT];
	uint64_t last_tick = card_time_wall_ns();
	uint64_t last_fw = 0;
	bool fw_more = false;

	for (;;) {
		const bool busy = !card_sim_idle(s->card.sim);
		struct signalfd_siginfo si;

		pfd[PFD_SIGNAL].fd = sigfd;
		pfd[PFD_SIGNAL].events = POLLIN;
		pfd[PFD_PORT].fd = s->wire.fd;
		pfd[PFD_PORT].events = POLLIN;
		pfd[PFD_TAP].fd = s->tap.fd;
		pfd[PFD_TAP].events = POLLIN;
		for (unsigned i = 0; i < PFD_CLIENTS; i++)
			pfd[i].revents = 0;
		clients_poll_fill(&s->clients, &pfd[PFD_CLIENTS]);
		if (poll(pfd, PFD_COUNT, busy ? 0 : LOOP_IDLE_MS) < 0 &&
		    errno != EINTR) {
			/* cannot happen with valid arguments; do not spin */
			fprintf(stderr, "spisync-sim: poll: %s\n",
			    strerror(errno));
			return -1;
		}
		if ((pfd[PFD_SIGNAL].revents & POLLIN) != 0 &&
		    read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			fprintf(stderr, "spisync-sim: %s: shutting down\n",
			    si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			return 0;
		}
		clients_poll_serve(s, &pfd[PFD_CLIENTS]);
		run_controller(s, busy, &last_fw, &fw_more);
		frames_from_port(s);
		frames_from_tap(s);
		run_card(s);
		frames_deliver(s);
		if (card_sim_idle(s->card.sim)) {
			clients_answer_drains(s);
			idle_tick(s, &last_tick);
		} else {
			last_tick = card_time_wall_ns();
		}
		check_card(s);
	}
}

static void print_summary(const struct server *s)
{
	const struct server_stats *t = &s->stats;

	fprintf(stderr, "spisync-sim: %" PRIu64 " frames from the port, %"
	    PRIu64 " replayed, %" PRIu64 " skipped as too long or empty, %"
	    PRIu64 " refused (wire queue full); %" PRIu64 " delivered: %"
	    PRIu64 " to the TAP (%" PRIu64 " refused by it), %" PRIu64
	    " to --out, %" PRIu64 " discarded; host transmit: %" PRIu64
	    " frames, %" PRIu64 " sent on the port, %" PRIu64 " dropped; %"
	    PRIu64 " clocks, card time stepped %" PRIu64 " times by %" PRIu64
	    " ms in all; %" PRIu64 " requests (%" PRIu64 " refused as "
	    "malformed)\n", t->port_in, t->replayed, t->too_big,
	    t->backlog_drops, t->delivered, t->to_tap, t->tap_drops, t->to_out,
	    t->discarded, t->host_tx, t->host_tx_sent, t->host_tx_dropped,
	    card_sim_cycles(s->card.sim), s->time.syncs,
	    s->time.stepped_ns / 1000000u, s->clients.requests,
	    s->clients.bad_requests);
}

/* Publish --out; 0, or -1 after printing why. */
static int finish_out(struct server *s)
{
	char err[ERR_LEN];
	int rc;

	if (s->out == NULL)
		return s->out_failed ? -1 : 0;
	if (pcap_out_finish(s->out, err, sizeof(err)) != 0) {
		fprintf(stderr, "spisync-sim: %s\n", err);
		pcap_out_abort(s->out);
		s->out = NULL;
		return -1;
	}
	rc = pcap_out_publish(s->out, err, sizeof(err));
	s->out = NULL;
	if (rc != 0)
		fprintf(stderr, "spisync-sim: %s\n", err);
	return rc;
}

static void teardown(struct server *s)
{
	clients_close(&s->clients);
	wire_close(&s->wire);
	tap_close(&s->tap);
	pcap_out_abort(s->out);
	s->out = NULL;
	dma_pool_fini(&s->pool);
	sim_card_close(&s->card);
	free(s->frame_buf);
	free(s->host_frame);
}

int sim_server_main(int argc, char **argv)
{
	struct server_opts opt;
	struct server s;
	char err[ERR_LEN];
	int status, sigfd, rc;

	rc = parse_options(argc, argv, &opt);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? EXIT_SUCCESS : EXIT_USAGE;
	}
	memset(&s, 0, sizeof(s));
	s.opt = &opt;
	s.wire.fd = -1;
	s.tap.fd = -1;
	s.card.memfd = -1;
	s.clients.listen_fd = -1;
	for (unsigned i = 0; i < CLIENTS_MAX; i++)
		s.clients.slot[i].fd = -1;
	/* before anything that takes time: a signal meanwhile is kept */
	sigfd = signals_open();
	if (sigfd < 0) {
		fprintf(stderr, "spisync-sim: signalfd: %s\n", strerror(errno));
		return EXIT_RUN_FAILED;
	}
	if (setup(&s, err, sizeof(err), &status) != 0) {
		fprintf(stderr, "spisync-sim: %s\n", err);
		teardown(&s);
		close(sigfd);
		return status;
	}
	status = run(&s, sigfd) == 0 ? EXIT_SUCCESS : EXIT_RUN_FAILED;
	close(sigfd);
	/* the socket first: clients see the server gone at once */
	clients_close(&s.clients);
	if (finish_out(&s) != 0)
		status = EXIT_RUN_FAILED;
	print_summary(&s);
	teardown(&s);
	return status;
}
