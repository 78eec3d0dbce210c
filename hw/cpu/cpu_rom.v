// spisync -- the controller's code memory: block RAM holding the firmware's
// .text, .rodata and the initial .data, filled at configuration from a hex
// file ($readmemh, one 32-bit word per line: the bitstream carries the
// code, no host loader). Read only, two synchronous read ports: A for the
// core's instruction fetch, B for its loads (constants, .data's image).
// The data appear the clock after the address, as ram_sdp.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module cpu_rom #(
    parameter integer WORDS   = 8192,     // 32 KiB
    parameter         FW_HEX  = "",       // $readmemh file; "" leaves it zero
    parameter integer ADDR_W  = (WORDS > 1) ? $clog2(WORDS) : 1
) (
    input  wire              clk,
    input  wire              a_en,
    input  wire [ADDR_W-1:0] a_addr,
    output reg  [31:0]       a_data,
    input  wire              b_en,
    input  wire [ADDR_W-1:0] b_addr,
    output reg  [31:0]       b_data
);

(* ram_style = "block" *) reg [31:0] mem [0:WORDS-1];

integer i;
initial begin
    for (i = 0; i < WORDS; i = i + 1) begin
        mem[i] = 32'd0;
    end
    if (FW_HEX != "") begin
        $readmemh(FW_HEX, mem);
    end
end

always @(posedge clk) begin
    if (a_en) begin
        a_data <= mem[a_addr];
    end
    if (b_en) begin
        b_data <= mem[b_addr];
    end
end

endmodule

`resetall
