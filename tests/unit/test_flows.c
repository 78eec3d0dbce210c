/*
 * spisync -- unit tests of spisyncd's miss flow table (flows.c), the
 * invalid-SPI syslog line (misslog.c) and the `show flows` JSON.
 *
 * Oracles: the syslog line is the brief's example, written out by hand
 * byte for byte; IPv6 forms are RFC 5952's (checked with Python's
 * ipaddress); times come from `date -u -d 2026-11-28T15:00:01 +%s` =
 * 1795878001; the JSON is parsed back with json-c and checked field by
 * field. Table bounds and eviction order are counted by hand.
 *
 *   test_flows
 */

#define _GNU_SOURCE   /* open_memstream */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "flows.h"
#include "misslog.h"

#define T0_S 1795878001ULL              /* 2026-11-28T15:00:01Z */

static struct flow_key
key4(uint8_t s3, uint8_t d3, uint32_t spi)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.src[0] = 198; k.src[1] = 18; k.src[2] = 0; k.src[3] = s3;
	k.dst[0] = 198; k.dst[1] = 18; k.dst[2] = 0; k.dst[3] = d3;
	k.spi = spi;
	return k;
}

/* ---- the syslog line -------------------------------------------------- */

static void
test_misslog_brief_example(void **state)
{
	struct flow_key k = key4(1, 2, 0xB761863Eu);
	const char *want = "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC "
	    "packet has invalid spi for destaddr=198.18.0.2, prot=50, "
	    "spi=0xB761863E(3076621886), srcaddr=198.18.0.1";
	char buf[256];

	(void)state;
	assert_int_equal(misslog_format(&k, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void
test_misslog_udp(void **state)
{
	struct flow_key k = key4(1, 2, 0xB761863Eu);
	const char *want = "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC "
	    "packet has invalid spi for destaddr=198.18.0.2, prot=50, "
	    "spi=0xB761863E(3076621886), srcaddr=198.18.0.1, srcport=4500, "
	    "dstport=4501";
	char buf[256];

	(void)state;
	k.udp = true;
	k.sport = 4500;
	k.dport = 4501;
	assert_int_equal(misslog_format(&k, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void
test_misslog_ipv6_and_spis(void **state)
{
	struct flow_key k;
	char buf[256];
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
	    [15] = 1 };

	(void)state;
	memset(&k, 0, sizeof(k));
	k.ipv6 = true;
	memcpy(k.src, a, 16);
	memcpy(k.dst, b, 16);
	k.spi = 0xFFFFFFFFu;
	assert_true(misslog_format(&k, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd "
	    "IPSEC packet has invalid spi for destaddr=2001:db8:0:1::1, "
	    "prot=50, spi=0xFFFFFFFF(4294967295), srcaddr=2001:db8::1");
	k.spi = 0xFF000000u;
	assert_true(misslog_format(&k, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "spi=0xFF000000(4278190080),"));
	k.spi = 0x100;  /* leading zeros: always 8 digits */
	assert_true(misslog_format(&k, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "spi=0x00000100(256),"));
	k.spi = 0xabcdef12u;  /* upper case */
	assert_true(misslog_format(&k, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "spi=0xABCDEF12(2882400018),"));
}

static void
test_misslog_small_buffer(void **state)
{
	struct flow_key k = key4(1, 2, 0xB761863Eu);
	char buf[256];
	int n;

	(void)state;
	n = misslog_format(&k, buf, sizeof(buf));
	assert_true(n > 0);
	/* exactly n + 1 fits; n does not, and leaves no cut line behind */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(misslog_format(&k, buf, (size_t)n + 1), n);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(misslog_format(&k, buf, (size_t)n), -1);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(misslog_format(&k, buf, 10), -1);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(misslog_format(&k, buf, 0), -1);
}

static void
test_misslog_rate_limit(void **state)
{
	struct flow f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_true(misslog_due(&f, 5, 60000));         /* never logged */
	misslog_note(&f, true, 5);
	assert_false(misslog_due(&f, 5, 60000));
	assert_false(misslog_due(&f, 60004, 60000));    /* 1 ms early */
	misslog_note(&f, false, 60004);
	assert_true(misslog_due(&f, 60005, 60000));     /* to the ms */
	misslog_note(&f, true, 60005);
	assert_int_equal(f.logs, 2);
	assert_int_equal(f.logs_suppressed, 1);
	assert_int_equal(f.last_log_ms, 60005);
}

/* ---- the table -------------------------------------------------------- */

static void
test_table_bound_and_eviction(void **state)
{
	struct flow_table *t;
	struct flow *f, *stuck;
	struct flow_key k;

	(void)state;
	assert_int_equal(flow_table_new(0, &t), -22);
	assert_int_equal(flow_table_new(4, &t), 0);
	for (uint32_t i = 0; i < 4; i++) {
		k = key4(1, 2, 0x1000 + i);
		f = flow_table_get(t, &k, true, 100 + i);
		assert_non_null(f);
		assert_int_equal(f->cls, FLOW_NEW);
		assert_int_equal(f->first_ms, 100 + i);
	}
	/* the oldest (spi 0x1000) is protected: stuck */
	k = key4(1, 2, 0x1000);
	stuck = flow_table_get(t, &k, false, 0);
	assert_non_null(stuck);
	flow_table_set_class(t, stuck, FLOW_STUCK, 200, 0);
	/* touching 0x1001 makes 0x1002 the oldest evictable */
	k = key4(1, 2, 0x1001);
	assert_non_null(flow_table_get(t, &k, true, 300));
	k = key4(1, 2, 0x2000);
	assert_non_null(flow_table_get(t, &k, true, 301));
	assert_int_equal(flow_table_count(t), 4);
	assert_int_equal(flow_table_evictions(t), 1);
	k = key4(1, 2, 0x1002);
	assert_null(flow_table_get(t, &k, false, 0));
	k = key4(1, 2, 0x1000);
	assert_ptr_equal(flow_table_get(t, &k, false, 0), stuck);
	k = key4(1, 2, 0x1003);
	assert_non_null(flow_table_get(t, &k, false, 0));

	/* every flow protected: the least recently seen protected one goes */
	for (uint32_t spi = 0x1001; spi <= 0x1003; spi++) {
		k = key4(1, 2, spi);
		f = flow_table_get(t, &k, false, 0);
		if (f != NULL)
			flow_table_set_class(t, f, FLOW_RECOVERING, 400, 0);
	}
	k = key4(1, 2, 0x2000);
	flow_table_set_class(t, flow_table_get(t, &k, false, 0), FLOW_STUCK,
	    400, 0);
	k = key4(1, 2, 0x3000);
	assert_non_null(flow_table_get(t, &k, true, 500));
	assert_int_equal(flow_table_count(t), 4);
	k = key4(1, 2, 0x1000);       /* stuck at 100, touched least */
	assert_null(flow_table_get(t, &k, false, 0));
	flow_table_free(t);
}

static void
test_table_key_normalized(void **state)
{
	struct flow_table *t;
	struct flow_key a = key4(1, 2, 7), b = key4(1, 2, 7);
	struct flow *f;

	(void)state;
	assert_int_equal(flow_table_new(16, &t), 0);
	f = flow_table_get(t, &a, true, 1);
	/* IPv4: bytes beyond the 4 do not make another flow; nor do ports
	 * of plain ESP */
	memset(b.src + 4, 0xee, 12);
	b.sport = 99;
	assert_ptr_equal(flow_table_get(t, &b, true, 2), f);
	assert_int_equal(f->last_ms, 2);
	/* UDP and its ports, IPv6, SPI: each another flow */
	b = a;
	b.udp = true;
	b.sport = b.dport = 4500;
	assert_ptr_not_equal(flow_table_get(t, &b, true, 3), f);
	b.dport = 4501;
	flow_table_get(t, &b, true, 3);
	b = a;
	b.ipv6 = true;
	flow_table_get(t, &b, true, 3);
	b = a;
	b.spi = 8;
	flow_table_get(t, &b, true, 3);
	b = a;
	b.dst[3] = 3;
	flow_table_get(t, &b, true, 3);
	assert_int_equal(flow_table_count(t), 6);
	flow_table_free(t);
}

struct order {
	uint32_t spis[16];
	size_t n;
};

static void
collect(struct flow *f, void *arg)
{
	struct order *o = arg;

	o->spis[o->n++] = f->key.spi;
}

static void
test_table_order_and_expire(void **state)
{
	struct flow_table *t;
	struct flow_key k;
	struct order o = { .n = 0 };

	(void)state;
	assert_int_equal(flow_table_new(16, &t), 0);
	for (uint32_t i = 1; i <= 5; i++) {
		k = key4(1, 2, i);
		flow_table_get(t, &k, true, i * 1000);
	}
	k = key4(1, 2, 2);
	flow_table_get(t, &k, true, 9000);      /* 2 most recent now */
	k = key4(1, 2, 1);
	flow_table_set_class(t, flow_table_get(t, &k, false, 0), FLOW_STUCK,
	    9500, 0);
	flow_table_foreach(t, collect, &o);
	assert_int_equal(o.n, 5);
	assert_int_equal(o.spis[0], 2);
	assert_int_equal(o.spis[1], 5);
	assert_int_equal(o.spis[2], 4);
	assert_int_equal(o.spis[3], 3);
	assert_int_equal(o.spis[4], 1);
	/* idle more than 6000 ms at 10000: spis 1 (stuck: kept), 3;
	 * spi 4 (idle exactly 6000) stays */
	flow_table_expire(t, 10000, 6000);
	o.n = 0;
	flow_table_foreach(t, collect, &o);
	assert_int_equal(o.n, 4);
	assert_int_equal(o.spis[0], 2);
	assert_int_equal(o.spis[1], 5);
	assert_int_equal(o.spis[2], 4);
	assert_int_equal(o.spis[3], 1);
	flow_table_free(t);
}

static void
test_history_ring(void **state)
{
	struct flow f;
	struct flow_miss m;

	(void)state;
	memset(&f, 0, sizeof(f));
	memset(&m, 0, sizeof(m));
	for (uint32_t i = 0; i < 40; i++) {
		m.seq = i;
		flow_add_miss(&f, &m);
		assert_int_equal(f.hist_n, i + 1 < FLOW_HISTORY ? i + 1 :
		    FLOW_HISTORY);
		assert_int_equal(flow_hist_at(&f, f.hist_n - 1)->seq, i);
	}
	for (size_t i = 0; i < FLOW_HISTORY; i++)
		assert_int_equal(flow_hist_at(&f, i)->seq, 40 - FLOW_HISTORY + i);
}

static void
test_time_str(void **state)
{
	char buf[40];

	(void)state;
	assert_int_equal(flow_time_str(T0_S * 1000000000ULL + 123456789u, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "2026-11-28T15:00:01.123Z");
	assert_int_equal(flow_time_str(946684800ULL * 1000000000ULL + 999999,
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2000-01-01T00:00:00.000Z");
	assert_int_equal(flow_time_str(0, buf, 24), -1);   /* needs 25 */
}

/* ---- JSON ------------------------------------------------------------- */

static struct json_object *
get(struct json_object *o, const char *name)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, name, &v));
	return v;
}

static void
expect_str(struct json_object *o, const char *name, const char *want)
{
	struct json_object *v = get(o, name);

	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

static void
expect_int(struct json_object *o, const char *name, int64_t want)
{
	struct json_object *v = get(o, name);

	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), want);
}

static void
test_json(void **state)
{
	struct flow_table *t;
	struct flow_key k = key4(1, 2, 0xB761863Eu), k2;
	struct flow *f;
	struct flow_miss m = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	struct json_object *root, *arr, *o, *h;
	const uint64_t t0 = T0_S * 1000000000ULL;
	static const char weird[] = "we\"ird\\name\n\x01/";

	(void)state;
	assert_int_equal(flow_table_new(8, &t), 0);
	k.udp = true;
	k.sport = 4500;
	k.dport = 4500;
	f = flow_table_get(t, &k, true, 10);
	snprintf(f->peer, sizeof(f->peer), "%s", weird);
	f->first_wall_ns = t0 + 123000000u;
	f->last_wall_ns = t0 + 2 * 1000000000ULL + 5000000u;
	flow_table_set_class(t, f, FLOW_STUCK, 11, t0 + 1000000000ULL);
	f->events = 3;
	f->misses = 1001;
	f->episodes = 1;
	f->logs = 1;
	f->logs_suppressed = 2;
	f->recoveries = 0;
	snprintf(f->last_action, sizeof(f->last_action), "refused: x");
	m.wall_ns = t0 + 123000000u;
	m.seq = 77;
	m.frame_len = 1400;
	m.count = 0;
	flow_add_miss(f, &m);
	m.wall_ns = t0 + 2 * 1000000000ULL + 5000000u;
	m.seq = 0;
	m.frame_len = 0;
	m.count = 999;
	m.evicted = true;
	flow_add_miss(f, &m);
	/* a second, older flow: plain ESP, no peer */
	k2 = key4(9, 2, 0x101);
	flow_table_get(t, &k2, true, 5);

	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	assert_int_equal(flows_json(t, fp), 0);
	fclose(fp);
	root = json_tokener_parse(text);
	assert_non_null(root);
	arr = get(root, "flows");
	assert_int_equal(json_object_array_length(arr), 2);
	o = json_object_array_get_idx(arr, 0);
	expect_str(o, "src", "198.18.0.1");
	expect_str(o, "dst", "198.18.0.2");
	expect_str(o, "spi", "0xB761863E");
	expect_int(o, "spi_dec", 3076621886LL);
	expect_str(o, "encap", "udp");
	expect_int(o, "sport", 4500);
	expect_int(o, "dport", 4500);
	expect_str(o, "peer", weird);
	expect_str(o, "class", "stuck");
	expect_str(o, "class_since", "2026-11-28T15:00:02.000Z");
	expect_str(o, "first_seen", "2026-11-28T15:00:01.123Z");
	expect_str(o, "last_seen", "2026-11-28T15:00:03.005Z");
	expect_int(o, "events", 3);
	expect_int(o, "misses", 1001);
	expect_int(o, "logs", 1);
	expect_int(o, "logs_suppressed", 2);
	expect_int(o, "recoveries", 0);
	expect_str(o, "last_action", "refused: x");
	assert_null(get(o, "flightrec"));
	h = get(o, "history");
	assert_int_equal(json_object_array_length(h), 2);
	expect_str(json_object_array_get_idx(h, 0), "time",
	    "2026-11-28T15:00:01.123Z");
	expect_int(json_object_array_get_idx(h, 0), "seq", 77);
	expect_int(json_object_array_get_idx(h, 0), "len", 1400);
	expect_int(json_object_array_get_idx(h, 0), "count", 0);
	assert_false(json_object_get_boolean(get(json_object_array_get_idx(h,
	    0), "evicted")));
	expect_int(json_object_array_get_idx(h, 1), "count", 999);
	assert_true(json_object_get_boolean(get(json_object_array_get_idx(h,
	    1), "evicted")));

	o = json_object_array_get_idx(arr, 1);
	expect_str(o, "src", "198.18.0.9");
	expect_str(o, "spi", "0x00000101");
	expect_str(o, "encap", "none");
	expect_int(o, "sport", 0);
	assert_null(get(o, "peer"));
	expect_str(o, "class", "new");
	json_object_put(root);
	free(text);
	flow_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_misslog_brief_example),
		cmocka_unit_test(test_misslog_udp),
		cmocka_unit_test(test_misslog_ipv6_and_spis),
		cmocka_unit_test(test_misslog_small_buffer),
		cmocka_unit_test(test_misslog_rate_limit),
		cmocka_unit_test(test_table_bound_and_eviction),
		cmocka_unit_test(test_table_key_normalized),
		cmocka_unit_test(test_table_order_and_expire),
		cmocka_unit_test(test_history_ring),
		cmocka_unit_test(test_time_str),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
