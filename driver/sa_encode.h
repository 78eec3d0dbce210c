/*
 * libspisync -- struct spisync_sa to the card's 32-word SA table entry
 * (docs/register-map.md, "SA entry"; positions from spisync_hw.h, generated
 * from hw/spec/spisync.toml). The one encoder of the project: the driver
 * uses it for the mailbox, and the simulator's sa_entry_encode()
 * (sim/card/sa_entry.c) converts its model SA and calls spisync_sa_pack().
 *
 * Internal to the library (not exported from libspisync.so).
 */
#ifndef SPISYNC_SA_ENCODE_H
#define SPISYNC_SA_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "spisync.h"

/*
 * Check every field of sa against what the card and the controller accept:
 * SPI >= 256, key length 16 or 32, ICV 8, 12 or 16, a known mode, a
 * destination port when UDP-encapsulated, a nonzero destination address,
 * each soft lifetime below its hard one when both are set. 0, or -EINVAL
 * with the reason in err (a sentence; err may be NULL).
 */
int spisync_sa_check(const struct spisync_sa *sa, char *err, size_t errlen);

/*
 * Pack sa into words without checking it: VALID set, GEN 0 (the controller
 * picks it), the DST bytes the address family uses (4 or 16) and the KEY
 * bytes the key size uses (16 or 32; a key_len other than 32 counts as
 * AES-128), everything else zero. Mode and ICV length are masked to their
 * field widths. The words hold the key: cleanse them when done.
 */
void spisync_sa_pack(const struct spisync_sa *sa,
    uint32_t words[SPISYNC_SA_WORDS]);

/* spisync_sa_check, then spisync_sa_pack. On failure the words are zeroed. */
int spisync_sa_encode(const struct spisync_sa *sa,
    uint32_t words[SPISYNC_SA_WORDS], char *err, size_t errlen);

#endif
