// spisync -- commit: the verdict on every frame after the GCM core
// (docs/datapath.md steps 10-16), the replay window and per-SA counter
// update, the decapsulated header, and the write into the host egress
// buffer, which releases a frame only when it is kept.
//
// Every frame the dispatch sent arrives here in order: decrypted ESP
// frames, pass-through frames (raw data on the core's tuser) and single
// token beats of frames dropped before crypto. Their jobs wait in a FIFO and
// are taken at each frame's first beat.
//
// Timing per frame, from its last beat out of the core (clock L), with
// D = max(2, PAD_LAT):
//   L      the padding check sees the beat; the job is latched
//   X - 2  the SA's state record is read; the re-check's terms of S
//          against the previous frame's S1 (job against job) registered
//   X - 1  the replay re-check's wide part on the state without the
//          previous frame's decision, for both outcomes of that decision
//          ("the state", "replay re-check" below): the bitmap lookup,
//          registered as it leaves the 1024:1 select, and A2.2's verdicts
//          for both values of that bit, each formed for the four values of
//          the two flags out of the carry chain T - S, which pick last
//   X = L + D: decide: ICV, exact replay re-check (one LUT on registers),
//          lifetime, padding, next header; new state record registered;
//          the last payload beat (the payload is delayed D clocks) and the
//          verdict go to the egress
//   X + 1  state record written; drop counted
//   X + 2  egress reports whether a kept frame fit: outcome or TAIL_DROP
// A frame may end every clock, and several in a row may belong to one SA,
// so the read at X - 2 can miss the three previous frames' updates: those are
// forwarded from the last three decisions (newest first).
//
// Timing (Yosys sta, xcup cell delays, BYTES = 64): worst path 5,359 ps
// (5,699 before the S1 - T flags picked last and the flags of S against S1
// were registered at X - 2; 6,266 before the verdicts were formed per bit
// and per late flag), at X: the state Q (fwd1 | p_q) -> the 64-bit compare
// s_packets > sp_thr -> soft_next -> ev_soft -> sa_ev_valid, whose logic
// Yosys maps onto the flop's synchronous set (FDSE S, 404 ps setup). Over
// 900 endpoints end at 4.82-5.09 ns: the window shift (replay_update on Q)
// into d_state's select, and the 64-bit lifetime compares beside it. At
// X - 1 the S1 - T flags (k_newer, k_far) end in one LUT after the T - S
// select (ok_c), and t1_valid is replay_space on registered flags. The
// forwards' masks are synchronous resets (FDRE R): as AND gates into D,
// over 300 endpoints ended at 5.13-5.42 ns.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"
`include "card_internal.vh"

module esp_commit #(
    parameter integer BYTES     = 64,
    parameter integer HDR_BYTES = 128,
    parameter integer PAD_LAT   = 3      // esp_pad_check's LATENCY (>= 1)
) (
    input  wire                     clk,
    input  wire                     rst,

    // GCM core output
    input  wire [BYTES*8-1:0]       c_tdata,
    input  wire                     c_tvalid,
    input  wire                     c_tlast,
    input  wire                     c_auth_ok,
    input  wire                     c_token,
    input  wire                     c_bypass,
    input  wire [BYTES*8-1:0]       c_raw,

    // the frame's job (first-word-fall-through FIFO), taken at its first beat
    input  wire                     m_valid,
    output wire                     m_ready,
    input  wire [7:0]               m_reason,
    input  wire [15:0]              m_index,
    input  wire [7:0]               m_gen,
    input  wire                     m_esn,
    input  wire [63:0]              m_seq64,
    input  wire [1:0]               m_mode,
    input  wire [63:0]              m_hard_bytes,
    input  wire [63:0]              m_hard_packets,
    input  wire [63:0]              m_soft_bytes,
    input  wire [63:0]              m_soft_packets,
    input  wire [31:0]              m_spi,
    input  wire [HDR_BYTES*8-1:0]   m_hdr,
    input  wire [4:0]               m_l2_len,
    input  wire [6:0]               m_l3_hdr_len,
    input  wire                     m_vlan,
    input  wire                     m_ipv6,
    input  wire [15:0]              m_csum_base,
    input  wire [15:0]              m_rx_seq,
    input  wire [13:0]              m_pay_len,

    // per-SA state, read-modify-write
    output wire                     st_rd_en,
    output wire [15:0]              st_rd_index,
    input  wire [`SPISYNC_ST_W-1:0] st_rd_data,
    output wire                     st_wr_en,
    output wire [15:0]              st_wr_index,
    output wire [`SPISYNC_ST_W-1:0] st_wr_data,

    // host egress buffer
    output reg                      e_valid,
    output reg                      e_first,
    output reg                      e_last,
    output reg  [BYTES*8-1:0]       e_data,
    output reg                      e_keep,
    output reg  [HDR_BYTES*8-1:0]   e_hdr,
    output reg  [7:0]               e_hdr_len,
    output reg  [13:0]              e_pay_len,
    output reg  [`SPISYNC_HOST_TUSER_W-1:0] e_user,
    input  wire                     res_valid,
    input  wire                     res_delivered,

    // outcome counting: drops decided here, and deliveries as the egress
    // buffer reports them (TAIL_DROP when a kept frame did not fit)
    output reg                      cnt_drop_valid,
    output reg  [7:0]               cnt_drop_reason,
    output reg                      cnt_out_valid,
    output reg  [7:0]               cnt_out_reason,

    // SA events: lifetimes and drop bursts (docs/event-ring.md)
    input  wire [63:0]              time_ns,
    input  wire [23:0]              burst_epoch,
    input  wire [31:0]              auth_fail_burst,
    input  wire [31:0]              replay_burst,
    output reg                      sa_ev_valid,
    output reg  [`SPISYNC_EVENT_BYTES*8-1:0] sa_ev_rec,

    output wire                     protocol_error  // a beat without a job, or a verdict
                                                    // without its padding check (never)
);

localparam integer RW = `SPISYNC_REPLAY_W;
localparam integer AW = `SPISYNC_ALARM_W;
localparam integer SW = `SPISYNC_ST_W;

// ---------------------------------------------------------------------------
// frame boundaries and the job
// ---------------------------------------------------------------------------
reg in_pkt;
wire first = !in_pkt;
assign m_ready = c_tvalid && first;
wire   no_job = c_tvalid && first && !m_valid;

// the job as of this beat: the FIFO head on a first beat, latched after
localparam integer JOB_W = 8 + 16 + 8 + 1 + 64 + 2 + 64 + 64 + 64 + 64 + 32 + HDR_BYTES*8
                         + 5 + 7 + 1 + 1 + 16 + 16 + 14;
wire [JOB_W-1:0] job_head = {m_reason, m_index, m_gen, m_esn, m_seq64, m_mode, m_hard_bytes,
                             m_hard_packets, m_soft_bytes, m_soft_packets, m_spi, m_hdr, m_l2_len, m_l3_hdr_len, m_vlan, m_ipv6,
                             m_csum_base, m_rx_seq, m_pay_len};
reg  [JOB_W-1:0] job_cur;
wire [JOB_W-1:0] job_now = first ? job_head : job_cur;

always @(posedge clk) begin
    if (c_tvalid) begin
        in_pkt <= !c_tlast;
        if (first) begin
            job_cur <= job_head;
        end
    end
    if (rst) begin
        in_pkt <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// padding check on the plaintext of decrypted frames
// ---------------------------------------------------------------------------
wire       esp_beat = c_tvalid && !c_token && !c_bypass;
wire       pad_valid;
wire       pad_ok;
wire [7:0] pad_len;
wire [7:0] pad_nh;

esp_pad_check #(
    .BYTES(BYTES)
) u_pad (
    .clk(clk),
    .rst(rst),
    .in_valid(esp_beat),
    .in_first(first),
    .in_last(c_tlast),
    .in_data(c_tdata),
    .in_ct_len(job_now[13:0]),
    .out_valid(pad_valid),
    .out_pad_ok(pad_ok),
    .out_padlen(pad_len),
    .out_nh(pad_nh)
);

// lined up with X = L + D
localparam integer D = (PAD_LAT > 2) ? PAD_LAT : 2;
localparam integer PAD_DELAY = D - PAD_LAT;
wire [17:0] pad_now = {pad_valid, pad_ok, pad_len, pad_nh};
wire [17:0] pad_x;
generate
    if (PAD_DELAY == 0) begin : g_pad_direct
        assign pad_x = pad_now;
    end else begin : g_pad_delay
        reg [17:0] pad_q [0:PAD_DELAY-1];
        integer pq;
        always @(posedge clk) begin
            pad_q[0] <= pad_now;
            for (pq = 1; pq < PAD_DELAY; pq = pq + 1) begin
                pad_q[pq] <= pad_q[pq-1];
            end
        end
        assign pad_x = pad_q[PAD_DELAY-1];
    end
endgenerate

// ---------------------------------------------------------------------------
// L -> X: the frame's end and its job
// ---------------------------------------------------------------------------
localparam integer FIN_W = 1 + 1 + 1 + 1 + JOB_W;
wire [FIN_W-1:0] fin0 = {c_tvalid && c_tlast, c_token, c_bypass, c_auth_ok, job_now};
reg  [FIN_W-1:0] fin [1:D];

integer fi;
always @(posedge clk) begin
    fin[1] <= fin0;
    for (fi = 2; fi <= D; fi = fi + 1) begin
        fin[fi] <= fin[fi-1];
    end
    if (rst) begin
        for (fi = 1; fi <= D; fi = fi + 1) begin
            fin[fi][FIN_W-1] <= 1'b0;
        end
    end
end

// X - 2: read the SA's state (a clock before the current state is needed,
// so that the wide window work can run at X - 1; see "the state" below)
wire [FIN_W-1:0] fin_r;                     // the frame two clocks before its X
generate
    if (D >= 3) begin : g_fin_r_reg
        assign fin_r = fin[D-2];
    end else begin : g_fin_r_in
        assign fin_r = fin0;
    end
endgenerate
wire [15:0] r_index = fin_r[JOB_W-9 -: 16];
wire [7:0]  r_gen   = fin_r[JOB_W-25 -: 8];
wire [31:0] r_seq_hi = fin_r[JOB_W-34 -: 32];
assign st_rd_en    = fin_r[FIN_W-1] && r_index != 16'hFFFF;
assign st_rd_index = r_index;
wire        r_esn    = fin_r[JOB_W-33];
wire [31:0] r_seq_lo = fin_r[JOB_W-66 -: 32];
wire unused_fin_r = &{fin_r[FIN_W-2:JOB_W-8], fin_r[JOB_W-98:0]};

// X - 1: the frame whose state is being prepared (y_), one clock before its X
wire [FIN_W-1:0] fin_y = fin[D-1];
wire        y_end     = fin_y[FIN_W-1];
wire        y_token   = fin_y[FIN_W-2];
wire        y_bypass  = fin_y[FIN_W-3];
wire [7:0]  y_reason  = fin_y[JOB_W-1 -: 8];
wire [15:0] y_index   = fin_y[JOB_W-9 -: 16];
wire [7:0]  y_gen     = fin_y[JOB_W-25 -: 8];
wire        y_esn     = fin_y[JOB_W-33];
wire [63:0] y_seq64   = fin_y[JOB_W-34 -: 64];
wire [63:0] y_hard_bytes = fin_y[JOB_W-100 -: 64];
wire [13:0] y_pay_len = fin_y[13:0];
wire [63:0] y_soft_bytes   = fin_y[JOB_W-228 -: 64];
wire [63:0] y_soft_packets = fin_y[JOB_W-292 -: 64];
wire [6:0]  y_l3_hdr_len = fin_y[54:48];
wire [15:0] y_csum_base  = fin_y[45:30];
wire unused_fin_y = &{fin_y[FIN_W-4], fin_y[JOB_W-98 -: 2], fin_y[JOB_W-164:14]};
// the same test as d_write_e below, for the frame a clock behind
wire        y_write   = y_end && (y_token ? (y_reason == `SPISYNC_R_REPLAY && y_index != 16'hFFFF)
                                          : !y_bypass);
wire [FIN_W-1:0] fin_x = fin[D];

// X: unpack
wire                   x_end;
wire                   x_token;
wire                   x_bypass;
wire                   x_auth_ok;
wire [7:0]             x_reason;
wire [15:0]            x_index;
wire [7:0]             x_gen;
wire                   x_esn;
wire [63:0]            x_seq64;
wire [1:0]             x_mode;
wire [63:0]            x_hard_bytes;
wire [63:0]            x_hard_packets;
wire [63:0]            x_soft_bytes;
wire [63:0]            x_soft_packets;
wire [31:0]            x_spi;
wire [HDR_BYTES*8-1:0] x_hdr;
wire [4:0]             x_l2_len;
wire [6:0]             x_l3_hdr_len;
wire                   x_vlan;
wire                   x_ipv6;
wire [15:0]            x_csum_base;
wire [15:0]            x_rx_seq;
wire [13:0]            x_pay_len;
assign {x_end, x_token, x_bypass, x_auth_ok, x_reason, x_index, x_gen, x_esn, x_seq64, x_mode,
        x_hard_bytes, x_hard_packets, x_soft_bytes, x_soft_packets, x_spi, x_hdr, x_l2_len, x_l3_hdr_len, x_vlan, x_ipv6,
        x_csum_base, x_rx_seq, x_pay_len} = fin_x;

// a decision is due exactly when the payload's last beat is at X
wire x_decide = x_end;

// the record is written for every decrypted frame and for a replay caught by
// the pre-check against a known SA; this depends on the job alone
wire d_write_e = x_token ? (x_reason == `SPISYNC_R_REPLAY && x_index != 16'hFFFF) : !x_bypass;

// the last decision is the record being written this clock
assign st_wr_en    = wb1_valid;
assign st_wr_index = wb1_index;
assign st_wr_data  = wb1_data;

// The state. A frame decided at X must see the records of the frames
// decided at X - 1 (F1), X - 2 (F2) and X - 3 (F3), which the read at X - 2
// misses (F3 is written at X - 2, a read of the address being written
// returns the old record). The work is split in two:
//
// X - 1: P, the state without F1's decision: F2's record, else F3's, else
//   the one read, where the frame's SA matches with its generation (an older
//   generation counts as a fresh record, zero); zero as well when F1 writes
//   the same SA under another generation (then F1's record, stale to this
//   frame, is what the frame sees at X). Which source applies depends on
//   indexes and generations only, known at X - 2, so the forwarded records
//   are registered already masked (pfwd2, pfwd3: zero unless they are the
//   source). On P the WIDE part of the replay re-check runs: the bitmap
//   lookup, the 32-bit compares and A2.2's inference, for both possible
//   states at X (see "replay re-check" below).
// X: the full state Q = F1's decision (fwd1) when F1 wrote the same SA and
//   generation, else P (p_q), each registered already masked, so Q is one
//   OR. What remains at X on Q is the same as before: counters, alarms,
//   lifetime compares and the window update; the replay verdict is a select
//   of two verdicts prepared at X - 1 by whether F1 moved the window.
reg             wb1_valid;
reg [15:0]      wb1_index;
reg [SW-1:0]    wb1_data;

// at X - 2: sources of P for the frame at fin_r; x_ is F2 (deciding), wb1
// holds F3, the frame at fin_y is F1
wire            r_hit1  = y_write && y_index == r_index;
wire            r_stale = r_hit1 && y_gen != r_gen;       // F1 replaces the SA: fresh at X
wire            r_hit2  = x_decide && d_write_e && x_index == r_index;
wire            r_hit3  = wb1_valid && wb1_index == r_index;
wire            r_use2  = !rst && !r_stale && r_hit2 && x_gen == r_gen;
wire            r_use3  = !rst && !r_stale && !r_hit2 && r_hit3 && wb1_data[SW-1 -: 8] == r_gen;
reg [SW-1:0]    pfwd2, pfwd3;
reg             p_use_rd;                   // none of F1..F3 holds this frame's SA
reg [31:0]      hi_m1, hi_p1;               // the y_ frame's seq64[63:32] -/+ 1
// the r_ frame's, for its terms against S1 now and, registered, for X - 1's
wire [31:0]     r_hi_m1 = r_seq_hi - 32'd1;
wire [31:0]     r_hi_p1 = r_seq_hi + 32'd1;
// the masks as synchronous resets (FDRE R), off the decision's path to D
always @(posedge clk) begin
    pfwd2    <= d_state;
    pfwd3    <= wb1_data;
    if (!r_use2) begin
        pfwd2 <= {SW{1'b0}};
    end
    if (!r_use3) begin
        pfwd3 <= {SW{1'b0}};
    end
    p_use_rd <= rst || (!r_stale && !r_hit2 && !r_hit3);
    hi_m1    <= r_hi_m1;
    hi_p1    <= r_hi_p1;
end

// at X - 1: P for the y_ frame; x_ is F1, deciding now
wire rd_cur = st_rd_data[SW-1 -: 8] == y_gen;
wire [SW-1:0] p_st = pfwd2 | pfwd3 | ({SW{p_use_rd && rd_cur}} & st_rd_data);
// the replay terms are formed on the sources without the read record's
// generation compare (p_raw) and, beside, on a fresh record (zero); the
// compare only picks one verdict at the end (p_fresh)
wire [SW-1:0] p_raw = pfwd2 | pfwd3 | ({SW{p_use_rd}} & st_rd_data);
wire          p_fresh = p_use_rd && !rd_cur;
wire [63:0]   p_top    = p_raw[SW-9 -: 64];
wire [RW-1:0] p_bitmap = p_raw[SW-73 -: RW];
wire unused_p_raw = &{p_raw[SW-1 -: 8], p_raw[SW-73-RW:0]};

wire y_hit1 = x_decide && d_write_e && x_index == y_index && x_gen == y_gen;
reg [SW-1:0] fwd1, p_q;
always @(posedge clk) begin
    fwd1 <= d_state;
    p_q  <= p_st;
    if (rst || !y_hit1) begin
        fwd1 <= {SW{1'b0}};
    end
    if (y_hit1) begin
        p_q <= {SW{1'b0}};
    end
end
wire [SW-1:0] st = fwd1 | p_q;
wire unused_st_gen = &st[SW-1 -: 8];     // replaced by this frame's gen
wire unused_x_esn  = x_esn;               // its replay terms are formed at X - 1

wire [63:0]   s_top       = st[SW-9 -: 64];
wire [RW-1:0] s_bitmap    = st[SW-73 -: RW];
wire [AW-1:0] s_alarm     = st[256 +: AW];
wire [63:0]   s_packets   = st[255:192];
wire [63:0]   s_bytes     = st[191:128];
wire [63:0]   s_auth_fail = st[127:64];
wire [63:0]   s_replay    = st[63:0];

// ---------------------------------------------------------------------------
// replay re-check (RFC 4303 A2.2: replay_flags' flags decided by
// replay_space, as replay_infer does), prepared at X - 1 for the y_ frame
// (S, low half seq) on P.
//
// At X the frame's state Q is P, or F1's record. F1's record differs from P
// in the window only when F1 moved it (authentic, fresh, not expired), and
// then only as replay_update.v makes it from P and F1's S1:
//   * S1 <= T (T = P's top): top T, P's bitmap plus bit T - S1. The check
//     on Q infers from the same top, and the bit it looks up, T - S mod W,
//     is P's bit or the new one exactly when S = S1 mod W.
//   * S1 > T: top S1 (a job value: the inference from it is job against
//     job), bitmap P's slid by K = S1 - T with bit 0 set, nothing kept when
//     K >= W. Its bit i = S1 - S mod W is 1 for i = 0, else P's bit i - K
//     when K < W and i >= K, and i - K = T - S mod W: P's bit again.
// So both verdicts need only P's one looked-up bit and compares against P's
// top. Both are formed for both values of that bit and registered beside
// the bit; X picks by the bit and by whether F1 moved the window.
// ---------------------------------------------------------------------------
localparam integer IDX_W = $clog2(RW);

// replay_infer's terms for the y_ frame's seq against S1, with "valid" also
// requiring the inferred high half to equal the job's: job against job, so
// the flags (replay_flags, on the frames at fin_r and fin_y, which move to
// fin_y and fin_x unconditionally) and the high-half compares are
// registered a clock earlier (X - 2); replay_space decides from them at
// X - 1, early beside the carry chains on P
wire [31:0]      t1_th;
wire             t1_ahead, t1_reach, t1_case_a, t1_th_zero, t1_th_max, t1_seq_zero;
wire [IDX_W-1:0] t1_i;

replay_flags #(.W(RW)) t1_flags_inst (
    .esn(r_esn),
    .seq(r_seq_lo),
    .top(y_seq64),
    .th(t1_th),
    .ahead(t1_ahead),
    .in_reach(t1_reach),
    .case_a(t1_case_a),
    .th_zero(t1_th_zero),
    .th_max(t1_th_max),
    .seq_zero(t1_seq_zero),
    .idx(t1_i)
);

reg              t1_ahead_q, t1_reach_q, t1_case_a_q, t1_th_zero_q, t1_th_max_q, t1_seq_zero_q;
reg              t1_eq_m1, t1_eq_p1, t1_eq_0, same_bit;
reg [IDX_W-1:0]  t1_idx;
always @(posedge clk) begin
    t1_ahead_q    <= t1_ahead;
    t1_reach_q    <= t1_reach;
    t1_case_a_q   <= t1_case_a;
    t1_th_zero_q  <= t1_th_zero;
    t1_th_max_q   <= t1_th_max;
    t1_seq_zero_q <= t1_seq_zero;
    t1_eq_m1      <= t1_th == r_hi_m1;
    t1_eq_p1      <= t1_th == r_hi_p1;
    t1_eq_0       <= t1_th == r_seq_hi;
    t1_idx        <= t1_i;
    same_bit      <= r_seq_lo[IDX_W-1:0] == y_seq64[IDX_W-1:0];
end

wire t1_inc, t1_dec, t1_space, t1_newer, t1_win;
replay_space t1_space_inst (
    .esn(y_esn),
    .ahead(t1_ahead_q),
    .in_reach(t1_reach_q),
    .case_a(t1_case_a_q),
    .th_zero(t1_th_zero_q),
    .th_max(t1_th_max_q),
    .seq_zero(t1_seq_zero_q),
    .sel_inc(t1_inc),
    .sel_dec(t1_dec),
    .valid(t1_space),
    .newer(t1_newer),
    .in_window(t1_win)
);
wire t1_valid = t1_space && (t1_inc ? t1_eq_m1 : t1_dec ? t1_eq_p1 : t1_eq_0);
wire [63:0] s1       = x_seq64;

// g_v[0]: on the sources; g_v[1]: on a fresh record (top 0, no bit set).
// replay_flags' and replay_space's halves of replay_infer are taken apart
// here because two of the flags, S ahead of Tl and Tl - S < W, come out of a
// 33-bit carry chain on the state just read, late: the verdicts are formed
// for all four values of those two (replay_space decides each), and the two
// select one at the very end.
// (* keep *) pins that structure: ABC sees the carry chain's outputs as
// arriving at zero and would otherwise pull them into the first levels.
wire [IDX_W-1:0] tp_idx;
wire             tp_bit = p_bitmap[tp_idx];
genvar gv, gb, gk;
generate
    for (gv = 0; gv < 2; gv = gv + 1) begin : g_v
        wire [63:0]      top = (gv == 0) ? p_top : 64'd0;
        wire [31:0]      th;
        (* keep *) wire  ahead;
        (* keep *) wire  in_reach;
        wire [IDX_W-1:0] idx;
        wire             case_a, th_zero, th_max, seq_zero;

        replay_flags #(.W(RW)) flags_inst (
            .esn(y_esn),
            .seq(y_seq64[31:0]),
            .top(top),
            .th(th),
            .ahead(ahead),
            .in_reach(in_reach),
            .case_a(case_a),
            .th_zero(th_zero),
            .th_max(th_max),
            .seq_zero(seq_zero),
            .idx(idx)
        );
        // "valid" also requires the inferred high half to equal the job's
        wire             eq_m1 = th == hi_m1;
        wire             eq_p1 = th == hi_p1;
        wire             eq_0  = th == y_seq64[63:32];

        // how replay_update moves the window from top to S1; on P the two
        // flags leave the S1 - T carry chain last and pick the verdict last
        // (see ok_u), (* keep *) for the same reason as ahead and in_reach
        (* keep *) wire  k_newer;
        (* keep *) wire  k_far;
        wire [IDX_W-1:0] k_slide;

        replay_order #(.W(RW)) k_order_inst (
            .s(s1),
            .top(top),
            .newer(k_newer),
            .beyond(k_far),
            .slide(k_slide)
        );
        wire        k_kept   = !k_far && t1_idx >= k_slide;                 // i >= K

        // cp/cq[4 * b + 2 * ahead + in_reach]: ok_p and ok_q for P's
        // looked-up bit b (the lookup is registered as it comes out of the
        // select, and X picks) and for each value of the two late flags;
        // cc: ok_q when S1 is not newer than the top (on P, the S1 - T flags
        // pick between cc and the newer verdicts after the T - S select)
        wire [7:0] cp, cq, cc;
        for (gk = 0; gk < 4; gk = gk + 1) begin : g_k
            wire k_inc, k_dec, k_space, k_nw, k_win;
            replay_space space_inst (
                .esn(y_esn),
                .ahead(gk >= 2),
                .in_reach((gk % 2) == 1),
                .case_a(case_a),
                .th_zero(th_zero),
                .th_max(th_max),
                .seq_zero(seq_zero),
                .sel_inc(k_inc),
                .sel_dec(k_dec),
                .valid(k_space),
                .newer(k_nw),
                .in_window(k_win)
            );
            wire k_valid = k_space && (k_inc ? eq_m1 : k_dec ? eq_p1 : eq_0);
            for (gb = 0; gb < 2; gb = gb + 1) begin : g_b
                wire bit_b  = (gv == 0) && gb == 1;
                wire t1_bit = t1_idx == {IDX_W{1'b0}} || (k_kept && bit_b);
                assign cp[4 * gb + gk] = k_valid && (k_nw || (k_win && !bit_b));
                assign cc[4 * gb + gk] = k_valid && (k_nw || (k_win && !bit_b && !same_bit));
                assign cq[4 * gb + gk] = k_newer ? t1_valid && (t1_newer || (t1_win && !t1_bit))
                                       :           cc[4 * gb + gk];
            end
        end
        wire [1:0] sel_k = {ahead, in_reach};
        wire [1:0] ok_p  = {cp[{1'b1, sel_k}], cp[{1'b0, sel_k}]};
        wire [1:0] ok_q  = {cq[{1'b1, sel_k}], cq[{1'b0, sel_k}]};
        if (gv == 0) begin : g_idx
            assign tp_idx = idx;
            wire unused_ok = &{ok_p, ok_q, cq, k_kept};
        end else begin : g_noidx
            wire unused_idx = &{idx, cc};
        end
    end
endgenerate

// the fresh record's verdicts (job values only, early) and, when Q is F1's
// record (y_hit1, known now), ok_q in place of ok_p are folded into the
// cofactors before the late select; X then picks by whether F1 moved the
// window (moved1, F1's decision): ok_u is ok_q when Q is F1's record, else
// ok_p.
// On P, ok_q is cc (formed for each value of the T - S flags) unless S1 is
// newer than P's top; then it is the verdict against S1 (t1_, job against
// job, early) with, for b = 1, bit i = S1 - S mod W kept from P when the
// slide K = S1 - T leaves it (not far, i >= K). That choice needs the S1 - T
// flags, which settle last: it is made after the T - S select, one LUT
// (use_n && k_newer) over the rest.
(* keep *) wire [7:0] cf_p = p_fresh ? {{4{g_v[1].ok_p[1]}}, {4{g_v[1].ok_p[0]}}} : g_v[0].cp;
wire [7:0]            cf_q = p_fresh ? {{4{g_v[1].ok_q[1]}}, {4{g_v[1].ok_q[0]}}} : g_v[0].cc;
(* keep *) wire [7:0] cf_u = (!rst && y_hit1) ? cf_q : cf_p;
wire [1:0] sel_p = g_v[0].sel_k;
wire [1:0] ok_p  = {cf_p[{1'b1, sel_p}], cf_p[{1'b0, sel_p}]};
(* keep *) wire [1:0] ok_c = {cf_u[{1'b1, sel_p}], cf_u[{1'b0, sel_p}]};
// the verdict against S1 for a bit that is not P's, or is P's bit b = 1:
// t1_idx = 0 is S1's own bit, set by the move
wire       n_any  = t1_valid && (t1_newer || (t1_win && t1_idx != {IDX_W{1'b0}}));
wire       n_set  = t1_valid && t1_newer;
wire       k_ge   = t1_idx >= g_v[0].k_slide;                        // i >= K
(* keep *) wire n_b1 = (!g_v[0].k_far && k_ge) ? n_set : n_any;
wire       use_n  = !rst && y_hit1 && !p_fresh;
wire [1:0] ok_u   = (use_n && g_v[0].k_newer) ? {n_b1, n_any} : ok_c;

reg [1:0] ok_p_q, ok_u_q;
reg       bit_q, moved1;
always @(posedge clk) begin
    ok_p_q <= ok_p;
    ok_u_q <= ok_u;
    bit_q  <= tp_bit;
end

wire replay_ok   = moved1 ? ok_u_q[bit_q] : ok_p_q[bit_q];

// lifetime in bytes: s_bytes + ct > hard in 64 bits (the sum wraps), as
// compares of s_bytes against job values registered at X - 1: with
// c = ct <= hard, the sum exceeds hard when s_bytes > hard - c and does not
// wrap (s_bytes <= ~c); with c > hard, when it does not wrap or, wrapped,
// s_bytes > hard - c mod 2^64
reg [63:0] hb_thr, hb_nct;
reg        hb_ge;
always @(posedge clk) begin
    hb_thr <= y_hard_bytes - {50'd0, y_pay_len};
    hb_nct <= ~{50'd0, y_pay_len};
    hb_ge  <= y_hard_bytes >= {50'd0, y_pay_len};
end
wire hb_over = s_bytes > hb_thr;
wire hb_wrap = s_bytes > hb_nct;

// the soft lifetime after this frame, s + c >= soft (s + c in 64 bits, soft
// not zero), is s + c > soft - 1: the same compares against job values,
// with c = ct for bytes and c = 1 for packets
reg [63:0] sb_thr, sp_thr;
reg        sb_ge, sp_ge;
always @(posedge clk) begin
    sb_thr <= y_soft_bytes - 64'd1 - {50'd0, y_pay_len};
    sb_ge  <= y_soft_bytes - 64'd1 >= {50'd0, y_pay_len};
    sp_thr <= y_soft_packets - 64'd2;
    sp_ge  <= y_soft_packets - 64'd1 >= 64'd1;
end
wire sb_over = s_bytes > sb_thr;
wire sp_over = s_packets > sp_thr;
wire sp_wrap = s_packets == 64'hFFFF_FFFF_FFFF_FFFF;        // s_packets > ~1
wire soft_next = (x_soft_packets != 64'd0 && (sp_ge ? sp_over && !sp_wrap : !sp_wrap || sp_over))
              || (x_soft_bytes != 64'd0 && (sb_ge ? sb_over && !hb_wrap : !hb_wrap || sb_over));
wire [63:0] ct64 = {50'd0, x_pay_len};
wire expired     = (x_hard_packets != 64'd0 && s_packets >= x_hard_packets)
                || (x_hard_bytes != 64'd0 && (hb_ge ? hb_over && !hb_wrap : !hb_wrap || hb_over));
wire [63:0]   new_top;
wire [RW-1:0] new_bitmap;
replay_update #(
    .W(RW)
) u_update (
    .s(x_seq64),
    .top(s_top),
    .bitmap(s_bitmap),
    .new_top(new_top),
    .new_bitmap(new_bitmap)
);

wire       x_pad_valid = pad_x[17];
wire       x_pad_ok    = pad_x[16];
wire [7:0] x_padlen    = pad_x[15:8];
wire [7:0] x_nh        = pad_x[7:0];

wire nh_ip       = x_nh == 8'd4 || x_nh == 8'd41;
wire tunnel      = nh_ip && x_mode != 2'd2;
// the inner length, x_pay_len - 2 - padlen (mod 2^14), from pay_len - 2
// prepared at X - 1; wraps only with a padding length the check rejects
wire [13:0] il   = h_pl2 - {6'd0, x_padlen};
wire        il_wrap = h_pl2 < {6'd0, x_padlen};

// ---------------------------------------------------------------------------
// SA events (docs/event-ring.md): the verdict classes, decided the same way
// as in the verdict below, and the SA's alarm state
// ---------------------------------------------------------------------------
wire crypto   = !x_token && !x_bypass;
wire is_af    = crypto && !x_auth_ok;
wire is_rp    = (x_token && x_reason == `SPISYNC_R_REPLAY && x_index != 16'hFFFF)
             || (crypto && x_auth_ok && !replay_ok);
wire is_exp   = crypto && x_auth_ok && replay_ok && expired;
wire is_dec   = crypto && x_auth_ok && replay_ok && !expired && x_pad_ok && x_nh != 8'd59
             && !(x_mode == 2'd1 && !nh_ip);

// d_reason == DECRYPTED: the job's reason for tokens and pass-through, else
// the end of the crypto chain
wire x_dec = crypto ? is_dec : x_reason == `SPISYNC_R_DECRYPTED;

wire        s_hard  = s_alarm[56];
wire [23:0] s_epoch = s_alarm[55:32];
wire        same_ep = s_epoch == burst_epoch;
wire [15:0] af_now  = same_ep ? s_alarm[31:16] : 16'd0;
wire [15:0] rp_now  = same_ep ? s_alarm[15:0] : 16'd0;
wire [15:0] af_next = (is_af && af_now != 16'hFFFF) ? af_now + 16'd1 : af_now;
wire [15:0] rp_next = (is_rp && rp_now != 16'hFFFF) ? rp_now + 16'd1 : rp_now;
wire [AW-1:0] d_alarm = {s_hard || is_exp, burst_epoch, af_next, rp_next};

function automatic [15:0] thr16(input [31:0] t);
    thr16 = (t > 32'd65535) ? 16'hFFFF : t[15:0];
endfunction
wire [15:0] af_thr = thr16(auth_fail_burst);
wire [15:0] rp_thr = thr16(replay_burst);

function automatic soft_reached(input [63:0] pk, input [63:0] by,
                                input [63:0] soft_pk, input [63:0] soft_by);
    soft_reached = (soft_pk != 64'd0 && pk >= soft_pk) || (soft_by != 64'd0 && by >= soft_by);
endfunction

wire ev_soft = is_dec && soft_next
            && !soft_reached(s_packets, s_bytes, x_soft_packets, x_soft_bytes);
wire ev_hard = is_exp && !s_hard;
// af_next == af_thr && af_now != af_next: the count moved (is_af, not
// saturated) onto the threshold, i.e. af_now == af_thr - 1; the same for rp.
// The right-hand terms depend on the state alone, not on the verdict.
wire [15:0] af_thr_m1 = af_thr - 16'd1;
wire [15:0] rp_thr_m1 = rp_thr - 16'd1;
wire af_at   = af_thr != 16'd0 && af_now != 16'hFFFF && af_now == af_thr_m1;
wire rp_at   = rp_thr != 16'd0 && rp_now != 16'hFFFF && rp_now == rp_thr_m1;
wire ev_af   = is_af && af_at;
wire ev_rp   = is_rp && rp_at;

reg [`SPISYNC_EVENT_BYTES*8-1:0] sa_ev;
integer ab;
always @* begin
    sa_ev = {`SPISYNC_EVENT_BYTES*8{1'b0}};
    sa_ev[`SPISYNC_EVF_TYPE_OFF*8 +: 8] = ev_soft ? `SPISYNC_EV_SA_SOFT_EXPIRY
                                       : ev_hard ? `SPISYNC_EV_SA_HARD_EXPIRY
                                       : ev_af   ? `SPISYNC_EV_AUTH_FAIL_BURST
                                       :           `SPISYNC_EV_REPLAY_BURST;
    sa_ev[`SPISYNC_EVF_FLAGS_OFF*8 + `SPISYNC_EV_FLAG_IPV6_BIT] = x_ipv6;
    sa_ev[`SPISYNC_EVF_SPI_OFF*8 +: 32] = x_spi;
    sa_ev[`SPISYNC_EVF_TIME_NS_OFF*8 +: 64] = time_ns;
    sa_ev[`SPISYNC_EVF_SEQ_OFF*8 +: 32] = x_seq64[31:0];
    sa_ev[`SPISYNC_EVF_COUNT_OFF*8 +: 32] = ev_af ? {16'd0, af_thr} : ev_rp ? {16'd0, rp_thr} : 32'd0;
    sa_ev[`SPISYNC_EVF_SA_INDEX_OFF*8 +: 16] = x_index;
    sa_ev[`SPISYNC_EVF_RX_SEQ_OFF*8 +: 16] = x_rx_seq;
    // addresses out of the frame's header, wire order
    for (ab = 0; ab < 16; ab = ab + 1) begin
        if (x_ipv6) begin
            sa_ev[(`SPISYNC_EVF_SRC_OFF + ab)*8 +: 8] = x_hdr[({27'd0, x_l2_len} + 32'd8 + ab)*8 +: 8];
            sa_ev[(`SPISYNC_EVF_DST_OFF + ab)*8 +: 8] = x_hdr[({27'd0, x_l2_len} + 32'd24 + ab)*8 +: 8];
        end else if (ab < 4) begin
            sa_ev[(`SPISYNC_EVF_SRC_OFF + ab)*8 +: 8] = x_hdr[({27'd0, x_l2_len} + 32'd12 + ab)*8 +: 8];
            sa_ev[(`SPISYNC_EVF_DST_OFF + ab)*8 +: 8] = x_hdr[({27'd0, x_l2_len} + 32'd16 + ab)*8 +: 8];
        end
    end
end

reg       d_keep;
reg [7:0] d_reason;
reg [SW-1:0] d_state;
always @* begin
    d_keep   = 1'b0;
    d_reason = x_reason;
    d_state  = {x_gen, s_top, s_bitmap, d_alarm, s_packets, s_bytes, s_auth_fail, s_replay};
    if (x_token) begin
        // dropped before crypto; a replay caught by the pre-check still
        // counts against its SA
        if (x_reason == `SPISYNC_R_REPLAY && x_index != 16'hFFFF) begin
            d_state = {x_gen, s_top, s_bitmap, d_alarm, s_packets, s_bytes, s_auth_fail, s_replay + 64'd1};
        end
    end else if (x_bypass) begin
        d_keep = 1'b1;
    end else if (!x_auth_ok) begin
        d_reason = `SPISYNC_R_AUTH_FAIL;
        d_state  = {x_gen, s_top, s_bitmap, d_alarm, s_packets, s_bytes, s_auth_fail + 64'd1, s_replay};
    end else if (!replay_ok) begin
        d_reason = `SPISYNC_R_REPLAY;
        d_state  = {x_gen, s_top, s_bitmap, d_alarm, s_packets, s_bytes, s_auth_fail, s_replay + 64'd1};
    end else if (expired) begin
        d_reason = `SPISYNC_R_SA_EXPIRED;
        // remember that SA_HARD_EXPIRY was raised
    end else begin
        // authentic and fresh: the window moves whatever the payload holds
        d_state = {x_gen, new_top, new_bitmap, d_alarm, s_packets, s_bytes, s_auth_fail, s_replay};
        if (!x_pad_ok) begin
            d_reason = `SPISYNC_R_BAD_PADDING;
        end else if (x_nh == 8'd59) begin
            d_reason = `SPISYNC_R_DUMMY;
        end else if (x_mode == 2'd1 && !nh_ip) begin
            d_reason = `SPISYNC_R_MALFORMED;
        end else begin
            d_reason = `SPISYNC_R_DECRYPTED;
            d_keep   = 1'b1;
            d_state  = {x_gen, new_top, new_bitmap, d_alarm, s_packets + 64'd1, s_bytes + ct64,
                        s_auth_fail, s_replay};
        end
    end
end

// decapsulated header (docs/datapath.md section 5)
// The IPv4 checksum is the ones' complement sum of csum_base, tot and nh.
// Such a sum (end-around carry) is zero only when every term is, and
// otherwise the one value in 1 .. FFFF congruent to the plain sum mod FFFF,
// whatever the order and grouping of the adds; so it is formed as one plain
// sum folded once: the job's part (csum_base + l3 + pay_len - 2) summed at
// X - 1, and at X only nh - padlen (+ 2^14 when il wraps) added to it. The
// sum is below 2^16 + 2^15 (FFFF + 7F + 3FFF + FF), so one fold adding the
// high bits back cannot carry out again.
reg [13:0] h_pl2;                           // pay_len - 2
reg [15:0] h_lp;                            // l3_hdr_len + pay_len - 2
reg [17:0] h_ck;                            // csum_base + l3_hdr_len + pay_len - 2
always @(posedge clk) begin
    h_pl2 <= y_pay_len - 14'd2;
    h_lp  <= {9'd0, y_l3_hdr_len} + {2'd0, y_pay_len - 14'd2};
    h_ck  <= {2'd0, y_csum_base} + {11'd0, y_l3_hdr_len} + {4'd0, y_pay_len - 14'd2};
end
wire [15:0] tot     = h_lp - {8'd0, x_padlen} + {1'b0, il_wrap, 14'd0};
wire [17:0] ck_d    = {10'd0, x_nh} - {10'd0, x_padlen} + {3'd0, il_wrap, 14'd0};
wire [17:0] ck_sum  = h_ck + ck_d;
wire [15:0] csum    = ~(ck_sum[15:0] + {14'd0, ck_sum[17:16]});
wire unused_ck      = &x_csum_base;

reg [HDR_BYTES*8-1:0] hdr;
reg [7:0]             hdr_len;
integer v;
integer l2;
always @* begin
    hdr = x_hdr;
    hdr_len = 8'd0;
    for (v = 0; v < 2; v = v + 1) begin
        l2 = 14 + 4 * v;
        if (x_vlan == v[0]) begin
            if (tunnel) begin
                hdr[(l2-2)*8 +: 8] = (x_nh == 8'd4) ? 8'h08 : 8'h86;
                hdr[(l2-1)*8 +: 8] = (x_nh == 8'd4) ? 8'h00 : 8'hDD;
            end else if (!x_ipv6) begin
                hdr[(l2+2)*8 +: 8]  = tot[15:8];
                hdr[(l2+3)*8 +: 8]  = tot[7:0];
                hdr[(l2+9)*8 +: 8]  = x_nh;
                hdr[(l2+10)*8 +: 8] = csum[15:8];
                hdr[(l2+11)*8 +: 8] = csum[7:0];
            end else begin
                hdr[(l2+4)*8 +: 8]  = {2'd0, il[13:8]};
                hdr[(l2+5)*8 +: 8]  = il[7:0];
                hdr[(l2+6)*8 +: 8]  = x_nh;
            end
        end
    end
    if (tunnel) begin
        hdr_len = {3'd0, x_l2_len};
    end else begin
        hdr_len = {3'd0, x_l2_len} + {1'b0, x_l3_hdr_len};
    end
end

// ---------------------------------------------------------------------------
// payload beats: delayed D clocks so that a frame's last beat meets X
// ---------------------------------------------------------------------------
localparam integer PW = 3 + BYTES*8;
reg [PW-1:0] pay [1:D];
integer pi;
always @(posedge clk) begin
    pay[1] <= {c_tvalid && !c_token, first, c_tlast, c_bypass ? c_raw : c_tdata};
    for (pi = 2; pi <= D; pi = pi + 1) begin
        pay[pi] <= pay[pi-1];
    end
    if (rst) begin
        for (pi = 1; pi <= D; pi = pi + 1) begin
            pay[pi][PW-1] <= 1'b0;
        end
    end
end
wire               p2_valid = pay[D][PW-1];
wire               p2_first = pay[D][PW-2];
wire               p2_last  = pay[D][PW-3];
wire [BYTES*8-1:0] p2_data  = pay[D][BYTES*8-1:0];

reg [7:0] out_reason_1;   // kept frame's outcome, waiting for the egress report
always @(posedge clk) begin
    e_valid   <= p2_valid;
    e_first   <= p2_first;
    e_last    <= p2_last;
    e_data    <= p2_data;
    e_keep    <= d_keep;
    e_hdr     <= x_bypass ? {HDR_BYTES*8{1'b0}} : hdr;
    e_hdr_len <= x_bypass ? 8'd0 : hdr_len;
    e_pay_len <= x_bypass ? x_pay_len : il;
    e_user    <= {x_rx_seq, x_dec ? x_index : 16'hFFFF, d_reason};

    sa_ev_valid <= x_decide && (ev_soft || ev_hard || ev_af || ev_rp);
    sa_ev_rec   <= sa_ev;

    wb1_valid <= x_decide && d_write_e;
    // F1's window moved, for the next frame's replay verdict (see ok_u_q)
    moved1    <= crypto && x_auth_ok && replay_ok && !expired;
    wb1_index <= x_index;
    wb1_data  <= d_state;

    cnt_drop_valid  <= x_decide && !d_keep;
    cnt_drop_reason <= d_reason;

    out_reason_1   <= d_reason;
    cnt_out_valid  <= 1'b0;
    if (res_valid && res_delivered) begin
        cnt_out_valid  <= 1'b1;
        cnt_out_reason <= out_reason_2;
    end else if (res_valid && e_keep_2) begin
        cnt_out_valid  <= 1'b1;
        cnt_out_reason <= `SPISYNC_R_TAIL_DROP;
    end

    if (rst) begin
        e_valid        <= 1'b0;
        sa_ev_valid    <= 1'b0;
        wb1_valid      <= 1'b0;
        cnt_drop_valid <= 1'b0;
        cnt_out_valid  <= 1'b0;
    end
end

// the egress answers one clock after the last beat it got (X + 1)
reg [7:0] out_reason_2;
reg       e_keep_2;
always @(posedge clk) begin
    out_reason_2 <= out_reason_1;
    e_keep_2     <= e_keep && e_valid && e_last;
end

assign protocol_error = no_job || (x_end && !x_token && !x_bypass && !x_pad_valid);

endmodule

`resetall
