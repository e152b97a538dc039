/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt: main.  Loads OpenSSL's algorithms before the sandbox (they
 * read openssl.cnf), then runs its event loop with no network, no disk
 * and no way to open a file: the node key's file comes from kadmaster as
 * an fd (CRYPT_IDENTITY), and so do the files kadctl puts and gets.
 */
#include <sys/types.h>

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "sandbox.h"
#include "worker.h"
#include "aead.h"
#include "kadcrypt.h"

static struct event_base *base;

static void
crypt_chan_dead(struct kadipc_chan *ch, void *arg)
{
	(void)arg;
	if (ch != crypt_master) {
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

	kad_worker_init(&w, KAD_PROC_CRYPT, 3, argc, argv);
	kad_privdrop_lookup(w.user, &user);
	if (crypt_aead_init() == -1)
		fatalx("cannot load the ciphers");
	if (crypt_oracle_init() == -1)
		fatalx("cannot load X25519");
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	/* a get's reader that leaves is an EPIPE for that get alone */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	kad_privdrop(KAD_PROC_CRYPT, w.root, &user);
	kad_sandbox(KAD_PROC_CRYPT);

	crypt_master = kad_worker_chan(base, KAD_IPC_FD, KAD_PROC_CRYPT,
	    KAD_PROC_MASTER, crypt_dispatch_master, crypt_chan_dead);
	crypt_store = kad_worker_chan(base, KAD_IPC_FD + 1, KAD_PROC_CRYPT,
	    KAD_PROC_STORE, crypt_dispatch_store, crypt_chan_dead);
	kadipc_set_batch_cb(crypt_store, crypt_store_batch);
	crypt_dispatch_init(base);
	crypt_fd_init(base);
	/* kadnet's channel: the static-key oracle (crypt_oracle.c) only */
	crypt_net = kad_worker_chan(base, KAD_IPC_FD + 2, KAD_PROC_CRYPT,
	    KAD_PROC_NET, crypt_dispatch_net, crypt_chan_dead);
	event_base_dispatch(base);
	fatalx("event loop ended");
}
