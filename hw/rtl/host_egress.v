// spisync -- host egress buffer: only committed frames reach the host.
//
// The commit stage writes a frame's payload beats while the frame is still
// being authenticated and gives the verdict with the last beat. Beats go to a
// data RAM at a speculative pointer; the committed pointer moves past them
// only when the frame is kept and fitted, otherwise the speculative pointer is
// rolled back and the beats are overwritten later. The read side only ever
// follows descriptors of committed frames, so nothing of a dropped frame can
// reach the host (and a descriptor claiming more payload than its frame
// stored reads zeros, never a neighbour's beats).
//
// The write side cannot be stalled. A frame is dropped whole (TAIL_DROP,
// res_no_space) when one of its beats finds the data RAM full or when no
// descriptor slot is free at its last beat. Both checks are registered one
// clock ahead (timing), so they may refuse one beat or one frame early: a
// frame of up to DATA_DEPTH - 1 beats (DATA_DEPTH if written back to back)
// fits a buffer that was empty the clock before its first beat, and
// DESC_DEPTH - 1 frames always fit.
//
// Host frame = header[0 .. hdr_len) ++ payload[0 .. pay_len). Output beat k
// holds header beats first; from beat hdr_len / BYTES on, byte b comes from
// the header remainder (b < hdr_len % BYTES) or is payload shifted by
// hdr_len % BYTES bytes, i.e. the stored beat rotated left by that amount:
//   out[b] = b >= hr ? rotl(cur)[b] : (first ? header[b] : rotl(prev)[b])
// so one rotator serves both halves, and the previous rotation is kept.
//
// Read pipeline, one output beat ("job") per clock; a stage moves on when the
// next one does or is empty, so bubbles close up while the host stalls:
//   S0 job select, data RAM read -> E1 RAM out -> E2 data register
//   -> E3 rotate, header beat select, byte masks -> skid buffer (outputs)
// There is no bubble between or within frames while m_axis_tready is high
// and frames are buffered, and a full buffer drains at one beat per clock.
// Latency: the first beat of a frame is on m_axis 10 clocks after its
// wr_last when the buffer was idle (descriptor 2 + FIFO 3, load 1, pipeline 4).
//
// The header and tuser travel in their own FIFO, read three stages behind
// the length descriptors (no header copy rides the pipeline).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module host_egress #(
    parameter integer BYTES      = 64,    // 16 or 64 (a power of two)
    parameter integer DATA_DEPTH = 512,   // payload beats buffered (power of two)
    parameter integer DESC_DEPTH = 64,    // frames buffered (power of two, >= 2)
    parameter integer HDR_BYTES  = 128,   // 1..255
    parameter integer USER_W     = 40
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire                   wr_valid,
    input  wire                   wr_first,
    input  wire                   wr_last,
    input  wire [BYTES*8-1:0]     wr_data,
    input  wire                   wr_keep,
    input  wire [HDR_BYTES*8-1:0] wr_hdr,
    input  wire [7:0]             wr_hdr_len,
    input  wire [13:0]            wr_pay_len,
    input  wire [USER_W-1:0]      wr_user,

    output reg                    res_valid,
    output reg                    res_delivered,
    output reg                    res_no_space,

    output wire [BYTES*8-1:0]     m_axis_tdata,
    output wire [BYTES-1:0]       m_axis_tkeep,
    output wire                   m_axis_tvalid,
    output wire                   m_axis_tlast,
    output wire [USER_W-1:0]      m_axis_tuser,
    input  wire                   m_axis_tready,
    output wire                   busy
);

localparam integer LG     = $clog2(BYTES);
localparam integer DW     = BYTES * 8;
localparam integer AW     = $clog2(DATA_DEPTH);
localparam integer HBEATS = (HDR_BYTES + BYTES - 1) / BYTES;  // last one may be partial
localparam integer HPW    = HBEATS * DW;                       // header padded to whole beats
localparam integer HIW    = 9 - LG;    // header beat count / index: 255 / BYTES + 1 fits
localparam integer JW     = 15;      // beats of a frame: (255 + 16383) / 16 + 1 < 2^15
localparam integer FW     = $clog2(DESC_DEPTH) + 1;   // sync_fifo count
localparam integer HFW    = USER_W + HDR_BYTES * 8;
// descriptor: nb, n_out, one, hj, hz, np, pz, hr, nkeep
localparam integer DSW    = (AW + 1) + JW + 1 + HIW + 1 + JW + 1 + LG + LG;

// ---------------------------------------------------------------------------
// write side
// ---------------------------------------------------------------------------
reg  [AW:0]   wr_ptr;      // committed end of the buffered payload
reg  [AW:0]   wr_cur;      // where the frame being written goes on
reg           in_frame;
reg           ovf;         // this frame lost a beat for space
reg  [AW:0]   fbeats;      // beats of this frame stored so far
reg           space_ok;    // one more beat surely fits (registered, see below)
wire [FW-1:0] held;        // frames committed whose header is not yet read
reg           room;        // one more frame surely fits
reg  [AW:0]   rd_ptr;      // read side: beats below it are free

wire          wbeat     = wr_valid && (wr_first || in_frame);
wire [AW:0]   wr_addr   = wr_first ? wr_ptr : wr_cur;
wire          frame_bad = (ovf && !wr_first) || !space_ok;
wire          wr_en     = wbeat && !frame_bad;
wire [AW:0]   nbeats    = (wr_first ? {(AW+1){1'b0}} : fbeats) + 1'b1;
wire          zero_len  = (wr_hdr_len == 8'd0) && (wr_pay_len == 14'd0);
wire          commit    = wbeat && wr_last && wr_keep && !frame_bad && room && !zero_len;
wire          hf_pop;      // the read side is done with a frame's header
// Both FIFOs always have space: the header FIFO holds every frame from its
// commit until the read side is done with it (`held`, its fill count), the
// descriptor FIFO a subset of those.
wire          hf_ready_unused;
wire          df_ready_unused;
wire [FW-1:0] df_count_unused;

always @(posedge clk) begin
    res_valid     <= wbeat && wr_last;
    res_delivered <= commit;
    res_no_space  <= wbeat && wr_last && wr_keep && !zero_len && !commit;
    if (wbeat) begin
        in_frame <= !wr_last;
        ovf      <= !wr_last && frame_bad;
        fbeats   <= nbeats;
        if (commit) begin
            wr_ptr <= wr_addr + 1'b1;
            wr_cur <= wr_addr + 1'b1;
        end else if (wr_last || frame_bad) begin
            // rolled back at once: the space is free for the next frame
            wr_cur <= wr_ptr;
        end else begin
            wr_cur <= wr_addr + 1'b1;
        end
    end
    // The beat written next clock lands at most one past wr_cur, and rd_ptr
    // only grows, so room for it is known one clock ahead.
    space_ok <= (wr_cur - rd_ptr) <= DATA_DEPTH[AW:0] - {{(AW-1){1'b0}}, 2'd2};
    room     <= held <= DESC_DEPTH[FW-1:0] - {{(FW-2){1'b0}}, 2'd2};
    if (rst) begin
        res_valid     <= 1'b0;
        res_delivered <= 1'b0;
        res_no_space  <= 1'b0;
        in_frame      <= 1'b0;
        ovf           <= 1'b0;
        wr_ptr        <= {(AW+1){1'b0}};
        wr_cur        <= {(AW+1){1'b0}};
        space_ok      <= 1'b1;     // empty after reset
        room          <= 1'b1;
    end
end

// The header FIFO takes the frame at its commit. The length descriptor's
// arithmetic gets two register stages of its own (commit -> q -> q2, timing)
// before its push, so the header is always there when the frame's jobs reach
// E3 (pushed two clocks before the descriptor, read three stages after it).
wire [7:0] hlen_clamped = (wr_hdr_len > HDR_BYTES[7:0]) ? HDR_BYTES[7:0] : wr_hdr_len;

reg         q_push;
reg  [7:0]  q_h;
reg  [13:0] q_plen;
reg  [AW:0] q_nb;

always @(posedge clk) begin
    q_push <= commit;
    if (commit) begin
        q_h    <= hlen_clamped;
        q_plen <= wr_pay_len;
        q_nb   <= nbeats;
    end
    if (rst) begin
        q_push <= 1'b0;
    end
end

// jobs of a frame: hj header-only beats, np payload beats (each reads one
// stored beat), one tail beat if the payload's last bytes spill over after
// the shift by hr; n_out = hj + np + tail output beats in all
wire [LG-1:0]  q_hr  = q_h[LG-1:0];
wire [HIW-1:0] q_hb  = {1'b0, q_h[7:LG]};
wire [LG-1:0]  q_plo = q_plen[LG-1:0];
wire           q_pz  = q_plen == 14'd0;
wire [JW-1:0]  q_np  = {{(JW-14+LG){1'b0}}, q_plen[13:LG]} + {{(JW-1){1'b0}}, q_plo != {LG{1'b0}}};
// an empty payload leaves a partial header beat as the last header-only beat
wire [HIW-1:0] q_hj  = q_hb + {{(HIW-1){1'b0}}, q_pz && q_hr != {LG{1'b0}}};
wire [LG:0]    q_slo = {1'b0, q_hr} + {1'b0, q_plo};
wire           q_tail = !q_pz && ((q_plo == {LG{1'b0}}) ? (q_hr != {LG{1'b0}}) : (q_slo > BYTES[LG:0]));
// one output beat: the host frame (never empty) fits one beat
wire [14:0]    q_len = {7'd0, q_h} + {1'b0, q_plen};
wire           q_one = q_len <= BYTES[14:0];

reg            q2_push;
reg  [AW:0]    q2_nb;
reg  [JW-1:0]  q2_np;
reg            q2_pz;
reg  [HIW-1:0] q2_hj;
reg            q2_tail;
reg            q2_one;
reg  [LG-1:0]  q2_hr;
reg  [LG-1:0]  q2_nkeep;   // bytes in the last beat, 0: all

always @(posedge clk) begin
    q2_push <= q_push;
    if (q_push) begin
        q2_nb    <= q_nb;
        q2_np    <= q_np;
        q2_pz    <= q_pz;
        q2_hj    <= q_hj;
        q2_tail  <= q_tail;
        q2_one   <= q_one;
        q2_hr    <= q_hr;
        q2_nkeep <= q_slo[LG-1:0];
    end
    if (rst) begin
        q2_push <= 1'b0;
    end
end

wire [JW-1:0]  q2_nout = {{(JW-HIW){1'b0}}, q2_hj} + q2_np + {{(JW-1){1'b0}}, q2_tail};
wire           q2_hz   = q2_hj == {HIW{1'b0}};

wire [DSW-1:0] df_in = {q2_nb, q2_nout, q2_one, q2_hj, q2_hz, q2_np, q2_pz, q2_hr, q2_nkeep};
wire [DSW-1:0] df_out;
wire           df_valid;
wire           df_pop;

sync_fifo #(
    .WIDTH(DSW),
    .DEPTH(DESC_DEPTH)
) u_desc_fifo (
    .clk(clk),
    .rst(rst),
    .s_data(df_in),
    .s_valid(q2_push),
    .s_ready(df_ready_unused),
    .m_data(df_out),
    .m_valid(df_valid),
    .m_ready(df_pop),
    .count(df_count_unused)
);

wire [HFW-1:0] hf_out;
wire           hf_valid_unused;   // high whenever a job needs it (see above)

sync_fifo #(
    .WIDTH(HFW),
    .DEPTH(DESC_DEPTH)
) u_hdr_fifo (
    .clk(clk),
    .rst(rst),
    .s_data({wr_user, wr_hdr}),
    .s_valid(commit),
    .s_ready(hf_ready_unused),
    .m_data(hf_out),
    .m_valid(hf_valid_unused),
    .m_ready(hf_pop),
    .count(held)
);

// ---------------------------------------------------------------------------
// S0: the frame being read out, one job per clock
// ---------------------------------------------------------------------------
wire [AW:0]    d_nb;
wire [JW-1:0]  d_nout;
wire           d_one;
wire [HIW-1:0] d_hj;
wire           d_hz;
wire [JW-1:0]  d_np;
wire           d_pz;
wire [LG-1:0]  d_hr;
wire [LG-1:0]  d_nkeep;

assign {d_nb, d_nout, d_one, d_hj, d_hz, d_np, d_pz, d_hr, d_nkeep} = df_out;

// Stage enables: a stage loads when the next one moves on or is empty, so
// bubbles close up while the host stalls and a full buffer drains at one
// beat per clock.
wire           ce1, ce2, ce3;
reg            c_valid;
reg            c_last;     // the next job is the frame's last
reg  [JW-1:0]  c_jobs;
reg  [HIW-1:0] c_hleft;
reg            c_hz;       // no header-only job left
reg  [JW-1:0]  c_pleft;
reg            c_pz;       // no payload job left
reg            c_first;    // the next payload job is the frame's first
reg  [HIW-1:0] c_hidx;     // header beat of the next job
reg  [LG-1:0]  c_hr;
reg  [LG-1:0]  c_nkeep;
reg  [AW:0]    c_end;      // end of the frame's stored beats

wire issue    = ce1 && c_valid;
wire is_hdr   = !c_hz;
wire is_pay   = c_hz && !c_pz;
wire beyond   = rd_ptr == c_end;     // descriptor asks more than was stored
wire rd_en    = issue && is_pay && !beyond;
wire load     = df_valid && (!c_valid || (ce1 && c_last));
assign df_pop = load;

always @(posedge clk) begin
    if (issue) begin
        c_jobs <= c_jobs - 1'b1;
        c_last <= c_jobs == {{(JW-2){1'b0}}, 2'd2};
        if (is_hdr) begin
            c_hleft <= c_hleft - 1'b1;
            c_hz    <= c_hleft == {{(HIW-1){1'b0}}, 1'b1};
            c_hidx  <= c_hidx + 1'b1;
        end
        if (is_pay) begin
            c_pleft <= c_pleft - 1'b1;
            c_pz    <= c_pleft == {{(JW-1){1'b0}}, 1'b1};
            c_first <= 1'b0;
        end
        if (c_last) begin
            c_valid <= 1'b0;
            rd_ptr  <= c_end;      // skips stored beats past the payload
        end else if (rd_en) begin
            rd_ptr  <= rd_ptr + 1'b1;
        end
    end
    if (load) begin
        c_valid <= 1'b1;
        c_jobs  <= d_nout;
        c_last  <= d_one;
        c_hleft <= d_hj;
        c_hz    <= d_hz;
        c_pleft <= d_np;
        c_pz    <= d_pz;
        c_first <= 1'b1;
        c_hidx  <= {HIW{1'b0}};
        c_hr    <= d_hr;
        c_nkeep <= d_nkeep;
        c_end   <= c_end + d_nb;
    end
    if (rst) begin
        c_valid <= 1'b0;
        c_end   <= {(AW+1){1'b0}};
        rd_ptr  <= {(AW+1){1'b0}};
    end
end

wire [DW-1:0] ram_q;

ram_sdp #(
    .WIDTH(DW),
    .DEPTH(DATA_DEPTH)
) u_data_ram (
    .clk(clk),
    .wr_en(wr_en),
    .wr_addr(wr_addr[AW-1:0]),
    .wr_data(wr_data),
    .rd_en(rd_en),
    .rd_addr(rd_ptr[AW-1:0]),
    .rd_data(ram_q)
);

// ---------------------------------------------------------------------------
// E1, E2: the job waits for its stored beat (RAM, then a register that can
// move into the block RAM's output register)
// ---------------------------------------------------------------------------
reg            j1_valid, j1_last, j1_hdr, j1_first, j1_zero;
reg  [HIW-1:0] j1_hidx;
reg  [LG-1:0]  j1_hr, j1_nkeep;
reg            j2_valid, j2_last, j2_hdr, j2_first, j2_zero;
reg  [HIW-1:0] j2_hidx;
reg  [LG-1:0]  j2_hr, j2_nkeep;
reg  [DW-1:0]  d2;

always @(posedge clk) begin
    if (ce1) begin
        j1_valid <= c_valid;
        j1_last  <= c_last;
        j1_hdr   <= is_hdr;
        j1_first <= is_pay && c_first;
        j1_zero  <= is_pay && beyond;
        j1_hidx  <= c_hidx;
        j1_hr    <= c_hr;
        j1_nkeep <= c_nkeep;
    end
    if (ce2) begin
        j2_valid <= j1_valid;
        j2_last  <= j1_last;
        j2_hdr   <= j1_hdr;
        j2_first <= j1_first;
        j2_zero  <= j1_zero;
        j2_hidx  <= j1_hidx;
        j2_hr    <= j1_hr;
        j2_nkeep <= j1_nkeep;
        d2       <= ram_q;
    end
    if (rst) begin
        j1_valid <= 1'b0;
        j2_valid <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// E3: rotate the stored beat, pick the header beat, byte masks
// ---------------------------------------------------------------------------
// rotate left by hr bytes: one 2:1 stage per bit of hr
reg [DW-1:0] rot;

always @* begin : rotate
    integer st;
    rot = d2;
    for (st = 0; st < LG; st = st + 1) begin
        if (j2_hr[st]) begin
            rot = (rot << ((1 << st) * 8)) | (rot >> (DW - (1 << st) * 8));
        end
    end
end

wire [HPW-1:0] hdr_pad = {{(HPW-HDR_BYTES*8){1'b0}}, hf_out[HDR_BYTES*8-1:0]};
reg  [DW-1:0]  hbeat;

always @* begin : pick_header_beat
    integer i;
    hbeat = {DW{1'b0}};
    for (i = 0; i < HBEATS; i = i + 1) begin
        if ({{(32-HIW){1'b0}}, j2_hidx} == i) begin
            hbeat = hdr_pad[i*DW +: DW];
        end
    end
end

reg               j3_valid, j3_last;
reg  [DW-1:0]     r3;        // rotated stored beat
reg  [DW-1:0]     x3;        // bytes below hr: header or previous rotation
reg  [BYTES-1:0]  sel3;      // byte from r3 (else x3)
reg  [BYTES-1:0]  keep3;
reg  [USER_W-1:0] u3;

assign hf_pop = ce3 && j2_valid && j2_last;

always @(posedge clk) begin : stage_e3
    integer b;
    if (ce3) begin
        j3_valid <= j2_valid;
        j3_last  <= j2_last;
        u3       <= hf_out[HFW-1 -: USER_W];
        if (j2_valid) begin
            r3 <= j2_zero ? {DW{1'b0}} : rot;
            x3 <= (j2_hdr || j2_first) ? hbeat : r3;
        end
        for (b = 0; b < BYTES; b = b + 1) begin
            sel3[b]  <= !j2_hdr && ({{(32-LG){1'b0}}, j2_hr} <= b);
            keep3[b] <= !j2_last || (j2_nkeep == {LG{1'b0}}) ||
                        ({{(32-LG){1'b0}}, j2_nkeep} > b);
        end
    end
    if (rst) begin
        j3_valid <= 1'b0;
    end
end

reg [DW-1:0] s_data;

always @* begin : merge
    integer b;
    for (b = 0; b < BYTES; b = b + 1) begin
        s_data[b*8 +: 8] = !keep3[b] ? 8'd0 : sel3[b] ? r3[b*8 +: 8] : x3[b*8 +: 8];
    end
end

// ---------------------------------------------------------------------------
// output skid buffer (verilog-axis axis_register, skid type): every output
// is a register, and m_axis_tready only reaches register inputs
// ---------------------------------------------------------------------------
reg              s_ready;
reg              o_valid, o_last;
reg [DW-1:0]     o_data;
reg [BYTES-1:0]  o_keep;
reg [USER_W-1:0] o_user;
reg              t_valid, t_last;
reg [DW-1:0]     t_data;
reg [BYTES-1:0]  t_keep;
reg [USER_W-1:0] t_user;

assign ce3 = s_ready || !j3_valid;
assign ce2 = ce3 || !j2_valid;
assign ce1 = ce2 || !j1_valid;

wire to_out  = s_ready && (m_axis_tready || !o_valid);
wire to_temp = s_ready && !to_out;
wire from_temp = !s_ready && m_axis_tready;

always @(posedge clk) begin
    s_ready <= m_axis_tready || (!t_valid && (!o_valid || !j3_valid));
    if (to_out) begin
        o_valid <= j3_valid;
        o_data  <= s_data;
        o_keep  <= keep3;
        o_last  <= j3_last;
        o_user  <= u3;
    end else if (from_temp) begin
        o_valid <= t_valid;
        o_data  <= t_data;
        o_keep  <= t_keep;
        o_last  <= t_last;
        o_user  <= t_user;
    end
    if (to_temp) begin
        t_valid <= j3_valid;
        t_data  <= s_data;
        t_keep  <= keep3;
        t_last  <= j3_last;
        t_user  <= u3;
    end else if (from_temp) begin
        t_valid <= 1'b0;
    end
    if (rst) begin
        s_ready <= 1'b0;
        o_valid <= 1'b0;
        t_valid <= 1'b0;
    end
end

assign m_axis_tdata  = o_data;
assign m_axis_tkeep  = o_keep;
assign m_axis_tvalid = o_valid;
assign m_axis_tlast  = o_last;
assign m_axis_tuser  = o_user;

assign busy = in_frame || (held != {FW{1'b0}}) || j3_valid || o_valid || t_valid;

endmodule

`resetall
