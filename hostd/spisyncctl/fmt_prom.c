/*
 * spisyncctl -- Prometheus text exposition format 0.0.4 (fmt.h): for each
 * metric one "# HELP" and one "# TYPE" line, then its samples, together;
 * label values escaped (\ -> \\, " -> \", newline -> \n).
 *
 * show drops exports the card's own counters, not the counts since `clear
 * counters`: a counter must only go up between scrapes, and Prometheus
 * takes a card reset as a counter reset by itself. Exporting keeps no
 * state (a scraper must not move the operator's "change" column).
 */

#include <inttypes.h>
#include <stdio.h>

#include "fmt.h"
#include "fmt_util.h"

static void
escaped(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '"')
			fputs("\\\"", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static void
header(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* spisync_info{device="..."} 1: which card the numbers are of */
static void
info(FILE *fp, const char *device)
{
	header(fp, "spisync_info", "gauge",
	    "The card spisyncctl read (device as given to -d); always 1.");
	fputs("spisync_info{device=\"", fp);
	escaped(fp, device);
	fputs("\"} 1\n", fp);
}

static int
done(FILE *fp)
{
	return ferror(fp) ? -1 : 0;
}

/* ---- show drops -------------------------------------------------------- */

static void
reason_samples(FILE *fp, const struct ctl_drops *d, const char *metric,
    const char *label, uint8_t kind)
{
	for (unsigned r = 0; r < SPISYNC_NUM_REASONS; r++) {
		char lower[64];

		if (spisync_reason_kind[r] != kind)
			continue;
		fmt_lower(lower, sizeof(lower), spisync_reason_name[r]);
		fprintf(fp, "%s{%s=\"", metric, label);
		escaped(fp, lower);
		fprintf(fp, "\"} %" PRIu64 "\n", d->now.counters[r]);
	}
}

int
fmt_drops_prom(FILE *fp, const struct ctl_drops *d)
{
	info(fp, d->device);
	header(fp, "spisync_rx_packets_total", "counter",
	    "Frames received from the MAC, whatever their outcome.");
	fprintf(fp, "spisync_rx_packets_total %" PRIu64 "\n",
	    d->now.counters[SPISYNC_R_RX_PACKETS]);
	header(fp, "spisync_delivered_total", "counter",
	    "Frames delivered to the host, by outcome (docs/register-map.md).");
	reason_samples(fp, d, "spisync_delivered_total", "outcome",
	    SPISYNC_REASON_DELIVER);
	header(fp, "spisync_drops_total", "counter",
	    "Frames dropped, by reason (docs/register-map.md).");
	reason_samples(fp, d, "spisync_drops_total", "reason",
	    SPISYNC_REASON_DROP);
	return done(fp);
}

/* ---- show sa ----------------------------------------------------------- */

enum sa_metric { SA_PACKETS, SA_BYTES, SA_AUTH_FAIL, SA_REPLAY, SA_AGE };

static const struct {
	const char *name, *type, *help;
} sa_metrics[] = {
	[SA_PACKETS] = { "spisync_sa_packets_total", "counter",
	    "Packets the SA decrypted and delivered." },
	[SA_BYTES] = { "spisync_sa_bytes_total", "counter",
	    "ESP payload bytes (ciphertext length) of the packets the SA delivered." },
	[SA_AUTH_FAIL] = { "spisync_sa_auth_fail_total", "counter",
	    "Frames of the SA whose ICV did not verify." },
	[SA_REPLAY] = { "spisync_sa_replay_total", "counter",
	    "Frames of the SA dropped as replays." },
	[SA_AGE] = { "spisync_sa_age_seconds", "gauge",
	    "Seconds since the SA was installed." },
};

static uint64_t
sa_value(const struct ctl_sa *sa, enum sa_metric m)
{
	switch (m) {
	case SA_PACKETS:
		return sa->stats.packets;
	case SA_BYTES:
		return sa->stats.bytes;
	case SA_AUTH_FAIL:
		return sa->stats.auth_fail;
	case SA_REPLAY:
		return sa->stats.replay;
	case SA_AGE:
	default:
		return sa->info.age_s;
	}
}

int
fmt_sa_prom(FILE *fp, const struct ctl_sa_view *v)
{
	info(fp, v->device);
	header(fp, "spisync_sa_installed", "gauge", "SAs installed on the card.");
	fprintf(fp, "spisync_sa_installed %zu\n", v->n);
	header(fp, "spisync_sa_capacity", "gauge",
	    "SA entries the card has (CAP_SA_ENTRIES).");
	fprintf(fp, "spisync_sa_capacity %" PRIu32 "\n", v->capacity);
	for (size_t m = 0; m < sizeof(sa_metrics) / sizeof(sa_metrics[0]); m++) {
		header(fp, sa_metrics[m].name, sa_metrics[m].type,
		    sa_metrics[m].help);
		for (size_t i = 0; i < v->n; i++) {
			fprintf(fp, "%s{index=\"%" PRIu32 "\",spi=\"0x%08" PRIx32
			    "\"} %" PRIu64 "\n", sa_metrics[m].name,
			    v->sa[i].info.index, v->sa[i].info.spi,
			    sa_value(&v->sa[i], (enum sa_metric)m));
		}
	}
	return done(fp);
}
