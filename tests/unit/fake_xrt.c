/*
 * spisync -- fake_xrt.h: the XRT calls of driver/backend_xrt.c, recorded.
 * Signatures as XRT 2.13's headers declare them.
 */
#include "fake_xrt.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xrt.h>
#include <experimental/xrt-next.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <experimental/xrt_ini.h>

struct fake_xrt fake_xrt;
int fake_xrt_ini_sets;

static int device_token, shim_token;

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
	[FX_TO_XCL] = "xrtDeviceToXclDevice",
	[FX_SECTION] = "xclGetSectionInfo",
	[FX_IP_INDEX] = "xclIPName2Index",
	[FX_OPEN_CTX] = "xclOpenContext",
	[FX_READ_REG] = "xclRegRead",
	[FX_WRITE_REG] = "xclRegWrite",
	[FX_BO_ALLOC] = "xrtBOAlloc",
	[FX_BO_MAP] = "xrtBOMap",
	[FX_BO_ADDRESS] = "xrtBOAddress",
	[FX_BO_FREE] = "xrtBOFree",
	[FX_CLOSE_CTX] = "xclCloseContext",
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

/* a shim call the test fails: its error number, as the shim returns it */
static int
refused(void)
{
	return -(errno != 0 ? errno : EIO);
}

static bool
is_shim(xclDeviceHandle h)
{
	if (h == &shim_token && fake_xrt.devices > 0)
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
	snprintf(fake_xrt.loaded_path, sizeof(fake_xrt.loaded_path), "%s",
	    path);
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

xclDeviceHandle
xrtDeviceToXclDevice(xrtDeviceHandle dhdl)
{
	if (called(FX_TO_XCL, dhdl, 0, 0, 0, NULL) || !is_device(dhdl))
		return NULL;
	return &shim_token;
}

/*
 * Entry `index` of section `kind` of the loaded xclbin, as XRT's driver
 * publishes it in sysfs and XRT 2.13's shim copies it out: one struct
 * ip_data, connection or mem_data; -EINVAL past the last (the shim's
 * answer) or for a section the xclbin does not have.
 */
static int
section_entry(enum axlf_section_kind kind, int index, void *out,
    size_t *size)
{
	static unsigned char buf[1 << 16];
	const struct axlf *top = (const struct axlf *)buf;
	size_t len, entry, first, i;
	int32_t count;
	FILE *fp;

	switch (kind) {
	case IP_LAYOUT:
		entry = sizeof(struct ip_data);
		first = offsetof(struct ip_layout, m_ip_data);
		break;
	case CONNECTIVITY:
		entry = sizeof(struct connection);
		first = offsetof(struct connectivity, m_connection);
		break;
	case MEM_TOPOLOGY:
		entry = sizeof(struct mem_data);
		first = offsetof(struct mem_topology, m_mem_data);
		break;
	default:
		return -EINVAL;
	}
	fp = fopen(fake_xrt.loaded_path, "rb");
	if (fp == NULL)
		return -EINVAL;
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	/* the test's xclbins are small and were parsed by XRT at load */
	if (len < sizeof(*top) || len == sizeof(buf))
		return -EINVAL;
	for (i = 0; i < top->m_header.m_numSections; i++) {
		const struct axlf_section_header *sh = &top->m_sections[i];

		if (sh->m_sectionKind != (uint32_t)kind)
			continue;
		if (sh->m_sectionOffset + sizeof(count) > len)
			return -EINVAL;
		memcpy(&count, buf + sh->m_sectionOffset, sizeof(count));
		if (index < 0 || index >= count ||
		    sh->m_sectionOffset + first + (size_t)(index + 1) * entry >
		    len)
			return -EINVAL;
		memcpy(out, buf + sh->m_sectionOffset + first +
		    (size_t)index * entry, entry);
		*size = entry;
		return 0;
	}
	return -EINVAL;
}

int
xclGetSectionInfo(xclDeviceHandle handle, void *info, size_t *size,
    enum axlf_section_kind kind, int index)
{
	if (called(FX_SECTION, handle, (uint64_t)kind, (uint64_t)index, 0,
	    NULL))
		return refused();
	if (!is_shim(handle) || !fake_xrt.loaded || info == NULL ||
	    size == NULL)
		return -EINVAL;
	return section_entry(kind, index, info, size);
}

/* The driver's index: cu_index_base + the compute unit's place among the
 * kernels of IP_LAYOUT, so a test can tell it from the IP_LAYOUT index. */
int
xclIPName2Index(xclDeviceHandle handle, const char *name)
{
	struct ip_data ip;
	size_t size;
	int i, n = 0;

	if (called(FX_IP_INDEX, handle, 0, 0, 0, name))
		return refused();
	if (!is_shim(handle))
		return -EINVAL;
	for (i = 0; section_entry(IP_LAYOUT, i, &ip, &size) == 0; i++) {
		if (ip.m_type != IP_KERNEL)
			continue;
		if (strncmp((const char *)ip.m_name, name,
		    sizeof(ip.m_name)) == 0)
			return (int)fake_xrt.cu_index_base + n;
		n++;
	}
	return -ENOENT;
}

static bool
cu_index_valid(unsigned idx)
{
	return idx >= fake_xrt.cu_index_base &&
	    idx < fake_xrt.cu_index_base + fake_xrt.facts.cus;
}

int
xclOpenContext(xclDeviceHandle handle, const xuid_t xclbinId,
    unsigned int ipIndex, bool shared)
{
	if (called(FX_OPEN_CTX, handle, ipIndex, shared, 0, NULL))
		return refused();
	if (!is_shim(handle))
		return -EINVAL;
	if (!fake_xrt.loaded ||
	    memcmp(xclbinId, fake_xrt.facts.uuid, sizeof(xuid_t)) != 0 ||
	    !cu_index_valid(ipIndex))
		return -EINVAL;
	fake_xrt.contexts++;
	return 0;
}

int
xclCloseContext(xclDeviceHandle handle, const xuid_t xclbinId,
    unsigned int ipIndex)
{
	(void)called(FX_CLOSE_CTX, handle, ipIndex, 0, 0, NULL);
	if (!is_shim(handle))
		return -EINVAL;
	if (fake_xrt.contexts == 0 || !cu_index_valid(ipIndex) ||
	    memcmp(xclbinId, fake_xrt.facts.uuid, sizeof(xuid_t)) != 0) {
		fake_xrt.bad_handles++;
		return -EINVAL;
	}
	fake_xrt.contexts--;
	return 0;
}

/* a register of the compute unit in a context, within its range */
static int
reg_check(xclDeviceHandle handle, uint32_t ipIndex, uint32_t offset)
{
	if (!is_shim(handle))
		return -EINVAL;
	if (fake_xrt.contexts == 0 || !cu_index_valid(ipIndex))
		return -EACCES;
	if (offset % 4 != 0 || offset >= fake_xrt.facts.cu_size ||
	    offset / 4 >= FX_REGS)
		return -EINVAL;
	return 0;
}

int
xclRegRead(xclDeviceHandle handle, uint32_t ipIndex, uint32_t offset,
    uint32_t *datap)
{
	int rc;

	if (called(FX_READ_REG, handle, offset, ipIndex, 0, NULL))
		return refused();
	if ((rc = reg_check(handle, ipIndex, offset)) != 0)
		return rc;
	*datap = fake_xrt.regs[offset / 4];
	return 0;
}

int
xclRegWrite(xclDeviceHandle handle, uint32_t ipIndex, uint32_t offset,
    uint32_t data)
{
	int rc;

	if (called(FX_WRITE_REG, handle, offset, data, ipIndex, NULL))
		return refused();
	if ((rc = reg_check(handle, ipIndex, offset)) != 0)
		return rc;
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
