/*
 * spisyncd -- the miss flow table (flows.h).
 *
 * Nodes are allocated once (max of them) and chained through a free list,
 * so a record never allocates. Each node is in one hash chain and in one of
 * three recency lists: "evictable" (NEW, TRANSIENT, RECOVERED flows from
 * addresses that are no configured peer), "peer" (the same from a
 * configured peer) and "protected" (STUCK, RECOVERING). Touching a flow
 * moves it to the front of its list; eviction takes the tail of the first
 * non-empty list in that order, so the cost per record is O(1) whatever the
 * table holds, and a flood from spoofed sources evicts its own flows, not a
 * peer's flow on its way to being recognised as stuck.
 */
#include "flows.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum { LIST_EVICTABLE, LIST_PEER, LIST_PROTECTED, LIST_N };

struct fnode {
	struct flow f;                  /* first: a struct flow * is a node */
	struct fnode *hnext;            /* hash chain, or the free list */
	struct fnode *prev, *next;      /* recency list, front = most recent */
	int list;
};

struct flist {
	struct fnode *head, *tail;
};

struct flow_table {
	size_t max, count, nbuckets;    /* nbuckets: a power of two */
	uint64_t evictions;
	uint64_t sipkey[2];
	struct fnode *nodes;
	struct fnode *free;
	struct fnode **buckets;
	struct flist lists[LIST_N];
	struct flow **sorted;           /* foreach's scratch, max entries */
};

const char *
flow_class_name(enum flow_class c)
{
	switch (c) {
	case FLOW_NEW:
		return "new";
	case FLOW_TRANSIENT:
		return "transient";
	case FLOW_STUCK:
		return "stuck";
	case FLOW_RECOVERING:
		return "recovering";
	case FLOW_RECOVERED:
		return "recovered";
	}
	return "?";
}

/* ---- SipHash-2-4 (Aumasson, Bernstein), over the packed key ----------- */

static uint64_t
rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl64(v[1], 13); v[1] ^= v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3]; v[3] = rotl64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl64(v[1], 17); v[1] ^= v[2];
	v[2] = rotl64(v[2], 32);
}

static uint64_t
siphash24(const uint64_t key[2], const uint8_t *in, size_t len)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
		key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL,
	};
	uint8_t last[8] = { 0 };
	size_t i, full = len - len % 8;
	uint64_t m;

	for (i = 0; i < full; i += 8) {
		m = load_le64(in + i);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	memcpy(last, in + full, len - full);
	last[7] = (uint8_t)len;
	m = load_le64(last);
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The key's fields packed without padding: the hash sees no stray bytes. */
static size_t
key_pack(const struct flow_key *k, uint8_t out[48])
{
	size_t n = 0;

	out[n++] = (uint8_t)((k->ipv6 ? 1 : 0) | (k->udp ? 2 : 0));
	memcpy(out + n, k->src, 16);
	n += 16;
	memcpy(out + n, k->dst, 16);
	n += 16;
	memcpy(out + n, &k->spi, 4);
	n += 4;
	memcpy(out + n, &k->sport, 2);
	n += 2;
	memcpy(out + n, &k->dport, 2);
	n += 2;
	return n;
}

static size_t
key_bucket(const struct flow_table *t, const struct flow_key *k)
{
	uint8_t buf[48];
	size_t n = key_pack(k, buf);

	return (size_t)(siphash24(t->sipkey, buf, n) & (t->nbuckets - 1));
}

static bool
key_eq(const struct flow_key *a, const struct flow_key *b)
{
	size_t alen = a->ipv6 ? 16 : 4;

	return a->ipv6 == b->ipv6 && a->udp == b->udp && a->spi == b->spi &&
	    a->sport == b->sport && a->dport == b->dport &&
	    memcmp(a->src, b->src, alen) == 0 &&
	    memcmp(a->dst, b->dst, alen) == 0;
}

/* ---- lists ------------------------------------------------------------ */

static void
list_unlink(struct flow_table *t, struct fnode *n)
{
	struct flist *l = &t->lists[n->list];

	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = n->next = NULL;
}

static void
list_push_front(struct flow_table *t, struct fnode *n, int list)
{
	struct flist *l = &t->lists[list];

	n->list = list;
	n->prev = NULL;
	n->next = l->head;
	if (l->head != NULL)
		l->head->prev = n;
	else
		l->tail = n;
	l->head = n;
}

static int
flow_list(const struct flow *f)
{
	if (f->cls == FLOW_STUCK || f->cls == FLOW_RECOVERING)
		return LIST_PROTECTED;
	return f->from_peer ? LIST_PEER : LIST_EVICTABLE;
}

/* ---- table ------------------------------------------------------------ */

int
flow_table_new(size_t max, struct flow_table **out)
{
	struct flow_table *t;
	size_t nb = 16;

	*out = NULL;
	if (max == 0 || max > (SIZE_MAX / 4) / sizeof(struct fnode))
		return -EINVAL;
	while (nb < 2 * max)
		nb *= 2;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->max = max;
	t->nbuckets = nb;
	t->nodes = calloc(max, sizeof(*t->nodes));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	t->sorted = calloc(max, sizeof(*t->sorted));
	if (t->nodes == NULL || t->buckets == NULL || t->sorted == NULL) {
		flow_table_free(t);
		return -ENOMEM;
	}
	/* A secret hash key: chains stay short whatever sources an attacker
	 * chooses. Without randomness the clock will do (still not guessable
	 * from outside to the nanosecond). */
	if (getrandom(t->sipkey, sizeof(t->sipkey), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(t->sipkey)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		t->sipkey[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL;
		t->sipkey[1] = (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)t;
	}
	for (size_t i = max; i-- > 0;) {
		t->nodes[i].hnext = t->free;
		t->free = &t->nodes[i];
	}
	*out = t;
	return 0;
}

void
flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	free(t->nodes);
	free(t->buckets);
	free(t->sorted);
	free(t);
}

static void
node_remove(struct flow_table *t, struct fnode *n)
{
	struct fnode **pp = &t->buckets[key_bucket(t, &n->f.key)];

	while (*pp != NULL && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp == n)
		*pp = n->hnext;
	list_unlink(t, n);
	memset(n, 0, sizeof(*n));
	n->hnext = t->free;
	t->free = n;
	t->count--;
}

struct flow *
flow_table_get(struct flow_table *t, const struct flow_key *k, bool create,
    uint64_t now_ms)
{
	struct fnode *n;
	struct flow_key key = *k;
	size_t b;

	/* IPv4 keeps its address in the first 4 bytes: the rest must not
	 * make two keys of one flow. */
	if (!key.ipv6) {
		memset(key.src + 4, 0, 12);
		memset(key.dst + 4, 0, 12);
	}
	if (!key.udp)
		key.sport = key.dport = 0;
	b = key_bucket(t, &key);

	for (n = t->buckets[b]; n != NULL; n = n->hnext) {
		if (key_eq(&n->f.key, &key))
			break;
	}
	if (n == NULL && !create)
		return NULL;
	if (n != NULL) {
		if (create) {
			n->f.last_ms = now_ms;
			list_unlink(t, n);
			list_push_front(t, n, n->list);
		}
		return &n->f;
	}

	if (t->free == NULL) {
		struct fnode *victim = t->lists[LIST_EVICTABLE].tail;

		if (victim == NULL)
			victim = t->lists[LIST_PEER].tail;
		if (victim == NULL)
			victim = t->lists[LIST_PROTECTED].tail;
		node_remove(t, victim);
		t->evictions++;
	}
	n = t->free;
	t->free = n->hnext;
	memset(n, 0, sizeof(*n));
	n->f.key = key;
	n->f.first_ms = n->f.last_ms = n->f.class_since_ms = now_ms;
	n->f.cls = FLOW_NEW;
	n->hnext = t->buckets[b];
	t->buckets[b] = n;
	list_push_front(t, n, LIST_EVICTABLE);
	t->count++;
	return &n->f;
}

size_t
flow_table_count(const struct flow_table *t)
{
	return t->count;
}

uint64_t
flow_table_evictions(const struct flow_table *t)
{
	return t->evictions;
}

void
flow_table_set_class(struct flow_table *t, struct flow *f, enum flow_class c,
    uint64_t now_ms, uint64_t wall_ns)
{
	struct fnode *n = (struct fnode *)f;
	int list;

	f->cls = c;
	f->class_since_ms = now_ms;
	f->class_since_wall_ns = wall_ns;
	list = flow_list(f);
	if (list != n->list) {
		list_unlink(t, n);
		list_push_front(t, n, list);
	}
}

void
flow_table_set_from_peer(struct flow_table *t, struct flow *f, bool from_peer)
{
	struct fnode *n = (struct fnode *)f;
	int list;

	f->from_peer = from_peer;
	list = flow_list(f);
	if (list != n->list) {
		list_unlink(t, n);
		list_push_front(t, n, list);
	}
}

static int
cmp_recent_first(const void *a, const void *b)
{
	const struct flow *fa = *(const struct flow *const *)a;
	const struct flow *fb = *(const struct flow *const *)b;

	if (fa->last_ms != fb->last_ms)
		return fa->last_ms > fb->last_ms ? -1 : 1;
	if (fa->first_ms != fb->first_ms)
		return fa->first_ms > fb->first_ms ? -1 : 1;
	return 0;
}

void
flow_table_foreach(struct flow_table *t, void (*fn)(struct flow *, void *),
    void *arg)
{
	size_t n = 0;

	for (int l = 0; l < LIST_N; l++) {
		for (struct fnode *p = t->lists[l].head; p != NULL; p = p->next)
			t->sorted[n++] = &p->f;
	}
	qsort(t->sorted, n, sizeof(t->sorted[0]), cmp_recent_first);
	for (size_t i = 0; i < n; i++)
		fn(t->sorted[i], arg);
}

void
flow_table_walk(struct flow_table *t, void (*fn)(struct flow *, void *),
    void *arg)
{
	size_t n = 0;

	/* collected first: set_class moves nodes between the lists */
	for (int l = 0; l < LIST_N; l++) {
		for (struct fnode *p = t->lists[l].head; p != NULL; p = p->next)
			t->sorted[n++] = &p->f;
	}
	for (size_t i = 0; i < n; i++)
		fn(t->sorted[i], arg);
}

void
flow_table_walk_protected(struct flow_table *t,
    void (*fn)(struct flow *, void *), void *arg)
{
	for (struct fnode *p = t->lists[LIST_PROTECTED].head; p != NULL;
	    p = p->next)
		fn(&p->f, arg);
}

void
flow_table_expire(struct flow_table *t, uint64_t now_ms, uint64_t max_idle_ms)
{
	static const int lists[] = { LIST_EVICTABLE, LIST_PEER };

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		struct fnode *p = t->lists[lists[l]].head;

		while (p != NULL) {
			struct fnode *next = p->next;

			if (now_ms > p->f.last_ms &&
			    now_ms - p->f.last_ms > max_idle_ms)
				node_remove(t, p);
			p = next;
		}
	}
}

void
flow_add_miss(struct flow *f, const struct flow_miss *m)
{
	f->hist[f->hist_head] = *m;
	f->hist_head = (f->hist_head + 1) % FLOW_HISTORY;
	if (f->hist_n < FLOW_HISTORY)
		f->hist_n++;
}

const struct flow_miss *
flow_hist_at(const struct flow *f, size_t i)
{
	size_t oldest = (f->hist_head + FLOW_HISTORY - f->hist_n) %
	    FLOW_HISTORY;

	return &f->hist[(oldest + i) % FLOW_HISTORY];
}

int
flow_addr_str(bool ipv6, const uint8_t addr[16], char *buf, size_t len)
{
	if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, addr, buf,
	    (socklen_t)(len > 0x7fffffff ? 0x7fffffff : len)) == NULL)
		return -1;
	return 0;
}

int
flow_time_str(uint64_t wall_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(wall_ns / 1000000000u);
	unsigned ms = (unsigned)(wall_ns % 1000000000u / 1000000u);
	struct tm tm;
	char date[32];
	int r;

	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	r = snprintf(buf, len, "%s.%03uZ", date, ms);
	return (r < 0 || (size_t)r >= len) ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------- */

struct json_ctx {
	struct json_object *arr;
	bool failed;
};

static int
add_str(struct json_object *o, const char *name, const char *s)
{
	struct json_object *v = s != NULL ? json_object_new_string(s) : NULL;

	if (s != NULL && v == NULL)
		return -1;
	return json_object_object_add(o, name, v);
}

static int
add_i64(struct json_object *o, const char *name, uint64_t x)
{
	struct json_object *v;

	/* json-c holds int64; counts never come near 2^63 */
	v = json_object_new_int64(x > INT64_MAX ? INT64_MAX : (int64_t)x);
	if (v == NULL)
		return -1;
	return json_object_object_add(o, name, v);
}

static int
add_time(struct json_object *o, const char *name, uint64_t wall_ns)
{
	char buf[40];

	if (flow_time_str(wall_ns, buf, sizeof(buf)) != 0)
		return add_str(o, name, NULL);
	return add_str(o, name, buf);
}

static struct json_object *
flow_to_json(const struct flow *f)
{
	struct json_object *o = json_object_new_object(), *hist, *h;
	char a[64], spi[16];
	int err = 0;

	if (o == NULL)
		return NULL;
	snprintf(spi, sizeof(spi), "0x%08" PRIX32, f->key.spi);
	err |= flow_addr_str(f->key.ipv6, f->key.src, a, sizeof(a));
	err |= add_str(o, "src", a);
	err |= flow_addr_str(f->key.ipv6, f->key.dst, a, sizeof(a));
	err |= add_str(o, "dst", a);
	err |= add_str(o, "spi", spi);
	err |= add_i64(o, "spi_dec", f->key.spi);
	err |= add_str(o, "encap", f->key.udp ? "udp" : "none");
	err |= add_i64(o, "sport", f->key.sport);
	err |= add_i64(o, "dport", f->key.dport);
	err |= add_str(o, "peer", f->peer[0] != '\0' ? f->peer : NULL);
	err |= add_str(o, "class", flow_class_name(f->cls));
	err |= add_time(o, "class_since", f->class_since_wall_ns);
	err |= add_time(o, "first_seen", f->first_wall_ns);
	err |= add_time(o, "last_seen", f->last_wall_ns);
	err |= add_i64(o, "events", f->events);
	err |= add_i64(o, "misses", f->misses);
	err |= add_i64(o, "episodes", f->episodes);
	err |= add_i64(o, "logs", f->logs);
	err |= add_i64(o, "logs_suppressed", f->logs_suppressed);
	err |= add_i64(o, "recoveries", f->recoveries);
	err |= add_str(o, "last_action", f->last_action);
	err |= add_str(o, "flightrec", f->flightrec[0] != '\0' ?
	    f->flightrec : NULL);
	hist = json_object_new_array();
	if (hist == NULL || json_object_object_add(o, "history", hist) != 0) {
		json_object_put(hist);
		json_object_put(o);
		return NULL;
	}
	for (size_t i = 0; i < f->hist_n; i++) {
		const struct flow_miss *m = flow_hist_at(f, i);

		h = json_object_new_object();
		if (h == NULL || json_object_array_add(hist, h) != 0) {
			json_object_put(h);
			err = -1;
			break;
		}
		err |= add_time(h, "time", m->wall_ns);
		err |= add_i64(h, "count", m->count);
		err |= add_i64(h, "seq", m->seq);
		err |= add_i64(h, "len", m->frame_len);
		err |= json_object_object_add(h, "evicted",
		    json_object_new_boolean(m->evicted));
	}
	if (err != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void
json_one(struct flow *f, void *arg)
{
	struct json_ctx *c = arg;
	struct json_object *o;

	if (c->failed)
		return;
	o = flow_to_json(f);
	if (o == NULL || json_object_array_add(c->arr, o) != 0) {
		json_object_put(o);
		c->failed = true;
	}
}

struct json_object *
flows_json_object(struct flow_table *t)
{
	struct json_object *root = json_object_new_object();
	struct json_ctx c = { .arr = json_object_new_array(), .failed = false };

	if (root == NULL || c.arr == NULL ||
	    json_object_object_add(root, "flows", c.arr) != 0) {
		json_object_put(c.arr);
		json_object_put(root);
		return NULL;
	}
	flow_table_foreach(t, json_one, &c);
	if (c.failed) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

int
flows_json(struct flow_table *t, FILE *out)
{
	struct json_object *root = flows_json_object(t);
	const char *s;
	int r = -1;

	if (root == NULL)
		return -1;
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (s != NULL && fprintf(out, "%s\n", s) >= 0)
		r = 0;
	json_object_put(root);
	return r;
}
