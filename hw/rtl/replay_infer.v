// spisync -- RFC 4303 Appendix A2.2 for one packet against the SA's window
// top, in one combinational block: the inferred high half and where S lands
// (replay_space decides from the flags formed here). replay_check adds the
// bitmap lookup; esp_commit uses these terms for candidate states formed a
// clock before it decides. The arithmetic is explained in replay_check's
// header.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module replay_infer #(
    parameter integer W = 1024              // power of two, 2 .. 2^31
) (
    input  wire                 esn,
    input  wire [31:0]          seq,        // low 32 bits from the packet
    input  wire [63:0]          top,        // T (ESN off: top[63:32] is zero)

    output wire [31:0]          th,         // T's high half as trusted (0 without ESN)
    output wire                 sel_inc,    // S's high half is th + 1
    output wire                 sel_dec,    // S's high half is th - 1 (else th)
    output wire                 valid,      // A2.2 has a subspace for seq and S != 0
    output wire                 newer,      // S > T
    output wire                 in_window,  // T - W < S <= T
    output wire [$clog2(W)-1:0] idx         // T - S when in_window: the bitmap index
);

localparam integer IDX_W = $clog2(W);

// the high half is never trusted without ESN, so a stale Th cannot leak in
assign th = esn ? top[63:32] : 32'd0;
wire [31:0] tl = top[31:0];

wire [32:0] diff = {1'b0, tl} - {1'b0, seq};
assign idx = diff[IDX_W-1:0];

replay_space space_inst (
    .esn(esn),
    .ahead(diff[32]),
    .in_reach(diff[31:IDX_W] == {(32-IDX_W){1'b0}}),
    .case_a(tl >= W - 1),
    .th_zero(th == 32'd0),
    .th_max(th == 32'hFFFF_FFFF),
    .seq_zero(seq == 32'd0),
    .sel_inc(sel_inc),
    .sel_dec(sel_dec),
    .valid(valid),
    .newer(newer),
    .in_window(in_window)
);

endmodule

`resetall
