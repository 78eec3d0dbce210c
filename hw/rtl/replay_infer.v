// spisync -- RFC 4303 Appendix A2.2 for one packet against the SA's window
// top, in one combinational block: the inferred high half and where S lands
// (replay_flags forms the flags, replay_space decides from them). replay_check adds the
// bitmap lookup; esp_commit uses it for the terms of S against the previous
// frame's S. The arithmetic is explained in replay_check's
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

wire ahead, in_reach, case_a, th_zero, th_max, seq_zero;

replay_flags #(.W(W)) flags_inst (
    .esn(esn),
    .seq(seq),
    .top(top),
    .th(th),
    .ahead(ahead),
    .in_reach(in_reach),
    .case_a(case_a),
    .th_zero(th_zero),
    .th_max(th_max),
    .seq_zero(seq_zero),
    .idx(idx)
);

replay_space space_inst (
    .esn(esn),
    .ahead(ahead),
    .in_reach(in_reach),
    .case_a(case_a),
    .th_zero(th_zero),
    .th_max(th_max),
    .seq_zero(seq_zero),
    .sel_inc(sel_inc),
    .sel_dec(sel_dec),
    .valid(valid),
    .newer(newer),
    .in_window(in_window)
);

endmodule

`resetall
