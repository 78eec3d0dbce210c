/*
 * spisyncd -- the daemon: its parts wired together and the epoll loop that
 * drives them. One thread; nothing blocks but epoll_wait():
 *
 *   signalfd     SIGTERM / SIGINT: leave the loop; SIGHUP: reload config
 *   net_fd()     IKE datagrams -> ike_engine_input()
 *   ctlsock_fd() spisyncctl's requests (show ike / flows / peers / stats)
 *   timerfd      the earliest of: the IKE engine's and the recovery
 *                engine's deadlines, the card's event ring poll, the
 *                control socket's timeouts
 *
 * The card has no interrupts: its event ring is polled (daemon.c says how
 * often and why), each record decoded and given to the recovery engine with
 * its time on the wall clock.
 */
#ifndef SPISYNCD_DAEMON_H
#define SPISYNCD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses */
#define SPISYNCD_EXIT_OK      0
#define SPISYNCD_EXIT_FAIL    1     /* the card, a socket, a fatal error */
#define SPISYNCD_EXIT_CONFIG  2     /* usage or configuration error */

/* Event ring poll period (ms): while records arrive / at most when idle */
#define SPISYNCD_POLL_BUSY_MS 10u
#define SPISYNCD_POLL_IDLE_MS 50u
#define SPISYNCD_CTL_TICK_MS  1000u

struct spisyncd_opts {
	const char *config_path;
	bool to_stderr;                 /* log to stderr, not syslog */
	uint16_t port_ike, port_natt;   /* 500 and 4500; tests: others */
};

struct spisyncd;

/* Load the configuration and bring every part up (the card and its event
 * ring, the IKE sockets, the control socket, the recovery and IKE engines),
 * then initiate the peers with initiate = yes. SPISYNCD_EXIT_OK and *out,
 * or the exit status with the reason on stderr / in the log. */
int spisyncd_start(const struct spisyncd_opts *o, struct spisyncd **out);
/* The loop, until SIGTERM or SIGINT: SPISYNCD_EXIT_OK, or
 * SPISYNCD_EXIT_FAIL after a fatal error (logged). */
int spisyncd_run(struct spisyncd *d);
/* Tear down: IKE SAs deleted (DELETE sent, inbound SAs removed from the
 * card), the event ring released, the control socket removed. */
void spisyncd_stop(struct spisyncd *d);

#endif
