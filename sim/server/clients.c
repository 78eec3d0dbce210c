/*
 * spisync-sim server -- the socket protocol's clients (clients.h).
 */
#define _GNU_SOURCE     /* accept4, SOCK_SEQPACKET flags, SCM_RIGHTS */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "frames.h"
#include "server.h"
#include "sim_proto.h"
#include "spisync_hw.h"

/* The card's AXI4-Lite register space. */
#define REG_SPACE 0x10000u

/* ---------------------------------------------------------------------- */
/* the listening socket */

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Remove a socket file nobody serves any more. 0 if path is free now. */
static int clear_stale(const char *path, const struct sockaddr_un *sa,
    char *err, size_t errlen)
{
	struct stat st;
	int probe, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "--socket %s: exists and is not a socket",
		    path);
		return -1;
	}
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	close(probe);
	if (rc == 0) {
		snprintf(err, errlen, "--socket %s: another server is running "
		    "there", path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "--socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "--socket %s: cannot remove the stale "
		    "socket: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int clients_listen(struct clients *cl, const char *path, char *err,
    size_t errlen)
{
	struct sockaddr_un sa;

	memset(cl, 0, sizeof(*cl));
	cl->listen_fd = -1;
	for (unsigned i = 0; i < CLIENTS_MAX; i++)
		cl->slot[i].fd = -1;
	cl->next_id = 1;
	if (unix_addr(&sa, path) != 0) {
		snprintf(err, errlen, "--socket: a path of 1..%zu bytes, not "
		    "\"%s\"", sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	if (clear_stale(path, &sa, err, errlen) != 0)
		return -1;
	cl->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (cl->listen_fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(cl->listen_fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "--socket %s: bind: %s", path,
		    strerror(errno));
		goto fail;
	}
	cl->path = strdup(path);
	if (cl->path == NULL) {
		unlink(path);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (listen(cl->listen_fd, (int)CLIENTS_MAX) != 0) {
		snprintf(err, errlen, "--socket %s: listen: %s", path,
		    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	clients_close(cl);
	return -1;
}

void clients_close(struct clients *cl)
{
	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		if (cl->slot[i].fd >= 0)
			close(cl->slot[i].fd);
		cl->slot[i].fd = -1;
	}
	if (cl->listen_fd >= 0)
		close(cl->listen_fd);
	cl->listen_fd = -1;
	if (cl->path != NULL)
		unlink(cl->path);
	free(cl->path);
	cl->path = NULL;
}

/* ---------------------------------------------------------------------- */
/* answers, the lock, going away */

static struct client *client_by_id(struct clients *cl, uint32_t id)
{
	for (unsigned i = 0; i < CLIENTS_MAX; i++)
		if (cl->slot[i].fd >= 0 && cl->slot[i].id == id)
			return &cl->slot[i];
	return NULL;
}

/* One answer, with the memfd attached when fd >= 0. 0, or -1 if the
 * client cannot take it (gone, or not reading its answers). */
static int send_rsp(struct client *c, const struct sim_rsp *rsp, int fd)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(int))];
	} ctrl;
	struct iovec iov = { .iov_base = (void *)rsp, .iov_len = sizeof(*rsp) };
	struct msghdr msg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctrl, 0, sizeof(ctrl));
		msg.msg_control = ctrl.buf;
		msg.msg_controllen = sizeof(ctrl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do {
		n = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*rsp) ? 0 : -1;
}

static int send_status(struct client *c, int status)
{
	struct sim_rsp rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.status = status;
	return send_rsp(c, &rsp, -1);
}

static void queue_remove(struct clients *cl, uint32_t id)
{
	unsigned j = 0;

	for (unsigned i = 0; i < cl->lock_waiting; i++)
		if (cl->lock_queue[i] != id)
			cl->lock_queue[j++] = cl->lock_queue[i];
	cl->lock_waiting = j;
}

/* Close and free everything of c except its place in the lock. */
static void forget_client(struct server *s, struct client *c)
{
	dma_pool_free_owner(&s->pool, c->id);
	close(c->fd);
	c->fd = -1;
	c->id = 0;
	c->hello = false;
	c->wait = CLIENT_READY;
}

/* The lock is free: grant it to the longest waiting client that is still
 * there to take the answer. */
static void lock_pass_on(struct server *s)
{
	struct clients *cl = &s->clients;

	cl->lock_holder = 0;
	while (cl->lock_waiting > 0) {
		const uint32_t id = cl->lock_queue[0];
		struct client *c;

		memmove(&cl->lock_queue[0], &cl->lock_queue[1],
		    (cl->lock_waiting - 1) * sizeof(cl->lock_queue[0]));
		cl->lock_waiting--;
		c = client_by_id(cl, id);
		if (c == NULL)
			continue;
		c->wait = CLIENT_READY;
		if (send_status(c, 0) == 0) {
			cl->lock_holder = id;
			return;
		}
		/* queued, not holding: nothing of the lock to pass on */
		forget_client(s, c);
	}
}

static void drop_client(struct server *s, struct client *c)
{
	struct clients *cl = &s->clients;
	const bool held = cl->lock_holder == c->id;

	queue_remove(cl, c->id);
	forget_client(s, c);
	if (held)
		lock_pass_on(s);
}

/* ---------------------------------------------------------------------- */
/* requests */

static bool reg_offset_ok(uint32_t offset)
{
	return offset % 4u == 0 && offset < REG_SPACE;
}

/* Fills rsp; returns false when the answer must wait (LOCK, DRAIN). */
static bool handle(struct server *s, struct client *c,
    const struct sim_req *req, struct sim_rsp *rsp, int *pass_fd)
{
	struct clients *cl = &s->clients;
	struct card_sim *card = s->card.sim;
	char err[512];
	size_t off;
	uint32_t queued;

	if (req->reserved != 0 || (!c->hello && req->op != SIM_OP_HELLO)) {
		rsp->status = -EINVAL;
		return true;
	}
	switch (req->op) {
	case SIM_OP_HELLO:
		if (c->hello || req->arg0 != SIM_PROTO_MAGIC) {
			rsp->status = -EINVAL;
		} else if (req->arg1 != SIM_PROTO_VERSION) {
			rsp->status = -EPROTONOSUPPORT;
		} else {
			c->hello = true;
			rsp->value = SIM_PROTO_VERSION;
			rsp->value64 = s->card.mem_size;
			rsp->aux = card_sim_data_width(card);
			*pass_fd = s->card.memfd;
		}
		return true;
	case SIM_OP_READ32:
		if (!reg_offset_ok(req->arg0)) {
			rsp->status = -EINVAL;
			return true;
		}
		card_time_sync_due(&s->time, card);
		rsp->value = card_sim_mmio_read(card, req->arg0);
		return true;
	case SIM_OP_WRITE32:
		if (!reg_offset_ok(req->arg0)) {
			rsp->status = -EINVAL;
			return true;
		}
		card_time_sync_due(&s->time, card);
		card_sim_mmio_write(card, req->arg0, req->arg1);
		card_time_client_write(&s->time, req->arg0, req->arg1);
		if (req->arg0 >= SPISYNC_REG_MBOX(0) &&
		    req->arg0 < SPISYNC_REG_MBOX(SPISYNC_REG_MBOX_COUNT))
			s->mbox_written = true;
		return true;
	case SIM_OP_DMA_ALLOC:
		rsp->status = dma_pool_alloc(&s->pool, req->arg64, c->id, &off);
		if (rsp->status == 0)
			rsp->value64 = SIM_PROTO_HOST_MEM_BASE + off;
		return true;
	case SIM_OP_DMA_FREE:
		if (req->arg64 < SIM_PROTO_HOST_MEM_BASE ||
		    req->arg64 - SIM_PROTO_HOST_MEM_BASE >= s->pool.size)
			rsp->status = -EINVAL;
		else
			rsp->status = dma_pool_free(&s->pool, (size_t)(req->arg64 -
			    SIM_PROTO_HOST_MEM_BASE), c->id);
		return true;
	case SIM_OP_LOCK:
		if (cl->lock_holder == c->id) {
			rsp->status = -EDEADLK;
			return true;
		}
		if (cl->lock_holder == 0) {
			cl->lock_holder = c->id;
			return true;
		}
		/* at most one request each: the queue cannot overflow */
		cl->lock_queue[cl->lock_waiting++] = c->id;
		c->wait = CLIENT_WAIT_LOCK;
		return false;
	case SIM_OP_UNLOCK:
		if (cl->lock_holder != c->id) {
			rsp->status = -EPERM;
			return true;
		}
		lock_pass_on(s);
		return true;
	case SIM_OP_REPLAY:
		if (memchr(req->path, '\0', sizeof(req->path)) == NULL ||
		    req->path[0] == '\0') {
			rsp->status = -EINVAL;
			return true;
		}
		rsp->status = frames_replay(s, req->path, &queued, err,
		    sizeof(err));
		if (rsp->status != 0)
			fprintf(stderr, "spisync-sim: REPLAY: %s\n", err);
		rsp->value = queued;
		return true;
	case SIM_OP_DRAIN:
		c->wait = CLIENT_WAIT_DRAIN;
		return false;
	default:
		rsp->status = -EINVAL;
		return true;
	}
}

/* Read and serve one request of c (which is not waiting). */
static void serve_one(struct server *s, struct client *c)
{
	union {
		struct sim_req req;
		/* one byte more: a longer message shows as the wrong size */
		uint8_t raw[sizeof(struct sim_req) + 1];
	} in;
	struct sim_rsp rsp;
	int pass_fd = -1;
	ssize_t n;

	do {
		n = recv(c->fd, in.raw, sizeof(in.raw), MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		drop_client(s, c);
		return;
	}
	s->clients.requests++;
	memset(&rsp, 0, sizeof(rsp));
	if ((size_t)n != sizeof(struct sim_req)) {
		rsp.status = -EINVAL;
	} else if (!handle(s, c, &in.req, &rsp, &pass_fd)) {
		return;
	}
	if (rsp.status == -EINVAL)
		s->clients.bad_requests++;
	if (send_rsp(c, &rsp, pass_fd) != 0)
		drop_client(s, c);
}

static void accept_all(struct server *s)
{
	struct clients *cl = &s->clients;

	for (;;) {
		const int fd = accept4(cl->listen_fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned i;

		if (fd < 0) {
			/* EAGAIN: done; anything else (EMFILE, a connection
			 * reset before we took it): try again next round */
			return;
		}
		for (i = 0; i < CLIENTS_MAX; i++)
			if (cl->slot[i].fd < 0)
				break;
		if (i == CLIENTS_MAX) {
			if (cl->refused++ == 0)
				fprintf(stderr, "spisync-sim: warning: more than "
				    "%u clients: further connections are "
				    "closed at once\n", CLIENTS_MAX);
			close(fd);
			continue;
		}
		cl->slot[i].fd = fd;
		cl->slot[i].id = cl->next_id++;
		if (cl->next_id == 0)
			cl->next_id = 1;
		cl->slot[i].hello = false;
		cl->slot[i].wait = CLIENT_READY;
	}
}

void clients_poll_fill(const struct clients *cl,
    struct pollfd pfd[CLIENTS_POLLFDS])
{
	pfd[0].fd = cl->listen_fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		const struct client *c = &cl->slot[i];

		pfd[1 + i].fd = c->fd;
		/* POLLHUP and POLLERR are reported whatever events says */
		pfd[1 + i].events = c->wait == CLIENT_READY ? POLLIN : 0;
		pfd[1 + i].revents = 0;
	}
}

void clients_poll_serve(struct server *s,
    const struct pollfd pfd[CLIENTS_POLLFDS])
{
	struct clients *cl = &s->clients;

	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		struct client *c = &cl->slot[i];
		const short ev = pfd[1 + i].revents;

		/* dropped meanwhile (a lock hand-over that failed) */
		if (c->fd < 0 || c->fd != pfd[1 + i].fd || ev == 0)
			continue;
		if (c->wait == CLIENT_READY && (ev & POLLIN) != 0)
			serve_one(s, c);
		else if ((ev & (POLLHUP | POLLERR | POLLNVAL)) != 0)
			drop_client(s, c);
	}
	if ((pfd[0].revents & POLLIN) != 0)
		accept_all(s);
}

void clients_answer_drains(struct server *s)
{
	struct clients *cl = &s->clients;

	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		struct client *c = &cl->slot[i];
		struct sim_rsp rsp;

		if (c->fd < 0 || c->wait != CLIENT_WAIT_DRAIN)
			continue;
		memset(&rsp, 0, sizeof(rsp));
		rsp.value64 = card_sim_cycles(s->card.sim);
		c->wait = CLIENT_READY;
		if (send_rsp(c, &rsp, -1) != 0)
			drop_client(s, c);
	}
}

bool clients_draining(const struct clients *cl)
{
	for (unsigned i = 0; i < CLIENTS_MAX; i++)
		if (cl->slot[i].fd >= 0 && cl->slot[i].wait == CLIENT_WAIT_DRAIN)
			return true;
	return false;
}
