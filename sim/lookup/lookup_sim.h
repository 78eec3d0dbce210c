/*
 * spisync -- C API of the Verilator model of the SA lookup
 * (hw/rtl/sa_lookup.v), built with SA_ENTRIES = 4096, TAG_BUCKETS = 2048,
 * USER_W = 32.
 *
 * Cycle based: lookup_sim_cycle() drives one lookup (or none) and one set
 * of write ports (or none), applies one rising clock edge and returns what
 * the output registers hold after it. The result of a lookup driven in call
 * n is returned by call n + LOOKUP_SIM_LATENCY - 1 (the module's LATENCY:
 * presented in clock n, out in clock n + LATENCY).
 *
 * The RAMs of the model start with random contents (the hardware's RAMs
 * are not reset): the firmware must clear them (sa_table_init) first.
 */
#ifndef SPISYNC_LOOKUP_SIM_H
#define SPISYNC_LOOKUP_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	LOOKUP_SIM_ENTRIES = 4096,
	LOOKUP_SIM_BUCKETS = 2048,
	LOOKUP_SIM_LATENCY = 9,
	LOOKUP_SIM_WORDS = 32,          /* SA entry: 32-bit words, word 0 first */
};

struct lookup_sim_in {
	bool valid;
	uint32_t spi;
	bool ipv6;
	bool udp;
	uint16_t dport;
	uint8_t dst[16];                /* wire order, IPv4 in bytes 0..3 */
	uint32_t user;
};

/* The write ports of one clock. */
struct lookup_sim_wr {
	bool sa_en;
	uint16_t sa_index;
	uint32_t sa_data[LOOKUP_SIM_WORDS];
	bool tag_en;
	unsigned tag_table;             /* 0 or 1 */
	uint8_t tag_way;
	uint16_t tag_bucket;
	uint32_t tag_spi;
	bool tag_valid;
	uint16_t tag_index;
};

struct lookup_sim_out {
	bool valid;
	bool hit;
	uint16_t index;
	uint32_t entry[LOOKUP_SIM_WORDS];
	uint32_t user;
};

struct lookup_sim;

/* NULL on allocation failure; seed picks the RAMs' random start contents. */
struct lookup_sim *lookup_sim_create(uint32_t seed);
void lookup_sim_destroy(struct lookup_sim *sim);

/* Holds reset for a few clocks; leaves the pipeline empty. */
void lookup_sim_reset(struct lookup_sim *sim);

/* One clock; in, wr and out may each be NULL (no lookup, no write). */
void lookup_sim_cycle(struct lookup_sim *sim, const struct lookup_sim_in *in,
    const struct lookup_sim_wr *wr, struct lookup_sim_out *out);

/* Rising edges since creation. */
uint64_t lookup_sim_cycles(const struct lookup_sim *sim);

#ifdef __cplusplus
}
#endif

#endif
