/* SPDX-License-Identifier: ISC */
/*
 * Forged datagrams and captures on loopback, for tests/integ/spoof.sh
 * and capture.sh.  Everything it sends goes to 127.0.0.1; every forged
 * source is a 127.0.0.0/8 address on which it listens itself, so what
 * a node reflects to the forged address is counted here.
 *
 *   test_spoof send PORT SRC SPORT NPORTS KIND COUNT [PUBHEX|FILE]
 *	sends COUNT datagrams through a raw socket (IP_HDRINCL) to
 *	127.0.0.1:PORT, with the forged sources SRC:SPORT ..
 *	SRC:SPORT+NPORTS-1 in turn, and counts what comes back to those
 *	addresses on UDP sockets bound there, while sending and for a
 *	second and a half after.  KIND:
 *	  garbage	random bytes of random sizes (1..1300), some with a
 *			session type and zero reserved bytes in front
 *	  init		INIT-shaped datagrams of sizes 150..1232 (and one
 *			over), mac1 wrong
 *	  init-mac1	the same with mac1 right for the key PUBHEX: each
 *			costs the node its DHs, or draws a COOKIE under load
 *	  keyreq	KEYREQs (64 bytes): each may draw a KEYRES (44)
 *	  replay	the datagrams of the capture FILE that went to
 *			PORT, again and again, in their order
 *	prints "sent N datagrams B bytes, back M datagrams R bytes" and
 *	the replies by type; exit 0 if R <= B, 1 if not, 2 on error.
 *   test_spoof capture FILE SECONDS [PORT...]
 *	every IPv4 UDP datagram on lo (from or to one of the PORTs, if
 *	given; an AF_PACKET socket bound to lo, each datagram once),
 *	appended to FILE (records: source and destination address and
 *	port, length, payload) until SIGTERM or SECONDS; prints
 *	"captured N datagrams B bytes, D dropped by the kernel".
 *   test_spoof scan FILE NEEDLES [PORT...]
 *	searches every captured payload (from or to one of the PORTs, if
 *	given) for each 32-byte hex string of the file NEEDLES (one a
 *	line); prints a "hit: needle K ..." line for each find (K counts
 *	from 1, the first 100 finds) and "inspected N datagrams B bytes,
 *	M needles, F found"; exit 0 if none found, 1 if some, 2 on error
 *	or nothing inspected.
 *   test_spoof
 *	the self-test: scan finds what it should; as root, a forged
 *	datagram reaches a socket with the forged source; without root
 *	or raw sockets, a "# skip" line after the scan's checks.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kadnet/sess_crypto.h"
#include "tests/test.h"

#define MAXDGRAM	1232
#define MAXPORTS	512
#define MAXNEEDLES	65536
#define NEEDLE_LEN	32
#define MAXREPLAY	4096	/* datagrams of a capture replayed */
#define MAXHITS		100	/* lines printed */
#define REC_HDR		14	/* src 4, sport 2, dst 4, dport 2, len 2 */
#define LINGER_MS	1500
#define TYPE_MAX	6

struct rec {
	uint32_t	src, dst;	/* network order */
	uint16_t	sport, dport;	/* host order */
	uint16_t	len;
	uint8_t		p[65536];
};

struct payload {
	size_t		len;
	uint8_t		p[1500];
};

struct tally {
	uint64_t	sent, sentb, back, backb;
	uint64_t	bytype[TYPE_MAX + 2];	/* last: unknown */
};

static volatile sig_atomic_t	stop;

static void
onsig(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
rnd(void *p, size_t len)
{
	uint8_t	*b = p;
	ssize_t	 r;

	while (len > 0) {
		if ((r = getrandom(b, len, 0)) <= 0)
			abort();
		b += r;
		len -= r;
	}
}

static uint32_t
rnd32(void)
{
	uint32_t	v;

	rnd(&v, sizeof(v));
	return (v);
}

static int
unhex(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t	n = strlen(hex), i;
	unsigned int v;

	if (n % 2 != 0 || n / 2 > max)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return (-1);
		out[i] = v;
	}
	*len = n / 2;
	return (0);
}

/* ---- records ---- */

static int
rec_write(FILE *f, const struct rec *r)
{
	uint8_t	h[REC_HDR];

	memcpy(h, &r->src, 4);
	h[4] = r->sport >> 8;
	h[5] = r->sport & 0xff;
	memcpy(h + 6, &r->dst, 4);
	h[10] = r->dport >> 8;
	h[11] = r->dport & 0xff;
	h[12] = r->len >> 8;
	h[13] = r->len & 0xff;
	if (fwrite(h, 1, sizeof(h), f) != sizeof(h) ||
	    fwrite(r->p, 1, r->len, f) != r->len)
		return (-1);
	return (0);
}

/* 1: a record, 0: the end, -1: a truncated file */
static int
rec_read(FILE *f, struct rec *r)
{
	uint8_t	h[REC_HDR];
	size_t	n;

	if ((n = fread(h, 1, sizeof(h), f)) == 0)
		return (0);
	if (n != sizeof(h))
		return (-1);
	memcpy(&r->src, h, 4);
	r->sport = h[4] << 8 | h[5];
	memcpy(&r->dst, h + 6, 4);
	r->dport = h[10] << 8 | h[11];
	r->len = h[12] << 8 | h[13];
	if (fread(r->p, 1, r->len, f) != r->len)
		return (-1);
	return (1);
}

/* ---- forging ---- */

static int
raw_open(void)
{
	int	fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) == -1)
		return (-1);
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* A UDP datagram from src:sport to 127.0.0.1:dport, by hand. */
static int
forge(int fd, struct in_addr src, uint16_t sport, uint16_t dport,
    const uint8_t *p, size_t len)
{
	uint8_t			 pkt[20 + 8 + 1500];
	struct iphdr		*ip = (struct iphdr *)pkt;
	struct udphdr		*uh = (struct udphdr *)(pkt + 20);
	struct sockaddr_in	 to;

	if (len > sizeof(pkt) - 28)
		return (-1);
	memset(pkt, 0, 28);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(28 + len);
	ip->id = htons(rnd32() & 0xffff);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src.s_addr;
	ip->daddr = htonl(INADDR_LOOPBACK);
	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons(8 + len);
	uh->check = 0;		/* none: allowed for IPv4 */
	memcpy(pkt + 28, p, len);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(fd, pkt, 28 + len, 0, (struct sockaddr *)&to,
	    sizeof(to)) != (ssize_t)(28 + len))
		return (-1);
	return (0);
}

static int
udp_bind(struct in_addr a, uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 fd, sz = 4 << 20;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		return (-1);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = a;
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* What came back to the forged addresses so far. */
static void
drain(const int *fds, int n, struct tally *t)
{
	uint8_t	buf[65536];
	ssize_t	r;
	int	i;

	for (i = 0; i < n; i++) {
		while ((r = recv(fds[i], buf, sizeof(buf), 0)) >= 0) {
			t->back++;
			t->backb += r;
			if (r >= 4 && buf[0] >= 1 && buf[0] <= TYPE_MAX)
				t->bytype[buf[0]]++;
			else
				t->bytype[TYPE_MAX + 1]++;
		}
	}
}

/* The mac1 of an INIT for the node key pub, in place. */
static void
set_mac1(const uint8_t pub[32], uint8_t *p, size_t len)
{
	uint8_t	k[32], h[32];

	if (sc_sha256("mac1", 4, pub, 32, k) == -1 ||
	    sc_hmac(k, p, len - 32, NULL, 0, h) == -1)
		abort();
	memcpy(p + len - 32, h, 16);
}

static const size_t init_sizes[] = {
	150, 151, 160, 200, 300, 600, 1000, 1224, 1232, 1233
};

/* The i-th datagram of a kind; its length, 0 to skip. */
static size_t
make(const char *kind, uint64_t i, const uint8_t *pub, uint8_t *p)
{
	size_t	len;

	if (strcmp(kind, "garbage") == 0) {
		len = 1 + rnd32() % 1300;
		rnd(p, len);
		if (i % 2 == 0 && len >= 4) {
			/* past the type check, into a type's own rules */
			p[0] = 1 + i / 2 % TYPE_MAX;
			p[1] = p[2] = p[3] = 0;
		}
		return (len);
	}
	if (strcmp(kind, "init") == 0 || strcmp(kind, "init-mac1") == 0) {
		len = init_sizes[i % (sizeof(init_sizes) /
		    sizeof(init_sizes[0]))];
		rnd(p, len);
		p[0] = 1;
		p[1] = p[2] = p[3] = 0;
		if (pub != NULL && len <= MAXDGRAM)
			set_mac1(pub, p, len);
		return (len);
	}
	if (strcmp(kind, "keyreq") == 0) {
		memset(p, 0, 64);
		p[0] = 5;
		rnd(p + 4, 8);
		return (64);
	}
	return (0);
}

static int
cmd_send(int argc, char *argv[])
{
	struct tally	 t;
	struct in_addr	 src;
	static struct rec r;
	struct payload	*recs = NULL;
	uint8_t		 pub[32], p[sizeof(recs->p)];
	const char	*kind;
	uint64_t	 count, i, end;
	size_t		 len, nrec = 0, pl;
	FILE		*f;
	int		 fds[MAXPORTS], raw, nports, port, sport, j, rc;

	if (argc < 7)
		return (2);
	port = atoi(argv[1]);
	sport = atoi(argv[3]);
	nports = atoi(argv[4]);
	kind = argv[5];
	count = strtoull(argv[6], NULL, 10);
	if (inet_pton(AF_INET, argv[2], &src) != 1 || port <= 0 ||
	    port > 65535 || sport <= 0 || nports <= 0 || nports > MAXPORTS ||
	    sport + nports > 65536) {
		fprintf(stderr, "test_spoof: bad arguments\n");
		return (2);
	}
	if (strcmp(kind, "init-mac1") == 0 && (argc < 8 ||
	    unhex(argv[7], pub, sizeof(pub), &pl) == -1 || pl != 32)) {
		fprintf(stderr, "test_spoof: init-mac1 needs a key\n");
		return (2);
	}
	if (strcmp(kind, "replay") == 0) {
		if (argc < 8 || (f = fopen(argv[7], "r")) == NULL) {
			fprintf(stderr, "test_spoof: replay needs a file\n");
			return (2);
		}
		while ((rc = rec_read(f, &r)) == 1) {
			if (r.dport != port || r.len > sizeof(p))
				continue;
			if (nrec == MAXREPLAY)
				break;
			if ((recs = reallocarray(recs, nrec + 1,
			    sizeof(*recs))) == NULL)
				abort();
			recs[nrec].len = r.len;
			memcpy(recs[nrec++].p, r.p, r.len);
		}
		fclose(f);
		if (rc == -1 || nrec == 0) {
			fprintf(stderr, "test_spoof: nothing to replay\n");
			free(recs);
			return (2);
		}
	}
	if (sc_init() == -1 || (raw = raw_open()) == -1) {
		fprintf(stderr, "test_spoof: raw socket: %s\n",
		    strerror(errno));
		return (2);
	}
	for (j = 0; j < nports; j++) {
		if ((fds[j] = udp_bind(src, sport + j)) == -1) {
			fprintf(stderr, "test_spoof: bind %s:%d: %s\n",
			    argv[2], sport + j, strerror(errno));
			return (2);
		}
	}
	memset(&t, 0, sizeof(t));
	for (i = 0; i < count; i++) {
		if (recs != NULL) {
			len = recs[i % nrec].len;
			memcpy(p, recs[i % nrec].p, len);
		} else if ((len = make(kind, i,
		    strcmp(kind, "init-mac1") == 0 ? pub : NULL, p)) == 0) {
			fprintf(stderr, "test_spoof: unknown kind %s\n", kind);
			return (2);
		}
		if (forge(raw, src, sport + i % nports, port, p, len) == -1) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(1000);
				i--;
				continue;
			}
			fprintf(stderr, "test_spoof: send: %s\n",
			    strerror(errno));
			return (2);
		}
		t.sent++;
		t.sentb += len;
		if (i % 64 == 63)
			drain(fds, nports, &t);
	}
	end = now_ms() + LINGER_MS;
	while (now_ms() < end) {
		drain(fds, nports, &t);
		usleep(10000);
	}
	drain(fds, nports, &t);
	printf("sent %" PRIu64 " datagrams %" PRIu64 " bytes, back %" PRIu64
	    " datagrams %" PRIu64 " bytes\n", t.sent, t.sentb, t.back,
	    t.backb);
	printf("back by type:");
	for (j = 1; j <= TYPE_MAX + 1; j++)
		printf(" %d:%" PRIu64, j, t.bytype[j]);
	printf("\n");
	free(recs);
	return (t.backb <= t.sentb ? 0 : 1);
}

/* ---- capture ---- */

static int
pkt_open(void)
{
	struct sockaddr_ll	 sll;
	int			 fd, sz = 64 << 20;

	if ((fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP))) == -1)
		return (-1);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	if ((sll.sll_ifindex = if_nametoindex("lo")) == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * One IP packet from the capture socket as a record: 1, or 0 if it is
 * not an unfragmented IPv4 UDP datagram (or not seen arriving).
 */
static int
pkt_parse(const uint8_t *b, size_t n, int pkttype, struct rec *r)
{
	const struct iphdr	*ip = (const struct iphdr *)b;
	size_t			 hl, ulen;

	if (pkttype == PACKET_OUTGOING || n < 20 || ip->version != 4 ||
	    ip->protocol != IPPROTO_UDP)
		return (0);
	hl = ip->ihl * 4;
	if (hl < 20 || n < hl + 8 || (ntohs(ip->frag_off) & 0x3fff) != 0)
		return (0);
	ulen = b[hl + 4] << 8 | b[hl + 5];
	if (ulen < 8 || hl + ulen > n)
		return (0);
	r->src = ip->saddr;
	r->dst = ip->daddr;
	r->sport = b[hl] << 8 | b[hl + 1];
	r->dport = b[hl + 2] << 8 | b[hl + 3];
	r->len = ulen - 8;
	memcpy(r->p, b + hl + 8, r->len);
	return (1);
}

static int
cmd_capture(int argc, char *argv[])
{
	static struct rec	 r;
	static uint8_t		 buf[65536];
	struct sockaddr_ll	 from;
	struct tpacket_stats	 st;
	struct pollfd		 pfd;
	socklen_t		 fl, sl;
	uint64_t		 n = 0, bytes = 0, end;
	ssize_t			 got;
	FILE			*f;
	int			 fd, ports[MAXPORTS], nports = 0, i;

	if (argc < 3)
		return (2);
	for (i = 3; i < argc && nports < MAXPORTS; i++)
		ports[nports++] = atoi(argv[i]);
	if ((f = fopen(argv[1], "w")) == NULL) {
		fprintf(stderr, "test_spoof: %s: %s\n", argv[1],
		    strerror(errno));
		return (2);
	}
	if ((fd = pkt_open()) == -1) {
		fprintf(stderr, "test_spoof: AF_PACKET on lo: %s\n",
		    strerror(errno));
		return (2);
	}
	signal(SIGTERM, onsig);
	signal(SIGINT, onsig);
	end = now_ms() + 1000ULL * atoi(argv[2]);
	/* the shell waits for this line before it starts the traffic */
	printf("capturing\n");
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop && now_ms() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fl = sizeof(from);
		got = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fl);
		if (got <= 0 || !pkt_parse(buf, got, from.sll_pkttype, &r))
			continue;
		for (i = 0; i < nports; i++)
			if (r.sport == ports[i] || r.dport == ports[i])
				break;
		if (nports > 0 && i == nports)
			continue;
		if (rec_write(f, &r) == -1) {
			fprintf(stderr, "test_spoof: write: %s\n",
			    strerror(errno));
			return (2);
		}
		n++;
		bytes += r.len;
	}
	memset(&st, 0, sizeof(st));
	sl = sizeof(st);
	(void)getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	if (fclose(f) == EOF)
		return (2);
	printf("captured %" PRIu64 " datagrams %" PRIu64 " bytes, %u dropped"
	    " by the kernel\n", n, bytes, st.tp_drops);
	return (0);
}

/* ---- scan ---- */

static int
cmd_scan(int argc, char *argv[])
{
	static struct rec	 r;
	static uint8_t		 nd[MAXNEEDLES][NEEDLE_LEN];
	char			 line[256];
	uint64_t		 n = 0, bytes = 0, dg;
	size_t			 nn = 0, len, i, k;
	FILE			*f;
	int			 rc, found = 0;

	if (argc < 3)
		return (2);
	if ((f = fopen(argv[2], "r")) == NULL)
		return (2);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (nn == MAXNEEDLES || unhex(line, nd[nn], NEEDLE_LEN,
		    &len) == -1 || len != NEEDLE_LEN) {
			fprintf(stderr, "test_spoof: bad needle %s\n", line);
			return (2);
		}
		nn++;
	}
	fclose(f);
	if ((f = fopen(argv[1], "r")) == NULL)
		return (2);
	dg = 0;
	while ((rc = rec_read(f, &r)) == 1) {
		for (k = 3; k < (size_t)argc; k++)
			if (r.sport == atoi(argv[k]) ||
			    r.dport == atoi(argv[k]))
				break;
		if (argc > 3 && k == (size_t)argc)
			continue;
		n++;
		bytes += r.len;
		for (k = 0; k < nn; k++) {
			for (i = 0; i + NEEDLE_LEN <= r.len; i++) {
				if (r.p[i] == nd[k][0] && memcmp(r.p + i,
				    nd[k], NEEDLE_LEN) == 0)
					break;
			}
			if (i + NEEDLE_LEN > r.len)
				continue;
			if (found++ < MAXHITS)
				printf("hit: needle %zu in datagram %" PRIu64
				    " (port %u -> %u, %u bytes, type %u, at "
				    "%zu)\n", k + 1, dg, r.sport, r.dport,
				    r.len, r.p[0], i);
		}
		dg++;
	}
	fclose(f);
	printf("inspected %" PRIu64 " datagrams %" PRIu64 " bytes, %zu "
	    "needles, %d found\n", n, bytes, nn, found);
	if (rc == -1 || n == 0 || nn == 0)
		return (2);
	return (found == 0 ? 0 : 1);
}

/* ---- self-test ---- */

static int
selftest(void)
{
	static struct rec	 r;
	char			 cap[] = "/tmp/test_spoof.XXXXXX";
	char			 needles[] = "/tmp/test_spoof.XXXXXX";
	struct sockaddr_in	 sin;
	struct in_addr		 forged;
	struct pollfd		 pfd;
	socklen_t		 sl;
	uint8_t			 secret[NEEDLE_LEN], got[64];
	FILE			*f;
	ssize_t			 n;
	int			 cfd, nfd, raw, ufd, i;

	/* scan: a needle in the middle of a payload is found */
	if ((cfd = mkstemp(cap)) == -1 || (nfd = mkstemp(needles)) == -1)
		return (2);
	rnd(secret, sizeof(secret));
	memset(&r, 0, sizeof(r));
	r.len = 100;
	rnd(r.p, r.len);
	memcpy(r.p + 40, secret, sizeof(secret));
	f = fdopen(cfd, "w");
	CHECK(f != NULL && rec_write(f, &r) == 0 && fclose(f) == 0,
	    "a record is written");
	f = fdopen(nfd, "w");
	for (i = 0; i < NEEDLE_LEN; i++)
		fprintf(f, "%02x", secret[i]);
	fprintf(f, "\n");
	fclose(f);
	{
		char	*av[] = { "scan", cap, needles, NULL };

		CHECK(cmd_scan(3, av) == 1, "scan finds a needle at 40");
		secret[0] ^= 1;
		f = fopen(needles, "w");
		for (i = 0; i < NEEDLE_LEN; i++)
			fprintf(f, "%02x", secret[i]);
		fprintf(f, "\n");
		fclose(f);
		CHECK(cmd_scan(3, av) == 0, "scan misses a changed needle");
	}
	unlink(cap);
	unlink(needles);

	if (geteuid() != 0 || (raw = raw_open()) == -1) {
		printf("# skip: forging needs root and raw sockets (%s)\n",
		    geteuid() != 0 ? "not root" : strerror(errno));
		return (test_done());
	}
	/* a forged datagram arrives with the forged source */
	inet_pton(AF_INET, "127.0.0.78", &forged);
	ufd = udp_bind((struct in_addr){ htonl(INADDR_LOOPBACK) }, 0);
	CHECK(ufd != -1, "a UDP socket on 127.0.0.1");
	sl = sizeof(sin);
	getsockname(ufd, (struct sockaddr *)&sin, &sl);
	CHECK(forge(raw, forged, 4242, ntohs(sin.sin_port), secret, 32) == 0,
	    "a datagram is forged from 127.0.0.78:4242");
	pfd.fd = ufd;
	pfd.events = POLLIN;
	poll(&pfd, 1, 2000);
	sl = sizeof(sin);
	n = recvfrom(ufd, got, sizeof(got), 0, (struct sockaddr *)&sin, &sl);
	CHECK(n == 32 && memcmp(got, secret, 32) == 0,
	    "it arrives whole (%zd bytes)", n);
	CHECK(n == 32 && sin.sin_addr.s_addr == forged.s_addr &&
	    ntohs(sin.sin_port) == 4242, "from the forged address");
	close(ufd);
	close(raw);
	return (test_done());
}

int
main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return (selftest());
	if (strcmp(argv[1], "send") == 0)
		return (cmd_send(argc - 1, argv + 1));
	if (strcmp(argv[1], "capture") == 0)
		return (cmd_capture(argc - 1, argv + 1));
	if (strcmp(argv[1], "scan") == 0)
		return (cmd_scan(argc - 1, argv + 1));
	fprintf(stderr, "usage: test_spoof [send|capture|scan ...]\n");
	return (2);
}
