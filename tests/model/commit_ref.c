/*
 * spisync tests -- sequential reference of the commit stage (commit_ref.h).
 * docs/datapath.md steps 10-16 in their order, then the SA events of
 * docs/event-ring.md.
 */
#include <string.h>

#include "commit_ref.h"
#include "esp_decap.h"
#include "spisync_hw.h"

/* The record as this frame's generation sees it. */
static void
touch(struct commit_ref_state *st, const struct commit_ref_job *job,
    const struct commit_ref_env *env, struct commit_ref_out *out)
{
	if (st->gen != job->gen) {
		memset(st, 0, sizeof(*st));
		replay_ref_init(&st->win);
		st->gen = job->gen;
		out->fresh = true;
	}
	/* burst counts belong to one interval: a new one starts from zero */
	if (st->epoch != env->burst_epoch) {
		st->epoch = env->burst_epoch;
		st->af_in_epoch = 0;
		st->rp_in_epoch = 0;
	}
	out->written = true;
}

/* One more drop of a burst kind; true when the count reaches the threshold
 * (clamped to what the 16-bit count can reach). */
static bool
burst_step(uint16_t *count, uint32_t burst, uint32_t *thr_out)
{
	uint32_t thr = burst > 0xFFFF ? 0xFFFF : burst;

	*thr_out = thr;
	if (*count == 0xFFFF)
		return false;
	(*count)++;
	return thr != 0 && *count == thr;
}

static bool
soft_reached(const struct commit_ref_job *job, uint64_t packets, uint64_t bytes)
{
	return (job->soft_packets != 0 && packets >= job->soft_packets) ||
	    (job->soft_bytes != 0 && bytes >= job->soft_bytes);
}

static void
event(const struct commit_ref_job *job, const struct commit_ref_env *env,
    uint8_t type, uint32_t count, struct commit_ref_out *out)
{
	unsigned l2 = job->l2_len;
	struct esp_sa_event ev = {
		.type = type, .ipv6 = job->ipv6, .spi = job->spi,
		.time_ns = env->time_ns,
		.src = job->hdr + l2 + (job->ipv6 ? 8 : 12),
		.dst = job->hdr + l2 + (job->ipv6 ? 24 : 16),
		.seq = (uint32_t)job->seq64, .count = count,
		.sa_index = job->index, .rx_seq = job->rx_seq,
	};

	esp_sa_event_record(&ev, out->event_rec);
	out->event = true;
}

static void
replay_drop(struct commit_ref_state *st, const struct commit_ref_job *job,
    const struct commit_ref_env *env, struct commit_ref_out *out)
{
	uint32_t thr;

	out->reason = SPISYNC_R_REPLAY;
	st->replay++;
	if (burst_step(&st->rp_in_epoch, env->replay_burst, &thr))
		event(job, env, SPISYNC_EV_REPLAY_BURST, thr, out);
}

/* Steps 10-16 of a decrypted frame. */
static void
crypto(struct commit_ref_state *st, const struct commit_ref_job *job,
    bool auth_ok, const uint8_t *pt, const struct commit_ref_env *env,
    struct commit_ref_out *out)
{
	uint64_t ct_len = job->pay_len;
	uint64_t s = 0, top_before;
	uint32_t thr;
	bool tunnel = false;
	size_t il = 0;
	uint8_t nh = 0;

	touch(st, job, env, out);
	if (!auth_ok) {
		out->reason = SPISYNC_R_AUTH_FAIL;
		st->auth_fail++;
		if (burst_step(&st->af_in_epoch, env->auth_fail_burst, &thr))
			event(job, env, SPISYNC_EV_AUTH_FAIL_BURST, thr, out);
		return;
	}
	/* 11: the re-check against the exact window; the high half classify
	 * inferred (it was in the AAD) must come out the same */
	if (!replay_ref_infer(&st->win, job->esn, (uint32_t)job->seq64, &s) ||
	    !replay_ref_check(&st->win, s)) {
		replay_drop(st, job, env, out);
		return;
	}
	if (s != job->seq64) {
		out->hi_mismatch = true;
		replay_drop(st, job, env, out);
		return;
	}
	/* 12 */
	if ((job->hard_packets != 0 && st->packets + 1 > job->hard_packets) ||
	    (job->hard_bytes != 0 && st->bytes + ct_len > job->hard_bytes)) {
		out->reason = SPISYNC_R_SA_EXPIRED;
		if (!st->hard_reported) {
			st->hard_reported = true;
			event(job, env, SPISYNC_EV_SA_HARD_EXPIRY, 0, out);
		}
		return;
	}
	top_before = st->win.top;
	replay_ref_update(&st->win, s);
	out->slid = st->win.top != top_before;
	/* 13-15 */
	out->reason = esp_trailer_verdict(pt, (size_t)ct_len, job->mode,
	    &tunnel, &il, &nh);
	if (out->reason != SPISYNC_R_DECRYPTED)
		return;
	/* 16 */
	out->keep = true;
	out->hdr_len = esp_decap_header(job->hdr, job->vlan, job->ipv6,
	    job->l2_len, job->l3_hdr_len, il, nh, tunnel, out->hdr);
	out->pay_len = il;
	if (soft_reached(job, st->packets + 1, st->bytes + ct_len) &&
	    !soft_reached(job, st->packets, st->bytes))
		event(job, env, SPISYNC_EV_SA_SOFT_EXPIRY, 0, out);
	st->packets++;
	st->bytes += ct_len;
}

void
commit_ref_frame(struct commit_ref_state *st,
    const struct commit_ref_job *job, bool auth_ok, bool token, bool bypass,
    const uint8_t *pt, const struct commit_ref_env *env,
    struct commit_ref_out *out)
{
	bool has_sa = job->index != COMMIT_REF_NO_INDEX && st != NULL;
	uint16_t user_index;

	memset(out, 0, sizeof(*out));
	out->reason = job->reason;
	if (token) {
		/* dropped before crypto; a replay caught by the pre-check still
		 * counts against its SA */
		if (job->reason == SPISYNC_R_REPLAY && has_sa) {
			touch(st, job, env, out);
			replay_drop(st, job, env, out);
		}
	} else if (bypass) {
		out->keep = true;
		out->pay_len = job->pay_len;
	} else {
		crypto(st, job, auth_ok, pt, env, out);
	}
	user_index = out->reason == SPISYNC_R_DECRYPTED ? job->index :
	    COMMIT_REF_NO_INDEX;
	out->user = (uint64_t)job->rx_seq << SPISYNC_TUSER_RX_SEQ_LSB |
	    (uint64_t)user_index << SPISYNC_TUSER_SA_INDEX_LSB |
	    (uint64_t)out->reason << SPISYNC_TUSER_OUTCOME_LSB;
}
