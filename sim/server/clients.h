/*
 * spisync-sim server -- the clients of the socket protocol (sim_proto.h):
 * the daemon, the CLI, tests; several at once.
 *
 * One request outstanding per client: after a request the server reads no
 * other from that client until it has answered it. Most are answered at
 * once; LOCK waits while another client holds the lock (grants go in the
 * order the LOCKs arrived) and DRAIN waits until the card is idle.
 *
 * Refused with status -EINVAL, the connection kept: a request of the wrong
 * size or with reserved set, any request before HELLO, a second HELLO, a
 * HELLO with the wrong magic (the right magic with another version:
 * -EPROTONOSUPPORT), an unknown op, a register offset not 4-aligned or
 * beyond the 64 KiB register space, a REPLAY path not NUL-terminated within
 * SIM_PROTO_PATH_MAX or empty, DMA_ALLOC of 0 bytes, DMA_FREE of an address
 * that is not the start of one of the client's own pieces. Other answers:
 * DMA_ALLOC -ENOMEM (no gap large enough), LOCK -EDEADLK (already held by
 * this client), UNLOCK -EPERM (not held by it), REPLAY -errno (cannot open
 * the file) or -EINVAL (not a regular file, not a capture). A zero-length message reads as the
 * end of the connection; a client that does not take its answers (its
 * socket buffer full) is disconnected.
 *
 * A client that goes away releases the lock (the next waiter is granted)
 * and its DMA pieces.
 */
#ifndef SPISYNC_CLIENTS_H
#define SPISYNC_CLIENTS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Connections beyond this are accepted and closed at once. */
#define CLIENTS_MAX 32u
/* pollfd entries clients_poll_fill writes: the listener, then one a slot. */
#define CLIENTS_POLLFDS (1u + CLIENTS_MAX)

struct server;

enum client_wait {
	CLIENT_READY = 0,        /* reading requests */
	CLIENT_WAIT_LOCK,        /* its LOCK waits for the lock */
	CLIENT_WAIT_DRAIN,       /* its DRAIN waits for an idle card */
};

struct client {
	int fd;                  /* -1: the slot is free */
	uint32_t id;             /* never 0; owner of its DMA pieces */
	bool hello;
	enum client_wait wait;
};

struct clients {
	int listen_fd;
	char *path;              /* the socket file, removed at close */
	struct client slot[CLIENTS_MAX];
	uint32_t next_id;
	uint32_t lock_holder;    /* a client id, 0: free */
	uint32_t lock_queue[CLIENTS_MAX];   /* waiting ids, in arrival order */
	unsigned lock_waiting;
	uint64_t refused;        /* connections over CLIENTS_MAX */
	uint64_t requests;
	uint64_t bad_requests;   /* answered -EINVAL */
};

/*
 * Listen on a SOCK_SEQPACKET socket at path. A socket file left there by a
 * server that is gone (nobody accepts on it) is replaced; anything else
 * there, or a server that answers, is an error. 0, or -1 with the reason
 * in err.
 */
int clients_listen(struct clients *cl, const char *path, char *err,
    size_t errlen);
/* Close every connection and the listener, remove the socket file. */
void clients_close(struct clients *cl);

/* The listener and each slot (fd -1, ignored by poll, for a free one);
 * a client waiting for an answer is polled for hang-up only. */
void clients_poll_fill(const struct clients *cl,
    struct pollfd pfd[CLIENTS_POLLFDS]);
/* Serve what poll reported: one request per ready client, then accept. */
void clients_poll_serve(struct server *s,
    const struct pollfd pfd[CLIENTS_POLLFDS]);

/* Answer every waiting DRAIN; call when the card is idle. */
void clients_answer_drains(struct server *s);
/* True if some client waits on a DRAIN. */
bool clients_draining(const struct clients *cl);

#endif
