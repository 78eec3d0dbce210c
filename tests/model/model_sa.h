/* An SA as the golden model, the traffic generator and the tests see it. */
#ifndef SPISYNC_MODEL_SA_H
#define SPISYNC_MODEL_SA_H

#include <stdbool.h>
#include <stdint.h>

enum sa_mode { SA_MODE_AUTO = 0, SA_MODE_TUNNEL = 1, SA_MODE_TRANSPORT = 2 };

struct model_sa {
	uint32_t spi;
	bool ipv6;
	uint8_t dst[16];     /* wire order; IPv4 in bytes 0..3 */
	uint8_t key[32];
	unsigned key_len;    /* 16 or 32 */
	uint8_t salt[4];
	unsigned icv_len;    /* 8, 12 or 16 */
	bool esn;
	enum sa_mode mode;
	bool udp_encap;
	uint16_t sport, dport;
	uint64_t hard_bytes, hard_packets; /* 0: none */
	uint64_t soft_bytes, soft_packets; /* 0: none; crossing raises SA_SOFT_EXPIRY */
	uint8_t gen;
};

#endif
