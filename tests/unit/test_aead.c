/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadcrypt/aead.c: published test vectors for SHA-256
 * (FIPS 180-2), AES-256-CTR (SP 800-38A F.5.5) and AES-256-GCM (the
 * GCM spec's test cases 13 and 14), context reuse, streaming, and
 * rejection of every kind of tampering on open.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadcrypt/aead.h"
#include "tests/test.h"

static void
unhex(const char *s, uint8_t *out, size_t len)
{
	size_t		 i;
	unsigned int	 v;

	for (i = 0; i < len; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			v = 0;
		out[i] = (uint8_t)v;
	}
}

static void
test_sha256(void)
{
	struct crypt_sha256	*h;
	uint8_t			 md[32], want[32], md2[32];
	uint8_t			 big[3000];
	size_t			 i;

	CHECK((h = crypt_sha256_new()) != NULL, "sha256_new");
	if (h == NULL)
		return;
	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2"
	    "0015ad", want, 32);
	CHECK(crypt_sha256(h, "abc", 3, md) == 0 &&
	    memcmp(md, want, 32) == 0, "SHA-256(abc)");
	unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b78"
	    "52b855", want, 32);
	/* the same context again: reuse must not carry state over */
	CHECK(crypt_sha256(h, "", 0, md) == 0 && memcmp(md, want, 32) == 0,
	    "SHA-256(empty) on a reused context");
	unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419"
	    "db06c1", want, 32);
	CHECK(crypt_sha256(h, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmn"
	    "lmnomnopnopq", 56, md) == 0 && memcmp(md, want, 32) == 0,
	    "SHA-256 two-block message");

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	CHECK(crypt_sha256(h, big, sizeof(big), md) == 0, "one shot");
	CHECK(crypt_sha256_init(h) == 0 &&
	    crypt_sha256_update(h, big, 1) == 0 &&
	    crypt_sha256_update(h, big + 1, 1000) == 0 &&
	    crypt_sha256_update(h, big + 1001, 0) == 0 &&
	    crypt_sha256_update(h, big + 1001, sizeof(big) - 1001) == 0 &&
	    crypt_sha256_final(h, md2) == 0 && memcmp(md, md2, 32) == 0,
	    "incremental equals one shot");
	crypt_sha256_free(h);
}

static void
test_ctr(void)
{
	struct crypt_ctr	*c;
	uint8_t			 key[32], iv[16], pt[64], ct[64], out[64];
	size_t			 off, n;

	unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a309"
	    "14dff4", key, 32);
	unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, 16);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45"
	    "af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b41"
	    "7be66c3710", pt, 64);
	unhex("601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990ca"
	    "caf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd"
	    "08457941a6", ct, 64);

	CHECK((c = crypt_ctr_new(key, iv)) != NULL, "ctr_new");
	if (c == NULL)
		return;
	CHECK(crypt_ctr_xor(c, pt, out, 64) == 0 && memcmp(out, ct, 64) == 0,
	    "AES-256-CTR SP 800-38A F.5.5");
	crypt_ctr_free(c);

	/* odd pieces: the key stream continues across calls */
	c = crypt_ctr_new(key, iv);
	for (off = 0, n = 1; off < 64; off += n, n += 4) {
		if (n > 64 - off)
			n = 64 - off;
		if (crypt_ctr_xor(c, ct + off, out + off, n) == -1)
			break;
	}
	CHECK(off == 64 && memcmp(out, pt, 64) == 0,
	    "CTR decrypts in odd-sized pieces");
	crypt_ctr_free(c);
}

static void
test_gcm(void)
{
	struct crypt_gcm	*g;
	uint8_t			 key[32], nonce[12], pt[16], ct[16], tag[16];
	uint8_t			 want[16], wtag[16], out[16], bad[16];

	memset(key, 0, sizeof(key));
	memset(nonce, 0, sizeof(nonce));
	memset(pt, 0, sizeof(pt));
	CHECK((g = crypt_gcm_new(key)) != NULL, "gcm_new");
	if (g == NULL)
		return;
	unhex("530f8afbc74536b9a963b4f1c4cb738b", wtag, 16);
	CHECK(crypt_gcm_seal(g, nonce, pt, 0, ct, tag) == 0 &&
	    memcmp(tag, wtag, 16) == 0, "GCM test case 13 (empty)");
	unhex("cea7403d4d606b6e074ec5d3baf39d18", want, 16);
	unhex("d0d1c8a799996bf0265b98b5d48ab919", wtag, 16);
	CHECK(crypt_gcm_seal(g, nonce, pt, 16, ct, tag) == 0 &&
	    memcmp(ct, want, 16) == 0 && memcmp(tag, wtag, 16) == 0,
	    "GCM test case 14");
	CHECK(crypt_gcm_open(g, nonce, ct, 16, tag, out) == 0 &&
	    memcmp(out, pt, 16) == 0, "GCM open");

	memcpy(bad, ct, 16);
	bad[5] ^= 1;
	memset(out, 0xaa, sizeof(out));
	CHECK(crypt_gcm_open(g, nonce, bad, 16, tag, out) == -1,
	    "GCM rejects a flipped ciphertext bit");
	memset(bad, 0, sizeof(bad));
	CHECK(memcmp(out, bad, 16) == 0, "failed open wipes the output");
	memcpy(bad, tag, 16);
	bad[15] ^= 0x80;
	CHECK(crypt_gcm_open(g, nonce, ct, 16, bad, out) == -1,
	    "GCM rejects a flipped tag bit");
	nonce[11] = 1;
	CHECK(crypt_gcm_open(g, nonce, ct, 16, tag, out) == -1,
	    "GCM rejects another nonce");
	nonce[11] = 0;
	CHECK(crypt_gcm_open(g, nonce, ct, 16, tag, out) == 0,
	    "open still works after failures");
	crypt_gcm_free(g);

	key[0] = 1;
	g = crypt_gcm_new(key);
	CHECK(g != NULL && crypt_gcm_open(g, nonce, ct, 16, tag, out) == -1,
	    "GCM rejects another key");
	crypt_gcm_free(g);
}

static void
test_misc(void)
{
	uint8_t	 a[32], b[32];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CHECK(crypt_random(a, sizeof(a)) == 0 &&
	    crypt_random(b, sizeof(b)) == 0 && memcmp(a, b, 32) != 0,
	    "two random draws differ");
	memcpy(b, a, sizeof(b));
	CHECK(crypt_memeq(a, b, 32) == 1, "memeq equal");
	b[31] ^= 1;
	CHECK(crypt_memeq(a, b, 32) == 0, "memeq differs in the last byte");
	CHECK(crypt_aead_init() == 0 && crypt_aead_init() == 0,
	    "init is idempotent");
}

int
main(void)
{
	test_sha256();
	test_ctr();
	test_gcm();
	test_misc();
	crypt_aead_cleanup();
	return (test_done());
}
