// spisync -- the event history: the last DEPTH event records the card issued,
// readable over the control port without touching the ring
// (EVENT_HIST_COUNT, EVENT_HIST_SELECT, EVENT_HIST_DATA in
// docs/register-map.md). It lets a host see the recent misses when no
// process owns the ring, or the ring is disabled (docs/event-ring.md).
//
// Record number n (counted from reset, modulo 2^32) lives in slot n mod
// DEPTH of a RAM until record n + DEPTH overwrites it. Records are taken one
// per clock through a register (the card's record mux stays off the RAM's
// write path), with the PHASE flag cleared: the ring writer sets it, the
// history has no laps. `count` is the number of records written to the RAM.
//
// sel_en reads slot sel_index mod DEPTH; sel_rec holds it (the RAM's output
// register, kept until the next select) from the next clock on. A select in
// the clock its slot is written returns the older record: the reader's rule
// (count - n <= DEPTH, checked after reading) tells it that n was overwritten.
// The RAM is not cleared at reset: slots never written since hold whatever
// they held (reset contents or older records), and the count says which
// slots are valid.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module event_hist #(
    parameter integer DEPTH = 64,                          // power of two, >= 2
    parameter integer REC_W = `SPISYNC_EVENT_BYTES * 8
) (
    input  wire             clk,
    input  wire             rst,

    input  wire             in_valid,
    input  wire [REC_W-1:0] in_rec,

    input  wire             sel_en,
    input  wire [31:0]      sel_index,
    output wire [REC_W-1:0] sel_rec,

    output reg  [31:0]      count
);

localparam integer AW = $clog2(DEPTH);
localparam integer PHASE_POS = `SPISYNC_EVF_FLAGS_OFF * 8 + `SPISYNC_EV_FLAG_PHASE_BIT;

generate
    if (DEPTH < 2 || (1 << AW) != DEPTH) begin : g_check
        event_hist_DEPTH_must_be_a_power_of_two_of_at_least_2 invalid_parameter ();
    end
endgenerate

reg             st_valid;
reg [REC_W-1:0] st_rec;

always @(posedge clk) begin
    st_valid <= in_valid;
    if (in_valid) begin
        st_rec <= in_rec & ~({{(REC_W-1){1'b0}}, 1'b1} << PHASE_POS);
    end
    if (st_valid) begin
        count <= count + 32'd1;
    end
    if (rst) begin
        st_valid <= 1'b0;
        count    <= 32'd0;
    end
end

ram_sdp #(
    .WIDTH(REC_W),
    .DEPTH(DEPTH)
) u_ram (
    .clk(clk),
    .wr_en(st_valid),
    .wr_addr(count[AW-1:0]),
    .wr_data(st_rec),
    .rd_en(sel_en),
    .rd_addr(sel_index[AW-1:0]),
    .rd_data(sel_rec)
);

wire unused_sel = &{sel_index[31:AW]};

endmodule

`resetall
