/* SPDX-License-Identifier: ISC */
/*
 * search: the state of one iterative Kademlia lookup (FIND_NODE or
 * FIND_VALUE).  Pure bookkeeping: a short list of candidates sorted by
 * distance to the target, which of them to ask next (alpha in flight,
 * only among the k closest still alive, within the hop limit) and when
 * the lookup is over.  dht.c sends, times out and feeds replies back.
 * A lookup is one allocation of about 100 bytes per candidate slot, so
 * hundreds can run at once.
 */
#ifndef KAD_SEARCH_H
#define KAD_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "krpc.h"

/* candidate states */
#define SC_NEW		0	/* not asked yet */
#define SC_INFLIGHT	1	/* asked, within its timeout */
#define SC_SLOW		2	/* past its soft timeout, answer still taken */
#define SC_REPLIED	3
#define SC_FAILED	4	/* timed out, bad answer, or past hop limit */

struct search_cand {
	uint8_t		 id[KAD_ID_LEN];
	uint8_t		 pub[KRPC_KEY_LEN];	/* id is its node ID */
	struct krpc_addr addr;
	uint8_t		 state;
	uint8_t		 hop;		/* 1: from our own table */
};

struct search;

/*
 * type is KRPC_FIND_NODE or KRPC_FIND_VALUE; cap (>= k) candidate slots.
 * NULL with errno on failure.
 */
struct search	*search_new(const uint8_t target[KAD_ID_LEN], uint8_t type,
		    unsigned k, unsigned alpha, unsigned cap,
		    unsigned hoplimit);
void		 search_free(struct search *);

const uint8_t	*search_target(const struct search *);
uint8_t		 search_type(const struct search *);

/*
 * Offer a contact learned at hop `hop`.  Returns 1 if it became a
 * candidate, 0 if known already (its hop may drop), farther than every
 * slot, or farther than the KAD_DIV_LOOKUP candidates of its network
 * (netdiv.h) already there; a closer one takes the place of the
 * farthest of those unless that one is waiting for an answer.
 */
int		 search_add(struct search *, const uint8_t id[KAD_ID_LEN],
		    const uint8_t pub[KRPC_KEY_LEN], const struct krpc_addr *,
		    unsigned hop);
struct search_cand *search_find(struct search *,
		    const uint8_t id[KAD_ID_LEN]);

/*
 * The next candidate to ask, now marked in flight, or NULL when alpha
 * requests are out or nobody among the k closest live ones is left.
 */
struct search_cand *search_next(struct search *);
/* Raise alpha (never lowers it; at most the slot count). */
void		 search_widen(struct search *, unsigned alpha);
/* Undo search_next when the request could not be sent. */
void		 search_unsend(struct search *, struct search_cand *);

void		 search_replied(struct search *, struct search_cand *);
void		 search_slow(struct search *, struct search_cand *);
void		 search_failed(struct search *, struct search_cand *);

/* Over: the k closest live candidates all replied, or none is left. */
int		 search_done(const struct search *);
/* Requests still out (in flight or slow). */
unsigned	 search_pending(const struct search *);

/* The (at most n) closest candidates that replied, nearest first. */
size_t		 search_results(const struct search *,
		    const struct search_cand **out, size_t n);
/* Hop count of the closest candidate that replied, 0 if none. */
unsigned	 search_hops(const struct search *);
/* Bytes this lookup holds. */
size_t		 search_mem(const struct search *);
/* Requests sent so far. */
unsigned	 search_msgs(const struct search *);

#endif /* KAD_SEARCH_H */
