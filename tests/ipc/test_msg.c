/* SPDX-License-Identifier: ISC */
/*
 * The catalogue and the recv helpers of libkadipc.  The rows' sender and
 * receiver columns give every channel exactly its allowed types, and a
 * channel opened from them refuses a type whose row does not name that
 * pair.  Every helper takes exactly the shapes its types allow and
 * refuses one byte short, one byte long, the maximum + 1, unknown flag
 * bits, non-zero padding and out-of-range values.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "tests/test.h"

static uint8_t	 buf[2 * KADIPC_CHUNK_MAX];

static struct kadipc_msg
msg(uint32_t type, size_t len)
{
	struct kadipc_msg	 m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = KADIPC_HDR_SIZE + len;
	m.data = buf;
	m.len = len;
	m.fd = -1;
	return (m);
}

static void
set_chunk_head(uint32_t flags, uint32_t copies)
{
	struct kadipc_chunk	 h;

	memset(&h, 0, sizeof(h));
	memset(h.key, 0xab, sizeof(h.key));
	h.flags = flags;
	h.copies = copies;
	memcpy(buf, &h, sizeof(h));
}

static void
set_res_head(int32_t error, uint32_t holders)
{
	struct kadipc_chunk_res	 h;

	memset(&h, 0, sizeof(h));
	memset(h.key, 0xcd, sizeof(h.key));
	h.error = error;
	h.holders = holders;
	memcpy(buf, &h, sizeof(h));
}

static void
test_chunk_put(void)
{
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;
	size_t			 hs = sizeof(struct kadipc_chunk);

	set_chunk_head(KADIPC_CHUNK_F_PIN, 0);
	buf[hs] = 0x42;
	m = msg(KADIPC_CHUNK_PUT, hs + 1);
	CHECK(kadipc_recv_chunk(&m, &c) == 0, "CHUNK_PUT with 1 byte");
	CHECK(c.len == 1 && c.data[0] == 0x42 && c.key[0] == 0xab &&
	    c.flags == KADIPC_CHUNK_F_PIN && c.copies == 0,
	    "CHUNK_PUT fields decoded (copies 0: the default)");
	m = msg(KADIPC_CHUNK_PUT, hs);
	CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.len == 0,
	    "CHUNK_PUT with an empty chunk");
	m = msg(KADIPC_CHUNK_PUT, hs + KADIPC_CHUNK_MAX);
	CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.len == KADIPC_CHUNK_MAX,
	    "CHUNK_PUT at the maximum");
	m = msg(KADIPC_CHUNK_PUT, hs + KADIPC_CHUNK_MAX + 1);
	CHECK(kadipc_recv_chunk(&m, &c) == -1 && errno == EBADMSG,
	    "CHUNK_PUT at the maximum + 1 refused");
	m = msg(KADIPC_CHUNK_PUT, hs - 1);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "CHUNK_PUT one byte short "
	    "of its head refused");
	set_chunk_head(0x4, 0);
	m = msg(KADIPC_CHUNK_PUT, hs + 4);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "unknown flag refused");
	set_chunk_head(KADIPC_CHUNK_F_PUSH, 2);
	CHECK(kadipc_recv_chunk(&m, &c) == 0 &&
	    c.flags == KADIPC_CHUNK_F_PUSH, "CHUNK_PUT pushed, not pinned");
	m = msg(KADIPC_CHUNK_DROP, hs);
	set_chunk_head(KADIPC_CHUNK_F_PUSH, 0);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "CHUNK_DROP with F_PUSH refused");
	m = msg(KADIPC_CHUNK_PUT, hs + 4);
	set_chunk_head(0, 2);
	CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.copies == 2,
	    "CHUNK_PUT of 2 copies");
	set_chunk_head(0, KADIPC_COPIES_MAX);
	CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.copies == KADIPC_COPIES_MAX,
	    "CHUNK_PUT of %d copies (the most)", KADIPC_COPIES_MAX);
	set_chunk_head(0, KADIPC_COPIES_MAX + 1);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "CHUNK_PUT of %d copies "
	    "refused", KADIPC_COPIES_MAX + 1);
	set_chunk_head(0, 0xffffffffU);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "CHUNK_PUT of 2^32-1 copies "
	    "refused");
}

static void
test_key_only(void)
{
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;
	uint32_t		 types[] = { KADIPC_CHUNK_GET, KADIPC_CHUNK_UNPIN,
				    KADIPC_REC_GET, KADIPC_REC_DEL };
	size_t			 i;

	for (i = 0; i < nitems(types); i++) {
		memset(buf, 0x11, KADIPC_KEY_LEN);
		m = msg(types[i], KADIPC_KEY_LEN);
		CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.key[31] == 0x11,
		    "%s with a key", kadipc_type_name(types[i]));
		m = msg(types[i], KADIPC_KEY_LEN - 1);
		CHECK(kadipc_recv_chunk(&m, &c) == -1, "%s one byte short",
		    kadipc_type_name(types[i]));
		m = msg(types[i], KADIPC_KEY_LEN + 1);
		CHECK(kadipc_recv_chunk(&m, &c) == -1, "%s one byte long",
		    kadipc_type_name(types[i]));
	}
	m = msg(KADIPC_CHUNK_PUT_RES, KADIPC_KEY_LEN);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "a reply type refused by "
	    "the request helper");
}

/* NET_STORE_PUT: cookie, key, bytes; its answer carries none */
static void
test_net_put(void)
{
	struct kadipc_net_chunk	 h;
	struct kadipc_net_res	 r;
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;

	memset(&h, 0, sizeof(h));
	h.cookie = 77;
	h.key[0] = 0x42;
	h.copies = 2;
	memcpy(buf, &h, sizeof(h));
	m = msg(KADIPC_NET_STORE_PUT, sizeof(h) + 100);
	CHECK(kadipc_recv_net_publish(&m, &c) == 0 && c.cookie == 77 &&
	    c.key[0] == 0x42 && c.copies == 2 && c.len == 100,
	    "NET_STORE_PUT: cookie, key, copies, bytes");
	h.copies = KADIPC_COPIES_MAX + 1;
	memcpy(buf, &h, sizeof(h));
	CHECK(kadipc_recv_net_publish(&m, &c) == -1, "NET_STORE_PUT of %d "
	    "copies refused", KADIPC_COPIES_MAX + 1);
	h.copies = 2;
	h.pad0 = 1;
	memcpy(buf, &h, sizeof(h));
	CHECK(kadipc_recv_net_publish(&m, &c) == -1, "NET_STORE_PUT with "
	    "non-zero padding refused");
	h.pad0 = 0;
	h.source = 0x6c7f000001000000ULL;
	memcpy(buf, &h, sizeof(h));
	CHECK(kadipc_recv_net_publish(&m, &c) == 0 &&
	    c.source == 0x6c7f000001000000ULL, "NET_STORE_PUT: its source");
	h.source |= 1;
	memcpy(buf, &h, sizeof(h));
	CHECK(kadipc_recv_net_publish(&m, &c) == -1, "a source with a low "
	    "byte (no netkey has one) refused");
	h.source = 0x6c7f000001000000ULL;
	memcpy(buf, &h, sizeof(h));
	m.hdr.type = KADIPC_NET_PUBLISH;
	CHECK(kadipc_recv_net_publish(&m, &c) == -1, "NET_PUBLISH with a "
	    "source refused: ours are our own");
	m.hdr.type = KADIPC_NET_STORE_PUT;
	h.source = 0;
	memcpy(buf, &h, sizeof(h));
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "not a crypt chunk any more");
	m = msg(KADIPC_NET_STORE_PUT, sizeof(h) + KADIPC_CHUNK_MAX + 1);
	CHECK(kadipc_recv_net_publish(&m, &c) == -1, "one byte over a chunk "
	    "refused");
	memset(&r, 0, sizeof(r));
	r.cookie = 77;
	memcpy(buf, &r, sizeof(r));
	m = msg(KADIPC_NET_STORE_PUT_RES, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == 0 && c.cookie == 77 &&
	    c.error == KADIPC_NET_FOUND, "NET_STORE_PUT_RES: committed");
	m = msg(KADIPC_NET_STORE_PUT_RES, sizeof(r) + 4);
	CHECK(kadipc_recv_net_res(&m, &c) == -1, "NET_STORE_PUT_RES with "
	    "bytes refused");
	r.status = KADIPC_NET_NOTFOUND;
	memcpy(buf, &r, sizeof(r));
	m = msg(KADIPC_NET_STORE_PUT_RES, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == -1, "NET_STORE_PUT_RES "
	    "NOTFOUND refused");
}

/* CHUNK_DROP names a key (its flag: a pin first); REC_PUT carries bytes */
static void
test_drop_rec(void)
{
	struct kadipc_chunk	 h;
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;

	memset(&h, 0, sizeof(h));
	h.flags = KADIPC_CHUNK_F_PIN;
	memcpy(buf, &h, sizeof(h));
	m = msg(KADIPC_CHUNK_DROP, sizeof(h));
	CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.flags == KADIPC_CHUNK_F_PIN,
	    "CHUNK_DROP with its pin flag");
	m = msg(KADIPC_CHUNK_DROP, sizeof(h) + 1);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "CHUNK_DROP with bytes refused");
	h.copies = 2;
	memcpy(buf, &h, sizeof(h));
	m = msg(KADIPC_CHUNK_DROP, sizeof(h));
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "CHUNK_DROP with copies "
	    "refused");
	h.flags = 0;
	memcpy(buf, &h, sizeof(h));
	m = msg(KADIPC_REC_PUT, sizeof(h) + 10);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "REC_PUT with copies refused");
	h.flags = KADIPC_CHUNK_F_PIN;
	h.copies = 0;
	memcpy(buf, &h, sizeof(h));
	m = msg(KADIPC_REC_PUT, sizeof(h) + 10);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "REC_PUT with a flag refused");
	h.flags = 0;
	memcpy(buf, &h, sizeof(h));
	CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.len == 10, "REC_PUT with "
	    "its record");
	m = msg(KADIPC_REC_PUT, sizeof(h));
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "REC_PUT without a record "
	    "refused");
	set_res_head(0, 0);
	m = msg(KADIPC_REC_GET_RES, sizeof(struct kadipc_chunk_res) + 5);
	CHECK(kadipc_recv_chunk_res(&m, &c) == 0 && c.len == 5, "REC_GET_RES "
	    "with a record");
	m = msg(KADIPC_REC_DEL_RES, sizeof(struct kadipc_chunk_res) + 5);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "REC_DEL_RES with bytes "
	    "refused");
	set_res_head(ENOENT, 0);
	m = msg(KADIPC_REC_GET_RES, sizeof(struct kadipc_chunk_res) + 5);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "a failed REC_GET_RES with "
	    "bytes refused");
}

static void
test_res(void)
{
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;
	size_t			 hs = sizeof(struct kadipc_chunk_res);

	set_res_head(0, 0);
	m = msg(KADIPC_CHUNK_PUT_RES, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == 0 && c.error == 0 &&
	    c.key[0] == 0xcd, "CHUNK_PUT_RES decoded");
	m = msg(KADIPC_CHUNK_PUT_RES, hs + 1);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "CHUNK_PUT_RES one byte "
	    "long refused");
	m = msg(KADIPC_CHUNK_UNPIN_RES, hs - 1);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "CHUNK_UNPIN_RES one byte "
	    "short refused");
	m = msg(KADIPC_CHUNK_GET_RES, hs + KADIPC_CHUNK_MAX);
	CHECK(kadipc_recv_chunk_res(&m, &c) == 0 && c.len ==
	    KADIPC_CHUNK_MAX, "CHUNK_GET_RES with a full chunk");
	m = msg(KADIPC_CHUNK_GET_RES, hs + KADIPC_CHUNK_MAX + 1);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "CHUNK_GET_RES at the "
	    "maximum + 1 refused");
	set_res_head(ENOENT, 0);
	m = msg(KADIPC_CHUNK_GET_RES, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == 0 && c.error == ENOENT,
	    "CHUNK_GET_RES not found");
	m = msg(KADIPC_CHUNK_GET_RES, hs + 5);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "an error with bytes "
	    "refused");
	set_res_head(-1, 0);
	m = msg(KADIPC_CHUNK_PUT_RES, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "a negative error refused");
	set_res_head(4096, 0);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "an error above 4095 "
	    "refused");
	set_res_head(0, 7);
	CHECK(kadipc_recv_chunk_res(&m, &c) == 0 && c.holders == 7,
	    "CHUNK_PUT_RES: its holders");
	set_res_head(0, KADIPC_MAX_HOLDERS + 1);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "CHUNK_PUT_RES: holders "
	    "past KADIPC_MAX_HOLDERS refused");
	set_res_head(0, 1);
	m = msg(KADIPC_CHUNK_DROP_RES, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "holders refused on "
	    "anything but CHUNK_PUT_RES");
	set_res_head(0, 0);
	m = msg(KADIPC_CHUNK_GET, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "a request type refused "
	    "by the reply helper");
}

/*
 * The allowed-type list of every channel comes from the catalogue's
 * sender and receiver columns.  These are the lists each process wrote
 * out by hand before that: the rows must give exactly them.
 */
static const uint32_t m2n[] = {
	KADIPC_SHUTDOWN, KADIPC_VERBOSE, KADIPC_STATS_REQ, KADIPC_TEST_SANDBOX,
	KADIPC_NET_CONFIG, KADIPC_NET_UDP, KADIPC_NET_CONFIG_DONE,
	KADIPC_NET_BOOTSTRAP, KADIPC_NET_PEERS_REQ, KADIPC_NET_TEST_DH
};
static const uint32_t m2s[] = {
	KADIPC_SHUTDOWN, KADIPC_VERBOSE, KADIPC_STATS_REQ, KADIPC_TEST_SANDBOX,
	KADIPC_STORE_CONFIG
};
static const uint32_t m2c[] = {
	KADIPC_SHUTDOWN, KADIPC_VERBOSE, KADIPC_STATS_REQ, KADIPC_TEST_SANDBOX,
	KADIPC_CRYPT_CONFIG, KADIPC_XFER_PUT_BEGIN, KADIPC_XFER_GET_BEGIN,
	KADIPC_XFER_UNPIN, KADIPC_XFER_ABORT, KADIPC_CRYPT_IDENTITY,
	KADIPC_XFER_LS, KADIPC_XFER_FIND, KADIPC_XFER_RM, KADIPC_XFER_SINK
};
static const uint32_t n2m[] = {
	KADIPC_READY, KADIPC_STATS, KADIPC_NET_PEERS, KADIPC_NET_PEERS_END,
	KADIPC_NET_BOOTSTRAP_RES
};
static const uint32_t s2m[] = { KADIPC_READY, KADIPC_STATS };
static const uint32_t c2m[] = {
	KADIPC_READY, KADIPC_STATS, KADIPC_XFER_ACK,
	KADIPC_XFER_LINK, KADIPC_XFER_META, KADIPC_XFER_DONE,
	KADIPC_XFER_ERROR, KADIPC_CRYPT_IDENTITY_RES, KADIPC_XFER_ENTRY,
	KADIPC_XFER_INFO, KADIPC_XFER_PREFIX
};
static const uint32_t n2s[] = {
	KADIPC_NET_STORE_GET, KADIPC_NET_STORE_HAVE, KADIPC_NET_STORE_PUT,
	KADIPC_NET_STORE_SCAN, KADIPC_NET_FETCH_RES, KADIPC_NET_PUBLISHED,
	KADIPC_NET_ROUTES, KADIPC_NET_ALONE
};
static const uint32_t s2n[] = {
	KADIPC_NET_STORE_RES, KADIPC_NET_STORE_KEYS, KADIPC_NET_FETCH,
	KADIPC_NET_PUBLISH, KADIPC_NET_ROUTES, KADIPC_NET_STORE_PUT_RES
};
static const uint32_t c2s[] = {
	KADIPC_CHUNK_PUT, KADIPC_CHUNK_GET, KADIPC_CHUNK_UNPIN,
	KADIPC_CHUNK_DROP, KADIPC_REC_PUT, KADIPC_REC_GET, KADIPC_REC_DEL
};
static const uint32_t s2c[] = {
	KADIPC_CHUNK_PUT_RES, KADIPC_CHUNK_GET_RES, KADIPC_CHUNK_UNPIN_RES,
	KADIPC_CHUNK_DROP_RES, KADIPC_REC_PUT_RES, KADIPC_REC_GET_RES,
	KADIPC_REC_DEL_RES
};
/* the static-key oracle, and nothing else, between kadnet and kadcrypt */
static const uint32_t n2c[] = { KADIPC_CRYPT_DH };
static const uint32_t c2n[] = { KADIPC_CRYPT_DH_RES };
static const uint32_t t2m[] = {
	KADIPC_XFER_PUT_BEGIN, KADIPC_XFER_SINK,
	KADIPC_XFER_GET_BEGIN, KADIPC_XFER_UNPIN, KADIPC_CTL_STATUS,
	KADIPC_CTL_TEST_SANDBOX, KADIPC_CTL_BOOTSTRAP, KADIPC_CTL_PEERS,
	KADIPC_CTL_TEST_DH, KADIPC_XFER_LS, KADIPC_XFER_FIND, KADIPC_XFER_RM
};
static const uint32_t m2t[] = {
	KADIPC_XFER_ACK, KADIPC_XFER_LINK, KADIPC_XFER_META,
	KADIPC_XFER_DONE, KADIPC_XFER_ERROR, KADIPC_CTL_TEXT, KADIPC_CTL_END,
	KADIPC_CTL_ERROR, KADIPC_XFER_ENTRY, KADIPC_XFER_INFO,
	KADIPC_XFER_PREFIX
};

static const struct {
	enum kad_proc	 from, to;
	const uint32_t	*types;
	size_t		 n;
} channels[] = {
	{ KAD_PROC_MASTER, KAD_PROC_NET, m2n, nitems(m2n) },
	{ KAD_PROC_MASTER, KAD_PROC_STORE, m2s, nitems(m2s) },
	{ KAD_PROC_MASTER, KAD_PROC_CRYPT, m2c, nitems(m2c) },
	{ KAD_PROC_NET, KAD_PROC_MASTER, n2m, nitems(n2m) },
	{ KAD_PROC_STORE, KAD_PROC_MASTER, s2m, nitems(s2m) },
	{ KAD_PROC_CRYPT, KAD_PROC_MASTER, c2m, nitems(c2m) },
	{ KAD_PROC_NET, KAD_PROC_STORE, n2s, nitems(n2s) },
	{ KAD_PROC_STORE, KAD_PROC_NET, s2n, nitems(s2n) },
	{ KAD_PROC_CRYPT, KAD_PROC_STORE, c2s, nitems(c2s) },
	{ KAD_PROC_STORE, KAD_PROC_CRYPT, s2c, nitems(s2c) },
	{ KAD_PROC_NET, KAD_PROC_CRYPT, n2c, nitems(n2c) },
	{ KAD_PROC_CRYPT, KAD_PROC_NET, c2n, nitems(c2n) },
	{ KAD_PROC_CTL, KAD_PROC_MASTER, t2m, nitems(t2m) },
	{ KAD_PROC_MASTER, KAD_PROC_CTL, m2t, nitems(m2t) },
};

static int
listed(const uint32_t *types, size_t n, uint32_t type)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (types[i] == type)
			return (1);
	return (0);
}

static void
test_allowed(void)
{
	uint32_t	 out[KADIPC_TYPE_MAX];
	size_t		 i, j, n, want;
	int		 f, t, same, pairs = 0;

	for (i = 0; i < nitems(channels); i++) {
		n = kadipc_allowed(channels[i].from, channels[i].to, out,
		    nitems(out));
		same = 1;
		for (j = 0; j < n; j++)
			if (!listed(channels[i].types, channels[i].n, out[j]))
				same = 0;
		/* test-only types: only in builds with the test hooks */
		want = 0;
		for (j = 0; j < channels[i].n; j++) {
#ifndef KAD_TEST_HOOKS
			if (kadipc_type_lookup(channels[i].types[j])->testonly)
				continue;
#endif
			want++;
			if (!listed(out, n, channels[i].types[j]))
				same = 0;
		}
		CHECK(same && n == want, "%s -> %s: the rows give %zu types, "
		    "the channel's list %zu", kad_procnames[channels[i].from],
		    kad_procnames[channels[i].to], n, want);
	}
	/* every other pair carries nothing */
	for (f = 0; f < KAD_PROC_MAX; f++)
		for (t = 0; t < KAD_PROC_MAX; t++) {
			for (i = 0; i < nitems(channels); i++)
				if (channels[i].from == (enum kad_proc)f &&
				    channels[i].to == (enum kad_proc)t)
					break;
			if (i == nitems(channels) &&
			    kadipc_allowed(f, t, out, nitems(out)) == 0)
				pairs++;
		}
	CHECK(pairs == KAD_PROC_MAX * KAD_PROC_MAX - (int)nitems(channels),
	    "no types between processes without a channel (a worker and "
	    "kadctl, a process and itself)");
	CHECK(!listed(out, kadipc_allowed(KAD_PROC_MASTER, KAD_PROC_NET, out,
	    nitems(out)), KADIPC_HELLO), "HELLO is the library's, never listed");
	out[2] = KADIPC_NONE;
	n = kadipc_allowed(KAD_PROC_MASTER, KAD_PROC_CRYPT, out, 2);
	CHECK(n == kadipc_allowed(KAD_PROC_MASTER, KAD_PROC_CRYPT, NULL, 0) &&
	    n > 2 && out[2] == KADIPC_NONE, "a short buffer: the full count, "
	    "only max written");
	CHECK(kadipc_allowed(KAD_PROC_MAX, KAD_PROC_NET, out, nitems(out)) ==
	    0, "no types for a bad process");
}

/* Put one message on a channel by hand and see whether it is taken. */
static int
deliver(enum kad_proc self, enum kad_proc peer, uint32_t type,
    const void *data, size_t len)
{
	struct kadipc_chan	*rx, *tx;
	struct kadipc_msg	 m;
	uint32_t		 all[KADIPC_TYPE_MAX];
	size_t			 n = 0;
	int			 sv[2], r, t;

	for (t = 1; t < KADIPC_TYPE_MAX; t++)
		if (t != KADIPC_HELLO && kadipc_type_lookup(t) != NULL)
			all[n++] = t;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (-2);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	rx = kadipc_chan_open(sv[0], self, peer);
	tx = kadipc_chan_new(sv[1], peer, self, all, n);
	if (rx == NULL || tx == NULL ||
	    kadipc_compose(tx, type, 0, -1, data, len) == -1 ||
	    kadipc_flush(tx) != 0 || kadipc_read(rx) <= 0) {
		kadipc_chan_free(rx);
		kadipc_chan_free(tx);
		return (-2);
	}
	r = kadipc_get(rx, &m);
	if (r == 1 && m.hdr.type != type)
		r = -3;
	kadipc_chan_free(rx);
	kadipc_chan_free(tx);
	return (r);
}

static void
test_chan_open(void)
{
	struct kadipc_crypt_identity_res ir;
	struct kadipc_crypt_dh_res dhr;
	struct kadipc_crypt_dh	 dh;
	struct kadipc_net_res	 res;
	struct kadipc_chunk_res	 cres;
	struct kadipc_key	 k;

	memset(&res, 0, sizeof(res));
	memset(&cres, 0, sizeof(cres));
	memset(&k, 0, sizeof(k));
	CHECK(deliver(KAD_PROC_NET, KAD_PROC_STORE, KADIPC_NET_STORE_RES,
	    &res, sizeof(res)) == 1, "kadnet takes NET_STORE_RES from "
	    "kadstore");
	CHECK(deliver(KAD_PROC_NET, KAD_PROC_STORE, KADIPC_CHUNK_GET_RES,
	    &cres, sizeof(cres)) == -1, "kadnet refuses "
	    "CHUNK_GET_RES (store to crypt only) from kadstore");
	CHECK(deliver(KAD_PROC_STORE, KAD_PROC_NET, KADIPC_NET_STORE_RES,
	    &res, sizeof(res)) == -1, "kadstore refuses its own reply type "
	    "coming back from kadnet");
	CHECK(deliver(KAD_PROC_STORE, KAD_PROC_CRYPT, KADIPC_CHUNK_GET,
	    &k, sizeof(k)) == 1, "kadstore takes CHUNK_GET from kadcrypt");
	CHECK(deliver(KAD_PROC_CRYPT, KAD_PROC_MASTER, KADIPC_SHUTDOWN,
	    NULL, 0) == 1, "kadcrypt takes SHUTDOWN from kadmaster");
	CHECK(deliver(KAD_PROC_MASTER, KAD_PROC_CRYPT, KADIPC_SHUTDOWN,
	    NULL, 0) == -1, "kadmaster refuses SHUTDOWN from kadcrypt");
	CHECK(deliver(KAD_PROC_MASTER, KAD_PROC_CTL, KADIPC_CTL_STATUS,
	    NULL, 0) == 1, "kadmaster takes CTL_STATUS from kadctl");
	CHECK(deliver(KAD_PROC_MASTER, KAD_PROC_CTL, KADIPC_XFER_ABORT,
	    NULL, 0) == -1, "kadmaster refuses XFER_ABORT (master to crypt "
	    "only) from kadctl");
	memset(&dh, 0, sizeof(dh));
	memset(&dhr, 0, sizeof(dhr));
	dhr.status = KADIPC_DH_BUSY;
	memset(&ir, 0, sizeof(ir));
	ir.status = KADIPC_IDENT_IOERROR;
	CHECK(deliver(KAD_PROC_CRYPT, KAD_PROC_NET, KADIPC_CRYPT_DH, &dh,
	    sizeof(dh)) == 1, "kadcrypt takes CRYPT_DH from kadnet");
	CHECK(deliver(KAD_PROC_NET, KAD_PROC_CRYPT, KADIPC_CRYPT_DH_RES, &dhr,
	    sizeof(dhr)) == 1, "kadnet takes CRYPT_DH_RES from kadcrypt");
	CHECK(deliver(KAD_PROC_CRYPT, KAD_PROC_MASTER, KADIPC_CRYPT_DH, &dh,
	    sizeof(dh)) == -1, "kadcrypt refuses CRYPT_DH from kadmaster");
	CHECK(deliver(KAD_PROC_CRYPT, KAD_PROC_STORE, KADIPC_CRYPT_DH, &dh,
	    sizeof(dh)) == -1, "kadcrypt refuses CRYPT_DH from kadstore");
	CHECK(deliver(KAD_PROC_NET, KAD_PROC_CRYPT, KADIPC_CRYPT_DH, &dh,
	    sizeof(dh)) == -1, "kadnet refuses its own CRYPT_DH coming back");
	CHECK(deliver(KAD_PROC_NET, KAD_PROC_CRYPT, KADIPC_CRYPT_IDENTITY_RES,
	    &ir, sizeof(ir)) == -1, "kadnet refuses CRYPT_IDENTITY_RES "
	    "(crypt to master only) from kadcrypt");
	CHECK(deliver(KAD_PROC_MASTER, KAD_PROC_CRYPT,
	    KADIPC_CRYPT_IDENTITY_RES, &ir, sizeof(ir)) == 1,
	    "kadmaster takes CRYPT_IDENTITY_RES from kadcrypt");
	CHECK(deliver(KAD_PROC_MASTER, KAD_PROC_NET, KADIPC_CRYPT_DH, &dh,
	    sizeof(dh)) == -1, "kadmaster refuses CRYPT_DH from kadnet");
#ifdef KAD_TEST_HOOKS
	CHECK(deliver(KAD_PROC_NET, KAD_PROC_MASTER, KADIPC_TEST_SANDBOX,
	    NULL, 0) == 1, "TEST_SANDBOX allowed in a test build");
#endif
}

static void
test_net(void)
{
	struct kadipc_chunk_msg	 c;
	struct kadipc_net_chunk	 nc;
	struct kadipc_net_res	 r;
	struct kadipc_net_keys	 kh;
	struct kadipc_msg	 m;
	uint8_t			 keys[KADIPC_MAX_SCAN][KADIPC_KEY_LEN];
	uint8_t			 copies[KADIPC_MAX_SCAN];
	uint64_t		 cookie;
	uint32_t		 n;
	int			 alone;

	memset(&nc, 0, sizeof(nc));
	nc.cookie = 0x1122334455667788ULL;
	memset(nc.key, 0x5a, sizeof(nc.key));
	nc.copies = 8;
	memcpy(buf, &nc, sizeof(nc));
	buf[sizeof(nc)] = 0x77;
	m = msg(KADIPC_NET_PUBLISH, sizeof(nc) + 1);
	CHECK(kadipc_recv_net_publish(&m, &c) == 0 && c.cookie == nc.cookie &&
	    c.key[0] == 0x5a && c.copies == 8 && c.len == 1 &&
	    c.data[0] == 0x77,
	    "NET_PUBLISH: 64-bit cookie, key, copies and bytes decoded");
	m = msg(KADIPC_NET_PUBLISH, sizeof(nc) - 1);
	CHECK(kadipc_recv_net_publish(&m, &c) == -1, "NET_PUBLISH one byte "
	    "short of its head refused");
	m = msg(KADIPC_NET_PUBLISH, sizeof(nc) + KADIPC_CHUNK_MAX + 1);
	CHECK(kadipc_recv_net_publish(&m, &c) == -1, "NET_PUBLISH at the "
	    "maximum + 1 refused");
	m = msg(KADIPC_CHUNK_PUT, sizeof(nc) + 1);
	CHECK(kadipc_recv_net_publish(&m, &c) == -1, "CHUNK_PUT refused by "
	    "the NET_PUBLISH helper");
	m = msg(KADIPC_NET_PUBLISH, sizeof(nc) + 1);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "NET_PUBLISH refused by the "
	    "chunk helper");

	memset(&r, 0, sizeof(r));
	r.cookie = 42;
	r.status = KADIPC_NET_ERROR;
	memcpy(buf, &r, sizeof(r));
	m = msg(KADIPC_NET_PUBLISHED, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == 0 && c.cookie == 42 &&
	    c.error == KADIPC_NET_ERROR, "NET_PUBLISHED: cookie and status");
	r.status = KADIPC_NET_NOTFOUND;
	memcpy(buf, &r, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == -1, "NET_PUBLISHED NOTFOUND "
	    "refused");
	r.status = KADIPC_NET_ELSEWHERE;
	memcpy(buf, &r, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == 0 &&
	    c.error == KADIPC_NET_ELSEWHERE, "NET_PUBLISHED ELSEWHERE taken");
	m = msg(KADIPC_NET_FETCH_RES, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == -1, "ELSEWHERE refused for "
	    "anything but NET_PUBLISHED");
	r.status = KADIPC_NET_ELSEWHERE + 1;
	memcpy(buf, &r, sizeof(r));
	m = msg(KADIPC_NET_PUBLISHED, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == -1, "a status past ELSEWHERE "
	    "refused");
	r.status = KADIPC_NET_FOUND;
	memcpy(buf, &r, sizeof(r));
	m = msg(KADIPC_NET_PUBLISHED, sizeof(r) + 1);
	CHECK(kadipc_recv_net_res(&m, &c) == -1, "NET_PUBLISHED with bytes "
	    "refused");
	r.holders = KADIPC_MAX_HOLDERS;
	memcpy(buf, &r, sizeof(r));
	m = msg(KADIPC_NET_PUBLISHED, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == 0 &&
	    c.holders == KADIPC_MAX_HOLDERS, "NET_PUBLISHED: its holders");
	r.holders = KADIPC_MAX_HOLDERS + 1;
	memcpy(buf, &r, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == -1, "NET_PUBLISHED: holders past "
	    "KADIPC_MAX_HOLDERS refused");
	r.holders = 1;
	memcpy(buf, &r, sizeof(r));
	m = msg(KADIPC_NET_FETCH_RES, sizeof(r));
	CHECK(kadipc_recv_net_res(&m, &c) == -1, "holders refused on "
	    "anything but NET_PUBLISHED");
	r.holders = 0;

	memset(&kh, 0, sizeof(kh));
	kh.cookie = 7;
	kh.n = 2;
	memcpy(buf, &kh, sizeof(kh));
	memset(buf + sizeof(kh), 0x33, 2 * KADIPC_KEY_LEN);
	buf[sizeof(kh) + 2 * KADIPC_KEY_LEN] = 2;
	buf[sizeof(kh) + 2 * KADIPC_KEY_LEN + 1] = 0;
	m = msg(KADIPC_NET_STORE_KEYS, sizeof(kh) + 2 * KADIPC_KEY_LEN + 2);
	CHECK(kadipc_recv_net_keys(&m, &cookie, keys, copies, &n) == 0 &&
	    cookie == 7 && n == 2 && keys[1][31] == 0x33 && copies[0] == 2 &&
	    copies[1] == 0, "NET_STORE_KEYS with 2 keys and their copies");
	buf[sizeof(kh) + 2 * KADIPC_KEY_LEN + 1] = KADIPC_COPIES_MAX + 1;
	CHECK(kadipc_recv_net_keys(&m, &cookie, keys, copies, &n) == -1,
	    "NET_STORE_KEYS: a key of %d copies refused",
	    KADIPC_COPIES_MAX + 1);
	m = msg(KADIPC_NET_STORE_KEYS, sizeof(kh) + 2 * KADIPC_KEY_LEN);
	CHECK(kadipc_recv_net_keys(&m, &cookie, keys, copies, &n) == -1,
	    "NET_STORE_KEYS: keys without their copies refused");
	m = msg(KADIPC_NET_STORE_KEYS, sizeof(kh) + KADIPC_KEY_LEN);
	CHECK(kadipc_recv_net_keys(&m, &cookie, keys, copies, &n) == -1,
	    "NET_STORE_KEYS: a count the bytes do not match refused");
	kh.n = KADIPC_MAX_SCAN + 1;
	memcpy(buf, &kh, sizeof(kh));
	m = msg(KADIPC_NET_STORE_KEYS, sizeof(kh));
	CHECK(kadipc_recv_net_keys(&m, &cookie, keys, copies, &n) == -1,
	    "NET_STORE_KEYS: a count over its cap refused");
	kh.n = 0;
	kh.pad0 = 1;
	memcpy(buf, &kh, sizeof(kh));
	CHECK(kadipc_recv_net_keys(&m, &cookie, keys, copies, &n) == -1,
	    "NET_STORE_KEYS: non-zero padding refused");

	memset(buf, 0, 4);
	buf[0] = 1;
	m = msg(KADIPC_NET_ALONE, 4);
	CHECK(kadipc_recv_net_alone(&m, &alone) == 0 && alone == 1,
	    "NET_ALONE 1");
	buf[0] = 2;
	CHECK(kadipc_recv_net_alone(&m, &alone) == -1, "NET_ALONE 2 refused");
}

/* NET_BOOTSTRAP and its answer: a request id, an address, a status */
static void
test_bootstrap(void)
{
	struct kadipc_net_bootstrap	 b;
	struct kadipc_net_bootstrap_res	 r;
	struct kadipc_msg		 m;

	memset(&b, 0, sizeof(b));
	b.req = 9;
	b.addr.family = AF_INET6;
	b.addr.port = 4242;
	memcpy(buf, &b, sizeof(b));
	m = msg(KADIPC_NET_BOOTSTRAP, sizeof(b));
	CHECK(kadipc_recv_net_bootstrap(&m, &b) == 0 && b.req == 9 &&
	    b.addr.port == 4242, "NET_BOOTSTRAP");
	m = msg(KADIPC_NET_BOOTSTRAP, sizeof(b) - 1);
	CHECK(kadipc_recv_net_bootstrap(&m, &b) == -1, "NET_BOOTSTRAP: one "
	    "byte short refused");
	m = msg(KADIPC_NET_BOOTSTRAP, sizeof(b) + 1);
	CHECK(kadipc_recv_net_bootstrap(&m, &b) == -1, "NET_BOOTSTRAP: one "
	    "byte long refused");
	b.addr.pad0 = 1;
	memcpy(buf, &b, sizeof(b));
	m = msg(KADIPC_NET_BOOTSTRAP, sizeof(b));
	CHECK(kadipc_recv_net_bootstrap(&m, &b) == -1, "NET_BOOTSTRAP: "
	    "non-zero address padding refused");
	b.addr.pad0 = 0;
	b.pad0 = 1;
	memcpy(buf, &b, sizeof(b));
	CHECK(kadipc_recv_net_bootstrap(&m, &b) == -1, "NET_BOOTSTRAP: "
	    "non-zero padding refused");
	b.pad0 = 0;
	b.addr.family = AF_UNIX;
	memcpy(buf, &b, sizeof(b));
	CHECK(kadipc_recv_net_bootstrap(&m, &b) == -1, "NET_BOOTSTRAP: a bad "
	    "family refused");
	m = msg(KADIPC_NET_BOOTSTRAP_RES, sizeof(b));
	CHECK(kadipc_recv_net_bootstrap(&m, &b) == -1, "NET_BOOTSTRAP: "
	    "another type refused by its helper");

	memset(&r, 0, sizeof(r));
	r.req = 9;
	r.status = KADIPC_BOOT_ANSWERED;
	r.id[31] = 1;
	memcpy(buf, &r, sizeof(r));
	m = msg(KADIPC_NET_BOOTSTRAP_RES, sizeof(r));
	CHECK(kadipc_recv_net_bootstrap_res(&m, &r) == 0 && r.req == 9 &&
	    r.id[31] == 1, "NET_BOOTSTRAP_RES answered");
	m = msg(KADIPC_NET_BOOTSTRAP_RES, sizeof(r) - 1);
	CHECK(kadipc_recv_net_bootstrap_res(&m, &r) == -1,
	    "NET_BOOTSTRAP_RES: one byte short refused");
	m = msg(KADIPC_NET_BOOTSTRAP_RES, sizeof(r) + 1);
	CHECK(kadipc_recv_net_bootstrap_res(&m, &r) == -1,
	    "NET_BOOTSTRAP_RES: one byte long refused");
	m = msg(KADIPC_NET_BOOTSTRAP_RES, sizeof(r));
	r.id[31] = 0;
	memcpy(buf, &r, sizeof(r));
	CHECK(kadipc_recv_net_bootstrap_res(&m, &r) == -1,
	    "NET_BOOTSTRAP_RES: answered without a node ID refused");
	r.status = KADIPC_BOOT_TIMEOUT;
	memcpy(buf, &r, sizeof(r));
	CHECK(kadipc_recv_net_bootstrap_res(&m, &r) == 0,
	    "NET_BOOTSTRAP_RES timeout");
	r.id[0] = 1;
	memcpy(buf, &r, sizeof(r));
	CHECK(kadipc_recv_net_bootstrap_res(&m, &r) == -1,
	    "NET_BOOTSTRAP_RES: a node ID with a timeout refused");
	r.id[0] = 0;
	r.status = KADIPC_BOOT_STATUS_MAX + 1;
	memcpy(buf, &r, sizeof(r));
	CHECK(kadipc_recv_net_bootstrap_res(&m, &r) == -1,
	    "NET_BOOTSTRAP_RES: a status out of range refused");
	r.status = KADIPC_BOOT_BUSY;
	r.req = 0;
	memcpy(buf, &r, sizeof(r));
	CHECK(kadipc_recv_net_bootstrap_res(&m, &r) == -1,
	    "NET_BOOTSTRAP_RES: request 0 refused");
}

static void
test_master(void)
{
	struct kadipc_stat		 st[KADIPC_MAX_STATS];
	struct kadipc_net_config	 nc;
	struct kadipc_msg		 m;
	const uint8_t			*data;
	size_t				 n;
	uint32_t			 v;

	m = msg(KADIPC_SHUTDOWN, 0);
	CHECK(kadipc_recv_empty(&m) == 0, "SHUTDOWN empty");
	m = msg(KADIPC_SHUTDOWN, 1);
	CHECK(kadipc_recv_empty(&m) == -1, "SHUTDOWN with a byte refused");
	m = msg(KADIPC_VERBOSE, 0);
	CHECK(kadipc_recv_empty(&m) == -1, "VERBOSE refused as empty");
	memset(buf, 0, 4);
	buf[0] = 3;
	m = msg(KADIPC_VERBOSE, 4);
	CHECK(kadipc_recv_verbose(&m, &v) == 0 && v == 3, "VERBOSE 3");
	buf[0] = 4;
	CHECK(kadipc_recv_verbose(&m, &v) == -1, "VERBOSE 4 refused");

	memset(buf, 'x', 2 * sizeof(struct kadipc_stat));
	memset(buf, 0, 8);
	memset(buf + sizeof(struct kadipc_stat), 0, 8);
	m = msg(KADIPC_STATS, 2 * sizeof(struct kadipc_stat));
	CHECK(kadipc_recv_stats(&m, st, &n) == 0 && n == 2, "STATS with 2");
	memset(buf + sizeof(struct kadipc_stat), 'x', 24);
	CHECK(kadipc_recv_stats(&m, st, &n) == -1, "STATS: a name without "
	    "its NUL refused");
	m = msg(KADIPC_STATS, sizeof(struct kadipc_stat) + 1);
	CHECK(kadipc_recv_stats(&m, st, &n) == -1, "STATS: a partial entry "
	    "refused");

	memset(&nc, 0, sizeof(nc));
	nc.bind.family = AF_INET;
	nc.idaddr.family = AF_INET6;
	memcpy(buf, &nc, sizeof(nc));
	m = msg(KADIPC_NET_CONFIG, sizeof(nc));
	CHECK(kadipc_recv_net_config(&m, &nc) == 0, "NET_CONFIG");
	nc.bind.family = AF_UNIX;
	memcpy(buf, &nc, sizeof(nc));
	CHECK(kadipc_recv_net_config(&m, &nc) == -1, "NET_CONFIG: a bad "
	    "bind family refused");
	nc.bind.family = AF_INET;
	nc.idaddr.family = 0;
	memcpy(buf, &nc, sizeof(nc));
	CHECK(kadipc_recv_net_config(&m, &nc) == -1, "NET_CONFIG: an ID "
	    "address of no family refused");
	nc.idaddr.family = AF_INET;
	nc.idaddr.pad0 = 1;
	memcpy(buf, &nc, sizeof(nc));
	CHECK(kadipc_recv_net_config(&m, &nc) == -1, "NET_CONFIG: an ID "
	    "address with non-zero padding refused");
	test_bootstrap();

	m = msg(KADIPC_NET_ROUTES, 0);
	CHECK(kadipc_recv_bytes(&m, &data, &n) == 0 && n == 0,
	    "NET_ROUTES may be empty");
	m = msg(KADIPC_XFER_DATA, 0);
	CHECK(kadipc_recv_bytes(&m, &data, &n) == -1, "an empty XFER_DATA "
	    "refused");
	m = msg(KADIPC_XFER_ACK, 8);
	CHECK(kadipc_recv_bytes(&m, &data, &n) == -1, "XFER_ACK refused by "
	    "the bytes helper");
}

static void
test_xfer(void)
{
	struct kadipc_text	 t;
	struct kadipc_link	 l;
	struct kadipc_xfer_get	 g;
	struct kadipc_list_entry e;
	struct kadipc_xfer_find	 xf;
	struct kadipc_xfer_begin xb;
	struct kadipc_msg	 m;
	uint8_t			 hash[32];
	uint64_t		 ack;
	uint32_t		 p;

	memset(buf, 'a', sizeof(t));
	m = msg(KADIPC_CTL_ERROR, sizeof(t));
	CHECK(kadipc_recv_text(&m, &t) == -1, "CTL_ERROR without a NUL "
	    "refused");
	buf[sizeof(t) - 1] = '\0';
	CHECK(kadipc_recv_text(&m, &t) == 0, "CTL_ERROR with its NUL");
	m = msg(KADIPC_CTL_ERROR, sizeof(t) - 1);
	CHECK(kadipc_recv_text(&m, &t) == -1, "CTL_ERROR one byte short");
	memset(buf, 'k', sizeof(l));
	m = msg(KADIPC_XFER_UNPIN, sizeof(l));
	CHECK(kadipc_recv_link(&m, &l) == -1, "a link without a NUL refused");
	buf[0] = '\0';
	CHECK(kadipc_recv_link(&m, &l) == 0, "a link with a NUL");
	m = msg(KADIPC_XFER_RM, sizeof(l));
	CHECK(kadipc_recv_link(&m, &l) == 0, "XFER_RM carries a link");
	m = msg(KADIPC_XFER_GET_BEGIN, sizeof(l));
	CHECK(kadipc_recv_link(&m, &l) == -1, "XFER_GET_BEGIN is not a bare "
	    "link any more");
	memset(buf, 'k', sizeof(g));
	m = msg(KADIPC_XFER_GET_BEGIN, sizeof(g));
	CHECK(kadipc_recv_xfer_get(&m, &g) == -1, "a get without a NUL in its "
	    "link refused");
	buf[3] = '\0';
	memset(buf + offsetof(struct kadipc_xfer_get, offset), 0, 16);
	buf[offsetof(struct kadipc_xfer_get, timeout)] = 60;
	CHECK(kadipc_recv_xfer_get(&m, &g) == 0 && strcmp(g.link, "kkk") == 0 &&
	    g.timeout == 60, "a get with its offset and timeout");
	g.timeout = KADIPC_GET_TIMEOUT_MAX + 1;
	memcpy(buf, &g, sizeof(g));
	CHECK(kadipc_recv_xfer_get(&m, &g) == -1, "a timeout over a day "
	    "refused");
	g.timeout = 1;
	g.pad0 = 1;
	memcpy(buf, &g, sizeof(g));
	CHECK(kadipc_recv_xfer_get(&m, &g) == -1, "a non-zero pad refused");
	m = msg(KADIPC_XFER_GET_BEGIN, sizeof(g) - 1);
	CHECK(kadipc_recv_xfer_get(&m, &g) == -1, "a get one byte short");
	/* a list entry: both strings terminated, flags known */
	memset(buf, 0, sizeof(e));
	m = msg(KADIPC_XFER_ENTRY, sizeof(e));
	CHECK(kadipc_recv_list_entry(&m, &e) == 0, "an empty entry");
	memset(buf + offsetof(struct kadipc_list_entry, name), 'x',
	    KADIPC_NAME_MAX);
	CHECK(kadipc_recv_list_entry(&m, &e) == -1, "an entry whose name has "
	    "no NUL refused");
	memset(buf, 0, sizeof(e));
	memset(buf + offsetof(struct kadipc_list_entry, link), 'x',
	    KADIPC_LINK_MAX);
	CHECK(kadipc_recv_list_entry(&m, &e) == -1, "an entry whose link has "
	    "no NUL refused");
	memset(buf, 0, sizeof(e));
	buf[offsetof(struct kadipc_list_entry, flags)] = 0x04;
	CHECK(kadipc_recv_list_entry(&m, &e) == -1, "an entry with an unknown "
	    "flag refused");
	memset(buf, 'n', sizeof(struct kadipc_xfer_find));
	m = msg(KADIPC_XFER_FIND, sizeof(struct kadipc_xfer_find));
	CHECK(kadipc_recv_xfer_find(&m, &xf) == -1, "XFER_FIND without a NUL "
	    "in its name refused");
	buf[sizeof(struct kadipc_xfer_find) - 1] = '\0';
	CHECK(kadipc_recv_xfer_find(&m, &xf) == 0, "XFER_FIND: a hash and a "
	    "name");
	CHECK(kadipc_recv_hash(&m, hash) == -1, "XFER_FIND is no bare hash");
	m = msg(KADIPC_XFER_PREFIX, 32);
	CHECK(kadipc_recv_hash(&m, hash) == 0, "XFER_PREFIX: a hash");
	m = msg(KADIPC_XFER_PREFIX, 31);
	CHECK(kadipc_recv_hash(&m, hash) == -1, "XFER_PREFIX one byte short");
	m = msg(KADIPC_XFER_LINK, 32);
	CHECK(kadipc_recv_hash(&m, hash) == -1, "XFER_LINK is no hash");
	memset(buf, 0, sizeof(t));
	m = msg(KADIPC_XFER_INFO, sizeof(t));
	CHECK(kadipc_recv_text(&m, &t) == 0, "XFER_INFO is a text line");
	memset(buf, 'n', sizeof(xb));
	m = msg(KADIPC_XFER_PUT_BEGIN, sizeof(xb));
	CHECK(kadipc_recv_xfer_begin(&m, &xb) == -1, "a file name without a "
	    "NUL refused");
	memset(buf, 0, 8);
	buf[0] = 9;
	m = msg(KADIPC_XFER_ACK, 8);
	CHECK(kadipc_recv_xfer_ack(&m, &ack) == 0 && ack == 9, "XFER_ACK");
	memset(buf, 0, 4);
	m = msg(KADIPC_CTL_TEST_SANDBOX, 4);
	CHECK(kadipc_recv_ctl_test_sandbox(&m, &p) == -1, "CTL_TEST_SANDBOX "
	    "for kadmaster itself refused");
	buf[0] = KAD_PROC_CRYPT;
	CHECK(kadipc_recv_ctl_test_sandbox(&m, &p) == 0 &&
	    p == KAD_PROC_CRYPT, "CTL_TEST_SANDBOX for kadcrypt");
}

/* Set each case's payload, then run it through one helper. */
static void
set_dh_res(uint64_t cookie, uint32_t status, uint32_t pad, uint8_t fill)
{
	struct kadipc_crypt_dh_res	 r;

	memset(&r, 0, sizeof(r));
	r.cookie = cookie;
	r.status = status;
	r.pad0 = pad;
	memset(r.shared, fill, sizeof(r.shared));
	memcpy(buf, &r, sizeof(r));
}

static void
set_ident_res(uint32_t status, uint32_t pad, uint8_t pub, uint8_t id)
{
	struct kadipc_crypt_identity_res	 r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.pad0 = pad;
	memset(r.pub, pub, sizeof(r.pub));
	memset(r.id, id, sizeof(r.id));
	memcpy(buf, &r, sizeof(r));
}

static void
test_crypt_identity(void)
{
	struct kadipc_crypt_identity		 ci, got;
	struct kadipc_crypt_identity_res	 r;
	struct kadipc_msg			 m;
	size_t					 n = sizeof(ci);

	memset(&ci, 0, sizeof(ci));
	ci.flags = KADIPC_IDENT_F_NEW;
	ci.idaddr.family = AF_INET;
	ci.idaddr.port = 4242;
	ci.idaddr.addr[0] = 192;
	memcpy(buf, &ci, sizeof(ci));
	m = msg(KADIPC_CRYPT_IDENTITY, n);
	m.fd = 7;
	CHECK(kadipc_recv_crypt_identity(&m, &got) == 0 &&
	    got.flags == KADIPC_IDENT_F_NEW && got.idaddr.family == AF_INET &&
	    got.idaddr.port == 4242 && got.idaddr.addr[0] == 192,
	    "CRYPT_IDENTITY with its fd, NEW, and the ID's address");
	m.fd = -1;
	CHECK(kadipc_recv_crypt_identity(&m, &got) == -1 &&
	    errno == EBADMSG, "CRYPT_IDENTITY without its fd refused");
	m = msg(KADIPC_CRYPT_IDENTITY, n - 1);
	m.fd = 7;
	CHECK(kadipc_recv_crypt_identity(&m, &got) == -1,
	    "CRYPT_IDENTITY one byte short refused");
	m = msg(KADIPC_CRYPT_IDENTITY, n + 1);
	m.fd = 7;
	CHECK(kadipc_recv_crypt_identity(&m, &got) == -1,
	    "CRYPT_IDENTITY one byte long refused");
	ci.flags = 0x2;
	memcpy(buf, &ci, sizeof(ci));
	m = msg(KADIPC_CRYPT_IDENTITY, n);
	m.fd = 7;
	CHECK(kadipc_recv_crypt_identity(&m, &got) == -1,
	    "CRYPT_IDENTITY: an unknown flag refused");
	ci.flags = 0;
	ci.pad0 = 1;
	memcpy(buf, &ci, sizeof(ci));
	CHECK(kadipc_recv_crypt_identity(&m, &got) == -1,
	    "CRYPT_IDENTITY: non-zero padding refused");
	ci.pad0 = 0;
	ci.idaddr.family = AF_UNIX;
	memcpy(buf, &ci, sizeof(ci));
	CHECK(kadipc_recv_crypt_identity(&m, &got) == -1,
	    "CRYPT_IDENTITY: an ID address of another family refused");
	ci.idaddr.family = AF_INET6;
	ci.idaddr.pad0 = 1;
	memcpy(buf, &ci, sizeof(ci));
	CHECK(kadipc_recv_crypt_identity(&m, &got) == -1,
	    "CRYPT_IDENTITY: an ID address with non-zero padding refused");
	m = msg(KADIPC_CRYPT_CONFIG, n);
	m.fd = 7;
	CHECK(kadipc_recv_crypt_identity(&m, &got) == -1,
	    "CRYPT_CONFIG refused by the CRYPT_IDENTITY helper");

	n = sizeof(r);
	set_ident_res(KADIPC_IDENT_CREATED, 0, 0x11, 0x22);
	m = msg(KADIPC_CRYPT_IDENTITY_RES, n);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == 0 &&
	    r.status == KADIPC_IDENT_CREATED && r.pub[31] == 0x11 &&
	    r.id[0] == 0x22, "CRYPT_IDENTITY_RES: a new key decoded");
	m.fd = 7;
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == -1,
	    "CRYPT_IDENTITY_RES with a surprise fd refused");
	m = msg(KADIPC_CRYPT_IDENTITY_RES, n - 1);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == -1,
	    "CRYPT_IDENTITY_RES one byte short refused");
	m = msg(KADIPC_CRYPT_IDENTITY_RES, n + 1);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == -1,
	    "CRYPT_IDENTITY_RES one byte long refused");
	m = msg(KADIPC_CRYPT_IDENTITY_RES, n);
	set_ident_res(KADIPC_IDENT_LOADED, 1, 0x11, 0x22);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == -1,
	    "CRYPT_IDENTITY_RES: non-zero padding refused");
	set_ident_res(KADIPC_IDENT_MAX + 1, 0, 0, 0);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == -1,
	    "CRYPT_IDENTITY_RES: a status past the last refused");
	set_ident_res(KADIPC_IDENT_LOADED, 0, 0, 0x22);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == -1,
	    "CRYPT_IDENTITY_RES: a good key that is all zero refused");
	set_ident_res(KADIPC_IDENT_LOADED, 0, 0x11, 0);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == -1,
	    "CRYPT_IDENTITY_RES: an all-zero node ID refused");
	set_ident_res(KADIPC_IDENT_MISMATCH, 0, 0, 0);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == 0 &&
	    r.status == KADIPC_IDENT_MISMATCH,
	    "CRYPT_IDENTITY_RES: a refusal with no key");
	set_ident_res(KADIPC_IDENT_BADMAGIC, 0, 0x11, 0x22);
	CHECK(kadipc_recv_crypt_identity_res(&m, &r) == -1,
	    "CRYPT_IDENTITY_RES: a refusal that carries a key refused");
}

static void
test_crypt_dh(void)
{
	struct kadipc_crypt_dh		 d;
	struct kadipc_crypt_dh_res	 r;
	struct kadipc_msg		 m;
	size_t				 n = sizeof(d);

	memset(&d, 0, sizeof(d));
	d.cookie = 0x0102030405060708ULL;
	memset(d.peer, 0x99, sizeof(d.peer));
	memcpy(buf, &d, sizeof(d));
	memset(&d, 0, sizeof(d));
	m = msg(KADIPC_CRYPT_DH, n);
	CHECK(kadipc_recv_crypt_dh(&m, &d) == 0 &&
	    d.cookie == 0x0102030405060708ULL && d.peer[0] == 0x99 &&
	    d.peer[31] == 0x99, "CRYPT_DH: cookie and point decoded");
	m.fd = 7;
	CHECK(kadipc_recv_crypt_dh(&m, &d) == -1 && errno == EBADMSG,
	    "CRYPT_DH with a surprise fd refused");
	m = msg(KADIPC_CRYPT_DH, n - 1);
	CHECK(kadipc_recv_crypt_dh(&m, &d) == -1,
	    "CRYPT_DH one byte short refused");
	m = msg(KADIPC_CRYPT_DH, n + 1);
	CHECK(kadipc_recv_crypt_dh(&m, &d) == -1,
	    "CRYPT_DH one byte long refused");
	m = msg(KADIPC_NET_STORE_GET, n);
	CHECK(kadipc_recv_crypt_dh(&m, &d) == -1,
	    "NET_STORE_GET (the same size) refused by the CRYPT_DH helper");
	m = msg(KADIPC_CRYPT_DH, n);
	CHECK(kadipc_recv_net_req(&m, &(struct kadipc_chunk_msg){ 0 }) == -1,
	    "CRYPT_DH refused by the NET_STORE_GET helper");

	n = sizeof(r);
	set_dh_res(77, KADIPC_DH_OK, 0, 0x5c);
	m = msg(KADIPC_CRYPT_DH_RES, n);
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == 0 && r.cookie == 77 &&
	    r.status == KADIPC_DH_OK && r.shared[17] == 0x5c,
	    "CRYPT_DH_RES: cookie, status and shared decoded");
	m.fd = 7;
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == -1,
	    "CRYPT_DH_RES with a surprise fd refused");
	m = msg(KADIPC_CRYPT_DH_RES, n - 1);
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == -1,
	    "CRYPT_DH_RES one byte short refused");
	m = msg(KADIPC_CRYPT_DH_RES, n + 1);
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == -1,
	    "CRYPT_DH_RES one byte long refused");
	m = msg(KADIPC_CRYPT_DH_RES, n);
	set_dh_res(77, KADIPC_DH_OK, 1, 0x5c);
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == -1 &&
	    r.shared[17] == 0, "CRYPT_DH_RES: non-zero padding refused, and "
	    "the refused secret wiped");
	set_dh_res(77, KADIPC_DH_MAX + 1, 0, 0);
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == -1,
	    "CRYPT_DH_RES: a status past the last refused");
	set_dh_res(77, KADIPC_DH_BUSY, 0, 0);
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == 0 &&
	    r.status == KADIPC_DH_BUSY, "CRYPT_DH_RES: BUSY, all zero");
	set_dh_res(77, KADIPC_DH_SELF, 0, 0x01);
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == -1,
	    "CRYPT_DH_RES: a refusal that is not all zero refused");
	set_dh_res(77, KADIPC_DH_OK, 0, 0);
	CHECK(kadipc_recv_crypt_dh_res(&m, &r) == -1,
	    "CRYPT_DH_RES: OK with an all-zero secret refused");
}

static void
test_test_dh(void)
{
	struct kadipc_test_dh	 t;
	struct kadipc_msg	 m;
	uint32_t		 types[] = { KADIPC_CTL_TEST_DH,
	    KADIPC_NET_TEST_DH };
	size_t			 i;

	for (i = 0; i < nitems(types); i++) {
		memset(&t, 0, sizeof(t));
		t.count = KADIPC_TEST_DH_MAX;
		memcpy(buf, &t, sizeof(t));
		m = msg(types[i], sizeof(t));
		CHECK(kadipc_recv_test_dh(&m, &t) == 0 &&
		    t.count == KADIPC_TEST_DH_MAX, "%s with the most requests",
		    kadipc_type_name(types[i]));
		m = msg(types[i], sizeof(t) - 1);
		CHECK(kadipc_recv_test_dh(&m, &t) == -1, "%s one byte short",
		    kadipc_type_name(types[i]));
		m = msg(types[i], sizeof(t) + 1);
		CHECK(kadipc_recv_test_dh(&m, &t) == -1, "%s one byte long",
		    kadipc_type_name(types[i]));
		m = msg(types[i], sizeof(t));
		t.count = KADIPC_TEST_DH_MAX + 1;
		memcpy(buf, &t, sizeof(t));
		CHECK(kadipc_recv_test_dh(&m, &t) == -1, "%s: a count over its "
		    "cap refused", kadipc_type_name(types[i]));
		t.count = 0;
		memcpy(buf, &t, sizeof(t));
		CHECK(kadipc_recv_test_dh(&m, &t) == -1, "%s: a count of 0 "
		    "refused", kadipc_type_name(types[i]));
		t.count = 1;
		t.pad0 = 1;
		memcpy(buf, &t, sizeof(t));
		CHECK(kadipc_recv_test_dh(&m, &t) == -1, "%s: non-zero padding "
		    "refused", kadipc_type_name(types[i]));
	}
	CHECK(kadipc_type_lookup(KADIPC_CTL_TEST_DH)->testonly &&
	    kadipc_type_lookup(KADIPC_NET_TEST_DH)->testonly,
	    "CTL_TEST_DH and NET_TEST_DH exist in test builds only");
}

int
main(void)
{
	test_chunk_put();
	test_key_only();
	test_drop_rec();
	test_net_put();
	test_res();
	test_net();
	test_master();
	test_xfer();
	test_crypt_identity();
	test_crypt_dh();
	test_test_dh();
	test_allowed();
	test_chan_open();
	return (test_done());
}
