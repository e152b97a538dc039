/* SPDX-License-Identifier: ISC */
/*
 * session: protocol version 2's outer layer (docs/PROTOCOL.md, sections
 * 2 and 3).  Every datagram between two nodes belongs to a session
 * between their static keys: a Noise IK handshake (INIT, RESP), then
 * DATA messages, each sealed with AES-256-GCM under its own counter and
 * checked against a replay window.  A peer is its key; its address is
 * the one its last completed handshake came from.  Before an address
 * has proved it receives our datagrams, we send it no more bytes than
 * we got from it, and under load we keep no state for it at all (a
 * COOKIE reply, as WireGuard does).  KEYREQ/KEYRES learn the key of a
 * bootstrap address.
 *
 * Pure: datagrams in and out, inner messages up and down, the clock
 * and random bytes from the caller, and the three DHs with the node's
 * static key asked of kadcrypt through io.static_dh and answered by
 * sess_static_dh_reply.  Never re-entered from its own callbacks.
 */
#ifndef KAD_SESSION_H
#define KAD_SESSION_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "krpc.h"

#define SESS_KEY_LEN		32
#define SESS_MAX_DGRAM		1232	/* IPv6 minimum MTU minus headers */
#define SESS_DATA_HDR		16	/* type, 3 zero, receiver, counter */
#define SESS_TAG_LEN		16
#define SESS_DATA_OVERHEAD	(SESS_DATA_HDR + SESS_TAG_LEN)
#define SESS_MAX_INNER		1100	/* an inner message, at most */

/* outer message types (the first byte; the next three are zero) */
#define SESS_INIT		1
#define SESS_RESP		2
#define SESS_COOKIE		3
#define SESS_DATA		4
#define SESS_KEYREQ		5
#define SESS_KEYRES		6
#define SESS_TYPE_MAX		6

#define SESS_INIT_MIN		150	/* with an empty payload */
#define SESS_RESP_LEN		92
#define SESS_COOKIE_LEN		64
#define SESS_KEYREQ_LEN		64
#define SESS_KEYRES_LEN		44

/* what sess_static_dh_reply is told (kadcrypt's oracle status) */
#define SESS_DH_OK		0
#define SESS_DH_FAILED		1	/* bad point, busy, or no answer */

struct sess_config {
	uint8_t		 pub[SESS_KEY_LEN];	/* our static key */
	unsigned	 maxpeers;	/* peers with keys or a handshake */
	unsigned	 maxpending;	/* INITs waiting for kadcrypt */
	unsigned	 queue;		/* messages per peer awaiting keys */
	uint32_t	 hs_retry_ms;	/* INIT sent again after */
	unsigned	 hs_tries;	/* INITs before giving up */
	uint32_t	 rekey_ms;	/* a new handshake after ... */
	uint64_t	 rekey_msgs;	/* ... or this many sent */
	uint32_t	 reject_ms;	/* keys refused after ... */
	uint64_t	 reject_msgs;	/* ... or this many */
	uint32_t	 stale_ms;	/* sending, nothing heard: handshake */
	uint32_t	 cookie_ms;	/* cookie secret lifetime */
	uint32_t	 hs_rate;	/* INITs/s answered before cookies */
	uint32_t	 hs_burst;
	uint32_t	 src_rate;	/* INITs and KEYREQs/s per address */
	uint32_t	 src_burst;
	uint32_t	 keyreq_rate;	/* KEYREQs/s answered in all */
	int		 allow_loopback; /* loopback addresses are peers */
	int		 allow_private;	/* so are private ones (krpc.h); 1 */
	/* a peer's static key must pass the key puzzle of this many bits
	 * (node_id.h): KAD_PUZZLE_BITS */
	unsigned	 puzzle_bits;
};

/* Each drop has a counter (sess_dropnames). */
enum sess_drop {
	SESS_DROP_SHORT,	/* shorter than its type's fixed part */
	SESS_DROP_TYPE,		/* unknown type, nonzero reserved bytes */
	SESS_DROP_MAC1,		/* INIT not for our key */
	SESS_DROP_COOKIE,	/* INIT under load without a good mac2 */
	SESS_DROP_RATE,		/* over the source's or the global rate */
	SESS_DROP_BUSY,		/* no room for another handshake */
	SESS_DROP_DECRYPT,	/* did not authenticate */
	SESS_DROP_REPLAY,	/* INIT timestamp or DATA counter seen */
	SESS_DROP_INDEX,	/* no session with that receiver index */
	SESS_DROP_ADDRESS,	/* DATA from another address than its own */
	SESS_DROP_EXPIRED,	/* keys too old or too used */
	SESS_DROP_INNER,	/* payload length fields wrong */
	SESS_DROP_SELF,		/* our own key */
	SESS_DROP_DH,		/* kadcrypt refused or failed a DH */
	SESS_DROP_QUEUE,	/* outgoing: no room while keys are made */
	SESS_DROP_CREDIT,	/* outgoing: unproved address, no credit */
	SESS_DROP_GAVEUP,	/* outgoing: the handshake never finished */
	SESS_DROP_SCOPE,	/* private source, we are not private */
	SESS_DROP_PUZZLE,	/* INIT or KEYRES: a key that fails the
				   key puzzle */
	SESS_DROP_MAX
};

extern const char *const sess_dropnames[SESS_DROP_MAX];

struct sess_stats {
	uint64_t	 rx[SESS_TYPE_MAX + 1], tx[SESS_TYPE_MAX + 1];
	uint64_t	 rx_bytes, tx_bytes;
	uint64_t	 drop[SESS_DROP_MAX];
	uint64_t	 hs_started;	/* INITs we built */
	uint64_t	 hs_done;	/* handshakes completed, both roles */
	uint64_t	 hs_answered;	/* RESPs we sent */
	uint64_t	 rekeys;
	uint64_t	 dh_asked;	/* DHs asked of kadcrypt */
	uint64_t	 evicted;	/* peers pushed out of a full table */
};

struct sess_io {
	void	*arg;
	/* a datagram out */
	void	(*send)(void *, const void *, size_t,
		    const struct krpc_addr *);
	/*
	 * An inner message from peer pub at from.  validated: it came in
	 * DATA on keys whose address has proved itself (0: inside an INIT,
	 * from an address that has not).
	 */
	void	(*deliver)(void *, const uint8_t [SESS_KEY_LEN],
		    const struct krpc_addr *, int validated, const void *,
		    size_t);
	/* a handshake with pub completed: it lives, at addr */
	void	(*peer_up)(void *, const uint8_t [SESS_KEY_LEN],
		    const struct krpc_addr *);
	/* ask kadcrypt for dh(node key, peer); see sess_static_dh_reply */
	void	(*static_dh)(void *, uint64_t cookie,
		    const uint8_t [SESS_KEY_LEN]);
	void	(*random)(void *, void *, size_t);
	/* nanoseconds since 1970, for INIT timestamps */
	uint64_t (*wallclock_ns)(void *);
};

struct sess;

void		 sess_config_defaults(struct sess_config *);
/* NULL with errno (EINVAL: a bad config). */
struct sess	*sess_new(const struct sess_config *, const struct sess_io *,
		    uint64_t now);
void		 sess_free(struct sess *);

/* A datagram from the network. */
void		 sess_input(struct sess *, const void *, size_t,
		    const struct krpc_addr *from, uint64_t now);
/*
 * An inner message to a peer: pub NULL when only its address is known
 * (a bootstrap address; its key is asked for first).  reply_room > 0:
 * a request whose answer may be that long, which may go inside the
 * INIT when there are no keys yet (the INIT is then padded so that the
 * answer fits what the peer may send an unproved address).  0, or -1
 * with errno: EMSGSIZE (too long), ENOBUFS (no room to wait for keys),
 * EINVAL (our own key, a bad address).
 */
int		 sess_send(struct sess *, const uint8_t *pub,
		    const struct krpc_addr *to, const void *, size_t,
		    size_t reply_room, uint64_t now);
/* kadcrypt's answer to io.static_dh (0, or -1: an unknown cookie). */
int		 sess_static_dh_reply(struct sess *, uint64_t cookie,
		    int status, const uint8_t [SESS_KEY_LEN], uint64_t now);
void		 sess_timer(struct sess *, uint64_t now);
uint64_t	 sess_next_timer(struct sess *);

const struct sess_stats *sess_stats(const struct sess *);
size_t		 sess_peers(const struct sess *);
/* Bytes the layer holds (tables, keys, queues). */
size_t		 sess_mem(const struct sess *);
/* 1 if we have confirmed keys with pub. */
int		 sess_established(struct sess *, const uint8_t [SESS_KEY_LEN]);

#endif /* KAD_SESSION_H */
