/*
 * spisync -- unit tests of spisyncd's control socket (hostd/spisyncd/
 * ctlsock.c), driven by the test's own loop with a fake clock: the server
 * and its clients are in this one process, the clients are plain
 * non-blocking UNIX sockets.
 *
 * Oracles: the protocol as docs/spisyncctl.md states it (replies written
 * out here by hand, limits 512 bytes / 2 s / 5 s / 16 clients), the bytes
 * of a 1 MiB pattern checked one by one, and the file system (stat) for
 * the socket file. A server that blocks on a slow client would hang the
 * test: alarm() turns that into a failure.
 *
 *   test_ctlsock
 */

#define _GNU_SOURCE   /* mkdtemp, SOCK_NONBLOCK */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctlsock.h"

#define BIG_LEN  (1024u * 1024u)
/* a hung server fails the test instead of hanging it */
#define WATCHDOG_S 60

struct fixture {
	char dir[128];
	char path[200];
	struct ctlsock *s;
	char last_args[CTLSOCK_LINE_MAX];
	int calls;
};

/* ---- handlers ---------------------------------------------------------- */

static int
h_ike(void *ctx, const char *args, FILE *out)
{
	struct fixture *f = ctx;

	snprintf(f->last_args, sizeof(f->last_args), "%s", args);
	f->calls++;
	fputs("{\"ike_sas\":[]}\n", out);
	return 0;
}

static int
h_show(void *ctx, const char *args, FILE *out)
{
	(void)ctx;
	fprintf(out, "{\"show\":\"%s\"}\n", args);
	return 0;
}

static char
big_byte(size_t i)
{
	return (char)('a' + (i * 7 + i / 26) % 26);
}

static int
h_big(void *ctx, const char *args, FILE *out)
{
	(void)ctx;
	(void)args;
	for (size_t i = 0; i < BIG_LEN; i++)
		fputc(big_byte(i), out);
	return 0;
}

static int
h_fail(void *ctx, const char *args, FILE *out)
{
	(void)ctx;
	(void)args;
	fputs("card not reachable: \"sim:/x\"\nsecond line\n", out);
	return -1;
}

static int
h_fail_quiet(void *ctx, const char *args, FILE *out)
{
	(void)ctx;
	(void)args;
	fputs("{\"partial\":", out);   /* half a document, then failure */
	return -1;
}

/* h_fail_quiet writes something: this one writes nothing at all */
static int
h_fail_silent(void *ctx, const char *args, FILE *out)
{
	(void)ctx;
	(void)args;
	(void)out;
	return -1;
}

/* ---- fixture ----------------------------------------------------------- */

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctlsock.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	/* a directory that does not exist yet: open makes it */
	snprintf(f->path, sizeof(f->path), "%s/run/spisync/d.sock", f->dir);
	if (ctlsock_open(f->path, &f->s, err, sizeof(err)) != 0) {
		fprintf(stderr, "ctlsock_open: %s\n", err);
		return -1;
	}
	if (ctlsock_register(f->s, "show ike", h_ike, f) != 0 ||
	    ctlsock_register(f->s, "show", h_show, f) != 0 ||
	    ctlsock_register(f->s, "show big", h_big, f) != 0 ||
	    ctlsock_register(f->s, "show fail", h_fail, f) != 0 ||
	    ctlsock_register(f->s, "show failquiet", h_fail_quiet, f) != 0 ||
	    ctlsock_register(f->s, "show failsilent", h_fail_silent, f) != 0)
		return -1;
	alarm(WATCHDOG_S);
	*state = f;
	return 0;
}

static void
rm_tree(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	alarm(0);
	ctlsock_close(f->s);
	rm_tree(f->dir);
	free(f);
	return 0;
}

/* ---- clients ----------------------------------------------------------- */

static int
client_connect(const char *path)
{
	struct sockaddr_un addr;
	const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

static void
client_send(int fd, const char *text, size_t len)
{
	assert_int_equal(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Serve whatever is ready (waiting a little for the epoll fd). */
static void
serve(struct ctlsock *s, uint64_t now_ms)
{
	struct pollfd p = { .fd = ctlsock_fd(s), .events = POLLIN };

	if (poll(&p, 1, 20) > 0)
		assert_int_equal(ctlsock_dispatch(s, now_ms), 0);
}

struct reply {
	char *buf;
	size_t len;
	bool eof;          /* the server closed (EOF or reset) */
};

/* Read from fd, serving in between, until EOF or max bytes (0: no
 * limit) or rounds of nothing. */
static void
client_read(struct ctlsock *s, uint64_t now_ms, int fd, struct reply *r,
    size_t max, int idle_rounds)
{
	int idle = 0;

	if (r->buf == NULL) {
		r->buf = malloc(BIG_LEN + 65536);
		assert_non_null(r->buf);
	}
	while (!r->eof && (max == 0 || r->len < max) && idle < idle_rounds) {
		const size_t room = BIG_LEN + 65535 - r->len;
		const size_t want = max != 0 && max - r->len < room ?
		    max - r->len : room;
		const ssize_t n = recv(fd, r->buf + r->len, want, MSG_DONTWAIT);

		if (n > 0) {
			r->len += (size_t)n;
			idle = 0;
		} else if (n == 0 || errno == ECONNRESET) {
			r->eof = true;
		} else {
			assert_true(errno == EAGAIN);
			idle++;
			serve(s, now_ms);
		}
	}
	r->buf[r->len] = '\0';
}

/* The whole reply of one request. */
static void
request(struct fixture *f, const char *line, struct reply *r)
{
	const int fd = client_connect(f->path);

	memset(r, 0, sizeof(*r));
	client_send(fd, line, strlen(line));
	client_read(f->s, 0, fd, r, 0, 200);
	assert_true(r->eof);
	close(fd);
}

static void
reply_free(struct reply *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* ---- tests ------------------------------------------------------------- */

static void
test_request_reply(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	request(f, "show ike\n", &r);
	assert_string_equal(r.buf, "{\"ike_sas\":[]}\n");
	assert_int_equal(f->calls, 1);
	assert_string_equal(f->last_args, "");
	reply_free(&r);
	assert_int_equal(ctlsock_clients(f->s), 0);

	/* arguments after the command words; CR LF and blanks tolerated */
	request(f, "  show ike   sa 7 \r\n", &r);
	assert_string_equal(r.buf, "{\"ike_sas\":[]}\n");
	assert_string_equal(f->last_args, "sa 7");
	reply_free(&r);

	/* the longest command that matches whole words */
	request(f, "show peers\n", &r);
	assert_string_equal(r.buf, "{\"show\":\"peers\"}\n");
	reply_free(&r);
	request(f, "show iker\n", &r);
	assert_string_equal(r.buf, "{\"show\":\"iker\"}\n");
	reply_free(&r);
	assert_int_equal(f->calls, 2);
	assert_int_equal(ctlsock_clients(f->s), 0);
}

static void
test_unknown_command(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	request(f, "list everything\n", &r);
	assert_string_equal(r.buf,
	    "{\"error\":\"unknown command: list everything\"}\n");
	reply_free(&r);
	/* "sho" is not "show": a command matches whole words only */
	request(f, "sho ike\n", &r);
	assert_string_equal(r.buf, "{\"error\":\"unknown command: sho ike\"}\n");
	reply_free(&r);
	/* what the client sent comes back as valid JSON */
	request(f, "x\"y\\z\x01\xc3\n", &r);
	assert_string_equal(r.buf,
	    "{\"error\":\"unknown command: x\\\"y\\\\z\\u0001\\u00c3\"}\n");
	reply_free(&r);
	/* an empty line */
	request(f, "\n", &r);
	assert_string_equal(r.buf, "{\"error\":\"unknown command: \"}\n");
	reply_free(&r);
}

static void
test_handler_error(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	/* its first line, as a JSON string */
	request(f, "show fail\n", &r);
	assert_string_equal(r.buf,
	    "{\"error\":\"card not reachable: \\\"sim:/x\\\"\"}\n");
	reply_free(&r);
	/* what it wrote is never passed on as the document */
	request(f, "show failquiet\n", &r);
	assert_string_equal(r.buf, "{\"error\":\"{\\\"partial\\\":\"}\n");
	reply_free(&r);
	request(f, "show failsilent\n", &r);
	assert_string_equal(r.buf, "{\"error\":\"show failsilent failed\"}\n");
	reply_free(&r);
}

static void
test_line_limits(void **state)
{
	struct fixture *f = *state;
	char line[CTLSOCK_LINE_MAX + 8], want[CTLSOCK_LINE_MAX + 64];
	struct reply r;
	int fd;

	/* 511 characters and the newline: 512 bytes, served */
	memset(line, 'q', 511);
	line[511] = '\n';
	line[512] = '\0';
	request(f, line, &r);
	line[511] = '\0';
	snprintf(want, sizeof(want), "{\"error\":\"unknown command: %s\"}\n",
	    line);
	assert_string_equal(r.buf, want);
	reply_free(&r);

	/* 512 without a newline: closed, no reply */
	memset(line, 'q', 512);
	line[512] = '\n';
	line[513] = '\0';
	request(f, line, &r);
	assert_int_equal(r.len, 0);
	reply_free(&r);

	/* a line that ends before its newline (EOF): closed, no reply */
	fd = client_connect(f->path);
	client_send(fd, "show ike", 8);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	memset(&r, 0, sizeof(r));
	client_read(f->s, 0, fd, &r, 0, 200);
	assert_true(r.eof);
	assert_int_equal(r.len, 0);
	assert_int_equal(f->calls, 0);
	close(fd);
	reply_free(&r);

	/* a NUL inside the line: not a request */
	fd = client_connect(f->path);
	client_send(fd, "show ike\0zzz\n", 13);
	memset(&r, 0, sizeof(r));
	client_read(f->s, 0, fd, &r, 0, 200);
	assert_true(r.eof);
	assert_int_equal(r.len, 0);
	assert_int_equal(f->calls, 0);
	close(fd);
	reply_free(&r);
	assert_int_equal(ctlsock_clients(f->s), 0);
}

static void
test_request_timeout(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = 1000000;
	struct reply r;
	int fd;

	memset(&r, 0, sizeof(r));
	fd = client_connect(f->path);
	client_send(fd, "show ike", 8);
	for (int i = 0; i < 5; i++)
		serve(f->s, t0);
	assert_int_equal(ctlsock_clients(f->s), 1);
	ctlsock_tick(f->s, t0 + CTLSOCK_REQUEST_MS - 1);
	assert_int_equal(ctlsock_clients(f->s), 1);
	ctlsock_tick(f->s, t0 + CTLSOCK_REQUEST_MS);
	assert_int_equal(ctlsock_clients(f->s), 0);
	client_read(f->s, t0, fd, &r, 0, 50);
	assert_true(r.eof);
	assert_int_equal(r.len, 0);
	assert_int_equal(f->calls, 0);
	close(fd);
	reply_free(&r);
}

/* A client that takes no byte for 5 s is dropped; one that keeps reading
 * is not, however long the reply takes. */
static void
test_stall_timeout(void **state)
{
	struct fixture *f = *state;
	struct reply ra, rb;
	uint64_t t = 5000000;
	int a, b;

	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	a = client_connect(f->path);
	b = client_connect(f->path);
	client_send(a, "show big\n", 9);
	client_send(b, "show big\n", 9);
	for (int i = 0; i < 5; i++)
		serve(f->s, t);
	assert_int_equal(ctlsock_clients(f->s), 2);

	/* b takes 100 kB every 4 s (a socket is writable again only when
	 * most of its buffer is free: a few bytes are no progress); a takes
	 * nothing */
	for (int round = 0; round < 3; round++) {
		t += 4000;
		client_read(f->s, t, b, &rb, rb.len + 100000, 200);
		for (int i = 0; i < 5; i++)
			serve(f->s, t);
		ctlsock_tick(f->s, t);
	}
	/* a's limit was t0 + 5000; b is 12 s in and still served */
	assert_int_equal(ctlsock_clients(f->s), 1);
	client_read(f->s, t, a, &ra, 0, 50);
	assert_true(ra.eof);
	assert_true(ra.len < BIG_LEN);

	/* b reads the rest: all of it */
	client_read(f->s, t, b, &rb, 0, 1000);
	assert_true(rb.eof);
	assert_int_equal(rb.len, BIG_LEN);
	close(a);
	close(b);
	reply_free(&ra);
	reply_free(&rb);
}

static void
test_stall_boundary(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = 77;
	int a;

	a = client_connect(f->path);
	client_send(a, "show big\n", 9);
	for (int i = 0; i < 5; i++)
		serve(f->s, t0);
	assert_int_equal(ctlsock_clients(f->s), 1);
	ctlsock_tick(f->s, t0 + CTLSOCK_STALL_MS - 1);
	assert_int_equal(ctlsock_clients(f->s), 1);
	ctlsock_tick(f->s, t0 + CTLSOCK_STALL_MS);
	assert_int_equal(ctlsock_clients(f->s), 0);
	close(a);
}

/* 16 clients at once; the 17th is told busy; the 16 are then served. */
static void
test_max_clients(void **state)
{
	struct fixture *f = *state;
	int fd[CTLSOCK_MAX_CLIENTS + 1];
	struct reply r;

	for (int i = 0; i <= CTLSOCK_MAX_CLIENTS; i++) {
		fd[i] = client_connect(f->path);
		serve(f->s, 0);
		serve(f->s, 0);
	}
	assert_int_equal(ctlsock_clients(f->s), CTLSOCK_MAX_CLIENTS);
	memset(&r, 0, sizeof(r));
	client_read(f->s, 0, fd[CTLSOCK_MAX_CLIENTS], &r, 0, 50);
	assert_true(r.eof);
	assert_string_equal(r.buf, "{\"error\":\"busy\"}\n");
	reply_free(&r);
	close(fd[CTLSOCK_MAX_CLIENTS]);

	for (int i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		client_send(fd[i], "show ike\n", 9);
	for (int i = 0; i < CTLSOCK_MAX_CLIENTS; i++) {
		memset(&r, 0, sizeof(r));
		client_read(f->s, 0, fd[i], &r, 0, 200);
		assert_true(r.eof);
		assert_string_equal(r.buf, "{\"ike_sas\":[]}\n");
		reply_free(&r);
		close(fd[i]);
	}
	assert_int_equal(f->calls, CTLSOCK_MAX_CLIENTS);
	assert_int_equal(ctlsock_clients(f->s), 0);
	/* the slots are free again */
	request(f, "show ike\n", &r);
	assert_string_equal(r.buf, "{\"ike_sas\":[]}\n");
	reply_free(&r);
}

/* A 1 MiB reply to a client that does not read does not stop another
 * client from being served; then the slow one gets every byte. */
static void
test_large_reply_slow_reader(void **state)
{
	struct fixture *f = *state;
	struct reply ra, rb;
	int a, b;

	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	a = client_connect(f->path);
	client_send(a, "show big\n", 9);
	for (int i = 0; i < 5; i++)
		serve(f->s, 0);
	assert_int_equal(ctlsock_clients(f->s), 1);   /* a: mid-reply */

	b = client_connect(f->path);
	client_send(b, "show ike\n", 9);
	client_read(f->s, 0, b, &rb, 0, 200);
	assert_true(rb.eof);
	assert_string_equal(rb.buf, "{\"ike_sas\":[]}\n");
	assert_int_equal(ctlsock_clients(f->s), 1);
	close(b);

	client_read(f->s, 0, a, &ra, 0, 1000);
	assert_true(ra.eof);
	assert_int_equal(ra.len, BIG_LEN);
	for (size_t i = 0; i < BIG_LEN; i++) {
		if (ra.buf[i] != big_byte(i))
			fail_msg("byte %zu is '%c', want '%c'", i, ra.buf[i],
			    big_byte(i));
	}
	close(a);
	reply_free(&ra);
	reply_free(&rb);
}

static void
test_socket_file(void **state)
{
	struct fixture *f = *state;
	struct stat st, dir_st;
	char dir[256];

	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	snprintf(dir, sizeof(dir), "%s/run/spisync", f->dir);
	assert_int_equal(stat(dir, &dir_st), 0);
	assert_true(S_ISDIR(dir_st.st_mode));
}

/* A socket file nobody listens on (a daemon killed with -9) is replaced. */
static void
test_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un addr;
	struct ctlsock *s2;
	char path[256], err[256];
	struct reply r;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/stale.sock", f->dir);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(addr.sun_path));
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);             /* the file stays, nobody listens */
	assert_int_equal(lstat(path, &st), 0);

	assert_int_equal(ctlsock_open(path, &s2, err, sizeof(err)), 0);
	assert_int_equal(ctlsock_register(s2, "show ike", h_ike, f), 0);
	fd = client_connect(path);
	client_send(fd, "show ike\n", 9);
	memset(&r, 0, sizeof(r));
	client_read(s2, 0, fd, &r, 0, 200);
	assert_string_equal(r.buf, "{\"ike_sas\":[]}\n");
	reply_free(&r);
	close(fd);
	ctlsock_close(s2);
	/* close removes its own file */
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

/* Another daemon listening: -EADDRINUSE, and it keeps its socket. */
static void
test_live_socket_not_stolen(void **state)
{
	struct fixture *f = *state;
	struct ctlsock *s2 = NULL;
	struct stat before, after;
	char err[256];
	struct reply r;

	assert_int_equal(lstat(f->path, &before), 0);
	assert_int_equal(ctlsock_open(f->path, &s2, err, sizeof(err)),
	    -EADDRINUSE);
	assert_null(s2);
	assert_non_null(strstr(err, "another process listens on it"));
	assert_non_null(strstr(err, f->path));
	assert_int_equal(lstat(f->path, &after), 0);
	assert_true(before.st_ino == after.st_ino);
	request(f, "show ike\n", &r);
	assert_string_equal(r.buf, "{\"ike_sas\":[]}\n");
	reply_free(&r);
}

/* A path that is not a socket is never removed. */
static void
test_not_a_socket(void **state)
{
	struct fixture *f = *state;
	struct ctlsock *s2 = NULL;
	char path[256], err[256], buf[16];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/file", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("precious\n", fp);
	fclose(fp);
	assert_int_equal(ctlsock_open(path, &s2, err, sizeof(err)), -EEXIST);
	assert_null(s2);
	assert_non_null(strstr(err, "not a socket"));
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "precious\n");

	/* too long for sun_path */
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(ctlsock_open(path, &s2, err, sizeof(err)),
	    -ENAMETOOLONG);
	assert_null(s2);
}

/* Close leaves a file that is not the one it created. */
static void
test_close_leaves_foreign_file(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	FILE *fp;

	assert_int_equal(unlink(f->path), 0);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fclose(fp);
	ctlsock_close(f->s);
	f->s = NULL;
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void
test_register_errors(void **state)
{
	struct fixture *f = *state;
	char longname[CTLSOCK_COMMAND_MAX + 1];

	assert_int_equal(ctlsock_register(f->s, "show ike", h_ike, f), -EEXIST);
	assert_int_equal(ctlsock_register(f->s, "", h_ike, f), -EINVAL);
	assert_int_equal(ctlsock_register(f->s, "show  x", h_ike, f), -EINVAL);
	assert_int_equal(ctlsock_register(f->s, " show", h_ike, f), -EINVAL);
	assert_int_equal(ctlsock_register(f->s, "show ", h_ike, f), -EINVAL);
	assert_int_equal(ctlsock_register(f->s, "show\tx", h_ike, f), -EINVAL);
	assert_int_equal(ctlsock_register(f->s, "show x", NULL, f), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(ctlsock_register(f->s, longname, h_ike, f), -EINVAL);
	longname[CTLSOCK_COMMAND_MAX - 1] = '\0';
	assert_int_equal(ctlsock_register(f->s, longname, h_ike, f), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_handler_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stall_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_boundary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_max_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_reply_slow_reader, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_live_socket_not_stolen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_a_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_leaves_foreign_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_errors, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
