/*
 * spisync-sim server -- frames in and out of the card (frames.h).
 */
#define _GNU_SOURCE     /* O_CLOEXEC with the POSIX level of the build */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "frames.h"
#include "pcap_io.h"
#include "server.h"

static uint64_t beats_of(const struct server *s, size_t len)
{
	const unsigned beat_bytes = s->opt->card.width / 8u;

	return (len + beat_bytes - 1) / beat_bytes;
}

/* Beats queued for the wire and not yet clocked into the card. */
static uint64_t backlog_beats(const struct server *s)
{
	return s->pushed_beats - card_sim_wire_beats(s->card.sim);
}

int frames_to_card(struct server *s, const uint8_t *frame, size_t len)
{
	const uint64_t limit = FRAMES_BACKLOG_BYTES / (s->opt->card.width / 8u);

	if (len == 0 || len > CARD_SIM_MAX_FRAME) {
		s->stats.too_big++;
		return 0;
	}
	if (backlog_beats(s) + beats_of(s, len) > limit) {
		s->stats.backlog_drops++;
		return 0;
	}
	/* the model refuses only when out of memory: a drop like the above */
	if (card_sim_push_frame(s->card.sim, frame, len, false) != 0) {
		s->stats.backlog_drops++;
		return 0;
	}
	s->pushed_beats += beats_of(s, len);
	return 1;
}

/* A capture read whole: every replayable frame, back to back. */
struct capture {
	uint8_t *bytes;
	size_t used, cap;
	size_t *lens;
	size_t n, n_cap;
	uint64_t refused;     /* records pcap_record_refusal turned down */
	uint64_t overflow;    /* records beyond what the wire queue can hold */
};

static void capture_free(struct capture *c)
{
	free(c->bytes);
	free(c->lens);
	memset(c, 0, sizeof(*c));
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return 0;
	q = realloc(*p, n * elem);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int capture_add(struct capture *c, const uint8_t *data, size_t len)
{
	if (grow((void **)&c->bytes, &c->cap, c->used + len, 1) != 0 ||
	    grow((void **)&c->lens, &c->n_cap, c->n + 1, sizeof(*c->lens)) != 0)
		return -1;
	memcpy(c->bytes + c->used, data, len);
	c->used += len;
	c->lens[c->n++] = len;
	return 0;
}

/* 0, -ENOMEM, or -EINVAL (malformed file, reason in err). Stops reading
 * once the capture holds more than the wire queue can ever take. */
static int capture_read(struct pcap_in *in, struct capture *c, char *err,
    size_t errlen)
{
	struct pcap_record rec;
	int rc;

	while ((rc = pcap_in_next(in, &rec, err, errlen)) == 1) {
		if (pcap_record_refusal(&rec, CARD_SIM_MAX_FRAME) != NULL) {
			c->refused++;
			continue;
		}
		if (c->used > FRAMES_BACKLOG_BYTES) {
			/* the queue refuses the rest anyway: count, don't keep */
			c->overflow++;
			continue;
		}
		if (capture_add(c, rec.data, rec.len) != 0) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	return rc == 0 ? 0 : -EINVAL;
}

int frames_replay(struct server *s, const char *path, uint32_t *queued,
    char *err, size_t errlen)
{
	struct capture cap;
	struct pcap_in *in = NULL;
	struct stat st;
	size_t at = 0;
	int fd, rc;

	*queued = 0;
	/* for the errno (pcap_in_open only says why in words), and to refuse
	 * what is not a file: opening a FIFO would block the whole server */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = fstat(fd, &st);
	close(fd);
	if (rc != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (pcap_in_open(path, &in, err, errlen) != 0)
		return -EINVAL;
	memset(&cap, 0, sizeof(cap));
	rc = capture_read(in, &cap, err, errlen);
	pcap_in_close(in);
	if (rc != 0) {
		capture_free(&cap);
		return rc;
	}
	s->stats.too_big += cap.refused;
	s->stats.backlog_drops += cap.overflow;
	for (size_t i = 0; i < cap.n; i++) {
		if (frames_to_card(s, cap.bytes + at, cap.lens[i]) == 1)
			(*queued)++;
		at += cap.lens[i];
	}
	s->stats.replayed += *queued;
	capture_free(&cap);
	return 0;
}

void frames_from_port(struct server *s)
{
	if (s->wire.fd < 0)
		return;
	for (unsigned i = 0; i < FRAMES_BATCH; i++) {
		const ssize_t n = wire_recv(&s->wire, s->frame_buf, TAP_FRAME_MAX);

		if (n == 0)
			return;
		if (n < 0 && (errno == ENODEV || errno == ENXIO)) {
			/* the interface is gone: its socket would report the
			 * error on every poll */
			fprintf(stderr, "spisync-sim: warning: --port %s: %s; "
			    "no more frames from the port\n", s->opt->port,
			    strerror(errno));
			wire_close(&s->wire);
			return;
		}
		if (n < 0) {
			/* the interface went down, say: keep serving */
			if (s->stats.port_errors++ == 0)
				fprintf(stderr, "spisync-sim: warning: --port "
				    "receive: %s (further errors only "
				    "counted)\n", strerror(errno));
			return;
		}
		if (frames_to_card(s, s->frame_buf, (size_t)n) == 1)
			s->stats.port_in++;
	}
}

void frames_from_tap(struct server *s)
{
	if (s->tap.fd < 0)
		return;
	for (unsigned i = 0; i < FRAMES_BATCH; i++) {
		const ssize_t n = tap_recv(&s->tap, s->frame_buf, TAP_FRAME_MAX);

		if (n < 0) {
			/* deleted under us (ip link del): the descriptor
			 * would report an error on every poll */
			fprintf(stderr, "spisync-sim: warning: --tap %s: %s; "
			    "delivered frames are discarded from now on\n",
			    s->opt->tap, strerror(errno));
			tap_close(&s->tap);
			return;
		}
		if (n == 0)
			return;
		s->stats.host_tx++;
		if (s->wire.fd >= 0 &&
		    wire_send(&s->wire, s->frame_buf, (size_t)n) == 0)
			s->stats.host_tx_sent++;
		else
			s->stats.host_tx_dropped++;
	}
}

static void deliver_one(struct server *s, const struct card_host_frame *f)
{
	char err[256];
	struct timeval now;

	s->stats.delivered++;
	if (s->tap.fd >= 0) {
		if (tap_send(&s->tap, f->data, f->len) == 0)
			s->stats.to_tap++;
		else
			s->stats.tap_drops++;
		return;
	}
	if (s->out == NULL) {
		s->stats.discarded++;
		return;
	}
	gettimeofday(&now, NULL);
	if (pcap_out_write(s->out, &now, f->data, f->len, err,
	    sizeof(err)) != 0) {
		/* the file is incomplete now: it is not published at exit */
		fprintf(stderr, "spisync-sim: %s; --out is abandoned\n", err);
		pcap_out_abort(s->out);
		s->out = NULL;
		s->out_failed = true;
		s->stats.discarded++;
		return;
	}
	s->stats.to_out++;
}

void frames_deliver(struct server *s)
{
	while (card_sim_pull_host(s->card.sim, s->host_frame) == 1)
		deliver_one(s, s->host_frame);
}
