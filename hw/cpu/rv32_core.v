// spisync -- the card controller's CPU: RV32IMC, machine mode only, no
// interrupts, a multi-cycle state machine (one instruction at a time, about
// 6 clocks each, 7 for jumps and branches, plus memory waits; 35 more for
// M). It runs the controller firmware (firmware/, a poll loop) inside the
// Alveo kernel; correctness and a short critical path (300 MHz on
// UltraScale+) matter, speed does not.
//
// Timing: S_EXEC's adders and compares end at registers; the selects among
// their results come a clock later (Yosys sta, xcup cell delays, no
// routing: 2,967 ps, the branch compare into br_q; it was 4,161 ps, the
// compare through the next-pc select into pc).
// Hence S_JUMP (jumps and branches retire from registered targets a clock
// after S_EXEC), S_MALIGN (a misaligned access traps a clock later, from
// d_req_addr), the ALU results registered by kind and chosen at write-back,
// pc_seq_q, the 64-bit counters' high words counting on the low word's
// all-ones, and rv32_muldiv's two-clock output.
//
// Zicsr subset: mstatus (MIE, MPIE; MPP reads 3), misa (RV32IMC), mtvec
// (direct mode only), mepc, mcause, mtval, mscratch, mie / mip (read 0,
// writes ignored), mcycle[h], minstret[h] (read/write), cycle[h], instret[h]
// (read only), mvendorid / marchid / mimpid / mhartid (0). An unknown CSR,
// or a write to a read-only one, is an illegal instruction.
//
// Traps: illegal instruction (mcause 2, mtval = the instruction bits, 16
// of them for a compressed one), ecall (11), ebreak (3, mtval = pc),
// misaligned load / store (4 / 6, mtval = the address), fetch / load /
// store bus error (1 / 5 / 7, mtval = pc or the address). A trap sets mepc
// (the instruction's pc), mcause, mtval, MPIE = MIE, MIE = 0, and jumps to
// mtvec; MRET returns to mepc. FENCE, FENCE.I and WFI are no-ops.
//
// Memory ports (instruction fetch i_*, data d_*), the same protocol each:
//   * request: *_req_valid with the address (and for d_ the write enable,
//     byte strobes, write data and the access size 0/1/2 = byte/half/word)
//     held until *_req_ready is high at a clock edge. Every request output
//     is a register. Fetch addresses are word aligned (a 32-bit instruction
//     at pc[1] = 1 is fetched in two words); data addresses are the byte
//     address, naturally aligned (a misaligned access traps before it is
//     issued); write data is already placed on its byte lanes.
//   * response: exactly one *_rsp_valid clock per accepted request, at
//     least one clock after the acceptance, with *_rsp_rdata (the whole
//     word, reads) and *_rsp_err (bus error: the access traps). Writes get
//     a response too. At most one request per port is outstanding, and the
//     two ports are never busy at the same time.
// Reset (synchronous, active high) starts fetching at RESET_PC.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module rv32_core #(
    parameter [31:0] RESET_PC = 32'h0000_0000
) (
    input  wire        clk,
    input  wire        rst,

    output reg         i_req_valid,
    input  wire        i_req_ready,
    output reg  [31:0] i_req_addr,
    input  wire        i_rsp_valid,
    input  wire [31:0] i_rsp_rdata,
    input  wire        i_rsp_err,

    output reg         d_req_valid,
    input  wire        d_req_ready,
    output reg  [31:0] d_req_addr,
    output reg         d_req_we,
    output reg  [3:0]  d_req_wstrb,
    output reg  [31:0] d_req_wdata,
    output reg  [1:0]  d_req_size,
    input  wire        d_rsp_valid,
    input  wire [31:0] d_rsp_rdata,
    input  wire        d_rsp_err
);

// ---------------------------------------------------------------------------
// states
// ---------------------------------------------------------------------------
localparam [3:0] S_BOOT   = 4'd0;  // issue the first fetch
localparam [3:0] S_IFETCH = 4'd1;  // waiting for instruction words
localparam [3:0] S_DECODE = 4'd2;  // expand a compressed instruction
localparam [3:0] S_REGRD  = 4'd3;  // register file, immediates, decode flags, CSR read
localparam [3:0] S_EXEC   = 4'd4;  // ALU, branch compare, CSR write, traps, issue memory
localparam [3:0] S_DWAIT  = 4'd5;  // waiting for the data response
localparam [3:0] S_LDWB   = 4'd6;  // load alignment, write back
localparam [3:0] S_MULDIV = 4'd7;  // waiting for rv32_muldiv
localparam [3:0] S_JUMP   = 4'd8;  // jal, jalr, branch: retire to the target S_EXEC registered
localparam [3:0] S_MALIGN = 4'd9;  // misaligned load / store: trap with the registered address

localparam [6:0] OP_LUI    = 7'b0110111;
localparam [6:0] OP_AUIPC  = 7'b0010111;
localparam [6:0] OP_JAL    = 7'b1101111;
localparam [6:0] OP_JALR   = 7'b1100111;
localparam [6:0] OP_BRANCH = 7'b1100011;
localparam [6:0] OP_LOAD   = 7'b0000011;
localparam [6:0] OP_STORE  = 7'b0100011;
localparam [6:0] OP_IMM    = 7'b0010011;
localparam [6:0] OP_OP     = 7'b0110011;
localparam [6:0] OP_FENCE  = 7'b0001111;
localparam [6:0] OP_SYSTEM = 7'b1110011;

localparam [31:0] CAUSE_FETCH_FAULT = 32'd1;
localparam [31:0] CAUSE_ILLEGAL     = 32'd2;
localparam [31:0] CAUSE_BREAK       = 32'd3;
localparam [31:0] CAUSE_LOAD_ALIGN  = 32'd4;
localparam [31:0] CAUSE_LOAD_FAULT  = 32'd5;
localparam [31:0] CAUSE_STORE_ALIGN = 32'd6;
localparam [31:0] CAUSE_STORE_FAULT = 32'd7;
localparam [31:0] CAUSE_ECALL_M     = 32'd11;

localparam [31:0] MISA = 32'h4000_1104;  // MXL 1, I, M, C

reg [3:0] state;

// ---------------------------------------------------------------------------
// architectural state
// ---------------------------------------------------------------------------
reg [31:0] pc;
reg [31:0] rf [0:31];       // x0 is never written and reads as 0 below

reg        mstatus_mie, mstatus_mpie;
reg [31:2] mtvec;
reg [31:1] mepc;
reg [31:0] mcause, mtval, mscratch;
reg [63:0] mcycle, minstret;

// ---------------------------------------------------------------------------
// fetch and decode registers
// ---------------------------------------------------------------------------
reg        fetch_second;    // waiting for the word holding the upper half
reg [15:0] fetch_lo;        // the lower half of a split 32-bit instruction
reg [31:0] fbuf;            // the instruction as fetched (compressed: [15:0])
reg        fbuf_c;          // it is compressed
reg [31:0] ir;              // the 32-bit form
reg        c_illegal;       // rv32_cdec refused it

wire [31:0] c_instr;
wire        c_bad;
rv32_cdec u_cdec (
    .c       (fbuf[15:0]),
    .instr   (c_instr),
    .illegal (c_bad)
);

wire [6:0] opcode = ir[6:0];
wire [4:0] rd     = ir[11:7];
wire [2:0] f3     = ir[14:12];
wire [4:0] rs1    = ir[19:15];
wire [4:0] rs2    = ir[24:20];
wire [6:0] f7     = ir[31:25];
wire [11:0] csr_addr = ir[31:20];

// decoded in S_REGRD, used in S_EXEC (and the flags in the write-back
// clock after it)
reg [31:0] rs1_v, rs2_v, imm, alu_b;
reg        d_lui, d_auipc, d_jal, d_jalr, d_branch, d_load, d_store, d_alu_imm,
           d_alu_reg, d_muldiv, d_csr, d_ecall, d_ebreak, d_mret, d_illegal;
reg        d_sub;           // OP with funct7 0100000: the adder subtracts
// the write-back source, one-hot, so that the write-back clock's select is
// a single AND-OR level over registers
reg        w_add, w_sft, w_cmp, w_lgc, w_imm, w_pcimm, w_link, w_csr;
reg [31:0] csr_old;

// CSR read and legality
reg [31:0] csr_rd;
reg        csr_exists;
wire       csr_writes = f3[1:0] == 2'b01 || rs1 != 5'd0;   // CSRRW[I] always; S/C with rs1/uimm != 0
wire       csr_ok = csr_exists && !(csr_addr[11:10] == 2'b11 && csr_writes);
always @* begin
    csr_exists = 1'b1;
    csr_rd     = 32'd0;
    case (csr_addr)
    12'h300: csr_rd = {19'd0, 2'b11, 3'd0, mstatus_mpie, 3'd0, mstatus_mie, 3'd0};
    12'h301: csr_rd = MISA;
    12'h304, 12'h344: csr_rd = 32'd0;                  // mie, mip
    12'h305: csr_rd = {mtvec, 2'b00};
    12'h340: csr_rd = mscratch;
    12'h341: csr_rd = {mepc, 1'b0};
    12'h342: csr_rd = mcause;
    12'h343: csr_rd = mtval;
    12'hB00, 12'hC00: csr_rd = mcycle[31:0];
    12'hB80, 12'hC80: csr_rd = mcycle[63:32];
    12'hB02, 12'hC02: csr_rd = minstret[31:0];
    12'hB82, 12'hC82: csr_rd = minstret[63:32];
    12'hF11, 12'hF12, 12'hF13, 12'hF14: csr_rd = 32'd0;
    default: csr_exists = 1'b0;
    endcase
end

// ---------------------------------------------------------------------------
// S_REGRD decode (combinational on ir)
// ---------------------------------------------------------------------------
reg        dec_illegal;
reg [31:0] dec_imm;
always @* begin
    dec_illegal = 1'b0;
    dec_imm     = {{20{ir[31]}}, ir[31:20]};  // I
    case (opcode)
    OP_LUI, OP_AUIPC: dec_imm = {ir[31:12], 12'd0};
    OP_JAL:    dec_imm = {{12{ir[31]}}, ir[19:12], ir[20], ir[30:21], 1'b0};
    OP_JALR:   dec_illegal = f3 != 3'b000;
    OP_BRANCH: begin
        dec_imm     = {{20{ir[31]}}, ir[7], ir[30:25], ir[11:8], 1'b0};
        dec_illegal = f3 == 3'b010 || f3 == 3'b011;
    end
    OP_LOAD:   dec_illegal = f3 == 3'b011 || f3 == 3'b110 || f3 == 3'b111;
    OP_STORE: begin
        dec_imm     = {{20{ir[31]}}, ir[31:25], ir[11:7]};
        dec_illegal = f3[2] || f3[1:0] == 2'b11;
    end
    OP_IMM: begin
        if (f3 == 3'b001) begin
            dec_illegal = f7 != 7'b0000000;
        end else if (f3 == 3'b101) begin
            dec_illegal = f7 != 7'b0000000 && f7 != 7'b0100000;
        end
    end
    OP_OP: begin
        dec_illegal = !(f7 == 7'b0000000 || f7 == 7'b0000001 ||
                        (f7 == 7'b0100000 && (f3 == 3'b000 || f3 == 3'b101)));
    end
    OP_FENCE:  dec_illegal = f3[2:1] != 2'b00;
    OP_SYSTEM: begin
        if (f3 == 3'b000) begin
            dec_illegal = !(ir[31:7] == 25'd0                       // ecall
                         || ir[31:7] == {12'h001, 13'd0}            // ebreak
                         || ir[31:7] == {12'h302, 13'd0}            // mret
                         || ir[31:7] == {12'h105, 13'd0});          // wfi
        end else if (f3 == 3'b100) begin
            dec_illegal = 1'b1;
        end else begin
            dec_illegal = !csr_ok;
        end
    end
    default:   dec_illegal = 1'b1;
    endcase
end

// ---------------------------------------------------------------------------
// S_EXEC (combinational on the decoded registers)
// ---------------------------------------------------------------------------
// The ALU's four kinds of result are registered apart (res_*) and chosen in
// the write-back clock: an 8:1 select on f3 after the adder or the shifter
// does not fit the period. One adder serves add, sub (carry in through the
// extra low bit), the load / store address and jalr's target.
wire [4:0]  shamt   = alu_b[4:0];
wire        alt     = ir[30];
wire [32:0] add_x   = {rs1_v, 1'b1} + {alu_b ^ {32{d_sub}}, d_sub};
wire [31:0] add_out = add_x[32:1];
wire        unused_add_x = add_x[0];
wire        lt_s    = $signed(rs1_v) < $signed(alu_b);
wire        lt_u    = rs1_v < alu_b;
wire [31:0] sft_out = !f3[2] ? (rs1_v << shamt)
                    : alt    ? $unsigned($signed(rs1_v) >>> shamt)
                    :          (rs1_v >> shamt);
wire        cmp_out = f3[0] ? lt_u : lt_s;
wire [31:0] lgc_out = !f3[1] ? (rs1_v ^ alu_b) : f3[0] ? (rs1_v & alu_b) : (rs1_v | alu_b);

// branches compare rs1 with rs2 (alu_b is rs2 only for register ALU ops)
wire br_eq  = rs1_v == rs2_v;
wire br_lt  = $signed(rs1_v) < $signed(rs2_v);
wire br_ltu = rs1_v < rs2_v;
reg  br_taken;
always @* begin
    case (f3)
    3'b000:  br_taken = br_eq;
    3'b001:  br_taken = !br_eq;
    3'b100:  br_taken = br_lt;
    3'b101:  br_taken = !br_lt;
    3'b110:  br_taken = br_ltu;
    default: br_taken = !br_ltu;   // 111 (010/011 are illegal)
    endcase
end

// pc and fbuf_c hold from S_DECODE until the retire: pc_seq_q (registered
// every clock) is the sequential pc from S_REGRD on, without an adder in
// S_EXEC's next-pc select
wire [31:0] pc_seq  = pc + (fbuf_c ? 32'd2 : 32'd4);
wire [31:0] pc_imm  = pc + imm;
wire [31:0] mem_addr = add_out;
wire        mem_misaligned = (f3[1:0] == 2'b01 && mem_addr[0]) ||
                             (f3[1:0] == 2'b10 && mem_addr[1:0] != 2'b00);

// CSR write value
wire [31:0] csr_src = f3[2] ? {27'd0, rs1} : rs1_v;
reg  [31:0] csr_new;
always @* begin
    case (f3[1:0])
    2'b01:   csr_new = csr_src;
    2'b10:   csr_new = csr_old | csr_src;
    default: csr_new = csr_old & ~csr_src;
    endcase
end

// store lanes
reg [31:0] st_data;
reg [3:0]  st_strb;
always @* begin
    case (f3[1:0])
    2'b00: begin
        st_data = {4{rs2_v[7:0]}};
        st_strb = 4'b0001 << mem_addr[1:0];
    end
    2'b01: begin
        st_data = {2{rs2_v[15:0]}};
        st_strb = mem_addr[1] ? 4'b1100 : 4'b0011;
    end
    default: begin
        st_data = rs2_v;
        st_strb = 4'b1111;
    end
    endcase
end

// load alignment (S_LDWB, on the registered response)
reg  [31:0] ld_word;
wire [31:0] ld_shift = ld_word >> {d_req_addr[1:0], 3'b000};
reg  [31:0] ld_val;
always @* begin
    case (f3)
    3'b000:  ld_val = {{24{ld_shift[7]}}, ld_shift[7:0]};
    3'b001:  ld_val = {{16{ld_shift[15]}}, ld_shift[15:0]};
    3'b100:  ld_val = {24'd0, ld_shift[7:0]};
    3'b101:  ld_val = {16'd0, ld_shift[15:0]};
    default: ld_val = ld_shift;
    endcase
end

// ---------------------------------------------------------------------------
// multiply / divide
// ---------------------------------------------------------------------------
wire        md_start = state == S_EXEC && d_muldiv && !d_illegal;
wire        md_busy, md_done;
wire [31:0] md_result;
rv32_muldiv u_muldiv (
    .clk    (clk),
    .rst    (rst),
    .start  (md_start),
    .op     (f3),
    .a      (rs1_v),
    .b      (rs2_v),
    .busy   (md_busy),
    .done   (md_done),
    .result (md_result)
);

// ---------------------------------------------------------------------------
// register write-back. S_EXEC registers its candidate results; the write
// happens the clock after (wb_pend, while the next fetch waits or, for
// jal / jalr, in S_JUMP: the next instruction reads the register file at
// least 3 clocks later), choosing among them with the one-hot w_* flags,
// which hold until the next S_REGRD.
// Loads (S_LDWB) and M (S_MULDIV) write in their own clock.
// ---------------------------------------------------------------------------
reg        wb_pend;
reg [31:0] res_add, res_sft, res_lgc, res_pcimm, pc_seq_q;
reg        res_cmp;
reg        br_q;            // S_EXEC's branch condition, for S_JUMP
wire [31:0] exec_result = ({32{w_add}}   & res_add)
                        | ({32{w_sft}}   & res_sft)
                        | ({32{w_lgc}}   & res_lgc)
                        | {31'd0, w_cmp  & res_cmp}
                        | ({32{w_imm}}   & imm)
                        | ({32{w_pcimm}} & res_pcimm)
                        | ({32{w_link}}  & pc_seq_q)
                        | ({32{w_csr}}   & csr_old);
wire        wb_en   = wb_pend || state == S_LDWB || (state == S_MULDIV && md_done);
wire [31:0] wb_data = wb_pend ? exec_result : (state == S_LDWB) ? ld_val : md_result;

// ---------------------------------------------------------------------------
// what this clock does: retire (next pc), trap
// ---------------------------------------------------------------------------
reg        exec_wb;        // S_EXEC: the instruction writes rd (next clock)
reg        retire;         // the instruction completes: pc <= next_pc, fetch
reg [31:0] next_pc;
reg        trap;
reg [31:0] trap_cause, trap_val;
reg        do_mret;
reg        csr_we;

always @* begin
    exec_wb    = 1'b0;
    retire     = 1'b0;
    next_pc    = pc_seq_q;
    trap       = 1'b0;
    trap_cause = CAUSE_ILLEGAL;
    trap_val   = 32'd0;
    do_mret    = 1'b0;
    csr_we     = 1'b0;
    case (state)
    S_IFETCH: begin
        if (i_rsp_valid && i_rsp_err) begin
            trap       = 1'b1;
            trap_cause = CAUSE_FETCH_FAULT;
            trap_val   = pc;
        end
    end
    S_EXEC: begin
        if (d_illegal) begin
            trap       = 1'b1;
            trap_cause = CAUSE_ILLEGAL;
            trap_val   = fbuf_c ? {16'd0, fbuf[15:0]} : fbuf;
        end else if (d_lui || d_auipc) begin
            exec_wb = 1'b1; retire = 1'b1;
        end else if (d_jal || d_jalr) begin
            exec_wb = 1'b1;                        // retires in S_JUMP
        end else if (d_alu_imm || d_alu_reg) begin
            exec_wb = 1'b1; retire = 1'b1;
        end else if (d_branch || d_load || d_store) begin
            ;                                      // S_JUMP, S_DWAIT or S_MALIGN next
        end else if (d_csr) begin
            exec_wb = 1'b1; retire = 1'b1;
            csr_we = csr_writes;
        end else if (d_ecall) begin
            trap = 1'b1; trap_cause = CAUSE_ECALL_M;
        end else if (d_ebreak) begin
            trap = 1'b1; trap_cause = CAUSE_BREAK; trap_val = pc;
        end else if (d_mret) begin
            retire = 1'b1; next_pc = {mepc, 1'b0}; do_mret = 1'b1;
        end else if (!d_muldiv) begin
            retire = 1'b1;                         // fence, fence.i, wfi
        end
    end
    S_DWAIT: begin
        if (d_rsp_valid) begin
            if (d_rsp_err) begin
                trap       = 1'b1;
                trap_cause = d_req_we ? CAUSE_STORE_FAULT : CAUSE_LOAD_FAULT;
                trap_val   = d_req_addr;
            end else if (d_req_we) begin
                retire = 1'b1;
            end
        end
    end
    S_JUMP: begin
        // the targets were added in S_EXEC (res_pcimm, res_add) and the
        // branch compared (br_q): only a select of registers here
        retire = 1'b1;
        if (d_jalr) begin
            next_pc = {res_add[31:1], 1'b0};
        end else if (d_jal || br_q) begin
            next_pc = res_pcimm;
        end
    end
    S_MALIGN: begin
        trap       = 1'b1;
        trap_cause = d_load ? CAUSE_LOAD_ALIGN : CAUSE_STORE_ALIGN;
        trap_val   = d_req_addr;
    end
    S_LDWB: retire = 1'b1;
    S_MULDIV: retire = md_done;
    default: ;
    endcase
end

// register file: one write port, written only with rd != 0
always @(posedge clk) begin
    if (wb_en && rd != 5'd0) begin
        rf[rd] <= wb_data;
    end
end

// ---------------------------------------------------------------------------
// the state machine
// ---------------------------------------------------------------------------
wire [31:0] fetch_target = trap ? {mtvec, 2'b00} : next_pc;

always @(posedge clk) begin
    // the high words count on the low word's all-ones, so that no carry
    // runs through 64 bits in one clock
    mcycle[31:0] <= mcycle[31:0] + 32'd1;
    if (&mcycle[31:0]) begin
        mcycle[63:32] <= mcycle[63:32] + 32'd1;
    end

    wb_pend   <= state == S_EXEC && exec_wb;
    res_add   <= add_out;
    res_sft   <= sft_out;
    res_cmp   <= cmp_out;
    res_lgc   <= lgc_out;
    res_pcimm <= pc_imm;
    pc_seq_q  <= pc_seq;
    br_q      <= br_taken;
    if (retire) begin
        minstret[31:0] <= minstret[31:0] + 32'd1;
        if (&minstret[31:0]) begin
            minstret[63:32] <= minstret[63:32] + 32'd1;
        end
    end

    if (i_req_valid && i_req_ready) begin
        i_req_valid <= 1'b0;
    end
    if (d_req_valid && d_req_ready) begin
        d_req_valid <= 1'b0;
    end

    case (state)
    S_BOOT: begin
        i_req_valid  <= 1'b1;
        i_req_addr   <= {pc[31:2], 2'b00};
        fetch_second <= 1'b0;
        state        <= S_IFETCH;
    end
    S_IFETCH: begin
        if (i_rsp_valid && !i_rsp_err) begin
            if (fetch_second) begin
                fbuf   <= {i_rsp_rdata[15:0], fetch_lo};
                fbuf_c <= 1'b0;
                state  <= S_DECODE;
            end else if (!pc[1]) begin
                fbuf   <= i_rsp_rdata;
                fbuf_c <= i_rsp_rdata[1:0] != 2'b11;
                state  <= S_DECODE;
            end else if (i_rsp_rdata[17:16] != 2'b11) begin
                fbuf   <= {16'd0, i_rsp_rdata[31:16]};
                fbuf_c <= 1'b1;
                state  <= S_DECODE;
            end else begin
                fetch_lo     <= i_rsp_rdata[31:16];
                fetch_second <= 1'b1;
                i_req_valid  <= 1'b1;
                i_req_addr   <= i_req_addr + 32'd4;
            end
        end
    end
    S_DECODE: begin
        ir        <= fbuf_c ? c_instr : fbuf;
        c_illegal <= fbuf_c && c_bad;
        state     <= S_REGRD;
    end
    S_REGRD: begin
        rs1_v     <= (rs1 == 5'd0) ? 32'd0 : rf[rs1];
        rs2_v     <= (rs2 == 5'd0) ? 32'd0 : rf[rs2];
        alu_b     <= (opcode == OP_OP) ? ((rs2 == 5'd0) ? 32'd0 : rf[rs2]) : dec_imm;
        imm       <= dec_imm;
        csr_old   <= csr_rd;
        d_illegal <= c_illegal || dec_illegal;
        d_lui     <= opcode == OP_LUI;
        d_auipc   <= opcode == OP_AUIPC;
        d_jal     <= opcode == OP_JAL;
        d_jalr    <= opcode == OP_JALR;
        d_branch  <= opcode == OP_BRANCH;
        d_load    <= opcode == OP_LOAD;
        d_store   <= opcode == OP_STORE;
        d_alu_imm <= opcode == OP_IMM;
        d_alu_reg <= opcode == OP_OP && f7 != 7'b0000001;
        d_muldiv  <= opcode == OP_OP && f7 == 7'b0000001;
        d_csr     <= opcode == OP_SYSTEM && f3 != 3'b000;
        d_ecall   <= opcode == OP_SYSTEM && f3 == 3'b000 && csr_addr == 12'h000;
        d_ebreak  <= opcode == OP_SYSTEM && f3 == 3'b000 && csr_addr == 12'h001;
        d_mret    <= opcode == OP_SYSTEM && f3 == 3'b000 && csr_addr == 12'h302;
        d_sub     <= opcode == OP_OP && ir[30];
        w_add     <= (opcode == OP_IMM || opcode == OP_OP) && f3 == 3'b000;
        w_sft     <= (opcode == OP_IMM || opcode == OP_OP) && f3[1:0] == 2'b01;
        w_cmp     <= (opcode == OP_IMM || opcode == OP_OP) && f3[2:1] == 2'b01;
        w_lgc     <= (opcode == OP_IMM || opcode == OP_OP) && f3[2] && f3[1:0] != 2'b01;
        w_imm     <= opcode == OP_LUI;
        w_pcimm   <= opcode == OP_AUIPC;
        w_link    <= opcode == OP_JAL || opcode == OP_JALR;
        w_csr     <= opcode == OP_SYSTEM && f3 != 3'b000;
        state     <= S_EXEC;
    end
    S_EXEC: begin
        if (!trap && (d_load || d_store)) begin
            // a misaligned access is not issued: its address waits in
            // d_req_addr (valid low) for S_MALIGN's trap, which keeps the
            // adder out of this clock's trap and mtval logic
            d_req_valid <= !mem_misaligned;
            d_req_addr  <= mem_addr;
            d_req_we    <= d_store;
            d_req_wstrb <= d_store ? st_strb : 4'b0000;
            d_req_wdata <= st_data;
            d_req_size  <= f3[1:0];
            state       <= mem_misaligned ? S_MALIGN : S_DWAIT;
        end else if (!trap && d_muldiv) begin
            state <= S_MULDIV;
        end else if (!trap && (d_jal || d_jalr || d_branch)) begin
            state <= S_JUMP;
        end
    end
    S_DWAIT: begin
        if (d_rsp_valid && !d_rsp_err && !d_req_we) begin
            ld_word <= d_rsp_rdata;
            state   <= S_LDWB;
        end
    end
    default: ;  // S_LDWB, S_MULDIV: retire below
    endcase

    if (csr_we) begin
        case (csr_addr)
        12'h300: begin
            mstatus_mie  <= csr_new[3];
            mstatus_mpie <= csr_new[7];
        end
        12'h305: mtvec    <= csr_new[31:2];
        12'h340: mscratch <= csr_new;
        12'h341: mepc     <= csr_new[31:1];
        12'h342: mcause   <= csr_new;
        12'h343: mtval    <= csr_new;
        12'hB00: mcycle[31:0]    <= csr_new;
        12'hB80: mcycle[63:32]   <= csr_new;
        12'hB02: minstret[31:0]  <= csr_new;
        12'hB82: minstret[63:32] <= csr_new;
        default: ;
        endcase
    end

    if (do_mret) begin
        mstatus_mie  <= mstatus_mpie;
        mstatus_mpie <= 1'b1;
    end

    if (trap) begin
        mepc         <= pc[31:1];
        mcause       <= trap_cause;
        mtval        <= trap_val;
        mstatus_mpie <= mstatus_mie;
        mstatus_mie  <= 1'b0;
    end

    if (retire || trap) begin
        pc           <= fetch_target;
        i_req_valid  <= 1'b1;
        i_req_addr   <= {fetch_target[31:2], 2'b00};
        fetch_second <= 1'b0;
        state        <= S_IFETCH;
    end

    if (rst) begin
        state        <= S_BOOT;
        pc           <= RESET_PC;
        wb_pend      <= 1'b0;
        i_req_valid  <= 1'b0;
        d_req_valid  <= 1'b0;
        fetch_second <= 1'b0;
        mstatus_mie  <= 1'b0;
        mstatus_mpie <= 1'b0;
        mtvec        <= RESET_PC[31:2];
        mcause       <= 32'd0;
        mcycle       <= 64'd0;
        minstret     <= 64'd0;
    end
end

wire unused_md_busy = md_busy;

endmodule

`resetall
