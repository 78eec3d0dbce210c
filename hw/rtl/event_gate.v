// spisync -- the event gate: the one place that decides which event records
// enter the ring FIFO, and the one place that counts those that do not.
//
// Sources, one FIFO write per clock, in this priority:
//   1. the flow filter's record for the current frame (no backpressure:
//      written now or lost),
//   2. the flow filter's eviction record: it parks in a holding register
//      and gets one try in the first clock (1) writes nothing, usually the
//      next; an eviction arriving while another is parked and not leaving is
//      lost,
//   3. an EVENTS_LOST record, when records were lost and the previous one is
//      at least lost_ns old,
//   4. SA events from the commit stage (valid/ready: they wait for the FIFO;
//      what their own FIFO could not take arrives as s_overflow).
// A record refused for lack of a token does not hold the port, so under a
// flood of refused flow records EVENTS_LOST and SA records still go out.
// Flow records and the burst types of SA events need a token from a global
// token bucket (one token per token_ns of card time, at most token_burst
// saved; token_ns 0: no limit). Expiry records are at most two per SA and
// EVENTS_LOST records at most one per lost_ns, so they need none: the record
// rate is bounded by the bucket plus those.
//
// While the ring is disabled nothing is queued: every record is counted lost,
// and the first EVENTS_LOST after enabling tells the host how many it missed.
// Records the ring itself could not write (discarded while disabled, write
// errors) come back on r_lost_*: they are counted here too, except
// EVENTS_LOST records, whose counts are put back into the pending totals.
//
// lost_total counts every event record (never an EVENTS_LOST record) that did
// not reach the ring. The EVENTS_LOST record carries the records lost since
// the previous one (COUNT) and the SA misses they stood for (LOST_MISSES:
// 1 + COUNT for a miss record, COUNT for an eviction), both saturating at
// 2^32 - 1, so that the misses reported plus lost plus still pending in the
// flow table add up to the drop counters exactly.
//
// Timing contract: outputs (m_valid, m_rec, s_ready) are combinational from
// this clock's inputs and the state; lost_total is registered state plus
// the previous clock's losses. Whether the EVENTS_LOST record is due is
// decided a clock early, so the gate takes, besides time_ns, the step to the
// value time_ns will have in the next clock (time_ns + time_step +
// time_step_c, mod 2^64: card_regs' whole-ns step and the carry out of its
// fraction), and lost_ns only as the value it will have in the next clock
// (lost_ns_next: in the card the EVENT_LOST_NS register itself, a write
// reaching the gate a clock after the register, so that nothing of the AXI
// write's decode comes before the compare). In a reset clock all three are
// ignored. The token bucket still compares card time with the next-token
// time in the clock it acts (docs/bench.md: what moving that a clock early
// takes).

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module event_gate #(
    parameter integer REC_W = `SPISYNC_EVENT_BYTES * 8
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [63:0]      time_ns,
    input  wire [63:0]      time_step,       // time_ns of the next clock is
    input  wire             time_step_c,     // time_ns + time_step + time_step_c
    input  wire [31:0]      token_ns,
    input  wire [31:0]      token_burst,     // >= 1 (the register clamps)
    input  wire [31:0]      lost_ns_next,    // lost_ns of the next clock (below)
    input  wire             ring_enabled,

    input  wire             f_valid,
    input  wire [REC_W-1:0] f_rec,
    input  wire             f_evict_valid,
    input  wire [REC_W-1:0] f_evict_rec,

    input  wire             s_valid,
    input  wire [REC_W-1:0] s_rec,
    output wire             s_ready,
    input  wire             s_overflow,      // an SA event its FIFO could not take

    input  wire             r_lost_valid,
    input  wire [REC_W-1:0] r_lost_rec,

    output wire             m_valid,
    output wire [REC_W-1:0] m_rec,
    input  wire             m_ready,

    output wire [63:0]      lost_total
);

localparam integer TYPE_LSB  = `SPISYNC_EVF_TYPE_OFF * 8;
localparam integer FLAGS_LSB = `SPISYNC_EVF_FLAGS_OFF * 8;
localparam integer COUNT_LSB = `SPISYNC_EVF_COUNT_OFF * 8;
localparam integer LOSTM_LSB = `SPISYNC_EVF_LOST_MISSES_OFF * 8;
localparam integer EVICT_BIT = FLAGS_LSB + `SPISYNC_EV_FLAG_EVICTED_BIT;

function automatic is_flow_type(input [7:0] t);
    is_flow_type = t == `SPISYNC_EV_SA_MISS || t == `SPISYNC_EV_SPI_RESERVED;
endfunction

function automatic needs_token(input [7:0] t);
    needs_token = is_flow_type(t) || t == `SPISYNC_EV_AUTH_FAIL_BURST
               || t == `SPISYNC_EV_REPLAY_BURST;
endfunction

// the SA misses a lost record stood for, in two parts that add up to it:
// flow_count (its COUNT, for a flow type) and plus_one (not EVICTED), so
// that no incrementer sits in front of the sums that take them
function automatic [31:0] flow_count(input [7:0] t, input [31:0] count);
    flow_count = is_flow_type(t) ? count : 32'd0;
endfunction

function automatic plus_one(input [7:0] t, input evicted);
    plus_one = is_flow_type(t) && !evicted;
endfunction

function automatic [32:0] misses_of(input [REC_W-1:0] r);
    if (!is_flow_type(r[TYPE_LSB +: 8])) begin
        misses_of = 33'd0;
    end else if (r[EVICT_BIT]) begin
        misses_of = {1'b0, r[COUNT_LSB +: 32]};
    end else begin
        misses_of = {1'b0, r[COUNT_LSB +: 32]} + 33'd1;
    end
endfunction

// ---------------------------------------------------------------------------
// timing: how the logic below is arranged for 300 MHz
// ---------------------------------------------------------------------------
// The behaviour is the one the header describes, clock for clock; only the
// form differs from the plain one (kept in the comments):
//  * "now - then >= n" on 64-bit card times is never a 64-bit subtractor and
//    a compare behind it: the high word of the difference is zero when the
//    high words are equal (no borrow from the low word) or differ by one
//    (borrow), an equality test each, and the low word against n is one
//    three-operand sum (dist_below);
//  * "tokens != 0" and "pend_records != 0" are registered flags;
//  * the SA misses a parked record stands for are worked out when it parks;
//  * lost_due (whether the EVENTS_LOST record takes the port) is a function
//    of registers only (two LUT levels): its time compare ("time_ns - last_lost_time >= lost_ns")
//    is made in the clock before, from time_ns + time_step + time_step_c
//    and lost_ns_next (one carry-save level, then the parts above), for
//    both values last_lost_time can take, and registered as it is; what
//    lost_due decides in the same clock (the outputs, the token, the flags)
//    is still worked out for both of its values and selected by it;
//  * the losses of a clock are summed in the next ("loss accounting"): the
//    pending totals and lost_total are the previous clock's plus registered
//    losses, the misses already reduced to two numbers (carry-save, the
//    "+ 1" of a miss record in a free bit of a carry word rather than an
//    incrementer), of which only the low words are added, the saturation
//    known from the high bits and that sum's carry;
//  * next_token + token_ns and time_ns + token_ns add the high word as a
//    select between it and it + 1 (carry select).

// (a - b) mod 2^64 < k (incl 0) or <= k (incl 1), for k < 2^32, in parts.
// With bl = a_lo < b_lo, the difference is below 2^32 when its high word
// a_hi - b_hi - bl, that is a_hi + ~b_hi + !bl, is zero. A sum x + y + c
// is zero when each bit i > 0 has x_i ^ y_i == x_(i-1) | y_(i-1) (a zero
// sum carries x | y), which does not depend on c (hz_bits, all ones), and
// bit 0 has x_0 ^ y_0 == c, here a_hi[0] ^ b_hi[0] == bl. The low word of
// the difference, a_lo - b_lo + 2^32 bl, is below k (or at most k) when
// w = k + b_lo + ~a_lo (+ 1) >= 2^32 (1 + bl), one three-operand sum
// (dist_w; its bits 33:32 matter).
function automatic [30:0] hz_bits(input [31:0] a_hi, input [31:0] b_hi);
    reg [31:0] y;
    begin
        y = ~b_hi;
        hz_bits = (a_hi[31:1] ^ y[31:1]) ~^ (a_hi[30:0] | y[30:0]);
    end
endfunction

function automatic [33:0] dist_w(input [31:0] a_lo, input [31:0] b_lo,
                                 input [31:0] k, input incl);
    reg [31:0] na, x, y;
    begin
        na = ~a_lo;
        x  = k ^ b_lo ^ na;
        y  = (k & b_lo) | ((k | b_lo) & na);
        dist_w = {2'b00, x} + {1'b0, y, incl};
    end
endfunction

// the parts put together: hz_eq = &hz_bits && a_hi[0] == b_hi[0] (the
// high word is zero if there is no borrow), hz_ne = &hz_bits && a_hi[0] !=
// b_hi[0] (zero if there is), each with whatever else must hold
function automatic dist_below(input hz_eq, input hz_ne, input bl, input [1:0] w_top);
    dist_below = bl ? hz_ne && w_top[1] : hz_eq && w_top != 2'b00;
endfunction

// a + k for a 64-bit a and a 32-bit k, the high word selected by the carry
function automatic [63:0] add_hi_sel(input [63:0] a, input [31:0] a_hi1,
                                     input [31:0] k);
    reg [32:0] lo;
    begin
        lo = {1'b0, a[31:0]} + {1'b0, k};
        add_hi_sel = {lo[32] ? a_hi1 : a[63:32], lo[31:0]};
    end
endfunction

// ---------------------------------------------------------------------------
// token bucket
// ---------------------------------------------------------------------------
reg  [31:0] tokens;
reg         tokens_nz;               // tokens != 0
reg  [63:0] next_token;
wire        unlimited = token_ns == 32'd0;
wire        have_token = unlimited || tokens_nz;
// time_ns >= next_token, by words
wire        t_before = time_ns[63:32] < next_token[63:32]
                    || (time_ns[63:32] == next_token[63:32]
                        && time_ns[31:0] < next_token[31:0]);
wire        refill = !unlimited && !t_before;

// ---------------------------------------------------------------------------
// the write port
// ---------------------------------------------------------------------------
reg              hold_valid;
reg  [REC_W-1:0] hold_rec;
reg  [32:0]      hold_misses;        // misses_of(hold_rec)

wire [31:0] pend_records;
reg         pend_nz;                 // pend_records != 0
wire [31:0] pend_misses;
reg  [63:0] last_lost_time;
reg         lost_sent_once;

// pend_records != 0 && (!lost_sent_once || time_ns - last_lost_time >= lost_ns),
// the distance compared in the clock before ("lost_due of the next clock")
reg  [1:0]  far_a_q, far_b_q;        // that compare for either last_lost_time,
                                     // and for either carry of the step
reg         lost_wr_q;               // last_lost_time is the previous time_ns
reg         ci_q;                    // the step's carry
wire [1:0]  far_q    = lost_wr_q ? far_b_q : far_a_q;
wire        lost_due = pend_nz && (!lost_sent_once || far_q[ci_q]);

wire [7:0] s_type = s_rec[TYPE_LSB +: 8];
wire       s_tok  = needs_token(s_type);

// the port takes a record that needs a token
wire go = ring_enabled && have_token && m_ready;

wire a_write = f_valid && go;
wire a_lost  = f_valid && !go;

wire b_try   = ring_enabled && hold_valid && !a_write;
wire b_write = hold_valid && !f_valid && go;
wire b_lost  = hold_valid && !go;

wire port_free = !a_write && !b_try;
wire l_ready = ring_enabled && port_free && m_ready;
wire l_write = l_ready && lost_due;

// c_write: the SA record goes out; c_lost: refused by the bucket or the ring
// is off (taken and counted); neither: the FIFO is full, it waits.
// c_*0 with lost_due 0, c_*1 with lost_due 1.
wire c_write0 = l_ready && s_valid && (!s_tok || have_token);
wire c_lost1  = s_valid && !ring_enabled;
wire c_lost0  = c_lost1 || (s_valid && l_ready && s_tok && !have_token);
assign s_ready = lost_due ? c_lost1 : (c_write0 || c_lost0);

// a new eviction parks when the holding register is free now or frees now
wire hold_frees = !hold_valid || b_write || b_lost;
wire e_park = f_evict_valid && hold_frees && ring_enabled;
wire e_lost = f_evict_valid && !e_park;

reg [REC_W-1:0] lost_rec;
always @* begin
    lost_rec = {REC_W{1'b0}};
    lost_rec[TYPE_LSB +: 8] = `SPISYNC_EV_EVENTS_LOST;
    lost_rec[`SPISYNC_EVF_TIME_NS_OFF*8 +: 64] = time_ns;
    lost_rec[COUNT_LSB +: 32] = pend_records;
    lost_rec[LOSTM_LSB +: 32] = pend_misses;
    lost_rec[`SPISYNC_EVF_SA_INDEX_OFF*8 +: 16] = 16'hFFFF;
end

// a_write ? f_rec : b_write ? hold_rec : l_write ? lost_rec : s_rec
// (l_write only with the port free: neither a_write nor b_write)
wire [REC_W-1:0] m_rec_ab = a_write ? f_rec : b_write ? hold_rec : s_rec;
assign m_valid = a_write || b_write || (lost_due ? l_ready : c_write0);
assign m_rec   = l_write ? lost_rec : m_rec_ab;

// ---------------------------------------------------------------------------
// loss accounting: up to four records lost and one returned per clock
// ---------------------------------------------------------------------------
wire r_is_lost_rec = r_lost_valid && r_lost_rec[TYPE_LSB +: 8] == `SPISYNC_EV_EVENTS_LOST;
wire r_counts      = r_lost_valid && !r_is_lost_rec;

// all but the SA record's
wire [2:0] n_lost_ab = {2'd0, a_lost} + {2'd0, b_lost} + {2'd0, e_lost}
                     + {2'd0, r_counts} + {2'd0, s_overflow};
wire [31:0] r_count  = r_is_lost_rec ? r_lost_rec[COUNT_LSB +: 32] : 32'd0;
wire        any_ab   = a_lost || b_lost || e_lost || r_counts || s_overflow
                    || r_count != 32'd0;
wire        pend_nz0 = pend_nz || any_ab || c_lost0;
wire        pend_nz1 = (pend_nz && !l_ready) || any_ab || c_lost1;

// ---------------------------------------------------------------------------
// lost_due of the next clock
// ---------------------------------------------------------------------------
// The next clock's "time_ns - last_lost_time >= lost_ns", from the values
// time_ns and lost_ns will have then, for both values last_lost_time can
// take at this clock's edge (kept: far_a; an EVENTS_LOST written now: far_b,
// from time_ns). Both are registered as they are: whether it was written
// (lost_wr_q), the pending flag and lost_sent_once, all registers, select
// among them then, so no carry chain of the compare meets this clock's
// decisions in a LUT.
// The next clock's time is time_ns + time_step + time_step_c, not summed:
// the difference to last_lost_time, time_ns + ~last_lost_time + 1 +
// time_step + time_step_c, is reduced to s + c + ci by one carry-save level
// (the + 1 in c's free bit 0); an EVENTS_LOST written now makes it the step
// itself (s = time_step, c = 0). Then (s + c + ci) mod 2^64 < lost_ns_next
// in the parts above: co, the carry out of the low words (s_lo + c_lo +
// ci); the high word s_hi + c_hi + co zero by hz_bits (which inverts its
// second operand) and bit 0 (s ^ c == co there); the low word of the
// sum, s_lo + c_lo + ci - 2^32 co, below k when w = k + ~s_lo + ~c_lo + !ci
// >= 2^32 (2 - co), one carry-save level and a sum. The step's carry ci
// comes last (the end of card_regs' fraction adder), so both values of it
// are compared and registered, and ci itself only selects among them a
// clock later. Every input of far_a / far_b is the end of a carry chain
// (the wide ANDs too), so they are one LUT each after the chains.
wire [63:0] nlast   = ~last_lost_time;
wire [63:0] nx_a_s  = time_ns ^ nlast ^ time_step;
wire [63:0] nx_a_c  = {(time_ns[62:0] & nlast[62:0]) | (time_ns[62:0] & time_step[62:0])
                       | (nlast[62:0] & time_step[62:0]), 1'b1};
wire [1:0]  far_a;
wire [1:0]  far_b;

// the same compare for both: g = 0 kept (far_a), g = 1 written now (far_b);
// far[1] for ci = 1, far[0] for ci = 0
genvar g;
generate
    for (g = 0; g < 2; g = g + 1) begin : g_far
        wire [63:0] s   = (g == 0) ? nx_a_s : time_step;
        wire [63:0] c   = (g == 0) ? nx_a_c : 64'd0;
        wire [30:0] hb  = hz_bits(s[63:32], ~c[63:32]);
        wire [32:0] eq  = {1'b0, hb, s[32] ~^ c[32]} + 33'd1;   // zero, co = 0
        wire [32:0] ne  = {1'b0, hb, s[32] ^ c[32]} + 33'd1;    // zero, co = 1
        wire [33:0] co0 = {1'b0, s[31:0], 1'b0} + {1'b0, c[31:0], 1'b0};
        wire [33:0] co1 = {1'b0, s[31:0], 1'b1} + {1'b0, c[31:0], 1'b1};
        wire [33:0] w0  = dist_w(s[31:0], ~c[31:0], lost_ns_next, 1'b1);
        wire [33:0] w1  = dist_w(s[31:0], ~c[31:0], lost_ns_next, 1'b0);
        wire [1:0]  far = ~{co1[33] ? ne[32] && w1[33:32] != 2'b00 : eq[32] && w1[33],
                            co0[33] ? ne[32] && w0[33:32] != 2'b00 : eq[32] && w0[33]};
        wire unused_far = &{eq[31:0], ne[31:0], co0[32:0], co1[32:0], w0[31:0], w1[31:0]};
        if (g == 0) begin : g_a
            assign far_a = far;
        end else begin : g_b
            assign far_b = far;
        end
    end
endgenerate

// The losses of a clock are added up in the next: the pending totals (and
// lost_total) of this clock are the previous clock's (zero after an
// EVENTS_LOST went out: cleared as they are registered) plus what the
// previous clock registered here, saturated. The misses of the records lost
// there are already reduced to two numbers (carry-save: lq_ms + lq_mc), the
// records to one (lq_n), so that this clock's sums are one carry-save level
// and one adder each.
wire        c_lost   = lost_due ? c_lost1 : c_lost0;
reg  [31:0] pend_records_q;    // pend_records of the previous clock, or 0
reg  [31:0] pend_misses_q;
reg  [63:0] lost_total_q;
reg  [2:0]  lq_n;              // n_lost_ab + c_lost
reg  [31:0] lq_count;          // r_count
reg  [35:0] lq_ms, lq_mc;      // misses of the lost records

// the misses of the records lost this clock, carry-save: the counts are
// summed three at a time, and the plus_one of each goes into the free
// lowest bit of a carry word (the SA record's into the next clock's)
reg         lq_one_s;
wire [31:0] ma = a_lost ? flow_count(f_rec[TYPE_LSB +: 8], f_rec[COUNT_LSB +: 32]) : 32'd0;
wire [32:0] mb = b_lost ? hold_misses : 33'd0;
wire [31:0] me = e_lost ? flow_count(f_evict_rec[TYPE_LSB +: 8], f_evict_rec[COUNT_LSB +: 32]) : 32'd0;
wire [31:0] mr = r_counts ? flow_count(r_lost_rec[TYPE_LSB +: 8], r_lost_rec[COUNT_LSB +: 32])
               : r_is_lost_rec ? r_lost_rec[LOSTM_LSB +: 32] : 32'd0;
wire        one_a = a_lost && plus_one(f_rec[TYPE_LSB +: 8], f_rec[EVICT_BIT]);
wire        one_e = e_lost && plus_one(f_evict_rec[TYPE_LSB +: 8], f_evict_rec[EVICT_BIT]);
// (of a returned record only its type, flags and counts matter)
wire        unused_r = &{r_lost_rec};
wire        one_r = r_counts && plus_one(r_lost_rec[TYPE_LSB +: 8], r_lost_rec[EVICT_BIT]);
wire [32:0] m1s = {1'b0, ma} ^ mb ^ {1'b0, me};
wire [33:0] m1c = {({1'b0, ma} & mb) | ({1'b0, ma} & {1'b0, me}) | (mb & {1'b0, me}), one_a};
wire [33:0] m2s = {1'b0, m1s} ^ m1c ^ {2'b0, mr};
wire [34:0] m2c = {({1'b0, m1s} & m1c) | ({1'b0, m1s} & {2'b0, mr}) | (m1c & {2'b0, mr}), one_e};
// the SA record's last: whether it was lost waited for lost_due
wire [31:0] ms  = c_lost ? flow_count(s_rec[TYPE_LSB +: 8], s_rec[COUNT_LSB +: 32]) : 32'd0;
wire        one_s = c_lost && plus_one(s_rec[TYPE_LSB +: 8], s_rec[EVICT_BIT]);
wire [35:0] m3s = {2'd0, m2s} ^ {1'b0, m2c} ^ {4'd0, ms};
wire [35:0] m3c = {({1'b0, m2s} & m2c) | ({1'b0, m2s} & {3'd0, ms}) | (m2c & {3'd0, ms}), one_r};

// this clock: previous pending + lq_ms + lq_mc, and previous + lq_count + lq_n
wire [35:0] m4s = {4'd0, pend_misses_q} ^ lq_ms ^ lq_mc;
// (no carry out of bit 35: the sum is below 2^36)
wire [35:0] m4c = {({3'd0, pend_misses_q} & lq_ms[34:0]) | ({3'd0, pend_misses_q} & lq_mc[34:0])
                   | (lq_ms[34:0] & lq_mc[34:0]), lq_one_s};
// Only the low words are added: the sum (below 2^36) is 2^32 or more
// exactly when a high bit of either word is set or the low words carry out,
// and the high bits are known before the carry.
wire [32:0] mis_lo  = {1'b0, m4s[31:0]} + {1'b0, m4c[31:0]};
wire        mis_sat = mis_lo[32] || m4s[35:32] != 4'd0 || m4c[35:32] != 4'd0;
wire [34:0] rec_sum = {3'd0, pend_records_q} + {3'd0, lq_count} + {32'd0, lq_n};
assign pend_records = rec_sum[34:32] != 3'd0 ? 32'hFFFF_FFFF : rec_sum[31:0];
assign pend_misses  = mis_sat ? 32'hFFFF_FFFF : mis_lo[31:0];
assign lost_total   = lost_total_q + {61'd0, lq_n};

// tokens: consume0 / consume1 with lost_due 0 / 1
wire consume1 = !unlimited && go && (f_valid || hold_valid);
wire consume0 = consume1 || (!unlimited && go && s_valid && s_tok);

// next_token: time_ns - next_token >= token_ns, next_token - time_ns > token_ns
wire [33:0] late_w  = dist_w(time_ns[31:0], next_token[31:0], token_ns, 1'b0);
wire [33:0] early_w = dist_w(next_token[31:0], time_ns[31:0], token_ns, 1'b1);
wire        late_bl  = time_ns[31:0] < next_token[31:0];
wire        early_bl = next_token[31:0] < time_ns[31:0];
wire [30:0] late_hb  = hz_bits(time_ns[63:32], next_token[63:32]);
wire [30:0] early_hb = hz_bits(next_token[63:32], time_ns[63:32]);
wire        hz_z0    = time_ns[32] ^ next_token[32];
wire [32:0] late_eq  = {1'b0, late_hb, !hz_z0} + 33'd1;
wire [32:0] late_ne  = {1'b0, late_hb, hz_z0} + 33'd1;
wire [32:0] early_eq = {1'b0, early_hb, !hz_z0} + 33'd1;
wire [32:0] early_ne = {1'b0, early_hb, hz_z0} + 33'd1;
wire nt_late  = !dist_below(late_eq[32], late_ne[32], late_bl, late_w[33:32]);
wire nt_early = !dist_below(early_eq[32], early_ne[32], early_bl, early_w[33:32]);
wire unused_w = &{late_w[31:0], early_w[31:0],
                  late_eq[31:0], late_ne[31:0], early_eq[31:0], early_ne[31:0]};
wire [63:0] time_plus  = add_hi_sel(time_ns, time_ns[63:32] + 32'd1, token_ns);
wire [63:0] token_plus = add_hi_sel(next_token, next_token[63:32] + 32'd1, token_ns);
wire tok_full  = tokens >= token_burst;
wire tok_over  = tokens > token_burst;

reg [31:0] tokens_c0, tokens_c1;
reg        nz_c0, nz_c1;
always @* begin
    // tokens and whether they are non-zero after the clock, without (c0)
    // and with (c1) a token consumed
    if (refill && !tok_full) begin
        tokens_c0 = tokens + 32'd1;
        nz_c0     = 1'b1;
        tokens_c1 = tokens;
        nz_c1     = tokens_nz;
    end else begin
        tokens_c0 = tok_over ? token_burst : tokens;
        nz_c0     = tok_over ? token_burst != 32'd0 : tokens_nz;
        tokens_c1 = tokens - 32'd1;
        nz_c1     = tokens != 32'd1;
    end
end
wire consume = lost_due ? consume1 : consume0;

always @(posedge clk) begin
    // tokens: refill and use in the same clock add up. At most one token
    // a clock: a schedule a whole period behind restarts from now rather
    // than pay out a backlog, and a shorter period takes effect at once.
    if (refill) begin
        if (tok_full || nt_late) begin
            next_token <= time_plus;
        end else begin
            next_token <= token_plus;
        end
    end else if (nt_early) begin
        next_token <= time_plus;
    end
    tokens    <= consume ? tokens_c1 : tokens_c0;
    tokens_nz <= consume ? nz_c1 : nz_c0;
    if (unlimited) begin
        tokens     <= token_burst;
        tokens_nz  <= token_burst != 32'd0;
        next_token <= time_ns;
    end

    if (b_write || b_lost) begin
        hold_valid <= 1'b0;
    end
    if (e_park) begin
        hold_valid  <= 1'b1;
        hold_rec    <= f_evict_rec;
        hold_misses <= misses_of(f_evict_rec);
    end

    pend_nz        <= lost_due ? pend_nz1 : pend_nz0;
    far_a_q        <= far_a;
    far_b_q        <= far_b;
    ci_q           <= time_step_c;
    lost_wr_q      <= l_write;
    // what an EVENTS_LOST written now carries is no longer pending
    pend_records_q <= l_write ? 32'd0 : pend_records;
    pend_misses_q  <= l_write ? 32'd0 : pend_misses;
    lost_total_q   <= lost_total;
    lq_n     <= n_lost_ab + {2'd0, c_lost};
    lq_count <= r_count;
    lq_ms    <= m3s;
    lq_mc    <= m3c;
    lq_one_s <= one_s;
    if (l_write) begin
        last_lost_time <= time_ns;
        lost_sent_once <= 1'b1;
    end
    if (!ring_enabled) begin
        lost_sent_once <= 1'b0;
    end

    if (rst) begin
        next_token     <= time_ns;
        tokens         <= token_burst;
        tokens_nz      <= token_burst != 32'd0;
        hold_valid     <= 1'b0;
        pend_nz        <= 1'b0;
        lost_wr_q      <= 1'b0;
        pend_records_q <= 32'd0;
        pend_misses_q  <= 32'd0;
        lq_n           <= 3'd0;
        lq_count       <= 32'd0;
        lq_ms          <= 36'd0;
        lq_mc          <= 36'd0;
        lq_one_s       <= 1'b0;
        last_lost_time <= 64'd0;
        lost_sent_once <= 1'b0;
        lost_total_q   <= 64'd0;
    end
end

endmodule

`resetall
