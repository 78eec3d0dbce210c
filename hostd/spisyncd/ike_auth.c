/*
 * spisyncd -- IKEv2 authentication and hashes: PSK AUTH (RFC 7296 2.15),
 * NAT-D (2.23), COOKIEs (2.6), random bytes.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <netinet/in.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ike_crypto.h"

/* RFC 7296 2.15: the 17 ASCII characters, no terminating NUL */
static const uint8_t key_pad[] = "Key Pad for IKEv2";
#define KEY_PAD_LEN  (sizeof(key_pad) - 1)

int
ike_psk_auth(uint16_t prf, const uint8_t *psk, size_t psk_len,
    const uint8_t *msg, size_t msg_len, const uint8_t *nonce,
    size_t nonce_len, const uint8_t *sk_p, size_t sk_p_len,
    const uint8_t *id_body, size_t id_len, uint8_t *out, size_t *out_len)
{
	const size_t len = ike_prf_len(prf);
	uint8_t inner[IKE_MAX_PRF], macid[IKE_MAX_PRF];
	int rc;

	if (len == 0)
		return -ENOTSUP;
	if (psk == NULL || psk_len == 0 || msg == NULL || msg_len == 0 ||
	    nonce == NULL || nonce_len == 0 || sk_p == NULL || sk_p_len == 0 ||
	    id_body == NULL || id_len < 4 || out == NULL || out_len == NULL ||
	    *out_len < len)
		return -EINVAL;

	/* MACedIDFor = prf(SK_p, ID body) */
	if ((rc = ike_prf(prf, sk_p, sk_p_len, id_body, id_len, macid)) != 0)
		goto out;
	/* prf(PSK, "Key Pad for IKEv2"): the key of the outer prf */
	if ((rc = ike_prf(prf, psk, psk_len, key_pad, KEY_PAD_LEN, inner)) != 0)
		goto out;
	{
		const struct ike_chunk signed_octets[3] = {
			{ msg, msg_len }, { nonce, nonce_len }, { macid, len },
		};

		rc = ike_prf_chunks(prf, inner, len, signed_octets, 3, out);
	}
	if (rc == 0)
		*out_len = len;
out:
	OPENSSL_cleanse(inner, sizeof(inner));
	OPENSSL_cleanse(macid, sizeof(macid));
	return rc;
}

int
ike_auth_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	if (a == NULL || b == NULL)
		return 0;
	return CRYPTO_memcmp(a, b, len) == 0;
}

/* the address bytes (4 or 16) and the port (network order) of a sockaddr */
static int
addr_bytes(const struct sockaddr *sa, const uint8_t **ip, size_t *ip_len,
    const uint8_t **port)
{
	if (sa == NULL)
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		*ip = (const uint8_t *)&sin->sin_addr;
		*ip_len = 4;
		*port = (const uint8_t *)&sin->sin_port;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		*ip = (const uint8_t *)&sin6->sin6_addr;
		*ip_len = 16;
		*port = (const uint8_t *)&sin6->sin6_port;
		return 0;
	}
	return -EINVAL;
}

/* one SHA digest over a list of parts */
static int
digest_chunks(const char *name, const struct ike_chunk *parts, size_t n,
    uint8_t *out, unsigned want)
{
	EVP_MD *md = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned got = 0;
	int rc = -EIO;

	if ((md = EVP_MD_fetch(NULL, name, NULL)) == NULL)
		return -EIO;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (!EVP_DigestInit_ex2(ctx, md, NULL))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len != 0 &&
		    !EVP_DigestUpdate(ctx, parts[i].ptr, parts[i].len))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, &got) || got != want)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return rc;
}

int
ike_natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
    const struct sockaddr *addr, uint8_t out[20])
{
	const uint8_t *ip, *port;
	size_t ip_len;
	int rc;

	if (spi_i == NULL || spi_r == NULL || out == NULL)
		return -EINVAL;
	if ((rc = addr_bytes(addr, &ip, &ip_len, &port)) != 0)
		return rc;
	{
		const struct ike_chunk parts[4] = {
			{ spi_i, 8 }, { spi_r, 8 }, { ip, ip_len }, { port, 2 },
		};

		return digest_chunks("SHA1", parts, 4, out, 20);
	}
}

int
ike_cookie_init(struct ike_cookie_secret *s)
{
	int rc;

	if (s == NULL)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	if ((rc = ike_random(s->cur, sizeof(s->cur))) != 0)
		return rc;
	/* a random first version: a restarted daemon does not take cookies
	 * of its previous run for the current secret's */
	return ike_random(&s->version, 1);
}

int
ike_cookie_rotate(struct ike_cookie_secret *s)
{
	uint8_t fresh[32];
	int rc;

	if (s == NULL)
		return -EINVAL;
	if ((rc = ike_random(fresh, sizeof(fresh))) != 0)
		return rc;
	memcpy(s->prev, s->cur, sizeof(s->prev));
	memcpy(s->cur, fresh, sizeof(s->cur));
	OPENSSL_cleanse(fresh, sizeof(fresh));
	s->have_prev = true;
	s->version++;
	return 0;
}

static int
cookie_hash(const uint8_t secret[32], uint8_t version, const uint8_t *ni,
    size_t ni_len, const struct sockaddr *ipi, const uint8_t spi_i[8],
    uint8_t out[IKE_COOKIE_LEN])
{
	const uint8_t *ip, *port;
	size_t ip_len;
	int rc;

	if (ni == NULL || ni_len == 0 || spi_i == NULL || out == NULL)
		return -EINVAL;
	if ((rc = addr_bytes(ipi, &ip, &ip_len, &port)) != 0)
		return rc;
	out[0] = version;
	{
		const struct ike_chunk parts[4] = {
			{ ni, ni_len }, { ip, ip_len }, { spi_i, 8 },
			{ secret, 32 },
		};

		return digest_chunks("SHA256", parts, 4, out + 1, 32);
	}
}

int
ike_cookie_make(const struct ike_cookie_secret *s, const uint8_t *ni,
    size_t ni_len, const struct sockaddr *ipi, const uint8_t spi_i[8],
    uint8_t out[IKE_COOKIE_LEN])
{
	if (s == NULL)
		return -EINVAL;
	return cookie_hash(s->cur, s->version, ni, ni_len, ipi, spi_i, out);
}

bool
ike_cookie_check(const struct ike_cookie_secret *s, const uint8_t *ni,
    size_t ni_len, const struct sockaddr *ipi, const uint8_t spi_i[8],
    const uint8_t *cookie, size_t len)
{
	uint8_t want[IKE_COOKIE_LEN];
	const uint8_t *secret;
	bool ok = false;

	if (s == NULL || cookie == NULL || len != IKE_COOKIE_LEN)
		return false;
	/* the version byte picks the secret: current, or the one before */
	if (cookie[0] == s->version)
		secret = s->cur;
	else if (s->have_prev && cookie[0] == (uint8_t)(s->version - 1))
		secret = s->prev;
	else
		return false;
	if (cookie_hash(secret, cookie[0], ni, ni_len, ipi, spi_i, want) == 0)
		ok = CRYPTO_memcmp(want, cookie, IKE_COOKIE_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

void
ike_cookie_cleanse(struct ike_cookie_secret *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, sizeof(*s));
}

int
ike_random(uint8_t *buf, size_t len)
{
	if ((buf == NULL && len != 0) || len > INT_MAX)
		return -EINVAL;
	if (len == 0)
		return 0;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}
