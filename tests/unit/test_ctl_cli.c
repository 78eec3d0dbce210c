/*
 * spisync -- the built spisyncctl, run as a program: exit status 0 / 1 / 2,
 * messages on stderr naming the device, nothing on stdout when it fails,
 * and no crash on any of it. No card is needed: every device here is one
 * that is not there (the end-to-end test against a running simulator is
 * separate).
 *
 *   test_ctl_cli [--valgrind] PATH-TO-SPISYNCCTL
 *
 * --valgrind runs each command under valgrind (its errors exit 99, which no
 * case expects).
 */

#define _GNU_SOURCE   /* mkdtemp, asprintf, setenv */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static const char *prog;
static bool use_valgrind;
static char tmp_root[256];

struct result {
	int status;          /* exit status */
	char out[65536];
	char err[65536];
};

static void
slurp(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

/* Run prog with the words (NULL-terminated) and env assignments
 * ("NAME=value", or "NAME=" to unset; NULL-terminated list). */
static void
run(struct result *r, const char *const *env, ...)
{
	const char *argv[80];
	char out_path[300], err_path[300];
	int argc = 0, status;
	va_list ap;
	const char *w;
	pid_t pid;

	if (use_valgrind) {
		argv[argc++] = "valgrind";
		argv[argc++] = "-q";
		argv[argc++] = "--error-exitcode=99";
		argv[argc++] = "--leak-check=full";
	}
	argv[argc++] = prog;
	va_start(ap, env);
	while ((w = va_arg(ap, const char *)) != NULL && argc < 79)
		argv[argc++] = w;
	va_end(ap);
	argv[argc] = NULL;

	snprintf(out_path, sizeof(out_path), "%s/out", tmp_root);
	snprintf(err_path, sizeof(err_path), "%s/err", tmp_root);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		const int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		/* a clean environment for what spisyncctl reads */
		unsetenv("SPISYNC_DEVICE");
		unsetenv("SPISYNC_STATE_DIR");
		for (; env != NULL && *env != NULL; env++) {
			const char *eq = strchr(*env, '=');
			char name[64];

			if (eq == NULL || (size_t)(eq - *env) >= sizeof(name))
				_exit(127);
			memcpy(name, *env, (size_t)(eq - *env));
			name[eq - *env] = '\0';
			if (eq[1] == '\0')
				unsetenv(name);
			else
				setenv(name, eq + 1, 1);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));   /* no signal, no crash */
	r->status = WEXITSTATUS(status);
	slurp(out_path, r->out, sizeof(r->out));
	slurp(err_path, r->err, sizeof(r->err));
}

static struct result *
result_new(void)
{
	struct result *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

static void
assert_status(const struct result *r, int want)
{
	if (r->status != want) {
		print_error("exit %d, want %d\nstdout:\n%s\nstderr:\n%s\n",
		    r->status, want, r->out, r->err);
		fail();
	}
}

/* ---------------------------------------------------------------------- */

static void
test_help(void **state)
{
	struct result *r = result_new();

	(void)state;
	run(r, NULL, "--help", NULL);
	assert_status(r, 0);
	assert_int_equal(strncmp(r->out, "usage: spisyncctl ", 18), 0);
	assert_non_null(strstr(r->out, "key-file PATH"));
	assert_string_equal(r->err, "");
	free(r);
}

static void
test_usage_errors(void **state)
{
	static const struct {
		const char *words[8];
		const char *msg;
	} cases[] = {
		{ { NULL }, "no command given" },
		{ { "show", "bogus" },
		  "show: 'bogus' is not drops, sa, events, card, ike, flows or peers" },
		{ { "--prometheus", "show", "events" },
		  "--prometheus is for show drops and show sa" },
		{ { "--json", "--prometheus", "show", "sa" },
		  "--json and --prometheus exclude each other" },
		{ { "-d" }, "-d needs a DEVICE" },
		{ { "sa", "add", "spi", "255", "dst", "198.18.0.1", "aead",
		    "000102030405060708090a0b0c0d0e0fdeadbeef" },
		  "sa add: spi 255 is reserved (0..255, RFC 4303 2.1); use 256 or more" },
		{ { "sa", "del", "index", "65535" },
		  "sa del: index '65535' is not a number 0..65534" },
	};
	struct result *r = result_new();
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *w = cases[i].words;

		run(r, NULL, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], NULL);
		assert_status(r, 2);
		snprintf(want, sizeof(want),
		    "spisyncctl: %s\n(spisyncctl --help for usage)\n", cases[i].msg);
		assert_string_equal(r->err, want);
		assert_string_equal(r->out, "");
	}
	free(r);
}

/* A device that is not there: exit 1, one line naming it, nothing on
 * stdout; for every command. */
static void
test_missing_device(void **state)
{
	static const char *const cmds[][16] = {
		{ "show", "drops" },
		{ "--json", "show", "drops" },
		{ "--prometheus", "show", "drops" },
		{ "show", "sa" },
		{ "--prometheus", "show", "sa" },
		{ "--json", "show", "events" },
		{ "show", "card" },
		{ "clear", "counters" },
		{ "sa", "del", "spi", "0x1000" },
		{ "sa", "add", "spi", "0x1000", "dst", "198.18.0.1", "aead",
		  "000102030405060708090a0b0c0d0e0fdeadbeef", "128", "esn" },
	};
	struct result *r = result_new();
	char *state_env, *dev, *prefix;

	(void)state;
	assert_true(asprintf(&state_env, "SPISYNC_STATE_DIR=%s/state",
	    tmp_root) > 0);
	assert_true(asprintf(&dev, "sim:%s/no-such.sock", tmp_root) > 0);
	assert_true(asprintf(&prefix, "spisyncctl: %s: ", dev) > 0);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *env[] = { state_env, NULL };
		const char *const *w = cmds[i];

		run(r, env, "-d", dev, w[0], w[1], w[2], w[3], w[4], w[5], w[6],
		    w[7], w[8], w[9], NULL);
		assert_status(r, 1);
		if (strncmp(r->err, prefix, strlen(prefix)) != 0 ||
		    strchr(r->err, '\n') != r->err + strlen(r->err) - 1) {
			print_error("case %zu: stderr is not one line naming the "
			    "device:\n%s\n", i, r->err);
			fail();
		}
		/* named once: libspisync's own "DEVICE: " is not repeated */
		if (strstr(r->err + strlen(prefix), dev) != NULL) {
			print_error("case %zu: device named twice:\n%s\n", i,
			    r->err);
			fail();
		}
		/* the key never appears in a message */
		assert_null(strstr(r->err, "deadbeef"));
		assert_string_equal(r->out, "");
	}
	free(prefix);
	free(dev);
	free(state_env);
	free(r);
}

/* $SPISYNC_DEVICE when no -d; -d wins over it; an unknown backend. */
static void
test_device_choice(void **state)
{
	struct result *r = result_new();
	const char *env[] = { "SPISYNC_DEVICE=sim:/nonexistent/from-env.sock",
	    NULL };

	(void)state;
	run(r, env, "show", "card", NULL);
	assert_status(r, 1);
	assert_int_equal(strncmp(r->err,
	    "spisyncctl: sim:/nonexistent/from-env.sock: ", 44), 0);

	run(r, env, "-d", "sim:/nonexistent/from-d.sock", "show", "card", NULL);
	assert_status(r, 1);
	assert_int_equal(strncmp(r->err,
	    "spisyncctl: sim:/nonexistent/from-d.sock: ", 42), 0);

	run(r, NULL, "-d", "nosuchbackend:0", "show", "card", NULL);
	assert_status(r, 1);
	assert_int_equal(strncmp(r->err, "spisyncctl: nosuchbackend:0: ", 29), 0);
	free(r);
}

/* An unusable $SPISYNC_STATE_DIR is an error of its own (before the
 * card is opened), naming the device and the directory. */
static void
test_bad_state_dir(void **state)
{
	struct result *r = result_new();
	char *file, *env_var, *want;
	FILE *fp;

	(void)state;
	assert_true(asprintf(&file, "%s/a-file", tmp_root) > 0);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_true(asprintf(&env_var, "SPISYNC_STATE_DIR=%s/sub", file) > 0);
	assert_true(asprintf(&want, "spisyncctl: sim:/nonexistent/x.sock: "
	    "SPISYNC_STATE_DIR %s/sub: Not a directory\n", file) > 0);
	{
		const char *env[] = { env_var, NULL };

		run(r, env, "-d", "sim:/nonexistent/x.sock", "show", "drops", NULL);
		assert_status(r, 1);
		assert_string_equal(r->err, want);
		run(r, env, "-d", "sim:/nonexistent/x.sock", "clear", "counters",
		    NULL);
		assert_status(r, 1);
		assert_string_equal(r->err, want);
	}
	unlink(file);
	free(file);
	free(env_var);
	free(want);
	free(r);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "%s/test_ctl_cli.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmp_root) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char path[300];

	(void)state;
	snprintf(path, sizeof(path), "%s/out", tmp_root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/err", tmp_root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state", tmp_root);
	rmdir(path);
	return rmdir(tmp_root);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_missing_device),
		cmocka_unit_test(test_device_choice),
		cmocka_unit_test(test_bad_state_dir),
	};
	int i = 1;

	if (i < argc && strcmp(argv[i], "--valgrind") == 0) {
		use_valgrind = true;
		i++;
	}
	if (i + 1 != argc) {
		fprintf(stderr, "usage: %s [--valgrind] PATH-TO-SPISYNCCTL\n",
		    argv[0]);
		return 2;
	}
	prog = argv[i];
	return cmocka_run_group_tests(tests, setup, teardown);
}
