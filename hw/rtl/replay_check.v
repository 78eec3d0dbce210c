// spisync -- anti-replay check of one ESP packet against its SA's window
// (RFC 4303 3.4.3 and Appendix A2.2; docs/datapath.md section 4).
//
// Combinational: a reader registers the SA state and the sequence number
// before it and the verdict after it. The A2.2 terms come from replay_infer
// (which esp_commit uses as well); this adds the bitmap lookup.
//
// Everything hangs off one 32-bit subtraction d = Tl - seq (mod 2^32) and
// its borrow, instead of forming S and comparing 64-bit numbers:
//   * A2.2's "seq >= Tl - W + 1" is "seq > Tl or d < W" in case A
//     (Tl >= W - 1), and "seq > Tl and d < W" in case B (Tl < W - 1);
//   * for S in the window, T - S = d (also with Sh = Th - 1, where T - S is
//     2^32 + d, d < W), so the bitmap index is d[9:0]: the bottom of the
//     carry chain, ready first, drives the W:1 mux (the deepest part) while
//     the upper bits and the case decisions settle;
//   * S > T exactly when Sh = Th + 1, or Sh = Th and seq > Tl. With ESN
//     every seq lands right of T - W, so only ESN-off packets can be old.
// S = 0 needs Sh = 0 and seq = 0, which only Sh = Th with Th = 0 gives.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module replay_check #(
    parameter integer W = 1024              // power of two, 2 .. 2^31
) (
    input  wire         esn,
    input  wire [31:0]  seq,                // low 32 bits from the packet
    input  wire [63:0]  top,                // T (ESN off: top[63:32] is zero)
    input  wire [W-1:0] bitmap,             // bit i: T - i received
    output wire [63:0]  s,                  // inferred full sequence number
    output wire         ok                  // S != 0, not left of the window, not seen, inference valid
);

localparam integer IDX_W = $clog2(W);

wire [31:0]      th;
wire             sel_inc, sel_dec, valid, newer, in_window;
wire [IDX_W-1:0] idx;

replay_infer #(.W(W)) infer_inst (
    .esn(esn),
    .seq(seq),
    .top(top),
    .th(th),
    .sel_inc(sel_inc),
    .sel_dec(sel_dec),
    .valid(valid),
    .newer(newer),
    .in_window(in_window),
    .idx(idx)
);

assign s  = {sel_inc ? th + 32'd1 : (sel_dec ? th - 32'd1 : th), seq};
assign ok = valid && (newer || (in_window && !bitmap[idx]));

endmodule

`resetall
