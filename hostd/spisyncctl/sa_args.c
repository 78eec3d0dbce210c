/*
 * spisyncctl -- `sa add` / `sa del` arguments (sa_args.h).
 */

/* explicit_bzero */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt_util.h"
#include "hex.h"
#include "sa_args.h"

enum { KEY_FILE_MAX = 1024, WHAT_LEN = 4200 };

/* RFC 4303 2.1: SPIs 1..255 are reserved by IANA, 0 is local use only;
 * the card drops them as SPI_RESERVED whatever the SA table holds. */
#define SPI_MIN 256u

/* A number in decimal or 0x hex, no sign, no white space, at most max.
 * 0 or -1. (Not strtoull: it takes "-1", " 1" and, with base 0, octal.) */
static int
parse_u64(const char *text, uint64_t max, uint64_t *out)
{
	const char *p = text;
	unsigned base = 10;
	uint64_t v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		return -1;
	for (; *p != '\0'; p++) {
		const int digit = hex_digit_value(*p);
		unsigned d;

		/* in decimal, a-f are not digits */
		if (digit < 0 || (unsigned)digit >= base)
			return -1;
		d = (unsigned)digit;
		if (v > (max - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
cleanse_key(struct spisync_sa *sa)
{
	explicit_bzero(sa->key, sizeof(sa->key));
	explicit_bzero(sa->salt, sizeof(sa->salt));
	sa->key_len = 0;
}

int
sa_args_keysalt(const char *text, size_t len, const char *what,
    struct spisync_sa *sa, char *err, size_t errlen)
{
	uint8_t bytes[36];
	size_t start = 0, end = len, digits, n;

	while (start < end && is_space(text[start]))
		start++;
	while (end > start && is_space(text[end - 1]))
		end--;
	if (end - start >= 2 && text[start] == '0' &&
	    (text[start + 1] == 'x' || text[start + 1] == 'X'))
		start += 2;
	digits = end - start;
	/* Errors name positions, never the digits: this is a key. */
	for (size_t i = start; i < end; i++) {
		if (hex_digit_value(text[i]) < 0) {
			snprintf(err, errlen, "%s: character %zu is not a hex "
			    "digit", what, i + 1);
			cleanse_key(sa);
			return -1;
		}
	}
	if (digits % 2 != 0) {
		snprintf(err, errlen, "%s: odd number of hex digits (%zu)", what,
		    digits);
		cleanse_key(sa);
		return -1;
	}
	n = digits / 2;
	if (n != 20 && n != 36) {
		snprintf(err, errlen, "%s: key||salt is %zu bytes; it must be 20 "
		    "(AES-128 key + 4-byte salt) or 36 (AES-256 key + 4-byte "
		    "salt)", what, n);
		cleanse_key(sa);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		bytes[i] = (uint8_t)(hex_digit_value(text[start + 2 * i]) << 4 |
		    hex_digit_value(text[start + 2 * i + 1]));
	}
	cleanse_key(sa);
	sa->key_len = (unsigned)(n - 4);
	memcpy(sa->key, bytes, n - 4);
	memcpy(sa->salt, bytes + n - 4, 4);
	explicit_bzero(bytes, sizeof(bytes));
	return 0;
}

int
sa_args_key_file(const char *path, struct spisync_sa *sa, char *err,
    size_t errlen)
{
	char buf[KEY_FILE_MAX + 1];
	char what[WHAT_LEN];
	size_t len = 0;
	struct stat st;
	int fd, rc;

	snprintf(what, sizeof(what), "key-file %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", what);
		close(fd);
		return -1;
	}
	for (;;) {
		const ssize_t r = read(fd, buf + len, sizeof(buf) - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", what, strerror(errno));
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > KEY_FILE_MAX) {
			snprintf(err, errlen, "%s: more than %d bytes", what,
			    KEY_FILE_MAX);
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return -1;
		}
	}
	close(fd);
	rc = sa_args_keysalt(buf, len, what, sa, err, errlen);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* ---- sa add ------------------------------------------------------------ */

/* The optional keywords that take one number. */
struct number_arg {
	const char *name;
	uint64_t max;
};

static const struct number_arg lifetime_args[] = {
	{ "soft-bytes", UINT64_MAX },
	{ "hard-bytes", UINT64_MAX },
	{ "soft-packets", UINT64_MAX },
	{ "hard-packets", UINT64_MAX },
	{ "soft-time", UINT32_MAX },
	{ "hard-time", UINT32_MAX },
};
enum { N_LIFETIMES = sizeof(lifetime_args) / sizeof(lifetime_args[0]) };


static int
parse_spi(const char *cmd, const char *text, uint32_t *spi, char *err,
    size_t errlen)
{
	uint64_t v;

	if (parse_u64(text, UINT32_MAX, &v) != 0)
		return ctl_fail(err, errlen, "%s: spi '%s' is not a number (decimal "
		    "or 0x hex) below 2^32", cmd, text);
	if (v < SPI_MIN) {
		snprintf(err, errlen, "%s: spi %llu is reserved (0..255, RFC "
		    "4303 2.1); use 256 or more", cmd, (unsigned long long)v);
		return -1;
	}
	*spi = (uint32_t)v;
	return 0;
}

static int
parse_port(const char *what, const char *text, uint16_t *port, char *err,
    size_t errlen)
{
	uint64_t v;

	if (parse_u64(text, 65535, &v) != 0 || v == 0)
		return ctl_fail(err, errlen, "sa add: encap %s '%s' must be a port "
		    "1..65535", what, text);
	*port = (uint16_t)v;
	return 0;
}

/* The keyword parser proper; sa_args_add() cleanses on failure. */
static int
parse_add(int argc, char *const argv[], struct spisync_sa *sa, int *key_arg,
    char *err, size_t errlen)
{
	bool seen_spi = false, seen_dst = false, seen_aead = false;
	bool seen_esn = false, seen_mode = false, seen_encap = false;
	bool seen_life[N_LIFETIMES] = { false };
	uint64_t life[N_LIFETIMES] = { 0 };
	unsigned l;
	int i = 0;

	while (i < argc) {
		const char *kw = argv[i];

		if (strcmp(kw, "spi") == 0) {
			if (seen_spi)
				return ctl_fail(err, errlen, "sa add: %s given twice", kw);
			if (i + 1 >= argc)
				return ctl_fail(err, errlen, "sa add: spi needs a value "
				    "(SPI)");
			if (parse_spi("sa add", argv[i + 1], &sa->spi, err,
			    errlen) != 0)
				return -1;
			seen_spi = true;
			i += 2;
		} else if (strcmp(kw, "dst") == 0) {
			if (seen_dst)
				return ctl_fail(err, errlen, "sa add: %s given twice", kw);
			if (i + 1 >= argc)
				return ctl_fail(err, errlen, "sa add: dst needs a value "
				    "(ADDR)");
			if (inet_pton(AF_INET, argv[i + 1], sa->dst) == 1) {
				sa->ipv6 = false;
			} else if (inet_pton(AF_INET6, argv[i + 1], sa->dst) == 1) {
				sa->ipv6 = true;
			} else {
				return ctl_fail(err, errlen, "sa add: dst '%s' is not an "
				    "IPv4 or IPv6 address", argv[i + 1]);
			}
			seen_dst = true;
			i += 2;
		} else if (strcmp(kw, "aead") == 0) {
			uint64_t bits;

			if (seen_aead)
				return ctl_fail(err, errlen, "sa add: %s given twice", kw);
			i++;
			/* as `ip xfrm` writes it; the only algorithm there is */
			if (i < argc && strcmp(argv[i], "rfc4106(gcm(aes))") == 0)
				i++;
			if (i < argc && strcmp(argv[i], "key-file") == 0) {
				if (i + 2 >= argc)
					return ctl_fail(err, errlen, "sa add: aead key-file "
					    "needs PATH and ICVBITS");
				if (sa_args_key_file(argv[i + 1], sa, err,
				    errlen) != 0)
					return -1;
				*key_arg = -1;
				i += 2;
			} else {
				if (i + 1 >= argc)
					return ctl_fail(err, errlen, "sa add: aead needs "
					    "KEYSALT (or key-file PATH) and ICVBITS");
				if (sa_args_keysalt(argv[i], strlen(argv[i]),
				    "sa add: aead KEYSALT", sa, err, errlen) != 0)
					return -1;
				*key_arg = i;
				i++;
			}
			if (parse_u64(argv[i], 128, &bits) != 0 ||
			    (bits != 64 && bits != 96 && bits != 128))
				return ctl_fail(err, errlen, "sa add: aead ICVBITS '%s' "
				    "must be 64, 96 or 128", argv[i]);
			sa->icv_len = (unsigned)bits / 8;
			seen_aead = true;
			i++;
		} else if (strcmp(kw, "esn") == 0) {
			if (seen_esn)
				return ctl_fail(err, errlen, "sa add: %s given twice", kw);
			sa->esn = true;
			seen_esn = true;
			i++;
		} else if (strcmp(kw, "mode") == 0) {
			const char *m;

			if (seen_mode)
				return ctl_fail(err, errlen, "sa add: %s given twice", kw);
			if (i + 1 >= argc)
				return ctl_fail(err, errlen, "sa add: mode needs a value "
				    "(tunnel, transport or auto)");
			m = argv[i + 1];
			if (strcmp(m, "tunnel") == 0)
				sa->mode = SPISYNC_SA_MODE_TUNNEL;
			else if (strcmp(m, "transport") == 0)
				sa->mode = SPISYNC_SA_MODE_TRANSPORT;
			else if (strcmp(m, "auto") == 0)
				sa->mode = SPISYNC_SA_MODE_AUTO;
			else
				return ctl_fail(err, errlen, "sa add: mode '%s' must be "
				    "tunnel, transport or auto", m);
			seen_mode = true;
			i += 2;
		} else if (strcmp(kw, "encap") == 0) {
			if (seen_encap)
				return ctl_fail(err, errlen, "sa add: %s given twice", kw);
			if (i + 3 >= argc)
				return ctl_fail(err, errlen, "sa add: encap needs espinudp "
				    "SPORT DPORT");
			if (strcmp(argv[i + 1], "espinudp") != 0)
				return ctl_fail(err, errlen, "sa add: encap '%s' is not "
				    "supported (espinudp is: RFC 3948)", argv[i + 1]);
			if (parse_port("SPORT", argv[i + 2], &sa->sport, err,
			    errlen) != 0 ||
			    parse_port("DPORT", argv[i + 3], &sa->dport, err,
			    errlen) != 0)
				return -1;
			sa->udp_encap = true;
			seen_encap = true;
			i += 4;
		} else {
			for (l = 0; l < N_LIFETIMES; l++) {
				if (strcmp(kw, lifetime_args[l].name) == 0)
					break;
			}
			if (l == N_LIFETIMES)
				return ctl_fail(err, errlen, "sa add: unknown argument "
				    "'%s'", kw);
			if (seen_life[l])
				return ctl_fail(err, errlen, "sa add: %s given twice", kw);
			if (i + 1 >= argc)
				return ctl_fail(err, errlen, "sa add: %s needs a value", kw);
			if (parse_u64(argv[i + 1], lifetime_args[l].max,
			    &life[l]) != 0) {
				snprintf(err, errlen, "sa add: %s '%s' is not a number "
				    "(decimal or 0x hex) below 2^%d", kw, argv[i + 1],
				    lifetime_args[l].max == UINT32_MAX ? 32 : 64);
				return -1;
			}
			seen_life[l] = true;
			i += 2;
		}
	}

	if (!seen_spi)
		return ctl_fail(err, errlen, "sa add: missing spi SPI");
	if (!seen_dst)
		return ctl_fail(err, errlen, "sa add: missing dst ADDR");
	if (!seen_aead)
		return ctl_fail(err, errlen, "sa add: missing aead KEYSALT ICVBITS");
	/* soft before hard, pairwise (0 is "none" for either) */
	for (l = 0; l < N_LIFETIMES; l += 2) {
		if (life[l] != 0 && life[l + 1] != 0 && life[l] >= life[l + 1]) {
			snprintf(err, errlen, "sa add: %s (%llu) must be below %s "
			    "(%llu)", lifetime_args[l].name,
			    (unsigned long long)life[l], lifetime_args[l + 1].name,
			    (unsigned long long)life[l + 1]);
			return -1;
		}
	}
	sa->soft_bytes = life[0];
	sa->hard_bytes = life[1];
	sa->soft_packets = life[2];
	sa->hard_packets = life[3];
	sa->soft_time_s = (uint32_t)life[4];
	sa->hard_time_s = (uint32_t)life[5];
	return 0;
}

int
sa_args_add(int argc, char *const argv[], struct spisync_sa *sa,
    int *key_arg, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->mode = SPISYNC_SA_MODE_AUTO;
	*key_arg = -1;
	if (parse_add(argc, argv, sa, key_arg, err, errlen) != 0) {
		explicit_bzero(sa, sizeof(*sa));
		*key_arg = -1;
		return -1;
	}
	return 0;
}

/* ---- sa del ------------------------------------------------------------ */

int
sa_args_del(int argc, char *const argv[], struct sa_del_args *out,
    char *err, size_t errlen)
{
	uint64_t v;

	memset(out, 0, sizeof(*out));
	if (argc != 2 || (strcmp(argv[0], "spi") != 0 &&
	    strcmp(argv[0], "index") != 0))
		return ctl_fail(err, errlen, "sa del: give spi SPI or index N");
	if (strcmp(argv[0], "spi") == 0) {
		out->by_spi = true;
		return parse_spi("sa del", argv[1], &out->spi, err, errlen);
	}
	/* SA indices are 16 bits wide (SA_INDEX in the event record) */
	if (parse_u64(argv[1], 0xFFFE, &v) != 0)
		return ctl_fail(err, errlen, "sa del: index '%s' is not a number "
		    "0..65534", argv[1]);
	out->index = (uint32_t)v;
	return 0;
}
