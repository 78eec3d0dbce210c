/*
 * spisync -- C API of the Verilator models of the Vitis RTL kernel itself,
 * hw/alveo/spisync.v (512-bit streams, the controller core running the
 * firmware from its ROM, the AXI4-Lite arbiter, the card), one model per
 * RX_ASYNC value:
 *
 *   RX_ASYNC 0  every port on ap_clk (300 MHz), as linked for Vitis;
 *   RX_ASYNC 1  s_axis_rx and m_axis_tx on ap_clk_2 (322.265625 MHz, the
 *               CMAC clock) through the kernel's asynchronous FIFOs.
 *
 * Time advances in picoseconds: each clock's rising edges at its own
 * period, ap_clk_2 with a phase offset so the edges drift through each other.
 * The caller is the host: on s_axi_control, and behind m_axi_ev as host
 * memory (sim/common/host_mem.h); it feeds the receive MAC's stream and
 * takes the transmit MAC's.
 */
#ifndef SPISYNC_KERNEL_SIM_H
#define SPISYNC_KERNEL_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KERNEL_SIM_AP_CLK_PS 3333u      /* 300 MHz */
#define KERNEL_SIM_AP_CLK_2_PS 3103u    /* 322.265625 MHz, rounded to the ps */
#define KERNEL_SIM_BEAT 64u             /* bytes a stream beat */

struct kernel_sim;

struct kernel_sim_cfg {
	uint64_t host_mem_base;     /* bus address of the host memory behind m_axi_ev */
	size_t host_mem_size;       /* bytes, a multiple of 4096 */
	unsigned tx_ready_pct;      /* 0..100: chance m_axis_tx_tready is high in a clock */
	uint64_t seed;
};

struct kernel_sim_ops {
	unsigned rx_async;          /* the model's RX_ASYNC */

	/* NULL on a bad configuration or allocation failure; held in reset
	 * until reset() */
	struct kernel_sim *(*create)(const struct kernel_sim_cfg *cfg);
	void (*destroy)(struct kernel_sim *sim);

	/* both resets asserted for `cycles` ap_clk clocks, then released */
	void (*reset)(struct kernel_sim *sim, unsigned cycles);
	/* advance by `cycles` ap_clk clocks (and the ap_clk_2 edges between) */
	void (*step)(struct kernel_sim *sim, uint64_t cycles);
	uint64_t (*cycles)(const struct kernel_sim *sim);  /* ap_clk clocks since create */

	/* One host register access on s_axi_control. 0, or -1 when it did not
	 * complete within max_cycles, when the response was not OKAY, or when
	 * a response came before this access's address (and data) were taken
	 * (someone else's: misrouted); the port is then left idle. */
	int (*read)(struct kernel_sim *sim, uint16_t offset, uint32_t *value, uint64_t max_cycles);
	int (*write)(struct kernel_sim *sim, uint16_t offset, uint32_t value, uint64_t max_cycles);

	/* Queue a frame (no FCS) for s_axis_rx: beats back to back on the
	 * MAC's clock, as a MAC gives them (TREADY respected). -1 on an empty
	 * frame or allocation failure. */
	int (*send)(struct kernel_sim *sim, const uint8_t *frame, size_t len);
	size_t (*rx_queued)(const struct kernel_sim *sim);  /* frames not wholly sent */

	/* from the next clock on: the chance (0..100) that m_axis_tx_tready is
	 * high in a clock of the transmit MAC's */
	void (*set_tx_ready)(struct kernel_sim *sim, unsigned pct);

	/* The oldest frame out of m_axis_tx: 1 and removed, 0 if none yet, -1
	 * if longer than cap (left queued). */
	int (*recv)(struct kernel_sim *sim, uint8_t *frame, size_t cap, size_t *len);

	/* the host memory behind m_axi_ev, and its protocol error count (an
	 * AXI rule the kernel broke) */
	const uint8_t *(*host_mem)(const struct kernel_sim *sim);
	uint64_t (*host_mem_protocol_errors)(const struct kernel_sim *sim);

	/* the controller core's pc, mcause, mepc and instret (low), for reports */
	void (*probe)(const struct kernel_sim *sim, uint32_t *pc, uint32_t *mcause,
	    uint32_t *mepc, uint32_t *instret);
};

extern const struct kernel_sim_ops kernel_sim_ops_a0;   /* RX_ASYNC 0 */
extern const struct kernel_sim_ops kernel_sim_ops_a1;   /* RX_ASYNC 1 */

#ifdef __cplusplus
}
#endif

#endif
