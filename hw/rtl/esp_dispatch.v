// spisync -- dispatch: turns each frame's job into beats for the GCM core.
//
// Frames wait in the ingress frame RAM; jobs arrive in the same order from
// esp_classify. For a frame to decrypt, the ciphertext [off, off + ct_len) is
// read from the RAM and realigned to start at byte 0 of a beat (the core
// wants whole blocks from byte 0); header beats before it and ICV beats after
// it are never read (the ICV came with the job). A pass-through frame is read
// whole and rides through the core unmodified on tuser. A frame dropped
// before crypto becomes a single token beat (tkeep = 0) so that the commit
// stage sees every frame, in order, and counts it in one place.
//
// Slots: every clock the dispatch issues one slot of the current job. Slot j
// reads beat q0 + j (while j < n_in) and, one clock later when the data is
// there, emits core beat j (aligned data) or j - 1 (shifted data: a core
// beat needs the tail of one RAM beat and the head of the next). A shifted
// job takes k + 1 slots, an aligned one k, a token one. The next job starts
// in the clock after the last slot: back-to-back frames cost no idle clock
// beyond that one extra slot of shifted frames.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module esp_dispatch #(
    parameter integer BYTES  = 64,
    parameter integer ADDR_W = 9,           // frame RAM address width
    parameter integer BEAT_W = ADDR_W + 1,
    parameter integer SIDE_W = 256 + 1 + 32 + 64 + 128 + 5 + 5 + 128
) (
    input  wire                   clk,
    input  wire                   rst,

    // the next job (first-word-fall-through FIFO)
    input  wire                   job_valid,
    output wire                   job_ready,
    input  wire                   job_drop,
    input  wire                   job_bypass,
    input  wire [BEAT_W-1:0]      job_beats,
    input  wire [7:0]             job_q0,
    input  wire [BEAT_W-1:0]      job_n_in,
    input  wire [BEAT_W-1:0]      job_k,
    input  wire [6:0]             job_shift,
    input  wire [6:0]             job_last_bytes,
    // {key, key_256, salt, iv, aad, aad_len, icv_len, icv}, for the core
    input  wire [SIDE_W-1:0]      job_side,

    // frame RAM read port (data one clock after rd_en)
    output wire                   rd_en,
    output wire [ADDR_W-1:0]      rd_addr,
    input  wire [BYTES*8-1:0]     rd_data,
    output reg  [ADDR_W:0]        free_ptr,    // beats below are no longer needed

    // GCM core input (registered)
    output reg  [BYTES*8-1:0]     core_tdata,
    output reg  [BYTES-1:0]       core_tkeep,
    output reg                    core_tvalid,
    output reg                    core_tlast,
    output reg                    core_token,  // a dropped frame's single beat
    output reg                    core_bypass, // pass-through: tdata is the raw frame
    output reg  [SIDE_W-1:0]      core_side
);

// ---------------------------------------------------------------------------
// R0: slot issue
// ---------------------------------------------------------------------------
reg               active;
reg [ADDR_W:0]    frame_base;     // first beat of the next job's frame
reg [ADDR_W:0]    rd_base;        // current job: frame base + q0
reg [BEAT_W-1:0]  slot;
reg [BEAT_W-1:0]  last_no;        // slots of the job - 1 (the last slot)
reg [BEAT_W-1:0]  n_in;
reg [BEAT_W-1:0]  k;
reg [6:0]         shift;
reg [6:0]         last_bytes;
reg               drop;
reg               bypass;
reg [SIDE_W-1:0]  side;

wire last_slot = active && (slot == last_no);
assign job_ready = !active || last_slot;
wire load = job_valid && job_ready;

// core beat this slot emits: aligned data -> beat `slot`, shifted -> `slot - 1`
wire              shifted  = shift != 7'd0;
wire              emit     = active && (drop || !shifted || slot != 0);
wire [BEAT_W-1:0] beat_no  = shifted ? slot - 1'b1 : slot;
wire              do_read  = active && !drop && (slot < n_in);

assign rd_en   = do_read;
assign rd_addr = rd_base[ADDR_W-1:0] + slot[ADDR_W-1:0];

always @(posedge clk) begin
    if (active) begin
        slot <= slot + 1'b1;
        if (last_slot) begin
            active <= 1'b0;
        end
    end
    if (load) begin
        active     <= 1'b1;
        slot       <= 0;
        drop       <= job_drop;
        bypass     <= job_bypass;
        n_in       <= job_drop ? {BEAT_W{1'b0}} : job_n_in;
        k          <= job_drop ? {{(BEAT_W-1){1'b0}}, 1'b1} : job_k;
        last_no    <= job_drop ? {BEAT_W{1'b0}}
                    : (job_shift != 7'd0) ? job_k : job_k - 1'b1;
        shift      <= job_shift;
        last_bytes <= job_last_bytes;
        side       <= job_side;
        rd_base    <= frame_base + {{(ADDR_W+1-8){1'b0}}, job_q0};
        frame_base <= frame_base + job_beats;
    end
    // what has been read (or skipped) may be overwritten by the ingress
    free_ptr <= active ? rd_base + slot : frame_base;
    if (rst) begin
        active     <= 1'b0;
        frame_base <= 0;
        free_ptr   <= 0;
    end
end

// ---------------------------------------------------------------------------
// R1: data arrive; align and register the core beat
// ---------------------------------------------------------------------------
reg               a_emit;
reg               a_read;
reg               a_first;
reg               a_last;
reg               a_drop;
reg               a_bypass;
reg [6:0]         a_shift;
reg [6:0]         a_last_bytes;
reg [SIDE_W-1:0]  a_side;
reg [BYTES*8-1:0] prev;            // the previous beat read

always @(posedge clk) begin
    a_emit       <= emit;
    a_read       <= do_read;
    a_first      <= beat_no == 0;
    a_last       <= beat_no == k - 1'b1;
    a_drop       <= drop;
    a_bypass     <= bypass;
    a_shift      <= shift;
    a_last_bytes <= last_bytes;
    a_side       <= side;
    if (a_read) begin
        prev <= rd_data;
    end
    if (rst) begin
        a_emit <= 1'b0;
        a_read <= 1'b0;
    end
end

// shifted: out byte i = (prev ++ cur)[shift + i]; the data of an emit
// without a read (the extra slot) only matter in bytes the last beat's
// tkeep excludes
wire [BYTES*8-1:0] cur = rd_data;
wire [2*BYTES*8-1:0] pair = {cur, prev};
wire [2*BYTES*8-1:0] pair_shifted = pair >> {a_shift, 3'b000};
wire [BYTES*8-1:0] aligned = (a_shift == 7'd0) ? cur : pair_shifted[BYTES*8-1:0];
wire unused_shifted_top = &pair_shifted[2*BYTES*8-1:BYTES*8];

// the last beat keeps bytes below last_bytes: a compare per byte (a
// thermometer), not a BYTES-wide subtract whose carry chain is the long path
reg  [BYTES-1:0] end_mask;
integer e;
always @* begin
    for (e = 0; e < BYTES; e = e + 1) begin
        end_mask[e] = e[6:0] < a_last_bytes;
    end
end
wire [BYTES-1:0] keep = a_last ? end_mask : {BYTES{1'b1}};

wire [BYTES*8-1:0] masked;
genvar g;
generate
    for (g = 0; g < BYTES; g = g + 1) begin : g_mask
        assign masked[g*8 +: 8] = keep[g] ? aligned[g*8 +: 8] : 8'h00;
    end
endgenerate

always @(posedge clk) begin
    core_tvalid <= a_emit;
    core_tlast  <= a_last || a_drop;
    core_token  <= a_drop;
    core_bypass <= a_bypass;
    core_tkeep  <= a_drop ? {BYTES{1'b0}} : keep;
    core_tdata  <= a_drop ? {BYTES*8{1'b0}} : masked;
    // the core samples key, nonce and AAD on a frame's first beat and the
    // ICV on its last; between them the side band stays zero
    core_side   <= (a_emit && (a_first || a_last || a_drop)) ? a_side : {SIDE_W{1'b0}};
    if (rst) begin
        core_tvalid <= 1'b0;
    end
end

endmodule

`resetall
