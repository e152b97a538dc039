/* SPDX-License-Identifier: ISC */
/*
 * Send and receive helpers for the chunk messages between kadcrypt and
 * kadstore.  Handlers never read raw
 * payloads: these check the head, the flags, the error range and that
 * the byte count matches what the type allows.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"

#define ERRNO_MAX	4095

int
kadipc_recv_chunk(const struct kadipc_msg *m, struct kadipc_chunk_msg *c)
{
	struct kadipc_chunk	 head;

	memset(c, 0, sizeof(*c));
	switch (m->hdr.type) {
	case KADIPC_CHUNK_PUT:
	case KADIPC_REC_PUT:
	case KADIPC_CHUNK_DROP:
		if (m->len < sizeof(head) ||
		    m->len - sizeof(head) > KADIPC_CHUNK_MAX)
			goto bad;
		memcpy(&head, m->data, sizeof(head));
		if ((head.flags & ~KADIPC_CHUNK_F_MASK) != 0 ||
		    head.copies > KADIPC_COPIES_MAX)
			goto bad;
		/* only a chunk put says how many nodes should keep it */
		if (m->hdr.type != KADIPC_CHUNK_PUT && head.copies != 0)
			goto bad;
		/* only a put is pushed to the network */
		if (m->hdr.type != KADIPC_CHUNK_PUT &&
		    (head.flags & KADIPC_CHUNK_F_PUSH) != 0)
			goto bad;
		/* only a publisher pins (or drops a pin); a record has none */
		if (m->hdr.type != KADIPC_CHUNK_PUT &&
		    m->hdr.type != KADIPC_CHUNK_DROP && head.flags != 0)
			goto bad;
		/* a drop names a key, a record carries bytes */
		if (m->hdr.type == KADIPC_CHUNK_DROP ?
		    m->len != sizeof(head) :
		    m->hdr.type == KADIPC_REC_PUT && m->len == sizeof(head))
			goto bad;
		memcpy(c->key, head.key, sizeof(c->key));
		c->flags = head.flags;
		c->copies = head.copies;
		c->data = m->data + sizeof(head);
		c->len = m->len - sizeof(head);
		return (0);
	case KADIPC_CHUNK_GET:
	case KADIPC_CHUNK_UNPIN:
	case KADIPC_REC_GET:
	case KADIPC_REC_DEL:
		if (m->len != KADIPC_KEY_LEN)
			goto bad;
		memcpy(c->key, m->data, KADIPC_KEY_LEN);
		return (0);
	}
bad:
	errno = EBADMSG;
	return (-1);
}

int
kadipc_recv_chunk_res(const struct kadipc_msg *m, struct kadipc_chunk_msg *c)
{
	struct kadipc_chunk_res	 head;

	memset(c, 0, sizeof(*c));
	switch (m->hdr.type) {
	case KADIPC_CHUNK_PUT_RES:
	case KADIPC_CHUNK_UNPIN_RES:
	case KADIPC_CHUNK_GET_RES:
	case KADIPC_CHUNK_DROP_RES:
	case KADIPC_REC_PUT_RES:
	case KADIPC_REC_GET_RES:
	case KADIPC_REC_DEL_RES:
		break;
	default:
		goto bad;
	}
	if (m->len < sizeof(head) ||
	    m->len - sizeof(head) > KADIPC_CHUNK_MAX)
		goto bad;
	memcpy(&head, m->data, sizeof(head));
	if (head.error < 0 || head.error > ERRNO_MAX ||
	    head.holders > KADIPC_MAX_HOLDERS ||
	    (head.holders != 0 && m->hdr.type != KADIPC_CHUNK_PUT_RES))
		goto bad;
	/* only a successful get carries bytes */
	if (m->len != sizeof(head) && ((m->hdr.type != KADIPC_CHUNK_GET_RES &&
	    m->hdr.type != KADIPC_REC_GET_RES) || head.error != 0))
		goto bad;
	memcpy(c->key, head.key, sizeof(c->key));
	c->error = head.error;
	c->holders = head.holders;
	c->data = m->data + sizeof(head);
	c->len = m->len - sizeof(head);
	return (0);
bad:
	errno = EBADMSG;
	return (-1);
}

int
kadipc_send_chunk_res(struct kadipc_chan *ch, uint32_t type, uint32_t peerid,
    const uint8_t key[KADIPC_KEY_LEN], int error, const void *data,
    size_t len)
{
	struct kadipc_chunk_res	 head;
	struct iovec		 iov[2];

	memset(&head, 0, sizeof(head));
	memcpy(head.key, key, sizeof(head.key));
	head.error = error;
	iov[0].iov_base = &head;
	iov[0].iov_len = sizeof(head);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	return (kadipc_composev(ch, type, peerid, -1, iov, 2));
}

int
kadipc_send_chunk_put_res(struct kadipc_chan *ch, uint32_t peerid,
    const uint8_t key[KADIPC_KEY_LEN], int error, uint32_t holders)
{
	struct kadipc_chunk_res	 head;

	memset(&head, 0, sizeof(head));
	memcpy(head.key, key, sizeof(head.key));
	head.error = error;
	head.holders = holders;
	return (kadipc_compose(ch, KADIPC_CHUNK_PUT_RES, peerid, -1, &head,
	    sizeof(head)));
}
