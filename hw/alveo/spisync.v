// spisync -- the Vitis RTL kernel "spisync": hw/rtl/spisync_card.v at
// DATA_WIDTH 512 behind the port names, clocks and resets Vitis requires.
//
//   s_axis_rx  (from cmac_0.M_AXIS)  -> [RX async FIFO] -> card -> [TX async
//   FIFO] -> m_axis_tx (to cmac_1.S_AXIS), the FIFOs only with RX_ASYNC = 1;
//   s_axi_control: the card's register map (hw/spec/spisync.toml, 64 KiB),
//     shared through a 2:1 arbiter (hw/cpu/axil_arb.v) with the card's
//     controller, an rv32imc core running firmware/ (hw/cpu/ctl_cpu.v);
//   m_axi_ev: the event ring in host memory (writes only; the read channels
//   are present and idle).
//
// Clocks. UG1393 ("Managing Clocks in an RTL Kernel", "Kernel Interface
// Requirements"): an RTL kernel has ap_clk and optionally ap_clk_2, and "all
// external RTL kernel interfaces must be clocked on the primary clock"; on
// PCIe platforms v++ gives ap_clk_2 the platform's second clock (index 1,
// 500 MHz by default). The CMAC kernel of Xilinx/xup_vitis_network_example
// crosses from its 322 MHz MAC clock to its own ap_clk inside (Ethernet/
// README.md: "run at the same frequency as the kernel"), so its M_AXIS and
// S_AXIS reach this kernel on the kernel clock. Hence RX_ASYNC = 0 (default):
// every interface is on ap_clk, ap_clk_2 / ap_rst_n_2 are present and unused.
// RX_ASYNC = 1 puts s_axis_rx and m_axis_tx on ap_clk_2 through
// axis_async_fifo (RX: frame mode, a frame dropped when full is one
// rx_overflow pulse = CDC_OVERFLOW; TX: backpressure, no drop), for a MAC
// that hands over its own clock, outside Vitis: the packaging attributes
// below describe RX_ASYNC = 0 only, and tools/check-alveo.py fails on a
// default of 1 (streams off ap_clk, against UG1393).
//
// Resets: ap_rst_n / ap_rst_n_2 are synchronous active-low (UG1393: "should
// be internally pipelined"); each is inverted and registered once into the
// active-high synchronous reset of its domain.
//
// The card's busy / protocol_error outputs are not registers of the spec
// (STATUS holds only `ready`): they end in named wires (card_busy,
// card_protocol_error) an ILA can probe, nothing else reads them.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module spisync #(
    parameter integer RX_ASYNC      = 0,       // 1: streams on ap_clk_2 via async FIFOs
    parameter integer RX_FIFO_DEPTH = 512,     // beats, power of two (RX_ASYNC = 1)
    parameter integer TX_FIFO_DEPTH = 64,      // beats, power of two (RX_ASYNC = 1)
    // the controller firmware's code image ($readmemh, one 32-bit word a
    // line; `make firmware-hex`): package_xo.tcl adds it to the IP under
    // this name; the Verilator tests pass a path
    parameter         FW_HEX        = "spisync_fw.mem",
    // the card's parameters, product defaults (hw/rtl/spisync_card.v)
    parameter integer SA_ENTRIES    = 4096,
    parameter integer TAG_BUCKETS   = 2048,
    parameter integer CLK_PERIOD_PS = 3333,    // ap_clk at 300 MHz
    parameter integer PAD_LAT       = 3,
    parameter integer FLOW_SETS     = 512,
    parameter integer RING_LOG2_MAX = 20,
    parameter integer EV_DEPTH      = 64,
    parameter integer EVENT_HIST    = 64
) (
    // X_INTERFACE_* : Vivado IP packager attributes (UG1118; the same form as
    // the CMAC kernel's top in xup_vitis_network_example); both lint and
    // synthesis tools of this project accept them (tools/lint-alveo.sh).
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 ap_clk CLK" *)
    (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axi_control:m_axi_ev:s_axis_rx:m_axis_tx, ASSOCIATED_RESET ap_rst_n, FREQ_HZ 300000000" *)
    input  wire                      ap_clk,
    (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 ap_rst_n RST" *)
    (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
    input  wire                      ap_rst_n,
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 ap_clk_2 CLK" *)
    (* X_INTERFACE_PARAMETER = "ASSOCIATED_RESET ap_rst_n_2" *)
    input  wire                      ap_clk_2,
    (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 ap_rst_n_2 RST" *)
    (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
    input  wire                      ap_rst_n_2,

    // from the receive MAC (cmac_0.M_AXIS): never stalled
    input  wire [511:0]              s_axis_rx_tdata,
    input  wire [63:0]               s_axis_rx_tkeep,
    input  wire                      s_axis_rx_tvalid,
    output wire                      s_axis_rx_tready,
    input  wire                      s_axis_rx_tlast,
    input  wire                      s_axis_rx_tuser,

    // delivered frames to the transmit MAC (cmac_1.S_AXIS)
    output wire [511:0]              m_axis_tx_tdata,
    output wire [63:0]               m_axis_tx_tkeep,
    output wire                      m_axis_tx_tvalid,
    input  wire                      m_axis_tx_tready,
    output wire                      m_axis_tx_tlast,

    // control: the card's AXI4-Lite register map
    input  wire [15:0]               s_axi_control_awaddr,
    input  wire                      s_axi_control_awvalid,
    output wire                      s_axi_control_awready,
    input  wire [31:0]               s_axi_control_wdata,
    input  wire [3:0]                s_axi_control_wstrb,
    input  wire                      s_axi_control_wvalid,
    output wire                      s_axi_control_wready,
    output wire [1:0]                s_axi_control_bresp,
    output wire                      s_axi_control_bvalid,
    input  wire                      s_axi_control_bready,
    input  wire [15:0]               s_axi_control_araddr,
    input  wire                      s_axi_control_arvalid,
    output wire                      s_axi_control_arready,
    output wire [31:0]               s_axi_control_rdata,
    output wire [1:0]                s_axi_control_rresp,
    output wire                      s_axi_control_rvalid,
    input  wire                      s_axi_control_rready,

    // event ring: AXI4 master to host memory, one record per beat
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
    output wire [63:0]               m_axi_ev_araddr,
    output wire [7:0]                m_axi_ev_arlen,
    output wire [2:0]                m_axi_ev_arsize,
    output wire [1:0]                m_axi_ev_arburst,
    output wire [3:0]                m_axi_ev_arcache,
    output wire [2:0]                m_axi_ev_arprot,
    output wire                      m_axi_ev_arvalid,
    input  wire                      m_axi_ev_arready,
    input  wire [`SPISYNC_EVENT_BYTES*8-1:0] m_axi_ev_rdata,
    input  wire [1:0]                m_axi_ev_rresp,
    input  wire                      m_axi_ev_rlast,
    input  wire                      m_axi_ev_rvalid,
    output wire                      m_axi_ev_rready
);

localparam integer DATA_WIDTH = 512;
localparam integer TUSER_W    = `SPISYNC_HOST_TUSER_W;

generate
    if (RX_ASYNC != 0 && RX_ASYNC != 1) begin : g_check
        spisync_RX_ASYNC_must_be_0_or_1 invalid_parameter ();
    end
endgenerate

// ---------------------------------------------------------------------------
// resets: active-low in, registered active-high out, one per clock domain
// ---------------------------------------------------------------------------
reg rst;
always @(posedge ap_clk) begin
    rst <= !ap_rst_n;
end

// ---------------------------------------------------------------------------
// the card's streams, on ap_clk
// ---------------------------------------------------------------------------
wire [DATA_WIDTH-1:0]   c_rx_tdata;
wire [DATA_WIDTH/8-1:0] c_rx_tkeep;
wire                    c_rx_tvalid;
wire                    c_rx_tlast;
wire                    c_rx_tuser;
wire                    c_rx_overflow;

wire [DATA_WIDTH-1:0]   c_host_tdata;
wire [DATA_WIDTH/8-1:0] c_host_tkeep;
wire                    c_host_tvalid;
wire                    c_host_tlast;
wire [TUSER_W-1:0]      c_host_tuser;
wire                    c_host_tready;

generate
    if (RX_ASYNC == 1) begin : g_async
        reg rst_2;
        always @(posedge ap_clk_2) begin
            rst_2 <= !ap_rst_n_2;
        end

        // RX: the MAC cannot be stalled; a frame that does not fit is
        // dropped whole and counted by the card (CDC_OVERFLOW)
        wire rx_s_overflow;
        wire [$clog2(RX_FIFO_DEPTH):0] rx_s_level, rx_m_level;
        axis_async_fifo #(
            .DATA_WIDTH(DATA_WIDTH),
            .USER_WIDTH(1),
            .DEPTH(RX_FIFO_DEPTH),
            .FRAME_DROP(1)
        ) u_rx_fifo (
            .s_clk(ap_clk_2),
            .s_rst(rst_2),
            .s_axis_tdata(s_axis_rx_tdata),
            .s_axis_tkeep(s_axis_rx_tkeep),
            .s_axis_tvalid(s_axis_rx_tvalid),
            .s_axis_tready(s_axis_rx_tready),
            .s_axis_tlast(s_axis_rx_tlast),
            .s_axis_tuser(s_axis_rx_tuser),
            .m_clk(ap_clk),
            .m_rst(rst),
            .m_axis_tdata(c_rx_tdata),
            .m_axis_tkeep(c_rx_tkeep),
            .m_axis_tvalid(c_rx_tvalid),
            .m_axis_tready(1'b1),
            .m_axis_tlast(c_rx_tlast),
            .m_axis_tuser(c_rx_tuser),
            .m_drop(c_rx_overflow),
            .s_overflow(rx_s_overflow),
            .s_level(rx_s_level),
            .m_level(rx_m_level)
        );

        // TX: backpressure from the MAC, never drops; the card's metadata
        // (tuser) stays inside the kernel
        wire tx_m_drop, tx_s_overflow;
        wire tx_tuser;
        wire [$clog2(TX_FIFO_DEPTH):0] tx_s_level, tx_m_level;
        axis_async_fifo #(
            .DATA_WIDTH(DATA_WIDTH),
            .USER_WIDTH(1),
            .DEPTH(TX_FIFO_DEPTH),
            .FRAME_DROP(0)
        ) u_tx_fifo (
            .s_clk(ap_clk),
            .s_rst(rst),
            .s_axis_tdata(c_host_tdata),
            .s_axis_tkeep(c_host_tkeep),
            .s_axis_tvalid(c_host_tvalid),
            .s_axis_tready(c_host_tready),
            .s_axis_tlast(c_host_tlast),
            .s_axis_tuser(1'b0),
            .m_clk(ap_clk_2),
            .m_rst(rst_2),
            .m_axis_tdata(m_axis_tx_tdata),
            .m_axis_tkeep(m_axis_tx_tkeep),
            .m_axis_tvalid(m_axis_tx_tvalid),
            .m_axis_tready(m_axis_tx_tready),
            .m_axis_tlast(m_axis_tx_tlast),
            .m_axis_tuser(tx_tuser),
            .m_drop(tx_m_drop),
            .s_overflow(tx_s_overflow),
            .s_level(tx_s_level),
            .m_level(tx_m_level)
        );

        // s_overflow: the RX drop seen from the MAC side (m_drop counts it);
        // a FRAME_DROP = 0 FIFO never drops; the fill levels are for an ILA
        wire unused_async = &{1'b0, rx_s_overflow, tx_m_drop, tx_s_overflow, tx_tuser,
                              rx_s_level, rx_m_level, tx_s_level, tx_m_level};
    end else begin : g_sync
        // everything on ap_clk; the card has no tready, the MAC is never stalled
        assign s_axis_rx_tready = 1'b1;
        assign c_rx_tdata       = s_axis_rx_tdata;
        assign c_rx_tkeep       = s_axis_rx_tkeep;
        assign c_rx_tvalid      = s_axis_rx_tvalid;
        assign c_rx_tlast       = s_axis_rx_tlast;
        assign c_rx_tuser       = s_axis_rx_tuser;
        assign c_rx_overflow    = 1'b0;

        assign m_axis_tx_tdata  = c_host_tdata;
        assign m_axis_tx_tkeep  = c_host_tkeep;
        assign m_axis_tx_tvalid = c_host_tvalid;
        assign m_axis_tx_tlast  = c_host_tlast;
        assign c_host_tready    = m_axis_tx_tready;

        // ap_clk_2 / ap_rst_n_2: present for the kernel interface, unused
        wire unused_clk2 = &{1'b0, ap_clk_2, ap_rst_n_2};
    end
endgenerate

// ---------------------------------------------------------------------------
// the card
// ---------------------------------------------------------------------------
// ---------------------------------------------------------------------------
// The card's controller: the rv32imc core running firmware/ from its ROM
// (hw/cpu/ctl_cpu.v; the image is in the bitstream, FW_HEX), and the 2:1
// AXI4-Lite arbiter that lets it and the host (s_axi_control) share the
// card's one register port: the mailbox is the same registers for both.
// ---------------------------------------------------------------------------
wire [15:0] k_awaddr, k_araddr;
wire        k_awvalid, k_awready, k_wvalid, k_wready, k_bvalid, k_bready;
wire        k_arvalid, k_arready, k_rvalid, k_rready;
wire [31:0] k_wdata, k_rdata;
wire [3:0]  k_wstrb;
wire [1:0]  k_bresp, k_rresp;

ctl_port #(
    .FW_HEX(FW_HEX)
) u_ctl (
    .clk(ap_clk),
    .rst(rst),
    .s_axil_awaddr(s_axi_control_awaddr),
    .s_axil_awvalid(s_axi_control_awvalid),
    .s_axil_awready(s_axi_control_awready),
    .s_axil_wdata(s_axi_control_wdata),
    .s_axil_wstrb(s_axi_control_wstrb),
    .s_axil_wvalid(s_axi_control_wvalid),
    .s_axil_wready(s_axi_control_wready),
    .s_axil_bresp(s_axi_control_bresp),
    .s_axil_bvalid(s_axi_control_bvalid),
    .s_axil_bready(s_axi_control_bready),
    .s_axil_araddr(s_axi_control_araddr),
    .s_axil_arvalid(s_axi_control_arvalid),
    .s_axil_arready(s_axi_control_arready),
    .s_axil_rdata(s_axi_control_rdata),
    .s_axil_rresp(s_axi_control_rresp),
    .s_axil_rvalid(s_axi_control_rvalid),
    .s_axil_rready(s_axi_control_rready),
    .m_axil_awaddr(k_awaddr),
    .m_axil_awvalid(k_awvalid),
    .m_axil_awready(k_awready),
    .m_axil_wdata(k_wdata),
    .m_axil_wstrb(k_wstrb),
    .m_axil_wvalid(k_wvalid),
    .m_axil_wready(k_wready),
    .m_axil_bresp(k_bresp),
    .m_axil_bvalid(k_bvalid),
    .m_axil_bready(k_bready),
    .m_axil_araddr(k_araddr),
    .m_axil_arvalid(k_arvalid),
    .m_axil_arready(k_arready),
    .m_axil_rdata(k_rdata),
    .m_axil_rresp(k_rresp),
    .m_axil_rvalid(k_rvalid),
    .m_axil_rready(k_rready)
);

wire card_busy;            // frames or records inside the card (ILA probe)
wire card_protocol_error;  // internal handshake broken: a bug (ILA probe)

spisync_card #(
    .DATA_WIDTH(DATA_WIDTH),
    .SA_ENTRIES(SA_ENTRIES),
    .TAG_BUCKETS(TAG_BUCKETS),
    .CLK_PERIOD_PS(CLK_PERIOD_PS),
    .PAD_LAT(PAD_LAT),
    .FLOW_SETS(FLOW_SETS),
    .RING_LOG2_MAX(RING_LOG2_MAX),
    .EV_DEPTH(EV_DEPTH),
    .EVENT_HIST(EVENT_HIST)
) u_card (
    .clk(ap_clk),
    .rst(rst),
    .s_axis_rx_tdata(c_rx_tdata),
    .s_axis_rx_tkeep(c_rx_tkeep),
    .s_axis_rx_tvalid(c_rx_tvalid),
    .s_axis_rx_tlast(c_rx_tlast),
    .s_axis_rx_tuser(c_rx_tuser),
    .rx_overflow(c_rx_overflow),
    .m_axis_host_tdata(c_host_tdata),
    .m_axis_host_tkeep(c_host_tkeep),
    .m_axis_host_tvalid(c_host_tvalid),
    .m_axis_host_tlast(c_host_tlast),
    .m_axis_host_tuser(c_host_tuser),
    .m_axis_host_tready(c_host_tready),
    .m_axi_ev_awaddr(m_axi_ev_awaddr),
    .m_axi_ev_awlen(m_axi_ev_awlen),
    .m_axi_ev_awsize(m_axi_ev_awsize),
    .m_axi_ev_awburst(m_axi_ev_awburst),
    .m_axi_ev_awcache(m_axi_ev_awcache),
    .m_axi_ev_awprot(m_axi_ev_awprot),
    .m_axi_ev_awvalid(m_axi_ev_awvalid),
    .m_axi_ev_awready(m_axi_ev_awready),
    .m_axi_ev_wdata(m_axi_ev_wdata),
    .m_axi_ev_wstrb(m_axi_ev_wstrb),
    .m_axi_ev_wlast(m_axi_ev_wlast),
    .m_axi_ev_wvalid(m_axi_ev_wvalid),
    .m_axi_ev_wready(m_axi_ev_wready),
    .m_axi_ev_bresp(m_axi_ev_bresp),
    .m_axi_ev_bvalid(m_axi_ev_bvalid),
    .m_axi_ev_bready(m_axi_ev_bready),
    .s_axil_awaddr(k_awaddr),
    .s_axil_awvalid(k_awvalid),
    .s_axil_awready(k_awready),
    .s_axil_wdata(k_wdata),
    .s_axil_wstrb(k_wstrb),
    .s_axil_wvalid(k_wvalid),
    .s_axil_wready(k_wready),
    .s_axil_bresp(k_bresp),
    .s_axil_bvalid(k_bvalid),
    .s_axil_bready(k_bready),
    .s_axil_araddr(k_araddr),
    .s_axil_arvalid(k_arvalid),
    .s_axil_arready(k_arready),
    .s_axil_rdata(k_rdata),
    .s_axil_rresp(k_rresp),
    .s_axil_rvalid(k_rvalid),
    .s_axil_rready(k_rready),
    .busy(card_busy),
    .protocol_error(card_protocol_error)
);

// m_axi_ev read channels: present (a Vitis AXI4 master has them), idle
assign m_axi_ev_araddr  = 64'd0;
assign m_axi_ev_arlen   = 8'd0;
assign m_axi_ev_arsize  = 3'd6;        // 64 bytes, the beat size
assign m_axi_ev_arburst = 2'b01;       // INCR
assign m_axi_ev_arcache = 4'b0011;
assign m_axi_ev_arprot  = 3'd0;
assign m_axi_ev_arvalid = 1'b0;
assign m_axi_ev_rready  = 1'b1;

// Not read: the host metadata (counters and the event ring carry it), the
// idle read channel's inputs, and the two monitoring outputs (see the header)
wire unused_wrapper = &{1'b0, c_host_tuser, m_axi_ev_arready, m_axi_ev_rdata,
                        m_axi_ev_rresp, m_axi_ev_rlast, m_axi_ev_rvalid,
                        card_busy, card_protocol_error};

endmodule

`resetall
