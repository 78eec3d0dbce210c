/*
 * spisync -- what a host does with the card, over the simulated card's
 * AXI4-Lite port (card_sim.h): identify it, install and remove SAs (through
 * the firmware's placement, firmware/sa_table.h), read the reason counters
 * and the per-SA statistics.
 */
#ifndef SPISYNC_CARD_CTL_H
#define SPISYNC_CARD_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "card_sim.h"
#include "model_sa.h"
#include "sa_table.h"
#include "spisync_hw.h"

/* Errors besides those of enum sa_table_err (SA_OK and SA_ERR_*). */
enum card_ctl_err {
	CARD_CTL_ERR_TIMEOUT = -16,	/* SA_STATS_STATUS never came up */
};

/* SA_STATS_STATUS reads before card_ctl_sa_stats gives up; each read runs
 * the clock for a whole AXI4-Lite transaction. */
enum { CARD_CTL_STATS_TRIES = 1000 };

struct card_ctl;

/*
 * Check the card's ID, VERSION and capability registers against
 * spisync_hw.h, wait (bounded) for STATUS ready, size the SA table shadow
 * from CAP_SA_ENTRIES and CAP_TAG_BUCKETS, and write every tag slot and SA
 * entry invalid (sa_table_init). 0 and *out on success; -1 with a message in err
 * otherwise. The card_sim stays the caller's.
 */
int card_ctl_open(struct card_sim *sim, struct card_ctl **out, char *err,
    size_t errlen);
void card_ctl_close(struct card_ctl *ctl);

uint32_t card_ctl_sa_capacity(const struct card_ctl *ctl);

/* Encode and install an SA; *index is where it went. SA_OK or SA_ERR_*. */
int card_ctl_sa_add(struct card_ctl *ctl, const struct model_sa *sa,
    uint32_t *index);
/* Make-before-break (sa_table_replace): the new SA is live at a new index
 * before the old index is zeroized; same or different SPI. */
int card_ctl_sa_replace(struct card_ctl *ctl, uint32_t old_index,
    const struct model_sa *sa, uint32_t *new_index);
/* Remove an SA (its entry is written all-zero). SA_OK or SA_ERR_*. */
int card_ctl_sa_del(struct card_ctl *ctl, uint32_t index);

/* One consistent snapshot of every reason counter (COUNTER_SNAPSHOT). */
void card_ctl_counters(struct card_ctl *ctl,
    uint64_t out[SPISYNC_NUM_REASONS]);

/* The per-SA counters of one index. SA_OK, SA_ERR_INVAL (index out of
 * range) or CARD_CTL_ERR_TIMEOUT. */
int card_ctl_sa_stats(struct card_ctl *ctl, uint32_t index,
    uint64_t *packets, uint64_t *bytes, uint64_t *auth_fail,
    uint64_t *replay);

/* A 64-bit register pair (LO offset; the LO read latches HI). */
uint64_t card_ctl_read64(struct card_ctl *ctl, uint32_t lo_offset);
/* Event records the card could not write to the ring (EVENTS_LOST). */
uint64_t card_ctl_events_lost(struct card_ctl *ctl);
/* The flow filter's hold-off and the token bucket (0, 0: every miss
 * reported, no rate limit: what the frame-by-frame scoreboards use). */
void card_ctl_event_filter(struct card_ctl *ctl, uint64_t holdoff_ns,
    uint32_t token_ns, uint32_t token_burst);

/* A short text for an SA_ERR_* or CARD_CTL_ERR_* code. */
const char *card_ctl_strerror(int err);

#endif
