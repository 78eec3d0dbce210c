/*
 * spisync -- the real controller firmware (build/firmware/spisync-fw.elf,
 * in ctl_cpu's ROM) on the rv32imc core against the real card
 * (sim/cpu/ctl_card_top.v: ctl_cpu + axil_arb + spisync_card at 128 bits,
 * 64 SA entries, 64 tag buckets). This program is the host, on the
 * arbiter's host port, speaking the mailbox protocol of firmware/mbox.h
 * itself (the oracle: the protocol and the SA it sent, not the firmware's
 * own code):
 *
 *   ID / VERSION read through the arbiter while the core runs;
 *   HELLO until the firmware answers (a request posted before fw_init is
 *   answered MBOX_E_RESTART, then repeated): version, protocol, capacity;
 *   SA_ADD of an SA made with the driver's encoder; the key and salt words
 *   zeroed in the mailbox afterwards; SA_FIND of its SPI; SA_GET (SPI,
 *   ports, destination, no key); one ESP frame for that SA, encrypted with
 *   OpenSSL (tests/model/frame_build.c), through the card: delivered
 *   DECRYPTED with the inner packet in it; a second SA_ADD of the same SPI refused
 *   (MBOX_E_EXISTS); an unknown command (MBOX_E_BADCMD); SA_DEL; SA_FIND
 *   then MBOX_E_NOENT and HELLO counting 0 SAs.
 * Every wait is bounded in simulated clocks.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_card_sim.h"
#include "frame_build.h"
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

static struct ctl_card_sim *sim;
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

	if (ctl_card_sim_read(sim, (uint16_t)off, &v, REG_CYCLES) != 0) {
		printf("FAIL: read of 0x%04" PRIx32 ": no answer, an error, or a response that was not its own\n", off);
		exit(1);
	}
	return v;
}

static void
wr(uint32_t off, uint32_t v)
{
	if (ctl_card_sim_write(sim, (uint16_t)off, v, REG_CYCLES) != 0) {
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

/* One UDP-encapsulated ESP frame for sa (tunnel mode, an inner UDP/IPv4
 * packet), through the card: it must come out DECRYPTED with the inner
 * packet in it. */
static void
esp_frame(const struct spisync_sa *sa)
{
	static const uint8_t data[] = "controller core: SA installed by the firmware on rv32";
	struct fb_eth eth = { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 }, .pad_min = true };
	struct fb_ip outer = { .ttl = 64, .id = 1 };
	struct fb_ip inner = { .ttl = 64, .id = 2 };
	struct fb_udp udp = { .sport = 4500, .dport = 4500, .zero_csum = true };
	struct fb_esp esp = { .spi = sa->spi, .seq = 1, .key = sa->key, .key_len = sa->key_len,
	    .icv_len = sa->icv_len, .next_header = 4,
	    .iv = { 1, 2, 3, 4, 5, 6, 7, 8 } };
	struct fb_info info;
	uint8_t pkt[256], frame[512], out[512];
	size_t pkt_len = 0, out_len = 0;
	uint8_t outcome = 0xFF;
	uint64_t start;
	int got = 0;

	memcpy(outer.src, (const uint8_t[]){ 198, 18, 0, 1 }, 4);
	memcpy(outer.dst, sa->dst, 4);
	memcpy(inner.src, (const uint8_t[]){ 198, 18, 1, 1 }, 4);
	memcpy(inner.dst, (const uint8_t[]){ 198, 18, 2, 1 }, 4);
	memcpy(esp.salt, sa->salt, 4);
	if (fb_inner_packet(pkt, sizeof(pkt), &inner, 17, 1234, 5678, data, sizeof(data), &pkt_len) != 0 ||
	    fb_esp_frame(frame, sizeof(frame), &eth, &outer, &udp, &esp, pkt, pkt_len, &info) != 0) {
		CHECK(0, "frame_build failed");
		return;
	}
	if (ctl_card_sim_send(sim, frame, info.len) != 0) {
		CHECK(0, "send failed");
		return;
	}
	start = ctl_card_sim_cycles(sim);
	while (got == 0 && ctl_card_sim_cycles(sim) - start < 200000u) {
		ctl_card_sim_step(sim, 100);
		got = ctl_card_sim_recv(sim, out, sizeof(out), &out_len, &outcome);
	}
	printf("  ESP frame of %zu bytes: %s, outcome %u, %zu bytes to the host, after %" PRIu64 " clocks\n",
	    info.len, got == 1 ? "delivered" : "NOT delivered", outcome, out_len,
	    ctl_card_sim_cycles(sim) - start);
	CHECK(got == 1, "ESP frame not delivered");
	CHECK(outcome == SPISYNC_R_DECRYPTED, "ESP frame outcome %u, want DECRYPTED (%u)", outcome,
	    (unsigned)SPISYNC_R_DECRYPTED);
	CHECK(got == 1 && contains(out, out_len, pkt, pkt_len), "the inner packet is not in the delivered frame");
}

static void
report_core(const char *why)
{
	struct ctl_card_probe p;

	ctl_card_sim_probe(sim, &p);
	printf("%s: core pc 0x%08" PRIx32 " mcause 0x%" PRIx32 " mepc 0x%08" PRIx32
	    " instret %" PRIu32 " at cycle %" PRIu64 "\n",
	    why, p.pc, p.mcause, p.mepc, p.instret, ctl_card_sim_cycles(sim));
}

/* One request as the driver makes it; returns STATUS, results in out. */
static uint32_t
call(uint32_t cmd, const uint32_t *args, unsigned nargs, uint32_t *out, unsigned nout)
{
	uint32_t seq = mbox_rd(MBOX_W_RSP_SEQ) + 1u;
	uint64_t start = ctl_card_sim_cycles(sim);

	if (seq == 0)
		seq = 1;
	wr(SPISYNC_REG_MBOX(MBOX_W_CMD), cmd);
	for (unsigned i = 0; i < nargs; i++)
		wr(SPISYNC_REG_MBOX(MBOX_W_ARG + i), args[i]);
	wr(SPISYNC_REG_MBOX(MBOX_W_REQ_SEQ), seq);
	while (mbox_rd(MBOX_W_RSP_SEQ) != seq) {
		if (ctl_card_sim_cycles(sim) - start > MBOX_CYCLES) {
			report_core("no answer");
			printf("FAIL: command %" PRIu32 " not answered within %llu clocks\n",
			    cmd, (unsigned long long)MBOX_CYCLES);
			exit(1);
		}
		ctl_card_sim_step(sim, POLL_GAP);
	}
	for (unsigned i = 0; i < nout; i++)
		out[i] = mbox_rd(MBOX_W_ARG + i);
	printf("  cmd %" PRIu32 " seq %" PRIu32 ": status %" PRIu32 " after %" PRIu64 " clocks\n",
	    cmd, seq, mbox_rd(MBOX_W_STATUS), ctl_card_sim_cycles(sim) - start);
	return mbox_rd(MBOX_W_STATUS);
}

int
main(void)
{
	uint32_t out[24], args[MBOX_SA_ARG_HARD_S + 1], entry[SPISYNC_SA_WORDS];
	uint32_t st, index;
	struct spisync_sa sa;
	char err[128];

	sim = ctl_card_sim_create();
	if (sim == NULL)
		return 1;
	ctl_card_sim_reset(sim, 16);

	/* the host's path through the arbiter, while the core runs */
	CHECK(rd(SPISYNC_REG_ID) == SPISYNC_MAGIC, "ID");
	CHECK(rd(SPISYNC_REG_VERSION) == SPISYNC_VERSION, "VERSION");
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

	/* traffic on the SA the firmware installed */
	esp_frame(&sa);

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
	ctl_card_sim_destroy(sim);
	printf("test_cpu_fw: %s\n", failures == 0 ? "ok" : "FAILED");
	return failures == 0 ? 0 : 1;
}
