/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadnet/krpc.c, the DHT's inner messages of protocol
 * version 4: the byte layout (vectors written out from the format, not
 * from the encoder), round trips of every message type, canonical
 * re-encoding, the reply sizes a request may draw, and every way a
 * message can be malformed, by reason.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadnet/krpc.h"
#include "tests/test.h"

static uint8_t	txid[KRPC_TXID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static uint8_t	value[KRPC_MAX_VALUE];

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void
mkcontact(struct krpc_contact *c, uint8_t family, uint8_t seed)
{
	memset(c, 0, sizeof(*c));
	fill(c->pub, KRPC_KEY_LEN, seed);
	c->addr.family = family;
	fill(c->addr.ip, family == KRPC_AF_INET ? 4 : 16, seed + 100);
	c->addr.port = (uint16_t)(1000 + seed);
}

/* A valid message of each type, sized by `n` where that means anything. */
static void
mkmsg(struct krpc_msg *m, uint8_t type, size_t n)
{
	size_t	i;

	krpc_init(m, type, txid);
	switch (type) {
	case KRPC_FIND_NODE:
	case KRPC_FIND_VALUE:
		fill(m->target, KAD_ID_LEN, 0x40);
		m->want = KRPC_WANT4 | KRPC_WANT6;
		break;
	case KRPC_HAVE:
		fill(m->target, KAD_ID_LEN, 0x40);
		fill(m->nonce, KRPC_NONCE_LEN, 0x60);
		break;
	case KRPC_NODES:
		/* mixed families, IPv4 first as the decoder returns them */
		for (i = 0; i < n; i++)
			mkcontact(&m->contacts[i], i < n / 2 ? KRPC_AF_INET :
			    KRPC_AF_INET6, (uint8_t)i);
		m->ncontacts = (uint8_t)n;
		break;
	case KRPC_VALUE:
		m->value = value;
		m->vlen = (uint16_t)n;
		break;
	case KRPC_STORE:
		fill(m->target, KAD_ID_LEN, 0x40);
		m->value = value;
		m->vlen = (uint16_t)n;
		m->flags = KRPC_STORE_FORWARD;
		m->copies = 2;
		break;
	case KRPC_HAVE_RES:
		m->have = 1;
		fill(m->proof, KRPC_PROOF_LEN, 0x70);
		break;
	case KRPC_STORE_RES:
		m->status = KRPC_ST_BUSY;
		break;
	case KRPC_BUSY:
		m->retry = 12;
		break;
	}
}

/* What the wire carries: id (the sender's, from its session) is not. */
static int
msgeq(const struct krpc_msg *a, const struct krpc_msg *b)
{
	uint8_t	i;

	if (a->type != b->type || memcmp(a->txid, b->txid, KRPC_TXID_LEN) ||
	    memcmp(a->target, b->target, KAD_ID_LEN) ||
	    a->want != b->want || a->have != b->have ||
	    a->status != b->status || a->flags != b->flags ||
	    a->copies != b->copies ||
	    a->ncontacts != b->ncontacts || a->vlen != b->vlen ||
	    a->retry != b->retry)
		return (0);
	for (i = 0; i < a->ncontacts; i++)
		if (memcmp(a->contacts[i].pub, b->contacts[i].pub,
		    KRPC_KEY_LEN) != 0 || memcmp(&a->contacts[i].addr,
		    &b->contacts[i].addr, sizeof(a->contacts[i].addr)) != 0)
			return (0);
	if (a->vlen != 0 && memcmp(a->value, b->value, a->vlen) != 0)
		return (0);
	return (1);
}

/* The sender's id and the contacts' ids are not on the wire: zero. */
static int
ids_unset(const struct krpc_msg *m)
{
	static const uint8_t	zero[KAD_ID_LEN];
	uint8_t			i;

	if (memcmp(m->id, zero, KAD_ID_LEN) != 0)
		return (0);
	for (i = 0; i < m->ncontacts; i++)
		if (memcmp(m->contacts[i].id, zero, KAD_ID_LEN) != 0)
			return (0);
	return (1);
}

/* expected total size of each message built by mkmsg */
static size_t
explen(uint8_t type, size_t n)
{
	switch (type) {
	case KRPC_PING:
	case KRPC_PONG:
		return (12);
	case KRPC_FIND_NODE:
	case KRPC_FIND_VALUE:
		return (12 + 32 + 1);
	case KRPC_NODES:
		return (14 + (n / 2) * 38 + (n - n / 2) * 50);
	case KRPC_VALUE:
		return (14 + n);
	case KRPC_HAVE:
		return (12 + 32 + 16);
	case KRPC_HAVE_RES:
		return (13 + 32);
	case KRPC_STORE:
		return (12 + 32 + 1 + 1 + 2 + n);
	case KRPC_STORE_RES:
		return (13);
	case KRPC_BUSY:
		return (13);
	}
	return (0);
}

static void
test_constants(void)
{
	CHECK(KRPC_VERSION == 4 && KRPC_HDR_LEN == 12 &&
	    KRPC_TXID_OFF == 4 && KRPC_TXID_LEN == 8 && KRPC_KEY_LEN == 32 &&
	    KRPC_NONCE_LEN == 16 && KRPC_PROOF_LEN == 32,
	    "version 4: a 12-byte header, the txid at offset 4; HAVE's "
	    "nonce 16 bytes, its proof 32");
	CHECK(KRPC_MAX_COPIES == 20, "a STORE names 1..20 copies");
	CHECK(KRPC_MAX_MSG == 1100 && KRPC_NODES_FIXED == 14 &&
	    KRPC_MAX_CONTACTS == 28, "1100-byte messages: 28 IPv4 records "
	    "after the 14 fixed bytes of NODES");
	CHECK(KRPC_CONTACT4_LEN == 38 && KRPC_CONTACT6_LEN == 50 &&
	    krpc_contact_len(KRPC_AF_INET) == 38 &&
	    krpc_contact_len(KRPC_AF_INET6) == 50 &&
	    krpc_contact_len(0) == 0 && krpc_contact_len(5) == 0,
	    "records: key, address, port (38 and 50 bytes)");
}

/* A message encodes to exactly these bytes and decodes back. */
static int
vector(const struct krpc_msg *m, const uint8_t *want, size_t wlen)
{
	struct krpc_msg	 d;
	enum krpc_err	 why;
	uint8_t		 buf[KRPC_MAX_MSG];
	ssize_t		 n;
	size_t		 i;

	n = krpc_encode(m, buf, sizeof(buf));
	if (n != (ssize_t)wlen) {
		printf("# %zd bytes, want %zu\n", n, wlen);
		return (0);
	}
	for (i = 0; i < wlen; i++)
		if (buf[i] != want[i]) {
			printf("# byte %zu is %02x, want %02x\n", i, buf[i],
			    want[i]);
			return (0);
		}
	return (krpc_decode(want, wlen, &d, &why) == 0 && msgeq(m, &d));
}

#define P8(b)	(b), (b), (b), (b), (b), (b), (b), (b)
#define HDR(t)	'k', 'd', 4, (t), 1, 2, 3, 4, 5, 6, 7, 8

/*
 * NODES with one IPv6 and one IPv4 contact given in that order: n4 = 1,
 * n6 = 1, the IPv4 record (key 0xa0..., 10.1.2.3 port 0x1234) first,
 * then the IPv6 one (key 0xb0..., 2001:db8::1 port 443).
 */
static void
test_vector_nodes(void)
{
	static const uint8_t hdr[] = { HDR(4) };
	struct krpc_msg	 m, d;
	enum krpc_err	 why;
	uint8_t		 v[KRPC_MAX_MSG], buf[KRPC_MAX_MSG];
	ssize_t		 n;

	krpc_init(&m, KRPC_NODES, txid);
	m.ncontacts = 2;
	memset(m.contacts[0].pub, 0xb0, 32);
	m.contacts[0].addr.family = KRPC_AF_INET6;
	m.contacts[0].addr.ip[0] = 0x20;
	m.contacts[0].addr.ip[1] = 0x01;
	m.contacts[0].addr.ip[2] = 0x0d;
	m.contacts[0].addr.ip[3] = 0xb8;
	m.contacts[0].addr.ip[15] = 1;
	m.contacts[0].addr.port = 443;
	memset(m.contacts[1].pub, 0xa0, 32);
	m.contacts[1].addr.family = KRPC_AF_INET;
	m.contacts[1].addr.ip[0] = 10;
	m.contacts[1].addr.ip[1] = 1;
	m.contacts[1].addr.ip[2] = 2;
	m.contacts[1].addr.ip[3] = 3;
	m.contacts[1].addr.port = 0x1234;
	memset(v, 0, sizeof(v));
	memcpy(v, hdr, 12);
	v[3] = 4;
	v[12] = 1;
	v[13] = 1;
	memset(v + 14, 0xa0, 32);
	memcpy(v + 46, "\x0a\x01\x02\x03\x12\x34", 6);
	memset(v + 52, 0xb0, 32);
	memcpy(v + 84, "\x20\x01\x0d\xb8", 4);
	memcpy(v + 99, "\x01\x01\xbb", 3);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 102 && memcmp(buf, v, 102) == 0,
	    "NODES: header, n4, n6, the IPv4 records first, each key, "
	    "address, port big-endian (102 bytes)");
	CHECK(krpc_decode(v, 102, &d, &why) == 0 &&
	    d.ncontacts == 2 &&
	    d.contacts[0].addr.family == KRPC_AF_INET &&
	    d.contacts[0].addr.port == 0x1234 &&
	    memcmp(d.contacts[0].pub, m.contacts[1].pub, 32) == 0 &&
	    d.contacts[1].addr.family == KRPC_AF_INET6 &&
	    d.contacts[1].addr.port == 443 &&
	    memcmp(d.contacts[1].addr.ip, m.contacts[0].addr.ip,
	    16) == 0, "...and decodes to the key and address of each");
	CHECK(ids_unset(&d), "a decoded contact's id is left "
	    "for the caller (zero)");
}

static void
test_vectors(void)
{
	static const uint8_t ping[] = { HDR(1) };
	static const uint8_t pong[] = { HDR(2) };
	static const uint8_t have_res[] = { HDR(8), 1, P8(0xaa), P8(0xaa),
	    P8(0xaa), P8(0xaa) };
	static const uint8_t have_not[] = { HDR(8), 0 };
	static const uint8_t store_res[] = { HDR(10), 2 };
	static const uint8_t value3[] = { HDR(6), 0, 3, 0xde, 0xad, 1 };
	uint8_t		 v[KRPC_MAX_MSG], store[12 + 32 + 1 + 1 + 2 + 3];
	struct krpc_msg	 m;
	size_t		 i;

	krpc_init(&m, KRPC_PING, txid);
	CHECK(vector(&m, ping, sizeof(ping)), "PING: 'k' 'd' 3 1, txid: "
	    "12 bytes, no sender id");
	krpc_init(&m, KRPC_PONG, txid);
	CHECK(vector(&m, pong, sizeof(pong)), "PONG: the header alone");
	krpc_init(&m, KRPC_HAVE_RES, txid);
	m.have = 1;
	memset(m.proof, 0xaa, sizeof(m.proof));
	CHECK(vector(&m, have_res, sizeof(have_res)),
	    "HAVE_RES: header, have, its 32-byte proof (no token)");
	krpc_init(&m, KRPC_HAVE_RES, txid);
	CHECK(vector(&m, have_not, sizeof(have_not)),
	    "HAVE_RES: header, have 0, no proof");
	krpc_init(&m, KRPC_STORE_RES, txid);
	m.status = KRPC_ST_UNPROVED;
	CHECK(vector(&m, store_res, sizeof(store_res)),
	    "STORE_RES: header, status (2: unproved)");

	/* FIND_VALUE: target 0x00..0x1f, want both */
	krpc_init(&m, KRPC_FIND_VALUE, txid);
	for (i = 0; i < 32; i++)
		m.target[i] = (uint8_t)i;
	m.want = 3;
	memcpy(v, ping, 12);
	v[3] = 5;
	for (i = 0; i < 32; i++)
		v[12 + i] = (uint8_t)i;
	v[44] = 3;
	CHECK(vector(&m, v, 45), "FIND_VALUE: header, target, want (45 "
	    "bytes)");
	m.type = KRPC_HAVE;
	m.want = 0;
	memset(m.nonce, 0xbb, sizeof(m.nonce));
	v[3] = 7;
	memset(v + 44, 0xbb, 16);
	CHECK(vector(&m, v, 60), "HAVE: header, key, nonce (60 bytes)");

	test_vector_nodes();

	/* VALUE of 3 bytes; STORE to forward of the same 3 bytes */
	krpc_init(&m, KRPC_VALUE, txid);
	v[0] = 0xde;
	v[1] = 0xad;
	v[2] = 0x01;
	m.value = v;
	m.vlen = 3;
	CHECK(vector(&m, value3, sizeof(value3)), "VALUE: header, length "
	    "(16 bits), value (no token)");
	krpc_init(&m, KRPC_STORE, txid);
	memset(m.target, 0x55, 32);
	m.flags = KRPC_STORE_FORWARD;
	m.copies = 2;
	m.value = v;
	m.vlen = 3;
	memcpy(store, ping, 12);
	store[3] = 9;
	memset(store + 12, 0x55, 32);
	memcpy(store + 44, "\x01\x02\x00\x03\xde\xad\x01", 7);
	CHECK(vector(&m, store, sizeof(store)), "STORE: header, key, flags, "
	    "copies, length, value (no token, no hop count)");
}

static void
test_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 2, 5, 20, 23, 26, 28 };
	struct krpc_msg	 m, d;
	uint8_t		 buf[KRPC_MAX_MSG], buf2[KRPC_MAX_MSG];
	enum krpc_err	 why;
	ssize_t		 n, n2;
	uint8_t		 t;
	size_t		 i, vl, sz;

	for (t = 1; t <= KRPC_TYPE_MAX; t++) {
		if (t == 11)
			continue;	/* no type: BUSY's would-be request */
		vl = (t == KRPC_VALUE || t == KRPC_STORE) ? 100 : 0;
		mkmsg(&m, t, vl);
		n = krpc_encode(&m, buf, sizeof(buf));
		CHECK(n == (ssize_t)explen(t, vl), "%s encodes to %zu bytes",
		    krpc_typenames[t], explen(t, vl));
		CHECK(krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
		    why == KRPC_E_NONE && msgeq(&m, &d), "%s round trip",
		    krpc_typenames[t]);
		n2 = krpc_encode(&d, buf2, sizeof(buf2));
		CHECK(n2 == n && memcmp(buf, buf2, (size_t)n) == 0,
		    "%s re-encodes identically", krpc_typenames[t]);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* 28 mixed do not fit: 14 IPv4 and 14 IPv6 are 1246 */
		sz = sizes[i];
		mkmsg(&m, KRPC_NODES, sz);
		n = krpc_encode(&m, buf, sizeof(buf));
		if (explen(KRPC_NODES, sz) > KRPC_MAX_MSG) {
			CHECK(n == -1 && errno == EMSGSIZE, "NODES with %zu "
			    "mixed contacts (%zu bytes) does not fit: "
			    "EMSGSIZE", sz, explen(KRPC_NODES, sz));
			continue;
		}
		CHECK(n == (ssize_t)explen(KRPC_NODES, sz) &&
		    krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
		    msgeq(&m, &d), "NODES with %zu contacts round trip", sz);
	}

	/* the largest messages */
	fill(value, sizeof(value), 3);
	mkmsg(&m, KRPC_VALUE, KRPC_MAX_VALUE);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 1038 && krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
	    msgeq(&m, &d), "VALUE with a full 1 KiB chunk fits (1038)");
	mkmsg(&m, KRPC_STORE, KRPC_MAX_VALUE);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 1072 && krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
	    msgeq(&m, &d), "STORE with a full 1 KiB chunk fits (1072)");
	krpc_init(&m, KRPC_NODES, txid);
	for (i = 0; i < KRPC_MAX_CONTACTS; i++)
		mkcontact(&m.contacts[i], KRPC_AF_INET, (uint8_t)i);
	m.ncontacts = KRPC_MAX_CONTACTS;
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 14 + 28 * 38 && krpc_decode(buf, (size_t)n, &d,
	    &why) == 0 && msgeq(&m, &d), "28 IPv4 contacts fit (1078)");
	krpc_init(&m, KRPC_NODES, txid);
	for (i = 0; i < 21; i++)
		mkcontact(&m.contacts[i], KRPC_AF_INET6, (uint8_t)i);
	m.ncontacts = 21;
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 14 + 21 * 50 && krpc_decode(buf, (size_t)n, &d,
	    &why) == 0 && msgeq(&m, &d), "21 IPv6 contacts fit (1064)");
	krpc_init(&m, KRPC_NODES, txid);
	for (i = 0; i < 24; i++)
		mkcontact(&m.contacts[i], i < 12 ? KRPC_AF_INET6 :
		    KRPC_AF_INET, (uint8_t)i);
	m.ncontacts = 24;
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 14 + 12 * 38 + 12 * 50 && krpc_decode(buf, (size_t)n, &d,
	    &why) == 0 && d.ncontacts == 24 &&
	    d.contacts[0].addr.family == KRPC_AF_INET &&
	    d.contacts[0].addr.port == 1012 &&
	    d.contacts[12].addr.family == KRPC_AF_INET6 &&
	    d.contacts[12].addr.port == 1000,
	    "12 IPv6 then 12 IPv4 (1070 bytes): IPv4 records first, each "
	    "family in its order");

	/* what the sender's id was is no business of the encoder */
	mkmsg(&m, KRPC_PING, 0);
	memset(m.id, 0x77, sizeof(m.id));
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 12 && krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
	    ids_unset(&d), "the id field is never on the wire");
}

static void
test_reply_max(void)
{
	struct krpc_msg	 m;
	uint8_t		 buf[KRPC_MAX_MSG];
	size_t		 i;
	ssize_t		 n4, n6, nv;
	uint8_t		 t;
	int		 zero = 1;

	CHECK(krpc_reply_max(KRPC_PING) == 12 &&
	    krpc_reply_max(KRPC_HAVE) == 45 &&
	    krpc_reply_max(KRPC_STORE) == 13 &&
	    krpc_reply_max(KRPC_FIND_NODE) == KRPC_MAX_MSG &&
	    krpc_reply_max(KRPC_FIND_VALUE) == KRPC_MAX_MSG,
	    "reply room: PONG 12, HAVE_RES 45, STORE_RES 13, NODES/VALUE "
	    "a whole message");
	for (t = 0; t <= KRPC_TYPE_MAX + 1; t++)
		if (!KRPC_IS_REQUEST(t) && krpc_reply_max(t) != 0)
			zero = 0;
	CHECK(zero && krpc_reply_max(11) == 0 && krpc_reply_max(255) == 0,
	    "answers and unknown types draw nothing");
	/* the largest answer of each kind fits the room asked for it */
	krpc_init(&m, KRPC_NODES, txid);
	for (i = 0; i < KRPC_MAX_CONTACTS; i++)
		mkcontact(&m.contacts[i], KRPC_AF_INET, (uint8_t)i);
	m.ncontacts = KRPC_MAX_CONTACTS;
	n4 = krpc_encode(&m, buf, sizeof(buf));
	for (i = 0; i < 21; i++)
		mkcontact(&m.contacts[i], KRPC_AF_INET6, (uint8_t)i);
	m.ncontacts = 21;
	n6 = krpc_encode(&m, buf, sizeof(buf));
	mkmsg(&m, KRPC_VALUE, KRPC_MAX_VALUE);
	nv = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n4 > 0 && n6 > 0 && nv > 0 &&
	    (size_t)n4 <= krpc_reply_max(KRPC_FIND_NODE) &&
	    (size_t)n6 <= krpc_reply_max(KRPC_FIND_NODE) &&
	    (size_t)nv <= krpc_reply_max(KRPC_FIND_VALUE),
	    "the fullest NODES (%zd, %zd) and VALUE (%zd) fit", n4, n6, nv);
	mkmsg(&m, KRPC_STORE_RES, 0);
	n4 = krpc_encode(&m, buf, sizeof(buf));
	mkmsg(&m, KRPC_HAVE_RES, 0);
	n6 = krpc_encode(&m, buf, sizeof(buf));
	mkmsg(&m, KRPC_PONG, 0);
	nv = krpc_encode(&m, buf, sizeof(buf));
	CHECK((size_t)n4 == krpc_reply_max(KRPC_STORE) &&
	    (size_t)n6 == krpc_reply_max(KRPC_HAVE) &&
	    (size_t)nv == krpc_reply_max(KRPC_PING),
	    "STORE_RES, HAVE_RES and PONG are exactly their room");
}

static void
test_encode_errors(void)
{
	struct krpc_msg	 m;
	uint8_t		 buf[KRPC_MAX_MSG * 2];
	size_t		 i;

	krpc_init(&m, KRPC_NODES, txid);
	for (i = 0; i < 22; i++)
		mkcontact(&m.contacts[i], KRPC_AF_INET6, (uint8_t)i);
	m.ncontacts = 22;
	errno = 0;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EMSGSIZE,
	    "22 IPv6 contacts (1114 bytes) do not fit: EMSGSIZE, even in a "
	    "larger buffer");
	m.ncontacts = KRPC_MAX_CONTACTS + 1;
	errno = 0;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "more contacts than KRPC_MAX_CONTACTS: EINVAL");
	m.ncontacts = 1;
	m.contacts[0].addr.family = 5;
	errno = 0;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "bad contact family: EINVAL");
	mkmsg(&m, KRPC_PING, 0);
	m.type = 11;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "unknown type: EINVAL");
	m.type = 0;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "type 0: EINVAL");
	mkmsg(&m, KRPC_PING, 0);
	CHECK(krpc_encode(&m, buf, 11) == -1 && errno == EMSGSIZE,
	    "buffer one byte short of the header: EMSGSIZE");
	CHECK(krpc_encode(&m, buf, 12) == 12, "exact buffer is enough");
	mkmsg(&m, KRPC_FIND_NODE, 0);
	CHECK(krpc_encode(&m, buf, 44) == -1 && errno == EMSGSIZE &&
	    krpc_encode(&m, buf, 45) == 45, "FIND_NODE: 44 bytes short, 45 "
	    "enough");
	m.want = 4;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "unknown want bit: EINVAL");
	mkmsg(&m, KRPC_VALUE, 0);
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "empty value: EINVAL");
	mkmsg(&m, KRPC_VALUE, KRPC_MAX_VALUE + 1);
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "value over 1 KiB: EINVAL");
	mkmsg(&m, KRPC_VALUE, 10);
	m.value = NULL;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "value without bytes: EINVAL");
	mkmsg(&m, KRPC_STORE, 10);
	m.flags = 0x80;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "unknown STORE flag: EINVAL");
	mkmsg(&m, KRPC_STORE, 10);
	m.copies = 0;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "STORE copies 0: EINVAL");
	m.copies = KRPC_MAX_COPIES + 1;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "STORE copies 21: EINVAL");
	mkmsg(&m, KRPC_STORE, KRPC_MAX_VALUE);
	CHECK(krpc_encode(&m, buf, 1071) == -1 && errno == EMSGSIZE &&
	    krpc_encode(&m, buf, 1072) == 1072, "a full STORE: 1071 bytes "
	    "short, 1072 enough");
	mkmsg(&m, KRPC_STORE_RES, 0);
	m.status = KRPC_ST_MAX + 1;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "bad status: EINVAL");
	mkmsg(&m, KRPC_HAVE_RES, 0);
	m.have = 2;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "have = 2: EINVAL");
}

static uint64_t	counts[KRPC_E_MAX];

/* decode buf[0..len) and expect a failure for reason `want` */
static int
bad(const uint8_t *buf, size_t len, enum krpc_err want)
{
	struct krpc_msg	 d;
	enum krpc_err	 why;

	errno = 0;
	if (krpc_decode(buf, len, &d, &why) != -1 || errno != EBADMSG)
		return (0);
	if (why > KRPC_E_NONE && why < KRPC_E_MAX)
		counts[why]++;
	if (why != want) {
		printf("# got \"%s\", want \"%s\"\n", krpc_errnames[why],
		    krpc_errnames[want]);
		return (0);
	}
	return (1);
}

static void
test_truncations(void)
{
	struct krpc_msg	 m;
	enum krpc_err	 want;
	uint8_t		 buf[KRPC_MAX_MSG + 16], tmp[KRPC_MAX_MSG + 16];
	uint8_t		*p;
	ssize_t		 n;
	size_t		 cut, vl;
	uint8_t		 t;
	int		 allshort, along;

	/* every truncation of every type fails, and never reads past len */
	for (t = 1; t <= KRPC_TYPE_MAX; t++) {
		if (t == 11)
			continue;
		vl = (t == KRPC_VALUE || t == KRPC_STORE) ? 10 : 2;
		mkmsg(&m, t, vl);
		n = krpc_encode(&m, buf, sizeof(buf));
		allshort = 1;
		for (cut = 0; cut < (size_t)n; cut++) {
			/* a fresh copy of exactly `cut` bytes for ASan */
			p = tmp + sizeof(tmp) - cut;
			memcpy(p, buf, cut);
			want = cut < KRPC_HDR_LEN || t != KRPC_NODES ||
			    cut < KRPC_NODES_FIXED ? KRPC_E_SHORT :
			    KRPC_E_CONTACTLEN;
			if (!bad(p, cut, want)) {
				allshort = 0;
				printf("# %s cut at %zu\n", krpc_typenames[t],
				    cut);
			}
		}
		CHECK(allshort, "%s: every truncation is refused (short, or "
		    "for NODES records that do not match the counts)",
		    krpc_typenames[t]);
		buf[n] = 0;
		along = bad(buf, (size_t)n + 1, t == KRPC_NODES ?
		    KRPC_E_CONTACTLEN : KRPC_E_LONG);
		CHECK(along, "%s: one extra byte is refused",
		    krpc_typenames[t]);
	}
}

static void
test_malformed(void)
{
	struct krpc_msg	 m;
	enum krpc_err	 why;
	uint8_t		 buf[KRPC_MAX_MSG + 16];
	ssize_t		 n;
	size_t		 i;
	int		 allv;

	mkmsg(&m, KRPC_PING, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[0] = 'K';
	CHECK(bad(buf, (size_t)n, KRPC_E_MAGIC), "bad magic (first byte)");
	buf[0] = 'k';
	buf[1] = 'D';
	CHECK(bad(buf, (size_t)n, KRPC_E_MAGIC), "bad magic (second byte)");
	buf[1] = 'd';
	for (i = 0, allv = 1; i < 256; i++) {
		if (i == KRPC_VERSION)
			continue;
		buf[2] = (uint8_t)i;
		allv &= bad(buf, (size_t)n, KRPC_E_VERSION);
	}
	CHECK(allv, "every version but 3 refused (2 and 1, the older "
	    "ones', included)");
	buf[2] = KRPC_VERSION;
	buf[3] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_TYPE), "type 0 refused");
	buf[3] = 11;
	CHECK(bad(buf, (size_t)n, KRPC_E_TYPE), "type 11 refused");
	buf[3] = 255;
	CHECK(bad(buf, (size_t)n, KRPC_E_TYPE), "type 255 refused");
	/* a version 1 header: 44 bytes with the sender id */
	memset(buf, 0, sizeof(buf));
	buf[0] = 'k';
	buf[1] = 'd';
	buf[2] = 1;
	buf[3] = KRPC_PING;
	CHECK(bad(buf, 44, KRPC_E_VERSION), "a version 1 PING (44 bytes) "
	    "refused by its version");

	memset(buf, 0, sizeof(buf));
	CHECK(bad(buf, KRPC_MAX_MSG + 1, KRPC_E_OVERSIZE),
	    "1101 bytes refused as oversize");
	mkmsg(&m, KRPC_PING, 0);
	(void)krpc_encode(&m, buf, sizeof(buf));
	CHECK(bad(buf, KRPC_MAX_MSG + 1, KRPC_E_OVERSIZE), "oversize is "
	    "decided first, whatever the header says");
	CHECK(bad(buf, 0, KRPC_E_SHORT), "empty message");

	/* contact counts that disagree with the bytes */
	mkmsg(&m, KRPC_NODES, 4);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[12]++;
	CHECK(bad(buf, (size_t)n, KRPC_E_CONTACTLEN), "n4 one too many");
	buf[12] -= 2;
	CHECK(bad(buf, (size_t)n, KRPC_E_CONTACTLEN), "n4 one too few");
	buf[12]++;
	buf[13] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_CONTACTLEN), "n6 zeroed");
	buf[13] = 255;
	buf[12] = 255;
	CHECK(bad(buf, (size_t)n, KRPC_E_CONTACTLEN), "n4 = n6 = 255");
	/* 12 v6 + 12 v4 = 1070 bytes pass */
	memset(buf + 14, 0, 12 * 50 + 12 * 38);
	buf[12] = 12;
	buf[13] = 12;
	CHECK(krpc_decode(buf, 14 + 12 * 50 + 12 * 38, &m, &why) == 0 &&
	    m.ncontacts == 24, "12 IPv4 + 12 IPv6 records (1070 bytes) pass");
	/* 19 IPv6 records' bytes (964) counted as IPv4 ones: 25.4 of them */
	buf[12] = 19;
	buf[13] = 0;
	CHECK(bad(buf, 14 + 19 * 50, KRPC_E_CONTACTLEN),
	    "19 IPv4 counted over 19 IPv6 record lengths");
	/* 25 IPv4 records are 950 bytes: counted as 19 IPv6 they are 950 */
	buf[12] = 0;
	buf[13] = 19;
	CHECK(krpc_decode(buf, 14 + 25 * 38, &m, &why) == 0 &&
	    m.ncontacts == 19 && m.contacts[0].addr.family == KRPC_AF_INET6,
	    "the same 950 bytes as 19 IPv6 records decode (the counts "
	    "say which)");
	buf[12] = 29;
	buf[13] = 0;
	CHECK(bad(buf, 14 + 29 * 38, KRPC_E_OVERSIZE),
	    "29 IPv4 records do not fit a message: oversize");
	buf[12] = 0;
	buf[13] = 0;
	CHECK(krpc_decode(buf, 14, &m, &why) == 0 && m.ncontacts == 0,
	    "no contacts at all is a valid NODES");

	/* value lengths */
	mkmsg(&m, KRPC_VALUE, 10);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[12] = 0;
	buf[13] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_VALUELEN), "value length 0");
	buf[12] = 0x04;
	buf[13] = 0x01;
	CHECK(bad(buf, (size_t)n, KRPC_E_VALUELEN), "value length 1025");
	buf[12] = 0xff;
	buf[13] = 0xff;
	CHECK(bad(buf, (size_t)n, KRPC_E_VALUELEN), "value length 65535");
	buf[12] = 0;
	buf[13] = 11;
	CHECK(bad(buf, (size_t)n, KRPC_E_SHORT), "value length past end");
	buf[13] = 9;
	CHECK(bad(buf, (size_t)n, KRPC_E_LONG), "value shorter than the "
	    "message");
	mkmsg(&m, KRPC_STORE, 10);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[46] = 0x04;
	buf[47] = 0x01;
	CHECK(bad(buf, (size_t)n, KRPC_E_VALUELEN), "STORE value 1025");
	buf[46] = 0;
	buf[47] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_VALUELEN), "STORE value 0");
	buf[47] = 12;
	CHECK(bad(buf, (size_t)n, KRPC_E_SHORT), "STORE value past end");
	/* a version 2 STORE (no copies byte) under a version 3 header
	 * still fails: its length's high byte is read as copies 0 */
	buf[2] = 2;
	n = 12 + 32 + 1 + 2 + 10;
	memcpy(buf + 44, "\x01\x00\x0a", 3);
	CHECK(bad(buf, (size_t)n, KRPC_E_VERSION), "a version 2 STORE: bad "
	    "version");
	buf[2] = KRPC_VERSION;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "the version 2 layout under "
	    "a version 3 header: copies 0, bad field");

	/* field values */
	mkmsg(&m, KRPC_FIND_NODE, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[44] = 4;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "unknown want bit");
	buf[44] = 0;
	CHECK(krpc_decode(buf, (size_t)n, &m, &why) == 0 && m.want == 0,
	    "want 0 (the asker's own family) is valid");
	mkmsg(&m, KRPC_FIND_VALUE, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[44] = 0x80;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "FIND_VALUE: want 0x80");
	mkmsg(&m, KRPC_HAVE_RES, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[12] = 2;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "have = 2");
	buf[12] = 1;
	CHECK(bad(buf, 13, KRPC_E_SHORT), "\"have\" without its proof");
	buf[12] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_LONG), "\"have not\" with a proof "
	    "after it");
	mkmsg(&m, KRPC_HAVE, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 60 && bad(buf, 44, KRPC_E_SHORT), "a version 3 HAVE (no "
	    "nonce) under a version 4 header: short");
	mkmsg(&m, KRPC_STORE, 1);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[44] = 0x02;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "unknown STORE flag");
	buf[44] = 0;
	CHECK(krpc_decode(buf, (size_t)n, &m, &why) == 0 && m.flags == 0,
	    "a STORE to keep (flags 0) is valid");
	for (i = 0, allv = 1; i < 256; i++) {
		buf[45] = (uint8_t)i;
		allv &= (i >= 1 && i <= KRPC_MAX_COPIES) ?
		    krpc_decode(buf, (size_t)n, &m, &why) == 0 &&
		    m.copies == i : bad(buf, (size_t)n, KRPC_E_FIELD);
	}
	CHECK(allv, "STORE copies 1..20 valid, 0 and 21..255 bad field");
	mkmsg(&m, KRPC_STORE_RES, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[12] = KRPC_ST_MAX + 1;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "unknown status");
	for (i = 0, allv = 1; i <= KRPC_ST_MAX; i++) {
		buf[12] = (uint8_t)i;
		allv &= krpc_decode(buf, (size_t)n, &m, &why) == 0 &&
		    m.status == i;
	}
	CHECK(allv, "statuses 0 to 4 (OK, HAVE, UNPROVED, BADVALUE, BUSY) "
	    "decode");
}

static void
test_reasons(void)
{
	size_t	i;
	int	all = 1;

	for (i = KRPC_E_NONE + 1; i < KRPC_E_MAX; i++) {
		if (counts[i] == 0) {
			printf("# reason \"%s\" never seen\n",
			    krpc_errnames[i]);
			all = 0;
		}
	}
	CHECK(all, "every refusal reason was met and counted");
	for (i = 0, all = 1; i < KRPC_E_MAX; i++)
		if (krpc_errnames[i] == NULL)
			all = 0;
	for (i = 0; i <= KRPC_TYPE_MAX; i++)
		if (krpc_typenames[i] == NULL)
			all = 0;
	CHECK(all, "every reason and type has a name");
}

/*
 * krpc_addr_scope at both edges of every range it knows; a v4-mapped
 * address counts as its IPv4 one.
 */
static void
test_scope(void)
{
	static const struct {
		const char	*ip;
		int		 scope;
	} t[] = {
		{ "0.255.255.255", KRPC_SCOPE_MARTIAN },
		{ "1.0.0.0", KRPC_SCOPE_GLOBAL },
		{ "9.255.255.255", KRPC_SCOPE_GLOBAL },
		{ "10.0.0.0", KRPC_SCOPE_PRIVATE },
		{ "10.255.255.255", KRPC_SCOPE_PRIVATE },
		{ "11.0.0.0", KRPC_SCOPE_GLOBAL },
		{ "100.63.255.255", KRPC_SCOPE_GLOBAL },
		{ "100.64.0.0", KRPC_SCOPE_PRIVATE },
		{ "100.127.255.255", KRPC_SCOPE_PRIVATE },
		{ "100.128.0.0", KRPC_SCOPE_GLOBAL },
		{ "126.255.255.255", KRPC_SCOPE_GLOBAL },
		{ "127.0.0.0", KRPC_SCOPE_LOOPBACK },
		{ "127.255.255.255", KRPC_SCOPE_LOOPBACK },
		{ "128.0.0.0", KRPC_SCOPE_GLOBAL },
		{ "169.253.255.255", KRPC_SCOPE_GLOBAL },
		{ "169.254.0.0", KRPC_SCOPE_PRIVATE },
		{ "169.254.255.255", KRPC_SCOPE_PRIVATE },
		{ "169.255.0.0", KRPC_SCOPE_GLOBAL },
		{ "172.15.255.255", KRPC_SCOPE_GLOBAL },
		{ "172.16.0.0", KRPC_SCOPE_PRIVATE },
		{ "172.31.255.255", KRPC_SCOPE_PRIVATE },
		{ "172.32.0.0", KRPC_SCOPE_GLOBAL },
		{ "192.0.0.0", KRPC_SCOPE_PRIVATE },
		{ "192.0.1.0", KRPC_SCOPE_GLOBAL },
		{ "192.0.2.255", KRPC_SCOPE_PRIVATE },
		{ "192.0.3.0", KRPC_SCOPE_GLOBAL },
		{ "192.167.255.255", KRPC_SCOPE_GLOBAL },
		{ "192.168.0.0", KRPC_SCOPE_PRIVATE },
		{ "192.168.255.255", KRPC_SCOPE_PRIVATE },
		{ "192.169.0.0", KRPC_SCOPE_GLOBAL },
		{ "198.17.255.255", KRPC_SCOPE_GLOBAL },
		{ "198.18.0.0", KRPC_SCOPE_PRIVATE },
		{ "198.19.255.255", KRPC_SCOPE_PRIVATE },
		{ "198.20.0.0", KRPC_SCOPE_GLOBAL },
		{ "198.51.99.255", KRPC_SCOPE_GLOBAL },
		{ "198.51.100.0", KRPC_SCOPE_PRIVATE },
		{ "198.51.101.0", KRPC_SCOPE_GLOBAL },
		{ "203.0.112.255", KRPC_SCOPE_GLOBAL },
		{ "203.0.113.0", KRPC_SCOPE_PRIVATE },
		{ "203.0.113.255", KRPC_SCOPE_PRIVATE },
		{ "203.0.114.0", KRPC_SCOPE_GLOBAL },
		{ "223.255.255.255", KRPC_SCOPE_GLOBAL },
		{ "224.0.0.0", KRPC_SCOPE_MARTIAN },
		{ "239.255.255.255", KRPC_SCOPE_MARTIAN },
		{ "240.0.0.0", KRPC_SCOPE_MARTIAN },
		{ "255.255.255.255", KRPC_SCOPE_MARTIAN },
		{ "::", KRPC_SCOPE_MARTIAN },
		{ "::1", KRPC_SCOPE_LOOPBACK },
		{ "::2", KRPC_SCOPE_GLOBAL },
		{ "::ffff:10.0.0.1", KRPC_SCOPE_PRIVATE },
		{ "::ffff:8.8.8.8", KRPC_SCOPE_GLOBAL },
		{ "::ffff:127.0.0.1", KRPC_SCOPE_LOOPBACK },
		{ "::ffff:0.0.0.1", KRPC_SCOPE_MARTIAN },
		{ "::ffff:224.0.0.1", KRPC_SCOPE_MARTIAN },
		{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", KRPC_SCOPE_GLOBAL },
		{ "2001:db8::", KRPC_SCOPE_PRIVATE },
		{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", KRPC_SCOPE_PRIVATE },
		{ "2001:db9::", KRPC_SCOPE_GLOBAL },
		{ "2606:4700::1111", KRPC_SCOPE_GLOBAL },
		{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", KRPC_SCOPE_GLOBAL },
		{ "fc00::", KRPC_SCOPE_PRIVATE },
		{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", KRPC_SCOPE_PRIVATE },
		{ "fe00::", KRPC_SCOPE_GLOBAL },
		{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", KRPC_SCOPE_GLOBAL },
		{ "fe80::", KRPC_SCOPE_PRIVATE },
		{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", KRPC_SCOPE_PRIVATE },
		{ "fec0::", KRPC_SCOPE_PRIVATE },
		{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", KRPC_SCOPE_PRIVATE },
		{ "ff00::", KRPC_SCOPE_MARTIAN },
		{ "ff02::1", KRPC_SCOPE_MARTIAN },
	};
	struct krpc_addr	a;
	size_t			i;
	int			got;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.port = 1;
		if (inet_pton(AF_INET, t[i].ip, a.ip) == 1)
			a.family = KRPC_AF_INET;
		else if (inet_pton(AF_INET6, t[i].ip, a.ip) == 1)
			a.family = KRPC_AF_INET6;
		got = krpc_addr_scope(&a);
		CHECK(got == t[i].scope, "scope of %s: %d, want %d", t[i].ip,
		    got, t[i].scope);
	}
	a.family = 0;
	CHECK(krpc_addr_scope(&a) == KRPC_SCOPE_MARTIAN,
	    "scope of an unknown family: martian");
}

int
main(void)
{
	fill(value, sizeof(value), 0x22);
	test_constants();
	test_vectors();
	test_roundtrip();
	test_reply_max();
	test_encode_errors();
	test_truncations();
	test_malformed();
	test_reasons();
	test_scope();
	return (test_done());
}
