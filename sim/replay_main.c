/*
 * spisync-sim -- replay a capture through the simulated card.
 *
 *   spisync-sim --esp-sa FILE --in IN.pcap --out OUT.pcap
 *       [--counters-json FILE] [--events-json FILE] [--width 128|512]
 *       [--natt] [--gap CLOCKS] [--holdoff-ns NS] [--event-rate N]
 *       [--event-burst N] [--auth-fail-burst N] [--replay-burst N]
 *
 * Installs every SA of a Wireshark esp_sa table on the card (as a host
 * would: through the AXI4-Lite registers and the firmware's SA placement),
 * sends every frame of IN.pcap on the card's wire side, and writes what the
 * card hands the host to OUT.pcap, each frame stamped with the timestamp of
 * the input frame it came from (found by its RX_SEQ arrival number).
 *
 * Input records the card cannot take as captured -- cut short by the
 * snapshot length (caplen < len), empty, or longer than CARD_SIM_MAX_FRAME
 * -- are skipped with a warning and counted in the summary; they are not
 * sent, so they take no arrival number. A malformed or truncated file is an
 * error.
 *
 * Event records are taken from the card's event ring in host memory the
 * way the driver takes them (phase bit, RING_CONS); the flow filter's
 * hold-off and the token bucket are the card's defaults unless given.
 *
 * Outputs are written to FILE.tmp and renamed only when the whole run
 * succeeded; on any failure they are removed. Exit status: 0 success, 1
 * failure of the run (input capture, card, output), 2 bad options or SA
 * table (file:line and reason).
 *
 * With --socket PATH the same program is the simulated card running
 * continuously for libspisync's sim: backend: sim/server/ (server.h);
 * `spisync-sim --socket PATH --help` lists that mode's options.
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "card_ctl.h"
#include "card_opts.h"
#include "card_sim.h"
#include "esp_sa.h"
#include "json_out.h"
#include "pcap_io.h"
#include "sa_entry.h"
#include "server/server.h"
#include "spisync_hw.h"

enum {
	EXIT_RUN_FAILED = 1,
	EXIT_USAGE = 2,
};

enum { ERR_LEN = 1024 };

/* The card's clock on the Alveo (CMAC user clock). */
static const double clock_hz = 322.265625e6;

/* Clocks stepped at a time; the wire queue is kept at least this far ahead
 * so the card never idles between batches. */
enum { BATCH_CLOCKS = 4096 };
/* Clocks the card may take after the last frame to hand out everything. */
enum { DRAIN_EXTRA_CLOCKS = 2000000 };
/* Skipped-record warnings printed one by one; later ones only counted. */
enum { SKIP_WARNINGS_MAX = 10 };

/* RX_SEQ is the arrival number modulo 2^16; timestamps of the last 2^16
 * arrivals are kept, which covers every frame still inside the card. */
#define RX_SEQ_SPAN 65536u

struct options {
	const char *esp_sa;
	const char *in;
	const char *out;
	const char *counters_json;
	const char *events_json;
	struct card_opts card;	/* width, natt, gap, event filter */
};

/* The event ring: 2^16 records (4 MiB of host memory). */
enum { EVENT_RING_LOG2 = 16 };

struct installed_sa {
	uint32_t spi;
	uint32_t index;
};

struct outputs {
	struct pcap_out *pcap;
	struct out_file events;
	struct out_file counters;
};

struct replay {
	const struct options *opt;
	struct card_sim *sim;
	struct card_ctl *ctl;
	struct outputs *out;
	struct card_host_frame *host;	/* one pulled frame (large) */
	struct timeval *arrival_ts;	/* RX_SEQ_SPAN entries, by arrival % span */
	uint64_t sent;			/* frames pushed = arrivals so far */
	uint64_t next_arrival;		/* lowest arrival a host frame may have */
	uint64_t skipped;
	uint64_t in_bytes;
	uint64_t delivered;
	uint64_t events;
	uint64_t clocks_ahead;		/* wire clocks queued, not yet stepped */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: spisync-sim --esp-sa FILE --in IN.pcap --out OUT.pcap\n"
	    "           [--counters-json FILE] [--events-json FILE]\n"
	    "           [--width 128|512] [--natt] [--gap CLOCKS]\n"
	    "           [--holdoff-ns NS] [--event-rate N] [--event-burst N]\n"
	    "           [--auth-fail-burst N] [--replay-burst N]\n"
	    "  --esp-sa FILE         Wireshark ESP SA table (AES-GCM SAs)\n"
	    "  --in IN.pcap          Ethernet capture to replay\n"
	    "  --out OUT.pcap        frames the card delivers to the host\n"
	    "  --counters-json FILE  reason counters and per-SA statistics\n"
	    "  --events-json FILE    one JSON line per event record (SA misses,\n"
	    "                        reserved SPIs, records lost)\n");
	card_opts_usage(fp);
	fprintf(fp,
	    "\n"
	    "       spisync-sim --socket PATH [options]\n"
	    "  runs the card continuously as a server for libspisync's sim: "
	    "backend;\n"
	    "  spisync-sim --socket PATH --help lists its options\n");
}

/* Server mode is chosen by --socket anywhere on the command line. */
static bool
server_mode(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--socket") == 0 ||
		    strncmp(argv[i], "--socket=", 9) == 0)
			return true;
	}
	return false;
}

static bool
same_name(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Output names must differ from each other and from the input. */
static int
check_names(const struct options *o)
{
	const char *const names[] = { o->in, o->out, o->counters_json,
	    o->events_json };
	const size_t n = sizeof(names) / sizeof(names[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (same_name(names[i], names[j])) {
				fprintf(stderr, "spisync-sim: %s is named for "
				    "two files\n", names[i]);
				return -1;
			}
	return 0;
}

/* 0 to run, 1 for --help, -1 on bad options (message printed). */
static int
parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_ESP_SA = 256, OPT_IN, OPT_OUT, OPT_COUNTERS, OPT_EVENTS,
	    OPT_HELP };
	static const struct option own[] = {
		{ "esp-sa", required_argument, NULL, OPT_ESP_SA },
		{ "in", required_argument, NULL, OPT_IN },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "counters-json", required_argument, NULL, OPT_COUNTERS },
		{ "events-json", required_argument, NULL, OPT_EVENTS },
		{ "help", no_argument, NULL, OPT_HELP },
	};
	enum { N_OWN = sizeof(own) / sizeof(own[0]) };
	struct option longopts[N_OWN + CARD_OPTS_COUNT + 1];
	int c;

	memset(o, 0, sizeof(*o));
	card_opts_init(&o->card, longopts, own, N_OWN);
	while ((c = card_opts_next(&o->card, argc, argv, longopts)) != -1) {
		switch (c) {
		case OPT_ESP_SA:
			o->esp_sa = optarg;
			break;
		case OPT_IN:
			o->in = optarg;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_COUNTERS:
			o->counters_json = optarg;
			break;
		case OPT_EVENTS:
			o->events_json = optarg;
			break;
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
	if (o->esp_sa == NULL || o->in == NULL || o->out == NULL) {
		fprintf(stderr, "spisync-sim: --esp-sa, --in and --out are "
		    "required\n");
		return -1;
	}
	return check_names(o);
}

/* ---------------------------------------------------------------------- */

/* The SAs of the esp_sa table, converted, with their lines. */
struct sa_list {
	struct model_sa *sa;
	unsigned *line;
	size_t count;
};

static void
sa_list_free(struct sa_list *l)
{
	if (l->sa != NULL)
		OPENSSL_cleanse(l->sa, l->count * sizeof(*l->sa));
	free(l->sa);
	free(l->line);
	memset(l, 0, sizeof(*l));
}

/* Load and convert the whole table. 0, or -1 after printing
 * "FILE:LINE: reason". */
static int
load_sas(const struct options *opt, struct sa_list *l)
{
	struct esp_sa_table table = { NULL, 0 };
	char err[ERR_LEN];
	int rc = -1;

	memset(l, 0, sizeof(*l));
	if (esp_sa_load(opt->esp_sa, &table, err, sizeof(err)) != 0) {
		fprintf(stderr, "spisync-sim: %s\n", err);
		return -1;
	}
	l->sa = calloc(table.count, sizeof(*l->sa));
	l->line = calloc(table.count, sizeof(*l->line));
	if (l->sa == NULL || l->line == NULL) {
		fprintf(stderr, "spisync-sim: out of memory\n");
		goto done;
	}
	for (size_t i = 0; i < table.count; i++) {
		const struct esp_sa_entry *e = &table.entries[i];

		if (sa_entry_from_esp_sa(e, &l->sa[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "spisync-sim: %s:%u: %s\n", opt->esp_sa,
			    e->line, err);
			goto done;
		}
		if (opt->card.natt)
			sa_entry_set_natt(&l->sa[i]);
		l->line[i] = e->line;
		l->count++;
	}
	rc = 0;
done:
	esp_sa_table_free(&table);
	if (rc != 0)
		sa_list_free(l);
	return rc;
}

/* Install every SA in file order; *installed gets (SPI, index) of each.
 * 0, or -1 after printing "FILE:LINE: reason". */
static int
install_sas(const struct options *opt, struct card_ctl *ctl,
    const struct sa_list *l, struct installed_sa **installed)
{
	*installed = calloc(l->count, sizeof(**installed));
	if (*installed == NULL) {
		fprintf(stderr, "spisync-sim: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < l->count; i++) {
		uint32_t index;
		const int rc = card_ctl_sa_add(ctl, &l->sa[i], &index);

		if (rc != SA_OK) {
			fprintf(stderr, "spisync-sim: %s:%u: SPI 0x%08x: cannot "
			    "install it on the card: %s\n", opt->esp_sa,
			    l->line[i], (unsigned)l->sa[i].spi,
			    card_ctl_strerror(rc));
			free(*installed);
			*installed = NULL;
			return -1;
		}
		(*installed)[i].spi = l->sa[i].spi;
		(*installed)[i].index = index;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */

static int
outputs_open(const struct options *opt, struct outputs *out)
{
	char err[ERR_LEN];

	memset(out, 0, sizeof(*out));
	if (pcap_out_open(opt->out, &out->pcap, err, sizeof(err)) != 0)
		goto fail;
	if (opt->events_json != NULL &&
	    out_file_open(&out->events, opt->events_json, err,
	    sizeof(err)) != 0)
		goto fail;
	if (opt->counters_json != NULL &&
	    out_file_open(&out->counters, opt->counters_json, err,
	    sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "spisync-sim: %s\n", err);
	return -1;
}

static void
outputs_abort(struct outputs *out)
{
	pcap_out_abort(out->pcap);
	out->pcap = NULL;
	out_file_abort(&out->events);
	out_file_abort(&out->counters);
}

/* Finish all (checking write errors), then rename all. */
static int
outputs_commit(struct outputs *out)
{
	char err[ERR_LEN];
	int rc;

	if (pcap_out_finish(out->pcap, err, sizeof(err)) != 0 ||
	    (out->events.fp != NULL &&
	    out_file_finish(&out->events, err, sizeof(err)) != 0) ||
	    (out->counters.fp != NULL &&
	    out_file_finish(&out->counters, err, sizeof(err)) != 0))
		goto fail;
	rc = pcap_out_publish(out->pcap, err, sizeof(err));
	out->pcap = NULL;
	if (rc != 0 ||
	    (out->events.finished &&
	    out_file_publish(&out->events, err, sizeof(err)) != 0) ||
	    (out->counters.finished &&
	    out_file_publish(&out->counters, err, sizeof(err)) != 0))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "spisync-sim: %s\n", err);
	outputs_abort(out);
	return -1;
}

/* ---------------------------------------------------------------------- */

/*
 * The arrival number of a host frame from its RX_SEQ (arrival modulo 2^16).
 * Frames leave in arrival order and the card holds far fewer than 2^16
 * frames, so it is the latest arrival so far with that RX_SEQ; it must not
 * be below next_arrival (the frame after the last one delivered).
 */
static int
arrival_of(const struct replay *r, uint16_t rx_seq, uint64_t *arrival)
{
	uint64_t last;
	uint64_t back;

	if (r->sent == 0)
		return -1;
	last = r->sent - 1;
	back = (last - rx_seq) & (RX_SEQ_SPAN - 1);
	if (back > last || last - back < r->next_arrival)
		return -1;
	*arrival = last - back;
	return 0;
}

static int
collect_host_frames(struct replay *r)
{
	char err[ERR_LEN];
	uint64_t arrival;

	while (card_sim_pull_host(r->sim, r->host) == 1) {
		if (arrival_of(r, r->host->rx_seq, &arrival) != 0) {
			fprintf(stderr, "spisync-sim: the card delivered a "
			    "frame with RX_SEQ %u, which no frame sent since "
			    "the last delivered one has\n",
			    (unsigned)r->host->rx_seq);
			return -1;
		}
		r->next_arrival = arrival + 1;
		if (pcap_out_write(r->out->pcap,
		    &r->arrival_ts[arrival % RX_SEQ_SPAN], r->host->data,
		    r->host->len, err, sizeof(err)) != 0) {
			fprintf(stderr, "spisync-sim: %s\n", err);
			return -1;
		}
		r->delivered++;
	}
	return 0;
}

static int
collect_events(struct replay *r)
{
	uint8_t record[SPISYNC_EVENT_BYTES];
	char err[ERR_LEN];

	while (card_sim_pull_event(r->sim, record) == 1) {
		r->events++;
		if (r->out->events.fp == NULL)
			continue;
		if (json_write_event(r->out->events.fp, record, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "spisync-sim: %s: %s\n",
			    r->opt->events_json, err);
			return -1;
		}
	}
	return 0;
}

static int
collect(struct replay *r)
{
	if (card_sim_protocol_error(r->sim)) {
		fprintf(stderr, "spisync-sim: the card model flagged an internal "
		    "protocol violation (a design bug); results withheld\n");
		return -1;
	}
	if (collect_host_frames(r) != 0)
		return -1;
	return collect_events(r);
}

static uint64_t
wire_clocks(const struct replay *r, size_t len)
{
	const unsigned beat_bytes = r->opt->card.width / 8;

	return (len + beat_bytes - 1) / beat_bytes + r->opt->card.gap;
}

static void
warn_skipped(struct replay *r, const struct pcap_record *rec,
    const char *why)
{
	r->skipped++;
	if (r->skipped <= SKIP_WARNINGS_MAX)
		fprintf(stderr, "spisync-sim: warning: %s: record %" PRIu64
		    " (%u of %u bytes captured): skipped: %s\n", r->opt->in,
		    rec->number, (unsigned)rec->caplen, (unsigned)rec->len,
		    why);
	if (r->skipped == SKIP_WARNINGS_MAX + 1)
		fprintf(stderr, "spisync-sim: warning: further skipped "
		    "records are only counted\n");
}

/* Send the next record of the capture. 1 sent or skipped, 0 end, -1 error. */
static int
send_next(struct replay *r, struct pcap_in *in)
{
	struct pcap_record rec;
	char err[ERR_LEN];
	const char *why;
	int rc;

	rc = pcap_in_next(in, &rec, err, sizeof(err));
	if (rc <= 0) {
		if (rc < 0)
			fprintf(stderr, "spisync-sim: %s\n", err);
		return rc;
	}
	why = pcap_record_refusal(&rec, CARD_SIM_MAX_FRAME);
	if (why != NULL) {
		warn_skipped(r, &rec, why);
		return 1;
	}
	if (card_sim_push_frame(r->sim, rec.data, rec.len, false) != 0) {
		fprintf(stderr, "spisync-sim: %s: record %" PRIu64 ": the card "
		    "model refused the frame (out of memory?)\n", r->opt->in,
		    rec.number);
		return -1;
	}
	r->arrival_ts[r->sent % RX_SEQ_SPAN] = rec.ts;
	r->sent++;
	r->in_bytes += rec.len;
	r->clocks_ahead += wire_clocks(r, rec.len);
	return 1;
}

/* Send the whole capture, stepping the card and collecting as it goes. */
static int
replay_capture(struct replay *r, struct pcap_in *in)
{
	bool at_end = false;

	while (!at_end) {
		while (!at_end && r->clocks_ahead < 2u * BATCH_CLOCKS) {
			const int rc = send_next(r, in);

			if (rc < 0)
				return -1;
			at_end = rc == 0;
		}
		if (r->clocks_ahead >= BATCH_CLOCKS) {
			card_sim_step(r->sim, BATCH_CLOCKS);
			r->clocks_ahead -= BATCH_CLOCKS;
		}
		if (collect(r) != 0)
			return -1;
	}
	if (!card_sim_drain(r->sim, r->clocks_ahead + DRAIN_EXTRA_CLOCKS)) {
		fprintf(stderr, "spisync-sim: the card did not finish within "
		    "%" PRIu64 " clocks after the last frame\n",
		    r->clocks_ahead + (uint64_t)DRAIN_EXTRA_CLOCKS);
		return -1;
	}
	r->clocks_ahead = 0;
	return collect(r);
}

/* ---------------------------------------------------------------------- */

static int
write_counters(struct replay *r, const uint64_t counters[SPISYNC_NUM_REASONS],
    const struct installed_sa *sas, size_t sa_count)
{
	struct json_sa_stats *stats = NULL;
	struct json_event_stats ev;
	int rc = -1;

	if (sa_count > 0) {
		stats = calloc(sa_count, sizeof(*stats));
		if (stats == NULL) {
			fprintf(stderr, "spisync-sim: out of memory\n");
			return -1;
		}
	}
	for (size_t i = 0; i < sa_count; i++) {
		struct json_sa_stats *s = &stats[i];
		int st;

		s->spi = sas[i].spi;
		s->index = sas[i].index;
		st = card_ctl_sa_stats(r->ctl, s->index, &s->packets,
		    &s->bytes, &s->auth_fail, &s->replay);
		if (st != SA_OK) {
			fprintf(stderr, "spisync-sim: SA statistics of index "
			    "%u: %s\n", (unsigned)s->index,
			    card_ctl_strerror(st));
			goto done;
		}
	}
	ev.written = card_ctl_read64(r->ctl, SPISYNC_REG_EVENTS_WRITTEN_LO);
	ev.lost = card_ctl_read64(r->ctl, SPISYNC_REG_EVENTS_LOST_LO);
	ev.flow_suppressed = card_ctl_read64(r->ctl, SPISYNC_REG_FLOW_SUPPRESSED_LO);
	ev.flow_pending = card_ctl_read64(r->ctl, SPISYNC_REG_FLOW_PENDING_LO);
	if (json_write_counters(r->out->counters.fp, counters, stats,
	    sa_count, &ev) != 0) {
		fprintf(stderr, "spisync-sim: %s: write error\n",
		    r->opt->counters_json);
		goto done;
	}
	rc = 0;
done:
	free(stats);
	return rc;
}

static void
print_summary(const struct replay *r, const uint64_t counters[SPISYNC_NUM_REASONS],
    uint64_t clocks)
{
	uint64_t dropped = 0;
	uint64_t delivered_counted = 0;
	double gbps = 0.0;

	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		if (spisync_reason_kind[i] == SPISYNC_REASON_DROP)
			dropped += counters[i];
		else if (spisync_reason_kind[i] == SPISYNC_REASON_DELIVER)
			delivered_counted += counters[i];
	}
	if (clocks > 0)
		gbps = (double)r->in_bytes * 8.0 * clock_hz / (double)clocks /
		    1e9;
	if (delivered_counted != r->delivered ||
	    counters[SPISYNC_R_RX_PACKETS] != r->sent)
		fprintf(stderr, "spisync-sim: warning: the card counted %"
		    PRIu64 " frames in and %" PRIu64 " delivered, but %"
		    PRIu64 " were sent and %" PRIu64 " collected\n",
		    counters[SPISYNC_R_RX_PACKETS], delivered_counted,
		    r->sent, r->delivered);
	fprintf(stderr, "spisync-sim: %" PRIu64 " frames in, %" PRIu64
	    " delivered, %" PRIu64 " dropped, %" PRIu64 " skipped, %" PRIu64
	    " events, %" PRIu64 " clocks, %.2f Gbit/s simulated at "
	    "%.2f MHz (%u-bit datapath)\n", r->sent, r->delivered, dropped,
	    r->skipped, r->events, clocks, gbps, clock_hz / 1e6,
	    r->opt->card.width);
}

/* Everything after the SAs are installed; outputs are left to the caller. */
static int
run_replay(struct replay *r, struct pcap_in *in, const struct installed_sa *sas,
    size_t sa_count)
{
	uint64_t counters[SPISYNC_NUM_REASONS];
	uint64_t start;
	uint64_t clocks;
	uint64_t events_lost;

	card_sim_set_gap(r->sim, r->opt->card.gap);
	start = card_sim_cycles(r->sim);
	if (replay_capture(r, in) != 0)
		return -1;
	clocks = card_sim_cycles(r->sim) - start;
	card_ctl_counters(r->ctl, counters);
	if (r->out->counters.fp != NULL &&
	    write_counters(r, counters, sas, sa_count) != 0)
		return -1;
	events_lost = card_ctl_events_lost(r->ctl);
	if (events_lost != 0)
		fprintf(stderr, "spisync-sim: note: %" PRIu64 " event records "
		    "were not written (token bucket or full ring; see the "
		    "EVENTS_LOST records)\n", events_lost);
	print_summary(r, counters, clocks);
	return 0;
}

static int
setup_card(const struct options *opt, struct card_sim **sim,
    struct card_ctl **ctl)
{
	char err[ERR_LEN];

	*ctl = NULL;
	*sim = card_sim_create(opt->card.width);
	if (*sim == NULL) {
		fprintf(stderr, "spisync-sim: no card model of width %u (not "
		    "built, or out of memory)\n", opt->card.width);
		return -1;
	}
	card_sim_reset(*sim);
	if (card_ctl_open(*sim, ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "spisync-sim: %s\n", err);
		card_sim_destroy(*sim);
		*sim = NULL;
		return -1;
	}
	card_opts_apply_filter(&opt->card, *sim);
	if (card_sim_events_enable(*sim, EVENT_RING_LOG2) != 0) {
		fprintf(stderr, "spisync-sim: cannot set up the event ring\n");
		card_ctl_close(*ctl);
		*ctl = NULL;
		card_sim_destroy(*sim);
		*sim = NULL;
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct options opt;
	struct outputs out;
	struct replay r;
	struct sa_list sas;
	struct installed_sa *installed = NULL;
	size_t sa_count = 0;
	struct pcap_in *in = NULL;
	char err[ERR_LEN];
	int status = EXIT_RUN_FAILED;
	int rc;

	if (server_mode(argc, argv))
		return sim_server_main(argc, argv);
	rc = parse_options(argc, argv, &opt);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? EXIT_SUCCESS : EXIT_USAGE;
	}
	/* the inputs first: a bad file fails before the model is built up */
	if (load_sas(&opt, &sas) != 0)
		return EXIT_USAGE;
	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	r.opt = &opt;
	r.out = &out;
	if (pcap_in_open(opt.in, &in, err, sizeof(err)) != 0) {
		fprintf(stderr, "spisync-sim: %s\n", err);
		goto done;
	}
	if (setup_card(&opt, &r.sim, &r.ctl) != 0)
		goto done;
	if (install_sas(&opt, r.ctl, &sas, &installed) != 0) {
		status = EXIT_USAGE;
		goto done;
	}
	/* the card has the keys now: no copy stays in this process */
	sa_count = sas.count;
	sa_list_free(&sas);
	r.host = malloc(sizeof(*r.host));
	r.arrival_ts = calloc(RX_SEQ_SPAN, sizeof(*r.arrival_ts));
	if (r.host == NULL || r.arrival_ts == NULL) {
		fprintf(stderr, "spisync-sim: out of memory\n");
		goto done;
	}
	if (outputs_open(&opt, &out) != 0)
		goto done;
	if (run_replay(&r, in, installed, sa_count) != 0)
		goto done;
	if (outputs_commit(&out) != 0)
		goto done;
	status = EXIT_SUCCESS;
done:
	outputs_abort(&out);	/* after a commit: nothing left to remove */
	sa_list_free(&sas);
	pcap_in_close(in);
	free(r.host);
	free(r.arrival_ts);
	free(installed);
	card_ctl_close(r.ctl);
	if (r.sim != NULL)
		card_sim_destroy(r.sim);
	return status;
}
