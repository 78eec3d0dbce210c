/*
 * spisyncd -- IKEv2 message parsing (RFC 7296 section 3) and the names of
 * exchanges, payloads and notify types.
 *
 * Every input is untrusted: lengths are compared as size_t against what is
 * left (never by forming a pointer past the end), and the result refers into
 * the caller's buffer. Nothing here allocates or keeps state.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike_msg.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

const char *
ike_perr_str(int e)
{
	switch (e) {
	case IKE_OK:         return "ok";
	case IKE_E_SHORT:    return "truncated or inconsistent lengths";
	case IKE_E_VERSION:  return "unsupported major version";
	case IKE_E_SYNTAX:   return "invalid syntax";
	case IKE_E_CRITICAL: return "unsupported critical payload";
	case IKE_E_TOO_MANY: return "too many payloads";
	default:             return "unknown error";
	}
}

const char *
ike_exchange_name(uint8_t x)
{
	switch (x) {
	case IKE_SA_INIT:     return "IKE_SA_INIT";
	case IKE_AUTH:        return "IKE_AUTH";
	case CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case INFORMATIONAL:   return "INFORMATIONAL";
	default:              return "UNKNOWN";
	}
}

const char *
ike_payload_name(uint8_t t)
{
	switch (t) {
	case IKE_PL_NONE:    return "NONE";
	case IKE_PL_SA:      return "SA";
	case IKE_PL_KE:      return "KE";
	case IKE_PL_IDI:     return "IDi";
	case IKE_PL_IDR:     return "IDr";
	case IKE_PL_CERT:    return "CERT";
	case IKE_PL_CERTREQ: return "CERTREQ";
	case IKE_PL_AUTH:    return "AUTH";
	case IKE_PL_NONCE:   return "Nonce";
	case IKE_PL_NOTIFY:  return "Notify";
	case IKE_PL_DELETE:  return "Delete";
	case IKE_PL_VENDOR:  return "Vendor";
	case IKE_PL_TSI:     return "TSi";
	case IKE_PL_TSR:     return "TSr";
	case IKE_PL_SK:      return "SK";
	case IKE_PL_CP:      return "CP";
	case IKE_PL_EAP:     return "EAP";
	case IKE_PL_SKF:     return "SKF";
	default:             return "UNKNOWN";
	}
}

const char *
ike_notify_name(uint16_t type)
{
	switch (type) {
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKE_N_INVALID_IKE_SPI:              return "INVALID_IKE_SPI";
	case IKE_N_INVALID_MAJOR_VERSION:        return "INVALID_MAJOR_VERSION";
	case IKE_N_INVALID_SYNTAX:               return "INVALID_SYNTAX";
	case IKE_N_INVALID_MESSAGE_ID:           return "INVALID_MESSAGE_ID";
	case IKE_N_INVALID_SPI:                  return "INVALID_SPI";
	case IKE_N_NO_PROPOSAL_CHOSEN:           return "NO_PROPOSAL_CHOSEN";
	case IKE_N_INVALID_KE_PAYLOAD:           return "INVALID_KE_PAYLOAD";
	case IKE_N_AUTHENTICATION_FAILED:        return "AUTHENTICATION_FAILED";
	case IKE_N_SINGLE_PAIR_REQUIRED:         return "SINGLE_PAIR_REQUIRED";
	case IKE_N_NO_ADDITIONAL_SAS:            return "NO_ADDITIONAL_SAS";
	case IKE_N_INTERNAL_ADDRESS_FAILURE:     return "INTERNAL_ADDRESS_FAILURE";
	case IKE_N_FAILED_CP_REQUIRED:           return "FAILED_CP_REQUIRED";
	case IKE_N_TS_UNACCEPTABLE:              return "TS_UNACCEPTABLE";
	case IKE_N_INVALID_SELECTORS:            return "INVALID_SELECTORS";
	case IKE_N_TEMPORARY_FAILURE:            return "TEMPORARY_FAILURE";
	case IKE_N_CHILD_SA_NOT_FOUND:           return "CHILD_SA_NOT_FOUND";
	case IKE_N_INITIAL_CONTACT:              return "INITIAL_CONTACT";
	case IKE_N_SET_WINDOW_SIZE:              return "SET_WINDOW_SIZE";
	case IKE_N_ADDITIONAL_TS_POSSIBLE:       return "ADDITIONAL_TS_POSSIBLE";
	case IKE_N_IPCOMP_SUPPORTED:             return "IPCOMP_SUPPORTED";
	case IKE_N_NAT_DETECTION_SOURCE_IP:      return "NAT_DETECTION_SOURCE_IP";
	case IKE_N_NAT_DETECTION_DESTINATION_IP: return "NAT_DETECTION_DESTINATION_IP";
	case IKE_N_COOKIE:                       return "COOKIE";
	case IKE_N_USE_TRANSPORT_MODE:           return "USE_TRANSPORT_MODE";
	case IKE_N_HTTP_CERT_LOOKUP_SUPPORTED:   return "HTTP_CERT_LOOKUP_SUPPORTED";
	case IKE_N_REKEY_SA:                     return "REKEY_SA";
	case IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED: return "ESP_TFC_PADDING_NOT_SUPPORTED";
	case IKE_N_NON_FIRST_FRAGMENTS_ALSO:     return "NON_FIRST_FRAGMENTS_ALSO";
	case IKE_N_MOBIKE_SUPPORTED:             return "MOBIKE_SUPPORTED";
	case IKE_N_FRAGMENTATION_SUPPORTED:      return "FRAGMENTATION_SUPPORTED";
	case IKE_N_SIGNATURE_HASH_ALGORITHMS:    return "SIGNATURE_HASH_ALGORITHMS";
	default:                                 return "UNKNOWN";
	}
}

int
ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h)
{
	if (len < IKE_HDR_LEN)
		return IKE_E_SHORT;
	/* 2.5: the major version decides before anything else is trusted;
	 * a higher minor version is accepted. */
	if ((buf[17] >> 4) != 2)
		return IKE_E_VERSION;
	h->spi_i = get64(buf);
	h->spi_r = get64(buf + 8);
	h->next = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msg_id = get32(buf + 20);
	h->length = get32(buf + 24);
	if (h->length != len)
		return IKE_E_SHORT;
	return IKE_OK;
}

/* Payload types this codec knows; others are skipped or, critical, refused. */
static bool
known_payload(uint8_t t)
{
	return (t >= IKE_PL_SA && t <= IKE_PL_EAP) || t == IKE_PL_SKF;
}

int
ike_payloads_parse(uint8_t first, const uint8_t *buf, size_t len,
    struct ike_payloads *out)
{
	uint8_t type = first;
	size_t off = 0;

	out->n = 0;
	out->crit_type = 0;
	out->sk_next = 0;
	/* off grows by at least 4 per payload, so the chain cannot loop */
	while (type != IKE_PL_NONE) {
		const size_t left = len - off;
		struct ike_pl_ref *r;
		size_t plen;

		if (out->n == IKE_MAX_PAYLOADS)
			return IKE_E_TOO_MANY;
		if (left < IKE_GEN_HDR_LEN)
			return IKE_E_SHORT;
		plen = get16(buf + off + 2);
		if (plen < IKE_GEN_HDR_LEN || plen > left)
			return IKE_E_SHORT;
		if (!known_payload(type) && (buf[off + 1] & 0x80) != 0) {
			out->crit_type = type;
			return IKE_E_CRITICAL;
		}
		r = &out->pl[out->n++];
		r->type = type;
		r->critical = (buf[off + 1] & 0x80) != 0;
		r->body = buf + off + IKE_GEN_HDR_LEN;
		r->len = plen - IKE_GEN_HDR_LEN;
		if (type == IKE_PL_SK || type == IKE_PL_SKF) {
			/* 3.14: the Encrypted payload is the last one; its
			 * next field names the first payload inside it. */
			if (plen != left)
				return IKE_E_SYNTAX;
			out->sk_next = buf[off];
			return IKE_OK;
		}
		type = buf[off];
		off += plen;
	}
	if (off != len)
		return IKE_E_SHORT;
	return IKE_OK;
}

const struct ike_pl_ref *
ike_payload_find(const struct ike_payloads *p, uint8_t type, size_t nth)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->pl[i].type != type)
			continue;
		if (nth == 0)
			return &p->pl[i];
		nth--;
	}
	return NULL;
}

/* Transform attributes (3.3.5): TV (AF bit set, 2-byte value) or TLV.
 * Only KEY_LENGTH, a TV attribute, is kept. */
static int
attrs_parse(const uint8_t *b, size_t len, struct ike_xform *x)
{
	size_t off = 0;

	while (off < len) {
		uint16_t type;

		if (len - off < 4)
			return IKE_E_SHORT;
		type = get16(b + off);
		if (type & 0x8000) {
			if ((type & 0x7fff) == IKE_ATTR_KEY_LENGTH)
				x->keylen = get16(b + off + 2);
			off += 4;
		} else {
			const size_t alen = get16(b + off + 2);

			if (alen > len - off - 4)
				return IKE_E_SHORT;
			off += 4 + alen;
		}
	}
	return IKE_OK;
}

/* The transforms of one proposal fill b[0..len) exactly; nx announced. */
static int
xforms_parse(const uint8_t *b, size_t len, size_t nx, struct ike_prop *p)
{
	size_t off = 0;

	/* more than we have room for: refused as malformed (no real
	 * proposal comes near IKE_MAX_XFORMS) */
	if (nx == 0 || nx > IKE_MAX_XFORMS)
		return IKE_E_SYNTAX;
	for (size_t i = 0; i < nx; i++) {
		struct ike_xform *x = &p->x[i];
		const bool last = i + 1 == nx;
		size_t tlen;
		int rc;

		if (len - off < 8)
			return IKE_E_SHORT;
		/* 3.3.2: 0 last, 3 more */
		if (b[off] != (last ? 0 : 3))
			return IKE_E_SYNTAX;
		tlen = get16(b + off + 2);
		if (tlen < 8 || tlen > len - off)
			return IKE_E_SHORT;
		x->type = b[off + 4];
		x->id = get16(b + off + 6);
		x->keylen = 0;
		rc = attrs_parse(b + off + 8, tlen - 8, x);
		if (rc != IKE_OK)
			return rc;
		off += tlen;
	}
	p->nx = nx;
	if (off != len)
		return IKE_E_SHORT;
	return IKE_OK;
}

int
ike_sa_parse(const uint8_t *b, size_t len, struct ike_sa_pl *out)
{
	size_t off = 0;
	bool more = true;

	out->n = 0;
	if (len == 0)
		return IKE_E_SYNTAX;   /* an SA payload has at least one proposal */
	while (more) {
		struct ike_prop *p;
		size_t plen, nx;
		int rc;

		if (len - off < 8)
			return IKE_E_SHORT;
		/* 3.3.1: 0 last, 2 more; and "last" only at the end */
		if (b[off] != 0 && b[off] != 2)
			return IKE_E_SYNTAX;
		more = b[off] == 2;
		/* too many proposals: refused as malformed */
		if (out->n == IKE_MAX_PROPS)
			return IKE_E_SYNTAX;
		p = &out->p[out->n];
		plen = get16(b + off + 2);
		if (plen < 8 || plen > len - off)
			return IKE_E_SHORT;
		p->num = b[off + 4];
		p->proto = b[off + 5];
		p->spi_size = b[off + 6];
		nx = b[off + 7];
		/* first 1, then +1; a lone proposal in a response keeps the
		 * number it had in the request (3.3.1) */
		if (p->num == 0 || (out->n == 0 && more && p->num != 1) ||
		    (out->n > 0 && p->num != out->p[out->n - 1].num + 1))
			return IKE_E_SYNTAX;
		if (p->spi_size != 0 && p->spi_size != 4 && p->spi_size != 8)
			return IKE_E_SYNTAX;
		if (plen - 8 < p->spi_size)
			return IKE_E_SHORT;
		memset(p->spi, 0, sizeof(p->spi));
		memcpy(p->spi, b + off + 8, p->spi_size);
		rc = xforms_parse(b + off + 8 + p->spi_size, plen - 8 - p->spi_size, nx, p);
		if (rc != IKE_OK)
			return rc;
		out->n++;
		off += plen;
		if (more && off == len)
			return IKE_E_SHORT;
	}
	if (off != len)
		return IKE_E_SYNTAX;   /* bytes after the proposal marked last */
	return IKE_OK;
}

int
ike_ke_parse(const uint8_t *b, size_t len, struct ike_ke_pl *out)
{
	if (len < 4)
		return IKE_E_SHORT;
	if (len == 4)
		return IKE_E_SYNTAX;   /* no key exchange data */
	out->group = get16(b);
	out->data = b + 4;
	out->len = len - 4;
	return IKE_OK;
}

int
ike_nonce_check(size_t len)
{
	return len >= 16 && len <= 256 ? IKE_OK : IKE_E_SYNTAX;
}

int
ike_id_parse(const uint8_t *b, size_t len, struct ike_id_pl *out)
{
	if (len < 4)
		return IKE_E_SHORT;
	if (len == 4)
		return IKE_E_SYNTAX;   /* empty identification */
	out->type = b[0];
	out->data = b + 4;
	out->len = len - 4;
	out->body = b;
	out->body_len = len;
	/* 3.5: addresses have their fixed size */
	if (out->type == 1 && out->len != 4)
		return IKE_E_SYNTAX;
	if (out->type == 5 && out->len != 16)
		return IKE_E_SYNTAX;
	return IKE_OK;
}

int
ike_auth_parse(const uint8_t *b, size_t len, struct ike_auth_pl *out)
{
	if (len < 4)
		return IKE_E_SHORT;
	if (len == 4)
		return IKE_E_SYNTAX;   /* no authentication data */
	out->method = b[0];
	out->data = b + 4;
	out->len = len - 4;
	return IKE_OK;
}

int
ike_notify_parse(const uint8_t *b, size_t len, struct ike_notify_pl *out)
{
	if (len < 4)
		return IKE_E_SHORT;
	out->proto = b[0];
	out->spi_size = b[1];
	out->type = get16(b + 2);
	/* IKE SA: 0 (8 from old senders), ESP/AH: 4 */
	if (out->spi_size != 0 && out->spi_size != 4 && out->spi_size != 8)
		return IKE_E_SYNTAX;
	if (len - 4 < out->spi_size)
		return IKE_E_SHORT;
	out->spi = out->spi_size != 0 ? b + 4 : NULL;
	out->data = b + 4 + out->spi_size;
	out->data_len = len - 4 - out->spi_size;
	return IKE_OK;
}

int
ike_notify_invalid_spi(const struct ike_notify_pl *n, uint32_t *spi)
{
	if (n->type != IKE_N_INVALID_SPI)
		return IKE_E_SYNTAX;
	if (n->spi_size == 0 && n->data_len == 4) {
		*spi = get32(n->data);
		return IKE_OK;
	}
	if (n->spi_size == 4 && n->data_len == 0) {
		*spi = get32(n->spi);
		return IKE_OK;
	}
	return IKE_E_SYNTAX;
}

int
ike_delete_parse(const uint8_t *b, size_t len, struct ike_delete_pl *out)
{
	if (len < 4)
		return IKE_E_SHORT;
	out->proto = b[0];
	out->spi_size = b[1];
	out->count = get16(b + 2);
	out->spis = b + 4;
	switch (out->proto) {
	case IKE_PROTO_IKE:
		/* 3.11: the IKE SA is the one the message is on */
		if (out->spi_size != 0 || out->count != 0)
			return IKE_E_SYNTAX;
		return len == 4 ? IKE_OK : IKE_E_SHORT;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (out->spi_size != 4)
			return IKE_E_SYNTAX;
		return len - 4 == (size_t)out->count * 4 ? IKE_OK : IKE_E_SHORT;
	default:
		return IKE_E_SYNTAX;
	}
}

int
ike_ts_parse(const uint8_t *b, size_t len, struct ike_ts_pl *out)
{
	size_t off = 4, n;

	out->n = 0;
	if (len < 4)
		return IKE_E_SHORT;
	n = b[0];
	if (n == 0 || n > IKE_MAX_TS)
		return IKE_E_SYNTAX;
	for (size_t i = 0; i < n; i++) {
		struct ike_ts *t = &out->ts[i];
		size_t tlen, alen;

		if (len - off < 8)
			return IKE_E_SHORT;
		t->type = b[off];
		t->proto = b[off + 1];
		tlen = get16(b + off + 2);
		if (t->type == IKE_TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (t->type == IKE_TS_IPV6_ADDR_RANGE)
			alen = 16;
		else
			return IKE_E_SYNTAX;
		if (tlen != 8 + 2 * alen)
			return IKE_E_SYNTAX;
		if (tlen > len - off)
			return IKE_E_SHORT;
		t->port_lo = get16(b + off + 4);
		t->port_hi = get16(b + off + 6);
		memset(t->start, 0, sizeof(t->start));
		memset(t->end, 0, sizeof(t->end));
		memcpy(t->start, b + off + 8, alen);
		memcpy(t->end, b + off + 8 + alen, alen);
		off += tlen;
	}
	out->n = n;
	if (off != len)
		return IKE_E_SHORT;
	return IKE_OK;
}
