/*
 * spisync -- cmocka tests of the card's xclbin as XRT reads it: the
 * Alveo packaging (kernel.xml) against the register map and the driver.
 *
 * The xclbin is tests/alveo/mkxclbin.py's metadata-only container built
 * from the kernel.xml (make: XRT_TEST_KERNEL_XML), in the directory given
 * as the argument. The oracle is XRT 2.13's own parser, twice: its C API
 * (xrtXclbinAllocFilename and friends: counts, UUID, platform) and its C++
 * xrt::xclbin behind tests/alveo/xclbin_facts.h (the kernel's arguments,
 * offsets, ports, memory banks, control range). Expectations come from
 * hw/gen/spisync_hw.h (RING_BASE_LO/HI) and docs (kernel_iface: one
 * ap_ctrl_none kernel, a 16-bit AXI4-Lite control port, argument 0 the
 * m_axi_ev pointer in HOST[0]); the driver's side (the kernel name it
 * opens, the bank it allocates in) is tests/unit/test_backend_xrt_fake.c.
 *
 * XRT's C API reports a refusal through its logger, which loads XRT's core
 * library and ends the process (std::terminate) when XILINX_XRT does not
 * lead to it (driver/backend_xrt.c says more): the group setup points
 * XILINX_XRT at a directory linking the libxrt_core.so.2 installed next to
 * libxrt_coreutil.
 *
 * Not fed to XRT here: the truncated or overlong containers. XRT 2.13's
 * parser reads past the end of such a file (valgrind shows it) instead of
 * refusing it; the driver refuses them before XRT sees them
 * (tests/unit/test_backend_xrt.c).
 */
#define _GNU_SOURCE   /* dladdr, mkdtemp */

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
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

#include <experimental/xrt_xclbin.h>

#include "spisync_hw.h"
#include "test_tree.h"
#include "xclbin_facts.h"

/* The kernel's s_axi_control: 16 address bits (kernel_iface). */
#define CONTROL_BYTES (1u << 16)

static const char *xclbin_dir;
static char xrt_root[64];

static int
group_setup(void **state)
{
	char copy[PATH_MAX], path[PATH_MAX + 32], link[PATH_MAX];
	Dl_info info;

	(void)state;
	snprintf(xrt_root, sizeof(xrt_root), "/tmp/spisync-xclbin-XXXXXX");
	if (mkdtemp(xrt_root) == NULL)
		return -1;
	make_dir("%s/lib", xrt_root);
	if (dladdr((void *)(uintptr_t)xrtXclbinAllocFilename, &info) == 0 ||
	    info.dli_fname == NULL)
		return -1;
	snprintf(copy, sizeof(copy), "%s", info.dli_fname);
	snprintf(path, sizeof(path), "%s/libxrt_core.so.2", dirname(copy));
	snprintf(link, sizeof(link), "%s/lib/libxrt_core.so.2", xrt_root);
	if (symlink(path, link) != 0 || setenv("XILINX_XRT", xrt_root, 1) != 0)
		return -1;
	return unsetenv("XCL_EMULATION_MODE");
}

static int
group_teardown(void **state)
{
	(void)state;
	remove_tree(xrt_root);
	return 0;
}

static void
path_of(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", xclbin_dir, name);
}

static void
test_c_api(void **state)
{
	char path[PATH_MAX], xsa[128];
	struct xclbin_facts f;
	xrtXclbinHandle x;
	xuid_t uuid;
	int n = 0;

	(void)state;
	path_of(path, sizeof(path), "spisync.xclbin");
	x = xrtXclbinAllocFilename(path);
	assert_non_null(x);
	assert_int_equal(xrtXclbinGetNumKernels(x), 1);
	assert_int_equal(xrtXclbinGetNumKernelComputeUnits(x), 1);
	assert_int_equal(xrtXclbinGetUUID(x, uuid), 0);
	assert_int_equal(xrtXclbinGetXSAName(x, xsa, sizeof(xsa), &n), 0);
	assert_true(n > 0);
	assert_int_equal(xrtXclbinFreeHandle(x), 0);

	/* both of XRT's readings agree */
	assert_int_equal(xclbin_facts_read(path, &f, xsa, sizeof(xsa)), 0);
	assert_memory_equal(f.uuid, uuid, sizeof(uuid));
}

static void
test_kernel(void **state)
{
	char path[PATH_MAX], err[256];
	struct xclbin_facts f;

	(void)state;
	path_of(path, sizeof(path), "spisync.xclbin");
	if (xclbin_facts_read(path, &f, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(f.kernels, 1);
	assert_int_equal(f.cus, 1);
	assert_int_equal(f.cu_control, 2);              /* ap_ctrl_none */
	assert_int_equal(f.cu_size, CONTROL_BYTES);     /* the driver's 64 KiB */
	/* the ring, then the two streams (kernel.xml lists them as
	 * addressQualifier 4 arguments; XRT counts them too) */
	assert_true(f.args >= 1);

	/* argument 0: the event ring's pointer, where the card has it */
	assert_int_equal(f.arg0_index, 0);
	assert_string_equal(f.arg0_name, "ring");
	assert_string_equal(f.arg0_port, "m_axi_ev");
	assert_string_equal(f.arg0_host_type, "void*");
	assert_int_equal(f.arg0_offset, SPISYNC_REG_RING_BASE_LO);
	assert_int_equal(f.arg0_size, 8);
	assert_int_equal(f.arg0_offset + f.arg0_size,
	    SPISYNC_REG_RING_BASE_HI + 4);
	assert_true(f.arg0_offset + f.arg0_size <= f.cu_size);
	/* in host memory */
	assert_int_equal(f.arg0_mems, 1);
	assert_string_equal(f.arg0_mem_tag, "HOST[0]");
	assert_true(f.arg0_mem_index >= 0 &&
	    (size_t)f.arg0_mem_index < f.mems);
}

static void
test_refused(void **state)
{
	char path[PATH_MAX], err[256];
	struct xclbin_facts f;

	(void)state;
	/* no "xclbin2" magic: XRT's C API refuses it (and logs why on
	 * stderr) */
	path_of(path, sizeof(path), "corrupt-magic.xclbin");
	assert_null(xrtXclbinAllocFilename(path));
	assert_int_equal(xclbin_facts_read(path, &f, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	/* a sound container whose metadata is not XML */
	path_of(path, sizeof(path), "corrupt-xml.xclbin");
	err[0] = '\0';
	assert_int_equal(xclbin_facts_read(path, &f, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	/* no such file */
	path_of(path, sizeof(path), "no-such.xclbin");
	assert_null(xrtXclbinAllocFilename(path));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c_api),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_refused),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s XCLBIN_DIR (tests/alveo/mkxclbin.py's "
		    "xclbins)\n", argv[0]);
		return 2;
	}
	xclbin_dir = argv[1];
	return cmocka_run_group_tests_name("the card's xclbin, as XRT reads it",
	    tests, group_setup, group_teardown);
}
