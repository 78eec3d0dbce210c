/*
 * spisync -- cmocka tests of libspisync's xrt: backend
 * (driver/backend_xrt.c) past the device open, against a fake XRT
 * (fake_xrt.h): the exact calls it makes, in order, with the buffer flags,
 * sizes, memory bank, register offsets, and that every error path closes
 * and frees what it opened (ASan and valgrind see the rest).
 *
 * Oracles: for call sequences, the fake's log; for what the xclbin says,
 * XRT's own parser (compute unit name, control protocol, UUID, control
 * range and argument 0's memory bank, from libxrt_coreutil's reading of
 * the xclbin: tests/alveo/xclbin_facts.h), which the driver must reach
 * through the section entries the fake serves as XRT's driver does; for
 * offsets, hw/gen/spisync_hw.h.
 * The xclbins are tests/alveo/mkxclbin.py's, in the directory given as the
 * argument: spisync.xclbin (the card's: argument 0 at RING_BASE_LO in
 * HOST[0], memory index 2), bank0.xclbin (argument 0 in bank0, index 0),
 * other-kernel.xclbin (kernel "spisync_v2"), hs.xclbin (ap_ctrl_hs),
 * noconn.xclbin (argument 0 in no memory bank), corrupt-xml.xclbin
 * (metadata that XRT's parser refuses).
 */
#define _GNU_SOURCE   /* dladdr, mkdtemp */

#include <dlfcn.h>
#include <errno.h>
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

#include <xrt/xrt_bo.h>
#include <experimental/xrt_xclbin.h>

#include "backend.h"
#include "fake_xrt.h"
#include "spisync_hw.h"
#include "test_tree.h"
#include "xclbin_facts.h"

static const char *xclbin_dir;

struct fixture {
	char root[64];
	char lock[128];
	char xrt[128];
	char xclbin[PATH_MAX];
	char arg[PATH_MAX + 16];
	char err[SPISYNC_ERR_LEN];
	struct spisync_backend *b;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char copy[PATH_MAX], path[PATH_MAX + 32], link[PATH_MAX];
	Dl_info info;

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/spisync-xrtfake-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->lock, sizeof(f->lock), "%s/lock", f->root);
	snprintf(f->xrt, sizeof(f->xrt), "%s/xrt", f->root);
	make_dir("%s", f->lock);
	make_dir("%s", f->xrt);
	make_dir("%s/lib", f->xrt);
	/* open loads XRT's core library itself: the real one, next to the
	 * libxrt_coreutil that xclbin_facts uses */
	assert_true(dladdr((void *)(uintptr_t)xrtXclbinAllocFilename,
	    &info) != 0);
	snprintf(copy, sizeof(copy), "%s", info.dli_fname);
	snprintf(path, sizeof(path), "%s/libxrt_core.so.2", dirname(copy));
	snprintf(link, sizeof(link), "%s/lib/libxrt_core.so.2", f->xrt);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(setenv("SPISYNC_LOCK_DIR", f->lock, 1), 0);
	assert_int_equal(setenv("XILINX_XRT", f->xrt, 1), 0);
	assert_int_equal(unsetenv("XCL_EMULATION_MODE"), 0);
	fake_xrt_reset();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->b != NULL)
		f->b->ops->close(f->b);
	/* whatever happened, nothing of XRT's stays open */
	assert_int_equal(fake_xrt.devices, 0);
	assert_int_equal(fake_xrt.contexts, 0);
	assert_int_equal(fake_xrt.bos, 0);
	assert_int_equal(fake_xrt.bad_handles, 0);
	remove_tree(f->root);
	free(f);
	return 0;
}

static int
open_xclbin(struct fixture *f, unsigned index, const char *name)
{
	if (name != NULL) {
		snprintf(f->xclbin, sizeof(f->xclbin), "%s/%s", xclbin_dir,
		    name);
		snprintf(f->arg, sizeof(f->arg), "%u:%s", index, f->xclbin);
	} else
		snprintf(f->arg, sizeof(f->arg), "%u", index);
	f->err[0] = '\0';
	return spisync_backend_xrt_open(f->arg, &f->b, f->err,
	    sizeof(f->err));
}

/* XRT's reading of an xclbin, for the expectations */
static void
facts(const char *name, struct xclbin_facts *x)
{
	char path[PATH_MAX], err[256];

	snprintf(path, sizeof(path), "%s/%s", xclbin_dir, name);
	if (xclbin_facts_read(path, x, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
}

static void
print_log(void)
{
	int i;

	for (i = 0; i < fake_xrt.n; i++)
		print_message("  %2d %s(%llu, %llu, %llu, \"%s\")\n", i,
		    fake_xrt_name(fake_xrt.log[i].call),
		    (unsigned long long)fake_xrt.log[i].a,
		    (unsigned long long)fake_xrt.log[i].b,
		    (unsigned long long)fake_xrt.log[i].c, fake_xrt.log[i].s);
}

/* The log from `from` on is exactly these calls. */
static void
assert_calls(int from, const enum fx_call *want, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (from + i >= fake_xrt.n ||
		    fake_xrt.log[from + i].call != want[i]) {
			print_log();
			fail_msg("call %d: expected %s", from + i,
			    fake_xrt_name(want[i]));
		}
	if (from + n != fake_xrt.n) {
		print_log();
		fail_msg("%d calls, expected %d", fake_xrt.n, from + n);
	}
}

/* The opening sequence from the shim handle on, common to all: the
 * compute unit found in IP_LAYOUT (one entry, then the end), its ring
 * argument's bank in CONNECTIVITY and MEM_TOPOLOGY, the driver's index of
 * it, a shared context, the card's ID. Returns the index after it. */
static int
assert_kernel_checked(int at, const struct xclbin_facts *x)
{
	static const enum fx_call seq[] = {
		FX_TO_XCL, FX_SECTION, FX_SECTION, FX_SECTION, FX_SECTION,
		FX_IP_INDEX, FX_OPEN_CTX, FX_READ_REG,
	};
	const struct fx_event *ev = fake_xrt.log + at;
	size_t i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		if (at + (int)i >= fake_xrt.n || ev[i].call != seq[i]) {
			print_log();
			fail_msg("call %d: expected %s", at + (int)i,
			    fake_xrt_name(seq[i]));
		}
	assert_int_equal(ev[1].a, IP_LAYOUT);
	assert_int_equal(ev[1].b, 0);
	assert_int_equal(ev[2].a, IP_LAYOUT);     /* past the last: the end */
	assert_int_equal(ev[2].b, 1);
	assert_int_equal(ev[3].a, CONNECTIVITY);
	assert_int_equal(ev[4].a, MEM_TOPOLOGY);
	/* the bank XRT's parser connects argument 0 to */
	assert_int_equal(ev[4].b, (uint64_t)x->arg0_mem_index);
	/* the compute unit XRT's parser names */
	assert_string_equal(ev[5].s, x->cu);
	/* a shared context on the driver's index, not the IP_LAYOUT one */
	assert_int_equal(ev[6].a, fake_xrt.cu_index_base);
	assert_int_equal(ev[6].b, 1);
	/* the first register access: the card's ID, after the checks */
	assert_int_equal(ev[7].a, SPISYNC_REG_ID);
	assert_int_equal(ev[7].b, fake_xrt.cu_index_base);
	return at + (int)i;
}

/* ---- a good open, registers, DMA, close ------------------------------------- */

static void
test_open_with_xclbin(void **state)
{
	struct fixture *f = *state;
	static const enum fx_call seq[] = {
		FX_INI_SET, FX_DEVICE_OPEN, FX_LOAD_FILE, FX_GET_UUID,
	};
	struct xclbin_facts x;

	facts("spisync.xclbin", &x);
	assert_int_equal(x.cu_control, 2);        /* ap_ctrl_none */
	/* the first open of the process sets XRT's option, before XRT runs */
	assert_int_equal(fake_xrt_ini_sets, 0);
	fake_xrt.cu_index_base = 3;
	if (open_xclbin(f, 5, "spisync.xclbin") != 0)
		fail_msg("open: %s", f->err);
	assert_non_null(f->b);
	for (int i = 0; i < 4; i++)
		assert_int_equal(fake_xrt.log[i].call, seq[i]);
	assert_string_equal(fake_xrt.log[0].s, "Runtime.rw_shared=true");
	assert_int_equal(fake_xrt.log[1].a, 5);
	assert_string_equal(fake_xrt.log[2].s, f->xclbin);
	assert_int_equal(assert_kernel_checked(4, &x), fake_xrt.n);
	assert_int_equal(fake_xrt_ini_sets, 1);
	assert_int_equal(fake_xrt.contexts, 1);
}

static void
test_registers(void **state)
{
	struct fixture *f = *state;
	struct xclbin_facts x;
	uint32_t v = 0;
	int n;

	facts("spisync.xclbin", &x);
	fake_xrt.cu_index_base = 7;
	assert_int_equal(open_xclbin(f, 0, "spisync.xclbin"), 0);
	/* not again in this process */
	assert_int_equal(fake_xrt_find(FX_INI_SET, 0), -1);
	n = fake_xrt.n;

	assert_int_equal(f->b->ops->write32(f->b, SPISYNC_REG_RING_BASE_LO,
	    0x12345640u), 0);
	assert_int_equal(fake_xrt.log[n].call, FX_WRITE_REG);
	assert_int_equal(fake_xrt.log[n].a, SPISYNC_REG_RING_BASE_LO);
	assert_int_equal(fake_xrt.log[n].b, 0x12345640u);
	assert_int_equal(fake_xrt.log[n].c, 7);     /* the driver's index */
	assert_int_equal(f->b->ops->read32(f->b, SPISYNC_REG_RING_BASE_LO,
	    &v), 0);
	assert_int_equal(v, 0x12345640u);
	assert_int_equal(fake_xrt.log[n + 1].call, FX_READ_REG);
	assert_int_equal(fake_xrt.log[n + 1].a, SPISYNC_REG_RING_BASE_LO);
	assert_int_equal(fake_xrt.log[n + 1].b, 7);

	/* the whole control range XRT read in the xclbin, and not a byte
	 * past it: the driver's 64 KiB is the kernel's */
	assert_int_equal(x.cu_size, 0x10000);
	assert_int_equal(f->b->ops->write32(f->b, (uint32_t)x.cu_size - 4,
	    7), 0);
	assert_int_equal(f->b->ops->read32(f->b, (uint32_t)x.cu_size - 4,
	    &v), 0);
	assert_int_equal(v, 7);
	n = fake_xrt.n;
	assert_int_equal(f->b->ops->read32(f->b, (uint32_t)x.cu_size, &v),
	    -EINVAL);
	assert_contains(f->b->err, "outside the 64 KiB control port");
	assert_int_equal(f->b->ops->write32(f->b, (uint32_t)x.cu_size, 1),
	    -EINVAL);
	assert_int_equal(f->b->ops->read32(f->b, 2, &v), -EINVAL);
	assert_int_equal(f->b->ops->write32(f->b, 0xfffffffcu, 1), -EINVAL);
	assert_int_equal(f->b->ops->read32(f->b, 0, NULL), -EINVAL);
	assert_int_equal(fake_xrt.n, n);   /* none of them reached XRT */

	/* XRT refusing an access: its error number, its reason */
	fake_xrt.fail = FX_READ_REG;
	fake_xrt.fail_errno = EPERM;
	assert_int_equal(f->b->ops->read32(f->b, 4, &v), -EPERM);
	assert_contains(f->b->err, "xrt:0: register read at 0x4: "
	    "Operation not permitted");
	fake_xrt.fail = FX_WRITE_REG;
	fake_xrt.fail_errno = 0;
	assert_int_equal(f->b->ops->write32(f->b, 8, 1), -EIO);
	assert_contains(f->b->err, "xrt:0: register write at 0x8: "
	    "Input/output error");
}

static void
test_dma(void **state)
{
	struct fixture *f = *state;
	struct xclbin_facts x;
	void *v1 = NULL, *v2 = NULL, *v3 = NULL;
	uint64_t a1 = 0, a2 = 0, a3 = 0;
	const struct fx_event *ev;
	const void *bo1, *bo2, *bo3;
	size_t i;
	int n, k;

	facts("spisync.xclbin", &x);
	/* the ring's bank is not index 0 in this xclbin */
	assert_string_equal(x.arg0_mem_tag, "HOST[0]");
	assert_int_equal(x.arg0_mem_index, 2);
	assert_int_equal(open_xclbin(f, 0, "spisync.xclbin"), 0);
	n = fake_xrt.n;

	assert_int_equal(f->b->ops->dma_alloc(f->b, 100, &v1, &a1), 0);
	ev = &fake_xrt.log[n];
	assert_int_equal(ev[0].call, FX_BO_ALLOC);
	assert_int_equal(ev[0].a, 4096);                      /* whole pages */
	assert_int_equal(ev[0].b, XRT_BO_FLAGS_HOST_ONLY);    /* host memory */
	assert_int_equal(ev[0].c, (uint64_t)x.arg0_mem_index); /* its bank */
	bo1 = ev[0].handle;
	assert_int_equal(ev[1].call, FX_BO_MAP);
	assert_ptr_equal(ev[1].handle, bo1);
	assert_int_equal(ev[2].call, FX_BO_ADDRESS);
	assert_int_equal(fake_xrt.n, n + 3);
	assert_int_equal((uintptr_t)v1 % 4096, 0);
	assert_int_equal(a1 % 4096, 0);
	assert_true(a1 != 0);
	for (i = 0; i < 4096; i++)           /* cleared: the fake fills 0xa5 */
		if (((unsigned char *)v1)[i] != 0)
			fail_msg("byte %zu of the buffer is 0x%x", i,
			    ((unsigned char *)v1)[i]);

	assert_int_equal(f->b->ops->dma_alloc(f->b, 4097, &v2, &a2), 0);
	assert_int_equal(fake_xrt.log[n + 3].a, 8192);
	assert_int_equal(fake_xrt.log[n + 3].b, XRT_BO_FLAGS_HOST_ONLY);
	bo2 = fake_xrt.log[n + 3].handle;
	assert_int_equal(f->b->ops->dma_alloc(f->b, 65536, &v3, &a3), 0);
	assert_int_equal(fake_xrt.log[n + 6].a, 65536);
	bo3 = fake_xrt.log[n + 6].handle;
	assert_true(a1 != a2 && a2 != a3);

	/* refused before XRT */
	k = fake_xrt.n;
	assert_int_equal(f->b->ops->dma_alloc(f->b, 0, &v1, &a1), -EINVAL);
	assert_int_equal(f->b->ops->dma_alloc(f->b, SIZE_MAX, &v1, &a1),
	    -EINVAL);
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, NULL, &a1), -EINVAL);
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v1, NULL), -EINVAL);
	/* not ours, or longer than given: said, nothing freed */
	f->b->ops->dma_free(f->b, &k, 64);
	assert_contains(f->b->err, "dma_free of memory dma_alloc did not give");
	f->b->ops->dma_free(f->b, v2, 8193);
	assert_contains(f->b->err, "dma_free of memory dma_alloc did not give");
	assert_int_equal(fake_xrt.n, k);

	/* freeing one frees its buffer object, no other */
	f->b->ops->dma_free(f->b, v2, 4097);
	assert_int_equal(fake_xrt.n, k + 1);
	assert_int_equal(fake_xrt.log[k].call, FX_BO_FREE);
	assert_ptr_equal(fake_xrt.log[k].handle, bo2);
	assert_int_equal(fake_xrt.bos, 2);

	/* close: the buffers, then the context, then the device */
	f->b->ops->close(f->b);
	f->b = NULL;
	{
		static const enum fx_call seq[] = {
			FX_BO_FREE, FX_BO_FREE, FX_CLOSE_CTX,
			FX_DEVICE_CLOSE,
		};
		const void *a = fake_xrt.log[k + 1].handle;
		const void *b = fake_xrt.log[k + 2].handle;

		assert_calls(k + 1, seq, 4);
		assert_true((a == bo1 && b == bo3) || (a == bo3 && b == bo1));
	}
}

/* Argument 0 in device memory (bank0): the card would write its events
 * where the host never sees them. Refused before any register access. */
static void
test_bank_not_host(void **state)
{
	struct fixture *f = *state;
	struct xclbin_facts x;

	facts("bank0.xclbin", &x);
	assert_string_equal(x.arg0_mem_tag, "bank0");
	assert_int_equal(open_xclbin(f, 0, "bank0.xclbin"), -EPROTO);
	assert_null(f->b);
	assert_contains(f->err, "xrt:0: the xclbin connects the event ring "
	    "(m_axi_ev) to bank0, not to host memory");
	assert_contains(f->err, "sp=spisync_1.m_axi_ev:HOST[0]");
	assert_int_equal(fake_xrt_find(FX_OPEN_CTX, 0), -1);
	assert_int_equal(fake_xrt_find(FX_READ_REG, 0), -1);
	assert_int_equal(fake_xrt.log[fake_xrt.n - 1].call, FX_DEVICE_CLOSE);
}

/* No path: the xclbin on the card, found by its UUID. */
static void
test_open_loaded(void **state)
{
	struct fixture *f = *state;
	static const enum fx_call none_seq[] = {
		FX_DEVICE_OPEN, FX_GET_UUID, FX_DEVICE_CLOSE,
	};
	char path[PATH_MAX];
	struct xclbin_facts x;

	facts("spisync.xclbin", &x);
	snprintf(path, sizeof(path), "%s/spisync.xclbin", xclbin_dir);
	fake_xrt.preloaded = path;
	if (open_xclbin(f, 2, NULL) != 0)
		fail_msg("open: %s", f->err);
	assert_int_equal(fake_xrt.log[0].call, FX_DEVICE_OPEN);
	assert_int_equal(fake_xrt.log[0].a, 2);
	assert_int_equal(fake_xrt.log[1].call, FX_GET_UUID);
	assert_int_equal(assert_kernel_checked(2, &x), fake_xrt.n);
	f->b->ops->close(f->b);
	f->b = NULL;
	{
		static const enum fx_call close_seq[] = {
			FX_CLOSE_CTX, FX_DEVICE_CLOSE,
		};

		assert_calls(fake_xrt.n - 2, close_seq, 2);
	}

	/* nothing on the card */
	fake_xrt_reset();
	assert_int_equal(open_xclbin(f, 2, NULL), -ENOENT);
	assert_null(f->b);
	assert_contains(f->err, "xrt:2: no xclbin is loaded on device 2 "
	    "(give one: xrt:2:/path/card.xclbin)");
	assert_calls(0, none_seq, 3);
}

/* ---- xclbins that are not the card's ------------------------------------------ */

static void
test_other_kernel(void **state)
{
	struct fixture *f = *state;
	struct xclbin_facts x;

	facts("other-kernel.xclbin", &x);
	assert_string_equal(x.kernel, "spisync_v2");
	assert_int_equal(open_xclbin(f, 0, "other-kernel.xclbin"), -ENODEV);
	assert_null(f->b);
	assert_contains(f->err, "xrt:0: the xclbin on device 0 has 0 compute "
	    "units of kernel \"spisync\"; this driver drives exactly one");
	assert_int_equal(fake_xrt_find(FX_OPEN_CTX, 0), -1);
	assert_int_equal(fake_xrt_find(FX_READ_REG, 0), -1);
	assert_int_equal(fake_xrt.log[fake_xrt.n - 1].call, FX_DEVICE_CLOSE);
}

/* A kernel of that name with ap_ctrl_hs: XRT would start and stop it;
 * not the card's free-running kernel. */
static void
test_control_protocol(void **state)
{
	struct fixture *f = *state;
	struct xclbin_facts x;

	facts("hs.xclbin", &x);
	assert_int_equal(x.cu_control, 0);
	assert_int_equal(open_xclbin(f, 0, "hs.xclbin"), -EPROTO);
	assert_null(f->b);
	assert_contains(f->err, "compute unit spisync:spisync_1 has control "
	    "protocol 0, not ap_ctrl_none (2)");
	assert_int_equal(fake_xrt_find(FX_OPEN_CTX, 0), -1);
	assert_int_equal(fake_xrt.log[fake_xrt.n - 1].call, FX_DEVICE_CLOSE);
}

static void
test_not_xml(void **state)
{
	struct fixture *f = *state;

	/* the container is sound (the driver's check passes it), XRT's
	 * parser refuses the metadata */
	assert_true(open_xclbin(f, 0, "corrupt-xml.xclbin") < 0);
	assert_null(f->b);
	assert_true(fake_xrt.xrt_said[0] != '\0');
	assert_contains(f->err, "xrt:0: XRT cannot load ");
	assert_contains(f->err, "corrupt-xml.xclbin on device 0: ");
	assert_int_equal(fake_xrt_find(FX_TO_XCL, 0), -1);
}

static void
test_no_bank(void **state)
{
	struct fixture *f = *state;
	struct xclbin_facts x;

	facts("noconn.xclbin", &x);
	assert_int_equal(x.arg0_mems, 0);
	assert_int_equal(open_xclbin(f, 0, "noconn.xclbin"), -ENODEV);
	assert_null(f->b);
	assert_contains(f->err, "xrt:0: kernel \"spisync\" argument 0 (the "
	    "event ring, m_axi_ev) has no memory bank in the xclbin");
	assert_contains(f->err, "sp=spisync_1.m_axi_ev:HOST[0]");
	assert_int_equal(fake_xrt_find(FX_OPEN_CTX, 0), -1);
	assert_int_equal(fake_xrt_find(FX_READ_REG, 0), -1);
}

/* ---- every XRT call failing in turn ------------------------------------------- */

static void
test_open_failures(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum fx_call call;
		bool path;          /* with an xclbin path */
		bool shim;          /* its error number is its return value */
		const char *says;
		int rc;             /* with errno 0 (C API) or EIO (shim) */
	} cases[] = {
		{ FX_DEVICE_OPEN, true, false, "XRT cannot open device 0: ",
		    -ENODEV },
		{ FX_LOAD_FILE, true, false, "XRT cannot load ", -EIO },
		{ FX_GET_UUID, true, false, "no xclbin is loaded on device "
		    "0: ", -ENOENT },
		{ FX_GET_UUID, false, false, "no xclbin is loaded on device "
		    "0: ", -ENOENT },
		{ FX_TO_XCL, true, false, "XRT gives no shim handle of device "
		    "0: ", -ENODEV },
		{ FX_SECTION, true, true, "XRT's driver shows no IP layout of "
		    "the xclbin on device 0", -ENODEV },
		{ FX_IP_INDEX, true, true, "XRT's driver has no index for "
		    "compute unit spisync:spisync_1: ", -EIO },
		{ FX_OPEN_CTX, true, true, "XRT refuses a shared context on "
		    "compute unit spisync:spisync_1 (index 0): ", -EIO },
		{ FX_READ_REG, true, true, "XRT refuses register reads of "
		    "compute unit spisync:spisync_1: ", -EIO },
		{ FX_READ_REG, false, true, "XRT refuses register reads of "
		    "compute unit spisync:spisync_1: ", -EIO },
	};
	char path[PATH_MAX];
	size_t i;
	int e, rc;

	snprintf(path, sizeof(path), "%s/spisync.xclbin", xclbin_dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (e = 0; e < 2; e++) {
			fake_xrt_reset();
			fake_xrt.preloaded = cases[i].path ? NULL : path;
			fake_xrt.fail = cases[i].call;
			fake_xrt.fail_errno = e ? EACCES : 0;
			rc = open_xclbin(f, 0, cases[i].path ?
			    "spisync.xclbin" : NULL);
			if (fake_xrt_find(cases[i].call, 0) < 0)
				fail_msg("%s never called",
				    fake_xrt_name(cases[i].call));
			assert_null(f->b);
			assert_contains(f->err, cases[i].says);
			/* the reason XRT gave, if it is said; the UUID and
			 * the IP layout are this driver's verdicts */
			if (cases[i].call == FX_SECTION)
				;
			else if (cases[i].shim)
				assert_contains(f->err, e ? "Permission denied"
				    : "Input/output error");
			else
				assert_contains(f->err, e ? "Permission denied"
				    : "XRT gave no reason here");
			if (e && cases[i].call != FX_GET_UUID &&
			    cases[i].call != FX_SECTION)
				assert_int_equal(rc, -EACCES);
			else
				assert_int_equal(rc, cases[i].rc);
			/* all closed, in order, nothing else after */
			assert_int_equal(fake_xrt.devices, 0);
			assert_int_equal(fake_xrt.contexts, 0);
			assert_int_equal(fake_xrt.bad_handles, 0);
			if (cases[i].call != FX_DEVICE_OPEN)
				assert_int_equal(fake_xrt.log[fake_xrt.n -
				    1].call, FX_DEVICE_CLOSE);
			if (cases[i].call == FX_READ_REG)
				assert_int_equal(fake_xrt.log[fake_xrt.n -
				    2].call, FX_CLOSE_CTX);
			else
				assert_int_equal(fake_xrt_find(FX_CLOSE_CTX,
				    0), -1);
		}
	}
}

static void
test_dma_failures(void **state)
{
	struct fixture *f = *state;
	void *v;
	uint64_t a;
	int n;

	assert_int_equal(open_xclbin(f, 0, "spisync.xclbin"), 0);

	fake_xrt.fail = FX_BO_ALLOC;
	fake_xrt.fail_errno = ENOMEM;
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v, &a), -ENOMEM);
	assert_contains(f->b->err, "XRT cannot allocate 4096 bytes of host "
	    "memory for the card: Cannot allocate memory");
	fake_xrt.fail_errno = 0;
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v, &a), -ENOMEM);
	assert_int_equal(fake_xrt.bos, 0);

	/* a buffer XRT gave but that cannot be used: freed again */
	fake_xrt.fail = FX_BO_MAP;
	n = fake_xrt.n;
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v, &a), -EIO);
	assert_contains(f->b->err, "XRT host buffer unusable");
	assert_int_equal(fake_xrt.log[fake_xrt.n - 1].call, FX_BO_FREE);
	assert_ptr_equal(fake_xrt.log[fake_xrt.n - 1].handle,
	    fake_xrt.log[n].handle);
	assert_int_equal(fake_xrt.bos, 0);

	fake_xrt.fail = FX_BO_ADDRESS;
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v, &a), -EIO);
	assert_int_equal(fake_xrt.bos, 0);
	fake_xrt.fail = FX_NONE;

	fake_xrt.bus_addr_set = true;
	fake_xrt.bus_addr = 0;
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v, &a), -EIO);
	fake_xrt.bus_addr = 0x4000000040ull;     /* not page aligned */
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v, &a), -EIO);
	assert_contains(f->b->err, "bus address 0x4000000040: need both "
	    "4096-byte aligned");
	fake_xrt.bus_addr_set = false;
	fake_xrt.map_offset = 64;                /* mapped off a page */
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v, &a), -EIO);
	assert_int_equal(fake_xrt.bos, 0);
	fake_xrt.map_offset = 0;

	/* and the backend still works */
	assert_int_equal(f->b->ops->dma_alloc(f->b, 64, &v, &a), 0);
	assert_int_equal(fake_xrt.bos, 1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		/* first: it sees the once-per-process ini setting */
		cmocka_unit_test_setup_teardown(test_open_with_xclbin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_registers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bank_not_host, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_loaded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_kernel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_control_protocol, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_bank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dma_failures, setup,
		    teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s XCLBIN_DIR (tests/alveo/mkxclbin.py's "
		    "xclbins)\n", argv[0]);
		return 2;
	}
	xclbin_dir = argv[1];
	return cmocka_run_group_tests_name("xrt: backend, fake XRT", tests,
	    NULL, NULL);
}
