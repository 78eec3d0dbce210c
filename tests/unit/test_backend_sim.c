/*
 * spisync -- unit tests of libspisync's sim: backend (driver/backend_sim.c)
 * against a small server thread written here from sim/server/sim_proto.h:
 * HELLO with a memfd of host memory (SCM_RIGHTS), READ32 / WRITE32 on an
 * array of registers, DMA_ALLOC / DMA_FREE in the memfd, LOCK / UNLOCK.
 * Only the public API (spisync.h) is used, so the same test runs linked
 * with the object files (ASan/UBSan) and with libspisync.so (valgrind).
 *
 *   open        a working server: registers both ways, ID checked; no
 *               server, a stream socket, a refused / short / other-version
 *               HELLO, no descriptor, too little memory: each a sentence
 *   memory      the ring allocated in the shared memfd: the client's zeroing
 *               seen by the server, a record the server writes seen by the
 *               client's poll, DMA_FREE of the same bus address on stop; a
 *               DMA address outside the memory refused (and given back)
 *   lock        counters read between LOCK and UNLOCK
 *   errors      the server refusing a register, the server gone mid-call
 *               (and every later call failing at once)
 */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_proto.h"
#include "spisync.h"

#define DMA_FIRST 0x3000u	/* where the server's allocations start */

enum hello_mode {
	HELLO_OK,
	HELLO_SHORT,        /* an 8-byte answer */
	HELLO_VERSION,      /* value 2 */
	HELLO_NO_FD,
	HELLO_REFUSE,       /* status -EPROTONOSUPPORT */
	HELLO_SMALL_MEM,    /* the memfd is 1 MiB */
};

struct server {
	char dir[64];
	char path[128];
	char dev[140];
	int lfd;
	pthread_t thread;
	bool threaded;
	enum hello_mode hello;
	unsigned die_at;              /* close on receiving request n (1 = HELLO) */
	uint64_t dma_answer;          /* nonzero: answer DMA_ALLOC with this */
	uint32_t refuse_offset;       /* READ32 of it answered -EPERM */
	uint32_t regs[0x10000 / 4];
	int memfd;
	uint8_t *mem;
	uint64_t next_off;
	/* what the server saw */
	unsigned requests;
	uint32_t hello_magic, hello_version;
	unsigned locks, unlocks, dma_frees;
	bool locked;
	bool snapshot_locked;         /* COUNTER_SNAPSHOT written under LOCK */
	bool protocol_error;
	uint64_t alloc_len, freed_bus;
};

static uint32_t *
sreg(struct server *s, uint32_t offset)
{
	return &s->regs[offset / 4];
}

static int
send_rsp(int fd, const struct sim_rsp *rsp, size_t len, int pass_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)rsp, .iov_len = len };
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* The HELLO answer, as the mode says. */
static int
answer_hello(struct server *s, int fd, const struct sim_req *req)
{
	struct sim_rsp rsp;
	int pass = s->memfd;

	s->hello_magic = req->arg0;
	s->hello_version = req->arg1;
	memset(&rsp, 0, sizeof(rsp));
	rsp.value = SIM_PROTO_VERSION;
	rsp.value64 = SIM_PROTO_HOST_MEM_SIZE;
	rsp.aux = 512;
	switch (s->hello) {
	case HELLO_SHORT:
		return send_rsp(fd, &rsp, 8, pass);
	case HELLO_VERSION:
		rsp.value = 2;
		break;
	case HELLO_NO_FD:
		pass = -1;
		break;
	case HELLO_REFUSE:
		rsp.status = -EPROTONOSUPPORT;
		break;
	case HELLO_OK:
	case HELLO_SMALL_MEM:
		break;
	}
	return send_rsp(fd, &rsp, sizeof(rsp), pass);
}

static void
handle(struct server *s, const struct sim_req *req, struct sim_rsp *rsp)
{
	memset(rsp, 0, sizeof(*rsp));
	switch (req->op) {
	case SIM_OP_READ32:
		if (req->arg0 >= sizeof(s->regs) || req->arg0 == s->refuse_offset)
			rsp->status = -EPERM;
		else
			rsp->value = *sreg(s, req->arg0);
		break;
	case SIM_OP_WRITE32:
		if (req->arg0 >= sizeof(s->regs)) {
			rsp->status = -EINVAL;
			break;
		}
		*sreg(s, req->arg0) = req->arg1;
		if (req->arg0 == SPISYNC_REG_COUNTER_SNAPSHOT)
			s->snapshot_locked = s->locked;
		/* the card's enabled bit follows RING_CTRL */
		if (req->arg0 == SPISYNC_REG_RING_CTRL)
			*sreg(s, SPISYNC_REG_RING_STATUS) = req->arg1 & 1u;
		break;
	case SIM_OP_DMA_ALLOC:
		s->alloc_len = req->arg64;
		if (s->dma_answer != 0) {
			rsp->value64 = s->dma_answer;
			break;
		}
		/* garbage in it: the client must zero what it uses */
		memset(s->mem + s->next_off, 0xa5, req->arg64);
		rsp->value64 = SIM_PROTO_HOST_MEM_BASE + s->next_off;
		s->next_off += (req->arg64 + 4095u) & ~4095ull;
		break;
	case SIM_OP_DMA_FREE:
		s->dma_frees++;
		s->freed_bus = req->arg64;
		break;
	case SIM_OP_LOCK:
		s->protocol_error |= s->locked;
		s->locked = true;
		s->locks++;
		break;
	case SIM_OP_UNLOCK:
		s->protocol_error |= !s->locked;
		s->locked = false;
		s->unlocks++;
		break;
	default:
		rsp->status = -EOPNOTSUPP;
		s->protocol_error = true;
		break;
	}
}

static void *
server_main(void *arg)
{
	struct server *s = arg;
	struct sim_req req;
	struct sim_rsp rsp;
	int fd = accept(s->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;	/* shut down without a client */
	for (;;) {
		const ssize_t n = recv(fd, &req, sizeof(req), 0);

		if (n <= 0)
			break;
		s->requests++;
		if (n != (ssize_t)sizeof(req) || req.reserved != 0)
			s->protocol_error = true;
		if (s->die_at != 0 && s->requests == s->die_at)
			break;	/* gone without answering */
		if (s->requests == 1) {
			if (req.op != SIM_OP_HELLO)
				s->protocol_error = true;
			if (answer_hello(s, fd, &req) != 0)
				break;
			continue;
		}
		handle(s, &req, &rsp);
		if (send_rsp(fd, &rsp, sizeof(rsp), -1) != 0)
			break;
	}
	close(fd);
	return NULL;
}

/* Registers of a card this library drives. */
static void
card_regs(struct server *s)
{
	*sreg(s, SPISYNC_REG_ID) = SPISYNC_MAGIC;
	*sreg(s, SPISYNC_REG_VERSION) = SPISYNC_VERSION;
	*sreg(s, SPISYNC_REG_CAP_DATA_WIDTH) = 512;
	*sreg(s, SPISYNC_REG_CAP_SA_ENTRIES) = 64;
	*sreg(s, SPISYNC_REG_CAP_TAG_BUCKETS) = 64;
	*sreg(s, SPISYNC_REG_CAP_REASONS) = SPISYNC_NUM_REASONS;
	*sreg(s, SPISYNC_REG_CAP_RING_MAX_LOG2) = 20;
	*sreg(s, SPISYNC_REG_CAP_EVENT_HIST) = 64;
}

static struct server *
server_start(enum hello_mode hello, int type)
{
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_un addr;
	const size_t mem_size = hello == HELLO_SMALL_MEM ? (1u << 20) :
	    SIM_PROTO_HOST_MEM_SIZE;

	assert_non_null(s);
	s->hello = hello;
	s->next_off = DMA_FIRST;
	s->refuse_offset = 0xffffffffu;	/* none */
	card_regs(s);
	snprintf(s->dir, sizeof(s->dir), "/tmp/spisync-simtest-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/sock", s->dir);
	snprintf(s->dev, sizeof(s->dev), "sim:%s", s->path);

	s->memfd = memfd_create("spisync-test-host-mem", MFD_CLOEXEC);
	assert_true(s->memfd >= 0);
	assert_int_equal(ftruncate(s->memfd, (off_t)mem_size), 0);
	s->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    s->memfd, 0);
	assert_true(s->mem != MAP_FAILED);

	s->lfd = socket(AF_UNIX, type, 0);
	assert_true(s->lfd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, s->path, strlen(s->path));
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(s->lfd, 1), 0);
	if (type == SOCK_SEQPACKET) {
		assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
		s->threaded = true;
	}
	return s;
}

static void
server_stop(struct server *s)
{
	/* wakes an accept that never got a client */
	shutdown(s->lfd, SHUT_RDWR);
	if (s->threaded)
		assert_int_equal(pthread_join(s->thread, NULL), 0);
	close(s->lfd);
	munmap(s->mem, s->hello == HELLO_SMALL_MEM ? (1u << 20) :
	    SIM_PROTO_HOST_MEM_SIZE);
	close(s->memfd);
	unlink(s->path);
	rmdir(s->dir);
	assert_false(s->protocol_error);
	free(s);
}

/* ---- open ------------------------------------------------------------ */

static void
test_open_and_registers(void **state)
{
	struct server *s = server_start(HELLO_OK, SOCK_SEQPACKET);
	struct spisync *h = NULL;
	char err[256];
	uint32_t v = 0;
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(spisync_open(s->dev, &h, err, sizeof(err)), 0);
	assert_string_equal(spisync_backend_name(h), "sim");
	assert_int_equal(s->hello_magic, SIM_PROTO_MAGIC);
	assert_int_equal(s->hello_version, SIM_PROTO_VERSION);
	assert_int_equal(spisync_reg_read32(h, SPISYNC_REG_CAP_SA_ENTRIES, &v), 0);
	assert_int_equal(v, 64);
	assert_int_equal(spisync_reg_write32(h, SPISYNC_REG_MBOX(3), 0xabcdef01), 0);
	assert_int_equal(*sreg(s, SPISYNC_REG_MBOX(3)), 0xabcdef01);
	*sreg(s, SPISYNC_REG_TIME_NS_LO) = 0x89abcdef;
	*sreg(s, SPISYNC_REG_TIME_NS_HI) = 0x01234567;
	assert_int_equal(spisync_time_ns(h, &ns), 0);
	assert_true(ns == 0x0123456789abcdefull);
	spisync_close(h);
	server_stop(s);
}

static void
test_open_wrong_card(void **state)
{
	struct server *s = server_start(HELLO_OK, SOCK_SEQPACKET);
	struct spisync *h = NULL;
	char err[256], want[512];

	(void)state;
	*sreg(s, SPISYNC_REG_ID) = 0xdeadbeef;
	assert_int_equal(spisync_open(s->dev, &h, err, sizeof(err)), -ENODEV);
	assert_null(h);
	snprintf(want, sizeof(want), "%s is not a spisync card: ID reads "
	    "0xdeadbeef, expected 0x53505359 (wrong bitstream, or not this "
	    "card's register space)", s->dev);
	assert_string_equal(err, want);
	server_stop(s);
}

/* Open against a server in the given mode: the error and its sentence. */
static void
open_fails(enum hello_mode mode, int type, int rc, const char *sentence)
{
	struct server *s = server_start(mode, type);
	struct spisync *h = (struct spisync *)&h;
	char err[256], want[512];

	assert_int_equal(spisync_open(s->dev, &h, err, sizeof(err)), rc);
	assert_null(h);
	snprintf(want, sizeof(want), "%s: %s", s->dev, sentence);
	assert_string_equal(err, want);
	server_stop(s);
}

static void
test_open_bad_servers(void **state)
{
	struct spisync *h = NULL;
	char err[256];

	(void)state;
	assert_int_equal(spisync_open("sim:/nonexistent-spisync-dir/sock", &h,
	    err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "sim:/nonexistent-spisync-dir/sock: connect: "
	    "No such file or directory (is spisync-sim --socket running?)");
	open_fails(HELLO_OK, SOCK_STREAM, -EPROTOTYPE, "connect: Protocol "
	    "wrong type for socket (is spisync-sim --socket running?)");
	open_fails(HELLO_SHORT, SOCK_SEQPACKET, -EIO, "malformed answer to "
	    "HELLO: 8 bytes, expected 24 (not a spisync-sim socket, or "
	    "another protocol version)");
	open_fails(HELLO_VERSION, SOCK_SEQPACKET, -EPROTO, "spisync-sim speaks "
	    "socket protocol 2, this libspisync speaks 1 (rebuild one of them "
	    "from the same tree)");
	open_fails(HELLO_NO_FD, SOCK_SEQPACKET, -EPROTO, "spisync-sim's HELLO "
	    "answer carried no host memory descriptor");
	open_fails(HELLO_REFUSE, SOCK_SEQPACKET, -EPROTONOSUPPORT, "spisync-sim "
	    "refused HELLO (protocol 1): Protocol not supported");
	open_fails(HELLO_SMALL_MEM, SOCK_SEQPACKET, -EPROTO, "host memory "
	    "descriptor holds 1048576 bytes, 16777216 announced");
	{
		char path[200];

		memset(path, 'x', sizeof(path));
		memcpy(path, "sim:/", 5);
		path[sizeof(path) - 1] = '\0';
		assert_int_equal(spisync_open(path, &h, err, sizeof(err)),
		    -ENAMETOOLONG);
		assert_non_null(strstr(err, "socket path longer than 107 bytes"));
	}
}

/* ---- memory ------------------------------------------------------------ */

static void
test_ring_in_shared_memory(void **state)
{
	struct server *s = server_start(HELLO_OK, SOCK_SEQPACKET);
	struct spisync *h = NULL;
	uint8_t recs[4][SPISYNC_EVENT_BYTES];
	uint8_t *ring;
	char err[256];
	size_t n = 0;

	(void)state;
	assert_int_equal(spisync_open(s->dev, &h, err, sizeof(err)), 0);
	assert_int_equal(spisync_events_start(h, 4), 0);
	assert_true(s->alloc_len == 64u << 4);
	assert_int_equal(*sreg(s, SPISYNC_REG_RING_BASE_LO),
	    (uint32_t)(SIM_PROTO_HOST_MEM_BASE + DMA_FIRST));
	assert_int_equal(*sreg(s, SPISYNC_REG_RING_BASE_HI),
	    (uint32_t)((SIM_PROTO_HOST_MEM_BASE + DMA_FIRST) >> 32));
	assert_int_equal(*sreg(s, SPISYNC_REG_RING_CTRL), 1);
	/* the client zeroed the ring through its mapping of the memfd */
	ring = s->mem + DMA_FIRST;
	for (size_t i = 0; i < 64u << 4; i++)
		assert_int_equal(ring[i], 0);

	/* the "card" writes record 0 (phase 1) through the server's mapping */
	for (unsigned i = 0; i < SPISYNC_EVENT_BYTES; i++)
		ring[i] = (uint8_t)(0x40 + i);
	ring[SPISYNC_EVF_FLAGS_OFF] = SPISYNC_EV_FLAG_PHASE;
	assert_int_equal(spisync_events_poll(h, recs, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(recs[0], ring, SPISYNC_EVENT_BYTES);
	assert_int_equal(*sreg(s, SPISYNC_REG_RING_CONS), 1);

	assert_int_equal(spisync_events_stop(h), 0);
	assert_int_equal(s->dma_frees, 1);
	assert_true(s->freed_bus == SIM_PROTO_HOST_MEM_BASE + DMA_FIRST);
	spisync_close(h);
	server_stop(s);
}

static void
test_dma_outside_memory(void **state)
{
	static const uint64_t bad[] = {
		SIM_PROTO_HOST_MEM_BASE + SIM_PROTO_HOST_MEM_SIZE,
		SIM_PROTO_HOST_MEM_BASE + 2ull * SIM_PROTO_HOST_MEM_SIZE,
		SIM_PROTO_HOST_MEM_BASE - 4096,
		SIM_PROTO_HOST_MEM_BASE + 0x1040,	/* not 4096-aligned */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct server *s = server_start(HELLO_OK, SOCK_SEQPACKET);
		struct spisync *h = NULL;
		char err[256], want[512];

		s->dma_answer = bad[i];
		assert_int_equal(spisync_open(s->dev, &h, err, sizeof(err)), 0);
		assert_int_equal(spisync_events_start(h, 4), -EIO);
		snprintf(want, sizeof(want), "%s: spisync-sim gave DMA address "
		    "0x%llx for 1024 bytes: outside its host memory (0x%llx, "
		    "16777216 bytes) or not 4096-byte aligned", s->dev,
		    (unsigned long long)bad[i],
		    (unsigned long long)SIM_PROTO_HOST_MEM_BASE);
		assert_string_equal(spisync_last_error(h), want);
		/* given back, and no ring register written */
		assert_int_equal(s->dma_frees, 1);
		assert_true(s->freed_bus == bad[i]);
		assert_int_equal(*sreg(s, SPISYNC_REG_RING_CTRL), 0);
		assert_int_equal(*sreg(s, SPISYNC_REG_RING_BASE_LO), 0);
		spisync_close(h);
		server_stop(s);
	}
}

/* ---- lock and errors ---------------------------------------------------- */

static void
test_counters_under_lock(void **state)
{
	struct server *s = server_start(HELLO_OK, SOCK_SEQPACKET);
	uint64_t c[SPISYNC_NUM_REASONS];
	struct spisync *h = NULL;
	char err[256];

	(void)state;
	*sreg(s, SPISYNC_REG_COUNTERS(4)) = 7;
	*sreg(s, SPISYNC_REG_COUNTERS(4) + 4) = 1;
	assert_int_equal(spisync_open(s->dev, &h, err, sizeof(err)), 0);
	assert_int_equal(spisync_counters(h, c), 0);
	assert_true(c[4] == 0x0000000100000007ull);
	assert_int_equal(s->locks, 1);
	assert_int_equal(s->unlocks, 1);
	assert_true(s->snapshot_locked);
	assert_false(s->locked);
	spisync_close(h);
	server_stop(s);
}

static void
test_refused_register(void **state)
{
	struct server *s = server_start(HELLO_OK, SOCK_SEQPACKET);
	struct spisync *h = NULL;
	char err[256], want[512];
	uint32_t v;

	(void)state;
	s->refuse_offset = 0xfff0;
	assert_int_equal(spisync_open(s->dev, &h, err, sizeof(err)), 0);
	assert_int_equal(spisync_reg_read32(h, 0xfff0, &v), -EPERM);
	snprintf(want, sizeof(want), "%s: spisync-sim refused READ32 of "
	    "register 0xfff0: Operation not permitted", s->dev);
	assert_string_equal(spisync_last_error(h), want);
	/* a refusal leaves the connection usable */
	assert_int_equal(spisync_reg_read32(h, SPISYNC_REG_ID, &v), 0);
	assert_int_equal(v, SPISYNC_MAGIC);
	spisync_close(h);
	server_stop(s);
}

static void
test_server_gone_mid_call(void **state)
{
	struct server *s = server_start(HELLO_OK, SOCK_SEQPACKET);
	struct spisync *h = NULL;
	char err[256], want[512];
	uint32_t v;

	(void)state;
	assert_int_equal(spisync_open(s->dev, &h, err, sizeof(err)), 0);
	/* HELLO and the ten reads of the open were requests 1..11 */
	assert_int_equal(s->requests, 11);
	s->die_at = 13;
	assert_int_equal(spisync_reg_read32(h, SPISYNC_REG_ID, &v), 0);
	assert_int_equal(spisync_reg_read32(h, SPISYNC_REG_ID, &v), -ECONNRESET);
	snprintf(want, sizeof(want), "%s: spisync-sim closed the connection "
	    "during READ32 (did it exit?)", s->dev);
	assert_string_equal(spisync_last_error(h), want);
	/* every later call fails at once, without touching the socket */
	assert_int_equal(spisync_reg_write32(h, SPISYNC_REG_MBOX(0), 1),
	    -ECONNRESET);
	snprintf(want, sizeof(want), "%s: connection to spisync-sim lost "
	    "earlier: close and open the device again", s->dev);
	assert_string_equal(spisync_last_error(h), want);
	spisync_close(h);
	server_stop(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_and_registers),
		cmocka_unit_test(test_open_wrong_card),
		cmocka_unit_test(test_open_bad_servers),
		cmocka_unit_test(test_ring_in_shared_memory),
		cmocka_unit_test(test_dma_outside_memory),
		cmocka_unit_test(test_counters_under_lock),
		cmocka_unit_test(test_refused_register),
		cmocka_unit_test(test_server_gone_mid_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
