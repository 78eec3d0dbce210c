/*
 * spisync -- an SA as the card holds it: the 32-word SA table entry
 * (docs/register-map.md, "SA entry"), and the conversion from a Wireshark
 * esp_sa line (sim/esp_sa.h) to the model's SA (tests/model/model_sa.h).
 */
#ifndef SPISYNC_SA_ENTRY_H
#define SPISYNC_SA_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "esp_sa.h"
#include "model_sa.h"
#include "spisync_hw.h"

/* The UDP destination port of RFC 3948 UDP-encapsulated ESP. */
#define SA_ENTRY_NATT_PORT 4500u

/*
 * Encode sa as a table entry: VALID set, every field of the SA field table
 * (through libspisync's encoder, driver/sa_encode.h, without its argument
 * checks: the placement code's own refusals are tested through this). GEN
 * is left 0 (sa_table_add fills it in). The words hold the key: cleanse
 * them when done.
 */
void sa_entry_encode(const struct model_sa *sa,
    uint32_t words[SPISYNC_SA_WORDS]);

/*
 * Convert one esp_sa line. The card checks the destination and finds the SA
 * by SPI, so the line must name one destination address (no wildcard, no
 * prefix shorter than the address) and one SPI (no wildcard, not 0..255,
 * which the card drops as SPI_RESERVED before any lookup). The card starts
 * every SA at sequence number 0, so an ESN line must have ESN High Bits 0.
 * Mode is auto (esp_sa has no mode); the SA matches plain ESP (esp_sa has
 * no UDP encapsulation: see sa_entry_set_natt).
 * 0 on success. -1 on refusal: *out is zeroed and err gets the reason
 * (without file or line: the caller knows e->line and the file name).
 */
int sa_entry_from_esp_sa(const struct esp_sa_entry *e, struct model_sa *out,
    char *err, size_t errlen);

/* Make sa match UDP-encapsulated ESP (RFC 3948) to SA_ENTRY_NATT_PORT. */
void sa_entry_set_natt(struct model_sa *sa);

#endif
