/*
 * spisync-sim server -- card time that follows wall time.
 *
 * The card counts time in ns, TIME_INC per clock (3.1 ns at 322 MHz). The
 * Verilated card runs some thousand times slower than that, yet the flow
 * filter's hold-off, the token bucket, the burst intervals and the records'
 * TIME_NS are card time, and the daemon measures recovery in seconds of
 * wall time. So the server keeps card time advancing with CLOCK_MONOTONIC:
 * at each sync it reads TIME_NS and, if the card is behind where wall time
 * says it should be, steps it forward by the shortfall with TIME_ADJUST_LO/HI
 * (docs/register-map.md). Where card time "should be" is where it was at the
 * previous sync plus the wall time since; so a client that steps card time
 * itself (TIME_ADJUST, to align it with host time) keeps its step, and card
 * time then goes on at wall speed from there. Card time never goes back.
 *
 * Syncs happen before the card does anything: before frames are queued,
 * between chunks of clocks while it works, before client and controller
 * register accesses -- at most one per CARD_TIME_SYNC_NS, since each costs
 * four register accesses (a few clocks). An idle card is not clocked, and
 * its time is brought up to date before it is used again. So card time is
 * wall time since the server started, +- about a ms, whenever the card acts.
 *
 * TIME_ADJUST_LO is staged until TIME_ADJUST_HI is written. A client writes
 * them in two requests; a sync between the two would overwrite the client's
 * staged low word, so the server is told of client writes
 * (card_time_client_write) and stages the client's low word again after
 * its own step. It also adds a client's step to where card time should
 * be, so the wall time that passes around the step is not lost.
 */
#ifndef SPISYNC_CARD_TIME_H
#define SPISYNC_CARD_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "card_sim.h"

/* Least wall time between two syncs. */
#define CARD_TIME_SYNC_NS 500000u

struct card_time {
	uint64_t wall_ns;        /* CLOCK_MONOTONIC at the last sync */
	uint64_t card_ns;        /* card time at the last sync, after its step */
	bool client_lo_staged;   /* a client wrote TIME_ADJUST_LO, no HI yet */
	uint32_t client_lo;
	uint32_t card_lo;        /* TIME_ADJUST_LO as staged in the card now */
	uint64_t syncs;          /* syncs that stepped the card */
	uint64_t stepped_ns;     /* total of those steps */
};

/* CLOCK_MONOTONIC in ns. */
uint64_t card_time_wall_ns(void);

/* Card time as TIME_NS_LO/HI read (the LO read latches HI). */
uint64_t card_time_read(struct card_sim *c);

/* Start following wall time from now: card time as it reads now (just
 * after the reset: close to 0) goes with wall time now_ns. */
void card_time_start(struct card_time *t, struct card_sim *c, uint64_t now_ns);

/* Step card time up to where wall time now_ns says it should be. */
void card_time_sync(struct card_time *t, struct card_sim *c, uint64_t now_ns);

/* card_time_sync if CARD_TIME_SYNC_NS have passed since the last one. */
void card_time_sync_due(struct card_time *t, struct card_sim *c);

/* A client wrote value to offset (called after the write reached the card). */
void card_time_client_write(struct card_time *t, uint32_t offset,
    uint32_t value);

#endif
