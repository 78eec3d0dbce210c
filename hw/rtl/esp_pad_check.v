// spisync -- ESP trailer check on the decrypted payload (RFC 4303 2.4, 2.5;
// docs/datapath.md step 13): padlen = pt[ct_len-2], nh = pt[ct_len-1], and
// the padding pt[E-padlen .. E-1] (E = ct_len - 2) must read 1, 2, .., padlen.
//
// No beat is buffered. The padding is right exactly when pt[E-1] == padlen
// and every adjacent pair inside [E-padlen, E-1] counts up by one, i.e. when
// padlen fits in the "run": the number of bytes ending at E-1 that count up
// without a break. So each beat flags its broken pairs (pt[o+1] != pt[o] + 1,
// the pair across the beat boundary included) for pairs wholly left of E,
// and the packet keeps only the latest break; the run follows from it at the
// end. A virtual break before byte 0 (always flagged, so every packet has a
// break) makes the run of an unbroken payload E, and 0 when E = 0.
//
// Offsets are counted down: rem = E - 1 - (offset of the beat's byte 0),
// so a pair ending at byte k of a beat counts when k <= rem, and a break
// there leaves a run of rem - k + 1. S1 carries rem + 1, counted down by
// BYTES a beat, so S3 checks padlen <= run as the sign of rem + 1 - padlen
// - k. Also rem = q * BYTES + low: low (where E - 1 sits in its beat) is
// fixed per packet and q counts beats down to E - 1's beat, so a beat's
// mask is all ones before that beat, a thermometer of low in it and zero
// after it: on the first beat from bit tests of ct_len, on later beats
// from registers set a beat ahead, keeping the subtraction from ct_len off
// the mask path.
//
// Pipeline (LATENCY = 3: out_valid is high in the third clock after the
// clock whose edge took in_last):
//   S1  pair flags, masked to the pairs left of E; the beat registered
//   S2  highest flag (priority tree); the packet's latest break kept; on the
//       last beat pt[E-1], pt[E], pt[E+1] picked (they lie in the last two
//       beats: the previous beat's top two bytes are kept for them)
//   S3  rem + 1 - padlen - k >= 0 (padlen fits the run), pt[E-1] == padlen;
//       outputs registered
// Back-to-back packets and idle clocks anywhere need nothing special: S2's
// per-packet state restarts on a first beat, the verdict moves on to its own
// registers the clock after the last beat.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module esp_pad_check #(
    parameter integer BYTES = 64            // 16 or 64 (128/512-bit datapath); a power of two >= 8
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               in_valid,
    input  wire               in_first,     // first beat of a packet
    input  wire               in_last,      // last beat of a packet (may equal first)
    input  wire [BYTES*8-1:0] in_data,      // byte k of beat j is payload byte j*BYTES + k
    input  wire [13:0]        in_ct_len,    // payload length (>= 2), valid with in_first
    output reg                out_valid,    // one pulse per packet, LATENCY clocks after its in_last
    output reg                out_pad_ok,   // padlen + 2 <= ct_len and pad bytes are 1, 2, ..., padlen
    output reg  [7:0]         out_padlen,   // pt[ct_len-2]
    output reg  [7:0]         out_nh        // pt[ct_len-1]
);

localparam integer LATENCY = 3;
localparam integer IDX_W = $clog2(BYTES);
localparam integer REM_W = 16;              // two's complement; rem >= -2 on every beat
localparam [REM_W-1:0] STEP = BYTES[REM_W-1:0];
// the beat after the first lies before E - 1's beat (q >= 1 there) or
// holds it (q = 0)
localparam [13:0]      LEN_AT     = BYTES[13:0] + 14'd3;
localparam [13:0]      LEN_BEFORE = 2 * BYTES[13:0] + 14'd3;
localparam [REM_W-1:0] REM1_AT     = STEP + 1;                  // later beats: rem + 1 >= BYTES + 1
localparam [REM_W-1:0] REM1_BEFORE = 2 * STEP + 1;

// ---------------------------------------------------------------- S1
reg  [REM_W-1:0] rem1_next;                 // rem + 1 of the packet's next beat
reg              next_before;               // next beat lies before E - 1's beat (q >= 1)
reg              next_at;                   // next beat holds E - 1 (q == 0)
reg  [IDX_W-1:0] pk_low;                    // the packet's low, for S1's beat
reg  [BYTES-1:0] pk_upto;                   // bit k: k <= pk_low
reg  [7:0]       prev_last;                 // top byte of the previous beat

wire [IDX_W-1:0] first_low   = in_ct_len[IDX_W-1:0] - 3;
wire [IDX_W-1:0] low         = in_first ? first_low : pk_low;
// bit k: k <= low, one LUT per bit from ct_len, a register on later beats
wire [BYTES-1:0] upto_low    = in_first ? {BYTES{1'b1}} >> ~first_low : pk_upto;
wire [REM_W-1:0] rem1        = in_first ? {{(REM_W-14){1'b0}}, in_ct_len} - 2 : rem1_next;
wire             rem1_pos    = !rem1_next[REM_W-1];

// this beat: before E - 1's beat (all pairs count), in it (pairs up to low).
// On the first beat that is ct_len - 3 >= BYTES, resp. 0 <= ct_len - 3 <
// BYTES, written as bit tests (ct_len - 3 >= 0 is "ct_len >= 3" is "ct_len
// is not 2"): compares with constants would each become a carry chain.
wire             len_hi_zero = in_ct_len[13:IDX_W] == {(14-IDX_W){1'b0}};
wire             len_hi_one  = in_ct_len[13:IDX_W] == {{(13-IDX_W){1'b0}}, 1'b1};
wire             len_lo_ge3  = in_ct_len[IDX_W-1:2] != {(IDX_W-2){1'b0}} || in_ct_len[1:0] == 2'd3;
wire             first_before = !len_hi_zero && !(len_hi_one && !len_lo_ge3);
wire             beat_before = in_first ? first_before : next_before;
wire             beat_at     = in_first ? !first_before && in_ct_len != 14'd2 : next_at;

// v + 1 as plain logic (a ripple of ANDs): an adder would become a carry
// chain per byte pair, which logic synthesis cannot merge with the compare
function automatic [7:0] plus_one(input [7:0] v);
    integer i;
    reg     c;
    begin
        c = 1'b1;
        for (i = 0; i < 8; i = i + 1) begin
            plus_one[i] = v[i] ^ c;
            c = c & v[i];
        end
    end
endfunction

wire [BYTES-1:0] brk;                       // pair ending at byte k breaks the count
wire [BYTES-1:0] left_of_e;                 // ... and lies wholly left of E

// byte 0 of a first beat has no predecessor: the virtual break, flagged
// even when E = 0 (below)
assign brk[0] = in_first || in_data[7:0] != plus_one(prev_last);

genvar k;
generate
    for (k = 1; k < BYTES; k = k + 1) begin : g_pair
        assign brk[k] = in_data[k*8 +: 8] != plus_one(in_data[(k-1)*8 +: 8]);
    end
endgenerate

assign left_of_e = beat_before ? {BYTES{1'b1}} : (beat_at ? upto_low : {BYTES{1'b0}});

// a packet's end moving down the stages: bit 0 when S1 holds its last beat,
// bit 1 when S2's verdict registers hold it; out_valid follows the last bit
reg  [LATENCY-2:0]  ends;

reg                 s1_valid;
reg  [BYTES-1:0]    s1_brk;
reg  [REM_W-1:0]    s1_rem1;
reg  [BYTES*8-1:0]  s1_data;

always @(posedge clk) begin
    if (in_valid) begin
        rem1_next   <= rem1 - STEP;
        if (in_first) begin
            next_before <= in_ct_len >= LEN_BEFORE;
            next_at     <= in_ct_len >= LEN_AT && in_ct_len < LEN_BEFORE;
        end else begin
            next_before <= rem1_pos && rem1_next >= REM1_BEFORE;
            next_at     <= rem1_pos && rem1_next >= REM1_AT && rem1_next < REM1_BEFORE;
        end
        pk_low      <= low;
        pk_upto     <= upto_low;
        prev_last   <= in_data[BYTES*8-1 -: 8];
        s1_brk      <= brk & (left_of_e | {{(BYTES-1){1'b0}}, in_first});
        s1_rem1     <= rem1;
        s1_data     <= in_data;
    end
    s1_valid <= in_valid;
    ends     <= {ends[LATENCY-3:0], in_valid && in_last};
    if (rst) begin
        s1_valid <= 1'b0;
        ends     <= {(LATENCY-1){1'b0}};
    end
end

// ---------------------------------------------------------------- S2
// highest set flag: a binary tree of (any, index) pairs, log2(BYTES) deep
generate
    for (k = 1; k <= IDX_W; k = k + 1) begin : g_prio
        localparam integer N = BYTES >> k;
        wire [N-1:0]   any;
        wire [N*k-1:0] idx;
        genvar j;
        for (j = 0; j < N; j = j + 1) begin : g_node
            if (k == 1) begin : g_leaf
                assign any[j] = s1_brk[2*j+1] || s1_brk[2*j];
                assign idx[j] = s1_brk[2*j+1];
            end else begin : g_inner
                wire         hi_any = g_prio[k-1].any[2*j+1];
                wire [k-2:0] hi_idx = g_prio[k-1].idx[(2*j+1)*(k-1) +: k-1];
                wire [k-2:0] lo_idx = g_prio[k-1].idx[(2*j)*(k-1) +: k-1];
                assign any[j] = hi_any || g_prio[k-1].any[2*j];
                assign idx[j*k +: k] = hi_any ? {1'b1, hi_idx} : {1'b0, lo_idx};
            end
        end
    end
endgenerate

wire             beat_brk = g_prio[IDX_W].any[0];
wire [IDX_W-1:0] beat_k   = g_prio[IDX_W].idx;

// the packet's latest break so far
reg  [REM_W-1:0] pk_rem1;
reg  [IDX_W-1:0] pk_k;
reg  [15:0]      prev_top2;                 // top two bytes of S1's previous beat

wire [REM_W-1:0] cur_rem1 = beat_brk ? s1_rem1 : pk_rem1;
wire [IDX_W-1:0] cur_k   = beat_brk ? beat_k : pk_k;

// pt[E-1], pt[E], pt[E+1] in the last beat preceded by the previous one's
// top two bytes: pt[E-1] is at position low + 2 there
wire [(BYTES+2)*8-1:0] tail_win = {s1_data, prev_top2};
wire [IDX_W-1:0]       tail_pos = pk_low + 2;
wire [IDX_W+3:0]       tail_bit = {1'b0, tail_pos, 3'b000};
wire [23:0]            tail     = tail_win[tail_bit +: 24];

reg  [REM_W-1:0] fin_rem1;
reg  [IDX_W-1:0] fin_k;
reg  [7:0]       fin_before;                // pt[E-1]
reg  [7:0]       fin_padlen;
reg  [7:0]       fin_nh;

always @(posedge clk) begin
    if (s1_valid) begin
        pk_rem1   <= cur_rem1;
        pk_k      <= cur_k;
        prev_top2 <= s1_data[BYTES*8-1 -: 16];
    end
    if (ends[0]) begin
        fin_rem1   <= cur_rem1;
        fin_k      <= cur_k;
        fin_before <= tail[7:0];
        fin_padlen <= tail[15:8];
        fin_nh     <= tail[23:16];
    end
end

// ---------------------------------------------------------------- S3
// padlen fits the run (rem - k + 1 bytes ending at E-1 count up unbroken):
// rem + 1 - padlen - k >= 0, one three-input sum whose sign decides
// (rem + 1 >= k >= 0 at the latest break, rem + 1 = 0 only when E = 0)
wire [REM_W:0] slack = {1'b0, fin_rem1} - {{(REM_W-7){1'b0}}, fin_padlen}
                       - {{(REM_W+1-IDX_W){1'b0}}, fin_k};
wire           fits  = !slack[REM_W];

wire pad_ok = fin_padlen == 8'd0 || (fin_before == fin_padlen && fits);

always @(posedge clk) begin
    out_valid <= ends[LATENCY-2];
    if (ends[LATENCY-2]) begin
        out_pad_ok <= pad_ok;
        out_padlen <= fin_padlen;
        out_nh     <= fin_nh;
    end
    if (rst) begin
        out_valid <= 1'b0;
    end
end

endmodule

`resetall
