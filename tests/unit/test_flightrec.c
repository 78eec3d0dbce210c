/*
 * spisync -- unit tests of spisyncd's flight recorder (flightrec.c): file
 * names, the directory, `keep`, no temporary left behind, the text dump,
 * and the pcap: byte for byte for one packet (header layout from the
 * libpcap file format, the IPv4 checksum summed by hand), then read back
 * by tshark, the independent oracle: every packet's addresses, SPI,
 * sequence number and UDP port equal the records fed in.
 *
 *   test_flightrec        (needs tshark in PATH)
 */

#define _GNU_SOURCE   /* mkdtemp, popen */

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "flightrec.h"
#include "flows.h"

#define T0_NS (1795878001ULL * 1000000000ULL)  /* 2026-11-28T15:00:01Z */

static char tmpdir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_flightrec.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
flow4(struct flow *f, uint32_t spi, bool udp)
{
	memset(f, 0, sizeof(*f));
	f->key.src[0] = 198; f->key.src[1] = 18; f->key.src[3] = 1;
	f->key.dst[0] = 198; f->key.dst[1] = 18; f->key.dst[3] = 2;
	f->key.spi = spi;
	f->key.udp = udp;
	if (udp)
		f->key.sport = f->key.dport = 4500;
	f->cls = FLOW_STUCK;
}

static void
add(struct flow *f, uint64_t wall_ns, uint32_t seq, uint16_t len,
    uint32_t count, bool evicted)
{
	struct flow_miss m = {
		.wall_ns = wall_ns, .card_ns = wall_ns / 7, .seq = seq,
		.frame_len = len, .count = count, .evicted = evicted,
	};

	flow_add_miss(f, &m);
}

static void
dump_text(void *ctx, FILE *out)
{
	fprintf(out, "IKE SA %s\n", (const char *)ctx);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* names in dir (sorted), excluding . and .. */
static size_t
list_dir(const char *dir, char names[][128], size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		assert_true(n < max);
		snprintf(names[n++], 128, "%.127s", de->d_name);
	}
	closedir(d);
	qsort(names, n, 128, (int (*)(const void *, const void *))strcmp);
	return n;
}

static void
test_stem(void **state)
{
	struct flow f;
	char buf[200];

	(void)state;
	flow4(&f, 0xB761863Eu, false);
	assert_int_equal(flightrec_stem(&f, T0_NS + 999999999u, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf,
	    "20261128T150001Z_198.18.0.1_198.18.0.2_B761863E");
	memset(&f.key, 0, sizeof(f.key));
	f.key.ipv6 = true;
	f.key.src[0] = 0x20; f.key.src[1] = 0x01; f.key.src[2] = 0x0d;
	f.key.src[3] = 0xb8; f.key.src[15] = 1;
	f.key.dst[0] = 0xfe; f.key.dst[1] = 0x80; f.key.dst[15] = 0x22;
	f.key.spi = 0x100;
	assert_int_equal(flightrec_stem(&f, T0_NS, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "20261128T150001Z_2001-db8--1_fe80--22_00000100");
	assert_int_equal(flightrec_stem(&f, T0_NS, buf, 20), -1);
}

static void
test_files_and_text(void **state)
{
	struct flow f;
	char dir[300], names[8][128], path[512], out[512];
	struct stat st;
	size_t n, len;
	char *txt;

	(void)state;
	umask(022);     /* 0750 asked for; the umask must not widen it */
	snprintf(dir, sizeof(dir), "%s/a/b", tmpdir);
	flow4(&f, 0xB761863Eu, false);
	snprintf(f.peer, sizeof(f.peer), "peer-one");
	f.events = 2;
	f.misses = 5;
	add(&f, T0_NS, 10, 1414, 0, false);
	add(&f, T0_NS + 1000000000ULL, 14, 1414, 3, false);
	assert_int_equal(flightrec_write(dir, 3, &f, T0_NS + 2000000000ULL,
	    dump_text, "state-of-peer-one", out, sizeof(out)), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750);
	n = list_dir(dir, names, 8);
	assert_int_equal(n, 2);                 /* no temporary left */
	assert_string_equal(names[0],
	    "20261128T150003Z_198.18.0.1_198.18.0.2_B761863E.pcap");
	assert_string_equal(names[1],
	    "20261128T150003Z_198.18.0.1_198.18.0.2_B761863E.txt");
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	assert_string_equal(out, path);
	snprintf(path, sizeof(path), "%s/%s", dir, names[1]);
	txt = slurp(path, &len);
	assert_non_null(strstr(txt, "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: "
	    "rec'd IPSEC packet has invalid spi for destaddr=198.18.0.2, "
	    "prot=50, spi=0xB761863E(3076621886), srcaddr=198.18.0.1\n"));
	assert_non_null(strstr(txt, "peer: peer-one\n"));
	assert_non_null(strstr(txt, "class: stuck"));
	assert_non_null(strstr(txt, "misses: 5\n"));
	assert_non_null(strstr(txt, "2026-11-28T15:00:02.000Z"));
	assert_non_null(strstr(txt, " 14 1414 3\n"));
	assert_non_null(strstr(txt, "IKE SA state-of-peer-one\n"));
	free(txt);

	/* a file where the directory should be: an error, nothing else */
	snprintf(path, sizeof(path), "%s/plainfile", tmpdir);
	fclose(fopen(path, "w"));
	assert_int_equal(flightrec_write(path, 3, &f, T0_NS, NULL, NULL, out,
	    sizeof(out)), -ENOTDIR);
	assert_string_equal(out, "");
	assert_int_equal(flightrec_write("", 3, &f, T0_NS, NULL, NULL, NULL,
	    0), -EINVAL);
	/* path_out too short: refused before writing anything */
	assert_int_equal(flightrec_write(dir, 3, &f, T0_NS, NULL, NULL, out,
	    10), -ENAMETOOLONG);
	assert_int_equal(list_dir(dir, names, 8), 2);
}

static void
test_keep(void **state)
{
	struct flow f, other;
	char dir[300], names[16][128];
	size_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/keep", tmpdir);
	flow4(&f, 0x1000, false);
	flow4(&other, 0x2000, false);
	add(&f, T0_NS, 1, 100, 0, false);
	add(&other, T0_NS, 1, 100, 0, false);
	assert_int_equal(flightrec_write(dir, 2, &other, T0_NS, NULL, NULL,
	    NULL, 0), 0);
	for (uint64_t i = 0; i < 4; i++) {
		assert_int_equal(flightrec_write(dir, 2, &f,
		    T0_NS + i * 1000000000ULL, NULL, NULL, NULL, 0), 0);
		/* other's pair + at most 2 pairs of f, after every write */
		n = list_dir(dir, names, 16);
		assert_int_equal(n, 2 + 2 * (i < 2 ? i + 1 : 2));
	}
	n = list_dir(dir, names, 16);
	assert_int_equal(n, 6);
	assert_string_equal(names[0],
	    "20261128T150001Z_198.18.0.1_198.18.0.2_00002000.pcap");
	assert_string_equal(names[1],
	    "20261128T150001Z_198.18.0.1_198.18.0.2_00002000.txt");
	assert_string_equal(names[2],
	    "20261128T150003Z_198.18.0.1_198.18.0.2_00001000.pcap");
	assert_string_equal(names[3],
	    "20261128T150003Z_198.18.0.1_198.18.0.2_00001000.txt");
	assert_string_equal(names[4],
	    "20261128T150004Z_198.18.0.1_198.18.0.2_00001000.pcap");
	/* keep 0 is taken as 1 */
	assert_int_equal(flightrec_write(dir, 0, &f, T0_NS + 9000000000ULL,
	    NULL, NULL, NULL, 0), 0);
	n = list_dir(dir, names, 16);
	assert_int_equal(n, 4);
	assert_string_equal(names[2],
	    "20261128T150010Z_198.18.0.1_198.18.0.2_00001000.pcap");
}

static void
test_pcap_bytes(void **state)
{
	struct flow f;
	char dir[300], path[512];
	char *p;
	size_t len;
	/* libpcap file format: magic, 2.4, zone 0, sigfigs 0, snaplen
	 * 65535, LINKTYPE_RAW 101; all little-endian (written so) */
	static const uint8_t ghdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 101, 0, 0, 0,
	};
	/* ts 1795878001 = 0x6B0AEC71 s, 250000 us = 0x03D090; caplen 28,
	 * orig_len 1414 - 14 = 1400 = 0x578 */
	static const uint8_t rhdr[16] = {
		0x71, 0xec, 0x0a, 0x6b, 0x90, 0xd0, 0x03, 0x00,
		28, 0, 0, 0, 0x78, 0x05, 0, 0,
	};
	/* IPv4: 45 00 0578 0000 4000 40 32 csum c612 0001 c612 0002;
	 * csum by hand: 4500+0578+4000+4032+c612+0001+c612+0002 = 256d1,
	 * folded 56d3, complement a92c. ESP: SPI, then seq 0x01020304 */
	static const uint8_t pkt[28] = {
		0x45, 0x00, 0x05, 0x78, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x32, 0xa9, 0x2c, 198, 18, 0, 1, 198, 18, 0, 2,
		0xb7, 0x61, 0x86, 0x3e, 0x01, 0x02, 0x03, 0x04,
	};

	(void)state;
	assert_int_equal(0x6B0AEC71u, 1795878001u);
	snprintf(dir, sizeof(dir), "%s/bytes", tmpdir);
	flow4(&f, 0xB761863Eu, false);
	add(&f, T0_NS + 250000000u, 0x01020304u, 1414, 0, false);
	add(&f, T0_NS + 350000000u, 0, 0, 12, true);  /* evicted: no packet */
	assert_int_equal(flightrec_write(dir, 1, &f, T0_NS, NULL, NULL, path,
	    sizeof(path)), 0);
	p = slurp(path, &len);
	assert_int_equal(len, 24 + 16 + 28);
	assert_memory_equal(p, ghdr, 24);
	assert_memory_equal(p + 24, rhdr, 16);
	assert_memory_equal(p + 40, pkt, 28);
	free(p);
}

/* Run tshark on path; each output line into lines (tab-separated fields). */
static size_t
tshark_fields(const char *path, const char *fields, char lines[][256],
    size_t max)
{
	char cmd[1024], buf[256];
	FILE *fp;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' -T fields %s "
	    "2>/dev/null", path, fields);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		assert_true(n < max);
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(lines[n++], 256, "%s", buf);
	}
	assert_int_equal(pclose(fp), 0);
	return n;
}

static void
test_pcap_tshark(void **state)
{
	struct flow f;
	char dir[300], path[512], lines[40][256], want[256];
	size_t n;
	static const uint32_t seqs[5] = { 1, 2, 0x7fffffffu, 0x80000000u,
	    0xffffffffu };

	(void)state;
	if (system("tshark -v >/dev/null 2>&1") != 0)
		fail_msg("tshark not found: install the Debian package tshark");
	snprintf(dir, sizeof(dir), "%s/tshark", tmpdir);

	/* plain ESP over IPv4 */
	flow4(&f, 0xFF000001u, false);
	for (size_t i = 0; i < 5; i++)
		add(&f, T0_NS + i * 1000000ULL, seqs[i], (uint16_t)(100 + i),
		    0, false);
	assert_int_equal(flightrec_write(dir, 1, &f, T0_NS, NULL, NULL, path,
	    sizeof(path)), 0);
	n = tshark_fields(path, "-e ip.src -e ip.dst -e esp.spi "
	    "-e esp.sequence -e udp.dstport -e ip.checksum.status -e ip.len "
	    "-e frame.time_epoch -o ip.check_checksum:TRUE", lines, 40);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < 5; i++) {
		/* checksum.status 1 = good; ip.len the original length */
		snprintf(want, sizeof(want), "198.18.0.1\t198.18.0.2\t"
		    "0xff000001\t%u\t\t1\t%u\t1795878001.%03zu000000",
		    (unsigned)seqs[i], (unsigned)(100 + i - 14), i);
		assert_string_equal(lines[i], want);
	}

	/* ESP in UDP 4500 over IPv4, 32 entries kept of 40 */
	flow4(&f, 0x0000ABCDu, true);
	for (uint32_t i = 0; i < 40; i++)
		add(&f, T0_NS + i * 1000000000ULL, 1000 + i, 200, i, false);
	assert_int_equal(flightrec_write(dir, 1, &f, T0_NS, NULL, NULL, path,
	    sizeof(path)), 0);
	n = tshark_fields(path, "-e ip.src -e ip.dst -e esp.spi "
	    "-e esp.sequence -e udp.dstport", lines, 40);
	assert_int_equal(n, FLOW_HISTORY);
	for (size_t i = 0; i < FLOW_HISTORY; i++) {
		snprintf(want, sizeof(want), "198.18.0.1\t198.18.0.2\t"
		    "0x0000abcd\t%zu\t4500", 1000 + 40 - FLOW_HISTORY + i);
		assert_string_equal(lines[i], want);
	}

	/* IPv6 */
	memset(&f, 0, sizeof(f));
	f.key.ipv6 = true;
	f.key.src[0] = 0x20; f.key.src[1] = 0x01; f.key.src[2] = 0x0d;
	f.key.src[3] = 0xb8; f.key.src[15] = 1;
	f.key.dst[0] = 0x20; f.key.dst[1] = 0x01; f.key.dst[2] = 0x0d;
	f.key.dst[3] = 0xb8; f.key.dst[15] = 2;
	f.key.spi = 0x12345678u;
	add(&f, T0_NS, 42, 1514, 0, false);
	assert_int_equal(flightrec_write(dir, 1, &f, T0_NS, NULL, NULL, path,
	    sizeof(path)), 0);
	n = tshark_fields(path, "-e ipv6.src -e ipv6.dst -e esp.spi "
	    "-e esp.sequence -e ipv6.plen", lines, 40);
	assert_int_equal(n, 1);
	assert_string_equal(lines[0],
	    "2001:db8::1\t2001:db8::2\t0x12345678\t42\t1460");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stem),
		cmocka_unit_test(test_files_and_text),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_pcap_bytes),
		cmocka_unit_test(test_pcap_tshark),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
