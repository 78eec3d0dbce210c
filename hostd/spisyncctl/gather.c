/*
 * spisyncctl -- what the show commands read from the card (gather.h).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gather.h"

/* SAs may be added between the count and the list: retry this often with
 * the new total before showing what the last list returned. */
enum { SA_LIST_TRIES = 4, SA_LIST_SLACK = 16 };

const char *
gather_strip_device(const char *msg, const char *device)
{
	const size_t n = strlen(device);

	if (strncmp(msg, device, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/* rc < 0 from libspisync: what we were doing, then its sentence (else the
 * errno text). */
static int
driver_error(struct spisync *h, const char *device, int rc,
    const char *what, char *err, size_t errlen)
{
	const char *why = spisync_last_error(h);

	if (why == NULL || why[0] == '\0')
		why = strerror(-rc);
	snprintf(err, errlen, "%s: %s", what, gather_strip_device(why, device));
	return rc;
}

int
gather_counters(struct spisync *h, const char *device,
    struct ctl_snapshot *now, char *err, size_t errlen)
{
	int rc;

	memset(now, 0, sizeof(*now));
	rc = spisync_time_ns(h, &now->card_time_ns);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the card time",
		    err, errlen);
	rc = spisync_counters(h, now->counters);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the counters",
		    err, errlen);
	now->wall_s = (int64_t)time(NULL);
	now->valid = true;
	return 0;
}

void
gather_sa_free(struct ctl_sa_view *v)
{
	free(v->sa);
	v->sa = NULL;
	v->n = 0;
}

int
gather_sa(struct spisync *h, const char *device, struct ctl_sa_view *v,
    char *err, size_t errlen)
{
	struct spisync_sa_info *infos = NULL;
	struct spisync_info info;
	size_t cap, n = 0, total = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	v->device = device;
	rc = spisync_info(h, &info);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the card's capabilities",
		    err, errlen);
	v->capacity = info.sa_entries;
	cap = (size_t)info.sa_installed + SA_LIST_SLACK;
	for (int tries = 0; tries < SA_LIST_TRIES; tries++) {
		free(infos);
		infos = calloc(cap, sizeof(*infos));
		if (infos == NULL) {
			snprintf(err, errlen, "out of memory for %zu SAs", cap);
			return -ENOMEM;
		}
		rc = spisync_sa_list(h, infos, cap, &n, &total);
		if (rc < 0) {
			free(infos);
			return driver_error(h, device, rc, "listing the SAs",
			    err, errlen);
		}
		if (total <= cap)
			break;
		cap = total + SA_LIST_SLACK;
	}
	v->sa = calloc(n > 0 ? n : 1, sizeof(*v->sa));
	if (v->sa == NULL) {
		free(infos);
		snprintf(err, errlen, "out of memory for %zu SAs", n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		v->sa[i].info = infos[i];
		rc = spisync_sa_stats(h, infos[i].index, &v->sa[i].stats);
		if (rc < 0) {
			char what[64];

			snprintf(what, sizeof(what), "reading the counters of SA %u",
			    (unsigned)infos[i].index);
			free(infos);
			gather_sa_free(v);
			return driver_error(h, device, rc, what,
			    err, errlen);
		}
	}
	v->n = n;
	free(infos);
	return 0;
}

void
gather_events_free(struct ctl_events *e)
{
	free(e->ev);
	e->ev = NULL;
	e->n = 0;
}

int
gather_events(struct spisync *h, const char *device, struct ctl_events *e,
    char *err, size_t errlen)
{
	uint8_t (*recs)[SPISYNC_EVENT_BYTES];
	struct spisync_event_stats st;
	struct spisync_info info;
	size_t n = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	e->device = device;
	rc = spisync_info(h, &info);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the card's capabilities",
		    err, errlen);
	rc = spisync_event_stats(h, &st);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the event counters",
		    err, errlen);
	rc = spisync_time_ns(h, &e->card_time_ns);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the card time",
		    err, errlen);
	e->hist_capacity = info.event_hist;
	e->hist_count = st.hist_count;

	recs = calloc(info.event_hist > 0 ? info.event_hist : 1, sizeof(*recs));
	e->ev = calloc(info.event_hist > 0 ? info.event_hist : 1,
	    sizeof(*e->ev));
	if (recs == NULL || e->ev == NULL) {
		free(recs);
		gather_events_free(e);
		snprintf(err, errlen, "out of memory for %u event records",
		    (unsigned)info.event_hist);
		return -ENOMEM;
	}
	rc = spisync_event_history(h, recs, info.event_hist, &n);
	if (rc < 0) {
		free(recs);
		gather_events_free(e);
		return driver_error(h, device, rc, "reading the event history",
		    err, errlen);
	}
	for (size_t i = 0; i < n && i < info.event_hist; i++)
		spisync_event_decode(recs[i], &e->ev[i]);
	e->n = n < info.event_hist ? n : info.event_hist;
	free(recs);
	return 0;
}

int
gather_card(struct spisync *h, const char *device, struct ctl_card *c,
    char *err, size_t errlen)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->device = device;
	c->backend = spisync_backend_name(h);
	rc = spisync_info(h, &c->info);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the card's identity",
		    err, errlen);
	rc = spisync_time_ns(h, &c->card_time_ns);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the card time",
		    err, errlen);
	rc = spisync_event_stats(h, &c->ev);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the event counters",
		    err, errlen);
	rc = spisync_event_config_get(h, &c->cfg);
	if (rc < 0)
		return driver_error(h, device, rc, "reading the event filter",
		    err, errlen);
	return 0;
}
