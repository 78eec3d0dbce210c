/*
 * check_vectors.c - verify AES-GCM (RFC 4106 ESP) known-answer files
 * against OpenSSL 3 EVP.
 *
 * Build:  gcc -std=c11 -Wall -Wextra -O2 -I../common check_vectors.c \
 *             ../common/gcm_ref.c ../common/vector_file.c -lcrypto \
 *             -o check_vectors
 * Usage:  ./check_vectors FILE...
 *
 * Each non-comment line of a vector file has 9 whitespace-separated fields:
 *
 *     name key nonce aad pt ct tag result icvlen
 *
 * key is 16 or 32 bytes, nonce is 12 bytes (salt || ESP IV), aad/pt/ct are
 * hex or "-" when empty, tag is the full 16-byte tag, result is "valid" or
 * "invalid" and icvlen is the number of tag bytes the ICV check uses (8,
 * 12 or 16; the files in this directory all use 16). The file format is
 * parsed by ../common/vector_file.c.
 *
 * For a "valid" line both directions are checked, because the hardware under
 * test only decrypts but the vectors must be trustworthy as a whole:
 *   - decrypt(ct, aad, tag) must succeed and yield exactly pt;
 *   - encrypt(pt, aad) must yield exactly ct and tag.
 * For an "invalid" line decryption must fail the tag check.
 *
 * Prints one summary line per file and exits non-zero if any line in any
 * file fails to parse or to verify, or if a file holds no cases.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "gcm_ref.h"
#include "vector_file.h"

/*
 * Output space for one case, allocated once for the whole run: too large
 * for the stack, and the callback has nowhere else to keep it.
 */
struct check_buffers {
	uint8_t pt[GCM_VECTOR_MAX_BYTES];
	uint8_t ct[GCM_VECTOR_MAX_BYTES];
};

static bool
check_vector(const struct gcm_vector *v, const char *path,
    unsigned long lineno, void *arg)
{
	struct check_buffers *const buf = arg;
	uint8_t tag[GCM_TAG_LEN];
	int dec;

	dec = gcm_ref_decrypt(v->key, v->key_len, v->nonce, v->aad, v->aad_len,
	    v->ct, v->ct_len, v->tag, v->icv_len, buf->pt);
	if (dec < 0) {
		fprintf(stderr, "%s:%lu: %s: OpenSSL error during decrypt\n",
		    path, lineno, v->name);
		ERR_print_errors_fp(stderr);
		return false;
	}
	if (!v->expect_valid) {
		if (dec == 1) {
			fprintf(stderr, "%s:%lu: %s: invalid case was accepted\n",
			    path, lineno, v->name);
			return false;
		}
		return true;
	}
	if (dec == 0) {
		fprintf(stderr, "%s:%lu: %s: tag check failed on valid case\n",
		    path, lineno, v->name);
		return false;
	}
	/* Decryption yields ct_len bytes; the parser only promises equality. */
	if (v->ct_len != v->pt_len || memcmp(buf->pt, v->pt, v->pt_len) != 0) {
		fprintf(stderr, "%s:%lu: %s: decrypted plaintext differs\n",
		    path, lineno, v->name);
		return false;
	}

	if (gcm_ref_encrypt(v->key, v->key_len, v->nonce, v->aad, v->aad_len,
	    v->pt, v->pt_len, buf->ct, tag) != 0) {
		fprintf(stderr, "%s:%lu: %s: OpenSSL error during encrypt\n",
		    path, lineno, v->name);
		ERR_print_errors_fp(stderr);
		return false;
	}
	if (memcmp(buf->ct, v->ct, v->ct_len) != 0) {
		fprintf(stderr, "%s:%lu: %s: encryption gives different "
		    "ciphertext\n", path, lineno, v->name);
		return false;
	}
	/*
	 * All 16 bytes, whatever icvlen says: the file always carries the
	 * full tag, and a valid case must reproduce all of it.
	 */
	if (memcmp(tag, v->tag, GCM_TAG_LEN) != 0) {
		fprintf(stderr, "%s:%lu: %s: encryption gives different tag\n",
		    path, lineno, v->name);
		return false;
	}
	return true;
}

/* Print the base name so the summary is the same wherever the file lives. */
static const char *
base_name(const char *path)
{
	const char *const slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* Check every case in one file. Returns true if all cases verified. */
static bool
check_file(const char *path, struct check_buffers *buf)
{
	struct vector_file_result res;

	/* vector_file_run has already said why on stderr. */
	if (vector_file_run(path, check_vector, buf, &res) != 0)
		return false;
	printf("%s: %lu cases, %lu ok\n", base_name(path), res.cases, res.ok);
	/*
	 * An empty file is treated as a failure: it almost certainly means
	 * the wrong file was passed, not that there is nothing to check.
	 */
	return res.cases > 0 && res.ok == res.cases;
}

int
main(int argc, char **argv)
{
	struct check_buffers *buf;
	bool all_ok = true;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	if ((buf = malloc(sizeof *buf)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return EXIT_FAILURE;
	}
	for (i = 1; i < argc; i++) {
		if (!check_file(argv[i], buf))
			all_ok = false;
	}
	free(buf);
	return all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
