/*
 * libspisync -- opening a card, its identity and capabilities, and the
 * calls that only read or write registers (time, counters, per-SA stats,
 * event statistics and filter settings, raw access). The SA calls are in
 * sa_api.c, the event ring and history in events.c.
 */
#define _DEFAULT_SOURCE	/* strdup */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mbox.h"
#include "spisync_internal.h"

static int
open_fail(char *err, size_t errlen, int rc, const char *fmt, const char *dev)
{
	spisync_errf(err, errlen, fmt, dev);
	return rc;
}

int
spisync_open(const char *device, struct spisync **out, char *err,
    size_t errlen)
{
	static const char usage[] = "unknown device '%s': use sim:PATH, "
	    "xrt:N[:XCLBIN] or pci:DDDD:BB:DD.F";
	struct spisync_backend *b = NULL;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL)
		return open_fail(err, errlen, -EINVAL, "%s: no place for the "
		    "handle", device != NULL ? device : "(null)");
	*out = NULL;
	if (device == NULL)
		return open_fail(err, errlen, -EINVAL, usage, "(null)");
	if (strncmp(device, "sim:", 4) == 0)
		rc = spisync_backend_sim_open(device + 4, &b, err, errlen);
	else if (strncmp(device, "xrt:", 4) == 0)
		rc = spisync_backend_xrt_open(device + 4, &b, err, errlen);
	else if (strncmp(device, "pci:", 4) == 0)
		rc = spisync_backend_pci_open(device + 4, &b, err, errlen);
	else
		return open_fail(err, errlen, -EINVAL, usage, device);
	if (rc != 0)
		return rc;
	return spisync_open_backend(b, device, out, err, errlen);
}

/* Read the identity and capabilities; refuse a card this library cannot
 * drive, saying why. */
static int
read_caps(struct spisync *h)
{
	static const struct {
		uint32_t offset;
		size_t field;
	} regs[] = {
		{ SPISYNC_REG_ID, offsetof(struct spisync_caps, id) },
		{ SPISYNC_REG_VERSION, offsetof(struct spisync_caps, version) },
		{ SPISYNC_REG_CAP_DATA_WIDTH,
		    offsetof(struct spisync_caps, data_width) },
		{ SPISYNC_REG_CAP_SA_ENTRIES,
		    offsetof(struct spisync_caps, sa_entries) },
		{ SPISYNC_REG_CAP_TAG_BUCKETS,
		    offsetof(struct spisync_caps, tag_buckets) },
		{ SPISYNC_REG_CAP_REASONS, offsetof(struct spisync_caps, reasons) },
		{ SPISYNC_REG_CAP_REPLAY_WINDOW,
		    offsetof(struct spisync_caps, replay_window) },
		{ SPISYNC_REG_CAP_FLOW_ENTRIES,
		    offsetof(struct spisync_caps, flow_entries) },
		{ SPISYNC_REG_CAP_RING_MAX_LOG2,
		    offsetof(struct spisync_caps, ring_max_log2) },
		{ SPISYNC_REG_CAP_EVENT_HIST,
		    offsetof(struct spisync_caps, event_hist) },
	};
	struct spisync_caps *c = &h->caps;
	int rc;

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint32_t *field = (uint32_t *)((char *)c + regs[i].field);

		rc = spisync_rd32(h, regs[i].offset, field);
		if (rc != 0)
			return rc;
		/* a wrong ID makes the rest meaningless: say that, not more */
		if (i == 0 && c->id != SPISYNC_MAGIC)
			return spisync_fail(h, -ENODEV, "%s is not a spisync "
			    "card: ID reads 0x%08x, expected 0x%08x (wrong "
			    "bitstream, or not this card's register space)",
			    h->device, (unsigned)c->id, SPISYNC_MAGIC);
		if (i == 1 && c->version != SPISYNC_VERSION)
			return spisync_fail(h, -EPROTO, "%s has register map "
			    "version 0x%08x, this libspisync speaks 0x%08x "
			    "(an older spisync-sim or bitstream: rebuild it "
			    "from the same tree)", h->device,
			    (unsigned)c->version, SPISYNC_VERSION);
	}
	/* the limits the driver's loops and arrays rely on */
	if (c->reasons < SPISYNC_NUM_REASONS ||
	    c->reasons > SPISYNC_REG_COUNTERS_COUNT)
		return spisync_fail(h, -EPROTO, "%s reports CAP_REASONS %u: "
		    "this libspisync needs %u..%u", h->device,
		    (unsigned)c->reasons, SPISYNC_NUM_REASONS,
		    SPISYNC_REG_COUNTERS_COUNT);
	if (c->sa_entries == 0 || c->sa_entries > 65536)
		return spisync_fail(h, -EPROTO, "%s reports CAP_SA_ENTRIES %u: "
		    "SA indices are 16 bits (1..65536 entries)", h->device,
		    (unsigned)c->sa_entries);
	if (c->ring_max_log2 > EVENT_RING_MAX_LOG2)
		return spisync_fail(h, -EPROTO, "%s reports CAP_RING_MAX_LOG2 "
		    "%u: RING_SIZE_LOG2 goes to %u", h->device,
		    (unsigned)c->ring_max_log2, EVENT_RING_MAX_LOG2);
	if (c->event_hist > 65536)
		return spisync_fail(h, -EPROTO, "%s reports CAP_EVENT_HIST %u: "
		    "not a spisync card's history", h->device,
		    (unsigned)c->event_hist);
	return 0;
}

int
spisync_open_backend(struct spisync_backend *b, const char *device,
    struct spisync **out, char *err, size_t errlen)
{
	struct spisync *h;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (b == NULL || device == NULL || out == NULL) {
		if (b != NULL)
			b->ops->close(b);
		return open_fail(err, errlen, -EINVAL, "%s: bad arguments to "
		    "spisync_open_backend", device != NULL ? device : "(null)");
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL || (h->device = strdup(device)) == NULL) {
		free(h);
		b->ops->close(b);
		return open_fail(err, errlen, -ENOMEM, "%s: out of memory",
		    device);
	}
	h->b = b;
	h->mbox_timeout_ms = MBOX_TIMEOUT_MS;
	rc = read_caps(h);
	if (rc != 0) {
		spisync_errf(err, errlen, "%s", h->err);
		spisync_close(h);
		return rc;
	}
	*out = h;
	return 0;
}

void
spisync_close(struct spisync *h)
{
	if (h == NULL)
		return;
	spisync_events_close(h);
	h->b->ops->close(h->b);
	free(h->device);
	free(h);
}

const char *
spisync_last_error(const struct spisync *h)
{
	if (h == NULL)
		return "no handle (NULL)";
	return h->err;
}

const char *
spisync_backend_name(const struct spisync *h)
{
	if (h == NULL)
		return "none";
	return h->b->ops->name;
}

int
spisync_info(struct spisync *h, struct spisync_info *out)
{
	uint32_t hello[SPISYNC_HELLO_WORDS];
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (out == NULL)
		return spisync_fail(h, -EINVAL, "info: no place for the answer");
	rc = spisync_mbox_hello(h, hello);
	if (rc != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = h->caps.id;
	out->version = h->caps.version;
	out->data_width = h->caps.data_width;
	out->sa_entries = h->caps.sa_entries;
	out->tag_buckets = h->caps.tag_buckets;
	out->reasons = h->caps.reasons;
	out->replay_window = h->caps.replay_window;
	out->flow_entries = h->caps.flow_entries;
	out->ring_max_log2 = h->caps.ring_max_log2;
	out->event_hist = h->caps.event_hist;
	out->fw_version = hello[0];
	out->mbox_proto = hello[1];
	out->sa_installed = hello[3];
	out->fw_uptime_s = hello[5];
	return 0;
}

int
spisync_time_ns(struct spisync *h, uint64_t *ns)
{
	if (h == NULL)
		return -EINVAL;
	if (ns == NULL)
		return spisync_fail(h, -EINVAL, "time: no place for the answer");
	return spisync_rd64(h, SPISYNC_REG_TIME_NS_LO, ns);
}

/*
 * COUNTER_SNAPSHOT copies every counter in one clock; the reads after it
 * must not meet another process's snapshot, hence the lock.
 */
int
spisync_counters(struct spisync *h, uint64_t out[SPISYNC_NUM_REASONS])
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (out == NULL)
		return spisync_fail(h, -EINVAL, "counters: no place for them");
	rc = spisync_lock(h);
	if (rc != 0)
		return rc;
	rc = spisync_wr32(h, SPISYNC_REG_COUNTER_SNAPSHOT, 1);
	for (unsigned i = 0; rc == 0 && i < SPISYNC_NUM_REASONS; i++)
		rc = spisync_rd64(h, SPISYNC_REG_COUNTERS(i), &out[i]);
	return spisync_unlock(h, rc);
}

int
spisync_sa_stats(struct spisync *h, uint32_t index,
    struct spisync_sa_stats *out)
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (out == NULL)
		return spisync_fail(h, -EINVAL, "SA stats: no place for them");
	if (index >= h->caps.sa_entries)
		return spisync_fail(h, -EINVAL, "SA stats: index %u out of "
		    "range (the card has indices 0..%u)", (unsigned)index,
		    (unsigned)h->caps.sa_entries - 1);
	rc = spisync_lock(h);
	if (rc != 0)
		return rc;
	rc = spisync_wr32(h, SPISYNC_REG_SA_STATS_SELECT, index);
	if (rc == 0)
		rc = spisync_wait_reg(h, SPISYNC_REG_SA_STATS_STATUS, 1u, 1u,
		    SPISYNC_STATUS_TIMEOUT_MS, "per-SA counter snapshot");
	if (rc == 0)
		rc = spisync_rd64(h, SPISYNC_REG_SA_STATS_PACKETS_LO,
		    &out->packets);
	if (rc == 0)
		rc = spisync_rd64(h, SPISYNC_REG_SA_STATS_BYTES_LO, &out->bytes);
	if (rc == 0)
		rc = spisync_rd64(h, SPISYNC_REG_SA_STATS_AUTH_FAIL_LO,
		    &out->auth_fail);
	if (rc == 0)
		rc = spisync_rd64(h, SPISYNC_REG_SA_STATS_REPLAY_LO,
		    &out->replay);
	return spisync_unlock(h, rc);
}

int
spisync_event_stats(struct spisync *h, struct spisync_event_stats *out)
{
	uint32_t base_lo = 0, base_hi = 0;
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (out == NULL)
		return spisync_fail(h, -EINVAL, "event stats: no place for them");
	memset(out, 0, sizeof(*out));
	rc = spisync_rd64(h, SPISYNC_REG_EVENTS_WRITTEN_LO, &out->written);
	if (rc == 0)
		rc = spisync_rd64(h, SPISYNC_REG_EVENTS_LOST_LO, &out->lost);
	if (rc == 0)
		rc = spisync_rd64(h, SPISYNC_REG_FLOW_SUPPRESSED_LO,
		    &out->flow_suppressed);
	if (rc == 0)
		rc = spisync_rd64(h, SPISYNC_REG_FLOW_PENDING_LO,
		    &out->flow_pending);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_PROD, &out->ring_prod);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_CONS, &out->ring_cons);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_STATUS, &out->ring_status);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_WRITE_ERRORS,
		    &out->ring_write_errors);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_SIZE_LOG2,
		    &out->ring_size_log2);
	/* a plain rw pair: nothing latches, nothing counts */
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_BASE_LO, &base_lo);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_RING_BASE_HI, &base_hi);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_EVENT_HIST_COUNT,
		    &out->hist_count);
	out->ring_base = (uint64_t)base_hi << 32 | base_lo;
	return rc;
}

int
spisync_event_config_get(struct spisync *h, struct spisync_event_config *out)
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (out == NULL)
		return spisync_fail(h, -EINVAL, "event config: no place for it");
	memset(out, 0, sizeof(*out));
	rc = spisync_rd64(h, SPISYNC_REG_EVENT_HOLDOFF_NS_LO, &out->holdoff_ns);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_EVENT_TOKEN_NS, &out->token_ns);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_EVENT_TOKEN_BURST,
		    &out->token_burst);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_EVENT_LOST_NS, &out->lost_ns);
	if (rc == 0)
		rc = spisync_rd64(h, SPISYNC_REG_BURST_INTERVAL_NS_LO,
		    &out->burst_interval_ns);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_AUTH_FAIL_BURST,
		    &out->auth_fail_burst);
	if (rc == 0)
		rc = spisync_rd32(h, SPISYNC_REG_REPLAY_BURST,
		    &out->replay_burst);
	return rc;
}

/*
 * The 64-bit settings are two plain registers: for the clocks between the
 * two writes the card sees the new low word with the old high word. Both
 * are times in ns; a step through a mixed value is harmless (at worst one
 * hold-off or burst interval measured with it).
 */
int
spisync_event_config_set(struct spisync *h,
    const struct spisync_event_config *cfg)
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (cfg == NULL)
		return spisync_fail(h, -EINVAL, "event config: none given");
	if (cfg->token_burst == 0)
		return spisync_fail(h, -EINVAL, "event config: token_burst 0: "
		    "the token bucket holds at least one record "
		    "(use token_ns 0 for no limit)");
	rc = spisync_wr64(h, SPISYNC_REG_EVENT_HOLDOFF_NS_LO, cfg->holdoff_ns);
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_EVENT_TOKEN_NS, cfg->token_ns);
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_EVENT_TOKEN_BURST,
		    cfg->token_burst);
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_EVENT_LOST_NS, cfg->lost_ns);
	if (rc == 0)
		rc = spisync_wr64(h, SPISYNC_REG_BURST_INTERVAL_NS_LO,
		    cfg->burst_interval_ns);
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_AUTH_FAIL_BURST,
		    cfg->auth_fail_burst);
	if (rc == 0)
		rc = spisync_wr32(h, SPISYNC_REG_REPLAY_BURST,
		    cfg->replay_burst);
	return rc;
}

/* The card's AXI4-Lite port has 16 address bits (64 KiB); raw access stays
 * inside it and word aligned. */
#define REG_SPACE_BYTES 0x10000u

static int
check_raw(struct spisync *h, uint32_t offset, const char *what)
{
	if ((offset & 3u) != 0 || offset >= REG_SPACE_BYTES)
		return spisync_fail(h, -EINVAL, "%s: register offset 0x%x is "
		    "not a word of the register space (0..0x%x, 4-byte "
		    "aligned)", what, (unsigned)offset, REG_SPACE_BYTES - 4);
	return 0;
}

int
spisync_reg_read32(struct spisync *h, uint32_t offset, uint32_t *value)
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	if (value == NULL)
		return spisync_fail(h, -EINVAL, "register read: no place for "
		    "the value");
	rc = check_raw(h, offset, "register read");
	if (rc == 0)
		rc = spisync_rd32(h, offset, value);
	return rc;
}

int
spisync_reg_write32(struct spisync *h, uint32_t offset, uint32_t value)
{
	int rc;

	if (h == NULL)
		return -EINVAL;
	rc = check_raw(h, offset, "register write");
	if (rc == 0)
		rc = spisync_wr32(h, offset, value);
	return rc;
}

const char *
spisync_reason_str(unsigned reason)
{
	if (reason >= SPISYNC_NUM_REASONS)
		return NULL;
	return spisync_reason_name[reason];
}
