/* SPDX-License-Identifier: ISC */
/*
 * The node ID: how a node's public key, and the network it is seen at,
 * become its ID in the DHT.  This is the one place that says so; kadnet
 * (peers' IDs) and kadcrypt (our own) both compile node_id.c.  Two
 * costs make a chosen ID expensive (docs/SECURITY.md):
 *
 *   the puzzle:  a key is valid only if SHA-256("kad2 puzzle" || pub)
 *		  starts with KAD_PUZZLE_BITS zero bits, so each valid
 *		  key costs about 2^KAD_PUZZLE_BITS key pairs to find;
 *   the binding: ID = SHA-256("kad2 id" || pub || net), net the 8-byte
 *		  word of the network the node is seen at (netdiv.h:
 *		  an IPv4 /24, an IPv6 /48, one loopback address), so a
 *		  key gives one ID per network its owner holds, and
 *		  nobody's claimed ID is ever taken.
 *
 * Pure: no state of its own but a fetched digest, no system calls.  The
 * pure modules take the puzzle's bits as a parameter (tests use few);
 * the daemons use KAD_PUZZLE_BITS.
 */
#ifndef KAD_NODE_ID_H
#define KAD_NODE_ID_H

#include <stdint.h>

#define KAD_NODE_PUB_LEN	32	/* a raw X25519 public key */
#define KAD_NODE_ID_LEN		32

/*
 * The protocol's puzzle: leading zero bits every key's puzzle hash has.
 * 14 costs an honest node about 2^14 key pairs once, at its first start
 * (under a second here, two under ASan: the test suite starts some 150
 * nodes; docs/SECURITY.md), and an attacker as much per key.
 */
#define KAD_PUZZLE_BITS		14
#define KAD_PUZZLE_LABEL	"kad2 puzzle"	/* hashed without its NUL */
#define KAD_ID_LABEL		"kad2 id"

struct krpc_addr;

/* Leading zero bits of pub's puzzle hash (0..256), or -1: no hash. */
int	kad_puzzle_zeros(const uint8_t pub[KAD_NODE_PUB_LEN]);
/* 1 if pub's puzzle hash has at least bits zero bits, else 0. */
int	kad_puzzle_ok(const uint8_t pub[KAD_NODE_PUB_LEN], unsigned bits);

/*
 * id = the node ID of pub seen at addr (only addr's network counts:
 * kad_netkey), or of pub in network net (a kad_netkey word).  0, or -1
 * (id zeroed) if the hash could not be made.  The puzzle is not
 * checked here: callers refuse a key that fails it first.
 */
int	kad_node_id(const uint8_t pub[KAD_NODE_PUB_LEN],
	    const struct krpc_addr *addr, uint8_t id[KAD_NODE_ID_LEN]);
int	kad_node_id_net(const uint8_t pub[KAD_NODE_PUB_LEN], uint64_t net,
	    uint8_t id[KAD_NODE_ID_LEN]);
/*
 * Optional, once, before any thread or sandbox: fetch SHA-256 ahead, so
 * that each hash skips OpenSSL's method lookup (and its lock).  Without
 * it the functions fetch implicitly.  -1 if the fetch failed.
 */
int	kad_node_id_init(void);

#endif /* KAD_NODE_ID_H */
