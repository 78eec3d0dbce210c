/*
 * spisync tests -- reader for the GCM known-answer files in tests/vectors/.
 */

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vector_file.h"
#include "hex.h"

/*
 * Longest line accepted, newline not counted. Room for aad, pt and ct at
 * full GCM_VECTOR_MAX_BYTES in hex plus the short fields, so the line limit
 * never rejects a case the struct could hold. A longer line is reported,
 * never split into pieces that might parse.
 */
enum { VECTOR_LINE_MAX = 3 * 2 * GCM_VECTOR_MAX_BYTES + 1024 };

enum { VECTOR_FIELDS = 9 };

enum line_status {
	LINE_OK,
	LINE_TOO_LONG,
	LINE_HAS_NUL,
	LINE_EOF,
	LINE_READ_ERROR
};

enum hex_status {
	HEX_OK,
	HEX_MALFORMED,
	HEX_TOO_LONG
};

/*
 * Read one line into buf (size bytes) without its newline. A line that does
 * not fit is consumed to its end, so the next read starts on the next line.
 * A NUL byte is flagged because it would silently cut the line short.
 */
static enum line_status
read_line(FILE *fp, char *buf, size_t size)
{
	size_t len = 0;
	bool too_long = false;
	bool has_nul = false;
	int c;

	while ((c = getc(fp)) != EOF && c != '\n') {
		if (c == '\0')
			has_nul = true;
		if (len + 1 < size)
			buf[len++] = (char)c;
		else
			too_long = true;
	}
	buf[len] = '\0';
	if (ferror(fp))
		return LINE_READ_ERROR;
	if (too_long)
		return LINE_TOO_LONG;
	if (has_nul)
		return LINE_HAS_NUL;
	/* A last line without a final newline is still a line. */
	if (c == EOF && len == 0)
		return LINE_EOF;
	return LINE_OK;
}

/* Blank, or a '#' comment after optional leading whitespace. */
static bool
is_skippable(const char *line)
{
	while (*line != '\0' && isspace((unsigned char)*line))
		line++;
	return *line == '\0' || *line == '#';
}

/*
 * Split line in place on whitespace. Returns the number of fields found,
 * including any beyond VECTOR_FIELDS, so extra fields are not ignored.
 */
static size_t
split_fields(char *line, char *fields[VECTOR_FIELDS])
{
	size_t count = 0;
	char *p = line;

	for (;;) {
		while (*p != '\0' && isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (count < VECTOR_FIELDS)
			fields[count] = p;
		count++;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return count;
}

/* Decode hex, or "-" for empty, into out (cap bytes). */
static enum hex_status
decode_hex(const char *hex, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t hex_len;
	size_t i;

	if (strcmp(hex, "-") == 0) {
		*out_len = 0;
		return HEX_OK;
	}
	hex_len = strlen(hex);
	if (hex_len == 0 || hex_len % 2 != 0)
		return HEX_MALFORMED;
	if (hex_len / 2 > cap)
		return HEX_TOO_LONG;
	for (i = 0; i < hex_len / 2; i++) {
		const int hi = hex_digit_value((unsigned char)hex[2 * i]);
		const int lo = hex_digit_value((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return HEX_MALFORMED;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = hex_len / 2;
	return HEX_OK;
}

/*
 * Parse one case line into v. On error sets *why and returns -1; v is then
 * partly written and must not be used.
 */
static int
parse_vector(char *line, struct gcm_vector *v, const char **why)
{
	char *f[VECTOR_FIELDS];
	size_t nonce_len;
	size_t tag_len;
	enum hex_status st;

	if (split_fields(line, f) != VECTOR_FIELDS) {
		*why = "expected 9 fields";
		return -1;
	}
	v->name = f[0];

	if (decode_hex(f[1], v->key, sizeof v->key, &v->key_len) != HEX_OK ||
	    (v->key_len != 16 && v->key_len != 32)) {
		*why = "bad key (need 16 or 32 bytes of hex)";
		return -1;
	}
	if (decode_hex(f[2], v->nonce, sizeof v->nonce, &nonce_len) != HEX_OK ||
	    nonce_len != GCM_NONCE_LEN) {
		*why = "bad nonce (need 12 bytes of hex)";
		return -1;
	}

	st = decode_hex(f[3], v->aad, sizeof v->aad, &v->aad_len);
	if (st != HEX_OK) {
		*why = st == HEX_TOO_LONG ? "aad too long" : "bad aad hex";
		return -1;
	}
	st = decode_hex(f[4], v->pt, sizeof v->pt, &v->pt_len);
	if (st != HEX_OK) {
		*why = st == HEX_TOO_LONG ? "pt too long" : "bad pt hex";
		return -1;
	}
	st = decode_hex(f[5], v->ct, sizeof v->ct, &v->ct_len);
	if (st != HEX_OK) {
		*why = st == HEX_TOO_LONG ? "ct too long" : "bad ct hex";
		return -1;
	}

	/* The file always carries the full tag, even for a shorter ICV. */
	if (decode_hex(f[6], v->tag, sizeof v->tag, &tag_len) != HEX_OK ||
	    tag_len != GCM_TAG_LEN) {
		*why = "bad tag (need 16 bytes of hex)";
		return -1;
	}

	if (strcmp(f[7], "valid") == 0)
		v->expect_valid = true;
	else if (strcmp(f[7], "invalid") == 0)
		v->expect_valid = false;
	else {
		*why = "result must be 'valid' or 'invalid'";
		return -1;
	}

	/* Exact strings: strtoul would also take "+16" or "016". */
	if (strcmp(f[8], "8") == 0)
		v->icv_len = 8;
	else if (strcmp(f[8], "12") == 0)
		v->icv_len = 12;
	else if (strcmp(f[8], "16") == 0)
		v->icv_len = 16;
	else {
		*why = "icvlen must be 8, 12 or 16";
		return -1;
	}

	/* GCM ciphertext is always as long as the plaintext it came from. */
	if (v->expect_valid && v->ct_len != v->pt_len) {
		*why = "valid case with pt and ct of different length";
		return -1;
	}
	return 0;
}

static void
report_parse_error(const char *path, unsigned long lineno, const char *why)
{
	fprintf(stderr, "%s:%lu: parse error: %s\n", path, lineno, why);
}

int
vector_file_run(const char *path, gcm_vector_fn fn, void *arg,
    struct vector_file_result *res)
{
	FILE *fp;
	char *line = NULL;
	struct gcm_vector *v = NULL;
	unsigned long lineno = 0;
	enum line_status st;
	const char *why;
	int rc = -1;

	res->cases = 0;
	res->ok = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	/* Both are too large for the stack; one of each serves the file. */
	if ((line = malloc(VECTOR_LINE_MAX + 1)) == NULL ||
	    (v = calloc(1, sizeof *v)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		goto done;
	}

	for (;;) {
		st = read_line(fp, line, VECTOR_LINE_MAX + 1);
		if (st == LINE_EOF)
			break;
		if (st == LINE_READ_ERROR) {
			perror(path);
			goto done;
		}
		lineno++;
		/*
		 * A damaged line cannot be told apart from a damaged case,
		 * so it counts as one rather than vanishing from the totals.
		 */
		if (st == LINE_TOO_LONG) {
			res->cases++;
			report_parse_error(path, lineno, "line too long");
			continue;
		}
		if (st == LINE_HAS_NUL) {
			res->cases++;
			report_parse_error(path, lineno, "NUL byte in line");
			continue;
		}
		if (is_skippable(line))
			continue;
		res->cases++;
		why = NULL;
		if (parse_vector(line, v, &why) != 0) {
			report_parse_error(path, lineno, why);
			continue;
		}
		if (fn(v, path, lineno, arg))
			res->ok++;
		/* name points into line, which the next read overwrites. */
		v->name = NULL;
	}
	rc = 0;
 done:
	free(v);
	free(line);
	fclose(fp);
	return rc;
}
