/*
 * spisync -- C API of the Verilator model of sim/cpu/ctl_card_top.v: the
 * controller core running the firmware from its ROM, the AXI4-Lite
 * arbiter and the card (128 bits, small tables), as the Alveo kernel
 * wires them. The caller is the host on the arbiter's host port.
 */
#ifndef SPISYNC_CTL_CARD_SIM_H
#define SPISYNC_CTL_CARD_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ctl_card_sim;

/* NULL on allocation failure; the model is held in reset until _reset */
struct ctl_card_sim *ctl_card_sim_create(void);
void ctl_card_sim_destroy(struct ctl_card_sim *sim);

/* reset for `cycles` clocks, then release */
void ctl_card_sim_reset(struct ctl_card_sim *sim, unsigned cycles);
void ctl_card_sim_step(struct ctl_card_sim *sim, uint64_t cycles);

/* One host register access through the arbiter. 0, or -1 when it did not
 * complete within max_cycles, when the response was not OKAY, or when a
 * response (RVALID / BVALID) came before this access's address and data
 * were taken (someone else's response: misrouted); the port is then left
 * idle. */
int ctl_card_sim_read(struct ctl_card_sim *sim, uint16_t offset, uint32_t *value,
    uint64_t max_cycles);
int ctl_card_sim_write(struct ctl_card_sim *sim, uint16_t offset, uint32_t value,
    uint64_t max_cycles);

uint64_t ctl_card_sim_cycles(const struct ctl_card_sim *sim);

/* Queue a frame (no FCS) for the card's receive stream: it goes out in
 * 16-byte beats, back to back, while the model is clocked (by any call).
 * -1 on allocation failure. */
int ctl_card_sim_send(struct ctl_card_sim *sim, const uint8_t *frame, size_t len);

/* The oldest frame the card delivered on its host stream, with the OUTCOME
 * field of its tuser: 1 and removed from the queue, 0 if none yet, -1 if
 * it is longer than cap (left queued). */
int ctl_card_sim_recv(struct ctl_card_sim *sim, uint8_t *frame, size_t cap, size_t *len,
    uint8_t *outcome);

/* the core's registers, for reports: pc, mcause, mepc, minstret (low) */
struct ctl_card_probe {
	uint32_t pc, mcause, mepc, instret;
};
void ctl_card_sim_probe(const struct ctl_card_sim *sim, struct ctl_card_probe *p);

#ifdef __cplusplus
}
#endif

#endif
