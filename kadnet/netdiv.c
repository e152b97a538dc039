/* SPDX-License-Identifier: ISC */
/*
 * netdiv: an address's network as a word (see netdiv.h).  The word is
 * a tag byte and the prefix: 4 and 3 bytes (IPv4 /24), 'l' and 4 bytes
 * (an IPv4 loopback address), 6 and 6 bytes (IPv6 /48), 'L' alone
 * (::1).  A family it does not know is a network of its own tag.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "netdiv.h"

#define TAG_V4		4
#define TAG_V4LOOP	'l'
#define TAG_V6		6
#define TAG_V6LOOP	'L'
#define TAG_OTHER	0xff

static uint64_t
word(uint8_t tag, const uint8_t *p, size_t n)
{
	uint64_t	w = tag;
	size_t		i;

	for (i = 0; i < n; i++)
		w = (w << 8) | p[i];
	/* left-aligned: a shorter prefix cannot equal a longer one's word */
	return (w << (8 * (7 - n)));
}

static uint64_t
v4key(const uint8_t ip[4])
{
	if (ip[0] == 127)
		return (word(TAG_V4LOOP, ip, 4));
	return (word(TAG_V4, ip, 3));
}

uint64_t
kad_netkey(const struct krpc_addr *a)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	static const uint8_t	loop6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0, 0, 0, 0, 0, 1 };

	if (a->family == KRPC_AF_INET)
		return (v4key(a->ip));
	if (a->family != KRPC_AF_INET6)
		return (word(TAG_OTHER, NULL, 0));
	if (memcmp(a->ip, mapped, sizeof(mapped)) == 0)
		return (v4key(a->ip + 12));
	if (memcmp(a->ip, loop6, sizeof(loop6)) == 0)
		return (word(TAG_V6LOOP, NULL, 0));
	return (word(TAG_V6, a->ip, 6));
}

#define COUNT_MASK	0xffULL

/* The index of key's word, or where it would go. */
static uint32_t
nc_pos(const struct kad_netcount *nc, uint64_t key, int *found)
{
	uint32_t	lo = 0, hi = nc->n, mid;
	uint64_t	k;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		k = nc->v[mid] & ~COUNT_MASK;
		if (k == key) {
			*found = 1;
			return (mid);
		}
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

unsigned
kad_netcount_get(const struct kad_netcount *nc, uint64_t key)
{
	uint32_t	i;
	int		found;

	i = nc_pos(nc, key, &found);
	return (found ? (unsigned)(nc->v[i] & COUNT_MASK) : 0);
}

int
kad_netcount_add(struct kad_netcount *nc, uint64_t key)
{
	uint64_t	*nv;
	uint32_t	 i, ncap;
	int		 found;

	i = nc_pos(nc, key, &found);
	if (found) {
		if ((nc->v[i] & COUNT_MASK) != COUNT_MASK)
			nc->v[i]++;
		return (0);
	}
	if (nc->n == nc->cap) {
		/* 8 at a time: a simulation of many nodes pays for slack */
		ncap = nc->cap + 8;
		if ((nv = reallocarray(nc->v, ncap, sizeof(*nv))) == NULL)
			return (-1);
		nc->v = nv;
		nc->cap = ncap;
	}
	memmove(&nc->v[i + 1], &nc->v[i], (nc->n - i) * sizeof(*nc->v));
	nc->v[i] = (key & ~COUNT_MASK) | 1;
	nc->n++;
	return (0);
}

void
kad_netcount_del(struct kad_netcount *nc, uint64_t key)
{
	uint32_t	i;
	int		found;

	i = nc_pos(nc, key, &found);
	if (!found)
		return;
	if ((nc->v[i] & COUNT_MASK) > 1) {
		nc->v[i]--;
		return;
	}
	memmove(&nc->v[i], &nc->v[i + 1], (nc->n - i - 1) * sizeof(*nc->v));
	nc->n--;
}

size_t
kad_netcount_mem(const struct kad_netcount *nc)
{
	return ((size_t)nc->cap * sizeof(*nc->v));
}

void
kad_netcount_free(struct kad_netcount *nc)
{
	free(nc->v);
	nc->v = NULL;
	nc->n = nc->cap = 0;
}
