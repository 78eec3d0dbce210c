/*
 * spisync driver -- event ring consumer (see event_ring.h).
 *
 * Freestanding C11: the ring is read and cleared through volatile accesses
 * (the card writes it behind the compiler's back, and a plain loop could be
 * turned into a memcpy/memset call a freestanding build does not have).
 * The acquire fence after the FLAGS read is enough where DMA is cache
 * coherent (x86, and the simulator); a platform with non-coherent DMA needs
 * its own barrier there (Linux: dma_rmb()).
 */
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#include <errno.h>
#endif
#ifndef EINVAL
#define EINVAL 22
#endif

#include "spisync_hw.h"
#include "event_ring.h"

#define PHASE_MASK SPISYNC_EV_FLAG_PHASE

static uint32_t ring_mask(const struct event_ring *r)
{
	return (uint32_t)((1ull << r->size_log2) - 1u);
}

static volatile uint8_t *slot_at(const struct event_ring *r, uint32_t index)
{
	return r->mem + (size_t)(index & ring_mask(r)) * EVENT_RING_REC_BYTES;
}

int event_ring_init(struct event_ring *r, void *mem, uint32_t size_log2)
{
	volatile uint64_t *w = mem;
	size_t words;

	if (r == NULL || mem == NULL || ((uintptr_t)mem & (EVENT_RING_REC_BYTES - 1u)) != 0)
		return -EINVAL;
	if (size_log2 < EVENT_RING_MIN_LOG2 || size_log2 > EVENT_RING_MAX_LOG2)
		return -EINVAL;
	/* 64 << size_log2 bytes must be addressable */
	if (size_log2 + 6u >= sizeof(size_t) * CHAR_BIT)
		return -EINVAL;
	words = ((size_t)EVENT_RING_REC_BYTES << size_log2) / sizeof(uint64_t);
	for (size_t i = 0; i < words; i++)
		w[i] = 0;
	r->mem = mem;
	r->size_log2 = size_log2;
	r->head = 0;
	r->phase = 1;
	r->unreported = 0;
	return 0;
}

int event_ring_pop(struct event_ring *r, uint8_t rec[EVENT_RING_REC_BYTES])
{
	volatile const uint8_t *slot = slot_at(r, r->head);
	const uint8_t flags = slot[SPISYNC_EVF_FLAGS_OFF];

	if (((flags & PHASE_MASK) != 0) != (r->phase != 0))
		return 0;
	/* the record lands in one 64-byte write; reading the body only after
	 * FLAGS keeps the CPU from using body bytes it loaded earlier */
	atomic_thread_fence(memory_order_acquire);
	for (unsigned i = 0; i < EVENT_RING_REC_BYTES; i++)
		rec[i] = slot[i];
	r->head++;
	if ((r->head & ring_mask(r)) == 0)
		r->phase ^= 1u;
	r->unreported++;
	return 1;
}

uint32_t event_ring_cons(const struct event_ring *r)
{
	return r->head;
}

bool event_ring_cons_due(const struct event_ring *r)
{
	uint32_t every = (uint32_t)((1ull << r->size_log2) / 4u);

	if (every == 0)
		every = 1;
	return r->unreported >= every;
}

void event_ring_cons_written(struct event_ring *r)
{
	r->unreported = 0;
}
