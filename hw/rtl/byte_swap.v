// spisync -- reverse the byte order of a vector.
//
// AXI-Stream and every C-facing port carry byte 0 in bits [7:0]; AES and GHASH
// work on big-endian blocks (byte 0 in the top bits, as FIPS-197 and the GCM
// specification write them). This is the one place that converts.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module byte_swap #(
    parameter integer BYTES = 16
) (
    input  wire [BYTES*8-1:0] in,
    output wire [BYTES*8-1:0] out
);

genvar b;
generate
    for (b = 0; b < BYTES; b = b + 1) begin : g_byte
        assign out[(BYTES-1-b)*8 +: 8] = in[b*8 +: 8];
    end
endgenerate

endmodule

`resetall
