/* SPDX-License-Identifier: ISC */
/*
 * routing: the Kademlia routing table (k-buckets over the 256-bit XOR
 * metric).  Pure: time comes in as an argument, randomness as bytes the
 * caller drew, and the only output is return values.  The caller (dht.c)
 * sends the pings this module asks for and reports back.
 *
 * Bucket i holds the contacts whose id shares exactly i leading bits
 * with ours; the last bucket holds everything closer and is the only one
 * that splits (it is the one that contains our own id).
 */
#ifndef KAD_ROUTING_H
#define KAD_ROUTING_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "krpc.h"

#define RT_MAX_BUCKETS		256	/* one per shared-prefix length */
#define RT_GOOD_AGE_MS		(15 * 60 * 1000) /* good: heard since */
#define RT_FRESH_MS		(60 * 1000)	/* too fresh to need a ping */
#define RT_PING_WAIT_MS		(10 * 1000)	/* one liveness ping */
#define RT_MAX_FAILS		3	/* consecutive timeouts: bad */

#define RT_F_RTT		0x01	/* srtt/rttvar hold a measurement */
#define RT_RTT_NONE		UINT32_MAX	/* a reply without RTT sample */

/* 120 bytes: the small fields fill the hole after addr */
struct rt_entry {
	uint8_t		 id[KAD_ID_LEN];
	uint8_t		 pub[KRPC_KEY_LEN];	/* id is its node ID */
	struct krpc_addr addr;
	uint16_t	 seq;		/* order of updates within one ms */
	uint8_t		 fails;		/* consecutive unanswered requests */
	uint8_t		 flags;
	uint64_t	 seen;		/* last datagram from it (LRS order) */
	uint64_t	 replied;	/* last reply from it, 0: never */
	uint64_t	 pinged;	/* liveness ping out since, or 0 */
	uint64_t	 failed;	/* its last unanswered request, 0: none */
	uint32_t	 srtt;		/* smoothed RTT, ms * 8 */
	uint32_t	 rttvar;	/* RTT mean deviation, ms * 4 */
};

/* routing_heard/routing_replied results */
#define RT_ADDED	0	/* new contact in its bucket */
#define RT_UPDATED	1	/* known contact refreshed */
#define RT_CACHED	2	/* bucket full: in the replacement cache */
#define RT_IGNORED	3	/* own/zero id, or a good contact's address */
#define RT_REFUSED	4	/* its network has its share (netdiv.h) */

struct routing;

/*
 * k contacts per bucket, nrepl in each replacement cache, at most
 * maxbuckets buckets (1..RT_MAX_BUCKETS).  NULL with errno on failure.
 */
struct routing	*routing_new(const uint8_t self[KAD_ID_LEN], unsigned k,
		    unsigned nrepl, unsigned maxbuckets);
void		 routing_free(struct routing *);

/*
 * The node with key pub (id its node ID) was heard from at addr, an
 * address that has not proved itself (a request inside a handshake's
 * first message): a new contact, never a known one's new address.  Or
 * it was proved alive at addr (replied: a reply, a request over keys
 * whose address proved itself, a completed handshake; with an RTT, or
 * RT_RTT_NONE): then its address becomes addr and its failures are
 * forgiven.  A new contact whose network has its share of the bucket
 * or the table (netdiv.h) is refused (RT_REFUSED), and a known one
 * stays where it is rather than move into such a network (RT_IGNORED).
 * When the bucket is full and its least recently seen
 * contact should prove it is alive, *pingme points at that contact
 * (valid until the next call that changes the table); the caller pings
 * it and reports routing_replied or routing_failed.
 */
int		 routing_heard(struct routing *, const uint8_t id[KAD_ID_LEN],
		    const uint8_t pub[KRPC_KEY_LEN], const struct krpc_addr *,
		    uint64_t now, struct rt_entry **pingme);
int		 routing_replied(struct routing *,
		    const uint8_t id[KAD_ID_LEN], const uint8_t pub[KRPC_KEY_LEN],
		    const struct krpc_addr *, uint64_t now, uint32_t rtt_ms,
		    struct rt_entry **pingme);

/*
 * A request to id went unanswered.  liveness: it was the ping asked for
 * by *pingme, so the contact is replaced at once if the replacement
 * cache has someone.  Returns 1 when the contact was evicted, else 0.
 */
int		 routing_failed(struct routing *,
		    const uint8_t id[KAD_ID_LEN], uint64_t now, int liveness);

struct rt_entry	*routing_find(struct routing *, const uint8_t id[KAD_ID_LEN]);

/*
 * Up to n contacts closest to target, nearest first, among the families
 * in want (KRPC_WANT4/KRPC_WANT6).  goodonly: only contacts that
 * answered recently (what we tell others); else all but the bad ones
 * (what we try ourselves).  Returns how many were stored in out.
 */
size_t		 routing_closest(struct routing *,
		    const uint8_t target[KAD_ID_LEN], uint8_t want,
		    int goodonly, uint64_t now, struct rt_entry **out,
		    size_t n);

int		 routing_good(const struct rt_entry *, uint64_t now);
/* Fold one RTT sample into e's srtt/rttvar (RFC 6298 gains). */
void		 routing_rtt_sample(struct rt_entry *e, uint32_t rtt_ms);
/* Retransmission timeout for a contact: srtt + 4 rttvar, bounded. */
uint32_t	 routing_rto(const struct rt_entry *, uint32_t def,
		    uint32_t min, uint32_t max);

/* A lookup for target ran: its bucket needs no refresh for a while. */
void		 routing_touch(struct routing *,
		    const uint8_t target[KAD_ID_LEN], uint64_t now);
/*
 * 1 when the table has no contact closer to target than us but may be
 * missing some: target's bucket was never explored, or is the last one,
 * full of contacts all deeper than target's branch.
 */
int		 routing_unexplored(struct routing *,
		    const uint8_t target[KAD_ID_LEN]);
/*
 * If a bucket has been idle for interval ms, store a random id in its
 * range in target (made from the caller's random bytes rnd), mark it
 * refreshed and return 1; else 0.
 */
int		 routing_refresh(struct routing *, uint64_t now,
		    uint64_t interval, const uint8_t rnd[KAD_ID_LEN],
		    uint8_t target[KAD_ID_LEN]);
uint64_t	 routing_next_refresh(struct routing *, uint64_t interval);

/* Contacts in the buckets, the bad ones included (not the caches). */
size_t		 routing_count(struct routing *);
size_t		 routing_nets(struct routing *);
/*
 * Those not marked bad (RT_MAX_FAILS unanswered requests in a row): the
 * ones routing_closest(goodonly 0) gives, which kadctl peers lists and
 * status's peers counts.  A bad contact stays until a new one takes its
 * place.
 */
size_t		 routing_live(struct routing *);
/* Bytes the table holds (buckets, contacts, replacement caches). */
size_t		 routing_mem(struct routing *);
unsigned	 routing_nbuckets(struct routing *);
/* The contacts of bucket i, least recently seen first (tests, status). */
const struct rt_entry *routing_bucket(struct routing *, unsigned i,
		    size_t *n, size_t *nrepl);
/* Index of the bucket that covers id. */
unsigned	 routing_bucket_of(struct routing *,
		    const uint8_t id[KAD_ID_LEN]);

/*
 * Serialise the contacts (not the replacement caches) to a blob, for a
 * restart: routing_save_size() bytes; routing_save returns the length
 * written or -1 (EMSGSIZE).  routing_load adds a blob's contacts as
 * heard-of but unconfirmed and returns how many it added, or -1 (EINVAL)
 * for a blob that is malformed in any way (then nothing is added).  A
 * record holds a contact's key and address; its ID is worked out again
 * from both (node_id.h).  Our own key (selfpub), wherever it is, makes
 * the blob malformed.  A key that fails the puzzle of puzzle_bits bits
 * is left out and counted in *refused.
 */
size_t		 routing_save_size(struct routing *);
ssize_t		 routing_save(struct routing *, void *buf, size_t len);
int		 routing_load(struct routing *, const void *buf, size_t len,
		    const uint8_t selfpub[KRPC_KEY_LEN], unsigned puzzle_bits,
		    uint64_t now, uint64_t *refused);

/* XOR-metric helpers shared with search.c and dht.c. */
int		 kad_id_cmpdist(const uint8_t a[KAD_ID_LEN],
		    const uint8_t b[KAD_ID_LEN],
		    const uint8_t target[KAD_ID_LEN]);	/* <0: a closer */
unsigned	 kad_id_cpl(const uint8_t a[KAD_ID_LEN],
		    const uint8_t b[KAD_ID_LEN]);	/* shared prefix bits */
int		 kad_id_iszero(const uint8_t id[KAD_ID_LEN]);
int		 kad_id_eq(const uint8_t a[KAD_ID_LEN],
		    const uint8_t b[KAD_ID_LEN]);

#endif /* KAD_ROUTING_H */
