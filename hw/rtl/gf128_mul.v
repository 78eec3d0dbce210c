// spisync -- GF(2^128) multiplication in GCM's bit order, combinational.
//
// Blocks are big-endian as in the GCM specification: the MSB of byte 0
// (bit 127 here) is the coefficient of x^0. The 128 partial products are
// summed in an explicit balanced XOR tree (7 levels) so the synthesised depth
// does not depend on the tool rebalancing a 128-long chain.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module gf128_mul (
    input  wire [127:0] a,
    input  wire [127:0] b,
    output wire [127:0] p
);

wire [127:0] a_poly;
wire [127:0] b_poly;
wire [127:0] p_poly;

// heap-ordered tree: node 1 is the root, nodes 128..255 the partial products
wire [254:0] node [1:255] /* verilator split_var */;

genvar i;
generate
    for (i = 0; i < 128; i = i + 1) begin : g_rev
        assign a_poly[i] = a[127-i];
        assign b_poly[i] = b[127-i];
        assign p[127-i]  = p_poly[i];
    end

    for (i = 0; i < 128; i = i + 1) begin : g_partial
        wire [254:0] shifted = {127'b0, b_poly} << i;
        assign node[128+i] = shifted & {255{a_poly[i]}};
    end

    for (i = 1; i < 128; i = i + 1) begin : g_tree
        assign node[i] = node[2*i] ^ node[2*i+1];
    end
endgenerate

gf128_reduce reduce_inst (
    .c(node[1]),
    .r(p_poly)
);

endmodule

`resetall
