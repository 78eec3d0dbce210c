/*
 * spisync -- test bench of the host egress buffer (hw/rtl/host_egress.v) and
 * the reason counter bank (hw/rtl/reason_counters.v).
 *
 * host_egress, at BYTES 64 and 16 (the card's depths) and a small build that
 * fills at once: a C scoreboard writes random frames (random header of 0 ..
 * HDR_BYTES bytes, payload 0 .. 9600 bytes with garbage beyond it, keep 0/1)
 * back to back or with random gaps, against random host backpressure
 * (100 %, 50 %, 5 %, long stalls), and checks, from docs/datapath.md and the
 * module's contract only:
 *   - one result exactly one clock after each last beat; kept frames are
 *     delivered or reported no_space, discarded ones neither; a frame that
 *     found the buffer empty and fits is delivered; an oversized one is not;
 *   - the host stream carries exactly the delivered frames, in order, each
 *     header ++ payload[0 .. pay_len) byte for byte with its tuser on every
 *     beat, tkeep contiguous, bytes past tkeep zero;
 *   - every payload carries markers with its frame id and every garbage area
 *     a garbage marker: no marker of another frame, and no garbage marker,
 *     may ever appear on the host stream (dropped frames never escape);
 *   - AXI-Stream: while tvalid && !tready, nothing on the bus changes;
 *   - busy is high while frames are held and low after the drain.
 * Throughput (output beats per clock, tready high) and latency are measured
 * and printed; draining a full buffer must take exactly one clock per beat.
 *
 * reason_counters (PORTS 3 and 4, counters starting at 2^32 - 4096): random
 * increments on all ports with collisions and out-of-range indices, random
 * snapshots, against C counters; a snapshot in clock t includes that clock's
 * increments and reads back from clock t + 2.
 *
 * usage: test_egress [--seed N] [--frames N] [--counter-clocks N]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "egress/egress_sim.h"
#include "prng.h"

#define MAX_PAYLOAD 16383u
#define MAX_HOST_FRAME (EGRESS_SIM_MAX_HDR + MAX_PAYLOAD)
#define MARKER_LEN 16u
#define MARKER_EVERY 256u
#define DRAIN_LIMIT 200000u

static const uint8_t magic_pay[8] = { 0xa5, 'S', 'P', 'Y', 'P', 'A', 'Y', 0x5a };
static const uint8_t magic_garbage[8] = { 0xa5, 'S', 'P', 'Y', 'G', 'B', 'G', 0x5a };

enum ready_mode { READY_ALWAYS, READY_HALF, READY_5PCT, READY_STALLS, READY_NEVER };
enum size_mix { SIZES_MIXED, SIZES_SMALL, SIZES_FIXED };

struct phase {
	const char *name;
	unsigned long frames;
	enum ready_mode ready;
	unsigned gap_pct;         /* chance of an idle write clock */
	enum size_mix sizes;
	unsigned keep_pct;
	unsigned fixed_hdr;       /* SIZES_FIXED */
	unsigned fixed_pay;
};

struct frame {
	uint64_t id;
	unsigned hdr_len;
	unsigned pay_len;
	unsigned beats;           /* beats written */
	bool keep;
	bool started_idle;        /* empty buffer, no beat the clock before */
	uint64_t user;
	uint8_t hdr[EGRESS_SIM_MAX_HDR];
	uint8_t *data;            /* beats * BYTES: payload, then garbage */
};

struct stats {
	unsigned long frames;
	unsigned long delivered;
	unsigned long no_space;
	unsigned long discarded;
	unsigned long received;
	unsigned long markers;    /* payload markers seen on the host stream */
	uint64_t out_beats;
	uint64_t first_xfer;      /* clock of the first and last output beat */
	uint64_t last_xfer;
};

struct bench {
	struct egress_sim *sim;
	const struct egress_params *p;
	struct prng *r;
	uint64_t clock;
	uint64_t next_id;
	unsigned long failures;

	/* writer */
	const struct phase *ph;
	unsigned long to_write;
	struct frame *wf;
	unsigned wbeat;
	struct frame *await_res;  /* its last beat went in last clock */
	bool prev_wr;             /* a beat went in last clock */

	/* delivered frames not yet seen on the host stream, oldest first */
	struct frame **q;
	size_t q_cap, q_head, q_len;

	/* host side */
	enum ready_mode ready;
	unsigned stall_left, run_left;
	uint8_t obuf[MAX_HOST_FRAME + EGRESS_SIM_MAX_BYTES];
	size_t olen;
	struct egress_sim_out prev;
	bool prev_tready;

	struct stats st;
};

static void fail(struct bench *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(struct bench *b, const char *fmt, ...)
{
	va_list ap;

	b->failures++;
	if (b->failures > 12)
		return;
	fprintf(stderr, "FAIL %s clock %" PRIu64 ": ", b->p->name, b->clock);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void frame_free(struct frame *f)
{
	if (f == NULL)
		return;
	free(f->data);
	free(f);
}

static bool queue_push(struct bench *b, struct frame *f)
{
	if (b->q_len == b->q_cap) {
		size_t cap = b->q_cap ? 2 * b->q_cap : 64;
		struct frame **nq = calloc(cap, sizeof(*nq));

		if (nq == NULL)
			return false;
		for (size_t i = 0; i < b->q_len; i++)
			nq[i] = b->q[(b->q_head + i) % b->q_cap];
		free(b->q);
		b->q = nq;
		b->q_cap = cap;
		b->q_head = 0;
	}
	b->q[(b->q_head + b->q_len) % b->q_cap] = f;
	b->q_len++;
	return true;
}

static struct frame *queue_head(const struct bench *b)
{
	return b->q_len ? b->q[b->q_head] : NULL;
}

static void queue_pop(struct bench *b)
{
	b->q_head = (b->q_head + 1) % b->q_cap;
	b->q_len--;
}

static void put_marker(uint8_t *dst, const uint8_t magic[8], uint64_t id)
{
	memcpy(dst, magic, 8);
	for (unsigned i = 0; i < 8; i++)
		dst[8 + i] = (uint8_t)(id >> (8 * i));
}

static uint64_t get_id(const uint8_t *src)
{
	uint64_t id = 0;

	for (unsigned i = 0; i < 8; i++)
		id |= (uint64_t)src[i] << (8 * i);
	return id;
}

static unsigned pick_hdr_len(struct prng *r, unsigned max)
{
	unsigned c = prng_below(r, 100);

	if (c < 25)
		return 0;
	if (c < 35)
		return max;
	if (c < 40)
		return 14 <= max ? 14 : max;
	return prng_below(r, max + 1);
}

static unsigned pick_pay_len(struct prng *r, unsigned bytes, unsigned hdr_len,
    enum size_mix mix)
{
	unsigned c = prng_below(r, 100);

	if (mix == SIZES_SMALL)
		return 1 + prng_below(r, 2 * bytes);
	if (c < 40)
		return 1 + prng_below(r, 3 * bytes);
	if (c < 70)
		return 1 + prng_below(r, 1600);
	if (c < 88)
		return 1 + prng_below(r, 9600);
	/* edges: no payload (with a header), whole beats, one byte either side */
	switch (prng_below(r, 4)) {
	case 0:
		return hdr_len ? 0 : 1;
	case 1:
		return bytes * (1 + prng_below(r, 24));
	case 2:
		return bytes * (1 + prng_below(r, 24)) - 1;
	default:
		return bytes * (1 + prng_below(r, 24)) + 1;
	}
}

static struct frame *frame_new(struct bench *b)
{
	const struct phase *ph = b->ph;
	const unsigned B = b->p->bytes;
	struct frame *f = calloc(1, sizeof(*f));
	unsigned need, extra;
	size_t size;

	if (f == NULL)
		return NULL;
	f->id = b->next_id++;
	if (ph->sizes == SIZES_FIXED) {
		f->hdr_len = ph->fixed_hdr;
		f->pay_len = ph->fixed_pay;
		extra = 0;
	} else {
		f->hdr_len = pick_hdr_len(b->r, b->p->hdr_bytes);
		f->pay_len = pick_pay_len(b->r, B, f->hdr_len, ph->sizes);
		extra = prng_below(b->r, 2) ? 0 : 1 + prng_below(b->r, 3);
	}
	need = (f->pay_len + B - 1) / B;
	f->beats = (need ? need : 1) + extra;
	f->keep = prng_below(b->r, 100) < ph->keep_pct;
	f->user = prng_next(b->r);
	if (b->p->user_w < 64)
		f->user &= ((uint64_t)1 << b->p->user_w) - 1;
	prng_fill(b->r, f->hdr, sizeof(f->hdr));

	size = (size_t)f->beats * B;
	f->data = malloc(size);
	if (f->data == NULL) {
		free(f);
		return NULL;
	}
	prng_fill(b->r, f->data, size);
	for (unsigned o = 0; o + MARKER_LEN <= f->pay_len; o += MARKER_EVERY)
		put_marker(f->data + o, magic_pay, f->id);
	for (size_t o = f->pay_len; o + MARKER_LEN <= size; o += MARKER_EVERY)
		put_marker(f->data + o, magic_garbage, f->id);
	return f;
}

static bool pick_ready(struct bench *b)
{
	switch (b->ready) {
	case READY_ALWAYS:
		return true;
	case READY_NEVER:
		return false;
	case READY_HALF:
		return prng_below(b->r, 2);
	case READY_5PCT:
		return prng_below(b->r, 100) < 5;
	case READY_STALLS:
		if (b->stall_left) {
			b->stall_left--;
			return false;
		}
		if (b->run_left) {
			b->run_left--;
			return true;
		}
		b->stall_left = 200 + prng_below(b->r, 3000);
		b->run_left = 50 + prng_below(b->r, 500);
		return false;
	}
	return true;
}

/* Dropped frames must never escape: scan a host frame for markers. */
static void scan_markers(struct bench *b, const uint8_t *buf, size_t len,
    uint64_t id)
{
	for (size_t i = 0; i + MARKER_LEN <= len; i++) {
		if (buf[i] != 0xa5)
			continue;
		if (memcmp(buf + i, magic_garbage, 8) == 0) {
			fail(b, "garbage marker of frame %" PRIu64
			    " in the host frame of %" PRIu64, get_id(buf + i + 8), id);
		} else if (memcmp(buf + i, magic_pay, 8) == 0) {
			uint64_t other = get_id(buf + i + 8);

			if (other != id)
				fail(b, "payload marker of frame %" PRIu64
				    " in the host frame of %" PRIu64, other, id);
			else
				b->st.markers++;
		}
	}
}

static void check_host_frame(struct bench *b, struct frame *f)
{
	const size_t want = (size_t)f->hdr_len + f->pay_len;

	if (b->olen != want) {
		fail(b, "host frame %" PRIu64 ": %zu bytes, want %zu", f->id,
		    b->olen, want);
	} else if (memcmp(b->obuf, f->hdr, f->hdr_len) != 0) {
		fail(b, "host frame %" PRIu64 ": header differs (hdr_len %u)",
		    f->id, f->hdr_len);
	} else if (memcmp(b->obuf + f->hdr_len, f->data, f->pay_len) != 0) {
		fail(b, "host frame %" PRIu64 ": payload differs (hdr_len %u, pay_len %u)",
		    f->id, f->hdr_len, f->pay_len);
	}
	scan_markers(b, b->obuf, b->olen, f->id);
}

static void take_beat(struct bench *b, const struct egress_sim_out *o)
{
	const unsigned B = b->p->bytes;
	const uint64_t full = B == 64 ? UINT64_MAX : ((uint64_t)1 << B) - 1;
	struct frame *f = queue_head(b);
	unsigned n = 0;

	if (b->st.out_beats == 0)
		b->st.first_xfer = b->clock;
	b->st.last_xfer = b->clock;
	b->st.out_beats++;

	if (f == NULL) {
		fail(b, "beat on the host stream with no delivered frame pending "
		    "(tlast %d, tkeep %" PRIx64 ")", o->tlast, o->tkeep);
		return;
	}
	if (o->tkeep == 0 || (o->tkeep & ~full) || (o->tkeep & (o->tkeep + 1)))
		fail(b, "tkeep %" PRIx64 " not contiguous from byte 0 (frame %" PRIu64 ")",
		    o->tkeep, f->id);
	else if (!o->tlast && o->tkeep != full)
		fail(b, "partial tkeep %" PRIx64 " before tlast (frame %" PRIu64 ")",
		    o->tkeep, f->id);
	while (n < B && (o->tkeep >> n) & 1)
		n++;
	for (unsigned i = n; i < B; i++) {
		if (o->tdata[i] != 0) {
			fail(b, "nonzero byte %u past tkeep (frame %" PRIu64 ")",
			    i, f->id);
			break;
		}
	}
	if (o->tuser != f->user)
		fail(b, "tuser %" PRIx64 ", want %" PRIx64 " (frame %" PRIu64 ")",
		    o->tuser, f->user, f->id);
	if (b->olen + n <= sizeof(b->obuf)) {
		memcpy(b->obuf + b->olen, o->tdata, n);
		b->olen += n;
	}
	if (o->tlast) {
		check_host_frame(b, f);
		queue_pop(b);
		frame_free(f);
		b->olen = 0;
		b->st.received++;
	}
}

static void check_result(struct bench *b, const struct egress_sim_out *o)
{
	struct frame *f = b->await_res;

	b->await_res = NULL;
	if (f == NULL) {
		if (o->res_valid)
			fail(b, "res_valid without a last beat");
		return;
	}
	if (!o->res_valid) {
		fail(b, "no res_valid one clock after the last beat of frame %" PRIu64,
		    f->id);
		frame_free(f);
		return;
	}
	if (o->res_delivered && o->res_no_space) {
		fail(b, "frame %" PRIu64 " delivered and no_space at once", f->id);
	} else if (!f->keep) {
		if (o->res_delivered || o->res_no_space)
			fail(b, "discarded frame %" PRIu64 " reported delivered %d no_space %d",
			    f->id, o->res_delivered, o->res_no_space);
		b->st.discarded++;
	} else if (o->res_delivered) {
		if (f->beats > b->p->data_depth)
			fail(b, "frame %" PRIu64 " of %u beats delivered, larger than the buffer",
			    f->id, f->beats);
		if (!o->busy)
			fail(b, "busy low with frame %" PRIu64 " just committed", f->id);
		if (!queue_push(b, f)) {
			fail(b, "out of memory");
			frame_free(f);
		}
		b->st.delivered++;
		return;
	} else if (o->res_no_space) {
		if (f->started_idle && f->beats < b->p->data_depth)
			fail(b, "no_space for frame %" PRIu64 " (%u beats) that found the buffer empty",
			    f->id, f->beats);
		b->st.no_space++;
	} else {
		fail(b, "kept frame %" PRIu64 " neither delivered nor no_space", f->id);
	}
	frame_free(f);
}

static void check_stable(struct bench *b, const struct egress_sim_out *o)
{
	const struct egress_sim_out *p = &b->prev;

	if (!p->tvalid || b->prev_tready)
		return;
	if (!o->tvalid || o->tlast != p->tlast || o->tkeep != p->tkeep ||
	    o->tuser != p->tuser || memcmp(o->tdata, p->tdata, b->p->bytes) != 0)
		fail(b, "AXI-Stream: bus changed while tvalid && !tready");
}

/* Drives one clock: the writer's beat (if any) and tready. */
static bool bench_clock(struct bench *b, bool writer_on)
{
	const unsigned B = b->p->bytes;
	struct egress_sim_in in;
	struct egress_sim_out o;
	struct frame *last_frame = NULL;
	bool first_beat = false;
	/* an idle write clock, between or inside frames */
	bool gap = prng_below(b->r, 100) < b->ph->gap_pct;

	memset(&in, 0, sizeof(in));
	if (!gap && writer_on && b->wf == NULL && b->to_write > 0) {
		b->wf = frame_new(b);
		if (b->wf == NULL)
			return false;
		b->wbeat = 0;
		b->to_write--;
		b->st.frames++;
	}
	if (!gap && b->wf != NULL) {
		struct frame *f = b->wf;

		in.wr_valid = true;
		in.wr_first = b->wbeat == 0;
		in.wr_last = b->wbeat + 1 == f->beats;
		memcpy(in.wr_data, f->data + (size_t)b->wbeat * B, B);
		first_beat = in.wr_first;
		if (in.wr_last) {
			in.wr_keep = f->keep;
			memcpy(in.wr_hdr, f->hdr, sizeof(in.wr_hdr));
			in.hdr_len = f->hdr_len;
			in.pay_len = f->pay_len;
			in.user = f->user;
			last_frame = f;
			b->wf = NULL;
		}
		b->wbeat++;
	}
	in.tready = pick_ready(b);

	egress_sim_cycle(b->sim, &in, &o);

	/* The space check looks one clock back, so a frame counts as finding
	 * the buffer empty only after an idle write clock; then it fits if it
	 * has fewer than DATA_DEPTH beats (DATA_DEPTH only back to back). */
	if (first_beat)
		(last_frame != NULL ? last_frame : b->wf)->started_idle =
		    !o.busy && !b->prev_wr;
	check_result(b, &o);
	check_stable(b, &o);
	if (o.tvalid && in.tready)
		take_beat(b, &o);
	b->await_res = last_frame;
	b->prev_wr = in.wr_valid;
	b->prev = o;
	b->prev_tready = in.tready;
	b->clock++;
	return true;
}

static void bench_init(struct bench *b, struct egress_sim *sim, struct prng *r)
{
	memset(b, 0, sizeof(*b));
	b->sim = sim;
	b->p = egress_sim_params(sim);
	b->r = r;
	b->next_id = 1;
	egress_sim_reset(sim);
}

static void bench_free(struct bench *b)
{
	frame_free(b->wf);
	frame_free(b->await_res);
	while (b->q_len) {
		frame_free(queue_head(b));
		queue_pop(b);
	}
	free(b->q);
}

/* Write the phase's frames, then drain with tready high. */
static bool run_phase(struct bench *b, const struct phase *ph)
{
	uint64_t limit;

	b->ph = ph;
	b->to_write = ph->frames;
	b->ready = ph->ready;
	b->stall_left = b->run_left = 0;
	while (b->to_write > 0 || b->wf != NULL) {
		if (!bench_clock(b, true))
			return false;
	}
	b->ready = READY_ALWAYS;
	limit = b->clock + DRAIN_LIMIT;
	while (b->await_res != NULL || b->prev.busy || b->prev.tvalid) {
		if (!bench_clock(b, false))
			return false;
		if (b->clock > limit) {
			fail(b, "still busy after %u clocks of draining", DRAIN_LIMIT);
			break;
		}
	}
	if (b->q_len != 0)
		fail(b, "lost %zu delivered frames", b->q_len);
	return true;
}

static bool test_random(enum egress_variant v, struct prng *r, unsigned long frames)
{
	struct egress_sim *sim = egress_sim_create(v);
	struct bench b;
	const struct phase phases[] = {
		{ "back to back, tready 100%", frames * 30 / 100, READY_ALWAYS, 0, SIZES_MIXED, 70, 0, 0 },
		{ "small frames back to back, tready 100%", frames * 20 / 100, READY_ALWAYS, 0, SIZES_SMALL, 80, 0, 0 },
		{ "random gaps, tready 50%", frames * 20 / 100, READY_HALF, 30, SIZES_MIXED, 70, 0, 0 },
		{ "small frames, random gaps, tready 50%", frames * 10 / 100, READY_HALF, 20, SIZES_SMALL, 70, 0, 0 },
		{ "back to back, tready 5%", frames * 10 / 100, READY_5PCT, 0, SIZES_MIXED, 70, 0, 0 },
		{ "random gaps, long stalls", frames * 10 / 100, READY_STALLS, 10, SIZES_MIXED, 70, 0, 0 },
	};
	bool ok = true;

	if (sim == NULL) {
		fprintf(stderr, "FAIL: cannot create the egress model\n");
		return false;
	}
	bench_init(&b, sim, r);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		struct stats before = b.st;
		unsigned long f0 = b.failures;
		bool stalls = phases[i].ready == READY_5PCT || phases[i].ready == READY_STALLS;

		if (!run_phase(&b, &phases[i])) {
			fprintf(stderr, "FAIL: out of memory\n");
			ok = false;
			break;
		}
		/* the phase must have exercised what it is for */
		if (b.st.delivered == before.delivered)
			fail(&b, "%s: nothing delivered", phases[i].name);
		if (stalls && b.st.no_space == before.no_space)
			fail(&b, "%s: nothing dropped for space", phases[i].name);
		if (b.st.received != b.st.delivered)
			fail(&b, "%s: received %lu of %lu delivered frames",
			    phases[i].name, b.st.received, b.st.delivered);
		printf("%s host_egress %s: %-40s %6lu frames: %6lu delivered, %5lu no_space, %5lu discarded\n",
		    b.failures == f0 ? "ok  " : "FAIL", b.p->name, phases[i].name,
		    b.st.frames - before.frames, b.st.delivered - before.delivered,
		    b.st.no_space - before.no_space, b.st.discarded - before.discarded);
	}
	if (b.prev.busy)
		fail(&b, "busy high after the drain");
	printf("     host_egress %s: %" PRIu64 " clocks, %lu payload markers seen, none foreign\n",
	    b.p->name, b.clock, b.st.markers);
	ok = ok && b.failures == 0;
	bench_free(&b);
	egress_sim_destroy(sim);
	return ok;
}

/*
 * Throughput with tready high: (1) frames written back to back, (2) a full
 * buffer drained, which must give one beat every clock.
 */
static bool measure(enum egress_variant v, struct prng *r, unsigned hdr_len,
    unsigned host_len, double *steady, double *drain, unsigned long *dropped)
{
	struct egress_sim *sim = egress_sim_create(v);
	struct bench b;
	struct phase ph = { "throughput", 0, READY_ALWAYS, 0, SIZES_FIXED, 100,
	    hdr_len, host_len - hdr_len };
	uint64_t limit;
	bool ok;

	if (sim == NULL)
		return false;
	bench_init(&b, sim, r);

	ph.frames = 3000;
	if (!run_phase(&b, &ph))
		goto oom;
	*steady = (double)b.st.out_beats / (double)(b.st.last_xfer - b.st.first_xfer + 1);
	*dropped = b.st.no_space;
	/* the host frame never has fewer beats than were written: the output
	 * is the bottleneck or keeps pace, one beat per clock either way */
	if (*steady < 0.99)
		fail(&b, "%.3f beats per clock with tready high", *steady);

	/* fill with the host stalled until a frame finds no space, then drain */
	memset(&b.st, 0, sizeof(b.st));
	b.ph = &ph;
	b.ready = READY_NEVER;
	b.to_write = 100000;
	while (b.st.no_space == 0 && b.failures == 0) {
		if (!bench_clock(&b, true))
			goto oom;
		if (b.to_write == 0)
			fail(&b, "the buffer never filled");
	}
	b.to_write = 0;
	while (b.wf != NULL || b.await_res != NULL) {
		if (!bench_clock(&b, true))
			goto oom;
	}
	b.ready = READY_ALWAYS;
	memset(&b.st, 0, sizeof(b.st));
	limit = b.clock + DRAIN_LIMIT;
	while (b.prev.busy || b.prev.tvalid) {
		if (!bench_clock(&b, false))
			goto oom;
		if (b.clock > limit) {
			fail(&b, "still busy after %u clocks of draining", DRAIN_LIMIT);
			break;
		}
	}
	if (b.q_len != 0)
		fail(&b, "lost %zu delivered frames", b.q_len);
	*drain = (double)b.st.out_beats / (double)(b.st.last_xfer - b.st.first_xfer + 1);
	if (b.st.out_beats != b.st.last_xfer - b.st.first_xfer + 1)
		fail(&b, "draining a full buffer: %" PRIu64 " beats in %" PRIu64 " clocks",
		    b.st.out_beats, b.st.last_xfer - b.st.first_xfer + 1);
	ok = b.failures == 0;
	bench_free(&b);
	egress_sim_destroy(sim);
	return ok;
oom:
	bench_free(&b);
	egress_sim_destroy(sim);
	return false;
}

/* Clocks from a frame's last beat to its first beat on the host, idle buffer. */
static bool measure_latency(enum egress_variant v, unsigned *latency)
{
	struct egress_sim *sim = egress_sim_create(v);
	struct egress_sim_in in;
	struct egress_sim_out o;
	bool ok = false;

	if (sim == NULL)
		return false;
	egress_sim_reset(sim);
	memset(&in, 0, sizeof(in));
	in.tready = true;
	for (int i = 0; i < 10; i++)
		egress_sim_cycle(sim, &in, &o);
	in.wr_valid = in.wr_first = in.wr_last = in.wr_keep = true;
	in.hdr_len = 14;
	in.pay_len = 50;
	egress_sim_cycle(sim, &in, &o);
	memset(&in, 0, sizeof(in));
	in.tready = true;
	for (unsigned c = 1; c < 100; c++) {
		egress_sim_cycle(sim, &in, &o);
		if (o.tvalid) {
			*latency = c;
			ok = true;
			break;
		}
	}
	egress_sim_destroy(sim);
	return ok;
}

static bool test_performance(struct prng *r)
{
	static const struct {
		enum egress_variant v;
		unsigned hdr, len;
	} cases[] = {
		{ EGRESS_B64, 14, 64 }, { EGRESS_B64, 14, 1500 },
		{ EGRESS_B64, 0, 64 }, { EGRESS_B64, 0, 1500 },
		{ EGRESS_B16, 14, 64 }, { EGRESS_B16, 14, 1500 },
		{ EGRESS_B16, 0, 64 }, { EGRESS_B16, 0, 1500 },
	};
	bool ok = true;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double steady = 0, drain = 0;
		unsigned long dropped = 0;
		bool good = measure(cases[i].v, r, cases[i].hdr, cases[i].len,
		    &steady, &drain, &dropped);

		printf("%s host_egress BYTES=%u: %4u-byte frames (header %2u): "
		    "%.3f beats/clock written back to back (%lu dropped), "
		    "%.3f draining a full buffer\n",
		    good ? "ok  " : "FAIL", cases[i].v == EGRESS_B64 ? 64 : 16,
		    cases[i].len, cases[i].hdr, steady, dropped, drain);
		ok = ok && good;
	}
	for (int v = EGRESS_B64; v <= EGRESS_B16; v++) {
		unsigned lat = 0;
		bool good = measure_latency((enum egress_variant)v, &lat);

		printf("%s host_egress BYTES=%u: latency last beat in -> first beat out %u clocks\n",
		    good ? "ok  " : "FAIL", v == EGRESS_B64 ? 64 : 16, lat);
		ok = ok && good;
	}
	return ok;
}

/*
 * Directed: inputs outside the contract must not leak anything. Runs the
 * clock with tready high and collects host frames into out (max frames).
 */
struct collected {
	uint8_t data[MAX_HOST_FRAME + EGRESS_SIM_MAX_BYTES];
	size_t len;
};

static void drive_frame(struct egress_sim *sim, const struct egress_params *p,
    const uint8_t *data, unsigned beats, bool keep, const uint8_t *hdr,
    unsigned hdr_len, unsigned pay_len, struct egress_sim_out *res,
    struct collected *out, size_t *nout, size_t max)
{
	struct egress_sim_in in;
	struct egress_sim_out o;

	for (unsigned j = 0; j <= beats + 40; j++) {
		memset(&in, 0, sizeof(in));
		in.tready = true;
		if (j < beats) {
			in.wr_valid = true;
			in.wr_first = j == 0;
			in.wr_last = j + 1 == beats;
			memcpy(in.wr_data, data + (size_t)j * p->bytes, p->bytes);
			in.wr_keep = keep;
			memcpy(in.wr_hdr, hdr, p->hdr_bytes);
			in.hdr_len = hdr_len;
			in.pay_len = pay_len;
			in.user = 7;
		}
		egress_sim_cycle(sim, &in, &o);
		if (j == beats)
			*res = o;
		if (o.tvalid && *nout < max) {
			struct collected *c = &out[*nout];
			unsigned n = 0;

			while (n < p->bytes && (o.tkeep >> n) & 1)
				n++;
			if (c->len + n <= sizeof(c->data)) {
				memcpy(c->data + c->len, o.tdata, n);
				c->len += n;
			}
			if (o.tlast)
				(*nout)++;
		}
	}
}

static bool test_contract(enum egress_variant v)
{
	struct egress_sim *sim = egress_sim_create(v);
	const struct egress_params *p;
	static struct collected out[4];
	struct egress_sim_out res;
	uint8_t data[4 * EGRESS_SIM_MAX_BYTES], hdr[EGRESS_SIM_MAX_HDR], want[4 * EGRESS_SIM_MAX_BYTES + EGRESS_SIM_MAX_HDR];
	size_t nout = 0;
	unsigned B;
	bool ok = true;

	if (sim == NULL)
		return false;
	p = egress_sim_params(sim);
	B = p->bytes;
	memset(out, 0, sizeof(out));
	egress_sim_reset(sim);
	for (unsigned i = 0; i < sizeof(hdr); i++)
		hdr[i] = (uint8_t)(i + 1);

	/* a discarded frame of 4 garbage beats leaves them in the RAM */
	for (unsigned i = 0; i + MARKER_LEN <= 4 * B; i += MARKER_LEN)
		put_marker(data + i, magic_garbage, 99);
	drive_frame(sim, p, data, 4, false, hdr, 0, 4 * B, &res, out, &nout, 4);
	/* empty frame (header and payload 0): not delivered, not TAIL_DROP */
	memset(data, 0x11, sizeof(data));
	drive_frame(sim, p, data, 1, true, hdr, 0, 0, &res, out, &nout, 4);
	if (!res.res_valid || res.res_delivered || res.res_no_space) {
		fprintf(stderr, "FAIL %s: empty frame reported delivered %d no_space %d\n",
		    p->name, res.res_delivered, res.res_no_space);
		ok = false;
	}
	/* one beat stored, four claimed: the rest must read as zeros, never
	 * the discarded frame's beats behind it */
	drive_frame(sim, p, data, 1, true, hdr, 3, 4 * B, &res, out, &nout, 4);
	memcpy(want, hdr, 3);
	memset(want + 3, 0, 4 * B);
	memcpy(want + 3, data, B);
	if (!res.res_delivered || nout != 1 || out[0].len != 3 + 4 * B ||
	    memcmp(out[0].data, want, 3 + 4 * B) != 0) {
		fprintf(stderr, "FAIL %s: payload claimed beyond the stored beats: "
		    "%zu frames, %zu bytes\n", p->name, nout, nout ? out[0].len : 0);
		ok = false;
	}
	/* hdr_len above HDR_BYTES: the header stops at HDR_BYTES */
	drive_frame(sim, p, data, 1, true, hdr, 255, 5, &res, out, &nout, 4);
	memcpy(want, hdr, p->hdr_bytes);
	memcpy(want + p->hdr_bytes, data, 5);
	if (!res.res_delivered || nout != 2 || out[1].len != p->hdr_bytes + 5 ||
	    memcmp(out[1].data, want, p->hdr_bytes + 5) != 0) {
		fprintf(stderr, "FAIL %s: hdr_len 255 not clamped to %u bytes\n",
		    p->name, p->hdr_bytes);
		ok = false;
	}
	for (unsigned k = 0; k < nout; k++)
		for (size_t i = 0; i + 8 <= out[k].len; i++)
			if (memcmp(out[k].data + i, magic_garbage, 8) == 0) {
				fprintf(stderr, "FAIL %s: discarded data escaped\n", p->name);
				ok = false;
				break;
			}
	printf("%s host_egress %s: empty frame refused, payload claimed past the stored beats reads zeros, hdr_len clamped\n",
	    ok ? "ok  " : "FAIL", p->name);
	egress_sim_destroy(sim);
	return ok;
}

/* ---------------------------------------------------------------------- */

static bool test_counters(enum counters_variant v, struct prng *r,
    unsigned long clocks)
{
	struct counters_sim *sim = counters_sim_create(v);
	const struct counters_params *p;
	uint64_t *cnt, *snap, *pend;
	bool pending = false;
	unsigned long bad = 0, reads = 0, snaps = 0, incs = 0;
	bool carried = false;

	if (sim == NULL) {
		fprintf(stderr, "FAIL: cannot create the counters model\n");
		return false;
	}
	p = counters_sim_params(sim);
	cnt = calloc(p->n, sizeof(*cnt));
	snap = calloc(p->n, sizeof(*snap));
	pend = calloc(p->n, sizeof(*pend));
	if (cnt == NULL || snap == NULL || pend == NULL) {
		fprintf(stderr, "FAIL: out of memory\n");
		bad++;
		goto out;
	}
	for (unsigned i = 0; i < p->n; i++)
		cnt[i] = p->init;
	counters_sim_reset(sim);

	for (unsigned long c = 0; c <= clocks + 2; c++) {
		bool valid[COUNTERS_SIM_MAX_PORTS] = { false };
		uint8_t reason[COUNTERS_SIM_MAX_PORTS] = { 0 };
		/* the last clocks only let the final snapshot show */
		bool active = c < clocks;
		bool take = active ? prng_below(r, 64) == 0 : c == clocks;
		unsigned mode = prng_below(r, 4);
		uint8_t same = (uint8_t)prng_below(r, p->n);
		unsigned idx;

		for (unsigned q = 0; active && q < p->ports; q++) {
			valid[q] = prng_below(r, 4) != 0;
			if (mode == 0)
				reason[q] = same;                  /* all ports collide */
			else if (mode == 1)
				reason[q] = (uint8_t)prng_below(r, 3); /* frequent collisions */
			else if (prng_below(r, 16) == 0)
				reason[q] = (uint8_t)(p->n + prng_below(r, 256 - p->n)); /* ignored */
			else
				reason[q] = (uint8_t)prng_below(r, p->n);
		}
		counters_sim_cycle(sim, valid, reason, take);

		/* a snapshot asked one clock ago shows now */
		if (pending) {
			memcpy(snap, pend, p->n * sizeof(*snap));
			pending = false;
		}
		for (unsigned q = 0; q < p->ports; q++) {
			if (valid[q] && reason[q] < p->n) {
				cnt[reason[q]]++;
				incs++;
			}
		}
		if (take) {
			memcpy(pend, cnt, p->n * sizeof(*pend));
			pending = true;
			snaps++;
		}

		idx = prng_below(r, 8) == 0 ? p->n + prng_below(r, 256 - p->n) :
		    prng_below(r, p->n);
		if (c % 512 == 0 || c == clocks + 2) {
			for (unsigned i = 0; i < 256; i++) {
				uint64_t want = i < p->n ? snap[i] : 0;
				uint64_t got = counters_sim_read(sim, i);

				reads++;
				if (got != want && bad++ < 10)
					fprintf(stderr, "FAIL counters %s clock %lu: [%u] = %" PRIu64
					    ", want %" PRIu64 "\n", p->name, c, i, got, want);
			}
		} else {
			uint64_t want = idx < p->n ? snap[idx] : 0;
			uint64_t got = counters_sim_read(sim, idx);

			reads++;
			if (got != want && bad++ < 10)
				fprintf(stderr, "FAIL counters %s clock %lu: [%u] = %" PRIu64
				    ", want %" PRIu64 "\n", p->name, c, idx, got, want);
		}
	}
	for (unsigned i = 0; i < p->n; i++)
		carried = carried || snap[i] >> 32 != 0;
	if (!carried && bad++ < 10)
		fprintf(stderr, "FAIL counters %s: no counter crossed 2^32 (test too short)\n",
		    p->name);
out:
	printf("%s reason_counters %s: %lu clocks, %lu increments, %lu snapshots, %lu reads\n",
	    bad == 0 ? "ok  " : "FAIL", p->name, clocks, incs, snaps, reads);
	free(cnt);
	free(snap);
	free(pend);
	counters_sim_destroy(sim);
	return bad == 0;
}

static bool parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno == 0 && end != s && *end == '\0';
}

static void usage(void)
{
	fprintf(stderr, "usage: test_egress [--seed N] [--frames N] [--counter-clocks N]\n");
}

int main(int argc, char **argv)
{
	unsigned long seed = (unsigned long)time(NULL);
	unsigned long frames = 110000, counter_clocks = 300000;
	struct prng r;
	bool ok = true;

	for (int i = 1; i < argc; i++) {
		unsigned long *dst = NULL;

		if (strcmp(argv[i], "--seed") == 0)
			dst = &seed;
		else if (strcmp(argv[i], "--frames") == 0)
			dst = &frames;
		else if (strcmp(argv[i], "--counter-clocks") == 0)
			dst = &counter_clocks;
		if (dst == NULL || i + 1 >= argc || !parse_ulong(argv[i + 1], dst)) {
			usage();
			return 2;
		}
		i++;
	}
	printf("test_egress: seed %lu (replay with --seed %lu)\n", seed, seed);
	prng_seed(&r, seed);

	/* frames split between the builds: wide, narrow, small */
	ok = test_random(EGRESS_B64, &r, frames * 45 / 100) && ok;
	ok = test_random(EGRESS_B16, &r, frames * 30 / 100) && ok;
	ok = test_random(EGRESS_SMALL, &r, frames * 25 / 100) && ok;
	ok = test_contract(EGRESS_B64) && ok;
	ok = test_contract(EGRESS_B16) && ok;
	ok = test_performance(&r) && ok;
	ok = test_counters(COUNTERS_P3, &r, counter_clocks) && ok;
	ok = test_counters(COUNTERS_P4, &r, counter_clocks) && ok;

	printf("test_egress: %s (seed %lu)\n", ok ? "PASS" : "FAIL", seed);
	return ok ? 0 : 1;
}
