/*
 * spisyncd -- IKEv2 prf, prf+ and the key derivations of RFC 7296 2.13,
 * 2.14, 2.17 and 2.18, with HMAC-SHA2-256/384 (RFC 4868) through EVP_MAC.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike_crypto.h"

/* the longest seed we build: g^ir | Ni | Nr | SPIi | SPIr */
#define SEED_MAX  (IKE_DH_MAX + 2 * IKE_NONCE_MAX + 16)
/* the most keying material one derivation needs: SK_d, SK_e*, SK_p* */
#define KEYMAT_MAX  (3 * IKE_MAX_PRF + 2 * 36)

static const char *
prf_digest(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA2_256:
		return "SHA256";
	case IKE_PRF_HMAC_SHA2_384:
		return "SHA384";
	default:
		return NULL;
	}
}

size_t
ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA2_256:
		return 32;
	case IKE_PRF_HMAC_SHA2_384:
		return 48;
	default:
		return 0;
	}
}

int
ike_prf_chunks(uint16_t prf, const uint8_t *key, size_t klen,
    const struct ike_chunk *parts, size_t nparts, uint8_t *out)
{
	/* EVP_MAC_init treats a NULL key as "keep the previous key": give it
	 * a real pointer even for an empty key */
	static const uint8_t empty_key[1];
	const char *digest = prf_digest(prf);
	const size_t len = ike_prf_len(prf);
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outl = 0;
	int rc = -EIO;

	if (digest == NULL)
		return -ENOTSUP;
	if ((key == NULL && klen != 0) || out == NULL ||
	    (parts == NULL && nparts != 0))
		return -EINVAL;
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].ptr == NULL && parts[i].len != 0)
			return -EINVAL;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -EIO;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, klen != 0 ? key : empty_key, klen, params))
		goto out;
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].len != 0 &&
		    !EVP_MAC_update(ctx, parts[i].ptr, parts[i].len))
			goto out;
	if (!EVP_MAC_final(ctx, out, &outl, len) || outl != len) {
		OPENSSL_cleanse(out, len);
		goto out;
	}
	rc = 0;
out:
	/* EVP_MAC_CTX_free cleanses the HMAC key schedule it holds */
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

int
ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data,
    size_t dlen, uint8_t *out)
{
	const struct ike_chunk part = { data, dlen };

	return ike_prf_chunks(prf, key, klen, &part, 1, out);
}

int
ike_prf_plus(uint16_t prf, const uint8_t *key, size_t klen,
    const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen)
{
	const size_t len = ike_prf_len(prf);
	uint8_t t[IKE_MAX_PRF];
	uint8_t n;
	size_t done = 0;
	int rc = 0;

	if (len == 0)
		return -ENOTSUP;
	/* the counter is one octet: 255 blocks at most (RFC 7296 2.13) */
	if (outlen > 255 * len || (out == NULL && outlen != 0) ||
	    (seed == NULL && slen != 0))
		return -EINVAL;

	for (n = 1; done < outlen; n++) {
		/* T1 has no previous block: its first part is empty */
		const struct ike_chunk parts[3] = {
			{ t, n == 1 ? 0 : len },
			{ seed, slen },
			{ &n, 1 },
		};
		const size_t take = outlen - done < len ? outlen - done : len;

		if ((rc = ike_prf_chunks(prf, key, klen, parts, 3, t)) != 0)
			break;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	if (rc != 0 && out != NULL)
		OPENSSL_cleanse(out, outlen);
	return rc;
}

static size_t
gcm_key_len(unsigned keybits)
{
	switch (keybits) {
	case 128:
		return 16;
	case 256:
		return 32;
	default:
		return 0;
	}
}

static bool
nonces_ok(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	return ni != NULL && nr != NULL &&
	    ni_len >= IKE_NONCE_MIN && ni_len <= IKE_NONCE_MAX &&
	    nr_len >= IKE_NONCE_MIN && nr_len <= IKE_NONCE_MAX;
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), SK_a* empty (AES-GCM) */
static int
expand_sa_keys(uint16_t prf, size_t key_len, const uint8_t *skeyseed,
    size_t skeyseed_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
    size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8],
    struct ike_sa_keys *out)
{
	const size_t prf_len = ike_prf_len(prf);
	const size_t enc_len = key_len + IKE_GCM_SALT;
	const size_t total = 3 * prf_len + 2 * enc_len;
	uint8_t seed[2 * IKE_NONCE_MAX + 16];
	uint8_t keymat[KEYMAT_MAX];
	size_t slen = 0, off = 0;
	int rc;

	memcpy(seed + slen, ni, ni_len);
	slen += ni_len;
	memcpy(seed + slen, nr, nr_len);
	slen += nr_len;
	memcpy(seed + slen, spi_i, 8);
	slen += 8;
	memcpy(seed + slen, spi_r, 8);
	slen += 8;

	rc = ike_prf_plus(prf, skeyseed, skeyseed_len, seed, slen, keymat,
	    total);
	if (rc == 0) {
		memset(out, 0, sizeof(*out));
		out->prf = prf;
		out->prf_len = prf_len;
		out->enc_len = enc_len;
		memcpy(out->sk_d, keymat + off, prf_len);
		off += prf_len;
		memcpy(out->sk_ei, keymat + off, enc_len);
		off += enc_len;
		memcpy(out->sk_er, keymat + off, enc_len);
		off += enc_len;
		memcpy(out->sk_pi, keymat + off, prf_len);
		off += prf_len;
		memcpy(out->sk_pr, keymat + off, prf_len);
	}
	/* the nonces are public, but cleanse the seed anyway: cheap */
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(keymat, sizeof(keymat));
	return rc;
}

int
ike_derive_sa_keys(uint16_t prf, unsigned enc_keybits, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t *gir,
    size_t gir_len, const uint8_t spi_i[8], const uint8_t spi_r[8],
    struct ike_sa_keys *out)
{
	const size_t key_len = gcm_key_len(enc_keybits);
	uint8_t nonces[2 * IKE_NONCE_MAX];
	uint8_t skeyseed[IKE_MAX_PRF];
	int rc;

	if (ike_prf_len(prf) == 0 || key_len == 0)
		return -ENOTSUP;
	if (out == NULL || !nonces_ok(ni, ni_len, nr, nr_len) ||
	    gir == NULL || gir_len == 0 || gir_len > IKE_DH_MAX ||
	    spi_i == NULL || spi_r == NULL)
		return -EINVAL;

	/* SKEYSEED = prf(Ni | Nr, g^ir): the nonces are the HMAC key */
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	rc = ike_prf(prf, nonces, ni_len + nr_len, gir, gir_len, skeyseed);
	if (rc == 0)
		rc = expand_sa_keys(prf, key_len, skeyseed, ike_prf_len(prf),
		    ni, ni_len, nr, nr_len, spi_i, spi_r, out);
	OPENSSL_cleanse(nonces, sizeof(nonces));
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return rc;
}

int
ike_derive_rekey_keys(uint16_t old_prf, const uint8_t *old_sk_d,
    size_t old_sk_d_len, uint16_t prf, unsigned enc_keybits,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const uint8_t *gir, size_t gir_len, const uint8_t spi_i[8],
    const uint8_t spi_r[8], struct ike_sa_keys *out)
{
	const size_t key_len = gcm_key_len(enc_keybits);
	uint8_t skeyseed[IKE_MAX_PRF];
	int rc;

	if (ike_prf_len(old_prf) == 0 || ike_prf_len(prf) == 0 ||
	    key_len == 0)
		return -ENOTSUP;
	if (out == NULL || old_sk_d == NULL || old_sk_d_len == 0 ||
	    !nonces_ok(ni, ni_len, nr, nr_len) || gir == NULL ||
	    gir_len == 0 || gir_len > IKE_DH_MAX || spi_i == NULL ||
	    spi_r == NULL)
		return -EINVAL;

	/* SKEYSEED = prf_old(SK_d (old), g^ir (new) | Ni | Nr): the rekey
	 * exchange belongs to the old SA, so its prf makes SKEYSEED; the new
	 * SA's prf expands it (RFC 7296 2.18) */
	{
		const struct ike_chunk parts[3] = {
			{ gir, gir_len }, { ni, ni_len }, { nr, nr_len },
		};

		rc = ike_prf_chunks(old_prf, old_sk_d, old_sk_d_len, parts, 3,
		    skeyseed);
	}
	if (rc == 0)
		rc = expand_sa_keys(prf, key_len, skeyseed,
		    ike_prf_len(old_prf), ni, ni_len, nr, nr_len, spi_i, spi_r,
		    out);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return rc;
}

void
ike_sa_keys_cleanse(struct ike_sa_keys *k)
{
	if (k != NULL)
		OPENSSL_cleanse(k, sizeof(*k));
}

int
ike_derive_child_keys(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len,
    unsigned enc_keybits, const uint8_t *gir, size_t gir_len,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    struct ike_child_keys *out)
{
	const size_t key_len = gcm_key_len(enc_keybits);
	uint8_t seed[SEED_MAX];
	uint8_t keymat[2 * (32 + IKE_GCM_SALT)];
	size_t slen = 0, off = 0;
	int rc;

	if (ike_prf_len(prf) == 0 || key_len == 0)
		return -ENOTSUP;
	if (out == NULL || sk_d == NULL || sk_d_len == 0 ||
	    !nonces_ok(ni, ni_len, nr, nr_len) ||
	    (gir == NULL && gir_len != 0) || gir_len > IKE_DH_MAX)
		return -EINVAL;

	/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	if (gir != NULL) {
		memcpy(seed, gir, gir_len);
		slen += gir_len;
	}
	memcpy(seed + slen, ni, ni_len);
	slen += ni_len;
	memcpy(seed + slen, nr, nr_len);
	slen += nr_len;

	rc = ike_prf_plus(prf, sk_d, sk_d_len, seed, slen, keymat,
	    2 * (key_len + IKE_GCM_SALT));
	if (rc == 0) {
		memset(out, 0, sizeof(*out));
		out->key_len = key_len;
		memcpy(out->key_i2r, keymat + off, key_len);
		off += key_len;
		memcpy(out->salt_i2r, keymat + off, IKE_GCM_SALT);
		off += IKE_GCM_SALT;
		memcpy(out->key_r2i, keymat + off, key_len);
		off += key_len;
		memcpy(out->salt_r2i, keymat + off, IKE_GCM_SALT);
	}
	/* the seed holds g^ir */
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(keymat, sizeof(keymat));
	return rc;
}

void
ike_child_keys_cleanse(struct ike_child_keys *k)
{
	if (k != NULL)
		OPENSSL_cleanse(k, sizeof(*k));
}
