/*
 * ratelimit: token buckets per source and overall, plus bans.  Buckets
 * count milli-tokens so that a rate of r per second is r per ms * 1000.
 * The table is 4-way set-associative; a new source evicts the idlest
 * unbanned entry of its set, so a flood cannot flush the ban list of
 * other sets.  Loopback sources are told apart by port as well (they can
 * only be local), which lets many test nodes share 127.0.0.1.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "ratelimit.h"

#define RL_WAYS		4
#define RL_KEYLEN	20	/* family, pad, port, 16-byte address */
#define RL_MILLI	1000

struct rl_entry {
	uint8_t		key[RL_KEYLEN];
	uint8_t		used;
	uint32_t	strikes;
	uint64_t	tokens;		/* milli-tokens */
	uint64_t	stamp;		/* last refill, also idleness */
	uint64_t	strike_stamp;
	uint64_t	banned_until;
};

struct ratelimit {
	struct ratelimit_config	 cf;
	uint64_t		 k0, k1;
	uint32_t		 nsets;
	struct rl_entry		*tab;
	uint64_t		 gtokens, gstamp;
};

void
ratelimit_defaults(struct ratelimit_config *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->slots = 4096;
	/*
	 * A fetch asks each of a few nodes for thousands of chunks a second
	 * (25 MB/s is 25k chunk requests): the per-source limit must leave
	 * that room, and still stop one address from taking a node over.
	 */
	cf->rate = 20000;
	cf->burst = 40000;
	cf->grate = 200000;
	cf->gburst = 400000;
	cf->ban_strikes = 32;
	cf->strike_decay_ms = 1000;
	cf->ban_ms = 10 * 60 * 1000;
	cf->per_port = 0;
}

struct ratelimit *
ratelimit_new(const struct ratelimit_config *cf, const uint8_t key[16])
{
	struct ratelimit	*rl;
	uint32_t		 nsets;
	size_t			 i;

	if (cf->slots == 0 || cf->rate == 0 || cf->burst == 0 ||
	    cf->grate == 0 || cf->gburst == 0 || cf->ban_strikes == 0 ||
	    cf->strike_decay_ms == 0) {
		errno = EINVAL;
		return (NULL);
	}
	nsets = (cf->slots + RL_WAYS - 1) / RL_WAYS;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return (NULL);
	if ((rl->tab = calloc(nsets, RL_WAYS * sizeof(*rl->tab))) == NULL) {
		free(rl);
		return (NULL);
	}
	rl->cf = *cf;
	rl->nsets = nsets;
	for (i = 0; i < 8; i++) {
		rl->k0 = (rl->k0 << 8) | key[i];
		rl->k1 = (rl->k1 << 8) | key[8 + i];
	}
	rl->gtokens = (uint64_t)cf->gburst * RL_MILLI;
	return (rl);
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->tab);
	free(rl);
}

static int
is_loopback(const struct krpc_addr *a)
{
	static const uint8_t	lo6[16] = { [15] = 1 };

	if (a->family == KRPC_AF_INET)
		return (a->ip[0] == 127);
	return (memcmp(a->ip, lo6, sizeof(lo6)) == 0);
}

static void
mkkey(const struct ratelimit *rl, const struct krpc_addr *a,
    uint8_t key[RL_KEYLEN])
{
	memset(key, 0, RL_KEYLEN);
	key[0] = a->family;
	if (rl->cf.per_port || is_loopback(a)) {
		key[2] = a->port >> 8;
		key[3] = a->port & 0xff;
	}
	if (a->family == KRPC_AF_INET)
		memcpy(key + 4, a->ip, 4);
	else if (is_loopback(a))
		memcpy(key + 4, a->ip, 16);
	else
		memcpy(key + 4, a->ip, 8);	/* one /64 is one source */
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (x);
}

/* Keyed, not cryptographic: enough to keep set choice unpredictable. */
static uint32_t
setof(const struct ratelimit *rl, const uint8_t key[RL_KEYLEN])
{
	uint64_t	h = rl->k0, w;
	size_t		i, j;

	for (i = 0; i < RL_KEYLEN; i += 8) {
		w = 0;
		for (j = i; j < i + 8 && j < RL_KEYLEN; j++)
			w = (w << 8) | key[j];
		h = mix(h ^ w ^ rl->k1);
	}
	return ((uint32_t)(h % rl->nsets));
}

static struct rl_entry *
lookup(struct ratelimit *rl, const struct krpc_addr *a, uint64_t now,
    int create)
{
	uint8_t		 key[RL_KEYLEN];
	struct rl_entry	*set, *victim = NULL, *e;
	size_t		 i;

	mkkey(rl, a, key);
	set = &rl->tab[(size_t)setof(rl, key) * RL_WAYS];
	for (i = 0; i < RL_WAYS; i++)
		if (set[i].used && memcmp(set[i].key, key, RL_KEYLEN) == 0)
			return (&set[i]);
	if (!create)
		return (NULL);
	for (i = 0; i < RL_WAYS; i++) {
		e = &set[i];
		if (!e->used) {
			victim = e;
			break;
		}
		/* prefer evicting unbanned, then the idlest */
		if (victim == NULL ||
		    (victim->banned_until > now && e->banned_until <= now) ||
		    ((victim->banned_until > now) == (e->banned_until > now) &&
		    e->stamp < victim->stamp))
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, RL_KEYLEN);
	victim->used = 1;
	victim->tokens = (uint64_t)rl->cf.burst * RL_MILLI;
	victim->stamp = now;
	victim->strike_stamp = now;
	return (victim);
}

static void
refill(uint64_t *tokens, uint64_t *stamp, uint32_t rate, uint32_t burst,
    uint64_t now)
{
	uint64_t	max = (uint64_t)burst * RL_MILLI, dt;

	if (now <= *stamp)
		return;
	dt = now - *stamp;
	*stamp = now;
	/* rate per s is rate milli-tokens per ms; past max/rate it is full */
	if (dt > max / rate + 1)
		dt = max / rate + 1;
	*tokens += dt * rate;
	if (*tokens > max)
		*tokens = max;
}

static void
strike(struct ratelimit *rl, struct rl_entry *e, uint64_t now)
{
	uint64_t	n;

	if (now > e->strike_stamp) {
		n = (now - e->strike_stamp) / rl->cf.strike_decay_ms;
		if (n >= e->strikes) {
			e->strikes = 0;
			e->strike_stamp = now;
		} else {
			e->strikes -= (uint32_t)n;
			e->strike_stamp += n * rl->cf.strike_decay_ms;
		}
	}
	if (++e->strikes >= rl->cf.ban_strikes) {
		e->banned_until = now + rl->cf.ban_ms;
		e->strikes = 0;
	}
}

int
ratelimit_check(struct ratelimit *rl, const struct krpc_addr *a,
    uint64_t now)
{
	struct rl_entry	*e;

	e = lookup(rl, a, now, 1);
	if (e->banned_until > now)
		return (RL_BANNED);
	/*
	 * Over its rate: dropped, and no strike.  A request's source may be
	 * spoofed, and a ban for it would shut out the address it names.
	 */
	refill(&e->tokens, &e->stamp, rl->cf.rate, rl->cf.burst, now);
	if (e->tokens < RL_MILLI)
		return (RL_LIMITED);
	refill(&rl->gtokens, &rl->gstamp, rl->cf.grate, rl->cf.gburst, now);
	if (rl->gtokens < RL_MILLI)
		return (RL_GLOBAL);
	e->tokens -= RL_MILLI;
	rl->gtokens -= RL_MILLI;
	return (RL_OK);
}

void
ratelimit_strike(struct ratelimit *rl, const struct krpc_addr *a,
    uint64_t now)
{
	strike(rl, lookup(rl, a, now, 1), now);
}

int
ratelimit_banned(struct ratelimit *rl, const struct krpc_addr *a,
    uint64_t now)
{
	struct rl_entry	*e;

	if ((e = lookup(rl, a, now, 0)) == NULL)
		return (0);
	return (e->banned_until > now);
}
