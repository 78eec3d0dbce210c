/*
 * spisyncd -- the card through libspisync (card.h).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "card.h"

struct card {
	struct spisync *h;
	int lock_fd;                    /* the one-daemon-per-card lock */
	bool took_over;                 /* the ring was a dead daemon's */
	uint64_t takeover_card_ns;      /* card time just before taking it */
	int64_t offset_ns;              /* CLOCK_REALTIME - card time */
	uint64_t offset_at_ms;          /* when measured (monotonic) */
	struct card_stats stats;
	uint8_t recs[CARD_POLL_MAX][SPISYNC_EVENT_BYTES];
};

/* The card's clock is read between two host clock reads: the midpoint is
 * the host time of the read, within half the round trip (a mailbox-free
 * register read: microseconds on the sim: socket, less on PCIe). */
static int
measure_offset(struct card *c)
{
	uint64_t before, after, card_ns;
	int rc;

	before = sd_real_ns();
	rc = spisync_time_ns(c->h, &card_ns);
	after = sd_real_ns();
	if (rc != 0)
		return rc;
	c->offset_ns = (int64_t)(before + (after - before) / 2 - card_ns);
	return 0;
}

uint64_t
card_time_map(uint64_t card_ns, int64_t offset_ns)
{
	/* two's complement wrap is the intended arithmetic here */
	return card_ns + (uint64_t)offset_ns;
}

/* One spisyncd per card: an flock on a file named after the device, in
 * $SPISYNC_LOCK_DIR (else /run/lock, else /tmp: as libspisync's own locks).
 * Holding it proves that a ring found enabled belongs to a dead daemon
 * (SIGKILL leaves the ring on), so it may be taken over. */
static int
daemon_lock(const char *device, char *err, size_t errlen)
{
	const char *dirs[3] = { getenv("SPISYNC_LOCK_DIR"), "/run/lock", "/tmp" };
	char name[200], path[4096];
	size_t i, j;
	int fd = -1;

	for (i = 0, j = 0; device[i] != '\0' && j + 1 < sizeof(name); i++)
		name[j++] = (device[i] == '/' || device[i] == ':') ? '_' : device[i];
	name[j] = '\0';
	for (i = 0; i < 3 && fd < 0; i++) {
		if (dirs[i] == NULL || dirs[i][0] == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/spisyncd-%s.lock", dirs[i], name);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open a lock file (%s): %s", device,
		    path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		snprintf(err, errlen, "%s: the card's event ring has an owner: "
		    "another spisyncd holds %s", device, path);
		close(fd);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	return fd;
}

int
card_open(const char *device, unsigned ring_log2, struct card **out,
    char *err, size_t errlen)
{
	struct card *c;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->lock_fd = daemon_lock(device, err, errlen);
	if (c->lock_fd < 0) {
		rc = c->lock_fd;
		free(c);
		return rc;
	}
	rc = spisync_open(device, &c->h, err, errlen);
	if (rc != 0) {
		close(c->lock_fd);
		free(c);
		return rc;
	}
	rc = measure_offset(c);
	if (rc != 0) {
		snprintf(err, errlen, "%s: card time: %s", device,
		    spisync_last_error(c->h));
		spisync_close(c->h);
		close(c->lock_fd);
		free(c);
		return rc;
	}
	c->offset_at_ms = sd_mono_ms();
	rc = spisync_events_start(c->h, ring_log2);
	if (rc == -EBUSY) {
		/* we hold the daemon lock: the owner was a spisyncd that died */
		c->took_over = true;
		rc = spisync_time_ns(c->h, &c->takeover_card_ns);
		if (rc == 0)
			rc = spisync_events_takeover(c->h, ring_log2);
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s", spisync_last_error(c->h));
		spisync_close(c->h);
		close(c->lock_fd);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void
card_close(struct card *c)
{
	if (c == NULL)
		return;
	/* errors here leave nothing to do: the process ends */
	(void)spisync_events_stop(c->h);
	spisync_close(c->h);
	close(c->lock_fd);
	free(c);
}

int
card_poll(struct card *c, struct spisync_event *evs, size_t max, size_t *n)
{
	int rc;

	*n = 0;
	if (max > CARD_POLL_MAX)
		max = CARD_POLL_MAX;
	c->stats.polls++;
	rc = spisync_events_poll(c->h, c->recs, max, n);
	if (rc != 0) {
		c->stats.poll_errors++;
		*n = 0;
		return rc;
	}
	for (size_t i = 0; i < *n; i++)
		spisync_event_decode(c->recs[i], &evs[i]);
	c->stats.records += *n;
	return 0;
}

int
card_takeover_history(struct card *c, uint64_t max_age_ns,
    struct spisync_event *evs, size_t max, size_t *n)
{
	size_t got = 0, i;
	int rc;

	*n = 0;
	if (!c->took_over)
		return 0;
	if (max > CARD_POLL_MAX)
		max = CARD_POLL_MAX;
	rc = spisync_event_history(c->h, c->recs, CARD_POLL_MAX, &got);
	if (rc != 0)
		return rc;
	for (i = 0; i < got && *n < max; i++) {
		struct spisync_event ev;

		spisync_event_decode(c->recs[i], &ev);
		/* before the takeover: in the dead daemon's ring only, never
		 * in ours; and recent enough to matter */
		if (ev.time_ns >= c->takeover_card_ns ||
		    ev.time_ns + max_age_ns < c->takeover_card_ns)
			continue;
		evs[(*n)++] = ev;
	}
	return 0;
}

int
card_time_refresh(struct card *c, uint64_t now_ms)
{
	int rc;

	if (now_ms - c->offset_at_ms < CARD_TIME_REFRESH_MS)
		return 0;
	c->offset_at_ms = now_ms;
	rc = measure_offset(c);
	return rc;
}

uint64_t
card_wall_ns(const struct card *c, uint64_t card_ns)
{
	return card_time_map(card_ns, c->offset_ns);
}

int
card_sa_add(struct card *c, const struct spisync_sa *sa, uint32_t *index)
{
	const int rc = spisync_sa_add(c->h, sa, index);

	if (rc != 0)
		c->stats.sa_errors++;
	else
		c->stats.sa_added++;
	return rc;
}

int
card_sa_del(struct card *c, uint32_t index)
{
	const int rc = spisync_sa_del(c->h, index);

	if (rc != 0)
		c->stats.sa_errors++;
	else
		c->stats.sa_deleted++;
	return rc;
}

const char *
card_error(const struct card *c)
{
	return spisync_last_error(c->h);
}

void
card_stats(const struct card *c, struct card_stats *out)
{
	*out = c->stats;
}

bool
card_took_over(const struct card *c)
{
	return c->took_over;
}
