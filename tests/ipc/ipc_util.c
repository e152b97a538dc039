/* SPDX-License-Identifier: ISC */
/*
 * Helpers shared by the libkadipc tests: socketpairs, channel pairs,
 * raw messages written on the peer end, message collection and stderr
 * capture (the library logs why it killed a channel).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "tests/ipc/ipc_util.h"

uint8_t		 pbuf[KADIPC_MAX_MSG + 16];
uint8_t		 sbuf[256 * 1024];
uint32_t	 alltypes[KADIPC_TYPE_MAX];
size_t		 nalltypes;

void
fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

int
filled(const uint8_t *p, size_t len, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed * 131 + i * 7 + (i >> 8)))
			return (0);
	return (1);
}

int
sp(int sv[2])
{
	return (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv));
}

/* Open fds of this process, to catch leaks of passed fds. */
int
nfds_open(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

int
fd_is_open(int fd)
{
	return (fcntl(fd, F_GETFD) != -1);
}

/* stderr capture: the library logs the reason of each protocol error */
static int	 capfd = -1, capsaved = -1;
static char	 capbuf[16384];

void
cap_begin(void)
{
	char	 path[] = "/tmp/test_ipc.XXXXXX";

	if (capfd == -1) {
		if ((capfd = mkstemp(path)) == -1) {
			perror("mkstemp");
			exit(2);
		}
		unlink(path);
	}
	if (ftruncate(capfd, 0) == -1 || lseek(capfd, 0, SEEK_SET) == -1) {
		perror("cap_begin");
		exit(2);
	}
	fflush(stderr);
	capsaved = dup(STDERR_FILENO);
	dup2(capfd, STDERR_FILENO);
}

const char *
cap_end(void)
{
	ssize_t	 n;

	fflush(stderr);
	dup2(capsaved, STDERR_FILENO);
	close(capsaved);
	capsaved = -1;
	n = pread(capfd, capbuf, sizeof(capbuf) - 1, 0);
	capbuf[n > 0 ? n : 0] = '\0';
	if (n > 0)
		fprintf(stderr, "%s", capbuf);	/* keep it visible */
	return (capbuf);
}

/* Messages collected by the synchronous tests. */
struct got	 got[MAXGOT];
size_t		 ngot;

void
collect(const struct kadipc_msg *m)
{
	struct got	*g;

	if (ngot == MAXGOT) {
		if (m->fd != -1)
			close(m->fd);
		return;
	}
	g = &got[ngot++];
	g->hdr = m->hdr;
	g->len = m->len;
	g->fd = m->fd;
	if ((g->data = malloc(m->len ? m->len : 1)) == NULL) {
		perror("malloc");
		exit(2);
	}
	if (m->len > 0)
		memcpy(g->data, m->data, m->len);
}

void
got_reset(void)
{
	size_t	 i;

	for (i = 0; i < ngot; i++) {
		free(got[i].data);
		if (got[i].fd != -1)
			close(got[i].fd);
	}
	ngot = 0;
}

/*
 * Flush a into b until nothing is queued and b has read everything,
 * collecting what b receives.  0, or -1 on any error or EOF.
 */
int
pump(struct kadipc_chan *a, struct kadipc_chan *b)
{
	struct kadipc_msg	 m;
	ssize_t			 r;
	int			 i, f, g;

	for (i = 0; i < 1000000; i++) {
		if ((f = kadipc_flush(a)) == -1)
			return (-1);
		r = kadipc_read(b);
		if (r == 0 || (r == -1 && errno != EAGAIN))
			return (-1);
		while ((g = kadipc_get(b, &m)) == 1)
			collect(&m);
		if (g == -1)
			return (-1);
		if (f == 0 && r == -1)
			return (0);
	}
	return (-1);
}

/*
 * Read everything the socket holds and collect every message.  Returns
 * the last kadipc_get result: 0 (need more) or -1 (protocol error).
 */
int
drain_chan(struct kadipc_chan *ch, int *eof)
{
	struct kadipc_msg	 m;
	ssize_t			 r;
	int			 g;

	for (;;) {
		r = kadipc_read(ch);
		if (r == 0 && eof != NULL)
			*eof = 1;
		while ((g = kadipc_get(ch, &m)) == 1)
			collect(&m);
		if (g == -1 || r <= 0)
			return (g);
	}
}

void
drain_fd(int fd)
{
	char	 buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Two channels: a is the master, b the net worker; HELLOs done. */
int
chanpair(struct kadipc_chan **a, struct kadipc_chan **b)
{
	int	 sv[2];

	*a = *b = NULL;
	if (sp(sv) == -1)
		return (-1);
	*a = kadipc_chan_new(sv[0], KAD_PROC_MASTER, KAD_PROC_NET, alltypes,
	    nalltypes);
	*b = kadipc_chan_new(sv[1], KAD_PROC_NET, KAD_PROC_MASTER, alltypes,
	    nalltypes);
	if (*a == NULL || *b == NULL)
		return (-1);
	got_reset();
	if (pump(*a, *b) == -1 || pump(*b, *a) == -1 || ngot != 0)
		return (-1);
	return (0);
}

/*
 * A net-side channel whose master end stays raw: the test writes the
 * master's bytes itself.  Our HELLO is flushed and discarded.
 */
struct kadipc_chan *
rawchan(int *raw, const uint32_t *allowed, size_t nallowed)
{
	struct kadipc_chan	*ch;
	int			 sv[2];

	if (sp(sv) == -1)
		return (NULL);
	if ((ch = kadipc_chan_new(sv[0], KAD_PROC_NET, KAD_PROC_MASTER,
	    allowed, nallowed)) == NULL) {
		close(sv[0]);
		close(sv[1]);
		return (NULL);
	}
	kadipc_flush(ch);
	drain_fd(sv[1]);
	*raw = sv[1];
	return (ch);
}

size_t
mkmsg(uint8_t *buf, uint32_t type, uint32_t len, uint16_t flags,
    uint32_t peerid, const void *payload, size_t plen)
{
	struct kadipc_hdr	 h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = (uint16_t)len;
	h.flags = flags;
	h.peerid = peerid;
	h.pid = 4242;
	memcpy(buf, &h, sizeof(h));
	if (plen > 0)
		memcpy(buf + sizeof(h), payload, plen);
	return (sizeof(h) + plen);
}

/* Write all of buf, with fds attached (SCM_RIGHTS) to its first byte. */
int
sendraw_fds(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 32)];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 r;
	size_t		 off = 0;

	while (off < len) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = (uint8_t *)(uintptr_t)buf + off;
		iov.iov_len = len - off;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (off == 0 && nfds > 0) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
		}
		if ((r = sendmsg(fd, &msg, MSG_NOSIGNAL)) == -1)
			return (-1);
		off += r;
	}
	return (0);
}

int
sendraw(int fd, const void *buf, size_t len, int passfd)
{
	return (sendraw_fds(fd, buf, len, &passfd, passfd == -1 ? 0 : 1));
}

int
rawmsg(int fd, uint32_t type, uint32_t len, uint16_t flags,
    const void *payload, size_t plen, int passfd)
{
	size_t	 n;

	n = mkmsg(sbuf, type, len, flags, 0, payload, plen);
	return (sendraw(fd, sbuf, n, passfd));
}

int
rawhello(int fd, uint32_t version, uint32_t proc)
{
	struct kadipc_hello	 h;

	h.version = version;
	h.proc = proc;
	return (rawmsg(fd, KADIPC_HELLO, KADIPC_HDR_SIZE + sizeof(h), 0,
	    &h, sizeof(h), -1));
}

int
rawu32(int fd, uint32_t type, uint32_t v, int passfd)
{
	return (rawmsg(fd, type, KADIPC_HDR_SIZE + sizeof(v),
	    passfd != -1 ? KADIPC_F_FD : 0, &v, sizeof(v), passfd));
}

void
ipc_util_init(void)
{
	uint32_t	 t;

	for (t = 1; t < KADIPC_TYPE_MAX; t++)
		if (kadipc_type_lookup(t) != NULL && t != KADIPC_HELLO)
			alltypes[nalltypes++] = t;
	cap_begin();		/* opens the capture file before fds are counted */
	cap_end();
}

void
ipc_util_done(void)
{
	got_reset();
	if (capfd != -1)
		close(capfd);
}
