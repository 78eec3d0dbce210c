// spisync -- controller events: the card controller's own SA records
// (FW_EVENT, docs/register-map.md), for the lifetimes the hardware cannot
// see (time: the controller tracks it and reports an SA whose soft or hard
// time lifetime has passed).
//
// A FW_EVENT write of type SA_SOFT_EXPIRY or SA_HARD_EXPIRY builds one
// 64-byte record in a holding register:
//   TYPE, FLAGS 0, FRAME_LEN 0, SPI = FW_EVENT_SPI, TIME_NS = card time in
//   the clock of the write, SRC/DST/SEQ/ports 0, COUNT 1 (a time lifetime;
//   the hardware's byte and packet expiries carry 0), SA_INDEX = bits 31:16,
//   RX_SEQ 0.
// Writes of any other type are ignored. The record leaves on m_* (valid/
// ready) into the SA event FIFO, behind the commit stage's events, which
// cannot wait and so always go first (spisync_card). While it waits, busy
// is 1 (FW_EVENT_STATUS bit 0) and a FW_EVENT write of a valid type is
// ignored and counted in `ignored` (saturating at 2^16 - 1): the controller
// retries once busy falls, so nothing it reports is lost silently.

`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "spisync_defs.vh"

module fw_event #(
    parameter integer REC_W = `SPISYNC_EVENT_BYTES * 8
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [63:0]      time_ns,

    input  wire             wr,              // FW_EVENT written this clock
    input  wire [31:0]      wr_data,         // bits 7:0 type, 31:16 SA index
    input  wire [31:0]      spi,             // FW_EVENT_SPI

    output wire             m_valid,
    output wire [REC_W-1:0] m_rec,
    input  wire             m_ready,

    output wire             busy,
    output reg  [15:0]      ignored
);

// only the fields that vary are stored; the rest of the record is constant
reg        hold_valid;
reg [7:0]  hold_type;
reg [31:0] hold_spi;
reg [63:0] hold_time;
reg [15:0] hold_index;

wire [7:0] wr_type  = wr_data[7:0];
wire       type_ok  = wr_type == `SPISYNC_EV_SA_SOFT_EXPIRY || wr_type == `SPISYNC_EV_SA_HARD_EXPIRY;
// a write while a record waits is refused even in the clock that record
// leaves: busy as read before the write decides, nothing else
wire       accept   = wr && type_ok && !hold_valid;
wire       refuse   = wr && type_ok && hold_valid;

always @(posedge clk) begin
    if (hold_valid && m_ready) begin
        hold_valid <= 1'b0;
    end
    if (accept) begin
        hold_valid <= 1'b1;
        hold_type  <= wr_type;
        hold_spi   <= spi;
        hold_time  <= time_ns;
        hold_index <= wr_data[31:16];
    end
    if (refuse && ignored != 16'hFFFF) begin
        ignored <= ignored + 16'd1;
    end
    if (rst) begin
        hold_valid <= 1'b0;
        ignored    <= 16'd0;
    end
end

reg [REC_W-1:0] rec;
always @* begin
    rec = {REC_W{1'b0}};
    rec[`SPISYNC_EVF_TYPE_OFF*8 +: 8]      = hold_type;
    rec[`SPISYNC_EVF_SPI_OFF*8 +: 32]      = hold_spi;
    rec[`SPISYNC_EVF_TIME_NS_OFF*8 +: 64]  = hold_time;
    rec[`SPISYNC_EVF_COUNT_OFF*8 +: 32]    = 32'd1;
    rec[`SPISYNC_EVF_SA_INDEX_OFF*8 +: 16] = hold_index;
end

assign m_valid = hold_valid;
assign m_rec   = rec;
assign busy    = hold_valid;

wire unused_wr = &wr_data[15:8];

endmodule

`resetall
