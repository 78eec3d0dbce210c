// spisync -- Verilator glue for spisync_card behind the C API of card_sim.h.
// Built once per data width: the build defines CARD_WIDTH, VTOP (the
// Verilated class), VTOP_HEADER and CARD_OPS (the name of the ops table
// that card_sim.c picks from).
//
// Every clock: inputs for the clock are set, the model settles with clk low,
// outputs are sampled (a handshake happens when valid and ready are both
// high now), then the rising edge.

#include "card_sim_ops.h"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <new>
#include <vector>

#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include VTOP_HEADER
// the root class too: gate_time_ok() reads registers inside the card
#define CARD_STR2(x) #x
#define CARD_STR(x) CARD_STR2(x)
#define CARD_PASTE2(a, b) a##b
#define CARD_PASTE(a, b) CARD_PASTE2(a, b)
#include CARD_STR(CARD_PASTE(VTOP, ___024root).h)

#include "spisync_hw.h"
#include "host_mem.h"
#include "vl_host_mem.h"

namespace {

const unsigned BYTES = CARD_WIDTH / 8;

struct wire_frame {
	std::vector<uint8_t> data;
	bool mac_err;
};

struct host_frame {
	std::vector<uint8_t> data;
	uint8_t outcome;
	uint16_t sa_index;
	uint16_t rx_seq;
};

struct model {
	VerilatedContext ctx;
	VTOP *top;
	uint64_t cycles;
	uint64_t wire_beats;

	std::deque<wire_frame> wire;
	size_t wire_off;          // bytes of wire.front() already sent
	unsigned gap;             // idle clocks between frames
	unsigned gap_left;
	unsigned overflow_left;   // rx_overflow pulses still to give

	unsigned host_ready_pct;
	uint64_t rng;

	std::vector<uint8_t> host_cur;
	uint64_t host_cur_user;
	std::deque<host_frame> host;
	bool protocol_error;

	// host memory behind the card's event-ring AXI4 master
	struct host_mem *hm;
	// clock at which each frame's first beat went on the wire, by arrival
	std::vector<uint64_t> starts;
	bool keep_starts;

	// AXI-Lite handshakes seen in the last clock
	bool ar_done, r_done, aw_done, b_done;
	uint32_t r_data;
};

uint64_t next_rand(model *m)
{
	// splitmix64: only for the host's ready pattern
	uint64_t z = (m->rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void drive_wire(model *m)
{
	VTOP *t = m->top;
	t->rx_overflow = m->overflow_left > 0;
	if (m->overflow_left > 0)
		m->overflow_left--;
	t->s_axis_rx_tvalid = 0;
	t->s_axis_rx_tlast = 0;
	t->s_axis_rx_tuser = 0;
	if (m->wire.empty())
		return;
	if (m->wire_off == 0 && m->gap_left > 0) {
		m->gap_left--;
		return;
	}
	const wire_frame &f = m->wire.front();
	const size_t left = f.data.size() - m->wire_off;
	const unsigned n = left < BYTES ? (unsigned)left : BYTES;
	uint8_t beat[BYTES];
	memset(beat, 0, sizeof(beat));
	memcpy(beat, f.data.data() + m->wire_off, n);
	vl_put_bytes(t->s_axis_rx_tdata, beat, BYTES);
	uint8_t keep[8] = {0};
	uint64_t kv = n == 64 ? UINT64_MAX : (((uint64_t)1 << n) - 1);
	for (unsigned i = 0; i < 8; i++)
		keep[i] = (uint8_t)(kv >> (8 * i));
	vl_put_bytes(t->s_axis_rx_tkeep, keep, BYTES / 8);
	t->s_axis_rx_tvalid = 1;
	t->s_axis_rx_tlast = n == left;
	t->s_axis_rx_tuser = (n == left) && f.mac_err;
}

void wire_advance(model *m)
{
	VTOP *t = m->top;
	if (!t->s_axis_rx_tvalid)
		return;
	if (m->wire_off == 0 && m->keep_starts)
		m->starts.push_back(m->cycles);
	m->wire_beats++;
	if (t->s_axis_rx_tlast) {
		m->wire.pop_front();
		m->wire_off = 0;
		m->gap_left = m->gap;
	} else {
		m->wire_off += BYTES;
	}
}

uint64_t field(uint64_t v, unsigned lsb, unsigned width)
{
	return (v >> lsb) & ((width >= 64) ? UINT64_MAX : (((uint64_t)1 << width) - 1));
}

void sample_host(model *m)
{
	VTOP *t = m->top;
	if (!(t->m_axis_host_tvalid && t->m_axis_host_tready))
		return;
	uint8_t beat[BYTES];
	vl_get_bytes(t->m_axis_host_tdata, beat, BYTES);
	uint8_t keep[8];
	vl_get_bytes(t->m_axis_host_tkeep, keep, BYTES / 8);
	for (unsigned i = 0; i < BYTES; i++)
		if (keep[i / 8] & (1u << (i % 8)))
			m->host_cur.push_back(beat[i]);
	m->host_cur_user = (uint64_t)t->m_axis_host_tuser;
	if (t->m_axis_host_tlast) {
		host_frame h;
		h.data.swap(m->host_cur);
		h.outcome = (uint8_t)field(m->host_cur_user, SPISYNC_TUSER_OUTCOME_LSB, SPISYNC_TUSER_OUTCOME_WIDTH);
		h.sa_index = (uint16_t)field(m->host_cur_user, SPISYNC_TUSER_SA_INDEX_LSB, SPISYNC_TUSER_SA_INDEX_WIDTH);
		h.rx_seq = (uint16_t)field(m->host_cur_user, SPISYNC_TUSER_RX_SEQ_LSB, SPISYNC_TUSER_RX_SEQ_WIDTH);
		m->host.push_back(std::move(h));
		m->host_cur.clear();
	}
}

// the event ring's AXI4 write channels against the host memory model
void drive_host_mem(model *m)
{
	vl_host_mem_drive(m->top, m->hm);
}

void clock_host_mem(model *m)
{
	// out of memory in the model: results can no longer be trusted
	if (vl_host_mem_clock(m->top, m->hm) != 0)
		m->protocol_error = true;
}

// event_gate decides a clock early whether the EVENTS_LOST record is due,
// from the card time and EVENT_LOST_NS card_regs says they will have: its
// registered compare must be the one the card's time and register give in
// the clock it is used (not after a reset clock: the gate resets instead). Checked every clock
// whether or not a record is pending, so that every TIME_ADJUST, TIME_INC
// and EVENT_LOST_NS write of every test checks the lookahead. The gate's
// EVENT_LOST_NS is the register as it was before the edge (lost_ns: a write
// reaches the gate a clock after the register).
bool gate_time_ok(const VTOP *t, uint32_t lost_ns)
{
	const auto *r = t->rootp;
	const auto &acc = r->spisync_card__DOT__u_regs__DOT__time_acc;
	const uint64_t now = (uint64_t)(acc[0] >> 24) | (uint64_t)acc[1] << 8 |
	    (uint64_t)acc[2] << 40;
	const uint64_t last = r->spisync_card__DOT__u_gate__DOT__last_lost_time;
	const unsigned far2 = r->spisync_card__DOT__u_gate__DOT__lost_wr_q ?
	    r->spisync_card__DOT__u_gate__DOT__far_b_q :
	    r->spisync_card__DOT__u_gate__DOT__far_a_q;
	const bool far = (far2 >> r->spisync_card__DOT__u_gate__DOT__ci_q) & 1;
	return far == (now - last >= lost_ns);
}

// one clock with whatever AXI-Lite inputs the caller set
void cycle(model *m)
{
	VTOP *t = m->top;
	drive_wire(m);
	t->m_axis_host_tready = m->host_ready_pct >= 100
	    || (next_rand(m) % 100) < m->host_ready_pct;
	drive_host_mem(m);
	t->clk = 0;
	t->eval();
	sample_host(m);
	clock_host_mem(m);
	wire_advance(m);
	m->ar_done = t->s_axil_arvalid && t->s_axil_arready;
	m->r_done = t->s_axil_rvalid && t->s_axil_rready;
	m->r_data = t->s_axil_rdata;
	m->aw_done = t->s_axil_awvalid && t->s_axil_awready;
	m->b_done = t->s_axil_bvalid && t->s_axil_bready;
	if (t->protocol_error)
		m->protocol_error = true;
	const uint32_t lost_ns = t->rootp->spisync_card__DOT__u_regs__DOT__ev_lost_ns;
	t->clk = 1;
	t->eval();
	m->cycles++;
	if (!t->rst && !gate_time_ok(t, lost_ns))
		m->protocol_error = true;
}

void idle_axil(VTOP *t)
{
	t->s_axil_awvalid = 0;
	t->s_axil_wvalid = 0;
	t->s_axil_bready = 0;
	t->s_axil_arvalid = 0;
	t->s_axil_rready = 0;
	t->s_axil_wstrb = 0xF;
}

} // namespace

// host_mem_buf NULL: the host memory model allocates its own
static void *create_model(uint8_t *host_mem_buf, size_t host_mem_size)
{
	model *m = vl_sim_create<model, VTOP>();
	if (m == nullptr)
		return nullptr;
	m->cycles = 0;
	m->wire_beats = 0;
	m->wire_off = 0;
	m->gap = 0;
	m->gap_left = 0;
	m->overflow_left = 0;
	m->host_ready_pct = 100;
	m->rng = 1;
	m->host_cur_user = 0;
	m->protocol_error = false;
	m->keep_starts = true;
	struct host_mem_cfg hc;
	memset(&hc, 0, sizeof(hc));
	hc.base = CARD_SIM_HOST_MEM_BASE;
	hc.size = host_mem_buf != nullptr ? host_mem_size : CARD_SIM_HOST_MEM_SIZE;
	hc.write_latency = 8;
	hc.aw_ready_pct = 100;
	hc.w_ready_pct = 100;
	hc.max_pending = 64;
	hc.seed = 1;
	m->hm = host_mem_buf != nullptr ? host_mem_create_on(&hc, host_mem_buf) :
	    host_mem_create(&hc);
	if (m->hm == nullptr) {
		vl_sim_destroy(m);
		return nullptr;
	}
	idle_axil(m->top);
	m->top->rst = 1;
	m->top->clk = 0;
	m->top->eval();
	return m;
}

static void *op_create(void)
{
	return create_model(nullptr, 0);
}

static void *op_create_on(uint8_t *host_mem_buf, size_t host_mem_size)
{
	if (host_mem_buf == nullptr)
		return nullptr;
	return create_model(host_mem_buf, host_mem_size);
}

static void op_destroy(void *p)
{
	model *m = static_cast<model *>(p);
	host_mem_destroy(m->hm);
	vl_sim_destroy(m);
}

static unsigned op_width(void)
{
	return CARD_WIDTH;
}

static void op_reset(void *p)
{
	model *m = static_cast<model *>(p);
	m->wire.clear();
	m->wire_off = 0;
	m->gap_left = 0;
	m->overflow_left = 0;
	m->host.clear();
	m->host_cur.clear();
	m->starts.clear();
	m->protocol_error = false;
	idle_axil(m->top);
	m->top->rst = 1;
	for (int i = 0; i < 8; i++)
		cycle(m);
	m->top->rst = 0;
	// the reset cleared the arrival numbers
	m->starts.clear();
}

static uint32_t op_mmio_read(void *p, uint32_t offset)
{
	model *m = static_cast<model *>(p);
	VTOP *t = m->top;
	t->s_axil_araddr = offset & 0xFFFF;
	t->s_axil_arvalid = 1;
	t->s_axil_rready = 1;
	for (int guard = 0; guard < 1000; guard++) {
		cycle(m);
		if (m->ar_done)
			t->s_axil_arvalid = 0;
		if (m->r_done) {
			idle_axil(t);
			return m->r_data;
		}
	}
	idle_axil(t);
	return 0xFFFFFFFFu;
}

static void op_mmio_write(void *p, uint32_t offset, uint32_t value)
{
	model *m = static_cast<model *>(p);
	VTOP *t = m->top;
	t->s_axil_awaddr = offset & 0xFFFF;
	t->s_axil_wdata = value;
	t->s_axil_awvalid = 1;
	t->s_axil_wvalid = 1;
	t->s_axil_bready = 1;
	for (int guard = 0; guard < 1000; guard++) {
		cycle(m);
		if (m->aw_done) {
			t->s_axil_awvalid = 0;
			t->s_axil_wvalid = 0;
		}
		if (m->b_done)
			break;
	}
	idle_axil(t);
}

static int op_push_frame(void *p, const uint8_t *data, size_t len, bool mac_err)
{
	model *m = static_cast<model *>(p);
	try {
		wire_frame f;
		f.data.assign(data, data + len);
		f.mac_err = mac_err;
		m->wire.push_back(std::move(f));
	} catch (const std::bad_alloc &) {
		return -1;
	}
	return 0;
}

static void op_set_gap(void *p, unsigned clocks)
{
	model *m = static_cast<model *>(p);
	m->gap = clocks;
}

static void op_set_host_ready(void *p, unsigned percent, uint64_t seed)
{
	model *m = static_cast<model *>(p);
	m->host_ready_pct = percent > 100 ? 100 : percent;
	m->rng = seed;
}

static void op_step(void *p, uint64_t clocks)
{
	model *m = static_cast<model *>(p);
	for (uint64_t i = 0; i < clocks; i++)
		cycle(m);
}

static bool op_busy(void *p)
{
	model *m = static_cast<model *>(p);
	return !m->wire.empty() || m->top->busy;
}

static int op_pull_host(void *p, struct card_host_frame *out)
{
	model *m = static_cast<model *>(p);
	if (m->host.empty())
		return 0;
	const host_frame &h = m->host.front();
	const size_t n = h.data.size() < sizeof(out->data) ? h.data.size() : sizeof(out->data);
	memcpy(out->data, h.data.data(), n);
	out->len = n;
	out->outcome = h.outcome;
	out->sa_index = h.sa_index;
	out->rx_seq = h.rx_seq;
	m->host.pop_front();
	return 1;
}

static struct host_mem *op_host_mem(void *p)
{
	return static_cast<model *>(p)->hm;
}

static bool op_frame_start(const void *p, uint64_t arrival, uint64_t *cycle)
{
	const model *m = static_cast<const model *>(p);
	if (arrival >= m->starts.size())
		return false;
	*cycle = m->starts[arrival];
	return true;
}

static void op_keep_frame_starts(void *p, bool keep)
{
	model *m = static_cast<model *>(p);
	m->keep_starts = keep;
	if (!keep) {
		m->starts.clear();
		m->starts.shrink_to_fit();
	}
}

static void op_rx_overflow(void *p, unsigned n)
{
	model *m = static_cast<model *>(p);
	m->overflow_left += n;
}

static uint64_t op_cycles(const void *p)
{
	return static_cast<const model *>(p)->cycles;
}

static uint64_t op_wire_beats(const void *p)
{
	return static_cast<const model *>(p)->wire_beats;
}

static bool op_protocol_error(const void *p)
{
	return static_cast<const model *>(p)->protocol_error;
}

extern "C" const struct card_sim_ops CARD_OPS = {
	op_create, op_destroy, op_width, op_reset, op_mmio_read, op_mmio_write,
	op_push_frame, op_set_gap, op_set_host_ready, op_step, op_busy,
	op_pull_host, op_host_mem, op_frame_start, op_cycles, op_wire_beats,
	op_protocol_error, op_create_on, op_keep_frame_starts, op_rx_overflow,
};
