// spisync -- the RTL blocks keep 128-bit blocks big-endian (byte 0 in the top
// bits) and pack block n of a vector at bits [128n+127:128n]. These convert
// between that and byte strings, through vl_bytes.h.
#ifndef SPISYNC_BE_BLOCKS_H
#define SPISYNC_BE_BLOCKS_H

#include <cstdint>

#include "vl_bytes.h"

// bytes: nblocks blocks of 16 bytes, each byte 0 first
template <typename T>
static inline void be_put_blocks(T &sig, const uint8_t *bytes, unsigned nblocks)
{
	uint8_t le[64];

	for (unsigned n = 0; n < nblocks; n++)
		for (unsigned i = 0; i < 16; i++)
			le[n * 16 + 15 - i] = bytes[n * 16 + i];
	vl_put_bytes(sig, le, nblocks * 16);
}

template <typename T>
static inline void be_get_blocks(const T &sig, uint8_t *bytes, unsigned nblocks)
{
	uint8_t le[64];

	vl_get_bytes(sig, le, nblocks * 16);
	for (unsigned n = 0; n < nblocks; n++)
		for (unsigned i = 0; i < 16; i++)
			bytes[n * 16 + i] = le[n * 16 + 15 - i];
}

#endif
