/*
 * spisyncctl -- text output for people (fmt.h). Layouts, with examples, in
 * docs/spisyncctl.md.
 */

#include <inttypes.h>
#include <stdio.h>

#include "fmt.h"
#include "fmt_util.h"

static int
done(FILE *fp)
{
	return ferror(fp) ? -1 : 0;
}

/* ---- show drops -------------------------------------------------------- */

/* The change column: "+N", or "-" with no previous show to compare. */
static void
delta_text(char out[32], bool have, uint64_t delta)
{
	if (have)
		snprintf(out, 32, "+%" PRIu64, delta);
	else
		snprintf(out, 32, "-");
}

static void
drops_row(FILE *fp, const struct ctl_drops *d, unsigned r)
{
	char delta[32];

	delta_text(delta, d->previous.valid, d->delta[r]);
	fprintf(fp, "%3u %-22s %20" PRIu64 " %21s\n", r, spisync_reason_name[r],
	    d->count[r], delta);
}

/* the rows of one kind, then their total */
static void
drops_group(FILE *fp, const struct ctl_drops *d, uint8_t kind,
    const char *title, const char *total)
{
	uint64_t sum = 0, sum_delta = 0;
	char delta[32];

	fprintf(fp, "    %s\n", title);
	for (unsigned r = 0; r < SPISYNC_NUM_REASONS; r++) {
		if (spisync_reason_kind[r] != kind)
			continue;
		drops_row(fp, d, r);
		sum += d->count[r];
		sum_delta += d->delta[r];
	}
	delta_text(delta, d->previous.valid, sum_delta);
	fprintf(fp, "    %-22s %20" PRIu64 " %21s\n", total, sum, delta);
}

int
fmt_drops_text(FILE *fp, const struct ctl_drops *d)
{
	char card_time[FMT_TIME_LEN], when[FMT_TIME_LEN];

	fmt_card_time(card_time, d->now.card_time_ns);
	fprintf(fp, "spisync drops on %s, card time %s s\n", d->device,
	    card_time);

	if (d->baseline.valid) {
		fmt_wall_local(when, d->baseline.wall_s);
		fprintf(fp, "counts since clear at %s\n", when);
	} else if (d->reset_since_clear) {
		fmt_wall_local(when, d->dropped_clear_wall_s);
		fprintf(fp, "counts since a card reset (a counter or the card "
		    "time went backwards): the clear at %s no longer applies\n",
		    when);
	} else {
		fprintf(fp, "counts since the card started (no clear counters)\n");
	}

	if (!d->previous.valid) {
		fprintf(fp, "change: none yet, this is the first show\n");
	} else {
		const int64_t ago = d->now.wall_s - d->previous.wall_s;

		fmt_wall_local(when, d->previous.wall_s);
		fprintf(fp, "change since the previous show at %s (%lld s ago)",
		    when, (long long)(ago > 0 ? ago : 0));
		if (d->reset_since_previous)
			fprintf(fp, "; the card was reset since (a counter or the "
			    "card time went backwards): changes count from the "
			    "reset");
		fprintf(fp, "\n");
	}

	fprintf(fp, "\n%3s %-22s %20s %21s\n", "id", "reason", "count", "change");
	for (unsigned r = 0; r < SPISYNC_NUM_REASONS; r++) {
		if (spisync_reason_kind[r] == SPISYNC_REASON_COUNT_ONLY)
			drops_row(fp, d, r);
	}
	drops_group(fp, d, SPISYNC_REASON_DELIVER, "delivered", "total delivered");
	drops_group(fp, d, SPISYNC_REASON_DROP, "dropped", "total dropped");
	return done(fp);
}

/* ---- show sa ----------------------------------------------------------- */

static void
limit_text(char out[32], uint64_t v, const char *unit)
{
	if (v == 0)
		snprintf(out, 32, "-");
	else
		snprintf(out, 32, "%" PRIu64 "%s", v, unit);
}

int
fmt_sa_text(FILE *fp, const struct ctl_sa_view *v)
{
	fprintf(fp, "spisync SAs on %s: %zu installed, capacity %" PRIu32 "\n",
	    v->device, v->n, v->capacity);
	for (size_t i = 0; i < v->n; i++) {
		const struct spisync_sa_info *s = &v->sa[i].info;
		const struct spisync_sa_stats *st = &v->sa[i].stats;
		char dst[FMT_ADDR_LEN];
		char sb[32], sp[32], stime[32], hb[32], hp[32], htime[32];

		fmt_addr(dst, s->ipv6, s->dst);
		fprintf(fp, "sa %" PRIu32 ": spi 0x%08" PRIx32 " dst %s mode %s "
		    "aes-gcm-%u icv %u %s", s->index, s->spi, dst,
		    fmt_sa_mode(s->mode), s->key_256 ? 256u : 128u,
		    s->icv_len * 8u, s->esn ? "esn" : "no-esn");
		if (s->udp_encap)
			fprintf(fp, " encap espinudp %u %u", (unsigned)s->sport,
			    (unsigned)s->dport);
		else
			fprintf(fp, " encap none");
		fprintf(fp, " gen %u age %" PRIu32 " s\n", (unsigned)s->gen,
		    s->age_s);

		limit_text(sb, s->soft_bytes, "");
		limit_text(sp, s->soft_packets, "");
		limit_text(stime, s->soft_time_s, " s");
		limit_text(hb, s->hard_bytes, "");
		limit_text(hp, s->hard_packets, "");
		limit_text(htime, s->hard_time_s, " s");
		fprintf(fp, "    lifetime soft: bytes %s, packets %s, time %s%s; "
		    "hard: bytes %s, packets %s, time %s\n", sb, sp, stime,
		    s->soft_time_expired ? " (expired)" : "", hb, hp, htime);
		fprintf(fp, "    packets %" PRIu64 ", bytes %" PRIu64 ", auth fails %"
		    PRIu64 ", replays %" PRIu64 "\n", st->packets, st->bytes,
		    st->auth_fail, st->replay);
	}
	return done(fp);
}

/* ---- show events ------------------------------------------------------- */

static void
event_flow(FILE *fp, const struct spisync_event *ev)
{
	char src[FMT_ADDR_LEN], dst[FMT_ADDR_LEN];

	fmt_addr(src, ev->ipv6, ev->src);
	fmt_addr(dst, ev->ipv6, ev->dst);
	fprintf(fp, "%s -> %s spi 0x%08" PRIx32, src, dst, ev->spi);
	if (ev->udp)
		fprintf(fp, " udp %u -> %u", (unsigned)ev->sport,
		    (unsigned)ev->dport);
}

/* What the record says, after its time and type. */
static void
event_details(FILE *fp, const struct spisync_event *ev)
{
	char src[FMT_ADDR_LEN], dst[FMT_ADDR_LEN];

	fmt_addr(src, ev->ipv6, ev->src);
	fmt_addr(dst, ev->ipv6, ev->dst);
	switch (ev->type) {
	case SPISYNC_EV_SA_MISS:
	case SPISYNC_EV_SPI_RESERVED:
		event_flow(fp, ev);
		if (ev->evicted)
			fprintf(fp, " evicted from the flow table, suppressed %"
			    PRIu32, ev->count);
		else
			fprintf(fp, " seq %" PRIu32 " len %u suppressed %" PRIu32,
			    ev->seq, (unsigned)ev->frame_len, ev->count);
		break;
	case SPISYNC_EV_SA_SOFT_EXPIRY:
	case SPISYNC_EV_SA_HARD_EXPIRY:
		/* COUNT 1: the controller's time lifetime, no frame */
		if (ev->count == 1)
			fprintf(fp, "sa %u spi 0x%08" PRIx32 " time limit",
			    (unsigned)ev->sa_index, ev->spi);
		else
			fprintf(fp, "sa %u spi 0x%08" PRIx32 " byte/packet limit, "
			    "frame %s -> %s seq %" PRIu32, (unsigned)ev->sa_index,
			    ev->spi, src, dst, ev->seq);
		break;
	case SPISYNC_EV_AUTH_FAIL_BURST:
	case SPISYNC_EV_REPLAY_BURST:
		fprintf(fp, "sa %u spi 0x%08" PRIx32 " %" PRIu32 " drops in the "
		    "burst interval, last %s -> %s seq %" PRIu32,
		    (unsigned)ev->sa_index, ev->spi, ev->count, src, dst, ev->seq);
		break;
	case SPISYNC_EV_EVENTS_LOST:
		fprintf(fp, "%" PRIu32 " records lost (%" PRIu32 " SA misses)",
		    ev->count, ev->seq);
		break;
	default:
		fprintf(fp, "spi 0x%08" PRIx32 " count %" PRIu32 " seq %" PRIu32
		    " sa %u", ev->spi, ev->count, ev->seq, (unsigned)ev->sa_index);
		break;
	}
	if (ev->port != 0)
		fprintf(fp, " port %u", (unsigned)ev->port);
	fprintf(fp, "\n");
}

int
fmt_events_text(FILE *fp, const struct ctl_events *e)
{
	char now[FMT_TIME_LEN];

	fmt_card_time(now, e->card_time_ns);
	fprintf(fp, "spisync events on %s, card time %s s: the last %zu of %"
	    PRIu32 " records (the card keeps %" PRIu32 ")\n", e->device, now,
	    e->n, e->hist_count, e->hist_capacity);
	if (e->n == 0)
		return done(fp);
	fprintf(fp, "%20s %12s  %-15s %s\n", "card time s", "age s", "type",
	    "event");
	for (size_t i = 0; i < e->n; i++) {
		const struct spisync_event *ev = &e->ev[i];
		const char *type = fmt_event_type(ev->type);
		char when[FMT_TIME_LEN], age[FMT_TIME_LEN], unknown[24];

		fmt_card_time(when, ev->time_ns);
		if (ev->time_ns <= e->card_time_ns) {
			const uint64_t ms = (e->card_time_ns - ev->time_ns) / 1000000u;

			snprintf(age, sizeof(age), "%" PRIu64 ".%03u", ms / 1000u,
			    (unsigned)(ms % 1000u));
		} else {
			snprintf(age, sizeof(age), "-");
		}
		if (type == NULL) {
			snprintf(unknown, sizeof(unknown), "UNKNOWN(%u)",
			    (unsigned)ev->type);
			type = unknown;
		}
		fprintf(fp, "%20s %12s  %-15s ", when, age, type);
		event_details(fp, ev);
	}
	return done(fp);
}

/* ---- show card --------------------------------------------------------- */

static void
ring_status_text(FILE *fp, uint32_t status)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
		{ CTL_RING_ENABLED, "enabled" },
		{ CTL_RING_FULL, "full" },
		{ CTL_RING_BAD_CONS, "bad RING_CONS seen" },
		{ CTL_RING_WRITE_ERROR, "write error seen" },
		{ CTL_RING_OUTSTANDING, "writes outstanding" },
	};
	const char *sep = ": ";

	fprintf(fp, "status 0x%02" PRIx32, status);
	if ((status & CTL_RING_ENABLED) == 0) {
		fprintf(fp, "%sdisabled", sep);
		sep = ", ";
	}
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if ((status & bits[i].bit) != 0) {
			fprintf(fp, "%s%s", sep, bits[i].name);
			sep = ", ";
		}
	}
	if ((status & ~(uint32_t)0x1f) != 0)
		fprintf(fp, "%sunknown bits 0x%" PRIx32, sep, status & ~(uint32_t)0x1f);
	fprintf(fp, "\n");
}

int
fmt_card_text(FILE *fp, const struct ctl_card *c)
{
	const struct spisync_info *in = &c->info;
	const struct spisync_event_stats *ev = &c->ev;
	const struct spisync_event_config *cfg = &c->cfg;
	char t[FMT_TIME_LEN], up[FMT_TIME_LEN];

	fmt_card_time(t, c->card_time_ns);
	fmt_duration(up, in->fw_uptime_s);
	fprintf(fp, "spisync card on %s (backend %s)\n", c->device, c->backend);
	fprintf(fp, "%-15s id 0x%08" PRIx32 ", register map 0x%08" PRIx32
	    ", datapath %" PRIu32 " bits\n", "card", in->id, in->version,
	    in->data_width);
	fprintf(fp, "%-15s %" PRIu32 " SA entries, 2 x %" PRIu32 " tag buckets, %"
	    PRIu32 " reasons, replay window %" PRIu32 ",\n", "capabilities",
	    in->sa_entries, in->tag_buckets, in->reasons, in->replay_window);
	fprintf(fp, "%-15s %" PRIu32 " flows, ring up to 2^%" PRIu32 " records, "
	    "event history %" PRIu32 "\n", "", in->flow_entries,
	    in->ring_max_log2, in->event_hist);
	fprintf(fp, "%-15s firmware 0x%08" PRIx32 ", mailbox protocol %" PRIu32
	    ", up %" PRIu32 " s (%s)\n", "controller", in->fw_version,
	    in->mbox_proto, in->fw_uptime_s, up);
	fprintf(fp, "%-15s %" PRIu32 " installed of %" PRIu32 "\n", "SAs",
	    in->sa_installed, in->sa_entries);
	fprintf(fp, "%-15s %s s\n", "card time", t);

	fprintf(fp, "%-15s %s, 2^%" PRIu32 " records at 0x%016" PRIx64 "\n",
	    "event ring", (ev->ring_status & CTL_RING_ENABLED) ? "enabled" :
	    "disabled", ev->ring_size_log2, ev->ring_base);
	fprintf(fp, "%-15s prod %" PRIu32 ", cons %" PRIu32 " (%" PRIu32
	    " pending), write errors %" PRIu32 "\n", "", ev->ring_prod,
	    ev->ring_cons, ev->ring_prod - ev->ring_cons, ev->ring_write_errors);
	fprintf(fp, "%-15s ", "");
	ring_status_text(fp, ev->ring_status);

	fprintf(fp, "%-15s written %" PRIu64 ", lost %" PRIu64 ", flow suppressed %"
	    PRIu64 ", flow pending %" PRIu64 ", history count %" PRIu32 "\n",
	    "events", ev->written, ev->lost, ev->flow_suppressed,
	    ev->flow_pending, ev->hist_count);

	fprintf(fp, "%-15s hold-off %" PRIu64 " ns, ", "event filter",
	    cfg->holdoff_ns);
	if (cfg->token_ns == 0)
		fprintf(fp, "no token limit");
	else
		fprintf(fp, "a token every %" PRIu32 " ns", cfg->token_ns);
	fprintf(fp, ", token burst %" PRIu32 ",\n", cfg->token_burst);
	fprintf(fp, "%-15s lost-record interval %" PRIu32 " ns, burst interval %"
	    PRIu64 " ns,\n", "", cfg->lost_ns, cfg->burst_interval_ns);
	fprintf(fp, "%-15s auth-fail burst ", "");
	if (cfg->auth_fail_burst == 0)
		fprintf(fp, "never");
	else
		fprintf(fp, "%" PRIu32, cfg->auth_fail_burst);
	fprintf(fp, ", replay burst ");
	if (cfg->replay_burst == 0)
		fprintf(fp, "never");
	else
		fprintf(fp, "%" PRIu32, cfg->replay_burst);
	fprintf(fp, "\n");
	return done(fp);
}

/* ---- sa add / sa del / clear counters ---------------------------------- */

int
fmt_sa_change_text(FILE *fp, const char *device, const char *action,
    uint32_t index, uint32_t spi)
{
	fprintf(fp, "%s SA %" PRIu32 " (spi 0x%08" PRIx32 ") on %s\n", action,
	    index, spi, device);
	return done(fp);
}

int
fmt_clear_text(FILE *fp, const char *device,
    const struct ctl_snapshot *baseline)
{
	char when[FMT_TIME_LEN];

	fmt_wall_local(when, baseline->wall_s);
	fprintf(fp, "counters cleared on %s at %s: show drops counts from "
	    "here (the card's own counters are unchanged)\n", device, when);
	return done(fp);
}
