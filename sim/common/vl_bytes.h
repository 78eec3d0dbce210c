// spisync -- copy byte strings (byte 0 first) in and out of Verilator
// signals of any width: byte i is bits [8i+7:8i]. Verilator stores wide
// signals as arrays of 32-bit words and narrow ones as integers, and assumes
// the unused high bits of a narrow signal are zero, so writes mask them.
#ifndef SPISYNC_VL_BYTES_H
#define SPISYNC_VL_BYTES_H

#include <cstddef>
#include <cstdint>

#include "verilated.h"

template <typename T>
static inline void vl_put_bytes(T &sig, const uint8_t *src, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n && i < sizeof(T); i++)
		v |= (uint64_t)src[i] << (8 * i);
	sig = (T)v;
}

template <std::size_t W>
static inline void vl_put_bytes(VlWide<W> &sig, const uint8_t *src, unsigned n)
{
	for (std::size_t w = 0; w < W; w++)
		sig[w] = 0;
	for (unsigned i = 0; i < n && i < 4 * W; i++)
		sig[i / 4] |= (uint32_t)src[i] << (8 * (i % 4));
}

template <typename T>
static inline void vl_get_bytes(const T &sig, uint8_t *dst, unsigned n)
{
	const uint64_t v = (uint64_t)sig;
	for (unsigned i = 0; i < n; i++)
		dst[i] = i < sizeof(T) ? (uint8_t)(v >> (8 * i)) : 0;
}

template <std::size_t W>
static inline void vl_get_bytes(const VlWide<W> &sig, uint8_t *dst, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		dst[i] = i < 4 * W ? (uint8_t)(sig[i / 4] >> (8 * (i % 4))) : 0;
}

#endif
