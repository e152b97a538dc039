/* SPDX-License-Identifier: ISC */
/*
 * scn_churn: GETs while nodes come and go.  Every node alternates an
 * online session and an offline spell, both drawn from a Weibull
 * distribution (docs/SCALE.md gives the measurements behind the
 * parameters); a node leaves without a word, and comes back with its
 * id, the routing table it saved and its store.  Each simulated hour,
 * chunks published at the start are fetched from random nodes that do
 * not hold them; the success rate is printed per hour and overall.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "tests/sim/kadsim.h"

#define HOUR_US		(3600ULL * 1000000)

static double		 scale_on, scale_off;
static uint64_t		 transitions;

struct get {
	uint8_t		 done, ok;
	uint32_t	 hour;
	uint64_t	 ms;
};

static struct get	*gets;
static uint64_t		 get_base;
static size_t		 ngets;

static void	churn_leave(void *, uint64_t);

static uint64_t
draw_us(double scale)
{
	double	min = sim_rand_weibull(opt.weibull_shape, scale);

	if (min < 0.05)
		min = 0.05;	/* 3 s: a session is at least a start */
	return ((uint64_t)(min * 60e6));
}

static void
churn_join(void *arg, uint64_t node)
{
	(void)arg;
	if (sim_node_up((int)node) == 0)
		transitions++;
	sim_at(sim_now_us() + draw_us(scale_on), churn_leave, NULL, node);
}

static void
churn_leave(void *arg, uint64_t node)
{
	(void)arg;
	sim_node_down((int)node);
	transitions++;
	sim_at(sim_now_us() + draw_us(scale_off), churn_join, NULL, node);
}

static void
get_event(int node, const struct dht_event *ev)
{
	struct get	*g;

	(void)node;
	if (ev->type != DHT_EV_GET || ev->cookie < get_base ||
	    ev->cookie - get_base >= ngets)
		return;
	g = &gets[ev->cookie - get_base];
	if (g->done)
		return;
	g->done = 1;
	g->ok = ev->status == 0;
	g->ms = ev->ms;
}

int
scn_churn(void)
{
	uint8_t		(*keys)[KAD_ID_LEN];
	size_t		 i, n, per_hour, ok, tot_ok = 0, tot = 0, *upat;
	uint64_t	 t0, t, *ms;
	unsigned	 h;
	int		 src;
	char		 key[64];

	sim_init(&opt.sim, opt.nodes);
	if (net_build(opt.nodes) == -1)
		return (-1);
	/* scale from the median: median = scale * (ln 2)^(1/shape) */
	scale_on = opt.session_median_min /
	    pow(log(2.0), 1.0 / opt.weibull_shape);
	scale_off = opt.offline_median_min /
	    pow(log(2.0), 1.0 / opt.weibull_shape);
	out("session-median-min", "%.0f", opt.session_median_min);
	out("offline-median-min", "%.0f", opt.offline_median_min);
	out("weibull-shape", "%.2f", opt.weibull_shape);

	n = opt.gets;
	if ((keys = calloc(n + 1, KAD_ID_LEN)) == NULL)
		abort();
	out("put-success-pct", "%.2f",
	    100.0 * (double)net_publish(keys, n, KRPC_MAX_VALUE) / (double)n);

	/* every node starts a session of its own length now */
	for (i = 0; i < opt.nodes; i++)
		sim_at(sim_now_us() + draw_us(scale_on), churn_leave, NULL, i);

	per_hour = opt.gets;
	ngets = per_hour * opt.hours;
	if ((gets = calloc(ngets + 1, sizeof(*gets))) == NULL ||
	    (ms = calloc(ngets + 1, sizeof(*ms))) == NULL ||
	    (upat = calloc(opt.hours, sizeof(*upat))) == NULL)
		abort();
	get_base = 1ULL << 44;
	kadsim_done = get_event;
	csv_row("hour,index,success,ms");
	t0 = sim_now_us();
	for (h = 0; h < opt.hours; h++) {
		for (i = 0; i < per_hour; i++) {
			t = t0 + h * HOUR_US + (HOUR_US * i) / per_hour;
			sim_run_until(t);
			gets[h * per_hour + i].hour = h;
			/* from a node that is up and does not hold it */
			do
				src = sim_random_up();
			while (src != -1 && sim_store_has(src, keys[i % n]));
			if (src == -1 || sim_get(src, keys[i % n],
			    get_base + h * per_hour + i) == -1)
				gets[h * per_hour + i].done = 1;
		}
		sim_run_until(t0 + (h + 1) * HOUR_US);
		upat[h] = sim_nup();
	}
	sim_run_for_ms(30000);	/* the last GETs end */
	for (h = 0; h < opt.hours; h++) {
		for (ok = 0, i = 0; i < per_hour; i++)
			ok += gets[h * per_hour + i].ok;
		tot_ok += ok;
		tot += per_hour;
		snprintf(key, sizeof(key), "hour-%u", h + 1);
		out(key, "get-success %.2f%%, nodes up %zu", 100.0 *
		    (double)ok / (double)per_hour, upat[h]);
	}
	for (ok = 0, i = 0; i < ngets; i++) {
		csv_row("%u,%zu,%d,%llu", gets[i].hour, i, gets[i].ok,
		    (unsigned long long)gets[i].ms);
		if (gets[i].ok)
			ms[ok++] = gets[i].ms;
	}
	out("churn-transitions", "%llu", (unsigned long long)transitions);
	out("churn-get-count", "%zu", ngets);
	out("churn-get-success-pct", "%.2f", 100.0 * (double)tot_ok /
	    (double)(tot ? tot : 1));
	out("churn-get-latency-ms-median", "%.0f", pct_u64(ms, ok, 50));
	out("churn-get-latency-ms-p99", "%.0f", pct_u64(ms, ok, 99));
	kadsim_done = NULL;
	free(gets);
	free(ms);
	free(upat);
	free(keys);
	return (0);
}
