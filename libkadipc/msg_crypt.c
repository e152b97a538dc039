/* SPDX-License-Identifier: ISC */
/*
 * Send and receive helpers for the node identity and the static-key
 * oracle: CRYPT_IDENTITY (kadmaster passes kadcrypt the fd of the key
 * file) and its answer, and CRYPT_DH (kadnet asks kadcrypt for a hashed
 * Diffie-Hellman of the node's key with a peer's point) and its answer.
 * Each recv helper takes only its own type, wants the fd exactly where
 * the row says (the channel checks it too), padding zero, enums in
 * range, and the key fields all zero whenever the status says there is
 * no key.  What the values mean (is this point acceptable, does this ID
 * hash that key) the receiving process decides.
 */
#include <sys/types.h>

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

static int
iszero(const uint8_t *p, size_t len)
{
	uint8_t	 acc = 0;
	size_t	 i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return (acc == 0);
}

int
kadipc_recv_crypt_identity(const struct kadipc_msg *m,
    struct kadipc_crypt_identity *ci)
{
	if (m->hdr.type != KADIPC_CRYPT_IDENTITY || m->fd == -1 ||
	    kadipc_msg_exact(m, ci, sizeof(*ci)) == -1 || ci->pad0 != 0 ||
	    (ci->flags & ~KADIPC_IDENT_F_MASK) != 0 ||
	    !kadipc_sockaddr_ok(&ci->idaddr))
		return (bad());
	return (0);
}

/* fd passes to the channel, as with kadipc_compose */
int
kadipc_send_crypt_identity(struct kadipc_chan *ch, int fd, uint32_t flags,
    const struct kadipc_sockaddr *idaddr)
{
	struct kadipc_crypt_identity	 ci;

	memset(&ci, 0, sizeof(ci));
	ci.flags = flags;
	ci.idaddr = *idaddr;
	return (kadipc_compose(ch, KADIPC_CRYPT_IDENTITY, 0, fd, &ci,
	    sizeof(ci)));
}

int
kadipc_recv_crypt_identity_res(const struct kadipc_msg *m,
    struct kadipc_crypt_identity_res *r)
{
	int	 haskey;

	if (m->hdr.type != KADIPC_CRYPT_IDENTITY_RES || m->fd != -1 ||
	    kadipc_msg_exact(m, r, sizeof(*r)) == -1 || r->pad0 != 0 ||
	    r->status > KADIPC_IDENT_MAX)
		return (bad());
	haskey = r->status == KADIPC_IDENT_LOADED ||
	    r->status == KADIPC_IDENT_CREATED;
	if (haskey && (iszero(r->pub, sizeof(r->pub)) ||
	    iszero(r->id, sizeof(r->id))))
		return (bad());
	if (!haskey && (!iszero(r->pub, sizeof(r->pub)) ||
	    !iszero(r->id, sizeof(r->id))))
		return (bad());
	return (0);
}

/* pub and id: NULL when status carries no key */
int
kadipc_send_crypt_identity_res(struct kadipc_chan *ch, uint32_t status,
    const uint8_t pub[KADIPC_KEY_LEN], const uint8_t id[KADIPC_KEY_LEN])
{
	struct kadipc_crypt_identity_res	 r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	if (pub != NULL)
		memcpy(r.pub, pub, sizeof(r.pub));
	if (id != NULL)
		memcpy(r.id, id, sizeof(r.id));
	return (kadipc_compose(ch, KADIPC_CRYPT_IDENTITY_RES, 0, -1, &r,
	    sizeof(r)));
}

int
kadipc_recv_crypt_dh(const struct kadipc_msg *m, struct kadipc_crypt_dh *r)
{
	if (m->hdr.type != KADIPC_CRYPT_DH || m->fd != -1 ||
	    kadipc_msg_exact(m, r, sizeof(*r)) == -1)
		return (bad());
	return (0);
}

int
kadipc_send_crypt_dh(struct kadipc_chan *ch, uint64_t cookie,
    const uint8_t peer[KADIPC_KEY_LEN])
{
	struct kadipc_crypt_dh	 r;

	memset(&r, 0, sizeof(r));
	r.cookie = cookie;
	memcpy(r.peer, peer, sizeof(r.peer));
	return (kadipc_compose(ch, KADIPC_CRYPT_DH, 0, -1, &r, sizeof(r)));
}

/* On success r->shared holds a secret: the caller wipes it after use. */
int
kadipc_recv_crypt_dh_res(const struct kadipc_msg *m,
    struct kadipc_crypt_dh_res *r)
{
	if (m->hdr.type != KADIPC_CRYPT_DH_RES || m->fd != -1 ||
	    kadipc_msg_exact(m, r, sizeof(*r)) == -1)
		return (bad());
	if (r->pad0 != 0 || r->status > KADIPC_DH_MAX ||
	    (r->status == KADIPC_DH_OK) == iszero(r->shared,
	    sizeof(r->shared))) {
		explicit_bzero(r, sizeof(*r));
		return (bad());
	}
	return (0);
}

/* shared: NULL (all zero is sent) unless status is KADIPC_DH_OK */
int
kadipc_send_crypt_dh_res(struct kadipc_chan *ch, uint64_t cookie,
    uint32_t status, const uint8_t shared[KADIPC_KEY_LEN])
{
	struct kadipc_crypt_dh_res	 r;
	int				 rv;

	memset(&r, 0, sizeof(r));
	r.cookie = cookie;
	r.status = status;
	if (status == KADIPC_DH_OK && shared != NULL)
		memcpy(r.shared, shared, sizeof(r.shared));
	rv = kadipc_compose(ch, KADIPC_CRYPT_DH_RES, 0, -1, &r, sizeof(r));
	explicit_bzero(&r, sizeof(r));
	return (rv);
}

int
kadipc_recv_test_dh(const struct kadipc_msg *m, struct kadipc_test_dh *t)
{
	if ((m->hdr.type != KADIPC_CTL_TEST_DH &&
	    m->hdr.type != KADIPC_NET_TEST_DH) || m->fd != -1 ||
	    kadipc_msg_exact(m, t, sizeof(*t)) == -1 || t->pad0 != 0 ||
	    t->count < 1 || t->count > KADIPC_TEST_DH_MAX)
		return (bad());
	return (0);
}
