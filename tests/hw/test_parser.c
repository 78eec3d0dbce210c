/*
 * spisync -- frame parser (hw/rtl/esp_parser.v) and its C reference
 * (tests/model/parse_ref.c) against docs/datapath.md section 2, in Verilator
 * simulation:
 *
 *   1. directed: a table of frames whose outcome (and, for ESP candidates,
 *      offsets and fields) was worked out by hand from the document, three
 *      of them literal bytes made outside this program (IPv4 header checksum
 *      and checksum base computed independently). Each is checked against
 *      parse_ref() AND the RTL, so the reference is tested too.
 *   2. random: many frames built to hit every rule of section 2 (802.1Q,
 *      IPv4 with options, bad version and ihl, fragments, protocols, UDP
 *      ports, NAT-T keepalive and non-ESP marker, UDP and IP length errors,
 *      good, bad and 0x0000/0xFFFF-form header checksums, Ethernet padding,
 *      trailing bytes, IPv6 with ESP, UDP, every extension header and
 *      fragment headers carrying ESP, reserved and extreme SPIs, esp_len
 *      0..20, truncation at any length, MAC errors, random garbage), back to
 *      back and with random idle clocks; every RTL output is compared with
 *      parse_ref() plus this file's own oracles for the IV and the IPv4
 *      checksum base (neither is in struct parse_result).
 *
 * Compared fields: always out_valid timing (constant latency, frames in
 * order by out_user), out_esp and, when decided, out_reason. For ESP
 * candidates and SPI_RESERVED frames (which make event records) also vlan,
 * ipv6, udp, l2_len, l3_hdr_len, esp_off, esp_len, src, dst, sport, dport,
 * spi, seq, iv and v4_csum_base. Other decided frames need no field.
 *
 * usage: test_parser [--seed N] [--frames N]
 * The seed is printed; rerun with --seed to reproduce a failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "parse_ref.h"
#include "parser/parser_sim.h"
#include "prng.h"
#include "spisync_hw.h"

enum {
	MAX_FRAME = 16383,
	HDR = PARSER_SIM_HDR_BYTES,
	RANDOM_FILL = 256,      /* payload bytes past this are zero: speed */
	FIFO_LEN = 64,          /* > latency in frames */
	MAX_REPORTS = 10,
	EXPECT_ESP = 0xFF,      /* directed table: an ESP candidate */
	NO_CHECK = -1,
};

/* ------------------------------------------------------------------------
 * frame builder
 * ---------------------------------------------------------------------- */

enum csum_form {
	CSUM_GOOD,
	CSUM_BAD,               /* one bit flipped */
	CSUM_ZERO_FORM,         /* id chosen so the checksum is 0x0000 or 0xFFFF */
	CSUM_BASE_CARRY,        /* good; id chosen so folding the base carries */
};

struct spec {
	bool vlan;
	uint16_t et;            /* ethertype after the tag */
	unsigned ip;            /* 4 or 6: an IP header; 0: raw bytes */
	uint8_t version;        /* version nibble written */
	unsigned ihl;           /* IPv4 header length field, 32-bit words */
	uint8_t proto;          /* IPv4 protocol / IPv6 next header */
	uint16_t frag;          /* IPv4 flags + fragment offset */
	bool v6_ext;            /* IPv6: an 8-byte extension header first */
	uint8_t ext_next;       /* its next header */
	bool udp;               /* a UDP header before the payload */
	bool fake_port;         /* IPv4 ihl < 5: 4500 where ihl says dport is */
	uint16_t sport, dport;
	int ulen_delta;         /* UDP length error */
	int tot_delta;          /* IPv4 total length / IPv6 payload length error */
	enum csum_form csum;
	bool csum_ffff;         /* CSUM_ZERO_FORM: write 0xFFFF, not 0x0000 */
	uint32_t spi, seq;
	size_t esp_len;         /* payload bytes from the SPI on */
	size_t pad_to;          /* append pad_byte up to this length */
	uint8_t pad_byte;
	size_t trunc;           /* nonzero: cut the frame to this length */
	bool mac_err;
};

/* Bytes at or past len are always zero (the RTL's input rule). */
struct frame {
	uint8_t b[MAX_FRAME + 1];
	size_t len;
	bool mac_err;
};

static uint32_t fold(uint32_t sum)
{
	while (sum > 0xFFFF)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return sum;
}

static uint32_t words_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += load_be16(p + i);
	return sum;
}

static void ipv4_checksum(uint8_t *h, size_t n, const struct spec *s,
    struct prng *r)
{
	uint16_t c;

	store_be16(h + 10, 0);
	if (s->csum == CSUM_ZERO_FORM) {
		/* id = one's complement negation of the other words: the sum
		 * without the checksum is then 0xFFFF and both checksum forms
		 * (0x0000, 0xFFFF) are valid */
		store_be16(h + 4, 0);
		store_be16(h + 4, (uint16_t)~fold(words_sum(h, n)));
		store_be16(h + 10, s->csum_ffff ? 0xFFFF : 0x0000);
		return;
	}
	if (s->csum == CSUM_BASE_CARRY) {
		/* low half of the base sum 0xFFFF: its fold adds the high half
		 * and carries out of 16 bits */
		uint8_t base[60];
		uint32_t b0;

		store_be16(h + 4, 0);
		memcpy(base, h, n);
		store_be16(base + 2, 0);
		base[9] = 0;
		b0 = words_sum(base, n);
		store_be16(h + 4, (0xFFFF - (b0 & 0xFFFF)) & 0xFFFF);
	}
	c = (uint16_t)~fold(words_sum(h, n));
	if (s->csum == CSUM_BAD)
		c ^= (uint16_t)(1u << prng_below(r, 16));
	store_be16(h + 10, c);
}

static size_t clamp_len(long v)
{
	if (v < 0)
		return 0;
	return v > 0xFFFF ? 0xFFFF : (size_t)v;
}

/* Random bytes, only where the parser can look (speed). */
static void fill(struct prng *r, uint8_t *p, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = off + i < RANDOM_FILL ? (uint8_t)prng_next(r) : 0;
}

static size_t build_ip(const struct spec *s, struct frame *f, size_t l2,
    struct prng *r)
{
	uint8_t *h = f->b + l2;
	size_t o, body;

	body = (s->udp ? 8 : 0) + s->esp_len;
	if (s->ip == 4) {
		const size_t hb = (s->ihl < 5 ? 5 : s->ihl) * 4;

		fill(r, h, l2, hb);
		h[0] = (uint8_t)(s->version << 4 | (s->ihl & 15));
		store_be16(h + 2, (unsigned)clamp_len((long)(hb + body) + s->tot_delta));
		store_be16(h + 6, s->frag);
		h[9] = s->proto;
		if (hb > 20)    /* options: keep them NOPs and random bytes */
			h[20] = 1;
		if (s->fake_port && s->ihl < 5)
			store_be16(h + s->ihl * 4 + 2, 4500);
		ipv4_checksum(h, s->ihl * 4u, s, r);
		o = l2 + hb;
	} else {
		fill(r, h, l2, 40);
		h[0] = (uint8_t)(s->version << 4 | (h[0] & 15));
		if (s->v6_ext)
			body += 8;
		store_be16(h + 4, (unsigned)clamp_len((long)body + s->tot_delta));
		h[6] = s->proto;
		o = l2 + 40;
		if (s->v6_ext) {
			fill(r, f->b + o, o, 8);
			f->b[o] = s->ext_next;
			f->b[o + 1] = 0;
			o += 8;
		}
	}
	if (s->udp) {
		store_be16(f->b + o, s->sport);
		store_be16(f->b + o + 2, s->dport);
		store_be16(f->b + o + 4, (unsigned)clamp_len((long)(8 + s->esp_len) + s->ulen_delta));
		store_be16(f->b + o + 6, (unsigned)prng_below(r, 65536));
		o += 8;
	}
	return o;
}

static void build(const struct spec *s, struct frame *f, struct prng *r)
{
	size_t o = 12, len;
	uint8_t esp_hdr[8];

	/* bytes past the old length are zero already */
	memset(f->b, 0, f->len);
	fill(r, f->b, 0, 12);
	if (s->vlan) {
		store_be16(f->b + 12, 0x8100);
		store_be16(f->b + 14, (unsigned)prng_below(r, 4096));
		o = 16;
	}
	store_be16(f->b + o, s->et);
	o += 2;
	if (s->ip != 0)
		o = build_ip(s, f, o, r);

	store_be16(esp_hdr, s->spi >> 16);
	store_be16(esp_hdr + 2, s->spi & 0xFFFF);
	store_be16(esp_hdr + 4, s->seq >> 16);
	store_be16(esp_hdr + 6, s->seq & 0xFFFF);
	len = o + s->esp_len;
	if (len > MAX_FRAME)
		len = MAX_FRAME;
	fill(r, f->b + o, o, len - o);
	for (size_t i = 0; i < 8 && o + i < len; i++)
		f->b[o + i] = esp_hdr[i];
	if (s->ip == 0)
		fill(r, f->b + o, o, len - o);

	for (; len < s->pad_to && len < MAX_FRAME; len++)
		f->b[len] = s->pad_byte;
	if (s->trunc != 0 && s->trunc < len) {
		memset(f->b + s->trunc, 0, len - s->trunc);
		len = s->trunc;
	}
	f->len = len;
	f->mac_err = s->mac_err;
}

/* ------------------------------------------------------------------------
 * this file's own oracles for the fields parse_ref() does not give
 * ---------------------------------------------------------------------- */

static uint8_t byte_or_zero(const struct frame *f, size_t off)
{
	return off < f->len ? f->b[off] : 0;
}

/* docs: frame[esp_off + 8 .. +8], zero past the frame (the RTL sees zeros) */
static void expect_iv(const struct frame *f, size_t esp_off, uint8_t iv[8])
{
	for (size_t i = 0; i < 8; i++)
		iv[i] = byte_or_zero(f, esp_off + 8 + i);
}

/* The brief: one's complement sum of the IPv4 header words, total length,
 * checksum and protocol byte as zero; 0 for IPv6. */
static uint16_t expect_csum_base(const struct frame *f, size_t l2, size_t ihl,
    bool ipv6)
{
	uint32_t sum = 0;

	if (ipv6)
		return 0;
	for (size_t i = 0; i < ihl; i += 2) {
		const uint16_t w = (uint16_t)(byte_or_zero(f, l2 + i) << 8 |
		    byte_or_zero(f, l2 + i + 1));

		if (i == 2 || i == 10)
			continue;
		sum += i == 8 ? (w & 0xFF00u) : w;
	}
	return (uint16_t)fold(sum);
}

/* ------------------------------------------------------------------------
 * comparison
 * ---------------------------------------------------------------------- */

static const char *reason_name(uint8_t r)
{
	switch (r) {
	case SPISYNC_R_PASS_THROUGH: return "PASS_THROUGH";
	case SPISYNC_R_PUNT_FRAGMENT: return "PUNT_FRAGMENT";
	case SPISYNC_R_PUNT_IPV6_EXT: return "PUNT_IPV6_EXT";
	case SPISYNC_R_SPI_RESERVED: return "SPI_RESERVED";
	case SPISYNC_R_MALFORMED: return "MALFORMED";
	case SPISYNC_R_MAC_ERROR: return "MAC_ERROR";
	case EXPECT_ESP: return "ESP";
	default: return "?";
	}
}

/* What the RTL must give for one frame. */
struct expect {
	uint32_t id;
	uint64_t sent_cycle;
	const char *what;
	struct parse_result ref;
	uint8_t iv[8];
	uint16_t csum_base;
	struct frame *copy;     /* for the report; NULL when not kept */
};

struct stats {
	unsigned long frames, errors, reported;
	unsigned long reason[256];
	unsigned long esp_kind[8];      /* ipv6 | udp << 1 | vlan << 2 */
	long latency;                   /* -1 until measured */
	int self_check_fail;            /* nonzero: the reference failed the table */
};

static uint8_t outcome_of(const struct parse_result *p)
{
	return p->cls == PARSE_ESP ? EXPECT_ESP : p->reason;
}

static uint8_t outcome_rtl(const struct parser_sim_out *o)
{
	return o->esp ? EXPECT_ESP : o->reason;
}

static void hexdump(const struct frame *f)
{
	const size_t n = f->len < 112 ? f->len : 112;

	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 == 0 ? "\n    " : (i % 4 == 0 ? " " : ""), f->b[i]);
	fprintf(stderr, "%s\n", f->len > n ? " ..." : "");
}

static void hex(char *buf, size_t size, const uint8_t *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 3 <= size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%02x", p[i]);
}

/* Appends one "field: want X got Y" line when they differ. */
static bool diff_u(char *msg, size_t size, const char *name, unsigned long want,
    unsigned long got)
{
	size_t o = strlen(msg);

	if (want == got)
		return false;
	snprintf(msg + o, size - o, "      %-14s want 0x%lx got 0x%lx\n", name, want, got);
	return true;
}

static bool diff_b(char *msg, size_t size, const char *name, const uint8_t *want,
    const uint8_t *got, size_t n)
{
	char a[40], b[40];
	size_t o = strlen(msg);

	if (memcmp(want, got, n) == 0)
		return false;
	hex(a, sizeof(a), want, n);
	hex(b, sizeof(b), got, n);
	snprintf(msg + o, size - o, "      %-14s want %s got %s\n", name, a, b);
	return true;
}

static bool compare_fields(const struct expect *e, const struct parser_sim_out *o,
    char *msg, size_t size)
{
	const struct parse_result *p = &e->ref;
	bool bad = false;

	bad |= diff_u(msg, size, "vlan", p->vlan, o->vlan);
	bad |= diff_u(msg, size, "ipv6", p->ipv6, o->ipv6);
	bad |= diff_u(msg, size, "udp", p->udp, o->udp);
	bad |= diff_u(msg, size, "l2_len", p->l2_len, o->l2_len);
	bad |= diff_u(msg, size, "l3_hdr_len", p->l3_hdr_len, o->l3_hdr_len);
	bad |= diff_u(msg, size, "esp_off", p->esp_off, o->esp_off);
	bad |= diff_u(msg, size, "esp_len", p->esp_len, o->esp_len);
	bad |= diff_b(msg, size, "src", p->src, o->src, 16);
	bad |= diff_b(msg, size, "dst", p->dst, o->dst, 16);
	bad |= diff_u(msg, size, "sport", p->sport, o->sport);
	bad |= diff_u(msg, size, "dport", p->dport, o->dport);
	bad |= diff_u(msg, size, "spi", p->spi, o->spi);
	bad |= diff_u(msg, size, "seq", p->seq, o->seq);
	bad |= diff_b(msg, size, "iv", e->iv, o->iv, 8);
	bad |= diff_u(msg, size, "v4_csum_base", e->csum_base, o->v4_csum_base);
	return bad;
}

static void report(struct stats *st, const struct expect *e, const char *msg)
{
	st->errors++;
	if (st->reported >= MAX_REPORTS)
		return;
	st->reported++;
	fprintf(stderr, "MISMATCH frame %" PRIu32 " (%s)", e->id, e->what);
	if (e->copy != NULL)
		fprintf(stderr, " len %zu%s:", e->copy->len, e->copy->mac_err ? " mac_err" : "");
	fprintf(stderr, "\n%s", msg);
	if (e->copy != NULL)
		hexdump(e->copy);
}

static void check_output(struct stats *st, const struct expect *e,
    const struct parser_sim_out *o, uint64_t cycle)
{
	char msg[2048];
	const uint8_t want = outcome_of(&e->ref);
	const uint8_t got = outcome_rtl(o);
	const long lat = (long)(cycle - e->sent_cycle) + 1;

	msg[0] = '\0';
	if (st->latency < 0)
		st->latency = lat;
	if (o->user != e->id || lat != st->latency || lat != PARSER_SIM_LATENCY) {
		snprintf(msg, sizeof(msg), "      out_user %" PRIu32 " after %ld clocks, want %" PRIu32
		    " after %d\n", o->user, lat, e->id, PARSER_SIM_LATENCY);
		report(st, e, msg);
		return;
	}
	if (want != got) {
		snprintf(msg, sizeof(msg), "      outcome want %s got %s (out_esp %d out_reason %u)\n",
		    reason_name(want), reason_name(got), o->esp, o->reason);
		report(st, e, msg);
		return;
	}
	if ((want == EXPECT_ESP || want == SPISYNC_R_SPI_RESERVED) &&
	    compare_fields(e, o, msg, sizeof(msg)))
		report(st, e, msg);
}

/* ------------------------------------------------------------------------
 * the pipeline driver: frames in, outputs checked in order
 * ---------------------------------------------------------------------- */

struct bench {
	struct parser_sim *sim;
	struct expect q[FIFO_LEN];
	struct frame copies[FIFO_LEN];
	unsigned head, count;
	uint32_t next_id;
	struct stats st;
};

static void step(struct bench *b, const struct parser_sim_in *in)
{
	struct parser_sim_out o;

	parser_sim_cycle(b->sim, in, &o);
	if (!o.valid)
		return;
	if (b->count == 0) {
		b->st.errors++;
		fprintf(stderr, "MISMATCH: out_valid with no frame in flight (user %" PRIu32 ")\n",
		    o.user);
		return;
	}
	check_output(&b->st, &b->q[b->head], &o, parser_sim_cycles(b->sim) - 1);
	b->head = (b->head + 1) % FIFO_LEN;
	b->count--;
}

static void send(struct bench *b, const struct frame *f, const char *what)
{
	struct parser_sim_in in;
	struct expect *e;
	unsigned slot;

	while (b->count >= FIFO_LEN - 1)
		step(b, NULL);
	slot = (b->head + b->count) % FIFO_LEN;
	e = &b->q[slot];
	e->id = b->next_id++;
	e->what = what;
	parse_ref(f->b, f->len, f->mac_err, &e->ref);
	expect_iv(f, e->ref.esp_off, e->iv);
	e->csum_base = expect_csum_base(f, e->ref.l2_len, e->ref.l3_hdr_len, e->ref.ipv6);
	/* keep the head of the frame for a report */
	e->copy = &b->copies[slot];
	e->copy->len = f->len;
	e->copy->mac_err = f->mac_err;
	memcpy(e->copy->b, f->b, f->len < HDR ? f->len : HDR);
	e->sent_cycle = parser_sim_cycles(b->sim);
	b->count++;

	b->st.frames++;
	b->st.reason[outcome_of(&e->ref)]++;
	if (e->ref.cls == PARSE_ESP)
		b->st.esp_kind[e->ref.ipv6 | e->ref.udp << 1 | e->ref.vlan << 2]++;

	memset(&in, 0, sizeof(in));
	in.valid = true;
	parser_sim_load_frame(&in, f->b, f->len);
	in.mac_err = f->mac_err;
	in.user = e->id;
	step(b, &in);
}

static void drain(struct bench *b)
{
	for (int i = 0; i < 4 * PARSER_SIM_LATENCY; i++)
		step(b, NULL);
	if (b->count != 0) {
		b->st.errors++;
		fprintf(stderr, "MISMATCH: %u frames never came out\n", b->count);
		b->count = 0;
	}
}

/* ------------------------------------------------------------------------
 * directed table: outcomes worked out by hand from docs/datapath.md
 * ---------------------------------------------------------------------- */

struct dcase {
	const char *name;
	struct frame f;
	uint8_t want;           /* SPISYNC_R_* or EXPECT_ESP */
	int esp_off, esp_len;   /* NO_CHECK or the value */
	long spi;               /* NO_CHECK or the value */
	int csum_base;          /* NO_CHECK or the value */
};

static struct spec v4_esp(void)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.et = 0x0800;
	s.ip = 4;
	s.version = 4;
	s.ihl = 5;
	s.proto = 50;
	s.frag = 0x4000;        /* DF: not a fragment */
	s.spi = 0x12345678;
	s.seq = 7;
	s.esp_len = 100;
	return s;
}

static struct spec v4_natt(void)
{
	struct spec s = v4_esp();

	s.proto = 17;
	s.udp = true;
	s.sport = 4500;
	s.dport = 4500;
	return s;
}

static struct spec v6_esp(void)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.et = 0x86DD;
	s.ip = 6;
	s.version = 6;
	s.proto = 50;
	s.spi = 0x12345678;
	s.seq = 7;
	s.esp_len = 100;
	return s;
}

static struct spec v6_natt(void)
{
	struct spec s = v6_esp();

	s.proto = 17;
	s.udp = true;
	s.sport = 1234;
	s.dport = 4500;
	return s;
}

struct table {
	struct dcase *c;
	size_t n, cap;
	struct prng r;
};

static struct dcase *add(struct table *t, const char *name, uint8_t want)
{
	struct dcase *d;

	if (t->n == t->cap)
		return NULL;
	d = &t->c[t->n++];
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->want = want;
	d->esp_off = NO_CHECK;
	d->esp_len = NO_CHECK;
	d->spi = NO_CHECK;
	d->csum_base = NO_CHECK;
	return d;
}

static void add_spec(struct table *t, const char *name, const struct spec *s,
    uint8_t want, int esp_off, int esp_len)
{
	struct dcase *d = add(t, name, want);

	if (d == NULL)
		return;
	build(s, &d->f, &t->r);
	d->esp_off = esp_off;
	d->esp_len = esp_len;
	if (want == EXPECT_ESP || want == SPISYNC_R_SPI_RESERVED)
		d->spi = s->spi;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void add_hex(struct table *t, const char *name, const char *hexstr,
    uint8_t want, int esp_off, int esp_len, long spi, int csum_base)
{
	struct dcase *d = add(t, name, want);
	size_t n = 0;

	if (d == NULL)
		return;
	for (const char *p = hexstr; p[0] != '\0' && p[1] != '\0'; p += 2) {
		const int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0 || n >= MAX_FRAME)
			break;
		d->f.b[n++] = (uint8_t)(hi << 4 | lo);
	}
	d->f.len = n;
	d->esp_off = esp_off;
	d->esp_len = esp_len;
	d->spi = spi;
	d->csum_base = csum_base;
}

/*
 * Literal frames, made outside this program (Python struct + its own
 * checksum): MACs 02:00:00:00:00:01/02, ESP SPI 0x1000 seq 1, IV 01..08,
 * 16 + 16 bytes of ciphertext and ICV (esp_len 48).
 *   A  IPv4 192.0.2.1 > 198.51.100.2, DF, ESP; checksum 0x3c1d, base 0xc36c
 *   C  802.1Q, IPv4 with 4 option bytes (ihl 6), UDP 4500 > 4500;
 *      checksum 0x3931, base 0xc66d
 *   B  802.1Q, IPv6 2001:db8::1 > 2001:db8::2, UDP 4501 > 4500
 *   D  IPv4 254.254.254.254 > 253.253.253.253, ESP SPI 0x2000, id chosen
 *      so that the base sum is 0x5FFFF: folding it carries, base 0x0005
 */
static const char FRAME_A[] =
	"0200000000010200000000020800450000441234400040323c1dc0000201c6336402"
	"00001000000000010102030405060708a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf";
static const char FRAME_C[] =
	"020000000001020000000002810000640800460000501234400040113931c0000201"
	"c6336402010101001194119400380000"
	"00001000000000010102030405060708a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf";
static const char FRAME_B[] =
	"0200000000010200000000028100006486dd600000000038114020010db80000"
	"0000000000000000000120010db8000000000000000000000002119511940038"
	"000000001000000000010102030405060708a0a1a2a3a4a5a6a7a8a9aaabacad"
	"aeafc0c1c2c3c4c5c6c7c8c9cacbcccdcecf";

static const char FRAME_D[] =
	"02000000000102000000000208004500004482094000ff32ff84fefefefefdfd"
	"fdfd000020000000000211121314151617180000000000000000000000000000"
	"000000000000000000000000000000000000";

static void directed_ipv4(struct table *t)
{
	struct spec s;

	s = v4_esp();
	add_spec(t, "IPv4 ESP", &s, EXPECT_ESP, 34, 100);
	s = v4_esp(); s.mac_err = true;
	add_spec(t, "IPv4 ESP with the MAC error flag", &s, SPISYNC_R_MAC_ERROR, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.vlan = true; s.ihl = 15;
	add_spec(t, "802.1Q IPv4 ESP ihl 15", &s, EXPECT_ESP, 78, 100);
	s = v4_natt(); s.vlan = true; s.ihl = 15;
	add_spec(t, "802.1Q IPv4 UDP 4500 ihl 15 (deepest SPI)", &s, EXPECT_ESP, 86, 100);
	s = v4_esp(); s.version = 5;
	add_spec(t, "IPv4 ethertype, version 5", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.ihl = 4;
	add_spec(t, "IPv4 ESP ihl 4", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.ihl = 4;
	add_spec(t, "IPv4 UDP 4500 ihl 4", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.ihl = 4; s.fake_port = true;
	add_spec(t, "IPv4 UDP ihl 4, 4500 at byte l2 + 18", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.frag = 0x2000;
	add_spec(t, "IPv4 ESP, MF", &s, SPISYNC_R_PUNT_FRAGMENT, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.frag = 0x0001;
	add_spec(t, "IPv4 ESP, fragment offset 1", &s, SPISYNC_R_PUNT_FRAGMENT, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.frag = 0x2000; s.ihl = 3;
	add_spec(t, "IPv4 ESP, MF and ihl 3 (fragment rule first)", &s, SPISYNC_R_PUNT_FRAGMENT, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.frag = 0x2000;
	add_spec(t, "IPv4 UDP 4500, MF", &s, SPISYNC_R_PUNT_FRAGMENT, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.frag = 0x2000; s.trunc = 14 + 20 + 7;
	add_spec(t, "IPv4 UDP 4500, MF, cut inside the UDP header", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.frag = 0x2000; s.trunc = 14 + 20 + 8;
	add_spec(t, "IPv4 UDP 4500, MF, cut after the UDP header", &s, SPISYNC_R_PUNT_FRAGMENT, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.frag = 0x0010;
	add_spec(t, "IPv4 UDP 4500, fragment offset 16", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.dport = 500;
	add_spec(t, "IPv4 UDP 500 (IKE)", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.dport = 500; s.frag = 0x2000;
	add_spec(t, "IPv4 UDP 500, MF (port rule first)", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.esp_len = 1; s.spi = 0xFF000000;
	add_spec(t, "IPv4 NAT-T keepalive 0xFF", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.spi = 0;
	add_spec(t, "IPv4 UDP 4500 non-ESP marker (IKE)", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.esp_len = 7;
	add_spec(t, "IPv4 UDP 4500, 7 payload bytes", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.esp_len = 8;
	add_spec(t, "IPv4 UDP 4500, 8 payload bytes", &s, EXPECT_ESP, 42, 8);
	s = v4_natt(); s.trunc = 14 + 20 + 8 + 7;
	add_spec(t, "IPv4 UDP 4500 cut 7 bytes into the payload", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_natt(); s.ulen_delta = 1;
	add_spec(t, "IPv4 UDP 4500, UDP length + 1", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.proto = 6;
	add_spec(t, "IPv4 TCP", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.csum = CSUM_BAD;
	add_spec(t, "IPv4 ESP, bad header checksum", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.csum = CSUM_ZERO_FORM;
	add_spec(t, "IPv4 ESP, checksum 0x0000", &s, EXPECT_ESP, 34, 100);
	s = v4_esp(); s.csum = CSUM_ZERO_FORM; s.csum_ffff = true;
	add_spec(t, "IPv4 ESP, checksum 0xFFFF", &s, EXPECT_ESP, 34, 100);
	s = v4_esp(); s.tot_delta = 1;
	add_spec(t, "IPv4 ESP, total length past the frame", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.tot_delta = -1;
	add_spec(t, "IPv4 ESP, one trailing byte, len > 60", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.esp_len = 8; s.pad_to = 60;
	add_spec(t, "IPv4 ESP, esp_len 8, padded to 60", &s, EXPECT_ESP, 34, 8);
	s = v4_esp(); s.esp_len = 8; s.pad_to = 61;
	add_spec(t, "IPv4 ESP, esp_len 8, 61 bytes", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.esp_len = 7; s.pad_to = 60;
	add_spec(t, "IPv4 ESP, esp_len 7", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.spi = 255;
	add_spec(t, "IPv4 ESP, SPI 255", &s, SPISYNC_R_SPI_RESERVED, 34, 100);
	s = v4_esp(); s.spi = 256;
	add_spec(t, "IPv4 ESP, SPI 256", &s, EXPECT_ESP, 34, 100);
	s = v4_esp(); s.spi = 0;
	add_spec(t, "IPv4 ESP (no UDP), SPI 0", &s, SPISYNC_R_SPI_RESERVED, 34, 100);
	s = v4_esp(); s.esp_len = 9000;
	add_spec(t, "IPv4 ESP, 9034-byte frame", &s, EXPECT_ESP, 34, 9000);
	s = v4_esp(); s.trunc = 33;
	add_spec(t, "IPv4 ESP cut to 33 bytes", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
}

static void directed_ipv6(struct table *t)
{
	struct spec s;

	s = v6_esp();
	add_spec(t, "IPv6 ESP", &s, EXPECT_ESP, 54, 100);
	s = v6_natt(); s.vlan = true;
	add_spec(t, "802.1Q IPv6 UDP 4500", &s, EXPECT_ESP, 66, 100);
	s = v6_esp(); s.proto = 0;
	add_spec(t, "IPv6 hop-by-hop", &s, SPISYNC_R_PUNT_IPV6_EXT, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.proto = 43; s.v6_ext = true; s.ext_next = 50;
	add_spec(t, "IPv6 routing header, then ESP", &s, SPISYNC_R_PUNT_IPV6_EXT, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.proto = 44; s.v6_ext = true; s.ext_next = 50;
	add_spec(t, "IPv6 fragment header carrying ESP", &s, SPISYNC_R_PUNT_FRAGMENT, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.proto = 44; s.v6_ext = true; s.ext_next = 17;
	add_spec(t, "IPv6 fragment header carrying UDP", &s, SPISYNC_R_PUNT_IPV6_EXT, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.proto = 44; s.esp_len = 0;
	add_spec(t, "IPv6 fragment header, frame ends at 54", &s, SPISYNC_R_PUNT_IPV6_EXT, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.proto = 58;
	add_spec(t, "IPv6 ICMPv6", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.tot_delta = -1;
	add_spec(t, "IPv6 ESP, payload length - 1", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v6_natt(); s.ulen_delta = -1;
	add_spec(t, "IPv6 UDP 4500, UDP length - 1", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v6_natt(); s.spi = 0;
	add_spec(t, "IPv6 UDP 4500 non-ESP marker", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.trunc = 53;
	add_spec(t, "IPv6 cut to 53 bytes", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.version = 4;
	add_spec(t, "IPv6 ethertype, version 4", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.esp_len = 7;
	add_spec(t, "IPv6 ESP, esp_len 7", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v6_esp(); s.spi = 0xFF;
	add_spec(t, "IPv6 ESP, SPI 255", &s, SPISYNC_R_SPI_RESERVED, 54, 100);
}

static void directed_l2(struct table *t)
{
	struct spec s;
	struct dcase *d;

	s = v4_esp(); s.trunc = 13;
	add_spec(t, "13-byte frame", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.trunc = 14;
	add_spec(t, "14-byte IPv4 ethertype", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.vlan = true; s.trunc = 17;
	add_spec(t, "802.1Q, 17 bytes", &s, SPISYNC_R_MALFORMED, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.vlan = true; s.et = 0x0806; s.ip = 0; s.esp_len = 0;
	add_spec(t, "802.1Q, 18 bytes, ARP", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.et = 0x0806; s.ip = 0; s.esp_len = 28; s.pad_to = 60;
	add_spec(t, "ARP", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	s = v4_esp(); s.vlan = true; s.et = 0x8100; s.ip = 0; s.esp_len = 60;
	add_spec(t, "802.1Q in 802.1Q", &s, SPISYNC_R_PASS_THROUGH, NO_CHECK, NO_CHECK);
	d = add(t, "1-byte frame", SPISYNC_R_MALFORMED);
	if (d != NULL)
		d->f.len = 1;

	add_hex(t, "literal A: IPv4 ESP", FRAME_A, EXPECT_ESP, 34, 48, 0x1000, 0xc36c);
	add_hex(t, "literal C: 802.1Q IPv4 options UDP 4500", FRAME_C, EXPECT_ESP, 50, 48, 0x1000, 0xc66d);
	add_hex(t, "literal B: 802.1Q IPv6 UDP 4500", FRAME_B, EXPECT_ESP, 66, 48, 0x1000, 0);
	add_hex(t, "literal D: IPv4 ESP, checksum base fold carries", FRAME_D, EXPECT_ESP, 34, 48, 0x2000, 0x0005);
}

/* One hand-written expectation against one implementation's answer. */
static bool check_case(const struct dcase *d, const char *who, uint8_t outcome,
    int esp_off, int esp_len, long spi, int csum_base)
{
	bool ok = outcome == d->want;

	if (ok && d->esp_off != NO_CHECK)
		ok = esp_off == d->esp_off && esp_len == d->esp_len;
	if (ok && d->spi != NO_CHECK)
		ok = spi == d->spi;
	if (ok && d->csum_base != NO_CHECK)
		ok = csum_base == d->csum_base;
	if (!ok)
		fprintf(stderr, "DIRECTED FAIL (%s) %s: want %s esp_off %d esp_len %d spi %ld csum_base %d,"
		    " got %s esp_off %d esp_len %d spi %ld csum_base %d\n", who, d->name,
		    reason_name(d->want), d->esp_off, d->esp_len, d->spi, d->csum_base,
		    reason_name(outcome), esp_off, esp_len, spi, csum_base);
	return ok;
}

static unsigned run_directed(struct bench *b)
{
	static struct dcase cases[80];
	struct table t = { cases, 0, sizeof(cases) / sizeof(cases[0]), { { 0 } } };
	struct parser_sim_in in;
	struct parser_sim_out o;
	unsigned failed = 0;

	prng_seed(&t.r, 1);
	directed_l2(&t);
	directed_ipv4(&t);
	directed_ipv6(&t);

	for (size_t i = 0; i < t.n; i++) {
		const struct dcase *d = &cases[i];
		struct parse_result p;
		uint16_t base;

		parse_ref(d->f.b, d->f.len, d->f.mac_err, &p);
		base = expect_csum_base(&d->f, p.l2_len, p.l3_hdr_len, p.ipv6);
		if (!check_case(d, "parse_ref", outcome_of(&p), p.esp_off, p.esp_len,
		    (long)p.spi, base))
			failed++;

		/* one frame alone through the RTL */
		memset(&in, 0, sizeof(in));
		in.valid = true;
		parser_sim_load_frame(&in, d->f.b, d->f.len);
		in.mac_err = d->f.mac_err;
		in.user = 0xD0000000u + (uint32_t)i;
		parser_sim_cycle(b->sim, &in, &o);
		for (int c = 1; c < 4 * PARSER_SIM_LATENCY && !o.valid; c++)
			parser_sim_cycle(b->sim, NULL, &o);
		if (!o.valid || o.user != in.user) {
			fprintf(stderr, "DIRECTED FAIL (rtl) %s: no output\n", d->name);
			failed++;
			continue;
		}
		if (!check_case(d, "rtl", outcome_rtl(&o), o.esp_off, o.esp_len,
		    (long)o.spi, o.v4_csum_base))
			failed++;
	}
	printf("directed: %zu frames, %u failures\n", t.n, failed);
	return failed;
}

/* ------------------------------------------------------------------------
 * random frames
 * ---------------------------------------------------------------------- */

static bool chance(struct prng *r, unsigned percent)
{
	return prng_below(r, 100) < percent;
}

static const uint8_t v6_ext_headers[] = { 0, 43, 44, 51, 60, 135, 139, 140, 253, 254 };

static uint32_t random_spi(struct prng *r)
{
	const unsigned k = prng_below(r, 100);

	if (k < 10)
		return prng_below(r, 256);
	if (k < 14)
		return 256 + prng_below(r, 4);
	if (k < 18)
		return 0xFF000000u + prng_below(r, 256);
	if (k < 20)
		return 0xFFFFFFFFu;
	return 256 + prng_below(r, 0xFFFFFF00u);
}

static size_t random_esp_len(struct prng *r)
{
	const unsigned k = prng_below(r, 100);

	if (k < 25)
		return prng_below(r, 25);
	if (k < 85)
		return 24 + prng_below(r, 180);
	if (k < 97)
		return 200 + prng_below(r, 1300);
	return 1500 + prng_below(r, MAX_FRAME - 1600);
}

/* mutations shared by all IP kinds: each rule of section 2 gets hit */
static void mutate(struct spec *s, struct prng *r)
{
	if (chance(r, 3))
		s->version = (uint8_t)prng_below(r, 16);
	if (s->ip == 4) {
		const unsigned k = prng_below(r, 100);

		s->ihl = k < 55 ? 5 : (k < 95 ? 6 + prng_below(r, 10) : prng_below(r, 5));
		s->fake_port = chance(r, 50);
		if (chance(r, 6))
			s->frag = 0x2000 | (s->frag & 0x4000);
		if (chance(r, 6))
			s->frag = (uint16_t)(s->frag | (chance(r, 50) ? 1u << prng_below(r, 13) :
			    1 + prng_below(r, 0x1FFF)));
		if (chance(r, 2))
			s->frag = (uint16_t)prng_below(r, 65536);
		if (chance(r, 5))
			s->csum = CSUM_BAD;
		else if (chance(r, 3))
			s->csum = CSUM_ZERO_FORM;
		else if (chance(r, 3))
			s->csum = CSUM_BASE_CARRY;
		s->csum_ffff = chance(r, 50);
	}
	if (chance(r, 8))
		s->tot_delta = chance(r, 80) ? (int)prng_below(r, 41) - 20 : (int)prng_below(r, 65536) - 32768;
	if (s->udp) {
		if (chance(r, 5))
			s->ulen_delta = chance(r, 80) ? (int)prng_below(r, 17) - 8 : (int)prng_below(r, 65536);
		if (chance(r, 8))
			s->dport = chance(r, 50) ? 500 : (uint16_t)prng_below(r, 65536);
		if (chance(r, 5)) {
			s->esp_len = 1;     /* NAT-T keepalive */
			s->spi = 0xFF000000;
		} else if (chance(r, 5)) {
			s->esp_len = prng_below(r, 8);
		} else if (chance(r, 5)) {
			s->spi = 0;         /* non-ESP marker */
		}
	}
}

/* A frame length at one of the length rules of section 2, +-1. */
static size_t boundary_len(const struct spec *s, struct prng *r)
{
	const size_t l2 = s->vlan ? 18 : 14;
	const size_t ihl4 = (size_t)s->ihl * 4;
	const size_t at[] = {
		13, 14, 17, 18, l2 + 20, l2 + ihl4, l2 + ihl4 + 8, l2 + ihl4 + 16,
		l2 + 40, l2 + 41, l2 + 48, l2 + 56, 60, 61,
	};
	const size_t len = at[prng_below(r, sizeof(at) / sizeof(at[0]))] + prng_below(r, 3);

	return len > 1 ? len - 1 : 1;
}

/* frame-level mutations: padding, trailing bytes, truncation, MAC error */
static void mutate_frame(struct spec *s, struct prng *r, size_t natural_len)
{
	if (chance(r, 6)) {
		/* cut (or pad) the frame right at a length rule */
		const size_t len = boundary_len(s, r);

		if (len < natural_len)
			s->trunc = len;
		else
			s->pad_to = len;
		s->pad_byte = (uint8_t)prng_next(r);
		return;
	}
	if (natural_len < 60 && chance(r, 60)) {
		s->pad_to = 60;
		s->pad_byte = chance(r, 70) ? 0 : (uint8_t)prng_next(r);
	}
	if (chance(r, 3)) {
		s->pad_to = natural_len + 1 + prng_below(r, 20);
		s->pad_byte = (uint8_t)prng_next(r);
	}
	if (chance(r, 7))
		s->trunc = 1 + prng_below(r, (uint32_t)natural_len);
	if (chance(r, 1))
		s->mac_err = true;
}

static const char *random_spec(struct spec *s, struct prng *r)
{
	const unsigned kind = prng_below(r, 100);
	const char *what;

	if (kind < 24) {
		*s = v4_esp();
		what = "random IPv4 ESP";
	} else if (kind < 40) {
		*s = v4_natt();
		s->sport = chance(r, 50) ? 4500 : (uint16_t)prng_below(r, 65536);
		what = "random IPv4 UDP 4500";
	} else if (kind < 53) {
		*s = v6_esp();
		what = "random IPv6 ESP";
	} else if (kind < 63) {
		*s = v6_natt();
		what = "random IPv6 UDP 4500";
	} else if (kind < 72) {
		*s = v6_esp();
		s->proto = v6_ext_headers[prng_below(r, sizeof(v6_ext_headers))];
		s->v6_ext = chance(r, 80);
		s->ext_next = chance(r, 50) ? 50 : (chance(r, 50) ? 17 : (uint8_t)prng_next(r));
		what = "random IPv6 extension header";
	} else if (kind < 78) {
		*s = chance(r, 50) ? v4_natt() : v4_esp();
		if (s->udp)
			s->dport = chance(r, 50) ? 500 : (uint16_t)prng_below(r, 65536);
		else
			s->proto = (uint8_t)prng_next(r);
		what = "random IPv4 other protocol or port";
	} else if (kind < 82) {
		*s = chance(r, 50) ? v6_esp() : v6_natt();
		s->proto = (uint8_t)prng_next(r);
		what = "random IPv6 other next header";
	} else if (kind < 87) {
		static const uint16_t ets[] = { 0x0806, 0x88A8, 0x8100, 0x86DD, 0x0800, 0x88E5 };

		*s = v4_esp();
		s->ip = 0;
		s->et = chance(r, 70) ? ets[prng_below(r, 6)] : (uint16_t)prng_below(r, 65536);
		if (chance(r, 30)) {
			/* one bit away from a parsed ethertype, with the IP
			 * header that ethertype would carry */
			const uint16_t near = ets[prng_below(r, 3) + 2];

			s->et = (uint16_t)(near ^ 1u << prng_below(r, 16));
			s->ip = s->version = near == 0x86DD ? 6 : 4;
		}
		what = "random non-IP / garbage after the ethertype";
	} else {
		*s = chance(r, 50) ? v4_esp() : v4_natt();
		s->et = 0x86DD;         /* IPv4 bytes under the IPv6 ethertype */
		if (chance(r, 50)) {
			*s = chance(r, 50) ? v6_esp() : v6_natt();
			s->et = 0x0800;
		}
		what = "random IP version / ethertype mix";
	}
	s->vlan = chance(r, 30);
	s->spi = random_spi(r);
	s->seq = (uint32_t)prng_next(r);
	s->esp_len = random_esp_len(r);
	if (s->ip != 0)
		mutate(s, r);
	return what;
}

/* a few random bytes of the head overwritten */
static void corrupt(struct frame *f, struct prng *r)
{
	const unsigned n = 1 + prng_below(r, 3);
	const size_t span = f->len < 110 ? f->len : 110;

	for (unsigned i = 0; i < n && span > 0; i++)
		f->b[prng_below(r, (uint32_t)span)] = (uint8_t)prng_next(r);
}

static void run_random(struct bench *b, struct prng *r, unsigned long frames)
{
	static struct frame f;
	struct spec s;

	for (unsigned long i = 0; i < frames; i++) {
		const char *what;

		if (chance(r, 2)) {
			/* pure garbage: random length and bytes */
			memset(f.b, 0, f.len);
			f.len = 1 + prng_below(r, chance(r, 90) ? 200 : MAX_FRAME);
			fill(r, f.b, 0, f.len);
			f.mac_err = chance(r, 2);
			what = "random garbage";
		} else {
			what = random_spec(&s, r);
			build(&s, &f, r);
			mutate_frame(&s, r, f.len);
			if (s.pad_to != 0 || s.trunc != 0 || s.mac_err)
				build(&s, &f, r);
			if (chance(r, 3)) {
				corrupt(&f, r);
				what = "random with corrupted bytes";
			}
		}
		send(b, &f, what);
		/* back to back mostly; idle clocks now and then */
		if (chance(r, 20)) {
			const unsigned idle = 1 + prng_below(r, chance(r, 90) ? 3 : 12);

			for (unsigned c = 0; c < idle; c++)
				step(b, NULL);
		}
	}
	drain(b);
}

/* every outcome of section 2 and every kind of ESP candidate must occur,
 * else the generator no longer tests what it claims to */
static unsigned check_coverage(const struct stats *st)
{
	static const uint8_t outcomes[] = {
		EXPECT_ESP, SPISYNC_R_PASS_THROUGH, SPISYNC_R_PUNT_FRAGMENT,
		SPISYNC_R_PUNT_IPV6_EXT, SPISYNC_R_SPI_RESERVED,
		SPISYNC_R_MALFORMED, SPISYNC_R_MAC_ERROR,
	};
	unsigned missing = 0;

	printf("outcomes:");
	for (size_t i = 0; i < sizeof(outcomes); i++) {
		printf(" %s %lu", reason_name(outcomes[i]), st->reason[outcomes[i]]);
		if (st->reason[outcomes[i]] == 0)
			missing++;
	}
	printf("\nESP candidates [v4, v6, v4 udp, v6 udp; then with 802.1Q]:");
	for (size_t k = 0; k < 8; k++) {
		printf(" %lu", st->esp_kind[k]);
		if (st->esp_kind[k] == 0)
			missing++;
	}
	printf("\n");
	if (missing != 0)
		fprintf(stderr, "COVERAGE: %u outcome or ESP kinds never generated\n", missing);
	return missing;
}

static bool parse_ulong(const char *s, unsigned long long *out)
{
	char *end;

	if (s == NULL)
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && end != s && *end == '\0';
}

int main(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	unsigned long long seed = (unsigned long long)time(NULL);
	unsigned long long frames = 500000;
	unsigned failed;
	struct prng r;
	clock_t t0;

	for (int i = 1; i < argc; i++) {
		bool ok = false;

		if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
			ok = parse_ulong(argv[++i], &seed);
		else if (i + 1 < argc && strcmp(argv[i], "--frames") == 0)
			ok = parse_ulong(argv[++i], &frames);
		if (!ok) {
			fprintf(stderr, "usage: %s [--seed N] [--frames N]\n", argv[0]);
			return 2;
		}
	}
	printf("esp_parser seed=%llu frames=%llu\n", seed, frames);

	b->sim = parser_sim_create();
	if (b->sim == NULL) {
		fprintf(stderr, "parser_sim_create: out of memory\n");
		return 1;
	}
	b->st.latency = -1;
	parser_sim_reset(b->sim);

	t0 = clock();
	failed = run_directed(b);
	prng_seed(&r, seed);
	run_random(b, &r, frames);
	failed += check_coverage(&b->st);
	printf("random: %lu frames in %llu clocks, latency %ld clocks, %lu mismatches (%.1f s)\n",
	    b->st.frames, (unsigned long long)parser_sim_cycles(b->sim), b->st.latency,
	    b->st.errors, (double)(clock() - t0) / CLOCKS_PER_SEC);
	parser_sim_destroy(b->sim);

	if (failed != 0 || b->st.errors != 0) {
		printf("FAIL (seed %llu)\n", seed);
		return 1;
	}
	printf("PASS\n");
	return 0;
}
