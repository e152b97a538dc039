/* SPDX-License-Identifier: ISC */
/*
 * kadctl: the command-line client of the control socket.  It is the only
 * program that opens the user's files: a put passes the file's fd to
 * kadcrypt, which reads it; a get passes the fd of a partial file that
 * kadcrypt writes the plaintext into, renamed into place only once
 * kadcrypt has verified the content key (relay.c: which fd).
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
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
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
#include "output.h"
#include "show.h"
#include "kadctl.h"

#define QUEUE_MAX	(1024 * 1024)
#define TEXT_MAX	(16 * 1024 * 1024)	/* status or peers text */

struct kadipc_chan *ch;
int		 quiet;
int		 json_out, exact_out;	/* -j, -p (output.h) */
/* progress bar on stderr: bytes, rate, ETA */
static struct timespec	 t0, tlast;
static uint64_t		 ptotal, pbase;

__attribute__((__noreturn__)) static void
usage(void)
{
	fprintf(stderr,
	    "usage: kadctl [-jpV] [-s socket] command [args]\n"
	    "commands:\n"
	    "    status\n"
	    "    metrics\n"
	    "    put [-q] [-n name] file | -\n"
	    "    get [-fq] [--no-resume] [--timeout s] [-o path | -] link\n"
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
		"test-garbage", "test-sandbox", "test-dh", "test-putdir",
		"test-fd",
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

/* base: bytes already there (a resumed get), shown but not in the rate */
void
progress_start(uint64_t total, uint64_t base)
{
	ptotal = total;
	pbase = base;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tlast = t0;
}

void
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
	rate = t > 0 && done > pbase ? (done - pbase) / t : 0;
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
 * and the socket can take it.  A relay (relay.c) copies meanwhile.
 */
int
next_msg(struct kadipc_msg *m, int want_write)
{
	struct pollfd	 pfd[2];
	nfds_t		 n;
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
		pfd[0].fd = kadipc_chan_fd(ch);
		pfd[0].events = POLLIN | (kadipc_queued(ch) ? POLLOUT : 0);
		n = 1;
		relay_pollfd(pfd, &n);
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (n > 1)
			relay_io(&pfd[1]);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = kadipc_read(ch);
			if (r == 0)
				errx(1, "kadmaster closed the connection");
			if (r == -1 && errno != EAGAIN)
				err(1, "read from kadmaster");
		}
	}
}

__attribute__((__noreturn__)) void
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

/* put and get: their own options after the command */
static int
cmd_transfer(int argc, char *argv[], const char *sock)
{
	static const struct option longopts[] = {
		{ "no-resume", no_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*errstr;
	const char	*outpath = NULL, *name = NULL;
	int		 c, force = 0, resume = 1, put, timeout_set = 0;

	put = strcmp(argv[0], "put") == 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "fn:o:q", longopts, NULL)) != -1) {
		switch (c) {
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
		case 'T':
			get_timeout = (uint32_t)strtonum(optarg, 0,
			    KADIPC_GET_TIMEOUT_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "--timeout %s: %s (0..%d seconds)",
				    optarg, errstr, KADIPC_GET_TIMEOUT_MAX);
			timeout_set = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (put ? (force || outpath != NULL || !resume || timeout_set) :
	    name != NULL)
		usage();
	if (!put && json_out && outpath != NULL && strcmp(outpath, "-") == 0)
		errx(1, "-j and get -o -: standard output holds the file");
	connect_ctl(sock);
	if (put)
		return (cmd_put(argv[optind], name));
	return (cmd_get(argv[optind], outpath, force, resume));
}

int
main(int argc, char *argv[])
{
	struct master_conf	 c;
	const char		*sock = NULL;
	int			 ch_;

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
	if (strcmp(argv[0], "put") == 0 || strcmp(argv[0], "get") == 0)
		return (cmd_transfer(argc, argv, sock));
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
	if (strcmp(argv[0], "test-putdir") == 0 && argc == 3) {
		connect_ctl(sock);
		return (cmd_test_putdir(argv[1], argv[2]));
	}
	if (strcmp(argv[0], "test-fd") == 0 && (argc == 3 || argc == 4)) {
		connect_ctl(sock);
		return (cmd_test_fd(argv[1], argv[2], argc == 4 ? argv[3] :
		    NULL));
	}
#endif
	usage();
}
