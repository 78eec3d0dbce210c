/*
 * spisync tests -- trailer verdict, decapsulated header and SA event record
 * (esp_decap.h), from docs/datapath.md sections 5 and 7.
 */
#include <string.h>

#include "bytes.h"
#include "esp_decap.h"
#include "model_sa.h"
#include "spisync_hw.h"

enum {
	ESP_TRAILER = 2,        /* pad length, next header */
	ETH_ADDRS = 12,
	VLAN_TAG = 4,
	NH_IPV4 = 4,
	NH_IPV6 = 41,
	NH_NONE = 59,
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86DD,
};

static bool
padding_ok(const uint8_t *pt, size_t ct_len)
{
	size_t padlen = pt[ct_len - 2];

	if (padlen + ESP_TRAILER > ct_len)
		return false;
	for (size_t i = 0; i < padlen; i++)
		if (pt[ct_len - ESP_TRAILER - padlen + i] != (uint8_t)(i + 1))
			return false;
	return true;
}

uint8_t
esp_trailer_verdict(const uint8_t *pt, size_t ct_len, unsigned mode,
    bool *tunnel, size_t *il, uint8_t *nh)
{
	uint8_t n = pt[ct_len - 1];
	bool ip_inner = n == NH_IPV4 || n == NH_IPV6;

	if (!padding_ok(pt, ct_len))
		return SPISYNC_R_BAD_PADDING;
	if (n == NH_NONE)
		return SPISYNC_R_DUMMY;
	switch (mode) {
	case SA_MODE_TUNNEL:
		if (!ip_inner)
			return SPISYNC_R_MALFORMED;
		*tunnel = true;
		break;
	case SA_MODE_TRANSPORT:
		*tunnel = false;
		break;
	case SA_MODE_AUTO:
	default:
		*tunnel = ip_inner;
		break;
	}
	*il = ct_len - ESP_TRAILER - pt[ct_len - 2];
	*nh = n;
	return SPISYNC_R_DECRYPTED;
}

static uint16_t
ipv4_csum(const uint8_t *h, size_t ihl)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < ihl; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
esp_decap_header(const uint8_t *frame, bool vlan, bool ipv6,
    unsigned l2_len, unsigned l3_hdr_len, size_t il, uint8_t nh, bool tunnel,
    uint8_t *out)
{
	size_t hdr_end = (size_t)l2_len + l3_hdr_len;
	uint8_t *ip = out + l2_len;
	size_t o = ETH_ADDRS;

	if (tunnel) {
		memcpy(out, frame, ETH_ADDRS);
		if (vlan) {
			memcpy(out + o, frame + ETH_ADDRS, VLAN_TAG);
			o += VLAN_TAG;
		}
		store_be16(out + o, nh == NH_IPV4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
		return o + 2;
	}
	memcpy(out, frame, hdr_end);
	if (ipv6) {
		store_be16(ip + 4, (uint32_t)il);
		ip[6] = nh;
	} else {
		ip[9] = nh;
		store_be16(ip + 2, (uint32_t)(l3_hdr_len + il));
		store_be16(ip + 10, 0);
		store_be16(ip + 10, ipv4_csum(ip, l3_hdr_len));
	}
	return hdr_end;
}

void
esp_sa_event_record(const struct esp_sa_event *ev, uint8_t *rec)
{
	unsigned alen = ev->ipv6 ? 16 : 4;

	memset(rec, 0, SPISYNC_EVENT_BYTES);
	rec[SPISYNC_EVF_TYPE_OFF] = ev->type;
	rec[SPISYNC_EVF_FLAGS_OFF] = ev->ipv6 ? SPISYNC_EV_FLAG_IPV6 : 0;
	store_le32(rec + SPISYNC_EVF_SPI_OFF, ev->spi);
	store_le64(rec + SPISYNC_EVF_TIME_NS_OFF, ev->time_ns);
	memcpy(rec + SPISYNC_EVF_SRC_OFF, ev->src, alen);
	memcpy(rec + SPISYNC_EVF_DST_OFF, ev->dst, alen);
	store_le32(rec + SPISYNC_EVF_SEQ_OFF, ev->seq);
	store_le32(rec + SPISYNC_EVF_COUNT_OFF, ev->count);
	store_le16(rec + SPISYNC_EVF_SA_INDEX_OFF, ev->sa_index);
	store_le16(rec + SPISYNC_EVF_RX_SEQ_OFF, ev->rx_seq);
}
