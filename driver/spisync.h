/*
 * libspisync -- the host driver of the spisync card (C11). The one public
 * header: everything a host program (spisyncd, spisyncctl, tests) does with
 * a card goes through these calls.
 *
 * Devices:
 *   "sim:/path/to/socket"             a running `spisync-sim --socket`
 *   "xrt:N" / "xrt:N:/path/card.xclbin" an Alveo card through XRT
 *   "pci:DDDD:BB:DD.F"                a card's BAR0 through sysfs, DMA through VFIO
 *
 * Errors: every call returns 0 or a negative errno value (-EINVAL, -ENOENT,
 * -ENOSPC, -EEXIST, -ETIMEDOUT, -EIO, ...); spisync_last_error() has a
 * sentence saying what failed. spisync_open() writes its reason into err.
 *
 * Threads: one handle is used by one thread at a time. Several processes may
 * open the same card; SA changes are serialized between them (the backend's
 * lock around each mailbox request), and only one of them may own the event
 * ring (spisync_events_start() fails with -EBUSY while it is enabled).
 */
#ifndef SPISYNC_H
#define SPISYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spisync_hw.h"


struct spisync;

int spisync_open(const char *device, struct spisync **out, char *err,
    size_t errlen);
void spisync_close(struct spisync *h);

/* The last failure on this handle, as a sentence ("" if none). */
const char *spisync_last_error(const struct spisync *h);
/* "sim", "xrt" or "pci" */
const char *spisync_backend_name(const struct spisync *h);

struct spisync_info {
	uint32_t id, version;          /* ID, VERSION registers */
	uint32_t data_width;
	uint32_t sa_entries, tag_buckets, reasons, replay_window;
	uint32_t flow_entries, ring_max_log2, event_hist;
	uint32_t fw_version, mbox_proto;   /* from the controller (HELLO) */
	uint32_t sa_installed;
	uint32_t fw_uptime_s;
};
/* Registers and the controller's HELLO. */
int spisync_info(struct spisync *h, struct spisync_info *out);

/* Card time in ns (TIME_NS_LO/HI, the LO read latches HI). */
int spisync_time_ns(struct spisync *h, uint64_t *ns);

/* ---- SAs (through the card controller's mailbox) ---------------------- */

enum spisync_sa_mode {
	SPISYNC_SA_MODE_AUTO = 0,
	SPISYNC_SA_MODE_TUNNEL = 1,
	SPISYNC_SA_MODE_TRANSPORT = 2,
};

struct spisync_sa {
	uint32_t spi;                  /* >= 256 */
	bool ipv6;
	uint8_t dst[16];               /* wire order; IPv4 in bytes 0..3 */
	uint8_t key[32];               /* AES key, wire order */
	unsigned key_len;              /* 16 or 32 */
	uint8_t salt[4];               /* RFC 4106 salt */
	unsigned icv_len;              /* 8, 12 or 16 */
	bool esn;
	enum spisync_sa_mode mode;
	bool udp_encap;                /* RFC 3948: frames must be UDP to dport */
	uint16_t sport, dport;
	uint64_t hard_bytes, hard_packets, soft_bytes, soft_packets; /* 0: none */
	uint32_t soft_time_s, hard_time_s;                           /* 0: none */
};

/* Install an inbound SA; *index is where it went (may be NULL). The key is
 * copied into the mailbox and cleansed from the driver's buffers. */
int spisync_sa_add(struct spisync *h, const struct spisync_sa *sa,
    uint32_t *index);
/* Make-before-break change of one SA: the new SA is live (same SPI: its
 * tag switched to the new index in one register write, so no frame finds
 * neither) before the old index is zeroized, and both before this returns.
 * A CHILD SA rekey is not this: its new inbound SA has a new SPI, and the
 * old one must keep decrypting until the peer deletes it (the peer may
 * still send on it): spisync_sa_add() the new one before announcing it,
 * spisync_sa_del() the old one on the peer's DELETE. */
int spisync_sa_replace(struct spisync *h, uint32_t old_index,
    const struct spisync_sa *sa, uint32_t *new_index);
int spisync_sa_del(struct spisync *h, uint32_t index);
int spisync_sa_find(struct spisync *h, uint32_t spi, uint32_t *index);
/* Delete every SA; *deleted (may be NULL) how many. */
int spisync_sa_flush(struct spisync *h, uint32_t *deleted);

/* What the controller reports of an installed SA (never the key or salt). */
struct spisync_sa_info {
	uint32_t index;
	uint32_t spi;
	bool ipv6, key_256, esn, udp_encap;
	enum spisync_sa_mode mode;
	unsigned icv_len;
	uint8_t gen;
	uint16_t sport, dport;
	uint8_t dst[16];
	uint64_t hard_bytes, hard_packets, soft_bytes, soft_packets;
	uint32_t soft_time_s, hard_time_s;
	uint32_t age_s;
	bool soft_time_expired;
};
int spisync_sa_get(struct spisync *h, uint32_t index,
    struct spisync_sa_info *out);
/* Every installed SA, ascending index: up to max into out, *n how many were
 * written, *total how many are installed (may exceed max; may be NULL). */
int spisync_sa_list(struct spisync *h, struct spisync_sa_info *out,
    size_t max, size_t *n, size_t *total);

/* ---- counters (read directly from the card, no controller involved) --- */

/* One consistent snapshot of every reason counter (COUNTER_SNAPSHOT). */
int spisync_counters(struct spisync *h, uint64_t out[SPISYNC_NUM_REASONS]);

struct spisync_sa_stats {
	uint64_t packets, bytes, auth_fail, replay;
};
/* The per-SA counters of one index (SA_STATS_SELECT snapshot). */
int spisync_sa_stats(struct spisync *h, uint32_t index,
    struct spisync_sa_stats *out);

struct spisync_event_stats {
	uint64_t written, lost, flow_suppressed, flow_pending;
	uint32_t ring_prod, ring_cons, ring_status, ring_write_errors;
	uint32_t ring_size_log2;
	uint64_t ring_base;
	uint32_t hist_count;
};
int spisync_event_stats(struct spisync *h, struct spisync_event_stats *out);

/* ---- event filter ----------------------------------------------------- */

struct spisync_event_config {
	uint64_t holdoff_ns;          /* EVENT_HOLDOFF_NS */
	uint32_t token_ns;            /* EVENT_TOKEN_NS (0: no limit) */
	uint32_t token_burst;         /* EVENT_TOKEN_BURST */
	uint32_t lost_ns;             /* EVENT_LOST_NS */
	uint64_t burst_interval_ns;   /* BURST_INTERVAL_NS */
	uint32_t auth_fail_burst;     /* AUTH_FAIL_BURST (0: never) */
	uint32_t replay_burst;        /* REPLAY_BURST (0: never) */
};
int spisync_event_config_get(struct spisync *h,
    struct spisync_event_config *out);
int spisync_event_config_set(struct spisync *h,
    const struct spisync_event_config *cfg);

/* ---- the event ring (one owner per card) ----------------------------- */

/* Allocate 2^size_log2 records of DMA memory and start the ring (the steps
 * of driver/event_ring.h). -EBUSY if the ring is enabled already (another
 * process owns it), -EINVAL beyond CAP_RING_MAX_LOG2. */
int spisync_events_start(struct spisync *h, unsigned size_log2);
/* The same, taking the ring from an owner that is gone (a daemon killed
 * with SIGKILL leaves it enabled, pointing at memory nobody reads): the
 * ring is disabled, its writes waited for, and started afresh here. The
 * records the old owner had not taken are lost (the card's drop counters
 * still hold every miss). Only for a caller that knows the old owner is
 * dead: spisyncd holds a lock file per card while it runs. */
int spisync_events_takeover(struct spisync *h, unsigned size_log2);
/* Take up to max new records (64 bytes each, as written, PHASE included);
 * *n how many. Writes RING_CONS back as due; restarts the ring after a
 * write error (RING_STATUS bit 3: the records it lost are counted in
 * EVENTS_LOST and reported in an EVENTS_LOST record). Never blocks: there
 * are no interrupts (XRT gives user-managed kernels none); poll it. */
int spisync_events_poll(struct spisync *h,
    uint8_t (*recs)[SPISYNC_EVENT_BYTES], size_t max, size_t *n);
/* Disable the ring, wait for its writes to finish, free the memory. */
int spisync_events_stop(struct spisync *h);

/* The card's last records (EVENT_HIST), oldest first, without consuming
 * anything: up to max into recs, *n how many. Works with the ring owned by
 * another process or disabled. */
int spisync_event_history(struct spisync *h,
    uint8_t (*recs)[SPISYNC_EVENT_BYTES], size_t max, size_t *n);

/* A record's fields (docs/register-map.md, "Event record"). */
struct spisync_event {
	uint8_t type;                 /* SPISYNC_EV_* */
	bool phase, ipv6, udp, evicted;
	uint8_t port;
	uint16_t frame_len;
	uint32_t spi;
	uint64_t time_ns;
	uint8_t src[16], dst[16];
	uint32_t seq;                 /* SEQ, or LOST_MISSES for EVENTS_LOST */
	uint16_t sport, dport;
	uint32_t count;
	uint16_t sa_index;
	uint16_t rx_seq;
};
void spisync_event_decode(const uint8_t rec[SPISYNC_EVENT_BYTES],
    struct spisync_event *out);
/* "SA_MISS", ... or "UNKNOWN" */
const char *spisync_event_type_name(uint8_t type);
/* "RX_PACKETS", "SA_NOT_FOUND_V4", ... or NULL out of range */
const char *spisync_reason_str(unsigned reason);

/* ---- raw registers (diagnostics: `spisyncctl show card`, tests) ------- */
int spisync_reg_read32(struct spisync *h, uint32_t offset, uint32_t *value);
int spisync_reg_write32(struct spisync *h, uint32_t offset, uint32_t value);

#endif
