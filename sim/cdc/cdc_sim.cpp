// spisync -- Verilator glue for one parameter set of axis_async_fifo behind
// the C API of cdc_sim.h. Compiled once per model with
// -DCDC_VTOP=<class> -DCDC_VTOP_HEADER="<class>.h" -DCDC_OPS=<ops name>
// -DCDC_NAME="..." -DCDC_DEPTH=N -DCDC_FRAME_DROP=0|1.

#include "cdc_sim.h"

#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include CDC_VTOP_HEADER

struct cdc_sim {
	VerilatedContext ctx;
	CDC_VTOP *top;

	cdc_sim()
	    : top(nullptr)
	{
	}
};

static struct cdc_sim *create(void)
{
	cdc_sim *sim = vl_sim_create<cdc_sim, CDC_VTOP>();
	if (sim == nullptr)
		return nullptr;
	CDC_VTOP *t = sim->top;
	t->s_clk = 0;
	t->m_clk = 0;
	t->s_rst = 0;
	t->m_rst = 0;
	t->s_axis_tvalid = 0;
	t->m_axis_tready = 0;
	t->eval();
	return sim;
}

static void destroy(struct cdc_sim *sim)
{
	vl_sim_destroy(sim);
}

static void s_drive(struct cdc_sim *sim, const struct cdc_sim_s_in *in)
{
	CDC_VTOP *t = sim->top;
	t->s_rst = in->rst;
	t->s_axis_tvalid = in->valid;
	vl_put_bytes(t->s_axis_tdata, in->data, CDC_SIM_BEAT_BYTES);
	t->s_axis_tkeep = in->keep;
	t->s_axis_tlast = in->last;
	t->s_axis_tuser = in->user;
	t->eval();
}

static void s_outputs(struct cdc_sim *sim, struct cdc_sim_s_out *out)
{
	CDC_VTOP *t = sim->top;
	out->ready = t->s_axis_tready;
	out->overflow = t->s_overflow;
	out->level = t->s_level;
}

static void s_edge(struct cdc_sim *sim)
{
	CDC_VTOP *t = sim->top;
	t->s_clk = 0;
	t->eval();
	t->s_clk = 1;
	t->eval();
}

static void m_drive(struct cdc_sim *sim, const struct cdc_sim_m_in *in)
{
	CDC_VTOP *t = sim->top;
	t->m_rst = in->rst;
	t->m_axis_tready = in->ready;
	t->eval();
}

static void m_outputs(struct cdc_sim *sim, struct cdc_sim_m_out *out)
{
	CDC_VTOP *t = sim->top;
	out->valid = t->m_axis_tvalid;
	vl_get_bytes(t->m_axis_tdata, out->data, CDC_SIM_BEAT_BYTES);
	out->keep = t->m_axis_tkeep;
	out->last = t->m_axis_tlast;
	out->user = t->m_axis_tuser;
	out->drop = t->m_drop;
	out->level = t->m_level;
}

static void m_edge(struct cdc_sim *sim)
{
	CDC_VTOP *t = sim->top;
	t->m_clk = 0;
	t->eval();
	t->m_clk = 1;
	t->eval();
}

extern "C" const struct cdc_sim_ops CDC_OPS = {
	CDC_NAME, CDC_DEPTH, CDC_FRAME_DROP != 0,
	create, destroy, s_drive, s_outputs, s_edge, m_drive, m_outputs, m_edge,
};
