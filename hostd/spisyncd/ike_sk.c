/*
 * spisyncd -- the IKEv2 Encrypted payload (SK, RFC 7296 3.14) with
 * AES-GCM and a 16-byte ICV (ENCR_AES_GCM_16, RFC 5282), through
 * EVP_CIPHER.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_crypto.h"

#define GCM_NONCE  (IKE_GCM_SALT + IKE_SK_IV)

static const char *
gcm_name(size_t key_len)
{
	switch (key_len) {
	case 16:
		return "AES-128-GCM";
	case 32:
		return "AES-256-GCM";
	default:
		return NULL;
	}
}

size_t
ike_sk_body_len(size_t plain_len)
{
	const size_t overhead = IKE_SK_IV + 1 + IKE_SK_ICV;

	if (plain_len > SIZE_MAX - overhead || plain_len > INT_MAX - 1)
		return 0;
	return plain_len + overhead;
}

/* a context set up with the key and nonce = salt | iv (RFC 5282 4) */
static int
gcm_init(const uint8_t *sk_e, size_t sk_e_len, const uint8_t iv[IKE_SK_IV],
    int enc, EVP_CIPHER_CTX **out)
{
	const size_t key_len = sk_e_len - IKE_GCM_SALT;
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t nonce[GCM_NONCE];
	int rc = -EIO;

	/* the salt is the last 4 bytes of SK_e (RFC 5282 7.1) */
	memcpy(nonce, sk_e + key_len, IKE_GCM_SALT);
	memcpy(nonce + IKE_GCM_SALT, iv, IKE_SK_IV);

	if ((cipher = EVP_CIPHER_fetch(NULL, gcm_name(key_len), NULL)) == NULL)
		goto out;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* a 12-byte nonce is GCM's default IV length */
	if (!EVP_CipherInit_ex2(ctx, cipher, sk_e, nonce, enc, NULL) ||
	    EVP_CIPHER_CTX_get_iv_length(ctx) != GCM_NONCE)
		goto out;
	*out = ctx;
	ctx = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return rc;
}

int
ike_sk_seal(const uint8_t *sk_e, size_t sk_e_len, uint64_t iv_counter,
    const uint8_t *aad, size_t aad_len, const uint8_t *plain,
    size_t plain_len, uint8_t *body_out, size_t body_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t iv[IKE_SK_IV];
	uint8_t pad_len = 0;
	uint8_t *ct;
	int n, rc;

	if (sk_e == NULL || sk_e_len < IKE_GCM_SALT ||
	    gcm_name(sk_e_len - IKE_GCM_SALT) == NULL)
		return -EINVAL;
	if ((aad == NULL && aad_len != 0) || aad_len > INT_MAX ||
	    (plain == NULL && plain_len != 0) || body_out == NULL ||
	    ike_sk_body_len(plain_len) == 0 ||
	    body_len != ike_sk_body_len(plain_len))
		return -EINVAL;

	/* the IV is the per-SA counter, big-endian: never reused with a key
	 * as long as the caller never reuses a counter value */
	ct = body_out + IKE_SK_IV;
	for (int i = 0; i < IKE_SK_IV; i++)
		iv[i] = (uint8_t)(iv_counter >> (8 * (IKE_SK_IV - 1 - i)));

	if ((rc = gcm_init(sk_e, sk_e_len, iv, 1, &ctx)) != 0)
		return rc;
	rc = -EIO;
	/* AES-GCM needs no padding: none, then the pad length byte 0 */
	if ((aad_len != 0 && !EVP_EncryptUpdate(ctx, NULL, &n, aad,
	    (int)aad_len)) ||
	    (plain_len != 0 && (!EVP_EncryptUpdate(ctx, ct, &n, plain,
	    (int)plain_len) || (size_t)n != plain_len)) ||
	    !EVP_EncryptUpdate(ctx, ct + plain_len, &n, &pad_len, 1) || n != 1 ||
	    !EVP_EncryptFinal_ex(ctx, ct + plain_len + 1, &n) || n != 0 ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, IKE_SK_ICV,
	    ct + plain_len + 1))
		goto out;
	memcpy(body_out, iv, IKE_SK_IV);
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(body_out, body_len);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
ike_sk_open(const uint8_t *sk_e, size_t sk_e_len, const uint8_t *aad,
    size_t aad_len, const uint8_t *body, size_t body_len,
    uint8_t *plain_out, size_t *plain_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t icv[IKE_SK_ICV];
	size_t ct_len;
	uint8_t pad_len;
	int n, rc;

	if (sk_e == NULL || sk_e_len < IKE_GCM_SALT ||
	    gcm_name(sk_e_len - IKE_GCM_SALT) == NULL ||
	    (aad == NULL && aad_len != 0) || aad_len > INT_MAX ||
	    body == NULL || plain_out == NULL || plain_len == NULL)
		return -EINVAL;
	/* at least the IV, the pad length byte and the ICV */
	if (body_len < IKE_SK_IV + 1 + IKE_SK_ICV ||
	    body_len - IKE_SK_IV - IKE_SK_ICV > INT_MAX)
		return -EBADMSG;
	ct_len = body_len - IKE_SK_IV - IKE_SK_ICV;
	if (*plain_len < ct_len)
		return -EINVAL;
	memcpy(icv, body + body_len - IKE_SK_ICV, IKE_SK_ICV);

	if ((rc = gcm_init(sk_e, sk_e_len, body, 0, &ctx)) != 0)
		return rc;
	rc = -EIO;
	if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, IKE_SK_ICV, icv))
		goto out;
	rc = -EBADMSG;
	if ((aad_len != 0 && !EVP_DecryptUpdate(ctx, NULL, &n, aad,
	    (int)aad_len)) ||
	    !EVP_DecryptUpdate(ctx, plain_out, &n, body + IKE_SK_IV,
	    (int)ct_len) || (size_t)n != ct_len)
		goto out;
	/* the ICV check (constant time inside OpenSSL): nothing decrypted
	 * is looked at before it passes */
	if (EVP_DecryptFinal_ex(ctx, plain_out + ct_len, &n) <= 0 || n != 0)
		goto out;
	/* the pad length may not reach past the start of the plaintext */
	pad_len = plain_out[ct_len - 1];
	if ((size_t)pad_len > ct_len - 1)
		goto out;
	*plain_len = ct_len - 1 - pad_len;
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(plain_out, ct_len);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
