/*
 * libspisync -- the xrt: backend: an Alveo card through the XRT C API
 * (Debian's libxrt-dev 2.13). Internal to the library (contract:
 * backend.h).
 *
 * Device string: "N" or "N:/path/card.xclbin". N is XRT's device index
 * (`xbutil examine` lists them): decimal, 0-65535, no sign, no leading
 * zero. With a path, that xclbin is loaded; without one, the xclbin
 * already on the card is used.
 *
 * The kernel: SPISYNC_XRT_KERNEL below is the Vitis kernel name of the
 * card in the xclbin (kernel.xml of the Alveo packaging); exactly one
 * compute unit of it, ap_ctrl_none (it runs free: nothing starts it). Its
 * s_axi_control port is the card's 64 KiB register space (spisync_hw.h
 * offsets).
 *
 * Register access: XRT 2.13's C kernel API (xrtPLKernelOpen, xrt::kernel)
 * refuses ap_ctrl_none compute units (ENOTSUP, "AP_CTRL_NONE is only
 * supported by XRT native API xrt::ip"), and xrt::ip is C++ only. So this
 * backend makes the calls xrt::ip makes, through XRT's shim C API
 * (xrt.h, experimental/xrt-next.h): xclIPName2Index for the driver's
 * index of the compute unit, xclOpenContext on it, xclRegRead and
 * xclRegWrite at offsets in its register space, xclCloseContext at close.
 * The shim is reached through xrtDeviceToXclDevice; its functions are
 * looked up by name (xrt_find_shim() says why).
 *
 * Shared access: several processes may open one card (spisync.h), so the
 * context is shared. XRT allows register access to a compute unit in a
 * shared context only with its xrt.ini option Runtime.rw_shared=true,
 * which open sets through xrtIniStringSet before XRT reads it (the setting
 * is per process; if the host program used XRT before and XRT already
 * read it, the setting fails and the register check at open reports it).
 * The XRT driver takes the same option when the xclbin is loaded: load it
 * with "xrt:N:/path/card.xclbin", or with Runtime.rw_shared=true in the
 * xrt.ini of whatever tool loads it.
 *
 * DMA: host-only buffers (xrtBOAlloc XRT_BO_FLAGS_HOST_ONLY) in the memory
 * bank the xclbin connects to argument SPISYNC_XRT_RING_ARG of the compute
 * unit, the pointer argument that kernel.xml associates with the m_axi_ev
 * port (connected to HOST[0] at link time, sp=spisync_1.m_axi_ev:HOST[0]):
 * the card writes the event ring straight into host memory. x86 PCIe DMA
 * is cache-coherent: no xrtBOSync is needed between the card's writes and
 * the host's reads.
 *
 * What open checks in the xclbin, as XRT's driver publishes it
 * (xclGetSectionInfo: IP_LAYOUT, CONNECTIVITY, MEM_TOPOLOGY), before the
 * first register access: exactly one compute unit of the kernel, with the
 * ap_ctrl_none protocol; its argument SPISYNC_XRT_RING_ARG connected to a
 * memory bank, and that bank host memory (a tag "HOST...", as XRT's driver
 * tells host memory). The register map itself is checked by the library's
 * open, on the card's ID and MAP_VERSION registers; the argument's
 * register offset is left to tools/check-alveo.py at build time (XRT's C
 * API gives it only through the kernel open refused above).
 *
 * XRT 2.13 kills the process (std::terminate, SIGABRT) when it cannot load
 * its core library ($XILINX_XRT/lib/libxrt_core.so.2, or the emulation
 * library XCL_EMULATION_MODE selects): its error path reports the failure
 * through a logger that loads the same library again, from a noexcept
 * function. Open checks for and loads that library itself first, so this
 * becomes an error message. Debian's libxrt1 installs it in
 * /usr/lib/x86_64-linux-gnu, where XRT does not look: point XILINX_XRT
 * at a directory whose lib/ holds a link to it.
 *
 * XRT writes its own diagnostics to stderr (its default Runtime.runtime_log
 * "console"), not to stdout, as seen with 2.13: on a failed device open,
 * once per process a banner (XRT version, build date, PID, UID, time,
 * host, executable), then "[XRT] ERROR: Could not open device with index
 * 'N'". This backend leaves XRT's logging as the host program or xrt.ini
 * configures it.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xrt.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <experimental/xrt_ini.h>

#include "backend.h"
#include "backend_lock.h"
#include "spisync_hw.h"

/* The Vitis kernel name of the card in the xclbin. */
#define SPISYNC_XRT_KERNEL "spisync"
/* The kernel argument (kernel.xml index) tied to the m_axi_ev port. */
#define SPISYNC_XRT_RING_ARG 0
/* IP_LAYOUT names a compute unit "kernel:instance" */
#define SPISYNC_XRT_CU_PREFIX SPISYNC_XRT_KERNEL ":"
/* Entries read from one xclbin section at most: XRT has at most 128
 * compute units, a few arguments each */
#define XRT_MAX_ENTRIES 4096
#define XRT_DMA_ALIGN 4096u
#define XRT_MAX_INDEX 65535u
/* The shim XRT 2.13 loads is lib<name>.so.<its major version> */
#define XRT_CORE_SO_MAJOR "2"
/* "xrt:" + 5 digits + NUL */
#define XRT_WHO_LEN 16

/*
 * XRT's shim calls (libxrt_core: xrt.h, experimental/xrt-next.h) looked up
 * by name: libspisync links only libxrt_coreutil, and the shim it must use
 * is the one XRT itself loaded (load_xrt_core() loaded it RTLD_GLOBAL from
 * $XILINX_XRT/lib; XRT's loader gets the same handle). RTLD_DEFAULT
 * searches the program first, so a test program can stand in for them.
 */
typedef int (*xcl_section_fn)(xclDeviceHandle, void *, size_t *,
    enum axlf_section_kind, int);
typedef int (*xcl_name2index_fn)(xclDeviceHandle, const char *);
typedef int (*xcl_open_context_fn)(xclDeviceHandle, const xuid_t,
    unsigned int, bool);
typedef int (*xcl_close_context_fn)(xclDeviceHandle, const xuid_t,
    unsigned int);
typedef int (*xcl_reg_read_fn)(xclDeviceHandle, uint32_t, uint32_t,
    uint32_t *);
typedef int (*xcl_reg_write_fn)(xclDeviceHandle, uint32_t, uint32_t,
    uint32_t);

struct xcl_shim {
	xcl_section_fn section;
	xcl_name2index_fn name2index;
	xcl_open_context_fn open_context;
	xcl_close_context_fn close_context;
	xcl_reg_read_fn reg_read;
	xcl_reg_write_fn reg_write;
};

struct xrt_dma {
	struct xrt_dma *next;
	xrtBufferHandle bo;
	void *vaddr;
	size_t len;               /* as allocated: whole pages */
};

struct xrt_backend {
	struct spisync_backend base;   /* first: the ops get &base */
	char who[XRT_WHO_LEN];         /* "xrt:0" */
	unsigned index;
	void *core_lib;                /* our reference to XRT's core library */
	xrtDeviceHandle dev;
	xclDeviceHandle xcl;           /* XRT's shim handle of dev */
	struct xcl_shim shim;
	xuid_t uuid;                   /* of the xclbin on the card */
	char cu[64];                   /* "spisync:spisync_1" */
	int cu_layout;                 /* its IP_LAYOUT index */
	unsigned cu_index;             /* the driver's index: context, regs */
	bool context;                  /* open on cu_index */
	int ring_group;                /* XRT's bank of the ring argument */
	struct spisync_lockfile lock;
	struct xrt_dma *dmas;
};

/* Runtime.rw_shared has been handed to XRT in this process */
static atomic_flag xrt_rw_shared_set = ATOMIC_FLAG_INIT;

static struct xrt_backend *
xrt_of(struct spisync_backend *b)
{
	return (struct xrt_backend *)b;
}

/* What XRT's C API left in errno, as text: its functions catch their C++
 * exceptions, log the text and set errno. */
static const char *
xrt_said(int e)
{
	return e != 0 ? strerror(e) : "XRT gave no reason here (its log, on "
	    "stderr by default, may say more)";
}

static int
xrt_errno(int e, int fallback)
{
	return e > 0 ? -e : -fallback;
}

/* ---- the device string --------------------------------------------------- */

/* "N" or "N:path": 0 with *index and *path (NULL: none), or -EINVAL. */
static int
parse_xrt_arg(const char *arg, unsigned *index, const char **path)
{
	const char *s = arg;
	unsigned long v = 0;
	int digits = 0;

	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return -EINVAL;   /* leading zero: one index, one spelling */
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s - '0');
		if (++digits > 5 || v > XRT_MAX_INDEX)
			return -EINVAL;
		s++;
	}
	if (digits == 0)
		return -EINVAL;
	if (*s == '\0')
		*path = NULL;
	else if (*s == ':' && s[1] != '\0')
		*path = s + 1;
	else
		return -EINVAL;
	*index = (unsigned)v;
	return 0;
}

/* The xclbin must be a readable regular file holding a whole xclbin
 * container: said here, in our words, rather than by XRT after the device
 * is open. XRT 2.13's parser checks the "xclbin2" magic but neither the
 * header's length nor the section table against the file: a truncated
 * file or a section past its end makes it read past its buffer (seen
 * with valgrind). So the container is checked here (struct axlf,
 * xclbin.h); what is inside the sections is left to XRT. */
static int
check_xclbin(const char *path, const char *who, char *err, size_t errlen)
{
	static const char magic[8] = "xclbin2";
	const size_t table = offsetof(struct axlf, m_sections);
	struct axlf top;
	struct axlf_section_header sh;
	struct stat st;
	uint64_t size;
	uint32_t i, n;
	int fd, e, rc = -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		spisync_errf(err, errlen, "%s: cannot read the xclbin %s: %s",
		    who, path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		spisync_errf(err, errlen, "%s: the xclbin %s is not a regular "
		    "file", who, path);
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (pread(fd, &top, sizeof(top), 0) != (ssize_t)sizeof(top) ||
	    memcmp(top.m_magic, magic, sizeof(magic)) != 0) {
		spisync_errf(err, errlen, "%s: %s is not an xclbin (no "
		    "\"xclbin2\" header)", who, path);
		goto out;
	}
	n = top.m_header.m_numSections;
	if (top.m_header.m_length != size) {
		spisync_errf(err, errlen, "%s: the xclbin %s is damaged: its "
		    "header says %llu bytes, the file has %llu", who, path,
		    (unsigned long long)top.m_header.m_length,
		    (unsigned long long)size);
		goto out;
	}
	if (n == 0 || n > XCLBIN_MAX_NUM_SECTION ||
	    table + (uint64_t)n * sizeof(sh) > size) {
		spisync_errf(err, errlen, "%s: the xclbin %s is damaged: %u "
		    "sections do not fit in its %llu bytes", who, path, n,
		    (unsigned long long)size);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (pread(fd, &sh, sizeof(sh), (off_t)(table + i *
		    sizeof(sh))) != (ssize_t)sizeof(sh)) {
			e = errno;
			spisync_errf(err, errlen, "%s: cannot read the xclbin "
			    "%s: %s", who, path, strerror(e));
			rc = e > 0 ? -e : -EIO;
			goto out;
		}
		if (sh.m_sectionOffset > size ||
		    sh.m_sectionSize > size - sh.m_sectionOffset) {
			spisync_errf(err, errlen, "%s: the xclbin %s is "
			    "damaged: section %u (kind %u) reaches past the "
			    "end of the file", who, path, i, sh.m_sectionKind);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/*
 * The library XRT's shim loader will dlopen (module_loader.cpp of 2.13):
 * $XILINX_XRT/lib/lib<name>.so.<major>, name xrt_core, or xrt_hwemu /
 * xrt_swemu when XCL_EMULATION_MODE is set. Loading it here first turns
 * every way that load can fail into an error instead of XRT's abort; the
 * reference is kept until close (XRT takes its own and never drops it).
 */
static int
load_xrt_core(struct xrt_backend *x, char *err, size_t errlen)
{
	const char *root = getenv("XILINX_XRT");
	const char *emu = getenv("XCL_EMULATION_MODE");
	const char *name = "xrt_core";
	char path[PATH_MAX];
	struct stat st;
	int n;

	if (emu != NULL) {
		if (strcmp(emu, "hw_emu") == 0)
			name = "xrt_hwemu";
		else if (strcmp(emu, "sw_emu") == 0)
			name = "xrt_swemu";
		else {
			spisync_errf(err, errlen, "%s: "
			    "XCL_EMULATION_MODE=\"%.20s\" is neither hw_emu "
			    "nor sw_emu (XRT would abort the process)", x->who,
			    emu);
			return -EINVAL;
		}
	}
	if (root == NULL || root[0] == '\0') {
		spisync_errf(err, errlen, "%s: XILINX_XRT is not set, and XRT "
		    "aborts the process without it (source "
		    "/opt/xilinx/xrt/setup.sh; with Debian's libxrt1, point it "
		    "at a directory whose lib/ links libxrt_core.so."
		    XRT_CORE_SO_MAJOR ")", x->who);
		return -ENOENT;
	}
	n = snprintf(path, sizeof(path), "%s/lib/lib%s.so." XRT_CORE_SO_MAJOR,
	    root, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		spisync_errf(err, errlen, "%s: XILINX_XRT is too long", x->who);
		return -ENAMETOOLONG;
	}
	/* XRT requires a regular file (a link to one is fine) */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		spisync_errf(err, errlen, "%s: XRT's core library %s is "
		    "missing (XILINX_XRT=%s), and XRT aborts the process "
		    "without it", x->who, path, root);
		return -ENOENT;
	}
	x->core_lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (x->core_lib == NULL) {
		const char *why = dlerror();

		spisync_errf(err, errlen, "%s: cannot load XRT's core "
		    "library: %s", x->who, why != NULL ? why : path);
		return -ELIBBAD;
	}
	return 0;
}

/* ---- XRT's shim ------------------------------------------------------------- */

/* dlsym() in the process's global scope (dlopen(NULL): the program, what
 * it was linked with, and what was loaded RTLD_GLOBAL), where
 * load_xrt_core() put the shim XRT uses; the program comes first, so a
 * test program can stand in for the shim. */
static void *
shim_sym(void *global, const char *name, const char **missing)
{
	void *p = dlsym(global, name);

	if (p == NULL && *missing == NULL)
		*missing = name;
	return p;
}

static int
xrt_find_shim(struct xrt_backend *x, char *err, size_t errlen)
{
	const char *missing = NULL;
	void *global, *p[6];

	global = dlopen(NULL, RTLD_NOW);
	if (global == NULL) {
		spisync_errf(err, errlen, "%s: dlopen of the program: %s",
		    x->who, dlerror());
		return -ELIBBAD;
	}
	p[0] = shim_sym(global, "xclGetSectionInfo", &missing);
	p[1] = shim_sym(global, "xclIPName2Index", &missing);
	p[2] = shim_sym(global, "xclOpenContext", &missing);
	p[3] = shim_sym(global, "xclCloseContext", &missing);
	p[4] = shim_sym(global, "xclRegRead", &missing);
	p[5] = shim_sym(global, "xclRegWrite", &missing);
	dlclose(global);
	if (missing != NULL) {
		spisync_errf(err, errlen, "%s: XRT's core library has no %s",
		    x->who, missing);
		return -ELIBBAD;
	}
	/* POSIX dlsym() gives functions as void *: copied, since ISO C
	 * has no cast between object and function pointers */
	memcpy(&x->shim.section, &p[0], sizeof(p[0]));
	memcpy(&x->shim.name2index, &p[1], sizeof(p[1]));
	memcpy(&x->shim.open_context, &p[2], sizeof(p[2]));
	memcpy(&x->shim.close_context, &p[3], sizeof(p[3]));
	memcpy(&x->shim.reg_read, &p[4], sizeof(p[4]));
	memcpy(&x->shim.reg_write, &p[5], sizeof(p[5]));
	return 0;
}

/* The shim returns 0, or an error number, negative or not. */
static int
shim_errno(int rc)
{
	if (rc < 0)
		return -rc;
	return rc > 0 ? rc : EIO;
}

/* Entry i of a section as XRT's driver publishes it: 0, or the shim's
 * error (also its answer past the last entry). */
static int
xrt_entry(struct xrt_backend *x, enum axlf_section_kind kind, int i,
    void *out, size_t len)
{
	size_t got = 0;
	int rc;

	memset(out, 0, len);
	rc = x->shim.section(x->xcl, out, &got, kind, i);
	if (rc != 0)
		return -shim_errno(rc);
	return got == len ? 0 : -EPROTO;
}

/* ---- open the card ---------------------------------------------------------- */

/* The one compute unit of the kernel in IP_LAYOUT, ap_ctrl_none. */
static int
xrt_find_cu(struct xrt_backend *x, char *err, size_t errlen)
{
	const size_t plen = sizeof(SPISYNC_XRT_CU_PREFIX) - 1;
	struct ip_data ip;
	unsigned control = 0;
	int i, cus = 0;

	x->cu_layout = -1;
	for (i = 0; i < XRT_MAX_ENTRIES; i++) {
		if (xrt_entry(x, IP_LAYOUT, i, &ip, sizeof(ip)) != 0)
			break;
		ip.m_name[sizeof(ip.m_name) - 1] = '\0';
		if (ip.m_type != IP_KERNEL || strncmp((const char *)ip.m_name,
		    SPISYNC_XRT_CU_PREFIX, plen) != 0 || ip.m_name[plen] == '\0')
			continue;
		if (cus++ == 0) {
			x->cu_layout = i;
			snprintf(x->cu, sizeof(x->cu), "%s", ip.m_name);
			control = (ip.properties & IP_CONTROL_MASK) >>
			    IP_CONTROL_SHIFT;
		}
	}
	if (i == 0) {
		spisync_errf(err, errlen, "%s: XRT's driver shows no IP layout "
		    "of the xclbin on device %u", x->who, x->index);
		return -ENODEV;
	}
	if (cus != 1) {
		spisync_errf(err, errlen, "%s: the xclbin on device %u has %d "
		    "compute units of kernel \"%s\"; this driver drives "
		    "exactly one", x->who, x->index, cus, SPISYNC_XRT_KERNEL);
		return -ENODEV;
	}
	if (control != AP_CTRL_NONE) {
		spisync_errf(err, errlen, "%s: compute unit %s has control "
		    "protocol %u, not ap_ctrl_none (%d): not this driver's "
		    "kernel (hw/alveo/kernel.xml)", x->who, x->cu, control,
		    AP_CTRL_NONE);
		return -EPROTO;
	}
	return 0;
}

/* The memory bank of the ring argument: host memory, or refused. */
static int
xrt_find_bank(struct xrt_backend *x, char *err, size_t errlen)
{
	struct connection c;
	struct mem_data m;
	int i, bank = -1, rc;

	for (i = 0; i < XRT_MAX_ENTRIES; i++) {
		if (xrt_entry(x, CONNECTIVITY, i, &c, sizeof(c)) != 0)
			break;
		if (c.m_ip_layout_index == x->cu_layout &&
		    c.arg_index == SPISYNC_XRT_RING_ARG) {
			bank = c.mem_data_index;
			break;
		}
	}
	if (bank < 0) {
		spisync_errf(err, errlen, "%s: kernel \"%s\" argument %d (the "
		    "event ring, m_axi_ev) has no memory bank in the xclbin "
		    "(link it with sp=%s_1.m_axi_ev:HOST[0])", x->who,
		    SPISYNC_XRT_KERNEL, SPISYNC_XRT_RING_ARG,
		    SPISYNC_XRT_KERNEL);
		return -ENODEV;
	}
	rc = xrt_entry(x, MEM_TOPOLOGY, bank, &m, sizeof(m));
	if (rc != 0) {
		spisync_errf(err, errlen, "%s: the xclbin connects the event "
		    "ring to memory bank %d, which XRT's driver does not "
		    "show: %s", x->who, bank, strerror(-rc));
		return -EPROTO;
	}
	m.m_tag[sizeof(m.m_tag) - 1] = '\0';
	if (!m.m_used || strncmp((const char *)m.m_tag, "HOST", 4) != 0) {
		spisync_errf(err, errlen, "%s: the xclbin connects the event "
		    "ring (m_axi_ev) to %s%s, not to host memory: the card "
		    "would write its events where the host cannot read them "
		    "(link it with sp=%s_1.m_axi_ev:HOST[0])", x->who,
		    m.m_tag, m.m_used ? "" : " (unused)", SPISYNC_XRT_KERNEL);
		return -EPROTO;
	}
	x->ring_group = bank;
	return 0;
}

static int
xrt_open_kernel(struct xrt_backend *x, const char *xclbin, char *err,
    size_t errlen)
{
	static const xuid_t no_uuid;
	uint32_t id;
	int rc, e;

	errno = 0;
	x->dev = xrtDeviceOpen(x->index);
	if (x->dev == NULL) {
		e = errno;
		spisync_errf(err, errlen, "%s: XRT cannot open device %u: %s "
		    "(`xbutil examine` lists the devices XRT sees)", x->who,
		    x->index, xrt_said(e));
		return xrt_errno(e, ENODEV);
	}
	if (xclbin != NULL) {
		errno = 0;
		rc = xrtDeviceLoadXclbinFile(x->dev, xclbin);
		if (rc != 0) {
			e = errno;
			spisync_errf(err, errlen, "%s: XRT cannot load %s on "
			    "device %u: %s", x->who, xclbin, x->index,
			    xrt_said(e));
			return xrt_errno(e, EIO);
		}
	}
	errno = 0;
	rc = xrtDeviceGetXclbinUUID(x->dev, x->uuid);
	if (rc != 0 || memcmp(x->uuid, no_uuid, sizeof(x->uuid)) == 0) {
		e = errno;
		spisync_errf(err, errlen, "%s: no xclbin is loaded on device "
		    "%u%s%s (give one: xrt:%u:/path/card.xclbin)", x->who,
		    x->index, rc != 0 ? ": " : "", rc != 0 ? xrt_said(e) : "",
		    x->index);
		return -ENOENT;
	}
	errno = 0;
	x->xcl = xrtDeviceToXclDevice(x->dev);
	if (x->xcl == NULL) {
		e = errno;
		spisync_errf(err, errlen, "%s: XRT gives no shim handle of "
		    "device %u: %s", x->who, x->index, xrt_said(e));
		return xrt_errno(e, ENODEV);
	}

	/* the xclbin's view of the kernel, before touching a register */
	if ((rc = xrt_find_cu(x, err, errlen)) != 0 ||
	    (rc = xrt_find_bank(x, err, errlen)) != 0)
		return rc;

	rc = x->shim.name2index(x->xcl, x->cu);
	if (rc < 0) {
		spisync_errf(err, errlen, "%s: XRT's driver has no index for "
		    "compute unit %s: %s", x->who, x->cu,
		    strerror(shim_errno(rc)));
		return -shim_errno(rc);
	}
	x->cu_index = (unsigned)rc;
	rc = x->shim.open_context(x->xcl, x->uuid, x->cu_index, true);
	if (rc != 0) {
		spisync_errf(err, errlen, "%s: XRT refuses a shared context on "
		    "compute unit %s (index %u): %s", x->who, x->cu,
		    x->cu_index, strerror(shim_errno(rc)));
		return -shim_errno(rc);
	}
	x->context = true;

	/* Shared register access is refused by XRT or its driver unless
	 * Runtime.rw_shared held both here and when the xclbin was loaded:
	 * find out now rather than at the first mailbox request. */
	rc = x->shim.reg_read(x->xcl, x->cu_index, SPISYNC_REG_ID, &id);
	if (rc != 0) {
		spisync_errf(err, errlen, "%s: XRT refuses register reads of "
		    "compute unit %s: %s (load the xclbin through "
		    "xrt:%u:/path/card.xclbin, or with Runtime.rw_shared=true "
		    "in xrt.ini)", x->who, x->cu, strerror(shim_errno(rc)),
		    x->index);
		return -shim_errno(rc);
	}
	return 0;
}

/* ---- registers ------------------------------------------------------------- */

static int
xrt_check_offset(struct xrt_backend *x, uint32_t offset, const char *op)
{
	if ((offset & 3u) != 0 || offset > SPISYNC_CTRL_BYTES - 4) {
		spisync_errf(x->base.err, sizeof(x->base.err), "%s: %s at "
		    "0x%x: outside the 64 KiB control port or not 32-bit "
		    "aligned", x->who, op, offset);
		return -EINVAL;
	}
	return 0;
}

static int
xrt_read32(struct spisync_backend *b, uint32_t offset, uint32_t *value)
{
	struct xrt_backend *x = xrt_of(b);
	int rc;

	if (value == NULL) {
		spisync_errf(b->err, sizeof(b->err), "%s: read32 without a "
		    "result", x->who);
		return -EINVAL;
	}
	if ((rc = xrt_check_offset(x, offset, "read32")) != 0)
		return rc;
	rc = x->shim.reg_read(x->xcl, x->cu_index, offset, value);
	if (rc != 0) {
		spisync_errf(b->err, sizeof(b->err), "%s: register read at "
		    "0x%x: %s", x->who, offset, strerror(shim_errno(rc)));
		return -shim_errno(rc);
	}
	return 0;
}

static int
xrt_write32(struct spisync_backend *b, uint32_t offset, uint32_t value)
{
	struct xrt_backend *x = xrt_of(b);
	int rc;

	if ((rc = xrt_check_offset(x, offset, "write32")) != 0)
		return rc;
	rc = x->shim.reg_write(x->xcl, x->cu_index, offset, value);
	if (rc != 0) {
		spisync_errf(b->err, sizeof(b->err), "%s: register write at "
		    "0x%x: %s", x->who, offset, strerror(shim_errno(rc)));
		return -shim_errno(rc);
	}
	return 0;
}

/* ---- DMA ------------------------------------------------------------------- */

static int
xrt_dma_alloc(struct spisync_backend *b, size_t len, void **vaddr,
    uint64_t *bus_addr)
{
	struct xrt_backend *x = xrt_of(b);
	struct xrt_dma *d;
	size_t size;
	uint64_t addr;
	void *m;
	int e;

	if (vaddr == NULL || bus_addr == NULL || len == 0 ||
	    len > SIZE_MAX - XRT_DMA_ALIGN) {
		spisync_errf(b->err, sizeof(b->err), "%s: dma_alloc needs a "
		    "length and two results", x->who);
		return -EINVAL;
	}
	size = (len + XRT_DMA_ALIGN - 1) / XRT_DMA_ALIGN * XRT_DMA_ALIGN;

	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		spisync_errf(b->err, sizeof(b->err), "%s: out of memory",
		    x->who);
		return -ENOMEM;
	}
	errno = 0;
	d->bo = xrtBOAlloc(x->dev, size, XRT_BO_FLAGS_HOST_ONLY,
	    (xrtMemoryGroup)x->ring_group);
	if (d->bo == NULL) {
		e = errno;
		free(d);
		spisync_errf(b->err, sizeof(b->err), "%s: XRT cannot allocate "
		    "%zu bytes of host memory for the card: %s", x->who, size,
		    xrt_said(e));
		return xrt_errno(e, ENOMEM);
	}
	errno = 0;
	m = xrtBOMap(d->bo);
	addr = xrtBOAddress(d->bo);
	e = errno;
	if (m == NULL || addr == 0 || addr == UINT64_MAX ||
	    ((uintptr_t)m % XRT_DMA_ALIGN) != 0 || addr % XRT_DMA_ALIGN != 0) {
		xrtBOFree(d->bo);
		free(d);
		spisync_errf(b->err, sizeof(b->err), "%s: XRT host buffer "
		    "unusable (mapped at %p, bus address 0x%llx: need both "
		    "4096-byte aligned): %s", x->who, m,
		    (unsigned long long)addr, xrt_said(e));
		return -EIO;
	}
	memset(m, 0, size);
	d->vaddr = m;
	d->len = size;
	d->next = x->dmas;
	x->dmas = d;
	*vaddr = m;
	*bus_addr = addr;
	return 0;
}

static void
xrt_dma_free(struct spisync_backend *b, void *vaddr, size_t len)
{
	struct xrt_backend *x = xrt_of(b);
	struct xrt_dma **pp, *d;

	for (pp = &x->dmas; (d = *pp) != NULL; pp = &d->next)
		if (d->vaddr == vaddr)
			break;
	if (d == NULL || len == 0 || len > d->len) {
		spisync_errf(b->err, sizeof(b->err), "%s: dma_free of memory "
		    "dma_alloc did not give (%p, %zu bytes)", x->who, vaddr,
		    len);
		return;
	}
	*pp = d->next;
	xrtBOFree(d->bo);
	free(d);
}

/* ---- lock and close ------------------------------------------------------- */

static int
xrt_lock(struct spisync_backend *b)
{
	struct xrt_backend *x = xrt_of(b);

	return spisync_lockfile_lock(&x->lock, x->who, b->err,
	    sizeof(b->err));
}

static int
xrt_unlock(struct spisync_backend *b)
{
	struct xrt_backend *x = xrt_of(b);

	return spisync_lockfile_unlock(&x->lock, x->who, b->err,
	    sizeof(b->err));
}

static void
xrt_close(struct spisync_backend *b)
{
	struct xrt_backend *x;
	struct xrt_dma *d;

	if (b == NULL)
		return;
	x = xrt_of(b);
	while ((d = x->dmas) != NULL) {
		x->dmas = d->next;
		xrtBOFree(d->bo);
		free(d);
	}
	if (x->context)
		(void)x->shim.close_context(x->xcl, x->uuid, x->cu_index);
	if (x->dev != NULL)
		xrtDeviceClose(x->dev);
	/* XRT holds its own reference once it loaded the library */
	if (x->core_lib != NULL)
		dlclose(x->core_lib);
	spisync_lockfile_close(&x->lock);
	free(x);
}

static const struct spisync_backend_ops xrt_ops = {
	.name = "xrt",
	.read32 = xrt_read32,
	.write32 = xrt_write32,
	.dma_alloc = xrt_dma_alloc,
	.dma_free = xrt_dma_free,
	.lock = xrt_lock,
	.unlock = xrt_unlock,
	.close = xrt_close,
};

int
spisync_backend_xrt_open(const char *arg, struct spisync_backend **out,
    char *err, size_t errlen)
{
	struct xrt_backend *x;
	const char *xclbin;
	char lockname[40];
	int rc;

	if (out == NULL) {
		spisync_errf(err, errlen, "xrt: no place for the backend");
		return -EINVAL;
	}
	*out = NULL;
	if (arg == NULL)
		arg = "";
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		spisync_errf(err, errlen, "xrt:%.40s: out of memory", arg);
		return -ENOMEM;
	}
	x->base.ops = &xrt_ops;
	x->lock.fd = -1;
	x->ring_group = -1;

	/* everything that can be refused is refused before XRT runs */
	if (parse_xrt_arg(arg, &x->index, &xclbin) != 0) {
		spisync_errf(err, errlen, "xrt:%.40s: expected a device index "
		    "N (0-%u) or N:/path/card.xclbin", arg, XRT_MAX_INDEX);
		rc = -EINVAL;
		goto fail;
	}
	snprintf(x->who, sizeof(x->who), "xrt:%u", x->index);
	if (xclbin != NULL &&
	    (rc = check_xclbin(xclbin, x->who, err, errlen)) != 0)
		goto fail;
	snprintf(lockname, sizeof(lockname), "spisync-xrt-%u.lock", x->index);
	if ((rc = spisync_lockfile_open(&x->lock, lockname, x->who, err,
	    errlen)) != 0)
		goto fail;
	if ((rc = load_xrt_core(x, err, errlen)) != 0 ||
	    (rc = xrt_find_shim(x, err, errlen)) != 0)
		goto fail;

	/* Before XRT's first look at it, once per process: XRT logs an
	 * error for every later attempt. If it fails (XRT read the option
	 * already), the register check in xrt_open_kernel() reports it. */
	if (!atomic_flag_test_and_set(&xrt_rw_shared_set))
		(void)xrtIniStringSet("Runtime.rw_shared", "true");
	if ((rc = xrt_open_kernel(x, xclbin, err, errlen)) != 0)
		goto fail;

	*out = &x->base;
	return 0;
fail:
	xrt_close(&x->base);
	return rc;
}
