/*
 * spisync tests -- spisync-sim's server mode end to end, over its socket
 * (sim/server/sim_proto.h), without root.
 *
 *   test_server_proto SPISYNC_SIM [--width 128|512] [--seed N]
 *
 * Starts `SPISYNC_SIM --socket DIR/sock` and, as clients of it:
 *   - HELLO: the answer's fields and the memfd (its size, mappable);
 *   - ID, VERSION, CAP_DATA_WIDTH read as docs/register-map.md gives them,
 *     a read/write register written and read back;
 *   - DMA_ALLOC / DMA_FREE: alignment, bounds, first fit, zeroing (seen in
 *     the client's own mapping), exhaustion by size and by count, pieces
 *     private to their client, freed when it disconnects;
 *   - the lock: three clients, grants in the order the LOCKs arrived, a
 *     waiting LOCK answered only when granted, a client killed while
 *     holding the lock (and host memory) releases both;
 *   - the card controller answers the mailbox (firmware/mbox.h HELLO, an
 *     unknown command);
 *   - malformed requests of every kind named in sim/server/clients.h, and
 *     random garbage: each answered -EINVAL (or the connection closed),
 *     the server still serving afterwards;
 *   - an event ring in a DMA piece, programmed as driver/event_ring.h says,
 *     then REPLAY of a pcap of ESP frames with unknown SPIs (IPv4, IPv6,
 *     UDP-encapsulated) and DRAIN: the SA_MISS records, read from the
 *     client's own mapping of the memfd, match the frames sent field by
 *     field (the expectations are built from the frames, by the layout in
 *     docs/register-map.md); the reason counters agree;
 *   - a second server with an SA preloaded (--esp-sa), a capture sent at
 *     start (--in) and --out: a frame for the SA (built with OpenSSL) comes
 *     out decrypted as docs/datapath.md says, a pass-through frame as it
 *     went in, the unknown SPI is a counted miss; --out appears at SIGTERM;
 *   - card time follows wall time, and a client's own TIME_ADJUST step is
 *     kept (skipped, saying so, while the card ignores TIME_ADJUST);
 *   - SIGTERM: exit status 0 and the socket file gone.
 */
#define _GNU_SOURCE     /* mkdtemp, SCM_RIGHTS, kill */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "bytes.h"
#include "frame_build.h"
#include "prng.h"
#include "server/sim_proto.h"
#include "spisync_hw.h"

/* docs/register-map.md: "Magic 0x53505359, version 0x00010001" */
#define MAP_ID      0x53505359u
#define MAP_VERSION 0x00010001u  /* 1.1: CDC_OVERFLOW */

/* How long an answer may take (an ASan build of the server is slow) and
 * how long the server may take to come up (the controller writes the
 * whole SA table through the simulated bus first). */
#define ANSWER_MS 30000
#define START_MS 300000
/* "no answer": nothing within this long */
#define QUIET_MS 300

#define HOST_PAGES (SIM_PROTO_HOST_MEM_SIZE / 4096u)

static const char *g_sim;
static unsigned g_width = 128;
static uint64_t g_seed;
static char g_dir[] = "/tmp/spisync-server-test.XXXXXX";
static char g_sock[sizeof(g_dir) + 16];
static pid_t g_server = -1;
static pid_t g_server2 = -1;     /* test_preload's */

/* ---------------------------------------------------------------------- */
/* the protocol, client side */

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int conn_open_at(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int conn_open(void)
{
	return conn_open_at(g_sock);
}

/* True if a message (or the end of the connection) is waiting within ms. */
static bool readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Receive one answer; *fd_out gets a passed descriptor (or -1). Returns the
 * message length, 0 if the server closed the connection, -1 on timeout. */
static ssize_t recv_rsp(int fd, struct sim_rsp *rsp, int *fd_out)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(int))];
	} ctrl;
	struct iovec iov = { .iov_base = rsp, .iov_len = sizeof(*rsp) };
	struct msghdr msg;
	ssize_t n;

	if (fd_out != NULL)
		*fd_out = -1;
	if (!readable_within(fd, ANSWER_MS))
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctrl.buf;
	msg.msg_controllen = sizeof(ctrl.buf);
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); n > 0 && cm != NULL;
	    cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int got;

			memcpy(&got, CMSG_DATA(cm), sizeof(got));
			if (fd_out != NULL)
				*fd_out = got;
			else
				close(got);
		}
	}
	return n;
}

static struct sim_req make_req(uint32_t op, uint32_t arg0, uint32_t arg1,
    uint64_t arg64)
{
	struct sim_req r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.arg0 = arg0;
	r.arg1 = arg1;
	r.arg64 = arg64;
	return r;
}

static void send_raw(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void send_req(int fd, const struct sim_req *r)
{
	send_raw(fd, r, sizeof(*r));
}

/* One request and its answer (which must come). */
static struct sim_rsp xfer(int fd, const struct sim_req *r)
{
	struct sim_rsp rsp;

	send_req(fd, r);
	assert_int_equal(recv_rsp(fd, &rsp, NULL), (ssize_t)sizeof(rsp));
	return rsp;
}

static int status_of(int fd, uint32_t op, uint32_t arg0, uint32_t arg1,
    uint64_t arg64)
{
	const struct sim_req r = make_req(op, arg0, arg1, arg64);

	return xfer(fd, &r).status;
}

/* A client of the server at path after HELLO; *memfd (if not NULL) gets
 * the memfd. */
static int client_at(const char *path, int *memfd)
{
	const struct sim_req r = make_req(SIM_OP_HELLO, SIM_PROTO_MAGIC,
	    SIM_PROTO_VERSION, 0);
	struct sim_rsp rsp;
	int fd = conn_open_at(path);
	int mfd;

	assert_true(fd >= 0);
	send_req(fd, &r);
	assert_int_equal(recv_rsp(fd, &rsp, &mfd), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, 0);
	assert_true(mfd >= 0);
	if (memfd != NULL)
		*memfd = mfd;
	else
		close(mfd);
	return fd;
}

static int client(int *memfd)
{
	return client_at(g_sock, memfd);
}

static uint32_t rd32(int fd, uint32_t off)
{
	const struct sim_req r = make_req(SIM_OP_READ32, off, 0, 0);
	const struct sim_rsp rsp = xfer(fd, &r);

	assert_int_equal(rsp.status, 0);
	return rsp.value;
}

static void wr32(int fd, uint32_t off, uint32_t v)
{
	assert_int_equal(status_of(fd, SIM_OP_WRITE32, off, v, 0), 0);
}

static uint64_t rd64(int fd, uint32_t lo_off)
{
	/* the LO read latches HI */
	const uint32_t lo = rd32(fd, lo_off);

	return (uint64_t)rd32(fd, lo_off + 4) << 32 | lo;
}

static uint64_t dma_alloc(int fd, uint64_t len, int *status)
{
	const struct sim_req r = make_req(SIM_OP_DMA_ALLOC, 0, 0, len);
	const struct sim_rsp rsp = xfer(fd, &r);

	*status = rsp.status;
	return rsp.value64;
}

static uint64_t dma_alloc_ok(int fd, uint64_t len)
{
	int st;
	const uint64_t a = dma_alloc(fd, len, &st);

	assert_int_equal(st, 0);
	return a;
}

static int dma_free(int fd, uint64_t addr)
{
	return status_of(fd, SIM_OP_DMA_FREE, 0, 0, addr);
}

/* The whole host memory for fd, retried while other clients' pieces are
 * being released by the server (it sees a disconnect in its next round). */
static uint64_t alloc_all_eventually(int fd)
{
	const uint64_t until = ms_now() + ANSWER_MS;

	for (;;) {
		int st;
		const uint64_t a = dma_alloc(fd, SIM_PROTO_HOST_MEM_SIZE, &st);

		if (st == 0)
			return a;
		assert_int_equal(st, -ENOMEM);
		assert_true(ms_now() < until);
		usleep(10000);
	}
}

static void *map_host(int memfd)
{
	void *p = mmap(NULL, SIM_PROTO_HOST_MEM_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED, memfd, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* ---------------------------------------------------------------------- */
/* the server process */

/* Run SPISYNC_SIM --socket sock --width W extra... and wait until it
 * listens; its pid, or -1. */
static pid_t spawn_server(const char *sock, const char *const extra[])
{
	const uint64_t until = ms_now() + START_MS;
	char width[8];
	const char *argv[16];
	size_t n = 0;
	pid_t pid;

	snprintf(width, sizeof(width), "%u", g_width);
	argv[n++] = g_sim;
	argv[n++] = "--socket";
	argv[n++] = sock;
	argv[n++] = "--width";
	argv[n++] = width;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(g_sim, (char *const *)argv);
		fprintf(stderr, "test_server_proto: exec %s: %s\n", g_sim,
		    strerror(errno));
		_exit(127);
	}
	for (;;) {
		int status;
		const int fd = conn_open_at(sock);

		if (fd >= 0) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "test_server_proto: the server exited "
			    "before it listened (status 0x%x)\n", status);
			return -1;
		}
		if (ms_now() > until) {
			fprintf(stderr, "test_server_proto: the server did not "
			    "listen within %d s\n", START_MS / 1000);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
		usleep(50000);
	}
}

static int start_server(void)
{
	g_server = spawn_server(g_sock, NULL);
	return g_server > 0 ? 0 : -1;
}

/* Wait for a server's exit; its wait status, or -1 on timeout. */
static int wait_exit(pid_t pid, int ms)
{
	const uint64_t until = ms_now() + (uint64_t)ms;

	for (;;) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		if (ms_now() > until)
			return -1;
		usleep(20000);
	}
}

static int group_setup(void **state)
{
	(void)state;
	if (mkdtemp(g_dir) == NULL)
		return -1;
	snprintf(g_sock, sizeof(g_sock), "%s/sock", g_dir);
	return start_server();
}

/* The test's directory holds files only (sockets, captures, a FIFO). */
static void remove_dir(void)
{
	char path[sizeof(g_dir) + 300];
	DIR *d = opendir(g_dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", g_dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(g_dir);
}

static int group_teardown(void **state)
{
	(void)state;
	/* servers a failed test left running */
	if (g_server > 0) {
		kill(g_server, SIGKILL);
		waitpid(g_server, NULL, 0);
		g_server = -1;
	}
	if (g_server2 > 0) {
		kill(g_server2, SIGKILL);
		waitpid(g_server2, NULL, 0);
		g_server2 = -1;
	}
	remove_dir();
	return 0;
}

/* ---------------------------------------------------------------------- */

static void test_hello(void **state)
{
	struct sim_req r;
	struct sim_rsp rsp;
	struct stat st;
	int fd, mfd;
	uint8_t *mem;

	(void)state;
	fd = conn_open();
	assert_true(fd >= 0);
	/* nothing before HELLO */
	assert_int_equal(status_of(fd, SIM_OP_READ32, SPISYNC_REG_ID, 0, 0),
	    -EINVAL);
	assert_int_equal(status_of(fd, SIM_OP_HELLO, SIM_PROTO_MAGIC ^ 1u,
	    SIM_PROTO_VERSION, 0), -EINVAL);
	assert_int_equal(status_of(fd, SIM_OP_HELLO, SIM_PROTO_MAGIC,
	    SIM_PROTO_VERSION + 1u, 0), -EPROTONOSUPPORT);
	r = make_req(SIM_OP_HELLO, SIM_PROTO_MAGIC, SIM_PROTO_VERSION, 0);
	send_req(fd, &r);
	assert_int_equal(recv_rsp(fd, &rsp, &mfd), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, 0);
	assert_int_equal(rsp.value, 1u);
	assert_int_equal(rsp.value64, 16u << 20);
	assert_int_equal(rsp.aux, g_width);
	assert_true(mfd >= 0);
	assert_int_equal(fstat(mfd, &st), 0);
	assert_int_equal(st.st_size, 16 << 20);
	mem = map_host(mfd);
	/* the server sealed its size: no client can pull it from under the
	 * card's writes */
	assert_int_not_equal(ftruncate(mfd, 4096), 0);
	munmap(mem, SIM_PROTO_HOST_MEM_SIZE);
	close(mfd);
	/* a second HELLO is refused; the connection goes on */
	assert_int_equal(status_of(fd, SIM_OP_HELLO, SIM_PROTO_MAGIC,
	    SIM_PROTO_VERSION, 0), -EINVAL);
	assert_int_equal(rd32(fd, SPISYNC_REG_ID), MAP_ID);
	close(fd);
}

static void test_registers(void **state)
{
	const int fd = client(NULL);
	/* TAG_SPI (0x0044): "Tag slot staging: SPI", rw, all 32 bits */
	const uint32_t tag_spi = 0x0044u;
	const uint32_t patterns[] = { 0xA5C30F12u, 0x5A3CF0EDu, 0u };

	(void)state;
	assert_int_equal(rd32(fd, 0x0000), MAP_ID);
	assert_int_equal(rd32(fd, 0x0004), MAP_VERSION);
	assert_int_equal(rd32(fd, 0x0008), g_width);        /* CAP_DATA_WIDTH */
	assert_int_equal(rd32(fd, 0x001C) & 1u, 1u);        /* STATUS ready */
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		wr32(fd, tag_spi, patterns[i]);
		assert_int_equal(rd32(fd, tag_spi), patterns[i]);
	}
	close(fd);
}

static void test_dma(void **state)
{
	int mfd;
	const int fd = client(&mfd);
	const int other = client(NULL);
	const uint64_t base = SIM_PROTO_HOST_MEM_BASE;
	uint8_t *mem = map_host(mfd);
	uint64_t a, b, c, d, e, all;
	int st;

	(void)state;
	/* empty at the start: the whole memory in one piece, at its base */
	all = dma_alloc_ok(fd, SIM_PROTO_HOST_MEM_SIZE);
	assert_int_equal(all, base);
	dma_alloc(fd, 1, &st);
	assert_int_equal(st, -ENOMEM);
	assert_int_equal(dma_free(fd, all), 0);
	assert_int_equal(dma_free(fd, all), -EINVAL);           /* twice */

	dma_alloc(fd, 0, &st);
	assert_int_equal(st, -EINVAL);
	dma_alloc(fd, SIM_PROTO_HOST_MEM_SIZE + 1ull, &st);
	assert_int_equal(st, -ENOMEM);
	dma_alloc(fd, UINT64_MAX, &st);
	assert_int_equal(st, -ENOMEM);

	/* first fit, in pages: a [0,1) b [1,3) c [3,4) */
	a = dma_alloc_ok(fd, 1);
	b = dma_alloc_ok(fd, 4097);
	c = dma_alloc_ok(fd, 4096);
	assert_int_equal(a, base);
	assert_int_equal(b, base + 4096);
	assert_int_equal(c, base + 3 * 4096);
	/* zeroed when handed out, seen in this client's own mapping */
	memset(mem + (b - base), 0xA5, 8192);
	assert_int_equal(dma_free(fd, b), 0);
	/* d takes the first page of b's gap, e does not fit in what is left
	 * of it and goes after c */
	d = dma_alloc_ok(fd, 100);
	e = dma_alloc_ok(fd, 8192);
	assert_int_equal(d, base + 4096);
	assert_int_equal(e, base + 4 * 4096);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(mem[d - base + i], 0);
	/* the page after d still holds what was written: it was not handed
	 * out again, so not zeroed */
	assert_int_equal(mem[d - base + 4096], 0xA5);

	/* only the owner frees, only at a piece's start, only inside */
	assert_int_equal(dma_free(other, a), -EINVAL);
	assert_int_equal(dma_free(fd, a + 64), -EINVAL);
	assert_int_equal(dma_free(fd, e + 4096), -EINVAL);
	assert_int_equal(dma_free(fd, base - 4096), -EINVAL);
	assert_int_equal(dma_free(fd, base + SIM_PROTO_HOST_MEM_SIZE), -EINVAL);
	assert_int_equal(dma_free(fd, 0), -EINVAL);
	assert_int_equal(dma_free(fd, a), 0);
	assert_int_equal(dma_free(fd, c), 0);
	assert_int_equal(dma_free(fd, d), 0);
	assert_int_equal(dma_free(fd, e), 0);

	/* exhaustion by count: one page each, every page, then no more */
	for (unsigned i = 0; i < HOST_PAGES; i++)
		assert_int_equal(dma_alloc_ok(fd, 4096), base + 4096ull * i);
	dma_alloc(other, 1, &st);
	assert_int_equal(st, -ENOMEM);
	/* the other client's pieces go when it disconnects */
	close(fd);
	assert_int_equal(alloc_all_eventually(other), base);
	assert_int_equal(dma_free(other, base), 0);
	munmap(mem, SIM_PROTO_HOST_MEM_SIZE);
	close(mfd);
	close(other);
}

static void test_lock_order(void **state)
{
	const int a = client(NULL), b = client(NULL), c = client(NULL);
	struct sim_rsp rsp;
	const struct sim_req lock = make_req(SIM_OP_LOCK, 0, 0, 0);

	(void)state;
	assert_int_equal(status_of(b, SIM_OP_UNLOCK, 0, 0, 0), -EPERM);
	assert_int_equal(status_of(a, SIM_OP_LOCK, 0, 0, 0), 0);
	assert_int_equal(status_of(a, SIM_OP_LOCK, 0, 0, 0), -EDEADLK);
	/* B asks first. A round trip on A after it: the server reads
	 * requests that are waiting together in one round, so B's LOCK has
	 * been read by the time A is answered, and C's comes later. */
	send_req(b, &lock);
	(void)rd32(a, SPISYNC_REG_ID);
	send_req(c, &lock);
	(void)rd32(a, SPISYNC_REG_ID);
	assert_false(readable_within(b, QUIET_MS));
	assert_false(readable_within(c, QUIET_MS));
	/* the holder still works while others wait */
	assert_int_equal(rd32(a, SPISYNC_REG_VERSION), MAP_VERSION);

	assert_int_equal(status_of(a, SIM_OP_UNLOCK, 0, 0, 0), 0);
	assert_int_equal(recv_rsp(b, &rsp, NULL), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, 0);
	assert_false(readable_within(c, QUIET_MS));
	assert_int_equal(status_of(a, SIM_OP_UNLOCK, 0, 0, 0), -EPERM);

	assert_int_equal(status_of(b, SIM_OP_UNLOCK, 0, 0, 0), 0);
	assert_int_equal(recv_rsp(c, &rsp, NULL), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, 0);
	/* a waiter that leaves is skipped: A queues, B queues, A leaves */
	send_req(a, &lock);
	(void)rd32(b, SPISYNC_REG_ID);
	send_req(b, &lock);
	(void)rd32(c, SPISYNC_REG_ID);
	close(a);
	(void)rd32(c, SPISYNC_REG_ID);
	assert_int_equal(status_of(c, SIM_OP_UNLOCK, 0, 0, 0), 0);
	assert_int_equal(recv_rsp(b, &rsp, NULL), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, 0);
	assert_int_equal(status_of(b, SIM_OP_UNLOCK, 0, 0, 0), 0);
	close(b);
	close(c);
}

static void test_lock_holder_killed(void **state)
{
	int ready[2];
	pid_t child;
	char byte;
	int fd;
	struct sim_rsp rsp;
	const struct sim_req lock = make_req(SIM_OP_LOCK, 0, 0, 0);

	(void)state;
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* holds the lock and all host memory, then waits to be killed;
		 * exits nonzero on any surprise (the parent then times out) */
		const int cfd = client(NULL);
		int st;

		close(ready[0]);
		if (status_of(cfd, SIM_OP_LOCK, 0, 0, 0) != 0)
			_exit(1);
		(void)dma_alloc(cfd, SIM_PROTO_HOST_MEM_SIZE, &st);
		if (st != 0 || write(ready[1], "1", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	fd = client(NULL);
	send_req(fd, &lock);
	assert_false(readable_within(fd, QUIET_MS));
	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(recv_rsp(fd, &rsp, NULL), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, 0);
	assert_int_equal(alloc_all_eventually(fd), SIM_PROTO_HOST_MEM_BASE);
	assert_int_equal(dma_free(fd, SIM_PROTO_HOST_MEM_BASE), 0);
	assert_int_equal(status_of(fd, SIM_OP_UNLOCK, 0, 0, 0), 0);
	close(fd);
}

/* A request that must be answered -EINVAL. */
static void expect_einval(int fd, const struct sim_req *r)
{
	assert_int_equal(xfer(fd, r).status, -EINVAL);
}

static void test_malformed(void **state)
{
	char path[sizeof(g_dir) + 16];
	const int fd = client(NULL);
	struct sim_req r;
	struct sim_rsp rsp;
	uint8_t big[sizeof(struct sim_req) + 16];
	FILE *fp;

	(void)state;
	/* wrong sizes */
	memset(big, 0, sizeof(big));
	r = make_req(SIM_OP_READ32, SPISYNC_REG_ID, 0, 0);
	memcpy(big, &r, sizeof(r));
	send_raw(fd, big, 8);
	assert_int_equal(recv_rsp(fd, &rsp, NULL), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, -EINVAL);
	send_raw(fd, big, sizeof(big));
	assert_int_equal(recv_rsp(fd, &rsp, NULL), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, -EINVAL);
	send_raw(fd, big, sizeof(struct sim_req) - 1);
	assert_int_equal(recv_rsp(fd, &rsp, NULL), (ssize_t)sizeof(rsp));
	assert_int_equal(rsp.status, -EINVAL);
	/* unknown ops, reserved set */
	r = make_req(0, 0, 0, 0);
	expect_einval(fd, &r);
	r = make_req(SIM_OP_DRAIN + 1, 0, 0, 0);
	expect_einval(fd, &r);
	r = make_req(0xFFFFFFFFu, 0, 0, 0);
	expect_einval(fd, &r);
	r = make_req(SIM_OP_READ32, SPISYNC_REG_ID, 0, 0);
	r.reserved = 1;
	expect_einval(fd, &r);
	/* register offsets: not 4-aligned, beyond 64 KiB */
	for (uint32_t off = 1; off < 4; off++) {
		r = make_req(SIM_OP_READ32, off, 0, 0);
		expect_einval(fd, &r);
		r = make_req(SIM_OP_WRITE32, 0x0044u + off, 0, 0);
		expect_einval(fd, &r);
	}
	r = make_req(SIM_OP_READ32, 0x10000u, 0, 0);
	expect_einval(fd, &r);
	r = make_req(SIM_OP_WRITE32, 0xFFFFFFFCu, 1, 0);
	expect_einval(fd, &r);
	assert_int_equal(rd32(fd, 0xFFFCu), rd32(fd, 0xFFFCu));  /* last word ok */
	/* REPLAY paths: not NUL-terminated, empty, missing, not a capture,
	 * not a file */
	r = make_req(SIM_OP_REPLAY, 0, 0, 0);
	memset(r.path, 'a', sizeof(r.path));
	expect_einval(fd, &r);
	r = make_req(SIM_OP_REPLAY, 0, 0, 0);
	expect_einval(fd, &r);
	r = make_req(SIM_OP_REPLAY, 0, 0, 0);
	snprintf(r.path, sizeof(r.path), "%s/no-such-file", g_dir);
	assert_int_equal(xfer(fd, &r).status, -ENOENT);
	snprintf(path, sizeof(path), "%s/notpcap", g_dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not a capture\n", fp);
	assert_int_equal(fclose(fp), 0);
	r = make_req(SIM_OP_REPLAY, 0, 0, 0);
	snprintf(r.path, sizeof(r.path), "%s", path);
	rsp = xfer(fd, &r);
	assert_int_equal(rsp.status, -EINVAL);
	assert_int_equal(rsp.value, 0);
	/* a FIFO nobody writes (opening it to read would block the server)
	 * and a directory: not regular files */
	snprintf(path, sizeof(path), "%s/fifo", g_dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	r = make_req(SIM_OP_REPLAY, 0, 0, 0);
	snprintf(r.path, sizeof(r.path), "%s", path);
	assert_int_equal(xfer(fd, &r).status, -EINVAL);
	r = make_req(SIM_OP_REPLAY, 0, 0, 0);
	snprintf(r.path, sizeof(r.path), "%s", g_dir);
	assert_int_equal(xfer(fd, &r).status, -EINVAL);
	/* still serving this client */
	assert_int_equal(rd32(fd, SPISYNC_REG_ID), MAP_ID);
	close(fd);
}

/* Random messages: each gets an answer with a status <= 0 or ends the
 * connection; the server goes on serving. A message that happens to be a
 * well-formed request is made malformed (reserved set) so the card and the
 * other tests' state are left alone. */
static void test_garbage(void **state)
{
	struct prng rng;
	uint8_t msg[600];
	int fd = conn_open();
	unsigned answered = 0, closed = 0;

	(void)state;
	prng_seed(&rng, g_seed);
	assert_true(fd >= 0);
	for (unsigned i = 0; i < 400; i++) {
		const size_t len = 1 + prng_below(&rng, sizeof(msg));
		struct sim_rsp rsp;
		struct sim_req r;
		ssize_t n;

		prng_fill(&rng, msg, len);
		if (len >= sizeof(r)) {
			memcpy(&r, msg, sizeof(r));
			if (r.reserved == 0)
				r.reserved = 1;
			memcpy(msg, &r, sizeof(r));
		}
		/* half of them after HELLO */
		if (i == 200) {
			close(fd);
			fd = client(NULL);
		}
		send_raw(fd, msg, len);
		n = recv_rsp(fd, &rsp, NULL);
		assert_true(n >= 0);
		if (n == 0) {
			closed++;
			close(fd);
			fd = i < 200 ? conn_open() : client(NULL);
			assert_true(fd >= 0);
			continue;
		}
		assert_int_equal(n, (ssize_t)sizeof(rsp));
		assert_int_equal(rsp.status, -EINVAL);
		answered++;
	}
	print_message("garbage: %u answered -EINVAL, %u connections closed\n",
	    answered, closed);
	close(fd);
	fd = client(NULL);
	assert_int_equal(rd32(fd, SPISYNC_REG_ID), MAP_ID);
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* REPLAY into an event ring in the client's memory */

enum { MISS_FRAMES = 24, RING_LOG2 = 6 };

struct miss {
	uint8_t frame[256];
	size_t len;
	uint8_t want[SPISYNC_EVENT_BYTES];   /* the record, PHASE and TIME_NS 0 */
	unsigned kind;                       /* 0 IPv4, 1 IPv6, 2 IPv4 UDP 4500 */
};

/* docs/register-map.md, "Event record": little-endian fields */
static void make_miss(struct prng *rng, struct miss *m, unsigned kind,
    uint32_t spi, uint64_t arrival)
{
	static const uint8_t key[16] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65,
	    0x76, 0x87, 0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F };
	const bool v6 = kind == 1, udp = kind == 2;
	uint8_t payload[40];
	struct fb_eth eth;
	struct fb_ip ip;
	struct fb_udp u;
	struct fb_esp esp;
	struct fb_info info;
	uint8_t *w = m->want;

	memset(&eth, 0, sizeof(eth));
	memcpy(eth.dst, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(eth.src, "\x02\x00\x00\x00\x00\x02", 6);
	eth.pad_min = true;
	memset(&ip, 0, sizeof(ip));
	ip.ipv6 = v6;
	ip.ttl = 64;
	if (v6) {
		/* 2001:db8::/32 */
		memcpy(ip.src, "\x20\x01\x0d\xb8", 4);
		memcpy(ip.dst, "\x20\x01\x0d\xb8", 4);
		prng_fill(rng, ip.src + 4, 12);
		prng_fill(rng, ip.dst + 4, 12);
	} else {
		/* 198.18.0.0/15 */
		ip.src[0] = ip.dst[0] = 198;
		ip.src[1] = (uint8_t)(18 + prng_below(rng, 2));
		ip.dst[1] = (uint8_t)(18 + prng_below(rng, 2));
		prng_fill(rng, ip.src + 2, 2);
		prng_fill(rng, ip.dst + 2, 2);
	}
	memset(&u, 0, sizeof(u));
	u.sport = (uint16_t)(1024 + prng_below(rng, 60000));
	u.dport = 4500;
	u.zero_csum = true;
	memset(&esp, 0, sizeof(esp));
	esp.spi = spi;
	esp.seq = 1 + prng_below(rng, 0xFFFFFFF0u);
	prng_fill(rng, esp.iv, sizeof(esp.iv));
	esp.key = key;
	esp.key_len = 16;
	esp.icv_len = 16;
	esp.next_header = 4;
	prng_fill(rng, payload, sizeof(payload));
	assert_int_equal(fb_esp_frame(m->frame, sizeof(m->frame), &eth, &ip,
	    udp ? &u : NULL, &esp, payload, sizeof(payload), &info), 0);
	m->len = info.len;
	m->kind = kind;

	memset(w, 0, SPISYNC_EVENT_BYTES);
	w[0] = 1;                                        /* TYPE SA_MISS */
	w[1] = (uint8_t)((v6 ? 0x02 : 0) | (udp ? 0x04 : 0));   /* FLAGS */
	store_le16(w + 2, (uint32_t)m->len);             /* FRAME_LEN */
	store_le32(w + 4, spi);                          /* SPI */
	memcpy(w + 16, ip.src, v6 ? 16 : 4);             /* SRC */
	memcpy(w + 32, ip.dst, v6 ? 16 : 4);             /* DST */
	store_le32(w + 48, (uint32_t)esp.seq);           /* SEQ */
	if (udp) {
		store_le16(w + 52, u.sport);             /* SPORT */
		store_le16(w + 54, u.dport);             /* DPORT */
	}
	store_le16(w + 60, 0xFFFFu);                     /* SA_INDEX none */
	store_le16(w + 62, (uint32_t)(arrival & 0xFFFFu));    /* RX_SEQ */
}

static void write_pcap(const char *path, const uint8_t *const frames[],
    const size_t lens[], size_t n)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;

	assert_non_null(p);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1700000000 + (long)i;
		h.caplen = h.len = (uint32_t)lens[i];
		pcap_dump((u_char *)d, &h, frames[i]);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static void counters(int fd, uint64_t out[SPISYNC_NUM_REASONS])
{
	wr32(fd, SPISYNC_REG_COUNTER_SNAPSHOT, 1);
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++)
		out[i] = rd64(fd, SPISYNC_REG_COUNTERS(i));
}

static void test_replay_events(void **state)
{
	static struct miss m[MISS_FRAMES];
	char pcap_path[sizeof(g_dir) + 16];
	uint64_t before[SPISYNC_NUM_REASONS], after[SPISYNC_NUM_REASONS];
	uint32_t spis[MISS_FRAMES];
	unsigned per_kind[3] = { 0, 0, 0 };
	struct prng rng;
	int mfd;
	const int fd = client(&mfd);
	uint8_t *mem = map_host(mfd);
	uint8_t *ring;
	uint64_t ring_bus, t0, t1, written0;
	struct sim_req r;
	struct sim_rsp rsp;
	uint64_t until;

	(void)state;
	prng_seed(&rng, g_seed ^ 0x5eed);
	counters(fd, before);
	/* distinct SPIs >= 256: every frame its own flow, reported at once */
	for (unsigned i = 0; i < MISS_FRAMES; i++) {
		bool again;

		do {
			spis[i] = 256u + prng_below(&rng, 0xFFFFFF00u);
			again = false;
			for (unsigned j = 0; j < i; j++)
				again |= spis[j] == spis[i];
		} while (again);
		make_miss(&rng, &m[i], i % 3, spis[i],
		    before[SPISYNC_R_RX_PACKETS] + i);
		per_kind[i % 3]++;
	}
	snprintf(pcap_path, sizeof(pcap_path), "%s/esp.pcap", g_dir);
	{
		const uint8_t *frames[MISS_FRAMES];
		size_t lens[MISS_FRAMES];

		for (unsigned i = 0; i < MISS_FRAMES; i++) {
			frames[i] = m[i].frame;
			lens[i] = m[i].len;
		}
		write_pcap(pcap_path, frames, lens, MISS_FRAMES);
	}

	/* a ring as driver/event_ring.h says: disable, wait for writes,
	 * zeroed memory, base, size, consumer 0, enable */
	ring_bus = dma_alloc_ok(fd, 64u << RING_LOG2);
	ring = mem + (ring_bus - SIM_PROTO_HOST_MEM_BASE);
	wr32(fd, SPISYNC_REG_RING_CTRL, 0);
	until = ms_now() + ANSWER_MS;
	while ((rd32(fd, SPISYNC_REG_RING_STATUS) & 0x10u) != 0)
		assert_true(ms_now() < until);
	memset(ring, 0, 64u << RING_LOG2);
	wr32(fd, SPISYNC_REG_RING_BASE_LO, (uint32_t)ring_bus);
	wr32(fd, SPISYNC_REG_RING_BASE_HI, (uint32_t)(ring_bus >> 32));
	wr32(fd, SPISYNC_REG_RING_SIZE_LOG2, RING_LOG2);
	wr32(fd, SPISYNC_REG_RING_CONS, 0);
	wr32(fd, SPISYNC_REG_RING_CTRL, 1);
	written0 = rd64(fd, SPISYNC_REG_EVENTS_WRITTEN_LO);
	t0 = rd64(fd, SPISYNC_REG_TIME_NS_LO);

	r = make_req(SIM_OP_REPLAY, 0, 0, 0);
	snprintf(r.path, sizeof(r.path), "%s", pcap_path);
	rsp = xfer(fd, &r);
	assert_int_equal(rsp.status, 0);
	assert_int_equal(rsp.value, MISS_FRAMES);
	r = make_req(SIM_OP_DRAIN, 0, 0, 0);
	rsp = xfer(fd, &r);
	assert_int_equal(rsp.status, 0);
	assert_true(rsp.value64 > 0);
	t1 = rd64(fd, SPISYNC_REG_TIME_NS_LO);

	/* the records, in arrival order, in this process's mapping */
	for (unsigned i = 0; i < MISS_FRAMES; i++) {
		uint8_t got[SPISYNC_EVENT_BYTES];
		uint64_t t;

		memcpy(got, ring + 64u * i, sizeof(got));
		assert_int_equal(got[1] & 0x01u, 1);             /* PHASE, lap 1 */
		got[1] &= (uint8_t)~0x01u;
		t = load_le(got + 8, 8);
		assert_true(t >= t0 && t <= t1);
		memset(got + 8, 0, 8);
		assert_memory_equal(got, m[i].want, sizeof(got));
	}
	/* nothing else was written */
	for (unsigned i = MISS_FRAMES; i < (1u << RING_LOG2); i++)
		assert_int_equal(ring[64u * i + 1] & 0x01u, 0);
	assert_int_equal(rd32(fd, SPISYNC_REG_RING_PROD), MISS_FRAMES);
	assert_int_equal(rd64(fd, SPISYNC_REG_EVENTS_WRITTEN_LO) - written0,
	    MISS_FRAMES);

	counters(fd, after);
	assert_int_equal(after[SPISYNC_R_RX_PACKETS] - before[SPISYNC_R_RX_PACKETS],
	    MISS_FRAMES);
	assert_int_equal(after[SPISYNC_R_SA_NOT_FOUND_V4] -
	    before[SPISYNC_R_SA_NOT_FOUND_V4], per_kind[0]);
	assert_int_equal(after[SPISYNC_R_SA_NOT_FOUND_V6] -
	    before[SPISYNC_R_SA_NOT_FOUND_V6], per_kind[1]);
	assert_int_equal(after[SPISYNC_R_SA_NOT_FOUND_NATT_V4] -
	    before[SPISYNC_R_SA_NOT_FOUND_NATT_V4], per_kind[2]);

	wr32(fd, SPISYNC_REG_RING_CTRL, 0);
	munmap(mem, SIM_PROTO_HOST_MEM_SIZE);
	close(mfd);
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* the card controller behind the mailbox (firmware/mbox.h, host side) */

/* One request: under the lock, RSP_SEQ + 1 (skipping 0) posted after CMD
 * and the arguments, RSP_SEQ polled (MBOX_TIMEOUT_MS, 2 s). The STATUS
 * word; out gets n_out result words. */
static uint32_t mbox_call(int fd, uint32_t cmd, const uint32_t *in,
    unsigned n_in, uint32_t *out, unsigned n_out)
{
	const uint64_t until = ms_now() + 2000;
	uint32_t seq;

	assert_int_equal(status_of(fd, SIM_OP_LOCK, 0, 0, 0), 0);
	seq = rd32(fd, SPISYNC_REG_MBOX(1)) + 1u;
	if (seq == 0)
		seq = 1;
	wr32(fd, SPISYNC_REG_MBOX(2), cmd);
	for (unsigned i = 0; i < n_in; i++)
		wr32(fd, SPISYNC_REG_MBOX(4 + i), in[i]);
	wr32(fd, SPISYNC_REG_MBOX(0), seq);
	while (rd32(fd, SPISYNC_REG_MBOX(1)) != seq)
		assert_true(ms_now() < until);
	for (unsigned i = 0; i < n_out; i++)
		out[i] = rd32(fd, SPISYNC_REG_MBOX(4 + i));
	seq = rd32(fd, SPISYNC_REG_MBOX(3));
	assert_int_equal(status_of(fd, SIM_OP_UNLOCK, 0, 0, 0), 0);
	return seq;
}

static void test_mailbox(void **state)
{
	const int fd = client(NULL);
	uint32_t out[6];

	(void)state;
	/* MBOX_CMD_HELLO (1): firmware version, protocol version 1, SA
	 * capacity = CAP_SA_ENTRIES, 0 SAs installed on this server */
	assert_int_equal(mbox_call(fd, 1, NULL, 0, out, 6), 0);
	assert_int_equal(out[0], 0x00010000u);
	assert_int_equal(out[1], 1u);
	assert_int_equal(out[2], rd32(fd, 0x000C));
	assert_int_equal(out[3], 0u);
	/* an unknown command: MBOX_E_BADCMD (5) */
	assert_int_equal(mbox_call(fd, 0x77, NULL, 0, NULL, 0), 5u);
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* a second server: SAs preloaded (--esp-sa), frames at start (--in),
 * what the card delivers written to --out */

static const uint8_t pre_key[16] = { 0x4c, 0x80, 0xcd, 0xef, 0xbb, 0x5d,
    0x10, 0xda, 0x90, 0x6a, 0xc7, 0x3c, 0x36, 0x13, 0xa6, 0x34 };
static const uint8_t pre_salt[4] = { 0x2e, 0x44, 0x3b, 0x68 };
#define PRE_SPI 0x00012345u

static void write_esp_sa(const char *path)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	/* Wireshark's esp_sa (uat) format, as tests/sim/mkpcap.c writes it */
	fprintf(fp, "\"IPv4\",\"198.18.0.2\",\"198.18.0.1\",\"0x%08x\","
	    "\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x", PRE_SPI);
	for (size_t i = 0; i < sizeof(pre_key); i++)
		fprintf(fp, "%02x", pre_key[i]);
	for (size_t i = 0; i < sizeof(pre_salt); i++)
		fprintf(fp, "%02x", pre_salt[i]);
	fprintf(fp, "\",\"NULL\",\"\",\"32-bit\",\"0\"\n");
	assert_int_equal(fclose(fp), 0);
}

struct pre_frames {
	uint8_t esp[400], miss[400], udp[400], inner[300];
	size_t esp_len, miss_len, udp_len, inner_len;
	uint8_t want_decrypted[400];   /* MACs, 0x0800, the inner packet */
	size_t want_len;
};

static void pre_build(struct pre_frames *f)
{
	static const uint8_t mac_dst[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t mac_src[6] = { 2, 0, 0, 0, 0, 2 };
	uint8_t payload[120];
	struct fb_eth eth;
	struct fb_ip outer, inner;
	struct fb_udp u;
	struct fb_esp esp;
	struct fb_info info;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	memset(&eth, 0, sizeof(eth));
	memcpy(eth.dst, mac_dst, 6);
	memcpy(eth.src, mac_src, 6);
	memset(&outer, 0, sizeof(outer));
	outer.ttl = 64;
	memcpy(outer.src, "\xc6\x12\x00\x02", 4);    /* 198.18.0.2 */
	memcpy(outer.dst, "\xc6\x12\x00\x01", 4);    /* 198.18.0.1 */
	inner = outer;
	memcpy(inner.src, "\xc6\x13\x01\x01", 4);    /* 198.19.1.1 */
	memcpy(inner.dst, "\xc6\x13\x02\x02", 4);    /* 198.19.2.2 */
	memset(&u, 0, sizeof(u));
	u.sport = 1000;
	u.dport = 2000;
	/* the inner packet: a UDP datagram without its Ethernet header */
	assert_int_equal(fb_udp_frame(f->udp, sizeof(f->udp), &eth, &inner, &u,
	    payload, sizeof(payload), &info), 0);
	f->inner_len = info.len - 14;
	memcpy(f->inner, f->udp + 14, f->inner_len);
	/* the pass-through frame: a UDP frame between the outer addresses */
	assert_int_equal(fb_udp_frame(f->udp, sizeof(f->udp), &eth, &outer, &u,
	    payload, sizeof(payload), &info), 0);
	f->udp_len = info.len;

	memset(&esp, 0, sizeof(esp));
	esp.spi = PRE_SPI;
	esp.seq = 1;
	memcpy(esp.iv, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	esp.key = pre_key;
	esp.key_len = 16;
	memcpy(esp.salt, pre_salt, 4);
	esp.icv_len = 16;
	esp.next_header = 4;
	assert_int_equal(fb_esp_frame(f->esp, sizeof(f->esp), &eth, &outer, NULL,
	    &esp, f->inner, f->inner_len, &info), 0);
	f->esp_len = info.len;
	esp.spi = PRE_SPI + 1;          /* not installed */
	assert_int_equal(fb_esp_frame(f->miss, sizeof(f->miss), &eth, &outer,
	    NULL, &esp, f->inner, f->inner_len, &info), 0);
	f->miss_len = info.len;
	/* docs/datapath.md 5, tunnel: MAC addresses, ethertype 0x0800 (next
	 * header 4), the inner packet */
	memcpy(f->want_decrypted, f->esp, 12);
	f->want_decrypted[12] = 0x08;
	f->want_decrypted[13] = 0x00;
	memcpy(f->want_decrypted + 14, f->inner, f->inner_len);
	f->want_len = 14 + f->inner_len;
}

static void test_preload(void **state)
{
	char sock[sizeof(g_dir) + 16], sa_path[sizeof(g_dir) + 16];
	char in_path[sizeof(g_dir) + 16], out_path[sizeof(g_dir) + 16];
	char errbuf[PCAP_ERRBUF_SIZE];
	static struct pre_frames f;
	uint64_t c[SPISYNC_NUM_REASONS];
	struct pcap_pkthdr *h;
	const u_char *data;
	bool seen_decrypted = false, seen_udp = false;
	unsigned n_out = 0;
	pcap_t *pc;
	pid_t pid;
	int fd, status;

	(void)state;
	snprintf(sock, sizeof(sock), "%s/sock2", g_dir);
	snprintf(sa_path, sizeof(sa_path), "%s/esp_sa", g_dir);
	snprintf(in_path, sizeof(in_path), "%s/in.pcap", g_dir);
	snprintf(out_path, sizeof(out_path), "%s/out.pcap", g_dir);
	pre_build(&f);
	write_esp_sa(sa_path);
	{
		const uint8_t *frames[] = { f.esp, f.miss, f.udp };
		const size_t lens[] = { f.esp_len, f.miss_len, f.udp_len };

		write_pcap(in_path, frames, lens, 3);
	}
	{
		const char *extra[] = { "--esp-sa", sa_path, "--in", in_path,
		    "--out", out_path, NULL };

		pid = spawn_server(sock, extra);
		g_server2 = pid;
	}
	assert_true(pid > 0);
	fd = client_at(sock, NULL);
	assert_int_equal(status_of(fd, SIM_OP_DRAIN, 0, 0, 0), 0);
	counters(fd, c);
	assert_int_equal(c[SPISYNC_R_RX_PACKETS], 3);
	assert_int_equal(c[SPISYNC_R_DECRYPTED], 1);
	assert_int_equal(c[SPISYNC_R_PASS_THROUGH], 1);
	assert_int_equal(c[SPISYNC_R_SA_NOT_FOUND_V4], 1);
	/* the controller knows the preloaded SA: MBOX_CMD_SA_FIND (5) */
	{
		const uint32_t spi[2] = { PRE_SPI, PRE_SPI + 1 };
		uint32_t index;

		assert_int_equal(mbox_call(fd, 5, &spi[0], 1, &index, 1), 0);
		assert_true(index < rd32(fd, 0x000C));
		assert_int_equal(mbox_call(fd, 5, &spi[1], 1, NULL, 0), 3u);
	}
	close(fd);
	/* --out appears when the server ends */
	assert_int_equal(access(out_path, F_OK), -1);
	assert_int_equal(kill(pid, SIGTERM), 0);
	status = wait_exit(pid, ANSWER_MS);
	if (status != -1)
		g_server2 = -1;
	assert_true(status != -1 && WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	pc = pcap_open_offline(out_path, errbuf);
	assert_non_null(pc);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		n_out++;
		if (h->caplen == f.want_len &&
		    memcmp(data, f.want_decrypted, f.want_len) == 0)
			seen_decrypted = true;
		else if (h->caplen == f.udp_len && memcmp(data, f.udp,
		    f.udp_len) == 0)
			seen_udp = true;
	}
	pcap_close(pc);
	assert_int_equal(n_out, 2);
	assert_true(seen_decrypted);
	assert_true(seen_udp);
}

/* ---------------------------------------------------------------------- */

static void skip_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	skip();
}

static void test_card_time(void **state)
{
	const int fd = client(NULL);
	uint64_t c0, c1, c2, w0, w1, w2;
	const uint64_t step = 1000000000ull;   /* a client's own 1 s step */
	int64_t off;

	(void)state;
	w0 = ms_now();
	c0 = rd64(fd, SPISYNC_REG_TIME_NS_LO);
	usleep(400000);
	w1 = ms_now();
	c1 = rd64(fd, SPISYNC_REG_TIME_NS_LO);
	if (c1 - c0 < 50000000ull) {
		close(fd);
		skip_msg("card time advanced %.3f ms in %u ms of wall time: the "
		    "card ignores TIME_ADJUST (RTL not there yet); not tested",
		    (double)(c1 - c0) / 1e6, (unsigned)(w1 - w0));
		return;
	}
	/* each read is taken somewhere inside its request's round trip */
	off = (int64_t)(c1 - c0) / 1000000 - (int64_t)(w1 - w0);
	print_message("card time: %+lld ms against wall time over %u ms\n",
	    (long long)off, (unsigned)(w1 - w0));
	assert_true(off > -5 && off < 5);
	/* the low word staged, a server sync in between (it syncs at least
	 * every 100 ms while idle), then the high word: the step is ours */
	wr32(fd, SPISYNC_REG_TIME_ADJUST_LO, (uint32_t)step);
	usleep(250000);
	wr32(fd, SPISYNC_REG_TIME_ADJUST_HI, (uint32_t)(step >> 32));
	usleep(200000);
	w2 = ms_now();
	c2 = rd64(fd, SPISYNC_REG_TIME_NS_LO);
	off = (int64_t)((c2 - c1 - step) / 1000000) - (int64_t)(w2 - w1);
	print_message("card time after a 1 s step: %+lld ms\n", (long long)off);
	assert_true(off > -5 && off < 5);
	close(fd);
}

static void test_sigterm(void **state)
{
	int status;
	int fd = client(NULL);

	(void)state;
	assert_int_equal(kill(g_server, SIGTERM), 0);
	status = wait_exit(g_server, ANSWER_MS);
	assert_int_not_equal(status, -1);
	g_server = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(access(g_sock, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	/* a connected client sees the end */
	{
		struct sim_rsp rsp;

		assert_int_equal(recv_rsp(fd, &rsp, NULL), 0);
	}
	close(fd);
	assert_int_equal(conn_open(), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_dma),
		cmocka_unit_test(test_lock_order),
		cmocka_unit_test(test_lock_holder_killed),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_mailbox),
		cmocka_unit_test(test_replay_events),
		cmocka_unit_test(test_preload),
		cmocka_unit_test(test_card_time),
		cmocka_unit_test(test_sigterm),
	};

	g_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (argc < 2)
		goto usage;
	g_sim = argv[1];
	for (int i = 2; i < argc; i++) {
		char *end;

		if (i + 1 >= argc)
			goto usage;
		if (strcmp(argv[i], "--width") == 0) {
			g_width = (unsigned)strtoul(argv[++i], &end, 10);
			if (*end != '\0' || (g_width != 128 && g_width != 512))
				goto usage;
		} else if (strcmp(argv[i], "--seed") == 0) {
			g_seed = strtoull(argv[++i], &end, 0);
			if (*end != '\0')
				goto usage;
		} else {
			goto usage;
		}
	}
	printf("test_server_proto: %s, %u bits, seed %llu (replay with --seed "
	    "%llu)\n", g_sim, g_width, (unsigned long long)g_seed,
	    (unsigned long long)g_seed);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
usage:
	fprintf(stderr, "usage: %s SPISYNC_SIM [--width 128|512] [--seed N]\n",
	    argv[0]);
	return 2;
}
