/*
 * spisync tests -- spisyncd's IKE sockets (hostd/spisyncd/net.c) on the
 * loopback with ephemeral ports: the RFC 3948 non-ESP marker stripped on
 * receive and prepended on send of the NAT-T socket, NAT keepalives
 * ignored, ESP-in-UDP and short datagrams dropped and counted, the local
 * address of each message reported from IP_PKTINFO (a wildcard socket
 * receiving on 127.0.0.2) and used as the source of replies, send errors
 * counted and logged rate-limited. The expectations are the RFCs' byte
 * layouts written out here, and what a plain socket sees on the wire.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net.h"

#define MAXMSG 65536

struct rx_rec {
	int calls;
	struct sockaddr_storage local, remote;
	uint8_t msg[MAXMSG];
	size_t len;
};

struct log_rec {
	int lines;
	char last[512];
};

struct fixture {
	struct net *net;
	struct log_rec log;
	struct sockaddr_storage ike, natt;   /* the net's sockets */
	int peer;                            /* a plain UDP socket */
	struct sockaddr_in peer_addr;
};

static void
on_log(void *ctx, int priority, const char *line)
{
	struct log_rec *l = ctx;

	(void)priority;
	l->lines++;
	snprintf(l->last, sizeof(l->last), "%s", line);
}

static void
on_input(void *ctx, const struct sockaddr *local, const struct sockaddr *remote,
    const uint8_t *msg, size_t len)
{
	struct rx_rec *r = ctx;

	r->calls++;
	memcpy(&r->local, local, local->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	memcpy(&r->remote, remote, remote->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	assert_true(len <= sizeof(r->msg));
	memcpy(r->msg, msg, len);
	r->len = len;
}

static struct sockaddr_in
v4(const char *ip, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

static uint16_t
port_of(const struct sockaddr_storage *a)
{
	return ntohs(((const struct sockaddr_in *)a)->sin_port);
}

static void
find_socks(struct fixture *f)
{
	bool have_ike = false, have_natt = false;

	for (size_t i = 0; i < net_count(f->net); i++) {
		struct sockaddr_storage a;
		int natt;

		assert_int_equal(net_bound(f->net, i, &a, &natt), 0);
		if (a.ss_family != AF_INET)
			continue;
		if (natt && !have_natt) {
			f->natt = a;
			have_natt = true;
		} else if (!natt && !have_ike) {
			f->ike = a;
			have_ike = true;
		}
	}
	assert_true(have_ike && have_natt);
	assert_int_not_equal(port_of(&f->ike), 0);
	assert_int_not_equal(port_of(&f->natt), 0);
	assert_int_not_equal(port_of(&f->ike), port_of(&f->natt));
	assert_int_equal(net_bound(f->net, net_count(f->net), &f->ike,
	    &(int){ 0 }), -ENOENT);
}

static int
open_peer(struct fixture *f)
{
	socklen_t alen = sizeof(f->peer_addr);
	struct sockaddr_in a = v4("127.0.0.1", 0);

	f->peer = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(f->peer >= 0);
	assert_int_equal(bind(f->peer, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(f->peer, (struct sockaddr *)&f->peer_addr,
	    &alen), 0);
	return 0;
}

static int
setup_v4(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_storage listen;
	struct net_params p;
	char err[256];

	assert_non_null(f);
	memset(&listen, 0, sizeof(listen));
	memcpy(&listen, &(struct sockaddr_in){ .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) },
	    sizeof(struct sockaddr_in));
	memset(&p, 0, sizeof(p));
	p.listen = &listen;
	p.n_listen = 1;
	p.log = on_log;
	p.log_ctx = &f->log;
	assert_int_equal(net_open(&p, &f->net, err, sizeof(err)), 0);
	assert_int_equal(net_count(f->net), 2);
	find_socks(f);
	open_peer(f);
	*state = f;
	return 0;
}

/* the wildcards: 0.0.0.0 and :: (the latter only where IPv6 works) */
static int
setup_any(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct net_params p;
	char err[256];

	assert_non_null(f);
	memset(&p, 0, sizeof(p));
	p.log = on_log;
	p.log_ctx = &f->log;
	assert_int_equal(net_open(&p, &f->net, err, sizeof(err)), 0);
	assert_true(net_count(f->net) == 2 || net_count(f->net) == 4);
	find_socks(f);
	open_peer(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	net_close(f->net);
	close(f->peer);
	free(f);
	return 0;
}

/* send from the peer socket to to:port, then let net take what came */
static void
peer_send(struct fixture *f, const char *ip, uint16_t port, const void *buf,
    size_t len, struct rx_rec *r)
{
	struct sockaddr_in to = v4(ip, port);
	struct pollfd pfd = { net_fd(f->net), POLLIN, 0 };

	assert_int_equal(sendto(f->peer, buf, len, 0, (struct sockaddr *)&to,
	    sizeof(to)), (ssize_t)len);
	/* loopback delivers at once; a second of patience for a busy box */
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	net_dispatch(f->net, on_input, r);
}

/* what the peer socket receives next, and from where */
static size_t
peer_recv(struct fixture *f, uint8_t *buf, size_t len,
    struct sockaddr_in *from)
{
	struct pollfd pfd = { f->peer, POLLIN, 0 };
	socklen_t flen = sizeof(*from);
	ssize_t k;

	assert_int_equal(poll(&pfd, 1, 1000), 1);
	k = recvfrom(f->peer, buf, len, 0, (struct sockaddr *)from, &flen);
	assert_true(k >= 0);
	return (size_t)k;
}

static void
fill_ike(uint8_t *m, size_t len, uint8_t seed)
{
	/* an IKE header's first bytes are the initiator's SPI: never zero
	 * in practice, but net.c must not care about the content */
	for (size_t i = 0; i < len; i++)
		m[i] = (uint8_t)(seed + i * 7u);
}

static void
test_natt_marker_stripped(void **state)
{
	struct fixture *f = *state;
	static struct rx_rec r;
	uint8_t dgram[4 + 60];
	const struct sockaddr_in *l = (const struct sockaddr_in *)&r.local;
	const struct sockaddr_in *rem = (const struct sockaddr_in *)&r.remote;
	struct net_stats st;

	memset(&r, 0, sizeof(r));
	memset(dgram, 0, 4);                    /* RFC 3948 2.2 marker */
	fill_ike(dgram + 4, 60, 1);
	peer_send(f, "127.0.0.1", port_of(&f->natt), dgram, sizeof(dgram), &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.len, 60);
	assert_memory_equal(r.msg, dgram + 4, 60);
	assert_int_equal(l->sin_family, AF_INET);
	assert_int_equal(ntohl(l->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(l->sin_port), port_of(&f->natt));
	assert_int_equal(rem->sin_addr.s_addr, f->peer_addr.sin_addr.s_addr);
	assert_int_equal(rem->sin_port, f->peer_addr.sin_port);
	net_stats(f->net, &st);
	assert_int_equal(st.rx, 1);
	assert_int_equal(st.rx_short + st.rx_not_ike + st.rx_keepalive, 0);
}

static void
test_ike_port_no_marker(void **state)
{
	struct fixture *f = *state;
	static struct rx_rec r;
	uint8_t dgram[28];

	memset(&r, 0, sizeof(r));
	/* on port 500 four leading zero bytes are IKE content, kept */
	memset(dgram, 0, sizeof(dgram));
	dgram[27] = 0x5a;
	peer_send(f, "127.0.0.1", port_of(&f->ike), dgram, sizeof(dgram), &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.len, 28);
	assert_memory_equal(r.msg, dgram, 28);
	assert_int_equal(port_of(&r.local), port_of(&f->ike));
}

static void
test_keepalive_ignored(void **state)
{
	struct fixture *f = *state;
	static struct rx_rec r;
	const uint8_t ka = 0xFF;
	struct net_stats st;

	memset(&r, 0, sizeof(r));
	peer_send(f, "127.0.0.1", port_of(&f->natt), &ka, 1, &r);
	assert_int_equal(r.calls, 0);
	net_stats(f->net, &st);
	assert_int_equal(st.rx_keepalive, 1);
	assert_int_equal(st.rx + st.rx_short + st.rx_not_ike, 0);
	assert_int_equal(f->log.lines, 0);      /* silently */
}

static void
test_not_ike_dropped(void **state)
{
	struct fixture *f = *state;
	static struct rx_rec r;
	/* ESP in UDP: SPI 0xB761863E, sequence 1, ... (no marker) */
	uint8_t esp[64] = { 0xB7, 0x61, 0x86, 0x3E, 0, 0, 0, 1 };
	struct net_stats st;

	memset(&r, 0, sizeof(r));
	peer_send(f, "127.0.0.1", port_of(&f->natt), esp, sizeof(esp), &r);
	assert_int_equal(r.calls, 0);
	net_stats(f->net, &st);
	assert_int_equal(st.rx_not_ike, 1);
	assert_int_equal(st.rx, 0);
}

static void
test_short_dropped(void **state)
{
	struct fixture *f = *state;
	static struct rx_rec r;
	uint8_t buf[4 + 28];
	struct net_stats st;

	memset(&r, 0, sizeof(r));
	memset(buf, 0, sizeof(buf));
	/* 27 bytes on 500: one short of an IKE header */
	peer_send(f, "127.0.0.1", port_of(&f->ike), buf, 27, &r);
	/* marker + 27 on 4500 */
	peer_send(f, "127.0.0.1", port_of(&f->natt), buf, 4 + 27, &r);
	/* 3 bytes on 4500: not even a marker */
	peer_send(f, "127.0.0.1", port_of(&f->natt), buf, 3, &r);
	/* an empty datagram */
	peer_send(f, "127.0.0.1", port_of(&f->ike), buf, 0, &r);
	assert_int_equal(r.calls, 0);
	net_stats(f->net, &st);
	assert_int_equal(st.rx_short, 4);
	/* exactly a header on each port passes */
	peer_send(f, "127.0.0.1", port_of(&f->ike), buf, 28, &r);
	peer_send(f, "127.0.0.1", port_of(&f->natt), buf, 4 + 28, &r);
	assert_int_equal(r.calls, 2);
	assert_int_equal(r.len, 28);
	net_stats(f->net, &st);
	assert_int_equal(st.rx_short, 4);
	assert_int_equal(st.rx, 2);
}

static void
test_largest_datagram(void **state)
{
	struct fixture *f = *state;
	static struct rx_rec r;
	static uint8_t big[65507];      /* the largest UDP payload over IPv4 */
	struct net_stats st;

	memset(&r, 0, sizeof(r));
	fill_ike(big, sizeof(big), 3);
	peer_send(f, "127.0.0.1", port_of(&f->ike), big, sizeof(big), &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.len, sizeof(big));
	assert_memory_equal(r.msg, big, sizeof(big));
	net_stats(f->net, &st);
	assert_int_equal(st.rx_errors, 0);
}

static void
test_send_natt_prepends_marker(void **state)
{
	struct fixture *f = *state;
	uint8_t msg[40], got[128];
	struct sockaddr_in from;
	struct net_stats st;
	size_t n;

	fill_ike(msg, sizeof(msg), 9);
	assert_int_equal(net_send(f->net, (struct sockaddr *)&f->natt,
	    (struct sockaddr *)&f->peer_addr, msg, sizeof(msg)), 0);
	n = peer_recv(f, got, sizeof(got), &from);
	assert_int_equal(n, 4 + sizeof(msg));
	assert_memory_equal(got, "\0\0\0\0", 4);
	assert_memory_equal(got + 4, msg, sizeof(msg));
	assert_int_equal(ntohs(from.sin_port), port_of(&f->natt));

	/* from the IKE port: no marker */
	assert_int_equal(net_send(f->net, (struct sockaddr *)&f->ike,
	    (struct sockaddr *)&f->peer_addr, msg, sizeof(msg)), 0);
	n = peer_recv(f, got, sizeof(got), &from);
	assert_int_equal(n, sizeof(msg));
	assert_memory_equal(got, msg, sizeof(msg));
	assert_int_equal(ntohs(from.sin_port), port_of(&f->ike));
	net_stats(f->net, &st);
	assert_int_equal(st.tx, 2);
	assert_int_equal(st.tx_errors, 0);
}

/* A wildcard socket: the message to 127.0.0.2 reports 127.0.0.2 as its
 * local address (IP_PKTINFO), and the reply sent from it leaves from
 * 127.0.0.2, not from the address the routing table would pick. */
static void
test_pktinfo_wildcard(void **state)
{
	struct fixture *f = *state;
	static struct rx_rec r;
	const struct sockaddr_in *l = (const struct sockaddr_in *)&r.local;
	uint8_t msg[4 + 32], got[64];
	struct sockaddr_in from;
	size_t n;

	memset(&r, 0, sizeof(r));
	assert_int_equal(((struct sockaddr_in *)&f->natt)->sin_addr.s_addr,
	    htonl(INADDR_ANY));
	memset(msg, 0, 4);
	fill_ike(msg + 4, 32, 5);
	peer_send(f, "127.0.0.2", port_of(&f->natt), msg, sizeof(msg), &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(ntohl(l->sin_addr.s_addr), 0x7f000002u);
	assert_int_equal(ntohs(l->sin_port), port_of(&f->natt));

	/* reply from exactly that local address */
	assert_int_equal(net_send(f->net, (struct sockaddr *)&r.local,
	    (struct sockaddr *)&r.remote, r.msg, r.len), 0);
	n = peer_recv(f, got, sizeof(got), &from);
	assert_int_equal(n, sizeof(msg));
	assert_memory_equal(got, msg, sizeof(msg));
	assert_int_equal(ntohl(from.sin_addr.s_addr), 0x7f000002u);
	assert_int_equal(ntohs(from.sin_port), port_of(&f->natt));

	/* and from 127.0.0.3 on the IKE port */
	{
		struct sockaddr_in l3 = v4("127.0.0.3", port_of(&f->ike));

		assert_int_equal(net_send(f->net, (struct sockaddr *)&l3,
		    (struct sockaddr *)&f->peer_addr, msg + 4, 32), 0);
		n = peer_recv(f, got, sizeof(got), &from);
		assert_int_equal(n, 32);
		assert_int_equal(ntohl(from.sin_addr.s_addr), 0x7f000003u);
		assert_int_equal(ntohs(from.sin_port), port_of(&f->ike));
	}
}

/* No socket of the remote's family: an error, counted, logged once per
 * interval however often it happens */
static void
test_send_error_rate_limited(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in6 to6;
	const uint8_t msg[28] = { 1 };
	struct net_stats st;

	memset(&to6, 0, sizeof(to6));
	to6.sin6_family = AF_INET6;
	to6.sin6_port = htons(500);
	to6.sin6_addr = in6addr_loopback;
	for (int i = 0; i < 5; i++)
		assert_int_equal(net_send(f->net, NULL,
		    (struct sockaddr *)&to6, msg, sizeof(msg)), -EADDRNOTAVAIL);
	net_stats(f->net, &st);
	assert_int_equal(st.tx_errors, 5);
	assert_int_equal(st.tx, 0);
	assert_int_equal(f->log.lines, 1);
	assert_non_null(strstr(f->log.last, "[::1]:500"));
}

/* no local port given: the remote's port 4500 picks the NAT-T socket */
static void
test_send_kind_from_remote_port(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in to = v4("127.0.0.1", 4500);
	const uint8_t msg[28] = { 2 };
	int s;
	socklen_t alen = sizeof(to);
	struct sockaddr_in bound = v4("127.0.0.1", 0);
	uint8_t got[64];
	struct sockaddr_in from;

	/* a receiver on an ephemeral port stands for "not 4500" */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&bound, sizeof(bound)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&to, &alen), 0);
	assert_int_equal(net_send(f->net, NULL, (struct sockaddr *)&to, msg,
	    sizeof(msg)), 0);
	{
		struct pollfd pfd = { s, POLLIN, 0 };
		socklen_t flen = sizeof(from);

		assert_int_equal(poll(&pfd, 1, 1000), 1);
		assert_int_equal(recvfrom(s, got, sizeof(got), 0,
		    (struct sockaddr *)&from, &flen), (ssize_t)sizeof(msg));
	}
	assert_int_equal(ntohs(from.sin_port), port_of(&f->ike));
	close(s);
}

/* IPv6: sockets on ::, a message to ::1: the marker stripped, the local
 * address ::1 from IPV6_PKTINFO, the reply from the NAT-T port with the
 * marker. Skipped
 * where the host has no IPv6 loopback. */
static void
test_ipv6(void **state)
{
	struct sockaddr_storage listen, a;
	struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)&listen, peer, from;
	socklen_t alen = sizeof(peer), flen = sizeof(from);
	static struct rx_rec r;
	struct net_params p;
	struct net *n;
	uint8_t dgram[4 + 40], got[64];
	uint16_t natt_port = 0;
	char err[256];
	int s, natt;

	(void)state;
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&peer, 0, sizeof(peer));
	peer.sin6_family = AF_INET6;
	peer.sin6_addr = in6addr_loopback;
	if (s < 0 || bind(s, (struct sockaddr *)&peer, sizeof(peer)) != 0) {
		if (s >= 0)
			close(s);
		skip();
	}
	assert_int_equal(getsockname(s, (struct sockaddr *)&peer, &alen), 0);
	/* the wildcard ::, so the local address can only come from
	 * IPV6_PKTINFO */
	memset(&listen, 0, sizeof(listen));
	l6->sin6_family = AF_INET6;
	l6->sin6_addr = in6addr_any;
	memset(&p, 0, sizeof(p));
	p.listen = &listen;
	p.n_listen = 1;
	assert_int_equal(net_open(&p, &n, err, sizeof(err)), 0);
	for (size_t i = 0; i < net_count(n); i++) {
		assert_int_equal(net_bound(n, i, &a, &natt), 0);
		assert_int_equal(a.ss_family, AF_INET6);
		if (natt)
			natt_port = ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
	}
	assert_int_not_equal(natt_port, 0);

	memset(&r, 0, sizeof(r));
	memset(dgram, 0, 4);
	fill_ike(dgram + 4, 40, 11);
	l6->sin6_addr = in6addr_loopback;
	l6->sin6_port = htons(natt_port);
	assert_int_equal(sendto(s, dgram, sizeof(dgram), 0,
	    (struct sockaddr *)l6, sizeof(*l6)), (ssize_t)sizeof(dgram));
	{
		struct pollfd pfd = { net_fd(n), POLLIN, 0 };

		assert_int_equal(poll(&pfd, 1, 1000), 1);
	}
	net_dispatch(n, on_input, &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.len, 40);
	assert_memory_equal(r.msg, dgram + 4, 40);
	assert_int_equal(r.local.ss_family, AF_INET6);
	assert_true(IN6_IS_ADDR_LOOPBACK(
	    &((struct sockaddr_in6 *)&r.local)->sin6_addr));
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&r.local)->sin6_port),
	    natt_port);

	assert_int_equal(net_send(n, (struct sockaddr *)&r.local,
	    (struct sockaddr *)&r.remote, r.msg, r.len), 0);
	{
		struct pollfd pfd = { s, POLLIN, 0 };

		assert_int_equal(poll(&pfd, 1, 1000), 1);
	}
	assert_int_equal(recvfrom(s, got, sizeof(got), 0,
	    (struct sockaddr *)&from, &flen), (ssize_t)sizeof(dgram));
	assert_memory_equal(got, dgram, sizeof(dgram));
	assert_int_equal(ntohs(from.sin6_port), natt_port);
	net_close(n);
	close(s);
}

static void
test_listen_equal(void **state)
{
	struct sockaddr_storage a[2], b[2];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memcpy(&a[0], &(struct sockaddr_in){ .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(0xC6120002u) }, sizeof(struct sockaddr_in));
	memcpy(&a[1], &(struct sockaddr_in){ .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(0xC6120003u) }, sizeof(struct sockaddr_in));
	b[0] = a[1];
	b[1] = a[0];
	((struct sockaddr_in *)&b[0])->sin_port = htons(500);  /* ignored */
	assert_true(net_listen_equal(a, 2, b, 2));
	assert_false(net_listen_equal(a, 2, b, 1));
	((struct sockaddr_in *)&b[1])->sin_addr.s_addr = htonl(0xC6120004u);
	assert_false(net_listen_equal(a, 2, b, 2));
	assert_true(net_listen_equal(a, 0, b, 0));
}

static void
test_bad_listen(void **state)
{
	struct sockaddr_storage l[9];
	struct net_params p;
	struct net *n = NULL;
	char err[256];

	(void)state;
	memset(l, 0, sizeof(l));
	memset(&p, 0, sizeof(p));
	p.listen = l;
	/* AF_UNSPEC */
	p.n_listen = 1;
	assert_int_equal(net_open(&p, &n, err, sizeof(err)), -EINVAL);
	assert_null(n);
	/* more than fit */
	for (int i = 0; i < 9; i++)
		l[i].ss_family = AF_INET;
	p.n_listen = 9;
	assert_int_equal(net_open(&p, &n, err, sizeof(err)), -EINVAL);
	/* an address this host does not have */
	memcpy(&l[0], &(struct sockaddr_in){ .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(0xC6130063u) }, sizeof(struct sockaddr_in));
	p.n_listen = 1;
	assert_int_equal(net_open(&p, &n, err, sizeof(err)), -EADDRNOTAVAIL);
	assert_non_null(strstr(err, "198.19.0.99"));
	assert_null(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_natt_marker_stripped,
		    setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_ike_port_no_marker,
		    setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_ignored,
		    setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_not_ike_dropped,
		    setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_short_dropped,
		    setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_largest_datagram,
		    setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_send_natt_prepends_marker,
		    setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_pktinfo_wildcard,
		    setup_any, teardown),
		cmocka_unit_test_setup_teardown(test_send_error_rate_limited,
		    setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_send_kind_from_remote_port,
		    setup_v4, teardown),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_listen_equal),
		cmocka_unit_test(test_bad_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
