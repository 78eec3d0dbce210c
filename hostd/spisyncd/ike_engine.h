/*
 * spisyncd -- the IKEv2 engine (RFC 7296): every IKE SA and CHILD SA the
 * daemon has, the exchanges as initiator and responder, retransmission,
 * rekeying, liveness, and the two recovery actions. It owns no socket, no
 * card handle and no clock: the daemon (main.c) feeds it received messages
 * and the time, and gives it the operations below to send messages and to
 * install or delete inbound SAs on the card.
 */
#ifndef SPISYNCD_IKE_ENGINE_H
#define SPISYNCD_IKE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config.h"
#include "spisync.h"

struct ike_engine_ops {
	void *ctx;
	/* Send one IKE message from local to remote. On port 4500 the
	 * network layer prepends the four-byte non-ESP marker (RFC 3948). */
	int (*send)(void *ctx, const struct sockaddr *local,
	    const struct sockaddr *remote, const uint8_t *msg, size_t len);
	/* Install / delete an inbound SA on the card (libspisync). */
	int (*sa_add)(void *ctx, const struct spisync_sa *sa, uint32_t *index);
	int (*sa_del)(void *ctx, uint32_t index);
	/* One log line (syslog priority). */
	void (*log)(void *ctx, int priority, const char *line);
	/* A CHILD SA with this peer address came up (its inbound SA is in
	 * the card) / a rekey with it started or ended: for the recovery
	 * engine's classification. May be NULL. */
	void (*child_up)(void *ctx, const struct sockaddr *peer);
	void (*rekey)(void *ctx, const struct sockaddr *peer, bool started);
};

struct ike_engine;

int ike_engine_new(const struct sd_config *cfg,
    const struct ike_engine_ops *ops, struct ike_engine **out);
/* Delete every IKE SA (DELETE sent, best effort, no wait) and every inbound
 * SA it installed; keys cleansed. */
void ike_engine_free(struct ike_engine *e);
/* SIGHUP: peers are matched again by name; SAs of removed peers deleted. */
void ike_engine_set_config(struct ike_engine *e, const struct sd_config *cfg);

/* One received IKE message (the non-ESP marker already removed). local is
 * the address and port it arrived on, remote where it came from. */
void ike_engine_input(struct ike_engine *e, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len,
    uint64_t now_ms);
/* Retransmissions, rekeys, liveness checks, half-open expiry. Returns the
 * next time (ms) it must be called, or UINT64_MAX. */
uint64_t ike_engine_tick(struct ike_engine *e, uint64_t now_ms);

/* Bring up an IKE SA and a CHILD SA with a static peer (config initiate =
 * yes at start, or recovery). INITIAL_CONTACT is sent when we hold no
 * established IKE SA with the peer, or when initial_contact says so.
 * stale_spi (0: none): once the IKE SA is up, also send DELETE +
 * INVALID_SPI for it. */
int ike_engine_initiate(struct ike_engine *e, const struct sd_peer *peer,
    bool initial_contact, uint32_t stale_spi, uint64_t now_ms);
/* Recovery with an IKE SA to the sender: INFORMATIONAL with DELETE (ESP,
 * spi) and INVALID_SPI, then a new CHILD SA. -ENOENT if no IKE SA. */
int ike_engine_notify_stale(struct ike_engine *e, const struct sd_peer *peer,
    const struct sockaddr *src, uint32_t spi, uint64_t now_ms);

/* Operator request (`spisyncctl rekey PEER`): rekey every CHILD SA of the
 * peer's newest IKE SA. -ENOENT if no IKE SA. */
int ike_engine_rekey(struct ike_engine *e, const struct sd_peer *peer,
    uint64_t now_ms);

/* `spisyncctl rekey-ike PEER`: rekey the peer's newest IKE SA. */
int ike_engine_rekey_ike(struct ike_engine *e, const struct sd_peer *peer,
    uint64_t now_ms);

struct ike_engine_peer_state {
	bool ike_sa;            /* an established IKE SA with the peer */
	bool rekeying;          /* a CHILD or IKE rekey in progress */
	uint64_t last_rekey_ms; /* 0: never */
};
void ike_engine_peer_state(const struct ike_engine *e,
    const struct sd_peer *peer, const struct sockaddr *addr,
    struct ike_engine_peer_state *out);

/* The control socket's documents (docs/spisyncctl.md) and the flight
 * recorder's text dump of one peer. */
int ike_engine_json_ike(const struct ike_engine *e, uint64_t now_ms, FILE *out);
int ike_engine_json_peers(const struct ike_engine *e, uint64_t now_ms,
    FILE *out);
void ike_engine_dump_peer(const struct ike_engine *e,
    const struct sd_peer *peer, const struct sockaddr *addr, uint64_t now_ms,
    FILE *out);

struct ike_engine_stats {
	uint64_t rx, rx_dropped, rx_invalid, tx, retransmits;
	uint64_t ike_established, ike_failed, child_installed, child_deleted;
	uint64_t half_open, cookies_sent;
};
void ike_engine_stats(const struct ike_engine *e, struct ike_engine_stats *out);

#endif
