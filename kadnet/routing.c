/* SPDX-License-Identifier: ISC */
/*
 * routing: k-buckets (the least recently seen contact found by its last
 * seen time and update order), ping-before-evict, a replacement cache
 * per bucket, splitting of the bucket that holds our own id, idle-bucket
 * refresh and a save/load blob.  Pure (see
 * routing.h); each bucket's arrays grow on demand so that a simulation
 * of many nodes only pays for the contacts they really hold.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "netdiv.h"
#include "node_id.h"
#include "routing.h"

/*
 * A bucket's contacts are in no particular order (`seen`, then `seq`,
 * says which is least recently seen); beside them, the first word of
 * each id, so that finding a contact, or judging its distance, reads a
 * short array instead of every contact.
 */
struct rt_bucket {
	struct rt_entry	*e;
	uint64_t	*k;		/* be64 of e[i].id's first 8 bytes */
	struct rt_entry	*repl;		/* replacement cache, [nr-1] newest */
	uint16_t	 n, ecap;
	uint16_t	 nr, rcap;
	uint64_t	 active;	/* last lookup into its range, 0: due */
};

struct routing {
	uint8_t		 self[KAD_ID_LEN];
	unsigned	 k, nrepl, maxbuckets, nbuckets;
	uint64_t	 min_active;	/* least b[].active (0: one is due) */
	int		 min_stale;	/* min_active needs working out again */
	size_t		 count;
	uint16_t	 seq;		/* stamped with every seen */
	struct rt_bucket *b;
	struct kad_netcount nets;	/* the buckets' contacts per network */
};

#define RT_BLOB_MAGIC	"KDRT"
#define RT_BLOB_VERSION	2
#define RT_BLOB_HDR	40	/* magic 4, version 1, pad 3, self 32 ... */
#define RT_BLOB_COUNT	4	/* ... then a 32-bit count */
#define RT_BLOB_REC	52	/* key 32, family 1, pad 1, port 2, ip 16 */

static int
addr_eq(const struct krpc_addr *a, const struct krpc_addr *b)
{
	size_t	alen = a->family == KRPC_AF_INET ? 4 : 16;

	return (a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, alen) == 0);
}

struct routing *
routing_new(const uint8_t self[KAD_ID_LEN], unsigned k, unsigned nrepl,
    unsigned maxbuckets)
{
	struct routing	*rt;

	if (k == 0 || k > UINT16_MAX || nrepl > UINT16_MAX ||
	    maxbuckets == 0 || maxbuckets > RT_MAX_BUCKETS) {
		errno = EINVAL;
		return (NULL);
	}
	if ((rt = calloc(1, sizeof(*rt))) == NULL)
		return (NULL);
	if ((rt->b = calloc(1, sizeof(*rt->b))) == NULL) {
		free(rt);
		return (NULL);
	}
	memcpy(rt->self, self, KAD_ID_LEN);
	rt->k = k;
	rt->nrepl = nrepl;
	rt->maxbuckets = maxbuckets;
	rt->nbuckets = 1;
	return (rt);
}

void
routing_free(struct routing *rt)
{
	unsigned	i;

	if (rt == NULL)
		return;
	for (i = 0; i < rt->nbuckets; i++) {
		free(rt->b[i].e);
		free(rt->b[i].k);
		free(rt->b[i].repl);
	}
	free(rt->b);
	kad_netcount_free(&rt->nets);
	free(rt);
}

unsigned
routing_bucket_of(struct routing *rt, const uint8_t id[KAD_ID_LEN])
{
	unsigned	cpl;

	cpl = kad_id_cpl(id, rt->self);
	return (cpl < rt->nbuckets - 1 ? cpl : rt->nbuckets - 1);
}

static struct rt_entry *
find_in(struct rt_entry *v, size_t n, const uint8_t id[KAD_ID_LEN])
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (kad_id_eq(v[i].id, id))
			return (&v[i]);
	return (NULL);
}

/* Make room for one more element in a growable array (cap <= max). */
static int
grow(struct rt_entry **v, uint16_t *cap, uint16_t n, unsigned max)
{
	struct rt_entry	*nv;
	unsigned	 ncap;

	if (n < *cap)
		return (0);
	if (n >= max)
		return (-1);
	ncap = *cap == 0 ? 4 : *cap * 2u;
	if (ncap > max)
		ncap = max;
	if ((nv = reallocarray(*v, ncap, sizeof(**v))) == NULL)
		return (-1);
	*v = nv;
	*cap = (uint16_t)ncap;
	return (0);
}

static void
remove_at(struct rt_entry *v, uint16_t *n, size_t i)
{
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
	(*n)--;
}

/* Index of id among the bucket's contacts, -1 if it is not there. */
static int
bucket_find(const struct rt_bucket *b, const uint8_t id[KAD_ID_LEN])
{
	uint64_t	x = be64dec(id);
	uint16_t	i;

	for (i = 0; i < b->n; i++)
		if (b->k[i] == x && memcmp(b->e[i].id, id, KAD_ID_LEN) == 0)
			return (i);
	return (-1);
}

/* Room for one more contact (at most max). */
static int
bucket_grow(struct rt_bucket *b, unsigned max)
{
	uint16_t	 cap = b->ecap;
	uint64_t	*nk;

	if (grow(&b->e, &cap, b->n, max) == -1)
		return (-1);
	if (cap != b->ecap) {
		if ((nk = reallocarray(b->k, cap, sizeof(*nk))) == NULL)
			return (-1);
		b->k = nk;
		b->ecap = cap;
	}
	return (0);
}

static void
bucket_set(struct rt_bucket *b, uint16_t i, const struct rt_entry *e)
{
	b->e[i] = *e;
	b->k[i] = be64dec(e->id);
}

/* Append a contact; bucket_grow made room. */
static void
bucket_append(struct rt_bucket *b, const struct rt_entry *e)
{
	bucket_set(b, b->n++, e);
}

/* Remove contact i: the last one takes its place. */
static void
bucket_remove(struct rt_bucket *b, uint16_t i)
{
	uint16_t	last = --b->n;

	if (i != last) {
		b->e[i] = b->e[last];
		b->k[i] = b->k[last];
	}
}

static int
seen_cmp(const void *x, const void *y)
{
	const struct rt_entry	*a = x, *b = y;

	if (a->seen != b->seen)
		return (a->seen < b->seen ? -1 : 1);
	/* the same millisecond: the update that came first (it wraps) */
	if (a->seq != b->seq)
		return ((int16_t)(uint16_t)(a->seq - b->seq) < 0 ? -1 : 1);
	return (memcmp(a->id, b->id, KAD_ID_LEN));
}

int
routing_good(const struct rt_entry *e, uint64_t now)
{
	return (e->replied != 0 && e->fails == 0 &&
	    now - e->seen < RT_GOOD_AGE_MS);
}

static int
is_bad(const struct rt_entry *e)
{
	return (e->fails >= RT_MAX_FAILS);
}

/* RFC 6298 smoothing in fixed point: srtt is ms * 8, rttvar ms * 4. */
void
routing_rtt_sample(struct rt_entry *e, uint32_t rtt)
{
	int64_t	err;

	if (rtt > 60000)
		rtt = 60000;
	if ((e->flags & RT_F_RTT) == 0) {
		e->srtt = rtt << 3;
		e->rttvar = rtt << 1;
		e->flags |= RT_F_RTT;
		return;
	}
	err = (int64_t)rtt - (e->srtt >> 3);
	e->srtt = (uint32_t)((int64_t)e->srtt + err);
	if (err < 0)
		err = -err;
	e->rttvar = (uint32_t)((int64_t)e->rttvar + err - (e->rttvar >> 2));
}

uint32_t
routing_rto(const struct rt_entry *e, uint32_t def, uint32_t min,
    uint32_t max)
{
	uint32_t	rto;

	if (e == NULL || (e->flags & RT_F_RTT) == 0)
		rto = def;
	else
		rto = (e->srtt >> 3) + e->rttvar;
	if (rto < min)
		rto = min;
	if (rto > max)
		rto = max;
	return (rto);
}

/* Move the last bucket's closer contacts into a new last bucket. */
static int
split(struct routing *rt)
{
	struct rt_bucket	*nb, *old, *new;
	unsigned		 L = rt->nbuckets - 1;
	uint16_t		 i;

	nb = reallocarray(rt->b, rt->nbuckets + 1, sizeof(*rt->b));
	if (nb == NULL)
		return (-1);
	rt->b = nb;
	old = &rt->b[L];
	new = &rt->b[L + 1];
	/* both halves cover new ranges: refresh each once (Kademlia join) */
	memset(new, 0, sizeof(*new));
	old->active = 0;
	rt->min_stale = 1;
	rt->nbuckets++;
	for (i = 0; i < old->n; ) {
		if (kad_id_cpl(old->e[i].id, rt->self) > L) {
			if (bucket_grow(new, rt->k) == -1)
				return (-1);
			bucket_append(new, &old->e[i]);
			bucket_remove(old, i);
		} else
			i++;
	}
	for (i = 0; i < old->nr; ) {
		if (kad_id_cpl(old->repl[i].id, rt->self) > L) {
			if (grow(&new->repl, &new->rcap, new->nr,
			    rt->nrepl) == -1)
				return (-1);
			new->repl[new->nr++] = old->repl[i];
			remove_at(old->repl, &old->nr, i);
		} else
			i++;
	}
	return (0);
}

static void
cache(struct routing *rt, struct rt_bucket *b, const struct rt_entry *ne)
{
	struct rt_entry	*e;

	if (rt->nrepl == 0)
		return;
	if ((e = find_in(b->repl, b->nr, ne->id)) != NULL)
		remove_at(b->repl, &b->nr, (size_t)(e - b->repl));
	else if (b->nr >= rt->nrepl)
		remove_at(b->repl, &b->nr, 0);	/* drop the oldest */
	if (grow(&b->repl, &b->rcap, b->nr, rt->nrepl) == -1)
		return;
	b->repl[b->nr++] = *ne;
}

/*
 * Pick the contact whose liveness should be checked, if any: the least
 * recently seen one that is not fresh and not being checked already.
 */
static struct rt_entry *
want_ping(struct rt_bucket *b, uint64_t now)
{
	struct rt_entry	*e, *best = NULL;
	uint16_t	 i;

	for (i = 0; i < b->n; i++) {
		e = &b->e[i];
		if (now - e->seen < RT_FRESH_MS)
			continue;
		if (e->pinged != 0 && now - e->pinged < RT_PING_WAIT_MS)
			continue;
		if (best == NULL || seen_cmp(e, best) < 0)
			best = e;
	}
	if (best != NULL)
		best->pinged = now;
	return (best);
}

/*
 * May a contact of network key join bucket b, b->e[skip] leaving for it
 * (skip -1: none)?  Not if the bucket would hold more than
 * KAD_DIV_BUCKET of that network, or the table more than KAD_DIV_TABLE.
 */
static int
room_for(struct routing *rt, const struct rt_bucket *b, uint64_t key,
    int skip)
{
	unsigned	nb = 0, nt;
	uint16_t	i;

	nt = kad_netcount_get(&rt->nets, key);
	for (i = 0; i < b->n; i++)
		if ((int)i != skip && kad_netkey(&b->e[i].addr) == key)
			nb++;
	if (skip != -1 && kad_netkey(&b->e[skip].addr) == key)
		nt--;
	return (nb < KAD_DIV_BUCKET && nt < KAD_DIV_TABLE);
}

/* b->e[at] (or a new slot, at == b->n) becomes ne; 0, or -1 (ENOMEM). */
static int
bucket_put(struct routing *rt, struct rt_bucket *b, uint16_t at,
    const struct rt_entry *ne)
{
	if (kad_netcount_add(&rt->nets, kad_netkey(&ne->addr)) == -1)
		return (-1);
	if (at == b->n) {
		bucket_append(b, ne);
		rt->count++;
	} else {
		kad_netcount_del(&rt->nets, kad_netkey(&b->e[at].addr));
		bucket_set(b, at, ne);
	}
	return (0);
}

/* A known contact proved itself at addr: move it there if it may. */
static int
move(struct routing *rt, struct rt_bucket *b, int at,
    const struct krpc_addr *addr)
{
	struct rt_entry	*e = &b->e[at];
	uint64_t	 okey = kad_netkey(&e->addr), nkey = kad_netkey(addr);

	if (nkey != okey) {
		if (!room_for(rt, b, nkey, at) ||
		    kad_netcount_add(&rt->nets, nkey) == -1)
			return (-1);
		kad_netcount_del(&rt->nets, okey);
	}
	e->addr = *addr;
	e->flags &= ~RT_F_RTT;
	e->fails = 0;
	return (0);
}

static int
update(struct routing *rt, const uint8_t id[KAD_ID_LEN],
    const uint8_t pub[KRPC_KEY_LEN], const struct krpc_addr *addr,
    uint64_t now, int replied, uint32_t rtt, struct rt_entry **pingme)
{
	struct rt_bucket	*b;
	struct rt_entry		*e, ne;
	uint64_t		 key;
	unsigned		 bi;
	uint16_t		 i;
	int			 at;

	if (pingme != NULL)
		*pingme = NULL;
	if (kad_id_iszero(id) || memcmp(id, rt->self, KAD_ID_LEN) == 0)
		return (RT_IGNORED);
 again:
	bi = routing_bucket_of(rt, id);
	b = &rt->b[bi];
	if ((at = bucket_find(b, id)) != -1) {
		e = &b->e[at];
		if (!addr_eq(&e->addr, addr)) {
			/* only a proved address moves a contact */
			if (!replied || move(rt, b, at, addr) == -1)
				return (RT_IGNORED);
		}
		e->seen = now;
		e->seq = rt->seq++;
		if (replied) {
			e->replied = now;
			e->fails = 0;
			e->pinged = 0;
			if (rtt != RT_RTT_NONE)
				routing_rtt_sample(e, rtt);
		}
		return (RT_UPDATED);
	}

	memset(&ne, 0, sizeof(ne));
	memcpy(ne.id, id, KAD_ID_LEN);
	memcpy(ne.pub, pub, KRPC_KEY_LEN);
	ne.addr = *addr;
	ne.seen = now;
	ne.seq = rt->seq++;
	if (replied) {
		ne.replied = now;
		if (rtt != RT_RTT_NONE)
			routing_rtt_sample(&ne, rtt);
	}
	key = kad_netkey(addr);
	if (b->n < rt->k) {
		if (!room_for(rt, b, key, -1))
			return (RT_REFUSED);
		if (bucket_grow(b, rt->k) == -1 ||
		    bucket_put(rt, b, b->n, &ne) == -1)
			return (RT_IGNORED);
		if ((e = find_in(b->repl, b->nr, id)) != NULL)
			remove_at(b->repl, &b->nr, (size_t)(e - b->repl));
		return (RT_ADDED);
	}
	if (bi == rt->nbuckets - 1 && rt->nbuckets < rt->maxbuckets) {
		if (split(rt) == -1)
			return (RT_IGNORED);
		goto again;
	}
	/* full: a bad contact (the least recently seen) makes room at once */
	for (i = 0, at = -1; i < b->n; i++)
		if (is_bad(&b->e[i]) && (at == -1 ||
		    seen_cmp(&b->e[i], &b->e[at]) < 0))
			at = i;
	if (at != -1 && room_for(rt, b, key, at))
		return (bucket_put(rt, b, (uint16_t)at, &ne) == -1 ?
		    RT_IGNORED : RT_ADDED);
	/* no use waiting, or pinging anyone, for a place it may not take */
	if (!room_for(rt, b, key, -1))
		return (RT_REFUSED);
	cache(rt, b, &ne);
	e = want_ping(b, now);
	if (pingme != NULL)
		*pingme = e;
	return (RT_CACHED);
}

int
routing_heard(struct routing *rt, const uint8_t id[KAD_ID_LEN],
    const uint8_t pub[KRPC_KEY_LEN], const struct krpc_addr *addr,
    uint64_t now, struct rt_entry **pingme)
{
	return (update(rt, id, pub, addr, now, 0, 0, pingme));
}

int
routing_replied(struct routing *rt, const uint8_t id[KAD_ID_LEN],
    const uint8_t pub[KRPC_KEY_LEN], const struct krpc_addr *addr,
    uint64_t now, uint32_t rtt_ms, struct rt_entry **pingme)
{
	return (update(rt, id, pub, addr, now, 1, rtt_ms, pingme));
}

int
routing_failed(struct routing *rt, const uint8_t id[KAD_ID_LEN],
    uint64_t now, int liveness)
{
	struct rt_bucket	*b;
	struct rt_entry		*e, promo;
	int			 at;
	uint16_t		 r;

	b = &rt->b[routing_bucket_of(rt, id)];
	if ((at = bucket_find(b, id)) == -1) {
		/* a dead replacement is of no use either */
		if ((e = find_in(b->repl, b->nr, id)) != NULL)
			remove_at(b->repl, &b->nr, (size_t)(e - b->repl));
		return (0);
	}
	e = &b->e[at];
	e->failed = now;
	if (e->fails < UINT8_MAX)
		e->fails++;
	if (liveness)
		e->pinged = 0;
	if (!liveness && e->fails < RT_MAX_FAILS)
		return (0);
	/* the newest replacement whose network has room */
	for (r = b->nr; r > 0; r--)
		if (room_for(rt, b, kad_netkey(&b->repl[r - 1].addr), at))
			break;
	if (r == 0)
		return (0);
	promo = b->repl[r - 1];
	if (bucket_put(rt, b, (uint16_t)at, &promo) == -1)
		return (0);
	remove_at(b->repl, &b->nr, r - 1);
	return (1);
}

struct rt_entry *
routing_find(struct routing *rt, const uint8_t id[KAD_ID_LEN])
{
	struct rt_bucket	*b;
	int			 at;

	b = &rt->b[routing_bucket_of(rt, id)];
	at = bucket_find(b, id);
	return (at == -1 ? NULL : &b->e[at]);
}

static int
want_family(uint8_t want, uint8_t family)
{
	if (want == 0)
		return (1);
	return (family == KRPC_AF_INET ? (want & KRPC_WANT4) != 0 :
	    (want & KRPC_WANT6) != 0);
}

/*
 * The contacts nearest a target, being collected: out[0..*cnt) sorted,
 * with the first word of each one's distance beside it (od), which
 * decides almost every comparison.
 */
struct closest {
	const uint8_t	 *target;
	uint64_t	  t0;
	struct rt_entry	**out;
	uint64_t	 *od;
	size_t		  n, cnt;
};

static int
closer(const struct closest *cl, const struct rt_entry *e, uint64_t d0,
    size_t j)
{
	if (d0 != cl->od[j])
		return (d0 < cl->od[j]);
	return (kad_id_cmpdist(e->id, cl->out[j]->id, cl->target) < 0);
}

/* Insert the bucket's eligible contacts into the sorted top-n list. */
static void
consider(struct rt_bucket *b, struct closest *cl, uint8_t want, int goodonly,
    uint64_t now)
{
	struct rt_entry	*e;
	uint64_t	 d0;
	uint16_t	 i;
	size_t		 j;

	for (i = 0; i < b->n; i++) {
		d0 = b->k[i] ^ cl->t0;
		/* farther than the n-th already: the contact is not read */
		if (cl->cnt == cl->n && d0 > cl->od[cl->n - 1])
			continue;
		e = &b->e[i];
		if (!want_family(want, e->addr.family))
			continue;
		if (goodonly ? !routing_good(e, now) : is_bad(e))
			continue;
		if (cl->cnt == cl->n && !closer(cl, e, d0, cl->n - 1))
			continue;
		j = cl->cnt < cl->n ? cl->cnt++ : cl->n - 1;
		while (j > 0 && closer(cl, e, d0, j - 1)) {
			cl->out[j] = cl->out[j - 1];
			cl->od[j] = cl->od[j - 1];
			j--;
		}
		cl->out[j] = e;
		cl->od[j] = d0;
	}
}

/* Bit i (from the most significant) of self XOR target. */
static int
differs_at(const struct routing *rt, const uint8_t target[KAD_ID_LEN],
    unsigned i)
{
	return (((rt->self[i / 8] ^ target[i / 8]) >> (7 - i % 8)) & 1);
}

#define RT_CLOSEST_CHUNK	64	/* contacts collected per pass */

static void
closest_scan(struct routing *rt, struct closest *cl, uint8_t want,
    int goodonly, uint64_t now)
{
	unsigned	t, i, L = rt->nbuckets - 1;

	/*
	 * Buckets come in groups strictly ordered by distance to the
	 * target (the first bit where two ids differ decides), so the scan
	 * stops after the group that fills n.  First the target's own
	 * bucket t.  Then the deeper ones: bucket j > t agrees with the
	 * target on bit j exactly when we do not, so the buckets j where
	 * we differ from the target come first (nearest first), then the
	 * last bucket, then the others (deepest first).  Then each
	 * shallower bucket, nearest first.
	 */
	t = routing_bucket_of(rt, cl->target);
	consider(&rt->b[t], cl, want, goodonly, now);
	if (t < L) {
		for (i = t + 1; i < L && cl->cnt < cl->n; i++)
			if (differs_at(rt, cl->target, i))
				consider(&rt->b[i], cl, want, goodonly, now);
		if (cl->cnt < cl->n)
			consider(&rt->b[L], cl, want, goodonly, now);
		for (i = L - 1; i > t && cl->cnt < cl->n; i--)
			if (!differs_at(rt, cl->target, i))
				consider(&rt->b[i], cl, want, goodonly, now);
	}
	for (i = t; i > 0 && cl->cnt < cl->n; i--)
		consider(&rt->b[i - 1], cl, want, goodonly, now);
}

size_t
routing_closest(struct routing *rt, const uint8_t target[KAD_ID_LEN],
    uint8_t want, int goodonly, uint64_t now, struct rt_entry **out,
    size_t n)
{
	struct closest	 cl;
	uint64_t	 od[RT_CLOSEST_CHUNK], *big = NULL;

	if (n == 0)
		return (0);
	memset(&cl, 0, sizeof(cl));
	cl.target = target;
	cl.t0 = be64dec(target);
	cl.out = out;
	cl.n = n;
	cl.od = od;
	/* (only a listing of the whole table asks for more) */
	if (n > RT_CLOSEST_CHUNK &&
	    (cl.od = big = reallocarray(NULL, n, sizeof(*big))) == NULL)
		return (0);
	closest_scan(rt, &cl, want, goodonly, now);
	free(big);
	return (cl.cnt);
}

void
routing_touch(struct routing *rt, const uint8_t target[KAD_ID_LEN],
    uint64_t now)
{
	rt->b[routing_bucket_of(rt, target)].active = now;
	rt->min_stale = 1;
}

/*
 * We know nobody closer to target than us: might there be such nodes
 * unheard of?  Yes if target's bucket was never looked into, or if it
 * is the last one, full, and every contact in it is deeper than
 * target's branch (shares more bits with us than target does): those
 * are simply the nodes nearest us, and a split would make room for the
 * ones in target's branch that we never met.
 */
int
routing_unexplored(struct routing *rt, const uint8_t target[KAD_ID_LEN])
{
	struct rt_bucket	*b = &rt->b[routing_bucket_of(rt, target)];
	unsigned		 c = kad_id_cpl(target, rt->self);
	uint16_t		 i;

	if (b->active == 0)
		return (1);
	if (b != &rt->b[rt->nbuckets - 1] || b->n < rt->k)
		return (0);
	for (i = 0; i < b->n; i++)
		if (kad_id_cpl(b->e[i].id, rt->self) <= c)
			return (0);
	return (1);
}

/* A random id in bucket i's range: our first i bits, then bit i flipped. */
static void
bucket_random(struct routing *rt, unsigned i, const uint8_t rnd[KAD_ID_LEN],
    uint8_t target[KAD_ID_LEN])
{
	unsigned	bit, byte;
	uint8_t		mask;

	for (byte = 0; byte < KAD_ID_LEN; byte++) {
		if ((byte + 1) * 8 <= i)
			mask = 0xff;
		else if (byte * 8 >= i)
			mask = 0;
		else
			mask = (uint8_t)(0xff << (8 - (i - byte * 8)));
		target[byte] = (rt->self[byte] & mask) | (rnd[byte] & ~mask);
	}
	if (i < rt->nbuckets - 1) {
		bit = i;
		target[bit / 8] = (uint8_t)((target[bit / 8] &
		    ~(0x80 >> (bit % 8))) |
		    (~rt->self[bit / 8] & (0x80 >> (bit % 8))));
	}
}

int
routing_refresh(struct routing *rt, uint64_t now, uint64_t interval,
    const uint8_t rnd[KAD_ID_LEN], uint8_t target[KAD_ID_LEN])
{
	unsigned	i, best = 0;
	int		found = 0;

	for (i = 0; i < rt->nbuckets; i++) {
		if (rt->b[i].active != 0 && rt->b[i].active + interval > now)
			continue;
		if (!found || rt->b[i].active < rt->b[best].active)
			best = i;
		found = 1;
	}
	if (!found)
		return (0);
	bucket_random(rt, best, rnd, target);
	rt->b[best].active = now;
	rt->min_stale = 1;
	return (1);
}

/* Asked after every event: the least `active` is kept, not searched. */
uint64_t
routing_next_refresh(struct routing *rt, uint64_t interval)
{
	unsigned	i;
	uint64_t	min = UINT64_MAX;

	if (rt->min_stale) {
		for (i = 0; i < rt->nbuckets; i++) {
			if (rt->b[i].active < min)
				min = rt->b[i].active;
			if (min == 0)
				break;	/* never refreshed: due now */
		}
		rt->min_active = min;
		rt->min_stale = 0;
	}
	if (rt->min_active == 0)
		return (0);
	return (rt->min_active == UINT64_MAX ? UINT64_MAX :
	    rt->min_active + interval);
}

size_t
routing_count(struct routing *rt)
{
	return (rt->count);
}

/* How many networks (kad_netkey) the buckets' contacts are on. */
size_t
routing_nets(struct routing *rt)
{
	return (rt->nets.n);
}

size_t
routing_live(struct routing *rt)
{
	size_t		n = 0;
	unsigned	i;
	uint16_t	j;

	for (i = 0; i < rt->nbuckets; i++)
		for (j = 0; j < rt->b[i].n; j++)
			if (!is_bad(&rt->b[i].e[j]))
				n++;
	return (n);
}

size_t
routing_mem(struct routing *rt)
{
	size_t		n;
	unsigned	i;

	n = sizeof(*rt) + (size_t)rt->nbuckets * sizeof(*rt->b);
	for (i = 0; i < rt->nbuckets; i++)
		n += ((size_t)rt->b[i].ecap + rt->b[i].rcap) *
		    sizeof(struct rt_entry) + rt->b[i].ecap * sizeof(uint64_t);
	return (n + kad_netcount_mem(&rt->nets));
}

unsigned
routing_nbuckets(struct routing *rt)
{
	return (rt->nbuckets);
}

/*
 * Least recently seen first.  The order of the array means nothing
 * anywhere else (seen and seq decide), so sorting it in place is free.
 */
static void
bucket_sort(struct rt_bucket *b)
{
	uint16_t	j;

	if (b->n < 2)
		return;
	qsort(b->e, b->n, sizeof(*b->e), seen_cmp);
	for (j = 0; j < b->n; j++)
		b->k[j] = be64dec(b->e[j].id);
}

const struct rt_entry *
routing_bucket(struct routing *rt, unsigned i, size_t *n, size_t *nrepl)
{
	struct rt_bucket	*b;

	if (i >= rt->nbuckets) {
		*n = 0;
		if (nrepl != NULL)
			*nrepl = 0;
		return (NULL);
	}
	b = &rt->b[i];
	bucket_sort(b);
	*n = b->n;
	if (nrepl != NULL)
		*nrepl = b->nr;
	return (b->e);
}

size_t
routing_save_size(struct routing *rt)
{
	return (RT_BLOB_HDR + RT_BLOB_COUNT + rt->count * RT_BLOB_REC);
}

ssize_t
routing_save(struct routing *rt, void *buf, size_t len)
{
	uint8_t			*p = buf;
	const struct rt_entry	*e;
	size_t			 need, alen;
	unsigned		 i;
	uint16_t		 j;

	need = routing_save_size(rt);
	if (len < need || rt->count > UINT32_MAX) {
		errno = EMSGSIZE;
		return (-1);
	}
	memset(p, 0, need);
	memcpy(p, RT_BLOB_MAGIC, 4);
	p[4] = RT_BLOB_VERSION;
	memcpy(p + 8, rt->self, KAD_ID_LEN);
	be32enc(p + RT_BLOB_HDR, (uint32_t)rt->count);
	p += RT_BLOB_HDR + RT_BLOB_COUNT;
	/* least recently seen first: loaded in this order, it is kept */
	for (i = 0; i < rt->nbuckets; i++) {
		bucket_sort(&rt->b[i]);
		for (j = 0; j < rt->b[i].n; j++) {
			e = &rt->b[i].e[j];
			alen = e->addr.family == KRPC_AF_INET ? 4 : 16;
			memcpy(p, e->pub, KRPC_KEY_LEN);
			p[32] = e->addr.family;
			be16enc(p + 34, e->addr.port);
			memcpy(p + 36, e->addr.ip, alen);
			p += RT_BLOB_REC;
		}
	}
	return ((ssize_t)need);
}

/* One blob record, checked completely; 0 and *ct filled, or -1. */
static int
load_rec(struct routing *rt, const uint8_t *p, const uint8_t *selfpub,
    struct krpc_contact *ct)
{
	static const uint8_t	zero[12];

	memset(ct, 0, sizeof(*ct));
	memcpy(ct->pub, p, KRPC_KEY_LEN);
	if (memcmp(ct->pub, selfpub, KRPC_KEY_LEN) == 0)
		return (-1);
	ct->addr.family = p[32];
	ct->addr.port = be16dec(p + 34);
	memcpy(ct->addr.ip, p + 36, 16);
	if (p[33] != 0 || ct->addr.port == 0)
		return (-1);
	if (ct->addr.family == KRPC_AF_INET) {
		if (memcmp(p + 40, zero, sizeof(zero)) != 0)
			return (-1);
	} else if (ct->addr.family != KRPC_AF_INET6)
		return (-1);
	/* the ID of the key where it was: its network's, as peers see it */
	if (kad_node_id(ct->pub, &ct->addr, ct->id) == -1 ||
	    kad_id_iszero(ct->id) || memcmp(ct->id, rt->self, KAD_ID_LEN) == 0)
		return (-1);
	return (0);
}

int
routing_load(struct routing *rt, const void *buf, size_t len,
    const uint8_t selfpub[KRPC_KEY_LEN], unsigned puzzle_bits, uint64_t now,
    uint64_t *refused)
{
	const uint8_t		*p = buf;
	struct krpc_contact	 ct;
	size_t			 count, i, before;

	if (len < RT_BLOB_HDR + RT_BLOB_COUNT ||
	    memcmp(p, RT_BLOB_MAGIC, 4) != 0 || p[4] != RT_BLOB_VERSION ||
	    p[5] != 0 || p[6] != 0 || p[7] != 0)
		goto bad;
	count = be32dec(p + RT_BLOB_HDR);
	if ((len - RT_BLOB_HDR - RT_BLOB_COUNT) % RT_BLOB_REC != 0 ||
	    (len - RT_BLOB_HDR - RT_BLOB_COUNT) / RT_BLOB_REC != count)
		goto bad;
	p += RT_BLOB_HDR + RT_BLOB_COUNT;
	for (i = 0; i < count; i++)
		if (load_rec(rt, p + i * RT_BLOB_REC, selfpub, &ct) == -1)
			goto bad;
	before = rt->count;
	for (i = 0; i < count; i++) {
		(void)load_rec(rt, p + i * RT_BLOB_REC, selfpub, &ct);
		/* a blob of an earlier version, or one the store made up */
		if (!kad_puzzle_ok(ct.pub, puzzle_bits)) {
			(*refused)++;
			continue;
		}
		(void)update(rt, ct.id, ct.pub, &ct.addr, now, 0, 0, NULL);
	}
	return ((int)(rt->count - before));
 bad:
	errno = EINVAL;
	return (-1);
}
