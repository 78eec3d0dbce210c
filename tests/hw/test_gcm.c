/*
 * spisync -- AES-GCM decrypt core (hw/rtl/aes_gcm_dec.v) against independent
 * oracles, in Verilator simulation:
 *
 *   1. known answers: the GCM specification's test cases, the ESP GCM packet
 *      vectors of draft-mcgrew-gcm-test-01 (also with 12- and 8-byte ICVs)
 *      and every Wycheproof case with a 96-bit IV and a 128-bit tag;
 *   2. a randomized cross-check against OpenSSL EVP: random AES-128/256 keys,
 *      salts, IVs, 8- or 12-byte AAD (ESP with and without ESN), payloads of
 *      0..2000 bytes (and 100 jumbo ones up to 9600), ICVs of 16/12/8 bytes,
 *      tampered tag, ciphertext and AAD,
 *      all back to back with no idle cycle between packets;
 *   3. the same with random idle cycles inside and between packets.
 *
 * usage: test_gcm [--seed N] [--packets N] [--bubble-packets N] [--vectors DIR]
 * The seed is printed; rerun with --seed to reproduce a failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gcm_drive.h"
#include "gcm_ref.h"
#include "gcm_sim.h"
#include "prng.h"
#include "vector_file.h"

enum {
	MAX_PAYLOAD = 9600,
	MAX_IN_FLIGHT = 64,     /* > pipeline latency in packets */
	DRAIN_CYCLES = 200,     /* far above the pipeline latency */
};

/* What the core must deliver for it. */
struct expected {
	uint32_t id;
	bool auth_ok;
	size_t len;
	uint8_t pt[MAX_PAYLOAD];
};

struct scoreboard {
	struct expected q[MAX_IN_FLIGHT];
	unsigned head, count;
	size_t got;             /* bytes of the head packet received so far */
	unsigned long packets_ok, errors;
	const char *phase;
	bool quiet;             /* the self-check expects failures */
	bool invert;            /* self-check: expect the opposite verdict */
};

struct bench {
	struct gcm_sim *sim;
	unsigned lanes;
	struct scoreboard sb;
	struct prng bubbles;
	struct gcm_driver drv;
};

static void fail(struct scoreboard *sb, const struct expected *e,
    const char *what)
{
	sb->errors++;
	if (!sb->quiet && sb->errors <= 20)
		fprintf(stderr, "FAIL %s: packet %" PRIu32 ": %s\n", sb->phase,
		    e != NULL ? e->id : 0, what);
}

static void check_output(struct scoreboard *sb, const struct gcm_sim_out *out,
    unsigned lanes)
{
	struct expected *e;
	const size_t beat = (size_t)lanes * 16;
	size_t n, i;
	uint64_t keep;

	if (!out->valid) {
		if (out->auth_ok)
			fail(sb, NULL, "auth_ok without a valid beat");
		return;
	}
	if (sb->count == 0) {
		fail(sb, NULL, "output beat with no packet outstanding");
		return;
	}
	e = &sb->q[sb->head];
	if (out->user != e->id) {
		fail(sb, e, "beat carries another packet's id");
		return;
	}
	n = e->len - sb->got;
	if (n > beat)
		n = beat;
	keep = n == 64 ? UINT64_MAX : (((uint64_t)1 << n) - 1);
	if (out->keep != keep)
		fail(sb, e, "tkeep differs from the payload length");
	if (out->last != (sb->got + n == e->len))
		fail(sb, e, "tlast on the wrong beat");
	/* the verdict may only appear on the last beat */
	if (out->auth_ok && !out->last)
		fail(sb, e, "auth_ok before the last beat");
	if (e->auth_ok && memcmp(out->data, e->pt + sb->got, n) != 0)
		fail(sb, e, "plaintext differs from OpenSSL");
	for (i = n; i < beat; i++) {
		if (out->data[i] != 0) {
			fail(sb, e, "bytes past tkeep are not zero");
			break;
		}
	}
	sb->got += n;
	if (!out->last)
		return;
	if (out->auth_ok != e->auth_ok)
		fail(sb, e, e->auth_ok ? "valid packet failed the tag check" :
		    "forged packet passed the tag check");
	else
		sb->packets_ok++;
	sb->head = (sb->head + 1) % MAX_IN_FLIGHT;
	sb->count--;
	sb->got = 0;
}

static void on_output(const struct gcm_sim_out *out, uint64_t cycle_no,
    void *arg)
{
	struct bench *b = arg;

	(void)cycle_no;
	check_output(&b->sb, out, b->lanes);
}

static struct expected *expect(struct bench *b, uint32_t id)
{
	struct scoreboard *sb = &b->sb;
	struct expected *e;

	/* the core never stalls, so the queue only fills if outputs are lost */
	while (sb->count == MAX_IN_FLIGHT) {
		fail(sb, NULL, "too many packets in flight: outputs lost");
		sb->head = (sb->head + 1) % MAX_IN_FLIGHT;
		sb->count--;
	}
	e = &sb->q[(sb->head + sb->count) % MAX_IN_FLIGHT];
	sb->count++;
	e->id = id;
	return e;
}

static void drain(struct bench *b)
{
	for (int i = 0; i < DRAIN_CYCLES && b->sb.count > 0; i++)
		gcm_drive_cycle(&b->drv, NULL);
	while (b->sb.count > 0) {
		fail(&b->sb, &b->sb.q[b->sb.head], "packet never came out");
		b->sb.head = (b->sb.head + 1) % MAX_IN_FLIGHT;
		b->sb.count--;
	}
	b->sb.got = 0;
}

/* ---- known answers ---------------------------------------------------- */

struct kat_ctx {
	struct bench *b;
	uint32_t next_id;
	size_t icv_len;         /* 0: the file's own */
};

static bool run_vector(const struct gcm_vector *v, const char *path,
    unsigned long lineno, void *arg)
{
	struct kat_ctx *k = arg;
	struct bench *b = k->b;
	struct gcm_packet p;
	struct expected *e;
	unsigned long before = b->sb.errors;

	memset(&p, 0, sizeof(p));
	p.id = k->next_id++;
	memcpy(p.key, v->key, v->key_len);
	p.key_len = v->key_len;
	memcpy(p.nonce, v->nonce, GCM_NONCE_LEN);
	p.aad = v->aad;
	p.aad_len = v->aad_len;
	p.ct = v->ct;
	p.ct_len = v->ct_len;
	memcpy(p.icv, v->tag, GCM_TAG_LEN);
	p.icv_len = k->icv_len != 0 ? k->icv_len : v->icv_len;
	/* a truncated ICV: the bytes the core must ignore are garbage */
	for (size_t i = p.icv_len; i < GCM_TAG_LEN; i++)
		p.icv[i] ^= 0xff;

	if (v->ct_len > MAX_PAYLOAD) {
		fprintf(stderr, "%s:%lu: %s: payload too long for the core\n",
		    path, lineno, v->name);
		return false;
	}
	e = expect(b, p.id);
	e->auth_ok = v->expect_valid;
	e->len = v->ct_len;
	memcpy(e->pt, v->pt, v->pt_len);
	gcm_drive_packet(&b->drv, &p);
	drain(b);
	if (b->sb.errors != before) {
		fprintf(stderr, "%s:%lu: %s failed\n", path, lineno, v->name);
		return false;
	}
	return true;
}

static bool run_vector_file(struct bench *b, const char *dir, const char *file,
    size_t icv_len)
{
	char path[4096];
	struct kat_ctx k = { .b = b, .next_id = 1, .icv_len = icv_len };
	struct vector_file_result res;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "vector path too long\n");
		return false;
	}
	b->sb.phase = file;
	if (vector_file_run(path, run_vector, &k, &res) != 0)
		return false;
	printf("%s %s (ICV %zu): %lu cases, %lu ok\n",
	    res.cases > 0 && res.ok == res.cases ? "ok  " : "FAIL", file,
	    icv_len != 0 ? icv_len : (size_t)16, res.cases, res.ok);
	return res.cases > 0 && res.ok == res.cases;
}

/* ---- random cross-check against OpenSSL -------------------------------- */

enum tamper { TAMPER_NONE, TAMPER_TAG, TAMPER_CT, TAMPER_AAD };

/* Payload lengths: 0..2000 (the common case), or 2001..9600 (jumbo). */
static size_t random_length(struct prng *r, bool jumbo)
{
	/* block and beat edges are where framing bugs live */
	static const size_t edges[] = {
		0, 1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65,
		127, 128, 129, 1999, 2000,
	};
	static const size_t jumbo_edges[] = {
		2001, 4095, 4096, 4097, 9583, 9584, 9599, 9600,
	};

	if (jumbo) {
		if (prng_below(r, 4) == 0)
			return jumbo_edges[prng_below(r,
			    sizeof(jumbo_edges) / sizeof(jumbo_edges[0]))];
		return 2001 + prng_below(r, MAX_PAYLOAD - 2000);
	}
	if (prng_below(r, 8) == 0)
		return edges[prng_below(r, sizeof(edges) / sizeof(edges[0]))];
	return prng_below(r, 2001);
}

static bool run_random(struct bench *b, struct prng *r, unsigned long count,
    bool jumbo, const char *phase)
{
	static uint8_t pt[MAX_PAYLOAD], ct[MAX_PAYLOAD], ref_pt[MAX_PAYLOAD];
	static const size_t icv_lens[] = { 16, 12, 8 };
	unsigned long counts[4] = { 0 };
	unsigned long before = b->sb.errors, ok_before = b->sb.packets_ok;
	unsigned long i;

	b->sb.phase = phase;
	for (i = 0; i < count; i++) {
		struct gcm_packet p;
		struct expected *e;
		uint8_t aad[12], tag[GCM_TAG_LEN];
		enum tamper t;
		int verdict;

		memset(&p, 0, sizeof(p));
		p.id = (uint32_t)i;
		p.key_len = prng_below(r, 2) ? 32 : 16;
		prng_fill(r, p.key, p.key_len);
		prng_fill(r, p.nonce, sizeof(p.nonce));
		p.aad_len = prng_below(r, 2) ? 12 : 8;    /* ESN or not */
		prng_fill(r, aad, p.aad_len);
		p.aad = aad;
		p.ct_len = random_length(r, jumbo);
		prng_fill(r, pt, p.ct_len);
		p.icv_len = icv_lens[prng_below(r, 3)];
		if (gcm_ref_encrypt(p.key, p.key_len, p.nonce, aad, p.aad_len,
		    pt, p.ct_len, ct, tag) != 0) {
			fail(&b->sb, NULL, "OpenSSL encrypt failed");
			return false;
		}
		p.ct = ct;
		memcpy(p.icv, tag, sizeof(tag));
		prng_fill(r, p.icv + p.icv_len, GCM_TAG_LEN - p.icv_len);

		t = (enum tamper)prng_below(r, 8);
		if (t > TAMPER_AAD || (t == TAMPER_CT && p.ct_len == 0))
			t = TAMPER_NONE;
		switch (t) {
		case TAMPER_TAG:
			p.icv[prng_below(r, (uint32_t)p.icv_len)] ^=
			    (uint8_t)(1u << prng_below(r, 8));
			break;
		case TAMPER_CT:
			ct[prng_below(r, (uint32_t)p.ct_len)] ^=
			    (uint8_t)(1u << prng_below(r, 8));
			break;
		case TAMPER_AAD:
			aad[prng_below(r, (uint32_t)p.aad_len)] ^=
			    (uint8_t)(1u << prng_below(r, 8));
			break;
		case TAMPER_NONE:
			break;
		}
		counts[t]++;

		/* the oracle decides, on exactly what the core receives */
		verdict = gcm_ref_decrypt(p.key, p.key_len, p.nonce, aad,
		    p.aad_len, ct, p.ct_len, p.icv, p.icv_len, ref_pt);
		if (verdict < 0 || (verdict == 1) != (t == TAMPER_NONE)) {
			fail(&b->sb, NULL, "OpenSSL verdict disagrees with tampering");
			return false;
		}
		e = expect(b, p.id);
		e->auth_ok = (verdict == 1) != b->sb.invert;
		e->len = p.ct_len;
		memcpy(e->pt, ref_pt, p.ct_len);
		gcm_drive_packet(&b->drv, &p);
	}
	drain(b);
	if (!b->sb.quiet)
		printf("%s %s: %lu packets (%lu intact, %lu tag, %lu ciphertext, %lu AAD "
		    "tampered), %lu verified\n",
		    b->sb.errors == before ? "ok  " : "FAIL", phase, count,
		    counts[TAMPER_NONE], counts[TAMPER_TAG], counts[TAMPER_CT],
		    counts[TAMPER_AAD], b->sb.packets_ok - ok_before);
	return b->sb.errors == before && b->sb.packets_ok - ok_before == count;
}

/*
 * The scoreboard must be able to fail: run packets while expecting the
 * opposite verdict for each, and require that every one is flagged.
 */
static bool run_self_check(struct bench *b, struct prng *r)
{
	const unsigned long count = 200;
	unsigned long errors = b->sb.errors, ok = b->sb.packets_ok;
	bool caught;

	b->sb.quiet = true;
	b->sb.invert = true;
	run_random(b, r, count, false, "scoreboard self-check (inverted verdicts)");
	b->sb.quiet = false;
	b->sb.invert = false;
	caught = b->sb.packets_ok == ok && b->sb.errors >= errors + count;
	printf("%s scoreboard self-check: %lu of %lu wrong expectations caught\n",
	    caught ? "ok  " : "FAIL", count - (b->sb.packets_ok - ok), count);
	b->sb.errors = errors;
	b->sb.packets_ok = ok;
	return caught;
}

/*
 * Reset in the middle of a packet: nothing of it may come out, and the
 * packets after the reset must decrypt as usual.
 */
static bool run_reset_recovery(struct bench *b, struct prng *r)
{
	struct gcm_sim_in in;
	unsigned long errors = b->sb.errors;
	bool ok;

	memset(&in, 0, sizeof(in));
	in.valid = true;
	in.key_256 = true;
	in.aad_len = 8;
	in.icv_len = 16;
	in.keep = b->lanes == 4 ? UINT64_MAX : (((uint64_t)1 << (16 * b->lanes)) - 1);
	for (int i = 0; i < 5; i++) {
		prng_fill(r, in.data, sizeof(in.data));
		gcm_drive_cycle(&b->drv, &in);
	}
	gcm_sim_reset(b->sim);
	ok = run_random(b, r, 200, false, "after a reset mid-packet");
	return ok && b->sb.errors == errors;
}

static void tally(bool ok, unsigned *passed, unsigned *failed)
{
	if (ok)
		(*passed)++;
	else
		(*failed)++;
}

static bool parse_ulong(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && end != s && *end == '\0';
}

int main(int argc, char **argv)
{
	unsigned long long seed = (unsigned long long)time(NULL);
	unsigned long long packets = 20000, bubble_packets = 2000;
	const char *vectors = "tests/vectors";
	struct bench *b;
	struct prng r;
	unsigned passed = 0, failed = 0, lanes;
	char phase[64];

	for (int i = 1; i < argc; i++) {
		bool ok = i + 1 < argc;
		if (ok && strcmp(argv[i], "--seed") == 0)
			ok = parse_ulong(argv[++i], &seed);
		else if (ok && strcmp(argv[i], "--packets") == 0)
			ok = parse_ulong(argv[++i], &packets);
		else if (ok && strcmp(argv[i], "--bubble-packets") == 0)
			ok = parse_ulong(argv[++i], &bubble_packets);
		else if (ok && strcmp(argv[i], "--vectors") == 0)
			vectors = argv[++i];
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "usage: %s [--seed N] [--packets N] "
			    "[--bubble-packets N] [--vectors DIR]\n", argv[0]);
			return 2;
		}
	}

	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	b->sim = gcm_sim_create();
	if (b->sim == NULL) {
		fprintf(stderr, "cannot create the GCM model\n");
		free(b);
		return 1;
	}
	lanes = gcm_sim_lanes();
	b->lanes = lanes;
	b->drv.sim = b->sim;
	b->drv.lanes = lanes;
	b->drv.on_out = on_output;
	b->drv.arg = b;
	gcm_sim_reset(b->sim);
	printf("aes_gcm_dec LANES=%u seed=%llu\n", b->lanes, seed);

	tally(run_vector_file(b, vectors, "gcm_spec.txt", 0), &passed, &failed);
	tally(run_vector_file(b, vectors, "esp_gcm_packets.txt", 0), &passed, &failed);
	tally(run_vector_file(b, vectors, "esp_gcm_packets.txt", 12), &passed, &failed);
	tally(run_vector_file(b, vectors, "esp_gcm_packets.txt", 8), &passed, &failed);
	tally(run_vector_file(b, vectors, "wycheproof_gcm_96_128.txt", 0), &passed, &failed);

	prng_seed(&r, seed);
	prng_seed(&b->bubbles, seed ^ 0x9e3779b97f4a7c15ull);
	snprintf(phase, sizeof(phase), "random back-to-back LANES=%u", b->lanes);
	tally(run_random(b, &r, (unsigned long)packets, false, phase), &passed, &failed);
	snprintf(phase, sizeof(phase), "random jumbo payloads LANES=%u", b->lanes);
	tally(run_random(b, &r, 100, true, phase), &passed, &failed);
	tally(run_self_check(b, &r), &passed, &failed);
	tally(run_reset_recovery(b, &r), &passed, &failed);
	if (bubble_packets > 0) {
		b->drv.bubbles = &b->bubbles;
		b->drv.bubble_percent = 30;
		snprintf(phase, sizeof(phase), "random with idle cycles LANES=%u",
		    b->lanes);
		tally(run_random(b, &r, (unsigned long)bubble_packets, false, phase),
		    &passed, &failed);
	}

	gcm_sim_destroy(b->sim);
	free(b);
	printf("test_gcm LANES=%u: %u passed, %u failed\n", lanes, passed,
	    failed);
	return failed == 0 ? 0 : 1;
}
