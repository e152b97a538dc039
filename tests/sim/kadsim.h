/* SPDX-License-Identifier: ISC */
/*
 * kadsim.h: what the scenarios share (kadsim.c parses the options,
 * builds the network, prints and keeps the figures).
 */
#ifndef KAD_KADSIM_H
#define KAD_KADSIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tests/sim/sim.h"

struct kadsim_opts {
	const char	*scenario;
	size_t		 nodes;
	uint64_t	 seed;
	FILE		*csv;		/* --csv FILE, or NULL */
	unsigned	 join_ms;	/* one node joins every join_ms */
	unsigned	 settle_s;	/* quiet time after the last join */
	unsigned	 lookups;	/* lookup: FIND_NODE lookups */
	unsigned	 gets;		/* lookup, churn: chunks fetched */
	unsigned	 parallel;	/* lookups in flight at once */
	/* churn */
	double		 session_median_min;
	double		 weibull_shape;
	double		 offline_median_min;
	unsigned	 hours;
	/* durability */
	unsigned	 files;
	unsigned	 file_chunks;
	unsigned	 large_files;	/* beside them, files of large_chunks */
	unsigned	 large_chunks;
	double		 kill_frac;
	unsigned	 ec_k, ec_m, ec_e;	/* --ec K,M,E; none: 1,0,0 */
	unsigned	 copies;	/* of every chunk but the root */
	unsigned	 root_copies;
	int		 no_repair;	/* stop after the drawn losses */
	unsigned	 draws;		/* losses drawn per share, for dur_mc */
	/* eclipse */
	unsigned	 sybils_max;
	unsigned	 sybil_addrs;
	int		 sybil_behave;
	unsigned	 sybil_bits;	/* bits an id shares with the key */
	/* attackers in any scenario */
	double		 attacker_frac;
	int		 attacker_behave;
	/* fetch */
	unsigned	 chunks;
	unsigned	 window;
	int		 sweep;
	int		 verbose;	/* messages sent per type */
	double		 dead_frac;	/* lookup: nodes silently dead */
	struct sim_config sim;
};

extern struct kadsim_opts	 opt;

/* output: "key: value" lines (stdout is repeatable byte for byte) */
void		 out(const char *key, const char *fmt, ...)
		    __attribute__((__format__(printf, 2, 3)));
/* wall-clock and memory figures differ per run: they go to stderr */
void		 out_host(const char *key, const char *fmt, ...)
		    __attribute__((__format__(printf, 2, 3)));
void		 csv_row(const char *fmt, ...)
		    __attribute__((__format__(printf, 1, 2)));
double		 wall_s(void);

/* percentiles of an array (it is sorted in place) */
double		 pct_u64(uint64_t *v, size_t n, double p);

/* Build opt.nodes honest nodes, joining one by one; returns 0 or -1. */
int		 net_build(size_t honest);
/*
 * Start n more nodes with these keys and behaviour; each joins.  The
 * j-th attacker made is on net_sybil_ip(j, addrs): a /24 of its own for
 * each j modulo addrs, from 100.0.0.1 on.
 */
void		 net_join_more(const uint8_t (*ids)[KAD_ID_LEN], size_t n,
		    int behave, unsigned addrs);
uint32_t	 net_sybil_ip(size_t j, unsigned addrs);
/* Per-node protocol state and the process peak, printed. */
void		 net_report_memory(void);

/* completion events, per cookie (scenarios register a handler) */
typedef void	 (*kadsim_done_fn)(int node, const struct dht_event *);
extern kadsim_done_fn	 kadsim_done;

/* Publish chunks of len bytes under random keys from random nodes; runs
 * until every PUT ended.  Returns how many reported success. */
size_t		 net_publish(uint8_t (*keys)[KAD_ID_LEN], size_t n, size_t len);
/* Copies of key among its `replicas` closest up nodes. */
size_t		 net_copies(const uint8_t key[KAD_ID_LEN], size_t replicas);

int		 scn_lookup(void);
int		 scn_churn(void);
int		 scn_durability(void);
int		 scn_eclipse(void);
int		 scn_fetch(void);

#endif /* KAD_KADSIM_H */
