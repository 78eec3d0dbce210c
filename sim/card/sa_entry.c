/*
 * spisync -- SA table entry encoding and esp_sa conversion (sa_entry.h).
 * Field positions come from spisync_hw.h, generated from the one source of
 * truth (hw/spec/spisync.toml).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sa_entry.h"

/* An integer field of at most 32 bits inside one word. */
static void
put_field(uint32_t words[SPISYNC_SA_WORDS], unsigned word, unsigned lsb,
    unsigned width, uint32_t value)
{
	const uint32_t mask = width >= 32 ? 0xffffffffu : (1u << width) - 1u;

	words[word] &= ~(mask << lsb);
	words[word] |= (value & mask) << lsb;
}

/* A byte string in wire order: byte 0 in bits 7:0 of the first word. */
static void
put_bytes(uint32_t words[SPISYNC_SA_WORDS], unsigned word,
    const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		words[word + i / 4] |= (uint32_t)bytes[i] << (8 * (i % 4));
}

/* A 64-bit integer: low word first. */
static void
put_u64(uint32_t words[SPISYNC_SA_WORDS], unsigned word, uint64_t value)
{
	words[word] = (uint32_t)value;
	words[word + 1] = (uint32_t)(value >> 32);
}

void
sa_entry_encode(const struct model_sa *sa, uint32_t words[SPISYNC_SA_WORDS])
{
	const size_t key_len = sa->key_len <= sizeof(sa->key) ?
	    sa->key_len : sizeof(sa->key);

	memset(words, 0, SPISYNC_SA_WORDS * sizeof(words[0]));
	put_field(words, SPISYNC_SA_VALID_WORD, SPISYNC_SA_VALID_LSB,
	    SPISYNC_SA_VALID_WIDTH, 1);
	put_field(words, SPISYNC_SA_IPV6_WORD, SPISYNC_SA_IPV6_LSB,
	    SPISYNC_SA_IPV6_WIDTH, sa->ipv6);
	put_field(words, SPISYNC_SA_KEY_256_WORD, SPISYNC_SA_KEY_256_LSB,
	    SPISYNC_SA_KEY_256_WIDTH, sa->key_len == 32);
	put_field(words, SPISYNC_SA_ESN_WORD, SPISYNC_SA_ESN_LSB,
	    SPISYNC_SA_ESN_WIDTH, sa->esn);
	put_field(words, SPISYNC_SA_UDP_ENCAP_WORD, SPISYNC_SA_UDP_ENCAP_LSB,
	    SPISYNC_SA_UDP_ENCAP_WIDTH, sa->udp_encap);
	put_field(words, SPISYNC_SA_MODE_WORD, SPISYNC_SA_MODE_LSB,
	    SPISYNC_SA_MODE_WIDTH, (uint32_t)sa->mode);
	put_field(words, SPISYNC_SA_ICV_LEN_WORD, SPISYNC_SA_ICV_LEN_LSB,
	    SPISYNC_SA_ICV_LEN_WIDTH, sa->icv_len);
	put_field(words, SPISYNC_SA_SPI_WORD, SPISYNC_SA_SPI_LSB,
	    SPISYNC_SA_SPI_WIDTH, sa->spi);
	put_bytes(words, SPISYNC_SA_SALT_WORD, sa->salt, sizeof(sa->salt));
	put_field(words, SPISYNC_SA_SPORT_WORD, SPISYNC_SA_SPORT_LSB,
	    SPISYNC_SA_SPORT_WIDTH, sa->sport);
	put_field(words, SPISYNC_SA_DPORT_WORD, SPISYNC_SA_DPORT_LSB,
	    SPISYNC_SA_DPORT_WIDTH, sa->dport);
	/* IPv4 in DST bytes 0..3, the rest zero */
	put_bytes(words, SPISYNC_SA_DST_WORD, sa->dst, sa->ipv6 ? 16 : 4);
	put_bytes(words, SPISYNC_SA_KEY_WORD, sa->key, key_len);
	put_u64(words, SPISYNC_SA_HARD_BYTES_WORD, sa->hard_bytes);
	put_u64(words, SPISYNC_SA_HARD_PACKETS_WORD, sa->hard_packets);
	put_u64(words, SPISYNC_SA_SOFT_BYTES_WORD, sa->soft_bytes);
	put_u64(words, SPISYNC_SA_SOFT_PACKETS_WORD, sa->soft_packets);
}

static int
refuse(struct model_sa *out, char *err, size_t errlen, const char *reason)
{
	OPENSSL_cleanse(out, sizeof(*out));	/* zeroes it */
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", reason);
	return -1;
}

int
sa_entry_from_esp_sa(const struct esp_sa_entry *e, struct model_sa *out,
    char *err, size_t errlen)
{
	const unsigned full_prefix = e->family == ESP_SA_IPV6 ? 128 : 32;
	char reason[160];

	memset(out, 0, sizeof(*out));
	if (e->family != ESP_SA_IPV4 && e->family != ESP_SA_IPV6)
		return refuse(out, err, errlen, "Protocol must be IPv4 or "
		    "IPv6: the card checks the destination address of every "
		    "packet against the SA");
	if (e->dst.wildcard || e->dst.prefix_len != full_prefix) {
		snprintf(reason, sizeof(reason), "Dest IP must be one address "
		    "(no wildcard, prefix /%u): the card checks the "
		    "destination address of every packet against the SA",
		    full_prefix);
		return refuse(out, err, errlen, reason);
	}
	if (e->spi_wildcard)
		return refuse(out, err, errlen, "SPI must be one value, not a "
		    "wildcard: the card finds the SA by SPI");
	if (e->spi < 256) {
		snprintf(reason, sizeof(reason), "SPI %u is reserved (0..255, "
		    "RFC 4303 2.1): the card drops such packets as "
		    "SPI_RESERVED", (unsigned)e->spi);
		return refuse(out, err, errlen, reason);
	}
	if (e->esn && e->esn_high != 0) {
		snprintf(reason, sizeof(reason), "ESN High Bits 0x%x: the card "
		    "starts every SA at sequence number 0 (high bits 0)",
		    (unsigned)e->esn_high);
		return refuse(out, err, errlen, reason);
	}
	if ((e->key_len != 16 && e->key_len != 32) ||
	    (e->icv_len != 8 && e->icv_len != 12 && e->icv_len != 16))
		return refuse(out, err, errlen, "key or ICV length the card "
		    "does not support (AES-128/256, ICV 8, 12 or 16 bytes)");

	out->spi = e->spi;
	out->ipv6 = e->family == ESP_SA_IPV6;
	memcpy(out->dst, e->dst.addr, out->ipv6 ? 16 : 4);
	memcpy(out->key, e->key, e->key_len);
	out->key_len = (unsigned)e->key_len;
	memcpy(out->salt, e->salt, sizeof(out->salt));
	out->icv_len = e->icv_len;
	out->esn = e->esn;
	out->mode = SA_MODE_AUTO;
	out->udp_encap = false;
	return 0;
}

void
sa_entry_set_natt(struct model_sa *sa)
{
	sa->udp_encap = true;
	sa->dport = SA_ENTRY_NATT_PORT;
}
