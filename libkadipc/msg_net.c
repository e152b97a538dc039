/* SPDX-License-Identifier: ISC */
/*
 * Send and receive helpers for the net <-> store messages.  Every request
 * that expects an answer carries a 64-bit cookie at the head of its
 * payload, and its answer echoes it there: the dht's cookies for
 * kadnet's requests (NET_STORE_GET, _HAVE, _SCAN), kadstore's own for
 * its requests (NET_FETCH, NET_PUBLISH).  The header's peerid is unused
 * on this channel.  Answers carry a status and, when found, the chunk's
 * bytes.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"

int
kadipc_recv_net_req(const struct kadipc_msg *m, struct kadipc_chunk_msg *c)
{
	struct kadipc_net_req	 r;

	memset(c, 0, sizeof(*c));
	switch (m->hdr.type) {
	case KADIPC_NET_STORE_GET:
	case KADIPC_NET_STORE_HAVE:
	case KADIPC_NET_FETCH:
		if (kadipc_msg_exact(m, &r, sizeof(r)) == -1)
			return (-1);
		c->cookie = r.cookie;
		memcpy(c->key, r.key, sizeof(c->key));
		return (0);
	}
	errno = EBADMSG;
	return (-1);
}

int
kadipc_recv_net_res(const struct kadipc_msg *m, struct kadipc_chunk_msg *c)
{
	struct kadipc_net_res	 h;

	memset(c, 0, sizeof(*c));
	if ((m->hdr.type != KADIPC_NET_STORE_RES &&
	    m->hdr.type != KADIPC_NET_FETCH_RES &&
	    m->hdr.type != KADIPC_NET_PUBLISHED &&
	    m->hdr.type != KADIPC_NET_STORE_PUT_RES) || m->len < sizeof(h) ||
	    m->len - sizeof(h) > KADIPC_CHUNK_MAX)
		goto bad;
	memcpy(&h, m->data, sizeof(h));
	if (h.status > KADIPC_NET_ELSEWHERE || h.holders > KADIPC_MAX_HOLDERS ||
	    (h.holders != 0 && m->hdr.type != KADIPC_NET_PUBLISHED))
		goto bad;
	if (h.status == KADIPC_NET_ELSEWHERE &&
	    m->hdr.type != KADIPC_NET_PUBLISHED)
		goto bad;
	/* a publish went out or not, a put was committed or not: no bytes */
	if ((m->hdr.type == KADIPC_NET_PUBLISHED ||
	    m->hdr.type == KADIPC_NET_STORE_PUT_RES) &&
	    (h.status == KADIPC_NET_NOTFOUND || m->len != sizeof(h)))
		goto bad;
	/* bytes come only with FOUND */
	if (h.status != KADIPC_NET_FOUND && m->len != sizeof(h))
		goto bad;
	c->cookie = h.cookie;
	c->error = h.status;
	c->holders = h.holders;
	c->data = m->data + sizeof(h);
	c->len = m->len - sizeof(h);
	return (0);
bad:
	errno = EBADMSG;
	return (-1);
}

int
kadipc_send_net_res(struct kadipc_chan *ch, uint32_t type, uint64_t cookie,
    uint32_t status, const void *data, size_t len)
{
	struct kadipc_net_res	 h;
	struct iovec		 iov[2];

	memset(&h, 0, sizeof(h));
	h.cookie = cookie;
	h.status = status;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = status == KADIPC_NET_FOUND ? len : 0;
	return (kadipc_composev(ch, type, 0, -1, iov, 2));
}

int
kadipc_send_net_published(struct kadipc_chan *ch, uint64_t cookie,
    uint32_t status, uint32_t holders)
{
	struct kadipc_net_res	 h;

	memset(&h, 0, sizeof(h));
	h.cookie = cookie;
	h.status = status;
	h.holders = holders;
	return (kadipc_compose(ch, KADIPC_NET_PUBLISHED, 0, -1, &h,
	    sizeof(h)));
}

int
kadipc_send_net_req(struct kadipc_chan *ch, uint32_t type, uint64_t cookie,
    const uint8_t key[KADIPC_KEY_LEN])
{
	struct kadipc_net_req	 r;

	memset(&r, 0, sizeof(r));
	r.cookie = cookie;
	memcpy(r.key, key, sizeof(r.key));
	return (kadipc_compose(ch, type, 0, -1, &r, sizeof(r)));
}

int
kadipc_recv_net_publish(const struct kadipc_msg *m,
    struct kadipc_chunk_msg *c)
{
	struct kadipc_net_chunk	 h;

	memset(c, 0, sizeof(*c));
	if ((m->hdr.type != KADIPC_NET_PUBLISH &&
	    m->hdr.type != KADIPC_NET_STORE_PUT) || m->len < sizeof(h) ||
	    m->len - sizeof(h) > KADIPC_CHUNK_MAX)
		goto bad;
	memcpy(&h, m->data, sizeof(h));
	if (h.copies > KADIPC_COPIES_MAX || h.pad0 != 0 ||
	    (h.source & 0xff) != 0 ||
	    (m->hdr.type == KADIPC_NET_PUBLISH && h.source != 0))
		goto bad;
	c->cookie = h.cookie;
	memcpy(c->key, h.key, sizeof(c->key));
	c->copies = h.copies;
	c->source = h.source;
	c->data = m->data + sizeof(h);
	c->len = m->len - sizeof(h);
	return (0);
bad:
	errno = EBADMSG;
	return (-1);
}

int
kadipc_send_net_publish(struct kadipc_chan *ch, uint64_t cookie,
    const uint8_t key[KADIPC_KEY_LEN], uint32_t copies, const void *data,
    size_t len)
{
	struct kadipc_net_chunk	 h;
	struct iovec		 iov[2];

	memset(&h, 0, sizeof(h));
	h.cookie = cookie;
	memcpy(h.key, key, sizeof(h.key));
	h.copies = copies;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	return (kadipc_composev(ch, KADIPC_NET_PUBLISH, 0, -1, iov, 2));
}

/*
 * NET_STORE_PUT: a peer's chunk, never pinned, accounted to source;
 * with a cookie, answered by NET_STORE_PUT_RES once committed.
 */
int
kadipc_send_net_put(struct kadipc_chan *ch, uint64_t cookie,
    const uint8_t key[KADIPC_KEY_LEN], uint32_t copies, uint64_t source,
    const void *data, size_t len)
{
	struct kadipc_net_chunk	 h;
	struct iovec		 iov[2];

	memset(&h, 0, sizeof(h));
	h.cookie = cookie;
	memcpy(h.key, key, sizeof(h.key));
	h.copies = copies;
	h.source = source;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	return (kadipc_composev(ch, KADIPC_NET_STORE_PUT, 0, -1, iov, 2));
}

int
kadipc_recv_net_scan(const struct kadipc_msg *m, struct kadipc_net_scan *sc)
{
	if (m->hdr.type != KADIPC_NET_STORE_SCAN ||
	    kadipc_msg_exact(m, sc, sizeof(*sc)) == -1 || sc->pad0 != 0) {
		errno = EBADMSG;
		return (-1);
	}
	return (0);
}

int
kadipc_send_net_scan(struct kadipc_chan *ch, uint64_t cookie,
    const uint8_t after[KADIPC_KEY_LEN], uint32_t max)
{
	struct kadipc_net_scan	 sc;

	memset(&sc, 0, sizeof(sc));
	sc.cookie = cookie;
	memcpy(sc.after, after, sizeof(sc.after));
	sc.max = max;
	return (kadipc_compose(ch, KADIPC_NET_STORE_SCAN, 0, -1, &sc,
	    sizeof(sc)));
}

int
kadipc_recv_net_keys(const struct kadipc_msg *m, uint64_t *cookie,
    uint8_t keys[KADIPC_MAX_SCAN][KADIPC_KEY_LEN],
    uint8_t copies[KADIPC_MAX_SCAN], uint32_t *n)
{
	struct kadipc_net_keys	 h;
	const uint8_t		*cp;
	uint32_t		 i;

	if (m->hdr.type != KADIPC_NET_STORE_KEYS || m->len < sizeof(h))
		goto bad;
	memcpy(&h, m->data, sizeof(h));
	if (h.pad0 != 0 || h.n > KADIPC_MAX_SCAN ||
	    m->len != sizeof(h) + (size_t)h.n * (KADIPC_KEY_LEN + 1))
		goto bad;
	cp = m->data + sizeof(h) + (size_t)h.n * KADIPC_KEY_LEN;
	for (i = 0; i < h.n; i++)
		if (cp[i] > KADIPC_COPIES_MAX)
			goto bad;
	if (h.n > 0) {
		memcpy(keys, m->data + sizeof(h), (size_t)h.n * KADIPC_KEY_LEN);
		memcpy(copies, cp, h.n);
	}
	*cookie = h.cookie;
	*n = h.n;
	return (0);
bad:
	errno = EBADMSG;
	return (-1);
}

int
kadipc_send_net_keys(struct kadipc_chan *ch, uint64_t cookie,
    const uint8_t keys[][KADIPC_KEY_LEN], const uint8_t *copies, uint32_t n)
{
	struct kadipc_net_keys	 h;
	struct iovec		 iov[3];

	memset(&h, 0, sizeof(h));
	h.cookie = cookie;
	h.n = n;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)keys;
	iov[1].iov_len = (size_t)n * KADIPC_KEY_LEN;
	iov[2].iov_base = (void *)(uintptr_t)copies;
	iov[2].iov_len = n;
	return (kadipc_composev(ch, KADIPC_NET_STORE_KEYS, 0, -1, iov, 3));
}

int
kadipc_recv_net_alone(const struct kadipc_msg *m, int *alone)
{
	struct kadipc_u32	 u;

	if (m->hdr.type != KADIPC_NET_ALONE ||
	    kadipc_msg_exact(m, &u, sizeof(u)) == -1 || u.value > 1) {
		errno = EBADMSG;
		return (-1);
	}
	*alone = u.value;
	return (0);
}

int
kadipc_send_net_alone(struct kadipc_chan *ch, int alone)
{
	struct kadipc_u32	 u;

	u.value = alone != 0;
	return (kadipc_compose(ch, KADIPC_NET_ALONE, 0, -1, &u, sizeof(u)));
}
