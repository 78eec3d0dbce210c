/*
 * spisync firmware -- SA changes with the controller's own state kept in
 * step (fw_internal.h): argument checks, the table placement (sa_table.c,
 * which writes the card), what SA_GET reports (meta), and the lifetime
 * events each SA may still raise.
 *
 * Event accounting: events_reserved counts the lifetime events installed
 * SAs may still raise (one for a soft time lifetime not yet raised, one
 * for a hard time lifetime). An SA is installed only if
 *     queue_len + events_reserved + its own events <= queue_max,
 * and raising an event moves it from the reservation into the queue, so
 * the queue cannot overflow whatever FW_EVENT_STATUS does.
 */
#include <stddef.h>

#include "fw_internal.h"
#include "mbox.h"

/* word 0 fields (hw/gen/spisync_hw.h) */
#define W0_VALID (1u << SPISYNC_SA_VALID_LSB)
#define W0_FLAGS ((1u << SPISYNC_SA_IPV6_LSB) | (1u << SPISYNC_SA_KEY_256_LSB) | \
	(1u << SPISYNC_SA_ESN_LSB) | (1u << SPISYNC_SA_UDP_ENCAP_LSB))
#define W0_MODE (((1u << SPISYNC_SA_MODE_WIDTH) - 1u) << SPISYNC_SA_MODE_LSB)
#define W0_ICV (((1u << SPISYNC_SA_ICV_LEN_WIDTH) - 1u) << SPISYNC_SA_ICV_LEN_LSB)
#define W0_GEN (((1u << SPISYNC_SA_GEN_WIDTH) - 1u) << SPISYNC_SA_GEN_LSB)
/* the bits no field uses: must be zero */
#define W0_DEFINED (W0_VALID | W0_FLAGS | W0_MODE | W0_ICV | W0_GEN)

#define SPI_MIN 256u
#define MODE_MAX 2u

static int
map_err(int sa_err)
{
	switch (sa_err) {
	case SA_OK:
		return MBOX_OK;
	case SA_ERR_FULL:
		return MBOX_E_FULL;
	case SA_ERR_EXISTS:
		return MBOX_E_EXISTS;
	case SA_ERR_NOENT:
		return MBOX_E_NOENT;
	default:
		return MBOX_E_INVAL;
	}
}

/* What mbox.h asks of an SA entry (GEN is ignored: the controller picks
 * it); sa_table.c checks the same again before it writes anything. */
static bool
entry_ok(const uint32_t entry[SPISYNC_SA_WORDS])
{
	const uint32_t w0 = entry[SPISYNC_SA_VALID_WORD];
	const uint32_t icv = (w0 & W0_ICV) >> SPISYNC_SA_ICV_LEN_LSB;
	const uint32_t mode = (w0 & W0_MODE) >> SPISYNC_SA_MODE_LSB;

	if ((w0 & W0_VALID) == 0)
		return false;
	if ((w0 & ~W0_DEFINED) != 0)
		return false;
	if (entry[SPISYNC_SA_SPI_WORD] < SPI_MIN)
		return false;
	if (icv != 8 && icv != 12 && icv != 16)
		return false;
	return mode <= MODE_MAX;
}

static bool
lifetimes_ok(uint32_t soft_s, uint32_t hard_s)
{
	return soft_s == 0 || hard_s == 0 || soft_s < hard_s;
}

/* Events an SA with these lifetimes raises over its life. */
static uint32_t
events_of(uint32_t soft_s, uint32_t hard_s)
{
	return (soft_s != 0 ? 1u : 0u) + (hard_s != 0 ? 1u : 0u);
}

/* Events an installed SA may still raise. */
static uint32_t
events_left(const struct fw_sa_meta *m)
{
	const bool soft_left = m->soft_s != 0 &&
	    (m->flags & MBOX_SAF_SOFT_TIME_EXPIRED) == 0;

	return (soft_left ? 1u : 0u) + (m->hard_s != 0 ? 1u : 0u);
}

static bool
events_room(const struct fw *fw, uint32_t released, uint32_t needed)
{
	const uint32_t after = fw->queue_len + fw->events_reserved - released;

	return after <= fw->queue_max && needed <= fw->queue_max - after;
}

static void
event_push(struct fw *fw, uint32_t type, uint32_t index, uint32_t spi)
{
	uint32_t tail;

	/* the reservation makes this impossible; counted, never written
	 * over a queued event, if the invariant were ever broken */
	if (fw->queue_len >= fw->queue_max) {
		fw->events_lost++;
		return;
	}
	tail = fw->queue_head + fw->queue_len;
	if (tail >= FW_EVENT_QUEUE_MAX)
		tail -= FW_EVENT_QUEUE_MAX;
	fw->queue[tail].spi = spi;
	fw->queue[tail].value = type | index << 16;
	fw->queue_len++;
}

static void
meta_set(struct fw *fw, uint32_t index, const uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t gen, uint32_t soft_s, uint32_t hard_s)
{
	struct fw_sa_meta *m = &fw->meta[index];

	m->word0 = (entry[0] & ~W0_GEN) | gen << SPISYNC_SA_GEN_LSB;
	m->ports = entry[SPISYNC_SA_SPORT_WORD];
	for (uint32_t w = 0; w < 4; w++)
		m->dst[w] = entry[SPISYNC_SA_DST_WORD + w];
	for (uint32_t w = 0; w < 8; w++)
		m->limits[w] = entry[SPISYNC_SA_HARD_BYTES_WORD + w];
	m->soft_s = soft_s;
	m->hard_s = hard_s;
	m->added_ms = fw->now_ms;
	m->flags = 0;
}

static void
meta_clear(struct fw *fw, uint32_t index)
{
	struct fw_sa_meta *m = &fw->meta[index];

	m->word0 = 0;
	m->ports = 0;
	for (uint32_t w = 0; w < 4; w++)
		m->dst[w] = 0;
	for (uint32_t w = 0; w < 8; w++)
		m->limits[w] = 0;
	m->soft_s = 0;
	m->hard_s = 0;
	m->added_ms = 0;
	m->flags = 0;
}

bool
fw_sa_in_range(const struct fw *fw, uint32_t index)
{
	return index < fw->table.entries;
}

bool
fw_sa_used(const struct fw *fw, uint32_t index)
{
	return fw_sa_in_range(fw, index) && fw->used[index];
}

int
fw_sa_install(struct fw *fw, const uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t soft_s, uint32_t hard_s, uint32_t *index, uint32_t *gen)
{
	const uint32_t needed = events_of(soft_s, hard_s);
	uint32_t i;
	int rc;

	if (!entry_ok(entry) || !lifetimes_ok(soft_s, hard_s))
		return MBOX_E_INVAL;
	if (!events_room(fw, 0, needed))
		return MBOX_E_FULL;
	rc = sa_table_add(&fw->table, entry, &i);
	if (rc != SA_OK)
		return map_err(rc);
	meta_set(fw, i, entry, fw->gen_of[i], soft_s, hard_s);
	fw->events_reserved += needed;
	*index = i;
	*gen = fw->gen_of[i];
	return MBOX_OK;
}

int
fw_sa_replace(struct fw *fw, uint32_t old_index,
    const uint32_t entry[SPISYNC_SA_WORDS], uint32_t soft_s, uint32_t hard_s,
    uint32_t *index, uint32_t *gen)
{
	const uint32_t needed = events_of(soft_s, hard_s);
	uint32_t released, i;
	int rc;

	if (!fw_sa_in_range(fw, old_index))
		return MBOX_E_INVAL;
	if (!fw->used[old_index])
		return MBOX_E_NOENT;
	if (!entry_ok(entry) || !lifetimes_ok(soft_s, hard_s))
		return MBOX_E_INVAL;
	released = events_left(&fw->meta[old_index]);
	if (!events_room(fw, released, needed))
		return MBOX_E_FULL;
	/* the new entry is live before the old one is zeroized (sa_table.c) */
	rc = sa_table_replace(&fw->table, old_index, entry, &i);
	if (rc != SA_OK)
		return map_err(rc);
	fw->events_reserved -= released;
	meta_clear(fw, old_index);
	meta_set(fw, i, entry, fw->gen_of[i], soft_s, hard_s);
	fw->events_reserved += needed;
	*index = i;
	*gen = fw->gen_of[i];
	return MBOX_OK;
}

int
fw_sa_delete(struct fw *fw, uint32_t index)
{
	int rc;

	if (!fw_sa_in_range(fw, index))
		return MBOX_E_INVAL;
	if (!fw->used[index])
		return MBOX_E_NOENT;
	rc = sa_table_del(&fw->table, index);
	if (rc != SA_OK)
		return map_err(rc);
	fw->events_reserved -= events_left(&fw->meta[index]);
	meta_clear(fw, index);
	return MBOX_OK;
}

uint32_t
fw_sa_flush(struct fw *fw)
{
	uint32_t deleted = 0;

	for (uint32_t i = 0; i < fw->table.entries; i++) {
		if (fw->used[i] && fw_sa_delete(fw, i) == MBOX_OK)
			deleted++;
	}
	return deleted;
}

void
fw_sa_expire_soft(struct fw *fw, uint32_t index)
{
	struct fw_sa_meta *m = &fw->meta[index];

	m->flags |= MBOX_SAF_SOFT_TIME_EXPIRED;
	fw->events_reserved--;
	event_push(fw, SPISYNC_EV_SA_SOFT_EXPIRY, index, fw->spi_of[index]);
}

void
fw_sa_expire_hard(struct fw *fw, uint32_t index)
{
	const uint32_t spi = fw->spi_of[index];
	const bool soft_left = fw->meta[index].soft_s != 0 &&
	    (fw->meta[index].flags & MBOX_SAF_SOFT_TIME_EXPIRED) == 0;

	if (fw_sa_delete(fw, index) != MBOX_OK)
		return;
	/* fw_sa_delete released this SA's reservation: the events move
	 * from it into the queue */
	if (soft_left)
		event_push(fw, SPISYNC_EV_SA_SOFT_EXPIRY, index, spi);
	event_push(fw, SPISYNC_EV_SA_HARD_EXPIRY, index, spi);
}
