/* SPDX-License-Identifier: ISC */
/*
 * kadctl: the command-line client of the control socket.  It is the only
 * program that opens the user's files: a put streams the file to the
 * daemon, a get streams the plaintext back into a partial file that is
 * renamed into place only once kadcrypt has verified the content key.
 *
 * A get that does not finish leaves its partial file, DIR/.kad-get-H
 * (H: SHA-256 of the link, cut), and a state record next to it; the
 * same get again sends the partial file's length, kadcrypt skips that
 * many bytes and returns their SHA-256 (XFER_PREFIX), and the get goes
 * on only if the partial file has the same.  Before a put of a regular
 * file, its SHA-256 asks kadcrypt's list whether this node already
 * published it (XFER_FIND); kadcrypt keeps only a keyed hash of it.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <dirent.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "version.h"
#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "kadmaster/config.h"
#include "output.h"
#include "show.h"

#define READ_BLOCK	(60 * 1024)
#define WRITE_BUF	(256 * 1024)	/* a get writes in large blocks */
#define QUEUE_MAX	(1024 * 1024)
#define PARTIAL_PREFIX	".kad-get-"
#define PARTIAL_STALE	(24 * 60 * 60)	/* older partial files go */
#define TEXT_MAX	(16 * 1024 * 1024)	/* status or peers text */

static struct kadipc_chan *ch;
static int	 quiet;
int		 json_out, exact_out;	/* -j, -p (output.h) */
static char	 tmppath[PATH_MAX];	/* a partial file to remove at exit */
static char	 statepath[PATH_MAX];

/* A partial file that must not be resumed goes at exit (see cmd_get). */
static void
remove_tmp(void)
{
	if (tmppath[0] != '\0')
		unlink(tmppath);
	if (statepath[0] != '\0')
		unlink(statepath);
}

/* progress bar on stderr: bytes, rate, ETA */
static struct timespec	 t0, tlast;
static uint64_t		 ptotal;

__attribute__((__noreturn__)) static void
usage(void)
{
	fprintf(stderr,
	    "usage: kadctl [-jpV] [-s socket] command [args]\n"
	    "commands:\n"
	    "    status\n"
	    "    metrics\n"
	    "    put [-q] [-n name] file | -\n"
	    "    get [-fq] [--no-resume] [-o path | -] link\n"
	    "    ls\n"
	    "    unpin link\n"
	    "    rm link\n"
	    "    bootstrap address:port\n"
	    "    peers\n");
	exit(1);
}

/* Whether cmd names a command at all (its arguments are checked later). */
static int
known_command(const char *cmd)
{
	static const char *const cmds[] = {
		"status", "put", "get", "ls", "unpin", "rm", "bootstrap",
		"peers", "metrics",
#ifdef KAD_TEST_HOOKS
		"test-garbage", "test-sandbox", "test-dh",
#endif
	};
	size_t	i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return (1);
	return (0);
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return ((b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9);
}

static void
progress_start(uint64_t total)
{
	ptotal = total;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tlast = t0;
}

static void
progress(uint64_t done, int final)
{
	struct timespec	 now;
	double		 t, rate;
	char		 eta[32];

	if (quiet || !isatty(STDERR_FILENO))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && elapsed(&tlast, &now) < 0.1)
		return;
	tlast = now;
	t = elapsed(&t0, &now);
	rate = t > 0 ? done / t : 0;
	if (rate > 0 && ptotal > done)
		snprintf(eta, sizeof(eta), "%.0fs", (ptotal - done) / rate);
	else
		strlcpy(eta, "-", sizeof(eta));
	fprintf(stderr, "\r%6.1f%% %10.1f MiB %8.1f MiB/s  ETA %s   ",
	    ptotal ? 100.0 * done / ptotal : 100.0, done / 1048576.0,
	    rate / 1048576.0, eta);
	if (final)
		fputc('\n', stderr);
}

static void
connect_ctl(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "connect %s (is kadmaster running?)", path);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	if ((ch = kadipc_chan_open(fd, KAD_PROC_CTL, KAD_PROC_MASTER)) == NULL)
		err(1, "channel");
}

/*
 * Wait for the socket, flush what is queued, and return the next
 * message (1), or 0 when `want_write` says the caller has more to queue
 * and the socket can take it.
 */
static int
next_msg(struct kadipc_msg *m, int want_write)
{
	struct pollfd	 pfd;
	ssize_t		 r;
	int		 g;

	for (;;) {
		if ((g = kadipc_get(ch, m)) == 1)
			return (1);
		if (g == -1)
			errx(1, "protocol error from kadmaster");
		if (kadipc_flush(ch) == -1)
			err(1, "write to kadmaster");
		if (want_write && kadipc_queued(ch) < QUEUE_MAX)
			return (0);
		pfd.fd = kadipc_chan_fd(ch);
		pfd.events = POLLIN | (kadipc_queued(ch) ? POLLOUT : 0);
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			r = kadipc_read(ch);
			if (r == 0)
				errx(1, "kadmaster closed the connection");
			if (r == -1 && errno != EAGAIN)
				err(1, "read from kadmaster");
		}
	}
}

__attribute__((__noreturn__)) static void
fail_text(struct kadipc_msg *m)
{
	struct kadipc_text	 t;

	if (kadipc_recv_text(m, &t) == -1)
		errx(1, "malformed error from kadmaster");
	errx(1, "%s", t.text);
}

/*
 * status, metrics and peers: text lines until CTL_END, then shown as
 * -j and -p say (show.c).
 */
static int
cmd_text(const char *cmd)
{
	struct kadipc_msg	 m;
	const uint8_t		*data;
	char			*text = NULL, *t;
	size_t			 len, tlen = 0;
	enum show_mode		 mode;
	int			 r;

	kadipc_compose(ch, strcmp(cmd, "peers") == 0 ? KADIPC_CTL_PEERS :
	    KADIPC_CTL_STATUS, 0, -1, NULL, 0);
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_CTL_TEXT:
			if (kadipc_recv_bytes(&m, &data, &len) == -1)
				errx(1, "malformed text from kadmaster");
			if (len > TEXT_MAX - tlen)
				errx(1, "too much text from kadmaster");
			if ((t = realloc(text, tlen + len)) == NULL)
				err(1, NULL);
			text = t;
			memcpy(text + tlen, data, len);
			tlen += len;
			break;
		case KADIPC_CTL_END:
			mode = json_out ? SHOW_JSON : exact_out ? SHOW_EXACT :
			    SHOW_HUMAN;
			if (strcmp(cmd, "metrics") == 0)
				r = show_metrics(stdout, text, tlen,
				    KAD_VERSION);
			else if (strcmp(cmd, "peers") == 0)
				r = show_peers(stdout, text, tlen, mode);
			else
				r = show_status(stdout, text, tlen, mode);
			if (r == -1 && errno == EBADMSG)
				errx(1, "malformed %s from kadmaster", cmd);
			if (r == -1)
				err(1, "stdout");
			free(text);
			return (0);
		case KADIPC_CTL_ERROR:
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}

/* SHA-256 of what fd holds from its start to len (all of it: -1). */
static int
sha256_fd(int fd, off_t len, uint8_t md[32])
{
	static uint8_t	 buf[WRITE_BUF];
	EVP_MD_CTX	*c;
	unsigned int	 mdlen = 0;
	off_t		 off = 0;
	ssize_t		 n;
	int		 ok = 0;

	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		goto done;
	while (len < 0 || off < len) {
		n = pread(fd, buf, len < 0 || len - off > (off_t)sizeof(buf) ?
		    sizeof(buf) : (size_t)(len - off), off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto done;
		if (n == 0) {
			if (len >= 0)
				goto done;	/* shorter than it was */
			break;
		}
		if (EVP_DigestUpdate(c, buf, n) != 1)
			goto done;
		off += n;
	}
	ok = EVP_DigestFinal_ex(c, md, &mdlen) == 1 && mdlen == 32;
 done:
	EVP_MD_CTX_free(c);
	return (ok ? 0 : -1);
}

/*
 * Did this node publish these bytes already?  1 and the link in l, or
 * 0.  The hash goes to kadcrypt, which compares keyed hashes only.
 */
static int
put_find(int fd, const char *path, struct kadipc_link *l)
{
	struct kadipc_key	 k;
	struct kadipc_msg	 m;

	if (sha256_fd(fd, -1, k.key) == -1)
		err(1, "%s", path);
	kadipc_compose(ch, KADIPC_XFER_FIND, 0, -1, &k, sizeof(k));
	next_msg(&m, 0);
	switch (m.hdr.type) {
	case KADIPC_XFER_DONE:
		return (0);
	case KADIPC_XFER_LINK:
		if (kadipc_recv_link(&m, l) == -1)
			errx(1, "malformed link from kadmaster");
		return (1);
	case KADIPC_XFER_ERROR:
	case KADIPC_CTL_ERROR:
		fail_text(&m);
	default:
		errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
	}
}

/* put FILE, or put - (standard input, named by -n or "stdin") */
static int
cmd_put(const char *path, const char *name)
{
	struct kadipc_xfer_begin xb;
	struct kadipc_msg	 m;
	struct kadipc_link	 l;
	struct stat		 st;
	char			 buf[READ_BLOCK], *pathcopy;
	uint64_t		 sent = 0;
	ssize_t			 n;
	int			 fd, eof = 0, isstdin;

	isstdin = strcmp(path, "-") == 0;
	if (isstdin)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	if (fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (!isstdin && !S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", path);
	memset(&xb, 0, sizeof(xb));
	xb.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (name == NULL && isstdin)
		name = "stdin";
	if (name == NULL) {
		if ((pathcopy = strdup(path)) == NULL)
			err(1, NULL);
		if (strlcpy(xb.name, basename(pathcopy), sizeof(xb.name)) >=
		    sizeof(xb.name))
			errx(1, "%s: file name longer than %d bytes", path,
			    KADIPC_NAME_MAX - 1);
		free(pathcopy);
	} else if (strchr(name, '/') != NULL || name[0] == '\0' ||
	    strlcpy(xb.name, name, sizeof(xb.name)) >= sizeof(xb.name))
		errx(1, "%s: a name is one non-empty path component of at "
		    "most %d bytes", name, KADIPC_NAME_MAX - 1);
	/* a regular file can be read twice: first to see if it is new */
	if (S_ISREG(st.st_mode) && put_find(fd, path, &l) == 1) {
		if (!quiet)
			fprintf(stderr, "kadctl: %s: already published; "
			    "not stored again\n", path);
		printf("%s\n", l.link);
		return (0);
	}
	kadipc_compose(ch, KADIPC_XFER_PUT_BEGIN, 0, -1, &xb, sizeof(xb));
	progress_start(xb.size);
	for (;;) {
		if (next_msg(&m, !eof) == 0) {
			n = read(fd, buf, sizeof(buf));
			if (n == -1) {
				if (errno == EINTR)
					continue;
				err(1, "%s", path);
			}
			if (n == 0) {
				eof = 1;
				kadipc_compose(ch, KADIPC_XFER_PUT_END, 0, -1,
				    NULL, 0);
				continue;
			}
			kadipc_compose(ch, KADIPC_XFER_DATA, 0, -1, buf, n);
			sent += n;
			progress(sent, 0);
			continue;
		}
		switch (m.hdr.type) {
		case KADIPC_XFER_LINK:
			if (kadipc_recv_link(&m, &l) == -1)
				errx(1, "malformed link from kadmaster");
			progress(sent, 1);
			printf("%s\n", l.link);
			if (!isstdin)
				close(fd);
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			if (!quiet && isatty(STDERR_FILENO))
				fputc('\n', stderr);
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}

/*
 * A file name from a manifest is hostile: keep the last path component,
 * replace control characters and a leading '.' or '-', bound the length
 * on a UTF-8 boundary.
 */
void	 sanitize_name(const char *, char *, size_t);

void
sanitize_name(const char *in, char *out, size_t outsz)
{
	const char	*p;
	size_t		 i, n = 0, max = outsz - 1;

	if ((p = strrchr(in, '/')) != NULL)
		in = p + 1;
	if (max > 200)
		max = 200;
	for (i = 0; in[i] != '\0' && n < max; i++) {
		unsigned char c = in[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			c = '_';
		if (n == 0 && (c == '.' || c == '-'))
			c = '_';
		out[n++] = c;
	}
	/* do not cut a UTF-8 sequence in half */
	if (in[i] != '\0')
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
	if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0 &&
	    in[i] != '\0')
		n--;
	out[n] = '\0';
	if (n == 0)
		strlcpy(out, "kad-download", outsz);
}

static int
flush_out(int fd, const uint8_t *buf, size_t *len)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < *len) {
		if ((n = write(fd, buf + off, *len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		off += n;
	}
	*len = 0;
	return (0);
}

/* Partial files of gets older than a day, in dir, go. */
static void
remove_stale(const char *dir)
{
	struct dirent	*d;
	struct stat	 st;
	DIR		*dp;
	int		 dfd;

	if ((dp = opendir(dir)) == NULL)
		return;
	dfd = dirfd(dp);
	while ((d = readdir(dp)) != NULL) {
		if (strncmp(d->d_name, PARTIAL_PREFIX,
		    sizeof(PARTIAL_PREFIX) - 1) != 0 ||
		    fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) ||
		    st.st_mtime > time(NULL) - PARTIAL_STALE)
			continue;
		if (unlinkat(dfd, d->d_name, 0) == 0 && !quiet)
			fprintf(stderr, "kadctl: removed %s/%s, a partial "
			    "file older than a day\n", dir, d->d_name);
	}
	closedir(dp);
}

/*
 * The partial file of this link in dir: its path, its state record's,
 * and the record's text (so a partial file of another link, or with no
 * record, is never resumed).
 */
static void
partial_paths(const char *dir, const char *link, char *part, char *state,
    char *rec, size_t recsz)
{
	uint8_t		 md[32];
	char		 h[33];
	unsigned int	 mdlen;
	int		 i;

	if (EVP_Digest(link, strlen(link), md, &mdlen, EVP_sha256(), NULL) !=
	    1)
		errx(1, "SHA-256 failed");
	for (i = 0; i < 16; i++)
		snprintf(h + 2 * i, 3, "%02x", md[i]);
	if ((size_t)snprintf(part, PATH_MAX, "%s/%s%s", dir, PARTIAL_PREFIX,
	    h) >= PATH_MAX ||
	    (size_t)snprintf(state, PATH_MAX, "%s.state", part) >= PATH_MAX)
		errx(1, "%s: path too long", dir);
	for (i = 16; i < 32; i++)
		snprintf(h + 2 * (i - 16), 3, "%02x", md[i]);
	snprintf(rec, recsz, "kadctl partial get 1\nlink-hash %s\n", h);
	explicit_bzero(md, sizeof(md));
}

/* The length of a partial file we may resume, or 0 (then it is new). */
static off_t
partial_open(const char *part, const char *state, const char *rec,
    int resume, int *fdp)
{
	struct stat	 st;
	char		 buf[128];
	ssize_t		 n;
	int		 fd, sfd;

	if ((fd = open(part, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		err(1, "%s", part);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		errx(1, "%s: another kadctl get of this link writes it", part);
	if (fstat(fd, &st) == -1)
		err(1, "%s", part);
	*fdp = fd;
	if (!S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", part);
	if (resume && st.st_size > 0 &&
	    (sfd = open(state, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) != -1) {
		n = read(sfd, buf, sizeof(buf) - 1);
		close(sfd);
		if (n > 0 && (buf[n] = '\0', strcmp(buf, rec) == 0))
			return (st.st_size);
	}
	/* new, or not ours to trust: start over */
	if (ftruncate(fd, 0) == -1)
		err(1, "%s", part);
	if ((sfd = open(state, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 ||
	    write(sfd, rec, strlen(rec)) != (ssize_t)strlen(rec) ||
	    close(sfd) == -1)
		err(1, "%s", state);
	return (0);
}

/*
 * get LINK: into the sanitised name (in -o DIR, or as -o FILE), through
 * a partial file that a later get resumes; or -o -: to standard output
 * as it is verified chunk by chunk, the exit status telling whether the
 * whole file was (its content key checked last).
 */
static int
cmd_get(const char *link, const char *outpath, int force, int resume)
{
	struct kadipc_xfer_get	 g;
	struct kadipc_xfer_meta	 meta;
	struct kadipc_msg	 m;
	struct stat		 st;
	char			 name[256], final[PATH_MAX], part[PATH_MAX];
	char			 state[PATH_MAX], dir[PATH_MAX], rec[128];
	static uint8_t		 wbuf[WRITE_BUF];
	uint8_t			 prefix[32], theirs[32];
	const uint8_t		*data;
	size_t			 wlen = 0, len;
	uint64_t		 got = 0;
	off_t			 have = 0;
	mode_t			 mask;
	int			 fd = -1, tostdout, meta_seen = 0;

	tostdout = outpath != NULL && strcmp(outpath, "-") == 0;
	memset(&g, 0, sizeof(g));
	if (strlcpy(g.link, link, sizeof(g.link)) >= sizeof(g.link))
		errx(1, "malformed link: too long");
	if (tostdout)
		fd = STDOUT_FILENO;
	else {
		/* the directory is known before the name */
		if (outpath == NULL)
			strlcpy(dir, ".", sizeof(dir));
		else if (stat(outpath, &st) == 0 && S_ISDIR(st.st_mode))
			strlcpy(dir, outpath, sizeof(dir));
		else {
			strlcpy(part, outpath, sizeof(part));
			strlcpy(dir, dirname(part), sizeof(dir));
		}
		remove_stale(dir);
		partial_paths(dir, link, part, state, rec, sizeof(rec));
		have = partial_open(part, state, rec, resume, &fd);
		if (have > 0 && sha256_fd(fd, have, prefix) == -1)
			err(1, "%s", part);
		if (lseek(fd, have, SEEK_SET) == -1)
			err(1, "%s", part);
		g.offset = (uint64_t)have;
	}
	kadipc_compose(ch, KADIPC_XFER_GET_BEGIN, 0, -1, &g, sizeof(g));
	explicit_bzero(&g, sizeof(g));
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_META:
			if (meta_seen || kadipc_recv_xfer_meta(&m, &meta) == -1)
				errx(1, "malformed metadata from kadmaster");
			meta_seen = 1;
			progress_start(meta.size);
			got = (uint64_t)have;
			if (tostdout)
				break;
			sanitize_name(meta.name, name, sizeof(name));
			if (outpath == NULL)
				strlcpy(final, name, sizeof(final));
			else if (stat(outpath, &st) == 0 &&
			    S_ISDIR(st.st_mode)) {
				if ((size_t)snprintf(final, sizeof(final),
				    "%s/%s", outpath, name) >= sizeof(final))
					errx(1, "%s: path too long", outpath);
			} else
				strlcpy(final, outpath, sizeof(final));
			if (!force && lstat(final, &st) == 0)
				errx(1, "%s exists (use -f to overwrite)",
				    final);
			if (have > 0 && !quiet)
				fprintf(stderr, "kadctl: resuming %s at %lld "
				    "of %llu bytes\n", final, (long long)have,
				    (unsigned long long)meta.size);
			break;
		case KADIPC_XFER_PREFIX:
			if (!meta_seen || have == 0 ||
			    kadipc_recv_hash(&m, theirs) == -1)
				errx(1, "unexpected prefix from kadmaster");
			if (memcmp(prefix, theirs, sizeof(prefix)) != 0) {
				/* not this file's bytes: never resume it */
				strlcpy(tmppath, part, sizeof(tmppath));
				strlcpy(statepath, state, sizeof(statepath));
				atexit(remove_tmp);
				errx(1, "%s does not hold the start of this "
				    "file; removed, get it again", part);
			}
			break;
		case KADIPC_XFER_DATA:
			if (!meta_seen)
				errx(1, "data before metadata from kadmaster");
			if (kadipc_recv_bytes(&m, &data, &len) == -1)
				errx(1, "malformed data from kadmaster");
			if (wlen + len > sizeof(wbuf) &&
			    flush_out(fd, wbuf, &wlen) == -1)
				err(1, "%s", tostdout ? "stdout" : part);
			memcpy(wbuf + wlen, data, len);
			wlen += len;
			got += len;
			progress(got, 0);
			break;
		case KADIPC_XFER_DONE:
			if (!meta_seen)
				errx(1, "done before metadata from kadmaster");
			if (flush_out(fd, wbuf, &wlen) == -1)
				err(1, "%s", tostdout ? "stdout" : part);
			progress(got, 1);
			if (tostdout)
				return (0);
			if (fsync(fd) == -1)
				err(1, "%s", part);
			/* a saved file gets 0666 - umask, not the 0600 */
			mask = umask(022);
			umask(mask);
			if (fchmod(fd, 0666 & ~mask) == -1)
				warn("chmod %s", part);
			if (renameat2(AT_FDCWD, part, AT_FDCWD, final,
			    force ? 0 : RENAME_NOREPLACE) == -1)
				err(1, "%s", final);
			close(fd);
			unlink(state);
			printf("%s\n", final);
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			/* what is written stays for the next get to resume */
			if (!tostdout) {
				(void)flush_out(fd, wbuf, &wlen);
				if (!quiet && isatty(STDERR_FILENO))
					fputc('\n', stderr);
			}
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}

/* unpin and rm: kadcrypt's one line, then done */
static int
cmd_unpin(uint32_t type, const char *link)
{
	struct kadipc_link	 l;
	struct kadipc_text	 t;
	struct kadipc_msg	 m;

	memset(&l, 0, sizeof(l));
	if (strlcpy(l.link, link, sizeof(l.link)) >= sizeof(l.link))
		errx(1, "malformed link: too long");
	kadipc_compose(ch, type, 0, -1, &l, sizeof(l));
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_INFO:
			if (kadipc_recv_text(&m, &t) == -1)
				errx(1, "malformed text from kadmaster");
			if (!quiet)
				printf("%s\n", t.text);
			break;
		case KADIPC_XFER_DONE:
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}

/* ls: the files this node published, newest last */
static int
cmd_ls(void)
{
	struct kadipc_list_entry e;
	struct kadipc_msg	 m;
	struct tm		 tm;
	time_t			 t;
	char			 date[32], holders[16];

	kadipc_compose(ch, KADIPC_XFER_LS, 0, -1, NULL, 0);
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_ENTRY:
			if (kadipc_recv_list_entry(&m, &e) == -1)
				errx(1, "malformed entry from kadmaster");
			t = (time_t)e.time;
			if (localtime_r(&t, &tm) == NULL ||
			    strftime(date, sizeof(date), "%Y-%m-%d %H:%M",
			    &tm) == 0)
				strlcpy(date, "-", sizeof(date));
			if (e.holders == KADIPC_HOLDERS_UNKNOWN)
				strlcpy(holders, "-", sizeof(holders));
			else
				snprintf(holders, sizeof(holders), "%u",
				    e.holders);
			printf("%s\t%" PRIu64 "\t%s\t%s\t%s\t%s\n", e.name,
			    e.size, date,
			    e.flags & KADIPC_LIST_F_PINNED ? "pinned" :
			    "unpinned", holders, e.link);
			break;
		case KADIPC_XFER_DONE:
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}

static int
cmd_bootstrap(const char *addr)
{
	struct kadipc_text	 t;
	struct kadipc_msg	 m;

	memset(&t, 0, sizeof(t));
	if (strlcpy(t.text, addr, sizeof(t.text)) >= sizeof(t.text))
		errx(1, "%s: address too long", addr);
	kadipc_compose(ch, KADIPC_CTL_BOOTSTRAP, 0, -1, &t, sizeof(t));
	next_msg(&m, 0);
	if (m.hdr.type != KADIPC_CTL_END)
		fail_text(&m);
	return (0);
}

#ifdef KAD_TEST_HOOKS
/* Bytes that are no message at all: the master must drop us, only us. */
static int
cmd_test_garbage(void)
{
	struct pollfd	 pfd;
	char		 junk[64];
	int		 fd = kadipc_chan_fd(ch);

	memset(junk, 0xff, sizeof(junk));
	if (write(fd, junk, sizeof(junk)) != sizeof(junk))
		err(1, "write");
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, 5000) <= 0)
			errx(1, "the master kept the connection open");
		if (read(fd, junk, sizeof(junk)) <= 0)
			return (0);
	}
}

static int
cmd_test_sandbox(const char *name)
{
	struct kadipc_u32	 u;
	struct kadipc_msg	 m;

	for (u.value = KAD_PROC_NET; u.value <= KAD_PROC_CRYPT; u.value++)
		if (strcmp(name, kad_procnames[u.value]) == 0)
			break;
	if (u.value > KAD_PROC_CRYPT)
		errx(1, "%s: not a worker", name);
	kadipc_compose(ch, KADIPC_CTL_TEST_SANDBOX, 0, -1, &u, sizeof(u));
	next_msg(&m, 0);
	if (m.hdr.type != KADIPC_CTL_END)
		fail_text(&m);
	return (0);
}

/* test-dh COUNT HEX: kadnet asks kadcrypt's oracle COUNT times. */
static int
cmd_test_dh(const char *count, const char *hex)
{
	struct kadipc_test_dh	 t;
	struct kadipc_msg	 m;
	const char		*errstr;
	unsigned int		 v;
	size_t			 i;

	memset(&t, 0, sizeof(t));
	t.count = strtonum(count, 1, KADIPC_TEST_DH_MAX, &errstr);
	if (errstr != NULL)
		errx(1, "count %s is %s", count, errstr);
	if (strlen(hex) != 2 * sizeof(t.peer))
		errx(1, "the point must be %zu hex digits", 2 * sizeof(t.peer));
	for (i = 0; i < sizeof(t.peer); i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			errx(1, "%s: not hex", hex);
		t.peer[i] = (uint8_t)v;
	}
	kadipc_compose(ch, KADIPC_CTL_TEST_DH, 0, -1, &t, sizeof(t));
	next_msg(&m, 0);
	if (m.hdr.type != KADIPC_CTL_END)
		fail_text(&m);
	return (0);
}
#endif

int
main(int argc, char *argv[])
{
	struct master_conf	 c;
	const char		*sock = NULL, *outpath = NULL;
	int			 ch_, force = 0;

	log_init(1, 0);
	log_procinit("kadctl");
	while ((ch_ = getopt(argc, argv, "+jps:V")) != -1) {
		switch (ch_) {
		case 'j':
			json_out = 1;
			break;
		case 'p':
			exact_out = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 'V':
			printf("kadctl %s\n", KAD_VERSION);
			return (0);
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (!known_command(argv[0])) {
		fprintf(stderr, "kadctl: unknown command \"%s\"\n", argv[0]);
		usage();
	}
	if (sock == NULL) {
		conf_defaults(&c);
		if (conf_load(&c, KAD_CONF_FILE, 0) == -1)
			exit(1);
		conf_finish(&c);
		sock = c.control;
	}
	signal(SIGPIPE, SIG_IGN);

	if ((strcmp(argv[0], "status") == 0 || strcmp(argv[0], "peers") == 0 ||
	    strcmp(argv[0], "metrics") == 0) && argc == 1) {
		connect_ctl(sock);
		return (cmd_text(argv[0]));
	}
	if (strcmp(argv[0], "bootstrap") == 0 && argc == 2) {
		connect_ctl(sock);
		return (cmd_bootstrap(argv[1]));
	}
	if (strcmp(argv[0], "put") == 0 || strcmp(argv[0], "get") == 0) {
		static const struct option longopts[] = {
			{ "no-resume", no_argument, NULL, 'R' },
			{ NULL, 0, NULL, 0 }
		};
		const char *cmd = argv[0], *name = NULL;
		int resume = 1;

		optind = 1;
		while ((ch_ = getopt_long(argc, argv, "fn:o:q", longopts,
		    NULL)) != -1) {
			switch (ch_) {
			case 'f':
				force = 1;
				break;
			case 'n':
				name = optarg;
				break;
			case 'o':
				outpath = optarg;
				break;
			case 'q':
				quiet = 1;
				break;
			case 'R':
				resume = 0;
				break;
			default:
				usage();
			}
		}
		if (optind != argc - 1)
			usage();
		if (strcmp(cmd, "put") == 0 ? (force || outpath != NULL ||
		    !resume) : name != NULL)
			usage();
		connect_ctl(sock);
		if (strcmp(cmd, "put") == 0)
			return (cmd_put(argv[optind], name));
		return (cmd_get(argv[optind], outpath, force, resume));
	}
	if (strcmp(argv[0], "ls") == 0 && argc == 1) {
		connect_ctl(sock);
		return (cmd_ls());
	}
	if ((strcmp(argv[0], "unpin") == 0 || strcmp(argv[0], "rm") == 0) &&
	    argc == 2) {
		connect_ctl(sock);
		return (cmd_unpin(strcmp(argv[0], "rm") == 0 ? KADIPC_XFER_RM :
		    KADIPC_XFER_UNPIN, argv[1]));
	}
#ifdef KAD_TEST_HOOKS
	if (strcmp(argv[0], "test-garbage") == 0 && argc == 1) {
		connect_ctl(sock);
		return (cmd_test_garbage());
	}
	if (strcmp(argv[0], "test-sandbox") == 0 && argc == 2) {
		connect_ctl(sock);
		return (cmd_test_sandbox(argv[1]));
	}
	if (strcmp(argv[0], "test-dh") == 0 && argc == 3) {
		connect_ctl(sock);
		return (cmd_test_dh(argv[1], argv[2]));
	}
#endif
	usage();
}
