/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadnet/krpc.c: byte layout, round trips of every
 * message type, and every way a datagram can be malformed.
 */
#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadnet/krpc.h"
#include "tests/test.h"

static uint8_t	txid[KRPC_TXID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static uint8_t	myid[KAD_ID_LEN];
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
	fill(c->id, KAD_ID_LEN, seed);
	c->addr.family = family;
	fill(c->addr.ip, family == KRPC_AF_INET ? 4 : 16, seed + 100);
	c->addr.port = (uint16_t)(1000 + seed);
}

/* A valid message of each type, sized by `n` where that means anything. */
static void
mkmsg(struct krpc_msg *m, uint8_t type, size_t n)
{
	size_t	i;

	krpc_init(m, type, txid, myid);
	fill(m->target, KAD_ID_LEN, 0x40);
	fill(m->token, KRPC_TOKEN_LEN, 0x90);
	switch (type) {
	case KRPC_FIND_NODE:
	case KRPC_FIND_VALUE:
		m->want = KRPC_WANT4 | KRPC_WANT6;
		break;
	case KRPC_NODES:
		/* mixed families, IPv4 first as the decoder returns them */
		for (i = 0; i < n; i++)
			mkcontact(&m->contacts[i], i < n / 2 ? KRPC_AF_INET :
			    KRPC_AF_INET6, (uint8_t)i);
		m->ncontacts = (uint8_t)n;
		break;
	case KRPC_VALUE:
	case KRPC_STORE:
		m->value = value;
		m->vlen = (uint16_t)n;
		m->flags = KRPC_STORE_FORWARD;
		m->hops = 3;
		if (type == KRPC_VALUE) {
			m->flags = 0;
			m->hops = 0;
		}
		break;
	case KRPC_HAVE_RES:
		m->have = 1;
		break;
	case KRPC_STORE_RES:
		m->status = KRPC_ST_BUSY;
		break;
	}
	if (type == KRPC_PING || type == KRPC_PONG || type == KRPC_HAVE ||
	    type == KRPC_STORE_RES || type == KRPC_FIND_NODE ||
	    type == KRPC_FIND_VALUE)
		memset(m->token, 0, sizeof(m->token));
	if (type != KRPC_FIND_NODE && type != KRPC_FIND_VALUE &&
	    type != KRPC_HAVE && type != KRPC_STORE)
		memset(m->target, 0, sizeof(m->target));
}

static int
msgeq(const struct krpc_msg *a, const struct krpc_msg *b)
{
	if (a->type != b->type || memcmp(a->txid, b->txid, KRPC_TXID_LEN) ||
	    memcmp(a->id, b->id, KAD_ID_LEN) ||
	    memcmp(a->target, b->target, KAD_ID_LEN) ||
	    memcmp(a->token, b->token, KRPC_TOKEN_LEN) ||
	    a->want != b->want || a->have != b->have ||
	    a->status != b->status || a->flags != b->flags ||
	    a->hops != b->hops || a->ncontacts != b->ncontacts ||
	    a->vlen != b->vlen)
		return (0);
	if (memcmp(a->contacts, b->contacts,
	    a->ncontacts * sizeof(a->contacts[0])) != 0)
		return (0);
	if (a->vlen != 0 && memcmp(a->value, b->value, a->vlen) != 0)
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
		return (44);
	case KRPC_FIND_NODE:
	case KRPC_FIND_VALUE:
		return (77);
	case KRPC_NODES:
		return (54 + (n / 2) * 38 + (n - n / 2) * 50);
	case KRPC_VALUE:
		return (54 + n);
	case KRPC_HAVE:
		return (76);
	case KRPC_HAVE_RES:
		return (53);
	case KRPC_STORE:
		return (88 + n);
	case KRPC_STORE_RES:
		return (45);
	}
	return (0);
}

static void
test_layout(void)
{
	struct krpc_msg	 m;
	uint8_t		 buf[KRPC_MAX_DGRAM];
	ssize_t		 n;
	struct krpc_contact *c;

	/* header bytes as documented */
	mkmsg(&m, KRPC_PING, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 44, "PING is 44 bytes");
	CHECK(buf[0] == 'k' && buf[1] == 'd' && buf[2] == 1 && buf[3] == 1,
	    "magic 'kd', version 1, type 1");
	CHECK(memcmp(buf + 4, txid, 8) == 0, "txid at offset 4");
	CHECK(memcmp(buf + 12, myid, 32) == 0, "sender id at offset 12");

	/* one IPv4 and one IPv6 record, big-endian ports */
	mkmsg(&m, KRPC_NODES, 2);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 54 + 38 + 50, "NODES with one record per family: %zd", n);
	CHECK(memcmp(buf + 44, m.token, 8) == 0, "token at 44");
	CHECK(buf[52] == 1 && buf[53] == 1, "counts n4=1 n6=1");
	c = &m.contacts[0];
	CHECK(memcmp(buf + 54, c->id, 32) == 0 &&
	    memcmp(buf + 86, c->addr.ip, 4) == 0 &&
	    be16dec(buf + 90) == c->addr.port,
	    "IPv4 record: id, 4-byte address, port big-endian");
	c = &m.contacts[1];
	CHECK(memcmp(buf + 92, c->id, 32) == 0 &&
	    memcmp(buf + 124, c->addr.ip, 16) == 0 &&
	    be16dec(buf + 140) == c->addr.port, "IPv6 record follows");

	mkmsg(&m, KRPC_STORE, 5);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 93 && memcmp(buf + 44, m.token, 8) == 0 &&
	    memcmp(buf + 52, m.target, 32) == 0 && buf[84] == 1 &&
	    buf[85] == 3 && buf[86] == 0 && buf[87] == 5 &&
	    memcmp(buf + 88, value, 5) == 0, "STORE layout");
}

static void
test_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 2, 5, 20, 23, 26 };
	struct krpc_msg	 m, d;
	uint8_t		 buf[KRPC_MAX_DGRAM], buf2[KRPC_MAX_DGRAM];
	enum krpc_err	 why;
	ssize_t		 n, n2;
	uint8_t		 t;
	size_t		 i, vl;

	for (t = 1; t <= KRPC_TYPE_MAX; t++) {
		vl = (t == KRPC_VALUE || t == KRPC_STORE) ? 100 : 0;
		mkmsg(&m, t, vl);
		n = krpc_encode(&m, buf, sizeof(buf));
		CHECK(n == (ssize_t)explen(t, vl), "%s encodes to %zu bytes",
		    krpc_typenames[t], explen(t, vl));
		CHECK(krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
		    msgeq(&m, &d), "%s round trip", krpc_typenames[t]);
		n2 = krpc_encode(&d, buf2, sizeof(buf2));
		CHECK(n2 == n && memcmp(buf, buf2, (size_t)n) == 0,
		    "%s re-encodes identically", krpc_typenames[t]);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		mkmsg(&m, KRPC_NODES, sizes[i]);
		n = krpc_encode(&m, buf, sizeof(buf));
		CHECK(n == (ssize_t)explen(KRPC_NODES, sizes[i]) &&
		    krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
		    msgeq(&m, &d), "NODES with %zu contacts round trip",
		    sizes[i]);
	}
	/* the largest messages */
	fill(value, sizeof(value), 3);
	mkmsg(&m, KRPC_VALUE, KRPC_MAX_VALUE);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 1078 && krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
	    msgeq(&m, &d), "VALUE with a full 1 KiB chunk fits (1078)");
	mkmsg(&m, KRPC_STORE, KRPC_MAX_VALUE);
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 1112 && krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
	    msgeq(&m, &d), "STORE with a full 1 KiB chunk fits (1112)");
	krpc_init(&m, KRPC_NODES, txid, myid);
	for (i = 0; i < KRPC_MAX_CONTACTS; i++)
		mkcontact(&m.contacts[i], KRPC_AF_INET, (uint8_t)i);
	m.ncontacts = KRPC_MAX_CONTACTS;
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == KRPC_MAX_DGRAM && krpc_decode(buf, (size_t)n, &d,
	    &why) == 0 && msgeq(&m, &d), "31 IPv4 contacts fill 1232 bytes");
	krpc_init(&m, KRPC_NODES, txid, myid);
	for (i = 0; i < 23; i++)
		mkcontact(&m.contacts[i], KRPC_AF_INET6, (uint8_t)i);
	m.ncontacts = 23;
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n == 54 + 23 * 50 && krpc_decode(buf, (size_t)n, &d,
	    &why) == 0 && msgeq(&m, &d), "23 IPv6 contacts fit");

	/* decoder reorders families: IPv4 first */
	krpc_init(&m, KRPC_NODES, txid, myid);
	mkcontact(&m.contacts[0], KRPC_AF_INET6, 1);
	mkcontact(&m.contacts[1], KRPC_AF_INET, 2);
	m.ncontacts = 2;
	n = krpc_encode(&m, buf, sizeof(buf));
	CHECK(n > 0 && krpc_decode(buf, (size_t)n, &d, &why) == 0 &&
	    d.contacts[0].addr.family == KRPC_AF_INET &&
	    d.contacts[0].addr.port == 1002 &&
	    d.contacts[1].addr.family == KRPC_AF_INET6, "IPv4 records first");
}

static void
test_encode_errors(void)
{
	struct krpc_msg	 m;
	uint8_t		 buf[KRPC_MAX_DGRAM * 2];
	size_t		 i;

	krpc_init(&m, KRPC_NODES, txid, myid);
	for (i = 0; i < 24; i++)
		mkcontact(&m.contacts[i], KRPC_AF_INET6, (uint8_t)i);
	m.ncontacts = 24;
	errno = 0;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EMSGSIZE,
	    "24 IPv6 contacts do not fit: EMSGSIZE");
	m.ncontacts = 1;
	m.contacts[0].addr.family = 5;
	errno = 0;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "bad contact family: EINVAL");
	mkmsg(&m, KRPC_PING, 0);
	m.type = 11;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "unknown type: EINVAL");
	mkmsg(&m, KRPC_PING, 0);
	CHECK(krpc_encode(&m, buf, 43) == -1 && errno == EMSGSIZE,
	    "buffer one byte short: EMSGSIZE");
	CHECK(krpc_encode(&m, buf, 44) == 44, "exact buffer is enough");
	mkmsg(&m, KRPC_VALUE, 0);
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "empty value: EINVAL");
	mkmsg(&m, KRPC_STORE, 10);
	m.flags = 0x80;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "unknown STORE flag: EINVAL");
	mkmsg(&m, KRPC_STORE_RES, 0);
	m.status = KRPC_ST_MAX + 1;
	CHECK(krpc_encode(&m, buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "bad status: EINVAL");
}

/* decode buf[0..len) and expect a failure for reason `want` */
static int
bad(const uint8_t *buf, size_t len, enum krpc_err want)
{
	struct krpc_msg	 d;
	enum krpc_err	 why;

	errno = 0;
	if (krpc_decode(buf, len, &d, &why) != -1 || errno != EBADMSG)
		return (0);
	if (why != want) {
		printf("# got \"%s\", want \"%s\"\n", krpc_errnames[why],
		    krpc_errnames[want]);
		return (0);
	}
	return (1);
}

static void
test_malformed(void)
{
	struct krpc_msg	 m;
	enum krpc_err	 why, want;
	uint8_t		 buf[KRPC_MAX_DGRAM + 16], tmp[KRPC_MAX_DGRAM + 16];
	ssize_t		 n;
	size_t		 cut, vl;
	uint8_t		 t;
	int		 allshort, alllong;

	/* every truncation of every type fails, and never reads past len */
	for (t = 1; t <= KRPC_TYPE_MAX; t++) {
		vl = (t == KRPC_VALUE || t == KRPC_STORE) ? 10 : 2;
		mkmsg(&m, t, vl);
		n = krpc_encode(&m, buf, sizeof(buf));
		allshort = 1;
		for (cut = 0; cut < (size_t)n; cut++) {
			/* a fresh copy of exactly `cut` bytes for ASan */
			uint8_t	*p = tmp + sizeof(tmp) - cut;

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
		CHECK(allshort, "%s: every truncation is refused (short)",
		    krpc_typenames[t]);
		buf[n] = 0;
		alllong = bad(buf, (size_t)n + 1, t == KRPC_NODES ?
		    KRPC_E_CONTACTLEN : KRPC_E_LONG);
		CHECK(alllong, "%s: one extra byte is refused",
		    krpc_typenames[t]);
	}

	mkmsg(&m, KRPC_PING, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[0] = 'K';
	CHECK(bad(buf, (size_t)n, KRPC_E_MAGIC), "bad magic");
	buf[0] = 'k';
	buf[2] = 2;
	CHECK(bad(buf, (size_t)n, KRPC_E_VERSION), "version 2 refused");
	buf[2] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_VERSION), "version 0 refused");
	buf[2] = 1;
	buf[3] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_TYPE), "type 0 refused");
	buf[3] = 11;
	CHECK(bad(buf, (size_t)n, KRPC_E_TYPE), "type 11 refused");
	buf[3] = 255;
	CHECK(bad(buf, (size_t)n, KRPC_E_TYPE), "type 255 refused");

	memset(buf, 0, sizeof(buf));
	CHECK(bad(buf, KRPC_MAX_DGRAM + 1, KRPC_E_OVERSIZE),
	    "1233 bytes refused as oversize");
	CHECK(bad(buf, 0, KRPC_E_SHORT), "empty datagram");

	/* contact counts that disagree with the bytes */
	mkmsg(&m, KRPC_NODES, 4);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[52]++;
	CHECK(bad(buf, (size_t)n, KRPC_E_CONTACTLEN), "n4 one too many");
	buf[52] -= 2;
	CHECK(bad(buf, (size_t)n, KRPC_E_CONTACTLEN), "n4 one too few");
	buf[52]++;
	buf[53] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_CONTACTLEN), "n6 zeroed");
	/* 12 v6 + 12 v4 bytes = 1056: fits under 1232 yet too many counted */
	memset(buf + 54, 0, 12 * 50 + 12 * 38);
	buf[52] = 12;
	buf[53] = 12;
	CHECK(krpc_decode(buf, 54 + 12 * 50 + 12 * 38, &m, &why) == 0 &&
	    m.ncontacts == 24, "12 IPv4 + 12 IPv6 records (1110 bytes) pass");
	/* 31 v4 + 1 v6 exceeds 1232; a v6 record exchanged for v4 ones */
	buf[52] = 19;
	buf[53] = 0;
	CHECK(bad(buf, 54 + 19 * 50, KRPC_E_CONTACTLEN),
	    "19 IPv4 counted over 19 IPv6 record lengths");

	/* value lengths */
	mkmsg(&m, KRPC_VALUE, 10);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[52] = 0;
	buf[53] = 0;
	CHECK(bad(buf, (size_t)n, KRPC_E_VALUELEN), "value length 0");
	buf[52] = 0x04;
	buf[53] = 0x01;
	CHECK(bad(buf, (size_t)n, KRPC_E_VALUELEN), "value length 1025");
	buf[52] = 0;
	buf[53] = 11;
	CHECK(bad(buf, (size_t)n, KRPC_E_SHORT), "value length past end");
	buf[53] = 9;
	CHECK(bad(buf, (size_t)n, KRPC_E_LONG), "value shorter than datagram");
	mkmsg(&m, KRPC_STORE, 10);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[86] = 0x04;
	buf[87] = 0x01;
	CHECK(bad(buf, (size_t)n, KRPC_E_VALUELEN), "STORE value 1025");

	/* field values */
	mkmsg(&m, KRPC_FIND_NODE, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[76] = 4;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "unknown want bit");
	mkmsg(&m, KRPC_HAVE_RES, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[52] = 2;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "have = 2");
	mkmsg(&m, KRPC_STORE, 1);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[84] = 0x02;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "unknown STORE flag");
	mkmsg(&m, KRPC_STORE_RES, 0);
	n = krpc_encode(&m, buf, sizeof(buf));
	buf[44] = KRPC_ST_MAX + 1;
	CHECK(bad(buf, (size_t)n, KRPC_E_FIELD), "unknown status");
}

int
main(void)
{
	fill(myid, sizeof(myid), 0x11);
	fill(value, sizeof(value), 0x22);
	test_layout();
	test_roundtrip();
	test_encode_errors();
	test_malformed();
	return (test_done());
}
