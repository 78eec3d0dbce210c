/*
 * spisync tests -- the fake register file (fake_regs.h).
 *
 * Written from docs/register-map.md, not from the RTL or the firmware: each
 * register's access type below is copied from that table. The point is a
 * model simple enough to trust, whose state a test reads back directly
 * (fake->sa[], fake->tag[], fake->fw_events[], the mailbox words).
 */
#include <stdlib.h>
#include <string.h>

#include "fake_regs.h"

enum access { ACC_NONE = 0, ACC_RO, ACC_RW, ACC_WO };

/* The single registers of docs/register-map.md (the arrays are handled by
 * range in access_of). */
static const struct {
	uint32_t offset;
	enum access access;
} reg_table[] = {
	{ SPISYNC_REG_ID, ACC_RO },
	{ SPISYNC_REG_VERSION, ACC_RO },
	{ SPISYNC_REG_CAP_DATA_WIDTH, ACC_RO },
	{ SPISYNC_REG_CAP_SA_ENTRIES, ACC_RO },
	{ SPISYNC_REG_CAP_TAG_BUCKETS, ACC_RO },
	{ SPISYNC_REG_CAP_REASONS, ACC_RO },
	{ SPISYNC_REG_CAP_REPLAY_WINDOW, ACC_RO },
	{ SPISYNC_REG_STATUS, ACC_RO },
	{ SPISYNC_REG_TIME_NS_LO, ACC_RO },
	{ SPISYNC_REG_TIME_NS_HI, ACC_RO },
	{ SPISYNC_REG_TIME_INC, ACC_RW },
	{ SPISYNC_REG_CAP_FLOW_ENTRIES, ACC_RO },
	{ SPISYNC_REG_CAP_RING_MAX_LOG2, ACC_RO },
	{ SPISYNC_REG_CAP_EVENT_HIST, ACC_RO },
	{ SPISYNC_REG_TIME_ADJUST_LO, ACC_WO },
	{ SPISYNC_REG_TIME_ADJUST_HI, ACC_WO },
	{ SPISYNC_REG_SA_WRITE, ACC_WO },
	{ SPISYNC_REG_TAG_SPI, ACC_RW },
	{ SPISYNC_REG_TAG_INDEX, ACC_RW },
	{ SPISYNC_REG_TAG_WRITE, ACC_WO },
	{ SPISYNC_REG_COUNTER_SNAPSHOT, ACC_WO },
	{ SPISYNC_REG_SA_STATS_SELECT, ACC_WO },
	{ SPISYNC_REG_SA_STATS_STATUS, ACC_RO },
	{ SPISYNC_REG_EVENTS_LOST_LO, ACC_RO },
	{ SPISYNC_REG_EVENTS_LOST_HI, ACC_RO },
	{ SPISYNC_REG_EVENTS_WRITTEN_LO, ACC_RO },
	{ SPISYNC_REG_EVENTS_WRITTEN_HI, ACC_RO },
	{ SPISYNC_REG_FLOW_SUPPRESSED_LO, ACC_RO },
	{ SPISYNC_REG_FLOW_SUPPRESSED_HI, ACC_RO },
	{ SPISYNC_REG_FLOW_PENDING_LO, ACC_RO },
	{ SPISYNC_REG_FLOW_PENDING_HI, ACC_RO },
	{ SPISYNC_REG_SA_STATS_PACKETS_LO, ACC_RO },
	{ SPISYNC_REG_SA_STATS_PACKETS_HI, ACC_RO },
	{ SPISYNC_REG_SA_STATS_BYTES_LO, ACC_RO },
	{ SPISYNC_REG_SA_STATS_BYTES_HI, ACC_RO },
	{ SPISYNC_REG_SA_STATS_AUTH_FAIL_LO, ACC_RO },
	{ SPISYNC_REG_SA_STATS_AUTH_FAIL_HI, ACC_RO },
	{ SPISYNC_REG_SA_STATS_REPLAY_LO, ACC_RO },
	{ SPISYNC_REG_SA_STATS_REPLAY_HI, ACC_RO },
	{ SPISYNC_REG_RING_BASE_LO, ACC_RW },
	{ SPISYNC_REG_RING_BASE_HI, ACC_RW },
	{ SPISYNC_REG_RING_SIZE_LOG2, ACC_RW },
	{ SPISYNC_REG_RING_CTRL, ACC_RW },
	{ SPISYNC_REG_RING_CONS, ACC_RW },
	{ SPISYNC_REG_RING_PROD, ACC_RO },
	{ SPISYNC_REG_RING_STATUS, ACC_RO },
	{ SPISYNC_REG_RING_WRITE_ERRORS, ACC_RO },
	{ SPISYNC_REG_EVENT_HOLDOFF_NS_LO, ACC_RW },
	{ SPISYNC_REG_EVENT_HOLDOFF_NS_HI, ACC_RW },
	{ SPISYNC_REG_EVENT_TOKEN_NS, ACC_RW },
	{ SPISYNC_REG_EVENT_TOKEN_BURST, ACC_RW },
	{ SPISYNC_REG_EVENT_LOST_NS, ACC_RW },
	{ SPISYNC_REG_BURST_INTERVAL_NS_LO, ACC_RW },
	{ SPISYNC_REG_BURST_INTERVAL_NS_HI, ACC_RW },
	{ SPISYNC_REG_AUTH_FAIL_BURST, ACC_RW },
	{ SPISYNC_REG_REPLAY_BURST, ACC_RW },
	{ SPISYNC_REG_EVENT_HIST_COUNT, ACC_RO },
	{ SPISYNC_REG_EVENT_HIST_SELECT, ACC_WO },
	{ SPISYNC_REG_FW_EVENT_SPI, ACC_RW },
	{ SPISYNC_REG_FW_EVENT, ACC_WO },
	{ SPISYNC_REG_FW_EVENT_STATUS, ACC_RO },
};

static bool
in_array(uint32_t offset, uint32_t base, uint32_t stride, uint32_t count)
{
	return offset >= base && offset < base + stride * count &&
	    (offset - base) % stride == 0;
}

static enum access
access_of(uint32_t offset)
{
	if ((offset & 3u) != 0)
		return ACC_NONE;
	if (in_array(offset, SPISYNC_REG_SA_STAGE(0), 4, SPISYNC_REG_SA_STAGE_COUNT))
		return ACC_RW;
	/* COUNTERS: a low and a high word per 8-byte stride */
	if (in_array(offset & ~4u, SPISYNC_REG_COUNTERS(0), 8, SPISYNC_REG_COUNTERS_COUNT))
		return ACC_RO;
	if (in_array(offset, SPISYNC_REG_MBOX(0), 4, SPISYNC_REG_MBOX_COUNT))
		return ACC_RW;
	if (in_array(offset, SPISYNC_REG_EVENT_HIST_DATA(0), 4,
	    SPISYNC_REG_EVENT_HIST_DATA_COUNT))
		return ACC_RO;
	for (size_t i = 0; i < sizeof(reg_table) / sizeof(reg_table[0]); i++) {
		if (reg_table[i].offset == offset)
			return reg_table[i].access;
	}
	return ACC_NONE;
}

static uint32_t *
reg(struct fake_regs *f, uint32_t offset)
{
	return &f->regs[offset / 4];
}

static void
set64(struct fake_regs *f, uint32_t lo_offset, uint64_t v)
{
	*reg(f, lo_offset) = (uint32_t)v;
	*reg(f, lo_offset + 4) = (uint32_t)(v >> 32);
}

static void
set_defaults(struct fake_regs *f)
{
	*reg(f, SPISYNC_REG_ID) = SPISYNC_MAGIC;
	*reg(f, SPISYNC_REG_VERSION) = SPISYNC_VERSION;
	*reg(f, SPISYNC_REG_CAP_DATA_WIDTH) = 512;
	*reg(f, SPISYNC_REG_CAP_SA_ENTRIES) = f->sa_entries;
	*reg(f, SPISYNC_REG_CAP_TAG_BUCKETS) = f->tag_buckets;
	*reg(f, SPISYNC_REG_CAP_REASONS) = SPISYNC_NUM_REASONS;
	*reg(f, SPISYNC_REG_CAP_REPLAY_WINDOW) = 1024;
	*reg(f, SPISYNC_REG_CAP_FLOW_ENTRIES) = 1024;
	*reg(f, SPISYNC_REG_CAP_RING_MAX_LOG2) = 20;
	*reg(f, SPISYNC_REG_CAP_EVENT_HIST) = FAKE_HIST_DEPTH;
	/* 3.103 ns per clock (322 MHz) in 8.24 fixed point */
	*reg(f, SPISYNC_REG_TIME_INC) = 52059701u;
	set64(f, SPISYNC_REG_EVENT_HOLDOFF_NS_LO, 1000000000ull);
	*reg(f, SPISYNC_REG_EVENT_TOKEN_NS) = 10000;
	*reg(f, SPISYNC_REG_EVENT_TOKEN_BURST) = 256;
	*reg(f, SPISYNC_REG_EVENT_LOST_NS) = 1000000;
	set64(f, SPISYNC_REG_BURST_INTERVAL_NS_LO, 1000000000ull);
	*reg(f, SPISYNC_REG_AUTH_FAIL_BURST) = 16;
	*reg(f, SPISYNC_REG_REPLAY_BURST) = 64;
}

struct fake_regs *
fake_regs_create(uint32_t sa_entries, uint32_t tag_buckets)
{
	struct fake_regs *f = calloc(1, sizeof(*f));
	/* at least one of each, so a test can describe a card with none */
	const size_t n_sa = sa_entries != 0 ? sa_entries : 1;
	const size_t n_tag = 2 * (size_t)(tag_buckets != 0 ? tag_buckets : 1) *
	    SPISYNC_TAG_WAYS;

	if (f == NULL)
		return NULL;
	f->sa_entries = sa_entries;
	f->tag_buckets = tag_buckets;
	f->sa = calloc(n_sa, sizeof(*f->sa));
	f->tag = calloc(n_tag, sizeof(*f->tag));
	f->sa_stats = calloc(n_sa, sizeof(*f->sa_stats));
	if (f->sa == NULL || f->tag == NULL || f->sa_stats == NULL) {
		fake_regs_destroy(f);
		return NULL;
	}
	set_defaults(f);
	return f;
}

void
fake_regs_destroy(struct fake_regs *f)
{
	if (f == NULL)
		return;
	free(f->sa);
	free(f->tag);
	free(f->sa_stats);
	free(f->log);
	free(f);
}

/* Counts the access; false once fail_after accesses have been made. */
static bool
access_ok(struct fake_regs *f)
{
	f->accesses++;
	return f->fail_after == 0 || f->accesses <= f->fail_after;
}

static uint32_t
fw_event_status(const struct fake_regs *f)
{
	const uint32_t ignored = f->fw_events_ignored > 0xFFFFu ? 0xFFFFu :
	    f->fw_events_ignored;

	return (f->fw_event_busy ? 1u : 0u) | ignored << 16;
}

static uint32_t
read_reg(struct fake_regs *f, uint32_t offset)
{
	switch (offset) {
	case SPISYNC_REG_STATUS:
		return f->not_ready ? 0 : 1;
	case SPISYNC_REG_TIME_NS_LO:
		*reg(f, SPISYNC_REG_TIME_NS_HI) = (uint32_t)(f->time_ns >> 32);
		return (uint32_t)f->time_ns;
	case SPISYNC_REG_FW_EVENT_STATUS:
		return fw_event_status(f);
	case SPISYNC_REG_EVENT_HIST_COUNT:
		return f->hist_count;
	default:
		break;
	}
	switch (access_of(offset)) {
	case ACC_RO:
	case ACC_RW:
		return *reg(f, offset);
	case ACC_WO:
	case ACC_NONE:
	default:
		return 0;
	}
}

static void
sa_write(struct fake_regs *f, uint32_t index)
{
	if (index >= f->sa_entries) {
		f->bad_writes++;
		return;
	}
	for (uint32_t w = 0; w < SPISYNC_SA_WORDS; w++)
		f->sa[index][w] = *reg(f, SPISYNC_REG_SA_STAGE(w));
}

static void
tag_write(struct fake_regs *f, uint32_t value)
{
	const uint32_t table = value >> 31;
	const uint32_t way = (value >> 16) & 0xFFu;
	const uint32_t bucket = value & 0xFFFFu;
	const uint32_t index_reg = *reg(f, SPISYNC_REG_TAG_INDEX);
	size_t slot;

	/* bits 30:24 are not part of the register: the card ignores them */
	if (way >= SPISYNC_TAG_WAYS || bucket >= f->tag_buckets) {
		f->bad_writes++;
		return;
	}
	slot = ((size_t)table * f->tag_buckets + bucket) * SPISYNC_TAG_WAYS + way;
	f->tag[slot].spi = *reg(f, SPISYNC_REG_TAG_SPI);
	f->tag[slot].index = (uint16_t)(index_reg & 0xFFFFu);
	f->tag[slot].valid = (index_reg & SPISYNC_TAG_INDEX_VALID) != 0;
}

static void
sa_stats_select(struct fake_regs *f, uint32_t index)
{
	static const uint32_t lo[4] = {
		SPISYNC_REG_SA_STATS_PACKETS_LO, SPISYNC_REG_SA_STATS_BYTES_LO,
		SPISYNC_REG_SA_STATS_AUTH_FAIL_LO, SPISYNC_REG_SA_STATS_REPLAY_LO,
	};

	for (unsigned k = 0; k < 4; k++)
		set64(f, lo[k], index < f->sa_entries ? f->sa_stats[index][k] : 0);
	*reg(f, SPISYNC_REG_SA_STATS_STATUS) = 1;
}

static void
fw_event(struct fake_regs *f, uint32_t value)
{
	if (f->fw_event_busy) {
		f->fw_events_ignored++;
		return;
	}
	if (f->n_fw_events == FAKE_MAX_FW_EVENTS) {
		f->fw_events_overflow++;
		return;
	}
	f->fw_events[f->n_fw_events].spi = *reg(f, SPISYNC_REG_FW_EVENT_SPI);
	f->fw_events[f->n_fw_events].value = value;
	f->n_fw_events++;
}

static void
log_write(struct fake_regs *f, uint32_t offset, uint32_t value)
{
	if (!f->log_on)
		return;
	if (f->log_len == f->log_cap) {
		const size_t cap = f->log_cap != 0 ? 2 * f->log_cap : 1024;
		struct fake_regs_write *grown = realloc(f->log, cap * sizeof(*grown));

		if (grown == NULL)
			abort();	/* a test helper: out of memory ends the test */
		f->log = grown;
		f->log_cap = cap;
	}
	f->log[f->log_len].offset = offset;
	f->log[f->log_len].value = value;
	f->log_len++;
}

static void
write_reg(struct fake_regs *f, uint32_t offset, uint32_t value)
{
	log_write(f, offset, value);
	switch (offset) {
	case SPISYNC_REG_TIME_ADJUST_LO:
		*reg(f, offset) = value;	/* staged; reads still give 0 */
		return;
	case SPISYNC_REG_TIME_ADJUST_HI:
		f->time_ns += (uint64_t)value << 32 | *reg(f, SPISYNC_REG_TIME_ADJUST_LO);
		return;
	case SPISYNC_REG_SA_WRITE:
		sa_write(f, value);
		return;
	case SPISYNC_REG_TAG_WRITE:
		tag_write(f, value);
		return;
	case SPISYNC_REG_COUNTER_SNAPSHOT:
		for (uint32_t i = 0; i < SPISYNC_NUM_REASONS; i++)
			set64(f, SPISYNC_REG_COUNTERS(i), f->counter_live[i]);
		return;
	case SPISYNC_REG_SA_STATS_SELECT:
		sa_stats_select(f, value);
		return;
	case SPISYNC_REG_EVENT_HIST_SELECT:
		for (uint32_t w = 0; w < SPISYNC_REG_EVENT_HIST_DATA_COUNT; w++) {
			const uint8_t *rec = f->hist[value % FAKE_HIST_DEPTH] + 4 * w;

			*reg(f, SPISYNC_REG_EVENT_HIST_DATA(w)) = (uint32_t)rec[0] |
			    (uint32_t)rec[1] << 8 | (uint32_t)rec[2] << 16 |
			    (uint32_t)rec[3] << 24;
		}
		return;
	case SPISYNC_REG_FW_EVENT:
		fw_event(f, value);
		return;
	default:
		break;
	}
	if (access_of(offset) != ACC_RW)
		return;		/* ro and unknown: ignored, as the card */
	*reg(f, offset) = value;
	if (offset == SPISYNC_REG_MBOX(0) && f->on_mbox_write != NULL)
		f->on_mbox_write(f->on_mbox_ctx);
}

bool
fake_regs_try_read32(struct fake_regs *f, uint32_t offset, uint32_t *value)
{
	if (!access_ok(f)) {
		*value = 0xFFFFFFFFu;
		return false;
	}
	*value = offset < sizeof(f->regs) ? read_reg(f, offset) : 0;
	return true;
}

bool
fake_regs_try_write32(struct fake_regs *f, uint32_t offset, uint32_t value)
{
	if (!access_ok(f))
		return false;
	if (offset < sizeof(f->regs))
		write_reg(f, offset, value);
	return true;
}

uint32_t
fake_regs_read32(struct fake_regs *f, uint32_t offset)
{
	uint32_t value;

	(void)fake_regs_try_read32(f, offset, &value);
	return value;
}

void
fake_regs_write32(struct fake_regs *f, uint32_t offset, uint32_t value)
{
	(void)fake_regs_try_write32(f, offset, value);
}

void
fake_regs_log_start(struct fake_regs *f)
{
	f->log_len = 0;
	f->log_on = true;
}

void
fake_regs_log_stop(struct fake_regs *f)
{
	f->log_on = false;
}

void
fake_regs_hist_push(struct fake_regs *f, const uint8_t rec[SPISYNC_EVENT_BYTES])
{
	memcpy(f->hist[f->hist_count % FAKE_HIST_DEPTH], rec, SPISYNC_EVENT_BYTES);
	f->hist_count++;
}
