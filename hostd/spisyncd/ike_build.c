/*
 * spisyncd -- IKEv2 message building (RFC 7296 section 3): a bounded writer
 * over the caller's buffer and one helper per payload the daemon sends.
 *
 * Nothing is written past cap: a put that does not fit (or an argument no
 * valid message can carry) sets w->err and every later put does nothing, so
 * the caller checks once, after ike_w_finish.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike_msg.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

void
ike_hdr_put(uint8_t out[IKE_HDR_LEN], const struct ike_hdr *h)
{
	put64(out, h->spi_i);
	put64(out + 8, h->spi_r);
	out[16] = h->next;
	out[17] = h->version;
	out[18] = h->exchange;
	out[19] = h->flags;
	put32(out + 20, h->msg_id);
	put32(out + 24, h->length);
}

void
ike_w_init(struct ike_w *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = false;
	w->last_hdr = SIZE_MAX;
	w->first = IKE_PL_NONE;
	w->hdr = false;
}

/* Room for n more bytes? Else the writer is spoiled. */
static bool
room(struct ike_w *w, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return false;
	}
	return true;
}

void
ike_w_bytes(struct ike_w *w, const void *p, size_t n)
{
	if (!room(w, n))
		return;
	if (n != 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
ike_w_u8(struct ike_w *w, uint8_t v)
{
	ike_w_bytes(w, &v, 1);
}

void
ike_w_u16(struct ike_w *w, uint16_t v)
{
	uint8_t b[2];

	put16(b, v);
	ike_w_bytes(w, b, sizeof(b));
}

void
ike_w_u32(struct ike_w *w, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	ike_w_bytes(w, b, sizeof(b));
}

void
ike_w_hdr(struct ike_w *w, const struct ike_hdr *h)
{
	struct ike_hdr copy = *h;
	uint8_t b[IKE_HDR_LEN];

	if (w->len != 0) {
		w->err = true;
		return;
	}
	copy.next = IKE_PL_NONE;   /* until a payload follows */
	copy.length = 0;           /* ike_w_finish */
	ike_hdr_put(b, &copy);
	ike_w_bytes(w, b, sizeof(b));
	if (!w->err)
		w->hdr = true;
}

size_t
ike_w_begin(struct ike_w *w, uint8_t type, bool critical)
{
	const size_t off = w->len;
	const uint8_t g[IKE_GEN_HDR_LEN] = { IKE_PL_NONE, critical ? 0x80 : 0, 0, 0 };

	if (!room(w, sizeof(g)))
		return off;
	if (w->last_hdr != SIZE_MAX)
		w->buf[w->last_hdr] = type;
	else if (w->hdr)
		w->buf[16] = type;
	if (w->last_hdr == SIZE_MAX)
		w->first = type;
	ike_w_bytes(w, g, sizeof(g));
	w->last_hdr = off;
	return off;
}

void
ike_w_end(struct ike_w *w, size_t begin_off)
{
	size_t plen;

	if (w->err)
		return;
	if (begin_off > w->len || w->len - begin_off < IKE_GEN_HDR_LEN) {
		w->err = true;
		return;
	}
	plen = w->len - begin_off;
	if (plen > UINT16_MAX) {
		w->err = true;   /* a payload length is 16 bits */
		return;
	}
	put16(w->buf + begin_off + 2, (uint16_t)plen);
}

void
ike_w_set_next(struct ike_w *w, size_t begin_off, uint8_t next)
{
	if (w->err)
		return;
	if (begin_off > w->len || w->len - begin_off < IKE_GEN_HDR_LEN) {
		w->err = true;
		return;
	}
	w->buf[begin_off] = next;
}

void
ike_w_finish(struct ike_w *w)
{
	if (w->err || !w->hdr)
		return;
	if (w->len > UINT32_MAX) {
		w->err = true;
		return;
	}
	put32(w->buf + 24, (uint32_t)w->len);
}

/* One proposal substructure (3.3.1) with its transforms (3.3.2). */
static void
w_prop(struct ike_w *w, const struct ike_prop *p, bool last)
{
	const size_t off = w->len;

	if (p->nx == 0 || p->nx > IKE_MAX_XFORMS ||
	    (p->spi_size != 0 && p->spi_size != 4 && p->spi_size != 8)) {
		w->err = true;
		return;
	}
	ike_w_u8(w, last ? 0 : 2);
	ike_w_u8(w, 0);
	ike_w_u16(w, 0);           /* length, patched below */
	ike_w_u8(w, p->num);
	ike_w_u8(w, p->proto);
	ike_w_u8(w, p->spi_size);
	ike_w_u8(w, (uint8_t)p->nx);
	ike_w_bytes(w, p->spi, p->spi_size);
	for (size_t i = 0; i < p->nx; i++) {
		const struct ike_xform *x = &p->x[i];

		ike_w_u8(w, i + 1 == p->nx ? 0 : 3);
		ike_w_u8(w, 0);
		ike_w_u16(w, x->keylen != 0 ? 12 : 8);
		ike_w_u8(w, x->type);
		ike_w_u8(w, 0);
		ike_w_u16(w, x->id);
		if (x->keylen != 0) {
			/* 3.3.5: KEY_LENGTH in TV format (AF bit set) */
			ike_w_u16(w, 0x8000 | IKE_ATTR_KEY_LENGTH);
			ike_w_u16(w, x->keylen);
		}
	}
	if (w->err)
		return;
	if (w->len - off > UINT16_MAX) {
		w->err = true;
		return;
	}
	put16(w->buf + off + 2, (uint16_t)(w->len - off));
}

void
ike_w_sa(struct ike_w *w, const struct ike_sa_pl *sa)
{
	size_t off;

	if (sa->n == 0 || sa->n > IKE_MAX_PROPS) {
		w->err = true;
		return;
	}
	off = ike_w_begin(w, IKE_PL_SA, false);
	for (size_t i = 0; i < sa->n; i++)
		w_prop(w, &sa->p[i], i + 1 == sa->n);
	ike_w_end(w, off);
}

void
ike_w_ke(struct ike_w *w, uint16_t group, const uint8_t *data, size_t len)
{
	size_t off;

	if (len == 0) {
		w->err = true;
		return;
	}
	off = ike_w_begin(w, IKE_PL_KE, false);
	ike_w_u16(w, group);
	ike_w_u16(w, 0);
	ike_w_bytes(w, data, len);
	ike_w_end(w, off);
}

void
ike_w_nonce(struct ike_w *w, const uint8_t *n, size_t len)
{
	size_t off;

	if (ike_nonce_check(len) != IKE_OK) {
		w->err = true;
		return;
	}
	off = ike_w_begin(w, IKE_PL_NONCE, false);
	ike_w_bytes(w, n, len);
	ike_w_end(w, off);
}

void
ike_w_id(struct ike_w *w, uint8_t pl_type, uint8_t id_type,
    const uint8_t *data, size_t len)
{
	size_t off;

	if ((pl_type != IKE_PL_IDI && pl_type != IKE_PL_IDR) || len == 0) {
		w->err = true;
		return;
	}
	off = ike_w_begin(w, pl_type, false);
	ike_w_u8(w, id_type);
	ike_w_u8(w, 0);
	ike_w_u16(w, 0);
	ike_w_bytes(w, data, len);
	ike_w_end(w, off);
}

void
ike_w_auth(struct ike_w *w, uint8_t method, const uint8_t *data, size_t len)
{
	size_t off;

	if (len == 0) {
		w->err = true;
		return;
	}
	off = ike_w_begin(w, IKE_PL_AUTH, false);
	ike_w_u8(w, method);
	ike_w_u8(w, 0);
	ike_w_u16(w, 0);
	ike_w_bytes(w, data, len);
	ike_w_end(w, off);
}

void
ike_w_notify(struct ike_w *w, uint8_t proto, const uint8_t *spi,
    uint8_t spi_size, uint16_t type, const uint8_t *data, size_t len)
{
	size_t off;

	if (spi_size != 0 && spi_size != 4 && spi_size != 8) {
		w->err = true;
		return;
	}
	off = ike_w_begin(w, IKE_PL_NOTIFY, false);
	ike_w_u8(w, proto);
	ike_w_u8(w, spi_size);
	ike_w_u16(w, type);
	ike_w_bytes(w, spi, spi_size);
	ike_w_bytes(w, data, len);
	ike_w_end(w, off);
}

void
ike_w_delete(struct ike_w *w, uint8_t proto, const uint32_t *spis, size_t n)
{
	const bool ike = proto == IKE_PROTO_IKE;
	size_t off;

	if ((ike && n != 0) || (!ike && proto != IKE_PROTO_ESP && proto != IKE_PROTO_AH) ||
	    n > UINT16_MAX) {
		w->err = true;
		return;
	}
	off = ike_w_begin(w, IKE_PL_DELETE, false);
	ike_w_u8(w, proto);
	ike_w_u8(w, ike ? 0 : 4);
	ike_w_u16(w, (uint16_t)n);
	for (size_t i = 0; i < n; i++)
		ike_w_u32(w, spis[i]);
	ike_w_end(w, off);
}

void
ike_w_ts(struct ike_w *w, uint8_t pl_type, const struct ike_ts *ts, size_t n)
{
	size_t off;

	if ((pl_type != IKE_PL_TSI && pl_type != IKE_PL_TSR) || n == 0 || n > UINT8_MAX) {
		w->err = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (ts[i].type != IKE_TS_IPV4_ADDR_RANGE && ts[i].type != IKE_TS_IPV6_ADDR_RANGE) {
			w->err = true;
			return;
		}
	}
	off = ike_w_begin(w, pl_type, false);
	ike_w_u8(w, (uint8_t)n);
	ike_w_u8(w, 0);
	ike_w_u16(w, 0);
	for (size_t i = 0; i < n; i++) {
		const size_t alen = ts[i].type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;

		ike_w_u8(w, ts[i].type);
		ike_w_u8(w, ts[i].proto);
		ike_w_u16(w, (uint16_t)(8 + 2 * alen));
		ike_w_u16(w, ts[i].port_lo);
		ike_w_u16(w, ts[i].port_hi);
		ike_w_bytes(w, ts[i].start, alen);
		ike_w_bytes(w, ts[i].end, alen);
	}
	ike_w_end(w, off);
}

void
ike_w_vendor(struct ike_w *w, const uint8_t *id, size_t len)
{
	size_t off = ike_w_begin(w, IKE_PL_VENDOR, false);

	ike_w_bytes(w, id, len);
	ike_w_end(w, off);
}
