/*
 * The message catalogue: the only source of truth for what crosses a
 * process boundary in kad.  Numbers are explicit, grouped in hundreds per
 * channel, and never reused: a retired type stays here, marked unused.
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
 * NET_UDP        101    master -> net           kadipc_u32 (family)   yes at most one per family
 * NET_CONFIG_DONE 102   master -> net           empty                 no  READY
 * STORE_CONFIG   200    master -> store         kadipc_store_config   no  once; READY
 * CRYPT_CONFIG   300    master -> crypt         kadipc_crypt_config   no  once; READY
 * XFER_PUT_BEGIN 301    ctl -> master -> crypt  kadipc_xfer_begin     no  peerid = transfer id
 * XFER_DATA      302    ctl->master->crypt (put) bytes 1..MAX_PAYLOAD no  also crypt->master->ctl (get)
 * XFER_PUT_END   303    ctl -> master -> crypt  empty                 no  XFER_LINK or XFER_ERROR
 * XFER_ACK       304    crypt -> master (put)   kadipc_u64 (bytes)    no  bytes now stored; window
 *                       master -> crypt (get)                               bytes delivered to the client
 * XFER_LINK      305    crypt -> master -> ctl  kadipc_link           no  ends a put
 * XFER_GET_BEGIN 306    ctl -> master -> crypt  kadipc_link           no  XFER_META, XFER_DATA..., XFER_DONE
 * XFER_META      307    crypt -> master -> ctl  kadipc_xfer_meta      no  once per get
 * XFER_DONE      308    crypt -> master -> ctl  empty                 no  content key verified
 * XFER_UNPIN     309    ctl -> master -> crypt  kadipc_link           no  XFER_DONE or XFER_ERROR
 * XFER_ABORT     310    master -> crypt         empty                 no  the client went away
 * XFER_ERROR     311    crypt -> master -> ctl  kadipc_text           no  ends a transfer
 * CTL_STATUS     400    ctl -> master           empty                 no  CTL_TEXT..., CTL_END
 * CTL_TEXT       401    master -> ctl           bytes 1..MAX_PAYLOAD  no  "key: value\n" lines
 * CTL_END        402    master -> ctl           empty                 no  request succeeded
 * CTL_ERROR      403    master -> ctl           kadipc_text           no  request failed
 * CTL_TEST_SANDBOX 404  ctl -> master           kadipc_u32 (proc)     no  test builds only
 * CHUNK_PUT      500    crypt -> store          kadipc_chunk + bytes  no  CHUNK_PUT_RES; <= CHUNK_MAX bytes
 * CHUNK_PUT_RES  501    store -> crypt          kadipc_chunk_res      no  after the batch is committed
 * CHUNK_GET      502    crypt -> store          kadipc_key            no  CHUNK_GET_RES
 * CHUNK_GET_RES  503    store -> crypt          kadipc_chunk_res+bytes no error ENOENT when missing
 * CHUNK_UNPIN    504    crypt -> store          kadipc_key            no  CHUNK_UNPIN_RES
 * CHUNK_UNPIN_RES 505   store -> crypt          kadipc_chunk_res      no
 *
 * Every payload struct holds only fixed-width integers and byte arrays,
 * with explicit zeroed padding and a size assertion.  Strings live in
 * fixed arrays and must contain a NUL (checked by the recv helpers).
 */
#ifndef KADIPC_MSG_H
#define KADIPC_MSG_H

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
	/* 200..299: master <-> store */
	KADIPC_STORE_CONFIG = 200,
	/* 300..399: file transfers, ctl <-> master <-> crypt */
	KADIPC_CRYPT_CONFIG = 300,
	KADIPC_XFER_PUT_BEGIN = 301,
	KADIPC_XFER_DATA = 302,
	KADIPC_XFER_PUT_END = 303,
	KADIPC_XFER_ACK = 304,
	KADIPC_XFER_LINK = 305,
	KADIPC_XFER_GET_BEGIN = 306,
	KADIPC_XFER_META = 307,
	KADIPC_XFER_DONE = 308,
	KADIPC_XFER_UNPIN = 309,
	KADIPC_XFER_ABORT = 310,
	KADIPC_XFER_ERROR = 311,
	/* 400..499: ctl <-> master */
	KADIPC_CTL_STATUS = 400,
	KADIPC_CTL_TEXT = 401,
	KADIPC_CTL_END = 402,
	KADIPC_CTL_ERROR = 403,
	KADIPC_CTL_TEST_SANDBOX = 404,
	/* 500..599: crypt <-> store */
	KADIPC_CHUNK_PUT = 500,
	KADIPC_CHUNK_PUT_RES = 501,
	KADIPC_CHUNK_GET = 502,
	KADIPC_CHUNK_GET_RES = 503,
	KADIPC_CHUNK_UNPIN = 504,
	KADIPC_CHUNK_UNPIN_RES = 505,
	KADIPC_TYPE_MAX = 1024		/* all types are below this */
};

#define KADIPC_KEY_LEN		32
#define KADIPC_CHUNK_MAX	1024	/* the wire protocol's chunk size */
#define KADIPC_MAX_STATS	64
#define KADIPC_NAME_MAX		256	/* file base name, NUL included */
#define KADIPC_LINK_MAX		192	/* kad: link, NUL included */
#define KADIPC_TEXT_MAX		256	/* one error line, NUL included */

#define KADIPC_CHUNK_F_PIN	0x00000001	/* published here: never evict */
#define KADIPC_CHUNK_F_MASK	0x00000001

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

struct kadipc_net_config {
	uint8_t		id[KADIPC_KEY_LEN];
	uint16_t	port;
	uint16_t	pad0;
	uint32_t	pad1;
};
_Static_assert(sizeof(struct kadipc_net_config) == 40, "net_config");

struct kadipc_store_config {
	uint64_t	limit;		/* bytes; 0 = unlimited */
	uint32_t	sync_ms;	/* flush to disk at this interval */
	uint32_t	pad0;
};
_Static_assert(sizeof(struct kadipc_store_config) == 16, "store_config");

struct kadipc_crypt_config {
	uint32_t	window;		/* bytes in flight per transfer */
	uint32_t	pad0;
};
_Static_assert(sizeof(struct kadipc_crypt_config) == 8, "crypt_config");

struct kadipc_xfer_begin {
	uint64_t	size;		/* announced size, for progress only */
	char		name[KADIPC_NAME_MAX];
};
_Static_assert(sizeof(struct kadipc_xfer_begin) == 264, "xfer_begin");

struct kadipc_xfer_meta {
	uint64_t	size;
	char		name[KADIPC_NAME_MAX];
};
_Static_assert(sizeof(struct kadipc_xfer_meta) == 264, "xfer_meta");

struct kadipc_link {
	char		link[KADIPC_LINK_MAX];
};
_Static_assert(sizeof(struct kadipc_link) == KADIPC_LINK_MAX, "link");

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
	uint32_t	pad0;
};
_Static_assert(sizeof(struct kadipc_chunk) == 40, "chunk");

/* head of CHUNK_*_RES; CHUNK_GET_RES carries the bytes after it */
struct kadipc_chunk_res {
	uint8_t		key[KADIPC_KEY_LEN];
	int32_t		error;		/* 0 or an errno value */
	uint32_t	pad0;
};
_Static_assert(sizeof(struct kadipc_chunk_res) == 40, "chunk_res");

/* A received chunk message, decoded by the recv helpers. */
struct kadipc_chunk_msg {
	uint8_t		 key[KADIPC_KEY_LEN];
	uint32_t	 flags;
	int32_t		 error;
	const uint8_t	*data;		/* into the channel buffer */
	size_t		 len;
};

/* msg_chunk.c */
int	kadipc_recv_chunk(const struct kadipc_msg *, struct kadipc_chunk_msg *);
int	kadipc_recv_chunk_res(const struct kadipc_msg *,
	    struct kadipc_chunk_msg *);
int	kadipc_send_chunk_res(struct kadipc_chan *, uint32_t type,
	    uint32_t peerid, const uint8_t key[KADIPC_KEY_LEN], int error,
	    const void *, size_t);

#endif /* KADIPC_MSG_H */
