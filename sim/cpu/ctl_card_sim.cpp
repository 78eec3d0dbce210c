// spisync -- Verilator glue for ctl_card_top behind the C API of ctl_card_sim.h.

#include "ctl_card_sim.h"

#include <cstring>
#include <deque>
#include <new>
#include <vector>

#include "spisync_hw.h"
#include "verilated.h"
#include "vl_bytes.h"
#include "vl_sim.h"
#include "Vctl_card_top_t.h"
#include "Vctl_card_top_t___024root.h"

namespace {

const unsigned BEAT = 16;   // 128-bit streams

struct host_frame {
	std::vector<uint8_t> data;
	uint8_t outcome;
};

}  // namespace

struct ctl_card_sim {
	VerilatedContext ctx;
	Vctl_card_top_t *top;
	uint64_t cycles;
	std::deque<std::vector<uint8_t>> rx;     // frames waiting for the wire
	size_t rx_off;                           // bytes of rx.front() sent
	std::vector<uint8_t> host_cur;
	std::deque<host_frame> host;

	ctl_card_sim() : top(nullptr), cycles(0), rx_off(0) {}
};

// the receive stream's inputs for this clock: the next beat of rx.front()
static void drive_rx(ctl_card_sim *sim)
{
	Vctl_card_top_t *t = sim->top;
	uint8_t beat[BEAT] = {0};
	uint8_t keep[BEAT / 8] = {0};

	t->s_axis_rx_tvalid = 0;
	t->s_axis_rx_tlast = 0;
	if (sim->rx.empty() || t->rst)
		return;
	const std::vector<uint8_t> &f = sim->rx.front();
	const size_t left = f.size() - sim->rx_off;
	const unsigned n = left < BEAT ? (unsigned)left : BEAT;
	memcpy(beat, f.data() + sim->rx_off, n);
	const uint32_t kv = n == 32 ? 0xFFFFFFFFu : ((1u << n) - 1u);
	for (unsigned i = 0; i < BEAT / 8; i++)
		keep[i] = (uint8_t)(kv >> (8 * i));
	vl_put_bytes(t->s_axis_rx_tdata, beat, BEAT);
	vl_put_bytes(t->s_axis_rx_tkeep, keep, BEAT / 8);
	t->s_axis_rx_tvalid = 1;
	t->s_axis_rx_tlast = n == left;
}

static void sample_host(ctl_card_sim *sim)
{
	Vctl_card_top_t *t = sim->top;
	uint8_t beat[BEAT];
	uint8_t keep[BEAT / 8];

	if (!t->m_axis_host_tvalid)
		return;                              // tready is 1 in the top
	vl_get_bytes(t->m_axis_host_tdata, beat, BEAT);
	vl_get_bytes(t->m_axis_host_tkeep, keep, BEAT / 8);
	for (unsigned i = 0; i < BEAT; i++)
		if (keep[i / 8] & (1u << (i % 8)))
			sim->host_cur.push_back(beat[i]);
	if (t->m_axis_host_tlast) {
		host_frame h;
		h.data.swap(sim->host_cur);
		h.outcome = (uint8_t)((uint64_t)t->m_axis_host_tuser >> SPISYNC_TUSER_OUTCOME_LSB);
		sim->host.push_back(std::move(h));
		sim->host_cur.clear();
	}
}

static void idle_inputs(Vctl_card_top_t *t)
{
	t->s_axil_awvalid = 0;
	t->s_axil_wvalid = 0;
	t->s_axil_bready = 0;
	t->s_axil_arvalid = 0;
	t->s_axil_rready = 0;
}

extern "C" struct ctl_card_sim *ctl_card_sim_create(void)
{
	ctl_card_sim *sim = vl_sim_create<ctl_card_sim, Vctl_card_top_t>();
	if (sim == nullptr)
		return nullptr;
	idle_inputs(sim->top);
	vl_sim_hold_reset(sim->top);
	return sim;
}

extern "C" void ctl_card_sim_destroy(struct ctl_card_sim *sim)
{
	vl_sim_destroy(sim);
}

// One clock: this clock's stream beat and host sample, the edge, the next beat.
static void edge(ctl_card_sim *sim)
{
	Vctl_card_top_t *t = sim->top;

	t->clk = 0;
	t->eval();
	sample_host(sim);
	const bool beat_went = t->s_axis_rx_tvalid;
	const bool was_last = t->s_axis_rx_tlast;
	t->clk = 1;
	t->eval();
	sim->cycles++;
	if (beat_went) {
		if (was_last) {
			sim->rx.pop_front();
			sim->rx_off = 0;
		} else {
			sim->rx_off += BEAT;
		}
	}
	drive_rx(sim);
}

extern "C" void ctl_card_sim_reset(struct ctl_card_sim *sim, unsigned cycles)
{
	idle_inputs(sim->top);
	sim->top->rst = 1;
	for (unsigned i = 0; i < cycles; i++)
		edge(sim);
	sim->top->rst = 0;
	drive_rx(sim);
}

extern "C" int ctl_card_sim_send(struct ctl_card_sim *sim, const uint8_t *frame, size_t len)
{
	if (len == 0)
		return -1;
	try {
		sim->rx.emplace_back(frame, frame + len);
	} catch (const std::bad_alloc &) {
		return -1;
	}
	if (sim->rx.size() == 1)
		drive_rx(sim);
	return 0;
}

extern "C" int ctl_card_sim_recv(struct ctl_card_sim *sim, uint8_t *frame, size_t cap, size_t *len,
    uint8_t *outcome)
{
	if (sim->host.empty())
		return 0;
	const host_frame &h = sim->host.front();
	if (h.data.size() > cap)
		return -1;
	memcpy(frame, h.data.data(), h.data.size());
	*len = h.data.size();
	*outcome = h.outcome;
	sim->host.pop_front();
	return 1;
}

extern "C" void ctl_card_sim_step(struct ctl_card_sim *sim, uint64_t cycles)
{
	for (uint64_t i = 0; i < cycles; i++)
		edge(sim);
}

// the outputs of this clock: inputs settled, clock low
static void settle(Vctl_card_top_t *t)
{
	t->clk = 0;
	t->eval();
}

extern "C" int ctl_card_sim_read(struct ctl_card_sim *sim, uint16_t offset, uint32_t *value,
    uint64_t max_cycles)
{
	Vctl_card_top_t *t = sim->top;
	bool addr_done = false;

	t->s_axil_araddr = offset;
	t->s_axil_arvalid = 1;
	t->s_axil_rready = 1;
	for (uint64_t n = 0; n < max_cycles; n++) {
		settle(t);
		bool ar = t->s_axil_arvalid && t->s_axil_arready;
		bool r = addr_done && t->s_axil_rvalid;
		if (!addr_done && t->s_axil_rvalid)
			break;                  // a response to a read not yet made: misrouted
		if (r)
			*value = t->s_axil_rdata;
		edge(sim);
		if (ar) {
			addr_done = true;
			t->s_axil_arvalid = 0;
		}
		if (r) {
			t->s_axil_rready = 0;
			return t->s_axil_rresp == 0 ? 0 : -1;
		}
	}
	idle_inputs(t);
	return -1;
}

extern "C" int ctl_card_sim_write(struct ctl_card_sim *sim, uint16_t offset, uint32_t value,
    uint64_t max_cycles)
{
	Vctl_card_top_t *t = sim->top;
	bool aw_done = false, w_done = false;

	t->s_axil_awaddr = offset;
	t->s_axil_awvalid = 1;
	t->s_axil_wdata = value;
	t->s_axil_wvalid = 1;
	t->s_axil_bready = 1;
	for (uint64_t n = 0; n < max_cycles; n++) {
		settle(t);
		bool aw = t->s_axil_awvalid && t->s_axil_awready;
		bool w = t->s_axil_wvalid && t->s_axil_wready;
		bool b = aw_done && w_done && t->s_axil_bvalid;
		if (!(aw_done && w_done) && t->s_axil_bvalid)
			break;                  // a response to a write not yet made: misrouted
		uint32_t bresp = t->s_axil_bresp;
		edge(sim);
		if (aw) {
			aw_done = true;
			t->s_axil_awvalid = 0;
		}
		if (w) {
			w_done = true;
			t->s_axil_wvalid = 0;
		}
		if (b) {
			t->s_axil_bready = 0;
			return bresp == 0 ? 0 : -1;
		}
	}
	idle_inputs(t);
	return -1;
}

extern "C" uint64_t ctl_card_sim_cycles(const struct ctl_card_sim *sim)
{
	return sim->cycles;
}

extern "C" void ctl_card_sim_probe(const struct ctl_card_sim *sim, struct ctl_card_probe *p)
{
	const Vctl_card_top_t___024root *r = sim->top->rootp;

	p->pc = r->ctl_card_top__DOT__u_ctl__DOT__u_cpu__DOT__u_core__DOT__pc;
	p->mcause = r->ctl_card_top__DOT__u_ctl__DOT__u_cpu__DOT__u_core__DOT__mcause;
	p->mepc = (uint32_t)r->ctl_card_top__DOT__u_ctl__DOT__u_cpu__DOT__u_core__DOT__mepc << 1;
	p->instret = (uint32_t)r->ctl_card_top__DOT__u_ctl__DOT__u_cpu__DOT__u_core__DOT__minstret;
}
