/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt's thin layer over OpenSSL 3 for the node key: a new X25519
 * private key drawn, an EVP_PKEY_X25519 key pair made from the raw
 * private key, and the one operation done with it, a hashed
 * Diffie-Hellman with a peer's point.  x25519.c is, with aead.c, the only file in
 * kadcrypt that includes <openssl/...>.  The private key lives in the
 * handle's EVP_PKEY and nowhere else: what goes in is the caller's to
 * wipe, and the raw X25519 output never leaves x25519.c.
 */
#ifndef KAD_X25519_H
#define KAD_X25519_H

#include <stddef.h>
#include <stdint.h>

#define CRYPT_X25519_LEN	32	/* private key, public key, output */

/* Fetch what X25519 needs and run it once; before the sandbox. */
int	 crypt_x25519_init(void);

/*
 * A new raw private key from OpenSSL's private DRBG, clamped as RFC 7748
 * says (as OpenSSL's own X25519 generator does): 0 or -1.
 */
int	 crypt_x25519_random(uint8_t [CRYPT_X25519_LEN]);

struct crypt_x25519;
/* The key pair of a raw private key; NULL on failure. */
struct crypt_x25519 *crypt_x25519_new(const uint8_t [CRYPT_X25519_LEN]);
const uint8_t *crypt_x25519_public(const struct crypt_x25519 *);
/*
 * out = SHA-256(label || X25519(private key, peer)).  Returns 0, 1 when
 * the X25519 output is all zero (a point of small order: OpenSSL refuses
 * those itself) and out is all zero, or -1 on any other failure.
 */
int	 crypt_x25519_dh(struct crypt_x25519 *, const uint8_t [CRYPT_X25519_LEN],
	    const void *label, size_t labellen, uint8_t [CRYPT_X25519_LEN]);
void	 crypt_x25519_free(struct crypt_x25519 *);

#endif /* KAD_X25519_H */
