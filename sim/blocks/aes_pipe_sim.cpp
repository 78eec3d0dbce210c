// spisync -- Verilator glue for aes_enc_pipe (STATES = 2, SIDE_WIDTH = 32).

#include "blocks_sim.h"

#include "be_blocks.h"
#include "verilated.h"
#include "vl_sim.h"
#include "Vaes_enc_pipe_t.h"

struct aes_pipe_sim {
	VerilatedContext ctx;
	Vaes_enc_pipe_t *top;
};

extern "C" struct aes_pipe_sim *aes_pipe_sim_create(void)
{
	aes_pipe_sim *sim = vl_sim_create<aes_pipe_sim, Vaes_enc_pipe_t>();
	if (sim == nullptr)
		return nullptr;
	sim->top->clk = 0;
	sim->top->rst = 1;
	for (int i = 0; i < 4; i++) {
		sim->top->clk = 0;
		sim->top->eval();
		sim->top->clk = 1;
		sim->top->eval();
	}
	sim->top->rst = 0;
	return sim;
}

extern "C" void aes_pipe_sim_destroy(struct aes_pipe_sim *sim)
{
	vl_sim_destroy(sim);
}

extern "C" void aes_pipe_sim_cycle(struct aes_pipe_sim *sim, bool valid,
    const uint8_t key[32], bool aes256,
    const uint8_t blocks[AES_PIPE_SIM_STATES * 16], uint32_t side,
    bool *out_valid, uint8_t out_blocks[AES_PIPE_SIM_STATES * 16],
    uint32_t *out_side)
{
	Vaes_enc_pipe_t *t = sim->top;

	t->in_valid = valid;
	uint8_t key_le[32];
	for (unsigned i = 0; i < 32; i++)
		key_le[31 - i] = key[i];        // a 256-bit big-endian value
	vl_put_bytes(t->in_key, key_le, 32);
	t->in_aes256 = aes256;
	be_put_blocks(t->in_block, blocks, AES_PIPE_SIM_STATES);
	t->in_side = side;
	t->clk = 0;
	t->eval();
	t->clk = 1;
	t->eval();
	*out_valid = t->out_valid;
	be_get_blocks(t->out_block, out_blocks, AES_PIPE_SIM_STATES);
	*out_side = t->out_side;
}
