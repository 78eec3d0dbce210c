/*
 * spisync tests -- a fake of the card model (card_sim.h) for host-side unit
 * tests: a register file that records every MMIO write, commits SA_STAGE on
 * SA_WRITE and the tag staging on TAG_WRITE the way docs/register-map.md
 * describes, and serves counters and per-SA statistics set by the test.
 * Frames: every pushed frame is "received" once its last beat has passed,
 * then delivered unchanged as PASS_THROUGH, unless the test queued a canned
 * verdict for it (fake_card_set_drop).
 *
 * For spisync-sim built over the fake (no test code to call it), the
 * environment sets it up: FAKE_CARD_DROP_EVERY=N drops arrivals N-1, 2N-1,
 * ... as IPv4 SA misses with an event record; FAKE_CARD_PROTOCOL_ERROR
 * makes card_sim_protocol_error() report true once a frame has arrived.
 */
#ifndef SPISYNC_FAKE_CARD_SIM_H
#define SPISYNC_FAKE_CARD_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card_sim.h"
#include "spisync_hw.h"

enum { FAKE_MAX_WRITES = 1u << 20 };
enum { FAKE_SA_ENTRIES = 64, FAKE_TAG_BUCKETS = 16 };

struct fake_write {
	uint32_t offset;
	uint32_t value;
};

/* The test reaches into the fake through this; one card at a time. */
struct fake_card {
	/* identification as the registers read; tests break them */
	uint32_t id, version, width, sa_entries, tag_buckets, reasons;
	bool ready;                 /* STATUS bit 0 */
	unsigned ready_after_reads; /* STATUS reads before it comes up */
	unsigned stats_after_reads; /* SA_STATS_STATUS reads before bit 0; ~0u never */

	struct fake_write *writes;  /* every MMIO write, in order */
	size_t n_writes;

	uint32_t stage[SPISYNC_SA_WORDS];
	uint32_t sa[FAKE_SA_ENTRIES][SPISYNC_SA_WORDS];
	uint32_t tag_spi, tag_index;
	struct { uint32_t spi; uint32_t index; } tag[2][FAKE_TAG_BUCKETS][SPISYNC_TAG_WAYS];

	uint64_t live[SPISYNC_NUM_REASONS];     /* counters as they run */
	uint64_t snap[SPISYNC_NUM_REASONS];     /* as of COUNTER_SNAPSHOT */
	uint64_t sa_stats[FAKE_SA_ENTRIES][4];  /* packets, bytes, auth_fail, replay */
	uint64_t stats_snap[4];
	uint32_t stats_select;
	unsigned stats_reads;
	unsigned status_reads;
	uint64_t events_lost;
	uint32_t events_lost_hi;                /* latched by the LO read */
};

/* The one fake card (NULL before card_sim_create). */
struct fake_card *fake_card_current(void);

/* The frame with this arrival number is dropped with reason; an event
 * record (SA_MISS) is emitted for it when event is true. */
void fake_card_set_drop(struct card_sim *c, uint64_t arrival, uint8_t reason,
    bool event);

/* Last value written to offset, or false if never written. */
bool fake_card_last_write(const struct fake_card *f, uint32_t offset,
    uint32_t *value);

#endif
