/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt's thin layer over OpenSSL 3: SHA-256, AES-256-CTR and
 * AES-256-GCM with algorithms fetched once and contexts reused, plus
 * random bytes and constant-time compare.  aead.c and x25519.c (the node
 * key) are the only files in kadcrypt that include <openssl/...>, with
 * kadnet/node_id.c, which kadcrypt compiles too; everything else sees
 * these opaque handles.  All functions return 0 or -1 (NULL for constructors).
 */
#ifndef KAD_AEAD_H
#define KAD_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define CRYPT_KEY_LEN		32	/* AES-256 */
#define CRYPT_CTR_IV_LEN	16	/* initial counter block */
#define CRYPT_GCM_NONCE_LEN	12
#define CRYPT_GCM_TAG_LEN	16
#define CRYPT_HASH_LEN		32	/* SHA-256 */

/* Fetch the algorithms; call before the sandbox.  Idempotent. */
int	 crypt_aead_init(void);
void	 crypt_aead_cleanup(void);

int	 crypt_random(void *, size_t);
/* 1 if equal, in time independent of the contents. */
int	 crypt_memeq(const void *, const void *, size_t);

int	 crypt_hmac(const uint8_t [CRYPT_KEY_LEN], const void *, size_t,
	    const void *, size_t, uint8_t [CRYPT_HASH_LEN]);

struct crypt_sha256;
struct crypt_sha256 *crypt_sha256_new(void);
int	 crypt_sha256_init(struct crypt_sha256 *);
int	 crypt_sha256_update(struct crypt_sha256 *, const void *, size_t);
int	 crypt_sha256_final(struct crypt_sha256 *, uint8_t [CRYPT_HASH_LEN]);
/* init + update + final on a reused context */
int	 crypt_sha256(struct crypt_sha256 *, const void *, size_t,
	    uint8_t [CRYPT_HASH_LEN]);
void	 crypt_sha256_free(struct crypt_sha256 *);

/* One CTR key stream; each call continues where the last one stopped. */
struct crypt_ctr;
struct crypt_ctr *crypt_ctr_new(const uint8_t [CRYPT_KEY_LEN],
	    const uint8_t [CRYPT_CTR_IV_LEN]);
int	 crypt_ctr_xor(struct crypt_ctr *, const uint8_t *, uint8_t *, size_t);
void	 crypt_ctr_free(struct crypt_ctr *);

/* GCM with one key; the caller guarantees nonce uniqueness per key. */
struct crypt_gcm;
struct crypt_gcm *crypt_gcm_new(const uint8_t [CRYPT_KEY_LEN]);
int	 crypt_gcm_seal(struct crypt_gcm *, const uint8_t [CRYPT_GCM_NONCE_LEN],
	    const uint8_t *, size_t, uint8_t *, uint8_t [CRYPT_GCM_TAG_LEN]);
/* -1 if the tag does not verify; out is then wiped. */
int	 crypt_gcm_open(struct crypt_gcm *, const uint8_t [CRYPT_GCM_NONCE_LEN],
	    const uint8_t *, size_t, const uint8_t [CRYPT_GCM_TAG_LEN],
	    uint8_t *);
void	 crypt_gcm_free(struct crypt_gcm *);

#endif /* KAD_AEAD_H */
