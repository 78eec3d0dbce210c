// spisync -- Verilator glue for one parameter set of host_egress. The build
// defines VTOP (the Verilated class), VTOP_HEADER, EGRESS_FACTORY (the
// factory's name), EGRESS_NAME and EGRESS_BYTES, EGRESS_DATA_DEPTH,
// EGRESS_DESC_DEPTH, EGRESS_HDR_BYTES, EGRESS_USER_W: the values it gave
// Verilator (mk/egress.mk holds them once).

#include "egress_models.h"

#include <cstring>
#include "verilated.h"
#include "vl_sim.h"
#include "vl_bytes.h"
#include VTOP_HEADER

namespace {

class model final : public egress_model {
public:
	VerilatedContext ctx;
	VTOP *top = nullptr;

	~model() override
	{
		if (top != nullptr) {
			top->final();
			delete top;
		}
	}

	void reset() override
	{
		top->wr_valid = 0;
		top->m_axis_tready = 0;
		top->rst = 1;
		for (int i = 0; i < 4; i++)
			edge();
		top->rst = 0;
	}

	const egress_params *params(void) const override
	{
		static const egress_params p = {
			EGRESS_NAME, EGRESS_BYTES, EGRESS_DATA_DEPTH,
			EGRESS_DESC_DEPTH, EGRESS_HDR_BYTES, EGRESS_USER_W,
		};
		return &p;
	}

	void cycle(const egress_sim_in *in, egress_sim_out *out) override
	{
		top->wr_valid = in->wr_valid;
		top->wr_first = in->wr_first;
		top->wr_last = in->wr_last;
		top->m_axis_tready = in->tready;
		if (in->wr_valid)
			vl_put_bytes(top->wr_data, in->wr_data, EGRESS_BYTES);
		if (in->wr_valid && in->wr_last) {
			top->wr_keep = in->wr_keep;
			vl_put_bytes(top->wr_hdr, in->wr_hdr, EGRESS_HDR_BYTES);
			top->wr_hdr_len = in->hdr_len & 0xff;
			top->wr_pay_len = in->pay_len & 0x3fff;
			top->wr_user = in->user & user_mask();
		}
		top->eval();
		if (out != nullptr)
			sample(out);
		edge();
	}

private:
	static uint64_t user_mask(void)
	{
		return EGRESS_USER_W >= 64 ? UINT64_MAX :
		    (((uint64_t)1 << EGRESS_USER_W) - 1);
	}

	void edge(void)
	{
		top->clk = 0;
		top->eval();
		top->clk = 1;
		top->eval();
	}

	void sample(egress_sim_out *out)
	{
		out->res_valid = top->res_valid;
		out->res_delivered = top->res_delivered;
		out->res_no_space = top->res_no_space;
		out->tvalid = top->m_axis_tvalid;
		out->tlast = top->m_axis_tlast;
		out->tkeep = (uint64_t)top->m_axis_tkeep;
		out->tuser = (uint64_t)top->m_axis_tuser;
		out->busy = top->busy;
		memset(out->tdata, 0, sizeof(out->tdata));
		vl_get_bytes(top->m_axis_tdata, out->tdata, EGRESS_BYTES);
	}
};

} // namespace

egress_model *EGRESS_FACTORY(void)
{
	model *m = vl_sim_create<model, VTOP>();
	if (m == nullptr)
		return nullptr;
	m->top->clk = 0;
	m->top->rst = 1;
	m->top->eval();
	return m;
}
