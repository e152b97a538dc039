/* SPDX-License-Identifier: ISC */
/*
 * krpc: encode and decode the DHT's messages (docs/PROTOCOL.md, 4).
 * Pure: no allocation, no syscalls, no state.  Every read goes through a
 * cursor that checks the remaining length first.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "krpc.h"

const char *const krpc_errnames[KRPC_E_MAX] = {
	[KRPC_E_NONE] = "none",
	[KRPC_E_SHORT] = "short",
	[KRPC_E_LONG] = "long",
	[KRPC_E_OVERSIZE] = "oversize",
	[KRPC_E_MAGIC] = "bad magic",
	[KRPC_E_VERSION] = "bad version",
	[KRPC_E_TYPE] = "bad type",
	[KRPC_E_CONTACTLEN] = "bad contact length",
	[KRPC_E_VALUELEN] = "bad value length",
	[KRPC_E_FIELD] = "bad field",
};

const char *const krpc_typenames[KRPC_TYPE_MAX + 1] = {
	[0] = "none",
	[KRPC_PING] = "PING",
	[KRPC_PONG] = "PONG",
	[KRPC_FIND_NODE] = "FIND_NODE",
	[KRPC_NODES] = "NODES",
	[KRPC_FIND_VALUE] = "FIND_VALUE",
	[KRPC_VALUE] = "VALUE",
	[KRPC_HAVE] = "HAVE",
	[KRPC_HAVE_RES] = "HAVE_RES",
	[KRPC_STORE] = "STORE",
	[KRPC_STORE_RES] = "STORE_RES",
	[11] = "reserved",
	[KRPC_BUSY] = "BUSY",
};

/* A read cursor: p advances, left shrinks; callers check left first. */
struct rcur {
	const uint8_t	*p;
	size_t		 left;
};

/* A write cursor with the same shape. */
struct wcur {
	uint8_t		*p;
	size_t		 left;
};

static int
rbytes(struct rcur *c, void *out, size_t n)
{
	if (c->left < n)
		return (-1);
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return (0);
}

static int
ru8(struct rcur *c, uint8_t *v)
{
	return (rbytes(c, v, 1));
}

static int
ru16(struct rcur *c, uint16_t *v)
{
	uint8_t	b[2];

	if (rbytes(c, b, sizeof(b)) == -1)
		return (-1);
	*v = be16dec(b);
	return (0);
}

static int
wbytes(struct wcur *c, const void *in, size_t n)
{
	if (c->left < n)
		return (-1);
	memcpy(c->p, in, n);
	c->p += n;
	c->left -= n;
	return (0);
}

static int
wu8(struct wcur *c, uint8_t v)
{
	return (wbytes(c, &v, 1));
}

static int
wu16(struct wcur *c, uint16_t v)
{
	uint8_t	b[2];

	be16enc(b, v);
	return (wbytes(c, b, sizeof(b)));
}

size_t
krpc_contact_len(uint8_t family)
{
	switch (family) {
	case KRPC_AF_INET:
		return (KRPC_CONTACT4_LEN);
	case KRPC_AF_INET6:
		return (KRPC_CONTACT6_LEN);
	default:
		return (0);
	}
}

/* One contact record; the caller has checked that it is all there. */
static void
rcontact(struct rcur *c, uint8_t family, struct krpc_contact *ct)
{
	size_t	alen = family == KRPC_AF_INET ? 4 : 16;

	memset(ct, 0, sizeof(*ct));
	(void)rbytes(c, ct->pub, KRPC_KEY_LEN);
	ct->addr.family = family;
	(void)rbytes(c, ct->addr.ip, alen);
	(void)ru16(c, &ct->addr.port);
}

static int
wcontact(struct wcur *c, const struct krpc_contact *ct)
{
	size_t	alen = ct->addr.family == KRPC_AF_INET ? 4 : 16;

	if (wbytes(c, ct->pub, KRPC_KEY_LEN) == -1 ||
	    wbytes(c, ct->addr.ip, alen) == -1 ||
	    wu16(c, ct->addr.port) == -1)
		return (-1);
	return (0);
}

/* A value with its 16-bit length in front; len was read by the caller. */
static int
rvalue(struct rcur *c, struct krpc_msg *m, enum krpc_err *why)
{
	if (ru16(c, &m->vlen) == -1) {
		*why = KRPC_E_SHORT;
		return (-1);
	}
	if (m->vlen == 0 || m->vlen > KRPC_MAX_VALUE) {
		*why = KRPC_E_VALUELEN;
		return (-1);
	}
	if (c->left < m->vlen) {
		*why = KRPC_E_SHORT;
		return (-1);
	}
	m->value = c->p;
	c->p += m->vlen;
	c->left -= m->vlen;
	return (0);
}

static int
rnodes(struct rcur *c, struct krpc_msg *m, enum krpc_err *why)
{
	uint8_t	n4, n6, i;
	size_t	need;

	if (ru8(c, &n4) == -1 || ru8(c, &n6) == -1) {
		*why = KRPC_E_SHORT;
		return (-1);
	}
	/* at most 255 * 50 bytes: no overflow in size_t */
	need = (size_t)n4 * KRPC_CONTACT4_LEN + (size_t)n6 * KRPC_CONTACT6_LEN;
	if (need != c->left || (size_t)n4 + n6 > KRPC_MAX_CONTACTS) {
		*why = KRPC_E_CONTACTLEN;
		return (-1);
	}
	m->ncontacts = n4 + n6;
	for (i = 0; i < n4; i++)
		rcontact(c, KRPC_AF_INET, &m->contacts[i]);
	for (i = 0; i < n6; i++)
		rcontact(c, KRPC_AF_INET6, &m->contacts[n4 + i]);
	return (0);
}

/*
 * The body of each message type after the common header, one decoder
 * each: KRPC_E_NONE, or why the body is bad.  The caller checks that
 * nothing is left over.
 */
static enum krpc_err
rbody_empty(struct rcur *c, struct krpc_msg *m)
{
	(void)c;
	(void)m;
	return (KRPC_E_NONE);
}

/* FIND_NODE, FIND_VALUE */
static enum krpc_err
rbody_find(struct rcur *c, struct krpc_msg *m)
{
	if (rbytes(c, m->target, KAD_ID_LEN) == -1 ||
	    ru8(c, &m->want) == -1)
		return (KRPC_E_SHORT);
	if ((m->want & ~KRPC_WANT_MASK) != 0)
		return (KRPC_E_FIELD);
	return (KRPC_E_NONE);
}

static enum krpc_err
rbody_nodes(struct rcur *c, struct krpc_msg *m)
{
	enum krpc_err	 why = KRPC_E_NONE;

	(void)rnodes(c, m, &why);
	return (why);
}

static enum krpc_err
rbody_value(struct rcur *c, struct krpc_msg *m)
{
	enum krpc_err	 why = KRPC_E_NONE;

	(void)rvalue(c, m, &why);
	return (why);
}

static enum krpc_err
rbody_have(struct rcur *c, struct krpc_msg *m)
{
	if (rbytes(c, m->target, KAD_ID_LEN) == -1 ||
	    rbytes(c, m->nonce, KRPC_NONCE_LEN) == -1)
		return (KRPC_E_SHORT);
	return (KRPC_E_NONE);
}

static enum krpc_err
rbody_have_res(struct rcur *c, struct krpc_msg *m)
{
	if (ru8(c, &m->have) == -1)
		return (KRPC_E_SHORT);
	if (m->have > 1)
		return (KRPC_E_FIELD);
	/* "have" comes with its proof, "have not" with nothing */
	if (m->have && rbytes(c, m->proof, KRPC_PROOF_LEN) == -1)
		return (KRPC_E_SHORT);
	return (KRPC_E_NONE);
}

static enum krpc_err
rbody_store(struct rcur *c, struct krpc_msg *m)
{
	enum krpc_err	 why = KRPC_E_NONE;

	if (rbytes(c, m->target, KAD_ID_LEN) == -1 ||
	    ru8(c, &m->flags) == -1 || ru8(c, &m->copies) == -1)
		return (KRPC_E_SHORT);
	if ((m->flags & ~KRPC_STORE_MASK) != 0 || m->copies == 0 ||
	    m->copies > KRPC_MAX_COPIES)
		return (KRPC_E_FIELD);
	(void)rvalue(c, m, &why);
	return (why);
}

static enum krpc_err
rbody_store_res(struct rcur *c, struct krpc_msg *m)
{
	if (ru8(c, &m->status) == -1)
		return (KRPC_E_SHORT);
	if (m->status > KRPC_ST_MAX)
		return (KRPC_E_FIELD);
	return (KRPC_E_NONE);
}

static enum krpc_err
rbody_busy(struct rcur *c, struct krpc_msg *m)
{
	if (ru8(c, &m->retry) == -1)
		return (KRPC_E_SHORT);
	return (KRPC_E_NONE);
}

static enum krpc_err (*const rbody[])(struct rcur *, struct krpc_msg *) = {
	[KRPC_PING] = rbody_empty,
	[KRPC_PONG] = rbody_empty,
	[KRPC_FIND_NODE] = rbody_find,
	[KRPC_NODES] = rbody_nodes,
	[KRPC_FIND_VALUE] = rbody_find,
	[KRPC_VALUE] = rbody_value,
	[KRPC_HAVE] = rbody_have,
	[KRPC_HAVE_RES] = rbody_have_res,
	[KRPC_STORE] = rbody_store,
	[KRPC_STORE_RES] = rbody_store_res,
	[KRPC_BUSY] = rbody_busy,
};

int
krpc_decode(const void *buf, size_t len, struct krpc_msg *m,
    enum krpc_err *why)
{
	struct rcur	 c;
	uint8_t		 magic[2], version;

	memset(m, 0, sizeof(*m));
	*why = KRPC_E_NONE;
	c.p = buf;
	c.left = len;

	if (len > KRPC_MAX_MSG) {
		*why = KRPC_E_OVERSIZE;
		goto bad;
	}
	if (len < KRPC_HDR_LEN) {
		*why = KRPC_E_SHORT;
		goto bad;
	}
	(void)rbytes(&c, magic, sizeof(magic));
	(void)ru8(&c, &version);
	(void)ru8(&c, &m->type);
	(void)rbytes(&c, m->txid, KRPC_TXID_LEN);
	if (magic[0] != KRPC_MAGIC0 || magic[1] != KRPC_MAGIC1) {
		*why = KRPC_E_MAGIC;
		goto bad;
	}
	if (version != KRPC_VERSION) {
		*why = KRPC_E_VERSION;
		goto bad;
	}
	if (m->type >= sizeof(rbody) / sizeof(rbody[0]) ||
	    rbody[m->type] == NULL) {
		*why = KRPC_E_TYPE;
		goto bad;
	}
	if ((*why = rbody[m->type](&c, m)) != KRPC_E_NONE)
		goto bad;
	if (c.left != 0) {
		*why = KRPC_E_LONG;
		goto bad;
	}
	return (0);
 bad:
	errno = EBADMSG;
	return (-1);
}

static int
wnodes(struct wcur *c, const struct krpc_msg *m)
{
	uint8_t	n4 = 0, n6 = 0, i;

	if (m->ncontacts > KRPC_MAX_CONTACTS)
		return (-1);
	for (i = 0; i < m->ncontacts; i++) {
		switch (m->contacts[i].addr.family) {
		case KRPC_AF_INET:
			n4++;
			break;
		case KRPC_AF_INET6:
			n6++;
			break;
		default:
			return (-1);
		}
	}
	if (wu8(c, n4) == -1 || wu8(c, n6) == -1)
		return (-2);
	/* IPv4 records first, each family in the caller's order */
	for (i = 0; i < m->ncontacts; i++)
		if (m->contacts[i].addr.family == KRPC_AF_INET &&
		    wcontact(c, &m->contacts[i]) == -1)
			return (-2);
	for (i = 0; i < m->ncontacts; i++)
		if (m->contacts[i].addr.family == KRPC_AF_INET6 &&
		    wcontact(c, &m->contacts[i]) == -1)
			return (-2);
	return (0);
}

static int
wvalue(struct wcur *c, const struct krpc_msg *m)
{
	if (m->vlen == 0 || m->vlen > KRPC_MAX_VALUE || m->value == NULL)
		return (-1);
	if (wu16(c, m->vlen) == -1 || wbytes(c, m->value, m->vlen) == -1)
		return (-2);
	return (0);
}

ssize_t
krpc_encode(const struct krpc_msg *m, void *buf, size_t buflen)
{
	struct wcur	 c;
	int		 r = 0;
	uint8_t		 hdr[4] = { KRPC_MAGIC0, KRPC_MAGIC1, KRPC_VERSION, 0 };

	c.p = buf;
	c.left = buflen < KRPC_MAX_MSG ? buflen : KRPC_MAX_MSG;
	hdr[3] = m->type;
	if (wbytes(&c, hdr, sizeof(hdr)) == -1 ||
	    wbytes(&c, m->txid, KRPC_TXID_LEN) == -1) {
		errno = EMSGSIZE;
		return (-1);
	}

	switch (m->type) {
	case KRPC_PING:
	case KRPC_PONG:
		break;
	case KRPC_FIND_NODE:
	case KRPC_FIND_VALUE:
		if ((m->want & ~KRPC_WANT_MASK) != 0)
			r = -1;
		else if (wbytes(&c, m->target, KAD_ID_LEN) == -1 ||
		    wu8(&c, m->want) == -1)
			r = -2;
		break;
	case KRPC_NODES:
		r = wnodes(&c, m);
		break;
	case KRPC_VALUE:
		r = wvalue(&c, m);
		break;
	case KRPC_HAVE:
		if (wbytes(&c, m->target, KAD_ID_LEN) == -1 ||
		    wbytes(&c, m->nonce, KRPC_NONCE_LEN) == -1)
			r = -2;
		break;
	case KRPC_HAVE_RES:
		if (m->have > 1)
			r = -1;
		else if (wu8(&c, m->have) == -1 || (m->have &&
		    wbytes(&c, m->proof, KRPC_PROOF_LEN) == -1))
			r = -2;
		break;
	case KRPC_STORE:
		if ((m->flags & ~KRPC_STORE_MASK) != 0 || m->copies == 0 ||
		    m->copies > KRPC_MAX_COPIES)
			r = -1;
		else if (wbytes(&c, m->target, KAD_ID_LEN) == -1 ||
		    wu8(&c, m->flags) == -1 || wu8(&c, m->copies) == -1)
			r = -2;
		else
			r = wvalue(&c, m);
		break;
	case KRPC_STORE_RES:
		if (m->status > KRPC_ST_MAX)
			r = -1;
		else if (wu8(&c, m->status) == -1)
			r = -2;
		break;
	case KRPC_BUSY:
		if (wu8(&c, m->retry) == -1)
			r = -2;
		break;
	default:
		r = -1;
		break;
	}
	if (r == -1) {
		errno = EINVAL;
		return (-1);
	}
	if (r == -2) {
		errno = EMSGSIZE;
		return (-1);
	}
	return ((ssize_t)(c.p - (uint8_t *)buf));
}

void
krpc_init(struct krpc_msg *m, uint8_t type,
    const uint8_t txid[KRPC_TXID_LEN])
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	memcpy(m->txid, txid, KRPC_TXID_LEN);
}

size_t
krpc_reply_max(uint8_t type)
{
	switch (type) {
	case KRPC_PING:
		return (KRPC_HDR_LEN);
	case KRPC_FIND_NODE:
	case KRPC_FIND_VALUE:
		return (KRPC_MAX_MSG);
	case KRPC_HAVE:
		return (KRPC_HDR_LEN + 1 + KRPC_PROOF_LEN);
	case KRPC_STORE:
		return (KRPC_HDR_LEN + 1);
	default:
		return (0);
	}
}

/* ---- addresses: the sockets' form and the protocol's ---- */

int
krpc_addr_from_sa(const struct sockaddr *sa, socklen_t len,
    struct krpc_addr *a)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return (-1);
	if (sa->sa_family == AF_INET && len == sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		a->family = KRPC_AF_INET;
		memcpy(a->ip, &sin.sin_addr, 4);
		a->port = ntohs(sin.sin_port);
		return (0);
	}
	if (sa->sa_family == AF_INET6 && len == sizeof(sin6)) {
		memcpy(&sin6, sa, sizeof(sin6));
		a->family = KRPC_AF_INET6;
		memcpy(a->ip, &sin6.sin6_addr, 16);
		a->port = ntohs(sin6.sin6_port);
		return (0);
	}
	return (-1);
}

socklen_t
krpc_addr_to_sa(const struct krpc_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(ss, 0, sizeof(*ss));
	if (a->family == KRPC_AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(a->port);
		memcpy(&sin.sin_addr, a->ip, 4);
		memcpy(ss, &sin, sizeof(sin));
		return (sizeof(sin));
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(a->port);
	memcpy(&sin6.sin6_addr, a->ip, 16);
	memcpy(ss, &sin6, sizeof(sin6));
	return (sizeof(sin6));
}

int
krpc_addr_eq(const struct krpc_addr *a, const struct krpc_addr *b)
{
	return (a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, a->family == KRPC_AF_INET ? 4 : 16) == 0);
}

static int
scope4(const uint8_t *p)
{
	if (p[0] == 0 || p[0] >= 224)	/* this network, mcast, reserved */
		return (KRPC_SCOPE_MARTIAN);
	if (p[0] == 127)
		return (KRPC_SCOPE_LOOPBACK);
	if (p[0] == 10 ||				/* RFC 1918 */
	    (p[0] == 172 && (p[1] & 0xf0) == 16) ||
	    (p[0] == 192 && p[1] == 168) ||
	    (p[0] == 100 && (p[1] & 0xc0) == 64) ||	/* CGNAT */
	    (p[0] == 169 && p[1] == 254) ||		/* link-local */
	    (p[0] == 192 && p[1] == 0 && p[2] == 0) ||	/* IETF */
	    (p[0] == 192 && p[1] == 0 && p[2] == 2) ||	/* TEST-NET-1 */
	    (p[0] == 198 && (p[1] & 0xfe) == 18) ||	/* benchmarking */
	    (p[0] == 198 && p[1] == 51 && p[2] == 100) ||
	    (p[0] == 203 && p[1] == 0 && p[2] == 113))
		return (KRPC_SCOPE_PRIVATE);
	return (KRPC_SCOPE_GLOBAL);
}

int
krpc_addr_scope(const struct krpc_addr *a)
{
	static const uint8_t	zero[16], lo6[16] = { [15] = 1 };
	static const uint8_t	mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t		*p = a->ip;

	if (a->family == KRPC_AF_INET)
		return (scope4(p));
	if (a->family != KRPC_AF_INET6)
		return (KRPC_SCOPE_MARTIAN);
	if (memcmp(p, mapped, sizeof(mapped)) == 0)
		return (scope4(p + 12));
	if (memcmp(p, zero, 16) == 0 || p[0] == 0xff)
		return (KRPC_SCOPE_MARTIAN);
	if (memcmp(p, lo6, 16) == 0)
		return (KRPC_SCOPE_LOOPBACK);
	if ((p[0] & 0xfe) == 0xfc ||			/* ULA */
	    (p[0] == 0xfe && (p[1] & 0x80) == 0x80) ||	/* fe80, fec0 */
	    (p[0] == 0x20 && p[1] == 0x01 && p[2] == 0x0d && p[3] == 0xb8))
		return (KRPC_SCOPE_PRIVATE);		/* 2001:db8::/32 */
	return (KRPC_SCOPE_GLOBAL);
}
