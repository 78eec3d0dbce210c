/*
 * spisyncctl -- the outputs: text for people, JSON for programs (schema in
 * docs/spisyncctl.md), Prometheus text format 0.0.4 for scrapers. Pure
 * functions: data in (ctl.h), text out to fp; no card, no clock, no
 * environment (local time for the text only: TZ).
 *
 * Each returns 0, or -1 if writing failed or memory ran out.
 */
#ifndef SPISYNCCTL_FMT_H
#define SPISYNCCTL_FMT_H

#include <stdio.h>

#include "ctl.h"

int fmt_drops_text(FILE *fp, const struct ctl_drops *d);
int fmt_drops_json(FILE *fp, const struct ctl_drops *d);
/* The card's own counters (d->now), not the baseline-subtracted counts:
 * Prometheus handles counter resets itself. */
int fmt_drops_prom(FILE *fp, const struct ctl_drops *d);

int fmt_sa_text(FILE *fp, const struct ctl_sa_view *v);
int fmt_sa_json(FILE *fp, const struct ctl_sa_view *v);
int fmt_sa_prom(FILE *fp, const struct ctl_sa_view *v);

int fmt_events_text(FILE *fp, const struct ctl_events *e);
int fmt_events_json(FILE *fp, const struct ctl_events *e);

int fmt_card_text(FILE *fp, const struct ctl_card *c);
int fmt_card_json(FILE *fp, const struct ctl_card *c);

/* What `sa add` / `sa del` did: action "added" or "deleted". */
int fmt_sa_change_text(FILE *fp, const char *device, const char *action,
    uint32_t index, uint32_t spi);
int fmt_sa_change_json(FILE *fp, const char *device, const char *action,
    uint32_t index, uint32_t spi);

/* What `clear counters` did (the baseline it set). */
int fmt_clear_text(FILE *fp, const char *device,
    const struct ctl_snapshot *baseline);
int fmt_clear_json(FILE *fp, const char *device,
    const struct ctl_snapshot *baseline);

#endif
