/* SPDX-License-Identifier: ISC */
/*
 * wanperf: traffic for measuring kadwan (docs/WAN.md), run in the
 * emulated hosts' namespaces.  Every mode prints "key: value" lines.
 *
 *   wanperf echo PORT                       UDP echo server (until killed)
 *   wanperf ping [-c n] [-i ms] [-s size] [-w ms] ADDR PORT
 *                                           UDP round trips to an echo
 *   wanperf sink [-t idle_s] [-w first_s] PORT
 *                                           counts UDP datagrams (numbered
 *                                           by blast): rate, lost, reordered
 *   wanperf blast [-r pps] [-s size] [-t s] ADDR PORT
 *                                           numbered UDP datagrams
 *   wanperf tcp-sink [-s seed] PORT         one TCP connection: reads it to
 *                                           the end, checks every byte
 *   wanperf tcp-send [-s seed] ADDR PORT BYTES
 *                                           sends BYTES of a seeded stream
 *
 * ADDR is a numeric IPv4 or IPv6 address.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <bsd/stdlib.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PKT_MAX		9000
#define STREAM_BLOCK	(64 * 1024)
#define MAGIC		0x6b61647770657266ULL	/* "kadwperf" */

struct probe {
	uint64_t	 magic;
	uint64_t	 seq;
	uint64_t	 sent_ns;
};

static volatile sig_atomic_t	 stop;

__attribute__((__noreturn__)) static void
usage(void)
{
	fprintf(stderr,
	    "usage: wanperf echo PORT\n"
	    "       wanperf ping [-c count] [-i interval_ms] [-s size] "
	    "[-w wait_ms] ADDR PORT\n"
	    "       wanperf sink [-t idle_s] [-w first_s] PORT\n"
	    "       wanperf blast [-r pps] [-s size] [-t seconds] ADDR PORT\n"
	    "       wanperf tcp-sink [-s seed] PORT\n"
	    "       wanperf tcp-send [-s seed] ADDR PORT BYTES\n");
	exit(2);
}

static void
onsig(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
mono(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static long long
num(const char *s, long long lo, long long hi, const char *what)
{
	const char	*errstr;
	long long	 v;

	v = strtonum(s, lo, hi, &errstr);
	if (errstr != NULL)
		errx(2, "%s %s: %s (%lld..%lld)", what, s, errstr, lo, hi);
	return (v);
}

/* ADDR PORT as a sockaddr; port alone: the wildcard of family af */
static socklen_t
mkaddr(const char *addr, const char *port, int af,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)ss;
	uint16_t		 p;

	p = (uint16_t)num(port, 1, 65535, "port");
	memset(ss, 0, sizeof(*ss));
	if (addr == NULL) {
		if (af == AF_INET6) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(p);
			sin6->sin6_addr = in6addr_any;
			return (sizeof(*sin6));
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		return (sizeof(*sin));
	}
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		return (sizeof(*sin));
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		return (sizeof(*sin6));
	}
	errx(2, "%s: not a numeric IPv4 or IPv6 address", addr);
}

/* A socket bound to PORT on every address, IPv4 and IPv6. */
static int
listener(const char *port, int type)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 s, off = 0, on = 1;

	len = mkaddr(NULL, port, AF_INET6, &ss);
	if ((s = socket(AF_INET6, type | SOCK_CLOEXEC, 0)) == -1) {
		/* no IPv6 in this namespace */
		len = mkaddr(NULL, port, AF_INET, &ss);
		if ((s = socket(AF_INET, type | SOCK_CLOEXEC, 0)) == -1)
			err(1, "socket");
	} else if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off,
	    sizeof(off)) == -1)
		err(1, "IPV6_V6ONLY");
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		err(1, "SO_REUSEADDR");
	if (bind(s, (struct sockaddr *)&ss, len) == -1)
		err(1, "bind port %s", port);
	return (s);
}

static void
bigbuf(int s)
{
	int	 sz = 4 * 1024 * 1024;

	/* best effort: rmem_max/wmem_max may cap it */
	(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

static int
do_echo(int argc, char *argv[])
{
	struct sockaddr_storage	 from;
	socklen_t		 flen;
	uint8_t			 buf[PKT_MAX];
	ssize_t			 n;
	uint64_t		 count = 0;
	int			 s;

	if (argc != 2)
		usage();
	s = listener(argv[1], SOCK_DGRAM);
	bigbuf(s);
	while (!stop) {
		flen = sizeof(from);
		n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &flen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(1, "recvfrom");
		}
		if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from,
		    flen) == -1 && errno != ENOBUFS && errno != EAGAIN)
			err(1, "sendto");
		count++;
	}
	printf("echoed: %" PRIu64 "\n", count);
	return (0);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static int
do_ping(int argc, char *argv[])
{
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd;
	struct probe		 pr;
	socklen_t		 len;
	uint8_t			 buf[PKT_MAX];
	uint64_t		*rtt, count = 10, ival = 200, wait = 2000;
	uint64_t		 size = 64, sent = 0, got = 0, dup = 0, i, sum = 0;
	uint64_t		 next, end, now;
	uint8_t			*seen;
	ssize_t			 n;
	int			 ch, s, tmo;

	while ((ch = getopt(argc, argv, "c:i:s:w:")) != -1) {
		switch (ch) {
		case 'c':
			count = (uint64_t)num(optarg, 1, 1000000, "-c");
			break;
		case 'i':
			ival = (uint64_t)num(optarg, 1, 60000, "-i");
			break;
		case 's':
			size = (uint64_t)num(optarg, sizeof(pr), PKT_MAX, "-s");
			break;
		case 'w':
			wait = (uint64_t)num(optarg, 0, 600000, "-w");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	len = mkaddr(argv[optind], argv[optind + 1], 0, &ss);
	if ((s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(s, (struct sockaddr *)&ss, len) == -1)
		err(1, "connect %s", argv[optind]);
	rtt = calloc(count, sizeof(*rtt));
	seen = calloc(count, 1);
	if (rtt == NULL || seen == NULL)
		err(1, NULL);
	memset(buf, 0, sizeof(buf));
	next = mono();
	end = UINT64_MAX;
	pfd.fd = s;
	pfd.events = POLLIN;
	while (!stop) {
		now = mono();
		if (sent < count && now >= next) {
			pr.magic = MAGIC;
			pr.seq = sent;
			pr.sent_ns = now;
			memcpy(buf, &pr, sizeof(pr));
			if (send(s, buf, size, 0) == -1 && errno != ECONNREFUSED)
				err(1, "send");
			sent++;
			next += ival * 1000000;
			if (sent == count)
				end = now + wait * 1000000;
		}
		if (now >= end || got == count)
			break;
		tmo = (int)(((sent < count ? next : end) - now) / 1000000) + 1;
		if (poll(&pfd, 1, tmo) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		while ((n = recv(s, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			if ((size_t)n < sizeof(pr))
				continue;
			memcpy(&pr, buf, sizeof(pr));
			if (pr.magic != MAGIC || pr.seq >= sent)
				continue;
			if (seen[pr.seq]) {
				dup++;
				continue;
			}
			seen[pr.seq] = 1;
			rtt[got++] = mono() - pr.sent_ns;
		}
	}
	for (i = 0; i < got; i++)
		sum += rtt[i];
	qsort(rtt, got, sizeof(*rtt), cmp_u64);
	printf("sent: %" PRIu64 "\nreceived: %" PRIu64 "\nduplicates: %"
	    PRIu64 "\n", sent, got, dup);
	if (got > 0)
		printf("rtt-ms-min: %.3f\nrtt-ms-median: %.3f\n"
		    "rtt-ms-avg: %.3f\nrtt-ms-max: %.3f\n", rtt[0] / 1e6,
		    rtt[got / 2] / 1e6, (double)sum / (double)got / 1e6,
		    rtt[got - 1] / 1e6);
	return (got > 0 ? 0 : 1);
}

static int
do_sink(int argc, char *argv[])
{
	struct pollfd	 pfd;
	struct probe	 pr;
	uint8_t		 buf[PKT_MAX];
	uint64_t	 got = 0, bytes = 0, maxseq = 0, reord = 0, t0 = 0, t1 = 0;
	uint64_t	 idle = 2, first = 60;
	ssize_t		 n;
	int		 ch, s, r;

	while ((ch = getopt(argc, argv, "t:w:")) != -1) {
		switch (ch) {
		case 't':
			idle = (uint64_t)num(optarg, 1, 3600, "-t");
			break;
		case 'w':
			first = (uint64_t)num(optarg, 1, 3600, "-w");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	s = listener(argv[optind], SOCK_DGRAM);
	bigbuf(s);
	pfd.fd = s;
	pfd.events = POLLIN;
	/* first_s for the first datagram; after it, idle_s ends it */
	while (!stop) {
		r = poll(&pfd, 1, (int)(got == 0 ? first : idle) * 1000);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (r == 0)
			break;
		while ((n = recv(s, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			t1 = mono();
			if (got == 0)
				t0 = t1;
			got++;
			bytes += (uint64_t)n;
			if ((size_t)n < sizeof(pr))
				continue;
			memcpy(&pr, buf, sizeof(pr));
			if (pr.magic != MAGIC)
				continue;
			if (pr.seq + 1 > maxseq)
				maxseq = pr.seq + 1;
			else
				reord++;
		}
	}
	printf("received: %" PRIu64 "\nbytes: %" PRIu64 "\n", got, bytes);
	printf("seconds: %.3f\n", (t1 - t0) / 1e9);
	printf("pps: %.0f\n", t1 > t0 ? (double)(got - 1) * 1e9 /
	    (double)(t1 - t0) : 0.0);
	printf("lost: %" PRIu64 "\nreordered: %" PRIu64 "\n",
	    maxseq > got ? maxseq - got : 0, reord);
	return (0);
}

static int
do_blast(int argc, char *argv[])
{
	struct sockaddr_storage	 ss;
	struct probe		 pr;
	struct timespec		 nap = { 0, 200000 };
	socklen_t		 len;
	uint8_t			 buf[PKT_MAX];
	uint64_t		 rate = 0, size = 1100, secs = 5, sent = 0;
	uint64_t		 errs = 0, t0, now, end, due;
	int			 ch, s;

	while ((ch = getopt(argc, argv, "r:s:t:")) != -1) {
		switch (ch) {
		case 'r':
			rate = (uint64_t)num(optarg, 0, 10000000, "-r");
			break;
		case 's':
			size = (uint64_t)num(optarg, sizeof(pr), PKT_MAX, "-s");
			break;
		case 't':
			secs = (uint64_t)num(optarg, 1, 3600, "-t");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	len = mkaddr(argv[optind], argv[optind + 1], 0, &ss);
	if ((s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	bigbuf(s);
	if (connect(s, (struct sockaddr *)&ss, len) == -1)
		err(1, "connect %s", argv[optind]);
	memset(buf, 0, sizeof(buf));
	t0 = now = mono();
	end = t0 + secs * 1000000000ULL;
	while (!stop && now < end) {
		/* rate 0: as fast as the kernel takes them */
		due = rate == 0 ? sent + 64 : (now - t0) * rate / 1000000000ULL;
		if (sent >= due) {
			nanosleep(&nap, NULL);
			now = mono();
			continue;
		}
		while (sent < due) {
			pr.magic = MAGIC;
			pr.seq = sent;
			pr.sent_ns = 0;
			memcpy(buf, &pr, sizeof(pr));
			if (send(s, buf, size, 0) == -1) {
				if (errno != ENOBUFS && errno != EAGAIN &&
				    errno != ECONNREFUSED)
					err(1, "send");
				errs++;
			}
			sent++;
		}
		now = mono();
	}
	printf("sent: %" PRIu64 "\nsend-errors: %" PRIu64 "\n", sent, errs);
	printf("seconds: %.3f\npps: %.0f\n", (now - t0) / 1e9,
	    (double)sent * 1e9 / (double)(now - t0));
	return (0);
}

/* The seeded byte stream of the TCP modes, a block at a time. */
static void
stream(uint64_t *state, uint8_t *p, size_t len)
{
	uint64_t	 x = *state;
	size_t		 i;

	for (i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	*state = x;
}

static int
do_tcp_sink(int argc, char *argv[])
{
	static uint8_t	 buf[STREAM_BLOCK], want[STREAM_BLOCK];
	uint64_t	 seed = 1, state, bytes = 0, t0, t1, bad = UINT64_MAX;
	size_t		 off = 0;
	ssize_t		 n;
	int		 ch, s, c;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			seed = (uint64_t)num(optarg, 1, LLONG_MAX, "-s");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	s = listener(argv[optind], SOCK_STREAM);
	if (listen(s, 1) == -1)
		err(1, "listen");
	if ((c = accept(s, NULL, NULL)) == -1)
		err(1, "accept");
	state = seed;
	t0 = mono();
	/* a block of the stream at a time, compared once it is whole */
	for (;;) {
		n = read(c, buf + off, sizeof(buf) - off);
		if (n == -1) {
			if (errno == EINTR && !stop)
				continue;
			err(1, "read");
		}
		if (n == 0)
			break;
		off += (size_t)n;
		bytes += (uint64_t)n;
		if (off == sizeof(buf)) {
			stream(&state, want, sizeof(want));
			if (bad == UINT64_MAX &&
			    memcmp(buf, want, sizeof(buf)) != 0)
				bad = bytes - sizeof(buf);
			off = 0;
		}
	}
	if (off > 0) {
		stream(&state, want, sizeof(want));
		if (bad == UINT64_MAX && memcmp(buf, want, off) != 0)
			bad = bytes - off;
	}
	t1 = mono();
	close(c);
	printf("bytes: %" PRIu64 "\nseconds: %.3f\nMB/s: %.3f\n", bytes,
	    (t1 - t0) / 1e9, (double)bytes / ((t1 - t0) / 1e9) / 1e6);
	if (bad == UINT64_MAX)
		printf("verified: yes\n");
	else
		printf("verified: no (the first bad block starts at %" PRIu64
		    ")\n", bad);
	return (bad == UINT64_MAX ? 0 : 1);
}

static int
do_tcp_send(int argc, char *argv[])
{
	static uint8_t		 buf[STREAM_BLOCK];
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	uint64_t		 seed = 1, state, total, sent = 0, t0, t1;
	size_t			 chunk, off;
	ssize_t			 n;
	int			 ch, s;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			seed = (uint64_t)num(optarg, 1, LLONG_MAX, "-s");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	len = mkaddr(argv[optind], argv[optind + 1], 0, &ss);
	total = (uint64_t)num(argv[optind + 2], 1, LLONG_MAX, "BYTES");
	if ((s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	t0 = mono();
	if (connect(s, (struct sockaddr *)&ss, len) == -1)
		err(1, "connect %s", argv[optind]);
	state = seed;
	while (sent < total && !stop) {
		stream(&state, buf, sizeof(buf));
		chunk = total - sent < sizeof(buf) ? (size_t)(total - sent) :
		    sizeof(buf);
		for (off = 0; off < chunk; off += (size_t)n) {
			if ((n = write(s, buf + off, chunk - off)) == -1) {
				if (errno == EINTR && !stop) {
					n = 0;
					continue;
				}
				err(1, "write");
			}
		}
		sent += chunk;
	}
	/* done when the receiver has read it all and closed */
	if (shutdown(s, SHUT_WR) == -1)
		err(1, "shutdown");
	while ((n = read(s, buf, sizeof(buf))) > 0)
		;
	t1 = mono();
	printf("bytes: %" PRIu64 "\nseconds: %.3f\nMB/s: %.3f\n", sent,
	    (t1 - t0) / 1e9, (double)sent / ((t1 - t0) / 1e9) / 1e6);
	return (sent == total ? 0 : 1);
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	argc--;
	argv++;
	optind = 1;
	if (strcmp(argv[0], "echo") == 0)
		return (do_echo(argc, argv));
	if (strcmp(argv[0], "ping") == 0)
		return (do_ping(argc, argv));
	if (strcmp(argv[0], "sink") == 0)
		return (do_sink(argc, argv));
	if (strcmp(argv[0], "blast") == 0)
		return (do_blast(argc, argv));
	if (strcmp(argv[0], "tcp-sink") == 0)
		return (do_tcp_sink(argc, argv));
	if (strcmp(argv[0], "tcp-send") == 0)
		return (do_tcp_send(argc, argv));
	usage();
}
