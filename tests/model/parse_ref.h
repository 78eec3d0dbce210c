/* Reference parser of the golden model: docs/datapath.md sections 2 (parse)
 * and the ESP checks, written from the document, independently of the RTL. */
#ifndef SPISYNC_PARSE_REF_H
#define SPISYNC_PARSE_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum parse_class {
	PARSE_ESP = 0,     /* ESP candidate: go on with SA lookup */
	PARSE_DECIDED = 1, /* outcome already decided: see reason */
};

struct parse_result {
	enum parse_class cls;
	uint8_t reason;       /* PARSE_DECIDED: SPISYNC_R_* (PASS_THROUGH, PUNT_*,
	                         MALFORMED, SPI_RESERVED, MAC_ERROR) */
	bool vlan;            /* one 802.1Q tag present */
	bool ipv6;
	bool udp;             /* UDP-encapsulated ESP (RFC 3948) */
	uint8_t l2_len;       /* 14 or 18 */
	uint8_t l3_hdr_len;   /* IPv4 ihl*4, or 40 for IPv6 */
	uint16_t esp_off;     /* l3 in docs/datapath.md: offset of the SPI */
	uint16_t esp_len;     /* pe - l3 */
	uint8_t src[16];      /* IPv4 in bytes 0..3, rest zero */
	uint8_t dst[16];
	uint16_t sport, dport; /* UDP only, else 0 */
	uint32_t spi;         /* valid when esp_len >= 8 (also for SPI_RESERVED) */
	uint32_t seq;
};

/* Classify one frame (no FCS). mac_err: the MAC flagged it. Always returns a
 * result; never reads outside frame[0..len). */
void parse_ref(const uint8_t *frame, size_t len, bool mac_err,
    struct parse_result *out);

#endif
