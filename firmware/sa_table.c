/*
 * spisync firmware -- SA table placement (see sa_table.h).
 *
 * Freestanding C11: no libc, no division or multiplication by variables (a
 * soft-core may have neither), hardware only through hal.write32.
 *
 * Write order is what keeps traffic safe while the table changes
 * (hw/rtl/sa_lookup.v reads a tag, then the entry it names):
 *   install  entry first, then the tag: a tag never points at a stale entry;
 *   cuckoo   each move writes the SPI's new slot before its old slot is
 *            overwritten, so a moving SPI is briefly in two slots (same
 *            index), never in none;
 *   delete   tag first, then the entry is zeroed (its key with it);
 *   replace  the new entry at a free index, then the SPI's one tag slot is
 *            switched to it in a single TAG_WRITE, then the old entry is
 *            zeroed.
 * The SA_STAGE registers are readable, so after an entry is written they
 * are written back to zero: no key stays in a register.
 *
 * The cuckoo search is a breadth-first search over the shadow before any
 * register is written: an insert that cannot be placed writes nothing.
 * Its queue is static (the firmware is single-threaded; calls must not
 * run concurrently).
 */
#include <stddef.h>

#include "sa_table.h"

enum {
	SA_TABLE_MAX_ENTRIES = 65536,
	SA_TABLE_MAX_BUCKETS = 65536,
	SA_TABLE_SPI_MIN = 256,
	/* slots the cuckoo search may examine per insert */
	SA_TABLE_SEARCH_NODES = 500,
};

#define SA_GEN_MASK (((1u << SPISYNC_SA_GEN_WIDTH) - 1u) << SPISYNC_SA_GEN_LSB)
#define SA_ICV_MASK (((1u << SPISYNC_SA_ICV_LEN_WIDTH) - 1u) << SPISYNC_SA_ICV_LEN_LSB)
#define SA_MODE_MASK (((1u << SPISYNC_SA_MODE_WIDTH) - 1u) << SPISYNC_SA_MODE_LSB)
#define SA_VALID_BIT (1u << SPISYNC_SA_VALID_LSB)

/* One slot of the cuckoo search: where it is and which node led to it. */
struct search_node {
	uint32_t bucket;
	uint8_t table;
	uint8_t way;
	int16_t parent;      /* -1: one of the new SPI's own slots */
};

static struct search_node search_queue[SA_TABLE_SEARCH_NODES];

/* Where a planned insert goes: a free slot, reached through a chain of
 * moves ending at search_queue[last] (last == -1: the free slot is one of
 * the new SPI's own). */
struct placement {
	uint32_t free_bucket;
	unsigned free_table;
	unsigned free_way;
	int last;
};

uint32_t
sa_table_bucket(unsigned table, uint32_t spi, uint32_t buckets)
{
	const uint16_t *rows = table == 0 ? spisync_tag_hash0 : spisync_tag_hash1;
	uint32_t hash = 0;

	for (unsigned bit = 0; bit < 32; bit++) {
		if ((spi >> bit) & 1u)
			hash ^= rows[bit];
	}
	return hash & (buckets - 1u);
}

static void
reg_write(const struct sa_table *t, uint32_t offset, uint32_t value)
{
	t->hal.write32(t->hal.ctx, offset, value);
}

static struct sa_tag_slot *
slot_at(const struct sa_table *t, unsigned table, uint32_t bucket, unsigned way)
{
	const uint32_t table_base = table == 0 ? 0 : t->buckets;

	return &t->slots[(table_base + bucket) * SPISYNC_TAG_WAYS + way];
}

/* Write one tag slot (three registers; TAG_WRITE commits it in one clock)
 * and its shadow. */
static void
tag_write(struct sa_table *t, unsigned table, uint32_t bucket, unsigned way,
    const struct sa_tag_slot *slot)
{
	uint32_t index_reg = slot->index;

	if (slot->valid)
		index_reg |= SPISYNC_TAG_INDEX_VALID;
	reg_write(t, SPISYNC_REG_TAG_SPI, slot->spi);
	reg_write(t, SPISYNC_REG_TAG_INDEX, index_reg);
	reg_write(t, SPISYNC_REG_TAG_WRITE,
	    ((uint32_t)table << 31) | ((uint32_t)way << 16) | bucket);
	*slot_at(t, table, bucket, way) = *slot;
}

static void
tag_clear(struct sa_table *t, unsigned table, uint32_t bucket, unsigned way)
{
	const struct sa_tag_slot empty = { 0, 0, false };

	tag_write(t, table, bucket, way, &empty);
}

static void
stage_zero(const struct sa_table *t)
{
	for (uint32_t w = 0; w < SPISYNC_SA_WORDS; w++)
		reg_write(t, SPISYNC_REG_SA_STAGE(w), 0);
}

/* Stage the entry with its GEN field replaced and commit it to index. */
static void
entry_write(const struct sa_table *t, uint32_t index,
    const uint32_t entry[SPISYNC_SA_WORDS], uint8_t gen)
{
	for (uint32_t w = 0; w < SPISYNC_SA_WORDS; w++) {
		uint32_t value = entry[w];

		if (w == SPISYNC_SA_GEN_WORD) {
			value &= ~SA_GEN_MASK;
			value |= (uint32_t)gen << SPISYNC_SA_GEN_LSB;
		}
		reg_write(t, SPISYNC_REG_SA_STAGE(w), value);
	}
	reg_write(t, SPISYNC_REG_SA_WRITE, index);
}

static void
entry_zero(const struct sa_table *t, uint32_t index)
{
	stage_zero(t);
	reg_write(t, SPISYNC_REG_SA_WRITE, index);
}

/* The generation after gen: 1..255, cycling; never 0 (an unused index). */
static uint8_t
next_gen(uint8_t gen)
{
	return gen >= 255 ? 1 : (uint8_t)(gen + 1);
}

static bool
entry_ok(const uint32_t entry[SPISYNC_SA_WORDS])
{
	const uint32_t w0 = entry[SPISYNC_SA_VALID_WORD];
	const uint32_t icv = (w0 & SA_ICV_MASK) >> SPISYNC_SA_ICV_LEN_LSB;
	const uint32_t mode = (w0 & SA_MODE_MASK) >> SPISYNC_SA_MODE_LSB;

	if ((w0 & SA_VALID_BIT) == 0)
		return false;
	if (entry[SPISYNC_SA_SPI_WORD] < SA_TABLE_SPI_MIN)
		return false;
	if (icv != 8 && icv != 12 && icv != 16)
		return false;
	return mode <= 2;
}

/* The first valid slot holding spi, in the hardware's order (table 0
 * before 1, lower way first). */
static bool
slot_find(const struct sa_table *t, uint32_t spi, unsigned *table,
    uint32_t *bucket, unsigned *way)
{
	for (unsigned tb = 0; tb < 2; tb++) {
		const uint32_t b = sa_table_bucket(tb, spi, t->buckets);

		for (unsigned w = 0; w < SPISYNC_TAG_WAYS; w++) {
			const struct sa_tag_slot *s = slot_at(t, tb, b, w);

			if (s->valid && s->spi == spi) {
				*table = tb;
				*bucket = b;
				*way = w;
				return true;
			}
		}
	}
	return false;
}

static bool
free_index(const struct sa_table *t, uint32_t *index)
{
	for (uint32_t i = 0; i < t->entries; i++) {
		if (!t->used[i]) {
			*index = i;
			return true;
		}
	}
	return false;
}

static bool
search_seen(int nodes, unsigned table, uint32_t bucket, unsigned way)
{
	for (int n = 0; n < nodes; n++) {
		const struct search_node *q = &search_queue[n];

		if (q->table == table && q->bucket == bucket && q->way == way)
			return true;
	}
	return false;
}

/* A free slot among the SPI's own, in the hardware's order. */
static bool
place_direct(const struct sa_table *t, uint32_t spi, struct placement *p)
{
	for (unsigned tb = 0; tb < 2; tb++) {
		const uint32_t b = sa_table_bucket(tb, spi, t->buckets);

		for (unsigned w = 0; w < SPISYNC_TAG_WAYS; w++) {
			if (!slot_at(t, tb, b, w)->valid) {
				p->free_table = tb;
				p->free_bucket = b;
				p->free_way = w;
				p->last = -1;
				return true;
			}
		}
	}
	return false;
}

/*
 * Breadth-first search for the shortest chain of moves that frees one of
 * the SPI's slots: each node is an occupied slot whose SPI could move to
 * its bucket in the other table. Shadow only; nothing is written.
 */
static bool
place_cuckoo(const struct sa_table *t, uint32_t spi, struct placement *p)
{
	int nodes = 0;

	for (unsigned tb = 0; tb < 2; tb++) {
		const uint32_t b = sa_table_bucket(tb, spi, t->buckets);

		for (unsigned w = 0; w < SPISYNC_TAG_WAYS; w++) {
			search_queue[nodes].table = (uint8_t)tb;
			search_queue[nodes].bucket = b;
			search_queue[nodes].way = (uint8_t)w;
			search_queue[nodes].parent = -1;
			nodes++;
		}
	}
	for (int head = 0; head < nodes; head++) {
		const struct search_node *n = &search_queue[head];
		const struct sa_tag_slot *s = slot_at(t, n->table, n->bucket, n->way);
		const unsigned alt = n->table == 0 ? 1u : 0u;
		const uint32_t alt_bucket = sa_table_bucket(alt, s->spi, t->buckets);

		for (unsigned w = 0; w < SPISYNC_TAG_WAYS; w++) {
			if (!slot_at(t, alt, alt_bucket, w)->valid) {
				p->free_table = alt;
				p->free_bucket = alt_bucket;
				p->free_way = w;
				p->last = head;
				return true;
			}
		}
		for (unsigned w = 0; w < SPISYNC_TAG_WAYS; w++) {
			if (nodes == SA_TABLE_SEARCH_NODES)
				break;
			if (search_seen(nodes, alt, alt_bucket, w))
				continue;
			search_queue[nodes].table = (uint8_t)alt;
			search_queue[nodes].bucket = alt_bucket;
			search_queue[nodes].way = (uint8_t)w;
			search_queue[nodes].parent = (int16_t)head;
			nodes++;
		}
	}
	return false;
}

/*
 * Carry out a placement: walk the chain from the free end back to the
 * SPI's own slot; each step copies a slot's SPI into the slot freed for it
 * (its new home first), which then frees its old slot for the next step.
 */
static void
place_apply(struct sa_table *t, const struct placement *p,
    const struct sa_tag_slot *new_slot)
{
	unsigned to_table = p->free_table;
	uint32_t to_bucket = p->free_bucket;
	unsigned to_way = p->free_way;

	for (int n = p->last; n >= 0; n = search_queue[n].parent) {
		const struct search_node *from = &search_queue[n];
		const struct sa_tag_slot moving =
		    *slot_at(t, from->table, from->bucket, from->way);

		tag_write(t, to_table, to_bucket, to_way, &moving);
		to_table = from->table;
		to_bucket = from->bucket;
		to_way = from->way;
	}
	tag_write(t, to_table, to_bucket, to_way, new_slot);
}

/*
 * Entry at the lowest free index, then its tag (placed, with moves if
 * needed). Leaves the entry in SA_STAGE: the caller clears it.
 */
static int
install(struct sa_table *t, const uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t *index)
{
	const uint32_t spi = entry[SPISYNC_SA_SPI_WORD];
	struct placement p;
	struct sa_tag_slot slot;
	unsigned tb, w;
	uint32_t b, i;

	if (!entry_ok(entry))
		return SA_ERR_INVAL;
	if (slot_find(t, spi, &tb, &b, &w))
		return SA_ERR_EXISTS;
	if (!free_index(t, &i))
		return SA_ERR_FULL;
	if (!place_direct(t, spi, &p) && !place_cuckoo(t, spi, &p))
		return SA_ERR_FULL;

	t->gen_of[i] = next_gen(t->gen_of[i]);
	entry_write(t, i, entry, t->gen_of[i]);
	t->used[i] = true;
	t->spi_of[i] = spi;
	t->count++;

	slot.spi = spi;
	slot.index = (uint16_t)i;
	slot.valid = true;
	place_apply(t, &p, &slot);
	*index = i;
	return SA_OK;
}

/* Zero the entry and forget the index (its tag is already gone). */
static void
release(struct sa_table *t, uint32_t index)
{
	entry_zero(t, index);
	t->used[index] = false;
	t->spi_of[index] = 0;
	t->count--;
}

static bool
table_ok(const struct sa_table *t)
{
	return t != NULL && t->hal.write32 != NULL && t->slots != NULL &&
	    t->spi_of != NULL && t->gen_of != NULL && t->used != NULL;
}

int
sa_table_init(struct sa_table *t, const struct sa_hal *hal, uint32_t entries,
    uint32_t buckets, struct sa_tag_slot *slots, uint32_t *spi_of,
    uint8_t *gen_of, bool *used)
{
	if (t == NULL || hal == NULL || hal->write32 == NULL || slots == NULL ||
	    spi_of == NULL || gen_of == NULL || used == NULL)
		return SA_ERR_INVAL;
	if (entries == 0 || entries > SA_TABLE_MAX_ENTRIES)
		return SA_ERR_INVAL;
	if (buckets < 2 || buckets > SA_TABLE_MAX_BUCKETS ||
	    (buckets & (buckets - 1u)) != 0)
		return SA_ERR_INVAL;

	t->hal = *hal;
	t->entries = entries;
	t->buckets = buckets;
	t->slots = slots;
	t->spi_of = spi_of;
	t->gen_of = gen_of;
	t->used = used;
	t->count = 0;

	/* the staging registers keep their value: stage once, commit often */
	reg_write(t, SPISYNC_REG_TAG_SPI, 0);
	reg_write(t, SPISYNC_REG_TAG_INDEX, 0);
	for (unsigned tb = 0; tb < 2; tb++) {
		for (uint32_t b = 0; b < buckets; b++) {
			for (unsigned w = 0; w < SPISYNC_TAG_WAYS; w++) {
				struct sa_tag_slot *s = slot_at(t, tb, b, w);

				s->spi = 0;
				s->index = 0;
				s->valid = false;
				reg_write(t, SPISYNC_REG_TAG_WRITE,
				    ((uint32_t)tb << 31) | ((uint32_t)w << 16) | b);
			}
		}
	}
	stage_zero(t);
	for (uint32_t i = 0; i < entries; i++) {
		used[i] = false;
		spi_of[i] = 0;
		gen_of[i] = 0;
		reg_write(t, SPISYNC_REG_SA_WRITE, i);
	}
	return SA_OK;
}

int
sa_table_add(struct sa_table *t, const uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t *index)
{
	int rc;

	if (!table_ok(t) || entry == NULL || index == NULL)
		return SA_ERR_INVAL;
	rc = install(t, entry, index);
	if (rc == SA_OK)
		stage_zero(t);
	return rc;
}

int
sa_table_replace(struct sa_table *t, uint32_t old_index,
    const uint32_t entry[SPISYNC_SA_WORDS], uint32_t *new_index)
{
	unsigned tb, w;
	uint32_t b, i;
	struct sa_tag_slot *s;
	int rc;

	if (!table_ok(t) || entry == NULL || new_index == NULL)
		return SA_ERR_INVAL;
	if (old_index >= t->entries || !t->used[old_index])
		return SA_ERR_NOENT;
	if (!entry_ok(entry))
		return SA_ERR_INVAL;

	if (entry[SPISYNC_SA_SPI_WORD] != t->spi_of[old_index]) {
		/* a different SPI: a plain install, then the old one goes */
		rc = install(t, entry, &i);
		if (rc != SA_OK)
			return rc;
		rc = sa_table_del(t, old_index);
		if (rc != SA_OK)
			return rc;
		*new_index = i;
		return SA_OK;
	}

	if (!slot_find(t, t->spi_of[old_index], &tb, &b, &w))
		return SA_ERR_NOENT;
	if (!free_index(t, &i))
		return SA_ERR_FULL;
	t->gen_of[i] = next_gen(t->gen_of[i]);
	entry_write(t, i, entry, t->gen_of[i]);
	t->used[i] = true;
	t->spi_of[i] = entry[SPISYNC_SA_SPI_WORD];
	t->count++;

	s = slot_at(t, tb, b, w);
	{
		const struct sa_tag_slot switched = { s->spi, (uint16_t)i, true };

		tag_write(t, tb, b, w, &switched);
	}
	release(t, old_index);
	*new_index = i;
	return SA_OK;
}

int
sa_table_del(struct sa_table *t, uint32_t index)
{
	unsigned tb, w;
	uint32_t b;

	if (!table_ok(t))
		return SA_ERR_INVAL;
	if (index >= t->entries || !t->used[index])
		return SA_ERR_NOENT;
	/* every slot naming this index (two only in the middle of a move,
	 * which never spans calls) */
	while (slot_find(t, t->spi_of[index], &tb, &b, &w) &&
	    slot_at(t, tb, b, w)->index == index)
		tag_clear(t, tb, b, w);
	release(t, index);
	return SA_OK;
}

int
sa_table_find(const struct sa_table *t, uint32_t spi, uint32_t *index)
{
	unsigned tb, w;
	uint32_t b;

	if (!table_ok(t) || index == NULL)
		return SA_ERR_INVAL;
	if (!slot_find(t, spi, &tb, &b, &w))
		return SA_ERR_NOENT;
	*index = slot_at(t, tb, b, w)->index;
	return SA_OK;
}
