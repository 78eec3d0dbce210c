/*
 * spisync tests -- AES-GCM reference through OpenSSL 3 EVP.
 *
 * Kept deliberately plain: this is the oracle the hardware is judged
 * against, so it must be obviously correct rather than fast.
 */

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "gcm_ref.h"

/* Only the key sizes the RFC 4106 AES-128/AES-256 core supports. */
static const EVP_CIPHER *
gcm_cipher(size_t key_len)
{
	if (key_len == 16)
		return EVP_aes_128_gcm();
	if (key_len == 32)
		return EVP_aes_256_gcm();
	return NULL;
}

/* The ICV lengths RFC 4106 allows for ESP. */
static int
gcm_icv_len_ok(size_t icv_len)
{
	return icv_len == 8 || icv_len == 12 || icv_len == 16;
}

/*
 * EVP counts bytes in an int, so refuse a length that would not fit rather
 * than let the cast truncate it. A NULL buffer is fine only when empty.
 */
static int
gcm_buf_ok(const void *buf, size_t len)
{
	if (len > INT_MAX)
		return 0;
	return len == 0 || buf != NULL;
}

/* Select the cipher, then the IV length, then key and nonce. */
static int
gcm_setup(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, const uint8_t *key,
    const uint8_t nonce[GCM_NONCE_LEN], int enc)
{
	if (EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc) != 1)
		return -1;
	/*
	 * The IV length has to be fixed before the IV is installed. 12 is
	 * OpenSSL's default; setting it anyway ties it to the RFC 4106
	 * salt || IV instead of to a library default.
	 */
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE_LEN,
	    NULL) != 1)
		return -1;
	if (EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
		return -1;
	return 0;
}

static int
gcm_aad(EVP_CIPHER_CTX *ctx, const uint8_t *aad, size_t aad_len)
{
	int out_len = 0;

	/* Empty AAD is simply never fed, as an ESP packet without AAD is. */
	if (aad_len == 0)
		return 0;
	/* A NULL output buffer is how EVP is told these bytes are AAD. */
	if (EVP_CipherUpdate(ctx, NULL, &out_len, aad, (int)aad_len) != 1)
		return -1;
	return 0;
}

static int
gcm_crypt(EVP_CIPHER_CTX *ctx, const uint8_t *in, size_t len, uint8_t *out)
{
	int out_len = 0;

	if (len == 0)
		return 0;
	if (EVP_CipherUpdate(ctx, out, &out_len, in, (int)len) != 1)
		return -1;
	/*
	 * GCM is a stream mode: update returns every byte it was given.
	 * Anything else would leave part of the caller's buffer unwritten.
	 */
	if (out_len < 0 || (size_t)out_len != len)
		return -1;
	return 0;
}

int
gcm_ref_encrypt(const uint8_t *key, size_t key_len,
    const uint8_t nonce[GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
    const uint8_t *pt, size_t pt_len, uint8_t *ct, uint8_t tag[GCM_TAG_LEN])
{
	const EVP_CIPHER *cipher = gcm_cipher(key_len);
	EVP_CIPHER_CTX *ctx;
	/*
	 * GCM's final step writes nothing, but it gets a buffer of its own
	 * so that it never depends on ct being non-NULL or having slack.
	 */
	uint8_t final_out[EVP_MAX_BLOCK_LENGTH];
	int final_len = 0;
	int rc = -1;

	if (cipher == NULL || key == NULL || nonce == NULL || tag == NULL)
		return -1;
	if (!gcm_buf_ok(aad, aad_len) || !gcm_buf_ok(pt, pt_len) ||
	    !gcm_buf_ok(ct, pt_len))
		return -1;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (gcm_setup(ctx, cipher, key, nonce, 1) != 0)
		goto done;
	if (gcm_aad(ctx, aad, aad_len) != 0)
		goto done;
	if (gcm_crypt(ctx, pt, pt_len, ct) != 0)
		goto done;
	if (EVP_EncryptFinal_ex(ctx, final_out, &final_len) != 1 ||
	    final_len != 0)
		goto done;
	/* The tag only exists once Final has run. */
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN,
	    tag) != 1)
		goto done;
	rc = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
gcm_ref_decrypt(const uint8_t *key, size_t key_len,
    const uint8_t nonce[GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
    const uint8_t *ct, size_t ct_len, const uint8_t *tag, size_t icv_len,
    uint8_t *pt)
{
	const EVP_CIPHER *cipher = gcm_cipher(key_len);
	EVP_CIPHER_CTX *ctx;
	/*
	 * The ctrl interface takes a non-const pointer; a local copy avoids
	 * casting const away from the caller's tag.
	 */
	uint8_t expected_tag[GCM_TAG_LEN];
	uint8_t final_out[EVP_MAX_BLOCK_LENGTH];
	int final_len = 0;
	int rc = -1;

	if (cipher == NULL || !gcm_icv_len_ok(icv_len))
		return -1;
	if (key == NULL || nonce == NULL || tag == NULL)
		return -1;
	if (!gcm_buf_ok(aad, aad_len) || !gcm_buf_ok(ct, ct_len) ||
	    !gcm_buf_ok(pt, ct_len))
		return -1;
	memcpy(expected_tag, tag, icv_len);

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (gcm_setup(ctx, cipher, key, nonce, 0) != 0)
		goto done;
	if (gcm_aad(ctx, aad, aad_len) != 0)
		goto done;
	if (gcm_crypt(ctx, ct, ct_len, pt) != 0)
		goto done;
	/*
	 * The expected tag must be in place before Final, which is where
	 * OpenSSL compares it; giving only icv_len bytes makes it check a
	 * truncated ESP ICV exactly as the receiver would.
	 */
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)icv_len,
	    expected_tag) != 1)
		goto done;
	if (EVP_DecryptFinal_ex(ctx, final_out, &final_len) != 1) {
		/*
		 * For GCM, Final fails only on a tag mismatch. Clear the
		 * queue so a later real error is not blamed on this
		 * expected failure.
		 */
		ERR_clear_error();
		rc = 0;
		goto done;
	}
	if (final_len != 0)
		goto done;
	rc = 1;
 done:
	/*
	 * Plaintext that did not authenticate must not be usable even by
	 * mistake, so the caller gets zeros instead.
	 */
	if (rc != 1 && ct_len > 0)
		OPENSSL_cleanse(pt, ct_len);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
