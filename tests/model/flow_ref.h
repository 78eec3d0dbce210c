/*
 * spisync tests -- reference of the SA-miss flow filter, written from its
 * rules (the header of hw/rtl/flow_filter.v, docs/register-map.md "Event
 * record") as plain sequential C: one record at a time, no pipeline.
 *
 * The table layout is part of the rules: SETS sets of 2 ways, the set is
 * the H3 hash below of the flow key {IPV6 flag, SRC, DST, SPI}. A new flow
 * takes an invalid way (way 0 first), else the way whose `last` is older
 * (larger TIME_NS - last, unsigned 64-bit; way 0 on a tie).
 *
 * Clock view: flow_ref_clock() is one clock of the hardware without reset,
 * flow_ref_reset() one clock with rst high. The outputs a call returns are
 * those the hardware shows LATENCY clocks later; the test delays them.
 */
#ifndef SPISYNC_FLOW_REF_H
#define SPISYNC_FLOW_REF_H

#include <stdbool.h>
#include <stdint.h>

enum {
	FLOW_REC_BYTES = 64,
	FLOW_KEY_BITS = 289,    /* SRC 128, DST 128, SPI 32, IPV6 1 */
	FLOW_WAYS = 2,
};

/*
 * H3 rows, one per key bit: row i is the top 16 bits of the i-th output
 * (i = 0, 1, ...) of splitmix64 seeded with 0x666C6F7766696C74
 * ("flowfilt"). Key bit i is SRC bit i (byte i / 8, bit i % 8) for i < 128,
 * DST bit i - 128, SPI bit i - 256 (of the integer), and bit 288 the IPV6
 * flag. The set is the XOR of the rows of the set key bits, masked to
 * log2(SETS) bits. The RTL holds the same rows (H3_ROWS); test_flow checks
 * this table against the generator at start.
 */
static const uint16_t flow_h3_rows[FLOW_KEY_BITS] = {
	0xd238, 0xe4f1, 0xc964, 0x8eff, 0x8112, 0x175a, 0x6cbd, 0x80ce,
	0xec8a, 0x8b6f, 0x0478, 0xa076, 0x69b8, 0x2b0f, 0x4e9d, 0xc8bb,
	0x226e, 0xdd7b, 0x7327, 0x3ba5, 0x6db8, 0xb131, 0x2699, 0xc476,
	0x7c41, 0x3eb7, 0x5bdf, 0x7d0a, 0x32b2, 0x1468, 0x9cd4, 0xeff2,
	0x8ec2, 0xb896, 0x66b4, 0xb315, 0xa668, 0x4aba, 0x120f, 0x4255,
	0x1f6e, 0x3a4e, 0xec0c, 0x1c6b, 0x6610, 0xcc77, 0x3252, 0xfb52,
	0x943f, 0x4069, 0xcf71, 0x7136, 0x7a22, 0xbbf4, 0x1f67, 0x16f5,
	0xa43c, 0x52ee, 0xec9d, 0xc778, 0x8833, 0x9915, 0x92cd, 0x9249,
	0xcabe, 0xd8f0, 0xdce5, 0xf11f, 0xde46, 0x9dc9, 0xd1c9, 0x2c9e,
	0xd831, 0x285d, 0x5274, 0x5a26, 0xe785, 0x45d5, 0x484b, 0x78a9,
	0x669a, 0xf9a0, 0xd84c, 0x4526, 0x1bae, 0x30b9, 0x7ba5, 0xe78e,
	0x909e, 0xc16f, 0xce00, 0xaf1f, 0xfb17, 0xb812, 0x24a2, 0xc439,
	0x8304, 0x2a66, 0xa8d6, 0xe5cd, 0x5a05, 0x6d07, 0xafac, 0x9779,
	0x170e, 0x8756, 0x495d, 0xea4a, 0xf621, 0x9436, 0x8d6d, 0x3776,
	0x3b82, 0x4e73, 0xe1b1, 0x3a7f, 0xe9ad, 0x5977, 0xb757, 0x0905,
	0x6228, 0x78f4, 0x23e0, 0x2063, 0x43d4, 0x8223, 0x1036, 0x1d73,
	0xdd40, 0xd267, 0x8eb5, 0x3c50, 0x15dc, 0x20d8, 0x1db1, 0x27f9,
	0xe506, 0xad94, 0x121a, 0xeddb, 0xcda7, 0xf365, 0x9443, 0xcce7,
	0xd486, 0x6dcc, 0x6d77, 0x47f3, 0x51b4, 0xe51d, 0xa4f2, 0xb891,
	0x77fb, 0xae19, 0x0e01, 0xa8ec, 0x042e, 0xa20f, 0x2239, 0x17e7,
	0x2fd5, 0x51f3, 0x3ffb, 0x977d, 0x4af5, 0x6e5e, 0x996f, 0x1c30,
	0xa31a, 0x8efe, 0x0d59, 0x5428, 0xb3b4, 0xf8cf, 0x779f, 0xb9bd,
	0xd6c8, 0x8783, 0x30e7, 0x73d0, 0x663d, 0x3775, 0xa3eb, 0xdca0,
	0x0daa, 0x35f6, 0x417c, 0x0bba, 0x5dd9, 0xd6c3, 0x6199, 0x147b,
	0x3f1c, 0x0b92, 0xdb6f, 0x1eea, 0xff52, 0x258d, 0x17e6, 0x4111,
	0xdd2b, 0x4189, 0x45c0, 0x76b0, 0xb9ee, 0x8d0f, 0xd09c, 0xdf12,
	0x0fa9, 0xc597, 0x9fb4, 0xd22d, 0xea0c, 0xc3a8, 0xd566, 0x42c0,
	0x5691, 0x2a71, 0xbc4b, 0x7cea, 0x7d92, 0x0c31, 0xf1e6, 0x3599,
	0x5495, 0x6662, 0x5a29, 0x2721, 0x7a33, 0x54c1, 0xef5c, 0xe520,
	0xdff3, 0x6df4, 0x55a7, 0xc4d3, 0x3b3d, 0x7f40, 0x3293, 0xe757,
	0xf4d8, 0x802b, 0x0aa5, 0x9f3d, 0x2955, 0xb08b, 0x9627, 0xadb7,
	0xe619, 0x7677, 0xc4a3, 0x40d8, 0x70dd, 0xee06, 0x7d54, 0x4467,
	0x3158, 0x175c, 0x5afd, 0x1f6e, 0x62e2, 0xea78, 0x7574, 0x9dcc,
	0x1922, 0x59c0, 0x0fe7, 0x41b8, 0xf86c, 0xef77, 0x61d9, 0x1654,
	0x8e45, 0xee18, 0x4027, 0xd5e7, 0x3037, 0x753e, 0xe965, 0x9930,
	0xa27e, 0x3afe, 0x55f4, 0xd3fb, 0xc81e, 0x1292, 0x0978, 0x2a36,
	0x1eec,
};

struct flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t spi;
	bool ipv6;
};

struct flow_ref_way {
	bool valid;
	struct flow_key key;
	/* of the flow's latest miss */
	uint8_t type;
	bool udp;
	uint8_t port;           /* FLAGS[7:4] */
	uint16_t sport, dport;
	uint64_t last;
	uint32_t count;
};

struct flow_ref_out {
	bool valid;             /* the record's own report */
	uint8_t rec[FLOW_REC_BYTES];
	bool evict_valid;
	uint8_t evict_rec[FLOW_REC_BYTES];
	bool suppressed;
	/* the counters after this clock */
	uint64_t suppressed_total;
	uint64_t pending;
};

struct flow_ref;

/* NULL unless sets is a power of two in 2..65536, or without memory. The
 * reference starts as after a reset clock. */
struct flow_ref *flow_ref_create(unsigned sets);
void flow_ref_destroy(struct flow_ref *ref);

/* A clock with rst high: the table is cleared, the counters are zero and
 * the next `sets` clocks are the clearing walk. */
void flow_ref_reset(struct flow_ref *ref);

/* A clock without reset. valid: a record is presented (rec, holdoff_ns);
 * out gets its outputs and the counters after it. */
void flow_ref_clock(struct flow_ref *ref, bool valid,
    const uint8_t rec[FLOW_REC_BYTES], uint64_t holdoff_ns,
    struct flow_ref_out *out);

/* Whether a record presented in the next clock is filtered (`ready`). */
bool flow_ref_ready(const struct flow_ref *ref);

void flow_key_of(const uint8_t rec[FLOW_REC_BYTES], struct flow_key *key);
bool flow_key_equal(const struct flow_key *a, const struct flow_key *b);
unsigned flow_key_set(const struct flow_key *key, unsigned sets);

/* The way holding key, or -1. */
int flow_ref_lookup(const struct flow_ref *ref, const struct flow_key *key);

/* A pre-set scenario (count saturation): gives a stored flow a count as if
 * it had been suppressed that many times more, and adds them to the
 * counters the same way. Nothing else changes. Returns the misses added. */
uint64_t flow_ref_preset_count(struct flow_ref *ref, unsigned set,
    unsigned way, uint32_t count);

#endif
