/* SPDX-License-Identifier: ISC */
/*
 * kadctl: the command-line client of the control socket.  It is the only
 * program that opens the user's files: a put streams the file to the
 * daemon, a get streams the plaintext back into a temporary file that is
 * renamed into place only once kadcrypt has verified the content key.
 */
#include <sys/types.h>
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
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "version.h"
#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "kadmaster/config.h"

#define READ_BLOCK	(60 * 1024)
#define WRITE_BUF	(256 * 1024)	/* a get writes in large blocks */
#define QUEUE_MAX	(1024 * 1024)

static struct kadipc_chan *ch;
static int	 quiet;
static char	 tmppath[PATH_MAX];	/* a get's file until it is renamed */

/* No partial plaintext is left behind, whatever way kadctl exits. */
static void
remove_tmp(void)
{
	if (tmppath[0] != '\0')
		unlink(tmppath);
}

/* progress bar on stderr: bytes, rate, ETA */
static struct timespec	 t0, tlast;
static uint64_t		 ptotal;

__attribute__((__noreturn__)) static void
usage(void)
{
	fprintf(stderr,
	    "usage: kadctl [-V] [-s socket] command [args]\n"
	    "commands:\n"
	    "    status\n"
	    "    put [-q] file\n"
	    "    get [-fq] [-o path] link\n"
	    "    unpin link\n"
	    "    bootstrap address:port\n"
	    "    peers\n");
	exit(1);
}

/* Whether cmd names a command at all (its arguments are checked later). */
static int
known_command(const char *cmd)
{
	static const char *const cmds[] = {
		"status", "put", "get", "unpin", "bootstrap", "peers",
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

/* status and peers: text lines until CTL_END */
static int
cmd_text(uint32_t type)
{
	struct kadipc_msg	 m;
	const uint8_t		*data;
	size_t			 len;

	kadipc_compose(ch, type, 0, -1, NULL, 0);
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_CTL_TEXT:
			if (kadipc_recv_bytes(&m, &data, &len) == -1)
				errx(1, "malformed text from kadmaster");
			fwrite(data, 1, len, stdout);
			break;
		case KADIPC_CTL_END:
			return (0);
		case KADIPC_CTL_ERROR:
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}

static int
cmd_put(const char *path)
{
	struct kadipc_xfer_begin xb;
	struct kadipc_msg	 m;
	struct kadipc_link	 l;
	struct stat		 st;
	char			 buf[READ_BLOCK], *pathcopy;
	uint64_t		 sent = 0;
	ssize_t			 n;
	int			 fd, eof = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	if (fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (!S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", path);
	memset(&xb, 0, sizeof(xb));
	xb.size = st.st_size;
	if ((pathcopy = strdup(path)) == NULL)
		err(1, NULL);
	if (strlcpy(xb.name, basename(pathcopy), sizeof(xb.name)) >=
	    sizeof(xb.name))
		errx(1, "%s: file name longer than %d bytes", path,
		    KADIPC_NAME_MAX - 1);
	free(pathcopy);
	kadipc_compose(ch, KADIPC_XFER_PUT_BEGIN, 0, -1, &xb, sizeof(xb));
	progress_start(st.st_size);
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

static int
cmd_get(const char *link, const char *outpath, int force)
{
	struct kadipc_link	 l;
	struct kadipc_xfer_meta	 meta;
	struct kadipc_msg	 m;
	struct stat		 st;
	char			 name[256], final[PATH_MAX], tmp[PATH_MAX];
	char			 dir[PATH_MAX], *d;
	static uint8_t		 wbuf[WRITE_BUF];
	const uint8_t		*data;
	size_t			 wlen = 0, len;
	uint64_t		 got = 0;
	mode_t			 mask;
	int			 fd = -1;

	memset(&l, 0, sizeof(l));
	if (strlcpy(l.link, link, sizeof(l.link)) >= sizeof(l.link))
		errx(1, "malformed link: too long");
	kadipc_compose(ch, KADIPC_XFER_GET_BEGIN, 0, -1, &l, sizeof(l));
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_META:
			if (fd != -1 || kadipc_recv_xfer_meta(&m, &meta) == -1)
				errx(1, "malformed metadata from kadmaster");
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
			strlcpy(dir, final, sizeof(dir));
			d = dirname(dir);
			if ((size_t)snprintf(tmp, sizeof(tmp),
			    "%s/.kad-get-XXXXXX", d) >= sizeof(tmp))
				errx(1, "%s: path too long", final);
			if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
				err(1, "%s", tmp);
			strlcpy(tmppath, tmp, sizeof(tmppath));
			atexit(remove_tmp);
			progress_start(meta.size);
			break;
		case KADIPC_XFER_DATA:
			if (fd == -1)
				errx(1, "data before metadata from kadmaster");
			if (kadipc_recv_bytes(&m, &data, &len) == -1)
				errx(1, "malformed data from kadmaster");
			if (wlen + len > sizeof(wbuf) &&
			    flush_out(fd, wbuf, &wlen) == -1) {
				unlink(tmp);
				err(1, "%s", tmp);
			}
			memcpy(wbuf + wlen, data, len);
			wlen += len;
			got += len;
			progress(got, 0);
			break;
		case KADIPC_XFER_DONE:
			if (fd == -1)
				errx(1, "done before metadata from kadmaster");
			if (flush_out(fd, wbuf, &wlen) == -1 ||
			    fsync(fd) == -1 || close(fd) == -1) {
				unlink(tmp);
				err(1, "%s", tmp);
			}
			/* mkostemp made it 0600; a saved file gets 0666 - umask */
			mask = umask(022);
			umask(mask);
			if (fchmodat(AT_FDCWD, tmp, 0666 & ~mask, 0) == -1)
				warn("chmod %s", tmp);
			if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final,
			    force ? 0 : RENAME_NOREPLACE) == -1)
				err(1, "%s", final);
			tmppath[0] = '\0';
			progress(got, 1);
			printf("%s\n", final);
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			if (fd != -1) {
				unlink(tmp);
				if (!quiet && isatty(STDERR_FILENO))
					fputc('\n', stderr);
			}
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}

static int
cmd_unpin(const char *link)
{
	struct kadipc_link	 l;
	struct kadipc_msg	 m;

	memset(&l, 0, sizeof(l));
	if (strlcpy(l.link, link, sizeof(l.link)) >= sizeof(l.link))
		errx(1, "malformed link: too long");
	kadipc_compose(ch, KADIPC_XFER_UNPIN, 0, -1, &l, sizeof(l));
	next_msg(&m, 0);
	if (m.hdr.type == KADIPC_XFER_DONE)
		return (0);
	if (m.hdr.type == KADIPC_XFER_ERROR || m.hdr.type == KADIPC_CTL_ERROR)
		fail_text(&m);
	errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
}

static int
cmd_bootstrap(const char *addr)
{
	struct kadipc_text	 t;
	struct kadipc_msg	 m;
	const uint8_t		*data;
	size_t			 len;

	memset(&t, 0, sizeof(t));
	if (strlcpy(t.text, addr, sizeof(t.text)) >= sizeof(t.text))
		errx(1, "%s: address too long", addr);
	kadipc_compose(ch, KADIPC_CTL_BOOTSTRAP, 0, -1, &t, sizeof(t));
	/* kadmaster answers once the node did, or after 5 s without */
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_CTL_TEXT:
			if (kadipc_recv_bytes(&m, &data, &len) == -1)
				errx(1, "malformed text from kadmaster");
			fwrite(data, 1, len, stdout);
			break;
		case KADIPC_CTL_END:
			return (0);
		case KADIPC_CTL_ERROR:
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
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
	while ((ch_ = getopt(argc, argv, "+s:V")) != -1) {
		switch (ch_) {
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

	if (strcmp(argv[0], "status") == 0 && argc == 1) {
		connect_ctl(sock);
		return (cmd_text(KADIPC_CTL_STATUS));
	}
	if (strcmp(argv[0], "peers") == 0 && argc == 1) {
		connect_ctl(sock);
		return (cmd_text(KADIPC_CTL_PEERS));
	}
	if (strcmp(argv[0], "bootstrap") == 0 && argc == 2) {
		connect_ctl(sock);
		return (cmd_bootstrap(argv[1]));
	}
	if (strcmp(argv[0], "put") == 0 || strcmp(argv[0], "get") == 0) {
		const char *cmd = argv[0];

		optind = 1;
		while ((ch_ = getopt(argc, argv, "fo:q")) != -1) {
			switch (ch_) {
			case 'f':
				force = 1;
				break;
			case 'o':
				outpath = optarg;
				break;
			case 'q':
				quiet = 1;
				break;
			default:
				usage();
			}
		}
		if (optind != argc - 1)
			usage();
		if (strcmp(cmd, "put") == 0 && (force || outpath != NULL))
			usage();
		connect_ctl(sock);
		if (strcmp(cmd, "put") == 0)
			return (cmd_put(argv[optind]));
		return (cmd_get(argv[optind], outpath, force));
	}
	if (strcmp(argv[0], "unpin") == 0 && argc == 2) {
		connect_ctl(sock);
		return (cmd_unpin(argv[1]));
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
