/*
 * spisyncd -- the IKE engine: IKE SA lifecycle, message input and
 * dispatch, protected output, retransmission (RFC 7296 2.1, 2.3), the
 * per-SA work queue, timers.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "ike_sa.h"

/* ---- addresses ---------------------------------------------------------- */

uint16_t ike_port(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)a)->sin_port);
	if (a->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)a)->sin6_port);
	return 0;
}

void ike_set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)a)->sin_port = htons(port);
	else if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)a)->sin6_port = htons(port);
}

size_t ike_addr_bytes(const struct sockaddr *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (a->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)a)->sin_addr, 4);
		return 4;
	}
	if (a->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr, 16);
		return 16;
	}
	return 0;
}

/* same family, address and port */
bool ike_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	uint8_t x[16], y[16];
	size_t n;

	if (a->sa_family != b->sa_family)
		return false;
	n = ike_addr_bytes(a, x);
	if (n == 0 || ike_addr_bytes(b, y) != n)
		return false;
	return memcmp(x, y, n) == 0 && ike_port(a) == ike_port(b);
}

static bool addr_ip_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	uint8_t x[16], y[16];
	size_t n;

	if (a->sa_family != b->sa_family)
		return false;
	n = ike_addr_bytes(a, x);
	return n != 0 && ike_addr_bytes(b, y) == n && memcmp(x, y, n) == 0;
}

void ike_addr_str(const struct sockaddr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	uint8_t b[16];

	if (ike_addr_bytes(a, b) == 0) {
		snprintf(buf, len, "?");
		return;
	}
	inet_ntop(a->sa_family, b, ip, sizeof(ip));
	if (a->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, ike_port(a));
	else
		snprintf(buf, len, "%s:%u", ip, ike_port(a));
}

bool ike_nat(const struct ike_sa *sa)
{
	return sa->nat_local || sa->nat_remote;
}

uint64_t ike_spi64(const uint8_t b[8])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* ---- logging ------------------------------------------------------------ */

void ike_log(struct ike_engine *e, int prio, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (e->ops.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	e->ops.log(e->ops.ctx, prio, line);
}

void ike_sa_log(const struct ike_sa *sa, int prio, const char *fmt, ...)
{
	char msg[400], line[600], remote[64];
	va_list ap;

	if (sa->e->ops.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ike_addr_str((const struct sockaddr *)&sa->remote, remote, sizeof(remote));
	snprintf(line, sizeof(line), "ike %s %016llx:%016llx %s: %s",
	    sa->peer_name, (unsigned long long)ike_spi64(sa->spi_i),
	    (unsigned long long)ike_spi64(sa->spi_r), remote, msg);
	sa->e->ops.log(sa->e->ops.ctx, prio, line);
}

/* ---- the engine --------------------------------------------------------- */

int ike_engine_new(const struct sd_config *cfg,
    const struct ike_engine_ops *ops, struct ike_engine **out)
{
	struct ike_engine *e;

	*out = NULL;
	if (cfg == NULL || ops == NULL || ops->send == NULL ||
	    ops->sa_add == NULL || ops->sa_del == NULL)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->cfg = cfg;
	e->ops = *ops;
	if (ike_cookie_init(&e->cookie) != 0) {
		free(e);
		return -EIO;
	}
	*out = e;
	return 0;
}

static void sa_free(struct ike_sa *sa)
{
	ike_children_free(sa);
	if (sa->dh != NULL)
		ike_dh_free(sa->dh);
	ike_sa_keys_cleanse(&sa->keys);
	free(sa->init_req);
	free(sa->init_rsp);
	free(sa->last_rsp);
	free(sa->last_req);
	free(sa->req.msg);
	if (sa->req.dh != NULL)
		ike_dh_free(sa->req.dh);
	explicit_bzero(sa->ni, sizeof(sa->ni));
	explicit_bzero(sa->nr, sizeof(sa->nr));
	explicit_bzero(sa->req.ni, sizeof(sa->req.ni));
	free(sa);
}

void ike_engine_free(struct ike_engine *e)
{
	struct ike_sa *sa, *next;

	if (e == NULL)
		return;
	for (sa = e->sas; sa != NULL; sa = next) {
		next = sa->next;
		if (sa->state == IKE_S_ESTABLISHED) {
			/* best effort: tell the peer, do not wait */
			struct ike_work w = { WORK_DELETE_IKE, 0, 0 };

			sa->req.active = false;
			(void)ike_xinfo_start(sa, &w);
		}
		sa_free(sa);
	}
	ike_cookie_cleanse(&e->cookie);
	free(e);
}

void ike_engine_set_config(struct ike_engine *e, const struct sd_config *cfg)
{
	struct ike_sa *sa;

	e->cfg = cfg;
	for (sa = e->sas; sa != NULL; sa = sa->next) {
		sa->peer = sd_config_peer_by_name(cfg, sa->peer_name);
		if (sa->peer == NULL) {
			ike_sa_log(sa, LOG_NOTICE, "peer removed from the configuration");
			if (sa->state == IKE_S_ESTABLISHED) {
				ike_work_add(sa, WORK_DELETE_IKE, 0);
				ike_run_work(sa);
			} else {
				ike_sa_kill(sa, "peer removed");
			}
		}
	}
}

void ike_engine_stats(const struct ike_engine *e, struct ike_engine_stats *out)
{
	*out = e->stats;
	out->half_open = ike_half_open(e);
}

struct ike_sa *ike_sa_create(struct ike_engine *e, const struct sd_peer *peer,
    bool initiator, const struct sockaddr *local,
    const struct sockaddr *remote)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->e = e;
	sa->peer = peer;
	snprintf(sa->peer_name, sizeof(sa->peer_name), "%s", peer->name);
	sa->initiator = initiator;
	if (local != NULL)
		memcpy(&sa->local, local, local->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	memcpy(&sa->remote, remote, remote->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	sa->created_ms = e->now_ms;
	sa->last_rx_ms = e->now_ms;
	sa->next = e->sas;
	e->sas = sa;
	return sa;
}

/* Local end: children off the card (no linger: the IKE SA is gone, so is
 * the peer's use of them), state cleansed at the next tick. */
void ike_sa_kill(struct ike_sa *sa, const char *why)
{
	if (sa->state == IKE_S_DEAD)
		return;
	if (sa->state == IKE_S_ESTABLISHED || sa->state == IKE_S_DELETING)
		ike_sa_log(sa, LOG_NOTICE, "IKE SA deleted: %s", why);
	else {
		ike_sa_log(sa, LOG_NOTICE, "IKE SA failed: %s", why);
		sa->e->stats.ike_failed++;
	}
	snprintf(sa->last_error, sizeof(sa->last_error), "%s", why);
	ike_children_free(sa);
	sa->state = IKE_S_DEAD;
	sa->req.active = false;
	if (sa->rekeying && sa->e->ops.rekey != NULL)
		sa->e->ops.rekey(sa->e->ops.ctx, (const struct sockaddr *)&sa->remote, false);
	sa->rekeying = false;
}

size_t ike_half_open(const struct ike_engine *e)
{
	const struct ike_sa *sa;
	size_t n = 0;

	for (sa = e->sas; sa != NULL; sa = sa->next)
		if (!sa->initiator && sa->state == IKE_S_INIT_DONE)
			n++;
	return n;
}

/* sa belongs to peer (NULL: any) and has its remote at addr's IP (NULL:
 * any) */
static bool sa_of(const struct ike_sa *sa, const struct sd_peer *peer,
    const struct sockaddr *addr)
{
	if (peer != NULL && strcmp(sa->peer_name, peer->name) != 0)
		return false;
	return addr == NULL ||
	    addr_ip_equal((const struct sockaddr *)&sa->remote, addr);
}

struct ike_sa *ike_find_peer_sa(const struct ike_engine *e,
    const struct sd_peer *peer, const struct sockaddr *addr)
{
	struct ike_sa *sa, *best = NULL;

	for (sa = e->sas; sa != NULL; sa = sa->next) {
		if (sa->state != IKE_S_ESTABLISHED || !sa_of(sa, peer, addr))
			continue;
		/* the newest one */
		if (best == NULL || sa->established_ms > best->established_ms)
			best = sa;
	}
	return best;
}

static struct ike_sa *find_by_spis(struct ike_engine *e, const uint8_t spi_i[8],
    const uint8_t spi_r[8])
{
	struct ike_sa *sa;

	for (sa = e->sas; sa != NULL; sa = sa->next) {
		if (sa->state == IKE_S_DEAD)
			continue;
		if (memcmp(sa->spi_i, spi_i, 8) != 0)
			continue;
		/* a responder SA before our IKE_SA_INIT response went out has
		 * spi_r set already; an initiator's half-open SA has spi_r 0 */
		if (memcmp(sa->spi_r, spi_r, 8) == 0)
			return sa;
		if (sa->initiator && sa->state == IKE_S_INIT_SENT) {
			static const uint8_t zero[8];

			if (memcmp(sa->spi_r, zero, 8) == 0)
				return sa;
		}
	}
	return NULL;
}

/* ---- sending ------------------------------------------------------------ */

int ike_send_plain(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	struct ike_engine *e = sa->e;
	int rc;

	rc = e->ops.send(e->ops.ctx, (const struct sockaddr *)&sa->local,
	    (const struct sockaddr *)&sa->remote, msg, len);
	if (rc == 0)
		e->stats.tx++;
	return rc;
}

void ike_set_request(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id,
    const uint8_t *msg, size_t len)
{
	const struct sd_config *cfg = sa->e->cfg;
	uint8_t *copy = malloc(len);

	free(sa->req.msg);
	sa->req.msg = copy;
	sa->req.len = copy != NULL ? len : 0;
	if (copy != NULL)
		memcpy(copy, msg, len);
	sa->req.active = true;
	sa->req.exchange = exchange;
	sa->req.msg_id = msg_id;
	sa->req.tries = 0;
	sa->req.next_ms = sa->e->now_ms + cfg->retransmit_timeout_ms;
}

int ike_send_protected(struct ike_sa *sa, uint8_t exchange, bool response,
    uint32_t msg_id, const uint8_t *inner, size_t inner_len,
    uint8_t inner_first)
{
	uint8_t msg[IKE_MSG_MAX];
	struct ike_hdr h;
	size_t body_len, total, sk_off;
	int rc;

	body_len = ike_sk_body_len(inner_len);
	total = IKE_HDR_LEN + IKE_GEN_HDR_LEN + body_len;
	if (total > sizeof(msg))
		return -EMSGSIZE;
	memset(&h, 0, sizeof(h));
	h.spi_i = ike_spi64(sa->spi_i);
	h.spi_r = ike_spi64(sa->spi_r);
	h.next = IKE_PL_SK;
	h.version = 0x20;
	h.exchange = exchange;
	h.flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) |
	    (response ? IKE_FLAG_RESPONSE : 0);
	h.msg_id = msg_id;
	h.length = (uint32_t)total;
	ike_hdr_put(msg, &h);
	sk_off = IKE_HDR_LEN;
	msg[sk_off] = inner_len > 0 ? inner_first : IKE_PL_NONE;
	msg[sk_off + 1] = 0;
	msg[sk_off + 2] = (uint8_t)((IKE_GEN_HDR_LEN + body_len) >> 8);
	msg[sk_off + 3] = (uint8_t)(IKE_GEN_HDR_LEN + body_len);
	rc = ike_sk_seal(sa->initiator ? sa->keys.sk_ei : sa->keys.sk_er,
	    sa->keys.enc_len, sa->iv_counter++, msg, IKE_HDR_LEN + IKE_GEN_HDR_LEN,
	    inner, inner_len, msg + IKE_HDR_LEN + IKE_GEN_HDR_LEN, body_len);
	if (rc != 0) {
		ike_sa_log(sa, LOG_ERR, "cannot encrypt a message (%d)", rc);
		return rc;
	}
	if (response) {
		uint8_t *copy = malloc(total);

		free(sa->last_rsp);
		sa->last_rsp = copy;
		sa->have_last_rsp = copy != NULL;
		if (copy != NULL) {
			memcpy(copy, msg, total);
			sa->last_rsp_len = total;
		}
	} else {
		ike_set_request(sa, exchange, msg_id, msg, total);
	}
	return ike_send_plain(sa, msg, total);
}

static void copy_addr(struct sockaddr_storage *to, const struct sockaddr *from)
{
	memset(to, 0, sizeof(*to));
	memcpy(to, from, from->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
}

/* An authenticated message from other addresses or ports than we have:
 * the move to port 4500 (RFC 7296 2.23) or, behind a NAT, a new mapping.
 * Followed before the message is acted on, so that a CHILD SA it creates
 * is installed with the ports its ESP will use. Without NAT, a changed
 * address is not followed (that is MOBIKE's job). */
static void follow_peer(struct ike_sa *sa)
{
	const struct sockaddr *l = sa->e->rx_local, *r = sa->e->rx_remote;

	if (l == NULL || r == NULL)
		return;
	if (ike_addr_equal((const struct sockaddr *)&sa->remote, r) &&
	    ike_addr_equal((const struct sockaddr *)&sa->local, l))
		return;
	if (!ike_nat(sa) && ike_port(l) != 4500)
		return;
	copy_addr(&sa->remote, r);
	copy_addr(&sa->local, l);
}

int ike_open_protected(struct ike_sa *sa, const uint8_t *msg, size_t len,
    const struct ike_hdr *h, const struct ike_payloads *outer,
    uint8_t *plain, size_t plain_cap, struct ike_payloads *pl)
{
	const struct ike_pl_ref *sk;
	size_t aad_len, plain_len = plain_cap;   /* in: the room in plain */
	int rc;

	(void)len;
	/* unprotected where protection is required: ignored (2.21.2), and
	 * counted like any other message that does not authenticate */
	if (!sa->have_keys || outer->n == 0 ||
	    outer->pl[outer->n - 1].type != IKE_PL_SK ||
	    outer->pl[outer->n - 1].len > plain_cap + IKE_SK_IV + IKE_SK_ICV) {
		sa->e->stats.rx_invalid++;
		return -1;
	}
	sk = &outer->pl[outer->n - 1];
	aad_len = (size_t)(sk->body - msg);
	/* the peer's messages use the other direction's key: the original
	 * initiator's flag tells which side sent it */
	rc = ike_sk_open((h->flags & IKE_FLAG_INITIATOR) ? sa->keys.sk_ei :
	    sa->keys.sk_er, sa->keys.enc_len, msg, aad_len, sk->body, sk->len,
	    plain, &plain_len);
	if (rc != 0) {
		sa->e->stats.rx_invalid++;
		ike_sa_log(sa, LOG_WARNING, "%s %s with a bad ICV dropped",
		    ike_exchange_name(h->exchange),
		    (h->flags & IKE_FLAG_RESPONSE) ? "response" : "request");
		return -1;
	}
	follow_peer(sa);
	rc = ike_payloads_parse(outer->sk_next, plain, plain_len, pl);
	if (rc != IKE_OK) {
		sa->e->stats.rx_invalid++;
		ike_sa_log(sa, LOG_WARNING, "protected %s: %s",
		    ike_exchange_name(h->exchange), ike_perr_str(rc));
		return rc == IKE_E_CRITICAL ? -2 : -3;
	}
	return 0;
}

void ike_respond_error(struct ike_sa *sa, const struct ike_hdr *h,
    uint16_t type)
{
	uint8_t inner[64];
	struct ike_w w;

	ike_w_init(&w, inner, sizeof(inner));
	ike_w_notify(&w, 0, NULL, 0, type, NULL, 0);
	(void)ike_send_protected(sa, h->exchange, true, h->msg_id, inner, w.len,
	    w.first);
}

uint32_t ike_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void ike_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* now + lifetime less a random part of jitter (at least 1 s); 0 when the
 * lifetime is 0 (never) */
uint64_t ike_rekey_at(struct ike_engine *e, uint32_t lifetime_s,
    uint32_t jitter_s)
{
	uint32_t jitter = 0;
	uint8_t r[4];

	if (lifetime_s == 0)
		return 0;
	if (jitter_s > 0 && ike_random(r, sizeof(r)) == 0)
		jitter = ike_be32(r) % jitter_s;
	return e->now_ms + (uint64_t)(lifetime_s > jitter ? lifetime_s - jitter :
	    1) * 1000;
}

/* ---- work queue (window size 1) ----------------------------------------- */

void ike_work_add(struct ike_sa *sa, enum ike_work_kind kind, uint32_t spi)
{
	size_t i;

	for (i = 0; i < sa->n_work; i++)
		if (sa->work[i].kind == kind && sa->work[i].spi == spi)
			return;
	if (sa->n_work == IKE_WORK_MAX) {
		ike_sa_log(sa, LOG_WARNING, "work queue full, request dropped");
		return;
	}
	sa->work[sa->n_work].kind = kind;
	sa->work[sa->n_work].spi = spi;
	sa->work[sa->n_work].at_ms = sa->e->now_ms;
	sa->n_work++;
}

/* a CHILD SA in use that came up at or after t */
static bool child_since(const struct ike_sa *sa, uint64_t t)
{
	const struct child_sa *c;

	for (c = sa->children; c != NULL; c = c->next)
		if (c->state == CHILD_INSTALLED && c->established_ms > t)
			return true;
	return false;
}

void ike_run_work(struct ike_sa *sa)
{
	struct ike_work w;
	int rc;

	while (!sa->req.active && sa->n_work > 0 &&
	    sa->state == IKE_S_ESTABLISHED) {
		w = sa->work[0];
		memmove(&sa->work[0], &sa->work[1],
		    (sa->n_work - 1) * sizeof(sa->work[0]));
		sa->n_work--;
		switch (w.kind) {
		case WORK_NEW_CHILD:
			if (child_since(sa, w.at_ms)) {
				/* the peer brought one up meanwhile (e.g. its
				 * acquire after our DELETE): a second one would
				 * only race it */
				ike_sa_log(sa, LOG_INFO, "the peer added a CHILD SA; "
				    "none added by us");
				rc = 0;
				break;
			}
			rc = ike_xchild_start(sa, 0);
			break;
		case WORK_REKEY_CHILD:
			rc = ike_xchild_start(sa, w.spi);
			break;
		case WORK_REKEY_IKE:
			rc = ike_xrekey_start(sa);
			break;
		default:
			rc = ike_xinfo_start(sa, &w);
			break;
		}
		if (rc != 0)
			ike_sa_log(sa, LOG_WARNING, "cannot start a request (%d)", rc);
	}
}

void ike_req_done(struct ike_sa *sa)
{
	sa->req.active = false;
	free(sa->req.msg);
	sa->req.msg = NULL;
	sa->req.len = 0;
	explicit_bzero(sa->req.ni, sizeof(sa->req.ni));
	ike_run_work(sa);
}

/* ---- input -------------------------------------------------------------- */

static void input_response(struct ike_sa *sa, const uint8_t *msg, size_t len,
    const struct ike_hdr *h, const struct ike_payloads *outer)
{
	uint8_t plain[65536];
	struct ike_payloads pl;

	if (!sa->req.active || h->msg_id != sa->req.msg_id ||
	    h->exchange != sa->req.exchange) {
		sa->e->stats.rx_dropped++;
		return;
	}
	if (h->exchange == IKE_SA_INIT) {
		ike_xinit_response_in(sa, msg, len, h, outer);
		return;
	}
	if (ike_open_protected(sa, msg, len, h, outer, plain, sizeof(plain),
	    &pl) != 0) {
		explicit_bzero(plain, sizeof(plain));
		return;
	}
	sa->last_rx_ms = sa->e->now_ms;
	switch (h->exchange) {
	case IKE_AUTH:
		ike_xauth_response_in(sa, &pl);
		break;
	case CREATE_CHILD_SA:
		if (sa->req.kind == WORK_REKEY_IKE)
			ike_xrekey_response_in(sa, &pl);
		else
			ike_xchild_response_in(sa, &pl);
		break;
	case INFORMATIONAL:
		ike_xinfo_response_in(sa, &pl);
		break;
	default:
		break;
	}
	explicit_bzero(plain, sizeof(plain));
}

static void input_request(struct ike_sa *sa, const uint8_t *msg, size_t len,
    const struct ike_hdr *h, const struct ike_payloads *outer)
{
	uint8_t plain[65536];
	struct ike_payloads pl;
	int rc;

	/* a retransmission of the request we answered last: the same answer
	 * (RFC 7296 2.1); older ones and ones from the future are dropped */
	if (sa->next_peer_id > 0 && h->msg_id == sa->next_peer_id - 1) {
		/* only a byte-identical copy is the peer's retransmission;
		 * anything else under that ID it did not send */
		if (sa->have_last_rsp && sa->last_req != NULL &&
		    len == sa->last_req_len && memcmp(msg, sa->last_req, len) == 0) {
			(void)ike_send_plain(sa, sa->last_rsp, sa->last_rsp_len);
			sa->e->stats.retransmits++;
		} else {
			sa->e->stats.rx_dropped++;
		}
		return;
	}
	if (h->msg_id != sa->next_peer_id) {
		sa->e->stats.rx_dropped++;
		return;
	}
	rc = ike_open_protected(sa, msg, len, h, outer, plain, sizeof(plain), &pl);
	if (rc == -1) {
		explicit_bzero(plain, sizeof(plain));
		return;
	}
	sa->last_rx_ms = sa->e->now_ms;
	sa->next_peer_id++;
	/* authenticated: what a retransmission of it must equal */
	free(sa->last_req);
	sa->last_req = malloc(len);
	sa->last_req_len = sa->last_req != NULL ? len : 0;
	if (sa->last_req != NULL)
		memcpy(sa->last_req, msg, len);
	if (rc != 0) {
		/* authenticated but malformed: the RFC's notify, nothing else */
		uint8_t inner[64];
		struct ike_w w;

		ike_w_init(&w, inner, sizeof(inner));
		if (rc == -2) {
			uint8_t t = pl.crit_type;

			ike_w_notify(&w, 0, NULL, 0, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
			    &t, 1);
		} else {
			ike_w_notify(&w, 0, NULL, 0, IKE_N_INVALID_SYNTAX, NULL, 0);
		}
		(void)ike_send_protected(sa, h->exchange, true, h->msg_id,
		    inner, w.len, w.first);
		explicit_bzero(plain, sizeof(plain));
		return;
	}
	switch (h->exchange) {
	case IKE_AUTH:
		ike_xauth_request_in(sa, h, &pl);
		break;
	case CREATE_CHILD_SA:
		ike_xchild_request_in(sa, h, &pl);
		break;
	case INFORMATIONAL:
		ike_xinfo_request_in(sa, h, &pl);
		break;
	default:
		break;
	}
	explicit_bzero(plain, sizeof(plain));
}

void ike_engine_input(struct ike_engine *e, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len,
    uint64_t now_ms)
{
	struct ike_payloads outer;
	struct ike_hdr h;
	uint8_t spi_i[8], spi_r[8];
	struct ike_sa *sa;
	int rc;

	e->now_ms = now_ms;
	e->stats.rx++;
	rc = ike_hdr_parse(msg, len, &h);
	if (rc != IKE_OK) {
		/* INVALID_MAJOR_VERSION would be an unauthenticated answer to
		 * anyone: only logged */
		e->stats.rx_dropped++;
		return;
	}
	rc = ike_payloads_parse(h.next, msg + IKE_HDR_LEN, len - IKE_HDR_LEN,
	    &outer);
	if (rc != IKE_OK) {
		e->stats.rx_invalid++;
		return;
	}
	memcpy(spi_i, msg, 8);
	memcpy(spi_r, msg + 8, 8);
	if (h.exchange == IKE_SA_INIT && !(h.flags & IKE_FLAG_RESPONSE)) {
		ike_xinit_request_in(e, local, remote, msg, len, &h, &outer);
		return;
	}
	sa = find_by_spis(e, spi_i, spi_r);
	if (sa == NULL) {
		e->rx_local = e->rx_remote = NULL;
		/* RFC 7296 2.21.4 allows an INVALID_IKE_SPI answer; to anyone
		 * that is an amplifier: dropped and counted */
		e->stats.rx_dropped++;
		return;
	}
	/* the peer must say it is who it is in the IKE SA */
	if (((h.flags & IKE_FLAG_INITIATOR) != 0) == sa->initiator) {
		e->stats.rx_dropped++;
		return;
	}
	e->rx_local = local;
	e->rx_remote = remote;
	if (h.flags & IKE_FLAG_RESPONSE) {
		input_response(sa, msg, len, &h, &outer);
	} else {
		input_request(sa, msg, len, &h, &outer);
	}
	e->rx_local = e->rx_remote = NULL;
}

/* ---- timers ------------------------------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void retransmit(struct ike_sa *sa, uint64_t now_ms)
{
	const struct sd_config *cfg = sa->e->cfg;
	double t = cfg->retransmit_timeout_ms;
	unsigned i;

	/* retransmit_tries retransmissions, then one more timeout's wait
	 * (docs/spisyncd-config.md) */
	if (sa->req.tries >= cfg->retransmit_tries) {
		ike_sa_kill(sa, "peer did not answer");
		return;
	}
	sa->req.tries++;
	for (i = 0; i < sa->req.tries; i++)
		t *= cfg->retransmit_base;
	sa->req.next_ms = now_ms + (uint64_t)t;
	sa->e->stats.retransmits++;
	(void)ike_send_plain(sa, sa->req.msg, sa->req.len);
}

uint64_t ike_engine_tick(struct ike_engine *e, uint64_t now_ms)
{
	const struct sd_config *cfg = e->cfg;
	struct ike_sa *sa, **pp;
	uint64_t next = UINT64_MAX;

	e->now_ms = now_ms;
	if (now_ms - e->cookie_rotated_ms >= 300000) {
		(void)ike_cookie_rotate(&e->cookie);
		e->cookie_rotated_ms = now_ms;
	}
	next = e->cookie_rotated_ms + 300000;
	for (sa = e->sas; sa != NULL; sa = sa->next) {
		if (sa->state == IKE_S_DEAD)
			continue;
		if (sa->req.active) {
			if (now_ms >= sa->req.next_ms)
				retransmit(sa, now_ms);
			if (sa->state == IKE_S_DEAD)
				continue;
			next = min_u64(next, sa->req.next_ms);
		}
		if (sa->state != IKE_S_ESTABLISHED && sa->state != IKE_S_DELETING) {
			uint64_t limit = sa->created_ms +
			    (uint64_t)cfg->half_open_timeout_s * 1000;

			if (now_ms >= limit) {
				ike_sa_kill(sa, "half-open too long");
				continue;
			}
			next = min_u64(next, limit);
			continue;
		}
		ike_child_tick(sa, now_ms);
		if (sa->state == IKE_S_ESTABLISHED && sa->ike_rekey_ms != 0) {
			if (now_ms >= sa->ike_rekey_ms) {
				sa->ike_rekey_ms = 0;
				ike_work_add(sa, WORK_REKEY_IKE, 0);
			} else {
				next = min_u64(next, sa->ike_rekey_ms);
			}
		}
		if (sa->peer != NULL && sa->peer->dpd_delay_s > 0 &&
		    sa->state == IKE_S_ESTABLISHED) {
			uint64_t due = sa->last_rx_ms +
			    (uint64_t)sa->peer->dpd_delay_s * 1000;

			if (now_ms >= due && !sa->req.active && sa->n_work == 0) {
				ike_work_add(sa, WORK_DPD, 0);
				ike_run_work(sa);
			} else {
				next = min_u64(next, due > now_ms ? due : now_ms + 1000);
			}
		}
		{
			struct child_sa *c;

			for (c = sa->children; c != NULL; c = c->next) {
				if (c->state == CHILD_LINGER)
					next = min_u64(next, c->linger_ms);
				else if (c->state == CHILD_INSTALLED && c->rekey_ms != 0)
					next = min_u64(next, c->rekey_ms);
			}
		}
		ike_run_work(sa);
		if (sa->req.active)
			next = min_u64(next, sa->req.next_ms);
	}
	/* free the dead */
	pp = &e->sas;
	while (*pp != NULL) {
		sa = *pp;
		if (sa->state == IKE_S_DEAD) {
			*pp = sa->next;
			sa_free(sa);
		} else {
			pp = &sa->next;
		}
	}
	return next;
}

const struct ike_peer_stat *ike_peer_stat_find(const struct ike_engine *e,
    const char *name)
{
	size_t i;

	for (i = 0; i < e->n_peer_stats; i++)
		if (strcmp(e->peer_stats[i].name, name) == 0)
			return &e->peer_stats[i];
	return NULL;
}

static void count_recovery(struct ike_engine *e, const char *name)
{
	struct ike_peer_stat *st = (struct ike_peer_stat *)ike_peer_stat_find(e,
	    name);

	if (st == NULL) {
		if (e->n_peer_stats == SD_MAX_PEERS)
			return;
		st = &e->peer_stats[e->n_peer_stats++];
		snprintf(st->name, sizeof(st->name), "%s", name);
	}
	st->recoveries++;
	st->last_recovery_wall_s = (int64_t)time(NULL);
}

/* ---- recovery actions ----------------------------------------------------- */

int ike_engine_initiate(struct ike_engine *e, const struct sd_peer *peer,
    bool initial_contact, uint32_t stale_spi, uint64_t now_ms)
{
	struct ike_sa *sa;
	struct sockaddr_storage remote;

	e->now_ms = now_ms;
	if (peer == NULL || peer->type != SD_PEER_STATIC)
		return -EINVAL;
	for (sa = e->sas; sa != NULL; sa = sa->next)
		if (sa->initiator && strcmp(sa->peer_name, peer->name) == 0 &&
		    (sa->state == IKE_S_INIT_SENT || sa->state == IKE_S_AUTH_SENT))
			return -EALREADY;
	remote = peer->addr;
	if (ike_port((const struct sockaddr *)&remote) == 0)
		ike_set_port(&remote, 500);
	sa = ike_sa_create(e, peer, true, NULL, (const struct sockaddr *)&remote);
	if (sa == NULL)
		return -ENOMEM;
	/* RFC 7296 2.4: INITIAL_CONTACT whenever we hold no other IKE SA
	 * with this peer, so that it drops whatever it still has with us */
	sa->initial_contact = initial_contact ||
	    ike_find_peer_sa(e, peer, NULL) == NULL;
	sa->stale_after_auth = stale_spi;
	if (stale_spi != 0)
		count_recovery(e, peer->name);
	if (ike_xinit_start(sa) != 0) {
		ike_sa_kill(sa, "cannot build IKE_SA_INIT");
		return -EIO;
	}
	return 0;
}

int ike_engine_notify_stale(struct ike_engine *e, const struct sd_peer *peer,
    const struct sockaddr *src, uint32_t spi, uint64_t now_ms)
{
	struct ike_sa *sa;
	struct child_sa *c;

	e->now_ms = now_ms;
	sa = ike_find_peer_sa(e, peer, src);
	if (sa == NULL)
		return -ENOENT;
	count_recovery(e, sa->peer_name);
	c = ike_child_by_spi_in(sa, spi);
	if (c != NULL && c->state == CHILD_INSTALLED) {
		/* Ours, and the card lost it (its keys are gone from the host
		 * too): rekeyed, make-before-break. The peer keeps sending on
		 * the old SA until our DELETE of it, which follows the new SA's
		 * install; a DELETE first and a new CHILD SA after would race
		 * the peer's first packets on it. */
		ike_sa_log(sa, LOG_NOTICE, "peer sends on SPI 0x%08X, which the card "
		    "lost: rekeying that CHILD SA", spi);
		ike_work_add(sa, WORK_REKEY_CHILD, spi);
	} else {
		ike_sa_log(sa, LOG_NOTICE, "peer sends on unknown SPI 0x%08X: "
		    "DELETE + INVALID_SPI, new CHILD SA", spi);
		ike_work_add(sa, WORK_STALE, spi);
		ike_work_add(sa, WORK_NEW_CHILD, 0);
	}
	ike_run_work(sa);
	return 0;
}

int ike_engine_rekey(struct ike_engine *e, const struct sd_peer *peer,
    uint64_t now_ms)
{
	struct ike_sa *sa;
	struct child_sa *c;
	unsigned n = 0;

	e->now_ms = now_ms;
	sa = ike_find_peer_sa(e, peer, NULL);
	if (sa == NULL)
		return -ENOENT;
	for (c = sa->children; c != NULL; c = c->next) {
		if (c->state != CHILD_INSTALLED)
			continue;
		ike_work_add(sa, WORK_REKEY_CHILD, c->spi_in);
		n++;
	}
	ike_sa_log(sa, LOG_NOTICE, "rekey of %u CHILD SA(s) requested", n);
	ike_run_work(sa);
	return 0;
}

int ike_engine_rekey_ike(struct ike_engine *e, const struct sd_peer *peer,
    uint64_t now_ms)
{
	struct ike_sa *sa;

	e->now_ms = now_ms;
	sa = ike_find_peer_sa(e, peer, NULL);
	if (sa == NULL)
		return -ENOENT;
	ike_work_add(sa, WORK_REKEY_IKE, 0);
	ike_run_work(sa);
	return 0;
}

uint64_t ike_rekey_due(const struct ike_sa *sa)
{
	if (sa->peer == NULL)
		return 0;
	return ike_rekey_at(sa->e, sa->peer->ike_lifetime_s,
	    sa->peer->rekey_jitter_s);
}

void ike_engine_peer_state(const struct ike_engine *e,
    const struct sd_peer *peer, const struct sockaddr *addr,
    struct ike_engine_peer_state *out)
{
	const struct ike_sa *sa;

	memset(out, 0, sizeof(*out));
	for (sa = e->sas; sa != NULL; sa = sa->next) {
		if (sa->state == IKE_S_DEAD || !sa_of(sa, peer, addr))
			continue;
		if (sa->state == IKE_S_ESTABLISHED)
			out->ike_sa = true;
		if (sa->rekeying || sa->state == IKE_S_INIT_SENT ||
		    sa->state == IKE_S_AUTH_SENT)
			out->rekeying = true;
		if (sa->last_rekey_ms > out->last_rekey_ms)
			out->last_rekey_ms = sa->last_rekey_ms;
	}
}
