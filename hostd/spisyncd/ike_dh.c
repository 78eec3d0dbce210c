/*
 * spisyncd -- IKEv2 Diffie-Hellman: group 14 (MODP-2048, RFC 3526), 19
 * (ECP-256, RFC 5903) and 31 (Curve25519, RFC 8031), through EVP_PKEY.
 *
 * The peer's KE data is validated before OpenSSL sees it (RFC 7296 and
 * RFC 8247 via RFC 6989): a bad value is -EINVAL, never a shared secret.
 */
#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "ike_crypto.h"

/* OpenSSL's names: "modp_2048" is RFC 3526 group 14 */
#define MODP_GROUP_NAME  "modp_2048"
#define ECP_GROUP_NAME   "prime256v1"
#define MODP_LEN  256
#define ECP_LEN   32
#define X25519_LEN  32

struct ike_dh {
	uint16_t group;
	EVP_PKEY *pkey;
};

size_t
ike_dh_pub_len(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP_2048:
		return MODP_LEN;
	case IKE_DH_ECP_256:
		return 2 * ECP_LEN;
	case IKE_DH_CURVE25519:
		return X25519_LEN;
	default:
		return 0;
	}
}

static size_t
shared_len(uint16_t group)
{
	return group == IKE_DH_ECP_256 ? ECP_LEN : ike_dh_pub_len(group);
}

static int
dh_wrap(uint16_t group, EVP_PKEY *pkey, struct ike_dh **out)
{
	struct ike_dh *dh;

	if ((dh = OPENSSL_zalloc(sizeof(*dh))) == NULL) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	dh->group = group;
	dh->pkey = pkey;
	*out = dh;
	return 0;
}

int
ike_dh_new(uint16_t group, struct ike_dh **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[2];
	const char *alg, *name = NULL;
	int rc = -EIO;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	switch (group) {
	case IKE_DH_MODP_2048:
		alg = "DH";
		name = MODP_GROUP_NAME;
		break;
	case IKE_DH_ECP_256:
		alg = "EC";
		name = ECP_GROUP_NAME;
		break;
	case IKE_DH_CURVE25519:
		alg = "X25519";
		break;
	default:
		return -ENOTSUP;
	}

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL)) == NULL)
		return -ENOMEM;
	if (EVP_PKEY_keygen_init(ctx) <= 0)
		goto out;
	if (name != NULL) {
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_PKEY_CTX_set_params(ctx, params))
			goto out;
	}
	if (EVP_PKEY_generate(ctx, &pkey) <= 0)
		goto out;
	rc = dh_wrap(group, pkey, out);
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* OSSL_PARAM_clear_free arrives only in OpenSSL 3.2: the params may hold
 * the private key, so wipe every value before freeing */
static void
params_cleanse_free(OSSL_PARAM *params)
{
	if (params == NULL)
		return;
	for (OSSL_PARAM *p = params; p->key != NULL; p++)
		if (p->data != NULL && p->data_size != 0)
			OPENSSL_cleanse(p->data, p->data_size);
	OSSL_PARAM_free(params);
}

/* A key from OSSL_PARAMs: selection EVP_PKEY_KEYPAIR or _PUBLIC_KEY */
static int
pkey_fromdata(const char *alg, OSSL_PARAM_BLD *bld, int selection,
    EVP_PKEY **pkey)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	int rc = -EIO;

	*pkey = NULL;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		return -ENOMEM;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, pkey, selection, params) <= 0)
		goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	params_cleanse_free(params);
	return rc;
}

/* p of group 14, as OpenSSL has it */
static int
modp_prime(BIGNUM **p, BIGNUM **g)
{
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *params = NULL;
	int rc = -ENOMEM;

	*p = NULL;
	if (g != NULL)
		*g = NULL;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return -ENOMEM;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    MODP_GROUP_NAME, 0))
		goto out;
	if ((rc = pkey_fromdata("DH", bld, EVP_PKEY_KEY_PARAMETERS,
	    &params)) != 0)
		goto out;
	rc = -EIO;
	if (!EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, p))
		goto out;
	if (g != NULL && !EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G,
	    g))
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		BN_free(*p);
		*p = NULL;
	}
	EVP_PKEY_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

static int
modp_with_private(const uint8_t *priv, size_t len, EVP_PKEY **pkey)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *p = NULL, *g = NULL, *x = NULL, *y = NULL, *pm1 = NULL;
	BN_CTX *bnctx = NULL;
	int rc;

	if (len == 0 || len > MODP_LEN)
		return -EINVAL;
	if ((rc = modp_prime(&p, &g)) != 0)
		return rc;
	rc = -ENOMEM;
	if ((bnctx = BN_CTX_secure_new()) == NULL ||
	    (x = BN_secure_new()) == NULL || (y = BN_new()) == NULL ||
	    (pm1 = BN_dup(p)) == NULL || (bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	rc = -EIO;
	if (BN_bin2bn(priv, (int)len, x) == NULL || !BN_sub_word(pm1, 1))
		goto out;
	rc = -EINVAL;
	if (BN_cmp(x, BN_value_one()) <= 0 || BN_cmp(x, pm1) >= 0)
		goto out;
	/* OpenSSL 3.0 does not derive the public value on import */
	BN_set_flags(x, BN_FLG_CONSTTIME);
	rc = -EIO;
	if (!BN_mod_exp_mont_consttime(y, g, x, p, bnctx, NULL))
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    MODP_GROUP_NAME, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto out;
	rc = pkey_fromdata("DH", bld, EVP_PKEY_KEYPAIR, pkey);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(x);
	BN_free(y);
	BN_free(p);
	BN_free(g);
	BN_free(pm1);
	BN_CTX_free(bnctx);
	return rc;
}

static int
ecp_with_private(const uint8_t *priv, size_t len, EVP_PKEY **pkey)
{
	OSSL_PARAM_BLD *bld = NULL;
	EC_GROUP *grp = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *d = NULL;
	BN_CTX *bnctx = NULL;
	uint8_t pub[1 + 2 * ECP_LEN];
	int rc = -ENOMEM;

	if (len != ECP_LEN)
		return -EINVAL;
	if ((grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (pt = EC_POINT_new(grp)) == NULL ||
	    (bnctx = BN_CTX_secure_new()) == NULL ||
	    (d = BN_secure_new()) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	rc = -EIO;
	if (BN_bin2bn(priv, (int)len, d) == NULL)
		goto out;
	rc = -EINVAL;
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0)
		goto out;
	/* OpenSSL 3.0 does not derive the public point on import */
	rc = -EIO;
	if (!EC_POINT_mul(grp, pt, d, NULL, NULL, bnctx) ||
	    EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, pub,
	    sizeof(pub), bnctx) != sizeof(pub))
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    ECP_GROUP_NAME, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    sizeof(pub)))
		goto out;
	rc = pkey_fromdata("EC", bld, EVP_PKEY_KEYPAIR, pkey);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return rc;
}

int
ike_dh_new_with_private(uint16_t group, const uint8_t *priv, size_t len,
    struct ike_dh **out)
{
	EVP_PKEY *pkey = NULL;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (ike_dh_pub_len(group) == 0)
		return -ENOTSUP;
	if (priv == NULL)
		return -EINVAL;
	switch (group) {
	case IKE_DH_MODP_2048:
		rc = modp_with_private(priv, len, &pkey);
		break;
	case IKE_DH_ECP_256:
		rc = ecp_with_private(priv, len, &pkey);
		break;
	default:
		if (len != X25519_LEN)
			return -EINVAL;
		pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL,
		    priv, len);
		rc = pkey == NULL ? -EIO : 0;
		break;
	}
	if (rc != 0)
		return rc;
	return dh_wrap(group, pkey, out);
}

int
ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t len)
{
	BIGNUM *y = NULL;
	uint8_t enc[1 + 2 * ECP_LEN];
	size_t n = 0;
	int rc = -EIO;

	if (dh == NULL || out == NULL || len != ike_dh_pub_len(dh->group))
		return -EINVAL;
	switch (dh->group) {
	case IKE_DH_MODP_2048:
		if (!EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_PUB_KEY,
		    &y))
			return -EIO;
		/* big-endian, left-padded to the length of p (RFC 7296 3.4) */
		if (BN_bn2binpad(y, out, (int)len) == (int)len)
			rc = 0;
		BN_free(y);
		return rc;
	case IKE_DH_ECP_256:
		if (!EVP_PKEY_get_octet_string_param(dh->pkey,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, enc, sizeof(enc), &n) ||
		    n != sizeof(enc) || enc[0] != POINT_CONVERSION_UNCOMPRESSED)
			return -EIO;
		/* RFC 5903 7: x | y without the SEC1 0x04 prefix */
		memcpy(out, enc + 1, len);
		return 0;
	default:
		n = len;
		if (!EVP_PKEY_get_raw_public_key(dh->pkey, out, &n) || n != len)
			return -EIO;
		return 0;
	}
}

/* RFC 6989 2.2 for a safe-prime MODP group: 1 < y < p-1 is the required
 * check. OpenSSL's derive also insists on y^q = 1 (y in the order-q
 * subgroup, q = (p-1)/2), which every honest g^x passes (g = 2 is a
 * quadratic residue): check that here too, so such a value is a bad peer
 * value (-EINVAL) and not an OpenSSL failure (-EIO). */
static int
modp_peer(const uint8_t *peer, EVP_PKEY **pkey)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *p = NULL, *y = NULL, *pm1 = NULL, *q = NULL, *r = NULL;
	BN_CTX *bnctx = NULL;
	int rc;

	if ((rc = modp_prime(&p, NULL)) != 0)
		return rc;
	rc = -ENOMEM;
	if ((y = BN_new()) == NULL || (pm1 = BN_dup(p)) == NULL ||
	    (q = BN_new()) == NULL || (r = BN_new()) == NULL ||
	    (bnctx = BN_CTX_new()) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	rc = -EIO;
	if (BN_bin2bn(peer, MODP_LEN, y) == NULL || !BN_sub_word(pm1, 1) ||
	    !BN_rshift1(q, pm1))
		goto out;
	rc = -EINVAL;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
		goto out;
	rc = -EIO;
	if (!BN_mod_exp(r, y, q, p, bnctx))
		goto out;
	rc = -EINVAL;
	if (!BN_is_one(r))
		goto out;
	rc = -EIO;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    MODP_GROUP_NAME, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto out;
	rc = pkey_fromdata("DH", bld, EVP_PKEY_PUBLIC_KEY, pkey);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bnctx);
	BN_free(p);
	BN_free(y);
	BN_free(pm1);
	BN_free(q);
	BN_free(r);
	return rc;
}

/* RFC 6989 2.3 / RFC 5903: both coordinates in [0, p-1], the point on the
 * curve (an affine point is never the point at infinity) */
static int
ecp_peer(const uint8_t *peer, EVP_PKEY **pkey)
{
	OSSL_PARAM_BLD *bld = NULL;
	EC_GROUP *grp = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *p = NULL, *x = NULL, *y = NULL;
	BN_CTX *bnctx = NULL;
	uint8_t enc[1 + 2 * ECP_LEN];
	int rc = -ENOMEM;

	if ((grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (pt = EC_POINT_new(grp)) == NULL || (bnctx = BN_CTX_new()) == NULL ||
	    (p = BN_new()) == NULL || (x = BN_new()) == NULL ||
	    (y = BN_new()) == NULL || (bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	rc = -EIO;
	if (!EC_GROUP_get_curve(grp, p, NULL, NULL, bnctx) ||
	    BN_bin2bn(peer, ECP_LEN, x) == NULL ||
	    BN_bin2bn(peer + ECP_LEN, ECP_LEN, y) == NULL)
		goto out;
	rc = -EINVAL;
	if (BN_cmp(x, p) >= 0 || BN_cmp(y, p) >= 0)
		goto out;
	/* set_affine_coordinates refuses an off-curve point itself; ask
	 * again explicitly so the check does not rest on that */
	if (!EC_POINT_set_affine_coordinates(grp, pt, x, y, bnctx) ||
	    EC_POINT_is_on_curve(grp, pt, bnctx) != 1 ||
	    EC_POINT_is_at_infinity(grp, pt))
		goto out;
	rc = -EIO;
	enc[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(enc + 1, peer, 2 * ECP_LEN);
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    ECP_GROUP_NAME, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, enc,
	    sizeof(enc)))
		goto out;
	rc = pkey_fromdata("EC", bld, EVP_PKEY_PUBLIC_KEY, pkey);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(x);
	BN_free(y);
	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return rc;
}

static bool
all_zero(const uint8_t *b, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= b[i];
	return acc == 0;
}

int
ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
    uint8_t *out, size_t *out_len)
{
	EVP_PKEY *peer_key = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t secret[MODP_LEN];
	size_t want, n = sizeof(secret);
	int rc;

	if (dh == NULL || peer == NULL || out == NULL || out_len == NULL)
		return -EINVAL;
	want = shared_len(dh->group);
	if (*out_len < want)
		return -EINVAL;
	if (peer_len != ike_dh_pub_len(dh->group))
		return -EINVAL;

	switch (dh->group) {
	case IKE_DH_MODP_2048:
		rc = modp_peer(peer, &peer_key);
		break;
	case IKE_DH_ECP_256:
		rc = ecp_peer(peer, &peer_key);
		break;
	default:
		peer_key = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
		    peer, peer_len);
		rc = peer_key == NULL ? -EIO : 0;
		break;
	}
	if (rc != 0)
		return rc;

	rc = -ENOMEM;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL)) == NULL)
		goto out;
	rc = -EIO;
	if (EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(ctx, peer_key) <= 0)
		goto out;
	if (EVP_PKEY_derive(ctx, secret, &n) <= 0) {
		/* with a well-formed key, OpenSSL's X25519 fails only on an
		 * all-zero result (a low-order peer point, RFC 7748 6.1) */
		if (dh->group == IKE_DH_CURVE25519)
			rc = -EINVAL;
		goto out;
	}
	if (n == 0 || n > want)
		goto out;
	if (dh->group == IKE_DH_CURVE25519 && all_zero(secret, n)) {
		/* RFC 8031 2.3 */
		rc = -EINVAL;
		goto out;
	}
	/* DH output drops leading zero bytes: g^ir is as long as p (RFC 7296
	 * 2.14), so left-pad it */
	memset(out, 0, want - n);
	memcpy(out + (want - n), secret, n);
	*out_len = want;
	rc = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer_key);
	return rc;
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	/* EVP_PKEY_free clears the private key (BN_clear_free, ECX keys
	 * OPENSSL_secure_clear_free) */
	EVP_PKEY_free(dh->pkey);
	OPENSSL_clear_free(dh, sizeof(*dh));
}
