/* SPDX-License-Identifier: ISC */
/*
 * scn_durability: publish F files of S chunks through the real PUT path,
 * kill a share of the nodes at once (their stores with them), count the
 * chunks lost and the files still whole, let one migration period run,
 * and count again.  The files a run can afford are small; what larger
 * files would do is worked out from the copies each chunk really had:
 * a chunk with h copies is lost when all h holders are among the dead,
 * which for K dead out of N happens with probability
 * C(N-h, K-h) / C(N, K), and a file of C chunks is whole when none of
 * them is lost (docs/SCALE.md).  Then, at each quarter of the first
 * migration period and after the second and third, the share of the surviving chunks back on all their closest live
 * nodes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "tests/sim/kadsim.h"

#define MAXH	64

/* Chunks with a live copy anywhere, and files with every chunk so. */
static void
count(uint8_t (*keys)[KAD_ID_LEN], const char *when)
{
	int	 h[MAXH];
	size_t	 f, c, i, n, live, lost = 0, whole = 0, placed = 0, fl;
	char	 key[64];

	for (f = 0; f < opt.files; f++) {
		fl = 0;
		for (c = 0; c < opt.file_chunks; c++) {
			i = f * opt.file_chunks + c;
			n = sim_holders(keys[i], h, MAXH);
			for (live = 0; n > 0; n--)
				live += sim_node_state(h[n - 1]) == SIM_UP;
			if (live == 0)
				fl++;
			placed += net_copies(keys[i], opt.sim.replicas) ==
			    opt.sim.replicas;
		}
		lost += fl;
		whole += fl == 0;
		csv_row("%s,%zu,%zu", when, f, fl);
	}
	snprintf(key, sizeof(key), "%s-chunks-lost", when);
	out(key, "%zu of %zu", lost, (size_t)opt.files * opt.file_chunks);
	snprintf(key, sizeof(key), "%s-files-whole-pct", when);
	out(key, "%.2f", 100.0 * (double)whole / (double)opt.files);
	snprintf(key, sizeof(key), "%s-chunks-on-all-%u-closest-pct", when,
	    opt.sim.replicas);
	out(key, "%.3f", 100.0 * (double)placed /
	    (double)(opt.files * opt.file_chunks));
}

/* Is a chunk's copy on a live node? */
static int
survives(const uint8_t key[KAD_ID_LEN])
{
	int	 h[MAXH];
	size_t	 n;

	for (n = sim_holders(key, h, MAXH); n > 0; n--)
		if (sim_node_state(h[n - 1]) == SIM_UP)
			return (1);
	return (0);
}

/*
 * Of the chunks that survived the kill, the share back on all of their
 * closest live nodes, `period` migration periods after it: how fast
 * migration repairs, misses counted as misses.
 */
static void
repaired(uint8_t (*keys)[KAD_ID_LEN], const uint8_t *alive, size_t n,
    const char *period)
{
	size_t	 i, surv = 0, placed = 0;
	char	 key[64];

	for (i = 0; i < n; i++) {
		if (!alive[i])
			continue;
		surv++;
		placed += net_copies(keys[i], opt.sim.replicas) ==
		    opt.sim.replicas;
	}
	snprintf(key, sizeof(key), "%s-surviving-on-all-%u-closest-pct",
	    period, opt.sim.replicas);
	out(key, "%.3f (%zu of %zu)", surv ? 100.0 * (double)placed /
	    (double)surv : 0.0, placed, surv);
}

/* ln C(n, k), by lgamma */
static double
lchoose(double n, double k)
{
	return (lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1));
}

/*
 * From each chunk's copy count before the kill: the mean probability
 * that a chunk is lost when a share `frac` of the N nodes dies, and the
 * whole-file odds for files of 25 MiB and 1 GiB.
 */
static void
extrapolate(const unsigned *copies, size_t nchunks, double frac)
{
	double	 N = (double)opt.nodes, K = floor(frac * N), p = 0, pk;
	size_t	 i;
	char	 key[64];
	unsigned h;

	for (i = 0; i < nchunks; i++) {
		h = copies[i];
		if (h == 0)
			pk = 1;
		else if (h > K)
			pk = 0;
		else
			pk = exp(lchoose(N - h, K - h) - lchoose(N, K));
		p += pk;
	}
	p /= (double)nchunks;
	snprintf(key, sizeof(key), "kill-%.0f%%-chunk-loss-probability",
	    frac * 100);
	out(key, "%.3g", p);
	snprintf(key, sizeof(key), "kill-%.0f%%-whole-25MiB-file-pct",
	    frac * 100);
	out(key, "%.3f", 100.0 * exp(25600.0 * log1p(-fmin(p, 1 - 1e-16))));
	snprintf(key, sizeof(key), "kill-%.0f%%-whole-1GiB-file-pct",
	    frac * 100);
	out(key, "%.3f", 100.0 * exp(1048576.0 * log1p(-fmin(p, 1 - 1e-16))));
}

int
scn_durability(void)
{
	uint8_t		(*keys)[KAD_ID_LEN];
	unsigned	*copies, p;
	uint8_t		*alive;
	char		 when[32];
	size_t		 n, i, killed, tot = 0;
	int		 x, h[MAXH];
	uint64_t	 t0;

	sim_init(&opt.sim, opt.nodes);
	if (net_build(opt.nodes) == -1)
		return (-1);
	n = (size_t)opt.files * opt.file_chunks;
	if ((keys = calloc(n + 1, KAD_ID_LEN)) == NULL ||
	    (copies = calloc(n + 1, sizeof(*copies))) == NULL ||
	    (alive = calloc(n + 1, 1)) == NULL)
		abort();
	out("files", "%u of %u chunks", opt.files, opt.file_chunks);
	out("replicas", "%u", opt.sim.replicas);
	out("put-success-pct", "%.2f",
	    100.0 * (double)net_publish(keys, n, KRPC_MAX_VALUE) / (double)n);
	for (i = 0; i < n; i++) {
		copies[i] = (unsigned)sim_holders(keys[i], h, MAXH);
		tot += copies[i];
	}
	out("stored-copies-per-chunk", "%.3f", (double)tot / (double)n);
	out("network-storage-x", "%.2f", (double)tot / (double)n);
	csv_row("when,file,chunks-lost");
	count(keys, "before");
	extrapolate(copies, n, 0.1);
	extrapolate(copies, n, 0.3);
	extrapolate(copies, n, 0.5);

	/* a share of the nodes dies at once, stores and all */
	for (killed = 0; killed < (size_t)(opt.kill_frac * opt.nodes);
	    killed++)
		if ((x = sim_random_up()) != -1)
			sim_node_kill(x);
	out("killed", "%zu (%.0f%%)", killed, opt.kill_frac * 100);
	count(keys, "after-kill");
	for (i = 0; i < n; i++)
		alive[i] = (uint8_t)survives(keys[i]);

	/* quarters of one migration period, then a minute more */
	t0 = sim_now_us();
	for (p = 1; p <= 4; p++) {
		sim_run_until(t0 + (uint64_t)opt.sim.migrate_ms * 250 * p +
		    (p == 4 ? 60000000 : 0));
		snprintf(when, sizeof(when), "period-%.2f", p / 4.0);
		repaired(keys, alive, n, when);
	}
	out("repair-sim-minutes", "%.0f",
	    (double)(sim_now_us() - t0) / 60e6);
	count(keys, "after-repair");
	for (p = 2; p <= 3; p++) {
		sim_run_until(t0 + (uint64_t)opt.sim.migrate_ms * 1000 * p +
		    60000000);
		snprintf(when, sizeof(when), "period-%u", p);
		repaired(keys, alive, n, when);
	}
	free(keys);
	free(copies);
	free(alive);
	return (0);
}
