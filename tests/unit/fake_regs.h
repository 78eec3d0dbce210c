/*
 * spisync tests -- a fake of the card's register map (docs/register-map.md)
 * for host-code unit tests: firmware (through its HAL), libspisync (through
 * a loopback backend) and spisyncctl. Not the RTL: an independent,
 * deliberately simple model whose state tests can inspect and set.
 *
 *   ID, VERSION, CAP_*  from the spec (spisync_hw.h) and fake_regs_create()
 *   STATUS              ready (bit 0) unless fake->not_ready
 *   TIME_NS_LO/HI       fake->time_ns (LO read latches HI); TIME_ADJUST adds
 *   SA_STAGE / SA_WRITE the staged 32 words are copied to fake->sa[index]
 *   TAG_SPI/INDEX/WRITE the staged slot goes to fake->tag[table][bucket][way]
 *   COUNTER_SNAPSHOT    copies fake->counter_live[] into the COUNTERS window
 *   SA_STATS_SELECT     copies fake->sa_stats[index] into SA_STATS_*, status 1
 *   MBOX[0..63]         plain storage; fake->on_mbox_write, if set, is called
 *                       after every write of MBOX[0] (REQ_SEQ)
 *   FW_EVENT_SPI/EVENT  each FW_EVENT write is appended to fake->fw_events
 *   EVENT_HIST_*        fake->hist[] (records) and fake->hist_count
 *   other rw registers  plain storage (ring and event filter registers)
 *   unknown offsets     read 0, writes ignored (as the card)
 * Every access is counted; fake->fail_after, when nonzero, makes the
 * accessors report failure (for driver error paths) after that many.
 *
 * Details the list above leaves open, as implemented in fake_regs.c:
 *   ro registers read fake->regs[] (set at create; tests may change them,
 *   e.g. a wrong ID); bus writes to them are ignored. wo registers read 0.
 *   CAP_* defaults: DATA_WIDTH 512, REASONS SPISYNC_NUM_REASONS,
 *   REPLAY_WINDOW 1024, FLOW_ENTRIES 1024, RING_MAX_LOG2 20, EVENT_HIST
 *   FAKE_HIST_DEPTH; the event filter registers start at their reset values.
 *   SA_WRITE / TAG_WRITE naming an index, bucket or way out of range write
 *   nothing and count in fake->bad_writes.
 *   FW_EVENT while fake->fw_event_busy is ignored, as the card ignores it
 *   (counted in fake->fw_events_ignored, FW_EVENT_STATUS bits 31:16); an
 *   accepted write beyond FAKE_MAX_FW_EVENTS counts in fw_events_overflow.
 *   A failed access (fail_after reached): a read gives 0xFFFFFFFF (what a
 *   PCIe read of a vanished device returns), a write is dropped;
 *   fake_regs_try_read32/try_write32 return false for it.
 *   Write log: after fake_regs_log_start, every bus write (offset, value)
 *   is appended to fake->log in order, until fake_regs_log_stop.
 */
#ifndef SPISYNC_FAKE_REGS_H
#define SPISYNC_FAKE_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spisync_hw.h"

#define FAKE_MAX_FW_EVENTS 1024u
#define FAKE_HIST_DEPTH 64u

struct fake_fw_event {
	uint32_t spi;
	uint32_t value;        /* the FW_EVENT write: type 7:0, index 31:16 */
};

struct fake_regs_write {
	uint32_t offset;
	uint32_t value;
};

struct fake_regs {
	uint32_t sa_entries, tag_buckets;
	uint32_t (*sa)[SPISYNC_SA_WORDS];          /* sa_entries entries */
	struct { uint32_t spi; uint16_t index; bool valid; } *tag; /* [2][buckets][ways] */
	uint32_t sa_writes;                        /* SA_WRITE count */
	uint32_t regs[0x10000 / 4];                /* plain storage by offset / 4 */
	uint64_t time_ns;
	bool not_ready;
	uint64_t counter_live[SPISYNC_NUM_REASONS];
	uint64_t (*sa_stats)[4];                   /* packets, bytes, auth_fail, replay */
	struct fake_fw_event fw_events[FAKE_MAX_FW_EVENTS];
	uint32_t n_fw_events;
	bool fw_event_busy;                        /* FW_EVENT_STATUS bit 0 */
	uint8_t hist[FAKE_HIST_DEPTH][SPISYNC_EVENT_BYTES];
	uint32_t hist_count;
	void (*on_mbox_write)(void *ctx);
	void *on_mbox_ctx;
	uint64_t accesses;
	uint64_t fail_after;
	/* added with the firmware's tests */
	uint32_t bad_writes;                       /* SA_WRITE/TAG_WRITE out of range */
	uint32_t fw_events_ignored;                /* FW_EVENT writes while busy */
	uint32_t fw_events_overflow;               /* accepted beyond FAKE_MAX_FW_EVENTS */
	bool log_on;
	struct fake_regs_write *log;               /* bus writes since fake_regs_log_start */
	size_t log_len, log_cap;
};

struct fake_regs *fake_regs_create(uint32_t sa_entries, uint32_t tag_buckets);
void fake_regs_destroy(struct fake_regs *f);

uint32_t fake_regs_read32(struct fake_regs *f, uint32_t offset);
void fake_regs_write32(struct fake_regs *f, uint32_t offset, uint32_t value);

/* As read32/write32; false when the access failed (fail_after). */
bool fake_regs_try_read32(struct fake_regs *f, uint32_t offset, uint32_t *value);
bool fake_regs_try_write32(struct fake_regs *f, uint32_t offset, uint32_t value);

/* Start (emptying it) and stop the write log. */
void fake_regs_log_start(struct fake_regs *f);
void fake_regs_log_stop(struct fake_regs *f);

/* Append a record to the history (as the card's event gate would). */
void fake_regs_hist_push(struct fake_regs *f, const uint8_t rec[SPISYNC_EVENT_BYTES]);

#endif
