/*
 * spisyncd -- INFORMATIONAL exchanges (RFC 7296 1.4, 1.5, 2.4, 3.11):
 * DELETE of CHILD SAs and of the IKE SA, INVALID_SPI, liveness checks.
 *
 * The stale-SPI report (WORK_STALE) is what makes a peer that keeps
 * sending on an SA we lost drop it: a DELETE naming the SPI (strongSwan
 * matches it against its outbound SPIs) and an INVALID_SPI notify with the
 * SPI in the data (SPI size 0, RFC 7296 3.10.1) for peers that act on that.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ike_sa.h"

/* The peer deleted these SPIs (its inbound ones = our outbound): remove
 * the CHILD SAs; our inbound SPIs of them into out[] for the answer. */
static size_t delete_children(struct ike_sa *sa, const struct ike_delete_pl *d,
    uint32_t *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < d->count; i++) {
		uint32_t spi = ike_be32(d->spis + 4 * i);
		struct child_sa *c = ike_child_by_spi_out(sa, spi);

		if (c == NULL || c->state == CHILD_LINGER)
			continue;
		ike_sa_log(sa, LOG_INFO, "peer deleted CHILD SA in 0x%08X out 0x%08X",
		    c->spi_in, c->spi_out);
		if (n < max)
			out[n++] = c->spi_in;
		ike_child_remove(sa, c, true);
	}
	return n;
}

void ike_xinfo_request_in(struct ike_sa *sa, const struct ike_hdr *h,
    const struct ike_payloads *pl)
{
	uint32_t deleted[64];
	size_t n_deleted = 0, i;
	bool delete_ike = false;
	uint8_t inner[IKE_MSG_MAX];
	struct ike_w w;

	for (i = 0; i < pl->n; i++) {
		const struct ike_pl_ref *r = &pl->pl[i];

		if (r->type == IKE_PL_DELETE) {
			struct ike_delete_pl d;

			if (ike_delete_parse(r->body, r->len, &d) != IKE_OK)
				continue;
			if (d.proto == IKE_PROTO_IKE)
				delete_ike = true;
			else if (d.proto == IKE_PROTO_ESP)
				n_deleted += delete_children(sa, &d,
				    deleted + n_deleted, 64 - n_deleted);
		} else if (r->type == IKE_PL_NOTIFY) {
			struct ike_notify_pl n;
			uint32_t spi;

			if (ike_notify_parse(r->body, r->len, &n) != IKE_OK)
				continue;
			if (n.type == IKE_N_AUTHENTICATION_FAILED) {
				/* the initiator refused our AUTH (2.21.2) */
				ike_sa_log(sa, LOG_WARNING, "peer: AUTHENTICATION_FAILED");
				delete_ike = true;
			} else if (n.type == IKE_N_INVALID_SPI &&
			    ike_notify_invalid_spi(&n, &spi) == IKE_OK)
				ike_sa_log(sa, LOG_WARNING,
				    "peer reports ESP with an invalid SPI 0x%08X", spi);
		}
	}
	ike_w_init(&w, inner, sizeof(inner));
	if (!delete_ike && n_deleted > 0)
		ike_w_delete(&w, IKE_PROTO_ESP, deleted, n_deleted);
	(void)ike_send_protected(sa, INFORMATIONAL, true, h->msg_id, inner, w.len,
	    w.first);
	if (delete_ike)
		ike_sa_kill(sa, "deleted by the peer");
}

int ike_xinfo_start(struct ike_sa *sa, const struct ike_work *work)
{
	uint8_t inner[256], spi[4];
	struct ike_w w;
	uint32_t msg_id;

	ike_w_init(&w, inner, sizeof(inner));
	switch (work->kind) {
	case WORK_STALE:
		ike_w_delete(&w, IKE_PROTO_ESP, &work->spi, 1);
		ike_put_be32(spi, work->spi);
		ike_w_notify(&w, 0, NULL, 0, IKE_N_INVALID_SPI, spi, 4);
		break;
	case WORK_DELETE_CHILD:
		if (ike_child_by_spi_in(sa, work->spi) == NULL)
			return 0;
		ike_w_delete(&w, IKE_PROTO_ESP, &work->spi, 1);
		break;
	case WORK_DELETE_IKE:
		ike_w_delete(&w, IKE_PROTO_IKE, NULL, 0);
		sa->state = IKE_S_DELETING;
		break;
	case WORK_DPD:
		break;
	default:
		return -EINVAL;
	}
	if (w.err)
		return -EMSGSIZE;
	msg_id = sa->next_req_id++;
	sa->req.stale_spi = work->kind == WORK_STALE ? work->spi : 0;
	sa->req.rekey_spi_in = work->kind == WORK_DELETE_CHILD ? work->spi : 0;
	{
		int rc = ike_send_protected(sa, INFORMATIONAL, false, msg_id, inner,
		    w.len, w.first);

		sa->req.kind = work->kind;
		return rc;
	}
}

void ike_xinfo_response_in(struct ike_sa *sa, const struct ike_payloads *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		const struct ike_pl_ref *r = &pl->pl[i];
		struct ike_delete_pl d;
		uint32_t ignored[64];

		if (r->type != IKE_PL_DELETE ||
		    ike_delete_parse(r->body, r->len, &d) != IKE_OK ||
		    d.proto != IKE_PROTO_ESP)
			continue;
		(void)delete_children(sa, &d, ignored, 64);
	}
	switch (sa->req.kind) {
	case WORK_DELETE_CHILD: {
		struct child_sa *c = ike_child_by_spi_in(sa, sa->req.rekey_spi_in);

		if (c != NULL && c->state != CHILD_LINGER)
			ike_child_remove(sa, c, true);
		break;
	}
	case WORK_STALE:
		ike_sa_log(sa, LOG_INFO, "peer acknowledged the stale SPI 0x%08X",
		    sa->req.stale_spi);
		break;
	case WORK_DELETE_IKE:
		ike_req_done(sa);
		ike_sa_kill(sa, "deleted");
		return;
	default:
		break;
	}
	ike_req_done(sa);
}
