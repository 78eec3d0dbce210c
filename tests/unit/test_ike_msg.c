/*
 * spisync -- unit tests of spisyncd's IKEv2 message codec
 * (hostd/spisyncd/ike_parse.c, ike_build.c).
 *
 * Oracles: byte arrays written by hand from the figures of RFC 7296
 * section 3 (every field commented), for every typed parser and every
 * builder; the RFC's rules for what is malformed; and, for memory safety,
 * 100,000 seeded random mutations of valid messages parsed from buffers of
 * exactly their length (ASan in the instrumented build, valgrind in the
 * plain one, see any read past the end). The cross-check against scapy's
 * IKEv2 layer is tests/unit/ike_msg_oracle.py.
 *
 *   test_ike_msg [--seed N]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ike_msg.h"
#include "prng.h"
#include "test_seed.h"

static unsigned long long test_seed;

/* ---------------------------------------------------------------------- */
/* Hand-built bytes (RFC 7296 section 3)                                   */
/* ---------------------------------------------------------------------- */

/* SA payload body (3.3): two proposals. */
static const uint8_t sa_body[] = {
	/* Proposal (3.3.1) */
	0x02, 0x00, 0x00, 0x24,   /* more (2), RESERVED, length 36 */
	0x01, 0x01, 0x00, 0x03,   /* #1, protocol IKE, SPI size 0, 3 transforms */
	/* Transform (3.3.2) */
	0x03, 0x00, 0x00, 0x0c,   /* more (3), RESERVED, length 12 */
	0x01, 0x00, 0x00, 0x14,   /* ENCR, RESERVED, ENCR_AES_GCM_16 (20) */
	0x80, 0x0e, 0x00, 0x80,   /* AF=1 KEY_LENGTH (14), 128 (3.3.5) */
	0x03, 0x00, 0x00, 0x08,   /* more, length 8 */
	0x02, 0x00, 0x00, 0x05,   /* PRF, PRF_HMAC_SHA2_256 (5) */
	0x00, 0x00, 0x00, 0x08,   /* last (0), length 8 */
	0x04, 0x00, 0x00, 0x13,   /* DH, group 19 */
	/* Proposal */
	0x00, 0x00, 0x00, 0x20,   /* last (0), length 32 */
	0x02, 0x03, 0x04, 0x02,   /* #2, protocol ESP, SPI size 4, 2 transforms */
	0xc1, 0x00, 0x00, 0x01,   /* SPI */
	0x03, 0x00, 0x00, 0x0c,   /* more, length 12 */
	0x01, 0x00, 0x00, 0x14,   /* ENCR_AES_GCM_16 */
	0x80, 0x0e, 0x01, 0x00,   /* KEY_LENGTH 256 */
	0x00, 0x00, 0x00, 0x08,   /* last, length 8 */
	0x05, 0x00, 0x00, 0x00,   /* ESN, no ESN (0) */
};

/* An IKE_SA_INIT request (3.1 header, 3.2 generic payload headers). */
static const uint8_t init_msg[] = {
	/* IKE header (3.1) */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,   /* IKE SA initiator's SPI */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* responder's SPI: 0 */
	0x21,                     /* next payload: SA (33) */
	0x20,                     /* MjVer 2, MnVer 0 */
	0x22,                     /* exchange IKE_SA_INIT (34) */
	0x08,                     /* flags: Initiator */
	0x00, 0x00, 0x00, 0x00,   /* message ID 0 */
	0x00, 0x00, 0x00, 0x94,   /* length 148 */
	/* SA */
	0x22, 0x00, 0x00, 0x48,   /* next KE (34), C 0, length 4 + 68 */
	0x02, 0x00, 0x00, 0x24, 0x01, 0x01, 0x00, 0x03,
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x00, 0x80,
	0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x13,
	0x00, 0x00, 0x00, 0x20, 0x02, 0x03, 0x04, 0x02, 0xc1, 0x00, 0x00, 0x01,
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x08, 0x05, 0x00, 0x00, 0x00,
	/* KE (3.4) */
	0x28, 0x00, 0x00, 0x10,   /* next Nonce (40), length 16 */
	0x00, 0x13, 0x00, 0x00,   /* DH group 19, RESERVED */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,   /* key exchange data */
	/* Nonce (3.9) */
	0x29, 0x00, 0x00, 0x14,   /* next Notify (41), length 20 */
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,   /* 16-byte nonce */
	/* Notify (3.10) */
	0x00, 0x00, 0x00, 0x0c,   /* last, length 12 */
	0x00, 0x00, 0x40, 0x04,   /* protocol 0, SPI size 0, NAT_DETECTION_SOURCE_IP */
	0xd0, 0xd1, 0xd2, 0xd3,   /* notification data */
};
#define INIT_SA_OFF  (IKE_HDR_LEN)
#define INIT_KE_OFF  (IKE_HDR_LEN + 72)
#define INIT_NONCE_OFF (INIT_KE_OFF + 16)
#define INIT_N_OFF   (INIT_NONCE_OFF + 20)

/* TS payload body (3.13): two selectors. */
static const uint8_t ts_body[] = {
	0x02, 0x00, 0x00, 0x00,   /* number of TSs 2, RESERVED */
	/* Traffic Selector (3.13.1) */
	0x07, 0x11, 0x00, 0x10,   /* TS_IPV4_ADDR_RANGE, UDP (17), length 16 */
	0x13, 0x88, 0x13, 0x89,   /* ports 5000..5001 */
	0xc6, 0x12, 0x02, 0x00,   /* 198.18.2.0 */
	0xc6, 0x12, 0x02, 0xff,   /* 198.18.2.255 */
	0x08, 0x00, 0x00, 0x28,   /* TS_IPV6_ADDR_RANGE, any protocol, length 40 */
	0x00, 0x00, 0xff, 0xff,   /* ports 0..65535 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,           /* 2001:db8:: */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,     /* 2001:db8::ffff */
};

/* An INFORMATIONAL response: Delete ESP, INVALID_SPI, Delete IKE. */
static const uint8_t info_msg[] = {
	0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,   /* SPIi */
	0x33, 0x33, 0x33, 0x33, 0x44, 0x44, 0x44, 0x44,   /* SPIr */
	0x2a,                     /* next: Delete (42) */
	0x20, 0x25, 0x20,         /* version 2.0, INFORMATIONAL (37), flags Response */
	0x00, 0x00, 0x00, 0x07,   /* message ID 7 */
	0x00, 0x00, 0x00, 0x40,   /* length 28 + 16 + 12 + 8 = 64 */
	/* Delete (3.11) */
	0x29, 0x00, 0x00, 0x10,   /* next Notify, length 16 */
	0x03, 0x04, 0x00, 0x02,   /* ESP, SPI size 4, 2 SPIs */
	0xb7, 0x61, 0x86, 0x3e,
	0x00, 0x00, 0x01, 0x02,
	/* Notify */
	0x2a, 0x00, 0x00, 0x0c,   /* next Delete, length 12 */
	0x03, 0x00, 0x00, 0x0b,   /* ESP, SPI size 0, INVALID_SPI (11) */
	0xb7, 0x61, 0x86, 0x3e,   /* data: the SPI */
	/* Delete */
	0x00, 0x00, 0x00, 0x08,   /* last, length 8 */
	0x01, 0x00, 0x00, 0x00,   /* IKE, SPI size 0, 0 SPIs */
};

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---------------------------------------------------------------------- */
/* Header                                                                  */
/* ---------------------------------------------------------------------- */

static void
test_hdr_parse(void **state)
{
	struct ike_hdr h;
	uint8_t m[sizeof(init_msg)];

	(void)state;
	assert_int_equal(ike_hdr_parse(init_msg, sizeof(init_msg), &h), IKE_OK);
	assert_true(h.spi_i == 0x0102030405060708ULL);
	assert_true(h.spi_r == 0);
	assert_int_equal(h.next, IKE_PL_SA);
	assert_int_equal(h.version, 0x20);
	assert_int_equal(h.exchange, IKE_SA_INIT);
	assert_int_equal(h.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(h.msg_id, 0);
	assert_int_equal(h.length, 148);

	/* the buffer shorter or longer than the length field says */
	assert_int_equal(ike_hdr_parse(init_msg, sizeof(init_msg) - 1, &h), IKE_E_SHORT);
	memcpy(m, init_msg, sizeof(m));
	m[27] = 0x95;
	assert_int_equal(ike_hdr_parse(m, sizeof(m), &h), IKE_E_SHORT);
	m[27] = 0x93;
	assert_int_equal(ike_hdr_parse(m, sizeof(m), &h), IKE_E_SHORT);
	m[27] = 0x94;
	for (size_t n = 0; n < IKE_HDR_LEN; n++)
		assert_int_equal(ike_hdr_parse(m, n, &h), IKE_E_SHORT);
	/* 2.5: major version other than 2 refused, minor ignored */
	m[17] = 0x10;
	assert_int_equal(ike_hdr_parse(m, sizeof(m), &h), IKE_E_VERSION);
	m[17] = 0x30;
	assert_int_equal(ike_hdr_parse(m, sizeof(m), &h), IKE_E_VERSION);
	m[17] = 0x2f;
	assert_int_equal(ike_hdr_parse(m, sizeof(m), &h), IKE_OK);
	assert_int_equal(h.version, 0x2f);
	/* the message ID is 32 bits, big-endian */
	m[20] = 0xde; m[21] = 0xad; m[22] = 0xbe; m[23] = 0xef;
	assert_int_equal(ike_hdr_parse(m, sizeof(m), &h), IKE_OK);
	assert_true(h.msg_id == 0xdeadbeefU);
}

static void
test_hdr_put(void **state)
{
	const struct ike_hdr h = { .spi_i = 0x1111111122222222ULL,
	    .spi_r = 0x3333333344444444ULL, .next = IKE_PL_DELETE,
	    .version = IKE_VERSION_2, .exchange = INFORMATIONAL,
	    .flags = IKE_FLAG_RESPONSE, .msg_id = 7, .length = 0x40 };
	uint8_t out[IKE_HDR_LEN];

	(void)state;
	ike_hdr_put(out, &h);
	assert_memory_equal(out, info_msg, IKE_HDR_LEN);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ike_notify_name(11), "INVALID_SPI");
	assert_string_equal(ike_notify_name(16384), "INITIAL_CONTACT");
	assert_string_equal(ike_notify_name(16389), "NAT_DETECTION_DESTINATION_IP");
	assert_string_equal(ike_notify_name(44), "CHILD_SA_NOT_FOUND");
	assert_string_equal(ike_notify_name(16430), "FRAGMENTATION_SUPPORTED");
	assert_string_equal(ike_notify_name(2), "UNKNOWN");
	assert_string_equal(ike_exchange_name(34), "IKE_SA_INIT");
	assert_string_equal(ike_exchange_name(37), "INFORMATIONAL");
	assert_string_equal(ike_exchange_name(33), "UNKNOWN");
	assert_string_equal(ike_payload_name(46), "SK");
	assert_string_equal(ike_payload_name(49), "UNKNOWN");
	assert_string_equal(ike_perr_str(IKE_E_CRITICAL), "unsupported critical payload");
	assert_string_equal(ike_perr_str(99), "unknown error");
}

/* ---------------------------------------------------------------------- */
/* Payload chain                                                           */
/* ---------------------------------------------------------------------- */

static int
chain_of(const uint8_t *msg, size_t len, struct ike_payloads *p)
{
	return ike_payloads_parse(msg[16], msg + IKE_HDR_LEN, len - IKE_HDR_LEN, p);
}

static void
test_chain_init(void **state)
{
	struct ike_payloads p;
	const struct ike_pl_ref *r;

	(void)state;
	assert_int_equal(chain_of(init_msg, sizeof(init_msg), &p), IKE_OK);
	assert_int_equal(p.n, 4);
	assert_int_equal(p.pl[0].type, IKE_PL_SA);
	assert_ptr_equal(p.pl[0].body, init_msg + INIT_SA_OFF + 4);
	assert_int_equal(p.pl[0].len, 68);
	assert_false(p.pl[0].critical);
	assert_int_equal(p.pl[1].type, IKE_PL_KE);
	assert_int_equal(p.pl[1].len, 12);
	assert_int_equal(p.pl[2].type, IKE_PL_NONCE);
	assert_ptr_equal(p.pl[2].body, init_msg + INIT_NONCE_OFF + 4);
	assert_int_equal(p.pl[2].len, 16);
	assert_int_equal(p.pl[3].type, IKE_PL_NOTIFY);
	assert_int_equal(p.pl[3].len, 8);
	r = ike_payload_find(&p, IKE_PL_NONCE, 0);
	assert_ptr_equal(r, &p.pl[2]);
	assert_null(ike_payload_find(&p, IKE_PL_NONCE, 1));
	assert_null(ike_payload_find(&p, IKE_PL_AUTH, 0));

	assert_int_equal(chain_of(info_msg, sizeof(info_msg), &p), IKE_OK);
	assert_int_equal(p.n, 3);
	assert_ptr_equal(ike_payload_find(&p, IKE_PL_DELETE, 1), &p.pl[2]);
	/* an empty chain */
	assert_int_equal(ike_payloads_parse(IKE_PL_NONE, init_msg, 0, &p), IKE_OK);
	assert_int_equal(p.n, 0);
	assert_int_equal(ike_payloads_parse(IKE_PL_NONE, init_msg, 1, &p), IKE_E_SHORT);
}

/* Every generic length field of init_msg one too small or too large. */
static void
test_chain_lengths(void **state)
{
	static const size_t offs[] = { INIT_SA_OFF, INIT_KE_OFF, INIT_NONCE_OFF, INIT_N_OFF };
	struct ike_payloads p;
	uint8_t m[sizeof(init_msg) + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (int d = -1; d <= 1; d += 2) {
			const size_t plen = (size_t)init_msg[offs[i] + 2] << 8 | init_msg[offs[i] + 3];

			memcpy(m, init_msg, sizeof(init_msg));
			put16(m + offs[i] + 2, plen + (size_t)d);
			assert_int_not_equal(chain_of(m, sizeof(init_msg), &p), IKE_OK);
			/* also with a spare byte after the message (unless the
			 * last payload grew into it: that chain is valid) */
			m[sizeof(init_msg)] = 0;
			if (offs[i] == INIT_N_OFF && d == 1)
				assert_int_equal(chain_of(m, sizeof(init_msg) + 1, &p), IKE_OK);
			else
				assert_int_not_equal(chain_of(m, sizeof(init_msg) + 1, &p), IKE_OK);
		}
	}
	/* length below the generic header, and zero (which would loop) */
	memcpy(m, init_msg, sizeof(init_msg));
	put16(m + INIT_KE_OFF + 2, 3);
	assert_int_equal(chain_of(m, sizeof(init_msg), &p), IKE_E_SHORT);
	put16(m + INIT_KE_OFF + 2, 0);
	assert_int_equal(chain_of(m, sizeof(init_msg), &p), IKE_E_SHORT);
	/* the last payload claims a successor that is not there */
	memcpy(m, init_msg, sizeof(init_msg));
	m[INIT_N_OFF] = IKE_PL_VENDOR;
	assert_int_equal(chain_of(m, sizeof(init_msg), &p), IKE_E_SHORT);
	/* bytes after the last payload */
	memcpy(m, init_msg, sizeof(init_msg));
	assert_int_equal(chain_of(m, sizeof(init_msg) + 1, &p), IKE_E_SHORT);
}

static void
test_chain_critical(void **state)
{
	/* Nonce, then an unknown payload type 60 (non-critical), then type
	 * 61 with the critical bit */
	uint8_t b[] = {
		60, 0x00, 0x00, 0x14,   0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		61, 0x00, 0x00, 0x06,   0xee, 0xee,   /* type 60, not critical */
		0,  0x80, 0x00, 0x05,   0xff,         /* type 61, critical */
	};
	struct ike_payloads p;

	(void)state;
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_E_CRITICAL);
	assert_int_equal(p.crit_type, 61);
	/* the critical bit cleared: both kept with their types (2.5) */
	b[27] = 0x00;
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_OK);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.pl[1].type, 60);
	assert_int_equal(p.pl[1].len, 2);
	assert_int_equal(p.pl[2].type, 61);
	assert_int_equal(p.crit_type, 0);
	/* the critical bit on a known type is fine */
	b[1] = 0x80;
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_OK);
	assert_true(p.pl[0].critical);
	/* types below 33 are not IKEv2 payloads: unknown too */
	b[20] = 5;
	b[27] = 0x80;
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_E_CRITICAL);
	assert_int_equal(p.crit_type, 5);
}

static void
test_chain_too_many(void **state)
{
	uint8_t b[(IKE_MAX_PAYLOADS + 1) * 4];
	struct ike_payloads p;

	(void)state;
	/* IKE_MAX_PAYLOADS empty Vendor ID payloads: fine */
	for (size_t i = 0; i < IKE_MAX_PAYLOADS; i++) {
		b[4 * i] = i + 1 < IKE_MAX_PAYLOADS ? IKE_PL_VENDOR : 0;
		b[4 * i + 1] = 0;
		put16(b + 4 * i + 2, 4);
	}
	assert_int_equal(ike_payloads_parse(IKE_PL_VENDOR, b, IKE_MAX_PAYLOADS * 4, &p), IKE_OK);
	assert_int_equal(p.n, IKE_MAX_PAYLOADS);
	/* one more */
	b[4 * (IKE_MAX_PAYLOADS - 1)] = IKE_PL_VENDOR;
	b[4 * IKE_MAX_PAYLOADS] = 0;
	b[4 * IKE_MAX_PAYLOADS + 1] = 0;
	put16(b + 4 * IKE_MAX_PAYLOADS + 2, 4);
	assert_int_equal(ike_payloads_parse(IKE_PL_VENDOR, b, sizeof(b), &p), IKE_E_TOO_MANY);
}

static void
test_chain_sk(void **state)
{
	/* Nonce, then SK whose inner first payload is IDi (3.14) */
	uint8_t b[] = {
		46, 0x00, 0x00, 0x14,   0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		35, 0x00, 0x00, 0x0c,   0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* IV, ciphertext, ICV */
		0xaa, 0xbb,             /* (a second payload's bytes when SK is short) */
	};
	struct ike_payloads p;

	(void)state;
	/* SK covering everything to the end */
	put16(b + 22, 14);
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_OK);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.pl[1].type, IKE_PL_SK);
	assert_int_equal(p.sk_next, IKE_PL_IDI);
	assert_int_equal(p.pl[1].len, 10);
	assert_ptr_equal(p.pl[1].body, b + 24);
	/* SK not last: something follows it */
	put16(b + 22, 12);
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_E_SYNTAX);
	/* SK longer than the message */
	put16(b + 22, 15);
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_E_SHORT);
	/* SKF (RFC 7383) the same */
	b[0] = IKE_PL_SKF;
	put16(b + 22, 12);
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_E_SYNTAX);
	put16(b + 22, 14);
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_OK);
	assert_int_equal(p.pl[1].type, IKE_PL_SKF);
}

/* Each payload names itself as the next: the walk still ends. */
static void
test_chain_self_loop(void **state)
{
	uint8_t b[64];
	struct ike_payloads p;

	(void)state;
	for (size_t i = 0; i < sizeof(b); i += 4) {
		b[i] = IKE_PL_NONCE;
		b[i + 1] = 0;
		put16(b + i + 2, 4);
	}
	assert_int_equal(ike_payloads_parse(IKE_PL_NONCE, b, sizeof(b), &p), IKE_E_SHORT);
	assert_int_equal(p.n, sizeof(b) / 4);
}

/* ---------------------------------------------------------------------- */
/* Typed bodies                                                            */
/* ---------------------------------------------------------------------- */

static void
test_sa_parse(void **state)
{
	struct ike_sa_pl sa;

	(void)state;
	assert_int_equal(ike_sa_parse(sa_body, sizeof(sa_body), &sa), IKE_OK);
	assert_int_equal(sa.n, 2);
	assert_int_equal(sa.p[0].num, 1);
	assert_int_equal(sa.p[0].proto, IKE_PROTO_IKE);
	assert_int_equal(sa.p[0].spi_size, 0);
	assert_int_equal(sa.p[0].nx, 3);
	assert_int_equal(sa.p[0].x[0].type, IKE_TT_ENCR);
	assert_int_equal(sa.p[0].x[0].id, 20);
	assert_int_equal(sa.p[0].x[0].keylen, 128);
	assert_int_equal(sa.p[0].x[1].type, IKE_TT_PRF);
	assert_int_equal(sa.p[0].x[1].id, 5);
	assert_int_equal(sa.p[0].x[1].keylen, 0);
	assert_int_equal(sa.p[0].x[2].type, IKE_TT_DH);
	assert_int_equal(sa.p[0].x[2].id, 19);
	assert_int_equal(sa.p[1].num, 2);
	assert_int_equal(sa.p[1].proto, IKE_PROTO_ESP);
	assert_int_equal(sa.p[1].spi_size, 4);
	assert_memory_equal(sa.p[1].spi, "\xc1\x00\x00\x01", 4);
	assert_int_equal(sa.p[1].nx, 2);
	assert_int_equal(sa.p[1].x[0].keylen, 256);
	assert_int_equal(sa.p[1].x[1].type, IKE_TT_ESN);
	assert_int_equal(sa.p[1].x[1].id, 0);
}

static int
sa_mut(size_t off, uint8_t v)
{
	uint8_t b[sizeof(sa_body)];
	struct ike_sa_pl sa;

	memcpy(b, sa_body, sizeof(b));
	b[off] = v;
	return ike_sa_parse(b, sizeof(b), &sa);
}

static void
test_sa_malformed(void **state)
{
	/* offsets in sa_body of each proposal and transform length field */
	static const size_t len_offs[] = { 2, 10, 22, 30, 38, 50, 62 };
	struct ike_sa_pl sa;
	uint8_t b[sizeof(sa_body)];

	(void)state;
	for (size_t i = 0; i < sizeof(len_offs) / sizeof(len_offs[0]); i++) {
		assert_int_not_equal(sa_mut(len_offs[i] + 1, (uint8_t)(sa_body[len_offs[i] + 1] + 1)), IKE_OK);
		assert_int_not_equal(sa_mut(len_offs[i] + 1, (uint8_t)(sa_body[len_offs[i] + 1] - 1)), IKE_OK);
	}
	/* proposal numbering (3.3.1): 1, 3 / 2, 3 / 0 */
	assert_int_equal(sa_mut(40, 3), IKE_E_SYNTAX);
	memcpy(b, sa_body, sizeof(b));
	b[4] = 2;
	b[40] = 3;
	assert_int_equal(ike_sa_parse(b, sizeof(b), &sa), IKE_E_SYNTAX);
	assert_int_equal(sa_mut(4, 0), IKE_E_SYNTAX);
	/* a lone proposal (a responder's choice) keeps its number */
	memcpy(b, sa_body + 36, 32);
	b[4] = 5;
	assert_int_equal(ike_sa_parse(b, 32, &sa), IKE_OK);
	assert_int_equal(sa.p[0].num, 5);
	b[4] = 0;
	assert_int_equal(ike_sa_parse(b, 32, &sa), IKE_E_SYNTAX);
	/* last/more: first says last with another after it; flag 1 */
	assert_int_equal(sa_mut(0, 0), IKE_E_SYNTAX);
	assert_int_equal(sa_mut(0, 1), IKE_E_SYNTAX);
	/* the last one says more */
	assert_int_equal(sa_mut(36, 2), IKE_E_SHORT);
	/* transform last/more flags */
	assert_int_equal(sa_mut(8, 0), IKE_E_SYNTAX);
	assert_int_equal(sa_mut(28, 3), IKE_E_SYNTAX);
	assert_int_equal(sa_mut(20, 2), IKE_E_SYNTAX);
	/* transform count one more / one less than present */
	assert_int_not_equal(sa_mut(7, 4), IKE_OK);
	assert_int_not_equal(sa_mut(7, 2), IKE_OK);
	assert_int_not_equal(sa_mut(7, 0), IKE_OK);
	/* SPI size 3 */
	assert_int_equal(sa_mut(42, 3), IKE_E_SYNTAX);
	/* SPI size 8 in a 32-byte proposal: transforms then do not fit */
	assert_int_not_equal(sa_mut(42, 8), IKE_OK);
	/* empty SA payload */
	assert_int_equal(ike_sa_parse(sa_body, 0, &sa), IKE_E_SYNTAX);
	/* non-zero RESERVED fields are ignored (3.3) */
	assert_int_equal(sa_mut(1, 0xff), IKE_OK);
	assert_int_equal(sa_mut(13, 0xff), IKE_OK);
}

static void
test_sa_attrs(void **state)
{
	/* one proposal, one transform: a TLV attribute (type 1, 3 bytes),
	 * KEY_LENGTH, then another TV attribute */
	uint8_t b[] = {
		0x00, 0x00, 0x00, 0x1f,   /* last, length 31 */
		0x01, 0x01, 0x00, 0x01,   /* #1 IKE, SPI size 0, 1 transform */
		0x00, 0x00, 0x00, 0x17,   /* last, length 23 */
		0x01, 0x00, 0x00, 0x14,   /* ENCR_AES_GCM_16 */
		0x00, 0x01, 0x00, 0x03, 0xaa, 0xbb, 0xcc,   /* AF=0 type 1, length 3 */
		0x80, 0x0e, 0x00, 0xc0,   /* KEY_LENGTH 192 */
		0x80, 0x07, 0x12, 0x34,   /* AF=1 type 7: skipped, not a key length */
	};
	struct ike_sa_pl sa;

	(void)state;
	assert_int_equal(ike_sa_parse(b, sizeof(b), &sa), IKE_OK);
	assert_int_equal(sa.p[0].nx, 1);
	assert_int_equal(sa.p[0].x[0].keylen, 192);
	/* the TLV length one too long: runs past the transform */
	b[19] = 0x0c;
	assert_int_equal(ike_sa_parse(b, sizeof(b), &sa), IKE_E_SHORT);
	/* half an attribute */
	b[19] = 0x03;
	b[3] = 0x1d;
	b[11] = 0x15;
	assert_int_equal(ike_sa_parse(b, sizeof(b) - 2, &sa), IKE_E_SHORT);
}

/* Proposal limits: IKE_MAX_PROPS proposals, IKE_MAX_XFORMS transforms. */
static void
test_sa_limits(void **state)
{
	uint8_t b[(IKE_MAX_PROPS + 1) * 16];
	uint8_t x[8 + (IKE_MAX_XFORMS + 1) * 8];
	struct ike_sa_pl sa;
	size_t n;

	(void)state;
	for (n = IKE_MAX_PROPS; n <= IKE_MAX_PROPS + 1; n++) {
		for (size_t i = 0; i < n; i++) {
			uint8_t *p = b + 16 * i;

			p[0] = i + 1 < n ? 2 : 0; p[1] = 0; put16(p + 2, 16);
			p[4] = (uint8_t)(i + 1); p[5] = 3; p[6] = 0; p[7] = 1;
			p[8] = 0; p[9] = 0; put16(p + 10, 8);
			p[12] = 1; p[13] = 0; put16(p + 14, 20);
		}
		assert_int_equal(ike_sa_parse(b, 16 * n, &sa),
		    n <= IKE_MAX_PROPS ? IKE_OK : IKE_E_SYNTAX);
	}
	assert_int_equal(sa.n, IKE_MAX_PROPS);
	for (n = IKE_MAX_XFORMS; n <= IKE_MAX_XFORMS + 1; n++) {
		x[0] = 0; x[1] = 0; put16(x + 2, 8 + 8 * n);
		x[4] = 1; x[5] = 1; x[6] = 0; x[7] = (uint8_t)n;
		for (size_t i = 0; i < n; i++) {
			uint8_t *t = x + 8 + 8 * i;

			t[0] = i + 1 < n ? 3 : 0; t[1] = 0; put16(t + 2, 8);
			t[4] = 4; t[5] = 0; put16(t + 6, 14 + i);
		}
		assert_int_equal(ike_sa_parse(x, 8 + 8 * n, &sa),
		    n <= IKE_MAX_XFORMS ? IKE_OK : IKE_E_SYNTAX);
	}
}

static void
test_ke_nonce(void **state)
{
	struct ike_ke_pl ke;

	(void)state;
	assert_int_equal(ike_ke_parse(init_msg + INIT_KE_OFF + 4, 12, &ke), IKE_OK);
	assert_int_equal(ke.group, 19);
	assert_int_equal(ke.len, 8);
	assert_ptr_equal(ke.data, init_msg + INIT_KE_OFF + 8);
	assert_int_equal(ike_ke_parse(init_msg + INIT_KE_OFF + 4, 4, &ke), IKE_E_SYNTAX);
	assert_int_equal(ike_ke_parse(init_msg + INIT_KE_OFF + 4, 3, &ke), IKE_E_SHORT);
	assert_int_equal(ike_nonce_check(15), IKE_E_SYNTAX);
	assert_int_equal(ike_nonce_check(16), IKE_OK);
	assert_int_equal(ike_nonce_check(256), IKE_OK);
	assert_int_equal(ike_nonce_check(257), IKE_E_SYNTAX);
	assert_int_equal(ike_nonce_check(0), IKE_E_SYNTAX);
}

static void
test_id_auth(void **state)
{
	/* ID (3.5): ID_IPV4_ADDR 198.18.0.1; ID_FQDN "gw" */
	const uint8_t v4[] = { 0x01, 0xff, 0xff, 0xff, 0xc6, 0x12, 0x00, 0x01 };
	const uint8_t fqdn[] = { 0x02, 0x00, 0x00, 0x00, 'g', 'w' };
	/* AUTH (3.8): shared key MIC, 4 bytes */
	const uint8_t auth[] = { 0x02, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef };
	struct ike_id_pl id;
	struct ike_auth_pl a;

	(void)state;
	assert_int_equal(ike_id_parse(v4, sizeof(v4), &id), IKE_OK);
	assert_int_equal(id.type, 1);
	assert_int_equal(id.len, 4);
	assert_ptr_equal(id.data, v4 + 4);
	assert_ptr_equal(id.body, v4);
	assert_int_equal(id.body_len, 8);
	assert_int_equal(ike_id_parse(v4, 7, &id), IKE_E_SYNTAX);   /* 3-byte IPv4 */
	assert_int_equal(ike_id_parse(fqdn, sizeof(fqdn), &id), IKE_OK);
	assert_int_equal(id.type, 2);
	assert_int_equal(id.len, 2);
	assert_int_equal(ike_id_parse(fqdn, 4, &id), IKE_E_SYNTAX);
	assert_int_equal(ike_id_parse(fqdn, 3, &id), IKE_E_SHORT);
	assert_int_equal(ike_auth_parse(auth, sizeof(auth), &a), IKE_OK);
	assert_int_equal(a.method, IKE_AUTH_SHARED_KEY_MIC);
	assert_int_equal(a.len, 4);
	assert_ptr_equal(a.data, auth + 4);
	assert_int_equal(ike_auth_parse(auth, 4, &a), IKE_E_SYNTAX);
	assert_int_equal(ike_auth_parse(auth, 3, &a), IKE_E_SHORT);
}

static void
test_notify(void **state)
{
	/* Notify (3.10): REKEY_SA for ESP SPI 0x12345678, no data */
	const uint8_t rekey[] = { 0x03, 0x04, 0x40, 0x09, 0x12, 0x34, 0x56, 0x78 };
	/* COOKIE, IKE SA, 8 bytes of data */
	const uint8_t cookie[] = { 0x00, 0x00, 0x40, 0x06, 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t odd[] = { 0x03, 0x03, 0x40, 0x09, 1, 2, 3 };
	/* ESP SPI 0x01020304 and two bytes of data (type 40000, private use) */
	const uint8_t both[] = { 0x03, 0x04, 0x9c, 0x40, 1, 2, 3, 4, 0xaa, 0xbb };
	struct ike_notify_pl n;

	(void)state;
	assert_int_equal(ike_notify_parse(rekey, sizeof(rekey), &n), IKE_OK);
	assert_int_equal(n.proto, IKE_PROTO_ESP);
	assert_int_equal(n.spi_size, 4);
	assert_int_equal(n.type, IKE_N_REKEY_SA);
	assert_ptr_equal(n.spi, rekey + 4);
	assert_int_equal(n.data_len, 0);
	assert_int_equal(ike_notify_parse(rekey, 7, &n), IKE_E_SHORT);
	assert_int_equal(ike_notify_parse(rekey, 3, &n), IKE_E_SHORT);
	assert_int_equal(ike_notify_parse(cookie, sizeof(cookie), &n), IKE_OK);
	assert_int_equal(n.type, IKE_N_COOKIE);
	assert_null(n.spi);
	assert_ptr_equal(n.data, cookie + 4);
	assert_int_equal(n.data_len, 8);
	assert_int_equal(ike_notify_parse(odd, sizeof(odd), &n), IKE_E_SYNTAX);
	/* an SPI and data: the data starts after the SPI */
	assert_int_equal(ike_notify_parse(both, sizeof(both), &n), IKE_OK);
	assert_ptr_equal(n.spi, both + 4);
	assert_ptr_equal(n.data, both + 8);
	assert_int_equal(n.data_len, 2);
}

static int
inv_spi(const uint8_t *b, size_t len, uint32_t *spi)
{
	struct ike_notify_pl n;
	int rc = ike_notify_parse(b, len, &n);

	if (rc != IKE_OK)
		return rc;
	return ike_notify_invalid_spi(&n, spi);
}

static void
test_invalid_spi_forms(void **state)
{
	/* RFC 7296 3.10.1: SPI size 0, the SPI in the notification data */
	const uint8_t size0[] = { 0x03, 0x00, 0x00, 0x0b, 0xb7, 0x61, 0x86, 0x3e };
	/* the form the reference accepted only: SPI size 4, no data */
	const uint8_t size4[] = { 0x03, 0x04, 0x00, 0x0b, 0xb7, 0x61, 0x86, 0x3f };
	/* SPI size 4 and data too: ambiguous */
	const uint8_t both[] = { 0x03, 0x04, 0x00, 0x0b, 1, 2, 3, 4, 5, 6, 7, 8 };
	/* SPI size 8 (an IKE SPI) */
	const uint8_t size8[] = { 0x03, 0x08, 0x00, 0x0b, 1, 2, 3, 4, 5, 6, 7, 8 };
	/* data of 3 and 5 bytes */
	const uint8_t d5[] = { 0x03, 0x00, 0x00, 0x0b, 1, 2, 3, 4, 5 };
	/* another notify type with 4 data bytes */
	const uint8_t other[] = { 0x03, 0x00, 0x40, 0x00, 0xb7, 0x61, 0x86, 0x3e };
	uint32_t spi = 0;

	(void)state;
	assert_int_equal(inv_spi(size0, sizeof(size0), &spi), IKE_OK);
	assert_true(spi == 0xb761863eU);
	assert_int_equal(inv_spi(size4, sizeof(size4), &spi), IKE_OK);
	assert_true(spi == 0xb761863fU);
	assert_int_equal(inv_spi(both, sizeof(both), &spi), IKE_E_SYNTAX);
	assert_int_equal(inv_spi(size8, sizeof(size8), &spi), IKE_E_SYNTAX);
	assert_int_equal(inv_spi(d5, sizeof(d5), &spi), IKE_E_SYNTAX);
	assert_int_equal(inv_spi(d5, 7, &spi), IKE_E_SYNTAX);
	assert_int_equal(inv_spi(d5, 4, &spi), IKE_E_SYNTAX);
	assert_int_equal(inv_spi(other, sizeof(other), &spi), IKE_E_SYNTAX);
}

static void
test_delete(void **state)
{
	const uint8_t *esp = info_msg + IKE_HDR_LEN + 4;
	const uint8_t *ike = info_msg + IKE_HDR_LEN + 16 + 12 + 4;
	struct ike_delete_pl d;
	uint8_t b[12];

	(void)state;
	assert_int_equal(ike_delete_parse(esp, 12, &d), IKE_OK);
	assert_int_equal(d.proto, IKE_PROTO_ESP);
	assert_int_equal(d.spi_size, 4);
	assert_int_equal(d.count, 2);
	assert_ptr_equal(d.spis, esp + 4);
	assert_int_equal(ike_delete_parse(esp, 11, &d), IKE_E_SHORT);
	assert_int_equal(ike_delete_parse(esp, 8, &d), IKE_E_SHORT);
	assert_int_equal(ike_delete_parse(esp, 3, &d), IKE_E_SHORT);
	memcpy(b, esp, sizeof(b));
	b[3] = 3;    /* count one too many */
	assert_int_equal(ike_delete_parse(b, sizeof(b), &d), IKE_E_SHORT);
	b[3] = 1;    /* one too few */
	assert_int_equal(ike_delete_parse(b, sizeof(b), &d), IKE_E_SHORT);
	b[3] = 2;
	b[1] = 8;    /* ESP SPIs are 4 bytes */
	assert_int_equal(ike_delete_parse(b, sizeof(b), &d), IKE_E_SYNTAX);
	b[1] = 4;
	b[0] = IKE_PROTO_AH;
	assert_int_equal(ike_delete_parse(b, sizeof(b), &d), IKE_OK);
	b[0] = 4;    /* no such protocol */
	assert_int_equal(ike_delete_parse(b, sizeof(b), &d), IKE_E_SYNTAX);
	assert_int_equal(ike_delete_parse(ike, 4, &d), IKE_OK);
	assert_int_equal(d.proto, IKE_PROTO_IKE);
	assert_int_equal(d.count, 0);
	memcpy(b, ike, 4);
	b[1] = 8;    /* IKE: SPI size 0 */
	assert_int_equal(ike_delete_parse(b, 4, &d), IKE_E_SYNTAX);
	b[1] = 0;
	b[3] = 1;    /* IKE: no SPIs */
	assert_int_equal(ike_delete_parse(b, 4, &d), IKE_E_SYNTAX);
	b[3] = 0;
	memset(b + 4, 0, 4);
	assert_int_equal(ike_delete_parse(b, 8, &d), IKE_E_SHORT);
}

static void
test_ts(void **state)
{
	static const uint8_t v6_end[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xff, 0xff };
	struct ike_ts_pl ts;
	uint8_t b[sizeof(ts_body) + 1];

	(void)state;
	assert_int_equal(ike_ts_parse(ts_body, sizeof(ts_body), &ts), IKE_OK);
	assert_int_equal(ts.n, 2);
	assert_int_equal(ts.ts[0].type, IKE_TS_IPV4_ADDR_RANGE);
	assert_int_equal(ts.ts[0].proto, 17);
	assert_int_equal(ts.ts[0].port_lo, 5000);
	assert_int_equal(ts.ts[0].port_hi, 5001);
	assert_memory_equal(ts.ts[0].start, "\xc6\x12\x02\x00", 4);
	assert_memory_equal(ts.ts[0].end, "\xc6\x12\x02\xff", 4);
	assert_int_equal(ts.ts[1].type, IKE_TS_IPV6_ADDR_RANGE);
	assert_int_equal(ts.ts[1].port_lo, 0);
	assert_int_equal(ts.ts[1].port_hi, 65535);
	assert_memory_equal(ts.ts[1].end, v6_end, 16);

	/* selector lengths off by one either way */
	for (int d = -1; d <= 1; d += 2) {
		memcpy(b, ts_body, sizeof(ts_body));
		b[7] = (uint8_t)(16 + d);
		assert_int_not_equal(ike_ts_parse(b, sizeof(ts_body), &ts), IKE_OK);
		memcpy(b, ts_body, sizeof(ts_body));
		b[23] = (uint8_t)(40 + d);
		assert_int_not_equal(ike_ts_parse(b, sizeof(ts_body), &ts), IKE_OK);
	}
	/* an IPv4 selector claiming the IPv6 length */
	memcpy(b, ts_body, sizeof(ts_body));
	b[7] = 40;
	assert_int_equal(ike_ts_parse(b, sizeof(ts_body), &ts), IKE_E_SYNTAX);
	/* one selector whose length covers 4 more bytes, all present: the
	 * payload is consistent, the selector is not (16 exactly, 3.13.1) */
	memcpy(b, ts_body, 24);
	b[0] = 1;
	b[7] = 20;
	assert_int_equal(ike_ts_parse(b, 24, &ts), IKE_E_SYNTAX);
	/* and an IPv6 selector of 36 */
	memcpy(b, ts_body + 16, 44);
	b[0] = 1; b[1] = 0; b[2] = 0; b[3] = 0;
	b[7] = 36;
	assert_int_equal(ike_ts_parse(b, 40, &ts), IKE_E_SYNTAX);
	/* count one too many, one too few */
	memcpy(b, ts_body, sizeof(ts_body));
	b[0] = 3;
	assert_int_equal(ike_ts_parse(b, sizeof(ts_body), &ts), IKE_E_SHORT);
	b[0] = 1;
	assert_int_equal(ike_ts_parse(b, sizeof(ts_body), &ts), IKE_E_SHORT);
	b[0] = 0;
	assert_int_equal(ike_ts_parse(b, sizeof(ts_body), &ts), IKE_E_SYNTAX);
	/* a byte after the last selector */
	memcpy(b, ts_body, sizeof(ts_body));
	b[sizeof(ts_body)] = 0;
	assert_int_equal(ike_ts_parse(b, sizeof(b), &ts), IKE_E_SHORT);
	/* unknown TS type (9, Fibre Channel, RFC 4595) */
	b[4] = 9;
	assert_int_equal(ike_ts_parse(b, sizeof(ts_body), &ts), IKE_E_SYNTAX);
	assert_int_equal(ike_ts_parse(ts_body, 3, &ts), IKE_E_SHORT);
	/* more than IKE_MAX_TS */
	memcpy(b, ts_body, sizeof(ts_body));
	b[0] = IKE_MAX_TS + 1;
	assert_int_equal(ike_ts_parse(b, sizeof(ts_body), &ts), IKE_E_SYNTAX);
}

/* Every typed parser on every prefix of its body: an error, no crash, and
 * never a read past the prefix (each copied to a buffer of that size). */
static void
test_truncations(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(sa_body); n++) {
		uint8_t *b = malloc(n ? n : 1);
		struct ike_sa_pl sa;

		assert_non_null(b);
		memcpy(b, sa_body, n);
		assert_int_not_equal(ike_sa_parse(b, n, &sa), IKE_OK);
		free(b);
	}
	for (size_t n = 0; n < sizeof(ts_body); n++) {
		uint8_t *b = malloc(n ? n : 1);
		struct ike_ts_pl ts;

		assert_non_null(b);
		memcpy(b, ts_body, n);
		assert_int_not_equal(ike_ts_parse(b, n, &ts), IKE_OK);
		free(b);
	}
	/* whole messages cut at every byte: the header refuses the prefix;
	 * with the header's length patched to the prefix, the chain does */
	for (size_t m = 0; m < 2; m++) {
		const uint8_t *msg = m == 0 ? init_msg : info_msg;
		const size_t len = m == 0 ? sizeof(init_msg) : sizeof(info_msg);

		for (size_t n = 0; n < len; n++) {
			uint8_t *b = malloc(n ? n : 1);
			struct ike_hdr h;
			struct ike_payloads p;

			assert_non_null(b);
			memcpy(b, msg, n);
			assert_int_not_equal(ike_hdr_parse(b, n, &h), IKE_OK);
			if (n >= IKE_HDR_LEN) {
				b[24] = 0; b[25] = 0; put16(b + 26, n);
				assert_int_equal(ike_hdr_parse(b, n, &h), IKE_OK);
				assert_int_not_equal(ike_payloads_parse(h.next, b + IKE_HDR_LEN,
				    n - IKE_HDR_LEN, &p), IKE_OK);
			}
			free(b);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Builders                                                                */
/* ---------------------------------------------------------------------- */

static void
test_build_init(void **state)
{
	const struct ike_hdr h = { .spi_i = 0x0102030405060708ULL,
	    .next = 0x77 /* ignored: patched */, .version = IKE_VERSION_2,
	    .exchange = IKE_SA_INIT, .flags = IKE_FLAG_INITIATOR,
	    .length = 0x12345678 /* ignored */ };
	struct ike_sa_pl sa = { .n = 2 };
	const uint8_t ke[8] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7 };
	const uint8_t nonce[16] = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	    0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf };
	const uint8_t natd[4] = { 0xd0, 0xd1, 0xd2, 0xd3 };
	uint8_t buf[256];
	struct ike_w w;

	(void)state;
	sa.p[0] = (struct ike_prop){ .num = 1, .proto = IKE_PROTO_IKE, .nx = 3,
	    .x = { { IKE_TT_ENCR, 20, 128 }, { IKE_TT_PRF, 5, 0 }, { IKE_TT_DH, 19, 0 } } };
	sa.p[1] = (struct ike_prop){ .num = 2, .proto = IKE_PROTO_ESP, .spi_size = 4,
	    .spi = { 0xc1, 0x00, 0x00, 0x01 }, .nx = 2,
	    .x = { { IKE_TT_ENCR, 20, 256 }, { IKE_TT_ESN, 0, 0 } } };
	memset(buf, 0xee, sizeof(buf));
	ike_w_init(&w, buf, sizeof(buf));
	ike_w_hdr(&w, &h);
	ike_w_sa(&w, &sa);
	ike_w_ke(&w, 19, ke, sizeof(ke));
	ike_w_nonce(&w, nonce, sizeof(nonce));
	ike_w_notify(&w, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, natd, sizeof(natd));
	ike_w_finish(&w);
	assert_false(w.err);
	assert_int_equal(w.len, sizeof(init_msg));
	assert_memory_equal(buf, init_msg, sizeof(init_msg));
	assert_int_equal(w.first, IKE_PL_SA);
	assert_int_equal(buf[sizeof(init_msg)], 0xee);
}

static void
test_build_info(void **state)
{
	const struct ike_hdr h = { .spi_i = 0x1111111122222222ULL,
	    .spi_r = 0x3333333344444444ULL, .version = IKE_VERSION_2,
	    .exchange = INFORMATIONAL, .flags = IKE_FLAG_RESPONSE, .msg_id = 7 };
	const uint32_t spis[2] = { 0xb761863eU, 0x102 };
	const uint8_t stale[4] = { 0xb7, 0x61, 0x86, 0x3e };
	uint8_t buf[128];
	struct ike_w w;

	(void)state;
	ike_w_init(&w, buf, sizeof(buf));
	ike_w_hdr(&w, &h);
	ike_w_delete(&w, IKE_PROTO_ESP, spis, 2);
	ike_w_notify(&w, IKE_PROTO_ESP, NULL, 0, IKE_N_INVALID_SPI, stale, sizeof(stale));
	ike_w_delete(&w, IKE_PROTO_IKE, NULL, 0);
	ike_w_finish(&w);
	assert_false(w.err);
	assert_int_equal(w.len, sizeof(info_msg));
	assert_memory_equal(buf, info_msg, sizeof(info_msg));
}

static void
test_build_id_auth_ts(void **state)
{
	/* no IKE header: the inner payloads of an SK payload */
	const uint8_t want[] = {
		/* IDi (3.5): next IDr, length 12, ID_IPV4_ADDR, 198.18.0.1 */
		0x24, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x01,
		/* IDr: next AUTH, length 10, ID_FQDN "gw" */
		0x27, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 'g', 'w',
		/* AUTH (3.8): next Notify, length 12, shared key MIC */
		0x29, 0x00, 0x00, 0x0c, 0x02, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,
		/* Notify: next TSi, length 12, REKEY_SA, ESP SPI */
		0x2c, 0x00, 0x00, 0x0c, 0x03, 0x04, 0x40, 0x09, 0x12, 0x34, 0x56, 0x78,
		/* TSi (3.13): next Vendor ID, length 4 + sizeof(ts_body) */
		0x2b, 0x00, 0x00, 0x40,
		0x02, 0x00, 0x00, 0x00,
		0x07, 0x11, 0x00, 0x10, 0x13, 0x88, 0x13, 0x89, 0xc6, 0x12, 0x02, 0x00, 0xc6, 0x12, 0x02, 0xff,
		0x08, 0x00, 0x00, 0x28, 0x00, 0x00, 0xff, 0xff,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
		/* Vendor ID (3.12): last, length 7 */
		0x00, 0x00, 0x00, 0x07, 's', 'p', 'i',
	};
	const uint8_t ip[4] = { 198, 18, 0, 1 };
	const uint8_t mic[4] = { 0xde, 0xad, 0xbe, 0xef };
	const uint8_t spi[4] = { 0x12, 0x34, 0x56, 0x78 };
	struct ike_ts ts[2] = {
		{ .type = 7, .proto = 17, .port_lo = 5000, .port_hi = 5001,
		  .start = { 198, 18, 2, 0 }, .end = { 198, 18, 2, 255 } },
		{ .type = 8, .proto = 0, .port_lo = 0, .port_hi = 65535,
		  .start = { 0x20, 0x01, 0x0d, 0xb8 }, .end = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xff, 0xff } },
	};
	uint8_t buf[sizeof(want)];
	struct ike_w w;

	(void)state;
	ike_w_init(&w, buf, sizeof(buf));   /* exactly the size needed */
	ike_w_id(&w, IKE_PL_IDI, 1, ip, sizeof(ip));
	ike_w_id(&w, IKE_PL_IDR, 2, (const uint8_t *)"gw", 2);
	ike_w_auth(&w, IKE_AUTH_SHARED_KEY_MIC, mic, sizeof(mic));
	ike_w_notify(&w, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0);
	ike_w_ts(&w, IKE_PL_TSI, ts, 2);
	ike_w_vendor(&w, (const uint8_t *)"spi", 3);
	ike_w_finish(&w);   /* no header: nothing to patch */
	assert_false(w.err);
	assert_int_equal(w.first, IKE_PL_IDI);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

/* The SK payload as the lead builds it: begin, raw bytes, set_next. */
static void
test_build_sk(void **state)
{
	const struct ike_hdr h = { .spi_i = 1, .spi_r = 2, .version = IKE_VERSION_2,
	    .exchange = IKE_AUTH, .flags = IKE_FLAG_INITIATOR, .msg_id = 1 };
	const uint8_t want[] = {
		0, 0, 0, 0, 0, 0, 0, 1,  0, 0, 0, 0, 0, 0, 0, 2,
		0x2e, 0x20, 0x23, 0x08,  0, 0, 0, 1,  0, 0, 0, 0x24,   /* next SK, length 36 */
		0x23, 0x00, 0x00, 0x08,  0xc0, 0xff, 0xee, 0x00,      /* SK: inner first IDi */
	};
	const uint8_t ct[4] = { 0xc0, 0xff, 0xee, 0x00 };
	uint8_t buf[64];
	struct ike_w w;
	size_t off;

	(void)state;
	ike_w_init(&w, buf, sizeof(buf));
	ike_w_hdr(&w, &h);
	off = ike_w_begin(&w, IKE_PL_SK, false);
	assert_int_equal(off, IKE_HDR_LEN);
	ike_w_bytes(&w, ct, sizeof(ct));
	ike_w_end(&w, off);
	ike_w_set_next(&w, off, IKE_PL_IDI);
	ike_w_finish(&w);
	assert_false(w.err);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* begin with the critical bit; u8/u16/u32 big-endian */
	ike_w_init(&w, buf, sizeof(buf));
	off = ike_w_begin(&w, 60, true);
	ike_w_u8(&w, 0x01);
	ike_w_u16(&w, 0x0203);
	ike_w_u32(&w, 0x04050607);
	ike_w_end(&w, off);
	assert_false(w.err);
	assert_memory_equal(buf, "\x00\x80\x00\x0b\x01\x02\x03\x04\x05\x06\x07", 11);
	/* the header only at offset 0 */
	ike_w_hdr(&w, &h);
	assert_true(w.err);
}

/* Too small a buffer: w->err, never a byte past cap. */
static void
test_build_overflow(void **state)
{
	(void)state;
	for (size_t cap = 0; cap < sizeof(info_msg); cap++) {
		const struct ike_hdr h = { .spi_i = 0x1111111122222222ULL,
		    .spi_r = 0x3333333344444444ULL, .version = IKE_VERSION_2,
		    .exchange = INFORMATIONAL, .flags = IKE_FLAG_RESPONSE, .msg_id = 7 };
		const uint32_t spis[2] = { 0xb761863eU, 0x102 };
		uint8_t *buf = malloc(cap ? cap : 1);   /* ASan: exact size */
		struct ike_w w;

		assert_non_null(buf);
		ike_w_init(&w, buf, cap);
		ike_w_hdr(&w, &h);
		ike_w_delete(&w, IKE_PROTO_ESP, spis, 2);
		ike_w_notify(&w, IKE_PROTO_ESP, NULL, 0, IKE_N_INVALID_SPI,
		    (const uint8_t *)"\xb7\x61\x86\x3e", 4);
		ike_w_delete(&w, IKE_PROTO_IKE, NULL, 0);
		ike_w_finish(&w);
		assert_true(w.err);
		assert_true(w.len <= cap);
		free(buf);
	}
}

/* Arguments no valid message carries: refused. */
static void
test_build_bad_args(void **state)
{
	uint8_t buf[512], d[300] = { 0 };
	struct ike_sa_pl sa = { .n = 1 };
	struct ike_ts ts = { .type = 9 };
	const uint32_t spi = 1;
	struct ike_w w;

	(void)state;
#define EXPECT_ERR(call) do { ike_w_init(&w, buf, sizeof(buf)); call; assert_true(w.err); } while (0)
	EXPECT_ERR(ike_w_nonce(&w, d, 15));
	EXPECT_ERR(ike_w_nonce(&w, d, 257));
	EXPECT_ERR(ike_w_id(&w, IKE_PL_AUTH, 1, d, 4));
	EXPECT_ERR(ike_w_id(&w, IKE_PL_IDI, 2, d, 0));
	EXPECT_ERR(ike_w_ts(&w, IKE_PL_TSI, &ts, 1));
	EXPECT_ERR(ike_w_ts(&w, IKE_PL_SA, &ts, 0));
	EXPECT_ERR(ike_w_delete(&w, IKE_PROTO_IKE, &spi, 1));
	EXPECT_ERR(ike_w_delete(&w, 7, &spi, 1));
	EXPECT_ERR(ike_w_notify(&w, 3, d, 3, IKE_N_REKEY_SA, NULL, 0));
	EXPECT_ERR(ike_w_ke(&w, 19, d, 0));
	EXPECT_ERR(ike_w_sa(&w, &sa));   /* a proposal without transforms */
	sa.n = 0;
	EXPECT_ERR(ike_w_sa(&w, &sa));
	sa.n = 1;
	sa.p[0] = (struct ike_prop){ .num = 1, .proto = 3, .spi_size = 3, .nx = 1 };
	EXPECT_ERR(ike_w_sa(&w, &sa));
	EXPECT_ERR(ike_w_end(&w, 0));    /* no payload begun there */
#undef EXPECT_ERR
}

/* ---------------------------------------------------------------------- */
/* Random mutations                                                        */
/* ---------------------------------------------------------------------- */

static bool
within(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return n == 0 || (p >= buf && (size_t)(p - buf) <= len && n <= len - (size_t)(p - buf));
}

/* Parse everything in b[0..len); every reference must lie inside it.
 * True if the payload chain was accepted. */
static bool
parse_all(const uint8_t *b, size_t len)
{
	static struct ike_payloads p;
	struct ike_hdr h;

	if (ike_hdr_parse(b, len, &h) != IKE_OK)
		return false;
	if (ike_payloads_parse(h.next, b + IKE_HDR_LEN, len - IKE_HDR_LEN, &p) != IKE_OK)
		return false;
	assert_true(p.n <= IKE_MAX_PAYLOADS);
	for (size_t i = 0; i < p.n; i++) {
		const struct ike_pl_ref *r = &p.pl[i];
		struct ike_sa_pl sa;
		struct ike_ke_pl ke;
		struct ike_id_pl id;
		struct ike_auth_pl au;
		struct ike_notify_pl n;
		struct ike_delete_pl d;
		struct ike_ts_pl ts;
		uint32_t spi;

		assert_true(within(r->body, r->len, b, len));
		if (ike_sa_parse(r->body, r->len, &sa) == IKE_OK) {
			assert_true(sa.n >= 1 && sa.n <= IKE_MAX_PROPS);
			for (size_t j = 0; j < sa.n; j++)
				assert_true(sa.p[j].nx >= 1 && sa.p[j].nx <= IKE_MAX_XFORMS);
		}
		if (ike_ke_parse(r->body, r->len, &ke) == IKE_OK)
			assert_true(within(ke.data, ke.len, b, len));
		if (ike_id_parse(r->body, r->len, &id) == IKE_OK)
			assert_true(within(id.data, id.len, b, len));
		if (ike_auth_parse(r->body, r->len, &au) == IKE_OK)
			assert_true(within(au.data, au.len, b, len));
		if (ike_notify_parse(r->body, r->len, &n) == IKE_OK) {
			assert_true(within(n.data, n.data_len, b, len));
			assert_true(n.spi_size == 0 || within(n.spi, n.spi_size, b, len));
			(void)ike_notify_invalid_spi(&n, &spi);
		}
		if (ike_delete_parse(r->body, r->len, &d) == IKE_OK)
			assert_true(within(d.spis, (size_t)d.count * d.spi_size, b, len));
		if (ike_ts_parse(r->body, r->len, &ts) == IKE_OK)
			assert_true(ts.n >= 1 && ts.n <= IKE_MAX_TS);
	}
	return true;
}

static void
test_random_mutations(void **state)
{
	const struct { const uint8_t *m; size_t len; } seeds[] = {
		{ init_msg, sizeof(init_msg) }, { info_msg, sizeof(info_msg) },
	};
	struct prng rng;
	uint8_t work[sizeof(init_msg) + 64];
	size_t accepted = 0;

	(void)state;
	prng_seed(&rng, test_seed);
	for (unsigned iter = 0; iter < 100000; iter++) {
		const unsigned s = prng_below(&rng, 2);
		size_t len = seeds[s].len;
		const unsigned nmut = 1 + prng_below(&rng, 6);
		uint8_t *b;

		memcpy(work, seeds[s].m, len);
		for (unsigned k = 0; k < nmut; k++) {
			const uint32_t pos = prng_below(&rng, (uint32_t)len);

			switch (prng_below(&rng, 5)) {
			case 0: work[pos] ^= (uint8_t)(1u << prng_below(&rng, 8)); break;
			case 1: work[pos] = (uint8_t)prng_next(&rng); break;
			case 2: work[pos] = (uint8_t)(work[pos] + (prng_below(&rng, 2) ? 1 : 255)); break;
			case 3: len = pos + 1; break;   /* truncate */
			default:                          /* grow with random bytes */
				if (len + 8 <= sizeof(work)) {
					prng_fill(&rng, work + len, 8);
					len += 8;
				}
				break;
			}
		}
		/* usually keep the header's length consistent so the payloads
		 * are reached */
		if (len >= IKE_HDR_LEN && prng_below(&rng, 4) != 0) {
			work[24] = 0; work[25] = 0; put16(work + 26, len);
		}
		b = malloc(len ? len : 1);
		assert_non_null(b);
		memcpy(b, work, len);
		if (parse_all(b, len))
			accepted++;
		free(b);
	}
	/* the loop must reach the typed parsers, not only the header */
	printf("random mutations: %zu of 100000 passed the payload chain\n", accepted);
	assert_true(accepted > 1000);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_parse),
		cmocka_unit_test(test_hdr_put),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_chain_init),
		cmocka_unit_test(test_chain_lengths),
		cmocka_unit_test(test_chain_critical),
		cmocka_unit_test(test_chain_too_many),
		cmocka_unit_test(test_chain_sk),
		cmocka_unit_test(test_chain_self_loop),
		cmocka_unit_test(test_sa_parse),
		cmocka_unit_test(test_sa_malformed),
		cmocka_unit_test(test_sa_attrs),
		cmocka_unit_test(test_sa_limits),
		cmocka_unit_test(test_ke_nonce),
		cmocka_unit_test(test_id_auth),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_invalid_spi_forms),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_ts),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_build_init),
		cmocka_unit_test(test_build_info),
		cmocka_unit_test(test_build_id_auth_ts),
		cmocka_unit_test(test_build_sk),
		cmocka_unit_test(test_build_overflow),
		cmocka_unit_test(test_build_bad_args),
		cmocka_unit_test(test_random_mutations),
	};

	if (test_seed_from_args(argc, argv, &test_seed) != 0)
		return 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
