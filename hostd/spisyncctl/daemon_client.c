/*
 * spisyncctl -- asking spisyncd over its control socket (daemon_client.h).
 */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon_client.h"

static enum daemon_result
fail(char *err, size_t errlen, enum daemon_result r, const char *what,
    const char *path, int errnum)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errnum));
	return r;
}

/* Wait until fd is ready for events; false on timeout or poll error
 * (errno set: ETIMEDOUT for the timeout). */
static bool
wait_ready(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0;
}

static enum daemon_result
send_request(int fd, const char *path, const char *request, int timeout_ms,
    char *err, size_t errlen)
{
	char line[600];
	size_t len, off = 0;
	int n;

	n = snprintf(line, sizeof(line), "%s\n", request);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		snprintf(err, errlen, "request too long for %s", path);
		return DAEMON_ERROR;
	}
	len = (size_t)n;
	while (off < len) {
		const ssize_t w = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		/* The daemon may answer and close before reading (busy):
		 * its reply is still there to read. */
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return DAEMON_OK;
		if (w < 0 && errno == EAGAIN) {
			if (!wait_ready(fd, POLLOUT, timeout_ms))
				return fail(err, errlen, DAEMON_ERROR, "send to", path,
				    errno);
			continue;
		}
		if (w < 0)
			return fail(err, errlen, DAEMON_ERROR, "send to", path, errno);
		off += (size_t)w;
	}
	return DAEMON_OK;
}

static enum daemon_result
read_reply(int fd, const char *path, int timeout_ms, char **reply,
    size_t *len, char *err, size_t errlen)
{
	size_t cap = 65536, used = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return fail(err, errlen, DAEMON_ERROR, "reading", path, ENOMEM);
	for (;;) {
		ssize_t n;

		if (used + 1 == cap) {
			char *grown;

			if (cap >= DAEMON_REPLY_MAX) {
				free(buf);
				snprintf(err, errlen, "reply from %s larger than %u "
				    "bytes", path, DAEMON_REPLY_MAX);
				return DAEMON_ERROR;
			}
			grown = realloc(buf, cap * 2);
			if (grown == NULL) {
				free(buf);
				return fail(err, errlen, DAEMON_ERROR, "reading", path,
				    ENOMEM);
			}
			buf = grown;
			cap *= 2;
		}
		if (!wait_ready(fd, POLLIN, timeout_ms)) {
			const int e = errno;

			free(buf);
			return fail(err, errlen, DAEMON_ERROR, "reading", path, e);
		}
		n = recv(fd, buf + used, cap - 1 - used, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* ECONNRESET after data: the daemon closed with our bytes
		 * unread; what it sent is complete (a cut reply fails to
		 * parse) */
		if (n == 0 || (n < 0 && errno == ECONNRESET && used > 0))
			break;
		if (n < 0) {
			const int e = errno;

			free(buf);
			return fail(err, errlen, DAEMON_ERROR, "reading", path, e);
		}
		used += (size_t)n;
	}
	buf[used] = '\0';
	*reply = buf;
	*len = used;
	return DAEMON_OK;
}

enum daemon_result
daemon_request(const char *path, const char *request, int timeout_ms,
    char **reply, size_t *len, char *err, size_t errlen)
{
	struct sockaddr_un addr;
	enum daemon_result r;
	int fd;

	*reply = NULL;
	*len = 0;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path))
		return fail(err, errlen, DAEMON_ERROR, "connect", path,
		    ENAMETOOLONG);
	memcpy(addr.sun_path, path, strlen(path) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, DAEMON_ERROR, "socket for", path, errno);
	if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		const int e = errno;

		close(fd);
		/* no file: never started or cleaned up; refused: a socket
		 * file left by a daemon that died */
		return fail(err, errlen, e == ENOENT || e == ECONNREFUSED ?
		    DAEMON_NOT_RUNNING : DAEMON_ERROR, "connect", path, e);
	}
	r = send_request(fd, path, request, timeout_ms, err, errlen);
	if (r == DAEMON_OK)
		r = read_reply(fd, path, timeout_ms, reply, len, err, errlen);
	close(fd);
	return r;
}
