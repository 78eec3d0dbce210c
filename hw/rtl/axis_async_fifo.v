// spisync -- asynchronous AXI-Stream FIFO between two unrelated clocks (the
// CMAC stream clock and the kernel clock).
//
// Storage is one simple dual-port RAM (written on s_clk, read on m_clk with a
// registered read: block RAM), DEPTH beats of {tuser, tlast, tkeep, tdata}.
// Pointers are DEPTH*2-periodic binary counters; only their Gray codes cross,
// each from a register of its own domain into a 2-flop ASYNC_REG
// synchronizer, so a sample taken mid-change is the old or the new value.
//
// FRAME_DROP = 1, frame mode, for a source that cannot be stalled (the MAC):
// s_axis_tready is always 1. The write side keeps two pointers: wr_ptr (next
// beat) and wr_commit (the end of the last whole frame); only wr_commit
// crosses, so the read side sees a frame once its tlast beat is written and
// never part of one. A beat that finds the FIFO full drops its whole frame:
// wr_ptr goes back to wr_commit, the rest of the frame is discarded up to its
// tlast, and a Gray-coded drop counter is incremented (s_overflow pulses in
// s_clk). The read side keeps its own copy of that counter and pulses m_drop
// once per m_clk while its copy is behind, so every drop is reported once in
// the read domain, even when drops come faster than read clocks for a while
// (up to 2^DROP_W - 1 behind). A frame longer than DEPTH beats can never
// fit: it is always dropped and counted. tvalid gaps inside a frame are
// fine; tuser (the MAC's error flag on the last beat) is carried like data.
//
// FRAME_DROP = 0, for the TX direction: s_axis_tready is low while DEPTH
// beats wait, a beat is visible to the read side as soon as it is written,
// nothing is ever dropped (m_drop and s_overflow stay 0).
//
// Output: the RAM read register, then the m_axis_* register (full rate:
// one beat per m_clk); with the sink stalled the FIFO holds DEPTH beats in
// the RAM plus these 2. Latency: m_axis_tvalid is seen at the 5th or 6th
// m_clk edge after the s_clk edge that wrote the beat (frame mode: its
// frame's tlast beat): 2 synchronizer flops, the Gray-to-binary register,
// the RAM read, the output register. A slot read is free for the beat at
// the 5th s_clk edge after the read (the same chain, then the registered
// full flag).
// Each pointer crossing is one Gray-coded register per side into two
// ASYNC_REG flops: Vivado needs set_max_delay -datapath_only and
// set_bus_skew (the smaller clock period) on wr_gray -> wr_gray_m1,
// rd_gray -> rd_gray_s1 and drop_gray -> drop_gray_m1.
//
// Resets (synchronous, active high, one per side). Neither side's pointers
// are ever set back to 0 by a reset: they start at 0 from their initial
// values (flip-flop INIT on the FPGA) and a reset only moves its own side to
// a state consistent with the other side's pointers, which the other side
// keeps using. So a reset on one side never disturbs the other:
//   s_rst (frame mode): the frame being written, if any of its beats were
//     written, is discarded and counted as one drop (s_overflow, m_drop);
//     beats presented during s_rst are ignored and not counted (the source
//     is taken to be in reset too); the next beat after s_rst starts a
//     frame. Frames written before the reset are still delivered.
//   s_rst (FRAME_DROP = 0): no effect; the write side has no state of its
//     own beyond its pointer. A source reset in the middle of a frame thus
//     leaves that frame unterminated and its next frame's beats follow it
//     (one bad frame at a MAC); reset the source between frames.
//   m_rst: m_axis_tvalid and m_drop drop to 0, drops not yet reported are
//     forgotten, and the read side discards (reads and throws away, one beat
//     per clock) everything the write side had made visible up to the last
//     clock of m_rst; with FRAME_DROP = 0 it also discards up to the end of
//     the frame it stopped in (waiting for its tlast beat if need be), so the
//     next beat delivered starts a frame. Frames written later are delivered.
//     m_level counts beats still to be discarded.
//
// Status: s_level = beats held as the write side sees them (includes the
// frame being written; the read side's progress reaches it 3 s_clk late);
// m_level = beats the read side sees waiting in the RAM (not the two output
// registers; after m_rst, the beats still to be discarded).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module axis_async_fifo #(
    parameter integer DATA_WIDTH = 512,
    parameter integer USER_WIDTH = 1,
    parameter integer DEPTH = 512,          // beats, power of two, >= 4
    parameter integer FRAME_DROP = 1,       // 1: frame mode, drop whole frames when full
    parameter integer DROP_W = 16,          // drop counter width (drops reported late, at most 2^DROP_W - 1)
    parameter integer ADDR_W = $clog2(DEPTH)
) (
    input  wire                  s_clk,
    input  wire                  s_rst,
    input  wire [DATA_WIDTH-1:0] s_axis_tdata,
    input  wire [DATA_WIDTH/8-1:0] s_axis_tkeep,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,
    input  wire [USER_WIDTH-1:0] s_axis_tuser,
    output reg                   s_overflow,     // one clock per dropped frame
    output wire [ADDR_W:0]       s_level,

    input  wire                  m_clk,
    input  wire                  m_rst,
    output reg  [DATA_WIDTH-1:0] m_axis_tdata,
    output reg  [DATA_WIDTH/8-1:0] m_axis_tkeep,
    output reg                   m_axis_tvalid,
    input  wire                  m_axis_tready,
    output reg                   m_axis_tlast,
    output reg  [USER_WIDTH-1:0] m_axis_tuser,
    output reg                   m_drop,         // one clock per dropped frame
    output wire [ADDR_W:0]       m_level
);

localparam integer KEEP_W = DATA_WIDTH / 8;
localparam integer WORD_W = DATA_WIDTH + KEEP_W + 1 + USER_WIDTH;
localparam integer PW = ADDR_W + 1;

function [PW-1:0] p_bin2gray(input [PW-1:0] b);
    p_bin2gray = b ^ (b >> 1);
endfunction

function [PW-1:0] p_gray2bin(input [PW-1:0] g);
    integer i;
    begin
        p_gray2bin[PW-1] = g[PW-1];
        for (i = PW - 2; i >= 0; i = i - 1) begin
            p_gray2bin[i] = p_gray2bin[i+1] ^ g[i];
        end
    end
endfunction

function [DROP_W-1:0] d_bin2gray(input [DROP_W-1:0] b);
    d_bin2gray = b ^ (b >> 1);
endfunction

function [DROP_W-1:0] d_gray2bin(input [DROP_W-1:0] g);
    integer i;
    begin
        d_gray2bin[DROP_W-1] = g[DROP_W-1];
        for (i = DROP_W - 2; i >= 0; i = i - 1) begin
            d_gray2bin[i] = d_gray2bin[i+1] ^ g[i];
        end
    end
endfunction

reg [WORD_W-1:0] mem [0:DEPTH-1];

// ---------------------------------------------------------------------------
// write side (s_clk)
// ---------------------------------------------------------------------------
reg  [PW-1:0]     wr_ptr = {PW{1'b0}};        // next beat's slot
reg  [PW-1:0]     wr_commit = {PW{1'b0}};     // end of the last whole frame
reg  [PW-1:0]     wr_gray = {PW{1'b0}};       // Gray(wr_commit): crosses
reg               dropping = 1'b0;            // discarding the rest of a dropped frame
reg  [DROP_W-1:0] drop_cnt = {DROP_W{1'b0}};
reg  [DROP_W-1:0] drop_gray = {DROP_W{1'b0}}; // Gray(drop_cnt): crosses
(* ASYNC_REG = "TRUE" *) reg [PW-1:0] rd_gray_s1 = {PW{1'b0}};
(* ASYNC_REG = "TRUE" *) reg [PW-1:0] rd_gray_s2 = {PW{1'b0}};
reg  [PW-1:0]     rd_ptr_s = {PW{1'b0}};      // binary of rd_gray_s2, a clock later
// wr_ptr - rd_ptr_s >= DEPTH, registered: computed from the next wr_ptr and
// the rd_ptr_s of the clock before, so at worst one clock pessimistic (the
// read pointer only moves forward). The difference never exceeds DEPTH, so
// its top bit is the comparison.
reg               s_full = 1'b0;

assign s_axis_tready = (FRAME_DROP != 0) ? 1'b1 : !s_full;

wire beat = s_axis_tvalid && s_axis_tready;

// next state: write (wr_ptr + 1), rewind (back to wr_commit), or hold;
// commit moves wr_commit to wr_ptr + 1
reg          wr_en;
reg          rewind;
reg          commit;
reg          dropping_n;
reg          drop_inc;

always @(*) begin
    wr_en      = 1'b0;
    rewind     = 1'b0;
    commit     = 1'b0;
    dropping_n = dropping;
    drop_inc   = 1'b0;
    if (FRAME_DROP == 0) begin
        // tready is !s_full: every handshaken beat is written
        wr_en  = beat;
        commit = beat;
    end else if (s_rst) begin
        // a frame cut by the reset: discarded and counted (unless already
        // dropped, in which case wr_ptr == wr_commit)
        rewind     = 1'b1;
        dropping_n = 1'b0;
        drop_inc   = wr_ptr != wr_commit;
    end else if (beat) begin
        if (dropping) begin
            dropping_n = !s_axis_tlast;
        end else if (s_full) begin
            rewind     = 1'b1;
            dropping_n = !s_axis_tlast;
            drop_inc   = 1'b1;
        end else begin
            wr_en  = 1'b1;
            commit = s_axis_tlast;
        end
    end
end

// The adders and subtractions work on registers only, beside the control
// logic above, which then selects among their results (timing).
wire [PW-1:0] wr_ptr_p1   = wr_ptr + 1'b1;
wire [PW-1:0] used_hold   = wr_ptr - rd_ptr_s;
wire [PW-1:0] used_inc    = wr_ptr_p1 - rd_ptr_s;
wire [PW-1:0] used_rew    = wr_commit - rd_ptr_s;
wire [PW-1:0] wr_ptr_n    = wr_en ? wr_ptr_p1 : (rewind ? wr_commit : wr_ptr);
wire [PW-1:0] wr_commit_n = commit ? wr_ptr_p1 : wr_commit;
wire [PW-1:0] s_used_n    = wr_en ? used_inc : (rewind ? used_rew : used_hold);

assign s_level = used_hold;

// the drop counter counts s_overflow (drop_inc a clock later): its adder
// and Gray code stay off the full -> drop path
wire [DROP_W-1:0] drop_cnt_n = drop_cnt + {{(DROP_W-1){1'b0}}, s_overflow};

always @(posedge s_clk) begin
    if (wr_en) begin
        mem[wr_ptr[ADDR_W-1:0]] <= {s_axis_tuser, s_axis_tlast, s_axis_tkeep, s_axis_tdata};
    end
end

always @(posedge s_clk) begin
    wr_ptr     <= wr_ptr_n;
    wr_commit  <= wr_commit_n;
    wr_gray    <= p_bin2gray(wr_commit_n);
    dropping   <= dropping_n;
    drop_cnt   <= drop_cnt_n;
    drop_gray  <= d_bin2gray(drop_cnt_n);
    s_overflow <= drop_inc;
    rd_gray_s1 <= rd_gray;
    rd_gray_s2 <= rd_gray_s1;
    rd_ptr_s   <= p_gray2bin(rd_gray_s2);
    s_full     <= s_used_n[PW-1];
end

// ---------------------------------------------------------------------------
// read side (m_clk)
// ---------------------------------------------------------------------------
(* ASYNC_REG = "TRUE" *) reg [PW-1:0] wr_gray_m1 = {PW{1'b0}};
(* ASYNC_REG = "TRUE" *) reg [PW-1:0] wr_gray_m2 = {PW{1'b0}};
(* ASYNC_REG = "TRUE" *) reg [DROP_W-1:0] drop_gray_m1 = {DROP_W{1'b0}};
(* ASYNC_REG = "TRUE" *) reg [DROP_W-1:0] drop_gray_m2 = {DROP_W{1'b0}};

reg  [PW-1:0]     rd_ptr = {PW{1'b0}};     // next slot to read
reg  [PW-1:0]     rd_gray = {PW{1'b0}};    // Gray(rd_ptr): crosses
reg  [WORD_W-1:0] mem_q;                   // RAM read register
reg               q_valid = 1'b0;          // mem_q holds a beat for the output
reg               rd_pend = 1'b0;          // a read was issued last clock
reg               rd_last = 1'b1;          // the last beat read had tlast (or none yet)
reg               flushing = 1'b0;         // m_rst: discarding up to flush_to
reg  [PW-1:0]     flush_to = {PW{1'b0}};
reg  [DROP_W-1:0] drop_seen = {DROP_W{1'b0}};

reg  [PW-1:0]     wr_ptr_m = {PW{1'b0}};   // binary of wr_gray_m2, a clock later
reg  [DROP_W-1:0] drop_sync = {DROP_W{1'b0}}; // binary of drop_gray_m2, a clock later
wire              m_empty   = wr_ptr_m == rd_ptr;
wire              q_last    = mem_q[DATA_WIDTH+KEEP_W];

assign m_level = wr_ptr_m - rd_ptr;

wire out_free = !m_axis_tvalid || m_axis_tready;
wire q_to_out = q_valid && out_free && !m_rst && !flushing;

// flushing: read and discard up to flush_to, then (FRAME_DROP = 0) one beat
// at a time, each landing before the next, to the end of the frame
wire flush_more = (rd_ptr != flush_to) || (!rd_pend && !rd_last);
wire rd_flush   = (m_rst || flushing) && !m_empty && flush_more;
wire rd_norm    = !m_rst && !flushing && !m_empty && (!q_valid || q_to_out);
wire rd_en      = rd_flush || rd_norm;
wire [PW-1:0] rd_ptr_p1 = rd_ptr + 1'b1;
wire [PW-1:0] rd_ptr_n  = rd_en ? rd_ptr_p1 : rd_ptr;
wire          behind    = drop_seen != drop_sync;
wire [DROP_W-1:0] drop_seen_p1 = drop_seen + 1'b1;

always @(posedge m_clk) begin
    if (rd_en) begin
        mem_q <= mem[rd_ptr[ADDR_W-1:0]];
    end
end

always @(posedge m_clk) begin
    wr_gray_m1   <= wr_gray;
    wr_gray_m2   <= wr_gray_m1;
    drop_gray_m1 <= drop_gray;
    drop_gray_m2 <= drop_gray_m1;
    wr_ptr_m     <= p_gray2bin(wr_gray_m2);
    drop_sync    <= d_gray2bin(drop_gray_m2);

    rd_ptr  <= rd_ptr_n;
    rd_gray <= p_bin2gray(rd_ptr_n);
    rd_pend <= rd_en;
    if (rd_pend) begin
        rd_last <= q_last;
    end

    if (q_to_out) begin
        {m_axis_tuser, m_axis_tlast, m_axis_tkeep, m_axis_tdata} <= mem_q;
    end
    if (q_to_out) begin
        m_axis_tvalid <= 1'b1;
    end else if (m_axis_tready) begin
        m_axis_tvalid <= 1'b0;
    end
    if (rd_norm) begin
        q_valid <= 1'b1;
    end else if (q_to_out) begin
        q_valid <= 1'b0;
    end

    if (behind) begin
        drop_seen <= drop_seen_p1;
    end
    m_drop <= behind;

    if (flushing && !m_rst) begin
        if (rd_ptr == flush_to) begin
            if (rd_en) begin
                // FRAME_DROP = 0: one more beat of the cut frame
                flush_to <= rd_ptr_n;
            end else if (!rd_pend && rd_last) begin
                flushing <= 1'b0;
            end
        end
    end

    if (m_rst) begin
        m_axis_tvalid <= 1'b0;
        q_valid       <= 1'b0;
        m_drop        <= 1'b0;
        drop_seen     <= drop_sync;
        flushing      <= 1'b1;
        flush_to      <= wr_ptr_m;
    end
end

endmodule

`resetall
