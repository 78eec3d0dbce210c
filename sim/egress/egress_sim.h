/*
 * spisync -- C API of the Verilator models of the host egress buffer
 * (hw/rtl/host_egress.v) and the reason counter bank
 * (hw/rtl/reason_counters.v), for their test bench.
 *
 * Several parameter sets are built into one program; a variant names one.
 * The API is cycle based: egress_sim_cycle() applies the inputs of one clock,
 * reports what the outputs show during that clock (they are all registers)
 * and then applies the rising edge. Byte vectors carry byte 0 first.
 */
#ifndef SPISYNC_EGRESS_SIM_H
#define SPISYNC_EGRESS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EGRESS_SIM_MAX_BYTES 64
#define EGRESS_SIM_MAX_HDR 255

enum egress_variant {
	EGRESS_B64,     /* BYTES 64, DATA_DEPTH 512, DESC_DEPTH 64, HDR 128 (card, 512 bits) */
	EGRESS_B16,     /* BYTES 16, DATA_DEPTH 2048, DESC_DEPTH 64, HDR 128 (card, 128 bits) */
	EGRESS_SMALL,   /* BYTES 16, DATA_DEPTH 32, DESC_DEPTH 4, HDR 40: fills at once */
	EGRESS_VARIANTS
};

struct egress_params {
	const char *name;
	unsigned bytes;
	unsigned data_depth;    /* beats */
	unsigned desc_depth;    /* frames */
	unsigned hdr_bytes;
	unsigned user_w;        /* <= 64 */
};

struct egress_sim_in {
	bool wr_valid;
	bool wr_first;
	bool wr_last;
	uint8_t wr_data[EGRESS_SIM_MAX_BYTES];
	/* sampled with wr_last */
	bool wr_keep;
	uint8_t wr_hdr[EGRESS_SIM_MAX_HDR];   /* hdr_bytes of them are used */
	unsigned hdr_len;                      /* 0..255 */
	unsigned pay_len;                      /* 0..16383 */
	uint64_t user;
	/* host side */
	bool tready;
};

struct egress_sim_out {
	bool res_valid;
	bool res_delivered;
	bool res_no_space;
	bool tvalid;
	bool tlast;
	uint8_t tdata[EGRESS_SIM_MAX_BYTES];
	uint64_t tkeep;
	uint64_t tuser;
	bool busy;
};

struct egress_sim;

/* NULL on allocation failure or an unknown variant. */
struct egress_sim *egress_sim_create(enum egress_variant v);
void egress_sim_destroy(struct egress_sim *sim);
const struct egress_params *egress_sim_params(const struct egress_sim *sim);

/* Holds reset for a few clocks; the model is then empty and idle. */
void egress_sim_reset(struct egress_sim *sim);

/* One clock; out may be NULL. */
void egress_sim_cycle(struct egress_sim *sim, const struct egress_sim_in *in,
    struct egress_sim_out *out);

/* Rising edges since creation. */
uint64_t egress_sim_cycles(const struct egress_sim *sim);

/* reason_counters, N = 18, with PORTS 3 (the default) or 4 (the card). */
enum counters_variant {
	COUNTERS_P3,
	COUNTERS_P4,
	COUNTERS_VARIANTS
};

#define COUNTERS_SIM_MAX_PORTS 4

struct counters_params {
	const char *name;
	unsigned n;
	unsigned ports;
	uint64_t init;          /* every counter's reset value */
};

struct counters_sim;

struct counters_sim *counters_sim_create(enum counters_variant v);
void counters_sim_destroy(struct counters_sim *sim);
const struct counters_params *counters_sim_params(const struct counters_sim *sim);
void counters_sim_reset(struct counters_sim *sim);

/* One clock: port p requests counter reason[p] when valid[p]. */
void counters_sim_cycle(struct counters_sim *sim, const bool *valid,
    const uint8_t *reason, bool snapshot);

/* The snapshot bank as it reads now (combinational read port). */
uint64_t counters_sim_read(struct counters_sim *sim, unsigned index);

#ifdef __cplusplus
}
#endif

#endif
