/*
 * spisync -- JSON outputs of spisync-sim (json_out.h).
 */

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "json_out.h"

/* Add val under key; takes val (also on failure). 0 or -1. */
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

static struct json_object *
new_hex32(uint32_t value)
{
	char text[16];

	snprintf(text, sizeof(text), "0x%08x", (unsigned)value);
	return json_object_new_string(text);
}

/* Write obj and a newline; 0 or -1. */
static int
put_line(FILE *fp, struct json_object *obj, int flags)
{
	const char *text = json_object_to_json_string_ext(obj,
	    flags | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (text == NULL)
		return -1;
	if (fputs(text, fp) == EOF || fputc('\n', fp) == EOF)
		return -1;
	return 0;
}

static struct json_object *
counters_object(const uint64_t counters[SPISYNC_NUM_REASONS])
{
	struct json_object *obj = json_object_new_object();

	if (obj == NULL)
		return NULL;
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		if (add(obj, spisync_reason_name[i],
		    json_object_new_uint64(counters[i])) != 0) {
			json_object_put(obj);
			return NULL;
		}
	}
	return obj;
}

static struct json_object *
sa_object(const struct json_sa_stats *s)
{
	struct json_object *obj = json_object_new_object();

	if (obj == NULL)
		return NULL;
	if (add(obj, "spi", new_hex32(s->spi)) != 0 ||
	    add(obj, "index", json_object_new_uint64(s->index)) != 0 ||
	    add(obj, "packets", json_object_new_uint64(s->packets)) != 0 ||
	    add(obj, "bytes", json_object_new_uint64(s->bytes)) != 0 ||
	    add(obj, "auth_fail", json_object_new_uint64(s->auth_fail)) != 0 ||
	    add(obj, "replay", json_object_new_uint64(s->replay)) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *
sa_array(const struct json_sa_stats *sa, size_t sa_count)
{
	struct json_object *arr = json_object_new_array_ext((int)sa_count);

	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < sa_count; i++) {
		struct json_object *obj = sa_object(&sa[i]);

		if (obj == NULL || json_object_array_add(arr, obj) != 0) {
			json_object_put(obj);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static struct json_object *
events_object(const struct json_event_stats *ev)
{
	struct json_object *obj = json_object_new_object();

	if (obj == NULL)
		return NULL;
	if (add(obj, "written", json_object_new_uint64(ev->written)) != 0 ||
	    add(obj, "lost", json_object_new_uint64(ev->lost)) != 0 ||
	    add(obj, "flow_suppressed", json_object_new_uint64(ev->flow_suppressed)) != 0 ||
	    add(obj, "flow_pending", json_object_new_uint64(ev->flow_pending)) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int
json_write_counters(FILE *fp, const uint64_t counters[SPISYNC_NUM_REASONS],
    const struct json_sa_stats *sa, size_t sa_count,
    const struct json_event_stats *ev)
{
	struct json_object *doc = json_object_new_object();
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (add(doc, "counters", counters_object(counters)) == 0 &&
	    add(doc, "sa", sa_array(sa, sa_count)) == 0 &&
	    (ev == NULL || add(doc, "events", events_object(ev)) == 0))
		rc = put_line(fp, doc, JSON_C_TO_STRING_PRETTY);
	json_object_put(doc);
	return rc;
}

/* ---------------------------------------------------------------------- */

static uint64_t
le_bytes(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static uint64_t
event_field(const uint8_t *record, unsigned offset, unsigned bytes)
{
	return le_bytes(record + offset, bytes);
}

#define EVENT_FIELD(r, name) \
	event_field((r), SPISYNC_EVF_##name##_OFF, SPISYNC_EVF_##name##_BYTES)

static struct json_object *
new_address(bool ipv6, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, addr, text,
	    sizeof(text)) == NULL)
		return NULL;
	return json_object_new_string(text);
}

/* NULL for an unknown type */
static const char *
event_type_name(unsigned type)
{
	return type <= SPISYNC_EV_TYPE_MAX ? spisync_event_type_name_tab[type] :
	    NULL;
}

/* What the frame that raised a record looked like. */
static int
add_frame_fields(struct json_object *obj, const uint8_t *r)
{
	const unsigned flags = r[SPISYNC_EVF_FLAGS_OFF];
	const bool ipv6 = (flags & SPISYNC_EV_FLAG_IPV6) != 0;
	const bool udp = (flags & SPISYNC_EV_FLAG_UDP) != 0;

	if (add(obj, "ip", json_object_new_int(ipv6 ? 6 : 4)) != 0 ||
	    add(obj, "src", new_address(ipv6, r + SPISYNC_EVF_SRC_OFF)) != 0 ||
	    add(obj, "dst", new_address(ipv6, r + SPISYNC_EVF_DST_OFF)) != 0 ||
	    add(obj, "spi", new_hex32((uint32_t)EVENT_FIELD(r, SPI))) != 0 ||
	    add(obj, "seq", json_object_new_uint64(EVENT_FIELD(r, SEQ))) != 0 ||
	    add(obj, "encap", json_object_new_string(udp ? "udp" : "esp")) != 0 ||
	    add(obj, "sport", json_object_new_uint64(EVENT_FIELD(r, SPORT))) != 0 ||
	    add(obj, "dport", json_object_new_uint64(EVENT_FIELD(r, DPORT))) != 0 ||
	    add(obj, "len", json_object_new_uint64(EVENT_FIELD(r, FRAME_LEN))) != 0 ||
	    add(obj, "port", json_object_new_uint64(flags >> SPISYNC_EV_FLAGS_PORT_SHIFT)) != 0 ||
	    add(obj, "rx_seq", json_object_new_uint64(EVENT_FIELD(r, RX_SEQ))) != 0)
		return -1;
	return 0;
}

static struct json_object *
event_object(const uint8_t *r, unsigned type, const char *name)
{
	const unsigned flags = r[SPISYNC_EVF_FLAGS_OFF];
	struct json_object *obj = json_object_new_object();
	int rc;

	if (obj == NULL)
		return NULL;
	rc = add(obj, "type", json_object_new_string(name));
	if (rc == 0)
		rc = add(obj, "time_ns", json_object_new_uint64(EVENT_FIELD(r, TIME_NS)));
	switch (type) {
	case SPISYNC_EV_SA_MISS:
	case SPISYNC_EV_SPI_RESERVED:
		if (rc == 0)
			rc = add_frame_fields(obj, r);
		if (rc == 0)
			rc = add(obj, "suppressed", json_object_new_uint64(EVENT_FIELD(r, COUNT)));
		if (rc == 0)
			rc = add(obj, "evicted", json_object_new_boolean(
			    (flags & SPISYNC_EV_FLAG_EVICTED) != 0));
		break;
	case SPISYNC_EV_EVENTS_LOST:
		if (rc == 0)
			rc = add(obj, "lost", json_object_new_uint64(EVENT_FIELD(r, COUNT)));
		if (rc == 0)
			rc = add(obj, "lost_misses", json_object_new_uint64(EVENT_FIELD(r, LOST_MISSES)));
		break;
	default:	/* SA events: the SA and the frame that crossed the line */
		if (rc == 0)
			rc = add(obj, "sa_index", json_object_new_uint64(EVENT_FIELD(r, SA_INDEX)));
		if (rc == 0)
			rc = add_frame_fields(obj, r);
		if (rc == 0)
			rc = add(obj, "count", json_object_new_uint64(EVENT_FIELD(r, COUNT)));
		break;
	}
	if (rc != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int
json_write_event(FILE *fp, const uint8_t record[SPISYNC_EVENT_BYTES],
    char *err, size_t errlen)
{
	const unsigned type = record[SPISYNC_EVF_TYPE_OFF];
	const char *name = event_type_name(type);
	struct json_object *obj;
	int rc;

	if (name == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "event record of unknown type %u "
			    "(RX_SEQ %u)", type, (unsigned)EVENT_FIELD(record, RX_SEQ));
		return -1;
	}
	obj = event_object(record, type, name);
	if (obj == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = put_line(fp, obj, JSON_C_TO_STRING_SPACED);
	json_object_put(obj);
	if (rc != 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "write error");
	return rc;
}
