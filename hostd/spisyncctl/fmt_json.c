/*
 * spisyncctl -- JSON output (fmt.h), built with json-c. The schema is in
 * docs/spisyncctl.md: keys are never dropped or renamed; "none" is null.
 */

#include <inttypes.h>
#include <stdio.h>

#include <json-c/json.h>

#include "fmt.h"
#include "fmt_util.h"

/* Add val under key; takes val (also on failure). 0 or -1. A NULL val is
 * an allocation that failed. */
static int
add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (val == NULL)
		return -1;
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

/* JSON null is a NULL json_object: added as such, not as a failure. */
static int
add_null(struct json_object *obj, const char *key)
{
	return json_object_object_add(obj, key, NULL) == 0 ? 0 : -1;
}

static int
add_u64(struct json_object *obj, const char *key, uint64_t v)
{
	return add(obj, key, json_object_new_uint64(v));
}

/* v, or null when 0 means "none" */
static int
add_u64_or_null(struct json_object *obj, const char *key, uint64_t v)
{
	return v == 0 ? add_null(obj, key) : add_u64(obj, key, v);
}

static int
add_str(struct json_object *obj, const char *key, const char *s)
{
	return add(obj, key, json_object_new_string(s));
}

static int
add_bool(struct json_object *obj, const char *key, bool b)
{
	return add(obj, key, json_object_new_boolean(b));
}

static int
add_hex32(struct json_object *obj, const char *key, uint32_t v)
{
	char text[16];

	snprintf(text, sizeof(text), "0x%08" PRIx32, v);
	return add_str(obj, key, text);
}

static int
add_addr(struct json_object *obj, const char *key, bool ipv6,
    const uint8_t addr[16])
{
	char text[FMT_ADDR_LEN];

	fmt_addr(text, ipv6, addr);
	return add_str(obj, key, text);
}

/* Write the document, a newline, and free it. */
static int
emit(FILE *fp, struct json_object *doc, int rc)
{
	const char *text = NULL;

	if (rc == 0)
		text = json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL ||
	    fputs(text, fp) == EOF || fputc('\n', fp) == EOF)
		rc = -1;
	json_object_put(doc);
	return rc == 0 && !ferror(fp) ? 0 : -1;
}

/* {"time": s, "time_utc": "..."} */
static struct json_object *
wall_object(int64_t s)
{
	struct json_object *obj = json_object_new_object();
	char utc[FMT_TIME_LEN];

	if (obj == NULL)
		return NULL;
	fmt_wall_utc(utc, s);
	if (add(obj, "time", json_object_new_int64(s)) != 0 ||
	    add_str(obj, "time_utc", utc) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* ---- show drops -------------------------------------------------------- */

static int
add_delta(struct json_object *obj, const struct ctl_drops *d, uint64_t v)
{
	return d->previous.valid ? add_u64(obj, "delta", v) :
	    add_null(obj, "delta");
}

static struct json_object *
reason_object(const struct ctl_drops *d, unsigned r)
{
	struct json_object *obj = json_object_new_object();

	if (obj == NULL)
		return NULL;
	if (add_u64(obj, "id", r) != 0 ||
	    add_str(obj, "kind", fmt_reason_kind(r)) != 0 ||
	    add_u64(obj, "count", d->count[r]) != 0 ||
	    add_delta(obj, d, d->delta[r]) != 0 ||
	    add_u64(obj, "card", d->now.counters[r]) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *
total_object(const struct ctl_drops *d, uint8_t kind)
{
	struct json_object *obj = json_object_new_object();
	uint64_t sum = 0, sum_delta = 0;

	if (obj == NULL)
		return NULL;
	for (unsigned r = 0; r < SPISYNC_NUM_REASONS; r++) {
		if (spisync_reason_kind[r] == kind) {
			sum += d->count[r];
			sum_delta += d->delta[r];
		}
	}
	if (add_u64(obj, "count", sum) != 0 || add_delta(obj, d, sum_delta) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *
previous_object(const struct ctl_drops *d)
{
	struct json_object *obj = wall_object(d->previous.wall_s);

	if (obj == NULL)
		return NULL;
	if (add_u64(obj, "card_time_ns", d->previous.card_time_ns) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int
fmt_drops_json(FILE *fp, const struct ctl_drops *d)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *reasons = NULL, *totals = NULL;
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (add_str(doc, "device", d->device) != 0 ||
	    add(doc, "time", json_object_new_int64(d->now.wall_s)) != 0 ||
	    add_u64(doc, "card_time_ns", d->now.card_time_ns) != 0 ||
	    (d->baseline.valid ?
	    add(doc, "clear", wall_object(d->baseline.wall_s)) :
	    add_null(doc, "clear")) != 0 ||
	    (d->reset_since_clear ?
	    add(doc, "dropped_clear", wall_object(d->dropped_clear_wall_s)) :
	    add_null(doc, "dropped_clear")) != 0 ||
	    (d->previous.valid ? add(doc, "previous", previous_object(d)) :
	    add_null(doc, "previous")) != 0 ||
	    add_bool(doc, "card_reset_since_previous",
	    d->reset_since_previous) != 0)
		return emit(fp, doc, -1);

	reasons = json_object_new_object();
	if (add(doc, "reasons", reasons) != 0)
		return emit(fp, doc, -1);
	for (unsigned r = 0; r < SPISYNC_NUM_REASONS; r++) {
		if (add(reasons, spisync_reason_name[r], reason_object(d, r)) != 0)
			return emit(fp, doc, -1);
	}
	totals = json_object_new_object();
	if (add(doc, "totals", totals) == 0 &&
	    add(totals, "delivered", total_object(d, SPISYNC_REASON_DELIVER)) == 0 &&
	    add(totals, "dropped", total_object(d, SPISYNC_REASON_DROP)) == 0)
		rc = 0;
	return emit(fp, doc, rc);
}

/* ---- show sa ----------------------------------------------------------- */

static struct json_object *
limits_object(uint64_t bytes, uint64_t packets, uint32_t time_s)
{
	struct json_object *obj = json_object_new_object();

	if (obj == NULL)
		return NULL;
	if (add_u64_or_null(obj, "bytes", bytes) != 0 ||
	    add_u64_or_null(obj, "packets", packets) != 0 ||
	    add_u64_or_null(obj, "time_s", time_s) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *
encap_object(const struct spisync_sa_info *s)
{
	struct json_object *obj = json_object_new_object();

	if (obj == NULL)
		return NULL;
	if (add_str(obj, "type", "espinudp") != 0 ||
	    add_u64(obj, "sport", s->sport) != 0 ||
	    add_u64(obj, "dport", s->dport) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *
sa_object(const struct ctl_sa *sa)
{
	const struct spisync_sa_info *s = &sa->info;
	struct json_object *obj = json_object_new_object();
	struct json_object *life = NULL;

	if (obj == NULL)
		return NULL;
	if (add_u64(obj, "index", s->index) != 0 ||
	    add_hex32(obj, "spi", s->spi) != 0 ||
	    add_u64(obj, "ip", s->ipv6 ? 6 : 4) != 0 ||
	    add_addr(obj, "dst", s->ipv6, s->dst) != 0 ||
	    add_str(obj, "mode", fmt_sa_mode(s->mode)) != 0 ||
	    add_u64(obj, "key_bits", s->key_256 ? 256 : 128) != 0 ||
	    add_u64(obj, "icv_bits", (uint64_t)s->icv_len * 8u) != 0 ||
	    add_bool(obj, "esn", s->esn) != 0 ||
	    (s->udp_encap ? add(obj, "encap", encap_object(s)) :
	    add_null(obj, "encap")) != 0 ||
	    add_u64(obj, "gen", s->gen) != 0 ||
	    add_u64(obj, "age_s", s->age_s) != 0 ||
	    add(obj, "lifetime", life = json_object_new_object()) != 0 ||
	    add(life, "soft", limits_object(s->soft_bytes, s->soft_packets,
	    s->soft_time_s)) != 0 ||
	    add(life, "hard", limits_object(s->hard_bytes, s->hard_packets,
	    s->hard_time_s)) != 0 ||
	    add_bool(obj, "soft_time_expired", s->soft_time_expired) != 0 ||
	    add_u64(obj, "packets", sa->stats.packets) != 0 ||
	    add_u64(obj, "bytes", sa->stats.bytes) != 0 ||
	    add_u64(obj, "auth_fail", sa->stats.auth_fail) != 0 ||
	    add_u64(obj, "replay", sa->stats.replay) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int
fmt_sa_json(FILE *fp, const struct ctl_sa_view *v)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr;

	if (doc == NULL)
		return -1;
	if (add_str(doc, "device", v->device) != 0 ||
	    add_u64(doc, "capacity", v->capacity) != 0 ||
	    add_u64(doc, "installed", v->n) != 0 ||
	    add(doc, "sas", arr = json_object_new_array()) != 0)
		return emit(fp, doc, -1);
	for (size_t i = 0; i < v->n; i++) {
		struct json_object *obj = sa_object(&v->sa[i]);

		if (obj == NULL || json_object_array_add(arr, obj) != 0) {
			json_object_put(obj);
			return emit(fp, doc, -1);
		}
	}
	return emit(fp, doc, 0);
}

/* ---- show events ------------------------------------------------------- */

/* The fields every record has, then the type's own. */
static struct json_object *
event_object(const struct spisync_event *ev, uint64_t now_ns)
{
	const char *type = fmt_event_type(ev->type);
	struct json_object *obj = json_object_new_object();
	int rc;

	if (obj == NULL)
		return NULL;
	rc = add_str(obj, "type", type != NULL ? type : "UNKNOWN") != 0 ||
	    add_u64(obj, "type_id", ev->type) != 0 ||
	    add_u64(obj, "time_ns", ev->time_ns) != 0 ||
	    (ev->time_ns <= now_ns ? add_u64(obj, "age_ns", now_ns - ev->time_ns) :
	    add_null(obj, "age_ns")) != 0 ||
	    add_u64(obj, "ip", ev->ipv6 ? 6 : 4) != 0 ||
	    add_addr(obj, "src", ev->ipv6, ev->src) != 0 ||
	    add_addr(obj, "dst", ev->ipv6, ev->dst) != 0 ||
	    add_hex32(obj, "spi", ev->spi) != 0 ||
	    add_bool(obj, "udp", ev->udp) != 0 ||
	    add_u64(obj, "sport", ev->sport) != 0 ||
	    add_u64(obj, "dport", ev->dport) != 0 ||
	    add_u64(obj, "port", ev->port) != 0 ||
	    add_bool(obj, "evicted", ev->evicted) != 0 ||
	    add_u64(obj, "seq", ev->seq) != 0 ||
	    add_u64(obj, "len", ev->frame_len) != 0 ||
	    add_u64(obj, "rx_seq", ev->rx_seq) != 0 ||
	    add_u64(obj, "count", ev->count) != 0 ||
	    (ev->sa_index == SPISYNC_SA_INDEX_NONE ? add_null(obj, "sa_index") :
	    add_u64(obj, "sa_index", ev->sa_index)) != 0 ? -1 : 0;

	switch (ev->type) {
	case SPISYNC_EV_SA_MISS:
	case SPISYNC_EV_SPI_RESERVED:
		if (rc == 0)
			rc = add_u64(obj, "suppressed", ev->count);
		break;
	case SPISYNC_EV_SA_SOFT_EXPIRY:
	case SPISYNC_EV_SA_HARD_EXPIRY:
		if (rc == 0)
			rc = add_str(obj, "limit", ev->count == 1 ? "time" :
			    "bytes_or_packets");
		break;
	case SPISYNC_EV_AUTH_FAIL_BURST:
	case SPISYNC_EV_REPLAY_BURST:
		if (rc == 0)
			rc = add_u64(obj, "drops", ev->count);
		break;
	case SPISYNC_EV_EVENTS_LOST:
		if (rc == 0)
			rc = add_u64(obj, "lost_records", ev->count);
		if (rc == 0)
			rc = add_u64(obj, "lost_misses", ev->seq);
		break;
	default:
		break;
	}
	if (rc != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int
fmt_events_json(FILE *fp, const struct ctl_events *e)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr;

	if (doc == NULL)
		return -1;
	if (add_str(doc, "device", e->device) != 0 ||
	    add_u64(doc, "card_time_ns", e->card_time_ns) != 0 ||
	    add_u64(doc, "history_capacity", e->hist_capacity) != 0 ||
	    add_u64(doc, "history_count", e->hist_count) != 0 ||
	    add(doc, "events", arr = json_object_new_array()) != 0)
		return emit(fp, doc, -1);
	for (size_t i = 0; i < e->n; i++) {
		struct json_object *obj = event_object(&e->ev[i], e->card_time_ns);

		if (obj == NULL || json_object_array_add(arr, obj) != 0) {
			json_object_put(obj);
			return emit(fp, doc, -1);
		}
	}
	return emit(fp, doc, 0);
}

/* ---- show card --------------------------------------------------------- */

int
fmt_card_json(FILE *fp, const struct ctl_card *c)
{
	const struct spisync_info *in = &c->info;
	const struct spisync_event_stats *ev = &c->ev;
	const struct spisync_event_config *cfg = &c->cfg;
	struct json_object *doc = json_object_new_object();
	struct json_object *card, *caps, *ctrl, *sa, *ring, *evs, *filt;
	char base[24];
	int rc;

	if (doc == NULL)
		return -1;
	snprintf(base, sizeof(base), "0x%016" PRIx64, ev->ring_base);
	rc = add_str(doc, "device", c->device) != 0 ||
	    add_str(doc, "backend", c->backend) != 0 ||

	    add(doc, "card", card = json_object_new_object()) != 0 ||
	    add_hex32(card, "id", in->id) != 0 ||
	    add_hex32(card, "version", in->version) != 0 ||
	    add_u64(card, "data_width", in->data_width) != 0 ||

	    add(doc, "capabilities", caps = json_object_new_object()) != 0 ||
	    add_u64(caps, "sa_entries", in->sa_entries) != 0 ||
	    add_u64(caps, "tag_buckets", in->tag_buckets) != 0 ||
	    add_u64(caps, "reasons", in->reasons) != 0 ||
	    add_u64(caps, "replay_window", in->replay_window) != 0 ||
	    add_u64(caps, "flow_entries", in->flow_entries) != 0 ||
	    add_u64(caps, "ring_max_log2", in->ring_max_log2) != 0 ||
	    add_u64(caps, "event_hist", in->event_hist) != 0 ||

	    add(doc, "controller", ctrl = json_object_new_object()) != 0 ||
	    add_hex32(ctrl, "fw_version", in->fw_version) != 0 ||
	    add_u64(ctrl, "mbox_proto", in->mbox_proto) != 0 ||
	    add_u64(ctrl, "uptime_s", in->fw_uptime_s) != 0 ||

	    add(doc, "sa", sa = json_object_new_object()) != 0 ||
	    add_u64(sa, "installed", in->sa_installed) != 0 ||
	    add_u64(sa, "capacity", in->sa_entries) != 0 ||

	    add_u64(doc, "card_time_ns", c->card_time_ns) != 0 ||

	    add(doc, "ring", ring = json_object_new_object()) != 0 ||
	    add_bool(ring, "enabled", (ev->ring_status & CTL_RING_ENABLED) != 0) != 0 ||
	    add_u64(ring, "size_log2", ev->ring_size_log2) != 0 ||
	    add_str(ring, "base", base) != 0 ||
	    add_u64(ring, "prod", ev->ring_prod) != 0 ||
	    add_u64(ring, "cons", ev->ring_cons) != 0 ||
	    add_u64(ring, "pending", (uint32_t)(ev->ring_prod - ev->ring_cons)) != 0 ||
	    add_u64(ring, "status", ev->ring_status) != 0 ||
	    add_bool(ring, "full", (ev->ring_status & CTL_RING_FULL) != 0) != 0 ||
	    add_bool(ring, "bad_cons", (ev->ring_status & CTL_RING_BAD_CONS) != 0) != 0 ||
	    add_bool(ring, "write_error", (ev->ring_status & CTL_RING_WRITE_ERROR) != 0) != 0 ||
	    add_bool(ring, "writes_outstanding",
	    (ev->ring_status & CTL_RING_OUTSTANDING) != 0) != 0 ||
	    add_u64(ring, "write_errors", ev->ring_write_errors) != 0 ||

	    add(doc, "events", evs = json_object_new_object()) != 0 ||
	    add_u64(evs, "written", ev->written) != 0 ||
	    add_u64(evs, "lost", ev->lost) != 0 ||
	    add_u64(evs, "flow_suppressed", ev->flow_suppressed) != 0 ||
	    add_u64(evs, "flow_pending", ev->flow_pending) != 0 ||
	    add_u64(evs, "history_count", ev->hist_count) != 0 ||

	    add(doc, "event_filter", filt = json_object_new_object()) != 0 ||
	    add_u64(filt, "holdoff_ns", cfg->holdoff_ns) != 0 ||
	    add_u64(filt, "token_ns", cfg->token_ns) != 0 ||
	    add_u64(filt, "token_burst", cfg->token_burst) != 0 ||
	    add_u64(filt, "lost_ns", cfg->lost_ns) != 0 ||
	    add_u64(filt, "burst_interval_ns", cfg->burst_interval_ns) != 0 ||
	    add_u64(filt, "auth_fail_burst", cfg->auth_fail_burst) != 0 ||
	    add_u64(filt, "replay_burst", cfg->replay_burst) != 0 ? -1 : 0;
	return emit(fp, doc, rc);
}

/* ---- sa add / sa del / clear counters ---------------------------------- */

int
fmt_sa_change_json(FILE *fp, const char *device, const char *action,
    uint32_t index, uint32_t spi)
{
	struct json_object *doc = json_object_new_object();
	int rc;

	if (doc == NULL)
		return -1;
	rc = add_str(doc, "device", device) != 0 ||
	    add_str(doc, "action", action) != 0 ||
	    add_u64(doc, "index", index) != 0 ||
	    add_hex32(doc, "spi", spi) != 0 ? -1 : 0;
	return emit(fp, doc, rc);
}

int
fmt_clear_json(FILE *fp, const char *device,
    const struct ctl_snapshot *baseline)
{
	struct json_object *doc = json_object_new_object();
	int rc;

	if (doc == NULL)
		return -1;
	rc = add_str(doc, "device", device) != 0 ||
	    add(doc, "clear", wall_object(baseline->wall_s)) != 0 ||
	    add_u64(doc, "card_time_ns", baseline->card_time_ns) != 0 ? -1 : 0;
	return emit(fp, doc, rc);
}
