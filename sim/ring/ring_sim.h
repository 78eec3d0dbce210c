/*
 * spisync -- C API of the Verilator models of the event ring writer
 * (hw/rtl/event_ring.v), for its test bench.
 *
 * Two parameter sets are built into one program; a variant names one.
 * ring_sim_cycle() applies the inputs of one clock, evaluates, reports what
 * the outputs show during that clock (s_rec_ready and st_full depend on this
 * clock's inputs; everything else is a register) and applies the rising
 * edge. Records are 64 bytes, byte 0 first.
 */
#ifndef SPISYNC_RING_SIM_H
#define SPISYNC_RING_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RING_SIM_REC_BYTES 64

enum ring_variant {
	RING_DEFAULT,   /* ADDR_W 64, SIZE_LOG2_MAX 20, MAX_OUTSTANDING 16 (the card) */
	RING_SMALL,     /* ADDR_W 40, SIZE_LOG2_MAX 4, MAX_OUTSTANDING 3 */
	RING_VARIANTS
};

struct ring_params {
	const char *name;
	unsigned addr_w;
	unsigned size_log2_max;
	unsigned max_outstanding;
};

struct ring_sim_in {
	bool rec_valid;
	uint8_t rec[RING_SIM_REC_BYTES];
	uint64_t ring_base;
	unsigned size_log2;     /* 0..31 */
	bool enable;
	uint32_t cons;
	/* AXI slave outputs */
	bool awready;
	bool wready;
	bool bvalid;
	uint8_t bresp;
};

struct ring_sim_out {
	bool rec_ready;
	uint32_t prod;
	bool enabled;
	bool full;
	bool bad_cons;
	bool write_error;
	bool busy;
	uint32_t write_errors;
	bool written_pulse;
	bool lost_valid;
	uint8_t lost[RING_SIM_REC_BYTES];
	/* AXI master outputs */
	bool awvalid;
	uint64_t awaddr;
	uint8_t awlen;
	uint8_t awsize;
	uint8_t awburst;
	uint8_t awcache;
	uint8_t awprot;
	bool wvalid;
	uint8_t wdata[RING_SIM_REC_BYTES];
	uint64_t wstrb;
	bool wlast;
	bool bready;
};

struct ring_sim;

/* NULL on allocation failure or an unknown variant. */
struct ring_sim *ring_sim_create(enum ring_variant v);
void ring_sim_destroy(struct ring_sim *sim);
const struct ring_params *ring_sim_params(const struct ring_sim *sim);

/* Holds reset for a few clocks (inputs idle, ring disabled). */
void ring_sim_reset(struct ring_sim *sim);

/* One clock. */
void ring_sim_cycle(struct ring_sim *sim, const struct ring_sim_in *in,
    struct ring_sim_out *out);

/* Rising edges since creation. */
uint64_t ring_sim_cycles(const struct ring_sim *sim);

#ifdef __cplusplus
}
#endif

#endif
