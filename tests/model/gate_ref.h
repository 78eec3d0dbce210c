/*
 * spisync tests -- reference of the event gate, written from its rules
 * (docs/event-ring.md "The gate", docs/register-map.md "Event record", the
 * header of hw/rtl/event_gate.v) as plain sequential C: one clock at a time,
 * first who owns the one write port, then what was lost, then the state.
 *
 * Where the documents leave a detail open the RTL's choice is followed (the
 * list is at the top of gate_ref.c); the arithmetic is written
 * independently of it.
 *
 * Clock view: gate_ref_clock() is one clock. Its outputs m_valid, m_rec and
 * s_ready are those of that clock (they depend on its inputs); lost_total is
 * the value after it. A clock with rst set computes the same outputs and
 * then resets the state instead of updating it.
 */
#ifndef SPISYNC_GATE_REF_H
#define SPISYNC_GATE_REF_H

#include <stdbool.h>
#include <stdint.h>

enum {
	GATE_REC_BYTES = 64,
};

struct gate_ref_in {
	bool rst;
	uint64_t time_ns;
	uint32_t token_ns;      /* 0: no limit */
	uint32_t token_burst;   /* >= 1 */
	uint32_t lost_ns;
	bool ring_enabled;

	bool f_valid;           /* the flow filter's record: now or lost */
	uint8_t f_rec[GATE_REC_BYTES];
	bool f_evict_valid;     /* its eviction record: parks, or is lost */
	uint8_t f_evict_rec[GATE_REC_BYTES];

	bool s_valid;           /* an SA event, held until s_ready */
	uint8_t s_rec[GATE_REC_BYTES];
	bool s_overflow;        /* an SA event its FIFO could not take */

	bool r_lost_valid;      /* a record the ring could not write */
	uint8_t r_lost_rec[GATE_REC_BYTES];

	bool m_ready;           /* the FIFO behind the gate has room */
};

struct gate_ref_out {
	bool m_valid;
	uint8_t m_rec[GATE_REC_BYTES];
	bool s_ready;
	uint64_t lost_total;
};

/* What the reference holds between clocks (read by the test on failure). */
struct gate_ref {
	/* token bucket */
	uint32_t tokens;
	uint64_t refill_at;     /* card time of the next token */

	/* the eviction record waiting for the port */
	bool parked;
	uint8_t parked_rec[GATE_REC_BYTES];

	/* not yet reported in an EVENTS_LOST record; saturating at 2^32 - 1 */
	uint32_t unreported_records;
	uint32_t unreported_misses;
	bool reported;          /* an EVENTS_LOST went out since enable / reset */
	uint64_t reported_at;   /* the card time of the last one */

	uint64_t lost_total;
};

/* The state a reset clock with these inputs (time_ns, token_burst) leaves;
 * gate_ref_clock() with rst set does the same after the clock's outputs. */
void gate_ref_reset(struct gate_ref *ref, const struct gate_ref_in *in);

void gate_ref_clock(struct gate_ref *ref, const struct gate_ref_in *in,
    struct gate_ref_out *out);

#endif
