/*
 * spisyncctl -- reading what the show commands print from the card, through
 * libspisync only (no daemon). Each returns 0, or a negative errno value
 * with a sentence in err (the driver's last error when it failed).
 */
#ifndef SPISYNCCTL_GATHER_H
#define SPISYNCCTL_GATHER_H

#include <stddef.h>

#include "ctl.h"

/* msg without the "DEVICE: " it may begin with (libspisync names the
 * device in some sentences; spisyncctl names it once, first). */
const char *gather_strip_device(const char *msg, const char *device);

/* The reason counters (one consistent snapshot), card and host time. */
int gather_counters(struct spisync *h, const char *device,
    struct ctl_snapshot *now, char *err, size_t errlen);

/* Every installed SA and its counters; v->sa is allocated: gather_sa_free. */
int gather_sa(struct spisync *h, const char *device, struct ctl_sa_view *v,
    char *err, size_t errlen);
void gather_sa_free(struct ctl_sa_view *v);

/* The card's event history, decoded, oldest first (the ring is not
 * touched); e->ev is allocated: gather_events_free. */
int gather_events(struct spisync *h, const char *device,
    struct ctl_events *e, char *err, size_t errlen);
void gather_events_free(struct ctl_events *e);

int gather_card(struct spisync *h, const char *device, struct ctl_card *c,
    char *err, size_t errlen);

#endif
