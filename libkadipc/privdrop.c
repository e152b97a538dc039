/* SPDX-License-Identifier: ISC */
/*
 * Dropping root in a kad process (the step before the sandbox in every
 * worker's main, docs/STYLE.md), the way the OpenBSD daemons do it: look
 * the user up while the passwd file is still visible, chroot into a
 * root-owned directory that nobody else can write (ntpd's check), then
 * setgroups/setresgid/setresuid and verify that the change cannot be
 * undone.  Portable: Linux and OpenBSD.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "log.h"
#include "sandbox.h"

#ifdef KAD_SANITIZER
#include <sanitizer/lsan_interface.h>
#endif

static const char *
procname(enum kad_proc proc)
{
	if ((int)proc < 0 || proc >= KAD_PROC_MAX)
		fatalx("%s: bad process %d", __func__, (int)proc);
	return (kad_procnames[proc]);
}

/* getpwnam(3): these errno values (or none) mean "no such user". */
int
kad_user_notfound(int e)
{
	return (e == 0 || e == ENOENT || e == ESRCH || e == EBADF ||
	    e == EPERM);
}

int
kad_privdrop_lookup(const char *user, struct kad_user *ku)
{
	struct passwd	*pw;
	int		 n;

	if (user == NULL || *user == '\0' || ku == NULL)
		fatalx("%s: no user", __func__);
	memset(ku, 0, sizeof(*ku));
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (!kad_user_notfound(errno))
			fatal("%s: getpwnam %s", __func__, user);
		/* a shared user (nobody) would let one worker trace another */
		if (geteuid() == 0)
			fatalx("user %s does not exist: %s", user,
			    KAD_USERS_HINT);
		/* not root: kad_privdrop changes no uid, the name is unused */
		ku->uid = getuid();
		ku->gid = getgid();
		n = snprintf(ku->name, sizeof(ku->name), "%s", user);
		if (n < 0 || (size_t)n >= sizeof(ku->name))
			fatalx("%s: user name too long", __func__);
		return (1);
	}
	/* dropping to root, or to root's group, would drop nothing */
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		fatalx("%s: user %s has uid %u gid %u: refusing", __func__,
		    pw->pw_name, (unsigned int)pw->pw_uid,
		    (unsigned int)pw->pw_gid);
	n = snprintf(ku->name, sizeof(ku->name), "%s", pw->pw_name);
	if (n < 0 || (size_t)n >= sizeof(ku->name))
		fatalx("%s: user name too long", __func__);
	ku->uid = pw->pw_uid;
	ku->gid = pw->pw_gid;
	return (0);
}

void
kad_privdrop(enum kad_proc proc, const char *dir, const struct kad_user *ku)
{
	struct stat	 st;
	uid_t		 ruid, euid, suid;
	gid_t		 rgid, egid, sgid, groups[2];
	const char	*name = procname(proc);
	int		 fd, n;

	if (dir == NULL || *dir == '\0' || ku == NULL)
		fatalx("%s: %s: no directory or user", __func__, name);
#ifdef KAD_SANITIZER
	/* the last moment LeakSanitizer can see /proc (sandbox.h) */
	__lsan_do_leak_check();
#endif
	if (geteuid() != 0) {
		/* sshd's rule: run unprivileged, still sandboxed below */
		log_warnx("%s: %s: not root: no chroot/uid change", __func__,
		    name);
		return;
	}
	if (ku->uid == 0 || ku->gid == 0)
		fatalx("%s: %s: refusing to drop to uid %u gid %u", __func__,
		    name, (unsigned int)ku->uid, (unsigned int)ku->gid);

	/*
	 * Check the directory we will chroot into through an fd, so the
	 * check and the chroot see the same directory (no rename race).
	 */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("%s: %s: open %s", __func__, name, dir);
	if (fstat(fd, &st) == -1)
		fatal("%s: %s: fstat %s", __func__, name, dir);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s: %s: %s is not a directory", __func__, name, dir);
	if (st.st_uid != 0)
		fatalx("%s: %s: %s must be owned by root, not uid %u",
		    __func__, name, dir, (unsigned int)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("%s: %s: %s must not be group or world writable "
		    "(mode %04o)", __func__, name, dir,
		    (unsigned int)(st.st_mode & 07777));
	if (fchdir(fd) == -1)
		fatal("%s: %s: fchdir %s", __func__, name, dir);
	if (chroot(".") == -1)
		fatal("%s: %s: chroot %s", __func__, name, dir);
	if (chdir("/") == -1)
		fatal("%s: %s: chdir /", __func__, name);
	if (close(fd) == -1)
		fatal("%s: %s: close", __func__, name);

	if (setgroups(1, &ku->gid) == -1)
		fatal("%s: %s: setgroups", __func__, name);
	if (setresgid(ku->gid, ku->gid, ku->gid) == -1)
		fatal("%s: %s: setresgid %u", __func__, name,
		    (unsigned int)ku->gid);
	if (setresuid(ku->uid, ku->uid, ku->uid) == -1)
		fatal("%s: %s: setresuid %u", __func__, name,
		    (unsigned int)ku->uid);

	/* Trust nothing: check every id, and that root cannot come back. */
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		fatal("%s: %s: getresuid/getresgid", __func__, name);
	if (ruid != ku->uid || euid != ku->uid || suid != ku->uid ||
	    rgid != ku->gid || egid != ku->gid || sgid != ku->gid)
		fatalx("%s: %s: ids did not change", __func__, name);
	if ((n = getgroups(2, groups)) == -1)
		fatal("%s: %s: getgroups", __func__, name);
	if (n != 1 || groups[0] != ku->gid)
		fatalx("%s: %s: supplementary groups not dropped", __func__,
		    name);
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("%s: %s: could regain root", __func__, name);
	if (setgid(0) != -1 || setegid(0) != -1)
		fatalx("%s: %s: could regain group 0", __func__, name);
	log_debug("%s: %s: chroot %s, user %s (%u:%u)", __func__, name, dir,
	    ku->name, (unsigned int)ku->uid, (unsigned int)ku->gid);
}
