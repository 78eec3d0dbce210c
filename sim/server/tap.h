/*
 * spisync-sim server -- the card's host-side network device (--tap NAME): a
 * TAP interface (IFF_TAP | IFF_NO_PI: plain Ethernet frames), created and
 * brought up by the server and gone when it exits. Frames the card hands the
 * host (decrypted, pass-through, punts) are written to it, so the host's
 * stack receives them there; frames the host sends on it are read back (the
 * server puts them on the --port interface: the card has no egress path).
 */
#ifndef SPISYNC_TAP_H
#define SPISYNC_TAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tap {
	int fd;
};

/* 0, or -1 with the reason in err (needs CAP_NET_ADMIN and /dev/net/tun). */
int tap_open(struct tap *t, const char *name, char *err, size_t errlen);
void tap_close(struct tap *t);

/* Room for any frame the host may send: a TAP's MTU is at most 65535. */
#define TAP_FRAME_MAX (65536u + 64u)

/* The next frame the host sent into buf (cap >= TAP_FRAME_MAX, so none is
 * cut): its length, 0 when none is waiting, -1 on an error (errno). */
ssize_t tap_recv(struct tap *t, uint8_t *buf, size_t cap);

/* Hand one frame to the host: 0, or -1 (errno; EAGAIN if the kernel's
 * queue is full). */
int tap_send(struct tap *t, const uint8_t *frame, size_t len);

#endif
