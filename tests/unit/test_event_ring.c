/*
 * spisync -- unit tests of the event ring consumer (driver/event_ring.c).
 *
 * A producer written here from the register map's words (record n in slot
 * n mod size, PHASE = 1 on the first lap, inverted every lap) fills a ring
 * in plain memory; the consumer must take exactly the new records:
 *   - init: argument checks (NULL, unaligned memory, size_log2 0 and above
 *     EVENT_RING_MAX_LOG2), zeroes the whole ring and nothing past it;
 *   - pop: nothing in a zeroed ring; a record with the wrong phase is not
 *     taken (stale record of the previous lap, or of an earlier ring when
 *     the memory was not zeroed); records copied whole, PHASE included;
 *   - wrap: phase flips at every lap, for the smallest ring (2 slots) and
 *     through the 2^32 wrap of the free-running index;
 *   - RING_CONS: the value is head, due every size / 4 records (at least 1),
 *     cleared when written.
 *
 * usage: test_event_ring [--seed N]
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "event_ring.h"
#include "prng.h"
#include "test_seed.h"
#include "spisync_hw.h"

#define REC EVENT_RING_REC_BYTES
#define GUARD 256u

static unsigned long long test_seed;

/* A ring with guard bytes after it, 64-byte aligned. */
struct buf {
	uint8_t *base;
	uint8_t *ring;
	size_t bytes;
};

static void buf_alloc(struct buf *b, uint32_t log2)
{
	b->bytes = (size_t)REC << log2;
	b->base = aligned_alloc(REC, b->bytes + GUARD);
	assert_non_null(b->base);
	b->ring = b->base;
	memset(b->base, 0xa5, b->bytes + GUARD);
}

static void buf_free(struct buf *b)
{
	free(b->base);
}

static uint8_t phase_of(uint32_t n, uint32_t log2)
{
	return ((n >> log2) & 1u) ? 0 : 1;
}

/* Producer: record n (content from id) into its slot with its phase. */
static void produce(uint8_t *ring, uint32_t log2, uint32_t n, uint64_t id)
{
	uint8_t *slot = ring + (size_t)(n & ((1u << log2) - 1u)) * REC;
	struct prng r;

	prng_seed(&r, id ^ test_seed);
	prng_fill(&r, slot, REC);
	memcpy(slot + SPISYNC_EVF_TIME_NS_OFF, &id, sizeof(id));
	slot[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
	if (phase_of(n, log2))
		slot[SPISYNC_EVF_FLAGS_OFF] |= SPISYNC_EV_FLAG_PHASE;
}

static void expect_record(const uint8_t *rec, uint32_t n, uint32_t log2, uint64_t id)
{
	uint8_t want[REC];
	struct prng r;

	prng_seed(&r, id ^ test_seed);
	prng_fill(&r, want, REC);
	memcpy(want + SPISYNC_EVF_TIME_NS_OFF, &id, sizeof(id));
	want[SPISYNC_EVF_FLAGS_OFF] &= (uint8_t)~SPISYNC_EV_FLAG_PHASE;
	if (phase_of(n, log2))
		want[SPISYNC_EVF_FLAGS_OFF] |= SPISYNC_EV_FLAG_PHASE;
	assert_memory_equal(rec, want, REC);
}

static void test_init_args(void **state)
{
	struct event_ring r;
	struct buf b;

	(void)state;
	buf_alloc(&b, 4);
	assert_int_equal(event_ring_init(NULL, b.ring, 4), -EINVAL);
	assert_int_equal(event_ring_init(&r, NULL, 4), -EINVAL);
	assert_int_equal(event_ring_init(&r, b.ring + 8, 3), -EINVAL);
	assert_int_equal(event_ring_init(&r, b.ring + 32, 3), -EINVAL);
	assert_int_equal(event_ring_init(&r, b.ring, 0), -EINVAL);
	assert_int_equal(event_ring_init(&r, b.ring, EVENT_RING_MAX_LOG2 + 1), -EINVAL);
	assert_int_equal(event_ring_init(&r, b.ring, 32), -EINVAL);
	assert_int_equal(event_ring_init(&r, b.ring, UINT32_MAX), -EINVAL);
	/* refused calls touch nothing */
	for (size_t i = 0; i < b.bytes + GUARD; i++)
		assert_int_equal(b.base[i], 0xa5);
	assert_int_equal(event_ring_init(&r, b.ring, EVENT_RING_MIN_LOG2), 0);
	assert_int_equal(event_ring_init(&r, b.ring, 4), 0);
	buf_free(&b);
}

static void test_init_zeroes(void **state)
{
	static const uint32_t sizes[] = { 1, 2, 5, 12, 16 };
	struct event_ring r;
	uint8_t rec[REC];

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct buf b;

		buf_alloc(&b, sizes[s]);
		assert_int_equal(event_ring_init(&r, b.ring, sizes[s]), 0);
		for (size_t i = 0; i < b.bytes; i++)
			assert_int_equal(b.ring[i], 0);
		for (size_t i = b.bytes; i < b.bytes + GUARD; i++)
			assert_int_equal(b.ring[i], 0xa5);
		assert_int_equal(r.head, 0);
		assert_int_equal(r.phase, 1);
		assert_int_equal(r.unreported, 0);
		assert_int_equal(r.size_log2, sizes[s]);
		assert_int_equal(event_ring_pop(&r, rec), 0);
		assert_int_equal(event_ring_cons(&r), 0);
		assert_false(event_ring_cons_due(&r));
		buf_free(&b);
	}
}

static void test_phase_mismatch(void **state)
{
	struct event_ring r;
	struct buf b;
	uint8_t rec[REC];

	(void)state;
	buf_alloc(&b, 3);
	assert_int_equal(event_ring_init(&r, b.ring, 3), 0);
	/* phase 0 in slot 0 on the first lap: not new */
	produce(b.ring, 3, 8, 77);           /* record 8: slot 0, phase 0 */
	memset(rec, 0x5c, sizeof(rec));
	assert_int_equal(event_ring_pop(&r, rec), 0);
	for (unsigned i = 0; i < REC; i++)
		assert_int_equal(rec[i], 0x5c);      /* untouched */
	assert_int_equal(r.head, 0);
	/* phase 1: taken, with every bit, PHASE included */
	produce(b.ring, 3, 0, 78);
	assert_int_equal(event_ring_pop(&r, rec), 1);
	expect_record(rec, 0, 3, 78);
	assert_true(rec[SPISYNC_EVF_FLAGS_OFF] & SPISYNC_EV_FLAG_PHASE);
	assert_int_equal(r.head, 1);
	assert_int_equal(r.unreported, 1);
	/* the next slot is still zero */
	assert_int_equal(event_ring_pop(&r, rec), 0);
	assert_int_equal(r.head, 1);
	buf_free(&b);
}

/* An earlier ring's records left in memory look new unless zeroed. */
static void test_restart_needs_zeroing(void **state)
{
	struct event_ring r;
	struct buf b;
	uint8_t rec[REC];

	(void)state;
	buf_alloc(&b, 2);
	assert_int_equal(event_ring_init(&r, b.ring, 2), 0);
	for (uint32_t n = 0; n < 3; n++)
		produce(b.ring, 2, n, 100 + n);
	/* a consumer restarted without zeroing takes the stale record */
	r.head = 0;
	r.phase = 1;
	assert_int_equal(event_ring_pop(&r, rec), 1);
	expect_record(rec, 0, 2, 100);
	/* init zeroes: nothing until the new ring writes */
	assert_int_equal(event_ring_init(&r, b.ring, 2), 0);
	assert_int_equal(event_ring_pop(&r, rec), 0);
	produce(b.ring, 2, 0, 200);
	assert_int_equal(event_ring_pop(&r, rec), 1);
	expect_record(rec, 0, 2, 200);
	buf_free(&b);
}

/* Many laps with a random producer / consumer interleaving. */
static void run_laps(uint32_t log2, uint32_t start, uint32_t records)
{
	const uint32_t size = 1u << log2;
	struct event_ring r;
	struct buf b;
	struct prng pr;
	uint8_t rec[REC];
	uint32_t prod = start, cons_reg = start, taken = 0;

	prng_seed(&pr, test_seed + log2 + start);
	buf_alloc(&b, log2);
	assert_int_equal(event_ring_init(&r, b.ring, log2), 0);
	if (start != 0) {
		/* as if `start` records had gone by: head and phase of slot start */
		r.head = start;
		r.phase = phase_of(start, log2);
		for (uint32_t n = start - size; n != start; n++)
			produce(b.ring, log2, n, 0xdead0000u + n);
	}
	while (taken < records) {
		/* producer: only into slots given back through RING_CONS */
		uint32_t burst = prng_below(&pr, size + 1);

		for (uint32_t i = 0; i < burst && prod - cons_reg < size; i++, prod++)
			produce(b.ring, log2, prod, (uint64_t)prod * 3 + 1);
		/* consumer */
		burst = prng_below(&pr, size + 2);
		for (uint32_t i = 0; i < burst; i++) {
			uint32_t n = r.head;
			uint8_t phase = r.phase;

			if (event_ring_pop(&r, rec) == 0) {
				assert_int_equal(n, prod);   /* empty only when caught up */
				break;
			}
			assert_int_equal(phase, phase_of(n, log2));
			expect_record(rec, n, log2, (uint64_t)n * 3 + 1);
			taken++;
		}
		if (event_ring_cons_due(&r) || prng_below(&pr, 4) == 0) {
			cons_reg = event_ring_cons(&r);
			event_ring_cons_written(&r);
		}
	}
	assert_int_equal(r.head, start + taken);
	for (size_t i = b.bytes; i < b.bytes + GUARD; i++)
		assert_int_equal(b.ring[i], 0xa5);
	buf_free(&b);
}

static void test_wrap_small(void **state)
{
	(void)state;
	run_laps(1, 0, 5000);
	run_laps(3, 0, 5000);
}

static void test_wrap_large(void **state)
{
	(void)state;
	run_laps(10, 0, 20000);
}

static void test_wrap_2_32(void **state)
{
	(void)state;
	/* the index wraps at 2^32, a whole number of laps: phase stays in step */
	run_laps(1, UINT32_MAX - 40, 200);
	run_laps(4, UINT32_MAX - 1000, 3000);
}

static void test_cons_due(void **state)
{
	static const struct { uint32_t log2, every; } cases[] = {
		{ 1, 1 }, { 2, 1 }, { 3, 2 }, { 4, 4 }, { 10, 256 },
	};
	uint8_t rec[REC];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const uint32_t log2 = cases[c].log2;
		struct event_ring r;
		struct buf b;

		buf_alloc(&b, log2);
		assert_int_equal(event_ring_init(&r, b.ring, log2), 0);
		for (uint32_t n = 0; n < 3 * cases[c].every; n++) {
			produce(b.ring, log2, n, n);
			assert_int_equal(event_ring_pop(&r, rec), 1);
			assert_int_equal(event_ring_cons(&r), n + 1);
			assert_int_equal(event_ring_cons_due(&r),
			    r.unreported >= cases[c].every);
			if ((n + 1) % cases[c].every == 0) {
				assert_true(event_ring_cons_due(&r));
				event_ring_cons_written(&r);
				assert_false(event_ring_cons_due(&r));
				assert_int_equal(r.unreported, 0);
				assert_int_equal(event_ring_cons(&r), n + 1);
			}
			/* the expected phase flips after each lap */
			if ((n + 1) % (1u << log2) == 0)
				assert_int_equal(r.phase, phase_of(n + 1, log2));
		}
		buf_free(&b);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_args),
		cmocka_unit_test(test_init_zeroes),
		cmocka_unit_test(test_phase_mismatch),
		cmocka_unit_test(test_restart_needs_zeroing),
		cmocka_unit_test(test_wrap_small),
		cmocka_unit_test(test_wrap_large),
		cmocka_unit_test(test_wrap_2_32),
		cmocka_unit_test(test_cons_due),
	};

	if (test_seed_from_args(argc, argv, &test_seed) != 0)
		return 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
