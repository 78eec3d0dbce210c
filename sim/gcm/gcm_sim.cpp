// spisync -- Verilator glue for aes_gcm_dec behind the C API of gcm_sim.h.
// Built once per LANES: the build defines GCM_LANES, VTOP (the Verilated
// class) and VTOP_HEADER.

#include "gcm_sim.h"

#include <cstring>
#include <new>

#include "verilated.h"
#include VTOP_HEADER

namespace {

// Copy bytes (byte 0 first) into a Verilator signal of any width: byte i is
// bits [8i+7:8i]. Verilator stores wide signals as 32-bit words, narrow ones
// as an integer.
template <typename T>
void put_bytes(T &sig, const uint8_t *src, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)src[i] << (8 * i);
	sig = (T)v;
}

template <std::size_t W>
void put_bytes(VlWide<W> &sig, const uint8_t *src, unsigned n)
{
	for (std::size_t w = 0; w < W; w++)
		sig[w] = 0;
	for (unsigned i = 0; i < n; i++)
		sig[i / 4] |= (uint32_t)src[i] << (8 * (i % 4));
}

template <typename T>
void get_bytes(const T &sig, uint8_t *dst, unsigned n)
{
	const uint64_t v = (uint64_t)sig;
	for (unsigned i = 0; i < n; i++)
		dst[i] = (uint8_t)(v >> (8 * i));
}

template <std::size_t W>
void get_bytes(const VlWide<W> &sig, uint8_t *dst, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		dst[i] = (uint8_t)(sig[i / 4] >> (8 * (i % 4)));
}

} // namespace

struct gcm_sim {
	VerilatedContext ctx;
	VTOP *top;
	uint64_t cycles;
};

extern "C" struct gcm_sim *gcm_sim_create(void)
{
	gcm_sim *sim = new (std::nothrow) gcm_sim;
	if (sim == nullptr)
		return nullptr;
	sim->top = new (std::nothrow) VTOP(&sim->ctx);
	if (sim->top == nullptr) {
		delete sim;
		return nullptr;
	}
	sim->cycles = 0;
	sim->top->clk = 0;
	sim->top->rst = 1;
	sim->top->eval();
	return sim;
}

extern "C" void gcm_sim_destroy(struct gcm_sim *sim)
{
	if (sim == nullptr)
		return;
	sim->top->final();
	delete sim->top;
	delete sim;
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
		put_bytes(t->s_axis_tdata, in->data, beat);
		t->s_axis_tkeep = in->keep;
		t->s_axis_tuser = in->user;
		put_bytes(t->s_key, in->key, 32);
		t->s_key_256 = in->key_256;
		put_bytes(t->s_salt, in->salt, 4);
		put_bytes(t->s_iv, in->iv, 8);
		put_bytes(t->s_aad_data, in->aad, 16);
		t->s_aad_len = in->aad_len & 0x1f;
		t->s_icv_len = in->icv_len & 0x1f;
		put_bytes(t->s_icv, in->icv, 16);
	} else {
		t->s_axis_tvalid = 0;
	}

	clock_edge(sim);

	if (out != nullptr) {
		out->valid = t->m_axis_tvalid;
		out->last = t->m_axis_tlast;
		out->auth_ok = t->m_axis_auth_ok;
		memset(out->data, 0, sizeof(out->data));
		get_bytes(t->m_axis_tdata, out->data, beat);
		out->keep = (uint64_t)t->m_axis_tkeep;
		out->user = t->m_axis_tuser;
	}
}

extern "C" uint64_t gcm_sim_cycles(const struct gcm_sim *sim)
{
	return sim->cycles;
}
