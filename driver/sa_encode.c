/*
 * libspisync -- SA entry encoding (sa_encode.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sa_encode.h"

static int
refuse(char *err, size_t errlen, const char *reason)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", reason);
	return -EINVAL;
}

static bool
all_zero(const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (bytes[i] != 0)
			return false;
	return true;
}

/* Both set and soft not below hard: the soft event could never come first. */
static bool
soft_not_below(uint64_t soft, uint64_t hard)
{
	return soft != 0 && hard != 0 && soft >= hard;
}

int
spisync_sa_check(const struct spisync_sa *sa, char *err, size_t errlen)
{
	char reason[160];

	if (sa == NULL)
		return refuse(err, errlen, "no SA given (NULL)");
	if (sa->spi < 256) {
		snprintf(reason, sizeof(reason), "SPI %u is reserved (0..255, "
		    "RFC 4303 2.1): the card drops such packets before any "
		    "lookup", (unsigned)sa->spi);
		return refuse(err, errlen, reason);
	}
	if (sa->key_len != 16 && sa->key_len != 32) {
		snprintf(reason, sizeof(reason), "key length %u: the card does "
		    "AES-128 (16 bytes) or AES-256 (32 bytes)", sa->key_len);
		return refuse(err, errlen, reason);
	}
	if (sa->icv_len != 8 && sa->icv_len != 12 && sa->icv_len != 16) {
		snprintf(reason, sizeof(reason), "ICV length %u: the card "
		    "checks 8, 12 or 16 bytes (RFC 4106)", sa->icv_len);
		return refuse(err, errlen, reason);
	}
	if (sa->mode != SPISYNC_SA_MODE_AUTO &&
	    sa->mode != SPISYNC_SA_MODE_TUNNEL &&
	    sa->mode != SPISYNC_SA_MODE_TRANSPORT) {
		snprintf(reason, sizeof(reason), "mode %d: use "
		    "SPISYNC_SA_MODE_AUTO, _TUNNEL or _TRANSPORT",
		    (int)sa->mode);
		return refuse(err, errlen, reason);
	}
	if (sa->udp_encap && sa->dport == 0)
		return refuse(err, errlen, "UDP-encapsulated SA with "
		    "destination port 0: the card matches frames by it "
		    "(normally 4500, RFC 3948)");
	if (all_zero(sa->dst, sa->ipv6 ? 16 : 4))
		return refuse(err, errlen, "destination address is all zero: "
		    "the card matches every packet's destination against it");
	if (soft_not_below(sa->soft_bytes, sa->hard_bytes))
		return refuse(err, errlen, "soft byte lifetime must be below "
		    "the hard one");
	if (soft_not_below(sa->soft_packets, sa->hard_packets))
		return refuse(err, errlen, "soft packet lifetime must be below "
		    "the hard one");
	if (soft_not_below(sa->soft_time_s, sa->hard_time_s))
		return refuse(err, errlen, "soft time lifetime must be below "
		    "the hard one");
	return 0;
}

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
spisync_sa_pack(const struct spisync_sa *sa, uint32_t words[SPISYNC_SA_WORDS])
{
	const bool key_256 = sa->key_len == 32;

	memset(words, 0, SPISYNC_SA_WORDS * sizeof(words[0]));
	put_field(words, SPISYNC_SA_VALID_WORD, SPISYNC_SA_VALID_LSB,
	    SPISYNC_SA_VALID_WIDTH, 1);
	put_field(words, SPISYNC_SA_IPV6_WORD, SPISYNC_SA_IPV6_LSB,
	    SPISYNC_SA_IPV6_WIDTH, sa->ipv6);
	put_field(words, SPISYNC_SA_KEY_256_WORD, SPISYNC_SA_KEY_256_LSB,
	    SPISYNC_SA_KEY_256_WIDTH, key_256);
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
	/* an AES-128 entry holds no byte the card does not use */
	put_bytes(words, SPISYNC_SA_KEY_WORD, sa->key, key_256 ? 32 : 16);
	put_u64(words, SPISYNC_SA_HARD_BYTES_WORD, sa->hard_bytes);
	put_u64(words, SPISYNC_SA_HARD_PACKETS_WORD, sa->hard_packets);
	put_u64(words, SPISYNC_SA_SOFT_BYTES_WORD, sa->soft_bytes);
	put_u64(words, SPISYNC_SA_SOFT_PACKETS_WORD, sa->soft_packets);
}

int
spisync_sa_encode(const struct spisync_sa *sa,
    uint32_t words[SPISYNC_SA_WORDS], char *err, size_t errlen)
{
	const int rc = spisync_sa_check(sa, err, errlen);

	if (rc != 0) {
		memset(words, 0, SPISYNC_SA_WORDS * sizeof(words[0]));
		return rc;
	}
	spisync_sa_pack(sa, words);
	return 0;
}
