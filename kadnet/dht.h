/* SPDX-License-Identifier: ISC */
/*
 * dht: kadnet's protocol state machine, tying krpc, routing, search and
 * ratelimit together.  Like jech/dht it owns no socket, no event loop
 * and no global state, and makes no syscalls: it is driven by
 *
 *	dht_input()		a message arrived from a peer's session
 *	dht_peer_up()		a handshake with a peer completed
 *	dht_timer()		the deadline from dht_next_timer() passed
 *	dht_store_reply()	the chunk store answered a request
 *	dht_lookup/get/put()	the application wants something
 *
 * with the current time in ms passed to each, and answers through the
 * callbacks in struct dht_io: messages to send (to a peer's key and
 * address; the session layer below seals them), store requests (the
 * store is another process, so every access is asynchronous: a request
 * carries a cookie and the answer comes back later through
 * dht_store_reply with the same cookie), completion events, and random
 * bytes.  Callbacks must not call back into the same dht (the entry
 * points return -1 with errno EDEADLK if they do); queue the work and do
 * it after the call returns.
 */
#ifndef KAD_DHT_H
#define KAD_DHT_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "krpc.h"
#include "ratelimit.h"

/* martian address filtering; private addresses (krpc_addr_scope) are
 * peers iff the bind address is private or loopback */
#define DHT_MARTIAN_AUTO	0	/* loopback ok iff bound to loopback */
#define DHT_MARTIAN_LOOPBACK	1	/* loopback always ok (tests, demo) */
#define DHT_MARTIAN_STRICT	2	/* loopback never ok */

#define DHT_MAX_REPLICAS	32
#define DHT_GET_ALPHA0		1	/* a chunk lookup's first requests */
#define DHT_GET_MS_MAX		1023	/* lookup-time histogram, ms */

struct dht_config {
	uint8_t		 pub[KRPC_KEY_LEN];	/* our key (node_id.h) */
	struct sockaddr_storage bind;	/* our address (family 0: unknown) */
	/* the address our ID is bound to (family 0: bind's) */
	struct sockaddr_storage id_addr;
	/* the key puzzle's bits every peer's key must pass, ours too:
	 * KAD_PUZZLE_BITS (tests that make many keys take fewer) */
	unsigned	 puzzle_bits;
	uint8_t		 families;	/* KRPC_WANT4|KRPC_WANT6 we can reach;
					   0: the bind address's family */
	int		 martians;	/* DHT_MARTIAN_* */
	unsigned	 k;		/* bucket size, lookup width: 20 */
	unsigned	 alpha;		/* parallel requests per lookup: 3 */
	unsigned	 replicas;	/* copies of a chunk, at most: 8 */
	unsigned	 hoplimit;	/* lookup hops: 16 */
	unsigned	 nrepl;		/* replacement cache per bucket: 8 */
	unsigned	 maxbuckets;	/* 160 */
	unsigned	 maxsearches;	/* lookups at once: 2048 */
	unsigned	 maxpending;	/* requests awaiting a reply: 8192 */
	unsigned	 maxpushes;	/* PUT forwards/replications: 512 */
	/* other networks whose nodes must prove a PUT's chunk (or all of
	 * its copies, if fewer): 3 */
	unsigned	 confirm;
	unsigned	 maxstoreops;	/* store requests outstanding: 4096 */
	uint32_t	 rto_default;	/* timeout for unmeasured peers: 1000 */
	uint32_t	 rto_min;	/* 100 */
	uint32_t	 rto_max;	/* 4000 */
	unsigned	 rpc_tries;	/* sends before a request fails: 3 */
	uint32_t	 refresh_ms;	/* idle bucket refresh: 15 min */
	uint32_t	 migrate_ms;	/* migration scan: 1 h, 0 off */
	uint32_t	 storeop_ms;	/* store answer overdue after: 10 s */
	struct ratelimit_config rl;
};

/* store requests (dht -> store), see dht_store_reply */
#define DHT_STORE_GET	1	/* reply: the value, or not found */
#define DHT_STORE_HAVE	2	/* reply: found or not found, no data */
#define DHT_STORE_PUT	3	/* store data under key; with a cookie,
				   reply FOUND once it is committed (safe
				   from a crash), anything else if not */
#define DHT_STORE_SCAN	4	/* reply: dht_store_scan_reply */

struct dht_store_req {
	int		 op;
	uint64_t	 cookie;	/* PUT: 0 when no answer is wanted */
	uint8_t		 key[KAD_ID_LEN];	/* SCAN: keys after this one */
	const uint8_t	*data;		/* PUT */
	size_t		 len;
	unsigned	 max;		/* SCAN: at most this many keys */
	unsigned	 copies;	/* PUT: nodes that should keep it,
					   1..replicas (the store keeps the
					   larger of this and what it had) */
	uint64_t	 source;	/* PUT: the sender's network
					   (kad_netkey), 0: our own */
};

/* dht_store_reply status */
#define DHT_STORE_FOUND		0
#define DHT_STORE_NOTFOUND	1
#define DHT_STORE_ERROR		2

/* completion events */
#define DHT_EV_LOOKUP	1	/* dht_lookup: the k closest live nodes */
#define DHT_EV_GET	2	/* dht_get: value, or status -1 */
#define DHT_EV_PUT	3	/* dht_put: forwarded/replicated, or -1 */
#define DHT_EV_PING	4	/* a dht_ping address answered (cookie 0) */

struct dht_event {
	int			 type;
	int			 status;	/* 0 ok, -1 failed/not found */
	uint64_t		 cookie;	/* the caller's */
	uint8_t			 key[KAD_ID_LEN];
	const uint8_t		*value;		/* GET; valid during callback */
	size_t			 vlen;
	const struct krpc_contact *nodes;	/* LOOKUP, nearest first */
	size_t			 nnodes;
	unsigned		 hops;		/* lookup depth */
	unsigned		 msgs;		/* requests the lookup sent */
	uint64_t		 ms;		/* how long the lookup took */
	int			 local;		/* GET served by our store */
	/* PUT: nnodes is how many other networks proved a copy; with
	 * elsewhere, they hold every copy it should have, and ours is not
	 * needed */
	int			 elsewhere;
	/* PING: the address pinged, which answered over a proved session
	 * with a handshake; key is the node ID its key gives */
	struct krpc_addr	 addr;
};

struct dht_io {
	void	*arg;
	/*
	 * A message for the peer with key pub (NULL: a bootstrap address
	 * whose key is not known yet) at to.  reply_room: for a request,
	 * the longest answer it can draw (krpc_reply_max), 0 for answers
	 * and for requests that must wait for a proved session (STORE).
	 */
	void	(*send)(void *arg, const uint8_t *pub, const void *buf,
		    size_t len, const struct sockaddr *to, socklen_t tolen,
		    size_t reply_room);
	void	(*random)(void *arg, void *buf, size_t len);
	void	(*store)(void *arg, const struct dht_store_req *);
	void	(*event)(void *arg, const struct dht_event *);
	/* NULL: value_ok means SHA-256(value) == key */
	int	(*value_ok)(void *arg, const uint8_t key[KAD_ID_LEN],
		    const uint8_t *value, size_t len);
};

/* why received datagrams were dropped (besides krpc decode errors) */
enum dht_drop {
	DHT_DROP_BADADDR,	/* sockaddr of unknown family or length */
	DHT_DROP_MARTIAN,	/* source address we never talk to */
	DHT_DROP_BANNED,	/* source on the ban list */
	DHT_DROP_MALFORMED,	/* krpc_decode refused (see malformed[]) */
	DHT_DROP_SELFID,	/* sender has our key */
	DHT_DROP_RATELIMIT,	/* source over its request rate */
	DHT_DROP_GLOBALLIMIT,	/* all sources over the global rate */
	DHT_DROP_UNSOLICITED,	/* reply to no request of ours */
	DHT_DROP_WRONGSRC,	/* reply from another peer than asked */
	DHT_DROP_WRONGTYPE,	/* reply type does not answer the request */
	DHT_DROP_BADCONTACT,	/* one contact record ignored */
	DHT_DROP_UNPROVED,	/* STORE from an address not proved yet */
	DHT_DROP_BADVALUE,	/* value whose hash is not its key */
	DHT_DROP_BUSY,		/* a hard cap was reached */
	DHT_DROP_SCOPE,		/* private source, we are not private */
	DHT_DROP_PUZZLE,	/* a key (sender's, contact's, saved
				   contact's) that fails the key puzzle */
	DHT_DROP_MAX
};

extern const char *const dht_dropnames[DHT_DROP_MAX];

struct dht_stats {
	uint64_t	rx, tx, rx_bytes, tx_bytes;
	uint64_t	rx_type[KRPC_TYPE_MAX + 1];
	uint64_t	tx_type[KRPC_TYPE_MAX + 1];
	uint64_t	malformed[KRPC_E_MAX];
	uint64_t	drop[DHT_DROP_MAX];
	uint64_t	timeouts;
	uint64_t	retransmits;
	uint64_t	abandoned;	/* not resent: lookup or push ended */
	uint64_t	searches, pushes, stores_accepted;
	uint64_t	stores_failed;	/* the store did not commit a peer's */
	uint64_t	busy_sent, busy_received;	/* BUSY answers */
	uint64_t	push_lookups;	/* a push looked its key up first */
	uint64_t	push_unplaced;	/* replications short of their copies */
	uint64_t	confirms;	/* forwarded PUTs whose holders we asked */
	uint64_t	confirm_fail;	/* ... that too few networks proved */
	uint64_t	confirm_rounds;	/* rounds of HAVEs they took */
	uint64_t	have_lies;	/* "have" with a wrong proof */
	uint64_t	lookup_dead;	/* listed contacts we know dead, not asked */
	/* chunk lookups that found the value, by duration in ms (the last
	 * slot counts DHT_GET_MS_MAX and longer) */
	uint64_t	get_ms[DHT_GET_MS_MAX + 1];
};

struct dht;

void		 dht_config_defaults(struct dht_config *);
/* NULL with errno (EINVAL for a bad config) on failure. */
struct dht	*dht_new(const struct dht_config *, const struct dht_io *,
		    uint64_t now);
void		 dht_free(struct dht *);

/*
 * A message from the peer with key pub at from.  validated: it came
 * over keys whose address has proved itself; 0 for a request inside a
 * handshake's first message, from an address anyone could have put on
 * it (such a message adds a contact but moves none, and may not STORE).
 */
int		 dht_input(struct dht *, const uint8_t pub[KRPC_KEY_LEN],
		    int validated, const void *buf, size_t len,
		    const struct sockaddr *from, socklen_t fromlen,
		    uint64_t now);
/*
 * A handshake with pub completed at from: the peer is alive there (a
 * contact marked bad is forgiven, its address follows).
 */
int		 dht_peer_up(struct dht *, const uint8_t pub[KRPC_KEY_LEN],
		    const struct sockaddr *from, socklen_t fromlen,
		    uint64_t now);
int		 dht_timer(struct dht *, uint64_t now);
/* Absolute time (ms) dht_timer wants to run next; UINT64_MAX: never. */
uint64_t	 dht_next_timer(struct dht *);

/* Ping an address whose id we do not know yet (bootstrap). */
int		 dht_ping(struct dht *, const struct sockaddr *, socklen_t,
		    uint64_t now);
/*
 * Start a FIND_NODE lookup (DHT_EV_LOOKUP), a GET (local store first,
 * then FIND_VALUE: DHT_EV_GET) or a PUT (forward toward the key's
 * closest node, which replicates: DHT_EV_PUT).  -1 with errno EBUSY
 * when the caps are reached, EINVAL for a bad value.
 */
int		 dht_lookup(struct dht *, const uint8_t target[KAD_ID_LEN],
		    uint64_t cookie, uint64_t now);
int		 dht_get(struct dht *, const uint8_t key[KAD_ID_LEN],
		    uint64_t cookie, uint64_t now);
/* A GET without the local store step: the caller's store lacks key. */
int		 dht_fetch(struct dht *, const uint8_t key[KAD_ID_LEN],
		    uint64_t cookie, uint64_t now);
/*
 * copies: how many nodes should keep the chunk (the publisher's choice,
 * carried with it to every holder); 0 means replicas, and more than
 * replicas is replicas.
 */
int		 dht_put(struct dht *, const uint8_t key[KAD_ID_LEN],
		    const void *data, size_t len, unsigned copies,
		    uint64_t cookie, uint64_t now);

/*
 * The store's answer to the request with this cookie: status is
 * DHT_STORE_FOUND (data, len for GET), DHT_STORE_NOTFOUND or
 * DHT_STORE_ERROR.  An unknown or expired cookie is ignored (returns -1,
 * errno ENOENT).  For SCAN, fewer than max keys means the end; copies[i]
 * is the count key i was stored with (0 or a NULL copies: replicas).
 */
int		 dht_store_reply(struct dht *, uint64_t cookie, int status,
		    const void *data, size_t len, uint64_t now);
int		 dht_store_scan_reply(struct dht *, uint64_t cookie,
		    const uint8_t (*keys)[KAD_ID_LEN], const uint8_t *copies,
		    size_t n, uint64_t now);

/* Routing table blob, to persist through the store and reload. */
ssize_t		 dht_save(struct dht *, void *buf, size_t len);
size_t		 dht_save_size(struct dht *);
int		 dht_load(struct dht *, const void *buf, size_t len,
		    uint64_t now);

const struct dht_stats *dht_stats(struct dht *);
/* The pct-th percentile of get_ms, in ms; 0 if there were none. */
unsigned	 dht_get_ms_pct(const struct dht_stats *, unsigned pct);
size_t		 dht_nodes(struct dht *);	/* routing table size */
/* Bytes of protocol state this dht holds (tables, requests, lookups). */
size_t		 dht_mem(struct dht *);
struct routing	*dht_routing(struct dht *);	/* read-only use */
const uint8_t	*dht_id(struct dht *);

#endif /* KAD_DHT_H */
