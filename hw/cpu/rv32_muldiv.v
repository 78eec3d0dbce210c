// spisync -- the M extension of the controller core (hw/cpu/rv32_core.v):
// MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU, one bit per clock.
//
// Both work on magnitudes: the signed operands are made positive, a 32-step
// shift-and-add multiply or restoring divide runs on them, and the sign is
// put back at the end. Division by zero and the one overflow (INT_MIN / -1)
// need no special case but the first: x / 0 gives all ones and x % 0 gives
// x (the RISC-V rules); INT_MIN / -1 comes out as INT_MIN, remainder 0, as
// the rules want, from the magnitudes 2^31 / 1.
//
// Protocol: `start` for one clock with op (funct3 of the instruction), a
// and b; `done` is high for one clock 35 clocks later with `result`
// (registered). A start while busy is ignored. Small and slow on purpose:
// the firmware multiplies only in its millisecond clock.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module rv32_muldiv (
    input  wire        clk,
    input  wire        rst,
    input  wire        start,
    input  wire [2:0]  op,       // funct3: 0 MUL 1 MULH 2 MULHSU 3 MULHU 4 DIV 5 DIVU 6 REM 7 REMU
    input  wire [31:0] a,
    input  wire [31:0] b,
    output reg         busy,
    output reg         done,
    output reg  [31:0] result
);

localparam [1:0] ST_IDLE = 2'd0;
localparam [1:0] ST_RUN  = 2'd1;
localparam [1:0] ST_FIX  = 2'd2;   // pick the word, and whether to negate it
localparam [1:0] ST_OUT  = 2'd3;   // negate: ~w + cin, a 32-bit carry only

reg  [1:0]  state;
reg  [5:0]  count;
reg         is_div;
reg         want_hi;     // MULH*: the high word
reg         want_rem;    // REM*: the remainder
reg         neg;         // the result's sign must be flipped
reg         div_zero;
reg  [31:0] dividend_orig;
reg  [63:0] acc;         // multiply: product; divide: {remainder, quotient}
reg  [31:0] mcand;       // multiply: |a|; divide: |b|
reg  [31:0] mplier;      // multiply: |b| shifted right each step
// ST_FIX -> ST_OUT: result = (fix_w ^ {32{fix_inv}}) + fix_cin. A 64-bit
// negate in one clock (MULH*'s high word) does not fit the period: its
// high word is ~hi + (lo == 0), the carry out of the low word's negate.
reg  [31:0] fix_w;
reg         fix_inv, fix_cin;

wire a_signed = (op == 3'd1) || (op == 3'd2) || (op == 3'd4) || (op == 3'd6);
wire b_signed = (op == 3'd1) || (op == 3'd4) || (op == 3'd6);
wire a_neg = a_signed && a[31];
wire b_neg = b_signed && b[31];
wire [31:0] a_mag = a_neg ? (32'd0 - a) : a;
wire [31:0] b_mag = b_neg ? (32'd0 - b) : b;

// one restoring-division step on {rem, quo}
// (the shifted remainder needs 33 bits: divisors of 2^31 and more)
wire [33:0] div_try  = {1'b0, acc[63:31]} - {2'b00, mcand};
wire        div_fits = !div_try[33];
wire        unused_div_try = div_try[32];  // 0 whenever it fits

// one shift-and-add step: acc holds the partial product's high part
wire [32:0] mul_sum  = {1'b0, acc[63:32]} + (mplier[0] ? {1'b0, mcand} : 33'd0);


always @(posedge clk) begin
    done <= 1'b0;
    case (state)
    ST_IDLE: begin
        if (start) begin
            state         <= ST_RUN;
            busy          <= 1'b1;
            count         <= 6'd0;
            is_div        <= op[2];
            want_hi       <= op[1:0] != 2'b00;
            want_rem      <= op[1];
            div_zero      <= b == 32'd0;
            dividend_orig <= a;
            if (op[2]) begin
                // quotient sign: operands differ; remainder sign: the dividend's
                neg   <= op[1] ? a_neg : (a_neg ^ b_neg);
                acc   <= {32'd0, a_mag};
                mcand <= b_mag;
            end else begin
                neg    <= a_neg ^ b_neg;
                acc    <= 64'd0;
                mcand  <= a_mag;
                mplier <= b_mag;
            end
        end
    end
    ST_RUN: begin
        count <= count + 6'd1;
        if (is_div) begin
            acc <= div_fits ? {div_try[31:0], acc[30:0], 1'b1} : {acc[62:0], 1'b0};
        end else begin
            acc    <= {mul_sum, acc[31:1]};
            mplier <= {1'b0, mplier[31:1]};
        end
        if (count == 6'd31) begin
            state <= ST_FIX;
        end
    end
    ST_FIX: begin
        state   <= ST_OUT;
        fix_inv <= neg && !(is_div && div_zero);
        fix_cin <= neg && !(is_div && div_zero);
        if (is_div) begin
            if (div_zero) begin
                fix_w <= want_rem ? dividend_orig : 32'hFFFF_FFFF;
            end else begin
                fix_w <= want_rem ? acc[63:32] : acc[31:0];
            end
        end else if (want_hi) begin
            fix_w   <= acc[63:32];
            fix_cin <= neg && acc[31:0] == 32'd0;
        end else begin
            fix_w <= acc[31:0];
        end
    end
    default: begin  // ST_OUT
        state  <= ST_IDLE;
        busy   <= 1'b0;
        done   <= 1'b1;
        result <= (fix_w ^ {32{fix_inv}}) + {31'd0, fix_cin};
    end
    endcase
    if (rst) begin
        state <= ST_IDLE;
        busy  <= 1'b0;
        done  <= 1'b0;
    end
end

endmodule

`resetall
