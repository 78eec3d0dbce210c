/*
 * spisync firmware -- the controller's start, its loop and its clock (fw.h).
 *
 * Freestanding C11: no libc, no division by variables, no 64-bit helpers
 * from libgcc (a soft core may lack them: see fw_ms_to_s), hardware only
 * through the HAL.
 */
#include <stddef.h>

#include "fw_internal.h"
#include "mbox.h"

/* sa_table.c takes the largest index 65535 (a tag holds 16 bits) */
#define FW_CAP_MAX_ENTRIES 65536u

uint32_t
fw_reg_read(const struct fw *fw, uint32_t offset)
{
	return fw->hal.read32(fw->hal.ctx, offset);
}

void
fw_reg_write(const struct fw *fw, uint32_t offset, uint32_t value)
{
	fw->hal.write32(fw->hal.ctx, offset, value);
}

/*
 * The HAL tick is 32 bits of milliseconds: it wraps every 49.7 days. The
 * difference since the last tick, taken modulo 2^32, is right across a wrap
 * as long as ticks are less than 49.7 days apart; fw_poll runs far more
 * often than that.
 */
void
fw_tick(struct fw *fw)
{
	const uint32_t now = fw->hal.now_ms(fw->hal.ctx);

	fw->now_ms += (uint32_t)(now - fw->last_tick);
	fw->last_tick = now;
}

/* Shift-and-subtract long division: 64 steps of shifts by one and a
 * compare, which an rv32 core does without __udivdi3. */
uint32_t
fw_ms_to_s(uint64_t ms)
{
	uint64_t q = 0;
	uint32_t r = 0;

	for (unsigned step = 0; step < 64; step++) {
		r = (r << 1) | (uint32_t)(ms >> 63);
		ms <<= 1;
		q <<= 1;
		if (r >= 1000u) {
			r -= 1000u;
			q |= 1u;
		}
	}
	/* 2^32 s is 136 years of uptime: saturate rather than wrap */
	return q > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)q;
}

void
fw_cleanse(uint32_t *words, uint32_t n)
{
	volatile uint32_t *p = words;

	for (uint32_t i = 0; i < n; i++)
		p[i] = 0;
}

static bool
hal_ok(const struct fw_hal *hal)
{
	return hal != NULL && hal->read32 != NULL && hal->write32 != NULL &&
	    hal->now_ms != NULL;
}

static bool
wait_ready(const struct fw *fw)
{
	for (uint32_t tries = 0; tries < FW_READY_TRIES; tries++) {
		if ((fw_reg_read(fw, SPISYNC_REG_STATUS) & 1u) != 0)
			return true;
	}
	return false;
}

static int
caps_check(uint32_t entries, uint32_t buckets)
{
	if (entries > FW_MAX_SA_ENTRIES || buckets > FW_MAX_TAG_BUCKETS)
		return FW_ERR_TOO_BIG;
	if (entries == 0 || entries > FW_CAP_MAX_ENTRIES)
		return FW_ERR_CAP;
	if (buckets < 2 || (buckets & (buckets - 1u)) != 0)
		return FW_ERR_CAP;
	return FW_OK;
}

int
fw_init(struct fw *fw, const struct fw_hal *hal)
{
	struct sa_hal sa_hal;
	uint32_t entries, buckets;
	int rc;

	if (fw == NULL || !hal_ok(hal))
		return FW_ERR_INVAL;
	fw->ready = false;
	/* field by field: a struct copy becomes a memcpy call at -Os */
	fw->hal.ctx = hal->ctx;
	fw->hal.read32 = hal->read32;
	fw->hal.write32 = hal->write32;
	fw->hal.now_ms = hal->now_ms;

	if (fw_reg_read(fw, SPISYNC_REG_ID) != SPISYNC_MAGIC ||
	    fw_reg_read(fw, SPISYNC_REG_VERSION) != SPISYNC_VERSION)
		return FW_ERR_ID;
	if (!wait_ready(fw))
		return FW_ERR_NOT_READY;
	entries = fw_reg_read(fw, SPISYNC_REG_CAP_SA_ENTRIES);
	buckets = fw_reg_read(fw, SPISYNC_REG_CAP_TAG_BUCKETS);
	rc = caps_check(entries, buckets);
	if (rc != FW_OK)
		return rc;

	sa_hal.ctx = hal->ctx;
	sa_hal.write32 = hal->write32;
	if (sa_table_init(&fw->table, &sa_hal, entries, buckets, fw->slots,
	    fw->spi_of, fw->gen_of, fw->used) != SA_OK)
		return FW_ERR_CAP;

	/* meta[i] means something only while used[i]: fw_sa.c writes all of
	 * it on install and clears it on delete */
	fw->queue_head = 0;
	fw->queue_len = 0;
	fw->queue_max = 2u * entries;
	fw->events_reserved = 0;
	fw->events_lost = 0;
	fw->life_cursor = 0;
	fw->now_ms = 0;
	fw->last_tick = hal->now_ms(hal->ctx);

	fw_mbox_take(fw);
	fw->ready = true;
	return FW_OK;
}

unsigned
fw_poll(struct fw *fw)
{
	unsigned did;

	if (fw == NULL || !fw->ready)
		return 0;
	fw_tick(fw);
	did = fw_mbox_poll(fw);
	did |= fw_life_poll(fw);
	return did;
}

int
fw_sa_add(struct fw *fw, const uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t soft_s, uint32_t hard_s, uint32_t *index, uint32_t *gen)
{
	uint32_t i, g;
	int rc;

	if (fw == NULL || !fw->ready || entry == NULL)
		return MBOX_E_INVAL;
	fw_tick(fw);
	rc = fw_sa_install(fw, entry, soft_s, hard_s, &i, &g);
	if (rc != MBOX_OK)
		return rc;
	if (index != NULL)
		*index = i;
	if (gen != NULL)
		*gen = g;
	return MBOX_OK;
}

uint64_t
fw_now_ms(const struct fw *fw)
{
	return fw->now_ms;
}
