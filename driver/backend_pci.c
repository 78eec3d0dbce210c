/*
 * libspisync -- the pci: backend: a card's control port through its BAR0
 * mapped from sysfs, DMA memory through VFIO. Internal to the library
 * (contract: backend.h).
 *
 * Device string: "DDDD:BB:DD.F" or "BB:DD.F" (domain 0000), as lspci
 * prints it: a domain of 4 or more hex digits, bus and device of 2,
 * function of 1 (device 00-1f, function 0-7); either letter case.
 *
 * Open:
 *   1. libpci finds the function and checks it is a Xilinx/AMD one (vendor
 *      0x10ee) whose BAR0 is an assigned memory BAR, with memory decoding
 *      on in its command register. The access method is
 *      libpci's default, or $SPISYNC_PCI_METHOD (a libpci method name:
 *      "linux-sysfs", "dump", ...); with "dump", $SPISYNC_PCI_DUMP names an
 *      `lspci -x` style dump file (libpci parameter dump.name). Tests use
 *      that to describe devices this machine does not have.
 *   2. $SPISYNC_SYSFS_ROOT/bus/pci/devices/<device>/resource0 (root
 *      default /sys) is mapped: its length is the BAR's, and must cover
 *      the 64 KiB control port. libpci's dump method knows no BAR sizes
 *      (config space alone does not give them), so this file's size is
 *      the check that always applies; libpci's size is checked too when
 *      its method reports one.
 *   3. The lock file spisync-pci-<device>.lock (backend_lock.h).
 * Registers need nothing more: `spisyncctl` works on a card that is not
 * bound to vfio-pci.
 *
 * DMA (first dma_alloc): VFIO with the type 1 v2 IOMMU. The device's IOMMU
 * group (the iommu_group link in sysfs) must be bound to vfio-pci and not
 * open in another process (one container per group: only the event ring's
 * owner needs DMA). The device is opened through VFIO too and bus
 * mastering is enabled in its command register, which vfio-pci leaves
 * clear. Memory is anonymous, page-aligned and zeroed (mmap), excluded
 * from fork (a copy-on-write child would leave the card writing the
 * parent's old pages), and mapped for device reads and writes at an IOVA
 * of our choosing.
 *
 * IOVA allocator: a bump pointer from 0x100000000 (4 GiB), each
 * allocation rounded up to whole pages, never reused. Starting above 4 GiB
 * keeps clear of the reserved regions the IOMMU has below it on x86 (the
 * MSI window at 0xfee00000, the BIOS holes), which VFIO refuses to map;
 * the card masters 64-bit addresses. Never reusing an IOVA means an
 * address the card may still hold from a freed ring never aliases new
 * memory; the 2^48-byte IOVA space of an x86 IOMMU outlasts any
 * realistic number of ring restarts.
 */
#define _GNU_SOURCE   /* MAP_ANONYMOUS, MADV_DONTFORK */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>
#include <pci/pci.h>

#include "backend.h"
#include "backend_lock.h"
#include "hex.h"
#include "spisync_hw.h"

#define PCI_VENDOR_XILINX 0x10eeu
#define PCI_IOVA_BASE 0x100000000ull
#define PCI_DMA_ALIGN 4096u
#define PCI_DEFAULT_SYSFS "/sys"
/* "pci:" + a domain of up to 8 digits + ":BB:DD.F" */
#define PCI_WHO_LEN 32

struct pci_addr {
	unsigned domain, bus, dev, func;
	char name[20];            /* canonical "dddd:bb:dd.f", lower case */
};

struct pci_dma {
	struct pci_dma *next;
	void *vaddr;
	size_t len;               /* as mapped: whole pages */
	uint64_t iova;
};

struct pci_backend {
	struct spisync_backend base;   /* first: the ops get &base */
	char who[PCI_WHO_LEN];         /* "pci:0000:65:00.0" */
	struct pci_addr addr;
	char devdir[PATH_MAX];         /* .../bus/pci/devices/<addr> */
	volatile uint32_t *regs;       /* SPISYNC_CTRL_BYTES of BAR0 */
	struct spisync_lockfile lock;
	bool vfio_ready;
	int container, group, device;  /* VFIO fds, -1 when closed */
	uint64_t iova_next;
	struct pci_dma *dmas;
};

static struct pci_backend *
pci_of(struct spisync_backend *b)
{
	return (struct pci_backend *)b;
}

/* ---- the device string ----------------------------------------------- */

/* Exactly n hex digits at *s (n = 0: 1..8 of them, the count in *n_out). */
static bool
take_hex(const char **s, unsigned n, unsigned *value, unsigned *n_out)
{
	unsigned count = 0, v = 0;
	int d;

	while ((d = hex_digit_value((*s)[count])) >= 0 && count < 9) {
		v = v * 16 + (unsigned)d;
		count++;
	}
	if (count == 0 || count > 8 || (n != 0 && count != n))
		return false;
	*s += count;
	*value = v;
	if (n_out != NULL)
		*n_out = count;
	return true;
}

static int
parse_pci_addr(const char *arg, struct pci_addr *a)
{
	const char *s = arg, *p;
	unsigned colons = 0, digits;

	for (p = arg; *p != '\0'; p++)
		colons += *p == ':';
	a->domain = 0;
	if (colons == 2) {
		/* lspci prints %04x: 4 digits, more only without a
		 * leading zero, so one domain has one spelling */
		if (!take_hex(&s, 0, &a->domain, &digits) || digits < 4 ||
		    (digits > 4 && arg[0] == '0') || a->domain > 0x7fffffffu ||
		    *s++ != ':')
			return -EINVAL;
	} else if (colons != 1)
		return -EINVAL;
	if (!take_hex(&s, 2, &a->bus, NULL) || *s++ != ':' ||
	    !take_hex(&s, 2, &a->dev, NULL) || a->dev > 0x1f ||
	    *s++ != '.' || *s < '0' || *s > '7' || s[1] != '\0')
		return -EINVAL;
	a->func = (unsigned)(*s - '0');
	snprintf(a->name, sizeof(a->name), "%04x:%02x:%02x.%x", a->domain,
	    a->bus, a->dev, a->func);
	return 0;
}

/* ---- libpci ------------------------------------------------------------ */

/*
 * libpci reports failures through acc->error, which must not return (its
 * default prints and calls exit(1), unacceptable in a library). Ours
 * copies the message and longjmps back to the setjmp in pci_find(). The
 * callback has no context argument, so the jump target is thread-local.
 */
struct pci_guard {
	jmp_buf jmp;
	char msg[160];
};

static _Thread_local struct pci_guard *pci_guard_cur;

static _Noreturn void pci_on_error(char *msg, ...)
    __attribute__((format(printf, 1, 2)));
static void pci_on_quiet(char *msg, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void
pci_on_error(char *msg, ...)
{
	struct pci_guard *g = pci_guard_cur;
	va_list ap;

	/* libpci calls it only from pci_init and pci_scan_bus, which run
	 * inside pci_scan_guarded(); anything else is a libpci change this
	 * code does not know how to recover from */
	if (g == NULL)
		abort();
	va_start(ap, msg);
	vsnprintf(g->msg, sizeof(g->msg), msg, ap);
	va_end(ap);
	longjmp(g->jmp, 1);
}

/* Warnings and debug output would go to the host program's stderr and
 * stdout; what matters reaches the caller as an error instead. */
static void
pci_on_quiet(char *msg, ...)
{
	(void)msg;
}

struct pci_found {
	bool found;
	unsigned vendor, device;
	unsigned command;          /* PCI_COMMAND */
	pciaddr_t bar0;            /* address and flag bits as read */
	pciaddr_t bar0_size;       /* 0: the method does not know */
};

/* libpci's part of open, with its errors caught: 0 or -EIO. Nothing local
 * to this function is used after the longjmp. */
static int
pci_scan_guarded(struct pci_access *acc, struct pci_guard *g,
    const struct pci_addr *want, struct pci_found *out)
{
	struct pci_dev *d;
	int known;

	pci_guard_cur = g;
	if (setjmp(g->jmp) != 0) {
		pci_guard_cur = NULL;
		return -EIO;
	}
	pci_init(acc);
	pci_scan_bus(acc);
	for (d = acc->devices; d != NULL; d = d->next) {
		if ((unsigned)d->domain != want->domain ||
		    d->bus != want->bus || d->dev != want->dev ||
		    d->func != want->func)
			continue;
		known = pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES |
		    PCI_FILL_SIZES);
		out->found = true;
		out->vendor = d->vendor_id;
		out->device = d->device_id;
		out->command = pci_read_word(d, PCI_COMMAND);
		out->bar0 = (known & PCI_FILL_BASES) ? d->base_addr[0] : 0;
		out->bar0_size = (known & PCI_FILL_SIZES) ? d->size[0] : 0;
		break;
	}
	pci_guard_cur = NULL;
	return 0;
}

/* The method from the environment, applied to acc: 0 or -errno. */
static int
pci_configure(struct pci_access *acc, const char *who, char *err,
    size_t errlen, const char **method_name)
{
	const char *method = getenv("SPISYNC_PCI_METHOD");
	const char *dump = getenv("SPISYNC_PCI_DUMP");
	char name[32], path[PATH_MAX];
	int m;

	*method_name = "default";
	if (method == NULL || method[0] == '\0') {
		if (dump != NULL && dump[0] != '\0') {
			spisync_errf(err, errlen, "%s: SPISYNC_PCI_DUMP is "
			    "set but SPISYNC_PCI_METHOD is not \"dump\"", who);
			return -EINVAL;
		}
		return 0;
	}
	if (strlen(method) >= sizeof(name)) {
		spisync_errf(err, errlen, "%s: unknown libpci access method in "
		    "SPISYNC_PCI_METHOD", who);
		return -EINVAL;
	}
	strcpy(name, method);
	m = pci_lookup_method(name);
	if (m < 0) {
		spisync_errf(err, errlen, "%s: unknown libpci access method "
		    "\"%s\" in SPISYNC_PCI_METHOD", who, method);
		return -EINVAL;
	}
	if (pci_get_method_name(m) == NULL || pci_get_method_name(m)[0] ==
	    '\0') {
		spisync_errf(err, errlen, "%s: libpci was built without the "
		    "\"%s\" access method", who, method);
		return -ENOTSUP;
	}
	acc->method = (unsigned)m;
	*method_name = pci_get_method_name(m);
	if (strcmp(*method_name, "dump") == 0) {
		if (dump == NULL || dump[0] == '\0') {
			spisync_errf(err, errlen, "%s: "
			    "SPISYNC_PCI_METHOD=dump needs the dump file in "
			    "SPISYNC_PCI_DUMP", who);
			return -EINVAL;
		}
		if (strlen(dump) >= sizeof(path)) {
			spisync_errf(err, errlen, "%s: SPISYNC_PCI_DUMP is "
			    "too long", who);
			return -ENAMETOOLONG;
		}
		strcpy(path, dump);
		/* pci_set_param copies the value */
		if (pci_set_param(acc, "dump.name", path) != 0) {
			spisync_errf(err, errlen, "%s: libpci has no dump.name "
			    "parameter", who);
			return -ENOTSUP;
		}
	} else if (dump != NULL && dump[0] != '\0') {
		spisync_errf(err, errlen, "%s: SPISYNC_PCI_DUMP is set but "
		    "SPISYNC_PCI_METHOD is \"%s\", not \"dump\"", who, method);
		return -EINVAL;
	}
	return 0;
}

/* Finds the function and checks what libpci knows of it. */
static int
pci_find(const struct pci_addr *a, const char *who, char *err,
    size_t errlen)
{
	struct pci_access *acc;
	struct pci_guard guard;
	struct pci_found found;
	const char *method;
	int rc;

	memset(&found, 0, sizeof(found));
	guard.msg[0] = '\0';
	acc = pci_alloc();
	if (acc == NULL) {
		spisync_errf(err, errlen, "%s: libpci: out of memory", who);
		return -ENOMEM;
	}
	acc->error = pci_on_error;
	acc->warning = pci_on_quiet;
	acc->debug = pci_on_quiet;
	rc = pci_configure(acc, who, err, errlen, &method);
	if (rc == 0) {
		rc = pci_scan_guarded(acc, &guard, a, &found);
		if (rc != 0)
			spisync_errf(err, errlen, "%s: libpci (method %s): %s",
			    who, method, guard.msg);
	}
	pci_cleanup(acc);
	if (rc != 0)
		return rc;

	if (!found.found) {
		spisync_errf(err, errlen, "%s: no such PCI function (libpci "
		    "method %s)", who, method);
		return -ENODEV;
	}
	if (found.vendor != PCI_VENDOR_XILINX) {
		spisync_errf(err, errlen, "%s: vendor 0x%04x device 0x%04x is "
		    "not a Xilinx/AMD function (vendor 0x%04x)", who,
		    found.vendor, found.device, PCI_VENDOR_XILINX);
		return -ENODEV;
	}
	if ((found.bar0 & ~(pciaddr_t)PCI_ADDR_FLAG_MASK) == 0) {
		spisync_errf(err, errlen, "%s: BAR0 is not assigned", who);
		return -ENODEV;
	}
	if (found.bar0 & PCI_BASE_ADDRESS_SPACE_IO) {
		spisync_errf(err, errlen, "%s: BAR0 is an I/O BAR, not memory",
		    who);
		return -ENODEV;
	}
	/* without it the BAR answers nothing (reads are all ones) */
	if ((found.command & PCI_COMMAND_MEMORY) == 0) {
		spisync_errf(err, errlen, "%s: memory decoding is off in the "
		    "command register (0x%04x): no driver has enabled the "
		    "device", who, found.command);
		return -ENODEV;
	}
	if (found.bar0_size != 0 && found.bar0_size < SPISYNC_CTRL_BYTES) {
		spisync_errf(err, errlen, "%s: BAR0 is %llu bytes; the "
		    "control port needs %u", who,
		    (unsigned long long)found.bar0_size, SPISYNC_CTRL_BYTES);
		return -ENODEV;
	}
	return 0;
}

/* ---- BAR0 ------------------------------------------------------------- */

static int
pci_map_bar0(struct pci_backend *p, char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	struct stat st;
	void *m;
	int fd, e;

	snprintf(path, sizeof(path), "%s/resource0", p->devdir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		spisync_errf(err, errlen, "%s: cannot open %s: %s", p->who,
		    path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		spisync_errf(err, errlen, "%s: %s: %s", p->who, path,
		    strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)SPISYNC_CTRL_BYTES) {
		close(fd);
		spisync_errf(err, errlen, "%s: BAR0 (%s) is %lld bytes; the "
		    "control port needs %u", p->who, path,
		    (long long)st.st_size, SPISYNC_CTRL_BYTES);
		return -ENODEV;
	}
	m = mmap(NULL, SPISYNC_CTRL_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	e = errno;
	close(fd);   /* the mapping keeps the BAR */
	if (m == MAP_FAILED) {
		spisync_errf(err, errlen, "%s: mmap %s: %s", p->who, path,
		    strerror(e));
		return -e;
	}
	p->regs = m;
	return 0;
}

static int
pci_check_offset(struct pci_backend *p, uint32_t offset, const char *op)
{
	if ((offset & 3u) != 0 || offset > SPISYNC_CTRL_BYTES - 4) {
		spisync_errf(p->base.err, sizeof(p->base.err), "%s: %s at "
		    "0x%x: outside the 64 KiB control port or not 32-bit "
		    "aligned", p->who, op, offset);
		return -EINVAL;
	}
	return 0;
}

static int
pci_read32(struct spisync_backend *b, uint32_t offset, uint32_t *value)
{
	struct pci_backend *p = pci_of(b);
	int rc;

	if (value == NULL) {
		spisync_errf(b->err, sizeof(b->err), "%s: read32 without a "
		    "result", p->who);
		return -EINVAL;
	}
	if ((rc = pci_check_offset(p, offset, "read32")) != 0)
		return rc;
	/* one 32-bit load: the register file answers whole words, and
	 * some registers latch on read */
	*value = le32toh(p->regs[offset / 4]);
	return 0;
}

static int
pci_write32(struct spisync_backend *b, uint32_t offset, uint32_t value)
{
	struct pci_backend *p = pci_of(b);
	int rc;

	if ((rc = pci_check_offset(p, offset, "write32")) != 0)
		return rc;
	p->regs[offset / 4] = htole32(value);
	return 0;
}

/* ---- VFIO --------------------------------------------------------------- */

static void
pci_vfio_close(struct pci_backend *p)
{
	if (p->device >= 0)
		close(p->device);
	if (p->group >= 0)
		close(p->group);
	if (p->container >= 0)
		close(p->container);
	p->device = p->group = p->container = -1;
	p->vfio_ready = false;
}

/* PCI_COMMAND bit 2: the card may master the bus (write the ring). */
static int
pci_vfio_bus_master(struct pci_backend *p, char *err, size_t errlen)
{
	struct vfio_region_info reg;
	uint16_t cmd;
	int e;

	memset(&reg, 0, sizeof(reg));
	reg.argsz = sizeof(reg);
	reg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(p->device, VFIO_DEVICE_GET_REGION_INFO, &reg) != 0) {
		e = errno;
		spisync_errf(err, errlen, "%s: VFIO config space: %s", p->who,
		    strerror(e));
		return -e;
	}
	if (pread(p->device, &cmd, sizeof(cmd), (off_t)reg.offset +
	    PCI_COMMAND) != (ssize_t)sizeof(cmd)) {
		spisync_errf(err, errlen, "%s: reading the command register "
		    "through VFIO failed", p->who);
		return -EIO;
	}
	cmd = htole16(le16toh(cmd) | PCI_COMMAND_MASTER);
	if (pwrite(p->device, &cmd, sizeof(cmd), (off_t)reg.offset +
	    PCI_COMMAND) != (ssize_t)sizeof(cmd)) {
		spisync_errf(err, errlen, "%s: enabling bus mastering through "
		    "VFIO failed", p->who);
		return -EIO;
	}
	return 0;
}

static int
pci_vfio_open(struct pci_backend *p, char *err, size_t errlen)
{
	char link[PATH_MAX + 16], target[PATH_MAX], dev[PATH_MAX];
	struct vfio_group_status status;
	const char *group;
	ssize_t n;
	int e;

	snprintf(link, sizeof(link), "%s/iommu_group", p->devdir);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		e = errno;
		if (e == ENOENT)
			spisync_errf(err, errlen, "%s: no IOMMU group: bind "
			    "the device to vfio-pci (driver/README.md, pci: "
			    "backend)", p->who);
		else
			spisync_errf(err, errlen, "%s: %s: %s", p->who, link,
			    strerror(e));
		return e == ENOENT ? -ENOTSUP : -e;
	}
	target[n] = '\0';
	group = basename(target);
	if (group[strspn(group, "0123456789")] != '\0' || group[0] == '\0') {
		spisync_errf(err, errlen, "%s: IOMMU group link %s -> %s is "
		    "not a group number", p->who, link, target);
		return -EINVAL;
	}

	p->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (p->container < 0) {
		e = errno;
		spisync_errf(err, errlen, "%s: cannot open /dev/vfio/vfio: %s "
		    "(load vfio-pci and bind the device to it)", p->who,
		    strerror(e));
		goto fail;
	}
	if (ioctl(p->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(p->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <=
	    0) {
		e = ENOTSUP;
		spisync_errf(err, errlen, "%s: VFIO has no type 1 v2 IOMMU "
		    "here", p->who);
		goto fail;
	}
	snprintf(dev, sizeof(dev), "/dev/vfio/%s", group);
	p->group = open(dev, O_RDWR | O_CLOEXEC);
	if (p->group < 0) {
		e = errno;
		spisync_errf(err, errlen, "%s: cannot open %s: %s%s", p->who,
		    dev, strerror(e), e == EBUSY ? " (another process holds "
		    "the group: only the event ring's owner needs DMA)" :
		    " (bind the device to vfio-pci)");
		goto fail;
	}
	memset(&status, 0, sizeof(status));
	status.argsz = sizeof(status);
	if (ioctl(p->group, VFIO_GROUP_GET_STATUS, &status) != 0 ||
	    (status.flags & VFIO_GROUP_FLAGS_VIABLE) == 0) {
		e = ENOTSUP;
		spisync_errf(err, errlen, "%s: VFIO group %s is not viable: "
		    "bind every device of the group to vfio-pci", p->who,
		    group);
		goto fail;
	}
	if (ioctl(p->group, VFIO_GROUP_SET_CONTAINER, &p->container) != 0 ||
	    ioctl(p->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) != 0) {
		e = errno;
		spisync_errf(err, errlen, "%s: VFIO container setup: %s",
		    p->who, strerror(e));
		goto fail;
	}
	p->device = ioctl(p->group, VFIO_GROUP_GET_DEVICE_FD, p->addr.name);
	if (p->device < 0) {
		e = errno;
		spisync_errf(err, errlen, "%s: VFIO cannot open the device: %s",
		    p->who, strerror(e));
		goto fail;
	}
	if ((e = -pci_vfio_bus_master(p, err, errlen)) != 0)
		goto fail;
	p->vfio_ready = true;
	return 0;
fail:
	pci_vfio_close(p);
	return -e;
}

static int
pci_dma_alloc(struct spisync_backend *b, size_t len, void **vaddr,
    uint64_t *bus_addr)
{
	struct pci_backend *p = pci_of(b);
	struct vfio_iommu_type1_dma_map map;
	struct pci_dma *d;
	size_t page, size;
	void *m;
	int rc, e;

	if (vaddr == NULL || bus_addr == NULL || len == 0) {
		spisync_errf(b->err, sizeof(b->err), "%s: dma_alloc needs a "
		    "length and two results", p->who);
		return -EINVAL;
	}
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (page < PCI_DMA_ALIGN)
		page = PCI_DMA_ALIGN;
	if (len > SIZE_MAX - page) {
		spisync_errf(b->err, sizeof(b->err), "%s: dma_alloc of %zu "
		    "bytes", p->who, len);
		return -ENOMEM;
	}
	size = (len + page - 1) / page * page;
	if (size > UINT64_MAX - p->iova_next) {
		spisync_errf(b->err, sizeof(b->err), "%s: IOVA space exhausted",
		    p->who);
		return -ENOSPC;
	}
	if (!p->vfio_ready &&
	    (rc = pci_vfio_open(p, b->err, sizeof(b->err))) != 0)
		return rc;

	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		spisync_errf(b->err, sizeof(b->err), "%s: out of memory",
		    p->who);
		return -ENOMEM;
	}
	/* anonymous memory comes zeroed and page-aligned */
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		e = errno;
		free(d);
		spisync_errf(b->err, sizeof(b->err), "%s: mmap of %zu bytes: "
		    "%s", p->who, size, strerror(e));
		return -e;
	}
	if (madvise(m, size, MADV_DONTFORK) != 0) {
		e = errno;
		munmap(m, size);
		free(d);
		spisync_errf(b->err, sizeof(b->err), "%s: madvise: %s", p->who,
		    strerror(e));
		return -e;
	}
	memset(&map, 0, sizeof(map));
	map.argsz = sizeof(map);
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uint64_t)(uintptr_t)m;
	map.iova = p->iova_next;
	map.size = size;
	if (ioctl(p->container, VFIO_IOMMU_MAP_DMA, &map) != 0) {
		e = errno;
		munmap(m, size);
		free(d);
		spisync_errf(b->err, sizeof(b->err), "%s: VFIO_IOMMU_MAP_DMA "
		    "of %zu bytes at IOVA 0x%llx: %s%s", p->who, size,
		    (unsigned long long)map.iova, strerror(e),
		    e == ENOMEM || e == EPERM ? " (the pages are pinned: "
		    "check RLIMIT_MEMLOCK)" : "");
		return -e;
	}
	d->vaddr = m;
	d->len = size;
	d->iova = map.iova;
	d->next = p->dmas;
	p->dmas = d;
	p->iova_next += size;
	*vaddr = m;
	*bus_addr = d->iova;
	return 0;
}

static int
pci_dma_release(struct pci_backend *p, struct pci_dma *d)
{
	struct vfio_iommu_type1_dma_unmap unmap;
	int rc = 0;

	memset(&unmap, 0, sizeof(unmap));
	unmap.argsz = sizeof(unmap);
	unmap.iova = d->iova;
	unmap.size = d->len;
	if (ioctl(p->container, VFIO_IOMMU_UNMAP_DMA, &unmap) != 0)
		rc = -errno;
	/* unmapped from the IOMMU or not, the pages go: a failed unmap
	 * leaves the IOVA pointing at pages VFIO still pins */
	munmap(d->vaddr, d->len);
	free(d);
	return rc;
}

static void
pci_dma_free(struct spisync_backend *b, void *vaddr, size_t len)
{
	struct pci_backend *p = pci_of(b);
	struct pci_dma **pp, *d;
	int rc;

	for (pp = &p->dmas; (d = *pp) != NULL; pp = &d->next)
		if (d->vaddr == vaddr)
			break;
	if (d == NULL || len == 0 || len > d->len) {
		spisync_errf(b->err, sizeof(b->err), "%s: dma_free of memory "
		    "dma_alloc did not give (%p, %zu bytes)", p->who, vaddr,
		    len);
		return;
	}
	*pp = d->next;
	if ((rc = pci_dma_release(p, d)) != 0)
		spisync_errf(b->err, sizeof(b->err), "%s: "
		    "VFIO_IOMMU_UNMAP_DMA: %s", p->who, strerror(-rc));
}

/* ---- lock and close ------------------------------------------------------ */

static int
pci_lock(struct spisync_backend *b)
{
	struct pci_backend *p = pci_of(b);

	return spisync_lockfile_lock(&p->lock, p->who, b->err,
	    sizeof(b->err));
}

static int
pci_unlock(struct spisync_backend *b)
{
	struct pci_backend *p = pci_of(b);

	return spisync_lockfile_unlock(&p->lock, p->who, b->err,
	    sizeof(b->err));
}

static void
pci_close(struct spisync_backend *b)
{
	struct pci_backend *p;
	struct pci_dma *d;

	if (b == NULL)
		return;
	p = pci_of(b);
	while ((d = p->dmas) != NULL) {
		p->dmas = d->next;
		(void)pci_dma_release(p, d);
	}
	pci_vfio_close(p);
	if (p->regs != NULL)
		munmap((void *)(uintptr_t)p->regs, SPISYNC_CTRL_BYTES);
	spisync_lockfile_close(&p->lock);
	free(p);
}

static const struct spisync_backend_ops pci_ops = {
	.name = "pci",
	.read32 = pci_read32,
	.write32 = pci_write32,
	.dma_alloc = pci_dma_alloc,
	.dma_free = pci_dma_free,
	.lock = pci_lock,
	.unlock = pci_unlock,
	.close = pci_close,
};

int
spisync_backend_pci_open(const char *arg, struct spisync_backend **out,
    char *err, size_t errlen)
{
	struct pci_backend *p;
	const char *root;
	char lockname[64];
	int rc, n;

	if (out == NULL) {
		spisync_errf(err, errlen, "pci: no place for the backend");
		return -EINVAL;
	}
	*out = NULL;
	if (arg == NULL)
		arg = "";
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		spisync_errf(err, errlen, "pci:%.40s: out of memory", arg);
		return -ENOMEM;
	}
	p->base.ops = &pci_ops;
	p->container = p->group = p->device = -1;
	p->lock.fd = -1;
	p->iova_next = PCI_IOVA_BASE;

	if (parse_pci_addr(arg, &p->addr) != 0) {
		spisync_errf(err, errlen, "pci:%.40s: not a PCI address: "
		    "expected DDDD:BB:DD.F or BB:DD.F (hexadecimal; device "
		    "00-1f, function 0-7)", arg);
		rc = -EINVAL;
		goto fail;
	}
	snprintf(p->who, sizeof(p->who), "pci:%s", p->addr.name);

	if ((rc = pci_find(&p->addr, p->who, err, errlen)) != 0)
		goto fail;

	root = getenv("SPISYNC_SYSFS_ROOT");
	if (root == NULL || root[0] == '\0')
		root = PCI_DEFAULT_SYSFS;
	n = snprintf(p->devdir, sizeof(p->devdir), "%s/bus/pci/devices/%s",
	    root, p->addr.name);
	if (n < 0 || (size_t)n >= sizeof(p->devdir)) {
		spisync_errf(err, errlen, "%s: SPISYNC_SYSFS_ROOT is too long",
		    p->who);
		rc = -ENAMETOOLONG;
		goto fail;
	}
	if ((rc = pci_map_bar0(p, err, errlen)) != 0)
		goto fail;

	snprintf(lockname, sizeof(lockname), "spisync-pci-%s.lock",
	    p->addr.name);
	if ((rc = spisync_lockfile_open(&p->lock, lockname, p->who, err,
	    errlen)) != 0)
		goto fail;

	*out = &p->base;
	return 0;
fail:
	pci_close(&p->base);
	return rc;
}
