/* SPDX-License-Identifier: ISC */
/*
 * libkadipc microbenchmark: 1 KiB XFER_DATA messages from a parent to a
 * forked child through the channel API, to compare with a raw
 * socketpair (64 KiB batches move 5.2 M messages of 1100 bytes a second
 * on this machine).
 *
 *   bench_ipc [seconds]
 *
 * Parent on CPU 0, child on CPU 1 (when the affinity call works).
 * Streaming runs: the parent composes while less than 256 KiB is queued
 * and flushes when the socket is writable; the child either polls and
 * calls kadipc_read/kadipc_get ("api") or runs the libevent glue
 * ("event").  Each checks sequence numbers and payload length.  Then a
 * ping-pong run measures the request/reply round trip.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"

#define PAYLOAD		1024
#define QUEUE_MAX	(256 * 1024)

struct result {
	uint64_t	msgs;
	uint64_t	errors;
	double		secs;		/* first byte to EOF */
	double		cpu;		/* user + system */
};

static int		 sndbuf;	/* BENCH_SNDBUF: writer SO_SNDBUF */
static uint64_t		 npoll;		/* writer waits for POLLOUT */

static const uint32_t	 child_allowed[] = { KADIPC_XFER_DATA,
    KADIPC_VERBOSE };
static const uint32_t	 parent_allowed[] = { KADIPC_XFER_ACK };

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static double
cputime(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

static void
pin(int cpu)
{
	cpu_set_t	 set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

/* The HELLO is queued and flushed; the peer's is consumed by kadipc_get. */
static struct kadipc_chan *
mkchan(int fd, enum kad_proc self, enum kad_proc peer, const uint32_t *a,
    size_t n)
{
	struct kadipc_chan	*ch;

	if ((ch = kadipc_chan_new(fd, self, peer, a, n)) == NULL) {
		perror("kadipc_chan_new");
		exit(1);
	}
	while (kadipc_flush(ch) == 1)
		;
	return (ch);
}

/* Wait for the peer's HELLO (a writer that never reads would leave it
 * unread, and the reader would see ECONNRESET instead of EOF). */
static void
readhello(struct kadipc_chan *ch)
{
	struct kadipc_msg	 m;
	struct pollfd		 pfd;

	pfd.fd = kadipc_chan_fd(ch);
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 5000) == 1 && kadipc_read(ch) <= 0 &&
	    errno == EAGAIN)
		;
	if (kadipc_get(ch, &m) != 0 || kadipc_chan_dead(ch)) {
		fprintf(stderr, "no HELLO from the child\n");
		exit(1);
	}
}

/* child, api mode */
static void
child_api(struct kadipc_chan *ch, struct result *res)
{
	struct kadipc_msg	 m;
	struct pollfd		 pfd;
	ssize_t			 r;
	int			 g;

	pfd.fd = kadipc_chan_fd(ch);
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, 10000) <= 0)
			break;
		do {
			r = kadipc_read(ch);
		} while (r == -1 && errno == EINTR);
		if (res->msgs == 0 && r > 0)
			res->secs = now();
		while ((g = kadipc_get(ch, &m)) == 1) {
			if (m.hdr.peerid != (uint32_t)res->msgs ||
			    m.len != PAYLOAD)
				res->errors++;
			res->msgs++;
		}
		if (g == -1 || r == 0 || (r == -1 && errno != EAGAIN))
			break;
	}
	res->secs = now() - res->secs;
}

/* child, event mode */
static void
ev_dispatch(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct result	*res = arg;

	(void)ch;
	if (res->msgs == 0)
		res->secs = now();
	if (m->hdr.peerid != (uint32_t)res->msgs || m->len != PAYLOAD)
		res->errors++;
	res->msgs++;
}

static struct event_base *evbase;

static void
ev_dead_break(struct kadipc_chan *ch, void *arg)
{
	(void)ch;
	(void)arg;
	event_base_loopbreak(evbase);
}

static void
child_event(struct kadipc_chan *ch, struct result *res)
{
	evbase = event_base_new();
	kadipc_event_set(ch, evbase, ev_dispatch, ev_dead_break, res);
	event_base_dispatch(evbase);
	res->secs = now() - res->secs;
	kadipc_chan_free(ch);
	event_base_free(evbase);
}

/* parent: stream for `secs` seconds, then close */
static uint64_t
parent_stream(struct kadipc_chan *ch, double secs)
{
	static uint8_t	 payload[PAYLOAD];
	struct pollfd	 pfd;
	uint64_t	 n = 0;
	double		 end;
	int		 f, i;

	memset(payload, 'p', sizeof(payload));
	pfd.fd = kadipc_chan_fd(ch);
	pfd.events = POLLOUT;
	end = now() + secs;
	while (now() < end) {
		for (i = 0; i < 64 && kadipc_queued(ch) < QUEUE_MAX; i++)
			if (kadipc_compose(ch, KADIPC_XFER_DATA, n++, -1,
			    payload, sizeof(payload)) == -1) {
				perror("compose");
				exit(1);
			}
		if ((f = kadipc_flush(ch)) == -1) {
			perror("flush");
			exit(1);
		}
		if (f == 1) {
			npoll++;
			poll(&pfd, 1, 1000);
		}
	}
	while ((f = kadipc_flush(ch)) == 1)
		poll(&pfd, 1, 1000);
	return (n);
}

static void
stream(const char *mode, double secs)
{
	struct kadipc_chan	*ch;
	struct result		 res;
	uint64_t		 sent;
	double			 cpu0, t0, t;
	int			 sv[2], rp[2], status;
	pid_t			 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1 || pipe(rp) == -1) {
		perror("socketpair");
		exit(1);
	}
	switch ((pid = fork())) {
	case -1:
		perror("fork");
		exit(1);
	case 0:
		close(sv[0]);
		close(rp[0]);
		pin(1);
		memset(&res, 0, sizeof(res));
		ch = mkchan(sv[1], KAD_PROC_NET, KAD_PROC_MASTER,
		    child_allowed, 2);
		cpu0 = cputime();
		if (strcmp(mode, "api") == 0) {
			child_api(ch, &res);
			kadipc_chan_free(ch);
		} else
			child_event(ch, &res);
		res.cpu = cputime() - cpu0;
		if (write(rp[1], &res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	close(rp[1]);
	pin(0);
	if (sndbuf > 0 && setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)) == -1)
		perror("SO_SNDBUF");
	ch = mkchan(sv[0], KAD_PROC_MASTER, KAD_PROC_NET, parent_allowed, 1);
	readhello(ch);
	cpu0 = cputime();
	t0 = now();
	sent = parent_stream(ch, secs);
	t = now() - t0;
	cpu0 = cputime() - cpu0;
	kadipc_chan_free(ch);
	if (read(rp[0], &res, sizeof(res)) != sizeof(res))
		memset(&res, 0, sizeof(res));
	waitpid(pid, &status, 0);
	close(rp[0]);
	printf("stream/%-5s %9.0f msg/s %7.0f MB/s payload   "
	    "CPU us/msg writer %.2f reader %.2f   sent %llu got %llu "
	    "errors %llu, writer waited %llu times\n", mode, res.msgs / res.secs,
	    res.msgs * (double)PAYLOAD / res.secs / 1e6,
	    cpu0 * 1e6 / (sent ? sent : 1),
	    res.cpu * 1e6 / (res.msgs ? res.msgs : 1),
	    (unsigned long long)sent, (unsigned long long)res.msgs,
	    (unsigned long long)res.errors, (unsigned long long)npoll);
	npoll = 0;
	(void)t;
}

/* ping-pong: VERBOSE{n} -> XFER_ACK{n}, through the event glue */
static int		 pp_left;

static void
pp_child(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct kadipc_u32	 u;
	struct kadipc_u64	 r;

	(void)arg;
	if (kadipc_msg_exact(m, &u, sizeof(u)) == -1)
		return;
	r.value = u.value;
	kadipc_compose(ch, KADIPC_XFER_ACK, m->hdr.peerid, -1, &r, sizeof(r));
}

static void
pp_parent(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct kadipc_u32	 u;

	(void)m;
	(void)arg;
	if (--pp_left == 0) {
		event_base_loopbreak(evbase);
		return;
	}
	u.value = pp_left;
	kadipc_compose(ch, KADIPC_VERBOSE, pp_left, -1, &u, sizeof(u));
}

static void
pingpong(int samecpu, int rounds)
{
	struct kadipc_chan	*ch;
	struct kadipc_u32	 u;
	double			 t0, t;
	int			 sv[2], status;
	pid_t			 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		exit(1);
	switch ((pid = fork())) {
	case -1:
		exit(1);
	case 0:
		close(sv[0]);
		pin(samecpu ? 0 : 1);
		ch = mkchan(sv[1], KAD_PROC_NET, KAD_PROC_MASTER,
		    child_allowed, 2);
		evbase = event_base_new();
		kadipc_event_set(ch, evbase, pp_child, ev_dead_break, NULL);
		event_base_dispatch(evbase);
		kadipc_chan_free(ch);
		event_base_free(evbase);
		_exit(0);
	}
	close(sv[1]);
	pin(0);
	ch = mkchan(sv[0], KAD_PROC_MASTER, KAD_PROC_NET, parent_allowed, 1);
	evbase = event_base_new();
	kadipc_event_set(ch, evbase, pp_parent, ev_dead_break, NULL);
	pp_left = rounds;
	u.value = rounds;
	t0 = now();
	kadipc_compose(ch, KADIPC_VERBOSE, rounds, -1, &u, sizeof(u));
	event_base_dispatch(evbase);
	t = now() - t0;
	kadipc_chan_free(ch);
	event_base_free(evbase);
	waitpid(pid, &status, 0);
	printf("pingpong/%s %9.0f RTT/s   RTT %.1f us (%d rounds, event "
	    "glue both sides)\n", samecpu ? "same-cpu " : "cross-cpu",
	    rounds / t, t * 1e6 / rounds, rounds);
}

int
main(int argc, char *argv[])
{
	double	 secs = 1.0;

	if (argc > 1)
		secs = atof(argv[1]);
	if (getenv("BENCH_SNDBUF") != NULL)
		sndbuf = atoi(getenv("BENCH_SNDBUF"));
	log_init(1, LOG_DAEMON);
	log_procinit("bench_ipc");
	stream("api", secs);
	stream("event", secs);
	pingpong(0, (int)(20000 * secs));
	pingpong(1, (int)(50000 * secs));
	return (0);
}
