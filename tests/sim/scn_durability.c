/* SPDX-License-Identifier: ISC */
/*
 * scn_durability: files published as their real chunk sets (format
 * version 2: data, parity and index chunks of the coded tree, each put
 * through the real PUT path with its copy count, and the root), then a
 * share of the nodes killed at once.
 *
 * Right after a kill, before anything repairs, what survives is a
 * function of the holders and the dead alone, so the 10%, 30% and 50%
 * losses are each drawn against the placed network, and the one of
 * --kill is then carried out: simulated whole files (a file is whole
 * when its root and every stripe are recoverable from the live copies).
 * What files of 25 MiB and 1 GiB would do is extrapolated from the
 * holders the placed chunks have (dur_odds.c).  After the real kill:
 * the surviving chunks back on their closest live nodes at quarters of
 * the first migration period and after the second, then a repair on
 * read (each file still whole is fetched; its lost chunks are rebuilt
 * and put again with their copies), and the count once more.
 */
#include <err.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "tests/sim/kadsim.h"
#include "tests/sim/dur_local.h"

#define DUR_WINDOW	256	/* PUTs in flight at once, as net_publish */

static struct dur_set	 S;
static struct dur_ec	 ec;
static struct dur_set	 G;		/* a 1 GiB file, not published */
static struct dur_mc	 mcs, mcg;	/* their holders */

static size_t	pub_done, pub_ok, pub_n;
static uint64_t	pub_base;

static void
pub_event(int node, const struct dht_event *ev)
{
	(void)node;
	if (ev->type != DHT_EV_PUT || ev->cookie < pub_base ||
	    ev->cookie - pub_base >= pub_n)
		return;
	pub_done++;
	pub_ok += ev->status == 0;
}

/*
 * Put chunks which[0..n) (all of them with which NULL), each with its
 * copy count, from its file's publisher (or fetcher); runs
 * until every PUT ended and 10 s more (a PUT ends at its first hop, the
 * replicas follow).  Returns how many PUTs reported success.
 */
static size_t
publish(const size_t *which, size_t n)
{
	static uint64_t		 next = 1ULL << 44;
	kadsim_done_fn		 saved = kadsim_done;
	struct dur_chunk	*c;
	size_t			 started = 0, spins = 0;

	pub_done = pub_ok = 0;
	pub_base = next;
	pub_n = n;
	kadsim_done = pub_event;
	while (pub_done < n && spins < 1000000) {
		while (started < n && started - pub_done < DUR_WINDOW) {
			c = &S.c[which != NULL ? which[started] : started];
			if (sim_put(S.f[c->file].src, c->key, KRPC_MAX_VALUE,
			    c->copies, next + started) == -1)
				pub_done++;	/* refused: counts as failed */
			started++;
		}
		sim_run_for_ms(10);
		spins++;
	}
	next += n;
	kadsim_done = saved;
	sim_run_for_ms(10000);
	return (pub_ok);
}

/* Copies on the nodes up now, and whether on all of its closest. */
static void
mark_live(const uint8_t *dead)
{
	int		 h[DUR_MAXH];
	size_t		 i, n;

	for (i = 0; i < S.nc; i++) {
		S.c[i].live = 0;
		for (n = sim_holders(S.c[i].key, h, DUR_MAXH); n > 0; n--)
			if (sim_node_state(h[n - 1]) == SIM_UP &&
			    (dead == NULL || !dead[h[n - 1]]))
				S.c[i].live = 1;
	}
}

static int
on_closest(const struct dur_chunk *c)
{
	return (net_copies(c->key, c->copies) == c->copies);
}

/*
 * Chunks lost, stripes that need parity, files whole (decodable) by
 * kind; with `placement`, the share of the chunks of whole files that
 * are on all of their closest live nodes.
 */
static void
report(const char *when, int placement)
{
	size_t	 i, lost = 0, needy = 0, wh[2] = { 0, 0 }, nf[2] = { 0, 0 };
	size_t	 placed = 0, of = 0, j, l;
	uint8_t	*ok;
	char	 key[80];

	if ((ok = calloc(S.nf, 1)) == NULL)
		abort();
	for (i = 0; i < S.nf; i++) {
		ok[i] = (uint8_t)dur_file_ok(&S, &S.f[i]);
		nf[S.f[i].large]++;
		wh[S.f[i].large] += ok[i];
		csv_row("%s,%zu,%u,%d", when, i, S.f[i].n0, ok[i]);
	}
	for (i = 0; i < S.nc; i++) {
		lost += !S.c[i].live;
		if (placement && ok[S.c[i].file]) {
			of++;
			placed += on_closest(&S.c[i]);
		}
	}
	for (i = 0; i < S.ns; i++) {
		for (j = l = 0; j < (size_t)S.s[i].k + S.s[i].p; j++)
			l += !S.c[S.s[i].first + j].live;
		needy += l > 0;
	}
	free(ok);
	snprintf(key, sizeof(key), "%s-chunks-lost", when);
	out(key, "%zu of %zu (%.3f%%), stripes that need parity %zu of %zu",
	    lost, S.nc, 100.0 * (double)lost / (double)S.nc, needy, S.ns);
	snprintf(key, sizeof(key), "%s-sim-files-whole-pct", when);
	out(key, "%.2f", 100.0 * (double)(wh[0] + wh[1]) / (double)S.nf);
	snprintf(key, sizeof(key), "%s-sim-files-whole", when);
	out(key, "%zu of %zu of %u data chunks, %zu of %zu of %u", wh[0],
	    nf[0], opt.file_chunks, wh[1], nf[1], opt.large_chunks);
	if (!placement)
		return;
	snprintf(key, sizeof(key), "%s-chunks-on-all-closest-pct", when);
	out(key, "%.3f (%zu of the %zu of whole files)", of ? 100.0 *
	    (double)placed / (double)of : 0.0, placed, of);
}

/* Of the chunks that survived the kill, the share on all their closest. */
static void
repaired(const uint8_t *alive, const char *period)
{
	size_t	 i, surv = 0, placed = 0;
	char	 key[80];

	for (i = 0; i < S.nc; i++) {
		if (!alive[i])
			continue;
		surv++;
		placed += on_closest(&S.c[i]);
	}
	snprintf(key, sizeof(key), "%s-surviving-on-all-closest-pct", period);
	out(key, "%.3f (%zu of %zu)", surv ? 100.0 * (double)placed /
	    (double)surv : 0.0, placed, surv);
}

/* Who holds what once published, and what it costs. */
static void
placement(void)
{
	size_t	 hist[DUR_MAXH + 1], rh[DUR_MAXH + 1], i, tot = 0, n;
	int	 h[DUR_MAXH];
	char	 buf[512], *b;

	memset(hist, 0, sizeof(hist));
	memset(rh, 0, sizeof(rh));
	for (i = 0; i < S.nc; i++) {
		n = sim_holders(S.c[i].key, h, DUR_MAXH);
		S.c[i].held = (uint8_t)n;
		if (S.c[i].kind == DUR_ROOT)
			rh[n]++;
		else
			hist[n]++;
	}
	for (i = 0; i < sim_nnodes(); i++)
		tot += sim_store_count((int)i);
	out("stored-copies", "%zu (%.3f a chunk)", tot,
	    (double)tot / (double)S.nc);
	out("network-storage-x", "%.3f", (double)tot / (double)S.data);
	b = buf;
	for (i = 0; i <= DUR_MAXH; i++)
		if (hist[i] > 0)
			b += snprintf(b, sizeof(buf) - (size_t)(b - buf),
			    "%s%zu: %zu", b == buf ? "" : ", ", i, hist[i]);
	out("holders-per-chunk", "%s", buf);
	b = buf;
	for (i = 0; i <= DUR_MAXH; i++)
		if (rh[i] > 0)
			b += snprintf(b, sizeof(buf) - (size_t)(b - buf),
			    "%s%zu: %zu", b == buf ? "" : ", ", i, rh[i]);
	out("holders-per-root", "%s", buf);
}

/* The files and their chunks. */
static void
lay_out(void)
{
	size_t		 i, kind[4] = { 0, 0, 0, 0 };

	for (i = 0; i < opt.files; i++)
		dur_add_file(&S, &ec, opt.file_chunks, opt.copies,
		    opt.root_copies, 0);
	for (i = 0; i < opt.large_files; i++)
		dur_add_file(&S, &ec, opt.large_chunks, opt.copies,
		    opt.root_copies, 1);
	for (i = 0; i < S.nc; i++)
		kind[S.c[i].kind]++;
	if (ec.k == 1 && ec.m == 0 && ec.e == 0)
		out("ec", "none (every chunk in full copies)");
	else
		out("ec", "K %u M %u E %u (a full stripe %u + %u)", ec.k, ec.m,
		    ec.e, ec.k, dur_parity(&ec, ec.k));
	out("copies", "%u a chunk, %u the root (replicas %u)", opt.copies,
	    opt.root_copies, opt.sim.replicas);
	out("files", "%u of %u data chunks, %u of %u", opt.files,
	    opt.file_chunks, opt.large_files, opt.large_chunks);
	out("chunks", "%zu: data %zu, index %zu, parity %zu, roots %zu",
	    S.nc, kind[DUR_DATA], kind[DUR_INDEX], kind[DUR_PARITY],
	    kind[DUR_ROOT]);
}

/* A share of the nodes drawn to die, all at once (dead[] marks them). */
static size_t
draw_dead(uint8_t *dead, double frac)
{
	size_t	 n = sim_nnodes(), want = (size_t)floor(frac * (double)n);
	size_t	 i, j, got = 0;
	int	*ord, t;

	if ((ord = calloc(n, sizeof(*ord))) == NULL)
		abort();
	for (i = 0; i < n; i++)
		ord[i] = (int)i;
	memset(dead, 0, n);
	for (i = 0; i < n && got < want; i++) {
		j = i + sim_rand_below(n - i);
		t = ord[i];
		ord[i] = ord[j];
		ord[j] = t;
		if (sim_node_state(ord[i]) == SIM_UP) {
			dead[ord[i]] = 1;
			got++;
		}
	}
	free(ord);
	return (got);
}

/*
 * --draws losses of a share frac against the holders: the placed files
 * with their real holders, the 1 GiB file with the true closest.
 */
static void
draws(uint8_t *d, double frac)
{
	size_t		 ws[2] = { 0, 0 }, wg[2] = { 0, 0 }, t, n[2] = { 0, 0 };
	char		 key[80];
	double		 w = wall_s();

	for (t = 0; t < S.nf; t++)
		n[S.f[t].large]++;
	for (t = 0; t < opt.draws; t++) {
		(void)draw_dead(d, frac);
		dur_mc_eval(&mcs, d, ws);
		dur_mc_eval(&mcg, d, wg);
	}
	n[0] *= opt.draws;
	n[1] *= opt.draws;
	snprintf(key, sizeof(key), "kill-%.0f%%-mc-files-whole", frac * 100);
	out(key, "%u draws: %zu of %zu of %u data chunks, %zu of %zu of %u",
	    opt.draws, ws[0], n[0], opt.file_chunks, ws[1], n[1],
	    opt.large_chunks);
	if (n[1] > 0) {
		snprintf(key, sizeof(key), "kill-%.0f%%-mc-whole-%s-file-pct",
		    frac * 100, opt.large_chunks == 25600 ? "25MiB" : "large");
		out(key, "%.4f", 100.0 * (double)ws[1] / (double)n[1]);
	}
	snprintf(key, sizeof(key), "kill-%.0f%%-mc-whole-1GiB-file-pct",
	    frac * 100);
	out(key, "%.4f (%zu of %u; holders: the true closest)", 100.0 *
	    (double)wg[1] / (double)opt.draws, wg[1], opt.draws);
	out_host("draws-wall-seconds", "%.1f", wall_s() - w);
}

/* What each loss does right after it; the one of --kill, kept in dead. */
static void
losses(uint8_t *dead)
{
	static const double	 fr[] = { 0.1, 0.3, 0.5 };
	uint8_t			*d;
	size_t			 i, nf = sizeof(fr) / sizeof(fr[0]);
	char			 when[32];
	int			 kept = 0;

	if ((d = calloc(sim_nnodes(), 1)) == NULL)
		abort();
	for (i = 0; i <= nf; i++) {
		if (i == nf && kept)
			break;
		if (i == nf || fabs(fr[i] - opt.kill_frac) < 1e-9) {
			(void)draw_dead(dead, opt.kill_frac);
			memcpy(d, dead, sim_nnodes());
			kept = 1;
		} else
			(void)draw_dead(d, fr[i]);
		snprintf(when, sizeof(when), "kill-%.0f%%",
		    (i == nf ? opt.kill_frac : fr[i]) * 100);
		mark_live(d);
		report(when, 0);
		dur_extrapolate(&S, &ec, i == nf ? opt.kill_frac : fr[i]);
		if (opt.draws > 0)
			draws(d, i == nf ? opt.kill_frac : fr[i]);
	}
	free(d);
}

/*
 * A fetch of each file still whole, from a live node, rebuilds its lost
 * chunks and puts them again with their copies.
 */
static void
read_repair(void)
{
	size_t		*which, n = 0, i, j, c, ok;
	struct dur_file	*f;
	struct dur_stripe *s;

	if ((which = calloc(S.nc, sizeof(*which))) == NULL)
		abort();
	for (i = 0; i < S.nf; i++) {
		f = &S.f[i];
		if (!dur_file_ok(&S, f) || (f->src = sim_random_up_honest()) ==
		    -1)
			continue;
		for (j = 0; j < f->nstripes; j++) {
			s = &S.s[f->stripe0 + j];
			for (c = s->first; c < (size_t)s->first + s->k + s->p;
			    c++)
				if (!S.c[c].live)
					which[n++] = c;
		}
	}
	ok = n > 0 ? publish(which, n) : 0;
	out("read-repair-puts", "%zu (%zu succeeded)", n, ok);
	free(which);
}

/*
 * The drawn loss of --kill carried out: the surviving chunks back on
 * their closest as migration runs, then the repair on read.
 */
static void
kill_and_repair(const uint8_t *dead)
{
	uint8_t		*alive;
	char		 when[32];
	size_t		 i, killed = 0;
	uint64_t	 t0;
	unsigned	 p;

	for (i = 0; i < sim_nnodes(); i++)
		if (dead[i]) {
			sim_node_kill((int)i);
			killed++;
		}
	out("killed", "%zu (%.0f%%)", killed, opt.kill_frac * 100);
	mark_live(NULL);
	report("after-kill", 1);
	if ((alive = calloc(S.nc, 1)) == NULL)
		abort();
	for (i = 0; i < S.nc; i++)
		alive[i] = S.c[i].live;
	/* quarters of one migration period, then a minute more */
	t0 = sim_now_us();
	for (p = 1; p <= 4; p++) {
		sim_run_until(t0 + (uint64_t)opt.sim.migrate_ms * 250 * p +
		    (p == 4 ? 60000000 : 0));
		snprintf(when, sizeof(when), "period-%.2f", p / 4.0);
		repaired(alive, when);
	}
	sim_run_until(t0 + (uint64_t)opt.sim.migrate_ms * 2000 + 60000000);
	repaired(alive, "period-2");
	out("repair-sim-minutes", "%.0f", (double)(sim_now_us() - t0) / 60e6);
	mark_live(NULL);
	report("after-repair", 1);
	read_repair();
	mark_live(NULL);
	report("after-read-repair", 1);
	free(alive);
}

static void
set_free(struct dur_set *X)
{
	free(X->c);
	free(X->s);
	free(X->f);
	memset(X, 0, sizeof(*X));
}

int
scn_durability(void)
{
	uint8_t		*dead;
	double		 w;

	ec.k = opt.ec_k;
	ec.m = opt.ec_m;
	ec.e = opt.ec_e;
	if (opt.copies > opt.sim.replicas || opt.root_copies > opt.sim.replicas)
		errx(2, "--copies and --root-copies are at most --replicas %u",
		    opt.sim.replicas);
	sim_init(&opt.sim, opt.nodes);
	if (net_build(opt.nodes) == -1)
		return (-1);
	lay_out();
	w = wall_s();
	out("put-success-pct", "%.2f", 100.0 *
	    (double)publish(NULL, S.nc) / (double)S.nc);
	out("publish-sim-seconds", "%.0f", sim_now_ms() / 1000.0);
	out_host("publish-wall-seconds", "%.1f", wall_s() - w);
	placement();
	csv_row("when,file,data-chunks,whole");
	mark_live(NULL);
	report("before", 1);
	if (opt.draws > 0) {
		w = wall_s();
		dur_add_file(&G, &ec, 1048576, opt.copies, opt.root_copies, 1);
		dur_mc_init(&mcs, &S, 0);
		dur_mc_init(&mcg, &G, 1);
		out_host("holders-wall-seconds", "%.1f", wall_s() - w);
	}
	if ((dead = calloc(sim_nnodes(), 1)) == NULL)
		abort();
	losses(dead);
	dur_mc_free(&mcs);
	dur_mc_free(&mcg);
	set_free(&G);
	if (!opt.no_repair)
		kill_and_repair(dead);
	free(dead);
	set_free(&S);
	return (0);
}
