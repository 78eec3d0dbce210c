// spisync -- test top for the commit stage (tests/hw/test_commit.c):
// esp_commit and the per-SA state memory wired as hw/rtl/spisync_card.v
// wires them (esp_commit's st_* on sa_state's write port and read port a,
// PAD_LAT and HDR_BYTES as the card sets them), so the bench sees the
// stage's read-modify-write exactly as the card runs it, through ports only.
//
// Beside the card's wiring, two test ports on the memory:
//   tb_wr_*  a preload: writes any record while esp_commit is not writing
//            (the card's init mux does the same with its clearing writes);
//            tb_wr_collide flags a preload that met a commit write (lost).
//   tb_rd_*  sa_state's control read port c: any record, data the clock
//            after the address, for comparing the memory with a reference.
// sa_state's pre-check read port b is unused (tied off).
// Simulation only: hw/rtl holds the product RTL.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"
`include "card_internal.vh"

module commit_tb_top #(
    parameter integer BYTES      = 64,
    parameter integer SA_ENTRIES = 4096,
    parameter integer PAD_LAT    = 3,       // the card's default
    parameter integer HDR_BYTES  = 128      // the card's localparam
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire [BYTES*8-1:0]       c_tdata,
    input  wire                     c_tvalid,
    input  wire                     c_tlast,
    input  wire                     c_auth_ok,
    input  wire                     c_token,
    input  wire                     c_bypass,
    input  wire [BYTES*8-1:0]       c_raw,

    input  wire                     m_valid,
    output wire                     m_ready,
    input  wire [7:0]               m_reason,
    input  wire [15:0]              m_index,
    input  wire [7:0]               m_gen,
    input  wire                     m_esn,
    input  wire [63:0]              m_seq64,
    input  wire [1:0]               m_mode,
    input  wire [63:0]              m_hard_bytes,
    input  wire [63:0]              m_hard_packets,
    input  wire [63:0]              m_soft_bytes,
    input  wire [63:0]              m_soft_packets,
    input  wire [31:0]              m_spi,
    input  wire [HDR_BYTES*8-1:0]   m_hdr,
    input  wire [4:0]               m_l2_len,
    input  wire [6:0]               m_l3_hdr_len,
    input  wire                     m_vlan,
    input  wire                     m_ipv6,
    input  wire [15:0]              m_csum_base,
    input  wire [15:0]              m_rx_seq,
    input  wire [13:0]              m_pay_len,

    output wire                     e_valid,
    output wire                     e_first,
    output wire                     e_last,
    output wire [BYTES*8-1:0]       e_data,
    output wire                     e_keep,
    output wire [HDR_BYTES*8-1:0]   e_hdr,
    output wire [7:0]               e_hdr_len,
    output wire [13:0]              e_pay_len,
    output wire [`SPISYNC_HOST_TUSER_W-1:0] e_user,
    input  wire                     res_valid,
    input  wire                     res_delivered,

    output wire                     cnt_drop_valid,
    output wire [7:0]               cnt_drop_reason,
    output wire                     cnt_out_valid,
    output wire [7:0]               cnt_out_reason,

    input  wire [63:0]              time_ns,
    input  wire [23:0]              burst_epoch,
    input  wire [31:0]              auth_fail_burst,
    input  wire [31:0]              replay_burst,
    output wire                     sa_ev_valid,
    output wire [`SPISYNC_EVENT_BYTES*8-1:0] sa_ev_rec,
    output wire                     protocol_error,

    input  wire                     tb_wr_en,
    input  wire [15:0]              tb_wr_index,
    input  wire [`SPISYNC_ST_W-1:0] tb_wr_data,
    output wire                     tb_wr_collide,
    input  wire                     tb_rd_en,
    input  wire [15:0]              tb_rd_index,
    output wire [`SPISYNC_ST_W-1:0] tb_rd_data
);

wire                     cm_st_rd_en;
wire [15:0]              cm_st_rd_index;
wire [`SPISYNC_ST_W-1:0] cm_st_rd_data;
wire                     cm_st_wr_en;
wire [15:0]              cm_st_wr_index;
wire [`SPISYNC_ST_W-1:0] cm_st_wr_data;

esp_commit #(
    .BYTES(BYTES),
    .HDR_BYTES(HDR_BYTES),
    .PAD_LAT(PAD_LAT)
) u_commit (
    .clk(clk),
    .rst(rst),
    .c_tdata(c_tdata),
    .c_tvalid(c_tvalid),
    .c_tlast(c_tlast),
    .c_auth_ok(c_auth_ok),
    .c_token(c_token),
    .c_bypass(c_bypass),
    .c_raw(c_raw),
    .m_valid(m_valid),
    .m_ready(m_ready),
    .m_reason(m_reason),
    .m_index(m_index),
    .m_gen(m_gen),
    .m_esn(m_esn),
    .m_seq64(m_seq64),
    .m_mode(m_mode),
    .m_hard_bytes(m_hard_bytes),
    .m_hard_packets(m_hard_packets),
    .m_soft_bytes(m_soft_bytes),
    .m_soft_packets(m_soft_packets),
    .m_spi(m_spi),
    .m_hdr(m_hdr),
    .m_l2_len(m_l2_len),
    .m_l3_hdr_len(m_l3_hdr_len),
    .m_vlan(m_vlan),
    .m_ipv6(m_ipv6),
    .m_csum_base(m_csum_base),
    .m_rx_seq(m_rx_seq),
    .m_pay_len(m_pay_len),
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
    .sa_ev_valid(sa_ev_valid),
    .sa_ev_rec(sa_ev_rec),
    .protocol_error(protocol_error)
);

// the commit stage's write wins, as the card's init mux lets it once ready
assign tb_wr_collide = tb_wr_en && cm_st_wr_en;

wire [`SPISYNC_ST_W-1:0] pre_rd_data;
wire unused_pre_rd_data = &pre_rd_data;

sa_state #(
    .ENTRIES(SA_ENTRIES)
) u_state (
    .clk(clk),
    .wr_en(cm_st_wr_en || tb_wr_en),
    .wr_index(cm_st_wr_en ? cm_st_wr_index : tb_wr_index),
    .wr_data(cm_st_wr_en ? cm_st_wr_data : tb_wr_data),
    .a_rd_en(cm_st_rd_en),
    .a_rd_index(cm_st_rd_index),
    .a_rd_data(cm_st_rd_data),
    .b_rd_en(1'b0),
    .b_rd_index(16'd0),
    .b_rd_data(pre_rd_data),
    .c_rd_en(tb_rd_en),
    .c_rd_index(tb_rd_index),
    .c_rd_data(tb_rd_data)
);

endmodule

`resetall
