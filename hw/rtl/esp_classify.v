// spisync -- decide what happens to a frame before any crypto: the parser's
// verdict, the SA lookup's, the ESP length check with the SA's ICV length,
// and the anti-replay pre-check (docs/datapath.md steps 5-9). Emits the
// frame's job for the dispatch (how to cut its ciphertext out of the frame
// RAM and what the GCM core needs) and an event record for SA misses and
// reserved SPIs.
//
// The pre-check reads the SA's replay state as of now, which may lag frames
// still in the crypto pipeline. That is safe: a window only moves forward and
// only gains bits, so a frame refused by old state would be refused by the
// exact state too; the commit stage re-checks against the exact state.
//
// Three clocks: C0 the inputs (the lookup's registered outputs) and the
// state read is issued; C1 the state arrives (straight from the block RAM's
// read port, no register behind it), the anti-replay check's first half
// runs (replay_check_split) and everything that does not need the window's
// bit is decided; C2 the bit is selected, the verdict made and the job
// registered. The event record does not depend on the window: it is
// registered at the end of C1, a clock before the job.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"
`include "card_internal.vh"

module esp_classify #(
    parameter integer BYTES     = 64,
    parameter integer HDR_BYTES = 128,
    parameter integer BEAT_W    = 10       // width of a frame's stored beat count
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire [63:0]             time_ns,

    // C0: the frame, parsed and looked up
    input  wire                    in_valid,
    input  wire                    in_esp,
    input  wire [7:0]              in_reason,
    input  wire                    in_vlan,
    input  wire                    in_ipv6,
    input  wire                    in_udp,
    input  wire [4:0]              in_l2_len,
    input  wire [6:0]              in_l3_hdr_len,
    input  wire [6:0]              in_esp_off,
    input  wire [13:0]             in_esp_len,
    input  wire [127:0]            in_src,
    input  wire [127:0]            in_dst,
    input  wire [15:0]             in_sport,
    input  wire [15:0]             in_dport,
    input  wire [31:0]             in_spi,
    input  wire [31:0]             in_seq,
    input  wire [63:0]             in_iv,
    input  wire [15:0]             in_csum_base,
    input  wire [HDR_BYTES*8-1:0]  in_hdr,
    input  wire [127:0]            in_tail,
    input  wire [13:0]             in_len,
    input  wire [BEAT_W-1:0]       in_beats,
    input  wire [15:0]             in_rx_seq,
    input  wire                    in_hit,
    input  wire [15:0]             in_index,
    input  wire [`SPISYNC_SA_BITS-1:0] in_entry,

    // replay state of the SA (pre-check copy), read at C0, data at C1
    output wire                    st_rd_en,
    output wire [15:0]             st_rd_index,
    input  wire [`SPISYNC_ST_W-1:0] st_rd_data,

    // C2 -> registered: the job
    output reg                     job_valid,
    output reg                     job_drop,        // dropped before crypto (reason)
    output reg                     job_bypass,      // delivered unmodified (reason)
    output reg  [7:0]              job_reason,
    output reg  [BEAT_W-1:0]       job_beats,       // beats stored for the frame
    output reg  [7:0]              job_q0,          // first beat to read
    output reg  [BEAT_W-1:0]       job_n_in,        // beats to read from q0
    output reg  [BEAT_W-1:0]       job_k,           // beats into the GCM core
    output reg  [6:0]              job_shift,       // byte offset of the data in beat q0 (0: aligned)
    output reg  [6:0]              job_last_bytes,  // valid bytes of the last core beat, 1..BYTES
    output reg  [13:0]             job_pay_len,     // ciphertext length (ESP) or frame length
    output reg  [255:0]            job_key,
    output reg                     job_key_256,
    output reg  [31:0]             job_salt,
    output reg  [63:0]             job_iv,
    output reg  [127:0]            job_aad,
    output reg  [4:0]              job_aad_len,
    output reg  [4:0]              job_icv_len,
    output reg  [127:0]            job_icv,
    // what the commit stage needs
    output reg  [15:0]             job_index,
    output reg  [7:0]              job_gen,
    output reg                     job_esn,
    output reg  [63:0]             job_seq64,
    output reg  [1:0]              job_mode,
    output reg  [63:0]             job_hard_bytes,
    output reg  [63:0]             job_hard_packets,
    output reg  [63:0]             job_soft_bytes,
    output reg  [63:0]             job_soft_packets,
    output reg  [31:0]             job_spi,
    output reg  [HDR_BYTES*8-1:0]  job_hdr,
    output reg  [4:0]              job_l2_len,
    output reg  [6:0]              job_l3_hdr_len,
    output reg                     job_vlan,
    output reg                     job_ipv6,
    output reg  [15:0]             job_csum_base,
    output reg  [15:0]             job_rx_seq,

    // C1 -> registered: event record for SA misses and reserved SPIs
    output reg                     ev_valid,
    output reg  [`SPISYNC_EVENT_BYTES*8-1:0] ev_data
);

localparam integer SH = $clog2(BYTES);

// ---------------------------------------------------------------------------
// C0: issue the state read, register the inputs
// ---------------------------------------------------------------------------
assign st_rd_en    = in_valid;
assign st_rd_index = in_index;

// the lengths need only the frame and the entry's ICV length, both here in
// C0: their adder chains are done before the state arrives
wire [7:0]  in_icv_len = in_entry[`SPISYNC_SA_ICV_LEN_LSB +: `SPISYNC_SA_ICV_LEN_W];
wire        in_esn_sa  = in_entry[`SPISYNC_SA_ESN_LSB];   // the replay check takes it in C0

// ICV 8/12/16 (anything else never authenticates: the core refuses it)
wire [14:0] in_esp_min   = 15'd18 + {7'd0, in_icv_len};
wire        in_too_short = {1'b0, in_esp_len} < in_esp_min;

// where the ciphertext is: bytes [off, off + ct_len) of the frame
wire [13:0] in_off      = {7'd0, in_esp_off} + 14'd16;
wire [13:0] in_ct_len   = in_esp_len - 14'd16 - {6'd0, in_icv_len};
wire [13:0] in_ct_end   = {7'd0, in_esp_off} + in_esp_len - {6'd0, in_icv_len} - 14'd1;
wire [13:0] in_last_raw = in_len - (({{(14-BEAT_W){1'b0}}, in_beats} - 14'd1) << SH);

reg                    c1_valid;
reg                    c1_esp;
reg  [7:0]             c1_reason;
reg                    c1_vlan, c1_ipv6, c1_udp;
reg  [4:0]             c1_l2_len;
reg  [6:0]             c1_l3_hdr_len;
reg  [13:0]            c1_off, c1_ct_len, c1_ct_end;
reg                    c1_too_short;
reg  [6:0]             c1_last_raw;
reg  [127:0]           c1_src, c1_dst;
reg  [15:0]            c1_sport, c1_dport;
reg  [31:0]            c1_spi, c1_seq;
reg  [63:0]            c1_iv;
reg  [15:0]            c1_csum_base;
reg  [HDR_BYTES*8-1:0] c1_hdr;
reg  [127:0]           c1_tail;
reg  [13:0]            c1_len;
reg  [BEAT_W-1:0]      c1_beats;
reg  [15:0]            c1_rx_seq;
reg                    c1_hit;
reg  [15:0]            c1_index;
reg  [`SPISYNC_SA_BITS-1:0] c1_entry;

always @(posedge clk) begin
    c1_valid      <= in_valid;
    c1_esp        <= in_esp;
    c1_reason     <= in_reason;
    c1_vlan       <= in_vlan;
    c1_ipv6       <= in_ipv6;
    c1_udp        <= in_udp;
    c1_l2_len     <= in_l2_len;
    c1_l3_hdr_len <= in_l3_hdr_len;
    c1_off        <= in_off;
    c1_ct_len     <= in_ct_len;
    c1_ct_end     <= in_ct_end;
    c1_too_short  <= in_too_short;
    c1_last_raw   <= in_last_raw[6:0];
    c1_src        <= in_src;
    c1_dst        <= in_dst;
    c1_sport      <= in_sport;
    c1_dport      <= in_dport;
    c1_spi        <= in_spi;
    c1_seq        <= in_seq;
    c1_iv         <= in_iv;
    c1_csum_base  <= in_csum_base;
    c1_hdr        <= in_hdr;
    c1_tail       <= in_tail;
    c1_len        <= in_len;
    c1_beats      <= in_beats;
    c1_rx_seq     <= in_rx_seq;
    c1_hit        <= in_hit;
    c1_index      <= in_index;
    c1_entry      <= in_entry;
    if (rst) begin
        c1_valid <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// C1: decide
// ---------------------------------------------------------------------------
wire [7:0]   e_gen        = c1_entry[`SPISYNC_SA_GEN_LSB +: `SPISYNC_SA_GEN_W];
wire         e_key_256    = c1_entry[`SPISYNC_SA_KEY_256_LSB];
wire         e_esn        = c1_entry[`SPISYNC_SA_ESN_LSB];
wire [1:0]   e_mode       = c1_entry[`SPISYNC_SA_MODE_LSB +: `SPISYNC_SA_MODE_W];
wire [7:0]   e_icv_len    = c1_entry[`SPISYNC_SA_ICV_LEN_LSB +: `SPISYNC_SA_ICV_LEN_W];
wire [31:0]  e_salt       = c1_entry[`SPISYNC_SA_SALT_LSB +: `SPISYNC_SA_SALT_W];
wire [255:0] e_key        = c1_entry[`SPISYNC_SA_KEY_LSB +: `SPISYNC_SA_KEY_W];
wire [63:0]  e_hard_bytes = c1_entry[`SPISYNC_SA_HARD_BYTES_LSB +: `SPISYNC_SA_HARD_BYTES_W];
wire [63:0]  e_hard_pkts  = c1_entry[`SPISYNC_SA_HARD_PACKETS_LSB +: `SPISYNC_SA_HARD_PACKETS_W];
wire [63:0]  e_soft_bytes = c1_entry[`SPISYNC_SA_SOFT_BYTES_LSB +: `SPISYNC_SA_SOFT_BYTES_W];
wire [63:0]  e_soft_pkts  = c1_entry[`SPISYNC_SA_SOFT_PACKETS_LSB +: `SPISYNC_SA_SOFT_PACKETS_W];

// replay state: a record of an older generation is a fresh window
wire [7:0]   st_gen    = st_rd_data[`SPISYNC_ST_W-1 -: 8];
wire [63:0]  st_top    = st_rd_data[`SPISYNC_ST_W-9 -: 64];
wire [`SPISYNC_REPLAY_W-1:0] st_bitmap = st_rd_data[`SPISYNC_ST_W-73 -: `SPISYNC_REPLAY_W];
wire         st_fresh  = st_gen != e_gen;

// checked against the state read and against a fresh window side by side,
// the generation test selecting the answer (in C2): it is not in front of
// the check. The packet goes in at C0, the state at C1, the answers come
// in C2.
wire [63:0] seq64_st, seq64_fresh;
wire        ok_st, ok_fresh;

replay_check_split #(
    .W(`SPISYNC_REPLAY_W)
) u_precheck (
    .clk(clk),
    .esn(in_esn_sa),
    .seq(in_seq),
    .top(st_top),
    .bitmap(st_bitmap),
    .s(seq64_st),
    .ok(ok_st)
);

replay_check_split #(
    .W(`SPISYNC_REPLAY_W)
) u_precheck_fresh (
    .clk(clk),
    .esn(in_esn_sa),
    .seq(in_seq),
    .top(64'd0),
    .bitmap({`SPISYNC_REPLAY_W{1'b0}}),
    .s(seq64_fresh),
    .ok(ok_fresh)
);

wire [7:0] miss_reason = c1_ipv6 ? (c1_udp ? `SPISYNC_R_SA_NOT_FOUND_NATT_V6 : `SPISYNC_R_SA_NOT_FOUND_V6)
                                 : (c1_udp ? `SPISYNC_R_SA_NOT_FOUND_NATT_V4 : `SPISYNC_R_SA_NOT_FOUND_V4);

// every rule before the anti-replay one; a frame that passes them all
// (d_go) is decrypted unless the window refuses it in C2
reg       d_drop;
reg       d_bypass;
reg       d_go;
reg [7:0] d_reason;
always @* begin
    d_drop   = 1'b0;
    d_bypass = 1'b0;
    d_go     = 1'b0;
    d_reason = c1_reason;
    if (!c1_esp) begin
        if (c1_reason == `SPISYNC_R_PASS_THROUGH || c1_reason == `SPISYNC_R_PUNT_FRAGMENT
                || c1_reason == `SPISYNC_R_PUNT_IPV6_EXT) begin
            d_bypass = 1'b1;
        end else begin
            d_drop = 1'b1;
        end
    end else if (!c1_hit) begin
        d_drop   = 1'b1;
        d_reason = miss_reason;
    end else if (c1_too_short) begin
        d_drop   = 1'b1;
        d_reason = `SPISYNC_R_MALFORMED;
    end else begin
        d_go     = 1'b1;
        d_reason = `SPISYNC_R_DECRYPTED;   // provisional: the commit stage decides
    end
end

wire [13:0] q0       = c1_off >> SH;
wire [13:0] qe       = c1_ct_end >> SH;
wire [13:0] k_esp    = (c1_ct_len + BYTES[13:0] - 14'd1) >> SH;
wire [13:0] last_esp = c1_ct_len - ((k_esp - 14'd1) << SH);

// the checks of the entry's identity (SPI, destination, encapsulation) were
// the lookup's; its counters and lifetimes beyond the hard limits are not
// needed before crypto
wire unused_bits = &{c1_entry, st_rd_data[255+`SPISYNC_ALARM_W:0], q0[13:10], qe[13:10],
                     last_esp[13:7], in_last_raw[13:7]};

// the ICV is the frame's last icv_len bytes; the core wants it from byte 0
reg [127:0] icv;
always @* begin
    case (e_icv_len)
    8'd8:    icv = {64'd0, c1_tail[127:64]};
    8'd12:   icv = {32'd0, c1_tail[127:32]};
    default: icv = c1_tail;
    endcase
end

// event record, docs/register-map.md
wire ev_reserved = !c1_esp && c1_reason == `SPISYNC_R_SPI_RESERVED;
wire ev_miss     = c1_esp && !c1_hit;
reg [`SPISYNC_EVENT_BYTES*8-1:0] ev;
always @* begin
    ev = {`SPISYNC_EVENT_BYTES*8{1'b0}};
    ev[`SPISYNC_EVF_TYPE_OFF*8 +: 8] = ev_reserved ? `SPISYNC_EV_SPI_RESERVED : `SPISYNC_EV_SA_MISS;
    // port 0 (one MAC); phase is the ring's
    ev[`SPISYNC_EVF_FLAGS_OFF*8 + `SPISYNC_EV_FLAG_IPV6_BIT] = c1_ipv6;
    ev[`SPISYNC_EVF_FLAGS_OFF*8 + `SPISYNC_EV_FLAG_UDP_BIT]  = c1_udp;
    ev[`SPISYNC_EVF_FRAME_LEN_OFF*8 +: 16] = {2'b00, c1_len};
    ev[`SPISYNC_EVF_SPI_OFF*8 +: 32] = c1_spi;
    ev[`SPISYNC_EVF_TIME_NS_OFF*8 +: 64] = time_ns;
    ev[`SPISYNC_EVF_SRC_OFF*8 +: 128] = c1_src;
    ev[`SPISYNC_EVF_DST_OFF*8 +: 128] = c1_dst;
    ev[`SPISYNC_EVF_SEQ_OFF*8 +: 32] = c1_seq;
    ev[`SPISYNC_EVF_SPORT_OFF*8 +: 16] = c1_udp ? c1_sport : 16'd0;
    ev[`SPISYNC_EVF_DPORT_OFF*8 +: 16] = c1_udp ? c1_dport : 16'd0;
    ev[`SPISYNC_EVF_SA_INDEX_OFF*8 +: 16] = 16'hFFFF;
    ev[`SPISYNC_EVF_RX_SEQ_OFF*8 +: 16] = c1_rx_seq;
end

always @(posedge clk) begin
    ev_valid <= c1_valid && (ev_reserved || ev_miss);
    ev_data  <= ev;
    if (rst) begin
        ev_valid <= 1'b0;
    end
end

// C1 -> C2: the job as it is when the window lets the frame through, and
// what it falls back to when not
reg                    c2_valid;
reg                    c2_drop, c2_bypass, c2_go;
reg  [7:0]             c2_reason;
reg                    c2_fresh;
reg  [BEAT_W-1:0]      c2_beats;
reg  [7:0]             c2_q0;
reg  [BEAT_W-1:0]      c2_n_esp, c2_k_esp;
reg  [6:0]             c2_shift;
reg  [6:0]             c2_last_esp, c2_last_raw;
reg  [13:0]            c2_ct_len, c2_len;
reg  [255:0]           c2_key;
reg                    c2_key_256;
reg  [31:0]            c2_salt;
reg  [63:0]            c2_iv;
reg  [4:0]             c2_icv_len;
reg  [127:0]           c2_icv;
reg  [15:0]            c2_index;
reg  [7:0]             c2_gen;
reg                    c2_esn;
reg  [1:0]             c2_mode;
reg  [63:0]            c2_hard_bytes, c2_hard_pkts, c2_soft_bytes, c2_soft_pkts;
reg  [31:0]            c2_spi, c2_seq;
reg  [HDR_BYTES*8-1:0] c2_hdr;
reg  [4:0]             c2_l2_len;
reg  [6:0]             c2_l3_hdr_len;
reg                    c2_vlan, c2_ipv6;
reg  [15:0]            c2_csum_base, c2_rx_seq;

always @(posedge clk) begin
    c2_valid      <= c1_valid;
    c2_drop       <= d_drop;
    c2_bypass     <= d_bypass;
    c2_go         <= d_go;
    c2_reason     <= d_reason;
    c2_fresh      <= st_fresh;
    c2_beats      <= c1_beats;
    c2_q0         <= q0[7:0];
    c2_n_esp      <= qe[BEAT_W-1:0] - q0[BEAT_W-1:0] + 1'b1;
    c2_k_esp      <= k_esp[BEAT_W-1:0];
    c2_shift      <= {1'b0, c1_off[5:0] & (BYTES[5:0] - 6'd1)};
    c2_last_esp   <= last_esp[6:0];
    c2_last_raw   <= c1_last_raw;
    c2_ct_len     <= c1_ct_len;
    c2_len        <= c1_len;
    c2_key        <= e_key;
    c2_key_256    <= e_key_256;
    c2_salt       <= e_salt;
    c2_iv         <= c1_iv;
    c2_icv_len    <= e_icv_len[4:0];
    c2_icv        <= icv;
    c2_index      <= c1_hit ? c1_index : 16'hFFFF;
    c2_gen        <= e_gen;
    c2_esn        <= e_esn;
    c2_mode       <= e_mode;
    c2_hard_bytes <= e_hard_bytes;
    c2_hard_pkts  <= e_hard_pkts;
    c2_soft_bytes <= e_soft_bytes;
    c2_soft_pkts  <= e_soft_pkts;
    c2_spi        <= c1_spi;
    c2_seq        <= c1_seq;
    c2_hdr        <= c1_hdr;
    c2_l2_len     <= c1_l2_len;
    c2_l3_hdr_len <= c1_l3_hdr_len;
    c2_vlan       <= c1_vlan;
    c2_ipv6       <= c1_ipv6;
    c2_csum_base  <= c1_csum_base;
    c2_rx_seq     <= c1_rx_seq;
    if (rst) begin
        c2_valid <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// C2: the window's verdict, the job
// ---------------------------------------------------------------------------
wire [63:0] seq64     = c2_fresh ? seq64_fresh : seq64_st;
wire        replay_ok = c2_fresh ? ok_fresh : ok_st;
wire        esp_go    = c2_go && replay_ok;
wire        refused   = c2_go && !replay_ok;

// AAD: SPI || seq, or SPI || seq_hi || seq with ESN; byte 0 in bits 7:0
function automatic [31:0] be32(input [31:0] v);
    be32 = {v[7:0], v[15:8], v[23:16], v[31:24]};
endfunction

wire [127:0] aad_esp = c2_esn ? {32'd0, be32(c2_seq), be32(seq64[63:32]), be32(c2_spi)}
                              : {64'd0, be32(c2_seq), be32(c2_spi)};

always @(posedge clk) begin
    job_valid        <= c2_valid;
    job_drop         <= c2_drop || refused;
    job_bypass       <= c2_bypass;
    job_reason       <= refused ? `SPISYNC_R_REPLAY : c2_reason;
    job_beats        <= c2_beats;
    job_q0           <= esp_go ? c2_q0 : 8'd0;
    job_n_in         <= esp_go ? c2_n_esp : c2_beats;
    job_k            <= esp_go ? c2_k_esp : c2_beats;
    job_shift        <= esp_go ? c2_shift : 7'd0;
    job_last_bytes   <= esp_go ? c2_last_esp : c2_last_raw;
    job_pay_len      <= esp_go ? c2_ct_len : c2_len;
    // key material only for frames that will be decrypted
    job_key          <= esp_go ? c2_key : 256'd0;
    job_key_256      <= esp_go && c2_key_256;
    job_salt         <= esp_go ? c2_salt : 32'd0;
    job_iv           <= c2_iv;
    job_aad          <= aad_esp;
    job_aad_len      <= c2_esn ? 5'd12 : 5'd8;
    job_icv_len      <= c2_icv_len;
    job_icv          <= c2_icv;
    job_index        <= c2_index;
    job_gen          <= c2_gen;
    job_esn          <= c2_esn;
    job_seq64        <= seq64;
    job_mode         <= c2_mode;
    job_hard_bytes   <= c2_hard_bytes;
    job_hard_packets <= c2_hard_pkts;
    job_soft_bytes   <= c2_soft_bytes;
    job_soft_packets <= c2_soft_pkts;
    job_spi          <= c2_spi;
    job_hdr          <= c2_hdr;
    job_l2_len       <= c2_l2_len;
    job_l3_hdr_len   <= c2_l3_hdr_len;
    job_vlan         <= c2_vlan;
    job_ipv6         <= c2_ipv6;
    job_csum_base    <= c2_csum_base;
    job_rx_seq       <= c2_rx_seq;

    if (rst) begin
        job_valid <= 1'b0;
    end
end

endmodule

`resetall
