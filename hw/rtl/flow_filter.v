// spisync -- the SA-miss flow filter: one candidate record per clock in,
// the records worth reporting out (docs/register-map.md "Event record").
//
// Every SA miss and reserved SPI makes a candidate record (TYPE SA_MISS or
// SPI_RESERVED, COUNT 0, TIME_NS the frame's card time). A stuck peer or an
// SPI spray at line rate makes one per clock; the filter turns a flow's
// misses into about one record per hold-off interval:
//   * flow key: the IPV6 flag, SRC, DST and SPI (IPv4 addresses fill bytes
//     0..3, the other 12 bytes are zero); ports, TYPE and the rest are not
//     part of it;
//   * a flow not in the table: reported at once with COUNT 0 and stored
//     with last = TIME_NS, count = 0;
//   * a stored flow with TIME_NS - last < holdoff_ns (unsigned 64-bit, so
//     card time may wrap): not reported, count + 1 (saturating at
//     2^32 - 1); holdoff_ns = 0 never suppresses;
//   * a stored flow with TIME_NS - last >= holdoff_ns: reported with COUNT
//     = its count; last = TIME_NS, count = 0.
// A stored way keeps the flow's TYPE, FLAGS.UDP, the port nibble FLAGS[7:4],
// SPORT and DPORT as of the flow's latest miss (they are not part of the
// key, so they can change from frame to frame).
//
// The table: SETS sets of 2 ways, the set picked by an H3 hash of the key
// (rows below). A new flow takes an invalid way of its set (way 0 first),
// else pushes out the way with the older `last`: the larger TIME_NS - last
// of the record being handled, way 0 on a tie. A pushed-out flow with
// count > 0 leaves as an eviction record in the same clock as the new
// flow's own (first-miss) record: TYPE, FLAGS (EVICTED set, PHASE 0), SPI,
// SRC, DST, SPORT, DPORT of the stored flow, TIME_NS of the record being
// handled, COUNT its count, FRAME_LEN, SEQ and RX_SEQ 0, SA_INDEX 0xFFFF.
// Flows whose keys collide in a set only push each other out sooner, which
// costs extra records; no miss is ever lost from the counts: every miss is
// reported at once, or counted in its flow's way until a record carries it
// (or saturation drops it, see `pending`).
//
// Counters (same clock as the outputs of the record that changes them):
//   suppressed_total  misses not reported at once;
//   pending           +1 per suppressed miss, - COUNT of every record that
//                     carries a stored count (own or eviction). It is
//                     suppressed_total minus the counts reported, so the
//                     host's books always balance; suppressions beyond a
//                     saturated count stay in it for good (until reset).
//
// Reset clears the table by writing every set once (SETS clocks after rst
// falls); `ready` is high when that is done. A record presented while
// ready is low is reported as it came (COUNT 0), nothing is stored and it
// changes no counter. Records presented in a clock with rst high, and
// those in the pipeline at a reset, are dropped.
//
// Timing: LATENCY = 8. A record presented with s_valid in clock t has its
// outputs (m_valid/m_rec, m_evict_valid/m_evict_rec, m_suppressed and the
// counters) in clock t + 8, records leave in input order, s_valid may be
// high in every clock and there is no back-pressure. holdoff_ns is sampled
// with the record (clock t).
//   1  H3 hash of the key -> set; the set is read from both way RAMs
//   2  RAM out; the record against the 4 records ahead of it (key equal in
//      16-bit pieces, TIME_NS differences, same set)
//   3  RAM register, patched with the writes the read missed (ahead by 5
//      and 6); key-equal reduced, hold-off and age compares between the
//      records ahead; which of those is the newest writer of this set
//   4  the stored ways against the record (key pieces, TIME_NS - last)
//   5  stored ways: match, expired, age order; the forwarding source of
//      the records 2..4 ahead pre-selected
//   6  decision (below)
//   7  the way's new contents (count + 1 saturating or 0, last) and the
//      eviction data from exact contents; written to the RAM in clock t + 7
//   8  outputs, counters
//
// Forwarding: a record reads its set in clock t + 1 but writes it in
// t + 7, so the records 1..6 clocks behind it ("later") must see its write
// before the RAM has it. Two mechanisms, so that nothing 289 bits wide sits
// in the one-clock loop of back-to-back records of one set:
//   * data: the way contents travel with the record from the RAM register
//     on and are patched in every stage with the write of that clock (the
//     record 5 (and 6), 4, 3, 2 and finally 1 clock ahead), so stage 7
//     works on exact contents (its count + 1 is the loop of back-to-back
//     suppressions, a 32-bit increment);
//   * decision: the compares of stages 4-5 see contents exact up to the
//     writes of records at least 5 clocks ahead. For the 4 closer ones each
//     decision leaves a descriptor of its set (hist1..3): per way, which
//     record 1..4 clocks earlier wrote the way last (kd) and which set its
//     `last` (ld), one-hot, aged one step every clock, 0 = earlier than
//     that, where the RAM compare is exact. The deciding record takes the
//     descriptor of the newest writer of its set ahead of it and uses, per
//     way, the compare it precomputed against that writer instead of the
//     RAM compare: key equal (a way a record writes holds its key),
//     hold-off over and age order (a `last` a record sets is its TIME_NS).
//     The loop is 16 descriptor bits through a 2:1 mux and the decision,
//     a few LUT levels.

// The H3 rows: row i (bits [16i+15:16i] of H3_ROWS) is the top 16 bits of
// the i-th output (i = 0, 1, ...) of splitmix64 seeded with
// 0x666C6F7766696C74 ("flowfilt"); the set is the XOR of the rows of the
// key's set bits, low log2(SETS) bits. Key bit i: SRC bit i (record bit
// order) for i < 128, DST bit i - 128, SPI bit i - 256 (the integer),
// i = 288 the IPV6 flag. tests/model/flow_ref.h holds the same rows.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module flow_filter #(
    parameter integer SETS = 512          // power of two, 2..65536
) (
    input  wire         clk,
    input  wire         rst,
    input  wire [63:0]  holdoff_ns,

    input  wire         s_valid,
    input  wire [511:0] s_rec,            // candidate record, byte i at [8i+7:8i]

    output reg          m_valid,          // the record's own report
    output reg  [511:0] m_rec,
    output reg          m_evict_valid,    // a pushed-out flow's count, same clock
    output reg  [511:0] m_evict_rec,
    output reg          m_suppressed,     // the record was counted, not reported
    output wire         ready,            // table cleared after reset
    output reg  [63:0]  suppressed_total,
    output reg  [63:0]  pending
);

localparam integer LATENCY = 8;
localparam integer WIN     = 4;            // decision forwarding window, clocks
localparam integer SET_W   = (SETS > 1) ? $clog2(SETS) : 1;
localparam integer REC_W   = `SPISYNC_EVENT_BYTES * 8;

// record fields: bit offsets and widths
localparam integer R_TYPE   = `SPISYNC_EVF_TYPE_OFF * 8;
localparam integer R_FLAGS  = `SPISYNC_EVF_FLAGS_OFF * 8;
localparam integer R_SPI    = `SPISYNC_EVF_SPI_OFF * 8;
localparam integer R_TIME   = `SPISYNC_EVF_TIME_NS_OFF * 8;
localparam integer R_SRC    = `SPISYNC_EVF_SRC_OFF * 8;
localparam integer R_DST    = `SPISYNC_EVF_DST_OFF * 8;
localparam integer R_SPORT  = `SPISYNC_EVF_SPORT_OFF * 8;
localparam integer R_DPORT  = `SPISYNC_EVF_DPORT_OFF * 8;
localparam integer R_COUNT  = `SPISYNC_EVF_COUNT_OFF * 8;
localparam integer R_SA_IDX = `SPISYNC_EVF_SA_INDEX_OFF * 8;
localparam integer TYPE_W   = `SPISYNC_EVF_TYPE_BYTES * 8;
localparam integer SPI_W    = `SPISYNC_EVF_SPI_BYTES * 8;
localparam integer TIME_W   = `SPISYNC_EVF_TIME_NS_BYTES * 8;
localparam integer ADDR_W   = `SPISYNC_EVF_SRC_BYTES * 8;
localparam integer PORT_W   = `SPISYNC_EVF_SPORT_BYTES * 8;
localparam integer COUNT_W  = `SPISYNC_EVF_COUNT_BYTES * 8;
localparam integer SA_IDX_W = `SPISYNC_EVF_SA_INDEX_BYTES * 8;
localparam integer F_IPV6   = R_FLAGS + `SPISYNC_EV_FLAG_IPV6_BIT;
localparam integer F_UDP    = R_FLAGS + `SPISYNC_EV_FLAG_UDP_BIT;
localparam integer F_EVICT  = R_FLAGS + `SPISYNC_EV_FLAG_EVICTED_BIT;
localparam integer F_PORT   = R_FLAGS + 4;  // FLAGS[7:4]: the ingress port

// the key {IPV6, SPI, DST, SRC} and the rest of a stored flow
localparam integer KEY_W   = 1 + SPI_W + 2 * ADDR_W;                 // 289
localparam integer INFO_W  = TYPE_W + 1 + 4 + 2 * PORT_W;            // TYPE, UDP, port, SPORT, DPORT
localparam integer PIECE   = 16;                                     // key compares in pieces
localparam integer NPIECE  = (KEY_W + PIECE - 1) / PIECE;
localparam integer KEYP_W  = NPIECE * PIECE;

// a way: {count, last, info, key, valid}
localparam integer W_VALID = 0;
localparam integer W_KEY   = 1;
localparam integer W_INFO  = W_KEY + KEY_W;
localparam integer W_LAST  = W_INFO + INFO_W;
localparam integer W_COUNT = W_LAST + TIME_W;
localparam integer WAY_W   = W_COUNT + COUNT_W;                      // 431

// decision descriptor of a set, per way: {ld, kd}, one-hot distance 1..WIN
// (bit i = i + 1 clocks back) of the way's newest writer (kd) and of the
// record that set its `last` (ld); way 1 in the upper half
localparam integer DESC_W = 4 * WIN;

localparam [1:0] ACT_INSERT   = 2'd0;   // not stored: take a way, report
localparam [1:0] ACT_REPORT   = 2'd1;   // stored, hold-off over: report count
localparam [1:0] ACT_SUPPRESS = 2'd2;   // stored, within hold-off: count

localparam [KEY_W*16-1:0] H3_ROWS = {
    16'h1eec,
    256'h2a3609781292c81ed3fb55f43afea27e9930e965753e3037d5e74027ee188e45,
    256'h165461d9ef77f86c41b80fe759c019229dcc7574ea7862e21f6e5afd175c3158,
    256'h44677d54ee0670dd40d8c4a37677e619adb79627b08b29559f3d0aa5802bf4d8,
    256'he75732937f403b3dc4d355a76df4dff3e520ef5c54c17a3327215a2966625495,
    256'h3599f1e60c317d927ceabc4b2a71569142c0d566c3a8ea0cd22d9fb4c5970fa9,
    256'hdf12d09c8d0fb9ee76b045c04189dd2b411117e6258dff521eeadb6f0b923f1c,
    256'h147b6199d6c35dd90bba417c35f60daadca0a3eb3775663d73d030e78783d6c8,
    256'hb9bd779ff8cfb3b454280d598efea31a1c30996f6e5e4af5977d3ffb51f32fd5,
    256'h17e72239a20f042ea8ec0e01ae1977fbb891a4f2e51d51b447f36d776dccd486,
    256'hcce79443f365cda7eddb121aad94e50627f91db120d815dc3c508eb5d267dd40,
    256'h1d731036822343d4206323e078f462280905b7575977e9ad3a7fe1b14e733b82,
    256'h37768d6d9436f621ea4a495d8756170e9779afac6d075a05e5cda8d62a668304,
    256'hc43924a2b812fb17af1fce00c16f909ee78e7ba530b91bae4526d84cf9a0669a,
    256'h78a9484b45d5e7855a265274285dd8312c9ed1c99dc9de46f11fdce5d8f0cabe,
    256'h924992cd99158833c778ec9d52eea43c16f51f67bbf47a227136cf714069943f,
    256'hfb523252cc7766101c6bec0c3a4e1f6e4255120f4abaa668b31566b4b8968ec2,
    256'heff29cd4146832b27d0a5bdf3eb77c41c4762699b1316db83ba57327dd7b226e,
    256'hc8bb4e9d2b0f69b8a07604788b6fec8a80ce6cbd175a81128effc964e4f1d238
};

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------
function [KEY_W-1:0] rec_key(input [REC_W-1:0] r);
    rec_key = {r[F_IPV6], r[R_SPI +: SPI_W], r[R_DST +: ADDR_W], r[R_SRC +: ADDR_W]};
endfunction

function [INFO_W-1:0] rec_info(input [REC_W-1:0] r);
    rec_info = {r[R_DPORT +: PORT_W], r[R_SPORT +: PORT_W], r[F_PORT +: 4], r[F_UDP],
                r[R_TYPE +: TYPE_W]};
endfunction

// one clock older: every distance + 1, what falls out of the window is
// "older than the window" (0)
function [DESC_W-1:0] desc_age(input [DESC_W-1:0] d);
    integer f;
    begin
        for (f = 0; f < 4; f = f + 1) begin
            desc_age[f*WIN +: WIN] = {d[f*WIN +: WIN-1], 1'b0};
        end
    end
endfunction

// the contents of both ways with one write applied
function [2*WAY_W-1:0] patch(input [2*WAY_W-1:0] data, input hit, input way,
                             input [WAY_W-1:0] content);
    begin
        patch = data;
        if (hit && !way) begin
            patch[0 +: WAY_W] = content;
        end
        if (hit && way) begin
            patch[WAY_W +: WAY_W] = content;
        end
    end
endfunction

// per way "count is not 0" with one write applied (the written count is not
// 0 exactly when the write was a suppression): stage 7 needs it without a
// 32-input OR behind its way mux
function [1:0] patch_cnz(input [1:0] cnz, input hit, input way, input wcnz);
    patch_cnz = {(hit && way) ? wcnz : cnz[1], (hit && !way) ? wcnz : cnz[0]};
endfunction

// ---------------------------------------------------------------------------
// clearing walk after reset
// ---------------------------------------------------------------------------
reg             walking;
reg [SET_W-1:0] walk_addr;

always @(posedge clk) begin
    if (walking) begin
        walk_addr <= walk_addr + 1'b1;
        if (&walk_addr) begin
            walking <= 1'b0;
        end
    end
    if (rst) begin
        walking   <= 1'b1;
        walk_addr <= {SET_W{1'b0}};
    end
end

assign ready = !walking;

// ---------------------------------------------------------------------------
// stage 1: hash
// ---------------------------------------------------------------------------
wire [KEY_W-1:0] in_key = rec_key(s_rec);
wire [SET_W-1:0] in_set;

genvar gj, gi;
generate
    for (gj = 0; gj < SET_W; gj = gj + 1) begin : g_hash
        // column j of the rows: the key bits that feed set bit j
        wire [KEY_W-1:0] column;
        for (gi = 0; gi < KEY_W; gi = gi + 1) begin : g_row
            assign column[gi] = H3_ROWS[16*gi + gj];
        end
        assign in_set[gj] = ^(in_key & column);
    end
endgenerate

// per stage: valid (a record), wr (a record that is filtered: it writes its
// set), the record, its set
reg              h_valid, h_wr;
reg [REC_W-1:0]  h_rec;
reg [SET_W-1:0]  h_set;
reg [TIME_W-1:0] h_hold;

always @(posedge clk) begin
    h_valid <= s_valid;
    h_wr    <= s_valid && !walking;
    h_rec   <= s_rec;
    h_set   <= in_set;
    h_hold  <= holdoff_ns;
    if (rst) begin
        h_valid <= 1'b0;
        h_wr    <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// the table: one RAM per way, read in clock t + 1, written in t + 7
// ---------------------------------------------------------------------------
reg                 w_wr;           // stage 7: the write of this clock
reg [SET_W-1:0]     w_set;
reg                 w_way;
reg [WAY_W-1:0]     w_content;
reg                 w_cnz;          // w_content's count is not 0 (a suppression)
reg                 wl_wr;          // the write of the previous clock
reg [SET_W-1:0]     wl_set;
reg                 wl_way;
reg [WAY_W-1:0]     wl_content;
wire [2*WAY_W-1:0]  ram_q;

genvar gw;
generate
    for (gw = 0; gw < 2; gw = gw + 1) begin : g_way
        localparam [0:0] WAY_ID = gw;
        ram_sdp #(
            .WIDTH(WAY_W),
            .DEPTH(SETS)
        ) u_ram (
            .clk(clk),
            .wr_en(walking || (w_wr && w_way == WAY_ID)),
            .wr_addr(walking ? walk_addr : w_set),
            .wr_data(walking ? {WAY_W{1'b0}} : w_content),
            .rd_en(1'b1),
            .rd_addr(h_set),
            .rd_data(ram_q[gw*WAY_W +: WAY_W])
        );
    end
endgenerate

always @(posedge clk) begin
    wl_wr      <= w_wr;
    wl_set     <= w_set;
    wl_way     <= w_way;
    wl_content <= w_content;
    if (rst) begin
        wl_wr <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// stage 2: the record against the WIN records ahead of it (stages 2..5)
// ---------------------------------------------------------------------------
reg                 r_valid, r_wr;
reg [REC_W-1:0]     r_rec;
reg [SET_W-1:0]     r_set;
reg [TIME_W-1:0]    r_hold;
reg [WIN*NPIECE-1:0] r_keq_p;       // [d*NPIECE + p]: key piece p equal to the one d + 1 ahead
reg [WIN*TIME_W-1:0] r_dt;          // [d]: TIME_NS - TIME_NS of the record d + 1 ahead
reg [WIN-1:0]       r_same;         // [d]: the record d + 1 ahead writes this set

reg                 q_valid, q_wr;
reg [REC_W-1:0]     q_rec;
reg [SET_W-1:0]     q_set;
reg                 c_valid, c_wr;
reg [REC_W-1:0]     c_rec;
reg [SET_W-1:0]     c_set;
reg                 e_valid, e_wr;
reg [REC_W-1:0]     e_rec;
reg [SET_W-1:0]     e_set;

wire [WIN*REC_W-1:0] ahead_rec = {e_rec, c_rec, q_rec, r_rec};
wire [WIN*SET_W-1:0] ahead_set = {e_set, c_set, q_set, r_set};
wire [WIN-1:0]       ahead_wr  = {e_wr, c_wr, q_wr, r_wr};
wire [KEYP_W-1:0]    h_keyp    = {{(KEYP_W-KEY_W){1'b0}}, rec_key(h_rec)};

genvar gd, gp;
generate
    for (gd = 0; gd < WIN; gd = gd + 1) begin : g_ahead
        wire [REC_W-1:0]  a_rec  = ahead_rec[gd*REC_W +: REC_W];
        wire [KEYP_W-1:0] a_keyp = {{(KEYP_W-KEY_W){1'b0}}, rec_key(a_rec)};
        for (gp = 0; gp < NPIECE; gp = gp + 1) begin : g_piece
            always @(posedge clk) begin
                r_keq_p[gd*NPIECE + gp] <= h_keyp[gp*PIECE +: PIECE] == a_keyp[gp*PIECE +: PIECE];
            end
        end
        always @(posedge clk) begin
            r_dt[gd*TIME_W +: TIME_W] <= h_rec[R_TIME +: TIME_W] - a_rec[R_TIME +: TIME_W];
            r_same[gd] <= ahead_wr[gd] && ahead_set[gd*SET_W +: SET_W] == h_set;
        end
    end
endgenerate

always @(posedge clk) begin
    r_valid <= h_valid;
    r_wr    <= h_wr;
    r_rec   <= h_rec;
    r_set   <= h_set;
    r_hold  <= h_hold;
    if (rst) begin
        r_valid <= 1'b0;
        r_wr    <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// stage 3: RAM register (patched), window compares reduced
// ---------------------------------------------------------------------------
reg [TIME_W-1:0]     q_hold;
reg [2*WAY_W-1:0]    q_data;
reg [WIN-1:0]        q_keq;         // key equal to the record d + 1 ahead
reg [WIN-1:0]        q_expt;        // hold-off over since the record d + 1 ahead
reg [WIN*WIN-1:0]    q_ww;          // [a*WIN + b]: dt[a] >= dt[b]
reg [WIN-1:0]        q_psel;        // one-hot: the newest record ahead writing this set
reg                  q_same1;       // the record 1 ahead writes this set
reg [WIN*TIME_W-1:0] q_dt;

reg [WIN-1:0] psel;
integer k;
always @* begin
    psel = {WIN{1'b0}};
    // downwards, so the nearest writer is assigned last and wins
    for (k = WIN - 1; k >= 0; k = k - 1) begin
        if (r_same[k]) begin
            psel = {WIN{1'b0}};
            psel[k] = 1'b1;
        end
    end
end

genvar ga, gb;
generate
    for (ga = 0; ga < WIN; ga = ga + 1) begin : g_win
        always @(posedge clk) begin
            q_keq[ga]  <= &r_keq_p[ga*NPIECE +: NPIECE];
            q_expt[ga] <= r_dt[ga*TIME_W +: TIME_W] >= r_hold;
        end
        for (gb = 0; gb < WIN; gb = gb + 1) begin : g_pair
            always @(posedge clk) begin
                q_ww[ga*WIN + gb] <= r_dt[ga*TIME_W +: TIME_W] >= r_dt[gb*TIME_W +: TIME_W];
            end
        end
    end
endgenerate

always @(posedge clk) begin
    q_valid <= r_valid;
    q_wr    <= r_wr;
    q_rec   <= r_rec;
    q_set   <= r_set;
    q_hold  <= r_hold;
    q_psel  <= psel;
    q_same1 <= r_same[0];
    q_dt    <= r_dt;
    // the read (end of clock t + 1) missed the write made at that same edge
    // (read-first: the record 6 ahead, now in wl_*) and the one of this
    // clock (the record 5 ahead)
    q_data  <= patch(patch(ram_q, wl_wr && wl_set == r_set, wl_way, wl_content),
                     w_wr && w_set == r_set, w_way, w_content);
    if (rst) begin
        q_valid <= 1'b0;
        q_wr    <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// stage 4: stored ways against the record
// ---------------------------------------------------------------------------
reg [TIME_W-1:0]     c_hold;
reg [2*WAY_W-1:0]    c_data;
reg [1:0]            c_cnz;
reg [2*NPIECE-1:0]   c_kp;          // [w*NPIECE + p]: way w key piece p equal
reg [2*TIME_W-1:0]   c_delta;       // [w]: TIME_NS - last of way w
reg [1:0]            c_way_valid;
reg [WIN-1:0]        c_keq, c_expt, c_psel;
reg                  c_same1;
reg [WIN*WIN-1:0]    c_ww;
reg [WIN*TIME_W-1:0] c_dt;

wire [KEYP_W-1:0] q_keyp = {{(KEYP_W-KEY_W){1'b0}}, rec_key(q_rec)};

generate
    for (gw = 0; gw < 2; gw = gw + 1) begin : g_cmp
        wire [WAY_W-1:0]  way  = q_data[gw*WAY_W +: WAY_W];
        wire [KEYP_W-1:0] wkey = {{(KEYP_W-KEY_W){1'b0}}, way[W_KEY +: KEY_W]};
        for (gp = 0; gp < NPIECE; gp = gp + 1) begin : g_piece
            always @(posedge clk) begin
                c_kp[gw*NPIECE + gp] <= wkey[gp*PIECE +: PIECE] == q_keyp[gp*PIECE +: PIECE];
            end
        end
        always @(posedge clk) begin
            c_delta[gw*TIME_W +: TIME_W] <= q_rec[R_TIME +: TIME_W] - way[W_LAST +: TIME_W];
            c_way_valid[gw] <= way[W_VALID];
        end
    end
endgenerate

always @(posedge clk) begin
    c_valid <= q_valid;
    c_wr    <= q_wr;
    c_rec   <= q_rec;
    c_set   <= q_set;
    c_hold  <= q_hold;
    c_keq   <= q_keq;
    c_expt  <= q_expt;
    c_psel  <= q_psel;
    c_same1 <= q_same1;
    c_ww    <= q_ww;
    c_dt    <= q_dt;
    c_data  <= patch(q_data, w_wr && w_set == q_set, w_way, w_content);   // 4 ahead
    c_cnz   <= patch_cnz({|q_data[WAY_W + W_COUNT +: COUNT_W], |q_data[W_COUNT +: COUNT_W]},
                         w_wr && w_set == q_set, w_way, w_cnz);
    if (rst) begin
        c_valid <= 1'b0;
        c_wr    <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// stage 5: stored-way flags; forwarding source of the records 2..4 ahead
// ---------------------------------------------------------------------------
reg [DESC_W-1:0] hist1;             // descriptor left by the record 1 ahead (stage 6)
reg [DESC_W-1:0] hist2;             // ... 2 ahead, aged
reg [DESC_W-1:0] hist3;             // ... 3 ahead, aged

reg [2*WAY_W-1:0]   e_data;
reg [1:0]           e_cnz;
reg [1:0]           e_ram_valid, e_ram_match, e_ram_exp;
reg [(WIN+1)*(WIN+1)-1:0] e_ge;     // [a*(WIN+1) + b]: age of source a >= age of source b
reg [WIN-1:0]       e_keq, e_expt;
reg                 e_psel1;
reg                 e_same1;
reg [DESC_W-1:0]    e_pre;

// age order table: source 0 is the way's stored `last` (its own RAM compare),
// source i >= 1 the TIME_NS of the record i ahead; a is way 0's, b way 1's
reg [(WIN+1)*(WIN+1)-1:0] ge;
integer a, b;
always @* begin
    for (a = 0; a <= WIN; a = a + 1) begin
        for (b = 0; b <= WIN; b = b + 1) begin
            if (a == 0 && b == 0) begin
                ge[a*(WIN+1) + b] = c_delta[0 +: TIME_W] >= c_delta[TIME_W +: TIME_W];
            end else if (a == 0) begin
                ge[a*(WIN+1) + b] = c_delta[0 +: TIME_W] >= c_dt[(b-1)*TIME_W +: TIME_W];
            end else if (b == 0) begin
                ge[a*(WIN+1) + b] = c_dt[(a-1)*TIME_W +: TIME_W] >= c_delta[TIME_W +: TIME_W];
            end else begin
                ge[a*(WIN+1) + b] = c_ww[(a-1)*WIN + (b-1)];
            end
        end
    end
end

always @(posedge clk) begin
    e_valid     <= c_valid;
    e_wr        <= c_wr;
    e_rec       <= c_rec;
    e_set       <= c_set;
    e_keq       <= c_keq;
    e_expt      <= c_expt;
    e_ram_valid <= c_way_valid;
    e_ram_match <= c_way_valid & {&c_kp[NPIECE +: NPIECE], &c_kp[0 +: NPIECE]};
    e_ram_exp   <= {c_delta[TIME_W +: TIME_W] >= c_hold, c_delta[0 +: TIME_W] >= c_hold};
    e_ge        <= ge;
    e_psel1     <= c_psel[0];
    e_same1     <= c_same1;
    // the records 2..4 ahead: their descriptors are one clock younger now
    e_pre       <= ({DESC_W{c_psel[1]}} & desc_age(hist1)) |
                   ({DESC_W{c_psel[2]}} & desc_age(hist2)) |
                   ({DESC_W{c_psel[3]}} & desc_age(hist3));
    e_data      <= patch(c_data, w_wr && w_set == c_set, w_way, w_content);  // 3 ahead
    e_cnz       <= patch_cnz(c_cnz, w_wr && w_set == c_set, w_way, w_cnz);
    if (rst) begin
        e_valid <= 1'b0;
        e_wr    <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// stage 6: decision (the one-clock loop through hist1)
// ---------------------------------------------------------------------------
reg                 d_valid, d_wr;
reg [REC_W-1:0]     d_rec;
reg [SET_W-1:0]     d_set;
reg [1:0]           d_act;
reg                 d_way;
reg [2*WAY_W-1:0]   d_data;
reg [1:0]           d_cnz;
reg                 d_same1;

reg [DESC_W-1:0]    src, desc_next;
reg [WIN-1:0]       kd0, ld0, kd1, ld1;
reg [WIN:0]         s0, s1;         // age source one-hot: bit 0 stored last, bit i record i ahead
reg                 v0, v1, m0, m1, x0, x1, older0, hit0, hit1, way;
reg [1:0]           act;
integer i, j;

always @* begin
    src = e_psel1 ? hist1 : e_pre;
    kd0 = src[0*WIN +: WIN];
    ld0 = src[1*WIN +: WIN];
    kd1 = src[2*WIN +: WIN];
    ld1 = src[3*WIN +: WIN];
    // a way written in the window holds that record's key; else the RAM's
    v0 = (|kd0) || e_ram_valid[0];
    v1 = (|kd1) || e_ram_valid[1];
    m0 = (|kd0) ? |(kd0 & e_keq) : e_ram_match[0];
    m1 = (|kd1) ? |(kd1 & e_keq) : e_ram_match[1];
    x0 = (|ld0) ? |(ld0 & e_expt) : e_ram_exp[0];
    x1 = (|ld1) ? |(ld1 & e_expt) : e_ram_exp[1];
    s0 = {ld0, ~|ld0};
    s1 = {ld1, ~|ld1};
    older0 = 1'b0;
    for (i = 0; i <= WIN; i = i + 1) begin
        for (j = 0; j <= WIN; j = j + 1) begin
            older0 = older0 | (s0[i] & s1[j] & e_ge[i*(WIN+1) + j]);
        end
    end
    hit0 = v0 && m0;
    hit1 = v1 && m1 && !hit0;
    if (hit0 || hit1) begin
        way = hit1;
        act = (hit1 ? x1 : x0) ? ACT_REPORT : ACT_SUPPRESS;
    end else begin
        way = v0 && (!v1 || !older0);
        act = ACT_INSERT;
    end
    desc_next = desc_age(src);
    if (way) begin
        desc_next[2*WIN +: WIN] = 1;
        if (act != ACT_SUPPRESS) begin
            desc_next[3*WIN +: WIN] = 1;
        end
    end else begin
        desc_next[0*WIN +: WIN] = 1;
        if (act != ACT_SUPPRESS) begin
            desc_next[1*WIN +: WIN] = 1;
        end
    end
end

always @(posedge clk) begin
    d_valid <= e_valid;
    d_wr    <= e_wr;
    d_rec   <= e_rec;
    d_set   <= e_set;
    d_act   <= act;
    d_same1 <= e_same1;
    d_way   <= way;
    hist1   <= desc_next;
    hist2   <= desc_age(hist1);
    hist3   <= desc_age(hist2);
    d_data  <= patch(e_data, w_wr && w_set == e_set, w_way, w_content);  // 2 ahead
    d_cnz   <= patch_cnz(e_cnz, w_wr && w_set == e_set, w_way, w_cnz);
    if (rst) begin
        d_valid <= 1'b0;
        d_wr    <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// stage 7: new contents from exact contents (the record 1 ahead patched in)
// ---------------------------------------------------------------------------
reg                 w_valid;
reg [REC_W-1:0]     w_rec;
reg [1:0]           w_act;
reg                 w_evict;
reg [COUNT_W-1:0]   w_count;        // the way's count before this record
reg [KEY_W+INFO_W-1:0] w_victim;    // key and info of the way before this record
reg [63:0]          w_pending_add;  // this record's change of `pending`, two's complement
reg                 w_suppress;     // filtered and suppressed

// the set compare with the record 1 ahead was made in stage 2: this is the
// count loop (count + 1 of back-to-back suppressions of one flow)
wire [2*WAY_W-1:0] cur = patch(d_data, d_same1, w_way, w_content);
wire [1:0]         cur_cnz = patch_cnz(d_cnz, d_same1, w_way, w_cnz);
wire [WAY_W-1:0]   sel = d_way ? cur[WAY_W +: WAY_W] : cur[0 +: WAY_W];
wire               sel_cnz = d_way ? cur_cnz[1] : cur_cnz[0];
wire [COUNT_W-1:0] sel_count = sel[W_COUNT +: COUNT_W];
wire [COUNT_W:0]   sel_inc = {1'b0, sel_count} + 1'b1;
wire [COUNT_W-1:0] count_next = (d_act != ACT_SUPPRESS) ? {COUNT_W{1'b0}} :
                                sel_inc[COUNT_W] ? sel_count : sel_inc[COUNT_W-1:0];
wire [TIME_W-1:0]  last_next = (d_act == ACT_SUPPRESS) ? sel[W_LAST +: TIME_W] : d_rec[R_TIME +: TIME_W];
wire               evict_next = d_act == ACT_INSERT && sel[W_VALID] && sel_cnz;
// +1 for a suppressed miss, - the count a record carries away (own report or
// eviction); added in stage 8 by one adder, off the count loop
wire [COUNT_W-1:0] count_neg   = {COUNT_W{1'b0}} - sel_count;
wire [63:0]        carried_neg = {{(64-COUNT_W){sel_cnz}}, count_neg};
wire [63:0]        pending_add = !d_wr ? 64'd0 :
                                 (d_act == ACT_SUPPRESS) ? 64'd1 :
                                 (d_act == ACT_REPORT || evict_next) ? carried_neg : 64'd0;

always @(posedge clk) begin
    w_valid   <= d_valid;
    w_wr      <= d_wr;
    w_rec     <= d_rec;
    w_set     <= d_set;
    w_way     <= d_way;
    w_act     <= d_act;
    w_content <= {count_next, last_next, rec_info(d_rec), rec_key(d_rec), 1'b1};
    w_cnz     <= d_act == ACT_SUPPRESS;
    w_evict   <= evict_next;
    w_suppress <= d_wr && d_act == ACT_SUPPRESS;
    w_pending_add <= pending_add;
    w_count   <= sel_count;
    w_victim  <= sel[W_KEY +: KEY_W + INFO_W];
    if (rst) begin
        w_valid       <= 1'b0;
        w_wr          <= 1'b0;
        w_suppress    <= 1'b0;
        w_pending_add <= 64'd0;
    end
end

// ---------------------------------------------------------------------------
// stage 8: outputs, counters
// ---------------------------------------------------------------------------
wire w_report = w_wr && w_act == ACT_REPORT;

wire [KEY_W-1:0]  v_key  = w_victim[0 +: KEY_W];
wire [INFO_W-1:0] v_info = w_victim[KEY_W +: INFO_W];
reg  [REC_W-1:0]  own, evr;

always @* begin
    own = w_rec;
    own[R_COUNT +: COUNT_W] = w_report ? w_count : {COUNT_W{1'b0}};

    evr = {REC_W{1'b0}};
    evr[R_TYPE +: TYPE_W]   = v_info[0 +: TYPE_W];
    evr[F_IPV6]             = v_key[KEY_W-1];
    evr[F_UDP]              = v_info[TYPE_W];
    evr[F_EVICT]            = 1'b1;
    evr[F_PORT +: 4]        = v_info[TYPE_W+1 +: 4];
    evr[R_SPI +: SPI_W]     = v_key[2*ADDR_W +: SPI_W];
    evr[R_TIME +: TIME_W]   = w_rec[R_TIME +: TIME_W];
    evr[R_SRC +: ADDR_W]    = v_key[0 +: ADDR_W];
    evr[R_DST +: ADDR_W]    = v_key[ADDR_W +: ADDR_W];
    evr[R_SPORT +: PORT_W]  = v_info[TYPE_W+5 +: PORT_W];
    evr[R_DPORT +: PORT_W]  = v_info[TYPE_W+5+PORT_W +: PORT_W];
    evr[R_COUNT +: COUNT_W] = w_count;
    evr[R_SA_IDX +: SA_IDX_W] = {SA_IDX_W{1'b1}};
end

always @(posedge clk) begin
    m_valid       <= w_valid && !w_suppress;
    m_rec         <= own;
    m_evict_valid <= w_wr && w_evict;
    m_evict_rec   <= evr;
    m_suppressed  <= w_suppress;
    suppressed_total <= suppressed_total + {63'd0, w_suppress};
    pending          <= pending + w_pending_add;
    if (rst) begin
        m_valid          <= 1'b0;
        m_evict_valid    <= 1'b0;
        m_suppressed     <= 1'b0;
        suppressed_total <= 64'd0;
        pending          <= 64'd0;
    end
end

// LATENCY documents the pipeline depth for the card and the tests
wire [7:0] unused_latency = LATENCY[7:0];

endmodule

`resetall
