/*
 * spisyncd -- the card, through libspisync: open it and own its event ring,
 * take and decode the ring's records, turn card time into wall-clock time,
 * and install / delete the inbound SAs the IKE engine negotiates.
 */
#ifndef SPISYNCD_CARD_H
#define SPISYNCD_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spisync.h"

/* Records taken per spisync_events_poll() call */
#define CARD_POLL_MAX 256
/* Card time -> wall time offset measured again this often: a real card's
 * clock drifts against the host's (the simulator's follows wall time) */
#define CARD_TIME_REFRESH_MS 5000u

struct card;

struct card_stats {
	uint64_t polls, records, poll_errors;
	uint64_t sa_added, sa_deleted, sa_errors;
};

/* Open device and start its event ring of 2^ring_log2 records. 0, or a
 * negative errno with err saying why; -EBUSY: another process owns the
 * ring. */
int card_open(const char *device, unsigned ring_log2, struct card **out,
    char *err, size_t errlen);
/* Stop the ring (another owner may start it then) and close. */
void card_close(struct card *c);

/* Up to max (<= CARD_POLL_MAX) new records, decoded; *n how many. 0 or a
 * negative errno (card_error() says what). */
int card_poll(struct card *c, struct spisync_event *evs, size_t max,
    size_t *n);

/* Measure the card time -> CLOCK_REALTIME offset again if
 * CARD_TIME_REFRESH_MS have passed since the last time (now_ms monotonic).
 * 0 or a negative errno (the old offset stays). */
int card_time_refresh(struct card *c, uint64_t now_ms);
/* A record's TIME_NS as CLOCK_REALTIME ns. */
uint64_t card_wall_ns(const struct card *c, uint64_t card_ns);

int card_sa_add(struct card *c, const struct spisync_sa *sa,
    uint32_t *index);
int card_sa_del(struct card *c, uint32_t index);

const char *card_error(const struct card *c);
void card_stats(const struct card *c, struct card_stats *out);

/* The offset arithmetic alone (tests): wall = card + offset. */
uint64_t card_time_map(uint64_t card_ns, int64_t offset_ns);

/* The event ring was left enabled by a spisyncd that died and was taken
 * over (the records it had not read are lost; the counters have them). */
bool card_took_over(const struct card *c);

/* After a takeover: the records the card wrote into the dead daemon's ring
 * in the max_age_ns before it, from the card's event history (it keeps its
 * last records apart from the ring), oldest first. A stuck flow's first
 * record is among them: without it, the flow would only be seen stuck a
 * hold-off later. *n = 0 when there was no takeover. */
int card_takeover_history(struct card *c, uint64_t max_age_ns,
    struct spisync_event *evs, size_t max, size_t *n);

#endif
