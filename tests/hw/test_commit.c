/*
 * spisync -- block bench of the commit stage (hw/rtl/esp_commit.v), the
 * hardest test of docs/datapath.md steps 10-16 in the project.
 *
 * Drives: sim/commit/commit_tb_top.v, i.e. esp_commit's ports only (the GCM
 * core's output beats c_*, the job FIFO m_*, the egress answers res_*, the
 * card's time, burst epoch and thresholds) and the per-SA state memory
 * (sa_state) wired to it as in the card, plus two test ports on that memory:
 * a preload write (used only while the stage is idle) and a control read.
 * Nothing depends on the stage's internal timing: every output is a stream
 * matched in frame order (frames are decided in order), so a re-pipelined
 * esp_commit that reads the state earlier or later passes or fails alike.
 * The egress side answers like host_egress: res_valid the clock after it
 * saw a last beat, delivered when the frame is kept and (at random, 85 %)
 * fits; a kept frame that does not fit must come back as TAIL_DROP.
 *
 * Checks, against tests/model/commit_ref.c (sequential, one frame at a time,
 * replay_ref for the window, esp_decap shared with the card's golden model):
 * every egress beat (first, last, data), and on a frame's last beat e_keep,
 * e_user, and for kept frames e_hdr[0 .. e_hdr_len), e_hdr_len, e_pay_len;
 * every cnt_drop (reason), cnt_out (reason or TAIL_DROP), SA event record
 * (all 64 bytes); protocol_error never; at quiet points (the pipeline
 * drained, every 150-600 frames) and at the end every SA's state record in
 * the memory equals the reference's (gen, top, bitmap, alarm, packets,
 * bytes, auth_fail, replay).
 *
 * Stimulus (seeded, --seed): mostly one-beat frames on every clock, some
 * multi-beat, some gaps; 2-4 SAs (ESN and not, modes auto/tunnel/transport,
 * IPv4 with options / IPv6, VLAN or not) picked with locality so the same SA
 * is very often at decision distance 1, 2, 3; generation changes (rekeys:
 * the index reused, the record counts as fresh) often right after a frame
 * of the old one. Sequence numbers: the same as one and two frames earlier,
 * slides by 1, < W, >= W, ESN leaps near 2^31, in-window older, left of the
 * window, zero, forged; ESN SAs preloaded just below 2^32 (and below 2^64)
 * to cross. m_seq64 is what the classify stage infers (RFC 4303 A2.2) from
 * a STALE window (0-6 frames old), and a frame the stale window refuses
 * becomes a REPLAY token, as the pre-check does; auth_ok holds when the
 * inferred S is the sender's and the frame is not tampered with. So a frame
 * can authenticate with a high half the exact window infers otherwise: the
 * commit stage must drop it as REPLAY (test_card.c's one freedom, here exact).
 * Tokens of every kind (REPLAY against an SA, other reasons, index 0xFFFF),
 * pass-through frames, bad padding, next header 59, tunnel mode with a
 * non-IP next header; hard and soft lifetimes (packets and bytes, the last
 * byte of a byte lifetime hit exactly) a few frames away; auth-fail and
 * replay burst thresholds 1-6, the epoch and thresholds changed at quiet
 * points, preloaded alarm counts.
 *
 * Coverage is counted from the stimulus (decision distance = distance of the
 * frames' last beats) and the run FAILS unless it saw enough of: same SA at
 * distance 1 accepted then the same sequence number; accepted-accepted with
 * window slides at distance 1 and 2; a lifetime reached at distance 1 from a
 * delivered frame; a burst threshold reached at distance 1 from a drop of the
 * same kind; a new generation at distance 1; a REPLAY for the high half only;
 * at distance 1 after a slide from T to S1, an authentic S with T < S < S1
 * whose bit in the old window (S - W, about to slide out) was set: the
 * stage's verdict reads the old window's bit there and must ignore it; the
 * same at distance 1 after the first frame S1 of a new generation, with an S
 * below S1 that the old generation's record (the one still in memory) holds.
 *
 *   test_commit [--seed N] [--frames N] [--width 128|512]   (default: both)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commit/commit_sim.h"
#include "commit_ref.h"
#include "model_sa.h"
#include "prng.h"
#include "spisync_hw.h"

/* weak: a build may link one width's model only */
extern const struct commit_sim_ops commit_sim_ops_w128 __attribute__((weak));
extern const struct commit_sim_ops commit_sim_ops_w512 __attribute__((weak));

enum {
	W = REPLAY_WINDOW,
	MAX_SAS = 4,
	MAX_LEN = 1600,                 /* payload bytes of the longest frame */
	RING = 256,                     /* frames in flight, at most */
	HIST = 8,                       /* window snapshots for the stale pre-check */
	DRAIN_CLOCKS = 40,              /* enough for any frame to leave the stage */
	FIT_PCT = 85,
};

/* ------------------------------------------------------------ helpers */

static uint64_t rnd64(struct prng *r) { return prng_next(r); }
static uint32_t below(struct prng *r, uint32_t n) { return prng_below(r, n); }
static bool pct(struct prng *r, unsigned p) { return below(r, 100) < p; }

static void put_bits(uint8_t *b, unsigned off, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned k = off + i;

		if ((v >> i) & 1)
			b[k / 8] |= (uint8_t)(1u << (k % 8));
		else
			b[k / 8] &= (uint8_t)~(1u << (k % 8));
	}
}

static uint64_t get_bits(const uint8_t *b, unsigned off, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned k = off + i;

		v |= (uint64_t)((b[k / 8] >> (k % 8)) & 1) << i;
	}
	return v;
}

/* The card's record layout (hw/rtl/card_internal.vh), from bit 0 up:
 * replay, auth_fail, bytes, packets (64 each), alarm {rp 16, af 16,
 * epoch 24, hard 1}, bitmap (bit i: T - i), top, gen. */
enum {
	ST_REPLAY = 0, ST_AUTH_FAIL = 64, ST_BYTES = 128, ST_PACKETS = 192,
	ST_RP = 256, ST_AF = 272, ST_EPOCH = 288, ST_HARD = 312,
	ST_BITMAP = 313, ST_TOP = ST_BITMAP + W, ST_GEN = ST_TOP + 64,
};

static void st_pack(const struct commit_ref_state *s, uint8_t *rec)
{
	memset(rec, 0, COMMIT_SIM_ST_BYTES);
	put_bits(rec, ST_REPLAY, 64, s->replay);
	put_bits(rec, ST_AUTH_FAIL, 64, s->auth_fail);
	put_bits(rec, ST_BYTES, 64, s->bytes);
	put_bits(rec, ST_PACKETS, 64, s->packets);
	put_bits(rec, ST_RP, 16, s->rp_in_epoch);
	put_bits(rec, ST_AF, 16, s->af_in_epoch);
	put_bits(rec, ST_EPOCH, 24, s->epoch);
	put_bits(rec, ST_HARD, 1, s->hard_reported);
	for (unsigned w = 0; w < W / 64; w++)
		put_bits(rec, ST_BITMAP + 64 * w, 64, s->win.seen[w]);
	put_bits(rec, ST_TOP, 64, s->win.top);
	put_bits(rec, ST_GEN, 8, s->gen);
}

static void st_unpack(const uint8_t *rec, struct commit_ref_state *s)
{
	memset(s, 0, sizeof(*s));
	s->replay = get_bits(rec, ST_REPLAY, 64);
	s->auth_fail = get_bits(rec, ST_AUTH_FAIL, 64);
	s->bytes = get_bits(rec, ST_BYTES, 64);
	s->packets = get_bits(rec, ST_PACKETS, 64);
	s->rp_in_epoch = (uint16_t)get_bits(rec, ST_RP, 16);
	s->af_in_epoch = (uint16_t)get_bits(rec, ST_AF, 16);
	s->epoch = (uint32_t)get_bits(rec, ST_EPOCH, 24);
	s->hard_reported = get_bits(rec, ST_HARD, 1);
	for (unsigned w = 0; w < W / 64; w++)
		s->win.seen[w] = get_bits(rec, ST_BITMAP + 64 * w, 64);
	s->win.top = get_bits(rec, ST_TOP, 64);
	s->gen = (uint8_t)get_bits(rec, ST_GEN, 8);
}

/* ------------------------------------------------------------ the bench */

struct sa {
	uint16_t index;
	uint8_t gen;
	bool esn, ipv6, vlan;
	uint8_t mode;
	uint8_t ihl;                    /* IPv4 header bytes */
	uint32_t spi;
	uint64_t hard_bytes, hard_packets, soft_bytes, soft_packets;
	uint8_t hdr[COMMIT_REF_HDR_BYTES];   /* the frames' first bytes */
	uint64_t sent[2];               /* the sender's last two S */
	unsigned expired_for;           /* frames refused SA_EXPIRED since the last rekey */
};

/* the window of one SA as of some earlier frame, for the stale pre-check */
struct snap {
	uint8_t gen;
	struct replay_ref win;
};

struct frame {
	unsigned long no;
	struct commit_ref_job job;
	bool token, bypass, auth_ok;
	int sa;                         /* -1: none */
	unsigned len, beats;
	uint8_t data[MAX_LEN + COMMIT_SIM_MAX_BYTES];   /* the bus the stage keeps */
	struct commit_ref_out ref;
	bool bytes_edge;                /* bytes + ct_len at the hard byte limit or one past */
	bool esn_cross;                 /* accepted into the next 2^32 */
	bool gap_bit;                   /* after a slide T -> S1 by the frame before: T < S < S1, S - W seen before it */
	bool fresh_bit;                 /* after S1, the new generation's first: S < S1 seen by the old generation */
};

/* the last frame that wrote each SA's record, for distance coverage */
struct writer {
	bool any;
	uint64_t cycle;
	uint8_t reason;
	bool slid;
	uint32_t seq;
	uint16_t index;
};

struct cover {
	unsigned long frames, beats, tokens, bypass, kept, tail_drops, events;
	unsigned long d1_same_seq;      /* accepted at distance 1, then the same seq: REPLAY */
	unsigned long d1_slide, d2_slide, d3_same;
	unsigned long d1_lifetime;      /* lifetime reached just after a delivered frame */
	unsigned long d1_alarm;         /* burst threshold reached just after a same-kind drop */
	unsigned long d1_fresh;         /* new generation right after the old one */
	unsigned long hi_mismatch, esn_cross, hard_bytes_exact;
	unsigned long d1_gap_bit;       /* gap_bit at distance 1 */
	unsigned long d1_fresh_bit;     /* fresh_bit at distance 1 */
	unsigned long reasons[SPISYNC_NUM_REASONS];
	unsigned long ev_types[8];
};

struct queue {
	unsigned long v[RING];
	unsigned head, tail;            /* v[tail % RING .. head) */
};

struct bench {
	const struct commit_sim_ops *ops;
	void *m;
	unsigned bytes;
	struct prng *r;
	unsigned long frames_wanted;

	struct sa sas[MAX_SAS];
	unsigned n_sas;
	struct commit_ref_state st[MAX_SAS];
	struct snap hist[HIST][MAX_SAS];   /* before frame n: hist[n % HIST] */
	struct commit_ref_env env;
	int last_sa;

	struct frame ring[RING];
	unsigned long n_gen;            /* frames generated */
	unsigned long n_started;        /* frames whose first beat went in */
	unsigned long n_taken;          /* jobs esp_commit took (m_valid && m_ready) */
	unsigned long quiet_at;         /* generate no frame past this before a quiet point */

	/* driver */
	bool driving;
	unsigned long drv;              /* frame being driven */
	unsigned beat;

	/* expected output streams, frame numbers in order */
	struct queue eq;                /* frames with egress beats */
	unsigned e_beat;                /* next beat of eq's head */
	struct queue dq, evq;
	struct queue oq;                /* cnt_out expectations: reason in v */
	bool res_pipe_valid[2], res_pipe_deliv[2];

	uint64_t cycle;
	struct commit_sim_in in;
	struct commit_sim_out out;
	struct writer wr[MAX_SAS];
	struct cover cov;
	bool failed;
};

static void q_push(struct queue *q, unsigned long v)
{
	if (q->head - q->tail >= RING) {
		fprintf(stderr, "test_commit: queue overflow\n");
		abort();
	}
	q->v[q->head++ % RING] = v;
}

static bool q_empty(const struct queue *q) { return q->head == q->tail; }

static struct frame *fr(struct bench *b, unsigned long no)
{
	return &b->ring[no % RING];
}

static void fail(struct bench *b, const char *what, unsigned long no)
{
	if (!b->failed)
		fprintf(stderr, "FAIL (%u-bit, clock %" PRIu64 ", frame %lu): %s\n",
		    b->bytes * 8, b->cycle, no, what);
	b->failed = true;
}

static void describe(const struct frame *f)
{
	const struct commit_ref_job *j = &f->job;

	fprintf(stderr, "  frame %lu: %s index %u gen %u esn %d seq64 %016" PRIx64
	    " reason %u auth_ok %d len %u beats %u mode %u; ref reason %u keep %d event %d\n",
	    f->no, f->token ? "token" : f->bypass ? "bypass" : "esp", j->index,
	    j->gen, j->esn, j->seq64, j->reason, f->auth_ok, f->len, f->beats,
	    j->mode, f->ref.reason, f->ref.keep, f->ref.event);
}

/* ------------------------------------------------------------ SAs */

/* The IPv4 header sum without total length, checksum and protocol, as the
 * parser hands it over (esp_parser out_v4_csum_base); 0 for IPv6. */
static uint16_t csum_base_of(const struct sa *s)
{
	const uint8_t *ip = s->hdr + (s->vlan ? 18 : 14);
	uint32_t sum = 0;

	if (s->ipv6)
		return 0;
	for (unsigned i = 0; i < s->ihl; i += 2) {
		uint32_t w = (uint32_t)ip[i] << 8 | ip[i + 1];

		if (i == 2 || i == 10)
			w = 0;
		if (i == 8)
			w &= 0xFF00;
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

/* Lifetimes a few frames past the SA's counts now (0: none, sometimes). */
static void sa_lifetimes(struct bench *b, struct sa *s, const struct commit_ref_state *st)
{
	struct prng *r = b->r;
	uint64_t pk = st->gen == s->gen ? st->packets : 0;
	uint64_t by = st->gen == s->gen ? st->bytes : 0;

	s->hard_packets = pct(r, 50) ? pk + 1 + below(r, 60) : 0;
	s->hard_bytes = pct(r, 50) ? by + 1 + below(r, 40 * b->bytes) : 0;
	s->soft_packets = pct(r, 50) ? pk + 1 + below(r, 40) : 0;
	s->soft_bytes = pct(r, 40) ? by + 1 + below(r, 30 * b->bytes) : 0;
	if (pct(r, 10))
		s->hard_packets = s->hard_bytes = 0;
	s->expired_for = 0;
}

static void sa_new(struct bench *b, unsigned i, bool keep_index)
{
	struct prng *r = b->r;
	struct sa *s = &b->sas[i];
	uint16_t index = s->index;
	unsigned l2;

	if (!keep_index) {
		bool clash;

		do {
			index = (uint16_t)below(r, COMMIT_SIM_SA_ENTRIES);
			clash = false;
			for (unsigned k = 0; k < i; k++)
				clash |= b->sas[k].index == index;
		} while (clash);
		s->gen = (uint8_t)rnd64(r);
	} else {
		s->gen = (uint8_t)(s->gen + 1 + (pct(r, 10) ? below(r, 255) : 0));
	}
	s->index = index;
	s->esn = pct(r, 60);
	s->ipv6 = pct(r, 40);
	s->vlan = pct(r, 30);
	s->mode = (uint8_t)below(r, 3);
	s->ihl = (uint8_t)(s->ipv6 ? 40 : 20 + 4 * below(r, 11));
	s->spi = 256 + (uint32_t)below(r, 0xFFFFFF00u);
	prng_fill(r, s->hdr, sizeof(s->hdr));
	if (s->vlan) {
		s->hdr[12] = 0x81;
		s->hdr[13] = 0x00;
	}
	l2 = s->vlan ? 18 : 14;
	s->hdr[l2 - 2] = s->ipv6 ? 0x86 : 0x08;
	s->hdr[l2 - 1] = s->ipv6 ? 0xDD : 0x00;
	s->hdr[l2] = s->ipv6 ? (uint8_t)(0x60 | (s->hdr[l2] & 15)) :
	    (uint8_t)(0x40 | (s->ihl / 4));
	s->sent[0] = s->sent[1] = 0;
}

/* A record to start from: the SA's own generation with a window anywhere
 * (ESN: just below 2^32 or 2^64 often), counters near the lifetimes and
 * alarm counts near the thresholds; or junk of another generation. */
static void preload_state(struct bench *b, unsigned i, struct commit_ref_state *st)
{
	struct prng *r = b->r;
	struct sa *s = &b->sas[i];
	uint64_t top;

	memset(st, 0, sizeof(*st));
	if (pct(r, 20)) {
		/* another generation's leftovers: counts as fresh */
		uint8_t rec[COMMIT_SIM_ST_BYTES];

		prng_fill(r, rec, sizeof(rec));
		st_unpack(rec, st);
		if (st->gen == s->gen)
			st->gen++;
		return;
	}
	st->gen = s->gen;
	if (s->esn) {
		switch (below(r, 4)) {
		case 0: top = ((uint64_t)1 << 32) - below(r, 3000); break;
		case 1: top = UINT64_MAX - below(r, 3000); break;
		case 2: top = rnd64(r) >> below(r, 64); break;
		default: top = below(r, 2 * W); break;
		}
	} else {
		top = pct(r, 30) ? UINT32_MAX - below(r, 3000) :
		    pct(r, 50) ? below(r, 2 * W) : (uint32_t)rnd64(r);
	}
	st->win.top = top;
	for (unsigned w = 0; w < W / 64; w++)
		st->win.seen[w] = rnd64(r) & rnd64(r);
	st->packets = pct(r, 30) ? rnd64(r) >> 20 : below(r, 1000);
	st->bytes = pct(r, 30) ? rnd64(r) >> 16 : below(r, 100000);
	st->auth_fail = rnd64(r) >> below(r, 64);
	st->replay = rnd64(r) >> below(r, 64);
	st->hard_reported = pct(r, 10);
	st->epoch = pct(r, 70) ? b->env.burst_epoch : (uint32_t)below(r, 1u << 24);
	st->af_in_epoch = pct(r, 10) ? 0xFFFF : (uint16_t)below(r, 6);
	st->rp_in_epoch = pct(r, 10) ? 0xFFFF : (uint16_t)below(r, 6);
	sa_lifetimes(b, s, st);
}

/* ------------------------------------------------------------ one clock */

static void tick(struct bench *b)
{
	struct commit_sim_in *in = &b->in;
	struct commit_sim_out *out = &b->out;

	in->res_valid = b->res_pipe_valid[0];
	in->res_delivered = b->res_pipe_deliv[0];
	b->ops->cycle(b->m, in, out);
	b->cycle++;
	/* the job FIFO: its head leaves when the stage takes it */
	if (in->job.valid && out->m_ready)
		b->n_taken++;
	b->res_pipe_valid[0] = b->res_pipe_valid[1];
	b->res_pipe_deliv[0] = b->res_pipe_deliv[1];
	b->res_pipe_valid[1] = false;
	b->res_pipe_deliv[1] = false;

	if (out->protocol_error)
		fail(b, "protocol_error", b->drv);
	if (out->tb_wr_collide)
		fail(b, "preload met a commit write (bench bug)", 0);

	if (out->e_valid) {
		struct frame *f;
		unsigned k = b->e_beat;

		if (q_empty(&b->eq)) {
			fail(b, "egress beat without a frame", 0);
			return;
		}
		f = fr(b, b->eq.v[b->eq.tail % RING]);
		if (out->e_first != (k == 0) || out->e_last != (k + 1 == f->beats))
			fail(b, "egress beat first/last", f->no);
		if (memcmp(out->e_data, f->data + k * b->bytes, b->bytes) != 0)
			fail(b, "egress beat data", f->no);
		b->e_beat++;
		if (out->e_last || k + 1 == f->beats) {
			bool fit = pct(b->r, FIT_PCT);

			if (out->e_keep != f->ref.keep)
				fail(b, "e_keep", f->no);
			if (out->e_user != f->ref.user) {
				fprintf(stderr, "  e_user %010" PRIx64 " expected %010" PRIx64 "\n",
				    out->e_user, f->ref.user);
				fail(b, "e_user", f->no);
			}
			if (f->ref.keep) {
				if (out->e_hdr_len != f->ref.hdr_len ||
				    out->e_pay_len != f->ref.pay_len)
					fail(b, "e_hdr_len/e_pay_len", f->no);
				else if (memcmp(out->e_hdr, f->ref.hdr, f->ref.hdr_len) != 0)
					fail(b, "e_hdr", f->no);
				q_push(&b->oq, fit ? f->ref.reason : SPISYNC_R_TAIL_DROP);
				b->cov.kept++;
				b->cov.tail_drops += !fit;
			}
			b->res_pipe_valid[1] = true;
			b->res_pipe_deliv[1] = out->e_keep && fit;
			b->eq.tail++;
			b->e_beat = 0;
		}
	}
	if (out->cnt_drop_valid) {
		if (q_empty(&b->dq)) {
			fail(b, "cnt_drop without a dropped frame", 0);
		} else {
			struct frame *f = fr(b, b->dq.v[b->dq.tail++ % RING]);

			if (out->cnt_drop_reason != f->ref.reason) {
				fprintf(stderr, "  cnt_drop_reason %u expected %u\n",
				    out->cnt_drop_reason, f->ref.reason);
				describe(f);
				fail(b, "cnt_drop_reason", f->no);
			}
		}
	}
	if (out->cnt_out_valid) {
		if (q_empty(&b->oq)) {
			fail(b, "cnt_out without a kept frame", 0);
		} else {
			unsigned long want = b->oq.v[b->oq.tail++ % RING];

			if (out->cnt_out_reason != want) {
				fprintf(stderr, "  cnt_out_reason %u expected %lu\n",
				    out->cnt_out_reason, want);
				fail(b, "cnt_out_reason", 0);
			}
		}
	}
	if (out->sa_ev_valid) {
		if (q_empty(&b->evq)) {
			fail(b, "SA event without a frame that raises one", 0);
		} else {
			struct frame *f = fr(b, b->evq.v[b->evq.tail++ % RING]);

			if (memcmp(out->sa_ev_rec, f->ref.event_rec, COMMIT_SIM_EV_BYTES) != 0) {
				fprintf(stderr, "  event type %u expected %u\n",
				    out->sa_ev_rec[0], f->ref.event_rec[0]);
				describe(f);
				fail(b, "SA event record", f->no);
			}
		}
	}
}

/* ------------------------------------------------------------ frames */

static void plaintext(struct bench *b, struct frame *f, const struct sa *s,
    bool one_beat)
{
	struct prng *r = b->r;
	unsigned max = one_beat ? b->bytes : (pct(r, 70) ? 4 * b->bytes : MAX_LEN);
	unsigned padlen, il, len;
	uint8_t nh;
	unsigned k = below(r, 100);

	nh = k < 35 ? 4 : k < 60 ? 41 : k < 70 ? 59 : k < 80 ? 6 : k < 88 ? 17 :
	    (uint8_t)rnd64(r);
	padlen = pct(r, 50) ? 0 : below(r, pct(r, 80) ? 8 : 256);
	if (padlen + 2 > max)
		padlen = max - 2;
	il = below(r, max - 1 - padlen);
	len = il + padlen + 2;
	/* the last byte of a byte lifetime exactly, now and then */
	if (s != NULL && s->hard_bytes != 0 && pct(r, 30)) {
		const struct commit_ref_state *st = &b->st[f->sa];
		uint64_t used = st->gen == s->gen ? st->bytes : 0;

		if (s->hard_bytes > used && s->hard_bytes - used >= 2 &&
		    s->hard_bytes - used <= max) {
			len = (unsigned)(s->hard_bytes - used);
			padlen = len - 2 < padlen ? len - 2 : padlen;
			il = len - 2 - padlen;
		}
	}
	prng_fill(r, f->data, sizeof(f->data));
	for (unsigned i = 0; i < padlen; i++)
		f->data[il + i] = (uint8_t)(i + 1);
	if (pct(r, 8) && padlen > 0)
		f->data[il + below(r, padlen)] ^= (uint8_t)(1 + below(r, 255));
	f->data[il + padlen] = (uint8_t)(pct(r, 3) ? rnd64(r) : padlen);
	f->data[il + padlen + 1] = nh;
	f->len = len;
}

/* The job's common fields from the SA. */
static void job_from_sa(struct commit_ref_job *j, const struct sa *s)
{
	j->index = s->index;
	j->gen = s->gen;
	j->esn = s->esn;
	j->mode = s->mode;
	j->hard_bytes = s->hard_bytes;
	j->hard_packets = s->hard_packets;
	j->soft_bytes = s->soft_bytes;
	j->soft_packets = s->soft_packets;
	j->spi = s->spi;
	memcpy(j->hdr, s->hdr, sizeof(j->hdr));
	j->vlan = s->vlan;
	j->ipv6 = s->ipv6;
	j->l2_len = s->vlan ? 18 : 14;
	j->l3_hdr_len = s->ihl;
	j->csum_base = csum_base_of(s);
}

/* S was received in window w (within it, its bit set) */
static bool win_seen(const struct replay_ref *w, uint64_t s)
{
	uint64_t i = w->top - s;

	return s <= w->top && i < W && ((w->seen[i / 64] >> (i % 64)) & 1) != 0;
}

/* The sender's sequence number for the next frame of SA i; prev: the window
 * before the previous frame when that frame was SA i's, same generation;
 * old: the old generation's window when the previous frame was SA i's
 * first of a new one; gone: the old generation's window when this frame is
 * the first of a new one. */
static uint64_t pick_seq(struct bench *b, unsigned i, const struct replay_ref *win,
    const struct replay_ref *prev, const struct replay_ref *old,
    const struct replay_ref *gone)
{
	struct prng *r = b->r;
	struct sa *s = &b->sas[i];
	uint64_t t = win->top, v;
	unsigned k = below(r, 100);

	/* between the old top and the new one, where the old window's bit
	 * S - W (sliding out) is set */
	/* (t > prev->top first: prev->top + 1 wraps at the 64-bit end) */
	if (k >= 88 && prev != NULL && t > prev->top && t - prev->top > 1 &&
	    t - prev->top < W) {
		uint64_t gap = t - prev->top - 1, d0 = below(r, (unsigned)gap);

		for (uint64_t d = 0; d < gap; d++) {
			uint64_t c = prev->top + 1 + (d0 + d) % gap;

			if (c >= W && win_seen(prev, c - W))
				return s->esn ? c : (uint32_t)c;
		}
	}
	/* a new generation starting just above the old one's top, often */
	if (k < 50 && gone != NULL && gone->top != 0 && gone->top < UINT64_MAX - W) {
		v = gone->top + 1 + below(r, W / 2);
		return s->esn ? v : (uint32_t)v;
	}
	/* below the new top, seen by the old generation */
	if (k >= 50 && old != NULL && t > old->top && t - old->top < W) {
		uint64_t span = W - (t - old->top), d0 = below(r, (unsigned)span);

		for (uint64_t d = 0; d < span; d++) {
			uint64_t c = old->top - (d0 + d) % span;

			if (c != 0 && win_seen(old, c))
				return s->esn ? c : (uint32_t)c;
		}
	}
	if (k < 30)
		v = t + 1;
	else if (k < 40)
		v = t + 2 + below(r, W - 2);
	else if (k < 45)
		v = t + W + below(r, 3000);
	else if (k < 48)
		v = s->esn ? t + ((uint64_t)1 << 31) - below(r, 5000) : t + 1;
	else if (k < 63)
		v = s->sent[0];
	else if (k < 70)
		v = s->sent[1];
	else if (k < 80)
		v = t - 1 - below(r, W - 1);
	else if (k < 88)
		v = t - W - below(r, 20000);
	else if (k < 90)
		v = 0;
	else if (k < 93)
		v = (t & ~(uint64_t)UINT32_MAX) | (uint32_t)rnd64(r);
	else
		v = t + 1 + below(r, 4);
	if (!s->esn)
		v = (uint32_t)v;
	return v;
}

static void gen_frame(struct bench *b)
{
	struct prng *r = b->r;
	unsigned long n = b->n_gen;
	struct frame *f = fr(b, n);
	struct commit_ref_job *j = &f->job;
	unsigned k = below(r, 100);
	bool one_beat = pct(r, 85);
	struct commit_ref_state *st = NULL;

	memset(j, 0, sizeof(*j));
	f->no = n;
	f->token = f->bypass = false;
	f->auth_ok = true;
	f->sa = -1;
	f->bytes_edge = false;
	f->esn_cross = false;
	f->gap_bit = false;
	f->fresh_bit = false;
	j->rx_seq = (uint16_t)n;
	/* snapshot the windows before this frame, for later stale pre-checks */
	for (unsigned i = 0; i < b->n_sas; i++) {
		b->hist[n % HIST][i].gen = b->st[i].gen;
		b->hist[n % HIST][i].win = b->st[i].win;
	}
	if (k < 4) {
		/* a token of another reason, with or without an index */
		static const uint8_t reasons[] = {
			SPISYNC_R_MALFORMED, SPISYNC_R_SA_NOT_FOUND_V4,
			SPISYNC_R_SA_NOT_FOUND_NATT_V6, SPISYNC_R_SPI_RESERVED,
			SPISYNC_R_MAC_ERROR, SPISYNC_R_REPLAY,
		};
		unsigned i = below(r, b->n_sas);

		f->token = true;
		j->reason = reasons[below(r, sizeof(reasons))];
		if (pct(r, 50) && j->reason != SPISYNC_R_REPLAY) {
			job_from_sa(j, &b->sas[i]);
			f->sa = (int)i;
		} else {
			j->index = COMMIT_REF_NO_INDEX;
			j->gen = (uint8_t)rnd64(r);
		}
		j->pay_len = (uint16_t)(1 + below(r, 1500));
		f->len = 0;
	} else if (k < 9) {
		static const uint8_t reasons[] = {
			SPISYNC_R_PASS_THROUGH, SPISYNC_R_PUNT_FRAGMENT,
			SPISYNC_R_PUNT_IPV6_EXT,
		};

		f->bypass = true;
		j->reason = reasons[below(r, sizeof(reasons))];
		j->index = COMMIT_REF_NO_INDEX;
		j->gen = (uint8_t)rnd64(r);
		prng_fill(r, j->hdr, sizeof(j->hdr));
		f->len = 1 + below(r, one_beat ? b->bytes : MAX_LEN);
		prng_fill(r, f->data, sizeof(f->data));
		j->pay_len = (uint16_t)f->len;
	} else {
		/* ESP on an SA, the previous one often */
		unsigned i = (b->last_sa >= 0 && pct(r, 65)) ? (unsigned)b->last_sa :
		    below(r, b->n_sas);
		struct sa *s = &b->sas[i];
		struct commit_ref_state *cur = &b->st[i];
		struct replay_ref exact, stale;
		const struct snap *sn;
		uint64_t sv, s_stale;
		unsigned lag = pct(r, 50) ? 0 : below(r, HIST - 1);
		bool fresh_now;
		/* the previous frame's window, when it was this SA's */
		const struct snap *ps = &b->hist[(n + HIST - 1) % HIST][i];
		const struct replay_ref *pv = n > 0 && fr(b, n - 1)->sa == (int)i &&
		    ps->gen == s->gen && b->st[i].gen == s->gen ? &ps->win : NULL;
		const struct replay_ref *po = n > 0 && fr(b, n - 1)->sa == (int)i &&
		    fr(b, n - 1)->ref.fresh && ps->gen != b->st[i].gen ? &ps->win : NULL;

		/* rekey: an expired SA soon, any SA now and then */
		if ((s->expired_for > 0 && pct(r, 20)) || pct(r, 1)) {
			sa_new(b, i, true);
			sa_lifetimes(b, s, cur);
		}
		f->sa = (int)i;
		b->last_sa = (int)i;
		job_from_sa(j, s);
		fresh_now = cur->gen != s->gen;
		if (fresh_now)
			replay_ref_init(&exact);
		else
			exact = cur->win;
		/* the classify stage's view: the window some frames ago */
		if (lag > n)
			lag = (unsigned)n;
		sn = &b->hist[(n - lag) % HIST][i];
		if (sn->gen != s->gen)
			replay_ref_init(&stale);
		else
			stale = sn->win;
		sv = pick_seq(b, i, &exact, pv, po, fresh_now ? &cur->win : NULL);
		s->sent[1] = s->sent[0];
		s->sent[0] = sv;
		j->seq64 = (uint32_t)sv;
		if (!replay_ref_infer(&stale, s->esn, (uint32_t)sv, &s_stale) ||
		    !replay_ref_check(&stale, s_stale) || pct(r, 2)) {
			/* refused by the pre-check (or forged: any reason is
			 * fine for the stage), a token against the SA */
			f->token = true;
			j->reason = SPISYNC_R_REPLAY;
			if (s->esn && replay_ref_infer(&stale, true, (uint32_t)sv, &s_stale))
				j->seq64 = s_stale;
			j->pay_len = (uint16_t)(1 + below(r, 1500));
			f->len = 0;
		} else {
			j->seq64 = s_stale;
			f->auth_ok = s_stale == sv && !pct(r, 6);
			j->reason = SPISYNC_R_DECRYPTED;
			plaintext(b, f, s, one_beat);
			j->pay_len = (uint16_t)f->len;
		}
		st = cur;
	}
	{
		uint64_t bytes0 = st != NULL && st->gen == j->gen ? st->bytes : 0;
		uint64_t top0 = st != NULL && st->gen == j->gen ? st->win.top : 0;

		commit_ref_frame(st, j, f->auth_ok, f->token, f->bypass, f->data,
		    &b->env, &f->ref);
		f->bytes_edge = !f->token && j->hard_bytes != 0 &&
		    ((f->ref.reason == SPISYNC_R_SA_EXPIRED &&
		    bytes0 + j->pay_len == j->hard_bytes + 1) ||
		    (f->ref.written && f->ref.slid && f->ref.reason != SPISYNC_R_SA_EXPIRED &&
		    bytes0 + j->pay_len == j->hard_bytes));
		f->esn_cross = f->ref.slid && j->esn && (st->win.top >> 32) > (top0 >> 32);
		if (f->sa >= 0 && !f->token && f->auth_ok && n > 0) {
			const struct frame *f1 = fr(b, n - 1);
			const struct snap *p1 = &b->hist[(n + HIST - 1) % HIST][f->sa];

			f->gap_bit = f1->sa == f->sa && f1->ref.slid && p1->gen == j->gen &&
			    st->gen == j->gen && j->seq64 > p1->win.top && j->seq64 < top0 &&
			    j->seq64 >= W && win_seen(&p1->win, j->seq64 - W);
			f->fresh_bit = f1->sa == f->sa && f1->ref.fresh && f1->ref.slid &&
			    p1->gen != j->gen && st->gen == j->gen && p1->win.top < top0 &&
			    top0 - p1->win.top < W && j->seq64 < top0 && top0 - j->seq64 < W &&
			    win_seen(&p1->win, j->seq64);
		}
	}
	f->beats = f->token ? 1 : (f->len + b->bytes - 1) / b->bytes;
	if (f->sa >= 0) {
		struct sa *s = &b->sas[f->sa];

		if (f->ref.reason == SPISYNC_R_SA_EXPIRED)
			s->expired_for++;
	}
	b->n_gen++;
}

/* Coverage at the clock the frame's last beat goes in (its decision
 * follows at a fixed distance, so last-beat distance is decision distance). */
static void cover_frame(struct bench *b, const struct frame *f)
{
	struct cover *c = &b->cov;
	struct writer *w;
	uint64_t d;

	c->frames++;
	c->tokens += f->token;
	c->bypass += f->bypass;
	c->reasons[f->ref.reason]++;
	if (f->ref.event) {
		c->events++;
		c->ev_types[f->ref.event_rec[0] & 7]++;
	}
	c->hi_mismatch += f->ref.hi_mismatch;
	if (!f->ref.written || f->sa < 0)
		return;
	w = &b->wr[f->sa];
	d = w->any && w->index == f->job.index ? b->cycle - w->cycle : 0;
	if (d == 1 && w->slid && f->ref.reason == SPISYNC_R_REPLAY &&
	    (uint32_t)f->job.seq64 == w->seq)
		c->d1_same_seq++;
	if (d == 1 && w->slid && f->ref.slid)
		c->d1_slide++;
	if (d == 2 && w->slid && f->ref.slid)
		c->d2_slide++;
	if (d == 3)
		c->d3_same++;
	if (d == 1 && w->reason == SPISYNC_R_DECRYPTED && f->ref.event &&
	    (f->ref.event_rec[0] == SPISYNC_EV_SA_SOFT_EXPIRY ||
	    f->ref.event_rec[0] == SPISYNC_EV_SA_HARD_EXPIRY))
		c->d1_lifetime++;
	if (d == 1 && f->ref.event && w->reason == f->ref.reason &&
	    (f->ref.event_rec[0] == SPISYNC_EV_AUTH_FAIL_BURST ||
	    f->ref.event_rec[0] == SPISYNC_EV_REPLAY_BURST))
		c->d1_alarm++;
	if (d == 1 && f->ref.fresh)
		c->d1_fresh++;
	if (d == 1 && f->gap_bit)
		c->d1_gap_bit++;
	if (d == 1 && f->fresh_bit)
		c->d1_fresh_bit++;
	c->hard_bytes_exact += f->bytes_edge;
	c->esn_cross += f->esn_cross;
	w->any = true;
	w->cycle = b->cycle;
	w->reason = f->ref.reason;
	w->slid = f->ref.slid;
	w->seq = (uint32_t)f->job.seq64;
	w->index = f->job.index;
}

/* The oldest frame some expected output still refers to. */
static unsigned long oldest(const struct bench *b)
{
	const struct queue *qs[] = { &b->eq, &b->dq, &b->evq };
	unsigned long o = b->n_started;

	for (unsigned i = 0; i < 3; i++)
		if (!q_empty(qs[i]) && qs[i]->v[qs[i]->tail % RING] < o)
			o = qs[i]->v[qs[i]->tail % RING];
	return o;
}

static void set_job(struct commit_sim_job *m, const struct frame *f)
{
	const struct commit_ref_job *j = &f->job;

	m->valid = true;
	m->reason = j->reason;
	m->index = j->index;
	m->gen = j->gen;
	m->esn = j->esn;
	m->seq64 = j->seq64;
	m->mode = j->mode;
	m->hard_bytes = j->hard_bytes;
	m->hard_packets = j->hard_packets;
	m->soft_bytes = j->soft_bytes;
	m->soft_packets = j->soft_packets;
	m->spi = j->spi;
	memcpy(m->hdr, j->hdr, sizeof(m->hdr));
	m->l2_len = j->l2_len;
	m->l3_hdr_len = j->l3_hdr_len;
	m->vlan = j->vlan;
	m->ipv6 = j->ipv6;
	m->csum_base = j->csum_base;
	m->rx_seq = j->rx_seq;
	m->pay_len = j->pay_len;
}

/* The job FIFO's head on m_* (first-word-fall-through); a job not needed
 * yet may still be on its way (valid low now and then). */
static void present_job(struct bench *b, bool needed)
{
	b->in.job.valid = false;
	if (b->n_taken < b->n_gen) {
		set_job(&b->in.job, fr(b, b->n_taken));
		b->in.job.valid = needed || pct(b->r, 90);
	}
}

/* Drive one clock of traffic (a beat or a gap). Returns false once the
 * frames before the quiet point are all in. */
static bool drive(struct bench *b)
{
	struct prng *r = b->r;
	struct commit_sim_in *in = &b->in;
	struct frame *f;

	in->c_valid = false;
	in->job.valid = false;
	in->tb_wr_en = false;
	in->tb_rd_en = false;
	if (!b->driving) {
		if (b->n_started >= b->quiet_at)
			return false;
		if (b->n_gen == b->n_started)
			gen_frame(b);
		if (pct(r, 6)) {
			/* a gap; the FIFO shows the next job meanwhile */
			present_job(b, false);
			tick(b);
			return true;
		}
		b->driving = true;
		b->drv = b->n_started++;
		b->beat = 0;
		f = fr(b, b->drv);
		if (!f->token)
			q_push(&b->eq, f->no);
		if (!f->ref.keep)
			q_push(&b->dq, f->no);
		if (f->ref.event)
			q_push(&b->evq, f->no);
	}
	f = fr(b, b->drv);
	in->c_valid = true;
	in->c_last = b->beat + 1 == f->beats;
	in->c_token = f->token;
	in->c_bypass = f->bypass;
	in->c_auth_ok = f->auth_ok;
	if (f->bypass) {
		memcpy(in->c_raw, f->data + b->beat * b->bytes, b->bytes);
		prng_fill(r, in->c_data, b->bytes);
	} else {
		memcpy(in->c_data, f->data + b->beat * b->bytes, b->bytes);
		prng_fill(r, in->c_raw, b->bytes);
	}
	/* later beats: the next frame's job may be in the FIFO already */
	if (b->beat != 0 && b->n_gen == b->n_started && b->n_started < b->quiet_at)
		gen_frame(b);
	present_job(b, b->beat == 0);
	if (in->c_last) {
		cover_frame(b, f);
		b->driving = false;
	}
	b->cov.beats++;
	tick(b);
	b->beat++;
	if (b->n_gen - oldest(b) >= RING - 8) {
		fprintf(stderr, "test_commit: too many frames in flight\n");
		abort();
	}
	return true;
}

static void idle(struct bench *b)
{
	b->in.c_valid = false;
	b->in.job.valid = false;
	b->in.tb_wr_en = false;
	b->in.tb_rd_en = false;
	tick(b);
}

static void preload(struct bench *b, unsigned i, const struct commit_ref_state *st)
{
	b->in.c_valid = false;
	b->in.job.valid = false;
	b->in.tb_rd_en = false;
	b->in.tb_wr_en = true;
	b->in.tb_wr_index = b->sas[i].index;
	st_pack(st, b->in.tb_wr_data);
	tick(b);
	b->in.tb_wr_en = false;
	b->st[i] = *st;
}

static void report_state_diff(const struct commit_ref_state *got,
    const struct commit_ref_state *want)
{
	fprintf(stderr, "  record: gen %u/%u top %016" PRIx64 "/%016" PRIx64
	    " packets %" PRIu64 "/%" PRIu64 " bytes %" PRIu64 "/%" PRIu64
	    " auth_fail %" PRIu64 "/%" PRIu64 " replay %" PRIu64 "/%" PRIu64
	    " hard %d/%d epoch %u/%u af %u/%u rp %u/%u bitmap %s (RAM/reference)\n",
	    got->gen, want->gen, got->win.top, want->win.top, got->packets,
	    want->packets, got->bytes, want->bytes, got->auth_fail,
	    want->auth_fail, got->replay, want->replay, got->hard_reported,
	    want->hard_reported, got->epoch, want->epoch, got->af_in_epoch,
	    want->af_in_epoch, got->rp_in_epoch, want->rp_in_epoch,
	    memcmp(got->win.seen, want->win.seen, sizeof(got->win.seen)) ? "differs" : "same");
}

/* The pipeline drained: nothing owed, every SA's record as the reference's. */
static void check_quiet(struct bench *b)
{
	for (unsigned i = 0; i < DRAIN_CLOCKS; i++)
		idle(b);
	if (!q_empty(&b->eq) || !q_empty(&b->dq) || !q_empty(&b->evq) ||
	    !q_empty(&b->oq))
		fail(b, "outputs missing after the pipeline drained", b->n_started);
	for (unsigned i = 0; i < b->n_sas && !b->failed; i++) {
		uint8_t want[COMMIT_SIM_ST_BYTES];

		b->in.tb_rd_en = true;
		b->in.tb_rd_index = b->sas[i].index;
		b->in.c_valid = false;
		b->in.job.valid = false;
		tick(b);
		b->in.tb_rd_en = false;
		st_pack(&b->st[i], want);
		if (memcmp(b->out.tb_rd_data, want, sizeof(want)) != 0) {
			struct commit_ref_state got;

			st_unpack(b->out.tb_rd_data, &got);
			fprintf(stderr, "  SA %u (index %u):\n", i, b->sas[i].index);
			report_state_diff(&got, &b->st[i]);
			fail(b, "SA state record in memory differs from the reference",
			    b->n_started);
		}
	}
}

/* Between bursts of traffic: new time, epoch, thresholds; now and then a
 * new starting record for an SA. */
static void quiet_changes(struct bench *b)
{
	struct prng *r = b->r;

	b->env.time_ns += 1 + (rnd64(r) >> below(r, 64));
	b->in.time_ns = b->env.time_ns;
	if (pct(r, 60))
		b->env.burst_epoch = (b->env.burst_epoch + (pct(r, 90) ? 1 : below(r, 1u << 24))) & 0xFFFFFF;
	if (pct(r, 50)) {
		unsigned k = below(r, 10);

		b->env.auth_fail_burst = k < 7 ? 1 + below(r, 6) : k < 8 ? 0 :
		    k < 9 ? 0x10000 + below(r, 1000) : (uint32_t)rnd64(r);
		k = below(r, 10);
		b->env.replay_burst = k < 7 ? 1 + below(r, 6) : k < 8 ? 0 :
		    k < 9 ? 0x10000 + below(r, 1000) : (uint32_t)rnd64(r);
	}
	b->in.burst_epoch = b->env.burst_epoch;
	b->in.auth_fail_burst = b->env.auth_fail_burst;
	b->in.replay_burst = b->env.replay_burst;
	for (unsigned i = 0; i < b->n_sas; i++) {
		if (pct(r, 25)) {
			struct commit_ref_state st;

			preload_state(b, i, &st);
			preload(b, i, &st);
		} else if (pct(r, 20)) {
			sa_lifetimes(b, &b->sas[i], &b->st[i]);
		}
	}
	b->quiet_at = b->n_started + 150 + below(r, 450);
}

static bool cover_ok(const struct cover *c, unsigned long frames)
{
	/* proportional to the run, for short runs too */
	unsigned long need = frames / 2000 + 1;
	bool ok = true;

#define NEED(field, n) do { if (c->field < (n)) { \
		fprintf(stderr, "coverage: %s = %lu < %lu\n", #field, c->field, \
		    (unsigned long)(n)); ok = false; } } while (0)
	NEED(d1_same_seq, 5 * need);
	NEED(d1_slide, 20 * need);
	NEED(d2_slide, 5 * need);
	NEED(d1_lifetime, need);
	NEED(d1_alarm, need);
	NEED(d1_fresh, need);
	NEED(d1_gap_bit, need);
	NEED(d1_fresh_bit, need);
	NEED(hi_mismatch, 1);
	NEED(hard_bytes_exact, need);
	NEED(tail_drops, need);
#undef NEED
	return ok;
}

static bool run(const struct commit_sim_ops *ops, uint64_t seed,
    unsigned long frames)
{
	struct prng r;
	struct bench *b = calloc(1, sizeof(*b));
	struct cover *c;
	bool ok;

	if (b == NULL)
		return false;
	prng_seed(&r, seed);
	b->r = &r;
	b->ops = ops;
	b->bytes = ops->bytes;
	b->m = ops->create();
	if (b->m == NULL) {
		free(b);
		return false;
	}
	ops->reset(b->m);
	b->last_sa = -1;
	b->n_sas = 2 + below(&r, 3);
	b->env.time_ns = rnd64(&r) >> 8;
	b->env.burst_epoch = below(&r, 1u << 24);
	b->env.auth_fail_burst = 1 + below(&r, 6);
	b->env.replay_burst = 1 + below(&r, 6);
	b->in.time_ns = b->env.time_ns;
	b->in.burst_epoch = b->env.burst_epoch;
	b->in.auth_fail_burst = b->env.auth_fail_burst;
	b->in.replay_burst = b->env.replay_burst;
	for (unsigned i = 0; i < b->n_sas; i++) {
		struct commit_ref_state st;

		sa_new(b, i, false);
		preload_state(b, i, &st);
		preload(b, i, &st);
	}
	b->quiet_at = 200;
	while (b->n_started < frames && !b->failed) {
		if (!drive(b)) {
			check_quiet(b);
			quiet_changes(b);
		}
	}
	/* every frame generated goes in: the reference has seen it */
	b->quiet_at = b->n_gen;
	while ((b->driving || b->n_started < b->n_gen) && !b->failed)
		drive(b);
	check_quiet(b);
	c = &b->cov;
	printf("  %u-bit: %lu frames (%lu beats, %" PRIu64 " clocks), %u SAs; "
	    "tokens %lu, pass-through %lu, kept %lu (TAIL_DROP %lu), SA events %lu\n",
	    b->bytes * 8, c->frames, c->beats, b->cycle, b->n_sas, c->tokens,
	    c->bypass, c->kept, c->tail_drops, c->events);
	printf("    same SA: distance 1 accepted then same seq %lu, slide-slide at 1 %lu, at 2 %lu, "
	    "distance 3 %lu; lifetime at 1 %lu, burst threshold at 1 %lu, new gen at 1 %lu\n",
	    c->d1_same_seq, c->d1_slide, c->d2_slide, c->d3_same, c->d1_lifetime,
	    c->d1_alarm, c->d1_fresh);
	printf("    REPLAY for the high half only %lu, ESN past 2^32 %lu, last byte of a byte lifetime %lu, "
	    "old bit between old and new top at 1 %lu, old generation's bit after a new one's first at 1 %lu\n",
	    c->hi_mismatch, c->esn_cross, c->hard_bytes_exact, c->d1_gap_bit, c->d1_fresh_bit);
	printf("    outcomes:");
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		if (c->reasons[i] != 0)
			printf(" %u:%lu", i, c->reasons[i]);
	printf("; events by type:");
	for (unsigned i = 0; i < 8; i++)
		if (c->ev_types[i] != 0)
			printf(" %u:%lu", i, c->ev_types[i]);
	printf("\n");
	ok = !b->failed && cover_ok(c, frames);
	ops->destroy(b->m);
	free(b);
	return ok;
}

int main(int argc, char **argv)
{
	unsigned long long seed = (unsigned long long)time(NULL);
	unsigned long frames = 200000;
	unsigned width = 0;
	bool ok = true;

	for (int i = 1; i < argc; i++) {
		char *end;
		unsigned long long v;

		if (i + 1 >= argc)
			goto usage;
		errno = 0;
		v = strtoull(argv[i + 1], &end, 0);
		if (errno != 0 || *end != '\0' || end == argv[i + 1])
			goto usage;
		if (strcmp(argv[i], "--seed") == 0)
			seed = v;
		else if (strcmp(argv[i], "--frames") == 0)
			frames = (unsigned long)v;
		else if (strcmp(argv[i], "--width") == 0 && (v == 128 || v == 512))
			width = (unsigned)v;
		else
			goto usage;
		i++;
	}
	printf("test_commit: seed %llu (replay with --seed %llu), %lu frames a width\n",
	    seed, seed, frames);
	/* a build may hold one width only (COMMIT_WIDTHS=512: quicker
	 * rebuilds while trying RTL changes) */
	if (width != 512 && &commit_sim_ops_w128 != NULL)
		ok &= run(&commit_sim_ops_w128, seed, frames);
	if (width != 128 && &commit_sim_ops_w512 != NULL)
		ok &= run(&commit_sim_ops_w512, seed, frames);
	printf("test_commit: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
usage:
	fprintf(stderr, "usage: %s [--seed N] [--frames N] [--width 128|512]\n", argv[0]);
	return 2;
}
