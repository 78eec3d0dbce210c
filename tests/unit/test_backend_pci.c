/*
 * spisync -- cmocka tests of libspisync's pci: backend (driver/backend_pci.c)
 * and its lock file (driver/backend_lock.c).
 *
 * No card is needed: libpci reads the devices from an `lspci -x` dump
 * (tests/unit/pci-dump-cards.txt, described there) through its "dump"
 * method, and a temporary directory stands in for /sys, with regular
 * files as the BARs' resource0. Expectations come from the dump's
 * hand-written bytes, the register map's little-endian words read back
 * from the file with pread (not through the backend), and the lock file's
 * documented name, locked from another process with flock.
 *
 * Built with -DSPISYNC_LOCK_TIMEOUT_MS=400 so the lock timeout is seen in
 * well under a second. Usage: test_backend_pci DUMP_DIR (tests/unit).
 */
#define _GNU_SOURCE   /* flock, mkdtemp, nftw */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "test_tree.h"
#include "spisync_hw.h"

#define CTRL_BYTES 0x10000u

static const char *dump_dir;

struct fixture {
	char root[64];                 /* the temporary directory */
	char sys[128], lock[128];
	char dump[PATH_MAX];
	struct spisync_backend *b;
	char err[SPISYNC_ERR_LEN];
};

/* ---- the fake /sys ---------------------------------------------------- */

static void
make_resource0(const struct fixture *f, const char *dev, off_t size)
{
	char path[PATH_MAX];
	int fd;

	make_dir("%s/bus/pci/devices/%s", f->sys, dev);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/resource0",
	    f->sys, dev);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[PATH_MAX];

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/spisync-pci-test-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	snprintf(f->lock, sizeof(f->lock), "%s/lock", f->root);
	snprintf(f->dump, sizeof(f->dump), "%s/pci-dump-cards.txt", dump_dir);
	make_dir("%s", f->sys);
	make_dir("%s/bus", f->sys);
	make_dir("%s/bus/pci", f->sys);
	make_dir("%s/bus/pci/devices", f->sys);
	make_dir("%s", f->lock);

	/* BAR0 larger than the control port: only 64 KiB is used */
	make_resource0(f, "0000:65:00.0", 2 * CTRL_BYTES);
	make_resource0(f, "0000:66:00.0", CTRL_BYTES);
	make_resource0(f, "0000:67:00.0", 4096);
	make_resource0(f, "0000:68:00.0", CTRL_BYTES);
	/* 0000:69:00.0: no directory */
	make_resource0(f, "0000:6a:00.0", CTRL_BYTES);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:6a:00.0/"
	    "iommu_group", f->sys);
	assert_int_equal(symlink("../../../../kernel/iommu_groups/4242",
	    path), 0);
	make_resource0(f, "0000:6b:00.0", CTRL_BYTES);
	make_resource0(f, "0000:6c:00.0", CTRL_BYTES);

	assert_int_equal(setenv("SPISYNC_SYSFS_ROOT", f->sys, 1), 0);
	assert_int_equal(setenv("SPISYNC_LOCK_DIR", f->lock, 1), 0);
	assert_int_equal(setenv("SPISYNC_PCI_METHOD", "dump", 1), 0);
	assert_int_equal(setenv("SPISYNC_PCI_DUMP", f->dump, 1), 0);
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

static int
open_dev(struct fixture *f, const char *arg)
{
	f->err[0] = '\0';
	return spisync_backend_pci_open(arg, &f->b, f->err, sizeof(f->err));
}

static void
resource_path(const struct fixture *f, const char *dev, char *path,
    size_t len)
{
	snprintf(path, len, "%s/bus/pci/devices/%s/resource0", f->sys, dev);
}

/* ---- registers ----------------------------------------------------------- */

/* 32-bit little-endian registers land in the BAR file byte for byte. */
static void
test_register_round_trip(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t offset, value;
		uint8_t bytes[4];
	} w[] = {
		{ SPISYNC_REG_ID, 0x53505359u, { 0x59, 0x53, 0x50, 0x53 } },
		{ SPISYNC_REG_RING_CONS, 0x11223344u,
		    { 0x44, 0x33, 0x22, 0x11 } },
		{ 0x0800, 0xdeadbeefu, { 0xef, 0xbe, 0xad, 0xde } },
		{ 0xfffc, 0x80000001u, { 0x01, 0x00, 0x00, 0x80 } },
	};
	static const uint8_t in[4] = { 0x78, 0x56, 0x34, 0x12 };
	char path[PATH_MAX];
	uint8_t got[4];
	uint32_t v;
	size_t i;
	int fd;

	assert_int_equal(open_dev(f, "0000:65:00.0"), 0);
	assert_string_equal(f->b->ops->name, "pci");
	resource_path(f, "0000:65:00.0", path, sizeof(path));
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		assert_int_equal(f->b->ops->write32(f->b, w[i].offset,
		    w[i].value), 0);
		assert_int_equal(pread(fd, got, 4, w[i].offset), 4);
		assert_memory_equal(got, w[i].bytes, 4);
		assert_int_equal(f->b->ops->read32(f->b, w[i].offset, &v), 0);
		assert_int_equal(v, w[i].value);
	}
	/* written behind the backend's back, read through it */
	assert_int_equal(pwrite(fd, in, 4, 0x1000), 4);
	assert_int_equal(f->b->ops->read32(f->b, 0x1000, &v), 0);
	assert_int_equal(v, 0x12345678u);
	/* nothing but the written words changed */
	assert_int_equal(pread(fd, got, 4, 0x0004), 4);
	assert_memory_equal(got, "\0\0\0\0", 4);
	/* the second 64 KiB of BAR0 is not the control port */
	assert_int_equal(pread(fd, got, 4, CTRL_BYTES), 4);
	assert_memory_equal(got, "\0\0\0\0", 4);
	close(fd);
}

static void
test_register_bounds(void **state)
{
	struct fixture *f = *state;
	static const uint32_t bad[] = { CTRL_BYTES, CTRL_BYTES + 4, 0xfffe,
	    0x0002, 0x0001, 0xfffffffcu, UINT32_MAX };
	uint32_t v = 0x5a5a5a5au;
	size_t i;

	assert_int_equal(open_dev(f, "0000:65:00.0"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->b->err[0] = '\0';
		assert_int_equal(f->b->ops->read32(f->b, bad[i], &v), -EINVAL);
		assert_int_equal(v, 0x5a5a5a5au);
		assert_contains(f->b->err, "pci:0000:65:00.0: read32 at 0x");
		assert_int_equal(f->b->ops->write32(f->b, bad[i], 1), -EINVAL);
		assert_contains(f->b->err, "outside the 64 KiB control port");
	}
	assert_int_equal(f->b->ops->read32(f->b, 0, NULL), -EINVAL);
	assert_int_equal(f->b->ops->read32(f->b, CTRL_BYTES - 4, &v), 0);
}

/* ---- which device ----------------------------------------------------------- */

static void
test_bad_addresses(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "0000:65:00", "0000:65:00.8", "0000:65:20.0",
		"000:65:00.0", "00000:65:00.0", "0000:065:00.0",
		"0000:65:000.0", "0000:65:00.0x", "0000:65:00.0 ",
		" 0000:65:00.0", "g000:65:00.0", "0000-65-00.0", "65:0.0",
		"65:00.", "65:00.00", "0000:65:00.0:1", "0000::00.0",
		"0000:65:00:0", "0000:6g:00.0", "+000:65:00.0", "0x65:00.0",
		"65.00.0", ":65:00.0", "123456789:65:00.0",
	};
	struct spisync_backend *b;
	size_t i;

	/* a method libpci does not have: had parsing let the string
	 * through, the error would be about the method instead */
	assert_int_equal(setenv("SPISYNC_PCI_METHOD", "no-such-method", 1),
	    0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = (struct spisync_backend *)f;   /* must be cleared */
		f->err[0] = '\0';
		if (spisync_backend_pci_open(bad[i], &b, f->err,
		    sizeof(f->err)) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_null(b);
		assert_contains(f->err, "not a PCI address");
	}
	assert_int_equal(open_dev(f, NULL), -EINVAL);
	assert_contains(f->err, "not a PCI address");
	assert_int_equal(spisync_backend_pci_open("0000:65:00.0", NULL,
	    f->err, sizeof(f->err)), -EINVAL);
}

/* The domain may be left out, hex digits may be upper case; either
 * spelling is the same function. */
static void
test_address_spellings(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	uint8_t got[4];
	int fd;

	assert_int_equal(open_dev(f, "65:00.0"), 0);
	assert_int_equal(f->b->ops->write32(f->b, 0x10, 0xa5a5a5a5u), 0);
	f->b->ops->close(f->b);
	f->b = NULL;
	resource_path(f, "0000:65:00.0", path, sizeof(path));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, got, 4, 0x10), 4);
	assert_memory_equal(got, "\xa5\xa5\xa5\xa5", 4);
	close(fd);

	assert_int_equal(open_dev(f, "0000:6A:00.0"), 0);
	snprintf(path, sizeof(path), "%s/spisync-pci-0000:6a:00.0.lock",
	    f->lock);
	assert_int_equal(access(path, F_OK), 0);
}

static void
test_wrong_devices(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(open_dev(f, "0000:70:00.0"), -ENODEV);
	assert_string_equal(f->err, "pci:0000:70:00.0: no such PCI function "
	    "(libpci method dump)");
	assert_null(f->b);

	assert_int_equal(open_dev(f, "0000:66:00.0"), -ENODEV);
	assert_string_equal(f->err, "pci:0000:66:00.0: vendor 0x8086 device "
	    "0x15d8 is not a Xilinx/AMD function (vendor 0x10ee)");

	assert_int_equal(open_dev(f, "0000:67:00.0"), -ENODEV);
	assert_contains(f->err, "pci:0000:67:00.0: BAR0 (");
	assert_contains(f->err, "is 4096 bytes; the control port needs 65536");

	assert_int_equal(open_dev(f, "0000:68:00.0"), -ENODEV);
	assert_string_equal(f->err, "pci:0000:68:00.0: BAR0 is an I/O BAR, "
	    "not memory");

	assert_int_equal(open_dev(f, "0000:69:00.0"), -ENOENT);
	assert_contains(f->err, "pci:0000:69:00.0: cannot open ");
	assert_contains(f->err, "/bus/pci/devices/0000:69:00.0/resource0: "
	    "No such file or directory");

	assert_int_equal(open_dev(f, "0000:6b:00.0"), -ENODEV);
	assert_string_equal(f->err, "pci:0000:6b:00.0: memory decoding is off "
	    "in the command register (0x0000): no driver has enabled the "
	    "device");

	assert_int_equal(open_dev(f, "0000:6c:00.0"), -ENODEV);
	assert_string_equal(f->err, "pci:0000:6c:00.0: BAR0 is not assigned");
	assert_null(f->b);
}

/* libpci's errors come back as messages; the process goes on. */
static void
test_libpci_configuration(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	assert_int_equal(setenv("SPISYNC_PCI_METHOD", "no-such-method", 1),
	    0);
	assert_int_equal(open_dev(f, "0000:65:00.0"), -EINVAL);
	assert_contains(f->err, "unknown libpci access method "
	    "\"no-such-method\"");

	assert_int_equal(setenv("SPISYNC_PCI_METHOD", "dump", 1), 0);
	assert_int_equal(unsetenv("SPISYNC_PCI_DUMP"), 0);
	assert_int_equal(open_dev(f, "0000:65:00.0"), -EINVAL);
	assert_contains(f->err, "needs the dump file in SPISYNC_PCI_DUMP");

	snprintf(path, sizeof(path), "%s/no-such-dump.txt", f->root);
	assert_int_equal(setenv("SPISYNC_PCI_DUMP", path, 1), 0);
	assert_int_equal(open_dev(f, "0000:65:00.0"), -EIO);
	assert_contains(f->err, "pci:0000:65:00.0: libpci (method dump): "
	    "dump: Cannot open ");

	snprintf(path, sizeof(path), "%s/pci-dump-malformed.txt", dump_dir);
	assert_int_equal(setenv("SPISYNC_PCI_DUMP", path, 1), 0);
	assert_int_equal(open_dev(f, "0000:65:00.0"), -EIO);
	assert_string_equal(f->err, "pci:0000:65:00.0: libpci (method dump): "
	    "dump: Malformed line");

	assert_int_equal(unsetenv("SPISYNC_PCI_METHOD"), 0);
	assert_int_equal(open_dev(f, "0000:65:00.0"), -EINVAL);
	assert_contains(f->err, "SPISYNC_PCI_DUMP is set but "
	    "SPISYNC_PCI_METHOD is not \"dump\"");
	assert_null(f->b);
}

/* ---- DMA ----------------------------------------------------------------------- */

static void
test_dma_without_vfio(void **state)
{
	struct fixture *f = *state;
	void *vaddr = (void *)&vaddr;
	uint64_t bus = 0x1234;
	uint32_t v;

	assert_int_equal(open_dev(f, "0000:65:00.0"), 0);
	assert_int_equal(f->b->ops->dma_alloc(f->b, 4096, &vaddr, &bus),
	    -ENOTSUP);
	assert_string_equal(f->b->err, "pci:0000:65:00.0: no IOMMU group: "
	    "bind the device to vfio-pci (driver/README.md, pci: backend)");
	assert_ptr_equal(vaddr, (void *)&vaddr);
	assert_int_equal(bus, 0x1234);
	/* registers still work */
	assert_int_equal(f->b->ops->write32(f->b, 0x40, 7), 0);
	assert_int_equal(f->b->ops->read32(f->b, 0x40, &v), 0);
	assert_int_equal(v, 7);

	assert_int_equal(f->b->ops->dma_alloc(f->b, 0, &vaddr, &bus),
	    -EINVAL);
	assert_int_equal(f->b->ops->dma_alloc(f->b, 4096, NULL, &bus),
	    -EINVAL);
	f->b->err[0] = '\0';
	f->b->ops->dma_free(f->b, &v, 4096);
	assert_contains(f->b->err, "dma_free of memory dma_alloc did not "
	    "give");
}

/* A group, but no VFIO to open it with (this machine has no /dev/vfio;
 * with VFIO, group 4242 does not exist): a clear error either way. */
static void
test_dma_group_without_vfio(void **state)
{
	struct fixture *f = *state;
	void *vaddr = NULL;
	uint64_t bus = 0;

	assert_int_equal(open_dev(f, "0000:6a:00.0"), 0);
	assert_true(f->b->ops->dma_alloc(f->b, 8192, &vaddr, &bus) < 0);
	assert_contains(f->b->err, "pci:0000:6a:00.0: cannot open /dev/vfio/");
	assert_null(vaddr);
}

/* ---- the lock ----------------------------------------------------------------- */

/* In a child: try to take the lock file with op (LOCK_SH: does anyone
 * hold it exclusively? LOCK_EX: is it free?) without blocking; exit 0 if
 * that would block, 1 if it was granted, 2 on another failure. */
static pid_t
spawn_try_lock(const char *path, int op)
{
	pid_t pid = fork();
	int fd;

	assert_true(pid >= 0);
	if (pid != 0)
		return pid;
	alarm(20);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		_exit(2);
	if (flock(fd, op | LOCK_NB) == 0)
		_exit(1);
	_exit(errno == EWOULDBLOCK ? 0 : 2);
}

static int
child_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* In a child: take the lock, tell the parent through ready[1], then hold
 * it until the parent closes release[1] (release NULL: for hold_ms). The
 * child keeps no write end of release, or it would never see end-of-file;
 * an alarm ends it whatever happens, so a broken test fails, never hangs. */
static pid_t
spawn_holder(const char *path, const int ready[2], const int *release,
    int hold_ms)
{
	struct timespec t = { hold_ms / 1000, (long)(hold_ms % 1000) * 1000000 };
	pid_t pid = fork();
	char c;
	int fd;

	assert_true(pid >= 0);
	if (pid != 0)
		return pid;
	alarm(20);
	close(ready[0]);
	fd = open(path, O_RDONLY);
	if (fd < 0 || flock(fd, LOCK_EX) != 0)
		_exit(2);
	if (write(ready[1], "x", 1) != 1)
		_exit(2);
	if (release != NULL) {
		close(release[1]);
		if (read(release[0], &c, 1) < 0)
			_exit(2);
	} else
		nanosleep(&t, NULL);
	_exit(0);
}

/* The holder's "got it", or a failure after 10 s rather than a hang. */
static void
wait_ready(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, 10000) != 1)
		fail_msg("the lock holder did not start");
	assert_int_equal(read(fd, &c, 1), 1);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
test_lock_exclusive(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	struct timespec t0;
	int ready[2], release[2];
	pid_t pid;
	long ms;

	assert_int_equal(open_dev(f, "0000:65:00.0"), 0);
	snprintf(path, sizeof(path), "%s/spisync-pci-0000:65:00.0.lock",
	    f->lock);

	/* free until taken, and then not even shared with another process */
	assert_int_equal(child_status(spawn_try_lock(path, LOCK_EX)), 1);
	assert_int_equal(f->b->ops->lock(f->b), 0);
	assert_int_equal(child_status(spawn_try_lock(path, LOCK_SH)), 0);
	assert_int_equal(f->b->ops->lock(f->b), -EDEADLK);
	assert_int_equal(f->b->ops->unlock(f->b), 0);
	assert_int_equal(child_status(spawn_try_lock(path, LOCK_EX)), 1);
	assert_int_equal(f->b->ops->unlock(f->b), -EINVAL);

	/* held by another process: lock waits until it is released */
	assert_int_equal(pipe(ready), 0);
	pid = spawn_holder(path, ready, NULL, 250);
	wait_ready(ready[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(f->b->ops->lock(f->b), 0);
	ms = ms_since(&t0);
	if (ms < 150)
		fail_msg("lock returned after %ld ms, while held", ms);
	assert_int_equal(child_status(pid), 0);
	assert_int_equal(f->b->ops->unlock(f->b), 0);

	/* held and never released: -ETIMEDOUT after the timeout (400 ms
	 * in this build), not a hang */
	assert_int_equal(pipe(release), 0);
	pid = spawn_holder(path, ready, release, 0);
	close(release[0]);
	wait_ready(ready[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(f->b->ops->lock(f->b), -ETIMEDOUT);
	ms = ms_since(&t0);
	if (ms < 400 || ms > 5000)
		fail_msg("lock gave up after %ld ms", ms);
	assert_contains(f->b->err, "has been held by another process for "
	    "400 ms");
	close(release[1]);
	assert_int_equal(child_status(pid), 0);
	assert_int_equal(f->b->ops->lock(f->b), 0);
	close(ready[0]);
	close(ready[1]);

	/* closing the handle releases it */
	f->b->ops->close(f->b);
	f->b = NULL;
	assert_int_equal(child_status(spawn_try_lock(path, LOCK_EX)), 1);
}

/* SPISYNC_LOCK_DIR that cannot hold the file: /tmp does. */
static void
test_lock_fallback(void **state)
{
	struct fixture *f = *state;
	const char *path = "/tmp/spisync-pci-0000:65:00.0.lock";
	char dir[PATH_MAX];
	bool existed = access(path, F_OK) == 0;

	snprintf(dir, sizeof(dir), "%s/no-such-dir", f->root);
	assert_int_equal(setenv("SPISYNC_LOCK_DIR", dir, 1), 0);
	assert_int_equal(open_dev(f, "0000:65:00.0"), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(f->b->ops->lock(f->b), 0);
	assert_int_equal(child_status(spawn_try_lock(path, LOCK_SH)), 0);
	f->b->ops->close(f->b);
	f->b = NULL;
	if (!existed)
		unlink(path);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_addresses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_address_spellings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_devices, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_libpci_configuration,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_without_vfio, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dma_group_without_vfio,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_exclusive, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock_fallback, setup,
		    teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s DUMP_DIR (tests/unit)\n", argv[0]);
		return 2;
	}
	dump_dir = argv[1];
	return cmocka_run_group_tests_name("pci: backend", tests, NULL, NULL);
}
