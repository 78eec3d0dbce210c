/*
 * spisync tests -- reference of the event gate: the rules of
 * docs/event-ring.md "The gate" one clock at a time (see gate_ref.h).
 *
 * The documents leave these points open; the reference does what
 * hw/rtl/event_gate.v does:
 *  - an eviction record always parks first (even when no flow record takes
 *    the port) and is tried in the first clock no flow record is written,
 *    which may be some clocks later; that try is its only one: no token or
 *    a full FIFO then, and it is lost. A new eviction parks in the clock the
 *    register frees (written or lost), else it is lost.
 *  - a flow record without a token or FIFO room is lost and does not hold
 *    the port: the parked record, EVENTS_LOST and SA events can go.
 *  - an SA event waits (s_ready low) while the port is taken by a flow
 *    record, the parked record's try or an EVENTS_LOST record, and while the FIFO
 *    is full; it is taken and lost when it needs a token and the bucket is
 *    empty at its turn, and taken and lost at once while the ring is
 *    disabled. Types 1 and 2 from the SA side take a token too.
 *  - an EVENTS_LOST record never gets lost in the gate: it waits for a free
 *    port and FIFO room; it is not taken while the ring is disabled. Its
 *    TIME_NS is the clock it is written, everything but TYPE, TIME_NS, COUNT,
 *    LOST_MISSES and SA_INDEX (0xFFFF) is 0. Losses of the clock it is
 *    written in go into the next one. Pacing runs from the previous one's
 *    TIME_NS, whatever became of it; lost_ns 0 allows one every clock.
 *  - "first one after enabling goes out at once": after reset too; every
 *    disabled clock re-arms it.
 *  - bucket: at most one token per clock. A token is due when card time
 *    reaches the due time; the next due time is one period after the
 *    previous due time (catching up after a stall), or one period after now
 *    when the bucket was full (the token is dropped) or the due time was a
 *    whole period or more behind (no backlog is paid out). A due time more
 *    than one period ahead (token_ns lowered) moves to one period after
 *    now. Due token and used token in one clock cancel. A lowered burst
 *    clips the bucket in the next clock that neither adds nor uses a token.
 *    token_ns 0 keeps the bucket full (burst) and the due time at now, so a
 *    limit set later starts with a full bucket. Reset: full bucket, due now.
 *  - pending counts saturate at 2^32 - 1 (the clock's whole sum is added,
 *    then clipped); lost_total is 64 bits and does not saturate.
 *  - the misses of a lost record: 1 + COUNT for SA_MISS / SPI_RESERVED,
 *    COUNT with EVICTED, 0 for other types, whichever source it came from.
 *  - a returned EVENTS_LOST adds its COUNT and LOST_MISSES to the pending
 *    counts and nothing to lost_total; any other returned record counts as
 *    one lost record. s_overflow counts one lost record, no misses.
 *  - during a reset clock the outputs are those the state and inputs give.
 */
#include "gate_ref.h"

#include <string.h>

#include "bytes.h"
#include "spisync_hw.h"

/* ---- record fields ---- */

static uint8_t rec_type(const uint8_t *rec)
{
	return rec[SPISYNC_EVF_TYPE_OFF];
}

static uint32_t rec_count(const uint8_t *rec)
{
	return (uint32_t)load_le(rec + SPISYNC_EVF_COUNT_OFF, SPISYNC_EVF_COUNT_BYTES);
}

static bool is_flow_record(uint8_t type)
{
	return type == SPISYNC_EV_SA_MISS || type == SPISYNC_EV_SPI_RESERVED;
}

/* Flow records and burst records are what a flood can multiply. */
static bool takes_token(uint8_t type)
{
	return is_flow_record(type) || type == SPISYNC_EV_AUTH_FAIL_BURST ||
	    type == SPISYNC_EV_REPLAY_BURST;
}

static uint64_t misses_of(const uint8_t *rec)
{
	if (!is_flow_record(rec_type(rec)))
		return 0;
	if (rec[SPISYNC_EVF_FLAGS_OFF] & SPISYNC_EV_FLAG_EVICTED)
		return rec_count(rec);
	return 1 + (uint64_t)rec_count(rec);
}

static uint32_t saturate(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* ---- one clock ---- */

enum port_owner {
	PORT_NONE,
	PORT_FLOW,
	PORT_PARKED,
	PORT_REPORT,
	PORT_SA,
};

/* What happens to the records of one clock, decided before any state
 * changes. */
struct decision {
	enum port_owner owner;
	bool flow_lost, parked_lost, evict_lost, sa_lost;
	bool parked_leaves;     /* the register is free for a new eviction */
	bool evict_parks;
	bool sa_taken;          /* s_ready */
	bool token_used;
};

static bool report_due(const struct gate_ref *ref, const struct gate_ref_in *in)
{
	if (ref->unreported_records == 0)
		return false;
	return !ref->reported || in->time_ns - ref->reported_at >= in->lost_ns;
}

static void decide(const struct gate_ref *ref, const struct gate_ref_in *in,
    struct decision *d)
{
	const bool limited = in->token_ns != 0;
	const bool token = !limited || ref->tokens > 0;

	memset(d, 0, sizeof(*d));

	if (!in->ring_enabled) {
		/* nothing is queued: every record offered is lost, SA events
		 * included (taken so that their FIFO drains) */
		d->flow_lost = in->f_valid;
		d->parked_lost = ref->parked;
		d->parked_leaves = true;
		d->evict_lost = in->f_evict_valid;
		d->sa_taken = d->sa_lost = in->s_valid;
		return;
	}

	if (in->f_valid) {
		/* no backpressure: written now or lost (and then not
		 * holding the port) */
		if (token && in->m_ready)
			d->owner = PORT_FLOW;
		else
			d->flow_lost = true;
	}
	if (d->owner != PORT_NONE) {
		/* the port is taken */
	} else if (ref->parked) {
		/* the parked record's one try */
		if (token && in->m_ready)
			d->owner = PORT_PARKED;
		else
			d->parked_lost = true;
		d->parked_leaves = true;
	} else if (report_due(ref, in) && in->m_ready) {
		d->owner = PORT_REPORT;
	} else if (in->s_valid && in->m_ready) {
		/* SA events wait for FIFO room; then the bucket decides */
		d->sa_taken = true;
		if (!takes_token(rec_type(in->s_rec)) || token)
			d->owner = PORT_SA;
		else
			d->sa_lost = true;
	}
	if (!ref->parked)
		d->parked_leaves = true;

	if (in->f_evict_valid) {
		d->evict_parks = d->parked_leaves;
		d->evict_lost = !d->evict_parks;
	}

	d->token_used = limited && (d->owner == PORT_FLOW || d->owner == PORT_PARKED ||
	    (d->owner == PORT_SA && takes_token(rec_type(in->s_rec))));
}

static void report_record(const struct gate_ref *ref, uint64_t now, uint8_t *rec)
{
	memset(rec, 0, GATE_REC_BYTES);
	rec[SPISYNC_EVF_TYPE_OFF] = SPISYNC_EV_EVENTS_LOST;
	store_le64(rec + SPISYNC_EVF_TIME_NS_OFF, now);
	store_le32(rec + SPISYNC_EVF_COUNT_OFF, ref->unreported_records);
	store_le32(rec + SPISYNC_EVF_LOST_MISSES_OFF, ref->unreported_misses);
	store_le16(rec + SPISYNC_EVF_SA_INDEX_OFF, 0xFFFF);
}

static void outputs(const struct gate_ref *ref, const struct gate_ref_in *in,
    const struct decision *d, struct gate_ref_out *out)
{
	out->m_valid = d->owner != PORT_NONE;
	out->s_ready = d->sa_taken;
	switch (d->owner) {
	case PORT_FLOW:
		memcpy(out->m_rec, in->f_rec, GATE_REC_BYTES);
		break;
	case PORT_PARKED:
		memcpy(out->m_rec, ref->parked_rec, GATE_REC_BYTES);
		break;
	case PORT_REPORT:
		report_record(ref, in->time_ns, out->m_rec);
		break;
	case PORT_SA:
		memcpy(out->m_rec, in->s_rec, GATE_REC_BYTES);
		break;
	case PORT_NONE:
		memset(out->m_rec, 0, GATE_REC_BYTES);
		break;
	}
}

static void bucket(struct gate_ref *ref, const struct gate_ref_in *in, bool used)
{
	bool add;

	if (in->token_ns == 0) {
		ref->tokens = in->token_burst;
		ref->refill_at = in->time_ns;
		return;
	}
	add = false;
	if (in->time_ns >= ref->refill_at) {
		add = ref->tokens < in->token_burst;
		if (add && in->time_ns - ref->refill_at < in->token_ns)
			ref->refill_at += in->token_ns;	/* on schedule */
		else
			ref->refill_at = in->time_ns + in->token_ns;
	} else if (ref->refill_at - in->time_ns > in->token_ns) {
		ref->refill_at = in->time_ns + in->token_ns;	/* period shortened */
	}
	if (add || used)
		ref->tokens = ref->tokens + (add ? 1 : 0) - (used ? 1 : 0);
	else if (ref->tokens > in->token_burst)
		ref->tokens = in->token_burst;
}

/* Count this clock's losses and returns; a report written now took the
 * counts it carries. */
static void account(struct gate_ref *ref, const struct gate_ref_in *in,
    const struct decision *d)
{
	uint64_t records = 0, misses = 0;

	if (d->flow_lost) {
		records++;
		misses += misses_of(in->f_rec);
	}
	if (d->parked_lost) {
		records++;
		misses += misses_of(ref->parked_rec);
	}
	if (d->evict_lost) {
		records++;
		misses += misses_of(in->f_evict_rec);
	}
	if (d->sa_lost) {
		records++;
		misses += misses_of(in->s_rec);
	}
	if (in->s_overflow)
		records++;
	ref->lost_total += records;

	if (in->r_lost_valid && rec_type(in->r_lost_rec) == SPISYNC_EV_EVENTS_LOST) {
		/* its counts go back; the records were counted when lost */
		records += rec_count(in->r_lost_rec);
		misses += load_le(in->r_lost_rec + SPISYNC_EVF_LOST_MISSES_OFF,
		    SPISYNC_EVF_LOST_MISSES_BYTES);
	} else if (in->r_lost_valid) {
		ref->lost_total++;
		records++;
		misses += misses_of(in->r_lost_rec);
	}

	if (d->owner == PORT_REPORT) {
		ref->unreported_records = 0;
		ref->unreported_misses = 0;
		ref->reported = true;
		ref->reported_at = in->time_ns;
	}
	ref->unreported_records = saturate(ref->unreported_records + records);
	ref->unreported_misses = saturate(ref->unreported_misses + misses);
	if (!in->ring_enabled)
		ref->reported = false;
}

void gate_ref_reset(struct gate_ref *ref, const struct gate_ref_in *in)
{
	memset(ref, 0, sizeof(*ref));
	ref->tokens = in->token_burst;
	ref->refill_at = in->time_ns;
}

void gate_ref_clock(struct gate_ref *ref, const struct gate_ref_in *in,
    struct gate_ref_out *out)
{
	struct decision d;

	decide(ref, in, &d);
	outputs(ref, in, &d, out);
	if (in->rst) {
		gate_ref_reset(ref, in);
	} else {
		bucket(ref, in, d.token_used);
		account(ref, in, &d);
		if (d.parked_leaves)
			ref->parked = false;
		if (d.evict_parks) {
			ref->parked = true;
			memcpy(ref->parked_rec, in->f_evict_rec, GATE_REC_BYTES);
		}
	}
	out->lost_total = ref->lost_total;
}
