/*
 * spisync -- C API of the Verilator models of the anti-replay blocks and
 * the ESP padding check, for their test bench (tests/hw/test_replay.c):
 *   replay_sim: sim/replay/replay_tb_top.v (replay_check + replay_update,
 *               W = 1024, the SA state in registers as the card keeps it;
 *               replay_check_split beside replay_check);
 *   pad_sim:    hw/rtl/esp_pad_check.v, one model per BYTES (16 and 64).
 * Byte vectors are byte 0 first; window bitmaps are 16 words, bit i of the
 * window in bit i % 64 of word i / 64.
 */
#ifndef SPISYNC_REPLAY_SIM_H
#define SPISYNC_REPLAY_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	REPLAY_SIM_W = 1024,
	REPLAY_SIM_WORDS = REPLAY_SIM_W / 64,
	PAD_SIM_MAX_BYTES = 64,
	PAD_SIM_LATENCY = 3,            /* esp_pad_check's LATENCY */
};

struct replay_sim;

/* NULL on allocation failure. The state starts at T = 0, empty bitmap. */
struct replay_sim *replay_sim_create(void);
void replay_sim_destroy(struct replay_sim *sim);

/* Sets the SA state (one clock). */
void replay_sim_load(struct replay_sim *sim, uint64_t top,
    const uint64_t bitmap[REPLAY_SIM_WORDS]);

/*
 * One packet through check and update (three clocks): returns the check's
 * ok and stores its inferred S; the state is updated when ok.
 */
bool replay_sim_packet(struct replay_sim *sim, bool esn, uint32_t seq,
    uint64_t *s);

/*
 * replay_check_split's answer to the last replay_sim_packet (which 0: the
 * card's LO_BITS, 1: LO_BITS = 3): its ok, and its S in *s.
 */
bool replay_sim_split(const struct replay_sim *sim, unsigned which,
    uint64_t *s);
enum { REPLAY_SIM_SPLITS = 2 };

/*
 * Skips the check: replay_update gets s as it is (three clocks). For
 * numbers the check would not pass, e.g. S - T >= 2^32; s must be > T or
 * within the window (T - W < s <= T), as for replay_ref_update.
 */
void replay_sim_update(struct replay_sim *sim, uint64_t s);

/* The SA state registers now. */
void replay_sim_state(const struct replay_sim *sim, uint64_t *top,
    uint64_t bitmap[REPLAY_SIM_WORDS]);

struct pad_sim_beat {
	bool valid;
	bool first;
	bool last;
	uint8_t data[PAD_SIM_MAX_BYTES];    /* BYTES of them are used */
	uint16_t ct_len;                    /* sampled with first; 14 bits */
};

struct pad_sim_out {
	bool valid;
	bool pad_ok;
	uint8_t padlen;
	uint8_t nh;
};

struct pad_sim;

/* bytes: 16 or 64; NULL for anything else or on allocation failure. */
struct pad_sim *pad_sim_create(unsigned bytes);
void pad_sim_destroy(struct pad_sim *sim);

/* Holds reset for a few clocks; leaves the block idle. */
void pad_sim_reset(struct pad_sim *sim);

/*
 * One clock: drives in (NULL: idle), applies the edge, returns the output
 * registers after it. A packet whose last beat went in at call c shows its
 * result after call c + PAD_SIM_LATENCY - 1.
 */
void pad_sim_cycle(struct pad_sim *sim, const struct pad_sim_beat *in,
    struct pad_sim_out *out);

#ifdef __cplusplus
}
#endif

#endif
