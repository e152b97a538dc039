/* SPDX-License-Identifier: ISC */
/*
 * kadstore: main.  Opens the Tokyo Cabinet store in its directory before
 * the sandbox (every fd it will need, the WAL included, exists by then),
 * chroots there when root, and never opens another file.
 */
#include <sys/types.h>

#include <bsd/stdlib.h>
#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "sandbox.h"
#include "worker.h"
#include "kadstore.h"
#include "store_tc.h"

struct kadipc_chan	*store_master, *store_crypt, *store_net;

static struct event_base *base;

static void
store_chan_dead(struct kadipc_chan *ch, void *arg)
{
	(void)arg;
	if (ch != store_master) {
		kad_worker_sibling_lost(ch, base);
		return;
	}
	log_warnx("lost the channel to %s; closing the store",
	    kadipc_chan_peername(ch));
	store_exit(1);
}

int
main(int argc, char *argv[])
{
	struct kad_worker	 w;
	struct kad_user		 user;
	struct store_conf	 sc;
	struct store		*s;
	char			 dbdir[PATH_MAX];

	kad_worker_init(&w, KAD_PROC_STORE, 3, argc, argv);
	kad_privdrop_lookup(w.user, &user);
	if ((size_t)snprintf(dbdir, sizeof(dbdir), "%s/db", w.root) >=
	    sizeof(dbdir))
		fatalx("store path too long");
	memset(&sc, 0, sizeof(sc));
	sc.limit = w.limit;
	sc.tune_nolimit = w.limit_default;
	sc.share = w.share;
	if ((s = store_open(dbdir, &sc)) == NULL)
		fatalx("cannot open the store in %s", dbdir);
	store_routes_open(dbdir);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	kad_privdrop(KAD_PROC_STORE, w.root, &user);
	kad_sandbox(KAD_PROC_STORE);

	store_dispatch_init(s, base, w.limit);
	store_master = kad_worker_chan(base, KAD_IPC_FD, KAD_PROC_STORE,
	    KAD_PROC_MASTER, store_dispatch_master, store_chan_dead);
	store_crypt = kad_worker_chan(base, KAD_IPC_FD + 1, KAD_PROC_STORE,
	    KAD_PROC_CRYPT, store_dispatch_crypt, store_chan_dead);
	store_net = kad_worker_chan(base, KAD_IPC_FD + 2, KAD_PROC_STORE,
	    KAD_PROC_NET, store_dispatch_net, store_chan_dead);
	kadipc_set_batch_cb(store_crypt, store_batch_end);
	kadipc_set_batch_cb(store_net, store_batch_end);
	event_base_dispatch(base);
	fatalx("event loop ended");
}
