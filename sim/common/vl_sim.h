// spisync -- create, destroy, reset and clock for the C-API wrappers around
// Verilated models. Every wrapper struct S holds a VerilatedContext ctx and a model
// pointer top; these do the allocation dance once, without exceptions.
#ifndef SPISYNC_VL_SIM_H
#define SPISYNC_VL_SIM_H

#include <new>

#include "verilated.h"

// nullptr on allocation failure; other fields of S are left to the caller
template <typename S, typename M>
static inline S *vl_sim_create(void)
{
	S *sim = new (std::nothrow) S;
	if (sim == nullptr)
		return nullptr;
	sim->top = new (std::nothrow) M(&sim->ctx);
	if (sim->top == nullptr) {
		delete sim;
		return nullptr;
	}
	return sim;
}

template <typename S>
static inline void vl_sim_destroy(S *sim)
{
	if (sim == nullptr)
		return;
	sim->top->final();
	delete sim->top;
	delete sim;
}

// The models' clock and reset inputs are named clk and rst (synchronous,
// active high). Hold reset with the clock low and settle the outputs.
template <typename M>
static inline void vl_sim_hold_reset(M *top)
{
	top->clk = 0;
	top->rst = 1;
	top->eval();
}

// One rising edge: the clock low (inputs settle), then high.
template <typename M>
static inline void vl_sim_edge(M *top)
{
	top->clk = 0;
	top->eval();
	top->clk = 1;
	top->eval();
}

#endif
