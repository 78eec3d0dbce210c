/*
 * spisync -- test benches of single RTL blocks, each against an independent
 * oracle:
 *   aes_enc_pipe: FIPS-197 Appendix C known answers and random blocks with a
 *                 random AES-128/256 key every clock against OpenSSL's
 *                 AES-ECB, checking order, latency and the side band;
 *   gf128_mac:    the GCM specification's bit-serial multiplication
 *                 (Algorithm 1) and a published intermediate value.
 *
 * usage: test_blocks [--seed N] [--count N]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "blocks_sim.h"
#include "prng.h"

enum { STATES = AES_PIPE_SIM_STATES, LATENCY = AES_PIPE_SIM_LATENCY };

static bool hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

static bool aes_ecb_ref(const uint8_t *key, bool aes256, const uint8_t in[16],
    uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;
	bool ok;

	if (ctx == NULL)
		return false;
	ok = EVP_EncryptInit_ex(ctx, aes256 ? EVP_aes_256_ecb() : EVP_aes_128_ecb(),
	    NULL, key, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_EncryptUpdate(ctx, out, &len, in, 16) == 1 && len == 16;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* What went in at a given clock, to compare LATENCY clocks later. */
struct aes_beat {
	bool valid;
	uint8_t key[32];
	bool aes256;
	uint8_t blocks[STATES * 16];
	uint32_t side;
};

static unsigned long aes_failures;

static void aes_check(const struct aes_beat *in, bool out_valid,
    const uint8_t *out, uint32_t out_side, const char *what)
{
	uint8_t want[16];

	if (out_valid != in->valid) {
		aes_failures++;
		fprintf(stderr, "FAIL aes %s: valid bit lost or invented\n", what);
		return;
	}
	if (!in->valid)
		return;
	if (out_side != in->side) {
		aes_failures++;
		fprintf(stderr, "FAIL aes %s: side band %u, want %u\n", what,
		    out_side, in->side);
	}
	for (unsigned n = 0; n < STATES; n++) {
		if (!aes_ecb_ref(in->key, in->aes256, in->blocks + 16 * n, want)) {
			aes_failures++;
			fprintf(stderr, "FAIL aes: OpenSSL error\n");
			return;
		}
		if (memcmp(want, out + 16 * n, 16) != 0) {
			aes_failures++;
			if (aes_failures < 10)
				fprintf(stderr, "FAIL aes %s: beat %u block %u (AES-%d)\n",
				    what, in->side, n, in->aes256 ? 256 : 128);
		}
	}
}

/* FIPS-197 Appendix C.1 and C.3 */
static bool test_aes_fips(struct aes_pipe_sim *sim)
{
	static const struct {
		const char *key, *want;
		bool aes256;
	} kat[] = {
		{ "000102030405060708090a0b0c0d0e0f",
		  "69c4e0d86a7b0430d8cdb78070b4c55a", false },
		{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		  "8ea2b7ca516745bfeafc49904b496089", true },
	};
	uint8_t pt[16], blocks[STATES * 16], out[STATES * 16], want[16];
	bool ok = true;

	hex_to_bytes("00112233445566778899aabbccddeeff", pt, 16);
	for (size_t k = 0; k < sizeof(kat) / sizeof(kat[0]); k++) {
		uint8_t key[32] = { 0 };
		bool v;
		uint32_t side;

		hex_to_bytes(kat[k].key, key, kat[k].aes256 ? 32 : 16);
		hex_to_bytes(kat[k].want, want, 16);
		memcpy(blocks, pt, 16);
		memcpy(blocks + 16, pt, 16);
		aes_pipe_sim_cycle(sim, true, key, kat[k].aes256, blocks, 7, &v,
		    out, &side);
		for (int i = 1; i < LATENCY; i++)
			aes_pipe_sim_cycle(sim, false, key, false, blocks, 0, &v,
			    out, &side);
		if (!v || side != 7 || memcmp(out, want, 16) != 0 ||
		    memcmp(out + 16, want, 16) != 0) {
			fprintf(stderr, "FAIL aes FIPS-197 AES-%d\n",
			    kat[k].aes256 ? 256 : 128);
			ok = false;
		}
	}
	printf("%s aes_enc_pipe: FIPS-197 C.1 and C.3\n", ok ? "ok  " : "FAIL");
	return ok;
}

static bool test_aes_random(struct aes_pipe_sim *sim, struct prng *r,
    unsigned long count)
{
	struct aes_beat ring[LATENCY];
	uint8_t out[STATES * 16];
	unsigned long before = aes_failures;

	memset(ring, 0, sizeof(ring));
	for (unsigned long c = 0; c < count + LATENCY; c++) {
		struct aes_beat *slot = &ring[c % LATENCY];
		struct aes_beat in;
		bool v;
		uint32_t side;

		memset(&in, 0, sizeof(in));
		if (c < count) {
			/* mostly back to back, every clock a new key and size */
			in.valid = prng_below(r, 8) != 0;
			in.aes256 = prng_below(r, 2);
			prng_fill(r, in.key, sizeof(in.key));
			prng_fill(r, in.blocks, sizeof(in.blocks));
			in.side = (uint32_t)c;
		}
		aes_pipe_sim_cycle(sim, in.valid, in.key, in.aes256, in.blocks,
		    in.side, &v, out, &side);
		/* the output now is what went in LATENCY - 1 clocks ago; the
		 * ring slot about to be overwritten holds exactly that beat */
		if (c + 1 >= LATENCY)
			aes_check(&ring[(c + 1) % LATENCY], v, out, side, "random");
		*slot = in;
	}
	printf("%s aes_enc_pipe: %lu clocks with a random AES-128/256 key each, vs OpenSSL\n",
	    aes_failures == before ? "ok  " : "FAIL", count);
	return aes_failures == before;
}

/* GCM specification, Algorithm 1: bit-serial multiplication in GF(2^128). */
static void gf_mul_ref(const uint8_t x[16], const uint8_t y[16], uint8_t z[16])
{
	uint8_t v[16];

	memset(z, 0, 16);
	memcpy(v, y, 16);
	for (int i = 0; i < 128; i++) {
		bool lsb;

		if (x[i / 8] & (0x80 >> (i % 8)))
			for (int j = 0; j < 16; j++)
				z[j] ^= v[j];
		lsb = v[15] & 1;
		for (int j = 15; j > 0; j--)
			v[j] = (uint8_t)((v[j] >> 1) | (v[j - 1] << 7));
		v[0] >>= 1;
		if (lsb)
			v[0] ^= 0xe1;
	}
}

static bool test_gf(struct gf_mac_sim *sim, struct prng *r, unsigned long count)
{
	uint8_t a[32], b[32], p[16], want[16], t[16];
	unsigned long bad = 0;
	bool kat_ok;

	/* GCM spec test case 2: X1 = C H */
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	hex_to_bytes("0388dace60b6a392f328c2b971b2fe78", a, 16);
	hex_to_bytes("66e94bd4ef8a2c3b884cfa59ca342b2e", b, 16);
	hex_to_bytes("5e2ec746917062882c85b0685353deb7", want, 16);
	gf_mac_sim_eval(sim, a, b, p);
	kat_ok = memcmp(p, want, 16) == 0;
	gf_mul_ref(a, b, t);
	kat_ok = kat_ok && memcmp(t, want, 16) == 0;
	printf("%s gf128_mac: GCM spec test case 2, X1 = C H\n",
	    kat_ok ? "ok  " : "FAIL");

	for (unsigned long i = 0; i < count; i++) {
		prng_fill(r, a, sizeof(a));
		prng_fill(r, b, sizeof(b));
		/* sprinkle the edge operands: zero, one, all ones */
		if (i % 16 == 1)
			memset(a, 0, 16);
		if (i % 16 == 2) {
			memset(b + 16, 0, 16);
			b[16] = 0x80;
		}
		if (i % 16 == 3)
			memset(a + 16, 0xff, 16);
		gf_mac_sim_eval(sim, a, b, p);
		gf_mul_ref(a, b, want);
		gf_mul_ref(a + 16, b + 16, t);
		for (int j = 0; j < 16; j++)
			want[j] ^= t[j];
		if (memcmp(p, want, 16) != 0)
			bad++;
	}
	printf("%s gf128_mac: %lu random sums of two products vs Algorithm 1, %lu wrong\n",
	    bad == 0 ? "ok  " : "FAIL", count, bad);
	return kat_ok && bad == 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed = (unsigned long long)time(NULL);
	unsigned long count = 20000;
	struct aes_pipe_sim *aes;
	struct gf_mac_sim *gf;
	struct prng r;
	unsigned passed = 0, failed = 0;
	bool results[3];

	for (int i = 1; i + 1 < argc; i += 2) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(argv[i + 1], &end, 0);
		if (errno != 0 || *end != '\0') {
			fprintf(stderr, "usage: %s [--seed N] [--count N]\n", argv[0]);
			return 2;
		}
		if (strcmp(argv[i], "--seed") == 0)
			seed = v;
		else if (strcmp(argv[i], "--count") == 0)
			count = (unsigned long)v;
		else {
			fprintf(stderr, "usage: %s [--seed N] [--count N]\n", argv[0]);
			return 2;
		}
	}
	printf("block test benches, seed=%llu\n", seed);
	prng_seed(&r, seed);

	aes = aes_pipe_sim_create();
	gf = gf_mac_sim_create();
	if (aes == NULL || gf == NULL) {
		fprintf(stderr, "cannot create the block models\n");
		aes_pipe_sim_destroy(aes);
		gf_mac_sim_destroy(gf);
		return 1;
	}
	results[0] = test_aes_fips(aes);
	results[1] = test_aes_random(aes, &r, count);
	results[2] = test_gf(gf, &r, count);
	aes_pipe_sim_destroy(aes);
	gf_mac_sim_destroy(gf);

	for (int i = 0; i < 3; i++) {
		if (results[i])
			passed++;
		else
			failed++;
	}
	printf("test_blocks: %u passed, %u failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
