/* SPDX-License-Identifier: ISC */
/*
 * Privilege drop and sandbox for the kad processes, the last two steps
 * of every worker's start (docs/STYLE.md, "Privilege drop and sandbox"),
 * before its first message.  Linux: chroot + setresuid, then rlimits, no new
 * privileges, Landlock and a seccomp allowlist per process
 * (sandbox_linux.c).  OpenBSD: unveil + pledge (sandbox_openbsd.c).
 * docs/SANDBOX.md says what each process may do and why.
 *
 * Every failure is fatal (fatal()/fatalx()): there is no silent fallback.
 */
#ifndef KAD_SANDBOX_H
#define KAD_SANDBOX_H

#include <sys/types.h>

#include <signal.h>

#include "kadipc.h"

/*
 * Sanitizer builds (VARIANT=asan).  LeakSanitizer needs /proc, clone and
 * ptrace for its exit-time check, none of which a sandboxed process has:
 * kad_privdrop (before chroot), kad_landlock and kad_sandbox run the
 * check early instead, which also turns the exit-time check off.
 */
#if defined(__SANITIZE_ADDRESS__)
#define KAD_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KAD_SANITIZER	1
#endif
#endif

#define KAD_USER_NAME_MAX	64
#ifndef SYSUSERSDIR
#define SYSUSERSDIR		"/usr/local/lib/sysusers.d"
#endif
/* what to do about a missing worker user (docs/sysusers.conf) */
#define KAD_USERS_HINT		"create the worker users with make install " \
	"or systemd-sysusers " SYSUSERSDIR "/kad.conf"
#define KAD_SANDBOX_MAXPIDS	8	/* pids the master may signal */
#define KAD_SANDBOX_ENV_LOG	"KAD_SANDBOX_LOG"	/* "1": discovery */
/* exit status after a trapped system call in a -DKAD_SANDBOX_DEBUG build */
#define KAD_SANDBOX_TRAP_EXIT	(128 + SIGSYS)

struct kad_user {
	uid_t	uid;
	gid_t	gid;
	char	name[KAD_USER_NAME_MAX];
};

/*
 * Look `user` up with getpwnam (before chroot: the passwd file is gone
 * afterwards).  Returns 0 when found.  A missing user is fatal as root
 * (no worker shares a user, nobody least of all); not root, nothing
 * changes uid anyway: returns 1 with our own ids.  A user with uid or
 * gid 0 is fatal.
 */
int	kad_privdrop_lookup(const char *user, struct kad_user *);
/* 1 if getpwnam's errno (or none) means "no such user" */
int	kad_user_notfound(int);

/*
 * As root: refuse a chroot_dir that is not a root-owned directory or is
 * group/world writable, chroot there, chdir("/"), drop to the user's
 * uid/gid (setgroups/setresgid/setresuid) and verify that it stuck.
 * Not root: log_warnx and return (the sandbox still applies).
 */
void	kad_privdrop(enum kad_proc, const char *chroot_dir,
	    const struct kad_user *);

/*
 * Master only, before kad_sandbox(KAD_PROC_MASTER): a worker pid that
 * kill(2) may target afterwards.  Any other target kills the master.
 */
void	kad_sandbox_allow_kill(pid_t);

/*
 * Enter the process's sandbox for good.  Linux: not dumpable, rlimits,
 * PR_SET_NO_NEW_PRIVS, Landlock (no new opens) where the kernel has it,
 * then the seccomp allowlist (default: kill the process).  With
 * KAD_SANDBOX_LOG=1 in the environment the allowlist only logs (kernel
 * audit log, see docs/SANDBOX.md).
 */
void	kad_sandbox(enum kad_proc);

/*
 * The Landlock part of kad_sandbox on its own (sets no_new_privs too).
 * Returns the ABI version used, or 0 when the kernel has no Landlock.
 */
int	kad_landlock(enum kad_proc);

/* Write the process's seccomp filter as libseccomp PFC text to fd: 0/-1. */
int	kad_sandbox_export(enum kad_proc, int fd);

#ifdef KAD_TEST_HOOKS
/* A system call no allowlist has: the sandbox must kill us (SIGSYS). */
void	kad_sandbox_selftest(void);
#endif

#endif /* KAD_SANDBOX_H */
