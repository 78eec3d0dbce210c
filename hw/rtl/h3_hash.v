// spisync -- H3 hash of a 32-bit key (Carter and Wegman's class H3).
//
// hash = XOR of ROWS row i (bits [16i+15:16i]) for every set bit i of the
// key, keeping the low OUT_W bits (docs/register-map.md "SA lookup tags").
// The rows are constants, so output bit j is the parity of the key bits
// whose row has bit j set: about 16 inputs, two LUT6 levels, no register.
// The firmware computes the same function in C (firmware/sa_table.c).

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module h3_hash #(
    parameter [511:0] ROWS  = `SPISYNC_TAG_HASH0,
    parameter integer OUT_W = 16                   // 1..16
) (
    input  wire [31:0]      key,
    output wire [OUT_W-1:0] hash
);

genvar j, i;
generate
    for (j = 0; j < OUT_W; j = j + 1) begin : g_bit
        // column j of the row matrix: which key bits feed output bit j
        wire [31:0] column;
        for (i = 0; i < 32; i = i + 1) begin : g_row
            assign column[i] = ROWS[16*i + j];
        end
        assign hash[j] = ^(key & column);
    end
endgenerate

endmodule

`resetall
