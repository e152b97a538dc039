/* SPDX-License-Identifier: ISC */
/*
 * dur_shared: the loss probability of one placed stripe when each node
 * dies with probability f, independently, with the holders its chunks
 * really have.  Chunks that share a holder die together more often than
 * independent ones; the chunks are grouped by the holders they share
 * (union-find), each group's distribution of lost chunks is summed over
 * the states of its shared holders (given them, its chunks are
 * independent: a chunk is lost when its shared holders are all dead and
 * its own ones are, f to their number), and the groups, independent of
 * each other, are convolved.  Exact for this model; with `apart` each
 * chunk's holders are taken as its own, which is the independent-chunk
 * model the extrapolation uses.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "tests/sim/sim.h"
#include "tests/sim/dur_local.h"

#define SHARED_MAX	16	/* shared holders enumerated in one group */

struct slot {
	int		 node;
	unsigned	 chunk;		/* in the stripe */
};

static int
slotcmp(const void *a, const void *b)
{
	const struct slot	*x = a, *y = b;

	if (x->node != y->node)
		return (x->node < y->node ? -1 : 1);
	return (x->chunk < y->chunk ? -1 : x->chunk > y->chunk);
}

static unsigned
uf_find(unsigned *up, unsigned x)
{
	while (up[x] != x)
		x = up[x] = up[up[x]];
	return (x);
}

/* dist (n+1 entries) convolved with a group's own distribution g. */
static void
convolve(double *dist, unsigned *n, const double *g, unsigned gn, double *tmp)
{
	unsigned	i, j;

	memset(tmp, 0, (*n + gn + 1) * sizeof(*tmp));
	for (i = 0; i <= *n; i++)
		for (j = 0; j <= gn; j++)
			tmp[i + j] += dist[i] * g[j];
	*n += gn;
	memcpy(dist, tmp, (*n + 1) * sizeof(*tmp));
}

struct group {
	unsigned	 nc, ns;
	unsigned	 chunk[DUR_MAXSTRIPE];
	int		 shared[SHARED_MAX];
};

/*
 * A group's distribution of lost chunks: each state of its shared
 * holders in turn; given it, a chunk is lost when its shared holders
 * are all dead and its own ones are (f to their number).
 */
static void
group_dist(const struct group *g, const struct slot *sl, size_t nsl,
    double f, double *out, double *tmp)
{
	double		 pc, ps, one[2];
	double		 acc[DUR_MAXSTRIPE + 1], d[DUR_MAXSTRIPE + 1];
	unsigned	 mask, c, i, n, own, dead_all;
	size_t		 k;

	memset(acc, 0, sizeof(acc));
	for (mask = 0; mask < (1u << g->ns); mask++) {
		ps = 1;
		for (i = 0; i < g->ns; i++)
			ps *= mask & (1u << i) ? f : 1 - f;
		d[0] = 1;
		n = 0;
		for (c = 0; c < g->nc; c++) {
			own = 0;
			dead_all = 1;
			for (k = 0; k < nsl; k++) {
				if (sl[k].chunk != g->chunk[c])
					continue;
				for (i = 0; i < g->ns; i++)
					if (g->shared[i] == sl[k].node)
						break;
				if (i == g->ns)
					own++;
				else if (!(mask & (1u << i)))
					dead_all = 0;
			}
			pc = dead_all ? pow(f, own) : 0;
			one[0] = 1 - pc;
			one[1] = pc;
			convolve(d, &n, one, 1, tmp);
		}
		for (i = 0; i <= n; i++)
			acc[i] += ps * d[i];
	}
	memcpy(out, acc, (g->nc + 1) * sizeof(*out));
}

/*
 * P(stripe lost) with its real holders (apart 0) or with each chunk's
 * holders taken as its own (apart 1).  Returns -1 when a group of
 * chunks shares more holders than can be enumerated.
 */
double
dur_stripe_loss(const struct dur_set *S, const struct dur_stripe *s,
    double f, int apart)
{
	static struct slot	 sl[DUR_MAXH * DUR_MAXSTRIPE];
	static unsigned		 up[DUR_MAXSTRIPE];
	static double		 dist[DUR_MAXSTRIPE + 1], tmp[DUR_MAXSTRIPE + 1];
	static double		 gd[DUR_MAXSTRIPE + 1];
	struct group		 g;
	int			 h[DUR_MAXH];
	unsigned		 n = s->k + s->p, i, r, dn = 0;
	size_t			 nsl = 0, a, b, j, m;
	double			 t = 0;

	for (i = 0; i < n; i++) {
		m = sim_holders(S->c[s->first + i].key, h, DUR_MAXH);
		for (j = 0; j < m; j++) {
			sl[nsl].node = apart ? -(int)(nsl + 1) : h[j];
			sl[nsl++].chunk = i;
		}
		up[i] = i;
	}
	qsort(sl, nsl, sizeof(*sl), slotcmp);
	for (a = 0; a < nsl; a = b) {
		for (b = a + 1; b < nsl && sl[b].node == sl[a].node; b++)
			up[uf_find(up, sl[b].chunk)] = uf_find(up, sl[a].chunk);
	}
	dist[0] = 1;
	for (r = 0; r < n; r++) {
		if (uf_find(up, r) != r)
			continue;
		memset(&g, 0, sizeof(g));
		for (i = 0; i < n; i++)
			if (uf_find(up, i) == r)
				g.chunk[g.nc++] = i;
		for (a = 0; a < nsl; a = b) {
			for (b = a + 1; b < nsl && sl[b].node == sl[a].node;)
				b++;
			if (b - a < 2 || uf_find(up, sl[a].chunk) != r)
				continue;
			if (g.ns == SHARED_MAX)
				return (-1);
			g.shared[g.ns++] = sl[a].node;
		}
		group_dist(&g, sl, nsl, f, gd, tmp);
		convolve(dist, &dn, gd, g.nc, tmp);
	}
	for (i = s->p + 1; i <= dn; i++)
		t += dist[i];
	return (t);
}

