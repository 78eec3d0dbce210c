// spisync -- per-SA state: replay window and per-SA counters
// (card_internal.vh), one record per SA index.
//
// One writer (the commit stage, at most one record per clock) and three
// readers that must never wait for each other: the commit stage's own
// read-modify-write, the anti-replay pre-check before decryption, and the
// control port's per-SA counter snapshot. Each reader gets its own copy of
// the memory, all written together (block RAM has two ports; copies are the
// plain way to a third without arbitration).

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "card_internal.vh"

module sa_state #(
    parameter integer ENTRIES = 4096,
    parameter integer ADDR_W  = $clog2(ENTRIES)
) (
    input  wire                     clk,

    input  wire                     wr_en,
    input  wire [15:0]              wr_index,
    input  wire [`SPISYNC_ST_W-1:0] wr_data,

    input  wire                     a_rd_en,
    input  wire [15:0]              a_rd_index,
    output wire [`SPISYNC_ST_W-1:0] a_rd_data,

    input  wire                     b_rd_en,
    input  wire [15:0]              b_rd_index,
    output wire [`SPISYNC_ST_W-1:0] b_rd_data,

    input  wire                     c_rd_en,
    input  wire [15:0]              c_rd_index,
    output wire [`SPISYNC_ST_W-1:0] c_rd_data
);

// indices beyond the table never reach here (the lookup only yields real
// ones); the top bits of the 16-bit index are dropped
generate
    if (ADDR_W < 16) begin : g_unused
        wire unused_index_bits = &{wr_index[15:ADDR_W], a_rd_index[15:ADDR_W],
                                   b_rd_index[15:ADDR_W], c_rd_index[15:ADDR_W]};
    end
endgenerate

ram_sdp #(.WIDTH(`SPISYNC_ST_W), .DEPTH(ENTRIES)) u_commit (
    .clk(clk), .wr_en(wr_en), .wr_addr(wr_index[ADDR_W-1:0]), .wr_data(wr_data),
    .rd_en(a_rd_en), .rd_addr(a_rd_index[ADDR_W-1:0]), .rd_data(a_rd_data)
);

ram_sdp #(.WIDTH(`SPISYNC_ST_W), .DEPTH(ENTRIES)) u_precheck (
    .clk(clk), .wr_en(wr_en), .wr_addr(wr_index[ADDR_W-1:0]), .wr_data(wr_data),
    .rd_en(b_rd_en), .rd_addr(b_rd_index[ADDR_W-1:0]), .rd_data(b_rd_data)
);

ram_sdp #(.WIDTH(`SPISYNC_ST_W), .DEPTH(ENTRIES)) u_control (
    .clk(clk), .wr_en(wr_en), .wr_addr(wr_index[ADDR_W-1:0]), .wr_data(wr_data),
    .rd_en(c_rd_en), .rd_addr(c_rd_index[ADDR_W-1:0]), .rd_data(c_rd_data)
);

endmodule

`resetall
