/*
 * spisync-sim server -- card time that follows wall time (card_time.h).
 */
#include <time.h>

#include "card_time.h"
#include "spisync_hw.h"

uint64_t card_time_wall_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t card_time_read(struct card_sim *c)
{
	const uint32_t lo = card_sim_mmio_read(c, SPISYNC_REG_TIME_NS_LO);
	const uint32_t hi = card_sim_mmio_read(c, SPISYNC_REG_TIME_NS_HI);

	return (uint64_t)hi << 32 | lo;
}

void card_time_start(struct card_time *t, struct card_sim *c, uint64_t now_ns)
{
	t->wall_ns = now_ns;
	t->card_ns = card_time_read(c);
	t->client_lo_staged = false;
	t->client_lo = 0;
	t->card_lo = 0;          /* the register's reset value */
	t->syncs = 0;
	t->stepped_ns = 0;
}

void card_time_sync(struct card_time *t, struct card_sim *c, uint64_t now_ns)
{
	const uint64_t card = card_time_read(c);
	/* CLOCK_MONOTONIC never goes back; be safe if a caller's now does */
	const uint64_t passed = now_ns > t->wall_ns ? now_ns - t->wall_ns : 0;
	const uint64_t target = t->card_ns + passed;

	t->wall_ns = now_ns;
	if (card >= target) {
		/* on time, or ahead by a step nobody told us of: go on from
		 * there */
		t->card_ns = card;
		return;
	}
	const uint64_t step = target - card;

	card_sim_mmio_write(c, SPISYNC_REG_TIME_ADJUST_LO, (uint32_t)step);
	card_sim_mmio_write(c, SPISYNC_REG_TIME_ADJUST_HI, (uint32_t)(step >> 32));
	t->card_lo = (uint32_t)step;
	if (t->client_lo_staged) {
		card_sim_mmio_write(c, SPISYNC_REG_TIME_ADJUST_LO, t->client_lo);
		t->card_lo = t->client_lo;
	}
	t->card_ns = target;
	t->syncs++;
	t->stepped_ns += step;
}

void card_time_sync_due(struct card_time *t, struct card_sim *c)
{
	const uint64_t now = card_time_wall_ns();

	if (now - t->wall_ns >= CARD_TIME_SYNC_NS)
		card_time_sync(t, c, now);
}

void card_time_client_write(struct card_time *t, uint32_t offset,
    uint32_t value)
{
	if (offset == SPISYNC_REG_TIME_ADJUST_LO) {
		t->client_lo_staged = true;
		t->client_lo = value;
		t->card_lo = value;
	} else if (offset == SPISYNC_REG_TIME_ADJUST_HI) {
		/* the card stepped by {HI, the LO staged}: card time should
		 * be that much further along too */
		t->card_ns += (uint64_t)value << 32 | t->card_lo;
		t->client_lo_staged = false;
	}
}
