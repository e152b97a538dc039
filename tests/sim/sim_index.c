/* SPDX-License-Identifier: ISC */
/*
 * sim_index: what only the simulator knows, kept so that asking it is
 * cheap at 100,000 nodes.  The node ids in sorted order give the true k
 * closest nodes to a key from a short range of the order (every node
 * that shares L leading bits with the key sits in one contiguous run);
 * a hash of the stored keys gives every node that holds a chunk without
 * looking at each store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/routing.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"

static int	*ord;			/* node indexes sorted by id */
static size_t	 nord;
static int	 dirty;

struct hentry {
	uint8_t		 key[KAD_ID_LEN];
	uint32_t	 head;		/* first holder record, NIL: none */
	uint32_t	 used;
};

struct hrec {
	uint32_t	 node;
	uint32_t	 next;
};

/* one holder index per partition: each is only written by its thread */
static struct hindex {
	struct hentry	*htab;
	size_t		 hcap, hused;
	struct hrec	*recs;
	size_t		 nrecs, caprecs;
	uint32_t	 recfree;
} H[SIM_PARTS];

void
index_init(size_t maxnodes)
{
	int	p;

	if ((ord = calloc(maxnodes ? maxnodes : 1, sizeof(*ord))) == NULL)
		abort();
	nord = 0;
	dirty = 0;
	for (p = 0; p < SIM_PARTS; p++) {
		memset(&H[p], 0, sizeof(H[p]));
		H[p].hcap = 1024;
		H[p].recfree = NIL;
		if ((H[p].htab = calloc(H[p].hcap, sizeof(*H[p].htab))) ==
		    NULL)
			abort();
	}
}

void
index_free(void)
{
	int	p;

	free(ord);
	ord = NULL;
	for (p = 0; p < SIM_PARTS; p++) {
		free(H[p].htab);
		free(H[p].recs);
		memset(&H[p], 0, sizeof(H[p]));
	}
}

void
index_add_node(int i)
{
	ord[nord++] = i;
	dirty = 1;
}

static int
ordcmp(const void *a, const void *b)
{
	return (memcmp(sim_node(*(const int *)a)->id,
	    sim_node(*(const int *)b)->id, KAD_ID_LEN));
}

/* Called before events run: the windows only read the order. */
void
index_sort_now(void)
{
	if (!dirty)
		return;
	qsort(ord, nord, sizeof(*ord), ordcmp);
	dirty = 0;
}

/* First position in ord whose id is >= id. */
static size_t
lower_bound(const uint8_t id[KAD_ID_LEN])
{
	size_t	lo = 0, hi = nord, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(sim_node(ord[mid])->id, id, KAD_ID_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* The ids sharing the first L bits with key: [*lo, *hi) in ord. */
static void
prefix_range(const uint8_t key[KAD_ID_LEN], unsigned L, size_t *lo,
    size_t *hi)
{
	uint8_t		a[KAD_ID_LEN], b[KAD_ID_LEN];
	unsigned	byte, bit;
	size_t		i;

	memcpy(a, key, KAD_ID_LEN);
	memcpy(b, key, KAD_ID_LEN);
	byte = L / 8;
	bit = L % 8;
	if (byte < KAD_ID_LEN) {
		a[byte] &= (uint8_t)(0xff00 >> bit);
		b[byte] |= (uint8_t)(0xff >> bit);
		for (i = byte + 1; i < KAD_ID_LEN; i++) {
			a[i] = 0;
			b[i] = 0xff;
		}
	}
	*lo = lower_bound(a);
	*hi = *lo;
	while (*hi < nord &&
	    memcmp(sim_node(ord[*hi])->id, b, KAD_ID_LEN) <= 0)
		(*hi)++;
}

static int
qualifies(int i, int except, int honest_only)
{
	struct sim_node	*n = sim_node(i);

	return (i != except && n->state == SIM_UP &&
	    (!honest_only || n->behave == SIM_HONEST));
}

size_t
sim_truth(const uint8_t key[KAD_ID_LEN], int *out, size_t n, int except,
    int honest_only)
{
	size_t		 lo, hi, p, i, cnt, j;
	unsigned	 L, c;
	int		 x;

	if (n == 0 || nord == 0)
		return (0);
	index_sort_now();
	/* start at the longest prefix any node shares with the key */
	p = lower_bound(key);
	L = 0;
	if (p < nord)
		L = kad_id_cpl(sim_node(ord[p])->id, key);
	if (p > 0 && (c = kad_id_cpl(sim_node(ord[p - 1])->id, key)) > L)
		L = c;
	for (;;) {
		prefix_range(key, L, &lo, &hi);
		for (cnt = 0, i = lo; i < hi && cnt < n; i++)
			cnt += qualifies(ord[i], except, honest_only);
		if (cnt >= n || L == 0)
			break;
		L--;
	}
	/* the n closest of the run, by insertion into a sorted list */
	cnt = 0;
	for (i = lo; i < hi; i++) {
		x = ord[i];
		if (!qualifies(x, except, honest_only))
			continue;
		if (cnt == n && kad_id_cmpdist(sim_node(x)->id,
		    sim_node(out[n - 1])->id, key) >= 0)
			continue;
		j = cnt < n ? cnt++ : n - 1;
		while (j > 0 && kad_id_cmpdist(sim_node(x)->id,
		    sim_node(out[j - 1])->id, key) < 0) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
	}
	return (cnt);
}

int
sim_node_by_id(const uint8_t id[KAD_ID_LEN])
{
	size_t	p;

	index_sort_now();
	p = lower_bound(id);
	if (p < nord && memcmp(sim_node(ord[p])->id, id, KAD_ID_LEN) == 0)
		return (ord[p]);
	return (-1);
}

/* ---- holders ---- */

static size_t
hslot(const struct hindex *x, const uint8_t key[KAD_ID_LEN])
{
	uint64_t	h;

	memcpy(&h, key, sizeof(h));	/* keys are uniform already */
	return ((size_t)(h * 0x9e3779b97f4a7c15ULL >> 20) & (x->hcap - 1));
}

static struct hentry *
hfind(struct hindex *x, const uint8_t key[KAD_ID_LEN], int create)
{
	struct hentry	*old, *e;
	size_t		 i, oldcap;

	if (create && (x->hused + 1) * 2 > x->hcap) {
		old = x->htab;
		oldcap = x->hcap;
		x->hcap *= 2;
		if ((x->htab = calloc(x->hcap, sizeof(*x->htab))) == NULL)
			abort();
		for (i = 0; i < oldcap; i++) {
			if (!old[i].used)
				continue;
			e = &x->htab[hslot(x, old[i].key)];
			while (e->used)
				e = e == &x->htab[x->hcap - 1] ? x->htab :
				    e + 1;
			*e = old[i];
		}
		free(old);
	}
	e = &x->htab[hslot(x, key)];
	while (e->used) {
		if (memcmp(e->key, key, KAD_ID_LEN) == 0)
			return (e);
		e = e == &x->htab[x->hcap - 1] ? x->htab : e + 1;
	}
	if (!create)
		return (NULL);
	memcpy(e->key, key, KAD_ID_LEN);
	e->used = 1;
	e->head = NIL;
	x->hused++;
	return (e);
}

void
holders_add(int part, const uint8_t key[KAD_ID_LEN], int node)
{
	struct hindex	*x = &H[part];
	struct hentry	*e = hfind(x, key, 1);
	uint32_t	 r;

	for (r = e->head; r != NIL; r = x->recs[r].next)
		if (x->recs[r].node == (uint32_t)node)
			return;
	if (x->recfree != NIL) {
		r = x->recfree;
		x->recfree = x->recs[r].next;
	} else {
		if (x->nrecs == x->caprecs) {
			x->caprecs = x->caprecs ? x->caprecs * 2 : 4096;
			x->recs = reallocarray(x->recs, x->caprecs,
			    sizeof(*x->recs));
			if (x->recs == NULL)
				abort();
		}
		r = (uint32_t)x->nrecs++;
	}
	x->recs[r].node = (uint32_t)node;
	x->recs[r].next = e->head;
	e->head = r;
}

void
holders_del(int part, const uint8_t key[KAD_ID_LEN], int node)
{
	struct hindex	*x = &H[part];
	struct hentry	*e = hfind(x, key, 0);
	uint32_t	*pp, r;

	if (e == NULL)
		return;
	for (pp = &e->head; (r = *pp) != NIL; pp = &x->recs[r].next) {
		if (x->recs[r].node == (uint32_t)node) {
			*pp = x->recs[r].next;
			x->recs[r].next = x->recfree;
			x->recfree = r;
			return;
		}
	}
}

/* Holders in node order, whichever partition's index has them. */
static int
intcmp(const void *a, const void *b)
{
	int	x = *(const int *)a, y = *(const int *)b;

	return (x < y ? -1 : x > y);
}

size_t
sim_holders(const uint8_t key[KAD_ID_LEN], int *out, size_t max)
{
	struct hentry	*e;
	uint32_t	 r;
	size_t		 n = 0;
	int		 p;

	for (p = 0; p < SIM_PARTS; p++) {
		if ((e = hfind(&H[p], key, 0)) == NULL)
			continue;
		for (r = e->head; r != NIL && n < max; r = H[p].recs[r].next)
			out[n++] = (int)H[p].recs[r].node;
	}
	qsort(out, n, sizeof(*out), intcmp);
	return (n);
}
