/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for kadnet's state machine as a peer sees it: the
 * input is a sequence of datagrams (2-byte length, then bytes), each from
 * one of a few loopback sources, fed to one long-lived node whose clock
 * advances.  Whatever arrives, the node drops and counts it or answers:
 * it never crashes, and its store requests are answered so the code
 * paths behind them run too.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dht	*d;
static uint64_t		 now = 1000;
static uint64_t		 rnd = 0x9e3779b97f4a7c15ULL;
static uint64_t		 cookies[64];
static int		 ncookies;

static void
io_send(void *arg, const void *buf, size_t len, const struct sockaddr *to,
    socklen_t tolen)
{
	(void)arg;
	(void)buf;
	(void)to;
	(void)tolen;
	if (len > KRPC_MAX_DGRAM)
		abort();	/* nothing we send may exceed one datagram */
}

static void
io_random(void *arg, void *buf, size_t len)
{
	uint8_t	*p = buf;
	size_t	 i;

	(void)arg;
	for (i = 0; i < len; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		p[i] = rnd;
	}
}

static void
io_store(void *arg, const struct dht_store_req *r)
{
	(void)arg;
	if (r->op != DHT_STORE_PUT && ncookies < 64)
		cookies[ncookies++] = r->cookie;
}

static void
io_event(void *arg, const struct dht_event *e)
{
	(void)arg;
	(void)e;
}

static void
setup(void)
{
	struct dht_config	 cf;
	struct dht_io		 io;
	struct sockaddr_in	*sin;

	dht_config_defaults(&cf);
	memset(cf.id, 0x42, sizeof(cf.id));
	sin = (struct sockaddr_in *)&cf.bind;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(4000);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&io, 0, sizeof(io));
	io.send = io_send;
	io.random = io_random;
	io.store = io_store;
	io.event = io_event;
	if ((d = dht_new(&cf, &io, now)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in	 from;
	uint8_t			 chunk[1024];
	size_t			 len;
	int			 i;

	if (d == NULL)
		setup();
	while (size >= 3) {
		len = (data[0] | data[1] << 8) % (KRPC_MAX_DGRAM + 64);
		memset(&from, 0, sizeof(from));
		from.sin_family = AF_INET;
		from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		from.sin_port = htons(5000 + data[2] % 4);
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		dht_input(d, data, len, (struct sockaddr *)&from,
		    sizeof(from), now);
		data += len;
		size -= len;
		now += 37;
		/* answer what the node asked of its store, alternately */
		for (i = 0; i < ncookies; i++) {
			memset(chunk, i, sizeof(chunk));
			dht_store_reply(d, cookies[i], i % 2 ?
			    DHT_STORE_NOTFOUND : DHT_STORE_FOUND, chunk,
			    sizeof(chunk), now);
		}
		ncookies = 0;
		if (dht_next_timer(d) <= now)
			dht_timer(d, now);
	}
	return (0);
}
