// spisync -- Verilator glue for one parameter set of reason_counters. The
// build defines VTOP, VTOP_HEADER, COUNTERS_FACTORY, COUNTERS_NAME and
// COUNTERS_N, COUNTERS_PORTS, COUNTERS_INIT as it gave them to Verilator.

#include "egress_models.h"

#include "verilated.h"
#include "vl_sim.h"
#include VTOP_HEADER

namespace {

class model final : public counters_model {
public:
	VerilatedContext ctx;
	VTOP *top = nullptr;

	~model() override
	{
		if (top != nullptr) {
			top->final();
			delete top;
		}
	}

	void reset() override
	{
		top->inc_valid = 0;
		top->snapshot = 0;
		top->rst = 1;
		for (int i = 0; i < 4; i++)
			edge();
		top->rst = 0;
	}

	void cycle(const bool *valid, const uint8_t *reason, bool snapshot) override
	{
		uint32_t v = 0, r = 0;

		for (unsigned p = 0; p < COUNTERS_PORTS; p++) {
			v |= (uint32_t)(valid[p] ? 1 : 0) << p;
			r |= (uint32_t)reason[p] << (8 * p);
		}
		top->inc_valid = v;
		top->inc_reason = r;
		top->snapshot = snapshot;
		edge();
	}

	const counters_params *params(void) const override
	{
		static const counters_params p = {
			COUNTERS_NAME, COUNTERS_N, COUNTERS_PORTS, COUNTERS_INIT,
		};
		return &p;
	}

	uint64_t read(unsigned index) override
	{
		top->rd_index = index & 0xff;
		top->eval();
		return top->rd_value;
	}

private:
	void edge(void)
	{
		top->clk = 0;
		top->eval();
		top->clk = 1;
		top->eval();
	}
};

} // namespace

counters_model *COUNTERS_FACTORY(void)
{
	model *m = vl_sim_create<model, VTOP>();
	if (m == nullptr)
		return nullptr;
	m->top->clk = 0;
	m->top->rst = 1;
	m->top->eval();
	return m;
}
