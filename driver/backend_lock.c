/*
 * libspisync -- the per-card lock file of the xrt: and pci: backends
 * (see backend_lock.h).
 */
#define _GNU_SOURCE   /* flock, O_CLOEXEC, O_NOFOLLOW */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "backend_lock.h"

/*
 * Opens dir/name, creating it if missing. Returns the fd or -errno.
 *
 * An existing file is opened without O_CREAT first: with
 * fs.protected_regular (systemd's default), O_CREAT on another user's file
 * in a sticky world-writable directory such as /run/lock or /tmp fails
 * even though a plain open would succeed. O_EXCL then creates it, and a
 * process that loses that race opens the winner's file. O_NOFOLLOW: in a
 * world-writable directory, a symlink planted under our name is refused.
 */
static int
open_in(const char *dir, const char *name, char *path, size_t pathlen)
{
	int n, fd, tries;

	n = snprintf(path, pathlen, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= pathlen)
		return -ENAMETOOLONG;
	for (tries = 0; tries < 3; tries++) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 || errno != ENOENT)
			return fd >= 0 ? fd : -errno;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_CREAT |
		    O_EXCL, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int
spisync_lockfile_open(struct spisync_lockfile *l, const char *name,
    const char *who, char *err, size_t errlen)
{
	const char *dir;
	char first[PATH_MAX];
	int fd, fd2;

	l->fd = -1;
	l->held = false;
	l->path[0] = '\0';

	dir = getenv("SPISYNC_LOCK_DIR");
	if (dir == NULL || dir[0] == '\0')
		dir = SPISYNC_LOCK_DEFAULT_DIR;

	fd = open_in(dir, name, l->path, sizeof(l->path));
	if (fd >= 0) {
		l->fd = fd;
		return 0;
	}
	if (strcmp(dir, SPISYNC_LOCK_FALLBACK_DIR) == 0) {
		spisync_errf(err, errlen, "%s: cannot open the lock file %s: "
		    "%s", who, l->path, strerror(-fd));
		return fd;
	}
	/* The directory is missing, read-only or not ours: every process
	 * that meets the same condition falls back to the same file. */
	memcpy(first, l->path, sizeof(first));
	fd2 = open_in(SPISYNC_LOCK_FALLBACK_DIR, name, l->path,
	    sizeof(l->path));
	if (fd2 >= 0) {
		l->fd = fd2;
		return 0;
	}
	spisync_errf(err, errlen, "%s: cannot open the lock file %s (%s) nor "
	    "%s (%s); set SPISYNC_LOCK_DIR to a writable directory", who, first,
	    strerror(-fd), l->path, strerror(-fd2));
	return fd2;
}

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * flock has no timed form, and a signal-based timeout would disturb the
 * host program's signal handling: poll with LOCK_NB, backing off from 1 ms
 * to 16 ms between tries.
 */
int
spisync_lockfile_lock(struct spisync_lockfile *l, const char *who,
    char *err, size_t errlen)
{
	struct timespec start, pause;
	long wait_ns = 1000000;

	if (l->fd < 0) {
		spisync_errf(err, errlen, "%s: the lock file is not open", who);
		return -EBADF;
	}
	if (l->held) {
		spisync_errf(err, errlen, "%s: lock taken twice by one handle",
		    who);
		return -EDEADLK;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(l->fd, LOCK_EX | LOCK_NB) == 0) {
			l->held = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			int e = errno;

			spisync_errf(err, errlen, "%s: flock %s: %s", who,
			    l->path, strerror(e));
			return -e;
		}
		if (elapsed_ms(&start) >= SPISYNC_LOCK_TIMEOUT_MS) {
			spisync_errf(err, errlen, "%s: the card's lock %s has "
			    "been held by another process for %d ms", who,
			    l->path, SPISYNC_LOCK_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		pause.tv_sec = 0;
		pause.tv_nsec = wait_ns;
		nanosleep(&pause, NULL);
		if (wait_ns < 16000000)
			wait_ns *= 2;
	}
}

int
spisync_lockfile_unlock(struct spisync_lockfile *l, const char *who,
    char *err, size_t errlen)
{
	if (l->fd < 0 || !l->held) {
		spisync_errf(err, errlen, "%s: unlock without the lock", who);
		return -EINVAL;
	}
	while (flock(l->fd, LOCK_UN) != 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		spisync_errf(err, errlen, "%s: flock %s: %s", who, l->path,
		    strerror(e));
		return -e;
	}
	l->held = false;
	return 0;
}

void
spisync_lockfile_close(struct spisync_lockfile *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->held = false;
}
