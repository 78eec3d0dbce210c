/*
 * spisync firmware -- the card controller (freestanding C11: no libc, no
 * malloc, no floating point).
 *
 * It owns the SA table (placement through sa_table.c, zeroization on
 * delete), the SAs' lifetimes in time, and the mailbox (mbox.h) through which
 * the host driver asks for SA changes. It reaches the hardware only through
 * the HAL below: 32-bit register reads and writes of the card's register map
 * (docs/register-map.md) and a millisecond tick.
 *
 * Lifetimes in time: when an SA's soft time lifetime passes, the controller
 * queues an SA_SOFT_EXPIRY record (FW_EVENT, COUNT 1) once; when its hard
 * time lifetime passes, it deletes the SA (tag first, then the entry
 * zeroized, as SA_DEL) and queues an SA_HARD_EXPIRY record naming its index
 * and SPI. Byte and packet lifetimes are the hardware's (SA entry words
 * 16..23); they raise the same record types with COUNT 0.
 *
 * Where it runs: inside spisync-sim as the simulated card's controller
 * (fw_poll between clock steps), and cross-compiled for an rv32imc soft core
 * on the card (firmware/start_rv32.c).
 */
#ifndef SPISYNC_FW_H
#define SPISYNC_FW_H

#include <stdbool.h>
#include <stdint.h>

#include "sa_table.h"
#include "spisync_hw.h"

#define FW_VERSION 0x00010000u

/* Storage is static: the largest card this build serves. fw_init refuses a
 * card whose CAP_SA_ENTRIES or CAP_TAG_BUCKETS exceed these. */
#ifndef FW_MAX_SA_ENTRIES
#define FW_MAX_SA_ENTRIES 4096u
#endif
#ifndef FW_MAX_TAG_BUCKETS
#define FW_MAX_TAG_BUCKETS 4096u
#endif

/* STATUS reads fw_init makes waiting for the card's ready bit. */
#define FW_READY_TRIES 1000000u

/* Work bounds of one fw_poll, so a pass stays short: SA indices whose time
 * lifetimes it checks (a full sweep of N indices takes N / this many
 * polls), and lifetime events it hands to FW_EVENT. */
#define FW_LIFE_SCAN_PER_POLL 32u
#define FW_EVENTS_PER_POLL 4u

/* Lifetime events waiting for FW_EVENT (FW_EVENT_STATUS bit 0 busy). Each
 * SA raises at most two (soft, hard), and an add is refused (MBOX_E_FULL)
 * unless the queue has room for every event the installed SAs may still
 * raise, so the queue never overflows: no event is ever lost. The limit
 * used is 2 x CAP_SA_ENTRIES. */
#define FW_EVENT_QUEUE_MAX (2u * FW_MAX_SA_ENTRIES)

struct fw_hal {
	void *ctx;
	uint32_t (*read32)(void *ctx, uint32_t offset);
	void (*write32)(void *ctx, uint32_t offset, uint32_t value);
	/* free-running milliseconds; may wrap (the controller extends it) */
	uint32_t (*now_ms)(void *ctx);
};

enum fw_err {
	FW_OK = 0,
	FW_ERR_ID = -1,        /* ID or VERSION not this register map */
	FW_ERR_NOT_READY = -2, /* STATUS ready never came up */
	FW_ERR_TOO_BIG = -3,   /* card larger than FW_MAX_* */
	FW_ERR_CAP = -4,       /* CAP_SA_ENTRIES 0 or > 65536, CAP_TAG_BUCKETS
	                        * not a power of two >= 2 */
	FW_ERR_INVAL = -5,     /* NULL fw, hal or HAL function */
};

/* Per SA index: what the controller knows besides the hardware entry (the
 * entry itself cannot be read back). Never a key or a salt. */
struct fw_sa_meta {
	uint32_t word0;        /* entry word 0 as installed (flags, ICV, GEN) */
	uint32_t ports;        /* entry word 3 */
	uint32_t dst[4];       /* entry words 4..7 */
	uint32_t limits[8];    /* entry words 16..23 */
	uint32_t soft_s, hard_s;
	uint64_t added_ms;
	uint32_t flags;        /* MBOX_SAF_* */
};

/* One queued lifetime event: the two register values it is written as. */
struct fw_event {
	uint32_t spi;          /* FW_EVENT_SPI */
	uint32_t value;        /* FW_EVENT: type 7:0, SA index 31:16 */
};

/* Returned by fw_poll: what the pass did (for the simulator's idle logic). */
#define FW_DID_REQUEST 0x1u    /* served a mailbox request */
#define FW_DID_LIFETIME 0x2u   /* raised a lifetime event or expired an SA */

struct fw {
	struct fw_hal hal;
	bool ready;             /* fw_init succeeded */
	struct sa_table table;
	struct sa_tag_slot slots[2u * FW_MAX_TAG_BUCKETS * SPISYNC_TAG_WAYS];
	uint32_t spi_of[FW_MAX_SA_ENTRIES];
	uint8_t gen_of[FW_MAX_SA_ENTRIES];
	bool used[FW_MAX_SA_ENTRIES];
	struct fw_sa_meta meta[FW_MAX_SA_ENTRIES];
	uint32_t last_seq;      /* RSP_SEQ last written */
	uint32_t last_tick;     /* HAL now_ms at the last poll */
	uint64_t now_ms;        /* extended, since fw_init */
	uint32_t life_cursor;   /* next index the lifetime scan looks at */
	/* lifetime events: a ring of FW_EVENT_QUEUE_MAX, used up to queue_max */
	struct fw_event queue[FW_EVENT_QUEUE_MAX];
	uint32_t queue_head, queue_len, queue_max;
	uint32_t events_reserved; /* events installed SAs may still raise */
	uint32_t events_lost;   /* never nonzero unless the invariant broke */
};

/*
 * Check ID and VERSION, wait (bounded) for STATUS ready, size the table from
 * CAP_SA_ENTRIES / CAP_TAG_BUCKETS, write every tag slot and entry invalid,
 * and take the mailbox (RSP_SEQ = REQ_SEQ). A request found posted and not
 * answered is not executed: its key words are zeroed and it is answered
 * MBOX_E_BADCMD (whatever it did before the restart, fw_init has just
 * wiped). FW_OK or FW_ERR_*; on an error fw_poll does nothing.
 */
int fw_init(struct fw *fw, const struct fw_hal *hal);

/*
 * One pass of the controller's loop: serve at most one posted mailbox
 * request, then check a bounded number of SAs' time lifetimes. Returns
 * FW_DID_* bits (0: nothing to do). Never blocks.
 */
unsigned fw_poll(struct fw *fw);

/*
 * Install an SA as MBOX_CMD_SA_ADD does (entry words as in the mailbox, GEN
 * ignored; time lifetimes in s, 0: none): for SAs the controller is given
 * other than through the mailbox (spisync-sim --esp-sa preloads static SAs
 * this way). Returns MBOX_OK or MBOX_E_*; *index, *gen where it went (either
 * may be NULL).
 */
int fw_sa_add(struct fw *fw, const uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t soft_s, uint32_t hard_s, uint32_t *index, uint32_t *gen);

/* Milliseconds since fw_init as the controller counts them (as of the last
 * fw_poll or fw_sa_add). */
uint64_t fw_now_ms(const struct fw *fw);

#endif
