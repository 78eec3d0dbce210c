/*
 * spisync -- a fake of the few XRT C API calls driver/backend_xrt.c makes,
 * for tests/unit/test_backend_xrt_fake.c: the test program defines them,
 * so they take the place of libxrt_coreutil's (the executable comes first
 * in symbol lookup). It records every call with its arguments (sizes,
 * flags, banks, register offsets, names, order) and counts what is open.
 *
 * What the fake is the oracle of: call sequences only. Everything the
 * xclbin says (kernel name, UUID, argument offset, memory bank, control
 * range) the fake takes from XRT's own parser (tests/alveo/xclbin_facts.h
 * on libxrt_coreutil's xrt::xclbin) reading the xclbin the driver loads:
 * an xclbin XRT cannot parse fails the load, a kernel name the xclbin does
 * not have fails the kernel open. What the fake cannot know is how a real
 * card and its driver answer; its errno values on refusal are its own.
 *
 * One refusal of the real XRT 2.13 the fake does not make by default:
 * xrt::kernel, under xrtPLKernelOpen, throws ENOTSUP "AP_CTRL_NONE is only
 * supported by XRT native API xrt::ip" for an ap_ctrl_none compute unit
 * (the string is in Debian's libxrt_coreutil.so.2.13.0; XRT pull request
 * 5620). The card's kernel is ap_ctrl_none, so on a real card this open
 * fails there. `ap_ctrl_none_refused` makes the fake do the same, for the
 * test of that error path; the other tests run with it off, to reach the
 * code after the kernel open.
 */
#ifndef SPISYNC_FAKE_XRT_H
#define SPISYNC_FAKE_XRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xclbin_facts.h"

enum fx_call {
	FX_INI_SET,
	FX_DEVICE_OPEN,
	FX_LOAD_FILE,
	FX_GET_UUID,
	FX_LOAD_UUID,
	FX_KERNEL_OPEN,
	FX_ARG_OFFSET,
	FX_ARG_GROUP,
	FX_READ_REG,
	FX_WRITE_REG,
	FX_BO_ALLOC,
	FX_BO_MAP,
	FX_BO_ADDRESS,
	FX_BO_FREE,
	FX_KERNEL_CLOSE,
	FX_DEVICE_CLOSE,
	FX_NONE,
};

struct fx_event {
	enum fx_call call;
	uint64_t a, b, c;       /* the call's numbers, in argument order */
	const void *handle;     /* the handle it was given or returned */
	char s[256];            /* its string argument */
};

#define FX_LOG_MAX 64
#define FX_REGS (0x10000 / 4)

struct fake_xrt {
	/* set by the test */
	enum fx_call fail;          /* this call fails (FX_NONE: none) */
	int fail_errno;             /* with this errno (0: XRT gave none) */
	const char *preloaded;      /* the xclbin "on the card" at open */
	bool ap_ctrl_none_refused;  /* as XRT 2.13's xrtPLKernelOpen */
	size_t map_offset;          /* added to what xrtBOMap returns */
	bool bus_addr_set;          /* xrtBOAddress returns bus_addr */
	uint64_t bus_addr;
	/* seen */
	struct fx_event log[FX_LOG_MAX];
	int n;
	int devices, kernels, bos;  /* open now */
	bool loaded;                /* an xclbin is on the fake card */
	struct xclbin_facts facts;  /* XRT's reading of it */
	char xrt_said[256];         /* XRT's parser's refusal */
	uint32_t regs[FX_REGS];
	int bad_handles;            /* calls with a handle the fake never gave */
};

extern struct fake_xrt fake_xrt;
/* ini settings, counted over the whole process (the driver sets its
 * option once per process) */
extern int fake_xrt_ini_sets;

void fake_xrt_reset(void);
/* the index of the first event of that call from index `from`, or -1 */
int fake_xrt_find(enum fx_call call, int from);
const char *fake_xrt_name(enum fx_call call);

#endif
