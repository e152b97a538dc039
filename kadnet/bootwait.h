/* SPDX-License-Identifier: ISC */
/*
 * bootwait: the bootstrap requests of kadctl that wait for their
 * address to answer, each with a deadline.  A fixed table: at most
 * BOOTWAIT_MAX at once, no allocation.  Pure: the time comes from the
 * caller, and what is done with a finished request (an answer to
 * kadmaster) is the caller's.
 */
#ifndef KAD_BOOTWAIT_H
#define KAD_BOOTWAIT_H

#include <stddef.h>
#include <stdint.h>

#include "krpc.h"

#define BOOTWAIT_MAX	16

struct bootwait {
	size_t		 n;
	struct {
		uint32_t	 req;		/* never 0 */
		struct krpc_addr addr;
		uint64_t	 deadline;
	}		 w[BOOTWAIT_MAX];
};

/*
 * Wait for addr until now + ms under req: 0, or -1 with errno EBUSY
 * (the table is full) or EEXIST (req is already waiting) or EINVAL
 * (req 0).
 */
int		 bootwait_add(struct bootwait *, uint32_t req,
		    const struct krpc_addr *, uint64_t now, uint32_t ms);
/*
 * addr answered: the requests waiting for it leave the table and their
 * ids go to reqs (at most BOOTWAIT_MAX); returns how many.
 */
size_t		 bootwait_answered(struct bootwait *,
		    const struct krpc_addr *, uint32_t reqs[BOOTWAIT_MAX]);
/* The requests whose deadline has passed, likewise. */
size_t		 bootwait_expire(struct bootwait *, uint64_t now,
		    uint32_t reqs[BOOTWAIT_MAX]);
/* The next deadline; UINT64_MAX: none. */
uint64_t	 bootwait_next(const struct bootwait *);

#endif /* KAD_BOOTWAIT_H */
