/*
 * spisync -- fake_xrt.h: the XRT C API calls of driver/backend_xrt.c,
 * recorded. Signatures as XRT 2.13's headers declare them.
 */
#include "fake_xrt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>
#include <experimental/xrt_ini.h>

struct fake_xrt fake_xrt;
int fake_xrt_ini_sets;

static int device_token, kernel_token;

struct fake_bo {
	unsigned char *mem;
	size_t size;
	uint64_t addr;
};

static uint64_t next_bus = 0x4000000000ull;

static const char *const names[] = {
	[FX_INI_SET] = "xrtIniStringSet",
	[FX_DEVICE_OPEN] = "xrtDeviceOpen",
	[FX_LOAD_FILE] = "xrtDeviceLoadXclbinFile",
	[FX_GET_UUID] = "xrtDeviceGetXclbinUUID",
	[FX_LOAD_UUID] = "xrtDeviceLoadXclbinUUID",
	[FX_KERNEL_OPEN] = "xrtPLKernelOpen",
	[FX_ARG_OFFSET] = "xrtKernelArgOffset",
	[FX_ARG_GROUP] = "xrtKernelArgGroupId",
	[FX_READ_REG] = "xrtKernelReadRegister",
	[FX_WRITE_REG] = "xrtKernelWriteRegister",
	[FX_BO_ALLOC] = "xrtBOAlloc",
	[FX_BO_MAP] = "xrtBOMap",
	[FX_BO_ADDRESS] = "xrtBOAddress",
	[FX_BO_FREE] = "xrtBOFree",
	[FX_KERNEL_CLOSE] = "xrtKernelClose",
	[FX_DEVICE_CLOSE] = "xrtDeviceClose",
	[FX_NONE] = "none",
};

const char *
fake_xrt_name(enum fx_call call)
{
	return names[call];
}

void
fake_xrt_reset(void)
{
	memset(&fake_xrt, 0, sizeof(fake_xrt));
	fake_xrt.fail = FX_NONE;
}

int
fake_xrt_find(enum fx_call call, int from)
{
	int i;

	for (i = from < 0 ? 0 : from; i < fake_xrt.n; i++)
		if (fake_xrt.log[i].call == call)
			return i;
	return -1;
}

/* Log the call; true when the test wants it to fail (errno set). */
static bool
called(enum fx_call call, const void *handle, uint64_t a, uint64_t b,
    uint64_t c, const char *s)
{
	struct fx_event *ev;

	if (fake_xrt.n < FX_LOG_MAX) {
		ev = &fake_xrt.log[fake_xrt.n++];
		ev->call = call;
		ev->handle = handle;
		ev->a = a;
		ev->b = b;
		ev->c = c;
		snprintf(ev->s, sizeof(ev->s), "%s", s != NULL ? s : "");
	}
	if (fake_xrt.fail == call) {
		errno = fake_xrt.fail_errno;
		return true;
	}
	return false;
}

static bool
is_device(xrtDeviceHandle d)
{
	if (d == &device_token && fake_xrt.devices > 0)
		return true;
	fake_xrt.bad_handles++;
	return false;
}

static bool
is_kernel(xrtKernelHandle k)
{
	if (k == &kernel_token && fake_xrt.kernels > 0)
		return true;
	fake_xrt.bad_handles++;
	return false;
}

/* The xclbin "on the card": XRT's parser reads it. */
static int
load(const char *path)
{
	if (xclbin_facts_read(path, &fake_xrt.facts, fake_xrt.xrt_said,
	    sizeof(fake_xrt.xrt_said)) != 0) {
		fake_xrt.loaded = false;
		errno = EINVAL;
		return -1;
	}
	fake_xrt.loaded = true;
	return 0;
}

int
xrtIniStringSet(const char *key, const char *value)
{
	fake_xrt_ini_sets++;
	if (called(FX_INI_SET, NULL, 0, 0, 0, key))
		return -1;
	snprintf(fake_xrt.log[fake_xrt.n - 1].s, sizeof(fake_xrt.log[0].s),
	    "%s=%s", key, value);
	return 0;
}

xrtDeviceHandle
xrtDeviceOpen(unsigned int index)
{
	if (called(FX_DEVICE_OPEN, NULL, index, 0, 0, NULL))
		return NULL;
	fake_xrt.devices++;
	fake_xrt.loaded = false;
	if (fake_xrt.preloaded != NULL && load(fake_xrt.preloaded) != 0)
		fake_xrt.loaded = false;
	return &device_token;
}

int
xrtDeviceClose(xrtDeviceHandle dhdl)
{
	(void)called(FX_DEVICE_CLOSE, dhdl, 0, 0, 0, NULL);
	if (is_device(dhdl))
		fake_xrt.devices--;
	return 0;
}

int
xrtDeviceLoadXclbinFile(xrtDeviceHandle dhdl, const char *xclbin_fnm)
{
	if (called(FX_LOAD_FILE, dhdl, 0, 0, 0, xclbin_fnm) ||
	    !is_device(dhdl))
		return -1;
	return load(xclbin_fnm);
}

int
xrtDeviceGetXclbinUUID(xrtDeviceHandle dhdl, xuid_t out)
{
	if (called(FX_GET_UUID, dhdl, 0, 0, 0, NULL) || !is_device(dhdl))
		return -1;
	memset(out, 0, sizeof(xuid_t));
	if (fake_xrt.loaded)
		memcpy(out, fake_xrt.facts.uuid, sizeof(xuid_t));
	return 0;
}

int
xrtDeviceLoadXclbinUUID(xrtDeviceHandle dhdl, const xuid_t uuid)
{
	if (called(FX_LOAD_UUID, dhdl, 0, 0, 0, NULL) || !is_device(dhdl))
		return -1;
	if (!fake_xrt.loaded ||
	    memcmp(uuid, fake_xrt.facts.uuid, sizeof(xuid_t)) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

xrtKernelHandle
xrtPLKernelOpen(xrtDeviceHandle dhdl, const xuid_t xclbinId, const char *name)
{
	if (called(FX_KERNEL_OPEN, dhdl, 0, 0, 0, name) || !is_device(dhdl))
		return NULL;
	if (!fake_xrt.loaded ||
	    memcmp(xclbinId, fake_xrt.facts.uuid, sizeof(xuid_t)) != 0 ||
	    strcmp(name, fake_xrt.facts.kernel) != 0 ||
	    fake_xrt.facts.cus != 1) {
		errno = ENOENT;
		return NULL;
	}
	if (fake_xrt.ap_ctrl_none_refused && fake_xrt.facts.cu_control == 2) {
		errno = ENOTSUP;
		return NULL;
	}
	fake_xrt.kernels++;
	return &kernel_token;
}

int
xrtKernelClose(xrtKernelHandle kernelHandle)
{
	(void)called(FX_KERNEL_CLOSE, kernelHandle, 0, 0, 0, NULL);
	if (is_kernel(kernelHandle))
		fake_xrt.kernels--;
	return 0;
}

uint32_t
xrtKernelArgOffset(xrtKernelHandle khdl, int argno)
{
	if (called(FX_ARG_OFFSET, khdl, (uint64_t)argno, 0, 0, NULL) ||
	    !is_kernel(khdl))
		return UINT32_MAX;
	if (argno != 0 || fake_xrt.facts.args == 0) {
		errno = EINVAL;
		return UINT32_MAX;
	}
	return (uint32_t)fake_xrt.facts.arg0_offset;
}

int
xrtKernelArgGroupId(xrtKernelHandle kernelHandle, int argno)
{
	if (called(FX_ARG_GROUP, kernelHandle, (uint64_t)argno, 0, 0, NULL) ||
	    !is_kernel(kernelHandle))
		return -1;
	if (argno != 0 || fake_xrt.facts.arg0_mems == 0) {
		errno = EINVAL;
		return -1;
	}
	return fake_xrt.facts.arg0_mem_index;
}

int
xrtKernelReadRegister(xrtKernelHandle kernelHandle, uint32_t offset,
    uint32_t *datap)
{
	if (called(FX_READ_REG, kernelHandle, offset, 0, 0, NULL) ||
	    !is_kernel(kernelHandle))
		return -1;
	if (offset % 4 != 0 || offset >= fake_xrt.facts.cu_size ||
	    offset / 4 >= FX_REGS) {
		errno = EINVAL;
		return -1;
	}
	*datap = fake_xrt.regs[offset / 4];
	return 0;
}

int
xrtKernelWriteRegister(xrtKernelHandle kernelHandle, uint32_t offset,
    uint32_t data)
{
	if (called(FX_WRITE_REG, kernelHandle, offset, data, 0, NULL) ||
	    !is_kernel(kernelHandle))
		return -1;
	if (offset % 4 != 0 || offset >= fake_xrt.facts.cu_size ||
	    offset / 4 >= FX_REGS) {
		errno = EINVAL;
		return -1;
	}
	fake_xrt.regs[offset / 4] = data;
	return 0;
}

xrtBufferHandle
xrtBOAlloc(xrtDeviceHandle dhdl, size_t size, xrtBufferFlags flags,
    xrtMemoryGroup grp)
{
	struct fake_bo *bo;

	if (called(FX_BO_ALLOC, dhdl, size, flags, grp, NULL) ||
	    !is_device(dhdl))
		return NULL;
	bo = calloc(1, sizeof(*bo));
	if (bo == NULL)
		return NULL;
	/* one page more, so a test can map it misaligned */
	bo->mem = aligned_alloc(4096, size + 4096);
	if (bo->mem == NULL) {
		free(bo);
		return NULL;
	}
	memset(bo->mem, 0xa5, size + 4096);   /* the driver must clear it */
	bo->size = size;
	bo->addr = next_bus;
	next_bus += (size + 0xfffff) & ~(uint64_t)0xfffff;
	fake_xrt.bos++;
	fake_xrt.log[fake_xrt.n - 1].handle = bo;
	return bo;
}

void *
xrtBOMap(xrtBufferHandle bhdl)
{
	struct fake_bo *bo = bhdl;

	if (called(FX_BO_MAP, bhdl, 0, 0, 0, NULL))
		return NULL;
	return bo->mem + fake_xrt.map_offset;
}

uint64_t
xrtBOAddress(xrtBufferHandle bhdl)
{
	struct fake_bo *bo = bhdl;

	if (called(FX_BO_ADDRESS, bhdl, 0, 0, 0, NULL))
		return UINT64_MAX;
	return fake_xrt.bus_addr_set ? fake_xrt.bus_addr : bo->addr;
}

int
xrtBOFree(xrtBufferHandle bhdl)
{
	struct fake_bo *bo = bhdl;

	(void)called(FX_BO_FREE, bhdl, 0, 0, 0, NULL);
	if (bo == NULL) {
		fake_xrt.bad_handles++;
		return -1;
	}
	free(bo->mem);
	free(bo);
	fake_xrt.bos--;
	return 0;
}
