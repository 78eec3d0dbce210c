/*
 * spisyncd -- CREATE_CHILD_SA for CHILD SAs (RFC 7296 1.3.1, 1.3.3, 2.8):
 * a new CHILD SA or the rekey of one, as responder and as initiator.
 *
 * Make-before-break: as responder the new inbound SA is on the card before
 * the response that announces it leaves; the old one stays (CHILD_REKEYED)
 * until the peer deletes it, and lingers on the card IKE_LINGER_MS after
 * that. As initiator our new inbound SA is installed when the response
 * arrives (its keys need the responder's nonce), before we delete the old
 * one: the peer only moves to the new SA once it answered us.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ike_sa.h"

static void rekey_mark(struct ike_sa *sa, bool started)
{
	if (started)
		sa->last_rekey_ms = sa->e->now_ms;
	sa->rekeying = started;
	if (sa->e->ops.rekey != NULL)
		sa->e->ops.rekey(sa->e->ops.ctx,
		    (const struct sockaddr *)&sa->remote, started);
}

void ike_xchild_request_in(struct ike_sa *sa, const struct ike_hdr *h,
    const struct ike_payloads *pl)
{
	const struct sd_peer *peer = sa->peer;
	const struct ike_pl_ref *r_sa, *r_ni, *r_tsi, *r_tsr;
	struct ike_sa_pl offered;
	struct ike_ts_pl tsi, tsr;
	struct ike_ts ts_remote[IKE_MAX_TS], ts_local[IKE_MAX_TS];
	size_t n_remote = 0, n_local = 0, i;
	struct ike_prop chosen;
	struct child_sa *old = NULL, *c;
	uint8_t nr[IKE_NONCE_LEN], inner[IKE_MSG_MAX];
	uint16_t keybits;
	bool esn;
	uint32_t spi_in;
	struct ike_w w;

	if (sa->state != IKE_S_ESTABLISHED || peer == NULL) {
		ike_respond_error(sa, h, IKE_N_TEMPORARY_FAILURE);
		return;
	}
	r_sa = ike_payload_find(pl, IKE_PL_SA, 0);
	r_ni = ike_payload_find(pl, IKE_PL_NONCE, 0);
	if (r_sa == NULL || r_ni == NULL ||
	    ike_sa_parse(r_sa->body, r_sa->len, &offered) != IKE_OK ||
	    ike_nonce_check(r_ni->len) != IKE_OK) {
		ike_respond_error(sa, h, IKE_N_INVALID_SYNTAX);
		return;
	}
	if (offered.n > 0 && offered.p[0].proto == IKE_PROTO_IKE) {
		ike_xrekey_request_in(sa, h, pl, &offered);
		return;
	}
	for (i = 0; i < pl->n; i++) {
		struct ike_notify_pl n;

		if (pl->pl[i].type != IKE_PL_NOTIFY ||
		    ike_notify_parse(pl->pl[i].body, pl->pl[i].len, &n) != IKE_OK ||
		    n.type != IKE_N_REKEY_SA)
			continue;
		if (n.proto != IKE_PROTO_ESP || n.spi_size != 4) {
			ike_respond_error(sa, h, IKE_N_INVALID_SYNTAX);
			return;
		}
		/* the SPI the peer receives on: our outbound SPI */
		old = ike_child_by_spi_out(sa, ike_be32(n.spi));
		if (old == NULL || old->state == CHILD_LINGER) {
			ike_respond_error(sa, h, IKE_N_CHILD_SA_NOT_FOUND);
			return;
		}
	}
	r_tsi = ike_payload_find(pl, IKE_PL_TSI, 0);
	r_tsr = ike_payload_find(pl, IKE_PL_TSR, 0);
	if (r_tsi == NULL || r_tsr == NULL ||
	    ike_ts_parse(r_tsi->body, r_tsi->len, &tsi) != IKE_OK ||
	    ike_ts_parse(r_tsr->body, r_tsr->len, &tsr) != IKE_OK) {
		ike_respond_error(sa, h, IKE_N_INVALID_SYNTAX);
		return;
	}
	/* a KE payload asks for PFS; our ESP proposals carry no DH group, so
	 * such a proposal is not chosen (ike_child_choose) */
	if (ike_child_choose(peer, &offered, &chosen, &keybits, &esn) != 0) {
		ike_respond_error(sa, h, IKE_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (ike_ts_narrow(&tsi, peer->remote_ts, peer->n_remote_ts, ts_remote,
	    &n_remote) != 0 ||
	    ike_ts_narrow(&tsr, peer->local_ts, peer->n_local_ts, ts_local,
	    &n_local) != 0) {
		ike_respond_error(sa, h, IKE_N_TS_UNACCEPTABLE);
		return;
	}
	if (ike_random(nr, sizeof(nr)) != 0) {
		ike_respond_error(sa, h, IKE_N_TEMPORARY_FAILURE);
		return;
	}
	if (old != NULL)
		rekey_mark(sa, true);
	spi_in = ike_child_new_spi(sa->e);
	c = ike_child_install(sa, spi_in, ike_be32(chosen.spi), keybits, esn, false,
	    r_ni->body, r_ni->len, nr, sizeof(nr), ts_local, n_local, ts_remote,
	    n_remote);
	if (c == NULL) {
		explicit_bzero(nr, sizeof(nr));
		if (old != NULL)
			rekey_mark(sa, false);
		ike_respond_error(sa, h, IKE_N_NO_ADDITIONAL_SAS);
		return;
	}
	if (old != NULL) {
		old->state = CHILD_REKEYED;
		old->rekey_ms = 0;
	}
	ike_w_init(&w, inner, sizeof(inner));
	ike_w_chosen_esp(&w, &chosen, spi_in);
	ike_w_nonce(&w, nr, sizeof(nr));
	ike_w_ts(&w, IKE_PL_TSI, ts_remote, n_remote);
	ike_w_ts(&w, IKE_PL_TSR, ts_local, n_local);
	explicit_bzero(nr, sizeof(nr));
	ike_sa_log(sa, LOG_NOTICE, "CHILD SA %s: in 0x%08X out 0x%08X",
	    old != NULL ? "rekeyed by the peer" : "added by the peer",
	    spi_in, c->spi_out);
	(void)ike_send_protected(sa, CREATE_CHILD_SA, true, h->msg_id, inner,
	    w.len, w.first);
	if (sa->e->ops.child_up != NULL)
		sa->e->ops.child_up(sa->e->ops.ctx, (const struct sockaddr *)&sa->remote);
	if (old != NULL)
		rekey_mark(sa, false);
}

int ike_xchild_start(struct ike_sa *sa, uint32_t rekey_spi_in)
{
	const struct sd_peer *peer = sa->peer;
	struct ike_ts ts_local[IKE_MAX_TS], ts_remote[IKE_MAX_TS];
	size_t n_local, n_remote;
	struct child_sa *old = NULL;
	uint8_t inner[IKE_MSG_MAX], spi[4];
	struct ike_sa_pl offer;
	struct ike_w w;
	uint32_t msg_id;
	int rc;

	if (peer == NULL)
		return -EINVAL;
	if (rekey_spi_in != 0) {
		old = ike_child_by_spi_in(sa, rekey_spi_in);
		if (old == NULL || old->state != CHILD_INSTALLED)
			return 0;     /* gone meanwhile: nothing to rekey */
	}
	sa->req.spi_in = ike_child_new_spi(sa->e);
	sa->req.rekey_spi_in = rekey_spi_in;
	if (ike_random(sa->req.ni, sizeof(sa->req.ni)) != 0)
		return -EIO;
	ike_child_offer(peer, sa->req.spi_in, &offer);
	if (old != NULL) {
		memcpy(ts_local, old->ts_local, sizeof(ts_local));
		memcpy(ts_remote, old->ts_remote, sizeof(ts_remote));
		n_local = old->n_ts_local;
		n_remote = old->n_ts_remote;
	} else {
		ike_ts_from_cfg(peer->local_ts, peer->n_local_ts, ts_local, &n_local);
		ike_ts_from_cfg(peer->remote_ts, peer->n_remote_ts, ts_remote,
		    &n_remote);
	}
	ike_w_init(&w, inner, sizeof(inner));
	if (old != NULL) {
		ike_put_be32(spi, old->spi_in);
		ike_w_notify(&w, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0);
	}
	ike_w_sa(&w, &offer);
	ike_w_nonce(&w, sa->req.ni, sizeof(sa->req.ni));
	ike_w_ts(&w, IKE_PL_TSI, ts_local, n_local);
	ike_w_ts(&w, IKE_PL_TSR, ts_remote, n_remote);
	if (w.err)
		return -EMSGSIZE;
	msg_id = sa->next_req_id++;
	if (old != NULL)
		rekey_mark(sa, true);
	rc = ike_send_protected(sa, CREATE_CHILD_SA, false, msg_id, inner, w.len,
	    w.first);
	sa->req.kind = old != NULL ? WORK_REKEY_CHILD : WORK_NEW_CHILD;
	return rc;
}

void ike_xchild_response_in(struct ike_sa *sa, const struct ike_payloads *pl)
{
	const struct sd_peer *peer = sa->peer;
	const struct ike_pl_ref *r_sa, *r_nr, *r_tsi, *r_tsr;
	struct ike_sa_pl got;
	struct ike_ts_pl tsi, tsr;
	struct ike_prop chosen;
	uint16_t keybits;
	bool esn, rekey = sa->req.rekey_spi_in != 0;
	struct child_sa *c = NULL, *old;
	size_t i;

	for (i = 0; i < pl->n; i++) {
		struct ike_notify_pl n;

		if (pl->pl[i].type == IKE_PL_NOTIFY &&
		    ike_notify_parse(pl->pl[i].body, pl->pl[i].len, &n) == IKE_OK &&
		    n.type < 16384) {
			ike_sa_log(sa, LOG_WARNING, "CREATE_CHILD_SA refused: %s",
			    ike_notify_name(n.type));
			if (rekey) {
				rekey_mark(sa, false);
				old = ike_child_by_spi_in(sa, sa->req.rekey_spi_in);
				/* try again in a while, not at once */
				if (old != NULL && n.type == IKE_N_TEMPORARY_FAILURE)
					old->rekey_ms = sa->e->now_ms + 10000;
			}
			ike_req_done(sa);
			return;
		}
	}
	r_sa = ike_payload_find(pl, IKE_PL_SA, 0);
	r_nr = ike_payload_find(pl, IKE_PL_NONCE, 0);
	r_tsi = ike_payload_find(pl, IKE_PL_TSI, 0);
	r_tsr = ike_payload_find(pl, IKE_PL_TSR, 0);
	if (peer != NULL && r_sa != NULL && r_nr != NULL && r_tsi != NULL &&
	    r_tsr != NULL &&
	    ike_sa_parse(r_sa->body, r_sa->len, &got) == IKE_OK && got.n == 1 &&
	    got.p[0].spi_size == 4 &&
	    ike_child_choose(peer, &got, &chosen, &keybits, &esn) == 0 &&
	    ike_nonce_check(r_nr->len) == IKE_OK &&
	    ike_ts_parse(r_tsi->body, r_tsi->len, &tsi) == IKE_OK &&
	    ike_ts_parse(r_tsr->body, r_tsr->len, &tsr) == IKE_OK) {
		c = ike_child_install(sa, sa->req.spi_in, ike_be32(chosen.spi), keybits,
		    esn, true, sa->req.ni, sizeof(sa->req.ni), r_nr->body, r_nr->len,
		    tsi.ts, tsi.n, tsr.ts, tsr.n);
	} else {
		sa->e->stats.rx_invalid++;
		ike_sa_log(sa, LOG_WARNING, "invalid CREATE_CHILD_SA response");
	}
	if (c != NULL) {
		ike_sa_log(sa, LOG_NOTICE, "CHILD SA %s: in 0x%08X out 0x%08X",
		    rekey ? "rekeyed" : "added", c->spi_in, c->spi_out);
		if (sa->e->ops.child_up != NULL)
			sa->e->ops.child_up(sa->e->ops.ctx,
			    (const struct sockaddr *)&sa->remote);
	}
	if (rekey) {
		old = ike_child_by_spi_in(sa, sa->req.rekey_spi_in);
		if (old != NULL && c != NULL) {
			old->state = CHILD_REKEYED;
			ike_work_add(sa, WORK_DELETE_CHILD, old->spi_in);
		}
		rekey_mark(sa, false);
	}
	ike_req_done(sa);
}
