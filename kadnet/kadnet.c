/*
 * kadnet: the only process that touches the network and parses what
 * peers send.  It holds the routing table; it has no disk and no keys.
 * Its UDP sockets are opened by kadmaster and arrive as fds.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "sandbox.h"
#include "worker.h"

#define NET_MAX_UDP	4

static struct event_base	*base;
static struct kadipc_chan	*ch_master, *ch_store;
static struct event		*ev_udp[NET_MAX_UDP];
static int			 nudp;
static int			 configured, done;
static struct kadipc_net_config	 netconf;

static uint64_t	 dgrams_in, dgrams_out, dgrams_dropped;

static const uint32_t from_master[] = {
	KADIPC_SHUTDOWN, KADIPC_VERBOSE, KADIPC_STATS_REQ, KADIPC_NET_CONFIG,
	KADIPC_NET_UDP, KADIPC_NET_CONFIG_DONE,
#ifdef KAD_TEST_HOOKS
	KADIPC_TEST_SANDBOX,
#endif
};

/* Drain the socket: one wakeup, many datagrams (LIMITS.md section 5). */
static void
net_udp_read(evutil_socket_t fd, short ev, void *arg)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint8_t			 buf[2048];
	ssize_t			 n;
	int			 i;

	(void)ev;
	(void)arg;
	for (i = 0; i < 256; i++) {
		sslen = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&ss, &sslen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("%s: recvfrom", __func__);
			return;
		}
		dgrams_in++;
		/* no protocol is spoken yet: count and drop */
		dgrams_dropped++;
	}
}

static void
net_stats(void)
{
	struct kad_stats	 s;

	memset(&s, 0, sizeof(s));
	kad_stats_add(&s, "peers", 0);
	kad_stats_add(&s, "lookups", 0);
	kad_stats_add(&s, "datagrams-in", dgrams_in);
	kad_stats_add(&s, "datagrams-out", dgrams_out);
	kad_stats_add(&s, "datagrams-dropped", dgrams_dropped);
	if (kad_stats_send(ch_master, &s) == -1)
		fatal("%s", __func__);
}

static void
net_add_udp(struct kadipc_msg *m)
{
	struct kadipc_u32	 fam;
	struct stat		 st;

	if (kadipc_msg_exact(m, &fam, sizeof(fam)) == -1)
		fatalx("%s: bad NET_UDP", __func__);
	if (fam.value != AF_INET && fam.value != AF_INET6)
		fatalx("%s: bad address family %u", __func__, fam.value);
	if (nudp == NET_MAX_UDP)
		fatalx("%s: too many UDP sockets", __func__);
	if (fstat(m->fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx("%s: fd is not a socket", __func__);
	if ((ev_udp[nudp] = event_new(base, m->fd, EV_READ | EV_PERSIST,
	    net_udp_read, NULL)) == NULL || event_add(ev_udp[nudp], NULL) == -1)
		fatalx("%s: event", __func__);
	nudp++;
	m->fd = -1;	/* ours now */
}

static void
net_dispatch_master(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	(void)ch;
	(void)arg;
	if (kad_worker_common(m))
		return;
	switch (m->hdr.type) {
	case KADIPC_SHUTDOWN:
		log_debug("shutting down");
		exit(0);
	case KADIPC_STATS_REQ:
		net_stats();
		return;
	case KADIPC_NET_CONFIG:
		if (configured)
			fatalx("%s: second NET_CONFIG", __func__);
		if (kadipc_msg_exact(m, &netconf, sizeof(netconf)) == -1 ||
		    netconf.port < 1025)
			fatalx("%s: bad NET_CONFIG", __func__);
		configured = 1;
		return;
	case KADIPC_NET_UDP:
		if (!configured || done)
			fatalx("%s: NET_UDP out of order", __func__);
		net_add_udp(m);
		return;
	case KADIPC_NET_CONFIG_DONE:
		if (!configured || done || nudp == 0)
			fatalx("%s: NET_CONFIG_DONE out of order", __func__);
		done = 1;
		if (kadipc_compose(ch_master, KADIPC_READY, 0, -1, NULL, 0) ==
		    -1)
			fatal("%s: READY", __func__);
		return;
	}
	fatalx("%s: unexpected %s from kadmaster", __func__,
	    kadipc_type_name(m->hdr.type));
}

static void
net_dispatch_store(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	(void)ch;
	(void)arg;
	fatalx("%s: unexpected %s from kadstore", __func__,
	    kadipc_type_name(m->hdr.type));
}

static void
net_chan_dead(struct kadipc_chan *ch, void *arg)
{
	(void)arg;
	if (ch != ch_master) {
		kad_worker_sibling_lost(ch, base);
		return;
	}
	fatalx("lost the channel to %s", kadipc_chan_peername(ch));
}

int
main(int argc, char *argv[])
{
	struct kad_worker	 w;
	struct kad_user		 user;

	kad_worker_init(&w, KAD_PROC_NET, 2, argc, argv);
	kad_privdrop_lookup(w.user, &user);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	kad_privdrop(KAD_PROC_NET, w.root, &user);
	kad_sandbox(KAD_PROC_NET);

	if ((ch_master = kadipc_chan_new(KAD_IPC_FD, KAD_PROC_NET,
	    KAD_PROC_MASTER, from_master, sizeof(from_master) /
	    sizeof(from_master[0]))) == NULL ||
	    (ch_store = kadipc_chan_new(KAD_IPC_FD + 1, KAD_PROC_NET,
	    KAD_PROC_STORE, NULL, 0)) == NULL)
		fatal("channels");
	if (kadipc_event_set(ch_master, base, net_dispatch_master,
	    net_chan_dead, NULL) == -1 ||
	    kadipc_event_set(ch_store, base, net_dispatch_store,
	    net_chan_dead, NULL) == -1)
		fatalx("event_set");
	event_base_dispatch(base);
	fatalx("event loop ended");
}
