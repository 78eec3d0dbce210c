/*
 * spisync -- C API of the Verilator model of the frame parser
 * (hw/rtl/esp_parser.v, HDR_BYTES = 128, USER_W = 32).
 *
 * Cycle based like gcm_sim.h: parser_sim_cycle() drives one input (or an
 * idle cycle), applies one rising clock edge and returns what the parser's
 * output registers hold after it. A frame driven in call i comes out in
 * call i + LATENCY - 1 (the output registers are the LATENCY-th stage).
 * Byte strings are in wire order, byte 0 first.
 */
#ifndef SPISYNC_PARSER_SIM_H
#define SPISYNC_PARSER_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PARSER_SIM_HDR_BYTES 128
/* clocks from in_valid to out_valid: esp_parser's LATENCY */
#define PARSER_SIM_LATENCY 5

struct parser_sim_in {
	bool valid;
	uint8_t hdr[PARSER_SIM_HDR_BYTES]; /* bytes at or past len must be zero */
	uint16_t len;                      /* 1..16383 */
	bool mac_err;
	uint32_t user;
};

struct parser_sim_out {
	bool valid;
	uint32_t user;
	bool esp;
	uint8_t reason;
	bool vlan;
	bool ipv6;
	bool udp;
	uint8_t l2_len;
	uint8_t l3_hdr_len;
	uint8_t esp_off;
	uint16_t esp_len;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint32_t spi;
	uint32_t seq;
	uint8_t iv[8];
	uint16_t v4_csum_base;
};

struct parser_sim;

/* NULL on allocation failure. */
struct parser_sim *parser_sim_create(void);
void parser_sim_destroy(struct parser_sim *sim);

/* Holds reset for a few cycles with idle, all-zero inputs. */
void parser_sim_reset(struct parser_sim *sim);

/* One clock: in may be NULL for an idle cycle; out may be NULL. */
void parser_sim_cycle(struct parser_sim *sim, const struct parser_sim_in *in,
    struct parser_sim_out *out);

/* Rising edges since creation. */
uint64_t parser_sim_cycles(const struct parser_sim *sim);

/* Fills in->hdr from a frame of len bytes (len <= 16383): the first
 * PARSER_SIM_HDR_BYTES bytes, zero past len; sets in->len. */
void parser_sim_load_frame(struct parser_sim_in *in, const uint8_t *frame,
    size_t len);

#ifdef __cplusplus
}
#endif

#endif
