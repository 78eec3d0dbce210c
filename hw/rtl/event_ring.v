// spisync -- event ring writer: 64-byte event records into a power-of-two
// ring in host memory, NVMe completion queue style (docs/register-map.md,
// RING_* registers and "Event record").
//
// Each record is one single-beat INCR write of 64 bytes to
//   base + (slot mod size) * 64
// where slot counts the records taken for this ring since it was enabled.
// FLAGS bit 0 (PHASE) of the record is overwritten with ~slot[size_log2]:
// 1 on the first lap, inverted on every lap, so the host finds new records
// by their phase and never needs to read a producer index.
//
// Flow control: the host returns space by writing RING_CONS (records it has
// consumed, free running). A record is taken only when
//   slot - cons < size,
// so a slot the host has not consumed is never written. cons is ring_cons as
// it was two clocks before: the 32-bit subtract and the compares against
// the size are pipelined (see below), so s_rec_ready and the take come from
// registers through a mux (timing). A host only ever raises RING_CONS, so
// seeing it late is safe. A difference above size (cons ahead of the
// producer, or more than a ring behind) is a bad cons: sticky st_bad_cons,
// and no record is taken while it lasts. st_full: slot - cons = size.
//
// Records in flight (taken, not yet answered with B) live in a small memory
// of MAX_OUTSTANDING entries with four pointers: taken, AW loaded, W loaded,
// answered. AW and W have their own output registers, loaded independently
// from it, so either channel may run ahead of the other; valid never depends
// on ready in the same clock and holds until its handshake. B responses come
// in order (one AXI ID), so the oldest entry is the one answered; an error
// answer reports that entry on lost_* (with the phase as written).
// At most MAX_OUTSTANDING records are between taken and answered, which
// bounds AW issued without B; one record per clock flows while the round
// trip (taken -> B) stays under MAX_OUTSTANDING clocks.
//
// Enable: a 0->1 edge of ring_enable starts a new ring (slot and prod 0,
// sticky bits cleared, base and size sampled and held for the ring's life),
// once no write of the previous ring is outstanding; until then s_rec_ready
// is 0. st_enabled rises the clock after the start; the first record is
// taken three clocks after it at the earliest (the space pipeline refills).
// Disabled (also after reset): each record is discarded and reported on
// lost_* the next clock. Writes outstanding when enable falls still finish
// (records already taken are still written, their B counted); meanwhile
// s_rec_ready is 0 and st_busy 1, so a discard report never meets a B error
// report and lost_* carries one record per clock with nothing dropped. The
// host must wait for st_busy = 0 before reusing the ring's memory.
//
// ring_prod counts AW handshakes of this ring (records issued). It may trail
// the slot count by the few records waiting in the AW register.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module event_ring #(
    parameter integer ADDR_W          = 64,    // 7..64
    parameter integer SIZE_LOG2_MAX   = 20,    // largest ring: 2^SIZE_LOG2_MAX records, 1..31
    parameter integer MAX_OUTSTANDING = 16     // records taken without B yet, >= 1
) (
    input  wire               clk,
    input  wire               rst,

    // records in: byte 0 in bits 7:0; FLAGS bit 0 (phase) is overwritten here
    input  wire [511:0]       s_rec_data,
    input  wire               s_rec_valid,
    output wire               s_rec_ready,

    // configuration and status (card_regs)
    input  wire [63:0]        ring_base,       // bits 5:0 ignored
    input  wire [4:0]         ring_size_log2,  // 0 counts as 1, above SIZE_LOG2_MAX as SIZE_LOG2_MAX
    input  wire               ring_enable,     // level; a 0->1 edge starts a new ring
    input  wire [31:0]        ring_cons,       // records the host consumed, free running
    output wire [31:0]        ring_prod,       // records issued (AW sent), free running
    output wire               st_enabled,
    output wire               st_full,
    output wire               st_bad_cons,
    output wire               st_write_error,
    output wire               st_busy,
    output reg  [31:0]        write_errors,    // since reset, modulo 2^32
    output reg                written_pulse,   // one record's write answered OKAY

    // records that did not reach the ring: discarded while disabled, or
    // answered with SLVERR/DECERR
    output reg                lost_valid,
    output reg  [511:0]       lost_data,

    // AXI4 master, write channels only
    output wire [ADDR_W-1:0]  m_axi_awaddr,
    output wire [7:0]         m_axi_awlen,
    output wire [2:0]         m_axi_awsize,
    output wire [1:0]         m_axi_awburst,
    output wire [3:0]         m_axi_awcache,
    output wire [2:0]         m_axi_awprot,
    output wire               m_axi_awvalid,
    input  wire               m_axi_awready,
    output wire [511:0]       m_axi_wdata,
    output wire [63:0]        m_axi_wstrb,
    output wire               m_axi_wlast,
    output wire               m_axi_wvalid,
    input  wire               m_axi_wready,
    input  wire [1:0]         m_axi_bresp,
    input  wire               m_axi_bvalid,
    output wire               m_axi_bready
);

localparam integer IDX_W     = (MAX_OUTSTANDING > 1) ? $clog2(MAX_OUTSTANDING) : 1;
localparam integer DEPTH     = 1 << IDX_W;
localparam integer CNT_W     = $clog2(MAX_OUTSTANDING + 1);
localparam integer SZ_W      = SIZE_LOG2_MAX;          // slot bits that address the ring
localparam integer PHASE_POS = `SPISYNC_EVF_FLAGS_OFF * 8 + `SPISYNC_EV_FLAG_PHASE_BIT;

localparam [4:0]       SZ_MAX   = SIZE_LOG2_MAX[4:0];
localparam [CNT_W-1:0] OUT_MAX  = MAX_OUTSTANDING[CNT_W-1:0];
localparam [511:0]     PHASE_M  = 512'd1 << PHASE_POS;

// ---------------------------------------------------------------------------
// ring state
// ---------------------------------------------------------------------------
reg               enabled;
reg  [63:6]       base_q;
reg  [63:SZ_W+6]  base_hi_p1;    // base_q's bits above the ring offset, plus one
reg  [31:0]       size_q;        // 2^size_log2
reg  [31:0]       mask_q;        // 2^size_log2 - 1
reg  [31:0]       slot;          // records taken for this ring
reg  [31:0]       prod_q;        // AW handshakes of this ring
reg               bad_q;
reg               werr_q;

// in-flight memory and its pointers
reg  [511:0]      infl_mem [0:DEPTH-1];
reg  [IDX_W-1:0]  wr_idx;        // next entry taken
reg  [IDX_W-1:0]  w_idx;         // next entry loaded into the W register
reg  [IDX_W-1:0]  b_idx;         // oldest entry not answered
reg  [CNT_W-1:0]  infl_cnt;      // taken, not answered
reg  [CNT_W-1:0]  aw_pend;       // taken, not loaded into the AW register
reg  [CNT_W-1:0]  w_pend;        // taken, not loaded into the W register
reg  [SZ_W-1:0]   aw_slot;       // ring index (slot mod size) of the next AW load

// AXI output registers
reg               awvalid_q;
reg  [63:0]       awaddr_q;
reg               wvalid_q;
reg  [511:0]      wdata_q;

wire [4:0]  sz_in   = (ring_size_log2 == 5'd0) ? 5'd1 :
                     (ring_size_log2 >= SZ_MAX) ? SZ_MAX : ring_size_log2;
wire [31:0] size_in = 32'd1 << sz_in;
wire [31:0] mask_in = size_in - 32'd1;

wire idle    = infl_cnt == {CNT_W{1'b0}};
wire start   = ring_enable && !enabled && idle;
wire ring_on = enabled && ring_enable;

// Ring space, pipelined (timing): u_q = slot - ring_cons, one clock old.
// The next clock's slot is u_q + tk_q + take ahead of that cons (tk_q: a
// record was taken last clock), so the next clock's flags are one of three
// candidates computed from registers only (m = size - 1, an odd number):
//   j = 0:  u < size     <=> (u & ~m) == 0             u == size
//   j = 1:  u + 1 < size <=> u < m, or u + 1 wraps      u + 1 == size <=> u == m
//   j = 2:  u + 2 < size <=> u < m - 1, or u + 2 wraps  u + 2 == size <=> u == m ^ 1
// and over (a bad cons) is neither. The ring thus acts on ring_cons as it
// was two clocks before. u_q is stale for two clocks after a start: the
// flags stay 0 (nothing taken, not full, not bad) until it is current.
reg  [31:0] u_q;
reg         tk_q;
reg         start_q;     // start was last clock
reg         space_q;     // slot - cons < size
reg         full_q;      //               == size
reg         over_q;      //               > size (bad cons)

wire [31:0] u_lo  = u_q & mask_q;
wire        lt0   = (u_q & ~mask_q) == 32'd0;
wire        lo_m  = u_lo == mask_q;
wire        lo_m1 = u_lo == (mask_q ^ 32'd1);
wire        neg1  = u_q == 32'hffff_ffff;
wire        neg2  = u_q == 32'hffff_fffe;
wire        lt1   = (lt0 && !lo_m) || neg1;
wire        lt2   = (lt0 && !lo_m && !lo_m1) || neg1 || neg2;
wire        eq0   = u_q == size_q;
wire        eq1   = lt0 && lo_m;
wire        eq2   = lt0 && lo_m1;

wire room    = infl_cnt < OUT_MAX;
wire take    = s_rec_valid && ring_on && room && space_q;
wire discard = s_rec_valid && !ring_enable && idle;

assign s_rec_ready = ring_on ? (room && space_q) : (!ring_enable && idle);

// j = tk_q + take selects the candidate
wire next_lt = (tk_q && take) ? lt2 : (tk_q || take) ? lt1 : lt0;
wire next_eq = (tk_q && take) ? eq2 : (tk_q || take) ? eq1 : eq0;

wire phase = ~|(slot & size_q);
wire [511:0] rec_phased = (s_rec_data & ~PHASE_M) | (phase ? PHASE_M : 512'd0);

wire aw_load = (aw_pend != {CNT_W{1'b0}}) && (!awvalid_q || m_axi_awready);
wire w_load  = (w_pend != {CNT_W{1'b0}}) && (!wvalid_q || m_axi_wready);
wire aw_hs   = awvalid_q && m_axi_awready;
wire b_hs    = m_axi_bvalid && !idle;
wire b_err   = b_hs && m_axi_bresp[1];    // SLVERR or DECERR

wire [CNT_W-1:0] one_c = {{(CNT_W-1){1'b0}}, 1'b1};

// base + index * 64: the index has SZ_W bits, so only those of the base are
// added; the bits above take the carry from base_hi_p1 (timing)
wire [SZ_W:0]     off_sum   = {1'b0, base_q[SZ_W+5:6]} + {1'b0, aw_slot};
wire [63:SZ_W+6]  addr_hi   = off_sum[SZ_W] ? base_hi_p1 : base_q[63:SZ_W+6];
wire [63:0]       slot_addr = {addr_hi, off_sum[SZ_W-1:0], 6'd0};

always @(posedge clk) begin
    if (take) begin
        infl_mem[wr_idx] <= rec_phased;
    end
end

always @(posedge clk) begin
    // configuration and status
    if (start) begin
        enabled    <= 1'b1;
        base_q     <= ring_base[63:6];
        base_hi_p1 <= ring_base[63:SZ_W+6] + 1'b1;
        size_q     <= size_in;
        mask_q     <= mask_in;
        bad_q      <= 1'b0;
        werr_q     <= 1'b0;
    end else begin
        if (!ring_enable) begin
            enabled <= 1'b0;
        end
        if (ring_on && over_q) begin
            bad_q <= 1'b1;
        end
        if (b_err) begin
            werr_q <= 1'b1;
        end
    end

    u_q     <= slot - ring_cons;
    tk_q    <= take;
    start_q <= start;
    if (start || start_q) begin
        space_q <= 1'b0;
        full_q  <= 1'b0;
        over_q  <= 1'b0;
    end else begin
        space_q <= next_lt;
        full_q  <= next_eq;
        over_q  <= !next_lt && !next_eq;
    end

    // taking records
    if (start) begin
        slot <= 32'd0;
    end else if (take) begin
        slot <= slot + 32'd1;
    end
    if (take) begin
        wr_idx <= wr_idx + 1'b1;
    end
    infl_cnt <= infl_cnt + (take ? one_c : {CNT_W{1'b0}}) - (b_hs ? one_c : {CNT_W{1'b0}});
    aw_pend  <= aw_pend + (take ? one_c : {CNT_W{1'b0}}) - (aw_load ? one_c : {CNT_W{1'b0}});
    w_pend   <= w_pend + (take ? one_c : {CNT_W{1'b0}}) - (w_load ? one_c : {CNT_W{1'b0}});

    // AW channel
    if (start) begin
        aw_slot <= {SZ_W{1'b0}};
    end else if (aw_load) begin
        aw_slot <= (aw_slot + 1'b1) & mask_q[SZ_W-1:0];
    end
    if (aw_load) begin
        awvalid_q <= 1'b1;
        awaddr_q  <= slot_addr;
    end else if (m_axi_awready) begin
        awvalid_q <= 1'b0;
    end
    if (start) begin
        prod_q <= 32'd0;
    end else if (aw_hs) begin
        prod_q <= prod_q + 32'd1;
    end

    // W channel
    if (w_load) begin
        wvalid_q <= 1'b1;
        wdata_q  <= infl_mem[w_idx];
        w_idx    <= w_idx + 1'b1;
    end else if (m_axi_wready) begin
        wvalid_q <= 1'b0;
    end

    // B channel and the lost report (discard needs idle, B needs !idle)
    written_pulse <= b_hs && !m_axi_bresp[1];
    lost_valid    <= b_err || discard;
    if (b_hs) begin
        b_idx <= b_idx + 1'b1;
    end
    if (b_err) begin
        write_errors <= write_errors + 32'd1;
        lost_data    <= infl_mem[b_idx];
    end else if (discard) begin
        lost_data    <= s_rec_data;
    end

    if (rst) begin
        enabled       <= 1'b0;
        bad_q         <= 1'b0;
        werr_q        <= 1'b0;
        slot          <= 32'd0;
        prod_q        <= 32'd0;
        size_q        <= 32'd2;
        mask_q        <= 32'd1;
        tk_q          <= 1'b0;
        start_q       <= 1'b0;
        space_q       <= 1'b0;
        full_q        <= 1'b0;
        over_q        <= 1'b0;
        wr_idx        <= {IDX_W{1'b0}};
        w_idx         <= {IDX_W{1'b0}};
        b_idx         <= {IDX_W{1'b0}};
        infl_cnt      <= {CNT_W{1'b0}};
        aw_pend       <= {CNT_W{1'b0}};
        w_pend        <= {CNT_W{1'b0}};
        aw_slot       <= {SZ_W{1'b0}};
        awvalid_q     <= 1'b0;
        wvalid_q      <= 1'b0;
        write_errors  <= 32'd0;
        written_pulse <= 1'b0;
        lost_valid    <= 1'b0;
    end
end

// base bits below 64 bytes; EXOKAY (not asked for) counts as OKAY
wire unused_bits = &{1'b0, ring_base[5:0], m_axi_bresp[0]};

generate
    if (ADDR_W < 64) begin : g_addr_narrow
        wire unused_addr = &{1'b0, awaddr_q[63:ADDR_W]};
    end
endgenerate

assign ring_prod      = prod_q;
assign st_enabled     = enabled;
assign st_full        = enabled && full_q;
assign st_bad_cons    = bad_q;
assign st_write_error = werr_q;
assign st_busy        = !idle;

assign m_axi_awaddr   = awaddr_q[ADDR_W-1:0];
assign m_axi_awlen    = 8'd0;
assign m_axi_awsize   = 3'd6;
assign m_axi_awburst  = 2'b01;
assign m_axi_awcache  = 4'b0011;
assign m_axi_awprot   = 3'b000;
assign m_axi_awvalid  = awvalid_q;
assign m_axi_wdata    = wdata_q;
assign m_axi_wstrb    = {64{1'b1}};
assign m_axi_wlast    = 1'b1;
assign m_axi_wvalid   = wvalid_q;
assign m_axi_bready   = !idle;

endmodule

`resetall
