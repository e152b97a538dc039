/*
 * dht_local.h: what dht.c (input, lookups, timers, API) and dht_xfer.c
 * (PUT forwarding, replication, migration) share.  Not an API: only
 * those two files include it.
 */
#ifndef KAD_DHT_LOCAL_H
#define KAD_DHT_LOCAL_H

#include <openssl/evp.h>

/* libbsd's tree.h uses __unused without defining it (Debian #522773) */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#define DHT_MAX_K		64	/* bounds the stack arrays below */
#define DHT_MAX_REFRESH		4	/* internal lookups at once */
#define DHT_SCAN_BATCH		32	/* keys per migration scan step */
#define DHT_MIGRATE_SOON	(30 * 1000)	/* after a new neighbour */
#define XF_MAXTRY		3	/* next hops tried by one forward */
#define XF_SPARES		8	/* replica targets beyond replicas-1 */
#define DHT_BOOT_TRIES		5	/* bootstrap pings while still alone */

/* what a request in flight is for */
#define P_PING_BOOT		1	/* bootstrap: id unknown */
#define P_PING_LIVE		2	/* ping-before-evict */
#define P_PING_CONFIRM		3	/* a new contact that only asked us */
#define P_SEARCH		4
#define P_XFER_HAVE		5
#define P_XFER_STORE		6

struct pending {
	RB_ENTRY(pending)	 by_txid;
	RB_ENTRY(pending)	 by_time;
	uint8_t			 txid[KRPC_TXID_LEN];
	uint8_t			 type;		/* request sent */
	uint8_t			 purpose;
	uint8_t			 soft;		/* soft timeout passed */
	uint8_t			 id_known;
	uint8_t			 tries;		/* P_PING_BOOT: earlier pings */
	uint8_t			 id[KAD_ID_LEN];
	struct krpc_addr	 to;
	uint32_t		 owner;		/* search or xfer id */
	uint16_t		 idx;		/* xfer target */
	uint32_t		 rto;
	uint64_t		 sent;
	uint64_t		 deadline;
};

/* lookups */
#define S_LOOKUP		1	/* dht_lookup */
#define S_GET			2	/* dht_get */
#define S_INTERNAL		3	/* bootstrap, bucket refresh */

struct dsearch {
	RB_ENTRY(dsearch)	 entry;
	uint32_t		 sid;
	uint8_t			 purpose;
	uint64_t		 cookie;
	uint64_t		 started;	/* ms */
	struct search		*s;
};

/* chunk transfers: forward toward the key, or replicate around it */
#define XF_FORWARD		1
#define XF_REPLICATE		2

#define XT_SPARE		0	/* replica target held in reserve */
#define XT_HAVE			1	/* HAVE sent */
#define XT_STORE		2	/* STORE sent */
#define XT_DONE			3
#define XT_FAILED		4

struct xtarget {
	uint8_t			 id[KAD_ID_LEN];
	struct krpc_addr	 addr;
	uint8_t			 state;
};

struct xfer {
	RB_ENTRY(xfer)		 entry;
	uint32_t		 xid;
	uint8_t			 key[KAD_ID_LEN];
	uint8_t			 mode;
	uint8_t			 hops;		/* STOREs it came through */
	uint8_t			 origin;	/* dht_put: report DHT_EV_PUT */
	/* a migration scan started it */
	uint8_t			 migrate;
	uint8_t			 stored;	/* our store has it */
	uint8_t			 ntried;
	uint8_t			 tried[XF_MAXTRY][KAD_ID_LEN];
	uint16_t		 ntargets, nopen, nok;
	struct xtarget		 t[DHT_MAX_REPLICAS];
	uint64_t		 cookie;
	uint16_t		 len;
	uint8_t			 data[KRPC_MAX_VALUE];
};

/* store requests awaiting an answer */
#define SO_SERVE_FV		1	/* FIND_VALUE from a peer */
#define SO_SERVE_HAVE		2	/* HAVE from a peer */
#define SO_GET			3	/* dht_get, local step */
#define SO_MIGRATE		4	/* data for a migration transfer */
#define SO_SCAN			5	/* migration scan */

struct storeop {
	RB_ENTRY(storeop)	 entry;
	uint64_t		 cookie;
	uint8_t			 kind;
	uint8_t			 want;
	uint8_t			 mode;
	uint8_t			 txid[KRPC_TXID_LEN];
	struct krpc_addr	 from;
	uint8_t			 key[KAD_ID_LEN];
	uint64_t		 ucookie;
	uint64_t		 created;
};

RB_HEAD(ptxid, pending);
RB_HEAD(ptime, pending);
RB_HEAD(stree, dsearch);
RB_HEAD(xtree, xfer);
RB_HEAD(otree, storeop);

struct dht {
	struct dht_config	 cf;
	struct dht_io		 io;
	struct routing		*rt;
	struct ratelimit	*rl;
	EVP_MD			*md;
	EVP_MD_CTX		*mdctx;
	uint8_t			 secret[KAD_ID_LEN];
	uint8_t			 oldsecret[KAD_ID_LEN];
	uint64_t		 token_next;
	int			 allow_loopback;
	int			 self_known;
	struct krpc_addr	 self_addr;
	struct rt_entry		 grtt;		/* RTT over all peers */
	struct ptxid		 ptxid;
	struct ptime		 ptime;
	unsigned		 npending;
	struct stree		 searches;
	unsigned		 nsearches, nrefresh;
	uint32_t		 next_sid;
	struct xtree		 xfers;
	unsigned		 nxfers;
	uint32_t		 next_xid;
	struct otree		 storeops;
	unsigned		 nstoreops;
	uint64_t		 next_cookie;
	int			 booted;
	int			 scanning, scan_more;
	unsigned		 mig_active;
	uint8_t			 scan_after[KAD_ID_LEN];
	uint64_t		 migrate_next;
	int			 busy;
	struct dht_stats	 st;
};

/* dht.c */
struct pending	*dht_rpc_new(struct dht *, uint8_t, uint8_t, const uint8_t *,
		    const struct krpc_addr *, uint32_t, uint16_t, uint64_t);
void		 dht_send_msg(struct dht *, const struct krpc_msg *,
		    const struct krpc_addr *);
void		 dht_store_request(struct dht *, int, uint64_t,
		    const uint8_t [KAD_ID_LEN], const uint8_t *, size_t,
		    unsigned);
struct storeop	*dht_storeop_new(struct dht *, uint8_t,
		    const uint8_t [KAD_ID_LEN], uint64_t);
size_t		 dht_closer_count(struct dht *, const uint8_t [KAD_ID_LEN],
		    size_t, uint64_t);

/* dht_xfer.c */
struct xfer	*xfer_new(struct dht *, const uint8_t [KAD_ID_LEN],
		    const uint8_t *, size_t, uint8_t, uint8_t);
struct xfer	*xfer_get(struct dht *, uint32_t);
void		 xfer_forward_next(struct dht *, struct xfer *, uint64_t);
void		 xfer_become_closest(struct dht *, struct xfer *, uint64_t);
void		 xfer_have_reply(struct dht *, struct xfer *, uint16_t,
		    const struct krpc_msg *, uint64_t);
void		 xfer_store_reply(struct dht *, struct xfer *, uint16_t,
		    uint8_t, uint64_t);
void		 xfer_target_failed(struct dht *, struct xfer *, uint16_t,
		    uint64_t);
void		 xfer_free_all(struct dht *);
void		 xfer_scan_issue(struct dht *, uint64_t);
void		 xfer_scan_continue(struct dht *, uint64_t);
uint8_t		 xfer_migrate_decide(struct dht *, const uint8_t [KAD_ID_LEN],
		    uint64_t);

#endif /* KAD_DHT_LOCAL_H */
