/*
 * spisyncd -- the control socket: a UNIX stream socket that spisyncctl
 * talks to. One request line in ("show ike\n"), one JSON document out,
 * then the daemon closes. Protocol: docs/spisyncctl.md ("The daemon's
 * control socket").
 *
 * Made for a single-threaded non-blocking epoll loop: ctlsock owns an epoll
 * fd of its own holding the listening socket and every client; that fd
 * (ctlsock_fd) is readable whenever one of them is ready, so the caller
 * adds it to its own epoll set and calls ctlsock_dispatch when it fires.
 * Nothing here blocks: replies are buffered per client and written as the
 * client reads them; ctlsock_tick drops clients that are too slow.
 *
 * Limits: a request line is at most CTLSOCK_LINE_MAX bytes with its '\n'
 * and must arrive within CTLSOCK_REQUEST_MS of the connect; a client that
 * accepts no reply byte for CTLSOCK_STALL_MS is dropped; at most
 * CTLSOCK_MAX_CLIENTS at once (more are answered {"error":"busy"}).
 */
#ifndef SPISYNCD_CTLSOCK_H
#define SPISYNCD_CTLSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTLSOCK_DEFAULT_PATH  "/run/spisync/spisyncd.sock"
#define CTLSOCK_LINE_MAX      512
#define CTLSOCK_REQUEST_MS    2000
#define CTLSOCK_STALL_MS      5000
#define CTLSOCK_MAX_CLIENTS   16
#define CTLSOCK_COMMAND_MAX   64

struct ctlsock;

/*
 * Writes the reply, one JSON document, to out; args is what followed the
 * command words (leading blanks removed; "" if nothing). Returns 0, or -1:
 * then whatever it wrote is taken as a one-line reason, not JSON, and the
 * client gets {"error":"REASON"} ({"error":"COMMAND failed"} if it wrote
 * nothing).
 */
typedef int (*ctlsock_handler)(void *ctx, const char *args, FILE *out);

/*
 * Listen on path (mode 0660; missing parent directories are created, mode
 * 0755). A socket file nobody listens on (connect refused) is a stale one
 * and replaced; one a live process listens on is left alone: -EADDRINUSE.
 * A path that is not a socket is never removed: -EEXIST. 0 and *out, or
 * -errno with a message in err.
 */
int ctlsock_open(const char *path, struct ctlsock **out, char *err,
    size_t errlen);

/* Serve command ("show ike": words separated by one space) with fn. A
 * request matches the longest registered command it starts with, followed
 * by the end of the line or a blank. 0, -EINVAL (empty, too long, not
 * printable), -EEXIST (already registered) or -ENOMEM. */
int ctlsock_register(struct ctlsock *s, const char *command,
    ctlsock_handler fn, void *ctx);

/* The epoll fd to watch for EPOLLIN. */
int ctlsock_fd(const struct ctlsock *s);

/* Serve everything that is ready, without blocking: accept, read requests,
 * run handlers, write what the clients take. now_ms is a monotonic clock in
 * ms (the timeouts count from it). 0, or -errno if ctlsock's own epoll
 * failed (clients' errors only close those clients). */
int ctlsock_dispatch(struct ctlsock *s, uint64_t now_ms);

/* Close the clients whose time is up: no complete request
 * CTLSOCK_REQUEST_MS after connecting, or no reply byte taken for
 * CTLSOCK_STALL_MS. Call it about once a second. */
void ctlsock_tick(struct ctlsock *s, uint64_t now_ms);

/* Clients connected now (for the daemon's own status and the tests). */
size_t ctlsock_clients(const struct ctlsock *s);

/* Close every client and the socket; unlink the socket file if it is still
 * the one we created. NULL is fine. */
void ctlsock_close(struct ctlsock *s);

#endif
