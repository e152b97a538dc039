/* SPDX-License-Identifier: ISC */
/*
 * kadnet: the only process that touches the network and parses what
 * peers send.  It holds the routing table; it has no disk and no keys.
 * Its UDP sockets are opened by kadmaster and arrive as fds.
 *
 * The protocol is two pure state machines: the session layer
 * (session.c: handshakes, keys, sealed DATA) under the DHT (dht.c).
 * This file wires them together and to the world: datagrams from the
 * sockets go to the session layer, whose opened messages go to the dht;
 * the dht's messages go down through the session layer to the sockets.
 * It carries out what they ask for: DH requests to kadcrypt's static-
 * key oracle (kadnet never holds the node's private key), store
 * requests over the kadstore channel, and completions (a fetched chunk
 * for kadstore, a published chunk's acknowledgement).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/sys/queue.h>
#include <errno.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "sandbox.h"
#include "worker.h"
#include "bootwait.h"
#include "dht.h"
#include "node_id.h"
#include "routing.h"
#include "session.h"
#include "upload.h"

#define NET_MAX_UDP	4
#define NET_SAVE_FIRST	5		/* s: routing table to the store */
#define NET_SAVE_EVERY	30		/* s: and then this often */
#define NET_QUEUE_MAX	16384		/* publishes/fetches awaiting room */

_Static_assert(BOOTWAIT_MAX == KADIPC_BOOT_MAX, "bootstrap requests");
_Static_assert(DHT_MAX_REPLICAS == KADIPC_COPIES_MAX, "a chunk's copies");

/* work the dht refused for now (EBUSY): retried as room frees up */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	int			 publish;
	unsigned		 copies;	/* publish: the chunk's */
	uint64_t		 cookie;
	uint8_t			 key[KAD_ID_LEN];
	size_t			 len;
	uint8_t			 data[KRPC_MAX_VALUE];
};

static struct event_base	*base;
static struct kadipc_chan	*ch_master, *ch_store, *ch_crypt;
static struct event		*ev_udp[NET_MAX_UDP], *ev_timer, *ev_save;
static int			 udp_fd[NET_MAX_UDP], udp_fam[NET_MAX_UDP];
static int			 nudp;
static int			 configured, done;
static struct kadipc_net_config	 netconf;
static struct upload			 upload;
static struct dht		*dht;
static struct sess		*sess;
static uint8_t			*routes;	/* loaded before the dht */
static size_t			 routes_len;
static int			 routes_seen;
static TAILQ_HEAD(, pending)	 queue = TAILQ_HEAD_INITIALIZER(queue);
static size_t			 nqueue;
static uint64_t			 sendfail, queue_full;
static uint64_t			 dh_pending;	/* CRYPT_DH unanswered */
static uint64_t			 dh_sent, dh_answered, dh_unclaimed;
static struct bootwait		 bootw;		/* kadctl bootstrap requests */

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * After every call into the dht: its next deadline may have moved, and
 * the store wants to know when we gain our first peer or lose the last
 * (alone, a published chunk has nowhere to go: see NET_ALONE).
 */
static void
net_rearm(void)
{
	static int		 alone = -1;
	struct timeval		 tv;
	uint64_t		 next, now;

	if (dht == NULL)
		return;
	if ((dht_nodes(dht) == 0) != alone) {
		alone = dht_nodes(dht) == 0;
		if (kadipc_send_net_alone(ch_store, alone) == -1)
			fatal("%s", __func__);
	}
	next = dht_next_timer(dht);
	if (sess_next_timer(sess) < next)
		next = sess_next_timer(sess);
	now = now_ms();
	if (upload_next(&upload, now) < next)
		next = upload_next(&upload, now);
	if (bootwait_next(&bootw) < next)
		next = bootwait_next(&bootw);
	if (next == UINT64_MAX) {
		evtimer_del(ev_timer);
		return;
	}
	next = next > now ? next - now : 0;
	tv.tv_sec = next / 1000;
	tv.tv_usec = (next % 1000) * 1000;
	evtimer_add(ev_timer, &tv);
}

/*
 * Tell kadstore how a publish or fetch it asked for ended, under its
 * cookie: failed is 0 when it went out (publish) or the value is found
 * (fetch).
 */
static void
net_answer(int publish, uint64_t cookie, int failed, int elsewhere,
    size_t holders, const uint8_t *value, size_t len)
{
	int	 r;

	if (publish)
		r = kadipc_send_net_published(ch_store, cookie,
		    failed ? KADIPC_NET_ERROR : elsewhere ?
		    KADIPC_NET_ELSEWHERE : KADIPC_NET_FOUND,
		    holders > KADIPC_MAX_HOLDERS ? KADIPC_MAX_HOLDERS :
		    (uint32_t)holders);
	else
		r = kadipc_send_net_res(ch_store, KADIPC_NET_FETCH_RES, cookie,
		    failed ? KADIPC_NET_NOTFOUND : KADIPC_NET_FOUND, value,
		    len);
	if (r == -1)
		fatal("%s", __func__);
}

static void
net_drain_queue(void)
{
	struct pending	*p;
	int		 r;

	while ((p = TAILQ_FIRST(&queue)) != NULL) {
		if (p->publish)
			r = dht_put(dht, p->key, p->data, p->len, p->copies,
			    p->cookie, now_ms());
		else	/* kadstore asks only for what it lacks */
			r = dht_fetch(dht, p->key, p->cookie, now_ms());
		if (r == -1 && errno == EBUSY)
			break;
		if (r == -1) {
			log_warn("%s", p->publish ? "dht_put" : "dht_fetch");
			net_answer(p->publish, p->cookie, 1, 0, 0, NULL, 0);
		}
		TAILQ_REMOVE(&queue, p, entry);
		nqueue--;
		free(p);
	}
}

/* A kadctl bootstrap request is over: kadmaster tells the client. */
static void
boot_answer(uint32_t req, uint32_t status, const uint8_t *id)
{
	if (kadipc_send_net_bootstrap_res(ch_master, req, status, id) == -1)
		fatal("%s", __func__);
}

static void
net_timer(evutil_socket_t fd, short ev, void *arg)
{
	uint32_t	 reqs[BOOTWAIT_MAX];
	size_t		 i, n;

	(void)fd;
	(void)ev;
	(void)arg;
	n = bootwait_expire(&bootw, now_ms(), reqs);
	for (i = 0; i < n; i++)
		boot_answer(reqs[i], KADIPC_BOOT_TIMEOUT, NULL);
	upload_flush(&upload, now_ms());
	sess_timer(sess, now_ms());
	dht_timer(dht, now_ms());
	net_drain_queue();
	net_rearm();
}

static void
net_save(evutil_socket_t fd, short ev, void *arg)
{
	uint8_t		*buf;
	size_t		 size;
	ssize_t		 n;

	(void)fd;
	(void)ev;
	(void)arg;
	size = dht_save_size(dht);
	if (size > KADIPC_MAX_PAYLOAD)
		size = KADIPC_MAX_PAYLOAD;
	if ((buf = malloc(size)) == NULL)
		return;
	if ((n = dht_save(dht, buf, size)) > 0 &&
	    kadipc_compose(ch_store, KADIPC_NET_ROUTES, 0, -1, buf, n) == -1)
		log_warn("%s", __func__);
	free(buf);
	if (fd != -2)	/* from the timer, not from SHUTDOWN */
		event_add(ev_save, &(struct timeval){ NET_SAVE_EVERY, 0 });
}

/* ---- session callbacks: the sockets below, the dht above ---- */

static void
udp_send(void *arg, int fd, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	(void)arg;
	if (sendto(fd, buf, len, MSG_DONTWAIT, to, tolen) == -1)
		sendfail++;
}

static void
sio_send(void *arg, const void *buf, size_t len, const struct krpc_addr *to)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 i;

	(void)arg;
	sl = krpc_addr_to_sa(to, &ss);
	for (i = 0; i < nudp; i++)
		if (udp_fam[i] == ss.ss_family)
			break;
	if (i == nudp) {
		sendfail++;
		return;
	}
	/* through kad.conf's upload-limit: now, later, or dropped (with
	 * no limit, the clock is not read) */
	upload_send(&upload, udp_fd[i], buf, len, (struct sockaddr *)&ss, sl,
	    upload.rate != 0 ? now_ms() : 0);
}

static void
sio_deliver(void *arg, const uint8_t pub[SESS_KEY_LEN],
    const struct krpc_addr *from, int validated, const void *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;

	(void)arg;
	sl = krpc_addr_to_sa(from, &ss);
	(void)dht_input(dht, pub, validated, buf, len, (struct sockaddr *)&ss,
	    sl, now_ms());
}

static void
sio_peer_up(void *arg, const uint8_t pub[SESS_KEY_LEN],
    const struct krpc_addr *addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;

	(void)arg;
	sl = krpc_addr_to_sa(addr, &ss);
	(void)dht_peer_up(dht, pub, (struct sockaddr *)&ss, sl, now_ms());
}

static uint64_t
sio_wallclock_ns(void *arg)
{
	struct timespec	 ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* ---- dht callbacks: they only queue datagrams and messages ---- */

/* A message for a peer: sealed (or held for keys) by the session layer. */
static void
io_send(void *arg, const uint8_t *pub, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen, size_t reply_room)
{
	struct krpc_addr	a;

	(void)arg;
	if (krpc_addr_from_sa(to, tolen, &a) == -1 ||
	    sess_send(sess, pub, &a, buf, len, reply_room, now_ms()) == -1)
		sendfail++;
}

static void
io_random(void *arg, void *buf, size_t len)
{
	(void)arg;
	arc4random_buf(buf, len);
}

static void
io_store(void *arg, const struct dht_store_req *r)
{
	int	 rv = 0;

	(void)arg;
	switch (r->op) {
	case DHT_STORE_GET:
	case DHT_STORE_HAVE:
		rv = kadipc_send_net_req(ch_store, r->op == DHT_STORE_GET ?
		    KADIPC_NET_STORE_GET : KADIPC_NET_STORE_HAVE, r->cookie,
		    r->key);
		break;
	case DHT_STORE_PUT:
		rv = kadipc_send_net_put(ch_store, r->cookie, r->key,
		    r->copies, r->source, r->data, r->len);
		break;
	case DHT_STORE_SCAN:
		rv = kadipc_send_net_scan(ch_store, r->cookie, r->key, r->max);
		break;
	}
	if (rv == -1)
		fatal("%s", __func__);
}

/* A DH of the node's static key with peer, by kadcrypt (CRYPT_DH). */
static void
io_static_dh(void *arg, uint64_t cookie, const uint8_t peer[32])
{
	(void)arg;
	if (kadipc_send_crypt_dh(ch_crypt, cookie, peer) == -1)
		fatal("%s", __func__);
	dh_pending++;
	dh_sent++;
}

static void
io_event(void *arg, const struct dht_event *e)
{
	uint32_t	 reqs[BOOTWAIT_MAX];
	size_t		 i, n;

	(void)arg;
	if (e->type == DHT_EV_PING) {
		n = bootwait_answered(&bootw, &e->addr, reqs);
		for (i = 0; i < n; i++)
			boot_answer(reqs[i], KADIPC_BOOT_ANSWERED, e->key);
		return;
	}
	/* cookie 0: the dht's own work (bootstrap, refresh, migration) */
	if (e->cookie == 0 || (e->type != DHT_EV_GET && e->type != DHT_EV_PUT))
		return;
	net_answer(e->type == DHT_EV_PUT, e->cookie, e->status != 0,
	    e->elsewhere, e->type == DHT_EV_PUT ? e->nnodes : 0, e->value,
	    e->vlen);
}

/* Drain the socket: one wakeup, many datagrams. */
static void
net_udp_read(evutil_socket_t fd, short ev, void *arg)
{
	struct sockaddr_storage	 ss;
	struct krpc_addr	 a;
	socklen_t		 sslen;
	uint8_t			 buf[2048];
	ssize_t			 n;
	uint64_t		 now = now_ms();
	int			 i;

	(void)ev;
	(void)arg;
	for (i = 0; i < 512; i++) {
		sslen = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&ss, &sslen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("%s: recvfrom", __func__);
			break;
		}
		if (krpc_addr_from_sa((struct sockaddr *)&ss, sslen, &a) == 0)
			sess_input(sess, buf, (size_t)n, &a, now);
	}
	net_drain_queue();
	net_rearm();
}

static void
net_stats(struct kad_stats *s)
{
	const struct dht_stats	*ds;
	const struct sess_stats	*ss;
	uint64_t		 dropped = 0, in = 0, out = 0;
	int			 i;

	if (dht != NULL) {
		ds = dht_stats(dht);
		ss = sess_stats(sess);
		/* BUSY counts work we retry later, not datagrams lost */
		for (i = 0; i < DHT_DROP_MAX; i++)
			if (i != DHT_DROP_BADCONTACT && i != DHT_DROP_BUSY &&
			    i != DHT_DROP_PUZZLE)
				dropped += ds->drop[i];
		/* what waits for keys is not lost; the rest is */
		for (i = 0; i < SESS_DROP_MAX; i++)
			if (i != SESS_DROP_QUEUE && i != SESS_DROP_CREDIT &&
			    i != SESS_DROP_GAVEUP)
				dropped += ss->drop[i];
		for (i = 0; i <= SESS_TYPE_MAX; i++) {
			in += ss->rx[i];
			out += ss->tx[i];
		}
		/* the contacts kadctl peers lists (net_peers): not the bad */
		kad_stats_add(s, "peers", routing_live(dht_routing(dht)));
		kad_stats_add(s, "lookups", ds->searches);
		/* chunk lookups that found their value, since the start */
		kad_stats_add(s, "lookup-median-ms", dht_get_ms_pct(ds, 50));
		kad_stats_add(s, "lookup-p90-ms", dht_get_ms_pct(ds, 90));
		kad_stats_add(s, "datagrams-in", in);
		kad_stats_add(s, "datagrams-out", out);
		kad_stats_add(s, "datagrams-dropped", dropped);
		kad_stats_add(s, "messages-in", ds->rx);
		kad_stats_add(s, "messages-out", ds->tx);
		kad_stats_add(s, "sessions", sess_peers(sess));
		kad_stats_add(s, "handshakes", ss->hs_done);
		kad_stats_add(s, "handshakes-started", ss->hs_started);
		kad_stats_add(s, "handshakes-answered", ss->hs_answered);
		kad_stats_add(s, "handshakes-gave-up",
		    ss->drop[SESS_DROP_GAVEUP]);
		kad_stats_add(s, "rekeys", ss->rekeys);
		kad_stats_add(s, "cookies-sent", ss->tx[SESS_COOKIE]);
		kad_stats_add(s, "drop-session-auth",
		    ss->drop[SESS_DROP_DECRYPT] + ss->drop[SESS_DROP_MAC1]);
		kad_stats_add(s, "drop-session-replay",
		    ss->drop[SESS_DROP_REPLAY]);
		kad_stats_add(s, "drop-session-address",
		    ss->drop[SESS_DROP_ADDRESS]);
		kad_stats_add(s, "drop-session-index",
		    ss->drop[SESS_DROP_INDEX]);
		kad_stats_add(s, "drop-session-other",
		    ss->drop[SESS_DROP_SHORT] + ss->drop[SESS_DROP_TYPE] +
		    ss->drop[SESS_DROP_INNER] + ss->drop[SESS_DROP_EXPIRED] +
		    ss->drop[SESS_DROP_SELF] + ss->drop[SESS_DROP_DH]);
		kad_stats_add(s, "drop-session-load",
		    ss->drop[SESS_DROP_COOKIE] + ss->drop[SESS_DROP_RATE] +
		    ss->drop[SESS_DROP_BUSY]);
		kad_stats_add(s, "datagrams-unsent", sendfail);
		kad_stats_add(s, "bytes-out", upload.sent_bytes);
		kad_stats_add(s, "upload-limit", upload.rate);
		kad_stats_add(s, "upload-queued", upload.queued);
		kad_stats_add(s, "upload-queue-bytes", upload.qbytes);
		kad_stats_add(s, "upload-dropped", upload.dropped);
		kad_stats_add(s, "upload-dropped-bytes", upload.dropped_bytes);
		kad_stats_add(s, "rpc-timeouts", ds->timeouts);
		kad_stats_add(s, "lookup-dead-skipped", ds->lookup_dead);
		kad_stats_add(s, "put-confirms", ds->confirms);
		kad_stats_add(s, "put-confirm-failed", ds->confirm_fail);
		kad_stats_add(s, "put-confirm-rounds", ds->confirm_rounds);
		kad_stats_add(s, "have-lies", ds->have_lies);
		kad_stats_add(s, "stores-accepted", ds->stores_accepted);
		kad_stats_add(s, "stores-failed", ds->stores_failed);
		kad_stats_add(s, "busy-sent", ds->busy_sent);
		kad_stats_add(s, "busy-received", ds->busy_received);
		kad_stats_add(s, "net-queue", nqueue);
		kad_stats_add(s, "net-queue-full", queue_full);
		kad_stats_add(s, "drop-malformed",
		    ds->drop[DHT_DROP_MALFORMED]);
		kad_stats_add(s, "drop-martian", ds->drop[DHT_DROP_MARTIAN]);
		kad_stats_add(s, "drop-ratelimit",
		    ds->drop[DHT_DROP_RATELIMIT] +
		    ds->drop[DHT_DROP_GLOBALLIMIT]);
		kad_stats_add(s, "drop-banned", ds->drop[DHT_DROP_BANNED]);
		kad_stats_add(s, "drop-unsolicited",
		    ds->drop[DHT_DROP_UNSOLICITED]);
		kad_stats_add(s, "drop-unproved", ds->drop[DHT_DROP_UNPROVED]);
		kad_stats_add(s, "drop-bad-value", ds->drop[DHT_DROP_BADVALUE]);
		kad_stats_add(s, "drop-busy", ds->drop[DHT_DROP_BUSY]);
		kad_stats_add(s, "drop-scope", ds->drop[DHT_DROP_SCOPE] +
		    ss->drop[SESS_DROP_SCOPE]);
		kad_stats_add(s, "drop-puzzle", ds->drop[DHT_DROP_PUZZLE] +
		    ss->drop[SESS_DROP_PUZZLE]);
	}
	kad_stats_add(s, "dh-sent", dh_sent);
	kad_stats_add(s, "dh-answered", dh_answered);
	kad_stats_add(s, "dh-unclaimed", dh_unclaimed);
}

static void
net_shutdown(void)
{
	if (dht != NULL)
		net_save(-2, 0, NULL);
	/* let the store have the routing table before we go */
	kadipc_flush(ch_store);
	exit(0);
}

static const struct kad_worker_ops net_ops = { net_shutdown, net_stats };

static void
net_peers(void)
{
	struct rt_entry	**out;
	char		 line[256], addr[INET6_ADDRSTRLEN];
	size_t		 n, i, j;
	uint64_t	 now = now_ms();
	int		 len;

	/* every contact not marked bad, as status's peers counts them */
	n = dht_nodes(dht);
	if ((out = reallocarray(NULL, n ? n : 1, sizeof(*out))) == NULL)
		fatal("%s", __func__);
	n = routing_closest(dht_routing(dht), dht_id(dht),
	    KRPC_WANT4 | KRPC_WANT6, 0, now, out, n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < KAD_ID_LEN; j++)
			snprintf(line + 2 * j, 3, "%02x", out[i]->id[j]);
		inet_ntop(out[i]->addr.family == KRPC_AF_INET ? AF_INET :
		    AF_INET6, out[i]->addr.ip, addr, sizeof(addr));
		len = snprintf(line + 2 * KAD_ID_LEN,
		    sizeof(line) - 2 * KAD_ID_LEN, " %s%s%s:%u seen %llus "
		    "rtt %s%ums\n", out[i]->addr.family == KRPC_AF_INET ? "" :
		    "[", addr, out[i]->addr.family == KRPC_AF_INET ? "" : "]",
		    out[i]->addr.port,
		    (unsigned long long)(now - out[i]->seen) / 1000,
		    (out[i]->flags & RT_F_RTT) ? "" : "~",
		    (out[i]->flags & RT_F_RTT) ? out[i]->srtt / 8 : 0);
		if (len > 0 && (size_t)len < sizeof(line) - 2 * KAD_ID_LEN)
			kadipc_compose(ch_master, KADIPC_NET_PEERS, 0, -1,
			    line, 2 * KAD_ID_LEN + len);
	}
	free(out);
	kadipc_compose(ch_master, KADIPC_NET_PEERS_END, 0, -1, NULL, 0);
}

static int
to_sockaddr(const struct kadipc_sockaddr *a, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		*len = sizeof(*sin);
	} else if (a->family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		*len = sizeof(*sin6);
	} else
		return (-1);
	return (0);
}

/* The table saved by an earlier run: rejoin without bootstrapping. */
static void
net_load_routes(void)
{
	if (dht_load(dht, routes, routes_len, now_ms()) == -1)
		log_warnx("the saved routing table is unusable");
	else
		log_info("rejoining with %zu saved contacts", dht_nodes(dht));
	free(routes);
	routes = NULL;
	net_rearm();
}

static void
net_start(void)
{
	struct dht_config	 cf;
	struct dht_io		 io;
	struct sess_config	 scf;
	struct sess_io		 sio;
	struct krpc_addr	 self;
	struct timeval		 tv;
	socklen_t		 len;
	int			 i, scope;

	dht_config_defaults(&cf);
	memcpy(cf.pub, netconf.pub, sizeof(cf.pub));
	cf.replicas = netconf.replicas;
	/* (len is bind's, below) */
	if (to_sockaddr(&netconf.idaddr, &cf.id_addr, &len) == -1 ||
	    to_sockaddr(&netconf.bind, &cf.bind, &len) == -1)
		fatalx("%s: bad bind address", __func__);
	cf.families = 0;
	for (i = 0; i < nudp; i++)
		cf.families |= udp_fam[i] == AF_INET ? KRPC_WANT4 : KRPC_WANT6;
	memset(&io, 0, sizeof(io));
	io.send = io_send;
	io.random = io_random;
	io.store = io_store;
	io.event = io_event;
	if ((dht = dht_new(&cf, &io, now_ms())) == NULL)
		fatal("dht_new");
	sess_config_defaults(&scf);
	memcpy(scf.pub, netconf.pub, sizeof(scf.pub));
	/* the same address policy as the dht's (martians AUTO) */
	scf.allow_loopback = scf.allow_private = 0;
	if (krpc_addr_from_sa((struct sockaddr *)&cf.bind, len, &self) == 0) {
		scope = krpc_addr_scope(&self);
		scf.allow_loopback = scope == KRPC_SCOPE_LOOPBACK;
		scf.allow_private = scope == KRPC_SCOPE_LOOPBACK ||
		    scope == KRPC_SCOPE_PRIVATE;
	}
	memset(&sio, 0, sizeof(sio));
	sio.send = sio_send;
	sio.deliver = sio_deliver;
	sio.peer_up = sio_peer_up;
	sio.static_dh = io_static_dh;
	sio.random = io_random;
	sio.wallclock_ns = sio_wallclock_ns;
	if ((sess = sess_new(&scf, &sio, now_ms())) == NULL)
		fatal("sess_new");
	if ((ev_timer = evtimer_new(base, net_timer, NULL)) == NULL ||
	    (ev_save = evtimer_new(base, net_save, NULL)) == NULL)
		fatalx("%s: timers", __func__);
	tv.tv_sec = NET_SAVE_FIRST;
	tv.tv_usec = 0;
	evtimer_add(ev_save, &tv);
	if (routes != NULL)
		net_load_routes();
	net_rearm();
}

static void
net_add_udp(struct kadipc_msg *m)
{
	struct stat		 st;
	uint32_t		 fam;

	if (kadipc_recv_net_udp(m, &fam) == -1)
		fatalx("%s: bad NET_UDP", __func__);
	if (nudp == NET_MAX_UDP)
		fatalx("%s: too many UDP sockets", __func__);
	if (fstat(m->fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx("%s: fd is not a socket", __func__);
	if ((ev_udp[nudp] = event_new(base, m->fd, EV_READ | EV_PERSIST,
	    net_udp_read, NULL)) == NULL || event_add(ev_udp[nudp], NULL) == -1)
		fatalx("%s: event", __func__);
	udp_fd[nudp] = m->fd;
	udp_fam[nudp] = fam;
	nudp++;
	m->fd = -1;	/* ours now */
}

/*
 * NET_BOOTSTRAP: ping the address.  A request of kadctl's (req != 0) is
 * answered exactly once: when the address answers (io_event), at its
 * deadline (net_timer), or here at once if it cannot be pinged.
 */
static void
net_bootstrap(struct kadipc_msg *m)
{
	struct kadipc_net_bootstrap	 b;
	struct sockaddr_storage		 ss;
	struct krpc_addr		 a;
	socklen_t			 len;
	int				 i;

	if (kadipc_recv_net_bootstrap(m, &b) == -1 ||
	    to_sockaddr(&b.addr, &ss, &len) == -1 ||
	    krpc_addr_from_sa((struct sockaddr *)&ss, len, &a) == -1)
		fatalx("%s: bad NET_BOOTSTRAP", __func__);
	for (i = 0; i < nudp; i++)
		if (udp_fam[i] == ss.ss_family)
			break;
	if (i == nudp) {
		log_warnx("bootstrap: no socket of that address family");
		if (b.req != 0)
			boot_answer(b.req, KADIPC_BOOT_REFUSED, NULL);
		return;
	}
	if (dht_ping(dht, (struct sockaddr *)&ss, len, now_ms()) == -1) {
		log_warn("bootstrap");
		if (b.req != 0)
			boot_answer(b.req, errno == EBUSY ? KADIPC_BOOT_BUSY :
			    KADIPC_BOOT_REFUSED, NULL);
		net_rearm();
		return;
	}
	if (b.req != 0 && bootwait_add(&bootw, b.req, &a, now_ms(),
	    KADIPC_BOOT_WAIT_MS) == -1) {
		if (errno == EEXIST)
			fatalx("%s: request %u is already waiting", __func__,
			    b.req);
		boot_answer(b.req, KADIPC_BOOT_BUSY, NULL);
	}
	net_rearm();
}

/*
 * NET_CONFIG: the node key must pass the puzzle, and the node ID must be
 * the one the key gives at the address it is bound to.
 */
static void
net_config(struct kadipc_msg *m)
{
	struct sockaddr_storage	 ss;
	struct krpc_addr	 a;
	socklen_t		 len;
	uint8_t			 id[KAD_NODE_ID_LEN];

	if (configured)
		fatalx("%s: second NET_CONFIG", __func__);
	if (kadipc_recv_net_config(m, &netconf) == -1 ||
	    netconf.replicas < 1 || netconf.replicas > DHT_MAX_REPLICAS)
		fatalx("%s: bad NET_CONFIG", __func__);
	if (!kad_puzzle_ok(netconf.pub, KAD_PUZZLE_BITS))
		fatalx("%s: NET_CONFIG: the node key fails the key puzzle",
		    __func__);
	if (to_sockaddr(&netconf.idaddr, &ss, &len) == -1 ||
	    krpc_addr_from_sa((struct sockaddr *)&ss, len, &a) == -1 ||
	    kad_node_id(netconf.pub, &a, id) == -1 ||
	    memcmp(id, netconf.id, sizeof(id)) != 0)
		fatalx("%s: NET_CONFIG: the node ID is not the node key's",
		    __func__);
	if (netconf.upload_limit != 0 &&
	    (netconf.upload_limit < UPLOAD_MIN_RATE ||
	    netconf.upload_limit > UPLOAD_MAX_RATE))
		fatalx("%s: NET_CONFIG: upload limit %llu bytes/s out of "
		    "range", __func__,
		    (unsigned long long)netconf.upload_limit);
	upload_init(&upload, netconf.upload_limit, udp_send, NULL, now_ms());
	configured = 1;
}

/* Test builds: count requests to the oracle, as the dht would send. */
static void
net_test_dh(struct kadipc_msg *m)
{
#ifdef KAD_TEST_HOOKS
	static uint64_t		 next;
	struct kadipc_test_dh	 t;
	uint32_t		 i;

	if (kadipc_recv_test_dh(m, &t) == -1)
		fatalx("%s: bad NET_TEST_DH", __func__);
	log_warnx("test hook: %u DH requests to kadcrypt", t.count);
	for (i = 0; i < t.count; i++)
		io_static_dh(NULL, KADIPC_TEST_DH_COOKIE | next++, t.peer);
#else
	(void)m;
	fatalx("%s: NET_TEST_DH in a release build", __func__);
#endif
}

static void
net_dispatch_master(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	(void)arg;
	if (kad_worker_master(ch, m, &net_ops))
		return;
	switch (m->hdr.type) {
	case KADIPC_NET_CONFIG:
		net_config(m);
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
		net_start();
		if (kadipc_compose(ch_master, KADIPC_READY, 0, -1, NULL, 0) ==
		    -1)
			fatal("%s: READY", __func__);
		return;
	}
	if (!done)
		fatalx("%s: %s before NET_CONFIG_DONE", __func__,
		    kadipc_type_name(m->hdr.type));
	switch (m->hdr.type) {
	case KADIPC_NET_BOOTSTRAP:
		net_bootstrap(m);
		return;
	case KADIPC_NET_PEERS_REQ:
		net_peers();
		return;
	case KADIPC_NET_TEST_DH:
		net_test_dh(m);
		return;
	}
	fatalx("%s: unexpected %s from kadmaster", __func__,
	    kadipc_type_name(m->hdr.type));
}

static void
net_enqueue(int publish, uint64_t cookie, const uint8_t *key,
    unsigned copies, const uint8_t *data, size_t len)
{
	struct pending	*p;

	if (nqueue >= NET_QUEUE_MAX) {
		/* full: fail this one now rather than hold it (or die) */
		queue_full++;
		net_answer(publish, cookie, 1, 0, 0, NULL, 0);
		return;
	}
	if ((p = malloc(sizeof(*p))) == NULL)
		fatal("%s", __func__);
	p->publish = publish;
	p->copies = copies;
	p->cookie = cookie;
	memcpy(p->key, key, sizeof(p->key));
	p->len = len;
	if (len > 0)
		memcpy(p->data, data, len);
	TAILQ_INSERT_TAIL(&queue, p, entry);
	nqueue++;
}

static void
net_dispatch_store(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct kadipc_chunk_msg	 c;
	uint8_t			 keys[KADIPC_MAX_SCAN][KAD_ID_LEN];
	uint8_t			 copies[KADIPC_MAX_SCAN];
	const uint8_t		*data;
	uint64_t		 now = now_ms(), cookie;
	size_t			 len;
	uint32_t		 n;

	(void)ch;
	(void)arg;
	if (m->hdr.type == KADIPC_NET_ROUTES) {
		/* the store hands back our saved table once, at start */
		if (routes_seen++ || kadipc_recv_bytes(m, &data, &len) == -1)
			fatalx("%s: bad or second NET_ROUTES", __func__);
		if (len == 0)
			return;
		if ((routes = malloc(len)) == NULL)
			fatal("%s", __func__);
		memcpy(routes, data, len);
		routes_len = len;
		if (dht != NULL)
			net_load_routes();
		return;
	}
	if (dht == NULL)
		fatalx("%s: %s before the network started", __func__,
		    kadipc_type_name(m->hdr.type));
	switch (m->hdr.type) {
	case KADIPC_NET_STORE_RES:
		if (kadipc_recv_net_res(m, &c) == -1)
			fatalx("%s: bad NET_STORE_RES", __func__);
		dht_store_reply(dht, c.cookie, c.error == KADIPC_NET_FOUND ?
		    DHT_STORE_FOUND : c.error == KADIPC_NET_NOTFOUND ?
		    DHT_STORE_NOTFOUND : DHT_STORE_ERROR, c.data, c.len, now);
		break;
	case KADIPC_NET_STORE_PUT_RES:
		if (kadipc_recv_net_res(m, &c) == -1 || c.cookie == 0)
			fatalx("%s: bad NET_STORE_PUT_RES", __func__);
		dht_store_reply(dht, c.cookie, c.error == KADIPC_NET_FOUND ?
		    DHT_STORE_FOUND : DHT_STORE_ERROR, NULL, 0, now);
		break;
	case KADIPC_NET_STORE_KEYS:
		if (kadipc_recv_net_keys(m, &cookie, keys, copies, &n) == -1)
			fatalx("%s: bad NET_STORE_KEYS", __func__);
		dht_store_scan_reply(dht, cookie, keys, copies, n, now);
		break;
	case KADIPC_NET_FETCH:
		if (kadipc_recv_net_req(m, &c) == -1 || c.cookie == 0)
			fatalx("%s: bad NET_FETCH", __func__);
		net_enqueue(0, c.cookie, c.key, 0, NULL, 0);
		break;
	case KADIPC_NET_PUBLISH:
		if (kadipc_recv_net_publish(m, &c) == -1 || c.cookie == 0)
			fatalx("%s: bad NET_PUBLISH", __func__);
		/*
		 * Alone, there is nobody to push to: migration moves the
		 * store's keys to closer nodes once some join.
		 */
		if (dht_nodes(dht) == 0) {
			net_answer(1, c.cookie, 0, 0, 0, NULL, 0);
			return;
		}
		net_enqueue(1, c.cookie, c.key, c.copies, c.data, c.len);
		break;
	default:
		fatalx("%s: unexpected %s from kadstore", __func__,
		    kadipc_type_name(m->hdr.type));
	}
	net_drain_queue();
	net_rearm();
}

/*
 * kadcrypt's answers to our CRYPT_DH requests, for the dht, which
 * matches each cookie to its handshake.  An answer to nothing we asked
 * is kadcrypt breaking the protocol; one the dht no longer wants (its
 * handshake is gone) is only counted.  The secret is wiped once handed
 * over.
 */
static void
net_dispatch_crypt(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct kadipc_crypt_dh_res	 r;

	(void)ch;
	(void)arg;
	if (m->hdr.type != KADIPC_CRYPT_DH_RES ||
	    kadipc_recv_crypt_dh_res(m, &r) == -1)
		fatalx("%s: bad %s", __func__, kadipc_type_name(m->hdr.type));
	if (dht == NULL || dh_pending == 0)
		fatalx("%s: CRYPT_DH_RES with nothing pending", __func__);
	dh_pending--;
	dh_answered++;
	if (sess_static_dh_reply(sess, r.cookie, r.status == KADIPC_DH_OK ?
	    SESS_DH_OK : SESS_DH_FAILED, r.shared, now_ms()) == -1)
		dh_unclaimed++;
	explicit_bzero(&r, sizeof(r));
	net_drain_queue();
	net_rearm();
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

	kad_worker_init(&w, KAD_PROC_NET, 3, argc, argv);
	kad_privdrop_lookup(w.user, &user);
	/* OpenSSL reads its configuration file now, not in the sandbox */
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 ||
	    kad_node_id_init() == -1)
		fatalx("OpenSSL initialisation failed");
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	kad_privdrop(KAD_PROC_NET, w.root, &user);
	kad_sandbox(KAD_PROC_NET);

	ch_master = kad_worker_chan(base, KAD_IPC_FD, KAD_PROC_NET,
	    KAD_PROC_MASTER, net_dispatch_master, net_chan_dead);
	ch_store = kad_worker_chan(base, KAD_IPC_FD + 1, KAD_PROC_NET,
	    KAD_PROC_STORE, net_dispatch_store, net_chan_dead);
	ch_crypt = kad_worker_chan(base, KAD_IPC_FD + 2, KAD_PROC_NET,
	    KAD_PROC_CRYPT, net_dispatch_crypt, net_chan_dead);
	event_base_dispatch(base);
	fatalx("event loop ended");
}
