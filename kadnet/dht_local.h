/* SPDX-License-Identifier: ISC */
/*
 * dht_local.h: what the files of kadnet's protocol state machine share.
 * Not an API: only they include it.  They are layered, each calling only
 * the ones below it:
 *
 *	dht.c		timers, the API, life cycle
 *	dht_serve.c	input rules, answers to requests and to our own
 *	dht_lookup.c	the iterative lookups (over search.c)
 *	dht_push.c	chunks pushed to other nodes: PUT, replication,
 *			migration
 *	dht_rpc.c	requests in flight (retransmission, timeouts),
 *			sending, addresses, node IDs, store requests
 *
 * A request in flight knows what it is for (its purpose); dht_rpc.c
 * hands its answer, its slowness or its failure to the purpose's
 * handlers in d->rpc, and a store answer to its kind's handler in
 * d->so, so that it never calls up into the files above it.
 */
#ifndef KAD_DHT_LOCAL_H
#define KAD_DHT_LOCAL_H

#include <sys/queue.h>

#include <openssl/evp.h>

/* libbsd's tree.h uses __unused without defining it (Debian #522773) */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#define DHT_MAX_K		64	/* bounds the stack arrays below */
#define DHT_MAX_REFRESH		4	/* internal lookups at once */
#define DHT_SCAN_BATCH		32	/* keys per migration scan step */
#define DHT_MIGRATE_SOON	(30 * 1000)	/* after a new neighbour */
#define PUSH_MAXTRY		3	/* next hops tried by one forward */
#define PUSH_SPARES		8	/* replica targets beyond copies-1 */
#define PUSH_CONFIRM_ROUNDS	5	/* of HAVEs to a PUT's holders */
#define PUSH_CONFIRM_MS		25	/* before the first: doubles */
#define PUSH_CONFIRM_EXTRA	2	/* asked beyond the copies */
#define DHT_LIVE_MS		(15 * 60 * 1000) /* heard since: alive */
#define DHT_DEAD_SKIP_MS	(60 * 1000)	/* lookups skip the dead */
#define DHT_MAX_BOOT		8	/* bootstrap addresses remembered */
#define DHT_BOOT_WAIT_MIN	(2 * 1000)	/* first retry of a bootstrap */
#define DHT_BOOT_WAIT_MAX	(60 * 1000)	/* ... doubling up to this */
#define DHT_BOOT_QUIET		(5 * 60 * 1000)	/* no reply since: again */
#define DHT_MAX_TRIES		4	/* bound of cf.rpc_tries */

/* entry points that must not be re-entered from a callback */
#define ENTER(d) do {							\
	if ((d)->busy) {						\
		errno = EDEADLK;					\
		return (-1);						\
	}								\
	(d)->busy = 1;							\
} while (0)
#define LEAVE(d)	((d)->busy = 0)

/* what a request in flight is for */
#define P_PING_BOOT		1	/* bootstrap: key unknown */
#define P_PING_LIVE		2	/* ping-before-evict */
#define P_SEARCH		3
#define P_PUSH_HAVE		4
#define P_PUSH_STORE		5
#define P_MAX			6

#define DHT_IDCACHE		32	/* keys whose node IDs are at hand (ic_full
					   has a bit for each) */

struct pending {
	uint32_t		 heap;		/* its place in d->pheap */
	uint8_t			 txid[KRPC_TXID_LEN];
	uint8_t			 type;		/* request sent */
	uint8_t			 purpose;
	uint8_t			 soft;		/* soft timeout passed */
	uint8_t			 id_known;	/* and pub (not for bootstrap) */
	uint8_t			 id[KAD_ID_LEN];
	uint8_t			 pub[KRPC_KEY_LEN];
	struct krpc_addr	 to;
	uint32_t		 owner;		/* search or push id */
	uint16_t		 idx;		/* push target */
	uint8_t			 tries;		/* times sent */
	uint16_t		 dlen;
	uint8_t			*dgram;		/* as sent, to send again */
	uint32_t		 rto;
	uint64_t		 sent;		/* first sent */
	uint32_t		 resent[DHT_MAX_TRIES - 1]; /* ms after sent */
	uint64_t		 deadline;
};

/*
 * The last byte of a request's txid says which send of it this is, so
 * that an answer times the send it answers (Karn's ambiguity does not
 * arise); the table finds a request by the other seven.
 */
#define DHT_TXID_TRY		(KRPC_TXID_LEN - 1)

/* the tables of requests in flight keep what a search compares inline */
struct ptab_slot {
	uint64_t		 txid;		/* the txid's bytes as a word */
	struct pending		*p;		/* NULL: free */
};

struct pheap_slot {
	uint64_t		 deadline;
	uint64_t		 txid;		/* ties: a fixed order */
	struct pending		*p;
};

/*
 * What a purpose does when its request is answered (same: by the id we
 * asked, when we knew it), is past its first timeout and still awaited
 * (only lookups have this soft timeout), or failed.  The pending request
 * is a copy, already off the books.
 */
struct dht;
struct rpc_handler {
	void	(*reply)(struct dht *, const struct pending *,
		    const struct krpc_msg *, const struct krpc_addr *,
		    int same, uint64_t);
	void	(*slow)(struct dht *, const struct pending *, uint64_t);
	void	(*failed)(struct dht *, const struct pending *, uint64_t);
	/* 0: its owner has finished, the request is not worth resending */
	int	(*wanted)(struct dht *, const struct pending *);
};

/* lookups */
#define S_LOOKUP		1	/* dht_lookup */
#define S_GET			2	/* dht_get */
#define S_INTERNAL		3	/* bootstrap, bucket refresh */
#define S_PUSH			4	/* a push's lookup of its key */

struct dsearch {
	RB_ENTRY(dsearch)	 entry;
	uint32_t		 sid;
	uint8_t			 purpose;
	uint64_t		 cookie;
	uint64_t		 started;	/* ms */
	struct search		*s;
};

/* pushes: forward toward the key, or replicate around it */
#define PUSH_FORWARD		1
#define PUSH_REPLICATE		2
#define PUSH_CONFIRM		3	/* forwarded: asking for proofs */

#define PT_SPARE		0	/* replica target held in reserve */
#define PT_HAVE			1	/* HAVE sent */
#define PT_STORE		2	/* STORE sent */
#define PT_DONE			3
#define PT_FAILED		4

struct push_target {
	uint8_t			 id[KAD_ID_LEN];
	uint8_t			 pub[KRPC_KEY_LEN];
	struct krpc_addr	 addr;
	uint8_t			 nonce[KRPC_NONCE_LEN];	/* of its HAVE */
	uint8_t			 state;
};

struct push {
	RB_ENTRY(push)		 entry;
	RB_ENTRY(push)		 kentry;	/* by key, then pid */
	uint32_t		 pid;
	uint8_t			 key[KAD_ID_LEN];
	uint8_t			 mode;
	uint8_t			 copies;	/* nodes to keep it: 1..replicas */
	uint8_t			 origin;	/* dht_put: report DHT_EV_PUT */
	/* a migration scan started it */
	uint8_t			 migrate;
	uint8_t			 stored;	/* our store has it */
	uint8_t			 looked;	/* a lookup of key ran for it */
	uint8_t			 round;		/* PUSH_CONFIRM: next one */
	uint8_t			 waiting;	/* on d->cwait[round] */
	uint64_t		 wake;		/* ... until then */
	TAILQ_ENTRY(push)	 wentry;
	uint8_t			 ntried;
	uint8_t			 tried[PUSH_MAXTRY][KAD_ID_LEN];
	uint16_t		 ntargets, nopen, nok;
	struct push_target	 t[DHT_MAX_REPLICAS];
	uint64_t		 cookie;
	uint64_t		 source;	/* forwarded: the sender's net */
	uint16_t		 len;
	uint8_t			 data[KRPC_MAX_VALUE];
};

/* store requests awaiting an answer */
#define SO_SERVE_FV		1	/* FIND_VALUE from a peer */
#define SO_SERVE_HAVE		2	/* HAVE from a peer */
#define SO_GET			3	/* dht_get, local step */
#define SO_MIGRATE		4	/* data for a migration push */
#define SO_SCAN			5	/* migration scan */
#define SO_SERVE_STORE		6	/* STORE from a peer: its commit */
#define SO_MAX			7

struct storeop {
	RB_ENTRY(storeop)	 entry;
	uint64_t		 cookie;
	uint8_t			 kind;
	uint8_t			 want;
	uint8_t			 mode;
	uint8_t			 copies;	/* SO_MIGRATE: the key's */
	uint8_t			 txid[KRPC_TXID_LEN];
	uint8_t			 nonce[KRPC_NONCE_LEN];	/* SO_SERVE_HAVE */
	struct krpc_addr	 from;
	uint8_t			 pub[KRPC_KEY_LEN];	/* of the asker */
	uint8_t			 key[KAD_ID_LEN];
	uint64_t		 ucookie;
	uint64_t		 created;
};

/*
 * A store answer for a request of this kind: found, and the value (GET)
 * checked by the caller's handler.  The request is a copy, already off
 * the books.
 */
typedef void	 (*storeop_handler)(struct dht *, const struct storeop *,
		    int found, const uint8_t *data, size_t len, uint64_t);

RB_HEAD(stree, dsearch);
RB_HEAD(ptree, push);
RB_HEAD(pktree, push);
RB_HEAD(otree, storeop);

struct dht {
	struct dht_config	 cf;
	struct dht_io		 io;
	const struct rpc_handler *const *rpc;	/* [P_MAX] */
	const storeop_handler	*so;	/* [SO_MAX] */
	struct routing		*rt;
	struct ratelimit	*rl;
	EVP_MD			*md;
	EVP_MD_CTX		*mdctx;
	uint8_t			 id[KAD_ID_LEN];	/* of cf.pub, id_addr */
	/* the node IDs of keys heard lately, by key and network (a
	 * direct-mapped cache of keys that passed the puzzle) */
	uint8_t			 ic_pub[DHT_IDCACHE][KRPC_KEY_LEN];
	uint64_t		 ic_net[DHT_IDCACHE];
	uint8_t			 ic_id[DHT_IDCACHE][KAD_ID_LEN];
	uint64_t		 ic_full;	/* bit i: slot i holds a key */
	int			 allow_loopback;
	int			 allow_private;	/* bound to one */
	int			 self_known;
	struct krpc_addr	 self_addr;
	struct rt_entry		 grtt;		/* RTT over all peers */
	/* requests in flight: by txid (open addressing), by deadline (heap) */
	struct ptab_slot	*ptab;
	size_t			 ptcap;
	struct pheap_slot	*pheap;
	size_t			 pheapcap;
	unsigned		 npending;
	size_t			 pending_bytes;	/* kept datagrams */
	struct stree		 searches;
	unsigned		 nsearches, nrefresh;
	uint32_t		 next_sid;
	struct ptree		 pushes;
	struct pktree		 pushkeys;
	unsigned		 npushes;
	/* pushes between rounds of confirmation, one queue a round (the
	 * wait of a round is the same for all: each queue is in order) */
	TAILQ_HEAD(, push)	 cwait[PUSH_CONFIRM_ROUNDS];
	uint32_t		 next_pid;
	struct otree		 storeops;
	unsigned		 nstoreops;
	uint64_t		 next_cookie;
	int			 booted;
	uint64_t		 last_reply;	/* to our requests, 0: none */
	/* until someone answers, the bootstrap addresses are pinged again */
	struct krpc_addr	 boot[DHT_MAX_BOOT];
	unsigned		 nboot;
	uint64_t		 boot_next;
	uint32_t		 boot_wait;
	int			 scanning, scan_more;
	unsigned		 mig_active;
	uint8_t			 scan_after[KAD_ID_LEN];
	uint64_t		 migrate_next;
	int			 busy;
	/* dht_lookup.c's lookup for a push (dht_push.c is below it) */
	int			(*push_lookup)(struct dht *,
				    const uint8_t [KAD_ID_LEN], uint32_t,
				    uint64_t);
	struct dht_stats	 st;
};

/* dht_rpc.c: addresses */
int		 dht_is_loopback(const struct krpc_addr *);
int		 dht_martian(const struct dht *, const struct krpc_addr *);
int		 dht_addr_drop(const struct dht *, const struct krpc_addr *);
uint8_t		 dht_family_bit(uint8_t family);
int		 dht_contact_ok(const struct dht *,
		    const struct krpc_contact *);
/* dht_rpc.c: node IDs and values */
int		 dht_node_id(struct dht *, const uint8_t [KRPC_KEY_LEN],
		    const struct krpc_addr *, uint8_t [KAD_ID_LEN]);
int		 dht_value_ok(struct dht *, const uint8_t [KAD_ID_LEN],
		    const uint8_t *, size_t);
int		 dht_proof(struct dht *, const uint8_t [KRPC_NONCE_LEN],
		    const uint8_t *, size_t, uint8_t [KRPC_PROOF_LEN]);
/* dht_rpc.c: sending and requests in flight */
void		 dht_send_msg(struct dht *, const struct krpc_msg *,
		    const uint8_t [KRPC_KEY_LEN], const struct krpc_addr *);
struct pending	*dht_rpc_new(struct dht *, uint8_t, uint8_t, const uint8_t *,
		    const uint8_t *, const struct krpc_addr *, uint32_t,
		    uint16_t, uint64_t);
int		 dht_rpc_send(struct dht *, struct pending *,
		    const struct krpc_msg *);
struct pending	*dht_rpc_find(struct dht *, const uint8_t [KRPC_TXID_LEN]);
void		 dht_rpc_free(struct dht *, struct pending *);
uint64_t	 dht_rpc_sent_at(const struct pending *, unsigned);
uint64_t	 dht_rpc_lifetime(const struct dht *, uint32_t);
void		 dht_rpc_expire(struct dht *, uint64_t);
uint64_t	 dht_rpc_next_deadline(struct dht *);
void		 dht_rpc_free_all(struct dht *);
int		 dht_send_ping(struct dht *, const uint8_t *, const uint8_t *,
		    const struct krpc_addr *, uint8_t, uint64_t);
/* dht_rpc.c: store requests */
struct storeop	*dht_storeop_new(struct dht *, uint8_t,
		    const uint8_t [KAD_ID_LEN], uint64_t);
struct storeop	*dht_storeop_find(struct dht *, uint64_t);
void		 dht_storeop_free(struct dht *, struct storeop *);
void		 dht_storeop_done(struct dht *, struct storeop *, int,
		    const uint8_t *, size_t, uint64_t);
void		 dht_storeop_expire(struct dht *, uint64_t);
uint64_t	 dht_storeop_next_deadline(struct dht *);
void		 dht_storeop_free_all(struct dht *);
void		 dht_store_request(struct dht *, int, uint64_t,
		    const uint8_t [KAD_ID_LEN], const uint8_t *, size_t,
		    unsigned);
void		 dht_store_put(struct dht *, uint64_t,
		    const uint8_t [KAD_ID_LEN], const uint8_t *, size_t,
		    unsigned, uint64_t source);
uint8_t		 dht_copies(const struct dht *, unsigned);

/* dht_push.c */
extern const struct rpc_handler push_rpc;
void		 push_migrate_done(struct dht *, const struct storeop *, int,
		    const uint8_t *, size_t, uint64_t);
void		 push_scan_done(struct dht *, const struct storeop *, int,
		    const uint8_t *, size_t, uint64_t);
struct push	*push_new(struct dht *, const uint8_t [KAD_ID_LEN],
		    const uint8_t *, size_t, uint8_t, uint8_t);
int		 push_active(struct dht *, const uint8_t [KAD_ID_LEN]);
void		 push_forward_next(struct dht *, struct push *, uint64_t);
void		 push_lookup_done(struct dht *, uint32_t,
		    const struct krpc_contact *, size_t, uint64_t);
void		 push_free_all(struct dht *);
void		 push_confirm_timer(struct dht *, uint64_t);
uint64_t	 push_confirm_next(struct dht *);
void		 push_scan_issue(struct dht *, uint64_t);
void		 push_scan_keys(struct dht *, const uint8_t (*)[KAD_ID_LEN],
		    const uint8_t *, size_t, uint64_t);
size_t		 push_closer_count(struct dht *, const uint8_t [KAD_ID_LEN],
		    size_t, uint64_t);
void		 push_new_neighbour(struct dht *, const uint8_t [KAD_ID_LEN],
		    uint64_t);

/* dht_lookup.c */
extern const struct rpc_handler lookup_rpc;
void		 lookup_get_done(struct dht *, const struct storeop *, int,
		    const uint8_t *, size_t, uint64_t);
int		 lookup_start(struct dht *, const uint8_t [KAD_ID_LEN], uint8_t,
		    uint8_t, uint64_t, uint64_t);
void		 lookup_free_all(struct dht *);
size_t		 lookup_mem(struct dht *);
int		 lookup_push(struct dht *, const uint8_t [KAD_ID_LEN], uint32_t,
		    uint64_t);

/* dht_serve.c */
void		 serve_fv_done(struct dht *, const struct storeop *, int,
		    const uint8_t *, size_t, uint64_t);
#define DHT_BUSY_MS	200	/* retry hint when our own tables are full */
void		 send_busy(struct dht *, const uint8_t [KRPC_TXID_LEN],
		    const uint8_t *, const struct krpc_addr *, uint32_t);
void		 serve_store_done(struct dht *, const struct storeop *, int,
		    const uint8_t *, size_t, uint64_t);
void		 serve_have_done(struct dht *, const struct storeop *, int,
		    const uint8_t *, size_t, uint64_t);

#endif /* KAD_DHT_LOCAL_H */
