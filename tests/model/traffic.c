/*
 * spisync tests -- randomized traffic with intent (traffic.h).
 *
 * The intent of a frame follows from how it was built plus what the
 * receiver must have accepted so far, which the generator tracks per SA
 * without any replay bitmap: the highest accepted sequence number (T), and
 * the delivered packets and bytes (hard lifetimes). A frame the receiver
 * accepts is authentic, fresh and unexpired; it moves T whatever its
 * trailer then says (bad padding, dummy, non-IP in a tunnel SA).
 *
 * Rules the generator keeps so that intents are exact:
 *  - sequence numbers are only ever sent once as fresh frames (a replay is a
 *    byte copy of an accepted frame; an old frame is left of the window);
 *  - an SA gets only valid in-order frames until it accepted one, so an ESN
 *    SA that starts just below 2^32 - W (to wrap soon) is never asked to
 *    infer a sequence number before its start;
 *  - SPIs are unique, so an SA's SPI with other addressing finds no SA.
 */

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "frame_build.h"
#include "prng.h"
#include "spisync_hw.h"
#include "traffic.h"

enum {
	WINDOW = 1024,                 /* docs/datapath.md 4: W */
	HELD_MAX = 8,                  /* frames held back for reordering */
	SENT_MAX = 32,                 /* accepted frames kept for replays */
	FRAME_CAP = TRAFFIC_FRAME_CAP,
	LEN_MIN = 64,
	LEN_MAX = 9600,
	PORT_IKE = 500,
	PORT_NATT = 4500,
	NH_ICMP = 1,
	NH_IPV4 = 4,
	NH_TCP = 6,
	NH_UDP = 17,
	NH_IPV6 = 41,
	NH_GRE = 47,
	NH_ESP = 50,
	NH_ICMPV6 = 58,
	NH_NONE = 59,
	NH_SCTP = 132,
	NH_FRAGMENT = 44,
	ESP_MIN_BODY = 16 + 2,         /* SPI, seq, IV, pad length, next header */
};

const char *const traffic_kind_name[TK_COUNT] = {
	[TK_VALID] = "valid",
	[TK_REORDER] = "reordered",
	[TK_REPLAY] = "replay",
	[TK_OLD] = "old (left of window)",
	[TK_TAMPER_CT] = "tampered ciphertext",
	[TK_TAMPER_ICV] = "tampered ICV",
	[TK_TAMPER_IV] = "tampered IV",
	[TK_TAMPER_SEQ] = "tampered sequence number",
	[TK_BAD_PAD] = "bad pad byte",
	[TK_BAD_PADLEN] = "pad length too long",
	[TK_TRUNCATED] = "truncated",
	[TK_BAD_IP_LEN] = "wrong IP length",
	[TK_BAD_UDP_LEN] = "wrong UDP length",
	[TK_BAD_CSUM] = "bad IPv4 checksum",
	[TK_RUNT] = "runt ESP",
	[TK_TUNNEL_NONIP] = "tunnel SA, non-IP next header",
	[TK_UNKNOWN_SPI] = "unknown SPI",
	[TK_WRONG_DST] = "SA's SPI, other destination",
	[TK_WRONG_ENCAP] = "SA's SPI, other encapsulation",
	[TK_RESERVED_SPI] = "reserved SPI",
	[TK_MAC_ERR] = "MAC error",
	[TK_DUMMY] = "dummy",
	[TK_ARP] = "ARP",
	[TK_UDP_OTHER] = "UDP other port",
	[TK_TCP] = "TCP",
	[TK_ICMP] = "ICMP",
	[TK_IKE_500] = "IKE on 500",
	[TK_IKE_4500] = "IKE on 4500",
	[TK_KEEPALIVE] = "NAT-T keepalive",
	[TK_UDP4500_LATER_FRAG] = "UDP 4500 later fragment",
	[TK_OTHER_ETHERTYPE] = "other ethertype",
	[TK_FRAG_ESP] = "IPv4 ESP fragment",
	[TK_FRAG_UDP4500] = "IPv4 UDP 4500 first fragment",
	[TK_V6_FRAG_ESP] = "IPv6 ESP fragment",
	[TK_V6_EXT] = "IPv6 extension headers",
};

struct sender {
	struct model_sa sa;
	uint8_t peer[16];              /* the peer's address (frames' source) */
	uint8_t peer_mac[6];
	uint64_t next;                 /* next sequence number to send */
	uint64_t top;                  /* T of the receiver, 0: nothing accepted */
	bool accepted_any;
	bool expired;                  /* a frame was refused as SA_EXPIRED */
	uint64_t packets, bytes;       /* delivered, against the hard lifetimes */
};

struct held {
	bool used;
	unsigned countdown;            /* frames to go before it is sent */
	unsigned sa;
	uint64_t s;
	bool tunnel;
	uint8_t nh;
	size_t ct_len, len, inner_len;
	uint8_t frame[FRAME_CAP];
	uint8_t inner[FRAME_CAP];
};

struct sent {
	unsigned sa;
	uint64_t s;
	size_t len;
	uint8_t frame[FRAME_CAP];
};

struct traffic {
	struct prng rng;
	struct traffic_mix mix;
	unsigned n_sas;
	struct sender *sas;
	struct held held[HELD_MAX];
	struct sent sent[SENT_MAX];
	unsigned n_sent, sent_next;
	uint8_t card_mac[6];
	uint8_t inner[FRAME_CAP];      /* what is encrypted, before the trailer */
	uint8_t scratch[FRAME_CAP];
	struct traffic_info info;
};

/* One frame for an SA: addressing, ESP parameters, what it carries. */
struct sa_frame {
	struct model_sa sa;            /* a copy: the faulty kinds change it */
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_udp udp;
	struct fb_esp esp;
	uint8_t options[40];
	struct fb_info fi;
	size_t inner_len;
	bool tunnel;
};

enum payload_mode { PL_NORMAL, PL_DUMMY, PL_NONIP };

/* What traffic_next() hands back. */
struct out {
	uint8_t *frame;
	size_t len;
	bool mac_err;
	uint8_t intent;
};

/* ---------------------------------------------------------------------
 * Random helpers
 * ------------------------------------------------------------------- */

static uint32_t
rnd(struct traffic *t, uint32_t bound)
{
	return prng_below(&t->rng, bound);
}

static bool
chance(struct traffic *t, unsigned percent)
{
	return rnd(t, 100) < percent;
}

/* 198.18.0.0/15 (RFC 2544 benchmarking) or 2001:db8::/32 (documentation). */
static void
rand_addr(struct traffic *t, bool ipv6, uint8_t out[16])
{
	memset(out, 0, 16);
	if (ipv6) {
		out[0] = 0x20;
		out[1] = 0x01;
		out[2] = 0x0d;
		out[3] = 0xb8;
		prng_fill(&t->rng, out + 4, 12);
	} else {
		out[0] = 198;
		out[1] = (uint8_t)(18 + rnd(t, 2));
		prng_fill(&t->rng, out + 2, 2);
	}
}

static void
rand_mac(struct traffic *t, uint8_t mac[6])
{
	prng_fill(&t->rng, mac, 6);
	mac[0] = 0x02;   /* locally administered, unicast */
}

/* Frame sizes: small, IMIX, around 1500, jumbo, beat boundaries, any. */
static size_t
pick_len(struct traffic *t)
{
	static const size_t imix[12] = {
		64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500,
	};
	size_t lo = t->mix.min_len, hi = t->mix.max_len, n;
	uint32_t r = rnd(t, 100);

	if (r < 30)
		n = 64 + rnd(t, 64);
	else if (r < 45)
		n = imix[rnd(t, 12)];
	else if (r < 60)
		n = 1400 + rnd(t, 119);
	else if (r < 70)
		n = 8000 + rnd(t, 1601);
	else if (r < 85) {
		/* one byte either side of a 16- or 64-byte beat */
		size_t beat = chance(t, 50) ? 16 : 64;

		n = beat * (1 + rnd(t, (uint32_t)(hi / beat))) + rnd(t, 3) - 1;
	} else
		n = lo + rnd(t, (uint32_t)(hi - lo + 1));
	if (n < lo)
		n = lo;
	if (n > hi)
		n = hi;
	return n;
}

/* ---------------------------------------------------------------------
 * SAs
 * ------------------------------------------------------------------- */

static bool
spi_taken(const struct traffic *t, unsigned n, uint32_t spi)
{
	for (unsigned i = 0; i < n; i++)
		if (t->sas[i].sa.spi == spi)
			return true;
	return false;
}

/* Any SPI no SA has, 256 .. 0xFFFFFFFF, some with a 0xFF top byte. */
static uint32_t
fresh_spi(struct traffic *t, unsigned n)
{
	uint32_t spi;

	do {
		if (chance(t, 20))
			spi = 0xFF000000u | (uint32_t)(prng_next(&t->rng) >> 40);
		else
			spi = (uint32_t)(prng_next(&t->rng) >> 32);
	} while (spi < 256 || spi_taken(t, n, spi));
	return spi;
}

/*
 * SA i. The first few get fixed traits so that any run of a few SAs has
 * IPv4/IPv6, plain/UDP, every mode, an ESN SA that wraps and both kinds of
 * hard lifetime; the rest are random.
 */
static void
make_sa(struct traffic *t, unsigned i)
{
	static const unsigned icvs[3] = { 8, 12, 16 };
	struct sender *snd = &t->sas[i];
	struct model_sa *sa = &snd->sa;
	bool wrap;

	memset(snd, 0, sizeof(*snd));
	sa->ipv6 = i < 4 ? (i & 1) != 0 : chance(t, 50);
	sa->udp_encap = i < 4 ? (i & 2) != 0 : chance(t, 35);
	sa->mode = (enum sa_mode)(i < 3 ? i : rnd(t, 3));
	sa->key_len = chance(t, 50) ? 32 : 16;
	prng_fill(&t->rng, sa->key, sa->key_len);
	prng_fill(&t->rng, sa->salt, 4);
	sa->icv_len = icvs[i < 3 ? 2 - i : rnd(t, 3)];
	sa->spi = fresh_spi(t, i);
	rand_addr(t, sa->ipv6, sa->dst);
	rand_addr(t, sa->ipv6, snd->peer);
	rand_mac(t, snd->peer_mac);
	sa->dport = PORT_NATT;
	sa->sport = chance(t, 50) ? PORT_NATT : (uint16_t)(1024 + rnd(t, 64512));
	sa->gen = (uint8_t)(1 + rnd(t, 255));
	wrap = i == 0 || (i > 2 && chance(t, 12));
	sa->esn = wrap || chance(t, 25);
	if (wrap)
		/* the first frame must lie below 2^32 - W + 1: the window of a
		 * new SA reads anything above as before its start */
		snd->next = 0xFFFFFC00u - rnd(t, 64);
	else if (chance(t, 20))
		snd->next = 1 + rnd(t, 1u << 30);
	else
		snd->next = 1;
	if (!wrap) {
		/* most frames of a run go to SAs still alive */
		if (i == 1 || (i > 2 && chance(t, 8)))
			sa->hard_packets = 400 + rnd(t, 600);
		if (i == 2 || (i > 2 && chance(t, 8)))
			sa->hard_bytes = 800000 + rnd(t, 1200000);
	}
}

void
traffic_mix_default(struct traffic_mix *mix)
{
	memset(mix, 0, sizeof(*mix));
	mix->reorder = 6;
	mix->replay = 4;
	mix->old = 2;
	mix->tamper = 5;
	mix->bad_pad = 2;
	mix->malformed = 5;
	mix->unknown_spi = 4;
	mix->reserved_spi = 1;
	mix->mac_err = 1;
	mix->dummy = 2;
	mix->pass = 6;
	mix->punt = 4;
	mix->vlan = 20;
	mix->min_len = LEN_MIN;
	mix->max_len = LEN_MAX;
}

static unsigned
mix_sum(const struct traffic_mix *m)
{
	return m->reorder + m->replay + m->old + m->tamper + m->bad_pad +
	    m->malformed + m->unknown_spi + m->reserved_spi + m->mac_err +
	    m->dummy + m->pass + m->punt;
}

static bool
mix_ok(const struct traffic_mix *m)
{
	return mix_sum(m) <= 100 && m->vlan <= 100 && m->min_len >= LEN_MIN &&
	    m->min_len <= m->max_len && m->max_len <= LEN_MAX;
}

struct traffic *
traffic_create(uint64_t seed, unsigned n_sas, const struct traffic_mix *mix)
{
	struct traffic *t;

	if (n_sas == 0 || n_sas > TRAFFIC_MAX_SAS)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (mix != NULL)
		t->mix = *mix;
	else
		traffic_mix_default(&t->mix);
	if (!mix_ok(&t->mix) ||
	    (t->sas = calloc(n_sas, sizeof(*t->sas))) == NULL) {
		free(t);
		return NULL;
	}
	prng_seed(&t->rng, seed);
	t->n_sas = n_sas;
	rand_mac(t, t->card_mac);
	for (unsigned i = 0; i < n_sas; i++)
		make_sa(t, i);
	return t;
}

void
traffic_destroy(struct traffic *t)
{
	if (t == NULL)
		return;
	free(t->sas);
	free(t);
}

const struct model_sa *
traffic_sa(const struct traffic *t, unsigned i)
{
	return i < t->n_sas ? &t->sas[i].sa : NULL;
}

unsigned
traffic_sa_count(const struct traffic *t)
{
	return t->n_sas;
}

const struct traffic_info *
traffic_last(const struct traffic *t)
{
	return &t->info;
}

/* ---------------------------------------------------------------------
 * Headers
 * ------------------------------------------------------------------- */

static void
fill_eth(struct traffic *t, struct fb_eth *eth, const uint8_t src[6])
{
	memset(eth, 0, sizeof(*eth));
	memcpy(eth->dst, t->card_mac, 6);
	memcpy(eth->src, src, 6);
	eth->vlan = chance(t, t->mix.vlan);
	eth->tci = (uint16_t)(rnd(t, 8) << 13 | rnd(t, 4096));
	eth->pad_min = true;
}

/* Options: NOPs then End of List; any length the header allows. */
static size_t
fill_options(struct traffic *t, uint8_t options[40])
{
	size_t n = 4 * (1 + rnd(t, 10));

	memset(options, 1, n);
	options[n - 1] = 0;
	return n;
}

static void
fill_ip(struct traffic *t, struct fb_ip *ip, bool ipv6, const uint8_t src[16],
    const uint8_t dst[16], uint8_t options[40])
{
	memset(ip, 0, sizeof(*ip));
	ip->ipv6 = ipv6;
	memcpy(ip->src, src, 16);
	memcpy(ip->dst, dst, 16);
	ip->ttl = (uint8_t)(1 + rnd(t, 255));
	ip->tos = (uint8_t)(rnd(t, 64) << 2);
	ip->id = (uint16_t)rnd(t, 65536);
	ip->df = chance(t, 50);
	if (!ipv6 && chance(t, 10)) {
		ip->options = options;
		ip->options_len = fill_options(t, options);
	}
}

static void
fill_pass_ip(struct traffic *t, struct fb_ip *ip, bool ipv6,
    uint8_t options[40])
{
	uint8_t src[16], dst[16];

	rand_addr(t, ipv6, src);
	rand_addr(t, ipv6, dst);
	fill_ip(t, ip, ipv6, src, dst, options);
}

/* ---------------------------------------------------------------------
 * ESP frames for an SA
 * ------------------------------------------------------------------- */

static void
sa_frame_init(struct traffic *t, struct sa_frame *f, const struct sender *snd,
    const struct model_sa *sa, uint64_t s)
{
	memset(f, 0, sizeof(*f));
	f->sa = *sa;
	fill_eth(t, &f->eth, snd->peer_mac);
	fill_ip(t, &f->ip, sa->ipv6, snd->peer, sa->dst, f->options);
	if (sa->ipv6 != snd->sa.ipv6)
		rand_addr(t, sa->ipv6, f->ip.src);
	f->udp.sport = sa->sport;
	f->udp.dport = PORT_NATT;
	f->udp.zero_csum = true;
	f->esp.spi = sa->spi;
	f->esp.seq = s;
	f->esp.esn = sa->esn;
	prng_fill(&t->rng, f->esp.iv, sizeof(f->esp.iv));
	f->esp.key = f->sa.key;
	f->esp.key_len = sa->key_len;
	memcpy(f->esp.salt, sa->salt, 4);
	f->esp.icv_len = sa->icv_len;
}

static const struct fb_udp *
sa_frame_udp(const struct sa_frame *f)
{
	return f->sa.udp_encap ? &f->udp : NULL;
}

/*
 * The payload size that makes the frame as long as a picked size, some
 * frames with extra (TFC-like) padding: payload + 2 a multiple of 4, the
 * remainder in padding. Below min_payload the frame is simply longer.
 */
static size_t
payload_size(struct traffic *t, struct sa_frame *f, size_t min_payload)
{
	size_t target = pick_len(t);
	size_t overhead = fb_esp_frame_overhead(&f->eth, &f->ip,
	    sa_frame_udp(f), &f->esp);
	size_t extra = chance(t, 10) ? 1 + rnd(t, 200) : 0;
	size_t avail, p;

	/* a wrong pad byte needs pad bytes; the builder would add them */
	if (f->esp.pad_fault == FB_PAD_WRONG_BYTE && extra == 0)
		extra = 4;

	f->esp.extra_pad = (unsigned)extra;
	if (target < overhead + extra + min_payload)
		return min_payload;
	avail = target - overhead;
	p = avail - extra;
	if (p < min_payload + (p + 2) % 4)
		return min_payload;
	p -= (p + 2) % 4;
	f->esp.extra_pad = (unsigned)(avail - p);
	return p;
}

/* A tunnel-mode inner packet, IPv4 or IPv6, UDP/TCP/ICMP. */
static int
tunnel_payload(struct traffic *t, struct sa_frame *f)
{
	static const uint8_t protos[3] = { NH_UDP, NH_TCP, NH_ICMP };
	struct fb_ip in;
	uint8_t opt[40];
	bool v6 = chance(t, 40);
	uint8_t proto = protos[rnd(t, 3)];
	size_t hdr, p, data;

	if (proto == NH_ICMP && v6)
		proto = NH_ICMPV6;
	fill_pass_ip(t, &in, v6, opt);
	in.options = NULL;
	in.options_len = 0;
	hdr = (v6 ? 40 : 20) + fb_l4_header_len(proto);
	p = payload_size(t, f, hdr);
	data = p - hdr;
	prng_fill(&t->rng, t->scratch, data);
	if (fb_inner_packet(t->inner, FRAME_CAP, &in, proto,
	    (uint16_t)rnd(t, 65536), (uint16_t)rnd(t, 65536), t->scratch, data,
	    &f->inner_len) != 0)
		return -1;
	f->esp.next_header = v6 ? NH_IPV6 : NH_IPV4;
	return 0;
}

/* A transport-mode segment (checksums over the outer addresses). */
static int
transport_payload(struct traffic *t, struct sa_frame *f)
{
	static const uint8_t protos[6] = {
		NH_UDP, NH_TCP, NH_ICMP, NH_SCTP, NH_GRE, NH_ESP,
	};
	uint8_t proto = protos[rnd(t, 6)];
	size_t hdr, p;

	if (proto == NH_ICMP && f->sa.ipv6)
		proto = NH_ICMPV6;
	hdr = fb_l4_header_len(proto);
	p = payload_size(t, f, hdr);
	prng_fill(&t->rng, t->scratch, p - hdr);
	if (fb_l4_segment(t->inner, FRAME_CAP, &f->ip, proto,
	    (uint16_t)rnd(t, 65536), (uint16_t)rnd(t, 65536), t->scratch,
	    p - hdr, &f->inner_len) != 0)
		return -1;
	f->esp.next_header = proto;
	return 0;
}

static int
dummy_payload(struct traffic *t, struct sa_frame *f)
{
	f->inner_len = payload_size(t, f, 0);
	prng_fill(&t->rng, t->inner, f->inner_len);
	f->esp.next_header = NH_NONE;
	return 0;
}

static int
sa_frame_payload(struct traffic *t, struct sa_frame *f, enum payload_mode mode)
{
	bool ip_inner;
	int rc;

	switch (mode) {
	case PL_DUMMY:
		return dummy_payload(t, f);
	case PL_NONIP:
		return transport_payload(t, f);
	case PL_NORMAL:
	default:
		break;
	}
	if (f->sa.mode == SA_MODE_TUNNEL)
		ip_inner = true;
	else if (f->sa.mode == SA_MODE_TRANSPORT)
		ip_inner = chance(t, 15);
	else
		ip_inner = chance(t, 60);
	rc = ip_inner ? tunnel_payload(t, f) : transport_payload(t, f);
	f->tunnel = f->sa.mode == SA_MODE_TUNNEL ||
	    (f->sa.mode == SA_MODE_AUTO && ip_inner);
	return rc;
}

static int
sa_frame_build(struct sa_frame *f, const struct traffic *t, uint8_t *buf)
{
	return fb_esp_frame(buf, FRAME_CAP, &f->eth, &f->ip, sa_frame_udp(f),
	    &f->esp, t->inner, f->inner_len, &f->fi);
}

/* Build a frame for SA i with sequence number s. */
static int
build_sa(struct traffic *t, unsigned i, uint64_t s, enum payload_mode mode,
    enum fb_pad_fault pad_fault, struct sa_frame *f, uint8_t *buf)
{
	const struct sender *snd = &t->sas[i];

	sa_frame_init(t, f, snd, &snd->sa, s);
	f->esp.pad_fault = pad_fault;
	if (sa_frame_payload(t, f, mode) != 0)
		return -1;
	return sa_frame_build(f, t, buf);
}

/* ---------------------------------------------------------------------
 * The receiver as the frames so far must have left it
 * ------------------------------------------------------------------- */

static bool
left_of_window(const struct sender *snd, uint64_t s)
{
	return snd->top >= WINDOW && s <= snd->top - WINDOW;
}

static void
remember_sent(struct traffic *t, unsigned i, uint64_t s, const uint8_t *frame,
    size_t len)
{
	struct sent *e = &t->sent[t->sent_next];

	e->sa = i;
	e->s = s;
	e->len = len;
	memcpy(e->frame, frame, len);
	t->sent_next = (t->sent_next + 1) % SENT_MAX;
	if (t->n_sent < SENT_MAX)
		t->n_sent++;
}

/*
 * An authentic frame with a fresh S inside (or right of) the window: the
 * receiver drops it if the hard lifetime is used up, else accepts it (the
 * window moves) and it gets its trailer's verdict.
 */
static uint8_t
accept(struct traffic *t, unsigned i, uint64_t s, size_t ct_len, uint8_t base,
    const uint8_t *frame, size_t len)
{
	struct sender *snd = &t->sas[i];
	const struct model_sa *sa = &snd->sa;

	if ((sa->hard_packets != 0 && snd->packets + 1 > sa->hard_packets) ||
	    (sa->hard_bytes != 0 && snd->bytes + ct_len > sa->hard_bytes)) {
		snd->expired = true;
		return SPISYNC_R_SA_EXPIRED;
	}
	if (s > snd->top)
		snd->top = s;
	snd->accepted_any = true;
	if (base == SPISYNC_R_DECRYPTED) {
		snd->packets++;
		snd->bytes += ct_len;
	}
	remember_sent(t, i, s, frame, len);
	return base;
}

static void
info_sa(struct traffic *t, enum traffic_kind kind, unsigned i, uint64_t s)
{
	t->info.kind = kind;
	t->info.sa = (int)i;
	t->info.seq = s;
}

static void
info_payload(struct traffic *t, const struct sa_frame *f)
{
	t->info.tunnel = f->tunnel;
	t->info.next_header = f->esp.next_header;
	t->info.inner = t->inner;
	t->info.inner_len = f->inner_len;
	t->info.ct_len = f->fi.ct_len;
}

/*
 * Some SA, if need_accepted one that accepted a frame already; -1 if none
 * turned up. A peer moves on from an expired SA: only a trickle of frames
 * still goes to one.
 */
static int
pick_sa(struct traffic *t, bool need_accepted)
{
	for (int tries = 0; tries < 8; tries++) {
		unsigned i = rnd(t, t->n_sas);
		const struct sender *snd = &t->sas[i];

		if (need_accepted && !snd->accepted_any)
			continue;
		if (snd->expired && chance(t, 90))
			continue;
		return (int)i;
	}
	return -1;
}

/* ---------------------------------------------------------------------
 * Authentic frames: valid, bad padding, dummy, non-IP in a tunnel SA
 * ------------------------------------------------------------------- */

static uint8_t
authentic_base(enum payload_mode mode, enum fb_pad_fault pad_fault)
{
	if (pad_fault != FB_PAD_OK)
		return SPISYNC_R_BAD_PADDING;
	if (mode == PL_DUMMY)
		return SPISYNC_R_DUMMY;
	if (mode == PL_NONIP)
		return SPISYNC_R_MALFORMED;
	return SPISYNC_R_DECRYPTED;
}

static int
gen_authentic(struct traffic *t, struct out *o, enum traffic_kind kind,
    unsigned i, enum payload_mode mode, enum fb_pad_fault pad_fault)
{
	struct sender *snd = &t->sas[i];
	uint64_t s = snd->next++;
	struct sa_frame f;

	if (build_sa(t, i, s, mode, pad_fault, &f, o->frame) != 0)
		return -1;
	o->len = f.fi.len;
	o->intent = accept(t, i, s, f.fi.ct_len, authentic_base(mode,
	    pad_fault), o->frame, o->len);
	info_sa(t, kind, i, s);
	info_payload(t, &f);
	return 0;
}

static int
gen_valid(struct traffic *t, struct out *o)
{
	int i = pick_sa(t, false);

	if (i < 0)
		i = (int)rnd(t, t->n_sas);
	return gen_authentic(t, o, TK_VALID, (unsigned)i, PL_NORMAL,
	    FB_PAD_OK);
}

static struct held *
free_held(struct traffic *t)
{
	for (unsigned k = 0; k < HELD_MAX; k++)
		if (!t->held[k].used)
			return &t->held[k];
	return NULL;
}

/* Hold a valid frame back, send the next one of the same SA now. */
static int
gen_reorder(struct traffic *t, struct out *o)
{
	struct held *h = free_held(t);
	int i = pick_sa(t, true);
	struct sa_frame f;

	if (h == NULL || i < 0)
		return gen_valid(t, o);
	h->sa = (unsigned)i;
	h->s = t->sas[i].next++;
	if (build_sa(t, h->sa, h->s, PL_NORMAL, FB_PAD_OK, &f, h->frame) != 0)
		return -1;
	h->len = f.fi.len;
	h->ct_len = f.fi.ct_len;
	h->tunnel = f.tunnel;
	h->nh = f.esp.next_header;
	h->inner_len = f.inner_len;
	memcpy(h->inner, t->inner, f.inner_len);
	/* mostly a short delay; now and then long enough to leave the window */
	h->countdown = chance(t, 95) ? 1 + rnd(t, 16) : 1 + rnd(t, 3000);
	h->used = true;
	return gen_authentic(t, o, TK_VALID, h->sa, PL_NORMAL, FB_PAD_OK);
}

static struct held *
due_held(struct traffic *t)
{
	struct held *due = NULL;

	for (unsigned k = 0; k < HELD_MAX; k++) {
		struct held *h = &t->held[k];

		if (!h->used)
			continue;
		if (h->countdown > 0)
			h->countdown--;
		if (h->countdown == 0 && due == NULL)
			due = h;
	}
	return due;
}

static void
send_held(struct traffic *t, struct held *h, struct out *o)
{
	const struct sender *snd = &t->sas[h->sa];

	memcpy(o->frame, h->frame, h->len);
	o->len = h->len;
	info_sa(t, TK_REORDER, h->sa, h->s);
	t->info.tunnel = h->tunnel;
	t->info.next_header = h->nh;
	t->info.inner = h->inner;
	t->info.inner_len = h->inner_len;
	t->info.ct_len = h->ct_len;
	if (left_of_window(snd, h->s)) {
		o->intent = SPISYNC_R_REPLAY;
		t->info.esn_left_of_window = snd->sa.esn;
	} else {
		o->intent = accept(t, h->sa, h->s, h->ct_len,
		    SPISYNC_R_DECRYPTED, o->frame, o->len);
	}
	h->used = false;
}

static int
gen_pad(struct traffic *t, struct out *o, enum traffic_kind kind)
{
	int i = pick_sa(t, true);

	if (i < 0)
		return gen_valid(t, o);
	return gen_authentic(t, o, kind, (unsigned)i, PL_NORMAL,
	    kind == TK_BAD_PAD ? FB_PAD_WRONG_BYTE : FB_PAD_TOO_LONG);
}

static int
gen_dummy(struct traffic *t, struct out *o)
{
	int i = pick_sa(t, true);

	if (i < 0)
		return gen_valid(t, o);
	return gen_authentic(t, o, TK_DUMMY, (unsigned)i, PL_DUMMY, FB_PAD_OK);
}

static int
gen_tunnel_nonip(struct traffic *t, struct out *o)
{
	unsigned start = rnd(t, t->n_sas);

	for (unsigned k = 0; k < t->n_sas; k++) {
		unsigned i = (start + k) % t->n_sas;
		const struct sender *snd = &t->sas[i];

		if (snd->sa.mode == SA_MODE_TUNNEL && snd->accepted_any)
			return gen_authentic(t, o, TK_TUNNEL_NONIP, i,
			    PL_NONIP, FB_PAD_OK);
	}
	return gen_valid(t, o);
}

/* ---------------------------------------------------------------------
 * Replays and old frames
 * ------------------------------------------------------------------- */

static int
gen_replay(struct traffic *t, struct out *o)
{
	const struct sent *e;
	const struct sender *snd;

	if (t->n_sent == 0)
		return gen_valid(t, o);
	e = &t->sent[rnd(t, t->n_sent)];
	snd = &t->sas[e->sa];
	memcpy(o->frame, e->frame, e->len);
	o->len = e->len;
	o->intent = SPISYNC_R_REPLAY;
	info_sa(t, TK_REPLAY, e->sa, e->s);
	t->info.esn_left_of_window = snd->sa.esn && left_of_window(snd, e->s);
	return 0;
}

/* A new, authentic frame whose S is at or left of T - W. */
static int
gen_old(struct traffic *t, struct out *o)
{
	int i = pick_sa(t, true);
	const struct sender *snd;
	struct sa_frame f;
	uint64_t edge, lo, s;

	if (i < 0 || t->sas[i].top <= WINDOW)
		return gen_valid(t, o);
	snd = &t->sas[i];
	edge = snd->top - WINDOW;
	lo = edge > 3000 ? edge - 3000 : 1;
	/* the edge itself now and then: S = T - W is out */
	s = chance(t, 20) ? edge : lo + rnd(t, (uint32_t)(edge - lo + 1));
	if (build_sa(t, (unsigned)i, s, PL_NORMAL, FB_PAD_OK, &f, o->frame) != 0)
		return -1;
	o->len = f.fi.len;
	o->intent = SPISYNC_R_REPLAY;
	info_sa(t, TK_OLD, (unsigned)i, s);
	t->info.esn_left_of_window = snd->sa.esn;
	return 0;
}

/* ---------------------------------------------------------------------
 * Frames that fail: tampered, malformed
 * ------------------------------------------------------------------- */

static uint8_t
nonzero_mask(struct traffic *t)
{
	return (uint8_t)(1 + rnd(t, 255));
}

/* A fresh frame for an SA that accepted already, not accepted itself. */
static int
build_fresh(struct traffic *t, int *sa_out, struct sa_frame *f, uint8_t *buf)
{
	int i = pick_sa(t, true);

	if (i < 0)
		return 1;
	*sa_out = i;
	return build_sa(t, (unsigned)i, t->sas[i].next++, PL_NORMAL, FB_PAD_OK,
	    f, buf);
}

static int
gen_tamper(struct traffic *t, struct out *o, enum traffic_kind kind)
{
	struct sa_frame f;
	const struct fb_info *fi = &f.fi;
	int i, rc = build_fresh(t, &i, &f, o->frame);

	if (rc > 0)
		return gen_valid(t, o);
	if (rc < 0)
		return -1;
	switch (kind) {
	case TK_TAMPER_CT:
		fb_flip(o->frame, fi->len, fi->ct_off + rnd(t,
		    (uint32_t)fi->ct_len), nonzero_mask(t));
		break;
	case TK_TAMPER_ICV:
		fb_flip(o->frame, fi->len, fi->icv_off + rnd(t,
		    (uint32_t)f.esp.icv_len), nonzero_mask(t));
		break;
	case TK_TAMPER_IV:
		fb_flip(o->frame, fi->len, fi->esp_off + 8 + rnd(t, 8),
		    nonzero_mask(t));
		break;
	default:
		/* a later, still unseen number: passes the window, fails the ICV */
		store_be32(o->frame + fi->esp_off + 4,
		    (uint32_t)(f.esp.seq + 1 + rnd(t, 50)));
		break;
	}
	o->len = fi->len;
	o->intent = SPISYNC_R_AUTH_FAIL;
	info_sa(t, kind, (unsigned)i, f.esp.seq);
	return 0;
}

static int
gen_tiny(struct traffic *t, struct out *o)
{
	/* shorter than an Ethernet header, or than its 802.1Q tag */
	if (chance(t, 50)) {
		o->len = 1 + rnd(t, 13);
		prng_fill(&t->rng, o->frame, o->len);
	} else {
		o->len = 14 + rnd(t, 4);
		prng_fill(&t->rng, o->frame, o->len);
		o->frame[12] = 0x81;
		o->frame[13] = 0x00;
	}
	o->intent = SPISYNC_R_MALFORMED;
	t->info.kind = TK_TRUNCATED;
	return 0;
}

static int
gen_truncated(struct traffic *t, struct out *o)
{
	struct sa_frame f;
	int i, rc;
	size_t most;

	if (chance(t, 15))
		return gen_tiny(t, o);
	if ((rc = build_fresh(t, &i, &f, o->frame)) != 0)
		return rc > 0 ? gen_valid(t, o) : -1;
	/* keep 8 bytes of ESP: the frame still reads as ESP, just short */
	most = f.fi.esp_len - 8 < 32 ? f.fi.esp_len - 8 : 32;
	o->len = f.fi.len - 1 - rnd(t, (uint32_t)most);
	o->intent = SPISYNC_R_MALFORMED;
	info_sa(t, TK_TRUNCATED, (unsigned)i, f.esp.seq);
	return 0;
}

static int
rand_delta(struct traffic *t)
{
	int d = 1 + (int)rnd(t, 8);

	return chance(t, 50) ? d : -d;
}

/* Wrong IP or UDP length, or a bad IPv4 header checksum. */
static int
gen_bad_header(struct traffic *t, struct out *o, enum traffic_kind kind)
{
	int i = pick_sa(t, true);
	const struct sender *snd;
	struct sa_frame f;
	uint64_t s;

	if (i < 0)
		return gen_valid(t, o);
	snd = &t->sas[i];
	if (kind == TK_BAD_UDP_LEN && !snd->sa.udp_encap)
		kind = TK_BAD_IP_LEN;
	if (kind == TK_BAD_CSUM && snd->sa.ipv6)
		kind = TK_BAD_IP_LEN;
	s = t->sas[i].next++;
	sa_frame_init(t, &f, snd, &snd->sa, s);
	if (kind == TK_BAD_IP_LEN)
		f.ip.len_delta = rand_delta(t);
	else if (kind == TK_BAD_UDP_LEN)
		f.udp.len_delta = rand_delta(t);
	else
		f.ip.bad_csum = true;
	if (sa_frame_payload(t, &f, PL_NORMAL) != 0 ||
	    sa_frame_build(&f, t, o->frame) != 0)
		return -1;
	o->len = f.fi.len;
	o->intent = SPISYNC_R_MALFORMED;
	info_sa(t, kind, (unsigned)i, s);
	return 0;
}

/* Lengths consistent, but too short an ESP packet for the SA's ICV. */
static int
gen_runt(struct traffic *t, struct out *o)
{
	int i = pick_sa(t, true);
	const struct sender *snd;
	struct sa_frame f;
	size_t n, body = ESP_MIN_BODY;
	uint8_t esp[ESP_MIN_BODY + 16];

	if (i < 0)
		return gen_valid(t, o);
	snd = &t->sas[i];
	body += snd->sa.icv_len;
	sa_frame_init(t, &f, snd, &snd->sa, snd->next);
	/* in UDP fewer than 8 bytes would read as a keepalive */
	n = snd->sa.udp_encap ? 8 + rnd(t, (uint32_t)(body - 8)) :
	    rnd(t, (uint32_t)body);
	prng_fill(&t->rng, esp, sizeof(esp));
	store_be32(esp, snd->sa.spi);
	store_be32(esp + 4, (uint32_t)snd->next);
	if (snd->sa.udp_encap ?
	    fb_udp_frame(o->frame, FRAME_CAP, &f.eth, &f.ip, &f.udp, esp, n,
	    &f.fi) :
	    fb_ip_frame(o->frame, FRAME_CAP, &f.eth, &f.ip, NH_ESP, esp, n,
	    &f.fi))
		return -1;
	o->len = f.fi.len;
	o->intent = SPISYNC_R_MALFORMED;
	info_sa(t, TK_RUNT, (unsigned)i, snd->next);
	return 0;
}

/* ---------------------------------------------------------------------
 * SPIs that find no SA, reserved SPIs
 * ------------------------------------------------------------------- */

static uint8_t
not_found(bool ipv6, bool udp)
{
	if (udp)
		return ipv6 ? SPISYNC_R_SA_NOT_FOUND_NATT_V6 :
		    SPISYNC_R_SA_NOT_FOUND_NATT_V4;
	return ipv6 ? SPISYNC_R_SA_NOT_FOUND_V6 : SPISYNC_R_SA_NOT_FOUND_V4;
}

/* A frame like SA i's but with sa changed; not_found intent unless the
 * SPI is reserved. */
static int
gen_like_sa(struct traffic *t, struct out *o, enum traffic_kind kind,
    unsigned i, const struct model_sa *sa)
{
	struct sa_frame f;
	uint64_t s = 1 + rnd(t, 0x7FFFFFFF);

	sa_frame_init(t, &f, &t->sas[i], sa, s);
	if (sa_frame_payload(t, &f, PL_NORMAL) != 0 ||
	    sa_frame_build(&f, t, o->frame) != 0)
		return -1;
	o->len = f.fi.len;
	o->intent = sa->spi < 256 ? SPISYNC_R_SPI_RESERVED :
	    not_found(sa->ipv6, sa->udp_encap);
	t->info.kind = kind;
	t->info.seq = s;
	return 0;
}

static int
gen_unknown(struct traffic *t, struct out *o, enum traffic_kind kind)
{
	unsigned i = rnd(t, t->n_sas);
	struct model_sa sa = t->sas[i].sa;
	uint8_t dst[16];

	switch (kind) {
	case TK_UNKNOWN_SPI:
		sa.spi = fresh_spi(t, t->n_sas);
		prng_fill(&t->rng, sa.key, sizeof(sa.key));
		break;
	case TK_WRONG_DST:
		do
			rand_addr(t, sa.ipv6, dst);
		while (memcmp(dst, sa.dst, 16) == 0);
		memcpy(sa.dst, dst, 16);
		break;
	case TK_RESERVED_SPI:
		/* SPI 0 in UDP is the non-ESP marker: IKE, passed through */
		sa.spi = sa.udp_encap ? 1 + rnd(t, 255) : rnd(t, 256);
		break;
	default:
		if (chance(t, 50)) {
			sa.udp_encap = !sa.udp_encap;
		} else {
			sa.ipv6 = !sa.ipv6;
			rand_addr(t, sa.ipv6, sa.dst);
		}
		break;
	}
	return gen_like_sa(t, o, kind, i, &sa);
}

/* ---------------------------------------------------------------------
 * Pass-through and punted frames
 * ------------------------------------------------------------------- */

/* Bytes of payload that make a frame of a picked size with hdr bytes of
 * headers in front. */
static size_t
fit_len(struct traffic *t, size_t hdr)
{
	size_t n = pick_len(t);

	return n > hdr ? n - hdr : 0;
}

/* The same, and that many random bytes in t->scratch. */
static size_t
pass_payload(struct traffic *t, size_t hdr)
{
	size_t n = fit_len(t, hdr);

	prng_fill(&t->rng, t->scratch, n);
	return n;
}

static size_t
ip_overhead(const struct fb_eth *eth, const struct fb_ip *ip)
{
	size_t n = ip->ipv6 ? 14 + 40 : 14 + 20 + ip->options_len;

	return eth->vlan ? n + 4 : n;
}

static int
gen_udp_other(struct traffic *t, struct out *o, struct fb_eth *eth,
    struct fb_ip *ip, struct fb_info *fi)
{
	static const uint16_t ports[6] = { 53, 123, 443, 1701, 4501, 4499 };
	struct fb_udp udp = { 0 };
	size_t n;

	udp.sport = (uint16_t)rnd(t, 65536);
	udp.dport = chance(t, 50) ? ports[rnd(t, 6)] :
	    (uint16_t)rnd(t, 65536);
	if (udp.dport == PORT_NATT)
		udp.dport = 4501;
	n = pass_payload(t, ip_overhead(eth, ip) + 8);
	return fb_udp_frame(o->frame, FRAME_CAP, eth, ip, &udp, t->scratch, n,
	    fi);
}

static int
gen_l4(struct traffic *t, struct out *o, struct fb_eth *eth, struct fb_ip *ip,
    uint8_t proto, struct fb_info *fi)
{
	size_t hdr = fb_l4_header_len(proto), n, seg;

	n = pass_payload(t, ip_overhead(eth, ip) + hdr);
	if (fb_l4_segment(t->inner, FRAME_CAP, ip, proto,
	    (uint16_t)rnd(t, 65536), (uint16_t)rnd(t, 65536), t->scratch, n,
	    &seg) != 0)
		return -1;
	return fb_ip_frame(o->frame, FRAME_CAP, eth, ip, proto, t->inner, seg,
	    fi);
}

static int
gen_other_ethertype(struct traffic *t, struct out *o, struct fb_eth *eth,
    struct fb_info *fi)
{
	static const uint16_t types[5] = {
		0x88CC, 0x88A8, 0x8847, 0x0800, 0x86DD,
	};
	uint16_t et = types[rnd(t, 5)];
	size_t n = pass_payload(t, 18);

	if (n < 46)
		n = 46;
	prng_fill(&t->rng, t->scratch, n);
	/* the IP ethertypes carry the other IP version: not for the card */
	if (et == 0x0800)
		t->scratch[0] = 0x60;
	else if (et == 0x86DD)
		t->scratch[0] = 0x45;
	return fb_raw_frame(o->frame, FRAME_CAP, eth, et, t->scratch, n, fi);
}

static int
gen_pass(struct traffic *t, struct out *o, enum traffic_kind kind)
{
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_info fi;
	uint8_t mac[6], opt[40], spi_i[8], a[4], b[4];
	bool v6 = chance(t, 40);
	int rc;

	rand_mac(t, mac);
	fill_eth(t, &eth, mac);
	if (kind == TK_UDP4500_LATER_FRAG)
		v6 = false;
	fill_pass_ip(t, &ip, v6, opt);
	prng_fill(&t->rng, spi_i, 8);
	switch (kind) {
	case TK_ARP:
		prng_fill(&t->rng, a, 4);
		prng_fill(&t->rng, b, 4);
		rc = fb_arp_frame(o->frame, FRAME_CAP, &eth,
		    (uint16_t)(1 + rnd(t, 2)), a, b, &fi);
		break;
	case TK_TCP:
		rc = gen_l4(t, o, &eth, &ip, NH_TCP, &fi);
		break;
	case TK_ICMP:
		rc = gen_l4(t, o, &eth, &ip, v6 ? NH_ICMPV6 : NH_ICMP, &fi);
		break;
	case TK_IKE_500:
		rc = fb_ike_frame(o->frame, FRAME_CAP, &eth, &ip, PORT_IKE,
		    PORT_IKE, spi_i, fit_len(t, ip_overhead(&eth, &ip) + 8 + 28),
		    &fi);
		break;
	case TK_IKE_4500:
		rc = fb_ike_frame(o->frame, FRAME_CAP, &eth, &ip,
		    chance(t, 50) ? PORT_NATT : (uint16_t)(1024 + rnd(t, 60000)),
		    PORT_NATT, spi_i,
		    fit_len(t, ip_overhead(&eth, &ip) + 8 + 4 + 28), &fi);
		break;
	case TK_KEEPALIVE:
		rc = fb_natt_keepalive(o->frame, FRAME_CAP, &eth, &ip,
		    (uint16_t)(1024 + rnd(t, 60000)), &fi);
		break;
	case TK_UDP4500_LATER_FRAG: {
		struct fb_udp udp = { .sport = PORT_NATT, .dport = PORT_NATT };

		ip.frag_off = (uint16_t)(1 + rnd(t, 1000));
		ip.mf = chance(t, 50);
		rc = fb_udp_frame(o->frame, FRAME_CAP, &eth, &ip, &udp,
		    t->scratch, 8 + pass_payload(t, 100), &fi);
		break;
	}
	case TK_OTHER_ETHERTYPE:
		rc = gen_other_ethertype(t, o, &eth, &fi);
		break;
	case TK_UDP_OTHER:
	default:
		kind = TK_UDP_OTHER;
		rc = gen_udp_other(t, o, &eth, &ip, &fi);
		break;
	}
	if (rc != 0)
		return -1;
	o->len = fi.len;
	o->intent = SPISYNC_R_PASS_THROUGH;
	t->info.kind = kind;
	return 0;
}

/* An ESP packet of some SA in t->scratch, for fragments; its length. */
static size_t
esp_for_fragments(struct traffic *t, unsigned i, struct sa_frame *f)
{
	size_t n;

	sa_frame_init(t, f, &t->sas[i], &t->sas[i].sa,
	    1 + rnd(t, 0x7FFFFFFF));
	if (sa_frame_payload(t, f, PL_NORMAL) != 0 ||
	    fb_esp_packet(t->scratch, FRAME_CAP, &f->esp, t->inner,
	    f->inner_len, &n, NULL) != 0)
		return 0;
	return n;
}

/* A fragment of an n-byte packet in t->scratch: first (MF) or a later one. */
static int
fragment(struct traffic *t, struct out *o, struct sa_frame *f, size_t n,
    uint8_t proto, struct fb_info *fi)
{
	size_t first = 8 * (1 + rnd(t, (uint32_t)(n / 16)));

	if (chance(t, 50)) {
		f->ip.mf = true;
		f->ip.frag_off = 0;
		return fb_ip_frame(o->frame, FRAME_CAP, &f->eth, &f->ip, proto,
		    t->scratch, first, fi);
	}
	f->ip.mf = chance(t, 50);
	f->ip.frag_off = (uint16_t)(first / 8);
	return fb_ip_frame(o->frame, FRAME_CAP, &f->eth, &f->ip, proto,
	    t->scratch + first, n - first, fi);
}

static int
gen_v6_ext(struct traffic *t, struct out *o, struct sa_frame *f,
    struct fb_info *fi)
{
	static const uint8_t exts[10] = {
		0, 43, 60, 51, 135, 139, 140, 253, 254, 44,
	};
	static const uint8_t protos[4] = { NH_ESP, NH_UDP, NH_TCP, NH_ICMPV6 };
	uint8_t chain[3];
	size_t n_ext = 1 + rnd(t, 3), n, ext_len = 0;
	uint8_t proto = protos[rnd(t, 4)];

	for (size_t k = 0; k < n_ext; k++) {
		chain[k] = exts[rnd(t, 10)];
		/* hop-by-hop options come first, if at all (RFC 8200 4.1) */
		if (chain[k] == 0 && k > 0)
			chain[k] = 60;
		ext_len += chain[k] == 51 ? 24 : 8;   /* as frame_build makes them */
	}
	/* a fragment header right before ESP is a punted fragment instead */
	if (chain[n_ext - 1] == NH_FRAGMENT && proto == NH_ESP)
		proto = NH_UDP;
	f->ip.ext = chain;
	f->ip.n_ext = n_ext;
	f->ip.frag_off = (uint16_t)rnd(t, 100);
	n = pass_payload(t, ip_overhead(&f->eth, &f->ip) + ext_len);
	return fb_ip_frame(o->frame, FRAME_CAP, &f->eth, &f->ip, proto,
	    t->scratch, n, fi);
}

static int
gen_punt(struct traffic *t, struct out *o, enum traffic_kind kind)
{
	static const uint8_t frag_hdr[1] = { NH_FRAGMENT };
	struct sa_frame f;
	struct fb_info fi;
	unsigned i = rnd(t, t->n_sas);
	size_t n = esp_for_fragments(t, i, &f);
	int rc;

	if (n == 0)
		return -1;
	/* the fragment kinds need the SA's family; the other one picks */
	if (kind == TK_FRAG_ESP || kind == TK_FRAG_UDP4500)
		kind = f.sa.ipv6 ? TK_V6_FRAG_ESP : kind;
	else if (kind == TK_V6_FRAG_ESP && !f.sa.ipv6)
		kind = TK_FRAG_ESP;
	if (kind == TK_V6_EXT && !f.sa.ipv6) {
		fill_pass_ip(t, &f.ip, true, f.options);
	}
	switch (kind) {
	case TK_FRAG_UDP4500:
		/* the first fragment: UDP header and the start of the ESP
		 * packet (sized for a frame without UDP when the SA has none) */
		f.ip.mf = true;
		f.udp.sport = f.sa.sport;
		rc = fb_udp_frame(o->frame, FRAME_CAP, &f.eth, &f.ip, &f.udp,
		    t->scratch, f.sa.udp_encap ? n : n - 8, &fi);
		break;
	case TK_V6_FRAG_ESP:
		f.ip.ext = frag_hdr;
		f.ip.n_ext = 1;
		rc = fragment(t, o, &f, n, NH_ESP, &fi);
		break;
	case TK_V6_EXT:
		rc = gen_v6_ext(t, o, &f, &fi);
		break;
	case TK_FRAG_ESP:
	default:
		rc = fragment(t, o, &f, n, NH_ESP, &fi);
		break;
	}
	if (rc != 0)
		return -1;
	o->len = fi.len;
	o->intent = kind == TK_V6_EXT ? SPISYNC_R_PUNT_IPV6_EXT :
	    SPISYNC_R_PUNT_FRAGMENT;
	t->info.kind = kind;
	return 0;
}

/* ---------------------------------------------------------------------
 * MAC errors
 * ------------------------------------------------------------------- */

static int
gen_mac_err(struct traffic *t, struct out *o)
{
	struct sa_frame f;
	int i, rc = 1;

	/* a fresh ESP frame lost on the wire, or any other frame */
	if (chance(t, 60))
		rc = build_fresh(t, &i, &f, o->frame);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		o->len = f.fi.len;
		info_sa(t, TK_MAC_ERR, (unsigned)i, f.esp.seq);
	} else if (gen_pass(t, o, (enum traffic_kind)(TK_ARP +
	    rnd(t, TK_OTHER_ETHERTYPE - TK_ARP + 1))) != 0) {
		return -1;
	}
	t->info.kind = TK_MAC_ERR;
	o->mac_err = true;
	o->intent = SPISYNC_R_MAC_ERROR;
	return 0;
}

/* ---------------------------------------------------------------------
 * The mix
 * ------------------------------------------------------------------- */

static enum traffic_kind
sub_kind(struct traffic *t, enum traffic_kind first, unsigned n)
{
	return (enum traffic_kind)(first + rnd(t, n));
}

static enum traffic_kind
pick_kind(struct traffic *t)
{
	const struct traffic_mix *m = &t->mix;
	unsigned r = rnd(t, 100), acc = 0;

	if (r < (acc += m->reorder))
		return TK_REORDER;
	if (r < (acc += m->replay))
		return TK_REPLAY;
	if (r < (acc += m->old))
		return TK_OLD;
	if (r < (acc += m->tamper))
		return sub_kind(t, TK_TAMPER_CT, 4);
	if (r < (acc += m->bad_pad))
		return sub_kind(t, TK_BAD_PAD, 2);
	if (r < (acc += m->malformed))
		return sub_kind(t, TK_TRUNCATED, 6);
	if (r < (acc += m->unknown_spi))
		return sub_kind(t, TK_UNKNOWN_SPI, 3);
	if (r < (acc += m->reserved_spi))
		return TK_RESERVED_SPI;
	if (r < (acc += m->mac_err))
		return TK_MAC_ERR;
	if (r < (acc += m->dummy))
		return TK_DUMMY;
	if (r < (acc += m->pass))
		return sub_kind(t, TK_ARP, TK_OTHER_ETHERTYPE - TK_ARP + 1);
	if (r < acc + m->punt)
		return sub_kind(t, TK_FRAG_ESP, TK_V6_EXT - TK_FRAG_ESP + 1);
	return TK_VALID;
}

static int
generate(struct traffic *t, enum traffic_kind kind, struct out *o)
{
	switch (kind) {
	case TK_REORDER:
		return gen_reorder(t, o);
	case TK_REPLAY:
		return gen_replay(t, o);
	case TK_OLD:
		return gen_old(t, o);
	case TK_TAMPER_CT:
	case TK_TAMPER_ICV:
	case TK_TAMPER_IV:
	case TK_TAMPER_SEQ:
		return gen_tamper(t, o, kind);
	case TK_BAD_PAD:
	case TK_BAD_PADLEN:
		return gen_pad(t, o, kind);
	case TK_TRUNCATED:
		return gen_truncated(t, o);
	case TK_BAD_IP_LEN:
	case TK_BAD_UDP_LEN:
	case TK_BAD_CSUM:
		return gen_bad_header(t, o, kind);
	case TK_RUNT:
		return gen_runt(t, o);
	case TK_TUNNEL_NONIP:
		return gen_tunnel_nonip(t, o);
	case TK_UNKNOWN_SPI:
	case TK_WRONG_DST:
	case TK_WRONG_ENCAP:
	case TK_RESERVED_SPI:
		return gen_unknown(t, o, kind);
	case TK_MAC_ERR:
		return gen_mac_err(t, o);
	case TK_DUMMY:
		return gen_dummy(t, o);
	case TK_ARP:
	case TK_UDP_OTHER:
	case TK_TCP:
	case TK_ICMP:
	case TK_IKE_500:
	case TK_IKE_4500:
	case TK_KEEPALIVE:
	case TK_UDP4500_LATER_FRAG:
	case TK_OTHER_ETHERTYPE:
		return gen_pass(t, o, kind);
	case TK_FRAG_ESP:
	case TK_FRAG_UDP4500:
	case TK_V6_FRAG_ESP:
	case TK_V6_EXT:
		return gen_punt(t, o, kind);
	case TK_VALID:
	default:
		return gen_valid(t, o);
	}
}

size_t
traffic_next(struct traffic *t, uint8_t *frame, size_t cap, bool *mac_err,
    uint8_t *intent)
{
	struct out o = { .frame = frame };
	struct held *h;

	if (t == NULL || frame == NULL || mac_err == NULL || intent == NULL ||
	    cap < FRAME_CAP)
		return 0;
	memset(&t->info, 0, sizeof(t->info));
	t->info.sa = -1;
	if ((h = due_held(t)) != NULL)
		send_held(t, h, &o);
	else if (generate(t, pick_kind(t), &o) != 0)
		return 0;
	*mac_err = o.mac_err;
	*intent = o.intent;
	return o.len;
}
