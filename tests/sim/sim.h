/* SPDX-License-Identifier: ISC */
/*
 * sim: a discrete-event simulator that runs many instances of kadnet's
 * unmodified protocol core (kadnet/dht.c and the modules under it) in
 * one process.  The core owns no socket and no clock: the simulator
 * hands it datagrams, time and store answers through the dht_* entry
 * points, and carries out what it asks for through struct dht_io, with
 * one event queue and a simulated clock in microseconds.
 *
 * The network between the nodes is a model (sim_model.c): a one-way
 * latency per pair of nodes from a long-tailed WAN distribution, or a
 * fixed round trip, independent loss, an optional upload rate per node,
 * and nodes that are down (churned away, their saved state kept) or
 * dead (gone for good).  Attackers are nodes that run the same core but
 * whose behaviour the simulator bends: they drop requests, lie about
 * what they store, or answer lookups with other attackers only.
 *
 * There is one simulation per process: the functions work on a static
 * instance, so the dht callbacks need no pointer back to it.  Everything
 * that decides an outcome comes from the seed: the same seed gives the
 * same events in the same order.
 */
#ifndef KAD_SIM_H
#define KAD_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"

/* node states */
#define SIM_UP		0
#define SIM_DOWN	1	/* left: comes back with its id, table, store */
#define SIM_DEAD	2	/* gone for good (or never started) */

/* node behaviour */
#define SIM_HONEST	0
#define SIM_DROP	1	/* answers PING, drops every other request */
#define SIM_HAVELIAR	2	/* says "have" to everything, keeps nothing */
#define SIM_DISCARD	3	/* accepts STOREs and throws them away */
#define SIM_ECLIPSE	4	/* serves nothing, names only attackers */
#define SIM_BEHAVE_MAX	5

struct sim_config {
	uint64_t	 seed;
	/* network model */
	double		 rtt_median_ms;	/* WAN model: median round trip */
	double		 rtt_p95_ms;	/* ... and its 95th percentile */
	double		 rtt_fixed_ms;	/* > 0: every pair this round trip */
	double		 jitter_ms;	/* extra delay, uniform 0..jitter */
	double		 loss;		/* per datagram, 0..1 */
	uint64_t	 up_bps;	/* upload bytes/s per node, 0: none */
	uint32_t	 up_queue_ms;	/* longest upload queue before drops */
	uint32_t	 store_us;	/* the store's answer takes this long */
	/* protocol core */
	unsigned	 k;
	unsigned	 replicas;
	uint32_t	 migrate_ms;
	uint32_t	 rl_slots;	/* 0: the core's default */
	/* threads to run the partitions: 1 or 2 (the results are the same) */
	int		 threads;
	/* completion events: node index and the event */
	void		(*on_event)(int node, const struct dht_event *);
};

struct sim_stats {
	uint64_t	 events;
	uint64_t	 dgrams;	/* sent by any node */
	uint64_t	 dgram_bytes;
	uint64_t	 lost;		/* dropped by the loss model */
	uint64_t	 queue_drops;	/* dropped by a full upload queue */
	uint64_t	 to_down;	/* arrived at a node that was not up */
	uint64_t	 unroutable;	/* to an address nobody has */
	uint64_t	 attacker_drops;	/* requests SIM_DROP ignored */
	uint64_t	 peak_events;	/* queue length high mark */
	/* the session layer's model (sim_session.c) */
	uint64_t	 wire_bytes;	/* sessions' datagrams, handshakes too */
	uint64_t	 handshakes;	/* INITs started */
	uint64_t	 sess_drops;	/* DATA for keys the receiver lost */
	uint64_t	 sess_evicted;	/* let go of: a table at the peer cap */
	uint64_t	 wrong_key;	/* sent to a key not at that address */
};

void		 sim_config_defaults(struct sim_config *);
/* Room for up to maxnodes nodes; nothing started yet. */
void		 sim_init(const struct sim_config *, size_t maxnodes);
void		 sim_free(void);
const struct sim_config *sim_cfg(void);
struct sim_stats *sim_stats(void);

/* Simulated time. */
uint64_t	 sim_now_us(void);
uint64_t	 sim_now_ms(void);

/* Randomness for scenarios (a stream of its own, from the seed). */
uint64_t	 sim_rand(void);
uint64_t	 sim_rand_below(uint64_t n);	/* 0..n-1 */
double		 sim_rand_unit(void);		/* [0, 1) */
void		 sim_rand_id(uint8_t id[KAD_ID_LEN]);
double		 sim_rand_weibull(double shape, double scale);

/*
 * Add a node (not started): its public key (any 32 bytes: the model
 * runs no cryptography, and no key puzzle; the id is sim_key_id of it
 * and the address), IPv4 address
 * (host order) and port.  Returns its index.  Addresses may be shared
 * by several nodes, each on its own port, as on one host.
 */
int		 sim_node_add(const uint8_t pub[KRPC_KEY_LEN], uint32_t ip,
		    uint16_t port, int behave);
size_t		 sim_nnodes(void);
/* The node ID of pub at IPv4 address ip (host order): kad_node_id. */
int		 sim_key_id(const uint8_t pub[KRPC_KEY_LEN], uint32_t ip,
		    uint8_t id[KAD_ID_LEN]);
/* A public unicast IPv4 address for honest node number i: its own /24. */
uint32_t	 sim_addr_for(size_t i);

/* Start node i (a fresh dht) and, if boot >= 0, ping node boot. */
int		 sim_node_start(int i, int boot);
/* Leave without notice, keeping the saved table and the store. */
void		 sim_node_down(int i);
/* Come back with the same id, the table saved at leaving, the store. */
int		 sim_node_up(int i);
/* Gone for good: its store is dropped too. */
void		 sim_node_kill(int i);
int		 sim_node_state(int i);
int		 sim_node_behave(int i);
struct dht	*sim_node_dht(int i);
const uint8_t	*sim_node_id(int i);
const uint8_t	*sim_node_pub(int i);
/* Peers node i has a session with (the model's table). */
size_t		 sim_sess_count(int i);
/* Lying holder: its VALUE replies carry a damaged chunk. */
void		 sim_node_corrupt(int i, int on);
/* Bytes of protocol state node i holds (dht_mem), 0 when not up. */
size_t		 sim_node_mem(int i);
size_t		 sim_nup(void);
int		 sim_random_up(void);		/* -1: none */
int		 sim_random_up_honest(void);	/* -1: none */

/* Calls into node i from outside an event (its timer is rescheduled). */
int		 sim_lookup(int i, const uint8_t target[KAD_ID_LEN],
		    uint64_t cookie);
int		 sim_get(int i, const uint8_t key[KAD_ID_LEN], uint64_t cookie);
int		 sim_fetch(int i, const uint8_t key[KAD_ID_LEN],
		    uint64_t cookie);
/* copies: the chunk's (0: the nodes' replicas) */
int		 sim_put(int i, const uint8_t key[KAD_ID_LEN], size_t len,
		    unsigned copies, uint64_t cookie);

/* Run events up to and including time t (us); the clock ends at t. */
void		 sim_run_until(uint64_t t_us);
void		 sim_run_for_ms(uint64_t ms);
/*
 * Call fn(arg, x) at time t (us), between the events (before those of
 * the same time); fn may call into any node.  Completion events reach
 * on_event at the end of the window they happened in (within the
 * shortest one-way delay), never from inside a dht call.
 */
void		 sim_at(uint64_t t_us, void (*fn)(void *, uint64_t), void *arg,
		    uint64_t x);

/*
 * Chunk values: a chunk of len bytes under key is a function of the key
 * (sim_value), so that the simulated stores keep keys only; the core
 * checks values through dht_io.value_ok against the same function.
 */
void		 sim_value(const uint8_t key[KAD_ID_LEN], size_t len,
		    uint8_t *out);
int		 sim_value_ok(const uint8_t key[KAD_ID_LEN], const uint8_t *v,
		    size_t len);

/* Node i's store: has key?  Plant key there directly (tests). */
int		 sim_store_has(int i, const uint8_t key[KAD_ID_LEN]);
void		 sim_store_plant(int i, const uint8_t key[KAD_ID_LEN],
		    size_t len);
size_t		 sim_store_count(int i);
/* All nodes that hold key in their store (any state); n at most max. */
size_t		 sim_holders(const uint8_t key[KAD_ID_LEN], int *out,
		    size_t max);

/*
 * The true n nodes closest to key among those that are up (and honest
 * only, if honest_only), nearest first, leaving out node `except`.
 */
size_t		 sim_truth(const uint8_t key[KAD_ID_LEN], int *out, size_t n,
		    int except, int honest_only);
/* Node index by id, -1 if none. */
int		 sim_node_by_id(const uint8_t id[KAD_ID_LEN]);

/* Latency model: round trip between nodes a and b, in us. */
uint64_t	 sim_rtt_us(int a, int b);

/* Peak resident memory of this process, bytes (VmHWM). */
size_t		 sim_peak_rss(void);

#endif /* KAD_SIM_H */
