/*
 * spisync -- output and trap records of the core's test programs
 * (tests/cpu/isa_test.c, trap_test.c): text through the virt machine's 16550 UART transmit
 * register (0x10000000), which QEMU and test_cpu_isa's memory model both
 * have; the trap handler of crt0.S fills trap_save.
 */
#ifndef SPISYNC_CPU_IO_H
#define SPISYNC_CPU_IO_H

#include <stdint.h>

#define CPU_UART_THR ((volatile uint8_t *)0x10000000u)

struct trap_rec {
	uint32_t t1, t2;
	uint32_t mcause, mepc, mtval, mstatus;
	uint32_t count;
};

extern volatile struct trap_rec trap_save;

static inline void
out_c(char c)
{
	*CPU_UART_THR = (uint8_t)c;
}

static inline void
out_s(const char *s)
{
	while (*s != '\0')
		out_c(*s++);
}

static inline void
out_hex(uint32_t v)
{
	for (int i = 7; i >= 0; i--)
		out_c("0123456789abcdef"[(v >> (4 * i)) & 15u]);
}

/* "name value\n" */
static inline void
out_kv(const char *name, uint32_t v)
{
	out_s(name);
	out_c(' ');
	out_hex(v);
	out_c('\n');
}

#endif
