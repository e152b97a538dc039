/* SPDX-License-Identifier: ISC */
/*
 * libkadipc's fd passing on real, non-blocking AF_UNIX stream
 * socketpairs: fds interleaved with plain messages, the raw fd protocol
 * errors (a missing fd, a surprise fd, the flag not matching the type,
 * more fds than the receiver takes), and the fd rules of kadcrypt's
 * identity and oracle types and of the transfers (the file's fd comes
 * with XFER_PUT_BEGIN and XFER_SINK, with no other).  Malformed input is written as raw bytes on
 * the peer end; the reason a channel died is looked for in the captured
 * log.  The helpers are ipc_util.c's.
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

/* Several fds interleaved with fd-less messages, each on its message. */
static void
test_fd_interleaved(void)
{
	struct kadipc_chan	*a, *b;
	int			 pipes[40][2], i, bad = 0, base, f;
	uint32_t		 v;
	uint8_t			 c;

	base = nfds_open();
	if (chanpair(&a, &b) == -1)
		return;
	for (i = 0; i < 40; i++) {
		pipes[i][0] = pipes[i][1] = -1;
		v = i;
		if (i % 3 == 0 || i == 1) {
			if (pipe2(pipes[i], O_CLOEXEC) == -1)
				return;
			f = kadipc_compose(a, KADIPC_NET_UDP, i, pipes[i][1],
			    &v, sizeof(v));
		} else if (i % 3 == 1)
			f = kadipc_compose(a, KADIPC_VERBOSE, i, -1, &v,
			    sizeof(v));
		else
			f = kadipc_compose(a, KADIPC_NET_CONFIG_DONE, i, -1,
			    NULL, 0);
		if (f == -1)
			bad++;
	}
	got_reset();
	f = pump(a, b);
	for (i = 0; i < (int)ngot; i++) {
		if (got[i].hdr.peerid != (uint32_t)i)
			bad++;
		else if (pipes[i][0] != -1) {
			c = i;
			if (got[i].fd == -1 || write(got[i].fd, &c, 1) != 1 ||
			    read(pipes[i][0], &c, 1) != 1 || c != i)
				bad++;
		} else if (got[i].fd != -1)
			bad++;
	}
	CHECK(f == 0 && ngot == 40 && bad == 0,
	    "15 pipe fds interleaved with 25 fd-less messages: each fd "
	    "writes into its own pipe");
	got_reset();
	for (i = 0; i < 40; i++)
		if (pipes[i][0] != -1)
			close(pipes[i][0]);
	kadipc_chan_free(a);
	kadipc_chan_free(b);
	CHECK(nfds_open() == base, "no fd leaked (sender closes sent fds)");
}

/* The types of the fd protocol error cases. */
static const uint32_t	 fderr_allow[] = { KADIPC_VERBOSE, KADIPC_NET_UDP };

/* A missing fd, and a surprise one; -1 if a channel cannot be made. */
static int
fd_missing(void)
{
	struct kadipc_chan	*ch;
	const char		*log;
	int			 raw, g, p[2];
	uint32_t		 v = 1;

	/* flag set, no SCM_RIGHTS */
	if ((ch = rawchan(&raw, fderr_allow, nitems(fderr_allow))) == NULL)
		return (-1);
	cap_begin();
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawu32(raw, KADIPC_VERBOSE, 3, -1);
	rawmsg(raw, KADIPC_NET_UDP, 20, KADIPC_F_FD, &v, 4, -1);
	got_reset();
	g = drain_chan(ch, NULL);
	log = cap_end();
	CHECK(g == -1 && ngot == 1 && kadipc_chan_dead(ch) &&
	    strstr(log, "missing fd") != NULL,
	    "a message flagged with an fd but sent without one: missing fd");
	got_reset();
	kadipc_chan_free(ch);
	close(raw);

	/* SCM_RIGHTS on a message without the flag */
	if ((ch = rawchan(&raw, fderr_allow, nitems(fderr_allow))) == NULL ||
	    pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	cap_begin();
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawu32(raw, KADIPC_VERBOSE, 3, -1);
	rawmsg(raw, KADIPC_VERBOSE, 20, 0, &v, 4, p[0]);
	close(p[0]);
	close(p[1]);
	got_reset();
	g = drain_chan(ch, NULL);
	log = cap_end();
	CHECK(g == -1 && kadipc_chan_dead(ch) &&
	    strstr(log, "surprise fd") != NULL,
	    "an fd on a message without the flag: surprise fd (%zu delivered "
	    "first)", ngot);
	got_reset();
	kadipc_chan_free(ch);
	close(raw);
	return (0);
}

/* An fd on the HELLO, the fd flag not matching the type; -1 as above. */
static int
fd_flags(void)
{
	struct kadipc_chan	*ch;
	struct kadipc_hello	 h;
	const char		*log;
	int			 raw, g, p[2];
	uint32_t		 v = 1;

	/* SCM_RIGHTS on the HELLO */
	if ((ch = rawchan(&raw, fderr_allow, nitems(fderr_allow))) == NULL ||
	    pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	cap_begin();
	h.version = KADIPC_VERSION;
	h.proc = KAD_PROC_MASTER;
	rawmsg(raw, KADIPC_HELLO, 24, 0, &h, sizeof(h), p[0]);
	close(p[0]);
	close(p[1]);
	g = drain_chan(ch, NULL);
	log = cap_end();
	CHECK(g == -1 && strstr(log, "surprise fd") != NULL,
	    "an fd on the HELLO: surprise fd");
	kadipc_chan_free(ch);
	close(raw);

	/* the fd flag on a type that carries none, and the reverse */
	if ((ch = rawchan(&raw, fderr_allow, nitems(fderr_allow))) == NULL ||
	    pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	cap_begin();
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawmsg(raw, KADIPC_VERBOSE, 20, KADIPC_F_FD, &v, 4, p[0]);
	close(p[0]);
	close(p[1]);
	g = drain_chan(ch, NULL);
	log = cap_end();
	CHECK(g == -1 && strstr(log, "fd flag mismatch") != NULL,
	    "VERBOSE flagged with an fd (and carrying one): fd flag mismatch");
	kadipc_chan_free(ch);
	close(raw);

	if ((ch = rawchan(&raw, fderr_allow, nitems(fderr_allow))) == NULL ||
	    pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	cap_begin();
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawmsg(raw, KADIPC_NET_UDP, 20, 0, &v, 4, p[0]);
	close(p[0]);
	close(p[1]);
	g = drain_chan(ch, NULL);
	log = cap_end();
	CHECK(g == -1 && strstr(log, "fd flag mismatch") != NULL,
	    "NET_UDP without the fd flag: fd flag mismatch");
	kadipc_chan_free(ch);
	close(raw);
	return (0);
}

/* more fds in one message than the receiver takes; -1 as above */
static int
fd_too_many(void)
{
	struct kadipc_chan	*ch;
	const char		*log;
	int			 raw, fds[KADIPC_MAX_FDS + 1], i;
	ssize_t			 r;
	uint32_t		 v = 1;

	if ((ch = rawchan(&raw, fderr_allow, nitems(fderr_allow))) == NULL)
		return (-1);
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	drain_chan(ch, NULL);
	for (i = 0; i < KADIPC_MAX_FDS + 1; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cap_begin();
	mkmsg(sbuf, KADIPC_NET_UDP, 20, KADIPC_F_FD, 0, &v, 4);
	sendraw_fds(raw, sbuf, 20, fds, KADIPC_MAX_FDS + 1);
	for (i = 0; i < KADIPC_MAX_FDS + 1; i++)
		close(fds[i]);
	errno = 0;
	r = kadipc_read(ch);
	CHECK(r == -1 && errno == EBADMSG && kadipc_chan_dead(ch),
	    "%d fds in one message: kadipc_read fails with EBADMSG",
	    KADIPC_MAX_FDS + 1);
	log = cap_end();
	CHECK(strstr(log, "too many fds") != NULL, "logged: too many fds");
	kadipc_chan_free(ch);
	close(raw);
	return (0);
}

/* Raw fd protocol errors: missing, surprise, flag mismatch, too many. */
static void
test_fd_errors(void)
{
	int	 base;

	base = nfds_open();
	if (fd_missing() == -1 || fd_flags() == -1 || fd_too_many() == -1)
		return;
	CHECK(nfds_open() == base, "no fd leaked by fd protocol errors");
}

/*
 * The fd rules of the identity and oracle types on a channel: the key
 * file's fd must come with CRYPT_IDENTITY, and nothing may come with the
 * others.
 */
static void
test_crypt_fds(void)
{
	static const uint32_t	 allow[] = { KADIPC_CRYPT_IDENTITY,
	    KADIPC_CRYPT_IDENTITY_RES, KADIPC_CRYPT_DH, KADIPC_CRYPT_DH_RES,
	    KADIPC_XFER_PUT_BEGIN, KADIPC_XFER_SINK, KADIPC_XFER_GET_BEGIN,
	    KADIPC_XFER_ACK };
	static const struct {
		const char	*what;
		uint32_t	 type;
		size_t		 len;
		uint16_t	 flags;
		int		 withfd;
		const char	*why;
	} cases[] = {
		{ "CRYPT_IDENTITY flagged, no fd", KADIPC_CRYPT_IDENTITY,
		    sizeof(struct kadipc_crypt_identity), KADIPC_F_FD, 0,
		    "missing fd" },
		{ "CRYPT_IDENTITY not flagged, with an fd",
		    KADIPC_CRYPT_IDENTITY,
		    sizeof(struct kadipc_crypt_identity), 0, 1,
		    "fd flag mismatch" },
		{ "CRYPT_IDENTITY one byte short", KADIPC_CRYPT_IDENTITY,
		    sizeof(struct kadipc_crypt_identity) - 1, KADIPC_F_FD, 1,
		    "bad length" },
		{ "CRYPT_IDENTITY_RES flagged, with an fd",
		    KADIPC_CRYPT_IDENTITY_RES,
		    sizeof(struct kadipc_crypt_identity_res), KADIPC_F_FD, 1,
		    "fd flag mismatch" },
		{ "CRYPT_DH with a surprise fd", KADIPC_CRYPT_DH,
		    sizeof(struct kadipc_crypt_dh), 0, 1, "surprise fd" },
		{ "CRYPT_DH one byte long", KADIPC_CRYPT_DH,
		    sizeof(struct kadipc_crypt_dh) + 1, 0, 0, "bad length" },
		{ "CRYPT_DH_RES flagged, with an fd", KADIPC_CRYPT_DH_RES,
		    sizeof(struct kadipc_crypt_dh_res), KADIPC_F_FD, 1,
		    "fd flag mismatch" },
		{ "CRYPT_DH_RES one byte short", KADIPC_CRYPT_DH_RES,
		    sizeof(struct kadipc_crypt_dh_res) - 1, 0, 0,
		    "bad length" },
		/* a transfer's file: with its two types, and only there */
		{ "XFER_PUT_BEGIN flagged, no fd", KADIPC_XFER_PUT_BEGIN,
		    sizeof(struct kadipc_xfer_begin), KADIPC_F_FD, 0,
		    "missing fd" },
		{ "XFER_PUT_BEGIN without its fd", KADIPC_XFER_PUT_BEGIN,
		    sizeof(struct kadipc_xfer_begin), 0, 0,
		    "fd flag mismatch" },
		{ "XFER_SINK without its fd", KADIPC_XFER_SINK, 0, 0, 1,
		    "fd flag mismatch" },
		{ "XFER_SINK one byte long", KADIPC_XFER_SINK, 1, KADIPC_F_FD,
		    1, "bad length" },
		{ "XFER_GET_BEGIN with a surprise fd", KADIPC_XFER_GET_BEGIN,
		    sizeof(struct kadipc_xfer_get), 0, 1, "surprise fd" },
		{ "XFER_ACK flagged, with an fd", KADIPC_XFER_ACK,
		    sizeof(struct kadipc_u64), KADIPC_F_FD, 1,
		    "fd flag mismatch" },
	};
	struct kadipc_chan	*ch;
	const char		*log;
	size_t			 i;
	int			 raw, base, g, p[2];

	base = nfds_open();
	for (i = 0; i < nitems(cases); i++) {
		if ((ch = rawchan(&raw, allow, nitems(allow))) == NULL ||
		    pipe2(p, O_CLOEXEC) == -1) {
			CHECK(0, "%s: set-up", cases[i].what);
			return;
		}
		memset(pbuf, 0, cases[i].len);
		cap_begin();
		rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
		rawmsg(raw, cases[i].type, KADIPC_HDR_SIZE + cases[i].len,
		    cases[i].flags, pbuf, cases[i].len,
		    cases[i].withfd ? p[0] : -1);
		close(p[0]);
		close(p[1]);
		got_reset();
		g = drain_chan(ch, NULL);
		log = cap_end();
		/* a surprise fd is found once its message is parsed */
		CHECK(g == -1 && (ngot == 0 ||
		    strcmp(cases[i].why, "surprise fd") == 0) &&
		    kadipc_chan_dead(ch) &&
		    strstr(log, cases[i].why) != NULL, "%s: refused (%s)",
		    cases[i].what, cases[i].why);
		got_reset();
		kadipc_chan_free(ch);
		close(raw);
	}
	CHECK(nfds_open() == base, "no fd leaked by the identity, oracle "
	    "and transfer fd errors");
}

/* XFER_PUT_BEGIN and XFER_SINK hand their fd, the client's file, over. */
static void
test_xfer_fds(void)
{
	static const uint32_t	 allow[] = { KADIPC_XFER_PUT_BEGIN,
	    KADIPC_XFER_SINK };
	struct kadipc_chan	*ch;
	uint8_t			 c = 0;
	int			 raw, base, g, p[2], q[2], ok;

	base = nfds_open();
	if ((ch = rawchan(&raw, allow, nitems(allow))) == NULL ||
	    pipe2(p, O_CLOEXEC) == -1 || pipe2(q, O_CLOEXEC) == -1) {
		CHECK(0, "transfer fds: set-up");
		return;
	}
	memset(pbuf, 0, sizeof(struct kadipc_xfer_begin));
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawmsg(raw, KADIPC_XFER_PUT_BEGIN, KADIPC_HDR_SIZE +
	    sizeof(struct kadipc_xfer_begin), KADIPC_F_FD, pbuf,
	    sizeof(struct kadipc_xfer_begin), p[0]);
	rawmsg(raw, KADIPC_XFER_SINK, KADIPC_HDR_SIZE, KADIPC_F_FD, pbuf, 0,
	    q[1]);
	close(p[0]);
	close(q[1]);
	got_reset();
	g = drain_chan(ch, NULL);
	ok = ngot == 2 && got[0].fd != -1 && got[1].fd != -1 &&
	    write(p[1], "x", 1) == 1 && read(got[0].fd, &c, 1) == 1 &&
	    c == 'x' && write(got[1].fd, "y", 1) == 1 &&
	    read(q[0], &c, 1) == 1 && c == 'y';
	CHECK(g != -1 && ok, "XFER_PUT_BEGIN brings the file to read, "
	    "XFER_SINK the one to write");
	got_reset();
	close(p[1]);
	close(q[0]);
	kadipc_chan_free(ch);
	close(raw);
	CHECK(nfds_open() == base, "no transfer fd leaked");
}

int
main(void)
{
	log_init(1, LOG_DAEMON);
	log_procinit("test_ipc_fd");
	ipc_util_init();
	test_fd_interleaved();
	test_fd_errors();
	test_crypt_fds();
	test_xfer_fds();
	ipc_util_done();
	return (test_done());
}
