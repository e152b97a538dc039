/* SPDX-License-Identifier: ISC */
/*
 * What every worker's main shares: its command line (-d, -v, -r root,
 * -u user, -l limit for kadstore, as kadmaster passes them), logging,
 * the check that its channels are sockets, and the master messages every
 * worker handles.
 */
#ifndef KAD_WORKER_H
#define KAD_WORKER_H

#include "kadipc.h"

struct event_base;

struct kad_worker {
	enum kad_proc	 proc;
	int		 debug;
	int		 verbose;
	const char	*root;		/* chroot directory when root */
	const char	*user;		/* unprivileged user when root */
	uint64_t	 limit;		/* -l: kadstore's storage-limit */
	int		 limit_default;	/* -t: that limit is the default */
	unsigned	 share;		/* -s: kadstore's source-share, % */
};

/*
 * The first steps of a worker's start: options, logging, and the check
 * that nchans fds from KAD_IPC_FD on are sockets.
 */
void	kad_worker_init(struct kad_worker *, enum kad_proc, int nchans,
	    int argc, char *argv[]);

/*
 * A worker's channel on fd, allowing what the catalogue lets peer send
 * self, wired to the event loop, or fatal.
 */
struct kadipc_chan *kad_worker_chan(struct event_base *, int fd,
	    enum kad_proc self, enum kad_proc peer, kadipc_dispatch_cb,
	    kadipc_dead_cb);

/* Stats replies: name/value pairs into one STATS message. */
struct kad_stats {
	struct kadipc_stat	 s[KADIPC_MAX_STATS];
	int			 n;
};
void	kad_stats_add(struct kad_stats *, const char *, uint64_t);
int	kad_stats_send(struct kadipc_chan *, const struct kad_stats *);

/*
 * What a worker does with the master messages all workers share: stop
 * (after which it exits 0) and fill in its counters.
 */
struct kad_worker_ops {
	void	(*shutdown)(void);	/* must not return */
	void	(*stats)(struct kad_stats *);
};

/*
 * The preamble of every worker's master dispatcher: SHUTDOWN (logged,
 * then ops->shutdown), STATS_REQ (ops->stats, then STATS on ch),
 * VERBOSE and, in test builds, TEST_SANDBOX.  Returns 1 when it handled
 * the message, 0 when it is the worker's own.
 */
int	kad_worker_master(struct kadipc_chan *, struct kadipc_msg *,
	    const struct kad_worker_ops *);

/*
 * A channel to another worker closed.  During a clean stop the master
 * sends SHUTDOWN to every worker at once, so a sibling may go first:
 * give our own SHUTDOWN a moment to arrive before calling it a failure.
 */
void	kad_worker_sibling_lost(struct kadipc_chan *, struct event_base *);

#endif /* KAD_WORKER_H */
