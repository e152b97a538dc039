/* SPDX-License-Identifier: ISC */
/*
 * Worker start-up shared by kadnet, kadstore and kadcrypt.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "sandbox.h"
#include "worker.h"

__attribute__((__noreturn__)) static void
usage(enum kad_proc p)
{
	fprintf(stderr, "usage: %s [-dtv] [-l limit] [-s share] -r root "
	    "-u user\n"
	    "(started by kadmaster, not by hand)\n", kad_procnames[p]);
	exit(1);
}

void
kad_worker_init(struct kad_worker *w, enum kad_proc p, int nchans, int argc,
    char *argv[])
{
	struct stat	 st;
	const char	*errstr;
	char		*end;
	int		 ch, i;

	memset(w, 0, sizeof(*w));
	w->proc = p;
	while ((ch = getopt(argc, argv, "dl:r:s:tu:v")) != -1) {
		switch (ch) {
		case 'd':
			w->debug = 1;
			break;
		case 'l':
			errno = 0;
			w->limit = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || *optarg == '-')
				usage(p);
			break;
		case 'r':
			w->root = optarg;
			break;
		case 's':
			w->share = strtonum(optarg, 1, 100, &errstr);
			if (errstr != NULL)
				usage(p);
			break;
		case 't':
			w->limit_default = 1;
			break;
		case 'u':
			w->user = optarg;
			break;
		case 'v':
			w->verbose++;
			break;
		default:
			usage(p);
		}
	}
	if (optind != argc || w->root == NULL || w->user == NULL)
		usage(p);
	log_init(w->debug, LOG_DAEMON);
	log_procinit(kad_procnames[p]);
	log_setverbose(w->verbose);
	for (i = 0; i < nchans; i++)
		if (fstat(KAD_IPC_FD + i, &st) == -1 || !S_ISSOCK(st.st_mode))
			fatalx("fd %d is not a socket: not started by "
			    "kadmaster?", KAD_IPC_FD + i);
}

void
kad_stats_add(struct kad_stats *s, const char *name, uint64_t value)
{
	if (s->n == KADIPC_MAX_STATS)
		return;
	memset(&s->s[s->n], 0, sizeof(s->s[0]));
	strlcpy(s->s[s->n].name, name, sizeof(s->s[0].name));
	s->s[s->n].value = value;
	s->n++;
}

int
kad_stats_send(struct kadipc_chan *ch, const struct kad_stats *s)
{
	return (kadipc_compose(ch, KADIPC_STATS, 0, -1, s->s,
	    s->n * sizeof(s->s[0])));
}

int
kad_worker_master(struct kadipc_chan *ch, struct kadipc_msg *m,
    const struct kad_worker_ops *ops)
{
	struct kad_stats	 s;
	uint32_t		 level;

	switch (m->hdr.type) {
	case KADIPC_SHUTDOWN:
		log_debug("shutting down");
		ops->shutdown();
		fatalx("%s: shutdown returned", __func__);
	case KADIPC_STATS_REQ:
		memset(&s, 0, sizeof(s));
		ops->stats(&s);
		if (kad_stats_send(ch, &s) == -1)
			fatal("%s: STATS", __func__);
		return (1);
	case KADIPC_VERBOSE:
		if (kadipc_recv_verbose(m, &level) == -1)
			fatalx("%s: bad VERBOSE", __func__);
		log_setverbose(level);
		return (1);
	case KADIPC_TEST_SANDBOX:
#ifdef KAD_TEST_HOOKS
		log_warnx("test hook: making a forbidden system call");
		kad_sandbox_selftest();
		fatalx("%s: the sandbox let a forbidden call through",
		    __func__);
#else
		fatalx("%s: TEST_SANDBOX in a release build", __func__);
#endif
	}
	return (0);
}

static void
sibling_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	fatalx("lost the channel to %s", kad_procnames[(intptr_t)arg]);
}

void
kad_worker_sibling_lost(struct kadipc_chan *ch, struct event_base *base)
{
	struct timeval	 tv = { 2, 0 };
	struct event	*ev;

	log_debug("%s closed its channel", kadipc_chan_peername(ch));
	if ((ev = evtimer_new(base, sibling_timeout,
	    (void *)(intptr_t)kadipc_chan_peer(ch))) == NULL ||
	    evtimer_add(ev, &tv) == -1)
		fatalx("lost the channel to %s", kadipc_chan_peername(ch));
}

struct kadipc_chan *
kad_worker_chan(struct event_base *base, int fd, enum kad_proc self,
    enum kad_proc peer, kadipc_dispatch_cb dispatch, kadipc_dead_cb dead)
{
	struct kadipc_chan	*ch;

	if ((ch = kadipc_chan_open(fd, self, peer)) == NULL)
		fatal("channel to %s", kad_procnames[peer]);
	if (kadipc_event_set(ch, base, dispatch, dead, NULL) == -1)
		fatalx("channel to %s: event", kad_procnames[peer]);
	return (ch);
}
