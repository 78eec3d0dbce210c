// spisync -- the card's AXI4-Lite control port: identification, card time,
// SA and tag writes, counter snapshots and per-SA counters, the event path's
// settings, the mailbox, controller events and the event history
// (docs/register-map.md, generated from hw/spec/spisync.toml).
//
// One transaction at a time each way; writes need AW and W together (as
// every AXI4-Lite master here issues them). Unknown addresses read as zero
// and ignore writes (OKAY response: a probe of a newer driver must not hang
// or fault the bus).

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"
`include "card_internal.vh"

module card_regs #(
    parameter integer DATA_WIDTH    = 512,
    parameter integer SA_ENTRIES    = 4096,
    parameter integer TAG_BUCKETS   = 4096,
    parameter integer CLK_PERIOD_PS = 3103,   // 322.27 MHz
    parameter integer FLOW_ENTRIES  = 1024,
    parameter integer RING_LOG2_MAX = 20,
    parameter integer EVENT_HIST    = 64,     // CAP_EVENT_HIST
    parameter integer ADDR_W        = 16
) (
    input  wire                         clk,
    input  wire                         rst,

    input  wire [ADDR_W-1:0]            s_axil_awaddr,
    input  wire                         s_axil_awvalid,
    output wire                         s_axil_awready,
    input  wire [31:0]                  s_axil_wdata,
    input  wire [3:0]                   s_axil_wstrb,
    input  wire                         s_axil_wvalid,
    output wire                         s_axil_wready,
    output wire [1:0]                   s_axil_bresp,
    output reg                          s_axil_bvalid,
    input  wire                         s_axil_bready,
    input  wire [ADDR_W-1:0]            s_axil_araddr,
    input  wire                         s_axil_arvalid,
    output wire                         s_axil_arready,
    output reg  [31:0]                  s_axil_rdata,
    output wire [1:0]                   s_axil_rresp,
    output reg                          s_axil_rvalid,
    input  wire                         s_axil_rready,

    input  wire                         ready,          // STATUS bit 0
    output wire [63:0]                  time_ns,
    output wire [63:0]                  time_step,      // next clock: time_ns + time_step
    output wire                         time_step_c,    //   + time_step_c (mod 2^64)

    output reg                          sa_wr_en,
    output reg  [15:0]                  sa_wr_index,
    output wire [`SPISYNC_SA_BITS-1:0]  sa_wr_data,
    output reg                          tag_wr_en,
    output reg                          tag_wr_table,
    output reg  [7:0]                   tag_wr_way,
    output reg  [15:0]                  tag_wr_bucket,
    output wire [31:0]                  tag_wr_spi,
    output wire                         tag_wr_valid,
    output wire [15:0]                  tag_wr_index,

    output wire                         cnt_snapshot,
    output wire [7:0]                   cnt_rd_index,
    input  wire [63:0]                  cnt_rd_value,

    output reg                          st_rd_en,        // per-SA counters (state copy C)
    output reg  [15:0]                  st_rd_index,
    input  wire [`SPISYNC_ST_W-1:0]     st_rd_data,

    // event path: ring, flow filter, token bucket, burst detection
    output reg  [63:0]                  ring_base,
    output reg  [4:0]                   ring_size_log2,
    output reg                          ring_enable,
    output reg  [31:0]                  ring_cons,
    input  wire [31:0]                  ring_prod,
    input  wire [4:0]                   ring_status,
    input  wire [31:0]                  ring_write_errors,
    output reg  [63:0]                  ev_holdoff_ns,
    output reg  [31:0]                  ev_token_ns,
    output reg  [31:0]                  ev_token_burst,
    output wire [31:0]                  ev_lost_ns_next, // event_gate's EVENT_LOST_NS of the next clock
    output reg  [63:0]                  burst_interval_ns,
    output reg  [31:0]                  auth_fail_burst,
    output reg  [31:0]                  replay_burst,
    input  wire [63:0]                  events_lost,
    input  wire [63:0]                  events_written,
    input  wire [63:0]                  flow_suppressed,
    input  wire [63:0]                  flow_pending,

    // controller events (fw_event): the write itself, in its clock
    output wire                         fw_ev_wr,
    output wire [31:0]                  fw_ev_data,
    output reg  [31:0]                  fw_ev_spi,
    input  wire                         fw_ev_busy,
    input  wire [15:0]                  fw_ev_ignored,

    // event history (event_hist): the select is the write itself, in its
    // clock, so the copy is there before the write response
    output wire                         hist_sel_en,
    output wire [31:0]                  hist_sel_index,
    input  wire [`SPISYNC_EVENT_BYTES*8-1:0] hist_rec,
    input  wire [31:0]                  hist_count
);

localparam integer SA_WORDS = `SPISYNC_SA_BITS / 32;
localparam integer GEN_W    = $clog2(SA_ENTRIES);
localparam integer STAGE_END_I = {16'd0, `SPISYNC_REG_SA_STAGE} + 4 * SA_WORDS;
localparam integer CNT_END_I   = {16'd0, `SPISYNC_REG_COUNTERS} + 8 * `SPISYNC_REG_COUNTERS_COUNT;
localparam integer MBOX_WORDS  = `SPISYNC_REG_MBOX_COUNT;
localparam integer MBOX_END_I  = {16'd0, `SPISYNC_REG_MBOX} + 4 * MBOX_WORDS;
localparam integer HIST_END_I  = {16'd0, `SPISYNC_REG_EVENT_HIST_DATA} + 4 * `SPISYNC_REG_EVENT_HIST_DATA_COUNT;
localparam [ADDR_W-1:0] STAGE_END = STAGE_END_I[ADDR_W-1:0];
localparam [ADDR_W-1:0] CNT_END   = CNT_END_I[ADDR_W-1:0];
localparam [ADDR_W-1:0] MBOX_END  = MBOX_END_I[ADDR_W-1:0];
localparam [ADDR_W-1:0] HIST_END  = HIST_END_I[ADDR_W-1:0];
localparam integer TAG_WAYS_I  = `SPISYNC_TAG_WAYS;
localparam [7:0]   TAG_WAYS    = TAG_WAYS_I[7:0];
localparam [31:0]  SA_ENTRIES_32  = SA_ENTRIES;
localparam [31:0]  TAG_BUCKETS_32 = TAG_BUCKETS;
localparam [63:0]  TIME_INC_RESET = (CLK_PERIOD_PS * 64'd16777216) / 64'd1000;
localparam [31:0]  FLOW_ENTRIES_32 = FLOW_ENTRIES;
localparam [31:0]  RING_LOG2_MAX_32 = RING_LOG2_MAX;
localparam [4:0]   RING_LOG2_MAX_5  = RING_LOG2_MAX_32[4:0];
localparam [31:0]  EVENT_HIST_32 = EVENT_HIST;
// reset values of the event path, docs/register-map.md
localparam [63:0]  HOLDOFF_RESET  = 64'd1000000000;
localparam [31:0]  TOKEN_NS_RESET = 32'd10000;
localparam [31:0]  TOKEN_BURST_RESET = 32'd256;
localparam [31:0]  LOST_NS_RESET  = 32'd1000000;
localparam [63:0]  BURST_INTERVAL_RESET = 64'd1000000000;
localparam [31:0]  AUTH_FAIL_BURST_RESET = 32'd16;
localparam [31:0]  REPLAY_BURST_RESET = 32'd64;

assign s_axil_bresp = 2'b00;
assign s_axil_rresp = 2'b00;

// ---------------------------------------------------------------------------
// card time: ns in 64.24 fixed point, TIME_INC ns per clock in 8.24.
// A TIME_ADJUST_HI write adds {HI, LO} whole ns on top of one clock's
// increment, the clock after the write. What the accumulator adds in each
// clock is a register, time_op, chosen the clock before: TIME_INC as it
// will be then (a TIME_INC write lands in the same clock), or in the clock
// after a TIME_ADJUST_HI write the step plus TIME_INC, summed when the
// write is taken. TIME_INC cannot change in between (one write at a time:
// none in the clock after a write). The fraction is kept: a step never
// costs or gains a part of a ns.
//
// The 88-bit add is carry-select: the low TA_LO bits and the high part both
// ways (carry in 0 and 1) side by side, the low part's carry picking one,
// so no carry chain is longer than about half the width. time_acc is the
// whole sum every clock, so time_ns never tears and takes the same values
// in the same clocks as with one adder.
// ---------------------------------------------------------------------------
localparam integer TA_LO = 44;
reg [87:0] time_acc;
reg [87:0] time_op;
reg [31:0] time_inc;
reg [31:0] time_hi_latch;
reg [31:0] time_adj_lo;
// This clock's step (time_op) is an output too, as whole ns and the carry
// out of the fraction: event_gate decides from time_ns plus it a clock
// ahead, without waiting for this adder (in a reset clock it is the step
// the register would take without the reset; the gate's own reset makes
// that moot).
wire [24:0] time_frac_sum = {1'b0, time_acc[23:0]} + {1'b0, time_op[23:0]};
assign time_ns     = time_acc[87:24];
assign time_step   = time_op[87:24];
assign time_step_c = time_frac_sum[24];
wire   unused_frac = &{time_frac_sum[23:0]};

wire [TA_LO:0]      ta_lo  = {1'b0, time_acc[TA_LO-1:0]} + {1'b0, time_op[TA_LO-1:0]};
wire [87-TA_LO:0]   ta_hi0 = time_acc[87:TA_LO] + time_op[87:TA_LO];
// a + b + 1 as one adder of its own (a carry into a low bit of ones), not
// an increment behind ta_hi0
wire [88-TA_LO:0]   ta_hi1 = {time_acc[87:TA_LO], 1'b1} + {time_op[87:TA_LO], 1'b1};
wire [87:0]         time_acc_next = {ta_lo[TA_LO] ? ta_hi1[88-TA_LO:1] : ta_hi0, ta_lo[TA_LO-1:0]};
wire                unused_ta = ta_hi1[0];     // always 0

// ---------------------------------------------------------------------------
// writes
// ---------------------------------------------------------------------------
reg [31:0] sa_stage [0:SA_WORDS-1];
reg [31:0] tag_spi;
reg [31:0] tag_index;

genvar w;
generate
    for (w = 0; w < SA_WORDS; w = w + 1) begin : g_stage
        assign sa_wr_data[w*32 +: 32] = sa_stage[w];
    end
endgenerate
assign tag_wr_spi   = tag_spi;
assign tag_wr_valid = tag_index[31];
assign tag_wr_index = tag_index[15:0];

wire wr_go = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
assign s_axil_awready = wr_go;
assign s_axil_wready  = wr_go;
wire [ADDR_W-1:0] wa = {s_axil_awaddr[ADDR_W-1:2], 2'b00};
wire [31:0] wd = s_axil_wdata;
// the snapshot is taken with the write itself, so that it is complete before
// the write response lets the host read the copies
assign cnt_snapshot = wr_go && wa == `SPISYNC_REG_COUNTER_SNAPSHOT;
// the same for the history copy; a controller event takes the card time of
// the write's clock
assign hist_sel_en    = wr_go && wa == `SPISYNC_REG_EVENT_HIST_SELECT;
assign hist_sel_index = wd;
assign fw_ev_wr       = wr_go && wa == `SPISYNC_REG_FW_EVENT;
assign fw_ev_data     = wd;
wire   time_adjust    = wr_go && wa == `SPISYNC_REG_TIME_ADJUST_HI;
// event_gate takes EVENT_LOST_NS only as the value it will have in the next
// clock (as it takes the time step). That is the register itself: a write
// reaches the gate one clock after the register, so that what the gate
// compares with comes out of a flip-flop, not out of the AXI write's
// address decode (the register map promises no clock for it; the write
// response comes a clock after the write, as the gate sees it).
reg [31:0] ev_lost_ns;
assign ev_lost_ns_next = ev_lost_ns;

wire unused_wstrb = &{s_axil_wstrb, s_axil_awaddr[1:0], s_axil_araddr[1:0]};  // whole registers
wire w_in_stage = wa >= `SPISYNC_REG_SA_STAGE && wa < STAGE_END;
wire [ADDR_W-1:0] w_stage_off = wa - `SPISYNC_REG_SA_STAGE;
wire [4:0] w_stage_word = w_stage_off[6:2];

// the mailbox: plain storage in registers (reset to 0: the driver and the
// controller find no stale request after a reset)
reg  [31:0] mbox [0:MBOX_WORDS-1];
wire w_in_mbox = wa >= `SPISYNC_REG_MBOX && wa < MBOX_END;
wire [ADDR_W-1:0] w_mbox_off = wa - `SPISYNC_REG_MBOX;
wire [5:0] w_mbox_word = w_mbox_off[7:2];

// the GEN each SA index holds, to tell a fresh per-SA record from a stale one
reg  [7:0] gen_of [0:SA_ENTRIES-1];
reg  [7:0] stats_gen;

reg        stats_pending;
reg        stats_done;
reg [63:0] stats_packets, stats_bytes, stats_auth_fail, stats_replay;

integer i;
always @(posedge clk) begin
    sa_wr_en     <= 1'b0;
    tag_wr_en    <= 1'b0;
    st_rd_en     <= 1'b0;

    if (wr_go) begin
        s_axil_bvalid <= 1'b1;
        if (w_in_stage) begin
            sa_stage[w_stage_word] <= wd;
        end
        if (w_in_mbox) begin
            mbox[w_mbox_word] <= wd;
        end
        case (wa)
        `SPISYNC_REG_TIME_INC: time_inc <= wd;
        `SPISYNC_REG_TIME_ADJUST_LO: time_adj_lo <= wd;
        `SPISYNC_REG_FW_EVENT_SPI:   fw_ev_spi <= wd;
        `SPISYNC_REG_SA_WRITE: begin
            sa_wr_en    <= wd < SA_ENTRIES_32;
            sa_wr_index <= wd[15:0];
        end
        `SPISYNC_REG_TAG_SPI:   tag_spi <= wd;
        `SPISYNC_REG_TAG_INDEX: tag_index <= wd;
        `SPISYNC_REG_TAG_WRITE: begin
            tag_wr_en     <= {16'd0, wd[15:0]} < TAG_BUCKETS_32 && wd[23:16] < TAG_WAYS;
            tag_wr_table  <= wd[31];
            tag_wr_way    <= wd[23:16];
            tag_wr_bucket <= wd[15:0];
        end
        `SPISYNC_REG_SA_STATS_SELECT: begin
            st_rd_en      <= 1'b1;
            st_rd_index   <= wd[15:0];
            stats_pending <= 1'b1;
            stats_done    <= 1'b0;
        end
        // the ring's geometry is sampled by event_ring when enable rises
        `SPISYNC_REG_RING_BASE_LO:  ring_base[31:0]  <= {wd[31:6], 6'd0};
        `SPISYNC_REG_RING_BASE_HI:  ring_base[63:32] <= wd;
        `SPISYNC_REG_RING_SIZE_LOG2: ring_size_log2 <= (wd == 32'd0) ? 5'd1
                                     : (wd > RING_LOG2_MAX_32) ? RING_LOG2_MAX_5 : wd[4:0];
        `SPISYNC_REG_RING_CTRL:     ring_enable <= wd[0];
        `SPISYNC_REG_RING_CONS:     ring_cons <= wd;
        `SPISYNC_REG_EVENT_HOLDOFF_NS_LO: ev_holdoff_ns[31:0]  <= wd;
        `SPISYNC_REG_EVENT_HOLDOFF_NS_HI: ev_holdoff_ns[63:32] <= wd;
        `SPISYNC_REG_EVENT_TOKEN_NS:      ev_token_ns <= wd;
        `SPISYNC_REG_EVENT_TOKEN_BURST:   ev_token_burst <= (wd == 32'd0) ? 32'd1 : wd;
        `SPISYNC_REG_BURST_INTERVAL_NS_LO: burst_interval_ns[31:0]  <= wd;
        `SPISYNC_REG_BURST_INTERVAL_NS_HI: burst_interval_ns[63:32] <= wd;
        `SPISYNC_REG_AUTH_FAIL_BURST:     auth_fail_burst <= wd;
        `SPISYNC_REG_REPLAY_BURST:        replay_burst <= wd;
        default: ;
        endcase
    end
    if (s_axil_bvalid && s_axil_bready) begin
        s_axil_bvalid <= 1'b0;
    end

    if (sa_wr_en) begin
        gen_of[sa_wr_index[GEN_W-1:0]] <= sa_stage[0][`SPISYNC_SA_GEN_LSB +: 8];
    end

    // per-SA counters: the record arrives the clock after st_rd_en
    if (st_rd_en) begin
        stats_gen <= gen_of[st_rd_index[GEN_W-1:0]];
    end
    if (stats_pending && !st_rd_en) begin
        stats_pending <= 1'b0;
        stats_done    <= 1'b1;
        if (st_rd_data[`SPISYNC_ST_W-1 -: 8] == stats_gen) begin
            stats_packets   <= st_rd_data[255:192];
            stats_bytes     <= st_rd_data[191:128];
            stats_auth_fail <= st_rd_data[127:64];
            stats_replay    <= st_rd_data[63:0];
        end else begin
            stats_packets   <= 64'd0;
            stats_bytes     <= 64'd0;
            stats_auth_fail <= 64'd0;
            stats_replay    <= 64'd0;
        end
    end

    if (time_adjust) begin
        time_op <= {wd, time_adj_lo, 24'd0} + {56'd0, time_inc};
    end else if (wr_go && wa == `SPISYNC_REG_TIME_INC) begin
        time_op <= {56'd0, wd};
    end else begin
        time_op <= {56'd0, time_inc};
    end
    time_acc   <= time_acc_next;
    if (wr_go && wa == `SPISYNC_REG_EVENT_LOST_NS) begin
        ev_lost_ns <= wd;
    end

    if (rst) begin
        s_axil_bvalid <= 1'b0;
        sa_wr_en      <= 1'b0;
        tag_wr_en     <= 1'b0;
        st_rd_en      <= 1'b0;
        stats_pending <= 1'b0;
        stats_done    <= 1'b0;
        time_acc      <= 88'd0;
        time_op       <= {56'd0, TIME_INC_RESET[31:0]};
        time_inc      <= TIME_INC_RESET[31:0];
        time_adj_lo   <= 32'd0;
        fw_ev_spi     <= 32'd0;
        tag_spi       <= 32'd0;
        tag_index     <= 32'd0;
        ring_base     <= 64'd0;
        ring_size_log2 <= 5'd1;
        ring_enable   <= 1'b0;
        ring_cons     <= 32'd0;
        ev_holdoff_ns <= HOLDOFF_RESET;
        ev_token_ns   <= TOKEN_NS_RESET;
        ev_token_burst <= TOKEN_BURST_RESET;
        ev_lost_ns    <= LOST_NS_RESET;
        burst_interval_ns <= BURST_INTERVAL_RESET;
        auth_fail_burst <= AUTH_FAIL_BURST_RESET;
        replay_burst  <= REPLAY_BURST_RESET;
        for (i = 0; i < SA_WORDS; i = i + 1) begin
            sa_stage[i] <= 32'd0;
        end
        for (i = 0; i < MBOX_WORDS; i = i + 1) begin
            mbox[i] <= 32'd0;
        end
    end
end

wire unused_st = &{st_rd_data[`SPISYNC_ST_W-9:256], cnt_off[ADDR_W-1:11], cnt_off[1:0],
                   stage_off[ADDR_W-1:7], stage_off[1:0], w_stage_off[ADDR_W-1:7], w_stage_off[1:0],
                   mbox_off[ADDR_W-1:8], mbox_off[1:0], w_mbox_off[ADDR_W-1:8], w_mbox_off[1:0],
                   hist_off[ADDR_W-1:6], hist_off[1:0]};

// ---------------------------------------------------------------------------
// reads
// ---------------------------------------------------------------------------
assign s_axil_arready = !s_axil_rvalid;
wire rd_go = s_axil_arvalid && s_axil_arready;
wire [ADDR_W-1:0] ra = {s_axil_araddr[ADDR_W-1:2], 2'b00};

wire in_counters = ra >= `SPISYNC_REG_COUNTERS && ra < CNT_END;
wire [ADDR_W-1:0] cnt_off = ra - `SPISYNC_REG_COUNTERS;
assign cnt_rd_index = cnt_off[10:3];
wire in_stage = ra >= `SPISYNC_REG_SA_STAGE && ra < STAGE_END;
wire [ADDR_W-1:0] stage_off = ra - `SPISYNC_REG_SA_STAGE;
wire in_mbox = ra >= `SPISYNC_REG_MBOX && ra < MBOX_END;
wire [ADDR_W-1:0] mbox_off = ra - `SPISYNC_REG_MBOX;
wire in_hist = ra >= `SPISYNC_REG_EVENT_HIST_DATA && ra < HIST_END;
wire [ADDR_W-1:0] hist_off = ra - `SPISYNC_REG_EVENT_HIST_DATA;

reg [31:0] rd;
always @* begin
    rd = 32'd0;
    if (in_counters) begin
        rd = cnt_off[2] ? cnt_rd_value[63:32] : cnt_rd_value[31:0];
    end else if (in_stage) begin
        rd = sa_stage[stage_off[6:2]];
    end else if (in_mbox) begin
        rd = mbox[mbox_off[7:2]];
    end else if (in_hist) begin
        rd = hist_rec[{hist_off[5:2], 5'd0} +: 32];
    end else begin
        case (ra)
        `SPISYNC_REG_ID:                rd = `SPISYNC_MAGIC;
        `SPISYNC_REG_VERSION:           rd = `SPISYNC_VERSION;
        `SPISYNC_REG_CAP_DATA_WIDTH:    rd = DATA_WIDTH;
        `SPISYNC_REG_CAP_SA_ENTRIES:    rd = SA_ENTRIES;
        `SPISYNC_REG_CAP_TAG_BUCKETS:   rd = TAG_BUCKETS;
        `SPISYNC_REG_CAP_REASONS:       rd = `SPISYNC_NUM_REASONS;
        `SPISYNC_REG_CAP_REPLAY_WINDOW: rd = `SPISYNC_REPLAY_W;
        `SPISYNC_REG_STATUS:            rd = {31'd0, ready};
        `SPISYNC_REG_TIME_NS_LO:        rd = time_ns[31:0];
        `SPISYNC_REG_TIME_NS_HI:        rd = time_hi_latch;
        `SPISYNC_REG_TIME_INC:          rd = time_inc;
        `SPISYNC_REG_TAG_SPI:           rd = tag_spi;
        `SPISYNC_REG_TAG_INDEX:         rd = tag_index;
        `SPISYNC_REG_SA_STATS_STATUS:   rd = {31'd0, stats_done};
        `SPISYNC_REG_CAP_FLOW_ENTRIES:  rd = FLOW_ENTRIES_32;
        `SPISYNC_REG_CAP_RING_MAX_LOG2: rd = RING_LOG2_MAX_32;
        `SPISYNC_REG_CAP_EVENT_HIST:    rd = EVENT_HIST_32;
        `SPISYNC_REG_EVENT_HIST_COUNT:  rd = hist_count;
        `SPISYNC_REG_FW_EVENT_SPI:      rd = fw_ev_spi;
        `SPISYNC_REG_FW_EVENT_STATUS:   rd = {fw_ev_ignored, 15'd0, fw_ev_busy};
        `SPISYNC_REG_EVENTS_LOST_LO:    rd = events_lost[31:0];
        `SPISYNC_REG_EVENTS_LOST_HI:    rd = lost_hi_latch;
        `SPISYNC_REG_EVENTS_WRITTEN_LO: rd = events_written[31:0];
        `SPISYNC_REG_EVENTS_WRITTEN_HI: rd = written_hi_latch;
        `SPISYNC_REG_FLOW_SUPPRESSED_LO: rd = flow_suppressed[31:0];
        `SPISYNC_REG_FLOW_SUPPRESSED_HI: rd = suppressed_hi_latch;
        `SPISYNC_REG_FLOW_PENDING_LO:   rd = flow_pending[31:0];
        `SPISYNC_REG_FLOW_PENDING_HI:   rd = pending_hi_latch;
        `SPISYNC_REG_RING_BASE_LO:      rd = ring_base[31:0];
        `SPISYNC_REG_RING_BASE_HI:      rd = ring_base[63:32];
        `SPISYNC_REG_RING_SIZE_LOG2:    rd = {27'd0, ring_size_log2};
        `SPISYNC_REG_RING_CTRL:         rd = {31'd0, ring_enable};
        `SPISYNC_REG_RING_CONS:         rd = ring_cons;
        `SPISYNC_REG_RING_PROD:         rd = ring_prod;
        `SPISYNC_REG_RING_STATUS:       rd = {27'd0, ring_status};
        `SPISYNC_REG_RING_WRITE_ERRORS: rd = ring_write_errors;
        `SPISYNC_REG_EVENT_HOLDOFF_NS_LO: rd = ev_holdoff_ns[31:0];
        `SPISYNC_REG_EVENT_HOLDOFF_NS_HI: rd = ev_holdoff_ns[63:32];
        `SPISYNC_REG_EVENT_TOKEN_NS:    rd = ev_token_ns;
        `SPISYNC_REG_EVENT_TOKEN_BURST: rd = ev_token_burst;
        `SPISYNC_REG_EVENT_LOST_NS:     rd = ev_lost_ns;
        `SPISYNC_REG_BURST_INTERVAL_NS_LO: rd = burst_interval_ns[31:0];
        `SPISYNC_REG_BURST_INTERVAL_NS_HI: rd = burst_interval_ns[63:32];
        `SPISYNC_REG_AUTH_FAIL_BURST:   rd = auth_fail_burst;
        `SPISYNC_REG_REPLAY_BURST:      rd = replay_burst;
        `SPISYNC_REG_SA_STATS_PACKETS_LO:   rd = stats_packets[31:0];
        `SPISYNC_REG_SA_STATS_PACKETS_HI:   rd = stats_packets[63:32];
        `SPISYNC_REG_SA_STATS_BYTES_LO:     rd = stats_bytes[31:0];
        `SPISYNC_REG_SA_STATS_BYTES_HI:     rd = stats_bytes[63:32];
        `SPISYNC_REG_SA_STATS_AUTH_FAIL_LO: rd = stats_auth_fail[31:0];
        `SPISYNC_REG_SA_STATS_AUTH_FAIL_HI: rd = stats_auth_fail[63:32];
        `SPISYNC_REG_SA_STATS_REPLAY_LO:    rd = stats_replay[31:0];
        `SPISYNC_REG_SA_STATS_REPLAY_HI:    rd = stats_replay[63:32];
        default: rd = 32'd0;
        endcase
    end
end

reg [31:0] lost_hi_latch, written_hi_latch, suppressed_hi_latch, pending_hi_latch;
always @(posedge clk) begin
    if (rd_go) begin
        s_axil_rvalid <= 1'b1;
        s_axil_rdata  <= rd;
        // reading a low word latches its high word: a torn 64-bit read is impossible
        if (ra == `SPISYNC_REG_TIME_NS_LO) begin
            time_hi_latch <= time_ns[63:32];
        end
        if (ra == `SPISYNC_REG_EVENTS_LOST_LO) begin
            lost_hi_latch <= events_lost[63:32];
        end
        if (ra == `SPISYNC_REG_EVENTS_WRITTEN_LO) begin
            written_hi_latch <= events_written[63:32];
        end
        if (ra == `SPISYNC_REG_FLOW_SUPPRESSED_LO) begin
            suppressed_hi_latch <= flow_suppressed[63:32];
        end
        if (ra == `SPISYNC_REG_FLOW_PENDING_LO) begin
            pending_hi_latch <= flow_pending[63:32];
        end
    end
    if (s_axil_rvalid && s_axil_rready) begin
        s_axil_rvalid <= 1'b0;
    end
    if (rst) begin
        s_axil_rvalid <= 1'b0;
        time_hi_latch <= 32'd0;
        lost_hi_latch <= 32'd0;
        written_hi_latch <= 32'd0;
        suppressed_hi_latch <= 32'd0;
        pending_hi_latch <= 32'd0;
    end
end

endmodule

`resetall
