/*
 * spisync-sim server -- first-fit allocator of host memory (dma_pool.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dma_pool.h"

int dma_pool_init(struct dma_pool *p, uint8_t *mem, size_t size)
{
	memset(p, 0, sizeof(*p));
	if (mem == NULL || size == 0 || size % DMA_POOL_PAGE != 0)
		return -EINVAL;
	p->cap = size / DMA_POOL_PAGE;
	p->pieces = calloc(p->cap, sizeof(*p->pieces));
	if (p->pieces == NULL)
		return -ENOMEM;
	p->mem = mem;
	p->size = size;
	return 0;
}

void dma_pool_fini(struct dma_pool *p)
{
	free(p->pieces);
	memset(p, 0, sizeof(*p));
}

int dma_pool_alloc(struct dma_pool *p, uint64_t len, uint32_t owner,
    size_t *off)
{
	size_t want, at = 0, i;

	if (len == 0)
		return -EINVAL;
	/* larger than the memory: no gap can hold it (and rounding it up
	 * below must not overflow) */
	if (len > p->size)
		return -ENOMEM;
	want = ((size_t)len + DMA_POOL_PAGE - 1) / DMA_POOL_PAGE * DMA_POOL_PAGE;
	/* the gap before piece i is [at, pieces[i].off) */
	for (i = 0; i < p->n; i++) {
		if (p->pieces[i].off - at >= want)
			break;
		at = p->pieces[i].off + p->pieces[i].len;
	}
	if (i == p->n && p->size - at < want)
		return -ENOMEM;
	/* n < cap here: a gap of a page or more exists, so fewer than cap
	 * pages are taken, so fewer than cap pieces exist */
	memmove(&p->pieces[i + 1], &p->pieces[i], (p->n - i) * sizeof(*p->pieces));
	p->pieces[i].off = at;
	p->pieces[i].len = want;
	p->pieces[i].owner = owner;
	p->n++;
	memset(p->mem + at, 0, want);
	*off = at;
	return 0;
}

static void remove_at(struct dma_pool *p, size_t i)
{
	memmove(&p->pieces[i], &p->pieces[i + 1], (p->n - i - 1) * sizeof(*p->pieces));
	p->n--;
}

int dma_pool_free(struct dma_pool *p, size_t off, uint32_t owner)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->pieces[i].off != off)
			continue;
		if (p->pieces[i].owner != owner)
			return -EINVAL;
		remove_at(p, i);
		return 0;
	}
	return -EINVAL;
}

size_t dma_pool_free_owner(struct dma_pool *p, uint32_t owner)
{
	size_t freed = 0, i = 0;

	while (i < p->n) {
		if (p->pieces[i].owner == owner) {
			remove_at(p, i);
			freed++;
		} else {
			i++;
		}
	}
	return freed;
}

size_t dma_pool_used(const struct dma_pool *p)
{
	size_t used = 0;

	for (size_t i = 0; i < p->n; i++)
		used += p->pieces[i].len;
	return used;
}
