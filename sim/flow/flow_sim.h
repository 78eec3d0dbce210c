/*
 * spisync -- C API of the Verilator model of the SA-miss flow filter
 * (hw/rtl/flow_filter.v), built with SETS = 512.
 *
 * Cycle based: flow_sim_cycle() drives one clock's inputs (reset, a record
 * or none, the hold-off), applies one rising clock edge and returns what the
 * output registers hold after it. The outputs of a record driven in call n
 * are returned by call n + FLOW_SIM_LATENCY - 1 (the module's LATENCY:
 * presented in clock t, out in clock t + LATENCY); `ready` is the value for
 * the next call's record.
 *
 * The table RAMs start with random contents (the hardware's are not reset):
 * the filter's clearing walk after reset must take care of them.
 */
#ifndef SPISYNC_FLOW_SIM_H
#define SPISYNC_FLOW_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	FLOW_SIM_SETS = 512,
	FLOW_SIM_LATENCY = 8,
	FLOW_SIM_REC_BYTES = 64,
};

struct flow_sim_in {
	bool rst;
	bool valid;
	uint8_t rec[FLOW_SIM_REC_BYTES];
	uint64_t holdoff_ns;
};

struct flow_sim_out {
	bool valid;
	uint8_t rec[FLOW_SIM_REC_BYTES];
	bool evict_valid;
	uint8_t evict_rec[FLOW_SIM_REC_BYTES];
	bool suppressed;
	bool ready;
	uint64_t suppressed_total;
	uint64_t pending;
};

struct flow_sim;

/* NULL on allocation failure; seed picks the RAMs' random start contents. */
struct flow_sim *flow_sim_create(uint32_t seed);
void flow_sim_destroy(struct flow_sim *sim);

/* One clock; in may be NULL (no record, no reset, hold-off unchanged). */
void flow_sim_cycle(struct flow_sim *sim, const struct flow_sim_in *in,
    struct flow_sim_out *out);

/* Rising edges since creation. */
uint64_t flow_sim_cycles(const struct flow_sim *sim);

/*
 * Test back door for the count-saturation scenario (2^32 suppressions take
 * far too long to simulate): sets the count of the valid way (set, way) in
 * the table RAM, and adds the difference to suppressed_total and pending,
 * as if the flow had been suppressed that many more times. Only with the
 * pipeline idle (LATENCY clocks without records). false if the way is not
 * valid or out of range.
 */
bool flow_sim_preset_count(struct flow_sim *sim, unsigned set, unsigned way,
    uint32_t count);

#ifdef __cplusplus
}
#endif

#endif
