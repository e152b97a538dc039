/* SPDX-License-Identifier: ISC */
/*
 * dur_mc: files whole over many drawn losses, with the holders the
 * chunks have on this network.  What survives right after a kill
 * depends only on the holders and the dead, so once the holders are
 * written down, each draw of the dead costs a pass over them and the
 * files' stripes.  This keeps every dependence the extrapolation has to
 * assume away: chunks of a file sharing holders (at 10,000 nodes a 25
 * MiB file has 7 copies on the average node), inside a stripe and
 * across stripes, and exactly D of the N nodes dead.
 *
 * Holders are either the nodes that really hold each chunk (placed
 * files), or, for files too large to place, the `copies` true closest
 * nodes to each key, where the PUT path puts them (it does for all but
 * a few in 10,000: kadsim prints before-chunks-on-all-closest-pct).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "tests/sim/sim.h"
#include "tests/sim/dur_local.h"

void
dur_mc_init(struct dur_mc *m, const struct dur_set *S, int truth)
{
	int		 h[DUR_MAXH];
	size_t		 i, j, n, cap = 0, used = 0;

	memset(m, 0, sizeof(*m));
	m->S = S;
	if ((m->off = calloc(S->nc + 1, sizeof(*m->off))) == NULL ||
	    (m->lost = calloc(S->nc, 1)) == NULL)
		abort();
	for (i = 0; i < S->nc; i++) {
		if (truth)
			n = sim_truth(S->c[i].key, h, S->c[i].copies, -1, 1);
		else
			n = sim_holders(S->c[i].key, h, DUR_MAXH);
		if (used + n > cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if ((m->hold = reallocarray(m->hold, cap,
			    sizeof(*m->hold))) == NULL)
				abort();
		}
		for (j = 0; j < n; j++)
			m->hold[used++] = h[j];
		m->off[i + 1] = (uint32_t)used;
	}
}

void
dur_mc_free(struct dur_mc *m)
{
	free(m->hold);
	free(m->off);
	free(m->lost);
	memset(m, 0, sizeof(*m));
}

/* Whole files of each kind (small, large) when the nodes in dead[] die. */
void
dur_mc_eval(struct dur_mc *m, const uint8_t *dead, size_t whole[2])
{
	const struct dur_set	*S = m->S;
	const struct dur_stripe	*s;
	const struct dur_file	*f;
	size_t			 i, j, c, l;
	uint32_t		 k;
	int			 ok;

	for (i = 0; i < S->nc; i++) {
		m->lost[i] = 1;
		for (k = m->off[i]; k < m->off[i + 1]; k++)
			if (!dead[m->hold[k]]) {
				m->lost[i] = 0;
				break;
			}
	}
	for (i = 0; i < S->nf; i++) {
		f = &S->f[i];
		ok = !m->lost[f->root];
		for (j = 0; ok && j < f->nstripes; j++) {
			s = &S->s[f->stripe0 + j];
			for (c = s->first, l = 0; c < (size_t)s->first + s->k +
			    s->p; c++)
				l += m->lost[c];
			ok = l <= s->p;
		}
		whole[f->large] += ok;
	}
}
