/*
 * spisync -- test bench of the anti-replay blocks and the ESP padding check,
 * each against an independent oracle written from RFC 4303:
 *   replay_check + replay_update (W = 1024, in the test top that keeps the
 *       SA state in registers, as the card does): RFC 4303 A2.2 cases
 *       worked by hand; random packet streams per SA, ESN off and on, the
 *       RTL's own new state chained into the next check, S, ok and the
 *       whole state compared with tests/model/replay_ref.c after every
 *       packet; replay_update alone with any S (S - T >= 2^32 too);
 *   replay_check_split (the card's pre-check over two clocks), LO_BITS 6
 *       and 3, on the same packets and states: its S and ok against the
 *       same reference;
 *   esp_pad_check, BYTES = 16 and 64: random payloads with valid, broken and
 *       too long padding, garbage past the end, back-to-back packets and
 *       idle clocks, compared with RFC 4303 2.4/2.5 read literally; output
 *       timing checked to the clock.
 *
 * usage: test_replay [--seed N] [--replay-packets N] [--pad-packets N]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prng.h"
#include "replay/replay_sim.h"
#include "replay_ref.h"

enum {
	W = REPLAY_WINDOW, WORDS = REPLAY_SIM_WORDS, MAX_REPORTS = 10,
	REPLAY_COVER_MIN = 200000,
};

/* ------------------------------------------------------------------ replay */

/* How the reference judged the packets: every kind must occur. */
struct replay_cover {
	unsigned long packets;
	unsigned long new_top;          /* accepted, S > T */
	unsigned long far_jump;         /* accepted, S - T >= W: window cleared */
	unsigned long in_window;        /* accepted, S <= T */
	unsigned long dup;              /* rejected: bit already set */
	unsigned long old;              /* rejected: S <= T - W */
	unsigned long zero;             /* rejected: S == 0 */
	unsigned long no_space;         /* rejected: ESN inference has no Sh */
	unsigned long esn_next;         /* accepted with Sh = Th + 1 */
	unsigned long esn_prev;         /* accepted with Sh = Th - 1 */
	unsigned long small_top;        /* checked while T < W */
};

struct replay_run {
	struct replay_sim *sim;
	struct replay_ref ref;
	struct prng *r;
	bool esn;
	uint64_t next;                  /* the sender's next sequence number */
	uint64_t recent[32];            /* sent lately, for duplicates */
	unsigned long failures;
	struct replay_cover cov;
};

static uint64_t rand64(struct prng *r)
{
	return prng_next(r);
}

static uint64_t top_mask(bool esn)
{
	return esn ? UINT64_MAX : UINT32_MAX;
}

static void random_window(struct prng *r, uint64_t seen[WORDS])
{
	/* sparse, dense or full, so duplicates happen at any distance */
	unsigned density = prng_below(r, 4);

	for (unsigned w = 0; w < WORDS; w++) {
		uint64_t v = rand64(r);

		if (density == 0)
			v &= rand64(r) & rand64(r);
		else if (density == 2)
			v |= rand64(r);
		else if (density == 3)
			v = UINT64_MAX;
		seen[w] = v;
	}
}

/* Where an SA starts: the edge cases of the brief, or anywhere. */
static void replay_start(struct replay_run *run, unsigned kind)
{
	struct prng *r = run->r;
	uint64_t top = 0;
	bool random_bits = true;

	replay_ref_init(&run->ref);
	switch (kind) {
	case 0:         /* a new SA */
		random_bits = false;
		break;
	case 1:         /* anywhere */
		top = rand64(r);
		if (prng_below(r, 2))
			top &= 0x0000000fffffffffull;
		break;
	case 2:         /* about to cross 2^32 (ESN: Th moves on) */
		top = ((uint64_t)prng_below(r, 4) << 32) |
		    (0xffffff00u - prng_below(r, 4 * W));
		break;
	case 3:         /* T < W, as after the first packets of an SA */
		top = prng_below(r, W + 2);
		random_bits = prng_below(r, 2);
		break;
	case 4:         /* ESN case B with and without a subspace below */
		top = ((uint64_t)prng_below(r, 2) << 32) | prng_below(r, W);
		break;
	case 5:         /* the case A/B boundary Tl = W - 1 */
		top = ((uint64_t)prng_below(r, 3) << 32) | (W - 2 + prng_below(r, 3));
		break;
	default:        /* ESN: the last subspace, Th + 1 does not exist */
		top = ((uint64_t)UINT32_MAX << 32) | (uint32_t)rand64(r);
		break;
	}
	top &= top_mask(run->esn);
	run->ref.top = top;
	if (random_bits)
		random_window(r, run->ref.seen);
	replay_sim_load(run->sim, run->ref.top, run->ref.seen);
	run->next = top + 1;
	for (unsigned i = 0; i < 32; i++)
		run->recent[i] = top;
}

/* The sender: mostly in order, with every kind of trouble mixed in. */
static uint64_t replay_pick(struct replay_run *run)
{
	struct prng *r = run->r;
	const uint64_t top = run->ref.top;
	unsigned pick = prng_below(r, 100);
	uint64_t s;

	if (pick < 50) {
		s = run->next;
		run->next += 1 + (prng_below(r, 8) == 0 ? prng_below(r, 5) : 0);
	} else if (pick < 62) {
		s = top - prng_below(r, W);             /* late, within the window */
	} else if (pick < 68) {
		s = run->recent[prng_below(r, 32)];     /* a duplicate */
	} else if (pick < 72) {
		s = top - W - prng_below(r, 3 * W);     /* too old */
	} else if (pick < 80) {
		static const int64_t edge[] = {
			0, 1, -1, -(int64_t)W + 1, -(int64_t)W, -(int64_t)W + 2,
			W, W - 1, W + 1, -(int64_t)W - 1,
		};
		s = top + (uint64_t)edge[prng_below(r, sizeof(edge) / sizeof(edge[0]))];
	} else if (pick < 83) {
		/* a far jump ahead: beyond the window, beyond 2^31, beyond 2^32
		 * (the last two only with ESN: without, the sender stops at 2^32) */
		static const uint64_t span[] = { 1u << 12, 1u << 20, 1ull << 31, 1ull << 33 };
		run->next += W + (rand64(r) % span[prng_below(r, run->esn ? 4 : 2)]);
		s = run->next++;
	} else if (pick < 87) {
		s = top & ~(uint64_t)UINT32_MAX;        /* seq = 0 */
	} else if (pick < 88) {
		s = rand64(r);                          /* anything */
	} else if (!run->esn) {
		s = run->next++;
	} else {
		/* low halves around the 2^32 boundary, where A2.2 decides */
		s = (top & ~(uint64_t)UINT32_MAX) |
		    (uint32_t)(prng_below(r, 2) ? prng_below(r, 2 * W) :
		    0u - 1 - prng_below(r, 2 * W));
	}
	run->recent[prng_below(r, 32)] = s;
	return s;
}

/* Past 2^32 - 1 without ESN, past 2^64 - 1 (wrapped) with it. */
static bool replay_exhausted(const struct replay_run *run)
{
	if (!run->esn)
		return run->next > UINT32_MAX;
	return run->next <= run->ref.top;
}

static void replay_cover_count(struct replay_run *run, bool inferred,
    uint64_t s, bool ok)
{
	struct replay_cover *c = &run->cov;
	const uint64_t top = run->ref.top;
	const uint32_t th = (uint32_t)(top >> 32);

	c->packets++;
	if (top < W)
		c->small_top++;
	if (!inferred) {
		c->no_space++;
		return;
	}
	if (ok) {
		if (s > top) {
			c->new_top++;
			if (s - top >= W)
				c->far_jump++;
		} else {
			c->in_window++;
		}
		if (run->esn && (uint32_t)(s >> 32) == th + 1)
			c->esn_next++;
		if (run->esn && (uint32_t)(s >> 32) == th - 1)
			c->esn_prev++;
	} else if (s == 0) {
		c->zero++;
	} else if (s <= top && top - s >= W) {
		c->old++;
	} else {
		c->dup++;
	}
}

static void replay_report(struct replay_run *run, const char *what,
    uint32_t seq, uint64_t top_before)
{
	run->failures++;
	if (run->failures <= MAX_REPORTS)
		fprintf(stderr, "FAIL replay (esn %d, T 0x%016" PRIx64 ", seq 0x%08" PRIx32 "): %s\n",
		    run->esn, top_before, seq, what);
}

/* One packet through the RTL and the reference; compare everything. */
static void replay_one(struct replay_run *run, uint32_t seq)
{
	const uint64_t top_before = run->ref.top;
	uint64_t s_ref = 0, s_rtl, top_rtl, seen_rtl[WORDS];
	bool inferred, ok_ref, ok_rtl;

	inferred = replay_ref_infer(&run->ref, run->esn, seq, &s_ref);
	ok_ref = inferred && replay_ref_check(&run->ref, s_ref);
	replay_cover_count(run, inferred, s_ref, ok_ref);
	if (ok_ref)
		replay_ref_update(&run->ref, s_ref);
	/* a packet from far ahead moved T: the sender carries on from there */
	if (run->next <= run->ref.top && run->ref.top != top_mask(run->esn))
		run->next = run->ref.top + 1;

	ok_rtl = replay_sim_packet(run->sim, run->esn, seq, &s_rtl);
	replay_sim_state(run->sim, &top_rtl, seen_rtl);

	for (unsigned k = 0; k < REPLAY_SIM_SPLITS; k++) {
		uint64_t s_split;
		const bool ok_split = replay_sim_split(run->sim, k, &s_split);

		if (ok_split != ok_ref)
			replay_report(run, ok_ref ? "replay_check_split rejects a good packet" :
			    "replay_check_split accepts a bad packet", seq, top_before);
		else if (inferred && s_split != s_ref)
			replay_report(run, "replay_check_split: inferred S differs", seq, top_before);
	}
	if (ok_rtl != ok_ref)
		replay_report(run, ok_ref ? "RTL rejects a good packet" :
		    "RTL accepts a bad packet", seq, top_before);
	else if (inferred && s_rtl != s_ref)
		replay_report(run, "inferred S differs", seq, top_before);
	else if (top_rtl != run->ref.top)
		replay_report(run, "T after the update differs", seq, top_before);
	else if (memcmp(seen_rtl, run->ref.seen, sizeof(seen_rtl)) != 0)
		replay_report(run, "window after the update differs", seq, top_before);
}

static bool replay_cover_ok(const struct replay_cover *off,
    const struct replay_cover *on)
{
	const unsigned long need[] = {
		off->new_top, off->far_jump, off->in_window, off->dup, off->old,
		off->zero, off->small_top,
		on->new_top, on->far_jump, on->in_window, on->dup, on->zero,
		on->no_space, on->esn_next, on->esn_prev, on->small_top,
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (need[i] == 0)
			return false;
	return true;
}

static void replay_cover_print(const char *name, const struct replay_cover *c)
{
	printf("     %s: %lu packets: accepted %lu newer (%lu far), %lu late; "
	    "rejected %lu seen, %lu old, %lu zero, %lu no Sh; Sh = Th+1 %lu, "
	    "Th-1 %lu; T < W %lu\n", name, c->packets, c->new_top, c->far_jump,
	    c->in_window, c->dup, c->old, c->zero, c->no_space, c->esn_next,
	    c->esn_prev, c->small_top);
}

static bool test_replay(struct prng *r, unsigned long packets)
{
	struct replay_run run[2];
	unsigned long sent = 0, sas = 0;
	bool ok;

	memset(run, 0, sizeof(run));
	for (int e = 0; e < 2; e++) {
		run[e].r = r;
		run[e].esn = e;
		run[e].sim = replay_sim_create();
		if (run[e].sim == NULL) {
			fprintf(stderr, "cannot create the replay model\n");
			replay_sim_destroy(run[0].sim);
			return false;
		}
	}
	while (sent < packets) {
		/* as many packets with ESN as without */
		struct replay_run *cur = &run[run[1].cov.packets < run[0].cov.packets];
		unsigned kinds = cur->esn ? 7 : 4;
		unsigned long n = 200 + prng_below(r, 3000);

		unsigned long left = n;

		/* new SAs often: T < W and S = 0 only happen near the start */
		replay_start(cur, prng_below(r, 4) == 0 ? 0 : prng_below(r, kinds));
		sas++;
		for (unsigned long i = 0; i < left && sent < packets; i++, sent++) {
			replay_one(cur, (uint32_t)replay_pick(cur));
			/* a sender past the end of its sequence space gets a new
			 * SA soon: a few packets of that, then a fresh start */
			if (replay_exhausted(cur) && left > i + 100)
				left = i + 100;
		}
	}
	ok = run[0].failures == 0 && run[1].failures == 0;
	printf("%s replay_check + replay_update, replay_check_split (LO_BITS 6 and 3): "
	    "%lu packets on %lu SAs vs replay_ref, %lu wrong\n", ok ? "ok  " : "FAIL", sent, sas,
	    run[0].failures + run[1].failures);
	replay_cover_print("ESN off", &run[0].cov);
	replay_cover_print("ESN on ", &run[1].cov);
	/* the rarest kind (S = 0 with ESN) comes a few dozen times in 500,000 */
	if (packets >= REPLAY_COVER_MIN && !replay_cover_ok(&run[0].cov, &run[1].cov)) {
		printf("FAIL replay: some kind of packet never occurred\n");
		ok = false;
	} else if (packets < REPLAY_COVER_MIN) {
		printf("     (coverage of every kind is checked from %d packets on)\n",
		    REPLAY_COVER_MIN);
	}
	replay_sim_destroy(run[0].sim);
	replay_sim_destroy(run[1].sim);
	return ok;
}

/*
 * replay_update alone, with any S the reference can take (S > T at any
 * distance, or inside the window), including those replay_check never
 * passes: S - T around and beyond 2^32.
 */
static bool test_replay_update(struct prng *r, unsigned long count)
{
	static const uint64_t ahead[] = {
		1, 2, W - 1, W, W + 1, 2 * W, 0xffffffffull - W, 0xffffffffull,
		0x100000000ull, 0x100000000ull + W - 1, 0x100000000ull + W,
		0x1ffffffffull, 0x200000000ull,
	};
	struct replay_sim *sim = replay_sim_create();
	unsigned long bad = 0;

	if (sim == NULL) {
		fprintf(stderr, "cannot create the replay model\n");
		return false;
	}
	for (unsigned long i = 0; i < count; i++) {
		struct replay_ref ref;
		uint64_t s, top_rtl, seen_rtl[WORDS];
		unsigned pick = prng_below(r, 4);

		replay_ref_init(&ref);
		ref.top = rand64(r) >> (prng_below(r, 2) ? 1 : 33);
		random_window(r, ref.seen);
		if (pick == 0) {
			/* late: inside the window */
			uint64_t back = prng_below(r, W);

			s = back < ref.top ? ref.top - back : ref.top + 1;
		} else {
			uint64_t d = pick == 1 ? ahead[prng_below(r, sizeof(ahead) / sizeof(ahead[0]))] :
			    pick == 2 ? ahead[prng_below(r, sizeof(ahead) / sizeof(ahead[0]))] +
			    prng_below(r, 2 * W) - W : rand64(r) >> prng_below(r, 64);

			if (d == 0 || d > UINT64_MAX - ref.top)
				d = 1;
			s = ref.top + d;
		}
		replay_sim_load(sim, ref.top, ref.seen);
		replay_sim_update(sim, s);
		replay_ref_update(&ref, s);
		replay_sim_state(sim, &top_rtl, seen_rtl);
		if (top_rtl != ref.top || memcmp(seen_rtl, ref.seen, sizeof(seen_rtl)) != 0) {
			bad++;
			if (bad <= MAX_REPORTS)
				fprintf(stderr, "FAIL replay_update: S 0x%016" PRIx64 " -> T 0x%016"
				    PRIx64 ", want 0x%016" PRIx64 " (or the window differs)\n",
				    s, top_rtl, ref.top);
		}
	}
	replay_sim_destroy(sim);
	printf("%s replay_update alone: %lu updates with any S (S - T up to 2^64) vs replay_ref, "
	    "%lu wrong\n", bad == 0 ? "ok  " : "FAIL", count, bad);
	return bad == 0;
}

/* Known answers from RFC 4303 A2.2 worked by hand, through both models. */
static bool test_replay_known(void)
{
	static const struct {
		bool esn;
		uint64_t top;
		uint32_t seq;
		bool ok;
		uint64_t s;
	} kat[] = {
		{ false, 0, 0, false, 0 },                              /* S = 0 */
		{ false, 0, 1, true, 1 },
		{ false, 5000, 5000 - W, false, 5000 - W },             /* T - W: out */
		{ false, 5000, 5000 - W + 1, true, 5000 - W + 1 },      /* T - W + 1: in */
		{ true, 0, 0xffffffffu, false, 0 },                     /* Th - 1, Th = 0 */
		{ true, 0, 0xfffffc01u, false, 0 },                     /* Bl = Tl - W + 1 */
		{ true, 0, 0xfffffc00u, true, 0xfffffc00u },
		{ true, 0x100000005ull, 0xfffffffeu, true, 0xfffffffeu },       /* Th - 1 */
		{ true, 0x100000005ull, 0x10, true, 0x100000010ull },
		{ true, 0x0fffffff0ull, 0x5, true, 0x100000005ull },    /* Th + 1 */
		{ true, 0x0fffffff0ull, 0xfffffbf1u, true, 0xfffffbf1u },       /* Bl itself */
		{ true, 0x0fffffff0ull, 0xfffffbf0u, true, 0x1fffffbf0ull },    /* below Bl */
		{ true, 0x0000013ffull, 0x0, true, 0x100000000ull },    /* Tl >= W - 1: case A */
		{ true, 0x0000003ffull, 0x0, false, 0 },                /* Tl = W - 1: Bl = 0, S = 0 */
		{ true, 0x000000400ull, 0x0, true, 0x100000000ull },    /* Tl = W: Bl = 1 */
		{ true, 0x0000003feull, 0x0, false, 0 },                /* Tl < W - 1: S = 0 */
		{ true, 0xffffffff00001000ull, 0x5, false, 0 },         /* no Th + 1 */
	};
	const uint64_t empty[WORDS] = { 0 };
	struct replay_sim *sim = replay_sim_create();
	unsigned bad = 0;

	if (sim == NULL) {
		fprintf(stderr, "cannot create the replay model\n");
		return false;
	}
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		struct replay_ref ref;
		uint64_t s_ref = 0, s_rtl;
		bool ok_ref, ok_rtl;

		replay_ref_init(&ref);
		ref.top = kat[i].top;
		ok_ref = replay_ref_infer(&ref, kat[i].esn, kat[i].seq, &s_ref) &&
		    replay_ref_check(&ref, s_ref);
		replay_sim_load(sim, kat[i].top, empty);
		ok_rtl = replay_sim_packet(sim, kat[i].esn, kat[i].seq, &s_rtl);
		if (ok_ref != kat[i].ok || (kat[i].ok && s_ref != kat[i].s)) {
			bad++;
			fprintf(stderr, "FAIL replay_ref known answer %zu\n", i);
		}
		if (ok_rtl != kat[i].ok || (kat[i].ok && s_rtl != kat[i].s)) {
			bad++;
			fprintf(stderr, "FAIL replay RTL known answer %zu\n", i);
		}
		for (unsigned k = 0; k < REPLAY_SIM_SPLITS; k++) {
			ok_rtl = replay_sim_split(sim, k, &s_rtl);
			if (ok_rtl != kat[i].ok || (kat[i].ok && s_rtl != kat[i].s)) {
				bad++;
				fprintf(stderr, "FAIL replay_check_split %u known answer %zu\n", k, i);
			}
		}
	}
	replay_sim_destroy(sim);
	printf("%s replay: %zu RFC 4303 A2.2 cases worked by hand, reference and RTL\n",
	    bad == 0 ? "ok  " : "FAIL", sizeof(kat) / sizeof(kat[0]));
	return bad == 0;
}

/* ---------------------------------------------------------------- padding */

enum { PAD_MAX_LEN = 2000, PAD_LAT = PAD_SIM_LATENCY };

/*
 * RFC 4303 2.4: the padding bytes read 1, 2, 3, ...; 2.5: the Pad Length
 * byte gives their number, "immediately preceding it"; the Next Header byte
 * ends the payload. A pad length that does not fit is invalid.
 */
static bool pad_ref(const uint8_t *pt, unsigned len, uint8_t *padlen, uint8_t *nh)
{
	unsigned first;

	*padlen = pt[len - 2];
	*nh = pt[len - 1];
	if ((unsigned)*padlen + 2 > len)
		return false;
	first = len - 2 - *padlen;
	for (unsigned i = 0; i < *padlen; i++)
		if (pt[first + i] != (uint8_t)(i + 1))
			return false;
	return true;
}

enum pad_kind {
	PAD_VALID, PAD_VALID_MAX, PAD_WRONG_BYTE, PAD_ONE_BREAK, PAD_TOO_LONG,
	PAD_SHIFTED, PAD_TINY, PAD_GARBAGE, PAD_KINDS
};

struct pad_cover {
	unsigned long kind[PAD_KINDS];
	unsigned long ok, bad;
	unsigned long beats, idles;
};

static unsigned pad_length(struct prng *r, unsigned bytes)
{
	unsigned pick = prng_below(r, 10), len;

	if (pick < 4)
		return 2 + prng_below(r, PAD_MAX_LEN - 1);
	if (pick < 7)
		return 2 + prng_below(r, 300);
	/* around a beat boundary, so pt[E-1], pt[E], pt[E+1] straddle it;
	 * the first few boundaries often, where one-beat slips show */
	len = bytes * (prng_below(r, 2) ? prng_below(r, 4) :
	    prng_below(r, PAD_MAX_LEN / bytes + 1)) + prng_below(r, 7) - 3;
	if (len < 2 || len > PAD_MAX_LEN)
		len = 2 + prng_below(r, 5);
	return len;
}

static void pad_set(uint8_t *pt, unsigned len, unsigned padlen)
{
	for (unsigned i = 0; i < padlen; i++)
		pt[len - 2 - padlen + i] = (uint8_t)(i + 1);
	pt[len - 2] = (uint8_t)padlen;
}

/* Any pad length that fits, the ends more often. */
static unsigned pad_fitting(struct prng *r, unsigned len, unsigned min)
{
	unsigned max = len - 2 < 255 ? len - 2 : 255;

	if (max < min)
		return max;
	switch (prng_below(r, 4)) {
	case 0:
		return min;
	case 1:
		return max;
	default:
		return min + prng_below(r, max - min + 1);
	}
}

/*
 * Fills pt[0..len) (and garbage to the end of the buffer) by kind. before:
 * the last byte on the bus ahead of this packet (the previous packet's
 * last beat), which a check must not take for pt[-1].
 */
static unsigned pad_make(struct prng *r, unsigned bytes, enum pad_kind kind,
    uint8_t before, uint8_t *pt, size_t size)
{
	unsigned len = pad_length(r, bytes), padlen, pos;

	prng_fill(r, pt, size);
	switch (kind) {
	case PAD_VALID:
		pad_set(pt, len, pad_fitting(r, len, 0));
		break;
	case PAD_VALID_MAX:
		len = 257 + prng_below(r, PAD_MAX_LEN - 256);
		pad_set(pt, len, 255);
		break;
	case PAD_WRONG_BYTE:
		if (len < 3)
			len = 3;
		padlen = pad_fitting(r, len, 1);
		pad_set(pt, len, padlen);
		/* the first, last and second-to-last pad bytes often */
		switch (prng_below(r, 5)) {
		case 0:
			pos = 0;
			break;
		case 1:
			pos = padlen - 1;
			break;
		case 2:
			pos = padlen >= 2 ? padlen - 2 : 0;
			break;
		default:
			pos = prng_below(r, padlen);
			break;
		}
		pos += len - 2 - padlen;
		pt[pos] = (uint8_t)(pt[pos] + (prng_below(r, 2) ? 1 + prng_below(r, 255) :
		    (prng_below(r, 2) ? 1 : 255)));
		break;
	case PAD_ONE_BREAK:
		/* pt[E-1] == padlen and every pair counts up but one: the pad
		 * bytes up to the break are shifted as a block */
		if (len < 4)
			len = 4;
		padlen = pad_fitting(r, len, 2);
		pad_set(pt, len, padlen);
		switch (prng_below(r, 3)) {
		case 0:
			pos = padlen - 2;               /* the pair (E-2, E-1) */
			break;
		case 1:
			pos = 0;                        /* the pair (E-padlen, E-padlen+1) */
			break;
		default:
			pos = prng_below(r, padlen - 1);
			break;
		}
		{
			uint8_t off = (uint8_t)(1 + prng_below(r, 255));

			for (unsigned i = 0; i <= pos; i++)
				pt[len - 2 - padlen + i] += off;
		}
		break;
	case PAD_TOO_LONG:
		/* only the length is wrong: the bytes before count up to it */
		len = 2 + prng_below(r, 255);
		padlen = len - 1 + prng_below(r, 257 - len);
		for (unsigned i = 0; i < len - 2; i++)
			pt[i] = (uint8_t)(padlen - (len - 3 - i));
		pt[len - 2] = (uint8_t)padlen;
		break;
	case PAD_TINY:
		/* 2..4 bytes, the pad length byte equal to the byte ahead of
		 * the packet: only a pt[-1] that leaked in could make it pass */
		len = 2 + prng_below(r, 3);
		pt[len - 2] = before != 0 ? before : 1;
		if (prng_below(r, 2))
			for (unsigned i = 0; i < len - 2; i++)
				pt[i] = (uint8_t)(pt[len - 2] - (len - 2 - i));
		break;
	case PAD_SHIFTED:
		/* counting up, but not from 1 to padlen */
		if (len < 3)
			len = 3;
		padlen = pad_fitting(r, len, 1);
		pad_set(pt, len, padlen);
		{
			uint8_t off = prng_below(r, 2) ? 1 : 255;

			for (unsigned i = 0; i < padlen; i++)
				pt[len - 2 - padlen + i] += off;
		}
		break;
	default:
		if (prng_below(r, 2) && len >= 3)
			pt[len - 3] = pt[len - 2];      /* pt[E-1] == padlen */
		break;
	}
	return len;
}

struct pad_expect {
	bool valid;
	bool ok;
	uint8_t padlen;
	uint8_t nh;
};

struct pad_run {
	struct pad_sim *sim;
	struct prng *r;
	unsigned bytes;
	unsigned long clock;
	struct pad_expect ring[PAD_LAT];
	uint8_t last_byte;              /* top byte of the last beat driven */
	unsigned long failures;
	struct pad_cover cov;
};

/* One clock; checks what comes out against what went in LATENCY ago. */
static void pad_clock(struct pad_run *run, const struct pad_sim_beat *beat,
    const struct pad_expect *exp)
{
	struct pad_sim_out out;
	const struct pad_expect *want;

	pad_sim_cycle(run->sim, beat, &out);
	run->ring[run->clock % PAD_LAT] = *exp;
	want = &run->ring[(run->clock + 1) % PAD_LAT];
	run->clock++;
	if (out.valid != want->valid) {
		run->failures++;
		if (run->failures <= MAX_REPORTS)
			fprintf(stderr, "FAIL pad BYTES=%u clock %lu: out_valid %d, want %d\n",
			    run->bytes, run->clock, out.valid, want->valid);
		return;
	}
	if (want->valid && (out.pad_ok != want->ok || out.padlen != want->padlen ||
	    out.nh != want->nh)) {
		run->failures++;
		if (run->failures <= MAX_REPORTS)
			fprintf(stderr, "FAIL pad BYTES=%u clock %lu: ok %d padlen %u nh %u, "
			    "want ok %d padlen %u nh %u\n", run->bytes, run->clock,
			    out.pad_ok, out.padlen, out.nh, want->ok, want->padlen,
			    want->nh);
	}
}

static void pad_idle(struct pad_run *run)
{
	struct pad_sim_beat idle;
	const struct pad_expect none = { 0 };

	/* everything but valid random: it must be ignored */
	prng_fill(run->r, idle.data, sizeof(idle.data));
	idle.valid = false;
	idle.first = prng_below(run->r, 2);
	idle.last = prng_below(run->r, 2);
	idle.ct_len = (uint16_t)prng_below(run->r, 1u << 14);
	pad_clock(run, &idle, &none);
	run->cov.idles++;
}

static void pad_packet(struct pad_run *run, const uint8_t *pt, unsigned len,
    unsigned idle_per_8)
{
	const unsigned beats = (len + run->bytes - 1) / run->bytes;
	const struct pad_expect none = { 0 };
	struct pad_expect exp;

	exp.valid = true;
	exp.ok = pad_ref(pt, len, &exp.padlen, &exp.nh);
	if (exp.ok)
		run->cov.ok++;
	else
		run->cov.bad++;
	for (unsigned j = 0; j < beats; j++) {
		struct pad_sim_beat beat;

		while (j > 0 && prng_below(run->r, 8) < idle_per_8)
			pad_idle(run);
		beat.valid = true;
		beat.first = j == 0;
		beat.last = j == beats - 1;
		/* the buffer runs on past len with garbage */
		memcpy(beat.data, pt + j * run->bytes, run->bytes);
		beat.ct_len = beat.first ? (uint16_t)len :
		    (uint16_t)prng_below(run->r, 1u << 14);
		pad_clock(run, &beat, beat.last ? &exp : &none);
		run->cov.beats++;
		run->last_byte = beat.data[run->bytes - 1];
	}
}

static bool test_pad(struct prng *r, unsigned bytes, unsigned long packets)
{
	static const unsigned kind_weight[PAD_KINDS] = { 30, 5, 20, 15, 8, 8, 4, 10 };
	static const char *const kind_name[PAD_KINDS] = {
		"valid", "valid 255", "one wrong pad byte", "one broken pair",
		"padlen + 2 > ct_len", "counting but not 1..padlen",
		"2..4 bytes", "random",
	};
	uint8_t pt[PAD_MAX_LEN + PAD_SIM_MAX_BYTES];
	struct pad_run run;
	bool ok;

	memset(&run, 0, sizeof(run));
	run.r = r;
	run.bytes = bytes;
	run.sim = pad_sim_create(bytes);
	if (run.sim == NULL) {
		fprintf(stderr, "cannot create the BYTES=%u padding model\n", bytes);
		return false;
	}
	for (unsigned long n = 0; n < packets; ) {
		/* runs of packets with their own idle-clock density */
		unsigned idle_per_8 = prng_below(r, 2) ? 0 : prng_below(r, 6);
		unsigned long run_len = 1 + prng_below(r, 64);

		for (unsigned long i = 0; i < run_len && n < packets; i++, n++) {
			unsigned pick = prng_below(r, 100), k = 0, acc = kind_weight[0];
			unsigned len;

			while (pick >= acc)
				acc += kind_weight[++k];
			len = pad_make(r, bytes, (enum pad_kind)k, run.last_byte,
			    pt, sizeof(pt));
			run.cov.kind[k]++;
			pad_packet(&run, pt, len, idle_per_8);
			while (idle_per_8 > 0 && prng_below(r, 8) < idle_per_8)
				pad_idle(&run);
		}
	}
	for (int i = 0; i < PAD_LAT; i++)
		pad_idle(&run);

	ok = run.failures == 0 && run.cov.ok > 0 && run.cov.bad > 0;
	printf("%s esp_pad_check BYTES=%u: %lu packets (%lu beats, %lu idle clocks) "
	    "vs RFC 4303 2.4/2.5, %lu pass, %lu fail, %lu wrong, latency %d\n",
	    ok ? "ok  " : "FAIL", bytes, packets, run.cov.beats, run.cov.idles,
	    run.cov.ok, run.cov.bad, run.failures, PAD_LAT);
	printf("     ");
	for (int k = 0; k < PAD_KINDS; k++) {
		printf("%s %lu%s", kind_name[k], run.cov.kind[k],
		    k + 1 < PAD_KINDS ? ", " : "\n");
		if (run.cov.kind[k] == 0)
			ok = false;
	}
	pad_sim_destroy(run.sim);
	return ok;
}

/* --------------------------------------------------------------------- main */

static bool parse_args(int argc, char **argv, unsigned long long *seed,
    unsigned long *replay_packets, unsigned long *pad_packets)
{
	if (argc % 2 != 1)
		return false;
	for (int i = 1; i + 1 < argc; i += 2) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(argv[i + 1], &end, 0);
		if (errno != 0 || *end != '\0' || argv[i + 1][0] == '\0')
			return false;
		if (strcmp(argv[i], "--seed") == 0)
			*seed = v;
		else if (strcmp(argv[i], "--replay-packets") == 0)
			*replay_packets = (unsigned long)v;
		else if (strcmp(argv[i], "--pad-packets") == 0)
			*pad_packets = (unsigned long)v;
		else
			return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned long long seed = (unsigned long long)time(NULL);
	unsigned long replay_packets = 500000, pad_packets = 200000;
	struct prng r;
	bool results[5];
	unsigned passed = 0, failed = 0;

	if (!parse_args(argc, argv, &seed, &replay_packets, &pad_packets)) {
		fprintf(stderr, "usage: %s [--seed N] [--replay-packets N] [--pad-packets N]\n",
		    argv[0]);
		return 2;
	}
	printf("anti-replay and padding test benches, seed=%llu\n", seed);
	prng_seed(&r, seed);

	results[0] = test_replay_known();
	results[1] = test_replay_update(&r, replay_packets / 25);
	results[2] = test_replay(&r, replay_packets);
	results[3] = test_pad(&r, 16, pad_packets);
	results[4] = test_pad(&r, 64, pad_packets);

	for (int i = 0; i < 5; i++) {
		if (results[i])
			passed++;
		else
			failed++;
	}
	printf("test_replay: %u passed, %u failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
