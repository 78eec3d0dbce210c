/*
 * spisyncd -- the IKE engine's own state (not part of its interface): IKE
 * SAs, their CHILD SAs, the one outstanding request each (window size 1,
 * RFC 7296 2.3) and the work waiting behind it. Shared by the engine's
 * files: ike_engine.c (lifecycle, input, timers, output), ike_xinit.c
 * (IKE_SA_INIT), ike_xauth.c (IKE_AUTH), ike_xchild.c (CREATE_CHILD_SA),
 * ike_xinfo.c (INFORMATIONAL), ike_child.c (proposals, selectors, the card),
 * ike_show.c (JSON and dumps).
 */
#ifndef SPISYNCD_IKE_SA_H
#define SPISYNCD_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "ike_crypto.h"
#include "ike_engine.h"
#include "ike_msg.h"

#define IKE_MSG_MAX       4096   /* what we build; we accept up to 64 KiB */
#define IKE_NONCE_LEN     32
#define IKE_MAX_NONCE     256
#define IKE_WORK_MAX      16
/* an old inbound SA stays on the card this long after the peer's DELETE
 * (or our own): ESP the peer sent before it switched is still on its way */
#define IKE_LINGER_MS     2000

enum ike_state {
	IKE_S_INIT_SENT,        /* initiator: IKE_SA_INIT request out */
	IKE_S_INIT_DONE,        /* responder: answered IKE_SA_INIT, waiting for IKE_AUTH */
	IKE_S_AUTH_SENT,        /* initiator: IKE_AUTH request out */
	IKE_S_ESTABLISHED,
	IKE_S_DELETING,         /* our DELETE for it is out */
	IKE_S_DEAD,             /* to be freed at the next tick */
};

enum child_state {
	CHILD_INSTALLED,        /* inbound SA on the card, in use */
	CHILD_REKEYED,          /* replaced; stays until the peer deletes it */
	CHILD_LINGER,           /* deleted by IKE; leaves the card at linger_ms */
};

struct child_sa {
	struct child_sa *next;
	enum child_state state;
	uint32_t spi_in, spi_out;
	uint16_t keybits;
	bool esn;
	bool installed;
	uint32_t card_index;
	struct ike_ts ts_local[IKE_MAX_TS], ts_remote[IKE_MAX_TS];
	size_t n_ts_local, n_ts_remote;
	uint64_t established_ms, rekey_ms, linger_ms;
	int64_t established_wall_s;
};

/* What an IKE SA still has to do as the requester, one at a time. */
enum ike_work_kind {
	WORK_STALE,             /* DELETE(ESP spi) + INVALID_SPI */
	WORK_NEW_CHILD,         /* CREATE_CHILD_SA for a fresh CHILD SA */
	WORK_REKEY_CHILD,       /* CREATE_CHILD_SA with REKEY_SA (spi = our spi_in) */
	WORK_DELETE_CHILD,      /* DELETE(ESP spi = our spi_in) */
	WORK_DPD,               /* empty INFORMATIONAL */
	WORK_DELETE_IKE,
	WORK_REKEY_IKE,         /* CREATE_CHILD_SA with an IKE proposal */
};
struct ike_work {
	enum ike_work_kind kind;
	uint32_t spi;
	uint64_t at_ms;                 /* when it was queued */
};

/* The outstanding request and what its response needs. */
struct ike_req {
	bool active;
	enum ike_work_kind kind;        /* for INFORMATIONAL / CREATE_CHILD_SA */
	uint8_t exchange;
	uint32_t msg_id;
	uint8_t *msg;
	size_t len;
	unsigned tries;
	uint64_t next_ms;
	/* CREATE_CHILD_SA / IKE_AUTH: the CHILD SA offered */
	uint32_t spi_in;
	uint32_t rekey_spi_in;          /* WORK_REKEY_CHILD: the old one */
	uint8_t ni[IKE_NONCE_LEN];
	uint32_t stale_spi;             /* WORK_STALE */
	/* WORK_REKEY_IKE: the new IKE SA's SPI (ours) and DH private value */
	uint8_t new_spi[8];
	struct ike_dh *dh;
};

struct ike_sa {
	struct ike_sa *next;
	struct ike_engine *e;
	char peer_name[SD_NAME_MAX];
	const struct sd_peer *peer;     /* NULL after a reload removed it */
	bool initiator;                 /* we are the original initiator */
	enum ike_state state;
	uint8_t spi_i[8], spi_r[8];
	struct sockaddr_storage local, remote;
	bool nat_local, nat_remote;     /* NAT detected (RFC 7296 2.23) */
	struct sd_ike_proposal prop;
	struct ike_dh *dh;
	uint8_t ni[IKE_MAX_NONCE], nr[IKE_MAX_NONCE];
	size_t ni_len, nr_len;
	uint8_t *init_req, *init_rsp;   /* the IKE_SA_INIT messages, for AUTH */
	size_t init_req_len, init_rsp_len;
	uint8_t cookie[64];
	size_t cookie_len;
	bool have_keys;
	struct ike_sa_keys keys;
	uint64_t iv_counter;
	uint32_t next_req_id;           /* our next request's message ID */
	uint32_t next_peer_id;          /* the peer's next request's message ID */
	uint8_t *last_rsp;              /* our last response, for retransmits */
	size_t last_rsp_len;
	bool have_last_rsp;
	uint8_t *last_req;              /* the request it answers: only a */
	size_t last_req_len;            /* byte-identical copy is resent it */
	struct ike_req req;
	struct ike_work work[IKE_WORK_MAX];
	size_t n_work;
	bool initial_contact;
	uint32_t stale_after_auth;      /* initiator: stale SPI to report once up */
	struct child_sa *children;
	uint64_t created_ms, established_ms, last_rx_ms, last_rekey_ms;
	uint64_t ike_rekey_ms;          /* when we rekey the IKE SA (0: never) */
	int64_t established_wall_s;
	bool rekeying;
	char last_error[96];
};

/* recovery actions per peer name (kept across reloads) */
struct ike_peer_stat {
	char name[SD_NAME_MAX];
	uint32_t recoveries;
	int64_t last_recovery_wall_s;
};

struct ike_engine {
	const struct sd_config *cfg;
	struct ike_peer_stat peer_stats[SD_MAX_PEERS];
	size_t n_peer_stats;
	struct ike_engine_ops ops;
	struct ike_sa *sas;
	struct ike_cookie_secret cookie;
	uint64_t cookie_rotated_ms;
	struct ike_engine_stats stats;
	uint64_t now_ms;
	/* where the message being processed came from and arrived */
	const struct sockaddr *rx_local, *rx_remote;
};

/* ike_engine.c */
void ike_log(struct ike_engine *e, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ike_sa_log(const struct ike_sa *sa, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct ike_sa *ike_sa_create(struct ike_engine *e, const struct sd_peer *peer,
    bool initiator, const struct sockaddr *local,
    const struct sockaddr *remote);
void ike_sa_kill(struct ike_sa *sa, const char *why);
size_t ike_half_open(const struct ike_engine *e);
int ike_send_plain(struct ike_sa *sa, const uint8_t *msg, size_t len);
/* msg becomes the outstanding request (copied; retransmitted) */
void ike_set_request(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id,
    const uint8_t *msg, size_t len);
/* Build header + SK{inner} for this SA and send it. response: a response
 * to the peer's msg_id (cached for retransmits); otherwise our request
 * (becomes sa->req, retransmitted until answered). */
int ike_send_protected(struct ike_sa *sa, uint8_t exchange, bool response,
    uint32_t msg_id, const uint8_t *inner, size_t inner_len,
    uint8_t inner_first);
/* Verify and decrypt a protected message: inner payloads into *pl (they
 * point into plain). -1: drop it. */
int ike_open_protected(struct ike_sa *sa, const uint8_t *msg, size_t len,
    const struct ike_hdr *h, const struct ike_payloads *outer,
    uint8_t *plain, size_t plain_cap, struct ike_payloads *pl);
void ike_work_add(struct ike_sa *sa, enum ike_work_kind kind, uint32_t spi);
void ike_run_work(struct ike_sa *sa);
void ike_req_done(struct ike_sa *sa);
struct ike_sa *ike_find_peer_sa(const struct ike_engine *e,
    const struct sd_peer *peer, const struct sockaddr *addr);
bool ike_addr_equal(const struct sockaddr *a, const struct sockaddr *b);
uint16_t ike_port(const struct sockaddr *a);
void ike_set_port(struct sockaddr_storage *a, uint16_t port);
size_t ike_addr_bytes(const struct sockaddr *a, uint8_t out[16]);
void ike_addr_str(const struct sockaddr *a, char *buf, size_t len);
bool ike_nat(const struct ike_sa *sa);
const struct ike_peer_stat *ike_peer_stat_find(const struct ike_engine *e,
    const char *name);
uint64_t ike_spi64(const uint8_t b[8]);
uint32_t ike_be32(const uint8_t *p);
void ike_put_be32(uint8_t *p, uint32_t v);
/* an INFORMATIONAL / CREATE_CHILD_SA / IKE_AUTH answer of one error notify */
void ike_respond_error(struct ike_sa *sa, const struct ike_hdr *h,
    uint16_t type);
uint64_t ike_rekey_at(struct ike_engine *e, uint32_t lifetime_s,
    uint32_t jitter_s);

/* ike_xinit.c */
void ike_xinit_request_in(struct ike_engine *e, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len,
    const struct ike_hdr *h, const struct ike_payloads *pl);
void ike_xinit_response_in(struct ike_sa *sa, const uint8_t *msg, size_t len,
    const struct ike_hdr *h, const struct ike_payloads *pl);
int ike_xinit_start(struct ike_sa *sa);
/* The peer's first IKE proposal holding one of ours (want_dh != 0: only
 * with that DH group): 0, or -1. */
int ike_choose_ike(const struct sd_peer *peer, const struct ike_sa_pl *sa,
    uint16_t want_dh, uint8_t *num, struct sd_ike_proposal *out);
void ike_prop_fill(struct ike_prop *p, uint8_t num,
    const struct sd_ike_proposal *c);
int ike_natd_payloads(struct ike_sa *sa, struct ike_w *w);
void ike_natd_check(struct ike_sa *sa, const struct ike_payloads *pl,
    const uint8_t spi_r[8]);

/* ike_xauth.c */
void ike_xauth_request_in(struct ike_sa *sa, const struct ike_hdr *h,
    const struct ike_payloads *pl);
void ike_xauth_response_in(struct ike_sa *sa, const struct ike_payloads *pl);
int ike_xauth_start(struct ike_sa *sa);

/* ike_xchild.c */
void ike_xchild_request_in(struct ike_sa *sa, const struct ike_hdr *h,
    const struct ike_payloads *pl);
void ike_xchild_response_in(struct ike_sa *sa, const struct ike_payloads *pl);
int ike_xchild_start(struct ike_sa *sa, uint32_t rekey_spi_in);

/* ike_xrekey.c */
void ike_xrekey_request_in(struct ike_sa *sa, const struct ike_hdr *h,
    const struct ike_payloads *pl, const struct ike_sa_pl *offered);
void ike_xrekey_response_in(struct ike_sa *sa, const struct ike_payloads *pl);
int ike_xrekey_start(struct ike_sa *sa);
/* now + the peer's ike_lifetime less a random part of rekey_jitter; 0 if
 * the lifetime is 0 */
uint64_t ike_rekey_due(const struct ike_sa *sa);

/* ike_xinfo.c */
void ike_xinfo_request_in(struct ike_sa *sa, const struct ike_hdr *h,
    const struct ike_payloads *pl);
void ike_xinfo_response_in(struct ike_sa *sa, const struct ike_payloads *pl);
int ike_xinfo_start(struct ike_sa *sa, const struct ike_work *w);

/* ike_child.c */
/* the proposal holds that transform (ENCR: with that key length) */
bool ike_prop_has(const struct ike_prop *p, uint8_t type, uint16_t id,
    uint16_t keylen);
/* The ESP proposal of ours the peer's SA payload offers first: 0, or -1. */
int ike_child_choose(const struct sd_peer *peer, const struct ike_sa_pl *sa,
    struct ike_prop *chosen, uint16_t *keybits, bool *esn);
void ike_child_offer(const struct sd_peer *peer, uint32_t spi_in,
    struct ike_sa_pl *out);
/* The SA payload answering with the proposal chosen, our SPI in it */
void ike_w_chosen_esp(struct ike_w *w, const struct ike_prop *chosen,
    uint32_t spi_in);
/* Responder: the offered selectors narrowed to ours (RFC 7296 2.9). */
int ike_ts_narrow(const struct ike_ts_pl *offered, const struct sd_ts *ours,
    size_t n_ours, struct ike_ts *out, size_t *n_out);
void ike_ts_from_cfg(const struct sd_ts *ts, size_t n, struct ike_ts *out,
    size_t *n_out);
uint32_t ike_child_new_spi(struct ike_engine *e);
/* Derive the CHILD SA's keys, install its inbound SA on the card, link it
 * into sa->children. we_initiated: we were the exchange's initiator (our
 * inbound keys are then the responder-to-initiator ones). */
struct child_sa *ike_child_install(struct ike_sa *sa, uint32_t spi_in,
    uint32_t spi_out, uint16_t keybits, bool esn, bool we_initiated,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const struct ike_ts *ts_local, size_t n_local,
    const struct ike_ts *ts_remote, size_t n_remote);
void ike_child_remove(struct ike_sa *sa, struct child_sa *c, bool linger);
struct child_sa *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi);
struct child_sa *ike_child_by_spi_in(struct ike_sa *sa, uint32_t spi);
void ike_child_tick(struct ike_sa *sa, uint64_t now_ms);
void ike_children_free(struct ike_sa *sa);
/* ID payload body of ours / check of the peer's */
size_t ike_id_body(const struct sd_id *id, uint8_t *out, size_t cap);
bool ike_id_matches(const struct sd_id *want, const struct ike_id_pl *got);

#endif
