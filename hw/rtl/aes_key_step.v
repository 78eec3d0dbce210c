// spisync -- the second half of one AES-128 / AES-256 key expansion step,
// combinational.
//
// Produces round key J from the two round keys before it and SubWord of the
// last word of rk[J-1], which the caller computes (and registers) a clock
// earlier: the S-box followed by the word XOR chain and the key-size selects
// is too deep for one clock at 300 MHz, so aes_enc_pipe gives each step two.
// Blocks are big-endian (word 0 in bits [127:96]).
//
//   AES-128: rk[J] = f(rk[J-1]) with SubWord(RotWord(w)) ^ Rcon[J]
//   AES-256: rk[J] = f(rk[J-2], rk[J-1]) with SubWord(RotWord(w)) ^ Rcon[J/2]
//            for even J, SubWord(w) for odd J (FIPS-197 5.2, Nk = 8)

`resetall
`timescale 1ns / 1ps
`default_nettype none

module aes_key_step #(
    // index of the round key produced, 1..14
    parameter integer J = 2
) (
    input  wire [127:0] rk_prev2,  // rk[J-2]; unused for AES-128
    input  wire [127:0] rk_prev1,  // rk[J-1]
    input  wire [31:0]  sub_word,  // SubWord(rk_prev1[31:0])
    input  wire         aes256,
    output wire [127:0] rk
);

function automatic [7:0] rcon(input integer i);
    case (i)
        1: rcon = 8'h01;
        2: rcon = 8'h02;
        3: rcon = 8'h04;
        4: rcon = 8'h08;
        5: rcon = 8'h10;
        6: rcon = 8'h20;
        7: rcon = 8'h40;
        8: rcon = 8'h80;
        9: rcon = 8'h1b;
        10: rcon = 8'h36;
        // AES-128 stops at rk[10]; later indices only feed bypassed rounds
        default: rcon = 8'h00;
    endcase
endfunction

localparam [7:0] RCON_128 = rcon(J);
localparam [7:0] RCON_256 = rcon(J / 2);
localparam       ROT_256  = (J % 2) == 0;

// SubWord(RotWord(w)) == RotWord(SubWord(w)): one set of S-boxes serves both
wire [31:0] rot_sub = {sub_word[23:0], sub_word[31:24]};
wire [31:0] t128 = rot_sub ^ {RCON_128, 24'h0};
wire [31:0] t256 = ROT_256 ? (rot_sub ^ {RCON_256, 24'h0}) : sub_word;

wire [127:0] base = aes256 ? rk_prev2 : rk_prev1;
wire [31:0]  t    = aes256 ? t256 : t128;

wire [31:0] w0 = base[127:96] ^ t;
wire [31:0] w1 = base[95:64] ^ w0;
wire [31:0] w2 = base[63:32] ^ w1;
wire [31:0] w3 = base[31:0] ^ w2;

assign rk = {w0, w1, w2, w3};

endmodule

`resetall
