/*
 * spisync tests -- a loopback libspisync backend (driver/backend.h) for the
 * driver's unit tests: registers go to the fake register file
 * (tests/unit/fake_regs.h), and the real card controller firmware
 * (firmware/fw.c) serves the mailbox, run from the fake's REQ_SEQ write
 * hook as the card's soft core would run it. DMA memory comes from
 * aligned_alloc at made-up bus addresses; the test plays the card writing
 * event records into it (loop_backend_bus_ptr).
 *
 * Beyond the fake, the backend models the few register behaviours the
 * driver's ring code depends on (docs/register-map.md): RING_STATUS bit 0
 * follows RING_CTRL; a 0->1 edge of RING_CTRL clears the sticky status bits
 * and RING_PROD, as the card starts a new ring; and, for bounded-wait tests,
 * RING_STATUS bit 4 (busy) and SA_STATS_STATUS bit 0 (not done) can be held
 * for a number of reads.
 *
 * Every access the driver makes goes into an access log (reads and writes
 * in order), which the tests check orderings against. The lock counts and
 * flags a mailbox request posted without it, and a nested lock.
 *
 * close (from spisync_close) does not free: the test keeps looking at the
 * state afterwards and calls loop_backend_destroy.
 */
#ifndef SPISYNC_LOOP_BACKEND_H
#define SPISYNC_LOOP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "fake_regs.h"
#include "fw.h"

#define LOOP_DMA_MAX 8u
/* where the made-up bus addresses start (above 4 GiB, as the card masters
 * 64-bit addresses) */
#define LOOP_BUS_BASE 0x0000002400000000ull

struct loop_access {
	bool write;
	uint32_t offset;
	uint32_t value;
};

struct loop_dma {
	uint8_t *vaddr;
	uint64_t bus;
	size_t len;
	bool live;
};

struct loop_backend {
	struct spisync_backend base;
	struct fake_regs *fake;
	struct fw *fw;

	/* the controller: fw_answers false is a dead controller; with
	 * fw_delay_reads N it answers after N reads of RSP_SEQ (polling) */
	bool fw_answers;
	uint32_t fw_delay_reads;
	bool fw_posted;
	uint32_t fw_rsp_reads;
	uint32_t now_ms;                  /* the controller's HAL clock */
	/* nonzero: HELLO answers claim this mailbox protocol version */
	uint32_t hello_proto_override;

	/* the lock */
	int lock_depth;
	unsigned locks, unlocks;
	unsigned lock_violations;         /* request posted unlocked, nested lock */
	bool fail_lock;

	/* DMA */
	struct loop_dma dma[LOOP_DMA_MAX];
	uint64_t next_bus;
	unsigned dma_allocs, dma_frees;
	bool fail_dma;

	/* held status bits (reads remaining) */
	uint32_t ring_busy_reads;
	uint32_t stats_busy_reads;

	/* the access log */
	bool log_on;
	struct loop_access *log;
	size_t log_len, log_cap;

	/* called after each write the driver makes (the test as the card) */
	void (*on_write)(void *ctx, uint32_t offset, uint32_t value);
	void *on_write_ctx;

	bool closed;
};

/* A card of sa_entries SAs and tag_buckets buckets, the firmware started
 * on it (fw_init). 0 and *out, or -1. */
int loop_backend_create(uint32_t sa_entries, uint32_t tag_buckets,
    struct loop_backend **out);
void loop_backend_destroy(struct loop_backend *l);

/* Host pointer of len bytes at a bus address from dma_alloc, or NULL. */
void *loop_backend_bus_ptr(struct loop_backend *l, uint64_t bus, size_t len);

/* Empty the access log and start (or stop) recording. */
void loop_backend_log_start(struct loop_backend *l);
void loop_backend_log_stop(struct loop_backend *l);

/* DMA allocations not freed. */
unsigned loop_backend_dma_live(const struct loop_backend *l);

#endif
