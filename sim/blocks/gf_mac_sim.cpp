// spisync -- Verilator glue for gf128_mac (N = 2), a combinational block.

#include "blocks_sim.h"

#include "be_blocks.h"
#include "verilated.h"
#include "vl_sim.h"
#include "Vgf128_mac_t.h"

struct gf_mac_sim {
	VerilatedContext ctx;
	Vgf128_mac_t *top;
};

extern "C" struct gf_mac_sim *gf_mac_sim_create(void)
{
	gf_mac_sim *sim = vl_sim_create<gf_mac_sim, Vgf128_mac_t>();
	if (sim == nullptr)
		return nullptr;
	return sim;
}

extern "C" void gf_mac_sim_destroy(struct gf_mac_sim *sim)
{
	vl_sim_destroy(sim);
}

extern "C" void gf_mac_sim_eval(struct gf_mac_sim *sim,
    const uint8_t a[GF_MAC_SIM_N * 16], const uint8_t b[GF_MAC_SIM_N * 16],
    uint8_t p[16])
{
	be_put_blocks(sim->top->a, a, GF_MAC_SIM_N);
	be_put_blocks(sim->top->b, b, GF_MAC_SIM_N);
	sim->top->eval();
	be_get_blocks(sim->top->p, p, 1);
}
