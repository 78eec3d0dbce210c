// spisync -- squaring in GF(2^128), GCM bit order, combinational.
//
// Squaring is linear over GF(2): a(x)^2 = sum a_i x^(2i), so it costs only the
// reduction, far less than a general multiplier. Used for H^2 and H^4.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module gf128_square (
    input  wire [127:0] a,
    output wire [127:0] p
);

wire [254:0] sq_poly;
wire [127:0] p_poly;

genvar i;
generate
    for (i = 0; i < 128; i = i + 1) begin : g_spread
        assign sq_poly[2*i] = a[127-i];
        if (i < 127) begin : g_odd
            assign sq_poly[2*i+1] = 1'b0;
        end
        assign p[127-i] = p_poly[i];
    end
endgenerate

gf128_reduce reduce_inst (
    .c(sq_poly),
    .r(p_poly)
);

endmodule

`resetall
