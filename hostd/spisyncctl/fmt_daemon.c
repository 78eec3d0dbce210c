/*
 * spisyncctl -- the daemon's documents: schema check and text
 * (fmt_daemon.h). Layouts, with examples, in docs/spisyncctl.md.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fmt_daemon.h"

/* ---- the schema -------------------------------------------------------- */

enum {
	T_STR = 1,
	T_UINT,          /* integer >= 0 */
	T_INT,           /* any integer */
	T_BOOL,
	T_ARRAY,         /* of objects: sub */
	T_STR_ARRAY,     /* of strings */
	T_OBJECT,        /* sub */
};
#define NULLABLE 0x100u

struct schema;

struct member {
	const char *key;
	unsigned type;                  /* T_* | NULLABLE */
	const struct schema *sub;       /* T_ARRAY, T_OBJECT */
};

struct schema {
	const struct member *m;
	size_t n;
};

#define SCHEMA(members) { members, sizeof(members) / sizeof(members[0]) }

static const struct member history_m[] = {
	{ "time", T_STR, NULL }, { "count", T_UINT, NULL },
	{ "seq", T_UINT, NULL }, { "len", T_UINT, NULL },
	{ "evicted", T_BOOL, NULL },
};
static const struct schema history_s = SCHEMA(history_m);

static const struct member flow_m[] = {
	{ "src", T_STR, NULL }, { "dst", T_STR, NULL }, { "spi", T_STR, NULL },
	{ "spi_dec", T_UINT, NULL }, { "encap", T_STR, NULL },
	{ "sport", T_UINT, NULL }, { "dport", T_UINT, NULL },
	{ "peer", T_STR | NULLABLE, NULL }, { "class", T_STR, NULL },
	{ "class_since", T_STR, NULL }, { "first_seen", T_STR, NULL },
	{ "last_seen", T_STR, NULL }, { "events", T_UINT, NULL },
	{ "misses", T_UINT, NULL }, { "logs", T_UINT, NULL },
	{ "logs_suppressed", T_UINT, NULL }, { "recoveries", T_UINT, NULL },
	{ "last_action", T_STR | NULLABLE, NULL },
	{ "flightrec", T_STR | NULLABLE, NULL },
	{ "history", T_ARRAY, &history_s },
};
static const struct schema flow_s = SCHEMA(flow_m);

static const struct member stats_m[] = {
	{ "events", T_UINT, NULL }, { "sa_miss", T_UINT, NULL },
	{ "other_events", T_UINT, NULL }, { "lost_events", T_UINT, NULL },
	{ "logs", T_UINT, NULL }, { "logs_suppressed", T_UINT, NULL },
	{ "notify_stale", T_UINT, NULL }, { "initiated", T_UINT, NULL },
	{ "refused_unconfigured", T_UINT, NULL },
	{ "refused_dynamic", T_UINT, NULL },
	{ "refused_disabled", T_UINT, NULL },
	{ "refused_interval", T_UINT, NULL }, { "flightrecs", T_UINT, NULL },
};
static const struct schema stats_s = SCHEMA(stats_m);

static const struct member flows_doc_m[] = {
	{ "flows", T_ARRAY, &flow_s }, { "stats", T_OBJECT, &stats_s },
};

static const struct member peer_m[] = {
	{ "name", T_STR, NULL }, { "type", T_STR, NULL },
	{ "address", T_STR | NULLABLE, NULL }, { "port", T_UINT, NULL },
	{ "recovery", T_BOOL, NULL }, { "state", T_STR, NULL },
	{ "ike_sas", T_UINT, NULL }, { "child_sas", T_UINT, NULL },
	{ "recoveries", T_UINT, NULL },
	{ "last_recovery", T_STR | NULLABLE, NULL },
	{ "last_error", T_STR | NULLABLE, NULL },
};
static const struct schema peer_s = SCHEMA(peer_m);

static const struct member peers_doc_m[] = {
	{ "peers", T_ARRAY, &peer_s },
};

static const struct member child_m[] = {
	{ "spi_in", T_STR, NULL }, { "spi_out", T_STR, NULL },
	{ "proposal", T_STR, NULL }, { "card_index", T_UINT | NULLABLE, NULL },
	{ "state", T_STR, NULL }, { "established", T_STR, NULL },
	{ "rekey_in_s", T_INT | NULLABLE, NULL },
	{ "local_ts", T_STR_ARRAY, NULL }, { "remote_ts", T_STR_ARRAY, NULL },
	{ "packets", T_UINT | NULLABLE, NULL },
	{ "bytes", T_UINT | NULLABLE, NULL },
};
static const struct schema child_s = SCHEMA(child_m);

static const struct member ike_m[] = {
	{ "peer", T_STR, NULL }, { "spi_i", T_STR, NULL },
	{ "spi_r", T_STR, NULL }, { "role", T_STR, NULL },
	{ "state", T_STR, NULL }, { "proposal", T_STR, NULL },
	{ "established", T_STR | NULLABLE, NULL },
	{ "rekey_in_s", T_INT | NULLABLE, NULL },
	{ "local", T_STR, NULL }, { "remote", T_STR, NULL },
	{ "nat_local", T_BOOL, NULL }, { "nat_remote", T_BOOL, NULL },
	{ "msg_id_in", T_UINT, NULL }, { "msg_id_out", T_UINT, NULL },
	{ "children", T_ARRAY, &child_s },
};
static const struct schema ike_s = SCHEMA(ike_m);

static const struct member ike_doc_m[] = {
	{ "ike_sas", T_ARRAY, &ike_s },
};

static const struct schema doc_schema[] = {
	[DAEMON_VIEW_IKE] = SCHEMA(ike_doc_m),
	[DAEMON_VIEW_FLOWS] = SCHEMA(flows_doc_m),
	[DAEMON_VIEW_PEERS] = SCHEMA(peers_doc_m),
};

const char *
daemon_view_request(enum daemon_view v)
{
	switch (v) {
	case DAEMON_VIEW_IKE:
		return "show ike";
	case DAEMON_VIEW_FLOWS:
		return "show flows";
	case DAEMON_VIEW_PEERS:
	default:
		return "show peers";
	}
}

static const char *
type_name(unsigned type)
{
	switch (type & ~NULLABLE) {
	case T_STR:
		return "a string";
	case T_UINT:
		return "an integer >= 0";
	case T_INT:
		return "an integer";
	case T_BOOL:
		return "true or false";
	case T_ARRAY:
		return "an array of objects";
	case T_STR_ARRAY:
		return "an array of strings";
	case T_OBJECT:
	default:
		return "an object";
	}
}

static bool
type_ok(struct json_object *val, unsigned type)
{
	const enum json_type jt = json_object_get_type(val);

	if (jt == json_type_null)
		return (type & NULLABLE) != 0;
	switch (type & ~NULLABLE) {
	case T_STR:
		return jt == json_type_string;
	case T_UINT:
		/* a value above INT64_MAX reads back as INT64_MAX: >= 0 too */
		return jt == json_type_int && json_object_get_int64(val) >= 0;
	case T_INT:
		return jt == json_type_int;
	case T_BOOL:
		return jt == json_type_boolean;
	case T_ARRAY:
	case T_STR_ARRAY:
		return jt == json_type_array;
	case T_OBJECT:
	default:
		return jt == json_type_object;
	}
}

static int check_object(struct json_object *obj, const struct schema *s,
    const char *where, char *err, size_t errlen);

/* "where.key" or "key" at the top */
static void
path_join(char *out, size_t outlen, const char *where, const char *key)
{
	int n;

	if (where[0] == '\0')
		n = snprintf(out, outlen, "%s", key);
	else
		n = snprintf(out, outlen, "%s.%s", where, key);
	if (n < 0 || (size_t)n >= outlen)   /* cut: still a readable path */
		out[outlen - 1] = '\0';
}

static int
check_array(struct json_object *arr, const struct member *m,
    const char *path, char *err, size_t errlen)
{
	const size_t n = json_object_array_length(arr);
	char item[256];

	for (size_t i = 0; i < n; i++) {
		struct json_object *el = json_object_array_get_idx(arr, i);

		/* the schema is 4 levels deep: a path never nears the size */
		if (snprintf(item, sizeof(item), "%s[%zu]", path, i) >=
		    (int)sizeof(item))
			item[sizeof(item) - 1] = '\0';
		if ((m->type & ~NULLABLE) == T_STR_ARRAY) {
			if (json_object_get_type(el) != json_type_string) {
				snprintf(err, errlen, "%s is not a string", item);
				return -1;
			}
		} else if (json_object_get_type(el) != json_type_object) {
			snprintf(err, errlen, "%s is not an object", item);
			return -1;
		} else if (check_object(el, m->sub, item, err, errlen) != 0) {
			return -1;
		}
	}
	return 0;
}

static int
check_object(struct json_object *obj, const struct schema *s,
    const char *where, char *err, size_t errlen)
{
	char path[256];

	for (size_t i = 0; i < s->n; i++) {
		const struct member *m = &s->m[i];
		struct json_object *val;

		path_join(path, sizeof(path), where, m->key);
		if (!json_object_object_get_ex(obj, m->key, &val)) {
			snprintf(err, errlen, "%s: member '%s' is missing",
			    where[0] != '\0' ? where : "the document", m->key);
			return -1;
		}
		if (!type_ok(val, m->type)) {
			snprintf(err, errlen, "%s is not %s%s", path,
			    type_name(m->type),
			    (m->type & NULLABLE) != 0 ? " or null" : "");
			return -1;
		}
		if (val == NULL)
			continue;
		if ((m->type & ~NULLABLE) == T_OBJECT &&
		    check_object(val, m->sub, path, err, errlen) != 0)
			return -1;
		if (((m->type & ~NULLABLE) == T_ARRAY ||
		    (m->type & ~NULLABLE) == T_STR_ARRAY) &&
		    check_array(val, m, path, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
daemon_doc_parse(enum daemon_view v, const char *text, size_t len,
    struct json_object **doc, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj, *msg;
	size_t used;
	enum json_tokener_error jerr;

	*doc = NULL;
	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "reply too large to parse");
		return -1;
	}
	if (strlen(text) != len) {
		snprintf(err, errlen, "reply holds a NUL byte");
		return -1;
	}
	tok = json_tokener_new();
	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* strict: RFC 8259 only, and nothing but white space after the
	 * document (json-c then reports the first other byte) */
	if (obj == NULL || jerr != json_tokener_success || used != len) {
		json_object_put(obj);
		if (jerr == json_tokener_continue || jerr == json_tokener_success)
			snprintf(err, errlen, "reply is not JSON: it ends too early");
		else
			snprintf(err, errlen, "reply is not JSON (offset %zu): %s",
			    used, json_tokener_error_desc(jerr));
		return -1;
	}
	if (json_object_get_type(obj) != json_type_object) {
		json_object_put(obj);
		snprintf(err, errlen, "reply is not a JSON object");
		return -1;
	}
	if (json_object_object_get_ex(obj, "error", &msg)) {
		snprintf(err, errlen, "spisyncd: %s",
		    json_object_get_type(msg) == json_type_string ?
		    json_object_get_string(msg) : "error (no message)");
		json_object_put(obj);
		return -1;
	}
	if (check_object(obj, &doc_schema[v], "", err, errlen) != 0) {
		char what[512];

		snprintf(what, sizeof(what), "%s", err);
		snprintf(err, errlen, "%s: bad reply: %s", daemon_view_request(v),
		    what);
		json_object_put(obj);
		return -1;
	}
	*doc = obj;
	return 0;
}

/* ---- reading checked members ------------------------------------------- */

static struct json_object *
member(struct json_object *obj, const char *key)
{
	struct json_object *val = NULL;

	json_object_object_get_ex(obj, key, &val);
	return val;
}

static const char *
str(struct json_object *obj, const char *key)
{
	return json_object_get_string(member(obj, key));
}

/* a string member, or none_text for null */
static const char *
str_or(struct json_object *obj, const char *key, const char *none_text)
{
	struct json_object *val = member(obj, key);

	return val == NULL ? none_text : json_object_get_string(val);
}

static uint64_t
u64(struct json_object *obj, const char *key)
{
	return json_object_get_uint64(member(obj, key));
}

static bool
boolean(struct json_object *obj, const char *key)
{
	return json_object_get_boolean(member(obj, key));
}

static bool
is_null(struct json_object *obj, const char *key)
{
	return member(obj, key) == NULL;
}

static int
done(FILE *fp)
{
	return ferror(fp) ? -1 : 0;
}

/* "rekeying in N s", "rekey overdue by N s" or "no rekey" */
static void
rekey_text(FILE *fp, struct json_object *obj)
{
	struct json_object *val = member(obj, "rekey_in_s");
	int64_t s;

	if (val == NULL) {
		fprintf(fp, "no rekey");
		return;
	}
	s = json_object_get_int64(val);
	if (s >= 0)
		fprintf(fp, "rekeying in %" PRId64 " s", s);
	else
		fprintf(fp, "rekey overdue by %" PRIu64 " s",
		    (uint64_t)0 - (uint64_t)s);
}

/* ---- show ike ---------------------------------------------------------- */

static void
ts_lines(FILE *fp, const char *label, struct json_object *arr)
{
	const size_t n = json_object_array_length(arr);

	fprintf(fp, "        %-6s ", label);
	if (n == 0)
		fprintf(fp, "-");
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s%s", i > 0 ? " " : "",
		    json_object_get_string(json_object_array_get_idx(arr, i)));
	fprintf(fp, "\n");
}

static void
child_text(FILE *fp, struct json_object *c)
{
	fprintf(fp, "    child spi in %s, out %s, %s, ", str(c, "spi_in"),
	    str(c, "spi_out"), str(c, "state"));
	if (is_null(c, "card_index"))
		fprintf(fp, "not in the card\n");
	else
		fprintf(fp, "card index %" PRIu64 "\n", u64(c, "card_index"));
	fprintf(fp, "        %s, established %s, ", str(c, "proposal"),
	    str(c, "established"));
	rekey_text(fp, c);
	fprintf(fp, "\n");
	if (is_null(c, "packets"))
		fprintf(fp, "        in: packets -, ");
	else
		fprintf(fp, "        in: packets %" PRIu64 ", ", u64(c, "packets"));
	if (is_null(c, "bytes"))
		fprintf(fp, "bytes -\n");
	else
		fprintf(fp, "bytes %" PRIu64 "\n", u64(c, "bytes"));
	ts_lines(fp, "local", member(c, "local_ts"));
	ts_lines(fp, "remote", member(c, "remote_ts"));
}

static void
ike_text(FILE *fp, struct json_object *sa)
{
	const bool initiator = strcmp(str(sa, "role"), "initiator") == 0;
	struct json_object *children = member(sa, "children");
	const size_t n = json_object_array_length(children);

	/* '*' marks our own SPI, as swanctl --list-sas does */
	fprintf(fp, "ike %s: spi %s_i%s %s_r%s, %s, %s\n", str(sa, "peer"),
	    str(sa, "spi_i"), initiator ? "*" : "", str(sa, "spi_r"),
	    initiator ? "" : "*", str(sa, "role"), str(sa, "state"));
	fprintf(fp, "    local %s%s, remote %s%s\n", str(sa, "local"),
	    boolean(sa, "nat_local") ? " (behind NAT)" : "", str(sa, "remote"),
	    boolean(sa, "nat_remote") ? " (behind NAT)" : "");
	fprintf(fp, "    %s, ", str(sa, "proposal"));
	if (is_null(sa, "established"))
		fprintf(fp, "not established, ");
	else
		fprintf(fp, "established %s, ", str(sa, "established"));
	rekey_text(fp, sa);
	fprintf(fp, "\n    message IDs: in %" PRIu64 ", out %" PRIu64 "\n",
	    u64(sa, "msg_id_in"), u64(sa, "msg_id_out"));
	if (n == 0)
		fprintf(fp, "    no CHILD SAs\n");
	for (size_t i = 0; i < n; i++)
		child_text(fp, json_object_array_get_idx(children, i));
}

static int
ike_doc_text(FILE *fp, struct json_object *doc)
{
	struct json_object *sas = member(doc, "ike_sas");
	const size_t n = json_object_array_length(sas);

	fprintf(fp, "spisyncd IKE SAs: %zu\n", n);
	for (size_t i = 0; i < n; i++)
		ike_text(fp, json_object_array_get_idx(sas, i));
	return done(fp);
}

/* ---- show flows -------------------------------------------------------- */

static void
history_text(FILE *fp, struct json_object *h)
{
	fprintf(fp, "        %-24s misses %" PRIu64, str(h, "time"),
	    u64(h, "count"));
	/* an evicted flow's record carries no packet */
	if (boolean(h, "evicted"))
		fprintf(fp, ", evicted from the card's flow table\n");
	else
		fprintf(fp, ", seq %" PRIu64 ", len %" PRIu64 "\n", u64(h, "seq"),
		    u64(h, "len"));
}

static void
flow_text(FILE *fp, struct json_object *f)
{
	struct json_object *hist = member(f, "history");
	const size_t n = json_object_array_length(hist);

	fprintf(fp, "flow %s -> %s spi %s (%" PRIu64 ")", str(f, "src"),
	    str(f, "dst"), str(f, "spi"), u64(f, "spi_dec"));
	if (strcmp(str(f, "encap"), "none") != 0)
		fprintf(fp, " %s %" PRIu64 " -> %" PRIu64, str(f, "encap"),
		    u64(f, "sport"), u64(f, "dport"));
	if (is_null(f, "peer"))
		fprintf(fp, ", no configured peer\n");
	else
		fprintf(fp, ", peer %s\n", str(f, "peer"));
	fprintf(fp, "    %s since %s; first seen %s, last seen %s\n",
	    str(f, "class"), str(f, "class_since"), str(f, "first_seen"),
	    str(f, "last_seen"));
	fprintf(fp, "    events %" PRIu64 ", misses %" PRIu64 ", logs %" PRIu64
	    " (suppressed %" PRIu64 "), recoveries %" PRIu64 "\n",
	    u64(f, "events"), u64(f, "misses"), u64(f, "logs"),
	    u64(f, "logs_suppressed"), u64(f, "recoveries"));
	fprintf(fp, "    last action: %s\n", str_or(f, "last_action", "none"));
	fprintf(fp, "    flight recording: %s\n", str_or(f, "flightrec", "none"));
	if (n == 0) {
		fprintf(fp, "    no history\n");
		return;
	}
	fprintf(fp, "    history, oldest first:\n");
	for (size_t i = 0; i < n; i++)
		history_text(fp, json_object_array_get_idx(hist, i));
}

static int
flows_doc_text(FILE *fp, struct json_object *doc)
{
	struct json_object *flows = member(doc, "flows");
	struct json_object *st = member(doc, "stats");
	const size_t n = json_object_array_length(flows);

	fprintf(fp, "spisyncd flows: %zu\n", n);
	fprintf(fp, "    events %" PRIu64 " (SA misses %" PRIu64 ", other %" PRIu64
	    ", lost %" PRIu64 "), logs %" PRIu64 " (suppressed %" PRIu64 ")\n",
	    u64(st, "events"), u64(st, "sa_miss"), u64(st, "other_events"),
	    u64(st, "lost_events"), u64(st, "logs"), u64(st, "logs_suppressed"));
	fprintf(fp, "    stale SPIs notified %" PRIu64 ", IKE SAs initiated %"
	    PRIu64 ", flight recordings %" PRIu64 "\n", u64(st, "notify_stale"),
	    u64(st, "initiated"), u64(st, "flightrecs"));
	fprintf(fp, "    recoveries refused: not a configured peer %" PRIu64
	    ", dynamic peer %" PRIu64 ", recovery off %" PRIu64
	    ", within the interval %" PRIu64 "\n", u64(st, "refused_unconfigured"),
	    u64(st, "refused_dynamic"), u64(st, "refused_disabled"),
	    u64(st, "refused_interval"));
	for (size_t i = 0; i < n; i++)
		flow_text(fp, json_object_array_get_idx(flows, i));
	return done(fp);
}

/* ---- show peers -------------------------------------------------------- */

static void
peer_text(FILE *fp, struct json_object *p)
{
	fprintf(fp, "peer %s: %s %s port %" PRIu64 ", %s, recovery %s\n",
	    str(p, "name"), str(p, "type"), str_or(p, "address", "(any address)"),
	    u64(p, "port"), str(p, "state"), boolean(p, "recovery") ? "on" : "off");
	fprintf(fp, "    IKE SAs %" PRIu64 ", CHILD SAs %" PRIu64 ", recoveries %"
	    PRIu64 ", last recovery %s\n", u64(p, "ike_sas"),
	    u64(p, "child_sas"), u64(p, "recoveries"),
	    str_or(p, "last_recovery", "never"));
	fprintf(fp, "    last error: %s\n", str_or(p, "last_error", "none"));
}

static int
peers_doc_text(FILE *fp, struct json_object *doc)
{
	struct json_object *peers = member(doc, "peers");
	const size_t n = json_object_array_length(peers);

	fprintf(fp, "spisyncd peers: %zu\n", n);
	for (size_t i = 0; i < n; i++)
		peer_text(fp, json_object_array_get_idx(peers, i));
	return done(fp);
}

int
fmt_daemon_text(FILE *fp, enum daemon_view v, struct json_object *doc)
{
	switch (v) {
	case DAEMON_VIEW_IKE:
		return ike_doc_text(fp, doc);
	case DAEMON_VIEW_FLOWS:
		return flows_doc_text(fp, doc);
	case DAEMON_VIEW_PEERS:
	default:
		return peers_doc_text(fp, doc);
	}
}
