/*
 * Send and receive helpers for the net <-> store messages: requests that
 * name a key and carry the dht's cookie, and answers with a status and,
 * when found, the chunk's bytes.
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
	    m->hdr.type != KADIPC_NET_FETCH_RES) || m->len < sizeof(h) ||
	    m->len - sizeof(h) > KADIPC_CHUNK_MAX)
		goto bad;
	memcpy(&h, m->data, sizeof(h));
	if (h.status > KADIPC_NET_ERROR || h.pad0 != 0)
		goto bad;
	/* bytes come only with FOUND */
	if (h.status != KADIPC_NET_FOUND && m->len != sizeof(h))
		goto bad;
	c->cookie = h.cookie;
	c->error = h.status;
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
kadipc_send_net_req(struct kadipc_chan *ch, uint32_t type, uint64_t cookie,
    const uint8_t key[KADIPC_KEY_LEN])
{
	struct kadipc_net_req	 r;

	memset(&r, 0, sizeof(r));
	r.cookie = cookie;
	memcpy(r.key, key, sizeof(r.key));
	return (kadipc_compose(ch, type, 0, -1, &r, sizeof(r)));
}
