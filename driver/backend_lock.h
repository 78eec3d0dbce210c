/*
 * libspisync -- the per-card lock file of the xrt: and pci: backends
 * (struct spisync_backend_ops lock/unlock). Internal to the library.
 *
 * One file per card, "spisync-<backend>-<device>.lock", in
 * $SPISYNC_LOCK_DIR (default /run/lock); if it cannot be opened or created
 * there, in /tmp. Held with flock(LOCK_EX): the kernel releases it when the
 * holder closes it or dies, so a crashed process never leaves a card locked.
 * The file is opened read-only (flock does not need write access), so a
 * lock file created by root can still be used by another user, and it is
 * never removed (removing a lock file lets two processes lock two different
 * files of the same name).
 */
#ifndef SPISYNC_BACKEND_LOCK_H
#define SPISYNC_BACKEND_LOCK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* How long lock() waits for another process before -ETIMEDOUT. A mailbox
 * request takes microseconds on a card; a holder stuck this long is
 * stopped or wedged, and the caller gets an error instead of a hang. */
#ifndef SPISYNC_LOCK_TIMEOUT_MS
#define SPISYNC_LOCK_TIMEOUT_MS 10000
#endif

#define SPISYNC_LOCK_DEFAULT_DIR "/run/lock"
#define SPISYNC_LOCK_FALLBACK_DIR "/tmp"

struct spisync_lockfile {
	int fd;                 /* -1 when closed */
	bool held;
	char path[PATH_MAX];
};

/*
 * Opens (creating if needed) the lock file named name ("spisync-pci-...
 * .lock") as described above. who prefixes error messages ("pci:0000:...").
 * 0, or a negative errno value with a sentence in err.
 */
int spisync_lockfile_open(struct spisync_lockfile *l, const char *name,
    const char *who, char *err, size_t errlen);

/* Takes the lock, waiting up to SPISYNC_LOCK_TIMEOUT_MS: 0, -ETIMEDOUT,
 * -EDEADLK if this handle holds it already, or another negative errno. */
int spisync_lockfile_lock(struct spisync_lockfile *l, const char *who,
    char *err, size_t errlen);

/* Releases it: 0, -EINVAL if not held, or another negative errno. */
int spisync_lockfile_unlock(struct spisync_lockfile *l, const char *who,
    char *err, size_t errlen);

/* Closes the file (releasing the lock if held). Safe on a closed one. */
void spisync_lockfile_close(struct spisync_lockfile *l);

#endif
