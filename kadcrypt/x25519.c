/* SPDX-License-Identifier: ISC */
/*
 * OpenSSL 3 wrappers for the node key (x25519.h): a new private key,
 * an EVP_PKEY_X25519 key pair from the raw private key, and the hashed
 * DH.  The key is parsed once into an EVP_PKEY with a derive context
 * beside it; each DH wraps the peer's bytes in a public EVP_PKEY,
 * derives into a stack buffer, hashes it with the label and wipes it.
 * OpenSSL's X25519 refuses an all-zero result itself (EVP_PKEY_derive
 * fails): a peer OpenSSL does not take or a derive that fails is
 * reported as a point of small order, as is an all-zero result that got
 * through; only a failure to allocate is an error.
 *
 * A new key is 32 bytes from RAND_priv_bytes, imported, rather than
 * EVP_PKEY_keygen's: the key file needs the raw private key, and
 * EVP_PKEY_get_raw_private_key (OpenSSL 3.0) leaves two copies of it in
 * freed heap memory, where EVP_PKEY_new_raw_private_key_ex leaves none
 * but the key's own (measured with tests/integ/test_memscan).  Nothing
 * here exports a private key.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "x25519.h"

struct crypt_x25519 {
	EVP_PKEY	*key;
	EVP_PKEY_CTX	*derive;
	uint8_t		 pub[CRYPT_X25519_LEN];
};

static EVP_MD		*md_sha256;

static struct crypt_x25519 *
from_pkey(EVP_PKEY *key)
{
	struct crypt_x25519	*x;
	size_t			 len = CRYPT_X25519_LEN;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		EVP_PKEY_free(key);
		return (NULL);
	}
	x->key = key;
	if (EVP_PKEY_get_raw_public_key(key, x->pub, &len) != 1 ||
	    len != CRYPT_X25519_LEN ||
	    (x->derive = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL) {
		crypt_x25519_free(x);
		return (NULL);
	}
	return (x);
}

int
crypt_x25519_random(uint8_t priv[CRYPT_X25519_LEN])
{
	if (RAND_priv_bytes(priv, CRYPT_X25519_LEN) != 1) {
		OPENSSL_cleanse(priv, CRYPT_X25519_LEN);
		return (-1);
	}
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
	return (0);
}

struct crypt_x25519 *
crypt_x25519_new(const uint8_t priv[CRYPT_X25519_LEN])
{
	EVP_PKEY	*key;

	if ((key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv,
	    CRYPT_X25519_LEN)) == NULL)
		return (NULL);
	return (from_pkey(key));
}

const uint8_t *
crypt_x25519_public(const struct crypt_x25519 *x)
{
	return (x->pub);
}

int
crypt_x25519_dh(struct crypt_x25519 *x, const uint8_t peer[CRYPT_X25519_LEN],
    const void *label, size_t labellen, uint8_t out[CRYPT_X25519_LEN])
{
	static const uint8_t	 zero[CRYPT_X25519_LEN];
	EVP_MD_CTX		*h = NULL;
	EVP_PKEY		*pk;
	uint8_t			 raw[CRYPT_X25519_LEN];
	size_t			 len = sizeof(raw);
	unsigned int		 olen = 0;
	int			 rv = -1;

	memset(out, 0, CRYPT_X25519_LEN);
	if (md_sha256 == NULL && crypt_x25519_init() == -1)
		return (-1);
	if ((pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer,
	    CRYPT_X25519_LEN)) == NULL)
		return (-1);
	if (EVP_PKEY_derive_init(x->derive) != 1)
		goto done;
	/* a point OpenSSL will not take is as bad as one of small order */
	if (EVP_PKEY_derive_set_peer_ex(x->derive, pk, 0) != 1 ||
	    EVP_PKEY_derive(x->derive, raw, &len) != 1 ||
	    len != CRYPT_X25519_LEN || CRYPTO_memcmp(raw, zero,
	    sizeof(raw)) == 0) {
		rv = 1;
		goto done;
	}
	if ((h = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex2(h, md_sha256, NULL) != 1 ||
	    EVP_DigestUpdate(h, label, labellen) != 1 ||
	    EVP_DigestUpdate(h, raw, sizeof(raw)) != 1 ||
	    EVP_DigestFinal_ex(h, out, &olen) != 1 ||
	    olen != CRYPT_X25519_LEN) {
		OPENSSL_cleanse(out, CRYPT_X25519_LEN);
		goto done;
	}
	rv = 0;
done:
	OPENSSL_cleanse(raw, sizeof(raw));
	EVP_MD_CTX_free(h);		/* cleanses the hash state */
	EVP_PKEY_free(pk);
	return (rv);
}

void
crypt_x25519_free(struct crypt_x25519 *x)
{
	if (x == NULL)
		return;
	EVP_PKEY_CTX_free(x->derive);
	EVP_PKEY_free(x->key);		/* cleanses the private key */
	free(x);
}

/*
 * Everything the first key operation would load lazily is loaded now,
 * while files can still be opened: the algorithms, and one throwaway
 * key pair's DH with itself.
 */
int
crypt_x25519_init(void)
{
	struct crypt_x25519	*x;
	uint8_t			 priv[CRYPT_X25519_LEN], out[CRYPT_X25519_LEN];
	int			 rv;

	if (md_sha256 == NULL &&
	    (md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return (-1);
	if (crypt_x25519_random(priv) == -1)
		return (-1);
	x = crypt_x25519_new(priv);
	OPENSSL_cleanse(priv, sizeof(priv));
	if (x == NULL)
		return (-1);
	rv = crypt_x25519_dh(x, x->pub, "", 0, out);
	OPENSSL_cleanse(out, sizeof(out));
	crypt_x25519_free(x);
	return (rv == 0 ? 0 : -1);
}
