/*
 * spisyncd -- the IKE UDP sockets: port 500 (IKE) and port 4500 (IKE after
 * NAT detection, RFC 7296 2.23, with the four-byte non-ESP marker of
 * RFC 3948 2.2) on each listen address, or on the IPv4 and IPv6 wildcards.
 *
 * The sockets sit in an epoll set of their own (net_fd()), which the
 * daemon's loop nests in its epoll set: when it is readable, net_dispatch()
 * drains every ready socket and hands each IKE message to the callback with
 * the local address it came to (IP_PKTINFO / IPV6_RECVPKTINFO) and the
 * sender. net_send() sends from a given local address, adding the marker on
 * the NAT-T port. Errors are counted and logged rate-limited, never fatal.
 */
#ifndef SPISYNCD_NET_H
#define SPISYNCD_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NET_PORT_IKE   500
#define NET_PORT_NATT  4500
/* RFC 7296 3.1: the IKE header alone is 28 bytes */
#define NET_IKE_HDR_LEN 28
#define NET_MAX_SOCKS  16   /* 4 listen addresses x 2 ports, or wildcards */

struct net;

/* One received IKE message (marker removed). local: the address and port
 * it was sent to; remote: the sender. */
typedef void (*net_input_fn)(void *ctx, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len);
typedef void (*net_log_fn)(void *ctx, int priority, const char *line);

struct net_params {
	/* listen addresses (ports ignored); n_listen 0: 0.0.0.0 and :: */
	const struct sockaddr_storage *listen;
	size_t n_listen;
	/* 500 and 4500 in the product; 0 picks ephemeral ports (tests) */
	uint16_t port_ike, port_natt;
	net_log_fn log;         /* may be NULL */
	void *log_ctx;
};

struct net_stats {
	uint64_t rx;            /* IKE messages handed to the callback */
	uint64_t rx_short;      /* shorter than an IKE header: dropped */
	uint64_t rx_not_ike;    /* 4500 without the non-ESP marker: dropped */
	uint64_t rx_keepalive;  /* NAT keepalives (one 0xFF byte): ignored */
	uint64_t rx_errors;     /* recvmsg errors, truncated datagrams */
	uint64_t tx;            /* messages sent */
	uint64_t tx_errors;     /* sendmsg failures, no matching socket */
};

/* Open and bind every socket. 0, or a negative errno with err saying
 * which address and port failed. */
int net_open(const struct net_params *p, struct net **out, char *err,
    size_t errlen);
void net_close(struct net *n);

/* The epoll fd to watch for EPOLLIN. */
int net_fd(const struct net *n);
/* Receive every waiting datagram of every ready socket; never blocks. */
void net_dispatch(struct net *n, net_input_fn fn, void *ctx);
/* Send msg from local (its port chooses the IKE or the NAT-T socket; port
 * 0 or local NULL: by the remote port) to remote. 0 or a negative errno. */
int net_send(struct net *n, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len);

void net_stats(const struct net *n, struct net_stats *out);
/* The sockets and what they are bound to (tests learn ephemeral ports). */
size_t net_count(const struct net *n);
int net_bound(const struct net *n, size_t i, struct sockaddr_storage *addr,
    int *natt);

/* The same listen list (order ignored)? SIGHUP rebinds only if not. */
int net_listen_equal(const struct sockaddr_storage *a, size_t na,
    const struct sockaddr_storage *b, size_t nb);

#endif
