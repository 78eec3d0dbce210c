// spisync -- the card's register port as the Alveo kernel exposes it: the
// host's AXI4-Lite port (s_axil, the kernel's s_axi_control) and the card's
// controller (ctl_cpu: the rv32imc core running firmware/ from its ROM)
// share the card's one register slave (m_axil) through the 2:1 arbiter
// (axil_arb). The mailbox is registers both sides use, so the firmware and
// the host meet there exactly as in the simulator. One module so that the
// kernel (hw/alveo/spisync.v) instantiates it; test_kernel runs that top
// in Verilator.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module ctl_port #(
    parameter FW_HEX = ""   // the firmware's code image ($readmemh), ctl_cpu
) (
    input  wire        clk,
    input  wire        rst,

    // the host
    input  wire [15:0] s_axil_awaddr,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [15:0] s_axil_araddr,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready,

    // the card
    output wire [15:0] m_axil_awaddr,
    output wire        m_axil_awvalid,
    input  wire        m_axil_awready,
    output wire [31:0] m_axil_wdata,
    output wire [3:0]  m_axil_wstrb,
    output wire        m_axil_wvalid,
    input  wire        m_axil_wready,
    input  wire [1:0]  m_axil_bresp,
    input  wire        m_axil_bvalid,
    output wire        m_axil_bready,
    output wire [15:0] m_axil_araddr,
    output wire        m_axil_arvalid,
    input  wire        m_axil_arready,
    input  wire [31:0] m_axil_rdata,
    input  wire [1:0]  m_axil_rresp,
    input  wire        m_axil_rvalid,
    output wire        m_axil_rready
);

// the core's master
wire [15:0] c_awaddr, c_araddr;
wire        c_awvalid, c_awready, c_wvalid, c_wready, c_bvalid, c_bready;
wire        c_arvalid, c_arready, c_rvalid, c_rready;
wire [31:0] c_wdata, c_rdata;
wire [3:0]  c_wstrb;
wire [1:0]  c_bresp, c_rresp;

ctl_cpu #(
    .FW_HEX(FW_HEX)
) u_cpu (
    .clk(clk),
    .rst(rst),
    .m_axil_awaddr(c_awaddr),
    .m_axil_awvalid(c_awvalid),
    .m_axil_awready(c_awready),
    .m_axil_wdata(c_wdata),
    .m_axil_wstrb(c_wstrb),
    .m_axil_wvalid(c_wvalid),
    .m_axil_wready(c_wready),
    .m_axil_bresp(c_bresp),
    .m_axil_bvalid(c_bvalid),
    .m_axil_bready(c_bready),
    .m_axil_araddr(c_araddr),
    .m_axil_arvalid(c_arvalid),
    .m_axil_arready(c_arready),
    .m_axil_rdata(c_rdata),
    .m_axil_rresp(c_rresp),
    .m_axil_rvalid(c_rvalid),
    .m_axil_rready(c_rready)
);

axil_arb #(
    .ADDR_W(16)
) u_arb (
    .clk(clk),
    .rst(rst),
    .s0_axil_awaddr(s_axil_awaddr),
    .s0_axil_awvalid(s_axil_awvalid),
    .s0_axil_awready(s_axil_awready),
    .s0_axil_wdata(s_axil_wdata),
    .s0_axil_wstrb(s_axil_wstrb),
    .s0_axil_wvalid(s_axil_wvalid),
    .s0_axil_wready(s_axil_wready),
    .s0_axil_bresp(s_axil_bresp),
    .s0_axil_bvalid(s_axil_bvalid),
    .s0_axil_bready(s_axil_bready),
    .s0_axil_araddr(s_axil_araddr),
    .s0_axil_arvalid(s_axil_arvalid),
    .s0_axil_arready(s_axil_arready),
    .s0_axil_rdata(s_axil_rdata),
    .s0_axil_rresp(s_axil_rresp),
    .s0_axil_rvalid(s_axil_rvalid),
    .s0_axil_rready(s_axil_rready),
    .s1_axil_awaddr(c_awaddr),
    .s1_axil_awvalid(c_awvalid),
    .s1_axil_awready(c_awready),
    .s1_axil_wdata(c_wdata),
    .s1_axil_wstrb(c_wstrb),
    .s1_axil_wvalid(c_wvalid),
    .s1_axil_wready(c_wready),
    .s1_axil_bresp(c_bresp),
    .s1_axil_bvalid(c_bvalid),
    .s1_axil_bready(c_bready),
    .s1_axil_araddr(c_araddr),
    .s1_axil_arvalid(c_arvalid),
    .s1_axil_arready(c_arready),
    .s1_axil_rdata(c_rdata),
    .s1_axil_rresp(c_rresp),
    .s1_axil_rvalid(c_rvalid),
    .s1_axil_rready(c_rready),
    .m_axil_awaddr(m_axil_awaddr),
    .m_axil_awvalid(m_axil_awvalid),
    .m_axil_awready(m_axil_awready),
    .m_axil_wdata(m_axil_wdata),
    .m_axil_wstrb(m_axil_wstrb),
    .m_axil_wvalid(m_axil_wvalid),
    .m_axil_wready(m_axil_wready),
    .m_axil_bresp(m_axil_bresp),
    .m_axil_bvalid(m_axil_bvalid),
    .m_axil_bready(m_axil_bready),
    .m_axil_araddr(m_axil_araddr),
    .m_axil_arvalid(m_axil_arvalid),
    .m_axil_arready(m_axil_arready),
    .m_axil_rdata(m_axil_rdata),
    .m_axil_rresp(m_axil_rresp),
    .m_axil_rvalid(m_axil_rvalid),
    .m_axil_rready(m_axil_rready)
);

endmodule

`resetall
