/*
 * spisync tests -- byte-order loads and stores for the host-side test code
 * and models.
 *
 * Frames on the wire are big-endian (network order: IP lengths, ESP SPI and
 * sequence number, the GCM AAD), while the card's event records and register
 * words are little-endian. The test files used to carry their own copies of
 * these helpers; one set here keeps them identical. Every access goes byte
 * by byte, so the result does not depend on the host's endianness or on the
 * alignment of p.
 *
 * A store takes the low bits of v: store_be16(p, 0x12345) writes 0x23 0x45.
 */
#ifndef SPISYNC_BYTES_H
#define SPISYNC_BYTES_H

#include <stdint.h>

/* p[0] is the most significant byte (network order). */
static inline uint16_t load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)load_be16(p) << 16 | load_be16(p + 2);
}

static inline void store_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	store_be16(p, v >> 16);
	store_be16(p + 2, v);
}

/* p[0] is the least significant byte (the card's records and registers). */
static inline void store_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
	store_le16(p, v);
	store_le16(p + 2, v >> 16);
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
	store_le32(p, (uint32_t)v);
	store_le32(p + 4, (uint32_t)(v >> 32));
}

/* n (<= 8) bytes, p[0] the least significant: a record field. */
static inline uint64_t load_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

#endif
