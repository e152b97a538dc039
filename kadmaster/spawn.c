/* SPDX-License-Identifier: ISC */
/*
 * Starting the workers: check the binaries, lay out the sandbox
 * directories, create every socketpair (master to each worker, and the
 * worker-to-worker channels the data paths need), then fork and exec each
 * worker with its channels on fixed fds and nothing else open.
 *
 *   fd   kadnet        kadstore       kadcrypt
 *   3    master        master         master
 *   4    store         crypt          store
 *   5    crypt         net            net
 *
 * kadnet - kadcrypt carries the static-key oracle and nothing else
 * (CRYPT_DH, CRYPT_DH_RES): the handshake needs the node key, which
 * only kadcrypt holds, and the round trip through kadmaster would put
 * it on the data path it should stay off.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <bsd/string.h>
#include <bsd/unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadmaster.h"
#include "log.h"
#include "sandbox.h"

struct worker	 workers[KAD_PROC_MAX];

#define MAXCHANS	3

static const enum kad_proc worker_procs[] = {
	KAD_PROC_NET, KAD_PROC_STORE, KAD_PROC_CRYPT
};

static void
binpath(const struct master_conf *c, enum kad_proc p, char *buf, size_t sz)
{
	if ((size_t)snprintf(buf, sz, "%s/%s", c->libexecdir,
	    kad_procnames[p]) >= sz)
		fatalx("%s: libexec path too long", __func__);
}

/*
 * As root, each worker needs a user of its own: one shared with anything
 * else (nobody) could signal or trace it.  Refuse before any worker runs.
 */
static void
check_users(const struct master_conf *c)
{
	struct passwd	*pw;
	uid_t		 uid[KAD_PROC_MAX];
	size_t		 i, j;
	enum kad_proc	 p, q;

	if (geteuid() != 0)
		return;		/* no uid change: kad_privdrop says so */
	for (i = 0; i < sizeof(worker_procs) / sizeof(worker_procs[0]); i++) {
		p = worker_procs[i];
		errno = 0;
		if ((pw = getpwnam(c->workeruser[p])) == NULL) {
			if (!kad_user_notfound(errno))
				fatal("getpwnam %s", c->workeruser[p]);
			log_warnx("user %s does not exist: %s",
			    c->workeruser[p], KAD_USERS_HINT);
			exit(1);
		}
		uid[p] = pw->pw_uid;
		for (j = 0; j < i; j++) {
			q = worker_procs[j];
			if (uid[q] == uid[p])
				fatalx("%s and %s both run as uid %u: each "
				    "worker needs a user of its own",
				    kad_procnames[q], kad_procnames[p],
				    (unsigned int)uid[p]);
		}
	}
}

/*
 * Refuse to run with a missing or non-executable worker (sshd's rule),
 * or, as root, without the workers' users.
 */
void
spawn_check(const struct master_conf *c)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	size_t		 i;

	for (i = 0; i < sizeof(worker_procs) / sizeof(worker_procs[0]); i++) {
		binpath(c, worker_procs[i], path, sizeof(path));
		if (stat(path, &st) == -1)
			fatal("%s", path);
		if (!S_ISREG(st.st_mode) || access(path, X_OK) == -1)
			fatalx("%s: not an executable file", path);
	}
	check_users(c);
}

/* mkdir that accepts an existing directory and fixes owner and mode */
static void
ensure_dir(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat	 st;

	if (mkdir(path, mode) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
	if (lstat(path, &st) == -1)
		fatal("%s", path);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s: not a directory", path);
	if (geteuid() == 0 && (st.st_uid != uid || st.st_gid != gid) &&
	    chown(path, uid, gid) == -1)
		fatal("chown %s", path);
	if ((st.st_mode & 07777) != mode && chmod(path, mode) == -1)
		fatal("chmod %s", path);
}

static void
sandbox_dirs(const struct master_conf *c)
{
	char		 path[PATH_MAX];
	struct passwd	*pw;
	uid_t		 su = getuid();
	gid_t		 sg = getgid();

	if (geteuid() == 0) {
		/* spawn_check saw it exist */
		if ((pw = getpwnam(c->workeruser[KAD_PROC_STORE])) == NULL)
			fatalx("user %s: gone", c->workeruser[KAD_PROC_STORE]);
		su = pw->pw_uid;
		sg = pw->pw_gid;
		/* chroots: root-owned, not writable by anyone else (ntpd) */
		path_join(path, sizeof(path), c->datadir, "empty");
		ensure_dir(path, 0, 0, 0755);
		path_join(path, sizeof(path), c->datadir, "store");
		ensure_dir(path, 0, 0, 0755);
	} else {
		path_join(path, sizeof(path), c->datadir, "store");
		ensure_dir(path, su, sg, 0700);
	}
	/* only db/ belongs to the store user, as smtpd's queue does */
	path_join(path, sizeof(path), c->datadir, "store/db");
	ensure_dir(path, su, sg, 0700);
}

static pid_t
spawn_one(const struct master_conf *c, enum kad_proc p, int *fds, int nfds)
{
	char		 path[PATH_MAX], root[PATH_MAX], verbose[8], limit[32];
	char		 share[8];
	char		*argv[16];
	int		 argc = 0, i, high[MAXCHANS], nullfd;
	pid_t		 pid;

	binpath(c, p, path, sizeof(path));
	if (p == KAD_PROC_STORE)
		path_join(root, sizeof(root), c->datadir, "store");
	else if (geteuid() == 0)
		path_join(root, sizeof(root), c->datadir, "empty");
	else
		strlcpy(root, "/", sizeof(root));

	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		return (pid);
	}

	/* child: channels to 3, 4, 5 and close everything else */
	for (i = 0; i < nfds; i++)
		if ((high[i] = fcntl(fds[i], F_DUPFD, 64)) == -1)
			fatal("F_DUPFD");
	for (i = 0; i < nfds; i++)
		if (dup2(high[i], KAD_IPC_FD + i) == -1)
			fatal("dup2");
	if ((nullfd = open("/dev/null", O_RDWR)) != -1) {
		dup2(nullfd, STDIN_FILENO);
		if (!c->debug) {
			dup2(nullfd, STDOUT_FILENO);
			dup2(nullfd, STDERR_FILENO);
		}
		if (nullfd > STDERR_FILENO && nullfd < KAD_IPC_FD)
			close(nullfd);
	}
	closefrom(KAD_IPC_FD + nfds);

	argv[argc++] = (char *)(uintptr_t)kad_procnames[p];
	if (c->debug)
		argv[argc++] = "-d";
	if (c->verbose > 0) {
		snprintf(verbose, sizeof(verbose), "-%.*s",
		    c->verbose > 4 ? 4 : c->verbose, "vvvv");
		argv[argc++] = verbose;
	}
	if (p == KAD_PROC_STORE) {
		snprintf(limit, sizeof(limit), "%llu",
		    (unsigned long long)c->storage_limit);
		argv[argc++] = "-l";
		argv[argc++] = limit;
		if (!c->storage_limit_set)
			argv[argc++] = "-t";
		snprintf(share, sizeof(share), "%u", c->source_share);
		argv[argc++] = "-s";
		argv[argc++] = share;
	}
	argv[argc++] = "-r";
	argv[argc++] = root;
	argv[argc++] = "-u";
	argv[argc++] = (char *)(uintptr_t)c->workeruser[p];
	argv[argc] = NULL;
	execv(path, argv);
	fatal("execv %s", path);
}

static struct kadipc_chan *
chan(int fd, enum kad_proc p)
{
	struct kadipc_chan	*ch;

	if ((ch = kadipc_chan_open(fd, KAD_PROC_MASTER, p)) == NULL)
		fatal("%s: %s channel", __func__, kad_procnames[p]);
	return (ch);
}

static void
pair(int sv[2])
{
	int	 i, sz = 4 * 1024 * 1024;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		fatal("socketpair");
	/*
	 * Chunk traffic streams through these: deep buffers let the sender
	 * run ahead instead of waking the reader every 200 KiB.
	 */
	for (i = 0; i < 2; i++) {
		(void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz,
		    sizeof(sz));
		(void)setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz,
		    sizeof(sz));
	}
}

void
spawn_workers(const struct master_conf *c)
{
	int	 m_net[2], m_store[2], m_crypt[2], crypt_store[2];
	int	 net_store[2], net_crypt[2], fds[MAXCHANS];

	sandbox_dirs(c);
	pair(m_net);
	pair(m_store);
	pair(m_crypt);
	pair(crypt_store);
	pair(net_store);
	pair(net_crypt);

	fds[0] = m_net[1];
	fds[1] = net_store[0];
	fds[2] = net_crypt[0];
	workers[KAD_PROC_NET].pid = spawn_one(c, KAD_PROC_NET, fds, 3);

	fds[0] = m_store[1];
	fds[1] = crypt_store[1];
	fds[2] = net_store[1];
	workers[KAD_PROC_STORE].pid = spawn_one(c, KAD_PROC_STORE, fds, 3);

	fds[0] = m_crypt[1];
	fds[1] = crypt_store[0];
	fds[2] = net_crypt[1];
	workers[KAD_PROC_CRYPT].pid = spawn_one(c, KAD_PROC_CRYPT, fds, 3);

	/* the master keeps only its own ends */
	close(m_net[1]);
	close(m_store[1]);
	close(m_crypt[1]);
	close(crypt_store[0]);
	close(crypt_store[1]);
	close(net_store[0]);
	close(net_store[1]);
	close(net_crypt[0]);
	close(net_crypt[1]);
	workers[KAD_PROC_NET].proc = KAD_PROC_NET;
	workers[KAD_PROC_STORE].proc = KAD_PROC_STORE;
	workers[KAD_PROC_CRYPT].proc = KAD_PROC_CRYPT;
	workers[KAD_PROC_NET].ch = chan(m_net[0], KAD_PROC_NET);
	workers[KAD_PROC_STORE].ch = chan(m_store[0], KAD_PROC_STORE);
	workers[KAD_PROC_CRYPT].ch = chan(m_crypt[0], KAD_PROC_CRYPT);
}
