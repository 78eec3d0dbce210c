/*
 * spisyncd -- IKEv2 for the spisync card and its invalid-SPI recovery.
 * Options, daemonizing, the pid file; daemon.c does the work.
 *
 *   spisyncd -c CONFIG [-f] [--stderr] [--pidfile PATH]
 *            [--ike-port N] [--natt-port N]
 *
 * Without -f the process detaches (double fork, setsid, chdir /, standard
 * fds to /dev/null) only once it is up: the parent waits for the daemon's
 * start and exits with its status, so `spisyncd -c bad.conf` still fails
 * with 2 and the reason on the terminal. The systemd unit uses -f.
 * Exit: 0 after SIGTERM / SIGINT, 1 on an error of the card, the sockets or
 * the loop, 2 on a usage or configuration error.
 */
#define _GNU_SOURCE     /* getopt_long */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "net.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: spisyncd -c CONFIG [-f] [--stderr] [--pidfile PATH]\n"
	    "  -c, --config FILE  configuration (docs/spisyncd-config.md)\n"
	    "  -f, --foreground   do not detach (systemd, tests)\n"
	    "  --stderr           log to stderr instead of syslog\n"
	    "  --pidfile PATH     write the daemon's pid there\n"
	    "  --ike-port N       IKE port instead of 500 (tests)\n"
	    "  --natt-port N      NAT-T port instead of 4500 (tests)\n");
}

static int
parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* The parent waits for one status byte from the detached daemon, then
 * exits with it (SPISYNCD_EXIT_FAIL if the daemon died first). */
static int
wait_status(int rfd)
{
	unsigned char st;
	ssize_t k;

	do {
		k = read(rfd, &st, 1);
	} while (k < 0 && errno == EINTR);
	return k == 1 ? st : SPISYNCD_EXIT_FAIL;
}

/* Double fork and setsid. Returns in the daemon with *status_fd its end
 * of the status pipe; the original process and the middle one exit. */
static int
detach(int *status_fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) != 0) {
		fprintf(stderr, "spisyncd: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "spisyncd: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		/* the middle process exits at once: reap it */
		waitpid(pid, NULL, 0);
		_exit(wait_status(p[0]));
	}
	close(p[0]);
	if (setsid() < 0)
		_exit(SPISYNCD_EXIT_FAIL);
	pid = fork();
	if (pid < 0)
		_exit(SPISYNCD_EXIT_FAIL);
	if (pid > 0)
		_exit(SPISYNCD_EXIT_OK);
	/* no controlling terminal can come back: we are not a session
	 * leader any more */
	umask(027);
	if (chdir("/") != 0)
		_exit(SPISYNCD_EXIT_FAIL);
	*status_fd = p[1];
	return 0;
}

static void
report_status(int *status_fd, int status)
{
	const unsigned char st = (unsigned char)status;

	if (*status_fd < 0)
		return;
	if (write(*status_fd, &st, 1) != 1) {
		/* the parent is gone: nobody to tell */
	}
	close(*status_fd);
	*status_fd = -1;
}

/* stdin, stdout (and stderr unless it is the log) onto /dev/null */
static int
null_fds(bool keep_stderr)
{
	const int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    (!keep_stderr && dup2(fd, STDERR_FILENO) < 0)) {
		close(fd);
		return -1;
	}
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

static int
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "ike-port", required_argument, NULL, 'i' },
		{ "natt-port", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct spisyncd_opts o = {
		.port_ike = NET_PORT_IKE, .port_natt = NET_PORT_NATT,
	};
	char config_abs[PATH_MAX], pid_abs[PATH_MAX];
	const char *config = NULL, *pidfile = NULL;
	bool foreground = false;
	struct spisyncd *d;
	int status_fd = -1, status, c;

	while ((c = getopt_long(argc, argv, "c:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'e':
			o.to_stderr = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'i':
		case 'n':
			if (parse_port(optarg, c == 'i' ? &o.port_ike :
			    &o.port_natt) != 0) {
				fprintf(stderr, "spisyncd: bad port: %s\n",
				    optarg);
				return SPISYNCD_EXIT_CONFIG;
			}
			break;
		case 'h':
			usage(stdout);
			return SPISYNCD_EXIT_OK;
		default:
			usage(stderr);
			return SPISYNCD_EXIT_CONFIG;
		}
	}
	if (config == NULL || optind != argc) {
		usage(stderr);
		return SPISYNCD_EXIT_CONFIG;
	}
	/* absolute: the daemon runs in / and SIGHUP reads the file again */
	if (realpath(config, config_abs) == NULL) {
		fprintf(stderr, "spisyncd: %s: %s\n", config, strerror(errno));
		return SPISYNCD_EXIT_CONFIG;
	}
	o.config_path = config_abs;
	if (pidfile != NULL && pidfile[0] != '/') {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    snprintf(pid_abs, sizeof(pid_abs), "%s/%s", cwd,
		    pidfile) >= (int)sizeof(pid_abs)) {
			fprintf(stderr, "spisyncd: pid file path too long\n");
			return SPISYNCD_EXIT_CONFIG;
		}
		pidfile = pid_abs;
	}

	if (!foreground && detach(&status_fd) != 0)
		return SPISYNCD_EXIT_FAIL;
	sd_log_echo_stderr(true);
	status = spisyncd_start(&o, &d);
	if (status != SPISYNCD_EXIT_OK) {
		report_status(&status_fd, status);
		return status;
	}
	if (pidfile != NULL && write_pidfile(pidfile) != 0) {
		sd_log(LOG_ERR, "spisyncd: pid file %s: %s", pidfile,
		    strerror(errno));
		spisyncd_stop(d);
		report_status(&status_fd, SPISYNCD_EXIT_FAIL);
		return SPISYNCD_EXIT_FAIL;
	}
	sd_log_echo_stderr(false);
	if (!foreground && null_fds(o.to_stderr) != 0)
		sd_log(LOG_WARNING, "spisyncd: /dev/null: %s",
		    strerror(errno));
	report_status(&status_fd, SPISYNCD_EXIT_OK);

	status = spisyncd_run(d);
	spisyncd_stop(d);
	if (pidfile != NULL)
		unlink(pidfile);
	sd_log(LOG_NOTICE, "spisyncd: exit %d", status);
	sd_log_close();
	return status;
}
