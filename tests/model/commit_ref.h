/*
 * spisync tests -- sequential reference of the commit stage (esp_commit,
 * docs/datapath.md steps 10-16, sections 5-7; docs/event-ring.md for the SA
 * events): one frame at a time, as the card must behave when every earlier
 * frame has committed. The anti-replay window is replay_ref (RFC 4303 3.4.3,
 * A2.2), the trailer, header and event record esp_decap (shared with the
 * card's golden model). Written from the documents, not from the RTL.
 */
#ifndef SPISYNC_COMMIT_REF_H
#define SPISYNC_COMMIT_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay_ref.h"

enum {
	COMMIT_REF_HDR_BYTES = 128,     /* the frame's first bytes the job carries */
	COMMIT_REF_EVENT_BYTES = 64,
	COMMIT_REF_NO_INDEX = 0xFFFF,
};

/* One SA index's state record (the card's sa_state). A record whose gen is
 * not the frame's counts as fresh (all zero) for it. */
struct commit_ref_state {
	uint8_t gen;
	struct replay_ref win;
	bool hard_reported;             /* SA_HARD_EXPIRY raised */
	uint32_t epoch;                 /* 24 bits: the burst interval of the counts */
	uint16_t af_in_epoch, rp_in_epoch;  /* saturating at 0xFFFF */
	uint64_t packets, bytes, auth_fail, replay;
};

/* The frame's job as the classify stage hands it over (esp_commit m_*). */
struct commit_ref_job {
	uint8_t reason;                 /* tokens and pass-through: the outcome */
	uint16_t index;                 /* SA index, 0xFFFF: none */
	uint8_t gen;
	bool esn;
	uint64_t seq64;                 /* S as classify inferred it */
	uint8_t mode;                   /* enum sa_mode */
	uint64_t hard_bytes, hard_packets, soft_bytes, soft_packets;
	uint32_t spi;
	uint8_t hdr[COMMIT_REF_HDR_BYTES];
	uint8_t l2_len, l3_hdr_len;
	bool vlan, ipv6;
	uint16_t csum_base;             /* IPv4 header sum for the RTL; unused here */
	uint16_t rx_seq;
	uint16_t pay_len;               /* ct_len of decrypted frames, else frame length */
};

/* The card's settings as the frame is decided. */
struct commit_ref_env {
	uint64_t time_ns;
	uint32_t burst_epoch;           /* 24 bits */
	uint32_t auth_fail_burst, replay_burst;   /* 0: off */
};

struct commit_ref_out {
	uint8_t reason;
	bool keep;                      /* delivered (unless the egress is full) */
	uint64_t user;                  /* host tuser: {RX_SEQ, SA_INDEX, OUTCOME} */
	uint8_t hdr[COMMIT_REF_HDR_BYTES];  /* host header of a kept frame */
	size_t hdr_len;
	size_t pay_len;                 /* payload bytes of a kept frame */
	bool event;
	uint8_t event_rec[COMMIT_REF_EVENT_BYTES];
	bool written;                   /* the SA's record was written */
	/* for coverage */
	bool fresh;                     /* the record counted as fresh */
	bool slid;                      /* the window's top moved */
	bool hi_mismatch;               /* REPLAY only for S's high half */
};

/*
 * One frame. st: the record at job->index (NULL when there is none, index
 * 0xFFFF); updated in place. token: a single beat of a frame dropped
 * before crypto (job->reason says why); bypass: pass-through, delivered
 * raw; else decrypted: auth_ok is the ICV verdict, pt the plaintext
 * (job->pay_len >= 2 bytes).
 */
void commit_ref_frame(struct commit_ref_state *st,
    const struct commit_ref_job *job, bool auth_ok, bool token, bool bypass,
    const uint8_t *pt, const struct commit_ref_env *env,
    struct commit_ref_out *out);

#endif
