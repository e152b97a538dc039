/* SPDX-License-Identifier: ISC */
/*
 * dur_odds: what a loss of a share of the nodes does to files larger
 * than a run can place, worked out from the holders each placed chunk
 * really has.
 *
 * A chunk with h holders is lost when all h are among the D dead of N
 * nodes: C(N-h, D-h) / C(N, D), exactly.  Over the placed chunks (the
 * root apart) the holder counts have a measured distribution; a chunk
 * of a larger file is taken to draw its count from it, so its loss has
 * the mean probability q of that distribution.  Losses of different
 * chunks are then taken as independent: a stripe of n chunks with p
 * parity is lost with P(Bin(n, q) > p), and a file is whole with its
 * root and every stripe of its tree, the product over them.
 *
 * Two things make chunk losses dependent.  Killing exactly D nodes
 * makes losses of chunks with no holder in common slightly negatively
 * correlated (a looser tail: independence overstates the loss).  Two
 * chunks of a stripe may share a holder (10,000 nodes, 88 chunks of 2
 * copies: about one pair in each stripe), which makes them die
 * together more often (independence understates it).  The second is
 * measured: for every placed full stripe, the loss probability with
 * its real holders, shared ones enumerated, against the same stripe
 * with its holders taken apart, both with each node dead with
 * probability f independently; the ratio (sharing-x) is printed and
 * applied to every stripe in a second estimate.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "tests/sim/kadsim.h"
#include "tests/sim/dur_local.h"

/* ln C(n, k), by lgamma */
double
dur_lchoose(double n, double k)
{
	return (lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1));
}

/* All h holders among the D dead of N nodes. */
double
dur_chunk_loss(unsigned holders, double nodes, double dead)
{
	double	h = holders;

	if (h == 0)
		return (1);
	if (h > dead)
		return (0);
	return (exp(dur_lchoose(nodes - h, dead - h) -
	    dur_lchoose(nodes, dead)));
}

/* P(Bin(n, q) > p): a stripe of n chunks with p parity lost. */
static double
stripe_loss(unsigned n, unsigned p, double q)
{
	double		t = 0;
	unsigned	i;

	if (p >= n || q <= 0)
		return (0);
	if (q >= 1)
		return (1);
	for (i = p + 1; i <= n; i++)
		t += exp(dur_lchoose(n, i) + i * log(q) + (n - i) * log1p(-q));
	return (fmin(t, 1));
}

/* ln P(a file of n0 data chunks whole): every stripe and the root. */
static double
file_whole_log(const struct dur_ec *ec, uint64_t n0, double q, double qroot,
    double sharing)
{
	struct dur_level lv[DUR_MAXLEVEL];
	size_t		 nl, h;
	double		 l = log1p(-fmin(qroot, 1)), x;
	unsigned	 p;

	if ((nl = dur_shape(ec, n0, lv, DUR_MAXLEVEL)) == 0)
		return (-INFINITY);
	for (h = 0; h < nl; h++) {
		p = dur_parity(ec, ec->k);
		x = fmin(1, sharing * stripe_loss(ec->k + p, p, q));
		l += (double)lv[h].full * log1p(-x);
		if (lv[h].last > 0) {
			p = dur_parity(ec, lv[h].last);
			x = fmin(1, sharing * stripe_loss(lv[h].last + p, p, q));
			l += log1p(-x);
		}
	}
	return (l);
}

/*
 * Over the placed full stripes, the loss with the holders they share
 * against the same with none shared: how far independence is off.
 */
static double
sharing_x(const struct dur_set *S, const struct dur_ec *ec, double f,
    size_t *used, size_t *skipped)
{
	double		 shared = 0, apart = 0, a;
	size_t		 i;

	*used = *skipped = 0;
	for (i = 0; i < S->ns; i++) {
		if (S->s[i].k != ec->k || S->s[i].p == 0)
			continue;
		if ((a = dur_stripe_loss(S, &S->s[i], f, 0)) < 0) {
			(*skipped)++;
			continue;
		}
		shared += a;
		apart += dur_stripe_loss(S, &S->s[i], f, 1);
		(*used)++;
	}
	return (apart > 0 ? shared / apart : 1);
}

/*
 * The whole-file odds of 25 MiB and 1 GiB files when a share frac of
 * the nodes dies at once, from the holders the placed chunks have (the
 * headline: independent chunks; then with the measured sharing).
 */
void
dur_extrapolate(const struct dur_set *S, const struct dur_ec *ec,
    double frac)
{
	static const struct {
		const char	*name;
		uint64_t	 n0;
	} sizes[] = { { "25MiB", 25600 }, { "1GiB", 1048576 } };
	double		 N = (double)opt.nodes, D = floor(frac * N);
	double		 q = 0, qr = 0, x;
	size_t		 hist[DUR_MAXH + 1], n = 0, nr = 0, i, used, skipped;
	char		 key[80];

	memset(hist, 0, sizeof(hist));
	for (i = 0; i < S->nc; i++) {
		if (S->c[i].kind == DUR_ROOT) {
			qr += dur_chunk_loss(S->c[i].held, N, D);
			nr++;
		} else {
			hist[S->c[i].held]++;
			n++;
		}
	}
	for (i = 0; i <= DUR_MAXH; i++)
		q += (double)hist[i] * dur_chunk_loss((unsigned)i, N, D);
	q /= n > 0 ? (double)n : 1;
	qr /= nr > 0 ? (double)nr : 1;
	x = sharing_x(S, ec, frac, &used, &skipped);
	snprintf(key, sizeof(key), "kill-%.0f%%-chunk-loss-probability",
	    frac * 100);
	out(key, "%.3g (root %.3g)", q, qr);
	snprintf(key, sizeof(key), "kill-%.0f%%-sharing-x", frac * 100);
	out(key, "%.3f (%zu placed full stripes, %zu not enumerated)", x,
	    used, skipped);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(key, sizeof(key), "kill-%.0f%%-ext-whole-%s-file-pct",
		    frac * 100, sizes[i].name);
		out(key, "%.4f", 100 * exp(file_whole_log(ec, sizes[i].n0, q,
		    qr, 1)));
		snprintf(key, sizeof(key),
		    "kill-%.0f%%-ext-whole-%s-file-shared-pct", frac * 100,
		    sizes[i].name);
		out(key, "%.4f", 100 * exp(file_whole_log(ec, sizes[i].n0, q,
		    qr, x)));
	}
}
