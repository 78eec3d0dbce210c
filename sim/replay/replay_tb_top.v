// spisync -- test top for the anti-replay blocks, as the card uses them:
// the SA state (T, bitmap) in registers, a register before replay_check,
// one after it, and replay_update writing the state back when the check
// passed. A packet takes three clocks (in -> a -> b -> state); the next one
// may enter once the state is written, as the test bench drives it. `load`
// sets any state, so tests can start an SA anywhere (T near 2^32, T < W);
// `force` skips the check and updates with in_s, so replay_update also sees
// numbers replay_check would never let through (S - T >= 2^32).
// replay_check_split (the card's pre-check, esp_classify) checks the same
// packets beside replay_check, as the card feeds it: the packet in the
// clock it enters, the state in the next; its answers are split_* in the
// clock out_* are registered for, at its default LO_BITS and at 3.
// Simulation only: hw/rtl holds the product RTL.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module replay_tb_top #(
    parameter integer W = 1024
) (
    input  wire         clk,
    input  wire         rst,

    input  wire         load,
    input  wire [63:0]  load_top,
    input  wire [W-1:0] load_bitmap,

    input  wire         in_valid,
    input  wire         in_esn,
    input  wire [31:0]  in_seq,
    input  wire         in_force,           // with in_valid: update with in_s, no check
    input  wire [63:0]  in_s,

    output reg          out_valid,          // the check of the packet two clocks back
    output reg  [63:0]  out_s,
    output reg          out_ok,

    output wire [63:0]  split_s,            // replay_check_split, same packet as out_*
    output wire         split_ok,
    output wire [63:0]  split3_s,           // the same with LO_BITS = 3
    output wire         split3_ok,

    output reg  [63:0]  st_top,
    output reg  [W-1:0] st_bitmap
);

reg         a_valid;
reg         a_esn;
reg  [31:0] a_seq;
reg         a_force;
reg  [63:0] a_s;

wire [63:0]  chk_s;
wire         chk_ok;
wire [63:0]  upd_top;
wire [W-1:0] upd_bitmap;

replay_check #(
    .W(W)
) u_check (
    .esn(a_esn),
    .seq(a_seq),
    .top(st_top),
    .bitmap(st_bitmap),
    .s(chk_s),
    .ok(chk_ok)
);

replay_check_split #(
    .W(W)
) u_split (
    .clk(clk),
    .esn(in_esn),
    .seq(in_seq),
    .top(st_top),
    .bitmap(st_bitmap),
    .s(split_s),
    .ok(split_ok)
);

replay_check_split #(
    .W(W),
    .LO_BITS(3)
) u_split3 (
    .clk(clk),
    .esn(in_esn),
    .seq(in_seq),
    .top(st_top),
    .bitmap(st_bitmap),
    .s(split3_s),
    .ok(split3_ok)
);

replay_update #(
    .W(W)
) u_update (
    .s(out_s),
    .top(st_top),
    .bitmap(st_bitmap),
    .new_top(upd_top),
    .new_bitmap(upd_bitmap)
);

always @(posedge clk) begin
    a_valid <= in_valid;
    if (in_valid) begin
        a_esn   <= in_esn;
        a_seq   <= in_seq;
        a_force <= in_force;
        a_s     <= in_s;
    end
    out_valid <= a_valid;
    if (a_valid) begin
        out_s  <= a_force ? a_s : chk_s;
        out_ok <= a_force || chk_ok;
    end
    if (load) begin
        st_top    <= load_top;
        st_bitmap <= load_bitmap;
    end else if (out_valid && out_ok) begin
        st_top    <= upd_top;
        st_bitmap <= upd_bitmap;
    end
    if (rst) begin
        a_valid   <= 1'b0;
        out_valid <= 1'b0;
        st_top    <= 64'd0;
        st_bitmap <= {W{1'b0}};
    end
end

endmodule

`resetall
