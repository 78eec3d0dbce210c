// spisync -- Verilator glue for sa_lookup behind the C API of lookup_sim.h.
// The model is built with --x-initial unique so its RAMs can start random.

#include "lookup_sim.h"

#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include "Vsa_lookup_t.h"

// read by the constructor below: vl_sim_create() builds the context and the
// model in one go, and the random start must be set in between
static uint32_t lookup_sim_pending_seed;

struct lookup_sim {
	VerilatedContext ctx;
	Vsa_lookup_t *top;
	uint64_t cycles;

	lookup_sim()
	    : top(nullptr), cycles(0)
	{
		ctx.randReset(2);
		ctx.randSeed((int)(lookup_sim_pending_seed & 0x7fffffff));
	}
};

extern "C" struct lookup_sim *lookup_sim_create(uint32_t seed)
{
	lookup_sim_pending_seed = seed;
	lookup_sim *sim = vl_sim_create<lookup_sim, Vsa_lookup_t>();
	if (sim == nullptr)
		return nullptr;
	sim->top->clk = 0;
	sim->top->rst = 1;
	sim->top->in_valid = 0;
	sim->top->sa_wr_en = 0;
	sim->top->tag_wr_en = 0;
	sim->top->eval();
	return sim;
}

extern "C" void lookup_sim_destroy(struct lookup_sim *sim)
{
	vl_sim_destroy(sim);
}

static void clock_edge(struct lookup_sim *sim)
{
	sim->top->clk = 0;
	sim->top->eval();
	sim->top->clk = 1;
	sim->top->eval();
	sim->cycles++;
}

extern "C" void lookup_sim_reset(struct lookup_sim *sim)
{
	sim->top->in_valid = 0;
	sim->top->sa_wr_en = 0;
	sim->top->tag_wr_en = 0;
	sim->top->rst = 1;
	for (int i = 0; i < 4; i++)
		clock_edge(sim);
	sim->top->rst = 0;
}

static void drive_lookup(Vsa_lookup_t *t, const struct lookup_sim_in *in)
{
	if (in == nullptr || !in->valid) {
		t->in_valid = 0;
		return;
	}
	t->in_valid = 1;
	t->in_spi = in->spi;
	t->in_ipv6 = in->ipv6;
	t->in_udp = in->udp;
	t->in_dport = in->dport;
	vl_put_bytes(t->in_dst, in->dst, 16);
	t->in_user = in->user;
}

static void drive_writes(Vsa_lookup_t *t, const struct lookup_sim_wr *wr)
{
	t->sa_wr_en = wr != nullptr && wr->sa_en;
	t->tag_wr_en = wr != nullptr && wr->tag_en;
	if (wr == nullptr)
		return;
	if (wr->sa_en) {
		t->sa_wr_index = wr->sa_index;
		for (unsigned w = 0; w < LOOKUP_SIM_WORDS; w++)
			t->sa_wr_data[w] = wr->sa_data[w];
	}
	if (wr->tag_en) {
		t->tag_wr_table = wr->tag_table & 1u;
		t->tag_wr_way = wr->tag_way;
		t->tag_wr_bucket = wr->tag_bucket;
		t->tag_wr_spi = wr->tag_spi;
		t->tag_wr_valid = wr->tag_valid;
		t->tag_wr_index = wr->tag_index;
	}
}

extern "C" void lookup_sim_cycle(struct lookup_sim *sim, const struct lookup_sim_in *in,
    const struct lookup_sim_wr *wr, struct lookup_sim_out *out)
{
	Vsa_lookup_t *t = sim->top;

	drive_lookup(t, in);
	drive_writes(t, wr);
	clock_edge(sim);

	if (out != nullptr) {
		out->valid = t->out_valid;
		out->hit = t->out_hit;
		out->index = t->out_index;
		for (unsigned w = 0; w < LOOKUP_SIM_WORDS; w++)
			out->entry[w] = t->out_entry[w];
		out->user = t->out_user;
	}
}

extern "C" uint64_t lookup_sim_cycles(const struct lookup_sim *sim)
{
	return sim->cycles;
}
