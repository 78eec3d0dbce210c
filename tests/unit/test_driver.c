/*
 * spisync -- unit tests of libspisync's core (driver/spisync.c, sa_api.c,
 * sa_encode.c, mbox_client.c, events.c, regs.c) over the loopback backend
 * (tests/unit/loop_backend.c): registers are the fake register file, the
 * mailbox is served by the real controller firmware (firmware/fw*.c), and
 * the test plays the card writing event records into the ring memory.
 *
 * The oracles are the spec and hand computation, never the driver's own
 * code: SA entry words are written out by hand from docs/register-map.md's
 * field table, event records are built byte by byte, the expected register
 * sequences are the steps of driver/event_ring.h and firmware/mbox.h.
 *
 *   open        device strings, wrong ID / VERSION / capabilities, a
 *               register failure while opening, the handle's identity
 *   SAs         add (IPv4 AES-128; IPv6 AES-256 with every flag, port and
 *               lifetime) checked word by word in the card's table, the key
 *               gone from the mailbox; get, replace (same and new SPI), del,
 *               find, flush, list over several SA_LIST pages, duplicate,
 *               full table; invalid SAs and indices refused before any
 *               register access
 *   mailbox     a dead controller (the exact sentence, the wall time, the
 *               lock released, the request not acted on twice), a slow one
 *               (polling), a controller of another protocol version, a
 *               failing register or lock
 *   registers   counters (snapshot, LO before HI), card time (the LO read
 *               latches HI), event statistics, per-SA stats (bounded wait
 *               on SA_STATS_STATUS), event filter settings, raw access
 *   ring        start (the steps in order, under the lock, -EBUSY), poll
 *               (records whole and in order over many laps, RING_CONS when
 *               due and when read empty), restart after a write error
 *               (records after the hole saved, memory zeroed, none lost),
 *               stop
 *   history     the newest records oldest first, records overwritten while
 *               being read dropped
 *   decode      every field of a hand-built record; type and reason names
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

#include "fw.h"
#include "loop_backend.h"
#include "mbox.h"
#include "spisync.h"
#include "spisync_internal.h"

#define DEV "loop:test"

struct fix {
	struct loop_backend *l;
	struct spisync *h;
};

static struct fix *
fix_new(uint32_t entries, uint32_t buckets)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[SPISYNC_HANDLE_ERR_LEN];

	assert_non_null(f);
	assert_int_equal(loop_backend_create(entries, buckets, &f->l), 0);
	assert_int_equal(spisync_open_backend(&f->l->base, DEV, &f->h, err,
	    sizeof(err)), 0);
	assert_non_null(f->h);
	return f;
}

static int
setup(void **state)
{
	*state = fix_new(64, 64);
	return 0;
}

static int
setup_big(void **state)
{
	*state = fix_new(256, 256);
	return 0;
}

static int
setup_small(void **state)
{
	*state = fix_new(4, 4);
	return 0;
}

/* Every test ends with the lock released and never misused. */
static int
teardown(void **state)
{
	struct fix *f = *state;

	spisync_close(f->h);
	assert_true(f->l->closed);
	assert_int_equal(f->l->lock_depth, 0);
	assert_int_equal(f->l->locks, f->l->unlocks);
	assert_int_equal(f->l->lock_violations, 0);
	assert_int_equal(loop_backend_dma_live(f->l), 0);
	loop_backend_destroy(f->l);
	free(f);
	return 0;
}

static uint32_t *
reg(struct fix *f, uint32_t offset)
{
	return &f->l->fake->regs[offset / 4];
}

/* ---- open ------------------------------------------------------------ */

static void
test_open_bad_device_strings(void **state)
{
	static const char *const unknown[] = { "foo", "", "SIM:/x", "sim",
	    "xrt", "pci0000:01:00.0", "/tmp/sock" };
	struct spisync *h = (struct spisync *)&h;	/* must be set to NULL */
	char err[256];
	char want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		h = (struct spisync *)&h;
		assert_int_equal(spisync_open(unknown[i], &h, err, sizeof(err)),
		    -EINVAL);
		assert_null(h);
		snprintf(want, sizeof(want), "unknown device '%s': use "
		    "sim:PATH, xrt:N[:XCLBIN] or pci:DDDD:BB:DD.F", unknown[i]);
		assert_string_equal(err, want);
	}
	assert_int_equal(spisync_open(NULL, &h, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown device '(null)': use sim:PATH, "
	    "xrt:N[:XCLBIN] or pci:DDDD:BB:DD.F");
	assert_int_equal(spisync_open("foo", NULL, err, sizeof(err)), -EINVAL);

	assert_int_equal(spisync_open("sim:", &h, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "sim: needs the socket path of a running "
	    "spisync-sim --socket (sim:PATH)");
	assert_int_equal(spisync_open("sim:/nonexistent-spisync-dir/s", &h, err,
	    sizeof(err)), -ENOENT);
	assert_null(h);
	assert_string_equal(err, "sim:/nonexistent-spisync-dir/s: connect: No "
	    "such file or directory (is spisync-sim --socket running?)");

	/* a short buffer gets the start of the sentence, terminated */
	assert_int_equal(spisync_open("foo", &h, err, 8), -EINVAL);
	assert_string_equal(err, "unknown");
	/* and none at all is allowed */
	assert_int_equal(spisync_open("foo", &h, NULL, 0), -EINVAL);
}

/* Open with one register changed; the backend must be closed on failure. */
static void
open_expect(uint32_t offset, uint32_t value, int rc, const char *phrase)
{
	struct loop_backend *l;
	struct spisync *h = NULL;
	char err[SPISYNC_HANDLE_ERR_LEN];

	assert_int_equal(loop_backend_create(16, 16, &l), 0);
	l->fake->regs[offset / 4] = value;
	assert_int_equal(spisync_open_backend(&l->base, DEV, &h, err,
	    sizeof(err)), rc);
	assert_null(h);
	assert_true(l->closed);
	if (strstr(err, phrase) == NULL)
		fail_msg("open error \"%s\" lacks \"%s\"", err, phrase);
	loop_backend_destroy(l);
}

static void
test_open_identity_mismatch(void **state)
{
	struct loop_backend *l;
	struct spisync *h = NULL;
	char err[SPISYNC_HANDLE_ERR_LEN];

	(void)state;
	open_expect(SPISYNC_REG_ID, 0x12345678, -ENODEV, "loop:test is not a "
	    "spisync card: ID reads 0x12345678, expected 0x53505359");
	open_expect(SPISYNC_REG_VERSION, 0x00020000, -EPROTO, "loop:test has "
	    "register map version 0x00020000, this libspisync speaks "
	    "0x00010001");
	open_expect(SPISYNC_REG_CAP_REASONS, SPISYNC_NUM_REASONS - 1, -EPROTO,
	    "CAP_REASONS 18");
	open_expect(SPISYNC_REG_CAP_REASONS, 33, -EPROTO, "CAP_REASONS 33");
	open_expect(SPISYNC_REG_CAP_SA_ENTRIES, 0, -EPROTO, "CAP_SA_ENTRIES 0");
	open_expect(SPISYNC_REG_CAP_SA_ENTRIES, 65537, -EPROTO,
	    "CAP_SA_ENTRIES 65537");
	open_expect(SPISYNC_REG_CAP_RING_MAX_LOG2, 32, -EPROTO,
	    "CAP_RING_MAX_LOG2 32");

	/* the second register read fails */
	assert_int_equal(loop_backend_create(16, 16, &l), 0);
	l->fake->fail_after = 1;
	assert_int_equal(spisync_open_backend(&l->base, DEV, &h, err,
	    sizeof(err)), -EIO);
	assert_null(h);
	assert_true(l->closed);
	assert_string_equal(err, "loop: read of register 0x0004 failed "
	    "(fake_regs fail_after)");
	loop_backend_destroy(l);
}

static void
test_info(void **state)
{
	struct fix *f = *state;
	struct spisync_info info;

	assert_string_equal(spisync_backend_name(f->h), "loop");
	assert_string_equal(spisync_last_error(f->h), "");
	f->l->now_ms += 5300;	/* 5.3 s of controller uptime */
	assert_int_equal(spisync_info(f->h, &info), 0);
	assert_int_equal(info.id, SPISYNC_MAGIC);
	assert_int_equal(info.version, SPISYNC_VERSION);
	assert_int_equal(info.data_width, 512);
	assert_int_equal(info.sa_entries, 64);
	assert_int_equal(info.tag_buckets, 64);
	assert_int_equal(info.reasons, SPISYNC_NUM_REASONS);
	assert_int_equal(info.replay_window, 1024);
	assert_int_equal(info.flow_entries, 1024);
	assert_int_equal(info.ring_max_log2, 20);
	assert_int_equal(info.event_hist, FAKE_HIST_DEPTH);
	assert_int_equal(info.fw_version, FW_VERSION);
	assert_int_equal(info.mbox_proto, MBOX_PROTO_VERSION);
	assert_int_equal(info.sa_installed, 0);
	assert_int_equal(info.fw_uptime_s, 5);
	assert_int_equal(spisync_info(f->h, NULL), -EINVAL);
	assert_string_equal(spisync_last_error(NULL), "no handle (NULL)");
}

/* ---- SAs --------------------------------------------------------------- */

/* 198.18.0.1, AES-128 key 00..0f, salt a0..a3, ICV 16, auto mode. */
static void
sa_ipv4(struct spisync_sa *sa, uint32_t spi)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->dst[0] = 198;
	sa->dst[1] = 18;
	sa->dst[2] = 0;
	sa->dst[3] = 1;
	for (unsigned i = 0; i < 16; i++)
		sa->key[i] = (uint8_t)i;
	sa->key_len = 16;
	sa->salt[0] = 0xa0;
	sa->salt[1] = 0xa1;
	sa->salt[2] = 0xa2;
	sa->salt[3] = 0xa3;
	sa->icv_len = 16;
}

/* The entry of sa_ipv4(0x12345678), by hand from the field table:
 * word 0 VALID (bit 0) | ICV_LEN 16 (bits 15:8); GEN is the controller's. */
static const uint32_t ipv4_words[SPISYNC_SA_WORDS] = {
	0x00001001, 0x12345678, 0xa3a2a1a0, 0x00000000,
	0x010012c6, 0x00000000, 0x00000000, 0x00000000,
	0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* 2001:db8::1, AES-256 key 20..3f, every flag, transport, ICV 8, ports
 * 12345 -> 4500, all four count lifetimes, time lifetimes 30 / 60 s. */
static void
sa_ipv6(struct spisync_sa *sa, uint32_t spi)
{
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };

	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->ipv6 = true;
	memcpy(sa->dst, dst, 16);
	for (unsigned i = 0; i < 32; i++)
		sa->key[i] = (uint8_t)(0x20 + i);
	sa->key_len = 32;
	sa->salt[0] = 0x11;
	sa->salt[1] = 0x22;
	sa->salt[2] = 0x33;
	sa->salt[3] = 0x44;
	sa->icv_len = 8;
	sa->esn = true;
	sa->mode = SPISYNC_SA_MODE_TRANSPORT;
	sa->udp_encap = true;
	sa->sport = 12345;
	sa->dport = 4500;
	sa->hard_bytes = 0x123456789ull;
	sa->hard_packets = 0xfedcba9876543210ull;
	sa->soft_bytes = 0x100;
	sa->soft_packets = 0x0000000500000007ull;
	sa->soft_time_s = 30;
	sa->hard_time_s = 60;
}

/* word 0: VALID 1 | IPV6 2 | KEY_256 4 | ESN 8 | UDP_ENCAP 0x10 |
 * MODE 2 << 5 = 0x40 | ICV 8 << 8 = 0x800; word 3: DPORT 4500 = 0x1194 in
 * 31:16, SPORT 12345 = 0x3039 in 15:0; limits low word first. */
static const uint32_t ipv6_words[SPISYNC_SA_WORDS] = {
	0x0000085f, 0xfedc0100, 0x44332211, 0x11943039,
	0xb80d0120, 0x00000000, 0x00000000, 0x01000000,
	0x23222120, 0x27262524, 0x2b2a2928, 0x2f2e2d2c,
	0x33323130, 0x37363534, 0x3b3a3938, 0x3f3e3d3c,
	0x23456789, 0x00000001, 0x76543210, 0xfedcba98,
	0x00000100, 0x00000000, 0x00000007, 0x00000005,
	0, 0, 0, 0, 0, 0, 0, 0,
};

static void
expect_entry(struct fix *f, uint32_t index, const uint32_t want[32])
{
	const uint32_t *got = f->l->fake->sa[index];

	/* GEN (bits 23:16 of word 0) is the controller's choice, never 0 */
	if (((got[0] >> 16) & 0xff) == 0)
		fail_msg("index %u: GEN 0", (unsigned)index);
	if ((got[0] & ~0x00ff0000u) != want[0])
		fail_msg("index %u word 0: 0x%08x, expected 0x%08x (GEN aside)",
		    (unsigned)index, (unsigned)got[0], (unsigned)want[0]);
	for (unsigned w = 1; w < SPISYNC_SA_WORDS; w++)
		if (got[w] != want[w])
			fail_msg("index %u word %u: 0x%08x, expected 0x%08x",
			    (unsigned)index, w, (unsigned)got[w],
			    (unsigned)want[w]);
}

static bool
entry_zero(struct fix *f, uint32_t index)
{
	for (unsigned w = 0; w < SPISYNC_SA_WORDS; w++)
		if (f->l->fake->sa[index][w] != 0)
			return false;
	return true;
}

/* Valid tag slots for spi (any table, bucket, way); *index the last. */
static unsigned
tags_of(struct fix *f, uint32_t spi, uint32_t *index)
{
	const size_t slots = 2u * f->l->fake->tag_buckets * SPISYNC_TAG_WAYS;
	unsigned n = 0;

	for (size_t i = 0; i < slots; i++) {
		if (f->l->fake->tag[i].valid && f->l->fake->tag[i].spi == spi) {
			n++;
			*index = f->l->fake->tag[i].index;
		}
	}
	return n;
}

/* The mailbox holds no key or salt word after a request. */
static void
expect_mailbox_clean(struct fix *f)
{
	assert_int_equal(*reg(f, SPISYNC_REG_MBOX(MBOX_W_ARG +
	    MBOX_SA_ARG_ENTRY + SPISYNC_SA_SALT_WORD)), 0);
	for (unsigned w = 0; w < 8; w++)
		assert_int_equal(*reg(f, SPISYNC_REG_MBOX(MBOX_W_ARG +
		    MBOX_SA_ARG_ENTRY + SPISYNC_SA_KEY_WORD + w)), 0);
}

static void
test_sa_add_ipv4(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	struct spisync_info info;
	uint32_t index = 999, tag_index = 999;

	sa_ipv4(&sa, 0x12345678);
	/* bytes an IPv4 SA does not use, and AES-128 key bytes 16..31, are
	 * not sent: the entry holds only what the card uses */
	memset(sa.dst + 4, 0xee, 12);
	memset(sa.key + 16, 0xdd, 16);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	assert_true(index < 64);
	expect_entry(f, index, ipv4_words);
	assert_int_equal(tags_of(f, 0x12345678, &tag_index), 1);
	assert_int_equal(tag_index, index);
	expect_mailbox_clean(f);
	assert_int_equal(spisync_info(f->h, &info), 0);
	assert_int_equal(info.sa_installed, 1);
	/* index may be NULL */
	sa.spi = 0x12345679;
	assert_int_equal(spisync_sa_add(f->h, &sa, NULL), 0);
}

static void
test_sa_add_ipv6_every_field(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	uint32_t index = 999, tag_index = 999;

	sa_ipv6(&sa, 0xfedc0100);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	expect_entry(f, index, ipv6_words);
	assert_int_equal(tags_of(f, 0xfedc0100, &tag_index), 1);
	assert_int_equal(tag_index, index);
	expect_mailbox_clean(f);
}

static void
test_sa_get(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	struct spisync_sa_info info;
	uint32_t index;

	sa_ipv6(&sa, 0xfedc0100);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	f->l->now_ms += 7000;
	assert_int_equal(spisync_sa_get(f->h, index, &info), 0);
	assert_int_equal(info.index, index);
	assert_int_equal(info.spi, 0xfedc0100);
	assert_true(info.ipv6);
	assert_true(info.key_256);
	assert_true(info.esn);
	assert_true(info.udp_encap);
	assert_int_equal(info.mode, SPISYNC_SA_MODE_TRANSPORT);
	assert_int_equal(info.icv_len, 8);
	assert_int_equal(info.gen, (f->l->fake->sa[index][0] >> 16) & 0xff);
	assert_int_not_equal(info.gen, 0);
	assert_int_equal(info.sport, 12345);
	assert_int_equal(info.dport, 4500);
	assert_memory_equal(info.dst, sa.dst, 16);
	assert_true(info.hard_bytes == 0x123456789ull);
	assert_true(info.hard_packets == 0xfedcba9876543210ull);
	assert_true(info.soft_bytes == 0x100);
	assert_true(info.soft_packets == 0x0000000500000007ull);
	assert_int_equal(info.soft_time_s, 30);
	assert_int_equal(info.hard_time_s, 60);
	assert_int_equal(info.age_s, 7);
	assert_false(info.soft_time_expired);

	/* past the soft time lifetime: the controller notices on a pass */
	f->l->now_ms += 30000;
	for (unsigned i = 0; i < 64; i++)	/* a pass scans a few SAs */
		fw_poll(f->l->fw);
	assert_int_equal(spisync_sa_get(f->h, index, &info), 0);
	assert_true(info.soft_time_expired);
	assert_int_equal(info.age_s, 37);

	/* the other flag values: IPv4, AES-128, no ESN, no UDP, auto, ICV 16 */
	sa_ipv4(&sa, 0x1000);
	sa.mode = SPISYNC_SA_MODE_TUNNEL;
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	assert_int_equal(spisync_sa_get(f->h, index, &info), 0);
	assert_false(info.ipv6);
	assert_false(info.key_256);
	assert_false(info.esn);
	assert_false(info.udp_encap);
	assert_int_equal(info.mode, SPISYNC_SA_MODE_TUNNEL);
	assert_int_equal(info.icv_len, 16);
	assert_memory_equal(info.dst, sa.dst, 4);
	assert_true(info.hard_bytes == 0 && info.soft_packets == 0);

	assert_int_equal(spisync_sa_get(f->h, 63, &info), -ENOENT);
	assert_string_equal(spisync_last_error(f->h), "no SA at index 63");
}

struct bad_sa {
	const char *phrase;
	void (*spoil)(struct spisync_sa *sa);
};

static void spoil_spi(struct spisync_sa *sa) { sa->spi = 255; }
static void spoil_key(struct spisync_sa *sa) { sa->key_len = 24; }
static void spoil_icv(struct spisync_sa *sa) { sa->icv_len = 10; }
static void spoil_mode(struct spisync_sa *sa) { sa->mode = (enum spisync_sa_mode)3; }
static void spoil_dport(struct spisync_sa *sa) { sa->udp_encap = true; sa->dport = 0; }
static void spoil_dst(struct spisync_sa *sa) { memset(sa->dst, 0, 4); }
static void spoil_dst6(struct spisync_sa *sa) { sa->ipv6 = true; memset(sa->dst, 0, 16); }
static void spoil_bytes(struct spisync_sa *sa) { sa->soft_bytes = sa->hard_bytes = 1000; }
static void spoil_packets(struct spisync_sa *sa) { sa->soft_packets = 11; sa->hard_packets = 10; }
static void spoil_time(struct spisync_sa *sa) { sa->soft_time_s = 60; sa->hard_time_s = 60; }

static const struct bad_sa bad_sas[] = {
	{ "invalid SA: SPI 255 is reserved (0..255, RFC 4303 2.1)", spoil_spi },
	{ "invalid SA: key length 24", spoil_key },
	{ "invalid SA: ICV length 10", spoil_icv },
	{ "invalid SA: mode 3", spoil_mode },
	{ "invalid SA: UDP-encapsulated SA with destination port 0", spoil_dport },
	{ "invalid SA: destination address is all zero", spoil_dst },
	{ "invalid SA: destination address is all zero", spoil_dst6 },
	{ "invalid SA: soft byte lifetime must be below the hard one", spoil_bytes },
	{ "invalid SA: soft packet lifetime must be below the hard one", spoil_packets },
	{ "invalid SA: soft time lifetime must be below the hard one", spoil_time },
};

static void
expect_refused_untouched(struct fix *f, int rc, int want, const char *phrase)
{
	assert_int_equal(rc, want);
	if (strncmp(spisync_last_error(f->h), phrase, strlen(phrase)) != 0)
		fail_msg("error \"%s\", expected it to start \"%s\"",
		    spisync_last_error(f->h), phrase);
	/* not a single register access */
	assert_int_equal(f->l->fake->accesses, 0);
}

static void
test_sa_invalid_refused_before_registers(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	struct spisync_sa_info info;
	struct spisync_sa_stats stats;
	uint32_t index = 77;

	for (size_t i = 0; i < sizeof(bad_sas) / sizeof(bad_sas[0]); i++) {
		sa_ipv4(&sa, 0x4000);
		bad_sas[i].spoil(&sa);
		f->l->fake->accesses = 0;
		expect_refused_untouched(f, spisync_sa_add(f->h, &sa, &index),
		    -EINVAL, bad_sas[i].phrase);
		assert_int_equal(index, 77);
		expect_refused_untouched(f, spisync_sa_replace(f->h, 0, &sa,
		    &index), -EINVAL, bad_sas[i].phrase);
	}
	f->l->fake->accesses = 0;
	expect_refused_untouched(f, spisync_sa_add(f->h, NULL, &index), -EINVAL,
	    "invalid SA: no SA given (NULL)");
	sa_ipv4(&sa, 0x4000);
	expect_refused_untouched(f, spisync_sa_replace(f->h, 64, &sa, &index),
	    -EINVAL, "replace: SA index 64 out of range (the card has indices "
	    "0..63)");
	expect_refused_untouched(f, spisync_sa_del(f->h, 64), -EINVAL,
	    "delete: SA index 64 out of range");
	expect_refused_untouched(f, spisync_sa_get(f->h, 0xffffffffu, &info),
	    -EINVAL, "get: SA index 4294967295 out of range");
	expect_refused_untouched(f, spisync_sa_stats(f->h, 64, &stats), -EINVAL,
	    "SA stats: index 64 out of range");

	/* the edges that are valid: SPI 256, soft just below hard, a soft
	 * lifetime without a hard one */
	sa_ipv4(&sa, 256);
	sa.soft_bytes = 999;
	sa.hard_bytes = 1000;
	sa.soft_packets = 5;
	sa.soft_time_s = 59;
	sa.hard_time_s = 60;
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	assert_int_equal(f->l->fake->sa[index][1], 256);
	assert_int_equal(f->l->fake->sa[index][16], 1000);
	assert_int_equal(f->l->fake->sa[index][20], 999);
	assert_int_equal(f->l->fake->sa[index][22], 5);
}

static void
test_sa_duplicate_and_full(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	uint32_t index;

	sa_ipv4(&sa, 0x12345678);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), -EEXIST);
	assert_string_equal(spisync_last_error(f->h),
	    "SPI 0x12345678 is already installed");
	for (uint32_t i = 1; i < 4; i++) {
		sa.spi = 0x12345678 + i;
		assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	}
	sa.spi = 0x9999;
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), -ENOSPC);
	assert_string_equal(spisync_last_error(f->h), "no room for SPI "
	    "0x00009999: every SA index, or every tag slot the SPI can use, "
	    "is taken");
}

static void
test_sa_replace(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	uint32_t i0, i1, i2, found, tag_index;

	sa_ipv4(&sa, 0x2000);
	assert_int_equal(spisync_sa_add(f->h, &sa, &i0), 0);

	/* rekey, same SPI: the new key at a new index, the old one zeroed */
	for (unsigned i = 0; i < 16; i++)
		sa.key[i] = (uint8_t)(0xf0 + i);
	assert_int_equal(spisync_sa_replace(f->h, i0, &sa, &i1), 0);
	assert_int_not_equal(i1, i0);
	assert_true(entry_zero(f, i0));
	assert_int_equal(f->l->fake->sa[i1][1], 0x2000);
	assert_int_equal(f->l->fake->sa[i1][8], 0xf3f2f1f0);
	assert_int_equal(f->l->fake->sa[i1][11], 0xfffefdfc);
	assert_int_equal(tags_of(f, 0x2000, &tag_index), 1);
	assert_int_equal(tag_index, i1);
	expect_mailbox_clean(f);
	assert_int_equal(spisync_sa_find(f->h, 0x2000, &found), 0);
	assert_int_equal(found, i1);

	/* to a new SPI */
	sa.spi = 0x3000;
	assert_int_equal(spisync_sa_replace(f->h, i1, &sa, &i2), 0);
	assert_true(entry_zero(f, i1));
	assert_int_equal(spisync_sa_find(f->h, 0x2000, &found), -ENOENT);
	assert_int_equal(spisync_sa_find(f->h, 0x3000, &found), 0);
	assert_int_equal(found, i2);
	assert_int_equal(tags_of(f, 0x2000, &tag_index), 0);

	/* nothing to replace */
	sa.spi = 0x4000;
	assert_int_equal(spisync_sa_replace(f->h, 50, &sa, &i2), -ENOENT);
	assert_string_equal(spisync_last_error(f->h),
	    "no SA at index 50 to replace");
	assert_int_equal(spisync_sa_find(f->h, 0x4000, &found), -ENOENT);
}

static void
test_sa_del_find_flush(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	uint32_t idx[3], found, deleted = 0, tag_index;
	size_t n = 9, total = 9;

	for (unsigned i = 0; i < 3; i++) {
		sa_ipv4(&sa, 0x5000 + i);
		assert_int_equal(spisync_sa_add(f->h, &sa, &idx[i]), 0);
	}
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(spisync_sa_find(f->h, 0x5000 + i, &found), 0);
		assert_int_equal(found, idx[i]);
	}
	assert_int_equal(spisync_sa_del(f->h, idx[1]), 0);
	assert_true(entry_zero(f, idx[1]));
	assert_int_equal(tags_of(f, 0x5001, &tag_index), 0);
	assert_int_equal(spisync_sa_find(f->h, 0x5001, &found), -ENOENT);
	assert_string_equal(spisync_last_error(f->h), "no SA with SPI 0x00005001");
	assert_int_equal(spisync_sa_del(f->h, idx[1]), -ENOENT);
	{
		char want[64];

		snprintf(want, sizeof(want), "no SA at index %u",
		    (unsigned)idx[1]);
		assert_string_equal(spisync_last_error(f->h), want);
	}
	assert_int_equal(spisync_sa_flush(f->h, &deleted), 0);
	assert_int_equal(deleted, 2);
	for (uint32_t i = 0; i < 64; i++)
		assert_true(entry_zero(f, i));
	assert_int_equal(spisync_sa_list(f->h, NULL, 0, &n, &total), 0);
	assert_int_equal(n, 0);
	assert_int_equal(total, 0);
	assert_int_equal(spisync_sa_flush(f->h, NULL), 0);
}

static unsigned
count_cmd_posts(struct fix *f, uint32_t cmd)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->l->log_len; i++)
		if (f->l->log[i].write && f->l->log[i].offset ==
		    SPISYNC_REG_MBOX(MBOX_W_CMD) && f->l->log[i].value == cmd)
			n++;
	return n;
}

static void
test_sa_list_pages(void **state)
{
	struct fix *f = *state;
	static struct spisync_sa_info out[200];
	struct spisync_sa sa;
	uint32_t spi_at[256] = { 0 };
	size_t n, total;

	for (uint32_t i = 0; i < 130; i++) {
		uint32_t index;

		sa_ipv4(&sa, 0x10000 + 7 * i);
		assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
		spi_at[index] = sa.spi;
	}
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_sa_list(f->h, out, 200, &n, &total), 0);
	loop_backend_log_stop(f->l);
	assert_int_equal(n, 130);
	assert_int_equal(total, 130);
	/* 130 indices at 56 a page */
	assert_int_equal(count_cmd_posts(f, MBOX_CMD_SA_LIST), 3);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			assert_true(out[i].index > out[i - 1].index);
		assert_int_equal(out[i].spi, spi_at[out[i].index]);
		assert_int_equal(out[i].icv_len, 16);
	}
	assert_int_equal(spisync_sa_list(f->h, out, 10, &n, &total), 0);
	assert_int_equal(n, 10);
	assert_int_equal(total, 130);
	assert_int_equal(spisync_sa_list(f->h, out, 10, &n, NULL), 0);
	assert_int_equal(spisync_sa_list(f->h, NULL, 5, &n, NULL), -EINVAL);
}

/* ---- mailbox ----------------------------------------------------------- */

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_mbox_dead_controller(void **state)
{
	struct fix *f = *state;
	struct spisync_info info;
	struct spisync_sa sa;
	struct timespec t0;
	uint32_t index;
	size_t n, total;
	double s;

	assert_int_equal(spisync_info(f->h, &info), 0);	/* request 1 */
	f->l->fw_answers = false;
	sa_ipv4(&sa, 0x6000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), -ETIMEDOUT);
	s = seconds_since(&t0);
	assert_string_equal(spisync_last_error(f->h), "card controller did not "
	    "answer mailbox request 2 (SA_ADD) within 2000 ms");
	if (s < 1.99 || s > 3.5)
		fail_msg("the wait took %.3f s, expected 2 s", s);
	assert_int_equal(f->l->lock_depth, 0);

	/* the controller comes back: the next request reuses sequence 2 and
	 * is acted on once */
	f->l->fw_answers = true;
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	assert_int_equal(spisync_sa_list(f->h, NULL, 0, &n, &total), 0);
	assert_int_equal(total, 1);
}

/* The first request of a handle is the HELLO check. */
static void
test_mbox_dead_from_the_start(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	uint32_t index;

	f->l->fw_answers = false;
	sa_ipv4(&sa, 0x6000);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), -ETIMEDOUT);
	assert_string_equal(spisync_last_error(f->h), "card controller did not "
	    "answer mailbox request 1 (HELLO) within 2000 ms");
	for (uint32_t i = 0; i < 64; i++)
		assert_true(entry_zero(f, i));
}

static void
test_mbox_slow_controller(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	uint32_t index;
	unsigned rsp_reads = 0;

	f->l->fw_delay_reads = 6;
	sa_ipv4(&sa, 0x7000);
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
	loop_backend_log_stop(f->l);
	expect_entry(f, index, (const uint32_t[32]){ 0x00001001, 0x7000,
	    0xa3a2a1a0, 0, 0x010012c6, 0, 0, 0, 0x03020100, 0x07060504,
	    0x0b0a0908, 0x0f0e0d0c });
	for (size_t i = 0; i < f->l->log_len; i++)
		rsp_reads += !f->l->log[i].write && f->l->log[i].offset ==
		    SPISYNC_REG_MBOX(MBOX_W_RSP_SEQ);
	/* HELLO and SA_ADD: each one read before posting, six while waiting */
	assert_int_equal(rsp_reads, 2 * (1 + 6));
}

static void
test_mbox_other_protocol(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	uint32_t index;

	f->l->hello_proto_override = 9;
	sa_ipv4(&sa, 0x7000);
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), -EPROTO);
	loop_backend_log_stop(f->l);
	assert_non_null(strstr(spisync_last_error(f->h), "card controller "
	    "speaks mailbox protocol 9, this libspisync speaks 1"));
	assert_int_equal(count_cmd_posts(f, MBOX_CMD_SA_ADD), 0);
	for (uint32_t i = 0; i < 64; i++)
		assert_true(entry_zero(f, i));
}

static void
test_register_and_lock_failures(void **state)
{
	struct fix *f = *state;
	struct spisync_sa sa;
	uint64_t counters[SPISYNC_NUM_REASONS];
	uint32_t index;

	f->l->fake->fail_after = f->l->fake->accesses + 3;
	assert_int_equal(spisync_counters(f->h, counters), -EIO);
	assert_non_null(strstr(spisync_last_error(f->h), "loop: read of "
	    "register 0x04"));
	assert_int_equal(f->l->lock_depth, 0);

	/* in the middle of a mailbox request */
	f->l->fake->fail_after = f->l->fake->accesses + 10;
	sa_ipv4(&sa, 0x8000);
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), -EIO);
	assert_non_null(strstr(spisync_last_error(f->h), "fake_regs fail_after"));
	assert_int_equal(f->l->lock_depth, 0);
	f->l->fake->fail_after = 0;

	f->l->fail_lock = true;
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), -EIO);
	assert_string_equal(spisync_last_error(f->h), "loop: lock failed "
	    "(fail_lock)");
	assert_int_equal(spisync_counters(f->h, counters), -EIO);
	f->l->fail_lock = false;
	assert_int_equal(spisync_sa_add(f->h, &sa, &index), 0);
}

/* ---- registers --------------------------------------------------------- */

/* In the log, every read of hi is directly preceded by a read of lo. */
static void
expect_lo_then_hi(struct fix *f, uint32_t lo)
{
	unsigned seen = 0;

	for (size_t i = 0; i < f->l->log_len; i++) {
		if (f->l->log[i].write || f->l->log[i].offset != lo + 4)
			continue;
		seen++;
		if (i == 0 || f->l->log[i - 1].write ||
		    f->l->log[i - 1].offset != lo)
			fail_msg("register 0x%04x read without 0x%04x just "
			    "before it", (unsigned)(lo + 4), (unsigned)lo);
	}
	if (seen == 0)
		fail_msg("register 0x%04x never read", (unsigned)(lo + 4));
}

static void
test_counters(void **state)
{
	struct fix *f = *state;
	uint64_t got[SPISYNC_NUM_REASONS];
	unsigned locks = f->l->locks;

	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		f->l->fake->counter_live[i] = ((uint64_t)(i + 1) << 32) +
		    0x10u * i + 3;
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_counters(f->h, got), 0);
	loop_backend_log_stop(f->l);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		assert_true(got[i] == ((uint64_t)(i + 1) << 32) + 0x10u * i + 3);
	/* the snapshot first, then the copies, each LO before HI */
	assert_true(f->l->log[0].write);
	assert_int_equal(f->l->log[0].offset, SPISYNC_REG_COUNTER_SNAPSHOT);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		expect_lo_then_hi(f, SPISYNC_REG_COUNTERS(i));
	assert_int_equal(f->l->log_len, 1 + 2 * SPISYNC_NUM_REASONS);
	assert_int_equal(f->l->locks, locks + 1);
}

static void
test_time_latch(void **state)
{
	struct fix *f = *state;
	uint64_t ns;

	f->l->fake->time_ns = 0x0000000100000005ull;
	assert_int_equal(spisync_time_ns(f->h, &ns), 0);
	assert_true(ns == 0x0000000100000005ull);
	/* HI is what the LO read latched: reading HI first would give 1 */
	f->l->fake->time_ns = 0x00000002fffffff0ull;
	assert_int_equal(spisync_time_ns(f->h, &ns), 0);
	assert_true(ns == 0x00000002fffffff0ull);
	assert_int_equal(spisync_time_ns(f->h, NULL), -EINVAL);
}

static void
test_event_stats(void **state)
{
	struct fix *f = *state;
	struct spisync_event_stats st;

	*reg(f, SPISYNC_REG_EVENTS_WRITTEN_LO) = 0x00000001;
	*reg(f, SPISYNC_REG_EVENTS_WRITTEN_HI) = 0x0000000a;
	*reg(f, SPISYNC_REG_EVENTS_LOST_LO) = 0x00000002;
	*reg(f, SPISYNC_REG_EVENTS_LOST_HI) = 0x0000000b;
	*reg(f, SPISYNC_REG_FLOW_SUPPRESSED_LO) = 0x00000003;
	*reg(f, SPISYNC_REG_FLOW_SUPPRESSED_HI) = 0x0000000c;
	*reg(f, SPISYNC_REG_FLOW_PENDING_LO) = 0x00000004;
	*reg(f, SPISYNC_REG_FLOW_PENDING_HI) = 0x0000000d;
	*reg(f, SPISYNC_REG_RING_PROD) = 17;
	*reg(f, SPISYNC_REG_RING_CONS) = 16;
	*reg(f, SPISYNC_REG_RING_STATUS) = 0x3;
	*reg(f, SPISYNC_REG_RING_WRITE_ERRORS) = 2;
	*reg(f, SPISYNC_REG_RING_SIZE_LOG2) = 5;
	*reg(f, SPISYNC_REG_RING_BASE_LO) = 0x00001040;
	*reg(f, SPISYNC_REG_RING_BASE_HI) = 0x00000024;
	f->l->fake->hist_count = 9;
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_event_stats(f->h, &st), 0);
	loop_backend_log_stop(f->l);
	assert_true(st.written == 0x0000000a00000001ull);
	assert_true(st.lost == 0x0000000b00000002ull);
	assert_true(st.flow_suppressed == 0x0000000c00000003ull);
	assert_true(st.flow_pending == 0x0000000d00000004ull);
	assert_int_equal(st.ring_prod, 17);
	assert_int_equal(st.ring_cons, 16);
	assert_int_equal(st.ring_status, 3);
	assert_int_equal(st.ring_write_errors, 2);
	assert_int_equal(st.ring_size_log2, 5);
	assert_true(st.ring_base == 0x0000002400001040ull);
	assert_int_equal(st.hist_count, 9);
	expect_lo_then_hi(f, SPISYNC_REG_EVENTS_WRITTEN_LO);
	expect_lo_then_hi(f, SPISYNC_REG_EVENTS_LOST_LO);
	expect_lo_then_hi(f, SPISYNC_REG_FLOW_SUPPRESSED_LO);
	expect_lo_then_hi(f, SPISYNC_REG_FLOW_PENDING_LO);
}

static void
test_sa_stats(void **state)
{
	struct fix *f = *state;
	struct spisync_sa_stats st;
	struct timespec t0;
	double s;

	f->l->fake->sa_stats[5][0] = 0x0000000100000002ull;
	f->l->fake->sa_stats[5][1] = 0x0000000300000004ull;
	f->l->fake->sa_stats[5][2] = 5;
	f->l->fake->sa_stats[5][3] = 0x0000000600000000ull;
	f->l->stats_busy_reads = 3;
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_sa_stats(f->h, 5, &st), 0);
	loop_backend_log_stop(f->l);
	assert_true(st.packets == 0x0000000100000002ull);
	assert_true(st.bytes == 0x0000000300000004ull);
	assert_true(st.auth_fail == 5);
	assert_true(st.replay == 0x0000000600000000ull);
	/* SELECT 5, then STATUS until done (three not-done reads), then the
	 * copies */
	assert_true(f->l->log[0].write);
	assert_int_equal(f->l->log[0].offset, SPISYNC_REG_SA_STATS_SELECT);
	assert_int_equal(f->l->log[0].value, 5);
	for (size_t i = 1; i <= 4; i++) {
		assert_int_equal(f->l->log[i].offset, SPISYNC_REG_SA_STATS_STATUS);
		assert_int_equal(f->l->log[i].value & 1u, i == 4 ? 1u : 0u);
	}
	assert_int_equal(f->l->log_len, 5 + 8);

	/* never done: a bounded wait */
	f->l->stats_busy_reads = 0xffffffffu;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(spisync_sa_stats(f->h, 5, &st), -ETIMEDOUT);
	s = seconds_since(&t0);
	if (s < 0.99 || s > 2.5)
		fail_msg("the wait took %.3f s, expected 1 s", s);
	assert_non_null(strstr(spisync_last_error(f->h), "per-SA counter "
	    "snapshot: register 0x0058 still reads 0x00000000 after 1000 ms"));
	f->l->stats_busy_reads = 0;
}

static void
test_event_config(void **state)
{
	struct fix *f = *state;
	struct spisync_event_config c;
	const struct spisync_event_config want = {
		.holdoff_ns = 0x0000000300000004ull, .token_ns = 777,
		.token_burst = 3, .lost_ns = 5000,
		.burst_interval_ns = 0x0000000500000006ull,
		.auth_fail_burst = 0, .replay_burst = 9,
	};
	struct spisync_event_config bad = want;

	/* the reset values (docs/register-map.md) */
	assert_int_equal(spisync_event_config_get(f->h, &c), 0);
	assert_true(c.holdoff_ns == 1000000000ull);
	assert_int_equal(c.token_ns, 10000);
	assert_int_equal(c.token_burst, 256);
	assert_int_equal(c.lost_ns, 1000000);
	assert_true(c.burst_interval_ns == 1000000000ull);
	assert_int_equal(c.auth_fail_burst, 16);
	assert_int_equal(c.replay_burst, 64);

	loop_backend_log_start(f->l);
	assert_int_equal(spisync_event_config_set(f->h, &want), 0);
	loop_backend_log_stop(f->l);
	assert_int_equal(*reg(f, SPISYNC_REG_EVENT_HOLDOFF_NS_LO), 4);
	assert_int_equal(*reg(f, SPISYNC_REG_EVENT_HOLDOFF_NS_HI), 3);
	assert_int_equal(*reg(f, SPISYNC_REG_EVENT_TOKEN_NS), 777);
	assert_int_equal(*reg(f, SPISYNC_REG_EVENT_TOKEN_BURST), 3);
	assert_int_equal(*reg(f, SPISYNC_REG_EVENT_LOST_NS), 5000);
	assert_int_equal(*reg(f, SPISYNC_REG_BURST_INTERVAL_NS_LO), 6);
	assert_int_equal(*reg(f, SPISYNC_REG_BURST_INTERVAL_NS_HI), 5);
	assert_int_equal(*reg(f, SPISYNC_REG_AUTH_FAIL_BURST), 0);
	assert_int_equal(*reg(f, SPISYNC_REG_REPLAY_BURST), 9);
	assert_int_equal(f->l->log_len, 9);
	assert_int_equal(spisync_event_config_get(f->h, &c), 0);
	assert_true(c.holdoff_ns == want.holdoff_ns);
	assert_int_equal(c.token_ns, want.token_ns);
	assert_int_equal(c.token_burst, want.token_burst);
	assert_int_equal(c.lost_ns, want.lost_ns);
	assert_true(c.burst_interval_ns == want.burst_interval_ns);
	assert_int_equal(c.auth_fail_burst, want.auth_fail_burst);
	assert_int_equal(c.replay_burst, want.replay_burst);

	bad.token_burst = 0;
	f->l->fake->accesses = 0;
	expect_refused_untouched(f, spisync_event_config_set(f->h, &bad),
	    -EINVAL, "event config: token_burst 0");
}

static void
test_raw_registers(void **state)
{
	struct fix *f = *state;
	uint32_t v = 0;

	assert_int_equal(spisync_reg_read32(f->h, SPISYNC_REG_ID, &v), 0);
	assert_int_equal(v, SPISYNC_MAGIC);
	assert_int_equal(spisync_reg_write32(f->h, SPISYNC_REG_MBOX(10), 0x55), 0);
	assert_int_equal(*reg(f, SPISYNC_REG_MBOX(10)), 0x55);
	f->l->fake->accesses = 0;
	expect_refused_untouched(f, spisync_reg_read32(f->h, 2, &v), -EINVAL,
	    "register read: register offset 0x2 is not a word");
	expect_refused_untouched(f, spisync_reg_write32(f->h, 0x10000, 1),
	    -EINVAL, "register write: register offset 0x10000 is not a word");
	assert_int_equal(spisync_reg_read32(f->h, 0xfffc, &v), 0);
}

/* ---- the event ring ---------------------------------------------------- */

/* Record number id: distinct bytes everywhere, PHASE clear. */
static void
make_record(uint8_t rec[SPISYNC_EVENT_BYTES], uint32_t id)
{
	for (unsigned i = 0; i < SPISYNC_EVENT_BYTES; i++)
		rec[i] = (uint8_t)(id * 131u + i * 7u + 1u);
	rec[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_SA_MISS;
	rec[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
	memcpy(rec + SPISYNC_EVF_SPI_OFF, &id, 4);	/* x86: little-endian */
}

struct card {
	struct fix *f;
	uint8_t *ring;
	uint32_t log2;
	uint32_t n;          /* records issued to this ring (RING_PROD) */
};

/* The ring as the driver programmed it. */
static void
card_attach(struct card *c, struct fix *f)
{
	const uint64_t base = (uint64_t)*reg(f, SPISYNC_REG_RING_BASE_HI) << 32 |
	    *reg(f, SPISYNC_REG_RING_BASE_LO);

	c->f = f;
	c->log2 = *reg(f, SPISYNC_REG_RING_SIZE_LOG2);
	c->ring = loop_backend_bus_ptr(f->l, base,
	    (size_t)SPISYNC_EVENT_BYTES << c->log2);
	assert_non_null(c->ring);
	assert_int_equal(*reg(f, SPISYNC_REG_RING_CTRL), 1);
	c->n = 0;
}

static uint8_t
phase_of(uint32_t n, uint32_t log2)
{
	return ((n >> log2) & 1u) ? 0 : 1;
}

/* The card issues record n of the ring: written with its phase, or (fail)
 * answered with an error and not written. */
static void
card_put(struct card *c, const uint8_t rec[SPISYNC_EVENT_BYTES], bool fail)
{
	uint8_t *slot = c->ring +
	    (size_t)(c->n & ((1u << c->log2) - 1u)) * SPISYNC_EVENT_BYTES;

	/* the card never writes a slot the host has not given back */
	assert_true(c->n - *reg(c->f, SPISYNC_REG_RING_CONS) < (1u << c->log2));
	if (fail) {
		*reg(c->f, SPISYNC_REG_RING_STATUS) |= 0x08;
		(*reg(c->f, SPISYNC_REG_RING_WRITE_ERRORS))++;
	} else {
		memcpy(slot, rec, SPISYNC_EVENT_BYTES);
		slot[SPISYNC_EVF_FLAGS_OFF] |= phase_of(c->n, c->log2);
	}
	c->n++;
	*reg(c->f, SPISYNC_REG_RING_PROD) = c->n;
}

static void
expect_record(const uint8_t got[SPISYNC_EVENT_BYTES], uint32_t id,
    uint8_t phase)
{
	uint8_t want[SPISYNC_EVENT_BYTES];

	make_record(want, id);
	want[SPISYNC_EVF_FLAGS_OFF] |= phase;
	if (memcmp(got, want, SPISYNC_EVENT_BYTES) != 0) {
		uint32_t got_id;

		memcpy(&got_id, got + SPISYNC_EVF_SPI_OFF, 4);
		fail_msg("record %u (phase %u) expected, got record %u (flags "
		    "0x%02x)", (unsigned)id, phase, (unsigned)got_id,
		    got[SPISYNC_EVF_FLAGS_OFF]);
	}
}

/* Index in the log of the first access (write or read) to offset from i. */
static size_t
log_find(struct fix *f, size_t from, bool write, uint32_t offset)
{
	for (size_t i = from; i < f->l->log_len; i++)
		if (f->l->log[i].write == write && f->l->log[i].offset == offset)
			return i;
	return (size_t)-1;
}

static void
test_events_start(void **state)
{
	struct fix *f = *state;
	const unsigned locks = f->l->locks;
	size_t ctrl0, base_lo, base_hi, size, cons, ctrl1, last_status;
	uint64_t bus;
	uint8_t *mem;

	f->l->ring_busy_reads = 3;	/* the previous ring's writes */
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_start(f->h, 4), 0);
	loop_backend_log_stop(f->l);
	assert_int_equal(f->l->locks, locks + 1);

	/* the steps of event_ring.h, in order */
	ctrl0 = log_find(f, 0, true, SPISYNC_REG_RING_CTRL);
	base_lo = log_find(f, 0, true, SPISYNC_REG_RING_BASE_LO);
	base_hi = log_find(f, 0, true, SPISYNC_REG_RING_BASE_HI);
	size = log_find(f, 0, true, SPISYNC_REG_RING_SIZE_LOG2);
	cons = log_find(f, 0, true, SPISYNC_REG_RING_CONS);
	ctrl1 = log_find(f, ctrl0 + 1, true, SPISYNC_REG_RING_CTRL);
	assert_true(ctrl0 < base_lo && base_lo < ctrl1 && base_hi < ctrl1 &&
	    size < ctrl1 && cons < ctrl1);
	assert_int_equal(f->l->log[ctrl0].value, 0);
	assert_int_equal(f->l->log[ctrl1].value, 1);
	assert_int_equal(ctrl1, f->l->log_len - 1);
	assert_int_equal(f->l->log[size].value, 4);
	assert_int_equal(f->l->log[cons].value, 0);
	/* not busy any more before the new base was written: the last
	 * RING_STATUS read before it shows bit 4 clear, after three set */
	last_status = (size_t)-1;
	for (size_t i = ctrl0; i < base_lo; i++)
		if (!f->l->log[i].write &&
		    f->l->log[i].offset == SPISYNC_REG_RING_STATUS)
			last_status = i;
	assert_true(last_status != (size_t)-1);
	assert_int_equal(f->l->log[last_status].value & 0x10u, 0);
	assert_int_equal(f->l->ring_busy_reads, 0);

	bus = (uint64_t)f->l->log[base_hi].value << 32 | f->l->log[base_lo].value;
	assert_true(bus >= LOOP_BUS_BASE);
	mem = loop_backend_bus_ptr(f->l, bus, 64u << 4);
	assert_non_null(mem);
	for (size_t i = 0; i < 64u << 4; i++)
		assert_int_equal(mem[i], 0);

	/* twice on one handle */
	assert_int_equal(spisync_events_start(f->h, 4), -EBUSY);
	assert_string_equal(spisync_last_error(f->h),
	    "event ring already started on this handle");
	assert_int_equal(spisync_events_stop(f->h), 0);

	/* sizes the card does not take: nothing touched */
	f->l->fake->accesses = 0;
	expect_refused_untouched(f, spisync_events_start(f->h, 0), -EINVAL,
	    "event ring of 2^0 records: the card takes 2^1..2^20");
	expect_refused_untouched(f, spisync_events_start(f->h, 21), -EINVAL,
	    "event ring of 2^21 records");
	assert_int_equal(loop_backend_dma_live(f->l), 0);

	/* DMA memory refused */
	f->l->fail_dma = true;
	assert_int_equal(spisync_events_start(f->h, 4), -ENOMEM);
	assert_string_equal(spisync_last_error(f->h), "loop: DMA allocation of "
	    "1024 bytes failed (fail_dma)");
	assert_int_equal(f->l->fake->accesses, 0);
	f->l->fail_dma = false;
}

/* Another process owns the ring: -EBUSY, and its registers untouched. */
static void
test_events_start_busy(void **state)
{
	struct fix *f = *state;

	*reg(f, SPISYNC_REG_RING_CTRL) = 1;
	*reg(f, SPISYNC_REG_RING_BASE_LO) = 0x1000;
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_start(f->h, 4), -EBUSY);
	loop_backend_log_stop(f->l);
	assert_string_equal(spisync_last_error(f->h), "loop:test: the event ring "
	    "is enabled already: another process owns it (spisyncd?)");
	for (size_t i = 0; i < f->l->log_len; i++)
		assert_false(f->l->log[i].write);
	assert_int_equal(*reg(f, SPISYNC_REG_RING_BASE_LO), 0x1000);
	assert_int_equal(loop_backend_dma_live(f->l), 0);
	*reg(f, SPISYNC_REG_RING_CTRL) = 0;
}

/* The owner is dead (spisyncd killed): takeover disables the ring before it
 * points the card at new memory, and ends with the ring enabled there. */
static void
test_events_takeover(void **state)
{
	struct fix *f = *state;
	size_t i, disable_at = SIZE_MAX, base_at = SIZE_MAX, enable_at = SIZE_MAX;

	*reg(f, SPISYNC_REG_RING_CTRL) = 1;
	*reg(f, SPISYNC_REG_RING_BASE_LO) = 0x1000;
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_takeover(f->h, 4), 0);
	loop_backend_log_stop(f->l);
	for (i = 0; i < f->l->log_len; i++) {
		if (!f->l->log[i].write)
			continue;
		if (f->l->log[i].offset == SPISYNC_REG_RING_CTRL &&
		    (f->l->log[i].value & 1u) == 0 && disable_at == SIZE_MAX)
			disable_at = i;
		if (f->l->log[i].offset == SPISYNC_REG_RING_BASE_LO)
			base_at = i;
		if (f->l->log[i].offset == SPISYNC_REG_RING_CTRL &&
		    (f->l->log[i].value & 1u) != 0)
			enable_at = i;
	}
	assert_true(disable_at < base_at);
	assert_true(base_at < enable_at);
	assert_int_not_equal(*reg(f, SPISYNC_REG_RING_BASE_LO), 0x1000);
	assert_int_equal(*reg(f, SPISYNC_REG_RING_CTRL) & 1u, 1);
	assert_int_equal(loop_backend_dma_live(f->l), 1);
	/* the handle owns it now: a second start on it is refused */
	assert_int_equal(spisync_events_start(f->h, 4), -EBUSY);
	assert_int_equal(spisync_events_stop(f->h), 0);
	assert_int_equal(loop_backend_dma_live(f->l), 0);
}

/* RING_CONS values written, in order, in the log. */
static size_t
cons_writes(struct fix *f, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < f->l->log_len; i++)
		if (f->l->log[i].write &&
		    f->l->log[i].offset == SPISYNC_REG_RING_CONS && n < max)
			out[n++] = f->l->log[i].value;
	return n;
}

static void
test_events_poll(void **state)
{
	struct fix *f = *state;
	uint8_t recs[16][SPISYNC_EVENT_BYTES];
	uint8_t rec[SPISYNC_EVENT_BYTES];
	uint32_t cons[16];
	struct card c;
	size_t n = 99;

	assert_int_equal(spisync_events_poll(f->h, recs, 16, &n), -EINVAL);
	assert_int_equal(n, 0);
	assert_string_equal(spisync_last_error(f->h), "events poll: the event "
	    "ring is not started on this handle (spisync_events_start)");

	assert_int_equal(spisync_events_start(f->h, 3), 0);	/* 8 slots */
	card_attach(&c, f);
	for (uint32_t id = 0; id < 5; id++) {
		make_record(rec, id);
		card_put(&c, rec, false);
	}
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_poll(f->h, recs, 16, &n), 0);
	loop_backend_log_stop(f->l);
	assert_int_equal(n, 5);
	for (uint32_t id = 0; id < 5; id++)
		expect_record(recs[id], id, 1);
	/* due every 8 / 4 = 2 records, and once more when read empty */
	assert_int_equal(cons_writes(f, cons, 16), 3);
	assert_int_equal(cons[0], 2);
	assert_int_equal(cons[1], 4);
	assert_int_equal(cons[2], 5);
	assert_int_equal(*reg(f, SPISYNC_REG_RING_CONS), 5);

	/* nothing new: no RING_CONS write, one status read */
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_poll(f->h, recs, 16, &n), 0);
	loop_backend_log_stop(f->l);
	assert_int_equal(n, 0);
	assert_int_equal(f->l->log_len, 1);
	assert_int_equal(f->l->log[0].offset, SPISYNC_REG_RING_STATUS);
	assert_int_equal(spisync_events_poll(f->h, recs, 0, &n), 0);
	assert_int_equal(n, 0);

	/* many laps, the card filling whatever space the host gave back,
	 * the host taking three at a time */
	{
		uint32_t next_id = 5, want = 5;

		while (want < 200) {
			while (next_id < 200 &&
			    c.n - *reg(f, SPISYNC_REG_RING_CONS) < 8u) {
				make_record(rec, next_id++);
				card_put(&c, rec, false);
			}
			assert_int_equal(spisync_events_poll(f->h, recs, 3, &n), 0);
			if (n == 0)
				fail_msg("no progress at record %u", want);
			for (size_t i = 0; i < n; i++, want++)
				expect_record(recs[i], want, phase_of(want, 3));
		}
		assert_int_equal(spisync_events_poll(f->h, recs, 16, &n), 0);
		assert_int_equal(n, 0);
		assert_int_equal(*reg(f, SPISYNC_REG_RING_CONS), 200);
	}
	assert_int_equal(spisync_events_stop(f->h), 0);
}

/*
 * A write error in the second lap: records 8..10 are written, 11 fails
 * (its slot keeps record 3 of the first lap, phase 1, where lap 2 expects
 * 0), 12 and 13 are written after it. The host takes 8..10, finds the
 * hole, restarts, and still gets 12 and 13; the new ring starts clean.
 */
static void
test_events_write_error_restart(void **state)
{
	struct fix *f = *state;
	uint8_t recs[16][SPISYNC_EVENT_BYTES];
	uint8_t rec[SPISYNC_EVENT_BYTES];
	const unsigned locks = f->l->locks;
	size_t n, status_at, ctrl0, prod_at, ctrl1;
	struct card c;

	assert_int_equal(spisync_events_start(f->h, 3), 0);
	card_attach(&c, f);
	for (uint32_t id = 0; id < 8; id++) {
		make_record(rec, id);
		card_put(&c, rec, false);
	}
	assert_int_equal(spisync_events_poll(f->h, recs, 16, &n), 0);
	assert_int_equal(n, 8);
	for (uint32_t id = 8; id < 14; id++) {
		make_record(rec, id);
		card_put(&c, rec, id == 11);
	}
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_poll(f->h, recs, 16, &n), 0);
	loop_backend_log_stop(f->l);
	assert_int_equal(n, 5);
	expect_record(recs[0], 8, 0);
	expect_record(recs[1], 9, 0);
	expect_record(recs[2], 10, 0);
	expect_record(recs[3], 12, 0);
	expect_record(recs[4], 13, 0);
	assert_int_equal(f->l->locks, locks + 2);	/* start, restart */

	/* status seen, then disable, wait, PROD, re-program, enable last */
	status_at = log_find(f, 0, false, SPISYNC_REG_RING_STATUS);
	ctrl0 = log_find(f, status_at, true, SPISYNC_REG_RING_CTRL);
	prod_at = log_find(f, ctrl0, false, SPISYNC_REG_RING_PROD);
	ctrl1 = log_find(f, ctrl0 + 1, true, SPISYNC_REG_RING_CTRL);
	assert_true(status_at < ctrl0 && ctrl0 < prod_at && prod_at < ctrl1);
	assert_int_equal(f->l->log[ctrl0].value, 0);
	assert_int_equal(f->l->log[ctrl1].value, 1);
	assert_int_equal(ctrl1, f->l->log_len - 1);
	assert_true(log_find(f, prod_at, true, SPISYNC_REG_RING_CONS) < ctrl1);
	/* the old ring is gone: all zero (record 3 would read as new) */
	for (size_t i = 0; i < 8u * SPISYNC_EVENT_BYTES; i++)
		assert_int_equal(c.ring[i], 0);
	assert_int_equal(*reg(f, SPISYNC_REG_RING_STATUS) & 0x08u, 0);

	/* the new ring */
	card_attach(&c, f);
	for (uint32_t id = 100; id < 103; id++) {
		make_record(rec, id);
		card_put(&c, rec, false);
	}
	assert_int_equal(spisync_events_poll(f->h, recs, 16, &n), 0);
	assert_int_equal(n, 3);
	for (uint32_t i = 0; i < 3; i++)
		expect_record(recs[i], 100 + i, 1);
	assert_int_equal(spisync_events_poll(f->h, recs, 16, &n), 0);
	assert_int_equal(n, 0);
}

/* The same with room for two records a poll: the saved ones come out over
 * several polls, in order, before the new ring's. */
static void
test_events_restart_small_polls(void **state)
{
	struct fix *f = *state;
	uint8_t recs[2][SPISYNC_EVENT_BYTES];
	uint8_t rec[SPISYNC_EVENT_BYTES];
	static const uint32_t want[] = { 0, 1, 3, 4, 5, 50, 51 };
	uint32_t got[16];
	size_t n, total = 0;
	struct card c;

	assert_int_equal(spisync_events_start(f->h, 3), 0);
	card_attach(&c, f);
	for (uint32_t id = 0; id < 6; id++) {
		make_record(rec, id);
		card_put(&c, rec, id == 2);
	}
	for (unsigned round = 0; round < 8 && total < 7; round++) {
		assert_int_equal(spisync_events_poll(f->h, recs, 2, &n), 0);
		for (size_t i = 0; i < n; i++)
			memcpy(&got[total++], recs[i] + SPISYNC_EVF_SPI_OFF, 4);
		if (total == 5) {
			/* all saved ones are out: the card writes the new ring */
			card_attach(&c, f);
			for (uint32_t id = 50; id < 52; id++) {
				make_record(rec, id);
				card_put(&c, rec, false);
			}
		}
	}
	assert_int_equal(total, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(got[i], want[i]);
}

/* A bad RING_CONS (bit 2) stops the card as a write error does: restart.
 * A ring someone else disabled: a sentence, nothing restarted. */
static void
test_events_bad_cons_and_disabled(void **state)
{
	struct fix *f = *state;
	uint8_t recs[4][SPISYNC_EVENT_BYTES];
	uint8_t rec[SPISYNC_EVENT_BYTES];
	struct card c;
	size_t n;

	assert_int_equal(spisync_events_start(f->h, 2), 0);
	card_attach(&c, f);
	make_record(rec, 1);
	card_put(&c, rec, false);
	*reg(f, SPISYNC_REG_RING_STATUS) |= 0x04;
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_poll(f->h, recs, 4, &n), 0);
	loop_backend_log_stop(f->l);
	assert_int_equal(n, 1);
	expect_record(recs[0], 1, 1);
	assert_true(log_find(f, 0, true, SPISYNC_REG_RING_CTRL) != (size_t)-1);
	assert_int_equal(*reg(f, SPISYNC_REG_RING_STATUS) & 0x04u, 0);
	assert_int_equal(*reg(f, SPISYNC_REG_RING_CTRL), 1);

	*reg(f, SPISYNC_REG_RING_STATUS) &= ~1u;
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_poll(f->h, recs, 4, &n), -EIO);
	loop_backend_log_stop(f->l);
	assert_int_equal(n, 0);
	assert_string_equal(spisync_last_error(f->h), "loop:test: the event "
	    "ring is disabled (RING_STATUS 0x00000000): another process wrote "
	    "RING_CTRL, or a restart failed; stop and start it again");
	for (size_t i = 0; i < f->l->log_len; i++)
		assert_false(f->l->log[i].write);
	assert_int_equal(spisync_events_stop(f->h), 0);
}

static void
test_events_stop(void **state)
{
	struct fix *f = *state;
	uint8_t recs[1][SPISYNC_EVENT_BYTES];
	size_t n, ctrl0;

	assert_int_equal(spisync_events_stop(f->h), -EINVAL);
	assert_int_equal(spisync_events_start(f->h, 5), 0);
	assert_int_equal(loop_backend_dma_live(f->l), 1);
	f->l->ring_busy_reads = 2;
	loop_backend_log_start(f->l);
	assert_int_equal(spisync_events_stop(f->h), 0);
	loop_backend_log_stop(f->l);
	ctrl0 = log_find(f, 0, true, SPISYNC_REG_RING_CTRL);
	assert_int_equal(ctrl0, 0);
	assert_int_equal(f->l->log[0].value, 0);
	assert_int_equal(f->l->ring_busy_reads, 0);	/* waited it out */
	assert_int_equal(loop_backend_dma_live(f->l), 0);
	assert_int_equal(spisync_events_poll(f->h, recs, 1, &n), -EINVAL);

	/* writes that never finish: the memory is not handed back */
	assert_int_equal(spisync_events_start(f->h, 5), 0);
	f->l->ring_busy_reads = 0xffffffffu;
	assert_int_equal(spisync_events_stop(f->h), -ETIMEDOUT);
	assert_non_null(strstr(spisync_last_error(f->h), "waiting for the event "
	    "ring's writes to finish"));
	assert_int_equal(loop_backend_dma_live(f->l), 1);
	f->l->ring_busy_reads = 0;
	/* the test frees it (the sim and real backends free it on close) */
	for (unsigned i = 0; i < LOOP_DMA_MAX; i++) {
		if (f->l->dma[i].live) {
			free(f->l->dma[i].vaddr);
			memset(&f->l->dma[i], 0, sizeof(f->l->dma[i]));
		}
	}

	/* close with the ring running stops it and frees the memory */
	assert_int_equal(spisync_events_start(f->h, 5), 0);
}

/* ---- history ----------------------------------------------------------- */

static void
push_history(struct fix *f, uint32_t from, uint32_t to)
{
	uint8_t rec[SPISYNC_EVENT_BYTES];

	for (uint32_t id = from; id < to; id++) {
		make_record(rec, id);
		fake_regs_hist_push(f->l->fake, rec);
	}
}

static void
test_history(void **state)
{
	struct fix *f = *state;
	static uint8_t recs[128][SPISYNC_EVENT_BYTES];
	const unsigned locks = f->l->locks;
	size_t n = 99;

	assert_int_equal(spisync_event_history(f->h, recs, 128, &n), 0);
	assert_int_equal(n, 0);
	push_history(f, 0, 5);
	assert_int_equal(spisync_event_history(f->h, recs, 128, &n), 0);
	assert_int_equal(n, 5);
	for (uint32_t i = 0; i < 5; i++)
		expect_record(recs[i], i, 0);
	push_history(f, 5, 100);
	assert_int_equal(spisync_event_history(f->h, recs, 128, &n), 0);
	assert_int_equal(n, 64);
	for (uint32_t i = 0; i < 64; i++)
		expect_record(recs[i], 36 + i, 0);
	/* the newest ten, oldest first */
	assert_int_equal(spisync_event_history(f->h, recs, 10, &n), 0);
	assert_int_equal(n, 10);
	for (uint32_t i = 0; i < 10; i++)
		expect_record(recs[i], 90 + i, 0);
	assert_int_equal(f->l->locks, locks + 4);
}

/* The card issues three records right after the driver's first select:
 * slots of 36, 37, 38 now hold 100, 101, 102. The driver's reads of 37
 * and 38 got the new records' data; the count says so and they (and 36)
 * are dropped. */
static void
hist_overwrite(void *ctx, uint32_t offset, uint32_t value)
{
	struct fix *f = ctx;
	static bool done;

	(void)value;
	if (offset != SPISYNC_REG_EVENT_HIST_SELECT || done)
		return;
	done = true;
	push_history(f, 100, 103);
}

static void
test_history_overwritten_while_read(void **state)
{
	struct fix *f = *state;
	static uint8_t recs[64][SPISYNC_EVENT_BYTES];
	size_t n;

	push_history(f, 0, 100);
	f->l->on_write = hist_overwrite;
	f->l->on_write_ctx = f;
	assert_int_equal(spisync_event_history(f->h, recs, 64, &n), 0);
	f->l->on_write = NULL;
	assert_int_equal(n, 61);
	for (uint32_t i = 0; i < 61; i++)
		expect_record(recs[i], 39 + i, 0);
}

/* ---- records ----------------------------------------------------------- */

static void
test_decode(void **state)
{
	/* every field distinct, little-endian integers, by hand */
	static const uint8_t rec[SPISYNC_EVENT_BYTES] = {
		0x01, 0xaf, 0xdc, 0x05,                 /* SA_MISS, flags, 1500 */
		0xef, 0xcd, 0xab, 0x89,                 /* SPI 0x89abcdef */
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* time */
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, /* SRC */
		0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
		0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, /* DST */
		0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
		0xef, 0xbe, 0xad, 0xde,                 /* SEQ 0xdeadbeef */
		0x94, 0x11, 0x35, 0x00,                 /* ports 4500, 53 */
		0x04, 0x03, 0x02, 0x01,                 /* COUNT */
		0xff, 0xff, 0xef, 0xbe,                 /* SA_INDEX, RX_SEQ */
	};
	uint8_t rec2[SPISYNC_EVENT_BYTES];
	struct spisync_event e;

	(void)state;
	spisync_event_decode(rec, &e);
	assert_int_equal(e.type, SPISYNC_EV_SA_MISS);
	assert_true(e.phase);
	assert_true(e.ipv6);
	assert_true(e.udp);
	assert_true(e.evicted);
	assert_int_equal(e.port, 0xa);
	assert_int_equal(e.frame_len, 1500);
	assert_int_equal(e.spi, 0x89abcdef);
	assert_true(e.time_ns == 0x0123456789abcdefull);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(e.src[i], 0x10 + i);
		assert_int_equal(e.dst[i], 0x20 + i);
	}
	assert_int_equal(e.seq, 0xdeadbeef);
	assert_int_equal(e.sport, 4500);
	assert_int_equal(e.dport, 53);
	assert_int_equal(e.count, 0x01020304);
	assert_int_equal(e.sa_index, 0xffff);
	assert_int_equal(e.rx_seq, 0xbeef);

	/* flags clear, an EVENTS_LOST record: LOST_MISSES is the SEQ field */
	memcpy(rec2, rec, sizeof(rec2));
	rec2[0] = SPISYNC_EV_EVENTS_LOST;
	rec2[1] = 0x00;
	spisync_event_decode(rec2, &e);
	assert_int_equal(e.type, SPISYNC_EV_EVENTS_LOST);
	assert_false(e.phase || e.ipv6 || e.udp || e.evicted);
	assert_int_equal(e.port, 0);
	assert_int_equal(e.seq, 0xdeadbeef);

	assert_string_equal(spisync_event_type_name(1), "SA_MISS");
	assert_string_equal(spisync_event_type_name(2), "SPI_RESERVED");
	assert_string_equal(spisync_event_type_name(3), "SA_SOFT_EXPIRY");
	assert_string_equal(spisync_event_type_name(4), "SA_HARD_EXPIRY");
	assert_string_equal(spisync_event_type_name(5), "AUTH_FAIL_BURST");
	assert_string_equal(spisync_event_type_name(6), "REPLAY_BURST");
	assert_string_equal(spisync_event_type_name(7), "EVENTS_LOST");
	assert_string_equal(spisync_event_type_name(0), "UNKNOWN");
	assert_string_equal(spisync_event_type_name(8), "UNKNOWN");
	assert_string_equal(spisync_reason_str(0), "RX_PACKETS");
	assert_string_equal(spisync_reason_str(5), "SA_NOT_FOUND_V4");
	assert_string_equal(spisync_reason_str(17), "MAC_ERROR");
	assert_string_equal(spisync_reason_str(18), "CDC_OVERFLOW");
	assert_null(spisync_reason_str(19));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_bad_device_strings),
		cmocka_unit_test(test_open_identity_mismatch),
		cmocka_unit_test_setup_teardown(test_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sa_add_ipv4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sa_add_ipv6_every_field,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sa_get, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_sa_invalid_refused_before_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sa_duplicate_and_full,
		    setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_sa_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sa_del_find_flush, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sa_list_pages, setup_big,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mbox_dead_controller, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mbox_dead_from_the_start,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbox_slow_controller, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mbox_other_protocol, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_register_and_lock_failures,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_latch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sa_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_registers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_events_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_takeover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_start_busy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_events_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_write_error_restart,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_restart_small_polls,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_bad_cons_and_disabled,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_overwritten_while_read, setup, teardown),
		cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
