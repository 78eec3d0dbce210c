/* spisync tests -- the event-ring part of sim/card/card_sim.h for the card
 * stand-ins (fake_card_sim.c, model_card_sim.c). They have no host memory:
 * their records come from a queue, every one of them (no flow filter, no
 * token bucket), as if the ring never filled. */
#include "card_sim.h"

struct host_mem *
card_sim_host_mem(struct card_sim *c)
{
	(void)c;
	return NULL;
}

int
card_sim_events_enable(struct card_sim *c, unsigned size_log2)
{
	(void)c;
	return size_log2 >= 1 && size_log2 <= 20 ? 0 : -1;
}

bool
card_sim_frame_start(const struct card_sim *c, uint64_t arrival,
    uint64_t *cycle)
{
	(void)c;
	(void)arrival;
	(void)cycle;
	return false;
}
