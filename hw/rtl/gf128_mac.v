// spisync -- sum of N products in GF(2^128), GCM bit order, combinational:
//   p = a_0 b_0 ^ a_1 b_1 ^ ... ^ a_(N-1) b_(N-1)
//
// Blocks are big-endian as in the GCM specification: the MSB of byte 0
// (bit 127 here) is the coefficient of x^0. Reduction is linear, so all
// N*128 partial products go into one balanced XOR tree and are reduced once:
// N products cost barely more depth than one. The tree is explicit so the
// synthesised depth does not depend on the tool rebalancing XOR chains.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module gf128_mac #(
    parameter integer N = 1
) (
    input  wire [N*128-1:0] a,
    input  wire [N*128-1:0] b,
    output wire [127:0]     p
);

localparam integer LEAVES = N * 128;

wire [127:0] p_poly;

// heap-ordered tree: node 1 is the root, nodes LEAVES..2*LEAVES-1 the
// partial products (a complete binary tree for any number of leaves)
wire [254:0] node [1:2*LEAVES-1] /* verilator split_var */;

genvar n, i;
generate
    for (n = 0; n < N; n = n + 1) begin : g_prod
        wire [127:0] a_poly, b_poly;
        for (i = 0; i < 128; i = i + 1) begin : g_rev
            assign a_poly[i] = a[n*128 + 127 - i];
            assign b_poly[i] = b[n*128 + 127 - i];
        end
        for (i = 0; i < 128; i = i + 1) begin : g_partial
            wire [254:0] shifted = {127'b0, b_poly} << i;
            assign node[LEAVES + n*128 + i] = shifted & {255{a_poly[i]}};
        end
    end

    for (i = 1; i < LEAVES; i = i + 1) begin : g_tree
        assign node[i] = node[2*i] ^ node[2*i+1];
    end

    for (i = 0; i < 128; i = i + 1) begin : g_out
        assign p[127-i] = p_poly[i];
    end
endgenerate

gf128_reduce reduce_inst (
    .c(node[1]),
    .r(p_poly)
);

endmodule

`resetall
