/* SPDX-License-Identifier: ISC */
/*
 * krpc: the DHT's messages (see docs/PROTOCOL.md, section 4), pure
 * encode and decode.  Since protocol version 2 they travel inside a
 * session (session.h), which says who sent them: no node ID is on the
 * wire, a contact is the peer's public key and address, and no token is
 * needed to prove an address.  One bounds-checked decoder for every
 * message; it never trusts a length it has not checked against the
 * bytes it was given and says why a message was refused, so the caller
 * can count it.
 */
#ifndef KAD_KRPC_H
#define KAD_KRPC_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define KAD_ID_LEN		32	/* node ids and keys: 256 bits */

#define KRPC_MAGIC0		0x6b	/* 'k' */
#define KRPC_MAGIC1		0x64	/* 'd' */
#define KRPC_VERSION		4	/* 4: HAVE asks for a proof */
#define KRPC_MAX_MSG		1100	/* inside a session's DATA */
#define KRPC_HDR_LEN		12	/* magic, version, type, txid */
#define KRPC_TXID_LEN		8
#define KRPC_TXID_OFF		4	/* after magic, version, type */
#define KRPC_KEY_LEN		32	/* a node's X25519 public key */
#define KRPC_MAX_VALUE		1024	/* one chunk */
#define KRPC_NONCE_LEN		16	/* HAVE: the proof's challenge */
#define KRPC_PROOF_LEN		32	/* HAVE_RES: SHA-256 (dht_proof) */
#define KRPC_CONTACT4_LEN	38	/* key, IPv4 address, port */
#define KRPC_CONTACT6_LEN	50	/* key, IPv6 address, port */
/* NODES: header and two counts leave room for this many records */
#define KRPC_NODES_FIXED	(KRPC_HDR_LEN + 2)
#define KRPC_MAX_CONTACTS	\
	((KRPC_MAX_MSG - KRPC_NODES_FIXED) / KRPC_CONTACT4_LEN)

/* message types: requests are odd, the reply to one is the next number */
#define KRPC_PING		1
#define KRPC_PONG		2
#define KRPC_FIND_NODE		3
#define KRPC_NODES		4	/* also answers FIND_VALUE */
#define KRPC_FIND_VALUE		5
#define KRPC_VALUE		6
#define KRPC_HAVE		7
#define KRPC_HAVE_RES		8
#define KRPC_STORE		9
#define KRPC_STORE_RES		10
/* 11 is no type: BUSY answers any request, and has none of its own */
#define KRPC_BUSY		12	/* "not now": retry after a while */
#define KRPC_TYPE_MAX		12
#define KRPC_BUSY_LEN		(KRPC_HDR_LEN + 1)	/* fits every room */
#define KRPC_BUSY_UNIT_MS	100	/* retry is in tenths of a second */

#define KRPC_IS_REQUEST(t)	(((t) & 1) != 0)

/* FIND_NODE / FIND_VALUE "want": address families of the contacts */
#define KRPC_WANT4		0x01
#define KRPC_WANT6		0x02
#define KRPC_WANT_MASK		0x03

/* STORE flags */
#define KRPC_STORE_FORWARD	0x01	/* keep pushing it toward the key */
#define KRPC_STORE_MASK		0x01
/* STORE copies: how many nodes should keep the chunk (1..20) */
#define KRPC_MAX_COPIES		20

/* STORE_RES status */
#define KRPC_ST_OK		0	/* accepted */
#define KRPC_ST_HAVE		1	/* already had it */
#define KRPC_ST_UNPROVED	2	/* sender's address not proved yet */
#define KRPC_ST_BADVALUE	3	/* SHA-256(value) != key */
#define KRPC_ST_BUSY		4	/* not here, try another node */
#define KRPC_ST_MAX		4

/* address family codes in struct krpc_addr (not AF_*: fixed on the wire) */
#define KRPC_AF_INET		4
#define KRPC_AF_INET6		6

/* A peer's UDP address in a compact, socket-free form. */
struct krpc_addr {
	uint8_t		family;		/* KRPC_AF_INET or KRPC_AF_INET6 */
	uint8_t		pad;		/* zero */
	uint16_t	port;		/* host byte order */
	uint8_t		ip[16];		/* IPv4 uses the first 4 bytes */
};

/*
 * A contact: the key and address are on the wire; id, the node ID of
 * the key (node_id.h), is the caller's to fill in (it is not sent).
 */
struct krpc_contact {
	uint8_t		 pub[KRPC_KEY_LEN];
	uint8_t		 id[KAD_ID_LEN];
	struct krpc_addr addr;
};

/*
 * One decoded message.  Which fields mean something depends on type:
 *   FIND_NODE, FIND_VALUE	target, want
 *   HAVE			target (the key), nonce
 *   NODES			contacts (IPv4 records first)
 *   VALUE			value
 *   HAVE_RES			have, and proof if have is 1
 *   STORE			target, flags, copies, value
 *   STORE_RES			status
 * value points into the decoded buffer and lives as long as it does.
 * id is the sender's node ID, from its session: the caller's to fill
 * in, never on the wire.
 */
struct krpc_msg {
	uint8_t		 type;
	uint8_t		 txid[KRPC_TXID_LEN];
	uint8_t		 id[KAD_ID_LEN];
	uint8_t		 target[KAD_ID_LEN];
	uint8_t		 nonce[KRPC_NONCE_LEN];
	uint8_t		 proof[KRPC_PROOF_LEN];
	uint8_t		 want;
	uint8_t		 have;
	uint8_t		 status;
	uint8_t		 flags;
	uint8_t		 copies;	/* STORE: 1..KRPC_MAX_COPIES */
	uint8_t		 ncontacts;
	uint8_t		 retry;		/* BUSY: ask again after retry *
					   KRPC_BUSY_UNIT_MS */
	struct krpc_contact contacts[KRPC_MAX_CONTACTS];
	const uint8_t	*value;
	uint16_t	 vlen;
};

/* Why a datagram was refused; each has its own counter. */
enum krpc_err {
	KRPC_E_NONE,
	KRPC_E_SHORT,		/* ends before a fixed field */
	KRPC_E_LONG,		/* bytes after the last field */
	KRPC_E_OVERSIZE,	/* more than KRPC_MAX_MSG */
	KRPC_E_MAGIC,
	KRPC_E_VERSION,
	KRPC_E_TYPE,
	KRPC_E_CONTACTLEN,	/* record bytes do not match the counts */
	KRPC_E_VALUELEN,	/* value length 0 or over KRPC_MAX_VALUE */
	KRPC_E_FIELD,		/* unknown flag bits, bad want/have/status */
	KRPC_E_MAX
};

extern const char *const krpc_errnames[KRPC_E_MAX];
extern const char *const krpc_typenames[KRPC_TYPE_MAX + 1];

/*
 * Decode buf[0..len) into *m.  Returns 0, or -1 with *why set and errno
 * EBADMSG.  Nothing in *m is meaningful after a failure.
 */
int	krpc_decode(const void *buf, size_t len, struct krpc_msg *m,
	    enum krpc_err *why);

/*
 * Encode *m into buf.  Returns the message length, or -1 with errno
 * EINVAL (a field out of range) or EMSGSIZE (does not fit in buflen or
 * in KRPC_MAX_MSG).  The encoding is canonical: decoding a message and
 * encoding the result gives back the same bytes.
 */
ssize_t	krpc_encode(const struct krpc_msg *m, void *buf, size_t buflen);

/* Fill the header fields of a message (zeroes the rest). */
void	krpc_init(struct krpc_msg *m, uint8_t type,
	    const uint8_t txid[KRPC_TXID_LEN]);

/* The largest answer a request of this type can draw (0: none). */
size_t	krpc_reply_max(uint8_t type);

/* Wire length of one contact record for an address family, 0 if none. */
size_t	krpc_contact_len(uint8_t family);

/*
 * A sockaddr (AF_INET or AF_INET6 of exactly its size) as a krpc_addr,
 * and back; -1 for anything else, a NULL one included.
 */
int		krpc_addr_from_sa(const struct sockaddr *, socklen_t,
		    struct krpc_addr *);
socklen_t	krpc_addr_to_sa(const struct krpc_addr *,
		    struct sockaddr_storage *);
int		krpc_addr_eq(const struct krpc_addr *, const struct krpc_addr *);

/*
 * What an address can be (docs/PROTOCOL.md section 6): never a peer's
 * (this network, multicast, reserved, ::), loopback, private to a site
 * (RFC 1918, CGNAT 100.64/10, 169.254/16, fc00::/7, fe80::/10, fec0::/10,
 * and the documentation and benchmarking ranges, which no Internet
 * host has) or global.  A v4-mapped address is classed as its IPv4 one.
 */
#define KRPC_SCOPE_MARTIAN	0
#define KRPC_SCOPE_LOOPBACK	1
#define KRPC_SCOPE_PRIVATE	2
#define KRPC_SCOPE_GLOBAL	3
int		krpc_addr_scope(const struct krpc_addr *);

#endif /* KAD_KRPC_H */
