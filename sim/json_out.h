/*
 * spisync -- the JSON outputs of spisync-sim (written with json-c).
 *
 * Counters, one document:
 *   {"counters": {"RX_PACKETS": n, ... every name of spisync_reason_name[]},
 *    "sa": [{"spi": "0x%08x", "index": n, "packets": n, "bytes": n,
 *            "auth_fail": n, "replay": n}, ...]}
 *
 * Events, one object per line (JSON Lines), one line per event record:
 *   {"type": "SA_MISS" | "SPI_RESERVED", "ip": 4|6, "src": "...",
 *    "dst": "...", "spi": "0x%08x", "seq": n, "encap": "esp"|"udp",
 *    "sport": n, "dport": n, "len": n, "rx_seq": n}
 * Addresses as inet_ntop prints them. The record's integers are
 * little-endian and its addresses in wire order (hw/spec/spisync.toml,
 * [event]); ports are 0 for plain ESP.
 */
#ifndef SPISYNC_JSON_OUT_H
#define SPISYNC_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spisync_hw.h"

struct json_sa_stats {
	uint32_t spi;
	uint32_t index;
	uint64_t packets;
	uint64_t bytes;
	uint64_t auth_fail;
	uint64_t replay;
};

/* The counters document, ending in a newline. 0, or -1 on a write error or
 * out of memory. */
/* The event path's totals (EVENTS_WRITTEN, EVENTS_LOST, FLOW_SUPPRESSED,
 * FLOW_PENDING). */
struct json_event_stats {
	uint64_t written;
	uint64_t lost;
	uint64_t flow_suppressed;
	uint64_t flow_pending;
};

/* The counters document; ev may be NULL (no "events" member). */
int json_write_counters(FILE *fp, const uint64_t counters[SPISYNC_NUM_REASONS],
    const struct json_sa_stats *sa, size_t sa_count,
    const struct json_event_stats *ev);

/* One event line. 0; -1 with a message in err if the record is not one the
 * card emits (unknown type) or on a write error. */
int json_write_event(FILE *fp, const uint8_t record[SPISYNC_EVENT_BYTES],
    char *err, size_t errlen);

#endif
