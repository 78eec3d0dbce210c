// spisync -- egress_sim.h: picks the Verilated model of a variant and keeps
// the clock count.

#include "egress_sim.h"
#include "egress_models.h"

#include <new>

struct egress_sim {
	egress_model *m;
	const egress_params *p;
	uint64_t cycles;
};

struct counters_sim {
	counters_model *m;
	const counters_params *p;
};

extern "C" struct egress_sim *egress_sim_create(enum egress_variant v)
{
	egress_model *m = nullptr;

	switch (v) {
	case EGRESS_B64:
		m = egress_new_b64();
		break;
	case EGRESS_B16:
		m = egress_new_b16();
		break;
	case EGRESS_SMALL:
		m = egress_new_small();
		break;
	default:
		return nullptr;
	}
	if (m == nullptr)
		return nullptr;
	egress_sim *sim = new (std::nothrow) egress_sim;
	if (sim == nullptr) {
		delete m;
		return nullptr;
	}
	sim->m = m;
	sim->p = m->params();
	sim->cycles = 0;
	return sim;
}

extern "C" void egress_sim_destroy(struct egress_sim *sim)
{
	if (sim == nullptr)
		return;
	delete sim->m;
	delete sim;
}

extern "C" const struct egress_params *egress_sim_params(const struct egress_sim *sim)
{
	return sim->p;
}

extern "C" void egress_sim_reset(struct egress_sim *sim)
{
	sim->m->reset();
	sim->cycles += 4;
}

extern "C" void egress_sim_cycle(struct egress_sim *sim,
    const struct egress_sim_in *in, struct egress_sim_out *out)
{
	sim->m->cycle(in, out);
	sim->cycles++;
}

extern "C" uint64_t egress_sim_cycles(const struct egress_sim *sim)
{
	return sim->cycles;
}

extern "C" struct counters_sim *counters_sim_create(enum counters_variant v)
{
	counters_model *m = nullptr;

	switch (v) {
	case COUNTERS_P3:
		m = counters_new_p3();
		break;
	case COUNTERS_P4:
		m = counters_new_p4();
		break;
	default:
		return nullptr;
	}
	if (m == nullptr)
		return nullptr;
	counters_sim *sim = new (std::nothrow) counters_sim;
	if (sim == nullptr) {
		delete m;
		return nullptr;
	}
	sim->m = m;
	sim->p = m->params();
	return sim;
}

extern "C" void counters_sim_destroy(struct counters_sim *sim)
{
	if (sim == nullptr)
		return;
	delete sim->m;
	delete sim;
}

extern "C" const struct counters_params *counters_sim_params(const struct counters_sim *sim)
{
	return sim->p;
}

extern "C" void counters_sim_reset(struct counters_sim *sim)
{
	sim->m->reset();
}

extern "C" void counters_sim_cycle(struct counters_sim *sim, const bool *valid,
    const uint8_t *reason, bool snapshot)
{
	sim->m->cycle(valid, reason, snapshot);
}

extern "C" uint64_t counters_sim_read(struct counters_sim *sim, unsigned index)
{
	return sim->m->read(index);
}
