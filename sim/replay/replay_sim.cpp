// spisync -- Verilator glue for the anti-replay test top and the two
// esp_pad_check builds behind the C API of replay_sim.h.

#include "replay_sim.h"

#include <cstring>
#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include "Vreplay_tb.h"
#include "Vpad_check_b16.h"
#include "Vpad_check_b64.h"

struct replay_sim {
	VerilatedContext ctx;
	Vreplay_tb *top;
	/* replay_check_split's answers to the last packet */
	bool split_ok[2];
	uint64_t split_s[2];
};

template <typename M>
static void clock_edge(M *top)
{
	top->clk = 0;
	top->eval();
	top->clk = 1;
	top->eval();
}

static void window_to_model(Vreplay_tb *t, const uint64_t bitmap[REPLAY_SIM_WORDS])
{
	for (unsigned w = 0; w < REPLAY_SIM_WORDS; w++) {
		t->load_bitmap[2 * w] = (uint32_t)bitmap[w];
		t->load_bitmap[2 * w + 1] = (uint32_t)(bitmap[w] >> 32);
	}
}

extern "C" struct replay_sim *replay_sim_create(void)
{
	replay_sim *sim = vl_sim_create<replay_sim, Vreplay_tb>();
	Vreplay_tb *t;

	if (sim == nullptr)
		return nullptr;
	t = sim->top;
	t->load = 0;
	t->in_valid = 0;
	t->in_force = 0;
	t->in_s = 0;
	t->rst = 1;
	for (int i = 0; i < 3; i++)
		clock_edge(t);
	t->rst = 0;
	return sim;
}

extern "C" void replay_sim_destroy(struct replay_sim *sim)
{
	vl_sim_destroy(sim);
}

extern "C" void replay_sim_load(struct replay_sim *sim, uint64_t top,
    const uint64_t bitmap[REPLAY_SIM_WORDS])
{
	Vreplay_tb *t = sim->top;

	t->load = 1;
	t->load_top = top;
	window_to_model(t, bitmap);
	clock_edge(t);
	t->load = 0;
}

extern "C" bool replay_sim_packet(struct replay_sim *sim, bool esn,
    uint32_t seq, uint64_t *s)
{
	Vreplay_tb *t = sim->top;
	bool ok;

	t->in_valid = 1;
	t->in_esn = esn;
	t->in_seq = seq;
	clock_edge(t);                  /* into the check's input registers */
	t->in_valid = 0;
	clock_edge(t);                  /* the check's verdict registered */
	ok = t->out_valid && t->out_ok;
	*s = t->out_s;
	sim->split_ok[0] = t->split_ok;
	sim->split_s[0] = t->split_s;
	sim->split_ok[1] = t->split3_ok;
	sim->split_s[1] = t->split3_s;
	clock_edge(t);                  /* the update written to the state */
	return ok;
}

extern "C" bool replay_sim_split(const struct replay_sim *sim, unsigned which,
    uint64_t *s)
{
	*s = sim->split_s[which];
	return sim->split_ok[which];
}

extern "C" void replay_sim_update(struct replay_sim *sim, uint64_t s)
{
	Vreplay_tb *t = sim->top;

	t->in_valid = 1;
	t->in_force = 1;
	t->in_s = s;
	clock_edge(t);
	t->in_valid = 0;
	t->in_force = 0;
	clock_edge(t);
	clock_edge(t);
}

extern "C" void replay_sim_state(const struct replay_sim *sim, uint64_t *top,
    uint64_t bitmap[REPLAY_SIM_WORDS])
{
	const Vreplay_tb *t = sim->top;

	*top = t->st_top;
	for (unsigned w = 0; w < REPLAY_SIM_WORDS; w++)
		bitmap[w] = (uint64_t)t->st_bitmap[2 * w] |
		    (uint64_t)t->st_bitmap[2 * w + 1] << 32;
}

template <typename M>
struct pad_model {
	VerilatedContext ctx;
	M *top;
};

struct pad_sim {
	unsigned bytes;
	pad_model<Vpad_check_b16> *m16;
	pad_model<Vpad_check_b64> *m64;
};

template <typename M>
static void pad_drive(M *t, unsigned bytes, const struct pad_sim_beat *in,
    struct pad_sim_out *out)
{
	if (in != nullptr) {
		t->in_valid = in->valid;
		t->in_first = in->first;
		t->in_last = in->last;
		vl_put_bytes(t->in_data, in->data, bytes);
		t->in_ct_len = in->ct_len & 0x3fff;
	} else {
		t->in_valid = 0;
	}
	clock_edge(t);
	if (out != nullptr) {
		out->valid = t->out_valid;
		out->pad_ok = t->out_pad_ok;
		out->padlen = t->out_padlen;
		out->nh = t->out_nh;
	}
}

template <typename M>
static void pad_model_reset(M *t)
{
	t->in_valid = 0;
	t->rst = 1;
	for (int i = 0; i < 4; i++)
		clock_edge(t);
	t->rst = 0;
}

extern "C" struct pad_sim *pad_sim_create(unsigned bytes)
{
	pad_sim *sim;

	if (bytes != 16 && bytes != 64)
		return nullptr;
	sim = new (std::nothrow) pad_sim;
	if (sim == nullptr)
		return nullptr;
	sim->bytes = bytes;
	sim->m16 = nullptr;
	sim->m64 = nullptr;
	if (bytes == 16)
		sim->m16 = vl_sim_create<pad_model<Vpad_check_b16>, Vpad_check_b16>();
	else
		sim->m64 = vl_sim_create<pad_model<Vpad_check_b64>, Vpad_check_b64>();
	if (sim->m16 == nullptr && sim->m64 == nullptr) {
		delete sim;
		return nullptr;
	}
	pad_sim_reset(sim);
	return sim;
}

extern "C" void pad_sim_destroy(struct pad_sim *sim)
{
	if (sim == nullptr)
		return;
	vl_sim_destroy(sim->m16);
	vl_sim_destroy(sim->m64);
	delete sim;
}

extern "C" void pad_sim_reset(struct pad_sim *sim)
{
	if (sim->m16 != nullptr)
		pad_model_reset(sim->m16->top);
	else
		pad_model_reset(sim->m64->top);
}

extern "C" void pad_sim_cycle(struct pad_sim *sim, const struct pad_sim_beat *in,
    struct pad_sim_out *out)
{
	if (sim->m16 != nullptr)
		pad_drive(sim->m16->top, 16, in, out);
	else
		pad_drive(sim->m64->top, 64, in, out);
}
