// spisync -- Verilator glue for the commit stage's test top behind the C API
// of commit_sim.h. Built once per datapath width: the build defines
// COMMIT_BYTES, VTOP (the Verilated class), VTOP_HEADER and COMMIT_OPS (the
// name of the ops table).

#include "commit_sim.h"

#include <cstring>
#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include VTOP_HEADER

namespace {

struct model {
	VerilatedContext ctx;
	VTOP *top;
};

void drive(VTOP *t, const commit_sim_in *in)
{
	const commit_sim_job *j = &in->job;

	t->c_tvalid = in->c_valid;
	t->c_tlast = in->c_last;
	t->c_auth_ok = in->c_auth_ok;
	t->c_token = in->c_token;
	t->c_bypass = in->c_bypass;
	vl_put_bytes(t->c_tdata, in->c_data, COMMIT_BYTES);
	vl_put_bytes(t->c_raw, in->c_raw, COMMIT_BYTES);
	t->m_valid = j->valid;
	t->m_reason = j->reason;
	t->m_index = j->index;
	t->m_gen = j->gen;
	t->m_esn = j->esn;
	t->m_seq64 = j->seq64;
	t->m_mode = j->mode & 3;
	t->m_hard_bytes = j->hard_bytes;
	t->m_hard_packets = j->hard_packets;
	t->m_soft_bytes = j->soft_bytes;
	t->m_soft_packets = j->soft_packets;
	t->m_spi = j->spi;
	vl_put_bytes(t->m_hdr, j->hdr, COMMIT_SIM_HDR_BYTES);
	t->m_l2_len = j->l2_len & 31;
	t->m_l3_hdr_len = j->l3_hdr_len & 127;
	t->m_vlan = j->vlan;
	t->m_ipv6 = j->ipv6;
	t->m_csum_base = j->csum_base;
	t->m_rx_seq = j->rx_seq;
	t->m_pay_len = j->pay_len & 0x3FFF;
	t->res_valid = in->res_valid;
	t->res_delivered = in->res_delivered;
	t->time_ns = in->time_ns;
	t->burst_epoch = in->burst_epoch & 0xFFFFFF;
	t->auth_fail_burst = in->auth_fail_burst;
	t->replay_burst = in->replay_burst;
	t->tb_wr_en = in->tb_wr_en;
	t->tb_wr_index = in->tb_wr_index;
	if (in->tb_wr_en) {
		vl_put_bytes(t->tb_wr_data, in->tb_wr_data, COMMIT_SIM_ST_BYTES);
		t->tb_wr_data[COMMIT_SIM_ST_BITS / 32] &= (1u << (COMMIT_SIM_ST_BITS % 32)) - 1;
	}
	t->tb_rd_en = in->tb_rd_en;
	t->tb_rd_index = in->tb_rd_index;
}

void *op_create()
{
	model *m = vl_sim_create<model, VTOP>();

	if (m == nullptr)
		return nullptr;
	commit_sim_in idle;
	std::memset(&idle, 0, sizeof(idle));
	drive(m->top, &idle);
	vl_sim_hold_reset(m->top);
	return m;
}

void op_destroy(void *p)
{
	vl_sim_destroy(static_cast<model *>(p));
}

void op_reset(void *p)
{
	VTOP *t = static_cast<model *>(p)->top;
	commit_sim_in idle;

	std::memset(&idle, 0, sizeof(idle));
	drive(t, &idle);
	t->rst = 1;
	for (int i = 0; i < 8; i++)
		vl_sim_edge(t);
	t->rst = 0;
}

void op_cycle(void *p, const commit_sim_in *in, commit_sim_out *out)
{
	VTOP *t = static_cast<model *>(p)->top;

	drive(t, in);
	t->clk = 0;
	t->eval();
	out->m_ready = t->m_ready;
	out->protocol_error = t->protocol_error;
	out->tb_wr_collide = t->tb_wr_collide;
	t->clk = 1;
	t->eval();
	out->e_valid = t->e_valid;
	out->e_first = t->e_first;
	out->e_last = t->e_last;
	out->e_keep = t->e_keep;
	vl_get_bytes(t->e_data, out->e_data, COMMIT_BYTES);
	vl_get_bytes(t->e_hdr, out->e_hdr, COMMIT_SIM_HDR_BYTES);
	out->e_hdr_len = t->e_hdr_len;
	out->e_pay_len = t->e_pay_len;
	out->e_user = t->e_user;
	out->cnt_drop_valid = t->cnt_drop_valid;
	out->cnt_drop_reason = t->cnt_drop_reason;
	out->cnt_out_valid = t->cnt_out_valid;
	out->cnt_out_reason = t->cnt_out_reason;
	out->sa_ev_valid = t->sa_ev_valid;
	vl_get_bytes(t->sa_ev_rec, out->sa_ev_rec, COMMIT_SIM_EV_BYTES);
	vl_get_bytes(t->tb_rd_data, out->tb_rd_data, COMMIT_SIM_ST_BYTES);
}

}  // namespace

extern "C" const struct commit_sim_ops COMMIT_OPS = {
	COMMIT_BYTES, op_create, op_destroy, op_reset, op_cycle,
};
