// spisync -- anti-replay window update for a packet that passed
// replay_check and authenticated (RFC 4303 3.4.3; docs/datapath.md 4, 5).
//
// Combinational: the card registers the state before it and writes the
// result back to the SA's state RAM after it.
//
// S > T: the window slides left by S - T (W or more empties it), bit 0 is
// set and T becomes S. Otherwise bit T - S is set.
//
// The barrel shifter is the big part: log4(W) levels of 4:1 muxes, one
// LUT6 per bit and level. Its shift amount is the low 10 bits of Sl - Tl,
// the bottom of a carry chain, ready first: the mux levels switch while
// the compare (S > T, S - T >= W, from the 32-bit halves side by side)
// still settles, and the compare only steers the last level. The bit set
// for S <= T sits at (T - S)[9:0], decoded in parallel. Any S is handled
// (S - T of 2^32 or more included), not only what replay_check lets pass.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module replay_update #(
    parameter integer W = 1024              // power of two, >= 2
) (
    input  wire [63:0]  s,                  // a sequence number that passed replay_check
    input  wire [63:0]  top,
    input  wire [W-1:0] bitmap,
    output wire [63:0]  new_top,
    output wire [W-1:0] new_bitmap
);

localparam integer IDX_W = $clog2(W);

wire [IDX_W-1:0] shift;

// (* keep *) pins the structure below: the compare and the shift levels
// end in nets of their own, so synthesis cannot pull the late compare into
// the early mux levels (ABC sees carry-chain outputs as arriving at zero).
(* keep *) wire newer;
(* keep *) wire far;                       // S - T >= W (when newer)

replay_order #(.W(W)) order_inst (
    .s(s),
    .top(top),
    .newer(newer),
    .beyond(far),
    .slide(shift)
);

wire [IDX_W-1:0] back  = top[IDX_W-1:0] - s[IDX_W-1:0];

// radix-4 shifter: level m shifts by shift[2m+1:2m] * 4^m, one LUT6 (4:1
// mux) per bit; the low shift bits, ready first, drive the first level
localparam integer LEVELS = (IDX_W + 1) / 2;

genvar m;
generate
    for (m = 0; m < LEVELS; m = m + 1) begin : g_shift
        wire [W-1:0] in_m;
        (* keep *) wire [W-1:0] out_m;
        wire [1:0]   sel;
        if (m == 0) begin : g_first
            assign in_m = bitmap;
        end else begin : g_next
            assign in_m = g_shift[m - 1].out_m;
        end
        if (2 * m + 1 < IDX_W) begin : g_two
            assign sel = shift[2*m +: 2];
        end else begin : g_one
            assign sel = {1'b0, shift[2*m]};
        end
        assign out_m = sel == 2'd0 ? in_m :
                       sel == 2'd1 ? in_m << (1 << (2*m)) :
                       sel == 2'd2 ? in_m << (2 << (2*m)) :
                                     in_m << (3 << (2*m));
    end
endgenerate

wire [W-1:0] slid   = far ? {W{1'b0}} : g_shift[LEVELS - 1].out_m;
wire [W-1:0] one    = {{(W-1){1'b0}}, 1'b1};
wire [W-1:0] marked = bitmap | (one << back);

assign new_bitmap = newer ? (slid | one) : marked;
assign new_top    = newer ? s : top;

endmodule

`resetall
