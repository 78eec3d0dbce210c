// spisync -- the controller's data memory: .data, .bss (the firmware's SA
// shadow tables, about 550 KiB) and the stack. Single port, 64 bits wide
// with a write enable per byte, so that UltraRAM (72 bits wide, no
// initial contents: the firmware's start code zeroes .bss and copies
// .data) is used without wasting half of each block. A read's data appear
// the clock after the address; a write returns nothing.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module cpu_ram #(
    parameter integer WORDS  = 73728,     // 64-bit words: 576 KiB
    parameter integer ADDR_W = (WORDS > 1) ? $clog2(WORDS) : 1
) (
    input  wire              clk,
    input  wire              en,
    input  wire [7:0]        we,
    input  wire [ADDR_W-1:0] addr,
    input  wire [63:0]       wdata,
    output reg  [63:0]       rdata
);

(* ram_style = "ultra" *) reg [63:0] mem [0:WORDS-1];

integer b;
always @(posedge clk) begin
    if (en) begin
        for (b = 0; b < 8; b = b + 1) begin
            if (we[b]) begin
                mem[addr][b*8 +: 8] <= wdata[b*8 +: 8];
            end
        end
        rdata <= mem[addr];
    end
end

endmodule

`resetall
