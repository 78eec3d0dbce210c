/*
 * spisync-sim -- the card options both modes take (replay, sim/replay_main.c,
 * and --socket, sim/server/server_main.c): --width, --natt, --gap and the
 * event filter (--holdoff-ns, --event-rate, --event-burst,
 * --auth-fail-burst, --replay-burst). One parser, one range check and one
 * help text, so the two modes cannot drift apart.
 *
 * A mode's getopt_long table is its own options, then these (each with the
 * val CARD_OPTS_VAL): card_opts_init builds it, and card_opts_next walks
 * the command line, taking these itself and returning the mode's own.
 */
#ifndef SPISYNC_CARD_OPTS_H
#define SPISYNC_CARD_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct card_sim;

/* Largest --gap: keeps the wire-time arithmetic far from overflow. */
#define CARD_OPTS_GAP_MAX 1000000u

/* How many options card_opts_longopts adds. */
#define CARD_OPTS_COUNT 8

/* getopt_long's val for all of them: above any mode's own values. */
#define CARD_OPTS_VAL 0x1000

struct card_opts {
	unsigned width;            /* 128 or 512 */
	bool natt;                 /* --esp-sa SAs expect UDP port 4500 */
	unsigned gap;              /* idle clocks between wire frames */
	uint64_t holdoff_ns;       /* flow filter hold-off, 0: every miss */
	unsigned event_rate;       /* records per second, 0: no limit */
	unsigned event_burst;      /* token bucket depth, 1.. */
	unsigned auth_fail_burst;  /* 0: off */
	unsigned replay_burst;     /* 0: off */
};

/*
 * o gets the defaults: 512 bits, no gap, and the card's reset values
 * (docs/register-map.md) for the event filter. longopts gets own[0..n_own),
 * then this file's CARD_OPTS_COUNT options, then the all-zero end: it has
 * room for n_own + CARD_OPTS_COUNT + 1 entries.
 */
void card_opts_init(struct card_opts *o, struct option *longopts,
    const struct option *own, size_t n_own);

/*
 * getopt_long(argc, argv, "", longopts, ...) until an option of the mode's
 * own: the card options on the way are taken into o. Returns that option's
 * val (optarg set as getopt_long sets it), -1 at the end of the options,
 * or '?' once getopt_long or a bad card option value printed why.
 */
int card_opts_next(struct card_opts *o, int argc, char **argv,
    const struct option *longopts);

/* The help lines of these options, as both modes print them. */
void card_opts_usage(FILE *fp);

/* Writes the event filter settings into the card's registers (hold-off,
 * token interval and depth, AUTH_FAIL and REPLAY burst thresholds). */
void card_opts_apply_filter(const struct card_opts *o, struct card_sim *c);

#endif
