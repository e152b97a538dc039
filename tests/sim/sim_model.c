/* SPDX-License-Identifier: ISC */
/*
 * sim_model: the simulator's random streams and its model of the wide
 * area network.  A pair of nodes gets a fixed round trip drawn once from
 * a log-normal distribution (a hash of the pair picks the quantile, so
 * no table per pair is kept); docs/SCALE.md gives the source of the
 * parameters.  Loss is independent per datagram.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"

#define Q_BITS		16
#define Q_N		(1u << Q_BITS)
#define RTT_MIN_US	2000		/* nothing on the Internet is closer */
#define RTT_MAX_US	3000000

static uint32_t	*quantile_us;		/* one-way delay by quantile */
static uint64_t	 fixed_oneway_us;
static uint64_t	 pair_key;

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

void
rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t	s = seed ^ (stream * 0xd1342543de82ef95ULL);

	r->s = splitmix(&s);
}

uint64_t
rng_next(struct sim_rng *r)
{
	return (splitmix(&r->s));
}

double
rng_unit(struct sim_rng *r)
{
	return ((double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0));
}

/* The standard normal quantile, by bisection on erfc (init time only). */
static double
normal_quantile(double p)
{
	double	lo = -10, hi = 10, mid, cdf;
	int	i;

	for (i = 0; i < 80; i++) {
		mid = (lo + hi) / 2;
		cdf = 0.5 * erfc(-mid / sqrt(2.0));
		if (cdf < p)
			lo = mid;
		else
			hi = mid;
	}
	return ((lo + hi) / 2);
}

void
model_init(uint64_t seed, double median_ms, double p95_ms, double fixed_ms)
{
	double		sigma, rtt;
	uint64_t	s = seed ^ 0x5851f42d4c957f2dULL;
	uint32_t	j;

	pair_key = splitmix(&s);
	fixed_oneway_us = 0;
	if (fixed_ms > 0) {
		fixed_oneway_us = (uint64_t)(fixed_ms * 1000.0 / 2.0 + 0.5);
		if (fixed_oneway_us == 0)
			fixed_oneway_us = 1;	/* 0 means "not fixed" */
		return;
	}
	if (quantile_us == NULL &&
	    (quantile_us = calloc(Q_N, sizeof(*quantile_us))) == NULL)
		abort();
	if (median_ms <= 0)
		median_ms = 100;
	if (p95_ms <= median_ms)
		p95_ms = median_ms * 3;
	/* log-normal: ln(rtt) ~ N(ln(median), s), p95 = median e^(1.645s) */
	sigma = log(p95_ms / median_ms) / normal_quantile(0.95);
	for (j = 0; j < Q_N; j++) {
		rtt = median_ms * 1000.0 *
		    exp(sigma * normal_quantile((j + 0.5) / Q_N));
		if (rtt < RTT_MIN_US)
			rtt = RTT_MIN_US;
		if (rtt > RTT_MAX_US)
			rtt = RTT_MAX_US;
		quantile_us[j] = (uint32_t)(rtt / 2.0 + 0.5);
	}
}

void
model_free(void)
{
	free(quantile_us);
	quantile_us = NULL;
}

/* One-way delay between nodes a and b: the same both ways, every time. */
uint64_t
model_oneway_us(int a, int b)
{
	uint64_t	h;

	if (fixed_oneway_us != 0)
		return (fixed_oneway_us);
	if (a > b) {
		h = (uint64_t)a;
		a = b;
		b = (int)h;
	}
	h = pair_key ^ ((uint64_t)(uint32_t)a << 32 | (uint32_t)b);
	h = splitmix(&h);
	return (quantile_us[h >> (64 - Q_BITS)]);
}

/* The shortest one-way delay the model gives: the lookahead. */
uint64_t
model_min_oneway_us(void)
{
	return (fixed_oneway_us != 0 ? fixed_oneway_us : RTT_MIN_US / 2);
}

/* Weibull(shape, scale) by inversion. */
double
model_weibull(struct sim_rng *r, double shape, double scale)
{
	double	u = rng_unit(r);

	return (scale * pow(-log1p(-u), 1.0 / shape));
}
