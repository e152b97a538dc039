/* SPDX-License-Identifier: ISC */
/*
 * The message catalogue: the only source of truth for what crosses a
 * process boundary in kad.  Numbers are explicit, grouped in hundreds per
 * channel, and never reused: a retired type stays here, marked unused.
 * The table below is msg.c's rows in words: the sender -> receiver
 * column is each row's dirs, from which every channel's list of allowed
 * types is derived (kadipc_allowed, kadipc_chan_open); no process writes
 * such a list itself.  "worker" is kadnet, kadstore and kadcrypt.
 *
 * type                  sender -> receiver      payload               fd  reply / limits
 * --------------------- ----------------------- --------------------- --- ----------------------------
 * HELLO            1    any -> any (first msg)  kadipc_hello          no  consumed by the library
 * SHUTDOWN         2    master -> worker        empty                 no  worker flushes and exits 0
 * VERBOSE          3    master -> worker        kadipc_u32            no  level 0..3
 * READY            4    worker -> master        empty                 no  once, after config
 * STATS_REQ        5    master -> worker        empty                 no  STATS
 * STATS            6    worker -> master        kadipc_stat[n]        no  n <= KADIPC_MAX_STATS
 * TEST_SANDBOX     7    master -> worker        empty                 no  test builds only: forbidden call
 * NET_CONFIG     100    master -> net           kadipc_net_config     no  once, before NET_UDP
 * NET_UDP        101    master -> net           kadipc_u32 (family)   yes at most KAD_MAX_LISTEN
 * NET_CONFIG_DONE 102   master -> net           empty                 no  READY
 * NET_BOOTSTRAP  103    master -> net           kadipc_net_bootstrap  no  ping it to join; req != 0:
 *                                                                        NET_BOOTSTRAP_RES within
 *                                                                        KADIPC_BOOT_WAIT_MS, at most
 *                                                                        KADIPC_BOOT_MAX pending
 * NET_PEERS_REQ  104    master -> net           empty                 no  NET_PEERS..., NET_PEERS_END
 * NET_PEERS      105    net -> master           bytes 1..MAX_PAYLOAD  no  text lines for kadctl peers
 * NET_PEERS_END  106    net -> master           empty                 no
 * NET_TEST_DH    107    master -> net           kadipc_test_dh        no  test builds only: ask the oracle
 * NET_BOOTSTRAP_RES 108 net -> master           kadipc_net_bootstrap_res no req echoed: the address
 *                                                                        answered (its node ID), or not
 * STORE_CONFIG   200    master -> store         kadipc_store_config   no  once; READY
 * CRYPT_CONFIG   300    master -> crypt         kadipc_crypt_config   no  once; READY
 * XFER_PUT_BEGIN 301    ctl -> master -> crypt  kadipc_xfer_begin     yes peerid = transfer id; the fd is the
 *                                                                        plaintext, read to its end by crypt
 *                                                                        (a regular file or a pipe, open
 *                                                                        read-only): XFER_ACK..., XFER_LINK
 *                                                                        or XFER_ERROR
 * XFER_DATA      302    none (unused since 6)   bytes 1..MAX_PAYLOAD  no  file bytes travel as fds; the row
 *                                                                        stays for the framing tests
 * XFER_PUT_END   303    unused since version 7: kadcrypt reads the fd to its end
 * XFER_ACK       304    crypt -> master -> ctl  kadipc_u64 (bytes)    no  progress: plaintext bytes stored
 *                                                                        (put) or written (get) since the
 *                                                                        last one
 * XFER_LINK      305    crypt -> master -> ctl  kadipc_link           no  ends a put
 * XFER_GET_BEGIN 306    ctl -> master -> crypt  kadipc_xfer_get       no  XFER_META, [XFER_PREFIX,] then after
 *                                                                        XFER_SINK: XFER_ACK..., XFER_DONE;
 *                                                                        data from offset on
 * XFER_META      307    crypt -> master -> ctl  kadipc_xfer_meta      no  once per get
 * XFER_DONE      308    crypt -> master -> ctl  empty                 no  content key verified
 * XFER_UNPIN     309    ctl -> master -> crypt  kadipc_link           no  [XFER_INFO,] XFER_DONE or XFER_ERROR
 * XFER_ABORT     310    master -> crypt         empty                 no  the client went away
 * XFER_ERROR     311    crypt -> master -> ctl  kadipc_text           no  ends a transfer
 * CRYPT_IDENTITY 312    master -> crypt         kadipc_crypt_identity yes once, after CRYPT_CONFIG: the
 *                                                                        fd of DATADIR/node-key (or of the
 *                                                                        new file that becomes it), and the
 *                                                                        address the node ID is bound to
 * CRYPT_IDENTITY_RES 313 crypt -> master        kadipc_crypt_identity_res no public key and node ID, or why
 *                                                                        the key file is refused; READY
 *                                                                        follows a good one
 * XFER_LS        314    ctl -> master -> crypt  empty                 no  XFER_ENTRY..., XFER_DONE
 * XFER_ENTRY     315    crypt -> master -> ctl  kadipc_list_entry     no  one file of the sealed list
 * XFER_FIND      316    ctl -> master -> crypt  kadipc_xfer_find      no  SHA-256 of a plaintext and its name:
 *                                                                        XFER_LINK if the list has both, else
 *                                                                        XFER_DONE
 * XFER_RM        317    ctl -> master -> crypt  kadipc_link           no  [XFER_INFO,] XFER_DONE or XFER_ERROR
 * XFER_INFO      318    crypt -> master -> ctl  kadipc_text           no  one line for the user (unpin, rm;
 *                                                                        a get: what it waits for)
 * XFER_PREFIX    319    crypt -> master -> ctl  kadipc_key            no  a resumed get: SHA-256 of the
 *                                                                        plaintext before the offset
 * XFER_SINK      320    ctl -> master -> crypt  empty                 yes where a get's plaintext goes (a
 *                                                                        regular file or a pipe, open for
 *                                                                        writing), once the client took
 *                                                                        XFER_META [and XFER_PREFIX]; once
 * CTL_STATUS     400    ctl -> master           empty                 no  CTL_TEXT..., CTL_END
 * CTL_TEXT       401    master -> ctl           bytes 1..MAX_PAYLOAD  no  "key: value\n" lines
 * CTL_END        402    master -> ctl           empty                 no  request succeeded
 * CTL_ERROR      403    master -> ctl           kadipc_text           no  request failed
 * CTL_TEST_SANDBOX 404  ctl -> master           kadipc_u32 (proc)     no  test builds only
 * CTL_BOOTSTRAP  405    ctl -> master           kadipc_text (address) no  CTL_TEXT, CTL_END once the node
 *                                                                        answered; CTL_ERROR if not
 * CTL_PEERS      406    ctl -> master           empty                 no  CTL_TEXT..., CTL_END
 * CTL_TEST_DH    407    ctl -> master           kadipc_test_dh        no  test builds only: NET_TEST_DH
 * CHUNK_PUT      500    crypt -> store          kadipc_chunk + bytes  no  CHUNK_PUT_RES; <= CHUNK_MAX bytes;
 *                                                                        copies 0..KADIPC_COPIES_MAX
 * CHUNK_PUT_RES  501    store -> crypt          kadipc_chunk_res      no  after the batch is committed;
 *                                                                        holders <= MAX_HOLDERS
 * CHUNK_GET      502    crypt -> store          kadipc_key            no  CHUNK_GET_RES
 * CHUNK_GET_RES  503    store -> crypt          kadipc_chunk_res+bytes no error ENOENT when missing
 * CHUNK_UNPIN    504    crypt -> store          kadipc_key            no  CHUNK_UNPIN_RES
 * CHUNK_UNPIN_RES 505   store -> crypt          kadipc_chunk_res      no  EALREADY: stored, not pinned
 * CHUNK_DROP     506    crypt -> store          kadipc_chunk          no  CHUNK_DROP_RES; F_PIN: unpin first;
 *                                                                        a chunk still pinned stays (EBUSY)
 * CHUNK_DROP_RES 507    store -> crypt          kadipc_chunk_res      no
 * REC_PUT        508    crypt -> store          kadipc_chunk + bytes  no  REC_PUT_RES; a sealed record, key is
 *                                                                        its slot; <= CHUNK_MAX bytes
 * REC_PUT_RES    509    store -> crypt          kadipc_chunk_res      no  after the batch is committed
 * REC_GET        510    crypt -> store          kadipc_key            no  REC_GET_RES (+ bytes), ENOENT
 * REC_GET_RES    511    store -> crypt          kadipc_chunk_res+bytes no
 * REC_DEL        512    crypt -> store          kadipc_key            no  REC_DEL_RES after the commit
 * REC_DEL_RES    513    store -> crypt          kadipc_chunk_res      no
 * NET_STORE_GET  600    net -> store            kadipc_net_req        no  NET_STORE_RES (+ bytes)
 * NET_STORE_HAVE 601    net -> store            kadipc_net_req        no  NET_STORE_RES
 * NET_STORE_RES  602    store -> net            kadipc_net_res+bytes  no  <= CHUNK_MAX bytes, FOUND only
 * NET_STORE_PUT  603    net -> store            kadipc_net_chunk+bytes no never pinned; cookie 0: no reply,
 *                                                                        else NET_STORE_PUT_RES; copies
 *                                                                        the STORE named (as acted on);
 *                                                                        source: the sender's network
 *                                                                        (low byte 0), 0 for our own
 * NET_STORE_SCAN 604    net -> store            kadipc_net_scan       no  NET_STORE_KEYS
 * NET_STORE_KEYS 605    store -> net            kadipc_net_keys+keys  no  n <= KADIPC_MAX_SCAN; n keys,
 *                                                                        then n bytes: each key's copies
 * NET_FETCH      606    store -> net            kadipc_net_req        no  NET_FETCH_RES (a crypt miss)
 * NET_FETCH_RES  607    net -> store            kadipc_net_res+bytes  no  <= CHUNK_MAX bytes
 * NET_PUBLISH    608    store -> net            kadipc_net_chunk+bytes no NET_PUBLISHED; <= CHUNK_MAX bytes;
 *                                                                        the chunk's copies; source 0
 * NET_PUBLISHED  609    net -> store            kadipc_net_res        no  FOUND: pushed; ERROR: it was not;
 *                                                                        holders <= MAX_HOLDERS
 * NET_ROUTES     610    both ways               bytes 0..MAX_PAYLOAD  no  routing table blob: net saves
 *                                                                        it, store hands it back at start
 * NET_ALONE      611    net -> store            kadipc_u32 (0 or 1)   no  1: no peers, do not publish
 * NET_STORE_PUT_RES 612 store -> net           kadipc_net_res        no  cookie echoed: FOUND once the put
 *                                                                        is committed, ERROR if refused
 * CRYPT_DH       700    net -> crypt            kadipc_crypt_dh       no  CRYPT_DH_RES; the node's static key
 *                                                                        with this peer point
 * CRYPT_DH_RES   701    crypt -> net            kadipc_crypt_dh_res   no  cookie echoed; the hashed DH, or
 *                                                                        refused (KADIPC_DH_*), all zero
 *
 * Every payload struct holds only fixed-width integers and byte arrays,
 * with explicit zeroed padding and a size assertion.  Strings live in
 * fixed arrays and must contain a NUL (checked by the recv helpers).
 */
#ifndef KADIPC_MSG_H
#define KADIPC_MSG_H

#include <stdarg.h>
#include <stdint.h>

#include "kadipc.h"

enum kadipc_type {
	KADIPC_NONE = 0,
	/* 1..99: any <-> master */
	KADIPC_HELLO = 1,
	KADIPC_SHUTDOWN = 2,
	KADIPC_VERBOSE = 3,
	KADIPC_READY = 4,
	KADIPC_STATS_REQ = 5,
	KADIPC_STATS = 6,
	KADIPC_TEST_SANDBOX = 7,
	/* 100..199: master <-> net */
	KADIPC_NET_CONFIG = 100,
	KADIPC_NET_UDP = 101,
	KADIPC_NET_CONFIG_DONE = 102,
	KADIPC_NET_BOOTSTRAP = 103,
	KADIPC_NET_PEERS_REQ = 104,
	KADIPC_NET_PEERS = 105,
	KADIPC_NET_PEERS_END = 106,
	KADIPC_NET_TEST_DH = 107,
	KADIPC_NET_BOOTSTRAP_RES = 108,
	/* 200..299: master <-> store */
	KADIPC_STORE_CONFIG = 200,
	/* 300..399: file transfers, ctl <-> master <-> crypt; crypt's setup */
	KADIPC_CRYPT_CONFIG = 300,
	KADIPC_XFER_PUT_BEGIN = 301,
	KADIPC_XFER_DATA = 302,		/* unused since version 7 */
	KADIPC_XFER_PUT_END = 303,	/* unused since version 7 */
	KADIPC_XFER_ACK = 304,
	KADIPC_XFER_LINK = 305,
	KADIPC_XFER_GET_BEGIN = 306,
	KADIPC_XFER_META = 307,
	KADIPC_XFER_DONE = 308,
	KADIPC_XFER_UNPIN = 309,
	KADIPC_XFER_ABORT = 310,
	KADIPC_XFER_ERROR = 311,
	KADIPC_CRYPT_IDENTITY = 312,
	KADIPC_CRYPT_IDENTITY_RES = 313,
	KADIPC_XFER_LS = 314,
	KADIPC_XFER_ENTRY = 315,
	KADIPC_XFER_FIND = 316,
	KADIPC_XFER_RM = 317,
	KADIPC_XFER_INFO = 318,
	KADIPC_XFER_PREFIX = 319,
	KADIPC_XFER_SINK = 320,
	/* 400..499: ctl <-> master */
	KADIPC_CTL_STATUS = 400,
	KADIPC_CTL_TEXT = 401,
	KADIPC_CTL_END = 402,
	KADIPC_CTL_ERROR = 403,
	KADIPC_CTL_TEST_SANDBOX = 404,
	KADIPC_CTL_BOOTSTRAP = 405,
	KADIPC_CTL_PEERS = 406,
	KADIPC_CTL_TEST_DH = 407,
	/* 500..599: crypt <-> store */
	KADIPC_CHUNK_PUT = 500,
	KADIPC_CHUNK_PUT_RES = 501,
	KADIPC_CHUNK_GET = 502,
	KADIPC_CHUNK_GET_RES = 503,
	KADIPC_CHUNK_UNPIN = 504,
	KADIPC_CHUNK_UNPIN_RES = 505,
	KADIPC_CHUNK_DROP = 506,
	KADIPC_CHUNK_DROP_RES = 507,
	KADIPC_REC_PUT = 508,
	KADIPC_REC_PUT_RES = 509,
	KADIPC_REC_GET = 510,
	KADIPC_REC_GET_RES = 511,
	KADIPC_REC_DEL = 512,
	KADIPC_REC_DEL_RES = 513,
	/* 600..699: net <-> store */
	KADIPC_NET_STORE_GET = 600,
	KADIPC_NET_STORE_HAVE = 601,
	KADIPC_NET_STORE_RES = 602,
	KADIPC_NET_STORE_PUT = 603,
	KADIPC_NET_STORE_SCAN = 604,
	KADIPC_NET_STORE_KEYS = 605,
	KADIPC_NET_FETCH = 606,
	KADIPC_NET_FETCH_RES = 607,
	KADIPC_NET_PUBLISH = 608,
	KADIPC_NET_PUBLISHED = 609,
	KADIPC_NET_ROUTES = 610,
	KADIPC_NET_ALONE = 611,
	KADIPC_NET_STORE_PUT_RES = 612,
	/* 700..799: net <-> crypt, the static-key oracle only */
	KADIPC_CRYPT_DH = 700,
	KADIPC_CRYPT_DH_RES = 701,
	KADIPC_TYPE_MAX = 1024		/* all types are below this */
};

#define KADIPC_KEY_LEN		32
#define KADIPC_CHUNK_MAX	1024	/* the wire protocol's chunk size */
#define KADIPC_MAX_STATS	64
#define KADIPC_NAME_MAX		256	/* file base name, NUL included */
#define KADIPC_LINK_MAX		192	/* kad: link, NUL included */
#define KADIPC_TEXT_MAX		256	/* one error line, NUL included */
#define KADIPC_MAX_SCAN		256	/* keys per NET_STORE_KEYS */
/*
 * A chunk's copies: how many nodes of the network should keep it, the
 * publisher's choice; 0 means the default (the network's replicas).
 * kadnet acts on at most its replicas; this bounds what crosses a
 * channel (kadnet's DHT_MAX_REPLICAS, kadstore's STORE_COPIES_MAX).
 */
#define KADIPC_COPIES_MAX	32

/* NET_STORE_RES / NET_FETCH_RES / NET_PUBLISHED status */
#define KADIPC_NET_FOUND	0
#define KADIPC_NET_NOTFOUND	1
#define KADIPC_NET_ERROR	2
#define KADIPC_NET_ELSEWHERE	3	/* NET_PUBLISHED only: placed on
					   other nodes, none of its holders
					   is this one */

#define KADIPC_CHUNK_F_PIN	0x00000001	/* published here: never evict */
#define KADIPC_CHUNK_F_PUSH	0x00000002	/* not pinned, but pushed to the
						   network (a get's repairs) */
#define KADIPC_CHUNK_F_MASK	0x00000003

struct kadipc_hello {
	uint32_t	version;
	uint32_t	proc;
};
_Static_assert(sizeof(struct kadipc_hello) == 8, "hello");

struct kadipc_u32 {
	uint32_t	value;
};

struct kadipc_u64 {
	uint64_t	value;
};

struct kadipc_stat {
	char		name[24];
	uint64_t	value;
};
_Static_assert(sizeof(struct kadipc_stat) == 32, "stat");

/* an IPv4 or IPv6 address and port, host byte order port */
struct kadipc_sockaddr {
	uint32_t	family;		/* AF_INET or AF_INET6 */
	uint16_t	port;
	uint16_t	pad0;
	uint8_t		addr[16];	/* IPv4: first 4 bytes */
};
_Static_assert(sizeof(struct kadipc_sockaddr) == 24, "sockaddr");

/*
 * NET_BOOTSTRAP: ping addr to join.  req 0: from kad.conf, no answer;
 * otherwise kadmaster's id for a kadctl request, echoed in exactly one
 * NET_BOOTSTRAP_RES: ANSWERED once the address has completed a handshake
 * and answered our ping over the session (id: the node ID its key
 * proves), TIMEOUT after KADIPC_BOOT_WAIT_MS without, REFUSED at once for
 * an address kadnet does not talk to (martian, or a family it has no
 * socket for), BUSY at once with KADIPC_BOOT_MAX requests pending.
 */
#define KADIPC_BOOT_WAIT_MS	5000
#define KADIPC_BOOT_MAX		16
#define KADIPC_BOOT_ANSWERED	0
#define KADIPC_BOOT_TIMEOUT	1
#define KADIPC_BOOT_REFUSED	2
#define KADIPC_BOOT_BUSY	3
#define KADIPC_BOOT_STATUS_MAX	3

struct kadipc_net_bootstrap {
	uint32_t	req;		/* 0: no answer wanted */
	uint32_t	pad0;
	struct kadipc_sockaddr addr;
};
_Static_assert(sizeof(struct kadipc_net_bootstrap) == 32, "net_bootstrap");

/* id is all zero unless status is ANSWERED, and never zero then */
struct kadipc_net_bootstrap_res {
	uint32_t	req;		/* never 0 */
	uint32_t	status;		/* KADIPC_BOOT_* */
	uint8_t		id[KADIPC_KEY_LEN];
};
_Static_assert(sizeof(struct kadipc_net_bootstrap_res) == 40,
    "net_bootstrap_res");

struct kadipc_net_config {
	uint8_t		id[KADIPC_KEY_LEN];	/* kad_node_id(pub, idaddr) */
	uint8_t		pub[KADIPC_KEY_LEN];	/* the node's X25519 key */
	uint16_t	port;
	uint16_t	replicas;
	uint32_t	pad0;
	struct kadipc_sockaddr bind;	/* the first bound socket */
	uint64_t	upload_limit;	/* bytes/s; 0: none */
	/* the address the node ID is bound to: bind, or for a wildcard
	 * bind the source address toward the network (docs/PROTOCOL.md 1) */
	struct kadipc_sockaddr idaddr;
};
_Static_assert(sizeof(struct kadipc_net_config) == 128, "net_config");


struct kadipc_net_req {
	uint64_t	cookie;
	uint8_t		key[KADIPC_KEY_LEN];
};
_Static_assert(sizeof(struct kadipc_net_req) == 40, "net_req");

/* head of NET_STORE_RES, NET_FETCH_RES and NET_PUBLISHED; FOUND carries
 * the bytes of a found chunk */
struct kadipc_net_res {
	uint64_t	cookie;
	uint32_t	status;		/* KADIPC_NET_* */
	uint32_t	holders;	/* NET_PUBLISHED: other networks that
					   proved a copy, <= KADIPC_MAX_HOLDERS;
					   else 0 */
};
#define KADIPC_MAX_HOLDERS	32
_Static_assert(sizeof(struct kadipc_net_res) == 16, "net_res");

struct kadipc_net_scan {
	uint64_t	cookie;
	uint8_t		after[KADIPC_KEY_LEN];	/* all zero: from the start */
	uint32_t	max;
	uint32_t	pad0;
};
_Static_assert(sizeof(struct kadipc_net_scan) == 48, "net_scan");

/* head of NET_PUBLISH and NET_STORE_PUT; the chunk bytes follow */
struct kadipc_net_chunk {
	uint64_t	cookie;
	uint8_t		key[KADIPC_KEY_LEN];
	uint32_t	copies;		/* 0..KADIPC_COPIES_MAX */
	uint32_t	pad0;
	/*
	 * NET_STORE_PUT: the network the chunk came from (kadnet's netkey:
	 * an IPv4 /24, IPv6 /48, a loopback address), its low byte 0; 0 for
	 * a chunk of our own.  kadstore accounts it to that source (store
	 * quotas).  NET_PUBLISH: 0.
	 */
	uint64_t	source;
};
_Static_assert(sizeof(struct kadipc_net_chunk) == 56, "net_chunk");

/*
 * head of NET_STORE_KEYS; n keys of KADIPC_KEY_LEN follow, then n bytes,
 * the copies each key was stored with (0..KADIPC_COPIES_MAX)
 */
struct kadipc_net_keys {
	uint64_t	cookie;
	uint32_t	n;
	uint32_t	pad0;
};
_Static_assert(sizeof(struct kadipc_net_keys) == 16, "net_keys");

#define KADIPC_STORE_F_KEEP	0x00000001	/* keep-published yes */
#define KADIPC_STORE_F_MASK	0x00000001

struct kadipc_store_config {
	uint64_t	limit;		/* bytes; 0 = unlimited */
	uint32_t	sync_ms;	/* flush to disk at this interval */
	uint32_t	flags;		/* KADIPC_STORE_F_* */
};
_Static_assert(sizeof(struct kadipc_store_config) == 16, "store_config");

struct kadipc_crypt_config {
	uint32_t	window;		/* bytes in flight per transfer */
	uint32_t	pad0;
};
_Static_assert(sizeof(struct kadipc_crypt_config) == 8, "crypt_config");

/*
 * The node key, DATADIR/node-key: KADIPC_NODE_KEY_MAGIC, the 32-byte raw
 * X25519 private key, the 32-byte raw public key.  Only kadcrypt reads or
 * writes those bytes; kadmaster opens the file and passes the fd.
 */
#define KADIPC_NODE_KEY_MAGIC	"KDK1"
#define KADIPC_NODE_KEY_MAGICLEN 4
#define KADIPC_NODE_KEY_LEN	(KADIPC_NODE_KEY_MAGICLEN + 2 * KADIPC_KEY_LEN)

/* CRYPT_IDENTITY flags */
#define KADIPC_IDENT_F_NEW	0x00000001	/* a new, empty file: make a key */
#define KADIPC_IDENT_F_MASK	0x00000001

struct kadipc_crypt_identity {
	uint32_t	flags;		/* KADIPC_IDENT_F_* */
	uint32_t	pad0;
	struct kadipc_sockaddr idaddr;	/* as in kadipc_net_config */
};
_Static_assert(sizeof(struct kadipc_crypt_identity) == 32, "crypt_identity");

/* CRYPT_IDENTITY_RES status: what kadcrypt made of the key file */
#define KADIPC_IDENT_LOADED	0	/* a good key, read */
#define KADIPC_IDENT_CREATED	1	/* a new key, written and synced */
#define KADIPC_IDENT_BADSIZE	2	/* not KADIPC_NODE_KEY_LEN bytes (or not
					   empty when new), or not a file */
#define KADIPC_IDENT_BADMAGIC	3	/* does not start with the magic */
#define KADIPC_IDENT_MISMATCH	4	/* the public half is not the private
					   half's */
#define KADIPC_IDENT_IOERROR	5	/* read, write or fsync failed */
#define KADIPC_IDENT_PUZZLE	6	/* the public key fails the key puzzle
					   (made before it: kad_puzzle_ok) */
#define KADIPC_IDENT_MAX	6

/* pub and id are all zero unless status is LOADED or CREATED */
struct kadipc_crypt_identity_res {
	uint32_t	status;		/* KADIPC_IDENT_* */
	uint32_t	pad0;
	uint8_t		pub[KADIPC_KEY_LEN];
	uint8_t		id[KADIPC_KEY_LEN];	/* kad_node_id(pub, idaddr) */
};
_Static_assert(sizeof(struct kadipc_crypt_identity_res) == 72,
    "crypt_identity_res");

/*
 * The static-key oracle (net <-> crypt).  shared is
 * SHA-256("kad2 dh" || X25519(node private key, peer)), never the raw
 * X25519 output.  kadcrypt refuses a point whose X25519 result is all
 * zero (low order), the node's own public key, and anything over its
 * budget: a token bucket of KADIPC_DH_RATE per second that holds at
 * most KADIPC_DH_BURST.
 */
#define KADIPC_DH_LABEL		"kad2 dh"	/* 7 bytes, no NUL, hashed */
#define KADIPC_DH_LABELLEN	7
#define KADIPC_DH_RATE		4000	/* DH per second, sustained */
#define KADIPC_DH_BURST		8000	/* DH at once after an idle spell */

/* CRYPT_DH_RES status */
#define KADIPC_DH_OK		0
#define KADIPC_DH_BADPOINT	1	/* X25519 result all zero: low order */
#define KADIPC_DH_BUSY		2	/* over the budget: try later */
#define KADIPC_DH_SELF		3	/* the node's own public key */
#define KADIPC_DH_MAX		3

struct kadipc_crypt_dh {
	uint64_t	cookie;		/* kadnet's, echoed */
	uint8_t		peer[KADIPC_KEY_LEN];	/* an X25519 public key */
};
_Static_assert(sizeof(struct kadipc_crypt_dh) == 40, "crypt_dh");

struct kadipc_crypt_dh_res {
	uint64_t	cookie;
	uint32_t	status;		/* KADIPC_DH_* */
	uint32_t	pad0;
	uint8_t		shared[KADIPC_KEY_LEN];	/* all zero unless OK */
};
_Static_assert(sizeof(struct kadipc_crypt_dh_res) == 48, "crypt_dh_res");

/*
 * CTL_TEST_DH, NET_TEST_DH (test builds only): kadnet sends count
 * CRYPT_DH requests for peer, as its protocol core would, with cookies
 * whose top 16 bits are all ones (KADIPC_TEST_DH_COOKIE).
 */
#define KADIPC_TEST_DH_MAX	20000
#define KADIPC_TEST_DH_COOKIE	0xffff000000000000ULL
struct kadipc_test_dh {
	uint32_t	count;		/* 1..KADIPC_TEST_DH_MAX */
	uint32_t	pad0;
	uint8_t		peer[KADIPC_KEY_LEN];
};
_Static_assert(sizeof(struct kadipc_test_dh) == 40, "test_dh");

/* XFER_PUT_BEGIN, XFER_META flags */
#define KADIPC_XFER_F_DIR	0x00000001	/* a directory listing */
#define KADIPC_XFER_F_MASK	0x00000001

struct kadipc_xfer_begin {
	uint64_t	size;		/* announced size, for progress only */
	uint32_t	flags;		/* KADIPC_XFER_F_* */
	uint32_t	pad0;
	char		name[KADIPC_NAME_MAX];
};
_Static_assert(sizeof(struct kadipc_xfer_begin) == 272, "xfer_begin");

struct kadipc_xfer_meta {
	uint64_t	size;
	uint32_t	flags;		/* KADIPC_XFER_F_* */
	uint32_t	pad0;
	char		name[KADIPC_NAME_MAX];
};
_Static_assert(sizeof(struct kadipc_xfer_meta) == 272, "xfer_meta");

struct kadipc_link {
	char		link[KADIPC_LINK_MAX];
};
_Static_assert(sizeof(struct kadipc_link) == KADIPC_LINK_MAX, "link");

/*
 * XFER_GET_BEGIN: the plaintext from offset on (a resumed get); a chunk
 * the network does not have is looked for again, with backoff, for
 * timeout seconds before the get fails.
 */
#define KADIPC_GET_TIMEOUT_MAX	86400
struct kadipc_xfer_get {
	char		link[KADIPC_LINK_MAX];
	uint64_t	offset;		/* bytes the client already holds */
	uint32_t	timeout;	/* seconds, 0..KADIPC_GET_TIMEOUT_MAX */
	uint32_t	pad0;
};
_Static_assert(sizeof(struct kadipc_xfer_get) == KADIPC_LINK_MAX + 16,
    "xfer_get");

/* XFER_FIND: a file about to be put, by its SHA-256 and the name it gets */
struct kadipc_xfer_find {
	uint8_t		hash[KADIPC_KEY_LEN];
	char		name[KADIPC_NAME_MAX];
};
_Static_assert(sizeof(struct kadipc_xfer_find) == KADIPC_KEY_LEN +
    KADIPC_NAME_MAX, "xfer_find");

/* XFER_ENTRY: one file of kadcrypt's sealed list (kadctl ls) */
#define KADIPC_LIST_F_PINNED	0x00000001	/* its chunks are pinned here */
#define KADIPC_LIST_F_DIR	0x00000002	/* a directory listing */
#define KADIPC_LIST_F_MASK	0x00000003
#define KADIPC_HOLDERS_UNKNOWN	0xffffffffU
struct kadipc_list_entry {
	uint64_t	size;
	int64_t		time;		/* published, seconds since 1970 */
	uint32_t	flags;		/* KADIPC_LIST_F_* */
	uint32_t	holders;	/* confirmed holders, or UNKNOWN */
	char		name[KADIPC_NAME_MAX];
	char		link[KADIPC_LINK_MAX];
};
_Static_assert(sizeof(struct kadipc_list_entry) == 24 + KADIPC_NAME_MAX +
    KADIPC_LINK_MAX, "list_entry");

struct kadipc_text {
	char		text[KADIPC_TEXT_MAX];
};
_Static_assert(sizeof(struct kadipc_text) == KADIPC_TEXT_MAX, "text");

struct kadipc_key {
	uint8_t		key[KADIPC_KEY_LEN];
};
_Static_assert(sizeof(struct kadipc_key) == 32, "key");

/* head of CHUNK_PUT; the chunk bytes follow */
struct kadipc_chunk {
	uint8_t		key[KADIPC_KEY_LEN];
	uint32_t	flags;
	uint32_t	copies;		/* CHUNK_PUT: 0..KADIPC_COPIES_MAX,
					   0 the default; else 0 */
};
_Static_assert(sizeof(struct kadipc_chunk) == 40, "chunk");

/* head of CHUNK_*_RES; CHUNK_GET_RES carries the bytes after it */
struct kadipc_chunk_res {
	uint8_t		key[KADIPC_KEY_LEN];
	int32_t		error;		/* 0 or an errno value */
	uint32_t	holders;	/* CHUNK_PUT_RES: as NET_PUBLISHED's;
					   else 0 */
};
_Static_assert(sizeof(struct kadipc_chunk_res) == 40, "chunk_res");

/* A received chunk message, decoded by the recv helpers. */
struct kadipc_chunk_msg {
	uint8_t		 key[KADIPC_KEY_LEN];
	uint32_t	 flags;
	uint32_t	 copies;	/* CHUNK_PUT, NET_PUBLISH, NET_STORE_PUT */
	uint64_t	 source;	/* NET_STORE_PUT */
	int32_t		 error;
	const uint8_t	*data;		/* into the channel buffer */
	size_t		 len;
	uint64_t	 cookie;	/* NET_* messages */
	uint32_t	 holders;	/* NET_PUBLISHED, CHUNK_PUT_RES */
};

/*
 * The recv helpers: one for every message type (by payload shape; each
 * refuses the types it is not for).  Each fills caller-owned memory and
 * returns 0, or -1 with errno EBADMSG.  Handlers never read a payload
 * any other way.
 */

/* msg_master.c: any type with an empty payload */
int	kadipc_recv_empty(const struct kadipc_msg *);
/* NET_PEERS, CTL_TEXT, XFER_DATA (unused: the tests') (1 byte or more),
 * NET_ROUTES (any) */
int	kadipc_recv_bytes(const struct kadipc_msg *, const uint8_t **,
	    size_t *);
int	kadipc_recv_verbose(const struct kadipc_msg *, uint32_t *level);
int	kadipc_recv_stats(const struct kadipc_msg *,
	    struct kadipc_stat [KADIPC_MAX_STATS], size_t *n);
int	kadipc_recv_net_config(const struct kadipc_msg *,
	    struct kadipc_net_config *);
/* 1 if a's family is AF_INET or AF_INET6 and its padding zero */
int	kadipc_sockaddr_ok(const struct kadipc_sockaddr *a);
int	kadipc_recv_net_udp(const struct kadipc_msg *, uint32_t *family);
int	kadipc_recv_net_bootstrap(const struct kadipc_msg *,
	    struct kadipc_net_bootstrap *);
int	kadipc_send_net_bootstrap(struct kadipc_chan *, uint32_t req,
	    const struct kadipc_sockaddr *);
int	kadipc_recv_net_bootstrap_res(const struct kadipc_msg *,
	    struct kadipc_net_bootstrap_res *);
int	kadipc_send_net_bootstrap_res(struct kadipc_chan *, uint32_t req,
	    uint32_t status, const uint8_t id[KADIPC_KEY_LEN]);
int	kadipc_recv_store_config(const struct kadipc_msg *,
	    struct kadipc_store_config *);
int	kadipc_recv_crypt_config(const struct kadipc_msg *,
	    struct kadipc_crypt_config *);

/* msg_xfer.c */
int	kadipc_recv_xfer_begin(const struct kadipc_msg *,
	    struct kadipc_xfer_begin *);
int	kadipc_recv_xfer_meta(const struct kadipc_msg *,
	    struct kadipc_xfer_meta *);
int	kadipc_recv_xfer_ack(const struct kadipc_msg *, uint64_t *);
/* XFER_LINK, XFER_UNPIN, XFER_RM */
int	kadipc_recv_link(const struct kadipc_msg *, struct kadipc_link *);
int	kadipc_recv_xfer_get(const struct kadipc_msg *,
	    struct kadipc_xfer_get *);
int	kadipc_recv_list_entry(const struct kadipc_msg *,
	    struct kadipc_list_entry *);
/* XFER_PREFIX */
int	kadipc_recv_hash(const struct kadipc_msg *, uint8_t [KADIPC_KEY_LEN]);
int	kadipc_recv_xfer_find(const struct kadipc_msg *,
	    struct kadipc_xfer_find *);
/* XFER_ERROR, XFER_INFO, CTL_ERROR, CTL_BOOTSTRAP */
int	kadipc_recv_text(const struct kadipc_msg *, struct kadipc_text *);
int	kadipc_recv_ctl_test_sandbox(const struct kadipc_msg *,
	    uint32_t *proc);
/*
 * A text reply (XFER_ERROR, CTL_ERROR) formatted from fmt, left in *out
 * too when out is not NULL; kadipc_compose's result.
 */
int	kadipc_send_error(struct kadipc_chan *, uint32_t type, uint32_t peerid,
	    struct kadipc_text *out, const char *fmt, ...)
	    __attribute__((__format__(printf, 5, 6)));
int	kadipc_vsend_error(struct kadipc_chan *, uint32_t type,
	    uint32_t peerid, struct kadipc_text *out, const char *fmt,
	    va_list) __attribute__((__format__(printf, 5, 0)));

/* msg_net.c: NET_STORE_GET, NET_STORE_HAVE, NET_FETCH */
int	kadipc_recv_net_req(const struct kadipc_msg *, struct kadipc_chunk_msg *);
/* NET_STORE_RES, NET_FETCH_RES, NET_PUBLISHED, NET_STORE_PUT_RES (status
 * in error) */
int	kadipc_recv_net_res(const struct kadipc_msg *, struct kadipc_chunk_msg *);
int	kadipc_send_net_res(struct kadipc_chan *, uint32_t type, uint64_t cookie,
	    uint32_t status, const void *, size_t);
int	kadipc_send_net_published(struct kadipc_chan *, uint64_t cookie,
	    uint32_t status, uint32_t holders);
int	kadipc_send_net_req(struct kadipc_chan *, uint32_t type, uint64_t cookie,
	    const uint8_t key[KADIPC_KEY_LEN]);
/* NET_PUBLISH, NET_STORE_PUT */
int	kadipc_recv_net_publish(const struct kadipc_msg *,
	    struct kadipc_chunk_msg *);
int	kadipc_send_net_publish(struct kadipc_chan *, uint64_t cookie,
	    const uint8_t key[KADIPC_KEY_LEN], uint32_t copies, const void *,
	    size_t);
int	kadipc_send_net_put(struct kadipc_chan *, uint64_t cookie,
	    const uint8_t key[KADIPC_KEY_LEN], uint32_t copies,
	    uint64_t source, const void *, size_t);
int	kadipc_recv_net_scan(const struct kadipc_msg *,
	    struct kadipc_net_scan *);
int	kadipc_send_net_scan(struct kadipc_chan *, uint64_t cookie,
	    const uint8_t after[KADIPC_KEY_LEN], uint32_t max);
int	kadipc_recv_net_keys(const struct kadipc_msg *, uint64_t *cookie,
	    uint8_t [KADIPC_MAX_SCAN][KADIPC_KEY_LEN],
	    uint8_t copies[KADIPC_MAX_SCAN], uint32_t *n);
int	kadipc_send_net_keys(struct kadipc_chan *, uint64_t cookie,
	    const uint8_t [][KADIPC_KEY_LEN], const uint8_t *copies,
	    uint32_t n);
int	kadipc_recv_net_alone(const struct kadipc_msg *, int *);
int	kadipc_send_net_alone(struct kadipc_chan *, int);

/*
 * msg_crypt.c: the node identity (master <-> crypt) and the static-key
 * oracle (net <-> crypt)
 */
int	kadipc_recv_crypt_identity(const struct kadipc_msg *,
	    struct kadipc_crypt_identity *);
int	kadipc_send_crypt_identity(struct kadipc_chan *, int fd,
	    uint32_t flags, const struct kadipc_sockaddr *idaddr);
int	kadipc_recv_crypt_identity_res(const struct kadipc_msg *,
	    struct kadipc_crypt_identity_res *);
int	kadipc_send_crypt_identity_res(struct kadipc_chan *, uint32_t status,
	    const uint8_t pub[KADIPC_KEY_LEN], const uint8_t id[KADIPC_KEY_LEN]);
int	kadipc_recv_crypt_dh(const struct kadipc_msg *,
	    struct kadipc_crypt_dh *);
int	kadipc_send_crypt_dh(struct kadipc_chan *, uint64_t cookie,
	    const uint8_t peer[KADIPC_KEY_LEN]);
int	kadipc_recv_crypt_dh_res(const struct kadipc_msg *,
	    struct kadipc_crypt_dh_res *);
int	kadipc_send_crypt_dh_res(struct kadipc_chan *, uint64_t cookie,
	    uint32_t status, const uint8_t shared[KADIPC_KEY_LEN]);
/* CTL_TEST_DH, NET_TEST_DH */
int	kadipc_recv_test_dh(const struct kadipc_msg *, struct kadipc_test_dh *);

/*
 * msg_chunk.c: CHUNK_PUT, CHUNK_GET, CHUNK_UNPIN,
 * CHUNK_DROP, REC_PUT, REC_GET, REC_DEL
 */
int	kadipc_recv_chunk(const struct kadipc_msg *, struct kadipc_chunk_msg *);
/* CHUNK_*_RES and REC_*_RES */
int	kadipc_recv_chunk_res(const struct kadipc_msg *,
	    struct kadipc_chunk_msg *);
int	kadipc_send_chunk_res(struct kadipc_chan *, uint32_t type,
	    uint32_t peerid, const uint8_t key[KADIPC_KEY_LEN], int error,
	    const void *, size_t);
int	kadipc_send_chunk_put_res(struct kadipc_chan *, uint32_t peerid,
	    const uint8_t key[KADIPC_KEY_LEN], int error, uint32_t holders);

#endif /* KADIPC_MSG_H */
