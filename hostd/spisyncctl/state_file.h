/*
 * spisyncctl -- where the counter state lives between runs, and its file.
 *
 * One file per device, in $SPISYNC_STATE_DIR, else /run/spisync, else (with
 * a note) $XDG_RUNTIME_DIR/spisync or /tmp/spisyncctl-UID. The file is JSON
 * (format in docs/spisyncctl.md), replaced atomically (write a temporary
 * file, rename) so a reader never sees half of one.
 */
#ifndef SPISYNCCTL_STATE_FILE_H
#define SPISYNCCTL_STATE_FILE_H

#include <stddef.h>

#include "ctl.h"

enum { STATE_PATH_LEN = 4096 };

/*
 * Pick the state directory and create it if missing (mode 0700).
 * env_dir: $SPISYNC_STATE_DIR (NULL or "" if unset): used as given, an error
 * if unusable. Else def_dir (/run/spisync); if that cannot be used, xdg
 * ($XDG_RUNTIME_DIR)/spisync, else tmp_dir/spisyncctl-UID (a directory of
 * ours, not a symlink, not writable by others), with a sentence in note
 * saying why (note is "" when no fallback was taken).
 * 0 and the directory in out, or -1 with the reason in err.
 */
int state_dir_choose(const char *env_dir, const char *def_dir,
    const char *xdg, const char *tmp_dir, char *out, size_t outlen,
    char *note, size_t notelen, char *err, size_t errlen);

/* dir/spisyncctl-<device, safe characters>-<64-bit hash of it>.json: the
 * hash keeps two devices whose safe names collide apart. 0 or -1 (too
 * long). */
int state_path(const char *dir, const char *device, char *out,
    size_t outlen);

/* Load the state of device from path. A missing file is an empty state
 * (both snapshots invalid). -1 with the reason in err (naming the file) if
 * it cannot be read or is not a state file of this device. */
int state_load(const char *path, const char *device, struct ctl_state *st,
    char *err, size_t errlen);

/* Replace the file at path with st. 0, or -1 with the reason in err. */
int state_save(const char *path, const char *device,
    const struct ctl_state *st, char *err, size_t errlen);

#endif
