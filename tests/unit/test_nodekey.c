/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt's node key and static-key oracle (kadcrypt/nodekey.c,
 * x25519.c) on their own, and the key puzzle and kad_node_id
 * (kadnet/node_id.c).  What the oracle answers is checked against
 * values this test computes itself with OpenSSL's EVP calls (and, for
 * the X25519 step, against RFC 7748's published vector): a known key
 * and a fixed peer point give a known hashed DH; points of small order,
 * our own public key and a request over the budget are refused with
 * all-zero output; the budget refills with the injected clock; the key
 * file's length, magic and halves are checked, and its key against the
 * puzzle (a key ground offline passes the protocol's, RFC 7748's Alice
 * fails it).  The node IDs and puzzle hashes below were computed with
 * the openssl command line (the commands are beside them), not by the
 * code under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "kadipc_msg.h"
#include "kadcrypt/nodekey.h"
#include "kadnet/krpc.h"
#include "kadnet/node_id.h"
#include "tests/test.h"

/* RFC 7748, section 6.1: Alice's and Bob's keys and their shared K */
static const char alice_priv_hex[] =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char alice_pub_hex[] =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char bob_pub_hex[] =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char shared_k_hex[] =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

/*
 * Alice's puzzle hash, which starts with no zero bit at all:
 *   (printf 'kad2 puzzle'; echo ALICE_PUB | xxd -r -p) | openssl dgst -sha256
 */
static const char alice_puzzle_hex[] =
    "846da0f6964203e8ccd8256dad883071b92fb9c4a86dda3e0c706d59789bc091";

/*
 * Alice's node ID in four networks, NET the 8-byte network word:
 *   (printf 'kad2 id'; echo ALICE_PUB NET | tr -d ' ' | xxd -r -p) |
 *       openssl dgst -sha256
 */
static const struct {
	const char	*what;
	uint8_t		 family;
	uint8_t		 ip[16];
	const char	*id_hex;
} alice_ids[] = {
	{ "192.0.2.7, /24 word 04c0000200000000", 4, { 192, 0, 2, 7 },
	  "868d97dbbd330d59d4a620eafe34596ce26af40c75f4bf08e19282cf328aebac" },
	{ "192.0.2.200: the same /24, the same ID", 4, { 192, 0, 2, 200 },
	  "868d97dbbd330d59d4a620eafe34596ce26af40c75f4bf08e19282cf328aebac" },
	{ "::ffff:192.0.2.7: its IPv4 /24", 6,
	  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7 },
	  "868d97dbbd330d59d4a620eafe34596ce26af40c75f4bf08e19282cf328aebac" },
	{ "127.0.0.2, loopback word 6c7f000002000000", 4, { 127, 0, 0, 2 },
	  "fcf1e6e340d60027a56b2d7d50812f4a3ccb8f86fc5324b1c5c6efcd22672781" },
	{ "2001:db8:1::9, /48 word 0620010db8000100", 6,
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 },
	  "c4dc3161a0b3bf1f19cc2094d9c7b748b81eb5b9658a94c41548ad8b58584256" },
	{ "::1, word 4c00000000000000", 6,
	  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  "5c263c6f9cd4f9442ac72ddf4f103eec8e914302c7f31b889a3817a6dc1296dc" },
};

/*
 * A key ground offline until its puzzle hash started with 20 zero bits
 * (more than KAD_PUZZLE_BITS, so it passes the protocol's puzzle): the
 * private key is SHA-256("kad puzzle test key 195570"), clamped.  Its
 * public key, and the puzzle hash, by
 *   echo 302e020100300506032b656e04220420PRIV | xxd -r -p |
 *       openssl pkey -inform DER -pubout -outform DER | tail -c 32 | xxd -p
 *   (printf 'kad2 puzzle'; echo PUB | xxd -r -p) | openssl dgst -sha256
 */
static const char ground_priv_hex[] =
    "f03d657d9916aae2933e88347fd2bd02a17ce433bf4c50bd9b6633d749169953";
static const char ground_pub_hex[] =
    "ed08b9244d3f63f183617af6b9749cd02914c651394da828f692e2a7ed76ae18";
static const char ground_puzzle_hex[] =
    "00000d1d94b06fbc0d14268b39db5e5cebfbe197e05f58bb8f298fef31f6efe9";

/* points whose X25519 result is all zero, whatever the scalar */
static const char *const small_order_hex[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static void
unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t		 i;
	unsigned int	 v;

	for (i = 0; i < len; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
}

static int
iszero(const uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return (0);
	return (1);
}

static void
sha256(const void *a, size_t alen, const void *b, size_t blen,
    uint8_t out[32])
{
	EVP_MD_CTX	*h;
	unsigned int	 len = 0;

	if ((h = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(h, a, alen) != 1 ||
	    (blen > 0 && EVP_DigestUpdate(h, b, blen) != 1) ||
	    EVP_DigestFinal_ex(h, out, &len) != 1 || len != 32)
		abort();
	EVP_MD_CTX_free(h);
}

/* X25519 of a raw private key and a raw peer point, by OpenSSL's EVP */
static int
ref_x25519(const uint8_t priv[32], const uint8_t peer[32], uint8_t out[32])
{
	EVP_PKEY	*k, *p;
	EVP_PKEY_CTX	*c;
	size_t		 len = 32;
	int		 ok;

	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, 32);
	c = k != NULL ? EVP_PKEY_CTX_new(k, NULL) : NULL;
	ok = c != NULL && p != NULL && EVP_PKEY_derive_init(c) == 1 &&
	    EVP_PKEY_derive_set_peer(c, p) == 1 &&
	    EVP_PKEY_derive(c, out, &len) == 1 && len == 32;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
	return (ok ? 0 : -1);
}

/* The public key of a raw private key, by OpenSSL's EVP */
static int
ref_public(const uint8_t priv[32], uint8_t pub[32])
{
	EVP_PKEY	*k;
	size_t		 len = 32;
	int		 ok;

	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	ok = k != NULL && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 &&
	    len == 32;
	EVP_PKEY_free(k);
	return (ok ? 0 : -1);
}

static void
alice_file(uint8_t file[KADIPC_NODE_KEY_LEN])
{
	memcpy(file, "KDK1", 4);
	unhex(alice_priv_hex, file + 4, 32);
	unhex(alice_pub_hex, file + 36, 32);
}

/* leading zero bits of a 32-byte hash, counted here */
static int
zeros(const uint8_t md[32])
{
	int	n = 0, i, b;

	for (i = 0; i < 32; i++)
		for (b = 7; b >= 0; b--) {
			if (md[i] & (1 << b))
				return (n);
			n++;
		}
	return (n);
}

static void
test_node_id(void)
{
	struct krpc_addr a;
	uint8_t		 pub[32], id[32], want[32], md[32], buf[47];
	size_t		 i;

	unhex(alice_pub_hex, pub, sizeof(pub));
	for (i = 0; i < nitems(alice_ids); i++) {
		memset(&a, 0, sizeof(a));
		a.family = alice_ids[i].family;
		a.port = 4242;
		memcpy(a.ip, alice_ids[i].ip, 16);
		unhex(alice_ids[i].id_hex, want, sizeof(want));
		CHECK(kad_node_id(pub, &a, id) == 0 &&
		    memcmp(id, want, 32) == 0, "Alice's node ID at %s",
		    alice_ids[i].what);
	}
	/* the same by this test's own hash of label, key and word */
	memcpy(buf, "kad2 id", 7);
	memcpy(buf + 7, pub, 32);
	memcpy(buf + 39, "\x04\xc0\x00\x02\x00\x00\x00\x00", 8);
	sha256(buf, sizeof(buf), NULL, 0, want);
	CHECK(kad_node_id_net(pub, 0x04c0000200000000ULL, id) == 0 &&
	    memcmp(id, want, 32) == 0, "kad_node_id_net: SHA-256(\"kad2 id\" "
	    "|| key || the network word, big-endian)");

	unhex(alice_puzzle_hex, want, sizeof(want));
	sha256("kad2 puzzle", 11, pub, 32, md);
	CHECK(memcmp(md, want, 32) == 0 && kad_puzzle_zeros(pub) == 0 &&
	    zeros(md) == 0, "Alice's puzzle hash has no leading zero bit");
	CHECK(kad_puzzle_ok(pub, 0) && !kad_puzzle_ok(pub, 1) &&
	    !kad_puzzle_ok(pub, KAD_PUZZLE_BITS), "...so she passes no "
	    "puzzle but the empty one");
	unhex(ground_pub_hex, pub, sizeof(pub));
	unhex(ground_puzzle_hex, want, sizeof(want));
	sha256("kad2 puzzle", 11, pub, 32, md);
	CHECK(memcmp(md, want, 32) == 0 && zeros(md) == 20 &&
	    kad_puzzle_zeros(pub) == 20, "the ground key's puzzle hash: 20 "
	    "zero bits");
	CHECK(20 >= KAD_PUZZLE_BITS && kad_puzzle_ok(pub, KAD_PUZZLE_BITS) &&
	    kad_puzzle_ok(pub, 20) && !kad_puzzle_ok(pub, 21),
	    "...it passes the protocol's puzzle (%d bits) and 20, not 21",
	    KAD_PUZZLE_BITS);
}

static void
ground_file(uint8_t file[KADIPC_NODE_KEY_LEN])
{
	memcpy(file, "KDK1", 4);
	unhex(ground_priv_hex, file + 4, 32);
	unhex(ground_pub_hex, file + 36, 32);
}

/* The protocol's puzzle on loading: a ground key passes, Alice fails. */
static void
test_load_puzzle(void)
{
	struct nodekey	*k;
	uint8_t		 file[KADIPC_NODE_KEY_LEN], pub[32];

	if ((k = nodekey_new(0)) == NULL)
		abort();
	alice_file(file);
	CHECK(nodekey_load(k, file, sizeof(file), KAD_PUZZLE_BITS) ==
	    KADIPC_IDENT_PUZZLE && !nodekey_ready(k), "RFC 7748's Alice, "
	    "with the protocol's puzzle: refused (PUZZLE), no key");
	ground_file(file);
	CHECK(ref_public(file + 4, pub) == 0 && memcmp(pub, file + 36, 32) ==
	    0, "the ground key's public half is OpenSSL's of its private one");
	CHECK(nodekey_load(k, file, sizeof(file), KAD_PUZZLE_BITS) ==
	    KADIPC_IDENT_LOADED && memcmp(nodekey_public(k), pub, 32) == 0,
	    "the ground key loads with the protocol's puzzle");
	explicit_bzero(file, sizeof(file));
	nodekey_free(k);
}

static void
test_load(void)
{
	struct nodekey	*k;
	uint8_t		 file[KADIPC_NODE_KEY_LEN + 1], pub[32];

	unhex(alice_pub_hex, pub, sizeof(pub));
	if ((k = nodekey_new(0)) == NULL)
		abort();
	CHECK(!nodekey_ready(k) && nodekey_public(k) == NULL,
	    "no key before one is loaded");
	alice_file(file);
	CHECK(nodekey_load(k, file, KADIPC_NODE_KEY_LEN - 1, 0) ==
	    KADIPC_IDENT_BADSIZE, "a file one byte short: BADSIZE");
	CHECK(nodekey_load(k, file, KADIPC_NODE_KEY_LEN + 1, 0) ==
	    KADIPC_IDENT_BADSIZE, "a file one byte long: BADSIZE");
	CHECK(nodekey_load(k, file, 0, 0) == KADIPC_IDENT_BADSIZE,
	    "an empty file: BADSIZE");
	file[3] = '2';
	CHECK(nodekey_load(k, file, KADIPC_NODE_KEY_LEN, 0) ==
	    KADIPC_IDENT_BADMAGIC, "magic KDK2: BADMAGIC");
	alice_file(file);
	file[36 + 31] ^= 0x01;
	CHECK(nodekey_load(k, file, KADIPC_NODE_KEY_LEN, 0) ==
	    KADIPC_IDENT_MISMATCH, "a public half with one bit changed: "
	    "MISMATCH");
	alice_file(file);
	file[4 + 5] ^= 0x80;
	CHECK(nodekey_load(k, file, KADIPC_NODE_KEY_LEN, 0) ==
	    KADIPC_IDENT_MISMATCH, "a private half with one bit changed: "
	    "MISMATCH");
	CHECK(!nodekey_ready(k), "still no key after the refusals");
	alice_file(file);
	CHECK(nodekey_load(k, file, KADIPC_NODE_KEY_LEN, 0) ==
	    KADIPC_IDENT_LOADED && nodekey_ready(k), "RFC 7748's Alice loads");
	CHECK(memcmp(nodekey_public(k), pub, 32) == 0,
	    "her public key (no puzzle asked)");
	CHECK(nodekey_load(k, file, KADIPC_NODE_KEY_LEN, 0) ==
	    KADIPC_IDENT_IOERROR, "a second key is refused");
	nodekey_free(k);
}

static void
test_create(void)
{
	struct nodekey	*a, *b;
	uint8_t		 fa[KADIPC_NODE_KEY_LEN], fb[KADIPC_NODE_KEY_LEN];
	uint8_t		 pub[32], md[32], s1[32], s2[32];
	uint64_t	 tries = 0, t2;

	if ((a = nodekey_new(0)) == NULL || (b = nodekey_new(0)) == NULL)
		abort();
	CHECK(nodekey_create(a, 10, fa, &tries) == 0 && nodekey_ready(a) &&
	    tries >= 1, "a new key pair for a 10-bit puzzle (%llu drawn)",
	    (unsigned long long)tries);
	CHECK(memcmp(fa, "KDK1", 4) == 0 && ref_public(fa + 4, pub) == 0 &&
	    memcmp(fa + 36, pub, 32) == 0 &&
	    memcmp(nodekey_public(a), pub, 32) == 0,
	    "its file: KDK1, the private key, and the public key OpenSSL "
	    "derives from it");
	sha256("kad2 puzzle", 11, pub, 32, md);
	CHECK(zeros(md) >= 10, "its puzzle hash, computed here, starts with "
	    "10 zero bits or more (%d)", zeros(md));
	CHECK(nodekey_create(a, 10, fb, &t2) == -1 && iszero(fb, sizeof(fb)),
	    "a second key is refused, nothing written");
	CHECK(nodekey_load(b, fa, sizeof(fa), 10) == KADIPC_IDENT_LOADED &&
	    memcmp(nodekey_public(b), pub, 32) == 0,
	    "the saved file loads as the same key, puzzle and all");
	nodekey_free(b);
	if ((b = nodekey_new(0)) == NULL ||
	    nodekey_create(b, 0, fb, &t2) != 0 || t2 != 1)
		abort();
	CHECK(memcmp(fa + 4, fb + 4, 32) != 0, "two new keys differ");
	CHECK(nodekey_dh(a, nodekey_public(b), 0, s1) == KADIPC_DH_OK &&
	    nodekey_dh(b, nodekey_public(a), 0, s2) == KADIPC_DH_OK &&
	    memcmp(s1, s2, 32) == 0 && !iszero(s1, 32),
	    "two nodes' oracles agree on their shared value");
	explicit_bzero(fa, sizeof(fa));
	explicit_bzero(fb, sizeof(fb));
	nodekey_free(a);
	nodekey_free(b);
}

static void
test_dh(void)
{
	const struct nodekey_stats *st;
	struct nodekey	*k;
	uint8_t		 file[KADIPC_NODE_KEY_LEN], priv[32], bob[32];
	uint8_t		 k_ref[32], k_rfc[32], want[32], shared[32], pt[32];
	size_t		 i;
	int		 r;

	if ((k = nodekey_new(0)) == NULL)
		abort();
	memset(shared, 0xaa, sizeof(shared));
	unhex(bob_pub_hex, bob, sizeof(bob));
	CHECK(nodekey_dh(k, bob, 0, shared) == -1 && iszero(shared, 32),
	    "a DH before the key is loaded fails, output zero");
	alice_file(file);
	if (nodekey_load(k, file, sizeof(file), 0) != KADIPC_IDENT_LOADED)
		abort();

	/* the expected value, computed here without the code under test */
	unhex(alice_priv_hex, priv, sizeof(priv));
	unhex(shared_k_hex, k_rfc, sizeof(k_rfc));
	CHECK(ref_x25519(priv, bob, k_ref) == 0 &&
	    memcmp(k_ref, k_rfc, 32) == 0,
	    "OpenSSL's X25519 of Alice and Bob is RFC 7748's K");
	sha256("kad2 dh", 7, k_rfc, 32, want);
	CHECK(nodekey_dh(k, bob, 0, shared) == KADIPC_DH_OK &&
	    memcmp(shared, want, 32) == 0,
	    "shared = SHA-256(\"kad2 dh\" || K) for Alice's key and Bob's "
	    "point");
	CHECK(memcmp(shared, k_rfc, 32) != 0,
	    "the raw X25519 output is never what comes out");

	for (i = 0; i < nitems(small_order_hex); i++) {
		unhex(small_order_hex[i], pt, sizeof(pt));
		memset(shared, 0xaa, sizeof(shared));
		r = nodekey_dh(k, pt, 0, shared);
		CHECK(r == KADIPC_DH_BADPOINT && iszero(shared, 32),
		    "point of small order %.8s...: BADPOINT, output zero (%d)",
		    small_order_hex[i], r);
	}
	memset(shared, 0xaa, sizeof(shared));
	CHECK(nodekey_dh(k, nodekey_public(k), 0, shared) == KADIPC_DH_SELF &&
	    iszero(shared, 32), "our own public key: SELF, output zero");

	st = nodekey_stats(k);
	CHECK(st->requests == 1 + nitems(small_order_hex) + 1 &&
	    st->refused[KADIPC_DH_BADPOINT] == nitems(small_order_hex) &&
	    st->refused[KADIPC_DH_SELF] == 1 &&
	    st->refused[KADIPC_DH_BUSY] == 0 &&
	    st->refused[KADIPC_DH_OK] == 0,
	    "requests and refusals counted by reason");
	explicit_bzero(file, sizeof(file));
	explicit_bzero(priv, sizeof(priv));
	nodekey_free(k);
}

static void
test_budget(void)
{
	const struct nodekey_stats *st;
	struct nodekey	*k;
	uint8_t		 file[KADIPC_NODE_KEY_LEN], bob[32], shared[32];
	uint64_t	 t0 = 1000000;
	int		 i, ok, r;

	if ((k = nodekey_new(t0)) == NULL)
		abort();
	alice_file(file);
	if (nodekey_load(k, file, sizeof(file), 0) != KADIPC_IDENT_LOADED)
		abort();
	unhex(bob_pub_hex, bob, sizeof(bob));

	for (i = 0, ok = 0; i < KADIPC_DH_BURST; i++)
		ok += nodekey_dh(k, bob, t0, shared) == KADIPC_DH_OK;
	CHECK(ok == KADIPC_DH_BURST, "a burst of %d at one instant: all "
	    "answered (%d)", KADIPC_DH_BURST, ok);
	memset(shared, 0xaa, sizeof(shared));
	r = nodekey_dh(k, bob, t0, shared);
	CHECK(r == KADIPC_DH_BUSY && iszero(shared, 32),
	    "request %d of the burst: BUSY, output zero", KADIPC_DH_BURST + 1);
	CHECK(nodekey_dh(k, nodekey_public(k), t0, shared) == KADIPC_DH_SELF,
	    "our own key is still SELF when the budget is spent");
	CHECK(nodekey_dh(k, bob, t0 - 5000, shared) == KADIPC_DH_BUSY,
	    "a clock that goes back refills nothing");

	/* 1 ms later: KADIPC_DH_RATE / 1000 tokens */
	for (i = 0, ok = 0; i < 10; i++)
		ok += nodekey_dh(k, bob, t0 + 1, shared) == KADIPC_DH_OK;
	CHECK(ok == KADIPC_DH_RATE / 1000, "1 ms later: %d answered (%d)",
	    KADIPC_DH_RATE / 1000, ok);
	/* a quarter of a second: a quarter of the rate */
	for (i = 0, ok = 0; i < KADIPC_DH_RATE; i++)
		ok += nodekey_dh(k, bob, t0 + 251, shared) == KADIPC_DH_OK;
	CHECK(ok == KADIPC_DH_RATE / 4, "250 ms more: %d answered (%d)",
	    KADIPC_DH_RATE / 4, ok);
	/* a long pause fills the bucket to the burst, not beyond */
	for (i = 0, ok = 0; i < KADIPC_DH_BURST + 10; i++)
		ok += nodekey_dh(k, bob, t0 + 3600 * 1000, shared) ==
		    KADIPC_DH_OK;
	CHECK(ok == KADIPC_DH_BURST, "after an hour: the burst again, no "
	    "more (%d)", ok);
	st = nodekey_stats(k);
	CHECK(st->refused[KADIPC_DH_BUSY] == 1 + 1 + 6 + 3000 + 10,
	    "BUSY refusals counted (%llu)",
	    (unsigned long long)st->refused[KADIPC_DH_BUSY]);
	explicit_bzero(file, sizeof(file));
	nodekey_free(k);
}

int
main(void)
{
	test_node_id();
	test_load();
	test_load_puzzle();
	test_create();
	test_dh();
	test_budget();
	return (test_done());
}
