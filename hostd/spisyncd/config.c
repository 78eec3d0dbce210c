/*
 * spisyncd -- the configuration file (config.h), read with libinih.
 *
 * inih splits "name = value" lines; everything else is ours. We give inih
 * the file one line per call of our reader, so the reader knows the line
 * number of every handler call (Debian's inih 55 is built without
 * INI_HANDLER_LINENO), sees section headers itself (inih cuts section names
 * at 49 characters and tells the handler nothing about an empty section),
 * and refuses lines longer than inih's buffer instead of letting inih split
 * them. Inline comments and quotes are handled here too: inih would cut a
 * quoted PSK at " ;". The file format and every option:
 * docs/spisyncd-config.md.
 */

/* explicit_bzero */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "hex.h"

/* A configuration file is small; this bounds what we read into memory. */
#define CONFIG_FILE_MAX  (1024 * 1024)
/* RFC 7296 2.15 asks for strong pre-shared keys; we refuse short ones. */
#define PSK_MIN          16
#define IKE_PORT         500
#define LISTEN_MAX       4u      /* struct sd_config's listen[] */

_Static_assert(sizeof(((struct sd_config *)0)->listen) ==
    LISTEN_MAX * sizeof(struct sockaddr_storage), "listen[] size");

enum section { SEC_NONE, SEC_GLOBAL, SEC_PEER };

/* Global options, in the order of docs/spisyncd-config.md. */
enum gopt {
	G_DEVICE, G_CONTROL_SOCKET, G_FLIGHTREC_DIR, G_FLIGHTREC_KEEP,
	G_LISTEN, G_MISS_LOG_INTERVAL, G_STUCK_HOLDOFF, G_RECOVERY_INTERVAL,
	G_RETRANSMIT_TIMEOUT, G_RETRANSMIT_TRIES, G_RETRANSMIT_BASE,
	G_COOKIE_THRESHOLD, G_HALF_OPEN_TIMEOUT, G_EVENT_RING_LOG2,
	G_SYSLOG_FACILITY, G_COUNT
};
static const char *const gopt_names[G_COUNT] = {
	"device", "control_socket", "flightrec_dir", "flightrec_keep",
	"listen", "miss_log_interval", "stuck_holdoff", "recovery_interval",
	"retransmit_timeout", "retransmit_tries", "retransmit_base",
	"cookie_threshold", "half_open_timeout", "event_ring_log2",
	"syslog_facility",
};

enum popt {
	P_TYPE, P_ADDRESS, P_LOCAL_ID, P_REMOTE_ID, P_PSK, P_IKE, P_ESP,
	P_LOCAL_TS, P_REMOTE_TS, P_IKE_LIFETIME, P_CHILD_LIFETIME,
	P_REKEY_JITTER, P_DPD_DELAY, P_INITIATE, P_RECOVERY, P_COUNT
};
static const char *const popt_names[P_COUNT] = {
	"type", "address", "local_id", "remote_id", "psk", "ike", "esp",
	"local_ts", "remote_ts", "ike_lifetime", "child_lifetime",
	"rekey_jitter", "dpd_delay", "initiate", "recovery",
};

/* What the file said about one peer beyond struct sd_peer: where each
 * option was set (0: not set), for duplicates, defaults and errors. */
struct peer_seen {
	unsigned line[P_COUNT];
	bool addr_port;                 /* address had ":port" */
	bool addr_range;                /* address had "/prefix" */
};

struct ctx {
	const char *path;
	struct sd_config *cfg;
	char *err;
	size_t errlen;
	bool failed;
	/* the file, and the reader's position in it */
	char *buf;
	size_t len, pos;
	unsigned lineno;
	enum section section;
	struct sd_peer *peer;           /* in SEC_PEER */
	unsigned global_line;           /* of [global], 0: none yet */
	unsigned gline[G_COUNT];
	struct peer_seen seen[SD_MAX_PEERS];
};

/* The first error wins; later ones (there should be none: parsing stops)
 * are dropped. line 0: "PATH: reason". */
static int
fail(struct ctx *c, unsigned line, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	if (c->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line != 0)
		snprintf(c->err, c->errlen, "%s:%u: %s", c->path, line, reason);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->path, reason);
	c->failed = true;
	return -1;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* ------------------------------------------------------------------ */
/* values                                                              */
/* ------------------------------------------------------------------ */

/* The value inih passed (stripped of white space at both ends) into out:
 * "quoted" keeps everything between the quotes; otherwise the value ends at
 * a ';' or '#' that starts it or follows white space (a comment). 0, or -1
 * with the reason in why. */
static int
unquote(const char *in, char *out, size_t outlen, const char **why)
{
	size_t n;

	if (in[0] == '"') {
		const char *close = strchr(in + 1, '"');
		const char *rest;

		if (close == NULL) {
			*why = "no closing '\"'";
			return -1;
		}
		for (rest = close + 1; is_blank(*rest); rest++)
			;
		if (*rest != '\0' && *rest != ';' && *rest != '#') {
			*why = "text after the closing '\"' (only a comment "
			    "may follow)";
			return -1;
		}
		n = (size_t)(close - (in + 1));
		if (n >= outlen) {
			*why = "value too long";
			return -1;
		}
		memcpy(out, in + 1, n);
		out[n] = '\0';
		return 0;
	}
	for (n = 0; in[n] != '\0'; n++) {
		if ((in[n] == ';' || in[n] == '#') &&
		    (n == 0 || is_blank(in[n - 1])))
			break;
	}
	while (n > 0 && is_blank(in[n - 1]))
		n--;
	if (n >= outlen) {
		*why = "value too long";
		return -1;
	}
	memcpy(out, in, n);
	out[n] = '\0';
	return 0;
}

/* Decimal digits only (no sign, no white space, no 0x), at most max. */
static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!is_digit(*s))
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* "N" or "Ns" (seconds), "Nm", "Nh", and "Nms" when ms_ok: milliseconds. */
static int
parse_duration_ms(const char *s, bool ms_ok, uint64_t *out_ms)
{
	/* ten years in ms: anything beyond is a typo, and no overflow below */
	const uint64_t limit = 10ull * 366 * 24 * 3600 * 1000;
	char digits[24];
	const char *unit = s;
	uint64_t n, mult;
	size_t len;

	while (is_digit(*unit))
		unit++;
	len = (size_t)(unit - s);
	if (len == 0 || len >= sizeof(digits))
		return -1;
	memcpy(digits, s, len);
	digits[len] = '\0';
	if (parse_uint(digits, limit, &n) < 0)
		return -1;
	if (strcmp(unit, "") == 0 || strcmp(unit, "s") == 0)
		mult = 1000;
	else if (strcmp(unit, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(unit, "h") == 0)
		mult = 3600 * 1000;
	else if (ms_ok && strcmp(unit, "ms") == 0)
		mult = 1;
	else
		return -1;
	if (n > limit / mult)
		return -1;
	*out_ms = n * mult;
	return 0;
}

/* "1.8", "2": digits with at most one '.', no sign, exponent or hex. */
static int
parse_decimal(const char *s, double *out)
{
	const char *p = s;
	bool dot = false;
	size_t digits = 0;

	for (; *p != '\0'; p++) {
		if (*p == '.' && !dot)
			dot = true;
		else if (is_digit(*p))
			digits++;
		else
			return -1;
	}
	if (digits == 0 || digits > 15 || s[0] == '.' || p[-1] == '.')
		return -1;
	/* the daemon never calls setlocale(): '.' is the decimal point */
	*out = strtod(s, NULL);
	return 0;
}

static int
parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "on") == 0 || strcmp(s, "1") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "off") == 0 || strcmp(s, "0") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

/* An IPv4 or IPv6 literal (no port, no brackets) into ss, port 0. */
static int
parse_ip(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	memset(ss, 0, sizeof(*ss));
	return -1;
}

/* The address bytes of an AF_INET / AF_INET6 sockaddr (wire order), and
 * their count; an IPv4-mapped IPv6 address (a dual-stack socket's view of
 * an IPv4 sender) is its IPv4 address. 0 for any other family. */
static size_t
addr_bytes(const struct sockaddr *sa, const uint8_t **bytes)
{
	static const uint8_t v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (sa->sa_family == AF_INET) {
		*bytes = (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *b = (const uint8_t *)
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (memcmp(b, v4mapped, sizeof(v4mapped)) == 0) {
			*bytes = b + 12;
			return 4;
		}
		*bytes = b;
		return 16;
	}
	*bytes = NULL;
	return 0;
}

/* 0.0.0.0 or :: (also ::ffff:0.0.0.0) */
static bool
is_unspecified(const struct sockaddr_storage *ss)
{
	const uint8_t *b;
	const size_t n = addr_bytes((const struct sockaddr *)ss, &b);

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Copy s into a bounded buffer; -1 if it does not fit. */
static int
copy_str(char *dst, size_t dstlen, const char *s)
{
	const size_t n = strlen(s);

	if (n >= dstlen)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* Splits a comma-separated list in place: elements trimmed; an empty
 * element is an error. Returns the count, or -1 (empty element) or -2 (more
 * than max). */
static int
split_list(char *s, char **elems, size_t max)
{
	size_t n = 0;

	for (;;) {
		char *comma = strchr(s, ',');
		char *end;

		if (comma != NULL)
			*comma = '\0';
		while (is_blank(*s))
			s++;
		end = s + strlen(s);
		while (end > s && is_blank(end[-1]))
			*--end = '\0';
		if (*s == '\0')
			return -1;
		if (n == max)
			return -2;
		elems[n++] = s;
		if (comma == NULL)
			return (int)n;
		s = comma + 1;
	}
}

/* ------------------------------------------------------------------ */
/* proposals, IDs, traffic selectors                                   */
/* ------------------------------------------------------------------ */

static int
encr_from_name(const char *s, uint16_t *bits)
{
	if (strcmp(s, "aes128gcm16") == 0)
		*bits = 128;
	else if (strcmp(s, "aes256gcm16") == 0)
		*bits = 256;
	else
		return -1;
	return 0;
}

/* "aes256gcm16-prfsha384-ecp256": one of each kind, in any order (as
 * strongSwan accepts them). */
static int
parse_ike_proposal(char *s, struct sd_ike_proposal *p)
{
	char *tok, *save = NULL;

	memset(p, 0, sizeof(*p));
	for (tok = strtok_r(s, "-", &save); tok != NULL;
	    tok = strtok_r(NULL, "-", &save)) {
		uint16_t bits;

		if (encr_from_name(tok, &bits) == 0) {
			if (p->encr_keybits != 0)
				return -1;
			p->encr_keybits = bits;
		} else if (strcmp(tok, "prfsha256") == 0 ||
		    strcmp(tok, "prfsha384") == 0) {
			if (p->prf != 0)
				return -1;
			p->prf = strcmp(tok, "prfsha256") == 0 ?
			    SD_PRF_HMAC_SHA2_256 : SD_PRF_HMAC_SHA2_384;
		} else if (strcmp(tok, "modp2048") == 0 ||
		    strcmp(tok, "ecp256") == 0 ||
		    strcmp(tok, "curve25519") == 0 ||
		    strcmp(tok, "x25519") == 0) {
			if (p->dh != 0)
				return -1;
			if (strcmp(tok, "modp2048") == 0)
				p->dh = SD_DH_MODP_2048;
			else if (strcmp(tok, "ecp256") == 0)
				p->dh = SD_DH_ECP_256;
			else
				p->dh = SD_DH_CURVE25519;
		} else
			return -1;
	}
	if (p->encr_keybits == 0 || p->prf == 0 || p->dh == 0)
		return -1;
	return 0;
}

/* "aes128gcm16[-esn][-noesn]"; neither: no ESN. */
static int
parse_esp_proposal(char *s, struct sd_esp_proposal *p)
{
	char *tok, *save = NULL;

	memset(p, 0, sizeof(*p));
	tok = strtok_r(s, "-", &save);
	if (tok == NULL || encr_from_name(tok, &p->encr_keybits) < 0)
		return -1;
	while ((tok = strtok_r(NULL, "-", &save)) != NULL) {
		if (strcmp(tok, "esn") == 0 && !p->esn_yes)
			p->esn_yes = true;
		else if (strcmp(tok, "noesn") == 0 && !p->esn_no)
			p->esn_no = true;
		else
			return -1;
	}
	if (!p->esn_yes)
		p->esn_no = true;
	return 0;
}

static bool
ike_equal(const struct sd_ike_proposal *a, const struct sd_ike_proposal *b)
{
	return a->encr_keybits == b->encr_keybits && a->prf == b->prf &&
	    a->dh == b->dh;
}

static bool
esp_equal(const struct sd_esp_proposal *a, const struct sd_esp_proposal *b)
{
	return a->encr_keybits == b->encr_keybits && a->esn_no == b->esn_no &&
	    a->esn_yes == b->esn_yes;
}

static void
id_from_addr(const struct sockaddr_storage *ss, struct sd_id *id)
{
	const uint8_t *b;
	const size_t n = addr_bytes((const struct sockaddr *)ss, &b);

	memset(id, 0, sizeof(*id));
	id->type = n == 4 ? SD_ID_IPV4_ADDR : SD_ID_IPV6_ADDR;
	memcpy(id->data, b, n);
	id->len = n;
}

/* printable ASCII without space: FQDN and RFC822 IDs */
static bool
id_text_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* IP literal -> ID_IPV4_ADDR / ID_IPV6_ADDR; "@name" or a name with a dot
 * -> ID_FQDN; user@host -> ID_RFC822_ADDR; "keyid:HEX" -> ID_KEY_ID. */
static int
parse_id(const char *s, struct sd_id *id, const char **why)
{
	struct sockaddr_storage ss;
	const char *text;
	size_t n;

	memset(id, 0, sizeof(*id));
	if (parse_ip(s, &ss) == 0) {
		id_from_addr(&ss, id);
		return 0;
	}
	if (strncmp(s, "keyid:", 6) == 0) {
		const char *h = s + 6;

		n = strlen(h);
		if (n == 0 || n % 2 != 0 || n / 2 > sizeof(id->data)) {
			*why = "keyid: wants an even number of hex digits";
			return -1;
		}
		for (size_t i = 0; i < n / 2; i++) {
			const int hi = hex_digit_value(h[2 * i]);
			const int lo = hex_digit_value(h[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				*why = "keyid: wants hex digits";
				return -1;
			}
			id->data[i] = (uint8_t)(hi << 4 | lo);
		}
		id->type = SD_ID_KEY_ID;
		id->len = n / 2;
		return 0;
	}
	if (s[0] == '@') {
		id->type = SD_ID_FQDN;
		text = s + 1;
	} else if (strchr(s, '@') != NULL) {
		id->type = SD_ID_RFC822;
		text = s;
	} else if (strchr(s, '.') != NULL) {
		/* "198.18.0.256" is a typo, not a host name */
		if (strspn(s, "0123456789.") == strlen(s)) {
			*why = "not an IPv4 address";
			return -1;
		}
		id->type = SD_ID_FQDN;
		text = s;
	} else {
		*why = "not an ID (an IP address, @fqdn, name.with.dot, "
		    "user@host or keyid:HEX)";
		return -1;
	}
	n = strlen(text);
	if (!id_text_ok(text) || n >= sizeof(id->data)) {
		*why = "names are 1..255 printable characters without spaces";
		return -1;
	}
	memcpy(id->data, text, n);
	id->len = n;
	return 0;
}

/* Sets prefix bits of a 4- or 16-byte address: start = a & mask,
 * end = a | ~mask. -1 if a has bits set beyond the prefix. */
static int
range_from_prefix(const uint8_t *a, size_t n, unsigned prefix,
    uint8_t *start, uint8_t *end)
{
	for (size_t i = 0; i < n; i++) {
		unsigned bits = prefix > 8 * i ? prefix - 8 * (unsigned)i : 0;
		uint8_t mask;

		if (bits > 8)
			bits = 8;
		mask = (uint8_t)(0xff00u >> bits);
		if ((a[i] & (uint8_t)~mask) != 0)
			return -1;
		start[i] = a[i] & mask;
		end[i] = (uint8_t)(a[i] | (uint8_t)~mask);
	}
	return 0;
}

/* The address bytes of ss as written (an IPv4-mapped IPv6 address stays 16
 * bytes here: a prefix counts its bits), and their count. */
static size_t
literal_bytes(const struct sockaddr_storage *ss, const uint8_t **bytes)
{
	if (ss->ss_family == AF_INET) {
		*bytes = (const uint8_t *)
		    &((const struct sockaddr_in *)ss)->sin_addr;
		return 4;
	}
	*bytes = (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	return 16;
}

/* "ADDR" or "ADDR/PREFIX" into ss and *prefix (the full length without
 * one). -1 not an address or prefix, -2 bits set beyond the prefix. */
static int
parse_cidr(char *s, struct sockaddr_storage *ss, unsigned *prefix)
{
	char *slash = strchr(s, '/');
	const uint8_t *b;
	uint8_t start[16], end[16];
	size_t n;
	uint64_t v;

	if (slash != NULL)
		*slash = '\0';
	if (parse_ip(s, ss) < 0)
		return -1;
	n = literal_bytes(ss, &b);
	*prefix = 8 * (unsigned)n;
	if (slash != NULL) {
		if (parse_uint(slash + 1, 8 * n, &v) < 0)
			return -1;
		*prefix = (unsigned)v;
	}
	if (range_from_prefix(b, n, *prefix, start, end) < 0)
		return -2;
	return 0;
}

static int
proto_from_name(const char *s, uint8_t *proto)
{
	uint64_t v;

	if (strcmp(s, "any") == 0)
		*proto = 0;
	else if (strcmp(s, "icmp") == 0)
		*proto = IPPROTO_ICMP;
	else if (strcmp(s, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*proto = IPPROTO_UDP;
	else if (parse_uint(s, 255, &v) == 0)
		*proto = (uint8_t)v;
	else
		return -1;
	return 0;
}

/* "CIDR", "CIDR[proto]", "CIDR[proto/port]", "CIDR[proto/lo-hi]" */
static int
parse_ts(char *s, struct sd_ts *ts, const char **why)
{
	char *bracket = strchr(s, '[');
	struct sockaddr_storage ss;
	const uint8_t *b;
	unsigned prefix;
	int rc;

	memset(ts, 0, sizeof(*ts));
	ts->port_lo = 0;
	ts->port_hi = 65535;
	if (bracket != NULL) {
		char *close = strchr(bracket, ']');
		char *slash;

		if (close == NULL || close[1] != '\0') {
			*why = "a selector is CIDR[proto/port] or "
			    "CIDR[proto/lo-hi]";
			return -1;
		}
		*bracket = '\0';
		*close = '\0';
		slash = strchr(bracket + 1, '/');
		if (slash != NULL)
			*slash = '\0';
		if (proto_from_name(bracket + 1, &ts->proto) < 0) {
			*why = "protocol: udp, tcp, icmp, any or 0..255";
			return -1;
		}
		if (slash != NULL) {
			char *dash = strchr(slash + 1, '-');
			uint64_t lo, hi;

			if (dash != NULL)
				*dash = '\0';
			if (parse_uint(slash + 1, 65535, &lo) < 0 ||
			    (dash != NULL &&
			    parse_uint(dash + 1, 65535, &hi) < 0)) {
				*why = "ports: N or LO-HI, 0..65535";
				return -1;
			}
			if (dash == NULL)
				hi = lo;
			if (lo > hi) {
				*why = "port range LO-HI with LO > HI";
				return -1;
			}
			/* RFC 7296 3.13.1: ports mean nothing without a
			 * protocol */
			if (ts->proto == 0) {
				*why = "ports need a protocol";
				return -1;
			}
			ts->port_lo = (uint16_t)lo;
			ts->port_hi = (uint16_t)hi;
		}
	}
	rc = parse_cidr(s, &ss, &prefix);
	if (rc == -2) {
		*why = "address has bits set beyond the prefix";
		return -1;
	}
	if (rc < 0) {
		*why = "not an address or ADDRESS/PREFIX";
		return -1;
	}
	ts->ipv6 = literal_bytes(&ss, &b) == 16;
	return range_from_prefix(b, ts->ipv6 ? 16 : 4, prefix, ts->start,
	    ts->end);
}

static void
ts_host(const struct sockaddr_storage *ss, struct sd_ts *ts)
{
	const uint8_t *b;
	const size_t n = addr_bytes((const struct sockaddr *)ss, &b);

	memset(ts, 0, sizeof(*ts));
	ts->ipv6 = n == 16;
	ts->port_hi = 65535;
	memcpy(ts->start, b, n);
	memcpy(ts->end, b, n);
}

/* ------------------------------------------------------------------ */
/* global options                                                      */
/* ------------------------------------------------------------------ */

static int
set_seconds(struct ctx *c, const char *name, const char *v, uint32_t min,
    uint32_t max, const char *range, uint32_t *out)
{
	uint64_t ms;

	if (parse_duration_ms(v, false, &ms) < 0 || ms / 1000 < min ||
	    ms / 1000 > max)
		return fail(c, c->lineno, "%s: \"%s\" is not a duration of "
		    "%s (N, Ns, Nm or Nh)", name, v, range);
	*out = (uint32_t)(ms / 1000);
	return 0;
}

static int
set_uint(struct ctx *c, const char *name, const char *v, uint64_t min,
    uint64_t max, uint64_t *out)
{
	if (parse_uint(v, max, out) < 0 || *out < min)
		return fail(c, c->lineno, "%s: \"%s\" is not a number from "
		    "%llu to %llu", name, v, (unsigned long long)min,
		    (unsigned long long)max);
	return 0;
}

static int
set_device(struct ctx *c, const char *v)
{
	if ((strncmp(v, "sim:", 4) != 0 && strncmp(v, "xrt:", 4) != 0 &&
	    strncmp(v, "pci:", 4) != 0) || v[4] == '\0' ||
	    copy_str(c->cfg->device, sizeof(c->cfg->device), v) < 0)
		return fail(c, c->lineno, "device: \"%s\" is not sim:SOCKET, "
		    "xrt:N[:XCLBIN] or pci:DDDD:BB:DD.F (under %zu characters)",
		    v, sizeof(c->cfg->device));
	return 0;
}

static int
set_path(struct ctx *c, const char *name, const char *v, size_t max,
    char *out, size_t outlen)
{
	if (v[0] != '/' || strlen(v) >= max ||
	    copy_str(out, outlen, v) < 0)
		return fail(c, c->lineno, "%s: \"%s\" is not an absolute path "
		    "under %zu characters", name, v, max);
	return 0;
}

static int
add_listen(struct ctx *c, char *v)
{
	struct sd_config *cfg = c->cfg;
	char *elems[LISTEN_MAX + 1];
	const int n = split_list(v, elems, LISTEN_MAX + 1);

	if (n == -1)
		return fail(c, c->lineno, "listen: empty list element");
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage ss;

		if (parse_ip(elems[i], &ss) < 0)
			return fail(c, c->lineno, "listen: \"%s\" is not an "
			    "IPv4 or IPv6 address", elems[i]);
		if (is_unspecified(&ss))
			return fail(c, c->lineno, "listen: %s: leave listen "
			    "out to listen on every address", elems[i]);
		for (size_t j = 0; j < cfg->n_listen; j++) {
			const uint8_t *a, *b;
			const size_t na = addr_bytes(
			    (const struct sockaddr *)&cfg->listen[j], &a);
			const size_t nb = addr_bytes(
			    (const struct sockaddr *)&ss, &b);

			if (na == nb && memcmp(a, b, na) == 0)
				return fail(c, c->lineno, "listen: %s given "
				    "twice", elems[i]);
		}
		if (cfg->n_listen == LISTEN_MAX)
			return fail(c, c->lineno, "listen: more than %u "
			    "addresses", LISTEN_MAX);
		cfg->listen[cfg->n_listen++] = ss;
	}
	if (n == -2)
		return fail(c, c->lineno, "listen: more than %u addresses",
		    LISTEN_MAX);
	return 0;
}

static int
set_facility(struct ctx *c, const char *v)
{
	static const int local[8] = {
		LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
		LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
	};

	if (strcmp(v, "daemon") == 0) {
		c->cfg->syslog_facility = LOG_DAEMON;
		return 0;
	}
	if (strncmp(v, "local", 5) == 0 && v[5] >= '0' && v[5] <= '7' &&
	    v[6] == '\0') {
		c->cfg->syslog_facility = local[v[5] - '0'];
		return 0;
	}
	return fail(c, c->lineno, "syslog_facility: \"%s\" is not daemon or "
	    "local0..local7", v);
}

static int
global_option(struct ctx *c, enum gopt o, char *v)
{
	struct sd_config *cfg = c->cfg;
	const struct sockaddr_un sun = { .sun_family = AF_UNIX };
	uint64_t n, ms;
	double d;

	switch (o) {
	case G_DEVICE:
		return set_device(c, v);
	case G_CONTROL_SOCKET:
		/* it becomes a sockaddr_un */
		return set_path(c, "control_socket", v, sizeof(sun.sun_path),
		    cfg->control_socket, sizeof(cfg->control_socket));
	case G_FLIGHTREC_DIR:
		return set_path(c, "flightrec_dir", v,
		    sizeof(cfg->flightrec_dir), cfg->flightrec_dir,
		    sizeof(cfg->flightrec_dir));
	case G_FLIGHTREC_KEEP:
		if (set_uint(c, "flightrec_keep", v, 0, 10000, &n) < 0)
			return -1;
		cfg->flightrec_keep = (unsigned)n;
		return 0;
	case G_LISTEN:
		return add_listen(c, v);
	case G_MISS_LOG_INTERVAL:
		return set_seconds(c, "miss_log_interval", v, 1, 86400,
		    "1s to 24h", &cfg->miss_log_interval_s);
	case G_STUCK_HOLDOFF:
		return set_seconds(c, "stuck_holdoff", v, 1, 3600, "1s to 1h",
		    &cfg->stuck_holdoff_s);
	case G_RECOVERY_INTERVAL:
		return set_seconds(c, "recovery_interval", v, 1, 3600,
		    "1s to 1h", &cfg->recovery_interval_s);
	case G_RETRANSMIT_TIMEOUT:
		if (parse_duration_ms(v, true, &ms) < 0 || ms < 50 ||
		    ms > 60000)
			return fail(c, c->lineno, "retransmit_timeout: \"%s\" "
			    "is not a duration of 50ms to 60s (Nms, N, Ns or "
			    "Nm)", v);
		cfg->retransmit_timeout_ms = (uint32_t)ms;
		return 0;
	case G_RETRANSMIT_TRIES:
		if (set_uint(c, "retransmit_tries", v, 1, 20, &n) < 0)
			return -1;
		cfg->retransmit_tries = (uint32_t)n;
		return 0;
	case G_RETRANSMIT_BASE:
		if (parse_decimal(v, &d) < 0 || d < 1.0 || d > 4.0)
			return fail(c, c->lineno, "retransmit_base: \"%s\" is "
			    "not a decimal number from 1.0 to 4.0", v);
		cfg->retransmit_base = d;
		return 0;
	case G_COOKIE_THRESHOLD:
		if (set_uint(c, "cookie_threshold", v, 1, 65536, &n) < 0)
			return -1;
		cfg->cookie_threshold = (uint32_t)n;
		return 0;
	case G_HALF_OPEN_TIMEOUT:
		return set_seconds(c, "half_open_timeout", v, 1, 3600,
		    "1s to 1h", &cfg->half_open_timeout_s);
	case G_EVENT_RING_LOG2:
		/* docs/event-ring.md: RING_SIZE_LOG2 is 1..20 */
		if (set_uint(c, "event_ring_log2", v, 1, 20, &n) < 0)
			return -1;
		cfg->event_ring_log2 = (unsigned)n;
		return 0;
	case G_SYSLOG_FACILITY:
		return set_facility(c, v);
	case G_COUNT:
		break;
	}
	return fail(c, c->lineno, "internal error: option %d", (int)o);
}

/* ------------------------------------------------------------------ */
/* peer options                                                        */
/* ------------------------------------------------------------------ */

static void
peer_defaults(struct sd_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->type = SD_PEER_STATIC;
	p->ike_lifetime_s = 4 * 3600;
	p->child_lifetime_s = 3600;
	p->rekey_jitter_s = 5 * 60;
	p->dpd_delay_s = 30;
	p->initiate = false;
	p->recovery = true;
}

/* "198.18.0.1", "198.18.0.1:500", "[2001:db8::1]:500", "2001:db8::1",
 * "198.18.0.0/15": IP, port (0: none) and prefix; the peer's type decides
 * which forms are allowed when its section ends. */
static int
set_address(struct ctx *c, struct sd_peer *p, struct peer_seen *seen,
    char *v)
{
	const char *form = "an IPv4/IPv6 address, ADDRESS:PORT, [IPV6]:PORT "
	    "or ADDRESS/PREFIX";
	char written[INI_MAX_LINE];     /* v as written, for the messages */
	char *host = v, *port = NULL;
	uint64_t portnum = 0;
	int rc;

	if (copy_str(written, sizeof(written), v) < 0)
		return fail(c, c->lineno, "address: too long");
	if (v[0] == '[') {
		char *close = strchr(v, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return fail(c, c->lineno, "address: \"%s\" is not %s",
			    written, form);
		*close = '\0';
		host = v + 1;
		if (close[1] == ':')
			port = close + 2;
		if (strchr(host, ':') == NULL)
			return fail(c, c->lineno, "address: brackets are for "
			    "IPv6 addresses");
	} else {
		char *colon = strchr(v, ':');

		/* exactly one ':' is IPv4:PORT; more is an IPv6 literal */
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			*colon = '\0';
			port = colon + 1;
		}
	}
	if (port != NULL && (parse_uint(port, 65535, &portnum) < 0 ||
	    portnum == 0))
		return fail(c, c->lineno, "address: port \"%s\" is not "
		    "1..65535", port);
	seen->addr_range = strchr(host, '/') != NULL;
	if (seen->addr_range && port != NULL)
		return fail(c, c->lineno, "address: a range has no port");
	rc = parse_cidr(host, &p->addr, &p->prefix);
	if (rc == -2)
		return fail(c, c->lineno, "address: %s has bits set beyond "
		    "the prefix", written);
	if (rc < 0)
		return fail(c, c->lineno, "address: \"%s\" is not %s",
		    written, form);
	seen->addr_port = port != NULL;
	if (p->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&p->addr)->sin_port =
		    htons((uint16_t)portnum);
	else
		((struct sockaddr_in6 *)&p->addr)->sin6_port =
		    htons((uint16_t)portnum);
	return 0;
}

/* "quoted text" (already unquoted: quoted says so), 0xHEX, or bare text.
 * The value never goes into an error message. */
static int
set_psk(struct ctx *c, struct sd_peer *p, const char *v, bool quoted)
{
	size_t n;

	if (!quoted && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		const char *h = v + 2;

		n = strlen(h);
		if (n % 2 != 0 || n / 2 > sizeof(p->psk))
			return fail(c, c->lineno, "psk: 0x wants an even "
			    "number of hex digits, at most %zu bytes",
			    sizeof(p->psk));
		for (size_t i = 0; i < n / 2; i++) {
			const int hi = hex_digit_value(h[2 * i]);
			const int lo = hex_digit_value(h[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				explicit_bzero(p->psk, sizeof(p->psk));
				return fail(c, c->lineno, "psk: 0x wants hex "
				    "digits only");
			}
			p->psk[i] = (uint8_t)(hi << 4 | lo);
		}
		n /= 2;
	} else {
		n = strlen(v);
		if (n > sizeof(p->psk))
			return fail(c, c->lineno, "psk: longer than %zu bytes",
			    sizeof(p->psk));
		memcpy(p->psk, v, n);
	}
	if (n < PSK_MIN) {
		explicit_bzero(p->psk, sizeof(p->psk));
		return fail(c, c->lineno, "psk: %zu bytes is too short: at "
		    "least %d (RFC 7296 2.15: use strong keys)", n, PSK_MIN);
	}
	p->psk_len = n;
	return 0;
}

/* Lists (ike, esp, local_ts, remote_ts) may be given on several lines,
 * each adding to the list: eight proposals do not fit in one line. */
static int
set_ike(struct ctx *c, struct sd_peer *p, char *v)
{
	char *elems[SD_MAX_PROPOSALS + 1];
	const int n = split_list(v, elems, SD_MAX_PROPOSALS + 1);

	if (n == -1)
		return fail(c, c->lineno, "ike: empty list element");
	if (n == -2 || p->n_ike + (size_t)n > SD_MAX_PROPOSALS)
		return fail(c, c->lineno, "ike: more than %d proposals",
		    SD_MAX_PROPOSALS);
	for (int i = 0; i < n; i++) {
		struct sd_ike_proposal *new = &p->ike[p->n_ike];
		char copy[128];

		if (copy_str(copy, sizeof(copy), elems[i]) < 0 ||
		    parse_ike_proposal(copy, new) < 0)
			return fail(c, c->lineno, "ike: \"%s\" is not "
			    "ENCR-PRF-DH (aes128gcm16|aes256gcm16, "
			    "prfsha256|prfsha384, "
			    "modp2048|ecp256|curve25519|x25519)", elems[i]);
		for (size_t j = 0; j < p->n_ike; j++)
			if (ike_equal(new, &p->ike[j]))
				return fail(c, c->lineno, "ike: \"%s\" given "
				    "twice", elems[i]);
		p->n_ike++;
	}
	return 0;
}

static int
set_esp(struct ctx *c, struct sd_peer *p, char *v)
{
	char *elems[SD_MAX_PROPOSALS + 1];
	const int n = split_list(v, elems, SD_MAX_PROPOSALS + 1);

	if (n == -1)
		return fail(c, c->lineno, "esp: empty list element");
	if (n == -2 || p->n_esp + (size_t)n > SD_MAX_PROPOSALS)
		return fail(c, c->lineno, "esp: more than %d proposals",
		    SD_MAX_PROPOSALS);
	for (int i = 0; i < n; i++) {
		struct sd_esp_proposal *new = &p->esp[p->n_esp];
		char copy[128];

		if (copy_str(copy, sizeof(copy), elems[i]) < 0 ||
		    parse_esp_proposal(copy, new) < 0)
			return fail(c, c->lineno, "esp: \"%s\" is not "
			    "aes128gcm16|aes256gcm16 [-esn] [-noesn]",
			    elems[i]);
		for (size_t j = 0; j < p->n_esp; j++)
			if (esp_equal(new, &p->esp[j]))
				return fail(c, c->lineno, "esp: \"%s\" given "
				    "twice", elems[i]);
		p->n_esp++;
	}
	return 0;
}

static int
set_ts(struct ctx *c, const char *name, char *v, struct sd_ts *ts,
    size_t *n_ts)
{
	char *elems[SD_MAX_TS + 1];
	const int n = split_list(v, elems, SD_MAX_TS + 1);

	if (n == -1)
		return fail(c, c->lineno, "%s: empty list element", name);
	if (n == -2 || *n_ts + (size_t)n > SD_MAX_TS)
		return fail(c, c->lineno, "%s: more than %d selectors", name,
		    SD_MAX_TS);
	for (int i = 0; i < n; i++) {
		char copy[128];
		const char *why = "too long";

		if (copy_str(copy, sizeof(copy), elems[i]) < 0 ||
		    parse_ts(copy, &ts[*n_ts], &why) < 0)
			return fail(c, c->lineno, "%s: \"%s\": %s", name,
			    elems[i], why);
		(*n_ts)++;
	}
	return 0;
}

/* 0 (never rekey) or 10 s .. 30 days: shorter would rekey all the time */
static int
set_lifetime(struct ctx *c, const char *name, const char *v, uint32_t *out)
{
	uint64_t ms;

	if (parse_duration_ms(v, false, &ms) < 0 ||
	    (ms != 0 && ms < 10 * 1000) || ms > 30ull * 86400 * 1000)
		return fail(c, c->lineno, "%s: \"%s\" is not a duration of 0 "
		    "(never) or 10s to 30 days (N, Ns, Nm or Nh)", name, v);
	*out = (uint32_t)(ms / 1000);
	return 0;
}

static int
peer_option(struct ctx *c, enum popt o, char *v, bool quoted)
{
	struct sd_peer *p = c->peer;
	struct peer_seen *seen = &c->seen[c->cfg->n_peers - 1];
	const char *why = "";
	bool b;

	switch (o) {
	case P_TYPE:
		if (strcmp(v, "static") == 0)
			p->type = SD_PEER_STATIC;
		else if (strcmp(v, "dynamic") == 0)
			p->type = SD_PEER_DYNAMIC;
		else
			return fail(c, c->lineno, "type: \"%s\" is not static "
			    "or dynamic", v);
		return 0;
	case P_ADDRESS:
		return set_address(c, p, seen, v);
	case P_LOCAL_ID:
	case P_REMOTE_ID:
		if (parse_id(v, o == P_LOCAL_ID ? &p->local_id : &p->remote_id,
		    &why) < 0)
			return fail(c, c->lineno, "%s: \"%s\": %s",
			    popt_names[o], v, why);
		return 0;
	case P_PSK:
		return set_psk(c, p, v, quoted);
	case P_IKE:
		return set_ike(c, p, v);
	case P_ESP:
		return set_esp(c, p, v);
	case P_LOCAL_TS:
		return set_ts(c, "local_ts", v, p->local_ts, &p->n_local_ts);
	case P_REMOTE_TS:
		return set_ts(c, "remote_ts", v, p->remote_ts,
		    &p->n_remote_ts);
	case P_IKE_LIFETIME:
		return set_lifetime(c, "ike_lifetime", v, &p->ike_lifetime_s);
	case P_CHILD_LIFETIME:
		return set_lifetime(c, "child_lifetime", v,
		    &p->child_lifetime_s);
	case P_REKEY_JITTER:
		return set_seconds(c, "rekey_jitter", v, 0, 30 * 86400,
		    "0 to 30 days", &p->rekey_jitter_s);
	case P_DPD_DELAY:
		return set_seconds(c, "dpd_delay", v, 0, 86400,
		    "0 (off) or 1s to 24h", &p->dpd_delay_s);
	case P_INITIATE:
	case P_RECOVERY:
		if (parse_bool(v, &b) < 0)
			return fail(c, c->lineno, "%s: \"%s\" is not yes, no, "
			    "true, false, on, off, 1 or 0", popt_names[o], v);
		if (o == P_INITIATE)
			p->initiate = b;
		else
			p->recovery = b;
		return 0;
	case P_COUNT:
		break;
	}
	return fail(c, c->lineno, "internal error: option %d", (int)o);
}

static bool
same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
	const uint8_t *ba, *bb;
	const size_t na = addr_bytes(a, &ba), nb = addr_bytes(b, &bb);

	return na != 0 && na == nb && memcmp(ba, bb, na) == 0;
}

/* The checks and defaults that need the whole [peer] section. */
static int
finish_peer(struct ctx *c, size_t idx)
{
	struct sd_config *cfg = c->cfg;
	struct sd_peer *p = &cfg->peers[idx];
	const struct peer_seen *seen = &c->seen[idx];
	const unsigned addr_line = seen->line[P_ADDRESS];
	uint32_t shortest = 0;

	if (seen->line[P_PSK] == 0)
		return fail(c, p->line, "peer %s: psk not set", p->name);
	if (p->type == SD_PEER_STATIC) {
		if (addr_line == 0)
			return fail(c, p->line, "peer %s: address not set "
			    "(required for static peers)", p->name);
		if (seen->addr_range)
			return fail(c, addr_line, "peer %s: a static peer's "
			    "address is one host address, not a range",
			    p->name);
		if (is_unspecified(&p->addr))
			return fail(c, addr_line, "peer %s: a static peer's "
			    "address cannot be the unspecified address",
			    p->name);
		if (!seen->addr_port) {
			if (p->addr.ss_family == AF_INET)
				((struct sockaddr_in *)&p->addr)->sin_port =
				    htons(IKE_PORT);
			else
				((struct sockaddr_in6 *)&p->addr)->sin6_port =
				    htons(IKE_PORT);
		}
		for (size_t i = 0; i < idx; i++) {
			const struct sd_peer *q = &cfg->peers[i];

			if (q->type == SD_PEER_STATIC &&
			    same_ip((const struct sockaddr *)&q->addr,
			    (const struct sockaddr *)&p->addr))
				return fail(c, addr_line, "peer %s: address "
				    "already belongs to peer %s (line %u)",
				    p->name, q->name,
				    c->seen[i].line[P_ADDRESS]);
		}
		if (seen->line[P_REMOTE_ID] == 0)
			id_from_addr(&p->addr, &p->remote_id);
		if (seen->line[P_REMOTE_TS] == 0) {
			ts_host(&p->addr, &p->remote_ts[0]);
			p->n_remote_ts = 1;
		}
	} else {
		if (seen->addr_port)
			return fail(c, addr_line, "peer %s: a dynamic peer's "
			    "address is a range (ADDRESS/PREFIX), without port",
			    p->name);
		if (seen->line[P_REMOTE_ID] == 0)
			return fail(c, p->line, "peer %s: remote_id not set "
			    "(required for dynamic peers)", p->name);
		if (seen->line[P_REMOTE_TS] == 0)
			return fail(c, p->line, "peer %s: remote_ts not set "
			    "(required for dynamic peers)", p->name);
		/* no address: any (AF_UNSPEC, prefix 0, as memset left it) */
	}
	if (seen->line[P_IKE] == 0) {
		static const struct sd_ike_proposal def[] = {
			{ 256, SD_PRF_HMAC_SHA2_384, SD_DH_ECP_256 },
			{ 128, SD_PRF_HMAC_SHA2_256, SD_DH_ECP_256 },
			{ 128, SD_PRF_HMAC_SHA2_256, SD_DH_CURVE25519 },
			{ 128, SD_PRF_HMAC_SHA2_256, SD_DH_MODP_2048 },
		};

		memcpy(p->ike, def, sizeof(def));
		p->n_ike = sizeof(def) / sizeof(def[0]);
	}
	if (seen->line[P_ESP] == 0) {
		static const struct sd_esp_proposal def[] = {
			{ 256, true, true },
			{ 128, true, true },
		};

		memcpy(p->esp, def, sizeof(def));
		p->n_esp = sizeof(def) / sizeof(def[0]);
	}
	if (p->ike_lifetime_s != 0)
		shortest = p->ike_lifetime_s;
	if (p->child_lifetime_s != 0 &&
	    (shortest == 0 || p->child_lifetime_s < shortest))
		shortest = p->child_lifetime_s;
	if (seen->line[P_REKEY_JITTER] != 0) {
		if (shortest != 0 && p->rekey_jitter_s >= shortest)
			return fail(c, seen->line[P_REKEY_JITTER], "peer %s: "
			    "rekey_jitter (%us) must be shorter than the "
			    "lifetimes (%us)", p->name, p->rekey_jitter_s,
			    shortest);
	} else if (shortest != 0 && p->rekey_jitter_s > shortest / 10) {
		/* the 5 min default would not fit a short lifetime */
		p->rekey_jitter_s = shortest / 10;
	}
	return 0;
}

/* Defaults that need [global] (which may come after the peers). */
static int
finish_config(struct ctx *c)
{
	struct sd_config *cfg = c->cfg;

	if (cfg->device[0] == '\0')
		return fail(c, 0, "device not set");
	for (size_t i = 0; i < cfg->n_peers; i++) {
		struct sd_peer *p = &cfg->peers[i];

		if (c->seen[i].line[P_LOCAL_ID] == 0) {
			if (cfg->n_listen == 0)
				return fail(c, p->line, "peer %s: local_id not "
				    "set, and no listen address to take it "
				    "from", p->name);
			id_from_addr(&cfg->listen[0], &p->local_id);
		}
		if (c->seen[i].line[P_LOCAL_TS] == 0) {
			if (cfg->n_listen == 0)
				return fail(c, p->line, "peer %s: local_ts not "
				    "set, and no listen address to take it "
				    "from", p->name);
			ts_host(&cfg->listen[0], &p->local_ts[0]);
			p->n_local_ts = 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* sections, and the inih callbacks                                    */
/* ------------------------------------------------------------------ */

static bool
peer_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) >= SD_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    is_digit(*s) || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/* A "[...]" line (line points at the '['). */
static int
begin_section(struct ctx *c, const char *line)
{
	struct sd_config *cfg = c->cfg;
	const char *close = strchr(line, ']');
	const char *rest;
	char name[128];
	size_t n;

	if (close == NULL)
		return fail(c, c->lineno, "section header without ']'");
	for (rest = close + 1; is_blank(*rest); rest++)
		;
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		return fail(c, c->lineno, "text after the section header");
	line++;
	while (is_blank(*line))
		line++;
	n = (size_t)(close - line);
	while (n > 0 && is_blank(line[n - 1]))
		n--;
	if (n >= sizeof(name))
		return fail(c, c->lineno, "section name too long");
	memcpy(name, line, n);
	name[n] = '\0';

	/* the section that ends here */
	if (c->section == SEC_PEER && finish_peer(c, cfg->n_peers - 1) < 0)
		return -1;

	if (strcmp(name, "global") == 0) {
		if (c->global_line != 0)
			return fail(c, c->lineno, "second [global] section "
			    "(first at line %u)", c->global_line);
		c->global_line = c->lineno;
		c->section = SEC_GLOBAL;
		return 0;
	}
	if (strcmp(name, "peer") == 0)
		return fail(c, c->lineno, "[peer NAME] without a name");
	if (strncmp(name, "peer", 4) == 0 && is_blank(name[4])) {
		const char *pname = name + 5;
		struct sd_peer *p;

		while (is_blank(*pname))
			pname++;
		if (!peer_name_ok(pname))
			return fail(c, c->lineno, "peer name \"%s\": 1..%d of "
			    "A-Z a-z 0-9 - _ .", pname, SD_NAME_MAX - 1);
		for (size_t i = 0; i < cfg->n_peers; i++)
			if (strcmp(cfg->peers[i].name, pname) == 0)
				return fail(c, c->lineno, "duplicate peer %s "
				    "(first at line %u)", pname,
				    cfg->peers[i].line);
		if (cfg->n_peers == SD_MAX_PEERS)
			return fail(c, c->lineno, "more than %d peers",
			    SD_MAX_PEERS);
		p = &cfg->peers[cfg->n_peers++];
		peer_defaults(p);
		memcpy(p->name, pname, strlen(pname) + 1);
		p->line = c->lineno;
		memset(&c->seen[cfg->n_peers - 1], 0,
		    sizeof(c->seen[cfg->n_peers - 1]));
		c->peer = p;
		c->section = SEC_PEER;
		return 0;
	}
	return fail(c, c->lineno, "unknown section [%s] (global or peer NAME)",
	    name);
}

/* inih's ini_reader: one line of the file per call (so c->lineno is the
 * line of every handler call that follows), section headers handled here. */
static char *
read_line(char *str, int num, void *stream)
{
	struct ctx *c = stream;
	const char *start, *nl, *p;
	size_t len, content;

	if (c->failed || c->pos >= c->len || num < 4)
		return NULL;
	start = c->buf + c->pos;
	nl = memchr(start, '\n', c->len - c->pos);
	len = nl != NULL ? (size_t)(nl - start) + 1 : c->len - c->pos;
	c->lineno++;
	content = len;
	while (content > 0 && (start[content - 1] == '\n' ||
	    start[content - 1] == '\r'))
		content--;
	/* inih needs room for "\r\n\0" after the longest line */
	if (content > (size_t)num - 3 || len > (size_t)num - 1) {
		fail(c, c->lineno, "line longer than %d characters", num - 3);
		return NULL;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	c->pos += len;

	p = str;
	if (c->lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;         /* UTF-8 BOM, as inih skips it */
	while (is_blank(*p))
		p++;
	if (*p == '[' && begin_section(c, p) < 0)
		return NULL;
	return str;
}

static int
handle(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	char v[INI_MAX_LINE];
	const char *why = "";
	const bool quoted = value[0] == '"';
	int rc = -1;

	(void)section;          /* ours is c->section: see read_line() */
	if (c->failed)
		return 0;
	if (c->section == SEC_NONE) {
		fail(c, c->lineno, "option %s before any [section]", name);
		return 0;
	}
	if (unquote(value, v, sizeof(v), &why) < 0) {
		fail(c, c->lineno, "%s: %s", name, why);
		goto out;
	}
	if (v[0] == '\0') {
		fail(c, c->lineno, "%s: empty value", name);
		goto out;
	}
	if (c->section == SEC_GLOBAL) {
		int o;

		for (o = 0; o < G_COUNT; o++)
			if (strcmp(name, gopt_names[o]) == 0)
				break;
		if (o == G_COUNT) {
			fail(c, c->lineno, "unknown option %s in [global]",
			    name);
			goto out;
		}
		if (o != G_LISTEN && c->gline[o] != 0) {
			fail(c, c->lineno, "%s set twice (first at line %u)",
			    name, c->gline[o]);
			goto out;
		}
		c->gline[o] = c->lineno;
		rc = global_option(c, (enum gopt)o, v);
	} else {
		struct peer_seen *seen = &c->seen[c->cfg->n_peers - 1];
		int o;

		for (o = 0; o < P_COUNT; o++)
			if (strcmp(name, popt_names[o]) == 0)
				break;
		if (o == P_COUNT) {
			fail(c, c->lineno, "unknown option %s in [peer %s]",
			    name, c->peer->name);
			goto out;
		}
		if (seen->line[o] != 0 && o != P_IKE && o != P_ESP &&
		    o != P_LOCAL_TS && o != P_REMOTE_TS) {
			fail(c, c->lineno, "%s set twice (first at line %u)",
			    name, seen->line[o]);
			goto out;
		}
		if (seen->line[o] == 0)
			seen->line[o] = c->lineno;
		rc = peer_option(c, (enum popt)o, v, quoted);
	}
out:
	/* v may hold a PSK */
	explicit_bzero(v, sizeof(v));
	return rc == 0;
}

/* inih reads each line into a buffer on its own stack; once it returned,
 * the PSK lines are still there, below our frame. Overwrite that region. */
static void __attribute__((noinline))
burn_stack(void)
{
	unsigned char scratch[4 * INI_MAX_LINE + 4096];

	explicit_bzero(scratch, sizeof(scratch));
}

static int
read_file(struct ctx *c)
{
	struct stat st;
	ssize_t got;
	size_t done = 0;
	const char *nul;
	int fd;

	fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, 0, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		const int e = errno;

		close(fd);
		return fail(c, 0, "%s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(c, 0, "not a regular file");
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		close(fd);
		return fail(c, 0, "larger than %d bytes", CONFIG_FILE_MAX);
	}
	c->buf = malloc((size_t)st.st_size + 1);
	if (c->buf == NULL) {
		close(fd);
		return fail(c, 0, "out of memory");
	}
	/* read to EOF, however much st_size said (the file may change) */
	for (;;) {
		if (done == (size_t)st.st_size + 1) {
			close(fd);
			return fail(c, 0, "file grew while being read");
		}
		got = read(fd, c->buf + done, (size_t)st.st_size + 1 - done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			const int e = errno;

			close(fd);
			return fail(c, 0, "%s", strerror(e));
		}
		if (got == 0)
			break;
		done += (size_t)got;
	}
	close(fd);
	c->len = done;
	nul = memchr(c->buf, '\0', c->len);
	if (nul != NULL) {
		unsigned line = 1;

		for (const char *p = c->buf; p < nul; p++)
			if (*p == '\n')
				line++;
		return fail(c, line, "NUL byte in the file");
	}
	return 0;
}

void
sd_config_defaults(struct sd_config *out)
{
	memset(out, 0, sizeof(*out));
	/* copy_str cannot fail on these short constants */
	copy_str(out->control_socket, sizeof(out->control_socket),
	    "/run/spisync/spisyncd.sock");
	copy_str(out->flightrec_dir, sizeof(out->flightrec_dir),
	    "/var/lib/spisync/flightrec");
	out->flightrec_keep = 20;
	out->miss_log_interval_s = 60;
	out->stuck_holdoff_s = 2;
	out->recovery_interval_s = 10;
	out->retransmit_timeout_ms = 500;
	out->retransmit_tries = 5;
	out->retransmit_base = 1.8;
	out->cookie_threshold = 32;
	out->half_open_timeout_s = 30;
	out->event_ring_log2 = 12;
	out->syslog_facility = LOG_DAEMON;
}

void
sd_config_free(struct sd_config *cfg)
{
	/* every slot, not just n_peers: a failed load may have written one
	 * past the count */
	for (size_t i = 0; i < SD_MAX_PEERS; i++) {
		explicit_bzero(cfg->peers[i].psk, sizeof(cfg->peers[i].psk));
		cfg->peers[i].psk_len = 0;
	}
}

int
sd_config_load(const char *path, struct sd_config *out, char *err,
    size_t errlen)
{
	static char comment_prefixes[] = ";#";  /* inih's is not const */
	/* inih's options are process-wide (Debian builds them as variables):
	 * set what this format needs, put them back afterwards */
	const bool saved_inline = ini_allow_inline_comments;
	const bool saved_multiline = ini_allow_multiline;
	const bool saved_stop = ini_stop_on_first_error;
	const bool saved_novalue = ini_allow_no_value;
	const bool saved_bom = ini_allow_bom;
	char *const saved_prefixes = ini_start_comment_prefixes;
	struct ctx *c;
	int rc;

	sd_config_defaults(out);
	if (errlen > 0)
		err[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	c->path = path;
	c->cfg = out;
	c->err = err;
	c->errlen = errlen;
	if (copy_str(out->path, sizeof(out->path), path) < 0) {
		fail(c, 0, "path longer than %d characters", SD_PATH_MAX - 1);
		goto done;
	}
	if (read_file(c) < 0)
		goto done;

	ini_allow_inline_comments = false;     /* ours respect quotes */
	ini_allow_multiline = false;           /* an indented line: error */
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	ini_start_comment_prefixes = comment_prefixes;
	rc = ini_parse_stream(read_line, c, handle, c);
	ini_allow_inline_comments = saved_inline;
	ini_allow_multiline = saved_multiline;
	ini_stop_on_first_error = saved_stop;
	ini_allow_no_value = saved_novalue;
	ini_allow_bom = saved_bom;
	ini_start_comment_prefixes = saved_prefixes;
	burn_stack();

	if (c->failed)
		goto done;
	if (rc > 0) {
		fail(c, (unsigned)rc, "expected [section], name = value or a "
		    "comment");
		goto done;
	}
	if (rc < 0) {
		fail(c, 0, "inih failed (%d)", rc);
		goto done;
	}
	if (c->section == SEC_PEER && finish_peer(c, out->n_peers - 1) < 0)
		goto done;
	finish_config(c);
done:
	if (c->buf != NULL) {
		explicit_bzero(c->buf, c->len);
		free(c->buf);
	}
	rc = c->failed ? -1 : 0;
	free(c);
	if (rc < 0) {
		/* nothing that needs freeing, and no key left behind */
		sd_config_free(out);
		out->n_peers = 0;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* lookups and names                                                   */
/* ------------------------------------------------------------------ */

const struct sd_peer *
sd_config_static_peer(const struct sd_config *cfg, const struct sockaddr *addr)
{
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct sd_peer *p = &cfg->peers[i];

		if (p->type == SD_PEER_STATIC &&
		    same_ip((const struct sockaddr *)&p->addr, addr))
			return p;
	}
	return NULL;
}

/* addr inside a dynamic peer's range */
static bool
in_range(const struct sd_peer *p, const struct sockaddr *addr)
{
	const uint8_t *a, *r;
	size_t na, nr;
	uint8_t start[16], end[16];

	if (p->addr.ss_family == AF_UNSPEC)
		return true;
	na = addr_bytes(addr, &a);
	nr = literal_bytes(&p->addr, &r);
	if (na == 0 || na != nr ||
	    range_from_prefix(r, nr, p->prefix, start, end) < 0)
		return false;
	return memcmp(a, start, na) >= 0 && memcmp(a, end, na) <= 0;
}

const struct sd_peer *
sd_config_peer_by_addr(const struct sd_config *cfg,
    const struct sockaddr *addr)
{
	const struct sd_peer *p = sd_config_static_peer(cfg, addr);

	if (p != NULL)
		return p;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		p = &cfg->peers[i];
		if (p->type == SD_PEER_DYNAMIC && in_range(p, addr))
			return p;
	}
	return NULL;
}

const struct sd_peer *
sd_config_peer_by_name(const struct sd_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return &cfg->peers[i];
	return NULL;
}

/* 0, or -1 (unknown transform, or buf too small: buf then holds "") */
int
sd_ike_proposal_str(const struct sd_ike_proposal *p, char *buf, size_t len)
{
	const char *prf, *dh;
	int n;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (p->prf == SD_PRF_HMAC_SHA2_256)
		prf = "prfsha256";
	else if (p->prf == SD_PRF_HMAC_SHA2_384)
		prf = "prfsha384";
	else
		return -1;
	if (p->dh == SD_DH_MODP_2048)
		dh = "modp2048";
	else if (p->dh == SD_DH_ECP_256)
		dh = "ecp256";
	else if (p->dh == SD_DH_CURVE25519)
		dh = "curve25519";
	else
		return -1;
	if (p->encr_keybits != 128 && p->encr_keybits != 256)
		return -1;
	n = snprintf(buf, len, "aes%ugcm16-%s-%s", (unsigned)p->encr_keybits,
	    prf, dh);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
sd_esp_proposal_str(const struct sd_esp_proposal *p, char *buf, size_t len)
{
	const char *esn;
	int n;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if ((p->encr_keybits != 128 && p->encr_keybits != 256) ||
	    (!p->esn_yes && !p->esn_no))
		return -1;
	if (p->esn_yes && p->esn_no)
		esn = "-esn-noesn";
	else if (p->esn_yes)
		esn = "-esn";
	else
		esn = "";
	n = snprintf(buf, len, "aes%ugcm16%s", (unsigned)p->encr_keybits, esn);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}
