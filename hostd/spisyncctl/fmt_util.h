/*
 * spisyncctl -- small conversions the formatters share, and the error
 * message helper of the argument parsers (internal to spisyncctl).
 */
#ifndef SPISYNCCTL_FMT_UTIL_H
#define SPISYNCCTL_FMT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"

enum {
	FMT_ADDR_LEN = 48,     /* >= INET6_ADDRSTRLEN */
	FMT_TIME_LEN = 64,
};

/* "count", "deliver" or "drop" (the spec's kind of the reason) */
const char *fmt_reason_kind(unsigned reason);
/* the spec's event type name, or NULL for a type it does not define */
const char *fmt_event_type(unsigned type);
/* "auto", "tunnel", "transport" or "unknown" */
const char *fmt_sa_mode(enum spisync_sa_mode mode);
/* inet_ntop of addr (wire order; IPv4 in bytes 0..3) */
void fmt_addr(char out[FMT_ADDR_LEN], bool ipv6, const uint8_t addr[16]);
/* card time as seconds: "1234.567890123" */
void fmt_card_time(char out[FMT_TIME_LEN], uint64_t ns);
/* wall time, local: "2024-05-01 12:00:00 UTC" */
void fmt_wall_local(char out[FMT_TIME_LEN], int64_t s);
/* wall time, UTC, ISO 8601: "2024-05-01T12:00:00Z" */
void fmt_wall_utc(char out[FMT_TIME_LEN], int64_t s);
/* a duration in s: "3d 05:05:06" (days only when > 0) */
void fmt_duration(char out[FMT_TIME_LEN], uint64_t s);
/* The message into err (printf style); returns -1, for `return ctl_fail(...)`. */
int ctl_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* name in lower case, for Prometheus label values ("sa_not_found_v4") */
void fmt_lower(char *out, size_t outlen, const char *name);

#endif
