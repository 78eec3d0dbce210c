/*
 * spisync -- test bench of the SA lookup (hw/rtl/sa_lookup.v, Verilated with
 * SA_ENTRIES = 4096, TAG_BUCKETS = 2048, USER_W = 32), with the firmware's
 * placement code (firmware/sa_table.c) writing the tables: each register
 * write of its HAL is one clock of the model, and a lookup runs in (almost)
 * every clock alongside.
 *
 * Every result is checked twice:
 *  (a) exactly, against a reference of docs/datapath.md step 7 over a copy
 *      of the two memories updated with the timing sa_lookup.v documents:
 *      a lookup presented in clock n sees tag writes of clocks <= n and SA
 *      writes of clocks <= n + 4 (a write in the clock of the read itself
 *      is not seen);
 *  (b) against the test's own dictionary SPI -> SA (what was installed,
 *      not what the firmware or the card hold): outside a firmware call
 *      exactly; while a call changes an SPI, the result must be that SPI's
 *      state before or after the call, once a lookup saw the new state
 *      no later one may see the old, and in a replace by a new SPI no
 *      lookup finds the new SPI absent after one found the old SPI gone.
 *
 * Phases: the model's RAMs start random and sa_table_init clears them;
 * 4000 random SAs are installed (IPv4/IPv6, UDP encapsulation, random
 * destinations, SPIs 0xFF000000.. and 0xFFFFFFFF among them); 200,000
 * back-to-back lookups mix hits and every kind of miss; deletes, replaces
 * and adds run with lookups every clock, many aimed at the SPIs changing
 * and at the SPIs sharing their buckets (the ones a cuckoo move displaces);
 * finally raw writes the firmware never makes: at exact offsets from a
 * lookup (the documented read-during-write behaviour, checked without the
 * reference), duplicate slots (lowest table and way wins), slots of an SPI
 * one bit off, naming an index >= SA_ENTRIES, or an entry of another SPI
 * or not VALID (never a hit).
 *
 * usage: test_lookup [--seed N] [--lookups N] [--ops N]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lookup/lookup_sim.h"
#include "prng.h"
#include "sa_table.h"

enum {
	ENTRIES = LOOKUP_SIM_ENTRIES,
	BUCKETS = LOOKUP_SIM_BUCKETS,
	WAYS = 2,
	WORDS = LOOKUP_SIM_WORDS,
	/* lookup_sim_cycle() calls from a lookup to its result */
	OUT_DELAY = LOOKUP_SIM_LATENCY - 1,
	/* documented: a lookup of clock n sees tag writes of clocks <= n +
	 * TAG_SEEN and SA writes of clocks <= n + SA_SEEN */
	TAG_SEEN = 0,
	SA_SEEN = 4,
	RING = 16,
	OP_GAP = 12,            /* clocks without writes between firmware calls */
	INSTALL = 4000,
	DICT_SIZE = 16384,      /* power of two */
	MAX_DEFER = 8192,
	MAX_REPORTS = 20,
	INDEX_NONE = 0xFFFF,
};

#define GEN_MASK (0xFFu << SPISYNC_SA_GEN_LSB)

/* ---------------------------------------------------------------------
 * SA entry fields (docs/register-map.md) and step 7.
 * ------------------------------------------------------------------- */

static unsigned e_bit(const uint32_t *e, unsigned word, unsigned lsb)
{
	return (e[word] >> lsb) & 1u;
}

static bool e_valid(const uint32_t *e)
{
	return e_bit(e, SPISYNC_SA_VALID_WORD, SPISYNC_SA_VALID_LSB);
}

static bool e_ipv6(const uint32_t *e)
{
	return e_bit(e, SPISYNC_SA_IPV6_WORD, SPISYNC_SA_IPV6_LSB);
}

static bool e_udp(const uint32_t *e)
{
	return e_bit(e, SPISYNC_SA_UDP_ENCAP_WORD, SPISYNC_SA_UDP_ENCAP_LSB);
}

static uint16_t e_dport(const uint32_t *e)
{
	return (uint16_t)(e[SPISYNC_SA_DPORT_WORD] >> SPISYNC_SA_DPORT_LSB);
}

static uint8_t e_dst_byte(const uint32_t *e, unsigned i)
{
	return (uint8_t)(e[SPISYNC_SA_DST_WORD + i / 4] >> (8 * (i % 4)));
}

/* docs/datapath.md step 7, given the entry the tag led to */
static bool step7(const uint32_t *e, const struct lookup_sim_in *in)
{
	const unsigned dst_len = in->ipv6 ? 16 : 4;

	if (!e_valid(e) || e[SPISYNC_SA_SPI_WORD] != in->spi)
		return false;
	if (e_ipv6(e) != in->ipv6 || e_udp(e) != in->udp)
		return false;
	if (e_udp(e) && e_dport(e) != in->dport)
		return false;
	for (unsigned i = 0; i < dst_len; i++)
		if (e_dst_byte(e, i) != in->dst[i])
			return false;
	return true;
}

/* H3 bucket, written here again from the constants of spisync_hw.h */
static uint32_t ref_bucket(unsigned table, uint32_t spi)
{
	const uint16_t *rows = table ? spisync_tag_hash1 : spisync_tag_hash0;
	uint32_t h = 0;

	for (unsigned i = 0; i < 32; i++)
		if (spi & (1u << i))
			h ^= rows[i];
	return h % BUCKETS;
}

/* ---------------------------------------------------------------------
 * The bench.
 * ------------------------------------------------------------------- */

enum kind {
	K_MATCH, K_BAD_DST, K_V4_HIGH_BYTES, K_BAD_VERSION, K_BAD_ENCAP,
	K_BAD_DPORT, K_UNKNOWN, K_HIGH_SPI, K_RESERVED, K_FOCUS, K_NEIGHBOUR,
	K_PROBE, K_COUNT
};

static const char *const kind_name[K_COUNT] = {
	"installed, all fields right", "installed, wrong dst",
	"IPv4 SA, bytes 4..15 of dst set", "installed, wrong IP version",
	"installed, wrong encapsulation", "installed, wrong UDP dport",
	"unknown SPI", "SPI 0xFF......", "SPI < 256",
	"SPI being changed", "SPI sharing its buckets",
	"read-during-write probe",
};

struct result {
	bool hit;
	uint16_t index;
	uint32_t entry[WORDS];
};

struct pending {
	bool valid;
	uint64_t clock;
	enum kind kind;
	struct lookup_sim_in in;
	bool tag_hit;                   /* (a): the tag part */
	uint16_t tag_index;
	struct result ref;              /* (a): the whole result */
};

struct mslot {
	uint32_t spi;
	uint16_t index;
	bool valid;
};

/* one SPI's state as the dictionary holds it */
struct snap {
	bool installed;
	uint16_t index;
	uint32_t entry[WORDS];          /* as requested; GEN is the firmware's */
};

struct checked {
	struct pending p;
	struct lookup_sim_out out;
};

/* a firmware call in progress (or the last one) */
struct op {
	bool valid;
	bool active;
	bool started;
	uint64_t start;                 /* first and last write clocks */
	uint64_t end;
	unsigned n_spis;
	uint32_t spi[2];
	struct snap before[2];
	struct snap after[2];
	bool saw_after[2];
	/* two SPIs (old, new): the first lookup that found the old one gone
	 * and the last that found the new one not there yet */
	bool old_gone;
	uint64_t old_gone_at;
	bool new_absent;
	uint64_t new_absent_at;
	unsigned tag_writes;
	unsigned n_deferred;
	struct checked deferred[MAX_DEFER];
};

struct dict_slot {
	uint32_t spi;                   /* 0: empty (SPIs here are >= 256) */
	uint16_t index;
};

struct tb {
	struct lookup_sim *sim;
	struct prng rng;
	uint64_t clock;

	/* the register block in front of the write ports */
	uint32_t stage[WORDS];
	uint32_t tag_spi;
	uint32_t tag_index;

	/* (a): the memories, with documented timing */
	struct mslot mtag[2][BUCKETS][WAYS];
	uint32_t msa[ENTRIES][WORDS];
	struct pending ring[RING];

	/* (b): the dictionary */
	struct dict_slot dict[DICT_SIZE];
	uint32_t dict_entry[ENTRIES][WORDS];
	uint32_t inst[ENTRIES];         /* installed SPIs, for sampling */
	unsigned n_inst;
	bool semantic;
	struct op op;

	/* traffic */
	bool traffic;
	unsigned idle_percent;
	unsigned focus_percent;
	unsigned n_focus;
	uint32_t focus_entry[2][WORDS];
	bool forced;
	struct lookup_sim_in forced_in;
	uint64_t probe_clock;
	bool probe_done;
	struct lookup_sim_out probe_out;

	/* the firmware */
	struct sa_table table;
	struct sa_tag_slot slots[2 * BUCKETS * WAYS];
	uint32_t spi_of[ENTRIES];
	uint8_t gen_of[ENTRIES];
	bool used[ENTRIES];

	/* counts */
	unsigned long lookups;
	unsigned long hits;
	unsigned long by_kind[K_COUNT];
	unsigned long hits_by_kind[K_COUNT];
	unsigned long failures;
	unsigned long tag_rdw;          /* tag write to a bucket in the clock it is read */
	unsigned long tag_rdw_spi;      /* ... to or from the slot of the SPI looked up */
	unsigned long sa_rdw;           /* SA write to the index in the clock it is read */
	unsigned long transitions;      /* lookups that saw an SPI's new state during a call */
	unsigned long moves;            /* cuckoo moves: tag writes of an add beyond the first */
	unsigned long moving_adds;      /* adds that needed moves */
	unsigned long break_checks;     /* new-SPI replaces with both gone/absent samples */
	unsigned long writes;
};

static void fail(struct tb *tb, const char *fmt, const char *what,
    const struct pending *p, const struct lookup_sim_out *out)
{
	tb->failures++;
	if (tb->failures > MAX_REPORTS)
		return;
	fprintf(stderr, "FAIL clock %llu (%s) spi 0x%08x ipv6 %d udp %d dport %u: %s",
	    (unsigned long long)p->clock, kind_name[p->kind], p->in.spi,
	    p->in.ipv6, p->in.udp, p->in.dport, what);
	if (out != NULL)
		fprintf(stderr, " [got valid %d hit %d index %u]", out->valid,
		    out->hit, out->index);
	fprintf(stderr, "%s\n", fmt);
}

/* ---- dictionary: open addressing, linear probing, backward-shift delete */

static unsigned dict_home(uint32_t spi)
{
	return (unsigned)((spi * 0x9E3779B1u) >> 18) & (DICT_SIZE - 1);
}

static struct dict_slot *dict_find(struct tb *tb, uint32_t spi)
{
	for (unsigned i = dict_home(spi);; i = (i + 1) & (DICT_SIZE - 1)) {
		if (tb->dict[i].spi == spi)
			return &tb->dict[i];
		if (tb->dict[i].spi == 0)
			return NULL;
	}
}

static void dict_put(struct tb *tb, uint32_t spi, uint16_t index,
    const uint32_t entry[WORDS])
{
	unsigned i = dict_home(spi);

	while (tb->dict[i].spi != 0)
		i = (i + 1) & (DICT_SIZE - 1);
	tb->dict[i].spi = spi;
	tb->dict[i].index = index;
	memcpy(tb->dict_entry[index], entry, sizeof(tb->dict_entry[index]));
	tb->inst[tb->n_inst++] = spi;
}

static void dict_remove(struct tb *tb, uint32_t spi)
{
	struct dict_slot *s = dict_find(tb, spi);
	unsigned hole, i;

	if (s == NULL)
		return;
	for (unsigned k = 0; k < tb->n_inst; k++) {
		if (tb->inst[k] == spi) {
			tb->inst[k] = tb->inst[--tb->n_inst];
			break;
		}
	}
	hole = (unsigned)(s - tb->dict);
	tb->dict[hole].spi = 0;
	for (i = (hole + 1) & (DICT_SIZE - 1); tb->dict[i].spi != 0;
	    i = (i + 1) & (DICT_SIZE - 1)) {
		const unsigned home = dict_home(tb->dict[i].spi);
		/* move back unless its home lies cyclically in (hole, i] */
		const bool stays = hole <= i ? (home > hole && home <= i)
		                             : (home > hole || home <= i);

		if (!stays) {
			tb->dict[hole] = tb->dict[i];
			tb->dict[i].spi = 0;
			hole = i;
		}
	}
}

static struct snap dict_snap(struct tb *tb, uint32_t spi)
{
	struct snap s;
	const struct dict_slot *d = dict_find(tb, spi);

	memset(&s, 0, sizeof(s));
	if (d != NULL) {
		s.installed = true;
		s.index = d->index;
		memcpy(s.entry, tb->dict_entry[d->index], sizeof(s.entry));
	}
	return s;
}

/* ---- (a): the reference of the two memories ---- */

static void mirror_apply(struct tb *tb, const struct lookup_sim_wr *wr)
{
	if (wr->tag_en && wr->tag_way < WAYS && wr->tag_bucket < BUCKETS) {
		struct mslot *s = &tb->mtag[wr->tag_table][wr->tag_bucket][wr->tag_way];

		s->spi = wr->tag_spi;
		s->index = wr->tag_index;
		s->valid = wr->tag_valid;
	}
	if (wr->sa_en && wr->sa_index < ENTRIES)
		memcpy(tb->msa[wr->sa_index], wr->sa_data, sizeof(tb->msa[0]));
}

static void ref_tag_part(struct tb *tb, struct pending *p)
{
	p->tag_hit = false;
	p->tag_index = 0;
	if (!p->valid)
		return;
	for (unsigned t = 0; t < 2 && !p->tag_hit; t++) {
		const uint32_t b = ref_bucket(t, p->in.spi);

		for (unsigned w = 0; w < WAYS; w++) {
			const struct mslot *s = &tb->mtag[t][b][w];

			if (s->valid && s->spi == p->in.spi && s->index < ENTRIES) {
				p->tag_hit = true;
				p->tag_index = s->index;
				break;
			}
		}
	}
}

static void ref_sa_part(struct tb *tb, struct pending *p)
{
	memset(&p->ref, 0, sizeof(p->ref));
	p->ref.index = INDEX_NONE;
	if (!p->valid || !p->tag_hit)
		return;
	if (step7(tb->msa[p->tag_index], &p->in)) {
		p->ref.hit = true;
		p->ref.index = p->tag_index;
		memcpy(p->ref.entry, tb->msa[p->tag_index], sizeof(p->ref.entry));
	}
}

/* ---- (b): results expected from the dictionary ---- */

static void expect_from_snap(const struct snap *s, const struct lookup_sim_in *in,
    struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->index = INDEX_NONE;
	if (s->installed && step7(s->entry, in)) {
		r->hit = true;
		r->index = s->index;
		memcpy(r->entry, s->entry, sizeof(r->entry));
	}
}

/* the card's result equals r, GEN aside (the firmware picks GEN, never 0) */
static bool result_matches(const struct result *r, const struct lookup_sim_out *out)
{
	if (out->hit != r->hit || out->index != r->index)
		return false;
	for (unsigned w = 0; w < WORDS; w++) {
		const uint32_t mask = w == SPISYNC_SA_GEN_WORD ? ~GEN_MASK : ~0u;

		if ((out->entry[w] & mask) != (r->entry[w] & mask))
			return false;
	}
	return !out->hit || (out->entry[SPISYNC_SA_GEN_WORD] & GEN_MASK) != 0;
}

static int op_spi(const struct op *op, uint32_t spi)
{
	for (unsigned k = 0; k < op->n_spis; k++)
		if (op->spi[k] == spi)
			return (int)k;
	return -1;
}

/* a lookup of a changing SPI: its state before or after the call, and
 * never the old one again once the new one was seen */
static void check_transition(struct tb *tb, struct op *op, int k,
    const struct pending *p, const struct lookup_sim_out *out)
{
	struct result before, after;
	bool is_before, is_after;

	expect_from_snap(&op->before[k], &p->in, &before);
	expect_from_snap(&op->after[k], &p->in, &after);
	is_before = result_matches(&before, out);
	is_after = result_matches(&after, out);
	if (!is_before && !is_after) {
		fail(tb, "", "neither the state before nor after the call", p, out);
		return;
	}
	if (is_after && !is_before) {
		if (!op->saw_after[k])
			tb->transitions++;
		op->saw_after[k] = true;
	}
	if (is_before && !is_after && op->saw_after[k])
		fail(tb, "", "the old state again after the new one was seen", p, out);
	if (op->n_spis == 2) {
		/* make before break: once the old SPI is gone the new one is there */
		if (k == 0 && before.hit && !out->hit && !op->old_gone) {
			op->old_gone = true;
			op->old_gone_at = p->clock;
		}
		if (k == 1 && after.hit && !out->hit) {
			op->new_absent = true;
			op->new_absent_at = p->clock;
		}
		if (op->old_gone && op->new_absent && op->old_gone_at < op->new_absent_at) {
			fail(tb, "", "both SPIs of a replace missing (break before make)", p, out);
			op->old_gone = false;
		}
	}
}

static void check_semantic(struct tb *tb, const struct pending *p,
    const struct lookup_sim_out *out)
{
	struct op *op = &tb->op;
	const int k = op->valid ? op_spi(op, p->in.spi) : -1;
	struct snap s;
	struct result want;

	if (!tb->semantic)
		return;
	if (k >= 0 && op->started && op->start <= p->clock + SA_SEEN &&
	    (op->active || op->end > p->clock)) {
		if (!op->active) {
			check_transition(tb, op, k, p, out);
		} else if (op->n_deferred < MAX_DEFER) {
			op->deferred[op->n_deferred].p = *p;
			op->deferred[op->n_deferred].out = *out;
			op->n_deferred++;
		} else {
			fail(tb, "", "too many lookups during one call", p, out);
		}
		return;
	}
	s = dict_snap(tb, p->in.spi);
	expect_from_snap(&s, &p->in, &want);
	if (!result_matches(&want, out)) {
		char detail[64];

		snprintf(detail, sizeof(detail), " [dictionary: hit %d index %u]",
		    want.hit, want.index);
		fail(tb, detail, "differs from the dictionary", p, out);
	}
}

static void check_output(struct tb *tb, const struct pending *p,
    const struct lookup_sim_out *out)
{
	if (out->valid != p->valid) {
		fail(tb, "", "out_valid not LATENCY clocks after in_valid", p, out);
		return;
	}
	if (!p->valid)
		return;
	tb->lookups++;
	tb->by_kind[p->kind]++;
	if (out->hit) {
		tb->hits++;
		tb->hits_by_kind[p->kind]++;
	}
	if (out->user != p->in.user)
		fail(tb, "", "out_user is not this lookup's in_user", p, out);
	if (out->hit != p->ref.hit || out->index != p->ref.index ||
	    memcmp(out->entry, p->ref.entry, sizeof(out->entry)) != 0) {
		char detail[64];

		snprintf(detail, sizeof(detail), " [reference: hit %d index %u]",
		    p->ref.hit, p->ref.index);
		fail(tb, detail, "differs from the reference memories", p, out);
	}
	check_semantic(tb, p, out);
	if (p->clock == tb->probe_clock) {
		tb->probe_out = *out;
		tb->probe_done = true;
	}
}

/* ---- traffic ---- */

static void fields_of(struct tb *tb, const uint32_t *e, struct lookup_sim_in *in)
{
	in->spi = e[SPISYNC_SA_SPI_WORD];
	in->ipv6 = e_ipv6(e);
	in->udp = e_udp(e);
	in->dport = in->udp ? e_dport(e) : (uint16_t)prng_next(&tb->rng);
	memset(in->dst, 0, sizeof(in->dst));
	for (unsigned i = 0; i < (in->ipv6 ? 16u : 4u); i++)
		in->dst[i] = e_dst_byte(e, i);
}

static void random_fields(struct tb *tb, uint32_t spi, struct lookup_sim_in *in)
{
	in->spi = spi;
	in->ipv6 = prng_below(&tb->rng, 2);
	in->udp = prng_below(&tb->rng, 2);
	in->dport = prng_below(&tb->rng, 2) ? 4500 : (uint16_t)prng_next(&tb->rng);
	memset(in->dst, 0, sizeof(in->dst));
	prng_fill(&tb->rng, in->dst, in->ipv6 ? 16 : 4);
}

static const uint32_t *random_installed(struct tb *tb)
{
	const uint32_t spi = tb->inst[prng_below(&tb->rng, tb->n_inst)];

	return tb->dict_entry[dict_find(tb, spi)->index];
}

static uint32_t unknown_spi(struct tb *tb)
{
	uint32_t spi;

	do
		spi = (uint32_t)prng_next(&tb->rng);
	while (spi < 256 || dict_find(tb, spi) != NULL);
	return spi;
}

static enum kind pick_kind(struct tb *tb)
{
	static const struct {
		enum kind k;
		unsigned weight;
	} mix[] = {
		{ K_MATCH, 36 }, { K_BAD_DST, 10 }, { K_V4_HIGH_BYTES, 5 },
		{ K_BAD_VERSION, 6 }, { K_BAD_ENCAP, 6 }, { K_BAD_DPORT, 6 },
		{ K_UNKNOWN, 20 }, { K_HIGH_SPI, 8 }, { K_RESERVED, 3 },
	};
	unsigned r;

	if (tb->n_focus > 0 && prng_below(&tb->rng, 100) < tb->focus_percent)
		return prng_below(&tb->rng, 3) == 0 ? K_NEIGHBOUR : K_FOCUS;
	if (tb->n_inst == 0)
		return K_UNKNOWN;
	r = prng_below(&tb->rng, 100);
	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		if (r < mix[i].weight)
			return mix[i].k;
		r -= mix[i].weight;
	}
	return K_MATCH;
}

static void make_lookup(struct tb *tb, enum kind k, struct lookup_sim_in *in)
{
	const uint32_t *e;
	uint32_t spi;

	switch (k) {
	case K_FOCUS:
		fields_of(tb, tb->focus_entry[prng_below(&tb->rng, tb->n_focus)], in);
		return;
	case K_NEIGHBOUR:
		/* an SPI in one of the changing SPI's buckets: the first a cuckoo
		 * move would displace */
		spi = tb->focus_entry[prng_below(&tb->rng, tb->n_focus)][SPISYNC_SA_SPI_WORD];
		{
			const unsigned t = prng_below(&tb->rng, 2);
			const struct mslot *m = &tb->mtag[t][ref_bucket(t, spi)][prng_below(&tb->rng, WAYS)];
			const struct dict_slot *d = m->valid ? dict_find(tb, m->spi) : NULL;

			if (d != NULL && m->spi != spi) {
				fields_of(tb, tb->dict_entry[d->index], in);
				return;
			}
		}
		break;
	case K_UNKNOWN:
		random_fields(tb, unknown_spi(tb), in);
		return;
	case K_RESERVED:
		random_fields(tb, prng_below(&tb->rng, 256), in);
		return;
	case K_HIGH_SPI:
		spi = prng_below(&tb->rng, 8) == 0 ? 0xFFFFFFFFu
		    : 0xFF000000u + prng_below(&tb->rng, 64);
		if (dict_find(tb, spi) != NULL)
			fields_of(tb, tb->dict_entry[dict_find(tb, spi)->index], in);
		else
			random_fields(tb, spi, in);
		return;
	default:
		break;
	}
	e = random_installed(tb);
	fields_of(tb, e, in);
	switch (k) {
	case K_BAD_DST: {
		const unsigned byte = prng_below(&tb->rng, in->ipv6 ? 16 : 4);

		in->dst[byte] ^= (uint8_t)(1u << prng_below(&tb->rng, 8));
		break;
	}
	case K_V4_HIGH_BYTES:
		if (!in->ipv6)
			prng_fill(&tb->rng, in->dst + 4, 12);
		break;
	case K_BAD_VERSION:
		in->ipv6 = !in->ipv6;
		break;
	case K_BAD_ENCAP:
		in->udp = !in->udp;
		break;
	case K_BAD_DPORT:
		in->dport ^= (uint16_t)(1u << prng_below(&tb->rng, 16));
		break;
	default:
		break;
	}
}

static void next_lookup(struct tb *tb, struct pending *p)
{
	memset(p, 0, sizeof(*p));
	p->clock = tb->clock;
	if (tb->forced) {
		p->valid = true;
		p->kind = K_PROBE;
		p->in = tb->forced_in;
		tb->forced = false;
	} else if (tb->traffic && prng_below(&tb->rng, 100) >= tb->idle_percent) {
		p->valid = true;
		p->kind = pick_kind(tb);
		make_lookup(tb, p->kind, &p->in);
	}
	p->in.valid = p->valid;
	p->in.user = (uint32_t)prng_next(&tb->rng);
}

/* tag / SA writes landing in the very clock a lookup reads the same word */
static void count_collisions(struct tb *tb, const struct lookup_sim_wr *wr)
{
	const struct pending *tag_reader = &tb->ring[(tb->clock - TAG_SEEN - 1) % RING];
	const struct pending *sa_reader = &tb->ring[(tb->clock - SA_SEEN - 1) % RING];

	if (tb->clock < SA_SEEN + 1)
		return;
	if (wr->tag_en && tag_reader->valid &&
	    ref_bucket(wr->tag_table, tag_reader->in.spi) == wr->tag_bucket) {
		const struct mslot *old = &tb->mtag[wr->tag_table][wr->tag_bucket][wr->tag_way];

		tb->tag_rdw++;
		if ((old->valid && old->spi == tag_reader->in.spi) ||
		    (wr->tag_valid && wr->tag_spi == tag_reader->in.spi))
			tb->tag_rdw_spi++;
	}
	if (wr->sa_en && sa_reader->valid && sa_reader->tag_hit &&
	    sa_reader->tag_index == wr->sa_index)
		tb->sa_rdw++;
}

/* One clock: a lookup (or none), the writes wr (or none), the checks. */
static void tb_step(struct tb *tb, const struct lookup_sim_wr *wr)
{
	struct pending *p = &tb->ring[tb->clock % RING];
	struct lookup_sim_out out;

	next_lookup(tb, p);
	lookup_sim_cycle(tb->sim, &p->in, wr, &out);
	if (wr != NULL) {
		count_collisions(tb, wr);
		mirror_apply(tb, wr);
		tb->writes++;
		if (tb->op.active) {
			if (!tb->op.started) {
				tb->op.started = true;
				tb->op.start = tb->clock;
			}
			tb->op.end = tb->clock;
			tb->op.tag_writes += wr->tag_en;
		}
	}
	/* the reference memories now hold the writes of clocks <= this one */
	ref_tag_part(tb, p);
	if (tb->clock >= SA_SEEN)
		ref_sa_part(tb, &tb->ring[(tb->clock - SA_SEEN) % RING]);
	if (tb->clock >= OUT_DELAY)
		check_output(tb, &tb->ring[(tb->clock - OUT_DELAY) % RING], &out);
	tb->clock++;
}

static void tb_idle(struct tb *tb, unsigned clocks)
{
	for (unsigned i = 0; i < clocks; i++)
		tb_step(tb, NULL);
}

/* ---- the register block: the firmware's HAL ---- */

static void hal_write32(void *ctx, uint32_t offset, uint32_t value)
{
	struct tb *tb = ctx;
	struct lookup_sim_wr wr;

	memset(&wr, 0, sizeof(wr));
	if (offset >= SPISYNC_REG_SA_STAGE(0) && offset < SPISYNC_REG_SA_STAGE(WORDS)) {
		tb->stage[(offset - SPISYNC_REG_SA_STAGE(0)) / 4] = value;
	} else if (offset == SPISYNC_REG_SA_WRITE) {
		wr.sa_en = true;
		wr.sa_index = (uint16_t)value;
		memcpy(wr.sa_data, tb->stage, sizeof(wr.sa_data));
	} else if (offset == SPISYNC_REG_TAG_SPI) {
		tb->tag_spi = value;
	} else if (offset == SPISYNC_REG_TAG_INDEX) {
		tb->tag_index = value;
	} else if (offset == SPISYNC_REG_TAG_WRITE) {
		wr.tag_en = true;
		wr.tag_table = value >> 31;
		wr.tag_way = (uint8_t)(value >> 16);
		wr.tag_bucket = (uint16_t)value;
		wr.tag_spi = tb->tag_spi;
		wr.tag_valid = (tb->tag_index & SPISYNC_TAG_INDEX_VALID) != 0;
		wr.tag_index = (uint16_t)tb->tag_index;
	} else {
		tb->failures++;
		fprintf(stderr, "FAIL firmware wrote unknown register 0x%04x\n", offset);
	}
	tb_step(tb, (wr.sa_en || wr.tag_en) ? &wr : NULL);
}

/* ---- firmware calls as checked operations ---- */

static void op_begin(struct tb *tb, unsigned n, const uint32_t *spis)
{
	struct op *op = &tb->op;

	op->valid = true;
	op->active = true;
	op->started = false;
	op->n_spis = n;
	op->n_deferred = 0;
	op->old_gone = false;
	op->new_absent = false;
	op->tag_writes = 0;
	for (unsigned k = 0; k < n; k++) {
		op->spi[k] = spis[k];
		op->before[k] = dict_snap(tb, spis[k]);
		op->saw_after[k] = false;
	}
}

/* the dictionary has been updated: check what waited for the outcome */
static void op_end(struct tb *tb)
{
	struct op *op = &tb->op;

	for (unsigned k = 0; k < op->n_spis; k++)
		op->after[k] = dict_snap(tb, op->spi[k]);
	op->active = false;
	for (unsigned i = 0; i < op->n_deferred; i++) {
		const struct checked *c = &op->deferred[i];

		check_transition(tb, op, op_spi(op, c->p.in.spi), &c->p, &c->out);
	}
	op->n_deferred = 0;
}

/* after op_end and the gap: every lookup of the call has been checked */
static void op_count_break_checks(struct tb *tb)
{
	if (tb->op.n_spis == 2 && tb->op.old_gone && tb->op.new_absent)
		tb->break_checks++;
}

static void random_entry(struct tb *tb, uint32_t spi, uint32_t e[WORDS])
{
	static const unsigned icv[3] = { 8, 12, 16 };
	const bool ipv6 = prng_below(&tb->rng, 2);
	const bool udp = prng_below(&tb->rng, 10) < 3;

	for (unsigned w = 0; w < WORDS; w++)
		e[w] = (uint32_t)prng_next(&tb->rng);
	e[0] = 1u | (uint32_t)ipv6 << 1 | (uint32_t)prng_below(&tb->rng, 2) << 2 |
	    (uint32_t)prng_below(&tb->rng, 2) << 3 | (uint32_t)udp << 4 |
	    (uint32_t)prng_below(&tb->rng, 3) << 5 |
	    (uint32_t)icv[prng_below(&tb->rng, 3)] << 8 |
	    (uint32_t)prng_below(&tb->rng, 256) << 16;
	e[SPISYNC_SA_SPI_WORD] = spi;
	if (prng_below(&tb->rng, 4) != 0)
		e[SPISYNC_SA_DPORT_WORD] = (e[SPISYNC_SA_DPORT_WORD] & 0xFFFFu) | (4500u << 16);
	/* IPv4: mostly zero past byte 3, sometimes not (only 4 bytes count) */
	if (!ipv6 && prng_below(&tb->rng, 4) != 0)
		for (unsigned w = SPISYNC_SA_DST_WORD + 1; w < SPISYNC_SA_DST_WORD + 4; w++)
			e[w] = 0;
}

static void set_focus(struct tb *tb, unsigned n, const uint32_t *e0, const uint32_t *e1)
{
	tb->n_focus = n;
	if (n > 0)
		memcpy(tb->focus_entry[0], e0, sizeof(tb->focus_entry[0]));
	if (n > 1)
		memcpy(tb->focus_entry[1], e1, sizeof(tb->focus_entry[1]));
}

static bool do_add(struct tb *tb, const uint32_t e[WORDS])
{
	const uint32_t spi = e[SPISYNC_SA_SPI_WORD];
	uint32_t index;
	int rc;

	set_focus(tb, 1, e, NULL);
	tb_idle(tb, OP_GAP / 2);
	op_begin(tb, 1, &spi);
	rc = sa_table_add(&tb->table, e, &index);
	if (rc == SA_OK)
		dict_put(tb, spi, (uint16_t)index, e);
	op_end(tb);
	tb_idle(tb, OP_GAP);
	set_focus(tb, 0, NULL, NULL);
	if (tb->op.tag_writes > 1) {
		tb->moves += tb->op.tag_writes - 1;
		tb->moving_adds++;
	}
	if (rc != SA_OK) {
		tb->failures++;
		fprintf(stderr, "FAIL sa_table_add(0x%08x): %d\n", spi, rc);
	}
	return rc == SA_OK;
}

static void do_del(struct tb *tb, uint32_t spi)
{
	const uint16_t index = dict_find(tb, spi)->index;
	int rc;

	set_focus(tb, 1, tb->dict_entry[index], NULL);
	tb_idle(tb, OP_GAP / 2);
	op_begin(tb, 1, &spi);
	rc = sa_table_del(&tb->table, index);
	if (rc == SA_OK)
		dict_remove(tb, spi);
	op_end(tb);
	tb_idle(tb, OP_GAP);
	set_focus(tb, 0, NULL, NULL);
	if (rc != SA_OK) {
		tb->failures++;
		fprintf(stderr, "FAIL sa_table_del(%u): %d\n", index, rc);
	}
}

static void do_replace(struct tb *tb, uint32_t old_spi, const uint32_t e[WORDS])
{
	const uint16_t old_index = dict_find(tb, old_spi)->index;
	const uint32_t spis[2] = { old_spi, e[SPISYNC_SA_SPI_WORD] };
	uint32_t new_index;
	int rc;

	set_focus(tb, 2, tb->dict_entry[old_index], e);
	tb_idle(tb, OP_GAP / 2);
	op_begin(tb, spis[0] == spis[1] ? 1 : 2, spis);
	rc = sa_table_replace(&tb->table, old_index, e, &new_index);
	if (rc == SA_OK) {
		dict_remove(tb, old_spi);
		dict_put(tb, spis[1], (uint16_t)new_index, e);
	}
	op_end(tb);
	tb_idle(tb, OP_GAP);
	op_count_break_checks(tb);
	set_focus(tb, 0, NULL, NULL);
	if (rc != SA_OK) {
		tb->failures++;
		fprintf(stderr, "FAIL sa_table_replace(%u): %d\n", old_index, rc);
	}
}

/* ---- phases ---- */

static bool phase_init(struct tb *tb)
{
	const struct sa_hal hal = { tb, hal_write32 };
	int rc;

	lookup_sim_reset(tb->sim);
	tb->traffic = false;
	rc = sa_table_init(&tb->table, &hal, ENTRIES, BUCKETS, tb->slots,
	    tb->spi_of, tb->gen_of, tb->used);
	if (rc != SA_OK) {
		fprintf(stderr, "FAIL sa_table_init: %d\n", rc);
		return false;
	}
	tb_idle(tb, OUT_DELAY + 1);
	printf("init: %llu clocks (every tag slot and SA entry written)\n",
	    (unsigned long long)tb->clock);
	return true;
}

static void phase_install(struct tb *tb, unsigned count)
{
	unsigned high = 0;
	const uint64_t start = tb->clock;

	tb->traffic = true;
	tb->semantic = true;
	tb->idle_percent = 10;
	tb->focus_percent = 30;
	for (unsigned n = 0; n < count; n++) {
		uint32_t spi, e[WORDS];

		if (n % 32 == 5 && high < 64)
			spi = 0xFF000000u + high++;
		else if (n == count / 2)
			spi = 0xFFFFFFFFu;
		else
			spi = unknown_spi(tb);
		if (dict_find(tb, spi) != NULL)
			spi = unknown_spi(tb);
		random_entry(tb, spi, e);
		if (!do_add(tb, e))
			return;
	}
	printf("install: %u SAs in %llu clocks, lookups running alongside\n",
	    tb->n_inst, (unsigned long long)(tb->clock - start));
}

static void phase_lookups(struct tb *tb, unsigned long count)
{
	const unsigned long before = tb->lookups;

	tb->idle_percent = 0;
	tb->focus_percent = 0;
	tb_idle(tb, (unsigned)count);
	tb_idle(tb, OUT_DELAY);
	printf("lookups: %lu back to back, no writes\n", tb->lookups - before);
}

static void phase_churn(struct tb *tb, unsigned ops)
{
	unsigned dels = 0, same = 0, other = 0, adds = 0;
	const uint64_t start = tb->clock;

	tb->idle_percent = 0;
	tb->focus_percent = 50;
	for (unsigned n = 0; n < ops && tb->failures == 0; n++) {
		const unsigned r = prng_below(&tb->rng, 100);
		const uint32_t spi = tb->inst[prng_below(&tb->rng, tb->n_inst)];
		uint32_t e[WORDS];

		if (r < 35 || tb->n_inst + 1 >= ENTRIES) {
			do_del(tb, spi);
			dels++;
		} else if (r < 70) {
			random_entry(tb, spi, e);
			do_replace(tb, spi, e);
			same++;
		} else if (r < 85) {
			random_entry(tb, unknown_spi(tb), e);
			do_replace(tb, spi, e);
			other++;
		} else {
			random_entry(tb, unknown_spi(tb), e);
			do_add(tb, e);
			adds++;
		}
		/* keep the population near INSTALL */
		while (tb->n_inst < INSTALL - 10 && tb->failures == 0) {
			random_entry(tb, unknown_spi(tb), e);
			do_add(tb, e);
			adds++;
		}
	}
	tb_idle(tb, OUT_DELAY);
	printf("churn: %u deletes, %u same-SPI replaces, %u new-SPI replaces, %u adds "
	    "in %llu clocks, a lookup every clock\n", dels, same, other, adds,
	    (unsigned long long)(tb->clock - start));
}

/* a lookup at clock 0 and a write at clock `at` (may be negative); returns
 * the lookup's result */
static struct lookup_sim_out probe(struct tb *tb, const struct lookup_sim_in *in,
    int at, const struct lookup_sim_wr *wr)
{
	const int first = at < 0 ? at : 0;

	tb->probe_done = false;
	tb->probe_clock = UINT64_MAX;
	for (int c = first; c <= OUT_DELAY; c++) {
		if (c == 0) {
			tb->forced = true;
			tb->forced_in = *in;
			tb->probe_clock = tb->clock;
		}
		tb_step(tb, c == at ? wr : NULL);
	}
	if (!tb->probe_done) {
		tb->failures++;
		fprintf(stderr, "FAIL probe: no result\n");
	}
	return tb->probe_out;
}

static void phase_probes(struct tb *tb, unsigned rounds)
{
	unsigned long sa_checks = 0, tag_checks = 0;
	const unsigned long failures_before = tb->failures;

	tb->traffic = false;
	tb->semantic = false;         /* raw writes: the reference (a) stays on */
	tb_idle(tb, OUT_DELAY + 2);
	for (unsigned r = 0; r < rounds; r++) {
		const uint32_t spi = tb->inst[prng_below(&tb->rng, tb->n_inst)];
		const uint16_t index = dict_find(tb, spi)->index;
		struct lookup_sim_in in;
		struct lookup_sim_wr change, restore;
		unsigned t, b, w = WAYS;

		memset(&in, 0, sizeof(in));
		in.valid = true;
		fields_of(tb, tb->msa[index], &in);

		/* SA entry: DST changed so the lookup would miss */
		memset(&change, 0, sizeof(change));
		change.sa_en = true;
		change.sa_index = index;
		memcpy(change.sa_data, tb->msa[index], sizeof(change.sa_data));
		restore = change;
		change.sa_data[SPISYNC_SA_DST_WORD] ^= 1u;
		for (int at = SA_SEEN - 1; at <= SA_SEEN + 2; at++) {
			const struct lookup_sim_out out = probe(tb, &in, at, &change);
			const bool want_hit = at > SA_SEEN;   /* old word when not yet seen */

			sa_checks++;
			if (out.hit != want_hit) {
				tb->failures++;
				fprintf(stderr, "FAIL SA write %d clocks after the lookup: hit %d, "
				    "documented %d\n", at, out.hit, want_hit);
			}
			tb_step(tb, &restore);
			tb_idle(tb, OUT_DELAY + 1);
		}

		/* tag slot: made invalid */
		for (t = 0; t < 2 && w == WAYS; t++) {
			b = ref_bucket(t, spi);
			for (w = 0; w < WAYS; w++)
				if (tb->mtag[t][b][w].valid && tb->mtag[t][b][w].spi == spi)
					break;
		}
		t--;
		if (w == WAYS) {
			tb->failures++;
			fprintf(stderr, "FAIL probe: SPI 0x%08x has no tag slot\n", spi);
			return;
		}
		memset(&change, 0, sizeof(change));
		change.tag_en = true;
		change.tag_table = t;
		change.tag_way = (uint8_t)w;
		change.tag_bucket = (uint16_t)ref_bucket(t, spi);
		change.tag_spi = spi;
		change.tag_index = index;
		change.tag_valid = true;
		restore = change;
		change.tag_valid = false;
		for (int at = TAG_SEEN - 1; at <= TAG_SEEN + 2; at++) {
			const struct lookup_sim_out out = probe(tb, &in, at, &change);
			const bool want_hit = at > TAG_SEEN;

			tag_checks++;
			if (out.hit != want_hit) {
				tb->failures++;
				fprintf(stderr, "FAIL tag write %d clocks after the lookup: hit %d, "
				    "documented %d\n", at, out.hit, want_hit);
			}
			tb_step(tb, &restore);
			tb_idle(tb, OUT_DELAY + 1);
		}
	}
	printf("read during write: %lu SA and %lu tag probes at offsets -1..+6, "
	    "%lu off the documented timing\n", sa_checks, tag_checks,
	    tb->failures - failures_before);
}

static void write_slot(struct tb *tb, unsigned t, uint32_t b, unsigned w,
    const struct mslot *s)
{
	struct lookup_sim_wr wr;

	memset(&wr, 0, sizeof(wr));
	wr.tag_en = true;
	wr.tag_table = t;
	wr.tag_way = (uint8_t)w;
	wr.tag_bucket = (uint16_t)b;
	wr.tag_spi = s->spi;
	wr.tag_valid = s->valid;
	wr.tag_index = s->index;
	tb_step(tb, &wr);
}

static void write_entry(struct tb *tb, uint16_t index, const uint32_t *e)
{
	struct lookup_sim_wr wr;

	memset(&wr, 0, sizeof(wr));
	wr.sa_en = true;
	wr.sa_index = index;
	memcpy(wr.sa_data, e, sizeof(wr.sa_data));
	tb_step(tb, &wr);
}

/*
 * Raw duplicates the firmware never makes: the SPI in a second slot of its
 * buckets naming a second copy of its entry; the lowest (table, way) must
 * win. Then its slot naming an index >= SA_ENTRIES: never a hit.
 */
static void phase_priority(struct tb *tb, unsigned rounds)
{
	unsigned long checks = 0;
	const unsigned long failures_before = tb->failures;
	uint16_t spare = 0;

	tb->traffic = false;
	tb->semantic = false;
	while (spare < ENTRIES && e_valid(tb->msa[spare]))
		spare++;
	if (spare == ENTRIES) {
		printf("priority: no free index, skipped\n");
		return;
	}
	for (unsigned r = 0; r < rounds; r++) {
		const uint32_t spi = tb->inst[prng_below(&tb->rng, tb->n_inst)];
		const uint16_t index = dict_find(tb, spi)->index;
		unsigned own = 2 * WAYS;
		struct lookup_sim_in in;
		uint32_t copy[WORDS];

		memset(&in, 0, sizeof(in));
		in.valid = true;
		fields_of(tb, tb->msa[index], &in);
		memcpy(copy, tb->msa[index], sizeof(copy));
		copy[SPISYNC_SA_GEN_WORD] ^= 1u << SPISYNC_SA_GEN_LSB;
		write_entry(tb, spare, copy);
		for (unsigned k = 0; k < 2 * WAYS && own == 2 * WAYS; k++) {
			const struct mslot *s = &tb->mtag[k / WAYS][ref_bucket(k / WAYS, spi)][k % WAYS];

			if (s->valid && s->spi == spi)
				own = k;
		}
		for (unsigned k = 0; k < 2 * WAYS; k++) {
			const unsigned t = k / WAYS, w = k % WAYS;
			const uint32_t b = ref_bucket(t, spi);
			const struct mslot saved = tb->mtag[t][b][w];
			const struct mslot dup = { spi, spare, true };
			struct lookup_sim_out out;
			const uint16_t want = k < own ? spare : index;

			if (k == own)
				continue;
			write_slot(tb, t, b, w, &dup);
			out = probe(tb, &in, 1, NULL);
			checks++;
			if (!out.hit || out.index != want) {
				tb->failures++;
				fprintf(stderr, "FAIL duplicate in slot %u, own slot %u: hit %d "
				    "index %u, want index %u\n", k, own, out.hit, out.index, want);
			}
			/* a slot of an SPI one bit off (every bit over the rounds)
			 * naming a perfect entry: never matches */
			{
				const struct mslot other = { spi ^ (1u << ((r * 2 * WAYS + k) % 32)),
				    spare, true };

				write_slot(tb, t, b, w, &other);
				out = probe(tb, &in, 1, NULL);
				checks++;
				if (!out.hit || out.index != index) {
					tb->failures++;
					fprintf(stderr, "FAIL slot of SPI 0x%08x matched SPI 0x%08x\n",
					    other.spi, spi);
				}
			}
			write_slot(tb, t, b, w, &saved);
		}
		write_entry(tb, spare, (const uint32_t[WORDS]){ 0 });
		if (own < 2 * WAYS) {
			const unsigned t = own / WAYS, w = own % WAYS;
			const uint32_t b = ref_bucket(t, spi);
			const struct mslot saved = tb->mtag[t][b][w];
			const struct mslot far = { spi, (uint16_t)(index + ENTRIES), true };
			struct lookup_sim_out out;

			const struct mslot to_spare = { spi, spare, true };

			write_slot(tb, t, b, w, &far);
			out = probe(tb, &in, 1, NULL);
			checks++;
			if (out.hit) {
				tb->failures++;
				fprintf(stderr, "FAIL slot naming index %u (>= SA_ENTRIES) hit\n",
				    far.index);
			}
			/* the slot names an entry that is not this SPI's, or not VALID */
			for (unsigned v = 0; v < 2; v++) {
				memcpy(copy, tb->msa[index], sizeof(copy));
				if (v == 0)
					copy[SPISYNC_SA_SPI_WORD] ^= 1u << (r % 32);
				else
					copy[SPISYNC_SA_VALID_WORD] &= ~(1u << SPISYNC_SA_VALID_LSB);
				write_entry(tb, spare, copy);
				write_slot(tb, t, b, w, &to_spare);
				out = probe(tb, &in, 1, NULL);
				checks++;
				if (out.hit) {
					tb->failures++;
					fprintf(stderr, "FAIL entry with %s hit\n",
					    v == 0 ? "another SPI" : "VALID clear");
				}
			}
			write_entry(tb, spare, (const uint32_t[WORDS]){ 0 });
			write_slot(tb, t, b, w, &saved);
		}
		tb_idle(tb, OUT_DELAY + 1);
	}
	printf("priority: %lu lookups with duplicate slots, out-of-range indices, foreign or "
	    "invalid entries, %lu wrong\n",
	    checks, tb->failures - failures_before);
}

/* ---- main ---- */

static bool parse_args(int argc, char **argv, unsigned long long *seed,
    unsigned long *lookups, unsigned long *ops)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(argv[i + 1], &end, 0);
		if (errno != 0 || *end != '\0')
			return false;
		if (strcmp(argv[i], "--seed") == 0)
			*seed = v;
		else if (strcmp(argv[i], "--lookups") == 0)
			*lookups = (unsigned long)v;
		else if (strcmp(argv[i], "--ops") == 0)
			*ops = (unsigned long)v;
		else
			return false;
	}
	return argc % 2 == 1;
}

static void report(const struct tb *tb, double seconds)
{
	printf("%-34s %9s %9s\n", "lookups by kind", "count", "hits");
	for (unsigned k = 0; k < K_COUNT; k++)
		if (tb->by_kind[k] != 0)
			printf("  %-32s %9lu %9lu\n", kind_name[k], tb->by_kind[k],
			    tb->hits_by_kind[k]);
	printf("clocks %llu, lookups %lu (hits %lu), register writes to the ports %lu\n",
	    (unsigned long long)tb->clock, tb->lookups, tb->hits, tb->writes);
	printf("tag writes in the clock their bucket was read: %lu (%lu on the SPI "
	    "looked up); SA writes in the clock their entry was read: %lu\n",
	    tb->tag_rdw, tb->tag_rdw_spi, tb->sa_rdw);
	printf("calls during which lookups saw the new state: %lu; new-SPI replaces "
	    "sampled with the old SPI gone and the new one absent: %lu\n",
	    tb->transitions, tb->break_checks);
	printf("cuckoo moves: %lu, in %lu adds\n", tb->moves, tb->moving_adds);
	printf("%.1f s, %.0f clocks/s\n", seconds, seconds > 0 ? tb->clock / seconds : 0);
}

int main(int argc, char **argv)
{
	unsigned long long seed = (unsigned long long)time(NULL);
	unsigned long lookups = 200000, ops = 3000;
	struct tb *tb;
	struct timespec t0, t1;
	bool ok;

	if (!parse_args(argc, argv, &seed, &lookups, &ops)) {
		fprintf(stderr, "usage: %s [--seed N] [--lookups N] [--ops N]\n", argv[0]);
		return 2;
	}
	printf("sa_lookup test bench, seed=%llu\n", seed);
	tb = calloc(1, sizeof(*tb));
	if (tb == NULL)
		return 1;
	prng_seed(&tb->rng, seed);
	tb->probe_clock = UINT64_MAX;
	tb->sim = lookup_sim_create((uint32_t)(seed ^ (seed >> 32)));
	if (tb->sim == NULL) {
		fprintf(stderr, "cannot create the model\n");
		free(tb);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok = phase_init(tb);
	if (ok) {
		phase_install(tb, INSTALL);
		phase_lookups(tb, lookups);
		phase_churn(tb, (unsigned)ops);
		phase_probes(tb, 100);
		phase_priority(tb, 100);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	report(tb, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	ok = ok && tb->failures == 0 && tb->sa_rdw > 0 && tb->tag_rdw_spi > 0 &&
	    tb->transitions > 0;
	printf("test_lookup: %s (%lu failures)\n", ok ? "ok" : "FAIL", tb->failures);
	lookup_sim_destroy(tb->sim);
	free(tb);
	return ok ? 0 : 1;
}
