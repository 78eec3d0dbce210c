/*
 * spisync -- directed trap test of the controller core (test_cpu_isa
 * --directed): each trap the core must take, checked against what the
 * RISC-V privileged spec prescribes (and this core documents, for mtval):
 * the handler (crt0.S trap_entry, reached through mtvec) records mcause,
 * mepc, mtval and mstatus; and the 64-bit counters' carry into their
 * high words. Runs on the core's memory model only (QEMU does not trap
 * misaligned accesses, and its unmapped space differs).
 * Exits 0x5555 when every check holds.
 */
#include <stdint.h>

#include "cpu_io.h"

static unsigned checks, failures;

static void
check(const char *what, uint32_t got, uint32_t want)
{
	checks++;
	if (got != want) {
		failures++;
		out_s("FAIL ");
		out_s(what);
		out_s(": got ");
		out_hex(got);
		out_s(" want ");
		out_hex(want);
		out_c('\n');
	}
}

static void
expect(const char *what, uint32_t count_before, uint32_t cause, uint32_t epc, uint32_t tval)
{
	out_s(what);
	out_c('\n');
	check("count", trap_save.count, count_before + 1);
	check("mcause", trap_save.mcause, cause);
	check("mepc", trap_save.mepc, epc);
	check("mtval", trap_save.mtval, tval);
}

#define UNMAPPED 0x40000000u

int
main(void)
{
	uint32_t label, n, v, mtvec;
	static uint32_t words[4] = { 0x11223344u, 0x55667788u, 0, 0 };
	volatile uint8_t *bytes = (volatile uint8_t *)words;

	extern void trap_entry(void);
	__asm__ volatile("csrr %0, mtvec" : "=r"(mtvec));
	check("mtvec", mtvec, (uint32_t)(uintptr_t)trap_entry);

	/* mepc bit 0 is always 0 (IALIGN 16) */
	__asm__ volatile("csrw mepc, %1\n\tcsrr %0, mepc" : "=r"(v) : "r"(0x80001233u));
	check("mepc bit 0", v, 0x80001232u);

	/* illegal, 16 bits: the all-zero word; mtval = the instruction bits */
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\t.2byte 0" : "=&r"(label) : : "memory");
	expect("illegal c 0000", n, 2, label, 0);
	/* reserved compressed: C.LWSP with rd = x0 (0x4002) */
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\t.2byte 0x4002" : "=&r"(label) : : "memory");
	expect("illegal c.lwsp x0", n, 2, label, 0x4002);
	/* 32-bit: write to the read-only cycle CSR */
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\t.4byte 0xC0001073" : "=&r"(label) : : "memory");
	expect("illegal csrw cycle", n, 2, label, 0xC0001073u);
	/* 32-bit: unknown CSR 0x7C0 */
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\t.4byte 0x7C002573" : "=&r"(label) : : "memory");
	expect("illegal csr 7c0", n, 2, label, 0x7C002573u);
	/* 32-bit: OP-FP opcode (no F) */
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\t.4byte 0x00000053" : "=&r"(label) : : "memory");
	expect("illegal op-fp", n, 2, label, 0x00000053u);
	/* 32-bit at pc[1] = 1 (split fetch) */
	n = trap_save.count;
	__asm__ volatile(".balign 4\n\tc.nop\n\tla %0, 1f\n1:\t.4byte 0x04000033" : "=&r"(label) : : "memory");
	expect("illegal split", n, 2, label, 0x04000033u);

	/* ecall / ebreak; mstatus: MPIE = the MIE before, MIE = 0 in the
	 * handler, MIE back after mret */
	__asm__ volatile("csrsi mstatus, 8");
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tecall" : "=&r"(label) : : "memory");
	expect("ecall", n, 11, label, 0);
	check("mstatus in handler", trap_save.mstatus & 0x1888u, 0x1880u);
	__asm__ volatile("csrr %0, mstatus" : "=r"(v));
	check("mstatus after mret", v & 0x1888u, 0x1888u);
	__asm__ volatile("csrci mstatus, 8");
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tc.ebreak" : "=&r"(label) : : "memory");
	expect("c.ebreak", n, 3, label, label);
	check("mstatus MPIE 0", trap_save.mstatus & 0x88u, 0);
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\t.option push\n\t.option norvc\n\tebreak\n\t.option pop"
	    : "=&r"(label) : : "memory");
	expect("ebreak", n, 3, label, label);

	/* misaligned loads and stores: mtval = the address; the access is
	 * not made */
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tlw %1, 0(%2)" : "=&r"(label), "=r"(v) : "r"(bytes + 1) : "memory");
	expect("lw +1", n, 4, label, (uint32_t)(uintptr_t)(bytes + 1));
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tlw %1, 0(%2)" : "=&r"(label), "=r"(v) : "r"(bytes + 2) : "memory");
	expect("lw +2", n, 4, label, (uint32_t)(uintptr_t)(bytes + 2));
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tlhu %1, 0(%2)" : "=&r"(label), "=r"(v) : "r"(bytes + 3) : "memory");
	expect("lhu +3", n, 4, label, (uint32_t)(uintptr_t)(bytes + 3));
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tsw %1, 0(%2)" : "=&r"(label) : "r"(0xDEADu), "r"(bytes + 6) : "memory");
	expect("sw +6", n, 6, label, (uint32_t)(uintptr_t)(bytes + 6));
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tsh %1, 0(%2)" : "=&r"(label) : "r"(0xBEEFu), "r"(bytes + 9) : "memory");
	expect("sh +9", n, 6, label, (uint32_t)(uintptr_t)(bytes + 9));
	check("no misaligned write", words[1], 0x55667788u);
	check("no misaligned write 2", words[2], 0);

	/* bus errors: load, store, fetch from an unmapped address */
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tlw %1, 0(%2)" : "=&r"(label), "=r"(v) : "r"(UNMAPPED + 8) : "memory");
	expect("load fault", n, 5, label, UNMAPPED + 8);
	n = trap_save.count;
	__asm__ volatile("la %0, 1f\n1:\tsb %1, 0(%2)" : "=&r"(label) : "r"(1), "r"(UNMAPPED + 3) : "memory");
	expect("store fault", n, 7, label, UNMAPPED + 3);
	n = trap_save.count;
	__asm__ volatile("jalr ra, 0(%0)" : : "r"(UNMAPPED + 0x100) : "ra", "memory");
	expect("fetch fault", n, 1, UNMAPPED + 0x100, UNMAPPED + 0x100);

	/* mcycle / minstret are 64 bits: the high word steps once as the low
	 * word wraps (the core counts it on the low word's all-ones, not with
	 * a 64-bit carry). Set each just below a wrap and spin well past it
	 * (100 turns of 2 instructions: 200 retired, over 1,000 clocks), far
	 * from the next (2^32). */
	__asm__ volatile("csrw mcycleh, %0\n\tcsrw mcycle, %1" : : "r"(5u), "r"(0xFFFFFF00u));
	__asm__ volatile("li t0, 100\n1:\taddi t0, t0, -1\n\tbnez t0, 1b" : : : "t0");
	__asm__ volatile("csrr %0, mcycleh" : "=r"(v));
	check("mcycleh after the low word wraps", v, 6);
	__asm__ volatile("csrr %0, mcycle" : "=r"(v));
	check("mcycle wrapped (below 2^24)", v >> 24, 0);
	__asm__ volatile("csrw minstreth, %0\n\tcsrw minstret, %1" : : "r"(9u), "r"(0xFFFFFFC0u));
	__asm__ volatile("li t0, 100\n1:\taddi t0, t0, -1\n\tbnez t0, 1b" : : : "t0");
	__asm__ volatile("csrr %0, minstreth" : "=r"(v));
	check("minstreth after the low word wraps", v, 10);
	__asm__ volatile("csrr %0, minstret" : "=r"(v));
	check("minstret wrapped (below 2^24)", v >> 24, 0);

	/* the registers an instruction after a trap sees are intact */
	__asm__ volatile("li %0, 41\n\tecall\n\taddi %0, %0, 1" : "=&r"(v) : : "memory");
	check("after ecall", v, 42);

	out_s("trap test: ");
	out_hex(checks);
	out_s(" checks, ");
	out_hex(failures);
	out_s(" failed\n");
	return failures == 0 ? 0 : 1;
}
