/* spisync -- the operations one Verilated card model (one data width)
 * provides; card_sim.c picks the table for the width asked for. */
#ifndef SPISYNC_CARD_SIM_OPS_H
#define SPISYNC_CARD_SIM_OPS_H

#include "card_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct card_sim_ops {
	void *(*create)(void);
	void (*destroy)(void *m);
	unsigned (*width)(void);
	void (*reset)(void *m);
	uint32_t (*mmio_read)(void *m, uint32_t offset);
	void (*mmio_write)(void *m, uint32_t offset, uint32_t value);
	int (*push_frame)(void *m, const uint8_t *data, size_t len, bool mac_err);
	void (*set_gap)(void *m, unsigned clocks);
	void (*set_host_ready)(void *m, unsigned percent, uint64_t seed);
	void (*step)(void *m, uint64_t clocks);
	bool (*busy)(void *m);
	int (*pull_host)(void *m, struct card_host_frame *out);
	struct host_mem *(*host_mem)(void *m);
	bool (*frame_start)(const void *m, uint64_t arrival, uint64_t *cycle);
	uint64_t (*cycles)(const void *m);
	uint64_t (*wire_beats)(const void *m);
	bool (*protocol_error)(const void *m);
	/* create with the host memory in the caller's buffer (size bytes,
	 * HOST_MEM_ALIGN-aligned; host_mem_create_on) */
	void *(*create_on)(uint8_t *host_mem, size_t size);
	/* false: stop recording frame start clocks (frame_start then answers
	 * false), so a model that runs indefinitely does not grow */
	void (*keep_frame_starts)(void *m, bool keep);
	/* queue n rx_overflow pulses, one per clock from the next clock on */
	void (*rx_overflow)(void *m, unsigned n);
};

extern const struct card_sim_ops card_sim_ops_w128;
extern const struct card_sim_ops card_sim_ops_w512;

#ifdef __cplusplus
}
#endif

#endif
