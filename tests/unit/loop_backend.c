/*
 * spisync tests -- the loopback backend (loop_backend.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop_backend.h"
#include "mbox.h"

#define RING_ST_ENABLED 0x01u
#define RING_ST_STICKY  0x0Eu   /* full, bad cons, write error */
#define RING_ST_BUSY    0x10u

static struct loop_backend *
loop_of(struct spisync_backend *b)
{
	return (struct loop_backend *)b;
}

/*
 * ---- the controller's HAL: straight to the fake, not logged -------------
 * The controller's accesses are not the driver's: they neither count in
 * fake->accesses nor fail with fake->fail_after (a test of the driver's
 * error paths must not get a confused controller instead).
 */

static uint32_t
hal_read32(void *ctx, uint32_t offset)
{
	const struct loop_backend *l = ctx;
	const uint64_t fail_after = l->fake->fail_after;
	uint32_t v;

	l->fake->fail_after = 0;
	v = fake_regs_read32(l->fake, offset);
	l->fake->accesses--;
	l->fake->fail_after = fail_after;
	return v;
}

static void
hal_write32(void *ctx, uint32_t offset, uint32_t value)
{
	const struct loop_backend *l = ctx;
	const uint64_t fail_after = l->fake->fail_after;

	l->fake->fail_after = 0;
	fake_regs_write32(l->fake, offset, value);
	l->fake->accesses--;
	l->fake->fail_after = fail_after;
}

static uint32_t
hal_now_ms(void *ctx)
{
	const struct loop_backend *l = ctx;

	return l->now_ms;
}

/* One pass of the controller; a HELLO answer may be made to lie about the
 * protocol version (the driver must refuse it). */
static void
run_fw(struct loop_backend *l)
{
	const uint32_t cmd = fake_regs_read32(l->fake,
	    SPISYNC_REG_MBOX(MBOX_W_CMD));

	fw_poll(l->fw);
	if (cmd == MBOX_CMD_HELLO && l->hello_proto_override != 0)
		fake_regs_write32(l->fake, SPISYNC_REG_MBOX(MBOX_W_ARG + 1),
		    l->hello_proto_override);
}

/* The fake calls this after every REQ_SEQ write. */
static void
on_mbox_write(void *ctx)
{
	struct loop_backend *l = ctx;

	if (l->lock_depth != 1)
		l->lock_violations++;
	if (!l->fw_answers)
		return;
	if (l->fw_delay_reads != 0) {
		l->fw_posted = true;
		l->fw_rsp_reads = 0;
		return;
	}
	run_fw(l);
}

/* ---- the access log --------------------------------------------------- */

static void
log_access(struct loop_backend *l, bool write, uint32_t offset,
    uint32_t value)
{
	if (!l->log_on)
		return;
	if (l->log_len == l->log_cap) {
		const size_t cap = l->log_cap != 0 ? 2 * l->log_cap : 1024;
		struct loop_access *grown = realloc(l->log, cap * sizeof(*grown));

		if (grown == NULL)
			abort();	/* a test helper: out of memory ends it */
		l->log = grown;
		l->log_cap = cap;
	}
	l->log[l->log_len].write = write;
	l->log[l->log_len].offset = offset;
	l->log[l->log_len].value = value;
	l->log_len++;
}

void
loop_backend_log_start(struct loop_backend *l)
{
	l->log_len = 0;
	l->log_on = true;
}

void
loop_backend_log_stop(struct loop_backend *l)
{
	l->log_on = false;
}

/* ---- backend ops ------------------------------------------------------- */

static int
loop_read32(struct spisync_backend *b, uint32_t offset, uint32_t *value)
{
	struct loop_backend *l = loop_of(b);

	if (!fake_regs_try_read32(l->fake, offset, value)) {
		snprintf(b->err, sizeof(b->err), "loop: read of register "
		    "0x%04x failed (fake_regs fail_after)", (unsigned)offset);
		return -EIO;
	}
	if (offset == SPISYNC_REG_MBOX(MBOX_W_RSP_SEQ) && l->fw_posted &&
	    ++l->fw_rsp_reads >= l->fw_delay_reads) {
		l->fw_posted = false;
		run_fw(l);
		*value = fake_regs_read32(l->fake, offset);
	}
	if (offset == SPISYNC_REG_RING_STATUS && l->ring_busy_reads > 0) {
		l->ring_busy_reads--;
		*value |= RING_ST_BUSY;
	}
	if (offset == SPISYNC_REG_SA_STATS_STATUS && l->stats_busy_reads > 0) {
		l->stats_busy_reads--;
		*value &= ~1u;
	}
	log_access(l, false, offset, *value);
	return 0;
}

/* The card's ring enable edge (docs/register-map.md, RING_CTRL). */
static void
ring_ctrl(struct loop_backend *l, uint32_t before, uint32_t value)
{
	uint32_t *status = &l->fake->regs[SPISYNC_REG_RING_STATUS / 4];

	if ((value & 1u) != 0 && (before & 1u) == 0) {
		*status = (*status & ~RING_ST_STICKY) | RING_ST_ENABLED;
		l->fake->regs[SPISYNC_REG_RING_PROD / 4] = 0;
	} else if ((value & 1u) == 0) {
		*status &= ~RING_ST_ENABLED;
	}
}

static int
loop_write32(struct spisync_backend *b, uint32_t offset, uint32_t value)
{
	struct loop_backend *l = loop_of(b);
	const uint32_t ctrl_before = l->fake->regs[SPISYNC_REG_RING_CTRL / 4];

	/* logged first: the write of REQ_SEQ runs the controller inside it */
	log_access(l, true, offset, value);
	if (!fake_regs_try_write32(l->fake, offset, value)) {
		snprintf(b->err, sizeof(b->err), "loop: write of register "
		    "0x%04x failed (fake_regs fail_after)", (unsigned)offset);
		return -EIO;
	}
	if (offset == SPISYNC_REG_RING_CTRL)
		ring_ctrl(l, ctrl_before, value);
	if (l->on_write != NULL)
		l->on_write(l->on_write_ctx, offset, value);
	return 0;
}

static int
loop_dma_alloc(struct spisync_backend *b, size_t len, void **vaddr,
    uint64_t *bus_addr)
{
	struct loop_backend *l = loop_of(b);
	const size_t rounded = (len + 4095u) & ~(size_t)4095u;

	if (l->fail_dma) {
		snprintf(b->err, sizeof(b->err), "loop: DMA allocation of %zu "
		    "bytes failed (fail_dma)", len);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < LOOP_DMA_MAX; i++) {
		struct loop_dma *d = &l->dma[i];

		if (d->live)
			continue;
		d->vaddr = aligned_alloc(4096, rounded);
		if (d->vaddr == NULL)
			break;
		memset(d->vaddr, 0, rounded);
		d->bus = l->next_bus;
		d->len = len;
		d->live = true;
		l->next_bus += rounded + 4096u;	/* a gap: no two adjacent */
		l->dma_allocs++;
		*vaddr = d->vaddr;
		*bus_addr = d->bus;
		return 0;
	}
	snprintf(b->err, sizeof(b->err), "loop: no DMA slot for %zu bytes", len);
	return -ENOMEM;
}

static void
loop_dma_free(struct spisync_backend *b, void *vaddr, size_t len)
{
	struct loop_backend *l = loop_of(b);

	for (unsigned i = 0; i < LOOP_DMA_MAX; i++) {
		struct loop_dma *d = &l->dma[i];

		if (d->live && d->vaddr == vaddr && d->len == len) {
			free(d->vaddr);
			memset(d, 0, sizeof(*d));
			l->dma_frees++;
			return;
		}
	}
	/* a free of something never allocated: make the test see it */
	l->lock_violations += 1000;
}

static int
loop_lock(struct spisync_backend *b)
{
	struct loop_backend *l = loop_of(b);

	if (l->fail_lock) {
		snprintf(b->err, sizeof(b->err), "loop: lock failed (fail_lock)");
		return -EIO;
	}
	if (l->lock_depth != 0)
		l->lock_violations++;
	l->lock_depth++;
	l->locks++;
	return 0;
}

static int
loop_unlock(struct spisync_backend *b)
{
	struct loop_backend *l = loop_of(b);

	if (l->lock_depth != 1)
		l->lock_violations++;
	l->lock_depth--;
	l->unlocks++;
	return 0;
}

static void
loop_close(struct spisync_backend *b)
{
	loop_of(b)->closed = true;
}

static const struct spisync_backend_ops loop_ops = {
	.name = "loop",
	.read32 = loop_read32,
	.write32 = loop_write32,
	.dma_alloc = loop_dma_alloc,
	.dma_free = loop_dma_free,
	.lock = loop_lock,
	.unlock = loop_unlock,
	.close = loop_close,
};

int
loop_backend_create(uint32_t sa_entries, uint32_t tag_buckets,
    struct loop_backend **out)
{
	struct loop_backend *l = calloc(1, sizeof(*l));
	struct fw_hal hal;

	*out = NULL;
	if (l == NULL)
		return -1;
	l->base.ops = &loop_ops;
	l->fake = fake_regs_create(sa_entries, tag_buckets);
	l->fw = calloc(1, sizeof(*l->fw));
	if (l->fake == NULL || l->fw == NULL) {
		loop_backend_destroy(l);
		return -1;
	}
	l->fw_answers = true;
	l->now_ms = 1000;
	l->next_bus = LOOP_BUS_BASE;
	hal.ctx = l;
	hal.read32 = hal_read32;
	hal.write32 = hal_write32;
	hal.now_ms = hal_now_ms;
	if (fw_init(l->fw, &hal) != FW_OK) {
		loop_backend_destroy(l);
		return -1;
	}
	l->fake->on_mbox_write = on_mbox_write;
	l->fake->on_mbox_ctx = l;
	/* the fake counts the firmware's start; tests count from here */
	l->fake->accesses = 0;
	*out = l;
	return 0;
}

void
loop_backend_destroy(struct loop_backend *l)
{
	if (l == NULL)
		return;
	for (unsigned i = 0; i < LOOP_DMA_MAX; i++)
		free(l->dma[i].vaddr);
	fake_regs_destroy(l->fake);
	free(l->fw);
	free(l->log);
	free(l);
}

void *
loop_backend_bus_ptr(struct loop_backend *l, uint64_t bus, size_t len)
{
	for (unsigned i = 0; i < LOOP_DMA_MAX; i++) {
		const struct loop_dma *d = &l->dma[i];

		if (d->live && bus >= d->bus && bus - d->bus <= d->len &&
		    len <= d->len - (bus - d->bus))
			return d->vaddr + (bus - d->bus);
	}
	return NULL;
}

unsigned
loop_backend_dma_live(const struct loop_backend *l)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LOOP_DMA_MAX; i++)
		n += l->dma[i].live;
	return n;
}
