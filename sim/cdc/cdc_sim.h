/*
 * spisync -- C API of the Verilator models of the asynchronous AXI-Stream
 * FIFO (hw/rtl/axis_async_fifo.v) at DATA_WIDTH 512, USER_WIDTH 1, in the
 * parameter sets listed below (one Verilated model each).
 *
 * Two clocks: the caller runs an event loop in picoseconds and calls
 * s_edge / m_edge in time order. Protocol of one rising edge of a side:
 * read that side's outputs (*_outputs: registers, stable since the previous
 * edge), decide the handshake (valid && ready now = transfer at this edge),
 * call *_edge, then drive that side's inputs for the next edge (*_drive).
 * Inputs of a side only change right after its own edges, like the
 * clock-to-out of the logic that drives them.
 */
#ifndef SPISYNC_CDC_SIM_H
#define SPISYNC_CDC_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	CDC_SIM_BEAT_BYTES = 64,
};

struct cdc_sim_s_in {
	bool rst;
	bool valid;
	uint8_t data[CDC_SIM_BEAT_BYTES];
	uint64_t keep;
	bool last;
	bool user;
};

struct cdc_sim_s_out {
	bool ready;
	bool overflow;
	uint32_t level;
};

struct cdc_sim_m_in {
	bool rst;
	bool ready;
};

struct cdc_sim_m_out {
	bool valid;
	uint8_t data[CDC_SIM_BEAT_BYTES];
	uint64_t keep;
	bool last;
	bool user;
	bool drop;
	uint32_t level;
};

struct cdc_sim;

/* One Verilated parameter set. */
struct cdc_sim_ops {
	const char *name;
	unsigned depth;
	bool frame_drop;
	/* NULL on allocation failure; all inputs 0, both clocks low */
	struct cdc_sim *(*create)(void);
	void (*destroy)(struct cdc_sim *sim);
	void (*s_drive)(struct cdc_sim *sim, const struct cdc_sim_s_in *in);
	void (*s_outputs)(struct cdc_sim *sim, struct cdc_sim_s_out *out);
	void (*s_edge)(struct cdc_sim *sim);
	void (*m_drive)(struct cdc_sim *sim, const struct cdc_sim_m_in *in);
	void (*m_outputs)(struct cdc_sim *sim, struct cdc_sim_m_out *out);
	void (*m_edge)(struct cdc_sim *sim);
};

/* FRAME_DROP 1 at DEPTH 16 and 512, FRAME_DROP 0 at DEPTH 16 and 512 */
extern const struct cdc_sim_ops cdc_sim_f1_d16;
extern const struct cdc_sim_ops cdc_sim_f1_d512;
extern const struct cdc_sim_ops cdc_sim_f0_d16;
extern const struct cdc_sim_ops cdc_sim_f0_d512;

#ifdef __cplusplus
}
#endif

#endif
