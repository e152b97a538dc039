/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for kadnet/krpc.c, protocol version 2's inner
 * messages.  Any input is either refused with a reason (always when it
 * is longer than KRPC_MAX_MSG), or decodes into fields in range and
 * re-encodes to exactly the same bytes (the format is canonical).  A
 * decoded message is no valid message with a byte more or a byte less,
 * fits no shorter buffer, and a reply is never longer than
 * krpc_reply_max says the request it answers may draw.  The same bytes,
 * read as raw struct fields, go the other way: whatever the encoder
 * accepts decodes back to the same fields.  The sanitizers catch any
 * read past the input.
 */
#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/krpc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	buf[KRPC_MAX_MSG + 1];
static uint8_t	val[KRPC_MAX_VALUE + 1];
static uint8_t	tmp[KRPC_MAX_MSG];

/* The requests whose answer a reply type may be. */
static const uint8_t	answers[KRPC_TYPE_MAX + 1][2] = {
	[KRPC_PONG] = { KRPC_PING, KRPC_PING },
	[KRPC_NODES] = { KRPC_FIND_NODE, KRPC_FIND_VALUE },
	[KRPC_VALUE] = { KRPC_FIND_VALUE, KRPC_FIND_VALUE },
	[KRPC_HAVE_RES] = { KRPC_HAVE, KRPC_HAVE },
	[KRPC_STORE_RES] = { KRPC_STORE, KRPC_STORE },
	/* BUSY answers any request but PING: the smallest rooms */
	[KRPC_BUSY] = { KRPC_HAVE, KRPC_STORE },
};

static int
refused(const void *p, size_t len)
{
	struct krpc_msg	 m;
	enum krpc_err	 why;

	if (krpc_decode(p, len, &m, &why) == 0)
		return (0);
	if (why == KRPC_E_NONE || why >= KRPC_E_MAX || errno != EBADMSG)
		abort();
	return (1);
}

static int
addr_eq(const struct krpc_addr *a, const struct krpc_addr *b)
{
	size_t	alen = a->family == KRPC_AF_INET ? 4 : 16;

	return (a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, alen) == 0);
}

/* The fields of a decoded message are in range and mean what they say. */
static void
check_fields(const struct krpc_msg *m, const uint8_t *p, size_t len)
{
	size_t	i, need;
	int	v6 = 0;

	if (m->type == 0 || m->type > KRPC_TYPE_MAX ||
	    memcmp(m->txid, p + KRPC_TXID_OFF, KRPC_TXID_LEN) != 0)
		abort();
	switch (m->type) {
	case KRPC_FIND_NODE:
	case KRPC_FIND_VALUE:
		if ((m->want & ~KRPC_WANT_MASK) != 0)
			abort();
		break;
	case KRPC_NODES:
		if (m->ncontacts > KRPC_MAX_CONTACTS)
			abort();
		need = KRPC_NODES_FIXED;
		for (i = 0; i < m->ncontacts; i++) {
			/* IPv4 records first */
			if (m->contacts[i].addr.family == KRPC_AF_INET6)
				v6 = 1;
			else if (v6)
				abort();
			need += krpc_contact_len(m->contacts[i].addr.family);
		}
		if (need != len)
			abort();
		break;
	case KRPC_VALUE:
	case KRPC_STORE:
		if (m->vlen == 0 || m->vlen > KRPC_MAX_VALUE ||
		    m->value < p || m->value + m->vlen != p + len)
			abort();
		if (m->type == KRPC_STORE &&
		    ((m->flags & ~KRPC_STORE_MASK) != 0 || m->copies == 0 ||
		    m->copies > KRPC_MAX_COPIES))
			abort();
		break;
	case KRPC_HAVE_RES:
		if (m->have > 1)
			abort();
		break;
	case KRPC_STORE_RES:
		if (m->status > KRPC_ST_MAX)
			abort();
		break;
	}
	if (KRPC_IS_REQUEST(m->type)) {
		if (krpc_reply_max(m->type) == 0 ||
		    krpc_reply_max(m->type) > KRPC_MAX_MSG)
			abort();
	} else if (krpc_reply_max(m->type) != 0 ||
	    len > krpc_reply_max(answers[m->type][0]) ||
	    len > krpc_reply_max(answers[m->type][1]))
		abort();
}

static void
check_decoded(const uint8_t *data, size_t size, const struct krpc_msg *m)
{
	ssize_t	n;

	if (size > KRPC_MAX_MSG || size < KRPC_HDR_LEN)
		abort();
	check_fields(m, data, size);
	n = krpc_encode(m, buf, sizeof(buf));
	if (n < 0 || (size_t)n != size || memcmp(buf, data, size) != 0)
		abort();
	/* one byte short of room: refused, never truncated */
	if (krpc_encode(m, buf, size - 1) != -1 || errno != EMSGSIZE)
		abort();
	/* each message's length follows from its fields */
	if (!refused(data, size - 1))
		abort();
	memcpy(buf, data, size);
	buf[size] = 0;
	if (!refused(buf, size + 1))
		abort();
}

/* The input as raw fields: what the encoder takes, the decoder returns. */
static void
check_encoder(const uint8_t *data, size_t size)
{
	struct krpc_msg	 m, d;
	enum krpc_err	 why;
	const uint8_t	*p = data, *q;
	size_t		 left = size, i, n4 = 0;
	ssize_t		 n;

	if (left < 8)
		return;
	krpc_init(&m, (p[0] & 0x7f) % (KRPC_TYPE_MAX + 2), p);
	/* a family byte: a record length, or none */
	if ((krpc_contact_len(p[1]) != 0) != (p[1] == KRPC_AF_INET ||
	    p[1] == KRPC_AF_INET6))
		abort();
	m.want = p[1];
	m.have = p[2];
	m.status = p[3];
	/* 0..21: both bounds, and one past each the encoder refuses */
	m.copies = p[3] % (KRPC_MAX_COPIES + 2);
	m.flags = p[4];
	m.ncontacts = p[5] % (KRPC_MAX_CONTACTS + 2);
	m.vlen = be16dec(p + 6) % (KRPC_MAX_VALUE + 2);
	p += 8;
	left -= 8;
	memset(val, 0, sizeof(val));
	memcpy(val, p, left < sizeof(val) ? left : sizeof(val));
	m.value = p[-8] & 0x80 ? NULL : val;
	memcpy(m.target, val + 8, KAD_ID_LEN);
	/* one count past the cap, which the encoder refuses unread */
	for (i = 0; i < m.ncontacts && i < KRPC_MAX_CONTACTS; i++) {
		q = val + (i * 7) % 600;
		memcpy(m.contacts[i].pub, q, KRPC_KEY_LEN);
		memcpy(m.contacts[i].addr.ip, q + 32, 16);
		m.contacts[i].addr.port = be16dec(q + 48);
		/* now and then a family the encoder must refuse */
		m.contacts[i].addr.family = q[50] & 1 ? KRPC_AF_INET :
		    q[50] & 2 ? KRPC_AF_INET6 : q[50];
	}

	if ((n = krpc_encode(&m, buf, sizeof(buf))) == -1) {
		if (errno != EINVAL && errno != EMSGSIZE)
			abort();
		return;
	}
	/* any shorter buffer: refused, whatever field it ends in */
	if (krpc_encode(&m, tmp, be16dec(data + 2) % n) != -1 ||
	    errno != EMSGSIZE)
		abort();
	if (n > KRPC_MAX_MSG || krpc_decode(buf, (size_t)n, &d, &why) == -1 ||
	    d.type != m.type || memcmp(d.txid, m.txid, KRPC_TXID_LEN) != 0)
		abort();
	check_fields(&d, buf, (size_t)n);
	switch (m.type) {
	case KRPC_FIND_NODE:
	case KRPC_FIND_VALUE:
		if (d.want != m.want)
			abort();
		/* FALLTHROUGH */
	case KRPC_HAVE:
		if (memcmp(d.target, m.target, KAD_ID_LEN) != 0)
			abort();
		break;
	case KRPC_NODES:
		if (d.ncontacts != m.ncontacts)
			abort();
		for (i = 0; i < m.ncontacts; i++)
			if (m.contacts[i].addr.family == KRPC_AF_INET)
				n4++;
		/* each family keeps the caller's order, IPv4 first */
		for (i = 0; i < m.ncontacts; i++) {
			const struct krpc_contact *c = &m.contacts[i], *e;
			size_t	k, j = 0;

			for (k = 0; k < i; k++)
				if (m.contacts[k].addr.family ==
				    c->addr.family)
					j++;
			e = &d.contacts[c->addr.family == KRPC_AF_INET ? j :
			    n4 + j];
			if (memcmp(e->pub, c->pub, KRPC_KEY_LEN) != 0 ||
			    !addr_eq(&e->addr, &c->addr))
				abort();
		}
		break;
	case KRPC_STORE:
		if (d.flags != m.flags || d.copies != m.copies ||
		    memcmp(d.target, m.target, KAD_ID_LEN) != 0)
			abort();
		/* FALLTHROUGH */
	case KRPC_VALUE:
		if (d.vlen != m.vlen || memcmp(d.value, m.value, m.vlen) != 0)
			abort();
		break;
	case KRPC_HAVE_RES:
		if (d.have != m.have)
			abort();
		break;
	case KRPC_STORE_RES:
		if (d.status != m.status)
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct krpc_msg	 m;
	enum krpc_err	 why;

	if (krpc_decode(data, size, &m, &why) == -1) {
		if (why == KRPC_E_NONE || why >= KRPC_E_MAX ||
		    errno != EBADMSG)
			abort();
		if (size > KRPC_MAX_MSG && why != KRPC_E_OVERSIZE)
			abort();
		if (size <= KRPC_MAX_MSG && why == KRPC_E_OVERSIZE)
			abort();
	} else if (why != KRPC_E_NONE)
		abort();
	else
		check_decoded(data, size, &m);
	check_encoder(data, size);
	return (0);
}
