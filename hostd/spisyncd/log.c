/*
 * spisyncd -- syslog or stderr (log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool log_stderr = true;  /* before sd_log_open: startup errors */
static bool log_syslog_open;
static bool log_echo;

void
sd_log_echo_stderr(bool on)
{
	log_echo = on;
}

void
sd_log_open(bool to_stderr, int facility)
{
	if (log_syslog_open) {
		closelog();
		log_syslog_open = false;
	}
	log_stderr = to_stderr;
	if (!to_stderr) {
		openlog("spisyncd", LOG_PID | LOG_NDELAY, facility);
		log_syslog_open = true;
	}
}

void
sd_log_close(void)
{
	if (log_syslog_open)
		closelog();
	log_syslog_open = false;
	log_stderr = true;
}

static const char *
priority_name(int priority)
{
	switch (priority & LOG_PRIMASK) {
	case LOG_EMERG:   return "emerg";
	case LOG_ALERT:   return "alert";
	case LOG_CRIT:    return "crit";
	case LOG_ERR:     return "err";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE:  return "notice";
	case LOG_INFO:    return "info";
	default:          return "debug";
	}
}

void
sd_log_line(int priority, const char *line)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (!log_stderr) {
		/* "%s": a line may hold '%' (the INV_SPI line starts with one) */
		syslog(priority, "%s", line);
		if (log_echo)
			fprintf(stderr, "%s\n", line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	/* one fprintf per line: lines from one process do not interleave */
	fprintf(stderr, "%s.%03ldZ spisyncd %s: %s\n", when,
	    ts.tv_nsec / 1000000L, priority_name(priority), line);
	fflush(stderr);
}

void
sd_log(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sd_log_line(priority, line);
}

void
sd_log_cb(void *ctx, int priority, const char *line)
{
	(void)ctx;
	sd_log_line(priority, line);
}
