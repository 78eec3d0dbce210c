/*
 * spisync -- the Vitis RTL kernel as built for the card (hw/alveo/spisync.v:
 * 512-bit streams, the real controller firmware in ctl_cpu's ROM, the
 * AXI4-Lite arbiter, the card with 64 SA entries and 64 tag buckets), in
 * Verilator at RX_ASYNC 0 (one clock, as linked) or 1 (the MAC streams on
 * ap_clk_2 at 322.265625 MHz through the asynchronous FIFOs, ap_clk at
 * 300 MHz). This program is the host: on s_axi_control, speaking the mailbox
 * protocol of firmware/mbox.h itself, and as the host memory behind
 * m_axi_ev. The oracles are the protocol and the SA it sent, OpenSSL
 * (tests/model/frame_build.c) for the frames, and the record layout of
 * hw/gen/spisync_hw.h -- not the firmware's or the card's own code:
 *
 *   ID / VERSION / capabilities read through the arbiter while the core runs;
 *   HELLO until the firmware answers (a request posted before fw_init is
 *   answered MBOX_E_RESTART, then repeated): version, protocol, capacity;
 *   SA_ADD of an SA made with the driver's encoder; the key and salt words
 *   zeroed in the mailbox afterwards; SA_FIND of its SPI; SA_GET (SPI,
 *   ports, destination, no key); one ESP frame for that SA, encrypted with
 *   OpenSSL, through the kernel: out of m_axis_tx with the inner packet in
 *   it, counted DECRYPTED;
 *   the event ring in host memory: a frame of an unknown SPI becomes one
 *   SA_MISS record at the ring's base (phase 1, its SPI, addresses and
 *   ports), RING_PROD and EVENTS_WRITTEN 1, no AXI rule broken;
 *   a burst of --burst back-to-back frames of 1,434 bytes on the MAC's
 *   clock: every frame accounted for (the reason counters sum to
 *   RX_PACKETS), the delivered frames exactly the burst's frames in order
 *   less the ones counted dropped; with RX_ASYNC 1 the MAC's clock is
 *   faster than the kernel's, so the RX FIFO must overflow and count
 *   CDC_OVERFLOW; with RX_ASYNC 0 nothing may be lost; then a third as
 *   many with the transmit MAC ready 40 % of its clocks: the card must drop
 *   at its egress (TAIL_DROP) and deliver the rest intact, in order;
 *   a second SA_ADD of the same SPI refused (MBOX_E_EXISTS); an unknown
 *   command (MBOX_E_BADCMD); SA_DEL; SA_FIND then MBOX_E_NOENT and HELLO
 *   counting 0 SAs.
 * Every wait is bounded in simulated clocks.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_build.h"
#include "kernel_sim.h"
#include "mbox.h"
#include "sa_encode.h"
#include "spisync_hw.h"

#define CARD_SA_ENTRIES 64u
#define CARD_TAG_BUCKETS 64u
#define FW_VERSION_EXPECTED 0x00010000u
#define REG_CYCLES 1000u                   /* one register access */
#define MBOX_CYCLES 40000000ull            /* one request (start included) */
/* host reads back to back with the core's accesses: the arbiter is busy
 * from both sides for the whole run */
#define POLL_GAP 5u
#define GEN_MASK (((1u << SPISYNC_SA_GEN_WIDTH) - 1u) << SPISYNC_SA_GEN_LSB)
#define HOST_MEM_BASE 0x0000000180000000ull    /* above 4 GiB: RING_BASE_HI used */
#define HOST_MEM_SIZE 65536u
#define RING_LOG2 6u
#define BURST_PAYLOAD 1330u                /* inner UDP data: 1,400-byte frames */
#define FRAME_MAX 2048u

static const struct kernel_sim_ops *ks;
static struct kernel_sim *sim;
static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

static uint32_t
rd(uint32_t off)
{
	uint32_t v = 0xDEADDEADu;

	if (ks->read(sim, (uint16_t)off, &v, REG_CYCLES) != 0) {
		printf("FAIL: read of 0x%04" PRIx32 ": no answer, an error, or a response that was not its own\n", off);
		exit(1);
	}
	return v;
}

static void
wr(uint32_t off, uint32_t v)
{
	if (ks->write(sim, (uint16_t)off, v, REG_CYCLES) != 0) {
		printf("FAIL: write of 0x%04" PRIx32 ": no answer, an error, or a response that was not its own\n", off);
		exit(1);
	}
}

static uint32_t
mbox_rd(uint32_t w)
{
	return rd(SPISYNC_REG_MBOX(w));
}

static bool
contains(const uint8_t *hay, size_t hay_len, const uint8_t *needle, size_t len)
{
	for (size_t i = 0; i + len <= hay_len; i++)
		if (memcmp(hay + i, needle, len) == 0)
			return true;
	return false;
}

static uint64_t
load_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* all reason counters, one consistent snapshot */
static void
counters(uint64_t *c)
{
	wr(SPISYNC_REG_COUNTER_SNAPSHOT, 1);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		c[i] = rd(SPISYNC_REG_COUNTERS(i)) | (uint64_t)rd(SPISYNC_REG_COUNTERS(i) + 4u) << 32;
}

/* One UDP-encapsulated ESP frame (tunnel mode, an inner UDP/IPv4 packet
 * carrying data) of SPI spi with sequence number seq, encrypted for sa;
 * the inner packet in pkt. 0, or -1 if frame_build failed. */
static int
esp_build(const struct spisync_sa *sa, uint32_t spi, uint64_t seq, const uint8_t *data, size_t data_len,
    uint8_t *frame, size_t *frame_len, uint8_t *pkt, size_t pkt_cap, size_t *pkt_len)
{
	struct fb_eth eth = { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 }, .pad_min = true };
	struct fb_ip outer = { .ttl = 64, .id = (uint16_t)seq };
	struct fb_ip inner = { .ttl = 64, .id = (uint16_t)(seq + 7u) };
	struct fb_udp udp = { .sport = 4500, .dport = 4500, .zero_csum = true };
	struct fb_esp esp = { .spi = spi, .seq = seq, .key = sa->key, .key_len = sa->key_len,
	    .icv_len = sa->icv_len, .next_header = 4,
	    .iv = { 1, 2, 3, 4, 5, 6, 7, (uint8_t)seq } };
	struct fb_info info;

	memcpy(outer.src, (const uint8_t[]){ 198, 18, 0, 1 }, 4);
	memcpy(outer.dst, sa->dst, 4);
	memcpy(inner.src, (const uint8_t[]){ 198, 18, 1, 1 }, 4);
	memcpy(inner.dst, (const uint8_t[]){ 198, 18, 2, 1 }, 4);
	memcpy(esp.salt, sa->salt, 4);
	if (fb_inner_packet(pkt, pkt_cap, &inner, 17, 1234, 5678, data, data_len, pkt_len) != 0 ||
	    fb_esp_frame(frame, FRAME_MAX, &eth, &outer, &udp, &esp, pkt, *pkt_len, &info) != 0)
		return -1;
	*frame_len = info.len;
	return 0;
}

/* One ESP frame for sa through the kernel: it must come out of m_axis_tx
 * with the inner packet in it, and be counted DECRYPTED. */
static void
esp_frame(const struct spisync_sa *sa)
{
	static const uint8_t data[] = "controller core: SA installed by the firmware on rv32";
	uint8_t pkt[256], frame[FRAME_MAX], out[FRAME_MAX];
	size_t pkt_len = 0, frame_len = 0, out_len = 0;
	uint64_t c[SPISYNC_NUM_REASONS], start;
	int got = 0;

	if (esp_build(sa, sa->spi, 1, data, sizeof(data), frame, &frame_len, pkt, sizeof(pkt), &pkt_len) != 0) {
		CHECK(0, "frame_build failed");
		return;
	}
	if (ks->send(sim, frame, frame_len) != 0) {
		CHECK(0, "send failed");
		return;
	}
	start = ks->cycles(sim);
	while (got == 0 && ks->cycles(sim) - start < 200000u) {
		ks->step(sim, 100);
		got = ks->recv(sim, out, sizeof(out), &out_len);
	}
	printf("  ESP frame of %zu bytes: %s, %zu bytes out of m_axis_tx, after %" PRIu64 " clocks\n",
	    frame_len, got == 1 ? "delivered" : "NOT delivered", out_len, ks->cycles(sim) - start);
	CHECK(got == 1, "ESP frame not delivered");
	CHECK(got == 1 && contains(out, out_len, pkt, pkt_len), "the inner packet is not in the delivered frame");
	counters(c);
	CHECK(c[SPISYNC_R_RX_PACKETS] == 1 && c[SPISYNC_R_DECRYPTED] == 1,
	    "counters RX_PACKETS %" PRIu64 " DECRYPTED %" PRIu64 ", want 1 and 1",
	    c[SPISYNC_R_RX_PACKETS], c[SPISYNC_R_DECRYPTED]);
}

/* The event ring in host memory: a frame of an SPI no SA has becomes one
 * SA_MISS record at the ring's base. */
static void
miss_record(const struct spisync_sa *sa)
{
	static const uint8_t data[] = "nobody has this SPI";
	const uint32_t spi = 0x0BAD5EC0u;
	uint8_t pkt[256], frame[FRAME_MAX];
	size_t pkt_len = 0, frame_len = 0;
	uint64_t start;
	const uint8_t *rec;

	wr(SPISYNC_REG_RING_BASE_LO, (uint32_t)HOST_MEM_BASE);
	wr(SPISYNC_REG_RING_BASE_HI, (uint32_t)(HOST_MEM_BASE >> 32));
	wr(SPISYNC_REG_RING_SIZE_LOG2, RING_LOG2);
	wr(SPISYNC_REG_RING_CTRL, 1);
	CHECK((rd(SPISYNC_REG_RING_STATUS) & 1u) == 1u, "ring not enabled");
	if (esp_build(sa, spi, 1, data, sizeof(data), frame, &frame_len, pkt, sizeof(pkt), &pkt_len) != 0 ||
	    ks->send(sim, frame, frame_len) != 0) {
		CHECK(0, "frame_build or send failed");
		return;
	}
	start = ks->cycles(sim);
	while (rd(SPISYNC_REG_EVENTS_WRITTEN_LO) == 0 && ks->cycles(sim) - start < 100000u)
		ks->step(sim, 100);
	printf("  miss of SPI 0x%08" PRIx32 ": record written after %" PRIu64 " clocks\n", spi,
	    ks->cycles(sim) - start);
	CHECK(rd(SPISYNC_REG_RING_PROD) == 1, "RING_PROD %" PRIu32 ", want 1", rd(SPISYNC_REG_RING_PROD));
	CHECK(rd(SPISYNC_REG_EVENTS_WRITTEN_LO) == 1, "EVENTS_WRITTEN %" PRIu32 ", want 1",
	    rd(SPISYNC_REG_EVENTS_WRITTEN_LO));
	CHECK(ks->host_mem_protocol_errors(sim) == 0, "m_axi_ev broke an AXI rule %" PRIu64 " times",
	    ks->host_mem_protocol_errors(sim));
	rec = ks->host_mem(sim);
	CHECK(rec[SPISYNC_EVF_TYPE_OFF] == SPISYNC_EV_SA_MISS, "record type %u", rec[SPISYNC_EVF_TYPE_OFF]);
	CHECK((rec[SPISYNC_EVF_FLAGS_OFF] & SPISYNC_EV_FLAG_PHASE) != 0, "record phase 0 on the first lap");
	CHECK(load_le(rec + SPISYNC_EVF_SPI_OFF, 4) == spi, "record SPI 0x%08" PRIx64,
	    load_le(rec + SPISYNC_EVF_SPI_OFF, 4));
	CHECK(load_le(rec + SPISYNC_EVF_FRAME_LEN_OFF, 2) == frame_len, "record frame length %" PRIu64 ", sent %zu",
	    load_le(rec + SPISYNC_EVF_FRAME_LEN_OFF, 2), frame_len);
	CHECK(memcmp(rec + SPISYNC_EVF_SRC_OFF, (const uint8_t[]){ 198, 18, 0, 1 }, 4) == 0 &&
	    memcmp(rec + SPISYNC_EVF_DST_OFF, sa->dst, 4) == 0, "record addresses");
	CHECK(load_le(rec + SPISYNC_EVF_SPORT_OFF, 2) == 4500 && load_le(rec + SPISYNC_EVF_DPORT_OFF, 2) == 4500,
	    "record ports %" PRIu64 " %" PRIu64, load_le(rec + SPISYNC_EVF_SPORT_OFF, 2),
	    load_le(rec + SPISYNC_EVF_DPORT_OFF, 2));
	CHECK(rec[SPISYNC_EVENT_BYTES] == 0, "a second record written");
}

/* n back-to-back frames of sa, sequence numbers from seq0, on the MAC's
 * clock, the transmit MAC ready tx_ready_pct % of its clocks. Every frame
 * accounted for; the delivered ones exactly the burst's, in order, less the
 * counted drops. With the transmit side always ready, frames may be lost
 * only where the receive MAC outruns the kernel (RX_ASYNC 1: CDC_OVERFLOW,
 * which must then happen); with it slower than the card, the egress must
 * drop at its tail (TAIL_DROP) and deliver the rest intact. */
static void
burst(const struct spisync_sa *sa, uint64_t seq0, unsigned n, unsigned tx_ready_pct, unsigned rx_async)
{
	static uint8_t data[BURST_PAYLOAD];
	uint8_t (*pkts)[FRAME_MAX] = calloc(n, FRAME_MAX);
	size_t *pkt_lens = calloc(n, sizeof(*pkt_lens));
	uint8_t frame[FRAME_MAX], out[FRAME_MAX];
	size_t frame_len = 0, out_len = 0;
	uint64_t before[SPISYNC_NUM_REASONS], after[SPISYNC_NUM_REASONS], sum = 0, start, quiet = 0;
	unsigned next = 0, delivered = 0, unmatched = 0;

	if (pkts == NULL || pkt_lens == NULL) {
		CHECK(0, "out of memory");
		goto out;
	}
	ks->set_tx_ready(sim, tx_ready_pct);
	counters(before);
	for (unsigned i = 0; i < n; i++) {
		for (unsigned b = 0; b < sizeof(data); b++)
			data[b] = (uint8_t)(i * 7u + b);
		if (esp_build(sa, sa->spi, seq0 + i, data, sizeof(data), frame, &frame_len, pkts[i], FRAME_MAX,
		        &pkt_lens[i]) != 0 || ks->send(sim, frame, frame_len) != 0) {
			CHECK(0, "frame_build or send failed");
			goto out;
		}
	}
	/* until the MAC has sent everything and nothing has come out for a while */
	start = ks->cycles(sim);
	while ((ks->rx_queued(sim) != 0 || quiet < 20000u) && ks->cycles(sim) - start < 4000000u) {
		int got;

		ks->step(sim, 50);
		quiet += 50;
		while ((got = ks->recv(sim, out, sizeof(out), &out_len)) == 1) {
			quiet = 0;
			delivered++;
			/* the next burst frame it is, skipping the ones dropped */
			while (next < n && !contains(out, out_len, pkts[next], pkt_lens[next]))
				next++;
			if (next == n)
				unmatched++;
			else
				next++;
		}
		CHECK(got == 0, "a frame longer than %u bytes out of m_axis_tx", FRAME_MAX);
	}
	counters(after);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		after[i] -= before[i];
		if (i != SPISYNC_R_RX_PACKETS)
			sum += after[i];
	}
	printf("  burst of %u frames of %zu bytes, transmit MAC ready %u %%, in %" PRIu64 " clocks: RX_PACKETS %" PRIu64
	    ", DECRYPTED %" PRIu64 ", CDC_OVERFLOW %" PRIu64 ", TAIL_DROP %" PRIu64 ", %u delivered\n",
	    n, frame_len, tx_ready_pct, ks->cycles(sim) - start, after[SPISYNC_R_RX_PACKETS], after[SPISYNC_R_DECRYPTED],
	    after[SPISYNC_R_CDC_OVERFLOW], after[SPISYNC_R_TAIL_DROP], delivered);
	CHECK(ks->rx_queued(sim) == 0, "the MAC could not send the burst (TREADY low)");
	CHECK(after[SPISYNC_R_RX_PACKETS] == n, "RX_PACKETS %" PRIu64 ", sent %u", after[SPISYNC_R_RX_PACKETS], n);
	CHECK(sum == after[SPISYNC_R_RX_PACKETS], "outcomes sum to %" PRIu64 ", RX_PACKETS %" PRIu64,
	    sum, after[SPISYNC_R_RX_PACKETS]);
	CHECK(unmatched == 0, "%u delivered frames not the burst's, or out of order", unmatched);
	CHECK(delivered == after[SPISYNC_R_DECRYPTED], "%u delivered, DECRYPTED %" PRIu64, delivered,
	    after[SPISYNC_R_DECRYPTED]);
	CHECK(after[SPISYNC_R_DECRYPTED] + after[SPISYNC_R_CDC_OVERFLOW] + after[SPISYNC_R_TAIL_DROP] == n,
	    "frames neither delivered nor dropped at the FIFO or the egress");
	if (tx_ready_pct < 100) {
		CHECK(after[SPISYNC_R_TAIL_DROP] > 0, "the transmit MAC took %u %% and nothing dropped at the egress",
		    tx_ready_pct);
	} else if (rx_async == 1) {
		CHECK(after[SPISYNC_R_CDC_OVERFLOW] > 0 && after[SPISYNC_R_TAIL_DROP] == 0,
		    "the MAC clock is faster than the kernel's: the RX FIFO must overflow, nothing else drop");
	} else {
		CHECK(after[SPISYNC_R_CDC_OVERFLOW] == 0 && after[SPISYNC_R_DECRYPTED] == n,
		    "frames lost on one clock with the transmit side always ready");
	}
	if (rx_async == 0)
		CHECK(after[SPISYNC_R_CDC_OVERFLOW] == 0, "CDC_OVERFLOW counted without the FIFOs");
	ks->set_tx_ready(sim, 100);
out:
	free(pkts);
	free(pkt_lens);
}

static void
report_core(const char *why)
{
	uint32_t pc, mcause, mepc, instret;

	ks->probe(sim, &pc, &mcause, &mepc, &instret);
	printf("%s: core pc 0x%08" PRIx32 " mcause 0x%" PRIx32 " mepc 0x%08" PRIx32
	    " instret %" PRIu32 " at cycle %" PRIu64 "\n",
	    why, pc, mcause, mepc, instret, ks->cycles(sim));
}

/* One request as the driver makes it; returns STATUS, results in out. */
static uint32_t
call(uint32_t cmd, const uint32_t *args, unsigned nargs, uint32_t *out, unsigned nout)
{
	uint32_t seq = mbox_rd(MBOX_W_RSP_SEQ) + 1u;
	uint64_t start = ks->cycles(sim);

	if (seq == 0)
		seq = 1;
	wr(SPISYNC_REG_MBOX(MBOX_W_CMD), cmd);
	for (unsigned i = 0; i < nargs; i++)
		wr(SPISYNC_REG_MBOX(MBOX_W_ARG + i), args[i]);
	wr(SPISYNC_REG_MBOX(MBOX_W_REQ_SEQ), seq);
	while (mbox_rd(MBOX_W_RSP_SEQ) != seq) {
		if (ks->cycles(sim) - start > MBOX_CYCLES) {
			report_core("no answer");
			printf("FAIL: command %" PRIu32 " not answered within %llu clocks\n",
			    cmd, (unsigned long long)MBOX_CYCLES);
			exit(1);
		}
		ks->step(sim, POLL_GAP);
	}
	for (unsigned i = 0; i < nout; i++)
		out[i] = mbox_rd(MBOX_W_ARG + i);
	printf("  cmd %" PRIu32 " seq %" PRIu32 ": status %" PRIu32 " after %" PRIu64 " clocks\n",
	    cmd, seq, mbox_rd(MBOX_W_STATUS), ks->cycles(sim) - start);
	return mbox_rd(MBOX_W_STATUS);
}

static void
usage(void)
{
	fprintf(stderr, "usage: test_kernel --rx-async 0|1 [--burst N] [--seed N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	uint32_t out[24], args[MBOX_SA_ARG_HARD_S + 1], entry[SPISYNC_SA_WORDS];
	uint32_t st, index;
	struct spisync_sa sa;
	struct kernel_sim_cfg cfg;
	char err[128];
	int rx_async = -1;
	unsigned n_burst = 600;
	uint64_t seed = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rx-async") == 0 && i + 1 < argc)
			rx_async = atoi(argv[++i]);
		else if (strcmp(argv[i], "--burst") == 0 && i + 1 < argc)
			n_burst = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else
			usage();
	}
	if (rx_async != 0 && rx_async != 1)
		usage();
	ks = rx_async == 1 ? &kernel_sim_ops_a1 : &kernel_sim_ops_a0;
	printf("test_kernel: hw/alveo/spisync.v, RX_ASYNC %d, seed %" PRIu64 "\n", rx_async, seed);

	memset(&cfg, 0, sizeof(cfg));
	cfg.host_mem_base = HOST_MEM_BASE;
	cfg.host_mem_size = HOST_MEM_SIZE;
	cfg.tx_ready_pct = 100;
	cfg.seed = seed;
	sim = ks->create(&cfg);
	if (sim == NULL) {
		printf("FAIL: model not created\n");
		return 1;
	}
	ks->reset(sim, 16);

	/* the host's path through the arbiter, while the core runs */
	CHECK(rd(SPISYNC_REG_ID) == SPISYNC_MAGIC, "ID");
	CHECK(rd(SPISYNC_REG_VERSION) == SPISYNC_VERSION, "VERSION");
	CHECK(rd(SPISYNC_REG_CAP_DATA_WIDTH) == 512, "CAP_DATA_WIDTH %" PRIu32, rd(SPISYNC_REG_CAP_DATA_WIDTH));
	CHECK(rd(SPISYNC_REG_CAP_SA_ENTRIES) == CARD_SA_ENTRIES, "CAP_SA_ENTRIES");

	/* HELLO; the first may be answered MBOX_E_RESTART by fw_init */
	st = call(MBOX_CMD_HELLO, NULL, 0, out, 6);
	for (int tries = 0; st == MBOX_E_RESTART && tries < 3; tries++)
		st = call(MBOX_CMD_HELLO, NULL, 0, out, 6);
	CHECK(st == MBOX_OK, "HELLO status %" PRIu32, st);
	CHECK(out[0] == FW_VERSION_EXPECTED, "HELLO version 0x%" PRIx32, out[0]);
	CHECK(out[1] == MBOX_PROTO_VERSION, "HELLO protocol %" PRIu32, out[1]);
	CHECK(out[2] == CARD_SA_ENTRIES, "HELLO capacity %" PRIu32, out[2]);
	CHECK(out[3] == 0, "HELLO installed %" PRIu32, out[3]);
	CHECK(out[4] == CARD_TAG_BUCKETS, "HELLO buckets %" PRIu32, out[4]);
	report_core("firmware up");

	/* SA_ADD */
	memset(&sa, 0, sizeof(sa));
	sa.spi = 0x5EC0A001u;
	sa.dst[0] = 198; sa.dst[1] = 18; sa.dst[2] = 0; sa.dst[3] = 2;
	for (unsigned i = 0; i < 16; i++)
		sa.key[i] = (uint8_t)(0x11u * (i + 1u));
	sa.key_len = 16;
	sa.salt[0] = 0xCA; sa.salt[1] = 0xFE; sa.salt[2] = 0xBA; sa.salt[3] = 0xBE;
	sa.icv_len = 16;
	sa.mode = SPISYNC_SA_MODE_TUNNEL;
	sa.udp_encap = true;
	sa.sport = 4500;
	sa.dport = 4500;
	if (spisync_sa_encode(&sa, entry, err, sizeof(err)) != 0) {
		printf("FAIL: encode: %s\n", err);
		return 1;
	}
	memset(args, 0, sizeof(args));
	memcpy(args, entry, sizeof(entry));
	st = call(MBOX_CMD_SA_ADD, args, MBOX_SA_ARG_HARD_S + 1, out, 2);
	CHECK(st == MBOX_OK, "SA_ADD status %" PRIu32, st);
	index = out[0];
	CHECK(index < CARD_SA_ENTRIES, "SA_ADD index %" PRIu32, index);
	for (unsigned w = 8; w < 16; w++)
		CHECK(mbox_rd(MBOX_W_ARG + w) == 0, "key word %u left in the mailbox", w);
	CHECK(mbox_rd(MBOX_W_ARG + 2) == 0, "salt left in the mailbox");

	/* SA_FIND, SA_GET */
	args[0] = sa.spi;
	st = call(MBOX_CMD_SA_FIND, args, 1, out, 1);
	CHECK(st == MBOX_OK && out[0] == index, "SA_FIND status %" PRIu32 " index %" PRIu32, st, out[0]);
	args[0] = index;
	st = call(MBOX_CMD_SA_GET, args, 1, out, 20);
	CHECK(st == MBOX_OK, "SA_GET status %" PRIu32, st);
	CHECK(out[MBOX_GET_INDEX] == index, "SA_GET index");
	CHECK(out[MBOX_GET_SPI] == sa.spi, "SA_GET SPI 0x%" PRIx32, out[MBOX_GET_SPI]);
	CHECK(out[MBOX_GET_PORTS] == entry[3], "SA_GET ports 0x%" PRIx32 " want 0x%" PRIx32,
	    out[MBOX_GET_PORTS], entry[3]);
	for (unsigned w = 0; w < 4; w++)
		CHECK(out[MBOX_GET_DST + w] == entry[4 + w], "SA_GET DST word %u", w);
	/* word 0 as sent but for GEN, which the controller picks */
	CHECK((out[MBOX_GET_WORD0] & ~GEN_MASK) == (entry[0] & ~GEN_MASK),
	    "SA_GET word 0 0x%" PRIx32 " sent 0x%" PRIx32, out[MBOX_GET_WORD0], entry[0]);

	/* traffic on the SA the firmware installed, a miss, a burst */
	esp_frame(&sa);
	miss_record(&sa);
	if (n_burst > 0) {
		burst(&sa, 2, n_burst, 100, (unsigned)rx_async);
		burst(&sa, 2u + n_burst, n_burst / 3u, 40, (unsigned)rx_async);
	}

	/* refusals */
	memcpy(args, entry, sizeof(entry));
	args[MBOX_SA_ARG_SOFT_S] = 0;
	args[MBOX_SA_ARG_HARD_S] = 0;
	st = call(MBOX_CMD_SA_ADD, args, MBOX_SA_ARG_HARD_S + 1, out, 1);
	CHECK(st == MBOX_E_EXISTS, "second SA_ADD of the SPI: status %" PRIu32, st);
	st = call(0x77u, NULL, 0, out, 1);
	CHECK(st == MBOX_E_BADCMD, "unknown command: status %" PRIu32, st);

	/* SA_DEL */
	args[0] = index;
	st = call(MBOX_CMD_SA_DEL, args, 1, out, 1);
	CHECK(st == MBOX_OK, "SA_DEL status %" PRIu32, st);
	args[0] = sa.spi;
	st = call(MBOX_CMD_SA_FIND, args, 1, out, 1);
	CHECK(st == MBOX_E_NOENT, "SA_FIND after SA_DEL: status %" PRIu32, st);
	st = call(MBOX_CMD_HELLO, NULL, 0, out, 6);
	CHECK(st == MBOX_OK && out[3] == 0, "HELLO after SA_DEL: status %" PRIu32 " installed %" PRIu32,
	    st, out[3]);

	report_core("end");
	memset(entry, 0, sizeof(entry));
	memset(&sa, 0, sizeof(sa));
	ks->destroy(sim);
	printf("test_kernel RX_ASYNC %d: %s\n", rx_async, failures == 0 ? "ok" : "FAILED");
	return failures == 0 ? 0 : 1;
}
