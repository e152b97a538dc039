/* SPDX-License-Identifier: ISC */
/*
 * ratelimit: token buckets per source and overall, plus bans.  Buckets
 * count milli-tokens so that a rate of r per second is r per ms * 1000.
 * The table is 4-way set-associative and grows on demand; once full, a
 * new source evicts the idlest unbanned entry of its set, so a flood
 * cannot flush the ban list of other sets.  Loopback sources are told
 * apart by port as well (they can only be local), which lets many test
 * nodes share 127.0.0.1.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "ratelimit.h"

#define RL_WAYS		4
#define RL_MILLI	1000
#define RL_SETS0	16	/* sets at first: 64 sources */

/*
 * A source is kept as a 64-bit keyed hash of its address, which is all
 * a lookup compares (a collision needs the secret key): a set's four
 * keys come first, in one cache line, and then the four states, 40
 * bytes a source in all.
 */
struct rl_entry {
	uint64_t	stamp;		/* last refill, also idleness */
	uint64_t	strike_stamp;
	uint64_t	banned_until;
	uint64_t	busy_stamp;	/* last BUSY told, 0: never */
	uint32_t	tokens;		/* milli-tokens */
	uint32_t	strikes;
};

struct rl_set {
	uint64_t	key[RL_WAYS];	/* 0: free */
	struct rl_entry	e[RL_WAYS];
};

struct ratelimit {
	struct ratelimit_config	 cf;
	uint64_t		 k0, k1;
	uint32_t		 nsets, maxsets;
	struct rl_set		*tab;
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
	uint32_t		 maxsets, nsets;

	if (cf->slots == 0 || cf->rate == 0 || cf->burst == 0 ||
	    cf->grate == 0 || cf->gburst == 0 || cf->ban_strikes == 0 ||
	    cf->strike_decay_ms == 0 || cf->burst > UINT32_MAX / RL_MILLI ||
	    cf->slots > UINT32_MAX / 2) {
		errno = EINVAL;
		return (NULL);
	}
	/* a power of two sets, so that growing splits each set in two */
	for (maxsets = 1; maxsets * RL_WAYS < cf->slots; maxsets *= 2)
		;
	nsets = maxsets < RL_SETS0 ? maxsets : RL_SETS0;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return (NULL);
	if ((rl->tab = calloc(nsets, sizeof(*rl->tab))) == NULL) {
		free(rl);
		return (NULL);
	}
	rl->cf = *cf;
	rl->nsets = nsets;
	rl->maxsets = maxsets;
	rl->k0 = be64dec(key);
	rl->k1 = be64dec(key + 8);
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

/*
 * The source's keyed hash: family and (for loopback, or per_port) the
 * port, then the IPv4 address, the IPv6 /64, or all of ::1.  Keyed, not
 * cryptographic: enough to keep set choice and collisions unpredictable.
 */
static uint64_t
hashof(const struct ratelimit *rl, const struct krpc_addr *a)
{
	uint64_t	w0, w1 = 0, h;
	int		lo = is_loopback(a);

	w0 = (uint64_t)a->family << 56;
	if (rl->cf.per_port || lo)
		w0 |= (uint64_t)a->port << 32;
	if (a->family == KRPC_AF_INET)
		w0 |= be32dec(a->ip);
	else {
		w1 = be64dec(a->ip);
		if (lo)
			w0 |= be64dec(a->ip + 8) & 0xffffffffULL;
	}
	h = mix(rl->k0 ^ w0);
	h = mix(h ^ w1 ^ rl->k1);
	return (h != 0 ? h : 1);
}

static struct rl_set *
set_of(struct ratelimit *rl, uint64_t h)
{
	return (&rl->tab[h & (rl->nsets - 1)]);
}

/*
 * Double the table: every set splits in two by one more bit of the
 * hash, so each entry keeps its place in the new order and none is
 * lost.
 */
static int
grow(struct ratelimit *rl)
{
	struct rl_set	*nt, *old = rl->tab, *set;
	uint32_t	 oldsets = rl->nsets, s, w, v;

	if (rl->nsets >= rl->maxsets ||
	    (nt = calloc((size_t)rl->nsets * 2, sizeof(*nt))) == NULL)
		return (-1);
	rl->tab = nt;
	rl->nsets *= 2;
	for (s = 0; s < oldsets; s++) {
		for (w = 0; w < RL_WAYS; w++) {
			if (old[s].key[w] == 0)
				continue;
			set = set_of(rl, old[s].key[w]);
			for (v = 0; set->key[v] != 0; v++)
				;	/* at most the RL_WAYS of the old set */
			set->key[v] = old[s].key[w];
			set->e[v] = old[s].e[w];
		}
	}
	free(old);
	return (0);
}

static int
banned_at(const struct rl_entry *e, uint64_t now)
{
	return (e->banned_until > now);
}

/*
 * An entry whose bucket has refilled, whose strikes have decayed and
 * that is not banned holds nothing a fresh entry would not.
 */
static int
at_rest(const struct ratelimit *rl, const struct rl_entry *e, uint64_t now)
{
	uint64_t	full;

	full = ((uint64_t)rl->cf.burst * RL_MILLI - e->tokens) /
	    rl->cf.rate + 1;
	return (!banned_at(e, now) && now >= e->stamp + full &&
	    now >= e->strike_stamp + (uint64_t)e->strikes *
	    rl->cf.strike_decay_ms);
}

static struct rl_entry *
lookup(struct ratelimit *rl, const struct krpc_addr *a, uint64_t now,
    int create)
{
	struct rl_set	*set;
	struct rl_entry	*victim, *e;
	uint64_t	 h = hashof(rl, a);
	size_t		 i, v = 0;

 again:
	set = set_of(rl, h);
	for (i = 0; i < RL_WAYS; i++)
		if (set->key[i] == h)
			return (&set->e[i]);
	if (!create)
		return (NULL);
	victim = NULL;
	for (i = 0; i < RL_WAYS; i++) {
		e = &set->e[i];
		if (set->key[i] == 0) {
			victim = e;
			v = i;
			break;
		}
		/* prefer evicting unbanned, then the idlest */
		if (victim == NULL ||
		    (banned_at(victim, now) && !banned_at(e, now)) ||
		    (banned_at(victim, now) == banned_at(e, now) &&
		    e->stamp < victim->stamp)) {
			victim = e;
			v = i;
		}
	}
	/*
	 * The table starts small and doubles, up to `slots`, only when a
	 * new source would push out one whose state still matters: a node
	 * pays for the sources that are busy now, not for all it has seen.
	 */
	if (set->key[v] != 0 && !at_rest(rl, victim, now) && grow(rl) == 0)
		goto again;
	memset(victim, 0, sizeof(*victim));
	set->key[v] = h;
	victim->tokens = rl->cf.burst * RL_MILLI;
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
	uint64_t	 tokens;

	e = lookup(rl, a, now, 1);
	if (e->banned_until > now)
		return (RL_BANNED);
	/*
	 * Over its rate: dropped, and no strike.  A request's source may be
	 * spoofed, and a ban for it would shut out the address it names.
	 */
	tokens = e->tokens;
	refill(&tokens, &e->stamp, rl->cf.rate, rl->cf.burst, now);
	e->tokens = (uint32_t)tokens;	/* at most burst * RL_MILLI */
	if (e->tokens < RL_MILLI)
		return (RL_LIMITED);
	refill(&rl->gtokens, &rl->gstamp, rl->cf.grate, rl->cf.gburst, now);
	if (rl->gtokens < RL_MILLI)
		return (RL_GLOBAL);
	e->tokens -= RL_MILLI;
	rl->gtokens -= RL_MILLI;
	return (RL_OK);
}

int
ratelimit_busy(struct ratelimit *rl, const struct krpc_addr *a,
    uint64_t now, uint32_t *retry_ms)
{
	struct rl_entry	*e;
	uint64_t	 ms;

	if ((e = lookup(rl, a, now, 0)) == NULL ||
	    (e->busy_stamp != 0 && now < e->busy_stamp + RL_BUSY_MS))
		return (0);
	e->busy_stamp = now;
	/* a milli-token a ms for every request a second of its rate */
	ms = e->tokens >= RL_MILLI ? 0 :
	    (RL_MILLI - e->tokens + rl->cf.rate - 1) / rl->cf.rate;
	*retry_ms = ms < RL_BUSY_MIN_MS ? RL_BUSY_MIN_MS : (uint32_t)ms;
	return (1);
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

size_t
ratelimit_mem(struct ratelimit *rl)
{
	return (sizeof(*rl) + (size_t)rl->nsets * sizeof(*rl->tab));
}
