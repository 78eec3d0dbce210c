// spisync -- Verilator glue for esp_parser behind the C API of parser_sim.h.

#include "parser_sim.h"

#include <cstring>
#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include "Vesp_parser_t.h"

struct parser_sim {
	VerilatedContext ctx;
	Vesp_parser_t *top;
	uint64_t cycles;
};

static void clock_edge(struct parser_sim *sim)
{
	sim->top->clk = 0;
	sim->top->eval();
	sim->top->clk = 1;
	sim->top->eval();
	sim->cycles++;
}

static void drive_idle(Vesp_parser_t *t)
{
	static const uint8_t zero[PARSER_SIM_HDR_BYTES] = { 0 };

	t->in_valid = 0;
	vl_put_bytes(t->in_hdr, zero, PARSER_SIM_HDR_BYTES);
	t->in_len = 0;
	t->in_mac_err = 0;
	t->in_user = 0;
}

extern "C" struct parser_sim *parser_sim_create(void)
{
	parser_sim *sim = vl_sim_create<parser_sim, Vesp_parser_t>();
	if (sim == nullptr)
		return nullptr;
	sim->cycles = 0;
	sim->top->clk = 0;
	sim->top->rst = 1;
	drive_idle(sim->top);
	sim->top->eval();
	return sim;
}

extern "C" void parser_sim_destroy(struct parser_sim *sim)
{
	vl_sim_destroy(sim);
}

extern "C" void parser_sim_reset(struct parser_sim *sim)
{
	drive_idle(sim->top);
	sim->top->rst = 1;
	for (int i = 0; i < 8; i++)
		clock_edge(sim);
	sim->top->rst = 0;
}

extern "C" void parser_sim_cycle(struct parser_sim *sim,
    const struct parser_sim_in *in, struct parser_sim_out *out)
{
	Vesp_parser_t *t = sim->top;

	if (in != nullptr && in->valid) {
		t->in_valid = 1;
		vl_put_bytes(t->in_hdr, in->hdr, PARSER_SIM_HDR_BYTES);
		t->in_len = in->len & 0x3fff;
		t->in_mac_err = in->mac_err;
		t->in_user = in->user;
	} else {
		t->in_valid = 0;
	}

	clock_edge(sim);

	if (out == nullptr)
		return;
	memset(out, 0, sizeof(*out));
	out->valid = t->out_valid;
	out->user = t->out_user;
	out->esp = t->out_esp;
	out->reason = t->out_reason;
	out->vlan = t->out_vlan;
	out->ipv6 = t->out_ipv6;
	out->udp = t->out_udp;
	out->l2_len = t->out_l2_len;
	out->l3_hdr_len = t->out_l3_hdr_len;
	out->esp_off = t->out_esp_off;
	out->esp_len = t->out_esp_len;
	vl_get_bytes(t->out_src, out->src, 16);
	vl_get_bytes(t->out_dst, out->dst, 16);
	out->sport = t->out_sport;
	out->dport = t->out_dport;
	out->spi = t->out_spi;
	out->seq = t->out_seq;
	vl_get_bytes(t->out_iv, out->iv, 8);
	out->v4_csum_base = t->out_v4_csum_base;
}

extern "C" uint64_t parser_sim_cycles(const struct parser_sim *sim)
{
	return sim->cycles;
}

extern "C" void parser_sim_load_frame(struct parser_sim_in *in,
    const uint8_t *frame, size_t len)
{
	const size_t n = len < PARSER_SIM_HDR_BYTES ? len : PARSER_SIM_HDR_BYTES;

	memset(in->hdr, 0, sizeof(in->hdr));
	if (n > 0)
		memcpy(in->hdr, frame, n);
	in->len = (uint16_t)len;
}
