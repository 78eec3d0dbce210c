/*
 * spisync tests -- the end of an ESP frame's way through the card as
 * docs/datapath.md states it, shared by the golden model of the card
 * (card_model.c) and the commit stage's reference (commit_ref.c): the
 * trailer verdict of an authentic, fresh, unexpired frame (steps 13-15),
 * the host frame's rewritten header (section 5) and the SA event record
 * (section 7, docs/event-ring.md). Written from the documents, not the RTL.
 */
#ifndef SPISYNC_ESP_DECAP_H
#define SPISYNC_ESP_DECAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Steps 13-15 on the plaintext pt[0 .. ct_len) (ct_len >= 2) of an SA of
 * mode (enum sa_mode): BAD_PADDING, DUMMY, MALFORMED or DECRYPTED (then
 * *tunnel, *il the inner length and *nh are set for the decapsulation).
 */
uint8_t esp_trailer_verdict(const uint8_t *pt, size_t ct_len, unsigned mode,
    bool *tunnel, size_t *il, uint8_t *nh);

/*
 * The host frame's header (section 5) out of the frame's first bytes
 * (through l2_len + l3_hdr_len): tunnel: MAC addresses, the 802.1Q tag if
 * any, the inner ethertype; transport: the frame's L2 and IP header with the
 * IP header rewritten for the inner payload (a UDP encapsulation header
 * goes). Written to out; returns its length (the inner packet follows).
 */
size_t esp_decap_header(const uint8_t *frame, bool vlan, bool ipv6,
    unsigned l2_len, unsigned l3_hdr_len, size_t il, uint8_t nh, bool tunnel,
    uint8_t *out);

/* An SA event record (SPISYNC_EVENT_BYTES): the type, the SA, the frame
 * that raised it (addresses: 16 bytes with IPv6, else 4; no ports, no
 * frame length). */
struct esp_sa_event {
	uint8_t type;           /* SPISYNC_EV_* */
	bool ipv6;
	uint32_t spi;
	uint64_t time_ns;
	const uint8_t *src, *dst;
	uint32_t seq;           /* the frame's 32-bit sequence number */
	uint32_t count;
	uint16_t sa_index;
	uint16_t rx_seq;
};
void esp_sa_event_record(const struct esp_sa_event *ev, uint8_t *rec);

#endif
