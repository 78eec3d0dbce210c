/*
 * spisync -- the 2:1 AXI4-Lite arbiter (hw/cpu/axil_arb.v) under random
 * traffic from both masters against a slave model with random ready and
 * response delays.
 *
 * Each master runs a write process and a read process of its own, at the
 * same time (one outstanding each, so a master has a write and a read in
 * flight together); master 0 (the host) may offer AW and W in different
 * clocks, master 1 (the core) offers them together. Addresses are disjoint
 * per master and per direction. The oracle is this file's own bookkeeping:
 *   * every read returns the slave's data for the address that master
 *     asked for (f(addr): never written), with RRESP as the slave sent it;
 *   * every B and R reaches the master with that transaction outstanding,
 *     never another (a misrouted response is seen as unexpected);
 *   * the slave sees one transaction at a time (no AW/AR while a previous
 *     response is owed), and each write's data at its own address;
 *   * at the end the slave's memory holds each master's last write to each
 *     address, and every transaction issued completed;
 *   * fairness: a request waits for at most 4 other transactions.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arb_sim.h"
#include "prng.h"

#define SLOTS 64u
#define TRANSACTIONS 4000u     /* per master and direction */
#define MAX_CYCLES 2000000u
#define FAIR_BOUND 4u

static struct prng rng;
static int failures;

#define FAIL(...) do { if (failures++ < 20) { printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static bool
chance(unsigned pct)
{
	return prng_below(&rng, 100) < pct;
}

/* address regions: master k writes at W(k), reads at R(k) */
static uint16_t
w_addr(unsigned k, unsigned slot)
{
	return (uint16_t)(0x1000u * (1u + 2u * k) + 4u * slot);
}

static uint16_t
r_addr(unsigned k, unsigned slot)
{
	return (uint16_t)(0x1000u * (2u + 2u * k) + 4u * slot);
}

static uint32_t
read_data(uint16_t addr)
{
	uint32_t x = (uint32_t)addr * 0x9E3779B1u;

	return x ^ (x >> 15);
}

struct wproc {
	unsigned issued, done;
	bool active, aw_sent, w_sent;
	uint16_t addr;
	uint32_t data;
	uint32_t want[SLOTS];      /* the last value written per slot */
	bool written[SLOTS];
	uint64_t wait_from;        /* slave completions when the request rose */
};

struct rproc {
	unsigned issued, done;
	bool active, ar_sent;
	uint16_t addr;
	uint64_t wait_from;
};

int
main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL);
	struct arb_sim *sim;
	struct arb_sim_in in;
	struct arb_sim_out out;
	struct wproc wp[2];
	struct rproc rp[2];
	/* slave state */
	uint32_t mem[0x10000 / 4];
	bool s_aw = false, s_w = false, s_b = false, s_r = false, s_busy = false;
	uint16_t s_awaddr = 0, s_araddr = 0;
	uint32_t s_wdata = 0;
	unsigned s_delay = 0;
	uint64_t completions = 0, cycles = 0, max_wait = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
	}
	printf("test_cpu_arb: seed %" PRIu64 "\n", seed);
	prng_seed(&rng, seed);
	memset(wp, 0, sizeof(wp));
	memset(rp, 0, sizeof(rp));
	memset(mem, 0, sizeof(mem));
	sim = arb_sim_create();
	if (sim == NULL)
		return 1;

	memset(&in, 0, sizeof(in));
	in.rst = true;
	for (int i = 0; i < 4; i++)
		arb_sim_cycle(sim, &in, &out);
	in.rst = false;

	while (cycles < MAX_CYCLES) {
		bool all_done = true;

		for (unsigned k = 0; k < 2; k++) {
			all_done = all_done && wp[k].done == TRANSACTIONS && rp[k].done == TRANSACTIONS;
			/* new requests */
			if (!wp[k].active && wp[k].issued < TRANSACTIONS && chance(k == 0 ? 40 : 70)) {
				wp[k].active = true;
				wp[k].aw_sent = wp[k].w_sent = false;
				wp[k].addr = w_addr(k, prng_below(&rng, SLOTS));
				wp[k].data = (uint32_t)prng_next(&rng);
				wp[k].issued++;
				wp[k].wait_from = completions;
				in.s[k].awaddr = wp[k].addr;
				in.s[k].wdata = wp[k].data;
				in.s[k].wstrb = 0xF;
				in.s[k].awvalid = k == 1 || chance(70);
				in.s[k].wvalid = k == 1 || !in.s[k].awvalid || chance(50);
			} else if (wp[k].active && k == 0) {
				/* the host's AW / W may come late */
				if (!wp[k].aw_sent && !in.s[k].awvalid && chance(50))
					in.s[k].awvalid = true;
				if (!wp[k].w_sent && !in.s[k].wvalid && chance(50))
					in.s[k].wvalid = true;
			}
			if (!rp[k].active && rp[k].issued < TRANSACTIONS && chance(k == 0 ? 40 : 70)) {
				rp[k].active = true;
				rp[k].ar_sent = false;
				rp[k].addr = r_addr(k, prng_below(&rng, SLOTS));
				rp[k].issued++;
				rp[k].wait_from = completions;
				in.s[k].araddr = rp[k].addr;
				in.s[k].arvalid = true;
			}
			in.s[k].bready = chance(70);
			in.s[k].rready = chance(70);
		}
		if (all_done)
			break;

		/* slave inputs */
		in.awready = !s_busy && !s_aw && chance(60);
		in.wready = !s_busy && !s_w && chance(60);
		in.arready = !s_busy && chance(60);
		if ((s_b || s_r) && s_delay > 0)
			s_delay--;
		in.bvalid = s_b && s_delay == 0;
		in.bresp = 0;
		in.rvalid = s_r && s_delay == 0;
		in.rresp = in.rvalid ? (uint8_t)(s_araddr & 3u) : 0;   /* 0 for word addresses */
		in.rdata = in.rvalid ? read_data(s_araddr) : (uint32_t)prng_next(&rng);

		arb_sim_cycle(sim, &in, &out);
		cycles++;

		/* the slave's side of this clock */
		bool aw_hs = out.awvalid && in.awready;
		bool w_hs = out.wvalid && in.wready;
		bool ar_hs = out.arvalid && in.arready;
		if (aw_hs) {
			s_aw = true;
			s_awaddr = out.awaddr;
		}
		if (w_hs) {
			s_w = true;
			s_wdata = out.wdata;
		}
		if (ar_hs && (aw_hs || w_hs || s_aw || s_w))
			FAIL("cycle %" PRIu64 ": a read and a write at once on the slave", cycles);
		if (ar_hs) {
			s_busy = true;
			s_r = true;
			s_araddr = out.araddr;
			s_delay = prng_below(&rng, 4);
		}
		if (s_aw && s_w && !s_b) {
			s_busy = true;
			s_b = true;
			s_delay = prng_below(&rng, 4);
			mem[s_awaddr / 4] = s_wdata;
		}
		if (in.bvalid && out.bready) {
			s_b = s_aw = s_w = s_busy = false;
			completions++;
		}
		if (in.rvalid && out.rready) {
			s_r = s_busy = false;
			completions++;
		}

		/* the masters' side */
		for (unsigned k = 0; k < 2; k++) {
			struct arb_sim_master_out *o = &out.s[k];

			if (in.s[k].awvalid && o->awready) {
				in.s[k].awvalid = false;
				wp[k].aw_sent = true;
				if (completions - wp[k].wait_from > max_wait)
					max_wait = completions - wp[k].wait_from;
			}
			if (in.s[k].wvalid && o->wready) {
				in.s[k].wvalid = false;
				wp[k].w_sent = true;
			}
			if (in.s[k].arvalid && o->arready) {
				in.s[k].arvalid = false;
				rp[k].ar_sent = true;
				if (completions - rp[k].wait_from > max_wait)
					max_wait = completions - rp[k].wait_from;
			}
			if (o->bvalid && in.s[k].bready) {
				if (!wp[k].active || !wp[k].aw_sent || !wp[k].w_sent) {
					FAIL("cycle %" PRIu64 ": master %u got a B it did not ask for", cycles, k);
				} else {
					unsigned slot = (wp[k].addr & 0xFFFu) / 4u;

					if (o->bresp != 0)
						FAIL("master %u: BRESP %u", k, o->bresp);
					wp[k].want[slot] = wp[k].data;
					wp[k].written[slot] = true;
					wp[k].active = false;
					wp[k].done++;
				}
			}
			if (o->rvalid && in.s[k].rready) {
				if (!rp[k].active || !rp[k].ar_sent) {
					FAIL("cycle %" PRIu64 ": master %u got an R it did not ask for", cycles, k);
				} else {
					if (o->rdata != read_data(rp[k].addr) || o->rresp != 0)
						FAIL("cycle %" PRIu64 ": master %u read 0x%04x: 0x%08" PRIx32
						    " resp %u, want 0x%08" PRIx32, cycles, k, rp[k].addr, o->rdata,
						    o->rresp, read_data(rp[k].addr));
					rp[k].active = false;
					rp[k].done++;
				}
			}
		}
	}

	for (unsigned k = 0; k < 2; k++) {
		if (wp[k].done != TRANSACTIONS || rp[k].done != TRANSACTIONS)
			FAIL("master %u: %u writes and %u reads of %u completed in %" PRIu64 " clocks",
			    k, wp[k].done, rp[k].done, TRANSACTIONS, cycles);
		for (unsigned s = 0; s < SLOTS; s++)
			if (wp[k].written[s] && mem[w_addr(k, s) / 4] != wp[k].want[s])
				FAIL("master %u slot %u: slave holds 0x%08" PRIx32 ", last written 0x%08" PRIx32,
				    k, s, mem[w_addr(k, s) / 4], wp[k].want[s]);
	}
	if (max_wait > FAIR_BOUND)
		FAIL("a request waited for %" PRIu64 " other transactions (round robin: at most %u)",
		    max_wait, FAIR_BOUND);
	printf("test_cpu_arb: %" PRIu64 " transactions in %" PRIu64 " clocks, longest wait %" PRIu64
	    " transactions: %s\n", completions, cycles, max_wait, failures == 0 ? "ok" : "FAILED");
	arb_sim_destroy(sim);
	return failures == 0 ? 0 : 1;
}
