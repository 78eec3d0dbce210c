/*
 * libspisync -- what the library's files share: the handle, register and
 * error helpers, the mailbox client. Not installed and not exported from
 * libspisync.so (driver/libspisync.map lists the public calls only).
 */
#ifndef SPISYNC_INTERNAL_H
#define SPISYNC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "event_ring.h"
#include "spisync.h"

/* Longest sentence spisync_last_error() gives (a backend's sentence plus
 * the driver's context fits). */
#define SPISYNC_HANDLE_ERR_LEN (2 * SPISYNC_ERR_LEN)

/* Bounded waits on card status bits (SA_STATS_STATUS, RING_STATUS busy):
 * the hardware answers within a few clocks, a PCIe round trip at most. */
#define SPISYNC_STATUS_TIMEOUT_MS 1000u

/* The capabilities read at open (docs/register-map.md, CAP_*). */
struct spisync_caps {
	uint32_t id, version;
	uint32_t data_width, sa_entries, tag_buckets, reasons, replay_window;
	uint32_t flow_entries, ring_max_log2, event_hist;
};

/* The event ring this handle owns (spisync_events_start). */
struct spisync_ring {
	bool on;
	struct event_ring ring;
	void *mem;
	size_t len;
	uint64_t bus;
	/* records saved from the ring when it was restarted after a write
	 * error: handed out by poll before the new ring's */
	uint8_t (*pending)[SPISYNC_EVENT_BYTES];
	size_t pending_n, pending_pos;
	uint32_t restarts;
};

struct spisync {
	struct spisync_backend *b;
	char *device;                    /* as given to spisync_open */
	char err[SPISYNC_HANDLE_ERR_LEN];
	struct spisync_caps caps;
	bool mbox_checked;               /* the controller's HELLO was checked */
	unsigned mbox_timeout_ms;        /* MBOX_TIMEOUT_MS */
	struct spisync_ring ring;
};

/*
 * The handle over an open backend (which it takes over: closed on failure
 * too): check ID and VERSION, read the capabilities. device names the card
 * in messages. Used by spisync_open, and by tests with a backend of their
 * own (tests/unit/loop_backend.c).
 */
int spisync_open_backend(struct spisync_backend *b, const char *device,
    struct spisync **out, char *err, size_t errlen);

/* Set the handle's error sentence; returns rc. */
int spisync_fail(struct spisync *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Register access through the backend; its sentence on failure. */
int spisync_rd32(struct spisync *h, uint32_t offset, uint32_t *value);
int spisync_wr32(struct spisync *h, uint32_t offset, uint32_t value);
/* A 64-bit pair: LO first (reading it latches HI where the card latches),
 * then HI. */
int spisync_rd64(struct spisync *h, uint32_t lo_offset, uint64_t *value);
/* LO first, then HI. */
int spisync_wr64(struct spisync *h, uint32_t lo_offset, uint64_t value);

/* The backend lock (serializes mailbox requests and the select/snapshot
 * register sequences between processes). */
int spisync_lock(struct spisync *h);
/* Unlock; rc is the caller's result so far: an unlock failure is returned
 * only when rc is 0 (the first failure's sentence is kept). */
int spisync_unlock(struct spisync *h, int rc);

/* Wait until (register & mask) == want, at most timeout_ms of wall time. */
int spisync_wait_reg(struct spisync *h, uint32_t offset, uint32_t mask,
    uint32_t want, unsigned timeout_ms, const char *what);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t spisync_now_ms(void);
/* Sleep for us microseconds (polling loops). */
void spisync_sleep_us(unsigned us);

/*
 * One mailbox request (firmware/mbox.h): under the backend lock, post cmd
 * with n_in argument words, wait for the answer (h->mbox_timeout_ms of wall
 * time), read n_out result words. 0 for MBOX_OK; a controller status is
 * mapped to a negative errno value (E_FULL -ENOSPC, E_EXISTS -EEXIST,
 * E_NOENT -ENOENT, E_INVAL -EINVAL, E_BADCMD -EOPNOTSUPP) with a sentence;
 * -ETIMEDOUT if the controller did not answer. The first request on a
 * handle is preceded by a HELLO checking the protocol version.
 */
int spisync_mbox_call(struct spisync *h, uint32_t cmd, const uint32_t *in,
    unsigned n_in, uint32_t *out, unsigned n_out);
/* HELLO's answer words (firmware/mbox.h): firmware version, protocol,
 * capacity, SAs installed, tag buckets, uptime. */
#define SPISYNC_HELLO_WORDS 6u
/* HELLO, refusing a controller of another protocol version (-EPROTO);
 * marks the handle checked. */
int spisync_mbox_hello(struct spisync *h, uint32_t out[SPISYNC_HELLO_WORDS]);
/* "SA_ADD", ... "UNKNOWN" */
const char *spisync_mbox_cmd_name(uint32_t cmd);

/* Free the ring state of a handle being closed (events.c). */
void spisync_events_close(struct spisync *h);

#endif
