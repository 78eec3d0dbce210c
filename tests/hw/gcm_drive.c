/*
 * spisync tests -- packet driver for the GCM core model.
 */
#include "gcm_drive.h"

#include <stdbool.h>
#include <string.h>

void gcm_drive_cycle(struct gcm_driver *d, const struct gcm_sim_in *in)
{
	struct gcm_sim_out out;

	gcm_sim_cycle(d->sim, in, &out);
	d->on_out(&out, gcm_sim_cycles(d->sim), d->arg);
}

static void set_beat_bytes(struct gcm_sim_in *in, const uint8_t *src,
    size_t n)
{
	memset(in->data, 0, sizeof(in->data));
	memcpy(in->data, src, n);
	in->keep = n == 64 ? UINT64_MAX : (((uint64_t)1 << n) - 1);
}

void gcm_drive_packet(struct gcm_driver *d, const struct gcm_packet *p)
{
	struct gcm_sim_in in;
	const size_t beat = (size_t)d->lanes * 16;
	const size_t side = p->aad_len <= 16 ? p->aad_len : 16;
	size_t aad_off = side, ct_off = 0;
	bool first = true, done = false;

	memset(&in, 0, sizeof(in));
	memcpy(in.key, p->key, p->key_len);
	in.key_256 = p->key_len == 32;
	memcpy(in.salt, p->nonce, 4);
	memcpy(in.iv, p->nonce + 4, 8);
	memcpy(in.aad, p->aad, side);
	in.aad_len = (unsigned)side;
	in.icv_len = (unsigned)p->icv_len;
	memcpy(in.icv, p->icv, sizeof(in.icv));
	in.user = p->id;

	while (!done) {
		size_t n;

		while (d->bubbles != NULL &&
		    prng_below(d->bubbles, 100) < d->bubble_percent)
			gcm_drive_cycle(d, NULL);
		if (aad_off < p->aad_len) {
			n = p->aad_len - aad_off;
			if (n > beat)
				n = beat;
			set_beat_bytes(&in, p->aad + aad_off, n);
			in.aad_beat = true;
			in.last = false;
			aad_off += n;
		} else {
			n = p->ct_len - ct_off;
			if (n > beat)
				n = beat;
			set_beat_bytes(&in, p->ct + ct_off, n);
			in.aad_beat = false;
			ct_off += n;
			in.last = ct_off == p->ct_len;
			done = in.last;
		}
		in.valid = true;
		/* the parameters only count on the first beat: scramble them
		 * after it, so a core that samples them late is caught */
		if (!first) {
			memset(in.key, 0xa5, sizeof(in.key));
			memset(in.salt, 0x5a, sizeof(in.salt));
			in.key_256 = !in.key_256;
			in.aad_len = 3;
			in.icv_len = 16;
		}
		first = false;
		gcm_drive_cycle(d, &in);
	}
}
