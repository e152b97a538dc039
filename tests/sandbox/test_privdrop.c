/* SPDX-License-Identifier: ISC */
/*
 * The privilege drop (libkadipc/privdrop.c), each case in a forked child
 * (sandbox_kid.c): the lookup of the unprivileged user (never uid 0; a
 * missing one is fatal as root, no fallback), kad_privdrop not as root
 * (carries on), and as root into a chroot (uid, no way back, cwd "/",
 * the sandbox after the drop) but never into a directory others may
 * write, one not owned by root, or a file.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "kadipc.h"
#include "log.h"
#include "sandbox.h"
#include "sandbox_kid.h"
#include "../test.h"

static void
test_lookup(void)
{
	struct kad_user	 u;
	int		 r;

	r = kad_privdrop_lookup("nobody", &u);
	CHECK(r == 0 && u.uid == nobody_uid && u.gid == nobody_gid &&
	    strcmp(u.name, "nobody") == 0, "lookup nobody: %d %u:%u %s", r,
	    (unsigned int)u.uid, (unsigned int)u.gid, u.name);
}

/* exits 1 (fatal) as root; not root, 0 if it returned our own ids */
static void
child_lookup_missing(int sock)
{
	struct kad_user	 u;
	int		 r;

	(void)sock;
	r = kad_privdrop_lookup("_kad_no_such_user", &u);
	_exit(r == 1 && u.uid == getuid() && u.gid == getgid() ? 0 : 3);
}

static void
child_lookup_root(int sock)
{
	struct kad_user	 u;

	(void)sock;
	kad_privdrop_lookup("root", &u);
	_exit(0);
}

static const char	*drop_dir;

static void
child_privdrop(int sock)
{
	struct kad_user	 u;
	char		 cwd[64];
	int		 r;

	(void)sock;
	open_proc_files();
	if (kad_privdrop_lookup("nobody", &u) != 0)
		_exit(96);
	kad_privdrop(KAD_PROC_NET, drop_dir, &u);
	rec("uid", getuid() == u.uid && geteuid() == u.uid &&
	    getgid() == u.gid && getegid() == u.gid, "uid %d euid %d",
	    (int)getuid(), (int)geteuid());
	errno = 0;
	r = setuid(0);
	rec("no-root", r == -1 && errno == EPERM, "setuid(0) = %d, %s", r,
	    strerror(errno));
	rec("cwd", getcwd(cwd, sizeof(cwd)) != NULL &&
	    strcmp(cwd, "/") == 0, "getcwd = %s", cwd);
	errno = 0;
	r = access("/etc/passwd", F_OK);
	rec("chrooted", r == -1 && errno == ENOENT,
	    "/etc/passwd invisible: %s", strerror(errno));
	/* a worker's order: the sandbox after the drop */
	kad_sandbox(KAD_PROC_NET);
	check_sandboxed(KAD_PROC_NET);
	exit(0);
}

static void
child_privdrop_refused(int sock)
{
	struct kad_user	 u;

	(void)sock;
	if (kad_privdrop_lookup("nobody", &u) != 0)
		_exit(96);
	kad_privdrop(KAD_PROC_STORE, drop_dir, &u);
	_exit(0);	/* must not get here */
}

/* Not root: no chroot and no uid change, but no failure either. */
static void
child_privdrop_nonroot(int sock)
{
	struct kad_user	 u;
	uid_t		 uid;

	(void)sock;
	if (kad_privdrop_lookup("nobody", &u) != 0)
		_exit(96);
	if (geteuid() == 0 && (setgroups(1, &nobody_gid) == -1 ||
	    setresgid(nobody_gid, nobody_gid, nobody_gid) == -1 ||
	    setresuid(nobody_uid, nobody_uid, nobody_uid) == -1))
		_exit(92);
	uid = geteuid();
	kad_privdrop(KAD_PROC_CRYPT, "/nonexistent", &u);
	rec("nonroot", geteuid() == uid && access(tmpdir, F_OK) == 0,
	    "returns with uid %d, no chroot", (int)geteuid());
	exit(0);
}

static void
test_privdrop(int sandbox_ok)
{
	static const char *const want[] = { "uid", "no-root", "cwd",
	    "chrooted", "seccomp", "open-eacces", NULL };
	static const char *const want_nr[] = { "nonroot", NULL };
	static const struct {
		const char	*name;
		mode_t		 mode;
		int		 chown_nobody;
	} bad[] = {
		{ "world-writable", 0777, 0 },
		{ "group-writable", 0775, 0 },
		{ "not root-owned", 0755, 1 },
	};
	struct kid	 k;
	char		 dir[128], label[64];
	size_t		 i;
	int		 status, fd;

	kid_start(&k, child_lookup_root, "lookup");
	status = kid_wait(&k, "lookup root", NULL);
	CHECK(exited(status, 1), "lookup of a uid 0 user is fatal "
	    "(status 0x%x)", status);

	kid_start(&k, child_lookup_missing, "lookup");
	status = kid_wait(&k, "lookup missing", NULL);
	if (geteuid() == 0)
		CHECK(exited(status, 1), "as root, lookup of a missing user "
		    "is fatal, no fallback to nobody (status 0x%x)", status);
	else
		CHECK(exited(status, 0), "not root, lookup of a missing user "
		    "returns our own ids (status 0x%x)", status);

	kid_start(&k, child_privdrop_nonroot, "privdrop");
	status = kid_wait(&k, "privdrop not root", want_nr);
	CHECK(exited(status, 0), "privdrop not root: carries on "
	    "(status 0x%x)", status);

	if (geteuid() != 0) {
		printf("# skip: chroot and uid change need root\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/empty", tmpdir);
	if (mkdir(dir, 0755) == -1 || chmod(dir, 0755) == -1) {
		perror(dir);
		exit(2);
	}
	drop_dir = dir;
	if (sandbox_ok) {
		kid_start(&k, child_privdrop, "privdrop");
		status = kid_wait(&k, "privdrop", want);
		CHECK(exited(status, 0), "privdrop into %s (status 0x%x)",
		    dir, status);
	}

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (chmod(dir, bad[i].mode) == -1 || chown(dir,
		    bad[i].chown_nobody ? nobody_uid : 0, 0) == -1) {
			perror(dir);
			exit(2);
		}
		snprintf(label, sizeof(label), "privdrop %s", bad[i].name);
		kid_start(&k, child_privdrop_refused, "privdrop");
		status = kid_wait(&k, label, NULL);
		CHECK(exited(status, 1), "%s chroot dir is refused "
		    "(status 0x%x)", bad[i].name, status);
	}
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/afile", tmpdir);
	if ((fd = open(dir, O_WRONLY | O_CREAT, 0644)) == -1) {
		perror(dir);
		exit(2);
	}
	close(fd);
	kid_start(&k, child_privdrop_refused, "privdrop");
	status = kid_wait(&k, "privdrop file", NULL);
	CHECK(exited(status, 1), "a file as chroot dir is refused "
	    "(status 0x%x)", status);
	unlink(dir);
}

int
main(void)
{
	if (kid_init("test_privdrop") == -1)
		return (1);
	test_lookup();
	/* under valgrind, which knows no seccomp(2), only what needs none */
	test_privdrop(!RUNNING_ON_VALGRIND);
	kid_done();
	return (test_done());
}
