/*
 * spisync tests -- card_sim.h over the golden model (tests/model/
 * card_model.c) instead of the Verilated card: spisync-sim linked with it
 * (build/tests/spisync-sim-model) runs the whole host side -- SA entries
 * written through the registers, frames, RX_SEQ, events, counters -- end
 * to end before (or beside) the RTL model, so that tests/sim/
 * replay_smoke.sh can be checked against the specification's model too.
 *
 * Registers: SA_STAGE/SA_WRITE decode the 32-word entry back into a
 * model_sa (docs/register-map.md) and install it in the model; tags are
 * ignored (the model finds SAs by SPI). Frames are processed when pushed;
 * time advances by one clock per beat plus the gap, as on the wire. No
 * backpressure, no TAIL_DROP, no card time.
 */

#include <stdlib.h>
#include <string.h>

#include "card_model.h"
#include "card_sim.h"
#include "card_sim_fifo.h"
#include "spisync_hw.h"

enum { MMIO_CLOCKS = 4 };

struct card_sim {
	struct card_model *model;
	unsigned width;
	unsigned gap;
	uint64_t cycles;
	uint64_t wire_beats;
	uint64_t wire_due;	/* cycle the last pushed frame is fully sent */
	uint32_t stage[SPISYNC_SA_WORDS];
	uint64_t snap[SPISYNC_NUM_REASONS];
	uint64_t stats[4];
	struct card_sim_fifo host;	/* struct card_host_frame * */
	struct card_sim_fifo events;	/* uint8_t[64] */
	struct model_result result;
};

struct card_sim *
card_sim_create(unsigned data_width)
{
	struct card_sim *c;

	if (data_width != 128 && data_width != 512)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->model = card_model_create();
	if (c->model == NULL) {
		free(c);
		return NULL;
	}
	c->width = data_width;
	return c;
}

void
card_sim_destroy(struct card_sim *c)
{
	if (c == NULL)
		return;
	card_model_destroy(c->model);
	card_sim_fifo_free(&c->host);
	card_sim_fifo_free(&c->events);
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
	card_model_destroy(c->model);
	c->model = card_model_create();
	if (c->model == NULL)
		abort();	/* a test helper: out of memory ends the run */
	card_sim_fifo_free(&c->host);
	card_sim_fifo_free(&c->events);
	c->cycles += 4;
	c->wire_due = c->cycles;
}

static uint32_t
field(const uint32_t *w, unsigned word, unsigned lsb, unsigned width)
{
	const uint32_t mask = width >= 32 ? 0xffffffffu : (1u << width) - 1u;

	return (w[word] >> lsb) & mask;
}

static void
get_bytes(const uint32_t *w, unsigned word, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(w[word + i / 4] >> (8 * (i % 4)));
}

static uint64_t
get_u64(const uint32_t *w, unsigned word)
{
	return (uint64_t)w[word + 1] << 32 | w[word];
}

/* SA_WRITE: the staged entry at index, decoded for the model. */
static void
write_entry(struct card_sim *c, uint32_t index)
{
	const uint32_t *w = c->stage;
	struct model_sa sa;

	if (!field(w, SPISYNC_SA_VALID_WORD, SPISYNC_SA_VALID_LSB, 1)) {
		card_model_sa_clear(c->model, index);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.spi = w[SPISYNC_SA_SPI_WORD];
	sa.ipv6 = field(w, SPISYNC_SA_IPV6_WORD, SPISYNC_SA_IPV6_LSB, 1);
	get_bytes(w, SPISYNC_SA_DST_WORD, sa.dst, 16);
	sa.key_len = field(w, SPISYNC_SA_KEY_256_WORD, SPISYNC_SA_KEY_256_LSB,
	    1) ? 32 : 16;
	get_bytes(w, SPISYNC_SA_KEY_WORD, sa.key, sa.key_len);
	get_bytes(w, SPISYNC_SA_SALT_WORD, sa.salt, 4);
	sa.icv_len = field(w, SPISYNC_SA_ICV_LEN_WORD, SPISYNC_SA_ICV_LEN_LSB,
	    SPISYNC_SA_ICV_LEN_WIDTH);
	sa.esn = field(w, SPISYNC_SA_ESN_WORD, SPISYNC_SA_ESN_LSB, 1);
	sa.mode = (enum sa_mode)field(w, SPISYNC_SA_MODE_WORD,
	    SPISYNC_SA_MODE_LSB, SPISYNC_SA_MODE_WIDTH);
	sa.udp_encap = field(w, SPISYNC_SA_UDP_ENCAP_WORD,
	    SPISYNC_SA_UDP_ENCAP_LSB, 1);
	sa.sport = (uint16_t)field(w, SPISYNC_SA_SPORT_WORD,
	    SPISYNC_SA_SPORT_LSB, SPISYNC_SA_SPORT_WIDTH);
	sa.dport = (uint16_t)field(w, SPISYNC_SA_DPORT_WORD,
	    SPISYNC_SA_DPORT_LSB, SPISYNC_SA_DPORT_WIDTH);
	sa.hard_bytes = get_u64(w, SPISYNC_SA_HARD_BYTES_WORD);
	sa.hard_packets = get_u64(w, SPISYNC_SA_HARD_PACKETS_WORD);
	sa.gen = (uint8_t)field(w, SPISYNC_SA_GEN_WORD, SPISYNC_SA_GEN_LSB,
	    SPISYNC_SA_GEN_WIDTH);
	/* a new generation at the index: the model starts the SA afresh */
	card_model_sa_clear(c->model, index);
	if (card_model_sa_set(c->model, index, &sa) != 0)
		abort();	/* the firmware never installs what the card can't hold */
	memset(&sa, 0, sizeof(sa));
}

uint32_t
card_sim_mmio_read(struct card_sim *c, uint32_t offset)
{
	c->cycles += MMIO_CLOCKS;
	switch (offset) {
	case SPISYNC_REG_ID:
		return SPISYNC_MAGIC;
	case SPISYNC_REG_VERSION:
		return SPISYNC_VERSION;
	case SPISYNC_REG_CAP_DATA_WIDTH:
		return c->width;
	case SPISYNC_REG_CAP_SA_ENTRIES:
		return 1024;
	case SPISYNC_REG_CAP_TAG_BUCKETS:
		return 1024;
	case SPISYNC_REG_CAP_REASONS:
		return SPISYNC_NUM_REASONS;
	case SPISYNC_REG_CAP_REPLAY_WINDOW:
		return 1024;
	case SPISYNC_REG_STATUS:
	case SPISYNC_REG_SA_STATS_STATUS:
		return 1;
	default:
		break;
	}
	if (offset >= SPISYNC_REG_SA_STATS_PACKETS_LO &&
	    offset <= SPISYNC_REG_SA_STATS_REPLAY_HI) {
		const uint32_t rel = offset - SPISYNC_REG_SA_STATS_PACKETS_LO;
		const uint64_t v = c->stats[rel / 8];

		return rel % 8 == 0 ? (uint32_t)v : (uint32_t)(v >> 32);
	}
	if (offset >= SPISYNC_REG_COUNTERS(0) &&
	    offset < SPISYNC_REG_COUNTERS(SPISYNC_NUM_REASONS)) {
		const uint32_t rel = offset - SPISYNC_REG_COUNTERS(0);
		const uint64_t v = c->snap[rel / 8];

		return rel % 8 == 0 ? (uint32_t)v : (uint32_t)(v >> 32);
	}
	return 0;
}

void
card_sim_mmio_write(struct card_sim *c, uint32_t offset, uint32_t value)
{
	c->cycles += MMIO_CLOCKS;
	if (offset >= SPISYNC_REG_SA_STAGE(0) &&
	    offset < SPISYNC_REG_SA_STAGE(SPISYNC_SA_WORDS)) {
		c->stage[(offset - SPISYNC_REG_SA_STAGE(0)) / 4] = value;
		return;
	}
	switch (offset) {
	case SPISYNC_REG_SA_WRITE:
		write_entry(c, value);
		break;
	case SPISYNC_REG_COUNTER_SNAPSHOT:
		card_model_counters(c->model, c->snap);
		break;
	case SPISYNC_REG_SA_STATS_SELECT:
		card_model_sa_stats(c->model, value, &c->stats[0],
		    &c->stats[1], &c->stats[2], &c->stats[3]);
		break;
	default:
		break;
	}
}

int
card_sim_push_frame(struct card_sim *c, const uint8_t *data, size_t len,
    bool mac_err)
{
	struct model_result *r = &c->result;
	const uint64_t beats = (len + c->width / 8 - 1) / (c->width / 8);

	if (len == 0 || len > CARD_SIM_MAX_FRAME)
		return -1;
	card_model_frame(c->model, data, len, mac_err, r);
	c->wire_beats += beats;
	c->wire_due = (c->wire_due > c->cycles ? c->wire_due : c->cycles) +
	    beats + c->gap;
	if (r->event) {
		uint8_t *rec = malloc(SPISYNC_EVENT_BYTES);

		if (rec == NULL)
			return -1;
		memcpy(rec, r->event_rec, SPISYNC_EVENT_BYTES);
		if (card_sim_fifo_push(&c->events, rec) != 0) {
			free(rec);
			return -1;
		}
	}
	if (spisync_reason_kind[r->outcome] == SPISYNC_REASON_DELIVER) {
		struct card_host_frame *h = malloc(sizeof(*h));

		if (h == NULL)
			return -1;
		memcpy(h->data, r->out, r->out_len);
		h->len = r->out_len;
		h->outcome = r->outcome;
		h->sa_index = (uint16_t)r->sa_index;
		h->rx_seq = r->rx_seq;
		if (card_sim_fifo_push(&c->host, h) != 0) {
			free(h);
			return -1;
		}
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

void
card_sim_step(struct card_sim *c, uint64_t clocks)
{
	c->cycles += clocks;
}

bool
card_sim_drain(struct card_sim *c, uint64_t max_clocks)
{
	if (c->wire_due > c->cycles) {
		const uint64_t left = c->wire_due - c->cycles;

		c->cycles += left < max_clocks ? left : max_clocks;
	}
	return c->cycles >= c->wire_due;
}

int
card_sim_pull_host(struct card_sim *c, struct card_host_frame *out)
{
	struct card_host_frame *h = card_sim_fifo_pop(&c->host);

	if (h == NULL)
		return 0;
	memcpy(out, h, sizeof(*out));
	free(h);
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
	(void)c;
	return false;
}
