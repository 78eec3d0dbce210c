/*
 * libspisync -- the error sentence of a call that was given a buffer for
 * it (backend.h: spisync_errf).
 */
#include <stdarg.h>
#include <stdio.h>

#include "backend.h"

void
spisync_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	/* callers may pass no buffer: the sentence is then dropped */
	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
