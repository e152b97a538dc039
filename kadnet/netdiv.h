/* SPDX-License-Identifier: ISC */
/*
 * netdiv: which network an address belongs to, and how many contacts
 * of one network a routing table, a lookup and a chunk's holders may
 * take, so that one host or one provider's /24 cannot fill them (one
 * address is cheap; many networks are not).  Pure.
 *
 * A network is an IPv4 /24 or an IPv6 /48; an IPv4-mapped IPv6
 * address is its IPv4 address.  Loopback (127.0.0.0/8, ::1) counts one
 * network per address, ports aside, so that tests on one machine can
 * model many hosts (distinct 127.0.0.x) or one (many ports on one).
 */
#ifndef KAD_NETDIV_H
#define KAD_NETDIV_H

#include <stdint.h>

#include "krpc.h"

#define KAD_DIV_BUCKET		2	/* contacts per network, one bucket */
#define KAD_DIV_TABLE		8	/* contacts per network, whole table */
#define KAD_DIV_LOOKUP		2	/* candidates per network, one lookup */
#define KAD_DIV_HOLDERS		2	/* replica targets per network, a chunk */

/*
 * The network of an address as one word, equal for two addresses
 * exactly when they are in the same network (the family, then the
 * prefix's bytes: nothing is hashed, so nothing collides).  Its low
 * byte is always zero.
 */
uint64_t	kad_netkey(const struct krpc_addr *);

/*
 * How many contacts of each network a table holds: a sorted array of
 * words, each a netkey with its count in the low byte, so that a table
 * pays 8 bytes per network it knows.  A count stops at 255.
 */
struct kad_netcount {
	uint64_t	*v;
	uint32_t	 n, cap;
};

unsigned	kad_netcount_get(const struct kad_netcount *, uint64_t key);
/* 0, or -1 (ENOMEM) and nothing counted. */
int		kad_netcount_add(struct kad_netcount *, uint64_t key);
void		kad_netcount_del(struct kad_netcount *, uint64_t key);
size_t		kad_netcount_mem(const struct kad_netcount *);
void		kad_netcount_free(struct kad_netcount *);

#endif /* KAD_NETDIV_H */
