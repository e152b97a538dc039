/* SPDX-License-Identifier: ISC */
/*
 * The node ID: how a node's public key becomes its ID in the DHT.  This
 * is the one place that says so; kadnet (peers' IDs) and kadcrypt (our
 * own) both compile node_id.c.  Today the ID is SHA-256 of the 32-byte
 * X25519 public key; a later version may add a cost to choosing an ID,
 * here and nowhere else.  Pure: no state of its own, no system calls.
 */
#ifndef KAD_NODE_ID_H
#define KAD_NODE_ID_H

#include <stdint.h>

#define KAD_NODE_PUB_LEN	32	/* a raw X25519 public key */
#define KAD_NODE_ID_LEN		32

/* id = the node ID of pub: 0, or -1 if the hash could not be made */
int	kad_node_id(const uint8_t pub[KAD_NODE_PUB_LEN],
	    uint8_t id[KAD_NODE_ID_LEN]);
/*
 * Optional, once, before any thread or sandbox: fetch SHA-256 ahead, so
 * that each kad_node_id skips OpenSSL's method lookup (and its lock).
 * Without it kad_node_id fetches implicitly.  -1 if the fetch failed.
 */
int	kad_node_id_init(void);

#endif /* KAD_NODE_ID_H */
