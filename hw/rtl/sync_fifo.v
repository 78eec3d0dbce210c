// spisync -- synchronous FIFO with valid/ready on both sides.
//
// First-word-fall-through: m_valid is high whenever a word is ready and
// m_data is the oldest word. Storage is a ram_sdp (block RAM for large DEPTH)
// behind a two-word output queue, so m_data comes from a register and one
// word per clock flows when both sides are ready. s_ready is low only when
// DEPTH words wait in the RAM. `count`: words held, including the queue.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module sync_fifo #(
    parameter integer WIDTH = 32,
    parameter integer DEPTH = 16,          // power of two, >= 2
    parameter integer ADDR_W = $clog2(DEPTH)
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [WIDTH-1:0] s_data,
    input  wire             s_valid,
    output wire             s_ready,

    output wire [WIDTH-1:0] m_data,
    output wire             m_valid,
    input  wire             m_ready,

    output wire [ADDR_W:0]  count
);

// RAM part: wr_ptr/rd_ptr over the RAM. RAM reads take a clock, so a
// two-word output queue (q0 = head) keeps one word per clock flowing.
reg  [ADDR_W:0]  wr_ptr;
reg  [ADDR_W:0]  rd_ptr;
reg              rd_pending;     // RAM read issued last clock, data arrive now
wire [WIDTH-1:0] ram_q;
reg  [WIDTH-1:0] q0;
reg  [WIDTH-1:0] q1;
reg  [1:0]       oq;             // words in q0/q1

wire [ADDR_W:0] ram_count = wr_ptr - rd_ptr;
wire ram_full  = ram_count == DEPTH[ADDR_W:0];
wire ram_empty = ram_count == 0;

assign s_ready = !ram_full;
wire push = s_valid && !ram_full;

wire       taken    = (oq != 2'd0) && m_ready;
wire [1:0] oq_left  = oq - {1'b0, taken};
// a read issued now lands next clock behind what is left plus what is in flight
wire pop_ram = !ram_empty && ((oq_left + {1'b0, rd_pending}) <= 2'd1);

assign m_valid = oq != 2'd0;
assign m_data  = q0;
assign count   = ram_count + {{(ADDR_W-1){1'b0}}, oq} + {{ADDR_W{1'b0}}, rd_pending};

ram_sdp #(
    .WIDTH(WIDTH),
    .DEPTH(DEPTH)
) u_ram (
    .clk(clk),
    .wr_en(push),
    .wr_addr(wr_ptr[ADDR_W-1:0]),
    .wr_data(s_data),
    .rd_en(pop_ram),
    .rd_addr(rd_ptr[ADDR_W-1:0]),
    .rd_data(ram_q)
);

always @(posedge clk) begin
    if (push) begin
        wr_ptr <= wr_ptr + 1'b1;
    end
    if (pop_ram) begin
        rd_ptr <= rd_ptr + 1'b1;
    end
    rd_pending <= pop_ram;
    if (taken) begin
        q0 <= q1;
    end
    if (rd_pending) begin
        if (oq_left == 2'd0) begin
            q0 <= ram_q;
        end else begin
            q1 <= ram_q;
        end
    end
    oq <= oq_left + {1'b0, rd_pending};
    if (rst) begin
        wr_ptr     <= 0;
        rd_ptr     <= 0;
        rd_pending <= 1'b0;
        oq         <= 2'd0;
    end
end

endmodule

`resetall
