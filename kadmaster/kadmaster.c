/* SPDX-License-Identifier: ISC */
/*
 * kadmaster: main, options, the node's UDP sockets, worker supervision
 * and shutdown.  A worker that dies takes the whole daemon down with a
 * log line saying which one and why; there are no silent restarts.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/unistd.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "version.h"
#include "kadmaster.h"
#include "log.h"
#include "sandbox.h"

struct master_conf	 conf;
struct identity		 ident;
time_t			 started;

static struct event_base *base;
static struct event	*ev_sigterm, *ev_sigint, *ev_sighup, *ev_sigchld;
static struct event	*ev_killtimer;
static int		 shutting_down;
static int		 exit_status;
static int		 udp_fds[KAD_MAX_LISTEN], nudp;
static struct kadipc_sockaddr udp_addr[KAD_MAX_LISTEN];	/* as bound */
static int		 nbound;
static struct kadipc_sockaddr id_addr;	/* the node ID's (idaddr.c) */
static uint16_t		 udp_port;	/* the port we advertise */

static void	 master_identity(struct kadipc_msg *);

__attribute__((__noreturn__)) static void
usage(void)
{
	fprintf(stderr, "usage: kadmaster [-dnvV] [-f file] [-o key=value]\n");
	exit(1);
}

int
master_send(enum kad_proc p, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (workers[p].ch == NULL || kadipc_chan_dead(workers[p].ch)) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (kadipc_compose(workers[p].ch, type, peerid, fd, data, len) == -1) {
		log_warn("%s: %s to %s", __func__, kadipc_type_name(type),
		    kad_procnames[p]);
		if (fd != -1)
			close(fd);
		return (-1);
	}
	return (0);
}

static int
all_gone(void)
{
	int	 p;

	for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
		if (workers[p].pid != 0)
			return (0);
	return (1);
}

static void
killtimer_cb(evutil_socket_t fd, short ev, void *arg)
{
	int	 p;

	(void)fd;
	(void)ev;
	(void)arg;
	for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
		if (workers[p].pid != 0) {
			log_warnx("%s did not stop; killing it",
			    kad_procnames[p]);
			kill(workers[p].pid, SIGKILL);
		}
}

/*
 * kadstore stops last: kadnet hands it the routing table as it stops,
 * and kadcrypt's last chunks are still in its queue.  It reads all of
 * that before the EOF, then gets its own SHUTDOWN.
 */
static void
shutdown_store_last(void)
{
	static int	 told;

	if (told || workers[KAD_PROC_NET].pid != 0 ||
	    workers[KAD_PROC_CRYPT].pid != 0 || workers[KAD_PROC_STORE].pid == 0)
		return;
	told = 1;
	master_send(KAD_PROC_STORE, KADIPC_SHUTDOWN, 0, -1, NULL, 0);
}

void
master_shutdown(int status)
{
	struct timeval	 tv = { 10, 0 };

	if (status > exit_status)
		exit_status = status;
	if (shutting_down)
		return;
	shutting_down = 1;
	notify_send("STOPPING=1");
	if (workers[KAD_PROC_NET].pid != 0)
		master_send(KAD_PROC_NET, KADIPC_SHUTDOWN, 0, -1, NULL, 0);
	if (workers[KAD_PROC_CRYPT].pid != 0)
		master_send(KAD_PROC_CRYPT, KADIPC_SHUTDOWN, 0, -1, NULL, 0);
	shutdown_store_last();
	ev_killtimer = evtimer_new(base, killtimer_cb, NULL);
	evtimer_add(ev_killtimer, &tv);
	if (all_gone()) {
		control_cleanup();
		exit(exit_status);
	}
}

static void
reap(void)
{
	char	 why[64];
	pid_t	 pid;
	int	 status, p, found;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		found = 0;
		for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
			if (workers[p].pid == pid) {
				found = 1;
				break;
			}
		if (!found)
			continue;
		workers[p].pid = 0;
		if (WIFSIGNALED(status)) {
			snprintf(why, sizeof(why), "signal %d (SIG%s)",
			    WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ?
			    sigabbrev_np(WTERMSIG(status)) : "?");
		} else
			snprintf(why, sizeof(why), "status %d",
			    WEXITSTATUS(status));
		if (shutting_down && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			log_info("%s exited", kad_procnames[p]);
		else {
			log_warnx("%s terminated; %s", kad_procnames[p], why);
			master_shutdown(1);
		}
	}
	if (shutting_down)
		shutdown_store_last();
	if (shutting_down && all_gone()) {
		control_cleanup();
		exit(exit_status);
	}
}

static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	(void)arg;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("received signal %d, stopping", (int)sig);
		master_shutdown(0);
		break;
	case SIGHUP:
		log_warnx("SIGHUP: reloading is not supported; restart kad");
		break;
	case SIGCHLD:
		reap();
		break;
	}
}

static void
master_ready(void)
{
	int	 p;

	for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
		if (!workers[p].ready)
			return;
	log_info("node ready: port %u, workers %d %d %d", udp_port,
	    (int)workers[KAD_PROC_NET].pid, (int)workers[KAD_PROC_STORE].pid,
	    (int)workers[KAD_PROC_CRYPT].pid);
	/* everything is spawned and wired: narrow ourselves too */
	for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
		kad_sandbox_allow_kill(workers[p].pid);
	kad_sandbox(KAD_PROC_MASTER);
	/* clients are served only by a sandboxed master with ready workers */
	control_listen(base);
	notify_send("READY=1");
}

/* A worker's counters, for the status requests waiting on them. */
static void
master_stats(struct worker *w, struct kadipc_msg *m)
{
	size_t	 n;

	if (kadipc_recv_stats(m, w->stats, &n) == -1) {
		log_warnx("%s: bad STATS", kad_procnames[w->proc]);
		master_shutdown(1);
		return;
	}
	w->nstats = n;
	w->stats_replies++;
	control_worker_stats(w->proc);
}

static void
master_dispatch_worker(struct kadipc_chan *ch, struct kadipc_msg *m,
    void *arg)
{
	struct worker	*w = arg;

	(void)ch;
	switch (m->hdr.type) {
	case KADIPC_READY:
		if (w->ready) {
			log_warnx("%s: second READY", kad_procnames[w->proc]);
			master_shutdown(1);
			return;
		}
		w->ready = 1;
		master_ready();
		break;
	case KADIPC_NET_PEERS:
	case KADIPC_NET_PEERS_END:
		control_peers(m);
		break;
	case KADIPC_NET_BOOTSTRAP_RES:
		control_bootstrap_res(m);
		break;
	case KADIPC_CRYPT_IDENTITY_RES:
		master_identity(m);
		break;
	case KADIPC_STATS:
		master_stats(w, m);
		break;
	default:
		if (w->proc == KAD_PROC_CRYPT) {
			control_dispatch_crypt(m);
			break;
		}
		/* the channel's allowed types make this unreachable */
		log_warnx("%s: unexpected %s", kad_procnames[w->proc],
		    kadipc_type_name(m->hdr.type));
		master_shutdown(1);
	}
}

static void
master_worker_dead(struct kadipc_chan *ch, void *arg)
{
	struct worker	*w = arg;

	(void)ch;
	kadipc_chan_free(w->ch);
	w->ch = NULL;
	if (!shutting_down) {
		log_warnx("lost the channel to %s", kad_procnames[w->proc]);
		master_shutdown(1);
	}
}

static void
open_udp(void)
{
	struct kad_addr	 a, b;
	uint16_t	 port;
	int		 i, fd, on = 1, rcvbuf = 4 * 1024 * 1024, tries = 0;

	for (i = 0; i < conf.nlisten; i++) {
		if (parse_hostport(conf.listen[i], ident.port, &a) == -1)
			fatalx("listen %s: bad address", conf.listen[i]);
		fd = socket(a.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1) {
			if (errno == EAFNOSUPPORT) {
				log_warnx("listen %s: no support for this "
				    "address family", conf.listen[i]);
				continue;
			}
			fatal("socket");
		}
		if (a.ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
		    IPV6_V6ONLY, &on, sizeof(on)) == -1)
			fatal("IPV6_V6ONLY");
		/* bursts of chunk datagrams: a large buffer avoids drops */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		    sizeof(rcvbuf)) == -1)
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			    sizeof(rcvbuf));
		if (bind(fd, (struct sockaddr *)&a.ss, a.len) == -1) {
			/*
			 * A port drawn at first start may be in use: draw
			 * again while nothing is bound to the first one yet.
			 */
			if (errno == EADDRINUSE && ident.fresh_port &&
			    nudp == 0 && tries++ < 16 &&
			    parse_hostport(conf.listen[i], 0, &b) == 0 &&
			    ((struct sockaddr_in *)&b.ss)->sin_port == 0) {
				close(fd);
				log_warnx("port %u is taken; drawing another",
				    ident.port);
				if (identity_new_port(conf.datadir,
				    &ident) == -1)
					exit(1);
				i--;
				continue;
			}
			if (a.ss.ss_family == AF_INET6 &&
			    errno == EADDRNOTAVAIL) {
				log_warnx("listen %s: no IPv6 here",
				    conf.listen[i]);
				close(fd);
				continue;
			}
			fatal("listen %s: bind", conf.listen[i]);
		}
		if (getsockname(fd, (struct sockaddr *)&a.ss, &a.len) == -1)
			fatal("getsockname");
		port = ntohs(a.ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&a.ss)->sin_port :
		    ((struct sockaddr_in6 *)&a.ss)->sin6_port);
		if (udp_port == 0)
			udp_port = port;
		else if (port != udp_port)
			log_warnx("listen %s: port %u differs from %u, which "
			    "is the one peers will learn", conf.listen[i],
			    port, udp_port);
		udp_fds[nudp] = fd;
		master_sockaddr(&a, &udp_addr[nudp++]);
	}
	if (nudp == 0)
		fatalx("no usable listen address");
	nbound = nudp;
	ident.fresh_port = 0;
	master_id_addr(&conf, &udp_addr[0], &id_addr);
}

/* A parsed address in the fixed form the IPC carries. */
void
master_sockaddr(const struct kad_addr *a, struct kadipc_sockaddr *out)
{
	const struct sockaddr_in	*sin = (const void *)&a->ss;
	const struct sockaddr_in6	*sin6 = (const void *)&a->ss;

	memset(out, 0, sizeof(*out));
	out->family = a->ss.ss_family;
	if (a->ss.ss_family == AF_INET) {
		out->port = ntohs(sin->sin_port);
		memcpy(out->addr, &sin->sin_addr, 4);
	} else {
		out->port = ntohs(sin6->sin6_port);
		memcpy(out->addr, &sin6->sin6_addr, 16);
	}
}

/*
 * The addresses and ports the UDP sockets are bound to, as getsockname
 * gave them, in listen order; the first one's port is the one peers
 * learn.
 */
int
master_bound(const struct kadipc_sockaddr **out)
{
	*out = udp_addr;
	return (nbound);
}

/* "192.0.2.1:4242" or "[2001:db8::1]:4242" */
void
master_addr_str(const struct kadipc_sockaddr *a, char *buf, size_t size)
{
	char	 ip[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family, a->addr, ip, sizeof(ip)) == NULL)
		(void)strlcpy(ip, "?", sizeof(ip));
	(void)snprintf(buf, size, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    ip, a->port);
}

/* A bootstrap address for kadnet; req 0: from kad.conf, no answer. */
int
master_bootstrap(uint32_t req, const struct kadipc_sockaddr *a)
{
	struct kadipc_chan	*ch = workers[KAD_PROC_NET].ch;

	if (ch == NULL || kadipc_chan_dead(ch) ||
	    kadipc_send_net_bootstrap(ch, req, a) == -1)
		return (-1);
	return (0);
}

/*
 * kadnet's configuration, once kadcrypt has answered with the node key:
 * its ID and public key, the UDP sockets, then the bootstrap addresses.
 */
static void
configure_net(void)
{
	struct kadipc_net_config	 nc;
	struct kadipc_sockaddr		 sa;
	struct kadipc_u32		 fam;
	struct kad_addr			 a;
	int				 i;

	memset(&nc, 0, sizeof(nc));
	memcpy(nc.id, ident.id, sizeof(nc.id));
	memcpy(nc.pub, ident.pub, sizeof(nc.pub));
	nc.port = udp_port;
	nc.replicas = conf.replicas;
	nc.bind = udp_addr[0];
	nc.idaddr = id_addr;
	nc.upload_limit = conf.upload_limit;
	master_send(KAD_PROC_NET, KADIPC_NET_CONFIG, 0, -1, &nc, sizeof(nc));
	for (i = 0; i < nudp; i++) {
		fam.value = udp_addr[i].family;
		master_send(KAD_PROC_NET, KADIPC_NET_UDP, 0, udp_fds[i],
		    &fam, sizeof(fam));
	}
	nudp = 0;
	master_send(KAD_PROC_NET, KADIPC_NET_CONFIG_DONE, 0, -1, NULL, 0);
	for (i = 0; i < conf.nbootstrap; i++) {
		if (parse_hostport(conf.bootstrap[i], 0, &a) == -1)
			continue;	/* checked when the config was read */
		master_sockaddr(&a, &sa);
		if (master_bootstrap(0, &sa) == -1)
			log_warnx("bootstrap %s: not sent", conf.bootstrap[i]);
	}
}

/*
 * kadstore's and kadcrypt's configuration, and the node key's fd for
 * kadcrypt; kadnet waits for kadcrypt's answer (master_identity).
 */
static void
configure_workers(void)
{
	struct kadipc_store_config	 sc;
	struct kadipc_crypt_config	 cc;
	struct kadipc_chan		*ch = workers[KAD_PROC_CRYPT].ch;

	memset(&sc, 0, sizeof(sc));
	sc.limit = conf.storage_limit;
	sc.sync_ms = conf.sync_ms;
	sc.flags = conf.keep_published ? KADIPC_STORE_F_KEEP : 0;
	master_send(KAD_PROC_STORE, KADIPC_STORE_CONFIG, 0, -1, &sc,
	    sizeof(sc));

	memset(&cc, 0, sizeof(cc));
	cc.window = conf.window;
	master_send(KAD_PROC_CRYPT, KADIPC_CRYPT_CONFIG, 0, -1, &cc,
	    sizeof(cc));
	if (ch == NULL || kadipc_chan_dead(ch) ||
	    kadipc_send_crypt_identity(ch, ident.key_fd, ident.key_new ?
	    KADIPC_IDENT_F_NEW : 0, &id_addr) == -1) {
		log_warnx("%s: CRYPT_IDENTITY to kadcrypt", __func__);
		close(ident.key_fd);
		ident.key_fd = -1;
		master_shutdown(1);
		return;
	}
	ident.key_fd = -1;	/* the channel's now, closed once sent */
}

/* kadcrypt has the node key, or says why it refuses the file. */
static void
master_identity(struct kadipc_msg *m)
{
	struct kadipc_crypt_identity_res	 r;

	if (ident.ready || kadipc_recv_crypt_identity_res(m, &r) == -1) {
		log_warnx("kadcrypt: bad or second CRYPT_IDENTITY_RES");
		master_shutdown(1);
		return;
	}
	if (identity_key_saved(conf.datadir, &ident, &r) == -1) {
		master_shutdown(1);
		return;
	}
	configure_net();
}

static void
make_datadir(const char *dir)
{
	char		 path[PATH_MAX], *p;
	struct stat	 st;

	if (strlcpy(path, dir, sizeof(path)) >= sizeof(path))
		fatalx("datadir too long");
	/* parents as needed, the datadir itself private */
	for (p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			fatal("mkdir %s", path);
		*p = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
	if (lstat(path, &st) == -1)
		fatal("%s", path);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s: not a directory", path);
	if (st.st_uid != geteuid())
		fatalx("%s: owned by uid %u, not by us", path,
		    (unsigned)st.st_uid);
	if ((st.st_mode & 077) != 0 && chmod(path, 0700) == -1)
		fatal("chmod %s", path);
}

int
main(int argc, char *argv[])
{
	const char	*conffile = NULL;
	char		*eq;
	int		 ch, noaction = 0, p;

	kad_setproctitle_init(argc, argv);
	log_init(1, LOG_DAEMON);
	log_procinit(kad_procnames[KAD_PROC_MASTER]);
	conf_defaults(&conf);
	while ((ch = getopt(argc, argv, "df:no:vV")) != -1) {
		switch (ch) {
		case 'd':
			conf.debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'o':
			if ((eq = strchr(optarg, '=')) == NULL) {
				log_warnx("-o %s: want key=value", optarg);
				exit(1);
			}
			*eq = '\0';
			if (conf_set(&conf, optarg, eq + 1, "-o") == -1)
				exit(1);
			break;
		case 'v':
			conf.verbose++;
			break;
		case 'V':
			printf("kadmaster %s\n", KAD_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (conf_load(&conf, conffile ? conffile : KAD_CONF_FILE,
	    conffile != NULL) == -1)
		exit(1);
	conf_finish(&conf);
	if (noaction) {
		if (limit_default(&conf, 0) == -1)
			exit(1);
		if (conf.verbose)
			conf_print(&conf, STDOUT_FILENO);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	spawn_check(&conf);	/* on stderr, as the configuration's errors */
	log_init(conf.debug, LOG_DAEMON);
	log_setverbose(conf.verbose);
	signal(SIGPIPE, SIG_IGN);
	notify_init();		/* before the workers, who must not inherit it */
	make_datadir(conf.datadir);
	datadir_lock(conf.datadir);	/* before the socket or any file */
	if (identity_load(conf.datadir, &ident) == -1 ||
	    limit_default(&conf, 1) == -1)
		exit(1);
	if (!conf.storage_limit_set)
		log_info("storage-limit %llu (default: %s)",
		    (unsigned long long)conf.storage_limit,
		    conf.storage_limit_how);
	open_udp();
	control_init(&conf);
	if (!conf.debug && daemon(1, 0) == -1)
		fatal("daemon");
	datadir_lock_pid();		/* the daemon's pid, not its parent's */
	started = time(NULL);

	spawn_workers(&conf);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
		if (kadipc_event_set(workers[p].ch, base,
		    master_dispatch_worker, master_worker_dead,
		    &workers[p]) == -1)
			fatalx("kadipc_event_set");
	ev_sigterm = evsignal_new(base, SIGTERM, signal_cb, NULL);
	ev_sigint = evsignal_new(base, SIGINT, signal_cb, NULL);
	ev_sighup = evsignal_new(base, SIGHUP, signal_cb, NULL);
	ev_sigchld = evsignal_new(base, SIGCHLD, signal_cb, NULL);
	if (ev_sigterm == NULL || ev_sigint == NULL || ev_sighup == NULL ||
	    ev_sigchld == NULL || evsignal_add(ev_sigterm, NULL) == -1 ||
	    evsignal_add(ev_sigint, NULL) == -1 ||
	    evsignal_add(ev_sighup, NULL) == -1 ||
	    evsignal_add(ev_sigchld, NULL) == -1)
		fatalx("signal events");
	/* a worker may already have died before the handler existed */
	reap();
	configure_workers();
	kad_setproctitle("master");
	event_base_dispatch(base);
	fatalx("event loop ended");
}
