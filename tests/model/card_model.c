/*
 * spisync tests -- the golden model of the card (card_model.h), written from
 * docs/datapath.md: parse (parse_ref), SA lookup, anti-replay (replay_ref),
 * AES-GCM through OpenSSL, decapsulation, counters and events.
 *
 * The card runs the replay check twice (before decryption against the state
 * as of the lookup, after it against the committed state). The model handles
 * one frame at a time, so both see the same state; the second check is kept
 * anyway, in its place, so the order of the rules reads as in the spec.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "card_model.h"
#include "esp_decap.h"
#include "gcm_ref.h"
#include "parse_ref.h"
#include "replay_ref.h"

enum {
	ESP_HDR_IV = 16,        /* SPI, seq, IV */
	ESP_TRAILER = 2,        /* pad length, next header */
};

struct sa_slot {
	struct model_sa sa;
	struct replay_ref replay;
	uint64_t packets, bytes, auth_fail, replays;
	bool hard_reported;	/* SA_HARD_EXPIRY raised (once per SA) */
};

/* SPI -> index, sorted by SPI: the duplicate-free tag tables in effect. */
struct spi_ref {
	uint32_t spi;
	uint32_t index;
};

struct card_model {
	struct sa_slot *slots[CARD_MODEL_MAX_SA];
	struct spi_ref *spis;
	size_t n_spis, cap_spis;
	uint64_t counters[SPISYNC_NUM_REASONS];
	uint8_t pt[CARD_MODEL_MAX_FRAME];   /* decrypted ESP payload */
};

/* ---------------------------------------------------------------------
 * SA table
 * ------------------------------------------------------------------- */

struct card_model *
card_model_create(void)
{
	return calloc(1, sizeof(struct card_model));
}

void
card_model_destroy(struct card_model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < CARD_MODEL_MAX_SA; i++)
		free(m->slots[i]);
	free(m->spis);
	free(m);
}

/* Position of spi in the sorted list, or where it would go. */
static size_t
spi_pos(const struct card_model *m, uint32_t spi)
{
	size_t lo = 0, hi = m->n_spis;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->spis[mid].spi < spi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct spi_ref *
spi_find(const struct card_model *m, uint32_t spi)
{
	size_t pos = spi_pos(m, spi);

	if (pos < m->n_spis && m->spis[pos].spi == spi)
		return &m->spis[pos];
	return NULL;
}

static int
spi_insert(struct card_model *m, uint32_t spi, uint32_t index)
{
	size_t pos = spi_pos(m, spi);

	if (m->n_spis == m->cap_spis) {
		size_t cap = m->cap_spis == 0 ? 64 : 2 * m->cap_spis;
		struct spi_ref *p = realloc(m->spis, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		m->spis = p;
		m->cap_spis = cap;
	}
	memmove(&m->spis[pos + 1], &m->spis[pos],
	    (m->n_spis - pos) * sizeof(*m->spis));
	m->spis[pos].spi = spi;
	m->spis[pos].index = index;
	m->n_spis++;
	return 0;
}

static void
spi_remove(struct card_model *m, uint32_t spi)
{
	size_t pos = spi_pos(m, spi);

	if (pos >= m->n_spis || m->spis[pos].spi != spi)
		return;
	memmove(&m->spis[pos], &m->spis[pos + 1],
	    (m->n_spis - pos - 1) * sizeof(*m->spis));
	m->n_spis--;
}

static bool
sa_valid(const struct model_sa *sa)
{
	return (sa->key_len == 16 || sa->key_len == 32) &&
	    (sa->icv_len == 8 || sa->icv_len == 12 || sa->icv_len == 16) &&
	    (sa->mode == SA_MODE_AUTO || sa->mode == SA_MODE_TUNNEL ||
	    sa->mode == SA_MODE_TRANSPORT);
}

int
card_model_sa_set(struct card_model *m, uint32_t index,
    const struct model_sa *sa)
{
	const struct spi_ref *other;
	struct sa_slot *slot;

	if (m == NULL || sa == NULL || index >= CARD_MODEL_MAX_SA ||
	    !sa_valid(sa))
		return -1;
	other = spi_find(m, sa->spi);
	if (other != NULL && other->index != index)
		return -1;
	slot = m->slots[index];
	if (slot == NULL) {
		if ((slot = calloc(1, sizeof(*slot))) == NULL)
			return -1;
	} else {
		spi_remove(m, slot->sa.spi);
	}
	if (spi_insert(m, sa->spi, index) != 0) {
		if (m->slots[index] != NULL)
			spi_insert(m, m->slots[index]->sa.spi, index);
		else
			free(slot);
		return -1;
	}
	/* a new generation: window and per-SA counters restart */
	memset(slot, 0, sizeof(*slot));
	slot->sa = *sa;
	replay_ref_init(&slot->replay);
	m->slots[index] = slot;
	return 0;
}

int
card_model_sa_clear(struct card_model *m, uint32_t index)
{
	if (m == NULL || index >= CARD_MODEL_MAX_SA || m->slots[index] == NULL)
		return -1;
	spi_remove(m, m->slots[index]->sa.spi);
	free(m->slots[index]);
	m->slots[index] = NULL;
	return 0;
}

int
card_model_sa_set_replay_top(struct card_model *m, uint32_t index,
    uint64_t top)
{
	struct sa_slot *slot;

	if (m == NULL || index >= CARD_MODEL_MAX_SA || m->slots[index] == NULL)
		return -1;
	slot = m->slots[index];
	replay_ref_init(&slot->replay);
	if (top != 0)
		replay_ref_update(&slot->replay, top);
	return 0;
}

/* ---------------------------------------------------------------------
 * Events (docs/datapath.md 7; integers little-endian, addresses as on
 * the wire)
 * ------------------------------------------------------------------- */

static void
emit_event(const struct parse_result *p, size_t len, uint8_t type,
    struct model_result *r)
{
	uint8_t *e = r->event_rec;

	memset(e, 0, SPISYNC_EVENT_BYTES);
	e[SPISYNC_EVF_TYPE_OFF] = type;
	e[SPISYNC_EVF_FLAGS_OFF] = (uint8_t)((p->ipv6 ? SPISYNC_EV_FLAG_IPV6 : 0) |
	    (p->udp ? SPISYNC_EV_FLAG_UDP : 0));
	store_le16(e + SPISYNC_EVF_FRAME_LEN_OFF, (uint32_t)len);
	store_le32(e + SPISYNC_EVF_SPI_OFF, p->spi);
	memcpy(e + SPISYNC_EVF_SRC_OFF, p->src, 16);
	memcpy(e + SPISYNC_EVF_DST_OFF, p->dst, 16);
	store_le32(e + SPISYNC_EVF_SEQ_OFF, p->seq);
	if (p->udp) {
		store_le16(e + SPISYNC_EVF_SPORT_OFF, p->sport);
		store_le16(e + SPISYNC_EVF_DPORT_OFF, p->dport);
	}
	store_le16(e + SPISYNC_EVF_SA_INDEX_OFF, SPISYNC_SA_INDEX_NONE);
	store_le16(e + SPISYNC_EVF_RX_SEQ_OFF, r->rx_seq);
	r->event = true;
}

/* An SA event: the SA, and the frame that raised it (TIME_NS 0 here). */
static void
emit_sa_event(const struct parse_result *p, uint8_t type, uint32_t count,
    struct model_result *r)
{
	struct esp_sa_event ev = {
		.type = type, .ipv6 = p->ipv6, .spi = p->spi, .time_ns = 0,
		.src = p->src, .dst = p->dst, .seq = p->seq, .count = count,
		.sa_index = (uint16_t)r->sa_index, .rx_seq = r->rx_seq,
	};

	esp_sa_event_record(&ev, r->sa_event_rec);
	r->sa_event = true;
}

/* ---------------------------------------------------------------------
 * Lookup (step 7)
 * ------------------------------------------------------------------- */

static uint8_t
not_found_reason(const struct parse_result *p)
{
	if (p->udp)
		return p->ipv6 ? SPISYNC_R_SA_NOT_FOUND_NATT_V6 :
		    SPISYNC_R_SA_NOT_FOUND_NATT_V4;
	return p->ipv6 ? SPISYNC_R_SA_NOT_FOUND_V6 : SPISYNC_R_SA_NOT_FOUND_V4;
}

static bool
sa_matches(const struct model_sa *sa, const struct parse_result *p)
{
	if (sa->spi != p->spi || sa->ipv6 != p->ipv6)
		return false;
	if (memcmp(sa->dst, p->dst, p->ipv6 ? 16 : 4) != 0)
		return false;
	if (sa->udp_encap != p->udp)
		return false;
	return !sa->udp_encap || sa->dport == p->dport;
}

/* The index of the SA for this frame, or -1. */
static long
lookup(const struct card_model *m, const struct parse_result *p)
{
	const struct spi_ref *ref = spi_find(m, p->spi);
	const struct sa_slot *slot;

	if (ref == NULL)
		return -1;
	slot = m->slots[ref->index];
	if (slot == NULL || !sa_matches(&slot->sa, p))
		return -1;
	return (long)ref->index;
}

/* ---------------------------------------------------------------------
 * Replay (step 9 and 11)
 * ------------------------------------------------------------------- */

static bool
replay_pass(const struct sa_slot *slot, uint32_t seq, uint64_t *s)
{
	if (!replay_ref_infer(&slot->replay, slot->sa.esn, seq, s))
		return false;
	return replay_ref_check(&slot->replay, *s);
}

/* ---------------------------------------------------------------------
 * Decryption (step 10)
 * ------------------------------------------------------------------- */

struct esp_view {
	const uint8_t *esp;     /* SPI */
	const uint8_t *ct;
	size_t ct_len;
	const uint8_t *icv;
};

static size_t
esp_aad(const struct model_sa *sa, uint32_t seq, uint64_t s, uint8_t aad[12])
{
	store_be32(aad, sa->spi);
	if (!sa->esn) {
		store_be32(aad + 4, seq);
		return 8;
	}
	store_be32(aad + 4, (uint32_t)(s >> 32));
	store_be32(aad + 8, seq);
	return 12;
}

/* 1: authentic (m->pt holds the plaintext), 0: the ICV did not verify. */
static int
esp_decrypt(struct card_model *m, const struct model_sa *sa,
    const struct esp_view *v, uint32_t seq, uint64_t s)
{
	uint8_t nonce[GCM_NONCE_LEN], aad[12];
	size_t aad_len = esp_aad(sa, seq, s, aad);
	int rc;

	memcpy(nonce, sa->salt, 4);
	memcpy(nonce + 4, v->esp + 8, 8);
	rc = gcm_ref_decrypt(sa->key, sa->key_len, nonce, aad, aad_len, v->ct,
	    v->ct_len, v->icv, sa->icv_len, m->pt);
	if (rc < 0) {
		/* The oracle itself broke: no verdict can be trusted. */
		fprintf(stderr, "card_model: OpenSSL error in GCM decrypt\n");
		abort();
	}
	return rc;
}

/* ---------------------------------------------------------------------
 * Trailer and decapsulation (steps 13-16, section 5: esp_decap.c)
 * ------------------------------------------------------------------- */

/* Steps 13-16 on an authentic, fresh, unexpired frame. */
static uint8_t
deliver(struct card_model *m, struct sa_slot *slot, const uint8_t *frame,
    const struct parse_result *p, size_t ct_len, struct model_result *r)
{
	const uint8_t *pt = m->pt;
	uint8_t nh, outcome;
	bool tunnel;
	size_t il, hl;

	outcome = esp_trailer_verdict(pt, ct_len, slot->sa.mode, &tunnel, &il,
	    &nh);
	if (outcome != SPISYNC_R_DECRYPTED)
		return outcome;
	hl = esp_decap_header(frame, p->vlan, p->ipv6, p->l2_len,
	    p->l3_hdr_len, il, nh, tunnel, r->out);
	memcpy(r->out + hl, pt, il);
	r->out_len = hl + il;
	slot->packets++;
	slot->bytes += ct_len;
	return SPISYNC_R_DECRYPTED;
}

static bool
lifetime_exceeded(const struct sa_slot *slot, size_t ct_len)
{
	const struct model_sa *sa = &slot->sa;

	if (sa->hard_packets != 0 && slot->packets + 1 > sa->hard_packets)
		return true;
	return sa->hard_bytes != 0 && slot->bytes + ct_len > sa->hard_bytes;
}

/* Steps 8-16 for a frame whose SA was found. */
static uint8_t
esp_process(struct card_model *m, struct sa_slot *slot, const uint8_t *frame,
    const struct parse_result *p, struct model_result *r)
{
	const struct model_sa *sa = &slot->sa;
	struct esp_view v;
	uint64_t s, s_again;

	if (p->esp_len < ESP_HDR_IV + sa->icv_len + ESP_TRAILER)
		return SPISYNC_R_MALFORMED;
	if (!replay_pass(slot, p->seq, &s)) {
		slot->replays++;
		return SPISYNC_R_REPLAY;
	}
	v.esp = frame + p->esp_off;
	v.ct = v.esp + ESP_HDR_IV;
	v.ct_len = p->esp_len - ESP_HDR_IV - sa->icv_len;
	v.icv = v.ct + v.ct_len;
	if (esp_decrypt(m, sa, &v, p->seq, s) != 1) {
		slot->auth_fail++;
		return SPISYNC_R_AUTH_FAIL;
	}
	if (!replay_pass(slot, p->seq, &s_again) || s_again != s) {
		slot->replays++;
		return SPISYNC_R_REPLAY;
	}
	if (lifetime_exceeded(slot, v.ct_len)) {
		if (!slot->hard_reported) {
			slot->hard_reported = true;
			emit_sa_event(p, SPISYNC_EV_SA_HARD_EXPIRY, 0, r);
		}
		return SPISYNC_R_SA_EXPIRED;
	}
	/* authentic and fresh: the window moves whatever the trailer says */
	replay_ref_update(&slot->replay, s);
	return deliver(m, slot, frame, p, v.ct_len, r);
}

/* ---------------------------------------------------------------------
 * One frame
 * ------------------------------------------------------------------- */

static uint8_t
classify(struct card_model *m, const uint8_t *frame, size_t len, bool mac_err,
    struct model_result *r)
{
	struct parse_result p;
	long index;

	parse_ref(frame, len, mac_err, &p);
	if (p.cls == PARSE_DECIDED) {
		if (p.reason == SPISYNC_R_SPI_RESERVED)
			emit_event(&p, len, SPISYNC_EV_SPI_RESERVED, r);
		return p.reason;
	}
	index = lookup(m, &p);
	if (index < 0) {
		emit_event(&p, len, SPISYNC_EV_SA_MISS, r);
		return not_found_reason(&p);
	}
	r->sa_index = (uint32_t)index;
	return esp_process(m, m->slots[index], frame, &p, r);
}

void
card_model_frame(struct card_model *m, const uint8_t *frame, size_t len,
    bool mac_err, struct model_result *r)
{
	uint8_t outcome;

	r->outcome = SPISYNC_R_MALFORMED;
	r->sa_index = SPISYNC_SA_INDEX_NONE;
	r->out_len = 0;
	r->event = false;
	memset(r->event_rec, 0, sizeof(r->event_rec));
	r->sa_event = false;
	memset(r->sa_event_rec, 0, sizeof(r->sa_event_rec));
	r->rx_seq = 0;
	if (m == NULL || frame == NULL || len == 0 ||
	    len > CARD_MODEL_MAX_FRAME)
		return;
	r->rx_seq = (uint16_t)m->counters[SPISYNC_R_RX_PACKETS];
	m->counters[SPISYNC_R_RX_PACKETS]++;
	outcome = classify(m, frame, len, mac_err, r);
	r->outcome = outcome;
	m->counters[outcome]++;
	/* everything delivered but a decrypted frame goes out byte for byte */
	if (spisync_reason_kind[outcome] == SPISYNC_REASON_DELIVER &&
	    outcome != SPISYNC_R_DECRYPTED) {
		memcpy(r->out, frame, len);
		r->out_len = len;
	}
}

void
card_model_counters(const struct card_model *m,
    uint64_t counters[SPISYNC_NUM_REASONS])
{
	memcpy(counters, m->counters, sizeof(m->counters));
}

void
card_model_sa_stats(const struct card_model *m, uint32_t index,
    uint64_t *packets, uint64_t *bytes, uint64_t *auth_fail, uint64_t *replay)
{
	const struct sa_slot *slot = NULL;

	if (index < CARD_MODEL_MAX_SA)
		slot = m->slots[index];
	*packets = slot != NULL ? slot->packets : 0;
	*bytes = slot != NULL ? slot->bytes : 0;
	*auth_fail = slot != NULL ? slot->auth_fail : 0;
	*replay = slot != NULL ? slot->replays : 0;
}
