/*
 * spisync tests -- the pieces of spisync-sim's server that need no card:
 *
 *   dma_pool.c   first fit over pages, zeroing, ownership, exhaustion,
 *                against a page map kept here (random alloc/free runs);
 *   card_time.c  over a register fake defined here (card_sim_mmio_read /
 *                write: TIME_NS advances only through TIME_ADJUST, which
 *                stages LO until HI as docs/register-map.md says): the
 *                steps written are the wall-time shortfall, never a step
 *                back, a client's step kept, a client's staged LO survives
 *                a sync between its LO and HI writes.
 *
 *   test_server_units [--seed N]
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "card_sim.h"
#include "prng.h"
#include "server/card_time.h"
#include "server/dma_pool.h"
#include "spisync_hw.h"
#include "test_seed.h"

static unsigned long long g_seed;

/* ---------------------------------------------------------------------- */
/* dma_pool */

enum { POOL_PAGES = 64, PAGE = 4096 };

struct pool_fixture {
	uint8_t *mem;
	struct dma_pool pool;
};

static int pool_setup(void **state)
{
	struct pool_fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mem = malloc(POOL_PAGES * PAGE);
	if (f->mem == NULL || dma_pool_init(&f->pool, f->mem,
	    POOL_PAGES * PAGE) != 0) {
		free(f->mem);
		free(f);
		return -1;
	}
	memset(f->mem, 0xEE, POOL_PAGES * PAGE);
	*state = f;
	return 0;
}

static int pool_teardown(void **state)
{
	struct pool_fixture *f = *state;

	dma_pool_fini(&f->pool);
	free(f->mem);
	free(f);
	return 0;
}

static void test_pool_init_refuses(void **state)
{
	struct dma_pool p;
	uint8_t page[PAGE];

	(void)state;
	assert_int_equal(dma_pool_init(&p, NULL, PAGE), -EINVAL);
	assert_int_equal(dma_pool_init(&p, page, 0), -EINVAL);
	assert_int_equal(dma_pool_init(&p, page, PAGE - 1), -EINVAL);
}

static void test_pool_first_fit(void **state)
{
	struct pool_fixture *f = *state;
	size_t a, b, c, d, e, g;

	assert_int_equal(dma_pool_alloc(&f->pool, 0, 1, &a), -EINVAL);
	assert_int_equal(dma_pool_alloc(&f->pool, 1, 1, &a), 0);
	assert_int_equal(dma_pool_alloc(&f->pool, 3 * PAGE, 1, &b), 0);
	assert_int_equal(dma_pool_alloc(&f->pool, PAGE + 1, 2, &c), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1 * PAGE);
	assert_int_equal(c, 4 * PAGE);
	assert_int_equal(dma_pool_used(&f->pool), 6 * PAGE);
	/* zeroed, exactly its pages */
	for (size_t i = 0; i < 6 * PAGE; i++)
		assert_int_equal(f->mem[i], 0);
	assert_int_equal(f->mem[6 * PAGE], 0xEE);
	/* hole of 3 pages at 1: 2 pages go there, 2 more do not fit in the
	 * one left, a page does */
	assert_int_equal(dma_pool_free(&f->pool, b, 1), 0);
	assert_int_equal(dma_pool_alloc(&f->pool, 2 * PAGE, 3, &d), 0);
	assert_int_equal(d, 1 * PAGE);
	assert_int_equal(dma_pool_alloc(&f->pool, 2 * PAGE, 3, &e), 0);
	assert_int_equal(e, 6 * PAGE);
	assert_int_equal(dma_pool_alloc(&f->pool, 10, 3, &g), 0);
	assert_int_equal(g, 3 * PAGE);
	/* ownership and piece starts */
	assert_int_equal(dma_pool_free(&f->pool, c, 1), -EINVAL);
	assert_int_equal(dma_pool_free(&f->pool, c + PAGE, 2), -EINVAL);
	assert_int_equal(dma_pool_free(&f->pool, 63 * PAGE, 2), -EINVAL);
	assert_int_equal(dma_pool_free(&f->pool, c, 2), 0);
	assert_int_equal(dma_pool_free(&f->pool, c, 2), -EINVAL);
	assert_int_equal(dma_pool_free_owner(&f->pool, 3), 3);
	assert_int_equal(dma_pool_free_owner(&f->pool, 3), 0);
	assert_int_equal(dma_pool_used(&f->pool), PAGE);
	assert_int_equal(dma_pool_free(&f->pool, a, 1), 0);
	assert_int_equal(dma_pool_used(&f->pool), 0);
}

static void test_pool_exhaustion(void **state)
{
	struct pool_fixture *f = *state;
	size_t off;

	assert_int_equal(dma_pool_alloc(&f->pool, POOL_PAGES * PAGE + 1, 1,
	    &off), -ENOMEM);
	assert_int_equal(dma_pool_alloc(&f->pool, UINT64_MAX, 1, &off), -ENOMEM);
	assert_int_equal(dma_pool_alloc(&f->pool, POOL_PAGES * PAGE, 1, &off), 0);
	assert_int_equal(off, 0);
	assert_int_equal(dma_pool_alloc(&f->pool, 1, 2, &off), -ENOMEM);
	assert_int_equal(dma_pool_free_owner(&f->pool, 1), 1);
	/* every page a piece: the piece table's bound */
	for (unsigned i = 0; i < POOL_PAGES; i++) {
		assert_int_equal(dma_pool_alloc(&f->pool, 1, 1 + i % 3, &off), 0);
		assert_int_equal(off, (size_t)i * PAGE);
	}
	assert_int_equal(dma_pool_alloc(&f->pool, 1, 1, &off), -ENOMEM);
	assert_int_equal(dma_pool_free_owner(&f->pool, 2), POOL_PAGES / 3);
	assert_int_equal(dma_pool_alloc(&f->pool, 2 * PAGE, 1, &off), -ENOMEM);
	assert_int_equal(dma_pool_alloc(&f->pool, PAGE, 1, &off), 0);
	assert_int_equal(off, 1 * PAGE);
}

/* Random allocs and frees against a page map: every piece at the lowest
 * run of free pages large enough (first fit), never overlapping, zeroed. */
static void test_pool_random(void **state)
{
	struct pool_fixture *f = *state;
	struct prng rng;
	uint32_t owner_of[POOL_PAGES];        /* 0: free */
	/* the pieces handed out: start, pages, owner */
	size_t starts[POOL_PAGES], pages_of[POOL_PAGES];
	uint32_t start_owner[POOL_PAGES];
	size_t n = 0;

	prng_seed(&rng, g_seed);
	memset(owner_of, 0, sizeof(owner_of));
	for (unsigned step = 0; step < 20000; step++) {
		if (n > 0 && prng_below(&rng, 100) < 45) {
			const size_t k = prng_below(&rng, (uint32_t)n);
			const uint32_t who = start_owner[k];

			if (prng_below(&rng, 10) == 0) {
				/* someone else's: refused, nothing changes */
				assert_int_equal(dma_pool_free(&f->pool,
				    starts[k], who + 1), -EINVAL);
				continue;
			}
			assert_int_equal(dma_pool_free(&f->pool, starts[k], who), 0);
			for (size_t p = 0; p < pages_of[k]; p++)
				owner_of[starts[k] / PAGE + p] = 0;
			n--;
			starts[k] = starts[n];
			pages_of[k] = pages_of[n];
			start_owner[k] = start_owner[n];
		} else {
			const uint64_t len = 1 + prng_below(&rng, 5 * PAGE);
			const size_t pages = (size_t)((len + PAGE - 1) / PAGE);
			const uint32_t who = 1 + prng_below(&rng, 4);
			size_t want = POOL_PAGES, run = 0, off;
			int rc;

			/* first fit, by the page map */
			for (size_t p = 0; p < POOL_PAGES; p++) {
				run = owner_of[p] == 0 ? run + 1 : 0;
				if (run == pages) {
					want = p + 1 - pages;
					break;
				}
			}
			memset(f->mem, 0x5A, POOL_PAGES * PAGE);
			rc = dma_pool_alloc(&f->pool, len, who, &off);
			if (want == POOL_PAGES) {
				assert_int_equal(rc, -ENOMEM);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(off, want * PAGE);
			for (size_t i = 0; i < pages * PAGE; i++)
				assert_int_equal(f->mem[off + i], 0);
			if (off > 0)
				assert_int_equal(f->mem[off - 1], 0x5A);
			if (off + pages * PAGE < POOL_PAGES * PAGE)
				assert_int_equal(f->mem[off + pages * PAGE], 0x5A);
			for (size_t p = want; p < want + pages; p++)
				owner_of[p] = who;
			starts[n] = off;
			pages_of[n] = pages;
			start_owner[n] = who;
			n++;
		}
	}
	/* what is left goes with its owners */
	for (uint32_t who = 1; who <= 4; who++)
		(void)dma_pool_free_owner(&f->pool, who);
	assert_int_equal(dma_pool_used(&f->pool), 0);
}

/* ---------------------------------------------------------------------- */
/* card_time over a register fake */

struct fake_clock {
	uint64_t time_ns;            /* the card's time */
	uint32_t adjust_lo;          /* staged */
	uint32_t latched_hi;
	uint64_t steps[64];          /* every TIME_ADJUST_HI write's step */
	unsigned n_steps;
	unsigned reads, writes;
};

static struct fake_clock g_fake;

/* card_time.c reaches the card only through these two */
uint32_t card_sim_mmio_read(struct card_sim *c, uint32_t offset)
{
	(void)c;
	g_fake.reads++;
	if (offset == SPISYNC_REG_TIME_NS_LO) {
		g_fake.latched_hi = (uint32_t)(g_fake.time_ns >> 32);
		return (uint32_t)g_fake.time_ns;
	}
	if (offset == SPISYNC_REG_TIME_NS_HI)
		return g_fake.latched_hi;
	fail_msg("card_time read register 0x%x", (unsigned)offset);
	return 0;
}

void card_sim_mmio_write(struct card_sim *c, uint32_t offset, uint32_t value)
{
	(void)c;
	g_fake.writes++;
	if (offset == SPISYNC_REG_TIME_ADJUST_LO) {
		g_fake.adjust_lo = value;
	} else if (offset == SPISYNC_REG_TIME_ADJUST_HI) {
		const uint64_t step = (uint64_t)value << 32 | g_fake.adjust_lo;

		g_fake.time_ns += step;
		assert_true(g_fake.n_steps < 64);
		g_fake.steps[g_fake.n_steps++] = step;
	} else {
		fail_msg("card_time wrote register 0x%x", (unsigned)offset);
	}
}

static int clock_setup(void **state)
{
	(void)state;
	memset(&g_fake, 0, sizeof(g_fake));
	return 0;
}

#define MS 1000000ull
#define S 1000000000ull

static void test_time_follows_wall(void **state)
{
	struct card_time t;
	struct card_sim *none = NULL;
	const uint64_t w0 = 5 * S;

	(void)state;
	g_fake.time_ns = 1234;        /* just after the reset */
	card_time_start(&t, none, w0);
	assert_int_equal(g_fake.n_steps, 0);
	/* the card ran 100 ns of its own while 3 ms passed */
	g_fake.time_ns += 100;
	card_time_sync(&t, none, w0 + 3 * MS);
	assert_int_equal(g_fake.n_steps, 1);
	assert_int_equal(g_fake.steps[0], 3 * MS - 100);
	assert_int_equal(g_fake.time_ns, 1234 + 3 * MS);
	/* a long idle: a step past 2^32 ns uses the high word */
	card_time_sync(&t, none, w0 + 3 * MS + 10 * S);
	assert_int_equal(g_fake.n_steps, 2);
	assert_int_equal(g_fake.steps[1], 10 * S);
	assert_int_equal(g_fake.time_ns, 1234 + 3 * MS + 10 * S);
	assert_int_equal(t.syncs, 2);
	assert_int_equal(t.stepped_ns, 3 * MS - 100 + 10 * S);
	/* no wall time passed: nothing written */
	card_time_sync(&t, none, w0 + 3 * MS + 10 * S);
	assert_int_equal(g_fake.n_steps, 2);
	/* a wall clock that went back (cannot, but): never a step */
	card_time_sync(&t, none, w0);
	assert_int_equal(g_fake.n_steps, 2);
}

static void test_time_client_step_kept(void **state)
{
	struct card_time t;
	struct card_sim *none = NULL;
	const uint64_t w0 = 100 * S;

	(void)state;
	card_time_start(&t, none, w0);
	/* a client steps card time 1 h ahead (a write pair of its own) */
	card_sim_mmio_write(none, SPISYNC_REG_TIME_ADJUST_LO, (uint32_t)(3600 * S));
	card_time_client_write(&t, SPISYNC_REG_TIME_ADJUST_LO, (uint32_t)(3600 * S));
	card_sim_mmio_write(none, SPISYNC_REG_TIME_ADJUST_HI,
	    (uint32_t)((3600 * S) >> 32));
	card_time_client_write(&t, SPISYNC_REG_TIME_ADJUST_HI,
	    (uint32_t)((3600 * S) >> 32));
	/* the step is kept, and wall time goes on on top of it: none of
	 * the 2 ms around the step is lost */
	card_time_sync(&t, none, w0 + 2 * MS);
	assert_int_equal(g_fake.n_steps, 2);
	assert_int_equal(g_fake.steps[1], 2 * MS);
	card_time_sync(&t, none, w0 + 7 * MS);
	assert_int_equal(g_fake.n_steps, 3);
	assert_int_equal(g_fake.steps[2], 5 * MS);
	assert_int_equal(g_fake.time_ns, 3600 * S + 7 * MS);
}

static void test_time_unknown_step_kept(void **state)
{
	struct card_time t;
	struct card_sim *none = NULL;
	const uint64_t w0 = 3 * S;

	(void)state;
	card_time_start(&t, none, w0);
	/* card time jumps by a step the server was not told of */
	g_fake.time_ns += 50 * S;
	card_time_sync(&t, none, w0 + 1 * MS);
	assert_int_equal(g_fake.n_steps, 0);
	card_time_sync(&t, none, w0 + 4 * MS);
	assert_int_equal(g_fake.n_steps, 1);
	assert_int_equal(g_fake.steps[0], 3 * MS);
	/* from the jump on at wall speed; where in the first ms it came is
	 * unknown, so that ms is not made up */
	assert_int_equal(g_fake.time_ns, 50 * S + 3 * MS);
}

static void test_time_client_hi_alone(void **state)
{
	struct card_time t;
	struct card_sim *none = NULL;
	const uint64_t w0 = 11 * S;

	(void)state;
	card_time_start(&t, none, w0);
	card_time_sync(&t, none, w0 + 6 * MS);
	assert_int_equal(g_fake.steps[0], 6 * MS);
	/* a client writes HI 0 alone: the card steps by the LO the server
	 * left staged (6 ms), and the server counts it */
	card_sim_mmio_write(none, SPISYNC_REG_TIME_ADJUST_HI, 0);
	card_time_client_write(&t, SPISYNC_REG_TIME_ADJUST_HI, 0);
	assert_int_equal(g_fake.steps[1], 6 * MS);
	card_time_sync(&t, none, w0 + 8 * MS);
	assert_int_equal(g_fake.n_steps, 3);
	assert_int_equal(g_fake.steps[2], 2 * MS);
	assert_int_equal(g_fake.time_ns, 6 * MS + 6 * MS + 2 * MS);
}

static void test_time_client_lo_survives_sync(void **state)
{
	struct card_time t;
	struct card_sim *none = NULL;
	const uint64_t w0 = 7 * S;

	(void)state;
	card_time_start(&t, none, w0);
	/* the client stages its low word ... */
	card_sim_mmio_write(none, SPISYNC_REG_TIME_ADJUST_LO, 777);
	card_time_client_write(&t, SPISYNC_REG_TIME_ADJUST_LO, 777);
	/* ... the server syncs (its own LO, HI) ... */
	card_time_sync(&t, none, w0 + 4 * MS);
	assert_int_equal(g_fake.steps[0], 4 * MS);
	/* ... and the client's HI write steps by the client's value */
	card_sim_mmio_write(none, SPISYNC_REG_TIME_ADJUST_HI, 0);
	card_time_client_write(&t, SPISYNC_REG_TIME_ADJUST_HI, 0);
	assert_int_equal(g_fake.n_steps, 2);
	assert_int_equal(g_fake.steps[1], 777);
	/* the client's step counts; once its pair is complete, the server
	 * restages nothing */
	card_time_sync(&t, none, w0 + 9 * MS);
	assert_int_equal(g_fake.steps[2], 5 * MS);
	assert_int_equal(g_fake.adjust_lo, (uint32_t)(5 * MS));
	assert_int_equal(g_fake.time_ns, 9 * MS + 777);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_init_refuses),
		cmocka_unit_test_setup_teardown(test_pool_first_fit, pool_setup,
		    pool_teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhaustion, pool_setup,
		    pool_teardown),
		cmocka_unit_test_setup_teardown(test_pool_random, pool_setup,
		    pool_teardown),
		cmocka_unit_test_setup(test_time_follows_wall, clock_setup),
		cmocka_unit_test_setup(test_time_client_step_kept, clock_setup),
		cmocka_unit_test_setup(test_time_unknown_step_kept, clock_setup),
		cmocka_unit_test_setup(test_time_client_hi_alone, clock_setup),
		cmocka_unit_test_setup(test_time_client_lo_survives_sync,
		    clock_setup),
	};

	if (test_seed_from_args(argc, argv, &g_seed) != 0)
		return 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
