/*
 * spisyncctl -- the data every part of the CLI passes around: what was read
 * from the card (gather.c), the counter state kept between runs (drops.c,
 * state_file.c) and what the formatters print (fmt_text.c, fmt_json.c,
 * fmt_prom.c). Plain structs, no behaviour: the formatters are pure
 * functions of these, so the tests build them by hand.
 */
#ifndef SPISYNCCTL_CTL_H
#define SPISYNCCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spisync.h"

/* exit status of the program */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1,   /* the card, the state file, ... (message on stderr) */
	CTL_EXIT_USAGE = 2,   /* the command line */
};

#define CTL_DEFAULT_DEVICE "sim:/run/spisync/sim.sock"
/* spisyncd's control socket (show ike / flows / peers) */
#define CTL_DEFAULT_SOCKET "/run/spisync/spisyncd.sock"

enum { CTL_ERR_LEN = 512 };

/* ---- reason counters and the state kept between runs ----------------- */

/* The card's reason counters at one moment. */
struct ctl_snapshot {
	bool valid;
	int64_t wall_s;                /* host time(), when it was read */
	uint64_t card_time_ns;         /* card time, when it was read */
	uint64_t counters[SPISYNC_NUM_REASONS];
};

/* What spisyncctl keeps per device between runs: the counters of the
 * previous `show drops` (for the change column) and those of the last
 * `clear counters` (the card's counters are read-only: show subtracts
 * them). */
struct ctl_state {
	struct ctl_snapshot previous;
	struct ctl_snapshot baseline;
};

/* What `show drops` prints (drops_compute() makes it). */
struct ctl_drops {
	const char *device;
	struct ctl_snapshot now;       /* the card's own counters, just read */
	struct ctl_snapshot previous;  /* as loaded; .valid false: first show */
	struct ctl_snapshot baseline;  /* the clear in effect; .valid false: none */
	/* a counter or the card time went backwards since the previous show
	 * (the card was reset): delta[] counts from the reset */
	bool reset_since_previous;
	/* ... since the clear: the clear was dropped; count[] = now */
	bool reset_since_clear;
	int64_t dropped_clear_wall_s;  /* when that dropped clear was made */
	uint64_t count[SPISYNC_NUM_REASONS];   /* since the clear (or card start) */
	uint64_t delta[SPISYNC_NUM_REASONS];   /* since the previous show */
};

/* ---- SAs --------------------------------------------------------------- */

struct ctl_sa {
	struct spisync_sa_info info;
	struct spisync_sa_stats stats;
};

struct ctl_sa_view {
	const char *device;
	uint32_t capacity;             /* CAP_SA_ENTRIES */
	size_t n;
	struct ctl_sa *sa;             /* ascending index */
};

/* ---- events ------------------------------------------------------------ */

struct ctl_events {
	const char *device;
	uint64_t card_time_ns;         /* when the history was read */
	uint32_t hist_capacity;        /* CAP_EVENT_HIST */
	uint32_t hist_count;           /* EVENT_HIST_COUNT: issued since reset */
	size_t n;
	struct spisync_event *ev;      /* oldest first */
};

/* ---- the card ---------------------------------------------------------- */

struct ctl_card {
	const char *device;
	const char *backend;           /* "sim", "xrt", "pci" */
	struct spisync_info info;
	uint64_t card_time_ns;
	struct spisync_event_stats ev;
	struct spisync_event_config cfg;
};

/* RING_STATUS bits (docs/register-map.md) */
#define CTL_RING_ENABLED       0x01u
#define CTL_RING_FULL          0x02u
#define CTL_RING_BAD_CONS      0x04u
#define CTL_RING_WRITE_ERROR   0x08u
#define CTL_RING_OUTSTANDING   0x10u

#endif
