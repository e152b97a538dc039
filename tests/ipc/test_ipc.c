/* SPDX-License-Identifier: ISC */
/*
 * libkadipc framing on real, non-blocking AF_UNIX stream socketpairs:
 * the catalogue, every catalogue type end to end, batching, partial
 * reads and writes, compose-side refusals and kadipc_msg_exact.  Fd
 * passing is in test_ipc_fd.c; EOF, HELLO and every malformed header in
 * test_ipc_malformed.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "tests/ipc/ipc_util.h"
#include "tests/test.h"

static void
test_catalogue(void)
{
	const struct kadipc_type_info	*ti;
	uint32_t			 t;
	int				 ok = 1;

	for (t = 0; t < KADIPC_TYPE_MAX; t++) {
		if ((ti = kadipc_type_lookup(t)) == NULL)
			continue;
		if (ti->type != t || ti->minlen > ti->maxlen ||
		    ti->maxlen > KADIPC_MAX_PAYLOAD || t == KADIPC_NONE ||
		    strcmp(kadipc_type_name(t), ti->name) != 0)
			ok = 0;
	}
	CHECK(ok, "catalogue rows are consistent");
	CHECK(nalltypes >= 30, "catalogue has %zu types besides HELLO",
	    nalltypes);
	CHECK(kadipc_type_lookup(KADIPC_NONE) == NULL &&
	    kadipc_type_lookup(8) == NULL &&
	    kadipc_type_lookup(KADIPC_TYPE_MAX) == NULL &&
	    kadipc_type_lookup(UINT32_MAX) == NULL,
	    "lookup of NONE, a hole, TYPE_MAX and UINT32_MAX is NULL");
	CHECK(strcmp(kadipc_type_name(UINT32_MAX), "unknown") == 0 &&
	    strcmp(kadipc_type_name(KADIPC_CHUNK_PUT), "CHUNK_PUT") == 0,
	    "type names");
}

static void
test_chan_new(void)
{
	static const uint32_t	 bad[][1] = { { KADIPC_NONE }, { 8 },
	    { KADIPC_TYPE_MAX }, { UINT32_MAX } };
	struct kadipc_chan	*ch;
	size_t			 i;
	int			 sv[2], ok;

	if (sp(sv) == -1)
		return;
	for (i = 0; i < nitems(bad); i++) {
		errno = 0;
		ch = kadipc_chan_new(sv[0], KAD_PROC_NET, KAD_PROC_MASTER,
		    bad[i], 1);
		CHECK(ch == NULL && errno == EINVAL && fd_is_open(sv[0]),
		    "chan_new refuses allowed type %u", bad[i][0]);
		kadipc_chan_free(ch);
	}
	ch = kadipc_chan_new(sv[0], KAD_PROC_MAX, KAD_PROC_MASTER, NULL, 0);
	ok = ch == NULL && errno == EINVAL;
	kadipc_chan_free(ch);
	ch = kadipc_chan_new(sv[0], KAD_PROC_NET, KAD_PROC_MAX, NULL, 0);
	ok = ok && ch == NULL && errno == EINVAL;
	kadipc_chan_free(ch);
	ch = kadipc_chan_new(-1, KAD_PROC_NET, KAD_PROC_MASTER, NULL, 0);
	ok = ok && ch == NULL && errno == EINVAL;
	kadipc_chan_free(ch);
	CHECK(ok, "chan_new refuses a bad self, peer or fd");

	ch = kadipc_chan_new(sv[0], KAD_PROC_STORE, KAD_PROC_CRYPT, NULL, 0);
	CHECK(ch != NULL && kadipc_queued(ch) ==
	    KADIPC_HDR_SIZE + sizeof(struct kadipc_hello) &&
	    kadipc_chan_fd(ch) == sv[0] &&
	    kadipc_chan_peer(ch) == KAD_PROC_CRYPT &&
	    strcmp(kadipc_chan_peername(ch), "kadcrypt") == 0 &&
	    !kadipc_chan_dead(ch),
	    "a new channel queues its HELLO and knows its peer");
	if (ch != NULL) {
		kadipc_flush(ch);
		CHECK(read(sv[1], sbuf, sizeof(sbuf)) == 24 &&
		    ((struct kadipc_hdr *)(void *)sbuf)->type == KADIPC_HELLO &&
		    ((struct kadipc_hdr *)(void *)sbuf)->len == 24 &&
		    ((struct kadipc_hello *)(void *)(sbuf + 16))->version ==
		    KADIPC_VERSION &&
		    ((struct kadipc_hello *)(void *)(sbuf + 16))->proc ==
		    KAD_PROC_STORE, "HELLO on the wire is {VERSION, self}");
	}
	kadipc_chan_free(ch);		/* closes sv[0] */
	close(sv[1]);
}

/* Every catalogue type at its minimum, maximum and middle length. */
static void
test_roundtrip(void)
{
	const struct kadipc_type_info	*ti;
	struct kadipc_chan		*a, *b;
	struct stat			 st;
	size_t				 i, k, lens[3], nlens, len;
	int				 p[2], ok, fd;
	char				 c;

	if (chanpair(&a, &b) == -1) {
		CHECK(0, "chanpair");
		return;
	}
	for (i = 0; i < nalltypes; i++) {
		ti = kadipc_type_lookup(alltypes[i]);
		lens[0] = ti->minlen;
		nlens = 1;
		if (ti->maxlen != ti->minlen) {
			lens[nlens++] = ti->maxlen;
			lens[nlens++] = ((size_t)ti->minlen + ti->maxlen) / 2;
		}
		for (k = 0; k < nlens; k++) {
			len = lens[k];
			fill(pbuf, len, ti->type + len);
			fd = -1;
			if (ti->hasfd) {
				if (pipe2(p, O_CLOEXEC) == -1)
					return;
				fd = p[1];
			}
			got_reset();
			ok = kadipc_compose(a, ti->type, ti->type * 7 + len,
			    fd, pbuf, len) == 0 &&
			    kadipc_queued(a) == KADIPC_HDR_SIZE + len &&
			    pump(a, b) == 0 && kadipc_queued(a) == 0 &&
			    ngot == 1 &&
			    got[0].hdr.type == ti->type &&
			    got[0].hdr.len == KADIPC_HDR_SIZE + len &&
			    got[0].hdr.flags == (ti->hasfd ? KADIPC_F_FD : 0) &&
			    got[0].hdr.peerid == ti->type * 7 + len &&
			    got[0].hdr.pid == (uint32_t)getpid() &&
			    got[0].len == len &&
			    filled(got[0].data, len, ti->type + len) &&
			    (got[0].fd != -1) == (ti->hasfd != 0);
			if (ok && ti->hasfd) {
				ok = fstat(got[0].fd, &st) == 0 &&
				    S_ISFIFO(st.st_mode) &&
				    write(got[0].fd, "k", 1) == 1 &&
				    read(p[0], &c, 1) == 1 && c == 'k';
				close(p[0]);
			}
			CHECK(ok, "round trip %s, %zu byte payload%s",
			    ti->name, len, ti->hasfd ? " and an fd" : "");
		}
	}
	got_reset();
	kadipc_chan_free(a);
	kadipc_chan_free(b);
}

/* composev gathers its iovecs, empty ones included. */
static void
test_composev(void)
{
	struct kadipc_chan	*a, *b;
	struct kadipc_chunk	 head;
	struct iovec		 iov[3];

	if (chanpair(&a, &b) == -1)
		return;
	memset(&head, 0, sizeof(head));
	memset(head.key, 0xab, sizeof(head.key));
	head.flags = KADIPC_CHUNK_F_PIN;
	fill(pbuf, 1000, 77);
	iov[0].iov_base = &head;
	iov[0].iov_len = sizeof(head);
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = pbuf;
	iov[2].iov_len = 1000;
	got_reset();
	CHECK(kadipc_composev(a, KADIPC_CHUNK_PUT, 9, -1, iov, 3) == 0 &&
	    pump(a, b) == 0 && ngot == 1 && got[0].len == sizeof(head) + 1000 &&
	    memcmp(got[0].data, &head, sizeof(head)) == 0 &&
	    filled(got[0].data + sizeof(head), 1000, 77),
	    "composev: head + empty iovec + bytes arrive as one payload");
	got_reset();
	CHECK(kadipc_compose(a, KADIPC_SHUTDOWN, 0, -1, NULL, 0) == 0 &&
	    pump(a, b) == 0 && ngot == 1 && got[0].len == 0,
	    "compose of an empty payload with NULL data");
	got_reset();
	kadipc_chan_free(a);
	kadipc_chan_free(b);
}

/* 1000 messages composed, one flush, then all of them from few reads. */
static void
test_many(void)
{
	struct kadipc_chan	*a, *b;
	struct kadipc_msg	 m;
	size_t			 i, len, total = 0;
	ssize_t			 r;
	int			 nreads = 0, bad = 0, f, g = 0;

	if (chanpair(&a, &b) == -1)
		return;
	for (i = 0; i < 1000; i++) {
		len = 1 + (i * 37) % 64;
		fill(pbuf, len, i);
		if (kadipc_compose(a, KADIPC_XFER_DATA, i, -1, pbuf, len) == -1)
			bad++;
		total += KADIPC_HDR_SIZE + len;
	}
	CHECK(bad == 0 && kadipc_queued(a) == total,
	    "1000 messages queued (%zu bytes)", total);
	f = kadipc_flush(a);
	CHECK(f == 0 && kadipc_queued(a) == 0, "one flush writes them all");
	got_reset();
	while ((r = kadipc_read(b)) > 0) {
		nreads++;
		while ((g = kadipc_get(b, &m)) == 1)
			collect(&m);
		if (g == -1)
			break;
	}
	for (i = 0; i < ngot; i++) {
		len = 1 + (i * 37) % 64;
		if (got[i].hdr.type != KADIPC_XFER_DATA ||
		    got[i].hdr.peerid != i || got[i].len != len ||
		    !filled(got[i].data, len, i))
			bad++;
	}
	CHECK(ngot == 1000 && bad == 0 && g == 0,
	    "1000 messages read in order, exact contents (%d reads)", nreads);
	CHECK(nreads <= 2, "the batch needs at most 2 reads (%d)", nreads);

	/* a bigger burst than the socket holds: pump in turns */
	got_reset();
	for (i = 0; i < 1000; i++) {
		len = 1 + (i * 997) % 6000;
		fill(pbuf, len, i + 5000);
		if (kadipc_compose(a, KADIPC_CTL_TEXT, i, -1, pbuf, len) == -1)
			bad++;
	}
	f = pump(a, b);
	for (i = 0; i < ngot; i++) {
		len = 1 + (i * 997) % 6000;
		if (got[i].hdr.peerid != i || got[i].len != len ||
		    !filled(got[i].data, len, i + 5000))
			bad++;
	}
	CHECK(f == 0 && ngot == 1000 && bad == 0,
	    "1000 messages of up to 6000 bytes (3 MB) in order");
	got_reset();
	kadipc_chan_free(a);
	kadipc_chan_free(b);
}

/* A small SO_SNDBUF: flush returns 1, the rest goes out later. */
static void
test_partial_write(void)
{
	struct kadipc_chan	*a, *b;
	int			 pipes[64][2], sz = 4096, f, n1 = 0, bad = 0;
	int			 base, i, g, rounds = 0;
	size_t			 total;
	uint32_t		 v;
	char			 c;

	base = nfds_open();
	if (chanpair(&a, &b) == -1)
		return;
	if (setsockopt(kadipc_chan_fd(a), SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)) == -1)
		CHECK(0, "SO_SNDBUF: %s", strerror(errno));
	for (i = 0; i < 64; i++) {
		pipes[i][0] = pipes[i][1] = -1;
		if (i % 9 == 4) {
			if (pipe2(pipes[i], O_CLOEXEC) == -1)
				return;
			v = i;
			if (kadipc_compose(a, KADIPC_NET_UDP, i, pipes[i][1],
			    &v, sizeof(v)) == -1)
				bad++;
		} else {
			fill(pbuf, 1000, i);
			if (kadipc_compose(a, KADIPC_XFER_DATA, i, -1, pbuf,
			    1000) == -1)
				bad++;
		}
	}
	total = kadipc_queued(a);
	f = kadipc_flush(a);
	CHECK(f == 1 && kadipc_queued(a) > 0 && kadipc_queued(a) < total,
	    "flush into a small send buffer returns 1 (%zu of %zu left)",
	    kadipc_queued(a), total);
	got_reset();
	while (rounds++ < 10000) {
		g = drain_chan(b, NULL);
		if (g == -1)
			break;
		if ((f = kadipc_flush(a)) == 1)
			n1++;
		if (f != 1 && (g = drain_chan(b, NULL)) != 1)
			break;
	}
	for (i = 0; i < (int)ngot; i++) {
		if (got[i].hdr.peerid != (uint32_t)i) {
			bad++;
			continue;
		}
		if (i % 9 == 4) {
			if (got[i].hdr.type != KADIPC_NET_UDP ||
			    got[i].fd == -1 ||
			    write(got[i].fd, "x", 1) != 1 ||
			    read(pipes[i][0], &c, 1) != 1)
				bad++;
		} else if (got[i].hdr.type != KADIPC_XFER_DATA ||
		    got[i].len != 1000 || !filled(got[i].data, 1000, i) ||
		    got[i].fd != -1)
			bad++;
	}
	CHECK(f == 0 && ngot == 64 && bad == 0 && kadipc_queued(a) == 0,
	    "after %d more partial flushes all 64 messages arrived, fds on "
	    "the right messages", n1);
	got_reset();
	for (i = 0; i < 64; i++)
		if (pipes[i][0] != -1)
			close(pipes[i][0]);
	kadipc_chan_free(a);
	kadipc_chan_free(b);
	CHECK(nfds_open() == base, "no fd leaked by partial writes");
}

/* The raw stream fed one byte at a time: messages appear when complete. */
static void
test_partial_read(void)
{
	static const uint32_t	 allow[] = { KADIPC_VERBOSE, KADIPC_SHUTDOWN,
	    KADIPC_NET_CONFIG, KADIPC_CTL_TEXT, KADIPC_NET_UDP };
	struct kadipc_chan	*ch;
	struct kadipc_hello	 h;
	struct kadipc_net_config nc;
	struct kadipc_msg	 m;
	size_t			 ends[8], n = 0, nmsg = 0, i, k;
	size_t			 udpstart;
	uint32_t		 v = 7;
	int			 raw, bad = 0, g, p[2], fd;
	char			 c;

	if ((ch = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	if (pipe2(p, O_CLOEXEC) == -1)
		return;
	h.version = KADIPC_VERSION;
	h.proc = KAD_PROC_MASTER;
	n += mkmsg(sbuf + n, KADIPC_HELLO, 24, 0, 0, &h, sizeof(h));
	ends[nmsg++] = n;
	n += mkmsg(sbuf + n, KADIPC_VERBOSE, 20, 0, 1, &v, sizeof(v));
	ends[nmsg++] = n;
	n += mkmsg(sbuf + n, KADIPC_SHUTDOWN, 16, 0, 2, NULL, 0);
	ends[nmsg++] = n;
	fill((uint8_t *)&nc, sizeof(nc), 3);
	n += mkmsg(sbuf + n, KADIPC_NET_CONFIG, 16 + sizeof(nc), 0, 3, &nc,
	    sizeof(nc));
	ends[nmsg++] = n;
	fill(pbuf, 300, 4);
	n += mkmsg(sbuf + n, KADIPC_CTL_TEXT, 316, 0, 4, pbuf, 300);
	ends[nmsg++] = n;
	udpstart = n;
	n += mkmsg(sbuf + n, KADIPC_NET_UDP, 20, KADIPC_F_FD, 5, &v,
	    sizeof(v));
	ends[nmsg++] = n;

	got_reset();
	for (i = 0, k = 0; i < n; i++) {
		if (sendraw(raw, sbuf + i, 1, i == udpstart ? p[1] : -1) == -1 ||
		    kadipc_read(ch) != 1) {
			bad++;
			break;
		}
		g = kadipc_get(ch, &m);
		if (i + 1 == ends[k]) {
			/* complete; HELLO is consumed by the library */
			if (g != (k == 0 ? 0 : 1))
				bad++;
			if (g == 1)
				collect(&m);
			k++;
		} else if (g != 0)
			bad++;
		if (g == 1 && kadipc_get(ch, &m) != 0)
			bad++;
	}
	close(p[1]);
	CHECK(bad == 0 && !kadipc_chan_dead(ch),
	    "%zu bytes one at a time: each message appears exactly when its "
	    "last byte is read", n);
	fd = ngot == 5 ? got[4].fd : -1;
	CHECK(ngot == 5 && got[0].hdr.type == KADIPC_VERBOSE &&
	    got[0].len == 4 && memcmp(got[0].data, &v, 4) == 0 &&
	    got[1].hdr.type == KADIPC_SHUTDOWN && got[1].len == 0 &&
	    got[2].len == sizeof(nc) &&
	    memcmp(got[2].data, &nc, sizeof(nc)) == 0 &&
	    got[3].len == 300 && filled(got[3].data, 300, 4) &&
	    got[4].hdr.type == KADIPC_NET_UDP && fd != -1 &&
	    write(fd, "z", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'z',
	    "byte-fed messages have exact contents; the fd sent with the "
	    "first byte arrives with the message");
	got_reset();
	close(p[0]);
	close(raw);
	kadipc_chan_free(ch);
}

/* The sender refuses what the catalogue does not allow. */
static void
test_compose_refuse(void)
{
	static const struct {
		const char	*what;
		uint32_t	 type;
		size_t		 len;
		int		 withfd;
	} cases[] = {
		{ "VERBOSE one byte short", KADIPC_VERBOSE, 3, 0 },
		{ "VERBOSE one byte long", KADIPC_VERBOSE, 5, 0 },
		{ "VERBOSE empty", KADIPC_VERBOSE, 0, 0 },
		{ "SHUTDOWN with a byte", KADIPC_SHUTDOWN, 1, 0 },
		{ "XFER_DATA empty", KADIPC_XFER_DATA, 0, 0 },
		{ "XFER_DATA MAX_PAYLOAD + 1", KADIPC_XFER_DATA,
		    KADIPC_MAX_PAYLOAD + 1, 0 },
		{ "CHUNK_PUT head one byte short", KADIPC_CHUNK_PUT,
		    sizeof(struct kadipc_chunk) - 1, 0 },
		{ "CHUNK_PUT maxlen + 1", KADIPC_CHUNK_PUT,
		    sizeof(struct kadipc_chunk) + KADIPC_CHUNK_MAX + 1, 0 },
		{ "STATS maxlen + 1", KADIPC_STATS,
		    KADIPC_MAX_STATS * sizeof(struct kadipc_stat) + 1, 0 },
		{ "XFER_META one byte long", KADIPC_XFER_META,
		    sizeof(struct kadipc_xfer_meta) + 1, 0 },
		{ "NET_UDP without its fd", KADIPC_NET_UDP, 4, 0 },
		{ "VERBOSE with an fd", KADIPC_VERBOSE, 4, 1 },
		{ "NONE", KADIPC_NONE, 0, 0 },
		{ "type 8 (hole)", 8, 0, 0 },
		{ "type 5000", 5000, 0, 0 },
		{ "type 0xffffffff", UINT32_MAX, 0, 0 },
	};
	struct kadipc_chan	*a, *b;
	struct iovec		 iov[2];
	size_t			 i, q;
	int			 p[2], r, ok;

	if (chanpair(&a, &b) == -1)
		return;
	q = kadipc_queued(a);
	for (i = 0; i < nitems(cases); i++) {
		p[0] = p[1] = -1;
		if (cases[i].withfd && pipe2(p, O_CLOEXEC) == -1)
			return;
		errno = 0;
		r = kadipc_compose(a, cases[i].type, 0, p[1], pbuf,
		    cases[i].len);
		ok = r == -1 && errno == EINVAL && kadipc_queued(a) == q;
		if (p[1] != -1) {
			/* a refused fd stays the caller's */
			ok = ok && fd_is_open(p[1]);
			close(p[0]);
			close(p[1]);
		}
		CHECK(ok, "compose refuses %s", cases[i].what);
	}
	iov[0].iov_base = pbuf;
	iov[0].iov_len = 40000;
	iov[1].iov_base = pbuf;
	iov[1].iov_len = 40000;
	CHECK(kadipc_composev(a, KADIPC_XFER_DATA, 0, -1, iov, 2) == -1 &&
	    errno == EINVAL && kadipc_queued(a) == q,
	    "composev refuses two iovecs summing above MAX_PAYLOAD");
	CHECK(kadipc_compose(a, KADIPC_XFER_DATA, 0, -1, pbuf,
	    KADIPC_MAX_PAYLOAD) == 0 && kadipc_queued(a) == KADIPC_MAX_MSG,
	    "compose accepts XFER_DATA of exactly MAX_PAYLOAD");
	kadipc_chan_close(a);
	CHECK(kadipc_compose(a, KADIPC_READY, 0, -1, NULL, 0) == -1 &&
	    errno == EPIPE && kadipc_chan_dead(a),
	    "compose on a closed channel: EPIPE");
	kadipc_chan_free(a);
	kadipc_chan_free(b);
}

static void
test_msg_exact(void)
{
	struct kadipc_msg	 m;
	struct kadipc_u32	 u;
	struct kadipc_link	 l;
	uint8_t			 data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	memset(&m, 0, sizeof(m));
	m.data = data;
	m.len = 4;
	m.fd = -1;
	u.value = 0xdeadbeef;
	CHECK(kadipc_msg_exact(&m, &u, sizeof(u)) == 0 &&
	    memcmp(&u, data, 4) == 0, "msg_exact copies exactly 4 bytes");
	u.value = 0xdeadbeef;
	m.len = 3;
	errno = 0;
	CHECK(kadipc_msg_exact(&m, &u, sizeof(u)) == -1 &&
	    errno == EBADMSG && u.value == 0xdeadbeef,
	    "one byte short: -1 EBADMSG, output untouched");
	m.len = 5;
	errno = 0;
	CHECK(kadipc_msg_exact(&m, &u, sizeof(u)) == -1 &&
	    errno == EBADMSG && u.value == 0xdeadbeef,
	    "one byte long: -1 EBADMSG, output untouched");
	m.len = 8;
	CHECK(kadipc_msg_exact(&m, &l, sizeof(l)) == -1,
	    "short payload for a large struct");
	m.len = 0;
	m.data = NULL;
	CHECK(kadipc_msg_exact(&m, NULL, 0) == 0,
	    "empty payload into size 0");
}

int
main(void)
{
	log_init(1, LOG_DAEMON);
	log_procinit("test_ipc");
	ipc_util_init();

	test_catalogue();
	test_chan_new();
	test_roundtrip();
	test_composev();
	test_many();
	test_partial_write();
	test_partial_read();
	test_compose_refuse();
	test_msg_exact();
	ipc_util_done();
	return (test_done());
}
