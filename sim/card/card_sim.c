/* spisync -- card_sim.h: pick the Verilated model of the asked-for width and
 * forward to it. */
#include "card_sim.h"

#include <stdint.h>
#include <stdlib.h>

#include "card_sim_ops.h"
#include "event_ring.h"
#include "host_mem.h"
#include "spisync_hw.h"

struct card_sim {
	const struct card_sim_ops *ops;
	void *model;
	/* the event ring, consumed the way the driver does */
	bool ring_on;
	struct event_ring ring;
	uint32_t cons_written;    /* last value written to RING_CONS */
};

/*
 * A program may be linked with one width's model only (a development build
 * of spisync-sim at 128 bits: make CARD_WIDTHS=128): the tables are weak
 * references here, and a width whose model is not linked in is "not built".
 */
#pragma weak card_sim_ops_w128
#pragma weak card_sim_ops_w512

static const struct card_sim_ops *ops_of_width(unsigned data_width)
{
	if (data_width == 128)
		return &card_sim_ops_w128;
	if (data_width == 512)
		return &card_sim_ops_w512;
	return NULL;
}

/* host_mem NULL: the model allocates its own. */
static struct card_sim *create(unsigned data_width, uint8_t *host_mem,
    size_t size)
{
	const struct card_sim_ops *ops = ops_of_width(data_width);

	if (ops == NULL)
		return NULL;
	struct card_sim *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ops = ops;
	c->model = host_mem != NULL ? ops->create_on(host_mem, size) :
	    ops->create();
	if (c->model == NULL) {
		free(c);
		return NULL;
	}
	card_sim_reset(c);
	return c;
}

struct card_sim *card_sim_create(unsigned data_width)
{
	return create(data_width, NULL, 0);
}

struct card_sim *card_sim_create_with_host_mem(unsigned data_width,
    void *mem, size_t size)
{
	if (mem == NULL || (uintptr_t)mem % HOST_MEM_ALIGN != 0 || size == 0)
		return NULL;
	return create(data_width, mem, size);
}

void card_sim_destroy(struct card_sim *c)
{
	if (c == NULL)
		return;
	c->ops->destroy(c->model);
	free(c);
}

unsigned card_sim_data_width(const struct card_sim *c)
{
	return c->ops->width();
}

void card_sim_reset(struct card_sim *c)
{
	c->ops->reset(c->model);
	c->ring_on = false;
	/* the card clears its per-SA state after reset; nothing may be
	 * installed before STATUS says ready (a few thousand clocks) */
	for (int i = 0; i < 1000; i++) {
		if (c->ops->mmio_read(c->model, SPISYNC_REG_STATUS) & 1u)
			break;
		c->ops->step(c->model, 64);
	}
}

uint32_t card_sim_mmio_read(struct card_sim *c, uint32_t offset)
{
	return c->ops->mmio_read(c->model, offset);
}

void card_sim_mmio_write(struct card_sim *c, uint32_t offset, uint32_t value)
{
	c->ops->mmio_write(c->model, offset, value);
}

int card_sim_push_frame(struct card_sim *c, const uint8_t *data, size_t len,
    bool mac_err)
{
	if (data == NULL || len == 0 || len > CARD_SIM_MAX_FRAME)
		return -1;
	return c->ops->push_frame(c->model, data, len, mac_err);
}

void card_sim_set_gap(struct card_sim *c, unsigned clocks)
{
	c->ops->set_gap(c->model, clocks);
}

void card_sim_set_host_ready(struct card_sim *c, unsigned percent, uint64_t seed)
{
	c->ops->set_host_ready(c->model, percent, seed);
}

void card_sim_step(struct card_sim *c, uint64_t clocks)
{
	c->ops->step(c->model, clocks);
}

bool card_sim_drain(struct card_sim *c, uint64_t max_clocks)
{
	uint64_t done = 0;

	while (done < max_clocks) {
		if (!c->ops->busy(c->model))
			return true;
		c->ops->step(c->model, 16);
		done += 16;
	}
	return !c->ops->busy(c->model);
}

bool card_sim_idle(struct card_sim *c)
{
	return !c->ops->busy(c->model);
}

int card_sim_pull_host(struct card_sim *c, struct card_host_frame *out)
{
	return c->ops->pull_host(c->model, out);
}

struct host_mem *card_sim_host_mem(struct card_sim *c)
{
	return c->ops->host_mem(c->model);
}

int card_sim_events_enable(struct card_sim *c, unsigned size_log2)
{
	struct host_mem *hm = card_sim_host_mem(c);
	const uint64_t base = host_mem_base(hm);

	if (size_log2 < 1 || size_log2 > 20 ||
	    ((size_t)SPISYNC_EVENT_BYTES << size_log2) > host_mem_size(hm))
		return -1;
	c->ops->mmio_write(c->model, SPISYNC_REG_RING_CTRL, 0);
	if (event_ring_init(&c->ring, host_mem_data(hm), size_log2) != 0)
		return -1;
	c->ops->mmio_write(c->model, SPISYNC_REG_RING_BASE_LO, (uint32_t)base);
	c->ops->mmio_write(c->model, SPISYNC_REG_RING_BASE_HI, (uint32_t)(base >> 32));
	c->ops->mmio_write(c->model, SPISYNC_REG_RING_SIZE_LOG2, size_log2);
	c->ops->mmio_write(c->model, SPISYNC_REG_RING_CONS, 0);
	c->ops->mmio_write(c->model, SPISYNC_REG_RING_CTRL, 1);
	c->cons_written = 0;
	c->ring_on = true;
	return 0;
}

/* Space goes back to the card every quarter ring, and whenever the ring has
 * been read empty, as the driver does. */
int card_sim_pull_event(struct card_sim *c, uint8_t record[64])
{
	if (!c->ring_on)
		return 0;
	const int got = event_ring_pop(&c->ring, record);
	const uint32_t head = event_ring_cons(&c->ring);
	const uint32_t quarter = (1u << c->ring.size_log2) / 4u;

	if (head != c->cons_written &&
	    (got == 0 || head - c->cons_written >= (quarter ? quarter : 1u))) {
		c->ops->mmio_write(c->model, SPISYNC_REG_RING_CONS, head);
		c->cons_written = head;
	}
	return got;
}

bool card_sim_frame_start(const struct card_sim *c, uint64_t arrival,
    uint64_t *cycle)
{
	return c->ops->frame_start(c->model, arrival, cycle);
}

void card_sim_keep_frame_starts(struct card_sim *c, bool keep)
{
	c->ops->keep_frame_starts(c->model, keep);
}

void card_sim_rx_overflow(struct card_sim *c, unsigned n)
{
	c->ops->rx_overflow(c->model, n);
}

uint64_t card_sim_cycles(const struct card_sim *c)
{
	return c->ops->cycles(c->model);
}

uint64_t card_sim_wire_beats(const struct card_sim *c)
{
	return c->ops->wire_beats(c->model);
}

bool card_sim_protocol_error(const struct card_sim *c)
{
	return c->ops->protocol_error(c->model);
}
