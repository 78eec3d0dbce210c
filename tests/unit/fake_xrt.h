/*
 * spisync -- a fake of the few XRT calls driver/backend_xrt.c makes, for
 * tests/unit/test_backend_xrt_fake.c: the C API of libxrt_coreutil
 * (devices, xclbin load, buffers) and the shim calls of libxrt_core the
 * backend looks up by name (sections, compute unit index, context,
 * registers). The test program defines them: the xrt* ones take the place
 * of libxrt_coreutil's at link time (the executable comes first), the
 * xcl* ones are found by the backend's dlsym() because the program is
 * linked with -rdynamic. It records every call with its arguments (sizes,
 * flags, banks, register offsets, names, order) and counts what is open.
 *
 * What the fake is the oracle of: call sequences only. What the xclbin
 * says, the fake takes from the xclbin the driver loads: its sections
 * (IP_LAYOUT, CONNECTIVITY, MEM_TOPOLOGY) entry by entry, as XRT's driver
 * publishes them in sysfs for xclGetSectionInfo, and its UUID and control
 * range from XRT's own parser (tests/alveo/xclbin_facts.h on
 * libxrt_coreutil's xrt::xclbin): an xclbin XRT cannot parse fails the
 * load. The tests take their expectations (compute unit name, memory
 * bank, control protocol) from XRT's parser too. What the fake cannot
 * know is how a real card and its driver answer; its errno values on
 * refusal are its own.
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
	FX_TO_XCL,
	FX_SECTION,
	FX_IP_INDEX,
	FX_OPEN_CTX,
	FX_READ_REG,
	FX_WRITE_REG,
	FX_BO_ALLOC,
	FX_BO_MAP,
	FX_BO_ADDRESS,
	FX_BO_FREE,
	FX_CLOSE_CTX,
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
	unsigned cu_index_base;     /* the driver's first compute unit index */
	size_t map_offset;          /* added to what xrtBOMap returns */
	bool bus_addr_set;          /* xrtBOAddress returns bus_addr */
	uint64_t bus_addr;
	/* seen */
	struct fx_event log[FX_LOG_MAX];
	int n;
	int devices, contexts, bos; /* open now */
	bool loaded;                /* an xclbin is on the fake card */
	char loaded_path[4096];     /* which: its sections are served */
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
