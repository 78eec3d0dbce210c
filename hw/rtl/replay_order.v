// spisync -- where a sequence number S stands against a window top T, for
// the window's move (replay_update; esp_commit's forward of a moved window
// to the next frame of the same SA): S > T, S - T >= W, and the low bits of
// S - T (the slide).
//
// Combinational. From the 32-bit halves side by side rather than one 64-bit
// carry chain: with Sh - Th = 0 the distance is Sl - Tl; with Sh - Th = 1
// it is 2^32 + Sl - Tl, which is Sl - Tl mod 2^32 when that borrows and at
// least 2^32 otherwise; with Sh - Th >= 2 it is far anyway. The slide is
// the bottom of the low carry chain, ready first.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module replay_order #(
    parameter integer W = 1024              // power of two, >= 2
) (
    input  wire [63:0]          s,
    input  wire [63:0]          top,
    output wire                 newer,      // S > T
    output wire                 beyond,     // S - T >= W (meaningful when newer): the slide empties the window
    output wire [$clog2(W)-1:0] slide       // (S - T) mod W
);

localparam integer IDX_W = $clog2(W);

wire [31:0] sh = s[63:32];
wire [31:0] th = top[63:32];
wire [32:0] lo_d   = {1'b0, s[31:0]} - {1'b0, top[31:0]};
wire        lo_b   = lo_d[32];                                      // Sl < Tl
wire        lo_gt  = !lo_b && lo_d[31:0] != 32'd0;                  // Sl > Tl
wire        lo_far = lo_d[31:IDX_W] != {(32-IDX_W){1'b0}};          // Sl - Tl mod 2^32 >= W
wire        hi_eq  = sh == th;
wire        hi_gt  = sh > th;
wire        hi_one = sh == th + 32'd1;

assign newer = hi_gt || (hi_eq && lo_gt);
assign beyond = !(hi_eq || (hi_one && lo_b)) || lo_far;
assign slide = lo_d[IDX_W-1:0];

endmodule

`resetall
