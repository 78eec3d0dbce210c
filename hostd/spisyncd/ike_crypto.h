/*
 * spisyncd -- the IKEv2 cryptography (RFC 7296) on OpenSSL 3 EVP APIs:
 *
 *   ike_prf.c   prf, prf+, the IKE SA, IKE SA rekey and CHILD SA keys
 *   ike_dh.c    Diffie-Hellman groups 14 (MODP-2048), 19 (ECP-256), 31
 *               (Curve25519), with the peer's value validated first
 *   ike_sk.c    the Encrypted (SK) payload with AES-GCM-16 (RFC 5282)
 *   ike_auth.c  PSK AUTH, NAT-D hashes, COOKIEs, random bytes
 *
 * Every function returns 0 or a negative errno: -EINVAL (bad argument or
 * bad peer value), -ENOTSUP (transform not supported), -EBADMSG (an SK
 * payload that does not authenticate or decode), -ENOMEM, -EIO (any other
 * OpenSSL failure). Nothing aborts.
 *
 * Length convention: where a function takes `uint8_t *out, size_t *out_len`,
 * *out_len is the size of out on entry and the length written on return.
 *
 * Secrets: every intermediate secret is OPENSSL_cleanse'd before return;
 * the callers cleanse what they get with the *_cleanse functions.
 */
#ifndef SPISYNCD_IKE_CRYPTO_H
#define SPISYNCD_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* IANA IKEv2 transform IDs (same values as config.h's SD_*) */
#define IKE_PRF_HMAC_SHA2_256  5
#define IKE_PRF_HMAC_SHA2_384  6
#define IKE_DH_MODP_2048       14
#define IKE_DH_ECP_256         19
#define IKE_DH_CURVE25519      31

/* RFC 7296 3.9: a nonce is 16 to 256 bytes */
#define IKE_NONCE_MIN  16
#define IKE_NONCE_MAX  256
/* the longest g^ir (MODP-2048) */
#define IKE_DH_MAX     256

/* ---- ike_prf.c ---------------------------------------------------------- */

/* 32 (HMAC-SHA2-256) / 48 (HMAC-SHA2-384); 0 unsupported */
size_t ike_prf_len(uint16_t prf);
/* out: ike_prf_len(prf) bytes. -ENOTSUP for an unknown prf. */
int ike_prf(uint16_t prf, const uint8_t *key, size_t klen,
    const uint8_t *data, size_t dlen, uint8_t *out);

/* prf over the concatenation of parts (no copy of the data needed) */
struct ike_chunk {
	const uint8_t *ptr;
	size_t len;
};
int ike_prf_chunks(uint16_t prf, const uint8_t *key, size_t klen,
    const struct ike_chunk *parts, size_t nparts, uint8_t *out);

/* RFC 7296 2.13: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n);
 * outlen > 255 * prf_len: -EINVAL */
int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t klen,
    const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen);

#define IKE_MAX_PRF   48
#define IKE_GCM_SALT  4

/* RFC 7296 2.14 for AES-GCM (no SK_a*: integrity is the AEAD's) */
struct ike_sa_keys {
	uint16_t prf;
	size_t prf_len;
	size_t enc_len;         /* key bytes + 4 salt bytes (RFC 5282 7.1) */
	uint8_t sk_d[IKE_MAX_PRF];
	uint8_t sk_ei[36], sk_er[36];
	uint8_t sk_pi[IKE_MAX_PRF], sk_pr[IKE_MAX_PRF];
};

/* SKEYSEED = prf(Ni | Nr, g^ir);
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr),
 * SK_ai / SK_ar zero-length with AES-GCM. spi_i / spi_r: 8 bytes, wire
 * order. enc_keybits 128 or 256; nonces 16..256 bytes; g^ir 1..256 bytes. */
int ike_derive_sa_keys(uint16_t prf, unsigned enc_keybits,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const uint8_t *gir, size_t gir_len, const uint8_t spi_i[8],
    const uint8_t spi_r[8], struct ike_sa_keys *out);
/* IKE SA rekey (2.18): SKEYSEED = prf_old(SK_d (old), g^ir (new) | Ni | Nr),
 * then the expansion above with the new SA's prf and SPIs. */
int ike_derive_rekey_keys(uint16_t old_prf, const uint8_t *old_sk_d,
    size_t old_sk_d_len, uint16_t prf, unsigned enc_keybits,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const uint8_t *gir, size_t gir_len, const uint8_t spi_i[8],
    const uint8_t spi_r[8], struct ike_sa_keys *out);
void ike_sa_keys_cleanse(struct ike_sa_keys *k);

/* CHILD SA keys (2.17): KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr);
 * ESP AES-GCM: per direction key bytes then 4 salt bytes, the
 * initiator-to-responder SA's first. gir NULL (gir_len 0): no PFS. */
struct ike_child_keys {
	size_t key_len;         /* 16 or 32 */
	uint8_t key_i2r[32], salt_i2r[4];
	uint8_t key_r2i[32], salt_r2i[4];
};
int ike_derive_child_keys(uint16_t prf, const uint8_t *sk_d,
    size_t sk_d_len, unsigned enc_keybits, const uint8_t *gir,
    size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
    size_t nr_len, struct ike_child_keys *out);
void ike_child_keys_cleanse(struct ike_child_keys *k);

/* ---- ike_dh.c ----------------------------------------------------------- */

struct ike_dh;                  /* opaque; the private key inside */

/* a fresh key pair; -ENOTSUP for groups other than 14 / 19 / 31 */
int ike_dh_new(uint16_t group, struct ike_dh **out);
/* 256 / 64 / 32; 0 unsupported */
size_t ike_dh_pub_len(uint16_t group);
/* the KE payload's data, len == ike_dh_pub_len: MODP big-endian left-padded
 * to 256; ECP-256 x | y, 32 + 32 (RFC 5903 7, no 0x04); X25519 32 bytes */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t len);
/* The shared secret with the peer's KE data. The peer value is validated
 * first: wrong length; MODP 1 < y < p-1 and y in the order-(p-1)/2
 * subgroup; ECP coordinates < p and the point on the curve; X25519 an all-zero result: -EINVAL. Output: MODP 256 bytes
 * left-padded, ECP-256 the x coordinate (32, RFC 5903 7), X25519 32. */
int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
    uint8_t *out, size_t *out_len);
/* cleanses and frees; NULL is fine */
void ike_dh_free(struct ike_dh *dh);
/* for tests only: a known private key (MODP: big-endian, 1 < x < p-1;
 * ECP-256: 32 bytes big-endian, 0 < d < n; X25519: 32 bytes) */
int ike_dh_new_with_private(uint16_t group, const uint8_t *priv, size_t len,
    struct ike_dh **out);

/* ---- ike_sk.c ----------------------------------------------------------- */

/* SK payload body with AES-GCM (RFC 5282): IV (8) | ciphertext of (inner
 * payloads | padding | pad length) | ICV (16). Nonce = salt (the last 4
 * bytes of SK_e) | IV. AAD: the message from its start up to the IV (the
 * IKE header, cleartext payloads, the SK payload's generic header; RFC 5282
 * 5.1), passed by the caller. We pad with 0 bytes. */
#define IKE_SK_IV   8
#define IKE_SK_ICV  16

/* IV + plain + 1 pad-length byte + ICV; 0 on overflow */
size_t ike_sk_body_len(size_t plain_len);
/* body_len must be ike_sk_body_len(plain_len). iv_counter: a per-SA
 * counter the caller never reuses with the same key (it is the IV). */
int ike_sk_seal(const uint8_t *sk_e, size_t sk_e_len, uint64_t iv_counter,
    const uint8_t *aad, size_t aad_len, const uint8_t *plain,
    size_t plain_len, uint8_t *body_out, size_t body_len);
/* plain_out must hold body_len - IV - ICV bytes (*plain_len on entry); on
 * return *plain_len is the inner payloads' length (padding removed). ICV
 * checked before any plaintext is used; -EBADMSG on a body that is too
 * short, does not authenticate or has a pad length past its start; plain_out
 * is cleansed then. */
int ike_sk_open(const uint8_t *sk_e, size_t sk_e_len, const uint8_t *aad,
    size_t aad_len, const uint8_t *body, size_t body_len,
    uint8_t *plain_out, size_t *plain_len);

/* ---- ike_auth.c --------------------------------------------------------- */

/* AUTH with a pre-shared key (2.15):
 * AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>), SignedOctets =
 * msg (that side's whole IKE_SA_INIT message) | the other side's nonce |
 * prf(SK_p, ID body); ID body = ID type, 3 reserved bytes, data.
 * out: ike_prf_len(prf) bytes (*out_len: size in, length out). */
int ike_psk_auth(uint16_t prf, const uint8_t *psk, size_t psk_len,
    const uint8_t *msg, size_t msg_len, const uint8_t *nonce,
    size_t nonce_len, const uint8_t *sk_p, size_t sk_p_len,
    const uint8_t *id_body, size_t id_len, uint8_t *out, size_t *out_len);
/* 1 when equal, 0 otherwise; constant time (CRYPTO_memcmp) */
int ike_auth_equal(const uint8_t *a, const uint8_t *b, size_t len);

/* NAT detection (2.23): SHA-1(SPIi | SPIr | IP | port); IP 4 or 16 bytes,
 * port as in the sockaddr (network order). AF_INET / AF_INET6 only. */
int ike_natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
    const struct sockaddr *addr, uint8_t out[20]);

/* COOKIE (2.6): <VersionIDofSecret> | SHA-256(Ni | IPi | SPIi | <secret>),
 * 1 + 32 bytes. IPi: the address bytes (4 or 16), no port. The daemon
 * rotates the secret every few minutes; cookies made with the previous one
 * still pass. */
#define IKE_COOKIE_LEN  33
struct ike_cookie_secret {
	uint8_t version;
	uint8_t cur[32], prev[32];
	bool have_prev;
};
int ike_cookie_init(struct ike_cookie_secret *s);
int ike_cookie_rotate(struct ike_cookie_secret *s);
int ike_cookie_make(const struct ike_cookie_secret *s, const uint8_t *ni,
    size_t ni_len, const struct sockaddr *ipi, const uint8_t spi_i[8],
    uint8_t out[IKE_COOKIE_LEN]);
/* true when cookie was made with the current or the previous secret */
bool ike_cookie_check(const struct ike_cookie_secret *s, const uint8_t *ni,
    size_t ni_len, const struct sockaddr *ipi, const uint8_t spi_i[8],
    const uint8_t *cookie, size_t len);
void ike_cookie_cleanse(struct ike_cookie_secret *s);

/* RAND_bytes */
int ike_random(uint8_t *buf, size_t len);

#endif
