/*
 * spisync sim -- host memory behind an AXI4 write-only slave (host_mem.h).
 *
 * Three in-order queues: AWs waiting for their W burst, complete W bursts
 * waiting for their AW, and paired writes waiting for (then showing) their
 * B response. W beats are kept in a pool of burst buffers of 256 beats, each
 * allocated the first time it is needed: the queues' bounds (max_pending
 * each) bound the pool, so nothing grows after the first bursts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host_mem.h"

#define HM_BURST_INCR 1u
#define HM_MAX_SIZE_LOG2 6u    /* 64-byte beats */
#define HM_PAGE 4096u

struct hm_beat {
	uint8_t data[HOST_MEM_BEAT_BYTES];
	uint64_t strb;
};

struct hm_burst {
	struct hm_beat *beats;      /* HOST_MEM_MAX_BEATS, allocated on first use */
	unsigned n;
};

struct hm_aw {
	uint64_t addr;
	uint8_t len;
	uint8_t size;
	uint8_t burst;
};

struct hm_write {
	struct hm_aw aw;
	unsigned burst;             /* pool index */
	uint64_t due;               /* clock its B is valid from */
	uint8_t resp;
	bool visible;               /* written (if OKAY), B shown */
};

struct host_mem {
	struct host_mem_cfg cfg;
	uint8_t *mem;
	bool mem_owned;                    /* allocated here (else the caller's) */
	uint64_t rng;
	uint64_t clock;

	struct host_mem_axi_out out;       /* this clock's, once drawn */
	bool out_drawn;
	struct host_mem_axi_in prev_in;    /* last clock's, for stability checks */
	struct host_mem_axi_out prev_out;

	struct hm_aw *aw_q;                /* AWs without their W burst */
	unsigned aw_head, aw_len;
	unsigned *w_q;                     /* complete W bursts without their AW */
	unsigned w_head, w_len;
	struct hm_write *wr_q;             /* paired, not answered */
	unsigned wr_head, wr_len;
	uint64_t last_due;

	struct hm_burst *pool;
	unsigned pool_n;
	unsigned *free_stack;
	unsigned free_n;
	int cur_w;                         /* burst being received, -1: none */

	uint64_t writes;
	uint64_t errors;
	uint64_t protocol_errors;
	unsigned max_pending_seen;
};

static uint64_t rng_next(struct host_mem *m)
{
	/* xorshift64* (Vigna) */
	uint64_t x = m->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	m->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void rng_seed(struct host_mem *m, uint64_t seed)
{
	/* xorshift has one fixed point: 0 */
	m->rng = seed ^ 0x9e3779b97f4a7c15ull;
	if (m->rng == 0)
		m->rng = 1;
}

static bool roll(struct host_mem *m, unsigned pct)
{
	/* always draw, so a percentage of 100 keeps the sequence the same */
	return (unsigned)((rng_next(m) >> 32) % 100u) < pct;
}

static unsigned clamp_pct(unsigned pct)
{
	return pct > 100u ? 100u : pct;
}

/* mem: the caller's (not freed, not zeroed), or NULL to allocate zeroed. */
static struct host_mem *create(const struct host_mem_cfg *cfg, uint8_t *mem)
{
	struct host_mem *m;
	unsigned cap;

	if (cfg == NULL || cfg->size == 0 || cfg->max_pending == 0 ||
	    cfg->max_pending > 65536u || cfg->base + cfg->size - 1 < cfg->base)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->cfg = *cfg;
	m->cfg.aw_ready_pct = clamp_pct(cfg->aw_ready_pct);
	m->cfg.w_ready_pct = clamp_pct(cfg->w_ready_pct);
	cap = cfg->max_pending;
	/* pool: every queued W burst, every paired write, one being received */
	m->pool_n = 2 * cap + 1;
	if (mem != NULL) {
		m->mem = mem;
	} else {
		/* page-aligned, like the DMA buffers a driver gets: a ring
		 * placed at its start meets any alignment the card or the
		 * driver asks for */
		m->mem = aligned_alloc(HOST_MEM_ALIGN, (cfg->size +
		    HOST_MEM_ALIGN - 1) / HOST_MEM_ALIGN * HOST_MEM_ALIGN);
		m->mem_owned = true;
		if (m->mem != NULL)
			memset(m->mem, 0, cfg->size);
	}
	m->aw_q = calloc(cap, sizeof(*m->aw_q));
	m->w_q = calloc(cap, sizeof(*m->w_q));
	m->wr_q = calloc(cap, sizeof(*m->wr_q));
	m->pool = calloc(m->pool_n, sizeof(*m->pool));
	m->free_stack = calloc(m->pool_n, sizeof(*m->free_stack));
	if (m->mem == NULL || m->aw_q == NULL || m->w_q == NULL ||
	    m->wr_q == NULL || m->pool == NULL || m->free_stack == NULL) {
		host_mem_destroy(m);
		return NULL;
	}
	for (unsigned i = 0; i < m->pool_n; i++)
		m->free_stack[i] = m->pool_n - 1 - i;
	m->free_n = m->pool_n;
	m->cur_w = -1;
	rng_seed(m, cfg->seed);
	return m;
}

struct host_mem *host_mem_create(const struct host_mem_cfg *cfg)
{
	return create(cfg, NULL);
}

struct host_mem *host_mem_create_on(const struct host_mem_cfg *cfg,
    uint8_t *mem)
{
	if (mem == NULL || (uintptr_t)mem % HOST_MEM_ALIGN != 0)
		return NULL;
	return create(cfg, mem);
}

void host_mem_destroy(struct host_mem *m)
{
	if (m == NULL)
		return;
	if (m->pool != NULL) {
		for (unsigned i = 0; i < m->pool_n; i++)
			free(m->pool[i].beats);
	}
	free(m->pool);
	free(m->free_stack);
	free(m->wr_q);
	free(m->w_q);
	free(m->aw_q);
	if (m->mem_owned)
		free(m->mem);
	free(m);
}

void host_mem_set_timing(struct host_mem *m, unsigned write_latency,
    unsigned aw_ready_pct, unsigned w_ready_pct, uint64_t seed)
{
	/* this clock's outputs, if drawn, stay as they are */
	m->cfg.write_latency = write_latency;
	m->cfg.aw_ready_pct = clamp_pct(aw_ready_pct);
	m->cfg.w_ready_pct = clamp_pct(w_ready_pct);
	rng_seed(m, seed);
}

uint8_t *host_mem_data(struct host_mem *m)
{
	return m->mem;
}

uint64_t host_mem_base(const struct host_mem *m)
{
	return m->cfg.base;
}

size_t host_mem_size(const struct host_mem *m)
{
	return m->cfg.size;
}

uint64_t host_mem_writes(const struct host_mem *m)
{
	return m->writes;
}

uint64_t host_mem_errors(const struct host_mem *m)
{
	return m->errors;
}

uint64_t host_mem_protocol_errors(const struct host_mem *m)
{
	return m->protocol_errors;
}

unsigned host_mem_pending(const struct host_mem *m)
{
	return m->aw_len + m->wr_len;
}

unsigned host_mem_max_pending_seen(const struct host_mem *m)
{
	return m->max_pending_seen;
}

uint64_t host_mem_clocks(const struct host_mem *m)
{
	return m->clock;
}

static struct hm_write *write_at(struct host_mem *m, unsigned i)
{
	return &m->wr_q[(m->wr_head + i) % m->cfg.max_pending];
}

static void draw_outputs(struct host_mem *m)
{
	const unsigned cap = m->cfg.max_pending;
	struct hm_write *head;

	if (m->out_drawn)
		return;
	m->out.awready = roll(m, m->cfg.aw_ready_pct) && m->aw_len + m->wr_len < cap;
	m->out.wready = roll(m, m->cfg.w_ready_pct) && m->w_len < cap;
	m->out.bvalid = false;
	m->out.bresp = HOST_MEM_OKAY;
	if (m->wr_len != 0) {
		head = write_at(m, 0);
		m->out.bvalid = head->visible;
		m->out.bresp = head->visible ? head->resp : HOST_MEM_OKAY;
	}
	m->out_drawn = true;
}

void host_mem_outputs(struct host_mem *m, struct host_mem_axi_out *out)
{
	draw_outputs(m);
	*out = m->out;
}

/* A channel that was valid and not ready last clock must hold. */
static void check_stability(struct host_mem *m, const struct host_mem_axi_in *in)
{
	const struct host_mem_axi_in *p = &m->prev_in;

	if (p->awvalid && !m->prev_out.awready &&
	    (!in->awvalid || in->awaddr != p->awaddr || in->awlen != p->awlen ||
	    in->awsize != p->awsize || in->awburst != p->awburst))
		m->protocol_errors++;
	if (p->wvalid && !m->prev_out.wready &&
	    (!in->wvalid || in->wstrb != p->wstrb || in->wlast != p->wlast ||
	    memcmp(in->wdata, p->wdata, sizeof(in->wdata)) != 0))
		m->protocol_errors++;
}

static void burst_free(struct host_mem *m, unsigned b)
{
	m->free_stack[m->free_n++] = b;
}

static void answer_head(struct host_mem *m)
{
	struct hm_write *w = write_at(m, 0);

	if (w->resp == HOST_MEM_OKAY)
		m->writes++;
	else
		m->errors++;
	burst_free(m, w->burst);
	m->wr_head = (m->wr_head + 1) % m->cfg.max_pending;
	m->wr_len--;
}

static void push_aw(struct host_mem *m, const struct host_mem_axi_in *in)
{
	struct hm_aw *a = &m->aw_q[(m->aw_head + m->aw_len) % m->cfg.max_pending];

	a->addr = in->awaddr;
	a->len = in->awlen;
	a->size = in->awsize;
	a->burst = in->awburst;
	m->aw_len++;
}

static void close_w_burst(struct host_mem *m)
{
	m->w_q[(m->w_head + m->w_len) % m->cfg.max_pending] = (unsigned)m->cur_w;
	m->w_len++;
	m->cur_w = -1;
}

static int push_beat(struct host_mem *m, const struct host_mem_axi_in *in)
{
	struct hm_burst *b;

	if (m->cur_w < 0) {
		/* free_n > 0: the queue bounds keep the pool from running dry */
		m->cur_w = (int)m->free_stack[--m->free_n];
		b = &m->pool[m->cur_w];
		if (b->beats == NULL) {
			b->beats = calloc(HOST_MEM_MAX_BEATS, sizeof(*b->beats));
			if (b->beats == NULL)
				return -ENOMEM;
		}
		b->n = 0;
	}
	b = &m->pool[m->cur_w];
	memcpy(b->beats[b->n].data, in->wdata, HOST_MEM_BEAT_BYTES);
	b->beats[b->n].strb = in->wstrb;
	b->n++;
	if (in->wlast) {
		close_w_burst(m);
	} else if (b->n == HOST_MEM_MAX_BEATS) {
		/* no WLAST by beat 256: cut here; the length check answers it */
		m->protocol_errors++;
		close_w_burst(m);
	}
	return 0;
}

/* Address of beat i of an INCR burst; the first may be unaligned. */
static uint64_t beat_addr(const struct hm_aw *aw, unsigned i)
{
	const uint64_t bytes = 1ull << aw->size;

	if (i == 0)
		return aw->addr;
	return (aw->addr & ~(bytes - 1)) + (uint64_t)i * bytes;
}

/* Byte lanes beat i may write: [lo, hi) of the 64-byte bus. */
static uint64_t beat_lanes(const struct hm_aw *aw, unsigned i)
{
	const uint64_t bytes = 1ull << aw->size;
	const uint64_t a = beat_addr(aw, i);
	const unsigned lo = (unsigned)(a & (HOST_MEM_BEAT_BYTES - 1));
	const unsigned hi = (unsigned)((a & ~(bytes - 1)) & (HOST_MEM_BEAT_BYTES - 1)) +
	    (unsigned)bytes;
	const uint64_t upto = hi >= 64 ? UINT64_MAX : (1ull << hi) - 1;

	return upto & ~((1ull << lo) - 1);
}

/* The burst's shape against its W beats: a protocol error or not. */
static bool burst_well_formed(const struct hm_aw *aw, const struct hm_burst *b)
{
	uint64_t first, last;

	if (b->n != (unsigned)aw->len + 1u || aw->burst != HM_BURST_INCR ||
	    aw->size > HM_MAX_SIZE_LOG2)
		return false;
	first = aw->addr;
	last = beat_addr(aw, aw->len) | ((1ull << aw->size) - 1);
	if (first / HM_PAGE != last / HM_PAGE)
		return false;
	for (unsigned i = 0; i < b->n; i++) {
		if ((b->beats[i].strb & ~beat_lanes(aw, i)) != 0)
			return false;
	}
	return true;
}

static bool burst_in_memory(const struct host_mem *m, const struct hm_aw *aw)
{
	const uint64_t first = aw->addr;
	const uint64_t last = beat_addr(aw, aw->len) | ((1ull << aw->size) - 1);

	return first >= m->cfg.base && last >= first &&
	    last - m->cfg.base < (uint64_t)m->cfg.size;
}

static void pair_writes(struct host_mem *m)
{
	const unsigned cap = m->cfg.max_pending;

	while (m->aw_len != 0 && m->w_len != 0) {
		/* wr_len < cap: aw_len + wr_len <= cap and aw_len > 0 */
		struct hm_write *w = write_at(m, m->wr_len);
		uint64_t due = m->clock + 1 + m->cfg.write_latency;

		w->aw = m->aw_q[m->aw_head];
		w->burst = m->w_q[m->w_head];
		m->aw_head = (m->aw_head + 1) % cap;
		m->aw_len--;
		m->w_head = (m->w_head + 1) % cap;
		m->w_len--;
		if (!burst_well_formed(&w->aw, &m->pool[w->burst])) {
			m->protocol_errors++;
			w->resp = HOST_MEM_SLVERR;
		} else if (!burst_in_memory(m, &w->aw)) {
			w->resp = HOST_MEM_DECERR;
		} else {
			w->resp = HOST_MEM_OKAY;
		}
		/* responses in order: never before an earlier write's */
		if (due < m->last_due)
			due = m->last_due;
		m->last_due = due;
		w->due = due;
		w->visible = false;
		m->wr_len++;
	}
}

/*
 * One beat into its 64-byte row (bus address row): bytes 8..63 first, then
 * (release fence) bytes 0..7, as one 64-bit store when all eight are strobed
 * and their place in memory is 8-byte aligned. A concurrent reader that sees
 * the new first word sees the whole row (host_mem.h). Strobed bytes are in
 * memory (burst_in_memory), so every index below is too.
 */
static void apply_beat(struct host_mem *m, uint64_t row,
    const struct hm_beat *beat)
{
	const uint64_t strb = beat->strb;
	const uint64_t base = m->cfg.base;

	for (unsigned lane = 8; lane < HOST_MEM_BEAT_BYTES; lane++) {
		if ((strb >> lane) & 1u)
			m->mem[row + lane - base] = beat->data[lane];
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if ((strb & 0xFFu) == 0xFFu &&
	    (uintptr_t)&m->mem[row - base] % sizeof(uint64_t) == 0) {
		uint64_t first;

		memcpy(&first, beat->data, sizeof(first));
		__atomic_store_n((uint64_t *)(void *)&m->mem[row - base], first,
		    __ATOMIC_RELAXED);
		return;
	}
	for (unsigned lane = 0; lane < 8; lane++) {
		if ((strb >> lane) & 1u)
			__atomic_store_n(&m->mem[row + lane - base],
			    beat->data[lane], __ATOMIC_RELAXED);
	}
}

static void apply_write(struct host_mem *m, const struct hm_write *w)
{
	const struct hm_burst *b = &m->pool[w->burst];

	for (unsigned i = 0; i < b->n; i++) {
		const uint64_t row = beat_addr(&w->aw, i) & ~(uint64_t)(HOST_MEM_BEAT_BYTES - 1);

		apply_beat(m, row, &b->beats[i]);
	}
}

/* Writes whose time has come: memory updated, B shown from this clock. */
static void complete_due(struct host_mem *m)
{
	for (unsigned i = 0; i < m->wr_len; i++) {
		struct hm_write *w = write_at(m, i);

		if (w->visible)
			continue;
		if (w->due > m->clock)
			break;
		if (w->resp == HOST_MEM_OKAY)
			apply_write(m, w);
		w->visible = true;
	}
}

int host_mem_clock(struct host_mem *m, const struct host_mem_axi_in *in)
{
	struct host_mem_axi_out out;
	int rc;

	draw_outputs(m);
	out = m->out;
	check_stability(m, in);
	if (out.bvalid && in->bready)
		answer_head(m);
	if (in->awvalid && out.awready)
		push_aw(m, in);
	if (in->wvalid && out.wready) {
		rc = push_beat(m, in);
		if (rc != 0)
			return rc;
	}
	pair_writes(m);
	if (m->aw_len + m->wr_len > m->max_pending_seen)
		m->max_pending_seen = m->aw_len + m->wr_len;
	m->prev_in = *in;
	m->prev_out = out;
	m->clock++;
	complete_due(m);
	m->out_drawn = false;
	return 0;
}
