/*
 * spisync -- C API of the Verilator model of the event gate
 * (hw/rtl/event_gate.v), built with its default REC_W = 512 (64-byte
 * records).
 *
 * Cycle based: gate_sim_cycle() drives one clock's inputs (time_ns +
 * time_step + time_step_c must be the time_ns of the following call and
 * lost_ns_next the lost_ns the reference gets then, as card_regs gives them
 * in the card; a reset clock excepted), evaluates the
 * combinational outputs of that clock (m_valid, m_rec, s_ready: they depend
 * on this clock's inputs, the way the FIFO behind the gate samples them),
 * then applies one rising edge and reads lost_total as the register holds
 * it after the edge.
 *
 * The holding register and the pending counts are not ports; the test reads
 * them through gate_sim_probe() to account for every record and count
 * without trusting the module's own arithmetic.
 */
#ifndef SPISYNC_GATE_SIM_H
#define SPISYNC_GATE_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	GATE_SIM_REC_BYTES = 64,
};

struct gate_sim_in {
	bool rst;
	uint64_t time_ns;
	uint64_t time_step;     /* time_ns of the next clock is time_ns + */
	bool time_step_c;       /* time_step + time_step_c (mod 2^64) */
	uint32_t token_ns;
	uint32_t token_burst;
	uint32_t lost_ns_next;  /* lost_ns of the next clock: the gate takes no other */
	bool ring_enabled;

	bool f_valid;
	uint8_t f_rec[GATE_SIM_REC_BYTES];
	bool f_evict_valid;
	uint8_t f_evict_rec[GATE_SIM_REC_BYTES];

	bool s_valid;
	uint8_t s_rec[GATE_SIM_REC_BYTES];
	bool s_overflow;

	bool r_lost_valid;
	uint8_t r_lost_rec[GATE_SIM_REC_BYTES];

	bool m_ready;
};

struct gate_sim_out {
	/* this clock, before the edge */
	bool m_valid;
	uint8_t m_rec[GATE_SIM_REC_BYTES];
	bool s_ready;
	/* after the edge */
	uint64_t lost_total;
};

/* internal registers, as they are between two calls */
struct gate_sim_probe {
	bool hold_valid;
	uint8_t hold_rec[GATE_SIM_REC_BYTES];
	uint32_t pend_records;
	uint32_t pend_misses;
	uint32_t tokens;
	uint64_t next_token;
};

struct gate_sim;

/* NULL on allocation failure. The model needs a reset clock before use. */
struct gate_sim *gate_sim_create(void);
void gate_sim_destroy(struct gate_sim *sim);

/* One clock: in drives every input; out gets the outputs (see above). */
void gate_sim_cycle(struct gate_sim *sim, const struct gate_sim_in *in,
    struct gate_sim_out *out);

void gate_sim_probe(const struct gate_sim *sim, struct gate_sim_probe *p);

/* Rising edges since creation. */
uint64_t gate_sim_cycles(const struct gate_sim *sim);

#ifdef __cplusplus
}
#endif

#endif
