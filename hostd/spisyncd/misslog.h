/*
 * spisyncd -- the invalid-SPI syslog line and its per-flow rate limit.
 *
 * The line is the reference router's, byte for byte, so that existing log
 * scrapers keep working:
 *
 *   %CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi
 *   for destaddr=198.18.0.2, prot=50, spi=0xB761863E(3076621886),
 *   srcaddr=198.18.0.1
 *
 * (one line). ESP-in-UDP appends ", srcport=4500, dstport=4500"; prot stays
 * 50: it is the ESP inside that missed. The hardware counts every drop;
 * only these reports are rate-limited.
 */
#ifndef SPISYNCD_MISSLOG_H
#define SPISYNCD_MISSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flows.h"

/* The line for flow k into buf (NUL-terminated, no newline). Its length,
 * or -1 if it does not fit (buf then holds "") or an address is bad. */
int misslog_format(const struct flow_key *k, char *buf, size_t len);

/* Whether flow f may log at now_ms: never logged yet, or its last line is
 * interval_ms or more ago. */
bool misslog_due(const struct flow *f, uint64_t now_ms, uint64_t interval_ms);
/* Record the outcome for f: a line logged at now_ms, or one suppressed. */
void misslog_note(struct flow *f, bool logged, uint64_t now_ms);

#endif
