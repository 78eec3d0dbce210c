/*
 * spisync -- an SA replaced under traffic (the whole Verilated card).
 *
 *   test_sa_replace --width 128|512 [--seed S] [--rounds N] [--gap G] [-v]
 *
 * A few SAs (IPv4/IPv6, plain/UDP-encapsulated, AES-128/256) carry ESP
 * frames back to back. Each round changes one of them while its frames and
 * the others' are on the wire, with the card's register writes interleaved
 * with the traffic (card_sim_mmio_write runs the clock):
 *
 *   rekey      card_ctl_sa_replace with the SAME SPI: new key, new salt,
 *              sequence numbers from 1 (new entry, one TAG_WRITE switch,
 *              old entry zeroized);
 *   mbb        make-before-break to a NEW SPI: card_ctl_sa_add of the new
 *              SA, and card_ctl_sa_del of the old one a while later, with
 *              frames of both still on the wire;
 *   replace    card_ctl_sa_replace to a NEW SPI (install, then delete at once).
 *
 * The sender switches from the old to the new SA before, during or after
 * the change, with frames of both interleaved around the switch, a few
 * early frames of the new SA long before it and stragglers of the old one
 * long after.
 *
 * The oracle is this file's own reading of docs/datapath.md, not the card
 * nor the golden model: each frame is known byte for byte (built and
 * encrypted here with OpenSSL through frame_build.h), and so is the host
 * frame it must become. Each register change is bracketed in wire beats
 * [start, end) (wire_beats before and after the call); a frame occupies
 * beats [first, last] on the wire and may be looked up, and its key used,
 * until EXPOSURE beats after its last one. Against the SAs that can be in
 * the card during that exposure the frame may be:
 *   DELIVER  only as the exact inner packet with its own SA's index;
 *   MISS     (SA_NOT_FOUND_*, with an exact event record) only if at some
 *            moment of the exposure no SA held its SPI for sure (a same-SPI
 *            rekey switches the tag in one write: never);
 *   AUTH_FAIL only if an SA of the same SPI with another key may have been
 *            found, or its own SA was being deleted (key zeroized);
 *   REPLAY   only if an SA of the same SPI with another key, which may
 *            have seen that sequence number, may have been found.
 * Frames of one key are sent in sequence order, so nothing else is
 * legitimate: an untouched SA's frames, old frames well before and new
 * frames after a change are all delivered. The reason counters must add
 * up per round (delivered, events and silent drops; nothing else happens),
 * the per-SA counters of every live SA must be exact (a new SA at a
 * recycled index starts from zero: new GEN; read once right after the
 * install, under traffic, and again after the round), and a deleted SPI's
 * frames are counted SA_NOT_FOUND_* (its entry no longer matches). A
 * replace must put the new SA at a new index (make-before-break).
 *
 * Rounds end with the card drained, so counters are read at rest; the
 * drain itself is checked (the card's busy output must not drop while a
 * frame is still inside).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card_ctl.h"
#include "card_sim.h"
#include "frame_build.h"
#include "prng.h"
#include "spisync_hw.h"

enum {
	MAX_PEERS = 8,
	LIVE_PEERS = 3,
	/* a round's frames must map one to one onto RX_SEQ (16 bits) */
	MAX_ROUND_FRAMES = 60000,
	/* beats after a frame's last one during which the card may still look
	 * it up or use its key (pipeline depth; the measured latency of a
	 * frame, last wire beat to last host beat, is far below) */
	EXPOSURE = 256,
	/* percentages of frames */
	P_BACKGROUND = 35,     /* frames of the SAs the round does not touch */
	P_EARLY = 5,           /* new-SA frames long before the switch */
	P_STRAGGLE = 10,       /* old-SA frames long after the switch */
	MAX_JUMBO_DATA = 8900,
};

#define NEVER UINT64_MAX

enum change { CH_NONE, CH_REKEY, CH_MBB, CH_REPLACE_SPI, CH_KINDS };
enum moment { AT_BEFORE, AT_DURING, AT_AFTER, AT_KINDS };
/* the register operations, for duration estimates */
enum op_type { OPT_ADD, OPT_DEL, OPT_REPLACE_SAME, OPT_REPLACE_NEW, OPT_TYPES };

static const char *const change_name[CH_KINDS] = {
	"none", "rekey same SPI", "mbb new SPI", "replace new SPI",
};
static const char *const moment_name[AT_KINDS] = {
	"before", "during", "after",
};
static const char *const op_name[OPT_TYPES] = {
	"sa_add", "sa_del", "sa_replace (same SPI)", "sa_replace (new SPI)",
};

enum allow {
	ALLOW_DELIVER = 1,
	ALLOW_MISS = 2,
	ALLOW_AUTH_FAIL = 4,
	ALLOW_REPLAY = 8,
};

enum got { GOT_NOTHING, GOT_HOST, GOT_EVENT };

struct options {
	unsigned width;
	uint64_t seed;
	unsigned rounds;
	unsigned gap;
	bool verbose;
};

/* Beats [start, end) of the wire during which something happened. */
struct window {
	uint64_t start, end;
};

/* One SA as its sender (the peer) and the card hold it. */
struct peer {
	struct model_sa sa;
	uint32_t index;             /* card SA index */
	uint8_t src[16];            /* the peer's address */
	struct fb_eth eth;
	uint64_t next_seq;          /* next sequence number it sends */
	/* what the card must count for it since it was installed */
	uint64_t packets, bytes;
	/* per-SA drop counters as last read */
	uint64_t auth_fail, replay;
	/* this round: when it came and went (NEVER: not this round) */
	struct window add, del;
};

/* One frame sent in a round. */
struct sent {
	unsigned peer;
	uint64_t seq;
	/* highest sequence number the same SPI's other key had sent before it */
	uint64_t other_max_seq;
	uint64_t beat_first, beat_end;  /* wire beats [first, end) */
	size_t len, ct_len;
	uint8_t *expect;            /* the host frame it must become */
	size_t expect_len;
	uint8_t event[SPISYNC_EVENT_BYTES];  /* the event it must give on a miss */
	enum got got;
	uint8_t got_outcome;
	uint16_t got_index;
	bool got_ok;                /* bytes (host) or record (event) exact */
};

struct round {
	unsigned number;
	enum change change;
	enum moment moment;
	unsigned old_peer, new_peer;    /* MAX_PEERS: none */
	uint64_t first_frame;           /* arrival number of its first frame */
	uint64_t start_beat;
	uint64_t switch_beat, jitter;
	/* planned start of each register operation, then what happened */
	unsigned n_ops, ops_done;
	uint64_t op_plan[2];
	struct window op[2];
	uint64_t op_clocks[2];
	uint64_t end_beat;              /* NEVER until the last op is done */
	struct sent *frames;
	size_t n_frames, cap_frames;
	size_t last_host;               /* frames[] of the last host frame + 1 */
	size_t last_event;
	uint64_t counters_before[SPISYNC_NUM_REASONS];
};

struct test {
	struct options opt;
	struct prng rng;
	struct card_sim *card;
	struct card_ctl *ctl;
	struct peer peers[MAX_PEERS];
	bool live[MAX_PEERS];
	uint64_t frames_sent;           /* arrival numbers handed out */
	uint64_t pushed_beats;          /* wire beats queued so far */
	uint64_t op_beats[OPT_TYPES];   /* duration estimate of each operation */
	uint64_t op_min[OPT_TYPES], op_max[OPT_TYPES];
	uint64_t *index_packets;        /* packets the last SA at each index had */
	uint32_t capacity;
	unsigned long failures;
	/* totals for the report */
	uint64_t total_frames, total_transition, total_must_deliver;
	uint64_t total_must_drop, total_delivered, total_missed, total_silent;
	unsigned recycled_checks;
	struct card_host_frame host;
	uint8_t frame[FB_MAX_FRAME];
	uint8_t inner[FB_MAX_FRAME];
	uint8_t data[FB_MAX_FRAME];
};

/* ------------------------------------------------------------------ */

static int
usage(void)
{
	fprintf(stderr, "usage: test_sa_replace --width 128|512 [--seed S] "
	    "[--rounds N] [--gap G] [-v]\n");
	return 2;
}

static int
parse_number(const char *s, unsigned long long *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	*out = strtoull(s, &end, 0);
	return *end == '\0' ? 0 : -1;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	o->width = 512;
	o->seed = (uint64_t)time(NULL);
	o->rounds = 18;
	o->gap = 0;
	o->verbose = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned long long n;

		if (strcmp(a, "-v") == 0) {
			o->verbose = true;
			continue;
		}
		if (i + 1 >= argc || parse_number(argv[i + 1], &n) != 0)
			return -1;
		i++;
		if (strcmp(a, "--width") == 0)
			o->width = (unsigned)n;
		else if (strcmp(a, "--seed") == 0)
			o->seed = n;
		else if (strcmp(a, "--rounds") == 0)
			o->rounds = (unsigned)n;
		else if (strcmp(a, "--gap") == 0)
			o->gap = (unsigned)n;
		else
			return -1;
	}
	if (o->width != 128 && o->width != 512)
		return -1;
	if (o->rounds == 0 || o->rounds > 10000 || o->gap > 64)
		return -1;
	return 0;
}

static void
fail(struct test *t, const char *fmt, const char *detail)
{
	t->failures++;
	if (t->failures <= 30)
		fprintf(stderr, "FAIL: %s%s%s\n", fmt,
		    detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

static uint32_t
rnd(struct test *t, uint32_t bound)
{
	return prng_below(&t->rng, bound);
}

static uint64_t
rnd_range(struct test *t, uint64_t lo, uint64_t hi)
{
	return lo + rnd(t, (uint32_t)(hi - lo + 1));
}

static bool
chance(struct test *t, unsigned percent)
{
	return rnd(t, 100) < percent;
}

static uint64_t
beats_of(const struct test *t, size_t len)
{
	const size_t bytes = t->opt.width / 8;

	return (len + bytes - 1) / bytes;
}

static bool
overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

static void
put16le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32le(uint8_t *p, uint32_t v)
{
	put16le(p, v);
	put16le(p + 2, v >> 16);
}

static uint16_t
get16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void
put16be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ------------------------------------------------------------------ */
/* SAs */

static bool
spi_in_use(const struct test *t, uint32_t spi)
{
	for (unsigned i = 0; i < MAX_PEERS; i++)
		if (t->live[i] && t->peers[i].sa.spi == spi)
			return true;
	return false;
}

static uint32_t
fresh_spi(struct test *t)
{
	uint32_t spi;

	do {
		spi = (uint32_t)prng_next(&t->rng);
	} while (spi < 256 || spi_in_use(t, spi));
	return spi;
}

/* Key, salt, ICV, ESN and mode of a (new) SA; key_len 16 or 32. */
static void
new_keys(struct test *t, struct model_sa *sa, unsigned key_len)
{
	static const unsigned icv[3] = { 8, 12, 16 };
	static const enum sa_mode modes[3] = {
		SA_MODE_AUTO, SA_MODE_TUNNEL, SA_MODE_TRANSPORT,
	};

	memset(sa->key, 0, sizeof(sa->key));
	sa->key_len = key_len;
	prng_fill(&t->rng, sa->key, key_len);
	prng_fill(&t->rng, sa->salt, sizeof(sa->salt));
	sa->icv_len = icv[rnd(t, 3)];
	sa->esn = chance(t, 30);
	sa->mode = modes[rnd(t, 3)];
	sa->hard_bytes = 0;
	sa->hard_packets = 0;
	sa->gen = 0;
}

/* A peer with its addressing: IPv6 or not, UDP-encapsulated or not. */
static void
new_peer(struct test *t, struct peer *p, bool ipv6, bool udp,
    unsigned key_len)
{
	memset(p, 0, sizeof(*p));
	p->sa.spi = fresh_spi(t);
	p->sa.ipv6 = ipv6;
	prng_fill(&t->rng, p->sa.dst, ipv6 ? 16 : 4);
	prng_fill(&t->rng, p->src, ipv6 ? 16 : 4);
	p->sa.udp_encap = udp;
	p->sa.sport = udp ? (chance(t, 50) ? 4500 :
	    (uint16_t)rnd_range(t, 1024, 65535)) : 0;
	p->sa.dport = udp ? 4500 : 0;
	new_keys(t, &p->sa, key_len);
	prng_fill(&t->rng, p->eth.dst, 6);
	prng_fill(&t->rng, p->eth.src, 6);
	p->eth.dst[0] &= 0xFE;
	p->eth.src[0] &= 0xFE;
	p->eth.vlan = chance(t, 30);
	p->eth.tci = (uint16_t)rnd(t, 0x10000);
	p->eth.pad_min = true;
	p->next_seq = 1;
	p->add.start = p->add.end = NEVER;
	p->del.start = p->del.end = NEVER;
}

/* The SA that takes over from old: same peer (addressing), new key and
 * salt, sequence numbers from 1; the same SPI or a new one. */
static void
successor(struct test *t, const struct peer *old, struct peer *p,
    bool same_spi)
{
	*p = *old;
	if (!same_spi)
		p->sa.spi = fresh_spi(t);
	/* the other key size, so that both meet every kind of change */
	new_keys(t, &p->sa, old->sa.key_len == 16 ? 32 : 16);
	p->next_seq = 1;
	p->packets = p->bytes = 0;
	p->auth_fail = p->replay = 0;
	p->index = UINT32_MAX;
	p->add.start = p->add.end = NEVER;
	p->del.start = p->del.end = NEVER;
}

static int
free_slot(const struct test *t)
{
	for (unsigned i = 0; i < MAX_PEERS; i++)
		if (!t->live[i])
			return (int)i;
	return -1;
}

static int
install_initial(struct test *t)
{
	for (unsigned i = 0; i < LIVE_PEERS; i++) {
		/* IPv4 plain AES-128, IPv6 UDP AES-256, then anything */
		const bool ipv6 = i == 0 ? false : i == 1 ? true : chance(t, 50);
		const bool udp = i == 0 ? false : i == 1 ? true : chance(t, 50);
		const unsigned key = i == 0 ? 16 : i == 1 ? 32 :
		    (chance(t, 50) ? 16 : 32);
		struct peer *p = &t->peers[i];
		int rc;

		new_peer(t, p, ipv6, udp, key);
		rc = card_ctl_sa_add(t->ctl, &p->sa, &p->index);
		if (rc != SA_OK) {
			fprintf(stderr, "test_sa_replace: SA %u: %s\n", i,
			    card_ctl_strerror(rc));
			return -1;
		}
		t->live[i] = true;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* frames and what the card must make of them (docs/datapath.md 5, 7) */

static void
outer_ip(const struct peer *p, struct fb_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->ipv6 = p->sa.ipv6;
	memcpy(ip->src, p->src, 16);
	memcpy(ip->dst, p->sa.dst, 16);
	ip->ttl = 64;
	ip->df = true;
}

static uint8_t
pick_next_header(struct test *t, enum sa_mode mode)
{
	static const uint8_t any[4] = { 4, 41, 17, 6 };

	switch (mode) {
	case SA_MODE_TUNNEL:
		return any[rnd(t, 2)];
	case SA_MODE_TRANSPORT:
		return any[2 + rnd(t, 2)];
	default:
		return any[rnd(t, 4)];
	}
}

static bool
is_tunnel(enum sa_mode mode, uint8_t nh)
{
	if (mode == SA_MODE_TRANSPORT)
		return false;
	return nh == 4 || nh == 41;
}

/* Mostly short frames (many in flight while registers change), some
 * MTU-sized, a few jumbo. */
static size_t
pick_data_len(struct test *t)
{
	const unsigned r = rnd(t, 100);

	if (r < 75)
		return rnd(t, 120);
	if (r < 97)
		return rnd_range(t, 120, 1400);
	return rnd_range(t, 1400, MAX_JUMBO_DATA);
}

/* The inner packet (tunnel: an IP packet; transport: a segment). */
static int
build_inner(struct test *t, const struct peer *p, uint8_t nh, size_t *len)
{
	const size_t data_len = pick_data_len(t);
	const uint16_t sport = (uint16_t)rnd(t, 0x10000);
	const uint16_t dport = (uint16_t)rnd(t, 0x10000);
	const uint8_t l4 = chance(t, 50) ? 17 : 6;
	struct fb_ip ip;

	prng_fill(&t->rng, t->data, data_len);
	if (!is_tunnel(p->sa.mode, nh)) {
		outer_ip(p, &ip);
		return fb_l4_segment(t->inner, sizeof(t->inner), &ip, nh,
		    sport, dport, t->data, data_len, len);
	}
	memset(&ip, 0, sizeof(ip));
	ip.ipv6 = nh == 41;
	prng_fill(&t->rng, ip.src, 16);
	prng_fill(&t->rng, ip.dst, 16);
	ip.ttl = 63;
	ip.id = (uint16_t)rnd(t, 0x10000);
	return fb_inner_packet(t->inner, sizeof(t->inner), &ip, l4, sport,
	    dport, t->data, data_len, len);
}

/* The host frame of a DECRYPTED frame: tunnel, MACs (and tag) with the
 * inner packet's ethertype; transport, the outer headers up to the IP
 * header rewritten for the inner payload, UDP encapsulation removed. */
static int
expected_host(const uint8_t *frame, const struct fb_info *info, bool tunnel,
    uint8_t nh, const uint8_t *inner, size_t il, uint8_t **out,
    size_t *out_len)
{
	const size_t l2 = info->l2_len;
	const size_t head = tunnel ? l2 : l2 + info->ip_hdr_len;
	uint8_t *h = malloc(head + il);

	if (h == NULL)
		return -1;
	if (tunnel) {
		memcpy(h, frame, l2 - 2);
		put16be(h + l2 - 2, nh == 4 ? 0x0800 : 0x86DD);
	} else {
		memcpy(h, frame, head);
		if (info->ip_hdr_len == 40) {
			h[l2 + 6] = nh;
			put16be(h + l2 + 4, (uint32_t)il);
		} else {
			uint16_t sum;

			h[l2 + 9] = nh;
			put16be(h + l2 + 2, (uint32_t)(info->ip_hdr_len + il));
			h[l2 + 10] = 0;
			h[l2 + 11] = 0;
			sum = (uint16_t)~fb_csum_add(0, h + l2, info->ip_hdr_len);
			put16be(h + l2 + 10, sum);
		}
	}
	memcpy(h + head, inner, il);
	*out = h;
	*out_len = head + il;
	return 0;
}

/* The SA_MISS record a frame gives (register map, "Event record"). */
static void
expected_event(const struct peer *p, const struct sent *f, uint16_t rx_seq,
    uint8_t rec[SPISYNC_EVENT_BYTES])
{
	const size_t alen = p->sa.ipv6 ? 16 : 4;

	memset(rec, 0, SPISYNC_EVENT_BYTES);
	rec[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_SA_MISS;
	rec[SPISYNC_EVF_FLAGS_OFF] = (uint8_t)(
	    (p->sa.ipv6 ? SPISYNC_EV_FLAG_IPV6 : 0) |
	    (p->sa.udp_encap ? SPISYNC_EV_FLAG_UDP : 0));
	put16le(rec + SPISYNC_EVF_FRAME_LEN_OFF, (uint32_t)f->len);
	put32le(rec + SPISYNC_EVF_SPI_OFF, p->sa.spi);
	memcpy(rec + SPISYNC_EVF_SRC_OFF, p->src, alen);
	memcpy(rec + SPISYNC_EVF_DST_OFF, p->sa.dst, alen);
	put32le(rec + SPISYNC_EVF_SEQ_OFF, (uint32_t)f->seq);
	if (p->sa.udp_encap) {
		put16le(rec + SPISYNC_EVF_SPORT_OFF, p->sa.sport);
		put16le(rec + SPISYNC_EVF_DPORT_OFF, p->sa.dport);
	}
	put16le(rec + SPISYNC_EVF_SA_INDEX_OFF, SPISYNC_SA_INDEX_NONE);
	put16le(rec + SPISYNC_EVF_RX_SEQ_OFF, rx_seq);
}

/* Build the next ESP frame of peer p into t->frame; f gets its record. */
static int
build_frame(struct test *t, struct peer *p, struct sent *f)
{
	const uint8_t nh = pick_next_header(t, p->sa.mode);
	struct fb_ip ip;
	struct fb_udp udp;
	struct fb_esp esp;
	struct fb_info info;
	size_t il;

	if (build_inner(t, p, nh, &il) != 0)
		return -1;
	outer_ip(p, &ip);
	ip.id = (uint16_t)rnd(t, 0x10000);
	memset(&udp, 0, sizeof(udp));
	udp.sport = p->sa.sport;
	udp.dport = p->sa.dport;
	udp.zero_csum = !p->sa.ipv6 && chance(t, 50);
	memset(&esp, 0, sizeof(esp));
	esp.spi = p->sa.spi;
	esp.seq = p->next_seq;
	esp.esn = p->sa.esn;
	prng_fill(&t->rng, esp.iv, sizeof(esp.iv));
	esp.key = p->sa.key;
	esp.key_len = p->sa.key_len;
	memcpy(esp.salt, p->sa.salt, 4);
	esp.icv_len = p->sa.icv_len;
	esp.next_header = nh;
	esp.extra_pad = chance(t, 20) ? (unsigned)rnd_range(t, 1, 40) : 0;
	if (fb_esp_frame(t->frame, sizeof(t->frame), &p->eth, &ip,
	    p->sa.udp_encap ? &udp : NULL, &esp, t->inner, il, &info) != 0)
		return -1;
	f->seq = p->next_seq++;
	f->len = info.len;
	f->ct_len = info.ct_len;
	return expected_host(t->frame, &info, is_tunnel(p->sa.mode, nh), nh,
	    t->inner, il, &f->expect, &f->expect_len);
}

/* ------------------------------------------------------------------ */
/* the round: who sends, when registers change */

static bool
is_background(const struct round *r, unsigned i)
{
	return i != r->old_peer && i != r->new_peer;
}

static unsigned
pick_background(struct test *t, const struct round *r)
{
	unsigned cand[MAX_PEERS], n = 0;

	for (unsigned i = 0; i < MAX_PEERS; i++)
		if (t->live[i] && is_background(r, i))
			cand[n++] = i;
	return n == 0 ? MAX_PEERS : cand[rnd(t, n)];
}

/* Old or new SA by where the frame starts relative to the switch. */
static unsigned
pick_target(struct test *t, const struct round *r, uint64_t beat)
{
	const uint64_t lo = r->switch_beat > r->jitter ?
	    r->switch_beat - r->jitter : 0;
	const uint64_t hi = r->switch_beat + r->jitter;
	bool use_new;

	if (beat < lo)
		use_new = chance(t, P_EARLY);
	else if (beat <= hi)
		use_new = chance(t, 50);
	else
		use_new = !chance(t, P_STRAGGLE);
	return use_new ? r->new_peer : r->old_peer;
}

static unsigned
pick_sender(struct test *t, const struct round *r, uint64_t beat)
{
	unsigned p = MAX_PEERS;

	if (r->old_peer == MAX_PEERS || chance(t, P_BACKGROUND))
		p = pick_background(t, r);
	if (p == MAX_PEERS)
		p = pick_target(t, r, beat);
	return p;
}

/* The same SPI's other key in this round (rekey only), else MAX_PEERS. */
static unsigned
other_key(const struct round *r, unsigned p)
{
	if (r->change != CH_REKEY)
		return MAX_PEERS;
	if (p == r->old_peer)
		return r->new_peer;
	if (p == r->new_peer)
		return r->old_peer;
	return MAX_PEERS;
}

static int
grow_frames(struct round *r)
{
	size_t cap = r->cap_frames == 0 ? 1024 : r->cap_frames * 2;
	struct sent *n;

	if (cap > MAX_ROUND_FRAMES)
		cap = MAX_ROUND_FRAMES;
	if (cap <= r->cap_frames)
		return -1;
	n = realloc(r->frames, cap * sizeof(*n));
	if (n == NULL)
		return -1;
	r->frames = n;
	r->cap_frames = cap;
	return 0;
}

static int
push_one(struct test *t, struct round *r)
{
	const unsigned pi = pick_sender(t, r, t->pushed_beats);
	const unsigned other = other_key(r, pi);
	struct peer *p = &t->peers[pi];
	struct sent *f;

	if (r->n_frames == r->cap_frames && grow_frames(r) != 0) {
		fprintf(stderr, "test_sa_replace: round %u: over %u frames\n",
		    r->number, (unsigned)MAX_ROUND_FRAMES);
		return -1;
	}
	f = &r->frames[r->n_frames];
	memset(f, 0, sizeof(*f));
	f->peer = pi;
	f->other_max_seq = other == MAX_PEERS ? 0 :
	    t->peers[other].next_seq - 1;
	if (build_frame(t, p, f) != 0) {
		fprintf(stderr, "test_sa_replace: frame build failed\n");
		free(f->expect);
		return -1;
	}
	expected_event(p, f, (uint16_t)t->frames_sent, f->event);
	f->beat_first = t->pushed_beats;
	f->beat_end = t->pushed_beats + beats_of(t, f->len);
	if (card_sim_push_frame(t->card, t->frame, f->len, false) != 0) {
		fprintf(stderr, "test_sa_replace: push failed\n");
		free(f->expect);
		return -1;
	}
	r->n_frames++;
	t->frames_sent++;
	t->pushed_beats = f->beat_end;
	return 0;
}

static uint64_t
lookahead(const struct test *t)
{
	uint64_t most = 0;

	for (unsigned k = 0; k < OPT_TYPES; k++)
		if (t->op_beats[k] > most)
			most = t->op_beats[k];
	return 2 * most + 600;
}

/* Keep the wire queue longer than any register operation lasts, so that
 * frames flow through all of it; stop at the round's end. */
static int
fill_wire(struct test *t, struct round *r)
{
	const uint64_t want = card_sim_wire_beats(t->card) + lookahead(t);

	while (t->pushed_beats < want) {
		if (r->ops_done == r->n_ops && t->pushed_beats >= r->end_beat)
			break;
		if (push_one(t, r) != 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* what comes out */

static size_t
frame_of(const struct round *r, uint16_t rx_seq)
{
	return (uint16_t)(rx_seq - (uint16_t)r->first_frame);
}

static void
take_host(struct test *t, struct round *r, const struct card_host_frame *h)
{
	const size_t i = frame_of(r, h->rx_seq);
	struct sent *f;
	char what[128];

	if (i >= r->n_frames) {
		snprintf(what, sizeof(what), "round %u, RX_SEQ %u", r->number,
		    h->rx_seq);
		fail(t, "host frame with an arrival number never sent", what);
		return;
	}
	f = &r->frames[i];
	if (f->got != GOT_NOTHING || i < r->last_host) {
		snprintf(what, sizeof(what), "round %u, frame %zu", r->number, i);
		fail(t, "host frame twice or out of arrival order", what);
		return;
	}
	r->last_host = i + 1;
	f->got = GOT_HOST;
	f->got_outcome = h->outcome;
	f->got_index = h->sa_index;
	f->got_ok = h->len == f->expect_len &&
	    memcmp(h->data, f->expect, f->expect_len) == 0;
	free(f->expect);
	f->expect = NULL;
}

static void
take_event(struct test *t, struct round *r, const uint8_t rec[64])
{
	const size_t i = frame_of(r, get16le(rec + SPISYNC_EVF_RX_SEQ_OFF));
	uint8_t got[SPISYNC_EVENT_BYTES];
	struct sent *f;
	char what[128];

	if (i >= r->n_frames) {
		snprintf(what, sizeof(what), "round %u, type %u, RX_SEQ %u",
		    r->number, rec[0], get16le(rec + SPISYNC_EVF_RX_SEQ_OFF));
		fail(t, "event record for an arrival number never sent", what);
		return;
	}
	f = &r->frames[i];
	if (f->got != GOT_NOTHING || i < r->last_event) {
		snprintf(what, sizeof(what), "round %u, frame %zu", r->number, i);
		fail(t, "event twice, out of order or for a delivered frame",
		    what);
		return;
	}
	r->last_event = i + 1;
	/* time, phase, suppression and port are not this test's business */
	memcpy(got, rec, sizeof(got));
	memset(got + SPISYNC_EVF_TIME_NS_OFF, 0, SPISYNC_EVF_TIME_NS_BYTES);
	got[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
	f->got = GOT_EVENT;
	f->got_ok = memcmp(got, f->event, sizeof(got)) == 0;
}

static void
collect(struct test *t, struct round *r)
{
	uint8_t rec[SPISYNC_EVENT_BYTES];

	while (card_sim_pull_host(t->card, &t->host) == 1)
		take_host(t, r, &t->host);
	while (card_sim_pull_event(t->card, rec) == 1)
		take_event(t, r, rec);
}

/* ------------------------------------------------------------------ */
/* register operations under traffic */

static void
note_op(struct test *t, enum op_type k, const struct window *w)
{
	const uint64_t beats = w->end - w->start;

	t->op_beats[k] = beats;
	if (t->op_min[k] == 0 || beats < t->op_min[k])
		t->op_min[k] = beats;
	if (beats > t->op_max[k])
		t->op_max[k] = beats;
}

static int
do_change(struct test *t, struct round *r, unsigned which, enum op_type *k)
{
	struct peer *o = &t->peers[r->old_peer];
	struct peer *n = &t->peers[r->new_peer];

	switch (r->change) {
	case CH_REKEY:
		*k = OPT_REPLACE_SAME;
		return card_ctl_sa_replace(t->ctl, o->index, &n->sa, &n->index);
	case CH_REPLACE_SPI:
		*k = OPT_REPLACE_NEW;
		return card_ctl_sa_replace(t->ctl, o->index, &n->sa, &n->index);
	case CH_MBB:
		if (which == 0) {
			*k = OPT_ADD;
			return card_ctl_sa_add(t->ctl, &n->sa, &n->index);
		}
		*k = OPT_DEL;
		return card_ctl_sa_del(t->ctl, o->index);
	default:
		return SA_ERR_INVAL;
	}
}

/* When the SAs came and went, from the operation windows. */
static void
record_windows(struct round *r, struct peer *o, struct peer *n,
    unsigned which)
{
	const struct window *w = &r->op[which];

	if (r->change == CH_MBB) {
		if (which == 0)
			n->add = *w;
		else
			o->del = *w;
		return;
	}
	n->add = *w;
	o->del = *w;
}

static void
plan_after_op(struct test *t, struct round *r, unsigned which)
{
	const uint64_t done = r->op[which].end;
	const uint64_t switched = r->switch_beat + r->jitter;
	uint64_t last = done;

	if (r->change == CH_MBB && which == 0) {
		/* the old SA goes a while after the new one is live, and
		 * after the switch, with stragglers of both on the wire */
		uint64_t del = done + rnd_range(t, 500, 2000);

		if (del < switched + 200)
			del = switched + rnd_range(t, 200, 800);
		r->op_plan[1] = del;
		return;
	}
	if (switched > last)
		last = switched;
	r->end_beat = last + rnd_range(t, 1000, 2000);
}

/*
 * Right after the new SA went in (traffic still flowing), its per-SA
 * counters can hold only what reached it since: its own frames already on
 * the wire, and drops of the same SPI's other key. Whatever an earlier SA
 * at that index counted must be gone (new GEN).
 */
static void
check_fresh_stats(struct test *t, const struct round *r)
{
	const struct peer *n = &t->peers[r->new_peer];
	uint64_t pk, by, af, rp, now, max_pk = 0, max_by = 0, max_drops = 0;
	char what[240];
	int rc;

	rc = card_ctl_sa_stats(t->ctl, n->index, &pk, &by, &af, &rp);
	if (rc != SA_OK) {
		fail(t, "per-SA counters unreadable", card_ctl_strerror(rc));
		return;
	}
	now = card_sim_wire_beats(t->card);
	for (size_t i = 0; i < r->n_frames; i++) {
		const struct sent *f = &r->frames[i];

		if (f->beat_first >= now)
			break;
		if (f->beat_end + EXPOSURE <= n->add.start)
			continue;
		if (f->peer == r->new_peer) {
			max_pk++;
			max_by += f->ct_len;
		} else if (other_key(r, f->peer) == r->new_peer) {
			max_drops++;
		}
	}
	if (pk > max_pk || by > max_by || af + rp > max_drops) {
		snprintf(what, sizeof(what), "round %u, new SA at index %u "
		    "(an earlier SA there counted %" PRIu64 " packets): "
		    "packets %" PRIu64 " bytes %" PRIu64 " auth_fail %" PRIu64
		    " replay %" PRIu64 "; at most %" PRIu64 "/%" PRIu64
		    "/%" PRIu64 " can have reached it", r->number,
		    (unsigned)n->index, t->index_packets[n->index], pk, by, af,
		    rp, max_pk, max_by, max_drops);
		fail(t, "per-SA counters of a new SA do not start from zero",
		    what);
	}
}

static int
run_op(struct test *t, struct round *r)
{
	const unsigned which = r->ops_done;
	struct window *w = &r->op[which];
	const uint64_t c0 = card_sim_cycles(t->card);
	enum op_type k = OPT_ADD;
	char what[160];
	int rc;

	w->start = card_sim_wire_beats(t->card);
	rc = do_change(t, r, which, &k);
	w->end = card_sim_wire_beats(t->card);
	r->op_clocks[which] = card_sim_cycles(t->card) - c0;
	if (rc != SA_OK) {
		snprintf(what, sizeof(what), "round %u: %s", r->number,
		    card_ctl_strerror(rc));
		fail(t, op_name[k], what);
		return -1;
	}
	note_op(t, k, w);
	record_windows(r, &t->peers[r->old_peer], &t->peers[r->new_peer],
	    which);
	if (which == 0 && t->peers[r->new_peer].index ==
	    t->peers[r->old_peer].index) {
		snprintf(what, sizeof(what), "round %u, index %u", r->number,
		    (unsigned)t->peers[r->new_peer].index);
		fail(t, "the new SA went to the old SA's index (replace is "
		    "make-before-break: a new index, a new GEN)", what);
	}
	/* nothing is pushed during the call: a queue still holding beats
	 * means the wire was busy from the first register write to the last */
	if (t->pushed_beats <= w->end) {
		snprintf(what, sizeof(what), "round %u, %s", r->number,
		    op_name[k]);
		fail(t, "the wire ran dry during the register writes (test "
		    "did not queue enough traffic)", what);
	}
	r->ops_done++;
	plan_after_op(t, r, which);
	if (which == 0)
		check_fresh_stats(t, r);
	return 0;
}

/*
 * Run until the card is empty. card_sim_drain trusts the card's busy
 * output; it must not drop while a frame is inside, so it is checked again
 * a few clocks after it first says idle.
 */
static void
drain(struct test *t, struct round *r)
{
	char what[200];

	if (!card_sim_drain(t->card, 10000000)) {
		fail(t, "the card did not drain", NULL);
		return;
	}
	card_sim_step(t->card, 4);
	if (!card_sim_drain(t->card, 0)) {
		const struct sent *f = r->n_frames > 0 ?
		    &r->frames[r->n_frames - 1] : NULL;

		snprintf(what, sizeof(what), "round %u, clock %" PRIu64
		    ": last frame %zu bytes, wire beats [%" PRIu64 ", %" PRIu64
		    ")", r->number, card_sim_cycles(t->card),
		    f != NULL ? f->len : 0, f != NULL ? f->beat_first : 0,
		    f != NULL ? f->beat_end : 0);
		fail(t, "card busy was low while a frame was still inside "
		    "(card_sim_drain returned early)", what);
		if (!card_sim_drain(t->card, 10000000))
			fail(t, "the card did not drain", NULL);
	}
	/* the host stream may still hold the last frames' tails */
	card_sim_step(t->card, 64);
	collect(t, r);
}

static int
run_traffic(struct test *t, struct round *r)
{
	for (;;) {
		uint64_t wire, step = 64;

		if (fill_wire(t, r) != 0)
			return -1;
		wire = card_sim_wire_beats(t->card);
		if (r->ops_done < r->n_ops) {
			const uint64_t at = r->op_plan[r->ops_done];

			if (wire >= at) {
				if (run_op(t, r) != 0)
					return -1;
				continue;
			}
			/* a clock sends at most one beat: no overshoot */
			if (at - wire < step)
				step = at - wire;
		} else if (t->pushed_beats >= r->end_beat) {
			break;
		}
		card_sim_step(t->card, step);
		collect(t, r);
	}
	drain(t, r);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the verdict */

static bool
possibly_live(const struct peer *p, uint64_t e0, uint64_t e1)
{
	const uint64_t from = p->add.start == NEVER ? 0 : p->add.start;
	const uint64_t until = p->del.end;

	return overlaps(from, until, e0, e1);
}

static unsigned
allowed(const struct test *t, const struct round *r, const struct sent *f)
{
	const struct peer *own = &t->peers[f->peer];
	const unsigned other = other_key(r, f->peer);
	const uint64_t e0 = f->beat_first;
	const uint64_t e1 = f->beat_end + EXPOSURE;
	uint64_t from, until;
	unsigned allow = 0;

	if (possibly_live(own, e0, e1))
		allow |= ALLOW_DELIVER;
	if (own->del.start != NEVER && overlaps(own->del.start, own->del.end,
	    e0, e1))
		allow |= ALLOW_AUTH_FAIL;
	if (other != MAX_PEERS && possibly_live(&t->peers[other], e0, e1)) {
		allow |= ALLOW_AUTH_FAIL;
		if (f->seq <= f->other_max_seq)
			allow |= ALLOW_REPLAY;
	}
	if (other != MAX_PEERS) {
		/* a same-SPI rekey moves the tag in one register write */
		from = 0;
		until = NEVER;
	} else {
		from = own->add.end == NEVER ? 0 : own->add.end;
		until = own->del.start;
	}
	if (!(from <= e0 && e1 <= until))
		allow |= ALLOW_MISS;
	return allow;
}

static void
allow_text(unsigned allow, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", allow & ALLOW_DELIVER ? "deliver " : "",
	    allow & ALLOW_MISS ? "miss " : "",
	    allow & ALLOW_AUTH_FAIL ? "auth_fail " : "",
	    allow & ALLOW_REPLAY ? "replay " : "");
}

static void
frame_fail(struct test *t, const struct round *r, size_t i, unsigned allow,
    const char *got)
{
	const struct sent *f = &r->frames[i];
	const struct peer *p = &t->peers[f->peer];
	char may[64], ops[96], what[600];
	const char *role = f->peer == r->old_peer ? "old SA" :
	    f->peer == r->new_peer ? "new SA" : "untouched SA";

	allow_text(allow, may, sizeof(may));
	if (r->n_ops > 1)
		snprintf(ops, sizeof(ops), "[%" PRIu64 ", %" PRIu64 ") and [%"
		    PRIu64 ", %" PRIu64 ")", r->op[0].start, r->op[0].end,
		    r->op[1].start, r->op[1].end);
	else if (r->n_ops == 1)
		snprintf(ops, sizeof(ops), "[%" PRIu64 ", %" PRIu64 ")",
		    r->op[0].start, r->op[0].end);
	else
		snprintf(ops, sizeof(ops), "none");
	snprintf(what, sizeof(what), "round %u (%s, switch %s), frame %zu "
	    "(RX_SEQ %u) of the %s: SPI 0x%08x seq %" PRIu64 " index %u, "
	    "%zu bytes, wire beats [%" PRIu64 ", %" PRIu64 "); register "
	    "changes at beats %s; may: %s; got: %s",
	    r->number, change_name[r->change], moment_name[r->moment], i,
	    (unsigned)(uint16_t)(r->first_frame + i), role,
	    (unsigned)p->sa.spi, f->seq, (unsigned)p->index, f->len,
	    f->beat_first, f->beat_end, ops, may, got);
	fail(t, "frame outcome", what);
}

struct tally {
	uint64_t delivered, missed[4], silent;
	uint64_t silent_may_auth, silent_may_replay;
	uint64_t silent_only_new;       /* silent drops only the new SA can own */
	uint64_t must_deliver, must_drop, transition;
};

static unsigned
miss_reason(const struct peer *p)
{
	if (p->sa.udp_encap)
		return p->sa.ipv6 ? SPISYNC_R_SA_NOT_FOUND_NATT_V6 :
		    SPISYNC_R_SA_NOT_FOUND_NATT_V4;
	return p->sa.ipv6 ? SPISYNC_R_SA_NOT_FOUND_V6 :
	    SPISYNC_R_SA_NOT_FOUND_V4;
}

static void
judge_host(struct test *t, const struct round *r, size_t i, unsigned allow,
    struct tally *y)
{
	const struct sent *f = &r->frames[i];
	struct peer *p = &t->peers[f->peer];
	char got[128];

	snprintf(got, sizeof(got), "host frame, outcome %u, index %u, %s",
	    f->got_outcome, f->got_index, f->got_ok ? "bytes exact" :
	    "BYTES DIFFER");
	if (!(allow & ALLOW_DELIVER) || f->got_outcome != SPISYNC_R_DECRYPTED ||
	    f->got_index != p->index || !f->got_ok) {
		frame_fail(t, r, i, allow, got);
		return;
	}
	y->delivered++;
	p->packets++;
	p->bytes += f->ct_len;
}

static void
judge_event(struct test *t, const struct round *r, size_t i, unsigned allow,
    struct tally *y)
{
	const struct sent *f = &r->frames[i];
	const struct peer *p = &t->peers[f->peer];

	if (!(allow & ALLOW_MISS) || !f->got_ok) {
		frame_fail(t, r, i, allow, f->got_ok ? "SA miss event" :
		    "SA miss event with WRONG FIELDS");
		return;
	}
	y->missed[miss_reason(p) - SPISYNC_R_SA_NOT_FOUND_V4]++;
}

static void
judge_silent(struct test *t, const struct round *r, size_t i, unsigned allow,
    struct tally *y)
{
	const struct sent *f = &r->frames[i];

	if (!(allow & (ALLOW_AUTH_FAIL | ALLOW_REPLAY))) {
		frame_fail(t, r, i, allow, "nothing (dropped without event)");
		return;
	}
	y->silent++;
	if (allow & ALLOW_AUTH_FAIL)
		y->silent_may_auth++;
	if (allow & ALLOW_REPLAY)
		y->silent_may_replay++;
	if (!(allow & ALLOW_DELIVER) && f->peer != r->new_peer &&
	    other_key(r, f->peer) == r->new_peer)
		y->silent_only_new++;
}

static void
judge_frames(struct test *t, struct round *r, struct tally *y)
{
	for (size_t i = 0; i < r->n_frames; i++) {
		const struct sent *f = &r->frames[i];
		const unsigned allow = allowed(t, r, f);

		if (allow == ALLOW_DELIVER)
			y->must_deliver++;
		else if (!(allow & ALLOW_DELIVER))
			y->must_drop++;
		else
			y->transition++;
		switch (f->got) {
		case GOT_HOST:
			judge_host(t, r, i, allow, y);
			break;
		case GOT_EVENT:
			judge_event(t, r, i, allow, y);
			break;
		default:
			judge_silent(t, r, i, allow, y);
			break;
		}
	}
}

static void
counter_fail(struct test *t, const struct round *r, const char *what,
    uint64_t card, uint64_t want)
{
	char detail[160];

	snprintf(detail, sizeof(detail), "round %u: card %" PRIu64
	    ", expected %" PRIu64, r->number, card, want);
	fail(t, what, detail);
}

/* Reason counters of the round: in = out, and every outcome accounted. */
static void
judge_counters(struct test *t, const struct round *r, const struct tally *y,
    const uint64_t after[SPISYNC_NUM_REASONS])
{
	uint64_t d[SPISYNC_NUM_REASONS], outcomes = 0;

	for (unsigned k = 0; k < SPISYNC_NUM_REASONS; k++) {
		d[k] = after[k] - r->counters_before[k];
		if (k != SPISYNC_R_RX_PACKETS)
			outcomes += d[k];
	}
	if (d[SPISYNC_R_RX_PACKETS] != r->n_frames)
		counter_fail(t, r, "RX_PACKETS is not the frames sent",
		    d[SPISYNC_R_RX_PACKETS], r->n_frames);
	if (outcomes != d[SPISYNC_R_RX_PACKETS])
		counter_fail(t, r, "outcome counters do not add up to "
		    "RX_PACKETS", outcomes, d[SPISYNC_R_RX_PACKETS]);
	if (d[SPISYNC_R_DECRYPTED] != y->delivered)
		counter_fail(t, r, "DECRYPTED is not the frames delivered",
		    d[SPISYNC_R_DECRYPTED], y->delivered);
	for (unsigned m = 0; m < 4; m++)
		if (d[SPISYNC_R_SA_NOT_FOUND_V4 + m] != y->missed[m])
			counter_fail(t, r, spisync_reason_name[
			    SPISYNC_R_SA_NOT_FOUND_V4 + m], d[
			    SPISYNC_R_SA_NOT_FOUND_V4 + m], y->missed[m]);
	if (d[SPISYNC_R_AUTH_FAIL] + d[SPISYNC_R_REPLAY] != y->silent)
		counter_fail(t, r, "AUTH_FAIL + REPLAY is not the frames "
		    "dropped without event", d[SPISYNC_R_AUTH_FAIL] +
		    d[SPISYNC_R_REPLAY], y->silent);
	if (d[SPISYNC_R_AUTH_FAIL] > y->silent_may_auth)
		counter_fail(t, r, "AUTH_FAIL beyond the frames that may fail "
		    "authentication", d[SPISYNC_R_AUTH_FAIL],
		    y->silent_may_auth);
	if (d[SPISYNC_R_REPLAY] > y->silent_may_replay)
		counter_fail(t, r, "REPLAY beyond the frames that may be "
		    "replays", d[SPISYNC_R_REPLAY], y->silent_may_replay);
	for (unsigned k = 1; k < SPISYNC_NUM_REASONS; k++) {
		if (k == SPISYNC_R_DECRYPTED || k == SPISYNC_R_AUTH_FAIL ||
		    k == SPISYNC_R_REPLAY ||
		    (k >= SPISYNC_R_SA_NOT_FOUND_V4 &&
		    k <= SPISYNC_R_SA_NOT_FOUND_NATT_V6))
			continue;
		if (d[k] != 0)
			counter_fail(t, r, spisync_reason_name[k], d[k], 0);
	}
	if (t->opt.verbose) {
		printf("    counters:");
		for (unsigned k = 0; k < SPISYNC_NUM_REASONS; k++)
			if (d[k] != 0)
				printf(" %s %" PRIu64, spisync_reason_name[k],
				    d[k]);
		printf("\n");
	}
}

/* Per-SA counters of every live SA: exact packets and bytes; drops only
 * on the new SA of a same-SPI rekey, within what the round allows. */
static void
judge_sa_counters(struct test *t, const struct round *r,
    const struct tally *y, const uint64_t after[SPISYNC_NUM_REASONS])
{
	const uint64_t d_auth = after[SPISYNC_R_AUTH_FAIL] -
	    r->counters_before[SPISYNC_R_AUTH_FAIL];
	const uint64_t d_replay = after[SPISYNC_R_REPLAY] -
	    r->counters_before[SPISYNC_R_REPLAY];

	for (unsigned i = 0; i < MAX_PEERS; i++) {
		struct peer *p = &t->peers[i];
		uint64_t pk, by, af, rp, daf, drp;
		char what[200];
		int rc;

		if (!t->live[i])
			continue;
		rc = card_ctl_sa_stats(t->ctl, p->index, &pk, &by, &af, &rp);
		if (rc != SA_OK) {
			fail(t, "per-SA counters unreadable",
			    card_ctl_strerror(rc));
			continue;
		}
		daf = af - p->auth_fail;
		drp = rp - p->replay;
		snprintf(what, sizeof(what), "round %u, index %u (%s): "
		    "card %" PRIu64 "/%" PRIu64 "/+%" PRIu64 "/+%" PRIu64
		    ", expected %" PRIu64 "/%" PRIu64, r->number,
		    (unsigned)p->index, i == r->new_peer ? "new SA" :
		    "untouched SA", pk, by, daf, drp, p->packets, p->bytes);
		if (pk != p->packets || by != p->bytes)
			fail(t, "per-SA packets/bytes", what);
		if (i != r->new_peer && (daf != 0 || drp != 0))
			fail(t, "per-SA drops on an SA that saw none", what);
		if (i == r->new_peer && (daf > d_auth || drp > d_replay ||
		    daf + drp < y->silent_only_new))
			fail(t, "per-SA drops of the new SA", what);
		p->auth_fail = af;
		p->replay = rp;
	}
}

/* ------------------------------------------------------------------ */

static void
free_round(struct round *r)
{
	for (size_t i = 0; i < r->n_frames; i++)
		free(r->frames[i].expect);
	free(r->frames);
	r->frames = NULL;
	r->n_frames = r->cap_frames = 0;
}

static uint64_t
op_estimate(const struct test *t, enum change c)
{
	switch (c) {
	case CH_REKEY:
		return t->op_beats[OPT_REPLACE_SAME];
	case CH_REPLACE_SPI:
		return t->op_beats[OPT_REPLACE_NEW];
	case CH_MBB:
		return t->op_beats[OPT_ADD];
	default:
		return 0;
	}
}

/* Choose the target, make its successor, place the switch. */
static int
plan_round(struct test *t, struct round *r)
{
	const uint64_t pre = rnd_range(t, 2000, 4000);
	uint64_t est;
	unsigned cand[MAX_PEERS], n = 0;
	int slot;

	r->old_peer = r->new_peer = MAX_PEERS;
	r->start_beat = t->pushed_beats;
	r->end_beat = NEVER;
	r->n_ops = 0;
	if (r->change == CH_NONE) {
		r->end_beat = r->start_beat + pre;
		return 0;
	}
	for (unsigned i = 0; i < MAX_PEERS; i++)
		if (t->live[i])
			cand[n++] = i;
	slot = free_slot(t);
	if (n == 0 || slot < 0)
		return -1;
	r->old_peer = cand[rnd(t, n)];
	r->new_peer = (unsigned)slot;
	successor(t, &t->peers[r->old_peer], &t->peers[r->new_peer],
	    r->change == CH_REKEY);
	t->live[slot] = true;
	t->peers[r->old_peer].add.start = t->peers[r->old_peer].add.end = NEVER;
	t->peers[r->old_peer].del.start = t->peers[r->old_peer].del.end = NEVER;

	r->n_ops = r->change == CH_MBB ? 2 : 1;
	r->op_plan[0] = r->start_beat + pre;
	r->op_plan[1] = NEVER;
	est = op_estimate(t, r->change);
	switch (r->moment) {
	case AT_BEFORE:
		r->switch_beat = r->op_plan[0] - rnd_range(t, 300, 1200);
		r->jitter = rnd_range(t, 0, 300);
		break;
	case AT_DURING:
		r->switch_beat = r->op_plan[0] + est / 2;
		r->jitter = rnd_range(t, 0, est / 2);
		break;
	default:
		r->switch_beat = r->op_plan[0] + est + rnd_range(t, 300, 1200);
		r->jitter = rnd_range(t, 0, 300);
		break;
	}
	return 0;
}

/* The old SA is gone: its slot is free, its index remembered. */
static void
retire_old(struct test *t, const struct round *r)
{
	struct peer *o;

	if (r->old_peer == MAX_PEERS)
		return;
	o = &t->peers[r->old_peer];
	t->index_packets[o->index] = o->packets;
	t->live[r->old_peer] = false;
	t->peers[r->new_peer].add.start = t->peers[r->new_peer].add.end = NEVER;
}

static void
print_round(const struct test *t, const struct round *r,
    const struct tally *y)
{
	const struct peer *o = r->old_peer == MAX_PEERS ? NULL :
	    &t->peers[r->old_peer];
	const struct peer *n = r->new_peer == MAX_PEERS ? NULL :
	    &t->peers[r->new_peer];

	printf("  round %2u: %-15s switch %-6s", r->number,
	    change_name[r->change], r->change == CH_NONE ? "-" :
	    moment_name[r->moment]);
	if (o != NULL)
		printf(" %s%s AES-%u->%u idx %u->%u", o->sa.ipv6 ? "v6" : "v4",
		    o->sa.udp_encap ? "/udp" : "", o->sa.key_len * 8,
		    n->sa.key_len * 8, (unsigned)o->index, (unsigned)n->index);
	printf(" | %zu frames: %" PRIu64 " must deliver, %" PRIu64
	    " transition, %" PRIu64 " must drop; %" PRIu64 " delivered, %"
	    PRIu64 " miss, %" PRIu64 " auth/replay", r->n_frames,
	    y->must_deliver, y->transition, y->must_drop, y->delivered,
	    y->missed[0] + y->missed[1] + y->missed[2] + y->missed[3],
	    y->silent);
	if (r->n_ops > 0)
		printf(" | op clocks %" PRIu64, r->op_clocks[0]);
	if (r->n_ops > 1)
		printf("+%" PRIu64, r->op_clocks[1]);
	printf("\n");
}

static int
run_round(struct test *t, unsigned number, enum change change,
    enum moment moment)
{
	struct round r;
	struct tally y;
	uint64_t after[SPISYNC_NUM_REASONS];
	const unsigned long failures = t->failures;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	memset(&y, 0, sizeof(y));
	r.number = number;
	r.change = change;
	r.moment = moment;
	r.first_frame = t->frames_sent;
	card_ctl_counters(t->ctl, r.counters_before);
	if (r.counters_before[SPISYNC_R_RX_PACKETS] != t->frames_sent) {
		counter_fail(t, &r, "RX_PACKETS before the round",
		    r.counters_before[SPISYNC_R_RX_PACKETS], t->frames_sent);
		goto out;
	}
	if (plan_round(t, &r) != 0 || run_traffic(t, &r) != 0)
		goto out;
	if (r.new_peer != MAX_PEERS &&
	    t->index_packets[t->peers[r.new_peer].index] != 0)
		t->recycled_checks++;
	judge_frames(t, &r, &y);
	card_ctl_counters(t->ctl, after);
	judge_counters(t, &r, &y, after);
	retire_old(t, &r);
	judge_sa_counters(t, &r, &y, after);
	if (card_ctl_events_lost(t->ctl) != 0)
		fail(t, "EVENTS_LOST is not 0 (the ring is always drained)",
		    NULL);
	if (card_sim_protocol_error(t->card))
		fail(t, "card_sim_protocol_error", NULL);
	print_round(t, &r, &y);
	t->total_frames += r.n_frames;
	t->total_must_deliver += y.must_deliver;
	t->total_transition += y.transition;
	t->total_must_drop += y.must_drop;
	t->total_delivered += y.delivered;
	t->total_missed += y.missed[0] + y.missed[1] + y.missed[2] +
	    y.missed[3];
	t->total_silent += y.silent;
	rc = t->failures == failures ? 0 : 1;
out:
	free_round(&r);
	return rc;
}

/* ------------------------------------------------------------------ */

/* Clocks of one AXI4-Lite write, and the latency of a lone frame (first
 * wire beat to its last host beat), checked like any other frame. */
static int
calibrate(struct test *t, uint64_t *write_clocks, uint64_t *latency,
    size_t *latency_len)
{
	struct round r;
	struct tally y;
	uint64_t c0, after[SPISYNC_NUM_REASONS];
	int rc = -1;

	c0 = card_sim_cycles(t->card);
	card_sim_mmio_write(t->card, SPISYNC_REG_COUNTER_SNAPSHOT, 1);
	*write_clocks = card_sim_cycles(t->card) - c0;

	memset(&r, 0, sizeof(r));
	memset(&y, 0, sizeof(y));
	r.change = CH_NONE;
	r.old_peer = r.new_peer = MAX_PEERS;
	r.first_frame = t->frames_sent;
	t->pushed_beats = card_sim_wire_beats(t->card);
	card_ctl_counters(t->ctl, r.counters_before);
	if (push_one(t, &r) != 0)
		goto out;
	c0 = card_sim_cycles(t->card);
	while (r.frames[0].got == GOT_NOTHING &&
	    card_sim_cycles(t->card) - c0 < 100000) {
		card_sim_step(t->card, 1);
		collect(t, &r);
	}
	*latency = card_sim_cycles(t->card) - c0;
	*latency_len = r.frames[0].len;
	drain(t, &r);
	judge_frames(t, &r, &y);
	card_ctl_counters(t->ctl, after);
	judge_counters(t, &r, &y, after);
	rc = 0;
out:
	free_round(&r);
	return rc;
}

/* Rough durations until measured: register writes per operation. */
static void
initial_estimates(struct test *t, uint64_t write_clocks)
{
	const uint64_t stage = SPISYNC_SA_WORDS + 1;

	t->op_beats[OPT_ADD] = (2 * stage + 3) * write_clocks;
	t->op_beats[OPT_DEL] = (stage + 3) * write_clocks;
	t->op_beats[OPT_REPLACE_SAME] = (2 * stage + 3) * write_clocks;
	t->op_beats[OPT_REPLACE_NEW] = (3 * stage + 6) * write_clocks;
}

static int
setup(struct test *t)
{
	char err[256];

	prng_seed(&t->rng, t->opt.seed);
	t->card = card_sim_create(t->opt.width);
	if (t->card == NULL) {
		fprintf(stderr, "test_sa_replace: no card model of width %u\n",
		    t->opt.width);
		return -1;
	}
	if (card_ctl_open(t->card, &t->ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "test_sa_replace: %s\n", err);
		return -1;
	}
	card_ctl_event_filter(t->ctl, 0, 0, 1);
	card_sim_mmio_write(t->card, SPISYNC_REG_AUTH_FAIL_BURST, 0);
	card_sim_mmio_write(t->card, SPISYNC_REG_REPLAY_BURST, 0);
	if (card_sim_events_enable(t->card, 14) != 0) {
		fprintf(stderr, "test_sa_replace: event ring setup failed\n");
		return -1;
	}
	t->capacity = card_ctl_sa_capacity(t->ctl);
	t->index_packets = calloc(t->capacity, sizeof(*t->index_packets));
	if (t->index_packets == NULL)
		return -1;
	card_sim_set_gap(t->card, t->opt.gap);
	card_sim_set_host_ready(t->card, 100, t->opt.seed);
	return install_initial(t);
}

static void
report(const struct test *t, uint64_t write_clocks, uint64_t latency,
    size_t latency_len)
{
	printf("test_sa_replace: %" PRIu64 " frames: %" PRIu64 " must be "
	    "delivered, %" PRIu64 " in a transition, %" PRIu64 " must be "
	    "dropped; %" PRIu64 " delivered, %" PRIu64 " SA misses, %" PRIu64
	    " AUTH_FAIL/REPLAY\n", t->total_frames, t->total_must_deliver,
	    t->total_transition, t->total_must_drop, t->total_delivered,
	    t->total_missed, t->total_silent);
	printf("test_sa_replace: one register write %" PRIu64 " clocks; lone "
	    "%zu-byte frame, first wire beat to last host beat: %" PRIu64
	    " clocks\n", write_clocks, latency_len, latency);
	for (unsigned k = 0; k < OPT_TYPES; k++)
		if (t->op_max[k] != 0)
			printf("test_sa_replace: %-22s %" PRIu64 "..%" PRIu64
			    " clocks under traffic\n", op_name[k],
			    t->op_min[k], t->op_max[k]);
	printf("test_sa_replace: %u new SAs checked at an index that held "
	    "counted traffic before (GEN restart)\n", t->recycled_checks);
	printf("test_sa_replace: %" PRIu64 " clocks\n",
	    card_sim_cycles(t->card));
}

int
main(int argc, char **argv)
{
	static struct test t;
	uint64_t write_clocks = 0, latency = 0;
	size_t latency_len = 0;
	int status = 1;

	if (parse_options(argc, argv, &t.opt) != 0)
		return usage();
	printf("test_sa_replace: width %u, seed %" PRIu64 ", %u rounds, "
	    "gap %u\n", t.opt.width, t.opt.seed, t.opt.rounds, t.opt.gap);
	fflush(stdout);
	if (setup(&t) != 0)
		goto out;
	if (calibrate(&t, &write_clocks, &latency, &latency_len) != 0)
		goto out;
	initial_estimates(&t, write_clocks);
	for (unsigned n = 0; n < t.opt.rounds; n++) {
		/* every change at every moment: rekey, mbb, replace, each
		 * before, during, after */
		const enum change c = (enum change)(1 + n % 3);
		const enum moment m = (enum moment)((n / 3) % 3);

		if (run_round(&t, n, c, m) < 0)
			goto out;
		fflush(stdout);
	}
	report(&t, write_clocks, latency, latency_len);
	if (t.failures == 0) {
		printf("test_sa_replace: PASS\n");
		status = 0;
	} else {
		printf("test_sa_replace: FAIL (%lu failures)\n", t.failures);
	}
out:
	card_ctl_close(t.ctl);
	card_sim_destroy(t.card);
	free(t.index_packets);
	return status;
}
