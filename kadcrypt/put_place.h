/* SPDX-License-Identifier: ISC */
/*
 * put_place: which of a put's chunks the network has, stripe by stripe.
 * A chunk kadnet could not push is kept here (pinned) and migration
 * pushes it again later; the put is still published when each of its
 * stripes lost no more chunks than it has parity, since any k' of a
 * stripe's chunks rebuild it.  The root, with no parity, must go.
 */
#ifndef KAD_PUT_PLACE_H
#define KAD_PUT_PLACE_H

#include <stdint.h>

#include "publish.h"

struct put_place;

struct put_place *put_place_new(void);
void		 put_place_free(struct put_place *);
/* A chunk handed to kadstore to publish.  0, or -1 (ENOMEM). */
int		 put_place_add(struct put_place *, const uint8_t [32],
		    const struct chunk_info *);
/*
 * Its answer: ok, or not pushed.  0 while every stripe can still be
 * decoded from the network, -1 with errno EPIPE once one cannot (too
 * many of its chunks failed, or the root did).  A key never added (or
 * answered more often than added) is an internal error: -1, EINVAL.
 */
int		 put_place_result(struct put_place *, const uint8_t [32], int);
/*
 * Before its result: how many other networks proved a placed chunk
 * (CHUNK_PUT_RES's holders).  The smallest count over the chunks placed
 * but the root (*chunks of them), and the root's.
 */
void		 put_place_holders(struct put_place *, const uint8_t [32],
		    unsigned);
unsigned	 put_place_min_holders(const struct put_place *, uint64_t *);
unsigned	 put_place_root_holders(const struct put_place *);
/*
 * 1 when every stripe added so far has k' chunks the network took (the
 * root its one): the file can be fetched, whatever is still on its way.
 */
int		 put_place_decodable(const struct put_place *);
/* Chunks added and not yet answered; added in all. */
uint64_t	 put_place_pending(const struct put_place *);
uint64_t	 put_place_emitted(const struct put_place *);
/* Chunks that failed so far, and the stripes they fell in. */
uint64_t	 put_place_unplaced(const struct put_place *);
uint64_t	 put_place_stripes_hit(const struct put_place *);

#endif /* KAD_PUT_PLACE_H */
