/*
 * spisync tests -- the pointer queue of the card_sim.h test doubles
 * (card_sim_fifo.h).
 */

#include <stdlib.h>
#include <string.h>

#include "card_sim_fifo.h"

/* Ring slots the first push allocates; doubled each time the ring fills. */
enum { FIFO_START = 64 };

int
card_sim_fifo_push(struct card_sim_fifo *f, void *item)
{
	if (f->count == f->cap) {
		const size_t n = f->cap != 0 ? f->cap * 2 : FIFO_START;
		void **items = malloc(n * sizeof(*items));

		if (items == NULL)
			return -1;
		/* linearize: the oldest item moves to slot 0 */
		for (size_t i = 0; i < f->count; i++)
			items[i] = f->items[(f->head + i) % f->cap];
		free(f->items);
		f->items = items;
		f->head = 0;
		f->cap = n;
	}
	f->items[(f->head + f->count) % f->cap] = item;
	f->count++;
	return 0;
}

void *
card_sim_fifo_pop(struct card_sim_fifo *f)
{
	void *item;

	if (f->count == 0)
		return NULL;
	item = f->items[f->head];
	f->head = (f->head + 1) % f->cap;
	f->count--;
	return item;
}

void *
card_sim_fifo_at(const struct card_sim_fifo *f, size_t i)
{
	return f->items[(f->head + i) % f->cap];
}

void
card_sim_fifo_free(struct card_sim_fifo *f)
{
	void *item;

	while ((item = card_sim_fifo_pop(f)) != NULL)
		free(item);
	free(f->items);
	memset(f, 0, sizeof(*f));
}
