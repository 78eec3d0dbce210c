// spisync -- the per-variant Verilator glue behind egress_sim.h. Each model
// translation unit (egress_model.cpp, counters_model.cpp) is compiled once
// per parameter set and defines one factory; egress_sim.cpp picks by variant.
#ifndef SPISYNC_EGRESS_MODELS_H
#define SPISYNC_EGRESS_MODELS_H

#include "egress_sim.h"

class egress_model {
public:
	virtual ~egress_model() {}
	virtual void reset() = 0;
	virtual void cycle(const egress_sim_in *in, egress_sim_out *out) = 0;
	virtual const egress_params *params(void) const = 0;
};

class counters_model {
public:
	virtual ~counters_model() {}
	virtual void reset() = 0;
	virtual void cycle(const bool *valid, const uint8_t *reason, bool snapshot) = 0;
	virtual uint64_t read(unsigned index) = 0;
	virtual const counters_params *params(void) const = 0;
};

// nullptr on allocation failure
egress_model *egress_new_b64(void);
egress_model *egress_new_b16(void);
egress_model *egress_new_small(void);
counters_model *counters_new_p3(void);
counters_model *counters_new_p4(void);

#endif
