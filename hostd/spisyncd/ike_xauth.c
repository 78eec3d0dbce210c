/*
 * spisyncd -- IKE_AUTH with pre-shared keys (RFC 7296 1.2, 2.15) and the
 * first CHILD SA it carries, as responder and as initiator. The responder
 * installs the CHILD SA's inbound SA on the card before its response leaves:
 * the peer may send ESP as soon as it has that response.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "ike_sa.h"

static void established(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;

	sa->state = IKE_S_ESTABLISHED;
	sa->established_ms = e->now_ms;
	sa->established_wall_s = (int64_t)time(NULL);
	sa->last_rx_ms = e->now_ms;
	e->stats.ike_established++;
	sa->ike_rekey_ms = ike_rekey_due(sa);
	/* key material only the AUTH payloads needed */
	explicit_bzero(sa->keys.sk_pi, sizeof(sa->keys.sk_pi));
	explicit_bzero(sa->keys.sk_pr, sizeof(sa->keys.sk_pr));
	free(sa->init_req);
	free(sa->init_rsp);
	sa->init_req = sa->init_rsp = NULL;
	sa->init_req_len = sa->init_rsp_len = 0;
}

/* INITIAL_CONTACT (2.4): the peer has no other IKE SA with us; ours are
 * stale. Removed locally, no DELETE (the peer would not know them). */
static void initial_contact(struct ike_sa *sa)
{
	struct ike_sa *o;

	for (o = sa->e->sas; o != NULL; o = o->next) {
		if (o == sa || o->state == IKE_S_DEAD)
			continue;
		if (strcmp(o->peer_name, sa->peer_name) != 0)
			continue;
		ike_sa_kill(o, "replaced (INITIAL_CONTACT)");
	}
}

static int psk_auth(const struct ike_sa *sa, bool of_initiator,
    const uint8_t *id_body, size_t id_len, uint8_t *out, size_t *out_len)
{
	const struct sd_peer *peer = sa->peer;
	/* each side signs its own IKE_SA_INIT message and the other's nonce */
	const uint8_t *msg = of_initiator ? sa->init_req : sa->init_rsp;
	size_t msg_len = of_initiator ? sa->init_req_len : sa->init_rsp_len;
	const uint8_t *nonce = of_initiator ? sa->nr : sa->ni;
	size_t nonce_len = of_initiator ? sa->nr_len : sa->ni_len;
	const uint8_t *sk_p = of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr;

	return ike_psk_auth(sa->prop.prf, peer->psk, peer->psk_len, msg, msg_len,
	    nonce, nonce_len, sk_p, sa->keys.prf_len, id_body, id_len, out,
	    out_len);
}

static const struct ike_pl_ref *find(const struct ike_payloads *pl,
    uint8_t type)
{
	return ike_payload_find(pl, type, 0);
}

static bool has_notify(const struct ike_payloads *pl, uint16_t type)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		struct ike_notify_pl n;

		if (pl->pl[i].type == IKE_PL_NOTIFY &&
		    ike_notify_parse(pl->pl[i].body, pl->pl[i].len, &n) == IKE_OK &&
		    n.type == type)
			return true;
	}
	return false;
}

/* The first error notify of a response (< 16384), 0 if none. */
static uint16_t error_notify(const struct ike_payloads *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		struct ike_notify_pl n;

		if (pl->pl[i].type == IKE_PL_NOTIFY &&
		    ike_notify_parse(pl->pl[i].body, pl->pl[i].len, &n) == IKE_OK &&
		    n.type < 16384)
			return n.type;
	}
	return 0;
}

void ike_xauth_request_in(struct ike_sa *sa, const struct ike_hdr *h,
    const struct ike_payloads *pl)
{
	const struct sd_peer *peer = sa->peer;
	const struct ike_pl_ref *r_idi, *r_auth, *r_sa, *r_tsi, *r_tsr;
	struct ike_id_pl idi;
	struct ike_auth_pl auth;
	uint8_t want[IKE_MAX_PRF], mine[IKE_MAX_PRF], idr[SD_ID_MAX + 4];
	uint8_t inner[IKE_MSG_MAX];
	size_t want_len = sizeof(want), mine_len = sizeof(mine), idr_len;
	struct ike_w w;
	uint16_t child_err = 0;
	struct ike_sa_pl offered;
	struct ike_ts_pl tsi, tsr;
	struct ike_ts ts_remote[IKE_MAX_TS], ts_local[IKE_MAX_TS];
	size_t n_remote = 0, n_local = 0;
	struct ike_prop chosen;
	uint16_t keybits = 0;
	bool esn = false;
	uint32_t spi_in = 0;
	struct child_sa *c = NULL;

	if (sa->state != IKE_S_INIT_DONE || peer == NULL) {
		sa->e->stats.rx_dropped++;
		return;
	}
	r_idi = find(pl, IKE_PL_IDI);
	r_auth = find(pl, IKE_PL_AUTH);
	if (r_idi == NULL || r_auth == NULL ||
	    ike_id_parse(r_idi->body, r_idi->len, &idi) != IKE_OK ||
	    ike_auth_parse(r_auth->body, r_auth->len, &auth) != IKE_OK) {
		/* EAP or a malformed message: we only do PSK */
		ike_respond_error(sa, h, IKE_N_AUTHENTICATION_FAILED);
		ike_sa_kill(sa, "IKE_AUTH without IDi/AUTH");
		return;
	}
	if (!ike_id_matches(&peer->remote_id, &idi) || auth.method != 2 ||
	    psk_auth(sa, true, idi.body, idi.body_len, want, &want_len) != 0 ||
	    auth.len != want_len || !ike_auth_equal(auth.data, want, want_len)) {
		explicit_bzero(want, sizeof(want));
		ike_respond_error(sa, h, IKE_N_AUTHENTICATION_FAILED);
		ike_sa_kill(sa, "authentication of the peer failed");
		return;
	}
	explicit_bzero(want, sizeof(want));
	idr_len = ike_id_body(&peer->local_id, idr, sizeof(idr));
	if (idr_len == 0 || psk_auth(sa, false, idr, idr_len, mine, &mine_len) != 0) {
		ike_respond_error(sa, h, IKE_N_AUTHENTICATION_FAILED);
		ike_sa_kill(sa, "cannot compute our AUTH");
		return;
	}
	if (has_notify(pl, IKE_N_INITIAL_CONTACT))
		initial_contact(sa);

	/* the CHILD SA: its failure does not fail the IKE SA (1.2) */
	r_sa = find(pl, IKE_PL_SA);
	r_tsi = find(pl, IKE_PL_TSI);
	r_tsr = find(pl, IKE_PL_TSR);
	if (r_sa == NULL || r_tsi == NULL || r_tsr == NULL ||
	    ike_sa_parse(r_sa->body, r_sa->len, &offered) != IKE_OK ||
	    ike_ts_parse(r_tsi->body, r_tsi->len, &tsi) != IKE_OK ||
	    ike_ts_parse(r_tsr->body, r_tsr->len, &tsr) != IKE_OK) {
		child_err = IKE_N_INVALID_SYNTAX;
	} else if (has_notify(pl, IKE_N_USE_TRANSPORT_MODE)) {
		/* the card decides per packet; we offer tunnel mode only */
		child_err = IKE_N_NO_PROPOSAL_CHOSEN;
	} else if (ike_child_choose(peer, &offered, &chosen, &keybits, &esn) != 0) {
		child_err = IKE_N_NO_PROPOSAL_CHOSEN;
	} else if (ike_ts_narrow(&tsi, peer->remote_ts, peer->n_remote_ts,
	    ts_remote, &n_remote) != 0 ||
	    ike_ts_narrow(&tsr, peer->local_ts, peer->n_local_ts, ts_local,
	    &n_local) != 0) {
		child_err = IKE_N_TS_UNACCEPTABLE;
	} else {
		uint32_t spi_out = ike_be32(chosen.spi);

		spi_in = ike_child_new_spi(sa->e);
		c = ike_child_install(sa, spi_in, spi_out, keybits, esn, false,
		    sa->ni, sa->ni_len, sa->nr, sa->nr_len, ts_local, n_local,
		    ts_remote, n_remote);
		if (c == NULL)
			child_err = IKE_N_NO_ADDITIONAL_SAS;
	}

	ike_w_init(&w, inner, sizeof(inner));
	ike_w_id(&w, IKE_PL_IDR, peer->local_id.type, peer->local_id.data,
	    peer->local_id.len);
	ike_w_auth(&w, 2, mine, mine_len);
	explicit_bzero(mine, sizeof(mine));
	if (c != NULL) {
		ike_w_chosen_esp(&w, &chosen, spi_in);
		ike_w_ts(&w, IKE_PL_TSI, ts_remote, n_remote);
		ike_w_ts(&w, IKE_PL_TSR, ts_local, n_local);
	} else {
		ike_w_notify(&w, 0, NULL, 0, child_err, NULL, 0);
	}
	if (w.err) {
		ike_sa_kill(sa, "IKE_AUTH response too long");
		return;
	}
	established(sa);
	ike_sa_log(sa, LOG_NOTICE, "IKE SA established (responder, %s%s)",
	    ike_nat(sa) ? "NAT-T, " : "",
	    c != NULL ? "CHILD SA installed" : ike_notify_name(child_err));
	(void)ike_send_protected(sa, IKE_AUTH, true, h->msg_id, inner, w.len,
	    w.first);
	if (c != NULL && sa->e->ops.child_up != NULL)
		sa->e->ops.child_up(sa->e->ops.ctx, (const struct sockaddr *)&sa->remote);
	ike_run_work(sa);
}

int ike_xauth_start(struct ike_sa *sa)
{
	const struct sd_peer *peer = sa->peer;
	uint8_t inner[IKE_MSG_MAX], idi[SD_ID_MAX + 4], auth[IKE_MAX_PRF];
	size_t idi_len, auth_len = sizeof(auth), n_local, n_remote;
	struct ike_ts ts_local[IKE_MAX_TS], ts_remote[IKE_MAX_TS];
	struct ike_sa_pl offer;
	struct ike_w w;
	int rc;

	if (peer == NULL)
		return -EINVAL;
	idi_len = ike_id_body(&peer->local_id, idi, sizeof(idi));
	if (idi_len == 0 || psk_auth(sa, true, idi, idi_len, auth, &auth_len) != 0)
		return -EIO;
	sa->req.spi_in = ike_child_new_spi(sa->e);
	ike_child_offer(peer, sa->req.spi_in, &offer);
	ike_ts_from_cfg(peer->local_ts, peer->n_local_ts, ts_local, &n_local);
	ike_ts_from_cfg(peer->remote_ts, peer->n_remote_ts, ts_remote, &n_remote);
	/* Make-before-break as initiator: this CHILD SA's keys depend only on
	 * SK_d and the IKE_SA_INIT nonces (RFC 7296 2.17), known now; the
	 * peer may send on it as soon as it has answered. Installed with our
	 * first ESP proposal (the peer's choice is known from the response:
	 * if it differs, the SA is replaced then). */
	if (peer->n_esp > 0 &&
	    ike_child_install(sa, sa->req.spi_in, 0, peer->esp[0].encr_keybits,
	    peer->esp[0].esn_yes, true, sa->ni, sa->ni_len, sa->nr, sa->nr_len,
	    ts_local, n_local, ts_remote, n_remote) == NULL)
		ike_sa_log(sa, LOG_WARNING, "inbound SA 0x%08X not installed ahead "
		    "of IKE_AUTH", sa->req.spi_in);

	ike_w_init(&w, inner, sizeof(inner));
	ike_w_id(&w, IKE_PL_IDI, peer->local_id.type, peer->local_id.data,
	    peer->local_id.len);
	if (sa->initial_contact)
		ike_w_notify(&w, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	ike_w_auth(&w, 2, auth, auth_len);
	explicit_bzero(auth, sizeof(auth));
	ike_w_sa(&w, &offer);
	ike_w_ts(&w, IKE_PL_TSI, ts_local, n_local);
	ike_w_ts(&w, IKE_PL_TSR, ts_remote, n_remote);
	if (w.err)
		return -EMSGSIZE;
	sa->state = IKE_S_AUTH_SENT;
	rc = ike_send_protected(sa, IKE_AUTH, false, 1, inner, w.len, w.first);
	sa->req.spi_in = sa->req.spi_in;
	sa->next_req_id = 2;
	explicit_bzero(inner, sizeof(inner));
	return rc;
}

void ike_xauth_response_in(struct ike_sa *sa, const struct ike_payloads *pl)
{
	const struct sd_peer *peer = sa->peer;
	const struct ike_pl_ref *r_idr, *r_auth, *r_sa, *r_tsi, *r_tsr;
	struct ike_id_pl idr;
	struct ike_auth_pl auth;
	uint8_t want[IKE_MAX_PRF];
	size_t want_len = sizeof(want);
	struct ike_sa_pl got;
	struct ike_ts_pl tsi, tsr;
	struct ike_prop chosen;
	uint16_t keybits, err;
	bool esn;
	struct child_sa *c = NULL;
	uint32_t spi_in = sa->req.spi_in, stale;

	if (sa->state != IKE_S_AUTH_SENT || peer == NULL)
		return;
	err = error_notify(pl);
	r_idr = find(pl, IKE_PL_IDR);
	r_auth = find(pl, IKE_PL_AUTH);
	if (r_idr == NULL || r_auth == NULL ||
	    ike_id_parse(r_idr->body, r_idr->len, &idr) != IKE_OK ||
	    ike_auth_parse(r_auth->body, r_auth->len, &auth) != IKE_OK) {
		ike_sa_kill(sa, err != 0 ? ike_notify_name(err) :
		    "IKE_AUTH response without IDr/AUTH");
		return;
	}
	if (!ike_id_matches(&peer->remote_id, &idr) || auth.method != 2 ||
	    psk_auth(sa, false, idr.body, idr.body_len, want, &want_len) != 0 ||
	    auth.len != want_len || !ike_auth_equal(auth.data, want, want_len)) {
		explicit_bzero(want, sizeof(want));
		/* RFC 7296 2.21.2: an error the initiator finds goes back in
		 * a separate INFORMATIONAL; the responder has established the
		 * IKE SA and installed its CHILD SA */
		{
			uint8_t inner[16];
			struct ike_w w;

			ike_w_init(&w, inner, sizeof(inner));
			ike_w_notify(&w, 0, NULL, 0, IKE_N_AUTHENTICATION_FAILED,
			    NULL, 0);
			(void)ike_send_protected(sa, INFORMATIONAL, false,
			    sa->next_req_id++, inner, w.len, w.first);
		}
		ike_sa_kill(sa, "authentication of the peer failed");
		return;
	}
	explicit_bzero(want, sizeof(want));
	r_sa = find(pl, IKE_PL_SA);
	r_tsi = find(pl, IKE_PL_TSI);
	r_tsr = find(pl, IKE_PL_TSR);
	if (r_sa != NULL && r_tsi != NULL && r_tsr != NULL &&
	    ike_sa_parse(r_sa->body, r_sa->len, &got) == IKE_OK && got.n == 1 &&
	    got.p[0].spi_size == 4 &&
	    ike_child_choose(peer, &got, &chosen, &keybits, &esn) == 0 &&
	    ike_ts_parse(r_tsi->body, r_tsi->len, &tsi) == IKE_OK &&
	    ike_ts_parse(r_tsr->body, r_tsr->len, &tsr) == IKE_OK) {
		uint32_t spi_out = ike_be32(chosen.spi);

		c = ike_child_by_spi_in(sa, spi_in);
		if (c != NULL && (c->keybits != keybits || c->esn != esn)) {
			/* the peer chose another of our proposals */
			ike_child_remove(sa, c, false);
			c = NULL;
		}
		if (c == NULL)
			c = ike_child_install(sa, spi_in, spi_out, keybits, esn, true,
			    sa->ni, sa->ni_len, sa->nr, sa->nr_len, tsi.ts, tsi.n,
			    tsr.ts, tsr.n);
		if (c != NULL) {
			c->spi_out = spi_out;
			memcpy(c->ts_local, tsi.ts, tsi.n * sizeof(tsi.ts[0]));
			memcpy(c->ts_remote, tsr.ts, tsr.n * sizeof(tsr.ts[0]));
			c->n_ts_local = tsi.n;
			c->n_ts_remote = tsr.n;
		}
	}
	/* installed ahead, refused by the peer: off the card */
	{
		struct child_sa *pre = ike_child_by_spi_in(sa, spi_in);

		if (c == NULL && pre != NULL)
			ike_child_remove(sa, pre, false);
	}
	stale = sa->stale_after_auth;
	established(sa);
	ike_sa_log(sa, LOG_NOTICE, "IKE SA established (initiator, %s%s)",
	    ike_nat(sa) ? "NAT-T, " : "",
	    c != NULL ? "CHILD SA installed" :
	    err != 0 ? ike_notify_name(err) : "no CHILD SA");
	if (sa->initial_contact)
		initial_contact(sa);
	if (c != NULL && sa->e->ops.child_up != NULL)
		sa->e->ops.child_up(sa->e->ops.ctx, (const struct sockaddr *)&sa->remote);
	if (c == NULL && err == 0)
		ike_work_add(sa, WORK_NEW_CHILD, 0);
	if (stale != 0)
		ike_work_add(sa, WORK_STALE, stale);
	ike_req_done(sa);
}
