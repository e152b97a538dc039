/* SPDX-License-Identifier: ISC */
/*
 * The plaintext's source and sink: the file descriptors kadctl passes,
 * through kadmaster, which forwards them and never reads them.  A put's
 * fd (XFER_PUT_BEGIN) is read here to its end and fed to the publisher;
 * a get's (XFER_SINK) receives the verified plaintext the fetch engine
 * hands out.  So no file byte crosses the root process.
 *
 * kadcrypt may do nothing with such an fd but read it (put) or write it
 * (get): it takes a regular file or a pipe, open read-only for a put and
 * for writing for a get, and refuses anything else (a socket, a
 * directory, a device) with one line for the user.  It opens nothing
 * and seeks nothing: a get writes at the file's offset, which kadctl
 * left at the end of the partial file it has proved (or where standard
 * output stands).
 *
 * A pipe is made non-blocking for the transfer (its flags come back at
 * the end) and polled, so a slow pipe never holds up the loop; a
 * regular file is read in bursts between turns of the loop.  A put reads
 * at most the transfer window ahead of what kadstore has committed; a
 * get holds at most one block beyond the engine's window.  The client
 * hears the progress in XFER_ACKs of at least PROGRESS_STEP bytes.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <bsd/stdlib.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "kadcrypt.h"
#include "fetch.h"
#include "crypt_xfer.h"

#define SRC_BURST	16		/* blocks a put reads per turn */
#define PROGRESS_STEP	(256 * 1024)	/* bytes between two XFER_ACKs */

static struct event_base *fd_base;

void
crypt_fd_init(struct event_base *base)
{
	fd_base = base;
}

/* What a refused fd is, for the user's one line. */
static const char *
fd_kind(mode_t mode)
{
	if (S_ISSOCK(mode))
		return ("a socket");
	if (S_ISDIR(mode))
		return ("a directory");
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return ("a device");
	return ("a file of another kind");
}

static void
src_ready(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	src_pump(arg);
}

static void
sink_ready(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	get_pump(arg);
}

/*
 * The fd of x's plaintext, now x's (closed with it): NULL, or why it is
 * refused (x then fails with it).
 */
const char *
fd_take(struct xfer *x, int fd, int forwrite)
{
	static char	 why[KADIPC_TEXT_MAX];
	struct stat	 st;
	int		 fl, acc;

	if (x->fd != -1)
		fatalx("%s: transfer %u has an fd", __func__, x->id);
	x->fd = fd;
	if (fstat(fd, &st) == -1 || (fl = fcntl(fd, F_GETFL)) == -1)
		return ("the file's descriptor cannot be examined");
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		(void)snprintf(why, sizeof(why), "kadcrypt takes a regular "
		    "file or a pipe, not %s", fd_kind(st.st_mode));
		return (why);
	}
	acc = fl & O_ACCMODE;
	if (!forwrite && acc != O_RDONLY)
		return ("kadcrypt takes the file to put read-only, and this "
		    "one is open for writing");
	if (forwrite && acc != O_WRONLY && acc != O_RDWR)
		return ("the file to write is not open for writing");
	x->fd_flags = fl;
	if ((x->fd_pipe = S_ISFIFO(st.st_mode)) && !(fl & O_NONBLOCK) &&
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return ("the pipe cannot be made non-blocking");
	x->fd_ev = event_new(fd_base, x->fd_pipe ? fd : -1, x->fd_pipe ?
	    (forwrite ? EV_WRITE : EV_READ | EV_PERSIST) : 0,
	    forwrite ? sink_ready : src_ready, x);
	if (x->fd_ev == NULL)
		fatalx("%s: event_new", __func__);
	return (NULL);
}

/* The client's fd goes back as it came (its flags) and is closed. */
void
fd_release(struct xfer *x)
{
	if (x->fd_ev != NULL) {
		event_free(x->fd_ev);
		x->fd_ev = NULL;
	}
	if (x->fd == -1)
		return;
	if (x->fd_pipe && !(x->fd_flags & O_NONBLOCK))
		(void)fcntl(x->fd, F_SETFL, x->fd_flags);
	close(x->fd);
	x->fd = -1;
	x->fd_pipe = 0;
}

/* Progress for the client: done bytes stored (put) or written (get). */
void
xfer_progress(struct xfer *x, uint64_t done, int final)
{
	struct kadipc_u64	 u;

	if (done <= x->reported ||
	    (!final && done - x->reported < PROGRESS_STEP))
		return;
	u.value = done - x->reported;
	x->reported = done;
	to_master(KADIPC_XFER_ACK, x->id, &u, sizeof(u));
}

/*
 * A put: read the client's fd as far as the window lets (it opens again
 * as kadstore commits: put_stored marks x, crypt_store_batch calls
 * here), in bursts, and at its end finish the file.
 */
void
src_pump(struct xfer *x)
{
	uint8_t	 buf[READ_CHUNK];
	ssize_t	 n;
	int	 i;

	if (x->kind != XFER_PUT || x->fd == -1)
		return;
	for (i = 0; i < SRC_BURST; i++) {
		if (x->bytes_in - x->acked >= xfer_window) {
			if (x->fd_pipe)
				event_del(x->fd_ev);
			goto out;
		}
		if ((n = read(x->fd, buf, sizeof(buf))) == -1 &&
		    errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN && x->fd_pipe) {
			if (event_add(x->fd_ev, NULL) == -1)
				fatalx("%s: event_add", __func__);
			goto out;
		}
		if (n == -1) {
			xfer_fail(x, "cannot read the file: %s",
			    strerror(errno));
			goto out;
		}
		if (n == 0) {
			fd_release(x);
			put_end(x);
			goto out;
		}
		if (put_feed(x, buf, (size_t)n) == -1)
			goto out;	/* x failed and is gone */
	}
	/* more to read: once the loop has turned */
	if (x->fd_pipe) {
		if (event_add(x->fd_ev, NULL) == -1)
			fatalx("%s: event_add", __func__);
	} else
		event_active(x->fd_ev, EV_READ, 0);
 out:
	explicit_bzero(buf, sizeof(buf));
}

/*
 * A resumed get: the client holds the first x->skip bytes.  They are
 * hashed, not written; once they are past, XFER_PREFIX tells the client
 * their SHA-256, which it checks against its partial file before it
 * sends the sink.  *off is where the bytes to write begin in buf.
 */
static void
get_skip(struct xfer *x, const uint8_t *buf, size_t n, size_t *off)
{
	struct kadipc_key	 k;
	size_t			 take;

	*off = 0;
	if (x->plain == NULL || x->prefix_sent)
		return;
	take = x->skip < n ? (size_t)x->skip : n;
	if (take > 0 && crypt_sha256_update(x->plain, buf, take) == -1)
		fatalx("%s: SHA-256", __func__);
	x->skip -= take;
	*off = take;
	if (x->skip == 0) {
		if (crypt_sha256_final(x->plain, k.key) == -1)
			fatalx("%s: SHA-256", __func__);
		x->prefix_sent = 1;
		to_master(KADIPC_XFER_PREFIX, x->id, &k, sizeof(k));
	}
}

/* 1: the block is written, 0: the pipe is full (sink_ready), -1: error */
static int
sink_write(struct xfer *x)
{
	ssize_t	 n;

	while (x->olen > 0) {
		n = write(x->fd, x->obuf + x->ooff, x->olen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN && x->fd_pipe) {
			if (event_add(x->fd_ev, NULL) == -1)
				fatalx("%s: event_add", __func__);
			return (0);
		}
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return (-1);
		x->ooff += n;
		x->olen -= n;
		x->written += n;
		stat_get_bytes += n;
	}
	return (1);
}

/*
 * A get: the plaintext the engine has, in order, to the sink; before
 * the client has sent one (XFER_SINK) the first block waits, and so do
 * the engine's requests behind it.  -1: x failed and is gone.
 */
int
sink_pump(struct xfer *x)
{
	size_t	 n, off;
	int	 r;

	if (x->obuf == NULL && (x->obuf = malloc(READ_CHUNK)) == NULL)
		fatal("%s", __func__);
	for (;;) {
		if (x->olen > 0) {
			if (x->fd == -1)
				break;
			if ((r = sink_write(x)) == -1) {
				xfer_fail(x, "cannot write the file: %s",
				    strerror(errno));
				return (-1);
			}
			if (r == 0)
				break;
			continue;
		}
		if ((n = fetch_read(x->fetch, x->obuf, READ_CHUNK)) == 0)
			break;
		get_skip(x, x->obuf, n, &off);
		x->ooff = off;
		x->olen = n - off;
	}
	xfer_progress(x, x->written, 0);
	return (0);
}

/* 1 once every byte the engine handed out is written. */
int
sink_idle(const struct xfer *x)
{
	return (x->olen == 0);
}

/* XFER_SINK: where a get's plaintext goes, once. */
void
sink_begin(struct xfer *x, int fd)
{
	const char	*why;

	if (x->kind != XFER_GET || x->fd != -1 || x->sink_seen)
		fatalx("%s: XFER_SINK out of state", __func__);
	x->sink_seen = 1;
	if ((why = fd_take(x, fd, 1)) != NULL) {
		xfer_fail(x, "%s", why);
		return;
	}
	get_pump(x);
}
