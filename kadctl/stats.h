/* SPDX-License-Identifier: ISC */
/*
 * The one table of what `kadctl status` reports (stats.c): for every
 * name, whether it is a counter (only grows while the node runs), a
 * gauge (goes up and down) or a fact that is no metric (ids, pids, the
 * port), its unit, the process that reports it and what it means.
 * `status` picks human units from it, `metrics` the Prometheus names
 * and types, and docs/METRICS.md is checked against it
 * (tests/integ/output.sh), as is every kad_stats_add() in the workers.
 */
#ifndef KADCTL_STATS_H
#define KADCTL_STATS_H

#include <stddef.h>

enum stat_kind {
	STAT_COUNTER,
	STAT_GAUGE,
	STAT_INFO,		/* shown by status, not a metric */
};

enum stat_unit {
	STAT_COUNT,
	STAT_BYTES,
	STAT_BYTES_RATE,	/* bytes per second */
	STAT_SECONDS,
	STAT_MILLIS,		/* a metric in seconds */
	STAT_HEX,		/* a string of hex digits */
	STAT_ADDR,		/* address:port lines, a JSON array always */
};

struct stat_def {
	const char	*name;		/* as status prints it */
	enum stat_kind	 kind;
	enum stat_unit	 unit;
	const char	*proc;		/* who reports it */
	const char	*help;		/* one line, no '\\' or newline */
};

extern const struct stat_def	 stat_defs[];
extern const size_t		 stat_ndefs;

const struct stat_def	*stat_find(const char *);
/* the Prometheus name: 0, or -1 (ENOSPC) */
int	 stat_metric_name(const struct stat_def *, char *, size_t);
/* the same for a name that is not in the table: an untyped metric */
int	 stat_metric_name_raw(const char *, char *, size_t);

#define STAT_METRIC_LEN	128

#endif /* KADCTL_STATS_H */
