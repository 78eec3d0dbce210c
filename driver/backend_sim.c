/*
 * libspisync -- the sim: backend: a running `spisync-sim --socket PATH`
 * over its UNIX SOCK_SEQPACKET protocol (sim/server/sim_proto.h).
 *
 * The simulated card's DMA lands in a memfd the server passes with the
 * HELLO answer; mapped shared here, records the card writes appear in this
 * process's memory as they would with real DMA. DMA_ALLOC answers with a
 * bus address in it: vaddr = map + (bus - SIM_PROTO_HOST_MEM_BASE), checked
 * against the mapping before use.
 *
 * Every answer is awaited with a bound (SIM_REPLY_TIMEOUT_MS; LOCK longer,
 * as it waits for another client's request). A connection that failed or
 * timed out mid-request is out of step with the server, so it is marked
 * broken and every later call fails at once.
 */
#define _DEFAULT_SOURCE	/* CMSG_SPACE, CMSG_LEN, MSG_CMSG_CLOEXEC, explicit_bzero */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend.h"
#include "sim_proto.h"

#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0
#endif

#define SIM_REPLY_TIMEOUT_MS 10000
/* LOCK is answered when granted: another client may hold it for a whole
 * mailbox request (2 s) and others may be queued before us */
#define SIM_LOCK_TIMEOUT_MS 30000
#define SIM_DMA_ALIGN 4096u

struct sim_backend {
	struct spisync_backend base;
	int fd;
	bool broken;
	uint8_t *map;
	size_t map_len;
	uint32_t data_width;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static const char *
op_name(uint32_t op)
{
	switch (op) {
	case SIM_OP_HELLO:
		return "HELLO";
	case SIM_OP_READ32:
		return "READ32";
	case SIM_OP_WRITE32:
		return "WRITE32";
	case SIM_OP_DMA_ALLOC:
		return "DMA_ALLOC";
	case SIM_OP_DMA_FREE:
		return "DMA_FREE";
	case SIM_OP_LOCK:
		return "LOCK";
	case SIM_OP_UNLOCK:
		return "UNLOCK";
	default:
		return "request";
	}
}

static int
fail(struct sim_backend *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct sim_backend *s, int rc, const char *fmt, ...)
{
	const size_t size = sizeof(s->base.err);
	va_list ap;
	int n;

	/* "sim:PATH: " then the sentence, cut at the buffer's end */
	n = snprintf(s->base.err, size, "sim:%s: ", s->path);
	if (n < 0 || (size_t)n >= size)
		return rc;
	va_start(ap, fmt);
	vsnprintf(s->base.err + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

/* A socket error mid-request: the server is gone or out of step. */
static int
lost(struct sim_backend *s, int err, const char *step, uint32_t op)
{
	const bool gone = err == EPIPE || err == ECONNRESET || err == 0;

	s->broken = true;
	if (err == 0)
		return fail(s, -ECONNRESET, "spisync-sim closed the connection "
		    "during %s (did it exit?)", op_name(op));
	return fail(s, gone ? -ECONNRESET : -EIO, "%s of %s failed: %s%s",
	    step, op_name(op), strerror(err),
	    gone ? " (did spisync-sim exit?)" : "");
}

/*
 * One request, one answer. fd_out (HELLO only) receives a passed
 * descriptor, or -1; any other descriptor that comes along is closed.
 */
static int
call(struct sim_backend *s, const struct sim_req *req, struct sim_rsp *rsp,
    int *fd_out, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	/* one byte more than an answer: a longer datagram is detected */
	uint8_t in[sizeof(*rsp) + 1];
	struct iovec iov = { .iov_base = in, .iov_len = sizeof(in) };
	struct msghdr msg;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	ssize_t n;
	int pr;

	if (fd_out != NULL)
		*fd_out = -1;
	if (s->broken)
		return fail(s, -ECONNRESET, "connection to spisync-sim lost "
		    "earlier: close and open the device again");
	do
		n = send(s->fd, req, sizeof(*req), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return lost(s, errno, "send", req->op);
	if ((size_t)n != sizeof(*req))
		return lost(s, EIO, "send", req->op);

	do
		pr = poll(&pfd, 1, timeout_ms);
	while (pr < 0 && errno == EINTR);
	if (pr < 0)
		return lost(s, errno, "poll", req->op);
	if (pr == 0) {
		s->broken = true;
		return fail(s, -ETIMEDOUT, "spisync-sim did not answer %s "
		    "within %d ms", op_name(req->op), timeout_ms);
	}

	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do
		n = recvmsg(s->fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return lost(s, errno, "receive", req->op);
	if (n == 0)
		return lost(s, 0, "receive", req->op);

	/* descriptors first, so none leaks whatever the answer is */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL;
	    c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t off = 0; off + sizeof(int) <=
		    c->cmsg_len - CMSG_LEN(0); off += sizeof(int)) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + off, sizeof(fd));
			if (fd_out != NULL && *fd_out < 0)
				*fd_out = fd;
			else
				close(fd);
		}
	}
	if ((size_t)n != sizeof(*rsp) || (msg.msg_flags & MSG_TRUNC) != 0) {
		s->broken = true;
		if (fd_out != NULL && *fd_out >= 0) {
			close(*fd_out);
			*fd_out = -1;
		}
		return fail(s, -EIO, "malformed answer to %s: %zd bytes, "
		    "expected %zu (not a spisync-sim socket, or another "
		    "protocol version)", op_name(req->op), n, sizeof(*rsp));
	}
	memcpy(rsp, in, sizeof(*rsp));
	return 0;
}

/*
 * A request without a descriptor. 0 with the answer in rsp (its status
 * still to be looked at), or a transport failure with its sentence.
 */
static int
simple(struct sim_backend *s, uint32_t op, uint32_t arg0, uint32_t arg1,
    uint64_t arg64, struct sim_rsp *rsp, int timeout_ms)
{
	struct sim_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.arg0 = arg0;
	req.arg1 = arg1;
	req.arg64 = arg64;
	rc = call(s, &req, rsp, NULL, timeout_ms);
	/* a WRITE32 of a mailbox word may have carried a key word */
	explicit_bzero(&req, sizeof(req));
	if (rc != 0)
		return rc;
	if (rsp->status > 0 || rsp->status < -4095) {
		s->broken = true;
		return fail(s, -EIO, "spisync-sim answered %s with status %d, "
		    "not an errno value", op_name(op), (int)rsp->status);
	}
	return 0;
}

/* The server's refusal (a negative errno value in the answer). */
static int
refused(struct sim_backend *s, const struct sim_rsp *rsp, const char *what)
{
	return fail(s, rsp->status, "spisync-sim refused %s: %s", what,
	    strerror(-rsp->status));
}

static struct sim_backend *
sim_of(struct spisync_backend *b)
{
	return (struct sim_backend *)b;
}

static int
sim_read32(struct spisync_backend *b, uint32_t offset, uint32_t *value)
{
	struct sim_backend *s = sim_of(b);
	struct sim_rsp rsp;
	char what[48];
	int rc = simple(s, SIM_OP_READ32, offset, 0, 0, &rsp,
	    SIM_REPLY_TIMEOUT_MS);

	if (rc != 0)
		return rc;
	if (rsp.status != 0) {
		snprintf(what, sizeof(what), "READ32 of register 0x%04x",
		    (unsigned)offset);
		return refused(s, &rsp, what);
	}
	*value = rsp.value;
	return 0;
}

static int
sim_write32(struct spisync_backend *b, uint32_t offset, uint32_t value)
{
	struct sim_backend *s = sim_of(b);
	struct sim_rsp rsp;
	char what[48];
	int rc = simple(s, SIM_OP_WRITE32, offset, value, 0, &rsp,
	    SIM_REPLY_TIMEOUT_MS);

	if (rc != 0)
		return rc;
	if (rsp.status != 0) {
		snprintf(what, sizeof(what), "WRITE32 of register 0x%04x",
		    (unsigned)offset);
		return refused(s, &rsp, what);
	}
	return 0;
}

static int
sim_dma_alloc(struct spisync_backend *b, size_t len, void **vaddr,
    uint64_t *bus_addr)
{
	struct sim_backend *s = sim_of(b);
	struct sim_rsp rsp;
	char what[64];
	int rc;

	if (len == 0 || len > s->map_len)
		return fail(s, -EINVAL, "DMA allocation of %zu bytes: the "
		    "simulator's host memory is %zu bytes", len, s->map_len);
	rc = simple(s, SIM_OP_DMA_ALLOC, 0, 0, len, &rsp, SIM_REPLY_TIMEOUT_MS);
	if (rc != 0)
		return rc;
	if (rsp.status != 0) {
		snprintf(what, sizeof(what), "a DMA allocation of %zu bytes",
		    len);
		return refused(s, &rsp, what);
	}
	/* the answer is trusted only inside our mapping */
	if (rsp.value64 < SIM_PROTO_HOST_MEM_BASE ||
	    rsp.value64 - SIM_PROTO_HOST_MEM_BASE > s->map_len - len ||
	    (rsp.value64 & (SIM_DMA_ALIGN - 1)) != 0) {
		struct sim_rsp ignored;

		(void)simple(s, SIM_OP_DMA_FREE, 0, 0, rsp.value64, &ignored,
		    SIM_REPLY_TIMEOUT_MS);
		return fail(s, -EIO, "spisync-sim gave DMA address 0x%llx for "
		    "%zu bytes: outside its host memory (0x%llx, %zu bytes) or "
		    "not 4096-byte aligned", (unsigned long long)rsp.value64,
		    len, (unsigned long long)SIM_PROTO_HOST_MEM_BASE, s->map_len);
	}
	*vaddr = s->map + (rsp.value64 - SIM_PROTO_HOST_MEM_BASE);
	*bus_addr = rsp.value64;
	return 0;
}

static void
sim_dma_free(struct spisync_backend *b, void *vaddr, size_t len)
{
	struct sim_backend *s = sim_of(b);
	const uint8_t *p = vaddr;
	struct sim_rsp rsp;

	if (p < s->map || p >= s->map + s->map_len ||
	    len > (size_t)(s->map + s->map_len - p)) {
		fail(s, -EINVAL, "DMA free of memory outside the simulator's "
		    "host memory (ignored)");
		return;
	}
	if (simple(s, SIM_OP_DMA_FREE, 0, 0,
	    SIM_PROTO_HOST_MEM_BASE + (uint64_t)(p - s->map), &rsp,
	    SIM_REPLY_TIMEOUT_MS) == 0 && rsp.status != 0)
		refused(s, &rsp, "a DMA free");
}

static int
sim_lock(struct spisync_backend *b)
{
	struct sim_backend *s = sim_of(b);
	struct sim_rsp rsp;
	int rc = simple(s, SIM_OP_LOCK, 0, 0, 0, &rsp, SIM_LOCK_TIMEOUT_MS);

	if (rc == 0 && rsp.status != 0)
		rc = refused(s, &rsp, "LOCK");
	return rc;
}

static int
sim_unlock(struct spisync_backend *b)
{
	struct sim_backend *s = sim_of(b);
	struct sim_rsp rsp;
	int rc = simple(s, SIM_OP_UNLOCK, 0, 0, 0, &rsp, SIM_REPLY_TIMEOUT_MS);

	if (rc == 0 && rsp.status != 0)
		rc = refused(s, &rsp, "UNLOCK");
	return rc;
}

static void
sim_close(struct spisync_backend *b)
{
	struct sim_backend *s = sim_of(b);

	if (s->map != NULL)
		munmap(s->map, s->map_len);
	if (s->fd >= 0)
		close(s->fd);	/* the server frees our DMA and our lock */
	free(s);
}

static const struct spisync_backend_ops sim_ops = {
	.name = "sim",
	.read32 = sim_read32,
	.write32 = sim_write32,
	.dma_alloc = sim_dma_alloc,
	.dma_free = sim_dma_free,
	.lock = sim_lock,
	.unlock = sim_unlock,
	.close = sim_close,
};

/* HELLO: the protocol version, the host memory's size and its memfd. */
static int
hello(struct sim_backend *s)
{
	struct sim_req req;
	struct sim_rsp rsp;
	struct stat st;
	int memfd = -1;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = SIM_OP_HELLO;
	req.arg0 = SIM_PROTO_MAGIC;
	req.arg1 = SIM_PROTO_VERSION;
	rc = call(s, &req, &rsp, &memfd, SIM_REPLY_TIMEOUT_MS);
	if (rc != 0)
		return rc;
	if (rsp.status != 0)
		rc = fail(s, rsp.status < 0 ? rsp.status : -EPROTO,
		    "spisync-sim refused HELLO (protocol %u): %s",
		    SIM_PROTO_VERSION, rsp.status < 0 ?
		    strerror(-rsp.status) : "bad status");
	else if (rsp.value != SIM_PROTO_VERSION)
		rc = fail(s, -EPROTO, "spisync-sim speaks socket protocol %u, "
		    "this libspisync speaks %u (rebuild one of them from the "
		    "same tree)", (unsigned)rsp.value, SIM_PROTO_VERSION);
	else if (rsp.value64 != SIM_PROTO_HOST_MEM_SIZE)
		rc = fail(s, -EPROTO, "spisync-sim's host memory is %llu bytes, "
		    "this libspisync expects %u",
		    (unsigned long long)rsp.value64, SIM_PROTO_HOST_MEM_SIZE);
	else if (memfd < 0)
		rc = fail(s, -EPROTO, "spisync-sim's HELLO answer carried no "
		    "host memory descriptor");
	else if (fstat(memfd, &st) != 0)
		rc = fail(s, -EIO, "host memory descriptor: fstat: %s",
		    strerror(errno));
	else if (st.st_size < (off_t)SIM_PROTO_HOST_MEM_SIZE)
		rc = fail(s, -EPROTO, "host memory descriptor holds %lld bytes, "
		    "%u announced", (long long)st.st_size,
		    SIM_PROTO_HOST_MEM_SIZE);
	if (rc == 0) {
		void *map = mmap(NULL, SIM_PROTO_HOST_MEM_SIZE,
		    PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);

		if (map == MAP_FAILED) {
			const int e = errno;

			rc = fail(s, -e, "mmap of the host memory: %s",
			    strerror(e));
		} else {
			s->map = map;
			s->map_len = SIM_PROTO_HOST_MEM_SIZE;
			s->data_width = rsp.aux;
		}
	}
	if (memfd >= 0)
		close(memfd);	/* the mapping keeps the memory */
	if (rc != 0)
		s->broken = true;
	return rc;
}

static int
open_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
open_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

int
spisync_backend_sim_open(const char *arg, struct spisync_backend **out,
    char *err, size_t errlen)
{
	struct sim_backend *s;
	struct sockaddr_un addr;
	int rc;

	*out = NULL;
	if (arg == NULL || arg[0] == '\0')
		return open_fail(err, errlen, -EINVAL, "sim: needs the socket "
		    "path of a running spisync-sim --socket (sim:PATH)");
	if (strlen(arg) >= sizeof(addr.sun_path))
		return open_fail(err, errlen, -ENAMETOOLONG, "sim:%s: socket "
		    "path longer than %zu bytes", arg,
		    sizeof(addr.sun_path) - 1);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return open_fail(err, errlen, -ENOMEM, "sim:%s: out of memory",
		    arg);
	s->base.ops = &sim_ops;
	s->fd = -1;
	snprintf(s->path, sizeof(s->path), "%s", arg);

	s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		const int e = errno;

		rc = open_fail(err, errlen, -e, "sim:%s: socket: %s", arg,
		    strerror(e));
		sim_close(&s->base);
		return rc;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, arg, strlen(arg));
	if (connect(s->fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		const int e = errno;

		rc = open_fail(err, errlen, -e, "sim:%s: connect: %s (is "
		    "spisync-sim --socket running?)", arg, strerror(e));
		sim_close(&s->base);
		return rc;
	}
	rc = hello(s);
	if (rc != 0) {
		open_fail(err, errlen, rc, "%s", s->base.err);
		sim_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
