/* SPDX-License-Identifier: ISC */
/*
 * The fd kadctl passes to kadcrypt for a put (what it reads) or a get
 * (where it writes): the user's own when kadcrypt takes it, a regular
 * file or a pipe open the right way, so that no process copies the
 * bytes on the way.  Anything else (a terminal, a socket, a device, a
 * file open for writing too) kadcrypt refuses, so kadctl passes one end
 * of a pipe instead and copies between the other end and the user's fd
 * itself, while next_msg waits: the bytes still go to kadcrypt alone,
 * never through kadmaster.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "kadctl.h"

static struct {
	int	 in, out;	/* -1: none, or done */
	int	 owned;		/* the pipe's end kadctl holds: in or out */
	uint8_t	 buf[READ_BLOCK];
	size_t	 off, len;
} relay = { -1, -1, -1, { 0 }, 0, 0 };

/* What kadcrypt takes as it is: a regular file or a pipe, open as needed. */
static int
direct(int fd, int forwrite)
{
	struct stat	 st;
	int		 acc, fl;

	if (fstat(fd, &st) == -1 || (fl = fcntl(fd, F_GETFL)) == -1)
		return (0);
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		return (0);
	acc = fl & O_ACCMODE;
	return (forwrite ? acc == O_WRONLY || acc == O_RDWR : acc == O_RDONLY);
}

/*
 * The fd to send for the user's fd (which stays the caller's): a copy of
 * it, or a pipe's end with the relay set up behind it.
 */
int
xfer_fd(int fd, int forwrite)
{
	int	 p[2], nfd;

	if (direct(fd, forwrite)) {
		if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
			err(1, "dup");
		return (nfd);
	}
	if (relay.in != -1 || relay.out != -1)
		errx(1, "%s: a second relay", __func__);
	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe");
	relay.off = relay.len = 0;
	if (forwrite) {
		/* kadcrypt writes p[1], kadctl copies p[0] to fd */
		relay.in = relay.owned = p[0];
		relay.out = fd;
	} else {
		relay.in = fd;
		relay.out = relay.owned = p[1];
	}
	if (fcntl(relay.owned, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	return (forwrite ? p[1] : p[0]);
}

/* The poll entries the relay waits on, after those in pfd[0..*n). */
void
relay_pollfd(struct pollfd *pfd, nfds_t *n)
{
	if (relay.in != -1 && relay.len == 0) {
		pfd[*n].fd = relay.in;
		pfd[*n].events = POLLIN;
		(*n)++;
	} else if (relay.out != -1 && relay.len > 0) {
		pfd[*n].fd = relay.out;
		pfd[*n].events = POLLOUT;
		(*n)++;
	}
}

static void
relay_end(void)
{
	if (relay.owned != -1)
		close(relay.owned);
	relay.in = relay.out = relay.owned = -1;
	relay.len = 0;
}

/* One step of the copy, for what poll said of pfd. */
void
relay_io(const struct pollfd *pfd)
{
	ssize_t	 n;

	if (pfd->revents == 0)
		return;
	if (pfd->fd == relay.in) {
		if ((n = read(relay.in, relay.buf, sizeof(relay.buf))) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				return;
			err(1, "%s", relay.in == relay.owned ? "pipe" :
			    "standard input");
		}
		if (n == 0) {
			/* the end: a put's pipe closes, kadcrypt sees it */
			relay_end();
			return;
		}
		relay.off = 0;
		relay.len = n;
		return;
	}
	if ((n = write(relay.out, relay.buf + relay.off, relay.len)) == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		if (relay.out == relay.owned && errno == EPIPE) {
			/* kadcrypt stopped reading: its answer says why */
			relay_end();
			return;
		}
		err(1, "%s", relay.out == relay.owned ? "pipe" :
		    "standard output");
	}
	relay.off += n;
	relay.len -= n;
}

/* A get's copy to its end: kadcrypt has closed its end of the pipe. */
void
relay_finish(void)
{
	struct pollfd	 pfd;
	nfds_t		 n;

	for (;;) {
		n = 0;
		relay_pollfd(&pfd, &n);
		if (n == 0)
			return;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		relay_io(&pfd);
	}
}

#ifdef KAD_TEST_HOOKS
/* test-fd's fd of KIND, as kadctl itself never sends it. */
static int
test_fd_open(const char *kind, int put)
{
	char	 tmpl[] = "/tmp/kadctl-test-fd.XXXXXX";
	int	 fd, sv[2];

	if (strcmp(kind, "socket") == 0) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ==
		    -1)
			err(1, "socketpair");
		return (sv[0]);
	}
	if (strcmp(kind, "dir") == 0)
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (strcmp(kind, "dev") == 0)
		fd = open("/dev/null", (put ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
	else if (strcmp(kind, "rdwr") == 0 || strcmp(kind, "file") == 0 ||
	    strcmp(kind, "twice") == 0) {
		if ((fd = mkstemp(tmpl)) != -1)
			unlink(tmpl);
	} else if (strcmp(kind, "rdonly") == 0) {
		if ((fd = mkstemp(tmpl)) != -1) {
			close(fd);
			fd = open(tmpl, O_RDONLY | O_CLOEXEC);
			unlink(tmpl);
		}
	} else
		errx(1, "%s: socket, dir, dev, rdwr, rdonly, file or twice",
		    kind);
	if (fd == -1)
		err(1, "%s", kind);
	return (fd);
}

/*
 * test-fd put|get KIND [LINK]: kadcrypt's answer to an fd kadctl never
 * sends (a socket, a directory, /dev/null, a put's file open for
 * writing too, a get's file open read-only), on standard error with
 * status 1; "accepted" and 0 if it took it.  A get's "file" is a good
 * sink; "twice" sends it twice, which kadmaster refuses (before the get
 * ends or after).
 */
int
cmd_test_fd(const char *op, const char *kind, const char *link)
{
	struct kadipc_xfer_begin xb;
	struct kadipc_xfer_get	 g;
	struct kadipc_msg	 m;
	int			 put = strcmp(op, "put") == 0, fd, n;

	if (!put && (strcmp(op, "get") != 0 || link == NULL))
		errx(1, "test-fd put KIND, or test-fd get KIND LINK");
	fd = test_fd_open(kind, put);
	if (put) {
		memset(&xb, 0, sizeof(xb));
		strlcpy(xb.name, "test-fd", sizeof(xb.name));
		kadipc_compose(ch, KADIPC_XFER_PUT_BEGIN, 0, fd, &xb,
		    sizeof(xb));
	} else {
		memset(&g, 0, sizeof(g));
		strlcpy(g.link, link, sizeof(g.link));
		kadipc_compose(ch, KADIPC_XFER_GET_BEGIN, 0, -1, &g, sizeof(g));
	}
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_META:
			for (n = strcmp(kind, "twice") == 0 ? 2 : 1; n > 0; n--)
				kadipc_compose(ch, KADIPC_XFER_SINK, 0,
				    fcntl(fd, F_DUPFD_CLOEXEC, 0), NULL, 0);
			break;
		case KADIPC_XFER_ACK:
		case KADIPC_XFER_INFO:
			break;
		case KADIPC_XFER_DONE:
			/* the second sink may come after it: refused too */
			if (strcmp(kind, "twice") == 0)
				break;
			/* FALLTHROUGH */
		case KADIPC_XFER_LINK:
			printf("accepted\n");
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}
#endif
