// spisync -- Verilator glue for flow_filter behind the C API of flow_sim.h.
// The model is built with --x-initial unique so its RAMs start random.

#include "flow_sim.h"

#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include "Vflow_filter_t.h"
#include "Vflow_filter_t___024root.h"

// The way layout of flow_filter.v, for the back door only:
// {count[31:0], last[63:0], info[44:0], key[288:0], valid}
static const unsigned WAY_BITS = 431;
static const unsigned WAY_COUNT_LSB = 399;

// read by the constructor below: vl_sim_create() builds the context and the
// model in one go, and the random start must be set in between
static uint32_t flow_sim_pending_seed;

struct flow_sim {
	VerilatedContext ctx;
	Vflow_filter_t *top;
	uint64_t cycles;

	flow_sim()
	    : top(nullptr), cycles(0)
	{
		ctx.randReset(2);
		ctx.randSeed((int)(flow_sim_pending_seed & 0x7fffffff));
	}
};

extern "C" struct flow_sim *flow_sim_create(uint32_t seed)
{
	flow_sim_pending_seed = seed;
	flow_sim *sim = vl_sim_create<flow_sim, Vflow_filter_t>();
	if (sim == nullptr)
		return nullptr;
	sim->top->s_valid = 0;
	sim->top->holdoff_ns = 0;
	vl_sim_hold_reset(sim->top);
	return sim;
}

extern "C" void flow_sim_destroy(struct flow_sim *sim)
{
	vl_sim_destroy(sim);
}

static void clock_edge(struct flow_sim *sim)
{
	vl_sim_edge(sim->top);
	sim->cycles++;
}

extern "C" void flow_sim_cycle(struct flow_sim *sim, const struct flow_sim_in *in,
    struct flow_sim_out *out)
{
	Vflow_filter_t *t = sim->top;

	t->rst = in != nullptr && in->rst;
	t->s_valid = in != nullptr && in->valid;
	if (in != nullptr) {
		t->holdoff_ns = in->holdoff_ns;
		if (in->valid)
			vl_put_bytes(t->s_rec, in->rec, FLOW_SIM_REC_BYTES);
	}
	clock_edge(sim);

	if (out == nullptr)
		return;
	out->valid = t->m_valid;
	vl_get_bytes(t->m_rec, out->rec, FLOW_SIM_REC_BYTES);
	out->evict_valid = t->m_evict_valid;
	vl_get_bytes(t->m_evict_rec, out->evict_rec, FLOW_SIM_REC_BYTES);
	out->suppressed = t->m_suppressed;
	out->ready = t->ready;
	out->suppressed_total = t->suppressed_total;
	out->pending = t->pending;
}

extern "C" uint64_t flow_sim_cycles(const struct flow_sim *sim)
{
	return sim->cycles;
}

template <std::size_t W>
static bool wide_bit(const VlWide<W> &v, unsigned i)
{
	return (v[i / 32] >> (i % 32)) & 1u;
}

template <std::size_t W>
static void wide_set_bit(VlWide<W> &v, unsigned i, bool b)
{
	if (b)
		v[i / 32] |= 1u << (i % 32);
	else
		v[i / 32] &= ~(1u << (i % 32));
}

extern "C" bool flow_sim_preset_count(struct flow_sim *sim, unsigned set, unsigned way,
    uint32_t count)
{
	Vflow_filter_t___024root *root = sim->top->rootp;

	if (set >= FLOW_SIM_SETS || way > 1)
		return false;
	auto &mem = way == 0 ? root->flow_filter__DOT__g_way__BRA__0__KET____DOT__u_ram__DOT__mem
	                     : root->flow_filter__DOT__g_way__BRA__1__KET____DOT__u_ram__DOT__mem;
	auto &word = mem[set];
	static_assert(WAY_COUNT_LSB + 32 == WAY_BITS, "count is the top field");
	if (!wide_bit(word, 0))
		return false;
	uint32_t old = 0;
	for (unsigned i = 0; i < 32; i++) {
		old |= (uint32_t)wide_bit(word, WAY_COUNT_LSB + i) << i;
		wide_set_bit(word, WAY_COUNT_LSB + i, (count >> i) & 1u);
	}
	const uint64_t more = (uint64_t)count - old;
	sim->top->suppressed_total += more;
	sim->top->pending += more;
	return true;
}
