/*
 * spisync tests -- Ethernet frames exactly as a peer sends them: 802.1Q,
 * IPv4 (options, fragments) or IPv6 (extension headers), ESP directly over
 * IP or in UDP 4500 (RFC 3948), ESP per RFC 4303 encrypted with AES-GCM per
 * RFC 4106 through OpenSSL, and the non-ESP frames a receiver also sees
 * (ARP, IKE, NAT-T keepalives, other UDP). Knobs break a frame on purpose.
 *
 * Every builder writes into a caller buffer of cap bytes and returns 0, or
 * -1 if the frame does not fit or an argument is out of range (nothing is
 * promised about the buffer then). Frames carry no FCS.
 */
#ifndef SPISYNC_FRAME_BUILD_H
#define SPISYNC_FRAME_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	FB_ETH_MIN = 60,        /* shortest Ethernet frame without FCS */
	FB_MAX_FRAME = 16383,   /* longest frame the card accepts */
	FB_ESP_HDR = 8,         /* SPI + sequence number */
	FB_ESP_IV = 8,          /* RFC 4106 explicit IV */
	FB_MAX_EXT = 8,         /* IPv6 extension headers in one chain */
};

struct fb_eth {
	uint8_t dst[6], src[6];
	bool vlan;              /* one 802.1Q tag */
	uint16_t tci;           /* PCP/DEI/VID of the tag */
	bool pad_min;           /* zero-pad to FB_ETH_MIN, as a MAC would */
};

struct fb_ip {
	bool ipv6;
	uint8_t src[16], dst[16];   /* wire order; IPv4 in bytes 0..3 */
	uint8_t ttl;                /* hop limit for IPv6 */
	uint8_t tos;                /* traffic class for IPv6 */
	uint16_t id;                /* IPv4 identification; IPv6 fragment id */
	bool df, mf;                /* IPv4 flags; mf also for an IPv6 fragment header */
	uint16_t frag_off;          /* fragment offset in 8-byte units */
	const uint8_t *options;     /* IPv4 options, options_len a multiple of 4, <= 40 */
	size_t options_len;
	const uint8_t *ext;         /* IPv6 extension header types, in order */
	size_t n_ext;
	/* faults: added to the total length (IPv4) or payload length (IPv6)
	 * after everything else; bad_csum: the IPv4 header checksum is off by one */
	int len_delta;
	bool bad_csum;
};

struct fb_udp {
	uint16_t sport, dport;
	bool zero_csum;             /* IPv4 only: checksum 0 (RFC 3948 for ESP) */
	int len_delta;              /* fault: added to the UDP length field */
};

enum fb_pad_fault {
	FB_PAD_OK = 0,
	FB_PAD_WRONG_BYTE,          /* one of the pad bytes is not its index */
	FB_PAD_TOO_LONG,            /* pad length byte larger than the payload allows */
};

struct fb_esp {
	uint32_t spi;
	uint64_t seq;               /* low 32 bits on the wire; with esn the high half goes into the AAD */
	bool esn;
	uint8_t iv[FB_ESP_IV];
	const uint8_t *key;
	unsigned key_len;           /* 16 or 32 */
	uint8_t salt[4];
	unsigned icv_len;           /* 8, 12 or 16 */
	uint8_t next_header;
	unsigned extra_pad;         /* TFC-like padding beyond the 4-byte alignment, total <= 255 */
	enum fb_pad_fault pad_fault;  /* applied before encryption: the ICV verifies */
};

/* Where things are in a built frame (0: not present). */
struct fb_info {
	size_t len;                 /* frame length */
	size_t l2_len;              /* 14 or 18 */
	size_t ip_hdr_len;          /* IPv4 ihl * 4, IPv6 40 + extension headers */
	size_t l4_off;              /* after the IP header (UDP header or ESP) */
	size_t udp_off;
	size_t esp_off;             /* SPI */
	size_t esp_len;             /* SPI .. ICV */
	size_t ct_off, ct_len;      /* ciphertext (ESP payload incl. trailer) */
	size_t icv_off;
};

/* Internet checksum (RFC 1071) of len bytes, folded, not inverted. */
uint16_t fb_csum_add(uint32_t sum, const uint8_t *data, size_t len);

/* The ESP packet alone: SPI, seq, IV, encrypted payload || padding || pad
 * length || next header, ICV. *len gets its length. Offsets in *info (may
 * be NULL) are relative to buf. */
int fb_esp_packet(uint8_t *buf, size_t cap, const struct fb_esp *esp,
    const uint8_t *payload, size_t payload_len, size_t *len,
    struct fb_info *info);

/* Length of the ESP packet fb_esp_packet() would build. */
size_t fb_esp_packet_len(const struct fb_esp *esp, size_t payload_len);

/* Ethernet + IP (+ options or extension headers) + payload as protocol
 * proto (the last next header for IPv6). */
int fb_ip_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, uint8_t proto, const uint8_t *payload,
    size_t payload_len, struct fb_info *info);

/* Ethernet + IP + UDP + payload (checksum computed unless zero_csum on IPv4). */
int fb_udp_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, const struct fb_udp *udp, const uint8_t *payload,
    size_t payload_len, struct fb_info *info);

/* An ESP frame: over IP (udp NULL) or over UDP (RFC 3948). */
int fb_esp_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, const struct fb_udp *udp, const struct fb_esp *esp,
    const uint8_t *payload, size_t payload_len, struct fb_info *info);

/* Header bytes an ESP frame adds around its payload with this addressing
 * and no extra padding (alignment padding not included). */
size_t fb_esp_frame_overhead(const struct fb_eth *eth, const struct fb_ip *ip,
    const struct fb_udp *udp, const struct fb_esp *esp);

/*
 * An inner packet for tunnel mode: IP header (ip; len_delta, faults and
 * fragments honoured as in fb_ip_frame) then a transport segment built by
 * fb_l4_segment(). *len gets its length.
 */
int fb_inner_packet(uint8_t *buf, size_t cap, const struct fb_ip *ip,
    uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *data,
    size_t data_len, size_t *len);

/*
 * A transport segment as it would follow an IP header with ip's addresses:
 * proto 17 UDP (8-byte header), 6 TCP (20-byte header), 1 ICMP or 58 ICMPv6
 * (8-byte echo request), checksums computed; any other proto: data as is.
 */
int fb_l4_segment(uint8_t *buf, size_t cap, const struct fb_ip *ip,
    uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *data,
    size_t data_len, size_t *len);

/* Header length fb_l4_segment() puts before the data. */
size_t fb_l4_header_len(uint8_t proto);

/* ARP request or reply (op 1/2), IPv4 over Ethernet, padded to 60 bytes. */
int fb_arp_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    uint16_t op, const uint8_t sender_ip[4], const uint8_t target_ip[4],
    struct fb_info *info);

/*
 * An IKEv2 message (IKE_SA_INIT header, body_len bytes of body) in UDP from
 * sport to dport. On port 4500 (either side) it gets the 4-byte non-ESP
 * marker of RFC 3948 first.
 */
int fb_ike_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, uint16_t sport, uint16_t dport,
    const uint8_t spi_i[8], size_t body_len, struct fb_info *info);

/* Any other Ethernet payload (LLDP, QinQ, ...) under the given ethertype. */
int fb_raw_frame(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    uint16_t ethertype, const uint8_t *payload, size_t payload_len,
    struct fb_info *info);

/* NAT-T keepalive (RFC 3948 2.3): one 0xFF byte in UDP to port 4500. */
int fb_natt_keepalive(uint8_t *buf, size_t cap, const struct fb_eth *eth,
    const struct fb_ip *ip, uint16_t sport, struct fb_info *info);

/*
 * Fault helpers on a built frame (they do not re-encrypt): XOR a byte, fix
 * or set the IPv4 header checksum of the header at ip_off.
 */
void fb_flip(uint8_t *frame, size_t len, size_t off, uint8_t mask);
void fb_ipv4_fix_csum(uint8_t *frame, size_t ip_off);

#endif
