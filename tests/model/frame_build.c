/*
 * spisync tests -- frames as a peer sends them (see frame_build.h).
 *
 * Written from the RFCs (791, 8200, 768, 4303, 4106, 3948, 7296, 826), not
 * from the card: the model and the card are judged by what these bytes are.
 */

#include <string.h>

#include "bytes.h"
#include "frame_build.h"
#include "gcm_ref.h"

enum {
	ETH_HDR = 14,
	VLAN_TAG = 4,
	IPV4_HDR = 20,
	IPV6_HDR = 40,
	UDP_HDR = 8,
	TCP_HDR = 20,
	ICMP_HDR = 8,
	IKE_HDR = 28,
	NON_ESP_MARKER = 4,
	ARP_LEN = 28,
	IPV6_EXT_LEN = 8,        /* every extension header built here but AH */
	IPV6_AH_LEN = 24,        /* AH with a 12-byte ICV */
	ESP_TRAILER = 2,         /* pad length + next header */
	MAX_PAD = 255,
};

enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_ARP = 0x0806,
	ETHERTYPE_VLAN = 0x8100,
	ETHERTYPE_IPV6 = 0x86DD,
	PROTO_ICMP = 1,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_FRAGMENT = 44,
	PROTO_AH = 51,
	PROTO_ESP = 50,
	PROTO_ICMPV6 = 58,
	PORT_NATT = 4500,
};

uint16_t
fb_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)data[i] << 8 | data[i + 1];
	if (i < len)
		sum += (uint32_t)data[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

void
fb_flip(uint8_t *frame, size_t len, size_t off, uint8_t mask)
{
	if (off < len)
		frame[off] ^= mask;
}

void
fb_ipv4_fix_csum(uint8_t *frame, size_t ip_off)
{
	uint8_t *h = frame + ip_off;
	size_t ihl = (size_t)(h[0] & 15) * 4;

	store_be16(h + 10, 0);
	store_be16(h + 10, (uint16_t)~fb_csum_add(0, h, ihl));
}

/* ---------------------------------------------------------------------
 * Layer 2 and IP headers
 * ------------------------------------------------------------------- */

static size_t
l2_len(const struct fb_eth *eth)
{
	return ETH_HDR + (eth->vlan ? VLAN_TAG : 0);
}

static size_t
write_l2(uint8_t *buf, const struct fb_eth *eth, uint16_t ethertype)
{
	size_t o = 12;

	memcpy(buf, eth->dst, 6);
	memcpy(buf + 6, eth->src, 6);
	if (eth->vlan) {
		store_be16(buf + o, ETHERTYPE_VLAN);
		store_be16(buf + o + 2, eth->tci);
		o += VLAN_TAG;
	}
	store_be16(buf + o, ethertype);
	return o + 2;
}

static size_t
ipv6_ext_len(uint8_t type)
{
	return type == PROTO_AH ? IPV6_AH_LEN : IPV6_EXT_LEN;
}

static bool
ip_ok(const struct fb_ip *ip)
{
	if (ip->ipv6)
		return ip->n_ext <= FB_MAX_EXT && (ip->n_ext == 0 || ip->ext != NULL);
	return ip->options_len % 4 == 0 && ip->options_len <= 40 &&
	    (ip->options_len == 0 || ip->options != NULL) &&
	    ip->frag_off <= 0x1FFF;
}

static size_t
ip_hdr_len(const struct fb_ip *ip)
{
	size_t n;

	if (!ip->ipv6)
		return IPV4_HDR + ip->options_len;
	n = IPV6_HDR;
	for (size_t i = 0; i < ip->n_ext; i++)
		n += ipv6_ext_len(ip->ext[i]);
	return n;
}

/* The length field value with the fault delta, or -1 if it cannot be encoded. */
static long
length_field(size_t len, int delta)
{
	long v = (long)len + delta;

	if (len > 0xFFFF || v < 0 || v > 0xFFFF)
		return -1;
	return v;
}

static int
write_ipv4(uint8_t *h, const struct fb_ip *ip, uint8_t proto, size_t l4_len)
{
	size_t hl = ip_hdr_len(ip);
	long tot = length_field(hl + l4_len, ip->len_delta);
	uint16_t flags = (uint16_t)((ip->df ? 0x4000 : 0) | (ip->mf ? 0x2000 : 0));

	if (tot < 0)
		return -1;
	h[0] = (uint8_t)(0x40 | hl / 4);
	h[1] = ip->tos;
	store_be16(h + 2, (uint32_t)tot);
	store_be16(h + 4, ip->id);
	store_be16(h + 6, flags | ip->frag_off);
	h[8] = ip->ttl;
	h[9] = proto;
	memcpy(h + 12, ip->src, 4);
	memcpy(h + 16, ip->dst, 4);
	if (ip->options_len > 0)
		memcpy(h + IPV4_HDR, ip->options, ip->options_len);
	fb_ipv4_fix_csum(h, 0);
	if (ip->bad_csum)
		h[11] ^= 1;   /* any change but 0x0000 <-> 0xFFFF breaks the sum */
	return 0;
}

/* One extension header of the given type, its next header nh. */
static size_t
write_ipv6_ext(uint8_t *p, uint8_t type, uint8_t nh, const struct fb_ip *ip)
{
	memset(p, 0, ipv6_ext_len(type));
	p[0] = nh;
	if (type == PROTO_FRAGMENT) {
		store_be16(p + 2, (uint32_t)(ip->frag_off << 3) | (ip->mf ? 1 : 0));
		store_be32(p + 4, ip->id);
	} else if (type == PROTO_AH) {
		p[1] = IPV6_AH_LEN / 4 - 2;
		store_be32(p + 4, 0x1000u + ip->id);   /* SPI */
		store_be32(p + 8, 1);                 /* sequence number */
	} else {
		/* Hdr Ext Len 0, then a PadN option filling the 6 bytes. */
		p[2] = 1;
		p[3] = 4;
	}
	return ipv6_ext_len(type);
}

static int
write_ipv6(uint8_t *h, const struct fb_ip *ip, uint8_t proto, size_t l4_len)
{
	size_t hl = ip_hdr_len(ip);
	long plen = length_field(hl - IPV6_HDR + l4_len, ip->len_delta);
	size_t o = IPV6_HDR;

	if (plen < 0)
		return -1;
	h[0] = (uint8_t)(0x60 | ip->tos >> 4);
	h[1] = (uint8_t)(ip->tos << 4);
	h[2] = 0;
	h[3] = 0;
	store_be16(h + 4, (uint32_t)plen);
	h[6] = ip->n_ext > 0 ? ip->ext[0] : proto;
	h[7] = ip->ttl;
	memcpy(h + 8, ip->src, 16);
	memcpy(h + 24, ip->dst, 16);
	for (size_t i = 0; i < ip->n_ext; i++) {
		uint8_t nh = i + 1 < ip->n_ext ? ip->ext[i + 1] : proto;

		o += write_ipv6_ext(h + o, ip->ext[i], nh, ip);
	}
	return 0;
}

static int
write_ip(uint8_t *h, const struct fb_ip *ip, uint8_t proto, size_t l4_len)
{
	return ip->ipv6 ? write_ipv6(h, ip, proto, l4_len) :
	    write_ipv4(h, ip, proto, l4_len);
}

/*
 * Ethernet + IP header for an l4_len-byte payload: checks the room (padding
 * to the Ethernet minimum included) and fills info. The payload is the
 * caller's to write at info->l4_off.
 */
static int
frame_begin(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, uint8_t proto, size_t l4_len, struct fb_info *info)
{
	size_t l2, hl, total;

	if (buf == NULL || eth == NULL || ip == NULL || info == NULL ||
	    !ip_ok(ip))
		return -1;
	l2 = l2_len(eth);
	hl = ip_hdr_len(ip);
	total = l2 + hl + l4_len;
	if (l4_len > FB_MAX_FRAME || total > cap ||
	    (eth->pad_min && cap < FB_ETH_MIN))
		return -1;
	memset(info, 0, sizeof(*info));
	write_l2(buf, eth, ip->ipv6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	if (write_ip(buf + l2, ip, proto, l4_len) != 0)
		return -1;
	info->l2_len = l2;
	info->ip_hdr_len = hl;
	info->l4_off = l2 + hl;
	info->len = total;
	return 0;
}

static void
frame_end(uint8_t *buf, const struct fb_eth *eth, struct fb_info *info)
{
	if (eth->pad_min && info->len < FB_ETH_MIN) {
		memset(buf + info->len, 0, FB_ETH_MIN - info->len);
		info->len = FB_ETH_MIN;
	}
}

int
fb_ip_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, uint8_t proto, const uint8_t *payload,
    size_t payload_len, struct fb_info *info)
{
	if (payload_len > 0 && payload == NULL)
		return -1;
	if (frame_begin(buf, cap, eth, ip, proto, payload_len, info) != 0)
		return -1;
	if (payload_len > 0)
		memcpy(buf + info->l4_off, payload, payload_len);
	frame_end(buf, eth, info);
	return 0;
}

/* ---------------------------------------------------------------------
 * Transport checksums
 * ------------------------------------------------------------------- */

/* The checksum field value for a segment after an IP header with ip's
 * addresses (RFC 768, RFC 8200 8.1); the field must be zero in seg. */
static uint16_t
l4_csum(const struct fb_ip *ip, uint8_t proto, const uint8_t *seg,
    size_t seg_len)
{
	uint8_t pseudo[40];
	size_t n;
	uint16_t sum;

	if (ip->ipv6) {
		memcpy(pseudo, ip->src, 16);
		memcpy(pseudo + 16, ip->dst, 16);
		store_be32(pseudo + 32, (uint32_t)seg_len);
		store_be32(pseudo + 36, proto);
		n = 40;
	} else {
		memcpy(pseudo, ip->src, 4);
		memcpy(pseudo + 4, ip->dst, 4);
		store_be16(pseudo + 8, proto);
		store_be16(pseudo + 10, (uint32_t)seg_len);
		n = 12;
	}
	sum = fb_csum_add(0, pseudo, n);
	sum = (uint16_t)~fb_csum_add(sum, seg, seg_len);
	/* UDP sends a computed zero as all ones (zero means "none"). */
	if (proto == PROTO_UDP && sum == 0)
		sum = 0xFFFF;
	return sum;
}

size_t
fb_l4_header_len(uint8_t proto)
{
	switch (proto) {
	case PROTO_UDP:
		return UDP_HDR;
	case PROTO_TCP:
		return TCP_HDR;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return ICMP_HDR;
	default:
		return 0;
	}
}

static void
write_l4_header(uint8_t *p, uint8_t proto, uint16_t sport, uint16_t dport,
    size_t seg_len)
{
	memset(p, 0, fb_l4_header_len(proto));
	switch (proto) {
	case PROTO_UDP:
		store_be16(p, sport);
		store_be16(p + 2, dport);
		store_be16(p + 4, (uint32_t)seg_len);
		break;
	case PROTO_TCP:
		store_be16(p, sport);
		store_be16(p + 2, dport);
		store_be32(p + 4, 0x10000000u + sport);   /* sequence number */
		store_be32(p + 8, 0x20000000u + dport);   /* acknowledgment */
		p[12] = TCP_HDR / 4 << 4;
		p[13] = 0x18;                        /* PSH, ACK */
		store_be16(p + 14, 0xFFFF);               /* window */
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		p[0] = proto == PROTO_ICMP ? 8 : 128;   /* echo request */
		store_be16(p + 4, sport);                    /* identifier */
		store_be16(p + 6, dport);                    /* sequence number */
		break;
	default:
		break;
	}
}

static void
fill_l4_csum(uint8_t *seg, size_t seg_len, const struct fb_ip *ip,
    uint8_t proto)
{
	switch (proto) {
	case PROTO_UDP:
		store_be16(seg + 6, l4_csum(ip, proto, seg, seg_len));
		break;
	case PROTO_TCP:
		store_be16(seg + 16, l4_csum(ip, proto, seg, seg_len));
		break;
	case PROTO_ICMP:
		/* ICMPv4 has no pseudo header (RFC 792). */
		store_be16(seg + 2, (uint16_t)~fb_csum_add(0, seg, seg_len));
		break;
	case PROTO_ICMPV6:
		store_be16(seg + 2, l4_csum(ip, proto, seg, seg_len));
		break;
	default:
		break;
	}
}

int
fb_l4_segment(uint8_t *buf, size_t cap, const struct fb_ip *ip,
    uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *data,
    size_t data_len, size_t *len)
{
	size_t hl = fb_l4_header_len(proto);

	if (buf == NULL || ip == NULL || len == NULL ||
	    (data_len > 0 && data == NULL))
		return -1;
	if (data_len > 0xFFFF - hl || hl + data_len > cap)
		return -1;
	write_l4_header(buf, proto, sport, dport, hl + data_len);
	if (data_len > 0)
		memmove(buf + hl, data, data_len);
	fill_l4_csum(buf, hl + data_len, ip, proto);
	*len = hl + data_len;
	return 0;
}

int
fb_inner_packet(uint8_t *buf, size_t cap, const struct fb_ip *ip,
    uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *data,
    size_t data_len, size_t *len)
{
	size_t hl, seg_len;

	if (buf == NULL || ip == NULL || len == NULL || !ip_ok(ip))
		return -1;
	hl = ip_hdr_len(ip);
	if (hl > cap)
		return -1;
	if (fb_l4_segment(buf + hl, cap - hl, ip, proto, sport, dport, data,
	    data_len, &seg_len) != 0)
		return -1;
	if (write_ip(buf, ip, proto, seg_len) != 0)
		return -1;
	*len = hl + seg_len;
	return 0;
}

/* ---------------------------------------------------------------------
 * UDP
 * ------------------------------------------------------------------- */

/* Ethernet, IP and UDP header for payload_len bytes; payload at
 * info->udp_off + UDP_HDR. */
static int
udp_begin(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, const struct fb_udp *udp, size_t payload_len,
    struct fb_info *info)
{
	long ulen;
	uint8_t *u;

	if (udp == NULL)
		return -1;
	ulen = length_field(UDP_HDR + payload_len, udp->len_delta);
	if (ulen < 0)
		return -1;
	if (frame_begin(buf, cap, eth, ip, PROTO_UDP, UDP_HDR + payload_len,
	    info) != 0)
		return -1;
	info->udp_off = info->l4_off;
	u = buf + info->udp_off;
	store_be16(u, udp->sport);
	store_be16(u + 2, udp->dport);
	store_be16(u + 4, (uint32_t)ulen);
	store_be16(u + 6, 0);
	return 0;
}

/* The checksum once the payload is in place; IPv6 always has one. */
static void
udp_finish(uint8_t *buf, const struct fb_ip *ip, const struct fb_udp *udp,
    const struct fb_info *info)
{
	uint8_t *u = buf + info->udp_off;
	size_t seg_len = info->len - info->udp_off;

	if (!ip->ipv6 && udp->zero_csum)
		return;
	store_be16(u + 6, l4_csum(ip, PROTO_UDP, u, seg_len));
}

int
fb_udp_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, const struct fb_udp *udp, const uint8_t *payload,
    size_t payload_len, struct fb_info *info)
{
	if (payload_len > 0 && payload == NULL)
		return -1;
	if (udp_begin(buf, cap, eth, ip, udp, payload_len, info) != 0)
		return -1;
	if (payload_len > 0)
		memcpy(buf + info->udp_off + UDP_HDR, payload, payload_len);
	udp_finish(buf, ip, udp, info);
	frame_end(buf, eth, info);
	return 0;
}

int
fb_natt_keepalive(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, uint16_t sport, struct fb_info *info)
{
	static const uint8_t keepalive = 0xFF;
	const struct fb_udp udp = {
		.sport = sport, .dport = PORT_NATT, .zero_csum = true,
	};

	return fb_udp_frame(buf, cap, eth, ip, &udp, &keepalive, 1, info);
}

int
fb_ike_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, uint16_t sport, uint16_t dport,
    const uint8_t spi_i[8], size_t body_len, struct fb_info *info)
{
	const struct fb_udp udp = { .sport = sport, .dport = dport };
	size_t marker = (sport == PORT_NATT || dport == PORT_NATT) ?
	    NON_ESP_MARKER : 0;
	size_t ike_len = IKE_HDR + body_len;
	uint8_t *p;

	if (spi_i == NULL || body_len > FB_MAX_FRAME)
		return -1;
	if (udp_begin(buf, cap, eth, ip, &udp, marker + ike_len, info) != 0)
		return -1;
	p = buf + info->udp_off + UDP_HDR;
	memset(p, 0, marker + IKE_HDR);
	p += marker;
	memcpy(p, spi_i, 8);          /* initiator SPI; responder SPI zero */
	p[16] = 33;                   /* next payload: SA */
	p[17] = 0x20;                 /* IKEv2 */
	p[18] = 34;                   /* IKE_SA_INIT */
	p[19] = 0x08;                 /* initiator */
	store_be32(p + 24, (uint32_t)ike_len);
	for (size_t i = 0; i < body_len; i++)
		p[IKE_HDR + i] = (uint8_t)(i * 7 + 1);
	udp_finish(buf, ip, &udp, info);
	frame_end(buf, eth, info);
	return 0;
}

int
fb_arp_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    uint16_t op, const uint8_t sender_ip[4], const uint8_t target_ip[4],
    struct fb_info *info)
{
	size_t l2;
	uint8_t *a;

	if (buf == NULL || eth == NULL || info == NULL || sender_ip == NULL ||
	    target_ip == NULL || cap < FB_ETH_MIN ||
	    l2_len(eth) + ARP_LEN > cap)
		return -1;
	memset(info, 0, sizeof(*info));
	l2 = write_l2(buf, eth, ETHERTYPE_ARP);
	a = buf + l2;
	store_be16(a, 1);                  /* Ethernet */
	store_be16(a + 2, ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	store_be16(a + 6, op);
	memcpy(a + 8, eth->src, 6);
	memcpy(a + 14, sender_ip, 4);
	if (op == 2)
		memcpy(a + 18, eth->dst, 6);
	else
		memset(a + 18, 0, 6);
	memcpy(a + 24, target_ip, 4);
	info->l2_len = l2;
	info->l4_off = l2;
	info->len = l2 + ARP_LEN;
	if (info->len < FB_ETH_MIN) {
		memset(buf + info->len, 0, FB_ETH_MIN - info->len);
		info->len = FB_ETH_MIN;
	}
	return 0;
}

int
fb_raw_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    uint16_t ethertype, const uint8_t *payload, size_t payload_len,
    struct fb_info *info)
{
	size_t l2;

	if (buf == NULL || eth == NULL || info == NULL ||
	    (payload_len > 0 && payload == NULL) ||
	    payload_len > FB_MAX_FRAME || l2_len(eth) + payload_len > cap ||
	    (eth->pad_min && cap < FB_ETH_MIN))
		return -1;
	memset(info, 0, sizeof(*info));
	l2 = write_l2(buf, eth, ethertype);
	if (payload_len > 0)
		memcpy(buf + l2, payload, payload_len);
	info->l2_len = l2;
	info->l4_off = l2;
	info->len = l2 + payload_len;
	frame_end(buf, eth, info);
	return 0;
}

/* ---------------------------------------------------------------------
 * ESP (RFC 4303) with AES-GCM (RFC 4106)
 * ------------------------------------------------------------------- */

static bool
esp_ok(const struct fb_esp *esp)
{
	return esp != NULL && esp->key != NULL &&
	    (esp->key_len == 16 || esp->key_len == 32) &&
	    (esp->icv_len == 8 || esp->icv_len == 12 || esp->icv_len == 16);
}

/* Padding to the 4-byte boundary (RFC 4303 2.4) plus the extra bytes. */
static size_t
esp_pad_len(const struct fb_esp *esp, size_t payload_len)
{
	size_t pad = (4 - (payload_len + ESP_TRAILER) % 4) % 4 + esp->extra_pad;

	/* A wrong pad byte needs at least one pad byte to be wrong. */
	if (esp->pad_fault == FB_PAD_WRONG_BYTE && pad == 0)
		pad = 4;
	return pad;
}

size_t
fb_esp_packet_len(const struct fb_esp *esp, size_t payload_len)
{
	return FB_ESP_HDR + FB_ESP_IV + payload_len + esp_pad_len(esp,
	    payload_len) + ESP_TRAILER + esp->icv_len;
}

/* Plaintext trailer: padding 1, 2, 3, ..., pad length, next header, with
 * the requested fault. pt holds ct_len bytes, the payload already in place. */
static void
esp_trailer(uint8_t *pt, size_t ct_len, size_t pad, const struct fb_esp *esp)
{
	size_t first = ct_len - ESP_TRAILER - pad;
	size_t claimed;

	for (size_t i = 0; i < pad; i++)
		pt[first + i] = (uint8_t)(i + 1);
	pt[ct_len - 2] = (uint8_t)pad;
	pt[ct_len - 1] = esp->next_header;
	if (esp->pad_fault == FB_PAD_WRONG_BYTE) {
		/* a position that varies from packet to packet */
		pt[first + esp->seq % pad] ^= 0x80;
	} else if (esp->pad_fault == FB_PAD_TOO_LONG) {
		claimed = ct_len - 1 < MAX_PAD ? ct_len - 1 : MAX_PAD;
		if (claimed + ESP_TRAILER <= ct_len) {
			/*
			 * Only 255 can be claimed: more than is padding, so
			 * the bytes before it must not happen to read 1, 2,
			 * ... either.
			 */
			size_t at = ct_len - ESP_TRAILER - claimed;

			if (pt[at] == 1)
				pt[at] = 0;
		}
		pt[ct_len - 2] = (uint8_t)claimed;
	}
}

static size_t
esp_aad(const struct fb_esp *esp, uint8_t aad[12])
{
	store_be32(aad, esp->spi);
	if (!esp->esn) {
		store_be32(aad + 4, (uint32_t)esp->seq);
		return 8;
	}
	store_be32(aad + 4, (uint32_t)(esp->seq >> 32));
	store_be32(aad + 8, (uint32_t)esp->seq);
	return 12;
}

int
fb_esp_packet(uint8_t *buf, size_t cap, const struct fb_esp *esp,
    const uint8_t *payload, size_t payload_len, size_t *len,
    struct fb_info *info)
{
	uint8_t aad[12], nonce[GCM_NONCE_LEN], tag[GCM_TAG_LEN];
	size_t aad_len, pad, ct_len, total;
	uint8_t *ct;

	if (buf == NULL || len == NULL || !esp_ok(esp) ||
	    (payload_len > 0 && payload == NULL) || payload_len > FB_MAX_FRAME)
		return -1;
	pad = esp_pad_len(esp, payload_len);
	if (pad > MAX_PAD)
		return -1;
	ct_len = payload_len + pad + ESP_TRAILER;
	total = FB_ESP_HDR + FB_ESP_IV + ct_len + esp->icv_len;
	if (total > cap)
		return -1;

	store_be32(buf, esp->spi);
	store_be32(buf + 4, (uint32_t)esp->seq);
	memcpy(buf + FB_ESP_HDR, esp->iv, FB_ESP_IV);
	ct = buf + FB_ESP_HDR + FB_ESP_IV;
	if (payload_len > 0)
		memmove(ct, payload, payload_len);
	esp_trailer(ct, ct_len, pad, esp);

	memcpy(nonce, esp->salt, 4);
	memcpy(nonce + 4, esp->iv, FB_ESP_IV);
	aad_len = esp_aad(esp, aad);
	/* in place: GCM is a stream mode and EVP allows in == out */
	if (gcm_ref_encrypt(esp->key, esp->key_len, nonce, aad, aad_len, ct,
	    ct_len, ct, tag) != 0)
		return -1;
	memcpy(ct + ct_len, tag, esp->icv_len);

	*len = total;
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
		info->len = total;
		info->esp_len = total;
		info->ct_off = FB_ESP_HDR + FB_ESP_IV;
		info->ct_len = ct_len;
		info->icv_off = info->ct_off + ct_len;
	}
	return 0;
}

size_t
fb_esp_frame_overhead(const struct fb_eth *eth, const struct fb_ip *ip,
    const struct fb_udp *udp, const struct fb_esp *esp)
{
	return l2_len(eth) + ip_hdr_len(ip) + (udp != NULL ? UDP_HDR : 0) +
	    FB_ESP_HDR + FB_ESP_IV + ESP_TRAILER + esp->icv_len;
}

/* The ESP packet's offsets, relative to the packet, moved into the frame. */
static void
esp_info_into_frame(struct fb_info *info, const struct fb_info *pkt,
    size_t esp_off)
{
	info->esp_off = esp_off;
	info->esp_len = pkt->esp_len;
	info->ct_off = esp_off + pkt->ct_off;
	info->ct_len = pkt->ct_len;
	info->icv_off = esp_off + pkt->icv_off;
}

int
fb_esp_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, const struct fb_udp *udp, const struct fb_esp *esp,
    const uint8_t *payload, size_t payload_len, struct fb_info *info)
{
	struct fb_info pkt;
	size_t esp_len, esp_off, got;
	int rc;

	if (!esp_ok(esp) || payload_len > FB_MAX_FRAME)
		return -1;
	esp_len = fb_esp_packet_len(esp, payload_len);
	if (udp != NULL)
		rc = udp_begin(buf, cap, eth, ip, udp, esp_len, info);
	else
		rc = frame_begin(buf, cap, eth, ip, PROTO_ESP, esp_len, info);
	if (rc != 0)
		return -1;
	esp_off = info->l4_off + (udp != NULL ? UDP_HDR : 0);
	if (fb_esp_packet(buf + esp_off, cap - esp_off, esp, payload,
	    payload_len, &got, &pkt) != 0 || got != esp_len)
		return -1;
	esp_info_into_frame(info, &pkt, esp_off);
	if (udp != NULL)
		udp_finish(buf, ip, udp, info);
	frame_end(buf, eth, info);
	return 0;
}
