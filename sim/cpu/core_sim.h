/*
 * spisync -- C API of the Verilator model of the controller core alone
 * (hw/cpu/rv32_core.v) with a memory model around its two ports:
 *
 *   RAM      [ram_base, ram_base + ram_bytes): fetch, loads, stores
 *   UART     0x10000000: a byte store appends to the output text
 *   EXIT     0x00100000: a word store ends the run with that value
 *            (QEMU virt's SiFive test device: 0x5555 pass)
 *   anything else: a bus error response (the core must trap)
 *
 * Each port's req_ready and the response latency (1..4 clocks) come from a
 * PRNG seeded by the caller, so the valid/ready protocol is exercised. The
 * model also checks the port protocol itself (a request changing while it
 * waits, both ports busy, misaligned fetch addresses) and counts violations.
 */
#ifndef SPISYNC_CORE_SIM_H
#define SPISYNC_CORE_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct core_sim;

struct core_sim *core_sim_create(uint32_t ram_base, uint32_t ram_bytes, uint64_t seed);
void core_sim_destroy(struct core_sim *sim);

/* copy bytes into the RAM; -1 if outside it */
int core_sim_load(struct core_sim *sim, uint32_t addr, const void *data, size_t len);

/* Reset, then run until the EXIT store or max_cycles. Returns 1 with
 * *exit_value set on an EXIT store, 0 on reaching max_cycles. */
int core_sim_run(struct core_sim *sim, uint64_t max_cycles, uint32_t *exit_value);

/* the UART text so far (NUL-terminated) */
const char *core_sim_uart(const struct core_sim *sim);
uint64_t core_sim_cycles(const struct core_sim *sim);
uint64_t core_sim_protocol_errors(const struct core_sim *sim);

#ifdef __cplusplus
}
#endif

#endif
