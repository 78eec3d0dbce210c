// spisync -- the card controller subsystem: the rv32imc core (rv32_core)
// that runs the controller firmware (firmware/, built into the bitstream),
// its memories, and an AXI4-Lite master onto the card's register port.
//
// Memory map (the firmware's firmware/rv32.ld and start_rv32.c):
//   0x00000000  CODE_BYTES   code ROM (cpu_rom, block RAM filled from FW_HEX):
//                            .text, .rodata, the image of .data. Fetch and
//                            loads; a store is a bus error.
//   DRAM_BASE   DRAM_BYTES   data RAM (cpu_ram, UltraRAM, not initialised):
//                            .data, .bss, stack. Loads and stores of any
//                            width. No fetch.
//   REG_BASE    64 KiB       the card's registers (SPISYNC_FW_REG_BASE):
//                            32-bit words only, through m_axil_* (offset =
//                            address[15:0]); a byte or halfword access is a
//                            bus error. A non-OKAY response is a bus error.
//   anything else            bus error (the core traps to mtvec: the
//                            firmware restarts).
// Fetch from anywhere but the ROM is a bus error.
//
// Instruction words come straight from the ROM's output register, the
// clock after the fetch (the core only registers them). Data responses are
// registered once more (RAM output, then the response register: the
// UltraRAM's clock-to-out and the response mux are in different clocks),
// 2 clocks per load or store.
//
// The AXI4-Lite master issues one transaction at a time, AW and W in the
// same clock (as card_regs wants them), and waits for its response.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module ctl_cpu #(
    parameter         FW_HEX     = "",
    parameter integer CODE_BYTES = 32768,
    parameter [31:0]  DRAM_BASE  = 32'h0010_0000,
    parameter integer DRAM_BYTES = 589824,       // 576 KiB
    parameter [15:0]  REG_BASE_HI = 16'h1000     // registers at 0x1000_0000
) (
    input  wire        clk,
    input  wire        rst,

    output reg  [15:0] m_axil_awaddr,
    output reg         m_axil_awvalid,
    input  wire        m_axil_awready,
    output reg  [31:0] m_axil_wdata,
    output wire [3:0]  m_axil_wstrb,
    output reg         m_axil_wvalid,
    input  wire        m_axil_wready,
    input  wire [1:0]  m_axil_bresp,
    input  wire        m_axil_bvalid,
    output wire        m_axil_bready,
    output reg  [15:0] m_axil_araddr,
    output reg         m_axil_arvalid,
    input  wire        m_axil_arready,
    input  wire [31:0] m_axil_rdata,
    input  wire [1:0]  m_axil_rresp,
    input  wire        m_axil_rvalid,
    output wire        m_axil_rready
);

localparam integer CODE_WORDS = CODE_BYTES / 4;
localparam integer CODE_AW    = $clog2(CODE_BYTES);     // byte address bits
localparam integer ROM_AW     = (CODE_WORDS > 1) ? $clog2(CODE_WORDS) : 1;
localparam integer DRAM_WORDS = DRAM_BYTES / 8;
localparam integer RAM_AW     = (DRAM_WORDS > 1) ? $clog2(DRAM_WORDS) : 1;
localparam [32:0]  DRAM_END_33 = {1'b0, DRAM_BASE} + DRAM_BYTES;  // one past the RAM

// ---------------------------------------------------------------------------
// the core
// ---------------------------------------------------------------------------
wire        i_req_valid;
wire [31:0] i_req_addr;
wire        i_rsp_valid;
wire [31:0] i_rsp_rdata;
wire        i_rsp_err;
wire        d_req_valid;
wire        d_req_ready;
wire [31:0] d_req_addr;
wire        d_req_we;
wire [3:0]  d_req_wstrb;
wire [31:0] d_req_wdata;
wire [1:0]  d_req_size;
reg         d_rsp_valid;
reg  [31:0] d_rsp_rdata;
reg         d_rsp_err;

rv32_core #(
    .RESET_PC (32'h0000_0000)
) u_core (
    .clk         (clk),
    .rst         (rst),
    .i_req_valid (i_req_valid),
    .i_req_ready (1'b1),
    .i_req_addr  (i_req_addr),
    .i_rsp_valid (i_rsp_valid),
    .i_rsp_rdata (i_rsp_rdata),
    .i_rsp_err   (i_rsp_err),
    .d_req_valid (d_req_valid),
    .d_req_ready (d_req_ready),
    .d_req_addr  (d_req_addr),
    .d_req_we    (d_req_we),
    .d_req_wstrb (d_req_wstrb),
    .d_req_wdata (d_req_wdata),
    .d_req_size  (d_req_size),
    .d_rsp_valid (d_rsp_valid),
    .d_rsp_rdata (d_rsp_rdata),
    .d_rsp_err   (d_rsp_err)
);

// ---------------------------------------------------------------------------
// memories
// ---------------------------------------------------------------------------
wire        unused_i_low = &i_req_addr[1:0];   // word aligned
wire        i_in_code = i_req_addr[31:CODE_AW] == {(32-CODE_AW){1'b0}};
wire        d_in_code = d_req_addr[31:CODE_AW] == {(32-CODE_AW){1'b0}};
wire [RAM_AW+2:2] d_dram_off = d_req_addr[RAM_AW+2:2] - DRAM_BASE[RAM_AW+2:2];  // the RAM's word and half
// two compares against constants side by side: the offset's subtract
// followed by a compare put two carry chains in series before the RAM's
// enable (the longest path of ctl_cpu)
wire        d_in_dram = d_req_addr >= DRAM_BASE && {1'b0, d_req_addr} < DRAM_END_33;
wire        d_in_reg  = d_req_addr[31:16] == REG_BASE_HI;

reg  d_busy;
assign d_req_ready = !d_busy;
wire d_acc = d_req_valid && d_req_ready;

wire [31:0] rom_a_data, rom_b_data;
cpu_rom #(
    .WORDS  (CODE_WORDS),
    .FW_HEX (FW_HEX)
) u_rom (
    .clk    (clk),
    .a_en   (i_req_valid && i_in_code),
    .a_addr (i_req_addr[ROM_AW+1:2]),
    .a_data (rom_a_data),
    .b_en   (d_acc && d_in_code && !d_req_we),
    .b_addr (d_req_addr[ROM_AW+1:2]),
    .b_data (rom_b_data)
);

wire [63:0] ram_rdata;
cpu_ram #(
    .WORDS (DRAM_WORDS)
) u_ram (
    .clk   (clk),
    .en    (d_acc && d_in_dram),
    .we    (d_req_we ? (d_dram_off[2] ? {d_req_wstrb, 4'b0000} : {4'b0000, d_req_wstrb}) : 8'd0),
    .addr  (d_dram_off[RAM_AW+2:3]),
    .wdata ({d_req_wdata, d_req_wdata}),
    .rdata (ram_rdata)
);

// ---------------------------------------------------------------------------
// instruction responses: the ROM's output, the clock after the fetch
// ---------------------------------------------------------------------------
reg i_v1, i_err1;
always @(posedge clk) begin
    i_v1   <= i_req_valid;          // i_req_ready is 1
    i_err1 <= !i_in_code;
    if (rst) begin
        i_v1 <= 1'b0;
    end
end
assign i_rsp_valid = i_v1;
assign i_rsp_err   = i_err1;
assign i_rsp_rdata = rom_a_data;

// ---------------------------------------------------------------------------
// data responses: ROM / RAM (2 clocks), bus errors, the AXI4-Lite master
// ---------------------------------------------------------------------------
localparam [1:0] SRC_ROM = 2'd0;
localparam [1:0] SRC_RAM = 2'd1;
localparam [1:0] SRC_ERR = 2'd2;

reg        m_v1;          // a memory (or error) response is on its way
reg [1:0]  m_src1;
reg        m_hi1;         // the upper 32 bits of the RAM word
reg        axi_busy;

wire reg_word = d_req_size == 2'd2;
wire go_axi   = d_acc && d_in_reg && reg_word;
wire go_mem   = d_acc && !go_axi;

assign m_axil_wstrb  = 4'hF;
assign m_axil_bready = 1'b1;
assign m_axil_rready = 1'b1;

always @(posedge clk) begin
    m_v1        <= go_mem;
    d_rsp_valid <= 1'b0;
    if (go_mem) begin
        m_hi1 <= d_dram_off[2];
        if (d_in_code && !d_req_we) begin
            m_src1 <= SRC_ROM;
        end else if (d_in_dram) begin
            m_src1 <= SRC_RAM;
        end else begin
            m_src1 <= SRC_ERR;     // store to the ROM, sub-word register access, unmapped
        end
    end
    if (m_v1) begin
        d_rsp_valid <= 1'b1;
        d_rsp_err   <= m_src1 == SRC_ERR;
        d_rsp_rdata <= (m_src1 == SRC_RAM) ? (m_hi1 ? ram_rdata[63:32] : ram_rdata[31:0])
                                           : rom_b_data;
    end

    // AXI4-Lite master
    if (go_axi) begin
        axi_busy <= 1'b1;
        if (d_req_we) begin
            m_axil_awvalid <= 1'b1;
            m_axil_wvalid  <= 1'b1;
            m_axil_awaddr  <= d_req_addr[15:0];
            m_axil_wdata   <= d_req_wdata;
        end else begin
            m_axil_arvalid <= 1'b1;
            m_axil_araddr  <= d_req_addr[15:0];
        end
    end
    if (m_axil_awvalid && m_axil_awready) begin
        m_axil_awvalid <= 1'b0;
    end
    if (m_axil_wvalid && m_axil_wready) begin
        m_axil_wvalid <= 1'b0;
    end
    if (m_axil_arvalid && m_axil_arready) begin
        m_axil_arvalid <= 1'b0;
    end
    if (axi_busy && m_axil_bvalid) begin
        axi_busy    <= 1'b0;
        d_rsp_valid <= 1'b1;
        d_rsp_err   <= m_axil_bresp != 2'b00;
        d_rsp_rdata <= 32'd0;
    end
    if (axi_busy && m_axil_rvalid) begin
        axi_busy    <= 1'b0;
        d_rsp_valid <= 1'b1;
        d_rsp_err   <= m_axil_rresp != 2'b00;
        d_rsp_rdata <= m_axil_rdata;
    end

    // one data request at a time: busy from acceptance to response
    if (d_acc) begin
        d_busy <= 1'b1;
    end
    if (d_rsp_valid) begin
        d_busy <= 1'b0;
    end

    if (rst) begin
        m_v1           <= 1'b0;
        d_rsp_valid    <= 1'b0;
        d_busy         <= 1'b0;
        axi_busy       <= 1'b0;
        m_axil_awvalid <= 1'b0;
        m_axil_wvalid  <= 1'b0;
        m_axil_arvalid <= 1'b0;
    end
end

endmodule

`resetall
