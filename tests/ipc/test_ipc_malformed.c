/* SPDX-License-Identifier: ISC */
/*
 * libkadipc's channels against a bad peer, on real, non-blocking AF_UNIX
 * stream socketpairs: EOF, the HELLO exchange, and every malformed
 * header (a table: lengths, types, types not allowed, flags), detected
 * from the 16 header bytes alone.  Malformed input is written as raw
 * bytes on the peer end of the socketpair.  The library reports why it
 * killed a channel only in its log, so the tests capture stderr around
 * each case and look for the reason.  The helpers are ipc_util.c's.
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
test_eof(void)
{
	static const uint32_t	 allow[] = { KADIPC_VERBOSE };
	struct kadipc_chan	*ch, *a, *b;
	struct kadipc_msg	 m;
	int			 raw, g;
	ssize_t			 r;

	if ((ch = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	close(raw);
	r = kadipc_read(ch);
	g = kadipc_get(ch, &m);
	CHECK(r == 24 && g == 0, "HELLO then EOF: HELLO consumed");
	CHECK(kadipc_read(ch) == 0 && kadipc_get(ch, &m) == 0 &&
	    !kadipc_chan_dead(ch), "kadipc_read returns 0 at EOF");
	CHECK(kadipc_read(ch) == 0, "and again (EOF is sticky)");
	kadipc_chan_free(ch);

	if (chanpair(&a, &b) == -1)
		return;
	kadipc_chan_free(a);
	CHECK(kadipc_read(b) == 0, "peer channel freed: EOF");
	CHECK(kadipc_compose(b, KADIPC_READY, 0, -1, NULL, 0) == 0 &&
	    kadipc_flush(b) == -1 && errno == EPIPE,
	    "flush to a closed peer: -1 EPIPE, no SIGPIPE");
	kadipc_chan_free(b);
}

static void
test_hello(void)
{
	static const uint32_t	 allow[] = { KADIPC_VERBOSE };
	static const uint32_t	 allowh[] = { KADIPC_VERBOSE, KADIPC_HELLO };
	static const struct {
		const char	*what;
		uint32_t	 version, proc;
		const char	*why;
	} cases[] = {
		{ "version 0", 0, KAD_PROC_MASTER, "version mismatch" },
		{ "version VERSION+1", KADIPC_VERSION + 1, KAD_PROC_MASTER,
		    "version mismatch" },
		{ "version 0xffffffff", UINT32_MAX, KAD_PROC_MASTER,
		    "version mismatch" },
		{ "proc store instead of master", KADIPC_VERSION,
		    KAD_PROC_STORE, "unexpected peer" },
		{ "proc = self (net)", KADIPC_VERSION, KAD_PROC_NET,
		    "unexpected peer" },
		{ "proc KAD_PROC_MAX", KADIPC_VERSION, KAD_PROC_MAX,
		    "unexpected peer" },
		{ "proc 0xffffffff", KADIPC_VERSION, UINT32_MAX,
		    "unexpected peer" },
	};
	struct kadipc_chan	*ch;
	const char		*log;
	size_t			 i;
	int			 raw, g;

	/* the good case */
	if ((ch = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawu32(raw, KADIPC_VERBOSE, 2, -1);
	got_reset();
	g = drain_chan(ch, NULL);
	CHECK(g == 0 && ngot == 1 && got[0].hdr.type == KADIPC_VERBOSE &&
	    !kadipc_chan_dead(ch),
	    "a good HELLO is consumed and the next message delivered");
	got_reset();
	kadipc_chan_free(ch);
	close(raw);

	for (i = 0; i < nitems(cases); i++) {
		if ((ch = rawchan(&raw, allow, nitems(allow))) == NULL)
			return;
		cap_begin();
		rawhello(raw, cases[i].version, cases[i].proc);
		rawu32(raw, KADIPC_VERBOSE, 2, -1);
		got_reset();
		g = drain_chan(ch, NULL);
		log = cap_end();
		CHECK(g == -1 && ngot == 0 && kadipc_chan_dead(ch) &&
		    strstr(log, cases[i].why) != NULL,
		    "HELLO with %s: %s", cases[i].what, cases[i].why);
		kadipc_chan_free(ch);
		close(raw);
	}

	/* non-HELLO first */
	if ((ch = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	cap_begin();
	rawu32(raw, KADIPC_VERBOSE, 2, -1);
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	got_reset();
	g = drain_chan(ch, NULL);
	log = cap_end();
	CHECK(g == -1 && ngot == 0 && strstr(log, "expected HELLO") != NULL,
	    "an allowed type before HELLO: expected HELLO");
	kadipc_chan_free(ch);
	close(raw);

	/* a second HELLO later */
	for (i = 0; i < 2; i++) {
		if ((ch = i == 0 ? rawchan(&raw, allow, nitems(allow)) :
		    rawchan(&raw, allowh, nitems(allowh))) == NULL)
			return;
		cap_begin();
		rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
		rawu32(raw, KADIPC_VERBOSE, 2, -1);
		rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
		got_reset();
		g = drain_chan(ch, NULL);
		log = cap_end();
		CHECK(g == -1 && ngot == 1 && kadipc_chan_dead(ch),
		    "a second HELLO later is a protocol error%s",
		    i == 0 ? "" : " (even with HELLO in the allowed list)");
		got_reset();
		kadipc_chan_free(ch);
		close(raw);
	}
}

/* The malformed headers, and the types the channel allows. */
static const uint32_t	 hdr_allow[] = { KADIPC_VERBOSE, KADIPC_SHUTDOWN,
    KADIPC_XFER_DATA, KADIPC_CHUNK_PUT, KADIPC_STATS, KADIPC_NET_UDP,
    KADIPC_CTL_TEXT, KADIPC_XFER_LINK, KADIPC_NET_CONFIG };

static const struct hdr_case {
	const char	*what;
	int		 hello;		/* a good HELLO first */
	uint32_t	 type;
	uint32_t	 len;		/* hdr.len, 16 bits */
	uint16_t	 flags;
	int		 want;		/* kadipc_get result */
	const char	*why;
} hdrs[] = {
#define H	KADIPC_HDR_SIZE
	{ "len 0", 1, KADIPC_VERBOSE, 0, 0, -1,
	    "length below header" },
	{ "len 1", 1, KADIPC_VERBOSE, 1, 0, -1,
	    "length below header" },
	{ "len HDR_SIZE-1", 1, KADIPC_SHUTDOWN, H - 1, 0, -1,
	    "length below header" },
	{ "len below header before HELLO", 0, KADIPC_HELLO, 8, 0, -1,
	    "length below header" },
	{ "VERBOSE one byte short", 1, KADIPC_VERBOSE, H + 3, 0, -1,
	    "bad length" },
	{ "VERBOSE one byte long", 1, KADIPC_VERBOSE, H + 5, 0, -1,
	    "bad length" },
	{ "VERBOSE empty", 1, KADIPC_VERBOSE, H, 0, -1,
	    "bad length" },
	{ "VERBOSE len 65535", 1, KADIPC_VERBOSE, 65535, 0, -1,
	    "bad length" },
	{ "SHUTDOWN one byte long", 1, KADIPC_SHUTDOWN, H + 1, 0, -1,
	    "bad length" },
	{ "NET_CONFIG one byte short", 1, KADIPC_NET_CONFIG,
	    H + sizeof(struct kadipc_net_config) - 1, 0, -1,
	    "bad length" },
	{ "NET_CONFIG one byte long", 1, KADIPC_NET_CONFIG,
	    H + sizeof(struct kadipc_net_config) + 1, 0, -1,
	    "bad length" },
	{ "XFER_LINK one byte short", 1, KADIPC_XFER_LINK,
	    H + KADIPC_LINK_MAX - 1, 0, -1, "bad length" },
	{ "XFER_LINK one byte long", 1, KADIPC_XFER_LINK,
	    H + KADIPC_LINK_MAX + 1, 0, -1, "bad length" },
	{ "XFER_DATA empty (min 1)", 1, KADIPC_XFER_DATA, H, 0, -1,
	    "bad length" },
	{ "CTL_TEXT empty (min 1)", 1, KADIPC_CTL_TEXT, H, 0, -1,
	    "bad length" },
	{ "CHUNK_PUT head one byte short", 1, KADIPC_CHUNK_PUT,
	    H + sizeof(struct kadipc_chunk) - 1, 0, -1, "bad length" },
	{ "CHUNK_PUT maxlen + 1", 1, KADIPC_CHUNK_PUT,
	    H + sizeof(struct kadipc_chunk) + KADIPC_CHUNK_MAX + 1, 0,
	    -1, "bad length" },
	{ "CHUNK_PUT len 65535", 1, KADIPC_CHUNK_PUT, 65535, 0, -1,
	    "bad length" },
	{ "STATS maxlen + 1", 1, KADIPC_STATS,
	    H + KADIPC_MAX_STATS * sizeof(struct kadipc_stat) + 1, 0,
	    -1, "bad length" },
	{ "HELLO one byte short", 0, KADIPC_HELLO, H + 7, 0, -1,
	    "bad length" },
	{ "HELLO one byte long", 0, KADIPC_HELLO, H + 9, 0, -1,
	    "bad length" },
	{ "type 0 (NONE)", 1, KADIPC_NONE, H, 0, -1, "unknown type" },
	{ "type 8 (hole)", 1, 8, H, 0, -1, "unknown type" },
	{ "type 99", 1, 99, H + 4, 0, -1, "unknown type" },
	{ "type 1023", 1, KADIPC_TYPE_MAX - 1, H, 0, -1,
	    "unknown type" },
	{ "type TYPE_MAX", 1, KADIPC_TYPE_MAX, H, 0, -1,
	    "unknown type" },
	{ "type 0x80000001", 1, 0x80000001, H, 0, -1,
	    "unknown type" },
	{ "type 0xffffffff", 1, UINT32_MAX, H, 0, -1,
	    "unknown type" },
	{ "unknown type before HELLO", 0, 5000, H, 0, -1,
	    "unknown type" },
	{ "CHUNK_GET not allowed", 1, KADIPC_CHUNK_GET,
	    H + KADIPC_KEY_LEN, 0, -1, "type not allowed" },
	{ "READY not allowed", 1, KADIPC_READY, H, 0, -1,
	    "type not allowed" },
	{ "NET_CONFIG_DONE not allowed", 1, KADIPC_NET_CONFIG_DONE, H,
	    0, -1, "type not allowed" },
	{ "not allowed with a bad length too", 1, KADIPC_XFER_ACK,
	    65535, 0, -1, "type not allowed" },
	{ "flag 0x0002", 1, KADIPC_VERBOSE, H + 4, 0x0002, -1,
	    "unknown flags" },
	{ "flag 0x8000", 1, KADIPC_VERBOSE, H + 4, 0x8000, -1,
	    "unknown flags" },
	{ "flags 0xffff on NET_UDP", 1, KADIPC_NET_UDP, H + 4, 0xffff,
	    -1, "unknown flags" },
	{ "flag 0x0100 before HELLO", 0, KADIPC_HELLO, H + 8, 0x0100,
	    -1, "unknown flags" },
	{ "fd flag on VERBOSE", 1, KADIPC_VERBOSE, H + 4, KADIPC_F_FD,
	    -1, "fd flag mismatch" },
	{ "NET_UDP without fd flag", 1, KADIPC_NET_UDP, H + 4, 0, -1,
	    "fd flag mismatch" },
	/* controls: good headers wait for their payload */
	{ "good VERBOSE header", 1, KADIPC_VERBOSE, H + 4, 0, 0, "" },
	{ "good XFER_DATA at MAX_MSG", 1, KADIPC_XFER_DATA,
	    KADIPC_MAX_MSG, 0, 0, "" },
	{ "good CHUNK_PUT at maxlen", 1, KADIPC_CHUNK_PUT,
	    H + sizeof(struct kadipc_chunk) + KADIPC_CHUNK_MAX, 0, 0,
	    "" },
	{ "good STATS at maxlen", 1, KADIPC_STATS,
	    H + KADIPC_MAX_STATS * sizeof(struct kadipc_stat), 0, 0,
	    "" },
	{ "good HELLO header", 0, KADIPC_HELLO, H + 8, 0, 0, "" },
#undef H
};

/* Malformed headers, detected from the 16 header bytes alone. */
static void
test_malformed(void)
{
	struct kadipc_chan	*ch;
	struct kadipc_msg	 m;
	const char		*log;
	size_t			 i;
	int			 raw, g, ok;

	for (i = 0; i < nitems(hdrs); i++) {
		if ((ch = rawchan(&raw, hdr_allow, nitems(hdr_allow))) == NULL)
			return;
		if (hdrs[i].hello)
			rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
		cap_begin();
		mkmsg(sbuf, hdrs[i].type, hdrs[i].len, hdrs[i].flags, 0,
		    NULL, 0);
		sendraw(raw, sbuf, KADIPC_HDR_SIZE, -1);
		got_reset();
		g = drain_chan(ch, NULL);
		log = cap_end();
		ok = g == hdrs[i].want && ngot == 0 &&
		    kadipc_chan_dead(ch) == (hdrs[i].want == -1) &&
		    strstr(log, hdrs[i].why) != NULL;
		if (hdrs[i].want == -1)
			/* the error is sticky */
			ok = ok && kadipc_get(ch, &m) == -1 &&
			    kadipc_compose(ch, KADIPC_READY, 0, -1, NULL,
			    0) == -1 && errno == EPIPE;
		CHECK(ok, "%s: %s", hdrs[i].what,
		    hdrs[i].want == -1 ? hdrs[i].why : "waits for payload");
		kadipc_chan_free(ch);
		close(raw);
	}
}

/* a header split across reads is still judged only when whole */
static void
test_malformed_split(void)
{
	struct kadipc_chan	*ch;
	const char		*log;
	int			 raw, g, ok;

	if ((ch = rawchan(&raw, hdr_allow, nitems(hdr_allow))) == NULL)
		return;
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	mkmsg(sbuf, 5000, KADIPC_HDR_SIZE, 0, 0, NULL, 0);
	sendraw(raw, sbuf, KADIPC_HDR_SIZE - 1, -1);
	g = drain_chan(ch, NULL);
	cap_begin();
	sendraw(raw, sbuf + KADIPC_HDR_SIZE - 1, 1, -1);
	ok = g == 0 && drain_chan(ch, NULL) == -1;
	log = cap_end();
	CHECK(ok && strstr(log, "unknown type") != NULL,
	    "a bad header is caught once its 16th byte arrives");
	kadipc_chan_free(ch);
	close(raw);
}

int
main(void)
{
	log_init(1, LOG_DAEMON);
	log_procinit("test_ipc_malformed");
	ipc_util_init();
	test_eof();
	test_hello();
	test_malformed();
	test_malformed_split();
	ipc_util_done();
	return (test_done());
}
