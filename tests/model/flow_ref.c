/*
 * spisync tests -- reference of the SA-miss flow filter: the rules of
 * hw/rtl/flow_filter.v, one record at a time (see flow_ref.h).
 */
#include "flow_ref.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "spisync_hw.h"

struct flow_ref {
	unsigned sets;
	struct flow_ref_way (*table)[FLOW_WAYS];
	unsigned walk_left;     /* clocks of the clearing walk still to come */
	uint64_t suppressed_total;
	uint64_t pending;
};

/* ---- record fields (little-endian integers, addresses in wire order) ---- */

static uint64_t rec_time(const uint8_t *rec)
{
	return load_le(rec + SPISYNC_EVF_TIME_NS_OFF, SPISYNC_EVF_TIME_NS_BYTES);
}

void flow_key_of(const uint8_t rec[FLOW_REC_BYTES], struct flow_key *key)
{
	memset(key, 0, sizeof(*key));
	memcpy(key->src, rec + SPISYNC_EVF_SRC_OFF, sizeof(key->src));
	memcpy(key->dst, rec + SPISYNC_EVF_DST_OFF, sizeof(key->dst));
	key->spi = (uint32_t)load_le(rec + SPISYNC_EVF_SPI_OFF, SPISYNC_EVF_SPI_BYTES);
	key->ipv6 = (rec[SPISYNC_EVF_FLAGS_OFF] & SPISYNC_EV_FLAG_IPV6) != 0;
}

bool flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return a->ipv6 == b->ipv6 && a->spi == b->spi &&
	    memcmp(a->src, b->src, sizeof(a->src)) == 0 &&
	    memcmp(a->dst, b->dst, sizeof(a->dst)) == 0;
}

static bool key_bit(const struct flow_key *key, unsigned i)
{
	if (i < 128)
		return (key->src[i / 8] >> (i % 8)) & 1u;
	if (i < 256)
		return (key->dst[(i - 128) / 8] >> (i % 8)) & 1u;
	if (i < 288)
		return (key->spi >> (i - 256)) & 1u;
	return key->ipv6;
}

unsigned flow_key_set(const struct flow_key *key, unsigned sets)
{
	unsigned h = 0;

	for (unsigned i = 0; i < FLOW_KEY_BITS; i++)
		if (key_bit(key, i))
			h ^= flow_h3_rows[i];
	return h & (sets - 1);
}

/* ---- life cycle ---- */

struct flow_ref *flow_ref_create(unsigned sets)
{
	struct flow_ref *ref;

	if (sets < 2 || sets > 65536 || (sets & (sets - 1)) != 0)
		return NULL;
	ref = calloc(1, sizeof(*ref));
	if (ref == NULL)
		return NULL;
	ref->sets = sets;
	ref->table = calloc(sets, sizeof(*ref->table));
	if (ref->table == NULL) {
		free(ref);
		return NULL;
	}
	flow_ref_reset(ref);
	return ref;
}

void flow_ref_destroy(struct flow_ref *ref)
{
	if (ref == NULL)
		return;
	free(ref->table);
	free(ref);
}

void flow_ref_reset(struct flow_ref *ref)
{
	memset(ref->table, 0, ref->sets * sizeof(*ref->table));
	ref->walk_left = ref->sets;
	ref->suppressed_total = 0;
	ref->pending = 0;
}

bool flow_ref_ready(const struct flow_ref *ref)
{
	return ref->walk_left == 0;
}

int flow_ref_lookup(const struct flow_ref *ref, const struct flow_key *key)
{
	const struct flow_ref_way *set = ref->table[flow_key_set(key, ref->sets)];

	for (int w = 0; w < FLOW_WAYS; w++)
		if (set[w].valid && flow_key_equal(&set[w].key, key))
			return w;
	return -1;
}

uint64_t flow_ref_preset_count(struct flow_ref *ref, unsigned set,
    unsigned way, uint32_t count)
{
	struct flow_ref_way *w = &ref->table[set][way];
	const uint64_t more = (uint64_t)count - w->count;

	w->count = count;
	ref->suppressed_total += more;
	ref->pending += more;
	return more;
}

/* ---- one record ---- */

static void store(struct flow_ref_way *w, const uint8_t *rec,
    const struct flow_key *key)
{
	const uint8_t flags = rec[SPISYNC_EVF_FLAGS_OFF];

	w->valid = true;
	w->key = *key;
	w->type = rec[SPISYNC_EVF_TYPE_OFF];
	w->udp = (flags & SPISYNC_EV_FLAG_UDP) != 0;
	w->port = (uint8_t)(flags >> SPISYNC_EV_FLAGS_PORT_SHIFT);
	w->sport = (uint16_t)load_le(rec + SPISYNC_EVF_SPORT_OFF, 2);
	w->dport = (uint16_t)load_le(rec + SPISYNC_EVF_DPORT_OFF, 2);
}

static void evict_record(const struct flow_ref_way *w, uint64_t time_ns,
    uint8_t *rec)
{
	uint8_t flags = SPISYNC_EV_FLAG_EVICTED;

	if (w->key.ipv6)
		flags |= SPISYNC_EV_FLAG_IPV6;
	if (w->udp)
		flags |= SPISYNC_EV_FLAG_UDP;
	flags |= (uint8_t)(w->port << SPISYNC_EV_FLAGS_PORT_SHIFT);

	memset(rec, 0, FLOW_REC_BYTES);
	rec[SPISYNC_EVF_TYPE_OFF] = w->type;
	rec[SPISYNC_EVF_FLAGS_OFF] = flags;
	store_le32(rec + SPISYNC_EVF_SPI_OFF, w->key.spi);
	store_le64(rec + SPISYNC_EVF_TIME_NS_OFF, time_ns);
	memcpy(rec + SPISYNC_EVF_SRC_OFF, w->key.src, 16);
	memcpy(rec + SPISYNC_EVF_DST_OFF, w->key.dst, 16);
	store_le16(rec + SPISYNC_EVF_SPORT_OFF, w->sport);
	store_le16(rec + SPISYNC_EVF_DPORT_OFF, w->dport);
	store_le32(rec + SPISYNC_EVF_COUNT_OFF, w->count);
	store_le16(rec + SPISYNC_EVF_SA_INDEX_OFF, 0xFFFF);
}

/* the way a new flow takes: an invalid one, else the older `last` */
static unsigned victim(const struct flow_ref_way *set, uint64_t now)
{
	if (!set[0].valid)
		return 0;
	if (!set[1].valid)
		return 1;
	/* ages, so that card time may wrap; way 0 on a tie */
	return now - set[0].last >= now - set[1].last ? 0 : 1;
}

static void filter(struct flow_ref *ref, const uint8_t *rec, uint64_t holdoff,
    struct flow_ref_out *out)
{
	struct flow_key key;
	struct flow_ref_way *set, *w;
	const uint64_t now = rec_time(rec);
	int hit;

	flow_key_of(rec, &key);
	set = ref->table[flow_key_set(&key, ref->sets)];
	hit = flow_ref_lookup(ref, &key);

	if (hit >= 0) {
		w = &set[hit];
		if (now - w->last < holdoff) {
			if (w->count != UINT32_MAX)
				w->count++;
			store(w, rec, &key);
			out->suppressed = true;
			ref->suppressed_total++;
			ref->pending++;
			return;
		}
		out->valid = true;
		store_le32(out->rec + SPISYNC_EVF_COUNT_OFF, w->count);
		ref->pending -= w->count;
		store(w, rec, &key);
		w->last = now;
		w->count = 0;
		return;
	}

	w = &set[victim(set, now)];
	if (w->valid && w->count != 0) {
		out->evict_valid = true;
		evict_record(w, now, out->evict_rec);
		ref->pending -= w->count;
	}
	out->valid = true;
	store(w, rec, &key);
	w->last = now;
	w->count = 0;
}

void flow_ref_clock(struct flow_ref *ref, bool valid,
    const uint8_t rec[FLOW_REC_BYTES], uint64_t holdoff_ns,
    struct flow_ref_out *out)
{
	const bool ready = flow_ref_ready(ref);

	memset(out, 0, sizeof(*out));
	if (valid) {
		memcpy(out->rec, rec, FLOW_REC_BYTES);
		store_le32(out->rec + SPISYNC_EVF_COUNT_OFF, 0);
		if (ready)
			filter(ref, rec, holdoff_ns, out);
		else
			out->valid = true;      /* during the walk: unfiltered */
	}
	if (ref->walk_left > 0)
		ref->walk_left--;
	out->suppressed_total = ref->suppressed_total;
	out->pending = ref->pending;
}
