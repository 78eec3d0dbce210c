/*
 * spisync -- host control of the simulated card (card_ctl.h).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "card_ctl.h"
#include "sa_entry.h"

/* SA indices are 16 bits in the tag slots and tuser, and 0xFFFF means none. */
#define MAX_SA_ENTRIES 0xFFFFu
/* TAG_WRITE carries the bucket in 16 bits. */
#define MAX_TAG_BUCKETS 0x10000u
/* After reset the card clears its per-SA state, one index per clock or so;
 * STATUS is polled this many times, this many clocks apart. */
#define READY_TRIES 4096u
#define READY_POLL_CLOCKS 64u

struct card_ctl {
	struct card_sim *sim;
	struct sa_table table;
	struct sa_tag_slot *slots;
	uint32_t *spi_of;
	uint8_t *gen_of;
	bool *used;
};

static void
hal_write32(void *ctx, uint32_t offset, uint32_t value)
{
	card_sim_mmio_write(ctx, offset, value);
}

static uint64_t
read64(struct card_sim *sim, uint32_t lo_offset)
{
	const uint64_t lo = card_sim_mmio_read(sim, lo_offset);
	const uint64_t hi = card_sim_mmio_read(sim, lo_offset + 4);

	return lo | hi << 32;
}

static void
set_err(char *err, size_t errlen, const char *reg, uint32_t got,
    uint32_t want)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "card: %s reads 0x%08x, expected 0x%08x",
		    reg, (unsigned)got, (unsigned)want);
}

static bool
is_power_of_two(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Identification and capabilities; 0 if this code can drive the card. */
static int
check_card(struct card_sim *sim, uint32_t *entries, uint32_t *buckets,
    char *err, size_t errlen)
{
	const uint32_t id = card_sim_mmio_read(sim, SPISYNC_REG_ID);
	const uint32_t version = card_sim_mmio_read(sim, SPISYNC_REG_VERSION);
	const uint32_t width = card_sim_mmio_read(sim,
	    SPISYNC_REG_CAP_DATA_WIDTH);
	const uint32_t reasons = card_sim_mmio_read(sim,
	    SPISYNC_REG_CAP_REASONS);

	*entries = card_sim_mmio_read(sim, SPISYNC_REG_CAP_SA_ENTRIES);
	*buckets = card_sim_mmio_read(sim, SPISYNC_REG_CAP_TAG_BUCKETS);
	if (id != SPISYNC_MAGIC) {
		set_err(err, errlen, "ID (not a spisync card)", id,
		    SPISYNC_MAGIC);
		return -1;
	}
	if (version != SPISYNC_VERSION) {
		set_err(err, errlen, "VERSION (register map of another "
		    "version)", version, SPISYNC_VERSION);
		return -1;
	}
	if (width != card_sim_data_width(sim)) {
		set_err(err, errlen, "CAP_DATA_WIDTH (not the width of the "
		    "model)", width, card_sim_data_width(sim));
		return -1;
	}
	if (reasons != SPISYNC_NUM_REASONS) {
		set_err(err, errlen, "CAP_REASONS", reasons,
		    SPISYNC_NUM_REASONS);
		return -1;
	}
	if (*entries == 0 || *entries > MAX_SA_ENTRIES) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "card: CAP_SA_ENTRIES reads %u, "
			    "expected 1..%u", (unsigned)*entries,
			    MAX_SA_ENTRIES);
		return -1;
	}
	if (!is_power_of_two(*buckets) || *buckets > MAX_TAG_BUCKETS) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "card: CAP_TAG_BUCKETS reads %u, "
			    "expected a power of two up to %u",
			    (unsigned)*buckets, MAX_TAG_BUCKETS);
		return -1;
	}
	return 0;
}

/* STATUS bit 0: the card may take SAs only once its per-SA state is clear. */
static int
wait_ready(struct card_sim *sim, char *err, size_t errlen)
{
	for (unsigned i = 0; i < READY_TRIES; i++) {
		if (card_sim_mmio_read(sim, SPISYNC_REG_STATUS) & 1u)
			return 0;
		card_sim_step(sim, READY_POLL_CLOCKS);
	}
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "card: STATUS did not report ready "
		    "within %u clocks of polling", READY_TRIES *
		    READY_POLL_CLOCKS);
	return -1;
}

int
card_ctl_open(struct card_sim *sim, struct card_ctl **out, char *err,
    size_t errlen)
{
	const struct sa_hal hal = { .ctx = sim, .write32 = hal_write32 };
	struct card_ctl *ctl;
	uint32_t entries;
	uint32_t buckets;
	int rc;

	*out = NULL;
	if (check_card(sim, &entries, &buckets, err, errlen) != 0 ||
	    wait_ready(sim, err, errlen) != 0)
		return -1;
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		goto nomem;
	ctl->sim = sim;
	ctl->slots = calloc(2u * buckets * SPISYNC_TAG_WAYS,
	    sizeof(*ctl->slots));
	ctl->spi_of = calloc(entries, sizeof(*ctl->spi_of));
	ctl->gen_of = calloc(entries, sizeof(*ctl->gen_of));
	ctl->used = calloc(entries, sizeof(*ctl->used));
	if (ctl->slots == NULL || ctl->spi_of == NULL || ctl->gen_of == NULL ||
	    ctl->used == NULL)
		goto nomem;
	rc = sa_table_init(&ctl->table, &hal, entries, buckets, ctl->slots,
	    ctl->spi_of, ctl->gen_of, ctl->used);
	if (rc != SA_OK) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "card: SA table setup (%u entries, "
			    "%u buckets): %s", (unsigned)entries,
			    (unsigned)buckets, card_ctl_strerror(rc));
		card_ctl_close(ctl);
		return -1;
	}
	*out = ctl;
	return 0;

nomem:
	card_ctl_close(ctl);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "card: out of memory for the SA table "
		    "shadow (%u entries, %u buckets)", (unsigned)entries,
		    (unsigned)buckets);
	return -1;
}

void
card_ctl_close(struct card_ctl *ctl)
{
	if (ctl == NULL)
		return;
	free(ctl->slots);
	free(ctl->spi_of);
	free(ctl->gen_of);
	free(ctl->used);
	free(ctl);
}

uint32_t
card_ctl_sa_capacity(const struct card_ctl *ctl)
{
	return ctl->table.entries;
}

int
card_ctl_sa_add(struct card_ctl *ctl, const struct model_sa *sa,
    uint32_t *index)
{
	uint32_t words[SPISYNC_SA_WORDS];
	int rc;

	sa_entry_encode(sa, words);
	rc = sa_table_add(&ctl->table, words, index);
	OPENSSL_cleanse(words, sizeof(words));
	return rc;
}

int
card_ctl_sa_replace(struct card_ctl *ctl, uint32_t old_index,
    const struct model_sa *sa, uint32_t *new_index)
{
	uint32_t words[SPISYNC_SA_WORDS];
	int rc;

	sa_entry_encode(sa, words);
	rc = sa_table_replace(&ctl->table, old_index, words, new_index);
	OPENSSL_cleanse(words, sizeof(words));
	return rc;
}

int
card_ctl_sa_del(struct card_ctl *ctl, uint32_t index)
{
	return sa_table_del(&ctl->table, index);
}

void
card_ctl_counters(struct card_ctl *ctl, uint64_t out[SPISYNC_NUM_REASONS])
{
	card_sim_mmio_write(ctl->sim, SPISYNC_REG_COUNTER_SNAPSHOT, 1);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		out[i] = read64(ctl->sim, SPISYNC_REG_COUNTERS(i));
}

int
card_ctl_sa_stats(struct card_ctl *ctl, uint32_t index, uint64_t *packets,
    uint64_t *bytes, uint64_t *auth_fail, uint64_t *replay)
{
	unsigned tries;

	if (index >= ctl->table.entries)
		return SA_ERR_INVAL;
	card_sim_mmio_write(ctl->sim, SPISYNC_REG_SA_STATS_SELECT, index);
	for (tries = 0; tries < CARD_CTL_STATS_TRIES; tries++)
		if (card_sim_mmio_read(ctl->sim,
		    SPISYNC_REG_SA_STATS_STATUS) & 1u)
			break;
	if (tries == CARD_CTL_STATS_TRIES)
		return CARD_CTL_ERR_TIMEOUT;
	*packets = read64(ctl->sim, SPISYNC_REG_SA_STATS_PACKETS_LO);
	*bytes = read64(ctl->sim, SPISYNC_REG_SA_STATS_BYTES_LO);
	*auth_fail = read64(ctl->sim, SPISYNC_REG_SA_STATS_AUTH_FAIL_LO);
	*replay = read64(ctl->sim, SPISYNC_REG_SA_STATS_REPLAY_LO);
	return SA_OK;
}

uint64_t
card_ctl_read64(struct card_ctl *ctl, uint32_t lo_offset)
{
	/* reading LO latches HI */
	return read64(ctl->sim, lo_offset);
}

uint64_t
card_ctl_events_lost(struct card_ctl *ctl)
{
	return read64(ctl->sim, SPISYNC_REG_EVENTS_LOST_LO);
}

void
card_ctl_event_filter(struct card_ctl *ctl, uint64_t holdoff_ns,
    uint32_t token_ns, uint32_t token_burst)
{
	card_sim_mmio_write(ctl->sim, SPISYNC_REG_EVENT_HOLDOFF_NS_LO, (uint32_t)holdoff_ns);
	card_sim_mmio_write(ctl->sim, SPISYNC_REG_EVENT_HOLDOFF_NS_HI, (uint32_t)(holdoff_ns >> 32));
	card_sim_mmio_write(ctl->sim, SPISYNC_REG_EVENT_TOKEN_NS, token_ns);
	card_sim_mmio_write(ctl->sim, SPISYNC_REG_EVENT_TOKEN_BURST, token_burst);
}

const char *
card_ctl_strerror(int err)
{
	switch (err) {
	case SA_OK:
		return "ok";
	case SA_ERR_FULL:
		return "SA table full (no free index or no tag placement)";
	case SA_ERR_EXISTS:
		return "SPI already installed";
	case SA_ERR_NOENT:
		return "no such SA";
	case SA_ERR_INVAL:
		return "invalid argument";
	case CARD_CTL_ERR_TIMEOUT:
		return "SA_STATS_STATUS did not report completion";
	default:
		return "unknown error";
	}
}
