/*
 * spisyncd -- rekeying the IKE SA (RFC 7296 1.3.2, 2.18): CREATE_CHILD_SA
 * with an IKE proposal, as responder and as initiator. The new IKE SA gets
 * fresh SPIs and keys from SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr);
 * the CHILD SAs move to it untouched (their inbound SAs stay on the card);
 * the old IKE SA is deleted by the exchange's initiator.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "ike_sa.h"

static const uint8_t zero_spi[8];

/* The new IKE SA takes over from old: its CHILD SAs, addresses, peer. */
static struct ike_sa *successor(struct ike_sa *old, bool initiator,
    const uint8_t spi_i[8], const uint8_t spi_r[8],
    const struct sd_ike_proposal *prop)
{
	struct ike_engine *e = old->e;
	struct ike_sa *n;

	if (old->peer == NULL)
		return NULL;
	n = ike_sa_create(e, old->peer, initiator,
	    (const struct sockaddr *)&old->local,
	    (const struct sockaddr *)&old->remote);
	if (n == NULL)
		return NULL;
	memcpy(n->spi_i, spi_i, 8);
	memcpy(n->spi_r, spi_r, 8);
	n->prop = *prop;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	return n;
}

static void take_over(struct ike_sa *n, struct ike_sa *old)
{
	struct ike_engine *e = n->e;

	n->children = old->children;
	old->children = NULL;
	n->state = IKE_S_ESTABLISHED;
	n->established_ms = e->now_ms;
	n->established_wall_s = (int64_t)time(NULL);
	n->last_rx_ms = e->now_ms;
	n->last_rekey_ms = e->now_ms;
	n->have_keys = true;
	n->ike_rekey_ms = ike_rekey_due(n);
	/* only the IKE_AUTH exchange needed these */
	explicit_bzero(n->keys.sk_pi, sizeof(n->keys.sk_pi));
	explicit_bzero(n->keys.sk_pr, sizeof(n->keys.sk_pr));
	e->stats.ike_established++;
}

void ike_xrekey_request_in(struct ike_sa *sa, const struct ike_hdr *h,
    const struct ike_payloads *pl, const struct ike_sa_pl *offered)
{
	const struct sd_peer *peer = sa->peer;
	const struct ike_pl_ref *r_ni, *r_ke;
	struct ike_ke_pl ke;
	struct sd_ike_proposal chosen;
	struct ike_sa_pl resp;
	struct ike_sa *n;
	uint8_t num, spi_r[8], nr[IKE_NONCE_LEN], pub[256], gir[256];
	uint8_t inner[IKE_MSG_MAX];
	size_t gir_len = sizeof(gir), i;
	struct ike_dh *dh = NULL;
	struct ike_w w;
	int rc;

	r_ni = ike_payload_find(pl, IKE_PL_NONCE, 0);
	r_ke = ike_payload_find(pl, IKE_PL_KE, 0);
	if (peer == NULL || r_ni == NULL || r_ke == NULL ||
	    ike_ke_parse(r_ke->body, r_ke->len, &ke) != IKE_OK) {
		ike_respond_error(sa, h, IKE_N_INVALID_SYNTAX);
		return;
	}
	if (ike_choose_ike(peer, offered, ke.group, &num, &chosen) != 0) {
		uint8_t g[2];

		if (ike_choose_ike(peer, offered, 0, &num, &chosen) != 0) {
			ike_respond_error(sa, h, IKE_N_NO_PROPOSAL_CHOSEN);
			return;
		}
		g[0] = (uint8_t)(chosen.dh >> 8);
		g[1] = (uint8_t)chosen.dh;
		ike_w_init(&w, inner, sizeof(inner));
		ike_w_notify(&w, 0, NULL, 0, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		(void)ike_send_protected(sa, h->exchange, true, h->msg_id, inner,
		    w.len, w.first);
		return;
	}
	for (i = 0; i < offered->n; i++)
		if (offered->p[i].num == num)
			break;
	if (i == offered->n || offered->p[i].spi_size != 8 ||
	    memcmp(offered->p[i].spi, zero_spi, 8) == 0) {
		ike_respond_error(sa, h, IKE_N_INVALID_SYNTAX);
		return;
	}
	do {
		if (ike_random(spi_r, 8) != 0) {
			ike_respond_error(sa, h, IKE_N_TEMPORARY_FAILURE);
			return;
		}
	} while (memcmp(spi_r, zero_spi, 8) == 0);
	n = successor(sa, false, offered->p[i].spi, spi_r, &chosen);
	if (n == NULL) {
		ike_respond_error(sa, h, IKE_N_TEMPORARY_FAILURE);
		return;
	}
	rc = ike_random(nr, sizeof(nr));
	if (rc == 0)
		rc = ike_dh_new(chosen.dh, &dh);
	if (rc == 0)
		rc = ike_dh_public(dh, pub, ike_dh_pub_len(chosen.dh));
	if (rc == 0)
		rc = ike_dh_shared(dh, ke.data, ke.len, gir, &gir_len);
	if (rc == 0)
		rc = ike_derive_rekey_keys(sa->prop.prf, sa->keys.sk_d,
		    sa->keys.prf_len, chosen.prf, chosen.encr_keybits, r_ni->body,
		    r_ni->len, nr, sizeof(nr), gir, gir_len, n->spi_i, n->spi_r,
		    &n->keys);
	explicit_bzero(gir, sizeof(gir));
	if (dh != NULL)
		ike_dh_free(dh);
	if (rc != 0) {
		explicit_bzero(nr, sizeof(nr));
		ike_sa_kill(n, "IKE SA rekey: invalid KE or key derivation failed");
		ike_respond_error(sa, h, rc == -EINVAL ? IKE_N_INVALID_SYNTAX :
		    IKE_N_TEMPORARY_FAILURE);
		return;
	}
	ike_w_init(&w, inner, sizeof(inner));
	memset(&resp, 0, sizeof(resp));
	ike_prop_fill(&resp.p[0], num, &chosen);
	resp.p[0].spi_size = 8;
	memcpy(resp.p[0].spi, spi_r, 8);
	resp.n = 1;
	ike_w_sa(&w, &resp);
	ike_w_nonce(&w, nr, sizeof(nr));
	ike_w_ke(&w, chosen.dh, pub, ike_dh_pub_len(chosen.dh));
	explicit_bzero(nr, sizeof(nr));
	if (w.err) {
		ike_sa_kill(n, "IKE SA rekey response too long");
		ike_respond_error(sa, h, IKE_N_TEMPORARY_FAILURE);
		return;
	}
	(void)ike_send_protected(sa, CREATE_CHILD_SA, true, h->msg_id, inner,
	    w.len, w.first);
	take_over(n, sa);
	ike_sa_log(n, LOG_NOTICE, "IKE SA rekeyed by the peer (was %016llx:%016llx)",
	    (unsigned long long)ike_spi64(sa->spi_i),
	    (unsigned long long)ike_spi64(sa->spi_r));
	/* the old one stays until the peer deletes it, without work of its
	 * own: what it still had to do moves too */
	memcpy(n->work, sa->work, sizeof(sa->work));
	n->n_work = sa->n_work;
	sa->n_work = 0;
}

int ike_xrekey_start(struct ike_sa *sa)
{
	const struct sd_peer *peer = sa->peer;
	uint8_t inner[IKE_MSG_MAX], pub[256];
	struct ike_sa_pl offer;
	struct ike_w w;
	uint16_t group;
	size_t i;
	int rc;

	if (peer == NULL || peer->n_ike == 0)
		return -EINVAL;
	do {
		if (ike_random(sa->req.new_spi, 8) != 0)
			return -EIO;
	} while (memcmp(sa->req.new_spi, zero_spi, 8) == 0);
	if (ike_random(sa->req.ni, sizeof(sa->req.ni)) != 0)
		return -EIO;
	/* the group of the current IKE SA if we still offer it */
	group = peer->ike[0].dh;
	for (i = 0; i < peer->n_ike; i++)
		if (peer->ike[i].dh == sa->prop.dh)
			group = sa->prop.dh;
	if (sa->req.dh != NULL)
		ike_dh_free(sa->req.dh);
	sa->req.dh = NULL;
	if (ike_dh_new(group, &sa->req.dh) != 0 ||
	    ike_dh_public(sa->req.dh, pub, ike_dh_pub_len(group)) != 0)
		return -EIO;
	memset(&offer, 0, sizeof(offer));
	for (i = 0; i < peer->n_ike && i < IKE_MAX_PROPS; i++) {
		ike_prop_fill(&offer.p[i], (uint8_t)(i + 1), &peer->ike[i]);
		offer.p[i].spi_size = 8;
		memcpy(offer.p[i].spi, sa->req.new_spi, 8);
	}
	offer.n = i;
	ike_w_init(&w, inner, sizeof(inner));
	ike_w_sa(&w, &offer);
	ike_w_nonce(&w, sa->req.ni, sizeof(sa->req.ni));
	ike_w_ke(&w, group, pub, ike_dh_pub_len(group));
	if (w.err)
		return -EMSGSIZE;
	rc = ike_send_protected(sa, CREATE_CHILD_SA, false, sa->next_req_id++,
	    inner, w.len, w.first);
	sa->req.kind = WORK_REKEY_IKE;
	ike_sa_log(sa, LOG_INFO, "rekeying the IKE SA");
	return rc;
}

void ike_xrekey_response_in(struct ike_sa *sa, const struct ike_payloads *pl)
{
	const struct sd_peer *peer = sa->peer;
	const struct ike_pl_ref *r_sa, *r_nr, *r_ke;
	struct sd_ike_proposal chosen;
	struct ike_sa_pl got;
	struct ike_ke_pl ke;
	struct ike_sa *n = NULL;
	uint8_t num, gir[256];
	size_t gir_len = sizeof(gir);
	int rc = -EINVAL;

	r_sa = ike_payload_find(pl, IKE_PL_SA, 0);
	r_nr = ike_payload_find(pl, IKE_PL_NONCE, 0);
	r_ke = ike_payload_find(pl, IKE_PL_KE, 0);
	if (peer != NULL && r_sa != NULL && r_nr != NULL && r_ke != NULL &&
	    ike_sa_parse(r_sa->body, r_sa->len, &got) == IKE_OK && got.n == 1 &&
	    got.p[0].spi_size == 8 && memcmp(got.p[0].spi, zero_spi, 8) != 0 &&
	    ike_ke_parse(r_ke->body, r_ke->len, &ke) == IKE_OK &&
	    ike_nonce_check(r_nr->len) == IKE_OK &&
	    ike_choose_ike(peer, &got, ke.group, &num, &chosen) == 0 &&
	    sa->req.dh != NULL) {
		n = successor(sa, true, sa->req.new_spi, got.p[0].spi, &chosen);
		if (n != NULL) {
			rc = ike_dh_shared(sa->req.dh, ke.data, ke.len, gir, &gir_len);
			if (rc == 0)
				rc = ike_derive_rekey_keys(sa->prop.prf, sa->keys.sk_d,
				    sa->keys.prf_len, chosen.prf, chosen.encr_keybits,
				    sa->req.ni, sizeof(sa->req.ni), r_nr->body, r_nr->len,
				    gir, gir_len, n->spi_i, n->spi_r, &n->keys);
			explicit_bzero(gir, sizeof(gir));
		}
	}
	ike_dh_free(sa->req.dh);
	sa->req.dh = NULL;
	if (rc != 0) {
		if (n != NULL)
			ike_sa_kill(n, "IKE SA rekey failed");
		ike_sa_log(sa, LOG_WARNING, "IKE SA rekey refused or invalid; "
		    "trying again later");
		sa->ike_rekey_ms = sa->e->now_ms + 60000;
		ike_req_done(sa);
		return;
	}
	take_over(n, sa);
	ike_sa_log(n, LOG_NOTICE, "IKE SA rekeyed (was %016llx:%016llx)",
	    (unsigned long long)ike_spi64(sa->spi_i),
	    (unsigned long long)ike_spi64(sa->spi_r));
	memcpy(n->work, sa->work, sizeof(sa->work));
	n->n_work = sa->n_work;
	sa->n_work = 0;
	ike_req_done(sa);
	/* the old one: deleted by us, the rekey's initiator */
	ike_work_add(sa, WORK_DELETE_IKE, 0);
	ike_run_work(sa);
}
