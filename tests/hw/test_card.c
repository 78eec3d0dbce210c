/* spisync -- the card scoreboard: randomized traffic through the Verilated
 * card (sim/card/card_sim.h) and through the golden model written in C with
 * OpenSSL (tests/model/card_model.h), compared frame by frame: every host
 * frame's bytes, outcome, SA index and arrival number, every event record
 * (but its time stamp), and at the end every reason counter and every SA's
 * counters. Every frame is accounted for: in = delivered + dropped.
 *
 *   test_card --width 128|512 [--frames N] [--sas N] [--seed S] [--gap G]
 *             [--host-ready PCT] [--overload] [--expect-esn-wrap]
 *
 * One legitimate freedom: on an ESN SA, a frame built to be dropped (old,
 * replayed, tampered) may be REPLAY or AUTH_FAIL. The RFC 4303 A2.2 inference
 * of its high sequence bits depends on the window's top, and the card infers
 * them (they are part of the AAD) before the frames still in flight have
 * committed, from the top as of the lookup; the sequential model always
 * sees the exact top. A frame far enough left of the window, or with a
 * tampered sequence number, can then be read as an old one (REPLAY) or as
 * one from the next 2^32 (AUTH_FAIL). Both drop it; the counters may trade
 * between the two reasons by at most the number of such frames. Genuine
 * frames are not affected (their inference agrees for any top within 2^31).
 *
 * Frames dropped before the card (the Alveo kernel's clock-crossing FIFO
 * full) reach it only as pulses of its rx_overflow input: the run gives
 * some at random moments, beside the traffic, and expects each counted in
 * RX_PACKETS and CDC_OVERFLOW (the model never sees those frames).
 *
 * --overload: back-to-back frames and a slow host, so that the card must
 * drop frames for lack of space. The model cannot know which, so then the
 * check is: delivered frames are exact, TAIL_DROP happened, the counters add
 * up, and nothing else went wrong.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card_ctl.h"
#include "card_model.h"
#include "card_sim.h"
#include "prng.h"
#include "spisync_hw.h"
#include "traffic.h"

#define PENDING 4096u
/* An event record travels by DMA into the ring, a host frame by the stream:
 * nothing orders the two, so a record may land after host frames of later
 * arrivals. Results still owed a record when their slot is settled wait
 * here, at most LATE of them; each must come before the run ends. */
#define LATE 256u
/* The event ring: more records than frames can be pending. */
enum { EVENT_RING_LOG2 = 14 };

struct options {
	unsigned width;
	unsigned long frames;
	unsigned sas;
	uint64_t seed;
	unsigned gap;
	unsigned host_ready;
	bool overload;
	bool expect_esn_wrap;
};

struct board {
	struct card_sim *card;
	struct card_ctl *ctl;
	struct card_model *model;
	struct traffic *traffic;
	const struct options *opt;

	/* expected results of frames pushed and not yet settled, by arrival */
	struct model_result *pending[PENDING];
	unsigned long head, tail;       /* pending[tail % PENDING .. head) */
	struct card_host_frame host;

	/* records owed by settled results, oldest first */
	struct late_event {
		uint16_t rx_seq;
		bool sa_type;
		uint8_t rec[64];
	} late[LATE];
	unsigned late_count, late_max;

	unsigned long delivered, events, errors;
	/* frames built to be dropped on ESN SAs: in total and per SA */
	uint64_t esn_edge;
	uint64_t esn_edge_sa[TRAFFIC_MAX_SAS];
	uint64_t intent_mismatch;
	/* delivered frames of an ESN SA going from below 2^32 to above it */
	bool esn_below[TRAFFIC_MAX_SAS];
	unsigned esn_wraps;
	/* rx_overflow pulses given (frames the FIFO in front dropped) */
	uint64_t overflows;
};

static int usage(void)
{
	fprintf(stderr, "usage: test_card --width 128|512 [--frames N] [--sas N] [--seed S]"
	    " [--gap G] [--host-ready PCT] [--overload] [--expect-esn-wrap]\n");
	return 2;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	o->width = 512;
	o->frames = 20000;
	o->sas = 64;
	o->seed = (uint64_t)time(NULL);
	o->gap = 1;
	o->host_ready = 100;
	o->overload = false;
	o->expect_esn_wrap = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--overload") == 0) {
			o->overload = true;
			continue;
		}
		if (strcmp(a, "--expect-esn-wrap") == 0) {
			o->expect_esn_wrap = true;
			continue;
		}
		if (v == NULL)
			return -1;
		i++;
		char *end;
		unsigned long long n = strtoull(v, &end, 0);
		if (*end != '\0')
			return -1;
		if (strcmp(a, "--width") == 0)
			o->width = (unsigned)n;
		else if (strcmp(a, "--frames") == 0)
			o->frames = (unsigned long)n;
		else if (strcmp(a, "--sas") == 0)
			o->sas = (unsigned)n;
		else if (strcmp(a, "--seed") == 0)
			o->seed = n;
		else if (strcmp(a, "--gap") == 0)
			o->gap = (unsigned)n;
		else if (strcmp(a, "--host-ready") == 0)
			o->host_ready = (unsigned)n;
		else
			return -1;
	}
	if ((o->width != 128 && o->width != 512) || o->sas == 0 || o->sas > TRAFFIC_MAX_SAS)
		return -1;
	return 0;
}

static void fail(struct board *b, const char *what, const struct model_result *r)
{
	b->errors++;
	if (b->errors <= 10)
		fprintf(stderr, "MISMATCH: %s (rx_seq %u, expected outcome %s)\n", what,
		    r != NULL ? r->rx_seq : 0,
		    r != NULL && r->outcome < SPISYNC_NUM_REASONS ? spisync_reason_name[r->outcome] : "-");
}

static void dump_diff(const uint8_t *want, size_t want_len, const uint8_t *got, size_t got_len)
{
	fprintf(stderr, "  expected %zu bytes, card %zu bytes\n", want_len, got_len);
	size_t n = want_len < got_len ? want_len : got_len;
	for (size_t i = 0; i < n; i++) {
		if (want[i] != got[i]) {
			fprintf(stderr, "  first difference at byte %zu: %02x vs %02x\n", i, want[i], got[i]);
			break;
		}
	}
}

static bool delivers(uint8_t outcome)
{
	return outcome < SPISYNC_NUM_REASONS
	    && spisync_reason_kind[outcome] == SPISYNC_REASON_DELIVER;
}

static void compare_record(struct board *b, uint8_t rec[64], const uint8_t expected[64],
    const struct model_result *r)
{
	uint8_t want[64];
	memcpy(want, expected, 64);
	memset(rec + SPISYNC_EVF_TIME_NS_OFF, 0, SPISYNC_EVF_TIME_NS_BYTES);
	memset(want + SPISYNC_EVF_TIME_NS_OFF, 0, SPISYNC_EVF_TIME_NS_BYTES);
	rec[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
	if (memcmp(rec, want, 64) != 0) {
		fail(b, "event record differs", r);
		if (r == NULL)
			fprintf(stderr, "  (a late record, rx_seq %u)\n",
			    (unsigned)(rec[SPISYNC_EVF_RX_SEQ_OFF] | rec[SPISYNC_EVF_RX_SEQ_OFF + 1] << 8));
		dump_diff(want, 64, rec, 64);
	}
}

static void owe_record(struct board *b, const struct model_result *p, bool sa_type)
{
	if (b->late_count == LATE) {
		fail(b, "event record owed by more than LATE settled frames", p);
		return;
	}
	struct late_event *l = &b->late[b->late_count++];
	l->rx_seq = p->rx_seq;
	l->sa_type = sa_type;
	memcpy(l->rec, sa_type ? p->sa_event_rec : p->event_rec, 64);
	if (b->late_count > b->late_max)
		b->late_max = b->late_count;
}

/* A result leaves the pending window: the records it still owes wait. */
static void owe_records(struct board *b, const struct model_result *p)
{
	if (p->event)
		owe_record(b, p, false);
	if (p->sa_event)
		owe_record(b, p, true);
}

/* A record owed by a settled result: miss records in arrival order (the
 * oldest owed one), SA records by arrival number. */
static bool settle_late(struct board *b, uint8_t rec[64], bool sa_type, uint16_t rx)
{
	for (unsigned i = 0; i < b->late_count; i++) {
		struct late_event *l = &b->late[i];
		if (l->sa_type != sa_type || (sa_type && l->rx_seq != rx))
			continue;
		compare_record(b, rec, l->rec, NULL);
		memmove(l, l + 1, (b->late_count - i - 1) * sizeof(*l));
		b->late_count--;
		return true;
	}
	return false;
}

/* Match the card's host frames and events against the pending results. */
static void settle(struct board *b)
{
	uint8_t rec[64];

	while (card_sim_pull_event(b->card, rec) == 1) {
		b->events++;
		/* miss records come from the classifier in arrival order: the
		 * oldest pending result with one; SA events from the commit
		 * stage: the result with their arrival number */
		const uint8_t type = rec[SPISYNC_EVF_TYPE_OFF];
		const bool sa_type = type != SPISYNC_EV_SA_MISS &&
		    type != SPISYNC_EV_SPI_RESERVED;
		const uint16_t rx = (uint16_t)(rec[SPISYNC_EVF_RX_SEQ_OFF] |
		    rec[SPISYNC_EVF_RX_SEQ_OFF + 1] << 8);
		if (settle_late(b, rec, sa_type, rx))
			continue;
		struct model_result *r = NULL;
		for (unsigned long i = b->tail; i < b->head; i++) {
			struct model_result *p = b->pending[i % PENDING];
			if (sa_type ? (p->sa_event && p->rx_seq == rx) : p->event) {
				r = p;
				break;
			}
		}
		if (r == NULL) {
			fail(b, "event record the model did not expect", NULL);
			fprintf(stderr, "  type %u, rx_seq %u:", type, rx);
			for (unsigned i = 0; i < 64; i++)
				fprintf(stderr, "%s%02x", i % 16 == 0 ? "\n   " : " ", rec[i]);
			fprintf(stderr, "\n");
			continue;
		}
		compare_record(b, rec, sa_type ? r->sa_event_rec : r->event_rec, r);
		if (sa_type)
			r->sa_event = false;
		else
			r->event = false;
	}

	while (card_sim_pull_host(b->card, &b->host) == 1) {
		b->delivered++;
		/* frames before this one that were to be delivered were lost */
		struct model_result *r = NULL;
		while (b->tail < b->head) {
			struct model_result *p = b->pending[b->tail % PENDING];
			if (p->rx_seq == b->host.rx_seq) {
				r = p;
				break;
			}
			if (delivers(p->outcome) && !b->opt->overload)
				fail(b, "expected frame never delivered", p);
			if (!b->opt->overload)
				owe_records(b, p);
			b->tail++;
		}
		if (r == NULL) {
			fail(b, "host frame with an unknown arrival number", NULL);
			continue;
		}
		b->tail++;
		owe_records(b, r);
		if (!delivers(r->outcome)) {
			fail(b, "card delivered a frame the model drops", r);
			fprintf(stderr, "  card says %s\n", b->host.outcome < SPISYNC_NUM_REASONS
			    ? spisync_reason_name[b->host.outcome] : "?");
			continue;
		}
		if (b->host.outcome != r->outcome)
			fail(b, "outcome differs", r);
		uint16_t want_sa = r->outcome == SPISYNC_R_DECRYPTED ? (uint16_t)r->sa_index
		    : SPISYNC_SA_INDEX_NONE;
		if (b->host.sa_index != want_sa)
			fail(b, "SA index differs", r);
		if (b->host.len != r->out_len || memcmp(b->host.data, r->out, r->out_len) != 0) {
			fail(b, "host frame bytes differ", r);
			dump_diff(r->out, r->out_len, b->host.data, b->host.len);
		}
	}
}

/* Drop settled results whose outcome was a drop (nothing more will come). */
static void retire(struct board *b, bool all)
{
	while (b->tail < b->head) {
		struct model_result *p = b->pending[b->tail % PENDING];
		if (!all && (delivers(p->outcome) || p->event || p->sa_event))
			break;
		if (all && !b->opt->overload) {
			if (delivers(p->outcome))
				fail(b, "expected frame never delivered", p);
			if (p->event || p->sa_event)
				fail(b, "expected event never came", p);
		}
		b->tail++;
	}
}

static unsigned beats_of(size_t len, unsigned width)
{
	return (unsigned)((len + width / 8 - 1) / (width / 8));
}

static int install_sas(struct board *b)
{
	for (unsigned i = 0; i < traffic_sa_count(b->traffic); i++) {
		uint32_t index;
		int rc = card_ctl_sa_add(b->ctl, traffic_sa(b->traffic, i), &index);
		if (rc != 0) {
			fprintf(stderr, "SA %u: %s\n", i, card_ctl_strerror(rc));
			return -1;
		}
		if (card_model_sa_set(b->model, index, traffic_sa(b->traffic, i)) != 0) {
			fprintf(stderr, "model SA %u refused\n", i);
			return -1;
		}
	}
	return 0;
}

static uint64_t swapped(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void check_counters(struct board *b)
{
	uint64_t card[SPISYNC_NUM_REASONS], model[SPISYNC_NUM_REASONS];
	card_ctl_counters(b->ctl, card);
	card_model_counters(b->model, model);
	model[SPISYNC_R_RX_PACKETS] += b->overflows;
	model[SPISYNC_R_CDC_OVERFLOW] += b->overflows;

	uint64_t outcomes = 0;
	for (unsigned r = 1; r < SPISYNC_NUM_REASONS; r++)
		outcomes += card[r];
	if (outcomes != card[SPISYNC_R_RX_PACKETS]) {
		fail(b, "counters do not add up: in != delivered + dropped", NULL);
		fprintf(stderr, "  RX_PACKETS %" PRIu64 ", outcomes %" PRIu64 "\n",
		    card[SPISYNC_R_RX_PACKETS], outcomes);
	}
	if (card[SPISYNC_R_RX_PACKETS] != b->opt->frames + b->overflows)
		fail(b, "RX_PACKETS is not the number of frames sent and dropped before the card", NULL);

	printf("  %-22s %12s %12s\n", "counter", "card", "model");
	bool edge_ok = card[SPISYNC_R_AUTH_FAIL] + card[SPISYNC_R_REPLAY]
	        == model[SPISYNC_R_AUTH_FAIL] + model[SPISYNC_R_REPLAY]
	    && swapped(card[SPISYNC_R_AUTH_FAIL], model[SPISYNC_R_AUTH_FAIL]) <= b->esn_edge;
	for (unsigned r = 0; r < SPISYNC_NUM_REASONS; r++) {
		bool differs = card[r] != model[r];
		if ((r == SPISYNC_R_AUTH_FAIL || r == SPISYNC_R_REPLAY) && edge_ok)
			differs = false;
		if (differs || card[r] != 0)
			printf("  %-22s %12" PRIu64 " %12" PRIu64 "%s\n", spisync_reason_name[r],
			    card[r], model[r], differs ? "  <--" : "");
		if (differs && !b->opt->overload)
			fail(b, "reason counter differs", NULL);
	}
	if (b->opt->overload && card[SPISYNC_R_TAIL_DROP] == 0)
		fail(b, "overload run without a single TAIL_DROP", NULL);
	if (b->delivered != card[SPISYNC_R_DECRYPTED] + card[SPISYNC_R_PASS_THROUGH]
	    + card[SPISYNC_R_PUNT_FRAGMENT] + card[SPISYNC_R_PUNT_IPV6_EXT])
		fail(b, "host frames seen != delivered counters", NULL);

	if (b->opt->overload)
		return;
	for (unsigned i = 0; i < traffic_sa_count(b->traffic); i++) {
		uint64_t cp, cb, ca, cr, mp, mb, ma, mr;
		/* card index == SA number: installed in order into an empty table */
		if (card_ctl_sa_stats(b->ctl, i, &cp, &cb, &ca, &cr) != 0) {
			fail(b, "per-SA counters unreadable", NULL);
			continue;
		}
		card_model_sa_stats(b->model, i, &mp, &mb, &ma, &mr);
		bool sa_edge_ok = ca + cr == ma + mr && swapped(ca, ma) <= b->esn_edge_sa[i];
		if (cp != mp || cb != mb || !sa_edge_ok) {
			fail(b, "per-SA counters differ", NULL);
			fprintf(stderr, "  SA %u (packets/bytes/auth_fail/replay): card %" PRIu64 "/%" PRIu64
			    "/%" PRIu64 "/%" PRIu64 " model %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64
			    ", ESN %d, frames meant to be dropped %" PRIu64 "\n",
			    i, cp, cb, ca, cr, mp, mb, ma, mr, traffic_sa(b->traffic, i)->esn,
			    b->esn_edge_sa[i]);
		}
	}
}

int main(int argc, char **argv)
{
	struct options opt;
	struct board b;
	char err[256];
	uint8_t frame[TRAFFIC_FRAME_CAP];
	int status = 1;

	if (parse_options(argc, argv, &opt) != 0)
		return usage();
	/* TEST_CARD_DEBUG_SA=n: print every frame of SA n */
	const char *dbg = getenv("TEST_CARD_DEBUG_SA");
	const int debug_sa = dbg != NULL ? atoi(dbg) : -1;
	if (opt.overload) {
		opt.gap = 0;
		if (opt.host_ready == 100)
			opt.host_ready = 20;
	}
	printf("test_card: width %u, %lu frames, %u SAs, seed %" PRIu64 ", gap %u, host ready %u%%%s\n",
	    opt.width, opt.frames, opt.sas, opt.seed, opt.gap, opt.host_ready,
	    opt.overload ? ", overload" : "");

	memset(&b, 0, sizeof(b));
	b.opt = &opt;
	b.card = card_sim_create(opt.width);
	b.model = card_model_create();
	struct traffic_mix mix;
	traffic_mix_default(&mix);
	if (opt.overload) {
		/* the model cannot know which frames the card had to drop:
		 * keep the outcome of a frame independent of earlier ones */
		mix.replay = 0;
		mix.reorder = 0;
		mix.old = 0;
	}
	b.traffic = traffic_create(opt.seed, opt.sas, &mix);
	if (b.card == NULL || b.model == NULL || b.traffic == NULL) {
		fprintf(stderr, "test_card: setup failed\n");
		goto out;
	}
	for (unsigned i = 0; i < PENDING; i++) {
		b.pending[i] = malloc(sizeof(struct model_result));
		if (b.pending[i] == NULL)
			goto out;
	}
	if (card_ctl_open(b.card, &b.ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "test_card: %s\n", err);
		goto out;
	}
	/* every miss reported, no rate limit: the scoreboard judges each
	 * frame's record (the filter has its own tests) */
	card_ctl_event_filter(b.ctl, 0, 0, 1);
	/* drop bursts are judged in test_events, and the model does not
	 * know the ESN REPLAY/AUTH_FAIL exchange allowed below */
	card_sim_mmio_write(b.card, SPISYNC_REG_AUTH_FAIL_BURST, 0);
	card_sim_mmio_write(b.card, SPISYNC_REG_REPLAY_BURST, 0);
	if (card_sim_events_enable(b.card, EVENT_RING_LOG2) != 0) {
		fprintf(stderr, "test_card: event ring setup failed\n");
		goto out;
	}
	if (install_sas(&b) != 0)
		goto out;
	card_sim_set_gap(b.card, opt.gap);
	card_sim_set_host_ready(b.card, opt.host_ready, opt.seed);
	struct prng overflow_rng;
	prng_seed(&overflow_rng, opt.seed ^ 0x0F1F0ull);

	for (unsigned long n = 0; n < opt.frames; n++) {
		bool mac_err;
		uint8_t intent;
		size_t len = traffic_next(b.traffic, frame, sizeof(frame), &mac_err, &intent);
		if (len == 0) {
			fprintf(stderr, "test_card: traffic generator failed\n");
			goto out;
		}
		if (b.head - b.tail >= PENDING) {
			fprintf(stderr, "test_card: the card fell %u frames behind\n", PENDING);
			goto out;
		}
		struct model_result *r = b.pending[b.head % PENDING];
		card_model_frame(b.model, frame, len, mac_err, r);
		b.head++;
		if (r->outcome != intent)
			b.intent_mismatch++;
		const struct traffic_info *ti = traffic_last(b.traffic);
		if (ti->sa >= 0 && traffic_sa(b.traffic, (unsigned)ti->sa)->esn
		    && (intent == SPISYNC_R_REPLAY || intent == SPISYNC_R_AUTH_FAIL
		        || ti->esn_left_of_window)) {
			b.esn_edge++;
			b.esn_edge_sa[ti->sa]++;
		}
		/* the model delivers a frame of an ESN SA above 2^32 after
		 * one below: the window's top crossed, and the card was
		 * judged on it */
		if (ti->sa >= 0 && r->outcome == SPISYNC_R_DECRYPTED
		    && traffic_sa(b.traffic, (unsigned)ti->sa)->esn) {
			if (ti->seq < (1ull << 32))
				b.esn_below[ti->sa] = true;
			else if (b.esn_below[ti->sa]) {
				b.esn_below[ti->sa] = false;
				b.esn_wraps++;
			}
		}
		if (debug_sa >= 0 && ti->sa == debug_sa)
			printf("debug: rx %u kind %s intent %s model %s seq %" PRIx64 "\n", r->rx_seq,
			    traffic_kind_name[ti->kind], spisync_reason_name[intent],
			    spisync_reason_name[r->outcome], ti->seq);
		if (card_sim_push_frame(b.card, frame, len, mac_err) != 0) {
			fprintf(stderr, "test_card: push failed\n");
			goto out;
		}
		/* now and then a few frames lost in front of the card, while
		 * this one is on the wire */
		if (prng_below(&overflow_rng, 200) == 0) {
			const unsigned k = 1 + prng_below(&overflow_rng, 3);
			card_sim_rx_overflow(b.card, k);
			b.overflows += k;
		}
		card_sim_step(b.card, beats_of(len, opt.width) + opt.gap);
		settle(&b);
		retire(&b, false);
	}
	if (!card_sim_drain(b.card, 10000000)) {
		fail(&b, "card did not drain", NULL);
	}
	settle(&b);
	retire(&b, true);
	for (unsigned i = 0; i < b.late_count; i++) {
		fail(&b, "expected event never came", NULL);
		fprintf(stderr, "  rx_seq %u, %s record\n", b.late[i].rx_seq,
		    b.late[i].sa_type ? "an SA" : "a miss");
	}
	check_counters(&b);
	if (card_sim_protocol_error(b.card))
		fail(&b, "card flagged an internal protocol error", NULL);
	/* a run meant to cross 2^32 that did not has not tested it */
	if (opt.expect_esn_wrap && b.esn_wraps == 0)
		fail(&b, "no ESN SA delivered frames across 2^32 (--expect-esn-wrap)", NULL);

	printf("test_card: %lu frames in (and %" PRIu64 " dropped before the card), %lu delivered,"
	    " %lu events (at most %u behind host frames of later arrivals), %" PRIu64
	    " frames whose verdict differs from the generator's intent, %u crossings of 2^32 on ESN SAs,"
	    " %" PRIu64 " clocks\n",
	    opt.frames, b.overflows, b.delivered, b.events, b.late_max, b.intent_mismatch,
	    b.esn_wraps, card_sim_cycles(b.card));
	if (b.errors == 0) {
		printf("test_card: PASS\n");
		status = 0;
	} else {
		printf("test_card: FAIL (%lu mismatches)\n", b.errors);
	}
out:
	card_ctl_close(b.ctl);
	for (unsigned i = 0; i < PENDING; i++)
		free(b.pending[i]);
	traffic_destroy(b.traffic);
	card_model_destroy(b.model);
	card_sim_destroy(b.card);
	return status;
}
