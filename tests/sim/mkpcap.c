/*
 * spisync tests -- traffic for the spisync-sim smoke test, and the check of
 * what spisync-sim made of it.
 *
 *   mkpcap --dir DIR [--seed N] [--frames N] [--natt]
 *       writes DIR/in.pcap (Ethernet), DIR/esp_sa (Wireshark ESP SA table)
 *       and DIR/expected.pcap (the frames the host must receive, stamped
 *       with the timestamps of the input frames they come from)
 *   mkpcap --dir DIR [--seed N] [--frames N] [--natt] --check
 *       rebuilds the same traffic and compares DIR/out.pcap,
 *       DIR/counters.json and DIR/events.json (spisync-sim's outputs)
 *       with what docs/datapath.md says the card does with each frame.
 *   --tiny                    ARP frames only (many frames, small files)
 *   --l4-mix                  the packets the valid ESP frames carry (tunnel
 *                             mode inner packets, transport mode payloads)
 *                             are UDP, TCP or ICMP / ICMPv6 echo requests
 *                             instead of UDP only (tests/sim/tshark_check.sh);
 *                             without it the traffic of a seed is unchanged
 *   --check --any-timestamps
 *       host frames in order and byte for byte, whatever their timestamps
 *       (spisync-sim --socket stamps --out with the wall clock)
 *   --check --fake-drop-every N
 *       expects what the fake card of tests/unit/fake_card_sim.c does
 *       instead (tests/sim/replay_fake.sh): every frame back unchanged but
 *       arrivals N-1, 2N-1, ... (0: none), dropped with an event each.
 *
 * The expected outcome of every frame is decided here, by construction,
 * from docs/datapath.md (each frame is built to hit one rule), not by any
 * model of the card: a valid tunnel-mode ESP frame must come out as its
 * inner packet behind the outer MAC addresses, a transport-mode one as the
 * outer IP header rewritten around the payload, ARP/IKE/keepalives/other
 * UDP byte for byte, and so on. Frames are built with
 * tests/model/frame_build.c (OpenSSL AES-GCM).
 *
 * With --natt the ESP traffic is UDP-encapsulated (RFC 3948, port 4500),
 * to be replayed with spisync-sim --natt; the SA misses are then the NAT-T
 * ones, except plain ESP frames sent to an SA's SPI, which are plain misses.
 *
 * Frames go back to back on the wire; the smoke test runs spisync-sim with
 * a small --gap so no frame is lost as TAIL_DROP (datapath.md 6: a run of
 * frames that each need an extra clock can overrun the input at 128 bits).
 */

/* libpcap's headers use the BSD types u_char and u_int */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <pcap/pcap.h>

#include "frame_build.h"
#include "prng.h"
#include "spisync_hw.h"

enum { PATH_MAX_LEN = 1024 };
enum { FRAME_CAP = FB_MAX_FRAME + 256 };
enum { DEFAULT_FRAMES = 300 };
enum { MAX_FRAMES = 100000 };
enum { NUM_SAS = 3 };
enum { BASE_SEC = 1700000000 };

enum proto {
	PROTO_ICMP = 1,
	PROTO_IPIP = 4,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_IPV6 = 41,
	PROTO_NONE = 59,
	PROTO_ICMPV6 = 58,
};

enum kind {
	K_TUNNEL,
	K_TRANSPORT,
	K_AUTH_FAIL,
	K_REPLAY,
	K_DUMMY,
	K_MISS_SPI,
	K_MISS_DST,
	K_MISS_V6,
	K_MISS_PLAIN,	/* plain ESP to an SA's SPI: a miss under --natt only */
	K_RESERVED,
	K_ARP,
	K_IKE,
	K_KEEPALIVE,
	K_FRAGMENT,
	K_OTHER_UDP,
	NUM_KINDS
};

/* Out of 100 draws. */
static const unsigned kind_weight[NUM_KINDS] = {
	[K_TUNNEL] = 34, [K_TRANSPORT] = 10, [K_AUTH_FAIL] = 5,
	[K_REPLAY] = 6, [K_DUMMY] = 3, [K_MISS_SPI] = 5, [K_MISS_DST] = 3,
	[K_MISS_V6] = 3, [K_MISS_PLAIN] = 3, [K_RESERVED] = 3, [K_ARP] = 5,
	[K_IKE] = 5, [K_KEEPALIVE] = 5, [K_FRAGMENT] = 5, [K_OTHER_UDP] = 5,
};

struct sa_def {
	uint32_t spi;
	bool ipv6;
	uint8_t src[16], dst[16];
	uint8_t key[32];
	unsigned key_len;
	uint8_t salt[4];
	unsigned icv_len;
	/* traffic state */
	uint64_t next_seq;
	uint8_t *last_valid;	/* last frame that must be DECRYPTED */
	size_t last_valid_len;
	/* expected per-SA counters */
	uint64_t packets, bytes, auth_fail, replay;
};

struct event_exp {
	unsigned type;		/* SPISYNC_EV_* */
	bool ipv6, udp;
	uint8_t src[16], dst[16];
	uint32_t spi, seq;
	uint16_t sport, dport;
	size_t len;
	uint16_t rx_seq;
};

struct planned {
	uint8_t *frame;
	size_t len;
	struct timeval ts;
	uint8_t reason;		/* SPISYNC_R_* */
	uint8_t *host;		/* delivered frame, NULL if dropped */
	size_t host_len;
	bool has_event;
	struct event_exp ev;
};

struct plan {
	struct sa_def sa[NUM_SAS];
	struct planned *f;
	size_t n;
	uint64_t counters[SPISYNC_NUM_REASONS];
	uint64_t events;
};

struct options {
	const char *dir;
	uint64_t seed;
	bool seed_given;
	unsigned frames;
	bool natt;
	bool tiny;			/* ARP frames only (60 bytes) */
	bool l4_mix;			/* valid ESP carries UDP, TCP or ICMP */
	bool check;
	bool fake;			/* check against the fake card model */
	bool any_timestamps;		/* host frames stamped by their receiver */
	unsigned fake_drop_every;	/* 0: it drops nothing */
};

/* ---------------------------------------------------------------------- */
/* building */

static void
set_v4(uint8_t *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[0] = b0;
	a[1] = b1;
	a[2] = b2;
	a[3] = b3;
}

static void
set_v6(uint8_t *a, uint16_t first, uint16_t last)
{
	memset(a, 0, 16);
	a[0] = (uint8_t)(first >> 8);
	a[1] = (uint8_t)first;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[14] = (uint8_t)(last >> 8);
	a[15] = (uint8_t)last;
}

static void
define_sas(struct plan *p, struct prng *r)
{
	static const struct {
		uint32_t spi;
		bool ipv6;
		unsigned key_len, icv_len;
	} defs[NUM_SAS] = {
		{ 0x0a000001, false, 16, 16 },
		{ 0x0b000002, true, 32, 12 },
		{ 0x0c000003, false, 32, 8 },
	};

	for (unsigned i = 0; i < NUM_SAS; i++) {
		struct sa_def *s = &p->sa[i];

		memset(s, 0, sizeof(*s));
		s->spi = defs[i].spi;
		s->ipv6 = defs[i].ipv6;
		if (s->ipv6) {
			set_v6(s->src, 0x2001, 0x10);
			set_v6(s->dst, 0x2001, 2 + i);
		} else {
			set_v4(s->src, 198, 51, 100, 10);
			set_v4(s->dst, 192, 0, 2, (uint8_t)(1 + i));
		}
		s->key_len = defs[i].key_len;
		prng_fill(r, s->key, s->key_len);
		prng_fill(r, s->salt, 4);
		s->icv_len = defs[i].icv_len;
		s->next_seq = 1;
	}
}

static void
random_eth(struct prng *r, struct fb_eth *eth)
{
	static const uint8_t card_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };

	memset(eth, 0, sizeof(*eth));
	memcpy(eth->dst, card_mac, 6);
	eth->src[0] = 0x02;
	prng_fill(r, eth->src + 1, 5);
	eth->vlan = prng_below(r, 5) == 0;
	eth->tci = (uint16_t)(1 + prng_below(r, 4094));
	eth->pad_min = true;
}

static void
outer_ip(struct prng *r, const struct sa_def *s, struct fb_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->ipv6 = s->ipv6;
	memcpy(ip->src, s->src, 16);
	memcpy(ip->dst, s->dst, 16);
	ip->ttl = 64;
	ip->id = (uint16_t)prng_next(r);
	ip->df = !s->ipv6 && prng_below(r, 2);
}

static void
esp_params(struct prng *r, const struct sa_def *s, uint64_t seq, uint8_t nh,
    struct fb_esp *esp)
{
	memset(esp, 0, sizeof(*esp));
	esp->spi = s->spi;
	esp->seq = seq;
	prng_fill(r, esp->iv, FB_ESP_IV);
	esp->key = s->key;
	esp->key_len = s->key_len;
	memcpy(esp->salt, s->salt, 4);
	esp->icv_len = s->icv_len;
	esp->next_header = nh;
	esp->extra_pad = prng_below(r, 3) == 0 ? 4 * prng_below(r, 8) : 0;
}

static void
natt_udp(struct prng *r, struct fb_udp *udp)
{
	memset(udp, 0, sizeof(*udp));
	udp->sport = (uint16_t)(1024 + prng_below(r, 60000));
	udp->dport = 4500;
	udp->zero_csum = true;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		fprintf(stderr, "mkpcap: out of memory\n");
		exit(1);
	}
	return p;
}

static uint8_t *
dup_bytes(const uint8_t *b, size_t n)
{
	uint8_t *p = xmalloc(n);

	memcpy(p, b, n);
	return p;
}

static void
fail_build(const char *what)
{
	fprintf(stderr, "mkpcap: cannot build %s (frame_build refused)\n",
	    what);
	exit(1);
}

/*
 * Transport protocol of the packet a valid ESP frame carries: UDP, or with
 * --l4-mix also TCP or an ICMP echo request of the family. Draws nothing
 * without --l4-mix, so the traffic of a seed stays what it was.
 */
static uint8_t
pick_l4(struct prng *r, const struct options *o, bool ipv6)
{
	unsigned x;

	if (!o->l4_mix)
		return PROTO_UDP;
	x = prng_below(r, 10);
	if (x < 4)
		return PROTO_UDP;
	if (x < 8)
		return PROTO_TCP;
	return ipv6 ? PROTO_ICMPV6 : PROTO_ICMP;
}

/* A random inner packet of family ipv6 carrying proto (tunnel mode
 * payload). */
static size_t
inner_packet(struct prng *r, bool ipv6, uint8_t proto, uint8_t *buf,
    size_t cap)
{
	struct fb_ip ip;
	uint8_t data[1400];
	const size_t data_len = prng_below(r, 3) == 0 ? prng_below(r, 64) :
	    prng_below(r, sizeof(data));
	size_t len;

	memset(&ip, 0, sizeof(ip));
	ip.ipv6 = ipv6;
	if (ipv6) {
		set_v6(ip.src, 0xfd00, (uint16_t)prng_next(r));
		set_v6(ip.dst, 0xfd00, 1);
	} else {
		set_v4(ip.src, 10, 1, (uint8_t)prng_next(r), (uint8_t)prng_next(r));
		set_v4(ip.dst, 10, 2, 0, 1);
	}
	ip.ttl = 63;
	ip.id = (uint16_t)prng_next(r);
	prng_fill(r, data, data_len);
	if (fb_inner_packet(buf, cap, &ip, proto,
	    (uint16_t)prng_next(r), 5001, data, data_len, &len) != 0)
		fail_build("an inner packet");
	return len;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * A valid ESP frame of SA s with next header nh around payload; *ct_len
 * gets the ciphertext length (the per-SA byte count).
 */
static size_t
esp_frame(struct prng *r, const struct options *o, struct sa_def *s,
    const struct fb_eth *eth, const struct fb_ip *ip, uint8_t nh,
    const uint8_t *payload, size_t payload_len, uint8_t *buf,
    size_t *ct_len, size_t *ct_off)
{
	struct fb_esp esp;
	struct fb_udp udp;
	struct fb_info info;

	esp_params(r, s, s->next_seq++, nh, &esp);
	natt_udp(r, &udp);
	if (fb_esp_frame(buf, FRAME_CAP, eth, ip, o->natt ? &udp : NULL, &esp,
	    payload, payload_len, &info) != 0)
		fail_build("an ESP frame");
	if (ct_len != NULL)
		*ct_len = info.ct_len;
	if (ct_off != NULL)
		*ct_off = info.ct_off;
	return info.len;
}

/* Tunnel mode: MAC addresses, the tag if any, the inner packet's
 * ethertype, the inner packet (datapath.md 5). */
static void
plan_tunnel(struct prng *r, const struct options *o, struct plan *p,
    struct planned *f)
{
	struct sa_def *s = &p->sa[prng_below(r, NUM_SAS)];
	const bool inner6 = prng_below(r, 2);
	const uint8_t l4 = pick_l4(r, o, inner6);
	uint8_t inner[1600];
	const size_t inner_len = inner_packet(r, inner6, l4, inner,
	    sizeof(inner));
	uint8_t buf[FRAME_CAP];
	struct fb_eth eth;
	struct fb_ip ip;
	size_t ct_len;
	size_t l2;

	random_eth(r, &eth);
	outer_ip(r, s, &ip);
	f->len = esp_frame(r, o, s, &eth, &ip, inner6 ? PROTO_IPV6 :
	    PROTO_IPIP, inner, inner_len, buf, &ct_len, NULL);
	f->frame = dup_bytes(buf, f->len);
	f->reason = SPISYNC_R_DECRYPTED;
	l2 = eth.vlan ? 16 : 12;
	f->host_len = l2 + 2 + inner_len;
	f->host = xmalloc(f->host_len);
	memcpy(f->host, f->frame, l2);
	put16(f->host + l2, inner6 ? 0x86DD : 0x0800);
	memcpy(f->host + l2 + 2, inner, inner_len);
	s->packets++;
	s->bytes += ct_len;
	free(s->last_valid);
	s->last_valid = dup_bytes(f->frame, f->len);
	s->last_valid_len = f->len;
}

/* Transport mode: the outer IP header with protocol / length rewritten
 * (checksum recomputed), the UDP encapsulation removed, then the payload:
 * the frame fb_ip_frame builds from the same headers (no Ethernet padding:
 * the card does not add any). */
static void
plan_transport(struct prng *r, const struct options *o, struct plan *p,
    struct planned *f)
{
	struct sa_def *s = &p->sa[prng_below(r, NUM_SAS)];
	uint8_t seg[1500];
	uint8_t data[1400];
	const size_t data_len = prng_below(r, sizeof(data));
	uint8_t buf[FRAME_CAP];
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_info info;
	size_t seg_len;
	size_t ct_len;
	uint8_t l4;

	random_eth(r, &eth);
	outer_ip(r, s, &ip);
	prng_fill(r, data, data_len);
	l4 = pick_l4(r, o, s->ipv6);
	if (fb_l4_segment(seg, sizeof(seg), &ip, l4,
	    (uint16_t)prng_next(r), 7, data, data_len, &seg_len) != 0)
		fail_build("a transport segment");
	f->len = esp_frame(r, o, s, &eth, &ip, l4, seg, seg_len, buf,
	    &ct_len, NULL);
	f->frame = dup_bytes(buf, f->len);
	f->reason = SPISYNC_R_DECRYPTED;
	eth.pad_min = false;
	if (fb_ip_frame(buf, FRAME_CAP, &eth, &ip, l4, seg, seg_len,
	    &info) != 0)
		fail_build("the expected transport host frame");
	f->host = dup_bytes(buf, info.len);
	f->host_len = info.len;
	s->packets++;
	s->bytes += ct_len;
	free(s->last_valid);
	s->last_valid = dup_bytes(f->frame, f->len);
	s->last_valid_len = f->len;
}

/* Authentic but for one flipped ciphertext bit: AUTH_FAIL (step 10). */
static void
plan_auth_fail(struct prng *r, const struct options *o, struct plan *p,
    struct planned *f)
{
	struct sa_def *s = &p->sa[prng_below(r, NUM_SAS)];
	uint8_t inner[1600];
	const size_t inner_len = inner_packet(r, false, PROTO_UDP, inner,
	    sizeof(inner));
	uint8_t buf[FRAME_CAP];
	struct fb_eth eth;
	struct fb_ip ip;
	size_t ct_len;
	size_t ct_off;

	random_eth(r, &eth);
	outer_ip(r, s, &ip);
	f->len = esp_frame(r, o, s, &eth, &ip, PROTO_IPIP, inner, inner_len,
	    buf, &ct_len, &ct_off);
	fb_flip(buf, f->len, ct_off + prng_below(r, (uint32_t)ct_len),
	    (uint8_t)(1u << prng_below(r, 8)));
	f->frame = dup_bytes(buf, f->len);
	f->reason = SPISYNC_R_AUTH_FAIL;
	s->auth_fail++;
}

/* A frame already delivered, again: REPLAY (step 9). */
static bool
plan_replay(struct prng *r, struct plan *p, struct planned *f)
{
	struct sa_def *s = &p->sa[prng_below(r, NUM_SAS)];

	if (s->last_valid == NULL)
		return false;
	f->frame = dup_bytes(s->last_valid, s->last_valid_len);
	f->len = s->last_valid_len;
	f->reason = SPISYNC_R_REPLAY;
	s->replay++;
	return true;
}

/* Next header 59: authentic, discarded as DUMMY (step 14). */
static void
plan_dummy(struct prng *r, const struct options *o, struct plan *p,
    struct planned *f)
{
	struct sa_def *s = &p->sa[prng_below(r, NUM_SAS)];
	uint8_t junk[64];
	const size_t junk_len = prng_below(r, sizeof(junk));
	uint8_t buf[FRAME_CAP];
	struct fb_eth eth;
	struct fb_ip ip;

	random_eth(r, &eth);
	outer_ip(r, s, &ip);
	prng_fill(r, junk, junk_len);
	f->len = esp_frame(r, o, s, &eth, &ip, PROTO_NONE, junk, junk_len, buf,
	    NULL, NULL);
	f->frame = dup_bytes(buf, f->len);
	f->reason = SPISYNC_R_DUMMY;
}

static uint8_t
miss_reason(bool ipv6, bool udp)
{
	if (udp)
		return ipv6 ? SPISYNC_R_SA_NOT_FOUND_NATT_V6 :
		    SPISYNC_R_SA_NOT_FOUND_NATT_V4;
	return ipv6 ? SPISYNC_R_SA_NOT_FOUND_V6 : SPISYNC_R_SA_NOT_FOUND_V4;
}

/*
 * An ESP frame no SA takes (or with a reserved SPI): dropped with an event
 * record. spi, addresses and encapsulation as given; keyed with a key of
 * its own (the card never gets to decrypting it).
 */
static void
plan_unmatched(struct prng *r, struct planned *f, uint32_t spi, bool ipv6,
    const uint8_t *src, const uint8_t *dst, bool udp_encap, uint8_t reason,
    unsigned ev_type)
{
	struct sa_def stranger;
	uint8_t inner[1600];
	const size_t inner_len = inner_packet(r, false, PROTO_UDP, inner,
	    sizeof(inner));
	uint8_t buf[FRAME_CAP];
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_esp esp;
	struct fb_udp udp;
	struct fb_info info;

	memset(&stranger, 0, sizeof(stranger));
	stranger.spi = spi;
	stranger.ipv6 = ipv6;
	memcpy(stranger.src, src, 16);
	memcpy(stranger.dst, dst, 16);
	stranger.key_len = 16;
	prng_fill(r, stranger.key, 16);
	stranger.icv_len = 16;
	random_eth(r, &eth);
	outer_ip(r, &stranger, &ip);
	esp_params(r, &stranger, 1 + prng_below(r, 1000000), PROTO_IPIP, &esp);
	natt_udp(r, &udp);
	if (fb_esp_frame(buf, FRAME_CAP, &eth, &ip, udp_encap ? &udp : NULL,
	    &esp, inner, inner_len, &info) != 0)
		fail_build("an unmatched ESP frame");
	f->frame = dup_bytes(buf, info.len);
	f->len = info.len;
	f->reason = reason;
	f->has_event = true;
	f->ev.type = ev_type;
	f->ev.ipv6 = ipv6;
	f->ev.udp = udp_encap;
	memcpy(f->ev.src, src, 16);
	memcpy(f->ev.dst, dst, 16);
	f->ev.spi = spi;
	f->ev.seq = (uint32_t)esp.seq;
	f->ev.sport = udp_encap ? udp.sport : 0;
	f->ev.dport = udp_encap ? udp.dport : 0;
	f->ev.len = info.len;
}

static void
plan_miss(struct prng *r, const struct options *o, struct plan *p,
    struct planned *f, enum kind k)
{
	const struct sa_def *a = &p->sa[0];	/* IPv4 */
	const struct sa_def *b = &p->sa[1];	/* IPv6 */
	uint8_t other_dst[16];

	switch (k) {
	case K_MISS_SPI:
		plan_unmatched(r, f, 0x0d000000u + prng_below(r, 0x10000),
		    false, a->src, a->dst, o->natt, miss_reason(false, o->natt),
		    SPISYNC_EV_SA_MISS);
		break;
	case K_MISS_DST:
		set_v4(other_dst, 192, 0, 2, 99);
		plan_unmatched(r, f, a->spi, false, a->src, other_dst, o->natt,
		    miss_reason(false, o->natt), SPISYNC_EV_SA_MISS);
		break;
	case K_MISS_V6:
		plan_unmatched(r, f, 0x0e000000u + prng_below(r, 0x10000),
		    true, b->src, b->dst, o->natt, miss_reason(true, o->natt),
		    SPISYNC_EV_SA_MISS);
		break;
	case K_MISS_PLAIN:
		/* without --natt: the SPI and destination of an SA, but with
		 * UDP encapsulation the SA does not have */
		plan_unmatched(r, f, a->spi, false, a->src, a->dst, !o->natt,
		    miss_reason(false, !o->natt), SPISYNC_EV_SA_MISS);
		break;
	default:
		plan_unmatched(r, f, 1 + prng_below(r, 255), false, a->src,
		    a->dst, o->natt, SPISYNC_R_SPI_RESERVED,
		    SPISYNC_EV_SPI_RESERVED);
		break;
	}
}

/* Frames the card passes through or punts: delivered byte for byte. */
static void
plan_passed(struct prng *r, const struct options *o, struct plan *p,
    struct planned *f, enum kind k)
{
	static const uint8_t target[4] = { 192, 0, 2, 1 };
	const struct sa_def *a = &p->sa[0];
	uint8_t buf[FRAME_CAP];
	uint8_t spi_i[8];
	uint8_t data[512];
	const size_t data_len = prng_below(r, sizeof(data));
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_info info;
	struct fb_udp udp;
	int rc;

	random_eth(r, &eth);
	outer_ip(r, a, &ip);
	prng_fill(r, spi_i, 8);
	prng_fill(r, data, data_len);
	f->reason = SPISYNC_R_PASS_THROUGH;
	switch (k) {
	case K_ARP:
		rc = fb_arp_frame(buf, FRAME_CAP, &eth, 1, a->src, target,
		    &info);
		break;
	case K_IKE:
		/* IKE on 500, or on 4500 behind the non-ESP marker */
		rc = fb_ike_frame(buf, FRAME_CAP, &eth, &ip, 500,
		    o->natt || prng_below(r, 2) ? 4500 : 500, spi_i,
		    prng_below(r, 300), &info);
		break;
	case K_KEEPALIVE:
		rc = fb_natt_keepalive(buf, FRAME_CAP, &eth, &ip,
		    (uint16_t)(1024 + prng_below(r, 60000)), &info);
		break;
	case K_FRAGMENT: {
		struct fb_esp esp;
		struct sa_def *s = &p->sa[prng_below(r, NUM_SAS)];

		/* a first fragment of ESP: punted, never decrypted; it takes
		 * no sequence number from the SA */
		outer_ip(r, s, &ip);
		ip.df = false;
		ip.mf = true;
		if (s->ipv6) {
			static const uint8_t frag_ext[1] = { 44 };

			ip.ext = frag_ext;
			ip.n_ext = 1;
		}
		esp_params(r, s, 0x7fffffffu, PROTO_IPIP, &esp);
		natt_udp(r, &udp);
		rc = fb_esp_frame(buf, FRAME_CAP, &eth, &ip,
		    o->natt ? &udp : NULL, &esp, data, data_len, &info);
		/* IPv6: the fragment header is followed by UDP, not ESP,
		 * when encapsulated: an extension header like any other */
		f->reason = s->ipv6 && o->natt ? SPISYNC_R_PUNT_IPV6_EXT :
		    SPISYNC_R_PUNT_FRAGMENT;
		break;
	}
	default:
		memset(&udp, 0, sizeof(udp));
		udp.sport = 5353;
		udp.dport = 53;
		rc = fb_udp_frame(buf, FRAME_CAP, &eth, &ip, &udp, data,
		    data_len, &info);
		break;
	}
	if (rc != 0)
		fail_build("a pass-through frame");
	f->frame = dup_bytes(buf, info.len);
	f->len = info.len;
	f->host = dup_bytes(buf, info.len);
	f->host_len = info.len;
}

static enum kind
draw_kind(struct prng *r)
{
	unsigned x = prng_below(r, 100);

	for (unsigned k = 0; k < NUM_KINDS; k++) {
		if (x < kind_weight[k])
			return (enum kind)k;
		x -= kind_weight[k];
	}
	return K_TUNNEL;
}

static void
plan_frame(struct prng *r, const struct options *o, struct plan *p,
    struct planned *f)
{
	enum kind k = o->tiny ? K_ARP : draw_kind(r);

	if (k == K_REPLAY && plan_replay(r, p, f))
		return;
	if (k == K_REPLAY)
		k = K_TUNNEL;
	switch (k) {
	case K_TUNNEL:
		plan_tunnel(r, o, p, f);
		break;
	case K_TRANSPORT:
		plan_transport(r, o, p, f);
		break;
	case K_AUTH_FAIL:
		plan_auth_fail(r, o, p, f);
		break;
	case K_DUMMY:
		plan_dummy(r, o, p, f);
		break;
	case K_MISS_SPI:
	case K_MISS_DST:
	case K_MISS_V6:
	case K_MISS_PLAIN:
	case K_RESERVED:
		plan_miss(r, o, p, f, k);
		break;
	default:
		plan_passed(r, o, p, f, k);
		break;
	}
}

static void
make_plan(const struct options *o, struct plan *p)
{
	struct prng r;

	memset(p, 0, sizeof(*p));
	prng_seed(&r, o->seed);
	define_sas(p, &r);
	p->n = o->frames;
	p->f = calloc(p->n, sizeof(*p->f));
	if (p->f == NULL) {
		fprintf(stderr, "mkpcap: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < p->n; i++) {
		struct planned *f = &p->f[i];

		plan_frame(&r, o, p, f);
		f->ts.tv_sec = BASE_SEC + (time_t)(i / 4);
		f->ts.tv_usec = (suseconds_t)((i % 4) * 250000 + i % 1000);
		f->ev.rx_seq = (uint16_t)i;
		p->counters[SPISYNC_R_RX_PACKETS]++;
		p->counters[f->reason]++;
		if (f->has_event)
			p->events++;
	}
}

static void
free_plan(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->f[i].frame);
		free(p->f[i].host);
	}
	free(p->f);
	for (unsigned i = 0; i < NUM_SAS; i++)
		free(p->sa[i].last_valid);
}

/* ---------------------------------------------------------------------- */
/* writing */

static void
dir_path(char *out, const struct options *o, const char *name)
{
	snprintf(out, PATH_MAX_LEN, "%s/%s", o->dir, name);
}

static int
write_pcap(const char *path, const struct plan *p, bool host)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;
	FILE *fp;
	int rc = 0;

	if (dead == NULL)
		return -1;
	d = pcap_dump_open(dead, path);
	if (d == NULL) {
		fprintf(stderr, "mkpcap: %s\n", pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct planned *f = &p->f[i];
		struct pcap_pkthdr h;

		if (host && f->host == NULL)
			continue;
		memset(&h, 0, sizeof(h));
		h.ts = f->ts;
		h.len = h.caplen = (bpf_u_int32)(host ? f->host_len : f->len);
		pcap_dump((u_char *)d, &h, host ? f->host : f->frame);
	}
	fp = pcap_dump_file(d);
	if (pcap_dump_flush(d) != 0 || ferror(fp))
		rc = -1;
	pcap_dump_close(d);
	pcap_close(dead);
	if (rc != 0)
		fprintf(stderr, "mkpcap: %s: write error\n", path);
	return rc;
}

static void
hex(FILE *fp, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%02x", b[i]);
}

/* The SA table as Wireshark's uat_save() writes it. */
static int
write_esp_sa(const char *path, const struct plan *p)
{
	FILE *fp = fopen(path, "w");
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	if (fp == NULL) {
		fprintf(stderr, "mkpcap: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "# This file is automatically generated. BE CAREFUL "
	    "MODIFYING.\n");
	for (unsigned i = 0; i < NUM_SAS; i++) {
		const struct sa_def *s = &p->sa[i];
		const int af = s->ipv6 ? AF_INET6 : AF_INET;

		inet_ntop(af, s->src, src, sizeof(src));
		inet_ntop(af, s->dst, dst, sizeof(dst));
		fprintf(fp, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"AES-GCM with %u "
		    "octet ICV [RFC4106]\",\"0x", s->ipv6 ? "IPv6" : "IPv4",
		    src, dst, (unsigned)s->spi, s->icv_len);
		hex(fp, s->key, s->key_len);
		hex(fp, s->salt, 4);
		fprintf(fp, "\",\"NULL\",\"\",\"32-bit\",\"0\"\n");
	}
	if (fclose(fp) != 0) {
		fprintf(stderr, "mkpcap: %s: write error\n", path);
		return -1;
	}
	return 0;
}

static int
generate(const struct options *o, const struct plan *p)
{
	char path[PATH_MAX_LEN];

	dir_path(path, o, "in.pcap");
	if (write_pcap(path, p, false) != 0)
		return -1;
	dir_path(path, o, "expected.pcap");
	if (write_pcap(path, p, true) != 0)
		return -1;
	dir_path(path, o, "esp_sa");
	if (write_esp_sa(path, p) != 0)
		return -1;
	printf("mkpcap: %zu frames, %" PRIu64 " delivered, %" PRIu64
	    " events (seed %" PRIu64 "%s)\n", p->n,
	    p->counters[SPISYNC_R_DECRYPTED] +
	    p->counters[SPISYNC_R_PASS_THROUGH] +
	    p->counters[SPISYNC_R_PUNT_FRAGMENT] +
	    p->counters[SPISYNC_R_PUNT_IPV6_EXT], p->events, o->seed,
	    o->natt ? ", NAT-T" : "");
	return 0;
}

/* ---------------------------------------------------------------------- */
/* checking */

static unsigned check_errors;

static void
mismatch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
mismatch(const char *fmt, ...)
{
	va_list ap;

	check_errors++;
	if (check_errors > 20)
		return;
	fprintf(stderr, "mkpcap: MISMATCH: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
check_host_frames(const struct options *o, const struct plan *p)
{
	char path[PATH_MAX_LEN];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	size_t i = 0;
	size_t n = 0;
	int rc;

	dir_path(path, o, "out.pcap");
	pc = pcap_open_offline(path, errbuf);
	if (pc == NULL) {
		mismatch("%s: %s", path, errbuf);
		return;
	}
	if (pcap_datalink(pc) != DLT_EN10MB)
		mismatch("%s: link type %d", path, pcap_datalink(pc));
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		while (i < p->n && p->f[i].host == NULL)
			i++;
		n++;
		if (i == p->n) {
			mismatch("host frame %zu: more frames than expected",
			    n);
			break;
		}
		if (h->caplen != h->len || h->len != p->f[i].host_len ||
		    memcmp(data, p->f[i].host, h->caplen) != 0)
			mismatch("host frame %zu (input frame %zu, reason %s): "
			    "%u bytes, expected %zu%s", n, i + 1,
			    spisync_reason_name[p->f[i].reason],
			    (unsigned)h->len, p->f[i].host_len,
			    h->len == p->f[i].host_len ? ", contents differ" :
			    "");
		if (!o->any_timestamps && (h->ts.tv_sec != p->f[i].ts.tv_sec ||
		    h->ts.tv_usec != p->f[i].ts.tv_usec))
			mismatch("host frame %zu: timestamp %ld.%06ld, expected "
			    "%ld.%06ld (input frame %zu)", n,
			    (long)h->ts.tv_sec, (long)h->ts.tv_usec,
			    (long)p->f[i].ts.tv_sec, (long)p->f[i].ts.tv_usec,
			    i + 1);
		i++;
	}
	if (rc != PCAP_ERROR_BREAK)
		mismatch("%s: %s", path, pcap_geterr(pc));
	while (i < p->n && p->f[i].host == NULL)
		i++;
	if (i < p->n)
		mismatch("%s: ends after %zu frames; input frame %zu (%s) is "
		    "missing", path, n, i + 1,
		    spisync_reason_name[p->f[i].reason]);
	pcap_close(pc);
}

static struct json_object *
get_member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v)) {
		mismatch("JSON member \"%s\" missing", key);
		return NULL;
	}
	return v;
}

static uint64_t
get_u64(struct json_object *obj, const char *key)
{
	struct json_object *v = get_member(obj, key);

	return v != NULL ? json_object_get_uint64(v) : UINT64_MAX;
}

static const char *
get_str(struct json_object *obj, const char *key)
{
	struct json_object *v = get_member(obj, key);
	const char *s = v != NULL ? json_object_get_string(v) : NULL;

	return s != NULL ? s : "";
}

static void
check_sa_stats(struct json_object *arr, const struct plan *p)
{
	for (unsigned i = 0; i < NUM_SAS; i++) {
		const struct sa_def *s = &p->sa[i];
		char spi[16];
		struct json_object *e = NULL;

		snprintf(spi, sizeof(spi), "0x%08x", (unsigned)s->spi);
		for (size_t j = 0; arr != NULL &&
		    j < json_object_array_length(arr); j++)
			if (strcmp(get_str(json_object_array_get_idx(arr, j),
			    "spi"), spi) == 0)
				e = json_object_array_get_idx(arr, j);
		if (e == NULL) {
			mismatch("counters.json: no \"sa\" entry for SPI %s",
			    spi);
			continue;
		}
		if (get_u64(e, "packets") != s->packets ||
		    get_u64(e, "bytes") != s->bytes ||
		    get_u64(e, "auth_fail") != s->auth_fail ||
		    get_u64(e, "replay") != s->replay)
			mismatch("SA %s: packets %" PRIu64 " bytes %" PRIu64
			    " auth_fail %" PRIu64 " replay %" PRIu64
			    ", expected %" PRIu64 " %" PRIu64 " %" PRIu64
			    " %" PRIu64, spi, get_u64(e, "packets"),
			    get_u64(e, "bytes"), get_u64(e, "auth_fail"),
			    get_u64(e, "replay"), s->packets, s->bytes,
			    s->auth_fail, s->replay);
	}
}

static void
check_counters(const struct options *o, const struct plan *p)
{
	char path[PATH_MAX_LEN];
	struct json_object *doc;
	struct json_object *c;

	dir_path(path, o, "counters.json");
	doc = json_object_from_file(path);
	if (doc == NULL) {
		mismatch("%s: not readable as JSON", path);
		return;
	}
	c = get_member(doc, "counters");
	for (unsigned i = 0; c != NULL && i < SPISYNC_NUM_REASONS; i++) {
		const uint64_t got = get_u64(c, spisync_reason_name[i]);

		if (got != p->counters[i])
			mismatch("counter %s: %" PRIu64 ", expected %" PRIu64,
			    spisync_reason_name[i], got, p->counters[i]);
	}
	check_sa_stats(get_member(doc, "sa"), p);
	json_object_put(doc);
}

static void
check_event(struct json_object *e, const struct planned *f, size_t n)
{
	const int af = f->ev.ipv6 ? AF_INET6 : AF_INET;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], spi[16];

	inet_ntop(af, f->ev.src, src, sizeof(src));
	inet_ntop(af, f->ev.dst, dst, sizeof(dst));
	snprintf(spi, sizeof(spi), "0x%08x", (unsigned)f->ev.spi);
	if (strcmp(get_str(e, "type"), f->ev.type == SPISYNC_EV_SA_MISS ?
	    "SA_MISS" : "SPI_RESERVED") != 0 ||
	    get_u64(e, "ip") != (f->ev.ipv6 ? 6u : 4u) ||
	    strcmp(get_str(e, "src"), src) != 0 ||
	    strcmp(get_str(e, "dst"), dst) != 0 ||
	    strcmp(get_str(e, "spi"), spi) != 0 ||
	    get_u64(e, "seq") != f->ev.seq ||
	    strcmp(get_str(e, "encap"), f->ev.udp ? "udp" : "esp") != 0 ||
	    get_u64(e, "len") != f->ev.len ||
	    get_u64(e, "rx_seq") != f->ev.rx_seq ||
	    (f->ev.udp && (get_u64(e, "sport") != f->ev.sport ||
	    get_u64(e, "dport") != f->ev.dport)))
		mismatch("event %zu: %s; expected type %u ip %d src %s dst %s "
		    "spi %s seq %u encap %s ports %u/%u len %zu rx_seq %u", n,
		    json_object_to_json_string(e), f->ev.type,
		    f->ev.ipv6 ? 6 : 4, src, dst, spi, (unsigned)f->ev.seq,
		    f->ev.udp ? "udp" : "esp", f->ev.sport, f->ev.dport,
		    f->ev.len, f->ev.rx_seq);
}

static void
check_events(const struct options *o, const struct plan *p)
{
	char path[PATH_MAX_LEN];
	char line[4096];
	FILE *fp;
	size_t i = 0;
	size_t n = 0;

	dir_path(path, o, "events.json");
	fp = fopen(path, "r");
	if (fp == NULL) {
		mismatch("%s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct json_object *e = json_tokener_parse(line);

		n++;
		while (i < p->n && !p->f[i].has_event)
			i++;
		if (e == NULL)
			mismatch("event %zu: not JSON: %s", n, line);
		else if (i == p->n)
			mismatch("event %zu: more events than expected", n);
		else
			check_event(e, &p->f[i], n);
		json_object_put(e);
		i++;
	}
	fclose(fp);
	if (n != p->events)
		mismatch("%s: %zu events, expected %" PRIu64, path, n,
		    p->events);
}

static int
check(const struct options *o, const struct plan *p)
{
	check_host_frames(o, p);
	check_counters(o, p);
	check_events(o, p);
	if (check_errors != 0) {
		fprintf(stderr, "mkpcap: %u mismatches (seed %" PRIu64 "%s)\n",
		    check_errors, o->seed, o->natt ? ", --natt" : "");
		return -1;
	}
	printf("mkpcap: outputs match: %zu frames, %" PRIu64 " events\n",
	    p->n, p->events);
	return 0;
}

/*
 * The outputs of spisync-sim over the fake card (tests/unit/fake_card_sim.c,
 * FAKE_CARD_DROP_EVERY=every), which decrypts nothing: every frame comes
 * back unchanged, but arrival every-1, 2*every-1, ... which it drops as an
 * IPv4 SA miss with an event record of its own making (SPI 0x1000 + arrival,
 * sequence number arrival + 1, addresses from bytes 26..33).
 */
static void
expect_fake(struct plan *p, unsigned every)
{
	memset(p->counters, 0, sizeof(p->counters));
	p->events = 0;
	for (unsigned i = 0; i < NUM_SAS; i++) {
		p->sa[i].packets = p->sa[i].bytes = 0;
		p->sa[i].auth_fail = p->sa[i].replay = 0;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct planned *f = &p->f[i];
		const bool drop = every != 0 && i % every == every - 1;

		free(f->host);
		f->host = NULL;
		memset(&f->ev, 0, sizeof(f->ev));
		f->ev.rx_seq = (uint16_t)i;
		f->has_event = drop;
		f->reason = drop ? SPISYNC_R_SA_NOT_FOUND_V4 :
		    SPISYNC_R_PASS_THROUGH;
		p->counters[SPISYNC_R_RX_PACKETS]++;
		p->counters[f->reason]++;
		if (!drop) {
			f->host = dup_bytes(f->frame, f->len);
			f->host_len = f->len;
			continue;
		}
		p->events++;
		f->ev.type = SPISYNC_EV_SA_MISS;
		f->ev.spi = 0x1000u + (uint32_t)i;
		f->ev.seq = (uint32_t)i + 1;
		f->ev.len = f->len;
		if (f->len >= 34) {
			memcpy(f->ev.src, f->frame + 26, 4);
			memcpy(f->ev.dst, f->frame + 30, 4);
		}
	}
}

/* ---------------------------------------------------------------------- */

static int
parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->frames = DEFAULT_FRAMES;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
			o->dir = argv[++i];
		} else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
			errno = 0;
			o->seed = strtoull(argv[++i], &end, 0);
			if (errno != 0 || *end != '\0')
				return -1;
			o->seed_given = true;
		} else if (strcmp(a, "--frames") == 0 && i + 1 < argc) {
			const unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end != '\0' || v == 0 || v > MAX_FRAMES)
				return -1;
			o->frames = (unsigned)v;
		} else if (strcmp(a, "--natt") == 0) {
			o->natt = true;
		} else if (strcmp(a, "--tiny") == 0) {
			o->tiny = true;
		} else if (strcmp(a, "--l4-mix") == 0) {
			o->l4_mix = true;
		} else if (strcmp(a, "--check") == 0) {
			o->check = true;
		} else if (strcmp(a, "--any-timestamps") == 0) {
			o->any_timestamps = true;
		} else if (strcmp(a, "--fake-drop-every") == 0 && i + 1 < argc) {
			const unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end != '\0' || v > MAX_FRAMES)
				return -1;
			o->fake = true;
			o->fake_drop_every = (unsigned)v;
		} else {
			return -1;
		}
	}
	return o->dir != NULL && o->seed_given ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct plan p;
	int rc;

	if (parse_options(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: mkpcap --dir DIR --seed N [--frames N] "
		    "[--natt] [--tiny] [--l4-mix] [--check "
		    "[--fake-drop-every N] [--any-timestamps]]\n");
		return 2;
	}
	make_plan(&o, &p);
	if (o.check && o.fake)
		expect_fake(&p, o.fake_drop_every);
	rc = o.check ? check(&o, &p) : generate(&o, &p);
	free_plan(&p);
	return rc == 0 ? 0 : 1;
}
