/* SPDX-License-Identifier: ISC */
/*
 * The node key and the static-key oracle, kadcrypt's pure module for the
 * node's identity: the key file's format (KADIPC_NODE_KEY_LEN bytes: the
 * magic "KDK1", the raw X25519 private key, the raw public key, the
 * public half checked against the private one), the key puzzle
 * (kad_puzzle_ok: a new key is ground until it passes, a loaded one
 * must pass), and the one operation kadnet may ask for, the hashed DH
 * of the node's key with a peer's point, with every check the oracle
 * makes.  No system calls: the caller reads and writes the file, and
 * passes the time (ms, any monotonic clock) the budget runs on.
 *
 * The budget is a token bucket: KADIPC_DH_RATE tokens a second, at most
 * KADIPC_DH_BURST held, one per DH computed.
 */
#ifndef KAD_NODEKEY_H
#define KAD_NODEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "kadipc_msg.h"

struct nodekey_stats {
	uint64_t	requests;		/* nodekey_dh calls */
	uint64_t	refused[KADIPC_DH_MAX + 1];	/* by status; [0] unused */
};

struct nodekey;

/* A node key not loaded yet, its budget full at time now. */
struct nodekey	*nodekey_new(uint64_t now);
void		 nodekey_free(struct nodekey *);

/*
 * A new key pair whose public key passes the puzzle of `bits` bits
 * (KAD_PUZZLE_BITS for a node: key pairs are drawn until one does,
 * about 2^bits of them); file gets the bytes to save (the caller writes
 * them and wipes file), *tries how many pairs it took.  0, or -1 if no
 * key could be made.
 */
int		 nodekey_create(struct nodekey *, unsigned bits,
		    uint8_t file[KADIPC_NODE_KEY_LEN], uint64_t *tries);
/*
 * The key in a file's len bytes: KADIPC_IDENT_LOADED, or why not
 * (KADIPC_IDENT_BADSIZE, _BADMAGIC, _MISMATCH, _PUZZLE: its public key
 * fails the puzzle of `bits` bits; _IOERROR when OpenSSL fails).  The
 * caller wipes file.  A key already loaded or created stays as it is
 * and makes this fail (_IOERROR).
 */
int		 nodekey_load(struct nodekey *, const uint8_t *file,
		    size_t len, unsigned bits);
/* 1 once a key is loaded or created */
int		 nodekey_ready(const struct nodekey *);
/* NULL until ready; the node ID is kad_node_id of it and an address */
const uint8_t	*nodekey_public(const struct nodekey *);
/*
 * The node's local secret, HMAC-SHA-256(private key, NODEKEY_LOCAL_LABEL):
 * the root of the keys that seal what only this node reads (the file
 * list), so it lives and dies with the node key and needs no file.
 */
#define NODEKEY_LOCAL_LABEL	"kad2 local"
const uint8_t	*nodekey_local(const struct nodekey *);

/*
 * The oracle: shared = SHA-256(KADIPC_DH_LABEL || X25519(key, peer)) and
 * KADIPC_DH_OK, or shared all zero and KADIPC_DH_SELF (peer is our own
 * public key), KADIPC_DH_BUSY (no token left at time now),
 * KADIPC_DH_BADPOINT (X25519 gives all zero: a point of small order);
 * -1 when OpenSSL fails otherwise (or no key is loaded).
 */
int		 nodekey_dh(struct nodekey *, const uint8_t peer[KADIPC_KEY_LEN],
		    uint64_t now, uint8_t shared[KADIPC_KEY_LEN]);
const struct nodekey_stats *nodekey_stats(const struct nodekey *);

#endif /* KAD_NODEKEY_H */
