/*
 * spisync-sim server -- the card's host-side TAP device (tap.h).
 */
#define _GNU_SOURCE     /* struct ifreq, TUNSETIFF */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame_fd.h"
#include "tap.h"

/* IFF_UP on the interface, through any socket of its namespace. */
static int bring_up(const char *name, char *err, size_t errlen)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (s < 0) {
		snprintf(err, errlen, "--tap %s: socket: %s", name,
		    strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		snprintf(err, errlen, "--tap %s: SIOCGIFFLAGS: %s", name,
		    strerror(errno));
		goto done;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		snprintf(err, errlen, "--tap %s: cannot bring it up: %s", name,
		    strerror(errno));
		goto done;
	}
	rc = 0;
done:
	close(s);
	return rc;
}

int tap_open(struct tap *t, const char *name, char *err, size_t errlen)
{
	struct ifreq ifr;

	t->fd = -1;
	if (name[0] == '\0' || strlen(name) >= IFNAMSIZ) {
		snprintf(err, errlen, "--tap: an interface name is 1..%d "
		    "characters, not \"%s\"", IFNAMSIZ - 1, name);
		return -1;
	}
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "--tap %s: /dev/net/tun: %s", name,
		    strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(t->fd, TUNSETIFF, &ifr) != 0) {
		snprintf(err, errlen, "--tap %s: TUNSETIFF: %s (needs "
		    "CAP_NET_ADMIN; an interface of that name that is not a "
		    "TAP cannot be taken)", name, strerror(errno));
		goto fail;
	}
	if (bring_up(name, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	frame_fd_close(&t->fd);
	return -1;
}

void tap_close(struct tap *t)
{
	/* the interface goes away with the last descriptor (not persistent) */
	frame_fd_close(&t->fd);
}

ssize_t tap_recv(struct tap *t, uint8_t *buf, size_t cap)
{
	for (;;) {
		const ssize_t n = read(t->fd, buf, cap);

		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int tap_send(struct tap *t, const uint8_t *frame, size_t len)
{
	ssize_t n;

	do {
		n = write(t->fd, frame, len);
	} while (n < 0 && errno == EINTR);
	return frame_fd_sent(n, len);
}
