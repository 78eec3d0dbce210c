/*
 * spisync-sim server -- the card's network port on a Linux interface
 * (--port IFNAME): an AF_PACKET SOCK_RAW socket bound to it, promiscuous,
 * so every frame the interface receives goes to the card's wire side, and
 * frames the host transmits (from the TAP) go out on it.
 *
 * Frames the socket sees going out (the host's own transmits, ours
 * included) are skipped: the card's port only receives. A VLAN tag the
 * kernel took off the frame (rx VLAN offload, reported in PACKET_AUXDATA)
 * is put back, so the card sees the frame as it was on the wire.
 */
#ifndef SPISYNC_WIRE_H
#define SPISYNC_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct wire {
	int fd;
	int ifindex;
};

/* 0, or -1 with the reason in err (needs CAP_NET_RAW). */
int wire_open(struct wire *w, const char *ifname, char *err, size_t errlen);
void wire_close(struct wire *w);

/*
 * The next received frame into buf (cap bytes): its length on the wire,
 * which may exceed cap (then only cap bytes are in buf: the caller counts
 * and skips it); 0 when none is waiting; -1 on a socket error (errno).
 */
ssize_t wire_recv(struct wire *w, uint8_t *buf, size_t cap);

/* Transmit one frame: 0, or -1 (errno: EAGAIN when the queue is full,
 * EMSGSIZE over the interface's MTU). */
int wire_send(struct wire *w, const uint8_t *frame, size_t len);

#endif
