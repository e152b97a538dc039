/* SPDX-License-Identifier: ISC */
/*
 * sess_crypto: see sess_crypto.h.  The algorithms are fetched once, so
 * that nothing is looked up by name after the sandbox is closed; a
 * session's GCM key keeps its context (and so its key schedule), and
 * each datagram only sets the nonce.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sess_crypto.h"

#define DH_LABEL	"kad2 dh"	/* the same as kadcrypt's oracle */
#define DH_LABELLEN	7

static EVP_MD		*md_sha256;
static EVP_MAC		*mac_hmac;
static EVP_CIPHER	*ci_gcm;

struct sc_gcm {
	EVP_CIPHER_CTX	*c;
	int		 enc;
};

int
sc_init(void)
{
	if (md_sha256 == NULL &&
	    (md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return (-1);
	if (mac_hmac == NULL &&
	    (mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (-1);
	if (ci_gcm == NULL &&
	    (ci_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL)
		return (-1);
	return (0);
}

void
sc_cleanup(void)
{
	EVP_MD_free(md_sha256);
	EVP_MAC_free(mac_hmac);
	EVP_CIPHER_free(ci_gcm);
	md_sha256 = NULL;
	mac_hmac = NULL;
	ci_gcm = NULL;
}

int
sc_memeq(const void *a, const void *b, size_t len)
{
	return (CRYPTO_memcmp(a, b, len) == 0);
}

int
sc_sha256(const void *a, size_t alen, const void *b, size_t blen,
    uint8_t out[SC_HASH_LEN])
{
	EVP_MD_CTX	*c;
	unsigned int	 len = 0;
	int		 r = -1;

	if (sc_init() == -1 || (c = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex2(c, md_sha256, NULL) == 1 &&
	    (alen == 0 || EVP_DigestUpdate(c, a, alen) == 1) &&
	    (blen == 0 || EVP_DigestUpdate(c, b, blen) == 1) &&
	    EVP_DigestFinal_ex(c, out, &len) == 1 && len == SC_HASH_LEN)
		r = 0;
	EVP_MD_CTX_free(c);
	return (r);
}

int
sc_hmac(const uint8_t key[SC_HASH_LEN], const void *a, size_t alen,
    const void *b, size_t blen, uint8_t out[SC_HASH_LEN])
{
	EVP_MAC_CTX	*c;
	OSSL_PARAM	 p[2];
	size_t		 len = 0;
	int		 r = -1;

	if (sc_init() == -1 || (c = EVP_MAC_CTX_new(mac_hmac)) == NULL)
		return (-1);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(c, key, SC_HASH_LEN, p) == 1 &&
	    (alen == 0 || EVP_MAC_update(c, a, alen) == 1) &&
	    (blen == 0 || EVP_MAC_update(c, b, blen) == 1) &&
	    EVP_MAC_final(c, out, &len, SC_HASH_LEN) == 1 &&
	    len == SC_HASH_LEN)
		r = 0;
	EVP_MAC_CTX_free(c);
	return (r);
}

/* temp = HMAC(ck, ikm); out1 = HMAC(temp, 1); out2 = HMAC(temp, out1 || 2) */
int
sc_hkdf2(const uint8_t ck[SC_HASH_LEN], const void *ikm, size_t ikmlen,
    uint8_t out1[SC_HASH_LEN], uint8_t out2[SC_HASH_LEN])
{
	static const uint8_t	one = 1, two = 2;
	uint8_t			temp[SC_HASH_LEN], o1[SC_HASH_LEN];
	int			r = -1;

	if (sc_hmac(ck, ikm, ikmlen, NULL, 0, temp) == 0 &&
	    sc_hmac(temp, &one, 1, NULL, 0, o1) == 0 &&
	    sc_hmac(temp, o1, sizeof(o1), &two, 1, out2) == 0) {
		memcpy(out1, o1, SC_HASH_LEN);
		r = 0;
	}
	explicit_bzero(temp, sizeof(temp));
	explicit_bzero(o1, sizeof(o1));
	return (r);
}

void
sc_nonce(uint64_t n, uint8_t nonce[SC_NONCE_LEN])
{
	memset(nonce, 0, 4);
	be64enc(nonce + 4, n);
}

static EVP_CIPHER_CTX *
gcm_ctx(const uint8_t key[SC_KEY_LEN], int enc)
{
	EVP_CIPHER_CTX	*c;
	OSSL_PARAM	 p[2];
	size_t		 ivlen = SC_NONCE_LEN;

	if (sc_init() == -1 || (c = EVP_CIPHER_CTX_new()) == NULL)
		return (NULL);
	p[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN,
	    &ivlen);
	p[1] = OSSL_PARAM_construct_end();
	if ((enc ? EVP_EncryptInit_ex2(c, ci_gcm, key, NULL, p) :
	    EVP_DecryptInit_ex2(c, ci_gcm, key, NULL, p)) != 1) {
		EVP_CIPHER_CTX_free(c);
		return (NULL);
	}
	return (c);
}

struct sc_gcm *
sc_gcm_new(const uint8_t key[SC_KEY_LEN], int enc)
{
	struct sc_gcm	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return (NULL);
	g->enc = enc != 0;
	if ((g->c = gcm_ctx(key, g->enc)) == NULL) {
		free(g);
		return (NULL);
	}
	return (g);
}

void
sc_gcm_free(struct sc_gcm *g)
{
	if (g == NULL)
		return;
	EVP_CIPHER_CTX_free(g->c);	/* wipes the key schedule */
	free(g);
}

static int
seal(EVP_CIPHER_CTX *c, const uint8_t nonce[SC_NONCE_LEN],
    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
    uint8_t *out)
{
	int	n;

	if (len > INT_MAX || adlen > INT_MAX ||
	    EVP_EncryptInit_ex2(c, NULL, NULL, nonce, NULL) != 1 ||
	    (adlen > 0 && EVP_EncryptUpdate(c, NULL, &n, ad,
	    (int)adlen) != 1) ||
	    (len > 0 && (EVP_EncryptUpdate(c, out, &n, in, (int)len) != 1 ||
	    (size_t)n != len)) ||
	    EVP_EncryptFinal_ex(c, out + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, SC_TAG_LEN,
	    out + len) != 1)
		return (-1);
	return (0);
}

static int
open_(EVP_CIPHER_CTX *c, const uint8_t nonce[SC_NONCE_LEN],
    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
    uint8_t *out)
{
	uint8_t	tag[SC_TAG_LEN];
	size_t	clen;
	int	n;

	if (len < SC_TAG_LEN || len > INT_MAX || adlen > INT_MAX)
		return (-1);
	clen = len - SC_TAG_LEN;
	memcpy(tag, in + clen, SC_TAG_LEN);
	if (EVP_DecryptInit_ex2(c, NULL, NULL, nonce, NULL) != 1 ||
	    (adlen > 0 && EVP_DecryptUpdate(c, NULL, &n, ad,
	    (int)adlen) != 1) ||
	    (clen > 0 && (EVP_DecryptUpdate(c, out, &n, in, (int)clen) != 1 ||
	    (size_t)n != clen)) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, SC_TAG_LEN,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(c, out + clen, &n) != 1) {
		if (clen > 0)
			explicit_bzero(out, clen);
		return (-1);
	}
	return (0);
}

int
sc_gcm_seal(struct sc_gcm *g, const uint8_t nonce[SC_NONCE_LEN],
    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
    uint8_t *out)
{
	if (!g->enc)
		return (-1);
	return (seal(g->c, nonce, ad, adlen, in, len, out));
}

int
sc_gcm_open(struct sc_gcm *g, const uint8_t nonce[SC_NONCE_LEN],
    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
    uint8_t *out)
{
	if (g->enc)
		return (-1);
	return (open_(g->c, nonce, ad, adlen, in, len, out));
}

int
sc_aead_seal(const uint8_t key[SC_KEY_LEN], uint64_t n, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX	*c;
	uint8_t		 nonce[SC_NONCE_LEN];
	int		 r;

	if ((c = gcm_ctx(key, 1)) == NULL)
		return (-1);
	sc_nonce(n, nonce);
	r = seal(c, nonce, ad, adlen, in, len, out);
	EVP_CIPHER_CTX_free(c);
	return (r);
}

int
sc_aead_open(const uint8_t key[SC_KEY_LEN], uint64_t n, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX	*c;
	uint8_t		 nonce[SC_NONCE_LEN];
	int		 r;

	if ((c = gcm_ctx(key, 0)) == NULL)
		return (-1);
	sc_nonce(n, nonce);
	r = open_(c, nonce, ad, adlen, in, len, out);
	EVP_CIPHER_CTX_free(c);
	return (r);
}

int
sc_x25519_pub(const uint8_t priv[SC_KEY_LEN], uint8_t pub[SC_PUB_LEN])
{
	EVP_PKEY	*k;
	size_t		 len = SC_PUB_LEN;
	int		 r = -1;

	if ((k = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv,
	    SC_KEY_LEN)) == NULL)
		return (-1);
	if (EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 &&
	    len == SC_PUB_LEN)
		r = 0;
	EVP_PKEY_free(k);
	return (r);
}

/* SHA-256(label || X25519(priv, peer)); -1 for a point of small order. */
int
sc_x25519_dh(const uint8_t priv[SC_KEY_LEN], const uint8_t peer[SC_PUB_LEN],
    uint8_t out[SC_HASH_LEN])
{
	static const uint8_t	 zero[SC_KEY_LEN];
	EVP_PKEY		*k = NULL, *p = NULL;
	EVP_PKEY_CTX		*c = NULL;
	uint8_t			 raw[SC_KEY_LEN];
	size_t			 len = sizeof(raw);
	int			 r = -1;

	if ((k = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv,
	    SC_KEY_LEN)) == NULL ||
	    (p = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer,
	    SC_PUB_LEN)) == NULL ||
	    (c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_derive_init(c) == 1 &&
	    EVP_PKEY_derive_set_peer_ex(c, p, 0) == 1 &&
	    EVP_PKEY_derive(c, raw, &len) == 1 && len == SC_KEY_LEN &&
	    CRYPTO_memcmp(raw, zero, sizeof(raw)) != 0 &&
	    sc_sha256(DH_LABEL, DH_LABELLEN, raw, sizeof(raw), out) == 0)
		r = 0;
 out:
	explicit_bzero(raw, sizeof(raw));
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(p);
	EVP_PKEY_free(k);
	return (r);
}
