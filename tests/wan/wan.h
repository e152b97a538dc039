/* SPDX-License-Identifier: ISC */
/*
 * wan: the path model of kadwan, the WAN emulator (docs/WAN.md).  Pure:
 * packets and the time come in as arguments, packets to deliver and
 * counters go out; no system calls, so tests/wan/test_wan.c drives it
 * with a clock of its own.
 *
 * Hosts are numbered from 0 here (host i is 10.64.0.1 + (i + 1) * 256,
 * a /24 each, see wan_host_addr4).  A packet read from host i's tun
 * device goes through:
 *   1. parsing: IPv4 or IPv6, every length checked; the destination must
 *      be another emulated host (else dropped as malformed or noroute);
 *   2. i's uplink: a FIFO drained at up_rate bytes/s (when set); a packet
 *      that would wait longer than the queue holds is dropped (queue-up);
 *   3. the path i->j: loss (independent draws), then the one-way delay
 *      plus a uniform jitter, never earlier than the path's previous
 *      packet unless reorder is set;
 *   4. j's downlink: a FIFO drained at down_rate (when set), dropping
 *      like the uplink (queue-down);
 * and is then due for writing into j's tun device.
 */
#ifndef KAD_WAN_H
#define KAD_WAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WAN_MAXHOSTS	1024		/* paths are an N x N table */
#define WAN_MTU_MIN	576
#define WAN_MTU_MAX	9000
/*
 * 10.64.0.0/10, host n (from 1) at 10.64.0.1 + n * 256: a /24 of its own,
 * since kadnet takes at most 2 contacts of one /24 a bucket and 8 a table
 * (kadnet/netdiv.h); hosts on one /24 would look like one provider.
 */
#define WAN_V4_NET	0x0a400000U
#define WAN_V4_PLEN	10
#define WAN_V6_PLEN	64		/* fd77::/64 */
#define WAN_HIST_SUB	128		/* log-linear: 0.8 % per bucket */
#define WAN_HIST_LEN	(58 * WAN_HIST_SUB)
#define WAN_NS		1000000000ULL

enum wan_verdict {
	WAN_QUEUED = 0,
	WAN_DROP_MALFORMED,	/* not a complete IPv4/IPv6 packet */
	WAN_DROP_NOROUTE,	/* to no other emulated host */
	WAN_DROP_UPQUEUE,	/* the sender's uplink queue is full */
	WAN_DROP_LOSS,		/* lost on the path */
	WAN_DROP_DOWNQUEUE,	/* the receiver's downlink queue is full */
	WAN_DROP_NOBUF,		/* the emulator had no free buffer */
	WAN_DROP_WRITE,		/* writing to the receiver's device failed */
	WAN_NVERDICT
};

struct wan_cfg {
	unsigned	 nhosts;	/* 2..WAN_MAXHOSTS */
	uint64_t	 delay_ns;	/* one-way delay of every path */
	uint64_t	 jitter_ns;	/* +- uniform on each packet's delay */
	uint32_t	 loss_ppm;	/* per path, parts per million */
	uint64_t	 up_rate;	/* bytes/s per host, 0: unlimited */
	uint64_t	 down_rate;
	uint64_t	 up_queue;	/* bytes, 0: the default (wan_new) */
	uint64_t	 down_queue;
	int		 reorder;	/* jitter may reorder a path */
	uint64_t	 seed;
	unsigned	 maxpkts;	/* buffers held at most */
	size_t		 mtu;
};

struct wan_pkt {
	uint64_t	 when;		/* ns: the next event */
	uint64_t	 born;		/* ns: read from the sender */
	uint64_t	 seq;		/* FIFO order among equal times */
	struct wan_pkt	*next;		/* free list */
	uint16_t	 src, dst;
	uint16_t	 len;
	uint8_t		 stage;
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 data[];	/* mtu bytes */
};

struct wan_hist {
	uint64_t	 n;
	uint64_t	 sum;		/* us */
	uint64_t	 max;		/* us */
	uint64_t	 b[WAN_HIST_LEN];
};

struct wan_stats {
	uint64_t	 in, in_bytes, in4, in6;
	uint64_t	 delivered, delivered_bytes;
	uint64_t	 drop[WAN_NVERDICT];
	uint64_t	 fifo_held;	/* delayed more to keep a path's order */
	uint64_t	 queued, queued_max;
	uint64_t	 buffers;	/* allocated */
	uint64_t	 upq_max_ns, downq_max_ns;
	struct wan_hist	 delay;		/* read to write, us */
	struct wan_hist	 late;		/* due to written, us */
};

struct wan;

extern const char *const wan_verdict_names[WAN_NVERDICT];

/* NULL with errno (EINVAL for a bad configuration, ENOMEM). */
struct wan	*wan_new(const struct wan_cfg *);
void		 wan_free(struct wan *);
const struct wan_cfg *wan_config(const struct wan *);

/*
 * One path's delay, jitter and loss (hosts from 0); -1 (EINVAL) if out
 * of range.  wan_load_paths reads the -m file format (docs/WAN.md): on
 * an error it returns -1 and says where in err.
 */
int		 wan_set_path(struct wan *, unsigned src, unsigned dst,
		    uint64_t delay_ns, uint64_t jitter_ns, uint32_t loss_ppm);
int		 wan_load_paths(struct wan *, FILE *, const char *name,
		    char *err, size_t errlen);
void		 wan_get_path(const struct wan *, unsigned src, unsigned dst,
		    uint64_t *delay_ns, uint64_t *jitter_ns, uint32_t *loss_ppm);

/*
 * The destination host (from 0) of an IPv4 or IPv6 packet; returns
 * WAN_QUEUED with *dst and *family set, WAN_DROP_MALFORMED or
 * WAN_DROP_NOROUTE.
 */
enum wan_verdict wan_classify(const uint8_t *, size_t, unsigned nhosts,
		    unsigned *dst, uint8_t *family);
uint32_t	 wan_host_addr4(unsigned host);
void		 wan_host_addr6(unsigned host, uint8_t addr[16]);

/* A free buffer, or NULL when maxpkts are in use. */
struct wan_pkt	*wan_pkt_get(struct wan *);
void		 wan_pkt_put(struct wan *, struct wan_pkt *);

/*
 * p->len bytes of p->data were read from host src at now: the packet
 * is queued (WAN_QUEUED) or dropped and returned to the pool (the
 * reason).  wan_nobuf counts a packet read while no buffer was free.
 */
enum wan_verdict wan_input(struct wan *, struct wan_pkt *, unsigned src,
		    uint64_t now);
void		 wan_nobuf(struct wan *, size_t len);

/* When the next packet is due (or downlink event), UINT64_MAX if none. */
uint64_t	 wan_next(const struct wan *);

/*
 * The next packet due at now, to be written to host p->dst, then handed
 * back with wan_done (written: 1, or 0 if the write failed); NULL when
 * none is due.
 */
struct wan_pkt	*wan_due(struct wan *, uint64_t now);
void		 wan_done(struct wan *, struct wan_pkt *, uint64_t now,
		    int written);

const struct wan_stats *wan_stats(const struct wan *);

/* The q-quantile (0..1) of a histogram, in us; 0 if empty. */
double		 wan_hist_quantile(const struct wan_hist *, double q);

/*
 * Parsers for the command line: milliseconds (decimal, >= 0), percent
 * (0..100), rate (bytes/s with k/M/G = 10^3.., or "bit" after the
 * suffix for bits/s), size (bytes, K/M/G = 2^10..).  0 or -1.
 */
int		 wan_parse_ms(const char *, uint64_t *ns);
int		 wan_parse_pct(const char *, uint32_t *ppm);
int		 wan_parse_rate(const char *, uint64_t *bps);
int		 wan_parse_size(const char *, uint64_t *bytes);

#endif /* KAD_WAN_H */
