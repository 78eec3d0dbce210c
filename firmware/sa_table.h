/* spisync firmware -- SA table placement (freestanding C11: no libc, no malloc).
 *
 * The card finds an SA by SPI through two tag tables of `buckets` buckets with
 * SPISYNC_TAG_WAYS slots each (hw/spec/spisync.toml, docs/register-map.md).
 * This module owns where things go: it picks a free SA index, writes the
 * entry through SA_STAGE/SA_WRITE, places the SPI's tag slot with cuckoo
 * moves (so the table fills before an insert fails), and zeroizes entries on
 * delete. Hardware is reached only through the HAL's 32-bit register writes.
 * The caller provides all storage.
 */
#ifndef SPISYNC_SA_TABLE_H
#define SPISYNC_SA_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "spisync_hw.h"

enum sa_table_err {
	SA_OK = 0,
	SA_ERR_FULL = -1,      /* no free index, or no tag placement found */
	SA_ERR_EXISTS = -2,    /* the SPI is already installed */
	SA_ERR_NOENT = -3,     /* no such SA */
	SA_ERR_INVAL = -4,     /* bad argument (SPI < 256, bad entry, sizes) */
};

struct sa_hal {
	void *ctx;
	void (*write32)(void *ctx, uint32_t offset, uint32_t value);
};

/* One tag slot as the hardware holds it (shadowed here). */
struct sa_tag_slot {
	uint32_t spi;
	uint16_t index;
	bool valid;
};

struct sa_table {
	struct sa_hal hal;
	uint32_t entries;           /* SA indices 0 .. entries-1 */
	uint32_t buckets;           /* per tag table, power of two */
	struct sa_tag_slot *slots;  /* 2 * buckets * SPISYNC_TAG_WAYS, [table][bucket][way] */
	uint32_t *spi_of;           /* entries: SPI installed at each index */
	uint8_t *gen_of;            /* entries: generation last written at each index */
	bool *used;                 /* entries: index in use */
	uint32_t count;             /* SAs installed */
};

/* The H3 hash of the hardware: bucket of `spi` in table 0 or 1. */
uint32_t sa_table_bucket(unsigned table, uint32_t spi, uint32_t buckets);

/* Clear the shadow and write every tag slot and SA entry of the card invalid. */
int sa_table_init(struct sa_table *t, const struct sa_hal *hal,
    uint32_t entries, uint32_t buckets, struct sa_tag_slot *slots,
    uint32_t *spi_of, uint8_t *gen_of, bool *used);

/* Install an entry (SPISYNC_SA_WORDS words, VALID set, SPI >= 256; GEN is
 * filled in here). On success *index is where it went. */
int sa_table_add(struct sa_table *t, const uint32_t entry[SPISYNC_SA_WORDS],
    uint32_t *index);

/* Make-before-break: install `entry` (same or different SPI) at a new index,
 * switch the tag to it in one register write when the SPI is the same, and
 * only then delete `old_index`. */
int sa_table_replace(struct sa_table *t, uint32_t old_index,
    const uint32_t entry[SPISYNC_SA_WORDS], uint32_t *new_index);

/* Remove the tag, then write the entry all-zero (the key is zeroized). */
int sa_table_del(struct sa_table *t, uint32_t index);

/* Index of an installed SPI, or SA_ERR_NOENT. */
int sa_table_find(const struct sa_table *t, uint32_t spi, uint32_t *index);

#endif
