/*
 * spisync tests -- spisyncd's IKEv2 engine (hostd/spisyncd/ike_engine.h)
 * in-process: two engines (A 198.18.0.1 initiator, B 198.18.0.2 responder)
 * wired through a message queue, a fake clock and a fake card.
 *
 * The oracle is independent of the engine's state: ike_dh_new is wrapped
 * (-Wl,--wrap=ike_dh_new) so that each side's DH private value is known to
 * the test; the test computes g^ir itself, derives the IKE SA keys from the
 * nonces and SPIs it parses out of the captured messages (ike_msg.h codec),
 * decrypts every protected message with them, recomputes both AUTH
 * payloads with the PSK, and derives each CHILD SA's KEYMAT from SK_d and
 * the exchange's nonces; the spisync_sa structs the engines hand to sa_add
 * are then checked field by field against those keys. ike_crypto.h's
 * functions are tested against Python separately (tests/unit/
 * ike_crypto_oracle.py).
 *
 * Run: test_ike_engine [--seed N] (the seed drives the random mutations);
 * IKE_TEST_ONLY=test_name runs one test, IKE_TEST_LOG=1 prints the engines'
 * log lines. (Four engine bugs these tests found are fixed: the COOKIE
 * retry's unchanged payloads, AUTHENTICATION_FAILED from the initiator,
 * the number of retransmissions, corrupted requests under the last
 * message ID.)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "config.h"
#include "ike_crypto.h"
#include "ike_engine.h"
#include "ike_msg.h"
#include "prng.h"
#include "test_seed.h"

static unsigned long long g_seed;

/* ---- known DH private values (the wrap) --------------------------------- */

static int g_cur = -1;          /* which node the engine call is for */

int __real_ike_dh_new(uint16_t group, struct ike_dh **out);
int __wrap_ike_dh_new(uint16_t group, struct ike_dh **out);

static void dh_priv(int node, uint16_t group, uint8_t *p, size_t *len)
{
	size_t i;

	*len = 32;
	for (i = 0; i < 32; i++)
		p[i] = (uint8_t)(0x11 * (node + 1) + 7 * i);
	if (group == SD_DH_ECP_256)
		p[0] = 0x3c;    /* below the group order n */
}

int __wrap_ike_dh_new(uint16_t group, struct ike_dh **out)
{
	uint8_t p[32];
	size_t len;

	if (g_cur < 0)
		return __real_ike_dh_new(group, out);
	dh_priv(g_cur, group, p, &len);
	return ike_dh_new_with_private(group, p, len, out);
}

/* ---- the network, the card, the log ------------------------------------- */

/* IKE_MSG_MAX of ike_sa.h: the longest message the engine builds */
#define MSG_MAX 4096

enum ev_kind { EV_SEND, EV_ADD, EV_DEL, EV_CHILD_UP, EV_REKEY };

struct ev {
	int node;
	enum ev_kind kind;
	uint8_t msg[MSG_MAX];
	size_t len;
	struct sockaddr_storage local, remote;
	struct spisync_sa sa;
	uint32_t index;
	uint64_t at_ms;
	bool delivered;
};

#define MAX_EV 600
#define MAX_CARD 64

struct node {
	int id;
	struct sd_config cfg;
	struct ike_engine *e;
	bool card_used[MAX_CARD];
	struct spisync_sa card[MAX_CARD];
	unsigned n_add, n_del;
	int sa_add_rc;          /* what the fake card answers */
	char last_log[600];
	unsigned n_log;
};

struct net {
	struct node n[2];
	uint64_t now;
	bool nat;               /* A behind a NAT: 203.0.113.5:40000/40001 */
	bool drop_to[2];        /* drop everything sent to node i */
	unsigned ev_n;
	struct ev ev[MAX_EV];
};

static struct net *g_net;
/* test_robustness: before each message is delivered, every corruption of
 * it first */
static bool g_corrupt;
static bool g_corrupt_random;   /* random mutations, not all corruptions */

static struct ev *ev_new(struct node *nd, enum ev_kind kind)
{
	struct ev *v;

	assert_true(g_net->ev_n < MAX_EV);
	v = &g_net->ev[g_net->ev_n++];
	memset(v, 0, sizeof(*v));
	v->node = nd->id;
	v->kind = kind;
	v->at_ms = g_net->now;
	return v;
}

static void copy_sa(struct sockaddr_storage *to, const struct sockaddr *from)
{
	memset(to, 0, sizeof(*to));
	memcpy(to, from, from->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
}

static int op_send(void *ctx, const struct sockaddr *local,
    const struct sockaddr *remote, const uint8_t *msg, size_t len)
{
	struct ev *v = ev_new(ctx, EV_SEND);

	assert_true(len <= sizeof(v->msg));
	memcpy(v->msg, msg, len);
	v->len = len;
	copy_sa(&v->local, local);
	copy_sa(&v->remote, remote);
	return 0;
}

static int op_sa_add(void *ctx, const struct spisync_sa *sa, uint32_t *index)
{
	struct node *nd = ctx;
	struct ev *v;
	uint32_t i;

	if (nd->sa_add_rc != 0)
		return nd->sa_add_rc;
	for (i = 0; i < MAX_CARD && nd->card_used[i]; i++)
		;
	assert_true(i < MAX_CARD);
	nd->card_used[i] = true;
	nd->card[i] = *sa;
	nd->n_add++;
	v = ev_new(nd, EV_ADD);
	v->sa = *sa;
	v->index = i;
	*index = i;
	return 0;
}

static int op_sa_del(void *ctx, uint32_t index)
{
	struct node *nd = ctx;
	struct ev *v;

	/* the engine deletes only what it installed, once */
	assert_true(index < MAX_CARD);
	assert_true(nd->card_used[index]);
	nd->card_used[index] = false;
	nd->n_del++;
	v = ev_new(nd, EV_DEL);
	v->index = index;
	v->sa = nd->card[index];
	return 0;
}

static void op_log(void *ctx, int prio, const char *line)
{
	struct node *nd = ctx;

	(void)prio;
	snprintf(nd->last_log, sizeof(nd->last_log), "%s", line);
	nd->n_log++;
	if (getenv("IKE_TEST_LOG") != NULL)
		fprintf(stderr, "[%c %llu] %s\n", 'A' + nd->id,
		    (unsigned long long)g_net->now, line);
}

static void op_child_up(void *ctx, const struct sockaddr *peer)
{
	struct ev *v = ev_new(ctx, EV_CHILD_UP);

	copy_sa(&v->remote, peer);
}

static void op_rekey(void *ctx, const struct sockaddr *peer, bool started)
{
	struct ev *v = ev_new(ctx, EV_REKEY);

	copy_sa(&v->remote, peer);
	v->index = started;
}

static unsigned card_count(const struct node *nd)
{
	unsigned i, n = 0;

	for (i = 0; i < MAX_CARD; i++)
		n += nd->card_used[i];
	return n;
}

/* the one SA on a node's card */
static const struct spisync_sa *card_only(const struct node *nd)
{
	unsigned i;

	assert_int_equal(card_count(nd), 1);
	for (i = 0; i < MAX_CARD; i++)
		if (nd->card_used[i])
			return &nd->card[i];
	return NULL;
}

/* ---- configuration ------------------------------------------------------ */

static const char *const ip[2] = { "198.18.0.1", "198.18.0.2" };

struct peer_opts {
	const char *ike, *esp, *psk, *local_id, *remote_id, *address;
	const char *extra;      /* more peer lines */
	const char *global;     /* more global lines */
};

static void load_cfg(struct node *nd, const struct peer_opts *o)
{
	char path[] = "/tmp/test_ike_engine_XXXXXX", err[512];
	int fd = mkstemp(path);
	FILE *f;
	int rc;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "[global]\ndevice = sim:/tmp/none.sock\nlisten = %s\n"
	    "retransmit_timeout = 500ms\nretransmit_tries = 5\n"
	    "retransmit_base = 2.0\n%s\n"
	    "[peer %s]\ntype = static\naddress = %s\npsk = %s\n"
	    "ike = %s\nesp = %s\nlocal_ts = 198.18.%d.0/24\n"
	    "remote_ts = 198.18.%d.0/24\n%s%s%s%s%s%s\n",
	    ip[nd->id], o->global ? o->global : "",
	    nd->id == 0 ? "bee" : "ant",
	    o->address ? o->address : ip[1 - nd->id],
	    o->psk ? o->psk : "0x000102030405060708090a0b0c0d0e0f",
	    o->ike ? o->ike : "aes128gcm16-prfsha256-ecp256",
	    o->esp ? o->esp : "aes128gcm16",
	    nd->id + 1, 2 - nd->id,
	    o->extra != NULL && strstr(o->extra, "dpd_delay") ? "" : "dpd_delay = 0\n",
	    o->local_id ? "local_id = " : "", o->local_id ? o->local_id : "",
	    o->local_id ? "\n" : "",
	    o->remote_id ? "remote_id = " : "", o->remote_id ? o->remote_id : "");
	if (o->remote_id)
		fputc('\n', f);
	if (o->extra)
		fputs(o->extra, f);
	fclose(f);
	rc = sd_config_load(path, &nd->cfg, err, sizeof(err));
	unlink(path);
	if (rc != 0)
		fail_msg("config: %s", err);
}

static const struct ike_engine_ops ops_tmpl = {
	.send = op_send, .sa_add = op_sa_add, .sa_del = op_sa_del,
	.log = op_log, .child_up = op_child_up, .rekey = op_rekey,
};

static struct net *net_new(const struct peer_opts *oa,
    const struct peer_opts *ob)
{
	struct net *net = calloc(1, sizeof(*net));
	struct ike_engine_ops ops = ops_tmpl;
	int i;

	g_corrupt = g_corrupt_random = false;   /* set for one run by the tests */
	assert_non_null(net);
	g_net = net;
	net->now = 1000000;
	for (i = 0; i < 2; i++) {
		net->n[i].id = i;
		load_cfg(&net->n[i], i == 0 ? oa : ob);
		ops.ctx = &net->n[i];
		g_cur = i;
		assert_int_equal(ike_engine_new(&net->n[i].cfg, &ops, &net->n[i].e), 0);
	}
	g_cur = -1;
	return net;
}

static void net_free(struct net *net)
{
	int i;

	for (i = 0; i < 2; i++) {
		g_cur = i;
		ike_engine_free(net->n[i].e);
		/* every inbound SA it installed is gone from the card */
		assert_int_equal(card_count(&net->n[i]), 0);
		sd_config_free(&net->n[i].cfg);
	}
	g_cur = -1;
	g_net = NULL;
	free(net);
}

static const struct sd_peer *peer_of(struct net *net, int i)
{
	return &net->n[i].cfg.peers[0];
}

/* ---- addresses and the NAT ---------------------------------------------- */

static void mk_addr(struct sockaddr_storage *s, const char *a, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)s;

	memset(s, 0, sizeof(*s));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, a, &in->sin_addr), 1);
}

static uint16_t port_of(const struct sockaddr_storage *s)
{
	return ntohs(((const struct sockaddr_in *)(const void *)s)->sin_port);
}

static bool ip_is(const struct sockaddr_storage *s, const char *a)
{
	struct in_addr x;

	inet_pton(AF_INET, a, &x);
	return memcmp(&((const struct sockaddr_in *)(const void *)s)->sin_addr,
	    &x, 4) == 0;
}

/* A behind a NAT: its 500 and 4500 seen as 203.0.113.5:40000 / 40001 */
static void nat_out(struct sockaddr_storage *s)
{
	uint16_t p = port_of(s);

	mk_addr(s, "203.0.113.5", p == 4500 ? 40001 : 40000);
}

static void nat_in(struct sockaddr_storage *s)
{
	uint16_t p = port_of(s);

	mk_addr(s, ip[0], p == 40001 ? 4500 : 500);
}

/* ---- driving ------------------------------------------------------------ */

static void input_at(struct net *net, int to, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, const uint8_t *msg, size_t len)
{
	g_cur = to;
	ike_engine_input(net->n[to].e, (const struct sockaddr *)local,
	    (const struct sockaddr *)remote, msg, len, net->now);
	g_cur = -1;
}

static void corrupt_all(struct net *net, const struct ev *v);
static void corrupt_random(struct net *net, const struct ev *v);

/* Deliver one sent message to the other node (as the network would). */
static void deliver(struct net *net, struct ev *v)
{
	struct sockaddr_storage src = v->local, dst = v->remote;
	int to = 1 - v->node;

	v->delivered = true;
	if (net->drop_to[to])
		return;
	if (g_corrupt && !net->nat) {
		if (g_corrupt_random)
			corrupt_random(net, v);
		else
			corrupt_all(net, v);
	}
	if (net->nat) {
		if (v->node == 0)
			nat_out(&src);
		else
			nat_in(&dst);
	}
	input_at(net, to, &dst, &src, v->msg, v->len);
}

/* Deliver queued messages until none is left; how many. */
static unsigned pump(struct net *net)
{
	unsigned i, n = 0;

	for (i = 0; i < net->ev_n; i++) {
		if (net->ev[i].kind != EV_SEND || net->ev[i].delivered)
			continue;
		deliver(net, &net->ev[i]);
		n++;
	}
	return n;
}

/* Mark everything queued as delivered without delivering (lost). */
static void lose_all(struct net *net)
{
	unsigned i;

	for (i = 0; i < net->ev_n; i++)
		net->ev[i].delivered = true;
}

static void tick(struct net *net, int i)
{
	g_cur = i;
	(void)ike_engine_tick(net->n[i].e, net->now);
	g_cur = -1;
}

static void tick_both(struct net *net)
{
	tick(net, 0);
	tick(net, 1);
}

static int initiate(struct net *net, bool ic, uint32_t stale)
{
	int rc;

	g_cur = 0;
	rc = ike_engine_initiate(net->n[0].e, peer_of(net, 0), ic, stale, net->now);
	g_cur = -1;
	return rc;
}

static bool established(struct net *net, int i)
{
	struct ike_engine_peer_state st;

	ike_engine_peer_state(net->n[i].e, peer_of(net, i), NULL, &st);
	return st.ike_sa;
}

/* the i-th event of a kind from a node, from index `from` on; -1 none */
static int find_ev(const struct net *net, unsigned from, int node,
    enum ev_kind kind, unsigned nth)
{
	unsigned i;

	for (i = from; i < net->ev_n; i++)
		if (net->ev[i].node == node && net->ev[i].kind == kind) {
			if (nth == 0)
				return (int)i;
			nth--;
		}
	return -1;
}

static unsigned count_ev(const struct net *net, unsigned from, int node,
    enum ev_kind kind)
{
	unsigned i, n = 0;

	for (i = from; i < net->ev_n; i++)
		n += net->ev[i].node == node && net->ev[i].kind == kind;
	return n;
}

/* ---- the oracle: parse, keys, decryption -------------------------------- */

struct parsed {
	struct ike_hdr h;
	struct ike_payloads pl;       /* outer, or inner after open */
	uint8_t plain[MSG_MAX];
};

static void parse_plain(const struct ev *v, struct parsed *p)
{
	assert_int_equal(ike_hdr_parse(v->msg, v->len, &p->h), IKE_OK);
	assert_int_equal(ike_payloads_parse(p->h.next, v->msg + IKE_HDR_LEN,
	    v->len - IKE_HDR_LEN, &p->pl), IKE_OK);
}

static const struct ike_pl_ref *need(const struct parsed *p, uint8_t type)
{
	const struct ike_pl_ref *r = ike_payload_find(&p->pl, type, 0);

	if (r == NULL)
		fail_msg("no %s payload", ike_payload_name(type));
	return r;
}

/* the oracle's view of one IKE SA */
struct oracle {
	uint16_t prf, group;
	unsigned keybits;
	uint8_t spi_i[8], spi_r[8];
	uint8_t ni[256], nr[256];
	size_t ni_len, nr_len;
	struct ike_sa_keys k;
	const struct ev *init_req, *init_rsp;
};

/* Decrypt a protected message with the oracle's keys: 0, or -1 (ICV). */
static int open_msg(const struct oracle *o, const struct ev *v,
    struct parsed *p)
{
	struct ike_payloads outer;
	const struct ike_pl_ref *sk;
	size_t plen = sizeof(p->plain);

	if (ike_hdr_parse(v->msg, v->len, &p->h) != IKE_OK ||
	    ike_payloads_parse(p->h.next, v->msg + IKE_HDR_LEN,
	    v->len - IKE_HDR_LEN, &outer) != IKE_OK || outer.n == 0)
		return -1;
	sk = &outer.pl[outer.n - 1];
	if (sk->type != IKE_PL_SK)
		return -1;
	if (ike_sk_open((p->h.flags & IKE_FLAG_INITIATOR) ? o->k.sk_ei : o->k.sk_er,
	    o->k.enc_len, v->msg, (size_t)(sk->body - v->msg), sk->body, sk->len,
	    p->plain, &plen) != 0)
		return -1;
	assert_int_equal(ike_payloads_parse(outer.sk_next, p->plain, plen, &p->pl),
	    IKE_OK);
	return 0;
}

static void put_spi8(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* From an IKE_SA_INIT request (sent by node `ini`) and its response: the
 * DH shared secret from the known private values, then the IKE SA keys. */
static void oracle_init(struct oracle *o, const struct ev *req,
    const struct ev *rsp, int ini)
{
	struct parsed pq, pr;
	struct ike_ke_pl ke_i, ke_r;
	struct ike_sa_pl sa;
	struct ike_dh *dh;
	uint8_t priv[32], gir[256], gir2[256];
	size_t plen, gl = sizeof(gir), gl2 = sizeof(gir2), i;
	const struct ike_pl_ref *r;

	memset(o, 0, sizeof(*o));
	o->init_req = req;
	o->init_rsp = rsp;
	parse_plain(req, &pq);
	parse_plain(rsp, &pr);
	assert_int_equal(pq.h.exchange, IKE_SA_INIT);
	assert_int_equal(pr.h.exchange, IKE_SA_INIT);
	assert_int_equal(pq.h.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(pr.h.flags, IKE_FLAG_RESPONSE);
	assert_int_equal(pq.h.msg_id, 0);
	assert_int_equal(pr.h.msg_id, 0);
	assert_true(pr.h.spi_r != 0);
	assert_true(pq.h.spi_i == pr.h.spi_i);
	put_spi8(o->spi_i, pr.h.spi_i);
	put_spi8(o->spi_r, pr.h.spi_r);
	r = need(&pq, IKE_PL_NONCE);
	memcpy(o->ni, r->body, r->len);
	o->ni_len = r->len;
	r = need(&pr, IKE_PL_NONCE);
	memcpy(o->nr, r->body, r->len);
	o->nr_len = r->len;
	r = need(&pq, IKE_PL_KE);
	assert_int_equal(ike_ke_parse(r->body, r->len, &ke_i), IKE_OK);
	r = need(&pr, IKE_PL_KE);
	assert_int_equal(ike_ke_parse(r->body, r->len, &ke_r), IKE_OK);
	assert_int_equal(ke_i.group, ke_r.group);
	o->group = ke_i.group;
	/* the response's one proposal: its transforms */
	r = need(&pr, IKE_PL_SA);
	assert_int_equal(ike_sa_parse(r->body, r->len, &sa), IKE_OK);
	assert_int_equal(sa.n, 1);
	for (i = 0; i < sa.p[0].nx; i++) {
		if (sa.p[0].x[i].type == IKE_TT_PRF)
			o->prf = sa.p[0].x[i].id;
		if (sa.p[0].x[i].type == IKE_TT_ENCR) {
			assert_int_equal(sa.p[0].x[i].id, SD_ENCR_AES_GCM_16);
			o->keybits = sa.p[0].x[i].keylen;
		}
		if (sa.p[0].x[i].type == IKE_TT_DH)
			assert_int_equal(sa.p[0].x[i].id, o->group);
	}
	/* g^ir both ways, from the test's own copies of the private values */
	dh_priv(ini, o->group, priv, &plen);
	assert_int_equal(ike_dh_new_with_private(o->group, priv, plen, &dh), 0);
	assert_int_equal(ike_dh_shared(dh, ke_r.data, ke_r.len, gir, &gl), 0);
	ike_dh_free(dh);
	dh_priv(1 - ini, o->group, priv, &plen);
	assert_int_equal(ike_dh_new_with_private(o->group, priv, plen, &dh), 0);
	assert_int_equal(ike_dh_shared(dh, ke_i.data, ke_i.len, gir2, &gl2), 0);
	ike_dh_free(dh);
	assert_int_equal(gl, gl2);
	assert_memory_equal(gir, gir2, gl);
	assert_int_equal(ike_derive_sa_keys(o->prf, o->keybits, o->ni, o->ni_len,
	    o->nr, o->nr_len, gir, gl, o->spi_i, o->spi_r, &o->k), 0);
}

static uint64_t spi64(const uint8_t b[8])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The one ESP proposal of a response / first of a request: SPI, ESN */
static uint32_t esp_spi(const struct parsed *p, bool *esn_yes,
    uint16_t *keybits)
{
	struct ike_sa_pl sa;
	const struct ike_pl_ref *r = need(p, IKE_PL_SA);
	size_t i;

	assert_int_equal(ike_sa_parse(r->body, r->len, &sa), IKE_OK);
	assert_true(sa.n >= 1);
	assert_int_equal(sa.p[0].proto, IKE_PROTO_ESP);
	assert_int_equal(sa.p[0].spi_size, 4);
	if (esn_yes != NULL) {
		*esn_yes = false;
		for (i = 0; i < sa.p[0].nx; i++)
			if (sa.p[0].x[i].type == IKE_TT_ESN && sa.p[0].x[i].id == 1)
				*esn_yes = true;
	}
	if (keybits != NULL)
		for (i = 0; i < sa.p[0].nx; i++)
			if (sa.p[0].x[i].type == IKE_TT_ENCR)
				*keybits = sa.p[0].x[i].keylen;
	return be32(sa.p[0].spi);
}

/* Check AUTH of one side (PSK, RFC 7296 2.15), recomputed by the oracle */
static void check_auth(const struct oracle *o, const struct parsed *p,
    bool of_initiator, const char *psk_hex)
{
	const struct ike_pl_ref *rid = need(p, of_initiator ? IKE_PL_IDI : IKE_PL_IDR);
	const struct ike_pl_ref *ra = need(p, IKE_PL_AUTH);
	struct ike_auth_pl auth;
	uint8_t psk[64], want[IKE_MAX_PRF];
	size_t psk_len = strlen(psk_hex + 2) / 2, wl = sizeof(want), i;
	unsigned b;

	for (i = 0; i < psk_len; i++) {
		sscanf(psk_hex + 2 + 2 * i, "%2x", &b);
		psk[i] = (uint8_t)b;
	}
	assert_int_equal(ike_auth_parse(ra->body, ra->len, &auth), IKE_OK);
	assert_int_equal(auth.method, IKE_AUTH_SHARED_KEY_MIC);
	assert_int_equal(ike_psk_auth(o->prf, psk, psk_len,
	    of_initiator ? o->init_req->msg : o->init_rsp->msg,
	    of_initiator ? o->init_req->len : o->init_rsp->len,
	    of_initiator ? o->nr : o->ni, of_initiator ? o->nr_len : o->ni_len,
	    of_initiator ? o->k.sk_pi : o->k.sk_pr, o->k.prf_len,
	    rid->body, rid->len, want, &wl), 0);
	assert_int_equal(auth.len, wl);
	assert_memory_equal(auth.data, want, wl);
}

/* An installed inbound SA against the oracle's KEYMAT (RFC 7296 2.17). */
static void check_card_sa(const struct spisync_sa *sa, const struct oracle *o,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    bool toward_initiator, uint32_t spi, const char *dst, unsigned keybits,
    bool esn, bool udp, uint16_t sport, uint16_t dport, uint32_t hard)
{
	struct ike_child_keys ck;
	struct in_addr d;

	assert_int_equal(ike_derive_child_keys(o->prf, o->k.sk_d, o->k.prf_len,
	    keybits, NULL, 0, ni, ni_len, nr, nr_len, &ck), 0);
	assert_int_equal(sa->spi, spi);
	assert_false(sa->ipv6);
	inet_pton(AF_INET, dst, &d);
	assert_memory_equal(sa->dst, &d, 4);
	assert_int_equal(sa->key_len, keybits / 8);
	assert_memory_equal(sa->key, toward_initiator ? ck.key_r2i : ck.key_i2r,
	    keybits / 8);
	assert_memory_equal(sa->salt, toward_initiator ? ck.salt_r2i : ck.salt_i2r,
	    4);
	assert_int_equal(sa->icv_len, 16);
	assert_int_equal(sa->esn, esn);
	assert_int_equal(sa->mode, SPISYNC_SA_MODE_TUNNEL);
	assert_int_equal(sa->udp_encap, udp);
	assert_int_equal(sa->sport, udp ? sport : 0);
	assert_int_equal(sa->dport, udp ? dport : 0);
	assert_int_equal(sa->hard_time_s, hard);
	assert_int_equal(sa->soft_time_s, 0);
	ike_child_keys_cleanse(&ck);
}

/* what the card's hard lifetime of a node's inbound SAs must be: the CHILD
 * lifetime and a tenth (docs/ike-engine.md) */
static uint32_t hard_of(const struct net *net, int node)
{
	uint32_t l = net->n[node].cfg.peers[0].child_lifetime_s;

	return l + l / 10;
}

/* The SEND events of the first full IKE_SA_INIT + IKE_AUTH, from `from` */
struct hs {
	int init_req, init_rsp, auth_req, auth_rsp;
	struct oracle o;
};

static void find_hs(struct net *net, unsigned from, struct hs *hs)
{
	unsigned i;
	struct ike_hdr h;

	hs->init_req = hs->init_rsp = hs->auth_req = hs->auth_rsp = -1;
	for (i = from; i < net->ev_n; i++) {
		if (net->ev[i].kind != EV_SEND ||
		    ike_hdr_parse(net->ev[i].msg, net->ev[i].len, &h) != IKE_OK)
			continue;
		if (h.exchange == IKE_SA_INIT && !(h.flags & IKE_FLAG_RESPONSE))
			hs->init_req = (int)i;
		else if (h.exchange == IKE_SA_INIT && h.spi_r != 0 &&
		    hs->init_rsp < 0)
			hs->init_rsp = (int)i;
		else if (h.exchange == IKE_AUTH && !(h.flags & IKE_FLAG_RESPONSE) &&
		    hs->auth_req < 0)
			hs->auth_req = (int)i;
		else if (h.exchange == IKE_AUTH && (h.flags & IKE_FLAG_RESPONSE) &&
		    hs->auth_rsp < 0)
			hs->auth_rsp = (int)i;
	}
	assert_true(hs->init_req >= 0 && hs->init_rsp >= 0);
	oracle_init(&hs->o, &net->ev[hs->init_req], &net->ev[hs->init_rsp],
	    net->ev[hs->init_req].node);
}

static const char *const psk_default = "0x000102030405060708090a0b0c0d0e0f";

/* ---- IKE_SA_INIT + IKE_AUTH: each group, key size, ESN ------------------ */

static void handshake_case(const char *ike, const char *esp, unsigned keybits,
    bool esn)
{
	struct peer_opts oa = { .ike = ike, .esp = esp,
	    .extra = "child_lifetime = 1h\n" };
	struct peer_opts ob = oa;
	struct net *net = net_new(&oa, &ob);
	struct parsed aq, ar;
	uint32_t spi_a, spi_b;
	bool e1, e2;
	uint16_t kb;
	struct hs hs;
	int a_add, b_add;

	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	assert_true(established(net, 0));
	assert_true(established(net, 1));
	find_hs(net, 0, &hs);
	assert_true(hs.auth_req >= 0 && hs.auth_rsp >= 0);
	assert_int_equal(hs.o.keybits, strstr(ike, "aes256") ? 256 : 128);
	assert_int_equal(hs.o.prf, strstr(ike, "prfsha384") ? 6 : 5);
	/* both protected messages open with the oracle's keys */
	assert_int_equal(open_msg(&hs.o, &net->ev[hs.auth_req], &aq), 0);
	assert_int_equal(open_msg(&hs.o, &net->ev[hs.auth_rsp], &ar), 0);
	assert_int_equal(aq.h.msg_id, 1);
	assert_int_equal(ar.h.msg_id, 1);
	check_auth(&hs.o, &aq, true, psk_default);
	check_auth(&hs.o, &ar, false, psk_default);
	/* INITIAL_CONTACT: A had no IKE SA with B (ike_engine.h) */
	{
		struct ike_notify_pl n;

		assert_int_equal(ike_notify_parse(need(&aq, IKE_PL_NOTIFY)->body,
		    need(&aq, IKE_PL_NOTIFY)->len, &n), IKE_OK);
		assert_int_equal(n.type, IKE_N_INITIAL_CONTACT);
		assert_null(ike_payload_find(&aq.pl, IKE_PL_NOTIFY, 1));
	}
	spi_a = esp_spi(&aq, &e1, NULL);
	spi_b = esp_spi(&ar, &e2, &kb);
	assert_int_equal(kb, keybits);
	assert_int_equal(e2, esn);
	/* one SA on each card */
	a_add = find_ev(net, 0, 0, EV_ADD, 0);
	b_add = find_ev(net, 0, 1, EV_ADD, 0);
	assert_true(a_add >= 0 && b_add >= 0);
	assert_int_equal(count_ev(net, 0, 0, EV_ADD), 1);
	assert_int_equal(count_ev(net, 0, 1, EV_ADD), 1);
	/* A's inbound = B's outbound (responder to initiator), and the other
	 * way; each on the SPI its owner announced */
	check_card_sa(&net->ev[a_add].sa, &hs.o, hs.o.ni, hs.o.ni_len, hs.o.nr,
	    hs.o.nr_len, true, spi_a, ip[0], keybits, esn, false, 0, 0, 3960);
	check_card_sa(&net->ev[b_add].sa, &hs.o, hs.o.ni, hs.o.ni_len, hs.o.nr,
	    hs.o.nr_len, false, spi_b, ip[1], keybits, esn, false, 0, 0, 3960);
	/* make-before-break: B installed before its IKE_AUTH response left,
	 * A (whose keys need only the IKE_SA_INIT nonces) before its request */
	assert_true(b_add < hs.auth_rsp);
	assert_true(a_add < hs.auth_req);
	/* IKE on port 500 without NAT */
	assert_int_equal(port_of(&net->ev[hs.auth_req].remote), 500);
	assert_int_equal(port_of(&net->ev[hs.auth_req].local), 500);
	ike_sa_keys_cleanse(&hs.o.k);
	net_free(net);
}

static void test_handshake_groups(void **state)
{
	(void)state;
	handshake_case("aes128gcm16-prfsha256-ecp256", "aes128gcm16", 128, false);
	handshake_case("aes256gcm16-prfsha384-x25519", "aes256gcm16-esn", 256, true);
	handshake_case("aes128gcm16-prfsha256-modp2048", "aes128gcm16-esn", 128, true);
	handshake_case("aes256gcm16-prfsha256-x25519", "aes128gcm16-noesn", 128, false);
	handshake_case("aes128gcm16-prfsha384-ecp256", "aes256gcm16-esn", 256, true);
	handshake_case("aes256gcm16-prfsha384-modp2048", "aes256gcm16", 256, false);
}

/* ESN: "-esn-noesn" on A and "-noesn" on B settle on no ESN, the reverse
 * order on B on ESN if A offers it */
static void test_esn_negotiation(void **state)
{
	struct peer_opts oa = { .esp = "aes128gcm16-esn-noesn" };
	struct peer_opts ob = { .esp = "aes128gcm16-noesn" };
	struct net *net;

	(void)state;
	net = net_new(&oa, &ob);
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	/* what is on the cards at the end (A may have installed ahead with
	 * its first proposal, then replaced it) */
	assert_false(card_only(&net->n[0])->esn);
	assert_false(card_only(&net->n[1])->esn);
	assert_int_equal(card_only(&net->n[0])->spi,
	    net->ev[find_ev(net, 0, 0, EV_ADD, 0)].sa.spi);
	net_free(net);
	ob.esp = "aes128gcm16-esn";
	net = net_new(&oa, &ob);
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	assert_true(card_only(&net->n[0])->esn);
	assert_true(card_only(&net->n[1])->esn);
	net_free(net);
}

/* ---- NAT ------------------------------------------------------------------ */

static void test_nat(void **state)
{
	struct peer_opts oa = { 0 };
	/* B knows A by the NAT's public address; A's identity is its own */
	struct peer_opts ob = { .address = "203.0.113.5", .remote_id = "198.18.0.1" };
	struct net *net;
	struct hs hs;
	struct parsed aq, ar;
	int a_add, b_add;
	unsigned i;

	(void)state;
	net = net_new(&oa, &ob);
	net->nat = true;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	assert_true(established(net, 0) && established(net, 1));
	find_hs(net, 0, &hs);
	/* IKE_SA_INIT on 500, everything after on 4500 both ways */
	assert_int_equal(port_of(&net->ev[hs.init_req].remote), 500);
	for (i = (unsigned)hs.init_rsp + 1; i < net->ev_n; i++) {
		if (net->ev[i].kind != EV_SEND)
			continue;
		assert_int_equal(port_of(&net->ev[i].local), 4500);
		assert_int_equal(port_of(&net->ev[i].remote),
		    net->ev[i].node == 0 ? 4500 : 40001);
	}
	assert_int_equal(open_msg(&hs.o, &net->ev[hs.auth_req], &aq), 0);
	assert_int_equal(open_msg(&hs.o, &net->ev[hs.auth_rsp], &ar), 0);
	a_add = find_ev(net, 0, 0, EV_ADD, 0);
	b_add = find_ev(net, 0, 1, EV_ADD, 0);
	/* A (behind the NAT) gets ESP-in-UDP from B's 4500 on its 4500; B
	 * from the NAT's 40001 on its 4500 */
	check_card_sa(&net->ev[a_add].sa, &hs.o, hs.o.ni, hs.o.ni_len, hs.o.nr,
	    hs.o.nr_len, true, esp_spi(&aq, NULL, NULL), ip[0], 128, false, true,
	    4500, 4500, hard_of(net, 0));
	check_card_sa(&net->ev[b_add].sa, &hs.o, hs.o.ni, hs.o.ni_len, hs.o.nr,
	    hs.o.nr_len, false, esp_spi(&ar, NULL, NULL), ip[1], 128, false, true,
	    40001, 4500, hard_of(net, 1));
	/* which side the NAT is on, as each sees it */
	for (i = 0; i < 2; i++) {
		char buf[4096];
		FILE *f = fmemopen(buf, sizeof(buf), "w");
		struct json_object *j, *sa, *v;

		assert_non_null(f);
		assert_int_equal(ike_engine_json_ike(net->n[i].e, net->now, f), 0);
		fclose(f);
		j = json_tokener_parse(buf);
		assert_non_null(j);
		assert_true(json_object_object_get_ex(j, "ike_sas", &sa));
		sa = json_object_array_get_idx(sa, 0);
		assert_true(json_object_object_get_ex(sa, "nat_local", &v));
		assert_int_equal(json_object_get_boolean(v), i == 0);
		assert_true(json_object_object_get_ex(sa, "nat_remote", &v));
		assert_int_equal(json_object_get_boolean(v), i == 1);
		assert_true(json_object_object_get_ex(sa, "remote", &v));
		assert_string_equal(json_object_get_string(v),
		    i == 0 ? "198.18.0.2:4500" : "203.0.113.5:40001");
		json_object_put(j);
	}
	net_free(net);
}

/* ---- INVALID_KE_PAYLOAD, COOKIE, NO_PROPOSAL_CHOSEN ---------------------- */

static unsigned notify_of(const struct ev *v, uint16_t type, uint8_t *data,
    size_t *dlen)
{
	struct parsed p;
	struct ike_notify_pl n;
	size_t i;

	parse_plain(v, &p);
	for (i = 0; i < p.pl.n; i++) {
		if (p.pl.pl[i].type != IKE_PL_NOTIFY ||
		    ike_notify_parse(p.pl.pl[i].body, p.pl.pl[i].len, &n) != IKE_OK ||
		    n.type != type)
			continue;
		if (data != NULL) {
			memcpy(data, n.data, n.data_len);
			*dlen = n.data_len;
		}
		return 1;
	}
	return 0;
}

static void test_invalid_ke(void **state)
{
	struct peer_opts oa = { .ike = "aes128gcm16-prfsha256-ecp256, aes128gcm16-prfsha256-x25519" };
	struct peer_opts ob = { .ike = "aes128gcm16-prfsha256-x25519" };
	struct net *net;
	uint8_t d[8];
	size_t dl;
	int r0, r1;
	struct parsed p;
	struct ike_ke_pl ke;
	struct hs hs;

	(void)state;
	net = net_new(&oa, &ob);
	assert_int_equal(initiate(net, false, 0), 0);
	/* first request: KE group 19 */
	r0 = find_ev(net, 0, 0, EV_SEND, 0);
	parse_plain(&net->ev[r0], &p);
	assert_int_equal(ike_ke_parse(need(&p, IKE_PL_KE)->body,
	    need(&p, IKE_PL_KE)->len, &ke), IKE_OK);
	assert_int_equal(ke.group, 19);
	pump(net);
	/* B's first answer: INVALID_KE_PAYLOAD naming 31, no state */
	r1 = find_ev(net, 0, 1, EV_SEND, 0);
	assert_int_equal(notify_of(&net->ev[r1], IKE_N_INVALID_KE_PAYLOAD, d, &dl), 1);
	assert_int_equal(dl, 2);
	assert_int_equal(d[0] << 8 | d[1], 31);
	/* A retried with 31, same SPIi; it came up */
	parse_plain(&net->ev[find_ev(net, 0, 0, EV_SEND, 1)], &p);
	assert_int_equal(ike_ke_parse(need(&p, IKE_PL_KE)->body,
	    need(&p, IKE_PL_KE)->len, &ke), IKE_OK);
	assert_int_equal(ke.group, 31);
	assert_true(established(net, 0) && established(net, 1));
	find_hs(net, (unsigned)r1 + 1, &hs);
	assert_int_equal(hs.o.group, 31);
	net_free(net);
}

static void test_no_proposal(void **state)
{
	struct peer_opts oa = { .ike = "aes128gcm16-prfsha256-ecp256" };
	struct peer_opts ob = { .ike = "aes256gcm16-prfsha384-ecp256" };
	struct net *net;
	struct ike_engine_stats st;

	(void)state;
	net = net_new(&oa, &ob);
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	assert_int_equal(count_ev(net, 0, 1, EV_SEND), 1);
	assert_int_equal(notify_of(&net->ev[find_ev(net, 0, 1, EV_SEND, 0)],
	    IKE_N_NO_PROPOSAL_CHOSEN, NULL, NULL), 1);
	assert_false(established(net, 0) || established(net, 1));
	ike_engine_stats(net->n[0].e, &st);
	assert_int_equal(st.ike_failed, 1);
	ike_engine_stats(net->n[1].e, &st);
	assert_int_equal(st.half_open, 0);
	/* A gave up: nothing retransmitted later */
	net->now += 60000;
	tick_both(net);
	assert_int_equal(count_ev(net, 0, 0, EV_SEND), 1);
	assert_int_equal(net->n[0].n_add + net->n[1].n_add, 0);
	net_free(net);
}

/* cookie_threshold 1: one half-open SA (an initiation B answered whose
 * answer was lost) makes B demand a COOKIE from the next one */
static void test_cookie(void **state)
{
	struct peer_opts oa = { 0 };
	struct peer_opts ob = { .global = "cookie_threshold = 1\n" };
	struct net *net;
	struct ike_engine_stats st;
	uint8_t ck[64];
	size_t cl;
	unsigned from;
	int c_ev, r1, r2;
	struct parsed p1, p2;
	struct ike_notify_pl n;
	const struct ike_pl_ref *a, *b;

	(void)state;
	net = net_new(&oa, &ob);
	net->drop_to[0] = true;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	ike_engine_stats(net->n[1].e, &st);
	assert_int_equal(st.half_open, 1);
	/* A gives up on it; its retransmissions are lost too */
	net->drop_to[0] = false;
	net->now += 120000;
	tick(net, 0);
	lose_all(net);
	/* a second attempt: B answers with a COOKIE only */
	from = net->ev_n;
	assert_int_equal(initiate(net, false, 0), 0);
	r1 = find_ev(net, from, 0, EV_SEND, 0);
	deliver(net, &net->ev[r1]);
	c_ev = find_ev(net, from, 1, EV_SEND, 0);
	parse_plain(&net->ev[c_ev], &p1);
	assert_int_equal(p1.pl.n, 1);
	assert_int_equal(notify_of(&net->ev[c_ev], IKE_N_COOKIE, ck, &cl), 1);
	assert_int_equal(cl, IKE_COOKIE_LEN);
	ike_engine_stats(net->n[1].e, &st);
	assert_int_equal(st.cookies_sent, 1);
	assert_int_equal(st.half_open, 1);
	/* A's retry carries it as the first payload (RFC 7296 2.6)... */
	deliver(net, &net->ev[c_ev]);
	r2 = find_ev(net, from, 0, EV_SEND, 1);
	assert_true(r2 >= 0);
	parse_plain(&net->ev[r1], &p1);
	parse_plain(&net->ev[r2], &p2);
	assert_int_equal(p2.pl.pl[0].type, IKE_PL_NOTIFY);
	assert_int_equal(ike_notify_parse(p2.pl.pl[0].body, p2.pl.pl[0].len, &n), IKE_OK);
	assert_int_equal(n.type, IKE_N_COOKIE);
	assert_memory_equal(n.data, ck, cl);
	assert_int_equal(p2.h.spi_i, p1.h.spi_i);
	/* ...and "all other payloads unchanged": the cookie covers Ni */
	a = need(&p1, IKE_PL_NONCE);
	b = need(&p2, IKE_PL_NONCE);
	if (a->len != b->len || memcmp(a->body, b->body, a->len) != 0) {
		net_free(net);
		fail_msg("the COOKIE retry changed Ni (RFC 7296 2.6: unchanged)");
	}
	a = need(&p1, IKE_PL_KE);
	b = need(&p2, IKE_PL_KE);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->body, b->body, a->len);
	assert_int_equal(p2.pl.n, p1.pl.n + 1);
	/* it came up, one COOKIE only */
	pump(net);
	assert_true(established(net, 0) && established(net, 1));
	ike_engine_stats(net->n[1].e, &st);
	assert_int_equal(st.cookies_sent, 1);
	net_free(net);
}

/* ---- authentication failures: no SA on either card ----------------------- */

static void auth_fail_case(const struct peer_opts *oa, const struct peer_opts *ob,
    bool b_up)
{
	struct net *net = net_new(oa, ob);

	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	assert_false(established(net, 0));
	assert_int_equal(established(net, 1), b_up);
	/* A's inbound SA (installed ahead of IKE_AUTH) is off its card */
	assert_int_equal(card_count(&net->n[0]), 0);
	assert_int_equal(net->n[0].n_add, net->n[0].n_del);
	if (!b_up)
		assert_int_equal(net->n[1].n_add, 0);
	net->now += 60000;
	tick_both(net);
	assert_int_equal(card_count(&net->n[0]), 0);
	net_free(net);
}

static void test_auth_failed(void **state)
{
	struct peer_opts oa = { 0 };
	struct peer_opts ob = { .psk = "0x000102030405060708090a0b0c0d0eff" };
	struct peer_opts oid = { .local_id = "@wrong.example" };

	(void)state;
	/* PSK mismatch: B refuses A's AUTH, A gets AUTHENTICATION_FAILED */
	auth_fail_case(&oa, &ob, false);
	/* A says it is someone B does not expect */
	auth_fail_case(&oid, &oa, false);
}

/* A does not accept B's identity. B established and installed its CHILD SA
 * already; RFC 7296 2.21.2: "If the error occurs on the initiator, the
 * notification MUST be returned in a separate INFORMATIONAL exchange":
 * A's AUTHENTICATION_FAILED must make B drop the IKE SA and its CHILD SA. */
static void test_id_mismatch_initiator(void **state)
{
	struct peer_opts oa = { .remote_id = "@other.example" };
	struct peer_opts ob = { 0 };
	struct net *net = net_new(&oa, &ob);
	struct ike_notify_pl n;
	struct parsed p;
	struct hs hs;
	int q;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	assert_false(established(net, 0));
	assert_int_equal(card_count(&net->n[0]), 0);
	find_hs(net, 0, &hs);
	q = find_ev(net, (unsigned)hs.auth_rsp + 1, 0, EV_SEND, 0);
	if (q < 0 || established(net, 1)) {
		net_free(net);
		fail_msg("A refused B's AUTH and told B nothing (RFC 7296 2.21.2)");
	}
	assert_int_equal(open_msg(&hs.o, &net->ev[q], &p), 0);
	assert_int_equal(p.h.exchange, INFORMATIONAL);
	assert_int_equal(p.h.msg_id, 2);
	assert_int_equal(ike_notify_parse(need(&p, IKE_PL_NOTIFY)->body,
	    need(&p, IKE_PL_NOTIFY)->len, &n), IKE_OK);
	assert_int_equal(n.type, IKE_N_AUTHENTICATION_FAILED);
	assert_int_equal(card_count(&net->n[1]), 0);
	/* and nothing retransmitted later */
	q = (int)net->ev_n;
	net->now += 60000;
	tick_both(net);
	assert_int_equal(count_ev(net, (unsigned)q, 0, EV_SEND), 0);
	net_free(net);
}

/* ---- retransmission ------------------------------------------------------- */

static void test_retransmit_backoff(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	static const uint64_t at[] = { 500, 1500, 3500, 7500 };   /* 500 x 2^n */
	int first;
	unsigned k;

	(void)state;
	net->drop_to[0] = true;  /* B's answers lost */
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	first = find_ev(net, 0, 0, EV_SEND, 0);
	for (k = 0; k < 4; k++) {
		uint64_t t0 = 1000000 + at[k];

		net->now = t0 - 1;
		tick(net, 0);
		assert_int_equal(count_ev(net, 0, 0, EV_SEND), k + 1);
		net->now = t0;
		tick(net, 0);
		assert_int_equal(count_ev(net, 0, 0, EV_SEND), k + 2);
		/* byte-identical */
		assert_int_equal(net->ev[net->ev_n - 1].len, net->ev[first].len);
		assert_memory_equal(net->ev[net->ev_n - 1].msg, net->ev[first].msg,
		    net->ev[first].len);
		pump(net);
	}
	/* B answered each retransmission with its cached response, once
	 * half-open */
	{
		struct ike_engine_stats st;

		ike_engine_stats(net->n[1].e, &st);
		assert_int_equal(st.half_open, 1);
		assert_int_equal(st.retransmits, 4);
		/* each the same bytes */
		for (k = 1; k < 5; k++) {
			const struct ev *a = &net->ev[find_ev(net, 0, 1, EV_SEND, 0)];
			const struct ev *b = &net->ev[find_ev(net, 0, 1, EV_SEND, k)];

			assert_int_equal(a->len, b->len);
			assert_memory_equal(a->msg, b->msg, a->len);
		}
	}
	net_free(net);
}

/* Given up after retransmit_tries retransmissions (docs/spisyncd-config.md:
 * "retransmissions before the exchange fails"; waits 0.5, 1, 2, 4, 8 and a
 * last 16 s at base 2): the IKE SA and its CHILD SAs leave the card. */
static void test_retransmit_giveup(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	uint64_t t0, t = 0, w = 500;
	unsigned k, sends;
	int del;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	assert_true(established(net, 0));
	assert_int_equal(card_count(&net->n[0]), 1);
	/* A asks for a rekey; B hears nothing more */
	net->drop_to[1] = true;
	t0 = net->now;
	g_cur = 0;
	assert_int_equal(ike_engine_rekey(net->n[0].e, peer_of(net, 0), t0), 0);
	g_cur = -1;
	sends = count_ev(net, 0, 0, EV_SEND);
	for (k = 1; k <= 5; k++) {
		t += w;
		w *= 2;
		net->now = t0 + t;
		tick(net, 0);
		if (count_ev(net, 0, 0, EV_SEND) != sends + k) {
			net_free(net);
			fail_msg("retransmission %u missing", (unsigned)k);
		}
	}
	del = find_ev(net, 0, 0, EV_DEL, 0);
	assert_int_equal(del, -1);
	net->now = t0 + t + w - 1;
	tick(net, 0);
	assert_true(established(net, 0));
	net->now = t0 + t + w;
	tick(net, 0);
	assert_false(established(net, 0));
	assert_int_equal(card_count(&net->n[0]), 0);
	assert_int_equal(count_ev(net, 0, 0, EV_DEL), 1);
	net_free(net);
}

/* B gets A's IKE_AUTH twice (A's retransmission): the same bytes back,
 * one CHILD SA installed */
static void test_retransmitted_request(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	struct hs hs;
	unsigned sends_b;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	sends_b = count_ev(net, 0, 1, EV_SEND);
	deliver(net, &net->ev[hs.auth_req]);
	assert_int_equal(count_ev(net, 0, 1, EV_SEND), sends_b + 1);
	assert_int_equal(net->ev[net->ev_n - 1].len, net->ev[hs.auth_rsp].len);
	assert_memory_equal(net->ev[net->ev_n - 1].msg, net->ev[hs.auth_rsp].msg,
	    net->ev[hs.auth_rsp].len);
	assert_int_equal(net->n[1].n_add, 1);
	/* and the same for IKE_SA_INIT before IKE_AUTH: a second B */
	net_free(net);
}

/* ---- message ID window ----------------------------------------------------- */

static void test_msgid_window(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	struct hs hs;
	struct ike_engine_stats s0, s1;
	unsigned n_ev;
	int dpd1;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	/* A's stale-SPI report (2) and a new CHILD SA (3) */
	net->now += 1000;
	g_cur = 0;
	assert_int_equal(ike_engine_notify_stale(net->n[0].e, peer_of(net, 0),
	    NULL, 0x1234, net->now), 0);
	g_cur = -1;
	pump(net);
	dpd1 = find_ev(net, (unsigned)hs.auth_rsp + 1, 0, EV_SEND, 0);
	ike_engine_stats(net->n[1].e, &s0);
	n_ev = net->ev_n;
	/* the IKE_AUTH (1) and the INFORMATIONAL (2) again: older than the
	 * last one answered (3, the CREATE_CHILD_SA): dropped, nothing sent */
	deliver(net, &net->ev[hs.auth_req]);
	deliver(net, &net->ev[dpd1]);
	assert_int_equal(net->ev_n, n_ev);
	ike_engine_stats(net->n[1].e, &s1);
	assert_int_equal(s1.rx_dropped, s0.rx_dropped + 2);
	assert_int_equal(s1.child_installed, s0.child_installed);
	/* a future ID: A's next request re-labelled 9 (its ICV then fails:
	 * it must be dropped before that) */
	{
		struct ev v = net->ev[dpd1];

		v.msg[23] = 9;
		v.msg[20] = v.msg[21] = v.msg[22] = 0;
		deliver(net, &v);
	}
	assert_int_equal(net->ev_n, n_ev);
	ike_engine_stats(net->n[1].e, &s1);
	assert_int_equal(s1.rx_dropped, s0.rx_dropped + 3);
	assert_int_equal(s1.rx_invalid, s0.rx_invalid);
	/* still working: a rekey goes through */
	g_cur = 0;
	assert_int_equal(ike_engine_rekey(net->n[0].e, peer_of(net, 0), net->now), 0);
	g_cur = -1;
	pump(net);
	assert_int_equal(net->n[1].n_add, 4);   /* two CHILD SAs rekeyed */
	net_free(net);
}

/* ---- CHILD SA rekey ---------------------------------------------------------- */

/* One CREATE_CHILD_SA rekey exchange, initiated by `ini`, found from
 * event `from`: the new SAs on both cards against the oracle, the old
 * ones REKEYED, DELETE'd, and off the card exactly IKE_LINGER_MS later. */
static void check_rekey(struct net *net, const struct hs *hs, unsigned from,
    int ini)
{
	int rq = find_ev(net, from, ini, EV_SEND, 0);
	int rs = find_ev(net, from, 1 - ini, EV_SEND, 0);
	int add_i = find_ev(net, from, ini, EV_ADD, 0);
	int add_r = find_ev(net, from, 1 - ini, EV_ADD, 0);
	struct parsed pq, pr;
	const struct ike_pl_ref *nq, *nr;
	struct ike_notify_pl n;
	uint32_t old_i_in, old_r_in;
	uint64_t t_del;
	int d;

	assert_true(rq >= 0 && rs >= 0 && add_i >= 0 && add_r >= 0);
	assert_int_equal(open_msg(&hs->o, &net->ev[rq], &pq), 0);
	assert_int_equal(open_msg(&hs->o, &net->ev[rs], &pr), 0);
	assert_int_equal(pq.h.exchange, CREATE_CHILD_SA);
	assert_int_equal(pr.h.exchange, CREATE_CHILD_SA);
	assert_int_equal(pr.h.flags & IKE_FLAG_RESPONSE, IKE_FLAG_RESPONSE);
	/* REKEY_SA names the initiator's old inbound SPI */
	assert_int_equal(ike_notify_parse(need(&pq, IKE_PL_NOTIFY)->body,
	    need(&pq, IKE_PL_NOTIFY)->len, &n), IKE_OK);
	assert_int_equal(n.type, IKE_N_REKEY_SA);
	assert_int_equal(n.proto, IKE_PROTO_ESP);
	assert_int_equal(n.spi_size, 4);
	old_i_in = be32(n.spi);
	nq = need(&pq, IKE_PL_NONCE);
	nr = need(&pr, IKE_PL_NONCE);
	/* responder installed before it answered */
	assert_true(add_r < rs);
	check_card_sa(&net->ev[add_i].sa, &hs->o, nq->body, nq->len, nr->body,
	    nr->len, true, esp_spi(&pq, NULL, NULL), ip[ini], 128, false, false,
	    0, 0, hard_of(net, ini));
	check_card_sa(&net->ev[add_r].sa, &hs->o, nq->body, nq->len, nr->body,
	    nr->len, false, esp_spi(&pr, NULL, NULL), ip[1 - ini], 128, false,
	    false, 0, 0, hard_of(net, 1 - ini));
	/* the initiator's DELETE of its old inbound SA, then the answer with
	 * the responder's old one */
	{
		int dq = find_ev(net, (unsigned)rs + 1, ini, EV_SEND, 0);
		int ds = find_ev(net, (unsigned)rs + 1, 1 - ini, EV_SEND, 0);
		struct parsed p1, p2;
		struct ike_delete_pl dl;

		assert_true(dq >= 0 && ds >= 0);
		assert_int_equal(open_msg(&hs->o, &net->ev[dq], &p1), 0);
		assert_int_equal(open_msg(&hs->o, &net->ev[ds], &p2), 0);
		assert_int_equal(ike_delete_parse(need(&p1, IKE_PL_DELETE)->body,
		    need(&p1, IKE_PL_DELETE)->len, &dl), IKE_OK);
		assert_int_equal(dl.count, 1);
		assert_int_equal(be32(dl.spis), old_i_in);
		assert_int_equal(ike_delete_parse(need(&p2, IKE_PL_DELETE)->body,
		    need(&p2, IKE_PL_DELETE)->len, &dl), IKE_OK);
		assert_int_equal(dl.count, 1);
		old_r_in = be32(dl.spis);
		t_del = net->ev[ds].at_ms;
	}
	/* nothing left the card yet; at +IKE_LINGER_MS - 1 neither */
	assert_int_equal(count_ev(net, from, 0, EV_DEL) +
	    count_ev(net, from, 1, EV_DEL), 0);
	net->now = t_del + 2000 - 1;
	tick_both(net);
	assert_int_equal(count_ev(net, from, 0, EV_DEL) +
	    count_ev(net, from, 1, EV_DEL), 0);
	net->now = t_del + 2000;
	tick_both(net);
	assert_int_equal(count_ev(net, from, ini, EV_DEL), 1);
	assert_int_equal(count_ev(net, from, 1 - ini, EV_DEL), 1);
	d = find_ev(net, from, ini, EV_DEL, 0);
	assert_int_equal(net->ev[d].sa.spi, old_i_in);
	d = find_ev(net, from, 1 - ini, EV_DEL, 0);
	assert_int_equal(net->ev[d].sa.spi, old_r_in);
	assert_int_equal(card_count(&net->n[0]), 1);
	assert_int_equal(card_count(&net->n[1]), 1);
}

static void test_rekey_operator(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	struct hs hs;
	unsigned from;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	/* rekey from A (the IKE initiator) */
	net->now += 1000;
	from = net->ev_n;
	g_cur = 0;
	assert_int_equal(ike_engine_rekey(net->n[0].e, peer_of(net, 0), net->now), 0);
	g_cur = -1;
	pump(net);
	check_rekey(net, &hs, from, 0);
	/* and from B (IKE responder) */
	net->now += 1000;
	from = net->ev_n;
	g_cur = 1;
	assert_int_equal(ike_engine_rekey(net->n[1].e, peer_of(net, 1), net->now), 0);
	g_cur = -1;
	pump(net);
	check_rekey(net, &hs, from, 1);
	net_free(net);
}

/* B's CHILD lifetime (A's is unset): B rekeys at exactly 600 s */
static void test_rekey_lifetime(void **state)
{
	struct peer_opts oa = { 0 };
	struct peer_opts ob = { .extra = "child_lifetime = 10m\nrekey_jitter = 0\n" };
	struct net *net = net_new(&oa, &ob);
	struct hs hs;
	unsigned from;
	uint64_t t_up;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	t_up = net->now;
	from = net->ev_n;
	net->now = t_up + 600000 - 1;
	tick_both(net);
	assert_int_equal(net->ev_n, from);
	net->now = t_up + 600000;
	tick_both(net);
	pump(net);
	/* the card's lifetime of the new SA on B: 660 s; on A none */
	check_rekey(net, &hs, from, 1);
	net_free(net);
}

/* ---- recovery: notify_stale, INITIAL_CONTACT ------------------------------- */

/* The card lost one of our inbound SAs, the IKE SA is intact: the engine
 * still has the CHILD SA, so it rekeys it (make-before-break; the peer
 * moves on at our DELETE of the old one) */
static void test_notify_stale_known(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	struct sockaddr_storage src;
	struct parsed p;
	struct ike_notify_pl n;
	struct hs hs;
	uint32_t spi;
	unsigned from;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	spi = net->ev[find_ev(net, 0, 0, EV_ADD, 0)].sa.spi;
	net->now += 1000;
	mk_addr(&src, ip[1], 0);
	from = net->ev_n;
	g_cur = 0;
	assert_int_equal(ike_engine_notify_stale(net->n[0].e, peer_of(net, 0),
	    (const struct sockaddr *)&src, spi, net->now), 0);
	/* no IKE SA with another address: -ENOENT, nothing sent */
	mk_addr(&src, "198.18.0.9", 0);
	assert_int_equal(ike_engine_notify_stale(net->n[0].e, peer_of(net, 0),
	    (const struct sockaddr *)&src, spi, net->now), -ENOENT);
	g_cur = -1;
	assert_int_equal(count_ev(net, from, 0, EV_SEND), 1);
	assert_int_equal(open_msg(&hs.o, &net->ev[find_ev(net, from, 0, EV_SEND, 0)],
	    &p), 0);
	assert_int_equal(p.h.exchange, CREATE_CHILD_SA);
	assert_int_equal(ike_notify_parse(need(&p, IKE_PL_NOTIFY)->body,
	    need(&p, IKE_PL_NOTIFY)->len, &n), IKE_OK);
	assert_int_equal(n.type, IKE_N_REKEY_SA);
	assert_int_equal(be32(n.spi), spi);
	pump(net);
	check_rekey(net, &hs, from, 0);
	net_free(net);
}

/* A SPI the engine does not know (its CHILD SA is gone from the host too):
 * INFORMATIONAL with DELETE (ESP, spi) and INVALID_SPI (SPI size 0, the SPI
 * as 4 data bytes, RFC 7296 3.10.1); the peer logs it and answers; then a
 * CREATE_CHILD_SA for a fresh CHILD SA, keys checked */
static void test_notify_stale_unknown(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	struct hs hs;
	struct parsed p, pr;
	struct ike_delete_pl dl;
	struct ike_notify_pl n;
	const uint32_t spi = 0xB761863E;
	uint32_t got;
	unsigned from, i;
	int q, cq, cs;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	net->now += 1000;
	from = net->ev_n;
	g_cur = 0;
	assert_int_equal(ike_engine_notify_stale(net->n[0].e, peer_of(net, 0),
	    NULL, spi, net->now), 0);
	g_cur = -1;
	q = find_ev(net, from, 0, EV_SEND, 0);
	assert_int_equal(open_msg(&hs.o, &net->ev[q], &p), 0);
	assert_int_equal(p.h.exchange, INFORMATIONAL);
	assert_int_equal(p.h.msg_id, 2);
	assert_int_equal(p.pl.n, 2);
	assert_int_equal(ike_delete_parse(need(&p, IKE_PL_DELETE)->body,
	    need(&p, IKE_PL_DELETE)->len, &dl), IKE_OK);
	assert_int_equal(dl.proto, IKE_PROTO_ESP);
	assert_int_equal(dl.spi_size, 4);
	assert_int_equal(dl.count, 1);
	assert_int_equal(be32(dl.spis), spi);
	for (i = 0; i < p.pl.n; i++)
		if (p.pl.pl[i].type == IKE_PL_NOTIFY)
			break;
	assert_true(i < p.pl.n);
	assert_int_equal(ike_notify_parse(p.pl.pl[i].body, p.pl.pl[i].len, &n), IKE_OK);
	assert_int_equal(n.type, IKE_N_INVALID_SPI);
	assert_int_equal(n.spi_size, 0);
	assert_int_equal(n.data_len, 4);
	assert_int_equal(be32(n.data), spi);
	assert_int_equal(ike_notify_invalid_spi(&n, &got), IKE_OK);
	assert_int_equal(got, spi);
	/* B: logged (accepted with SPI size 0), answered with nothing to
	 * delete (it has no CHILD SA sending on that SPI) */
	net->n[1].last_log[0] = '\0';
	deliver(net, &net->ev[q]);
	assert_non_null(strstr(net->n[1].last_log, "0xB761863E"));
	q = find_ev(net, from, 1, EV_SEND, 0);
	assert_int_equal(open_msg(&hs.o, &net->ev[q], &pr), 0);
	assert_int_equal(pr.h.exchange, INFORMATIONAL);
	assert_int_equal(pr.pl.n, 0);
	assert_int_equal(net->n[1].n_del, 0);
	pump(net);
	/* then the new CHILD SA */
	cq = find_ev(net, from, 0, EV_SEND, 1);
	cs = find_ev(net, from, 1, EV_SEND, 1);
	assert_true(cq >= 0 && cs >= 0);
	assert_int_equal(open_msg(&hs.o, &net->ev[cq], &p), 0);
	assert_int_equal(open_msg(&hs.o, &net->ev[cs], &pr), 0);
	assert_int_equal(p.h.exchange, CREATE_CHILD_SA);
	assert_null(ike_payload_find(&p.pl, IKE_PL_NOTIFY, 0));  /* no REKEY_SA */
	assert_true(find_ev(net, from, 1, EV_ADD, 0) < cs);
	check_card_sa(&net->ev[find_ev(net, from, 0, EV_ADD, 0)].sa, &hs.o,
	    need(&p, IKE_PL_NONCE)->body, need(&p, IKE_PL_NONCE)->len,
	    need(&pr, IKE_PL_NONCE)->body, need(&pr, IKE_PL_NONCE)->len, true,
	    esp_spi(&p, NULL, NULL), ip[0], 128, false, false, 0, 0, hard_of(net, 0));
	check_card_sa(&net->ev[find_ev(net, from, 1, EV_ADD, 0)].sa, &hs.o,
	    need(&p, IKE_PL_NONCE)->body, need(&p, IKE_PL_NONCE)->len,
	    need(&pr, IKE_PL_NONCE)->body, need(&pr, IKE_PL_NONCE)->len, false,
	    esp_spi(&pr, NULL, NULL), ip[1], 128, false, false, 0, 0, hard_of(net, 1));
	/* the first pair untouched: two on each card */
	net->now += 5000;
	tick_both(net);
	assert_int_equal(card_count(&net->n[0]), 2);
	assert_int_equal(card_count(&net->n[1]), 2);
	net_free(net);
}

static void test_initial_contact(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	struct ike_engine *old_a;
	struct ike_engine_ops ops = ops_tmpl;
	struct sd_config *cfg_a;
	struct hs hs;
	struct parsed p;
	struct ike_notify_pl n;
	unsigned from;
	int b_old;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	b_old = find_ev(net, 0, 1, EV_ADD, 0);
	/* A "restarts": a new engine without state; the old one is thrown
	 * away without telling B (its card entries counted as gone) */
	old_a = net->n[0].e;
	cfg_a = &net->n[0].cfg;
	ops.ctx = &net->n[0];
	net->drop_to[1] = true;
	g_cur = 0;
	ike_engine_free(old_a);
	memset(net->n[0].card_used, 0, sizeof(net->n[0].card_used));
	assert_int_equal(ike_engine_new(cfg_a, &ops, &net->n[0].e), 0);
	g_cur = -1;
	lose_all(net);
	net->drop_to[1] = false;
	net->now += 5000;
	from = net->ev_n;
	assert_int_equal(initiate(net, true, 0x4242), 0);
	pump(net);
	find_hs(net, from, &hs);
	assert_int_equal(open_msg(&hs.o, &net->ev[hs.auth_req], &p), 0);
	assert_int_equal(ike_notify_parse(need(&p, IKE_PL_NOTIFY)->body,
	    need(&p, IKE_PL_NOTIFY)->len, &n), IKE_OK);
	assert_int_equal(n.type, IKE_N_INITIAL_CONTACT);
	/* B dropped the old IKE SA: its CHILD SA off the card at once, before
	 * the new one went on */
	assert_int_equal(count_ev(net, from, 1, EV_DEL), 1);
	assert_int_equal(net->ev[find_ev(net, from, 1, EV_DEL, 0)].sa.spi,
	    net->ev[b_old].sa.spi);
	assert_true(find_ev(net, from, 1, EV_DEL, 0) < find_ev(net, from, 1, EV_ADD, 0));
	/* and then the stale SPI report (INFORMATIONAL, DELETE + INVALID_SPI) */
	{
		int q = find_ev(net, (unsigned)hs.auth_rsp + 1, 0, EV_SEND, 0);

		assert_true(q >= 0);
		assert_int_equal(open_msg(&hs.o, &net->ev[q], &p), 0);
		assert_int_equal(p.h.exchange, INFORMATIONAL);
		assert_non_null(ike_payload_find(&p.pl, IKE_PL_DELETE, 0));
	}
	tick_both(net);
	assert_int_equal(card_count(&net->n[1]), 1);
	{
		char buf[4096];
		FILE *f = fmemopen(buf, sizeof(buf), "w");
		struct json_object *j, *a, *x;

		assert_non_null(f);
		assert_int_equal(ike_engine_json_ike(net->n[1].e, net->now, f), 0);
		fclose(f);
		j = json_tokener_parse(buf);
		assert_non_null(j);
		assert_true(json_object_object_get_ex(j, "ike_sas", &a));
		assert_int_equal(json_object_array_length(a), 1);
		x = json_object_array_get_idx(a, 0);
		assert_true(json_object_object_get_ex(x, "state", &x));
		assert_string_equal(json_object_get_string(x), "established");
		json_object_put(j);
	}
	net_free(net);
}

/* ---- DPD ------------------------------------------------------------------ */

static void test_dpd(void **state)
{
	struct peer_opts oa = { .extra = "dpd_delay = 30s\n" };
	struct peer_opts ob = { 0 };
	struct net *net = net_new(&oa, &ob);
	struct hs hs;
	struct parsed p;
	unsigned from;
	uint64_t t_up;
	int q;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	t_up = net->now;
	from = net->ev_n;
	net->now = t_up + 30000 - 1;
	tick(net, 0);
	assert_int_equal(net->ev_n, from);
	net->now = t_up + 30000;
	tick(net, 0);
	q = find_ev(net, from, 0, EV_SEND, 0);
	assert_true(q >= 0);
	assert_int_equal(open_msg(&hs.o, &net->ev[q], &p), 0);
	assert_int_equal(p.h.exchange, INFORMATIONAL);
	assert_int_equal(p.pl.n, 0);
	pump(net);
	q = find_ev(net, from, 1, EV_SEND, 0);
	assert_int_equal(open_msg(&hs.o, &net->ev[q], &p), 0);
	assert_int_equal(p.pl.n, 0);
	assert_true(established(net, 0));
	/* B goes silent: A's next check is never answered; it gives up */
	net->drop_to[1] = true;
	net->now += 30000;
	tick(net, 0);
	net->now += 600000;
	for (q = 0; q < 10; q++) {
		net->now += 60000;
		tick(net, 0);
	}
	assert_false(established(net, 0));
	assert_int_equal(card_count(&net->n[0]), 0);
	net_free(net);
}

/* ---- robustness ------------------------------------------------------------ */

struct snap {
	struct ike_engine_stats st;
	unsigned ev_n, n_add, n_del;
	char json[8192];
};

static void snapshot(struct net *net, int i, struct snap *s)
{
	FILE *f = fmemopen(s->json, sizeof(s->json), "w");

	assert_non_null(f);
	ike_engine_stats(net->n[i].e, &s->st);
	assert_int_equal(ike_engine_json_ike(net->n[i].e, net->now, f), 0);
	fclose(f);
	s->ev_n = net->ev_n;
	s->n_add = net->n[i].n_add;
	s->n_del = net->n[i].n_del;
}

/* nothing sent, no card op, the IKE state as before; one more dropped or
 * invalid message counted */
static void same_state(struct net *net, int i, const struct snap *s0,
    bool *invalid_counted)
{
	struct snap s1;

	snapshot(net, i, &s1);
	assert_int_equal(s1.ev_n, s0->ev_n);
	assert_int_equal(s1.n_add, s0->n_add);
	assert_int_equal(s1.n_del, s0->n_del);
	assert_string_equal(s1.json, s0->json);
	assert_int_equal(s1.st.rx, s0->st.rx + 1);
	assert_int_equal(s1.st.rx_dropped + s1.st.rx_invalid,
	    s0->st.rx_dropped + s0->st.rx_invalid + 1);
	if (invalid_counted != NULL)
		*invalid_counted = s1.st.rx_invalid == s0->st.rx_invalid + 1;
}

/* A full run: handshake, a rekey from each side, notify_stale, a DPD */
/* corrupt: 0 none, 1 every corruption (corrupt_all), 2 random ones */
static struct net *full_run(int corrupt)
{
	struct peer_opts oa = { .extra = "dpd_delay = 30s\n" };
	struct peer_opts ob = { 0 };
	struct net *net = net_new(&oa, &ob);

	g_corrupt = corrupt != 0;
	g_corrupt_random = corrupt == 2;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	g_cur = 0;
	assert_int_equal(ike_engine_rekey(net->n[0].e, peer_of(net, 0), net->now), 0);
	g_cur = 1;
	assert_int_equal(ike_engine_rekey(net->n[1].e, peer_of(net, 1), net->now), 0);
	g_cur = -1;
	pump(net);
	pump(net);
	net->now += 1000;
	g_cur = 0;
	assert_int_equal(ike_engine_notify_stale(net->n[0].e, peer_of(net, 0),
	    NULL, 0x1111, net->now), 0);
	g_cur = -1;
	pump(net);
	net->now += 30000;
	tick_both(net);
	pump(net);
	return net;
}

static bool protected_msg(const struct ev *v)
{
	struct ike_hdr h;

	return v->kind == EV_SEND && ike_hdr_parse(v->msg, v->len, &h) == IKE_OK &&
	    h.exchange != IKE_SA_INIT;
}

/* The last event is a message from node `to` byte-identical to one it
 * sent before as a response (its cached response). */
static bool resent_response(const struct net *net, int to)
{
	const struct ev *last = &net->ev[net->ev_n - 1];
	struct ike_hdr h;
	unsigned i;

	if (last->kind != EV_SEND || last->node != to ||
	    ike_hdr_parse(last->msg, last->len, &h) != IKE_OK ||
	    !(h.flags & IKE_FLAG_RESPONSE))
		return false;
	for (i = 0; i + 1 < net->ev_n; i++)
		if (net->ev[i].kind == EV_SEND && net->ev[i].node == to &&
		    net->ev[i].len == last->len &&
		    memcmp(net->ev[i].msg, last->msg, last->len) == 0)
			return true;
	return false;
}

/* the message being corrupted, as sent */
static const struct ev *g_orig;

/* What corrupt_all saw */
static struct {
	unsigned msgs, flips, dropped_hdr, resent, cuts, uncounted;
} g_cstat;

static void put_len(uint8_t *m, size_t len)
{
	m[24] = (uint8_t)(len >> 24);
	m[25] = (uint8_t)(len >> 16);
	m[26] = (uint8_t)(len >> 8);
	m[27] = (uint8_t)len;
}

/* The corruptions an engine that answers by message ID alone would leave
 * uncounted (it was one): the message ID turned into the
 * previous request's (header bytes 20..23), or no SK payload last (the
 * header's next payload, byte 16, or a cut that ends the chain before it).
 * Any other (an ICV failure) must be counted. */
static bool known_uncounted(const struct ev *orig, const uint8_t *msg,
    size_t len)
{
	if (len < IKE_HDR_LEN)
		return false;
	if (memcmp(msg + 20, orig->msg + 20, 4) != 0 || msg[16] != orig->msg[16])
		return true;
	return len < orig->len && len <= IKE_HDR_LEN + IKE_GEN_HDR_LEN;
}

/* One corrupted copy into node `to`: no effect but a count. A cached
 * response sent again, or no count, is noted in g_cstat (and fails the
 * test at its end). */
static void corrupt_one(struct net *net, int to, const struct ev *v,
    const uint8_t *msg, size_t len)
{
	struct snap s0;
	bool inv;

	snapshot(net, to, &s0);
	input_at(net, to, &v->remote, &v->local, msg, len);
	if (net->ev_n == s0.ev_n + 1 && resent_response(net, to)) {
		g_cstat.resent++;
		net->ev_n--;
		s0.st.rx_dropped--;
	}
	{
		struct ike_engine_stats st;

		ike_engine_stats(net->n[to].e, &st);
		if (net->ev_n == s0.ev_n && st.rx_dropped + st.rx_invalid ==
		    s0.st.rx_dropped + s0.st.rx_invalid && known_uncounted(g_orig, msg, len)) {
			/* ignored without a count */
			if (g_cstat.uncounted++ == 0)
				printf("not counted: %s into %c, message ID %u\n",
				    ike_exchange_name(msg[18]), 'A' + to,
				    (unsigned)be32(msg + 20));
			s0.st.rx_dropped--;
		}
	}
	same_state(net, to, &s0, &inv);
	g_cstat.dropped_hdr += !inv;
}

/* Before a message of the run is delivered: each bit of it flipped (a
 * protected one), every truncation, and (protected) every truncation with
 * the header's length patched so that the payload parser sees it. */
static void corrupt_all(struct net *net, const struct ev *v)
{
	static struct ev c;
	int to = 1 - v->node;
	size_t b, len;

	g_orig = v;
	c = *v;
	for (len = 0; len < c.len; len++) {
		corrupt_one(net, to, &c, c.msg, len);
		g_cstat.cuts++;
	}
	if (!protected_msg(&c))
		return;
	g_cstat.msgs++;
	for (b = 0; b < c.len * 8; b++) {
		c.msg[b / 8] ^= (uint8_t)(1u << (b % 8));
		corrupt_one(net, to, &c, c.msg, c.len);
		c.msg[b / 8] ^= (uint8_t)(1u << (b % 8));
		g_cstat.flips++;
	}
	for (len = IKE_HDR_LEN; len < c.len; len++) {
		put_len(c.msg, len);
		corrupt_one(net, to, &c, c.msg, len);
		g_cstat.cuts++;
	}
	put_len(c.msg, c.len);
}

/* A full run with every message corrupted every way before it is
 * delivered: the run still ends as it does without (the rekeys, the stale
 * SPI report, DPD), and none of the corruptions did anything. */
static void test_robustness(void **state)
{
	struct net *net;

	(void)state;
	memset(&g_cstat, 0, sizeof(g_cstat));
	net = full_run(1);
	g_corrupt = false;
	printf("corrupted: %u protected messages, %u bit flips, %u truncations: "
	    "%u dropped at the header, the rest failed the ICV or the parser; "
	    "%u answered with the cached response, %u not counted\n",
	    g_cstat.msgs, g_cstat.flips, g_cstat.cuts, g_cstat.dropped_hdr,
	    g_cstat.resent, g_cstat.uncounted);
	assert_true(g_cstat.msgs >= 12);
	/* the run's end: both cards hold the CHILD SAs a clean run leaves */
	assert_true(established(net, 0) && established(net, 1));
	net->now += 5000;
	tick_both(net);
	assert_int_equal(card_count(&net->n[0]), 3);
	assert_int_equal(card_count(&net->n[1]), 3);
	net_free(net);
	if (g_cstat.resent > 0 || g_cstat.uncounted > 0)
		fail_msg("a corrupted request claiming the last message ID got the "
		    "cached response (%u) or went uncounted (%u)",
		    (unsigned)g_cstat.resent, (unsigned)g_cstat.uncounted);
}

/* IKE_SA_INIT from an address that is no configured peer: nothing sent */
static void test_not_a_peer(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	struct sockaddr_storage from, to;
	struct snap s0;
	int q;

	(void)state;
	net->drop_to[1] = true;
	assert_int_equal(initiate(net, false, 0), 0);
	q = find_ev(net, 0, 0, EV_SEND, 0);
	mk_addr(&from, "198.18.0.66", 500);
	mk_addr(&to, ip[1], 500);
	snapshot(net, 1, &s0);
	input_at(net, 1, &to, &from, net->ev[q].msg, net->ev[q].len);
	same_state(net, 1, &s0, NULL);
	assert_int_equal(s0.st.half_open, 0);
	/* the same from the peer's address on another port is answered */
	mk_addr(&from, ip[0], 1234);
	input_at(net, 1, &to, &from, net->ev[q].msg, net->ev[q].len);
	assert_int_equal(count_ev(net, 0, 1, EV_SEND), 1);
	assert_true(ip_is(&net->ev[net->ev_n - 1].remote, ip[0]));
	assert_int_equal(port_of(&net->ev[net->ev_n - 1].remote), 1234);
	net_free(net);
}

/* One seeded random mutation of a message: 1..8 bit flips, random bytes,
 * edge values (lengths, counts) or a truncation. */
static void mutate(struct prng *r, struct ev *v)
{
	static const uint8_t edge[] = { 0, 1, 0x7f, 0x80, 0xff };
	unsigned m = prng_below(r, 4), j, n = 1 + prng_below(r, 8);

	for (j = 0; j < n && v->len > 0; j++) {
		size_t at = prng_below(r, (uint32_t)v->len);

		switch (m) {
		case 0:
			v->msg[at] ^= (uint8_t)(1u << prng_below(r, 8));
			break;
		case 1:
			v->msg[at] = (uint8_t)prng_next(r);
			break;
		case 2:
			v->msg[at] = edge[prng_below(r, sizeof(edge))];
			break;
		default:
			v->len = at;
			break;
		}
	}
}

static struct prng g_mut_rng;

/* corrupt_all's random form: 640 mutations of each protected message
 * before it is delivered, each with no effect but a count */
static void corrupt_random(struct net *net, const struct ev *v)
{
	static struct ev c;
	unsigned k;

	if (!protected_msg(v))
		return;
	g_cstat.msgs++;
	g_orig = v;
	for (k = 0; k < 640; k++) {
		c = *v;
		mutate(&g_mut_rng, &c);
		/* a mutation that left the message as it was is no mutation */
		if (c.len == v->len && memcmp(c.msg, v->msg, c.len) == 0)
			continue;
		corrupt_one(net, 1 - v->node, &c, c.msg, c.len);
		g_cstat.flips++;
	}
}

/* Seeded random mutations (the --seed): 640 of each protected message of
 * a full run before its delivery (no effect but a count), then 10,000 of
 * all its messages into the end state (never a crash or a leak under
 * ASan, never a card operation). */
static void test_random_mutations(void **state)
{
	struct net *net;
	struct prng r;
	unsigned k, j, nsend = 0, idx[256], adds[2], dels[2], ev_n;

	(void)state;
	memset(&g_cstat, 0, sizeof(g_cstat));
	prng_seed(&g_mut_rng, g_seed);
	net = full_run(2);
	g_corrupt = g_corrupt_random = false;
	printf("random mutations before delivery: %u messages, %u mutations; "
	    "%u answered with the cached response, %u not counted\n",
	    g_cstat.msgs, g_cstat.flips, g_cstat.resent, g_cstat.uncounted);
	assert_true(g_cstat.msgs >= 12);
	assert_true(established(net, 0) && established(net, 1));
	adds[0] = net->n[0].n_add;
	adds[1] = net->n[1].n_add;
	dels[0] = net->n[0].n_del;
	dels[1] = net->n[1].n_del;
	prng_seed(&r, g_seed + 1);
	for (k = 0; k < net->ev_n && nsend < 256; k++)
		if (net->ev[k].kind == EV_SEND)
			idx[nsend++] = k;
	ev_n = net->ev_n;
	for (k = 0; k < 10000; k++) {
		struct ev v = net->ev[idx[prng_below(&r, nsend)]];

		mutate(&r, &v);
		input_at(net, 1 - v.node, &v.remote, &v.local, v.msg, v.len);
		/* what they answered (cached responses, COOKIEs, a
		 * mutated IKE_SA_INIT's answer) is not delivered */
		for (j = ev_n; j < net->ev_n; j++)
			assert_int_equal(net->ev[j].kind, EV_SEND);
		net->ev_n = ev_n;
	}
	assert_int_equal(net->n[0].n_add, adds[0]);
	assert_int_equal(net->n[1].n_add, adds[1]);
	assert_int_equal(net->n[0].n_del, dels[0]);
	assert_int_equal(net->n[1].n_del, dels[1]);
	assert_true(established(net, 0) && established(net, 1));
	net_free(net);
	if (g_cstat.resent > 0 || g_cstat.uncounted > 0)
		fail_msg("corrupted requests answered (%u) or uncounted (%u)",
		    (unsigned)g_cstat.resent, (unsigned)g_cstat.uncounted);
}

/* ---- JSON and the dump ------------------------------------------------------ */

static struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no \"%s\"", k);
	return v;
}

static void test_json(void **state)
{
	struct peer_opts oa = { .esp = "aes256gcm16-esn", .extra = "child_lifetime = 1h\nrekey_jitter = 0\n" };
	struct peer_opts ob = { .esp = "aes256gcm16-esn" };
	struct net *net = net_new(&oa, &ob);
	char buf[8192], spi_in[16], spi_out[16];
	FILE *f;
	struct json_object *j, *sa, *c, *p;
	struct hs hs;
	int a_add, b_add;

	(void)state;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	a_add = find_ev(net, 0, 0, EV_ADD, 0);
	b_add = find_ev(net, 0, 1, EV_ADD, 0);
	net->now += 60000;
	f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(ike_engine_json_ike(net->n[0].e, net->now, f), 0);
	fclose(f);
	j = json_tokener_parse(buf);
	assert_non_null(j);
	assert_int_equal(json_object_array_length(jget(j, "ike_sas")), 1);
	sa = json_object_array_get_idx(jget(j, "ike_sas"), 0);
	assert_string_equal(json_object_get_string(jget(sa, "peer")), "bee");
	assert_string_equal(json_object_get_string(jget(sa, "role")), "initiator");
	assert_string_equal(json_object_get_string(jget(sa, "state")), "established");
	assert_string_equal(json_object_get_string(jget(sa, "proposal")),
	    "aes128gcm16-prfsha256-ecp256");
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)spi64(hs.o.spi_i));
	assert_string_equal(json_object_get_string(jget(sa, "spi_i")), buf);
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)spi64(hs.o.spi_r));
	assert_string_equal(json_object_get_string(jget(sa, "spi_r")), buf);
	assert_string_equal(json_object_get_string(jget(sa, "remote")), "198.18.0.2:500");
	assert_false(json_object_get_boolean(jget(sa, "nat_local")));
	assert_int_equal(json_object_get_int(jget(sa, "msg_id_out")), 2);
	assert_int_equal(json_object_get_int(jget(sa, "msg_id_in")), 0);
	assert_int_equal(json_object_array_length(jget(sa, "children")), 1);
	c = json_object_array_get_idx(jget(sa, "children"), 0);
	snprintf(spi_in, sizeof(spi_in), "0x%08x", net->ev[a_add].sa.spi);
	snprintf(spi_out, sizeof(spi_out), "0x%08x", net->ev[b_add].sa.spi);
	assert_string_equal(json_object_get_string(jget(c, "spi_in")), spi_in);
	assert_string_equal(json_object_get_string(jget(c, "spi_out")), spi_out);
	assert_string_equal(json_object_get_string(jget(c, "proposal")), "aes256gcm16-esn");
	assert_int_equal(json_object_get_int(jget(c, "card_index")),
	    (int)net->ev[a_add].index);
	assert_string_equal(json_object_get_string(jget(c, "state")), "installed");
	assert_int_equal(json_object_get_int(jget(c, "rekey_in_s")), 3600 - 60);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	    jget(c, "local_ts"), 0)), "198.18.1.0..198.18.1.255");
	json_object_put(j);

	f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(ike_engine_json_peers(net->n[1].e, net->now, f), 0);
	fclose(f);
	j = json_tokener_parse(buf);
	assert_non_null(j);
	assert_int_equal(json_object_array_length(jget(j, "peers")), 1);
	p = json_object_array_get_idx(jget(j, "peers"), 0);
	assert_string_equal(json_object_get_string(jget(p, "name")), "ant");
	assert_string_equal(json_object_get_string(jget(p, "type")), "static");
	assert_string_equal(json_object_get_string(jget(p, "address")), "198.18.0.1");
	assert_int_equal(json_object_get_int(jget(p, "port")), 500);
	assert_string_equal(json_object_get_string(jget(p, "state")), "established");
	assert_int_equal(json_object_get_int(jget(p, "ike_sas")), 1);
	assert_int_equal(json_object_get_int(jget(p, "child_sas")), 1);
	assert_int_equal(json_object_get_int(jget(p, "recoveries")), 0);
	json_object_put(j);

	/* the flight recorder's text names the SPIs */
	f = fmemopen(buf, sizeof(buf), "w");
	ike_engine_dump_peer(net->n[0].e, peer_of(net, 0), NULL, net->now, f);
	fclose(f);
	snprintf(spi_in, sizeof(spi_in), "%08x", net->ev[a_add].sa.spi);
	if (strstr(buf, spi_in) == NULL) {
		snprintf(spi_in, sizeof(spi_in), "%08X", net->ev[a_add].sa.spi);
		assert_non_null(strstr(buf, spi_in));
	}
	assert_non_null(strstr(buf, "bee"));
	net_free(net);
}

/* sa_add refused by the card: the responder answers without a CHILD SA
 * (NO_ADDITIONAL_SAS), the IKE SA stands, nothing to delete later */
static void test_card_refuses(void **state)
{
	struct peer_opts o = { 0 };
	struct net *net = net_new(&o, &o);
	struct hs hs;
	struct parsed p;
	struct ike_notify_pl n;

	(void)state;
	net->n[1].sa_add_rc = -ENOSPC;
	assert_int_equal(initiate(net, false, 0), 0);
	pump(net);
	find_hs(net, 0, &hs);
	assert_int_equal(open_msg(&hs.o, &net->ev[hs.auth_rsp], &p), 0);
	assert_int_equal(ike_notify_parse(need(&p, IKE_PL_NOTIFY)->body,
	    need(&p, IKE_PL_NOTIFY)->len, &n), IKE_OK);
	assert_int_equal(n.type, IKE_N_NO_ADDITIONAL_SAS);
	assert_null(ike_payload_find(&p.pl, IKE_PL_SA, 0));
	assert_true(established(net, 0) && established(net, 1));
	assert_int_equal(card_count(&net->n[0]), 0);
	assert_int_equal(card_count(&net->n[1]), 0);
	net->n[1].sa_add_rc = 0;
	net_free(net);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_groups),
		cmocka_unit_test(test_esn_negotiation),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_invalid_ke),
		cmocka_unit_test(test_no_proposal),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_auth_failed),
		cmocka_unit_test(test_id_mismatch_initiator),
		cmocka_unit_test(test_retransmit_backoff),
		cmocka_unit_test(test_retransmit_giveup),
		cmocka_unit_test(test_retransmitted_request),
		cmocka_unit_test(test_msgid_window),
		cmocka_unit_test(test_rekey_operator),
		cmocka_unit_test(test_rekey_lifetime),
		cmocka_unit_test(test_notify_stale_known),
		cmocka_unit_test(test_notify_stale_unknown),
		cmocka_unit_test(test_initial_contact),
		cmocka_unit_test(test_dpd),
		cmocka_unit_test(test_card_refuses),
		cmocka_unit_test(test_not_a_peer),
		cmocka_unit_test(test_robustness),
		cmocka_unit_test(test_random_mutations),
		cmocka_unit_test(test_json),
	};

	if (test_seed_from_args(argc, argv, &g_seed) != 0)
		return 2;
	/* one test by name while debugging (IKE_TEST_LOG=1 shows the logs) */
	if (getenv("IKE_TEST_ONLY") != NULL)
		cmocka_set_test_filter(getenv("IKE_TEST_ONLY"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
