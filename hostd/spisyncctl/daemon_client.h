/*
 * spisyncctl -- asking spisyncd: one request line over its control socket,
 * one reply read to EOF (protocol: docs/spisyncctl.md). No parsing here.
 */
#ifndef SPISYNCCTL_DAEMON_CLIENT_H
#define SPISYNCCTL_DAEMON_CLIENT_H

#include <stddef.h>

/* the longest reply we take (a daemon with 100,000 flows sends ~100 MB) */
#define DAEMON_REPLY_MAX   (256u * 1024u * 1024u)
/* no byte for this long: give up (the daemon drops a client after 5 s) */
#define DAEMON_TIMEOUT_MS  10000

enum daemon_result {
	DAEMON_OK = 0,
	DAEMON_NOT_RUNNING,    /* connect: no socket file, or nobody listens */
	DAEMON_ERROR,          /* anything else (message in err) */
};

/*
 * Connect to path, send request and a '\n', read until EOF. DAEMON_OK with
 * *reply (malloc, NUL-terminated; free it) and *len; otherwise err holds
 * one line, e.g. "connect /run/spisync/spisyncd.sock: No such file or
 * directory".
 */
enum daemon_result daemon_request(const char *path, const char *request,
    int timeout_ms, char **reply, size_t *len, char *err, size_t errlen);

#endif
