/*
 * spisync tests -- own a card's event ring through libspisync and print
 * every record it delivers as a JSON line (the keys of spisync-sim's
 * --events-json that tests/sim/mkpcap.c --check reads), until SIGTERM or
 * SIGINT; then one last poll and exit 0.
 *
 *   ring_dump DEVICE READY_FILE [SIZE_LOG2]
 *
 * READY_FILE is created once the ring runs, so a test starts traffic only
 * when no record can be missed. The records go through the driver's ring
 * consumer in DMA memory the simulator writes (sim: backend, shared memfd):
 * the path the daemon takes.
 */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "spisync.h"

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
print_record(const uint8_t rec[SPISYNC_EVENT_BYTES])
{
	struct spisync_event ev;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	spisync_event_decode(rec, &ev);
	inet_ntop(ev.ipv6 ? AF_INET6 : AF_INET, ev.src, src, sizeof(src));
	inet_ntop(ev.ipv6 ? AF_INET6 : AF_INET, ev.dst, dst, sizeof(dst));
	printf("{\"type\":\"%s\",\"ip\":%d,\"src\":\"%s\",\"dst\":\"%s\","
	    "\"spi\":\"0x%08x\",\"seq\":%u,\"encap\":\"%s\",\"len\":%u,"
	    "\"rx_seq\":%u,\"sport\":%u,\"dport\":%u,\"count\":%u,"
	    "\"time_ns\":%llu}\n",
	    spisync_event_type_name(ev.type), ev.ipv6 ? 6 : 4, src, dst,
	    (unsigned)ev.spi, (unsigned)ev.seq, ev.udp ? "udp" : "esp",
	    (unsigned)ev.frame_len, (unsigned)ev.rx_seq, (unsigned)ev.sport,
	    (unsigned)ev.dport, (unsigned)ev.count,
	    (unsigned long long)ev.time_ns);
}

/* Every record waiting; -1 on a driver error (message printed). */
static int
drain_ring(struct spisync *h)
{
	uint8_t recs[64][SPISYNC_EVENT_BYTES];
	size_t n;

	do {
		if (spisync_events_poll(h, recs, 64, &n) != 0) {
			fprintf(stderr, "ring_dump: %s\n", spisync_last_error(h));
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			print_record(recs[i]);
	} while (n == 64);
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct timespec pause = { 0, 2000000 };
	struct sigaction sa;
	struct spisync *h;
	char err[256];
	unsigned log2 = 10;
	int fd, rc = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: ring_dump DEVICE READY_FILE [SIZE_LOG2]\n");
		return 2;
	}
	if (argc == 4)
		log2 = (unsigned)strtoul(argv[3], NULL, 10);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (spisync_open(argv[1], &h, err, sizeof(err)) != 0) {
		fprintf(stderr, "ring_dump: %s\n", err);
		return 1;
	}
	if (spisync_events_start(h, log2) != 0) {
		fprintf(stderr, "ring_dump: %s\n", spisync_last_error(h));
		spisync_close(h);
		return 1;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "ring_dump: %s: %s\n", argv[2], strerror(errno));
		rc = 1;
	} else {
		close(fd);
	}
	while (rc == 0 && !stop_requested) {
		if (drain_ring(h) != 0)
			rc = 1;
		nanosleep(&pause, NULL);
	}
	if (rc == 0 && drain_ring(h) != 0)
		rc = 1;
	if (spisync_events_stop(h) != 0) {
		fprintf(stderr, "ring_dump: %s\n", spisync_last_error(h));
		rc = 1;
	}
	spisync_close(h);
	return rc;
}
