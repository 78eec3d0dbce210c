/*
 * spisync-sim server -- the card's port on a Linux interface (wire.h).
 */
#define _GNU_SOURCE     /* AF_PACKET, struct packet_mreq, if_nametoindex */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame_fd.h"
#include "wire.h"

/* where an 802.1Q tag goes: after the two MAC addresses */
#define VLAN_OFF 12u
#define VLAN_TAG_LEN 4u

int wire_open(struct wire *w, const char *ifname, char *err, size_t errlen)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	const int one = 1;

	w->fd = -1;
	w->ifindex = (int)if_nametoindex(ifname);
	if (w->ifindex == 0) {
		snprintf(err, errlen, "--port %s: no such interface", ifname);
		return -1;
	}
	w->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ALL));
	if (w->fd < 0) {
		snprintf(err, errlen, "--port %s: AF_PACKET socket: %s (needs "
		    "CAP_NET_RAW)", ifname, strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = w->ifindex;
	if (bind(w->fd, (const struct sockaddr *)&sll, sizeof(sll)) != 0) {
		snprintf(err, errlen, "--port %s: bind: %s", ifname,
		    strerror(errno));
		goto fail;
	}
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = w->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(w->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) != 0) {
		snprintf(err, errlen, "--port %s: promiscuous mode: %s", ifname,
		    strerror(errno));
		goto fail;
	}
	if (setsockopt(w->fd, SOL_PACKET, PACKET_AUXDATA, &one,
	    sizeof(one)) != 0) {
		snprintf(err, errlen, "--port %s: PACKET_AUXDATA: %s", ifname,
		    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	frame_fd_close(&w->fd);
	return -1;
}

void wire_close(struct wire *w)
{
	frame_fd_close(&w->fd);
}

/* The VLAN tag the kernel took off, if it says so in the control data. */
static bool stripped_vlan(struct msghdr *msg, uint16_t *tpid, uint16_t *tci)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL;
	    cm = CMSG_NXTHDR(msg, cm)) {
		struct tpacket_auxdata aux;

		if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA ||
		    cm->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
		if ((aux.tp_status & TP_STATUS_VLAN_VALID) == 0)
			return false;
		*tci = aux.tp_vlan_tci;
		*tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) != 0 ?
		    aux.tp_vlan_tpid : ETH_P_8021Q;
		return true;
	}
	return false;
}

ssize_t wire_recv(struct wire *w, uint8_t *buf, size_t cap)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctrl;

	for (;;) {
		struct sockaddr_ll from;
		struct iovec iov = { .iov_base = buf, .iov_len = cap };
		struct msghdr msg;
		uint16_t tpid, tci;
		ssize_t n;
		size_t got;

		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctrl.buf;
		msg.msg_controllen = sizeof(ctrl.buf);
		/* MSG_TRUNC: the length on the wire even if cap is smaller */
		n = recvmsg(w->fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n < VLAN_OFF || !stripped_vlan(&msg, &tpid, &tci))
			return n;
		/* put the tag back; the tail may no longer fit (the frame is
		 * then longer than cap and the caller skips it anyway) */
		got = (size_t)n < cap ? (size_t)n : cap;
		if (got + VLAN_TAG_LEN > cap)
			got = cap >= VLAN_TAG_LEN ? cap - VLAN_TAG_LEN : 0;
		if (got > VLAN_OFF) {
			memmove(buf + VLAN_OFF + VLAN_TAG_LEN, buf + VLAN_OFF,
			    got - VLAN_OFF);
			buf[VLAN_OFF] = (uint8_t)(tpid >> 8);
			buf[VLAN_OFF + 1] = (uint8_t)tpid;
			buf[VLAN_OFF + 2] = (uint8_t)(tci >> 8);
			buf[VLAN_OFF + 3] = (uint8_t)tci;
		}
		return n + (ssize_t)VLAN_TAG_LEN;
	}
}

int wire_send(struct wire *w, const uint8_t *frame, size_t len)
{
	struct sockaddr_ll to;
	ssize_t n;

	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = w->ifindex;
	to.sll_halen = ETH_ALEN;
	if (len >= ETH_ALEN)
		memcpy(to.sll_addr, frame, ETH_ALEN);
	do {
		n = sendto(w->fd, frame, len, MSG_DONTWAIT,
		    (const struct sockaddr *)&to, sizeof(to));
	} while (n < 0 && errno == EINTR);
	return frame_fd_sent(n, len);
}
