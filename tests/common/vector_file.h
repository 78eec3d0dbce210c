/*
 * spisync tests -- reader for the GCM known-answer files in tests/vectors/:
 * one case per line, "name key nonce aad pt ct tag result icvlen", hex
 * fields, "-" for empty, '#' comments (see tests/vectors/README.md).
 */
#ifndef SPISYNC_VECTOR_FILE_H
#define SPISYNC_VECTOR_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcm_ref.h"

enum { GCM_VECTOR_MAX_BYTES = 8192 };

struct gcm_vector {
	const char *name;               /* valid during the callback only */
	uint8_t key[32];
	size_t key_len;                 /* 16 or 32 */
	uint8_t nonce[GCM_NONCE_LEN];   /* salt (4) || ESP IV (8) */
	uint8_t aad[GCM_VECTOR_MAX_BYTES];
	size_t aad_len;
	uint8_t pt[GCM_VECTOR_MAX_BYTES];
	size_t pt_len;
	uint8_t ct[GCM_VECTOR_MAX_BYTES];
	size_t ct_len;
	uint8_t tag[GCM_TAG_LEN];
	bool expect_valid;
	size_t icv_len;                 /* 8, 12 or 16 */
};

/*
 * Called once per case with the file name and line number, for messages.
 * Returns true if the case behaved as the file says.
 */
typedef bool (*gcm_vector_fn)(const struct gcm_vector *v, const char *path,
    unsigned long lineno, void *arg);

struct vector_file_result {
	unsigned long cases;    /* case lines seen */
	unsigned long ok;       /* cases for which fn returned true */
};

/*
 * Parse path and call fn for every case. Parse errors are reported on
 * stderr with file:line and count as failed cases. Returns 0 when the file
 * was read to the end, -1 if it could not be opened or read (reported).
 * An empty file reads fine with cases == 0; callers treat that as a failure.
 * res is zeroed first; after -1 it holds the counts up to the failure.
 * Running out of memory also returns -1 (reported). A line too long to
 * hold every field at GCM_VECTOR_MAX_BYTES is a parse error, not a split.
 */
int vector_file_run(const char *path, gcm_vector_fn fn, void *arg,
    struct vector_file_result *res);

#endif
