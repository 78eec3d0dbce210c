/*
 * spisync -- a stand-in for the two lookups of hostd/spisyncd/config.c that
 * the recovery engine uses, written from config.h's contract, for
 * test_recovery until config.c provides them (the lead then links config.c
 * instead and drops this file):
 *
 *   sd_config_peer_by_addr: a static peer with that address (port ignored)
 *   first, then the first dynamic peer whose range holds it; NULL if none.
 *   sd_config_static_peer: the static peer at exactly this address.
 */
#include <netinet/in.h>
#include <string.h>

#include "config.h"

/* the address bytes of a sockaddr, and their length; NULL if not IP */
static const uint8_t *
sa_bytes(const struct sockaddr *sa, size_t *len)
{
	if (sa->sa_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
	}
	if (sa->sa_family == AF_INET6) {
		*len = 16;
		return (const uint8_t *)&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr;
	}
	return NULL;
}

static bool
prefix_holds(const uint8_t *net, const uint8_t *a, unsigned prefix)
{
	for (unsigned i = 0; i < prefix; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;

		if (((net[byte] >> bit) & 1) != ((a[byte] >> bit) & 1))
			return false;
	}
	return true;
}

const struct sd_peer *
sd_config_static_peer(const struct sd_config *cfg,
    const struct sockaddr *addr)
{
	size_t alen, plen;
	const uint8_t *a = sa_bytes(addr, &alen);

	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct sd_peer *p = &cfg->peers[i];
		const uint8_t *pa;

		if (p->type != SD_PEER_STATIC ||
		    p->addr.ss_family != addr->sa_family)
			continue;
		pa = sa_bytes((const struct sockaddr *)&p->addr, &plen);
		if (pa != NULL && plen == alen && memcmp(pa, a, alen) == 0)
			return p;
	}
	return NULL;
}

const struct sd_peer *
sd_config_peer_by_addr(const struct sd_config *cfg,
    const struct sockaddr *addr)
{
	const struct sd_peer *p = sd_config_static_peer(cfg, addr);
	size_t alen, plen;
	const uint8_t *a = sa_bytes(addr, &alen);

	if (p != NULL || a == NULL)
		return p;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const uint8_t *pa;

		p = &cfg->peers[i];
		if (p->type != SD_PEER_DYNAMIC)
			continue;
		if (p->addr.ss_family == AF_UNSPEC && p->prefix == 0)
			return p;
		if (p->addr.ss_family != addr->sa_family)
			continue;
		pa = sa_bytes((const struct sockaddr *)&p->addr, &plen);
		if (pa != NULL && plen == alen && p->prefix <= alen * 8 &&
		    prefix_holds(pa, a, p->prefix))
			return p;
	}
	return NULL;
}
