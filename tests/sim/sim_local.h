/*
 * sim_local.h: what the simulator's files share (sim.c runs the events
 * and the nodes, sim_model.c the random streams and the network model,
 * sim_index.c the true-closest index and the holder index).  Not an API:
 * scenarios use sim.h.
 */
#ifndef KAD_SIM_LOCAL_H
#define KAD_SIM_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"

/* one node's store: sorted keys and the length of each value */
struct sim_kv {
	uint8_t		(*key)[KAD_ID_LEN];
	uint16_t	*len;
	uint32_t	 n, cap;
};

#define SIM_TXRING	64	/* an attacker remembers its last requests */

struct sim_txtarget {
	uint8_t		 txid[KRPC_TXID_LEN];
	uint8_t		 target[KAD_ID_LEN];
};

struct sim_node {
	struct dht	*d;
	uint8_t		 id[KAD_ID_LEN];
	uint32_t	 ip;		/* host order */
	uint16_t	 port;
	uint8_t		 state;
	uint8_t		 behave;
	uint8_t		 corrupt;
	uint32_t	 gen;		/* bumped by every start: stale events */
	uint64_t	 timer_at;	/* us of the pending timer, 0: none */
	uint64_t	 tx_free;	/* us: the upload link is free again */
	struct sim_kv	 kv;
	uint8_t		*blob;		/* routing table saved when it left */
	size_t		 bloblen;
	struct sim_txtarget *ring;	/* SIM_ECLIPSE only */
	unsigned	 ringpos;
};

/* sim_model.c */
struct sim_rng {
	uint64_t	 s;
};
void		 rng_seed(struct sim_rng *, uint64_t seed, uint64_t stream);
uint64_t	 rng_next(struct sim_rng *);
double		 rng_unit(struct sim_rng *);
void		 model_init(uint64_t seed, double median_ms, double p95_ms,
		    double fixed_ms);
void		 model_free(void);
uint64_t	 model_oneway_us(int a, int b);
double		 model_weibull(struct sim_rng *, double shape, double scale);

/* sim_index.c */
void		 index_init(size_t maxnodes);
void		 index_free(void);
void		 index_add_node(int i);
void		 holders_add(const uint8_t key[KAD_ID_LEN], int node);
void		 holders_del(const uint8_t key[KAD_ID_LEN], int node);

/* sim.c */
struct sim_node	*sim_node(int i);

#endif /* KAD_SIM_LOCAL_H */
