// spisync -- Verilator glue for rv32_core behind the C API of core_sim.h.

#include "core_sim.h"

#include <cstring>
#include <string>
#include <vector>

#include "verilated.h"
#include "vl_sim.h"
#include "Vrv32_core_t.h"

namespace {

const uint32_t UART_THR = 0x10000000u;
const uint32_t EXIT_DEV = 0x00100000u;

struct pending {
	bool busy = false;
	unsigned delay = 0;       // clocks until the response shows
	uint32_t rdata = 0;
	bool err = false;
};

}  // namespace

struct core_sim {
	VerilatedContext ctx;
	Vrv32_core_t *top;
	uint64_t cycles;
	uint64_t proto_errors;
	uint32_t ram_base;
	std::vector<uint8_t> ram;
	std::string uart;
	uint64_t rng;
	pending ip, dp;
	bool exited;
	uint32_t exit_value;
	// the request as it was last clock while it waited, to check it is held
	bool i_wait, d_wait;
	uint32_t i_addr_held, d_addr_held;

	core_sim() : top(nullptr), cycles(0), proto_errors(0), ram_base(0), rng(1),
	    exited(false), exit_value(0), i_wait(false), d_wait(false),
	    i_addr_held(0), d_addr_held(0) {}

	uint32_t next()
	{
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		return (uint32_t)(rng >> 16);
	}

	bool in_ram(uint32_t a) const
	{
		return a >= ram_base && a - ram_base < ram.size() && a - ram_base + 4 <= ram.size();
	}

	uint32_t rd32(uint32_t a) const
	{
		uint32_t off = (a & ~3u) - ram_base, v = 0;
		for (int i = 3; i >= 0; i--)
			v = (v << 8) | ram[off + (uint32_t)i];
		return v;
	}
};

extern "C" struct core_sim *core_sim_create(uint32_t ram_base, uint32_t ram_bytes, uint64_t seed)
{
	core_sim *sim = vl_sim_create<core_sim, Vrv32_core_t>();
	if (sim == nullptr)
		return nullptr;
	sim->ram_base = ram_base;
	sim->ram.assign(ram_bytes, 0);
	sim->rng = seed * 2654435761u + 88172645463325252ull;
	vl_sim_hold_reset(sim->top);
	return sim;
}

extern "C" void core_sim_destroy(struct core_sim *sim)
{
	vl_sim_destroy(sim);
}

extern "C" int core_sim_load(struct core_sim *sim, uint32_t addr, const void *data, size_t len)
{
	if (addr < sim->ram_base || addr - sim->ram_base > sim->ram.size() ||
	    len > sim->ram.size() - (addr - sim->ram_base))
		return -1;
	memcpy(&sim->ram[addr - sim->ram_base], data, len);
	return 0;
}

static void data_access(core_sim *s, Vrv32_core_t *t)
{
	uint32_t a = t->d_req_addr;
	s->dp.busy = true;
	s->dp.delay = 1 + s->next() % 4;
	s->dp.err = false;
	s->dp.rdata = 0;
	if (t->d_req_we) {
		if (s->in_ram(a & ~3u)) {
			uint32_t off = (a & ~3u) - s->ram_base;
			for (unsigned i = 0; i < 4; i++)
				if (t->d_req_wstrb & (1u << i))
					s->ram[off + i] = (uint8_t)(t->d_req_wdata >> (8 * i));
		} else if ((a & ~3u) == UART_THR && t->d_req_wstrb == 1) {
			s->uart.push_back((char)(t->d_req_wdata & 0xFF));
		} else if (a == EXIT_DEV && t->d_req_wstrb == 0xF) {
			s->exited = true;
			s->exit_value = t->d_req_wdata;
		} else {
			s->dp.err = true;
		}
	} else {
		if (s->in_ram(a & ~3u))
			s->dp.rdata = s->rd32(a);
		else
			s->dp.err = true;
	}
}

extern "C" int core_sim_run(struct core_sim *sim, uint64_t max_cycles, uint32_t *exit_value)
{
	Vrv32_core_t *t = sim->top;
	sim->exited = false;
	sim->ip = pending();
	sim->dp = pending();
	sim->i_wait = sim->d_wait = false;
	t->rst = 1;
	t->i_req_ready = 0;
	t->d_req_ready = 0;
	t->i_rsp_valid = 0;
	t->d_rsp_valid = 0;
	for (int i = 0; i < 4; i++)
		vl_sim_edge(t);
	t->rst = 0;
	for (uint64_t n = 0; n < max_cycles && !sim->exited; n++) {
		// this clock's inputs: readiness, responses that are due
		t->i_req_ready = (sim->next() % 4) != 0;
		t->d_req_ready = (sim->next() % 4) != 0;
		t->i_rsp_valid = 0;
		t->d_rsp_valid = 0;
		if (sim->ip.busy && --sim->ip.delay == 0) {
			t->i_rsp_valid = 1;
			t->i_rsp_rdata = sim->ip.rdata;
			t->i_rsp_err = sim->ip.err;
			sim->ip.busy = false;
		} else {
			t->i_rsp_rdata = sim->next();
			t->i_rsp_err = sim->next() & 1;
		}
		if (sim->dp.busy && --sim->dp.delay == 0) {
			t->d_rsp_valid = 1;
			t->d_rsp_rdata = sim->dp.rdata;
			t->d_rsp_err = sim->dp.err;
			sim->dp.busy = false;
		} else {
			t->d_rsp_rdata = sim->next();
			t->d_rsp_err = sim->next() & 1;
		}
		t->clk = 0;
		t->eval();
		// protocol checks on the core's registered request outputs
		if (sim->i_wait && (!t->i_req_valid || t->i_req_addr != sim->i_addr_held))
			sim->proto_errors++;
		if (sim->d_wait && (!t->d_req_valid || t->d_req_addr != sim->d_addr_held))
			sim->proto_errors++;
		if (t->i_req_valid && (t->i_req_addr & 3u) != 0)
			sim->proto_errors++;
		if ((t->i_req_valid || sim->ip.busy) && (t->d_req_valid || sim->dp.busy))
			sim->proto_errors++;
		sim->i_wait = t->i_req_valid && !t->i_req_ready;
		sim->i_addr_held = t->i_req_addr;
		sim->d_wait = t->d_req_valid && !t->d_req_ready;
		sim->d_addr_held = t->d_req_addr;
		// accepted requests: the response comes 1..4 clocks later
		if (t->i_req_valid && t->i_req_ready) {
			if (sim->ip.busy)
				sim->proto_errors++;
			sim->ip.busy = true;
			sim->ip.delay = 1 + sim->next() % 4;
			sim->ip.err = !sim->in_ram(t->i_req_addr);
			sim->ip.rdata = sim->ip.err ? 0 : sim->rd32(t->i_req_addr);
		}
		if (t->d_req_valid && t->d_req_ready) {
			if (sim->dp.busy)
				sim->proto_errors++;
			data_access(sim, t);
		}
		t->clk = 1;
		t->eval();
		sim->cycles++;
	}
	if (sim->exited && exit_value != nullptr)
		*exit_value = sim->exit_value;
	return sim->exited ? 1 : 0;
}

extern "C" const char *core_sim_uart(const struct core_sim *sim)
{
	return sim->uart.c_str();
}

extern "C" uint64_t core_sim_cycles(const struct core_sim *sim)
{
	return sim->cycles;
}

extern "C" uint64_t core_sim_protocol_errors(const struct core_sim *sim)
{
	return sim->proto_errors;
}
