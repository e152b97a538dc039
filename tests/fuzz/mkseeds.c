/* SPDX-License-Identifier: ISC */
/*
 * Seed inputs for fuzz_krpc and fuzz_dht, made with krpc's own encoder
 * so that they follow protocol version 2 whatever the layout becomes:
 *
 *	mkseeds krpc DIR	one file per inner message, each type
 *	mkseeds dht DIR		record sequences in fuzz_dht's format
 *
 * `make fuzz-seeds` merges them into tests/fuzz/corpus (libFuzzer
 * keeps only those that add coverage, named by their SHA-1).
 */
#include <bsd/sys/endian.h>
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadnet/krpc.h"

/* fuzz_dht's record kinds and selectors (see its record()) */
#define R_MSG		0
#define R_ANSWER	3
#define R_PEER_UP	4
#define R_TIME		5
#define R_API		6
#define R_POLICY	7
#define R_VALID		0x08
#define KEY_OWN		6
#define KEY_ANY		7
#define ADDR_V6		4
#define ADDR_DOC4	5
#define ADDR_DOC6	6
#define ADDR_MCAST	7
#define ADDR_PORT0	8
#define ADDR_BADLEN	9
#define ADDR_UNIX	10
#define ADDR_ANY4	11
#define ADDR_ANY6	12
#define ADDR_OWN	13
#define API_LOOKUP	0
#define API_GET		1
#define API_PUT		2
#define API_PING	3

static const char	*dir;
static int		 nfiles;
static uint8_t		 out[16384];
static size_t		 olen;
static uint8_t		 value[KRPC_MAX_VALUE];

static void
put(const void *p, size_t n)
{
	if (olen + n > sizeof(out))
		errx(1, "seed too long");
	memcpy(out + olen, p, n);
	olen += n;
}

static void
put8(uint8_t v)
{
	put(&v, 1);
}

static void
put16(uint16_t v)
{
	uint8_t	b[2];

	be16enc(b, v);
	put(b, 2);
}

static void
flush(const char *name)
{
	char	 path[1024];
	FILE	*f;
	int	 n;

	n = snprintf(path, sizeof(path), "%s/%02d-%s", dir, nfiles++, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		errx(1, "path too long");
	if ((f = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	if (fwrite(out, 1, olen, f) != olen || fclose(f) != 0)
		err(1, "%s", path);
	olen = 0;
}

static size_t
enc(const struct krpc_msg *m, uint8_t *buf)
{
	ssize_t	n;

	if ((n = krpc_encode(m, buf, KRPC_MAX_MSG)) == -1)
		err(1, "krpc_encode type %u", m->type);
	return ((size_t)n);
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

/* A value whose key fuzz_dht's value check accepts: the same 8 bytes. */
static void
mkvalue(uint8_t key[KAD_ID_LEN], size_t len, uint8_t seed)
{
	fill(value, len, seed);
	fill(key, KAD_ID_LEN, seed + 1);
	memcpy(key, value, 8);
}

static void
mkmsg(struct krpc_msg *m, uint8_t type, uint8_t seed)
{
	uint8_t	txid[KRPC_TXID_LEN];

	fill(txid, sizeof(txid), seed);
	txid[KRPC_TXID_LEN - 1] = 0;
	krpc_init(m, type, txid);
	fill(m->target, KAD_ID_LEN, seed + 3);
}

static void
mkcontacts(struct krpc_msg *m, size_t n4, size_t n6, uint8_t seed)
{
	struct krpc_contact	*c;
	size_t			 i;

	for (i = 0; i < n4 + n6; i++) {
		c = &m->contacts[m->ncontacts++];
		memset(c, 0, sizeof(*c));
		fill(c->pub, KRPC_KEY_LEN, seed + i * 31);
		if (i < n4) {
			c->addr.family = KRPC_AF_INET;
			be32enc(c->addr.ip, 0xc0000200 + (uint32_t)i + 10);
		} else {
			c->addr.family = KRPC_AF_INET6;
			c->addr.ip[0] = 0x20;
			c->addr.ip[1] = 0x01;
			c->addr.ip[2] = 0x0d;
			c->addr.ip[3] = 0xb8;
			c->addr.ip[15] = (uint8_t)(i + 10);
		}
		c->addr.port = (uint16_t)(7000 + i);
	}
}

/* ---- fuzz_krpc: one message a file ---- */

static void
krpc_one(const struct krpc_msg *m, const char *name)
{
	uint8_t	buf[KRPC_MAX_MSG];

	put(buf, enc(m, buf));
	flush(name);
}

static void
seeds_krpc(void)
{
	struct krpc_msg	 m;
	uint8_t		 buf[KRPC_MAX_MSG + 1];
	size_t		 n;

	mkmsg(&m, KRPC_PING, 1);
	krpc_one(&m, "ping");
	mkmsg(&m, KRPC_PONG, 2);
	krpc_one(&m, "pong");
	mkmsg(&m, KRPC_FIND_NODE, 3);
	m.want = KRPC_WANT4 | KRPC_WANT6;
	krpc_one(&m, "find_node");
	mkmsg(&m, KRPC_FIND_VALUE, 4);
	m.want = 0;
	krpc_one(&m, "find_value");
	mkmsg(&m, KRPC_NODES, 5);
	krpc_one(&m, "nodes_empty");
	mkcontacts(&m, 3, 2, 5);
	krpc_one(&m, "nodes_mixed");
	mkmsg(&m, KRPC_NODES, 6);
	mkcontacts(&m, KRPC_MAX_CONTACTS, 0, 6);
	krpc_one(&m, "nodes_full4");
	mkmsg(&m, KRPC_NODES, 7);
	mkcontacts(&m, 0, 21, 7);
	krpc_one(&m, "nodes_full6");
	mkmsg(&m, KRPC_VALUE, 8);
	fill(value, sizeof(value), 8);
	m.value = value;
	m.vlen = 1;
	krpc_one(&m, "value_1");
	m.vlen = KRPC_MAX_VALUE;
	krpc_one(&m, "value_max");
	mkmsg(&m, KRPC_HAVE, 9);
	krpc_one(&m, "have");
	mkmsg(&m, KRPC_HAVE_RES, 10);
	m.have = 1;
	krpc_one(&m, "have_res");
	mkmsg(&m, KRPC_STORE, 11);
	m.flags = KRPC_STORE_FORWARD;
	m.copies = 8;
	m.value = value;
	m.vlen = 100;
	krpc_one(&m, "store_forward");
	m.flags = 0;
	m.copies = KRPC_MAX_COPIES;
	m.vlen = KRPC_MAX_VALUE;
	krpc_one(&m, "store_max");
	m.copies = 2;
	m.vlen = 10;
	krpc_one(&m, "store_copies2");
	mkmsg(&m, KRPC_STORE_RES, 12);
	m.status = KRPC_ST_UNPROVED;
	krpc_one(&m, "store_res");

	/* near misses: one past the size limit, a version 1 header */
	mkmsg(&m, KRPC_NODES, 13);
	mkcontacts(&m, KRPC_MAX_CONTACTS, 0, 13);
	n = enc(&m, buf);
	memset(buf + n, 0, sizeof(buf) - n);
	put(buf, KRPC_MAX_MSG + 1);
	flush("oversize");
	mkmsg(&m, KRPC_PING, 14);
	n = enc(&m, buf);
	buf[2] = 1;
	put(buf, n);
	flush("version1");
}

/* ---- fuzz_dht: record sequences ---- */

static void
r_msg(uint8_t op, uint8_t keysel, uint8_t addrsel, const struct krpc_msg *m)
{
	uint8_t	buf[KRPC_MAX_MSG];
	size_t	n = enc(m, buf);

	put8(R_MSG | op);
	put8(keysel);
	put8(addrsel);
	put16((uint16_t)n);
	put(buf, n);
}

/* From any key (KEY_ANY), at an address given when addrsel says so. */
static void
r_msg_any(uint8_t op, uint8_t addrsel, const uint8_t key[KRPC_KEY_LEN],
    const uint8_t *addr, size_t alen, const struct krpc_msg *m)
{
	uint8_t	buf[KRPC_MAX_MSG];
	size_t	n = enc(m, buf);

	put8(R_MSG | op);
	put8(KEY_ANY);
	put8(addrsel);
	put16((uint16_t)n);
	put(key, KRPC_KEY_LEN);
	if (alen > 0)
		put(addr, alen);
	put(buf, n);
}

static void
r_answer(uint8_t op, uint8_t idx, const struct krpc_msg *m)
{
	uint8_t	buf[KRPC_MAX_MSG];
	size_t	n = enc(m, buf);

	put8(R_ANSWER | op);
	put8(idx);
	put16((uint16_t)n);
	put(buf, n);
}

static void
r_peer_up(uint8_t keysel, uint8_t addrsel)
{
	put8(R_PEER_UP);
	put8(keysel);
	put8(addrsel);
}

static void
r_time(uint8_t steps)
{
	put8(R_TIME);
	put8(steps);
}

static void
r_api(uint8_t sub, const uint8_t key[KAD_ID_LEN])
{
	put8(R_API);
	put8(sub);
	if (key != NULL)
		put(key, KAD_ID_LEN);
}

static void
r_policy(uint8_t p)
{
	put8(R_POLICY);
	put8(p);
}

/* All fixed peers shake hands at their addresses. */
static void
peers_up(void)
{
	uint8_t	i;

	for (i = 0; i < 6; i++)
		r_peer_up(i, ADDR_OWN);
}

static void
seeds_dht(void)
{
	struct krpc_msg	 m;
	uint8_t		 key[KAD_ID_LEN], any[KRPC_KEY_LEN];
	uint8_t		 i;

	/* requests of each type, over proved keys and inside an INIT */
	for (i = 0; i < 2; i++) {
		mkmsg(&m, KRPC_PING, 1);
		r_msg(i ? R_VALID : 0, 0, ADDR_OWN, &m);
		mkmsg(&m, KRPC_FIND_NODE, 2);
		m.want = KRPC_WANT4 | KRPC_WANT6;
		r_msg(i ? R_VALID : 0, 1, ADDR_OWN, &m);
		mkmsg(&m, KRPC_HAVE, 3);
		r_msg(i ? R_VALID : 0, 2, ADDR_V6, &m);
		mkvalue(key, 200, 4);
		mkmsg(&m, KRPC_STORE, 4);
		memcpy(m.target, key, KAD_ID_LEN);
		m.copies = 8;
		m.value = value;
		m.vlen = 200;
		r_msg(i ? R_VALID : 0, 3, ADDR_DOC4, &m);
		mkmsg(&m, KRPC_FIND_VALUE, 5);
		memcpy(m.target, key, KAD_ID_LEN);
		r_msg(i ? R_VALID : 0, 4, ADDR_DOC6, &m);
		flush(i ? "requests_valid" : "requests_init");
	}

	/* a table, then what it answers and stores */
	peers_up();
	mkmsg(&m, KRPC_FIND_NODE, 6);
	r_msg(R_VALID, 0, ADDR_OWN, &m);
	mkvalue(key, 64, 7);
	mkmsg(&m, KRPC_STORE, 7);
	memcpy(m.target, key, KAD_ID_LEN);
	m.copies = 2;
	m.value = value;
	m.vlen = 64;
	r_msg(R_VALID, 1, ADDR_OWN, &m);
	m.flags = KRPC_STORE_FORWARD;
	r_msg(R_VALID, 2, ADDR_OWN, &m);
	mkmsg(&m, KRPC_FIND_VALUE, 8);
	memcpy(m.target, key, KAD_ID_LEN);
	r_msg(R_VALID, 3, ADDR_OWN, &m);
	mkmsg(&m, KRPC_HAVE, 9);
	memcpy(m.target, key, KAD_ID_LEN);
	r_msg(R_VALID, 4, ADDR_OWN, &m);
	r_msg(0, 5, ADDR_OWN, &m);
	flush("table_serve");

	/* a lookup answered with contacts of both families, then timeouts */
	peers_up();
	fill(key, sizeof(key), 10);
	r_api(API_LOOKUP, key);
	for (i = 0; i < 4; i++) {
		mkmsg(&m, KRPC_NODES, 10 + i);
		mkcontacts(&m, 2, 1, 10 + i * 3);
		r_answer(R_VALID, i, &m);
	}
	mkmsg(&m, KRPC_NODES, 20);
	r_answer(0, 0, &m);		/* inside an INIT: dropped */
	mkmsg(&m, KRPC_PONG, 21);
	r_answer(R_VALID, 0, &m);	/* wrong type: a strike */
	for (i = 0; i < 6; i++)
		r_time(1);
	flush("lookup");

	/* a get answered with the value, a wrong one, and nothing */
	peers_up();
	mkvalue(key, 300, 30);
	r_api(API_GET, key);
	mkmsg(&m, KRPC_VALUE, 31);
	m.value = value;
	m.vlen = 300;
	value[0] ^= 1;
	r_answer(R_VALID, 1, &m);
	value[0] ^= 1;
	r_answer(R_VALID, 0, &m);
	flush("get");

	/* a put, its STORE_RES answers, replication and migration later */
	peers_up();
	memset(key, 0x21, sizeof(key));
	r_api(API_PUT | (0x21 << 2), key);
	/* a push asks HAVE first, then STOREs where it is missing */
	for (i = 0; i < 4; i++) {
		mkmsg(&m, KRPC_HAVE_RES, 40 + i);
		m.have = i == 3;
		r_answer(R_VALID, 0, &m);
		mkmsg(&m, KRPC_STORE_RES, 40 + i);
		m.status = i;
		r_answer(R_VALID, 0, &m);
	}
	r_policy(3);
	r_time(200);
	r_policy(0);
	r_time(255);
	r_time(255);
	flush("put_migrate");

	/* a bootstrap ping answered from an unknown key, then a refresh */
	r_api(API_PING | (0 << 2), NULL);
	mkmsg(&m, KRPC_PONG, 50);
	r_answer(R_VALID, 0, &m);
	r_time(120);
	mkmsg(&m, KRPC_NODES, 51);
	mkcontacts(&m, 3, 3, 51);
	r_answer(R_VALID, 0, &m);
	flush("bootstrap");

	/* floods and strikes from one source, bans */
	mkmsg(&m, KRPC_PING, 60);
	for (i = 0; i < 30; i++)
		r_msg(R_VALID, 0, 0, &m);
	mkmsg(&m, KRPC_HAVE_RES, 61);
	for (i = 0; i < 6; i++)
		r_msg(R_VALID, 0, 0, &m);
	flush("flood");

	/* odd sources and keys: arbitrary, martian, malformed, our own */
	mkmsg(&m, KRPC_PING, 70);
	fill(any, sizeof(any), 70);
	r_msg_any(R_VALID, ADDR_ANY6, any, any, 18, &m);
	be32enc(any, 0x0a000001);
	r_msg_any(R_VALID, ADDR_ANY4, any, any, 6, &m);
	memset(any, 0, sizeof(any));
	r_msg_any(R_VALID, 0, any, NULL, 0, &m);
	r_msg(R_VALID, KEY_OWN, 0, &m);
	r_msg(R_VALID, 0, ADDR_MCAST, &m);
	r_msg(R_VALID, 0, ADDR_PORT0, &m);
	r_msg(R_VALID, 0, ADDR_BADLEN, &m);
	r_msg(R_VALID, 0, ADDR_UNIX, &m);
	flush("sources");
}

int
main(int argc, char *argv[])
{
	if (argc != 3)
		errx(1, "usage: mkseeds krpc|dht dir");
	dir = argv[2];
	if (strcmp(argv[1], "krpc") == 0)
		seeds_krpc();
	else if (strcmp(argv[1], "dht") == 0)
		seeds_dht();
	else
		errx(1, "unknown harness %s", argv[1]);
	return (0);
}
