/* SPDX-License-Identifier: ISC */
/*
 * sess_local.h: what the session layer's files share.  Not an API.
 *
 *	session.c	the tables (peers, receiver indexes, handshakes
 *			waiting for kadcrypt), sending, input, timers
 *	sess_hs.c	the handshake messages: INIT, RESP, COOKIE,
 *			KEYREQ, KEYRES
 *	sess_data.c	keys, DATA sealed and opened, the replay window
 *	noise.c		Noise's symmetric state and the IK steps
 *	sess_crypto.c	the primitives, on OpenSSL
 */
#ifndef KAD_SESS_LOCAL_H
#define KAD_SESS_LOCAL_H

#include <bsd/sys/queue.h>
#include <bsd/sys/tree.h>

#include "noise.h"
#include "ratelimit.h"
#include "sess_crypto.h"

/* libbsd's tree.h uses __unused without defining it (Debian #522773) */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#define SESS_TS_LEN		12	/* INIT timestamp: s, then ns */
#define SESS_WIN_BITS		1024	/* DATA replay window */
#define SESS_WIN_WORDS		(SESS_WIN_BITS / 64)
#define SESS_MAC_LEN		16
#define SESS_RHS_MS		5000	/* an INIT waits this long for DHs */
#define SESS_SWEEP_MS		10000	/* old keys and idle peers let go */

/* INIT: offsets of its fields */
#define INIT_SENDER		4
#define INIT_E			8
#define INIT_S			40	/* 48: static key and tag */
#define INIT_PAYLOAD		88	/* ts, length, inner, padding, tag */
#define INIT_PAYLOAD_MIN	(SESS_TS_LEN + 2)
/* RESP */
#define RESP_SENDER		4
#define RESP_RECEIVER		8
#define RESP_E			12
#define RESP_EMPTY		44	/* the tag of the empty payload */
#define RESP_MAC1		60
/* COOKIE */
#define COOKIE_RECEIVER		4
#define COOKIE_NONCE		8	/* 8 bytes: the low half of the nonce */
#define COOKIE_ENC		16	/* 32 and the tag */
/* DATA */
#define DATA_RECEIVER		4
#define DATA_COUNTER		8
/* KEYREQ, KEYRES */
#define KEY_NONCE		4	/* 8 bytes */
#define KEYRES_PUB		12

struct sess;
struct sess_peer;

struct sess_msg {
	TAILQ_ENTRY(sess_msg)	 entry;
	size_t			 len;
	size_t			 room;		/* sess_send's reply_room */
	uint8_t			 buf[];
};
TAILQ_HEAD(sess_msgq, sess_msg);

/* One direction pair of transport keys (one completed handshake). */
struct sess_keys {
	uint32_t		 local, remote;	/* receiver indexes */
	struct sc_gcm		*tx, *rx;
	uint64_t		 txn;		/* next counter to send */
	uint64_t		 rxn;		/* messages opened */
	uint64_t		 rxtop;		/* highest counter seen + 1 */
	uint64_t		 win[SESS_WIN_WORDS];
	uint64_t		 born;		/* ms */
	uint64_t		 credit;	/* bytes before confirmation */
	struct krpc_addr	 addr;		/* the handshake's address */
	uint8_t			 initiator;
	uint8_t			 confirmed;	/* its address proved itself */
	struct sess_peer	*peer;
};

/* Our handshake as the initiator. */
#define IHS_SS			1	/* waiting for ss */
#define IHS_SENT		2	/* INIT out, waiting for RESP */
#define IHS_SE			3	/* RESP in, waiting for se */

struct sess_ihs {
	TAILQ_ENTRY(sess_ihs)	 entry;		/* s->ihs: all of them */
	struct noise_hs		 ns;		/* after the INIT */
	struct noise_hs		 rns;		/* a RESP being read */
	struct sess_msg		*early;		/* the request inside INIT */
	struct sess_peer	*peer;
	struct krpc_addr	 to;
	uint32_t		 local, remote;
	uint8_t			 stage;
	uint8_t			 has_ss, has_cookie;
	uint8_t			 ss[32];	/* static-static, while it lasts */
	uint64_t		 cookie_dh;	/* the DH asked for */
	unsigned		 tries;
	uint64_t		 next;		/* ms: send again, or give up */
	uint8_t			 mac1key[32];	/* H("mac1" || their key) */
	uint8_t			 cookie[32];	/* from their COOKIE */
	uint64_t		 cookie_until;
	uint8_t			 resp_tag[SESS_TAG_LEN];
	size_t			 pktlen;
	uint8_t			 pkt[SESS_MAX_DGRAM];	/* the last INIT */
};
TAILQ_HEAD(sess_ihsq, sess_ihs);

/* An INIT being answered, waiting for kadcrypt's es and ss. */
#define RHS_ES			1
#define RHS_SS			2

struct sess_rhs {
	RB_ENTRY(sess_rhs)	 entry;		/* by cookie */
	TAILQ_ENTRY(sess_rhs)	 age;
	uint64_t		 cookie;
	uint64_t		 created;
	struct noise_hs		 ns;
	struct krpc_addr	 from;
	uint32_t		 remote;	/* the initiator's index */
	uint8_t			 stage;
	uint8_t			 enc_s[NOISE_ENC_S_LEN];
	size_t			 rxlen;		/* the INIT's size */
	size_t			 plen;
	uint8_t			 payload[SESS_MAX_DGRAM];
};
RB_HEAD(rhstree, sess_rhs);
RB_PROTOTYPE(rhstree, sess_rhs, entry, rhs_cmp)
TAILQ_HEAD(sess_rhsq, sess_rhs);

/* A bootstrap address whose key we asked for. */
struct sess_kreq {
	TAILQ_ENTRY(sess_kreq)	 entry;
	struct krpc_addr	 to;
	uint8_t			 nonce[8];
	unsigned		 tries;
	uint64_t		 next;
	struct sess_msgq	 q;
	unsigned		 nq;
};
TAILQ_HEAD(sess_kreqq, sess_kreq);

struct sess_peer {
	RB_ENTRY(sess_peer)	 entry;		/* by key */
	TAILQ_ENTRY(sess_peer)	 lru;
	uint8_t			 pub[SESS_KEY_LEN];
	struct sess_keys	*cur, *prev, *next;
	struct sess_ihs		*hs;
	uint8_t			 ts[SESS_TS_LEN];	/* its newest INIT */
	uint8_t			 has_ts;
	struct sess_msgq	 q;		/* waiting for keys */
	unsigned		 nq;
	uint64_t		 last_rx;	/* ms, authenticated */
	uint64_t		 tx_since;	/* first send unanswered, 0 */
	uint64_t		 used;		/* ms, for the LRU order */
};
RB_HEAD(peertree, sess_peer);
TAILQ_HEAD(sess_peerq, sess_peer);

/* receiver indexes: open addressing, backward-shift deletion */
#define IDX_KEYS		1
#define IDX_IHS			2

struct sess_slot {
	uint32_t		 idx;
	uint8_t			 kind;		/* 0: free */
	void			*p;
};

struct sess {
	struct sess_config	 cf;
	struct sess_io		 io;
	struct sess_stats	 st;
	uint8_t			 mac1key[32];	/* H("mac1" || our key) */
	uint8_t			 cookiekey[32];	/* H("cookie" || our key) */
	uint8_t			 secret[32], oldsecret[32];
	uint64_t		 secret_next;
	uint64_t		 sweep_next;
	uint8_t			 last_ts[SESS_TS_LEN];	/* ours, sent */
	struct peertree		 peers;
	struct sess_peerq	 lru;		/* most recently used first */
	unsigned		 npeers;
	struct sess_slot	*slots;
	size_t			 nslots, capslots;
	struct rhstree		 rhs;
	struct sess_rhsq	 rhsage;
	unsigned		 nrhs;
	uint64_t		 next_cookie;
	struct sess_ihsq	 ihs;
	unsigned		 nihs;
	struct sess_kreqq	 kreq;
	unsigned		 nkreq;
	struct ratelimit	*src;		/* INIT and KEYREQ per address */
	uint64_t		 hs_tokens;	/* milli-INITs, the load bucket */
	uint64_t		 kr_tokens;	/* milli-KEYREQs */
	uint64_t		 tokens_at;
	size_t			 qbytes;	/* queued messages */
};

/* session.c */
struct sess_peer *sess_peer_find(struct sess *, const uint8_t [SESS_KEY_LEN]);
struct sess_peer *sess_peer_get(struct sess *, const uint8_t [SESS_KEY_LEN],
		    uint64_t);
void		 sess_peer_touch(struct sess *, struct sess_peer *, uint64_t);
uint32_t	 sess_idx_new(struct sess *, uint8_t kind, void *);
void		*sess_idx_find(struct sess *, uint32_t, uint8_t kind);
int		 sess_idx_set(struct sess *, uint32_t, uint8_t kind, void *);
void		 sess_idx_del(struct sess *, uint32_t);
void		 sess_tx(struct sess *, const void *, size_t, uint8_t type,
		    const struct krpc_addr *);
uint64_t	 sess_dh_cookie(struct sess *);
void		 sess_flush(struct sess *, struct sess_peer *, uint64_t);
void		 sess_msgq_free(struct sess *, struct sess_msgq *, unsigned *,
		    int count_drop);
int		 sess_addr_ok(const struct sess *, const struct krpc_addr *);
void		 sess_addr_bytes(const struct krpc_addr *, uint8_t [20]);

/* sess_hs.c */
int		 sess_hs_start(struct sess *, struct sess_peer *,
		    const struct krpc_addr *, uint64_t);
void		 sess_hs_free(struct sess *, struct sess_ihs *);
void		 sess_hs_timer(struct sess *, struct sess_ihs *, uint64_t);
void		 sess_in_init(struct sess *, const uint8_t *, size_t,
		    const struct krpc_addr *, uint64_t);
void		 sess_in_resp(struct sess *, const uint8_t *, size_t,
		    const struct krpc_addr *, uint64_t);
void		 sess_in_cookie(struct sess *, const uint8_t *, size_t,
		    const struct krpc_addr *, uint64_t);
void		 sess_in_keyreq(struct sess *, const uint8_t *, size_t,
		    const struct krpc_addr *, uint64_t);
void		 sess_in_keyres(struct sess *, const uint8_t *, size_t,
		    const struct krpc_addr *, uint64_t);
void		 sess_ihs_dh(struct sess *, struct sess_ihs *, int,
		    const uint8_t [32], uint64_t);
void		 sess_rhs_dh(struct sess *, struct sess_rhs *, int,
		    const uint8_t [32], uint64_t);
void		 sess_rhs_free(struct sess *, struct sess_rhs *);
int		 sess_kreq_send(struct sess *, const struct krpc_addr *,
		    const void *, size_t, size_t, uint64_t);
void		 sess_kreq_timer(struct sess *, struct sess_kreq *, uint64_t);
void		 sess_kreq_free(struct sess *, struct sess_kreq *);

/* sess_data.c */
struct sess_keys *sess_keys_new(struct sess *, struct sess_peer *,
		    const uint8_t tx[32], const uint8_t rx[32], uint32_t local,
		    uint32_t remote, const struct krpc_addr *, int initiator,
		    uint64_t now);
void		 sess_keys_free(struct sess *, struct sess_keys *);
int		 sess_keys_usable(const struct sess *, const struct sess_keys *,
		    uint64_t);
int		 sess_keys_due(const struct sess *, const struct sess_keys *,
		    uint64_t);
int		 sess_data_send(struct sess *, struct sess_keys *, const void *,
		    size_t, int request, uint64_t);
void		 sess_in_data(struct sess *, const uint8_t *, size_t,
		    const struct krpc_addr *, uint64_t);
int		 sess_win_check(const struct sess_keys *, uint64_t);
void		 sess_win_mark(struct sess_keys *, uint64_t);

#endif /* KAD_SESS_LOCAL_H */
