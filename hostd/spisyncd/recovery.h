/*
 * spisyncd -- the invalid-SPI recovery engine: consumes the card's event
 * records, keeps the miss flows (flows.h), logs the reference's syslog line
 * (misslog.h), classifies each flow (new, transient, stuck, recovering,
 * recovered), decides per peer what to do about a stuck one and records
 * the evidence (flightrec.h). docs/recovery.md states every rule.
 *
 * Pure code on the caller's clock: no sleeping, no threads, no sockets, no
 * syslog() (a log callback). The daemon calls it from its epoll loop and
 * does the IKE work it asks for through recovery_ops.
 */
#ifndef SPISYNCD_RECOVERY_H
#define SPISYNCD_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config.h"
#include "flows.h"
#include "spisync.h"

#define RECOVERY_MAX_FLOWS      4096
/* a NEW flow gets this much beyond stuck_holdoff for its re-report */
#define RECOVERY_GRACE_MS       1000u
/* at most this many RECVD_PKT_INV_SPI lines per second, all flows: a flood
 * of distinct spoofed flows must not flood syslog too */
#define RECOVERY_LOG_BURST      100u
/* evictable flows idle this long leave the table */
#define RECOVERY_FLOW_IDLE_MS   (3600u * 1000u)

struct recovery_peer_state {
	bool ike_sa;                    /* an established IKE SA with it */
	bool rekeying;                  /* a CHILD or IKE rekey in progress */
	uint64_t last_rekey_ms;         /* when the last one ended; 0 never */
};

struct recovery_ops {
	void *ctx;
	/* one log line, priority LOG_WARNING etc. (required) */
	void (*log)(void *ctx, int priority, const char *line);
	/* IKE state with the sender; peer is configured (required) */
	void (*peer_state)(void *ctx, const struct sd_peer *peer,
	    const struct sockaddr *src, struct recovery_peer_state *out);
	/* an IKE SA with the sender exists: INFORMATIONAL with DELETE(ESP,
	 * spi) + INVALID_SPI notify, then a fresh CHILD SA. 0 or -errno
	 * (required) */
	int (*notify_stale)(void *ctx, const struct sd_peer *peer,
	    const struct sockaddr *src, uint32_t spi);
	/* no IKE SA, static peer: a new IKE SA with INITIAL_CONTACT, then
	 * the same. 0 or -errno (required) */
	int (*initiate)(void *ctx, const struct sd_peer *peer, uint32_t spi);
	/* text dump of the peer's IKE and CHILD SA state for the flight
	 * recorder; peer may be NULL (not configured) (optional) */
	void (*dump_state)(void *ctx, const struct sd_peer *peer,
	    const struct sockaddr *src, FILE *out);
};

struct recovery;

/* cfg and ops must outlive the engine (ops is copied). 0 or -errno. */
int recovery_new(const struct sd_config *cfg, const struct recovery_ops *ops,
    struct recovery **out);
/* SIGHUP: the new configuration. Flows and their history stay; per-peer
 * state (interval, rekey) carries over by peer name; stuck flows that
 * were refused are decided again at the next tick. */
void recovery_set_config(struct recovery *r, const struct sd_config *cfg);
void recovery_free(struct recovery *r);

/* One decoded event record; now_ms the caller's monotonic clock (ms),
 * wall_ns the wall-clock time the record was read (ns since the epoch). */
void recovery_event(struct recovery *r, const struct spisync_event *ev,
    uint64_t now_ms, uint64_t wall_ns);
/* Timers: classification deadlines, retries, the EVENTS_LOST log. Returns
 * the next time (ms) it wants to be called, UINT64_MAX for none. O(flows). */
uint64_t recovery_tick(struct recovery *r, uint64_t now_ms);
/* A CHILD SA with this peer came up (new inbound SA in the card). */
void recovery_child_up(struct recovery *r, const struct sockaddr *peer_addr,
    uint64_t now_ms);
/* A rekey with this peer started (true) or ended (false). */
void recovery_rekey(struct recovery *r, const struct sockaddr *peer_addr,
    bool started, uint64_t now_ms);

struct flow_table *recovery_flows(struct recovery *r);

struct recovery_stats {
	uint64_t events;                /* records of any type */
	uint64_t sa_miss;               /* SA_MISS records */
	uint64_t spi_reserved;          /* SPI_RESERVED records */
	uint64_t other_events;          /* expiries, bursts, unknown types */
	uint64_t lost_events;           /* EVENTS_LOST: records lost */
	uint64_t lost_misses;           /* EVENTS_LOST: misses they held */
	uint64_t logs, logs_suppressed; /* RECVD_PKT_INV_SPI lines */
	uint64_t notify_stale, initiated;
	uint64_t action_failed;         /* notify_stale / initiate errors */
	uint64_t refused_unconfigured, refused_dynamic, refused_disabled;
	uint64_t refused_interval;
	uint64_t flightrecs, flightrec_errors;
	uint64_t flows, flow_evictions;
};
void recovery_stats(const struct recovery *r, struct recovery_stats *out);

/* `show flows`: {"flows":[...],"stats":{...}} (docs/recovery.md), one
 * line. 0 or -1. */
int recovery_json(struct recovery *r, FILE *out);

#endif
