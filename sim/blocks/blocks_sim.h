/*
 * spisync -- C API of the Verilator models of single RTL blocks, for their
 * own test benches: aes_enc_pipe (STATES = 2) and gf128_mac (N = 2).
 * Blocks are 16-byte strings in AES/GCM order (byte 0 first).
 */
#ifndef SPISYNC_BLOCKS_SIM_H
#define SPISYNC_BLOCKS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { AES_PIPE_SIM_STATES = 2, AES_PIPE_SIM_LATENCY = 29, GF_MAC_SIM_N = 2 };

struct aes_pipe_sim;

struct aes_pipe_sim *aes_pipe_sim_create(void);
void aes_pipe_sim_destroy(struct aes_pipe_sim *sim);

/*
 * One clock. key: 32 bytes, an AES-128 key in bytes 0..15. blocks: STATES
 * blocks of 16 bytes. After the edge, *out_valid, out_blocks and *out_side
 * hold the pipeline's output registers.
 */
void aes_pipe_sim_cycle(struct aes_pipe_sim *sim, bool valid,
    const uint8_t key[32], bool aes256,
    const uint8_t blocks[AES_PIPE_SIM_STATES * 16], uint32_t side,
    bool *out_valid, uint8_t out_blocks[AES_PIPE_SIM_STATES * 16],
    uint32_t *out_side);

struct gf_mac_sim;

struct gf_mac_sim *gf_mac_sim_create(void);
void gf_mac_sim_destroy(struct gf_mac_sim *sim);

/* p = a[0] b[0] ^ a[1] b[1] in GF(2^128), GCM bit order (combinational). */
void gf_mac_sim_eval(struct gf_mac_sim *sim,
    const uint8_t a[GF_MAC_SIM_N * 16], const uint8_t b[GF_MAC_SIM_N * 16],
    uint8_t p[16]);

#ifdef __cplusplus
}
#endif

#endif
