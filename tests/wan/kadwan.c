/* SPDX-License-Identifier: ISC */
/*
 * kadwan: a WAN emulator for real programs (docs/WAN.md).
 *
 * Each emulated host is a network namespace, given on the command line.
 * In each one kadwan creates a tun device (IFF_TUN | IFF_NO_PI) with the
 * host's addresses, 10.64.n.1/10 (n in its low 14 bits: a /24 each) and
 * fd77::n/64: every packet a host
 * sends to another comes out of its tun fd here, goes through the path
 * model (wan.c: uplink rate and queue, loss, delay and jitter, downlink
 * rate and queue) and is written into the receiver's tun fd when due.
 * The devices are not persistent: they disappear when kadwan exits.
 *
 * One thread, one epoll loop: the tun fds are drained in turns of up to
 * BATCH packets, the next due time is the epoll_pwait2 timeout (ns), and
 * signals come through a signalfd: SIGUSR1 prints the counters, SIGTERM,
 * SIGINT and SIGHUP print them and exit.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "wan.h"

#define BATCH		64	/* packets read from one host per turn */
#define TXQLEN		8192	/* the tun devices' queue (default 500) */
#define DEF_MAXPKTS	65536
#define DEF_IFNAME	"wan0"
#define REPORT_MAX	(64 * 1024 + 256 * WAN_MAXHOSTS)

/* struct in6_ifreq of <linux/ipv6.h>, which clashes with netinet/in.h */
struct kw_in6_ifreq {
	struct in6_addr	 addr;
	uint32_t	 prefixlen;
	int		 ifindex;
};

struct khost {
	int		 tun;
	int		 ns;		/* kept open: its device counters */
	const char	*name;
	uint64_t	 in, out;	/* packets read from, written to */
};

struct buf {
	char		*p;
	size_t		 len, cap;
};

static struct wan	*w;
static struct khost	*hosts;
static unsigned		 nhosts;
static const char	*ifname = DEF_IFNAME;
static int		 selfns = -1;
static int		 verbose;
static unsigned		 reports;
static uint64_t		 t_start, wakeups, reads, write_warned;
static uint8_t		 scratch[WAN_MTU_MAX];

__attribute__((__noreturn__)) static void
usage(void)
{
	fprintf(stderr,
	    "usage: kadwan [-46fuv] [-b buffers] [-d rtt_ms] [-i ifname] "
	    "[-j jitter_ms]\n"
	    "              [-l loss%%] [-M mtu] [-m pathfile] [-p pidfile] "
	    "[-Q bytes] [-q bytes]\n"
	    "              [-R down_rate] [-r up_rate] [-S statsfile] "
	    "[-s seed] netns ...\n");
	exit(2);
}

static uint64_t
mono(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("%s: clock_gettime", __func__);
	return ((uint64_t)ts.tv_sec * WAN_NS + (uint64_t)ts.tv_nsec);
}

static void
enter(int ns, const char *name)
{
	if (setns(ns, CLONE_NEWNET) == -1)
		fatal("%s: setns %s", __func__, name);
}

static void
ifioctl(int s, unsigned long req, struct ifreq *ifr, const char *host,
    const char *what)
{
	if (ioctl(s, req, ifr) == -1)
		fatal("%s: %s %s", host, ifr->ifr_name, what);
}

/* A sysctl of the current namespace; failures only warn. */
static void
sysctl_set(const char *path, const char *value, const char *host)
{
	int	 fd;
	ssize_t	 n;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1) {
		if (verbose)
			log_warn("%s: %s", host, path);
		return;
	}
	n = write(fd, value, strlen(value));
	if (n == -1 && verbose)
		log_warn("%s: %s", host, path);
	close(fd);
}

/*
 * Host i (from 0) in the namespace at path: its tun device, up, with
 * its addresses; lo up.  Returns to kadwan's own namespace.
 */
static void
host_setup(unsigned i, const char *arg, size_t mtu, int v6)
{
	struct khost		*h = &hosts[i];
	struct ifreq		 ifr;
	struct sockaddr_in	*sin;
	struct kw_in6_ifreq	 r6;
	struct stat		 sb, sb2;
	char			 path[PATH_MAX], sys[128];
	unsigned		 k;
	int			 s, s6;

	if (strchr(arg, '/') != NULL) {
		if (strlcpy(path, arg, sizeof(path)) >= sizeof(path))
			fatalx("%s: path too long", arg);
	} else if ((size_t)snprintf(path, sizeof(path), "/run/netns/%s",
	    arg) >= sizeof(path))
		fatalx("%s: name too long", arg);
	h->name = arg;
	if ((h->ns = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		fatal("%s", path);
	if (fstat(h->ns, &sb) == -1)
		fatal("%s: fstat", path);
	if (fstat(selfns, &sb2) == -1)
		fatal("%s: fstat", __func__);
	if (sb.st_dev == sb2.st_dev && sb.st_ino == sb2.st_ino)
		fatalx("%s: kadwan's own network namespace", arg);
	for (k = 0; k < i; k++) {
		if (fstat(hosts[k].ns, &sb2) == -1)
			fatal("%s: fstat", __func__);
		if (sb.st_dev == sb2.st_dev && sb.st_ino == sb2.st_ino)
			fatalx("%s: the namespace of host %u again", arg, k + 1);
	}
	enter(h->ns, arg);

	if ((h->tun = open("/dev/net/tun", O_RDWR | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		fatal("%s: /dev/net/tun", arg);
	memset(&ifr, 0, sizeof(ifr));
	if (strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name)) >=
	    sizeof(ifr.ifr_name))
		fatalx("%s: interface name too long", ifname);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	ifioctl(h->tun, TUNSETIFF, &ifr, arg, "TUNSETIFF");

	if (v6) {
		/* no router solicitations: nothing here would answer */
		snprintf(sys, sizeof(sys),
		    "/proc/sys/net/ipv6/conf/%s/router_solicitations", ifname);
		sysctl_set(sys, "0", arg);
	}
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("%s: socket", arg);
	ifr.ifr_mtu = (int)mtu;
	ifioctl(s, SIOCSIFMTU, &ifr, arg, "mtu");
	ifr.ifr_qlen = TXQLEN;
	ifioctl(s, SIOCSIFTXQLEN, &ifr, arg, "txqueuelen");
	memset(&ifr.ifr_addr, 0, sizeof(ifr.ifr_addr));
	sin = (struct sockaddr_in *)(void *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(wan_host_addr4(i));
	ifioctl(s, SIOCSIFADDR, &ifr, arg, "address");
	sin->sin_addr.s_addr = htonl(~0U << (32 - WAN_V4_PLEN));
	ifioctl(s, SIOCSIFNETMASK, &ifr, arg, "netmask");
	ifioctl(s, SIOCGIFFLAGS, &ifr, arg, "flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	ifioctl(s, SIOCSIFFLAGS, &ifr, arg, "up");
	if (v6) {
		ifioctl(s, SIOCGIFINDEX, &ifr, arg, "index");
		if ((s6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
			fatal("%s: IPv6 socket (-4: IPv4 only)", arg);
		memset(&r6, 0, sizeof(r6));
		wan_host_addr6(i, r6.addr.s6_addr);
		r6.prefixlen = WAN_V6_PLEN;
		r6.ifindex = ifr.ifr_ifindex;
		if (ioctl(s6, SIOCSIFADDR, &r6) == -1)
			fatal("%s: %s IPv6 address (-4: IPv4 only)", arg,
			    ifname);
		close(s6);
	}
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	ifioctl(s, SIOCGIFFLAGS, &ifr, arg, "flags");
	if ((ifr.ifr_flags & IFF_UP) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ifioctl(s, SIOCSIFFLAGS, &ifr, arg, "up");
	}
	close(s);
	enter(selfns, "kadwan's own namespace");
}

/* The tx drops of host i's device: packets the kernel dropped because
 * its queue to kadwan was full.  -1 if it cannot be read. */
static long long
tx_dropped(unsigned i)
{
	FILE		*fp;
	char		 line[512], *s, *name;
	long long	 v[12], r = -1;
	int		 n;

	enter(hosts[i].ns, hosts[i].name);
	fp = fopen("/proc/thread-self/net/dev", "re");
	enter(selfns, "kadwan's own namespace");
	if (fp == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((s = strchr(line, ':')) == NULL)
			continue;
		*s++ = '\0';
		name = line + strspn(line, " ");
		if (strcmp(name, ifname) != 0)
			continue;
		n = sscanf(s, "%lld %lld %lld %lld %lld %lld %lld %lld %lld "
		    "%lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		    &v[6], &v[7], &v[8], &v[9], &v[10], &v[11]);
		if (n == 12)
			r = v[11];
		break;
	}
	fclose(fp);
	return (r);
}

static void
bprintf(struct buf *b, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		fatalx("%s: report too long", __func__);
	b->len += (size_t)n;
}

static void
writeall(int fd, const char *p, size_t len, const char *what)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s", what);
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

static double
ms(double us)
{
	return (us / 1000);
}

/* The counters, as "key: value" lines ending with "end". */
static void
report(const char *statsfile)
{
	const struct wan_stats	*st = wan_stats(w);
	const struct wan_cfg	*cf = wan_config(w);
	struct rusage		 ru;
	struct buf		 b;
	char			 tmp[PATH_MAX];
	long long		 d, txd = 0;
	uint64_t		 drops = 0;
	double			 up, cpu;
	unsigned		 i;
	int			 fd;

	if ((b.p = malloc(REPORT_MAX)) == NULL)
		fatal("%s", __func__);
	b.len = 0;
	b.cap = REPORT_MAX;
	up = (double)(mono() - t_start) / 1e9;
	if (getrusage(RUSAGE_SELF, &ru) == -1)
		fatal("%s: getrusage", __func__);
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	for (i = 1; i < WAN_NVERDICT; i++)
		drops += st->drop[i];
	for (i = 0; i < nhosts; i++) {
		if ((d = tx_dropped(i)) > 0)
			txd += d;
	}

	bprintf(&b, "kadwan-report: %u\n", ++reports);
	bprintf(&b, "pid: %d\n", (int)getpid());
	bprintf(&b, "uptime-s: %.3f\n", up);
	bprintf(&b, "hosts: %u\n", nhosts);
	bprintf(&b, "packets-in: %" PRIu64 "\n", st->in);
	bprintf(&b, "bytes-in: %" PRIu64 "\n", st->in_bytes);
	bprintf(&b, "packets-ipv4: %" PRIu64 "\n", st->in4);
	bprintf(&b, "packets-ipv6: %" PRIu64 "\n", st->in6);
	bprintf(&b, "delivered: %" PRIu64 "\n", st->delivered);
	bprintf(&b, "bytes-delivered: %" PRIu64 "\n", st->delivered_bytes);
	bprintf(&b, "dropped: %" PRIu64 "\n", drops);
	for (i = 1; i < WAN_NVERDICT; i++)
		bprintf(&b, "dropped-%s: %" PRIu64 "\n", wan_verdict_names[i],
		    st->drop[i]);
	bprintf(&b, "loss-percent: %.3f\n", st->drop[WAN_DROP_LOSS] +
	    st->delivered == 0 ? 0.0 : 100.0 * st->drop[WAN_DROP_LOSS] /
	    (double)(st->drop[WAN_DROP_LOSS] + st->delivered));
	bprintf(&b, "tun-tx-dropped: %lld\n", txd);
	bprintf(&b, "in-flight: %" PRIu64 "\n", st->queued);
	bprintf(&b, "in-flight-max: %" PRIu64 "\n", st->queued_max);
	bprintf(&b, "buffers: %" PRIu64 "\n", st->buffers);
	bprintf(&b, "fifo-held: %" PRIu64 "\n", st->fifo_held);
	bprintf(&b, "delay-ms-mean: %.3f\n", st->delay.n == 0 ? 0.0 :
	    ms((double)st->delay.sum / (double)st->delay.n));
	bprintf(&b, "delay-ms-p50: %.3f\n", ms(wan_hist_quantile(&st->delay,
	    0.5)));
	bprintf(&b, "delay-ms-p90: %.3f\n", ms(wan_hist_quantile(&st->delay,
	    0.9)));
	bprintf(&b, "delay-ms-p99: %.3f\n", ms(wan_hist_quantile(&st->delay,
	    0.99)));
	bprintf(&b, "delay-ms-max: %.3f\n", ms((double)st->delay.max));
	bprintf(&b, "late-us-p50: %.0f\n", wan_hist_quantile(&st->late, 0.5));
	bprintf(&b, "late-us-p99: %.0f\n", wan_hist_quantile(&st->late, 0.99));
	bprintf(&b, "late-us-max: %" PRIu64 "\n", st->late.max);
	bprintf(&b, "queue-up-max-ms: %.3f\n", (double)st->upq_max_ns / 1e6);
	bprintf(&b, "queue-down-max-ms: %.3f\n",
	    (double)st->downq_max_ns / 1e6);
	bprintf(&b, "wakeups: %" PRIu64 "\n", wakeups);
	bprintf(&b, "reads: %" PRIu64 "\n", reads);
	bprintf(&b, "cpu-s: %.3f\n", cpu);
	bprintf(&b, "cpu-us-per-packet: %.3f\n", st->in == 0 ? 0.0 :
	    cpu * 1e6 / (double)st->in);
	bprintf(&b, "config: rtt %.3f ms, jitter %.3f ms, loss %.4f %%, "
	    "up %" PRIu64 " B/s (queue %" PRIu64 "), down %" PRIu64
	    " B/s (queue %" PRIu64 "), mtu %zu, %s, seed %" PRIu64 "\n",
	    (double)cf->delay_ns * 2 / 1e6, (double)cf->jitter_ns / 1e6,
	    cf->loss_ppm / 1e4, cf->up_rate, cf->up_queue, cf->down_rate,
	    cf->down_queue, cf->mtu, cf->reorder ? "reordering" : "fifo",
	    cf->seed);
	if (verbose) {
		for (i = 0; i < nhosts; i++)
			bprintf(&b, "host-%u: %s in %" PRIu64 " out %" PRIu64
			    " tx-dropped %lld\n", i + 1, hosts[i].name,
			    hosts[i].in, hosts[i].out, tx_dropped(i));
	}
	bprintf(&b, "end\n");

	writeall(STDOUT_FILENO, b.p, b.len, "stdout");
	if (statsfile != NULL) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", statsfile) >=
		    sizeof(tmp))
			fatalx("%s: path too long", statsfile);
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644)) == -1)
			log_warn("%s", tmp);
		else {
			writeall(fd, b.p, b.len, tmp);
			close(fd);
			if (rename(tmp, statsfile) == -1)
				log_warn("rename %s", statsfile);
		}
	}
	free(b.p);
}

static void
drain(unsigned i, size_t mtu)
{
	struct khost	*h = &hosts[i];
	struct wan_pkt	*p;
	uint8_t		*dst;
	ssize_t		 n;
	unsigned	 k;

	for (k = 0; k < BATCH; k++) {
		p = wan_pkt_get(w);
		dst = p != NULL ? p->data : scratch;
		n = read(h->tun, dst, mtu);
		reads++;
		if (n == -1) {
			if (p != NULL)
				wan_pkt_put(w, p);
			if (errno == EAGAIN || errno == EINTR)
				return;
			fatal("%s: read %s", h->name, ifname);
		}
		h->in++;
		if (p == NULL) {
			wan_nobuf(w, (size_t)n);
			continue;
		}
		/* longer than the buffer: the kernel says so, and it is
		 * dropped as malformed */
		p->len = (uint16_t)((size_t)n > mtu ? mtu + 1 : (size_t)n);
		wan_input(w, p, i, mono());
	}
}

static void
deliver(void)
{
	struct wan_pkt	*p;
	struct khost	*h;
	uint64_t	 now;
	ssize_t		 n;

	now = mono();
	while ((p = wan_due(w, now)) != NULL) {
		h = &hosts[p->dst];
		n = write(h->tun, p->data, p->len);
		now = mono();
		if (n == p->len)
			h->out++;
		else if (write_warned++ < 10)
			log_warn("%s: write %s (%zd of %u bytes)%s", h->name,
			    ifname, n, p->len, write_warned == 10 ?
			    "; no more such warnings" : "");
		wan_done(w, p, now, n == p->len);
	}
}

int
main(int argc, char *argv[])
{
	struct wan_cfg		 cf;
	struct epoll_event	 ev, *evs;
	struct signalfd_siginfo	 si;
	struct sched_param	 sp;
	struct timespec		 ts, *tsp;
	sigset_t		 sigs;
	const char		*pathfile = NULL, *pidfile = NULL;
	const char		*statsfile = NULL, *errstr;
	char			 err[512], pid[32];
	FILE			*fp;
	uint64_t		 next, now, rtt = 0;
	unsigned		 i;
	int			 ch, ep, sfd, n, k, fd, v6 = 1, fifo = 0;

	log_init(1, LOG_DAEMON);
	log_procinit("kadwan");
	memset(&cf, 0, sizeof(cf));
	cf.mtu = 1500;
	cf.maxpkts = DEF_MAXPKTS;
	cf.seed = 1;
	while ((ch = getopt(argc, argv, "46b:d:fi:j:l:M:m:p:Q:q:R:r:S:s:uv"))
	    != -1) {
		switch (ch) {
		case '4':
			v6 = 0;
			break;
		case '6':
			v6 = 1;
			break;
		case 'b':
			cf.maxpkts = (unsigned)strtonum(optarg, 16, 1 << 24,
			    &errstr);
			if (errstr != NULL)
				fatalx("-b %s: %s (16..16777216)", optarg,
				    errstr);
			break;
		case 'd':
			if (wan_parse_ms(optarg, &rtt) == -1)
				fatalx("-d %s: not a round trip in ms",
				    optarg);
			break;
		case 'f':
			fifo = 1;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'j':
			if (wan_parse_ms(optarg, &cf.jitter_ns) == -1)
				fatalx("-j %s: not a jitter in ms", optarg);
			break;
		case 'l':
			if (wan_parse_pct(optarg, &cf.loss_ppm) == -1)
				fatalx("-l %s: not a loss percentage (0..100)",
				    optarg);
			break;
		case 'M':
			cf.mtu = (size_t)strtonum(optarg, WAN_MTU_MIN,
			    WAN_MTU_MAX, &errstr);
			if (errstr != NULL)
				fatalx("-M %s: %s (%d..%d)", optarg, errstr,
				    WAN_MTU_MIN, WAN_MTU_MAX);
			break;
		case 'm':
			pathfile = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'Q':
			if (wan_parse_size(optarg, &cf.down_queue) == -1 ||
			    cf.down_queue == 0)
				fatalx("-Q %s: not a queue size", optarg);
			break;
		case 'q':
			if (wan_parse_size(optarg, &cf.up_queue) == -1 ||
			    cf.up_queue == 0)
				fatalx("-q %s: not a queue size", optarg);
			break;
		case 'R':
			if (wan_parse_rate(optarg, &cf.down_rate) == -1)
				fatalx("-R %s: not a rate (bytes/s, k/M/G, "
				    "or ...bit)", optarg);
			break;
		case 'r':
			if (wan_parse_rate(optarg, &cf.up_rate) == -1)
				fatalx("-r %s: not a rate (bytes/s, k/M/G, "
				    "or ...bit)", optarg);
			break;
		case 'S':
			statsfile = optarg;
			break;
		case 's':
			cf.seed = (uint64_t)strtonum(optarg, 0, LLONG_MAX,
			    &errstr);
			if (errstr != NULL)
				fatalx("-s %s: %s", optarg, errstr);
			break;
		case 'u':
			cf.reorder = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > WAN_MAXHOSTS) {
		log_warnx("between 2 and %d network namespaces expected",
		    WAN_MAXHOSTS);
		usage();
	}
	nhosts = (unsigned)argc;
	cf.nhosts = nhosts;
	cf.delay_ns = rtt / 2;
	if ((w = wan_new(&cf)) == NULL)
		fatal("%s: wan_new", __func__);
	if (pathfile != NULL) {
		if ((fp = fopen(pathfile, "re")) == NULL)
			fatal("%s", pathfile);
		if (wan_load_paths(w, fp, pathfile, err, sizeof(err)) == -1)
			fatalx("%s", err);
		fclose(fp);
	}
	if (geteuid() != 0)
		log_warnx("not root: creating tun devices in other network "
		    "namespaces needs CAP_NET_ADMIN and CAP_SYS_ADMIN");

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) == -1)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");

	if ((selfns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1)
		fatal("/proc/self/ns/net");
	if ((hosts = calloc(nhosts, sizeof(*hosts))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < nhosts; i++)
		host_setup(i, argv[i], cf.mtu, v6);

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if ((evs = calloc(nhosts + 1, sizeof(*evs))) == NULL)
		fatal("%s", __func__);
	memset(&ev, 0, sizeof(ev));
	for (i = 0; i < nhosts; i++) {
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, hosts[i].tun, &ev) == -1)
			fatal("epoll_ctl");
	}
	ev.events = EPOLLIN;
	ev.data.u32 = UINT32_MAX;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == -1)
		fatal("epoll_ctl");

	/* the due times are in ns; do not let the kernel round them */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) == -1)
		log_warn("PR_SET_TIMERSLACK");
	if (fifo) {
		memset(&sp, 0, sizeof(sp));
		sp.sched_priority = 1;
		if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1)
			fatal("-f: SCHED_FIFO");
	}
	t_start = mono();
	if (pidfile != NULL) {
		if ((fd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644)) == -1)
			fatal("%s", pidfile);
		n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		writeall(fd, pid, (size_t)n, pidfile);
		close(fd);
	}
	log_info("%u hosts on %s (10.64.0.0/10 + 256 n + 1%s + n, n 1..%u), "
	    "rtt %.3f ms, "
	    "jitter %.3f ms, loss %.4f %%%s%s", nhosts, ifname,
	    v6 ? ", fd77::/64" : "", nhosts, (double)rtt / 1e6,
	    (double)cf.jitter_ns / 1e6, cf.loss_ppm / 1e4,
	    cf.up_rate != 0 || cf.down_rate != 0 ? ", rate-limited" : "",
	    pathfile != NULL ? ", paths from -m" : "");

	for (;;) {
		deliver();
		next = wan_next(w);
		tsp = NULL;
		if (next != UINT64_MAX) {
			now = mono();
			next = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(next / WAN_NS);
			ts.tv_nsec = (long)(next % WAN_NS);
			tsp = &ts;
		}
		n = epoll_pwait2(ep, evs, (int)nhosts + 1, tsp, NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_pwait2");
		}
		wakeups++;
		for (k = 0; k < n; k++) {
			if (evs[k].data.u32 != UINT32_MAX) {
				drain(evs[k].data.u32, cf.mtu);
				if (wan_next(w) <= mono())
					deliver();
				continue;
			}
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				report(statsfile);
				if (si.ssi_signo == SIGUSR1)
					continue;
				if (pidfile != NULL)
					unlink(pidfile);
				log_info("signal %u: exiting", si.ssi_signo);
				exit(0);
			}
		}
	}
}
