// spisync -- simulation top of test_cpu_fw: the controller subsystem
// (hw/cpu/ctl_cpu.v, running the firmware built into its ROM), the 2:1
// AXI4-Lite arbiter (hw/cpu/axil_arb.v) and the card (hw/rtl/spisync_card.v)
// as the Alveo kernel connects them: the host's register port (s_axil_*,
// the kernel's s_axi_control) and the core's master share the card's one
// register slave. The card's streams are ports; its event ring master gets
// an always-ready memory that answers every write OKAY.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module ctl_card_top #(
    parameter         FW_HEX      = "",
    parameter integer DATA_WIDTH  = 128,
    parameter integer SA_ENTRIES  = 64,
    parameter integer TAG_BUCKETS = 64
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire [15:0]               s_axil_awaddr,
    input  wire                      s_axil_awvalid,
    output wire                      s_axil_awready,
    input  wire [31:0]               s_axil_wdata,
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

    input  wire [DATA_WIDTH-1:0]     s_axis_rx_tdata,
    input  wire [DATA_WIDTH/8-1:0]   s_axis_rx_tkeep,
    input  wire                      s_axis_rx_tvalid,
    input  wire                      s_axis_rx_tlast,
    output wire [DATA_WIDTH-1:0]     m_axis_host_tdata,
    output wire [DATA_WIDTH/8-1:0]   m_axis_host_tkeep,
    output wire                      m_axis_host_tvalid,
    output wire                      m_axis_host_tlast,
    output wire [`SPISYNC_HOST_TUSER_W-1:0] m_axis_host_tuser
);

// the core's master
wire [15:0] c_awaddr, c_araddr;
wire        c_awvalid, c_awready, c_wvalid, c_wready, c_bvalid, c_bready;
wire        c_arvalid, c_arready, c_rvalid, c_rready;
wire [31:0] c_wdata, c_rdata;
wire [3:0]  c_wstrb;
wire [1:0]  c_bresp, c_rresp;

ctl_cpu #(
    .FW_HEX (FW_HEX)
) u_cpu (
    .clk            (clk),
    .rst            (rst),
    .m_axil_awaddr  (c_awaddr),
    .m_axil_awvalid (c_awvalid),
    .m_axil_awready (c_awready),
    .m_axil_wdata   (c_wdata),
    .m_axil_wstrb   (c_wstrb),
    .m_axil_wvalid  (c_wvalid),
    .m_axil_wready  (c_wready),
    .m_axil_bresp   (c_bresp),
    .m_axil_bvalid  (c_bvalid),
    .m_axil_bready  (c_bready),
    .m_axil_araddr  (c_araddr),
    .m_axil_arvalid (c_arvalid),
    .m_axil_arready (c_arready),
    .m_axil_rdata   (c_rdata),
    .m_axil_rresp   (c_rresp),
    .m_axil_rvalid  (c_rvalid),
    .m_axil_rready  (c_rready)
);

// the card's slave
wire [15:0] k_awaddr, k_araddr;
wire        k_awvalid, k_awready, k_wvalid, k_wready, k_bvalid, k_bready;
wire        k_arvalid, k_arready, k_rvalid, k_rready;
wire [31:0] k_wdata, k_rdata;
wire [3:0]  k_wstrb;
wire [1:0]  k_bresp, k_rresp;

axil_arb #(
    .ADDR_W (16)
) u_arb (
    .clk             (clk),
    .rst             (rst),
    .s0_axil_awaddr  (s_axil_awaddr),
    .s0_axil_awvalid (s_axil_awvalid),
    .s0_axil_awready (s_axil_awready),
    .s0_axil_wdata   (s_axil_wdata),
    .s0_axil_wstrb   (4'hF),
    .s0_axil_wvalid  (s_axil_wvalid),
    .s0_axil_wready  (s_axil_wready),
    .s0_axil_bresp   (s_axil_bresp),
    .s0_axil_bvalid  (s_axil_bvalid),
    .s0_axil_bready  (s_axil_bready),
    .s0_axil_araddr  (s_axil_araddr),
    .s0_axil_arvalid (s_axil_arvalid),
    .s0_axil_arready (s_axil_arready),
    .s0_axil_rdata   (s_axil_rdata),
    .s0_axil_rresp   (s_axil_rresp),
    .s0_axil_rvalid  (s_axil_rvalid),
    .s0_axil_rready  (s_axil_rready),
    .s1_axil_awaddr  (c_awaddr),
    .s1_axil_awvalid (c_awvalid),
    .s1_axil_awready (c_awready),
    .s1_axil_wdata   (c_wdata),
    .s1_axil_wstrb   (c_wstrb),
    .s1_axil_wvalid  (c_wvalid),
    .s1_axil_wready  (c_wready),
    .s1_axil_bresp   (c_bresp),
    .s1_axil_bvalid  (c_bvalid),
    .s1_axil_bready  (c_bready),
    .s1_axil_araddr  (c_araddr),
    .s1_axil_arvalid (c_arvalid),
    .s1_axil_arready (c_arready),
    .s1_axil_rdata   (c_rdata),
    .s1_axil_rresp   (c_rresp),
    .s1_axil_rvalid  (c_rvalid),
    .s1_axil_rready  (c_rready),
    .m_axil_awaddr   (k_awaddr),
    .m_axil_awvalid  (k_awvalid),
    .m_axil_awready  (k_awready),
    .m_axil_wdata    (k_wdata),
    .m_axil_wstrb    (k_wstrb),
    .m_axil_wvalid   (k_wvalid),
    .m_axil_wready   (k_wready),
    .m_axil_bresp    (k_bresp),
    .m_axil_bvalid   (k_bvalid),
    .m_axil_bready   (k_bready),
    .m_axil_araddr   (k_araddr),
    .m_axil_arvalid  (k_arvalid),
    .m_axil_arready  (k_arready),
    .m_axil_rdata    (k_rdata),
    .m_axil_rresp    (k_rresp),
    .m_axil_rvalid   (k_rvalid),
    .m_axil_rready   (k_rready)
);

// the event ring's memory: takes everything, answers OKAY
wire        ev_awvalid, ev_wvalid, ev_wlast, ev_bready;
reg         ev_bvalid;
wire [63:0] ev_awaddr;
wire [7:0]  ev_awlen;
wire [2:0]  ev_awsize, ev_awprot;
wire [1:0]  ev_awburst;
wire [3:0]  ev_awcache;
wire [`SPISYNC_EVENT_BYTES*8-1:0] ev_wdata;
wire [`SPISYNC_EVENT_BYTES-1:0]   ev_wstrb;
always @(posedge clk) begin
    if (ev_wvalid && ev_wlast) begin
        ev_bvalid <= 1'b1;
    end else if (ev_bready) begin
        ev_bvalid <= 1'b0;
    end
    if (rst) begin
        ev_bvalid <= 1'b0;
    end
end

wire card_busy, card_protocol_error;
spisync_card #(
    .DATA_WIDTH  (DATA_WIDTH),
    .SA_ENTRIES  (SA_ENTRIES),
    .TAG_BUCKETS (TAG_BUCKETS)
) u_card (
    .clk                (clk),
    .rst                (rst),
    .s_axis_rx_tdata    (s_axis_rx_tdata),
    .s_axis_rx_tkeep    (s_axis_rx_tkeep),
    .s_axis_rx_tvalid   (s_axis_rx_tvalid),
    .s_axis_rx_tlast    (s_axis_rx_tlast),
    .s_axis_rx_tuser    (1'b0),
    .rx_overflow        (1'b0),
    .m_axis_host_tdata  (m_axis_host_tdata),
    .m_axis_host_tkeep  (m_axis_host_tkeep),
    .m_axis_host_tvalid (m_axis_host_tvalid),
    .m_axis_host_tlast  (m_axis_host_tlast),
    .m_axis_host_tuser  (m_axis_host_tuser),
    .m_axis_host_tready (1'b1),
    .m_axi_ev_awaddr    (ev_awaddr),
    .m_axi_ev_awlen     (ev_awlen),
    .m_axi_ev_awsize    (ev_awsize),
    .m_axi_ev_awburst   (ev_awburst),
    .m_axi_ev_awcache   (ev_awcache),
    .m_axi_ev_awprot    (ev_awprot),
    .m_axi_ev_awvalid   (ev_awvalid),
    .m_axi_ev_awready   (1'b1),
    .m_axi_ev_wdata     (ev_wdata),
    .m_axi_ev_wstrb     (ev_wstrb),
    .m_axi_ev_wlast     (ev_wlast),
    .m_axi_ev_wvalid    (ev_wvalid),
    .m_axi_ev_wready    (1'b1),
    .m_axi_ev_bresp     (2'b00),
    .m_axi_ev_bvalid    (ev_bvalid),
    .m_axi_ev_bready    (ev_bready),
    .s_axil_awaddr      (k_awaddr),
    .s_axil_awvalid     (k_awvalid),
    .s_axil_awready     (k_awready),
    .s_axil_wdata       (k_wdata),
    .s_axil_wstrb       (k_wstrb),
    .s_axil_wvalid      (k_wvalid),
    .s_axil_wready      (k_wready),
    .s_axil_bresp       (k_bresp),
    .s_axil_bvalid      (k_bvalid),
    .s_axil_bready      (k_bready),
    .s_axil_araddr      (k_araddr),
    .s_axil_arvalid     (k_arvalid),
    .s_axil_arready     (k_arready),
    .s_axil_rdata       (k_rdata),
    .s_axil_rresp       (k_rresp),
    .s_axil_rvalid      (k_rvalid),
    .s_axil_rready      (k_rready),
    .busy               (card_busy),
    .protocol_error     (card_protocol_error)
);

wire unused_top = &{ev_awvalid, ev_awaddr, ev_awlen, ev_awsize, ev_awprot, ev_awburst,
                    ev_awcache, ev_wdata, ev_wstrb, card_busy, card_protocol_error};

endmodule

`resetall
