/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for libkadipc's receive path: the fuzzer's bytes are
 * written into one end of a real AF_UNIX stream socketpair, in chunks,
 * some of them carrying an fd (SCM_RIGHTS), and a kadipc channel on the
 * other end reads and parses them until EOF or a protocol error.
 *
 * Input layout:
 *   byte 0  mode: bit 0  prepend a valid HELLO{VERSION, master}
 *                 bit 1  go through the libevent glue (kadipc_event_set)
 *                        instead of kadipc_read/kadipc_get
 *                 bit 2  attach fds to the chunks selected by byte 1
 *                 bits 3-7  chunk size (table below)
 *   byte 1  fd mask: chunk i carries an fd if bit (i % 8) is set
 *   rest    the byte stream
 *
 * Every message handed out is checked against the catalogue (type
 * allowed, length within bounds, fd exactly when flagged) and read the
 * way a recv helper would: kadipc_msg_exact into the typed struct for
 * fixed payloads, head plus counted bytes for variable ones.  Every
 * payload byte is touched so ASan sees any read outside the buffer, and
 * fds must not leak.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define ASSERT(x)	do { if (!(x)) __builtin_trap(); } while (0)

static const uint32_t allowed[] = {
	KADIPC_SHUTDOWN, KADIPC_VERBOSE, KADIPC_STATS_REQ, KADIPC_STATS,
	KADIPC_NET_CONFIG, KADIPC_NET_UDP, KADIPC_NET_CONFIG_DONE,
	KADIPC_STORE_CONFIG, KADIPC_XFER_PUT_BEGIN, KADIPC_XFER_DATA,
	KADIPC_XFER_ACK, KADIPC_XFER_LINK, KADIPC_XFER_META,
	KADIPC_CTL_TEXT, KADIPC_CTL_ERROR, KADIPC_CHUNK_PUT,
	KADIPC_CHUNK_GET_RES, KADIPC_CHUNK_GET,
};

static const size_t chunks[32] = {
	1, 2, 3, 4, 5, 7, 8, 13, 15, 16, 17, 23, 24, 31, 32, 40, 64, 100,
	127, 128, 255, 256, 511, 1000, 1024, 4095, 4096, 8192, 16384,
	65536, 131072, SIZE_MAX
};

static int	 passfd = -1;		/* the fd we send; a pipe end */
static int	 nfds_base = -1;
static volatile uint64_t sink;

static int
is_allowed(uint32_t type)
{
	size_t	 i;

	for (i = 0; i < nitems(allowed); i++)
		if (allowed[i] == type)
			return (1);
	return (0);
}

static int
count_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return (n);
}

/* Fixed payload: exact into the struct, and one byte off either way. */
#define EXACT(m, s) do {						\
	ASSERT(kadipc_msg_exact((m), &(s), sizeof(s)) == 0);		\
	ASSERT(kadipc_msg_exact((m), &(s), sizeof(s) - 1) == -1);	\
	ASSERT(kadipc_msg_exact((m), big, sizeof(s) + 1) == -1);	\
	sink += *(const uint8_t *)(const void *)&(s);			\
} while (0)

/* What a dispatcher and its recv helpers would do with a message. */
static void
check_msg(const struct kadipc_msg *m)
{
	const struct kadipc_type_info	*ti;
	union {
		struct kadipc_u32		u32;
		struct kadipc_u64		u64;
		struct kadipc_net_config	nc;
		struct kadipc_store_config	sc;
		struct kadipc_xfer_begin	xb;
		struct kadipc_xfer_meta		xm;
		struct kadipc_link		l;
		struct kadipc_text		t;
		struct kadipc_key		k;
		struct kadipc_chunk		c;
		struct kadipc_chunk_res		cr;
		struct kadipc_stat		st;
	} u;
	static uint8_t			 big[KADIPC_MAX_PAYLOAD + 1];
	struct stat			 sb;
	size_t				 i;
	uint64_t			 sum = 0;

	ti = kadipc_type_lookup(m->hdr.type);
	ASSERT(ti != NULL && m->hdr.type != KADIPC_HELLO);
	ASSERT(is_allowed(m->hdr.type));
	ASSERT(m->hdr.len == KADIPC_HDR_SIZE + m->len);
	ASSERT(m->len >= ti->minlen && m->len <= ti->maxlen);
	ASSERT((m->hdr.flags & ~KADIPC_F_MASK) == 0);
	ASSERT((m->fd != -1) == ((m->hdr.flags & KADIPC_F_FD) != 0));
	ASSERT((m->fd != -1) == (ti->hasfd != 0));
	if (m->fd != -1)
		ASSERT(fstat(m->fd, &sb) == 0);
	for (i = 0; i < m->len; i++)
		sum += m->data[i];
	sink += sum;

	switch (m->hdr.type) {
	case KADIPC_SHUTDOWN:
	case KADIPC_STATS_REQ:
	case KADIPC_NET_CONFIG_DONE:
		ASSERT(kadipc_msg_exact(m, NULL, 0) == 0);
		ASSERT(kadipc_msg_exact(m, big, 1) == -1);
		break;
	case KADIPC_VERBOSE:
	case KADIPC_NET_UDP:
		EXACT(m, u.u32);
		break;
	case KADIPC_XFER_ACK:
		EXACT(m, u.u64);
		break;
	case KADIPC_NET_CONFIG:
		EXACT(m, u.nc);
		break;
	case KADIPC_STORE_CONFIG:
		EXACT(m, u.sc);
		break;
	case KADIPC_XFER_PUT_BEGIN:
		EXACT(m, u.xb);
		sink += memchr(u.xb.name, '\0', sizeof(u.xb.name)) != NULL;
		break;
	case KADIPC_XFER_META:
		EXACT(m, u.xm);
		break;
	case KADIPC_XFER_LINK:
		EXACT(m, u.l);
		sink += memchr(u.l.link, '\0', sizeof(u.l.link)) != NULL;
		break;
	case KADIPC_CTL_ERROR:
		EXACT(m, u.t);
		break;
	case KADIPC_CHUNK_GET:
		EXACT(m, u.k);
		break;
	case KADIPC_STATS:
		/* n records, exactly */
		if (m->len % sizeof(u.st) == 0)
			for (i = 0; i < m->len / sizeof(u.st); i++) {
				memcpy(&u.st, m->data + i * sizeof(u.st),
				    sizeof(u.st));
				sink += u.st.value;
			}
		break;
	case KADIPC_CHUNK_PUT:
		ASSERT(m->len >= sizeof(u.c));
		memcpy(&u.c, m->data, sizeof(u.c));
		ASSERT(m->len - sizeof(u.c) <= KADIPC_CHUNK_MAX);
		sink += u.c.flags + u.c.copies;
		break;
	case KADIPC_CHUNK_GET_RES:
		ASSERT(m->len >= sizeof(u.cr));
		memcpy(&u.cr, m->data, sizeof(u.cr));
		ASSERT(m->len - sizeof(u.cr) <= KADIPC_CHUNK_MAX);
		sink += (uint32_t)u.cr.error;
		break;
	case KADIPC_XFER_DATA:
	case KADIPC_CTL_TEXT:
		ASSERT(m->len >= 1);
		break;
	default:
		ASSERT(0);
	}
}

/* Send one chunk, maybe with an fd: bytes written, or -1. */
static ssize_t
send_chunk(int fd, const uint8_t *p, size_t len, int withfd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (withfd) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &passfd, sizeof(int));
	}
	return (sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT));
}

static void
drain_fd(int fd)
{
	char	 buf[65536];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Direct API: 0 keep going, 1 EOF, -1 dead or error. */
static int
consume(struct kadipc_chan *ch)
{
	struct kadipc_msg	 m;
	ssize_t			 r;
	int			 g, i;

	for (i = 0; i < 1000; i++) {
		r = kadipc_read(ch);
		while ((g = kadipc_get(ch, &m)) == 1) {
			check_msg(&m);
			if (m.fd != -1)
				close(m.fd);
		}
		if (g == -1) {
			ASSERT(kadipc_chan_dead(ch));
			ASSERT(kadipc_get(ch, &m) == -1);
			return (-1);
		}
		if (r == 0)
			return (1);
		if (r == -1)
			return (errno == EAGAIN ? 0 : -1);
	}
	return (0);
}

/* libevent glue */
struct fstate {
	struct event_base	*base;
	struct kadipc_chan	*ch;
	int			 dead;
	int			 paused;
};

static void
f_dispatch(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct fstate	*st = arg;

	ASSERT(ch == st->ch && !st->dead);
	check_msg(m);
	if (m->fd != -1 && (m->hdr.peerid & 1)) {
		close(m->fd);		/* taken; else the glue closes it */
		m->fd = -1;
	}
	switch ((m->hdr.peerid >> 1) & 7) {
	case 1:
		kadipc_pause_read(ch, 1);
		st->paused = 1;
		break;
	case 2:
		(void)kadipc_compose(ch, KADIPC_READY, m->hdr.peerid, -1,
		    NULL, 0);
		break;
	case 7:
		kadipc_chan_close(ch);
		break;
	}
}

static void
f_dead(struct kadipc_chan *ch, void *arg)
{
	struct fstate	*st = arg;

	ASSERT(ch == st->ch && !st->dead);
	st->dead = 1;
	kadipc_chan_free(ch);
	st->ch = NULL;
}

static void
f_batch(struct kadipc_chan *ch, void *arg)
{
	struct fstate	*st = arg;

	ASSERT(ch == st->ch && !st->dead);
}

static void
f_step(struct fstate *st)
{
	if (st->paused && st->ch != NULL) {
		st->paused = 0;
		kadipc_pause_read(st->ch, 0);
	}
	event_base_loop(st->base, EVLOOP_NONBLOCK);
}

static void
run(const uint8_t *s, size_t n, int glue, size_t chunk, int usefd,
    uint8_t fdmask)
{
	struct kadipc_chan	*ch;
	struct fstate		 st;
	size_t			 off = 0, idx = 0, len;
	ssize_t			 w;
	int			 sv[2], i, stalls = 0, done = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		abort();
	ch = kadipc_chan_new(sv[0], KAD_PROC_NET, KAD_PROC_MASTER, allowed,
	    nitems(allowed));
	ASSERT(ch != NULL);
	memset(&st, 0, sizeof(st));
	if (glue) {
		st.base = event_base_new();
		st.ch = ch;
		ASSERT(st.base != NULL);
		ASSERT(kadipc_event_set(ch, st.base, f_dispatch, f_dead,
		    &st) == 0);
		kadipc_set_batch_cb(ch, f_batch);
	} else
		ASSERT(kadipc_flush(ch) == 0);

	while (off < n && !done) {
		len = n - off < chunk ? n - off : chunk;
		w = send_chunk(sv[1], s + off, len,
		    usefd && (fdmask >> (idx % 8)) & 1);
		if (w > 0) {
			off += w;
			idx++;
			stalls = 0;
		} else if (w == -1 && errno != EAGAIN)
			break;		/* the channel end is gone */
		else if (++stalls > 100)
			ASSERT(0);	/* the reader stopped reading */
		if (glue) {
			f_step(&st);
			done = st.dead;
		} else
			done = consume(ch) != 0;
		drain_fd(sv[1]);
	}

	/* EOF: the channel must notice and, in the glue, die exactly once */
	close(sv[1]);
	if (glue) {
		for (i = 0; i < 100 && !st.dead; i++)
			f_step(&st);
		ASSERT(st.dead);
		event_base_free(st.base);
	} else {
		for (i = 0; i < 100 && !done; i++)
			done = consume(ch) != 0;
		ASSERT(done);
		kadipc_chan_free(ch);
	}
}

/*
 * Every rejected input logs a protocol error on stderr.  Unless
 * FUZZ_IPC_VERBOSE is set, add -close_fd_mask=2 to the fuzzer's own
 * flags (they are parsed after this returns): libFuzzer then keeps its
 * output on a copy of stderr and points fd 2 at /dev/null.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	 quiet[] = "-close_fd_mask=2";
	char		**nargv;
	int		 i, p[2], given = 0;

	log_init(1, LOG_DAEMON);
	log_procinit("fuzz_ipc");
	for (i = 0; i < *argc; i++)
		if (strncmp((*argv)[i], "-close_fd_mask=", 15) == 0)
			given = 1;
	if (!given && getenv("FUZZ_IPC_VERBOSE") == NULL &&
	    (nargv = calloc(*argc + 2, sizeof(*nargv))) != NULL) {
		for (i = 0; i < *argc; i++)
			nargv[i] = (*argv)[i];
		nargv[i++] = quiet;
		nargv[i] = NULL;
		*argv = nargv;
		*argc = i;
	}
	if (pipe2(p, O_CLOEXEC) == -1)
		abort();
	passfd = p[1];		/* p[0] stays open: writes never fail */
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		*buf;
	static size_t		 bufsz;
	struct kadipc_hdr	 h;
	struct kadipc_hello	 hello;
	uint8_t			 mode, fdmask;
	size_t			 n;

	if (size < 2)
		return (0);
	mode = data[0];
	fdmask = data[1];
	data += 2;
	size -= 2;
	if (bufsz < size + sizeof(h) + sizeof(hello)) {
		free(buf);
		bufsz = size + sizeof(h) + sizeof(hello);
		if ((buf = malloc(bufsz)) == NULL)
			abort();
	}
	n = 0;
	if (mode & 1) {
		memset(&h, 0, sizeof(h));
		h.type = KADIPC_HELLO;
		h.len = sizeof(h) + sizeof(hello);
		hello.version = KADIPC_VERSION;
		hello.proc = KAD_PROC_MASTER;
		memcpy(buf, &h, sizeof(h));
		memcpy(buf + sizeof(h), &hello, sizeof(hello));
		n = sizeof(h) + sizeof(hello);
	}
	if (size > 0)
		memcpy(buf + n, data, size);
	n += size;

	/*
	 * Count around this input only: libFuzzer itself may open files
	 * between inputs (seen in CI: two pipes that no input created).
	 */
	nfds_base = count_fds();
	run(buf, n, (mode >> 1) & 1, chunks[mode >> 3], (mode >> 2) & 1,
	    fdmask);
	ASSERT(count_fds() == nfds_base);	/* no fd leaked */
	return (0);
}
