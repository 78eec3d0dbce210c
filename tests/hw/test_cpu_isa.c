/*
 * spisync -- the controller core (hw/cpu/rv32_core.v) against QEMU.
 *
 *   test_cpu_isa [--seed N] [--qemu CMD] PROG.elf...      each program on the
 *       Verilated core (random port stalls and latencies) and on
 *       qemu-system-riscv32 -M virt: the UART text and the exit value
 *       must be the same on both (QEMU is the oracle).
 *   test_cpu_isa [--seed N] --directed PROG.elf...         each program on the
 *       core only; it checks itself against the values the RISC-V spec
 *       prescribes and must exit with 0x5555 (tests/cpu/trap_test.c).
 *
 * The programs are tests/cpu/isa_test.c and trap_test.c, built for 0x80000000 (tests/cpu/link.ld).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_sim.h"

#define RAM_BASE 0x80000000u
#define RAM_BYTES (256u * 1024u)
#define MAX_CYCLES 60000000ull
#define EXIT_PASS 0x5555u

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* PT_LOAD segments of a little-endian ELF32 RISC-V executable */
static int
load_elf(struct core_sim *sim, const char *path)
{
	size_t len = 0;
	uint8_t *e = read_file(path, &len);
	int rc = -1;

	if (e == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (len < 52 || memcmp(e, "\177ELF", 4) != 0 || e[4] != 1 || e[5] != 1 ||
	    le16(e + 18) != 243) {
		fprintf(stderr, "%s: not an ELF32 little-endian RISC-V file\n", path);
		goto out;
	}
	uint32_t phoff = le32(e + 28);
	uint16_t phentsize = le16(e + 42), phnum = le16(e + 44);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = e + phoff + (size_t)i * phentsize;

		if ((size_t)(ph - e) + 32 > len)
			goto out;
		if (le32(ph) != 1)   /* PT_LOAD */
			continue;
		uint32_t off = le32(ph + 4), paddr = le32(ph + 12);
		uint32_t filesz = le32(ph + 16);
		if ((size_t)off + filesz > len || core_sim_load(sim, paddr, e + off, filesz) != 0) {
			fprintf(stderr, "%s: segment %u does not fit\n", path, i);
			goto out;
		}
	}
	rc = 0;
out:
	free(e);
	return rc;
}

static char *
run_qemu(const char *qemu, const char *elf)
{
	char cmd[4096];
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap);
	FILE *p;

	if (out == NULL)
		return NULL;
	/* timeout: a program that never exits must fail the test, not hang it */
	snprintf(cmd, sizeof(cmd),
	    "timeout 120 %s -M virt -bios none -display none -monitor none -serial stdio -kernel '%s'",
	    qemu, elf);
	p = popen(cmd, "r");
	if (p == NULL) {
		free(out);
		return NULL;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *bigger = realloc(out, cap * 2);
			if (bigger == NULL)
				break;
			out = bigger;
			cap *= 2;
		}
		size_t got = fread(out + n, 1, cap - n - 1, p);
		if (got == 0)
			break;
		n += got;
	}
	out[n] = '\0';
	if (pclose(p) != 0) {
		fprintf(stderr, "%s: QEMU failed (exit status: the program did not exit with 0x5555)\n", elf);
		free(out);
		return NULL;
	}
	return out;
}

/* first differing line, for the report */
static void
show_diff(const char *a, const char *b)
{
	unsigned line = 1;

	while (*a != '\0' && *a == *b) {
		if (*a == '\n')
			line++;
		a++;
		b++;
	}
	while (line > 1 && a[-1] != '\n') {
		a--;
		b--;
	}
	fprintf(stderr, "first difference at line %u:\n  core: %.*s\n  qemu: %.*s\n", line,
	    (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

int
main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL);
	const char *qemu = "qemu-system-riscv32";
	bool directed = false;
	int failed = 0, ran = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
			continue;
		}
		if (strcmp(argv[i], "--qemu") == 0 && i + 1 < argc) {
			qemu = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "--directed") == 0) {
			directed = true;
			continue;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [--seed N] [--qemu CMD] [--directed] PROG.elf...\n", argv[0]);
			return 2;
		}
		printf("test_cpu_isa: %s (seed %" PRIu64 ")\n", argv[i], seed);
		struct core_sim *sim = core_sim_create(RAM_BASE, RAM_BYTES, seed);
		uint32_t exit_value = 0;
		ran++;
		if (sim == NULL || load_elf(sim, argv[i]) != 0) {
			failed++;
			core_sim_destroy(sim);
			continue;
		}
		int exited = core_sim_run(sim, MAX_CYCLES, &exit_value);
		const char *text = core_sim_uart(sim);
		bool ok = true;
		printf("  core: %" PRIu64 " cycles, %zu bytes of output, exit %s 0x%08" PRIx32 "\n",
		    core_sim_cycles(sim), strlen(text), exited ? "value" : "NONE", exit_value);
		if (!exited || exit_value != EXIT_PASS) {
			fprintf(stderr, "%s: the core did not exit with 0x5555\n", argv[i]);
			ok = false;
		}
		if (core_sim_protocol_errors(sim) != 0) {
			fprintf(stderr, "%s: %" PRIu64 " memory port protocol violations\n", argv[i],
			    core_sim_protocol_errors(sim));
			ok = false;
		}
		if (directed) {
			fputs(text, stdout);
		} else {
			char *ref = run_qemu(qemu, argv[i]);
			if (ref == NULL) {
				ok = false;
			} else {
				printf("  qemu: %zu bytes of output\n", strlen(ref));
				if (strcmp(ref, text) != 0) {
					show_diff(text, ref);
					ok = false;
				} else if (strlen(ref) < 100) {
					fprintf(stderr, "%s: too little output to compare\n", argv[i]);
					ok = false;
				}
				free(ref);
			}
		}
		printf("  %s\n", ok ? "ok" : "FAILED");
		failed += !ok;
		core_sim_destroy(sim);
	}
	if (ran == 0) {
		fprintf(stderr, "no program given\n");
		return 2;
	}
	printf("test_cpu_isa: %d of %d programs passed\n", ran - failed, ran);
	return failed == 0 ? 0 : 1;
}
