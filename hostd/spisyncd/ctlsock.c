/*
 * spisyncd -- the control socket (ctlsock.h).
 */

/* accept4, SOCK_NONBLOCK / SOCK_CLOEXEC, open_memstream */
#define _GNU_SOURCE

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlsock.h"

/* accepts per dispatch: a connect flood must not starve the daemon loop */
#define ACCEPT_BURST  32
#define EVENTS_MAX    (CTLSOCK_MAX_CLIENTS + 1)

enum client_state {
	CLIENT_FREE,
	CLIENT_READING,        /* waiting for the request line */
	CLIENT_WRITING,        /* sending the reply */
};

struct client {
	enum client_state state;
	int fd;
	char line[CTLSOCK_LINE_MAX];
	size_t line_len;
	char *out;             /* the reply (malloc) */
	size_t out_len, out_off;
	uint64_t deadline_ms;  /* reading: request due; writing: stall limit */
};

struct command {
	char name[CTLSOCK_COMMAND_MAX];
	size_t len;
	ctlsock_handler fn;
	void *ctx;
};

struct ctlsock {
	int epfd;
	int lfd;
	struct sockaddr_un addr;
	/* the socket file we created: close unlinks only that one */
	dev_t dev;
	ino_t ino;
	struct client clients[CTLSOCK_MAX_CLIENTS];
	struct command *commands;
	size_t n_commands;
};

static int
fail(char *err, size_t errlen, int rc, const char *fmt, const char *path)
{
	if (errlen > 0) {
		char what[256];

		snprintf(what, sizeof(what), fmt, path);
		snprintf(err, errlen, "%s: %s", what, strerror(-rc));
	}
	return rc;
}

/* ---- opening ----------------------------------------------------------- */

/* mkdir -p of path's directory (0755: clients must reach the socket; the
 * socket's own mode decides who may connect). */
static int
make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Does a process listen on addr? 1 yes, 0 no (stale), -errno unknown. */
static int
someone_listens(const struct sockaddr_un *addr)
{
	const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	int rc;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0)
		rc = 1;
	else if (errno == EAGAIN)          /* listening, backlog full */
		rc = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		rc = 0;
	else
		rc = -errno;
	close(fd);
	return rc;
}

static int
bind_listen(struct ctlsock *s, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (bind(s->lfd, (const struct sockaddr *)&s->addr,
	    sizeof(s->addr)) != 0) {
		if (errno != EADDRINUSE)
			return fail(err, errlen, -errno, "bind %s", path);
		rc = someone_listens(&s->addr);
		if (rc > 0)
			return fail(err, errlen, -EADDRINUSE,
			    "%s: another process listens on it", path);
		if (rc < 0)
			return fail(err, errlen, rc, "connect %s", path);
		/* stale: remove it, but only if it is a socket */
		if (lstat(path, &st) == 0) {
			if (!S_ISSOCK(st.st_mode))
				return fail(err, errlen, -EEXIST,
				    "%s: exists and is not a socket", path);
			if (unlink(path) != 0 && errno != ENOENT)
				return fail(err, errlen, -errno,
				    "unlink stale %s", path);
		}
		if (bind(s->lfd, (const struct sockaddr *)&s->addr,
		    sizeof(s->addr)) != 0)
			return fail(err, errlen, -errno, "bind %s", path);
	}
	/* Before listen(): nobody can connect yet, so the mode is right
	 * before the first client (umask is process-wide: not touched). */
	if (chmod(path, 0660) != 0 || lstat(path, &st) != 0) {
		rc = -errno;
		unlink(path);
		return fail(err, errlen, rc, "chmod %s", path);
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (listen(s->lfd, 4 * CTLSOCK_MAX_CLIENTS) != 0) {
		rc = -errno;
		unlink(path);
		return fail(err, errlen, rc, "listen %s", path);
	}
	return 0;
}

int
ctlsock_open(const char *path, struct ctlsock **out, char *err,
    size_t errlen)
{
	struct epoll_event ev;
	struct ctlsock *s;
	int rc;

	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return fail(err, errlen, -ENOMEM, "%s", path);
	s->epfd = -1;
	s->lfd = -1;
	for (size_t i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	s->addr.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(s->addr.sun_path)) {
		rc = fail(err, errlen, -ENAMETOOLONG, "control socket '%s'",
		    path);
		goto out;
	}
	memcpy(s->addr.sun_path, path, strlen(path) + 1);

	rc = make_parent(path);
	if (rc != 0) {
		fail(err, errlen, rc, "creating the directory of %s", path);
		goto out;
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->lfd < 0 || s->epfd < 0) {
		rc = fail(err, errlen, -errno, "socket for %s", path);
		goto out;
	}
	rc = bind_listen(s, path, err, errlen);
	if (rc != 0)
		goto out;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;        /* NULL: the listening socket */
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) != 0) {
		rc = fail(err, errlen, -errno, "epoll for %s", path);
		unlink(path);
		goto out;
	}
	*out = s;
	return 0;
out:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s);
	return rc;
}

int
ctlsock_register(struct ctlsock *s, const char *command, ctlsock_handler fn,
    void *ctx)
{
	const size_t len = strlen(command);
	struct command *grown;

	if (len == 0 || len >= CTLSOCK_COMMAND_MAX || fn == NULL ||
	    command[0] == ' ' || command[len - 1] == ' ')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (command[i] < ' ' || command[i] > '~' ||
		    (command[i] == ' ' && command[i + 1] == ' '))
			return -EINVAL;
	}
	for (size_t i = 0; i < s->n_commands; i++) {
		if (strcmp(s->commands[i].name, command) == 0)
			return -EEXIST;
	}
	grown = realloc(s->commands, (s->n_commands + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	s->commands = grown;
	memcpy(grown[s->n_commands].name, command, len + 1);
	grown[s->n_commands].len = len;
	grown[s->n_commands].fn = fn;
	grown[s->n_commands].ctx = ctx;
	s->n_commands++;
	return 0;
}

int
ctlsock_fd(const struct ctlsock *s)
{
	return s->epfd;
}

size_t
ctlsock_clients(const struct ctlsock *s)
{
	size_t n = 0;

	for (size_t i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		n += s->clients[i].state != CLIENT_FREE;
	return n;
}

/* ---- clients ----------------------------------------------------------- */

/* Read and drop what the client sent and we did not read: closing a UNIX
 * stream socket with unread input makes the peer's next read fail with
 * ECONNRESET instead of EOF, after our reply. */
static void
drain_and_close(int fd)
{
	char sink[512];

	for (int i = 0; i < 16; i++) {
		if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	}
	close(fd);
}

static void
client_close(struct ctlsock *s, struct client *c)
{
	(void)s;
	/* closing the fd removes it from the epoll set */
	drain_and_close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->state = CLIENT_FREE;
}

/* A fixed reply to a connection we do not serve: the socket's buffer is
 * empty, so a short reply fits without waiting. */
static void
refuse(int fd, const char *reply)
{
	if (send(fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* nothing to do: the client sees the connection closed */
	}
	drain_and_close(fd);
}

static void
accept_clients(struct ctlsock *s, uint64_t now_ms)
{
	for (int n = 0; n < ACCEPT_BURST; n++) {
		const int fd = accept4(s->lfd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		struct client *c = NULL;

		if (fd < 0)
			return;    /* EAGAIN, or an error of that connection */
		for (size_t i = 0; i < CTLSOCK_MAX_CLIENTS && c == NULL; i++) {
			if (s->clients[i].state == CLIENT_FREE)
				c = &s->clients[i];
		}
		if (c == NULL) {
			refuse(fd, "{\"error\":\"busy\"}\n");
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			continue;
		}
		c->state = CLIENT_READING;
		c->fd = fd;
		c->line_len = 0;
		c->deadline_ms = now_ms + CTLSOCK_REQUEST_MS;
	}
}

/* s as a JSON string body: ASCII printable as is, the rest escaped (the
 * request is untrusted bytes; the reply must be valid JSON). */
static void
json_escaped(FILE *fp, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0';
	    p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(fp, "\\u%04x", *p);
		else
			fputc(*p, fp);
	}
}

/* {"error":"prefix text"} and a newline into a malloc'd buffer. */
static int
error_reply(char **buf, size_t *len, const char *prefix, const char *text)
{
	FILE *fp = open_memstream(buf, len);

	if (fp == NULL)
		return -1;
	fputs("{\"error\":\"", fp);
	json_escaped(fp, prefix);
	json_escaped(fp, text);
	fputs("\"}\n", fp);
	if (ferror(fp)) {
		fclose(fp);
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return fclose(fp) == 0 ? 0 : -1;
}

/* The command line matches cmd: equal, or cmd then a blank. */
static bool
matches(const struct command *cmd, const char *line)
{
	return strncmp(line, cmd->name, cmd->len) == 0 &&
	    (line[cmd->len] == '\0' || line[cmd->len] == ' ' ||
	    line[cmd->len] == '\t');
}

/* Run the command of line; the reply into c->out. 0, or -1 (no memory). */
static int
run_command(struct ctlsock *s, struct client *c, const char *line)
{
	const struct command *best = NULL;
	const char *args;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	for (size_t i = 0; i < s->n_commands; i++) {
		if (matches(&s->commands[i], line) &&
		    (best == NULL || s->commands[i].len > best->len))
			best = &s->commands[i];
	}
	if (best == NULL)
		return error_reply(&c->out, &c->out_len, "unknown command: ",
		    line);
	args = line + best->len;
	while (*args == ' ' || *args == '\t')
		args++;

	fp = open_memstream(&text, &len);
	if (fp == NULL)
		return -1;
	rc = best->fn(best->ctx, args, fp);
	if (fclose(fp) != 0) {
		free(text);
		return -1;
	}
	if (rc == 0) {
		c->out = text;
		c->out_len = len;
		return 0;
	}
	/* the handler's reason: its first line */
	text[strcspn(text, "\r\n")] = '\0';
	if (text[0] == '\0')
		rc = error_reply(&c->out, &c->out_len, best->name, " failed");
	else
		rc = error_reply(&c->out, &c->out_len, "", text);
	free(text);
	return rc;
}

/* The request is complete: build the reply and start writing it. */
static void
start_reply(struct ctlsock *s, struct client *c, uint64_t now_ms)
{
	struct epoll_event ev;
	char *line = c->line;
	size_t len = strlen(line);

	/* tolerate "\r\n" (nc, telnet) and blanks around the words */
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
	    line[len - 1] == '\t'))
		line[--len] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (run_command(s, c, line) != 0) {
		client_close(s, c);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
		client_close(s, c);
		return;
	}
	c->state = CLIENT_WRITING;
	c->out_off = 0;
	c->deadline_ms = now_ms + CTLSOCK_STALL_MS;
}

static void
client_read(struct ctlsock *s, struct client *c, uint64_t now_ms)
{
	const size_t room = sizeof(c->line) - c->line_len;
	const ssize_t n = recv(c->fd, c->line + c->line_len, room, 0);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {              /* EOF before the newline, or an error */
		client_close(s, c);
		return;
	}
	nl = memchr(c->line + c->line_len, '\n', (size_t)n);
	c->line_len += (size_t)n;
	if (nl == NULL) {
		if (c->line_len == sizeof(c->line))   /* too long */
			client_close(s, c);
		return;
	}
	*nl = '\0';
	/* a NUL inside the line would hide the rest of it from the command
	 * match: not a request */
	if (strlen(c->line) != (size_t)(nl - c->line)) {
		client_close(s, c);
		return;
	}
	start_reply(s, c, now_ms);
}

static void
client_write(struct ctlsock *s, struct client *c, uint64_t now_ms)
{
	while (c->out_off < c->out_len) {
		const ssize_t n = send(c->fd, c->out + c->out_off,
		    c->out_len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {          /* the client went away */
			client_close(s, c);
			return;
		}
		c->out_off += (size_t)n;
		c->deadline_ms = now_ms + CTLSOCK_STALL_MS;
	}
	client_close(s, c);        /* all sent: EOF ends the document */
}

int
ctlsock_dispatch(struct ctlsock *s, uint64_t now_ms)
{
	struct epoll_event evs[EVENTS_MAX];
	int n;

	n = epoll_wait(s->epfd, evs, EVENTS_MAX, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct client *c = evs[i].data.ptr;

		if (c == NULL) {
			accept_clients(s, now_ms);
			continue;
		}
		/* closed by an earlier event of this round (its slot may even
		 * hold a new client by now: then it simply is not ready) */
		if (c->state == CLIENT_READING)
			client_read(s, c, now_ms);
		else if (c->state == CLIENT_WRITING)
			client_write(s, c, now_ms);
	}
	return 0;
}

void
ctlsock_tick(struct ctlsock *s, uint64_t now_ms)
{
	for (size_t i = 0; i < CTLSOCK_MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];

		if (c->state != CLIENT_FREE && now_ms >= c->deadline_ms)
			client_close(s, c);
	}
}

void
ctlsock_close(struct ctlsock *s)
{
	struct stat st;

	if (s == NULL)
		return;
	for (size_t i = 0; i < CTLSOCK_MAX_CLIENTS; i++) {
		if (s->clients[i].state != CLIENT_FREE)
			client_close(s, &s->clients[i]);
	}
	close(s->lfd);
	close(s->epfd);
	/* someone may have replaced the file since (another daemon after
	 * ours was removed by hand): leave theirs */
	if (lstat(s->addr.sun_path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlink(s->addr.sun_path);
	free(s->commands);
	free(s);
}
