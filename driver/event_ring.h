/*
 * spisync driver -- consumer side of the card's event ring (freestanding
 * C11: no I/O, no allocation; shared by libspisync and the simulator).
 *
 * The card writes 64-byte event records (docs/register-map.md, "Event
 * record") into a ring of 2^size_log2 slots in host memory, slot
 * (n mod size) for its n-th record, NVMe completion queue style: FLAGS bit 0
 * (PHASE) is 1 on the first lap after the ring was enabled and inverted on
 * every lap. A slot holds a new record when its phase is the one expected
 * for the lap the consumer is on; no producer index is read.
 *
 * The card never writes a slot the consumer has not given back: it writes
 * record n only while n - RING_CONS < size. The consumer gives slots back by
 * writing RING_CONS = event_ring_cons(); event_ring_cons_due() says when
 * (every size / 4 records), and whenever event_ring_pop() finds nothing
 * while records are unreported, write it too, so the card sees free space
 * as soon as the host is idle.
 *
 * Starting a ring (the order matters):
 *   1. RING_CTRL = 0, then wait for RING_STATUS bit 4 (writes outstanding)
 *      to read 0: writes of the previous ring may still land until then.
 *   2. event_ring_init(): zeroes the whole ring. This is required, not
 *      tidiness: a new ring restarts at slot 0 with phase 1, so a record of
 *      an earlier ring left in memory with phase 1 would be taken for a new
 *      one. Zeroed slots have phase 0, never expected on the first lap.
 *   3. RING_BASE_LO/HI (64-byte aligned bus address of mem), RING_SIZE_LOG2
 *      (must not exceed CAP_RING_MAX_LOG2: the card clamps it, and a
 *      clamped ring would not match this one), RING_CONS = 0.
 *   4. RING_CTRL = 1.
 * The ring memory must stay mapped until the ring is disabled and RING_STATUS
 * bit 4 reads 0.
 */
#ifndef SPISYNC_EVENT_RING_H
#define SPISYNC_EVENT_RING_H

#include <stdbool.h>
#include <stdint.h>

#define EVENT_RING_REC_BYTES 64u
#define EVENT_RING_MIN_LOG2 1u
/* RING_SIZE_LOG2 is 5 bits and the indices 32 bits; the card's own limit,
 * CAP_RING_MAX_LOG2, is usually lower */
#define EVENT_RING_MAX_LOG2 31u

struct event_ring {
	uint8_t *mem;          /* 64 << size_log2 bytes, 64-byte aligned */
	uint32_t size_log2;
	uint32_t head;         /* records consumed, free running */
	uint8_t phase;         /* phase of the record expected at head */
	uint32_t unreported;   /* consumed since RING_CONS was last written */
};

/*
 * Zeroes mem (64 << size_log2 bytes) and starts at slot 0, phase 1.
 * Returns 0, or -EINVAL for a NULL or unaligned mem, size_log2 outside
 * EVENT_RING_MIN_LOG2..EVENT_RING_MAX_LOG2, or a ring larger than the
 * address space.
 */
int event_ring_init(struct event_ring *r, void *mem, uint32_t size_log2);

/*
 * Copies the record at head into rec and advances, if its phase is the
 * expected one: returns 1, or 0 when there is no new record. The FLAGS byte
 * is read first, then an acquire fence orders the body's reads after it, so
 * a record seen by its phase is seen whole. rec gets the record as written,
 * PHASE bit included.
 */
int event_ring_pop(struct event_ring *r, uint8_t rec[EVENT_RING_REC_BYTES]);

/* The value to write to RING_CONS: records consumed (head). */
uint32_t event_ring_cons(const struct event_ring *r);

/* True when size / 4 (at least 1) records are unreported: write RING_CONS. */
bool event_ring_cons_due(const struct event_ring *r);

/* Call after writing event_ring_cons() to RING_CONS. */
void event_ring_cons_written(struct event_ring *r);

#endif
