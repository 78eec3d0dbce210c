// spisync -- the card's event-ring master (m_axi_ev_*: AXI4 write channels,
// one 64-byte record a beat) against the host memory model (host_mem.h),
// for any Verilated model that has those ports: the card alone and the
// Alveo kernel top.
#ifndef SPISYNC_VL_HOST_MEM_H
#define SPISYNC_VL_HOST_MEM_H

#include "host_mem.h"
#include "spisync_hw.h"
#include "vl_bytes.h"

// this clock's AWREADY, WREADY, BVALID / BRESP: drawn once, set before the
// master is evaluated
template <typename M>
static inline void vl_host_mem_drive(M *t, struct host_mem *hm)
{
	struct host_mem_axi_out o;

	host_mem_outputs(hm, &o);
	t->m_axi_ev_awready = o.awready;
	t->m_axi_ev_wready = o.wready;
	t->m_axi_ev_bvalid = o.bvalid;
	t->m_axi_ev_bresp = o.bresp;
}

// the rising edge, with the master's outputs of this clock: 0, or -ENOMEM
// (the model can no longer be trusted)
template <typename M>
static inline int vl_host_mem_clock(const M *t, struct host_mem *hm)
{
	struct host_mem_axi_in in;

	in.awvalid = t->m_axi_ev_awvalid;
	in.awaddr = t->m_axi_ev_awaddr;
	in.awlen = t->m_axi_ev_awlen;
	in.awsize = t->m_axi_ev_awsize;
	in.awburst = t->m_axi_ev_awburst;
	in.wvalid = t->m_axi_ev_wvalid;
	vl_get_bytes(t->m_axi_ev_wdata, in.wdata, SPISYNC_EVENT_BYTES);
	in.wstrb = t->m_axi_ev_wstrb;
	in.wlast = t->m_axi_ev_wlast;
	in.bready = t->m_axi_ev_bready;
	return host_mem_clock(hm, &in);
}

#endif
