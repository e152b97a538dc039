/* SPDX-License-Identifier: ISC */
/*
 * The Linux sandbox of the kad processes, the last step before a worker
 * reads its first message (docs/SANDBOX.md explains every entry).  In
 * this order: not dumpable, rlimits, no_new_privs, Landlock with no
 * rules (nothing can be opened, created or removed any more) where the
 * kernel has it, and a libseccomp allowlist per process whose default
 * action kills the whole process.  Calls that libraries make on their
 * own and that do no harm when refused (open, stat of a path, socket,
 * connect, readlink) fail with EACCES instead.
 *
 * -DKAD_SANDBOX_DEBUG: a forbidden call traps to a SIGSYS handler that
 * writes the call's number to stderr and exits KAD_SANDBOX_TRAP_EXIT.
 * KAD_SANDBOX_LOG=1 in the environment: forbidden calls are only
 * logged by the kernel (audit type=1326 in dmesg), to find missing ones.
 */
#ifdef __linux__

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "sandbox.h"

/* Sanitizer builds (VARIANT=asan) need a few more calls, see below. */
#ifdef KAD_SANITIZER
#include <sanitizer/lsan_interface.h>
#endif

/*
 * Landlock.  Debian 12's <linux/landlock.h> only knows ABI 2, the
 * kernel may know more: the constants are the kernel's uapi values.
 */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset	444
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self	446
#endif
#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_FS_ABI1		((1ULL << 13) - 1)	/* EXECUTE..MAKE_SYM */
#define LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)		/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)		/* ABI 6 */

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix */
struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;
	uint64_t	scoped;
};

/* RLIMIT_NOFILE per process: what each one holds, plus headroom. */
static const rlim_t sandbox_nofile[KAD_PROC_MAX] = {
	[KAD_PROC_MASTER] = 128,	/* 3 workers, control clients */
	[KAD_PROC_NET] = 64,		/* UDP sockets, 3 channels, passed fds */
	[KAD_PROC_STORE] = 32,		/* db, wal, 2 channels */
	[KAD_PROC_CRYPT] = 128,		/* channels, the node key's fd, the fd
					   of each of 64 transfers and 16
					   received but not yet claimed */
};

static pid_t		 kill_pids[KAD_SANDBOX_MAXPIDS];
static size_t		 nkill_pids;
#ifdef KAD_SANDBOX_DEBUG
static const char	*trap_procname = "kad";
#endif

/*
 * Argument filters.  An int argument is compared on its low 32 bits (the
 * kernel ignores the rest; glibc may sign-extend), with MASKED_EQ so the
 * upper half can be anything.
 */
#define ARG32_EQ(i, v)	SCMP_CMP64((i), SCMP_CMP_MASKED_EQ, 0xffffffffULL, \
			    (uint64_t)(uint32_t)(v))
#define ARG_NOBITS(i, b) SCMP_CMP64((i), SCMP_CMP_MASKED_EQ, (uint64_t)(b), 0)
#define ARG_BITS(i, b)	SCMP_CMP64((i), SCMP_CMP_MASKED_EQ, (uint64_t)(b), \
			    (uint64_t)(b))
#define INT_SIGN	0x80000000U

#define ACT_DENY	SCMP_ACT_ERRNO(EACCES)

static void	sc_rule(scmp_filter_ctx, uint32_t, int, const char *,
		    unsigned int, const struct scmp_arg_cmp *);

/* One rule, no argument check. */
#define SC_ALLOW(ctx, sys)						\
	sc_rule((ctx), SCMP_ACT_ALLOW, SCMP_SYS(sys), #sys, 0, NULL)
/* Refused with EACCES: a library tries it, nothing breaks without it. */
#define SC_DENY(ctx, sys)						\
	sc_rule((ctx), ACT_DENY, SCMP_SYS(sys), #sys, 0, NULL)
/* One rule whose argument checks must all hold. */
#define SC_RULE(ctx, act, sys, ...) do {				\
	const struct scmp_arg_cmp sc_a_[] = { __VA_ARGS__ };		\
	sc_rule((ctx), (act), SCMP_SYS(sys), #sys,			\
	    sizeof(sc_a_) / sizeof(sc_a_[0]), sc_a_);			\
} while (0)

static const char *
procname(enum kad_proc proc)
{
	if ((int)proc < 0 || proc >= KAD_PROC_MAX || proc == KAD_PROC_CTL)
		fatalx("%s: no sandbox for process %d", __func__, (int)proc);
	return (kad_procnames[proc]);
}

static void
sc_rule(scmp_filter_ctx ctx, uint32_t act, int nr, const char *name,
    unsigned int argc, const struct scmp_arg_cmp *argv)
{
	int	 rc;

	/* a pseudo number: this architecture has no such call */
	if (nr < 0)
		return;
	if ((rc = seccomp_rule_add_array(ctx, act, nr, argc, argv)) != 0)
		fatalx("%s: %s: %s", __func__, name, strerror(-rc));
}

/*
 * The calls every kad process makes once sandboxed: the libevent loop,
 * libkadipc's channels (sendmsg/recvmsg, fds passed with SCM_RIGHTS),
 * glibc malloc, logging, randomness.  Sorted; one entry per call.
 */
static void
filter_common(scmp_filter_ctx ctx)
{
	/* glibc malloc: growing the main arena */
	SC_ALLOW(ctx, brk);
	/* libevent timers, time(3); normally the vDSO, this is its fallback */
	SC_ALLOW(ctx, clock_gettime);
	/* libkadipc: closing a channel, a passed fd, a control client */
	SC_ALLOW(ctx, close);
	/* glibc syslog(3) reconnecting to /dev/log: refused, quietly */
	SC_DENY(ctx, connect);
	/* libevent: an fd added or removed after the sandbox is on */
	SC_ALLOW(ctx, epoll_ctl);
	/* libevent's epoll backend when built with epoll_pwait */
	SC_ALLOW(ctx, epoll_pwait);
	/* libevent's epoll backend: the loop itself */
	SC_ALLOW(ctx, epoll_wait);
	/* end of a thread (none today; glibc may use it) */
	SC_ALLOW(ctx, exit);
	/* exit(3), _exit(2), fatal() */
	SC_ALLOW(ctx, exit_group);
	/* libevent/libkadipc: O_NONBLOCK and FD_CLOEXEC on passed fds */
	SC_RULE(ctx, SCMP_ACT_ALLOW, fcntl, ARG32_EQ(1, F_GETFD));
	SC_RULE(ctx, SCMP_ACT_ALLOW, fcntl, ARG32_EQ(1, F_SETFD));
	SC_RULE(ctx, SCMP_ACT_ALLOW, fcntl, ARG32_EQ(1, F_GETFL));
	SC_RULE(ctx, SCMP_ACT_ALLOW, fcntl, ARG32_EQ(1, F_SETFL));
	/* glibc locks (stdio, malloc), pthread_once in OpenSSL and TC */
	SC_ALLOW(ctx, futex);
	/* syslog LOG_PID, libbsd arc4random and OpenSSL fork detection */
	SC_ALLOW(ctx, getpid);
	/* arc4random (glibc and libbsd), OpenSSL DRBG seeding, ids */
	SC_ALLOW(ctx, getrandom);
	/* gettimeofday(3) without the vDSO (libevent's cached time) */
	SC_ALLOW(ctx, gettimeofday);
	/* glibc free(3) giving pages back: only harmless advice */
	SC_RULE(ctx, SCMP_ACT_ALLOW, madvise, ARG32_EQ(2, MADV_DONTNEED));
	SC_RULE(ctx, SCMP_ACT_ALLOW, madvise, ARG32_EQ(2, MADV_FREE));
	/* glibc malloc of large blocks; never executable memory */
	SC_RULE(ctx, SCMP_ACT_ALLOW, mmap, ARG_NOBITS(2, PROT_EXEC));
	/* glibc malloc arenas grow by mprotect; never executable */
	SC_RULE(ctx, SCMP_ACT_ALLOW, mprotect, ARG_NOBITS(2, PROT_EXEC));
	/* glibc realloc(3) of an mmapped block */
	SC_ALLOW(ctx, mremap);
	/* glibc free(3) of an mmapped block */
	SC_ALLOW(ctx, munmap);
	/*
	 * newfstatat: glibc's fstat(3) is newfstatat(fd, "", AT_EMPTY_PATH),
	 * which libkadipc uses on every received fd.  A
	 * stat(3) of a path (AT_FDCWD, no AT_EMPTY_PATH) fails with EACCES.
	 */
	SC_RULE(ctx, SCMP_ACT_ALLOW, newfstatat, ARG_NOBITS(0, INT_SIGN),
	    ARG32_EQ(3, AT_EMPTY_PATH));
	SC_RULE(ctx, ACT_DENY, newfstatat, ARG_BITS(0, INT_SIGN));
	SC_RULE(ctx, ACT_DENY, newfstatat, ARG_NOBITS(3, AT_EMPTY_PATH));
	/* libraries opening files lazily (OpenSSL, glibc): refused */
	SC_DENY(ctx, open);
	/* the same through openat(2), what glibc's open(3) uses */
	SC_DENY(ctx, openat);
	/* reading an fd opened before (TC records, /proc/self files) */
	SC_ALLOW(ctx, pread64);
	/* libkadipc channels, libevent's signal socketpair, stdio */
	SC_ALLOW(ctx, read);
	/* realpath(3) and friends in libraries: refused */
	SC_DENY(ctx, readlink);
	/* scatter reads (libevent evbuffer, stdio) */
	SC_ALLOW(ctx, readv);
	/* libkadipc: messages and SCM_RIGHTS fds in */
	SC_ALLOW(ctx, recvmsg);
	/* glibc abort(3), libevent blocking signals around its work */
	SC_ALLOW(ctx, rt_sigprocmask);
	/* returning from any signal handler (libevent's, debug SIGSYS) */
	SC_ALLOW(ctx, rt_sigreturn);
	/* libkadipc: messages and SCM_RIGHTS fds out */
	SC_ALLOW(ctx, sendmsg);
	/* glibc syslog(3) sends on the /dev/log socket opened by log_init */
	SC_ALLOW(ctx, sendto);
	/* glibc syslog(3) reconnecting: refused, quietly */
	SC_DENY(ctx, socket);
	/* libkadipc channels, logging to stderr */
	SC_ALLOW(ctx, write);
	/* gather writes (libkadipc header + payload, stdio) */
	SC_ALLOW(ctx, writev);
}

/*
 * kadmaster, narrowed once every worker runs.  It stays root (to signal
 * and reap the workers), so what it may still do matters most.
 */
static void
filter_master(scmp_filter_ctx ctx)
{
	size_t	 i;

	/* control.c: a kadctl client connects (SOCK_NONBLOCK|CLOEXEC) */
	SC_ALLOW(ctx, accept4);
	/* getpeereid(3) of a control client: SO_PEERCRED only */
	SC_RULE(ctx, SCMP_ACT_ALLOW, getsockopt, ARG32_EQ(1, SOL_SOCKET),
	    ARG32_EQ(2, SO_PEERCRED));
	/* stopping a worker: only the pids of kad_sandbox_allow_kill() */
	for (i = 0; i < nkill_pids; i++)
		SC_RULE(ctx, SCMP_ACT_ALLOW, kill, ARG32_EQ(0, kill_pids[i]));
	/*
	 * libevent: event_del/event_free of a signal event restores the old
	 * handler.  (Its handler itself only write()s to a socketpair.)
	 */
	SC_ALLOW(ctx, rt_sigaction);
	/* reaping workers: waitpid(2) on SIGCHLD */
	SC_ALLOW(ctx, wait4);
}

/* kadnet: the only process on the network.  The UDP socket is passed in. */
static void
filter_net(scmp_filter_ctx ctx)
{
	/* a second bind of the passed UDP socket, or a new one: refused */
	SC_DENY(ctx, bind);
	/* krpc: datagrams in (sendto, for datagrams out, is common) */
	SC_ALLOW(ctx, recvfrom);
	/* krpc: batched datagrams in */
	SC_ALLOW(ctx, recvmmsg);
	/* krpc: batched datagrams out */
	SC_ALLOW(ctx, sendmmsg);
}

/*
 * kadstore: Tokyo Cabinet on fds opened before the sandbox (the db, and
 * the WAL, which TC opens on the first transaction).
 */
static void
filter_store(scmp_filter_ctx ctx)
{
	/* TC: fcntl record locks on the db (tchdblockmethod, wal) */
	SC_RULE(ctx, SCMP_ACT_ALLOW, fcntl, ARG32_EQ(1, F_GETLK));
	SC_RULE(ctx, SCMP_ACT_ALLOW, fcntl, ARG32_EQ(1, F_SETLK));
	SC_RULE(ctx, SCMP_ACT_ALLOW, fcntl, ARG32_EQ(1, F_SETLKW));
	/* store_tc.c: disk space reserved ahead of Tokyo Cabinet's writes */
	SC_RULE(ctx, SCMP_ACT_ALLOW, fallocate, ARG32_EQ(1,
	    FALLOC_FL_KEEP_SIZE));
	/* store_tc.c: free space left on the filesystem, when it reserves */
	SC_ALLOW(ctx, fstatfs);
	/* kadstore's own durable writes (TC itself only uses fsync) */
	SC_ALLOW(ctx, fdatasync);
	/* TC: tchdbsync, transaction begin/commit */
	SC_ALLOW(ctx, fsync);
	/* TC: growing/shrinking the db file and resetting the WAL */
	SC_ALLOW(ctx, ftruncate);
	/* store_tc.c: counting its page faults to trim its mappings */
	SC_RULE(ctx, SCMP_ACT_ALLOW, getrusage, ARG32_EQ(0, RUSAGE_SELF));
	/* TC: WAL writes at the end of the log */
	SC_ALLOW(ctx, lseek);
	/* TC: tchdbsync flushes the mapped header region */
	SC_ALLOW(ctx, msync);
	/* (pread64, TC's record reads, is in the common set) */
	/* TC: record writes beyond the mapped region */
	SC_ALLOW(ctx, pwrite64);
	/* (sched_yield, which Debian's TC calls: answered in kadstore/tc_yield.c) */
	/* tchdbclose removing the WAL: refused (docs/SANDBOX.md: no close) */
	SC_DENY(ctx, unlink);
}

/*
 * kadcrypt: AEAD, X25519 and RAND_bytes need nothing beyond the common
 * set; the node key's file arrives as an fd (fstat, pread, write are
 * common), and so do the files kadctl puts or fetches (fstat, F_GETFL
 * and F_SETFL, read, write: common too; nothing seeks or opens).
 */
static void
filter_crypt(scmp_filter_ctx ctx)
{
	/* crypt_oracle.c: a new node key, written through kadmaster's fd */
	SC_ALLOW(ctx, fsync);
	/* (getrandom, for OpenSSL's DRBG reseeding, is in the common set) */
}

#ifdef KAD_SANITIZER
/*
 * Sanitizer builds only (VARIANT=asan): what the ASan/UBSan runtime does
 * on its own in a sandboxed process.  Never in a release build.
 */
static void
filter_sanitizer(scmp_filter_ctx ctx)
{
	/* ASan's reports: isatty(2) before every line, for colours */
	SC_RULE(ctx, SCMP_ACT_ALLOW, ioctl, ARG32_EQ(1, TCGETS));
	/* ASan's allocator: advice on its shadow and quarantine pages */
	SC_RULE(ctx, SCMP_ACT_ALLOW, madvise, ARG32_EQ(2, MADV_DONTDUMP));
	SC_RULE(ctx, SCMP_ACT_ALLOW, madvise, ARG32_EQ(2, MADV_NOHUGEPAGE));
	/* sanitizer spin locks back off with sched_yield */
	SC_ALLOW(ctx, sched_yield);
	/* ASan's exit path takes down the thread's alternate signal stack */
	SC_ALLOW(ctx, sigaltstack);
	/* clang's runtime looks for llvm-symbolizer in PATH: not found */
	SC_DENY(ctx, stat);
}
#endif

static scmp_filter_ctx
filter_build(enum kad_proc proc, int logmode)
{
	scmp_filter_ctx	 ctx;
	uint32_t	 defact;
	int		 rc;

#ifdef KAD_SANDBOX_DEBUG
	defact = SCMP_ACT_TRAP;
#else
	defact = SCMP_ACT_KILL_PROCESS;
#endif
	if (logmode)
		defact = SCMP_ACT_LOG;
	if ((ctx = seccomp_init(defact)) == NULL)
		fatalx("%s: seccomp_init", __func__);
	/* another ABI (x32, i386) from this process: kill, whatever mode */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0)
		fatalx("%s: badarch: %s", __func__, strerror(-rc));
	/* discovery: also log what is refused with EACCES */
	if (logmode && (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG,
	    1)) != 0)
		fatalx("%s: log: %s", __func__, strerror(-rc));

	filter_common(ctx);
	switch (proc) {
	case KAD_PROC_MASTER:
		filter_master(ctx);
		break;
	case KAD_PROC_NET:
		filter_net(ctx);
		break;
	case KAD_PROC_STORE:
		filter_store(ctx);
		break;
	case KAD_PROC_CRYPT:
		filter_crypt(ctx);
		break;
	default:
		fatalx("%s: no filter for process %d", __func__, (int)proc);
	}
#ifdef KAD_SANITIZER
	filter_sanitizer(ctx);
#endif
	return (ctx);
}

#ifdef KAD_SANDBOX_DEBUG
/* OpenSSH's debug mode: name the call, then die.  Signal-safe only. */
static void
sigsys_trap(int sig, siginfo_t *si, void *uctx)
{
	static const char	 pfx[] = ": sandbox: forbidden system call ";
	char			 buf[128], num[16];
	size_t			 n, len, i;
	unsigned int		 nr;
	ssize_t			 r;

	(void)sig;
	(void)uctx;
	nr = (unsigned int)si->si_syscall;
	i = sizeof(num);
	do {
		num[--i] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr != 0 && i > 0);
	n = strlen(trap_procname);
	if (n > 64)
		n = 64;
	memcpy(buf, trap_procname, n);
	memcpy(buf + n, pfx, sizeof(pfx) - 1);
	n += sizeof(pfx) - 1;
	len = sizeof(num) - i;
	memcpy(buf + n, num + i, len);
	n += len;
	buf[n++] = '\n';
	r = write(STDERR_FILENO, buf, n);
	(void)r;
	/* the raw call: sanitizers intercept _exit and would run more */
	syscall(SYS_exit_group, KAD_SANDBOX_TRAP_EXIT);
}
#endif

/*
 * FSIZE 0 keeps a worker from writing any file it may still hold, but
 * an operator who sends stdio to a file (-d > log) wants the log lines:
 * then the limit stays as it is.
 */
static int
stdio_is_file(void)
{
	struct stat	 st;
	int		 fd;

	for (fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			return (1);
	return (0);
}

static void
set_limit(int res, const char *what, rlim_t want)
{
	struct rlimit	 rl;

	if (getrlimit(res, &rl) == -1)
		fatal("%s: getrlimit %s", __func__, what);
	/* lower only: the hard limit may be below what we would allow */
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = want;
	if (setrlimit(res, &rl) == -1)
		fatal("%s: setrlimit %s", __func__, what);
}

static void
set_rlimits(enum kad_proc proc)
{
	/* no fork: NPROC is per user and root ignores it, seccomp backs it */
	set_limit(RLIMIT_NPROC, "NPROC", 0);
	set_limit(RLIMIT_NOFILE, "NOFILE", sandbox_nofile[proc]);
	/* the store writes its files, kadcrypt those kadctl gets */
	if (proc == KAD_PROC_STORE || proc == KAD_PROC_CRYPT)
		return;
	if (stdio_is_file())
		log_debug("%s: %s: stdio is a file: FSIZE unchanged",
		    __func__, kad_procnames[proc]);
	else
		set_limit(RLIMIT_FSIZE, "FSIZE", 0);
}

void
kad_sandbox_allow_kill(pid_t pid)
{
	if (pid <= 0)
		fatalx("%s: bad pid %ld", __func__, (long)pid);
	if (nkill_pids >= KAD_SANDBOX_MAXPIDS)
		fatalx("%s: more than %d pids", __func__, KAD_SANDBOX_MAXPIDS);
	kill_pids[nkill_pids++] = pid;
}

int
kad_landlock(enum kad_proc proc)
{
	struct ll_ruleset_attr	 attr;
	size_t			 size;
	long			 abi;
	int			 fd;

	(void)procname(proc);
#ifdef KAD_SANITIZER
	/* no /proc for LeakSanitizer after this: see kad_privdrop */
	__lsan_do_leak_check();
#endif
	abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_RULESET_VERSION);
	if (abi == -1) {
		/* not built in (ENOSYS) or disabled at boot (EOPNOTSUPP) */
		if (errno == ENOSYS || errno == EOPNOTSUPP) {
			log_debug("%s: %s: no Landlock in this kernel",
			    __func__, kad_procnames[proc]);
			return (0);
		}
		fatal("%s: landlock ABI probe", __func__);
	}
	if (abi < 1)
		fatalx("%s: landlock ABI %ld", __func__, abi);

	/* Handle every right the ABI knows and grant none. */
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LL_FS_ABI1;
	size = offsetof(struct ll_ruleset_attr, handled_access_net);
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 4) {
		/* no TCP at all; Landlock has no UDP rights */
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX;
		/* the master must still signal its workers: not in its scope */
		if (proc != KAD_PROC_MASTER)
			attr.scoped |= LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}

	/* landlock_restrict_self needs no_new_privs (or CAP_SYS_ADMIN) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("%s: PR_SET_NO_NEW_PRIVS", __func__);
	if ((fd = (int)syscall(__NR_landlock_create_ruleset, &attr, size,
	    0)) == -1)
		fatal("%s: landlock_create_ruleset (ABI %ld)", __func__, abi);
	if (syscall(__NR_landlock_restrict_self, fd, 0) == -1)
		fatal("%s: landlock_restrict_self", __func__);
	if (close(fd) == -1)
		fatal("%s: close", __func__);
	return ((int)abi);
}

void
kad_sandbox(enum kad_proc proc)
{
	scmp_filter_ctx	 ctx;
	const char	*name = procname(proc), *env;
	int		 logmode, abi, rc;
#ifdef KAD_SANDBOX_DEBUG
	struct sigaction sa;
#endif

	if (proc == KAD_PROC_MASTER && nkill_pids == 0)
		fatalx("%s: %s: no worker pids (kad_sandbox_allow_kill)",
		    __func__, name);
	env = getenv(KAD_SANDBOX_ENV_LOG);
	logmode = env != NULL && strcmp(env, "1") == 0;

#ifdef KAD_SANITIZER
	/* usually done already by kad_privdrop, before chroot */
	__lsan_do_leak_check();
#endif
	/* every process: a compromised worker must not ptrace another */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("%s: %s: PR_SET_DUMPABLE", __func__, name);
	set_rlimits(proc);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("%s: %s: PR_SET_NO_NEW_PRIVS", __func__, name);
	abi = kad_landlock(proc);

	ctx = filter_build(proc, logmode);
#ifdef KAD_SANDBOX_DEBUG
	trap_procname = name;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_trap;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("%s: %s: sigaction SIGSYS", __func__, name);
#endif
	if (logmode)
		log_warnx("%s: %s: %s=1: calls outside the allowlist are "
		    "logged, not refused", __func__, name, KAD_SANDBOX_ENV_LOG);
	if ((rc = seccomp_load(ctx)) != 0)
		fatalx("%s: %s: seccomp_load: %s", __func__, name,
		    strerror(-rc));
	seccomp_release(ctx);
	log_debug("%s: %s: sandboxed (seccomp, Landlock ABI %d)", __func__,
	    name, abi);
}

int
kad_sandbox_export(enum kad_proc proc, int fd)
{
	scmp_filter_ctx	 ctx;
	int		 rc;

	(void)procname(proc);
	ctx = filter_build(proc, 0);
	rc = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	if (rc != 0) {
		errno = -rc;
		return (-1);
	}
	return (0);
}

#ifdef KAD_TEST_HOOKS
void
kad_sandbox_selftest(void)
{
	/* no kad process needs getppid(2), so no allowlist has it */
	(void)syscall(SYS_getppid);
	fatalx("%s: getppid was allowed: the sandbox is not on", __func__);
}
#endif

#endif /* __linux__ */
