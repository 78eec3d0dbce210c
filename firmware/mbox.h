/*
 * spisync -- the mailbox protocol between the host driver (libspisync) and
 * the card controller (firmware/fw.c). One source of truth for both sides.
 *
 * The mailbox is 64 words of plain read/write storage in the card's register
 * space (MBOX[0..63], docs/register-map.md). The hardware gives the words no
 * meaning; this header does:
 *
 *   word 0  REQ_SEQ   written by the host, last, to post a request
 *   word 1  RSP_SEQ   written by the controller, last, = the REQ_SEQ answered
 *   word 2  CMD       MBOX_CMD_*
 *   word 3  STATUS    MBOX_OK or MBOX_E_* (written by the controller)
 *   word 4.. ARG      arguments in, results out (MBOX_ARG_WORDS words)
 *
 * Host side, one request: hold the host lock (one request at a time per
 * card, libspisync's backend lock); read RSP_SEQ; seq = RSP_SEQ + 1, skipping
 * 0; write CMD and the arguments; write REQ_SEQ = seq; poll RSP_SEQ until it
 * reads seq (bounded: MBOX_TIMEOUT_MS); read STATUS and the results.
 *
 * Controller side: a request is posted when REQ_SEQ differs from the last
 * RSP_SEQ written and is not 0. The controller reads CMD and the arguments,
 * acts, writes STATUS and the results, then RSP_SEQ = REQ_SEQ. At start it
 * writes RSP_SEQ = REQ_SEQ, so a request posted before a controller restart
 * is never acted on twice; if that request was still unanswered, it is
 * answered MBOX_E_RESTART (not executed; a restart has also removed every
 * SA), so the host never reads a stale STATUS as its answer.
 *
 * Keys go in (SA_ADD, SA_REPLACE) and never come out: SA_GET returns no key
 * and no salt, and the controller zeroes the argument words it read a key
 * from before answering.
 */
#ifndef SPISYNC_MBOX_H
#define SPISYNC_MBOX_H

#define MBOX_PROTO_VERSION 1u

/* word indices */
#define MBOX_W_REQ_SEQ 0u
#define MBOX_W_RSP_SEQ 1u
#define MBOX_W_CMD     2u
#define MBOX_W_STATUS  3u
#define MBOX_W_ARG     4u
#define MBOX_WORDS     64u
#define MBOX_ARG_WORDS (MBOX_WORDS - MBOX_W_ARG)

/* How long a host waits for RSP_SEQ before reporting the controller dead. */
#define MBOX_TIMEOUT_MS 2000u

enum mbox_cmd {
	/* out: ARG+0 firmware version, +1 MBOX_PROTO_VERSION, +2 SA capacity
	 * (indices), +3 SAs installed, +4 tag buckets per table, +5 controller
	 * uptime in seconds */
	MBOX_CMD_HELLO = 1,
	/* in: ARG+0..31 the SA entry (SPISYNC_SA_WORDS words, layout of
	 * docs/register-map.md; VALID set; GEN ignored, the controller picks
	 * it), +32 soft time lifetime in s, +33 hard time lifetime in s (0:
	 * none; soft < hard when both are set).
	 * out: ARG+0 SA index, +1 generation */
	MBOX_CMD_SA_ADD = 2,
	/* make-before-break: in as SA_ADD plus ARG+34 the old index; the new SA
	 * is live (same SPI: its tag switched in one write) before the old
	 * index is zeroized. out: ARG+0 new index, +1 generation */
	MBOX_CMD_SA_REPLACE = 3,
	/* in: ARG+0 index. The tag is removed, then the entry written all-zero
	 * (the key is zeroized). */
	MBOX_CMD_SA_DEL = 4,
	/* in: ARG+0 SPI. out: ARG+0 index */
	MBOX_CMD_SA_FIND = 5,
	/* in: ARG+0 index. out (no key, no salt): ARG+0 index, +1 entry word 0
	 * (flags, ICV length, generation), +2 SPI, +3 entry word 3 (ports),
	 * +4..7 DST (entry words 4..7), +8..15 entry words 16..23 (hard/soft
	 * byte and packet limits), +16 soft time lifetime s, +17 hard time
	 * lifetime s, +18 seconds since the SA was installed, +19 MBOX_SAF_*
	 * state bits */
	MBOX_CMD_SA_GET = 6,
	/* in: ARG+0 first index to look at. out: ARG+0 n (0..MBOX_LIST_MAX),
	 * +1 the index to continue from (MBOX_LIST_END when done), +2.. the n
	 * installed indices, ascending */
	MBOX_CMD_SA_LIST = 7,
	/* delete every SA (each zeroized). out: ARG+0 SAs deleted */
	MBOX_CMD_SA_FLUSH = 8,
};

/* SA_ADD / SA_REPLACE argument offsets (relative to MBOX_W_ARG) */
#define MBOX_SA_ARG_ENTRY     0u
#define MBOX_SA_ARG_SOFT_S    32u
#define MBOX_SA_ARG_HARD_S    33u
#define MBOX_SA_ARG_OLD_INDEX 34u

/* SA_GET result offsets (relative to MBOX_W_ARG) */
#define MBOX_GET_INDEX   0u
#define MBOX_GET_WORD0   1u
#define MBOX_GET_SPI     2u
#define MBOX_GET_PORTS   3u
#define MBOX_GET_DST     4u
#define MBOX_GET_LIMITS  8u
#define MBOX_GET_SOFT_S  16u
#define MBOX_GET_HARD_S  17u
#define MBOX_GET_AGE_S   18u
#define MBOX_GET_FLAGS   19u

/* SA_GET state bits */
#define MBOX_SAF_SOFT_TIME_EXPIRED 0x1u  /* SA_SOFT_EXPIRY (time) raised */

#define MBOX_LIST_MAX 56u
#define MBOX_LIST_END 0xFFFFFFFFu

enum mbox_status {
	MBOX_OK = 0,
	MBOX_E_FULL = 1,      /* no free index or no tag placement; or the
	                       * SA's time lifetime events could not be
	                       * queued (FW_EVENT stuck busy, firmware/fw.h) */
	MBOX_E_EXISTS = 2,    /* SPI already installed */
	MBOX_E_NOENT = 3,     /* no such SA */
	MBOX_E_INVAL = 4,     /* bad argument (SPI < 256, VALID clear, ICV
	                       * length, MODE 3, word 0 bits no field uses,
	                       * lifetimes, index out of range) */
	MBOX_E_BADCMD = 5,    /* unknown command */
	MBOX_E_RESTART = 6,   /* the controller restarted before answering:
	                       * not executed, and every SA is gone */
};

#endif
