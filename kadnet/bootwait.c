/* SPDX-License-Identifier: ISC */
/*
 * bootwait: kadctl's bootstrap requests waiting for an answer (see
 * bootwait.h).  No system calls: kadnet.c passes the time in and sends
 * the answers.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "krpc.h"
#include "bootwait.h"

int
bootwait_add(struct bootwait *b, uint32_t req, const struct krpc_addr *a,
    uint64_t now, uint32_t ms)
{
	size_t	 i;

	if (req == 0) {
		errno = EINVAL;
		return (-1);
	}
	for (i = 0; i < b->n; i++)
		if (b->w[i].req == req) {
			errno = EEXIST;
			return (-1);
		}
	if (b->n == BOOTWAIT_MAX) {
		errno = EBUSY;
		return (-1);
	}
	b->w[b->n].req = req;
	b->w[b->n].addr = *a;
	b->w[b->n].deadline = now + ms;
	b->n++;
	return (0);
}

/* Take out the entries that match, keeping the others in their order. */
static size_t
take(struct bootwait *b, const struct krpc_addr *a, uint64_t now,
    uint32_t reqs[BOOTWAIT_MAX])
{
	size_t	 i, j, n = 0;

	for (i = j = 0; i < b->n; i++) {
		if (a != NULL ? krpc_addr_eq(&b->w[i].addr, a) :
		    b->w[i].deadline <= now) {
			reqs[n++] = b->w[i].req;
			continue;
		}
		if (j != i)
			b->w[j] = b->w[i];
		j++;
	}
	b->n = j;
	return (n);
}

size_t
bootwait_answered(struct bootwait *b, const struct krpc_addr *a,
    uint32_t reqs[BOOTWAIT_MAX])
{
	return (take(b, a, 0, reqs));
}

size_t
bootwait_expire(struct bootwait *b, uint64_t now,
    uint32_t reqs[BOOTWAIT_MAX])
{
	return (take(b, NULL, now, reqs));
}

uint64_t
bootwait_next(const struct bootwait *b)
{
	uint64_t	 t = UINT64_MAX;
	size_t		 i;

	for (i = 0; i < b->n; i++)
		if (b->w[i].deadline < t)
			t = b->w[i].deadline;
	return (t);
}
