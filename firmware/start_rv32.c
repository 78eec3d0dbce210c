/*
 * spisync firmware -- the entry point on the card's rv32imc soft core.
 *
 * Memory (firmware/rv32.ld, hardware hw/cpu/ctl_cpu.v): a code ROM at 0
 * (block RAM the bitstream fills from this ELF: .text, .rodata, the image
 * of .data) and a data RAM at 0x00100000 (UltraRAM, no initial contents:
 * .data, .bss, the stack). The core leaves reset at _start (address 0);
 * _start copies .data's image and zeroes .bss, on every start.
 *
 * The card's control port: SPISYNC_FW_REG_BASE is where the soft core sees
 * the card's AXI4-Lite register map (docs/register-map.md) on its data bus:
 * register offset X is the 32-bit word at SPISYNC_FW_REG_BASE + X. It is the
 * same register file the host reaches through the PCIe BAR; the card's
 * interconnect gives the core a second master port on it.
 *
 * Time: rdcycle (the Zicntr cycle counter) at SPISYNC_FW_CPU_HZ. The core
 * runs on the kernel's control clock, ap_clk, 300 MHz on the Alveo
 * platforms the card targets; build with -DSPISYNC_FW_CPU_HZ=... for
 * another. now_ms must be called at least once per 2^32 cycles (14.3 s at
 * 300 MHz) to see every wrap of the low counter word; fw_poll calls it on
 * every pass, and no pass comes near that.
 *
 * A trap (a bug: the controller takes no interrupts) restarts the
 * controller at _start: fw_init then zeroizes every SA and takes the
 * mailbox over again (mbox.h), which the host sees as a new uptime.
 */
#include <stdbool.h>
#include <stdint.h>

#include "fw.h"

#ifndef SPISYNC_FW_REG_BASE
#define SPISYNC_FW_REG_BASE 0x10000000u
#endif
#ifndef SPISYNC_FW_CPU_HZ
#define SPISYNC_FW_CPU_HZ 300000000u
#endif
#define CYCLES_PER_MS (SPISYNC_FW_CPU_HZ / 1000u)

void rv32_main(void);

/*
 * Reset and trap entry: global and stack pointers, trap vector, .data
 * copied from its image in the code ROM, .bss zeroed, then rv32_main. The CSR accesses are spelled with .insn so the
 * file assembles with -march=rv32imc (Zicsr is not named there; every core
 * with a trap vector and a cycle counter has it).
 */
__asm__(
	".section .text.start, \"ax\", @progbits\n"
	".balign 4\n"
	".globl _start\n"
	"_start:\n"
	"	.option push\n"
	"	.option norelax\n"
	"	la gp, __global_pointer$\n"
	"	.option pop\n"
	"	la sp, __stack_top\n"
	"	la t0, _start\n"
	/* csrrw x0, mtvec, t0 */
	"	.insn i 0x73, 1, x0, t0, 0x305\n"
	"	la t0, __data_start\n"
	"	la t1, __data_end\n"
	"	la t2, __data_load\n"
	"4:	bgeu t0, t1, 5f\n"
	"	lw t3, 0(t2)\n"
	"	sw t3, 0(t0)\n"
	"	addi t0, t0, 4\n"
	"	addi t2, t2, 4\n"
	"	j 4b\n"
	"5:	la t0, __bss_start\n"
	"	la t1, __bss_end\n"
	/* 16 bytes a pass (rv32.ld aligns .bss to 16): .bss is over 500 KiB */
	"1:	bgeu t0, t1, 2f\n"
	"	sw zero, 0(t0)\n"
	"	sw zero, 4(t0)\n"
	"	sw zero, 8(t0)\n"
	"	sw zero, 12(t0)\n"
	"	addi t0, t0, 16\n"
	"	j 1b\n"
	"2:	call rv32_main\n"
	"3:	j 3b\n"
	".text\n");

struct rv32_clock {
	uint32_t last_cycle;    /* rdcycle at the last now_ms */
	uint32_t rem_cycles;    /* cycles not yet counted as a whole ms */
	uint32_t ms;
};

static struct rv32_clock clock_state;
static struct fw controller;

static uint32_t
rdcycle(void)
{
	uint32_t cycles;

	/* csrrs cycles, cycle (0xC00), x0; 0xC00 as a signed 12-bit field */
	__asm__ volatile(".insn i 0x73, 2, %0, x0, -1024" : "=r"(cycles));
	return cycles;
}

static uint32_t
reg_read32(void *ctx, uint32_t offset)
{
	(void)ctx;
	return *(volatile const uint32_t *)(uintptr_t)(SPISYNC_FW_REG_BASE + offset);
}

static void
reg_write32(void *ctx, uint32_t offset, uint32_t value)
{
	(void)ctx;
	*(volatile uint32_t *)(uintptr_t)(SPISYNC_FW_REG_BASE + offset) = value;
}

/* Whole milliseconds of cycles, the remainder carried to the next call;
 * division by a constant: a multiply, no divide instruction. */
static uint32_t
now_ms(void *ctx)
{
	struct rv32_clock *c = ctx;
	const uint32_t cycle = rdcycle();
	const uint32_t delta = cycle - c->last_cycle;

	c->last_cycle = cycle;
	c->ms += delta / CYCLES_PER_MS;
	c->rem_cycles += delta % CYCLES_PER_MS;
	if (c->rem_cycles >= CYCLES_PER_MS) {
		c->rem_cycles -= CYCLES_PER_MS;
		c->ms++;
	}
	return c->ms;
}

void
rv32_main(void)
{
	static const struct fw_hal hal = {
		.ctx = &clock_state,
		.read32 = reg_read32,
		.write32 = reg_write32,
		.now_ms = now_ms,
	};

	/* A card that is not ready (or not this register map) gets no
	 * controller: keep trying; meanwhile the host's requests time out,
	 * which is how it learns the controller is not there. */
	while (fw_init(&controller, &hal) != FW_OK)
		continue;
	for (;;)
		(void)fw_poll(&controller);
}
