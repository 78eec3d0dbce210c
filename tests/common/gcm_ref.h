/*
 * spisync tests -- AES-GCM reference through OpenSSL 3 EVP: the independent
 * oracle every GCM test compares the hardware against.
 */
#ifndef SPISYNC_GCM_REF_H
#define SPISYNC_GCM_REF_H

#include <stddef.h>
#include <stdint.h>

enum { GCM_NONCE_LEN = 12, GCM_TAG_LEN = 16 };

/*
 * Encrypt pt (pt_len bytes) with aad under key (16 or 32 bytes) and the
 * 12-byte nonce (RFC 4106: salt || IV). Writes pt_len bytes to ct and the
 * full 16-byte tag. Returns 0, or -1 on a bad key length or an OpenSSL error.
 */
int gcm_ref_encrypt(const uint8_t *key, size_t key_len,
    const uint8_t nonce[GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
    const uint8_t *pt, size_t pt_len, uint8_t *ct, uint8_t tag[GCM_TAG_LEN]);

/*
 * Decrypt ct and verify the first icv_len bytes of tag (8, 12 or 16).
 * Returns 1 if the tag verified (pt holds ct_len bytes), 0 if it did not,
 * -1 on a bad argument or an OpenSSL error unrelated to the tag.
 * pt must have room for ct_len bytes. On 0 or -1 any plaintext already
 * written to pt has been zeroed, so unauthenticated data never leaks out.
 *
 * For both calls a buffer whose length is 0 may be NULL, and lengths
 * above INT_MAX (EVP's limit) are refused with -1.
 */
int gcm_ref_decrypt(const uint8_t *key, size_t key_len,
    const uint8_t nonce[GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
    const uint8_t *ct, size_t ct_len, const uint8_t *tag, size_t icv_len,
    uint8_t *pt);

#endif
