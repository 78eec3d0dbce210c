/*
 * spisync tests -- the C side of the scapy cross-check of the IKEv2 codec
 * (tests/unit/ike_msg_oracle.py is the other side).
 *
 *   ike_msg_dump parse HEX   parse one IKE message (header, payload chain,
 *                            every typed body) and print it as canonical
 *                            text, one line per item; exit 1 with
 *                            "error: ..." if the parser refuses it
 *   ike_msg_dump parse       the same for each line of hex on stdin, each
 *                            message's text ended by a line "--"; exit 0
 *                            unless the input itself is unreadable
 *   ike_msg_dump build       build fixed messages with ike_w_* and print
 *                            each as one line of hex
 *
 * The text format is the contract with the python script; it prints only
 * field values, never our own interpretation of them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_msg.h"

#define MSG_MAX 65535

static void
print_hex(const char *key, const uint8_t *p, size_t n)
{
	printf(" %s=", key);
	if (n == 0)
		printf("-");
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static int
hex_decode(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	const size_t n = strlen(s);

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int
dump_sa(const struct ike_pl_ref *r)
{
	struct ike_sa_pl sa;
	int rc = ike_sa_parse(r->body, r->len, &sa);

	if (rc != IKE_OK)
		return rc;
	for (size_t i = 0; i < sa.n; i++) {
		const struct ike_prop *p = &sa.p[i];

		printf("prop num=%u proto=%u", p->num, p->proto);
		print_hex("spi", p->spi, p->spi_size);
		printf("\n");
		for (size_t j = 0; j < p->nx; j++)
			printf("xform type=%u id=%u keylen=%u\n", p->x[j].type,
			    p->x[j].id, p->x[j].keylen);
	}
	return IKE_OK;
}

static int
dump_ts(const struct ike_pl_ref *r)
{
	struct ike_ts_pl ts;
	int rc = ike_ts_parse(r->body, r->len, &ts);

	if (rc != IKE_OK)
		return rc;
	for (size_t i = 0; i < ts.n; i++) {
		const struct ike_ts *t = &ts.ts[i];
		const size_t alen = t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;

		printf("ts type=%u proto=%u ports=%u-%u", t->type, t->proto,
		    t->port_lo, t->port_hi);
		print_hex("start", t->start, alen);
		print_hex("end", t->end, alen);
		printf("\n");
	}
	return IKE_OK;
}

static int
dump_payload(const struct ike_pl_ref *r)
{
	int rc = IKE_OK;

	printf("pl %u crit=%d len=%zu\n", r->type, r->critical ? 1 : 0, r->len);
	switch (r->type) {
	case IKE_PL_SA:
		return dump_sa(r);
	case IKE_PL_KE: {
		struct ike_ke_pl ke;

		if ((rc = ike_ke_parse(r->body, r->len, &ke)) != IKE_OK)
			return rc;
		printf("ke group=%u", ke.group);
		print_hex("data", ke.data, ke.len);
		break;
	}
	case IKE_PL_NONCE:
		if ((rc = ike_nonce_check(r->len)) != IKE_OK)
			return rc;
		printf("nonce");
		print_hex("data", r->body, r->len);
		break;
	case IKE_PL_NOTIFY: {
		struct ike_notify_pl n;

		if ((rc = ike_notify_parse(r->body, r->len, &n)) != IKE_OK)
			return rc;
		printf("notify proto=%u", n.proto);
		print_hex("spi", n.spi, n.spi_size);
		printf(" type=%u", n.type);
		print_hex("data", n.data, n.data_len);
		break;
	}
	case IKE_PL_DELETE: {
		struct ike_delete_pl d;

		if ((rc = ike_delete_parse(r->body, r->len, &d)) != IKE_OK)
			return rc;
		printf("delete proto=%u spi_size=%u count=%u", d.proto,
		    d.spi_size, d.count);
		print_hex("spis", d.spis, (size_t)d.count * d.spi_size);
		break;
	}
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		return dump_ts(r);
	case IKE_PL_IDI:
	case IKE_PL_IDR: {
		struct ike_id_pl id;

		if ((rc = ike_id_parse(r->body, r->len, &id)) != IKE_OK)
			return rc;
		printf("id type=%u", id.type);
		print_hex("data", id.data, id.len);
		break;
	}
	case IKE_PL_AUTH: {
		struct ike_auth_pl a;

		if ((rc = ike_auth_parse(r->body, r->len, &a)) != IKE_OK)
			return rc;
		printf("auth method=%u", a.method);
		print_hex("data", a.data, a.len);
		break;
	}
	default:
		printf("raw");
		print_hex("data", r->body, r->len);
		break;
	}
	printf("\n");
	return IKE_OK;
}

static int
cmd_parse(const char *hex)
{
	static uint8_t buf[MSG_MAX];
	static struct ike_payloads pls;
	struct ike_hdr h;
	size_t len;
	int rc;

	if (hex_decode(hex, buf, sizeof(buf), &len) != 0) {
		fprintf(stderr, "ike_msg_dump: bad hex\n");
		return 2;
	}
	if ((rc = ike_hdr_parse(buf, len, &h)) != IKE_OK)
		goto bad;
	printf("hdr spi_i=%016llx spi_r=%016llx next=%u version=0x%02x "
	    "exchange=%u flags=0x%02x msg_id=%u length=%u\n",
	    (unsigned long long)h.spi_i, (unsigned long long)h.spi_r, h.next,
	    h.version, h.exchange, h.flags, h.msg_id, h.length);
	if ((rc = ike_payloads_parse(h.next, buf + IKE_HDR_LEN, len - IKE_HDR_LEN, &pls)) != IKE_OK)
		goto bad;
	for (size_t i = 0; i < pls.n; i++)
		if ((rc = dump_payload(&pls.pl[i])) != IKE_OK)
			goto bad;
	return 0;
bad:
	printf("error: %s\n", ike_perr_str(rc));
	return 1;
}

static void
print_msg(const struct ike_w *w)
{
	if (w->err) {
		fprintf(stderr, "ike_msg_dump: writer overflow\n");
		exit(1);
	}
	for (size_t i = 0; i < w->len; i++)
		printf("%02x", w->buf[i]);
	printf("\n");
}

static void
fill(uint8_t *p, size_t n, uint8_t start)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

/* The values here are repeated, as constants, in ike_msg_oracle.py. */
static void
build_init(void)
{
	static uint8_t buf[2048];
	const struct ike_hdr h = { .spi_i = 0x0123456789abcdefULL, .spi_r = 0,
	    .version = IKE_VERSION_2, .exchange = IKE_SA_INIT,
	    .flags = IKE_FLAG_INITIATOR, .msg_id = 0 };
	struct ike_sa_pl sa = { .n = 2 };
	uint8_t ke[64], nonce[32], natd[20];
	struct ike_w w;

	sa.p[0] = (struct ike_prop){ .num = 1, .proto = IKE_PROTO_IKE, .nx = 3,
	    .x = { { IKE_TT_ENCR, 20, 128 }, { IKE_TT_PRF, 5, 0 }, { IKE_TT_DH, 19, 0 } } };
	sa.p[1] = (struct ike_prop){ .num = 2, .proto = IKE_PROTO_IKE, .nx = 4,
	    .x = { { IKE_TT_ENCR, 20, 256 }, { IKE_TT_PRF, 6, 0 }, { IKE_TT_DH, 31, 0 },
	           { IKE_TT_DH, 14, 0 } } };
	fill(ke, sizeof(ke), 0x40);
	fill(nonce, sizeof(nonce), 0xa0);
	fill(natd, sizeof(natd), 0x10);
	ike_w_init(&w, buf, sizeof(buf));
	ike_w_hdr(&w, &h);
	ike_w_sa(&w, &sa);
	ike_w_ke(&w, 19, ke, sizeof(ke));
	ike_w_nonce(&w, nonce, sizeof(nonce));
	ike_w_notify(&w, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, natd, sizeof(natd));
	natd[0] ^= 0xff;
	ike_w_notify(&w, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, natd, sizeof(natd));
	ike_w_finish(&w);
	print_msg(&w);
}

/* IKE_AUTH-like: the inner payloads in the clear (no SK), as the lead
 * encrypts them after building. */
static void
build_auth(void)
{
	static uint8_t buf[2048];
	const struct ike_hdr h = { .spi_i = 0x0123456789abcdefULL,
	    .spi_r = 0xfedcba9876543210ULL, .version = IKE_VERSION_2,
	    .exchange = IKE_AUTH, .flags = IKE_FLAG_INITIATOR, .msg_id = 1 };
	const uint8_t idi[] = { 198, 18, 0, 2 };
	const uint8_t idr[] = "gw.example";
	uint8_t mac[32];
	struct ike_sa_pl sa = { .n = 1 };
	struct ike_ts ts[2] = {
		{ .type = IKE_TS_IPV4_ADDR_RANGE, .proto = 17, .port_lo = 5000, .port_hi = 5001,
		  .start = { 198, 18, 2, 0 }, .end = { 198, 18, 2, 255 } },
		{ .type = IKE_TS_IPV6_ADDR_RANGE, .proto = 0, .port_lo = 0, .port_hi = 65535,
		  .start = { 0x20, 0x01, 0x0d, 0xb8 }, .end = { 0x20, 0x01, 0x0d, 0xb8,
		  [4] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	};
	struct ike_w w;

	sa.p[0] = (struct ike_prop){ .num = 1, .proto = IKE_PROTO_ESP, .spi_size = 4,
	    .spi = { 0xc1, 0x00, 0x00, 0x01 }, .nx = 2,
	    .x = { { IKE_TT_ENCR, 20, 256 }, { IKE_TT_ESN, 1, 0 } } };
	fill(mac, sizeof(mac), 0x70);
	ike_w_init(&w, buf, sizeof(buf));
	ike_w_hdr(&w, &h);
	ike_w_id(&w, IKE_PL_IDI, 1, idi, sizeof(idi));
	ike_w_notify(&w, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	ike_w_id(&w, IKE_PL_IDR, 2, idr, sizeof(idr) - 1);
	ike_w_auth(&w, IKE_AUTH_SHARED_KEY_MIC, mac, sizeof(mac));
	ike_w_sa(&w, &sa);
	ike_w_ts(&w, IKE_PL_TSI, ts, 2);
	ike_w_ts(&w, IKE_PL_TSR, ts, 1);
	ike_w_finish(&w);
	print_msg(&w);
}

/* INFORMATIONAL-like: what recovery sends for a stale SPI */
static void
build_info(void)
{
	static uint8_t buf[512];
	const struct ike_hdr h = { .spi_i = 0x1111111122222222ULL,
	    .spi_r = 0x3333333344444444ULL, .version = IKE_VERSION_2,
	    .exchange = INFORMATIONAL, .flags = IKE_FLAG_RESPONSE, .msg_id = 7 };
	const uint32_t spis[2] = { 0xb761863eU, 0x00000102U };
	const uint8_t stale[4] = { 0xb7, 0x61, 0x86, 0x3e };
	struct ike_w w;

	ike_w_init(&w, buf, sizeof(buf));
	ike_w_hdr(&w, &h);
	ike_w_delete(&w, IKE_PROTO_ESP, spis, 2);
	ike_w_notify(&w, IKE_PROTO_ESP, NULL, 0, IKE_N_INVALID_SPI, stale, sizeof(stale));
	ike_w_delete(&w, IKE_PROTO_IKE, NULL, 0);
	ike_w_finish(&w);
	print_msg(&w);
}

/* One message per line of hex on stdin. */
static int
cmd_parse_lines(void)
{
	static char line[2 * MSG_MAX + 2];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		const size_t n = strcspn(line, "\r\n");

		if (line[n] == '\0' && !feof(stdin)) {
			fprintf(stderr, "ike_msg_dump: line too long\n");
			return 2;
		}
		line[n] = '\0';
		if (cmd_parse(line) == 2)
			return 2;
		printf("--\n");
	}
	return ferror(stdin) ? 2 : 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "parse") == 0)
		return cmd_parse(argv[2]);
	if (argc == 2 && strcmp(argv[1], "parse") == 0)
		return cmd_parse_lines();
	if (argc == 2 && strcmp(argv[1], "build") == 0) {
		build_init();
		build_auth();
		build_info();
		return 0;
	}
	fprintf(stderr, "usage: ike_msg_dump parse [HEX] | ike_msg_dump build\n");
	return 2;
}
