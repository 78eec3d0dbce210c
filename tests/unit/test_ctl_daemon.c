/*
 * spisync -- spisyncctl's daemon commands (show ike / flows / peers):
 *
 *  1. the text of the three documents (hostd/spisyncctl/fmt_daemon.c),
 *     against text written out here by hand from the layouts in
 *     docs/spisyncctl.md;
 *  2. the schema check: every member the spec (docs/spisyncctl.md, issue 6)
 *     requires is removed in turn from a good document, with the list of
 *     members written here from the spec, not taken from the code; wrong
 *     types, bad JSON, the daemon's {"error":...};
 *  3. the built spisyncctl against a control socket server (ctlsock.c) run
 *     by this test in a child process, answering with the canned documents
 *     below: output, stderr, exit status; a daemon that is not running.
 *
 *   test_ctl_daemon [--valgrind] PATH-TO-SPISYNCCTL
 *
 * --valgrind runs spisyncctl under valgrind (its errors exit 99, which no
 * case expects).
 */

#define _GNU_SOURCE   /* open_memstream, mkdtemp, setenv */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "ctlsock.h"
#include "fmt_daemon.h"

/* ---- canned documents and their text ----------------------------------- */

static const char IKE_DOC[] =
"{\"ike_sas\":["
" {\"peer\":\"strongswan\",\"spi_i\":\"0123456789abcdef\","
"  \"spi_r\":\"fedcba9876543210\",\"role\":\"responder\","
"  \"state\":\"established\",\"proposal\":\"aes128gcm16-prfsha256-ecp256\","
"  \"established\":\"2026-11-28T12:00:00Z\",\"rekey_in_s\":3300,"
"  \"local\":\"198.18.0.2:4500\",\"remote\":\"198.18.0.1:4500\","
"  \"nat_local\":false,\"nat_remote\":true,\"msg_id_in\":5,\"msg_id_out\":3,"
"  \"children\":["
"   {\"spi_in\":\"0xc1234567\",\"spi_out\":\"0xc7654321\","
"    \"proposal\":\"aes128gcm16-esn\",\"card_index\":12,\"state\":\"installed\","
"    \"established\":\"2026-11-28T12:00:01Z\",\"rekey_in_s\":1200,"
"    \"local_ts\":[\"198.18.2.0/24\"],"
"    \"remote_ts\":[\"198.18.1.0/24\",\"198.18.3.0/24[udp/5000]\"],"
"    \"packets\":1000,\"bytes\":150000},"
"   {\"spi_in\":\"0xc0000001\",\"spi_out\":\"0xc0000002\","
"    \"proposal\":\"aes256gcm16\",\"card_index\":null,\"state\":\"rekeyed\","
"    \"established\":\"2026-11-28T11:00:01Z\",\"rekey_in_s\":-5,"
"    \"local_ts\":[],\"remote_ts\":[\"0.0.0.0/0\"],"
"    \"packets\":null,\"bytes\":null}]},"
" {\"peer\":\"site-b\",\"spi_i\":\"1111111111111111\","
"  \"spi_r\":\"0000000000000000\",\"role\":\"initiator\","
"  \"state\":\"connecting\",\"proposal\":\"aes256gcm16-prfsha384-curve25519\","
"  \"established\":null,\"rekey_in_s\":null,"
"  \"local\":\"198.18.0.2:500\",\"remote\":\"198.19.0.9:500\","
"  \"nat_local\":true,\"nat_remote\":false,\"msg_id_in\":0,\"msg_id_out\":1,"
"  \"children\":[]}"
"]}\n";

static const char IKE_TEXT[] =
"spisyncd IKE SAs: 2\n"
"ike strongswan: spi 0123456789abcdef_i fedcba9876543210_r*, responder, established\n"
"    local 198.18.0.2:4500, remote 198.18.0.1:4500 (behind NAT)\n"
"    aes128gcm16-prfsha256-ecp256, established 2026-11-28T12:00:00Z, rekeying in 3300 s\n"
"    message IDs: in 5, out 3\n"
"    child spi in 0xc1234567, out 0xc7654321, installed, card index 12\n"
"        aes128gcm16-esn, established 2026-11-28T12:00:01Z, rekeying in 1200 s\n"
"        in: packets 1000, bytes 150000\n"
"        local  198.18.2.0/24\n"
"        remote 198.18.1.0/24 198.18.3.0/24[udp/5000]\n"
"    child spi in 0xc0000001, out 0xc0000002, rekeyed, not in the card\n"
"        aes256gcm16, established 2026-11-28T11:00:01Z, rekey overdue by 5 s\n"
"        in: packets -, bytes -\n"
"        local  -\n"
"        remote 0.0.0.0/0\n"
"ike site-b: spi 1111111111111111_i* 0000000000000000_r, initiator, connecting\n"
"    local 198.18.0.2:500 (behind NAT), remote 198.19.0.9:500\n"
"    aes256gcm16-prfsha384-curve25519, not established, no rekey\n"
"    message IDs: in 0, out 1\n"
"    no CHILD SAs\n";

#define STATS_OK \
"\"stats\":{\"events\":5,\"sa_miss\":4,\"other_events\":1,\"lost_events\":0," \
"\"logs\":2,\"logs_suppressed\":2,\"notify_stale\":1,\"initiated\":0," \
"\"refused_unconfigured\":1,\"refused_dynamic\":0,\"refused_disabled\":0," \
"\"refused_interval\":3,\"flightrecs\":1}"

/* no final newline: spisyncctl --json adds one */
static const char FLOWS_DOC[] =
"{\"flows\":["
" {\"src\":\"198.18.0.1\",\"dst\":\"198.18.0.2\",\"spi\":\"0xB761863E\","
"  \"spi_dec\":3076621886,\"encap\":\"udp\",\"sport\":4500,\"dport\":4500,"
"  \"peer\":\"strongswan\",\"class\":\"stuck\","
"  \"class_since\":\"2026-11-28T12:00:05Z\","
"  \"first_seen\":\"2026-11-28T12:00:00Z\","
"  \"last_seen\":\"2026-11-28T12:00:09Z\",\"events\":3,\"misses\":1201,"
"  \"logs\":1,\"logs_suppressed\":2,\"recoveries\":1,"
"  \"last_action\":\"sent DELETE for 0xB761863E\","
"  \"flightrec\":\"/var/lib/spisync/flightrec/20261128T120005Z-198.18.0.1-B761863E.pcap\","
"  \"history\":["
"   {\"time\":\"2026-11-28T12:00:00Z\",\"count\":1,\"seq\":4001,\"len\":150,"
"    \"evicted\":false},"
"   {\"time\":\"2026-11-28T12:00:05Z\",\"count\":1200,\"seq\":0,\"len\":0,"
"    \"evicted\":true}]},"
" {\"src\":\"2001:db8::7\",\"dst\":\"2001:db8::1\",\"spi\":\"0x00001000\","
"  \"spi_dec\":4096,\"encap\":\"none\",\"sport\":0,\"dport\":0,\"peer\":null,"
"  \"class\":\"transient\",\"class_since\":\"2026-11-28T12:01:00Z\","
"  \"first_seen\":\"2026-11-28T12:01:00Z\","
"  \"last_seen\":\"2026-11-28T12:01:00Z\",\"events\":1,\"misses\":1,"
"  \"logs\":1,\"logs_suppressed\":0,\"recoveries\":0,\"last_action\":null,"
"  \"flightrec\":null,\"history\":[]}"
"]," STATS_OK "}";

static const char FLOWS_TEXT[] =
"spisyncd flows: 2\n"
"    events 5 (SA misses 4, other 1, lost 0), logs 2 (suppressed 2)\n"
"    stale SPIs notified 1, IKE SAs initiated 0, flight recordings 1\n"
"    recoveries refused: not a configured peer 1, dynamic peer 0, recovery off 0, within the interval 3\n"
"flow 198.18.0.1 -> 198.18.0.2 spi 0xB761863E (3076621886) udp 4500 -> 4500, peer strongswan\n"
"    stuck since 2026-11-28T12:00:05Z; first seen 2026-11-28T12:00:00Z, last seen 2026-11-28T12:00:09Z\n"
"    events 3, misses 1201, logs 1 (suppressed 2), recoveries 1\n"
"    last action: sent DELETE for 0xB761863E\n"
"    flight recording: /var/lib/spisync/flightrec/20261128T120005Z-198.18.0.1-B761863E.pcap\n"
"    history, oldest first:\n"
"        2026-11-28T12:00:00Z     misses 1, seq 4001, len 150\n"
"        2026-11-28T12:00:05Z     misses 1200, evicted from the card's flow table\n"
"flow 2001:db8::7 -> 2001:db8::1 spi 0x00001000 (4096), no configured peer\n"
"    transient since 2026-11-28T12:01:00Z; first seen 2026-11-28T12:01:00Z, last seen 2026-11-28T12:01:00Z\n"
"    events 1, misses 1, logs 1 (suppressed 0), recoveries 0\n"
"    last action: none\n"
"    flight recording: none\n"
"    no history\n";

static const char PEERS_DOC[] =
"{\"peers\":["
" {\"name\":\"strongswan\",\"type\":\"static\",\"address\":\"198.18.0.1\","
"  \"port\":500,\"recovery\":true,\"state\":\"established\",\"ike_sas\":1,"
"  \"child_sas\":2,\"recoveries\":3,"
"  \"last_recovery\":\"2026-11-28T12:00:05Z\",\"last_error\":null},"
" {\"name\":\"roadwarriors\",\"type\":\"dynamic\",\"address\":null,"
"  \"port\":4500,\"recovery\":false,\"state\":\"down\",\"ike_sas\":0,"
"  \"child_sas\":0,\"recoveries\":0,\"last_recovery\":null,"
"  \"last_error\":\"AUTHENTICATION_FAILED from 198.18.9.9\","
"  \"a_member_added_later\":[1,2,3]}"
"]}\n";

static const char PEERS_TEXT[] =
"spisyncd peers: 2\n"
"peer strongswan: static 198.18.0.1 port 500, established, recovery on\n"
"    IKE SAs 1, CHILD SAs 2, recoveries 3, last recovery 2026-11-28T12:00:05Z\n"
"    last error: none\n"
"peer roadwarriors: dynamic (any address) port 4500, down, recovery off\n"
"    IKE SAs 0, CHILD SAs 0, recoveries 0, last recovery never\n"
"    last error: AUTHENTICATION_FAILED from 198.18.9.9\n";

/* ---- helpers ----------------------------------------------------------- */

/* On failure, the first line that differs. */
static void
assert_text(const char *got, const char *want)
{
	size_t line = 1;
	const char *g = got, *w = want;

	if (strcmp(got, want) == 0)
		return;
	while (*g != '\0' && *g == *w) {
		if (*g == '\n')
			line++;
		g++;
		w++;
	}
	print_error("text differs at line %zu:\n--- got:\n%s\n--- want:\n%s\n",
	    line, got, want);
	fail();
}

/* Parse (must succeed) and render as text; the caller frees. */
static char *
render(enum daemon_view v, const char *doc_text)
{
	struct json_object *doc = NULL;
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if (daemon_doc_parse(v, doc_text, strlen(doc_text), &doc, err,
	    sizeof(err)) != 0)
		fail_msg("refused a good document: %s", err);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(fmt_daemon_text(fp, v, doc), 0);
	assert_int_equal(fclose(fp), 0);
	json_object_put(doc);
	return buf;
}

/* Parse must fail with exactly this message. */
static void
assert_refused(enum daemon_view v, const char *text, size_t len,
    const char *want)
{
	struct json_object *doc = (struct json_object *)&doc;   /* not NULL */
	char err[512] = "";

	if (daemon_doc_parse(v, text, len, &doc, err, sizeof(err)) == 0)
		fail_msg("accepted a bad document (want \"%s\"):\n%s", want, text);
	assert_null(doc);
	assert_string_equal(err, want);
}

/* ---- 1. text ----------------------------------------------------------- */

static void
test_text_ike(void **state)
{
	char *t;

	(void)state;
	t = render(DAEMON_VIEW_IKE, IKE_DOC);
	assert_text(t, IKE_TEXT);
	free(t);
	t = render(DAEMON_VIEW_IKE, "{\"ike_sas\":[]}");
	assert_text(t, "spisyncd IKE SAs: 0\n");
	free(t);
}

static void
test_text_flows(void **state)
{
	char *t;

	(void)state;
	t = render(DAEMON_VIEW_FLOWS, FLOWS_DOC);
	assert_text(t, FLOWS_TEXT);
	free(t);
	/* counters past 2^63 are shown exactly */
	t = render(DAEMON_VIEW_FLOWS, "{\"flows\":[],\"stats\":{\"events\":"
	    "18446744073709551615,\"sa_miss\":0,\"other_events\":0,"
	    "\"lost_events\":0,\"logs\":0,\"logs_suppressed\":0,"
	    "\"notify_stale\":0,\"initiated\":0,\"refused_unconfigured\":0,"
	    "\"refused_dynamic\":0,\"refused_disabled\":0,\"refused_interval\":0,"
	    "\"flightrecs\":0}}");
	assert_text(t,
	    "spisyncd flows: 0\n"
	    "    events 18446744073709551615 (SA misses 0, other 0, lost 0), logs 0 (suppressed 0)\n"
	    "    stale SPIs notified 0, IKE SAs initiated 0, flight recordings 0\n"
	    "    recoveries refused: not a configured peer 0, dynamic peer 0, recovery off 0, within the interval 0\n");
	free(t);
}

static void
test_text_peers(void **state)
{
	char *t;

	(void)state;
	t = render(DAEMON_VIEW_PEERS, PEERS_DOC);
	assert_text(t, PEERS_TEXT);
	free(t);
}

/* ---- 2. the schema ----------------------------------------------------- */

/* The required members, from the spec. */
static const char *const IKE_KEYS[] = { "peer", "spi_i", "spi_r", "role",
	"state", "proposal", "established", "rekey_in_s", "local", "remote",
	"nat_local", "nat_remote", "msg_id_in", "msg_id_out", "children", NULL };
static const char *const CHILD_KEYS[] = { "spi_in", "spi_out", "proposal",
	"card_index", "state", "established", "rekey_in_s", "local_ts",
	"remote_ts", "packets", "bytes", NULL };
static const char *const FLOW_KEYS[] = { "src", "dst", "spi", "spi_dec",
	"encap", "sport", "dport", "peer", "class", "class_since", "first_seen",
	"last_seen", "events", "misses", "logs", "logs_suppressed", "recoveries",
	"last_action", "flightrec", "history", NULL };
static const char *const HISTORY_KEYS[] = { "time", "count", "seq", "len",
	"evicted", NULL };
static const char *const STATS_KEYS[] = { "events", "sa_miss",
	"other_events", "lost_events", "logs", "logs_suppressed", "notify_stale",
	"initiated", "refused_unconfigured", "refused_dynamic",
	"refused_disabled", "refused_interval", "flightrecs", NULL };
static const char *const PEER_KEYS[] = { "name", "type", "address", "port",
	"recovery", "state", "ike_sas", "child_sas", "recoveries",
	"last_recovery", "last_error", NULL };

/* The object at a path of member names and array indexes ("flows", "0",
 * "history", "1"), NULL-terminated. */
static struct json_object *
dig(struct json_object *doc, const char *const *path)
{
	for (; *path != NULL; path++) {
		if (json_object_get_type(doc) == json_type_array)
			doc = json_object_array_get_idx(doc, (size_t)atoi(*path));
		else
			assert_true(json_object_object_get_ex(doc, *path, &doc));
		assert_non_null(doc);
	}
	return doc;
}

/* Remove each key in turn from the object at path in good: refused, with
 * the message naming where and what. */
static void
each_key_required(enum daemon_view v, const char *good,
    const char *const *path, const char *where, const char *const *keys)
{
	char want[512];

	for (; *keys != NULL; keys++) {
		struct json_object *doc = json_tokener_parse(good);
		const char *text;

		assert_non_null(doc);
		assert_true(json_object_object_get_ex(dig(doc, path), *keys, NULL));
		json_object_object_del(dig(doc, path), *keys);
		text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
		snprintf(want, sizeof(want), "%s: bad reply: %s: member '%s' is "
		    "missing", daemon_view_request(v), where, *keys);
		assert_refused(v, text, strlen(text), want);
		json_object_put(doc);
	}
}

static void
test_required_members(void **state)
{
	static const char *const ike0[] = { "ike_sas", "0", NULL };
	static const char *const child0[] = { "ike_sas", "0", "children", "1",
		NULL };
	static const char *const flow0[] = { "flows", "1", NULL };
	static const char *const hist1[] = { "flows", "0", "history", "1", NULL };
	static const char *const stats[] = { "stats", NULL };
	static const char *const peer1[] = { "peers", "1", NULL };
	static const char *const top[] = { NULL };
	static const char *const ike_top[] = { "ike_sas", NULL };
	static const char *const flows_top[] = { "flows", "stats", NULL };
	static const char *const peers_top[] = { "peers", NULL };

	(void)state;
	each_key_required(DAEMON_VIEW_IKE, IKE_DOC, ike0, "ike_sas[0]", IKE_KEYS);
	each_key_required(DAEMON_VIEW_IKE, IKE_DOC, child0,
	    "ike_sas[0].children[1]", CHILD_KEYS);
	each_key_required(DAEMON_VIEW_FLOWS, FLOWS_DOC, flow0, "flows[1]",
	    FLOW_KEYS);
	each_key_required(DAEMON_VIEW_FLOWS, FLOWS_DOC, hist1,
	    "flows[0].history[1]", HISTORY_KEYS);
	each_key_required(DAEMON_VIEW_FLOWS, FLOWS_DOC, stats, "stats",
	    STATS_KEYS);
	each_key_required(DAEMON_VIEW_PEERS, PEERS_DOC, peer1, "peers[1]",
	    PEER_KEYS);
	each_key_required(DAEMON_VIEW_IKE, IKE_DOC, top, "the document", ike_top);
	each_key_required(DAEMON_VIEW_FLOWS, FLOWS_DOC, top, "the document",
	    flows_top);
	each_key_required(DAEMON_VIEW_PEERS, PEERS_DOC, top, "the document",
	    peers_top);
}

/* The members the spec lets be null, per object; no other may be. */
static const char *const IKE_NULLABLE[] = { "established", "rekey_in_s",
	NULL };
static const char *const CHILD_NULLABLE[] = { "card_index", "rekey_in_s",
	"packets", "bytes", NULL };
static const char *const FLOW_NULLABLE[] = { "peer", "last_action",
	"flightrec", NULL };
static const char *const PEER_NULLABLE[] = { "address", "last_recovery",
	"last_error", NULL };
static const char *const NONE_NULLABLE[] = { NULL };

static bool
listed(const char *key, const char *const *list)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, key) == 0)
			return true;
	}
	return false;
}

/* Each member in turn set to null: accepted exactly where the spec says
 * "or null". */
static void
each_key_null(enum daemon_view v, const char *good, const char *const *path,
    const char *where, const char *const *keys,
    const char *const *nullable)
{
	for (; *keys != NULL; keys++) {
		struct json_object *doc = json_tokener_parse(good), *out = NULL;
		const char *text;
		char err[512];
		int rc;

		assert_non_null(doc);
		json_object_object_add(dig(doc, path), *keys, NULL);
		text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
		rc = daemon_doc_parse(v, text, strlen(text), &out, err, sizeof(err));
		if (listed(*keys, nullable) && rc != 0)
			fail_msg("%s.%s: null refused: %s", where, *keys, err);
		if (!listed(*keys, nullable) && rc == 0)
			fail_msg("%s.%s: null accepted", where, *keys);
		if (rc != 0 && strstr(err, where) == NULL)
			fail_msg("%s.%s: error does not say where: %s", where, *keys,
			    err);
		json_object_put(out);
		json_object_put(doc);
	}
}

static void
test_null_members(void **state)
{
	static const char *const ike0[] = { "ike_sas", "0", NULL };
	static const char *const child0[] = { "ike_sas", "0", "children", "0",
		NULL };
	static const char *const flow0[] = { "flows", "0", NULL };
	static const char *const hist0[] = { "flows", "0", "history", "0", NULL };
	static const char *const stats[] = { "stats", NULL };
	static const char *const peer0[] = { "peers", "0", NULL };

	(void)state;
	each_key_null(DAEMON_VIEW_IKE, IKE_DOC, ike0, "ike_sas[0]", IKE_KEYS,
	    IKE_NULLABLE);
	each_key_null(DAEMON_VIEW_IKE, IKE_DOC, child0, "ike_sas[0].children[0]",
	    CHILD_KEYS, CHILD_NULLABLE);
	each_key_null(DAEMON_VIEW_FLOWS, FLOWS_DOC, flow0, "flows[0]",
	    FLOW_KEYS, FLOW_NULLABLE);
	each_key_null(DAEMON_VIEW_FLOWS, FLOWS_DOC, hist0, "flows[0].history[0]",
	    HISTORY_KEYS, NONE_NULLABLE);
	each_key_null(DAEMON_VIEW_FLOWS, FLOWS_DOC, stats, "stats", STATS_KEYS,
	    NONE_NULLABLE);
	each_key_null(DAEMON_VIEW_PEERS, PEERS_DOC, peer0, "peers[0]",
	    PEER_KEYS, PEER_NULLABLE);
}

#define PEER_WITH(member_text) \
	"{\"peers\":[{\"name\":\"a\",\"type\":\"static\",\"address\":null," \
	"\"recovery\":true,\"state\":\"down\",\"ike_sas\":0,\"child_sas\":0," \
	"\"recoveries\":0,\"last_recovery\":null,\"last_error\":null," \
	member_text "}]}"

static void
test_bad_documents(void **state)
{
	static const struct {
		enum daemon_view v;
		const char *text;
		const char *want;
	} cases[] = {
		{ DAEMON_VIEW_PEERS, PEER_WITH("\"port\":-1"),
		  "show peers: bad reply: peers[0].port is not an integer >= 0" },
		{ DAEMON_VIEW_PEERS, PEER_WITH("\"port\":500.5"),
		  "show peers: bad reply: peers[0].port is not an integer >= 0" },
		{ DAEMON_VIEW_PEERS, PEER_WITH("\"port\":\"500\""),
		  "show peers: bad reply: peers[0].port is not an integer >= 0" },
		{ DAEMON_VIEW_PEERS, PEER_WITH("\"port\":null"),
		  "show peers: bad reply: peers[0].port is not an integer >= 0" },
		{ DAEMON_VIEW_PEERS, "{\"peers\":{}}",
		  "show peers: bad reply: peers is not an array of objects" },
		{ DAEMON_VIEW_PEERS, "{\"peers\":[1]}",
		  "show peers: bad reply: peers[0] is not an object" },
		{ DAEMON_VIEW_PEERS, "{\"peers\":[null]}",
		  "show peers: bad reply: peers[0] is not an object" },
		{ DAEMON_VIEW_FLOWS, "{\"flows\":[],\"stats\":[]}",
		  "show flows: bad reply: stats is not an object" },
		{ DAEMON_VIEW_FLOWS, "{\"flows\":[],\"stats\":null}",
		  "show flows: bad reply: stats is not an object" },
		{ DAEMON_VIEW_IKE, "[]", "reply is not a JSON object" },
		{ DAEMON_VIEW_IKE, "\"ike_sas\"", "reply is not a JSON object" },
		{ DAEMON_VIEW_IKE, "{\"ike_sas\":[", "reply is not JSON: it ends "
		  "too early" },
		{ DAEMON_VIEW_IKE, "", "reply is not JSON: it ends too early" },
		{ DAEMON_VIEW_IKE, "{\"ike_sas\":[]} {}",
		  "reply is not JSON (offset 15): unexpected character" },
		{ DAEMON_VIEW_IKE, "{\"ike_sas\":[]}\n\n\t ",
		  NULL },
		{ DAEMON_VIEW_IKE, "{\"ike_sas\":[],}",
		  "reply is not JSON (offset 14): unexpected character" },
		{ DAEMON_VIEW_IKE, "{\"error\":\"unknown command: show ike\"}\n",
		  "spisyncd: unknown command: show ike" },
		{ DAEMON_VIEW_FLOWS, "{\"error\":\"busy\"}", "spisyncd: busy" },
		{ DAEMON_VIEW_FLOWS, "{\"error\":7}", "spisyncd: error (no message)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *doc;
		char err[512];

		if (cases[i].want != NULL) {
			assert_refused(cases[i].v, cases[i].text,
			    strlen(cases[i].text), cases[i].want);
			continue;
		}
		/* accepted: white space after the document is fine */
		if (daemon_doc_parse(cases[i].v, cases[i].text,
		    strlen(cases[i].text), &doc, err, sizeof(err)) != 0)
			fail_msg("case %zu refused: %s", i, err);
		json_object_put(doc);
	}
	/* a NUL byte inside the reply */
	assert_refused(DAEMON_VIEW_IKE, "{\"ike_sas\":[]}\0x", 16,
	    "reply holds a NUL byte");
}

/* Wrong types inside nested objects, each against the spec's type. */
static void
test_bad_types(void **state)
{
	static const struct {
		enum daemon_view v;
		const char *good;
		const char *const path[6];
		const char *key;
		const char *value;        /* JSON */
		const char *want;         /* after "VIEW: bad reply: " */
	} cases[] = {
		{ DAEMON_VIEW_IKE, IKE_DOC, { "ike_sas", "0", NULL }, "nat_local",
		  "\"yes\"", "ike_sas[0].nat_local is not true or false" },
		{ DAEMON_VIEW_IKE, IKE_DOC, { "ike_sas", "0", NULL }, "rekey_in_s",
		  "1.5", "ike_sas[0].rekey_in_s is not an integer or null" },
		{ DAEMON_VIEW_IKE, IKE_DOC, { "ike_sas", "1", NULL }, "msg_id_out",
		  "-1", "ike_sas[1].msg_id_out is not an integer >= 0" },
		{ DAEMON_VIEW_IKE, IKE_DOC, { "ike_sas", "0", NULL }, "peer",
		  "null", "ike_sas[0].peer is not a string" },
		{ DAEMON_VIEW_IKE, IKE_DOC, { "ike_sas", "0", "children", "0", NULL },
		  "local_ts", "[\"10.0.0.0/8\",1]",
		  "ike_sas[0].children[0].local_ts[1] is not a string" },
		{ DAEMON_VIEW_IKE, IKE_DOC, { "ike_sas", "0", "children", "0", NULL },
		  "remote_ts", "\"198.18.1.0/24\"",
		  "ike_sas[0].children[0].remote_ts is not an array of strings" },
		{ DAEMON_VIEW_IKE, IKE_DOC, { "ike_sas", "0", "children", "0", NULL },
		  "established", "null",
		  "ike_sas[0].children[0].established is not a string" },
		{ DAEMON_VIEW_IKE, IKE_DOC, { "ike_sas", "0", "children", "1", NULL },
		  "card_index", "true",
		  "ike_sas[0].children[1].card_index is not an integer >= 0 or null" },
		{ DAEMON_VIEW_FLOWS, FLOWS_DOC, { "flows", "0", "history", "0", NULL },
		  "evicted", "0", "flows[0].history[0].evicted is not true or false" },
		{ DAEMON_VIEW_FLOWS, FLOWS_DOC, { "flows", "1", NULL }, "spi_dec",
		  "\"4096\"", "flows[1].spi_dec is not an integer >= 0" },
		{ DAEMON_VIEW_FLOWS, FLOWS_DOC, { "flows", "1", NULL }, "peer", "3",
		  "flows[1].peer is not a string or null" },
		{ DAEMON_VIEW_FLOWS, FLOWS_DOC, { "flows", "0", NULL }, "history",
		  "[[]]", "flows[0].history[0] is not an object" },
		{ DAEMON_VIEW_FLOWS, FLOWS_DOC, { "stats", NULL }, "flightrecs",
		  "{}", "stats.flightrecs is not an integer >= 0" },
		{ DAEMON_VIEW_PEERS, PEERS_DOC, { "peers", "0", NULL }, "recovery",
		  "\"on\"", "peers[0].recovery is not true or false" },
	};
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *doc = json_tokener_parse(cases[i].good);
		struct json_object *val = json_tokener_parse(cases[i].value);
		const char *text;

		assert_non_null(doc);
		if (val == NULL)
			assert_string_equal(cases[i].value, "null");
		json_object_object_add(dig(doc, cases[i].path), cases[i].key, val);
		text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
		snprintf(want, sizeof(want), "%s: bad reply: %s",
		    daemon_view_request(cases[i].v), cases[i].want);
		assert_refused(cases[i].v, text, strlen(text), want);
		json_object_put(doc);
	}
}

/* ---- 3. the built spisyncctl against a server -------------------------- */

static const char *prog;
static bool use_valgrind;
static char tmp_root[200];
static char sock_path[300];
static unsigned servers;

/* what the server answers, per command (NULL: not registered) */
struct canned {
	const char *ike, *flows, *peers;
	bool many_flows;           /* flows: MANY_FLOWS generated */
	bool actions;              /* rekey, rekey-ike, initiate: peer "gw" */
};

#define MANY_FLOWS 5000

static volatile sig_atomic_t server_stop;

static void
on_term(int sig)
{
	(void)sig;
	server_stop = 1;
}

/* as spisyncd answers them: {"ok":true} for its one peer "gw", else an
 * error line (the socket turns it into {"error":...}); the request word is
 * echoed back in the error so the test sees which command arrived */
static int
h_action(void *ctx, const char *args, FILE *out)
{
	while (*args == ' ')
		args++;
	if (strcmp(args, "gw") == 0) {
		fputs("{\"ok\":true}\n", out);
		return 0;
	}
	fprintf(out, "%s: no peer named \"%s\"\n", (const char *)ctx, args);
	return -1;
}

static int
h_canned(void *ctx, const char *args, FILE *out)
{
	(void)args;
	fputs(ctx, out);
	return 0;
}

/* The flow i of the big document: hand-made, independent of the code. */
static void
many_flow(FILE *out, unsigned i)
{
	fprintf(out, "%s{\"src\":\"10.%u.%u.%u\",\"dst\":\"198.18.0.2\","
	    "\"spi\":\"0x%08X\",\"spi_dec\":%u,\"encap\":\"none\",\"sport\":0,"
	    "\"dport\":0,\"peer\":null,\"class\":\"new\","
	    "\"class_since\":\"2026-11-28T12:00:00Z\","
	    "\"first_seen\":\"2026-11-28T12:00:00Z\","
	    "\"last_seen\":\"2026-11-28T12:00:00Z\",\"events\":1,\"misses\":1,"
	    "\"logs\":0,\"logs_suppressed\":1,\"recoveries\":0,"
	    "\"last_action\":\"refused: not a configured peer\","
	    "\"flightrec\":null,\"history\":[{\"time\":\"2026-11-28T12:00:00Z\","
	    "\"count\":0,\"seq\":%u,\"len\":100,\"evicted\":false}]}",
	    i == 0 ? "" : ",", (i >> 16) & 255, (i >> 8) & 255, i & 255,
	    0x1000 + i, 0x1000 + i, i);
}

static int
h_many(void *ctx, const char *args, FILE *out)
{
	(void)ctx;
	(void)args;
	fputs("{\"flows\":[", out);
	for (unsigned i = 0; i < MANY_FLOWS; i++)
		many_flow(out, i);
	fputs("]," STATS_OK "}\n", out);
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The server, in a child; returns when it listens. */
static pid_t
server_start(const struct canned *c)
{
	int ready[2];
	char byte;
	pid_t pid;

	/* a new path each time: a server a failed test left behind must
	 * not make the next test fail too */
	snprintf(sock_path, sizeof(sock_path), "%s/d%u.sock", tmp_root,
	    ++servers);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sigaction sa;
		struct ctlsock *s;
		char err[256];
		int rc = 0;

		close(ready[0]);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		/* a failed assertion in the test leaves no server behind */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		alarm(300);
		if (ctlsock_open(sock_path, &s, err, sizeof(err)) != 0) {
			fprintf(stderr, "server: %s\n", err);
			_exit(3);
		}
		if (c->ike != NULL)
			rc |= ctlsock_register(s, "show ike", h_canned, (void *)c->ike);
		if (c->many_flows)
			rc |= ctlsock_register(s, "show flows", h_many, NULL);
		else if (c->flows != NULL)
			rc |= ctlsock_register(s, "show flows", h_canned,
			    (void *)c->flows);
		if (c->peers != NULL)
			rc |= ctlsock_register(s, "show peers", h_canned,
			    (void *)c->peers);
		if (c->actions) {
			rc |= ctlsock_register(s, "rekey", h_action, "rekey");
			rc |= ctlsock_register(s, "rekey-ike", h_action,
			    "rekey-ike");
			rc |= ctlsock_register(s, "initiate", h_action,
			    "initiate");
		}
		if (rc != 0 || write(ready[1], "r", 1) != 1)
			_exit(4);
		close(ready[1]);
		while (!server_stop) {
			struct pollfd p = { .fd = ctlsock_fd(s), .events = POLLIN };

			if (poll(&p, 1, 100) > 0 &&
			    ctlsock_dispatch(s, now_ms()) != 0)
				rc = 5;
			ctlsock_tick(s, now_ms());
		}
		ctlsock_close(s);
		_exit(rc);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	return pid;
}

static void
server_stop_wait(pid_t pid)
{
	int status;

	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

struct result {
	int status;
	char *out;       /* malloc */
	char err[8192];
};

static void
slurp(const char *path, char **buf)
{
	FILE *fp = fopen(path, "r");
	size_t cap = 1 << 16, len = 0, n;

	assert_non_null(fp);
	*buf = malloc(cap);
	assert_non_null(*buf);
	while ((n = fread(*buf + len, 1, cap - 1 - len, fp)) > 0) {
		len += n;
		if (len + 1 == cap) {
			cap *= 2;
			*buf = realloc(*buf, cap);
			assert_non_null(*buf);
		}
	}
	(*buf)[len] = '\0';
	fclose(fp);
}

/* Run spisyncctl with the words (NULL-terminated); env_socket sets
 * $SPISYNCD_SOCKET (NULL: unset). */
static void
run(struct result *r, const char *env_socket, ...)
{
	const char *argv[32];
	char out_path[300], err_path[300], *err_text;
	int argc = 0, status;
	va_list ap;
	const char *w;
	pid_t pid;

	if (use_valgrind) {
		argv[argc++] = "valgrind";
		argv[argc++] = "-q";
		argv[argc++] = "--error-exitcode=99";
		argv[argc++] = "--leak-check=full";
	}
	argv[argc++] = prog;
	va_start(ap, env_socket);
	while ((w = va_arg(ap, const char *)) != NULL && argc < 31)
		argv[argc++] = w;
	va_end(ap);
	argv[argc] = NULL;

	snprintf(out_path, sizeof(out_path), "%s/out", tmp_root);
	snprintf(err_path, sizeof(err_path), "%s/err", tmp_root);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		const int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		if (env_socket != NULL)
			setenv("SPISYNCD_SOCKET", env_socket, 1);
		else
			unsetenv("SPISYNCD_SOCKET");
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));   /* no signal, no crash */
	r->status = WEXITSTATUS(status);
	slurp(out_path, &r->out);
	slurp(err_path, &err_text);
	snprintf(r->err, sizeof(r->err), "%s", err_text);
	free(err_text);
}

static void
result_done(struct result *r)
{
	free(r->out);
	r->out = NULL;
}

static void
expect(struct result *r, int status, const char *out, const char *err)
{
	if (r->status != status) {
		print_error("exit %d, want %d\nstdout:\n%s\nstderr:\n%s\n",
		    r->status, status, r->out, r->err);
		fail();
	}
	assert_text(r->out, out);
	assert_text(r->err, err);
	result_done(r);
}

static void
test_cli_shows(void **state)
{
	static const struct canned c = { IKE_DOC, FLOWS_DOC, PEERS_DOC, false, false };
	const pid_t pid = server_start(&c);
	char flows_nl[sizeof(FLOWS_DOC) + 1];
	struct result r;

	(void)state;
	run(&r, NULL, "-s", sock_path, "show", "ike", NULL);
	expect(&r, 0, IKE_TEXT, "");
	run(&r, NULL, "--socket", sock_path, "show", "flows", NULL);
	expect(&r, 0, FLOWS_TEXT, "");
	/* $SPISYNCD_SOCKET when no -s */
	run(&r, sock_path, "show", "peers", NULL);
	expect(&r, 0, PEERS_TEXT, "");

	/* --json: the daemon's bytes, a newline added where missing */
	run(&r, NULL, "-s", sock_path, "--json", "show", "ike", NULL);
	expect(&r, 0, IKE_DOC, "");
	snprintf(flows_nl, sizeof(flows_nl), "%s\n", FLOWS_DOC);
	run(&r, NULL, "--json", "-s", sock_path, "show", "flows", NULL);
	expect(&r, 0, flows_nl, "");
	run(&r, sock_path, "--json", "show", "peers", NULL);
	expect(&r, 0, PEERS_DOC, "");
	server_stop_wait(pid);
}

/* rekey / rekey-ike / initiate PEER: the request line the daemon gets,
 * its answer turned into one line and the exit status */
static void
test_cli_actions(void **state)
{
	static const struct canned c = { NULL, NULL, NULL, false, true };
	const pid_t pid = server_start(&c);
	struct result r;

	(void)state;
	run(&r, NULL, "-s", sock_path, "rekey", "gw", NULL);
	expect(&r, 0, "spisyncd: rekey gw: started\n", "");
	run(&r, sock_path, "rekey-ike", "gw", NULL);
	expect(&r, 0, "spisyncd: rekey-ike gw: started\n", "");
	run(&r, NULL, "-s", sock_path, "initiate", "gw", NULL);
	expect(&r, 0, "spisyncd: initiate gw: started\n", "");
	/* the daemon's refusal, with the word it received */
	run(&r, NULL, "-s", sock_path, "rekey-ike", "nosuch", NULL);
	expect(&r, 1, "", "spisyncctl: spisyncd: rekey-ike: no peer named "
	    "\"nosuch\"\n");
	run(&r, NULL, "-s", sock_path, "initiate", "peer two", NULL);
	expect(&r, 1, "", "spisyncctl: spisyncd: initiate: no peer named "
	    "\"peer two\"\n");
	server_stop_wait(pid);
}

static void
test_cli_bad_replies(void **state)
{
	/* spi missing from the flow; no show peers command */
	static const struct canned c = {
		"{\"ike_sas\":[]} trailing",
		"{\"flows\":[{\"src\":\"198.18.0.1\"}]," STATS_OK "}",
		NULL, false, false };
	const pid_t pid = server_start(&c);
	struct result r;

	(void)state;
	run(&r, NULL, "-s", sock_path, "show", "flows", NULL);
	expect(&r, 1, "", "spisyncctl: show flows: bad reply: flows[0]: member "
	    "'dst' is missing\n");
	/* nothing passed through either */
	run(&r, NULL, "-s", sock_path, "--json", "show", "flows", NULL);
	expect(&r, 1, "", "spisyncctl: show flows: bad reply: flows[0]: member "
	    "'dst' is missing\n");
	run(&r, NULL, "-s", sock_path, "--json", "show", "ike", NULL);
	expect(&r, 1, "", "spisyncctl: reply is not JSON (offset 15): "
	    "unexpected character\n");
	/* the daemon's own error */
	run(&r, NULL, "-s", sock_path, "show", "peers", NULL);
	expect(&r, 1, "", "spisyncctl: spisyncd: unknown command: show peers\n");
	server_stop_wait(pid);
}

static void
test_cli_not_running(void **state)
{
	struct sockaddr_un addr;
	char path[300], want[600];
	struct result r;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.sock", tmp_root);
	snprintf(want, sizeof(want), "spisyncctl: spisyncd is not running "
	    "(connect %s: No such file or directory)\n", path);
	run(&r, NULL, "-s", path, "show", "ike", NULL);
	expect(&r, 1, "", want);
	/* -s wins over $SPISYNCD_SOCKET */
	run(&r, sock_path, "-s", path, "--json", "show", "peers", NULL);
	expect(&r, 1, "", want);

	/* a socket file left by a daemon that died */
	snprintf(path, sizeof(path), "%s/stale.sock", tmp_root);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(addr.sun_path));
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	snprintf(want, sizeof(want), "spisyncctl: spisyncd is not running "
	    "(connect %s: Connection refused)\n", path);
	run(&r, path, "show", "flows", NULL);
	expect(&r, 1, "", want);
	unlink(path);

	/* neither: the default path is the one named */
	run(&r, NULL, "show", "flows", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "/run/spisync/spisyncd.sock"));
	result_done(&r);

	run(&r, NULL, "-s", NULL);
	expect(&r, 2, "", "spisyncctl: -s needs a PATH\n"
	    "(spisyncctl --help for usage)\n");
	run(&r, NULL, "--prometheus", "-s", path, "show", "flows", NULL);
	expect(&r, 2, "", "spisyncctl: --prometheus is for show drops and show "
	    "sa\n(spisyncctl --help for usage)\n");
}

/* Thousands of flows: every one arrives and is shown. */
static void
test_cli_many_flows(void **state)
{
	static const struct canned c = { NULL, NULL, NULL, true, false };
	const pid_t pid = server_start(&c);
	size_t n = 0, len = 0;
	struct result r;
	char *want = NULL;
	FILE *fp;

	(void)state;
	fp = open_memstream(&want, &len);
	assert_non_null(fp);
	h_many(NULL, "", fp);
	assert_int_equal(fclose(fp), 0);

	run(&r, NULL, "-s", sock_path, "--json", "show", "flows", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(strlen(r.out), len);
	assert_true(strcmp(r.out, want) == 0);
	result_done(&r);

	run(&r, NULL, "-s", sock_path, "show", "flows", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	for (const char *p = r.out; (p = strstr(p, "\nflow 10.")) != NULL; p++)
		n++;
	assert_int_equal(n, MANY_FLOWS);
	/* the last one, as written by hand from its number */
	assert_non_null(strstr(r.out, "\nflow 10.0.19.135 -> 198.18.0.2 spi "
	    "0x00002387 (9095), no configured peer\n    new since "));
	result_done(&r);
	free(want);
	server_stop_wait(pid);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "%s/test_ctl_daemon.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp_root) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/d.sock", tmp_root);
	return 0;
}

static int
teardown(void **state)
{
	char path[300];

	(void)state;
	snprintf(path, sizeof(path), "%s/out", tmp_root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/err", tmp_root);
	unlink(path);
	return rmdir(tmp_root);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_ike),
		cmocka_unit_test(test_text_flows),
		cmocka_unit_test(test_text_peers),
		cmocka_unit_test(test_required_members),
		cmocka_unit_test(test_null_members),
		cmocka_unit_test(test_bad_documents),
		cmocka_unit_test(test_bad_types),
		cmocka_unit_test(test_cli_shows),
		cmocka_unit_test(test_cli_actions),
		cmocka_unit_test(test_cli_bad_replies),
		cmocka_unit_test(test_cli_not_running),
		cmocka_unit_test(test_cli_many_flows),
	};
	int i = 1;

	if (i < argc && strcmp(argv[i], "--valgrind") == 0) {
		use_valgrind = true;
		i++;
	}
	if (i + 1 != argc) {
		fprintf(stderr, "usage: %s [--valgrind] PATH-TO-SPISYNCCTL\n",
		    argv[0]);
		return 2;
	}
	prog = argv[i];
	return cmocka_run_group_tests(tests, setup, teardown);
}
