// spisync -- one AES encryption round, combinational.
//
// State and round key are 128-bit big-endian blocks: byte 0 of the block
// (FIPS-197 in0, state s[0][0]) sits in bits [127:120], so column c is bits
// [127-32c -: 32] and byte (row r, column c) is byte index r + 4c.
//
// last_round drops MixColumns (AES round Nr); bypass passes the state through
// untouched, so AES-128 blocks can ride the 14-round AES-256 pipeline with a
// fixed latency and keep packet order.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module aes_round (
    input  wire [127:0] state_in,
    input  wire [127:0] round_key,
    input  wire         last_round,
    input  wire         bypass,
    output wire [127:0] state_out
);

wire [127:0] sub_bytes;
wire [127:0] shift_rows;
wire [127:0] mix_columns;

genvar b, c;

generate
    for (b = 0; b < 16; b = b + 1) begin : g_sub
        aes_sbox sbox_inst (
            .a(state_in[127-8*b -: 8]),
            .y(sub_bytes[127-8*b -: 8])
        );
    end

    // ShiftRows: s'[r][c] = s[r][(c + r) mod 4]
    for (b = 0; b < 16; b = b + 1) begin : g_shift
        localparam integer ROW = b % 4;
        localparam integer COL = b / 4;
        localparam integer SRC = ROW + 4 * ((COL + ROW) % 4);
        assign shift_rows[127-8*b -: 8] = sub_bytes[127-8*SRC -: 8];
    end

    for (c = 0; c < 4; c = c + 1) begin : g_mix
        wire [7:0] a0 = shift_rows[127-32*c -: 8];
        wire [7:0] a1 = shift_rows[119-32*c -: 8];
        wire [7:0] a2 = shift_rows[111-32*c -: 8];
        wire [7:0] a3 = shift_rows[103-32*c -: 8];
        // xtime: multiply by x in GF(2^8) mod x^8+x^4+x^3+x+1
        wire [7:0] x0 = {a0[6:0], 1'b0} ^ (a0[7] ? 8'h1b : 8'h00);
        wire [7:0] x1 = {a1[6:0], 1'b0} ^ (a1[7] ? 8'h1b : 8'h00);
        wire [7:0] x2 = {a2[6:0], 1'b0} ^ (a2[7] ? 8'h1b : 8'h00);
        wire [7:0] x3 = {a3[6:0], 1'b0} ^ (a3[7] ? 8'h1b : 8'h00);
        assign mix_columns[127-32*c -: 8] = x0 ^ x1 ^ a1 ^ a2 ^ a3;
        assign mix_columns[119-32*c -: 8] = a0 ^ x1 ^ x2 ^ a2 ^ a3;
        assign mix_columns[111-32*c -: 8] = a0 ^ a1 ^ x2 ^ x3 ^ a3;
        assign mix_columns[103-32*c -: 8] = x0 ^ a0 ^ a1 ^ a2 ^ x3;
    end
endgenerate

assign state_out = bypass ? state_in :
                   ((last_round ? shift_rows : mix_columns) ^ round_key);

endmodule

`resetall
