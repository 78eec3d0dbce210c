/*
 * spisync tests -- the queue both test doubles of card_sim.h keep their
 * frames and event records in (tests/unit/fake_card_sim.c,
 * tests/unit/model_card_sim.c): a ring of pointers that doubles when full.
 * Each used to carry its own copies of this ring; one tested copy here.
 *
 * The queue owns its items: they come from malloc(), card_sim_fifo_free()
 * frees those still queued.
 */
#ifndef SPISYNC_CARD_SIM_FIFO_H
#define SPISYNC_CARD_SIM_FIFO_H

#include <stddef.h>

struct card_sim_fifo {
	void **items;
	size_t head, count, cap;
};

/* 0, or -1 (out of memory: the queue is unchanged, item still the caller's). */
int card_sim_fifo_push(struct card_sim_fifo *f, void *item);
/* The oldest item, taken off the queue; NULL if it is empty. */
void *card_sim_fifo_pop(struct card_sim_fifo *f);
/* The i-th oldest item (0: the next to pop), left queued; i < count. */
void *card_sim_fifo_at(const struct card_sim_fifo *f, size_t i);
/* Frees the queued items and the ring; the queue is empty and reusable. */
void card_sim_fifo_free(struct card_sim_fifo *f);

#endif
