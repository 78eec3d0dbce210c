/*
 * spisyncctl -- conversions the formatters share (fmt_util.h).
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fmt_util.h"

const char *
fmt_reason_kind(unsigned reason)
{
	if (reason >= SPISYNC_NUM_REASONS)
		return "unknown";
	switch (spisync_reason_kind[reason]) {
	case SPISYNC_REASON_COUNT_ONLY:
		return "count";
	case SPISYNC_REASON_DELIVER:
		return "deliver";
	case SPISYNC_REASON_DROP:
		return "drop";
	default:
		return "unknown";
	}
}

const char *
fmt_event_type(unsigned type)
{
	return type <= SPISYNC_EV_TYPE_MAX ? spisync_event_type_name_tab[type] :
	    NULL;
}

int
ctl_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
fmt_sa_mode(enum spisync_sa_mode mode)
{
	switch (mode) {
	case SPISYNC_SA_MODE_AUTO:
		return "auto";
	case SPISYNC_SA_MODE_TUNNEL:
		return "tunnel";
	case SPISYNC_SA_MODE_TRANSPORT:
		return "transport";
	default:
		return "unknown";
	}
}

void
fmt_addr(char out[FMT_ADDR_LEN], bool ipv6, const uint8_t addr[16])
{
	if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, addr, out, FMT_ADDR_LEN) ==
	    NULL)
		snprintf(out, FMT_ADDR_LEN, "?");
}

void
fmt_card_time(char out[FMT_TIME_LEN], uint64_t ns)
{
	snprintf(out, FMT_TIME_LEN, "%llu.%09llu",
	    (unsigned long long)(ns / 1000000000u),
	    (unsigned long long)(ns % 1000000000u));
}

static void
fmt_tm(char out[FMT_TIME_LEN], int64_t s, bool utc, const char *format)
{
	const time_t t = (time_t)s;
	struct tm tm;

	if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL ||
	    strftime(out, FMT_TIME_LEN, format, &tm) == 0)
		snprintf(out, FMT_TIME_LEN, "@%lld", (long long)s);
}

void
fmt_wall_local(char out[FMT_TIME_LEN], int64_t s)
{
	fmt_tm(out, s, false, "%Y-%m-%d %H:%M:%S %Z");
}

void
fmt_wall_utc(char out[FMT_TIME_LEN], int64_t s)
{
	fmt_tm(out, s, true, "%Y-%m-%dT%H:%M:%SZ");
}

void
fmt_duration(char out[FMT_TIME_LEN], uint64_t s)
{
	const unsigned long long days = s / 86400u;
	const unsigned rest = (unsigned)(s % 86400u);

	if (days > 0)
		snprintf(out, FMT_TIME_LEN, "%llud %02u:%02u:%02u", days,
		    rest / 3600u, rest / 60u % 60u, rest % 60u);
	else
		snprintf(out, FMT_TIME_LEN, "%02u:%02u:%02u", rest / 3600u,
		    rest / 60u % 60u, rest % 60u);
}

void
fmt_lower(char *out, size_t outlen, const char *name)
{
	size_t i;

	if (outlen == 0)
		return;
	for (i = 0; name[i] != '\0' && i + 1 < outlen; i++) {
		const char c = name[i];

		out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[i] = '\0';
}
