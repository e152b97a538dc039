/* SPDX-License-Identifier: ISC */
/*
 * OpenSSL 3 wrappers for kadcrypt: SHA-256, HMAC-SHA-256, AES-256-CTR,
 * AES-256-GCM.
 *
 * The algorithms are fetched once (an implicit EVP_sha256()-style fetch
 * costs about a third of a 1 KiB hash) and every handle keeps its
 * context, so the per-chunk path is Init_ex2/Update/Final only.  This
 * and x25519.c (the node key) are kadcrypt's only OpenSSL wrappers;
 * kadnet/node_id.c, compiled in as well, hashes a public key with it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "aead.h"

/* EVP takes int lengths; feed larger buffers in slices of this size. */
#define EVP_SLICE	(1 << 30)

static EVP_MD		*md_sha256;
static EVP_CIPHER	*cipher_ctr;
static EVP_CIPHER	*cipher_gcm;
static EVP_MAC		*mac_hmac;

struct crypt_sha256 {
	EVP_MD_CTX	*ctx;
};

struct crypt_ctr {
	EVP_CIPHER_CTX	*ctx;
};

struct crypt_gcm {
	EVP_CIPHER_CTX	*enc;
	EVP_CIPHER_CTX	*dec;
};

int
crypt_aead_init(void)
{
	if (md_sha256 == NULL &&
	    (md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return (-1);
	if (cipher_ctr == NULL &&
	    (cipher_ctr = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL)) == NULL)
		return (-1);
	if (cipher_gcm == NULL &&
	    (cipher_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL)
		return (-1);
	if (mac_hmac == NULL &&
	    (mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (-1);
	return (0);
}

void
crypt_aead_cleanup(void)
{
	EVP_MD_free(md_sha256);
	EVP_CIPHER_free(cipher_ctr);
	EVP_CIPHER_free(cipher_gcm);
	EVP_MAC_free(mac_hmac);
	mac_hmac = NULL;
	md_sha256 = NULL;
	cipher_ctr = NULL;
	cipher_gcm = NULL;
}

int
crypt_random(void *buf, size_t len)
{
	unsigned char	*p = buf;
	size_t		 n;

	while (len > 0) {
		n = len > EVP_SLICE ? EVP_SLICE : len;
		if (RAND_bytes(p, (int)n) != 1)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

int
crypt_memeq(const void *a, const void *b, size_t len)
{
	return (CRYPTO_memcmp(a, b, len) == 0);
}

/* HMAC-SHA-256 of a || b (b may be empty); rare calls, no kept context. */
int
crypt_hmac(const uint8_t key[CRYPT_KEY_LEN], const void *a, size_t alen,
    const void *b, size_t blen, uint8_t out[CRYPT_HASH_LEN])
{
	OSSL_PARAM	 p[2];
	EVP_MAC_CTX	*c;
	size_t		 len = 0;
	int		 ok;

	if (crypt_aead_init() == -1 || alen > EVP_SLICE || blen > EVP_SLICE ||
	    (c = EVP_MAC_CTX_new(mac_hmac)) == NULL)
		return (-1);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(c, key, CRYPT_KEY_LEN, p) == 1 &&
	    EVP_MAC_update(c, a, alen) == 1 &&
	    (blen == 0 || EVP_MAC_update(c, b, blen) == 1) &&
	    EVP_MAC_final(c, out, &len, CRYPT_HASH_LEN) == 1 &&
	    len == CRYPT_HASH_LEN;
	EVP_MAC_CTX_free(c);
	return (ok ? 0 : -1);
}

struct crypt_sha256 *
crypt_sha256_new(void)
{
	struct crypt_sha256	*h;

	if (crypt_aead_init() == -1)
		return (NULL);
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	if ((h->ctx = EVP_MD_CTX_new()) == NULL ||
	    crypt_sha256_init(h) == -1) {
		crypt_sha256_free(h);
		return (NULL);
	}
	return (h);
}

int
crypt_sha256_init(struct crypt_sha256 *h)
{
	if (EVP_DigestInit_ex2(h->ctx, md_sha256, NULL) != 1)
		return (-1);
	return (0);
}

int
crypt_sha256_update(struct crypt_sha256 *h, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	size_t			 n;

	while (len > 0) {
		n = len > EVP_SLICE ? EVP_SLICE : len;
		if (EVP_DigestUpdate(h->ctx, p, n) != 1)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

int
crypt_sha256_final(struct crypt_sha256 *h, uint8_t out[CRYPT_HASH_LEN])
{
	unsigned int	 len = 0;

	if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 ||
	    len != CRYPT_HASH_LEN)
		return (-1);
	return (0);
}

int
crypt_sha256(struct crypt_sha256 *h, const void *buf, size_t len,
    uint8_t out[CRYPT_HASH_LEN])
{
	if (crypt_sha256_init(h) == -1 ||
	    crypt_sha256_update(h, buf, len) == -1 ||
	    crypt_sha256_final(h, out) == -1)
		return (-1);
	return (0);
}

void
crypt_sha256_free(struct crypt_sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

struct crypt_ctr *
crypt_ctr_new(const uint8_t key[CRYPT_KEY_LEN],
    const uint8_t iv[CRYPT_CTR_IV_LEN])
{
	struct crypt_ctr	*c;

	if (crypt_aead_init() == -1)
		return (NULL);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	if ((c->ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(c->ctx, cipher_ctr, key, iv, NULL) != 1) {
		crypt_ctr_free(c);
		return (NULL);
	}
	return (c);
}

int
crypt_ctr_xor(struct crypt_ctr *c, const uint8_t *in, uint8_t *out,
    size_t len)
{
	size_t	 n;
	int	 outl;

	while (len > 0) {
		n = len > EVP_SLICE ? EVP_SLICE : len;
		if (EVP_EncryptUpdate(c->ctx, out, &outl, in, (int)n) != 1 ||
		    outl != (int)n)
			return (-1);
		in += n;
		out += n;
		len -= n;
	}
	return (0);
}

void
crypt_ctr_free(struct crypt_ctr *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->ctx);	/* cleanses the key schedule */
	free(c);
}

struct crypt_gcm *
crypt_gcm_new(const uint8_t key[CRYPT_KEY_LEN])
{
	struct crypt_gcm	*g;

	if (crypt_aead_init() == -1)
		return (NULL);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return (NULL);
	/* Two contexts, so that neither ever switches direction. */
	if ((g->enc = EVP_CIPHER_CTX_new()) == NULL ||
	    (g->dec = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(g->enc, cipher_gcm, key, NULL, NULL) != 1 ||
	    EVP_DecryptInit_ex2(g->dec, cipher_gcm, key, NULL, NULL) != 1) {
		crypt_gcm_free(g);
		return (NULL);
	}
	return (g);
}

int
crypt_gcm_seal(struct crypt_gcm *g, const uint8_t nonce[CRYPT_GCM_NONCE_LEN],
    const uint8_t *in, size_t len, uint8_t *out,
    uint8_t tag[CRYPT_GCM_TAG_LEN])
{
	int	 outl, finl;

	if (len > INT_MAX)
		return (-1);
	if (EVP_EncryptInit_ex2(g->enc, NULL, NULL, nonce, NULL) != 1 ||
	    EVP_EncryptUpdate(g->enc, out, &outl, in, (int)len) != 1 ||
	    outl != (int)len ||
	    EVP_EncryptFinal_ex(g->enc, out + outl, &finl) != 1 || finl != 0 ||
	    EVP_CIPHER_CTX_ctrl(g->enc, EVP_CTRL_AEAD_GET_TAG,
	    CRYPT_GCM_TAG_LEN, tag) != 1)
		return (-1);
	return (0);
}

int
crypt_gcm_open(struct crypt_gcm *g, const uint8_t nonce[CRYPT_GCM_NONCE_LEN],
    const uint8_t *in, size_t len, const uint8_t tag[CRYPT_GCM_TAG_LEN],
    uint8_t *out)
{
	uint8_t	 t[CRYPT_GCM_TAG_LEN];
	int	 outl, finl;

	if (len > INT_MAX)
		return (-1);
	memcpy(t, tag, sizeof(t));	/* SET_TAG takes a non-const pointer */
	if (EVP_DecryptInit_ex2(g->dec, NULL, NULL, nonce, NULL) != 1 ||
	    EVP_DecryptUpdate(g->dec, out, &outl, in, (int)len) != 1 ||
	    outl != (int)len ||
	    EVP_CIPHER_CTX_ctrl(g->dec, EVP_CTRL_AEAD_SET_TAG,
	    CRYPT_GCM_TAG_LEN, t) != 1 ||
	    EVP_DecryptFinal_ex(g->dec, out + outl, &finl) != 1) {
		/* never hand out unauthenticated plaintext */
		explicit_bzero(out, len);
		return (-1);
	}
	return (0);
}

void
crypt_gcm_free(struct crypt_gcm *g)
{
	if (g == NULL)
		return;
	EVP_CIPHER_CTX_free(g->enc);
	EVP_CIPHER_CTX_free(g->dec);
	free(g);
}
