// spisync -- Verilator glue for event_gate behind the C API of gate_sim.h.

#include "gate_sim.h"

#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include "Vevent_gate_t.h"
#include "Vevent_gate_t___024root.h"

struct gate_sim {
	VerilatedContext ctx;
	Vevent_gate_t *top;
	uint64_t cycles;

	gate_sim()
	    : top(nullptr), cycles(0)
	{
	}
};

extern "C" struct gate_sim *gate_sim_create(void)
{
	gate_sim *sim = vl_sim_create<gate_sim, Vevent_gate_t>();
	if (sim == nullptr)
		return nullptr;
	vl_sim_hold_reset(sim->top);
	return sim;
}

extern "C" void gate_sim_destroy(struct gate_sim *sim)
{
	vl_sim_destroy(sim);
}

static void drive(Vevent_gate_t *t, const struct gate_sim_in *in)
{
	t->rst = in->rst;
	t->time_ns = in->time_ns;
	t->time_step = in->time_step;
	t->time_step_c = in->time_step_c;
	t->token_ns = in->token_ns;
	t->token_burst = in->token_burst;
	t->lost_ns_next = in->lost_ns_next;
	t->ring_enabled = in->ring_enabled;
	t->f_valid = in->f_valid;
	vl_put_bytes(t->f_rec, in->f_rec, GATE_SIM_REC_BYTES);
	t->f_evict_valid = in->f_evict_valid;
	vl_put_bytes(t->f_evict_rec, in->f_evict_rec, GATE_SIM_REC_BYTES);
	t->s_valid = in->s_valid;
	vl_put_bytes(t->s_rec, in->s_rec, GATE_SIM_REC_BYTES);
	t->s_overflow = in->s_overflow;
	t->r_lost_valid = in->r_lost_valid;
	vl_put_bytes(t->r_lost_rec, in->r_lost_rec, GATE_SIM_REC_BYTES);
	t->m_ready = in->m_ready;
}

extern "C" void gate_sim_cycle(struct gate_sim *sim, const struct gate_sim_in *in,
    struct gate_sim_out *out)
{
	Vevent_gate_t *t = sim->top;

	// the combinational outputs of this clock: inputs settled, clock low
	drive(t, in);
	t->clk = 0;
	t->eval();
	out->m_valid = t->m_valid;
	vl_get_bytes(t->m_rec, out->m_rec, GATE_SIM_REC_BYTES);
	out->s_ready = t->s_ready;

	t->clk = 1;
	t->eval();
	sim->cycles++;
	out->lost_total = t->lost_total;
}

extern "C" void gate_sim_probe(const struct gate_sim *sim, struct gate_sim_probe *p)
{
	const Vevent_gate_t___024root *root = sim->top->rootp;

	p->hold_valid = root->event_gate__DOT__hold_valid;
	vl_get_bytes(root->event_gate__DOT__hold_rec, p->hold_rec, GATE_SIM_REC_BYTES);
	p->pend_records = root->event_gate__DOT__pend_records;
	p->pend_misses = root->event_gate__DOT__pend_misses;
	p->tokens = root->event_gate__DOT__tokens;
	p->next_token = root->event_gate__DOT__next_token;
}

extern "C" uint64_t gate_sim_cycles(const struct gate_sim *sim)
{
	return sim->cycles;
}
