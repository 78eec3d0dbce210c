/*
 * spisync tests -- randomized traffic with intent: a set of SAs as peers
 * would negotiate them and a stream of frames, each built to be something
 * (valid, reordered, replayed, tampered, malformed, unknown, pass-through,
 * punted, ...). The generator keeps each SA's sender state (next sequence
 * number, recently sent frames) and what the receiver must have accepted
 * so far, so every frame comes with the outcome it was built to get.
 *
 * The intent accounts for hard lifetimes (the generator counts what the SA
 * delivered) and for the replay window (a reordered frame released after
 * the window moved past it is intended REPLAY). One difference from the
 * card's verdict is legitimate and flagged in traffic_info:
 *
 *   esn_left_of_window: a frame left of the window of an ESN SA (a replay
 *   of an old frame, or an old sequence number) is intended REPLAY, but RFC
 *   4303 Appendix A2.2 reads its low 32 bits as belonging to the epoch the
 *   window infers (often the next one); that S can look fresh, and then the
 *   ICV fails: AUTH_FAIL is then the right verdict too.
 *
 * Frames are built by frame_build.h and never exceed the mix's max_len
 * except when the smallest possible frame of a kind is longer.
 */
#ifndef SPISYNC_TRAFFIC_H
#define SPISYNC_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model_sa.h"

enum { TRAFFIC_MAX_SAS = 4096, TRAFFIC_FRAME_CAP = 16383 };

/* Percentages of frames by what they are built to be; the rest (100 - sum)
 * is valid ESP in order. vlan is independent: the share of frames tagged. */
struct traffic_mix {
	unsigned reorder;      /* a valid frame held back and sent late (usually inside the window) */
	unsigned replay;       /* byte-identical copy of a frame the receiver accepted */
	unsigned old;          /* a new frame with a sequence number left of the window */
	unsigned tamper;       /* ciphertext, ICV, IV or sequence number (AAD) changed after encryption */
	unsigned bad_pad;      /* authentic frame with wrong padding */
	unsigned malformed;    /* truncated, wrong IP/UDP length, bad IPv4 checksum, runt ESP, tunnel SA with a non-IP next header */
	unsigned unknown_spi;  /* SPI no SA has, or an SA's SPI to the wrong address / encapsulation */
	unsigned reserved_spi; /* SPI 0..255 */
	unsigned mac_err;      /* any frame with the MAC error flag */
	unsigned dummy;        /* authentic next header 59 (RFC 4303 2.6) */
	unsigned pass;         /* ARP, other UDP/TCP/ICMP, IKE on 500 and 4500, NAT-T keepalive, other ethertypes */
	unsigned punt;         /* IPv4/IPv6 fragments of ESP, IPv6 extension headers */
	unsigned vlan;         /* share of frames with one 802.1Q tag */
	/* the sizes frames are built to, 64 .. 9600 by default; frames short
	 * by nature (runts, ARP, keepalives, truncated ones) are shorter */
	unsigned min_len, max_len;
};

/* Frame kinds (the finer truth behind the intent). */
enum traffic_kind {
	TK_VALID,
	TK_REORDER,
	TK_REPLAY,
	TK_OLD,
	TK_TAMPER_CT,
	TK_TAMPER_ICV,
	TK_TAMPER_IV,
	TK_TAMPER_SEQ,
	TK_BAD_PAD,
	TK_BAD_PADLEN,
	TK_TRUNCATED,
	TK_BAD_IP_LEN,
	TK_BAD_UDP_LEN,
	TK_BAD_CSUM,
	TK_RUNT,
	TK_TUNNEL_NONIP,
	TK_UNKNOWN_SPI,
	TK_WRONG_DST,
	TK_WRONG_ENCAP,
	TK_RESERVED_SPI,
	TK_MAC_ERR,
	TK_DUMMY,
	TK_ARP,
	TK_UDP_OTHER,
	TK_TCP,
	TK_ICMP,
	TK_IKE_500,
	TK_IKE_4500,
	TK_KEEPALIVE,
	TK_UDP4500_LATER_FRAG,
	TK_OTHER_ETHERTYPE,
	TK_FRAG_ESP,
	TK_FRAG_UDP4500,
	TK_V6_FRAG_ESP,
	TK_V6_EXT,
	TK_COUNT
};

extern const char *const traffic_kind_name[TK_COUNT];

/* What the last frame of traffic_next() is; valid until the next call. */
struct traffic_info {
	enum traffic_kind kind;
	int sa;                    /* SA the frame was built for, -1 if none */
	uint64_t seq;              /* its full sequence number (SA frames) */
	bool esn_left_of_window;   /* see the top of this file */
	bool tunnel;               /* intent DECRYPTED: delivered as tunnel (else transport) */
	uint8_t next_header;
	const uint8_t *inner;      /* the bytes encrypted before the ESP trailer */
	size_t inner_len;
	size_t ct_len;             /* ESP payload length incl. trailer (per-SA bytes) */
};

struct traffic;

void traffic_mix_default(struct traffic_mix *mix);

/* n_sas 1 .. TRAFFIC_MAX_SAS; mix NULL: the default. NULL on a bad
 * argument (percentages over 100, sizes out of 64..9600) or no memory. */
struct traffic *traffic_create(uint64_t seed, unsigned n_sas,
    const struct traffic_mix *mix);
void traffic_destroy(struct traffic *t);

/* The SAs it made, to install in the card and the model (index i = SA i). */
const struct model_sa *traffic_sa(const struct traffic *t, unsigned i);
unsigned traffic_sa_count(const struct traffic *t);

/* The next frame; *intent = the outcome it was built for (SPISYNC_R_*).
 * Returns its length; 0 (and nothing generated) if cap < TRAFFIC_FRAME_CAP. */
size_t traffic_next(struct traffic *t, uint8_t *frame, size_t cap,
    bool *mac_err, uint8_t *intent);

const struct traffic_info *traffic_last(const struct traffic *t);

#endif
