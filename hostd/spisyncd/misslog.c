/*
 * spisyncd -- the invalid-SPI syslog line (misslog.h).
 */
#include "misslog.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

int
misslog_format(const struct flow_key *k, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int r;

	if (len > 0)
		buf[0] = '\0';
	if (flow_addr_str(k->ipv6, k->src, src, sizeof(src)) != 0 ||
	    flow_addr_str(k->ipv6, k->dst, dst, sizeof(dst)) != 0)
		return -1;
	if (k->udp)
		r = snprintf(buf, len, "%%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: "
		    "rec'd IPSEC packet has invalid spi for destaddr=%s, "
		    "prot=50, spi=0x%08" PRIX32 "(%" PRIu32 "), srcaddr=%s, "
		    "srcport=%u, dstport=%u", dst, k->spi, k->spi, src,
		    (unsigned)k->sport, (unsigned)k->dport);
	else
		r = snprintf(buf, len, "%%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: "
		    "rec'd IPSEC packet has invalid spi for destaddr=%s, "
		    "prot=50, spi=0x%08" PRIX32 "(%" PRIu32 "), srcaddr=%s",
		    dst, k->spi, k->spi, src);
	if (r < 0 || (size_t)r >= len) {
		/* never hand on a cut line as if it were whole */
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	return r;
}

bool
misslog_due(const struct flow *f, uint64_t now_ms, uint64_t interval_ms)
{
	if (!f->logged)
		return true;
	return now_ms >= f->last_log_ms &&
	    now_ms - f->last_log_ms >= interval_ms;
}

void
misslog_note(struct flow *f, bool logged, uint64_t now_ms)
{
	if (logged) {
		f->logged = true;
		f->last_log_ms = now_ms;
		f->logs++;
	} else {
		f->logs_suppressed++;
	}
}
