// spisync -- the anti-replay check of replay_check (RFC 4303 3.4.3 and
// Appendix A2.2; docs/datapath.md section 4) spread over the clocks of a
// reader that has the packet's sequence number a clock before the SA state,
// and the state straight from a RAM at the start of the clock in which it
// should decide: replay_check's index subtract and W:1 select (five LUT
// levels at W = 1024 without wide muxes) and the inference after its 32-bit
// subtract do not fit one 300 MHz clock behind that RAM.
//
// Same answers as replay_check for the same packet and state:
//   clock Z  esn and seq; seq's own comparisons prepared (seq = 0, the high
//            index bits + 1) and registered;
//   clock A  top and bitmap; of d = Tl - seq only the low log2(W) bits
//            (the index) are formed, "ahead" is a compare, and "near"
//            (d < W) is Tl's high bits equal to seq's, or to seq's + 1 when
//            the index subtract borrows; the W / 2^LO_BITS candidates
//            bitmap[{j, d[LO_BITS-1:0]}] (the low index bits come first out
//            of the carry chain); Th, Th + 1, Th - 1 and these flags
//            registered;
//   clock B  the A2.2 case decisions from the registered flags, s and ok:
//            the high index bits select among the candidates, beside the
//            decisions, and one LUT level combines the two.
// LO_BITS = 6 at W = 1024 puts three LUT levels of the select in each
// clock (A: 64:1 behind the index's carry chain; B: 16:1, leaving the
// caller a LUT level and a register's reset pin after ok).
// The caller registers s and ok (and whatever it decides from them) at the
// end of clock B. The arithmetic is explained in replay_check's header.
// The registers have no reset: a caller uses the answer with its own
// valid bit.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module replay_check_split #(
    parameter integer W       = 1024,       // power of two, 4 .. 2^31
    parameter integer LO_BITS = 6           // index bits resolved in clock A, 1 .. log2(W) - 1
) (
    input  wire         clk,

    // clock Z: the packet
    input  wire         esn,
    input  wire [31:0]  seq,                // low 32 bits from the packet

    // clock A: the SA's state
    input  wire [63:0]  top,                // T (ESN off: top[63:32] is zero)
    input  wire [W-1:0] bitmap,             // bit i: T - i received

    // clock B
    output wire [63:0]  s,                  // inferred full sequence number
    output wire         ok                  // S != 0, not left of the window, not seen, inference valid
);

localparam integer IDX_W = $clog2(W);
localparam integer HI_W  = IDX_W - LO_BITS;
localparam integer CANDS = W >> LO_BITS;
localparam integer UP_W  = 32 - IDX_W;

// ---------------------------------------------------------------------------
// clock Z
// ---------------------------------------------------------------------------
reg             a_esn;
reg  [31:0]     a_seq;
reg             a_seq_zero;
reg  [UP_W-1:0] a_seq_up_inc;               // seq[31:IDX_W] + 1, mod 2^UP_W

always @(posedge clk) begin
    a_esn        <= esn;
    a_seq        <= seq;
    a_seq_zero   <= seq == 32'd0;
    a_seq_up_inc <= seq[31:IDX_W] + 1'b1;
end

// ---------------------------------------------------------------------------
// clock A
// ---------------------------------------------------------------------------
// the high half is never trusted without ESN, so a stale Th cannot leak in
wire [31:0] th = a_esn ? top[63:32] : 32'd0;
wire [31:0] tl = top[31:0];

// the window index is d's low bits: a subtract of their own, whose borrow
// also tells how d's high bits come out
wire [IDX_W:0] d_lo  = {1'b0, tl[IDX_W-1:0]} - {1'b0, a_seq[IDX_W-1:0]};
wire           ahead = tl < a_seq;
// d < W: d's high bits (Tl's minus seq's minus the borrow) are zero
wire           near  = d_lo[IDX_W] ? tl[31:IDX_W] == a_seq_up_inc : tl[31:IDX_W] == a_seq[31:IDX_W];
wire           case_a = tl >= W - 1;

wire [LO_BITS-1:0] idx_lo = d_lo[LO_BITS-1:0];

reg               b_esn;
reg  [31:0]       b_seq;
reg               b_seq_zero;
reg               b_ahead, b_near, b_case_a;
reg               b_th_max, b_th_zero;
reg  [31:0]       b_th, b_th_inc, b_th_dec;
reg  [HI_W-1:0]   b_idx_hi;
reg  [CANDS-1:0]  b_cand;

genvar j;
generate
    for (j = 0; j < CANDS; j = j + 1) begin : g_cand
        wire [(1<<LO_BITS)-1:0] group = bitmap[j*(1<<LO_BITS) +: (1<<LO_BITS)];
        always @(posedge clk) begin
            b_cand[j] <= group[idx_lo];
        end
    end
endgenerate

always @(posedge clk) begin
    b_esn      <= a_esn;
    b_seq      <= a_seq;
    b_seq_zero <= a_seq_zero;
    b_ahead    <= ahead;
    b_near     <= near;
    b_case_a   <= case_a;
    b_th_max   <= th == 32'hFFFF_FFFF;
    b_th_zero  <= th == 32'd0;
    b_th       <= th;
    b_th_inc   <= th + 32'd1;
    b_th_dec   <= th - 32'd1;
    b_idx_hi   <= d_lo[IDX_W-1:LO_BITS];
end

// ---------------------------------------------------------------------------
// clock B
// ---------------------------------------------------------------------------
wire sel_inc, sel_dec, valid, newer, in_window;

replay_space space_inst (
    .esn(b_esn),
    .ahead(b_ahead),
    .in_reach(b_near),
    .case_a(b_case_a),
    .th_zero(b_th_zero),
    .th_max(b_th_max),
    .seq_zero(b_seq_zero),
    .sel_inc(sel_inc),
    .sel_dec(sel_dec),
    .valid(valid),
    .newer(newer),
    .in_window(in_window)
);

assign s  = {sel_inc ? b_th_inc : (sel_dec ? b_th_dec : b_th), b_seq};
assign ok = valid && (newer || (in_window && !b_cand[b_idx_hi]));

endmodule

`resetall
