/*
 * spisync -- unit tests of spisyncctl's outputs (hostd/spisyncctl/fmt_*.c):
 * text, JSON and Prometheus text format 0.0.4 of hand-built counters, SAs,
 * event records and card state.
 *
 * Oracles: the expected text is written out here by hand (columns counted
 * from the layout in docs/spisyncctl.md; dates from `date -u -d @N`); JSON
 * is parsed back with json-c and checked field by field, with the exact
 * key set of every object (the schema is a contract); Prometheus output is
 * checked line by line against the format's grammar by a checker written
 * here (metric and label name rules, escapes, HELP/TYPE before samples,
 * families together, no duplicate series), itself shown to reject broken
 * input.
 *
 *   test_ctl_fmt
 */

#define _GNU_SOURCE   /* open_memstream is POSIX 2008; setenv, tzset */

#include <arpa/inet.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "ctl.h"
#include "fmt.h"

#define DEVICE "sim:/run/spisync/sim.sock"

/* ---------------------------------------------------------------------- */
/* capturing output */

struct capture {
	FILE *fp;
	char *buf;
	size_t len;
};

static void
cap_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->fp = open_memstream(&c->buf, &c->len);
	assert_non_null(c->fp);
}

/* The text written (owned by c until cap_free). */
static const char *
cap_close(struct capture *c)
{
	assert_int_equal(fclose(c->fp), 0);
	c->fp = NULL;
	return c->buf;
}

static void
cap_free(struct capture *c)
{
	free(c->buf);
	c->buf = NULL;
}

/* On failure, the first line that differs: easier to read than two pages. */
static void
assert_text(const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return;
	for (size_t line = 1;; line++) {
		const char *ge = strchr(got, '\n'), *we = strchr(want, '\n');
		const size_t gl = ge != NULL ? (size_t)(ge - got) : strlen(got);
		const size_t wl = we != NULL ? (size_t)(we - want) : strlen(want);

		if (gl != wl || memcmp(got, want, gl) != 0 || ge == NULL ||
		    we == NULL) {
			print_error("line %zu differs:\n got: |%.*s|\nwant: |%.*s|\n",
			    line, (int)gl, got, (int)wl, want);
			fail();
		}
		got = ge + 1;
		want = we + 1;
	}
}

static void
ip4(uint8_t out[16], const char *text)
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(AF_INET, text, out), 1);
}

static void
ip6(uint8_t out[16], const char *text)
{
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
}

/* ---------------------------------------------------------------------- */
/* JSON helpers: every access checks the type */

static struct json_object *
parse_json(const char *text)
{
	enum json_tokener_error jerr;
	struct json_object *doc = json_tokener_parse_verbose(text, &jerr);

	if (doc == NULL) {
		print_error("not JSON (%s):\n%s\n", json_tokener_error_desc(jerr),
		    text);
		fail();
	}
	return doc;
}

static struct json_object *
jget(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v)) {
		print_error("missing key \"%s\"\n", key);
		fail();
	}
	return v;
}

static struct json_object *
jobj(struct json_object *obj, const char *key)
{
	struct json_object *v = jget(obj, key);

	assert_true(json_object_is_type(v, json_type_object));
	return v;
}

static void
jint(struct json_object *obj, const char *key, uint64_t want)
{
	struct json_object *v = jget(obj, key);

	if (!json_object_is_type(v, json_type_int)) {
		print_error("\"%s\" is not an integer\n", key);
		fail();
	}
	if (json_object_get_uint64(v) != want) {
		print_error("\"%s\": %llu, want %llu\n", key,
		    (unsigned long long)json_object_get_uint64(v),
		    (unsigned long long)want);
		fail();
	}
}

static void
jstr(struct json_object *obj, const char *key, const char *want)
{
	struct json_object *v = jget(obj, key);

	if (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), want) != 0) {
		print_error("\"%s\": %s, want \"%s\"\n", key,
		    json_object_to_json_string(v), want);
		fail();
	}
}

static void
jbool(struct json_object *obj, const char *key, bool want)
{
	struct json_object *v = jget(obj, key);

	assert_true(json_object_is_type(v, json_type_boolean));
	assert_int_equal(json_object_get_boolean(v), want);
}

static void
jnull(struct json_object *obj, const char *key)
{
	struct json_object *v = jget(obj, key);

	if (v != NULL) {
		print_error("\"%s\": %s, want null\n", key,
		    json_object_to_json_string(v));
		fail();
	}
}

/* The object has exactly these keys (NULL-terminated), in this order:
 * nothing added or dropped behind the schema's back. */
static void
jkeys(struct json_object *obj, ...)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);
	va_list ap;
	const char *want;

	va_start(ap, obj);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (json_object_iter_equal(&it, &end)) {
			print_error("key \"%s\" missing at the end\n", want);
			fail();
		}
		if (strcmp(json_object_iter_peek_name(&it), want) != 0) {
			print_error("key \"%s\" where \"%s\" was expected\n",
			    json_object_iter_peek_name(&it), want);
			fail();
		}
		json_object_iter_next(&it);
	}
	va_end(ap);
	if (!json_object_iter_equal(&it, &end)) {
		print_error("extra key \"%s\"\n", json_object_iter_peek_name(&it));
		fail();
	}
}

/* ---------------------------------------------------------------------- */
/* Prometheus text format 0.0.4, checked by its grammar
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) */

enum { PROM_MAX_FAMILIES = 64, PROM_MAX_SERIES = 512, PROM_SERIES_LEN = 512 };

struct prom_family {
	char name[128];
	bool help, type, sampled, closed;
};

struct prom_check {
	regex_t name_re, label_re, value_re, type_re;
	struct prom_family fam[PROM_MAX_FAMILIES];
	size_t nfam;
	char series[PROM_MAX_SERIES][PROM_SERIES_LEN];
	size_t nseries;
	char err[4096];   /* room for a whole line and a label */
};

static bool
whole_match(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

static struct prom_family *
prom_family(struct prom_check *pc, const char *name, size_t len)
{
	for (size_t i = 0; i < pc->nfam; i++) {
		if (strlen(pc->fam[i].name) == len &&
		    memcmp(pc->fam[i].name, name, len) == 0)
			return &pc->fam[i];
	}
	if (pc->nfam == PROM_MAX_FAMILIES || len >= sizeof(pc->fam[0].name))
		return NULL;
	memcpy(pc->fam[pc->nfam].name, name, len);
	pc->fam[pc->nfam].name[len] = '\0';
	return &pc->fam[pc->nfam++];
}

/* Any family other than f that has samples is done: its samples must not
 * come back (a family's lines stay together). */
static void
prom_close_others(struct prom_check *pc, const struct prom_family *f)
{
	for (size_t i = 0; i < pc->nfam; i++) {
		if (&pc->fam[i] != f && pc->fam[i].sampled)
			pc->fam[i].closed = true;
	}
}

/* "# HELP name text" or "# TYPE name type" */
static int
prom_comment(struct prom_check *pc, const char *line)
{
	const bool help = strncmp(line, "# HELP ", 7) == 0;
	const bool type = strncmp(line, "# TYPE ", 7) == 0;
	const char *name = line + 7, *sp;
	struct prom_family *f;
	char buf[128];

	if (!help && !type)
		return 0;   /* other comments are allowed */
	sp = strchr(name, ' ');
	if (sp == NULL || (size_t)(sp - name) >= sizeof(buf)) {
		snprintf(pc->err, sizeof(pc->err), "bad line: %s", line);
		return -1;
	}
	memcpy(buf, name, (size_t)(sp - name));
	buf[sp - name] = '\0';
	if (!whole_match(&pc->name_re, buf)) {
		snprintf(pc->err, sizeof(pc->err), "bad metric name: %s", buf);
		return -1;
	}
	f = prom_family(pc, buf, strlen(buf));
	if (f == NULL) {
		snprintf(pc->err, sizeof(pc->err), "too many families");
		return -1;
	}
	if (f->sampled) {
		snprintf(pc->err, sizeof(pc->err), "%s after samples of %s",
		    help ? "HELP" : "TYPE", buf);
		return -1;
	}
	if (help) {
		/* in HELP text only \\ and \n are escapes; a lone \ is wrong */
		for (const char *p = sp + 1; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\\' && p[1] != 'n') {
				snprintf(pc->err, sizeof(pc->err), "bad escape in HELP "
				    "of %s", buf);
				return -1;
			}
			if (*p == '\\')
				p++;
		}
		if (f->help) {
			snprintf(pc->err, sizeof(pc->err), "second HELP for %s", buf);
			return -1;
		}
		f->help = true;
	} else {
		if (!whole_match(&pc->type_re, sp + 1)) {
			snprintf(pc->err, sizeof(pc->err), "bad TYPE: %s", line);
			return -1;
		}
		if (f->type) {
			snprintf(pc->err, sizeof(pc->err), "second TYPE for %s", buf);
			return -1;
		}
		f->type = true;
	}
	prom_close_others(pc, f);
	return 0;
}

/* name{label="value",...} value: the series key (name and labels sorted)
 * into key. */
static int
prom_sample(struct prom_check *pc, const char *line, char *key,
    size_t keylen)
{
	char labels[16][PROM_SERIES_LEN / 4];
	char names[16][64];
	size_t nlabels = 0, n = 0;
	const char *p = line;
	struct prom_family *f;
	char name[128];

	while (*p != '\0' && *p != '{' && *p != ' ')
		p++;
	if ((size_t)(p - line) >= sizeof(name)) {
		snprintf(pc->err, sizeof(pc->err), "name too long: %s", line);
		return -1;
	}
	memcpy(name, line, (size_t)(p - line));
	name[p - line] = '\0';
	if (!whole_match(&pc->name_re, name)) {
		snprintf(pc->err, sizeof(pc->err), "bad metric name: %s", line);
		return -1;
	}
	if (*p == '{') {
		p++;
		while (*p != '}') {
			const char *ln = p;
			size_t vl = 0;

			while (*p != '\0' && *p != '=')
				p++;
			if (*p != '=' || nlabels == 16 ||
			    (size_t)(p - ln) >= sizeof(names[0])) {
				snprintf(pc->err, sizeof(pc->err), "bad label: %s", line);
				return -1;
			}
			memcpy(names[nlabels], ln, (size_t)(p - ln));
			names[nlabels][p - ln] = '\0';
			if (!whole_match(&pc->label_re, names[nlabels]) ||
			    strncmp(names[nlabels], "__", 2) == 0) {
				snprintf(pc->err, sizeof(pc->err), "bad label name %s: %s",
				    names[nlabels], line);
				return -1;
			}
			for (size_t i = 0; i < nlabels; i++) {
				if (strcmp(names[i], names[nlabels]) == 0) {
					snprintf(pc->err, sizeof(pc->err), "label %s twice: "
					    "%s", names[i], line);
					return -1;
				}
			}
			if (p[1] != '"') {
				snprintf(pc->err, sizeof(pc->err), "unquoted label value: "
				    "%s", line);
				return -1;
			}
			p += 2;
			while (*p != '"') {
				if (*p == '\0' || *p == '\n') {
					snprintf(pc->err, sizeof(pc->err), "unterminated label "
					    "value: %s", line);
					return -1;
				}
				if (*p == '\\') {
					if (p[1] != '\\' && p[1] != '"' && p[1] != 'n') {
						snprintf(pc->err, sizeof(pc->err), "bad escape in "
						    "label value: %s", line);
						return -1;
					}
					if (vl + 2 < sizeof(labels[0])) {
						labels[nlabels][vl++] = p[0];
						labels[nlabels][vl++] = p[1];
					}
					p += 2;
					continue;
				}
				if (vl + 1 < sizeof(labels[0]))
					labels[nlabels][vl++] = *p;
				p++;
			}
			labels[nlabels][vl] = '\0';
			nlabels++;
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}') {
				snprintf(pc->err, sizeof(pc->err), "bad label list: %s",
				    line);
				return -1;
			}
		}
		p++;
	}
	if (*p != ' ' || !whole_match(&pc->value_re, p + 1)) {
		snprintf(pc->err, sizeof(pc->err), "bad value: %s", line);
		return -1;
	}

	f = prom_family(pc, name, strlen(name));
	if (f == NULL || !f->help || !f->type) {
		snprintf(pc->err, sizeof(pc->err), "sample before HELP and TYPE: "
		    "%s", line);
		return -1;
	}
	if (f->closed) {
		snprintf(pc->err, sizeof(pc->err), "samples of %s not together: %s",
		    name, line);
		return -1;
	}
	f->sampled = true;
	prom_close_others(pc, f);

	/* series key: name, then the labels in name order */
	n = (size_t)snprintf(key, keylen, "%s", name);
	for (size_t done = 0; done < nlabels; done++) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < nlabels; i++) {
			if (names[i][0] != '\0' && (best == SIZE_MAX ||
			    strcmp(names[i], names[best]) < 0))
				best = i;
		}
		if (n < keylen)
			n += (size_t)snprintf(key + n, keylen - n, "|%s=%s",
			    names[best], labels[best]);
		names[best][0] = '\0';
	}
	return 0;
}

/* NULL if text is valid 0.0.4 exposition, else a sentence. */
static const char *
prom_check_text(struct prom_check *pc, const char *text)
{
	memset(pc->fam, 0, sizeof(pc->fam));
	pc->nfam = 0;
	pc->nseries = 0;
	pc->err[0] = '\0';
	if (text[0] == '\0' || text[strlen(text) - 1] != '\n') {
		snprintf(pc->err, sizeof(pc->err), "not ended by a newline");
		return pc->err;
	}
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		char line[1024];
		size_t len = (size_t)(nl - text);

		if (len >= sizeof(line)) {
			snprintf(pc->err, sizeof(pc->err), "line too long");
			return pc->err;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		text = nl + 1;
		if (len == 0)
			continue;
		if (line[0] == '#') {
			if (prom_comment(pc, line) != 0)
				return pc->err;
			continue;
		}
		if (pc->nseries == PROM_MAX_SERIES) {
			snprintf(pc->err, sizeof(pc->err), "too many series");
			return pc->err;
		}
		if (prom_sample(pc, line, pc->series[pc->nseries],
		    sizeof(pc->series[0])) != 0)
			return pc->err;
		for (size_t i = 0; i < pc->nseries; i++) {
			if (strcmp(pc->series[i], pc->series[pc->nseries]) == 0) {
				snprintf(pc->err, sizeof(pc->err), "duplicate series: %s",
				    line);
				return pc->err;
			}
		}
		pc->nseries++;
	}
	return NULL;
}

static struct prom_check *
prom_new(void)
{
	struct prom_check *pc = calloc(1, sizeof(*pc));

	assert_non_null(pc);
	assert_int_equal(regcomp(&pc->name_re, "^[a-zA-Z_:][a-zA-Z0-9_:]*$",
	    REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&pc->label_re, "^[a-zA-Z_][a-zA-Z0-9_]*$",
	    REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&pc->value_re,
	    "^([-+]?[0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?|[-+]?Inf|NaN)( -?[0-9]+)?$",
	    REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&pc->type_re,
	    "^(counter|gauge|histogram|summary|untyped)$",
	    REG_EXTENDED | REG_NOSUB), 0);
	return pc;
}

static void
prom_free(struct prom_check *pc)
{
	regfree(&pc->name_re);
	regfree(&pc->label_re);
	regfree(&pc->value_re);
	regfree(&pc->type_re);
	free(pc);
}

static void
assert_prom_valid(const char *text)
{
	struct prom_check *pc = prom_new();
	const char *why = prom_check_text(pc, text);

	if (why != NULL) {
		print_error("Prometheus grammar: %s\n", why);
		prom_free(pc);
		fail();
	}
	prom_free(pc);
}

/* The checker rejects what it must (a checker that passes everything
 * would make the tests below worthless). */
static void
test_prom_checker_rejects(void **state)
{
	static const char *const bad[] = {
		/* metric name starting with a digit */
		"# HELP 1x h\n# TYPE 1x counter\n1x 1\n",
		/* sample without HELP/TYPE */
		"x_total 1\n",
		/* TYPE after the samples */
		"# HELP x h\nx 1\n# TYPE x gauge\n",
		/* unknown type */
		"# HELP x h\n# TYPE x counters\nx 1\n",
		/* bad label name */
		"# HELP x h\n# TYPE x gauge\nx{1a=\"v\"} 1\n",
		/* reserved label name */
		"# HELP x h\n# TYPE x gauge\nx{__a=\"v\"} 1\n",
		/* unescaped quote in a label value */
		"# HELP x h\n# TYPE x gauge\nx{a=\"v\"w\"} 1\n",
		/* bad escape in a label value */
		"# HELP x h\n# TYPE x gauge\nx{a=\"v\\w\"} 1\n",
		/* duplicate series, labels in another order */
		"# HELP x h\n# TYPE x gauge\nx{a=\"1\",b=\"2\"} 1\nx{b=\"2\",a=\"1\"} 2\n",
		/* a family's samples split by another family */
		"# HELP x h\n# TYPE x gauge\n# HELP y h\n# TYPE y gauge\nx 1\ny 1\nx{a=\"1\"} 1\n",
		/* value not a number */
		"# HELP x h\n# TYPE x gauge\nx one\n",
		/* no final newline */
		"# HELP x h\n# TYPE x gauge\nx 1",
		/* second TYPE */
		"# HELP x h\n# TYPE x gauge\n# TYPE x gauge\nx 1\n",
		/* bad escape in HELP */
		"# HELP x a\\b\n# TYPE x gauge\nx 1\n",
	};
	struct prom_check *pc = prom_new();

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (prom_check_text(pc, bad[i]) == NULL) {
			print_error("checker accepted case %zu:\n%s\n", i, bad[i]);
			prom_free(pc);
			fail();
		}
	}
	assert_null(prom_check_text(pc,
	    "# HELP x h\\n \\\\ok\n# TYPE x gauge\nx{a=\"q\\\"\\\\\\n\",b=\"\"} -1.5e3\n"
	    "x 2\n# unrelated comment\n\n"));
	prom_free(pc);
}

/* ---------------------------------------------------------------------- */
/* show drops */

/* count, change and the card's own value per reason (hand-chosen; the
 * totals below are their sums, done by hand) */
static const uint64_t drops_count[SPISYNC_NUM_REASONS] = {
	65600, 900, 30, 2, 1, 64574, 0, 12, 0, 3, 5, 7, 0, 1, 0, 0, 0, 65,
};
static const uint64_t drops_delta[SPISYNC_NUM_REASONS] = {
	100, 90, 3, 0, 1, 4, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint64_t drops_card[SPISYNC_NUM_REASONS] = {
	70000, 1200, 40, 2, 1, 68000, 0, 20, 0, 3, 5, 7, 0, 1, 0, 0, 0, 18446744073709551615u,
};

static void
drops_fixture(struct ctl_drops *d)
{
	memset(d, 0, sizeof(*d));
	d->device = DEVICE;
	d->now.valid = true;
	d->now.wall_s = 1714565400;            /* 2024-05-01 12:10:00 UTC */
	d->now.card_time_ns = 1234567890123u;
	memcpy(d->now.counters, drops_card, sizeof(drops_card));
	d->previous.valid = true;
	d->previous.wall_s = 1714565100;       /* 12:05:00 */
	d->previous.card_time_ns = 1000000000000u;
	d->baseline.valid = true;
	d->baseline.wall_s = 1714564800;       /* 12:00:00 */
	d->baseline.card_time_ns = 900000000000u;
	memcpy(d->count, drops_count, sizeof(drops_count));
	memcpy(d->delta, drops_delta, sizeof(drops_delta));
}

static const char drops_table[] =
	" id reason                                count                change\n"
	"  0 RX_PACKETS                            65600                  +100\n"
	"    delivered\n"
	"  1 DECRYPTED                               900                   +90\n"
	"  2 PASS_THROUGH                             30                    +3\n"
	"  3 PUNT_FRAGMENT                             2                    +0\n"
	"  4 PUNT_IPV6_EXT                             1                    +1\n"
	"    total delivered                         933                   +94\n"
	"    dropped\n"
	"  5 SA_NOT_FOUND_V4                       64574                    +4\n"
	"  6 SA_NOT_FOUND_V6                           0                    +0\n"
	"  7 SA_NOT_FOUND_NATT_V4                     12                    +2\n"
	"  8 SA_NOT_FOUND_NATT_V6                      0                    +0\n"
	"  9 SPI_RESERVED                              3                    +0\n"
	" 10 AUTH_FAIL                                 5                    +0\n"
	" 11 REPLAY                                    7                    +0\n"
	" 12 BAD_PADDING                               0                    +0\n"
	" 13 MALFORMED                                 1                    +0\n"
	" 14 SA_EXPIRED                                0                    +0\n"
	" 15 TAIL_DROP                                 0                    +0\n"
	" 16 DUMMY                                     0                    +0\n"
	" 17 MAC_ERROR                                65                    +0\n"
	" 18 CDC_OVERFLOW                              0                    +0\n"
	"    total dropped                         64667                    +6\n";

static void
test_drops_text(void **state)
{
	struct ctl_drops d;
	struct capture c;
	char want[4096];

	(void)state;
	drops_fixture(&d);
	cap_open(&c);
	assert_int_equal(fmt_drops_text(c.fp, &d), 0);
	snprintf(want, sizeof(want),
	    "spisync drops on sim:/run/spisync/sim.sock, card time 1234.567890123 s\n"
	    "counts since clear at 2024-05-01 12:00:00 UTC\n"
	    "change since the previous show at 2024-05-01 12:05:00 UTC (300 s ago)\n"
	    "\n%s", drops_table);
	assert_text(cap_close(&c), want);
	cap_free(&c);
}

/* No clear, no previous show: counts since the card started, no change. */
static void
test_drops_text_first(void **state)
{
	struct ctl_drops d;
	struct capture c;

	(void)state;
	drops_fixture(&d);
	d.previous.valid = false;
	d.baseline.valid = false;
	memset(d.delta, 0, sizeof(d.delta));
	cap_open(&c);
	assert_int_equal(fmt_drops_text(c.fp, &d), 0);
	assert_text(cap_close(&c),
	    "spisync drops on sim:/run/spisync/sim.sock, card time 1234.567890123 s\n"
	    "counts since the card started (no clear counters)\n"
	    "change: none yet, this is the first show\n"
	    "\n"
	    " id reason                                count                change\n"
	    "  0 RX_PACKETS                            65600                     -\n"
	    "    delivered\n"
	    "  1 DECRYPTED                               900                     -\n"
	    "  2 PASS_THROUGH                             30                     -\n"
	    "  3 PUNT_FRAGMENT                             2                     -\n"
	    "  4 PUNT_IPV6_EXT                             1                     -\n"
	    "    total delivered                         933                     -\n"
	    "    dropped\n"
	    "  5 SA_NOT_FOUND_V4                       64574                     -\n"
	    "  6 SA_NOT_FOUND_V6                           0                     -\n"
	    "  7 SA_NOT_FOUND_NATT_V4                     12                     -\n"
	    "  8 SA_NOT_FOUND_NATT_V6                      0                     -\n"
	    "  9 SPI_RESERVED                              3                     -\n"
	    " 10 AUTH_FAIL                                 5                     -\n"
	    " 11 REPLAY                                    7                     -\n"
	    " 12 BAD_PADDING                               0                     -\n"
	    " 13 MALFORMED                                 1                     -\n"
	    " 14 SA_EXPIRED                                0                     -\n"
	    " 15 TAIL_DROP                                 0                     -\n"
	    " 16 DUMMY                                     0                     -\n"
	    " 17 MAC_ERROR                                65                     -\n"
	    " 18 CDC_OVERFLOW                              0                     -\n"
	    "    total dropped                         64667                     -\n");
	cap_free(&c);
}

/* A card reset since the previous show and since the clear: said in the
 * header, no negative change anywhere. */
static void
test_drops_text_reset(void **state)
{
	struct ctl_drops d;
	struct capture c;
	const char *out;

	(void)state;
	drops_fixture(&d);
	d.reset_since_previous = true;
	d.reset_since_clear = true;
	d.dropped_clear_wall_s = d.baseline.wall_s;
	d.baseline.valid = false;
	cap_open(&c);
	assert_int_equal(fmt_drops_text(c.fp, &d), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out,
	    "counts since a card reset (a counter or the card time went "
	    "backwards): the clear at 2024-05-01 12:00:00 UTC no longer applies\n"
	    "change since the previous show at 2024-05-01 12:05:00 UTC (300 s "
	    "ago); the card was reset since (a counter or the card time went "
	    "backwards): changes count from the reset\n"));
	assert_null(strstr(out, " -1"));
	assert_null(strstr(out, "+-"));
	cap_free(&c);
}

/* The widest count fits its column (20 digits). */
static void
test_drops_text_wide(void **state)
{
	struct ctl_drops d;
	struct capture c;

	(void)state;
	drops_fixture(&d);
	d.count[SPISYNC_R_MAC_ERROR] = 18446744073709551615u;
	d.delta[SPISYNC_R_MAC_ERROR] = 18446744073709551615u;
	cap_open(&c);
	assert_int_equal(fmt_drops_text(c.fp, &d), 0);
	assert_non_null(strstr(cap_close(&c),
	    "\n 17 MAC_ERROR              18446744073709551615 +18446744073709551615\n"));
	cap_free(&c);
}

static void
check_reason(struct json_object *reasons, const char *name, uint64_t id,
    const char *kind, uint64_t count, uint64_t delta, uint64_t card)
{
	struct json_object *r = jobj(reasons, name);

	jkeys(r, "id", "kind", "count", "delta", "card", NULL);
	jint(r, "id", id);
	jstr(r, "kind", kind);
	jint(r, "count", count);
	jint(r, "delta", delta);
	jint(r, "card", card);
}

static void
test_drops_json(void **state)
{
	struct json_object *doc, *o, *reasons, *totals;
	struct ctl_drops d;
	struct capture c;

	(void)state;
	drops_fixture(&d);
	cap_open(&c);
	assert_int_equal(fmt_drops_json(c.fp, &d), 0);
	doc = parse_json(cap_close(&c));
	jkeys(doc, "device", "time", "card_time_ns", "clear", "dropped_clear",
	    "previous", "card_reset_since_previous", "reasons", "totals", NULL);
	jstr(doc, "device", DEVICE);
	jint(doc, "time", 1714565400);
	jint(doc, "card_time_ns", 1234567890123u);
	o = jobj(doc, "clear");
	jkeys(o, "time", "time_utc", NULL);
	jint(o, "time", 1714564800);
	jstr(o, "time_utc", "2024-05-01T12:00:00Z");
	jnull(doc, "dropped_clear");
	o = jobj(doc, "previous");
	jkeys(o, "time", "time_utc", "card_time_ns", NULL);
	jint(o, "time", 1714565100);
	jstr(o, "time_utc", "2024-05-01T12:05:00Z");
	jint(o, "card_time_ns", 1000000000000u);
	jbool(doc, "card_reset_since_previous", false);

	reasons = jobj(doc, "reasons");
	jkeys(reasons, "RX_PACKETS", "DECRYPTED", "PASS_THROUGH",
	    "PUNT_FRAGMENT", "PUNT_IPV6_EXT", "SA_NOT_FOUND_V4",
	    "SA_NOT_FOUND_V6", "SA_NOT_FOUND_NATT_V4", "SA_NOT_FOUND_NATT_V6",
	    "SPI_RESERVED", "AUTH_FAIL", "REPLAY", "BAD_PADDING", "MALFORMED",
	    "SA_EXPIRED", "TAIL_DROP", "DUMMY", "MAC_ERROR", "CDC_OVERFLOW", NULL);
	check_reason(reasons, "RX_PACKETS", 0, "count", 65600, 100, 70000);
	check_reason(reasons, "DECRYPTED", 1, "deliver", 900, 90, 1200);
	check_reason(reasons, "PASS_THROUGH", 2, "deliver", 30, 3, 40);
	check_reason(reasons, "PUNT_FRAGMENT", 3, "deliver", 2, 0, 2);
	check_reason(reasons, "PUNT_IPV6_EXT", 4, "deliver", 1, 1, 1);
	check_reason(reasons, "SA_NOT_FOUND_V4", 5, "drop", 64574, 4, 68000);
	check_reason(reasons, "SA_NOT_FOUND_V6", 6, "drop", 0, 0, 0);
	check_reason(reasons, "SA_NOT_FOUND_NATT_V4", 7, "drop", 12, 2, 20);
	check_reason(reasons, "SA_NOT_FOUND_NATT_V6", 8, "drop", 0, 0, 0);
	check_reason(reasons, "SPI_RESERVED", 9, "drop", 3, 0, 3);
	check_reason(reasons, "AUTH_FAIL", 10, "drop", 5, 0, 5);
	check_reason(reasons, "REPLAY", 11, "drop", 7, 0, 7);
	check_reason(reasons, "BAD_PADDING", 12, "drop", 0, 0, 0);
	check_reason(reasons, "MALFORMED", 13, "drop", 1, 0, 1);
	check_reason(reasons, "SA_EXPIRED", 14, "drop", 0, 0, 0);
	check_reason(reasons, "TAIL_DROP", 15, "drop", 0, 0, 0);
	check_reason(reasons, "DUMMY", 16, "drop", 0, 0, 0);
	/* 2^64 - 1 survives as an integer */
	check_reason(reasons, "MAC_ERROR", 17, "drop", 65, 0,
	    18446744073709551615u);
	check_reason(reasons, "CDC_OVERFLOW", 18, "drop", 0, 0, 0);

	totals = jobj(doc, "totals");
	jkeys(totals, "delivered", "dropped", NULL);
	o = jobj(totals, "delivered");
	jkeys(o, "count", "delta", NULL);
	jint(o, "count", 933);
	jint(o, "delta", 94);
	o = jobj(totals, "dropped");
	jint(o, "count", 64667);
	jint(o, "delta", 6);
	json_object_put(doc);
	cap_free(&c);
}

/* First show after a reset that voided the clear: nulls where there is
 * nothing, the dropped clear reported. */
static void
test_drops_json_nulls(void **state)
{
	struct json_object *doc, *o;
	struct ctl_drops d;
	struct capture c;

	(void)state;
	drops_fixture(&d);
	d.previous.valid = false;
	d.baseline.valid = false;
	d.reset_since_clear = true;
	d.dropped_clear_wall_s = 1714564000;   /* 11:46:40 */
	cap_open(&c);
	assert_int_equal(fmt_drops_json(c.fp, &d), 0);
	doc = parse_json(cap_close(&c));
	jnull(doc, "clear");
	o = jobj(doc, "dropped_clear");
	jint(o, "time", 1714564000);
	jstr(o, "time_utc", "2024-05-01T11:46:40Z");
	jnull(doc, "previous");
	o = jobj(jobj(doc, "reasons"), "SA_NOT_FOUND_V4");
	jnull(o, "delta");
	jint(o, "count", 64574);
	jnull(jobj(jobj(doc, "totals"), "dropped"), "delta");
	json_object_put(doc);
	cap_free(&c);
}

static void
test_drops_prom(void **state)
{
	struct ctl_drops d;
	struct capture c;
	const char *out;

	(void)state;
	drops_fixture(&d);
	cap_open(&c);
	assert_int_equal(fmt_drops_prom(c.fp, &d), 0);
	out = cap_close(&c);
	/* the card's own counters, not the counts since the clear */
	assert_text(out,
	    "# HELP spisync_info The card spisyncctl read (device as given to -d); always 1.\n"
	    "# TYPE spisync_info gauge\n"
	    "spisync_info{device=\"sim:/run/spisync/sim.sock\"} 1\n"
	    "# HELP spisync_rx_packets_total Frames received from the MAC, whatever their outcome.\n"
	    "# TYPE spisync_rx_packets_total counter\n"
	    "spisync_rx_packets_total 70000\n"
	    "# HELP spisync_delivered_total Frames delivered to the host, by outcome (docs/register-map.md).\n"
	    "# TYPE spisync_delivered_total counter\n"
	    "spisync_delivered_total{outcome=\"decrypted\"} 1200\n"
	    "spisync_delivered_total{outcome=\"pass_through\"} 40\n"
	    "spisync_delivered_total{outcome=\"punt_fragment\"} 2\n"
	    "spisync_delivered_total{outcome=\"punt_ipv6_ext\"} 1\n"
	    "# HELP spisync_drops_total Frames dropped, by reason (docs/register-map.md).\n"
	    "# TYPE spisync_drops_total counter\n"
	    "spisync_drops_total{reason=\"sa_not_found_v4\"} 68000\n"
	    "spisync_drops_total{reason=\"sa_not_found_v6\"} 0\n"
	    "spisync_drops_total{reason=\"sa_not_found_natt_v4\"} 20\n"
	    "spisync_drops_total{reason=\"sa_not_found_natt_v6\"} 0\n"
	    "spisync_drops_total{reason=\"spi_reserved\"} 3\n"
	    "spisync_drops_total{reason=\"auth_fail\"} 5\n"
	    "spisync_drops_total{reason=\"replay\"} 7\n"
	    "spisync_drops_total{reason=\"bad_padding\"} 0\n"
	    "spisync_drops_total{reason=\"malformed\"} 1\n"
	    "spisync_drops_total{reason=\"sa_expired\"} 0\n"
	    "spisync_drops_total{reason=\"tail_drop\"} 0\n"
	    "spisync_drops_total{reason=\"dummy\"} 0\n"
	    "spisync_drops_total{reason=\"mac_error\"} 18446744073709551615\n"
	    "spisync_drops_total{reason=\"cdc_overflow\"} 0\n");
	assert_prom_valid(out);
	cap_free(&c);
}

/* A device string with \, " and a newline is escaped in the label; every
 * other byte passes through as the format allows. */
static void
test_prom_label_escaping(void **state)
{
	char device[300];
	struct ctl_drops d;
	struct capture c;
	const char *out;
	size_t n = 0;

	(void)state;
	drops_fixture(&d);
	d.device = "a\\b\"c\nd";
	cap_open(&c);
	assert_int_equal(fmt_drops_prom(c.fp, &d), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out,
	    "\nspisync_info{device=\"a\\\\b\\\"c\\nd\"} 1\n"));
	assert_prom_valid(out);
	cap_free(&c);

	/* every byte value 1..255 */
	for (unsigned b = 1; b < 256; b++)
		device[n++] = (char)b;
	device[n] = '\0';
	d.device = device;
	cap_open(&c);
	assert_int_equal(fmt_drops_prom(c.fp, &d), 0);
	assert_prom_valid(cap_close(&c));
	cap_free(&c);
}

/* ---------------------------------------------------------------------- */
/* show sa */

static void
sa_fixture(struct ctl_sa sa[2], struct ctl_sa_view *v)
{
	memset(sa, 0, 2 * sizeof(sa[0]));
	sa[0].info.index = 3;
	sa[0].info.spi = 0xabcd;
	ip4(sa[0].info.dst, "198.18.0.1");
	sa[0].info.esn = true;
	sa[0].info.udp_encap = true;
	sa[0].info.sport = 4500;
	sa[0].info.dport = 4501;
	sa[0].info.mode = SPISYNC_SA_MODE_TUNNEL;
	sa[0].info.icv_len = 16;
	sa[0].info.gen = 1;
	sa[0].info.soft_bytes = 1000000;
	sa[0].info.hard_bytes = 2000000;
	sa[0].info.soft_time_s = 3600;
	sa[0].info.hard_time_s = 7200;
	sa[0].info.age_s = 12;
	sa[0].stats.packets = 10;
	sa[0].stats.bytes = 1500;
	sa[0].stats.replay = 2;

	sa[1].info.index = 7;
	sa[1].info.spi = 0xfffffffe;
	sa[1].info.ipv6 = true;
	ip6(sa[1].info.dst, "2001:db8::1");
	sa[1].info.key_256 = true;
	sa[1].info.mode = SPISYNC_SA_MODE_TRANSPORT;
	sa[1].info.icv_len = 8;
	sa[1].info.gen = 255;
	sa[1].info.hard_packets = 1000;
	sa[1].info.soft_time_s = 60;
	sa[1].info.soft_time_expired = true;
	sa[1].info.age_s = 86400;
	sa[1].stats.packets = 18446744073709551615u;
	sa[1].stats.auth_fail = 3;

	memset(v, 0, sizeof(*v));
	v->device = DEVICE;
	v->capacity = 4096;
	v->n = 2;
	v->sa = sa;
}

static void
test_sa_text(void **state)
{
	struct ctl_sa sa[2];
	struct ctl_sa_view v;
	struct capture c;

	(void)state;
	sa_fixture(sa, &v);
	cap_open(&c);
	assert_int_equal(fmt_sa_text(c.fp, &v), 0);
	assert_text(cap_close(&c),
	    "spisync SAs on sim:/run/spisync/sim.sock: 2 installed, capacity 4096\n"
	    "sa 3: spi 0x0000abcd dst 198.18.0.1 mode tunnel aes-gcm-128 icv 128 esn "
	    "encap espinudp 4500 4501 gen 1 age 12 s\n"
	    "    lifetime soft: bytes 1000000, packets -, time 3600 s; hard: bytes "
	    "2000000, packets -, time 7200 s\n"
	    "    packets 10, bytes 1500, auth fails 0, replays 2\n"
	    "sa 7: spi 0xfffffffe dst 2001:db8::1 mode transport aes-gcm-256 icv 64 "
	    "no-esn encap none gen 255 age 86400 s\n"
	    "    lifetime soft: bytes -, packets -, time 60 s (expired); hard: bytes "
	    "-, packets 1000, time -\n"
	    "    packets 18446744073709551615, bytes 0, auth fails 3, replays 0\n");
	cap_free(&c);

	v.n = 0;
	cap_open(&c);
	assert_int_equal(fmt_sa_text(c.fp, &v), 0);
	assert_text(cap_close(&c),
	    "spisync SAs on sim:/run/spisync/sim.sock: 0 installed, capacity 4096\n");
	cap_free(&c);
}

static void
check_limits(struct json_object *o, bool bytes_null, uint64_t bytes,
    bool packets_null, uint64_t packets, bool time_null, uint64_t time_s)
{
	jkeys(o, "bytes", "packets", "time_s", NULL);
	if (bytes_null)
		jnull(o, "bytes");
	else
		jint(o, "bytes", bytes);
	if (packets_null)
		jnull(o, "packets");
	else
		jint(o, "packets", packets);
	if (time_null)
		jnull(o, "time_s");
	else
		jint(o, "time_s", time_s);
}

static void
test_sa_json(void **state)
{
	struct json_object *doc, *arr, *s, *o;
	struct ctl_sa sa[2];
	struct ctl_sa_view v;
	struct capture c;

	(void)state;
	sa_fixture(sa, &v);
	cap_open(&c);
	assert_int_equal(fmt_sa_json(c.fp, &v), 0);
	doc = parse_json(cap_close(&c));
	jkeys(doc, "device", "capacity", "installed", "sas", NULL);
	jstr(doc, "device", DEVICE);
	jint(doc, "capacity", 4096);
	jint(doc, "installed", 2);
	arr = jget(doc, "sas");
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), 2);

	s = json_object_array_get_idx(arr, 0);
	jkeys(s, "index", "spi", "ip", "dst", "mode", "key_bits", "icv_bits",
	    "esn", "encap", "gen", "age_s", "lifetime", "soft_time_expired",
	    "packets", "bytes", "auth_fail", "replay", NULL);
	jint(s, "index", 3);
	jstr(s, "spi", "0x0000abcd");
	jint(s, "ip", 4);
	jstr(s, "dst", "198.18.0.1");
	jstr(s, "mode", "tunnel");
	jint(s, "key_bits", 128);
	jint(s, "icv_bits", 128);
	jbool(s, "esn", true);
	o = jobj(s, "encap");
	jkeys(o, "type", "sport", "dport", NULL);
	jstr(o, "type", "espinudp");
	jint(o, "sport", 4500);
	jint(o, "dport", 4501);
	jint(s, "gen", 1);
	jint(s, "age_s", 12);
	o = jobj(s, "lifetime");
	jkeys(o, "soft", "hard", NULL);
	check_limits(jobj(o, "soft"), false, 1000000, true, 0, false, 3600);
	check_limits(jobj(o, "hard"), false, 2000000, true, 0, false, 7200);
	jbool(s, "soft_time_expired", false);
	jint(s, "packets", 10);
	jint(s, "bytes", 1500);
	jint(s, "auth_fail", 0);
	jint(s, "replay", 2);

	s = json_object_array_get_idx(arr, 1);
	jint(s, "index", 7);
	jstr(s, "spi", "0xfffffffe");
	jint(s, "ip", 6);
	jstr(s, "dst", "2001:db8::1");
	jstr(s, "mode", "transport");
	jint(s, "key_bits", 256);
	jint(s, "icv_bits", 64);
	jbool(s, "esn", false);
	jnull(s, "encap");
	jint(s, "gen", 255);
	jint(s, "age_s", 86400);
	o = jobj(s, "lifetime");
	check_limits(jobj(o, "soft"), true, 0, true, 0, false, 60);
	check_limits(jobj(o, "hard"), true, 0, false, 1000, true, 0);
	jbool(s, "soft_time_expired", true);
	jint(s, "packets", 18446744073709551615u);
	jint(s, "bytes", 0);
	jint(s, "auth_fail", 3);
	jint(s, "replay", 0);
	json_object_put(doc);
	cap_free(&c);
}

static void
test_sa_prom(void **state)
{
	static const char *const lines[] = {
		"spisync_info{device=\"sim:/run/spisync/sim.sock\"} 1\n",
		"# TYPE spisync_sa_installed gauge\nspisync_sa_installed 2\n",
		"# TYPE spisync_sa_capacity gauge\nspisync_sa_capacity 4096\n",
		"# TYPE spisync_sa_packets_total counter\n"
		"spisync_sa_packets_total{index=\"3\",spi=\"0x0000abcd\"} 10\n"
		"spisync_sa_packets_total{index=\"7\",spi=\"0xfffffffe\"} 18446744073709551615\n",
		"# TYPE spisync_sa_bytes_total counter\n"
		"spisync_sa_bytes_total{index=\"3\",spi=\"0x0000abcd\"} 1500\n"
		"spisync_sa_bytes_total{index=\"7\",spi=\"0xfffffffe\"} 0\n",
		"# TYPE spisync_sa_auth_fail_total counter\n"
		"spisync_sa_auth_fail_total{index=\"3\",spi=\"0x0000abcd\"} 0\n"
		"spisync_sa_auth_fail_total{index=\"7\",spi=\"0xfffffffe\"} 3\n",
		"# TYPE spisync_sa_replay_total counter\n"
		"spisync_sa_replay_total{index=\"3\",spi=\"0x0000abcd\"} 2\n"
		"spisync_sa_replay_total{index=\"7\",spi=\"0xfffffffe\"} 0\n",
		"# TYPE spisync_sa_age_seconds gauge\n"
		"spisync_sa_age_seconds{index=\"3\",spi=\"0x0000abcd\"} 12\n"
		"spisync_sa_age_seconds{index=\"7\",spi=\"0xfffffffe\"} 86400\n",
	};
	struct ctl_sa sa[2];
	struct ctl_sa_view v;
	struct capture c;
	const char *out;
	size_t samples = 0;

	(void)state;
	sa_fixture(sa, &v);
	cap_open(&c);
	assert_int_equal(fmt_sa_prom(c.fp, &v), 0);
	out = cap_close(&c);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (strstr(out, lines[i]) == NULL) {
			print_error("missing:\n%s\nin:\n%s\n", lines[i], out);
			fail();
		}
	}
	/* 1 info + 2 gauges + 5 metrics x 2 SAs, nothing else */
	for (const char *p = out; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (*p != '#')
			samples++;
	}
	assert_int_equal(samples, 13);
	assert_prom_valid(out);
	cap_free(&c);

	/* no SA: the families are declared, with no samples */
	v.n = 0;
	cap_open(&c);
	assert_int_equal(fmt_sa_prom(c.fp, &v), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out, "spisync_sa_installed 0\n"));
	assert_null(strstr(out, "{index="));
	assert_prom_valid(out);
	cap_free(&c);
}

/* ---------------------------------------------------------------------- */
/* show events */

enum { N_EVENTS = 10 };

static void
ev_v4(struct spisync_event *ev, const char *src, const char *dst)
{
	ip4(ev->src, src);
	ip4(ev->dst, dst);
}

static void
events_fixture(struct spisync_event ev[N_EVENTS], struct ctl_events *e)
{
	memset(ev, 0, N_EVENTS * sizeof(ev[0]));
	for (size_t i = 0; i < N_EVENTS; i++)
		ev[i].sa_index = SPISYNC_SA_INDEX_NONE;

	ev[0].type = SPISYNC_EV_SA_MISS;
	ev[0].time_ns = 1236000000000u;
	ev_v4(&ev[0], "198.18.0.2", "198.18.0.1");
	ev[0].spi = 0xb761863e;
	ev[0].seq = 17;
	ev[0].frame_len = 142;
	ev[0].rx_seq = 5;

	ev[1].type = SPISYNC_EV_SA_MISS;
	ev[1].time_ns = 1237500000000u;
	ev[1].ipv6 = true;
	ip6(ev[1].src, "2001:db8::2");
	ip6(ev[1].dst, "2001:db8::1");
	ev[1].spi = 0x1db73bbb;
	ev[1].udp = true;
	ev[1].sport = 4501;
	ev[1].dport = 4500;
	ev[1].seq = 99;
	ev[1].frame_len = 190;
	ev[1].count = 61;
	ev[1].port = 1;
	ev[1].rx_seq = 65535;

	ev[2].type = SPISYNC_EV_SA_MISS;
	ev[2].time_ns = 1238000000000u;
	ev_v4(&ev[2], "198.18.0.3", "198.18.0.1");
	ev[2].spi = 0x1000;
	ev[2].evicted = true;
	ev[2].count = 12;

	ev[3].type = SPISYNC_EV_SA_SOFT_EXPIRY;
	ev[3].time_ns = 1238250000000u;
	ev_v4(&ev[3], "198.18.0.2", "198.18.0.1");
	ev[3].spi = 0xabcd;
	ev[3].seq = 1000;
	ev[3].sa_index = 3;

	ev[4].type = SPISYNC_EV_SA_HARD_EXPIRY;
	ev[4].time_ns = 1238500000000u;
	ev[4].spi = 0xabce;
	ev[4].count = 1;
	ev[4].sa_index = 4;

	ev[5].type = SPISYNC_EV_AUTH_FAIL_BURST;
	ev[5].time_ns = 1239000000000u;
	ev_v4(&ev[5], "198.18.0.2", "198.18.0.1");
	ev[5].spi = 0xabcd;
	ev[5].count = 16;
	ev[5].seq = 1001;
	ev[5].sa_index = 3;

	ev[6].type = SPISYNC_EV_REPLAY_BURST;
	ev[6].time_ns = 1239100000000u;
	ev_v4(&ev[6], "198.18.0.2", "198.18.0.1");
	ev[6].spi = 0xabcd;
	ev[6].count = 64;
	ev[6].seq = 5;
	ev[6].sa_index = 3;

	ev[7].type = SPISYNC_EV_EVENTS_LOST;
	ev[7].time_ns = 1239500000000u;
	ev[7].count = 5;
	ev[7].seq = 120;      /* LOST_MISSES */

	ev[8].type = SPISYNC_EV_SPI_RESERVED;
	ev[8].time_ns = 1239999999999u;
	ev_v4(&ev[8], "198.18.0.9", "198.18.0.1");
	ev[8].spi = 0xff;
	ev[8].seq = 1;
	ev[8].frame_len = 98;

	/* not a type the spec has, and from the future of the card's clock */
	ev[9].type = 9;
	ev[9].time_ns = 1241000000000u;
	ev[9].spi = 1;
	ev[9].count = 2;
	ev[9].seq = 3;

	memset(e, 0, sizeof(*e));
	e->device = DEVICE;
	e->card_time_ns = 1240000000000u;
	e->hist_capacity = 64;
	e->hist_count = 1290;
	e->n = N_EVENTS;
	e->ev = ev;
}

static void
test_events_text(void **state)
{
	struct spisync_event ev[N_EVENTS];
	struct ctl_events e;
	struct capture c;

	(void)state;
	events_fixture(ev, &e);
	cap_open(&c);
	assert_int_equal(fmt_events_text(c.fp, &e), 0);
	assert_text(cap_close(&c),
	    "spisync events on sim:/run/spisync/sim.sock, card time 1240.000000000 s: "
	    "the last 10 of 1290 records (the card keeps 64)\n"
	    "         card time s        age s  type            event\n"
	    "      1236.000000000        4.000  SA_MISS         198.18.0.2 -> 198.18.0.1 "
	    "spi 0xb761863e seq 17 len 142 suppressed 0\n"
	    "      1237.500000000        2.500  SA_MISS         2001:db8::2 -> 2001:db8::1 "
	    "spi 0x1db73bbb udp 4501 -> 4500 seq 99 len 190 suppressed 61 port 1\n"
	    "      1238.000000000        2.000  SA_MISS         198.18.0.3 -> 198.18.0.1 "
	    "spi 0x00001000 evicted from the flow table, suppressed 12\n"
	    "      1238.250000000        1.750  SA_SOFT_EXPIRY  sa 3 spi 0x0000abcd "
	    "byte/packet limit, frame 198.18.0.2 -> 198.18.0.1 seq 1000\n"
	    "      1238.500000000        1.500  SA_HARD_EXPIRY  sa 4 spi 0x0000abce time limit\n"
	    "      1239.000000000        1.000  AUTH_FAIL_BURST sa 3 spi 0x0000abcd 16 drops "
	    "in the burst interval, last 198.18.0.2 -> 198.18.0.1 seq 1001\n"
	    "      1239.100000000        0.900  REPLAY_BURST    sa 3 spi 0x0000abcd 64 drops "
	    "in the burst interval, last 198.18.0.2 -> 198.18.0.1 seq 5\n"
	    "      1239.500000000        0.500  EVENTS_LOST     5 records lost (120 SA misses)\n"
	    "      1239.999999999        0.000  SPI_RESERVED    198.18.0.9 -> 198.18.0.1 "
	    "spi 0x000000ff seq 1 len 98 suppressed 0\n"
	    "      1241.000000000            -  UNKNOWN(9)      spi 0x00000001 count 2 "
	    "seq 3 sa 65535\n");
	cap_free(&c);

	e.n = 0;
	e.hist_count = 0;
	cap_open(&c);
	assert_int_equal(fmt_events_text(c.fp, &e), 0);
	assert_text(cap_close(&c),
	    "spisync events on sim:/run/spisync/sim.sock, card time 1240.000000000 s: "
	    "the last 0 of 0 records (the card keeps 64)\n");
	cap_free(&c);
}

/* The keys every event has, in order, then the type's own. */
static void
check_event_common(struct json_object *o, const char *type, uint64_t type_id,
    uint64_t time_ns)
{
	jstr(o, "type", type);
	jint(o, "type_id", type_id);
	jint(o, "time_ns", time_ns);
}

#define EVENT_KEYS "type", "type_id", "time_ns", "age_ns", "ip", "src", "dst", \
	"spi", "udp", "sport", "dport", "port", "evicted", "seq", "len", \
	"rx_seq", "count", "sa_index"

static void
test_events_json(void **state)
{
	struct spisync_event ev[N_EVENTS];
	struct json_object *doc, *arr, *o;
	struct ctl_events e;
	struct capture c;

	(void)state;
	events_fixture(ev, &e);
	cap_open(&c);
	assert_int_equal(fmt_events_json(c.fp, &e), 0);
	doc = parse_json(cap_close(&c));
	jkeys(doc, "device", "card_time_ns", "history_capacity",
	    "history_count", "events", NULL);
	jstr(doc, "device", DEVICE);
	jint(doc, "card_time_ns", 1240000000000u);
	jint(doc, "history_capacity", 64);
	jint(doc, "history_count", 1290);
	arr = jget(doc, "events");
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), N_EVENTS);

	o = json_object_array_get_idx(arr, 0);
	jkeys(o, EVENT_KEYS, "suppressed", NULL);
	check_event_common(o, "SA_MISS", 1, 1236000000000u);
	jint(o, "age_ns", 4000000000u);
	jint(o, "ip", 4);
	jstr(o, "src", "198.18.0.2");
	jstr(o, "dst", "198.18.0.1");
	jstr(o, "spi", "0xb761863e");
	jbool(o, "udp", false);
	jint(o, "sport", 0);
	jint(o, "dport", 0);
	jint(o, "port", 0);
	jbool(o, "evicted", false);
	jint(o, "seq", 17);
	jint(o, "len", 142);
	jint(o, "rx_seq", 5);
	jint(o, "count", 0);
	jnull(o, "sa_index");
	jint(o, "suppressed", 0);

	o = json_object_array_get_idx(arr, 1);
	jkeys(o, EVENT_KEYS, "suppressed", NULL);
	jint(o, "ip", 6);
	jstr(o, "src", "2001:db8::2");
	jstr(o, "dst", "2001:db8::1");
	jbool(o, "udp", true);
	jint(o, "sport", 4501);
	jint(o, "dport", 4500);
	jint(o, "port", 1);
	jint(o, "rx_seq", 65535);
	jint(o, "suppressed", 61);

	o = json_object_array_get_idx(arr, 2);
	jbool(o, "evicted", true);
	jint(o, "suppressed", 12);

	o = json_object_array_get_idx(arr, 3);
	jkeys(o, EVENT_KEYS, "limit", NULL);
	check_event_common(o, "SA_SOFT_EXPIRY", 3, 1238250000000u);
	jint(o, "sa_index", 3);
	jstr(o, "limit", "bytes_or_packets");
	jint(o, "seq", 1000);

	o = json_object_array_get_idx(arr, 4);
	jkeys(o, EVENT_KEYS, "limit", NULL);
	check_event_common(o, "SA_HARD_EXPIRY", 4, 1238500000000u);
	jint(o, "sa_index", 4);
	jstr(o, "limit", "time");
	jstr(o, "src", "0.0.0.0");

	o = json_object_array_get_idx(arr, 5);
	jkeys(o, EVENT_KEYS, "drops", NULL);
	check_event_common(o, "AUTH_FAIL_BURST", 5, 1239000000000u);
	jint(o, "drops", 16);

	o = json_object_array_get_idx(arr, 6);
	jkeys(o, EVENT_KEYS, "drops", NULL);
	check_event_common(o, "REPLAY_BURST", 6, 1239100000000u);
	jint(o, "drops", 64);

	o = json_object_array_get_idx(arr, 7);
	jkeys(o, EVENT_KEYS, "lost_records", "lost_misses", NULL);
	check_event_common(o, "EVENTS_LOST", 7, 1239500000000u);
	jint(o, "lost_records", 5);
	jint(o, "lost_misses", 120);
	jint(o, "age_ns", 500000000u);

	o = json_object_array_get_idx(arr, 8);
	jkeys(o, EVENT_KEYS, "suppressed", NULL);
	check_event_common(o, "SPI_RESERVED", 2, 1239999999999u);
	jint(o, "age_ns", 1);
	jstr(o, "spi", "0x000000ff");

	o = json_object_array_get_idx(arr, 9);
	jkeys(o, EVENT_KEYS, NULL);
	check_event_common(o, "UNKNOWN", 9, 1241000000000u);
	jnull(o, "age_ns");
	json_object_put(doc);
	cap_free(&c);
}

/* ---------------------------------------------------------------------- */
/* show card */

static void
card_fixture(struct ctl_card *c)
{
	memset(c, 0, sizeof(*c));
	c->device = DEVICE;
	c->backend = "sim";
	c->info.id = 0x53505359;
	c->info.version = 0x00010000;
	c->info.data_width = 512;
	c->info.sa_entries = 4096;
	c->info.tag_buckets = 2048;
	c->info.reasons = 18;
	c->info.replay_window = 1024;
	c->info.flow_entries = 1024;
	c->info.ring_max_log2 = 20;
	c->info.event_hist = 64;
	c->info.fw_version = 0x102;
	c->info.mbox_proto = 1;
	c->info.sa_installed = 12;
	c->info.fw_uptime_s = 277506;      /* 3 d 05:05:06 */
	c->card_time_ns = 1234567890123u;
	c->ev.written = 1234;
	c->ev.lost = 7;
	c->ev.flow_suppressed = 5678;
	c->ev.flow_pending = 3;
	c->ev.ring_prod = 1234;
	c->ev.ring_cons = 1200;
	c->ev.ring_status = 0x11;
	c->ev.ring_size_log2 = 12;
	c->ev.ring_base = 0x12340000;
	c->ev.hist_count = 1290;
	c->cfg.holdoff_ns = 1000000000;
	c->cfg.token_ns = 10000;
	c->cfg.token_burst = 256;
	c->cfg.lost_ns = 1000000;
	c->cfg.burst_interval_ns = 1000000000;
	c->cfg.auth_fail_burst = 16;
	c->cfg.replay_burst = 0;
}

static void
test_card_text(void **state)
{
	struct ctl_card card;
	struct capture c;
	const char *out;

	(void)state;
	card_fixture(&card);
	cap_open(&c);
	assert_int_equal(fmt_card_text(c.fp, &card), 0);
	assert_text(cap_close(&c),
	    "spisync card on sim:/run/spisync/sim.sock (backend sim)\n"
	    "card            id 0x53505359, register map 0x00010000, datapath 512 bits\n"
	    "capabilities    4096 SA entries, 2 x 2048 tag buckets, 18 reasons, replay window 1024,\n"
	    "                1024 flows, ring up to 2^20 records, event history 64\n"
	    "controller      firmware 0x00000102, mailbox protocol 1, up 277506 s (3d 05:05:06)\n"
	    "SAs             12 installed of 4096\n"
	    "card time       1234.567890123 s\n"
	    "event ring      enabled, 2^12 records at 0x0000000012340000\n"
	    "                prod 1234, cons 1200 (34 pending), write errors 0\n"
	    "                status 0x11: enabled, writes outstanding\n"
	    "events          written 1234, lost 7, flow suppressed 5678, flow pending 3, history count 1290\n"
	    "event filter    hold-off 1000000000 ns, a token every 10000 ns, token burst 256,\n"
	    "                lost-record interval 1000000 ns, burst interval 1000000000 ns,\n"
	    "                auth-fail burst 16, replay burst never\n");
	cap_free(&c);

	/* a disabled ring with every error bit and one the spec does not
	 * have; indices across the 2^32 wrap; no token limit */
	card.ev.ring_status = 0x4e;
	card.ev.ring_prod = 5;
	card.ev.ring_cons = 0xfffffffe;
	card.ev.ring_write_errors = 2;
	card.cfg.token_ns = 0;
	card.cfg.auth_fail_burst = 0;
	card.cfg.replay_burst = 64;
	card.info.fw_uptime_s = 59;
	cap_open(&c);
	assert_int_equal(fmt_card_text(c.fp, &card), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out, "up 59 s (00:00:59)\n"));
	assert_non_null(strstr(out,
	    "event ring      disabled, 2^12 records at 0x0000000012340000\n"
	    "                prod 5, cons 4294967294 (7 pending), write errors 2\n"
	    "                status 0x4e: disabled, full, bad RING_CONS seen, "
	    "write error seen, unknown bits 0x40\n"));
	assert_non_null(strstr(out, "hold-off 1000000000 ns, no token limit, "
	    "token burst 256,\n"));
	assert_non_null(strstr(out, "auth-fail burst never, replay burst 64\n"));
	cap_free(&c);
}

static void
test_card_json(void **state)
{
	struct json_object *doc, *o;
	struct ctl_card card;
	struct capture c;

	(void)state;
	card_fixture(&card);
	card.ev.ring_prod = 5;
	card.ev.ring_cons = 0xfffffffe;
	card.ev.ring_status = 0x0e;
	cap_open(&c);
	assert_int_equal(fmt_card_json(c.fp, &card), 0);
	doc = parse_json(cap_close(&c));
	jkeys(doc, "device", "backend", "card", "capabilities", "controller",
	    "sa", "card_time_ns", "ring", "events", "event_filter", NULL);
	jstr(doc, "device", DEVICE);
	jstr(doc, "backend", "sim");
	o = jobj(doc, "card");
	jkeys(o, "id", "version", "data_width", NULL);
	jstr(o, "id", "0x53505359");
	jstr(o, "version", "0x00010000");
	jint(o, "data_width", 512);
	o = jobj(doc, "capabilities");
	jkeys(o, "sa_entries", "tag_buckets", "reasons", "replay_window",
	    "flow_entries", "ring_max_log2", "event_hist", NULL);
	jint(o, "sa_entries", 4096);
	jint(o, "tag_buckets", 2048);
	jint(o, "reasons", 18);
	jint(o, "replay_window", 1024);
	jint(o, "flow_entries", 1024);
	jint(o, "ring_max_log2", 20);
	jint(o, "event_hist", 64);
	o = jobj(doc, "controller");
	jkeys(o, "fw_version", "mbox_proto", "uptime_s", NULL);
	jstr(o, "fw_version", "0x00000102");
	jint(o, "mbox_proto", 1);
	jint(o, "uptime_s", 277506);
	o = jobj(doc, "sa");
	jkeys(o, "installed", "capacity", NULL);
	jint(o, "installed", 12);
	jint(o, "capacity", 4096);
	jint(doc, "card_time_ns", 1234567890123u);
	o = jobj(doc, "ring");
	jkeys(o, "enabled", "size_log2", "base", "prod", "cons", "pending",
	    "status", "full", "bad_cons", "write_error", "writes_outstanding",
	    "write_errors", NULL);
	jbool(o, "enabled", false);
	jint(o, "size_log2", 12);
	jstr(o, "base", "0x0000000012340000");
	jint(o, "prod", 5);
	jint(o, "cons", 4294967294u);
	jint(o, "pending", 7);
	jint(o, "status", 14);
	jbool(o, "full", true);
	jbool(o, "bad_cons", true);
	jbool(o, "write_error", true);
	jbool(o, "writes_outstanding", false);
	jint(o, "write_errors", 0);
	o = jobj(doc, "events");
	jkeys(o, "written", "lost", "flow_suppressed", "flow_pending",
	    "history_count", NULL);
	jint(o, "written", 1234);
	jint(o, "lost", 7);
	jint(o, "flow_suppressed", 5678);
	jint(o, "flow_pending", 3);
	jint(o, "history_count", 1290);
	o = jobj(doc, "event_filter");
	jkeys(o, "holdoff_ns", "token_ns", "token_burst", "lost_ns",
	    "burst_interval_ns", "auth_fail_burst", "replay_burst", NULL);
	jint(o, "holdoff_ns", 1000000000);
	jint(o, "token_ns", 10000);
	jint(o, "token_burst", 256);
	jint(o, "lost_ns", 1000000);
	jint(o, "burst_interval_ns", 1000000000);
	jint(o, "auth_fail_burst", 16);
	jint(o, "replay_burst", 0);
	json_object_put(doc);
	cap_free(&c);
}

/* ---------------------------------------------------------------------- */
/* sa add / sa del / clear counters reports */

static void
test_change_reports(void **state)
{
	struct json_object *doc, *o;
	struct ctl_snapshot base;
	struct capture c;

	(void)state;
	cap_open(&c);
	assert_int_equal(fmt_sa_change_text(c.fp, DEVICE, "added", 3, 0xabcd), 0);
	assert_text(cap_close(&c),
	    "added SA 3 (spi 0x0000abcd) on sim:/run/spisync/sim.sock\n");
	cap_free(&c);

	cap_open(&c);
	assert_int_equal(fmt_sa_change_json(c.fp, DEVICE, "deleted", 7,
	    0xfffffffe), 0);
	doc = parse_json(cap_close(&c));
	jkeys(doc, "device", "action", "index", "spi", NULL);
	jstr(doc, "device", DEVICE);
	jstr(doc, "action", "deleted");
	jint(doc, "index", 7);
	jstr(doc, "spi", "0xfffffffe");
	json_object_put(doc);
	cap_free(&c);

	memset(&base, 0, sizeof(base));
	base.valid = true;
	base.wall_s = 1714564800;
	base.card_time_ns = 42;
	cap_open(&c);
	assert_int_equal(fmt_clear_text(c.fp, DEVICE, &base), 0);
	assert_text(cap_close(&c),
	    "counters cleared on sim:/run/spisync/sim.sock at 2024-05-01 12:00:00 UTC: "
	    "show drops counts from here (the card's own counters are unchanged)\n");
	cap_free(&c);

	cap_open(&c);
	assert_int_equal(fmt_clear_json(c.fp, DEVICE, &base), 0);
	doc = parse_json(cap_close(&c));
	jkeys(doc, "device", "clear", "card_time_ns", NULL);
	o = jobj(doc, "clear");
	jint(o, "time", 1714564800);
	jstr(o, "time_utc", "2024-05-01T12:00:00Z");
	jint(doc, "card_time_ns", 42);
	json_object_put(doc);
	cap_free(&c);
}

/* Every formatter reports a full disk instead of pretending. */
static void
test_write_errors(void **state)
{
	struct spisync_event ev[N_EVENTS];
	struct ctl_sa sa[2];
	struct ctl_sa_view v;
	struct ctl_events e;
	struct ctl_drops d;
	struct ctl_card card;
	struct ctl_snapshot base;
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	if (full == NULL)
		skip();
	setvbuf(full, NULL, _IONBF, 0);
	drops_fixture(&d);
	sa_fixture(sa, &v);
	events_fixture(ev, &e);
	card_fixture(&card);
	memset(&base, 0, sizeof(base));
	assert_int_equal(fmt_drops_text(full, &d), -1);
	assert_int_equal(fmt_drops_json(full, &d), -1);
	assert_int_equal(fmt_drops_prom(full, &d), -1);
	assert_int_equal(fmt_sa_text(full, &v), -1);
	assert_int_equal(fmt_sa_json(full, &v), -1);
	assert_int_equal(fmt_sa_prom(full, &v), -1);
	assert_int_equal(fmt_events_text(full, &e), -1);
	assert_int_equal(fmt_events_json(full, &e), -1);
	assert_int_equal(fmt_card_text(full, &card), -1);
	assert_int_equal(fmt_card_json(full, &card), -1);
	assert_int_equal(fmt_sa_change_text(full, DEVICE, "added", 1, 256), -1);
	assert_int_equal(fmt_sa_change_json(full, DEVICE, "added", 1, 256), -1);
	assert_int_equal(fmt_clear_text(full, DEVICE, &base), -1);
	assert_int_equal(fmt_clear_json(full, DEVICE, &base), -1);
	fclose(full);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_checker_rejects),
		cmocka_unit_test(test_drops_text),
		cmocka_unit_test(test_drops_text_first),
		cmocka_unit_test(test_drops_text_reset),
		cmocka_unit_test(test_drops_text_wide),
		cmocka_unit_test(test_drops_json),
		cmocka_unit_test(test_drops_json_nulls),
		cmocka_unit_test(test_drops_prom),
		cmocka_unit_test(test_prom_label_escaping),
		cmocka_unit_test(test_sa_text),
		cmocka_unit_test(test_sa_json),
		cmocka_unit_test(test_sa_prom),
		cmocka_unit_test(test_events_text),
		cmocka_unit_test(test_events_json),
		cmocka_unit_test(test_card_text),
		cmocka_unit_test(test_card_json),
		cmocka_unit_test(test_change_reports),
		cmocka_unit_test(test_write_errors),
	};

	/* the text shows local time: pin it */
	if (setenv("TZ", "UTC", 1) != 0)
		return 1;
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
