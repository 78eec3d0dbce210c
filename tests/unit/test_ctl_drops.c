/*
 * spisync -- unit tests of spisyncctl's counter arithmetic and state
 * (hostd/spisyncctl/drops.c, state_file.c): counts since `clear counters`,
 * changes since the previous show, card resets (a counter or the card time
 * going backwards), the per-device state file and the choice of its
 * directory.
 *
 * Oracles: every expected count and change is worked out by hand from the
 * snapshot values written here; the state file is read back with json-c's
 * own parser (not the loader under test) and written by hand for the
 * loader's error cases; file names use the published FNV-1a 64 test
 * vectors (draft-eastlake-fnv: "" -> cbf29ce484222325, "a" ->
 * af63dc4c8601ec8c, "foobar" -> 85944171f73967e8).
 *
 *   test_ctl_drops
 */

#define _GNU_SOURCE   /* mkdtemp, asprintf */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "ctl.h"
#include "drops.h"
#include "state_file.h"

#define DEVICE "sim:/run/spisync/sim.sock"

static char tmp_root[256];

/* ---------------------------------------------------------------------- */
/* snapshots */

/* A snapshot with every counter c0 + reason id, at card time t. */
static struct ctl_snapshot
snap(int64_t wall, uint64_t t, uint64_t c0)
{
	struct ctl_snapshot s;

	memset(&s, 0, sizeof(s));
	s.valid = true;
	s.wall_s = wall;
	s.card_time_ns = t;
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		s.counters[i] = c0 + i;
	return s;
}

static void
assert_snap_equal(const struct ctl_snapshot *a, const struct ctl_snapshot *b)
{
	assert_int_equal(a->valid, b->valid);
	if (!a->valid)
		return;
	assert_int_equal(a->wall_s, b->wall_s);
	assert_int_equal(a->card_time_ns, b->card_time_ns);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		assert_int_equal(a->counters[i], b->counters[i]);
}

/* ---------------------------------------------------------------------- */
/* drops_compute / drops_clear */

/* No state at all: counts are the card's, no change column. */
static void
test_first_show(void **state)
{
	const struct ctl_snapshot now = snap(1000, 5000, 100);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_string_equal(d.device, DEVICE);
	assert_false(d.previous.valid);
	assert_false(d.baseline.valid);
	assert_false(d.reset_since_previous);
	assert_false(d.reset_since_clear);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		assert_int_equal(d.count[i], 100 + i);
		assert_int_equal(d.delta[i], 0);
	}
	assert_snap_equal(&next.previous, &now);
	assert_false(next.baseline.valid);
}

/* Second show: the change is the difference, per reason. */
static void
test_delta(void **state)
{
	struct ctl_snapshot now = snap(1300, 9000, 100);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = snap(1000, 5000, 100);
	now.counters[SPISYNC_R_RX_PACKETS] = 100 + 250;          /* +250 */
	now.counters[SPISYNC_R_SA_NOT_FOUND_V4] = 105 + 64574;   /* +64574 */
	now.counters[SPISYNC_R_MAC_ERROR] = 117 + 1;             /* +1 */
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_false(d.reset_since_previous);
	assert_int_equal(d.delta[SPISYNC_R_RX_PACKETS], 250);
	assert_int_equal(d.delta[SPISYNC_R_SA_NOT_FOUND_V4], 64574);
	assert_int_equal(d.delta[SPISYNC_R_MAC_ERROR], 1);
	assert_int_equal(d.delta[SPISYNC_R_DECRYPTED], 0);
	assert_int_equal(d.count[SPISYNC_R_SA_NOT_FOUND_V4], 105 + 64574);
	assert_snap_equal(&d.previous, &st.previous);
	assert_snap_equal(&next.previous, &now);
}

/* After a clear: counts are the card's minus the baseline; the change
 * still compares with the previous show. */
static void
test_baseline(void **state)
{
	struct ctl_snapshot now = snap(2000, 20000, 1000);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = snap(1900, 19000, 900);
	st.baseline = snap(1500, 15000, 500);
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_true(d.baseline.valid);
	assert_int_equal(d.baseline.wall_s, 1500);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		assert_int_equal(d.count[i], 500);   /* (1000 + i) - (500 + i) */
		assert_int_equal(d.delta[i], 100);   /* (1000 + i) - (900 + i) */
	}
	assert_snap_equal(&next.baseline, &st.baseline);
	assert_snap_equal(&next.previous, &now);
}

/* A counter went backwards since the previous show (the card was reset
 * and counted again): no negative change, the reset is reported, the
 * change counts from the reset; the clear made before that show is void. */
static void
test_counter_backwards(void **state)
{
	struct ctl_snapshot now = snap(2000, 30000, 1000);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.baseline = snap(1000, 10000, 10);
	st.previous = snap(1500, 20000, 500);
	now.counters[SPISYNC_R_AUTH_FAIL] = 3;   /* was 510 */
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_true(d.reset_since_previous);
	assert_true(d.reset_since_clear);
	assert_int_equal(d.dropped_clear_wall_s, 1000);
	assert_false(d.baseline.valid);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		const uint64_t want = i == SPISYNC_R_AUTH_FAIL ? 3 : 1000 + i;

		assert_int_equal(d.delta[i], want);
		assert_int_equal(d.count[i], want);
		assert_true(d.delta[i] <= now.counters[i]);
	}
	/* the void clear is not kept */
	assert_false(next.baseline.valid);
	assert_snap_equal(&next.previous, &now);
}

/* A reset after the previous show voids a clear made before that show,
 * even when the card has counted past the clear's values again and its
 * time is past the clear's: the counts since that clear are unknown. */
static void
test_reset_voids_earlier_clear(void **state)
{
	const struct ctl_snapshot now = snap(2000, 30000, 400);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.baseline = snap(1000, 10000, 10);    /* below now in all */
	st.previous = snap(1500, 20000, 500);   /* above now: a reset */
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_true(d.reset_since_previous);
	assert_true(d.reset_since_clear);
	assert_int_equal(d.dropped_clear_wall_s, 1000);
	assert_false(d.baseline.valid);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		assert_int_equal(d.count[i], 400 + i);   /* not 390 */
		assert_int_equal(d.delta[i], 400 + i);
	}
	assert_false(next.baseline.valid);
}

/* The card time went backwards, every counter up: still a reset. */
static void
test_time_backwards(void **state)
{
	const struct ctl_snapshot now = snap(2000, 100, 1000);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = snap(1500, 20000, 500);
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_true(d.reset_since_previous);
	assert_false(d.reset_since_clear);   /* there was none */
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		assert_int_equal(d.delta[i], 1000 + i);
}

/* A clear made after the card's reset (and after the previous show) stays:
 * it is below the counters and later in card time. */
static void
test_clear_after_reset_kept(void **state)
{
	const struct ctl_snapshot now = snap(3000, 9000, 300);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = snap(1000, 50000, 5000);   /* before the reset */
	st.baseline = snap(2000, 4000, 100);     /* after it */
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_true(d.reset_since_previous);
	assert_false(d.reset_since_clear);
	assert_true(d.baseline.valid);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		assert_int_equal(d.count[i], 200);      /* (300 + i) - (100 + i) */
		assert_int_equal(d.delta[i], 300 + i);  /* from the reset */
	}
	assert_snap_equal(&next.baseline, &st.baseline);
}

/* Counters below the baseline but not below the previous show (which
 * predates the clear): the clear is void, the change is fine. */
static void
test_below_baseline_only(void **state)
{
	struct ctl_snapshot now = snap(3000, 90000, 400);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = snap(1000, 10000, 100);
	st.baseline = snap(2000, 80000, 500);
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_false(d.reset_since_previous);
	assert_true(d.reset_since_clear);
	assert_false(d.baseline.valid);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		assert_int_equal(d.count[i], 400 + i);
		assert_int_equal(d.delta[i], 300);
	}
	assert_false(next.baseline.valid);
}

/* Equal values are not a reset (no traffic, same card time). */
static void
test_no_change(void **state)
{
	const struct ctl_snapshot now = snap(1000, 5000, 100);
	struct ctl_state st, next;
	struct ctl_drops d;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = now;
	st.baseline = now;
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_false(d.reset_since_previous);
	assert_false(d.reset_since_clear);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		assert_int_equal(d.count[i], 0);
		assert_int_equal(d.delta[i], 0);
	}
}

/* clear: the baseline is now, the previous show is kept. */
static void
test_clear(void **state)
{
	const struct ctl_snapshot now = snap(2000, 20000, 1000);
	struct ctl_state st, next;
	struct ctl_snapshot base;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = snap(1900, 19000, 900);
	st.baseline = snap(1500, 15000, 500);
	drops_clear(&st, &now, &next);
	assert_snap_equal(&next.baseline, &now);
	assert_snap_equal(&next.previous, &st.previous);

	/* from an empty state */
	memset(&st, 0, sizeof(st));
	base = now;
	base.valid = false;   /* the clear marks it valid itself */
	drops_clear(&st, &base, &next);
	assert_true(next.baseline.valid);
	assert_false(next.previous.valid);
}

/* ---------------------------------------------------------------------- */
/* the state file */

static char *
tmp_path(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", tmp_root, name) > 0);
	return p;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Saved and loaded back: the same state; and the file says it in JSON
 * that json-c reads as documented. */
static void
test_state_roundtrip(void **state)
{
	char *path = tmp_path("roundtrip.json");
	struct json_object *doc, *o, *c, *v;
	struct ctl_state st, back;
	char err[CTL_ERR_LEN];
	char *text;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = snap(1714565100, 1000000000000u, 7);
	st.previous.counters[SPISYNC_R_MAC_ERROR] = 18446744073709551615u;
	st.baseline = snap(1714564800, 900000000000u, 3);
	assert_int_equal(state_save(path, DEVICE, &st, err, sizeof(err)), 0);
	assert_int_equal(state_load(path, DEVICE, &back, err, sizeof(err)), 0);
	assert_snap_equal(&back.previous, &st.previous);
	assert_snap_equal(&back.baseline, &st.baseline);

	text = read_file(path);
	doc = json_tokener_parse(text);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "format", &v));
	assert_string_equal(json_object_get_string(v), "spisyncctl-state-1");
	assert_true(json_object_object_get_ex(doc, "device", &v));
	assert_string_equal(json_object_get_string(v), DEVICE);
	assert_true(json_object_object_get_ex(doc, "previous", &o));
	assert_true(json_object_object_get_ex(o, "wall_s", &v));
	assert_int_equal(json_object_get_int64(v), 1714565100);
	assert_true(json_object_object_get_ex(o, "card_time_ns", &v));
	assert_int_equal(json_object_get_uint64(v), 1000000000000u);
	assert_true(json_object_object_get_ex(o, "counters", &c));
	assert_int_equal(json_object_object_length(c), SPISYNC_NUM_REASONS);
	assert_true(json_object_object_get_ex(c, "SA_NOT_FOUND_V4", &v));
	assert_int_equal(json_object_get_uint64(v), 7 + 5);
	assert_true(json_object_object_get_ex(c, "MAC_ERROR", &v));
	assert_int_equal(json_object_get_uint64(v), 18446744073709551615u);
	assert_true(json_object_object_get_ex(doc, "baseline", &o));
	assert_true(json_object_object_get_ex(o, "counters", &c));
	assert_true(json_object_object_get_ex(c, "RX_PACKETS", &v));
	assert_int_equal(json_object_get_uint64(v), 3);
	json_object_put(doc);
	free(text);

	/* without a baseline: no "baseline" key, and none loaded */
	st.baseline.valid = false;
	assert_int_equal(state_save(path, DEVICE, &st, err, sizeof(err)), 0);
	text = read_file(path);
	assert_null(strstr(text, "\"baseline\""));
	free(text);
	assert_int_equal(state_load(path, DEVICE, &back, err, sizeof(err)), 0);
	assert_false(back.baseline.valid);
	assert_true(back.previous.valid);
	unlink(path);
	free(path);
}

/* No file yet: an empty state, not an error. */
static void
test_state_missing(void **state)
{
	char *path = tmp_path("missing.json");
	char err[CTL_ERR_LEN];
	struct ctl_state st;

	(void)state;
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(state_load(path, DEVICE, &st, err, sizeof(err)), 0);
	assert_false(st.previous.valid);
	assert_false(st.baseline.valid);
	free(path);
}

/* A reason the file does not have counts from 0 (a file from before the
 * spec gained it); one it has that the spec does not is ignored. */
static void
test_state_by_name(void **state)
{
	char *path = tmp_path("byname.json");
	char err[CTL_ERR_LEN];
	struct ctl_state st;

	(void)state;
	write_file(path, "{ \"format\": \"spisyncctl-state-1\", \"device\": \""
	    DEVICE "\", \"previous\": { \"wall_s\": 5, \"card_time_ns\": 6, "
	    "\"counters\": { \"REPLAY\": 11, \"OLD_REASON\": 99 } } }\n");
	assert_int_equal(state_load(path, DEVICE, &st, err, sizeof(err)), 0);
	assert_true(st.previous.valid);
	assert_false(st.baseline.valid);
	assert_int_equal(st.previous.wall_s, 5);
	assert_int_equal(st.previous.card_time_ns, 6);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		assert_int_equal(st.previous.counters[i],
		    i == SPISYNC_R_REPLAY ? 11 : 0);
	unlink(path);
	free(path);
}

/* Files that are not ours: each a clear error naming the file, and an
 * empty state. */
static void
test_state_bad(void **state)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "not json at all", "not JSON" },
		{ "[1, 2]", "not a spisyncctl-state-1 file" },
		{ "{\"format\": \"spisyncctl-state-2\", \"device\": \"" DEVICE "\"}",
		  "not a spisyncctl-state-1 file" },
		{ "{\"format\": \"spisyncctl-state-1\", \"device\": \"sim:/other\"}",
		  "belongs to another device" },
		{ "{\"format\": \"spisyncctl-state-1\", \"device\": \"" DEVICE "\", "
		  "\"previous\": {\"wall_s\": 1, \"card_time_ns\": 2}}",
		  "\"previous\" is not a snapshot" },
		{ "{\"format\": \"spisyncctl-state-1\", \"device\": \"" DEVICE "\", "
		  "\"baseline\": {\"wall_s\": -1, \"card_time_ns\": 2, \"counters\": {}}}",
		  "\"baseline\" is not a snapshot" },
		{ "{\"format\": \"spisyncctl-state-1\", \"device\": \"" DEVICE "\", "
		  "\"previous\": {\"wall_s\": 1, \"card_time_ns\": 2, \"counters\": "
		  "{\"AUTH_FAIL\": -3}}}",
		  "\"previous\" counter AUTH_FAIL is not a non-negative integer" },
		{ "{\"format\": \"spisyncctl-state-1\", \"device\": \"" DEVICE "\", "
		  "\"previous\": {\"wall_s\": 1, \"card_time_ns\": 2, \"counters\": "
		  "{\"AUTH_FAIL\": \"3\"}}}",
		  "\"previous\" counter AUTH_FAIL is not a non-negative integer" },
	};
	char *path = tmp_path("bad.json");
	char err[CTL_ERR_LEN], want[CTL_ERR_LEN];
	struct ctl_state st;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(path, cases[i].text);
		memset(&st, 0xff, sizeof(st));
		err[0] = '\0';
		assert_int_equal(state_load(path, DEVICE, &st, err, sizeof(err)),
		    -1);
		snprintf(want, sizeof(want), "state file %s: %s", path,
		    cases[i].why);
		if (strncmp(err, want, strlen(want)) != 0 ||
		    strstr(err, "(remove it to start again)") == NULL) {
			print_error("case %zu: %s\nwant: %s...\n", i, err, want);
			fail();
		}
		assert_false(st.previous.valid);
		assert_false(st.baseline.valid);
	}
	unlink(path);

	/* a directory where the file should be */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(state_load(path, DEVICE, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	rmdir(path);
	free(path);
}

/* Saving into a directory that is not there fails with the reason. */
static void
test_state_save_error(void **state)
{
	char *path = tmp_path("nodir/state.json");
	char err[CTL_ERR_LEN];
	struct ctl_state st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.previous = snap(1, 2, 3);
	assert_int_equal(state_save(path, DEVICE, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	free(path);
}

/* File names: safe characters, and the FNV-1a 64 hash of the whole device
 * string keeps apart devices whose safe names are equal. */
static void
test_state_path(void **state)
{
	char a[STATE_PATH_LEN], b[STATE_PATH_LEN];
	char longdev[200];

	(void)state;
	assert_int_equal(state_path("/d", "a", a, sizeof(a)), 0);
	assert_string_equal(a, "/d/spisyncctl-a-af63dc4c8601ec8c.json");
	assert_int_equal(state_path("/d", "foobar", a, sizeof(a)), 0);
	assert_string_equal(a, "/d/spisyncctl-foobar-85944171f73967e8.json");
	assert_int_equal(state_path("/d", "", a, sizeof(a)), 0);
	assert_string_equal(a, "/d/spisyncctl--cbf29ce484222325.json");

	assert_int_equal(state_path("/d", "sim:/a/b", a, sizeof(a)), 0);
	assert_int_equal(state_path("/d", "sim:/a_b", b, sizeof(b)), 0);
	assert_int_equal(strncmp(a, "/d/spisyncctl-sim__a_b-", 23), 0);
	assert_int_equal(strncmp(b, "/d/spisyncctl-sim__a_b-", 23), 0);
	assert_string_not_equal(a, b);

	/* long names are cut to 64 safe characters */
	memset(longdev, 'x', sizeof(longdev) - 1);
	longdev[sizeof(longdev) - 1] = '\0';
	assert_int_equal(state_path("/d", longdev, a, sizeof(a)), 0);
	assert_int_equal(strlen(a), strlen("/d/spisyncctl-") + 64 + 1 + 16 +
	    strlen(".json"));

	/* too small a buffer: an error, not a cut name */
	assert_int_equal(state_path("/d", "a", a, 20), -1);
}

/* ---------------------------------------------------------------------- */
/* the state directory */

static void
test_state_dir(void **state)
{
	char out[STATE_PATH_LEN], note[CTL_ERR_LEN], err[CTL_ERR_LEN];
	char *env = tmp_path("env");
	char *def = tmp_path("run-spisync");
	char *xdg = tmp_path("xdg");
	char *tmpd = tmp_path("tmp");
	char *file = tmp_path("a-file");
	char *bad_def, *want;

	(void)state;
	write_file(file, "x");
	assert_int_equal(asprintf(&bad_def, "%s/sub", file) > 0, 1);
	assert_int_equal(mkdir(xdg, 0700), 0);
	assert_int_equal(mkdir(tmpd, 0700), 0);

	/* $SPISYNC_STATE_DIR: used as given (created), no note */
	assert_int_equal(state_dir_choose(env, def, xdg, tmpd, out,
	    sizeof(out), note, sizeof(note), err, sizeof(err)), 0);
	assert_string_equal(out, env);
	assert_string_equal(note, "");

	/* ... and an error, not a fallback, when it cannot be used */
	assert_int_equal(state_dir_choose(bad_def, def, xdg, tmpd, out,
	    sizeof(out), note, sizeof(note), err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, "SPISYNC_STATE_DIR ", 18), 0);
	assert_non_null(strstr(err, "Not a directory"));

	/* the default, created when missing */
	assert_int_equal(state_dir_choose("", def, xdg, tmpd, out, sizeof(out),
	    note, sizeof(note), err, sizeof(err)), 0);
	assert_string_equal(out, def);
	assert_string_equal(note, "");

	/* default unusable: $XDG_RUNTIME_DIR/spisync, with a note */
	assert_int_equal(state_dir_choose(NULL, bad_def, xdg, tmpd, out,
	    sizeof(out), note, sizeof(note), err, sizeof(err)), 0);
	assert_int_equal(asprintf(&want, "%s/spisync", xdg) > 0, 1);
	assert_string_equal(out, want);
	assert_int_equal(strncmp(note, "cannot keep counter state in ", 29), 0);
	assert_non_null(strstr(note, bad_def));
	assert_non_null(strstr(note, want));
	free(want);

	/* no $XDG_RUNTIME_DIR either: TMP/spisyncctl-UID, private */
	assert_int_equal(state_dir_choose(NULL, bad_def, "", tmpd, out,
	    sizeof(out), note, sizeof(note), err, sizeof(err)), 0);
	assert_int_equal(asprintf(&want, "%s/spisyncctl-%u", tmpd,
	    (unsigned)geteuid()) > 0, 1);
	assert_string_equal(out, want);
	assert_non_null(strstr(note, want));

	/* ... refused when someone made it writable by others */
	assert_int_equal(chmod(want, 0777), 0);
	assert_int_equal(state_dir_choose(NULL, bad_def, NULL, tmpd, out,
	    sizeof(out), note, sizeof(note), err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, "no usable state directory: ", 27), 0);
	assert_non_null(strstr(err, "not a private directory"));
	assert_int_equal(chmod(want, 0700), 0);

	/* ... or a symlink to elsewhere */
	assert_int_equal(rmdir(want), 0);
	assert_int_equal(symlink(xdg, want), 0);
	assert_int_equal(state_dir_choose(NULL, bad_def, NULL, tmpd, out,
	    sizeof(out), note, sizeof(note), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a directory"));
	unlink(want);
	free(want);

	assert_int_equal(asprintf(&want, "%s/spisync", xdg) > 0, 1);
	rmdir(want);
	free(want);
	rmdir(xdg);
	rmdir(tmpd);
	rmdir(env);
	rmdir(def);
	unlink(file);
	free(bad_def);
	free(env);
	free(def);
	free(xdg);
	free(tmpd);
	free(file);
}

/* The cycle the CLI runs: show, show, clear, show, through the file. */
static void
test_cycle_through_file(void **state)
{
	char *path = tmp_path("cycle.json");
	char err[CTL_ERR_LEN];
	struct ctl_state st, next;
	struct ctl_snapshot now;
	struct ctl_drops d;

	(void)state;
	/* show 1 */
	assert_int_equal(state_load(path, DEVICE, &st, err, sizeof(err)), 0);
	now = snap(100, 1000, 10);
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_false(d.previous.valid);
	assert_int_equal(state_save(path, DEVICE, &next, err, sizeof(err)), 0);
	/* show 2: +5 everywhere */
	assert_int_equal(state_load(path, DEVICE, &st, err, sizeof(err)), 0);
	now = snap(200, 2000, 15);
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_int_equal(d.delta[SPISYNC_R_REPLAY], 5);
	assert_int_equal(d.count[SPISYNC_R_REPLAY], 15 + SPISYNC_R_REPLAY);
	assert_int_equal(state_save(path, DEVICE, &next, err, sizeof(err)), 0);
	/* clear at +7 */
	assert_int_equal(state_load(path, DEVICE, &st, err, sizeof(err)), 0);
	now = snap(300, 3000, 22);
	drops_clear(&st, &now, &next);
	assert_int_equal(state_save(path, DEVICE, &next, err, sizeof(err)), 0);
	/* show 3 at +9: counted 2 since the clear, changed 9 since show 2 */
	assert_int_equal(state_load(path, DEVICE, &st, err, sizeof(err)), 0);
	now = snap(400, 4000, 24);
	drops_compute(DEVICE, &st, &now, &d, &next);
	assert_true(d.baseline.valid);
	assert_int_equal(d.baseline.wall_s, 300);
	assert_int_equal(d.count[SPISYNC_R_REPLAY], 2);
	assert_int_equal(d.delta[SPISYNC_R_REPLAY], 9);
	unlink(path);
	free(path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "%s/test_ctl_drops.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmp_root) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmp_root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_show),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_counter_backwards),
		cmocka_unit_test(test_reset_voids_earlier_clear),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_clear_after_reset_kept),
		cmocka_unit_test(test_below_baseline_only),
		cmocka_unit_test(test_no_change),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_state_missing),
		cmocka_unit_test(test_state_by_name),
		cmocka_unit_test(test_state_bad),
		cmocka_unit_test(test_state_save_error),
		cmocka_unit_test(test_state_path),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_cycle_through_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
