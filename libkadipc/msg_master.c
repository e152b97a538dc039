/* SPDX-License-Identifier: ISC */
/*
 * Send and receive helpers for the messages between kadmaster and its
 * workers: the common ones (VERBOSE, STATS, the empty types), each
 * worker's configuration, and kadnet's bootstrap request and answer.  Each recv helper takes only its own types,
 * copies the payload into the caller's struct and checks its fields:
 * padding zero, enums in range, a NUL in every string.  What a field's
 * value means to a process (a replica count, a sync interval) the
 * process checks itself.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"

static int
bad(void)
{
	errno = EBADMSG;
	return (-1);
}

int
kadipc_recv_empty(const struct kadipc_msg *m)
{
	const struct kadipc_type_info	*ti;

	if ((ti = kadipc_type_lookup(m->hdr.type)) == NULL ||
	    ti->maxlen != 0 || m->len != 0)
		return (bad());
	return (0);
}

int
kadipc_recv_bytes(const struct kadipc_msg *m, const uint8_t **data,
    size_t *len)
{
	switch (m->hdr.type) {
	case KADIPC_NET_PEERS:
	case KADIPC_XFER_DATA:
	case KADIPC_CTL_TEXT:
	case KADIPC_NET_ROUTES:
		break;
	default:
		return (bad());
	}
	if (m->len > KADIPC_MAX_PAYLOAD ||
	    (m->len == 0 && m->hdr.type != KADIPC_NET_ROUTES))
		return (bad());
	*data = m->data;
	*len = m->len;
	return (0);
}

int
kadipc_recv_verbose(const struct kadipc_msg *m, uint32_t *level)
{
	struct kadipc_u32	 u;

	if (m->hdr.type != KADIPC_VERBOSE ||
	    kadipc_msg_exact(m, &u, sizeof(u)) == -1 || u.value > 3)
		return (bad());
	*level = u.value;
	return (0);
}

int
kadipc_recv_stats(const struct kadipc_msg *m,
    struct kadipc_stat stats[KADIPC_MAX_STATS], size_t *n)
{
	size_t	 i, count;

	if (m->hdr.type != KADIPC_STATS ||
	    m->len % sizeof(struct kadipc_stat) != 0 ||
	    m->len / sizeof(struct kadipc_stat) > KADIPC_MAX_STATS)
		return (bad());
	count = m->len / sizeof(struct kadipc_stat);
	if (count > 0)
		memcpy(stats, m->data, m->len);
	for (i = 0; i < count; i++)
		if (memchr(stats[i].name, '\0', sizeof(stats[i].name)) == NULL)
			return (bad());
	*n = count;
	return (0);
}

/* AF_INET or AF_INET6, its padding zero */
int
kadipc_sockaddr_ok(const struct kadipc_sockaddr *a)
{
	return ((a->family == AF_INET || a->family == AF_INET6) &&
	    a->pad0 == 0);
}

int
kadipc_recv_net_bootstrap(const struct kadipc_msg *m,
    struct kadipc_net_bootstrap *b)
{
	if (m->hdr.type != KADIPC_NET_BOOTSTRAP ||
	    kadipc_msg_exact(m, b, sizeof(*b)) == -1 || b->pad0 != 0 ||
	    !kadipc_sockaddr_ok(&b->addr))
		return (bad());
	return (0);
}

int
kadipc_send_net_bootstrap(struct kadipc_chan *ch, uint32_t req,
    const struct kadipc_sockaddr *a)
{
	struct kadipc_net_bootstrap	 b;

	memset(&b, 0, sizeof(b));
	b.req = req;
	b.addr = *a;
	return (kadipc_compose(ch, KADIPC_NET_BOOTSTRAP, 0, -1, &b,
	    sizeof(b)));
}

static int
allzero(const uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return (0);
	return (1);
}

/* an answer for a request (never req 0), with an ID exactly if answered */
int
kadipc_recv_net_bootstrap_res(const struct kadipc_msg *m,
    struct kadipc_net_bootstrap_res *r)
{
	if (m->hdr.type != KADIPC_NET_BOOTSTRAP_RES ||
	    kadipc_msg_exact(m, r, sizeof(*r)) == -1 || r->req == 0 ||
	    r->status > KADIPC_BOOT_STATUS_MAX ||
	    allzero(r->id, sizeof(r->id)) !=
	    (r->status != KADIPC_BOOT_ANSWERED))
		return (bad());
	return (0);
}

int
kadipc_send_net_bootstrap_res(struct kadipc_chan *ch, uint32_t req,
    uint32_t status, const uint8_t id[KADIPC_KEY_LEN])
{
	struct kadipc_net_bootstrap_res	 r;

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.status = status;
	if (status == KADIPC_BOOT_ANSWERED)
		memcpy(r.id, id, sizeof(r.id));
	return (kadipc_compose(ch, KADIPC_NET_BOOTSTRAP_RES, 0, -1, &r,
	    sizeof(r)));
}

int
kadipc_recv_net_config(const struct kadipc_msg *m,
    struct kadipc_net_config *nc)
{
	if (m->hdr.type != KADIPC_NET_CONFIG ||
	    kadipc_msg_exact(m, nc, sizeof(*nc)) == -1 || nc->pad0 != 0 ||
	    !kadipc_sockaddr_ok(&nc->bind) || !kadipc_sockaddr_ok(&nc->idaddr))
		return (bad());
	return (0);
}

int
kadipc_recv_net_udp(const struct kadipc_msg *m, uint32_t *family)
{
	struct kadipc_u32	 u;

	if (m->hdr.type != KADIPC_NET_UDP || m->fd == -1 ||
	    kadipc_msg_exact(m, &u, sizeof(u)) == -1 ||
	    (u.value != AF_INET && u.value != AF_INET6))
		return (bad());
	*family = u.value;
	return (0);
}

int
kadipc_recv_store_config(const struct kadipc_msg *m,
    struct kadipc_store_config *sc)
{
	if (m->hdr.type != KADIPC_STORE_CONFIG ||
	    kadipc_msg_exact(m, sc, sizeof(*sc)) == -1 ||
	    (sc->flags & ~KADIPC_STORE_F_MASK) != 0)
		return (bad());
	return (0);
}

int
kadipc_recv_crypt_config(const struct kadipc_msg *m,
    struct kadipc_crypt_config *cc)
{
	if (m->hdr.type != KADIPC_CRYPT_CONFIG ||
	    kadipc_msg_exact(m, cc, sizeof(*cc)) == -1 || cc->pad0 != 0)
		return (bad());
	return (0);
}
