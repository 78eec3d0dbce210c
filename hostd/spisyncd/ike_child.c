/*
 * spisyncd -- CHILD SAs: ESP proposals, traffic selector narrowing, and
 * the card: every inbound SA the engine negotiates is installed here, and
 * removed here. The keys exist on the host only between derivation and the
 * mailbox write (ike_child_install cleanses them before it returns).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "ike_sa.h"

bool ike_prop_has(const struct ike_prop *p, uint8_t type, uint16_t id,
    uint16_t keylen)
{
	size_t i;

	for (i = 0; i < p->nx; i++)
		if (p->x[i].type == type && p->x[i].id == id &&
		    (type != IKE_TT_ENCR || p->x[i].keylen == keylen))
			return true;
	return false;
}

static bool has_type(const struct ike_prop *p, uint8_t type)
{
	size_t i;

	for (i = 0; i < p->nx; i++)
		if (p->x[i].type == type)
			return true;
	return false;
}

/* integrity (other than NONE) or a DH group (PFS) we do not do */
static bool acceptable_extras(const struct ike_prop *p)
{
	size_t i;

	for (i = 0; i < p->nx; i++) {
		if ((p->x[i].type == IKE_TT_INTEG || p->x[i].type == IKE_TT_DH) &&
		    p->x[i].id != 0)
			return false;
	}
	return true;
}

int ike_child_choose(const struct sd_peer *peer, const struct ike_sa_pl *sa,
    struct ike_prop *chosen, uint16_t *keybits, bool *esn)
{
	size_t i, j;

	for (i = 0; i < sa->n; i++) {
		const struct ike_prop *p = &sa->p[i];

		if (p->proto != IKE_PROTO_ESP || p->spi_size != 4 ||
		    !acceptable_extras(p))
			continue;
		for (j = 0; j < peer->n_esp; j++) {
			const struct sd_esp_proposal *c = &peer->esp[j];
			bool use_esn;

			if (!ike_prop_has(p, IKE_TT_ENCR, SD_ENCR_AES_GCM_16,
			    c->encr_keybits))
				continue;
			/* no ESN transform at all: the peer means "no ESN" */
			if (c->esn_yes && ike_prop_has(p, IKE_TT_ESN, SD_ESN_YES, 0))
				use_esn = true;
			else if (c->esn_no && (ike_prop_has(p, IKE_TT_ESN, SD_ESN_NO, 0) ||
			    !has_type(p, IKE_TT_ESN)))
				use_esn = false;
			else
				continue;
			memset(chosen, 0, sizeof(*chosen));
			chosen->num = p->num;
			chosen->proto = IKE_PROTO_ESP;
			chosen->spi_size = 4;
			memcpy(chosen->spi, p->spi, 4);
			chosen->x[0].type = IKE_TT_ENCR;
			chosen->x[0].id = SD_ENCR_AES_GCM_16;
			chosen->x[0].keylen = c->encr_keybits;
			chosen->x[1].type = IKE_TT_ESN;
			chosen->x[1].id = use_esn ? SD_ESN_YES : SD_ESN_NO;
			chosen->nx = 2;
			*keybits = c->encr_keybits;
			*esn = use_esn;
			return 0;
		}
	}
	return -1;
}

void ike_w_chosen_esp(struct ike_w *w, const struct ike_prop *chosen,
    uint32_t spi_in)
{
	struct ike_sa_pl sa;

	memset(&sa, 0, sizeof(sa));
	sa.p[0] = *chosen;
	sa.p[0].spi_size = 4;
	ike_put_be32(sa.p[0].spi, spi_in);
	sa.n = 1;
	ike_w_sa(w, &sa);
}

void ike_child_offer(const struct sd_peer *peer, uint32_t spi_in,
    struct ike_sa_pl *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < peer->n_esp && i < IKE_MAX_PROPS; i++) {
		const struct sd_esp_proposal *c = &peer->esp[i];
		struct ike_prop *p = &out->p[i];

		p->num = (uint8_t)(i + 1);
		p->proto = IKE_PROTO_ESP;
		p->spi_size = 4;
		ike_put_be32(p->spi, spi_in);
		p->x[0].type = IKE_TT_ENCR;
		p->x[0].id = SD_ENCR_AES_GCM_16;
		p->x[0].keylen = c->encr_keybits;
		p->nx = 1;
		if (c->esn_yes) {
			p->x[p->nx].type = IKE_TT_ESN;
			p->x[p->nx].id = SD_ESN_YES;
			p->nx++;
		}
		if (c->esn_no || !c->esn_yes) {
			p->x[p->nx].type = IKE_TT_ESN;
			p->x[p->nx].id = SD_ESN_NO;
			p->nx++;
		}
	}
	out->n = i;
}

/* ---- traffic selectors ---------------------------------------------------- */

static size_t ts_alen(uint8_t type)
{
	return type == 8 ? 16 : 4;
}

void ike_ts_from_cfg(const struct sd_ts *ts, size_t n, struct ike_ts *out,
    size_t *n_out)
{
	size_t i;

	for (i = 0; i < n && i < IKE_MAX_TS; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].type = ts[i].ipv6 ? 8 : 7;
		out[i].proto = ts[i].proto;
		out[i].port_lo = ts[i].port_lo;
		out[i].port_hi = ts[i].port_hi;
		memcpy(out[i].start, ts[i].start, 16);
		memcpy(out[i].end, ts[i].end, 16);
	}
	*n_out = i;
}

/* Intersection of one offered selector with one of ours: 0, or -1 empty. */
static int ts_intersect(const struct ike_ts *a, const struct sd_ts *b,
    struct ike_ts *out)
{
	size_t alen = ts_alen(a->type);

	if ((a->type == 8) != b->ipv6)
		return -1;
	if (a->proto != 0 && b->proto != 0 && a->proto != b->proto)
		return -1;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->proto = a->proto != 0 ? a->proto : b->proto;
	out->port_lo = a->port_lo > b->port_lo ? a->port_lo : b->port_lo;
	out->port_hi = a->port_hi < b->port_hi ? a->port_hi : b->port_hi;
	if (out->port_lo > out->port_hi)
		return -1;
	/* big-endian byte strings compare like the numbers they are */
	memcpy(out->start, memcmp(a->start, b->start, alen) > 0 ? a->start :
	    b->start, alen);
	memcpy(out->end, memcmp(a->end, b->end, alen) < 0 ? a->end : b->end,
	    alen);
	if (memcmp(out->start, out->end, alen) > 0)
		return -1;
	return 0;
}

int ike_ts_narrow(const struct ike_ts_pl *offered, const struct sd_ts *ours,
    size_t n_ours, struct ike_ts *out, size_t *n_out)
{
	size_t i, j, n = 0;

	for (i = 0; i < offered->n; i++)
		for (j = 0; j < n_ours && n < IKE_MAX_TS; j++)
			if (ts_intersect(&offered->ts[i], &ours[j], &out[n]) == 0)
				n++;
	*n_out = n;
	return n > 0 ? 0 : -1;
}

/* ---- the card ------------------------------------------------------------- */

static bool spi_used(const struct ike_engine *e, uint32_t spi)
{
	const struct ike_sa *sa;
	const struct child_sa *c;

	for (sa = e->sas; sa != NULL; sa = sa->next) {
		if (sa->req.active && sa->req.spi_in == spi)
			return true;
		for (c = sa->children; c != NULL; c = c->next)
			if (c->spi_in == spi)
				return true;
	}
	return false;
}

uint32_t ike_child_new_spi(struct ike_engine *e)
{
	uint8_t b[4];
	uint32_t spi;

	for (;;) {
		if (ike_random(b, sizeof(b)) != 0)
			continue;
		spi = ike_be32(b);
		/* 0..255 are reserved (RFC 4303 2.1); the whole rest is ours */
		if (spi >= 256 && !spi_used(e, spi))
			return spi;
	}
}

struct child_sa *ike_child_install(struct ike_sa *sa, uint32_t spi_in,
    uint32_t spi_out, uint16_t keybits, bool esn, bool we_initiated,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const struct ike_ts *ts_local, size_t n_local,
    const struct ike_ts *ts_remote, size_t n_remote)
{
	struct ike_engine *e = sa->e;
	struct ike_child_keys keys;
	struct spisync_sa card;
	struct child_sa *c;
	uint32_t index = 0;
	int rc;

	/* spi_out 0: not known yet (ike_xauth_start installs before it asks) */
	if (sa->peer == NULL || (spi_out != 0 && spi_out < 256))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (ike_derive_child_keys(sa->prop.prf, sa->keys.sk_d, sa->keys.prf_len,
	    keybits, NULL, 0, ni, ni_len, nr, nr_len, &keys) != 0) {
		free(c);
		return NULL;
	}
	memset(&card, 0, sizeof(card));
	card.spi = spi_in;
	card.ipv6 = sa->local.ss_family == AF_INET6;
	(void)ike_addr_bytes((const struct sockaddr *)&sa->local, card.dst);
	card.key_len = keys.key_len;
	/* our inbound is the direction toward the exchange's initiator when
	 * we initiated, else the one toward us as responder */
	memcpy(card.key, we_initiated ? keys.key_r2i : keys.key_i2r, keys.key_len);
	memcpy(card.salt, we_initiated ? keys.salt_r2i : keys.salt_i2r, 4);
	ike_child_keys_cleanse(&keys);
	card.icv_len = 16;
	card.esn = esn;
	card.mode = SPISYNC_SA_MODE_TUNNEL;
	card.udp_encap = ike_nat(sa);
	if (card.udp_encap) {
		card.sport = ike_port((const struct sockaddr *)&sa->remote);
		card.dport = ike_port((const struct sockaddr *)&sa->local);
	}
	/* the card deletes an SA we failed to rekey or delete (a daemon that
	 * died): a tenth beyond its lifetime */
	if (sa->peer->child_lifetime_s > 0)
		card.hard_time_s = sa->peer->child_lifetime_s +
		    sa->peer->child_lifetime_s / 10;
	rc = e->ops.sa_add(e->ops.ctx, &card, &index);
	explicit_bzero(&card, sizeof(card));
	if (rc != 0) {
		ike_sa_log(sa, LOG_ERR, "card refused inbound SA 0x%08X (%d)", spi_in,
		    rc);
		free(c);
		return NULL;
	}
	c->state = CHILD_INSTALLED;
	c->spi_in = spi_in;
	c->spi_out = spi_out;
	c->keybits = keybits;
	c->esn = esn;
	c->installed = true;
	c->card_index = index;
	if (n_local > IKE_MAX_TS)
		n_local = IKE_MAX_TS;
	if (n_remote > IKE_MAX_TS)
		n_remote = IKE_MAX_TS;
	memcpy(c->ts_local, ts_local, n_local * sizeof(*ts_local));
	memcpy(c->ts_remote, ts_remote, n_remote * sizeof(*ts_remote));
	c->n_ts_local = n_local;
	c->n_ts_remote = n_remote;
	c->established_ms = e->now_ms;
	c->established_wall_s = (int64_t)time(NULL);
	c->rekey_ms = ike_rekey_at(e, sa->peer->child_lifetime_s,
	    sa->peer->rekey_jitter_s);
	c->next = sa->children;
	sa->children = c;
	e->stats.child_installed++;
	return c;
}

static void card_del(struct ike_sa *sa, struct child_sa *c)
{
	int rc;

	if (!c->installed)
		return;
	rc = sa->e->ops.sa_del(sa->e->ops.ctx, c->card_index);
	if (rc != 0)
		ike_sa_log(sa, LOG_ERR, "card: deleting SA 0x%08X (index %u) failed (%d)",
		    c->spi_in, c->card_index, rc);
	c->installed = false;
	sa->e->stats.child_deleted++;
}

static void unlink_free(struct ike_sa *sa, struct child_sa *c)
{
	struct child_sa **pp;

	for (pp = &sa->children; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c);
}

void ike_child_remove(struct ike_sa *sa, struct child_sa *c, bool linger)
{
	if (linger) {
		c->state = CHILD_LINGER;
		c->linger_ms = sa->e->now_ms + IKE_LINGER_MS;
		c->rekey_ms = 0;
		return;
	}
	card_del(sa, c);
	unlink_free(sa, c);
}

struct child_sa *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	struct child_sa *c;

	for (c = sa->children; c != NULL; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

struct child_sa *ike_child_by_spi_in(struct ike_sa *sa, uint32_t spi)
{
	struct child_sa *c;

	for (c = sa->children; c != NULL; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

void ike_child_tick(struct ike_sa *sa, uint64_t now_ms)
{
	struct child_sa *c, *next;

	for (c = sa->children; c != NULL; c = next) {
		next = c->next;
		if (c->state == CHILD_LINGER && now_ms >= c->linger_ms) {
			card_del(sa, c);
			unlink_free(sa, c);
		} else if (c->state == CHILD_INSTALLED && c->rekey_ms != 0 &&
		    now_ms >= c->rekey_ms) {
			c->rekey_ms = 0;
			ike_work_add(sa, WORK_REKEY_CHILD, c->spi_in);
		}
	}
}

void ike_children_free(struct ike_sa *sa)
{
	while (sa->children != NULL) {
		struct child_sa *c = sa->children;

		card_del(sa, c);
		sa->children = c->next;
		free(c);
	}
}

/* ---- identities ------------------------------------------------------------- */

size_t ike_id_body(const struct sd_id *id, uint8_t *out, size_t cap)
{
	if (id->len == 0 || id->len + 4 > cap)
		return 0;
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return id->len + 4;
}

bool ike_id_matches(const struct sd_id *want, const struct ike_id_pl *got)
{
	return got->type == want->type && got->len == want->len &&
	    memcmp(got->data, want->data, want->len) == 0;
}
