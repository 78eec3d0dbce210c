// spisync -- RV32C expander of the controller core (hw/cpu/rv32_core.v):
// one 16-bit compressed instruction in, the 32-bit RV32I instruction it
// stands for out, or `illegal` for an encoding RV32IC does not define
// (the all-zero word, the F/D loads and stores, RV64-only forms, the
// reserved zero immediates of C.ADDI4SPN / C.ADDI16SP / C.LUI / C.LWSP /
// C.JR, shift amounts with bit 5 set).
//
// Purely combinational; the core registers the result. HINT encodings
// (rd = x0 forms) expand to the RV32I instruction that writes x0, which is
// what they must do.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module rv32_cdec (
    input  wire [15:0] c,
    output reg  [31:0] instr,
    output reg         illegal
);

localparam [6:0] OP_LUI    = 7'b0110111;
localparam [6:0] OP_JAL    = 7'b1101111;
localparam [6:0] OP_JALR   = 7'b1100111;
localparam [6:0] OP_BRANCH = 7'b1100011;
localparam [6:0] OP_LOAD   = 7'b0000011;
localparam [6:0] OP_STORE  = 7'b0100011;
localparam [6:0] OP_IMM    = 7'b0010011;
localparam [6:0] OP_OP     = 7'b0110011;
localparam [6:0] OP_SYSTEM = 7'b1110011;

localparam [4:0] X0 = 5'd0;
localparam [4:0] X1 = 5'd1;
localparam [4:0] X2 = 5'd2;

// register fields
wire [4:0] rd_full  = c[11:7];
wire [4:0] rs2_full = c[6:2];
wire [4:0] rdp      = {2'b01, c[4:2]};   // rd' / rs2'
wire [4:0] rs1p     = {2'b01, c[9:7]};   // rs1' / rd'

// immediates at their final bit positions, sign-extended (branch and jump
// offsets without their bit 0, always 0)
wire [11:0] imm_addi4spn = {2'b00, c[10:7], c[12:11], c[5], c[6], 2'b00};
wire [11:0] imm_lw       = {5'b0, c[5], c[12:10], c[6], 2'b00};
wire [11:0] imm_ci       = {{7{c[12]}}, c[6:2]};
wire [20:1] imm_j        = {{10{c[12]}}, c[8], c[10:9], c[6], c[7], c[2], c[11], c[5:3]};
wire [11:0] imm_16sp     = {{3{c[12]}}, c[4:3], c[5], c[2], c[6], 4'b0000};
wire [19:0] imm_lui      = {{15{c[12]}}, c[6:2]};
wire [12:1] imm_b        = {{5{c[12]}}, c[6:5], c[2], c[11:10], c[4:3]};
wire [11:0] imm_lwsp     = {4'b0, c[3:2], c[12], c[6:4], 2'b00};
wire [11:0] imm_swsp     = {4'b0, c[8:7], c[12:9], 2'b00};

function [31:0] itype(input [11:0] imm, input [4:0] rs1, input [2:0] f3, input [4:0] rd, input [6:0] op);
    itype = {imm, rs1, f3, rd, op};
endfunction

function [31:0] stype(input [11:0] imm, input [4:0] rs2, input [4:0] rs1, input [2:0] f3);
    stype = {imm[11:5], rs2, rs1, f3, imm[4:0], OP_STORE};
endfunction

function [31:0] rtype(input [6:0] f7, input [4:0] rs2, input [4:0] rs1, input [2:0] f3, input [4:0] rd);
    rtype = {f7, rs2, rs1, f3, rd, OP_OP};
endfunction

function [31:0] btype(input [12:1] imm, input [4:0] rs1, input [2:0] f3);
    btype = {imm[12], imm[10:5], X0, rs1, f3, imm[4:1], imm[11], OP_BRANCH};
endfunction

function [31:0] jtype(input [20:1] imm, input [4:0] rd);
    jtype = {imm[20], imm[10:1], imm[11], imm[19:12], rd, OP_JAL};
endfunction

always @* begin
    instr   = 32'd0;
    illegal = 1'b0;
    case ({c[1:0], c[15:13]})
    // ---- quadrant 0
    5'b00_000: begin  // C.ADDI4SPN (nzuimm 0: illegal, includes the all-zero word)
        instr   = itype(imm_addi4spn, X2, 3'b000, rdp, OP_IMM);
        illegal = c[12:5] == 8'd0;
    end
    5'b00_010: instr = itype(imm_lw, rs1p, 3'b010, rdp, OP_LOAD);   // C.LW
    5'b00_110: instr = stype(imm_lw, rdp, rs1p, 3'b010);            // C.SW
    // ---- quadrant 1
    5'b01_000: instr = itype(imm_ci, rd_full, 3'b000, rd_full, OP_IMM);  // C.NOP / C.ADDI
    5'b01_001: instr = jtype(imm_j, X1);                                 // C.JAL
    5'b01_010: instr = itype(imm_ci, X0, 3'b000, rd_full, OP_IMM);       // C.LI
    5'b01_011: begin
        if (rd_full == X2) begin                                         // C.ADDI16SP
            instr   = itype(imm_16sp, X2, 3'b000, X2, OP_IMM);
            illegal = {c[12], c[6:2]} == 6'd0;
        end else begin                                                   // C.LUI
            instr   = {imm_lui, rd_full, OP_LUI};
            illegal = {c[12], c[6:2]} == 6'd0;
        end
    end
    5'b01_100: begin
        case (c[11:10])
        2'b00: begin  // C.SRLI
            instr   = itype({7'b0000000, c[6:2]}, rs1p, 3'b101, rs1p, OP_IMM);
            illegal = c[12];
        end
        2'b01: begin  // C.SRAI
            instr   = itype({7'b0100000, c[6:2]}, rs1p, 3'b101, rs1p, OP_IMM);
            illegal = c[12];
        end
        2'b10: instr = itype(imm_ci, rs1p, 3'b111, rs1p, OP_IMM);  // C.ANDI
        default: begin
            illegal = c[12];  // C.SUBW / C.ADDW and reserved: RV64 only
            case (c[6:5])
            2'b00: instr = rtype(7'b0100000, rdp, rs1p, 3'b000, rs1p);  // C.SUB
            2'b01: instr = rtype(7'b0000000, rdp, rs1p, 3'b100, rs1p);  // C.XOR
            2'b10: instr = rtype(7'b0000000, rdp, rs1p, 3'b110, rs1p);  // C.OR
            default: instr = rtype(7'b0000000, rdp, rs1p, 3'b111, rs1p); // C.AND
            endcase
        end
        endcase
    end
    5'b01_101: instr = jtype(imm_j, X0);                 // C.J
    5'b01_110: instr = btype(imm_b, rs1p, 3'b000);       // C.BEQZ
    5'b01_111: instr = btype(imm_b, rs1p, 3'b001);       // C.BNEZ
    // ---- quadrant 2
    5'b10_000: begin  // C.SLLI
        instr   = itype({7'b0000000, c[6:2]}, rd_full, 3'b001, rd_full, OP_IMM);
        illegal = c[12];
    end
    5'b10_010: begin  // C.LWSP (rd = x0 reserved)
        instr   = itype(imm_lwsp, X2, 3'b010, rd_full, OP_LOAD);
        illegal = rd_full == X0;
    end
    5'b10_100: begin
        if (!c[12]) begin
            if (rs2_full == X0) begin  // C.JR (rs1 = x0 reserved)
                instr   = itype(12'd0, rd_full, 3'b000, X0, OP_JALR);
                illegal = rd_full == X0;
            end else begin             // C.MV
                instr = rtype(7'b0000000, rs2_full, X0, 3'b000, rd_full);
            end
        end else begin
            if (rs2_full == X0) begin
                if (rd_full == X0) begin  // C.EBREAK
                    instr = {12'd1, X0, 3'b000, X0, OP_SYSTEM};
                end else begin            // C.JALR
                    instr = itype(12'd0, rd_full, 3'b000, X1, OP_JALR);
                end
            end else begin                // C.ADD
                instr = rtype(7'b0000000, rs2_full, rd_full, 3'b000, rd_full);
            end
        end
    end
    5'b10_110: instr = stype(imm_swsp, rs2_full, X2, 3'b010);  // C.SWSP
    // C.FLD, C.FLW, C.FSD, C.FSW, C.FLDSP, C.FLWSP, C.FSDSP, C.FSWSP, the
    // reserved quadrant-0 slot, and (c[1:0] = 11) no compressed instruction
    default: illegal = 1'b1;
    endcase
end

endmodule

`resetall
