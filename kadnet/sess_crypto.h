/* SPDX-License-Identifier: ISC */
/*
 * sess_crypto: the session layer's primitives on OpenSSL 3 (the only
 * session file that includes <openssl/...>): SHA-256, HMAC-SHA-256,
 * Noise's two-output HKDF, AES-256-GCM with associated data on a key
 * set once, and X25519 for ephemeral keys.  The node's static key is
 * not here: kadcrypt holds it, and the session layer asks it for DHs.
 *
 * Every DH in protocol version 2 is hashed: dh(a, B) = SHA-256("kad2
 * dh" || X25519(a, B)), the same function kadcrypt's oracle computes.
 * All functions return 0 or -1 unless they say otherwise.
 */
#ifndef KAD_SESS_CRYPTO_H
#define KAD_SESS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SC_KEY_LEN	32
#define SC_HASH_LEN	32
#define SC_TAG_LEN	16
#define SC_NONCE_LEN	12
#define SC_PUB_LEN	32

int	 sc_init(void);		/* fetch the algorithms, before the sandbox */
void	 sc_cleanup(void);

int	 sc_sha256(const void *, size_t, const void *, size_t,
	    uint8_t [SC_HASH_LEN]);
int	 sc_hmac(const uint8_t key[SC_HASH_LEN], const void *, size_t,
	    const void *, size_t, uint8_t [SC_HASH_LEN]);
/* Noise's HKDF(ck, ikm) with two outputs (RFC 5869, salt ck, no info). */
int	 sc_hkdf2(const uint8_t ck[SC_HASH_LEN], const void *ikm, size_t,
	    uint8_t out1[SC_HASH_LEN], uint8_t out2[SC_HASH_LEN]);

/* One AES-256-GCM key for one direction, its schedule computed once. */
struct sc_gcm;
struct sc_gcm	*sc_gcm_new(const uint8_t [SC_KEY_LEN], int enc);
void		 sc_gcm_free(struct sc_gcm *);
/* out gets len bytes of ciphertext and then the tag (len + 16). */
int	 sc_gcm_seal(struct sc_gcm *, const uint8_t [SC_NONCE_LEN],
	    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
	    uint8_t *out);
/* in is ciphertext || tag (len >= 16); -1 if it does not verify. */
int	 sc_gcm_open(struct sc_gcm *, const uint8_t [SC_NONCE_LEN],
	    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
	    uint8_t *out);
/* One-shot, for handshake messages (a fresh key each time). */
int	 sc_aead_seal(const uint8_t [SC_KEY_LEN], uint64_t n,
	    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
	    uint8_t *out);
int	 sc_aead_open(const uint8_t [SC_KEY_LEN], uint64_t n,
	    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
	    uint8_t *out);
/* Noise's AESGCM nonce: 32 zero bits, then n big-endian. */
void	 sc_nonce(uint64_t n, uint8_t [SC_NONCE_LEN]);

/* X25519: the public key of a private one; a hashed DH. */
int	 sc_x25519_pub(const uint8_t priv[SC_KEY_LEN], uint8_t pub[SC_PUB_LEN]);
int	 sc_x25519_dh(const uint8_t priv[SC_KEY_LEN],
	    const uint8_t peer[SC_PUB_LEN], uint8_t out[SC_HASH_LEN]);

/* 1 if equal, in time independent of the contents. */
int	 sc_memeq(const void *, const void *, size_t);

#endif /* KAD_SESS_CRYPTO_H */
