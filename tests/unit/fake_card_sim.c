/*
 * spisync tests -- fake card model (fake_card_sim.h). Deliberately simple:
 * it stands in for the Verilator model so the host tools can be tested
 * without it; it checks nothing about the datapath.
 */

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "card_sim_fifo.h"
#include "fake_card_sim.h"

/* Clocks one AXI4-Lite transaction takes in the fake. */
enum { MMIO_CLOCKS = 4 };
/* Clocks from a frame's last beat to its delivery. */
enum { LATENCY_CLOCKS = 20 };

/* One allocation per queued frame: the queue frees it whole. */
struct wire_frame {
	size_t len;
	uint8_t data[];
};

struct host_entry {
	uint64_t ready;             /* cycle it can be pulled */
	struct card_host_frame frame;
};

struct drop {
	uint64_t arrival;
	uint8_t reason;
	bool event;
};

struct card_sim {
	struct fake_card f;
	unsigned width;
	unsigned gap;
	uint64_t cycles;
	uint64_t wire_beats;
	uint64_t arrivals;

	struct card_sim_fifo wire;  /* struct wire_frame * */
	size_t beats_left;          /* of the head frame; 0: not started */
	unsigned gap_left;

	struct card_sim_fifo host;  /* struct host_entry *, ready times increasing */
	struct card_sim_fifo events; /* uint8_t[SPISYNC_EVENT_BYTES] */

	struct drop *drops;
	size_t n_drops, drops_cap;
	uint64_t drop_every;        /* FAKE_CARD_DROP_EVERY, 0: off */
	bool protocol_error;        /* FAKE_CARD_PROTOCOL_ERROR: after a frame */

	size_t writes_cap;
};

static struct card_sim *current;

struct fake_card *
fake_card_current(void)
{
	return current != NULL ? &current->f : NULL;
}

static void *
grow(void *p, size_t *cap, size_t elem)
{
	const size_t n = *cap != 0 ? *cap * 2 : 16;
	void *q = realloc(p, n * elem);

	if (q == NULL)
		abort();	/* a test helper: out of memory ends the test */
	*cap = n;
	return q;
}

static void
fake_defaults(struct fake_card *f, unsigned width)
{
	f->id = SPISYNC_MAGIC;
	f->version = SPISYNC_VERSION;
	f->width = width;
	f->sa_entries = FAKE_SA_ENTRIES;
	f->tag_buckets = FAKE_TAG_BUCKETS;
	f->reasons = SPISYNC_NUM_REASONS;
	f->ready = true;
}

struct card_sim *
card_sim_create(unsigned data_width)
{
	struct card_sim *c;

	if (data_width != 128 && data_width != 512)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->width = data_width;
	fake_defaults(&c->f, data_width);
	/* for the fake-backed spisync-sim: every Nth frame is an SA miss */
	if (getenv("FAKE_CARD_DROP_EVERY") != NULL)
		c->drop_every = strtoull(getenv("FAKE_CARD_DROP_EVERY"), NULL,
		    10);
	c->protocol_error = getenv("FAKE_CARD_PROTOCOL_ERROR") != NULL;
	current = c;
	return c;
}

static void
clear_queues(struct card_sim *c)
{
	card_sim_fifo_free(&c->wire);
	card_sim_fifo_free(&c->host);
	card_sim_fifo_free(&c->events);
	c->beats_left = 0;
	c->gap_left = 0;
}

void
card_sim_destroy(struct card_sim *c)
{
	if (c == NULL)
		return;
	clear_queues(c);
	free(c->drops);
	free(c->f.writes);
	if (current == c)
		current = NULL;
	free(c);
}

unsigned
card_sim_data_width(const struct card_sim *c)
{
	return c->width;
}

void
card_sim_reset(struct card_sim *c)
{
	clear_queues(c);
	c->arrivals = 0;
	memset(c->f.live, 0, sizeof(c->f.live));
	c->cycles += 4;
}

static void
emit_event(struct card_sim *c, const struct wire_frame *w, uint64_t arrival)
{
	/* zeroed: the fields not set below read as 0 */
	uint8_t *r = calloc(1, SPISYNC_EVENT_BYTES);

	if (r == NULL || card_sim_fifo_push(&c->events, r) != 0)
		abort();	/* a test helper: out of memory ends the test */
	r[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_SA_MISS;
	store_le16(r + SPISYNC_EVF_FRAME_LEN_OFF, (uint32_t)w->len);
	store_le32(r + SPISYNC_EVF_SPI_OFF, (uint32_t)(0x1000 + arrival));
	store_le64(r + SPISYNC_EVF_TIME_NS_OFF, c->cycles * 3);
	/* IPv4 addresses of an untagged frame, when it is long enough */
	if (w->len >= 34) {
		memcpy(r + SPISYNC_EVF_SRC_OFF, w->data + 26, 4);
		memcpy(r + SPISYNC_EVF_DST_OFF, w->data + 30, 4);
	}
	store_le32(r + SPISYNC_EVF_SEQ_OFF, (uint32_t)(arrival + 1));
	store_le16(r + SPISYNC_EVF_RX_SEQ_OFF, (uint32_t)(arrival & 0xffff));
}

static const struct drop *
find_drop(const struct card_sim *c, uint64_t arrival)
{
	for (size_t i = 0; i < c->n_drops; i++)
		if (c->drops[i].arrival == arrival)
			return &c->drops[i];
	return NULL;
}

/* The frame's last beat has arrived: decide and queue its outcome. */
static void
receive(struct card_sim *c, const struct wire_frame *w)
{
	const uint64_t arrival = c->arrivals++;
	const struct drop every = { arrival, SPISYNC_R_SA_NOT_FOUND_V4, true };
	const struct drop *d = find_drop(c, arrival);
	struct host_entry *h;

	if (d == NULL && c->drop_every != 0 &&
	    arrival % c->drop_every == c->drop_every - 1)
		d = &every;

	c->f.live[SPISYNC_R_RX_PACKETS]++;
	if (d != NULL) {
		c->f.live[d->reason]++;
		if (d->event)
			emit_event(c, w, arrival);
		return;
	}
	c->f.live[SPISYNC_R_PASS_THROUGH]++;
	/* zeroed: the bytes past len are pulled as 0 */
	h = calloc(1, sizeof(*h));
	if (h == NULL || card_sim_fifo_push(&c->host, h) != 0)
		abort();	/* a test helper: out of memory ends the test */
	h->ready = c->cycles + LATENCY_CLOCKS;
	memcpy(h->frame.data, w->data, w->len);
	h->frame.len = w->len;
	h->frame.outcome = SPISYNC_R_PASS_THROUGH;
	h->frame.sa_index = SPISYNC_SA_INDEX_NONE;
	h->frame.rx_seq = (uint16_t)arrival;
}

static void
clock_once(struct card_sim *c)
{
	const size_t beat_bytes = c->width / 8;
	const struct wire_frame *w;

	c->cycles++;
	if (c->gap_left > 0) {
		c->gap_left--;
		return;
	}
	if (c->wire.count == 0)
		return;
	w = card_sim_fifo_at(&c->wire, 0);
	if (c->beats_left == 0)
		c->beats_left = (w->len + beat_bytes - 1) / beat_bytes;
	c->beats_left--;
	c->wire_beats++;
	if (c->beats_left == 0) {
		receive(c, w);
		free(card_sim_fifo_pop(&c->wire));
		c->gap_left = c->gap;
	}
}

void
card_sim_step(struct card_sim *c, uint64_t clocks)
{
	for (uint64_t i = 0; i < clocks; i++)
		clock_once(c);
}

/* Every frame sent and the last one (the latest ready time) pullable. */
static bool
all_delivered(const struct card_sim *c)
{
	const struct host_entry *last;

	if (c->wire.count != 0)
		return false;
	if (c->host.count == 0)
		return true;
	last = card_sim_fifo_at(&c->host, c->host.count - 1);
	return last->ready <= c->cycles;
}

bool
card_sim_drain(struct card_sim *c, uint64_t max_clocks)
{
	for (uint64_t i = 0; i < max_clocks; i++) {
		if (all_delivered(c))
			return true;
		clock_once(c);
	}
	return c->wire.count == 0;
}

static void
log_write(struct card_sim *c, uint32_t offset, uint32_t value)
{
	struct fake_card *f = &c->f;

	if (f->n_writes >= FAKE_MAX_WRITES)
		return;
	if (f->n_writes == c->writes_cap)
		f->writes = grow(f->writes, &c->writes_cap, sizeof(*f->writes));
	f->writes[f->n_writes++] = (struct fake_write){ offset, value };
}

static uint32_t
half(uint64_t v, uint32_t offset, uint32_t lo_offset)
{
	return offset == lo_offset ? (uint32_t)v : (uint32_t)(v >> 32);
}

static uint32_t
read_stats(struct fake_card *f, uint32_t offset)
{
	const uint32_t rel = offset - SPISYNC_REG_SA_STATS_PACKETS_LO;

	return half(f->stats_snap[rel / 8], rel % 8, 0);
}

uint32_t
card_sim_mmio_read(struct card_sim *c, uint32_t offset)
{
	struct fake_card *f = &c->f;

	card_sim_step(c, MMIO_CLOCKS);
	switch (offset) {
	case SPISYNC_REG_ID:
		return f->id;
	case SPISYNC_REG_VERSION:
		return f->version;
	case SPISYNC_REG_CAP_DATA_WIDTH:
		return f->width;
	case SPISYNC_REG_CAP_SA_ENTRIES:
		return f->sa_entries;
	case SPISYNC_REG_CAP_TAG_BUCKETS:
		return f->tag_buckets;
	case SPISYNC_REG_CAP_REASONS:
		return f->reasons;
	case SPISYNC_REG_CAP_REPLAY_WINDOW:
		return 1024;
	case SPISYNC_REG_STATUS:
		return f->ready && f->status_reads++ >= f->ready_after_reads;
	case SPISYNC_REG_SA_STATS_STATUS:
		if (f->stats_after_reads == ~0u)
			return 0;
		return f->stats_reads++ >= f->stats_after_reads;
	case SPISYNC_REG_EVENTS_LOST_LO:
		f->events_lost_hi = (uint32_t)(f->events_lost >> 32);
		return (uint32_t)f->events_lost;
	case SPISYNC_REG_EVENTS_LOST_HI:
		return f->events_lost_hi;
	default:
		break;
	}
	if (offset >= SPISYNC_REG_SA_STATS_PACKETS_LO &&
	    offset <= SPISYNC_REG_SA_STATS_REPLAY_HI)
		return read_stats(f, offset);
	if (offset >= SPISYNC_REG_COUNTERS(0) &&
	    offset < SPISYNC_REG_COUNTERS(SPISYNC_NUM_REASONS))
		return half(f->snap[(offset - SPISYNC_REG_COUNTERS(0)) / 8],
		    offset % 8, 0);
	if (offset >= SPISYNC_REG_SA_STAGE(0) &&
	    offset < SPISYNC_REG_SA_STAGE(SPISYNC_SA_WORDS))
		return f->stage[(offset - SPISYNC_REG_SA_STAGE(0)) / 4];
	return 0;
}

static void
write_tag(struct fake_card *f, uint32_t value)
{
	const unsigned table = value >> 31;
	const unsigned way = (value >> 16) & 0xff;
	const unsigned bucket = value & 0xffff;

	if (way >= SPISYNC_TAG_WAYS || bucket >= FAKE_TAG_BUCKETS)
		return;
	f->tag[table][bucket][way].spi = f->tag_spi;
	f->tag[table][bucket][way].index = f->tag_index;
}

void
card_sim_mmio_write(struct card_sim *c, uint32_t offset, uint32_t value)
{
	struct fake_card *f = &c->f;

	card_sim_step(c, MMIO_CLOCKS);
	log_write(c, offset, value);
	if (offset >= SPISYNC_REG_SA_STAGE(0) &&
	    offset < SPISYNC_REG_SA_STAGE(SPISYNC_SA_WORDS)) {
		f->stage[(offset - SPISYNC_REG_SA_STAGE(0)) / 4] = value;
		return;
	}
	switch (offset) {
	case SPISYNC_REG_SA_WRITE:
		if (value < FAKE_SA_ENTRIES)
			memcpy(f->sa[value], f->stage, sizeof(f->stage));
		break;
	case SPISYNC_REG_TAG_SPI:
		f->tag_spi = value;
		break;
	case SPISYNC_REG_TAG_INDEX:
		f->tag_index = value;
		break;
	case SPISYNC_REG_TAG_WRITE:
		write_tag(f, value);
		break;
	case SPISYNC_REG_COUNTER_SNAPSHOT:
		memcpy(f->snap, f->live, sizeof(f->snap));
		break;
	case SPISYNC_REG_SA_STATS_SELECT:
		f->stats_select = value;
		f->stats_reads = 0;
		if (value < FAKE_SA_ENTRIES)
			memcpy(f->stats_snap, f->sa_stats[value],
			    sizeof(f->stats_snap));
		break;
	default:
		break;
	}
}

int
card_sim_push_frame(struct card_sim *c, const uint8_t *data, size_t len,
    bool mac_err)
{
	struct wire_frame *w;

	(void)mac_err;
	if (len == 0 || len > CARD_SIM_MAX_FRAME)
		return -1;
	w = malloc(sizeof(*w) + len);
	if (w == NULL)
		return -1;
	memcpy(w->data, data, len);
	w->len = len;
	if (card_sim_fifo_push(&c->wire, w) != 0) {
		free(w);
		return -1;
	}
	return 0;
}

void
card_sim_set_gap(struct card_sim *c, unsigned clocks)
{
	c->gap = clocks;
}

void
card_sim_set_host_ready(struct card_sim *c, unsigned percent, uint64_t seed)
{
	(void)c;
	(void)percent;
	(void)seed;
}

int
card_sim_pull_host(struct card_sim *c, struct card_host_frame *out)
{
	const struct host_entry *e;

	if (c->host.count == 0)
		return 0;
	e = card_sim_fifo_at(&c->host, 0);
	if (e->ready > c->cycles)
		return 0;
	memcpy(out, &e->frame, sizeof(*out));
	free(card_sim_fifo_pop(&c->host));
	return 1;
}

int
card_sim_pull_event(struct card_sim *c, uint8_t record[64])
{
	uint8_t *rec = card_sim_fifo_pop(&c->events);

	if (rec == NULL)
		return 0;
	memcpy(record, rec, SPISYNC_EVENT_BYTES);
	free(rec);
	return 1;
}

uint64_t
card_sim_cycles(const struct card_sim *c)
{
	return c->cycles;
}

uint64_t
card_sim_wire_beats(const struct card_sim *c)
{
	return c->wire_beats;
}

bool
card_sim_protocol_error(const struct card_sim *c)
{
	return c->protocol_error && c->arrivals > 0;
}

void
fake_card_set_drop(struct card_sim *c, uint64_t arrival, uint8_t reason,
    bool event)
{
	if (c->n_drops == c->drops_cap)
		c->drops = grow(c->drops, &c->drops_cap, sizeof(*c->drops));
	c->drops[c->n_drops++] = (struct drop){ arrival, reason, event };
}

bool
fake_card_last_write(const struct fake_card *f, uint32_t offset,
    uint32_t *value)
{
	for (size_t i = f->n_writes; i > 0; i--)
		if (f->writes[i - 1].offset == offset) {
			*value = f->writes[i - 1].value;
			return true;
		}
	return false;
}
