/*
 * libspisync -- register access, the backend lock, bounded waits and the
 * handle's error sentence (spisync_internal.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "spisync_internal.h"

int
spisync_fail(struct spisync *h, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* The backend's sentence, or a generic one if it left none. */
static int
backend_fail(struct spisync *h, int rc, const char *what, uint32_t offset)
{
	if (h->b->err[0] != '\0')
		return spisync_fail(h, rc, "%s", h->b->err);
	return spisync_fail(h, rc, "%s: %s of register 0x%04x failed: %s",
	    h->device, what, (unsigned)offset, strerror(-rc));
}

int
spisync_rd32(struct spisync *h, uint32_t offset, uint32_t *value)
{
	int rc;

	h->b->err[0] = '\0';
	rc = h->b->ops->read32(h->b, offset, value);
	if (rc < 0)
		return backend_fail(h, rc, "read", offset);
	return 0;
}

int
spisync_wr32(struct spisync *h, uint32_t offset, uint32_t value)
{
	int rc;

	h->b->err[0] = '\0';
	rc = h->b->ops->write32(h->b, offset, value);
	if (rc < 0)
		return backend_fail(h, rc, "write", offset);
	return 0;
}

int
spisync_rd64(struct spisync *h, uint32_t lo_offset, uint64_t *value)
{
	uint32_t lo, hi;
	int rc;

	/* LO first: on the card reading it latches HI, so the pair is one
	 * value even while it counts */
	rc = spisync_rd32(h, lo_offset, &lo);
	if (rc == 0)
		rc = spisync_rd32(h, lo_offset + 4, &hi);
	if (rc != 0)
		return rc;
	*value = (uint64_t)hi << 32 | lo;
	return 0;
}

int
spisync_wr64(struct spisync *h, uint32_t lo_offset, uint64_t value)
{
	int rc = spisync_wr32(h, lo_offset, (uint32_t)value);

	if (rc == 0)
		rc = spisync_wr32(h, lo_offset + 4, (uint32_t)(value >> 32));
	return rc;
}

int
spisync_lock(struct spisync *h)
{
	int rc;

	h->b->err[0] = '\0';
	rc = h->b->ops->lock(h->b);
	if (rc < 0) {
		if (h->b->err[0] != '\0')
			return spisync_fail(h, rc, "%s", h->b->err);
		return spisync_fail(h, rc, "%s: taking the card lock failed: %s",
		    h->device, strerror(-rc));
	}
	return 0;
}

int
spisync_unlock(struct spisync *h, int rc)
{
	int urc;

	h->b->err[0] = '\0';
	urc = h->b->ops->unlock(h->b);
	if (urc < 0 && rc == 0) {
		if (h->b->err[0] != '\0')
			return spisync_fail(h, urc, "%s", h->b->err);
		return spisync_fail(h, urc, "%s: releasing the card lock "
		    "failed: %s", h->device, strerror(-urc));
	}
	return rc;
}

uint64_t
spisync_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
spisync_sleep_us(unsigned us)
{
	struct timespec ts;

	ts.tv_sec = us / 1000000u;
	ts.tv_nsec = (long)(us % 1000000u) * 1000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
spisync_wait_reg(struct spisync *h, uint32_t offset, uint32_t mask,
    uint32_t want, unsigned timeout_ms, const char *what)
{
	const uint64_t start = spisync_now_ms();
	unsigned sleep_us = 10;
	uint32_t v;
	int rc;

	for (;;) {
		rc = spisync_rd32(h, offset, &v);
		if (rc != 0)
			return rc;
		if ((v & mask) == want)
			return 0;
		if (spisync_now_ms() - start >= timeout_ms)
			return spisync_fail(h, -ETIMEDOUT, "%s: %s: register "
			    "0x%04x still reads 0x%08x after %u ms", h->device,
			    what, (unsigned)offset, (unsigned)v, timeout_ms);
		spisync_sleep_us(sleep_us);
		if (sleep_us < 1000)
			sleep_us *= 2;
	}
}
