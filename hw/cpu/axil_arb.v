// spisync -- 2:1 AXI4-Lite arbiter: the host's control port (s0, the
// kernel's s_axi_control) and the controller core's master (s1, ctl_cpu)
// onto the card's one register slave (m, card_regs).
//
// One transaction at a time on m: a write (AW, W, then B) or a read (AR,
// then R) of one master. Four requesters, s0 write, s0 read, s1 write, s1
// read, are granted round robin (the one after the last granted first), so
// neither master nor either direction can starve the others, and a
// master's pending read does not wait behind its own pending write or the
// other master's traffic longer than one turn of each. The grant is a
// register taken in an idle clock; while it holds, the granted master's
// channels of that direction are connected to m and everything else sees
// ready / valid low, so a response can only reach the master that asked.
// The grant ends with the response's handshake (B or R). A write is
// requested by AWVALID or WVALID; card_regs takes AW and W together.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module axil_arb #(
    parameter integer ADDR_W = 16
) (
    input  wire              clk,
    input  wire              rst,

    // s0: the host
    input  wire [ADDR_W-1:0] s0_axil_awaddr,
    input  wire              s0_axil_awvalid,
    output wire              s0_axil_awready,
    input  wire [31:0]       s0_axil_wdata,
    input  wire [3:0]        s0_axil_wstrb,
    input  wire              s0_axil_wvalid,
    output wire              s0_axil_wready,
    output wire [1:0]        s0_axil_bresp,
    output wire              s0_axil_bvalid,
    input  wire              s0_axil_bready,
    input  wire [ADDR_W-1:0] s0_axil_araddr,
    input  wire              s0_axil_arvalid,
    output wire              s0_axil_arready,
    output wire [31:0]       s0_axil_rdata,
    output wire [1:0]        s0_axil_rresp,
    output wire              s0_axil_rvalid,
    input  wire              s0_axil_rready,

    // s1: the controller core
    input  wire [ADDR_W-1:0] s1_axil_awaddr,
    input  wire              s1_axil_awvalid,
    output wire              s1_axil_awready,
    input  wire [31:0]       s1_axil_wdata,
    input  wire [3:0]        s1_axil_wstrb,
    input  wire              s1_axil_wvalid,
    output wire              s1_axil_wready,
    output wire [1:0]        s1_axil_bresp,
    output wire              s1_axil_bvalid,
    input  wire              s1_axil_bready,
    input  wire [ADDR_W-1:0] s1_axil_araddr,
    input  wire              s1_axil_arvalid,
    output wire              s1_axil_arready,
    output wire [31:0]       s1_axil_rdata,
    output wire [1:0]        s1_axil_rresp,
    output wire              s1_axil_rvalid,
    input  wire              s1_axil_rready,

    // m: the card
    output wire [ADDR_W-1:0] m_axil_awaddr,
    output wire              m_axil_awvalid,
    input  wire              m_axil_awready,
    output wire [31:0]       m_axil_wdata,
    output wire [3:0]        m_axil_wstrb,
    output wire              m_axil_wvalid,
    input  wire              m_axil_wready,
    input  wire [1:0]        m_axil_bresp,
    input  wire              m_axil_bvalid,
    output wire              m_axil_bready,
    output wire [ADDR_W-1:0] m_axil_araddr,
    output wire              m_axil_arvalid,
    input  wire              m_axil_arready,
    input  wire [31:0]       m_axil_rdata,
    input  wire [1:0]        m_axil_rresp,
    input  wire              m_axil_rvalid,
    output wire              m_axil_rready
);

// requester k: bit 1 = master, bit 0 = read
wire [3:0] req = {s1_axil_arvalid, s1_axil_awvalid || s1_axil_wvalid,
                  s0_axil_arvalid, s0_axil_awvalid || s0_axil_wvalid};

reg       active;
reg [1:0] grant;       // while active: who
reg [1:0] last;        // the last granted, for the round robin

// the first requester after `last`, in the order last+1, last+2, ...
reg       pick_any;
reg [1:0] pick;
reg [1:0] cand;
integer k;
always @* begin
    pick_any = 1'b0;
    pick     = 2'd0;
    cand     = 2'd0;
    for (k = 1; k <= 4; k = k + 1) begin
        cand = last + k[1:0];
        if (!pick_any && req[cand]) begin
            pick_any = 1'b1;
            pick     = cand;
        end
    end
end

wire g_w0 = active && grant == 2'd0;
wire g_r0 = active && grant == 2'd1;
wire g_w1 = active && grant == 2'd2;
wire g_r1 = active && grant == 2'd3;
wire g_w  = g_w0 || g_w1;
wire g_r  = g_r0 || g_r1;

// write channels
assign m_axil_awaddr  = g_w1 ? s1_axil_awaddr : s0_axil_awaddr;
assign m_axil_awvalid = (g_w0 && s0_axil_awvalid) || (g_w1 && s1_axil_awvalid);
assign m_axil_wdata   = g_w1 ? s1_axil_wdata : s0_axil_wdata;
assign m_axil_wstrb   = g_w1 ? s1_axil_wstrb : s0_axil_wstrb;
assign m_axil_wvalid  = (g_w0 && s0_axil_wvalid) || (g_w1 && s1_axil_wvalid);
assign m_axil_bready  = (g_w0 && s0_axil_bready) || (g_w1 && s1_axil_bready);
assign s0_axil_awready = g_w0 && m_axil_awready;
assign s0_axil_wready  = g_w0 && m_axil_wready;
assign s0_axil_bvalid  = g_w0 && m_axil_bvalid;
assign s0_axil_bresp   = m_axil_bresp;
assign s1_axil_awready = g_w1 && m_axil_awready;
assign s1_axil_wready  = g_w1 && m_axil_wready;
assign s1_axil_bvalid  = g_w1 && m_axil_bvalid;
assign s1_axil_bresp   = m_axil_bresp;

// read channels
assign m_axil_araddr  = g_r1 ? s1_axil_araddr : s0_axil_araddr;
assign m_axil_arvalid = (g_r0 && s0_axil_arvalid) || (g_r1 && s1_axil_arvalid);
assign m_axil_rready  = (g_r0 && s0_axil_rready) || (g_r1 && s1_axil_rready);
assign s0_axil_arready = g_r0 && m_axil_arready;
assign s0_axil_rvalid  = g_r0 && m_axil_rvalid;
assign s0_axil_rdata   = m_axil_rdata;
assign s0_axil_rresp   = m_axil_rresp;
assign s1_axil_arready = g_r1 && m_axil_arready;
assign s1_axil_rvalid  = g_r1 && m_axil_rvalid;
assign s1_axil_rdata   = m_axil_rdata;
assign s1_axil_rresp   = m_axil_rresp;

wire done = (g_w && m_axil_bvalid && m_axil_bready) ||
            (g_r && m_axil_rvalid && m_axil_rready);

always @(posedge clk) begin
    if (!active) begin
        if (pick_any) begin
            active <= 1'b1;
            grant  <= pick;
            last   <= pick;
        end
    end else if (done) begin
        active <= 1'b0;
    end
    if (rst) begin
        active <= 1'b0;
        grant  <= 2'd0;
        last   <= 2'd3;
    end
end

endmodule

`resetall
