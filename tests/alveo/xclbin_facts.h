/*
 * spisync -- what XRT's own xclbin parser (libxrt_coreutil 2.13,
 * xrt::xclbin) reads from an xclbin: the oracle of the xrt: backend tests
 * for everything the xclbin carries. XRT's C API (xrt_xclbin.h) gives only
 * counts and the UUID; the kernel's arguments, their offsets, ports and
 * memory banks are in its C++ API alone, so this is C++ behind a C API
 * (xclbin_facts.cpp), as sim/ does for Verilator.
 */
#ifndef SPISYNC_XCLBIN_FACTS_H
#define SPISYNC_XCLBIN_FACTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XCLBIN_FACTS_NAME 64

struct xclbin_facts {
	unsigned char uuid[16];
	char xsa[128];
	size_t kernels;                     /* kernels in the xclbin */
	char kernel[XCLBIN_FACTS_NAME];     /* the first one's name */
	size_t cus;                         /* its compute units */
	char cu[XCLBIN_FACTS_NAME];         /* the first one's name */
	uint64_t cu_base;
	size_t cu_size;                     /* its control range, bytes */
	int cu_control;                     /* 0 ap_ctrl_hs, 1 chain, 2 none */
	size_t args;                        /* the kernel's arguments */
	/* argument 0 as the compute unit sees it */
	char arg0_name[XCLBIN_FACTS_NAME];
	char arg0_port[XCLBIN_FACTS_NAME];
	char arg0_host_type[XCLBIN_FACTS_NAME];
	uint64_t arg0_offset;
	uint64_t arg0_size;
	size_t arg0_index;
	size_t arg0_mems;                   /* memory banks it connects to */
	char arg0_mem_tag[XCLBIN_FACTS_NAME];
	int arg0_mem_index;                 /* MEM_TOPOLOGY index: XRT's group */
	size_t mems;                        /* MEM_TOPOLOGY entries */
};

/* 0, or -1 with XRT's reason in err. */
int xclbin_facts_read(const char *path, struct xclbin_facts *f, char *err,
    size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
