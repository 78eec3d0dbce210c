// spisync -- one 64-bit counter per outcome reason, exact at any rate.
//
// Up to PORTS increments per clock, several of them possibly naming the same
// counter. Two stages keep the logic shallow: each counter first counts the
// ports naming it this clock (a small popcount, registered), then adds that
// count in one 64-bit carry chain.
//
// Snapshot: a snapshot request in clock t copies every counter with all
// increments presented in clocks up to and including t (the request is
// registered and the copy takes the counter's next value, so the increment
// in flight between the stages is included too). rd_value shows the new
// snapshot from clock t + 2 on; reads are combinational from the snapshot
// bank, 0 for rd_index >= N.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module reason_counters #(
    parameter integer N     = 18,    // counters (`SPISYNC_NUM_REASONS), 1..255
    parameter integer PORTS = 3,     // increment requests per clock
    parameter [63:0]  INIT  = 64'd0  // reset value (tests start near 2^32)
) (
    input  wire               clk,
    input  wire               rst,
    input  wire [PORTS-1:0]   inc_valid,
    input  wire [PORTS*8-1:0] inc_reason,   // counter index per port; >= N ignored
    input  wire               snapshot,
    input  wire [7:0]         rd_index,
    output wire [63:0]        rd_value
);

localparam integer CW = $clog2(PORTS + 1);

reg             snap_q;
wire [N*64-1:0] snap_bank;

genvar i;
generate
    for (i = 0; i < N; i = i + 1) begin : g_counter
        reg  [CW-1:0] hits;       // ports naming this counter now
        reg  [CW-1:0] inc_cnt;    // ... and last clock
        reg  [63:0]   count;
        reg  [63:0]   snap;
        wire [63:0]   count_next = count + {{(64-CW){1'b0}}, inc_cnt};

        always @* begin : count_hits
            integer p;
            hits = {CW{1'b0}};
            for (p = 0; p < PORTS; p = p + 1) begin
                if (inc_valid[p] && {24'd0, inc_reason[p*8 +: 8]} == i) begin
                    hits = hits + 1'b1;
                end
            end
        end

        always @(posedge clk) begin
            inc_cnt <= hits;
            count   <= count_next;
            if (snap_q) begin
                snap <= count_next;
            end
            if (rst) begin
                inc_cnt <= {CW{1'b0}};
                count   <= INIT;
                snap    <= 64'd0;
            end
        end

        assign snap_bank[i*64 +: 64] = snap;
    end
endgenerate

always @(posedge clk) begin
    snap_q <= snapshot;
    if (rst) begin
        snap_q <= 1'b0;
    end
end

reg [63:0] rd_mux;

always @* begin : read_mux
    integer k;
    rd_mux = 64'd0;
    for (k = 0; k < N; k = k + 1) begin
        if ({24'd0, rd_index} == k) begin
            rd_mux = snap_bank[k*64 +: 64];
        end
    end
end

assign rd_value = rd_mux;

endmodule

`resetall
