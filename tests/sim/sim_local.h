/* SPDX-License-Identifier: ISC */
/*
 * sim_local.h: what the simulator's files share.  sim.c holds the
 * nodes, sim_run.c runs the events and the clock, sim_io.c is the dhts'
 * I/O (the network, the stores, the attackers), sim_queue.c one
 * partition's event queue, sim_model.c the random streams and the
 * network model, sim_index.c the true-closest and holder indexes,
 * sim_session.c the model of the session layer.  Not an API: scenarios
 * use sim.h.
 *
 * The nodes are split into SIM_PARTS partitions (node i in i %
 * SIM_PARTS), each with its own events, buffers, random streams and
 * counters, so that two threads can run them side by side: in a window
 * shorter than the shortest one-way delay, nothing one partition does
 * can reach the other, and what crosses waits in an outbox until the
 * window ends.  The partitions are the same with one thread or two, and
 * so is every result.
 */
#ifndef KAD_SIM_LOCAL_H
#define KAD_SIM_LOCAL_H

#include <sys/types.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"

#define SIM_PARTS	2
#define NIL		UINT32_MAX

/* an event's place in a queue */
struct qent {
	uint64_t	 t;
	uint32_t	 seq;
	uint32_t	 ev;
};

struct simq_slot {
	struct qent	*v;
	uint32_t	 n, cap;
};

struct simq {
	struct simq_slot *slot;		/* the wheel */
	uint64_t	 base;		/* the current slot's number */
	uint32_t	 pos;		/* next in the current slot */
	int		 sorted;	/* the current slot is sorted */
	struct qent	*far;		/* 4-ary heap beyond the wheel */
	size_t		 nfar, capfar;
	size_t		 len;
	uint32_t	 seq;
};

void		 simq_init(struct simq *);
void		 simq_free(struct simq *);
void		 simq_push(struct simq *, uint64_t t, uint32_t ev);
int		 simq_pop_until(struct simq *, uint64_t until, struct qent *);
uint64_t	 simq_next(struct simq *);

/* event kinds */
#define EV_DGRAM	1
#define EV_STORE	2
#define EV_SCAN		3
#define EV_TIMER	4

struct sev {
	uint8_t		 kind;
	uint8_t		 status;
	uint16_t	 len;
	uint32_t	 node;
	uint32_t	 from;
	uint32_t	 gen;
	uint32_t	 buf;
	uint32_t	 next;		/* free list */
	uint64_t	 x;		/* store cookie */
};

/* random streams */
struct sim_rng {
	uint64_t	 s;
};

/* a datagram for the other partition, held until the window ends */
struct xmsg {
	uint64_t	 t;
	uint32_t	 dst, from;
	uint32_t	 off;		/* its bytes in the outbox's arena */
	uint16_t	 len;
	uint8_t		 kind;		/* SIM_KIND_* */
};

struct part {
	struct simq	 q;
	struct sev	*ev;
	size_t		 nev, capev;
	uint32_t	 evfree;
	uint8_t		**bufs;
	size_t		 nbufchunks;
	uint32_t	 buffree, nbufs;
	struct sim_rng	 rcore;		/* the dhts' random bytes */
	struct sim_rng	 rnet;		/* loss, jitter */
	struct sim_stats st;
	uint64_t	 now;		/* this partition's clock */
	struct xmsg	*out;		/* datagrams for the other side */
	size_t		 nout, capout;
	uint8_t		*outb;
	size_t		 noutb, capoutb;
	uint8_t		*done;		/* completion events, for scenarios */
	size_t		 ndone, capdone;
};

/* one node's store: sorted keys, the length of each value and the
 * copies it was stored with (the larger, as kadstore keeps) */
struct sim_kv {
	uint8_t		(*key)[KAD_ID_LEN];
	uint16_t	*len;
	uint8_t		*copies;
	uint32_t	 n, cap;
};

#define SIM_TXRING	64	/* an attacker remembers its last requests */

struct sim_txtarget {
	uint8_t		 txid[KRPC_TXID_LEN];
	uint8_t		 target[KAD_ID_LEN];
};

/* a session with one peer (sim_session.c): peer index + 1, state on top */
struct sim_sess {
	uint32_t	 peer;
	uint32_t	 tx_since;	/* ms: sending, nothing heard; 0 */
	uint32_t	 born;		/* ms: the handshake of these keys */
	uint32_t	 used;		/* ms: last sent or received */
};

#define SIM_SESS_NONE		0
#define SIM_SESS_PENDING	1
#define SIM_SESS_UNCONF		2
#define SIM_SESS_UP		3

/* how a message travels (struct sev.status of an EV_DGRAM) */
#define SIM_KIND_INIT		1	/* in a handshake's first message */
#define SIM_KIND_RESP		2	/* after our RESP to the peer's INIT */
#define SIM_KIND_DATA		3	/* on a session's keys */
#define SIM_KIND_QUEUED		4	/* held until a handshake completed */

struct sim_node {
	struct dht	*d;
	uint8_t		 pub[KRPC_KEY_LEN];
	uint8_t		 id[KAD_ID_LEN];	/* kad_node_id(pub, ip) */
	struct sim_sess	*sess;
	uint32_t	 nsess, capsess;
	uint32_t	 ip;		/* host order */
	uint16_t	 port;
	uint8_t		 state;
	uint8_t		 behave;
	uint8_t		 corrupt;
	uint32_t	 gen;		/* +1 by every start: stale events */
	uint64_t	 timer_at;	/* us of the pending timer, 0: none */
	uint64_t	 tx_free;	/* us: the upload link is free again */
	struct sim_kv	 kv;
	uint8_t		*blob;		/* routing table saved when it left */
	size_t		 bloblen;
	struct sim_txtarget *ring;	/* SIM_ECLIPSE only */
	unsigned	 ringpos;
};

struct call {
	uint64_t	 t;
	uint64_t	 seq;
	void		(*fn)(void *, uint64_t);
	void		*arg;
	uint64_t	 x;
};


struct sim_world {
	struct sim_config	 cf;
	struct sim_stats	 sum;		/* sim_stats(): parts added */
	uint64_t		 now;		/* us, between windows */
	struct sim_rng		 rscn;		/* scenarios */
	struct part		 part[SIM_PARTS];
	struct call		*calls;		/* sim_at: a min-heap */
	size_t			 ncalls, capcalls;
	uint64_t		 callseq;
	struct sim_node		*nodes;
	size_t			 nnodes, maxnodes;
	size_t			 nup;
	uint32_t		*amap;		/* (ip, port) -> node */
	uint64_t		*akey;
	size_t			 acap;
	int			*attackers;	/* SIM_ECLIPSE nodes */
	size_t			 nattackers;
	uint64_t		 lookahead;
	/* the second thread */
	int			 threads;
	pthread_t		 worker;
	uint64_t		 go, gone;	/* window numbers (atomic) */
	uint64_t		 win_end;
	int			 quit;
};

extern struct sim_world	simw;

/* sim.c */
struct sim_node	*sim_node(int i);
struct part	*sim_part_of(int node);
int		 sim_node_index(const struct sim_node *);
uint32_t	 sim_addr_lookup(uint32_t ip, uint16_t port);
const int	*sim_attackers(size_t *n);
void		 sim_node_sin(const struct sim_node *, struct sockaddr_in *);
void		 sim_sync_part(int node);

/* sim_run.c */
void		 sim_resched(int node);
uint8_t		*sim_buf(struct part *, uint32_t);
uint32_t	 sim_buf_get(struct part *);
struct sev	*sim_ev_new(struct part *, uint8_t kind, uint32_t node,
		    uint32_t *idx);
void		*sim_worker_main(void *);

/* sim_io.c */
void		 sim_io_init(struct dht_io *, struct sim_node *);
void		 sim_send_cross(struct part *, const struct xmsg *,
		    const uint8_t *);
void		 sim_done_replay(struct part *);
void		 sim_keepalive(struct part *, struct sim_node *, uint32_t dst);
void		 kv_put(int node, const uint8_t key[KAD_ID_LEN], size_t len,
		    unsigned copies);
int		 kv_pos(const struct sim_kv *, const uint8_t key[KAD_ID_LEN],
		    uint32_t *pos);
void		 kv_drop(int node);

/* sim_session.c */
int		 sim_sess_send(struct part *, struct sim_node *, uint32_t dst,
		    int keyed, size_t len, size_t reply_room, int must_prove,
		    size_t *wire, uint64_t *extra_us, uint64_t oneway_us);
int		 sim_sess_recv(struct part *, struct sim_node *, uint32_t from,
		    int kind, int *up);
void		 sim_sess_clear(struct sim_node *);

/* sim_model.c */
void		 rng_seed(struct sim_rng *, uint64_t seed, uint64_t stream);
uint64_t	 rng_next(struct sim_rng *);
double		 rng_unit(struct sim_rng *);
void		 model_init(uint64_t seed, double median_ms, double p95_ms,
		    double fixed_ms);
void		 model_free(void);
uint64_t	 model_oneway_us(int a, int b);
uint64_t	 model_min_oneway_us(void);
double		 model_weibull(struct sim_rng *, double shape, double scale);

/* sim_index.c (holders: one index per partition, filled by its thread) */
void		 index_init(size_t maxnodes);
void		 index_free(void);
void		 index_add_node(int i);
void		 index_sort_now(void);
void		 holders_add(int part, const uint8_t key[KAD_ID_LEN], int node);
void		 holders_del(int part, const uint8_t key[KAD_ID_LEN], int node);

#endif /* KAD_SIM_LOCAL_H */
