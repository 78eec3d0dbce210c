/*
 * spisync -- C API of the Verilator model of the AES-GCM decrypt core
 * (hw/rtl/aes_gcm_dec.v). One model is built per LANES value; each build
 * exports the same functions, so a test links exactly one of them.
 *
 * The API is cycle based: gcm_sim_cycle() drives one input beat (or an idle
 * cycle), applies one rising clock edge and returns what the core's output
 * registers hold after it. Byte vectors use the core's order: byte 0 first.
 */
#ifndef SPISYNC_GCM_SIM_H
#define SPISYNC_GCM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GCM_SIM_MAX_LANES 4
#define GCM_SIM_MAX_BEAT (GCM_SIM_MAX_LANES * 16)

struct gcm_sim_in {
	bool valid;
	bool last;
	bool aad_beat;          /* the beat carries AAD, not ciphertext */
	uint8_t data[GCM_SIM_MAX_BEAT];
	uint64_t keep;          /* bit i: byte i valid; contiguous from bit 0 */
	uint32_t user;

	/* sampled on a packet's first beat */
	uint8_t key[32];        /* AES-128 keys in bytes 0..15 */
	bool key_256;
	uint8_t salt[4];
	uint8_t iv[8];
	uint8_t aad[16];
	unsigned aad_len;       /* 0..16 */
	unsigned icv_len;       /* 8, 12 or 16 */

	/* sampled on a packet's last beat */
	uint8_t icv[16];
};

struct gcm_sim_out {
	bool valid;
	bool last;
	bool auth_ok;           /* meaningful when valid && last */
	uint8_t data[GCM_SIM_MAX_BEAT];
	uint64_t keep;
	uint32_t user;
};

struct gcm_sim;

/* NULL on allocation failure. */
struct gcm_sim *gcm_sim_create(void);
void gcm_sim_destroy(struct gcm_sim *sim);

/* 128-bit blocks per beat of this build. */
unsigned gcm_sim_lanes(void);

/* Holds reset for a few cycles; leaves the core idle and empty. */
void gcm_sim_reset(struct gcm_sim *sim);

/* One clock: in may be NULL for an idle cycle; out may be NULL. */
void gcm_sim_cycle(struct gcm_sim *sim, const struct gcm_sim_in *in,
    struct gcm_sim_out *out);

/* Rising edges since creation. */
uint64_t gcm_sim_cycles(const struct gcm_sim *sim);

#ifdef __cplusplus
}
#endif

#endif
