// spisync -- simulation top of test_cpu_fw: the controller subsystem
// (hw/cpu/ctl_cpu.v, running the firmware built into its ROM) and the 2:1
// AXI4-Lite arbiter (hw/cpu/axil_arb.v), both in hw/cpu/ctl_port.v as the
// kernel instantiates them, and the card (hw/rtl/spisync_card.v), connected
// as in the Alveo kernel: the host's register port (s_axil_*,
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

// the card's slave, shared by the host port and the controller (hw/cpu/ctl_port.v,
// as the kernel instantiates it)
wire [15:0] k_awaddr, k_araddr;
wire        k_awvalid, k_awready, k_wvalid, k_wready, k_bvalid, k_bready;
wire        k_arvalid, k_arready, k_rvalid, k_rready;
wire [31:0] k_wdata, k_rdata;
wire [3:0]  k_wstrb;
wire [1:0]  k_bresp, k_rresp;

ctl_port #(
    .FW_HEX (FW_HEX)
) u_ctl (
    .clk (clk),
    .rst (rst),
    .s_axil_awaddr (s_axil_awaddr),
    .s_axil_awvalid (s_axil_awvalid),
    .s_axil_awready (s_axil_awready),
    .s_axil_wdata (s_axil_wdata),
    .s_axil_wstrb (4'hF),
    .s_axil_wvalid (s_axil_wvalid),
    .s_axil_wready (s_axil_wready),
    .s_axil_bresp (s_axil_bresp),
    .s_axil_bvalid (s_axil_bvalid),
    .s_axil_bready (s_axil_bready),
    .s_axil_araddr (s_axil_araddr),
    .s_axil_arvalid (s_axil_arvalid),
    .s_axil_arready (s_axil_arready),
    .s_axil_rdata (s_axil_rdata),
    .s_axil_rresp (s_axil_rresp),
    .s_axil_rvalid (s_axil_rvalid),
    .s_axil_rready (s_axil_rready),
    .m_axil_awaddr (k_awaddr),
    .m_axil_awvalid (k_awvalid),
    .m_axil_awready (k_awready),
    .m_axil_wdata (k_wdata),
    .m_axil_wstrb (k_wstrb),
    .m_axil_wvalid (k_wvalid),
    .m_axil_wready (k_wready),
    .m_axil_bresp (k_bresp),
    .m_axil_bvalid (k_bvalid),
    .m_axil_bready (k_bready),
    .m_axil_araddr (k_araddr),
    .m_axil_arvalid (k_arvalid),
    .m_axil_arready (k_arready),
    .m_axil_rdata (k_rdata),
    .m_axil_rresp (k_rresp),
    .m_axil_rvalid (k_rvalid),
    .m_axil_rready (k_rready)
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
