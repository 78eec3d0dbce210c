// spisync -- SA lookup: one lookup per clock, fixed latency.
//
// Finds the SA of an ESP frame and applies docs/datapath.md step 7: the SPI
// selects a tag slot through two cuckoo tag tables (docs/register-map.md
// "SA lookup tags"), the slot names an SA index, and the SA entry read there
// must be VALID and agree with the frame on SPI, IP version, destination
// (4 bytes for IPv4, 16 for IPv6), UDP encapsulation and, when encapsulated,
// the UDP destination port. The firmware (firmware/sa_table.c) places tags
// and entries through the two write ports.
//
// Pipeline (LATENCY = 9 clocks: a lookup presented in clock n comes out of
// the output registers in clock n + 9):
//   1  H3 hash of the SPI, one bucket address per table
//   2  tag RAMs read (one bucket of each table: 2 x TAG_WAYS slots)
//   3  tag register (the RAM output register: no logic behind the RAM)
//   4  per slot: SPI equal, in 16-bit halves
//   5  valid and both halves equal; first match (table 0 before 1, lower
//      way first) -> SA index
//   6  SA RAM read
//   7  SA register (the RAM output register)
//   8  field compares in 16-bit pieces
//   9  combine -> out_hit; out_entry is cleared through the registers'
//      synchronous reset when the lookup misses
// Every stage is at most about three LUT levels for a 322 MHz UltraScale+.
//
// Writes and lookups in the same clocks (the firmware never stops traffic):
// a write presented in clock c changes its RAM word at the end of clock c.
// A lookup presented in clock n reads the tag tables at the end of clock
// n + 1 and its SA entry at the end of clock n + 5, so it sees
//   * every tag write presented in clocks <= n, and
//   * every SA write presented in clocks <= n + 4;
// a write in the same clock as the read of the same word (tag write in
// n + 1, SA write in n + 5) is NOT seen: the read returns the old word
// (ram_sdp's read-first behaviour). Each write replaces one whole slot or
// one whole entry in one clock, so a lookup never sees half a write. The
// tag and the entry are read four clocks apart; step 7 re-checks the
// entry's own VALID and SPI, so an entry that changed in between cannot
// produce a hit for a different SA, and the firmware's write order
// (entry before tag on install; tag before entry on delete; 30+ register
// writes between the two) makes every lookup see the old or the new state.
//
// Writes to a bucket >= TAG_BUCKETS, a way >= TAG_WAYS or an index
// >= SA_ENTRIES are ignored, and a slot naming an index >= SA_ENTRIES is
// written invalid, so it never matches. RAM contents are not reset: the
// firmware clears both tables after reset (sa_table_init) before the
// datapath is enabled.
//
// out_index is the SA index when out_hit, else 16'hFFFF (SA_INDEX_NONE);
// with SA_ENTRIES = 65536 only out_hit tells the two apart.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module sa_lookup #(
    parameter integer SA_ENTRIES  = 4096,  // 1..65536
    parameter integer TAG_BUCKETS = 4096,  // per table, power of two, 2..65536
    parameter integer USER_W      = 1
) (
    input  wire                        clk,
    input  wire                        rst,

    // lookups: one per clock, fixed latency
    input  wire                        in_valid,
    input  wire [31:0]                 in_spi,
    input  wire                        in_ipv6,
    input  wire                        in_udp,
    input  wire [15:0]                 in_dport,
    input  wire [127:0]                in_dst,     // wire order, IPv4 in bytes 0..3
    input  wire [USER_W-1:0]           in_user,

    output reg                         out_valid,
    output reg                         out_hit,    // docs/datapath.md step 7 passed
    output reg  [15:0]                 out_index,
    output reg  [`SPISYNC_SA_BITS-1:0] out_entry,  // all zero when !out_hit
    output reg  [USER_W-1:0]           out_user,

    // control writes, each takes effect in one clock
    input  wire                        sa_wr_en,
    input  wire [15:0]                 sa_wr_index,
    input  wire [`SPISYNC_SA_BITS-1:0] sa_wr_data,
    input  wire                        tag_wr_en,
    input  wire                        tag_wr_table,
    input  wire [7:0]                  tag_wr_way,
    input  wire [15:0]                 tag_wr_bucket,
    input  wire [31:0]                 tag_wr_spi,
    input  wire                        tag_wr_valid,
    input  wire [15:0]                 tag_wr_index
);

localparam integer LATENCY   = 9;
localparam integer WAYS      = `SPISYNC_TAG_WAYS;
localparam integer SLOTS     = 2 * WAYS;              // slot k = table * WAYS + way
localparam integer SLOT_W    = `SPISYNC_TAG_SLOT_BITS; // {valid, spi[31:0], index[15:0]}
localparam integer BUCKET_W  = (TAG_BUCKETS > 1) ? $clog2(TAG_BUCKETS) : 1;
localparam integer SA_ADDR_W = (SA_ENTRIES > 1) ? $clog2(SA_ENTRIES) : 1;
localparam integer SA_W      = `SPISYNC_SA_BITS;
localparam integer CMP_W     = 16;                    // field compares in pieces of this width
localparam integer DST_PIECES = 128 / CMP_W;
localparam integer V4_PIECES  = 32 / CMP_W;           // IPv4: DST bytes 0..3 only

localparam [16:0] SA_ENTRIES_C  = SA_ENTRIES[16:0];
localparam [16:0] TAG_BUCKETS_C = TAG_BUCKETS[16:0];
localparam [8:0]  WAYS_C        = WAYS[8:0];

// the tag slot layout inside a RAM word
localparam integer SLOT_INDEX_LSB = 0;
localparam integer SLOT_SPI_LSB   = 16;
localparam integer SLOT_VALID     = 48;

// ---------------------------------------------------------------------------
// writes
// ---------------------------------------------------------------------------
wire tag_wr_ok = tag_wr_en && ({1'b0, tag_wr_bucket} < TAG_BUCKETS_C) &&
                 ({1'b0, tag_wr_way} < WAYS_C);
wire sa_wr_ok  = sa_wr_en && ({1'b0, sa_wr_index} < SA_ENTRIES_C);
// a slot naming an index >= SA_ENTRIES is stored invalid: the range check
// stays off the lookup path
wire tag_wr_index_ok = {1'b0, tag_wr_index} < SA_ENTRIES_C;
wire [SLOT_W-1:0] tag_wr_slot = {tag_wr_valid && tag_wr_index_ok, tag_wr_spi, tag_wr_index};
wire [1:0] tag_wr_table_sel = tag_wr_table ? 2'b10 : 2'b01;

// ---------------------------------------------------------------------------
// lookup valid per stage: vld[i] belongs to stage i + 1, out_valid to LATENCY
// ---------------------------------------------------------------------------
reg [LATENCY-2:0] vld;

always @(posedge clk) begin
    vld <= {vld[LATENCY-3:0], in_valid};
    if (rst) begin
        vld <= {(LATENCY-1){1'b0}};
    end
end

// ---------------------------------------------------------------------------
// stage 1: hash
// ---------------------------------------------------------------------------
wire [BUCKET_W-1:0] hash0;
wire [BUCKET_W-1:0] hash1;

h3_hash #(
    .ROWS(`SPISYNC_TAG_HASH0),
    .OUT_W(BUCKET_W)
) u_hash0 (
    .key(in_spi),
    .hash(hash0)
);

h3_hash #(
    .ROWS(`SPISYNC_TAG_HASH1),
    .OUT_W(BUCKET_W)
) u_hash1 (
    .key(in_spi),
    .hash(hash1)
);

reg [BUCKET_W-1:0] h_bucket0;
reg [BUCKET_W-1:0] h_bucket1;
reg [31:0]         h_spi;
reg                h_ipv6;
reg                h_udp;
reg [15:0]         h_dport;
reg [127:0]        h_dst;
reg [USER_W-1:0]   h_user;

always @(posedge clk) begin
    h_bucket0 <= hash0;
    h_bucket1 <= hash1;
    h_spi     <= in_spi;
    h_ipv6    <= in_ipv6;
    h_udp     <= in_udp;
    h_dport   <= in_dport;
    h_dst     <= in_dst;
    h_user    <= in_user;
end

// ---------------------------------------------------------------------------
// stage 2: tag RAMs, one per (table, way) so a write replaces one slot
// without a read-modify-write; the WAYS RAMs of a table share the address,
// so one bucket is read per table per clock.
// ---------------------------------------------------------------------------
wire [SLOTS*SLOT_W-1:0] tag_q;

genvar gt, gw;
generate
    for (gt = 0; gt < 2; gt = gt + 1) begin : g_table
        for (gw = 0; gw < WAYS; gw = gw + 1) begin : g_way
            localparam [7:0] WAY_ID = gw;
            ram_sdp #(
                .WIDTH(SLOT_W),
                .DEPTH(TAG_BUCKETS)
            ) u_tag (
                .clk(clk),
                .wr_en(tag_wr_ok && tag_wr_table_sel[gt] && tag_wr_way == WAY_ID),
                .wr_addr(tag_wr_bucket[BUCKET_W-1:0]),
                .wr_data(tag_wr_slot),
                .rd_en(vld[0]),
                .rd_addr(gt == 0 ? h_bucket0 : h_bucket1),
                .rd_data(tag_q[(gt*WAYS + gw)*SLOT_W +: SLOT_W])
            );
        end
    end
endgenerate

reg [31:0]         r_spi;
reg                r_ipv6;
reg                r_udp;
reg [15:0]         r_dport;
reg [127:0]        r_dst;
reg [USER_W-1:0]   r_user;

always @(posedge clk) begin
    r_spi   <= h_spi;
    r_ipv6  <= h_ipv6;
    r_udp   <= h_udp;
    r_dport <= h_dport;
    r_dst   <= h_dst;
    r_user  <= h_user;
end

// ---------------------------------------------------------------------------
// stage 3: tag register
// ---------------------------------------------------------------------------
reg [SLOTS*SLOT_W-1:0] t_slots;
reg [31:0]             t_spi;
reg                    t_ipv6;
reg                    t_udp;
reg [15:0]             t_dport;
reg [127:0]            t_dst;
reg [USER_W-1:0]       t_user;

always @(posedge clk) begin
    t_slots <= tag_q;
    t_spi   <= r_spi;
    t_ipv6  <= r_ipv6;
    t_udp   <= r_udp;
    t_dport <= r_dport;
    t_dst   <= r_dst;
    t_user  <= r_user;
end

// ---------------------------------------------------------------------------
// stage 4: slot compares in 16-bit halves (two LUT levels); the halves are
// combined in stage 5's pick
// ---------------------------------------------------------------------------
reg [SLOTS-1:0]    m_valid_slot;
reg [SLOTS-1:0]    m_spi_lo_eq;
reg [SLOTS-1:0]    m_spi_hi_eq;
reg [SLOTS*16-1:0] m_index;
reg [31:0]         m_spi;
reg                m_ipv6;
reg                m_udp;
reg [15:0]         m_dport;
reg [127:0]        m_dst;
reg [USER_W-1:0]   m_user;

genvar gk;
generate
    for (gk = 0; gk < SLOTS; gk = gk + 1) begin : g_slot
        wire [SLOT_W-1:0] slot = t_slots[gk*SLOT_W +: SLOT_W];
        always @(posedge clk) begin
            m_valid_slot[gk]     <= slot[SLOT_VALID];
            m_spi_lo_eq[gk]      <= slot[SLOT_SPI_LSB +: 16] == t_spi[15:0];
            m_spi_hi_eq[gk]      <= slot[SLOT_SPI_LSB + 16 +: 16] == t_spi[31:16];
            m_index[gk*16 +: 16] <= slot[SLOT_INDEX_LSB +: 16];
        end
    end
endgenerate

always @(posedge clk) begin
    m_spi   <= t_spi;
    m_ipv6  <= t_ipv6;
    m_udp   <= t_udp;
    m_dport <= t_dport;
    m_dst   <= t_dst;
    m_user  <= t_user;
end

// ---------------------------------------------------------------------------
// stage 5: first match -> SA index
// ---------------------------------------------------------------------------
wire [SLOTS-1:0] m_match = m_valid_slot & m_spi_lo_eq & m_spi_hi_eq;
reg        pick_hit;
reg [15:0] pick_index;
integer k;

always @* begin
    pick_hit   = 1'b0;
    pick_index = 16'd0;
    // downwards, so the lowest matching slot is assigned last and wins
    for (k = SLOTS - 1; k >= 0; k = k - 1) begin
        if (m_match[k]) begin
            pick_hit   = 1'b1;
            pick_index = m_index[k*16 +: 16];
        end
    end
end

reg                s_tag_hit;
reg [15:0]         s_index;
reg [31:0]         s_spi;
reg                s_ipv6;
reg                s_udp;
reg [15:0]         s_dport;
reg [127:0]        s_dst;
reg [USER_W-1:0]   s_user;

always @(posedge clk) begin
    s_tag_hit <= pick_hit;
    s_index   <= pick_index;
    s_spi     <= m_spi;
    s_ipv6    <= m_ipv6;
    s_udp     <= m_udp;
    s_dport   <= m_dport;
    s_dst     <= m_dst;
    s_user    <= m_user;
end

// ---------------------------------------------------------------------------
// stage 6: SA RAM
// ---------------------------------------------------------------------------
wire [SA_W-1:0] sa_q;

ram_sdp #(
    .WIDTH(SA_W),
    .DEPTH(SA_ENTRIES)
) u_sa (
    .clk(clk),
    .wr_en(sa_wr_ok),
    .wr_addr(sa_wr_index[SA_ADDR_W-1:0]),
    .wr_data(sa_wr_data),
    .rd_en(vld[4]),
    .rd_addr(s_index[SA_ADDR_W-1:0]),
    .rd_data(sa_q)
);

reg                e_tag_hit;
reg [15:0]         e_index;
reg [31:0]         e_spi;
reg                e_ipv6;
reg                e_udp;
reg [15:0]         e_dport;
reg [127:0]        e_dst;
reg [USER_W-1:0]   e_user;

always @(posedge clk) begin
    e_tag_hit <= s_tag_hit;
    e_index   <= s_index;
    e_spi     <= s_spi;
    e_ipv6    <= s_ipv6;
    e_udp     <= s_udp;
    e_dport   <= s_dport;
    e_dst     <= s_dst;
    e_user    <= s_user;
end

// ---------------------------------------------------------------------------
// stage 7: SA register
// ---------------------------------------------------------------------------
reg [SA_W-1:0]     f_entry;
reg                f_tag_hit;
reg [15:0]         f_index;
reg [31:0]         f_spi;
reg                f_ipv6;
reg                f_udp;
reg [15:0]         f_dport;
reg [127:0]        f_dst;
reg [USER_W-1:0]   f_user;

always @(posedge clk) begin
    f_entry   <= sa_q;
    f_tag_hit <= e_tag_hit;
    f_index   <= e_index;
    f_spi     <= e_spi;
    f_ipv6    <= e_ipv6;
    f_udp     <= e_udp;
    f_dport   <= e_dport;
    f_dst     <= e_dst;
    f_user    <= e_user;
end

// ---------------------------------------------------------------------------
// stage 8: field compares, 16 bits each (two LUT levels)
// ---------------------------------------------------------------------------
wire [127:0] f_entry_dst  = f_entry[`SPISYNC_SA_DST_LSB +: `SPISYNC_SA_DST_W];
wire [31:0]  f_entry_spi  = f_entry[`SPISYNC_SA_SPI_LSB +: `SPISYNC_SA_SPI_W];
wire [15:0]  f_entry_dport = f_entry[`SPISYNC_SA_DPORT_LSB +: `SPISYNC_SA_DPORT_W];
wire         f_entry_encap = f_entry[`SPISYNC_SA_UDP_ENCAP_LSB];

reg [SA_W-1:0]       c_entry;
reg                  c_pre_ok;     // lookup valid, tag hit, VALID, IPV6 and UDP_ENCAP agree
reg [1:0]            c_spi_eq;
reg [DST_PIECES-1:0] c_dst_eq;
reg                  c_dport_eq;
reg                  c_encap;
reg                  c_ipv6;
reg [15:0]           c_index;
reg [USER_W-1:0]     c_user;

genvar gp;
generate
    for (gp = 0; gp < DST_PIECES; gp = gp + 1) begin : g_dst
        always @(posedge clk) begin
            c_dst_eq[gp] <= f_entry_dst[gp*CMP_W +: CMP_W] == f_dst[gp*CMP_W +: CMP_W];
        end
    end
endgenerate

always @(posedge clk) begin
    c_entry    <= f_entry;
    c_pre_ok   <= vld[6] && f_tag_hit && f_entry[`SPISYNC_SA_VALID_LSB] &&
                  f_entry[`SPISYNC_SA_IPV6_LSB] == f_ipv6 && f_entry_encap == f_udp;
    c_spi_eq   <= {f_entry_spi[31:16] == f_spi[31:16], f_entry_spi[15:0] == f_spi[15:0]};
    c_dport_eq <= f_entry_dport == f_dport;
    c_encap    <= f_entry_encap;
    c_ipv6     <= f_ipv6;
    c_index    <= f_index;
    c_user     <= f_user;
end

// ---------------------------------------------------------------------------
// stage 9: verdict
// ---------------------------------------------------------------------------
wire hit = c_pre_ok && (&c_spi_eq) && (c_dport_eq || !c_encap) &&
           (&c_dst_eq[V4_PIECES-1:0]) && (!c_ipv6 || (&c_dst_eq[DST_PIECES-1:V4_PIECES]));

always @(posedge clk) begin
    out_valid <= vld[LATENCY-2];
    out_hit   <= hit;
    out_index <= hit ? c_index : 16'hFFFF;
    out_user  <= c_user;
    // a miss must not expose an entry (keys): cleared, through the FFs' reset
    if (hit) begin
        out_entry <= c_entry;
    end else begin
        out_entry <= {SA_W{1'b0}};
    end
    if (rst) begin
        out_valid <= 1'b0;
        out_hit   <= 1'b0;
    end
end

endmodule

`resetall
