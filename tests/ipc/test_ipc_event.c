/* SPDX-License-Identifier: ISC */
/*
 * The libkadipc libevent glue on real socketpairs: every message
 * dispatched in order, the batch callback after a burst, pause and
 * resume (also across EOF), watermarks, the dead callback exactly once
 * (on EOF, protocol error, truncation, surprise fd and
 * kadipc_chan_close, freeing the channel inside it) and replies composed
 * from dispatchers.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <event2/event.h>
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

struct gstate {
	struct event_base	*base;
	struct kadipc_chan	*ch;		/* the receiving channel */
	int			 ndispatch;
	int			 ndead;
	int			 nbatch;
	int			 first_batch;	/* ndispatch at the first batch */
	int			 nhigh, nlow;
	size_t			 qhigh, qlow;
	int			 want;		/* loopbreak at this count */
	int			 bad;
	int			 pause_at;	/* pause at this count */
	int			 pause_each;
	int			 paused_seen;	/* ndispatch when resumed */
	int			 close_at;
	int			 take_fd;
	int			 fds[64];
	int			 nfds;
	int			 free_on_dead;
	int			 break_on_dead;
	int			 check_data;
	int			 replies;	/* ping-pong */
};

static int	 timed_out;

static void
tmo_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	timed_out = 1;
	event_base_loopbreak(arg);
}

/* Run the loop until loopbreak or ms have passed; 1 if timed out. */
static int
loop_for(struct event_base *base, int ms)
{
	struct event	*t;
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	timed_out = 0;
	t = evtimer_new(base, tmo_cb, base);
	evtimer_add(t, &tv);
	event_base_dispatch(base);
	event_free(t);
	return (timed_out);
}

static void
g_dispatch(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct gstate	*st = arg;

	st->ndispatch++;
	if (ch != st->ch)
		st->bad++;
	if (st->check_data) {
		if (m->hdr.peerid != (uint32_t)st->ndispatch - 1)
			st->bad++;
		else if (m->hdr.type == KADIPC_XFER_DATA &&
		    (m->len != 1 + (m->hdr.peerid * 97) % 3000 ||
		    !filled(m->data, m->len, m->hdr.peerid)))
			st->bad++;
	}
	if (m->fd != -1) {
		if (write(m->fd, "f", 1) != 1)
			st->bad++;
		if (st->take_fd && st->nfds < (int)nitems(st->fds)) {
			st->fds[st->nfds++] = m->fd;
			m->fd = -1;
		}
	}
	if (st->pause_each || st->pause_at == st->ndispatch)
		kadipc_pause_read(ch, 1);
	if (st->close_at == st->ndispatch)
		kadipc_chan_close(ch);
	if (st->want == st->ndispatch)
		event_base_loopbreak(st->base);
}

static void
g_dead(struct kadipc_chan *ch, void *arg)
{
	struct gstate	*st = arg;

	st->ndead++;
	if (ch != st->ch)
		st->bad++;
	if (st->free_on_dead) {
		kadipc_chan_free(ch);
		st->ch = NULL;
	}
	if (st->break_on_dead)
		event_base_loopbreak(st->base);
}

static void
g_batch(struct kadipc_chan *ch, void *arg)
{
	struct gstate	*st = arg;

	(void)ch;
	if (st->nbatch++ == 0)
		st->first_batch = st->ndispatch;
	if (st->want == -1)
		event_base_loopbreak(st->base);
}

static void
g_wmark(struct kadipc_chan *ch, int above, void *arg)
{
	struct gstate	*st = arg;

	if (above) {
		st->nhigh++;
		st->qhigh = kadipc_queued(ch);
	} else {
		st->nlow++;
		st->qlow = kadipc_queued(ch);
	}
}

/* The sending side: it must never be handed anything. */
static void
s_dispatch(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct gstate	*st = arg;

	(void)ch;
	(void)m;
	st->bad++;
}

static void
s_dead(struct kadipc_chan *ch, void *arg)
{
	struct gstate	*st = arg;

	(void)ch;
	st->ndead++;
}

static struct event_base *
gpair(struct kadipc_chan **a, struct kadipc_chan **b, struct gstate *sa,
    struct gstate *sb)
{
	struct event_base	*base;

	memset(sa, 0, sizeof(*sa));
	memset(sb, 0, sizeof(*sb));
	if (chanpair(a, b) == -1 || (base = event_base_new()) == NULL)
		return (NULL);
	sa->base = sb->base = base;
	sa->ch = *a;
	sb->ch = *b;
	if (kadipc_event_set(*a, base, s_dispatch, s_dead, sa) == -1 ||
	    kadipc_event_set(*b, base, g_dispatch, g_dead, sb) == -1)
		return (NULL);
	return (base);
}

static void
gfree(struct event_base *base, struct kadipc_chan *a, struct gstate *sb)
{
	int	 i;

	kadipc_chan_free(a);
	kadipc_chan_free(sb->ch);
	for (i = 0; i < sb->nfds; i++)
		close(sb->fds[i]);
	event_base_free(base);
}

static void
test_event_dispatch(void)
{
	struct event_base	*base;
	struct kadipc_chan	*a, *b;
	struct gstate		 sa, sb;
	int			 pipes[8][2], i, n = 3000, bad = 0, to, base_fds;
	size_t			 len;
	uint32_t		 v;
	char			 c;

	base_fds = nfds_open();
	if ((base = gpair(&a, &b, &sa, &sb)) == NULL) {
		CHECK(0, "event pair");
		return;
	}
	sb.want = n;
	sb.check_data = 1;
	kadipc_set_batch_cb(b, g_batch);
	for (i = 0; i < n; i++) {
		if (i % 500 == 250) {
			if (pipe2(pipes[i / 500], O_CLOEXEC) == -1)
				return;
			v = i;
			if (kadipc_compose(a, KADIPC_NET_UDP, i,
			    pipes[i / 500][1], &v, sizeof(v)) == -1)
				bad++;
			continue;
		}
		len = 1 + (i * 97) % 3000;
		fill(pbuf, len, i);
		if (kadipc_compose(a, KADIPC_XFER_DATA, i, -1, pbuf, len) == -1)
			bad++;
	}
	to = loop_for(base, 10000);
	for (i = 0; i < n / 500; i++) {
		if (read(pipes[i][0], &c, 1) != 1 || c != 'f')
			bad++;
		close(pipes[i][0]);
	}
	CHECK(!to && bad == 0 && sb.ndispatch == n && sb.bad == 0 &&
	    sa.bad == 0 && sb.ndead == 0 && sa.ndead == 0,
	    "event glue dispatches all %d messages (4.5 MB, 6 fds) in order "
	    "with exact contents", n);
	CHECK(sb.nbatch >= 1 && sb.first_batch >= 1,
	    "batch callback ran %d times, first after %d messages", sb.nbatch,
	    sb.first_batch);
	CHECK(kadipc_queued(a) == 0, "sender queue empty after the loop");
	gfree(base, a, &sb);
	CHECK(nfds_open() == base_fds,
	    "fds not taken by the dispatcher are closed by the glue");
}

static void
test_event_batch(void)
{
	struct event_base	*base;
	struct kadipc_chan	*a, *b;
	struct gstate		 sa, sb;
	int			 i, to;
	uint32_t		 v;

	if ((base = gpair(&a, &b, &sa, &sb)) == NULL)
		return;
	kadipc_set_batch_cb(b, g_batch);
	for (i = 0; i < 100; i++) {
		v = i;
		kadipc_compose(a, KADIPC_VERBOSE, i, -1, &v, sizeof(v));
	}
	kadipc_flush(a);	/* all 2000 bytes sit in the socket now */
	sb.want = -1;		/* break in the batch callback */
	sb.check_data = 1;
	to = loop_for(base, 5000);
	CHECK(!to && sb.nbatch == 1 && sb.first_batch == 100 &&
	    sb.ndispatch == 100 && sb.bad == 0,
	    "a burst of 100: batch callback once, after all 100 dispatches "
	    "(%d batches, first after %d)", sb.nbatch, sb.first_batch);
	gfree(base, a, &sb);
}

static void
resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gstate	*st = arg;

	(void)fd;
	(void)ev;
	if (st->ch == NULL)
		return;
	if (st->paused_seen == 0)
		st->paused_seen = st->ndispatch;
	kadipc_pause_read(st->ch, 0);
}

static void
test_event_pause(void)
{
	static const uint32_t	 allow[] = { KADIPC_VERBOSE };
	struct event_base	*base;
	struct kadipc_chan	*a, *b;
	struct gstate		 sa, sb;
	struct event		*t;
	struct timeval		 tv = { 0, 50000 }, tv10 = { 0, 10000 };
	const char		*log;
	int			 i, to, raw;
	uint32_t		 v;

	/* paused by the dispatcher at message 3, resumed by a timer */
	if ((base = gpair(&a, &b, &sa, &sb)) == NULL)
		return;
	for (i = 0; i < 10; i++) {
		v = i;
		kadipc_compose(a, KADIPC_VERBOSE, i, -1, &v, sizeof(v));
	}
	sb.pause_at = 3;
	sb.want = 10;
	sb.check_data = 1;
	t = evtimer_new(base, resume_cb, &sb);
	evtimer_add(t, &tv);
	to = loop_for(base, 5000);
	CHECK(!to && sb.paused_seen == 3 && sb.ndispatch == 10 &&
	    sb.bad == 0 && sb.ndead == 0,
	    "paused after 3: nothing more for 50 ms (%d), all 10 after "
	    "resume", sb.paused_seen);
	event_free(t);

	/* paused from outside before anything arrives */
	kadipc_pause_read(b, 1);
	for (i = 10; i < 15; i++) {
		v = i;
		kadipc_compose(a, KADIPC_VERBOSE, i, -1, &v, sizeof(v));
	}
	sb.want = 0;
	loop_for(base, 50);
	CHECK(sb.ndispatch == 10 && kadipc_queued(a) == 0,
	    "paused: the peer's messages wait in the socket");
	kadipc_pause_read(b, 0);
	sb.want = 15;
	to = loop_for(base, 5000);
	CHECK(!to && sb.ndispatch == 15 && sb.bad == 0,
	    "resumed: the 5 waiting messages are delivered");
	gfree(base, a, &sb);

	/*
	 * The peer sends 5 messages and closes.  The dispatcher pauses on
	 * every message and a timer resumes: all 5 must arrive, then the
	 * dead callback, and no "truncated" complaint.
	 */
	memset(&sb, 0, sizeof(sb));
	if ((base = event_base_new()) == NULL ||
	    (b = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	sb.base = base;
	sb.ch = b;
	sb.pause_each = 1;
	sb.break_on_dead = 1;
	sb.check_data = 1;
	kadipc_event_set(b, base, g_dispatch, g_dead, &sb);
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	for (i = 0; i < 5; i++) {
		v = i;
		mkmsg(sbuf, KADIPC_VERBOSE, 20, 0, i, &v, sizeof(v));
		sendraw(raw, sbuf, 20, -1);
	}
	close(raw);
	t = event_new(base, -1, EV_PERSIST, resume_cb, &sb);
	evtimer_add(t, &tv10);
	cap_begin();
	to = loop_for(base, 5000);
	log = cap_end();
	CHECK(!to && sb.ndispatch == 5 && sb.ndead == 1 && sb.bad == 0 &&
	    strstr(log, "truncated") == NULL,
	    "EOF while paused with messages buffered: all 5 delivered, then "
	    "dead (got %d, dead %d)", sb.ndispatch, sb.ndead);
	event_free(t);
	kadipc_chan_free(sb.ch);
	event_base_free(base);
}

static void
test_event_wmark(void)
{
	struct event_base	*base;
	struct kadipc_chan	*a, *b;
	struct gstate		 sa, sb;
	int			 i, to, early = 0;

	if ((base = gpair(&a, &b, &sa, &sb)) == NULL)
		return;
	kadipc_set_watermarks(a, 64 * 1024, 16 * 1024, g_wmark);
	fill(pbuf, 1000, 1);
	for (i = 0; i < 200; i++) {
		kadipc_compose(a, KADIPC_CTL_TEXT, i, -1, pbuf, 1000);
		if (kadipc_queued(a) <= 64 * 1024 && sa.nhigh != 0)
			early++;
	}
	CHECK(sa.nhigh == 1 && early == 0 && sa.qhigh > 64 * 1024 &&
	    sa.qhigh <= 64 * 1024 + 1016,
	    "high-water callback once, on the compose that crossed 64 KiB "
	    "(queued %zu)", sa.qhigh);
	CHECK(sa.nlow == 0, "no low-water callback before draining");
	sb.want = 200;
	to = loop_for(base, 5000);
	CHECK(!to && sb.ndispatch == 200 && sa.nlow == 1 && sa.nhigh == 1 &&
	    sa.qlow < 16 * 1024,
	    "low-water callback once after draining (queued %zu)", sa.qlow);

	/* below the high mark: no callback at all */
	sa.nhigh = sa.nlow = 0;
	for (i = 0; i < 10; i++)
		kadipc_compose(a, KADIPC_CTL_TEXT, i, -1, pbuf, 1000);
	sb.want = 210;
	to = loop_for(base, 5000);
	CHECK(!to && sa.nhigh == 0 && sa.nlow == 0,
	    "10 KB under a 64 KiB mark: no watermark callback");
	gfree(base, a, &sb);
}

static void
test_event_dead(void)
{
	static const uint32_t	 allow[] = { KADIPC_VERBOSE, KADIPC_NET_UDP };
	struct event_base	*base;
	struct kadipc_chan	*a, *b;
	struct gstate		 sa, sb;
	const char		*log;
	int			 raw, to, i, p[2], base_fds;
	uint32_t		 v = 1;

	base_fds = nfds_open();

	/* EOF: dead once, not freed by the callback */
	memset(&sb, 0, sizeof(sb));
	if ((base = event_base_new()) == NULL ||
	    (b = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	sb.base = base;
	sb.ch = b;
	kadipc_event_set(b, base, g_dispatch, g_dead, &sb);
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawu32(raw, KADIPC_VERBOSE, 1, -1);
	close(raw);
	loop_for(base, 100);
	CHECK(sb.ndispatch == 1 && sb.ndead == 1 && sb.bad == 0,
	    "EOF: the last message, then the dead callback exactly once");
	kadipc_chan_free(b);

	/* EOF with a write pending: dead once, freed by the callback */
	memset(&sb, 0, sizeof(sb));
	if ((b = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	sb.base = base;
	sb.ch = b;
	sb.free_on_dead = 1;
	kadipc_event_set(b, base, g_dispatch, g_dead, &sb);
	fill(pbuf, 60000, 3);
	for (i = 0; i < 10; i++)
		kadipc_compose(b, KADIPC_CTL_TEXT, 0, -1, pbuf, 60000);
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	close(raw);
	loop_for(base, 100);
	CHECK(sb.ndead == 1 && sb.ch == NULL && sb.bad == 0,
	    "EOF with 600 KB queued: dead once, the callback frees the "
	    "channel safely");

	/* a dispatcher that closes its channel gets the dead callback */
	event_base_free(base);
	if ((base = gpair(&a, &b, &sa, &sb)) == NULL)
		return;
	for (i = 0; i < 10; i++) {
		v = i;
		kadipc_compose(a, KADIPC_VERBOSE, i, -1, &v, sizeof(v));
	}
	sb.close_at = 3;
	sb.free_on_dead = 1;
	loop_for(base, 100);
	CHECK(sb.ndispatch == 3 && sb.ndead == 1 && sb.ch == NULL,
	    "kadipc_chan_close in the dispatcher: no more messages, dead "
	    "once (%d dispatched, %d dead)", sb.ndispatch, sb.ndead);
	CHECK(sa.ndead == 1, "the peer channel sees EOF and dies too");
	gfree(base, a, &sb);

	/* a protocol error in the glue */
	memset(&sb, 0, sizeof(sb));
	if ((base = event_base_new()) == NULL ||
	    (b = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	sb.base = base;
	sb.ch = b;
	sb.free_on_dead = 1;
	kadipc_event_set(b, base, g_dispatch, g_dead, &sb);
	cap_begin();
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawu32(raw, KADIPC_VERBOSE, 1, -1);
	rawmsg(raw, 5000, 16, 0, NULL, 0, -1);
	rawu32(raw, KADIPC_VERBOSE, 1, -1);
	loop_for(base, 100);
	log = cap_end();
	CHECK(sb.ndispatch == 1 && sb.ndead == 1 && sb.ch == NULL &&
	    strstr(log, "unknown type") != NULL,
	    "a protocol error in the glue: dead once, nothing after it");
	close(raw);

	/* a truncated message then EOF */
	memset(&sb, 0, sizeof(sb));
	if ((b = rawchan(&raw, allow, nitems(allow))) == NULL)
		return;
	sb.base = base;
	sb.ch = b;
	sb.free_on_dead = 1;
	kadipc_event_set(b, base, g_dispatch, g_dead, &sb);
	cap_begin();
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	mkmsg(sbuf, KADIPC_VERBOSE, 20, 0, 0, &v, 4);
	sendraw(raw, sbuf, 18, -1);
	close(raw);
	loop_for(base, 100);
	log = cap_end();
	CHECK(sb.ndispatch == 0 && sb.ndead == 1 && sb.ch == NULL &&
	    strstr(log, "truncated message at EOF") != NULL,
	    "a truncated message then EOF: dead callback, logged");

	/* a surprise fd in the glue */
	memset(&sb, 0, sizeof(sb));
	if ((b = rawchan(&raw, allow, nitems(allow))) == NULL ||
	    pipe2(p, O_CLOEXEC) == -1)
		return;
	sb.base = base;
	sb.ch = b;
	sb.free_on_dead = 1;
	kadipc_event_set(b, base, g_dispatch, g_dead, &sb);
	cap_begin();
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	rawmsg(raw, KADIPC_VERBOSE, 20, 0, &v, 4, p[0]);
	close(p[0]);
	close(p[1]);
	loop_for(base, 100);
	log = cap_end();
	CHECK(sb.ndead == 1 && sb.ch == NULL &&
	    strstr(log, "surprise fd") != NULL,
	    "a surprise fd in the glue: dead callback");
	close(raw);

	/* fds kept by the dispatcher stay open */
	memset(&sb, 0, sizeof(sb));
	if ((b = rawchan(&raw, allow, nitems(allow))) == NULL ||
	    pipe2(p, O_CLOEXEC) == -1)
		return;
	sb.base = base;
	sb.ch = b;
	sb.take_fd = 1;
	sb.want = 3;
	kadipc_event_set(b, base, g_dispatch, g_dead, &sb);
	rawhello(raw, KADIPC_VERSION, KAD_PROC_MASTER);
	for (i = 0; i < 3; i++)
		rawu32(raw, KADIPC_NET_UDP, i, p[1]);
	close(p[1]);
	to = loop_for(base, 5000);
	CHECK(!to && sb.nfds == 3 && fd_is_open(sb.fds[0]) &&
	    fd_is_open(sb.fds[2]),
	    "fds taken by the dispatcher (msg->fd = -1) stay open");
	close(p[0]);
	close(raw);
	kadipc_chan_free(sb.ch);
	for (i = 0; i < sb.nfds; i++)
		close(sb.fds[i]);
	event_base_free(base);
	CHECK(nfds_open() == base_fds, "no fd leaked by the glue tests");
}

/* Replies composed from inside a dispatcher are flushed by the glue. */
static void
pp_master(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct gstate		*st = arg;
	struct kadipc_u32	 u;

	if (m->hdr.type != KADIPC_XFER_ACK || m->len != 8) {
		st->bad++;
		return;
	}
	if (++st->replies == 200) {
		event_base_loopbreak(st->base);
		return;
	}
	u.value = st->replies;
	kadipc_compose(ch, KADIPC_VERBOSE, st->replies, -1, &u, sizeof(u));
}

static void
pp_net(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct gstate		*st = arg;
	struct kadipc_u32	 u;
	struct kadipc_u64	 r;

	if (kadipc_msg_exact(m, &u, sizeof(u)) == -1 ||
	    m->hdr.peerid != u.value) {
		st->bad++;
		return;
	}
	st->ndispatch++;
	r.value = (uint64_t)u.value << 32;
	kadipc_compose(ch, KADIPC_XFER_ACK, m->hdr.peerid, -1, &r, sizeof(r));
}

static void
test_event_pingpong(void)
{
	struct event_base	*base;
	struct kadipc_chan	*a, *b;
	struct gstate		 sa, sb;
	struct kadipc_u32	 u;
	int			 to;

	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	if (chanpair(&a, &b) == -1 || (base = event_base_new()) == NULL)
		return;
	sa.base = sb.base = base;
	kadipc_event_set(a, base, pp_master, s_dead, &sa);
	kadipc_event_set(b, base, pp_net, s_dead, &sb);
	u.value = 0;
	kadipc_compose(a, KADIPC_VERBOSE, 0, -1, &u, sizeof(u));
	to = loop_for(base, 10000);
	CHECK(!to && sa.replies == 200 && sb.ndispatch == 200 &&
	    sa.bad == 0 && sb.bad == 0,
	    "200 request/reply round trips composed from dispatchers");
	kadipc_chan_free(a);
	kadipc_chan_free(b);
	event_base_free(base);
}

int
main(void)
{
	log_init(1, LOG_DAEMON);
	log_procinit("test_ipc_event");
	ipc_util_init();

	test_event_dispatch();
	test_event_batch();
	test_event_pause();
	test_event_wmark();
	test_event_dead();
	test_event_pingpong();
	ipc_util_done();
	return (test_done());
}
