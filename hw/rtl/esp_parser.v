// spisync -- frame parser: docs/datapath.md section 2, steps 0..6.
//
// Classifies one frame per clock from its first HDR_BYTES bytes and its
// length: either an ESP candidate for the SA lookup (out_esp) or an outcome
// decided here (out_reason: MAC_ERROR, MALFORMED, PASS_THROUGH,
// PUNT_FRAGMENT, PUNT_IPV6_EXT, SPI_RESERVED), plus the header fields the
// later stages and the event records need. No stalls, no back-pressure.
//
// LATENCY = 5: a frame presented with in_valid in clock t comes out with
// out_valid in clock t + 5. The stages keep the byte-offset muxes and the
// IPv4 checksum adders a few LUT levels deep each (322 MHz UltraScale+):
//   1  strip the 802.1Q tag: the L3 header moves to byte 0 of one vector,
//      so every later mux has one offset less to choose from; decode ihl
//      into the mask of header rows the checksum covers
//   2  IPv4/IPv6 header fields and length compares; the 24 bytes at the
//      IPv4 header end (UDP header + ESP header, a 16:1 mux on ihl); the
//      checksum words, masked to the ihl rows, summed in groups of four
//   3  UDP / ESP header selected (IPv4 or IPv6, with or without UDP),
//      per-variant compares (ports, UDP length, marker), esp_off and
//      esp_len; checksum groups summed to two halves
//   4  the rule order of section 2 as one priority decision on registered
//      flags, except the header checksum; checksum halves added
//   5  checksum folded and checked (it can only turn a frame MALFORMED),
//      outputs
//
// The checksum sums are plain integer sums of 16-bit words (below 2^21 for
// 30 words) folded at the end: folding twice gives the end-around-carry sum.
// The header is valid when that sum is 0xFFFF. out_v4_csum_base is the same
// sum with the total length, checksum and protocol taken as zero; the full
// sum is computed alongside, sharing every group except the first two,
// which hold those three.
//
// Field outputs are computed for every frame, whatever the outcome, from
// bytes that are zero past in_len (the input's guarantee), so they are
// deterministic; which of them mean something depends on the outcome (see
// the port list). Only the valid bits are reset.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module esp_parser #(
    parameter integer HDR_BYTES = 128,   // bytes of the frame head captured
    parameter integer USER_W    = 1
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   in_valid,
    input  wire [HDR_BYTES*8-1:0] in_hdr,     // frame bytes 0..HDR_BYTES-1, byte 0 at [7:0]; bytes at or past in_len are zero
    input  wire [13:0]            in_len,     // frame length in bytes, 1..16383
    input  wire                   in_mac_err,
    input  wire [USER_W-1:0]      in_user,    // carried through unchanged
    output reg                    out_valid,
    output reg  [USER_W-1:0]      out_user,
    output reg                    out_esp,    // 1: ESP candidate, go to SA lookup
    output reg  [7:0]             out_reason, // out_esp == 0: the decided outcome (SPISYNC_R_*); 0 when out_esp
    output reg                    out_vlan,
    output reg                    out_ipv6,
    output reg                    out_udp,
    output reg  [4:0]             out_l2_len,      // 14 or 18
    output reg  [6:0]             out_l3_hdr_len,  // IPv4 ihl*4 or 40
    output reg  [6:0]             out_esp_off,     // offset of the SPI (l3 in the doc)
    output reg  [13:0]            out_esp_len,     // pe - l3
    output reg  [127:0]           out_src,         // wire order, IPv4 in bytes 0..3, rest 0
    output reg  [127:0]           out_dst,
    output reg  [15:0]            out_sport,       // UDP only, else 0
    output reg  [15:0]            out_dport,
    output reg  [31:0]            out_spi,         // host order (valid when esp_len >= 8)
    output reg  [31:0]            out_seq,
    output reg  [63:0]            out_iv,          // frame[esp_off+8 .. +8], byte 0 at [7:0]
    output reg  [15:0]            out_v4_csum_base // IPv4 only, else 0: header sum without tot, csum, proto
);

// The deepest byte ever read is the end of the IV with VLAN, IPv4 options
// and UDP: 18 + 60 + 8 + 16 = 102. A smaller HDR_BYTES stops elaboration in
// every tool: the module named here does not exist.
generate
    if (HDR_BYTES < 128) begin : g_check_hdr_bytes
        esp_parser_HDR_BYTES_must_be_at_least_128 invalid_parameter ();
    end
endgenerate

localparam integer LATENCY = 5;

// bytes kept from the L3 header on: IPv4 header (60) + UDP (8) + ESP (16)
localparam integer NB       = 84;
// bytes of the UDP + ESP header window after the IP header
localparam integer WB       = 24;
localparam integer SUM_W    = 21;   // 30 words of 16 bits
localparam integer GROUPS   = 8;    // of 4 words (2 rows): 30 words of a 60-byte header
localparam integer GRP_W    = 18;   // sum of 4 words

localparam [15:0] ET_VLAN   = 16'h8100;
localparam [15:0] ET_IPV4   = 16'h0800;
localparam [15:0] ET_IPV6   = 16'h86DD;
localparam [7:0]  P_ESP     = 8'd50;
localparam [7:0]  P_UDP     = 8'd17;
localparam [15:0] NATT_PORT = 16'd4500;

// ---------------------------------------------------------------------------
// stage 1: the 802.1Q tag
// ---------------------------------------------------------------------------
wire       in_vlan = {in_hdr[12*8 +: 8], in_hdr[13*8 +: 8]} == ET_VLAN;
wire [3:0] in_ihl  = in_vlan ? in_hdr[18*8 +: 4] : in_hdr[14*8 +: 4];

// 32-bit header rows inside ihl, decoded here so that stage 2 only masks
reg [15:0] in_rowmask;
integer m;
always @(*) begin
    in_rowmask = 16'd0;
    for (m = 0; m < 15; m = m + 1) begin
        in_rowmask[m] = {28'd0, in_ihl} > m;
    end
end

reg              s1_valid;
reg [USER_W-1:0] s1_user;
reg              s1_mac_err;
reg              s1_runt;       // step 1: shorter than the Ethernet (+ tag) header
reg              s1_vlan;
reg [15:0]       s1_et;
reg [NB*8-1:0]   s1_n;          // frame[l2 .. l2 + NB)
reg [15:0]       s1_rowmask;    // bit j: row j (bytes 4j..4j+3) is inside ihl
reg [13:0]       s1_rlen;       // len - l2 (wraps for runts, which are decided)
reg              s1_big;        // len > 60: more than Ethernet minimum padding

always @(posedge clk) begin
    if (rst) begin
        s1_valid <= 1'b0;
    end else begin
        s1_valid <= in_valid;
    end
    s1_user    <= in_user;
    s1_mac_err <= in_mac_err;
    s1_runt    <= in_len < 14'd14 || (in_vlan && in_len < 14'd18);
    s1_vlan    <= in_vlan;
    s1_et      <= in_vlan ? {in_hdr[16*8 +: 8], in_hdr[17*8 +: 8]}
                          : {in_hdr[12*8 +: 8], in_hdr[13*8 +: 8]};
    s1_n       <= in_vlan ? in_hdr[18*8 +: NB*8] : in_hdr[14*8 +: NB*8];
    s1_rowmask <= in_rowmask;
    s1_rlen    <= in_len - (in_vlan ? 14'd18 : 14'd14);
    s1_big     <= in_len > 14'd60;
end

// ---------------------------------------------------------------------------
// stage 2: IP header fields, length compares, header window, checksum groups
// ---------------------------------------------------------------------------
wire [3:0]  s1_ihl   = s1_n[3:0];
wire [6:0]  s1_ihl4  = {1'b0, s1_ihl, 2'b00};
wire [15:0] s1_tot   = {s1_n[2*8 +: 8], s1_n[3*8 +: 8]};
wire [15:0] s1_plen  = {s1_n[4*8 +: 8], s1_n[5*8 +: 8]};
wire [7:0]  s1_proto = s1_n[9*8 +: 8];
wire [7:0]  s1_nh    = s1_n[6*8 +: 8];
wire [15:0] s1_rlen16 = {2'b00, s1_rlen};

// IPv6 next headers that are extension headers the card does not walk
reg s1_nh_ext;
always @(*) begin
    case (s1_nh)
    8'd0, 8'd43, 8'd44, 8'd51, 8'd60, 8'd135, 8'd139, 8'd140, 8'd253, 8'd254:
        s1_nh_ext = 1'b1;
    default:
        s1_nh_ext = 1'b0;
    endcase
end

// Checksum word k (0..31) of the header, zero unless its row is inside ihl
function [GRP_W-1:0] hword;
    input [NB*8-1:0] n;
    input [15:0]     rowmask;
    input integer    k;
    begin
        hword = rowmask[k[4:1]] ?
            {{(GRP_W-16){1'b0}}, n[(2*k)*8 +: 8], n[(2*k+1)*8 +: 8]} : {GRP_W{1'b0}};
    end
endfunction

// Group g holds words 4g .. 4g+3. Group 0 holds the total length (word 1),
// group 1 the protocol (low byte of word 4) and the checksum (word 5):
// their base variants leave those out.
wire [GROUPS*GRP_W-1:0] s1_grp;
genvar j;
generate
    for (j = 0; j < GROUPS; j = j + 1) begin : g_grp
        assign s1_grp[j*GRP_W +: GRP_W] = hword(s1_n, s1_rowmask, 4*j) + hword(s1_n, s1_rowmask, 4*j+1)
                                        + hword(s1_n, s1_rowmask, 4*j+2) + hword(s1_n, s1_rowmask, 4*j+3);
    end
endgenerate
wire [GRP_W-1:0] s1_grp0_base = hword(s1_n, s1_rowmask, 0) + hword(s1_n, s1_rowmask, 2)
                              + hword(s1_n, s1_rowmask, 3);
wire [GRP_W-1:0] s1_grp1_base = (hword(s1_n, s1_rowmask, 4) & 18'h0FF00) + hword(s1_n, s1_rowmask, 6)
                              + hword(s1_n, s1_rowmask, 7);

reg              s2_valid;
reg [USER_W-1:0] s2_user;
reg              s2_mac_err, s2_runt, s2_vlan, s2_big;
reg              s2_is4, s2_is6, s2_ver4, s2_ver6;
reg [3:0]        s2_ihl;
reg [15:0]       s2_plen;
reg [16:0]       s2_d4;         // tot - ihl*4, bit 16 set when negative
reg              s2_rlen_lt20, s2_rlen_lt40, s2_rlen_gt40, s2_rlen_lt48, s2_rlen_lt56;
reg              s2_rlen_lt_u8;   // len < l2 + ihl + 8
reg              s2_rlen_lt_u16;  // len < l2 + ihl + 16
reg              s2_tot_gt_rlen, s2_tot_lt_rlen;
reg              s2_pe6_eq_len;   // l2 + 40 + plen == len
reg              s2_plen_lt16;
reg              s2_proto_esp, s2_proto_udp, s2_fo_nz, s2_mf;
reg              s2_nh_esp, s2_nh_udp, s2_nh_frag, s2_nh_ext, s2_frag_esp;
reg [32*8-1:0]   s2_addr;       // L3 bytes 8..39: IPv4 src/dst at 4..11, IPv6 0..31
reg [WB*8-1:0]   s2_h4;         // L3 bytes ihl*4 .. +24
reg [WB*8-1:0]   s2_h6;         // L3 bytes 40 .. 63
reg [GROUPS*GRP_W-1:0] s2_grp;
reg [GRP_W-1:0]  s2_grp0_base, s2_grp1_base;

always @(posedge clk) begin
    if (rst) begin
        s2_valid <= 1'b0;
    end else begin
        s2_valid <= s1_valid;
    end
    s2_user        <= s1_user;
    s2_mac_err     <= s1_mac_err;
    s2_runt        <= s1_runt;
    s2_vlan        <= s1_vlan;
    s2_big         <= s1_big;
    s2_is4         <= s1_et == ET_IPV4;
    s2_is6         <= s1_et == ET_IPV6;
    s2_ver4        <= s1_n[7:4] == 4'd4;
    s2_ver6        <= s1_n[7:4] == 4'd6;
    s2_ihl         <= s1_ihl;
    s2_plen        <= s1_plen;
    s2_d4          <= {1'b0, s1_tot} - {10'd0, s1_ihl4};
    s2_rlen_lt20   <= s1_rlen < 14'd20;
    s2_rlen_lt40   <= s1_rlen < 14'd40;
    s2_rlen_gt40   <= s1_rlen > 14'd40;
    s2_rlen_lt48   <= s1_rlen < 14'd48;
    s2_rlen_lt56   <= s1_rlen < 14'd56;
    s2_rlen_lt_u8  <= s1_rlen < {7'd0, s1_ihl4} + 14'd8;
    s2_rlen_lt_u16 <= s1_rlen < {7'd0, s1_ihl4} + 14'd16;
    s2_tot_gt_rlen <= s1_tot > s1_rlen16;
    s2_tot_lt_rlen <= s1_tot < s1_rlen16;
    s2_pe6_eq_len  <= {1'b0, s1_plen} + 17'd40 == {1'b0, s1_rlen16};
    s2_plen_lt16   <= s1_plen < 16'd16;
    s2_proto_esp   <= s1_proto == P_ESP;
    s2_proto_udp   <= s1_proto == P_UDP;
    s2_fo_nz       <= {s1_n[6*8 +: 5], s1_n[7*8 +: 8]} != 13'd0;
    s2_mf          <= s1_n[6*8 + 5];
    s2_nh_esp      <= s1_nh == P_ESP;
    s2_nh_udp      <= s1_nh == P_UDP;
    s2_nh_frag     <= s1_nh == 8'd44;
    s2_nh_ext      <= s1_nh_ext;
    s2_frag_esp    <= s1_n[40*8 +: 8] == P_ESP;
    s2_addr        <= s1_n[8*8 +: 32*8];
    s2_h4          <= s1_n[{1'b0, s1_ihl, 5'b0} +: WB*8];
    s2_h6          <= s1_n[40*8 +: WB*8];
    s2_grp         <= s1_grp;
    s2_grp0_base   <= s1_grp0_base;
    s2_grp1_base   <= s1_grp1_base;
end

// ---------------------------------------------------------------------------
// stage 3: UDP and ESP headers, per-variant compares, checksum halves
// ---------------------------------------------------------------------------
// Both the IPv4 and the IPv6 variant of each compare run in parallel; the
// decision picks one.
wire          s2_udp   = s2_is6 ? s2_nh_udp : s2_proto_udp;
wire [WB*8-1:0] s2_h   = s2_is6 ? s2_h6 : s2_h4;
wire [127:0]  s2_esph  = s2_udp ? s2_h[8*8 +: 128] : s2_h[0 +: 128];
wire [6:0]    s2_l3len = s2_is6 ? 7'd40 : {1'b0, s2_ihl, 2'b00};
wire [15:0]   s2_pay   = s2_is6 ? s2_plen : s2_d4[15:0];

function [15:0] be16_of;
    input [WB*8-1:0] h;
    input integer o;
    begin
        be16_of = {h[o*8 +: 8], h[(o+1)*8 +: 8]};
    end
endfunction

// group g of the checksum, widened for the halves
function [SUM_W-1:0] grp_at;
    input [GROUPS*GRP_W-1:0] grp;
    input integer g;
    begin
        grp_at = {{(SUM_W-GRP_W){1'b0}}, grp[g*GRP_W +: GRP_W]};
    end
endfunction

wire [SUM_W-1:0] s2_lo_base = {{(SUM_W-GRP_W){1'b0}}, s2_grp0_base}
                            + {{(SUM_W-GRP_W){1'b0}}, s2_grp1_base}
                            + grp_at(s2_grp, 2) + grp_at(s2_grp, 3);
wire [SUM_W-1:0] s2_lo_full = grp_at(s2_grp, 0) + grp_at(s2_grp, 1)
                            + grp_at(s2_grp, 2) + grp_at(s2_grp, 3);
wire [SUM_W-1:0] s2_hi      = grp_at(s2_grp, 4) + grp_at(s2_grp, 5)
                            + grp_at(s2_grp, 6) + grp_at(s2_grp, 7);

reg              s3_valid;
reg [USER_W-1:0] s3_user;
reg              s3_mac_err, s3_runt, s3_vlan, s3_big;
reg              s3_is4, s3_is6, s3_ver4, s3_ver6, s3_udp;
reg              s3_ihl_lt5;
reg              s3_d4_neg, s3_d4_lt8, s3_d4_lt16;
reg              s3_rlen_lt20, s3_rlen_lt40, s3_rlen_gt40, s3_rlen_lt48, s3_rlen_lt56;
reg              s3_rlen_lt_u8, s3_rlen_lt_u16;
reg              s3_tot_gt_rlen, s3_tot_lt_rlen, s3_pe6_eq_len, s3_plen_lt16;
reg              s3_proto_esp, s3_proto_udp, s3_fo_nz, s3_mf;
reg              s3_nh_esp, s3_nh_udp, s3_nh_frag, s3_nh_ext, s3_frag_esp;
reg              s3_dport4_ok, s3_dport6_ok;    // destination port 4500
reg              s3_ulen4_ok, s3_ulen6_ok;      // UDP length == tot - ihl / plen
reg              s3_marker4_zero, s3_marker6_zero;
reg [127:0]      s3_src, s3_dst;
reg [15:0]       s3_sport, s3_dport;
reg [31:0]       s3_spi, s3_seq;
reg [63:0]       s3_iv;
reg [6:0]        s3_l3len, s3_esp_off;
reg [13:0]       s3_esp_len;
reg              s3_esp_len_lt8;
reg [SUM_W-1:0]  s3_lo_base, s3_lo_full, s3_hi;

always @(posedge clk) begin
    if (rst) begin
        s3_valid <= 1'b0;
    end else begin
        s3_valid <= s2_valid;
    end
    s3_user         <= s2_user;
    s3_mac_err      <= s2_mac_err;
    s3_runt         <= s2_runt;
    s3_vlan         <= s2_vlan;
    s3_big          <= s2_big;
    s3_is4          <= s2_is4;
    s3_is6          <= s2_is6;
    s3_ver4         <= s2_ver4;
    s3_ver6         <= s2_ver6;
    s3_udp          <= s2_udp;
    s3_ihl_lt5      <= s2_ihl < 4'd5;
    s3_d4_neg       <= s2_d4[16];
    s3_d4_lt8       <= s2_d4[16] || s2_d4[15:3] == 13'd0;
    s3_d4_lt16      <= s2_d4[16] || s2_d4[15:4] == 12'd0;
    s3_rlen_lt20    <= s2_rlen_lt20;
    s3_rlen_lt40    <= s2_rlen_lt40;
    s3_rlen_gt40    <= s2_rlen_gt40;
    s3_rlen_lt48    <= s2_rlen_lt48;
    s3_rlen_lt56    <= s2_rlen_lt56;
    s3_rlen_lt_u8   <= s2_rlen_lt_u8;
    s3_rlen_lt_u16  <= s2_rlen_lt_u16;
    s3_tot_gt_rlen  <= s2_tot_gt_rlen;
    s3_tot_lt_rlen  <= s2_tot_lt_rlen;
    s3_pe6_eq_len   <= s2_pe6_eq_len;
    s3_plen_lt16    <= s2_plen_lt16;
    s3_proto_esp    <= s2_proto_esp;
    s3_proto_udp    <= s2_proto_udp;
    s3_fo_nz        <= s2_fo_nz;
    s3_mf           <= s2_mf;
    s3_nh_esp       <= s2_nh_esp;
    s3_nh_udp       <= s2_nh_udp;
    s3_nh_frag      <= s2_nh_frag;
    s3_nh_ext       <= s2_nh_ext;
    s3_frag_esp     <= s2_frag_esp;
    s3_dport4_ok    <= be16_of(s2_h4, 2) == NATT_PORT;
    s3_dport6_ok    <= be16_of(s2_h6, 2) == NATT_PORT;
    s3_ulen4_ok     <= {1'b0, be16_of(s2_h4, 4)} == s2_d4;
    s3_ulen6_ok     <= be16_of(s2_h6, 4) == s2_plen;
    s3_marker4_zero <= s2_h4[8*8 +: 32] == 32'd0;
    s3_marker6_zero <= s2_h6[8*8 +: 32] == 32'd0;
    s3_src          <= s2_is6 ? s2_addr[0 +: 128] : {96'd0, s2_addr[4*8 +: 32]};
    s3_dst          <= s2_is6 ? s2_addr[16*8 +: 128] : {96'd0, s2_addr[8*8 +: 32]};
    s3_sport        <= s2_udp ? be16_of(s2_h, 0) : 16'd0;
    s3_dport        <= s2_udp ? be16_of(s2_h, 2) : 16'd0;
    s3_spi          <= {s2_esph[0 +: 8], s2_esph[8 +: 8], s2_esph[16 +: 8], s2_esph[24 +: 8]};
    s3_seq          <= {s2_esph[32 +: 8], s2_esph[40 +: 8], s2_esph[48 +: 8], s2_esph[56 +: 8]};
    s3_iv           <= s2_esph[64 +: 64];
    s3_l3len        <= s2_l3len;
    s3_esp_off      <= (s2_vlan ? 7'd18 : 7'd14) + s2_l3len + (s2_udp ? 7'd8 : 7'd0);
    s3_esp_len      <= s2_pay[13:0] - (s2_udp ? 14'd8 : 14'd0);
    // pe - l3 < 8; only reached with pe >= l3, where pay >= 8 * udp
    s3_esp_len_lt8  <= s2_pay < (s2_udp ? 16'd16 : 16'd8);
    s3_lo_base      <= s2_lo_base;
    s3_lo_full      <= s2_lo_full;
    s3_hi           <= s2_hi;
end

// ---------------------------------------------------------------------------
// stage 4: the rules of section 2 in order, the checksum sums
// ---------------------------------------------------------------------------
// The header checksum is the last ESP check of IPv4 (MALFORMED); it comes in
// stage 5 and can only override an IPv4 frame that got this far.
reg       s3_decided;   // outcome decided (else ESP candidate)
reg [7:0] s3_reason;
reg       s3_csum_applies;
always @(*) begin
    s3_decided      = 1'b1;
    s3_reason       = `SPISYNC_R_PASS_THROUGH;
    s3_csum_applies = 1'b0;
    if (s3_mac_err) begin
        s3_reason = `SPISYNC_R_MAC_ERROR;
    end else if (s3_runt) begin
        s3_reason = `SPISYNC_R_MALFORMED;
    end else if (s3_is4) begin
        if (s3_rlen_lt20 || !s3_ver4) begin
            s3_reason = `SPISYNC_R_PASS_THROUGH;
        end else if (s3_proto_esp && (s3_fo_nz || s3_mf)) begin
            s3_reason = `SPISYNC_R_PUNT_FRAGMENT;
        end else if (s3_proto_udp && (s3_ihl_lt5 || s3_rlen_lt_u8 ||
                     s3_fo_nz || !s3_dport4_ok)) begin
            s3_reason = `SPISYNC_R_PASS_THROUGH;
        end else if (s3_proto_udp && s3_mf) begin
            s3_reason = `SPISYNC_R_PUNT_FRAGMENT;
        end else if (s3_proto_udp && (s3_d4_lt16 || s3_rlen_lt_u16 ||
                     s3_marker4_zero)) begin
            s3_reason = `SPISYNC_R_PASS_THROUGH;
        end else if (!s3_proto_esp && !s3_proto_udp) begin
            s3_reason = `SPISYNC_R_PASS_THROUGH;
        // tot < ihl + 8 with UDP cannot fire after the payload rule above;
        // kept as the document writes the ESP checks
        end else if (s3_ihl_lt5 || (s3_udp ? s3_d4_lt8 : s3_d4_neg) ||
                     s3_tot_gt_rlen || (s3_tot_lt_rlen && s3_big) ||
                     (s3_udp && !s3_ulen4_ok)) begin
            s3_reason = `SPISYNC_R_MALFORMED;
        end else begin
            s3_csum_applies = 1'b1;
            if (s3_esp_len_lt8) begin
                s3_reason = `SPISYNC_R_MALFORMED;
            end else if (s3_spi[31:8] == 24'd0) begin
                s3_reason = `SPISYNC_R_SPI_RESERVED;
            end else begin
                s3_decided = 1'b0;
                s3_reason  = 8'd0;
            end
        end
    end else if (s3_is6) begin
        if (s3_rlen_lt40 || !s3_ver6) begin
            s3_reason = `SPISYNC_R_PASS_THROUGH;
        end else if (s3_nh_frag && s3_rlen_gt40 && s3_frag_esp) begin
            s3_reason = `SPISYNC_R_PUNT_FRAGMENT;
        end else if (s3_nh_ext) begin
            s3_reason = `SPISYNC_R_PUNT_IPV6_EXT;
        end else if (s3_nh_udp && (s3_rlen_lt48 || !s3_dport6_ok ||
                     s3_plen_lt16 || s3_rlen_lt56 || s3_marker6_zero)) begin
            s3_reason = `SPISYNC_R_PASS_THROUGH;
        end else if (!s3_nh_esp && !s3_nh_udp) begin
            s3_reason = `SPISYNC_R_PASS_THROUGH;
        end else if (!s3_pe6_eq_len || (s3_udp && !s3_ulen6_ok)) begin
            s3_reason = `SPISYNC_R_MALFORMED;
        end else if (s3_esp_len_lt8) begin
            s3_reason = `SPISYNC_R_MALFORMED;
        end else if (s3_spi[31:8] == 24'd0) begin
            s3_reason = `SPISYNC_R_SPI_RESERVED;
        end else begin
            s3_decided = 1'b0;
            s3_reason  = 8'd0;
        end
    end
end

reg              s4_valid;
reg [USER_W-1:0] s4_user;
reg              s4_decided, s4_csum_applies, s4_is4;
reg [7:0]        s4_reason;
reg              s4_vlan, s4_is6, s4_udp;
reg [6:0]        s4_l3len, s4_esp_off;
reg [13:0]       s4_esp_len;
reg [127:0]      s4_src, s4_dst;
reg [15:0]       s4_sport, s4_dport;
reg [31:0]       s4_spi, s4_seq;
reg [63:0]       s4_iv;
reg [SUM_W-1:0]  s4_sum_base, s4_sum_full;

always @(posedge clk) begin
    if (rst) begin
        s4_valid <= 1'b0;
    end else begin
        s4_valid <= s3_valid;
    end
    s4_user         <= s3_user;
    s4_decided      <= s3_decided;
    s4_reason       <= s3_reason;
    s4_csum_applies <= s3_csum_applies;
    s4_is4          <= s3_is4;
    s4_vlan         <= s3_vlan;
    s4_is6          <= s3_is6;
    s4_udp          <= s3_udp && (s3_is4 || s3_is6);
    s4_l3len        <= s3_l3len;
    s4_esp_off      <= s3_esp_off;
    s4_esp_len      <= s3_esp_len;
    s4_src          <= s3_src;
    s4_dst          <= s3_dst;
    s4_sport        <= s3_sport;
    s4_dport        <= s3_dport;
    s4_spi          <= s3_spi;
    s4_seq          <= s3_seq;
    s4_iv           <= s3_iv;
    s4_sum_base     <= s3_lo_base + s3_hi;
    s4_sum_full     <= s3_lo_full + s3_hi;
end

// ---------------------------------------------------------------------------
// stage 5: checksum fold and check, outputs
// ---------------------------------------------------------------------------
// One fold of a 21-bit sum, lo + hi with hi = bits 20:16 below 32, leaves
// at most 0x1001E; a second fold (adding bit 16 back) cannot carry again.
// The header is valid when the twice-folded full sum is 0xFFFF. With
// lo + hi <= 0x1001E that happens only for lo + hi == 0xFFFF (0x1FFFE is out
// of reach), i.e. lo == ~hi: a compare, no adder.
// The base's two folds as one carry chain: lo + hi, and lo + hi + 1 in
// parallel for when the first carries out.
wire [16:0] s4_fold_base   = {1'b0, s4_sum_base[15:0]} + {12'd0, s4_sum_base[20:16]};
wire [5:0]  s4_base_hi_p1  = {1'b0, s4_sum_base[20:16]} + 6'd1;
// (cannot carry out: it is only used when lo + hi is at most 0x1001E)
wire [15:0] s4_fold_base_c = s4_sum_base[15:0] + {10'd0, s4_base_hi_p1};
wire [15:0] s4_csum_base   = s4_fold_base[16] ? s4_fold_base_c : s4_fold_base[15:0];
wire        s4_csum_bad  = s4_sum_full[15:0] != ~{11'd0, s4_sum_full[20:16]};
wire        s4_malformed = s4_csum_applies && s4_csum_bad;

always @(posedge clk) begin
    if (rst) begin
        out_valid <= 1'b0;
    end else begin
        out_valid <= s4_valid;
    end
    out_user         <= s4_user;
    out_esp          <= !s4_decided && !s4_malformed;
    out_reason       <= s4_malformed ? `SPISYNC_R_MALFORMED : s4_reason;
    out_vlan         <= s4_vlan;
    out_ipv6         <= s4_is6;
    out_udp          <= s4_udp;
    out_l2_len       <= s4_vlan ? 5'd18 : 5'd14;
    out_l3_hdr_len   <= s4_l3len;
    out_esp_off      <= s4_esp_off;
    out_esp_len      <= s4_esp_len;
    out_src          <= s4_src;
    out_dst          <= s4_dst;
    out_sport        <= s4_sport;
    out_dport        <= s4_dport;
    out_spi          <= s4_spi;
    out_seq          <= s4_seq;
    out_iv           <= s4_iv;
    out_v4_csum_base <= s4_is4 ? s4_csum_base : 16'd0;
end

// LATENCY documents the pipeline depth for instantiating modules and tests
wire [7:0] unused_latency = LATENCY[7:0];
// bytes 0..11 (MAC addresses) and those past the deepest field are not read
wire unused_hdr = &{1'b0, in_hdr[0 +: 12*8], in_hdr[HDR_BYTES*8-1:(18+NB)*8]};

endmodule

`resetall
