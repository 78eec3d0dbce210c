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
    input  wire [31:0]      token_ns,
    input  wire [31:0]      token_burst,     // >= 1 (the register clamps)
    input  wire [31:0]      lost_ns,
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

    output reg  [63:0]      lost_total
);

localparam integer TYPE_LSB  = `SPISYNC_EVF_TYPE_OFF * 8;
localparam integer FLAGS_LSB = `SPISYNC_EVF_FLAGS_OFF * 8;
localparam integer COUNT_LSB = `SPISYNC_EVF_COUNT_OFF * 8;
localparam integer LOSTM_LSB = `SPISYNC_EVF_LOST_MISSES_OFF * 8;

function automatic is_flow_type(input [7:0] t);
    is_flow_type = t == `SPISYNC_EV_SA_MISS || t == `SPISYNC_EV_SPI_RESERVED;
endfunction

function automatic needs_token(input [7:0] t);
    needs_token = is_flow_type(t) || t == `SPISYNC_EV_AUTH_FAIL_BURST
               || t == `SPISYNC_EV_REPLAY_BURST;
endfunction

// SA misses a lost record stood for
function automatic [32:0] misses_of(input [REC_W-1:0] r);
    if (!is_flow_type(r[TYPE_LSB +: 8])) begin
        misses_of = 33'd0;
    end else if (r[FLAGS_LSB + `SPISYNC_EV_FLAG_EVICTED_BIT]) begin
        misses_of = {1'b0, r[COUNT_LSB +: 32]};
    end else begin
        misses_of = {1'b0, r[COUNT_LSB +: 32]} + 33'd1;
    end
endfunction

function automatic [31:0] sat_add(input [31:0] a, input [34:0] b);
    reg [35:0] s;
    begin
        s = {4'd0, a} + {1'b0, b};
        sat_add = (s[35:32] != 4'd0) ? 32'hFFFF_FFFF : s[31:0];
    end
endfunction

// ---------------------------------------------------------------------------
// token bucket
// ---------------------------------------------------------------------------
reg  [31:0] tokens;
reg  [63:0] next_token;
wire        unlimited = token_ns == 32'd0;
wire        have_token = unlimited || tokens != 32'd0;
wire        refill = !unlimited && time_ns >= next_token;

// ---------------------------------------------------------------------------
// the write port
// ---------------------------------------------------------------------------
reg              hold_valid;
reg  [REC_W-1:0] hold_rec;

reg  [31:0] pend_records;
reg  [31:0] pend_misses;
reg  [63:0] last_lost_time;
reg         lost_sent_once;

wire lost_due = pend_records != 32'd0
             && (!lost_sent_once || time_ns - last_lost_time >= {32'd0, lost_ns});

wire [7:0] s_type = s_rec[TYPE_LSB +: 8];
wire       s_tok  = needs_token(s_type);

wire a_write = ring_enabled && f_valid && have_token && m_ready;
wire a_lost  = f_valid && !a_write;

wire b_try   = ring_enabled && hold_valid && !a_write;
wire b_write = b_try && have_token && m_ready;
wire b_lost  = (b_try && !b_write) || (hold_valid && !ring_enabled);

wire port_free = !a_write && !b_try;
wire l_write = ring_enabled && port_free && lost_due && m_ready;

wire c_try   = port_free && !l_write && s_valid;
wire c_write = ring_enabled && c_try && m_ready && (!s_tok || have_token);
// refused by the bucket or the ring is off: taken and counted; FIFO full: waits
wire c_lost  = s_valid && ((!ring_enabled) || (c_try && m_ready && s_tok && !have_token));
assign s_ready = c_write || c_lost;

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

assign m_valid = a_write || b_write || l_write || c_write;
assign m_rec   = a_write ? f_rec : b_write ? hold_rec : l_write ? lost_rec : s_rec;

// ---------------------------------------------------------------------------
// loss accounting: up to four records lost and one returned per clock
// ---------------------------------------------------------------------------
wire r_is_lost_rec = r_lost_valid && r_lost_rec[TYPE_LSB +: 8] == `SPISYNC_EV_EVENTS_LOST;
wire r_counts      = r_lost_valid && !r_is_lost_rec;

wire [2:0] n_lost = {2'd0, a_lost} + {2'd0, b_lost} + {2'd0, c_lost} + {2'd0, e_lost}
                  + {2'd0, r_counts} + {2'd0, s_overflow};
wire [34:0] add_records = {32'd0, n_lost}
                        + (r_is_lost_rec ? {3'd0, r_lost_rec[COUNT_LSB +: 32]} : 35'd0);
wire [34:0] add_misses = (a_lost ? {2'd0, misses_of(f_rec)} : 35'd0)
                       + (b_lost ? {2'd0, misses_of(hold_rec)} : 35'd0)
                       + (e_lost ? {2'd0, misses_of(f_evict_rec)} : 35'd0)
                       + (c_lost ? {2'd0, misses_of(s_rec)} : 35'd0)
                       + (r_counts ? {2'd0, misses_of(r_lost_rec)} : 35'd0)
                       + (r_is_lost_rec ? {3'd0, r_lost_rec[LOSTM_LSB +: 32]} : 35'd0);

wire consume = (a_write || b_write || (c_write && s_tok)) && !unlimited;

always @(posedge clk) begin
    // tokens: refill and use in the same clock add up. At most one token
    // a clock: a schedule a whole period behind restarts from now rather
    // than pay out a backlog, and a shorter period takes effect at once.
    if (refill) begin
        if (tokens >= token_burst || time_ns - next_token >= {32'd0, token_ns}) begin
            next_token <= time_ns + {32'd0, token_ns};
        end else begin
            next_token <= next_token + {32'd0, token_ns};
        end
    end else if (next_token - time_ns > {32'd0, token_ns}) begin
        next_token <= time_ns + {32'd0, token_ns};
    end
    if (refill && tokens < token_burst) begin
        tokens <= consume ? tokens : tokens + 32'd1;
    end else if (consume) begin
        tokens <= tokens - 32'd1;
    end else if (tokens > token_burst) begin
        tokens <= token_burst;
    end
    if (unlimited) begin
        tokens     <= token_burst;
        next_token <= time_ns;
    end

    if (b_write || b_lost) begin
        hold_valid <= 1'b0;
    end
    if (e_park) begin
        hold_valid <= 1'b1;
        hold_rec   <= f_evict_rec;
    end

    lost_total <= lost_total + {61'd0, n_lost};
    if (l_write) begin
        pend_records   <= sat_add(32'd0, add_records);
        pend_misses    <= sat_add(32'd0, add_misses);
        last_lost_time <= time_ns;
        lost_sent_once <= 1'b1;
    end else begin
        pend_records <= sat_add(pend_records, add_records);
        pend_misses  <= sat_add(pend_misses, add_misses);
    end
    if (!ring_enabled) begin
        lost_sent_once <= 1'b0;
    end

    if (rst) begin
        tokens         <= token_burst;
        next_token     <= time_ns;
        hold_valid     <= 1'b0;
        pend_records   <= 32'd0;
        pend_misses    <= 32'd0;
        last_lost_time <= 64'd0;
        lost_sent_once <= 1'b0;
        lost_total     <= 64'd0;
    end
end

endmodule

`resetall
