/* SPDX-License-Identifier: ISC */
/*
 * The OpenBSD sandbox of the kad processes (docs/SANDBOX.md): unveil
 * the only path a process may still open, lock unveil, then pledge.
 * sandbox_linux.c is the Linux counterpart; privdrop.c serves both.
 * kad_sandbox is called after the process has opened everything it
 * needs (and, for the master, after the workers run), so the promises
 * are those of the steady state.
 */
#ifdef __OpenBSD__

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "log.h"
#include "sandbox.h"

struct sandbox_rule {
	const char	*promises;
	const char	*path;		/* unveiled, or NULL: nothing */
	const char	*perm;
};

static const struct sandbox_rule sandbox_rules[KAD_PROC_MAX] = {
	/*
	 * Master: stdio, proc (kill and reap the workers), sendfd (fds to
	 * workers), recvfd (a transfer's file from kadctl, passed on to
	 * kadcrypt unread), unix (control clients).  No exec or rpath: it
	 * narrows once the workers run, like the Linux filter.
	 */
	[KAD_PROC_MASTER] = { "stdio proc sendfd recvfd unix", NULL, NULL },
	/* Net: the UDP socket and peer channels arrive as fds. */
	[KAD_PROC_NET] = { "stdio recvfd", NULL, NULL },
	/* Store: TC's db and WAL under db/ in its chroot, with locks. */
	[KAD_PROC_STORE] = { "stdio rpath wpath cpath flock", "db", "rwc" },
	/*
	 * Crypt: computation on what it is sent, the node key's file, which
	 * arrives as an fd (written and fsynced through it: stdio), and the
	 * files of puts and gets, read or written through their fds (stdio).
	 */
	[KAD_PROC_CRYPT] = { "stdio recvfd", NULL, NULL },
};

static const struct sandbox_rule *
rule(enum kad_proc proc)
{
	if ((int)proc < 0 || proc >= KAD_PROC_MAX || proc == KAD_PROC_CTL)
		fatalx("%s: no sandbox for process %d", __func__, (int)proc);
	return (&sandbox_rules[proc]);
}

void
kad_sandbox_allow_kill(pid_t pid)
{
	/* pledge "proc" cannot name targets; checked for the same misuse */
	if (pid <= 0)
		fatalx("%s: bad pid %ld", __func__, (long)pid);
}

int
kad_landlock(enum kad_proc proc)
{
	(void)rule(proc);
	return (0);	/* unveil plays this part */
}

void
kad_sandbox(enum kad_proc proc)
{
	const struct sandbox_rule	*r = rule(proc);

	if (r->path != NULL && unveil(r->path, r->perm) == -1)
		fatal("%s: %s: unveil %s", __func__, kad_procnames[proc],
		    r->path);
	if (unveil(NULL, NULL) == -1)
		fatal("%s: %s: unveil lock", __func__, kad_procnames[proc]);
	if (pledge(r->promises, NULL) == -1)
		fatal("%s: %s: pledge", __func__, kad_procnames[proc]);
	log_debug("%s: %s: pledged \"%s\"", __func__, kad_procnames[proc],
	    r->promises);
}

int
kad_sandbox_export(enum kad_proc proc, int fd)
{
	const struct sandbox_rule	*r = rule(proc);

	if (dprintf(fd, "pledge \"%s\"\nunveil %s %s\n", r->promises,
	    r->path != NULL ? r->path : "-", r->perm != NULL ? r->perm : "-")
	    < 0)
		return (-1);
	return (0);
}

#ifdef KAD_TEST_HOOKS
void
kad_sandbox_selftest(void)
{
	/* no process pledges "inet": pledge kills us (SIGABRT) */
	(void)socket(AF_INET, SOCK_DGRAM, 0);
	fatalx("%s: socket was allowed: the sandbox is not on", __func__);
}
#endif

#endif /* __OpenBSD__ */
