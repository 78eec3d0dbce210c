/*
 * spisync -- reader for Wireshark's ESP SA table; the format and what is
 * accepted are described in esp_sa.h.
 *
 * Keys pass through three places: the caller's text, the unescaped field
 * storage of one line, and the entries. The last two are cleansed here;
 * esp_sa_load() also cleanses the copy of the file it reads.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "esp_sa.h"
#include "hex.h"

enum field_index {
	FIELD_PROTOCOL,
	FIELD_SRC,
	FIELD_DST,
	FIELD_SPI,
	FIELD_ENCRYPTION,
	FIELD_ENCRYPTION_KEY,
	FIELD_AUTHENTICATION,
	FIELD_AUTHENTICATION_KEY,
	FIELD_SN,
	FIELD_ESN_HIGH,
	FIELDS_MAX
};

/* Lines written before Wireshark had the SN and ESN High Bits columns. */
enum { FIELDS_WITHOUT_SN = FIELD_SN };

/* Wireshark's column titles, so messages name what the GUI shows. */
static const char *const field_titles[FIELDS_MAX] = {
	"Protocol", "Src IP", "Dest IP", "SPI", "Encryption",
	"Encryption Key", "Authentication", "Authentication Key", "SN",
	"ESN High Bits",
};

enum { REASON_MAX = 512 };
/* Longest field value quoted in a message; longer ones are cut. */
enum { QUOTE_MAX = 60 };

/* The fields of one line, unescaped, each NUL-terminated in storage. */
struct line_fields {
	const char *value[FIELDS_MAX];
	size_t count;
	/* every byte of the line at most once, plus a NUL per field */
	char storage[ESP_SA_LINE_MAX + FIELDS_MAX + 1];
};

enum line_kind {
	LINE_SKIP,
	LINE_RECORD,
	LINE_BAD
};

static const char not_gcm[] =
    "the card only decrypts AES-GCM (RFC 4106)";

struct encryption_name {
	const char *name;
	unsigned icv_len;	/* 0 when refused */
	const char *refusal;
};

static const struct encryption_name encryption_names[] = {
	{ "AES-GCM with 8 octet ICV [RFC4106]", 8, NULL },
	{ "AES-GCM with 12 octet ICV [RFC4106]", 12, NULL },
	{ "AES-GCM with 16 octet ICV [RFC4106]", 16, NULL },
	{ "AES-GCM [RFC4106]", 0,
	    "it does not state the ICV length (Wireshark then assumes none); "
	    "use \"AES-GCM with 16 octet ICV [RFC4106]\" or the 8 or 12 octet "
	    "variant" },
	{ "AES-GCM with IIV and 16 octet ICV [RFC4106 & RFC8750]", 0,
	    "it uses the implicit IV of RFC 8750; the card only does RFC 4106 "
	    "with the IV carried in the packet" },
	{ "NULL", 0, not_gcm },
	{ "TripleDES-CBC [RFC2451]", 0, not_gcm },
	{ "AES-CBC [RFC3602]", 0, not_gcm },
	{ "AES-CTR [RFC3686]", 0, not_gcm },
	{ "DES-CBC [RFC2405]", 0, not_gcm },
	{ "CAST5-CBC [RFC2144]", 0, not_gcm },
	{ "BLOWFISH-CBC [RFC2451]", 0, not_gcm },
	{ "TWOFISH-CBC", 0, not_gcm },
	{ "ChaCha20 with Poly1305 [RFC7634]", 0, not_gcm },
	{ "ChaCha20 with Poly1305 and IIV [RFC7634 & RFC8750]", 0, not_gcm },
};

static const char *const authentication_names[] = {
	"NULL",
	"HMAC-SHA-1-96 [RFC2404]",
	"HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]",
	"HMAC-SHA-256-128 [RFC4868]",
	"HMAC-SHA-384-192 [RFC4868]",
	"HMAC-SHA-512-256 [RFC4868]",
	"HMAC-MD5-96 [RFC2403]",
	"MAC-RIPEMD-160-96 [RFC2857]",
	"ANY 64 bit authentication [no checking]",
	"ANY 96 bit authentication [no checking]",
	"ANY 128 bit authentication [no checking]",
	"ANY 192 bit authentication [no checking]",
	"ANY 256 bit authentication [no checking]",
};

static void
report(char *err, size_t errlen, const char *name, unsigned line,
    const char *reason)
{
	int n;

	if (err == NULL || errlen == 0)
		return;
	if (line == 0)
		n = snprintf(err, errlen, "%s: %s", name, reason);
	else
		n = snprintf(err, errlen, "%s:%u: %s", name, line, reason);
	if (n < 0)
		err[0] = '\0';
}

static bool
has_hex_prefix(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

static bool
all_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (hex_digit_value(s[i]) < 0)
			return false;
	return true;
}

/*
 * Copy a field value into buf for a message. Key columns never come here;
 * values shaped like hex key material are withheld as well, in case a
 * misplaced column put a key where a name was expected.
 */
static void
quote_value(const char *value, char *buf, size_t buflen)
{
	const size_t len = strlen(value);
	size_t n = 0;
	size_t i;

	/* keys are 40 or more hex digits; SPIs and ESN bits at most 8 */
	if ((has_hex_prefix(value) && len > 2 + 16 && all_hex(value + 2, len - 2)) ||
	    (len > 16 && all_hex(value, len))) {
		snprintf(buf, buflen, "(value withheld: it looks like key material)");
		return;
	}
	for (i = 0; i < len && i < QUOTE_MAX && n + 1 < buflen; i++) {
		const unsigned char c = (unsigned char)value[i];

		buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	if (i < len && n + 4 <= buflen)
		memcpy(buf + n, "...", 4);
}

static size_t
skip_blanks(const char *line, size_t len, size_t pos)
{
	while (pos < len && (line[pos] == ' ' || line[pos] == '\t'))
		pos++;
	return pos;
}

/*
 * Unescape the quoted string starting at line[*pos] (the opening quote)
 * into storage at *out. Inside quotes a backslash escapes the next
 * character, so \" does not end the string: uat_load.l's quoted_string.
 */
static int
read_quoted(const char *line, size_t len, size_t *pos, char *storage,
    size_t *out, size_t field, char *why, size_t whylen)
{
	size_t i = *pos + 1;
	size_t o = *out;

	while (i < len && line[i] != '"') {
		unsigned char c = (unsigned char)line[i];

		if (c == '\\') {
			if (i + 1 >= len) {
				i = len;	/* a backslash at the end escapes nothing */
				break;
			}
			if (line[i + 1] == 'x') {
				if (i + 3 >= len || hex_digit_value(line[i + 2]) < 0 ||
				    hex_digit_value(line[i + 3]) < 0) {
					snprintf(why, whylen, "field %zu (%s): \\x "
					    "must be followed by two hex digits",
					    field + 1, field_titles[field]);
					return -1;
				}
				c = (unsigned char)(hex_digit_value(line[i + 2]) * 16 +
				    hex_digit_value(line[i + 3]));
				i += 4;
			} else if (line[i + 1] == '"' || line[i + 1] == '\\') {
				c = (unsigned char)line[i + 1];
				i += 2;
			} else {
				snprintf(why, whylen, "field %zu (%s): unsupported "
				    "escape sequence (Wireshark writes only \\xNN)",
				    field + 1, field_titles[field]);
				return -1;
			}
			if (c == '\0') {
				snprintf(why, whylen, "field %zu (%s): contains a "
				    "NUL byte", field + 1, field_titles[field]);
				return -1;
			}
		} else {
			i++;
		}
		storage[o++] = (char)c;
	}
	if (i >= len) {
		snprintf(why, whylen, "field %zu (%s): unterminated quoted string",
		    field + 1, field_titles[field]);
		return -1;
	}
	*pos = i + 1;
	*out = o;
	return 0;
}

/* Split one line (no newline, no NUL) into unescaped fields. */
static enum line_kind
split_line(const char *line, size_t len, struct line_fields *f, char *why,
    size_t whylen)
{
	size_t pos = skip_blanks(line, len, 0);
	size_t out = 0;

	f->count = 0;
	if (pos == len || line[pos] == '#')
		return LINE_SKIP;

	for (;;) {
		if (f->count == FIELDS_MAX) {
			snprintf(why, whylen, "more than %d fields", FIELDS_MAX);
			return LINE_BAD;
		}
		f->value[f->count] = &f->storage[out];
		pos = skip_blanks(line, len, pos);
		if (pos < len && line[pos] == '"') {
			if (read_quoted(line, len, &pos, f->storage, &out,
			    f->count, why, whylen) == -1)
				return LINE_BAD;
		} else if (pos < len && line[pos] != ',') {
			snprintf(why, whylen, "field %zu (%s): expected a "
			    "double-quoted string", f->count + 1,
			    field_titles[f->count]);
			return LINE_BAD;
		}
		/* otherwise an empty unquoted field, which the UAT lexer takes */
		f->storage[out++] = '\0';
		f->count++;

		pos = skip_blanks(line, len, pos);
		if (pos == len)
			return LINE_RECORD;
		if (line[pos] != ',') {
			snprintf(why, whylen, "field %zu (%s): unexpected "
			    "character after the field", f->count,
			    field_titles[f->count - 1]);
			return LINE_BAD;
		}
		pos++;
	}
}

static int
parse_family(const char *s, enum esp_sa_family *family, char *why,
    size_t whylen)
{
	char quoted[QUOTE_MAX + 8];

	if (strcmp(s, "IPv4") == 0)
		*family = ESP_SA_IPV4;
	else if (strcmp(s, "IPv6") == 0)
		*family = ESP_SA_IPV6;
	else if (strcmp(s, "Any") == 0)
		*family = ESP_SA_ANY;
	else {
		quote_value(s, quoted, sizeof(quoted));
		snprintf(why, whylen, "Protocol \"%s\" is not IPv4, IPv6 or Any",
		    quoted);
		return -1;
	}
	return 0;
}

/* Decimal without sign or leading zero, at most max. */
static int
parse_prefix_len(const char *s, unsigned max, unsigned *out)
{
	unsigned value = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return -1;
		value = value * 10 + (unsigned)(s[i] - '0');
	}
	if (value > max)
		return -1;
	*out = value;
	return 0;
}

static bool
ends_with(const char *s, size_t len, const char *suffix)
{
	const size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/*
 * Wireshark matches an IPv4 '*' octet as any value. Trailing ones are a
 * prefix: rewrite "10.1.*.*" as "10.1.0.0" and give back its length.
 */
static void
ipv4_trailing_wildcards(char *text, unsigned *prefix_len)
{
	static const char *const suffixes[] = { ".*.*.*", ".*.*", ".*" };
	const size_t len = strlen(text);

	if (strcmp(text, "*.*.*.*") == 0) {
		strcpy(text, "0.0.0.0");
		*prefix_len = 0;
		return;
	}
	for (size_t k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
		const size_t n = strlen(suffixes[k]);

		if (ends_with(text, len, suffixes[k])) {
			for (size_t i = len - n; i < len; i++)
				if (text[i] == '*')
					text[i] = '0';
			*prefix_len = 32 - 8 * (unsigned)(n / 2);
			return;
		}
	}
}

static void
clear_host_bits(uint8_t *addr, size_t addr_len, unsigned prefix_len)
{
	for (size_t i = 0; i < addr_len; i++) {
		const unsigned first_bit = (unsigned)i * 8;

		if (prefix_len >= first_bit + 8)
			continue;
		if (prefix_len <= first_bit)
			addr[i] = 0;
		else
			addr[i] &= (uint8_t)(0xff << (8 - (prefix_len - first_bit)));
	}
}

static int
parse_address(const char *s, enum esp_sa_family family, size_t field,
    struct esp_sa_addr *out, char *why, size_t whylen)
{
	const char *const title = field_titles[field];
	const bool v4 = family == ESP_SA_IPV4;
	const unsigned max_len = v4 ? 32 : 128;
	char quoted[QUOTE_MAX + 8];
	char text[64];
	char *slash;
	unsigned prefix_len = max_len;

	memset(out, 0, sizeof(*out));
	out->family = family;
	if (strcmp(s, "*") == 0 || (family == ESP_SA_ANY && s[0] == '\0')) {
		out->wildcard = true;
		return 0;
	}
	if (family == ESP_SA_ANY) {
		snprintf(why, whylen, "%s must be \"*\" when Protocol is Any: "
		    "Wireshark ignores addresses there", title);
		return -1;
	}
	if (s[0] == '\0') {
		snprintf(why, whylen, "%s is empty (\"*\" means any address)",
		    title);
		return -1;
	}

	quote_value(s, quoted, sizeof(quoted));
	if (strlen(s) >= sizeof(text))
		goto bad;
	strcpy(text, s);
	slash = strchr(text, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (parse_prefix_len(slash + 1, max_len, &prefix_len) == -1) {
			snprintf(why, whylen, "%s \"%s\": the prefix length must "
			    "be 0..%u", title, quoted, max_len);
			return -1;
		}
	} else if (v4) {
		ipv4_trailing_wildcards(text, &prefix_len);
	}
	if (strchr(text, '*') != NULL) {
		snprintf(why, whylen, "%s \"%s\": only \"*\"%s and prefixes are "
		    "supported as wildcards, e.g. %s", title, quoted,
		    v4 ? ", trailing \"*\" octets" : "",
		    v4 ? "10.1.0.0/16" : "2001:db8::/32");
		return -1;
	}
	if (inet_pton(v4 ? AF_INET : AF_INET6, text, out->addr) != 1)
		goto bad;
	clear_host_bits(out->addr, v4 ? 4 : 16, prefix_len);
	out->prefix_len = prefix_len;
	out->wildcard = prefix_len == 0;
	return 0;

bad:
	snprintf(why, whylen, "%s \"%s\" is not an %s address or prefix", title,
	    quoted, v4 ? "IPv4" : "IPv6");
	return -1;
}

/* 1..n hex digits, value up to 0xFFFFFFFF. */
static int
parse_hex_u32(const char *s, uint32_t *out)
{
	uint64_t value = 0;

	if (s[0] == '\0')
		return -1;
	for (size_t i = 0; s[i] != '\0'; i++) {
		const int digit = hex_digit_value(s[i]);

		if (digit < 0)
			return -1;
		value = value * 16 + (uint64_t)digit;
		if (value > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)value;
	return 0;
}

static int
parse_decimal_u32(const char *s, uint32_t *out)
{
	uint64_t value = 0;

	if (s[0] == '\0')
		return -1;
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		value = value * 10 + (uint64_t)(s[i] - '0');
		if (value > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)value;
	return 0;
}

static int
parse_spi(const char *s, struct esp_sa_entry *e, char *why, size_t whylen)
{
	char quoted[QUOTE_MAX + 8];
	int rc;

	if (strcmp(s, "*") == 0) {
		e->spi_wildcard = true;
		return 0;
	}
	quote_value(s, quoted, sizeof(quoted));
	if (strchr(s, '*') != NULL) {
		snprintf(why, whylen, "SPI \"%s\": partial SPI wildcards are not "
		    "supported, only \"*\"", quoted);
		return -1;
	}
	/* strtoul(s, NULL, 0) in Wireshark would read "010" as octal 8 */
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
		snprintf(why, whylen, "SPI \"%s\": a leading 0 makes it octal in "
		    "Wireshark; write it as 0x... or plain decimal", quoted);
		return -1;
	}
	if (has_hex_prefix(s))
		rc = parse_hex_u32(s + 2, &e->spi);
	else
		rc = parse_decimal_u32(s, &e->spi);
	if (rc == -1) {
		snprintf(why, whylen, "SPI \"%s\" is not a number from 0 to "
		    "0xFFFFFFFF (\"0x\" hex or decimal) or \"*\"", quoted);
		return -1;
	}
	return 0;
}

static int
parse_encryption(const char *s, unsigned *icv_len, char *why, size_t whylen)
{
	char quoted[QUOTE_MAX + 8];

	for (size_t i = 0; i < sizeof(encryption_names) /
	    sizeof(encryption_names[0]); i++) {
		const struct encryption_name *n = &encryption_names[i];

		if (strcmp(s, n->name) != 0)
			continue;
		if (n->refusal != NULL) {
			snprintf(why, whylen, "Encryption \"%s\" refused: %s",
			    n->name, n->refusal);
			return -1;
		}
		*icv_len = n->icv_len;
		return 0;
	}
	quote_value(s, quoted, sizeof(quoted));
	snprintf(why, whylen, "unknown Encryption \"%s\" (names must match "
	    "Wireshark's exactly, e.g. \"AES-GCM with 16 octet ICV [RFC4106]\")",
	    quoted);
	return -1;
}

/* AES-GCM authenticates by itself, so Wireshark requires NULL with it. */
static int
parse_authentication(const char *algorithm, const char *key, char *why,
    size_t whylen)
{
	char quoted[QUOTE_MAX + 8];

	if (strcmp(algorithm, "NULL") != 0) {
		bool known = false;

		for (size_t i = 0; i < sizeof(authentication_names) /
		    sizeof(authentication_names[0]); i++)
			if (strcmp(algorithm, authentication_names[i]) == 0)
				known = true;
		quote_value(algorithm, quoted, sizeof(quoted));
		snprintf(why, whylen, "%sAuthentication \"%s\" refused: AES-GCM "
		    "carries its own ICV, so Authentication must be \"NULL\"",
		    known ? "" : "unknown ", quoted);
		return -1;
	}
	/* "0x" alone is Wireshark's empty key */
	if (key[0] != '\0' && !(has_hex_prefix(key) && key[2] == '\0')) {
		snprintf(why, whylen, "Authentication Key must be empty when "
		    "Authentication is NULL");
		return -1;
	}
	return 0;
}

static void
key_length_reason(size_t len, bool hex, char *why, size_t whylen)
{
	const char *hint = hex ? "" :
	    " (without \"0x\" Wireshark takes the characters themselves as the key)";

	if (len == 16 || len == 32)
		snprintf(why, whylen, "Encryption Key has %zu bytes, a bare "
		    "AES-%zu key: append the 4-byte salt (20 or 36 bytes)%s",
		    len, len * 8, hint);
	else if (len == 24 + ESP_SA_SALT_LEN)
		snprintf(why, whylen, "Encryption Key has %zu bytes, AES-192 + "
		    "salt: the card does AES-128 and AES-256 only%s", len, hint);
	else
		snprintf(why, whylen, "Encryption Key has %zu bytes; AES-GCM needs "
		    "20 (AES-128 key + 4-byte salt) or 36 (AES-256 key + 4-byte "
		    "salt)%s", len, hint);
}

/* The key text is secret: no message quotes it or a part of it. */
static int
parse_key(const char *s, struct esp_sa_entry *e, char *why, size_t whylen)
{
	uint8_t raw[32 + ESP_SA_SALT_LEN];
	const size_t len = strlen(s);
	size_t raw_len;

	if (has_hex_prefix(s) && len > 2) {
		const char *hex = s + 2;
		const size_t digits = len - 2;

		if (!all_hex(hex, digits)) {
			snprintf(why, whylen, "Encryption Key: after \"0x\" only "
			    "hex digits may follow");
			return -1;
		}
		if (digits % 2 != 0) {
			snprintf(why, whylen, "Encryption Key has an odd number "
			    "(%zu) of hex digits", digits);
			return -1;
		}
		raw_len = digits / 2;
		if (raw_len != 20 && raw_len != 36) {
			key_length_reason(raw_len, true, why, whylen);
			return -1;
		}
		for (size_t i = 0; i < raw_len; i++)
			raw[i] = (uint8_t)(hex_digit_value(hex[2 * i]) * 16 +
			    hex_digit_value(hex[2 * i + 1]));
	} else {
		if (len == 0 || has_hex_prefix(s)) {
			snprintf(why, whylen, "Encryption Key is empty");
			return -1;
		}
		raw_len = len;
		if (raw_len != 20 && raw_len != 36) {
			key_length_reason(raw_len, false, why, whylen);
			return -1;
		}
		memcpy(raw, s, raw_len);
	}
	e->key_len = raw_len - ESP_SA_SALT_LEN;
	memcpy(e->key, raw, e->key_len);
	memcpy(e->salt, raw + e->key_len, ESP_SA_SALT_LEN);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

static int
parse_sequence_numbers(const char *sn, const char *high, struct esp_sa_entry *e,
    char *why, size_t whylen)
{
	char quoted[QUOTE_MAX + 8];
	const char *digits = has_hex_prefix(high) ? high + 2 : high;

	if (strcmp(sn, "32-bit") == 0)
		e->esn = false;
	else if (strcmp(sn, "64-bit") == 0)
		e->esn = true;
	else {
		quote_value(sn, quoted, sizeof(quoted));
		snprintf(why, whylen, "SN \"%s\" is not \"32-bit\" or \"64-bit\"",
		    quoted);
		return -1;
	}
	/* Wireshark reads an empty ESN High Bits as 0 */
	if (high[0] == '\0')
		e->esn_high = 0;
	else if (parse_hex_u32(digits, &e->esn_high) == -1) {
		quote_value(high, quoted, sizeof(quoted));
		snprintf(why, whylen, "ESN High Bits \"%s\" is not a hex number "
		    "of at most 32 bits", quoted);
		return -1;
	}
	if (!e->esn && e->esn_high != 0) {
		snprintf(why, whylen, "ESN High Bits is set but SN is 32-bit; "
		    "choose 64-bit or set it to 0");
		return -1;
	}
	return 0;
}

static int
decode_entry(const struct line_fields *f, struct esp_sa_entry *e, char *why,
    size_t whylen)
{
	const char *const *v = f->value;

	memset(e, 0, sizeof(*e));
	if (f->count != FIELDS_MAX && f->count != FIELDS_WITHOUT_SN) {
		snprintf(why, whylen, "%zu fields; an ESP SA line has %d "
		    "(Protocol, Src IP, Dest IP, SPI, Encryption, Encryption Key, "
		    "Authentication, Authentication Key, SN, ESN High Bits), or %d "
		    "if written before Wireshark had the SN columns", f->count,
		    FIELDS_MAX, FIELDS_WITHOUT_SN);
		return -1;
	}
	if (parse_family(v[FIELD_PROTOCOL], &e->family, why, whylen) == -1)
		return -1;
	if (parse_address(v[FIELD_SRC], e->family, FIELD_SRC, &e->src, why,
	    whylen) == -1)
		return -1;
	if (parse_address(v[FIELD_DST], e->family, FIELD_DST, &e->dst, why,
	    whylen) == -1)
		return -1;
	if (parse_spi(v[FIELD_SPI], e, why, whylen) == -1)
		return -1;
	/* the algorithm first, so a non-GCM line is refused for what it is */
	if (parse_encryption(v[FIELD_ENCRYPTION], &e->icv_len, why, whylen) == -1)
		return -1;
	if (parse_authentication(v[FIELD_AUTHENTICATION],
	    v[FIELD_AUTHENTICATION_KEY], why, whylen) == -1)
		return -1;
	if (parse_key(v[FIELD_ENCRYPTION_KEY], e, why, whylen) == -1)
		return -1;
	if (f->count == FIELDS_MAX)
		return parse_sequence_numbers(v[FIELD_SN], v[FIELD_ESN_HIGH], e,
		    why, whylen);
	return 0;
}

/*
 * Grow by copying rather than realloc(), so the old block can be cleansed
 * before it is freed: it holds keys.
 */
static int
table_append(struct esp_sa_table *t, size_t *capacity,
    const struct esp_sa_entry *e)
{
	if (t->count == *capacity) {
		const size_t max = SIZE_MAX / 2 / sizeof(*t->entries);
		size_t new_capacity;
		struct esp_sa_entry *grown;

		if (*capacity > max)
			return -1;
		new_capacity = *capacity == 0 ? 16 : *capacity * 2;
		grown = calloc(new_capacity, sizeof(*grown));
		if (grown == NULL)
			return -1;
		if (t->count > 0) {
			memcpy(grown, t->entries, t->count * sizeof(*grown));
			OPENSSL_cleanse(t->entries, t->count * sizeof(*grown));
		}
		free(t->entries);
		t->entries = grown;
		*capacity = new_capacity;
	}
	t->entries[t->count++] = *e;
	return 0;
}

void
esp_sa_table_free(struct esp_sa_table *t)
{
	if (t == NULL)
		return;
	if (t->entries != NULL && t->count > 0)
		OPENSSL_cleanse(t->entries, t->count * sizeof(*t->entries));
	free(t->entries);
	t->entries = NULL;
	t->count = 0;
}

/* Parse one line into *e; LINE_BAD leaves the reason in why. */
static enum line_kind
parse_line(const char *line, size_t len, struct line_fields *fields,
    struct esp_sa_entry *e, char *why, size_t whylen)
{
	enum line_kind kind;

	if (len > ESP_SA_LINE_MAX) {
		snprintf(why, whylen, "line is longer than %d bytes",
		    ESP_SA_LINE_MAX);
		return LINE_BAD;
	}
	/* a NUL would cut a field short where Wireshark's reader sees more */
	if (memchr(line, '\0', len) != NULL) {
		snprintf(why, whylen, "line contains a NUL byte");
		return LINE_BAD;
	}
	kind = split_line(line, len, fields, why, whylen);
	if (kind != LINE_RECORD)
		return kind;
	if (decode_entry(fields, e, why, whylen) == -1)
		return LINE_BAD;
	return LINE_RECORD;
}

int
esp_sa_parse_buffer(const char *name, const char *text, size_t len,
    struct esp_sa_table *out, char *err, size_t errlen)
{
	struct esp_sa_table table = { NULL, 0 };
	struct line_fields fields;
	struct esp_sa_entry entry;
	char why[REASON_MAX];
	size_t capacity = 0;
	size_t pos = 0;
	unsigned line_no = 0;
	int rc = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name == NULL)
		name = "(buffer)";
	if (out == NULL || (text == NULL && len > 0)) {
		report(err, errlen, name, 0, "invalid arguments");
		return -1;
	}
	out->entries = NULL;
	out->count = 0;
	memset(&entry, 0, sizeof(entry));

	while (pos < len) {
		const char *const start = text + pos;
		const char *const newline = memchr(start, '\n', len - pos);
		size_t line_len = newline != NULL ? (size_t)(newline - start) :
		    len - pos;

		pos += line_len + (newline != NULL ? 1 : 0);
		if (line_no == UINT_MAX) {
			report(err, errlen, name, 0, "too many lines");
			goto fail;
		}
		line_no++;
		/* "\r\n" is a line end to the UAT lexer too */
		if (line_len > 0 && start[line_len - 1] == '\r')
			line_len--;

		switch (parse_line(start, line_len, &fields, &entry, why,
		    sizeof(why))) {
		case LINE_SKIP:
			continue;
		case LINE_BAD:
			report(err, errlen, name, line_no, why);
			goto fail;
		case LINE_RECORD:
			break;
		}
		entry.line = line_no;
		if (table_append(&table, &capacity, &entry) == -1) {
			report(err, errlen, name, line_no, "out of memory");
			goto fail;
		}
	}
	if (table.count == 0) {
		report(err, errlen, name, 0, "no SA lines, only blank and comment "
		    "lines: an empty SA table would drop every ESP packet");
		goto fail;
	}
	*out = table;
	rc = 0;
	goto done;

fail:
	esp_sa_table_free(&table);
done:
	OPENSSL_cleanse(&fields, sizeof(fields));
	OPENSSL_cleanse(&entry, sizeof(entry));
	return rc;
}

/* Read all of path; *text is cleansed and freed by the caller. */
static int
read_file(const char *path, char **text, size_t *len, char *why, size_t whylen)
{
	FILE *fp;
	char *buf = NULL;
	size_t size = 0;
	size_t used = 0;
	int rc = -1;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (used == size) {
			const size_t new_size = size == 0 ? 4096 : size * 2;
			char *grown;

			if (size >= (size_t)ESP_SA_FILE_MAX + 1) {
				snprintf(why, whylen, "file is larger than %d bytes",
				    ESP_SA_FILE_MAX);
				goto out;
			}
			grown = malloc(new_size);
			if (grown == NULL) {
				snprintf(why, whylen, "out of memory");
				goto out;
			}
			if (used > 0)
				memcpy(grown, buf, used);
			if (buf != NULL)
				OPENSSL_cleanse(buf, size);
			free(buf);
			buf = grown;
			size = new_size;
		}
		got = fread(buf + used, 1, size - used, fp);
		used += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(why, whylen, "read error: %s", strerror(errno));
		goto out;
	}
	if (used > (size_t)ESP_SA_FILE_MAX) {
		snprintf(why, whylen, "file is larger than %d bytes",
		    ESP_SA_FILE_MAX);
		goto out;
	}
	*text = buf;
	*len = used;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, size);
		free(buf);
	}
	fclose(fp);
	return rc;
}

int
esp_sa_load(const char *path, struct esp_sa_table *out, char *err,
    size_t errlen)
{
	char why[REASON_MAX];
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out != NULL) {
		out->entries = NULL;
		out->count = 0;
	}
	if (path == NULL || out == NULL) {
		report(err, errlen, path != NULL ? path : "(null)", 0,
		    "invalid arguments");
		return -1;
	}
	if (read_file(path, &text, &len, why, sizeof(why)) == -1) {
		report(err, errlen, path, 0, why);
		return -1;
	}
	rc = esp_sa_parse_buffer(path, text, len, out, err, errlen);
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	return rc;
}
