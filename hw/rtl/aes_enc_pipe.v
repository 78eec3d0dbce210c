// spisync -- fully pipelined AES-128/256 encryption, several blocks per key.
//
// STATES blocks enter together each clock with one key; every clock can carry
// a different key and key size. The key schedule is expanded inline and shared
// by the STATES blocks of the beat (a GCM beat's counter blocks, its hash-key
// block and its J0 block all use the packet key): no expanded key is stored
// per SA, and a key change costs nothing.
//
// The schedule gets TWO clocks per expansion step: one for the S-box on the
// last word of rk[J-1], one for the word XOR chain and the AES-128/256
// selects. Both in one clock were 8 LUT levels (4.07 ns in Yosys' xcup
// models), the core's worst path; each half is at most half of that. The
// schedule thus delivers rk[J] at clock 2J - 1 while the rounds use one key
// per clock, so the data wait KEY_LEAD = 14 clocks after AddRoundKey(rk0)
// and each rk[s] waits 14 - s clocks in a delay line until round s. The
// delay lines (data, side band and round keys) are plain shift registers
// without reset or enable: Vivado maps them to SRL16E/SRLC32E, one LUT per
// bit, not flip-flops.
//
// Clocks from a beat in (register 0 = AddRoundKey(rk0)):
//   registers 1..14    data wait; key schedule step J in registers 2J-2, 2J-1
//   register 14 + s    round s (s = 1..14)
// AES-128 blocks finish at round 10 and pass through rounds 11..14 so both key
// sizes have the same latency (LATENCY = 29 clocks) and order is kept.
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

localparam integer ROUNDS   = 14;
localparam integer KEY_LEAD = ROUNDS;                 // see the header
localparam integer LATENCY  = 1 + KEY_LEAD + ROUNDS;  // 29
localparam integer W        = STATES * 128;
localparam integer DW       = W + 1 + SIDE_WIDTH;     // state, aes256, side

genvar s, n;

// ---------------------------------------------------------------------------
// key schedule: step J in a pair of registers, KA (SubWord of rk[J-1]'s last
// word, rk[J-1], rk[J-2]) then KB (rk[J], rk[J-1])
// ---------------------------------------------------------------------------
wire [(ROUNDS-1)*128-1:0] kb_rk;    // rk[J] in KB of step J (J < ROUNDS), at [(J-1)*128]
wire [(ROUNDS-1)*128-1:0] kb_prev;  // rk[J-1] in KB of step J (rk[J-2] of step J+1)
wire [ROUNDS-2:0]         kb_a256;  // key size in KB of step J (J < ROUNDS)
wire [ROUNDS*128-1:0]     rk_at;    // rk[s] when round s needs it, at [(s-1)*128]

wire [127:0] rk0 = in_key[255:128];

generate
    for (s = 1; s <= ROUNDS; s = s + 1) begin : g_key
        // KA inputs: rk[J-1], rk[J-2] and the key size from the step before
        wire [127:0] prev1;
        wire [127:0] prev2;
        wire         a256_in;
        wire [31:0]  sub;

        if (s == 1) begin : g_first
            // AES-256's rk[1] is the key's second half: no expansion, but
            // it takes the same two clocks as every step
            assign prev1   = rk0;
            assign prev2   = in_key[127:0];
            assign a256_in = in_aes256;
        end else begin : g_next
            assign prev1   = kb_rk[(s-2)*128 +: 128];
            assign prev2   = kb_prev[(s-2)*128 +: 128];
            assign a256_in = kb_a256[s-2];
        end

        for (n = 0; n < 4; n = n + 1) begin : g_sub
            aes_sbox sbox_inst (
                .a(prev1[31-8*n -: 8]),
                .y(sub[31-8*n -: 8])
            );
        end

        reg [31:0]  ka_sub;
        reg [127:0] ka_prev1, ka_prev2;
        reg         ka_a256;

        always @(posedge clk) begin
            ka_sub   <= sub;
            ka_prev1 <= prev1;
            ka_prev2 <= prev2;
            ka_a256  <= a256_in;
        end

        wire [127:0] rk_next;
        reg  [127:0] kb_rk_r;

        if (s == 1) begin : g_step1
            wire [127:0] rk1_128;

            aes_key_step #(.J(1)) key_step_inst (
                .rk_prev2(128'h0),
                .rk_prev1(ka_prev1),
                .sub_word(ka_sub),
                .aes256(1'b0),
                .rk(rk1_128)
            );
            assign rk_next = ka_a256 ? ka_prev2 : rk1_128;
        end else begin : g_stepn
            aes_key_step #(.J(s)) key_step_inst (
                .rk_prev2(ka_prev2),
                .rk_prev1(ka_prev1),
                .sub_word(ka_sub),
                .aes256(ka_a256),
                .rk(rk_next)
            );
        end

        always @(posedge clk) begin
            kb_rk_r <= rk_next;
        end

        // the last step feeds no further step
        if (s < ROUNDS) begin : g_carry
            reg [127:0] kb_prev_r;
            reg         kb_a256_r;
            always @(posedge clk) begin
                kb_prev_r <= ka_prev1;
                kb_a256_r <= ka_a256;
            end
            assign kb_rk[(s-1)*128 +: 128]   = kb_rk_r;
            assign kb_prev[(s-1)*128 +: 128] = kb_prev_r;
            assign kb_a256[s-1]              = kb_a256_r;
        end

        // rk[s] is in KB at register 2s - 1; round s reads it at 13 + s
        if (s < ROUNDS) begin : g_wait
            reg [127:0] line [0:ROUNDS-s-1];
            integer i;
            always @(posedge clk) begin
                line[0] <= kb_rk_r;
                for (i = 1; i < ROUNDS - s; i = i + 1) begin
                    line[i] <= line[i-1];
                end
            end
            assign rk_at[(s-1)*128 +: 128] = line[ROUNDS-s-1];
        end else begin : g_now
            assign rk_at[(s-1)*128 +: 128] = kb_rk_r;
        end
    end
endgenerate

// ---------------------------------------------------------------------------
// data: AddRoundKey(rk0), KEY_LEAD clocks of wait, then one round per clock
// ---------------------------------------------------------------------------
reg [DW-1:0]       wait_q [0:KEY_LEAD];   // register i of the beat
reg [KEY_LEAD:0]   wait_valid;

always @(posedge clk) begin : data_wait
    integer i;
    wait_q[0]     <= {in_block ^ {STATES{rk0}}, in_aes256, in_side};
    wait_valid[0] <= in_valid;
    for (i = 1; i <= KEY_LEAD; i = i + 1) begin
        wait_q[i]     <= wait_q[i-1];
        wait_valid[i] <= wait_valid[i-1];
    end
    if (rst) begin
        wait_valid <= {(KEY_LEAD+1){1'b0}};
    end
end

// per-round register outputs, flattened: after round s at [s*X +: X]
wire [(ROUNDS+1)*W-1:0]          st_q;
wire [ROUNDS-1:0]                a256_q;   // not needed after the last round
wire [ROUNDS:0]                  valid_q;
wire [(ROUNDS+1)*SIDE_WIDTH-1:0] side_q;

assign st_q[0 +: W]               = wait_q[KEY_LEAD][DW-1 -: W];
assign a256_q[0]                  = wait_q[KEY_LEAD][SIDE_WIDTH];
assign side_q[0 +: SIDE_WIDTH]    = wait_q[KEY_LEAD][SIDE_WIDTH-1:0];
assign valid_q[0]                 = wait_valid[KEY_LEAD];

generate
    for (s = 1; s <= ROUNDS; s = s + 1) begin : g_round
        wire [127:0] rk   = rk_at[(s-1)*128 +: 128];
        wire         a256 = a256_q[s-1];
        wire         last = a256 ? (s == 14) : (s == 10);
        wire         pass = !a256 && (s > 10);
        wire [W-1:0] st_next;

        for (n = 0; n < STATES; n = n + 1) begin : g_block
            aes_round round_inst (
                .state_in(st_q[(s-1)*W + n*128 +: 128]),
                .round_key(rk),
                .last_round(last),
                .bypass(pass),
                .state_out(st_next[n*128 +: 128])
            );
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

        if (s < ROUNDS) begin : g_size
            reg a256_r;
            always @(posedge clk) begin
                a256_r <= a256;
            end
            assign a256_q[s] = a256_r;
        end

        assign st_q[s*W +: W]                     = st_r;
        assign valid_q[s]                         = valid_r;
        assign side_q[s*SIDE_WIDTH +: SIDE_WIDTH] = side_r;
    end
endgenerate

assign out_valid = valid_q[ROUNDS];
assign out_block = st_q[ROUNDS*W +: W];
assign out_side  = side_q[ROUNDS*SIDE_WIDTH +: SIDE_WIDTH];

// LATENCY documents the pipeline depth for aes_gcm_dec and the block tests
wire [7:0] unused_latency = LATENCY[7:0];

endmodule

`resetall
