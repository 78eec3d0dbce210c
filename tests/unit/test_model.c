/*
 * spisync -- unit tests of the golden model (tests/model/card_model.c), the
 * ESP frame builder (frame_build.c) and the traffic generator (traffic.c).
 *
 * usage: test_model [--seed N] [--frames N] [--vectors FILE]
 *
 * Oracles, so that neither the model nor the builder is judged by itself:
 *  - published ESP packets (draft-mcgrew-gcm-test-01): the builder must
 *    produce their exact bytes, the model must decrypt them to their
 *    plaintext;
 *  - docs/datapath.md, rule by rule: every expected outcome, host frame and
 *    event record below is written here from the document (checksums by
 *    this file's own RFC 1071 sum, event records byte by byte);
 *  - the traffic generator's intent, which comes from how a frame was built
 *    and not from the model (traffic.h lists the one legitimate difference).
 *
 * The seed is printed; rerun with --seed to reproduce a failure.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "bytes.h"
#include "card_model.h"
#include "frame_build.h"
#include "gcm_ref.h"
#include "prng.h"
#include "spisync_hw.h"
#include "traffic.h"
#include "vector_file.h"

enum { W = 1024, BUF = 16384 + 128 };

static unsigned long long g_seed;
static unsigned long g_frames = 20000;
static const char *g_vectors = "tests/vectors/esp_gcm_packets.txt";

/* Big buffers live here, not on the stack. */
static uint8_t g_buf[BUF];
static uint8_t g_buf2[BUF];
static struct model_result g_r;

/* ---------------------------------------------------------------------
 * Independent helpers
 * ------------------------------------------------------------------- */

/* RFC 1071: the ones' complement sum of the 16-bit words. */
static uint32_t
ones_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += i % 2 == 0 ? (uint32_t)p[i] << 8 : p[i];
	while (sum > 0xFFFF)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return sum;
}

static bool
ipv4_csum_ok(const uint8_t *h, size_t ihl)
{
	return ones_sum(0, h, ihl) == 0xFFFF;
}

/* A transport checksum verifies over pseudo header + segment. */
static bool
l4_csum_ok(bool v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    const uint8_t *seg, size_t n)
{
	uint8_t ph[40] = { 0 };
	size_t phn;

	if (v6) {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		store_be32(ph + 32, (uint32_t)n);
		ph[39] = proto;
		phn = 40;
	} else {
		memcpy(ph, src, 4);
		memcpy(ph + 4, dst, 4);
		ph[9] = proto;
		store_be16(ph + 10, (unsigned)n);
		phn = 12;
	}
	return ones_sum(ones_sum(0, ph, phn), seg, n) == 0xFFFF;
}

static const char *
reason(unsigned r)
{
	return r < SPISYNC_NUM_REASONS ? spisync_reason_name[r] : "?";
}

/* ---------------------------------------------------------------------
 * Fixtures: addresses, SAs, frames
 * ------------------------------------------------------------------- */

static const uint8_t MAC_CARD[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC_PEER[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t V4_PEER[16] = { 198, 18, 0, 1 };
static const uint8_t V4_CARD[16] = { 198, 18, 0, 2 };
static const uint8_t V4_OTHER[16] = { 198, 19, 7, 7 };
static const uint8_t V6_PEER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t V6_CARD[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

enum { IX_V4 = 1, IX_V6 = 2, IX_V4U = 3, IX_V6U = 7 };

static struct model_sa
make_sa(uint32_t spi, bool v6, bool udp, enum sa_mode mode, unsigned key_len,
    unsigned icv, bool esn)
{
	struct model_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.spi = spi;
	sa.ipv6 = v6;
	memcpy(sa.dst, v6 ? V6_CARD : V4_CARD, 16);
	for (unsigned i = 0; i < 32; i++)
		sa.key[i] = (uint8_t)(spi * 7 + i * 13);
	sa.key_len = key_len;
	sa.salt[0] = 0xca;
	sa.salt[1] = 0xfe;
	sa.salt[2] = (uint8_t)spi;
	sa.salt[3] = 0x01;
	sa.icv_len = icv;
	sa.esn = esn;
	sa.mode = mode;
	sa.udp_encap = udp;
	sa.sport = 4500;
	sa.dport = 4500;
	sa.gen = 1;
	return sa;
}

static struct model_sa
sa_v4(void)
{
	return make_sa(0x00001001, false, false, SA_MODE_AUTO, 16, 16, false);
}

static struct model_sa
sa_v6(void)
{
	return make_sa(0x00002002, true, false, SA_MODE_TUNNEL, 32, 12, false);
}

static struct model_sa
sa_v4u(void)
{
	return make_sa(0x00003003, false, true, SA_MODE_TRANSPORT, 16, 8, false);
}

static struct model_sa
sa_v6u(void)
{
	return make_sa(0xFF004004, true, true, SA_MODE_AUTO, 32, 16, true);
}

static struct card_model *
model_with_sas(void)
{
	struct card_model *m = card_model_create();
	struct model_sa a = sa_v4(), b = sa_v6(), c = sa_v4u(), d = sa_v6u();

	assert_non_null(m);
	assert_int_equal(card_model_sa_set(m, IX_V4, &a), 0);
	assert_int_equal(card_model_sa_set(m, IX_V6, &b), 0);
	assert_int_equal(card_model_sa_set(m, IX_V4U, &c), 0);
	assert_int_equal(card_model_sa_set(m, IX_V6U, &d), 0);
	return m;
}

/* How to build one test frame. */
struct spec {
	bool vlan;
	uint8_t nh;                 /* 0: 4 (an IPv4 packet) */
	const uint8_t *payload;     /* NULL: payload_len bytes of a pattern */
	size_t payload_len;
	unsigned extra_pad;
	enum fb_pad_fault pad_fault;
	int ip_len_delta, udp_len_delta;
	bool bad_csum, mf;
	uint16_t frag_off;
	const uint8_t *options;
	size_t options_len;
	const uint8_t *dst;         /* NULL: the SA's */
	bool no_udp, force_udp;     /* encapsulation other than the SA's */
	bool esn_off;               /* build with the short AAD on an ESN SA */
};

static uint8_t g_payload[BUF];

static void
fill_eth(struct fb_eth *eth, bool vlan)
{
	memset(eth, 0, sizeof(*eth));
	memcpy(eth->dst, MAC_CARD, 6);
	memcpy(eth->src, MAC_PEER, 6);
	eth->vlan = vlan;
	eth->tci = 0x2064;
	eth->pad_min = true;
}

static void
fill_ip(struct fb_ip *ip, bool v6, const uint8_t *dst)
{
	memset(ip, 0, sizeof(*ip));
	ip->ipv6 = v6;
	memcpy(ip->src, v6 ? V6_PEER : V4_PEER, 16);
	memcpy(ip->dst, dst != NULL ? dst : (v6 ? V6_CARD : V4_CARD), 16);
	ip->ttl = 64;
	ip->id = 0x1234;
}

/* Build an ESP frame for sa with full sequence number seq into g_buf. */
static size_t
build(const struct model_sa *sa, uint64_t seq, const struct spec *sp,
    struct fb_info *fi)
{
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_udp udp = { .sport = 4500, .dport = 4500, .zero_csum = true };
	struct fb_esp esp;
	bool use_udp = (sa->udp_encap && !sp->no_udp) || sp->force_udp;
	const uint8_t *payload = sp->payload;
	struct fb_info local;

	if (fi == NULL)
		fi = &local;
	fill_eth(&eth, sp->vlan);
	fill_ip(&ip, sa->ipv6, sp->dst != NULL ? sp->dst : sa->dst);
	ip.len_delta = sp->ip_len_delta;
	ip.bad_csum = sp->bad_csum;
	ip.mf = sp->mf;
	ip.frag_off = sp->frag_off;
	ip.options = sp->options;
	ip.options_len = sp->options_len;
	udp.len_delta = sp->udp_len_delta;
	memset(&esp, 0, sizeof(esp));
	esp.spi = sa->spi;
	esp.seq = seq;
	esp.esn = sa->esn && !sp->esn_off;
	for (unsigned i = 0; i < 8; i++)
		esp.iv[i] = (uint8_t)(seq + i);
	esp.key = sa->key;
	esp.key_len = sa->key_len;
	memcpy(esp.salt, sa->salt, 4);
	esp.icv_len = sa->icv_len;
	esp.next_header = sp->nh != 0 ? sp->nh : 4;
	esp.extra_pad = sp->extra_pad;
	esp.pad_fault = sp->pad_fault;
	if (payload == NULL) {
		for (size_t i = 0; i < sp->payload_len; i++)
			g_payload[i] = (uint8_t)(i * 31 + 7);
		payload = g_payload;
	}
	assert_int_equal(fb_esp_frame(g_buf, sizeof(g_buf), &eth, &ip,
	    use_udp ? &udp : NULL, &esp, payload, sp->payload_len, fi), 0);
	return fi->len;
}

static uint8_t
run(struct card_model *m, const uint8_t *frame, size_t len, bool mac_err)
{
	card_model_frame(m, frame, len, mac_err, &g_r);
	return g_r.outcome;
}

/* The outcome, and for a drop: nothing delivered; for pass-through and
 * punts: the frame byte for byte. */
static void
expect(struct card_model *m, const uint8_t *frame, size_t len, bool mac_err,
    uint8_t want, const char *what)
{
	uint8_t got = run(m, frame, len, mac_err);

	if (got != want) {
		print_error("%s: outcome %s, expected %s\n", what, reason(got),
		    reason(want));
		fail();
	}
	if (spisync_reason_kind[want] == SPISYNC_REASON_DROP)
		assert_int_equal(g_r.out_len, 0);
	else if (want != SPISYNC_R_DECRYPTED) {
		assert_int_equal(g_r.out_len, len);
		assert_memory_equal(g_r.out, frame, len);
	}
}

static void
expect_sa(struct card_model *m, const struct model_sa *sa, uint64_t seq,
    const struct spec *sp, uint8_t want, const char *what)
{
	size_t len = build(sa, seq, sp, NULL);

	expect(m, g_buf, len, false, want, what);
}

/* ---------------------------------------------------------------------
 * Published ESP packets (draft-mcgrew-gcm-test-01)
 * ------------------------------------------------------------------- */

struct vec_state {
	unsigned decrypted, reserved, built;
	uint8_t esp[GCM_VECTOR_MAX_BYTES + 64];
	uint8_t frame[GCM_VECTOR_MAX_BYTES + 128];
};

/* The builder must make exactly the published bytes. */
static bool
vector_builder(const struct gcm_vector *v, uint32_t spi, uint64_t s,
    bool esn, struct vec_state *st)
{
	const uint8_t *pt = v->pt;
	size_t padlen = pt[v->pt_len - 2], il = v->pt_len - 2 - padlen;
	size_t align = (4 - (il + 2) % 4) % 4, n;
	struct fb_esp esp;

	memset(&esp, 0, sizeof(esp));
	esp.spi = spi;
	esp.seq = s;
	esp.esn = esn;
	memcpy(esp.iv, v->nonce + 4, 8);
	esp.key = v->key;
	esp.key_len = (unsigned)v->key_len;
	memcpy(esp.salt, v->nonce, 4);
	esp.icv_len = 16;
	esp.next_header = pt[v->pt_len - 1];
	if (padlen < align)
		return false;
	esp.extra_pad = (unsigned)(padlen - align);
	if (fb_esp_packet(st->esp, sizeof(st->esp), &esp, pt, il, &n,
	    NULL) != 0)
		return false;
	/* SPI || seq || IV || ct || ICV, straight from the vector */
	return n == 16 + v->ct_len + 16 &&
	    memcmp(st->esp, v->aad, 4) == 0 &&
	    memcmp(st->esp + 4, v->aad + v->aad_len - 4, 4) == 0 &&
	    memcmp(st->esp + 8, v->nonce + 4, 8) == 0 &&
	    memcmp(st->esp + 16, v->ct, v->ct_len) == 0 &&
	    memcmp(st->esp + 16 + v->ct_len, v->tag, 16) == 0;
}

static bool
vector_fn(const struct gcm_vector *v, const char *path, unsigned long lineno,
    void *arg)
{
	struct vec_state *st = arg;
	bool esn = v->aad_len == 12;
	uint32_t spi = load_be32(v->aad);
	uint64_t s = esn ? (uint64_t)load_be32(v->aad + 4) << 32 | load_be32(v->aad + 8) :
	    load_be32(v->aad + 4);
	struct card_model *m;
	struct model_sa sa;
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_info fi;
	size_t esp_len = 16 + v->ct_len + 16, padlen, il;
	const uint8_t *out;
	uint8_t got;
	bool ok = true;

	if (!v->expect_valid || v->icv_len != 16 || v->pt_len < 2 ||
	    (v->aad_len != 8 && v->aad_len != 12)) {
		fprintf(stderr, "%s:%lu: %s: not an ESP packet case\n", path,
		    lineno, v->name);
		return false;
	}
	if (!vector_builder(v, spi, s, esn, st)) {
		fprintf(stderr, "%s:%lu: %s: builder differs from the published "
		    "packet\n", path, lineno, v->name);
		ok = false;
	} else {
		st->built++;
	}

	/* The ESP packet made from the vector's own fields, not the builder. */
	memcpy(st->esp, v->aad, 4);
	memcpy(st->esp + 4, v->aad + v->aad_len - 4, 4);
	memcpy(st->esp + 8, v->nonce + 4, 8);
	memcpy(st->esp + 16, v->ct, v->ct_len);
	memcpy(st->esp + 16 + v->ct_len, v->tag, 16);
	fill_eth(&eth, false);
	fill_ip(&ip, false, NULL);
	if (fb_ip_frame(st->frame, sizeof(st->frame), &eth, &ip, 50, st->esp,
	    esp_len, &fi) != 0)
		return false;

	sa = make_sa(spi, false, false, SA_MODE_AUTO, (unsigned)v->key_len,
	    16, esn);
	memcpy(sa.key, v->key, v->key_len);
	memcpy(sa.salt, v->nonce, 4);
	if ((m = card_model_create()) == NULL)
		return false;
	card_model_sa_set(m, 5, &sa);
	/* a receiver that has seen S - 1: the window infers S's high half */
	if (esn && s > 1)
		card_model_sa_set_replay_top(m, 5, s - 1);
	got = run(m, st->frame, fi.len, false);
	card_model_destroy(m);

	if (spi < 256) {
		if (got != SPISYNC_R_SPI_RESERVED) {
			fprintf(stderr, "%s:%lu: %s: SPI %u: %s\n", path, lineno,
			    v->name, spi, reason(got));
			return false;
		}
		st->reserved++;
		return ok;
	}
	if (got != SPISYNC_R_DECRYPTED) {
		fprintf(stderr, "%s:%lu: %s: %s\n", path, lineno, v->name,
		    reason(got));
		return false;
	}
	/* next header 1 in every vector: transport; the IP header rewritten */
	padlen = v->pt[v->pt_len - 2];
	il = v->pt_len - 2 - padlen;
	out = g_r.out;
	if (g_r.out_len != 34 + il || out[14 + 9] != v->pt[v->pt_len - 1] ||
	    load_be16(out + 16) != 20 + il || !ipv4_csum_ok(out + 14, 20) ||
	    memcmp(out + 34, v->pt, il) != 0 ||
	    memcmp(out + 26, V4_PEER, 4) != 0 ||
	    memcmp(out + 30, V4_CARD, 4) != 0) {
		fprintf(stderr, "%s:%lu: %s: delivered frame differs\n", path,
		    lineno, v->name);
		return false;
	}
	st->decrypted++;
	return ok;
}

static void
test_published_esp_packets(void **state)
{
	struct vec_state *st = calloc(1, sizeof(*st));
	struct vector_file_result res;

	(void)state;
	assert_non_null(st);
	assert_int_equal(vector_file_run(g_vectors, vector_fn, st, &res), 0);
	print_message("esp vectors: %lu cases, %u built byte-exact, %u "
	    "decrypted, %u reserved SPI\n", res.cases, st->built,
	    st->decrypted, st->reserved);
	assert_int_equal(res.cases, 15);
	assert_int_equal(res.ok, res.cases);
	assert_int_equal(st->built, 15);
	/* case 4 has SPI 0: the card drops it before any decryption */
	assert_int_equal(st->reserved, 1);
	assert_int_equal(st->decrypted, 14);
	free(st);
}

/* ---------------------------------------------------------------------
 * The builder's headers against hand-written bytes
 * ------------------------------------------------------------------- */

static void
test_builder_headers(void **state)
{
	static const uint8_t opts[8] = { 0x94, 0x04, 0x00, 0x00, 1, 1, 1, 0 };
	/* 802.1Q VLAN 100 PCP 1, IPv4 with Router Alert + NOPs, proto 50 */
	static const uint8_t hand[18 + 28] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2,
		0x81, 0x00, 0x20, 0x64, 0x08, 0x00,
		0x47, 0x00, 0x00, 0x2c + 0, 0x12, 0x34, 0x40, 0x00,
		0x40, 0x32, 0x00, 0x00, 198, 18, 0, 1, 198, 18, 0, 2,
		0x94, 0x04, 0x00, 0x00, 1, 1, 1, 0,
	};
	uint8_t payload[16];
	uint8_t want[sizeof(hand) + 16];
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_info fi;
	struct fb_udp udp = { .sport = 4500, .dport = 4500 };
	uint32_t sum;

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		payload[i] = (uint8_t)i;
	memcpy(want, hand, sizeof(hand));
	memcpy(want + sizeof(hand), payload, 16);
	/* total length 28 + 16 = 44 = 0x2c; checksum by hand below */
	sum = ones_sum(0, want + 18, 28);
	store_be16(want + 18 + 10, (uint16_t)~sum);
	fill_eth(&eth, true);
	eth.pad_min = false;
	fill_ip(&ip, false, NULL);
	ip.df = true;
	ip.options = opts;
	ip.options_len = sizeof(opts);
	assert_int_equal(fb_ip_frame(g_buf, sizeof(g_buf), &eth, &ip, 50,
	    payload, 16, &fi), 0);
	assert_int_equal(fi.len, sizeof(want));
	assert_memory_equal(g_buf, want, sizeof(want));
	assert_int_equal(fi.l2_len, 18);
	assert_int_equal(fi.ip_hdr_len, 28);

	/* bad checksum and a length delta change only what they say */
	ip.bad_csum = true;
	ip.len_delta = 3;
	assert_int_equal(fb_ip_frame(g_buf, sizeof(g_buf), &eth, &ip, 50,
	    payload, 16, &fi), 0);
	assert_int_equal(load_be16(g_buf + 20), 44 + 3);
	assert_false(ipv4_csum_ok(g_buf + 18, 28));

	/* IPv6 UDP: checksum over the pseudo header; payload length */
	fill_eth(&eth, false);
	fill_ip(&ip, true, NULL);
	assert_int_equal(fb_udp_frame(g_buf, sizeof(g_buf), &eth, &ip, &udp,
	    payload, 16, &fi), 0);
	assert_int_equal(fi.len, 14 + 40 + 8 + 16);
	assert_int_equal(load_be16(g_buf + 12), 0x86DD);
	assert_int_equal(g_buf[14] >> 4, 6);
	assert_int_equal(load_be16(g_buf + 18), 24);
	assert_int_equal(g_buf[20], 17);
	assert_int_equal(load_be16(g_buf + 54 + 4), 24);
	assert_true(load_be16(g_buf + 54 + 6) != 0);
	assert_true(l4_csum_ok(true, V6_PEER, V6_CARD, 17, g_buf + 54, 24));

	/* IPv4 ESP in UDP: checksum zero (RFC 3948) */
	fill_ip(&ip, false, NULL);
	udp.zero_csum = true;
	assert_int_equal(fb_udp_frame(g_buf, sizeof(g_buf), &eth, &ip, &udp,
	    payload, 16, &fi), 0);
	assert_int_equal(load_be16(g_buf + 34 + 6), 0);
	assert_true(ipv4_csum_ok(g_buf + 14, 20));

	/* IPv6 extension chain: hop-by-hop, fragment, then ESP */
	{
		static const uint8_t chain[2] = { 0, 44 };

		fill_ip(&ip, true, NULL);
		ip.ext = chain;
		ip.n_ext = 2;
		ip.frag_off = 3;
		ip.mf = true;
		assert_int_equal(fb_ip_frame(g_buf, sizeof(g_buf), &eth, &ip, 50,
		    payload, 16, &fi), 0);
		assert_int_equal(g_buf[20], 0);          /* IPv6 nh: hop-by-hop */
		assert_int_equal(g_buf[54], 44);         /* its nh: fragment */
		assert_int_equal(g_buf[62], 50);         /* fragment's nh: ESP */
		assert_int_equal(load_be16(g_buf + 64), 3 << 3 | 1);
		assert_int_equal(load_be16(g_buf + 18), 16 + 16);
		assert_int_equal(fi.len, 14 + 40 + 16 + 16);
	}

	/* ARP: padded to the Ethernet minimum */
	{
		static const uint8_t a[4] = { 198, 18, 0, 1 }, b[4] = { 198, 18, 0, 2 };

		assert_int_equal(fb_arp_frame(g_buf, sizeof(g_buf), &eth, 1, a,
		    b, &fi), 0);
		assert_int_equal(fi.len, 60);
		assert_int_equal(load_be16(g_buf + 12), 0x0806);
		assert_int_equal(load_be16(g_buf + 20), 1);
	}

	/* transport segments check out by this file's own sums */
	{
		size_t n;

		fill_ip(&ip, false, NULL);
		assert_int_equal(fb_l4_segment(g_buf, sizeof(g_buf), &ip, 6, 80,
		    443, payload, 15, &n), 0);
		assert_int_equal(n, 35);
		assert_true(l4_csum_ok(false, V4_PEER, V4_CARD, 6, g_buf, n));
		assert_int_equal(fb_l4_segment(g_buf, sizeof(g_buf), &ip, 17, 1,
		    2, payload, 13, &n), 0);
		assert_true(l4_csum_ok(false, V4_PEER, V4_CARD, 17, g_buf, n));
		assert_int_equal(fb_l4_segment(g_buf, sizeof(g_buf), &ip, 1, 1,
		    2, payload, 13, &n), 0);
		assert_int_equal(ones_sum(0, g_buf, n), 0xFFFF);
		fill_ip(&ip, true, NULL);
		assert_int_equal(fb_l4_segment(g_buf, sizeof(g_buf), &ip, 58, 1,
		    2, payload, 13, &n), 0);
		assert_true(l4_csum_ok(true, V6_PEER, V6_CARD, 58, g_buf, n));
	}

	/* refusals */
	fill_ip(&ip, false, NULL);
	ip.options_len = 6;
	ip.options = opts;
	assert_int_equal(fb_ip_frame(g_buf, sizeof(g_buf), &eth, &ip, 50,
	    payload, 16, &fi), -1);
	fill_ip(&ip, false, NULL);
	assert_int_equal(fb_ip_frame(g_buf, 40, &eth, &ip, 50, payload, 16,
	    &fi), -1);
}

/* The ESP trailer as the builder writes it, decrypted by OpenSSL here. */
static void
test_builder_trailer(void **state)
{
	struct model_sa sa = sa_v4();
	struct spec sp = { .payload_len = 5, .extra_pad = 8, .nh = 17 };
	struct fb_info fi;
	uint8_t nonce[12], aad[8], pt[64];
	size_t len;

	(void)state;
	len = build(&sa, 9, &sp, &fi);
	assert_int_equal(fi.ct_len, 5 + 1 + 8 + 2);
	assert_int_equal(len, 14 + 20 + 16 + fi.ct_len + 16);
	memcpy(nonce, sa.salt, 4);
	memcpy(nonce + 4, g_buf + fi.esp_off + 8, 8);
	memcpy(aad, g_buf + fi.esp_off, 8);
	assert_int_equal(load_be32(aad + 4), 9);
	assert_int_equal(gcm_ref_decrypt(sa.key, 16, nonce, aad, 8,
	    g_buf + fi.ct_off, fi.ct_len, g_buf + fi.icv_off, 16, pt), 1);
	for (unsigned i = 0; i < 9; i++)
		assert_int_equal(pt[5 + i], i + 1);
	assert_int_equal(pt[14], 9);
	assert_int_equal(pt[15], 17);

	/* a wrong pad byte is authentic but wrong */
	sp.pad_fault = FB_PAD_WRONG_BYTE;
	build(&sa, 9, &sp, &fi);
	assert_int_equal(gcm_ref_decrypt(sa.key, 16, nonce, aad, 8,
	    g_buf + fi.ct_off, fi.ct_len, g_buf + fi.icv_off, 16, pt), 1);
	{
		unsigned wrong = 0;

		for (unsigned i = 0; i < 9; i++)
			wrong += pt[5 + i] != i + 1;
		assert_int_equal(wrong, 1);
	}

	/* ESN: 12-byte AAD, high half not on the wire */
	sa.esn = true;
	sp.pad_fault = FB_PAD_OK;
	build(&sa, 0x0000000500000007ull, &sp, &fi);
	assert_int_equal(load_be32(g_buf + fi.esp_off + 4), 7);
	{
		uint8_t aad12[12];

		memcpy(aad12, g_buf + fi.esp_off, 4);
		store_be32(aad12 + 4, 5);
		store_be32(aad12 + 8, 7);
		memcpy(nonce + 4, g_buf + fi.esp_off + 8, 8);
		assert_int_equal(gcm_ref_decrypt(sa.key, 16, nonce, aad12, 12,
		    g_buf + fi.ct_off, fi.ct_len, g_buf + fi.icv_off, 16, pt),
		    1);
	}
}

/* ---------------------------------------------------------------------
 * Section 2: parse, rule by rule
 * ------------------------------------------------------------------- */

static void
test_parse_l2_and_ipv4(void **state)
{
	struct card_model *m = model_with_sas();
	struct model_sa a = sa_v4(), u = sa_v4u();
	struct spec sp = { .payload_len = 40 };
	struct fb_info fi;
	size_t len;

	(void)state;
	/* 0: MAC error wins over everything */
	len = build(&a, 1, &sp, &fi);
	expect(m, g_buf, len, true, SPISYNC_R_MAC_ERROR, "mac error");
	/* 1: runts */
	expect(m, g_buf, 13, false, SPISYNC_R_MALFORMED, "13 bytes");
	sp.vlan = true;
	len = build(&a, 1, &sp, &fi);
	expect(m, g_buf, 17, false, SPISYNC_R_MALFORMED, "tagged, 17 bytes");
	/* 4: other ethertypes; a tag in front changes nothing */
	memcpy(g_buf2, g_buf, len);
	store_be16(g_buf2 + 16, 0x88CC);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "LLDP");
	store_be16(g_buf2 + 12, 0x88A8);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "QinQ");
	/* the good frame, tagged and not */
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "tagged ESP");
	sp.vlan = false;
	expect_sa(m, &a, 2, &sp, SPISYNC_R_DECRYPTED, "plain ESP");

	/* 2: IPv4 too short for its header, or not version 4 */
	len = build(&a, 3, &sp, &fi);
	expect(m, g_buf, 14 + 19, false, SPISYNC_R_PASS_THROUGH, "short IPv4");
	memcpy(g_buf2, g_buf, len);
	g_buf2[14] = 0x65;
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "version 6 in 0x0800");

	/* ESP fragments are punted, first or later */
	sp.mf = true;
	expect_sa(m, &a, 3, &sp, SPISYNC_R_PUNT_FRAGMENT, "ESP MF");
	sp.mf = false;
	sp.frag_off = 185;
	expect_sa(m, &a, 3, &sp, SPISYNC_R_PUNT_FRAGMENT, "ESP offset");
	sp.frag_off = 0;
	len = build(&a, 3, &sp, &fi);

	/* other protocols pass, whatever their checksum */
	memcpy(g_buf2, g_buf, len);
	g_buf2[14 + 9] = 6;
	fb_ipv4_fix_csum(g_buf2, 14);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "TCP");
	g_buf2[14 + 10] ^= 0x55;
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "TCP, bad csum");

	/* ESP checks */
	memcpy(g_buf2, g_buf, len);
	g_buf2[14] = 0x44;                       /* ihl 16 */
	fb_ipv4_fix_csum(g_buf2, 14);
	expect(m, g_buf2, len, false, SPISYNC_R_MALFORMED, "ESP ihl 16");
	memcpy(g_buf2, g_buf, len);
	store_be16(g_buf2 + 16, 19);                   /* tot < ihl */
	fb_ipv4_fix_csum(g_buf2, 14);
	expect(m, g_buf2, len, false, SPISYNC_R_MALFORMED, "ESP tot < ihl");
	sp.ip_len_delta = 1;
	expect_sa(m, &a, 4, &sp, SPISYNC_R_MALFORMED, "pe > len");
	sp.ip_len_delta = -1;
	expect_sa(m, &a, 4, &sp, SPISYNC_R_MALFORMED, "pe < len, len > 60");
	sp.ip_len_delta = 0;
	len = build(&a, 4, &sp, &fi);
	g_buf[len++] = 0;
	expect(m, g_buf, len, false, SPISYNC_R_MALFORMED, "one byte after pe");
	sp.bad_csum = true;
	expect_sa(m, &a, 4, &sp, SPISYNC_R_MALFORMED, "bad header checksum");
	sp.bad_csum = false;
	/* none of those moved the window: 4 is still fresh */
	expect_sa(m, &a, 4, &sp, SPISYNC_R_DECRYPTED, "seq 4 after the rest");

	/* Ethernet padding after a short packet is fine up to 60 bytes:
	 * 8 bytes of ESP with a reserved SPI in a 42-byte packet */
	{
		static const uint8_t esp8[8] = { 0, 0, 0, 0xFF, 0, 0, 0, 1 };
		struct fb_eth eth;
		struct fb_ip ip;

		fill_eth(&eth, false);
		fill_ip(&ip, false, NULL);
		assert_int_equal(fb_ip_frame(g_buf, sizeof(g_buf), &eth, &ip, 50,
		    esp8, 8, &fi), 0);
		assert_int_equal(fi.len, 60);
		expect(m, g_buf, 60, false, SPISYNC_R_SPI_RESERVED, "padded to 60");
		assert_true(g_r.event);
		g_buf[60] = 0;
		expect(m, g_buf, 61, false, SPISYNC_R_MALFORMED, "padded to 61");
		/* 5: fewer than 8 bytes of ESP */
		assert_int_equal(fb_ip_frame(g_buf, sizeof(g_buf), &eth, &ip, 50,
		    esp8, 7, &fi), 0);
		expect(m, g_buf, fi.len, false, SPISYNC_R_MALFORMED, "7-byte ESP");
		assert_false(g_r.event);
	}

	/* UDP */
	expect_sa(m, &u, 1, &sp, SPISYNC_R_DECRYPTED, "UDP 4500");
	len = build(&u, 2, &sp, &fi);
	memcpy(g_buf2, g_buf, len);
	g_buf2[14] = 0x44;
	fb_ipv4_fix_csum(g_buf2, 14);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "UDP ihl 16");
	expect(m, g_buf, 14 + 20 + 7, false, SPISYNC_R_PASS_THROUGH,
	    "no room for a UDP header");
	sp.frag_off = 3;
	expect_sa(m, &u, 2, &sp, SPISYNC_R_PASS_THROUGH, "UDP 4500 offset");
	sp.frag_off = 0;
	sp.mf = true;
	expect_sa(m, &u, 2, &sp, SPISYNC_R_PUNT_FRAGMENT, "UDP 4500 MF");
	sp.mf = false;
	len = build(&u, 2, &sp, &fi);
	memcpy(g_buf2, g_buf, len);
	store_be16(g_buf2 + 36, 500);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "UDP to 500");
	store_be16(g_buf2 + 36, 4501);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "UDP to 4501");
	/* non-ESP marker: IKE */
	memcpy(g_buf2, g_buf, len);
	memset(g_buf2 + 42, 0, 4);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "non-ESP marker");
	/* fewer than 8 bytes of UDP payload, by the IP length */
	{
		static const uint8_t seven[7] = { 1, 2, 3, 4, 5, 6, 7 };
		static const uint8_t eight[8] = { 0, 0, 0x30, 0x03, 0, 0, 0, 9 };
		struct fb_eth eth;
		struct fb_ip ip;
		struct fb_udp udp = { .sport = 4500, .dport = 4500 };

		fill_eth(&eth, false);
		fill_ip(&ip, false, NULL);
		assert_int_equal(fb_natt_keepalive(g_buf, sizeof(g_buf), &eth,
		    &ip, 4500, &fi), 0);
		expect(m, g_buf, fi.len, false, SPISYNC_R_PASS_THROUGH,
		    "keepalive");
		assert_int_equal(fb_udp_frame(g_buf, sizeof(g_buf), &eth, &ip,
		    &udp, seven, 7, &fi), 0);
		expect(m, g_buf, fi.len, false, SPISYNC_R_PASS_THROUGH,
		    "7 payload bytes");
		/* 8 bytes: ESP of the UDP SA, far too short for it (step 8) */
		assert_int_equal(fb_udp_frame(g_buf, sizeof(g_buf), &eth, &ip,
		    &udp, eight, 8, &fi), 0);
		expect(m, g_buf, fi.len, false, SPISYNC_R_MALFORMED,
		    "8-byte ESP in UDP");
		assert_int_equal(g_r.sa_index, IX_V4U);
		/* the IP length says 7: clamped, so it is a keepalive-sized
		 * payload even though the frame holds 8 */
		store_be16(g_buf + 16, 20 + 8 + 7);
		fb_ipv4_fix_csum(g_buf, 14);
		expect(m, g_buf, fi.len, false, SPISYNC_R_PASS_THROUGH,
		    "IP length leaves 7 payload bytes");
		/* tot < ihl + 8 reads as an empty payload: passed, not malformed */
		store_be16(g_buf + 16, 20 + 4);
		fb_ipv4_fix_csum(g_buf, 14);
		expect(m, g_buf, fi.len, false, SPISYNC_R_PASS_THROUGH,
		    "tot < ihl + 8");
		/* IKE on 500 and on 4500 */
		{
			static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

			assert_int_equal(fb_ike_frame(g_buf, sizeof(g_buf), &eth,
			    &ip, 500, 500, spi_i, 200, &fi), 0);
			expect(m, g_buf, fi.len, false, SPISYNC_R_PASS_THROUGH,
			    "IKE 500");
			assert_int_equal(fb_ike_frame(g_buf, sizeof(g_buf), &eth,
			    &ip, 4500, 4500, spi_i, 200, &fi), 0);
			assert_int_equal(load_be32(g_buf + 42), 0);
			expect(m, g_buf, fi.len, false, SPISYNC_R_PASS_THROUGH,
			    "IKE 4500");
		}
	}
	sp.udp_len_delta = 2;
	expect_sa(m, &u, 5, &sp, SPISYNC_R_MALFORMED, "UDP length + 2");
	sp.udp_len_delta = -2;
	expect_sa(m, &u, 5, &sp, SPISYNC_R_MALFORMED, "UDP length - 2");
	sp.udp_len_delta = 0;
	sp.bad_csum = true;
	expect_sa(m, &u, 5, &sp, SPISYNC_R_MALFORMED, "UDP ESP bad checksum");
	sp.bad_csum = false;
	expect_sa(m, &u, 5, &sp, SPISYNC_R_DECRYPTED, "UDP seq 5");
	card_model_destroy(m);
}

static void
test_parse_ipv6(void **state)
{
	static const uint8_t punted[10] = {
		0, 43, 44, 51, 60, 135, 139, 140, 253, 254,
	};
	struct card_model *m = model_with_sas();
	struct model_sa b = sa_v6(), d = sa_v6u();
	struct spec sp = { .payload_len = 60, .nh = 41 };
	struct fb_info fi;
	size_t len;

	(void)state;
	expect_sa(m, &b, 1, &sp, SPISYNC_R_DECRYPTED, "IPv6 ESP");
	len = build(&b, 2, &sp, &fi);
	expect(m, g_buf, 14 + 39, false, SPISYNC_R_PASS_THROUGH, "short IPv6");
	memcpy(g_buf2, g_buf, len);
	g_buf2[14] = 0x45;
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "version 4 in 0x86DD");
	for (unsigned i = 0; i < sizeof(punted); i++) {
		memcpy(g_buf2, g_buf, len);
		g_buf2[20] = punted[i];
		g_buf2[54] = 17;   /* what follows: not ESP */
		expect(m, g_buf2, len, false, SPISYNC_R_PUNT_IPV6_EXT,
		    "extension header");
	}
	/* a fragment header before ESP is a fragment */
	memcpy(g_buf2, g_buf, len);
	g_buf2[20] = 44;
	g_buf2[54] = 50;
	expect(m, g_buf2, len, false, SPISYNC_R_PUNT_FRAGMENT, "IPv6 fragment");
	/* nothing after the fixed header: an extension header all the same */
	expect(m, g_buf2, 54, false, SPISYNC_R_PUNT_IPV6_EXT,
	    "fragment header cut off");
	memcpy(g_buf2, g_buf, len);
	g_buf2[20] = 6;
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "IPv6 TCP");
	sp.ip_len_delta = 1;
	expect_sa(m, &b, 2, &sp, SPISYNC_R_MALFORMED, "IPv6 pe > len");
	sp.ip_len_delta = -1;
	expect_sa(m, &b, 2, &sp, SPISYNC_R_MALFORMED, "IPv6 pe < len");
	sp.ip_len_delta = 0;
	/* Ethernet padding is never fine for IPv6 */
	len = build(&b, 2, &sp, &fi);
	g_buf[len] = 0;
	expect(m, g_buf, len + 1, false, SPISYNC_R_MALFORMED, "IPv6 trailer");

	/* UDP */
	sp.nh = 4;
	expect_sa(m, &d, 1, &sp, SPISYNC_R_DECRYPTED, "IPv6 UDP");
	len = build(&d, 2, &sp, &fi);
	expect(m, g_buf, 14 + 40 + 7, false, SPISYNC_R_PASS_THROUGH,
	    "IPv6 UDP header cut");
	memcpy(g_buf2, g_buf, len);
	store_be16(g_buf2 + 56, 4501);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "IPv6 UDP 4501");
	memcpy(g_buf2, g_buf, len);
	memset(g_buf2 + 62, 0, 4);
	expect(m, g_buf2, len, false, SPISYNC_R_PASS_THROUGH, "IPv6 marker");
	sp.udp_len_delta = 4;
	expect_sa(m, &d, 2, &sp, SPISYNC_R_MALFORMED, "IPv6 UDP length");
	sp.udp_len_delta = 0;
	{
		struct fb_eth eth;
		struct fb_ip ip;

		fill_eth(&eth, true);
		fill_ip(&ip, true, NULL);
		assert_int_equal(fb_natt_keepalive(g_buf, sizeof(g_buf), &eth,
		    &ip, 4500, &fi), 0);
		expect(m, g_buf, fi.len, false, SPISYNC_R_PASS_THROUGH,
		    "IPv6 keepalive");
	}
	card_model_destroy(m);
}

/* ---------------------------------------------------------------------
 * Section 2 step 6, section 3 and 7: reserved SPIs, lookup, events
 * ------------------------------------------------------------------- */

/* The event record written from the register map, byte by byte. */
static void
expect_event(uint8_t type, uint8_t flags, size_t frame_len, uint32_t spi,
    const uint8_t *src, const uint8_t *dst, size_t addr_len, uint32_t seq,
    unsigned sport, unsigned dport, unsigned rx_seq)
{
	uint8_t e[64] = { 0 };

	e[0] = type;
	e[1] = flags;
	e[2] = (uint8_t)frame_len;
	e[3] = (uint8_t)(frame_len >> 8);
	e[4] = (uint8_t)spi;
	e[5] = (uint8_t)(spi >> 8);
	e[6] = (uint8_t)(spi >> 16);
	e[7] = (uint8_t)(spi >> 24);
	memcpy(e + 16, src, addr_len);
	memcpy(e + 32, dst, addr_len);
	e[48] = (uint8_t)seq;
	e[49] = (uint8_t)(seq >> 8);
	e[50] = (uint8_t)(seq >> 16);
	e[51] = (uint8_t)(seq >> 24);
	e[52] = (uint8_t)sport;
	e[53] = (uint8_t)(sport >> 8);
	e[54] = (uint8_t)dport;
	e[55] = (uint8_t)(dport >> 8);
	e[60] = 0xff;		/* SA_INDEX: none for a miss */
	e[61] = 0xff;
	e[62] = (uint8_t)rx_seq;
	e[63] = (uint8_t)(rx_seq >> 8);
	assert_true(g_r.event);
	assert_memory_equal(g_r.event_rec, e, 64);
}

static void
test_lookup_and_events(void **state)
{
	struct card_model *m = model_with_sas();
	struct model_sa a = sa_v4(), b = sa_v6(), u = sa_v4u(), d = sa_v6u();
	struct model_sa x;
	struct spec sp = { .payload_len = 33 };
	size_t len;
	unsigned rx = 0;

	(void)state;
	/* reserved SPIs: 0 and 255 dropped with an event, 256 looked up */
	x = a;
	x.spi = 255;
	len = build(&x, 77, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SPI_RESERVED, "SPI 255");
	expect_event(2, 0, len, 255, V4_PEER, V4_CARD, 4, 77, 0, 0, rx++);
	assert_int_equal(g_r.sa_index, 0xFFFF);
	x.spi = 0;
	len = build(&x, 78, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SPI_RESERVED, "SPI 0");
	expect_event(2, 0, len, 0, V4_PEER, V4_CARD, 4, 78, 0, 0, rx++);
	x.spi = 256;
	len = build(&x, 79, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_V4, "SPI 256");
	expect_event(1, 0, len, 256, V4_PEER, V4_CARD, 4, 79, 0, 0, rx++);

	/* each SA found with its own addressing */
	expect_sa(m, &a, 1, &sp, SPISYNC_R_DECRYPTED, "v4");
	assert_int_equal(g_r.sa_index, IX_V4);
	assert_false(g_r.event);
	rx++;
	sp.nh = 41;
	expect_sa(m, &b, 1, &sp, SPISYNC_R_DECRYPTED, "v6");
	assert_int_equal(g_r.sa_index, IX_V6);
	rx++;
	expect_sa(m, &u, 1, &sp, SPISYNC_R_DECRYPTED, "v4 udp");
	assert_int_equal(g_r.sa_index, IX_V4U);
	rx++;
	expect_sa(m, &d, 1, &sp, SPISYNC_R_DECRYPTED, "v6 udp");
	assert_int_equal(g_r.sa_index, IX_V6U);
	rx++;

	/* step 7, one check at a time */
	sp.dst = V4_OTHER;
	len = build(&a, 2, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_V4, "other dst");
	expect_event(1, 0, len, a.spi, V4_PEER, V4_OTHER, 4, 2, 0, 0, rx++);
	sp.dst = NULL;
	sp.force_udp = true;
	len = build(&a, 2, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_NATT_V4, "v4 in UDP");
	expect_event(1, 4, len, a.spi, V4_PEER, V4_CARD, 4, 2, 4500, 4500, rx++);
	sp.force_udp = false;
	sp.no_udp = true;
	len = build(&u, 2, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_V4, "udp SA, plain");
	rx++;
	len = build(&d, 2, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_V6, "v6 udp SA, plain");
	expect_event(1, 2, len, d.spi, V6_PEER, V6_CARD, 16, 2, 0, 0, rx++);
	sp.no_udp = false;
	sp.force_udp = true;
	len = build(&b, 2, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_NATT_V6, "v6 in UDP");
	expect_event(1, 6, len, b.spi, V6_PEER, V6_CARD, 16, 2, 4500, 4500, rx++);
	sp.force_udp = false;
	/* IP version: the v4 SA's SPI in an IPv6 frame */
	x = a;
	x.ipv6 = true;
	memcpy(x.dst, V4_CARD, 16);
	len = build(&x, 2, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_V6, "v4 SPI in v6");
	rx++;
	/* DPORT: an SA that wants 4501 never matches (only 4500 is ESP) */
	x = sa_v4u();
	x.spi = 0x5005;
	x.dport = 4501;
	assert_int_equal(card_model_sa_set(m, 9, &x), 0);
	len = build(&x, 1, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_NATT_V4, "dport 4501");
	rx++;

	/* step 8: shortest ESP for an ICV of 16 is 16 + 16 + 2 */
	{
		uint8_t esp[64], nonce[12], aad[8], tag[16], pt[2] = { 0, 4 };
		struct fb_eth eth;
		struct fb_ip ip;
		struct fb_info fi;

		store_be32(esp, a.spi);
		store_be32(esp + 4, 50);
		memset(esp + 8, 0xA5, 8);
		memcpy(nonce, a.salt, 4);
		memcpy(nonce + 4, esp + 8, 8);
		memcpy(aad, esp, 8);
		assert_int_equal(gcm_ref_encrypt(a.key, 16, nonce, aad, 8, pt, 2,
		    esp + 16, tag), 0);
		memcpy(esp + 18, tag, 16);
		fill_eth(&eth, false);
		fill_ip(&ip, false, NULL);
		assert_int_equal(fb_ip_frame(g_buf, sizeof(g_buf), &eth, &ip, 50,
		    esp, 33, &fi), 0);
		expect(m, g_buf, fi.len, false, SPISYNC_R_MALFORMED, "33-byte ESP");
		assert_int_equal(g_r.sa_index, IX_V4);
		assert_false(g_r.event);
		rx++;
		/* 34 bytes: an empty tunnel packet, delivered as 14 bytes */
		assert_int_equal(fb_ip_frame(g_buf, sizeof(g_buf), &eth, &ip, 50,
		    esp, 34, &fi), 0);
		expect(m, g_buf, fi.len, false, SPISYNC_R_DECRYPTED, "34-byte ESP");
		assert_int_equal(g_r.out_len, 14);
		assert_memory_equal(g_r.out, g_buf, 12);
		assert_int_equal(load_be16(g_r.out + 12), 0x0800);
		rx++;
	}

	/* sa_set refusals; clear */
	x = sa_v6();
	assert_int_equal(card_model_sa_set(m, 11, &x), -1);   /* SPI of index 2 */
	x.spi = 0x6006;
	x.icv_len = 10;
	assert_int_equal(card_model_sa_set(m, 11, &x), -1);
	x.icv_len = 16;
	x.key_len = 24;
	assert_int_equal(card_model_sa_set(m, 11, &x), -1);
	x.key_len = 16;
	assert_int_equal(card_model_sa_set(m, 0xFFFF, &x), -1);
	assert_int_equal(card_model_sa_set(m, 0xFFFE, &x), 0);
	assert_int_equal(card_model_sa_clear(m, 0xFFFE), 0);
	assert_int_equal(card_model_sa_clear(m, 0xFFFE), -1);
	assert_int_equal(card_model_sa_clear(m, IX_V4), 0);
	len = build(&a, 3, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_SA_NOT_FOUND_V4, "cleared");
	expect_event(1, 0, len, a.spi, V4_PEER, V4_CARD, 4, 3, 0, 0, rx++);
	/* the SPI is free again for another index */
	assert_int_equal(card_model_sa_set(m, 12, &a), 0);
	expect_sa(m, &a, 3, &sp, SPISYNC_R_DECRYPTED, "moved to 12");
	assert_int_equal(g_r.sa_index, 12);
	card_model_destroy(m);
}

/* ---------------------------------------------------------------------
 * Section 4: anti-replay
 * ------------------------------------------------------------------- */

static void
test_replay_window(void **state)
{
	struct card_model *m = model_with_sas();
	struct model_sa a = sa_v4();
	struct spec sp = { .payload_len = 20 };
	uint64_t pk, by, af, rp;
	size_t len;
	unsigned replays = 0;

	(void)state;
	expect_sa(m, &a, 0, &sp, SPISYNC_R_REPLAY, "S = 0");
	replays++;
	expect_sa(m, &a, 1, &sp, SPISYNC_R_DECRYPTED, "1");
	expect_sa(m, &a, 1, &sp, SPISYNC_R_REPLAY, "1 again");
	replays++;
	expect_sa(m, &a, 2000, &sp, SPISYNC_R_DECRYPTED, "2000");
	/* T = 2000: 977 = T - W + 1 is the left end of the window */
	expect_sa(m, &a, 977, &sp, SPISYNC_R_DECRYPTED, "T - W + 1");
	expect_sa(m, &a, 977, &sp, SPISYNC_R_REPLAY, "T - W + 1 again");
	replays++;
	expect_sa(m, &a, 976, &sp, SPISYNC_R_REPLAY, "T - W");
	replays++;
	expect_sa(m, &a, 1999, &sp, SPISYNC_R_DECRYPTED, "T - 1");
	expect_sa(m, &a, 2000, &sp, SPISYNC_R_REPLAY, "T");
	replays++;
	/* a replay is caught before the ICV: tampered duplicates are REPLAY */
	len = build(&a, 1999, &sp, NULL);
	g_buf[len - 1] ^= 1;
	expect(m, g_buf, len, false, SPISYNC_R_REPLAY, "tampered replay");
	replays++;
	/* a fresh number with a bad ICV does not move the window */
	len = build(&a, 3000, &sp, NULL);
	g_buf[len - 1] ^= 1;
	expect(m, g_buf, len, false, SPISYNC_R_AUTH_FAIL, "3000 bad ICV");
	expect_sa(m, &a, 1500, &sp, SPISYNC_R_DECRYPTED, "1500 still inside");
	expect_sa(m, &a, 3000, &sp, SPISYNC_R_DECRYPTED, "3000 authentic");
	/* the bitmap moved with T: 1999 is still known, 1976 = T - W is out */
	expect_sa(m, &a, 1999, &sp, SPISYNC_R_REPLAY, "1999 after the jump");
	replays++;
	expect_sa(m, &a, 1976, &sp, SPISYNC_R_REPLAY, "T - W after the jump");
	replays++;
	expect_sa(m, &a, 1977, &sp, SPISYNC_R_DECRYPTED, "T - W + 1");
	expect_sa(m, &a, 2500, &sp, SPISYNC_R_DECRYPTED, "inside after jump");
	/* a jump beyond W forgets everything but T */
	expect_sa(m, &a, 10000, &sp, SPISYNC_R_DECRYPTED, "10000");
	expect_sa(m, &a, 8977, &sp, SPISYNC_R_DECRYPTED, "8977");
	expect_sa(m, &a, 8976, &sp, SPISYNC_R_REPLAY, "8976");
	replays++;
	/* every bit of the window is its own */
	for (uint64_t s = 9000; s < 10000; s += 37)
		expect_sa(m, &a, s, &sp, SPISYNC_R_DECRYPTED, "fill");
	for (uint64_t s = 9000; s < 10000; s += 37) {
		expect_sa(m, &a, s, &sp, SPISYNC_R_REPLAY, "refill");
		replays++;
	}
	expect_sa(m, &a, 9001, &sp, SPISYNC_R_DECRYPTED, "neighbour");
	/* 32-bit top without ESN */
	expect_sa(m, &a, 0xFFFFFFFFu, &sp, SPISYNC_R_DECRYPTED, "2^32 - 1");
	expect_sa(m, &a, 0xFFFFFFFFu - 1023, &sp, SPISYNC_R_DECRYPTED,
	    "left end at the top");
	expect_sa(m, &a, 0xFFFFFFFFu - 1024, &sp, SPISYNC_R_REPLAY,
	    "left of it");
	replays++;

	card_model_sa_stats(m, IX_V4, &pk, &by, &af, &rp);
	assert_int_equal(rp, replays);
	assert_int_equal(af, 1);
	/* bad padding, dummies and non-IP in a tunnel SA move the window */
	sp.pad_fault = FB_PAD_WRONG_BYTE;
	expect_sa(m, &a, 0xFFFFFFFFu - 5, &sp, SPISYNC_R_BAD_PADDING, "bad pad");
	sp.pad_fault = FB_PAD_OK;
	expect_sa(m, &a, 0xFFFFFFFFu - 5, &sp, SPISYNC_R_REPLAY, "after bad pad");
	sp.nh = 59;
	expect_sa(m, &a, 0xFFFFFFFFu - 6, &sp, SPISYNC_R_DUMMY, "dummy");
	sp.nh = 4;
	expect_sa(m, &a, 0xFFFFFFFFu - 6, &sp, SPISYNC_R_REPLAY, "after dummy");
	{
		struct model_sa b = sa_v6();

		sp.nh = 17;
		expect_sa(m, &b, 5, &sp, SPISYNC_R_MALFORMED, "tunnel, nh 17");
		sp.nh = 41;
		expect_sa(m, &b, 5, &sp, SPISYNC_R_REPLAY, "after non-IP");
	}
	card_model_destroy(m);
}

static void
test_esn(void **state)
{
	struct card_model *m = model_with_sas();
	struct model_sa d = sa_v6u();
	struct spec sp = { .payload_len = 50, .nh = 41 };
	size_t len;
	const uint64_t E = 1ull << 32;

	(void)state;
	/* a new ESN SA reads the top W - 1 numbers as before its start */
	expect_sa(m, &d, 0xFFFFFC01u, &sp, SPISYNC_R_REPLAY, "before start");
	expect_sa(m, &d, 0xFFFFFFFFu, &sp, SPISYNC_R_REPLAY, "before start 2");
	expect_sa(m, &d, 0xFFFFFC00u, &sp, SPISYNC_R_DECRYPTED, "start");
	expect_sa(m, &d, 0xFFFFFFFEu, &sp, SPISYNC_R_DECRYPTED, "2^32 - 2");
	/* wrap: on the wire 0, 1; the AAD carries the high half 1 */
	expect_sa(m, &d, E, &sp, SPISYNC_R_DECRYPTED, "2^32");
	expect_sa(m, &d, E + 1, &sp, SPISYNC_R_DECRYPTED, "2^32 + 1");
	/* behind the wrap, inside the window: high half 0 inferred */
	expect_sa(m, &d, 0xFFFFFFFFu, &sp, SPISYNC_R_DECRYPTED, "2^32 - 1 late");
	expect_sa(m, &d, 0xFFFFFFFEu, &sp, SPISYNC_R_REPLAY, "2^32 - 2 again");
	expect_sa(m, &d, E, &sp, SPISYNC_R_REPLAY, "2^32 again");
	/* built with the wrong high half: the window infers 1, ICV fails */
	expect_sa(m, &d, 7, &sp, SPISYNC_R_AUTH_FAIL, "high half 0 after wrap");
	expect_sa(m, &d, E + 7, &sp, SPISYNC_R_DECRYPTED, "high half 1");
	/* a short AAD on an ESN SA does not verify */
	sp.esn_off = true;
	expect_sa(m, &d, E + 8, &sp, SPISYNC_R_AUTH_FAIL, "8-byte AAD");
	sp.esn_off = false;
	expect_sa(m, &d, E + 8, &sp, SPISYNC_R_DECRYPTED, "12-byte AAD");
	/* far ahead: T low half past W - 1, so a small low half is next epoch */
	expect_sa(m, &d, E + 5000, &sp, SPISYNC_R_DECRYPTED, "2^32 + 5000");
	expect_sa(m, &d, 2 * E + 10, &sp, SPISYNC_R_DECRYPTED, "2^33 + 10");
	/* T low = 10 < W - 1: large low halves belong to the epoch before */
	expect_sa(m, &d, 2 * E - 3, &sp, SPISYNC_R_DECRYPTED, "2^33 - 3");
	/* 2^32 + 4000 is far left; its low half reads as 2^33 + 4000, ahead
	 * of T, and the ICV (made with high half 1) fails */
	len = build(&d, E + 4000, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_AUTH_FAIL, "far left, ESN");
	/* the hook: a receiver at T = 2^64 - 2 */
	assert_int_equal(card_model_sa_set_replay_top(m, IX_V6U, ~0ull - 1), 0);
	expect_sa(m, &d, ~0ull, &sp, SPISYNC_R_DECRYPTED, "2^64 - 1");
	assert_int_equal(card_model_sa_set_replay_top(m, 99, 5), -1);
	card_model_destroy(m);
}

/* ---------------------------------------------------------------------
 * Section 5-6: decrypt, trailer, decapsulation
 * ------------------------------------------------------------------- */

static void
test_decap_tunnel(void **state)
{
	struct card_model *m = model_with_sas();
	struct model_sa a = sa_v4(), b = sa_v6();
	struct spec sp = { .vlan = true, .nh = 4, .payload_len = 300,
	    .extra_pad = 77 };
	size_t len;

	(void)state;
	len = build(&a, 1, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "tunnel v4 tagged");
	assert_int_equal(g_r.out_len, 12 + 4 + 2 + 300);
	assert_memory_equal(g_r.out, g_buf, 16);
	assert_int_equal(load_be16(g_r.out + 16), 0x0800);
	assert_memory_equal(g_r.out + 18, g_payload, 300);
	assert_int_equal(g_r.sa_index, IX_V4);

	sp.vlan = false;
	sp.nh = 41;
	sp.payload_len = 1;
	sp.extra_pad = 0;
	len = build(&b, 1, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "tunnel v6");
	assert_int_equal(g_r.out_len, 12 + 2 + 1);
	assert_memory_equal(g_r.out, g_buf, 12);
	assert_int_equal(load_be16(g_r.out + 12), 0x86DD);
	assert_int_equal(g_r.out[14], g_payload[0]);

	/* the largest padding: 255 bytes */
	sp.payload_len = 2;   /* 2 + 2 is aligned: all 255 are extra */
	sp.extra_pad = 255;
	len = build(&b, 2, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "255 pad bytes");
	assert_int_equal(g_r.out_len, 16);

	/* auto mode: nh 41 tunnel, nh 17 transport */
	sp.payload_len = 9000;
	sp.extra_pad = 0;
	len = build(&a, 2, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "jumbo tunnel");
	assert_int_equal(load_be16(g_r.out + 12), 0x86DD);
	assert_int_equal(g_r.out_len, 14 + 9000);
	assert_memory_equal(g_r.out + 14, g_payload, 9000);
	sp.nh = 17;
	sp.payload_len = 100;
	len = build(&a, 3, &sp, NULL);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "auto transport");
	assert_int_equal(load_be16(g_r.out + 12), 0x0800);
	assert_int_equal(g_r.out[14 + 9], 17);
	card_model_destroy(m);
}

/* The transport host frame, checked field by field from section 5. */
static void
check_transport(const uint8_t *frame, size_t l2, bool v6, size_t ihl,
    uint8_t nh, const uint8_t *inner, size_t il)
{
	const uint8_t *o = g_r.out;

	assert_int_equal(g_r.out_len, l2 + ihl + il);
	assert_memory_equal(o, frame, l2);
	if (v6) {
		assert_memory_equal(o + l2, frame + l2, 4);
		assert_int_equal(load_be16(o + l2 + 4), il);
		assert_int_equal(o[l2 + 6], nh);
		assert_memory_equal(o + l2 + 7, frame + l2 + 7, 33);
	} else {
		assert_int_equal(o[l2], frame[l2]);
		assert_int_equal(o[l2 + 1], frame[l2 + 1]);
		assert_int_equal(load_be16(o + l2 + 2), ihl + il);
		assert_memory_equal(o + l2 + 4, frame + l2 + 4, 5);
		assert_int_equal(o[l2 + 9], nh);
		assert_true(ipv4_csum_ok(o + l2, ihl));
		assert_memory_equal(o + l2 + 12, frame + l2 + 12, ihl - 12);
	}
	assert_memory_equal(o + l2 + ihl, inner, il);
}

static void
test_decap_transport(void **state)
{
	static const uint8_t opts[12] = {
		0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00,
	};
	struct card_model *m = model_with_sas();
	struct model_sa u = sa_v4u(), d = sa_v6u(), a = sa_v4();
	struct spec sp = { .vlan = true, .nh = 6, .payload_len = 211,
	    .options = opts, .options_len = sizeof(opts), .extra_pad = 12 };
	size_t len;

	(void)state;
	/* IPv4 with options in UDP: options kept, UDP gone, header redone */
	len = build(&u, 1, &sp, NULL);
	memcpy(g_buf2, g_buf, len);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "transport v4 udp");
	check_transport(g_buf2, 18, false, 32, 6, g_payload, 211);
	/* the transport SA keeps IP-in-IP as transport */
	sp.nh = 4;
	sp.vlan = false;
	sp.options = NULL;
	sp.options_len = 0;
	len = build(&u, 2, &sp, NULL);
	memcpy(g_buf2, g_buf, len);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "transport SA, nh 4");
	check_transport(g_buf2, 14, false, 20, 4, g_payload, 211);
	/* IPv6 in UDP, auto mode with a transport next header */
	sp.nh = 17;
	sp.payload_len = 1;
	len = build(&d, 1, &sp, NULL);
	memcpy(g_buf2, g_buf, len);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "transport v6 udp");
	check_transport(g_buf2, 14, true, 40, 17, g_payload, 1);
	/* an empty payload: only the rewritten header */
	sp.payload_len = 0;
	sp.nh = 132;
	len = build(&a, 1, &sp, NULL);
	memcpy(g_buf2, g_buf, len);
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "empty transport");
	check_transport(g_buf2, 14, false, 20, 132, g_payload, 0);
	card_model_destroy(m);
}

static void
test_auth_and_trailer(void **state)
{
	struct card_model *m = model_with_sas();
	struct model_sa a = sa_v4(), b = sa_v6();
	struct spec sp = { .payload_len = 64 };
	struct fb_info fi;
	uint64_t pk, by, af, rp;
	size_t len;

	(void)state;
	/* one byte anywhere from the SPI's seq to the ICV breaks it */
	len = build(&a, 1, &sp, &fi);
	for (size_t off = fi.esp_off + 4; off < len; off += 7) {
		memcpy(g_buf2, g_buf, len);
		g_buf2[off] ^= 0x40;
		expect(m, g_buf2, len, false, SPISYNC_R_AUTH_FAIL, "flipped byte");
	}
	expect(m, g_buf, len, false, SPISYNC_R_DECRYPTED, "untouched");
	card_model_sa_stats(m, IX_V4, &pk, &by, &af, &rp);
	assert_int_equal(af, (len - fi.esp_off - 4 + 6) / 7);
	assert_int_equal(pk, 1);
	assert_int_equal(by, fi.ct_len);
	assert_int_equal(rp, 0);
	/* other keys, ICVs of 8 and 12, AES-256 */
	for (unsigned k = 0; k < 6; k++) {
		struct model_sa x = make_sa(0x7000 + k, k & 1, false,
		    SA_MODE_AUTO, k < 3 ? 16 : 32, 8 + 4 * (k % 3), false);

		assert_int_equal(card_model_sa_set(m, 20 + k, &x), 0);
		expect_sa(m, &x, 1, &sp, SPISYNC_R_DECRYPTED, "key/icv");
		x.key[3] ^= 1;
		expect_sa(m, &x, 2, &sp, SPISYNC_R_AUTH_FAIL, "wrong key");
		x.key[3] ^= 1;
		x.salt[0] ^= 1;
		expect_sa(m, &x, 3, &sp, SPISYNC_R_AUTH_FAIL, "wrong salt");
	}
	/* padding */
	sp.pad_fault = FB_PAD_WRONG_BYTE;
	sp.extra_pad = 40;
	expect_sa(m, &a, 2, &sp, SPISYNC_R_BAD_PADDING, "wrong pad byte");
	sp.pad_fault = FB_PAD_TOO_LONG;
	sp.payload_len = 6;
	sp.extra_pad = 0;
	expect_sa(m, &a, 3, &sp, SPISYNC_R_BAD_PADDING, "pad length > payload");
	sp.payload_len = 600;
	expect_sa(m, &a, 4, &sp, SPISYNC_R_BAD_PADDING, "pad length 255");
	sp.pad_fault = FB_PAD_OK;
	sp.nh = 59;
	expect_sa(m, &a, 5, &sp, SPISYNC_R_DUMMY, "dummy");
	sp.nh = 17;
	expect_sa(m, &b, 1, &sp, SPISYNC_R_MALFORMED, "tunnel SA, nh 17");
	sp.nh = 59;
	expect_sa(m, &b, 2, &sp, SPISYNC_R_DUMMY, "tunnel SA, dummy");
	card_model_sa_stats(m, IX_V4, &pk, &by, &af, &rp);
	assert_int_equal(pk, 1);   /* none of these counted as delivered */
	card_model_destroy(m);
}

static void
test_hard_lifetimes(void **state)
{
	struct card_model *m = card_model_create();
	struct model_sa a = sa_v4();
	struct spec sp = { .payload_len = 98 };   /* ct_len 100 */
	uint64_t pk, by, af, rp;
	size_t len;
	struct fb_info fi;

	(void)state;
	assert_non_null(m);
	a.hard_packets = 3;
	assert_int_equal(card_model_sa_set(m, 0, &a), 0);
	for (uint64_t s = 1; s <= 3; s++)
		expect_sa(m, &a, s, &sp, SPISYNC_R_DECRYPTED, "within packets");
	expect_sa(m, &a, 4, &sp, SPISYNC_R_SA_EXPIRED, "4th packet");
	assert_int_equal(g_r.sa_index, 0);
	/* checked after the ICV and the window */
	expect_sa(m, &a, 3, &sp, SPISYNC_R_REPLAY, "replay of 3");
	len = build(&a, 5, &sp, NULL);
	g_buf[len - 1] ^= 1;
	expect(m, g_buf, len, false, SPISYNC_R_AUTH_FAIL, "forged 5");
	/* a new generation starts over */
	assert_int_equal(card_model_sa_set(m, 0, &a), 0);
	card_model_sa_stats(m, 0, &pk, &by, &af, &rp);
	assert_int_equal(pk + by + af + rp, 0);
	expect_sa(m, &a, 1, &sp, SPISYNC_R_DECRYPTED, "new gen");

	/* bytes: 100 per packet, limit 250 */
	a.hard_packets = 0;
	a.hard_bytes = 250;
	assert_int_equal(card_model_sa_set(m, 0, &a), 0);
	build(&a, 1, &sp, &fi);
	assert_int_equal(fi.ct_len, 100);
	expect_sa(m, &a, 1, &sp, SPISYNC_R_DECRYPTED, "100");
	expect_sa(m, &a, 2, &sp, SPISYNC_R_DECRYPTED, "200");
	expect_sa(m, &a, 3, &sp, SPISYNC_R_SA_EXPIRED, "300 > 250");
	/* the expired frame did not enter the window: 3 fits when smaller */
	sp.payload_len = 46;                      /* ct_len 48: 248 */
	expect_sa(m, &a, 3, &sp, SPISYNC_R_DECRYPTED, "248");
	sp.payload_len = 0;                       /* ct_len 4: 252 */
	expect_sa(m, &a, 4, &sp, SPISYNC_R_SA_EXPIRED, "252 > 250");
	a.hard_bytes = 248 + 4;
	assert_int_equal(card_model_sa_set(m, 0, &a), 0);
	sp.payload_len = 98;
	expect_sa(m, &a, 1, &sp, SPISYNC_R_DECRYPTED, "100 of 252");
	expect_sa(m, &a, 2, &sp, SPISYNC_R_DECRYPTED, "200 of 252");
	sp.payload_len = 46;
	expect_sa(m, &a, 3, &sp, SPISYNC_R_DECRYPTED, "248 of 252");
	sp.payload_len = 0;
	expect_sa(m, &a, 4, &sp, SPISYNC_R_DECRYPTED, "exactly 252");
	expect_sa(m, &a, 5, &sp, SPISYNC_R_SA_EXPIRED, "256");
	card_model_sa_stats(m, 0, &pk, &by, &af, &rp);
	assert_int_equal(pk, 4);
	assert_int_equal(by, 252);
	card_model_destroy(m);
}

/* ---------------------------------------------------------------------
 * Section 8: counters; arrival numbers
 * ------------------------------------------------------------------- */

static void
test_counters(void **state)
{
	struct card_model *m = model_with_sas();
	struct model_sa a = sa_v4();
	struct spec sp = { .payload_len = 10 };
	uint64_t want[SPISYNC_NUM_REASONS] = { 0 }, got[SPISYNC_NUM_REASONS];
	static const uint8_t one[1] = { 0 };
	size_t len;

	(void)state;
	for (unsigned i = 0; i < 70000; i++) {
		uint8_t o = run(m, one, 1, false);

		assert_int_equal(o, SPISYNC_R_MALFORMED);
		assert_int_equal(g_r.rx_seq, i & 0xFFFF);
		want[SPISYNC_R_MALFORMED]++;
	}
	len = build(&a, 1, &sp, NULL);
	want[run(m, g_buf, len, false)]++;
	want[run(m, g_buf, len, false)]++;
	want[run(m, g_buf, len, true)]++;
	a.spi = 1;
	len = build(&a, 1, &sp, NULL);
	want[run(m, g_buf, len, false)]++;
	assert_int_equal(g_r.rx_seq, (70000 + 3) & 0xFFFF);
	expect_event(2, 0, len, 1, V4_PEER, V4_CARD, 4, 1, 0, 0,
	    (70000 + 3) & 0xFFFF);
	want[SPISYNC_R_RX_PACKETS] = 70004;
	card_model_counters(m, got);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(got[SPISYNC_R_DECRYPTED], 1);
	assert_int_equal(got[SPISYNC_R_REPLAY], 1);
	assert_int_equal(got[SPISYNC_R_MAC_ERROR], 1);
	assert_int_equal(got[SPISYNC_R_SPI_RESERVED], 1);
	card_model_destroy(m);
}

/* ---------------------------------------------------------------------
 * Builder round trip: random traffic through the model
 * ------------------------------------------------------------------- */

struct tally {
	uint64_t outcomes[SPISYNC_NUM_REASONS];
	uint64_t intents[SPISYNC_NUM_REASONS];
	uint64_t kinds[TK_COUNT];
	uint64_t *packets, *bytes, *auth_fail, *replay;
	uint64_t exempt, wrapped, tunnels, transports, vlan;
	uint64_t len_min, len_max;
	size_t len_limit;             /* the mix's max_len */
};

/* The host frame of a DECRYPTED frame from what the generator encrypted. */
static bool
delivery_ok(const uint8_t *frame, size_t len, const struct traffic_info *ti,
    const char **why)
{
	size_t l2 = load_be16(frame + 12) == 0x8100 ? 18 : 14;
	bool v6 = load_be16(frame + l2 - 2) == 0x86DD;
	const uint8_t *o = g_r.out;
	size_t ihl = v6 ? 40 : (size_t)(frame[l2] & 15) * 4;

	(void)len;
	if (ti->tunnel) {
		*why = "tunnel frame";
		return g_r.out_len == l2 + ti->inner_len &&
		    memcmp(o, frame, l2 - 2) == 0 &&
		    load_be16(o + l2 - 2) == (ti->next_header == 4 ? 0x0800u :
		    0x86DDu) &&
		    memcmp(o + l2, ti->inner, ti->inner_len) == 0;
	}
	*why = "transport frame";
	if (g_r.out_len != l2 + ihl + ti->inner_len ||
	    memcmp(o, frame, l2) != 0 ||
	    memcmp(o + l2 + ihl, ti->inner, ti->inner_len) != 0)
		return false;
	if (v6)
		return load_be16(o + l2 + 4) == ti->inner_len &&
		    o[l2 + 6] == ti->next_header &&
		    memcmp(o + l2 + 7, frame + l2 + 7, 33) == 0;
	return load_be16(o + l2 + 2) == ihl + ti->inner_len &&
	    o[l2 + 9] == ti->next_header && ipv4_csum_ok(o + l2, ihl) &&
	    memcmp(o + l2 + 12, frame + l2 + 12, ihl - 12) == 0 &&
	    memcmp(o + l2 + 4, frame + l2 + 4, 5) == 0;
}

static void
tally_sa(struct tally *ty, const struct traffic_info *ti, uint8_t outcome)
{
	if (ti->sa < 0)
		return;
	switch (outcome) {
	case SPISYNC_R_DECRYPTED:
		ty->packets[ti->sa]++;
		ty->bytes[ti->sa] += ti->ct_len;
		break;
	case SPISYNC_R_AUTH_FAIL:
		ty->auth_fail[ti->sa]++;
		break;
	case SPISYNC_R_REPLAY:
		ty->replay[ti->sa]++;
		break;
	default:
		break;
	}
}

/* One frame; false (after printing why) when the model disagrees. */
static bool
round_trip_one(struct traffic *t, struct card_model *m, struct tally *ty,
    unsigned long n)
{
	bool mac_err;
	uint8_t intent, outcome;
	size_t len = traffic_next(t, g_buf, sizeof(g_buf), &mac_err, &intent);
	const struct traffic_info *ti = traffic_last(t);
	const char *why = "";

	if (len == 0) {
		print_error("frame %lu: the generator failed\n", n);
		return false;
	}
	outcome = run(m, g_buf, len, mac_err);
	ty->intents[intent]++;
	ty->outcomes[outcome]++;
	ty->kinds[ti->kind]++;
	ty->len_min = len < ty->len_min ? len : ty->len_min;
	ty->len_max = len > ty->len_max ? len : ty->len_max;
	if (len > ty->len_limit) {
		print_error("seed %llu frame %lu (%s): %zu bytes, over max_len\n",
		    g_seed, n, traffic_kind_name[ti->kind], len);
		return false;
	}
	ty->vlan += len >= 14 && load_be16(g_buf + 12) == 0x8100;
	if (outcome != intent) {
		/* traffic.h: RFC 4303 A2.2 may read it as the next epoch */
		if (intent == SPISYNC_R_REPLAY && ti->esn_left_of_window &&
		    outcome == SPISYNC_R_AUTH_FAIL) {
			ty->exempt++;
		} else {
			print_error("seed %llu frame %lu (%s, SA %d, seq %llu, "
			    "%zu bytes): intent %s, model %s\n", g_seed, n,
			    traffic_kind_name[ti->kind], ti->sa,
			    (unsigned long long)ti->seq, len, reason(intent),
			    reason(outcome));
			return false;
		}
	}
	tally_sa(ty, ti, outcome);
	if (outcome == SPISYNC_R_DECRYPTED) {
		if (!delivery_ok(g_buf, len, ti, &why)) {
			print_error("seed %llu frame %lu (%s, SA %d, seq %llu): "
			    "%s differs from what was encrypted\n", g_seed, n,
			    traffic_kind_name[ti->kind], ti->sa,
			    (unsigned long long)ti->seq, why);
			return false;
		}
		ty->wrapped += ti->seq >= 1ull << 32;
		ty->tunnels += ti->tunnel;
		ty->transports += !ti->tunnel;
	}
	return true;
}

static void
check_totals(const struct traffic *t, const struct card_model *m,
    const struct tally *ty, unsigned long frames)
{
	uint64_t c[SPISYNC_NUM_REASONS];

	card_model_counters(m, c);
	assert_int_equal(c[SPISYNC_R_RX_PACKETS], frames);
	for (unsigned r = 1; r < SPISYNC_NUM_REASONS; r++)
		assert_int_equal(c[r], ty->outcomes[r]);
	for (unsigned i = 0; i < traffic_sa_count(t); i++) {
		uint64_t pk, by, af, rp;

		card_model_sa_stats(m, i, &pk, &by, &af, &rp);
		assert_int_equal(pk, ty->packets[i]);
		assert_int_equal(by, ty->bytes[i]);
		assert_int_equal(af, ty->auth_fail[i]);
		assert_int_equal(rp, ty->replay[i]);
	}
}

static void
print_tally(const struct tally *ty)
{
	print_message("  outcomes:");
	for (unsigned r = 1; r < SPISYNC_NUM_REASONS; r++)
		if (ty->outcomes[r] != 0)
			print_message(" %s %llu", spisync_reason_name[r],
			    (unsigned long long)ty->outcomes[r]);
	print_message("\n  delivered tunnel %llu transport %llu, ESN past "
	    "2^32 %llu, tagged %llu, sizes %llu..%llu, ESN-left AUTH_FAIL %llu\n",
	    (unsigned long long)ty->tunnels,
	    (unsigned long long)ty->transports,
	    (unsigned long long)ty->wrapped, (unsigned long long)ty->vlan,
	    (unsigned long long)ty->len_min, (unsigned long long)ty->len_max,
	    (unsigned long long)ty->exempt);
}

static void
round_trip(unsigned n_sas, const struct traffic_mix *mix, unsigned long frames,
    bool check_coverage)
{
	/* every outcome the generator can mean (not TAIL_DROP: no buffers) */
	static const uint8_t must[] = {
		SPISYNC_R_DECRYPTED, SPISYNC_R_PASS_THROUGH,
		SPISYNC_R_PUNT_FRAGMENT, SPISYNC_R_PUNT_IPV6_EXT,
		SPISYNC_R_SA_NOT_FOUND_V4, SPISYNC_R_SA_NOT_FOUND_V6,
		SPISYNC_R_SA_NOT_FOUND_NATT_V4, SPISYNC_R_SA_NOT_FOUND_NATT_V6,
		SPISYNC_R_SPI_RESERVED, SPISYNC_R_AUTH_FAIL, SPISYNC_R_REPLAY,
		SPISYNC_R_BAD_PADDING, SPISYNC_R_MALFORMED, SPISYNC_R_SA_EXPIRED,
		SPISYNC_R_DUMMY, SPISYNC_R_MAC_ERROR,
	};
	struct traffic *t = traffic_create(g_seed, n_sas, mix);
	struct card_model *m = card_model_create();
	struct tally ty;

	assert_non_null(t);
	assert_non_null(m);
	memset(&ty, 0, sizeof(ty));
	ty.len_min = ~0ull;
	ty.len_limit = mix != NULL ? mix->max_len : 9600;
	ty.packets = calloc(n_sas, sizeof(uint64_t));
	ty.bytes = calloc(n_sas, sizeof(uint64_t));
	ty.auth_fail = calloc(n_sas, sizeof(uint64_t));
	ty.replay = calloc(n_sas, sizeof(uint64_t));
	assert_true(ty.packets && ty.bytes && ty.auth_fail && ty.replay);
	for (unsigned i = 0; i < n_sas; i++)
		assert_int_equal(card_model_sa_set(m, i, traffic_sa(t, i)), 0);
	for (unsigned long n = 0; n < frames; n++)
		if (!round_trip_one(t, m, &ty, n))
			fail();
	print_message("round trip: seed %llu, %u SAs, %lu frames\n", g_seed,
	    n_sas, frames);
	print_tally(&ty);
	check_totals(t, m, &ty, frames);
	if (check_coverage) {
		for (size_t k = 0; k < sizeof(must); k++) {
			if (ty.intents[must[k]] == 0)
				print_error("never meant: %s\n",
				    spisync_reason_name[must[k]]);
			assert_true(ty.intents[must[k]] > 0);
		}
		for (unsigned k = 0; k < TK_COUNT; k++) {
			if (ty.kinds[k] == 0)
				print_error("never built: %s\n",
				    traffic_kind_name[k]);
			assert_true(ty.kinds[k] > 0);
		}
		assert_true(ty.wrapped > 0);
		assert_true(ty.tunnels > 0 && ty.transports > 0);
	}
	free(ty.packets);
	free(ty.bytes);
	free(ty.auth_fail);
	free(ty.replay);
	card_model_destroy(m);
	traffic_destroy(t);
}

static void
test_round_trip(void **state)
{
	(void)state;
	round_trip(8, NULL, g_frames, g_frames >= 20000);
}

/* Many SAs, short frames, mostly trouble. */
static void
test_round_trip_many_sas(void **state)
{
	struct traffic_mix mix;

	(void)state;
	traffic_mix_default(&mix);
	mix.reorder = 10;
	mix.replay = 10;
	mix.old = 5;
	mix.tamper = 10;
	mix.max_len = 1600;
	mix.vlan = 50;
	round_trip(300, &mix, g_frames / 4, false);
}

static void
test_traffic_api(void **state)
{
	struct traffic_mix mix;
	struct traffic *t, *t2;
	bool mac_err, mac_err2;
	uint8_t intent, intent2;

	(void)state;
	traffic_mix_default(&mix);
	assert_null(traffic_create(1, 0, NULL));
	assert_null(traffic_create(1, TRAFFIC_MAX_SAS + 1, NULL));
	mix.pass = 90;
	assert_null(traffic_create(1, 4, &mix));
	traffic_mix_default(&mix);
	mix.max_len = 9601;
	assert_null(traffic_create(1, 4, &mix));
	/* same seed, same frames */
	t = traffic_create(g_seed, 5, NULL);
	t2 = traffic_create(g_seed, 5, NULL);
	assert_non_null(t);
	assert_non_null(t2);
	assert_int_equal(traffic_sa_count(t), 5);
	assert_null(traffic_sa(t, 5));
	for (unsigned i = 0; i < 200; i++) {
		size_t n = traffic_next(t, g_buf, sizeof(g_buf), &mac_err,
		    &intent);
		size_t n2 = traffic_next(t2, g_buf2, sizeof(g_buf2), &mac_err2,
		    &intent2);

		assert_true(n > 0);
		assert_int_equal(n, n2);
		assert_memory_equal(g_buf, g_buf2, n);
		assert_int_equal(intent, intent2);
		assert_int_equal(mac_err, mac_err2);
	}
	assert_int_equal(traffic_next(t, g_buf, 1000, &mac_err, &intent), 0);
	/* SAs: unique SPIs >= 256, addresses from the documented ranges */
	for (unsigned i = 0; i < 5; i++) {
		const struct model_sa *sa = traffic_sa(t, i);

		assert_true(sa->spi >= 256);
		for (unsigned j = 0; j < i; j++)
			assert_true(traffic_sa(t, j)->spi != sa->spi);
		if (sa->ipv6)
			assert_int_equal(load_be32(sa->dst), 0x20010db8);
		else
			assert_true(sa->dst[0] == 198 && (sa->dst[1] & 0xFE) == 18);
	}
	traffic_destroy(t);
	traffic_destroy(t2);
}

/* ---------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------- */

static bool
parse_ull(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && end != s && *end == '\0';
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_esp_packets),
		cmocka_unit_test(test_builder_headers),
		cmocka_unit_test(test_builder_trailer),
		cmocka_unit_test(test_parse_l2_and_ipv4),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_lookup_and_events),
		cmocka_unit_test(test_replay_window),
		cmocka_unit_test(test_esn),
		cmocka_unit_test(test_decap_tunnel),
		cmocka_unit_test(test_decap_transport),
		cmocka_unit_test(test_auth_and_trailer),
		cmocka_unit_test(test_hard_lifetimes),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_traffic_api),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_many_sas),
	};
	unsigned long long v;

	g_seed = (unsigned long long)time(NULL);
	for (int i = 1; i < argc; i++) {
		bool ok = i + 1 < argc;

		if (ok && strcmp(argv[i], "--seed") == 0)
			ok = parse_ull(argv[++i], &g_seed);
		else if (ok && strcmp(argv[i], "--frames") == 0) {
			ok = parse_ull(argv[++i], &v) && v > 0;
			g_frames = (unsigned long)v;
		} else if (ok && strcmp(argv[i], "--vectors") == 0)
			g_vectors = argv[++i];
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "usage: %s [--seed N] [--frames N] "
			    "[--vectors FILE]\n", argv[0]);
			return 2;
		}
	}
	printf("test_model seed=%llu frames=%lu\n", g_seed, g_frames);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
