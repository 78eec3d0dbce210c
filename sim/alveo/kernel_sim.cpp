// spisync -- Verilator glue for hw/alveo/spisync.v behind the C API of
// kernel_sim.h. Built once per RX_ASYNC value:
//   -DKTOP=<class> -DKTOP_HEADER="<class>.h" -DKTOP_ROOT_HEADER="<class>___024root.h"
//   -DKERNEL_OPS=<ops name> -DKERNEL_RX_ASYNC=<0|1>

#include "kernel_sim.h"

#include <cstring>
#include <deque>
#include <new>
#include <vector>

#include "host_mem.h"
#include "spisync_hw.h"
#include "verilated.h"
#include "vl_bytes.h"
#include "vl_host_mem.h"
#include KTOP_HEADER
#include KTOP_ROOT_HEADER


namespace {

// one per model; the C API's struct kernel_sim is this, cast (each build of
// this file has its own KTOP, so the type must not be shared between them)
struct model {
	VerilatedContext ctx;
	KTOP *top = nullptr;
	struct host_mem *hm = nullptr;
	bool hm_failed = false;             // the memory model ran out of memory
	uint64_t cycles = 0;                // ap_clk rising edges
	uint64_t next1_ps = KERNEL_SIM_AP_CLK_PS;
	uint64_t next2_ps = 1000;           // ap_clk_2: another phase, and drifting
	unsigned tx_ready_pct = 100;
	uint64_t rng = 1;
	std::deque<std::vector<uint8_t>> rx;    // frames for the receive MAC's stream
	size_t rx_off = 0;                      // bytes of rx.front() sent
	std::vector<uint8_t> tx_cur;
	std::deque<std::vector<uint8_t>> tx;    // frames out of m_axis_tx
};

uint64_t next_rand(model *sim)
{
	// xorshift64*: deterministic backpressure for a seed
	sim->rng ^= sim->rng >> 12;
	sim->rng ^= sim->rng << 25;
	sim->rng ^= sim->rng >> 27;
	return sim->rng * 0x2545F4914F6CDD1Dull;
}

bool in_reset(const KTOP *t)
{
	return !t->ap_rst_n || !t->ap_rst_n_2;
}

// the receive stream's inputs: the next beat of rx.front(), after an edge
void drive_rx(model *sim)
{
	KTOP *t = sim->top;
	uint8_t beat[KERNEL_SIM_BEAT] = {0};
	uint8_t keep[KERNEL_SIM_BEAT / 8] = {0};

	t->s_axis_rx_tvalid = 0;
	t->s_axis_rx_tlast = 0;
	t->s_axis_rx_tuser = 0;
	if (sim->rx.empty() || in_reset(t))
		return;
	const std::vector<uint8_t> &f = sim->rx.front();
	const size_t left = f.size() - sim->rx_off;
	const unsigned n = left < KERNEL_SIM_BEAT ? (unsigned)left : KERNEL_SIM_BEAT;
	memcpy(beat, f.data() + sim->rx_off, n);
	for (unsigned i = 0; i < n; i++)
		keep[i / 8] |= (uint8_t)(1u << (i % 8));
	vl_put_bytes(t->s_axis_rx_tdata, beat, KERNEL_SIM_BEAT);
	t->s_axis_rx_tkeep = 0;
	for (unsigned i = 0; i < KERNEL_SIM_BEAT / 8; i++)
		t->s_axis_rx_tkeep |= (uint64_t)keep[i] << (8 * i);
	t->s_axis_rx_tvalid = 1;
	t->s_axis_rx_tlast = n == left;
}

// one rising edge of the clock the MAC streams are on; the clock low and the
// inputs settled before, handshakes sampled there, inputs redrawn after
struct mac_sample {
	bool rx_went, rx_last;
};

mac_sample mac_before_edge(model *sim)
{
	KTOP *t = sim->top;
	mac_sample s;

	s.rx_went = t->s_axis_rx_tvalid && t->s_axis_rx_tready;
	s.rx_last = t->s_axis_rx_tlast;
	if (t->m_axis_tx_tvalid && t->m_axis_tx_tready) {
		uint8_t beat[KERNEL_SIM_BEAT];
		vl_get_bytes(t->m_axis_tx_tdata, beat, KERNEL_SIM_BEAT);
		const uint64_t keep = t->m_axis_tx_tkeep;
		for (unsigned i = 0; i < KERNEL_SIM_BEAT; i++)
			if ((keep >> i) & 1u)
				sim->tx_cur.push_back(beat[i]);
		if (t->m_axis_tx_tlast) {
			sim->tx.push_back(std::move(sim->tx_cur));
			sim->tx_cur.clear();
		}
	}
	return s;
}

void mac_after_edge(model *sim, const mac_sample &s)
{
	KTOP *t = sim->top;

	if (s.rx_went) {
		if (s.rx_last) {
			sim->rx.pop_front();
			sim->rx_off = 0;
		} else {
			sim->rx_off += KERNEL_SIM_BEAT;
		}
	}
	drive_rx(sim);
	t->m_axis_tx_tready = sim->tx_ready_pct >= 100 || next_rand(sim) % 100 < sim->tx_ready_pct;
}

void drive_host_mem(model *sim)
{
	vl_host_mem_drive(sim->top, sim->hm);
}

void clock_host_mem(model *sim)
{
	if (vl_host_mem_clock(sim->top, sim->hm) != 0)
		sim->hm_failed = true;
}

void clk2_edge(model *sim)
{
	KTOP *t = sim->top;

	t->ap_clk_2 = 0;
	t->eval();
	const mac_sample s = mac_before_edge(sim);
	t->ap_clk_2 = 1;
	t->eval();
	mac_after_edge(sim, s);
}

void clk1_edge(model *sim)
{
	KTOP *t = sim->top;
	mac_sample s = {false, false};

	t->ap_clk = 0;
	t->eval();
	clock_host_mem(sim);
	if (KERNEL_RX_ASYNC == 0)
		s = mac_before_edge(sim);
	t->ap_clk = 1;
	t->eval();
	sim->cycles++;
	drive_host_mem(sim);
	if (KERNEL_RX_ASYNC == 0)
		mac_after_edge(sim, s);
}

// to the next ap_clk rising edge, through the ap_clk_2 edges before it
void advance(model *sim)
{
	if (KERNEL_RX_ASYNC == 1) {
		while (sim->next2_ps <= sim->next1_ps) {
			clk2_edge(sim);
			sim->next2_ps += KERNEL_SIM_AP_CLK_2_PS;
		}
	}
	clk1_edge(sim);
	sim->next1_ps += KERNEL_SIM_AP_CLK_PS;
}

// this clock's outputs: the inputs settled, ap_clk low
void settle(KTOP *t)
{
	t->ap_clk = 0;
	t->eval();
}

void idle_axil(KTOP *t)
{
	t->s_axi_control_awvalid = 0;
	t->s_axi_control_wvalid = 0;
	t->s_axi_control_bready = 0;
	t->s_axi_control_arvalid = 0;
	t->s_axi_control_rready = 0;
	t->s_axi_control_wstrb = 0xF;
}

struct kernel_sim *op_create(const struct kernel_sim_cfg *cfg)
{
	if (cfg == nullptr || cfg->tx_ready_pct > 100)
		return nullptr;
	model *sim = new (std::nothrow) model;
	if (sim == nullptr)
		return nullptr;
	sim->top = new (std::nothrow) KTOP(&sim->ctx);
	struct host_mem_cfg hc;
	memset(&hc, 0, sizeof(hc));
	hc.base = cfg->host_mem_base;
	hc.size = cfg->host_mem_size;
	hc.write_latency = 300;             // about 1 us: a PCIe round trip
	hc.aw_ready_pct = 90;
	hc.w_ready_pct = 90;
	hc.max_pending = 32;
	hc.seed = cfg->seed;
	if (sim->top != nullptr)
		sim->hm = host_mem_create(&hc);
	if (sim->top == nullptr || sim->hm == nullptr) {
		delete sim->top;
		delete sim;
		return nullptr;
	}
	sim->tx_ready_pct = cfg->tx_ready_pct;
	sim->rng = cfg->seed | 1u;
	KTOP *t = sim->top;
	idle_axil(t);
	t->ap_clk = 0;
	t->ap_clk_2 = 0;
	t->ap_rst_n = 0;
	t->ap_rst_n_2 = 0;
	t->m_axi_ev_arready = 0;
	t->m_axi_ev_rvalid = 0;
	t->m_axi_ev_rlast = 0;
	t->m_axi_ev_rresp = 0;
	t->m_axis_tx_tready = 1;
	drive_rx(sim);
	drive_host_mem(sim);
	t->eval();
	return reinterpret_cast<struct kernel_sim *>(sim);
}

void op_destroy(struct kernel_sim *handle)
{
	model *sim = reinterpret_cast<model *>(handle);
	if (sim == nullptr)
		return;
	sim->top->final();
	delete sim->top;
	host_mem_destroy(sim->hm);
	delete sim;
}

void op_reset(struct kernel_sim *handle, unsigned cycles)
{
	model *sim = reinterpret_cast<model *>(handle);
	KTOP *t = sim->top;

	idle_axil(t);
	t->ap_rst_n = 0;
	t->ap_rst_n_2 = 0;
	drive_rx(sim);
	for (unsigned i = 0; i < cycles; i++)
		advance(sim);
	t->ap_rst_n = 1;
	t->ap_rst_n_2 = 1;
	drive_rx(sim);
}

void op_step(struct kernel_sim *handle, uint64_t cycles)
{
	model *sim = reinterpret_cast<model *>(handle);
	for (uint64_t i = 0; i < cycles; i++)
		advance(sim);
}

uint64_t op_cycles(const struct kernel_sim *handle)
{
	const model *sim = reinterpret_cast<const model *>(handle);
	return sim->cycles;
}

int op_read(struct kernel_sim *handle, uint16_t offset, uint32_t *value, uint64_t max_cycles)
{
	model *sim = reinterpret_cast<model *>(handle);
	KTOP *t = sim->top;
	bool addr_done = false;

	t->s_axi_control_araddr = offset;
	t->s_axi_control_arvalid = 1;
	t->s_axi_control_rready = 1;
	for (uint64_t n = 0; n < max_cycles; n++) {
		settle(t);
		const bool ar = t->s_axi_control_arvalid && t->s_axi_control_arready;
		const bool r = addr_done && t->s_axi_control_rvalid;
		if (!addr_done && t->s_axi_control_rvalid)
			break;                  // a response to a read not yet made: misrouted
		const uint32_t data = t->s_axi_control_rdata;
		const uint32_t rresp = t->s_axi_control_rresp;
		advance(sim);
		if (ar) {
			addr_done = true;
			t->s_axi_control_arvalid = 0;
		}
		if (r) {
			t->s_axi_control_rready = 0;
			*value = data;
			return rresp == 0 ? 0 : -1;
		}
	}
	idle_axil(t);
	return -1;
}

int op_write(struct kernel_sim *handle, uint16_t offset, uint32_t value, uint64_t max_cycles)
{
	model *sim = reinterpret_cast<model *>(handle);
	KTOP *t = sim->top;
	bool aw_done = false, w_done = false;

	t->s_axi_control_awaddr = offset;
	t->s_axi_control_awvalid = 1;
	t->s_axi_control_wdata = value;
	t->s_axi_control_wstrb = 0xF;
	t->s_axi_control_wvalid = 1;
	t->s_axi_control_bready = 1;
	for (uint64_t n = 0; n < max_cycles; n++) {
		settle(t);
		const bool aw = t->s_axi_control_awvalid && t->s_axi_control_awready;
		const bool w = t->s_axi_control_wvalid && t->s_axi_control_wready;
		const bool b = aw_done && w_done && t->s_axi_control_bvalid;
		if (!(aw_done && w_done) && t->s_axi_control_bvalid)
			break;                  // a response to a write not yet made: misrouted
		const uint32_t bresp = t->s_axi_control_bresp;
		advance(sim);
		if (aw) {
			aw_done = true;
			t->s_axi_control_awvalid = 0;
		}
		if (w) {
			w_done = true;
			t->s_axi_control_wvalid = 0;
		}
		if (b) {
			t->s_axi_control_bready = 0;
			return bresp == 0 ? 0 : -1;
		}
	}
	idle_axil(t);
	return -1;
}

int op_send(struct kernel_sim *handle, const uint8_t *frame, size_t len)
{
	model *sim = reinterpret_cast<model *>(handle);
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

size_t op_rx_queued(const struct kernel_sim *handle)
{
	const model *sim = reinterpret_cast<const model *>(handle);
	return sim->rx.size();
}

void op_set_tx_ready(struct kernel_sim *handle, unsigned pct)
{
	model *sim = reinterpret_cast<model *>(handle);
	sim->tx_ready_pct = pct > 100 ? 100 : pct;
}

int op_recv(struct kernel_sim *handle, uint8_t *frame, size_t cap, size_t *len)
{
	model *sim = reinterpret_cast<model *>(handle);
	if (sim->tx.empty())
		return 0;
	const std::vector<uint8_t> &f = sim->tx.front();
	if (f.size() > cap)
		return -1;
	memcpy(frame, f.data(), f.size());
	*len = f.size();
	sim->tx.pop_front();
	return 1;
}

const uint8_t *op_host_mem(const struct kernel_sim *handle)
{
	const model *sim = reinterpret_cast<const model *>(handle);
	return host_mem_data(sim->hm);
}

uint64_t op_host_mem_protocol_errors(const struct kernel_sim *handle)
{
	const model *sim = reinterpret_cast<const model *>(handle);
	return host_mem_protocol_errors(sim->hm) + (sim->hm_failed ? 1u : 0u);
}

void op_probe(const struct kernel_sim *handle, uint32_t *pc, uint32_t *mcause, uint32_t *mepc,
    uint32_t *instret)
{
	const model *sim = reinterpret_cast<const model *>(handle);
	const auto *r = sim->top->rootp;

	*pc = r->spisync__DOT__u_ctl__DOT__u_cpu__DOT__u_core__DOT__pc;
	*mcause = r->spisync__DOT__u_ctl__DOT__u_cpu__DOT__u_core__DOT__mcause;
	*mepc = (uint32_t)r->spisync__DOT__u_ctl__DOT__u_cpu__DOT__u_core__DOT__mepc << 1;
	*instret = (uint32_t)r->spisync__DOT__u_ctl__DOT__u_cpu__DOT__u_core__DOT__minstret;
}

}  // namespace

extern "C" const struct kernel_sim_ops KERNEL_OPS = {
	KERNEL_RX_ASYNC,
	op_create, op_destroy, op_reset, op_step, op_cycles,
	op_read, op_write, op_send, op_rx_queued, op_set_tx_ready, op_recv,
	op_host_mem, op_host_mem_protocol_errors, op_probe,
};
