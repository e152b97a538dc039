/* SPDX-License-Identifier: ISC */
/*
 * The one-node harness of the kadnet/dht.c tests (dht_cap.h): a
 * deterministic RNG, the capture of what the node sends, and the
 * builders of hand-made messages.  It checks nothing itself: every
 * CHECK is in the test programs.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/node_id.h"
#include "kadnet/routing.h"
#include "tests/unit/dht_cap.h"

static uint64_t	prng_state = 0x2545f4914f6cdd1dULL;
uint64_t	now;
/* the key puzzle of every dht made here: none, as keys are random */
unsigned	cap_puzzle_bits;

static uint64_t
prng(void)
{
	prng_state ^= prng_state >> 12;
	prng_state ^= prng_state << 25;
	prng_state ^= prng_state >> 27;
	return (prng_state * 0x2545f4914f6cdd1dULL);
}

void
rnd_bytes(void *arg, void *buf, size_t len)
{
	uint8_t	*p = buf;
	size_t	 i;

	(void)arg;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(prng() >> 32);
}

void
sha256(const void *p, size_t len, uint8_t out[32])
{
	unsigned int	n = 32;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1)
		abort();
}

void
mksin(struct sockaddr_in *sin, uint32_t ip, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(ip);
	sin->sin_port = htons(port);
}

/*
 * Every message the node sends is checked here: its reply_room is what
 * the request can draw (0 for answers and for STORE, which waits for a
 * proved session), and only a PING may go to a bare address.
 */
static void
cap_send(void *arg, const uint8_t *pub, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen, size_t reply_room)
{
	struct cap	*c = arg;
	struct krpc_msg	 m;
	enum krpc_err	 why;
	size_t		 i, want = 0;

	if (krpc_decode(buf, len, &m, &why) == -1)
		c->badroom++;
	else {
		if (KRPC_IS_REQUEST(m.type) && m.type != KRPC_STORE)
			want = krpc_reply_max(m.type);
		if (reply_room != want)
			c->badroom++;
		if ((pub == NULL && m.type != KRPC_PING) || (pub != NULL &&
		    memcmp(pub, c->self, KRPC_KEY_LEN) == 0))
			c->badpub++;
	}
	if (tolen != sizeof(struct sockaddr_in) || len > KRPC_MAX_MSG)
		return;
	i = c->n < NCAP ? c->n++ : NCAP - 1;	/* the last one always kept */
	memcpy(c->buf[i], buf, len);
	c->len[i] = len;
	memcpy(&c->to[i], to, sizeof(c->to[0]));
	c->haspub[i] = pub != NULL;
	if (pub != NULL)
		memcpy(c->pub[i], pub, KRPC_KEY_LEN);
	else
		memset(c->pub[i], 0, KRPC_KEY_LEN);
	c->room[i] = reply_room;
}

static void
cap_store(void *arg, const struct dht_store_req *r)
{
	struct cap	*c = arg;

	c->cookie = r->cookie;
	if (r->op == DHT_STORE_PUT) {
		c->puts++;
		c->put_copies = r->copies;
	}
	else if (r->op == DHT_STORE_GET)
		c->gets++;
	else if (r->op == DHT_STORE_HAVE)
		c->haves++;
}

static void
cap_event(void *arg, const struct dht_event *ev)
{
	struct cap	*c = arg;
	uint8_t		 t[KAD_ID_LEN];

	if (ev->type == DHT_EV_PING) {
		c->pings++;
		c->ping = *ev;
	}
	if (ev->type == DHT_EV_PUT) {
		c->putev++;
		c->put_status = ev->status;
		c->put_nodes = ev->nnodes;
	}
	memset(t, 1, sizeof(t));
	if (c->reenter_dht != NULL &&
	    dht_lookup(c->reenter_dht, t, 0, now) == -1)
		c->reenter = errno;
}

/* decode the last message the node sent */
int
cap_last(struct cap *c, struct krpc_msg *m)
{
	enum krpc_err	why;

	if (c->n == 0)
		return (-1);
	return (krpc_decode(c->buf[c->n - 1], c->len[c->n - 1], m, &why));
}

/* The last message captured went to key pub at ip:port. */
int
cap_last_to(const struct cap *c, const uint8_t *pub, uint32_t ip,
    uint16_t port)
{
	size_t	i;

	if (c->n == 0)
		return (0);
	i = c->n - 1;
	if (c->to[i].sin_addr.s_addr != htonl(ip) ||
	    ntohs(c->to[i].sin_port) != port)
		return (0);
	if (pub == NULL)
		return (!c->haspub[i]);
	return (c->haspub[i] && memcmp(c->pub[i], pub, KRPC_KEY_LEN) == 0);
}

/* The node ID of pub at IPv4 address ip (its /24, or itself if 127/8). */
void
ip_id(const uint8_t pub[KRPC_KEY_LEN], uint32_t ip, uint8_t id[KAD_ID_LEN])
{
	struct krpc_addr	a;

	memset(&a, 0, sizeof(a));
	a.family = KRPC_AF_INET;
	be32enc(a.ip, ip);
	if (kad_node_id(pub, &a, id) == -1)
		abort();
}

/* A random key and its node ID at ip (the tests' dhts take any key). */
void
mkkey(uint8_t pub[KRPC_KEY_LEN], uint8_t id[KAD_ID_LEN], uint32_t ip)
{
	rnd_bytes(NULL, pub, KRPC_KEY_LEN);
	ip_id(pub, ip, id);
}

/* A random key whose node ID at ip is closer to (near) or farther from
 * key than ref. */
void
mkkey_dist(uint8_t pub[KRPC_KEY_LEN], uint8_t id[KAD_ID_LEN], uint32_t ip,
    const uint8_t key[KAD_ID_LEN], const uint8_t ref[KAD_ID_LEN], int near)
{
	do
		mkkey(pub, id, ip);
	while ((kad_id_cmpdist(id, ref, key) < 0) != near);
}

size_t
mkmsg(uint8_t *buf, uint8_t type, const uint8_t txid[8],
    const uint8_t *target)
{
	struct krpc_msg	m;
	ssize_t		n;

	krpc_init(&m, type, txid);
	if (target != NULL)
		memcpy(m.target, target, KAD_ID_LEN);
	n = krpc_encode(&m, buf, KRPC_MAX_MSG);
	return (n < 0 ? 0 : (size_t)n);
}

/* A STORE of val under key, for 8 copies. */
size_t
mkstore(uint8_t *buf, const uint8_t txid[8], const uint8_t key[32],
    const uint8_t *val, size_t vlen, uint8_t flags)
{
	return (mkstore_copies(buf, txid, key, val, vlen, flags, 8));
}

/* A STORE of val under key, naming copies (0 or over 20: not encoded). */
size_t
mkstore_copies(uint8_t *buf, const uint8_t txid[8], const uint8_t key[32],
    const uint8_t *val, size_t vlen, uint8_t flags, uint8_t copies)
{
	struct krpc_msg	m;
	ssize_t		n;

	krpc_init(&m, KRPC_STORE, txid);
	memcpy(m.target, key, KAD_ID_LEN);
	m.flags = flags;
	m.copies = copies;
	m.value = val;
	m.vlen = (uint16_t)vlen;
	n = krpc_encode(&m, buf, KRPC_MAX_MSG);
	return (n < 0 ? 0 : (size_t)n);
}

struct dht *
mknode(struct cap *c, uint32_t ip, int martians)
{
	return (mknode_k(c, ip, martians, 0, 0));
}

/* A node with k contacts a bucket and replicas copies (0: defaults). */
struct dht *
mknode_k(struct cap *c, uint32_t ip, int martians, unsigned k,
    unsigned replicas)
{
	struct dht_config	cf;
	struct dht_io		io;
	struct sockaddr_in	sin;

	memset(c, 0, sizeof(*c));
	dht_config_defaults(&cf);
	cf.puzzle_bits = cap_puzzle_bits;
	if (k != 0)
		cf.k = k;
	if (replicas != 0)
		cf.replicas = replicas;
	do	/* our own key passes our puzzle, or dht_new refuses it */
		rnd_bytes(NULL, cf.pub, KRPC_KEY_LEN);
	while (!kad_puzzle_ok(cf.pub, cf.puzzle_bits));
	memcpy(c->self, cf.pub, KRPC_KEY_LEN);
	mksin(&sin, ip, 9999);
	memcpy(&cf.bind, &sin, sizeof(sin));
	cf.martians = martians;
	cf.rl.rate = 10;
	cf.rl.burst = 20;
	cf.rl.ban_strikes = 50;
	memset(&io, 0, sizeof(io));
	io.arg = c;
	io.send = cap_send;
	io.random = rnd_bytes;
	io.store = cap_store;
	io.event = cap_event;
	c->dht = dht_new(&cf, &io, now);
	return (c->dht);
}

int
input(struct dht *d, const uint8_t *pub, int validated, const uint8_t *buf,
    size_t len, uint32_t ip, uint16_t port)
{
	struct sockaddr_in	sin;

	mksin(&sin, ip, port);
	return (dht_input(d, pub, validated, buf, len, (struct sockaddr *)&sin,
	    sizeof(sin), now));
}

int
peer_up(struct dht *d, const uint8_t *pub, uint32_t ip, uint16_t port)
{
	struct sockaddr_in	sin;

	mksin(&sin, ip, port);
	return (dht_peer_up(d, pub, (struct sockaddr *)&sin, sizeof(sin),
	    now));
}

/* The contact with node ID id is at ip:port (and has key pub). */
int
contact_at(struct dht *d, const uint8_t id[KAD_ID_LEN], const uint8_t *pub,
    uint32_t ip, uint16_t port)
{
	const struct rt_entry	*e;
	uint8_t			 a[4];

	if ((e = routing_find(dht_routing(d), id)) == NULL)
		return (0);
	a[0] = ip >> 24;
	a[1] = (ip >> 16) & 0xff;
	a[2] = (ip >> 8) & 0xff;
	a[3] = ip & 0xff;
	return (e->addr.family == KRPC_AF_INET && e->addr.port == port &&
	    memcmp(e->addr.ip, a, 4) == 0 &&
	    memcmp(e->pub, pub, KRPC_KEY_LEN) == 0);
}

/* The index of the last message of type captured from `from` on, or -1. */
ssize_t
find_sent(const struct cap *c, size_t from, uint8_t type, struct krpc_msg *m)
{
	enum krpc_err	why;
	size_t		i;

	for (i = c->n; i-- > from; )
		if (krpc_decode(c->buf[i], c->len[i], m, &why) == 0 &&
		    m->type == type)
			return ((ssize_t)i);
	return (-1);
}

void
run_timers(struct dht *d, unsigned n, uint64_t step)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		now += step;
		(void)dht_timer(d, now);
	}
}

/* How many of the messages captured from `from` on went to ip. */
size_t
sent_to(const struct cap *c, size_t from, uint32_t ip, uint8_t type)
{
	struct krpc_msg	m;
	enum krpc_err	why;
	size_t		i, n = 0;

	for (i = from; i < c->n; i++)
		if (c->to[i].sin_addr.s_addr == htonl(ip) &&
		    krpc_decode(c->buf[i], c->len[i], &m, &why) == 0 &&
		    m.type == type)
			n++;
	return (n);
}

/* How many of those went to ip without key pub (NULL: with a key). */
size_t
sent_to_other(const struct cap *c, size_t from, uint32_t ip,
    const uint8_t *pub)
{
	size_t	i, n = 0;

	for (i = from; i < c->n; i++)
		if (c->to[i].sin_addr.s_addr == htonl(ip) && (pub == NULL ?
		    c->haspub[i] : !c->haspub[i] ||
		    memcmp(c->pub[i], pub, KRPC_KEY_LEN) != 0))
			n++;
	return (n);
}

/*
 * Ping ip:port from d by address and answer over proved keys as pub: a
 * contact that has replied.
 */
int
join_contact(struct dht *d, struct cap *c, const uint8_t pub[32],
    uint32_t ip, uint16_t port)
{
	struct sockaddr_in	sin;
	struct krpc_msg		m;
	uint8_t			buf[KRPC_MAX_MSG], id[32];
	size_t			len;

	mksin(&sin, ip, port);
	ip_id(pub, ip, id);
	if (dht_ping(d, (struct sockaddr *)&sin, sizeof(sin), now) != 0 ||
	    cap_last(c, &m) != 0 || m.type != KRPC_PING ||
	    !cap_last_to(c, NULL, ip, port))
		return (-1);
	now += 30;
	len = mkmsg(buf, KRPC_PONG, m.txid, NULL);
	input(d, pub, 1, buf, len, ip, port);
	return (contact_at(d, id, pub, ip, port) ? 0 : -1);
}
