// spisync -- card ingress: takes the MAC's stream (no tready: one beat per
// clock, forever), stores each frame in the frame RAM and captures what the
// parser needs at the frame's end.
//
// * Frame RAM: beats are written as they arrive; a frame is kept only if it
//   fits whole (RAM space checked on every beat, and the caller's
//   `frames_full` at the first beat bounds the number of stored frames) and
//   the MAC did not flag it; otherwise the write pointer is rolled back and
//   the frame is counted here (TAIL_DROP or MAC_ERROR). Frames longer than
//   16383 bytes are MAC_ERROR (no legal Ethernet frame is that long).
// * Capture: the first HDR_BYTES bytes (zero past the frame's end), the last
//   16 bytes (where the ESP ICV is), length, beat count, and an arrival
//   number, presented the clock after tlast for stored frames.
//
// The reader (dispatch) addresses frames as base + beat; it reports how far
// it has read through `free_ptr` so the space can be reused.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module card_ingress #(
    parameter integer BYTES     = 64,
    parameter integer DEPTH     = 512,      // frame RAM beats, power of two
    parameter integer HDR_BYTES = 128,
    parameter integer ADDR_W    = $clog2(DEPTH)
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [BYTES*8-1:0]     s_axis_tdata,
    input  wire [BYTES-1:0]       s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    input  wire                   s_axis_tlast,
    input  wire                   s_axis_tuser,     // on the last beat: bad frame

    input  wire                   frames_full,      // no room for another stored frame
    input  wire [ADDR_W:0]        free_ptr,         // beats below this are free

    // every frame: counted in, and the drop reason if not stored
    output reg                    rx_pulse,
    output reg                    drop_valid,
    output reg  [7:0]             drop_reason,

    // stored frames
    output reg                    cap_valid,
    output reg  [HDR_BYTES*8-1:0] cap_hdr,
    output reg  [127:0]           cap_tail,
    output reg  [13:0]            cap_len,
    output reg  [ADDR_W:0]        cap_beats,
    output reg  [15:0]            cap_rx_seq,

    input  wire                   rd_en,
    input  wire [ADDR_W-1:0]      rd_addr,
    output wire [BYTES*8-1:0]     rd_data
);

localparam integer LEN_W = 15;
localparam integer HDR_BEATS = (HDR_BYTES + BYTES - 1) / BYTES;
localparam integer BEAT_W = ADDR_W + 1;
localparam integer MAX_BEATS_I = 16384 / BYTES;          // beats of a 16 KiB frame
localparam [BEAT_W-1:0] MAX_BEATS = MAX_BEATS_I[BEAT_W-1:0];

// elaboration fails on a configuration the card cannot be: the module
// instantiated below does not exist
generate
    if (BYTES < 16 || BYTES > 80 || HDR_BYTES % BYTES != 0 || DEPTH < 2 * (16384 / BYTES)) begin : g_check
        card_ingress_needs_BYTES_16_to_80_and_DEPTH_for_two_16k_frames invalid_parameter ();
    end
endgenerate

reg              in_frame;          // a frame has started (beats seen, no tlast yet)
reg [ADDR_W:0]   wr_ptr;
reg [ADDR_W:0]   frame_start;
reg [BEAT_W-1:0] beat_idx;          // beats of this frame so far
reg              dropping;          // this frame will not be stored
reg              oversize;
reg [15:0]       rx_seq;
reg [127:0]      prev16;            // the last 16 bytes of the previous beat
reg [HDR_BYTES*8-1:0] hdr;

wire first = !in_frame;
wire [ADDR_W:0] used = wr_ptr - free_ptr;
wire ram_full = used[ADDR_W];       // == DEPTH (never more)
wire drop_now = (first && frames_full) || (!first && dropping) || ram_full;
wire wr_en = s_axis_tvalid && !drop_now;

// this beat with the bytes past tkeep zeroed (for the header capture)
wire [BYTES*8-1:0] beat_masked;
genvar g;
generate
    for (g = 0; g < BYTES; g = g + 1) begin : g_mask
        assign beat_masked[g*8 +: 8] = s_axis_tkeep[g] ? s_axis_tdata[g*8 +: 8] : 8'h00;
    end
endgenerate

// The frame's last 16 bytes and the valid bytes of this beat. tkeep is
// contiguous from byte 0 on a legal stream; whatever it is, nbytes is one past
// its highest set bit (0 if none). C = prev16 ++ beat, tail = C[nbytes ..
// nbytes+16).
//
// Candidate t (0..BYTES) is {t, C[t .. t+16)}, valid when tkeep[t-1] is set
// (candidate 0 always); the highest valid candidate wins. A chain of ifs over
// 65 candidates is 33 LUTs deep, so the choice is a tree instead: each node
// takes three children and keeps the highest valid one (pick3: one LUT6 per
// bit), its valid is the OR of theirs. Four levels, 81 leaves; the leaves
// past BYTES are never valid (and fold away).
localparam integer NB_W = $clog2(BYTES + 1);
localparam integer DW   = NB_W + 128;                      // {t, tail}

// children d[0..2] and the valids of the upper two: the highest valid one,
// else d[0]
function automatic [DW-1:0] pick3(input [1:0] v, input [3*DW-1:0] d);
    pick3 = v[1] ? d[2*DW +: DW] : v[0] ? d[DW +: DW] : d[0 +: DW];
endfunction

wire [(BYTES+16)*8-1:0] tail_cat = {s_axis_tdata, (first ? 128'd0 : prev16)};

wire [80:0]      l0_v;
wire [81*DW-1:0] l0_d;
wire [26:0]      l1_v;
wire [27*DW-1:0] l1_d;
wire [8:0]       l2_v;
wire [9*DW-1:0]  l2_d;
wire [2:0]       l3_v;
wire [3*DW-1:0]  l3_d;
wire [DW-1:0]    l4_d;

generate
    for (g = 0; g < 81; g = g + 1) begin : g_leaf
        if (g == 0) begin : g_zero
            assign l0_v[g]          = 1'b1;
            assign l0_d[g*DW +: DW] = {{NB_W{1'b0}}, tail_cat[0 +: 128]};
        end else if (g <= BYTES) begin : g_cand
            localparam [NB_W-1:0] T = g;
            assign l0_v[g]          = s_axis_tkeep[g-1];
            assign l0_d[g*DW +: DW] = {T, tail_cat[g*8 +: 128]};
        end else begin : g_pad
            assign l0_v[g]          = 1'b0;
            assign l0_d[g*DW +: DW] = {DW{1'b0}};
        end
    end
    for (g = 0; g < 27; g = g + 1) begin : g_l1
        assign l1_v[g]          = |l0_v[3*g +: 3];
        assign l1_d[g*DW +: DW] = pick3(l0_v[3*g+1 +: 2], l0_d[3*g*DW +: 3*DW]);
    end
    for (g = 0; g < 9; g = g + 1) begin : g_l2
        assign l2_v[g]          = |l1_v[3*g +: 3];
        assign l2_d[g*DW +: DW] = pick3(l1_v[3*g+1 +: 2], l1_d[3*g*DW +: 3*DW]);
    end
    for (g = 0; g < 3; g = g + 1) begin : g_l3
        assign l3_v[g]          = |l2_v[3*g +: 3];
        assign l3_d[g*DW +: DW] = pick3(l2_v[3*g+1 +: 2], l2_d[3*g*DW +: 3*DW]);
    end
endgenerate
assign l4_d = pick3(l3_v[2:1], l3_d);
wire unused_l3_v = l3_v[0];                 // always set (candidate 0)

wire [NB_W-1:0] nbytes   = l4_d[128 +: NB_W];
wire [127:0]    tail_now = l4_d[127:0];

// header capture: beat j lands at bytes [j*BYTES, (j+1)*BYTES)
reg [HDR_BYTES*8-1:0] hdr_next;
integer h;
always @* begin
    hdr_next = first ? {HDR_BYTES*8{1'b0}} : hdr;
    for (h = 0; h < HDR_BEATS; h = h + 1) begin
        if (beat_idx == h[BEAT_W-1:0]) begin
            hdr_next[h*BYTES*8 +: BYTES*8] = beat_masked;
        end
    end
end

wire [BEAT_W-1:0] beats_now = beat_idx + 1'b1;
wire [LEN_W-1:0] len_now = {{(LEN_W-BEAT_W){1'b0}}, beat_idx} * BYTES[LEN_W-1:0]
                         + {{(LEN_W-$clog2(BYTES+1)){1'b0}}, nbytes};
// beat_idx saturates far beyond any legal frame; the length check catches it
wire too_long = oversize || len_now[LEN_W-1] || (beat_idx >= MAX_BEATS);

ram_sdp #(
    .WIDTH(BYTES*8),
    .DEPTH(DEPTH)
) u_frames (
    .clk(clk),
    .wr_en(wr_en),
    .wr_addr(wr_ptr[ADDR_W-1:0]),
    .wr_data(s_axis_tdata),
    .rd_en(rd_en),
    .rd_addr(rd_addr),
    .rd_data(rd_data)
);

always @(posedge clk) begin
    rx_pulse   <= 1'b0;
    drop_valid <= 1'b0;
    cap_valid  <= 1'b0;

    if (s_axis_tvalid) begin
        hdr    <= hdr_next;
        prev16 <= s_axis_tdata[BYTES*8-128 +: 128];
        if (first) begin
            frame_start <= wr_ptr;
        end
        if (wr_en) begin
            wr_ptr <= wr_ptr + 1'b1;
        end
        if (!beat_idx[BEAT_W-1]) begin
            beat_idx <= beats_now;
        end
        if (beat_idx >= MAX_BEATS) begin
            oversize <= 1'b1;
        end

        if (s_axis_tlast) begin
            in_frame <= 1'b0;
            beat_idx <= 0;
            dropping <= 1'b0;
            oversize <= 1'b0;
            rx_pulse <= 1'b1;
            rx_seq   <= rx_seq + 1'b1;
            if (drop_now || s_axis_tuser || too_long) begin
                // roll back whatever of the frame was written
                wr_ptr      <= first ? wr_ptr : frame_start;
                drop_valid  <= 1'b1;
                drop_reason <= (s_axis_tuser || too_long) ? `SPISYNC_R_MAC_ERROR
                                                          : `SPISYNC_R_TAIL_DROP;
            end else begin
                cap_valid  <= 1'b1;
                cap_hdr    <= hdr_next;
                cap_tail   <= tail_now;
                cap_len    <= len_now[13:0];
                cap_beats  <= beats_now;
                cap_rx_seq <= rx_seq;
            end
        end else begin
            in_frame <= 1'b1;
            if (drop_now) begin
                dropping <= 1'b1;
            end
        end
    end

    if (rst) begin
        in_frame   <= 1'b0;
        wr_ptr     <= 0;
        beat_idx   <= 0;
        dropping   <= 1'b0;
        oversize   <= 1'b0;
        rx_seq     <= 16'd0;
        rx_pulse   <= 1'b0;
        drop_valid <= 1'b0;
        cap_valid  <= 1'b0;
    end
end

endmodule

`resetall
