/*
 * spisync-sim server -- the allocator of the simulated card's host memory
 * (the memfd its clients map): first fit over 4096-byte pages, each piece
 * owned by one client and zeroed when handed out (SIM_OP_DMA_ALLOC).
 *
 * Pieces are kept sorted by offset in one array (at most one piece per
 * page), so first fit is one walk over the gaps between them. The memory
 * has 4096 pages at most (16 MiB): the walk is short and the array bounded.
 */
#ifndef SPISYNC_DMA_POOL_H
#define SPISYNC_DMA_POOL_H

#include <stddef.h>
#include <stdint.h>

#define DMA_POOL_PAGE 4096u

struct dma_piece {
	size_t off;          /* bytes from the start of the memory, page aligned */
	size_t len;          /* bytes, a multiple of the page */
	uint32_t owner;      /* the client's id */
};

struct dma_pool {
	uint8_t *mem;
	size_t size;
	struct dma_piece *pieces;    /* sorted by off, no overlap */
	size_t n;
	size_t cap;                  /* size / DMA_POOL_PAGE */
};

/* mem: size bytes, size a nonzero multiple of DMA_POOL_PAGE. 0, or -EINVAL
 * or -ENOMEM. */
int dma_pool_init(struct dma_pool *p, uint8_t *mem, size_t size);
void dma_pool_fini(struct dma_pool *p);

/*
 * The first gap of len bytes (rounded up to whole pages), zeroed, for owner:
 * 0 and *off, -EINVAL for a len of 0, -ENOMEM when no gap is that large.
 */
int dma_pool_alloc(struct dma_pool *p, uint64_t len, uint32_t owner,
    size_t *off);

/* Free owner's piece that starts at off: 0, or -EINVAL if owner has none
 * starting there. */
int dma_pool_free(struct dma_pool *p, size_t off, uint32_t owner);

/* Free every piece of owner (a client that went away); how many. */
size_t dma_pool_free_owner(struct dma_pool *p, uint32_t owner);

/* Bytes handed out. */
size_t dma_pool_used(const struct dma_pool *p);

#endif
