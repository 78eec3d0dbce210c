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

int
json_write_counters(FILE *fp, const uint64_t counters[SPISYNC_NUM_REASONS],
    const struct json_sa_stats *sa, size_t sa_count)
{
	struct json_object *doc = json_object_new_object();
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (add(doc, "counters", counters_object(counters)) == 0 &&
	    add(doc, "sa", sa_array(sa, sa_count)) == 0)
		rc = put_line(fp, doc, JSON_C_TO_STRING_PRETTY);
	json_object_put(doc);
	return rc;
}

/* ---------------------------------------------------------------------- */

static uint32_t
le_bytes(const uint8_t *p, size_t n)
{
	uint32_t v = 0;

	for (size_t i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static uint32_t
event_field(const uint8_t *record, unsigned offset, unsigned bytes)
{
	return le_bytes(record + offset, bytes);
}

static struct json_object *
new_address(bool ipv6, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, addr, text,
	    sizeof(text)) == NULL)
		return NULL;
	return json_object_new_string(text);
}

static const char *
event_type_name(unsigned type)
{
	switch (type) {
	case SPISYNC_EV_SA_MISS:
		return "SA_MISS";
	case SPISYNC_EV_SPI_RESERVED:
		return "SPI_RESERVED";
	default:
		return NULL;
	}
}

static struct json_object *
event_object(const uint8_t *r, const char *type)
{
	const unsigned flags = r[SPISYNC_EVF_FLAGS_OFF];
	const bool ipv6 = (flags & SPISYNC_EV_FLAG_IPV6) != 0;
	const bool udp = (flags & SPISYNC_EV_FLAG_UDP) != 0;
	struct json_object *obj = json_object_new_object();

	if (obj == NULL)
		return NULL;
	if (add(obj, "type", json_object_new_string(type)) != 0 ||
	    add(obj, "ip", json_object_new_int(ipv6 ? 6 : 4)) != 0 ||
	    add(obj, "src", new_address(ipv6, r + SPISYNC_EVF_SRC_OFF)) != 0 ||
	    add(obj, "dst", new_address(ipv6, r + SPISYNC_EVF_DST_OFF)) != 0 ||
	    add(obj, "spi", new_hex32(event_field(r, SPISYNC_EVF_SPI_OFF,
	    SPISYNC_EVF_SPI_BYTES))) != 0 ||
	    add(obj, "seq", json_object_new_uint64(event_field(r,
	    SPISYNC_EVF_SEQ_OFF, SPISYNC_EVF_SEQ_BYTES))) != 0 ||
	    add(obj, "encap", json_object_new_string(udp ? "udp" : "esp")) != 0 ||
	    add(obj, "sport", json_object_new_uint64(event_field(r,
	    SPISYNC_EVF_SPORT_OFF, SPISYNC_EVF_SPORT_BYTES))) != 0 ||
	    add(obj, "dport", json_object_new_uint64(event_field(r,
	    SPISYNC_EVF_DPORT_OFF, SPISYNC_EVF_DPORT_BYTES))) != 0 ||
	    add(obj, "len", json_object_new_uint64(event_field(r,
	    SPISYNC_EVF_FRAME_LEN_OFF, SPISYNC_EVF_FRAME_LEN_BYTES))) != 0 ||
	    add(obj, "rx_seq", json_object_new_uint64(event_field(r,
	    SPISYNC_EVF_RX_SEQ_OFF, SPISYNC_EVF_RX_SEQ_BYTES))) != 0) {
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
			    "(RX_SEQ %u)", type, (unsigned)event_field(record,
			    SPISYNC_EVF_RX_SEQ_OFF, SPISYNC_EVF_RX_SEQ_BYTES));
		return -1;
	}
	obj = event_object(record, name);
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
