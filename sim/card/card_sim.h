/* spisync -- the Verilator model of the card (hw/rtl/spisync_card.v) behind a
 * C API. One clock domain; the wire side is driven from a queue of frames
 * (one beat per clock, with an optional idle gap between frames), the host
 * side is a stream the model collects (with configurable backpressure).
 */
#ifndef SPISYNC_CARD_SIM_H
#define SPISYNC_CARD_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CARD_SIM_MAX_FRAME 16383u

struct card_sim;

struct card_host_frame {
	uint8_t data[CARD_SIM_MAX_FRAME + 128];
	size_t len;
	uint8_t outcome;     /* SPISYNC_R_DECRYPTED, _PASS_THROUGH, _PUNT_* */
	uint16_t sa_index;   /* SPISYNC_SA_INDEX_NONE unless DECRYPTED */
	uint16_t rx_seq;     /* arrival number of the frame, modulo 2^16 */
};

/* data_width: 128 or 512. NULL if that width is not built or out of memory. */
struct card_sim *card_sim_create(unsigned data_width);
/*
 * The same with the card's host memory (CARD_SIM_HOST_MEM_BASE onwards, see
 * card_sim_host_mem) in the caller's buffer mem of size bytes instead of
 * memory of its own: spisync-sim's memfd, which its clients map, so the
 * card's DMA lands in their memory. mem must be 4096-byte aligned and stay
 * mapped until card_sim_destroy; it is used as it is (not zeroed). NULL
 * also on a NULL or unaligned mem or a size of 0.
 */
struct card_sim *card_sim_create_with_host_mem(unsigned data_width,
    void *mem, size_t size);
void card_sim_destroy(struct card_sim *c);

unsigned card_sim_data_width(const struct card_sim *c);

/* Synchronous reset (a few clocks); clears queues of the model too. */
void card_sim_reset(struct card_sim *c);

/* AXI4-Lite access; each runs the clock until the transaction completes
 * (traffic keeps flowing meanwhile). */
uint32_t card_sim_mmio_read(struct card_sim *c, uint32_t offset);
void card_sim_mmio_write(struct card_sim *c, uint32_t offset, uint32_t value);

/* Queue a frame for the wire. 0, or -1 if len is 0 or > CARD_SIM_MAX_FRAME or
 * out of memory. mac_err sets tuser on the last beat (bad FCS). */
int card_sim_push_frame(struct card_sim *c, const uint8_t *data, size_t len,
    bool mac_err);
/* Idle clocks between frames on the wire (default 0: back to back). */
void card_sim_set_gap(struct card_sim *c, unsigned clocks);
/* Percentage of clocks the host takes a beat (default 100). */
void card_sim_set_host_ready(struct card_sim *c, unsigned percent,
    uint64_t seed);

void card_sim_step(struct card_sim *c, uint64_t clocks);
/* Step until the wire queue is empty and the card holds no frame (or
 * max_clocks pass). Returns true when drained. */
bool card_sim_drain(struct card_sim *c, uint64_t max_clocks);
/* True when the wire queue is empty and the card holds no frame (the card's
 * busy output: nothing in flight, no event record or ring write pending). */
bool card_sim_idle(struct card_sim *c);

/* Collected host frames, oldest first. 1 if one was returned, 0 if none is
 * waiting. */
int card_sim_pull_host(struct card_sim *c, struct card_host_frame *out);

/* Host memory behind the card's event-ring AXI4 master (timing, contents):
 * CARD_SIM_HOST_MEM_SIZE bytes at bus address CARD_SIM_HOST_MEM_BASE. */
#define CARD_SIM_HOST_MEM_BASE 0x0000000100000000ull
#define CARD_SIM_HOST_MEM_SIZE (16u << 20)
struct host_mem;
struct host_mem *card_sim_host_mem(struct card_sim *c);

/* Zero a ring of 2^size_log2 records at the start of host memory, program
 * RING_BASE/SIZE/CONS and enable it (a new ring: records from index 0 with
 * phase 1). -1 if it does not fit. The reset disables the ring. */
int card_sim_events_enable(struct card_sim *c, unsigned size_log2);
/* The next event record from the ring, read as the driver does (phase bit,
 * RING_CONS written back every quarter ring and when the ring reads empty).
 * 1 if one was returned, 0 if none is there (or the ring is not enabled). */
int card_sim_pull_event(struct card_sim *c, uint8_t record[64]);

/* The clock at which the frame with this arrival number (0 = first since
 * reset) put its first beat on the wire; false if not sent yet (or not
 * recorded: card_sim_keep_frame_starts). */
bool card_sim_frame_start(const struct card_sim *c, uint64_t arrival,
    uint64_t *cycle);
/* The start clocks are kept for every frame unless this is called with
 * false (right after create): a card that runs indefinitely (spisync-sim
 * --socket) would otherwise grow by 8 bytes a frame. */
void card_sim_keep_frame_starts(struct card_sim *c, bool keep);
/* Frames dropped before the card (the Alveo kernel's clock-crossing FIFO
 * was full): n pulses of the card's rx_overflow input, one per clock from
 * the next stepped clock on, beside whatever is on the wire. */
void card_sim_rx_overflow(struct card_sim *c, unsigned n);

uint64_t card_sim_cycles(const struct card_sim *c);
/* Beats sent on the wire so far (the card has no tready: one per clock). */
uint64_t card_sim_wire_beats(const struct card_sim *c);
/* The card flagged an internal protocol violation (a beat without its job,
 * a FIFO overflow): a design bug, never a traffic condition. Sticky. */
bool card_sim_protocol_error(const struct card_sim *c);

#endif
