/*
 * spisync -- start-up of the core's ISA test programs (tests/cpu/isa_test.c, trap_test.c), for
 * QEMU's virt machine and test_cpu_isa's memory model alike: stack, .bss,
 * a trap handler that records mcause / mepc / mtval / mstatus and resumes
 * after the trapping instruction (or at ra after a fetch fault), main, and
 * the exit through the SiFive test device at 0x100000 (0x5555: pass,
 * (code << 16) | 0x3333: fail).
 */
	.section .text.start, "ax", @progbits
	.globl _start
_start:
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	la sp, __stack_top
	la t0, trap_entry
	csrw mtvec, t0
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sw zero, 0(t0)
	addi t0, t0, 4
	j 1b
2:	call main
	li t0, 0x100000
	beqz a0, 3f
	slli a0, a0, 16
	li t1, 0x3333
	or a0, a0, t1
	j 4f
3:	li a0, 0x5555
4:	sw a0, 0(t0)
5:	j 5b

	.text
	.balign 4
	.globl trap_entry
trap_entry:
	csrw mscratch, t0
	la t0, trap_save
	sw t1, 0(t0)
	sw t2, 4(t0)
	csrr t1, mcause
	sw t1, 8(t0)
	csrr t1, mepc
	sw t1, 12(t0)
	csrr t1, mtval
	sw t1, 16(t0)
	csrr t1, mstatus
	sw t1, 20(t0)
	lw t1, 24(t0)
	addi t1, t1, 1
	sw t1, 24(t0)
	csrr t2, mcause
	li t1, 1
	bne t2, t1, 6f
	mv t1, ra                  /* fetch fault: back to the caller */
	j 8f
6:	csrr t1, mepc
	lhu t2, 0(t1)
	andi t2, t2, 3
	addi t1, t1, 2
	addi t2, t2, -3
	bnez t2, 8f
	addi t1, t1, 2
8:	csrw mepc, t1
	lw t1, 0(t0)
	lw t2, 4(t0)
	csrr t0, mscratch
	mret

	.bss
	.balign 4
	.globl trap_save
trap_save:                     /* t1, t2, mcause, mepc, mtval, mstatus, count */
	.space 28
