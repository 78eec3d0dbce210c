/*
 * spisyncd -- IKE_SA_INIT (RFC 7296 1.2, 2.6 cookies, 2.23 NAT detection),
 * as responder and as initiator.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ike_sa.h"

static const uint8_t zero_spi[8];

/* An AEAD proposal carries no integrity transform, or only NONE (0). */
static bool no_integ(const struct ike_prop *p)
{
	size_t i;

	for (i = 0; i < p->nx; i++)
		if (p->x[i].type == IKE_TT_INTEG && p->x[i].id != 0)
			return false;
	return true;
}

/* The peer's first proposal that holds one of ours; with want_dh != 0 only
 * combinations with that group (the one its KE payload used). */
int ike_choose_ike(const struct sd_peer *peer, const struct ike_sa_pl *sa,
    uint16_t want_dh, uint8_t *num, struct sd_ike_proposal *out)
{
	size_t i, j;

	for (i = 0; i < sa->n; i++) {
		const struct ike_prop *p = &sa->p[i];

		if (p->proto != IKE_PROTO_IKE || !no_integ(p))
			continue;
		for (j = 0; j < peer->n_ike; j++) {
			const struct sd_ike_proposal *c = &peer->ike[j];

			if (want_dh != 0 && c->dh != want_dh)
				continue;
			if (ike_prop_has(p, IKE_TT_ENCR, SD_ENCR_AES_GCM_16, c->encr_keybits) &&
			    ike_prop_has(p, IKE_TT_PRF, c->prf, 0) &&
			    ike_prop_has(p, IKE_TT_DH, c->dh, 0)) {
				*num = p->num;
				*out = *c;
				return 0;
			}
		}
	}
	return -1;
}

void ike_prop_fill(struct ike_prop *p, uint8_t num,
    const struct sd_ike_proposal *c)
{
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->proto = IKE_PROTO_IKE;
	p->x[0].type = IKE_TT_ENCR;
	p->x[0].id = SD_ENCR_AES_GCM_16;
	p->x[0].keylen = c->encr_keybits;
	p->x[1].type = IKE_TT_PRF;
	p->x[1].id = c->prf;
	p->x[2].type = IKE_TT_DH;
	p->x[2].id = c->dh;
	p->nx = 3;
}

int ike_natd_payloads(struct ike_sa *sa, struct ike_w *w)
{
	uint8_t h[20];

	if (ike_natd_hash(sa->spi_i, sa->spi_r, (const struct sockaddr *)&sa->local,
	    h) != 0)
		return -1;
	ike_w_notify(w, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (ike_natd_hash(sa->spi_i, sa->spi_r,
	    (const struct sockaddr *)&sa->remote, h) != 0)
		return -1;
	ike_w_notify(w, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, h,
	    sizeof(h));
	return 0;
}

/* spi_r: the responder SPI in the header of the message that carried them */
void ike_natd_check(struct ike_sa *sa, const struct ike_payloads *pl,
    const uint8_t spi_r[8])
{
	uint8_t want_src[20], want_dst[20];
	bool have_src = false, src_ok = false, have_dst = false, dst_ok = false;
	size_t i;

	if (ike_natd_hash(sa->spi_i, spi_r, (const struct sockaddr *)&sa->remote,
	    want_src) != 0 ||
	    ike_natd_hash(sa->spi_i, spi_r, (const struct sockaddr *)&sa->local,
	    want_dst) != 0)
		return;
	for (i = 0; i < pl->n; i++) {
		struct ike_notify_pl n;

		if (pl->pl[i].type != IKE_PL_NOTIFY ||
		    ike_notify_parse(pl->pl[i].body, pl->pl[i].len, &n) != IKE_OK)
			continue;
		if (n.data_len != 20)
			continue;
		if (n.type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			have_src = true;
			if (memcmp(n.data, want_src, 20) == 0)
				src_ok = true;
		} else if (n.type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			if (memcmp(n.data, want_dst, 20) == 0)
				dst_ok = true;
		}
	}
	if (have_src && !src_ok)
		sa->nat_remote = true;
	if (have_dst && !dst_ok)
		sa->nat_local = true;
}

static const struct ike_notify_pl *find_notify(const struct ike_payloads *pl,
    uint16_t type, struct ike_notify_pl *n)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		if (pl->pl[i].type != IKE_PL_NOTIFY)
			continue;
		if (ike_notify_parse(pl->pl[i].body, pl->pl[i].len, n) != IKE_OK)
			continue;
		if (n->type == type)
			return n;
	}
	return NULL;
}

static void send_unprotected_notify(struct ike_engine *e,
    const struct sockaddr *local, const struct sockaddr *remote,
    const struct ike_hdr *req, uint16_t type, const uint8_t *data,
    size_t data_len)
{
	uint8_t msg[256];
	struct ike_hdr h;
	struct ike_w w;

	memset(&h, 0, sizeof(h));
	h.spi_i = req->spi_i;
	h.spi_r = 0;
	h.version = 0x20;
	h.exchange = IKE_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	h.msg_id = 0;
	ike_w_init(&w, msg, sizeof(msg));
	ike_w_hdr(&w, &h);
	ike_w_notify(&w, 0, NULL, 0, type, data, data_len);
	ike_w_finish(&w);
	if (w.err)
		return;
	if (e->ops.send(e->ops.ctx, local, remote, msg, w.len) == 0)
		e->stats.tx++;
}

void ike_xinit_request_in(struct ike_engine *e, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len,
    const struct ike_hdr *h, const struct ike_payloads *pl)
{
	const struct sd_peer *peer;
	const struct ike_pl_ref *r_sa, *r_ke, *r_ni;
	struct ike_sa_pl offered;
	struct ike_ke_pl ke;
	struct ike_notify_pl n;
	struct sd_ike_proposal chosen;
	struct ike_sa *sa;
	uint8_t num, out[IKE_MSG_MAX], pub[256], gir[256];
	size_t gir_len = sizeof(gir);
	struct ike_sa_pl resp_sa;
	struct ike_hdr rh;
	struct ike_w w;

	if (h->msg_id != 0 || h->spi_r != 0 || !(h->flags & IKE_FLAG_INITIATOR)) {
		e->stats.rx_dropped++;
		return;
	}
	/* a retransmitted request: the same answer */
	for (sa = e->sas; sa != NULL; sa = sa->next) {
		if (!sa->initiator && sa->state != IKE_S_DEAD &&
		    memcmp(sa->spi_i, msg, 8) == 0 &&
		    ike_addr_equal((const struct sockaddr *)&sa->remote, remote)) {
			if (sa->state == IKE_S_INIT_DONE && sa->init_req_len == len &&
			    memcmp(sa->init_req, msg, len) == 0) {
				(void)ike_send_plain(sa, sa->init_rsp, sa->init_rsp_len);
				e->stats.retransmits++;
			} else {
				e->stats.rx_dropped++;
			}
			return;
		}
	}
	/* never answer an address that is not a configured peer */
	peer = sd_config_peer_by_addr(e->cfg, remote);
	if (peer == NULL) {
		char a[64];

		ike_addr_str(remote, a, sizeof(a));
		ike_log(e, LOG_NOTICE, "IKE_SA_INIT from %s: not a configured peer, dropped", a);
		e->stats.rx_dropped++;
		return;
	}
	r_sa = ike_payload_find(pl, IKE_PL_SA, 0);
	r_ke = ike_payload_find(pl, IKE_PL_KE, 0);
	r_ni = ike_payload_find(pl, IKE_PL_NONCE, 0);
	if (r_sa == NULL || r_ke == NULL || r_ni == NULL ||
	    ike_sa_parse(r_sa->body, r_sa->len, &offered) != IKE_OK ||
	    ike_ke_parse(r_ke->body, r_ke->len, &ke) != IKE_OK ||
	    ike_nonce_check(r_ni->len) != IKE_OK) {
		e->stats.rx_invalid++;
		return;
	}
	/* cookies once half-open SAs pile up (2.6): stateless until the
	 * initiator proves it receives at its address */
	if (ike_half_open(e) >= e->cfg->cookie_threshold) {
		uint8_t cookie[33];
		const uint8_t *spi_i = msg;

		if (pl->n == 0 || pl->pl[0].type != IKE_PL_NOTIFY ||
		    ike_notify_parse(pl->pl[0].body, pl->pl[0].len, &n) != IKE_OK ||
		    n.type != IKE_N_COOKIE ||
		    !ike_cookie_check(&e->cookie, r_ni->body, r_ni->len, remote,
		    spi_i, n.data, n.data_len)) {
			if (ike_cookie_make(&e->cookie, r_ni->body, r_ni->len, remote,
			    spi_i, cookie) == 0) {
				send_unprotected_notify(e, local, remote, h, IKE_N_COOKIE,
				    cookie, sizeof(cookie));
				e->stats.cookies_sent++;
			}
			return;
		}
	}
	if (ike_choose_ike(peer, &offered, ke.group, &num, &chosen) != 0) {
		uint16_t group;
		uint8_t g[2];

		if (ike_choose_ike(peer, &offered, 0, &num, &chosen) != 0) {
			ike_log(e, LOG_NOTICE, "IKE_SA_INIT from peer %s: no proposal chosen",
			    peer->name);
			send_unprotected_notify(e, local, remote, h,
			    IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
			return;
		}
		group = chosen.dh;
		g[0] = (uint8_t)(group >> 8);
		g[1] = (uint8_t)group;
		send_unprotected_notify(e, local, remote, h, IKE_N_INVALID_KE_PAYLOAD,
		    g, 2);
		return;
	}
	sa = ike_sa_create(e, peer, false, local, remote);
	if (sa == NULL)
		return;
	memcpy(sa->spi_i, msg, 8);
	do {
		if (ike_random(sa->spi_r, 8) != 0) {
			ike_sa_kill(sa, "no randomness");
			return;
		}
	} while (memcmp(sa->spi_r, zero_spi, 8) == 0);
	sa->prop = chosen;
	memcpy(sa->ni, r_ni->body, r_ni->len);
	sa->ni_len = r_ni->len;
	sa->nr_len = IKE_NONCE_LEN;
	if (ike_random(sa->nr, sa->nr_len) != 0 ||
	    ike_dh_new(chosen.dh, &sa->dh) != 0 ||
	    ike_dh_public(sa->dh, pub, ike_dh_pub_len(chosen.dh)) != 0) {
		ike_sa_kill(sa, "DH setup failed");
		return;
	}
	if (ike_dh_shared(sa->dh, ke.data, ke.len, gir, &gir_len) != 0) {
		ike_sa_log(sa, LOG_WARNING, "invalid KE value from the peer");
		e->stats.rx_invalid++;
		ike_sa_kill(sa, "invalid KE");
		return;
	}
	if (ike_derive_sa_keys(chosen.prf, chosen.encr_keybits, sa->ni, sa->ni_len,
	    sa->nr, sa->nr_len, gir, gir_len, sa->spi_i, sa->spi_r, &sa->keys) != 0) {
		explicit_bzero(gir, sizeof(gir));
		ike_sa_kill(sa, "key derivation failed");
		return;
	}
	explicit_bzero(gir, sizeof(gir));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	sa->have_keys = true;
	ike_natd_check(sa, pl, zero_spi);

	memset(&rh, 0, sizeof(rh));
	rh.spi_i = ike_spi64(sa->spi_i);
	rh.spi_r = ike_spi64(sa->spi_r);
	rh.version = 0x20;
	rh.exchange = IKE_SA_INIT;
	rh.flags = IKE_FLAG_RESPONSE;
	ike_w_init(&w, out, sizeof(out));
	ike_w_hdr(&w, &rh);
	memset(&resp_sa, 0, sizeof(resp_sa));
	ike_prop_fill(&resp_sa.p[0], num, &chosen);
	resp_sa.n = 1;
	ike_w_sa(&w, &resp_sa);
	ike_w_ke(&w, chosen.dh, pub, ike_dh_pub_len(chosen.dh));
	ike_w_nonce(&w, sa->nr, sa->nr_len);
	if (ike_natd_payloads(sa, &w) != 0) {
		ike_sa_kill(sa, "NAT-D failed");
		return;
	}
	ike_w_finish(&w);
	if (w.err) {
		ike_sa_kill(sa, "response too long");
		return;
	}
	sa->init_req = malloc(len);
	sa->init_rsp = malloc(w.len);
	if (sa->init_req == NULL || sa->init_rsp == NULL) {
		ike_sa_kill(sa, "out of memory");
		return;
	}
	memcpy(sa->init_req, msg, len);
	sa->init_req_len = len;
	memcpy(sa->init_rsp, out, w.len);
	sa->init_rsp_len = w.len;
	sa->state = IKE_S_INIT_DONE;
	sa->next_peer_id = 1;
	ike_sa_log(sa, LOG_INFO, "IKE_SA_INIT answered (%s%s)",
	    ike_nat(sa) ? "NAT detected, " : "", peer->name);
	(void)ike_send_plain(sa, out, w.len);
}

/* ---- initiator ------------------------------------------------------------ */

int ike_xinit_start(struct ike_sa *sa)
{
	const struct sd_peer *peer = sa->peer;
	const struct sd_config *cfg = sa->e->cfg;
	uint8_t out[IKE_MSG_MAX], pub[256];
	struct ike_sa_pl offer;
	struct ike_hdr h;
	struct ike_w w;
	uint16_t group;
	size_t i;

	if (peer == NULL || peer->n_ike == 0)
		return -EINVAL;
	if (sa->local.ss_family == 0) {
		/* the source address the NAT-D hash speaks for: the first
		 * listen address of the peer's family, else "unknown" (the
		 * peer then sees a NAT on our side, which only moves IKE and
		 * ESP to port 4500) */
		for (i = 0; i < cfg->n_listen; i++)
			if (cfg->listen[i].ss_family == sa->remote.ss_family) {
				sa->local = cfg->listen[i];
				break;
			}
		if (sa->local.ss_family == 0)
			sa->local.ss_family = sa->remote.ss_family;
		ike_set_port(&sa->local, 500);
	}
	if (memcmp(sa->spi_i, zero_spi, 8) == 0) {
		do {
			if (ike_random(sa->spi_i, 8) != 0)
				return -EIO;
		} while (memcmp(sa->spi_i, zero_spi, 8) == 0);
	}
	group = sa->prop.dh != 0 ? sa->prop.dh : peer->ike[0].dh;
	/* A COOKIE retry sends "all other payloads unchanged" (RFC 7296 2.6;
	 * the responder's cookie covers Ni): a new key pair only when there
	 * is none (first try, or INVALID_KE_PAYLOAD freed it), a new nonce
	 * only on the first try. */
	if (sa->dh == NULL && ike_dh_new(group, &sa->dh) != 0)
		return -EIO;
	if (ike_dh_public(sa->dh, pub, ike_dh_pub_len(group)) != 0)
		return -EIO;
	sa->prop.dh = group;
	if (sa->ni_len == 0) {
		sa->ni_len = IKE_NONCE_LEN;
		if (ike_random(sa->ni, sa->ni_len) != 0)
			return -EIO;
	}
	memset(&offer, 0, sizeof(offer));
	for (i = 0; i < peer->n_ike && i < IKE_MAX_PROPS; i++)
		ike_prop_fill(&offer.p[i], (uint8_t)(i + 1), &peer->ike[i]);
	offer.n = i;

	memset(&h, 0, sizeof(h));
	h.spi_i = ike_spi64(sa->spi_i);
	h.version = 0x20;
	h.exchange = IKE_SA_INIT;
	h.flags = IKE_FLAG_INITIATOR;
	ike_w_init(&w, out, sizeof(out));
	ike_w_hdr(&w, &h);
	if (sa->cookie_len > 0)
		ike_w_notify(&w, 0, NULL, 0, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	ike_w_sa(&w, &offer);
	ike_w_ke(&w, group, pub, ike_dh_pub_len(group));
	ike_w_nonce(&w, sa->ni, sa->ni_len);
	if (ike_natd_payloads(sa, &w) != 0)
		return -EIO;
	ike_w_finish(&w);
	if (w.err)
		return -EMSGSIZE;
	sa->state = IKE_S_INIT_SENT;
	ike_set_request(sa, IKE_SA_INIT, 0, out, w.len);
	ike_sa_log(sa, LOG_INFO, "initiating IKE SA%s",
	    sa->initial_contact ? " (INITIAL_CONTACT)" : "");
	return ike_send_plain(sa, out, w.len);
}

void ike_xinit_response_in(struct ike_sa *sa, const uint8_t *msg, size_t len,
    const struct ike_hdr *h, const struct ike_payloads *pl)
{
	const struct sd_peer *peer = sa->peer;
	const struct ike_pl_ref *r_sa, *r_ke, *r_nr;
	struct ike_notify_pl n;
	struct ike_sa_pl got;
	struct ike_ke_pl ke;
	struct sd_ike_proposal chosen;
	uint8_t num, gir[256];
	size_t gir_len = sizeof(gir);

	(void)h;
	if (sa->state != IKE_S_INIT_SENT || peer == NULL)
		return;
	if (find_notify(pl, IKE_N_COOKIE, &n) != NULL) {
		if (n.data_len < 1 || n.data_len > sizeof(sa->cookie) ||
		    sa->cookie_len > 0) {
			ike_sa_kill(sa, "bad or repeated COOKIE");
			return;
		}
		memcpy(sa->cookie, n.data, n.data_len);
		sa->cookie_len = n.data_len;
		ike_sa_log(sa, LOG_INFO, "peer asks for a COOKIE");
		if (ike_xinit_start(sa) != 0)
			ike_sa_kill(sa, "cannot resend IKE_SA_INIT");
		return;
	}
	if (find_notify(pl, IKE_N_INVALID_KE_PAYLOAD, &n) != NULL) {
		uint16_t group;
		size_t i;

		if (n.data_len != 2) {
			ike_sa_kill(sa, "bad INVALID_KE_PAYLOAD");
			return;
		}
		group = (uint16_t)(n.data[0] << 8 | n.data[1]);
		for (i = 0; i < peer->n_ike; i++)
			if (peer->ike[i].dh == group)
				break;
		if (i == peer->n_ike || group == sa->prop.dh) {
			ike_sa_kill(sa, "peer wants a DH group we do not offer");
			return;
		}
		ike_sa_log(sa, LOG_INFO, "peer wants DH group %u", group);
		sa->prop.dh = group;
		ike_dh_free(sa->dh);    /* a key pair of the new group */
		sa->dh = NULL;
		if (ike_xinit_start(sa) != 0)
			ike_sa_kill(sa, "cannot resend IKE_SA_INIT");
		return;
	}
	r_sa = ike_payload_find(pl, IKE_PL_SA, 0);
	r_ke = ike_payload_find(pl, IKE_PL_KE, 0);
	r_nr = ike_payload_find(pl, IKE_PL_NONCE, 0);
	if (r_sa == NULL || r_ke == NULL || r_nr == NULL) {
		if (find_notify(pl, IKE_N_NO_PROPOSAL_CHOSEN, &n) != NULL)
			ike_sa_kill(sa, "peer: NO_PROPOSAL_CHOSEN");
		else
			sa->e->stats.rx_invalid++;
		return;
	}
	if (ike_sa_parse(r_sa->body, r_sa->len, &got) != IKE_OK || got.n != 1 ||
	    ike_ke_parse(r_ke->body, r_ke->len, &ke) != IKE_OK ||
	    ike_nonce_check(r_nr->len) != IKE_OK ||
	    ike_choose_ike(peer, &got, sa->prop.dh, &num, &chosen) != 0 ||
	    ke.group != chosen.dh || memcmp(msg + 8, zero_spi, 8) == 0) {
		sa->e->stats.rx_invalid++;
		ike_sa_kill(sa, "invalid IKE_SA_INIT response");
		return;
	}
	memcpy(sa->spi_r, msg + 8, 8);
	sa->prop = chosen;
	memcpy(sa->nr, r_nr->body, r_nr->len);
	sa->nr_len = r_nr->len;
	if (ike_dh_shared(sa->dh, ke.data, ke.len, gir, &gir_len) != 0 ||
	    ike_derive_sa_keys(chosen.prf, chosen.encr_keybits, sa->ni,
	    sa->ni_len, sa->nr, sa->nr_len, gir, gir_len, sa->spi_i, sa->spi_r,
	    &sa->keys) != 0) {
		explicit_bzero(gir, sizeof(gir));
		ike_sa_kill(sa, "invalid KE or key derivation failed");
		return;
	}
	explicit_bzero(gir, sizeof(gir));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	sa->have_keys = true;
	ike_natd_check(sa, pl, sa->spi_r);
	sa->init_req = sa->req.msg;
	sa->init_req_len = sa->req.len;
	sa->req.msg = NULL;
	sa->init_rsp = malloc(len);
	if (sa->init_rsp == NULL) {
		ike_sa_kill(sa, "out of memory");
		return;
	}
	memcpy(sa->init_rsp, msg, len);
	sa->init_rsp_len = len;
	sa->req.active = false;
	sa->next_req_id = 1;
	if (ike_nat(sa)) {
		/* RFC 7296 2.23: from IKE_AUTH on, port 4500 */
		ike_set_port(&sa->local, 4500);
		ike_set_port(&sa->remote, 4500);
	}
	if (ike_xauth_start(sa) != 0)
		ike_sa_kill(sa, "cannot build IKE_AUTH");
}
