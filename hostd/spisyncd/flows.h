/*
 * spisyncd -- the table of flows the card reports as SA misses: one entry
 * per (IP version, source, destination, SPI, UDP ports), its counts, its
 * classification (recovery.c decides it) and the last FLOW_HISTORY records.
 *
 * Bounded: at most `max` flows. A full table evicts the least recently
 * seen flow that is not STUCK or RECOVERING (those are the ones an operator
 * needs), or if every flow is, the least recently seen of those. Lookup,
 * insert and eviction cost O(1): a keyed hash (SipHash-2-4 with a random
 * key, so spoofed sources cannot aim at one chain) and two recency lists.
 * docs/recovery.md describes the table and its JSON form.
 */
#ifndef SPISYNCD_FLOWS_H
#define SPISYNCD_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

struct flow_key {
	bool ipv6;
	uint8_t src[16], dst[16];       /* wire order; IPv4 in the first 4 */
	uint32_t spi;
	bool udp;                       /* ESP-in-UDP (RFC 3948) */
	uint16_t sport, dport;          /* UDP ports when udp, else 0 */
};

enum flow_class {
	FLOW_NEW,
	FLOW_TRANSIENT,
	FLOW_STUCK,
	FLOW_RECOVERING,
	FLOW_RECOVERED,
};
/* "new", "transient", "stuck", "recovering", "recovered" ("?" otherwise) */
const char *flow_class_name(enum flow_class c);

/* One SA_MISS record of the flow. */
struct flow_miss {
	uint64_t wall_ns;               /* host wall clock when it was read */
	uint64_t card_ns;               /* the record's TIME_NS */
	uint32_t seq;                   /* ESP sequence number (0 if evicted) */
	uint16_t frame_len;             /* missed frame's length (0 if evicted) */
	uint32_t count;                 /* repeats it stands for beyond itself */
	bool evicted;                   /* the card's flow filter evicted it */
};

#define FLOW_HISTORY 32

struct flow {
	struct flow_key key;
	/* monotonic ms, the caller's clock */
	uint64_t first_ms;              /* first record of this episode */
	uint64_t last_ms;               /* latest record */
	uint64_t class_since_ms;
	uint64_t first_wall_ns, last_wall_ns, class_since_wall_ns;
	uint64_t events;                /* records */
	uint64_t misses;                /* dropped packets they stand for */
	uint32_t episodes;              /* NEW starts (a transient flow again) */
	enum flow_class cls;            /* change it with flow_table_set_class */
	uint64_t last_log_ms;
	bool logged;                    /* at least one syslog line */
	uint64_t logs, logs_suppressed;
	uint32_t recoveries;            /* recovery actions taken */
	char last_action[64];
	char peer[64];                  /* configured peer's name, "" none */
	char flightrec[256];            /* latest recording (.pcap), "" none */
	/* recovery.c's bookkeeping (monotonic ms) */
	bool rekey_transient;           /* TRANSIENT because of a rekey */
	bool from_peer;                 /* its source is a configured peer */
	uint64_t action_ms;             /* latest recovery action */
	uint64_t child_up_ms;           /* CHILD SA up after it (0: not yet) */
	uint64_t retry_ms;              /* STUCK: decide again from (0: now) */
	struct flow_miss hist[FLOW_HISTORY];
	size_t hist_n;                  /* entries held (<= FLOW_HISTORY) */
	size_t hist_head;               /* where the next one goes */
};

struct flow_table;

/* A table of at most max flows (max >= 1). 0 or -errno. */
int flow_table_new(size_t max, struct flow_table **out);
void flow_table_free(struct flow_table *t);

/* The flow with key k. create: make it if missing (evicting one if full),
 * and in any case mark it seen at now_ms (last_ms, recency). A new flow is
 * zeroed but for key, first_ms = last_ms = class_since_ms = now_ms and
 * class FLOW_NEW. Without create it is only a lookup (NULL if missing). */
struct flow *flow_table_get(struct flow_table *t, const struct flow_key *k,
    bool create, uint64_t now_ms);
size_t flow_table_count(const struct flow_table *t);
/* flows evicted to make room so far */
uint64_t flow_table_evictions(const struct flow_table *t);
/* Change a flow's class (class_since_* too). The table keeps STUCK and
 * RECOVERING flows apart to evict others first: change cls only here. */
void flow_table_set_class(struct flow_table *t, struct flow *f,
    enum flow_class c, uint64_t now_ms, uint64_t wall_ns);
/* Every flow, most recently seen first. fn must not add or remove flows. */
void flow_table_foreach(struct flow_table *t,
    void (*fn)(struct flow *, void *), void *arg);
/* Every flow in no particular order, without sorting (timers). fn may
 * change classes (flow_table_set_class) but not add or remove flows. */
void flow_table_walk(struct flow_table *t,
    void (*fn)(struct flow *, void *), void *arg);
/* Every STUCK and RECOVERING flow, from its list directly (no scratch
 * space: safe to call from inside the other walks). fn must not change
 * classes, add or remove flows. */
void flow_table_walk_protected(struct flow_table *t,
    void (*fn)(struct flow *, void *), void *arg);
/* Remove flows idle longer than max_idle_ms, except STUCK / RECOVERING. */
void flow_table_expire(struct flow_table *t, uint64_t now_ms,
    uint64_t max_idle_ms);

/* Append one record to the flow's history (the oldest goes when full). */
void flow_add_miss(struct flow *f, const struct flow_miss *m);
/* History entry i, 0 the oldest held, i < hist_n. */
const struct flow_miss *flow_hist_at(const struct flow *f, size_t i);

/* "198.18.0.1" / RFC 5952 IPv6 into buf (INET6_ADDRSTRLEN). 0 or -1. */
int flow_addr_str(bool ipv6, const uint8_t addr[16], char *buf, size_t len);
/* RFC 3339 UTC with milliseconds, "2026-11-28T15:00:01.123Z". 0 or -1. */
int flow_time_str(uint64_t wall_ns, char *buf, size_t len);

/* {"flows":[...]} as docs/recovery.md describes (most recent first); the
 * caller owns the result (json_object_put). NULL on allocation failure. */
struct json_object *flows_json_object(struct flow_table *t);
/* the same, written to out with a newline. 0 or -1. */
/* The flow's source is a configured peer: evicted only after every flow
 * from other sources (flow_table_set_from_peer is how it is set). */
void flow_table_set_from_peer(struct flow_table *t, struct flow *f,
    bool from_peer);
int flows_json(struct flow_table *t, FILE *out);

#endif
