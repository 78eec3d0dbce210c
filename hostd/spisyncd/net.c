/*
 * spisyncd -- the IKE UDP sockets (net.h).
 */
#define _GNU_SOURCE     /* struct in6_pktinfo, IPV6_RECVPKTINFO */

#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"

/* Errors on the wire (a peer gone, a full socket buffer) can repeat at the
 * packet rate: one line per kind per 10 s, with what was suppressed. */
#define NET_LOG_INTERVAL_MS 10000u
/* Datagrams taken from one socket per net_dispatch(): the epoll set is
 * level-triggered, so the rest waits one loop turn and a flood on one
 * socket cannot starve the card's events or the timers. */
#define NET_RX_BUDGET 256u
#define NET_RX_BUF   65536u      /* a UDP payload never exceeds 65507 */

static const uint8_t non_esp_marker[4] = { 0, 0, 0, 0 };

struct net_sock {
	int fd;
	bool natt;
	bool wildcard;
	struct sockaddr_storage bound;  /* address and (actual) port */
};

struct net_limit {
	uint64_t last_ms;
	uint64_t suppressed;
	bool used;
};

struct net {
	int epfd;
	struct net_sock socks[NET_MAX_SOCKS];
	size_t n_socks;
	net_log_fn log;
	void *log_ctx;
	struct net_stats stats;
	struct net_limit rx_limit, tx_limit;
	uint8_t buf[NET_RX_BUF];
};

static void
net_logf(struct net *n, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
net_logf(struct net *n, int priority, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (n->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n->log(n->log_ctx, priority, line);
}

/* true if a line may be logged now; counts the ones that may not */
static bool
limit_pass(struct net_limit *l, uint64_t *suppressed)
{
	const uint64_t now = sd_mono_ms();

	if (l->used && now - l->last_ms < NET_LOG_INTERVAL_MS) {
		l->suppressed++;
		return false;
	}
	*suppressed = l->suppressed;
	l->suppressed = 0;
	l->last_ms = now;
	l->used = true;
	return true;
}

static void
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
}

static uint16_t
addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

static bool
addr_is_any(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr);
	return true;
}

/* same family and address; ports ignored */
static bool
addr_same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr,
		    sizeof(struct in6_addr)) == 0;
	return false;
}

static socklen_t
addr_len(int family)
{
	return family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

static int
sock_open(struct net *n, const struct sockaddr_storage *addr, uint16_t port,
    bool natt, char *err, size_t errlen)
{
	struct net_sock *s = &n->socks[n->n_socks];
	struct sockaddr_storage a = *addr;
	socklen_t alen = addr_len(addr->ss_family);
	struct epoll_event ev;
	const int on = 1;
	char name[INET6_ADDRSTRLEN + 16];
	int fd, e;

	if (a.ss_family == AF_INET)
		((struct sockaddr_in *)&a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&a)->sin6_port = htons(port);
	addr_str((const struct sockaddr *)&a, name, sizeof(name));

	fd = socket(a.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_UDP);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "socket for %s: %s", name, strerror(e));
		return -e;
	}
	/* the local address each message came to, and sending from it,
	 * whatever address the socket is bound to */
	if (a.ss_family == AF_INET) {
		e = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	} else {
		e = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		if (e == 0)
			e = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO,
			    &on, sizeof(on));
	}
	if (e != 0 || bind(fd, (const struct sockaddr *)&a, alen) != 0 ||
	    getsockname(fd, (struct sockaddr *)&s->bound, &alen) != 0) {
		e = errno;
		snprintf(err, errlen, "bind %s: %s", name, strerror(e));
		close(fd);
		return -e;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = (uint32_t)n->n_socks;
	if (epoll_ctl(n->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		e = errno;
		snprintf(err, errlen, "epoll for %s: %s", name, strerror(e));
		close(fd);
		return -e;
	}
	s->fd = fd;
	s->natt = natt;
	s->wildcard = addr_is_any((const struct sockaddr *)&a);
	n->n_socks++;
	return 0;
}

int
net_open(const struct net_params *p, struct net **out, char *err,
    size_t errlen)
{
	struct sockaddr_storage any[2];
	const struct sockaddr_storage *addrs = p->listen;
	size_t n_addrs = p->n_listen;
	struct net *n;
	int rc = 0;

	*out = NULL;
	if (n_addrs * 2 > NET_MAX_SOCKS) {
		snprintf(err, errlen, "%zu listen addresses: at most %d",
		    n_addrs, NET_MAX_SOCKS / 2);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_addrs; i++) {
		if (addrs[i].ss_family != AF_INET &&
		    addrs[i].ss_family != AF_INET6) {
			snprintf(err, errlen, "listen address %zu: not IPv4 "
			    "or IPv6", i + 1);
			return -EINVAL;
		}
	}
	if (n_addrs == 0) {
		memset(any, 0, sizeof(any));
		any[0].ss_family = AF_INET;
		any[1].ss_family = AF_INET6;
		((struct sockaddr_in6 *)&any[1])->sin6_addr = in6addr_any;
		addrs = any;
		n_addrs = 2;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n->log = p->log;
	n->log_ctx = p->log_ctx;
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (n->epfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "epoll_create1: %s", strerror(-rc));
		free(n);
		return rc;
	}
	for (size_t i = 0; i < n_addrs && rc == 0; i++) {
		const bool v6_wildcard = p->n_listen == 0 &&
		    addrs[i].ss_family == AF_INET6;

		rc = sock_open(n, &addrs[i], p->port_ike, false, err, errlen);
		if (rc == 0)
			rc = sock_open(n, &addrs[i], p->port_natt, true, err,
			    errlen);
		/* a host without IPv6 still runs IKE over IPv4: only the
		 * implicit IPv6 wildcard may be missing */
		if (rc != 0 && v6_wildcard && (rc == -EAFNOSUPPORT ||
		    rc == -EADDRNOTAVAIL || rc == -EPROTONOSUPPORT)) {
			net_logf(n, LOG_NOTICE, "spisyncd: no IPv6 IKE "
			    "sockets: %s", err);
			while (n->n_socks > 2) {
				n->n_socks--;
				close(n->socks[n->n_socks].fd);
			}
			rc = 0;
		}
	}
	if (rc != 0) {
		net_close(n);
		return rc;
	}
	*out = n;
	return 0;
}

void
net_close(struct net *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n_socks; i++)
		close(n->socks[i].fd);
	if (n->epfd >= 0)
		close(n->epfd);
	free(n);
}

int
net_fd(const struct net *n)
{
	return n->epfd;
}

/* The destination address of a received datagram from its pktinfo, with
 * the socket's port; the bound address if there is none. */
static void
local_from_cmsg(const struct net_sock *s, struct msghdr *mh,
    struct sockaddr_storage *local)
{
	*local = s->bound;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL;
	    c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    local->ss_family == AF_INET) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    local->ss_family == AF_INET6) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr =
			    pi.ipi6_addr;
		}
	}
}

static void
rx_error(struct net *n, const struct net_sock *s, const char *what)
{
	char name[INET6_ADDRSTRLEN + 16];
	uint64_t sup;

	n->stats.rx_errors++;
	if (!limit_pass(&n->rx_limit, &sup))
		return;
	addr_str((const struct sockaddr *)&s->bound, name, sizeof(name));
	net_logf(n, LOG_WARNING, "spisyncd: receive on %s: %s (%llu similar "
	    "suppressed)", name, what, (unsigned long long)sup);
}

/* Take one datagram; false when the socket has no more. */
static bool
sock_recv_one(struct net *n, const struct net_sock *s, net_input_fn fn,
    void *ctx)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct sockaddr_storage remote, local;
	struct iovec iov = { n->buf, sizeof(n->buf) };
	struct msghdr mh;
	const uint8_t *msg = n->buf;
	ssize_t got;
	size_t len;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &remote;
	mh.msg_namelen = sizeof(remote);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	got = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	if (got < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return false;
		if (errno == EINTR)
			return true;
		/* ICMP errors of earlier sends surface here
		 * (ECONNREFUSED ...): note them, go on */
		rx_error(n, s, strerror(errno));
		return true;
	}
	if ((mh.msg_flags & MSG_TRUNC) != 0) {
		rx_error(n, s, "datagram truncated");
		return true;
	}
	len = (size_t)got;
	if (s->natt) {
		/* RFC 3948 2.2 / 2.3: a NAT keepalive is one 0xFF byte; IKE
		 * starts with four zero bytes; anything else would be ESP,
		 * which the card takes, not us */
		if (len == 1 && msg[0] == 0xFF) {
			n->stats.rx_keepalive++;
			return true;
		}
		if (len < sizeof(non_esp_marker)) {
			n->stats.rx_short++;
			return true;
		}
		if (memcmp(msg, non_esp_marker, sizeof(non_esp_marker)) != 0) {
			n->stats.rx_not_ike++;
			return true;
		}
		msg += sizeof(non_esp_marker);
		len -= sizeof(non_esp_marker);
	}
	if (len < NET_IKE_HDR_LEN) {
		n->stats.rx_short++;
		return true;
	}
	local_from_cmsg(s, &mh, &local);
	n->stats.rx++;
	fn(ctx, (const struct sockaddr *)&local,
	    (const struct sockaddr *)&remote, msg, len);
	return true;
}

void
net_dispatch(struct net *n, net_input_fn fn, void *ctx)
{
	struct epoll_event evs[NET_MAX_SOCKS];
	int k;

	k = epoll_wait(n->epfd, evs, NET_MAX_SOCKS, 0);
	for (int i = 0; i < k; i++) {
		const uint32_t idx = evs[i].data.u32;

		if (idx >= n->n_socks)
			continue;
		for (unsigned b = 0; b < NET_RX_BUDGET; b++)
			if (!sock_recv_one(n, &n->socks[idx], fn, ctx))
				break;
	}
}

/* The socket to send from: the kind (500 / 4500) from the local port (or
 * from the remote port when no local port is given), the family of the
 * remote address, an exact local address match before a wildcard one. */
static struct net_sock *
pick_sock(struct net *n, const struct sockaddr *local,
    const struct sockaddr *remote)
{
	const uint16_t lport = local != NULL ? addr_port(local) : 0;
	const bool want_natt = lport == 0 ?
	    addr_port(remote) == NET_PORT_NATT : false;
	struct net_sock *wild = NULL;

	for (size_t i = 0; i < n->n_socks; i++) {
		struct net_sock *s = &n->socks[i];
		const struct sockaddr *b = (const struct sockaddr *)&s->bound;

		if (b->sa_family != remote->sa_family)
			continue;
		if (lport != 0 ? addr_port(b) != lport : s->natt != want_natt)
			continue;
		if (local != NULL && !addr_is_any(local) &&
		    addr_same_ip(local, b))
			return s;
		if (s->wildcard && wild == NULL)
			wild = s;
		if (local == NULL || addr_is_any(local))
			return s;
	}
	return wild;
}

static int
tx_error(struct net *n, const struct sockaddr *remote, int e)
{
	char name[INET6_ADDRSTRLEN + 16];
	uint64_t sup;

	n->stats.tx_errors++;
	if (limit_pass(&n->tx_limit, &sup)) {
		addr_str(remote, name, sizeof(name));
		net_logf(n, LOG_WARNING, "spisyncd: send to %s: %s (%llu "
		    "similar suppressed)", name, strerror(e),
		    (unsigned long long)sup);
	}
	return -e;
}

int
net_send(struct net *n, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov[2];
	struct msghdr mh;
	struct net_sock *s;
	size_t niov = 0;

	if (remote == NULL || msg == NULL ||
	    (remote->sa_family != AF_INET && remote->sa_family != AF_INET6))
		return tx_error(n, remote != NULL ? remote :
		    (const struct sockaddr *)&n->socks[0].bound, EINVAL);
	s = pick_sock(n, local, remote);
	if (s == NULL)
		return tx_error(n, remote, EADDRNOTAVAIL);
	if (s->natt) {
		iov[niov].iov_base = (void *)non_esp_marker;
		iov[niov++].iov_len = sizeof(non_esp_marker);
	}
	iov[niov].iov_base = (void *)msg;
	iov[niov++].iov_len = len;

	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	mh.msg_name = (void *)remote;
	mh.msg_namelen = addr_len(remote->sa_family);
	mh.msg_iov = iov;
	mh.msg_iovlen = niov;
	/* from the address the peer knows us by: a wildcard socket would
	 * let the routing table choose another one */
	if (s->wildcard && local != NULL && !addr_is_any(local) &&
	    local->sa_family == remote->sa_family) {
		struct cmsghdr *c;

		mh.msg_control = cbuf.buf;
		if (local->sa_family == AF_INET) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst =
			    ((const struct sockaddr_in *)local)->sin_addr;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi6_addr =
			    ((const struct sockaddr_in6 *)local)->sin6_addr;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return tx_error(n, remote, errno);
	n->stats.tx++;
	return 0;
}

void
net_stats(const struct net *n, struct net_stats *out)
{
	*out = n->stats;
}

size_t
net_count(const struct net *n)
{
	return n->n_socks;
}

int
net_bound(const struct net *n, size_t i, struct sockaddr_storage *addr,
    int *natt)
{
	if (i >= n->n_socks)
		return -ENOENT;
	*addr = n->socks[i].bound;
	*natt = n->socks[i].natt;
	return 0;
}

int
net_listen_equal(const struct sockaddr_storage *a, size_t na,
    const struct sockaddr_storage *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++) {
		bool found = false;

		for (size_t j = 0; j < nb && !found; j++)
			found = addr_same_ip((const struct sockaddr *)&a[i],
			    (const struct sockaddr *)&b[j]);
		if (!found)
			return 0;
	}
	return 1;
}
