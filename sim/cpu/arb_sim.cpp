// spisync -- Verilator glue for axil_arb behind the C API of arb_sim.h.

#include "arb_sim.h"

#include "verilated.h"
#include "vl_sim.h"
#include "Vaxil_arb_t.h"

struct arb_sim {
	VerilatedContext ctx;
	Vaxil_arb_t *top;

	arb_sim() : top(nullptr) {}
};

extern "C" struct arb_sim *arb_sim_create(void)
{
	arb_sim *sim = vl_sim_create<arb_sim, Vaxil_arb_t>();
	if (sim == nullptr)
		return nullptr;
	vl_sim_hold_reset(sim->top);
	return sim;
}

extern "C" void arb_sim_destroy(struct arb_sim *sim)
{
	vl_sim_destroy(sim);
}

#define DRIVE(n) \
	t->s##n##_axil_awaddr = in->s[n].awaddr; \
	t->s##n##_axil_awvalid = in->s[n].awvalid; \
	t->s##n##_axil_wdata = in->s[n].wdata; \
	t->s##n##_axil_wstrb = in->s[n].wstrb; \
	t->s##n##_axil_wvalid = in->s[n].wvalid; \
	t->s##n##_axil_bready = in->s[n].bready; \
	t->s##n##_axil_araddr = in->s[n].araddr; \
	t->s##n##_axil_arvalid = in->s[n].arvalid; \
	t->s##n##_axil_rready = in->s[n].rready;

#define SAMPLE(n) \
	out->s[n].awready = t->s##n##_axil_awready; \
	out->s[n].wready = t->s##n##_axil_wready; \
	out->s[n].bvalid = t->s##n##_axil_bvalid; \
	out->s[n].bresp = t->s##n##_axil_bresp; \
	out->s[n].arready = t->s##n##_axil_arready; \
	out->s[n].rvalid = t->s##n##_axil_rvalid; \
	out->s[n].rresp = t->s##n##_axil_rresp; \
	out->s[n].rdata = t->s##n##_axil_rdata;

extern "C" void arb_sim_cycle(struct arb_sim *sim, const struct arb_sim_in *in, struct arb_sim_out *out)
{
	Vaxil_arb_t *t = sim->top;

	t->rst = in->rst;
	DRIVE(0)
	DRIVE(1)
	t->m_axil_awready = in->awready;
	t->m_axil_wready = in->wready;
	t->m_axil_bvalid = in->bvalid;
	t->m_axil_bresp = in->bresp;
	t->m_axil_arready = in->arready;
	t->m_axil_rvalid = in->rvalid;
	t->m_axil_rresp = in->rresp;
	t->m_axil_rdata = in->rdata;
	t->clk = 0;
	t->eval();
	SAMPLE(0)
	SAMPLE(1)
	out->awaddr = t->m_axil_awaddr;
	out->awvalid = t->m_axil_awvalid;
	out->wdata = t->m_axil_wdata;
	out->wstrb = t->m_axil_wstrb;
	out->wvalid = t->m_axil_wvalid;
	out->bready = t->m_axil_bready;
	out->araddr = t->m_axil_araddr;
	out->arvalid = t->m_axil_arvalid;
	out->rready = t->m_axil_rready;
	t->clk = 1;
	t->eval();
}
