/* SPDX-License-Identifier: ISC */
/*
 * kadsim: runs kadnet's protocol core at scale under a model of the
 * wide area network (tests/sim/sim.c) and prints what it measured.
 *
 *	kadsim --scenario NAME --nodes N --seed S [options]
 *
 * Scenarios: lookup, churn, durability, eclipse, fetch (docs/SCALE.md).
 * Results are "key: value" lines on standard output, the same for the
 * same seed byte for byte; wall-clock time and memory, which are not,
 * go to standard error.  --csv FILE writes one row per lookup or file.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kadnet/dht.h"
#include "kadnet/routing.h"
#include "tests/sim/kadsim.h"

struct kadsim_opts	 opt;
kadsim_done_fn		 kadsim_done;

static double		 t_start;

double
wall_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

void
out(const char *key, const char *fmt, ...)
{
	va_list	ap;

	printf("%s: ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void
out_host(const char *key, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", key);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

void
csv_row(const char *fmt, ...)
{
	va_list	ap;

	if (opt.csv == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(opt.csv, fmt, ap);
	va_end(ap);
	fputc('\n', opt.csv);
}

static int
u64cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* The value at or below which p percent of v lie (nearest rank). */
double
pct_u64(uint64_t *v, size_t n, double p)
{
	size_t	r;

	if (n == 0)
		return (0);
	qsort(v, n, sizeof(*v), u64cmp);
	r = (size_t)ceil(p / 100.0 * (double)n);
	if (r == 0)
		r = 1;
	if (r > n)
		r = n;
	return ((double)v[r - 1]);
}

static void
on_event(int node, const struct dht_event *ev)
{
	if (kadsim_done != NULL)
		kadsim_done(node, ev);
}

/* ---- building the network ---- */

/* What the nodes sent while joining, per node and per message type. */
static void
report_messages(size_t n)
{
	uint64_t	 tx[KRPC_TYPE_MAX + 1], searches = 0, retx = 0, to = 0;
	const struct dht_stats *st;
	size_t		 i;
	unsigned	 t;
	char		 key[64];

	memset(tx, 0, sizeof(tx));
	for (i = 0; i < n; i++) {
		if (sim_node_dht((int)i) == NULL)
			continue;
		st = dht_stats(sim_node_dht((int)i));
		for (t = 0; t <= KRPC_TYPE_MAX; t++)
			tx[t] += st->tx_type[t];
		searches += st->searches;
		retx += st->retransmits;
		to += st->timeouts;
	}
	for (t = 1; t <= KRPC_TYPE_MAX; t++) {
		if (t == 11)
			continue;	/* no type */
		snprintf(key, sizeof(key), "build-sent-%s-per-node",
		    krpc_typenames[t]);
		out(key, "%.1f", (double)tx[t] / (double)n);
	}
	out("build-lookups-per-node", "%.1f", (double)searches / (double)n);
	out("build-retransmits-per-node", "%.1f", (double)retx / (double)n);
	out("build-timeouts-per-node", "%.1f", (double)to / (double)n);
}

int
net_build(size_t honest)
{
	uint8_t		id[KAD_ID_LEN];
	size_t		i, tot = 0, back;
	double		t0 = wall_s();
	int		boot;

	for (i = 0; i < honest; i++) {
		sim_rand_id(id);
		(void)sim_node_add(id, sim_addr_for(i), 4000, SIM_HONEST);
	}
	/*
	 * Each node bootstraps from one that has been up for a while, as
	 * a published bootstrap address would be: a node that joined a few
	 * milliseconds earlier knows nobody yet.
	 */
	back = opt.join_ms > 0 ? 5000 / opt.join_ms : honest;
	for (i = 0; i < honest; i++) {
		boot = i == 0 ? -1 : (int)sim_rand_below(i > back ? i - back :
		    1);
		if (sim_node_start((int)i, boot) == -1)
			return (-1);
		sim_run_for_ms(opt.join_ms);
	}
	sim_run_for_ms((uint64_t)opt.settle_s * 1000);
	for (i = 0; i < honest; i++)
		tot += dht_nodes(sim_node_dht((int)i));
	out("nodes", "%zu", honest);
	out("build-sim-seconds", "%.1f", sim_now_ms() / 1000.0);
	out("build-events", "%llu", (unsigned long long)sim_stats()->events);
	out("build-events-per-node", "%.0f",
	    (double)sim_stats()->events / (double)honest);
	out("routing-contacts-per-node", "%.1f", (double)tot / (double)honest);
	if (opt.verbose)
		report_messages(honest);
	out_host("build-wall-seconds", "%.1f", wall_s() - t0);
	return (0);
}

uint32_t
net_sybil_ip(size_t j, unsigned addrs)
{
	return (0x64000001u + (uint32_t)((j % addrs) << 8));
}

void
net_join_more(const uint8_t (*ids)[KAD_ID_LEN], size_t n, int behave,
    unsigned addrs)
{
	static size_t	made;		/* attackers so far, for their ports */
	size_t		base = sim_nnodes(), i, honest = base, j;
	uint32_t	ip;
	uint16_t	port;
	int		boot;

	if (addrs == 0)
		addrs = 1;
	for (i = 0; i < n; i++) {
		/*
		 * Attackers share `addrs` addresses, one port each, from
		 * 100.0.0.1 on: the honest ones (sim_addr_for) end below
		 * 42.0.0.0 even with the most nodes --nodes allows.
		 */
		j = made++;
		ip = net_sybil_ip(j, addrs);
		port = (uint16_t)(5000 + j / addrs);
		(void)sim_node_add(ids[i], ip, port, behave);
	}
	for (i = 0; i < n; i++) {
		/* from an honest node: the attackers' own bootstrap */
		boot = (int)sim_rand_below(honest);
		(void)sim_node_start((int)(base + i), boot);
		sim_run_for_ms(opt.join_ms);
	}
}

void
net_report_memory(void)
{
	size_t		i, n = 0, tot = 0, max = 0, m, rt = 0, sp = 0, spmax = 0;
	struct dht	*d;

	for (i = 0; i < sim_nnodes(); i++) {
		if ((d = sim_node_dht((int)i)) == NULL)
			continue;
		m = sim_sess_count((int)i);
		sp += m;
		if (m > spmax)
			spmax = m;
		m = dht_mem(d);
		tot += m;
		rt += routing_mem(dht_routing(d));
		if (m > max)
			max = m;
		n++;
	}
	if (n == 0)
		return;
	out("state-bytes-per-node", "%zu", tot / n);
	out("state-bytes-per-node-max", "%zu", max);
	out("routing-bytes-per-node", "%zu", rt / n);
	/* the session layer's state is per peer (kadnet's sess_mem) */
	out("session-peers-per-node", "%zu (max %zu)", sp / n, spmax);
	out_host("sim-peak-rss-mib", "%.0f",
	    (double)sim_peak_rss() / (1024.0 * 1024.0));
}

/* ---- publishing ---- */

static size_t	pub_done, pub_ok;
static uint64_t	pub_base;

static void
pub_event(int node, const struct dht_event *ev)
{
	(void)node;
	if (ev->type != DHT_EV_PUT || ev->cookie < pub_base)
		return;
	pub_done++;
	pub_ok += ev->status == 0;
}

size_t
net_publish(uint8_t (*keys)[KAD_ID_LEN], size_t n, size_t len)
{
	static uint64_t	 next = 1ULL << 40;
	kadsim_done_fn	 saved = kadsim_done;
	size_t		 started = 0, spins = 0;
	int		 src;

	pub_done = pub_ok = 0;
	pub_base = next;
	kadsim_done = pub_event;
	while (pub_done < n && spins < 100000) {
		while (started < n && started - pub_done < 256) {
			sim_rand_id(keys[started]);
			if ((src = sim_random_up_honest()) == -1 ||
			    sim_put(src, keys[started], len, 0,
			    next + started) == -1) {
				pub_done++;	/* refused: counts as failed */
				started++;
				continue;
			}
			started++;
		}
		sim_run_for_ms(10);
		spins++;
	}
	next += n;
	kadsim_done = saved;
	/* a PUT ends at the first hop; forwarding and replicas go on */
	sim_run_for_ms(10000);
	return (pub_ok);
}

size_t
net_copies(const uint8_t key[KAD_ID_LEN], size_t replicas)
{
	int	idx[DHT_MAX_REPLICAS];
	size_t	n, i, c = 0;

	n = sim_truth(key, idx, replicas, -1, 0);
	for (i = 0; i < n; i++)
		c += sim_store_has(idx[i], key);
	return (c);
}

/* ---- options ---- */

static void
usage(void)
{
	fprintf(stderr, "usage: kadsim --scenario lookup|churn|durability|"
	    "eclipse|fetch [--nodes N] [--seed S]\n"
	    "    [--csv FILE] [--rtt-median MS] [--rtt-p95 MS] [--rtt MS]\n"
	    "    [--jitter MS] [--loss PCT] [--upload BYTES/S] [--dead PCT]\n"
	    "    [--join-ms MS]"
	    " [--settle S] [--lookups N] [--gets N] [--parallel N]\n"
	    "    [--session-median MIN] [--weibull-shape K] [--offline-median "
	    "MIN] [--hours H]\n"
	    "    [--files N] [--file-chunks N] [--large-files N] "
	    "[--large-chunks N] [--kill PCT]\n"
	    "    [--ec K,M,E|none] [--copies R] [--root-copies R] "
	    "[--no-repair] [--draws N]\n"
	    "    [--sybils N] [--sybil-addrs N] [--sybil-behave NAME] "
	    "[--sybil-bits B]\n"
	    "    [--attackers PCT] [--attacker-behave NAME]\n"
	    "    [--chunks N] [--window N] [--sweep] [--k K] "
	    "[--replicas R] [--verbose]\n"
	    "    [--threads 1|2]\n");
	exit(2);
}

static double
num(const char *s, double lo, double hi)
{
	char	*end;
	double	 v;

	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= lo && v <= hi))
		errx(2, "bad number '%s' (%g..%g)", s, lo, hi);
	return (v);
}

/* --ec K,M,E (stripes of K, ceil(k M / K) + E parity), or none */
static void
ec_of(const char *s)
{
	unsigned	v[3];
	char		*end;
	int		 i;

	if (strcmp(s, "none") == 0) {
		opt.ec_k = 1;
		opt.ec_m = opt.ec_e = 0;
		return;
	}
	for (i = 0; i < 3; i++) {
		errno = 0;
		v[i] = (unsigned)strtoul(s, &end, 10);
		if (end == s || errno != 0 || v[i] > 256 ||
		    *end != (i < 2 ? ',' : '\0'))
			errx(2, "--ec K,M,E (each 0..256) or none, not '%s'",
			    optarg);
		s = end + 1;
	}
	/* a full stripe and its parity within DUR_MAXSTRIPE (512) */
	if (v[0] == 0 || v[1] > v[0] || v[0] + v[1] + v[2] > 512)
		errx(2, "--ec %u,%u,%u: K >= 1, M <= K, K + M + E <= 512",
		    v[0], v[1], v[2]);
	opt.ec_k = v[0];
	opt.ec_m = v[1];
	opt.ec_e = v[2];
}

static int
behave_of(const char *s)
{
	static const char *const names[SIM_BEHAVE_MAX] = {
		"honest", "drop", "have-liar", "discard", "eclipse"
	};
	int	i;

	for (i = 0; i < SIM_BEHAVE_MAX; i++)
		if (strcmp(s, names[i]) == 0)
			return (i);
	errx(2, "unknown behaviour '%s' (honest, drop, have-liar, discard, "
	    "eclipse)", s);
}

enum {
	O_SCEN = 1, O_NODES, O_SEED, O_CSV, O_RTTMED, O_RTTP95, O_RTT,
	O_LOSS, O_UP, O_DEAD, O_JOIN, O_SETTLE, O_LOOKUPS, O_GETS, O_PAR,
	O_SESS, O_SHAPE, O_OFF, O_HOURS, O_FILES, O_FCHUNKS, O_KILL,
	O_SYB, O_SYBADDR, O_SYBBEH, O_ATT, O_ATTBEH, O_CHUNKS, O_WIN,
	O_SWEEP, O_K, O_REPL, O_JITTER, O_VERBOSE, O_THREADS, O_LFILES,
	O_LCHUNKS, O_EC, O_COPIES, O_RCOPIES, O_NOREPAIR, O_DRAWS,
	O_SYBBITS
};

static const struct option longopts[] = {
	{ "scenario", required_argument, NULL, O_SCEN },
	{ "nodes", required_argument, NULL, O_NODES },
	{ "seed", required_argument, NULL, O_SEED },
	{ "csv", required_argument, NULL, O_CSV },
	{ "rtt-median", required_argument, NULL, O_RTTMED },
	{ "rtt-p95", required_argument, NULL, O_RTTP95 },
	{ "rtt", required_argument, NULL, O_RTT },
	{ "jitter", required_argument, NULL, O_JITTER },
	{ "loss", required_argument, NULL, O_LOSS },
	{ "upload", required_argument, NULL, O_UP },
	{ "dead", required_argument, NULL, O_DEAD },
	{ "join-ms", required_argument, NULL, O_JOIN },
	{ "settle", required_argument, NULL, O_SETTLE },
	{ "lookups", required_argument, NULL, O_LOOKUPS },
	{ "gets", required_argument, NULL, O_GETS },
	{ "parallel", required_argument, NULL, O_PAR },
	{ "session-median", required_argument, NULL, O_SESS },
	{ "weibull-shape", required_argument, NULL, O_SHAPE },
	{ "offline-median", required_argument, NULL, O_OFF },
	{ "hours", required_argument, NULL, O_HOURS },
	{ "files", required_argument, NULL, O_FILES },
	{ "file-chunks", required_argument, NULL, O_FCHUNKS },
	{ "large-files", required_argument, NULL, O_LFILES },
	{ "large-chunks", required_argument, NULL, O_LCHUNKS },
	{ "kill", required_argument, NULL, O_KILL },
	{ "ec", required_argument, NULL, O_EC },
	{ "copies", required_argument, NULL, O_COPIES },
	{ "root-copies", required_argument, NULL, O_RCOPIES },
	{ "no-repair", no_argument, NULL, O_NOREPAIR },
	{ "draws", required_argument, NULL, O_DRAWS },
	{ "sybils", required_argument, NULL, O_SYB },
	{ "sybil-addrs", required_argument, NULL, O_SYBADDR },
	{ "sybil-behave", required_argument, NULL, O_SYBBEH },
	{ "sybil-bits", required_argument, NULL, O_SYBBITS },
	{ "attackers", required_argument, NULL, O_ATT },
	{ "attacker-behave", required_argument, NULL, O_ATTBEH },
	{ "chunks", required_argument, NULL, O_CHUNKS },
	{ "window", required_argument, NULL, O_WIN },
	{ "sweep", no_argument, NULL, O_SWEEP },
	{ "k", required_argument, NULL, O_K },
	{ "replicas", required_argument, NULL, O_REPL },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "threads", required_argument, NULL, O_THREADS },
	{ NULL, 0, NULL, 0 }
};

/*
 * Hundreds of thousands of nodes are gigabytes of small allocations read
 * at random: with malloc's memory on huge pages the processor misses its
 * page tables far less (8% faster at 20,000 nodes).  glibc reads the
 * setting at start only, so kadsim starts itself again with it.
 */
static void
huge_pages(char *argv[])
{
	char	self[4096];
	ssize_t	n;

	if (getenv("GLIBC_TUNABLES") != NULL)
		return;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return;
	self[n] = '\0';
	if (setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) == -1)
		return;
	(void)execv(self, argv);
	(void)unsetenv("GLIBC_TUNABLES");	/* carry on without them */
}

int
main(int argc, char *argv[])
{
	const char	*csvpath = NULL;
	struct sim_stats *st;
	int		 c, r;

	huge_pages(argv);
	memset(&opt, 0, sizeof(opt));
	sim_config_defaults(&opt.sim);
	opt.nodes = 1000;
	opt.seed = 1;
	opt.join_ms = 10;
	opt.settle_s = 60;
	opt.lookups = 1000;
	opt.gets = 1000;
	opt.parallel = 100;
	opt.session_median_min = 60;
	opt.weibull_shape = 0.5;
	opt.offline_median_min = 60;
	opt.hours = 6;
	opt.files = 100;
	opt.file_chunks = 256;
	opt.large_chunks = 25600;	/* 25 MiB */
	opt.kill_frac = 0.3;
	opt.ec_k = 64;
	opt.ec_m = 20;
	opt.ec_e = 4;
	opt.copies = 2;
	opt.root_copies = 8;
	opt.draws = 1000;
	opt.sybils_max = 40;
	opt.sybil_addrs = 1;
	opt.sybil_behave = SIM_ECLIPSE;
	opt.sybil_bits = 16;
	opt.attacker_behave = SIM_DROP;
	opt.chunks = 10240;
	opt.window = 2048;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_SCEN: opt.scenario = optarg; break;
		case O_NODES: opt.nodes = (size_t)num(optarg, 2, 2e6); break;
		case O_SEED: opt.seed = (uint64_t)num(optarg, 0, 1e15); break;
		case O_CSV: csvpath = optarg; break;
		case O_RTTMED: opt.sim.rtt_median_ms = num(optarg, 1, 5000);
			break;
		case O_RTTP95: opt.sim.rtt_p95_ms = num(optarg, 1, 10000);
			break;
		case O_RTT: opt.sim.rtt_fixed_ms = num(optarg, 0.01, 10000);
			break;
		case O_JITTER: opt.sim.jitter_ms = num(optarg, 0, 1000); break;
		case O_LOSS: opt.sim.loss = num(optarg, 0, 100) / 100; break;
		case O_UP: opt.sim.up_bps = (uint64_t)num(optarg, 0, 1e12);
			break;
		case O_DEAD: opt.dead_frac = num(optarg, 0, 99) / 100; break;
		case O_JOIN: opt.join_ms = (unsigned)num(optarg, 0, 1e6); break;
		case O_SETTLE: opt.settle_s = (unsigned)num(optarg, 0, 1e6);
			break;
		case O_LOOKUPS: opt.lookups = (unsigned)num(optarg, 0, 1e7);
			break;
		case O_GETS: opt.gets = (unsigned)num(optarg, 0, 1e7); break;
		case O_PAR: opt.parallel = (unsigned)num(optarg, 1, 1e5); break;
		case O_SESS: opt.session_median_min = num(optarg, 0.1, 1e6);
			break;
		case O_SHAPE: opt.weibull_shape = num(optarg, 0.05, 10); break;
		case O_OFF: opt.offline_median_min = num(optarg, 0.1, 1e6);
			break;
		case O_HOURS: opt.hours = (unsigned)num(optarg, 1, 1e4); break;
		case O_FILES: opt.files = (unsigned)num(optarg, 1, 1e6); break;
		case O_FCHUNKS: opt.file_chunks = (unsigned)num(optarg, 1, 1e8);
			break;
		case O_LFILES: opt.large_files = (unsigned)num(optarg, 0, 1e4);
			break;
		case O_LCHUNKS:
			opt.large_chunks = (unsigned)num(optarg, 1, 1e7);
			break;
		case O_KILL: opt.kill_frac = num(optarg, 0, 100) / 100; break;
		case O_EC: ec_of(optarg); break;
		case O_COPIES: opt.copies = (unsigned)num(optarg, 1, 32); break;
		case O_RCOPIES: opt.root_copies = (unsigned)num(optarg, 1, 32);
			break;
		case O_NOREPAIR: opt.no_repair = 1; break;
		case O_DRAWS: opt.draws = (unsigned)num(optarg, 0, 1e6); break;
		case O_SYB:
			opt.sybils_max = (unsigned)num(optarg, 1, 1e5);
			break;
		case O_SYBADDR: opt.sybil_addrs = (unsigned)num(optarg, 1, 1e5);
			break;
		case O_SYBBEH: opt.sybil_behave = behave_of(optarg); break;
		case O_SYBBITS: opt.sybil_bits = (unsigned)num(optarg, 1, 24);
			break;
		case O_ATT: opt.attacker_frac = num(optarg, 0, 90) / 100; break;
		case O_ATTBEH: opt.attacker_behave = behave_of(optarg); break;
		case O_CHUNKS:
			opt.chunks = (unsigned)num(optarg, 1, 1e8);
			break;
		case O_WIN: opt.window = (unsigned)num(optarg, 1, 1e6); break;
		case O_SWEEP: opt.sweep = 1; break;
		case O_VERBOSE: opt.verbose = 1; break;
		case O_THREADS: opt.sim.threads = (int)num(optarg, 1, 2); break;
		case O_K: opt.sim.k = (unsigned)num(optarg, 1, 64); break;
		case O_REPL: opt.sim.replicas = (unsigned)num(optarg, 1, 32);
			break;
		default: usage();
		}
	}
	if (optind != argc || opt.scenario == NULL)
		usage();
	if (csvpath != NULL && (opt.csv = fopen(csvpath, "w")) == NULL)
		err(2, "%s", csvpath);
	opt.sim.seed = opt.seed;
	opt.sim.on_event = on_event;
	t_start = wall_s();
	out("scenario", "%s", opt.scenario);
	out("seed", "%llu", (unsigned long long)opt.seed);
	if (opt.sim.rtt_fixed_ms > 0)
		out("network", "rtt %.1f ms, loss %.2f%%", opt.sim.rtt_fixed_ms,
		    opt.sim.loss * 100);
	else
		out("network", "wan rtt median %.0f ms p95 %.0f ms, loss "
		    "%.2f%%", opt.sim.rtt_median_ms, opt.sim.rtt_p95_ms,
		    opt.sim.loss * 100);
	if (strcmp(opt.scenario, "lookup") == 0)
		r = scn_lookup();
	else if (strcmp(opt.scenario, "churn") == 0)
		r = scn_churn();
	else if (strcmp(opt.scenario, "durability") == 0)
		r = scn_durability();
	else if (strcmp(opt.scenario, "eclipse") == 0)
		r = scn_eclipse();
	else if (strcmp(opt.scenario, "fetch") == 0)
		r = scn_fetch();
	else
		usage();
	st = sim_stats();
	out("events", "%llu", (unsigned long long)st->events);
	out("datagrams", "%llu", (unsigned long long)sim_stats()->dgrams);
	out("datagrams-lost", "%llu", (unsigned long long)sim_stats()->lost);
	st = sim_stats();
	out("wire-bytes", "%llu (messages %llu: sessions add %.1f%%)",
	    (unsigned long long)st->wire_bytes,
	    (unsigned long long)st->dgram_bytes, st->dgram_bytes > 0 ?
	    100.0 * ((double)st->wire_bytes - (double)st->dgram_bytes) /
	    (double)st->dgram_bytes : 0);
	out("handshakes", "%llu", (unsigned long long)st->handshakes);
	out("session-drops", "%llu (lost keys %llu, wrong key %llu, "
	    "evicted %llu)", (unsigned long long)(st->sess_drops +
	    st->wrong_key), (unsigned long long)st->sess_drops,
	    (unsigned long long)st->wrong_key,
	    (unsigned long long)st->sess_evicted);
	out_host("wall-seconds", "%.1f", wall_s() - t_start);
	out_host("us-per-event", "%.2f", sim_stats()->events > 0 ?
	    (wall_s() - t_start) * 1e6 / (double)sim_stats()->events : 0);
	out_host("peak-rss-mib", "%.0f",
	    (double)sim_peak_rss() / (1024.0 * 1024.0));
	sim_free();
	if (opt.csv != NULL)
		fclose(opt.csv);
	return (r == 0 ? 0 : 1);
}
