/*
 * spisync -- C API of the Verilator model of the 2:1 AXI4-Lite arbiter
 * (hw/cpu/axil_arb.v, ADDR_W 16), one clock at a time, for test_cpu_arb.
 *
 * arb_sim_cycle() drives every input, evaluates the outputs of that clock
 * (the arbiter's outputs are combinational on its inputs and its grant
 * register: the caller decides this clock's handshakes from them), then
 * applies one rising edge.
 */
#ifndef SPISYNC_ARB_SIM_H
#define SPISYNC_ARB_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* one master port as the master drives it / sees it */
struct arb_sim_master_in {
	uint16_t awaddr;
	bool awvalid;
	uint32_t wdata;
	uint8_t wstrb;
	bool wvalid;
	bool bready;
	uint16_t araddr;
	bool arvalid;
	bool rready;
};

struct arb_sim_master_out {
	bool awready, wready, bvalid, arready, rvalid;
	uint8_t bresp, rresp;
	uint32_t rdata;
};

struct arb_sim_in {
	bool rst;
	struct arb_sim_master_in s[2];
	/* the slave's side */
	bool awready, wready, bvalid, arready, rvalid;
	uint8_t bresp, rresp;
	uint32_t rdata;
};

struct arb_sim_out {
	struct arb_sim_master_out s[2];
	uint16_t awaddr, araddr;
	bool awvalid, wvalid, bready, arvalid, rready;
	uint32_t wdata;
	uint8_t wstrb;
};

struct arb_sim;

struct arb_sim *arb_sim_create(void);
void arb_sim_destroy(struct arb_sim *sim);
void arb_sim_cycle(struct arb_sim *sim, const struct arb_sim_in *in, struct arb_sim_out *out);

#ifdef __cplusplus
}
#endif

#endif
