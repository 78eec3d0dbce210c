// spisync -- simple dual-port RAM: one write port, one synchronous read port.
//
// The read data appear the clock after the address (block RAM / UltraRAM
// style). A read of the address being written in the same clock returns the
// old contents; callers that need the new value forward it themselves.
// Contents are not reset: whoever owns a memory clears it explicitly.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module ram_sdp #(
    parameter integer WIDTH = 32,
    parameter integer DEPTH = 1024,
    parameter integer ADDR_W = (DEPTH > 1) ? $clog2(DEPTH) : 1
) (
    input  wire              clk,

    input  wire              wr_en,
    input  wire [ADDR_W-1:0] wr_addr,
    input  wire [WIDTH-1:0]  wr_data,

    input  wire              rd_en,
    input  wire [ADDR_W-1:0] rd_addr,
    output reg  [WIDTH-1:0]  rd_data
);

reg [WIDTH-1:0] mem [0:DEPTH-1];

always @(posedge clk) begin
    if (wr_en) begin
        mem[wr_addr] <= wr_data;
    end
    if (rd_en) begin
        rd_data <= mem[rd_addr];
    end
end

endmodule

`resetall
