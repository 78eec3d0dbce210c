/*
 * spisyncd -- its log: syslog(3) with ident "spisyncd" and the configured
 * facility, or, with --stderr, one line per message on stderr prefixed by
 * the UTC time (tests and foreground runs read them). Lines from the other
 * parts (the recovery engine's RECVD_PKT_INV_SPI lines among them) pass
 * through unchanged.
 */
#ifndef SPISYNCD_LOG_H
#define SPISYNCD_LOG_H

#include <stdbool.h>

/* Start logging: to stderr, or to syslog with this facility (LOG_DAEMON,
 * LOG_LOCAL0..7). May be called again (SIGHUP: a new facility). */
void sd_log_open(bool to_stderr, int facility);
void sd_log_close(void);

/* While starting, syslog lines are also written to stderr: the person
 * starting the daemon sees why it failed. */
void sd_log_echo_stderr(bool on);

/* One line at a syslog priority (LOG_ERR, LOG_WARNING, LOG_INFO, ...). */
void sd_log_line(int priority, const char *line);
void sd_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same shape as the parts' log callbacks (ctx unused). */
void sd_log_cb(void *ctx, int priority, const char *line);

#endif
