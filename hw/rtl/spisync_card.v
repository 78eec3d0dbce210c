// spisync -- the card: inbound IPsec ESP offload, wire to host.
//
//   MAC (no tready) -> card_ingress (frame RAM, header/ICV capture)
//     -> esp_parser -> sa_lookup -> esp_classify (pre-crypto verdict,
//        replay pre-check, SA-miss events) -> job FIFO
//     -> esp_dispatch (ciphertext realigned out of the frame RAM)
//     -> aes_gcm_dec -> esp_commit (verdict, replay window, per-SA counters,
//        decapsulation) -> host_egress (frames released only when kept)
//     -> host stream (tready)
//   card_regs: AXI4-Lite control (with the mailbox); reason_counters: one
//   64-bit counter per reason; sa_state: per-SA replay window and counters;
//   events: flow_filter -> event_gate -> FIFO -> event_ring (host memory),
//   with the SA events of esp_commit and of the controller (fw_event), and
//   the last records kept in event_hist.
//
// docs/datapath.md says what happens to each frame, docs/card.md how this
// pipeline does it; docs/register-map.md is generated from the spec.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"
`include "card_internal.vh"

module spisync_card #(
    parameter integer DATA_WIDTH    = 512,     // 128 or 512
    parameter integer SA_ENTRIES    = 4096,
    parameter integer TAG_BUCKETS   = 2048,    // per tag table
    parameter integer CLK_PERIOD_PS = 3103,
    parameter integer PAD_LAT       = 3,       // esp_pad_check LATENCY
    parameter integer FLOW_SETS     = 512,     // flow filter: sets x 2 ways
    parameter integer RING_LOG2_MAX = 20,      // largest event ring: 2^n records
    parameter integer EV_DEPTH      = 64,      // event FIFO in front of the ring
    parameter integer EVENT_HIST    = 64       // records kept in the history, power of two
) (
    input  wire                      clk,
    input  wire                      rst,

    // from the MAC: no tready
    input  wire [DATA_WIDTH-1:0]     s_axis_rx_tdata,
    input  wire [DATA_WIDTH/8-1:0]   s_axis_rx_tkeep,
    input  wire                      s_axis_rx_tvalid,
    input  wire                      s_axis_rx_tlast,
    input  wire                      s_axis_rx_tuser,
    // one pulse per frame dropped whole before it reached the card (the
    // Alveo kernel's clock-crossing FIFO was full): counted in RX_PACKETS
    // and CDC_OVERFLOW so that every frame the MAC delivered is in the
    // books; 0 where the MAC shares the card's clock
    input  wire                      rx_overflow,

    // to the host RX queue
    output wire [DATA_WIDTH-1:0]     m_axis_host_tdata,
    output wire [DATA_WIDTH/8-1:0]   m_axis_host_tkeep,
    output wire                      m_axis_host_tvalid,
    output wire                      m_axis_host_tlast,
    output wire [`SPISYNC_HOST_TUSER_W-1:0] m_axis_host_tuser,
    input  wire                      m_axis_host_tready,

    // event ring in host memory: AXI4 master, writes only
    output wire [63:0]               m_axi_ev_awaddr,
    output wire [7:0]                m_axi_ev_awlen,
    output wire [2:0]                m_axi_ev_awsize,
    output wire [1:0]                m_axi_ev_awburst,
    output wire [3:0]                m_axi_ev_awcache,
    output wire [2:0]                m_axi_ev_awprot,
    output wire                      m_axi_ev_awvalid,
    input  wire                      m_axi_ev_awready,
    output wire [`SPISYNC_EVENT_BYTES*8-1:0] m_axi_ev_wdata,
    output wire [`SPISYNC_EVENT_BYTES-1:0]   m_axi_ev_wstrb,
    output wire                      m_axi_ev_wlast,
    output wire                      m_axi_ev_wvalid,
    input  wire                      m_axi_ev_wready,
    input  wire [1:0]                m_axi_ev_bresp,
    input  wire                      m_axi_ev_bvalid,
    output wire                      m_axi_ev_bready,

    // control
    input  wire [15:0]               s_axil_awaddr,
    input  wire                      s_axil_awvalid,
    output wire                      s_axil_awready,
    input  wire [31:0]               s_axil_wdata,
    input  wire [3:0]                s_axil_wstrb,
    input  wire                      s_axil_wvalid,
    output wire                      s_axil_wready,
    output wire [1:0]                s_axil_bresp,
    output wire                      s_axil_bvalid,
    input  wire                      s_axil_bready,
    input  wire [15:0]               s_axil_araddr,
    input  wire                      s_axil_arvalid,
    output wire                      s_axil_arready,
    output wire [31:0]               s_axil_rdata,
    output wire [1:0]                s_axil_rresp,
    output wire                      s_axil_rvalid,
    input  wire                      s_axil_rready,

    // frames inside the card (for drain detection and monitoring)
    output wire                      busy,
    output wire                      protocol_error
);

localparam integer BYTES     = DATA_WIDTH / 8;
localparam integer HDR_BYTES = 128;
localparam integer IN_DEPTH  = 2 * (16384 / BYTES);     // two largest frames
localparam integer IN_AW     = $clog2(IN_DEPTH);
localparam integer BEAT_W    = IN_AW + 1;
localparam integer JOB_DEPTH = 64;
localparam integer OUT_DEPTH = 2 * (16384 / BYTES);
localparam integer SIDE_W    = 256 + 1 + 32 + 64 + 128 + 5 + 5 + 128;
localparam integer TUSER_W   = `SPISYNC_HOST_TUSER_W;

generate
    if (DATA_WIDTH != 128 && DATA_WIDTH != 512) begin : g_check
        spisync_card_DATA_WIDTH_must_be_128_or_512 invalid_parameter ();
    end
    if (EVENT_HIST < 2 || (1 << $clog2(EVENT_HIST)) != EVENT_HIST) begin : g_check_hist
        spisync_card_EVENT_HIST_must_be_a_power_of_two invalid_parameter ();
    end
endgenerate

// ---------------------------------------------------------------------------
// control
// ---------------------------------------------------------------------------
wire [63:0] time_ns;
wire [63:0] time_step;          // time_ns of the next clock: time_ns + time_step
wire        time_step_c;        //   + time_step_c (card_regs, for event_gate)
wire        sa_wr_en;
wire [15:0] sa_wr_index;
wire [`SPISYNC_SA_BITS-1:0] sa_wr_data;
wire        tag_wr_en, tag_wr_table, tag_wr_valid;
wire [7:0]  tag_wr_way;
wire [15:0] tag_wr_bucket, tag_wr_index;
wire [31:0] tag_wr_spi;
wire        cnt_snapshot;
wire [7:0]  cnt_rd_index;
wire [63:0] cnt_rd_value;
wire        ctl_st_rd_en;
wire [15:0] ctl_st_rd_index;
wire [`SPISYNC_ST_W-1:0] ctl_st_rd_data;
wire [63:0] ring_base;
wire [4:0]  ring_size_log2;
wire        ring_enable;
wire [31:0] ring_cons, ring_prod, ring_write_errors;
wire [4:0]  ring_status;
wire [63:0] ev_holdoff_ns, burst_interval_ns;
wire [31:0] ev_token_ns, ev_token_burst, ev_lost_ns_next, auth_fail_burst, replay_burst;
wire [63:0] events_lost, flow_suppressed, flow_pending;
reg  [63:0] events_written;
reg         ready;
wire        fw_ev_wr, fw_ev_busy;
wire [31:0] fw_ev_data, fw_ev_spi;
wire [15:0] fw_ev_ignored;
wire        hist_sel_en;
wire [31:0] hist_sel_index, hist_count;
wire [`SPISYNC_EVENT_BYTES*8-1:0] hist_rec;

card_regs #(
    .DATA_WIDTH(DATA_WIDTH),
    .SA_ENTRIES(SA_ENTRIES),
    .TAG_BUCKETS(TAG_BUCKETS),
    .CLK_PERIOD_PS(CLK_PERIOD_PS),
    .FLOW_ENTRIES(2 * FLOW_SETS),
    .RING_LOG2_MAX(RING_LOG2_MAX),
    .EVENT_HIST(EVENT_HIST)
) u_regs (
    .clk(clk),
    .rst(rst),
    .s_axil_awaddr(s_axil_awaddr),
    .s_axil_awvalid(s_axil_awvalid),
    .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata),
    .s_axil_wstrb(s_axil_wstrb),
    .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready),
    .s_axil_bresp(s_axil_bresp),
    .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr),
    .s_axil_arvalid(s_axil_arvalid),
    .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata),
    .s_axil_rresp(s_axil_rresp),
    .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready),
    .ready(ready),
    .time_ns(time_ns),
    .time_step(time_step),
    .time_step_c(time_step_c),
    .sa_wr_en(sa_wr_en),
    .sa_wr_index(sa_wr_index),
    .sa_wr_data(sa_wr_data),
    .tag_wr_en(tag_wr_en),
    .tag_wr_table(tag_wr_table),
    .tag_wr_way(tag_wr_way),
    .tag_wr_bucket(tag_wr_bucket),
    .tag_wr_spi(tag_wr_spi),
    .tag_wr_valid(tag_wr_valid),
    .tag_wr_index(tag_wr_index),
    .cnt_snapshot(cnt_snapshot),
    .cnt_rd_index(cnt_rd_index),
    .cnt_rd_value(cnt_rd_value),
    .st_rd_en(ctl_st_rd_en),
    .st_rd_index(ctl_st_rd_index),
    .st_rd_data(ctl_st_rd_data),
    .ring_base(ring_base),
    .ring_size_log2(ring_size_log2),
    .ring_enable(ring_enable),
    .ring_cons(ring_cons),
    .ring_prod(ring_prod),
    .ring_status(ring_status),
    .ring_write_errors(ring_write_errors),
    .ev_holdoff_ns(ev_holdoff_ns),
    .ev_token_ns(ev_token_ns),
    .ev_token_burst(ev_token_burst),
    .ev_lost_ns_next(ev_lost_ns_next),
    .burst_interval_ns(burst_interval_ns),
    .auth_fail_burst(auth_fail_burst),
    .replay_burst(replay_burst),
    .events_lost(events_lost),
    .events_written(events_written),
    .flow_suppressed(flow_suppressed),
    .flow_pending(flow_pending),
    .fw_ev_wr(fw_ev_wr),
    .fw_ev_data(fw_ev_data),
    .fw_ev_spi(fw_ev_spi),
    .fw_ev_busy(fw_ev_busy),
    .fw_ev_ignored(fw_ev_ignored),
    .hist_sel_en(hist_sel_en),
    .hist_sel_index(hist_sel_index),
    .hist_rec(hist_rec),
    .hist_count(hist_count)
);

// ---------------------------------------------------------------------------
// ingress
// ---------------------------------------------------------------------------
wire                   rx_pulse;
wire                   in_drop_valid;
wire [7:0]             in_drop_reason;
wire                   cap_valid;
wire [HDR_BYTES*8-1:0] cap_hdr;
wire [127:0]           cap_tail;
wire [13:0]            cap_len;
wire [BEAT_W-1:0]      cap_beats;
wire [15:0]            cap_rx_seq;
wire                   frames_full;
wire [IN_AW:0]         free_ptr;
wire                   fr_rd_en;
wire [IN_AW-1:0]       fr_rd_addr;
wire [DATA_WIDTH-1:0]  fr_rd_data;

card_ingress #(
    .BYTES(BYTES),
    .DEPTH(IN_DEPTH),
    .HDR_BYTES(HDR_BYTES)
) u_ingress (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_rx_tdata),
    .s_axis_tkeep(s_axis_rx_tkeep),
    .s_axis_tvalid(s_axis_rx_tvalid),
    .s_axis_tlast(s_axis_rx_tlast),
    .s_axis_tuser(s_axis_rx_tuser),
    .frames_full(frames_full),
    .free_ptr(free_ptr),
    .rx_pulse(rx_pulse),
    .drop_valid(in_drop_valid),
    .drop_reason(in_drop_reason),
    .cap_valid(cap_valid),
    .cap_hdr(cap_hdr),
    .cap_tail(cap_tail),
    .cap_len(cap_len),
    .cap_beats(cap_beats),
    .cap_rx_seq(cap_rx_seq),
    .rd_en(fr_rd_en),
    .rd_addr(fr_rd_addr),
    .rd_data(fr_rd_data)
);

// ---------------------------------------------------------------------------
// parse and look up
// ---------------------------------------------------------------------------
localparam integer CAP_W = HDR_BYTES*8 + 128 + 14 + BEAT_W + 16;

wire             p_valid;
wire [CAP_W-1:0] p_cap;
wire             p_esp;
wire [7:0]       p_reason;
wire             p_vlan, p_ipv6, p_udp;
wire [4:0]       p_l2_len;
wire [6:0]       p_l3_hdr_len;
wire [6:0]       p_esp_off;
wire [13:0]      p_esp_len;
wire [127:0]     p_src, p_dst;
wire [15:0]      p_sport, p_dport;
wire [31:0]      p_spi, p_seq;
wire [63:0]      p_iv;
wire [15:0]      p_csum_base;

esp_parser #(
    .HDR_BYTES(HDR_BYTES),
    .USER_W(CAP_W)
) u_parser (
    .clk(clk),
    .rst(rst),
    .in_valid(cap_valid),
    .in_hdr(cap_hdr),
    .in_len(cap_len),
    .in_mac_err(1'b0),           // bad frames never leave the ingress
    .in_user({cap_hdr, cap_tail, cap_len, cap_beats, cap_rx_seq}),
    .out_valid(p_valid),
    .out_user(p_cap),
    .out_esp(p_esp),
    .out_reason(p_reason),
    .out_vlan(p_vlan),
    .out_ipv6(p_ipv6),
    .out_udp(p_udp),
    .out_l2_len(p_l2_len),
    .out_l3_hdr_len(p_l3_hdr_len),
    .out_esp_off(p_esp_off),
    .out_esp_len(p_esp_len),
    .out_src(p_src),
    .out_dst(p_dst),
    .out_sport(p_sport),
    .out_dport(p_dport),
    .out_spi(p_spi),
    .out_seq(p_seq),
    .out_iv(p_iv),
    .out_v4_csum_base(p_csum_base)
);

localparam integer PRS_W = 1 + 8 + 3 + 5 + 7 + 7 + 14 + 128 + 128 + 16 + 16 + 32 + 32 + 64 + 16;

wire             l_valid;
wire             l_hit;
wire [15:0]      l_index;
wire [`SPISYNC_SA_BITS-1:0] l_entry;
wire [PRS_W+CAP_W-1:0] l_user;

sa_lookup #(
    .SA_ENTRIES(SA_ENTRIES),
    .TAG_BUCKETS(TAG_BUCKETS),
    .USER_W(PRS_W + CAP_W)
) u_lookup (
    .clk(clk),
    .rst(rst),
    .in_valid(p_valid),
    .in_spi(p_spi),
    .in_ipv6(p_ipv6),
    .in_udp(p_udp),
    .in_dport(p_dport),
    .in_dst(p_dst),
    .in_user({p_esp, p_reason, p_vlan, p_ipv6, p_udp, p_l2_len, p_l3_hdr_len, p_esp_off,
              p_esp_len, p_src, p_dst, p_sport, p_dport, p_spi, p_seq, p_iv, p_csum_base, p_cap}),
    .out_valid(l_valid),
    .out_hit(l_hit),
    .out_index(l_index),
    .out_entry(l_entry),
    .out_user(l_user),
    .sa_wr_en(sa_wr_en),
    .sa_wr_index(sa_wr_index),
    .sa_wr_data(sa_wr_data),
    .tag_wr_en(tag_wr_en),
    .tag_wr_table(tag_wr_table),
    .tag_wr_way(tag_wr_way),
    .tag_wr_bucket(tag_wr_bucket),
    .tag_wr_spi(tag_wr_spi),
    .tag_wr_valid(tag_wr_valid),
    .tag_wr_index(tag_wr_index)
);

wire             u_esp;
wire [7:0]       u_reason;
wire             u_vlan, u_ipv6, u_udp;
wire [4:0]       u_l2_len;
wire [6:0]       u_l3_hdr_len;
wire [6:0]       u_esp_off;
wire [13:0]      u_esp_len;
wire [127:0]     u_src, u_dst;
wire [15:0]      u_sport, u_dport;
wire [31:0]      u_spi, u_seq;
wire [63:0]      u_iv;
wire [15:0]      u_csum_base;
wire [HDR_BYTES*8-1:0] u_hdr;
wire [127:0]     u_tail;
wire [13:0]      u_len;
wire [BEAT_W-1:0] u_beats;
wire [15:0]      u_rx_seq;
assign {u_esp, u_reason, u_vlan, u_ipv6, u_udp, u_l2_len, u_l3_hdr_len, u_esp_off, u_esp_len,
        u_src, u_dst, u_sport, u_dport, u_spi, u_seq, u_iv, u_csum_base,
        u_hdr, u_tail, u_len, u_beats, u_rx_seq} = l_user;

// ---------------------------------------------------------------------------
// classify: pre-crypto verdict, jobs, events
// ---------------------------------------------------------------------------
wire        pre_st_rd_en;
wire [15:0] pre_st_rd_index;
wire [`SPISYNC_ST_W-1:0] pre_st_rd_data;

wire                   j_valid, j_drop, j_bypass;
wire [7:0]             j_reason;
wire [BEAT_W-1:0]      j_beats, j_n_in, j_k;
wire [7:0]             j_q0;
wire [6:0]             j_shift, j_last_bytes;
wire [13:0]            j_pay_len;
wire [255:0]           j_key;
wire                   j_key_256;
wire [31:0]            j_salt;
wire [63:0]            j_iv;
wire [127:0]           j_aad;
wire [4:0]             j_aad_len, j_icv_len;
wire [127:0]           j_icv;
wire [15:0]            j_index;
wire [7:0]             j_gen;
wire                   j_esn;
wire [63:0]            j_seq64;
wire [1:0]             j_mode;
wire [63:0]            j_hard_bytes, j_hard_packets, j_soft_bytes, j_soft_packets;
wire [31:0]            j_spi;
wire [HDR_BYTES*8-1:0] j_hdr;
wire [4:0]             j_l2_len;
wire [6:0]             j_l3_hdr_len;
wire                   j_vlan, j_ipv6;
wire [15:0]            j_csum_base, j_rx_seq;
wire                   ev_valid;
wire [`SPISYNC_EVENT_BYTES*8-1:0] ev_data;

esp_classify #(
    .BYTES(BYTES),
    .HDR_BYTES(HDR_BYTES),
    .BEAT_W(BEAT_W)
) u_classify (
    .clk(clk),
    .rst(rst),
    .time_ns(time_ns),
    .in_valid(l_valid),
    .in_esp(u_esp),
    .in_reason(u_reason),
    .in_vlan(u_vlan),
    .in_ipv6(u_ipv6),
    .in_udp(u_udp),
    .in_l2_len(u_l2_len),
    .in_l3_hdr_len(u_l3_hdr_len),
    .in_esp_off(u_esp_off),
    .in_esp_len(u_esp_len),
    .in_src(u_src),
    .in_dst(u_dst),
    .in_sport(u_sport),
    .in_dport(u_dport),
    .in_spi(u_spi),
    .in_seq(u_seq),
    .in_iv(u_iv),
    .in_csum_base(u_csum_base),
    .in_hdr(u_hdr),
    .in_tail(u_tail),
    .in_len(u_len),
    .in_beats(u_beats),
    .in_rx_seq(u_rx_seq),
    .in_hit(l_hit),
    .in_index(l_index),
    .in_entry(l_entry),
    .st_rd_en(pre_st_rd_en),
    .st_rd_index(pre_st_rd_index),
    .st_rd_data(pre_st_rd_data),
    .job_valid(j_valid),
    .job_drop(j_drop),
    .job_bypass(j_bypass),
    .job_reason(j_reason),
    .job_beats(j_beats),
    .job_q0(j_q0),
    .job_n_in(j_n_in),
    .job_k(j_k),
    .job_shift(j_shift),
    .job_last_bytes(j_last_bytes),
    .job_pay_len(j_pay_len),
    .job_key(j_key),
    .job_key_256(j_key_256),
    .job_salt(j_salt),
    .job_iv(j_iv),
    .job_aad(j_aad),
    .job_aad_len(j_aad_len),
    .job_icv_len(j_icv_len),
    .job_icv(j_icv),
    .job_index(j_index),
    .job_gen(j_gen),
    .job_esn(j_esn),
    .job_seq64(j_seq64),
    .job_mode(j_mode),
    .job_hard_bytes(j_hard_bytes),
    .job_hard_packets(j_hard_packets),
    .job_soft_bytes(j_soft_bytes),
    .job_soft_packets(j_soft_packets),
    .job_spi(j_spi),
    .job_hdr(j_hdr),
    .job_l2_len(j_l2_len),
    .job_l3_hdr_len(j_l3_hdr_len),
    .job_vlan(j_vlan),
    .job_ipv6(j_ipv6),
    .job_csum_base(j_csum_base),
    .job_rx_seq(j_rx_seq),
    .ev_valid(ev_valid),
    .ev_data(ev_data)
);

// what the dispatch needs, and what travels on to the commit stage
localparam integer DJOB_W = 1 + 1 + BEAT_W + 8 + BEAT_W + BEAT_W + 7 + 7 + SIDE_W;
localparam integer CJOB_W = 8 + 16 + 8 + 1 + 64 + 2 + 64 + 64 + 64 + 64 + 32 + HDR_BYTES*8
                          + 5 + 7 + 1 + 1 + 16 + 16 + 14;

wire [DJOB_W+CJOB_W-1:0] jf_in = {
    j_drop, j_bypass, j_beats, j_q0, j_n_in, j_k, j_shift, j_last_bytes,
    j_key, j_key_256, j_salt, j_iv, j_aad, j_aad_len, j_icv_len, j_icv,
    j_reason, j_index, j_gen, j_esn, j_seq64, j_mode, j_hard_bytes, j_hard_packets,
    j_soft_bytes, j_soft_packets, j_spi, j_hdr, j_l2_len, j_l3_hdr_len, j_vlan, j_ipv6, j_csum_base, j_rx_seq, j_pay_len};
wire [DJOB_W+CJOB_W-1:0] jf_out;
wire                     jf_valid;
wire                     jf_ready;
wire                     jf_in_ready;
wire [$clog2(JOB_DEPTH):0] jf_count;

sync_fifo #(
    .WIDTH(DJOB_W + CJOB_W),
    .DEPTH(JOB_DEPTH)
) u_jobs (
    .clk(clk),
    .rst(rst),
    .s_data(jf_in),
    .s_valid(j_valid),
    .s_ready(jf_in_ready),
    .m_data(jf_out),
    .m_valid(jf_valid),
    .m_ready(jf_ready),
    .count(jf_count)
);

// stored frames not yet taken by the dispatch: bounded so that the job FIFO
// (behind the parser, lookup and classify pipelines) can never overflow
reg [7:0] outstanding;
localparam integer OUTSTANDING_MAX_I = JOB_DEPTH - 16;
localparam [7:0]   OUTSTANDING_MAX   = OUTSTANDING_MAX_I[7:0];
assign frames_full = outstanding >= OUTSTANDING_MAX;
always @(posedge clk) begin
    outstanding <= outstanding + {7'd0, cap_valid} - {7'd0, jf_valid && jf_ready};
    if (rst) begin
        outstanding <= 8'd0;
    end
end

// ---------------------------------------------------------------------------
// events: flow filter -> gate (token bucket, loss accounting) -> FIFO -> ring
// (docs/event-ring.md)
// ---------------------------------------------------------------------------
localparam integer EV_W = `SPISYNC_EVENT_BYTES * 8;
wire            ff_valid, ff_evict_valid, ff_suppressed, ff_ready;
wire [EV_W-1:0] ff_rec, ff_evict_rec;

flow_filter #(
    .SETS(FLOW_SETS)
) u_flow (
    .clk(clk),
    .rst(rst),
    .holdoff_ns(ev_holdoff_ns),
    .s_valid(ev_valid),
    .s_rec(ev_data),
    .m_valid(ff_valid),
    .m_rec(ff_rec),
    .m_evict_valid(ff_evict_valid),
    .m_evict_rec(ff_evict_rec),
    .m_suppressed(ff_suppressed),
    .ready(ff_ready),
    .suppressed_total(flow_suppressed),
    .pending(flow_pending)
);

wire            sa_ev_valid, sa_ev_ready, sa_ev_overflow;
wire [EV_W-1:0] sa_ev_rec;
wire            gate_valid, ev_in_ready;
wire [EV_W-1:0] gate_rec;
wire            ring_lost_valid;
wire [EV_W-1:0] ring_lost_rec;
wire            st_enabled, st_full, st_bad_cons, st_write_error, st_busy;

event_gate u_gate (
    .clk(clk),
    .rst(rst),
    .time_ns(time_ns),
    .time_step(time_step),
    .time_step_c(time_step_c),
    .token_ns(ev_token_ns),
    .token_burst(ev_token_burst),
    .lost_ns_next(ev_lost_ns_next),
    .ring_enabled(st_enabled),
    .f_valid(ff_valid),
    .f_rec(ff_rec),
    .f_evict_valid(ff_evict_valid),
    .f_evict_rec(ff_evict_rec),
    .s_valid(sa_ev_valid),
    .s_rec(sa_ev_rec),
    .s_ready(sa_ev_ready),
    .s_overflow(sa_ev_overflow),
    .r_lost_valid(ring_lost_valid),
    .r_lost_rec(ring_lost_rec),
    .m_valid(gate_valid),
    .m_rec(gate_rec),
    .m_ready(ev_in_ready),
    .lost_total(events_lost)
);

wire [$clog2(EV_DEPTH):0] ev_count;
wire            evq_valid, evq_ready;
wire [EV_W-1:0] evq_rec;
sync_fifo #(
    .WIDTH(EV_W),
    .DEPTH(EV_DEPTH)
) u_events (
    .clk(clk),
    .rst(rst),
    .s_data(gate_rec),
    .s_valid(gate_valid),
    .s_ready(ev_in_ready),
    .m_data(evq_rec),
    .m_valid(evq_valid),
    .m_ready(evq_ready),
    .count(ev_count)
);

// the history: every record the gate issues to the ring writer (m_*, one
// a clock), whatever the ring then does with it. While the ring is off the
// gate issues nothing (it counts everything lost), so the history takes
// the records the gate is offered instead, by the gate's priorities, one a
// clock: the frame's flow record, else an eviction, else an SA event (which
// the gate takes from its FIFO every clock while off). An eviction or SA
// event meeting a record in the same clock is not kept here; the loss
// accounting counts all of them as usual. So a host without the ring still
// sees the recent misses.
wire            hist_in_valid = gate_valid
                             || (!st_enabled && (ff_valid || ff_evict_valid || sa_ev_valid));
wire [EV_W-1:0] hist_in_rec   = gate_valid ? gate_rec
                             : ff_valid ? ff_rec
                             : ff_evict_valid ? ff_evict_rec
                             : sa_ev_rec;

event_hist #(
    .DEPTH(EVENT_HIST)
) u_hist (
    .clk(clk),
    .rst(rst),
    .in_valid(hist_in_valid),
    .in_rec(hist_in_rec),
    .sel_en(hist_sel_en),
    .sel_index(hist_sel_index),
    .sel_rec(hist_rec),
    .count(hist_count)
);

wire ring_written;
event_ring #(
    .ADDR_W(64),
    .SIZE_LOG2_MAX(RING_LOG2_MAX)
) u_ring (
    .clk(clk),
    .rst(rst),
    .s_rec_data(evq_rec),
    .s_rec_valid(evq_valid),
    .s_rec_ready(evq_ready),
    .ring_base(ring_base),
    .ring_size_log2(ring_size_log2),
    .ring_enable(ring_enable),
    .ring_cons(ring_cons),
    .ring_prod(ring_prod),
    .st_enabled(st_enabled),
    .st_full(st_full),
    .st_bad_cons(st_bad_cons),
    .st_write_error(st_write_error),
    .st_busy(st_busy),
    .write_errors(ring_write_errors),
    .written_pulse(ring_written),
    .lost_valid(ring_lost_valid),
    .lost_data(ring_lost_rec),
    .m_axi_awaddr(m_axi_ev_awaddr),
    .m_axi_awlen(m_axi_ev_awlen),
    .m_axi_awsize(m_axi_ev_awsize),
    .m_axi_awburst(m_axi_ev_awburst),
    .m_axi_awcache(m_axi_ev_awcache),
    .m_axi_awprot(m_axi_ev_awprot),
    .m_axi_awvalid(m_axi_ev_awvalid),
    .m_axi_awready(m_axi_ev_awready),
    .m_axi_wdata(m_axi_ev_wdata),
    .m_axi_wstrb(m_axi_ev_wstrb),
    .m_axi_wlast(m_axi_ev_wlast),
    .m_axi_wvalid(m_axi_ev_wvalid),
    .m_axi_wready(m_axi_ev_wready),
    .m_axi_bresp(m_axi_ev_bresp),
    .m_axi_bvalid(m_axi_ev_bvalid),
    .m_axi_bready(m_axi_ev_bready)
);
assign ring_status = {st_busy, st_write_error, st_bad_cons, st_full, st_enabled};

always @(posedge clk) begin
    events_written <= events_written + {63'd0, ring_written};
    if (rst) begin
        events_written <= 64'd0;
    end
end

// records on their way: through the filter, parked in the gate, queued for a
// ring with room, or written and not yet answered
reg [15:0] ev_recent;
always @(posedge clk) begin
    ev_recent <= {ev_recent[14:0], ev_valid || ff_valid || ff_evict_valid};
    if (rst) begin
        ev_recent <= 16'd0;
    end
end
wire events_busy = ev_recent != 16'd0 || (evq_valid && !st_full && !st_bad_cons) || st_busy
                 || sa_ev_valid || cm_ev_valid || fw_ev_busy;

// ---------------------------------------------------------------------------
// dispatch and the GCM core
// ---------------------------------------------------------------------------
wire              d_drop, d_bypass;
wire [BEAT_W-1:0] d_beats, d_n_in, d_k;
wire [7:0]        d_q0;
wire [6:0]        d_shift, d_last_bytes;
wire [SIDE_W-1:0] d_side;
wire [CJOB_W-1:0] c_job;
assign {d_drop, d_bypass, d_beats, d_q0, d_n_in, d_k, d_shift, d_last_bytes, d_side, c_job} = jf_out;

wire [DATA_WIDTH-1:0]   core_tdata;
wire [BYTES-1:0]        core_tkeep;
wire                    core_tvalid, core_tlast, core_token, core_bypass;
wire [SIDE_W-1:0]       core_side;

esp_dispatch #(
    .BYTES(BYTES),
    .ADDR_W(IN_AW),
    .BEAT_W(BEAT_W),
    .SIDE_W(SIDE_W)
) u_dispatch (
    .clk(clk),
    .rst(rst),
    .job_valid(jf_valid),
    .job_ready(jf_ready),
    .job_drop(d_drop),
    .job_bypass(d_bypass),
    .job_beats(d_beats),
    .job_q0(d_q0),
    .job_n_in(d_n_in),
    .job_k(d_k),
    .job_shift(d_shift),
    .job_last_bytes(d_last_bytes),
    .job_side(d_side),
    .rd_en(fr_rd_en),
    .rd_addr(fr_rd_addr),
    .rd_data(fr_rd_data),
    .free_ptr(free_ptr),
    .core_tdata(core_tdata),
    .core_tkeep(core_tkeep),
    .core_tvalid(core_tvalid),
    .core_tlast(core_tlast),
    .core_token(core_token),
    .core_bypass(core_bypass),
    .core_side(core_side)
);

// the commit stage's jobs, queued when the dispatch takes them and taken at
// each frame's first beat out of the GCM core, which never stalls. A frame
// is at least one beat, so at most (dispatch registers + core latency, 40
// clocks since the core's 300 MHz pipelining; 25 before) jobs wait here:
// 64 covers it. A deeper core must keep this above its latency
// (protocol_error reports an overflow).
wire              cj_valid, cj_ready, cj_in_ready;
wire [CJOB_W-1:0] cj_out;
wire [6:0]        cj_count;
sync_fifo #(
    .WIDTH(CJOB_W),
    .DEPTH(64)
) u_commit_jobs (
    .clk(clk),
    .rst(rst),
    .s_data(c_job),
    .s_valid(jf_valid && jf_ready),
    .s_ready(cj_in_ready),
    .m_data(cj_out),
    .m_valid(cj_valid),
    .m_ready(cj_ready),
    .count(cj_count)
);

wire [255:0] s_key;
wire         s_key_256;
wire [31:0]  s_salt;
wire [63:0]  s_iv;
wire [127:0] s_aad;
wire [4:0]   s_aad_len, s_icv_len;
wire [127:0] s_icv;
assign {s_key, s_key_256, s_salt, s_iv, s_aad, s_aad_len, s_icv_len, s_icv} = core_side;

localparam integer CORE_USER_W = 2 + DATA_WIDTH;
wire [DATA_WIDTH-1:0]  pt_tdata;
wire [BYTES-1:0]       pt_tkeep;
wire                   pt_tvalid, pt_tlast, pt_auth_ok;
wire [CORE_USER_W-1:0] pt_tuser;

aes_gcm_dec #(
    .LANES(DATA_WIDTH / 128),
    .USER_WIDTH(CORE_USER_W)
) u_gcm (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(core_tdata),
    .s_axis_tkeep(core_tkeep),
    .s_axis_tvalid(core_tvalid),
    .s_axis_tlast(core_tlast),
    .s_axis_tuser({core_token, core_bypass, core_bypass ? core_tdata : {DATA_WIDTH{1'b0}}}),
    .s_axis_aad(1'b0),
    .s_key(s_key),
    .s_key_256(s_key_256),
    .s_salt(s_salt),
    .s_iv(s_iv),
    .s_aad_data(s_aad),
    .s_aad_len(s_aad_len),
    .s_icv_len(s_icv_len),
    .s_icv(s_icv),
    .m_axis_tdata(pt_tdata),
    .m_axis_tkeep(pt_tkeep),
    .m_axis_tvalid(pt_tvalid),
    .m_axis_tlast(pt_tlast),
    .m_axis_tuser(pt_tuser),
    .m_axis_auth_ok(pt_auth_ok)
);

// ---------------------------------------------------------------------------
// commit, per-SA state, egress
// ---------------------------------------------------------------------------
wire [7:0]             k_reason;
wire [15:0]            k_index;
wire [7:0]             k_gen;
wire                   k_esn;
wire [63:0]            k_seq64;
wire [1:0]             k_mode;
wire [63:0]            k_hard_bytes, k_hard_packets, k_soft_bytes, k_soft_packets;
wire [31:0]            k_spi;
wire [HDR_BYTES*8-1:0] k_hdr;
wire [4:0]             k_l2_len;
wire [6:0]             k_l3_hdr_len;
wire                   k_vlan, k_ipv6;
wire [15:0]            k_csum_base, k_rx_seq;
wire [13:0]            k_pay_len;
assign {k_reason, k_index, k_gen, k_esn, k_seq64, k_mode, k_hard_bytes, k_hard_packets,
        k_soft_bytes, k_soft_packets, k_spi, k_hdr,
        k_l2_len, k_l3_hdr_len, k_vlan, k_ipv6, k_csum_base, k_rx_seq, k_pay_len} = cj_out;

wire        cm_ev_valid;
wire [`SPISYNC_EVENT_BYTES*8-1:0] cm_ev_rec;
reg  [23:0] burst_epoch;
wire        cm_st_rd_en;
wire [15:0] cm_st_rd_index;
wire [`SPISYNC_ST_W-1:0] cm_st_rd_data;
wire        cm_st_wr_en;
wire [15:0] cm_st_wr_index;
wire [`SPISYNC_ST_W-1:0] cm_st_wr_data;

wire                   e_valid, e_first, e_last, e_keep;
wire [DATA_WIDTH-1:0]  e_data;
wire [HDR_BYTES*8-1:0] e_hdr;
wire [7:0]             e_hdr_len;
wire [13:0]            e_pay_len;
wire [TUSER_W-1:0]     e_user;
wire                   res_valid, res_delivered, res_no_space;
wire                   cnt_drop_valid, cnt_out_valid;
wire [7:0]             cnt_drop_reason, cnt_out_reason;
wire                   commit_error;

esp_commit #(
    .BYTES(BYTES),
    .HDR_BYTES(HDR_BYTES),
    .PAD_LAT(PAD_LAT)
) u_commit (
    .clk(clk),
    .rst(rst),
    .c_tdata(pt_tdata),
    .c_tvalid(pt_tvalid),
    .c_tlast(pt_tlast),
    .c_auth_ok(pt_auth_ok),
    .c_token(pt_tuser[CORE_USER_W-1]),
    .c_bypass(pt_tuser[CORE_USER_W-2]),
    .c_raw(pt_tuser[DATA_WIDTH-1:0]),
    .m_valid(cj_valid),
    .m_ready(cj_ready),
    .m_reason(k_reason),
    .m_index(k_index),
    .m_gen(k_gen),
    .m_esn(k_esn),
    .m_seq64(k_seq64),
    .m_mode(k_mode),
    .m_hard_bytes(k_hard_bytes),
    .m_hard_packets(k_hard_packets),
    .m_soft_bytes(k_soft_bytes),
    .m_soft_packets(k_soft_packets),
    .m_spi(k_spi),
    .m_hdr(k_hdr),
    .m_l2_len(k_l2_len),
    .m_l3_hdr_len(k_l3_hdr_len),
    .m_vlan(k_vlan),
    .m_ipv6(k_ipv6),
    .m_csum_base(k_csum_base),
    .m_rx_seq(k_rx_seq),
    .m_pay_len(k_pay_len),
    .st_rd_en(cm_st_rd_en),
    .st_rd_index(cm_st_rd_index),
    .st_rd_data(cm_st_rd_data),
    .st_wr_en(cm_st_wr_en),
    .st_wr_index(cm_st_wr_index),
    .st_wr_data(cm_st_wr_data),
    .e_valid(e_valid),
    .e_first(e_first),
    .e_last(e_last),
    .e_data(e_data),
    .e_keep(e_keep),
    .e_hdr(e_hdr),
    .e_hdr_len(e_hdr_len),
    .e_pay_len(e_pay_len),
    .e_user(e_user),
    .res_valid(res_valid),
    .res_delivered(res_delivered),
    .cnt_drop_valid(cnt_drop_valid),
    .cnt_drop_reason(cnt_drop_reason),
    .cnt_out_valid(cnt_out_valid),
    .cnt_out_reason(cnt_out_reason),
    .time_ns(time_ns),
    .burst_epoch(burst_epoch),
    .auth_fail_burst(auth_fail_burst),
    .replay_burst(replay_burst),
    .sa_ev_valid(cm_ev_valid),
    .sa_ev_rec(cm_ev_rec),
    .protocol_error(commit_error)
);

// controller events (FW_EVENT): one record in a holding register
wire            fw_ev_valid, fw_ev_ready;
wire [EV_W-1:0] fw_ev_rec;

fw_event u_fw_event (
    .clk(clk),
    .rst(rst),
    .time_ns(time_ns),
    .wr(fw_ev_wr),
    .wr_data(fw_ev_data),
    .spi(fw_ev_spi),
    .m_valid(fw_ev_valid),
    .m_rec(fw_ev_rec),
    .m_ready(fw_ev_ready),
    .busy(fw_ev_busy),
    .ignored(fw_ev_ignored)
);

// SA events: a few per SA per burst interval at most; a small FIFO in front
// of the gate, whose overflow the gate counts as lost. The commit stage
// cannot wait, so its events go first; a controller record enters in a
// clock without one (and with room), and waits in fw_event meanwhile.
wire sa_evq_in_ready;
wire [4:0] sa_evq_count;
assign fw_ev_ready = !cm_ev_valid && sa_evq_in_ready;
sync_fifo #(
    .WIDTH(`SPISYNC_EVENT_BYTES * 8),
    .DEPTH(16)
) u_sa_events (
    .clk(clk),
    .rst(rst),
    .s_data(cm_ev_valid ? cm_ev_rec : fw_ev_rec),
    .s_valid(cm_ev_valid || fw_ev_valid),
    .s_ready(sa_evq_in_ready),
    .m_data(sa_ev_rec),
    .m_valid(sa_ev_valid),
    .m_ready(sa_ev_ready),
    .count(sa_evq_count)
);
assign sa_ev_overflow = cm_ev_valid && !sa_evq_in_ready;

// the burst interval: an epoch number that steps every burst_interval_ns of
// card time (0: never, all drops count into one epoch); measured from the
// last step, so a new interval takes effect at once
reg [63:0] epoch_start;
always @(posedge clk) begin
    if (burst_interval_ns != 64'd0 && time_ns - epoch_start >= burst_interval_ns) begin
        burst_epoch <= burst_epoch + 24'd1;
        epoch_start <= time_ns;
    end
    if (rst) begin
        burst_epoch <= 24'd0;
        epoch_start <= 64'd0;
    end
end

// after reset the state memories hold anything: clear them (gen 0, which
// no installed SA uses) before reporting ready
localparam integer SA_AW = $clog2(SA_ENTRIES);
reg [SA_AW:0] init_index;
always @(posedge clk) begin
    if (!ready) begin
        init_index <= init_index + 1'b1;
        if (init_index == SA_ENTRIES[SA_AW:0] - 1'b1) begin
            ready <= 1'b1;
        end
    end
    if (rst) begin
        init_index <= 0;
        ready      <= 1'b0;
    end
end

wire [31:0] init_index32 = {{(32-SA_AW){1'b0}}, init_index[SA_AW-1:0]};
wire [15:0] init_index16 = init_index32[15:0];
wire unused_init_index = &init_index32[31:16];

sa_state #(
    .ENTRIES(SA_ENTRIES)
) u_state (
    .clk(clk),
    .wr_en(ready ? cm_st_wr_en : 1'b1),
    .wr_index(ready ? cm_st_wr_index : init_index16),
    .wr_data(ready ? cm_st_wr_data : {`SPISYNC_ST_W{1'b0}}),
    .a_rd_en(cm_st_rd_en),
    .a_rd_index(cm_st_rd_index),
    .a_rd_data(cm_st_rd_data),
    .b_rd_en(pre_st_rd_en),
    .b_rd_index(pre_st_rd_index),
    .b_rd_data(pre_st_rd_data),
    .c_rd_en(ctl_st_rd_en),
    .c_rd_index(ctl_st_rd_index),
    .c_rd_data(ctl_st_rd_data)
);

wire egress_busy;

host_egress #(
    .BYTES(BYTES),
    .DATA_DEPTH(OUT_DEPTH),
    .DESC_DEPTH(64),
    .HDR_BYTES(HDR_BYTES),
    .USER_W(TUSER_W)
) u_egress (
    .clk(clk),
    .rst(rst),
    .wr_valid(e_valid),
    .wr_first(e_first),
    .wr_last(e_last),
    .wr_data(e_data),
    .wr_keep(e_keep),
    .wr_hdr(e_hdr),
    .wr_hdr_len(e_hdr_len),
    .wr_pay_len(e_pay_len),
    .wr_user(e_user),
    .res_valid(res_valid),
    .res_delivered(res_delivered),
    .res_no_space(res_no_space),
    .m_axis_tdata(m_axis_host_tdata),
    .m_axis_tkeep(m_axis_host_tkeep),
    .m_axis_tvalid(m_axis_host_tvalid),
    .m_axis_tlast(m_axis_host_tlast),
    .m_axis_tuser(m_axis_host_tuser),
    .m_axis_tready(m_axis_host_tready),
    .busy(egress_busy)
);

// ---------------------------------------------------------------------------
// counters
// ---------------------------------------------------------------------------
reason_counters #(
    .N(`SPISYNC_NUM_REASONS),
    .PORTS(6)
) u_counters (
    .clk(clk),
    .rst(rst),
    .inc_valid({rx_overflow, rx_overflow, cnt_out_valid, cnt_drop_valid, in_drop_valid,
                rx_pulse}),
    .inc_reason({`SPISYNC_R_CDC_OVERFLOW, `SPISYNC_R_RX_PACKETS, cnt_out_reason,
                 cnt_drop_reason, in_drop_reason, `SPISYNC_R_RX_PACKETS}),
    .snapshot(cnt_snapshot),
    .rd_index(cnt_rd_index),
    .rd_value(cnt_rd_value)
);

// frames received and not yet counted with an outcome
reg [31:0] in_flight;
always @(posedge clk) begin
    in_flight <= in_flight + {31'd0, rx_pulse}
               - {31'd0, cnt_out_valid} - {31'd0, cnt_drop_valid} - {31'd0, in_drop_valid};
    if (rst) begin
        in_flight <= 32'd0;
    end
end

// rx_pulse covers the clock between a frame's last beat and its count in
// in_flight; the output valids cover beats waiting for the host
assign busy = in_flight != 32'd0 || rx_pulse || egress_busy || m_axis_host_tvalid
           || events_busy;
assign protocol_error = commit_error || (j_valid && !jf_in_ready) || (jf_valid && jf_ready && !cj_in_ready);

wire unused_misc = &{res_no_space, jf_count, cj_count, ev_count, pt_tkeep, ff_suppressed, ff_ready,
                     sa_evq_count};

endmodule

`resetall
