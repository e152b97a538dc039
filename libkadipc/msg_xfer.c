/* SPDX-License-Identifier: ISC */
/*
 * Send and receive helpers for file transfers (ctl <-> master <-> crypt)
 * and the control socket: fixed payloads copied into the caller's
 * struct, every string checked for its NUL.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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
kadipc_recv_xfer_begin(const struct kadipc_msg *m,
    struct kadipc_xfer_begin *xb)
{
	if (m->hdr.type != KADIPC_XFER_PUT_BEGIN ||
	    kadipc_msg_exact(m, xb, sizeof(*xb)) == -1 ||
	    (xb->flags & ~KADIPC_XFER_F_MASK) != 0 || xb->pad0 != 0 ||
	    memchr(xb->name, '\0', sizeof(xb->name)) == NULL)
		return (bad());
	return (0);
}

int
kadipc_recv_xfer_meta(const struct kadipc_msg *m,
    struct kadipc_xfer_meta *meta)
{
	if (m->hdr.type != KADIPC_XFER_META ||
	    kadipc_msg_exact(m, meta, sizeof(*meta)) == -1 ||
	    (meta->flags & ~KADIPC_XFER_F_MASK) != 0 || meta->pad0 != 0 ||
	    memchr(meta->name, '\0', sizeof(meta->name)) == NULL)
		return (bad());
	return (0);
}

int
kadipc_recv_xfer_ack(const struct kadipc_msg *m, uint64_t *bytes)
{
	struct kadipc_u64	 u;

	if (m->hdr.type != KADIPC_XFER_ACK ||
	    kadipc_msg_exact(m, &u, sizeof(u)) == -1)
		return (bad());
	*bytes = u.value;
	return (0);
}

int
kadipc_recv_link(const struct kadipc_msg *m, struct kadipc_link *l)
{
	switch (m->hdr.type) {
	case KADIPC_XFER_LINK:
	case KADIPC_XFER_UNPIN:
	case KADIPC_XFER_RM:
		break;
	default:
		return (bad());
	}
	if (kadipc_msg_exact(m, l, sizeof(*l)) == -1 ||
	    memchr(l->link, '\0', sizeof(l->link)) == NULL)
		return (bad());
	return (0);
}

int
kadipc_recv_xfer_get(const struct kadipc_msg *m, struct kadipc_xfer_get *g)
{
	if (m->hdr.type != KADIPC_XFER_GET_BEGIN ||
	    kadipc_msg_exact(m, g, sizeof(*g)) == -1 ||
	    g->timeout > KADIPC_GET_TIMEOUT_MAX || g->pad0 != 0 ||
	    memchr(g->link, '\0', sizeof(g->link)) == NULL)
		return (bad());
	return (0);
}

/* Both strings terminated, no flag unknown: the client prints them. */
int
kadipc_recv_list_entry(const struct kadipc_msg *m, struct kadipc_list_entry *e)
{
	if (m->hdr.type != KADIPC_XFER_ENTRY ||
	    kadipc_msg_exact(m, e, sizeof(*e)) == -1 ||
	    memchr(e->name, '\0', sizeof(e->name)) == NULL ||
	    memchr(e->link, '\0', sizeof(e->link)) == NULL ||
	    (e->flags & ~KADIPC_LIST_F_MASK) != 0)
		return (bad());
	return (0);
}

int
kadipc_recv_hash(const struct kadipc_msg *m, uint8_t hash[KADIPC_KEY_LEN])
{
	if (m->hdr.type != KADIPC_XFER_PREFIX ||
	    kadipc_msg_exact(m, hash, KADIPC_KEY_LEN) == -1)
		return (bad());
	return (0);
}

int
kadipc_recv_xfer_find(const struct kadipc_msg *m, struct kadipc_xfer_find *f)
{
	if (m->hdr.type != KADIPC_XFER_FIND ||
	    kadipc_msg_exact(m, f, sizeof(*f)) == -1 ||
	    memchr(f->name, '\0', sizeof(f->name)) == NULL)
		return (bad());
	return (0);
}

int
kadipc_recv_text(const struct kadipc_msg *m, struct kadipc_text *t)
{
	switch (m->hdr.type) {
	case KADIPC_XFER_ERROR:
	case KADIPC_XFER_INFO:
	case KADIPC_CTL_ERROR:
	case KADIPC_CTL_BOOTSTRAP:
		break;
	default:
		return (bad());
	}
	if (kadipc_msg_exact(m, t, sizeof(*t)) == -1 ||
	    memchr(t->text, '\0', sizeof(t->text)) == NULL)
		return (bad());
	return (0);
}

int
kadipc_recv_ctl_test_sandbox(const struct kadipc_msg *m, uint32_t *proc)
{
	struct kadipc_u32	 u;

	if (m->hdr.type != KADIPC_CTL_TEST_SANDBOX ||
	    kadipc_msg_exact(m, &u, sizeof(u)) == -1 ||
	    u.value < KAD_PROC_NET || u.value > KAD_PROC_CRYPT)
		return (bad());
	*proc = u.value;
	return (0);
}

int
kadipc_vsend_error(struct kadipc_chan *ch, uint32_t type, uint32_t peerid,
    struct kadipc_text *out, const char *fmt, va_list ap)
{
	struct kadipc_text	 t;

	memset(&t, 0, sizeof(t));
	(void)vsnprintf(t.text, sizeof(t.text), fmt, ap);
	if (out != NULL)
		*out = t;
	return (kadipc_compose(ch, type, peerid, -1, &t, sizeof(t)));
}

int
kadipc_send_error(struct kadipc_chan *ch, uint32_t type, uint32_t peerid,
    struct kadipc_text *out, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = kadipc_vsend_error(ch, type, peerid, out, fmt, ap);
	va_end(ap);
	return (r);
}
