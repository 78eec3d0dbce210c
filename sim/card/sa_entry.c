/*
 * spisync -- SA table entry encoding and esp_sa conversion (sa_entry.h).
 * The entry is packed by libspisync's encoder (driver/sa_encode.c), whose
 * field positions come from spisync_hw.h, generated from the one source of
 * truth (hw/spec/spisync.toml).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sa_encode.h"
#include "sa_entry.h"

/* The model's modes are the spec's MODE field values, as the driver's. */
_Static_assert(SA_MODE_AUTO == (int)SPISYNC_SA_MODE_AUTO &&
    SA_MODE_TUNNEL == (int)SPISYNC_SA_MODE_TUNNEL &&
    SA_MODE_TRANSPORT == (int)SPISYNC_SA_MODE_TRANSPORT,
    "model_sa and spisync_sa modes differ");

/*
 * The driver's encoder (driver/sa_encode.c) is the one encoder: this only
 * converts. No check here: the simulator's callers rely on sa_table_add
 * refusing what the card would (SPI < 256 among them), as before.
 */
void
sa_entry_encode(const struct model_sa *sa, uint32_t words[SPISYNC_SA_WORDS])
{
	struct spisync_sa s;

	memset(&s, 0, sizeof(s));
	s.spi = sa->spi;
	s.ipv6 = sa->ipv6;
	memcpy(s.dst, sa->dst, sizeof(s.dst));
	memcpy(s.key, sa->key, sizeof(s.key));
	s.key_len = sa->key_len;
	memcpy(s.salt, sa->salt, sizeof(s.salt));
	s.icv_len = sa->icv_len;
	s.esn = sa->esn;
	s.mode = (enum spisync_sa_mode)sa->mode;
	s.udp_encap = sa->udp_encap;
	s.sport = sa->sport;
	s.dport = sa->dport;
	s.hard_bytes = sa->hard_bytes;
	s.hard_packets = sa->hard_packets;
	s.soft_bytes = sa->soft_bytes;
	s.soft_packets = sa->soft_packets;
	spisync_sa_pack(&s, words);
	OPENSSL_cleanse(&s, sizeof(s));	/* it held the key */
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
