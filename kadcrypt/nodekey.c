/* SPDX-License-Identifier: ISC */
/*
 * The node key and the static-key oracle (nodekey.h).  The private key
 * is handed to OpenSSL (x25519.c) as soon as it is read and kept only in
 * its EVP_PKEY; the file bytes are the caller's to wipe, and every
 * buffer here that held key material is wiped before it goes.  A new
 * key is ground against the puzzle: each pair drawn that fails is
 * freed (OpenSSL cleanses it) and its private bytes overwritten by the
 * next draw, so only the pair kept is left.
 *
 * The oracle's checks, in the order they are made, so that a refusal
 * costs as little as it can: the peer point is not our own public key
 * (SELF, a compare), a token is left (BUSY, arithmetic), and the X25519
 * result is not all zero (BADPOINT, which takes the DH itself, so it
 * costs a token).  Every request is counted, and every refusal by its
 * reason.
 */
#include <bsd/stdlib.h>
#include <stdlib.h>
#include <string.h>

#include "kadipc_msg.h"
#include "kadnet/node_id.h"
#include "aead.h"
#include "nodekey.h"
#include "x25519.h"

_Static_assert(KADIPC_KEY_LEN == CRYPT_X25519_LEN, "key lengths");
_Static_assert(KAD_NODE_PUB_LEN == CRYPT_X25519_LEN, "public key length");
_Static_assert(KAD_NODE_ID_LEN == KADIPC_KEY_LEN, "node ID length");
_Static_assert(KADIPC_NODE_KEY_LEN == 68, "the node key file");

/* the bucket counts thousandths of a token: RATE of them a millisecond */
#define MILLI		1000ULL
#define BUCKET_MAX	((uint64_t)KADIPC_DH_BURST * MILLI)

struct nodekey {
	struct crypt_x25519	*key;
	uint8_t			 local[CRYPT_KEY_LEN];	/* nodekey_local */
	uint64_t		 tokens;	/* thousandths */
	uint64_t		 last;		/* ms of the last refill */
	struct nodekey_stats	 stats;
};

struct nodekey *
nodekey_new(uint64_t now)
{
	struct nodekey	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return (NULL);
	k->tokens = BUCKET_MAX;
	k->last = now;
	return (k);
}

void
nodekey_free(struct nodekey *k)
{
	if (k == NULL)
		return;
	crypt_x25519_free(k->key);
	freezero(k, sizeof(*k));
}

static int
set_key(struct nodekey *k, struct crypt_x25519 *x, const uint8_t *priv)
{
	if (crypt_hmac(priv, NODEKEY_LOCAL_LABEL, sizeof(NODEKEY_LOCAL_LABEL) -
	    1, NULL, 0, k->local) == -1) {
		crypt_x25519_free(x);
		return (-1);
	}
	k->key = x;
	return (0);
}

int
nodekey_create(struct nodekey *k, unsigned bits,
    uint8_t file[KADIPC_NODE_KEY_LEN], uint64_t *tries)
{
	struct crypt_x25519	*x;
	uint8_t			*priv, *pub;

	memset(file, 0, KADIPC_NODE_KEY_LEN);
	*tries = 0;
	if (k->key != NULL)
		return (-1);
	priv = file + KADIPC_NODE_KEY_MAGICLEN;
	pub = priv + CRYPT_X25519_LEN;
	for (;;) {
		(*tries)++;
		if (crypt_x25519_random(priv) == -1 ||
		    (x = crypt_x25519_new(priv)) == NULL) {
			explicit_bzero(file, KADIPC_NODE_KEY_LEN);
			return (-1);
		}
		if (kad_puzzle_ok(crypt_x25519_public(x), bits))
			break;
		crypt_x25519_free(x);
	}
	memcpy(file, KADIPC_NODE_KEY_MAGIC, KADIPC_NODE_KEY_MAGICLEN);
	memcpy(pub, crypt_x25519_public(x), CRYPT_X25519_LEN);
	if (set_key(k, x, priv) == -1) {
		explicit_bzero(file, KADIPC_NODE_KEY_LEN);
		return (-1);
	}
	return (0);
}

int
nodekey_load(struct nodekey *k, const uint8_t *file, size_t len,
    unsigned bits)
{
	const uint8_t		*priv, *pub;
	struct crypt_x25519	*x;

	if (k->key != NULL)
		return (KADIPC_IDENT_IOERROR);
	if (len != KADIPC_NODE_KEY_LEN)
		return (KADIPC_IDENT_BADSIZE);
	if (memcmp(file, KADIPC_NODE_KEY_MAGIC, KADIPC_NODE_KEY_MAGICLEN) != 0)
		return (KADIPC_IDENT_BADMAGIC);
	priv = file + KADIPC_NODE_KEY_MAGICLEN;
	pub = priv + CRYPT_X25519_LEN;
	if ((x = crypt_x25519_new(priv)) == NULL)
		return (KADIPC_IDENT_IOERROR);
	if (!crypt_memeq(crypt_x25519_public(x), pub, CRYPT_X25519_LEN)) {
		crypt_x25519_free(x);
		return (KADIPC_IDENT_MISMATCH);
	}
	/* a key made before the puzzle: every peer would refuse it */
	if (!kad_puzzle_ok(pub, bits)) {
		crypt_x25519_free(x);
		return (KADIPC_IDENT_PUZZLE);
	}
	if (set_key(k, x, priv) == -1)
		return (KADIPC_IDENT_IOERROR);
	return (KADIPC_IDENT_LOADED);
}

int
nodekey_ready(const struct nodekey *k)
{
	return (k->key != NULL);
}

const uint8_t *
nodekey_public(const struct nodekey *k)
{
	return (k->key != NULL ? crypt_x25519_public(k->key) : NULL);
}

const uint8_t *
nodekey_local(const struct nodekey *k)
{
	return (k->key != NULL ? k->local : NULL);
}

/* Refill for the time since the last call, then take one token: 0/-1. */
static int
take_token(struct nodekey *k, uint64_t now)
{
	uint64_t	 add;

	if (now > k->last) {
		/* a long pause fills the bucket: no overflow either way */
		if (now - k->last >= BUCKET_MAX / KADIPC_DH_RATE + 1)
			add = BUCKET_MAX;
		else
			add = (now - k->last) * KADIPC_DH_RATE;
		k->tokens = k->tokens + add > BUCKET_MAX ? BUCKET_MAX :
		    k->tokens + add;
		k->last = now;
	}
	/* a clock that goes back refills nothing, and is not followed */
	if (k->tokens < MILLI)
		return (-1);
	k->tokens -= MILLI;
	return (0);
}

int
nodekey_dh(struct nodekey *k, const uint8_t peer[KADIPC_KEY_LEN],
    uint64_t now, uint8_t shared[KADIPC_KEY_LEN])
{
	int	 r, status;

	memset(shared, 0, KADIPC_KEY_LEN);
	if (k->key == NULL)
		return (-1);
	k->stats.requests++;
	if (crypt_memeq(peer, crypt_x25519_public(k->key), KADIPC_KEY_LEN))
		status = KADIPC_DH_SELF;
	else if (take_token(k, now) == -1)
		status = KADIPC_DH_BUSY;
	else if ((r = crypt_x25519_dh(k->key, peer, KADIPC_DH_LABEL,
	    KADIPC_DH_LABELLEN, shared)) == -1)
		return (-1);
	else
		status = r == 0 ? KADIPC_DH_OK : KADIPC_DH_BADPOINT;
	if (status != KADIPC_DH_OK) {
		explicit_bzero(shared, KADIPC_KEY_LEN);
		k->stats.refused[status]++;
	}
	return (status);
}

const struct nodekey_stats *
nodekey_stats(const struct nodekey *k)
{
	return (&k->stats);
}
