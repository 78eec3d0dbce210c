/*
 * libspisync -- the event ring (start, poll, stop), the card's event
 * history, and record decoding. The ring's memory discipline is
 * driver/event_ring.c's; this file adds the registers around it
 * (driver/event_ring.h lists the start steps, docs/event-ring.md the card's
 * side).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "spisync_internal.h"

#define RING_ST_ENABLED   0x01u
#define RING_ST_BAD_CONS  0x04u
#define RING_ST_WRITE_ERR 0x08u
#define RING_ST_BUSY      0x10u

/* ---- the ring ---------------------------------------------------------- */

/* Steps 3 and 4 of event_ring.h: base, size, consumer 0, enable. Checks
 * that the card took the size as given (it clamps what it cannot do). */
static int
ring_program(struct spisync *h)
{
	struct spisync_ring *r = &h->ring;
	uint32_t size_back;
	int rc;

	rc = spisync_wr64(h, SPISYNC_REG_RING_BASE_LO, r->bus);
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_RING_SIZE_LOG2,
		    r->ring.size_log2);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_SIZE_LOG2, &size_back);
	if (rc == 0 && size_back != r->ring.size_log2)
		rc = spisync_fail(h, -EIO, "%s: RING_SIZE_LOG2 %u reads back "
		    "as %u: the card would use a ring of another size",
		    h->device, (unsigned)r->ring.size_log2,
		    (unsigned)size_back);
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_RING_CONS, 0);
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_RING_CTRL, 1);
	return rc;
}

/* Step 1: disable, then wait until no write of the ring is outstanding. */
static int
ring_quiesce(struct spisync *h)
{
	int rc = spisync_wr32(h, SPISYNC_REG_RING_CTRL, 0);

	if (rc == 0)
		rc = spisync_wait_reg(h, SPISYNC_REG_RING_STATUS, RING_ST_BUSY,
		    0, SPISYNC_STATUS_TIMEOUT_MS, "waiting for the event ring's "
		    "writes to finish");
	return rc;
}

static void
ring_forget(struct spisync *h)
{
	struct spisync_ring *r = &h->ring;

	free(r->pending);
	memset(r, 0, sizeof(*r));
}

/*
 * Give the memory back, unless the card may still write it: after a failed
 * quiesce the memory is left allocated (the backend frees it when closed)
 * rather than handed to someone else under a live DMA.
 */
static void
ring_release(struct spisync *h, bool quiet)
{
	struct spisync_ring *r = &h->ring;

	if (quiet && r->mem != NULL)
		h->b->ops->dma_free(h->b, r->mem, r->len);
	ring_forget(h);
}

static int
ring_start(struct spisync *h, unsigned size_log2, bool take_over)
{
	struct spisync_ring *r;
	bool programmed = false;
	uint32_t ctrl;
	int rc;

	if (h == NULL)
		return -EINVAL;
	r = &h->ring;
	if (r->on)
		return spisync_fail(h, -EBUSY, "event ring already started on "
		    "this handle");
	if (size_log2 < EVENT_RING_MIN_LOG2 ||
	    size_log2 > h->caps.ring_max_log2)
		return spisync_fail(h, -EINVAL, "event ring of 2^%u records: "
		    "the card takes 2^%u..2^%u", size_log2, EVENT_RING_MIN_LOG2,
		    (unsigned)h->caps.ring_max_log2);

	r->len = (size_t)EVENT_RING_REC_BYTES << size_log2;
	h->b->err[0] = '\0';
	rc = h->b->ops->dma_alloc(h->b, r->len, &r->mem, &r->bus);
	if (rc != 0) {
		ring_forget(h);
		return spisync_fail(h, rc, "%s", h->b->err[0] != '\0' ?
		    h->b->err : "event ring: DMA memory allocation failed");
	}

	/* under the lock: two processes starting at once must not both see
	 * the ring disabled and both take it */
	rc = spisync_lock(h);
	if (rc != 0) {
		ring_release(h, true);
		return rc;
	}
	rc = spisync_rd32(h, SPISYNC_REG_RING_CTRL, &ctrl);
	if (rc == 0 && (ctrl & 1u) != 0 && !take_over)
		rc = spisync_fail(h, -EBUSY, "%s: the event ring is enabled "
		    "already: another process owns it (spisyncd?)", h->device);
	if (rc != 0) {
		rc = spisync_unlock(h, rc);
		ring_release(h, true);
		return rc;
	}
	rc = ring_quiesce(h);
	if (rc == 0) {
		rc = event_ring_init(&r->ring, r->mem, size_log2);
		if (rc != 0)
			spisync_fail(h, rc, "%s: event ring memory from the "
			    "backend is not 64-byte aligned", h->device);
	}
	if (rc == 0) {
		programmed = true;
		rc = ring_program(h);
	}
	if (rc != 0) {
		/* once the card was given the memory, the enable may have
		 * reached it: take it back before the memory goes */
		const bool quiet = !programmed || ring_quiesce(h) == 0;

		rc = spisync_unlock(h, rc);
		ring_release(h, quiet);
		return rc;
	}
	r->on = true;
	return spisync_unlock(h, 0);
}

int
spisync_events_start(struct spisync *h, unsigned size_log2)
{
	return ring_start(h, size_log2, false);
}

int
spisync_events_takeover(struct spisync *h, unsigned size_log2)
{
	return ring_start(h, size_log2, true);
}

static int
write_cons(struct spisync *h)
{
	struct spisync_ring *r = &h->ring;
	int rc = spisync_wr32(h, SPISYNC_REG_RING_CONS,
	    event_ring_cons(&r->ring));

	if (rc == 0)
		event_ring_cons_written(&r->ring);
	return rc;
}

/* The phase record n of a ring carries: 1 on the first lap, then
 * alternating (2^32 is a whole number of laps, so n may wrap). */
static uint8_t
phase_of(uint32_t n, uint32_t size_log2)
{
	return ((n >> size_log2) & 1u) ? 0 : 1;
}

/*
 * The ring is stuck: a write error left a slot the consumer cannot step
 * over (or the card saw a bad RING_CONS). Disable it, wait for its writes,
 * and save every record the card did write after head (their phase says
 * which: a failed slot keeps the previous lap's), so nothing counted as
 * written is lost; the failed ones are counted lost by the card and
 * reported in its next EVENTS_LOST record. Then zero and enable a new ring
 * in the same memory.
 */
static int
ring_restart_locked(struct spisync *h)
{
	struct spisync_ring *r = &h->ring;
	const uint32_t size = 1u << r->ring.size_log2;
	uint8_t (*saved_recs)[SPISYNC_EVENT_BYTES] = NULL;
	uint32_t prod, issued;
	size_t keep, saved;
	int rc, prc;

	rc = ring_quiesce(h);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_PROD, &prod);
	if (rc != 0)
		return rc;
	issued = prod - r->ring.head;
	if (issued > size)
		issued = size;	/* the card never runs more than a ring ahead */
	/* records saved by an earlier restart and not handed out yet stay
	 * first (poll empties them before it pops, so normally there are
	 * none) */
	keep = r->pending_n - r->pending_pos;
	if (keep + issued > 0) {
		saved_recs = malloc((keep + issued) * sizeof(*saved_recs));
		if (saved_recs == NULL)
			rc = spisync_fail(h, -ENOMEM, "event ring restart: no "
			    "memory to save %zu records; they are lost",
			    keep + issued);
	}
	if (saved_recs != NULL && keep > 0)
		memcpy(saved_recs, r->pending[r->pending_pos],
		    keep * sizeof(*saved_recs));
	saved = keep;
	/* the card is idle: its writes are all visible after this fence */
	atomic_thread_fence(memory_order_acquire);
	for (uint32_t i = 0; saved_recs != NULL && i < issued; i++) {
		const uint32_t n = r->ring.head + i;
		const uint8_t *slot = r->ring.mem +
		    (size_t)(n & (size - 1u)) * EVENT_RING_REC_BYTES;
		const uint8_t phase = slot[SPISYNC_EVF_FLAGS_OFF] &
		    SPISYNC_EV_FLAG_PHASE;

		if (phase == phase_of(n, r->ring.size_log2))
			memcpy(saved_recs[saved++], slot, EVENT_RING_REC_BYTES);
	}
	free(r->pending);
	r->pending = saved_recs;
	r->pending_n = saved_recs != NULL ? saved : 0;
	r->pending_pos = 0;
	prc = event_ring_init(&r->ring, r->mem, r->ring.size_log2);
	if (prc != 0)
		return spisync_fail(h, prc, "event ring restart: the ring "
		    "memory is no longer usable");
	r->restarts++;
	prc = ring_program(h);
	return prc != 0 ? prc : rc;
}

/* Under the lock: while the ring is disabled for the restart, another
 * process's spisync_events_start must not take it. */
static int
ring_restart(struct spisync *h)
{
	int rc = spisync_lock(h);

	if (rc != 0)
		return rc;
	rc = ring_restart_locked(h);
	return spisync_unlock(h, rc);
}

/* Hand out saved records (ring_restart) into recs[got..max). */
static size_t
take_pending(struct spisync_ring *r, uint8_t (*recs)[SPISYNC_EVENT_BYTES],
    size_t max, size_t got)
{
	while (got < max && r->pending_pos < r->pending_n)
		memcpy(recs[got++], r->pending[r->pending_pos++],
		    SPISYNC_EVENT_BYTES);
	if (r->pending != NULL && r->pending_pos == r->pending_n) {
		free(r->pending);
		r->pending = NULL;
		r->pending_n = r->pending_pos = 0;
	}
	return got;
}

int
spisync_events_poll(struct spisync *h, uint8_t (*recs)[SPISYNC_EVENT_BYTES],
    size_t max, size_t *n)
{
	struct spisync_ring *r;
	size_t got = 0;
	bool empty = false;
	uint32_t status;
	int rc = 0;

	if (h == NULL)
		return -EINVAL;
	if (n == NULL || (recs == NULL && max != 0))
		return spisync_fail(h, -EINVAL, "events poll: no place for the "
		    "records");
	*n = 0;
	r = &h->ring;
	if (!r->on)
		return spisync_fail(h, -EINVAL, "events poll: the event ring "
		    "is not started on this handle (spisync_events_start)");

	got = take_pending(r, recs, max, 0);
	while (got < max) {
		if (!event_ring_pop(&r->ring, recs[got])) {
			empty = true;
			break;
		}
		got++;
		*n = got;
		if (event_ring_cons_due(&r->ring)) {
			rc = write_cons(h);
			if (rc != 0)
				return rc;
		}
	}
	*n = got;
	if (!empty)
		return 0;

	/* read empty: give the card all the space back, and look at the
	 * ring's status only now (a poll that finds records reads none) */
	if (r->ring.unreported != 0) {
		rc = write_cons(h);
		if (rc != 0)
			return rc;
	}
	rc = spisync_rd32(h, SPISYNC_REG_RING_STATUS, &status);
	if (rc != 0)
		return rc;
	if ((status & RING_ST_ENABLED) == 0)
		return spisync_fail(h, -EIO, "%s: the event ring is disabled "
		    "(RING_STATUS 0x%08x): another process wrote RING_CTRL, or "
		    "a restart failed; stop and start it again", h->device,
		    (unsigned)status);
	if ((status & (RING_ST_WRITE_ERR | RING_ST_BAD_CONS)) == 0)
		return 0;
	rc = ring_restart(h);
	got = take_pending(r, recs, max, got);
	*n = got;
	return rc;
}

int
spisync_events_stop(struct spisync *h)
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (!h->ring.on)
		return spisync_fail(h, -EINVAL, "events stop: the event ring is "
		    "not started on this handle");
	rc = ring_quiesce(h);
	ring_release(h, rc == 0);
	return rc;
}

void
spisync_events_close(struct spisync *h)
{
	if (h->ring.on)
		(void)spisync_events_stop(h);
}

/* ---- the history --------------------------------------------------------- */

/*
 * EVENT_HIST_SELECT and EVENT_HIST_DATA are one shared window: the lock
 * keeps another libspisync process from selecting between our select and
 * our reads. Records the card overwrote while we read (COUNT moved more
 * than the history's depth past them) are dropped.
 */
int
spisync_event_history(struct spisync *h, uint8_t (*recs)[SPISYNC_EVENT_BYTES],
    size_t max, size_t *n)
{
	const uint32_t depth = h != NULL ? h->caps.event_hist : 0;
	uint32_t count, count2, k, first, word;
	size_t drop = 0;
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (n == NULL || (recs == NULL && max != 0))
		return spisync_fail(h, -EINVAL, "event history: no place for "
		    "the records");
	*n = 0;
	rc = spisync_lock(h);
	if (rc != 0)
		return rc;
	rc = spisync_rd32(h, SPISYNC_REG_EVENT_HIST_COUNT, &count);
	k = count < depth ? count : depth;
	if (k > max)
		k = (uint32_t)max;	/* the newest max of them */
	first = count - k;
	for (uint32_t i = 0; rc == 0 && i < k; i++) {
		rc = spisync_wr32(h, SPISYNC_REG_EVENT_HIST_SELECT, first + i);
		for (uint32_t w = 0; rc == 0 &&
		    w < SPISYNC_REG_EVENT_HIST_DATA_COUNT; w++) {
			rc = spisync_rd32(h, SPISYNC_REG_EVENT_HIST_DATA(w),
			    &word);
			/* byte 0 in bits 7:0 */
			for (unsigned b = 0; rc == 0 && b < 4; b++)
				recs[i][4 * w + b] = (uint8_t)(word >> (8 * b));
		}
	}
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_EVENT_HIST_COUNT, &count2);
	rc = spisync_unlock(h, rc);
	if (rc != 0)
		return rc;
	/* record first + i was still in the history at our last select if
	 * count2 - (first + i) <= depth; they are oldest first */
	while (drop < k && count2 - (first + (uint32_t)drop) > depth)
		drop++;
	if (drop > 0)
		memmove(recs[0], recs[drop], (k - drop) * SPISYNC_EVENT_BYTES);
	*n = k - drop;
	return 0;
}

/* ---- records --------------------------------------------------------------- */

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

void
spisync_event_decode(const uint8_t rec[SPISYNC_EVENT_BYTES],
    struct spisync_event *out)
{
	const uint8_t flags = rec[SPISYNC_EVF_FLAGS_OFF];

	memset(out, 0, sizeof(*out));
	out->type = rec[SPISYNC_EVF_TYPE_OFF];
	out->phase = (flags & SPISYNC_EV_FLAG_PHASE) != 0;
	out->ipv6 = (flags & SPISYNC_EV_FLAG_IPV6) != 0;
	out->udp = (flags & SPISYNC_EV_FLAG_UDP) != 0;
	out->evicted = (flags & SPISYNC_EV_FLAG_EVICTED) != 0;
	out->port = (uint8_t)(flags >> SPISYNC_EV_FLAGS_PORT_SHIFT);
	out->frame_len = le16(rec + SPISYNC_EVF_FRAME_LEN_OFF);
	out->spi = le32(rec + SPISYNC_EVF_SPI_OFF);
	out->time_ns = le64(rec + SPISYNC_EVF_TIME_NS_OFF);
	memcpy(out->src, rec + SPISYNC_EVF_SRC_OFF, SPISYNC_EVF_SRC_BYTES);
	memcpy(out->dst, rec + SPISYNC_EVF_DST_OFF, SPISYNC_EVF_DST_BYTES);
	/* SEQ, or LOST_MISSES in an EVENTS_LOST record: the same bytes */
	out->seq = le32(rec + SPISYNC_EVF_SEQ_OFF);
	out->sport = le16(rec + SPISYNC_EVF_SPORT_OFF);
	out->dport = le16(rec + SPISYNC_EVF_DPORT_OFF);
	out->count = le32(rec + SPISYNC_EVF_COUNT_OFF);
	out->sa_index = le16(rec + SPISYNC_EVF_SA_INDEX_OFF);
	out->rx_seq = le16(rec + SPISYNC_EVF_RX_SEQ_OFF);
}

const char *
spisync_event_type_name(uint8_t type)
{
	if (type > SPISYNC_EV_TYPE_MAX || spisync_event_type_name_tab[type] == NULL)
		return "UNKNOWN";
	return spisync_event_type_name_tab[type];
}
