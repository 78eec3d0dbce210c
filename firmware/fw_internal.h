/*
 * spisync firmware -- what the controller's files share (fw.c, fw_sa.c,
 * fw_mbox.c, fw_life.c). Not part of the controller's API (fw.h).
 */
#ifndef SPISYNC_FW_INTERNAL_H
#define SPISYNC_FW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "fw.h"

/* fw.c */
uint32_t fw_reg_read(const struct fw *fw, uint32_t offset);
void fw_reg_write(const struct fw *fw, uint32_t offset, uint32_t value);
/* Extend the HAL's 32-bit millisecond tick into fw->now_ms. */
void fw_tick(struct fw *fw);
/* n / 1000 without a division instruction or a libgcc helper. */
uint32_t fw_ms_to_s(uint64_t ms);
/* Overwrite n words in a way the compiler may not drop (keys). */
void fw_cleanse(uint32_t *words, uint32_t n);

/* fw_sa.c: SA changes with the controller's own state (meta, lifetime
 * events) kept in step. Each returns MBOX_OK or MBOX_E_*. */
int fw_sa_install(struct fw *fw, const uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t soft_s, uint32_t hard_s, uint32_t *index, uint32_t *gen);
int fw_sa_replace(struct fw *fw, uint32_t old_index,
    const uint32_t entry[SPISYNC_SA_WORDS], uint32_t soft_s, uint32_t hard_s,
    uint32_t *index, uint32_t *gen);
int fw_sa_delete(struct fw *fw, uint32_t index);
/* Delete every SA; the number deleted. */
uint32_t fw_sa_flush(struct fw *fw);
/* The hard time lifetime of an installed SA passed: delete it as SA_DEL
 * does, then queue its events (SA_SOFT_EXPIRY first if not yet raised). */
void fw_sa_expire_hard(struct fw *fw, uint32_t index);
/* The soft time lifetime passed: queue SA_SOFT_EXPIRY and mark it raised. */
void fw_sa_expire_soft(struct fw *fw, uint32_t index);
/* Index in range (0 .. entries - 1) and installed. */
bool fw_sa_in_range(const struct fw *fw, uint32_t index);
bool fw_sa_used(const struct fw *fw, uint32_t index);

/* fw_mbox.c: serve at most one posted request; FW_DID_REQUEST or 0. */
unsigned fw_mbox_poll(struct fw *fw);
/* At start: answer a request left posted, unexecuted (see fw_init). */
void fw_mbox_take(struct fw *fw);

/* fw_life.c: check the next FW_LIFE_SCAN_PER_POLL indices' time lifetimes,
 * then hand queued events to FW_EVENT while it is free (at most
 * FW_EVENTS_PER_POLL). FW_DID_LIFETIME or 0. */
unsigned fw_life_poll(struct fw *fw);

#endif
