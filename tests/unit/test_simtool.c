/*
 * spisync -- unit tests of the spisync-sim pieces: SA entry encoding and
 * esp_sa conversion (sim/card/sa_entry.c), host control of the card
 * (sim/card/card_ctl.c, over the fake card model tests/unit/fake_card_sim.c
 * and the firmware's firmware/sa_table.c), the JSON writers
 * (sim/json_out.c) and pcap input/output with its all-or-nothing output
 * files (sim/pcap_io.c).
 *
 * Oracles: SA words computed by hand from docs/register-map.md (the bit
 * positions are typed here as numbers, not taken from spisync_hw.h); JSON
 * read back with json-c's parser; captures written and read back with
 * libpcap directly.
 *
 *   test_simtool [--seed N]
 */

/* libpcap's headers use the BSD types u_char and u_int */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <pcap/pcap.h>

#include "card_ctl.h"
#include "esp_sa.h"
#include "fake_card_sim.h"
#include "json_out.h"
#include "pcap_io.h"
#include "prng.h"
#include "sa_entry.h"
#include "spisync_hw.h"
#include "test_seed.h"

enum { ERR_LEN = 1024, PATH_LEN = 512 };
enum { RANDOM_ROUNDS = 2000 };

static unsigned long long test_seed;
static char tmp_dir[PATH_LEN / 2];

/* ---------------------------------------------------------------------- */
/* helpers */

static void
tmp_path(char *out, const char *name)
{
	snprintf(out, PATH_LEN, "%s/%s", tmp_dir, name);
}

static bool
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void
write_text_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static size_t
read_file(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	return n;
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

#define KEY128_HEX "0x000102030405060708090a0b0c0d0e0fa0a1a2a3"
#define KEY256_HEX \
    "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" \
    "b0b1b2b3"
#define GCM16 "AES-GCM with 16 octet ICV [RFC4106]"
#define GCM12 "AES-GCM with 12 octet ICV [RFC4106]"

/* Parse one esp_sa line (must succeed) into *t. */
static void
parse_line(const char *line, struct esp_sa_table *t)
{
	char err[ERR_LEN];

	if (esp_sa_parse_buffer("esp_sa", line, strlen(line), t, err,
	    sizeof(err)) != 0)
		fail_msg("esp_sa parse: %s", err);
	assert_int_equal(t->count, 1);
}

/* ---------------------------------------------------------------------- */
/* SA entry encoding, against docs/register-map.md by hand */

/* IPv4, AES-128 key 00..0f, salt a0a1a2a3, ICV 16, SPI 0x12345678,
 * destination 192.0.2.1. */
static void
sa_ipv4(struct model_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = 0x12345678;
	sa->dst[0] = 192;
	sa->dst[1] = 0;
	sa->dst[2] = 2;
	sa->dst[3] = 1;
	for (unsigned i = 0; i < 16; i++)
		sa->key[i] = (uint8_t)i;
	sa->key_len = 16;
	sa->salt[0] = 0xa0;
	sa->salt[1] = 0xa1;
	sa->salt[2] = 0xa2;
	sa->salt[3] = 0xa3;
	sa->icv_len = 16;
	sa->mode = SA_MODE_AUTO;
}

/* The same SA as words: word 0 VALID (bit 0) | ICV_LEN 16 (bits 15:8);
 * word 1 SPI; word 2 salt, byte 0 in bits 7:0; word 4 DST bytes;
 * words 8..11 the key, byte 0 in bits 7:0 of word 8. */
static const uint32_t sa_ipv4_words[32] = {
	0x00001001, 0x12345678, 0xa3a2a1a0, 0x00000000,
	0x010200c0, 0x00000000, 0x00000000, 0x00000000,
	0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static void
test_encode_ipv4_aes128(void **state)
{
	struct model_sa sa;
	uint32_t words[SPISYNC_SA_WORDS];

	(void)state;
	sa_ipv4(&sa);
	sa_entry_encode(&sa, words);
	for (unsigned w = 0; w < 32; w++)
		if (words[w] != sa_ipv4_words[w])
			fail_msg("word %u: 0x%08x, expected 0x%08x", w,
			    (unsigned)words[w], (unsigned)sa_ipv4_words[w]);
}

/* Every flag set, ports, 64-bit lifetimes; GEN must stay 0. */
static void
test_encode_ipv6_aes256_all_fields(void **state)
{
	/* word 0: VALID 1, IPV6 2, KEY_256 4, ESN 8, UDP_ENCAP 0x10,
	 * MODE tunnel (1 << 5), ICV 8 (bits 15:8), GEN 0 */
	static const uint32_t expected[32] = {
		0x0000083f, 0xfedc0100, 0x44332211, 0x11943039,
		0xb80d0120, 0x00000000, 0x00000000, 0x01000000,
		0x23222120, 0x27262524, 0x2b2a2928, 0x2f2e2d2c,
		0x33323130, 0x37363534, 0x3b3a3938, 0x3f3e3d3c,
		0x23456789, 0x00000001, 0x76543210, 0xfedcba98,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	struct model_sa sa;
	uint32_t words[SPISYNC_SA_WORDS];

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.spi = 0xfedc0100;
	sa.ipv6 = true;
	memcpy(sa.dst, dst, 16);
	for (unsigned i = 0; i < 32; i++)
		sa.key[i] = (uint8_t)(0x20 + i);
	sa.key_len = 32;
	sa.salt[0] = 0x11;
	sa.salt[1] = 0x22;
	sa.salt[2] = 0x33;
	sa.salt[3] = 0x44;
	sa.icv_len = 8;
	sa.esn = true;
	sa.mode = SA_MODE_TUNNEL;
	sa.udp_encap = true;
	sa.sport = 12345;
	sa.dport = 4500;
	sa.hard_bytes = 0x123456789ull;
	sa.hard_packets = 0xfedcba9876543210ull;
	sa.gen = 7;
	sa_entry_encode(&sa, words);
	for (unsigned w = 0; w < 32; w++)
		if (words[w] != expected[w])
			fail_msg("word %u: 0x%08x, expected 0x%08x", w,
			    (unsigned)words[w], (unsigned)expected[w]);
}

/* Transport mode, ICV 12; the words come in full of garbage. IPv4 uses
 * DST bytes 0..3 only, even if the model's bytes 4..15 are not zero. */
static void
test_encode_transport_overwrites(void **state)
{
	struct model_sa sa;
	uint32_t words[SPISYNC_SA_WORDS];

	(void)state;
	sa_ipv4(&sa);
	sa.mode = SA_MODE_TRANSPORT;
	sa.icv_len = 12;
	memset(sa.dst + 4, 0xee, 12);
	memset(words, 0xff, sizeof(words));
	sa_entry_encode(&sa, words);
	/* VALID | MODE 2 << 5 | ICV 12 << 8 */
	assert_int_equal(words[0], 0x00000c41);
	for (unsigned w = 1; w < 32; w++)
		assert_int_equal(words[w], sa_ipv4_words[w]);
}

/* Decoder written from the register-map table (positions typed here). */
struct decoded_sa {
	unsigned valid, ipv6, key256, esn, udp, mode, icv, gen;
	uint32_t spi;
	uint8_t salt[4];
	uint16_t sport, dport;
	uint8_t dst[16];
	uint8_t key[32];
	uint64_t hard_bytes, hard_packets, soft_bytes, soft_packets;
};

static void
decode_words(const uint32_t w[32], struct decoded_sa *d)
{
	memset(d, 0, sizeof(*d));
	d->valid = w[0] & 1;
	d->ipv6 = (w[0] >> 1) & 1;
	d->key256 = (w[0] >> 2) & 1;
	d->esn = (w[0] >> 3) & 1;
	d->udp = (w[0] >> 4) & 1;
	d->mode = (w[0] >> 5) & 3;
	d->icv = (w[0] >> 8) & 0xff;
	d->gen = (w[0] >> 16) & 0xff;
	d->spi = w[1];
	for (unsigned i = 0; i < 4; i++)
		d->salt[i] = (uint8_t)(w[2] >> (8 * i));
	d->sport = (uint16_t)w[3];
	d->dport = (uint16_t)(w[3] >> 16);
	for (unsigned i = 0; i < 16; i++)
		d->dst[i] = (uint8_t)(w[4 + i / 4] >> (8 * (i % 4)));
	for (unsigned i = 0; i < 32; i++)
		d->key[i] = (uint8_t)(w[8 + i / 4] >> (8 * (i % 4)));
	d->hard_bytes = (uint64_t)w[17] << 32 | w[16];
	d->hard_packets = (uint64_t)w[19] << 32 | w[18];
	d->soft_bytes = (uint64_t)w[21] << 32 | w[20];
	d->soft_packets = (uint64_t)w[23] << 32 | w[22];
	/* bits of word 0 above GEN, and words 24..31, are unused */
	assert_int_equal(w[0] >> 24, 0);
	assert_int_equal((w[0] >> 7) & 1, 0);
	for (unsigned i = 24; i < 32; i++)
		assert_int_equal(w[i], 0);
}

static void
random_sa(struct prng *r, struct model_sa *sa)
{
	static const unsigned icvs[3] = { 8, 12, 16 };

	memset(sa, 0, sizeof(*sa));
	sa->spi = (uint32_t)prng_next(r);
	sa->ipv6 = prng_below(r, 2);
	prng_fill(r, sa->dst, sa->ipv6 ? 16 : 4);
	sa->key_len = prng_below(r, 2) ? 32 : 16;
	prng_fill(r, sa->key, sa->key_len);
	prng_fill(r, sa->salt, 4);
	sa->icv_len = icvs[prng_below(r, 3)];
	sa->esn = prng_below(r, 2);
	sa->mode = (enum sa_mode)prng_below(r, 3);
	sa->udp_encap = prng_below(r, 2);
	sa->sport = (uint16_t)prng_next(r);
	sa->dport = (uint16_t)prng_next(r);
	sa->hard_bytes = prng_below(r, 2) ? prng_next(r) : 0;
	sa->hard_packets = prng_below(r, 2) ? prng_next(r) : 0;
	sa->gen = (uint8_t)prng_next(r);
}

static void
test_encode_random(void **state)
{
	struct prng r;
	struct model_sa sa;
	struct decoded_sa d;
	uint32_t words[SPISYNC_SA_WORDS];
	uint8_t dst[16];
	uint8_t key[32];

	(void)state;
	prng_seed(&r, test_seed);
	for (unsigned round = 0; round < RANDOM_ROUNDS; round++) {
		random_sa(&r, &sa);
		sa_entry_encode(&sa, words);
		decode_words(words, &d);
		memset(dst, 0, sizeof(dst));
		memcpy(dst, sa.dst, sa.ipv6 ? 16 : 4);
		memset(key, 0, sizeof(key));
		memcpy(key, sa.key, sa.key_len);
		assert_int_equal(d.valid, 1);
		assert_int_equal(d.ipv6, sa.ipv6);
		assert_int_equal(d.key256, sa.key_len == 32);
		assert_int_equal(d.esn, sa.esn);
		assert_int_equal(d.udp, sa.udp_encap);
		assert_int_equal(d.mode, sa.mode);
		assert_int_equal(d.icv, sa.icv_len);
		assert_int_equal(d.gen, 0);
		assert_int_equal(d.spi, sa.spi);
		assert_memory_equal(d.salt, sa.salt, 4);
		assert_int_equal(d.sport, sa.sport);
		assert_int_equal(d.dport, sa.dport);
		assert_memory_equal(d.dst, dst, 16);
		assert_memory_equal(d.key, key, 32);
		assert_true(d.hard_bytes == sa.hard_bytes);
		assert_true(d.hard_packets == sa.hard_packets);
		assert_true(d.soft_bytes == 0 && d.soft_packets == 0);
	}
}

/* ---------------------------------------------------------------------- */
/* esp_sa conversion */

static void
test_from_esp_sa_ipv4(void **state)
{
	struct esp_sa_table t;
	struct model_sa sa;
	struct model_sa expected;
	char err[ERR_LEN];

	(void)state;
	parse_line("\"IPv4\",\"10.9.8.7\",\"192.0.2.1\",\"0x12345678\",\""
	    GCM16 "\",\"" KEY128_HEX "\",\"NULL\",\"\",\"32-bit\",\"0\"\n", &t);
	assert_int_equal(sa_entry_from_esp_sa(&t.entries[0], &sa, err,
	    sizeof(err)), 0);
	sa_ipv4(&expected);
	assert_int_equal(sa.spi, expected.spi);
	assert_false(sa.ipv6);
	assert_memory_equal(sa.dst, expected.dst, 16);
	assert_memory_equal(sa.key, expected.key, 32);
	assert_int_equal(sa.key_len, 16);
	assert_memory_equal(sa.salt, expected.salt, 4);
	assert_int_equal(sa.icv_len, 16);
	assert_false(sa.esn);
	assert_int_equal(sa.mode, SA_MODE_AUTO);
	assert_false(sa.udp_encap);
	assert_int_equal(sa.dport, 0);
	assert_true(sa.hard_bytes == 0 && sa.hard_packets == 0);
	esp_sa_table_free(&t);
}

static void
test_from_esp_sa_ipv6_esn_natt(void **state)
{
	static const uint8_t dst[16] = { 0xfe, 0x80, [14] = 0xab, [15] = 0xcd };
	struct esp_sa_table t;
	struct model_sa sa;
	char err[ERR_LEN];

	(void)state;
	/* the source may be a wildcard: the card does not check it */
	parse_line("\"IPv6\",\"*\",\"fe80::abcd\",\"4278190080\",\"" GCM12
	    "\",\"" KEY256_HEX "\",\"NULL\",\"\",\"64-bit\",\"0\"\n", &t);
	assert_int_equal(sa_entry_from_esp_sa(&t.entries[0], &sa, err,
	    sizeof(err)), 0);
	assert_int_equal(sa.spi, 0xff000000u);
	assert_true(sa.ipv6);
	assert_memory_equal(sa.dst, dst, 16);
	assert_int_equal(sa.key_len, 32);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(sa.key[i], 0x20 + i);
	assert_int_equal(sa.salt[0], 0xb0);
	assert_int_equal(sa.salt[3], 0xb3);
	assert_int_equal(sa.icv_len, 12);
	assert_true(sa.esn);
	assert_false(sa.udp_encap);
	sa_entry_set_natt(&sa);
	assert_true(sa.udp_encap);
	assert_int_equal(sa.dport, 4500);
	esp_sa_table_free(&t);
}

static void
test_from_esp_sa_refusals(void **state)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ "\"IPv4\",\"10.0.0.1\",\"*\",\"0x1000\",\"" GCM16 "\",\""
		    KEY128_HEX "\",\"NULL\",\"\"\n", "Dest IP" },
		{ "\"IPv4\",\"10.0.0.1\",\"10.1.0.0/16\",\"0x1000\",\"" GCM16
		    "\",\"" KEY128_HEX "\",\"NULL\",\"\"\n", "prefix /32" },
		{ "\"IPv4\",\"10.0.0.1\",\"10.1.2.*\",\"0x1000\",\"" GCM16
		    "\",\"" KEY128_HEX "\",\"NULL\",\"\"\n", "Dest IP" },
		{ "\"IPv6\",\"*\",\"2001:db8::/64\",\"0x1000\",\"" GCM16 "\",\""
		    KEY128_HEX "\",\"NULL\",\"\"\n", "prefix /128" },
		{ "\"Any\",\"*\",\"*\",\"0x1000\",\"" GCM16 "\",\"" KEY128_HEX
		    "\",\"NULL\",\"\"\n", "Protocol" },
		{ "\"IPv4\",\"*\",\"10.0.0.2\",\"*\",\"" GCM16 "\",\"" KEY128_HEX
		    "\",\"NULL\",\"\"\n", "wildcard" },
		{ "\"IPv4\",\"*\",\"10.0.0.2\",\"0xff\",\"" GCM16 "\",\""
		    KEY128_HEX "\",\"NULL\",\"\"\n", "reserved" },
		{ "\"IPv4\",\"*\",\"10.0.0.2\",\"0\",\"" GCM16 "\",\""
		    KEY128_HEX "\",\"NULL\",\"\"\n", "reserved" },
		{ "\"IPv4\",\"*\",\"10.0.0.2\",\"0x1000\",\"" GCM16 "\",\""
		    KEY128_HEX "\",\"NULL\",\"\",\"64-bit\",\"1\"\n",
		    "ESN High Bits" },
	};
	struct esp_sa_table t;
	struct model_sa sa;
	char err[ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_line(cases[i].line, &t);
		memset(&sa, 0x5a, sizeof(sa));
		err[0] = '\0';
		if (sa_entry_from_esp_sa(&t.entries[0], &sa, err,
		    sizeof(err)) != -1)
			fail_msg("case %zu accepted: %s", i, cases[i].line);
		assert_contains(err, cases[i].why);
		/* nothing of the key left in the output */
		for (size_t b = 0; b < sizeof(sa.key); b++)
			assert_int_equal(sa.key[b], 0);
		esp_sa_table_free(&t);
	}
	/* the SPI 256 is the first one allowed */
	parse_line("\"IPv4\",\"*\",\"10.0.0.2\",\"256\",\"" GCM16 "\",\""
	    KEY128_HEX "\",\"NULL\",\"\"\n", &t);
	assert_int_equal(sa_entry_from_esp_sa(&t.entries[0], &sa, err,
	    sizeof(err)), 0);
	esp_sa_table_free(&t);
}

/* ---------------------------------------------------------------------- */
/* card_ctl over the fake card */

static struct card_sim *
fake_open(void)
{
	struct card_sim *sim = card_sim_create(512);

	assert_non_null(sim);
	card_sim_reset(sim);
	return sim;
}

/* The H3 hash of docs/register-map.md, for the tag check. */
static uint32_t
h3_bucket(const uint16_t rows[32], uint32_t spi, uint32_t buckets)
{
	uint32_t h = 0;

	for (unsigned bit = 0; bit < 32; bit++)
		if (spi & (1u << bit))
			h ^= rows[bit];
	return h & (buckets - 1);
}

/* Number of valid tag slots holding spi -> index where a lookup reads. */
static unsigned
tag_hits(const struct fake_card *f, uint32_t spi, uint32_t index)
{
	static const uint16_t hash0[32] = {
		0x9E37, 0x7F4A, 0x7C15, 0xF39C, 0xC605, 0xCEDC, 0x8342, 0x1D0B,
		0x6A09, 0xE667, 0xBB67, 0xAE85, 0x3C6E, 0xF372, 0xA54F, 0xF53A,
		0x510E, 0x527F, 0x9B05, 0x688C, 0x1F83, 0xD9AB, 0x5BE0, 0xCD19,
		0x428A, 0x2F98, 0x7137, 0x4491, 0xB5C0, 0xFBCF, 0xE9B5, 0xDBA5,
	};
	static const uint16_t hash1[32] = {
		0x3956, 0xC25B, 0x59F1, 0x11F1, 0x923F, 0x82A4, 0xAB1C, 0x5ED5,
		0xD807, 0xAA98, 0x1283, 0x5B01, 0x2431, 0x85BE, 0x550C, 0x7DC3,
		0x72BE, 0x5D74, 0x80DE, 0xB1FE, 0x9BDC, 0x06A7, 0xC19B, 0xF174,
		0xE49B, 0x69C1, 0xEFBE, 0x4786, 0x0FC1, 0x9DC6, 0x240C, 0xA1CC,
	};
	const uint32_t b[2] = { h3_bucket(hash0, spi, FAKE_TAG_BUCKETS),
	    h3_bucket(hash1, spi, FAKE_TAG_BUCKETS) };
	unsigned hits = 0;

	for (unsigned t = 0; t < 2; t++)
		for (unsigned w = 0; w < 2; w++)
			if (f->tag[t][b[t]][w].spi == spi &&
			    f->tag[t][b[t]][w].index == (0x80000000u | index))
				hits++;
	return hits;
}

static void
test_ctl_open_ok(void **state)
{
	struct card_sim *sim = fake_open();
	struct fake_card *f = fake_card_current();
	struct card_ctl *ctl;
	char err[ERR_LEN];
	uint32_t v;

	(void)state;
	f->ready_after_reads = 5;	/* ready only on the sixth read */
	f->sa[3][0] = 0xffffffff;	/* stale entry: init must clear it */
	assert_int_equal(card_ctl_open(sim, &ctl, err, sizeof(err)), 0);
	assert_int_equal(card_ctl_sa_capacity(ctl), FAKE_SA_ENTRIES);
	assert_true(f->status_reads >= 6);
	assert_int_equal(f->sa[3][0], 0);
	assert_true(f->n_writes > 0);
	assert_true(fake_card_last_write(f, SPISYNC_REG_SA_WRITE, &v));
	card_ctl_close(ctl);
	card_sim_destroy(sim);
}

static void
test_ctl_open_refusals(void **state)
{
	static const struct {
		const char *why;
	} cases[] = {
		{ "ID" }, { "VERSION" }, { "CAP_DATA_WIDTH" }, { "CAP_REASONS" },
		{ "CAP_SA_ENTRIES" }, { "CAP_SA_ENTRIES" }, { "CAP_TAG_BUCKETS" },
		{ "STATUS" },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct card_sim *sim = fake_open();
		struct fake_card *f = fake_card_current();
		struct card_ctl *ctl = (struct card_ctl *)&ctl;
		char err[ERR_LEN] = "";

		switch (i) {
		case 0: f->id = 0x12345678; break;
		case 1: f->version = SPISYNC_VERSION + 0x10000; break;
		case 2: f->width = 128; break;
		case 3: f->reasons = SPISYNC_NUM_REASONS + 1; break;
		case 4: f->sa_entries = 0; break;
		case 5: f->sa_entries = 0x10000; break;
		case 6: f->tag_buckets = 12; break;
		default: f->ready = false; break;
		}
		assert_int_equal(card_ctl_open(sim, &ctl, err, sizeof(err)), -1);
		assert_null(ctl);
		assert_contains(err, cases[i].why);
		/* nothing written to a card it does not understand */
		assert_int_equal(f->n_writes, 0);
		card_sim_destroy(sim);
	}
}

static void
test_ctl_sa_add_del(void **state)
{
	struct card_sim *sim = fake_open();
	struct fake_card *f = fake_card_current();
	struct card_ctl *ctl;
	struct model_sa sa;
	char err[ERR_LEN];
	uint32_t index;
	uint32_t index2;

	(void)state;
	assert_int_equal(card_ctl_open(sim, &ctl, err, sizeof(err)), 0);
	sa_ipv4(&sa);
	assert_int_equal(card_ctl_sa_add(ctl, &sa, &index), SA_OK);
	assert_true(index < FAKE_SA_ENTRIES);
	/* the committed entry is the hand-computed one, GEN set (not 0) */
	assert_true((f->sa[index][0] >> 16 & 0xff) != 0);
	assert_int_equal(f->sa[index][0] & ~0x00ff0000u, sa_ipv4_words[0]);
	for (unsigned w = 1; w < 32; w++)
		assert_int_equal(f->sa[index][w], sa_ipv4_words[w]);
	assert_int_equal(tag_hits(f, sa.spi, index), 1);

	assert_int_equal(card_ctl_sa_add(ctl, &sa, &index2), SA_ERR_EXISTS);
	sa.spi = 0x9abcdef0;
	assert_int_equal(card_ctl_sa_add(ctl, &sa, &index2), SA_OK);
	assert_int_not_equal(index2, index);
	assert_int_equal(tag_hits(f, 0x9abcdef0, index2), 1);

	assert_int_equal(card_ctl_sa_del(ctl, index), SA_OK);
	for (unsigned w = 0; w < 32; w++)
		assert_int_equal(f->sa[index][w], 0);
	assert_int_equal(tag_hits(f, 0x12345678, index), 0);
	assert_int_equal(card_ctl_sa_del(ctl, index), SA_ERR_NOENT);
	assert_int_equal(tag_hits(f, 0x9abcdef0, index2), 1);

	/* SPI 0..255 never reaches the card */
	sa.spi = 255;
	assert_int_equal(card_ctl_sa_add(ctl, &sa, &index2), SA_ERR_INVAL);
	card_ctl_close(ctl);
	card_sim_destroy(sim);
}

/* Make-before-break: the new entry at a new index, the tag moved to it,
 * the old entry zeroed. */
static void
test_ctl_sa_replace(void **state)
{
	struct card_sim *sim = fake_open();
	struct fake_card *f = fake_card_current();
	struct card_ctl *ctl;
	struct model_sa sa;
	char err[ERR_LEN];
	uint32_t index;
	uint32_t index2;

	(void)state;
	assert_int_equal(card_ctl_open(sim, &ctl, err, sizeof(err)), 0);
	sa_ipv4(&sa);
	assert_int_equal(card_ctl_sa_add(ctl, &sa, &index), SA_OK);
	sa.key[0] ^= 0xff;	/* rekeyed, same SPI */
	assert_int_equal(card_ctl_sa_replace(ctl, index, &sa, &index2), SA_OK);
	assert_int_not_equal(index2, index);
	assert_int_equal(f->sa[index2][8], sa_ipv4_words[8] ^ 0xff);
	assert_int_equal(tag_hits(f, sa.spi, index2), 1);
	assert_int_equal(tag_hits(f, sa.spi, index), 0);
	for (unsigned w = 0; w < 32; w++)
		assert_int_equal(f->sa[index][w], 0);
	card_ctl_close(ctl);
	card_sim_destroy(sim);
}

static void
test_ctl_sa_table_full(void **state)
{
	struct card_sim *sim = fake_open();
	struct card_ctl *ctl;
	struct model_sa sa;
	char err[ERR_LEN];
	uint32_t index;
	unsigned added = 0;

	(void)state;
	assert_int_equal(card_ctl_open(sim, &ctl, err, sizeof(err)), 0);
	sa_ipv4(&sa);
	for (unsigned i = 0; i < FAKE_SA_ENTRIES + 1; i++) {
		sa.spi = 0x1000 + i * 0x10001u;
		if (card_ctl_sa_add(ctl, &sa, &index) != SA_OK)
			break;
		added++;
	}
	assert_true(added <= FAKE_SA_ENTRIES);
	assert_int_equal(card_ctl_sa_add(ctl, &sa, &index), SA_ERR_FULL);
	assert_string_equal(card_ctl_strerror(SA_ERR_FULL),
	    "SA table full (no free index or no tag placement)");
	card_ctl_close(ctl);
	card_sim_destroy(sim);
}

static void
test_ctl_counters(void **state)
{
	struct card_sim *sim = fake_open();
	struct fake_card *f = fake_card_current();
	struct card_ctl *ctl;
	uint64_t got[SPISYNC_NUM_REASONS];
	char err[ERR_LEN];
	uint32_t v;

	(void)state;
	assert_int_equal(card_ctl_open(sim, &ctl, err, sizeof(err)), 0);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		f->live[i] = 0x0000000100000000ull * (i + 1) + 0xfffffff0u + i;
	f->live[SPISYNC_R_DUMMY] = UINT64_MAX;
	card_ctl_counters(ctl, got);
	assert_true(fake_card_last_write(f, SPISYNC_REG_COUNTER_SNAPSHOT, &v));
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		if (got[i] != f->live[i])
			fail_msg("counter %u: %" PRIx64 ", expected %" PRIx64,
			    i, got[i], f->live[i]);
	card_ctl_close(ctl);
	card_sim_destroy(sim);
}

static void
test_ctl_sa_stats(void **state)
{
	struct card_sim *sim = fake_open();
	struct fake_card *f = fake_card_current();
	struct card_ctl *ctl;
	char err[ERR_LEN];
	uint64_t p = 0, b = 0, a = 0, r = 0;
	uint32_t v;

	(void)state;
	assert_int_equal(card_ctl_open(sim, &ctl, err, sizeof(err)), 0);
	f->sa_stats[5][0] = 0x100000002ull;
	f->sa_stats[5][1] = 0xabcdef0123456789ull;
	f->sa_stats[5][2] = 3;
	f->sa_stats[5][3] = 0x400000000ull;
	f->stats_after_reads = 2;
	assert_int_equal(card_ctl_sa_stats(ctl, 5, &p, &b, &a, &r), SA_OK);
	assert_true(fake_card_last_write(f, SPISYNC_REG_SA_STATS_SELECT, &v));
	assert_int_equal(v, 5);
	assert_int_equal(f->stats_reads, 3);
	assert_true(p == 0x100000002ull && b == 0xabcdef0123456789ull);
	assert_true(a == 3 && r == 0x400000000ull);

	f->stats_after_reads = ~0u;
	assert_int_equal(card_ctl_sa_stats(ctl, 5, &p, &b, &a, &r),
	    CARD_CTL_ERR_TIMEOUT);
	assert_int_equal(card_ctl_sa_stats(ctl, FAKE_SA_ENTRIES, &p, &b, &a,
	    &r), SA_ERR_INVAL);

	f->events_lost = 0x700000009ull;
	assert_true(card_ctl_events_lost(ctl) == 0x700000009ull);
	card_ctl_close(ctl);
	card_sim_destroy(sim);
}

/* ---------------------------------------------------------------------- */
/* JSON */

/* Run writer output through json-c's parser. */
static struct json_object *
parse_json(const char *text)
{
	enum json_tokener_error jerr;
	struct json_object *obj = json_tokener_parse_verbose(text, &jerr);

	if (obj == NULL)
		fail_msg("not JSON (%s): %s", json_tokener_error_desc(jerr),
		    text);
	return obj;
}

static struct json_object *
member(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *val;

	if (!json_object_object_get_ex(obj, key, &val))
		fail_msg("no member \"%s\"", key);
	if (!json_object_is_type(val, type))
		fail_msg("member \"%s\" has type %s", key,
		    json_type_to_name(json_object_get_type(val)));
	return val;
}

static uint64_t
member_u64(struct json_object *obj, const char *key)
{
	return json_object_get_uint64(member(obj, key, json_type_int));
}

static const char *
member_str(struct json_object *obj, const char *key)
{
	return json_object_get_string(member(obj, key, json_type_string));
}

static void
test_json_counters(void **state)
{
	uint64_t counters[SPISYNC_NUM_REASONS];
	const struct json_sa_stats sa[2] = {
		{ 0x0000abcd, 0, 10, 1400, 1, 2 },
		{ 0xfedcba98, 7, 0x100000000ull, UINT64_MAX, 0, 0 },
	};
	const struct json_event_stats ev = { 12345, 0x100000007ull, 99, UINT64_MAX };
	struct json_object *doc, *c, *arr;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		counters[i] = 1000u * i + 0x100000000ull * (i & 3);
	counters[SPISYNC_R_MAC_ERROR] = UINT64_MAX;
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	assert_int_equal(json_write_counters(fp, counters, sa, 2, &ev), 0);
	assert_int_equal(fclose(fp), 0);
	assert_true(len > 0 && text[len - 1] == '\n');

	doc = parse_json(text);
	assert_int_equal(json_object_object_length(doc), 3);
	c = member(doc, "events", json_type_object);
	assert_int_equal(json_object_object_length(c), 4);
	assert_true(member_u64(c, "written") == ev.written);
	assert_true(member_u64(c, "lost") == ev.lost);
	assert_true(member_u64(c, "flow_suppressed") == ev.flow_suppressed);
	assert_true(member_u64(c, "flow_pending") == ev.flow_pending);
	c = member(doc, "counters", json_type_object);
	assert_int_equal(json_object_object_length(c), SPISYNC_NUM_REASONS);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		assert_true(member_u64(c, spisync_reason_name[i]) ==
		    counters[i]);
	/* a few names spelled out, in case the table and the writer agree
	 * on something wrong */
	assert_true(member_u64(c, "RX_PACKETS") == counters[0]);
	assert_true(member_u64(c, "SA_NOT_FOUND_NATT_V6") == counters[8]);
	assert_true(member_u64(c, "MAC_ERROR") == UINT64_MAX);
	arr = member(doc, "sa", json_type_array);
	assert_int_equal(json_object_array_length(arr), 2);
	for (size_t i = 0; i < 2; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);

		assert_int_equal(json_object_object_length(s), 6);
		assert_true(member_u64(s, "index") == sa[i].index);
		assert_true(member_u64(s, "packets") == sa[i].packets);
		assert_true(member_u64(s, "bytes") == sa[i].bytes);
		assert_true(member_u64(s, "auth_fail") == sa[i].auth_fail);
		assert_true(member_u64(s, "replay") == sa[i].replay);
	}
	assert_string_equal(member_str(json_object_array_get_idx(arr, 0),
	    "spi"), "0x0000abcd");
	assert_string_equal(member_str(json_object_array_get_idx(arr, 1),
	    "spi"), "0xfedcba98");
	json_object_put(doc);
	free(text);

	/* no SA: an empty array, not a missing member */
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	assert_int_equal(json_write_counters(fp, counters, NULL, 0, NULL), 0);
	assert_int_equal(fclose(fp), 0);
	doc = parse_json(text);
	assert_int_equal(json_object_object_length(doc), 2);
	assert_int_equal(json_object_array_length(member(doc, "sa",
	    json_type_array)), 0);
	json_object_put(doc);
	free(text);
}

/* An event record laid out by hand: integers little-endian. */
static void
make_record(uint8_t r[64], unsigned type, unsigned flags, unsigned len,
    uint32_t spi, const uint8_t *src, const uint8_t *dst, size_t addr_len,
    uint32_t seq, unsigned sport, unsigned dport, unsigned rx_seq)
{
	memset(r, 0, 64);
	r[0] = (uint8_t)type;
	r[1] = (uint8_t)flags;
	r[2] = (uint8_t)len;
	r[3] = (uint8_t)(len >> 8);
	for (unsigned i = 0; i < 4; i++) {
		r[4 + i] = (uint8_t)(spi >> (8 * i));
		r[48 + i] = (uint8_t)(seq >> (8 * i));
	}
	for (unsigned i = 8; i < 16; i++)
		r[i] = (uint8_t)(0xa0 + i);	/* TIME_NS 0xafaeadacabaaa9a8 */
	memcpy(r + 16, src, addr_len);
	memcpy(r + 32, dst, addr_len);
	r[52] = (uint8_t)sport;
	r[53] = (uint8_t)(sport >> 8);
	r[54] = (uint8_t)dport;
	r[55] = (uint8_t)(dport >> 8);
	r[56] = 0x77;		/* COUNT 0x01000077 */
	r[59] = 0x01;
	r[60] = 0xff;		/* SA_INDEX: not printed for misses */
	r[61] = 0xff;
	r[62] = (uint8_t)rx_seq;
	r[63] = (uint8_t)(rx_seq >> 8);
}

static char *
event_text(const uint8_t r[64], int expect_rc)
{
	char err[ERR_LEN] = "";
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	assert_int_equal(json_write_event(fp, r, err, sizeof(err)), expect_rc);
	assert_int_equal(fclose(fp), 0);
	if (expect_rc != 0) {
		assert_int_equal(len, 0);
		assert_contains(err, "unknown type");
		free(text);
		return NULL;
	}
	/* exactly one line */
	assert_true(len > 0 && text[len - 1] == '\n');
	assert_null(memchr(text, '\n', len - 1));
	return text;
}

static void
test_json_events(void **state)
{
	static const uint8_t src4[4] = { 198, 51, 100, 7 };
	static const uint8_t dst4[4] = { 192, 0, 2, 1 };
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst6[16] = { 0xfe, 0x80, [14] = 0xab, [15] = 0xcd };
	struct json_object *o;
	uint8_t r[64];
	char *text;

	(void)state;
	make_record(r, 1, 0, 142, 0xdeadbeef, src4, dst4, 4, 0x01020304, 0,
	    0, 0xfffe);
	text = event_text(r, 0);
	o = parse_json(text);
	assert_int_equal(json_object_object_length(o), 15);
	assert_string_equal(member_str(o, "type"), "SA_MISS");
	assert_true(member_u64(o, "time_ns") == 0xafaeadacabaaa9a8ull);
	assert_true(member_u64(o, "suppressed") == 0x01000077u);
	assert_true(member_u64(o, "port") == 0);
	assert_false(json_object_get_boolean(json_object_object_get(o, "evicted")));
	assert_true(member_u64(o, "ip") == 4);
	assert_string_equal(member_str(o, "src"), "198.51.100.7");
	assert_string_equal(member_str(o, "dst"), "192.0.2.1");
	assert_string_equal(member_str(o, "spi"), "0xdeadbeef");
	assert_true(member_u64(o, "seq") == 0x01020304);
	assert_string_equal(member_str(o, "encap"), "esp");
	assert_true(member_u64(o, "sport") == 0);
	assert_true(member_u64(o, "dport") == 0);
	assert_true(member_u64(o, "len") == 142);
	assert_true(member_u64(o, "rx_seq") == 0xfffe);
	json_object_put(o);
	free(text);

	/* IPv6 (flag bit 1), UDP (bit 2), evicted (bit 3), port 2, phase
	 * bit 0 ignored */
	make_record(r, 2, 0x2f, 9000, 0x000000ff, src6, dst6, 16, 0xffffffff,
	    4500, 4500, 3);
	text = event_text(r, 0);
	o = parse_json(text);
	assert_string_equal(member_str(o, "type"), "SPI_RESERVED");
	assert_true(member_u64(o, "ip") == 6);
	assert_string_equal(member_str(o, "src"), "2001:db8::1");
	assert_string_equal(member_str(o, "dst"), "fe80::abcd");
	assert_string_equal(member_str(o, "spi"), "0x000000ff");
	assert_true(member_u64(o, "seq") == 0xffffffffu);
	assert_string_equal(member_str(o, "encap"), "udp");
	assert_true(member_u64(o, "sport") == 4500);
	assert_true(member_u64(o, "dport") == 4500);
	assert_true(member_u64(o, "len") == 9000);
	assert_true(member_u64(o, "rx_seq") == 3);
	assert_true(member_u64(o, "port") == 2);
	assert_true(json_object_get_boolean(json_object_object_get(o, "evicted")));
	json_object_put(o);
	free(text);

	/* EVENTS_LOST: the records and the misses they stood for */
	make_record(r, SPISYNC_EV_EVENTS_LOST, 0x01, 0, 0, src4, dst4, 4,
	    123456, 0, 0, 0);
	text = event_text(r, 0);
	o = parse_json(text);
	assert_int_equal(json_object_object_length(o), 4);
	assert_string_equal(member_str(o, "type"), "EVENTS_LOST");
	assert_true(member_u64(o, "lost") == 0x01000077u);
	assert_true(member_u64(o, "lost_misses") == 123456);
	json_object_put(o);
	free(text);

	/* an SA event names the SA */
	make_record(r, SPISYNC_EV_AUTH_FAIL_BURST, 0, 100, 0x1234, src4, dst4,
	    4, 7, 0, 0, 9);
	r[60] = 0x34;
	r[61] = 0x12;
	text = event_text(r, 0);
	o = parse_json(text);
	assert_string_equal(member_str(o, "type"), "AUTH_FAIL_BURST");
	assert_true(member_u64(o, "sa_index") == 0x1234);
	assert_true(member_u64(o, "count") == 0x01000077u);
	json_object_put(o);
	free(text);

	r[0] = 0;
	assert_null(event_text(r, -1));
	r[0] = 8;
	assert_null(event_text(r, -1));
}

static uint64_t
le16(const uint8_t *p)
{
	return (uint64_t)p[1] << 8 | p[0];
}

/* Random records: addresses read back with inet_pton, integers
 * reassembled from the record's bytes. */
static void
test_json_events_random(void **state)
{
	struct prng rng;
	uint8_t r[64];

	(void)state;
	prng_seed(&rng, test_seed ^ 0x6576656e7473ull);
	for (unsigned round = 0; round < RANDOM_ROUNDS; round++) {
		const bool v6 = prng_below(&rng, 2);
		const int af = v6 ? AF_INET6 : AF_INET;
		uint8_t addr[16];
		struct json_object *o;
		char *text;

		prng_fill(&rng, r, 64);
		r[0] = (uint8_t)(1 + prng_below(&rng, 2));
		r[1] = (uint8_t)((r[1] & ~0x02u) | (v6 ? 0x02 : 0));
		text = event_text(r, 0);
		o = parse_json(text);
		assert_string_equal(member_str(o, "type"),
		    r[0] == 1 ? "SA_MISS" : "SPI_RESERVED");
		assert_true(member_u64(o, "ip") == (v6 ? 6u : 4u));
		assert_int_equal(inet_pton(af, member_str(o, "src"), addr), 1);
		assert_memory_equal(addr, r + 16, v6 ? 16 : 4);
		assert_int_equal(inet_pton(af, member_str(o, "dst"), addr), 1);
		assert_memory_equal(addr, r + 32, v6 ? 16 : 4);
		assert_true(strtoul(member_str(o, "spi"), NULL, 16) ==
		    ((uint32_t)r[7] << 24 | (uint32_t)r[6] << 16 |
		    (uint32_t)r[5] << 8 | r[4]));
		assert_int_equal(strlen(member_str(o, "spi")), 10);
		assert_true(member_u64(o, "seq") == ((uint32_t)r[51] << 24 |
		    (uint32_t)r[50] << 16 | (uint32_t)r[49] << 8 | r[48]));
		assert_string_equal(member_str(o, "encap"),
		    (r[1] & 0x04) ? "udp" : "esp");
		assert_true(member_u64(o, "len") == le16(r + 2));
		assert_true(member_u64(o, "sport") == le16(r + 52));
		assert_true(member_u64(o, "dport") == le16(r + 54));
		assert_true(member_u64(o, "rx_seq") == le16(r + 62));
		json_object_put(o);
		free(text);
	}
}

/* ---------------------------------------------------------------------- */
/* pcap input */

struct fixture_frame {
	uint32_t len;
	uint32_t caplen;
	uint32_t sec, usec;
};

/* Write a capture with libpcap itself; frame i is filled with i + byte. */
static void
write_fixture(const char *path, int dlt, const struct fixture_frame *fr,
    size_t n)
{
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d;
	uint8_t data[2048];

	assert_non_null(dead);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = fr[i].sec;
		h.ts.tv_usec = fr[i].usec;
		h.len = fr[i].len;
		h.caplen = fr[i].caplen;
		for (size_t b = 0; b < fr[i].caplen && b < sizeof(data); b++)
			data[b] = (uint8_t)(i + b);
		pcap_dump((u_char *)d, &h, data);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static const struct fixture_frame fixture[3] = {
	{ 60, 60, 1700000000, 1 },
	{ 1514, 1514, 1700000000, 999999 },
	{ 1514, 96, 1700000001, 0 },	/* snapped */
};

static void
test_pcap_read_good(void **state)
{
	char path[PATH_LEN];
	char err[ERR_LEN];
	struct pcap_in *in;
	struct pcap_record rec;

	(void)state;
	tmp_path(path, "good.pcap");
	write_fixture(path, DLT_EN10MB, fixture, 3);
	assert_int_equal(pcap_in_open(path, &in, err, sizeof(err)), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(pcap_in_next(in, &rec, err, sizeof(err)), 1);
		assert_int_equal(rec.number, i + 1);
		assert_int_equal(rec.len, fixture[i].len);
		assert_int_equal(rec.caplen, fixture[i].caplen);
		assert_int_equal(rec.ts.tv_sec, fixture[i].sec);
		assert_int_equal(rec.ts.tv_usec, fixture[i].usec);
		for (size_t b = 0; b < rec.caplen; b++)
			assert_int_equal(rec.data[b], (uint8_t)(i + b));
		if (i < 2)
			assert_null(pcap_record_refusal(&rec,
			    CARD_SIM_MAX_FRAME));
		else
			assert_contains(pcap_record_refusal(&rec,
			    CARD_SIM_MAX_FRAME), "snapshot length");
	}
	assert_int_equal(pcap_in_next(in, &rec, err, sizeof(err)), 0);
	assert_int_equal(pcap_in_next(in, &rec, err, sizeof(err)), 0);
	pcap_in_close(in);
	unlink(path);
}

static void
test_pcap_refusal(void **state)
{
	struct pcap_record rec;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	rec.len = rec.caplen = CARD_SIM_MAX_FRAME;
	assert_null(pcap_record_refusal(&rec, CARD_SIM_MAX_FRAME));
	rec.len = rec.caplen = 1;
	assert_null(pcap_record_refusal(&rec, CARD_SIM_MAX_FRAME));
	rec.len = rec.caplen = CARD_SIM_MAX_FRAME + 1;
	assert_contains(pcap_record_refusal(&rec, CARD_SIM_MAX_FRAME),
	    "longer");
	rec.len = rec.caplen = 0;
	assert_contains(pcap_record_refusal(&rec, CARD_SIM_MAX_FRAME),
	    "empty");
	rec.len = 100;
	rec.caplen = 99;
	assert_contains(pcap_record_refusal(&rec, CARD_SIM_MAX_FRAME),
	    "snapshot");
}

static void
expect_open_error(const char *path, const char *part)
{
	char err[ERR_LEN] = "";
	struct pcap_in *in = (struct pcap_in *)&in;

	assert_int_equal(pcap_in_open(path, &in, err, sizeof(err)), -1);
	assert_null(in);
	assert_contains(err, path);
	if (part != NULL)
		assert_contains(err, part);
}

static void
test_pcap_bad_files(void **state)
{
	char path[PATH_LEN];
	char err[ERR_LEN] = "";
	char bytes[4096];
	struct pcap_in *in;
	struct pcap_record rec;
	size_t n;

	(void)state;
	tmp_path(path, "missing.pcap");
	expect_open_error(path, NULL);

	tmp_path(path, "empty.pcap");
	write_text_file(path, "", 0);
	expect_open_error(path, NULL);

	tmp_path(path, "garbage.pcap");
	write_text_file(path, "this is not a capture file at all\n", 34);
	expect_open_error(path, NULL);

	tmp_path(path, "raw.pcap");
	write_fixture(path, DLT_RAW, fixture, 1);
	expect_open_error(path, "DLT_EN10MB");
	unlink(path);

	/* cut in the middle of the second record's data */
	tmp_path(path, "cut.pcap");
	write_fixture(path, DLT_EN10MB, fixture, 2);
	n = read_file(path, bytes, sizeof(bytes));
	assert_true(n == 24 + 16 + 60 + 16 + 1514);
	write_text_file(path, bytes, 24 + 16 + 60 + 16 + 700);
	assert_int_equal(pcap_in_open(path, &in, err, sizeof(err)), 0);
	assert_int_equal(pcap_in_next(in, &rec, err, sizeof(err)), 1);
	assert_int_equal(pcap_in_next(in, &rec, err, sizeof(err)), -1);
	assert_contains(err, path);
	assert_contains(err, "after record 1");
	pcap_in_close(in);

	/* cut inside a record header */
	write_text_file(path, bytes, 24 + 16 + 60 + 5);
	assert_int_equal(pcap_in_open(path, &in, err, sizeof(err)), 0);
	assert_int_equal(pcap_in_next(in, &rec, err, sizeof(err)), 1);
	assert_int_equal(pcap_in_next(in, &rec, err, sizeof(err)), -1);
	pcap_in_close(in);
	unlink(path);
	tmp_path(path, "empty.pcap");
	unlink(path);
	tmp_path(path, "garbage.pcap");
	unlink(path);
}

/* ---------------------------------------------------------------------- */
/* pcap output and all-or-nothing files */

static void
test_pcap_write_publish(void **state)
{
	char path[PATH_LEN];
	char tmp[PATH_LEN];
	char err[ERR_LEN];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_out *o;
	struct timeval ts[2] = { { 1700000000, 5 }, { 1700000002, 999999 } };
	uint8_t frame[2][300];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	(void)state;
	tmp_path(path, "out.pcap");
	tmp_path(tmp, "out.pcap.tmp");
	for (unsigned i = 0; i < 300; i++) {
		frame[0][i] = (uint8_t)i;
		frame[1][i] = (uint8_t)(255 - i);
	}
	assert_int_equal(pcap_out_open(path, &o, err, sizeof(err)), 0);
	assert_true(file_exists(tmp));
	assert_false(file_exists(path));
	assert_int_equal(pcap_out_write(o, &ts[0], frame[0], 60, err,
	    sizeof(err)), 0);
	assert_int_equal(pcap_out_write(o, &ts[1], frame[1], 300, err,
	    sizeof(err)), 0);
	assert_int_equal(pcap_out_write(o, &ts[1], frame[1], 0, err,
	    sizeof(err)), -1);
	assert_false(file_exists(path));
	assert_int_equal(pcap_out_finish(o, err, sizeof(err)), 0);
	assert_false(file_exists(path));
	assert_int_equal(pcap_out_publish(o, err, sizeof(err)), 0);
	assert_true(file_exists(path));
	assert_false(file_exists(tmp));

	p = pcap_open_offline(path, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	for (unsigned i = 0; i < 2; i++) {
		const unsigned len = i == 0 ? 60 : 300;

		assert_int_equal(pcap_next_ex(p, &h, &data), 1);
		assert_int_equal(h->len, len);
		assert_int_equal(h->caplen, len);
		assert_int_equal(h->ts.tv_sec, ts[i].tv_sec);
		assert_int_equal(h->ts.tv_usec, ts[i].tv_usec);
		assert_memory_equal(data, frame[i], len);
	}
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
	unlink(path);
}

static void
test_pcap_abort_keeps_old_result(void **state)
{
	char path[PATH_LEN];
	char tmp[PATH_LEN];
	char err[ERR_LEN];
	char buf[64];
	struct pcap_out *o;
	struct timeval ts = { 1, 2 };
	uint8_t frame[60] = { 0 };

	(void)state;
	tmp_path(path, "keep.pcap");
	tmp_path(tmp, "keep.pcap.tmp");
	write_text_file(path, "old result", 10);
	assert_int_equal(pcap_out_open(path, &o, err, sizeof(err)), 0);
	assert_int_equal(pcap_out_write(o, &ts, frame, 60, err, sizeof(err)),
	    0);
	pcap_out_abort(o);
	assert_false(file_exists(tmp));
	assert_int_equal(read_file(path, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "old result", 10);

	/* aborted after finishing, before publishing: same */
	assert_int_equal(pcap_out_open(path, &o, err, sizeof(err)), 0);
	assert_int_equal(pcap_out_finish(o, err, sizeof(err)), 0);
	pcap_out_abort(o);
	assert_false(file_exists(tmp));
	assert_int_equal(read_file(path, buf, sizeof(buf)), 10);
	unlink(path);
}

static void
test_out_file_write_error(void **state)
{
	char path[PATH_LEN];
	char tmp[PATH_LEN];
	char err[ERR_LEN] = "";
	char block[4096];
	struct out_file f;

	(void)state;
	tmp_path(path, "full.json");
	tmp_path(tmp, "full.json.tmp");
	assert_int_equal(out_file_open(&f, path, err, sizeof(err)), 0);
	assert_true(file_exists(tmp));
	/* a disk that is full: every write fails */
	fclose(f.fp);
	f.fp = fopen("/dev/full", "w");
	if (f.fp == NULL)
		skip();
	memset(block, 'x', sizeof(block));
	for (unsigned i = 0; i < 4; i++)
		fwrite(block, 1, sizeof(block), f.fp);
	assert_int_equal(out_file_finish(&f, err, sizeof(err)), -1);
	assert_contains(err, "write error");
	assert_int_equal(out_file_publish(&f, err, sizeof(err)), -1);
	assert_false(file_exists(path));
	out_file_abort(&f);
	assert_false(file_exists(tmp));
	assert_false(file_exists(path));
}

static void
test_out_file_paths(void **state)
{
	char path[PATH_LEN];
	char tmp[PATH_LEN];
	char err[ERR_LEN] = "";
	char buf[16];
	struct out_file f;

	(void)state;
	tmp_path(path, "no/such/dir/x.json");
	assert_int_equal(out_file_open(&f, path, err, sizeof(err)), -1);
	assert_contains(err, "x.json.tmp");
	assert_null(f.fp);
	out_file_abort(&f);	/* harmless on a failed open */

	tmp_path(path, "ok.json");
	tmp_path(tmp, "ok.json.tmp");
	assert_int_equal(out_file_open(&f, path, err, sizeof(err)), 0);
	assert_int_equal(out_file_publish(&f, err, sizeof(err)), -1);
	assert_contains(err, "not finished");
	fputs("{}\n", f.fp);
	assert_int_equal(out_file_finish(&f, err, sizeof(err)), 0);
	assert_false(file_exists(path));
	assert_int_equal(out_file_publish(&f, err, sizeof(err)), 0);
	assert_false(file_exists(tmp));
	assert_int_equal(read_file(path, buf, sizeof(buf)), 3);
	out_file_abort(&f);	/* after publish: nothing to remove */
	assert_true(file_exists(path));
	unlink(path);
}

/* ---------------------------------------------------------------------- */

static int
make_tmp_dir(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_simtool.XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

/* Remove what a failed test may have left, then the directory. */
static int
remove_tmp_dir(void **state)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;
	char path[PATH_LEN + 256];

	(void)state;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmp_dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_ipv4_aes128),
		cmocka_unit_test(test_encode_ipv6_aes256_all_fields),
		cmocka_unit_test(test_encode_transport_overwrites),
		cmocka_unit_test(test_encode_random),
		cmocka_unit_test(test_from_esp_sa_ipv4),
		cmocka_unit_test(test_from_esp_sa_ipv6_esn_natt),
		cmocka_unit_test(test_from_esp_sa_refusals),
		cmocka_unit_test(test_ctl_open_ok),
		cmocka_unit_test(test_ctl_open_refusals),
		cmocka_unit_test(test_ctl_sa_add_del),
		cmocka_unit_test(test_ctl_sa_replace),
		cmocka_unit_test(test_ctl_sa_table_full),
		cmocka_unit_test(test_ctl_counters),
		cmocka_unit_test(test_ctl_sa_stats),
		cmocka_unit_test(test_json_counters),
		cmocka_unit_test(test_json_events),
		cmocka_unit_test(test_json_events_random),
		cmocka_unit_test(test_pcap_read_good),
		cmocka_unit_test(test_pcap_refusal),
		cmocka_unit_test(test_pcap_bad_files),
		cmocka_unit_test(test_pcap_write_publish),
		cmocka_unit_test(test_pcap_abort_keeps_old_result),
		cmocka_unit_test(test_out_file_write_error),
		cmocka_unit_test(test_out_file_paths),
	};

	if (test_seed_from_args(argc, argv, &test_seed) != 0)
		return 2;
	return cmocka_run_group_tests(tests, make_tmp_dir, remove_tmp_dir);
}
