/*
 * spisync golden model -- the frame parser: docs/datapath.md section 2
 * (steps 0..6), written from the document and independently of the RTL
 * (hw/rtl/esp_parser.v).
 *
 * Every read goes through one bounds-checked accessor and every offset is
 * checked against the frame length before it is read, so no frame, however
 * short or inconsistent, is read past len.
 */
#include "parse_ref.h"

#include <string.h>

#include "spisync_hw.h"

enum {
	ETH_HDR = 14,
	VLAN_HDR = 18,
	ETH_MIN_FRAME = 60,     /* without FCS: shorter frames are padded to it */
	ET_VLAN = 0x8100,
	ET_IPV4 = 0x0800,
	ET_IPV6 = 0x86DD,
	IPV4_MIN_HDR = 20,
	IPV6_HDR = 40,
	UDP_HDR = 8,
	ESP_MIN_LEN = 8,        /* SPI + sequence number */
	NATT_PORT = 4500,       /* RFC 3948 */
	IPPROTO_ESP_ = 50,
	IPPROTO_UDP_ = 17,
	IPV6_NH_FRAGMENT = 44,
	SPI_RESERVED_MAX = 255,
};

/* The frame, with its length: all reads go through it. */
struct frame {
	const uint8_t *p;
	size_t len;
};

/* [off, off + n) lies inside the frame. */
static bool have(const struct frame *f, size_t off, size_t n)
{
	return off <= f->len && n <= f->len - off;
}

static uint8_t byte_at(const struct frame *f, size_t off)
{
	return have(f, off, 1) ? f->p[off] : 0;
}

static uint16_t be16_at(const struct frame *f, size_t off)
{
	return (uint16_t)((byte_at(f, off) << 8) | byte_at(f, off + 1));
}

static uint32_t be32_at(const struct frame *f, size_t off)
{
	return ((uint32_t)be16_at(f, off) << 16) | be16_at(f, off + 2);
}

static void copy_at(const struct frame *f, size_t off, uint8_t *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = byte_at(f, off + i);
}

static void decide(struct parse_result *out, uint8_t reason)
{
	out->cls = PARSE_DECIDED;
	out->reason = reason;
}

/* IPv6 extension headers the card does not walk (IANA "IPv6 Extension
 * Header Types"): hop-by-hop, routing, fragment, AH, destination options,
 * mobility, HIP, shim6 and the two experimental values. */
static bool ipv6_ext_header(uint8_t nh)
{
	switch (nh) {
	case 0: case 43: case 44: case 51: case 60:
	case 135: case 139: case 140: case 253: case 254:
		return true;
	default:
		return false;
	}
}

/* One's complement sum of the 16-bit words of [off, off + n), n even and
 * inside the frame, with end-around carry. */
static uint16_t ones_sum(const struct frame *f, size_t off, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i += 2)
		sum += be16_at(f, off + i);
	while (sum > 0xFFFF)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

/* Where the ESP packet is, once step 2 or 3 found one. */
struct esp_place {
	size_t l3;      /* offset of the SPI */
	size_t pe;      /* end of the IP packet, l2 + tot or l2 + 40 + plen */
	size_t u;       /* UDP header, when udp */
	bool udp;
};

/* Reads the ESP fields the later steps and the event records use; bytes
 * past the frame read as zero (never for ESP candidates: their esp_len is
 * at least 8 and pe <= len). */
static void read_esp_fields(const struct frame *f, const struct esp_place *e,
    struct parse_result *out)
{
	out->udp = e->udp;
	out->esp_off = (uint16_t)e->l3;
	out->esp_len = e->pe >= e->l3 ? (uint16_t)(e->pe - e->l3) : 0;
	if (e->udp) {
		out->sport = be16_at(f, e->u);
		out->dport = be16_at(f, e->u + 2);
	}
	if (have(f, e->l3, ESP_MIN_LEN)) {
		out->spi = be32_at(f, e->l3);
		out->seq = be32_at(f, e->l3 + 4);
	}
}

/*
 * UDP payload [u + 8, pe) with the end clamped to the frame: fewer than 8
 * bytes (a NAT-T keepalive 0xFF, or nothing) or a zero non-ESP marker
 * (RFC 3948 2.2: IKE on port 4500) is not ESP.
 */
static bool natt_is_esp(const struct frame *f, size_t u, size_t pe)
{
	const size_t end = pe < f->len ? pe : f->len;
	const size_t start = u + UDP_HDR;

	if (end < start || end - start < ESP_MIN_LEN)
		return false;
	return be32_at(f, start) != 0;
}

/* Step 2: IPv4. Returns true when the frame is an ESP candidate so far
 * (ESP checks passed), with e filled; else out is decided. */
static bool parse_ipv4(const struct frame *f, size_t l2,
    struct parse_result *out, struct esp_place *e)
{
	size_t ihl, tot;
	uint16_t frag;
	uint8_t proto;
	bool mf, fo_nonzero;

	if (!have(f, l2, IPV4_MIN_HDR) || byte_at(f, l2) >> 4 != 4) {
		decide(out, SPISYNC_R_PASS_THROUGH);
		return false;
	}
	ihl = (size_t)(byte_at(f, l2) & 15) * 4;
	tot = be16_at(f, l2 + 2);
	proto = byte_at(f, l2 + 9);
	frag = be16_at(f, l2 + 6);
	fo_nonzero = (frag & 0x1FFF) != 0;
	mf = (frag & 0x2000) != 0;
	copy_at(f, l2 + 12, out->src, 4);
	copy_at(f, l2 + 16, out->dst, 4);
	out->l3_hdr_len = (uint8_t)ihl;

	memset(e, 0, sizeof(*e));
	e->pe = l2 + tot;
	if (proto == IPPROTO_ESP_) {
		if (fo_nonzero || mf) {
			decide(out, SPISYNC_R_PUNT_FRAGMENT);
			return false;
		}
		e->l3 = l2 + ihl;
	} else if (proto == IPPROTO_UDP_) {
		if (ihl < IPV4_MIN_HDR || !have(f, l2 + ihl, UDP_HDR)) {
			decide(out, SPISYNC_R_PASS_THROUGH);
			return false;
		}
		e->u = l2 + ihl;
		e->udp = true;
		e->l3 = e->u + UDP_HDR;
		if (fo_nonzero || be16_at(f, e->u + 2) != NATT_PORT) {
			decide(out, SPISYNC_R_PASS_THROUGH);
			return false;
		}
		if (mf) {
			decide(out, SPISYNC_R_PUNT_FRAGMENT);
			return false;
		}
		if (!natt_is_esp(f, e->u, e->pe)) {
			decide(out, SPISYNC_R_PASS_THROUGH);
			return false;
		}
	} else {
		decide(out, SPISYNC_R_PASS_THROUGH);
		return false;
	}
	read_esp_fields(f, e, out);

	/* ESP checks; the length checks come first so that the header
	 * checksum only ever reads bytes inside the frame */
	if (ihl < IPV4_MIN_HDR || tot < ihl + (e->udp ? UDP_HDR : 0) ||
	    e->pe > f->len || (e->pe < f->len && f->len > ETH_MIN_FRAME) ||
	    (e->udp && (size_t)be16_at(f, e->u + 4) != tot - ihl) ||
	    ones_sum(f, l2, ihl) != 0xFFFF) {
		decide(out, SPISYNC_R_MALFORMED);
		return false;
	}
	return true;
}

/* Step 3: IPv6, as parse_ipv4. */
static bool parse_ipv6(const struct frame *f, size_t l2,
    struct parse_result *out, struct esp_place *e)
{
	uint8_t nh;
	size_t plen;

	if (!have(f, l2, IPV6_HDR) || byte_at(f, l2) >> 4 != 6) {
		decide(out, SPISYNC_R_PASS_THROUGH);
		return false;
	}
	out->ipv6 = true;
	out->l3_hdr_len = IPV6_HDR;
	nh = byte_at(f, l2 + 6);
	plen = be16_at(f, l2 + 4);
	copy_at(f, l2 + 8, out->src, 16);
	copy_at(f, l2 + 24, out->dst, 16);

	if (nh == IPV6_NH_FRAGMENT && have(f, l2 + IPV6_HDR, 1) &&
	    byte_at(f, l2 + IPV6_HDR) == IPPROTO_ESP_) {
		decide(out, SPISYNC_R_PUNT_FRAGMENT);
		return false;
	}
	if (ipv6_ext_header(nh)) {
		decide(out, SPISYNC_R_PUNT_IPV6_EXT);
		return false;
	}

	memset(e, 0, sizeof(*e));
	e->pe = l2 + IPV6_HDR + plen;
	if (nh == IPPROTO_ESP_) {
		e->l3 = l2 + IPV6_HDR;
	} else if (nh == IPPROTO_UDP_) {
		e->u = l2 + IPV6_HDR;
		if (!have(f, e->u, UDP_HDR)) {
			decide(out, SPISYNC_R_PASS_THROUGH);
			return false;
		}
		e->udp = true;
		e->l3 = e->u + UDP_HDR;
		if (be16_at(f, e->u + 2) != NATT_PORT ||
		    !natt_is_esp(f, e->u, e->pe)) {
			decide(out, SPISYNC_R_PASS_THROUGH);
			return false;
		}
	} else {
		decide(out, SPISYNC_R_PASS_THROUGH);
		return false;
	}
	read_esp_fields(f, e, out);

	if (e->pe != f->len || (e->udp && (size_t)be16_at(f, e->u + 4) != plen)) {
		decide(out, SPISYNC_R_MALFORMED);
		return false;
	}
	return true;
}

void parse_ref(const uint8_t *frame, size_t len, bool mac_err,
    struct parse_result *out)
{
	const struct frame f = { frame, len };
	struct esp_place e;
	uint16_t et;
	size_t l2 = ETH_HDR;
	bool esp;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	out->cls = PARSE_DECIDED;
	out->l2_len = ETH_HDR;

	/* step 0 */
	if (mac_err) {
		decide(out, SPISYNC_R_MAC_ERROR);
		return;
	}
	/* step 1 */
	if (!have(&f, 0, ETH_HDR)) {
		decide(out, SPISYNC_R_MALFORMED);
		return;
	}
	et = be16_at(&f, 12);
	if (et == ET_VLAN) {
		out->vlan = true;
		if (!have(&f, 0, VLAN_HDR)) {
			decide(out, SPISYNC_R_MALFORMED);
			return;
		}
		l2 = VLAN_HDR;
		out->l2_len = VLAN_HDR;
		et = be16_at(&f, 16);
	}

	/* steps 2..4 */
	if (et == ET_IPV4) {
		esp = parse_ipv4(&f, l2, out, &e);
	} else if (et == ET_IPV6) {
		esp = parse_ipv6(&f, l2, out, &e);
	} else {
		decide(out, SPISYNC_R_PASS_THROUGH);
		esp = false;
	}
	if (!esp)
		return;

	/* steps 5, 6 */
	if (out->esp_len < ESP_MIN_LEN) {
		decide(out, SPISYNC_R_MALFORMED);
		return;
	}
	if (out->spi <= SPI_RESERVED_MAX) {
		decide(out, SPISYNC_R_SPI_RESERVED);
		return;
	}
	out->cls = PARSE_ESP;
	out->reason = 0;
}
