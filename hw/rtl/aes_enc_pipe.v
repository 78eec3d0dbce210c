// spisync -- fully pipelined AES-128/256 encryption, several blocks per key.
//
// STATES blocks enter together each clock with one key; every clock can carry
// a different key and key size. The key schedule is expanded inline, one round
// key per stage, and shared by the STATES blocks of the beat (a GCM beat's
// counter blocks, its hash-key block and its J0 block all use the packet key).
//
// 15 register stages: stage 0 holds AddRoundKey(rk0), stage s holds round s.
// AES-128 blocks finish at stage 10 and pass through stages 11..14 so both key
// sizes have the same latency (LATENCY = 15 clocks) and order is kept.
// A side band of SIDE_WIDTH bits travels with the blocks, unchanged.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module aes_enc_pipe #(
    parameter integer STATES     = 1,
    parameter integer SIDE_WIDTH = 1
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire                     in_valid,
    input  wire [255:0]             in_key,     // big-endian; AES-128 key in [255:128]
    input  wire                     in_aes256,
    input  wire [STATES*128-1:0]    in_block,   // big-endian blocks, block 0 in the low bits
    input  wire [SIDE_WIDTH-1:0]    in_side,

    output wire                     out_valid,
    output wire [STATES*128-1:0]    out_block,
    output wire [SIDE_WIDTH-1:0]    out_side
);

localparam integer STAGES = 15;
localparam integer W = STATES * 128;

// per-stage register outputs, flattened: stage s in [s*X +: X]
wire [STAGES*W-1:0]          st_q;
// the key schedule ends one stage early: the last round needs no further key
wire [(STAGES-2)*128-1:0]    ka_q;   // rk[s] at stage s (needed up to STAGES-3)
wire [(STAGES-1)*128-1:0]    kb_q;   // rk[s+1] at stage s
wire [STAGES-2:0]            a256_q;
wire [STAGES-1:0]            valid_q;
wire [STAGES*SIDE_WIDTH-1:0] side_q;

genvar s, n;

// stage 0: initial AddRoundKey and rk[1]
wire [127:0] rk0 = in_key[255:128];
wire [127:0] rk1_128;

aes_key_step #(.J(1)) key_step0 (
    .rk_prev2(128'h0),
    .rk_prev1(rk0),
    .aes256(1'b0),
    .rk(rk1_128)
);

generate
    begin : g_stage0
        reg [W-1:0]          st_r;
        reg [127:0]          ka_r, kb_r;
        reg                  a256_r;
        reg                  valid_r;
        reg [SIDE_WIDTH-1:0] side_r;

        always @(posedge clk) begin
            st_r    <= in_block ^ {STATES{rk0}};
            ka_r    <= rk0;
            kb_r    <= in_aes256 ? in_key[127:0] : rk1_128;
            a256_r  <= in_aes256;
            side_r  <= in_side;
            valid_r <= in_valid;
            if (rst) begin
                valid_r <= 1'b0;
            end
        end

        assign st_q[0 +: W]             = st_r;
        assign ka_q[0 +: 128]           = ka_r;
        assign kb_q[0 +: 128]           = kb_r;
        assign a256_q[0]                = a256_r;
        assign valid_q[0]               = valid_r;
        assign side_q[0 +: SIDE_WIDTH]  = side_r;
    end

    for (s = 1; s < STAGES; s = s + 1) begin : g_stage
        wire [127:0] kb_in = kb_q[(s-1)*128 +: 128];
        wire         a256  = a256_q[s-1];
        wire         last  = a256 ? (s == 14) : (s == 10);
        wire         pass  = !a256 && (s > 10);
        wire [W-1:0] st_next;

        for (n = 0; n < STATES; n = n + 1) begin : g_block
            aes_round round_inst (
                .state_in(st_q[(s-1)*W + n*128 +: 128]),
                .round_key(kb_in),
                .last_round(last),
                .bypass(pass),
                .state_out(st_next[n*128 +: 128])
            );
        end

        if (s < STAGES - 1) begin : g_key
            wire [127:0] kb_next;
            reg  [127:0] kb_r;
            reg          a256_r;

            aes_key_step #(.J(s + 1)) key_step_inst (
                .rk_prev2(ka_q[(s-1)*128 +: 128]),
                .rk_prev1(kb_in),
                .aes256(a256),
                .rk(kb_next)
            );

            always @(posedge clk) begin
                kb_r   <= kb_next;
                a256_r <= a256;
            end

            if (s < STAGES - 2) begin : g_prev
                reg [127:0] ka_r;
                always @(posedge clk) begin
                    ka_r <= kb_in;
                end
                assign ka_q[s*128 +: 128] = ka_r;
            end

            assign kb_q[s*128 +: 128] = kb_r;
            assign a256_q[s]          = a256_r;
        end

        reg [W-1:0]          st_r;
        reg                  valid_r;
        reg [SIDE_WIDTH-1:0] side_r;

        always @(posedge clk) begin
            st_r    <= st_next;
            side_r  <= side_q[(s-1)*SIDE_WIDTH +: SIDE_WIDTH];
            valid_r <= valid_q[s-1];
            if (rst) begin
                valid_r <= 1'b0;
            end
        end

        assign st_q[s*W +: W]                     = st_r;
        assign valid_q[s]                         = valid_r;
        assign side_q[s*SIDE_WIDTH +: SIDE_WIDTH] = side_r;
    end
endgenerate

assign out_valid = valid_q[STAGES-1];
assign out_block = st_q[(STAGES-1)*W +: W];
assign out_side  = side_q[(STAGES-1)*SIDE_WIDTH +: SIDE_WIDTH];

endmodule

`resetall
