/*
 * spisync -- unit tests of spisyncctl's command line (hostd/spisyncctl/
 * cli.c, sa_args.c): options, commands, and `sa add` / `sa del` into the
 * struct spisync_sa the driver gets, or the exact error.
 *
 * Oracles: the expected structs are filled in by hand here (key bytes
 * typed as byte arrays, addresses as bytes), the expected errors written
 * out in full.
 *
 *   test_ctl_args
 */

#define _GNU_SOURCE   /* mkdtemp, asprintf */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "sa_args.h"

/* AES-128 key 00 01 .. 0f, salt de ad be ef */
#define KEY128 "000102030405060708090a0b0c0d0e0fdeadbeef"
/* AES-256 key 10 11 .. 2f, salt ca fe ba be */
#define KEY256 "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2fcafebabe"

static const uint8_t key128[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const uint8_t salt128[4] = { 0xde, 0xad, 0xbe, 0xef };
static const uint8_t key256[32] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
};
static const uint8_t salt256[4] = { 0xca, 0xfe, 0xba, 0xbe };

static char tmp_root[256];

/* argv from a NULL-terminated list; the strings are copies (sa add may be
 * overwritten by main, and argv must be writable as main's is) */
struct args {
	int argc;
	char *argv[64];
};

static void
args_set(struct args *a, ...)
{
	va_list ap;
	const char *s;

	a->argc = 0;
	va_start(ap, a);
	while ((s = va_arg(ap, const char *)) != NULL) {
		assert_true(a->argc < 63);
		a->argv[a->argc] = strdup(s);
		assert_non_null(a->argv[a->argc]);
		a->argc++;
	}
	va_end(ap);
	a->argv[a->argc] = NULL;
}

static void
args_free(struct args *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
}

/* `sa add` words (after "sa add") -> 0 and *sa. */
static int
add_ok(struct spisync_sa *sa, int *key_arg, ...)
{
	char err[CTL_ERR_LEN] = "";
	struct args a;
	va_list ap;
	const char *s;
	int rc;

	a.argc = 0;
	va_start(ap, key_arg);
	while ((s = va_arg(ap, const char *)) != NULL) {
		a.argv[a.argc] = strdup(s);
		assert_non_null(a.argv[a.argc]);
		a.argc++;
	}
	va_end(ap);
	rc = sa_args_add(a.argc, a.argv, sa, key_arg, err, sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	args_free(&a);
	return rc;
}

/* `sa add` words -> the exact error, and the struct cleansed. */
static void
add_fails(const char *want, ...)
{
	char err[CTL_ERR_LEN] = "";
	struct spisync_sa sa;
	struct args a;
	va_list ap;
	const char *s;
	int key_arg = 99;

	a.argc = 0;
	va_start(ap, want);
	while ((s = va_arg(ap, const char *)) != NULL) {
		a.argv[a.argc] = strdup(s);
		assert_non_null(a.argv[a.argc]);
		a.argc++;
	}
	va_end(ap);
	memset(&sa, 0x5a, sizeof(sa));
	assert_int_equal(sa_args_add(a.argc, a.argv, &sa, &key_arg, err,
	    sizeof(err)), -1);
	if (strcmp(err, want) != 0) {
		print_error("error:\n got: %s\nwant: %s\n", err, want);
		fail();
	}
	assert_int_equal(key_arg, -1);
	for (size_t i = 0; i < sizeof(sa); i++)
		assert_int_equal(((const uint8_t *)&sa)[i], 0);
	args_free(&a);
}

/* ---------------------------------------------------------------------- */
/* sa add: what the driver gets */

static void
test_add_minimal(void **state)
{
	struct spisync_sa sa;
	int key_arg;

	(void)state;
	assert_int_equal(add_ok(&sa, &key_arg, "spi", "0x1000", "dst",
	    "198.18.0.1", "aead", KEY128, "128", NULL), 0);
	assert_int_equal(sa.spi, 0x1000);
	assert_false(sa.ipv6);
	assert_memory_equal(sa.dst, ((const uint8_t[16]){ 198, 18, 0, 1 }), 16);
	assert_int_equal(sa.key_len, 16);
	assert_memory_equal(sa.key, key128, 16);
	for (size_t i = 16; i < sizeof(sa.key); i++)
		assert_int_equal(sa.key[i], 0);
	assert_memory_equal(sa.salt, salt128, 4);
	assert_int_equal(sa.icv_len, 16);
	assert_false(sa.esn);
	assert_int_equal(sa.mode, SPISYNC_SA_MODE_AUTO);
	assert_false(sa.udp_encap);
	assert_int_equal(sa.sport, 0);
	assert_int_equal(sa.dport, 0);
	assert_int_equal(sa.hard_bytes, 0);
	assert_int_equal(sa.hard_packets, 0);
	assert_int_equal(sa.soft_bytes, 0);
	assert_int_equal(sa.soft_packets, 0);
	assert_int_equal(sa.soft_time_s, 0);
	assert_int_equal(sa.hard_time_s, 0);
	assert_int_equal(key_arg, 5);   /* argv index of the hex */
}

static void
test_add_everything(void **state)
{
	static const uint8_t dst6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	};
	struct spisync_sa sa;
	int key_arg;

	(void)state;
	/* in another order, the ip xfrm algorithm name, upper-case hex */
	assert_int_equal(add_ok(&sa, &key_arg, "hard-time", "7200", "mode",
	    "tunnel", "aead", "rfc4106(gcm(aes))", "0X" KEY256, "96", "esn",
	    "dst", "2001:db8::1", "spi", "4294967295", "encap", "espinudp",
	    "4500", "0x1194", "soft-bytes", "1000000", "hard-bytes",
	    "18446744073709551615", "soft-packets", "10", "hard-packets",
	    "0x20", "soft-time", "3600", NULL), 0);
	assert_int_equal(sa.spi, 0xffffffffu);
	assert_true(sa.ipv6);
	assert_memory_equal(sa.dst, dst6, 16);
	assert_int_equal(sa.key_len, 32);
	assert_memory_equal(sa.key, key256, 32);
	assert_memory_equal(sa.salt, salt256, 4);
	assert_int_equal(sa.icv_len, 12);
	assert_true(sa.esn);
	assert_int_equal(sa.mode, SPISYNC_SA_MODE_TUNNEL);
	assert_true(sa.udp_encap);
	assert_int_equal(sa.sport, 4500);
	assert_int_equal(sa.dport, 4500);   /* 0x1194 */
	assert_int_equal(sa.soft_bytes, 1000000);
	assert_int_equal(sa.hard_bytes, 18446744073709551615u);
	assert_int_equal(sa.soft_packets, 10);
	assert_int_equal(sa.hard_packets, 32);
	assert_int_equal(sa.soft_time_s, 3600);
	assert_int_equal(sa.hard_time_s, 7200);
	assert_int_equal(key_arg, 6);
}

static void
test_add_icv_and_modes(void **state)
{
	static const struct {
		const char *bits;
		unsigned len;
	} icv[] = { { "64", 8 }, { "96", 12 }, { "128", 16 }, { "0x80", 16 } };
	static const struct {
		const char *name;
		enum spisync_sa_mode mode;
	} modes[] = {
		{ "auto", SPISYNC_SA_MODE_AUTO },
		{ "tunnel", SPISYNC_SA_MODE_TUNNEL },
		{ "transport", SPISYNC_SA_MODE_TRANSPORT },
	};
	struct spisync_sa sa;
	int key_arg;

	(void)state;
	for (size_t i = 0; i < sizeof(icv) / sizeof(icv[0]); i++) {
		assert_int_equal(add_ok(&sa, &key_arg, "spi", "256", "dst",
		    "198.18.0.1", "aead", KEY128, icv[i].bits, NULL), 0);
		assert_int_equal(sa.icv_len, icv[i].len);
		assert_int_equal(sa.spi, 256);
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(add_ok(&sa, &key_arg, "spi", "256", "dst",
		    "198.18.0.1", "aead", KEY128, "128", "mode", modes[i].name,
		    NULL), 0);
		assert_int_equal(sa.mode, modes[i].mode);
	}
}

/* ---------------------------------------------------------------------- */
/* key-file */

static char *
key_file(const char *name, const char *content)
{
	char *path;
	FILE *fp;

	assert_true(asprintf(&path, "%s/%s", tmp_root, name) > 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(content, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void
test_add_key_file(void **state)
{
	char *ok = key_file("ok.key", "  0x" KEY256 "\n");
	char *ok128 = key_file("ok128.key", KEY128);
	struct spisync_sa sa;
	int key_arg;

	(void)state;
	assert_int_equal(add_ok(&sa, &key_arg, "spi", "0x100", "dst",
	    "198.18.0.1", "aead", "key-file", ok, "64", NULL), 0);
	assert_int_equal(sa.key_len, 32);
	assert_memory_equal(sa.key, key256, 32);
	assert_memory_equal(sa.salt, salt256, 4);
	assert_int_equal(sa.icv_len, 8);
	assert_int_equal(key_arg, -1);   /* nothing on the command line */

	assert_int_equal(add_ok(&sa, &key_arg, "spi", "0x100", "dst",
	    "198.18.0.1", "aead", "rfc4106(gcm(aes))", "key-file", ok128, "128",
	    NULL), 0);
	assert_int_equal(sa.key_len, 16);
	assert_memory_equal(sa.key, key128, 16);
	unlink(ok);
	unlink(ok128);
	free(ok);
	free(ok128);
}

static void
test_add_key_file_errors(void **state)
{
	char *short_key = key_file("short.key", "0x0001020304\n");
	char *bad_key = key_file("bad.key", KEY128 "zz\n");
	char big[1100];
	char *big_key, *missing, *want;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big_key = key_file("big.key", big);
	assert_true(asprintf(&missing, "%s/none.key", tmp_root) > 0);

	assert_true(asprintf(&want, "key-file %s: key||salt is 5 bytes; it must "
	    "be 20 (AES-128 key + 4-byte salt) or 36 (AES-256 key + 4-byte "
	    "salt)", short_key) > 0);
	add_fails(want, "spi", "300", "dst", "198.18.0.1", "aead", "key-file",
	    short_key, "128", NULL);
	free(want);

	assert_true(asprintf(&want, "key-file %s: character 41 is not a hex "
	    "digit", bad_key) > 0);
	add_fails(want, "spi", "300", "dst", "198.18.0.1", "aead", "key-file",
	    bad_key, "128", NULL);
	free(want);

	assert_true(asprintf(&want, "key-file %s: more than 1024 bytes",
	    big_key) > 0);
	add_fails(want, "spi", "300", "dst", "198.18.0.1", "aead", "key-file",
	    big_key, "128", NULL);
	free(want);

	assert_true(asprintf(&want, "key-file %s: No such file or directory",
	    missing) > 0);
	add_fails(want, "spi", "300", "dst", "198.18.0.1", "aead", "key-file",
	    missing, "128", NULL);
	free(want);

	assert_true(asprintf(&want, "key-file %s: not a regular file",
	    tmp_root) > 0);
	add_fails(want, "spi", "300", "dst", "198.18.0.1", "aead", "key-file",
	    tmp_root, "128", NULL);
	free(want);

	add_fails("sa add: aead key-file needs PATH and ICVBITS", "spi", "300",
	    "dst", "198.18.0.1", "aead", "key-file", short_key, NULL);

	unlink(short_key);
	unlink(bad_key);
	unlink(big_key);
	free(short_key);
	free(bad_key);
	free(big_key);
	free(missing);
}

/* ---------------------------------------------------------------------- */
/* sa add: the errors, exactly */

static void
test_add_key_errors(void **state)
{
	(void)state;
	/* 19 bytes: one short of AES-128 + salt */
	add_fails("sa add: aead KEYSALT: key||salt is 19 bytes; it must be 20 "
	    "(AES-128 key + 4-byte salt) or 36 (AES-256 key + 4-byte salt)",
	    "spi", "300", "dst", "198.18.0.1", "aead",
	    "0x000102030405060708090a0b0c0d0e0fdeadbe", "128", NULL);
	/* 16 bytes: a key without its salt */
	add_fails("sa add: aead KEYSALT: key||salt is 16 bytes; it must be 20 "
	    "(AES-128 key + 4-byte salt) or 36 (AES-256 key + 4-byte salt)",
	    "spi", "300", "dst", "198.18.0.1", "aead",
	    "000102030405060708090a0b0c0d0e0f", "128", NULL);
	/* 28 bytes: AES-192, which the card does not do */
	add_fails("sa add: aead KEYSALT: key||salt is 28 bytes; it must be 20 "
	    "(AES-128 key + 4-byte salt) or 36 (AES-256 key + 4-byte salt)",
	    "spi", "300", "dst", "198.18.0.1", "aead",
	    "000102030405060708090a0b0c0d0e0f1011121314151617deadbeef", "128",
	    NULL);
	add_fails("sa add: aead KEYSALT: key||salt is 0 bytes; it must be 20 "
	    "(AES-128 key + 4-byte salt) or 36 (AES-256 key + 4-byte salt)",
	    "spi", "300", "dst", "198.18.0.1", "aead", "0x", "128", NULL);
	add_fails("sa add: aead KEYSALT: odd number of hex digits (39)",
	    "spi", "300", "dst", "198.18.0.1", "aead",
	    "000102030405060708090a0b0c0d0e0fdeadbee", "128", NULL);
	/* the error gives the position, never the key */
	add_fails("sa add: aead KEYSALT: character 3 is not a hex digit",
	    "spi", "300", "dst", "198.18.0.1", "aead",
	    "00g102030405060708090a0b0c0d0e0fdeadbeef", "128", NULL);
	add_fails("sa add: aead KEYSALT: character 21 is not a hex digit",
	    "spi", "300", "dst", "198.18.0.1", "aead",
	    "0x000102030405060708 090a0b0c0d0e0fdeadbeef", "128", NULL);
}

static void
test_add_icv_errors(void **state)
{
	(void)state;
	add_fails("sa add: aead ICVBITS '100' must be 64, 96 or 128", "spi",
	    "300", "dst", "198.18.0.1", "aead", KEY128, "100", NULL);
	add_fails("sa add: aead ICVBITS '0' must be 64, 96 or 128", "spi",
	    "300", "dst", "198.18.0.1", "aead", KEY128, "0", NULL);
	add_fails("sa add: aead ICVBITS '256' must be 64, 96 or 128", "spi",
	    "300", "dst", "198.18.0.1", "aead", KEY128, "256", NULL);
	add_fails("sa add: aead ICVBITS '16' must be 64, 96 or 128", "spi",
	    "300", "dst", "198.18.0.1", "aead", KEY128, "16", NULL);
	add_fails("sa add: aead ICVBITS 'esn' must be 64, 96 or 128", "spi",
	    "300", "dst", "198.18.0.1", "aead", KEY128, "esn", NULL);
	add_fails("sa add: aead needs KEYSALT (or key-file PATH) and ICVBITS",
	    "spi", "300", "dst", "198.18.0.1", "aead", KEY128, NULL);
	add_fails("sa add: aead needs KEYSALT (or key-file PATH) and ICVBITS",
	    "spi", "300", "dst", "198.18.0.1", "aead", NULL);
	add_fails("sa add: aead needs KEYSALT (or key-file PATH) and ICVBITS",
	    "spi", "300", "dst", "198.18.0.1", "aead", "rfc4106(gcm(aes))",
	    NULL);
}

static void
test_add_spi_errors(void **state)
{
	(void)state;
	add_fails("sa add: spi 255 is reserved (0..255, RFC 4303 2.1); use 256 "
	    "or more", "spi", "255", "dst", "198.18.0.1", "aead", KEY128, "128",
	    NULL);
	add_fails("sa add: spi 0 is reserved (0..255, RFC 4303 2.1); use 256 "
	    "or more", "spi", "0x0", "dst", "198.18.0.1", "aead", KEY128, "128",
	    NULL);
	add_fails("sa add: spi '0x100000000' is not a number (decimal or 0x "
	    "hex) below 2^32", "spi", "0x100000000", "dst", "198.18.0.1", "aead",
	    KEY128, "128", NULL);
	add_fails("sa add: spi '4294967296' is not a number (decimal or 0x "
	    "hex) below 2^32", "spi", "4294967296", "dst", "198.18.0.1", "aead",
	    KEY128, "128", NULL);
	add_fails("sa add: spi '-1' is not a number (decimal or 0x hex) below "
	    "2^32", "spi", "-1", "dst", "198.18.0.1", "aead", KEY128, "128",
	    NULL);
	add_fails("sa add: spi ' 300' is not a number (decimal or 0x hex) below "
	    "2^32", "spi", " 300", "dst", "198.18.0.1", "aead", KEY128, "128",
	    NULL);
	add_fails("sa add: spi '12a' is not a number (decimal or 0x hex) below "
	    "2^32", "spi", "12a", "dst", "198.18.0.1", "aead", KEY128, "128",
	    NULL);
	add_fails("sa add: spi '' is not a number (decimal or 0x hex) below "
	    "2^32", "spi", "", "dst", "198.18.0.1", "aead", KEY128, "128", NULL);
	add_fails("sa add: spi '0x' is not a number (decimal or 0x hex) below "
	    "2^32", "spi", "0x", "dst", "198.18.0.1", "aead", KEY128, "128",
	    NULL);
	add_fails("sa add: spi needs a value (SPI)", "dst", "198.18.0.1",
	    "aead", KEY128, "128", "spi", NULL);
}

static void
test_add_other_errors(void **state)
{
	(void)state;
	add_fails("sa add: dst '198.18.0.256' is not an IPv4 or IPv6 address",
	    "spi", "300", "dst", "198.18.0.256", "aead", KEY128, "128", NULL);
	add_fails("sa add: dst '2001:db8::1::2' is not an IPv4 or IPv6 address",
	    "spi", "300", "dst", "2001:db8::1::2", "aead", KEY128, "128", NULL);
	add_fails("sa add: dst 'peer.example' is not an IPv4 or IPv6 address",
	    "spi", "300", "dst", "peer.example", "aead", KEY128, "128", NULL);
	add_fails("sa add: dst needs a value (ADDR)", "spi", "300", "aead",
	    KEY128, "128", "dst", NULL);

	add_fails("sa add: missing spi SPI", "dst", "198.18.0.1", "aead",
	    KEY128, "128", NULL);
	add_fails("sa add: missing dst ADDR", "spi", "300", "aead", KEY128,
	    "128", NULL);
	add_fails("sa add: missing aead KEYSALT ICVBITS", "spi", "300", "dst",
	    "198.18.0.1", NULL);
	add_fails("sa add: missing spi SPI", NULL);

	add_fails("sa add: spi given twice", "spi", "300", "dst", "198.18.0.1",
	    "aead", KEY128, "128", "spi", "301", NULL);
	add_fails("sa add: esn given twice", "spi", "300", "dst", "198.18.0.1",
	    "aead", KEY128, "128", "esn", "esn", NULL);
	add_fails("sa add: soft-time given twice", "spi", "300", "dst",
	    "198.18.0.1", "aead", KEY128, "128", "soft-time", "1", "soft-time",
	    "2", NULL);
	add_fails("sa add: unknown argument 'proto'", "spi", "300", "dst",
	    "198.18.0.1", "aead", KEY128, "128", "proto", "esp", NULL);

	add_fails("sa add: mode 'beet' must be tunnel, transport or auto", "spi",
	    "300", "dst", "198.18.0.1", "aead", KEY128, "128", "mode", "beet",
	    NULL);
	add_fails("sa add: mode needs a value (tunnel, transport or auto)",
	    "spi", "300", "dst", "198.18.0.1", "aead", KEY128, "128", "mode",
	    NULL);

	add_fails("sa add: encap needs espinudp SPORT DPORT", "spi", "300",
	    "dst", "198.18.0.1", "aead", KEY128, "128", "encap", "espinudp",
	    "4500", NULL);
	add_fails("sa add: encap 'espintcp' is not supported (espinudp is: RFC "
	    "3948)", "spi", "300", "dst", "198.18.0.1", "aead", KEY128, "128",
	    "encap", "espintcp", "4500", "4500", NULL);
	add_fails("sa add: encap DPORT '0' must be a port 1..65535", "spi",
	    "300", "dst", "198.18.0.1", "aead", KEY128, "128", "encap",
	    "espinudp", "4500", "0", NULL);
	add_fails("sa add: encap SPORT '65536' must be a port 1..65535", "spi",
	    "300", "dst", "198.18.0.1", "aead", KEY128, "128", "encap",
	    "espinudp", "65536", "4500", NULL);

	add_fails("sa add: soft-time '4294967296' is not a number (decimal or "
	    "0x hex) below 2^32", "spi", "300", "dst", "198.18.0.1", "aead",
	    KEY128, "128", "soft-time", "4294967296", NULL);
	add_fails("sa add: hard-bytes '18446744073709551616' is not a number "
	    "(decimal or 0x hex) below 2^64", "spi", "300", "dst", "198.18.0.1",
	    "aead", KEY128, "128", "hard-bytes", "18446744073709551616", NULL);
	add_fails("sa add: hard-packets needs a value", "spi", "300", "dst",
	    "198.18.0.1", "aead", KEY128, "128", "hard-packets", NULL);

	add_fails("sa add: soft-bytes (2000) must be below hard-bytes (2000)",
	    "spi", "300", "dst", "198.18.0.1", "aead", KEY128, "128",
	    "soft-bytes", "2000", "hard-bytes", "2000", NULL);
	add_fails("sa add: soft-packets (11) must be below hard-packets (10)",
	    "spi", "300", "dst", "198.18.0.1", "aead", KEY128, "128",
	    "soft-packets", "11", "hard-packets", "10", NULL);
	add_fails("sa add: soft-time (7200) must be below hard-time (3600)",
	    "spi", "300", "dst", "198.18.0.1", "aead", KEY128, "128",
	    "soft-time", "7200", "hard-time", "3600", NULL);
}

/* soft above hard is fine when one of them is "none" (0) */
static void
test_add_lifetime_none(void **state)
{
	struct spisync_sa sa;
	int key_arg;

	(void)state;
	assert_int_equal(add_ok(&sa, &key_arg, "spi", "300", "dst",
	    "198.18.0.1", "aead", KEY128, "128", "soft-time", "7200",
	    "hard-time", "0", NULL), 0);
	assert_int_equal(sa.soft_time_s, 7200);
	assert_int_equal(sa.hard_time_s, 0);
}

/* ---------------------------------------------------------------------- */
/* sa del */

static void
test_del(void **state)
{
	static const struct {
		const char *a, *b, *err;
		bool by_spi;
		uint32_t spi, index;
	} cases[] = {
		{ "spi", "0xb761863e", NULL, true, 0xb761863e, 0 },
		{ "spi", "256", NULL, true, 256, 0 },
		{ "index", "0", NULL, false, 0, 0 },
		{ "index", "65534", NULL, false, 0, 65534 },
		{ "index", "65535", "sa del: index '65535' is not a number 0..65534",
		  false, 0, 0 },
		{ "index", "x", "sa del: index 'x' is not a number 0..65534",
		  false, 0, 0 },
		{ "spi", "12", "sa del: spi 12 is reserved (0..255, RFC 4303 2.1); "
		  "use 256 or more", false, 0, 0 },
		{ "spi", "0x1ffffffff", "sa del: spi '0x1ffffffff' is not a number "
		  "(decimal or 0x hex) below 2^32", false, 0, 0 },
		{ "dst", "198.18.0.1", "sa del: give spi SPI or index N", false, 0,
		  0 },
	};
	char err[CTL_ERR_LEN];
	struct sa_del_args del;
	struct args a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		args_set(&a, cases[i].a, cases[i].b, NULL);
		err[0] = '\0';
		if (cases[i].err == NULL) {
			assert_int_equal(sa_args_del(a.argc, a.argv, &del, err,
			    sizeof(err)), 0);
			assert_int_equal(del.by_spi, cases[i].by_spi);
			assert_int_equal(del.spi, cases[i].spi);
			assert_int_equal(del.index, cases[i].index);
		} else {
			assert_int_equal(sa_args_del(a.argc, a.argv, &del, err,
			    sizeof(err)), -1);
			assert_string_equal(err, cases[i].err);
		}
		args_free(&a);
	}
	/* wrong number of words */
	args_set(&a, "spi", NULL);
	assert_int_equal(sa_args_del(a.argc, a.argv, &del, err, sizeof(err)), -1);
	assert_string_equal(err, "sa del: give spi SPI or index N");
	args_free(&a);
	args_set(&a, "spi", "300", "index", "3", NULL);
	assert_int_equal(sa_args_del(a.argc, a.argv, &del, err, sizeof(err)), -1);
	args_free(&a);
	assert_int_equal(sa_args_del(0, a.argv, &del, err, sizeof(err)), -1);
}

/* ---------------------------------------------------------------------- */
/* the whole command line */

static int
cli(struct args *a, const char *env, struct ctl_cmd *cmd, char *err)
{
	return cli_parse(a->argc, a->argv, env, cmd, err, CTL_ERR_LEN);
}

static void
test_cli_commands(void **state)
{
	static const struct {
		const char *words[6];
		enum ctl_verb verb;
	} cases[] = {
		{ { "spisyncctl", "show", "drops" }, CTL_SHOW_DROPS },
		{ { "spisyncctl", "show", "sa" }, CTL_SHOW_SA },
		{ { "spisyncctl", "show", "events" }, CTL_SHOW_EVENTS },
		{ { "spisyncctl", "show", "card" }, CTL_SHOW_CARD },
		{ { "spisyncctl", "clear", "counters" }, CTL_CLEAR_COUNTERS },
		{ { "spisyncctl", "sa", "del", "index", "3" }, CTL_SA_DEL },
		{ { "spisyncctl", "--help" }, CTL_HELP },
		{ { "spisyncctl", "-h", "show", "nonsense" }, CTL_HELP },
		{ { "spisyncctl", "rekey", "gw" }, CTL_REKEY },
		{ { "spisyncctl", "rekey-ike", "gw" }, CTL_REKEY_IKE },
		{ { "spisyncctl", "initiate", "gw" }, CTL_INITIATE },
	};
	char err[CTL_ERR_LEN];
	struct ctl_cmd cmd;
	struct args a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a.argc = 0;
		for (size_t w = 0; w < 6 && cases[i].words[w] != NULL; w++)
			a.argv[a.argc++] = strdup(cases[i].words[w]);
		a.argv[a.argc] = NULL;
		assert_int_equal(cli(&a, NULL, &cmd, err), 0);
		assert_int_equal(cmd.verb, cases[i].verb);
		if (cmd.verb == CTL_REKEY || cmd.verb == CTL_REKEY_IKE ||
		    cmd.verb == CTL_INITIATE) {
			assert_string_equal(cmd.peer, "gw");
			assert_true(cli_is_daemon_verb(cmd.verb));
		}
		assert_int_equal(cmd.format, CTL_FMT_TEXT);
		assert_string_equal(cmd.device, "sim:/run/spisync/sim.sock");
		args_free(&a);
	}
}

static void
test_cli_device_and_format(void **state)
{
	char err[CTL_ERR_LEN];
	struct ctl_cmd cmd;
	struct args a;

	(void)state;
	/* $SPISYNC_DEVICE, unless -d */
	args_set(&a, "spisyncctl", "show", "card", NULL);
	assert_int_equal(cli(&a, "xrt:0", &cmd, err), 0);
	assert_string_equal(cmd.device, "xrt:0");
	assert_int_equal(cli(&a, "", &cmd, err), 0);
	assert_string_equal(cmd.device, "sim:/run/spisync/sim.sock");
	args_free(&a);
	args_set(&a, "spisyncctl", "-d", "pci:0000:03:00.0", "--json", "show",
	    "sa", NULL);
	assert_int_equal(cli(&a, "xrt:0", &cmd, err), 0);
	assert_string_equal(cmd.device, "pci:0000:03:00.0");
	assert_int_equal(cmd.format, CTL_FMT_JSON);
	assert_int_equal(cmd.verb, CTL_SHOW_SA);
	args_free(&a);
	args_set(&a, "spisyncctl", "--prometheus", "--device", "sim:/s", "show",
	    "drops", NULL);
	assert_int_equal(cli(&a, NULL, &cmd, err), 0);
	assert_string_equal(cmd.device, "sim:/s");
	assert_int_equal(cmd.format, CTL_FMT_PROM);
	args_free(&a);
}

static void
test_cli_sa_add(void **state)
{
	char err[CTL_ERR_LEN];
	struct ctl_cmd cmd;
	struct args a;

	(void)state;
	args_set(&a, "spisyncctl", "-d", "sim:/s", "sa", "add", "spi", "0x1000",
	    "dst", "198.18.0.1", "aead", KEY128, "128", NULL);
	assert_int_equal(cli(&a, NULL, &cmd, err), 0);
	assert_int_equal(cmd.verb, CTL_SA_ADD);
	assert_int_equal(cmd.sa.spi, 0x1000);
	assert_memory_equal(cmd.sa.key, key128, 16);
	/* the index of the hex in main's argv, for main to overwrite */
	assert_int_equal(cmd.key_arg, 10);
	assert_string_equal(a.argv[cmd.key_arg], KEY128);
	args_free(&a);

	/* a usage error after the key was parsed leaves no key behind */
	args_set(&a, "spisyncctl", "--prometheus", "sa", "add", "spi", "0x1000",
	    "dst", "198.18.0.1", "aead", KEY128, "128", NULL);
	assert_int_equal(cli(&a, NULL, &cmd, err), -1);
	assert_string_equal(err, "--prometheus is for show drops and show sa");
	assert_int_equal(cmd.key_arg, -1);
	for (size_t i = 0; i < sizeof(cmd.sa); i++)
		assert_int_equal(((const uint8_t *)&cmd.sa)[i], 0);
	args_free(&a);
}

static void
test_cli_errors(void **state)
{
	static const struct {
		const char *words[8];
		const char *err;
	} cases[] = {
		{ { "spisyncctl" }, "no command given" },
		{ { "spisyncctl", "-d" }, "-d needs a DEVICE" },
		{ { "spisyncctl", "-d", "", "show", "sa" }, "-d needs a DEVICE" },
		{ { "spisyncctl", "--device" }, "--device needs a DEVICE" },
		{ { "spisyncctl", "-x", "show", "sa" }, "unknown option '-x'" },
		{ { "spisyncctl", "--json", "--prometheus", "show", "sa" },
		  "--json and --prometheus exclude each other" },
		{ { "spisyncctl", "--prometheus", "show", "events" },
		  "--prometheus is for show drops and show sa" },
		{ { "spisyncctl", "--prometheus", "show", "card" },
		  "--prometheus is for show drops and show sa" },
		{ { "spisyncctl", "--prometheus", "clear", "counters" },
		  "--prometheus is for show drops and show sa" },
		{ { "spisyncctl", "show" },
		  "show: needs drops, sa, events, card, ike, flows or peers" },
		{ { "spisyncctl", "show", "bogus" },
		  "show: 'bogus' is not drops, sa, events, card, ike, flows or peers" },
		{ { "spisyncctl", "show", "sa", "7" }, "show sa: unexpected '7'" },
		{ { "spisyncctl", "clear" }, "clear: only 'clear counters'" },
		{ { "spisyncctl", "clear", "sa" }, "clear: only 'clear counters'" },
		{ { "spisyncctl", "clear", "counters", "now" },
		  "clear counters: unexpected 'now'" },
		{ { "spisyncctl", "sa" }, "sa: needs add or del" },
		{ { "spisyncctl", "sa", "flush" }, "sa: needs add or del" },
		{ { "spisyncctl", "sa", "del" }, "sa del: give spi SPI or index N" },
		{ { "spisyncctl", "sa", "add", "spi", "1" },
		  "sa add: spi 1 is reserved (0..255, RFC 4303 2.1); use 256 or more" },
		{ { "spisyncctl", "rekey" },
		  "rekey: needs a PEER (its [peer NAME] in spisyncd's configuration)" },
		{ { "spisyncctl", "initiate", "" },
		  "initiate: needs a PEER (its [peer NAME] in spisyncd's configuration)" },
		{ { "spisyncctl", "rekey-ike", "gw", "now" },
		  "rekey-ike gw: unexpected 'now'" },
		{ { "spisyncctl", "rekey", "gw\nshow ike" },
		  "rekey: a peer name has no line break" },
		{ { "spisyncctl", "monitor" }, "unknown command 'monitor'" },
		{ { "spisyncctl", "--", "-d", "x" }, "unknown command '-d'" },
	};
	char err[CTL_ERR_LEN];
	struct ctl_cmd cmd;
	struct args a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a.argc = 0;
		for (size_t w = 0; w < 8 && cases[i].words[w] != NULL; w++)
			a.argv[a.argc++] = strdup(cases[i].words[w]);
		a.argv[a.argc] = NULL;
		err[0] = '\0';
		assert_int_equal(cli(&a, NULL, &cmd, err), -1);
		if (strcmp(err, cases[i].err) != 0) {
			print_error("case %zu:\n got: %s\nwant: %s\n", i, err,
			    cases[i].err);
			fail();
		}
		args_free(&a);
	}
}

/* The help names every command and says how to keep keys out of ps. */
static void
test_usage(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	assert_non_null(fp);
	cli_usage(fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(strstr(text, "show drops | show sa | show events | show card"));
	assert_non_null(strstr(text, "--prometheus show drops | show sa"));
	assert_non_null(strstr(text, "clear counters"));
	assert_non_null(strstr(text, "sa add spi SPI dst ADDR aead KEYSALT ICVBITS"));
	assert_non_null(strstr(text, "sa del (spi SPI | index N)"));
	assert_non_null(strstr(text, "rekey PEER | rekey-ike PEER | initiate PEER"));
	assert_non_null(strstr(text, "key-file PATH"));
	assert_non_null(strstr(text, "process list"));
	assert_non_null(strstr(text, "$SPISYNC_DEVICE"));
	assert_non_null(strstr(text, "$SPISYNC_STATE_DIR"));
	free(text);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "%s/test_ctl_args.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmp_root) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmp_root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_minimal),
		cmocka_unit_test(test_add_everything),
		cmocka_unit_test(test_add_icv_and_modes),
		cmocka_unit_test(test_add_key_file),
		cmocka_unit_test(test_add_key_file_errors),
		cmocka_unit_test(test_add_key_errors),
		cmocka_unit_test(test_add_icv_errors),
		cmocka_unit_test(test_add_spi_errors),
		cmocka_unit_test(test_add_other_errors),
		cmocka_unit_test(test_add_lifetime_none),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_cli_commands),
		cmocka_unit_test(test_cli_device_and_format),
		cmocka_unit_test(test_cli_sa_add),
		cmocka_unit_test(test_cli_errors),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
