/*
 * spisync -- cmocka tests of libspisync's xrt: backend
 * (driver/backend_xrt.c) on a machine without an Alveo card.
 *
 * What can be checked without a card: device strings are refused before
 * XRT runs; a missing xclbin is reported; an environment in which XRT 2.13
 * would abort the process (no XILINX_XRT, no or a broken core library, an
 * unknown XCL_EMULATION_MODE) is an error message instead; and with XRT
 * able to run, opening a device that is not there fails cleanly, naming
 * the index and XRT's reason, with nothing written to stdout, also with a
 * real xclbin of the card given; a damaged xclbin is refused before XRT
 * reads it (XRT 2.13's parser reads past the end of such a file).
 *
 * The xclbins come from tests/alveo/mkxclbin.py (built by make into the
 * directory given as the argument: spisync.xclbin, the card's, and the
 * broken ones, corrupt-KIND.xclbin). XRT's parser reads them back in
 * tests/alveo/test_xclbin.c; this test only needs them to be real ones.
 * tests/unit/test_backend_xrt_fake.c goes past the device open, against a
 * fake XRT.
 *
 * XRT prints its diagnostics to stderr (a banner, then "[XRT] ERROR: ...").
 * Every open here runs with stdout and stderr redirected into files: the
 * stdout file must stay empty, and the stderr file shows whether XRT ran
 * at all, which is how "refused before XRT" is told from "XRT refused".
 *
 * The core library for the "XRT can run" case is the one installed next to
 * the libxrt_coreutil this program is linked with, found with dladdr.
 */
#define _GNU_SOURCE   /* dladdr, mkdtemp, nftw */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <xrt/xrt_device.h>

#include "backend.h"
#include "test_tree.h"

/* the directory of the test xclbins (argv[1]) */
static const char *xclbin_dir;

struct fixture {
	char root[64];
	char lock[128];
	char xrt_ok[128];      /* XILINX_XRT with lib/libxrt_core.so.2 */
	char xrt_empty[128];   /* XILINX_XRT with an empty lib/ */
	char xrt_bad[128];     /* lib/libxrt_core.so.2 is not a library */
	char err[SPISYNC_ERR_LEN];
	char out[4096], errout[4096];   /* what the open wrote */
	struct spisync_backend *b;
};

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* The directory of the libxrt_coreutil we run with. */
static void
xrt_lib_dir(char *dir, size_t len)
{
	Dl_info info;
	char copy[PATH_MAX];

	/* a function pointer as an object address: what dladdr takes */
	assert_true(dladdr((void *)(uintptr_t)xrtDeviceOpen, &info) != 0);
	assert_non_null(info.dli_fname);
	snprintf(copy, sizeof(copy), "%s", info.dli_fname);
	snprintf(dir, len, "%s", dirname(copy));
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[PATH_MAX + 32], libdir[PATH_MAX], link[PATH_MAX];

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/spisync-xrt-test-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->lock, sizeof(f->lock), "%s/lock", f->root);
	snprintf(f->xrt_ok, sizeof(f->xrt_ok), "%s/xrt-ok", f->root);
	snprintf(f->xrt_empty, sizeof(f->xrt_empty), "%s/xrt-empty", f->root);
	snprintf(f->xrt_bad, sizeof(f->xrt_bad), "%s/xrt-bad", f->root);
	make_dir("%s", f->lock);
	make_dir("%s", f->xrt_ok);
	make_dir("%s/lib", f->xrt_ok);
	make_dir("%s", f->xrt_empty);
	make_dir("%s/lib", f->xrt_empty);
	make_dir("%s", f->xrt_bad);
	make_dir("%s/lib", f->xrt_bad);

	xrt_lib_dir(libdir, sizeof(libdir));
	snprintf(path, sizeof(path), "%s/libxrt_core.so.2", libdir);
	assert_int_equal(access(path, R_OK), 0);
	snprintf(link, sizeof(link), "%s/lib/libxrt_core.so.2", f->xrt_ok);
	assert_int_equal(symlink(path, link), 0);
	snprintf(link, sizeof(link), "%s/lib/libxrt_core.so.2", f->xrt_bad);
	write_file(link, "not an ELF object\n");

	assert_int_equal(setenv("SPISYNC_LOCK_DIR", f->lock, 1), 0);
	assert_int_equal(setenv("XILINX_XRT", f->xrt_ok, 1), 0);
	assert_int_equal(unsetenv("XCL_EMULATION_MODE"), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->b != NULL)
		f->b->ops->close(f->b);
	remove_tree(f->root);
	free(f);
	return 0;
}

static void
slurp(int fd, char *buf, size_t len)
{
	ssize_t n;

	n = pread(fd, buf, len - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
}

/* spisync_backend_xrt_open with stdout and stderr captured. */
static int
open_dev(struct fixture *f, const char *arg)
{
	char path[PATH_MAX];
	int out, errf, saved_out, saved_err, rc;

	snprintf(path, sizeof(path), "%s/stdout", f->root);
	out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	snprintf(path, sizeof(path), "%s/stderr", f->root);
	errf = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0 && errf >= 0);
	fflush(NULL);
	saved_out = dup(1);
	saved_err = dup(2);
	assert_true(saved_out >= 0 && saved_err >= 0);
	assert_int_equal(dup2(out, 1), 1);
	assert_int_equal(dup2(errf, 2), 2);

	f->err[0] = '\0';
	rc = spisync_backend_xrt_open(arg, &f->b, f->err, sizeof(f->err));

	fflush(NULL);   /* C++ streams are synchronized with stdio */
	assert_int_equal(dup2(saved_out, 1), 1);
	assert_int_equal(dup2(saved_err, 2), 2);
	close(saved_out);
	close(saved_err);
	slurp(out, f->out, sizeof(f->out));
	slurp(errf, f->errout, sizeof(f->errout));
	close(out);
	close(errf);
	return rc;
}

/* The open printed nothing at all: XRT did not run. */
static void
assert_silent(const struct fixture *f)
{
	if (f->out[0] != '\0' || f->errout[0] != '\0')
		fail_msg("printed: stdout \"%s\" stderr \"%s\"", f->out,
		    f->errout);
}

/* ---- refused before XRT ------------------------------------------------------ */

static void
test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "x", "-1", "+0", "01", "00", "0:", "1a", " 0", "0 ",
		"65536", "999999", "0x0", "0.0", "0/card.xclbin", ":0",
		"4294967296",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (open_dev(f, bad[i]) != -EINVAL)
			fail_msg("\"%s\" accepted: %s", bad[i], f->err);
		assert_null(f->b);
		assert_contains(f->err, "expected a device index N (0-65535) "
		    "or N:/path/card.xclbin");
		assert_silent(f);
	}
	assert_int_equal(open_dev(f, NULL), -EINVAL);
	assert_contains(f->err, "expected a device index");
	assert_silent(f);
	assert_int_equal(spisync_backend_xrt_open("0", NULL, f->err,
	    sizeof(f->err)), -EINVAL);
}

static void
test_missing_xclbin(void **state)
{
	struct fixture *f = *state;
	char arg[PATH_MAX + 8];

	snprintf(arg, sizeof(arg), "3:%s/no-such.xclbin", f->root);
	assert_int_equal(open_dev(f, arg), -ENOENT);
	assert_contains(f->err, "xrt:3: cannot read the xclbin ");
	assert_contains(f->err, "/no-such.xclbin: No such file or directory");
	assert_null(f->b);
	assert_silent(f);

	snprintf(arg, sizeof(arg), "3:%s", f->root);
	assert_int_equal(open_dev(f, arg), -EINVAL);
	assert_contains(f->err, "is not a regular file");
	assert_silent(f);
}

/* Each of these would end the process inside XRT 2.13 (SIGABRT). */
static void
test_xrt_unusable(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(unsetenv("XILINX_XRT"), 0);
	assert_int_equal(open_dev(f, "0"), -ENOENT);
	assert_contains(f->err, "xrt:0: XILINX_XRT is not set, and XRT aborts "
	    "the process without it");
	assert_silent(f);

	assert_int_equal(setenv("XILINX_XRT", f->xrt_empty, 1), 0);
	assert_int_equal(open_dev(f, "0"), -ENOENT);
	assert_contains(f->err, "/lib/libxrt_core.so.2 is missing");
	assert_silent(f);

	assert_int_equal(setenv("XILINX_XRT", f->xrt_bad, 1), 0);
	assert_int_equal(open_dev(f, "0"), -ELIBBAD);
	assert_contains(f->err, "xrt:0: cannot load XRT's core library: ");
	assert_silent(f);

	assert_int_equal(setenv("XILINX_XRT", f->xrt_ok, 1), 0);
	assert_int_equal(setenv("XCL_EMULATION_MODE", "hw", 1), 0);
	assert_int_equal(open_dev(f, "0"), -EINVAL);
	assert_contains(f->err, "XCL_EMULATION_MODE=\"hw\" is neither hw_emu "
	    "nor sw_emu");
	assert_silent(f);

	/* emulation selects another library, which is not there */
	assert_int_equal(setenv("XCL_EMULATION_MODE", "sw_emu", 1), 0);
	assert_int_equal(open_dev(f, "0"), -ENOENT);
	assert_contains(f->err, "/lib/libxrt_swemu.so.2 is missing");
	assert_silent(f);
	assert_int_equal(unsetenv("XCL_EMULATION_MODE"), 0);
	assert_null(f->b);
}

/* ---- XRT runs and finds no card ------------------------------------------------ */

static void
test_no_card(void **state)
{
	struct fixture *f = *state;
	char arg[PATH_MAX + 8], path[PATH_MAX];
	int rc;

	rc = open_dev(f, "0");
	assert_true(rc < 0);
	assert_null(f->b);
	assert_contains(f->err, "xrt:0: XRT cannot open device 0: ");
	assert_int_equal(f->out[0], '\0');
	/* the card's lock file was set up first, under its documented name */
	snprintf(path, sizeof(path), "%s/spisync-xrt-0.lock", f->lock);
	assert_int_equal(access(path, F_OK), 0);

	/* the card's xclbin gets as far as the device, and so do one whose
	 * kernel has another name and one whose metadata is not XML: only
	 * XRT, with a card, reads inside the sections */
	static const char *const names[] = {
		"spisync.xclbin", "other-kernel.xclbin", "corrupt-xml.xclbin",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(arg, sizeof(arg), "7:%s/%s", xclbin_dir, names[i]);
		rc = open_dev(f, arg);
		assert_true(rc < 0);
		assert_null(f->b);
		assert_contains(f->err, "xrt:7: XRT cannot open device 7: ");
		assert_int_equal(f->out[0], '\0');
	}
	snprintf(path, sizeof(path), "%s/spisync-xrt-7.lock", f->lock);
	assert_int_equal(access(path, F_OK), 0);
}

/* ---- a damaged xclbin: refused before XRT reads it ---------------------------- */

static void
test_damaged_xclbin(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *file, *says;
	} bad[] = {
		{ "corrupt-magic.xclbin", "is not an xclbin (no \"xclbin2\" "
		    "header)" },
		{ "corrupt-truncate.xclbin", "is damaged: its header says " },
		{ "corrupt-length.xclbin", "is damaged: its header says " },
		{ "corrupt-section.xclbin", "is damaged: section 3 (kind 7) "
		    "reaches past the end of the file" },
	};
	char arg[PATH_MAX + 8], path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(arg, sizeof(arg), "0:%s/%s", xclbin_dir, bad[i].file);
		if (open_dev(f, arg) != -EINVAL)
			fail_msg("%s accepted: %s", bad[i].file, f->err);
		assert_null(f->b);
		assert_contains(f->err, "xrt:0: ");
		assert_contains(f->err, bad[i].file);
		assert_contains(f->err, bad[i].says);
		assert_silent(f);
	}

	/* shorter than the header, and empty */
	snprintf(path, sizeof(path), "%s/short.xclbin", f->root);
	write_file(path, "xclbin2\n");
	snprintf(arg, sizeof(arg), "0:%s", path);
	assert_int_equal(open_dev(f, arg), -EINVAL);
	assert_contains(f->err, "is not an xclbin (no \"xclbin2\" header)");
	assert_silent(f);
	write_file(path, "");
	assert_int_equal(open_dev(f, arg), -EINVAL);
	assert_contains(f->err, "is not an xclbin");
	assert_silent(f);

	/* a section table that does not fit: the real header, the count
	 * raised (m_numSections: the last field of the 152-byte header
	 * that starts at byte 304, before 4 bytes of padding) */
	{
		FILE *in, *out;
		char buf[4096];
		size_t n;
		uint32_t many = 1000;

		snprintf(path, sizeof(path), "%s/spisync.xclbin", xclbin_dir);
		in = fopen(path, "rb");
		assert_non_null(in);
		n = fread(buf, 1, sizeof(buf), in);
		fclose(in);
		assert_true(n > 496 && n < sizeof(buf));
		memcpy(buf + 304 + 152 - 8, &many, sizeof(many));
		snprintf(path, sizeof(path), "%s/sections.xclbin", f->root);
		out = fopen(path, "wb");
		assert_non_null(out);
		assert_int_equal(fwrite(buf, 1, n, out), n);
		assert_int_equal(fclose(out), 0);
		snprintf(arg, sizeof(arg), "0:%s", path);
		assert_int_equal(open_dev(f, arg), -EINVAL);
		assert_contains(f->err, "is damaged: 1000 sections do not fit");
		assert_silent(f);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_xclbin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_xrt_unusable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_card, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_xclbin, setup,
		    teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s XCLBIN_DIR (tests/alveo/mkxclbin.py's "
		    "xclbins)\n", argv[0]);
		return 2;
	}
	xclbin_dir = argv[1];

	return cmocka_run_group_tests_name("xrt: backend", tests, NULL, NULL);
}
