/*
 * spisync tests -- a small seeded PRNG (xoshiro256**, seeded by splitmix64),
 * so a failing random test can be replayed exactly from its printed seed on
 * any machine. Not for keys outside tests.
 */
#ifndef SPISYNC_PRNG_H
#define SPISYNC_PRNG_H

#include <stddef.h>
#include <stdint.h>

struct prng {
	uint64_t s[4];
};

void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
/* Uniform in [0, bound); bound > 0. */
uint32_t prng_below(struct prng *r, uint32_t bound);
void prng_fill(struct prng *r, uint8_t *buf, size_t len);

#endif
