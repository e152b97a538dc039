/* SPDX-License-Identifier: ISC */
/*
 * ratelimit: per-source token buckets, one global bucket, and a ban list
 * for repeat offenders.  Pure and bounded: a set-associative table that
 * starts at 64 entries and doubles, up to `slots`, only when a new source
 * would push out a recent one; once at its bound, a flood of new sources
 * only evicts idle entries.  Keyed by a hash whose secret comes from the
 * caller.
 */
#ifndef KAD_RATELIMIT_H
#define KAD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "krpc.h"

struct ratelimit_config {
	uint32_t	slots;		/* most table entries (grows to it) */
	uint32_t	rate;		/* requests per second per source */
	uint32_t	burst;		/* bucket depth per source */
	uint32_t	grate;		/* requests per second, all sources */
	uint32_t	gburst;
	uint32_t	ban_strikes;	/* strikes that earn a ban ... */
	uint32_t	strike_decay_ms; /* ... one strike forgiven per this */
	uint32_t	ban_ms;		/* how long a ban lasts */
	int		per_port;	/* key on address+port, not address */
};

#define RL_OK		0
#define RL_LIMITED	1	/* over the source's rate */
#define RL_GLOBAL	2	/* over the global rate */
#define RL_BANNED	3	/* on the ban list */

struct ratelimit;

/* NULL with errno.  key: 16 random bytes for the table hash. */
struct ratelimit *ratelimit_new(const struct ratelimit_config *,
		    const uint8_t key[16]);
void		 ratelimit_free(struct ratelimit *);
void		 ratelimit_defaults(struct ratelimit_config *);

/* Charge one request to addr: RL_OK, or why to drop it. */
int		 ratelimit_check(struct ratelimit *, const struct krpc_addr *,
		    uint64_t now);
/* addr misbehaved (malformed, over its rate, bad token ...). */
void		 ratelimit_strike(struct ratelimit *, const struct krpc_addr *,
		    uint64_t now);
/*
 * A limited source may be told BUSY (and when to come back, in
 * *retry_ms) at most once every RL_BUSY_MS: 1 if now, 0 if not.
 */
#define RL_BUSY_MS	1000
#define RL_BUSY_MIN_MS	100	/* the least "retry after" told */
int		 ratelimit_busy(struct ratelimit *, const struct krpc_addr *,
		    uint64_t now, uint32_t *retry_ms);
int		 ratelimit_banned(struct ratelimit *, const struct krpc_addr *,
		    uint64_t now);
/* Bytes the table holds. */
size_t		 ratelimit_mem(struct ratelimit *);

#endif /* KAD_RATELIMIT_H */
