// spisync -- Verilator glue for aes_gcm_dec behind the C API of gcm_sim.h.
// Built once per LANES: the build defines GCM_LANES, VTOP (the Verilated
// class) and VTOP_HEADER.

#include "gcm_sim.h"

#include <cstring>
#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include VTOP_HEADER


struct gcm_sim {
	VerilatedContext ctx;
	VTOP *top;
	uint64_t cycles;
};

extern "C" struct gcm_sim *gcm_sim_create(void)
{
	gcm_sim *sim = vl_sim_create<gcm_sim, VTOP>();
	if (sim == nullptr)
		return nullptr;
	sim->cycles = 0;
	sim->top->clk = 0;
	sim->top->rst = 1;
	sim->top->eval();
	return sim;
}

extern "C" void gcm_sim_destroy(struct gcm_sim *sim)
{
	vl_sim_destroy(sim);
}

extern "C" unsigned gcm_sim_lanes(void)
{
	return GCM_LANES;
}

static void clock_edge(struct gcm_sim *sim)
{
	sim->top->clk = 0;
	sim->top->eval();
	sim->top->clk = 1;
	sim->top->eval();
	sim->cycles++;
}

extern "C" void gcm_sim_reset(struct gcm_sim *sim)
{
	sim->top->s_axis_tvalid = 0;
	sim->top->rst = 1;
	for (int i = 0; i < 4; i++)
		clock_edge(sim);
	sim->top->rst = 0;
}

extern "C" void gcm_sim_cycle(struct gcm_sim *sim, const struct gcm_sim_in *in,
    struct gcm_sim_out *out)
{
	VTOP *t = sim->top;
	const unsigned beat = GCM_LANES * 16;

	if (in != nullptr && in->valid) {
		t->s_axis_tvalid = 1;
		t->s_axis_tlast = in->last;
		t->s_axis_aad = in->aad_beat;
		vl_put_bytes(t->s_axis_tdata, in->data, beat);
		/* Verilator expects the unused high bits of a signal to be zero */
		t->s_axis_tkeep = in->keep & (beat == 64 ? UINT64_MAX : (((uint64_t)1 << beat) - 1));
		t->s_axis_tuser = in->user;
		vl_put_bytes(t->s_key, in->key, 32);
		t->s_key_256 = in->key_256;
		vl_put_bytes(t->s_salt, in->salt, 4);
		vl_put_bytes(t->s_iv, in->iv, 8);
		vl_put_bytes(t->s_aad_data, in->aad, 16);
		t->s_aad_len = in->aad_len & 0x1f;
		t->s_icv_len = in->icv_len & 0x1f;
		vl_put_bytes(t->s_icv, in->icv, 16);
	} else {
		t->s_axis_tvalid = 0;
	}

	clock_edge(sim);

	if (out != nullptr) {
		out->valid = t->m_axis_tvalid;
		out->last = t->m_axis_tlast;
		out->auth_ok = t->m_axis_auth_ok;
		memset(out->data, 0, sizeof(out->data));
		vl_get_bytes(t->m_axis_tdata, out->data, beat);
		out->keep = (uint64_t)t->m_axis_tkeep;
		out->user = t->m_axis_tuser;
	}
}

extern "C" uint64_t gcm_sim_cycles(const struct gcm_sim *sim)
{
	return sim->cycles;
}
