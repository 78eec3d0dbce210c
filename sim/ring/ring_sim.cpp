// spisync -- Verilator glue behind ring_sim.h: both parameter sets of
// event_ring in one translation unit, one template over the Verilated class.
// The build gives each model its own prefix (Vevent_ring_def,
// Vevent_ring_small) and defines RING_P_<name> as the parameters it gave
// Verilator (mk/ring.mk holds them once).

#include "ring_sim.h"

#include <new>

#include "verilated.h"
#include "vl_bytes.h"
#include "vl_sim.h"
#include "Vevent_ring_def.h"
#include "Vevent_ring_small.h"

namespace {

class model {
public:
	virtual ~model() {}
	virtual void reset() = 0;
	virtual void cycle(const ring_sim_in *in, ring_sim_out *out) = 0;
};

template <typename T>
class model_of final : public model {
public:
	VerilatedContext ctx;
	T *top = nullptr;

	~model_of() override
	{
		if (top != nullptr) {
			top->final();
			delete top;
		}
	}

	bool init()
	{
		top = new (std::nothrow) T(&ctx);
		if (top == nullptr)
			return false;
		idle();
		vl_sim_hold_reset(top);
		return true;
	}

	void reset() override
	{
		idle();
		top->rst = 1;
		for (int i = 0; i < 4; i++)
			vl_sim_edge(top);
		top->rst = 0;
	}

	void cycle(const ring_sim_in *in, ring_sim_out *out) override
	{
		top->s_rec_valid = in->rec_valid;
		vl_put_bytes(top->s_rec_data, in->rec, RING_SIM_REC_BYTES);
		top->ring_base = in->ring_base;
		top->ring_size_log2 = in->size_log2 & 0x1f;
		top->ring_enable = in->enable;
		top->ring_cons = in->cons;
		top->m_axi_awready = in->awready;
		top->m_axi_wready = in->wready;
		top->m_axi_bvalid = in->bvalid;
		top->m_axi_bresp = in->bresp & 3;
		top->eval();
		sample(out);
		vl_sim_edge(top);
	}

private:
	void idle()
	{
		top->s_rec_valid = 0;
		top->ring_enable = 0;
		top->ring_cons = 0;
		top->ring_base = 0;
		top->ring_size_log2 = 1;
		top->m_axi_awready = 0;
		top->m_axi_wready = 0;
		top->m_axi_bvalid = 0;
		top->m_axi_bresp = 0;
	}

	void sample(ring_sim_out *out)
	{
		out->rec_ready = top->s_rec_ready;
		out->prod = top->ring_prod;
		out->enabled = top->st_enabled;
		out->full = top->st_full;
		out->bad_cons = top->st_bad_cons;
		out->write_error = top->st_write_error;
		out->busy = top->st_busy;
		out->write_errors = top->write_errors;
		out->written_pulse = top->written_pulse;
		out->lost_valid = top->lost_valid;
		vl_get_bytes(top->lost_data, out->lost, RING_SIM_REC_BYTES);
		out->awvalid = top->m_axi_awvalid;
		out->awaddr = top->m_axi_awaddr;
		out->awlen = top->m_axi_awlen;
		out->awsize = top->m_axi_awsize;
		out->awburst = top->m_axi_awburst;
		out->awcache = top->m_axi_awcache;
		out->awprot = top->m_axi_awprot;
		out->wvalid = top->m_axi_wvalid;
		vl_get_bytes(top->m_axi_wdata, out->wdata, RING_SIM_REC_BYTES);
		out->wstrb = top->m_axi_wstrb;
		out->wlast = top->m_axi_wlast;
		out->bready = top->m_axi_bready;
	}
};

template <typename T>
model *make_model(void)
{
	model_of<T> *m = new (std::nothrow) model_of<T>;
	if (m == nullptr)
		return nullptr;
	if (!m->init()) {
		delete m;
		return nullptr;
	}
	return m;
}

const ring_params params_of[RING_VARIANTS] = {
	{ "default", RING_P_def },
	{ "small", RING_P_small },
};

} // namespace

struct ring_sim {
	model *m;
	const ring_params *p;
	uint64_t cycles;
};

extern "C" struct ring_sim *ring_sim_create(enum ring_variant v)
{
	model *m = nullptr;

	switch (v) {
	case RING_DEFAULT:
		m = make_model<Vevent_ring_def>();
		break;
	case RING_SMALL:
		m = make_model<Vevent_ring_small>();
		break;
	default:
		return nullptr;
	}
	if (m == nullptr)
		return nullptr;
	ring_sim *sim = new (std::nothrow) ring_sim;
	if (sim == nullptr) {
		delete m;
		return nullptr;
	}
	sim->m = m;
	sim->p = &params_of[v];
	sim->cycles = 0;
	return sim;
}

extern "C" void ring_sim_destroy(struct ring_sim *sim)
{
	if (sim == nullptr)
		return;
	delete sim->m;
	delete sim;
}

extern "C" const struct ring_params *ring_sim_params(const struct ring_sim *sim)
{
	return sim->p;
}

extern "C" void ring_sim_reset(struct ring_sim *sim)
{
	sim->m->reset();
	sim->cycles += 4;
}

extern "C" void ring_sim_cycle(struct ring_sim *sim, const struct ring_sim_in *in,
    struct ring_sim_out *out)
{
	sim->m->cycle(in, out);
	sim->cycles++;
}

extern "C" uint64_t ring_sim_cycles(const struct ring_sim *sim)
{
	return sim->cycles;
}
