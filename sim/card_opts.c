/*
 * spisync-sim -- the card options both modes take (card_opts.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_opts.h"
#include "card_sim.h"
#include "spisync_hw.h"

/* The card's reset values (docs/register-map.md). */
#define EVENT_RATE_DEFAULT 100000u
#define EVENT_BURST_DEFAULT 256u
#define AUTH_FAIL_BURST_DEFAULT 16u
#define REPLAY_BURST_DEFAULT 64u
#define HOLDOFF_NS_DEFAULT 1000000000ull

static const struct option card_longopts[CARD_OPTS_COUNT] = {
	{ "width", required_argument, NULL, CARD_OPTS_VAL },
	{ "natt", no_argument, NULL, CARD_OPTS_VAL },
	{ "gap", required_argument, NULL, CARD_OPTS_VAL },
	{ "holdoff-ns", required_argument, NULL, CARD_OPTS_VAL },
	{ "event-rate", required_argument, NULL, CARD_OPTS_VAL },
	{ "event-burst", required_argument, NULL, CARD_OPTS_VAL },
	{ "auth-fail-burst", required_argument, NULL, CARD_OPTS_VAL },
	{ "replay-burst", required_argument, NULL, CARD_OPTS_VAL },
};

void
card_opts_init(struct card_opts *o, struct option *longopts,
    const struct option *own, size_t n_own)
{
	memcpy(longopts, own, n_own * sizeof(*longopts));
	memcpy(longopts + n_own, card_longopts, sizeof(card_longopts));
	memset(&longopts[n_own + CARD_OPTS_COUNT], 0, sizeof(*longopts));
	memset(o, 0, sizeof(*o));
	o->width = 512;
	o->holdoff_ns = HOLDOFF_NS_DEFAULT;
	o->event_rate = EVENT_RATE_DEFAULT;
	o->event_burst = EVENT_BURST_DEFAULT;
	o->auth_fail_burst = AUTH_FAIL_BURST_DEFAULT;
	o->replay_burst = REPLAY_BURST_DEFAULT;
}

/* Decimal digits only, at most max: 0 or -1. (strtoul alone takes a sign
 * and leading white space.) */
static int
parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int
bad_value(const char *name, const char *want, const char *got)
{
	fprintf(stderr, "spisync-sim: --%s must be %s, not \"%s\"\n", name,
	    want, got);
	return -1;
}

/*
 * Takes the option name ("width", ..., as getopt_long matched it; without
 * "--") with its argument arg (NULL for --natt). 0, or -1 after printing
 * "spisync-sim: --NAME must be ..., not "ARG"" to stderr.
 */
static int
card_opts_take(struct card_opts *o, const char *name, const char *arg)
{
	if (strcmp(name, "natt") == 0) {
		o->natt = true;
		return 0;
	}
	if (arg == NULL) {
		/* getopt_long gives every other option its argument */
		fprintf(stderr, "spisync-sim: --%s needs a value\n", name);
		return -1;
	}
	if (strcmp(name, "width") == 0) {
		if (parse_uint(arg, 512, &o->width) != 0 ||
		    (o->width != 128 && o->width != 512))
			return bad_value(name, "128 or 512", arg);
		return 0;
	}
	if (strcmp(name, "gap") == 0) {
		if (parse_uint(arg, CARD_OPTS_GAP_MAX, &o->gap) != 0)
			return bad_value(name, "a number of clocks 0..1000000",
			    arg);
		return 0;
	}
	if (strcmp(name, "holdoff-ns") == 0) {
		if (parse_u64(arg, &o->holdoff_ns) != 0)
			return bad_value(name, "a number of ns", arg);
		return 0;
	}
	if (strcmp(name, "event-rate") == 0) {
		if (parse_uint(arg, 1000000000u, &o->event_rate) != 0)
			return bad_value(name, "0..1000000000 records/s", arg);
		return 0;
	}
	if (strcmp(name, "event-burst") == 0) {
		if (parse_uint(arg, 1000000u, &o->event_burst) != 0 ||
		    o->event_burst == 0)
			return bad_value(name, "1..1000000", arg);
		return 0;
	}
	if (strcmp(name, "auth-fail-burst") == 0) {
		if (parse_uint(arg, 65535u, &o->auth_fail_burst) != 0)
			return bad_value(name, "0..65535", arg);
		return 0;
	}
	if (strcmp(name, "replay-burst") == 0) {
		if (parse_uint(arg, 65535u, &o->replay_burst) != 0)
			return bad_value(name, "0..65535", arg);
		return 0;
	}
	/* only reached if card_longopts and this function disagree */
	fprintf(stderr, "spisync-sim: --%s is not a card option\n", name);
	return -1;
}

int
card_opts_next(struct card_opts *o, int argc, char **argv,
    const struct option *longopts)
{
	int c, idx;

	while ((c = getopt_long(argc, argv, "", longopts, &idx)) ==
	    CARD_OPTS_VAL) {
		if (card_opts_take(o, longopts[idx].name, optarg) != 0)
			return '?';
	}
	return c;
}

void
card_opts_usage(FILE *fp)
{
	fputs(
	    "  --width 128|512       card datapath width (default 512)\n"
	    "  --natt                every --esp-sa SA expects UDP "
	    "encapsulation\n"
	    "                        (port 4500)\n"
	    "  --gap CLOCKS          idle clocks between frames (default 0)\n"
	    "  --holdoff-ns NS       repeats of a reported miss flow within "
	    "NS\n"
	    "                        of card time are counted, not reported\n"
	    "                        (default 1000000000; 0: report every "
	    "miss)\n"
	    "  --event-rate N        at most N miss records per second of "
	    "card\n"
	    "                        time (default 100000; 0: no limit)\n"
	    "  --event-burst N       token bucket depth (default 256)\n"
	    "  --auth-fail-burst N   AUTH_FAIL drops of one SA within a second "
	    "of\n"
	    "                        card time that raise a record (default "
	    "16;\n"
	    "                        0: never)\n"
	    "  --replay-burst N      the same for REPLAY drops (default 64)\n",
	    fp);
}

void
card_opts_apply_filter(const struct card_opts *o, struct card_sim *c)
{
	card_sim_mmio_write(c, SPISYNC_REG_EVENT_HOLDOFF_NS_LO,
	    (uint32_t)o->holdoff_ns);
	card_sim_mmio_write(c, SPISYNC_REG_EVENT_HOLDOFF_NS_HI,
	    (uint32_t)(o->holdoff_ns >> 32));
	/* event_rate records per second: one token every 1e9/rate ns;
	 * EVENT_TOKEN_NS 0 turns the bucket off */
	card_sim_mmio_write(c, SPISYNC_REG_EVENT_TOKEN_NS, o->event_rate == 0 ?
	    0 : 1000000000u / o->event_rate);
	card_sim_mmio_write(c, SPISYNC_REG_EVENT_TOKEN_BURST, o->event_burst);
	card_sim_mmio_write(c, SPISYNC_REG_AUTH_FAIL_BURST, o->auth_fail_burst);
	card_sim_mmio_write(c, SPISYNC_REG_REPLAY_BURST, o->replay_burst);
}
