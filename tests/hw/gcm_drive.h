/*
 * spisync tests -- drive packets into the GCM core model beat by beat, the
 * way the datapath will: parameters on the first beat, ICV on the last, AAD
 * longer than the 16-byte sideband in AAD beats, one beat per clock.
 */
#ifndef SPISYNC_GCM_DRIVE_H
#define SPISYNC_GCM_DRIVE_H

#include <stddef.h>
#include <stdint.h>

#include "gcm_ref.h"
#include "gcm_sim.h"
#include "prng.h"

/* One packet as the core receives it. */
struct gcm_packet {
	uint32_t id;                    /* travels in tuser */
	uint8_t key[32];
	size_t key_len;                 /* 16 or 32 */
	uint8_t nonce[GCM_NONCE_LEN];   /* salt || IV */
	const uint8_t *aad;
	size_t aad_len;
	const uint8_t *ct;
	size_t ct_len;
	uint8_t icv[GCM_TAG_LEN];       /* bytes past icv_len must be ignored */
	size_t icv_len;
};

/* Called with the core's outputs after every clock. */
typedef void (*gcm_out_fn)(const struct gcm_sim_out *out, uint64_t cycle,
    void *arg);

struct gcm_driver {
	struct gcm_sim *sim;
	unsigned lanes;
	gcm_out_fn on_out;
	void *arg;
	struct prng *bubbles;           /* NULL: no idle cycles */
	unsigned bubble_percent;        /* chance of an idle cycle before a beat */
};

/* One clock; in == NULL is an idle cycle. */
void gcm_drive_cycle(struct gcm_driver *d, const struct gcm_sim_in *in);

/* All beats of p, back to back unless bubbles are configured. */
void gcm_drive_packet(struct gcm_driver *d, const struct gcm_packet *p);

#endif
