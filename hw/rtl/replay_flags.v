// spisync -- the flags RFC 4303 Appendix A2.2 decides from, for one packet
// against the SA's window top T = {Th, Tl}, in one combinational block:
// everything hangs off one 32-bit subtraction d = Tl - seq and its borrow
// (replay_check's header explains the arithmetic). replay_space makes the
// decision from them; replay_infer is the two together. esp_commit uses the
// flags alone: it decides for each value of the two late ones (ahead and
// in_reach come out of the carry chain last) and selects at the end.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module replay_flags #(
    parameter integer W = 1024              // power of two, 2 .. 2^31
) (
    input  wire                 esn,
    input  wire [31:0]          seq,        // low 32 bits from the packet
    input  wire [63:0]          top,        // T (ESN off: top[63:32] is zero)

    output wire [31:0]          th,         // T's high half as trusted (0 without ESN)
    output wire                 ahead,      // seq > Tl
    output wire                 in_reach,   // d < W
    output wire                 case_a,     // Tl >= W - 1
    output wire                 th_zero,
    output wire                 th_max,
    output wire                 seq_zero,
    output wire [$clog2(W)-1:0] idx         // d mod W: the bitmap index when S is in the window
);

localparam integer IDX_W = $clog2(W);

// the high half is never trusted without ESN, so a stale Th cannot leak in
assign th = esn ? top[63:32] : 32'd0;
wire [31:0] tl = top[31:0];

wire [32:0] diff = {1'b0, tl} - {1'b0, seq};

assign ahead    = diff[32];
assign in_reach = diff[31:IDX_W] == {(32-IDX_W){1'b0}};
assign case_a   = tl >= W - 1;
assign th_zero  = th == 32'd0;
assign th_max   = th == 32'hFFFF_FFFF;
assign seq_zero = seq == 32'd0;
assign idx      = diff[IDX_W-1:0];

endmodule

`resetall
