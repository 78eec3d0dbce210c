/*
 * spisync -- reader for Wireshark's ESP SA table (the "esp_sa" file in a
 * Wireshark profile, edited under Preferences > Protocols > ESP > ESP SAs),
 * so spisync-sim can preload the same static SAs an analyst already uses to
 * decrypt a capture.
 *
 * The format, as found in Wireshark's sources:
 *
 *   epan/dissectors/packet-ipsec.c, wireshark/wireshark master as mirrored
 *     in 1g4-mirror/wireshark at commit 1134444c31838bf9db4b75fa99704ba22d76cd19
 *     (uat_new("ESP SAs", ..., "esp_sa", ...), esp_uat_flds[], the value
 *     strings, compute_ascii_key(), get_full_ipv4_addr/ipv6_addr(),
 *     filter_spi_match(), get_esp_sa(), dissect_esp());
 *   epan/uat.c, same mirror, commit 0c62b136853acc76cd96ec4cd35897df1eb7adfd
 *     (uat_save(), putfld(), uat_unesc());
 *   epan/uat_load.l, wireshark/wireshark commit 8443bbbf757a (the lexer; an
 *     old revision, the current reentrant one was not available to read);
 *   a file written by Wireshark: wolfSSL/wolfip tools/ip-xfrm/esp_sa.txt,
 *     commit a55f1df1c7f59eb18097046778c43784a6d4aed7 (used in the tests).
 *
 * File: text, one SA per line, "\n" line ends (the lexer also takes "\r\n").
 * uat_save() starts it with four '#' lines: a warning, the "-o 'uat:esp_sa:"
 * hint with the field names, and "#" followed by the column titles. A line
 * whose first non-blank character is '#' is a comment; blank lines are
 * skipped.
 *
 * Record: fields separated by ',' (blanks allowed around them). The writer
 * puts every field of this table in double quotes and writes '"', '\' and
 * every non-printable byte as \xNN (two lowercase hex digits). The reader
 * also accepts an empty unquoted field (",,"), \" and \\, and a few C
 * escapes; this parser takes \xNN, \" and \\ and refuses the rest.
 *
 * Fields, in order (titles as in the GUI):
 *   1 Protocol           "IPv4", "IPv6" or "Any" (exact, case-sensitive)
 *   2 Src IP             "*" for any; an address; "addr/len" prefix; for
 *   3 Dest IP              IPv4 also '*' per octet ("10.1.*.*")
 *   4 SPI                "*"; "0x" hex; decimal (Wireshark uses strtoul base
 *                          0, so a leading 0 would mean octal); '*' nibbles
 *                          ("0x1234****") match as a string
 *   5 Encryption         one of: "NULL", "TripleDES-CBC [RFC2451]",
 *                          "AES-CBC [RFC3602]", "AES-CTR [RFC3686]",
 *                          "DES-CBC [RFC2405]", "CAST5-CBC [RFC2144]",
 *                          "BLOWFISH-CBC [RFC2451]", "TWOFISH-CBC",
 *                          "AES-GCM [RFC4106]" (deprecated: no ICV length),
 *                          "AES-GCM with 8 octet ICV [RFC4106]",
 *                          "AES-GCM with 12 octet ICV [RFC4106]",
 *                          "AES-GCM with 16 octet ICV [RFC4106]",
 *                          "AES-GCM with IIV and 16 octet ICV [RFC4106 & RFC8750]",
 *                          "ChaCha20 with Poly1305 [RFC7634]",
 *                          "ChaCha20 with Poly1305 and IIV [RFC7634 & RFC8750]"
 *   6 Encryption Key     "0x" + hex digits (an odd count gets a leading 0),
 *                          or, without "0x", the bytes of the string itself.
 *                          For AES-GCM the last 4 bytes are the salt: 20
 *                          bytes for AES-128, 28 for AES-192, 36 for AES-256.
 *   7 Authentication     "NULL", "HMAC-SHA-1-96 [RFC2404]",
 *                          "HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]",
 *                          "HMAC-SHA-256-128 [RFC4868]",
 *                          "HMAC-SHA-384-192 [RFC4868]",
 *                          "HMAC-SHA-512-256 [RFC4868]",
 *                          "HMAC-MD5-96 [RFC2403]",
 *                          "MAC-RIPEMD-160-96 [RFC2857]",
 *                          "ANY 64 bit authentication [no checking]" and the
 *                          96, 128, 192 and 256 bit variants. AES-GCM
 *                          requires "NULL".
 *   8 Authentication Key same syntax as the encryption key
 *   9 SN                 "32-bit" or "64-bit" (ESN)            } newer
 *  10 ESN High Bits      hex, written "%x" without 0x ("0")    } versions
 * The SN columns came with ESN support (after Wireshark issue 19658, 2024;
 * the 4.5 API docs have them, the 3.6-era source does not). Files from
 * Wireshark before them have 8 fields; the table's
 * defaults for the two new ones are "32-bit" and "0", which is what an
 * 8-field line means here.
 *
 * Matching in Wireshark: first matching line wins, so entries keep file
 * order; protocol "Any" ignores both addresses.
 *
 * What this parser accepts, stricter than Wireshark where Wireshark would
 * silently guess or never match:
 *   - AES-GCM with an 8, 12 or 16 octet ICV only; every other algorithm is
 *     refused, naming it (the card only does RFC 4106 AES-GCM, explicit IV).
 *   - keys of 20 or 36 bytes (AES-128/256 + salt); an even number of hex
 *     digits; keys without "0x" are taken as raw bytes, as Wireshark does.
 *   - authentication "NULL" with an empty (or "0x") authentication key.
 *   - addresses: "*", an address, "addr/len", and for IPv4 trailing '*'
 *     octets, which are a prefix; other wildcards are refused. Host bits
 *     past the prefix are cleared, as Wireshark does. Protocol "Any" needs
 *     "*" (or empty) addresses, since Wireshark ignores them there.
 *   - SPI: "*", "0x" + hex, or decimal without a leading 0, up to
 *     0xFFFFFFFF. SPIs 0..255 (reserved by RFC 4303) are accepted: whether
 *     to load them is the caller's policy.
 *   - SN "64-bit" with any ESN high bits; "32-bit" with high bits 0 only.
 *   - lines up to ESP_SA_LINE_MAX bytes; no NUL bytes anywhere.
 * A file with no SA line at all is an error: the simulator is only given
 * an SA file to preload SAs, and an empty table would drop every packet.
 */
#ifndef SPISYNC_ESP_SA_H
#define SPISYNC_ESP_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line, newline not counted; Wireshark's own lines stay under 400. */
enum { ESP_SA_LINE_MAX = 4096 };
/* Largest file esp_sa_load() reads. */
enum { ESP_SA_FILE_MAX = 16 * 1024 * 1024 };

enum { ESP_SA_SALT_LEN = 4 };

enum esp_sa_family { ESP_SA_ANY, ESP_SA_IPV4, ESP_SA_IPV6 };

struct esp_sa_addr {
	bool wildcard;			/* matches any address: "*" or a /0 */
	enum esp_sa_family family;	/* the entry's family */
	uint8_t addr[16];		/* network order, IPv4 in addr[0..3] */
	unsigned prefix_len;		/* 32 or 128 for one address, 0 if wildcard */
};

struct esp_sa_entry {
	enum esp_sa_family family;
	struct esp_sa_addr src, dst;
	bool spi_wildcard;
	uint32_t spi;			/* 0..255 are reserved, see above */
	unsigned icv_len;		/* 8, 12, 16 */
	uint8_t key[32];
	size_t key_len;			/* 16 or 32, without salt */
	uint8_t salt[ESP_SA_SALT_LEN];
	bool esn;			/* SN "64-bit": RFC 4303 extended sequence numbers */
	uint32_t esn_high;		/* ESN high 32 bits to start from */
	unsigned line;			/* line number in the file, for messages */
};

struct esp_sa_table {
	struct esp_sa_entry *entries;
	size_t count;
};

/*
 * Parse a whole file. 0 on success. On error returns -1, leaves *out empty
 * and writes "PATH:LINE: reason" (or "PATH: reason" for errors of the whole
 * file) into err (errlen bytes; err may be NULL). Every bad line is an
 * error: a half-loaded SA table silently drops traffic. The first error
 * stops the parse. Key bytes are never part of a message.
 */
int esp_sa_load(const char *path, struct esp_sa_table *out, char *err,
    size_t errlen);

/* Same, from memory (text need not be NUL-terminated); name is the PATH. */
int esp_sa_parse_buffer(const char *name, const char *text, size_t len,
    struct esp_sa_table *out, char *err, size_t errlen);

/* Zeroizes the keys before freeing; leaves *t empty. */
void esp_sa_table_free(struct esp_sa_table *t);

#endif
