/*
 * spisync -- benchmark of the AES-GCM decrypt core in simulation. Counts
 * clock cycles, never wall-clock time: for each payload size it streams
 * packets back to back, every packet with its own random key (AES-128 and
 * AES-256 alternating) and ESP's 8-byte AAD, and measures
 *   - cycles per packet (steady state, between the last beats of the
 *     first and the last packet out),
 *   - the pipeline latency (first beat in to first beat out),
 * then converts to Gbit/s of payload at the stated clock. Every packet is
 * also checked to verify (a benchmark of a broken core is worthless).
 *
 * It also gives the clock the core needs to keep up with 100GbE carrying
 * only ESP packets of that size: ESP-in-IPv4 tunnel framing on the wire is
 * 14 (Ethernet) + 20 (IPv4) + 8 (ESP header) + 8 (IV) + 2..5 (pad to 4,
 * pad length, next header) + 16 (ICV) + 4 (FCS) + 20 (preamble, IFG) bytes.
 *
 * usage: bench_gcm [--clock-mhz F] [--packets N] SIZE...   (prints one
 * markdown table row per size)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcm_drive.h"
#include "gcm_ref.h"
#include "gcm_sim.h"
#include "prng.h"

enum { MAX_PAYLOAD = 9600, LINE_GBPS = 100 };

struct meter {
	unsigned long packets_out, failures;
	uint64_t first_out_cycle;       /* first beat of the first packet */
	uint64_t first_last_cycle;      /* last beat of the first packet */
	uint64_t last_last_cycle;       /* last beat of the last packet */
};

static void on_output(const struct gcm_sim_out *out, uint64_t cycle,
    void *arg)
{
	struct meter *m = arg;

	if (!out->valid)
		return;
	if (m->first_out_cycle == 0)
		m->first_out_cycle = cycle;
	if (!out->last)
		return;
	if (!out->auth_ok)
		m->failures++;
	if (m->packets_out == 0)
		m->first_last_cycle = cycle;
	m->last_last_cycle = cycle;
	m->packets_out++;
}

static size_t wire_bytes(size_t payload)
{
	/* ESP trailer: pad so payload + 2 is a multiple of 4 */
	size_t trailer = 2 + (4 - (payload + 2) % 4) % 4;

	return 14 + 20 + 8 + 8 + payload + trailer + 16 + 4 + 20;
}

static int bench_size(struct gcm_sim *sim, unsigned lanes, size_t size,
    unsigned long packets, double clock_mhz, struct prng *r)
{
	static uint8_t pt[MAX_PAYLOAD], ct[MAX_PAYLOAD];
	struct meter m;
	struct gcm_driver d = {
		.sim = sim, .lanes = lanes, .on_out = on_output, .arg = &m,
	};
	uint64_t first_in;
	uint8_t aad[8];
	unsigned long i;
	double cpp, gbps, need_mhz;
	unsigned long beats = size == 0 ? 1 : (unsigned long)((size + lanes * 16 - 1) / (lanes * 16));

	memset(&m, 0, sizeof(m));
	gcm_sim_reset(sim);
	first_in = gcm_sim_cycles(sim) + 1;
	for (i = 0; i < packets; i++) {
		struct gcm_packet p;
		uint8_t tag[GCM_TAG_LEN];

		memset(&p, 0, sizeof(p));
		p.id = (uint32_t)i;
		p.key_len = (i % 2) ? 32 : 16;
		prng_fill(r, p.key, p.key_len);
		prng_fill(r, p.nonce, sizeof(p.nonce));
		prng_fill(r, aad, sizeof(aad));
		prng_fill(r, pt, size);
		if (gcm_ref_encrypt(p.key, p.key_len, p.nonce, aad, sizeof(aad),
		    pt, size, ct, tag) != 0) {
			fprintf(stderr, "OpenSSL encrypt failed\n");
			return -1;
		}
		p.aad = aad;
		p.aad_len = sizeof(aad);
		p.ct = ct;
		p.ct_len = size;
		memcpy(p.icv, tag, sizeof(tag));
		p.icv_len = 16;
		gcm_drive_packet(&d, &p);
	}
	for (i = 0; i < 200 && m.packets_out < packets; i++)
		gcm_drive_cycle(&d, NULL);

	if (m.packets_out != packets || m.failures != 0 || packets < 2) {
		fprintf(stderr, "size %zu: %lu of %lu packets out, %lu failed\n",
		    size, m.packets_out, packets, m.failures);
		return -1;
	}
	cpp = (double)(m.last_last_cycle - m.first_last_cycle) / (double)(packets - 1);
	gbps = (double)size * 8.0 * clock_mhz / 1000.0 / cpp;
	/* wire time of one packet at 100 Gbit/s, in ns: bytes * 8 / 100 */
	need_mhz = cpp * 1000.0 / ((double)wire_bytes(size) * 8.0 / LINE_GBPS);
	printf("| %u | %zu | %lu | %.2f | %" PRIu64 " | %.1f | %.2f | %.0f |\n",
	    lanes, size, beats, cpp, m.first_out_cycle - first_in, gbps,
	    gbps / LINE_GBPS, need_mhz);
	return 0;
}

static bool parse_num(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *out > 0;
}

int main(int argc, char **argv)
{
	double clock_mhz = 322.265625, v;
	unsigned long packets = 200;
	struct gcm_sim *sim;
	struct prng r;
	int rc = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc || !parse_num(argv[i + 1], &v)) {
			fprintf(stderr, "usage: %s [--clock-mhz F] [--packets N] SIZE...\n", argv[0]);
			return 2;
		}
		if (strcmp(argv[i], "--clock-mhz") == 0)
			clock_mhz = v;
		else if (strcmp(argv[i], "--packets") == 0)
			packets = (unsigned long)v;
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	sim = gcm_sim_create();
	if (sim == NULL) {
		fprintf(stderr, "cannot create the GCM model\n");
		return 1;
	}
	prng_seed(&r, 1);
	for (; i < argc; i++) {
		if (!parse_num(argv[i], &v) || v > MAX_PAYLOAD) {
			fprintf(stderr, "bad size %s\n", argv[i]);
			rc = 1;
			break;
		}
		if (bench_size(sim, gcm_sim_lanes(), (size_t)v, packets, clock_mhz, &r) != 0)
			rc = 1;
	}
	gcm_sim_destroy(sim);
	return rc;
}
