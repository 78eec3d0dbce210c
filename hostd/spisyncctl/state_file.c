/*
 * spisyncctl -- the per-device counter state file (state_file.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "state_file.h"

#define STATE_FORMAT "spisyncctl-state-1"

/* A state file is a few kB; anything much larger is not one of ours. */
enum { STATE_MAX_BYTES = 64 * 1024 };

/* ---- the directory ---------------------------------------------------- */

/* mkdir path (one level) unless it exists, then check it is a directory
 * we can write. private: also ours, not a symlink, not writable by group
 * or others (a directory in /tmp that another user could have made). */
static int
use_dir(const char *path, bool private, char *why, size_t whylen)
{
	struct stat st;

	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((private ? lstat(path, &st) : stat(path, &st)) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s: not a directory", path);
		return -1;
	}
	if (private && (st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		snprintf(why, whylen, "%s: not a private directory of user %u",
		    path, (unsigned)geteuid());
		return -1;
	}
	if (access(path, W_OK | X_OK) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
copy_path(char *out, size_t outlen, const char *path, char *err,
    size_t errlen)
{
	if (strlen(path) >= outlen) {
		snprintf(err, errlen, "state directory path too long: %s", path);
		return -1;
	}
	memcpy(out, path, strlen(path) + 1);
	return 0;
}

int
state_dir_choose(const char *env_dir, const char *def_dir, const char *xdg,
    const char *tmp_dir, char *out, size_t outlen, char *note,
    size_t notelen, char *err, size_t errlen)
{
	char why[CTL_ERR_LEN], why2[CTL_ERR_LEN];
	char fallback[STATE_PATH_LEN];
	int n;

	note[0] = '\0';
	if (env_dir != NULL && env_dir[0] != '\0') {
		if (use_dir(env_dir, false, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "SPISYNC_STATE_DIR %s", why);
			return -1;
		}
		return copy_path(out, outlen, env_dir, err, errlen);
	}
	if (use_dir(def_dir, false, why, sizeof(why)) == 0)
		return copy_path(out, outlen, def_dir, err, errlen);

	if (xdg != NULL && xdg[0] != '\0')
		n = snprintf(fallback, sizeof(fallback), "%s/spisync", xdg);
	else
		n = snprintf(fallback, sizeof(fallback), "%s/spisyncctl-%u",
		    tmp_dir, (unsigned)geteuid());
	if (n < 0 || (size_t)n >= sizeof(fallback)) {
		snprintf(err, errlen, "state directory path too long");
		return -1;
	}
	/* $XDG_RUNTIME_DIR is the user's own already; /tmp is everyone's */
	if (use_dir(fallback, xdg == NULL || xdg[0] == '\0', why2,
	    sizeof(why2)) != 0) {
		snprintf(err, errlen, "no usable state directory: %s; %s (set "
		    "SPISYNC_STATE_DIR to choose one)", why, why2);
		return -1;
	}
	snprintf(note, notelen, "cannot keep counter state in %s; using %s "
	    "(set SPISYNC_STATE_DIR to choose)", why, fallback);
	return copy_path(out, outlen, fallback, err, errlen);
}

/* ---- the file name ---------------------------------------------------- */

/* FNV-1a, 64 bits: only to tell device strings apart, not for security. */
static uint64_t
fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

int
state_path(const char *dir, const char *device, char *out, size_t outlen)
{
	char safe[65];
	size_t i;
	int n;

	for (i = 0; device[i] != '\0' && i < sizeof(safe) - 1; i++) {
		const char c = device[i];
		const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';

		safe[i] = ok ? c : '_';
	}
	safe[i] = '\0';
	n = snprintf(out, outlen, "%s/spisyncctl-%s-%016" PRIx64 ".json", dir,
	    safe, fnv1a64(device));
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* ---- reading ---------------------------------------------------------- */

/* A non-negative JSON integer (up to 2^64 - 1). */
static int
get_u64(struct json_object *obj, const char *key, uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	if (json_object_get_int64(v) < 0)
		return -1;
	errno = 0;
	*out = json_object_get_uint64(v);
	return errno == 0 ? 0 : -1;
}

/* obj["key"] as a snapshot; absent: invalid snapshot. */
static int
get_snapshot(struct json_object *doc, const char *key,
    struct ctl_snapshot *snap, char *why, size_t whylen)
{
	struct json_object *obj, *counters;
	uint64_t wall;

	memset(snap, 0, sizeof(*snap));
	if (!json_object_object_get_ex(doc, key, &obj) ||
	    json_object_is_type(obj, json_type_null))
		return 0;
	if (!json_object_is_type(obj, json_type_object) ||
	    get_u64(obj, "wall_s", &wall) != 0 || wall > INT64_MAX ||
	    get_u64(obj, "card_time_ns", &snap->card_time_ns) != 0 ||
	    !json_object_object_get_ex(obj, "counters", &counters) ||
	    !json_object_is_type(counters, json_type_object)) {
		snprintf(why, whylen, "\"%s\" is not a snapshot (wall_s, "
		    "card_time_ns, counters)", key);
		return -1;
	}
	snap->wall_s = (int64_t)wall;
	/* By name, so a file written before the spec gained a reason still
	 * reads: a reason it does not have counts from 0. */
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		struct json_object *v;

		if (!json_object_object_get_ex(counters, spisync_reason_name[i], &v))
			continue;
		if (get_u64(counters, spisync_reason_name[i],
		    &snap->counters[i]) != 0) {
			snprintf(why, whylen, "\"%s\" counter %s is not a "
			    "non-negative integer", key, spisync_reason_name[i]);
			return -1;
		}
	}
	snap->valid = true;
	return 0;
}

/* The whole file into a NUL-terminated buffer (freed by the caller).
 * 1 if the file does not exist, 0, or -1 with the reason in why. */
static int
read_all(const char *path, char **text, char *why, size_t whylen)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd;

	*text = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > STATE_MAX_BYTES) {
		snprintf(why, whylen, "not a regular file of at most %d bytes",
		    STATE_MAX_BYTES);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(why, whylen, "out of memory");
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size) {
		const ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(why, whylen, "%s", r < 0 ? strerror(errno) :
			    "shorter than its size");
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*text = buf;
	return 0;
}

int
state_load(const char *path, const char *device, struct ctl_state *st,
    char *err, size_t errlen)
{
	char why[CTL_ERR_LEN] = "";
	enum json_tokener_error jerr;
	struct json_object *doc, *v;
	char *text;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = read_all(path, &text, why, sizeof(why));
	if (rc == 1)
		return 0;
	if (rc != 0) {
		snprintf(err, errlen, "state file %s: %s", path, why);
		return -1;
	}
	doc = json_tokener_parse_verbose(text, &jerr);
	free(text);
	rc = -1;
	if (doc == NULL) {
		snprintf(why, sizeof(why), "not JSON (%s)",
		    json_tokener_error_desc(jerr));
	} else if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), STATE_FORMAT) != 0) {
		snprintf(why, sizeof(why), "not a %s file", STATE_FORMAT);
	} else if (!json_object_object_get_ex(doc, "device", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), device) != 0) {
		snprintf(why, sizeof(why), "belongs to another device");
	} else if (get_snapshot(doc, "previous", &st->previous, why,
	    sizeof(why)) == 0 && get_snapshot(doc, "baseline", &st->baseline,
	    why, sizeof(why)) == 0) {
		rc = 0;
	}
	json_object_put(doc);
	if (rc != 0) {
		memset(st, 0, sizeof(*st));
		snprintf(err, errlen, "state file %s: %s (remove it to start "
		    "again)", path, why);
	}
	return rc;
}

/* ---- writing ---------------------------------------------------------- */

/* Add val under key; takes val (also on failure). 0 or -1. */
static int
add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (val == NULL)
		return -1;
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

static struct json_object *
snapshot_object(const struct ctl_snapshot *snap)
{
	struct json_object *obj, *counters;

	obj = json_object_new_object();
	counters = json_object_new_object();
	if (obj == NULL || counters == NULL) {
		json_object_put(obj);
		json_object_put(counters);
		return NULL;
	}
	for (unsigned i = 0; i < SPISYNC_NUM_REASONS; i++) {
		if (add(counters, spisync_reason_name[i],
		    json_object_new_uint64(snap->counters[i])) != 0) {
			json_object_put(counters);
			json_object_put(obj);
			return NULL;
		}
	}
	if (add(obj, "wall_s", json_object_new_int64(snap->wall_s)) != 0 ||
	    add(obj, "card_time_ns",
	    json_object_new_uint64(snap->card_time_ns)) != 0 ||
	    add(obj, "counters", counters) != 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static int
write_all(int fd, const char *text)
{
	size_t len = strlen(text), done = 0;

	while (done < len) {
		const ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

int
state_save(const char *path, const char *device, const struct ctl_state *st,
    char *err, size_t errlen)
{
	char tmp[STATE_PATH_LEN];
	struct json_object *doc = json_object_new_object();
	const char *text;
	int fd, n;

	if (doc == NULL ||
	    add(doc, "format", json_object_new_string(STATE_FORMAT)) != 0 ||
	    add(doc, "device", json_object_new_string(device)) != 0 ||
	    (st->previous.valid &&
	    add(doc, "previous", snapshot_object(&st->previous)) != 0) ||
	    (st->baseline.valid &&
	    add(doc, "baseline", snapshot_object(&st->baseline)) != 0) ||
	    (text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL) {
		json_object_put(doc);
		snprintf(err, errlen, "state file %s: out of memory", path);
		return -1;
	}
	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		json_object_put(doc);
		snprintf(err, errlen, "state file %s: path too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "state file %s: %s", tmp, strerror(errno));
		json_object_put(doc);
		return -1;
	}
	if (write_all(fd, text) != 0 || write_all(fd, "\n") != 0 ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "state file %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		json_object_put(doc);
		return -1;
	}
	json_object_put(doc);
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "state file %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
