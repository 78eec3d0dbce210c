/*
 * spisync firmware -- SA time lifetimes and the FW_EVENT queue.
 *
 * Each poll looks at the next FW_LIFE_SCAN_PER_POLL indices (a cursor that
 * wraps at CAP_SA_ENTRIES), so a poll costs the same with 10 or 4096 SAs;
 * an expiry is seen at most one sweep (entries / FW_LIFE_SCAN_PER_POLL
 * polls) after it is due. A passed hard lifetime deletes the SA at once;
 * its records only wait for FW_EVENT.
 *
 * FW_EVENT takes one record at a time: while FW_EVENT_STATUS bit 0 is set
 * it ignores writes, so the controller reads the bit before each write and
 * keeps the event queued when it is set. The controller is the register's
 * only writer, so the bit cannot be set between that read and the write.
 */
#include <stddef.h>

#include "fw_internal.h"
#include "mbox.h"

#define MS_PER_S 1000u
#define FW_EVENT_BUSY 0x1u

static bool
passed(uint64_t age_ms, uint32_t lifetime_s)
{
	return lifetime_s != 0 && age_ms >= (uint64_t)lifetime_s * MS_PER_S;
}

/* Returns whether it raised or expired anything. */
static bool
check_one(struct fw *fw, uint32_t index)
{
	const struct fw_sa_meta *m = &fw->meta[index];
	uint64_t age_ms;

	if (!fw->used[index] || (m->soft_s == 0 && m->hard_s == 0))
		return false;
	age_ms = fw->now_ms - m->added_ms;
	if (passed(age_ms, m->hard_s)) {
		fw_sa_expire_hard(fw, index);
		return true;
	}
	if ((m->flags & MBOX_SAF_SOFT_TIME_EXPIRED) == 0 &&
	    passed(age_ms, m->soft_s)) {
		fw_sa_expire_soft(fw, index);
		return true;
	}
	return false;
}

static bool
scan(struct fw *fw)
{
	const uint32_t entries = fw->table.entries;
	const uint32_t n = entries < FW_LIFE_SCAN_PER_POLL ? entries :
	    FW_LIFE_SCAN_PER_POLL;
	bool did = false;

	for (uint32_t k = 0; k < n; k++) {
		const uint32_t index = fw->life_cursor;

		fw->life_cursor = index + 1 == entries ? 0 : index + 1;
		if (check_one(fw, index))
			did = true;
	}
	return did;
}

static bool
drain(struct fw *fw)
{
	bool did = false;

	for (uint32_t k = 0; k < FW_EVENTS_PER_POLL && fw->queue_len != 0; k++) {
		const struct fw_event *ev = &fw->queue[fw->queue_head];

		if ((fw_reg_read(fw, SPISYNC_REG_FW_EVENT_STATUS) & FW_EVENT_BUSY) != 0)
			break;
		fw_reg_write(fw, SPISYNC_REG_FW_EVENT_SPI, ev->spi);
		fw_reg_write(fw, SPISYNC_REG_FW_EVENT, ev->value);
		fw->queue_head = fw->queue_head + 1 == FW_EVENT_QUEUE_MAX ? 0 :
		    fw->queue_head + 1;
		fw->queue_len--;
		did = true;
	}
	return did;
}

unsigned
fw_life_poll(struct fw *fw)
{
	bool did = scan(fw);

	if (drain(fw))
		did = true;
	return did ? FW_DID_LIFETIME : 0;
}
