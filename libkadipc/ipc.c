/* SPDX-License-Identifier: ISC */
/*
 * Framing, buffering and fd passing for libkadipc channels, and the
 * libevent glue.  Writes are queued in one growing buffer and sent in as
 * few syscalls as possible; reads drain the socket into a fixed buffer
 * and messages are parsed in place: batching, not the socketpair, is
 * what sets the cost of a message.
 *
 * File descriptors travel with SCM_RIGHTS on the first byte of the
 * message that carries them.  The receiver keeps them in a FIFO and hands
 * one out with each message whose header has KADIPC_F_FD.  An fd left over
 * once every buffered byte has been parsed is a surprise fd: a protocol
 * error.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"

#define RBUF_SIZE	(4 * KADIPC_MAX_MSG)
#define WBUF_MAX	(512 * 1024 * 1024)	/* hard cap on a stuck peer */
#define READS_PER_EVENT	16			/* fairness between channels */

struct wfd {
	uint64_t	pos;	/* stream offset of the message carrying it */
	int		fd;
};

struct kadipc_chan {
	int			 fd;
	enum kad_proc		 self;
	enum kad_proc		 peer;
	pid_t			 pid;
	uint8_t			 allowed[KADIPC_TYPE_MAX / 8];
	int			 hello;		/* peer's HELLO seen */
	int			 dead;

	uint8_t			*rbuf;
	size_t			 roff, rlen;
	int			 rfds[KADIPC_MAX_FDS];
	size_t			 nrfds;

	uint8_t			*wbuf;
	size_t			 wsize, woff, wlen;
	uint64_t		 wsent;		/* stream bytes written */
	struct wfd		*wfds;
	size_t			 nwfds, wfdsize;

	struct event		*rev, *wev;
	kadipc_dispatch_cb	 dispatch;
	kadipc_dead_cb		 deadcb;
	kadipc_batch_cb		 batchcb;
	kadipc_wmark_cb		 wmarkcb;
	void			*arg;
	size_t			 high, low;
	int			 above;
	int			 paused;
	int			*alive;		/* cleared on free during a callback */
};

static int	 protoerr(struct kadipc_chan *, const char *, uint32_t);

/* what crossed every channel: kadmaster shows that no file does */
static uint64_t	 bytes_in, bytes_out;

struct kadipc_chan *
kadipc_chan_new(int fd, enum kad_proc self, enum kad_proc peer,
    const uint32_t *allowed, size_t nallowed)
{
	struct kadipc_chan	*ch;
	struct kadipc_hello	 hello;
	size_t			 i;

	if (fd < 0 || self >= KAD_PROC_MAX || peer >= KAD_PROC_MAX) {
		errno = EINVAL;
		return (NULL);
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return (NULL);
	if ((ch->rbuf = malloc(RBUF_SIZE)) == NULL) {
		free(ch);
		return (NULL);
	}
	ch->fd = fd;
	ch->self = self;
	ch->peer = peer;
	ch->pid = getpid();
	for (i = 0; i < nallowed; i++) {
		if (allowed[i] == KADIPC_NONE || allowed[i] >= KADIPC_TYPE_MAX ||
		    kadipc_type_lookup(allowed[i]) == NULL) {
			free(ch->rbuf);
			free(ch);
			errno = EINVAL;
			return (NULL);
		}
		ch->allowed[allowed[i] / 8] |= 1 << (allowed[i] % 8);
	}
	hello.version = KADIPC_VERSION;
	hello.proc = self;
	if (kadipc_compose(ch, KADIPC_HELLO, 0, -1, &hello,
	    sizeof(hello)) == -1) {
		free(ch->rbuf);
		free(ch->wbuf);
		free(ch);
		return (NULL);
	}
	return (ch);
}

struct kadipc_chan *
kadipc_chan_open(int fd, enum kad_proc self, enum kad_proc peer)
{
	uint32_t	 allowed[KADIPC_TYPE_MAX];
	size_t		 n;

	n = kadipc_allowed(peer, self, allowed, nitems(allowed));
	return (kadipc_chan_new(fd, self, peer, allowed, n));
}

void
kadipc_chan_free(struct kadipc_chan *ch)
{
	size_t	 i;

	if (ch == NULL)
		return;
	if (ch->alive != NULL)
		*ch->alive = 0;
	if (ch->rev != NULL)
		event_free(ch->rev);
	if (ch->wev != NULL)
		event_free(ch->wev);
	for (i = 0; i < ch->nrfds; i++)
		close(ch->rfds[i]);
	for (i = 0; i < ch->nwfds; i++)
		close(ch->wfds[i].fd);
	close(ch->fd);
	free(ch->wfds);
	free(ch->wbuf);
	free(ch->rbuf);
	free(ch);
}

int
kadipc_chan_fd(struct kadipc_chan *ch)
{
	return (ch->fd);
}

enum kad_proc
kadipc_chan_peer(struct kadipc_chan *ch)
{
	return (ch->peer);
}

const char *
kadipc_chan_peername(struct kadipc_chan *ch)
{
	return (kad_procnames[ch->peer]);
}

int
kadipc_chan_dead(struct kadipc_chan *ch)
{
	return (ch->dead);
}

void
kadipc_chan_close(struct kadipc_chan *ch)
{
	ch->dead = 1;
}

size_t
kadipc_queued(struct kadipc_chan *ch)
{
	return (ch->wlen);
}

void
kadipc_bytes(uint64_t *in, uint64_t *out)
{
	*in = bytes_in;
	*out = bytes_out;
}

static int
wbuf_reserve(struct kadipc_chan *ch, size_t need)
{
	size_t	 nsize;
	uint8_t	*p;

	if (ch->woff > 0 && ch->woff + ch->wlen + need > ch->wsize) {
		memmove(ch->wbuf, ch->wbuf + ch->woff, ch->wlen);
		ch->woff = 0;
	}
	if (ch->wlen + need <= ch->wsize)
		return (0);
	if (ch->wlen + need > WBUF_MAX) {
		errno = ENOBUFS;
		return (-1);
	}
	nsize = ch->wsize ? ch->wsize : 65536;
	while (nsize < ch->wlen + need)
		nsize *= 2;
	if ((p = realloc(ch->wbuf, nsize)) == NULL)
		return (-1);
	ch->wbuf = p;
	ch->wsize = nsize;
	return (0);
}

static void
schedule_write(struct kadipc_chan *ch)
{
	if (ch->wev != NULL && ch->wlen > 0 && !ch->dead &&
	    !event_pending(ch->wev, EV_WRITE, NULL))
		event_add(ch->wev, NULL);
}

static void
check_high(struct kadipc_chan *ch)
{
	if (ch->wmarkcb != NULL && !ch->above && ch->high > 0 &&
	    ch->wlen > ch->high) {
		ch->above = 1;
		ch->wmarkcb(ch, 1, ch->arg);
	}
}

int
kadipc_composev(struct kadipc_chan *ch, uint32_t type, uint32_t peerid,
    int fd, const struct iovec *iov, int iovcnt)
{
	const struct kadipc_type_info	*ti;
	struct kadipc_hdr		 hdr;
	struct wfd			*nw;
	size_t				 len = 0, n;
	int				 i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > KADIPC_MAX_PAYLOAD) {
			errno = EINVAL;
			return (-1);
		}
		len += iov[i].iov_len;
	}
	if ((ti = kadipc_type_lookup(type)) == NULL ||
	    len < ti->minlen || len > ti->maxlen ||
	    (fd != -1) != (ti->hasfd != 0)) {
		log_warnx("%s: refusing to send %s (%zu bytes%s)", __func__,
		    kadipc_type_name(type), len, fd != -1 ? ", fd" : "");
		errno = EINVAL;
		return (-1);
	}
	if (ch->dead) {
		errno = EPIPE;
		return (-1);
	}
	if (wbuf_reserve(ch, KADIPC_HDR_SIZE + len) == -1)
		return (-1);
	if (fd != -1) {
		if (ch->nwfds == ch->wfdsize) {
			n = ch->wfdsize ? ch->wfdsize * 2 : 4;
			if ((nw = reallocarray(ch->wfds, n,
			    sizeof(*nw))) == NULL)
				return (-1);
			ch->wfds = nw;
			ch->wfdsize = n;
		}
		ch->wfds[ch->nwfds].pos = ch->wsent + ch->wlen;
		ch->wfds[ch->nwfds].fd = fd;
		ch->nwfds++;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = KADIPC_HDR_SIZE + len;
	hdr.flags = fd != -1 ? KADIPC_F_FD : 0;
	hdr.peerid = peerid;
	hdr.pid = ch->pid;
	n = ch->woff + ch->wlen;
	memcpy(ch->wbuf + n, &hdr, sizeof(hdr));
	n += sizeof(hdr);
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(ch->wbuf + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	ch->wlen += KADIPC_HDR_SIZE + len;
	schedule_write(ch);
	check_high(ch);
	return (0);
}

int
kadipc_compose(struct kadipc_chan *ch, uint32_t type, uint32_t peerid,
    int fd, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return (kadipc_composev(ch, type, peerid, fd, &iov, 1));
}

int
kadipc_flush(struct kadipc_chan *ch)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	size_t		 n;
	ssize_t		 r;
	int		 fd;

	while (ch->wlen > 0) {
		n = ch->wlen;
		fd = -1;
		if (ch->nwfds > 0) {
			if (ch->wfds[0].pos == ch->wsent) {
				fd = ch->wfds[0].fd;
				if (ch->nwfds > 1)
					n = ch->wfds[1].pos - ch->wsent;
			} else
				n = ch->wfds[0].pos - ch->wsent;
		}
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = ch->wbuf + ch->woff;
		iov.iov_len = n;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (fd != -1) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
		}
		if ((r = sendmsg(ch->fd, &msg, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (1);
			return (-1);
		}
		if (fd != -1) {
			close(fd);
			ch->nwfds--;
			memmove(ch->wfds, ch->wfds + 1,
			    ch->nwfds * sizeof(*ch->wfds));
		}
		ch->woff += r;
		ch->wlen -= r;
		ch->wsent += r;
		bytes_out += r;
	}
	ch->woff = 0;
	return (0);
}

ssize_t
kadipc_read(struct kadipc_chan *ch)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * KADIPC_MAX_FDS)];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 r;
	size_t		 i, nfds;
	int		 fds[KADIPC_MAX_FDS], overflow = 0;

	if (ch->roff > 0) {
		memmove(ch->rbuf, ch->rbuf + ch->roff, ch->rlen);
		ch->roff = 0;
	}
	if (ch->rlen == RBUF_SIZE) {
		/* cannot happen: a message is smaller than the buffer */
		errno = ENOBUFS;
		return (-1);
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = ch->rbuf + ch->rlen;
	iov.iov_len = RBUF_SIZE - ch->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	do {
		r = recvmsg(ch->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (r == -1 && errno == EINTR);
	if (r == -1)
		return (-1);
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfds > KADIPC_MAX_FDS)
			nfds = KADIPC_MAX_FDS;
		memcpy(fds, CMSG_DATA(cmsg), nfds * sizeof(int));
		for (i = 0; i < nfds; i++) {
			if (ch->nrfds < KADIPC_MAX_FDS)
				ch->rfds[ch->nrfds++] = fds[i];
			else {
				close(fds[i]);
				overflow = 1;
			}
		}
	}
	if (msg.msg_flags & MSG_CTRUNC)
		overflow = 1;
	if (overflow) {
		protoerr(ch, "too many fds", 0);
		errno = EBADMSG;
		return (-1);
	}
	ch->rlen += r;
	bytes_in += r;
	return (r);
}

static int
protoerr(struct kadipc_chan *ch, const char *why, uint32_t type)
{
	if (!ch->dead)
		log_warnx("protocol error from %s: %s (type %u %s)",
		    kad_procnames[ch->peer], why, type,
		    kadipc_type_name(type));
	ch->dead = 1;
	return (-1);
}

static int
allowed(struct kadipc_chan *ch, uint32_t type)
{
	return (type < KADIPC_TYPE_MAX &&
	    (ch->allowed[type / 8] & (1 << (type % 8))) != 0);
}

int
kadipc_get(struct kadipc_chan *ch, struct kadipc_msg *m)
{
	const struct kadipc_type_info	*ti;
	struct kadipc_hdr		 hdr;
	struct kadipc_hello		 hello;
	size_t				 plen;

	for (;;) {
		if (ch->dead)
			return (-1);
		if (ch->rlen < KADIPC_HDR_SIZE) {
			if (ch->rlen == 0 && ch->nrfds > 0)
				return (protoerr(ch, "surprise fd", 0));
			return (0);
		}
		memcpy(&hdr, ch->rbuf + ch->roff, sizeof(hdr));
		if (hdr.len < KADIPC_HDR_SIZE)
			return (protoerr(ch, "length below header", hdr.type));
		if ((hdr.flags & ~KADIPC_F_MASK) != 0)
			return (protoerr(ch, "unknown flags", hdr.type));
		if ((ti = kadipc_type_lookup(hdr.type)) == NULL)
			return (protoerr(ch, "unknown type", hdr.type));
		if (!ch->hello) {
			if (hdr.type != KADIPC_HELLO)
				return (protoerr(ch, "expected HELLO",
				    hdr.type));
		} else if (hdr.type == KADIPC_HELLO)
			return (protoerr(ch, "second HELLO", hdr.type));
		else if (!allowed(ch, hdr.type))
			return (protoerr(ch, "type not allowed", hdr.type));
		plen = hdr.len - KADIPC_HDR_SIZE;
		if (plen < ti->minlen || plen > ti->maxlen)
			return (protoerr(ch, "bad length", hdr.type));
		if (((hdr.flags & KADIPC_F_FD) != 0) != (ti->hasfd != 0))
			return (protoerr(ch, "fd flag mismatch", hdr.type));
		if (ch->rlen < hdr.len)
			return (0);
		m->hdr = hdr;
		m->data = ch->rbuf + ch->roff + KADIPC_HDR_SIZE;
		m->len = plen;
		m->fd = -1;
		if (hdr.flags & KADIPC_F_FD) {
			if (ch->nrfds == 0)
				return (protoerr(ch, "missing fd", hdr.type));
			m->fd = ch->rfds[0];
			ch->nrfds--;
			memmove(ch->rfds, ch->rfds + 1,
			    ch->nrfds * sizeof(int));
		}
		ch->roff += hdr.len;
		ch->rlen -= hdr.len;
		if (ch->hello)
			return (1);
		/* the library checks and consumes the peer's HELLO */
		memcpy(&hello, m->data, sizeof(hello));
		if (hello.version != KADIPC_VERSION)
			return (protoerr(ch, "version mismatch", hdr.type));
		if (hello.proc != ch->peer)
			return (protoerr(ch, "unexpected peer", hdr.type));
		ch->hello = 1;
	}
}

int
kadipc_msg_exact(const struct kadipc_msg *m, void *out, size_t size)
{
	if (m->len != size) {
		errno = EBADMSG;
		return (-1);
	}
	if (size > 0)
		memcpy(out, m->data, size);
	return (0);
}

/* libevent glue */

static void
chan_die(struct kadipc_chan *ch)
{
	ch->dead = 1;
	if (ch->rev != NULL)
		event_del(ch->rev);
	if (ch->wev != NULL)
		event_del(ch->wev);
	if (ch->deadcb != NULL)
		ch->deadcb(ch, ch->arg);	/* may free ch */
}

static void
chan_readcb(evutil_socket_t fd, short ev, void *arg)
{
	struct kadipc_chan	*ch = arg;
	struct kadipc_msg	 m;
	ssize_t			 r;
	int			 i, g, alive = 1, eof = 0;

	(void)fd;
	(void)ev;
	ch->alive = &alive;
	for (i = 0; i < READS_PER_EVENT && !ch->paused && !ch->dead &&
	    !eof; i++) {
		r = kadipc_read(ch);
		/* a reset after the peer closed with unread data is an EOF */
		if (r == 0 || (r == -1 && errno == ECONNRESET)) {
			eof = 1;
			r = 0;
		}
		else if (r == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				if (!ch->dead)
					log_warn("read from %s",
					    kad_procnames[ch->peer]);
				ch->dead = 1;
				break;
			}
		}
		/* parse whatever is buffered, even after EAGAIN or EOF */
		while (!ch->paused && (g = kadipc_get(ch, &m)) == 1) {
			ch->dispatch(ch, &m, ch->arg);
			if (m.fd != -1)	/* the dispatcher did not take it */
				close(m.fd);
			if (!alive)
				return;
		}
		if (r == -1)
			break;
	}
	ch->alive = NULL;
	if (ch->batchcb != NULL && !ch->dead) {
		ch->alive = &alive;
		ch->batchcb(ch, ch->arg);
		if (!alive)
			return;
		ch->alive = NULL;
	}
	/*
	 * Paused with messages still buffered: they are delivered after
	 * kadipc_pause_read(ch, 0), and EOF (sticky) is read again then.
	 */
	if (eof && ch->paused && !ch->dead && ch->rlen > 0)
		return;
	if (eof && !ch->dead && (ch->rlen > 0 || ch->nrfds > 0))
		protoerr(ch, "truncated message at EOF", 0);
	if (eof || ch->dead)
		chan_die(ch);
}

static void
chan_writecb(evutil_socket_t fd, short ev, void *arg)
{
	struct kadipc_chan	*ch = arg;
	int			 r;

	(void)fd;
	(void)ev;
	if ((r = kadipc_flush(ch)) == -1) {
		if (errno != EPIPE && errno != ECONNRESET)
			log_warn("write to %s", kad_procnames[ch->peer]);
		chan_die(ch);
		return;
	}
	if (r == 0)
		event_del(ch->wev);
	if (ch->wmarkcb != NULL && ch->above && ch->wlen <= ch->low) {
		ch->above = 0;
		ch->wmarkcb(ch, 0, ch->arg);
	}
}

int
kadipc_event_set(struct kadipc_chan *ch, struct event_base *base,
    kadipc_dispatch_cb dispatch, kadipc_dead_cb deadcb, void *arg)
{
	ch->dispatch = dispatch;
	ch->deadcb = deadcb;
	ch->arg = arg;
	if ((ch->rev = event_new(base, ch->fd, EV_READ | EV_PERSIST,
	    chan_readcb, ch)) == NULL)
		return (-1);
	if ((ch->wev = event_new(base, ch->fd, EV_WRITE | EV_PERSIST,
	    chan_writecb, ch)) == NULL)
		return (-1);
	if (event_add(ch->rev, NULL) == -1)
		return (-1);
	schedule_write(ch);
	return (0);
}

void
kadipc_set_batch_cb(struct kadipc_chan *ch, kadipc_batch_cb cb)
{
	ch->batchcb = cb;
}

void
kadipc_pause_read(struct kadipc_chan *ch, int pause)
{
	if (ch->paused == pause)
		return;
	ch->paused = pause;
	if (ch->rev == NULL || ch->dead)
		return;
	if (pause)
		event_del(ch->rev);
	else {
		event_add(ch->rev, NULL);
		/* messages may already sit in the buffer */
		event_active(ch->rev, EV_READ, 0);
	}
}

void
kadipc_set_watermarks(struct kadipc_chan *ch, size_t high, size_t low,
    kadipc_wmark_cb cb)
{
	ch->high = high;
	ch->low = low;
	ch->wmarkcb = cb;
}
