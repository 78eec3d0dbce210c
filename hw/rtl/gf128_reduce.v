// spisync -- reduction of a 255-bit GF(2)[x] product modulo the GCM polynomial
// P(x) = x^128 + x^7 + x^2 + x + 1.
//
// Polynomial order here: bit i is the coefficient of x^i (callers convert
// from GCM's reflected block order). x^(128+m) = x^m (x^7 + x^2 + x + 1), and
// the terms that land at x^128..x^133 fold once more.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module gf128_reduce (
    input  wire [254:0] c,
    output wire [127:0] r
);

wire [126:0] hi = c[254:128];
wire [133:0] fold1 = {7'b0, hi} ^ {6'b0, hi, 1'b0} ^ {5'b0, hi, 2'b0} ^ {hi, 7'b0};
wire [5:0]   hi2 = fold1[133:128];
wire [12:0]  fold2 = {7'b0, hi2} ^ {6'b0, hi2, 1'b0} ^ {5'b0, hi2, 2'b0} ^ {hi2, 7'b0};

assign r = c[127:0] ^ fold1[127:0] ^ {115'b0, fold2};

endmodule

`resetall
