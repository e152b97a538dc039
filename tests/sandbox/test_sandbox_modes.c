/* SPDX-License-Identifier: ISC */
/*
 * The sandboxes' other modes and surroundings (libkadipc/sandbox_linux.c),
 * each in a forked child (sandbox_kid.c): the master may signal its
 * workers and nothing else, discovery mode (KAD_SANDBOX_LOG=1) logs a
 * forbidden call instead of killing, logging keeps working with stderr
 * sent to a file, Landlock alone refuses anything new, and a sanitizer
 * build still reports a bug from inside the sandbox.  The per-process
 * workloads are in test_sandbox.c.
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

static pid_t	 other_pid;

static void
child_master_kill(int sock)
{
	(void)sock;
	kad_sandbox_allow_kill(getpid());
	kad_sandbox(KAD_PROC_MASTER);
	kill(other_pid, 0);
	_exit(0);
}

/* The master (root) may signal its workers and nothing else. */
static void
test_master_kill(void)
{
	struct kid	 k;
	int		 status;

	other_pid = getpid();
	kid_start(&k, child_master_kill, "kadmaster");
	status = kid_wait(&k, "kadmaster kill", NULL);
	CHECK(killed_by_sandbox(status), "kadmaster: kill() of a pid that "
	    "is not a worker kills it (status 0x%x)", status);
}

static void
child_logmode(int sock)
{
	char	 buf[4096];
	long	 ppid;

	(void)sock;
	open_proc_files();
	if (setenv(KAD_SANDBOX_ENV_LOG, "1", 1) == -1)
		_exit(96);
	kad_sandbox(KAD_PROC_CRYPT);
	ppid = syscall(SYS_getppid);
	pread_all(status_fd, buf, sizeof(buf));
	rec("logmode", ppid > 0 && strstr(buf, "\nSeccomp:\t2\n") != NULL,
	    "a forbidden call is logged, not fatal (getppid = %ld)", ppid);
	exit(0);
}

/* Discovery mode: the filter is on but only logs. */
static void
test_logmode(void)
{
	static const char *const want[] = { "logmode", NULL };
	struct kid	 k;
	int		 status;

	kid_start(&k, child_logmode, "kadcrypt");
	status = kid_wait(&k, "KAD_SANDBOX_LOG=1", want);
	CHECK(exited(status, 0), "KAD_SANDBOX_LOG=1: exits normally "
	    "(status 0x%x)", status);
}

static void
child_stderr_file(int sock)
{
	char	 path[128], buf[4096], soft[32], hard[32];
	int	 fd;

	(void)sock;
	snprintf(path, sizeof(path), "%s/stderr.log", tmpdir);
	open_proc_files();
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		_exit(96);
	close(fd);
	kad_sandbox(KAD_PROC_NET);
	pread_all(limits_fd, buf, sizeof(buf));
	limit_row(buf, "Max file size", soft, hard);
	rec("fsize-kept", strcmp(soft, fsize_before) == 0,
	    "stderr is a file: FSIZE %s (was %s)", soft, fsize_before);
	log_warnx("a log line after the sandbox");
	rec("log-to-file", 1, "log_warnx did not kill us");
	exit(0);
}

/* stderr sent to a file (kadmaster -d > log): logging keeps working. */
static void
test_stderr_file(void)
{
	static const char *const want[] = { "fsize-kept", "log-to-file",
	    NULL };
	struct kid	 k;
	struct stat	 st;
	char		 path[128];
	int		 status;

	kid_start(&k, child_stderr_file, "kadnet");
	status = kid_wait(&k, "stderr to a file", want);
	CHECK(exited(status, 0), "stderr to a file: exits normally "
	    "(status 0x%x)", status);
	snprintf(path, sizeof(path), "%s/stderr.log", tmpdir);
	CHECK(stat(path, &st) == 0 && st.st_size > 0,
	    "stderr to a file: the log line is there");
	unlink(path);
}

static void
child_landlock(int sock)
{
	struct sockaddr_in	 sin;
	char			 path[128], buf[8];
	int			 fd, abi, r, s;

	(void)sock;
	snprintf(path, sizeof(path), "%s/landlock.txt", tmpdir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, "kad", 3) != 3)
		_exit(96);
	abi = kad_landlock(KAD_PROC_NET);
	rec("landlock-abi", 1, "%d", abi);
	if (abi == 0) {
		log_info("skip: this kernel has no Landlock");
		exit(0);
	}

	errno = 0;
	r = open("/etc/passwd", O_RDONLY);
	rec("ll-open", r == -1 && errno == EACCES, "open = %d, %s", r,
	    strerror(errno));
	snprintf(path, sizeof(path), "%s/landlock-new.txt", tmpdir);
	errno = 0;
	r = open(path, O_WRONLY | O_CREAT, 0600);
	rec("ll-create", r == -1 && errno == EACCES, "create = %d, %s", r,
	    strerror(errno));
	snprintf(path, sizeof(path), "%s/landlock.txt", tmpdir);
	errno = 0;
	r = unlink(path);
	rec("ll-unlink", r == -1 && errno == EACCES, "unlink = %d, %s", r,
	    strerror(errno));
	/* fds opened before keep working: the store relies on it */
	r = (int)pread(fd, buf, 3, 0);
	rec("ll-old-fd", r == 3 && memcmp(buf, "kad", 3) == 0 &&
	    ftruncate(fd, 1) == 0, "pread and ftruncate of an old fd");
	/* UDP is not Landlock's business: kadnet keeps its socket */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	rec("ll-udp", s != -1, "UDP socket = %d", s);
	if (s != -1)
		close(s);
	if (abi >= 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s = socket(AF_INET, SOCK_STREAM, 0);
		errno = 0;
		r = bind(s, (struct sockaddr *)&sin, sizeof(sin));
		rec("ll-tcp-bind", r == -1 && errno == EACCES,
		    "TCP bind = %d, %s", r, strerror(errno));
		close(s);
	}
	if (abi >= 6) {
		errno = 0;
		r = kill(getppid(), 0);
		rec("ll-signal", r == -1 && errno == EPERM,
		    "kill(parent, 0) = %d, %s", r, strerror(errno));
	}
	exit(0);
}

/* Landlock alone (no seccomp): nothing new can be opened. */
static void
test_landlock(void)
{
	static const char *const want[] = { "landlock-abi", NULL };
	struct kid	 k;
	char		 path[128];
	int		 status;

	kid_start(&k, child_landlock, "landlock");
	status = kid_wait(&k, "landlock", want);
	CHECK(exited(status, 0), "landlock: child exits normally "
	    "(status 0x%x)", status);
	snprintf(path, sizeof(path), "%s/landlock.txt", tmpdir);
	CHECK(access(path, F_OK) == 0, "landlock: the file was not removed");
	unlink(path);
}

#ifdef KAD_SANITIZER
static void
child_asan(int sock)
{
	volatile size_t	 i = 16;
	char		*p;

	(void)sock;
	kad_sandbox(KAD_PROC_NET);
	if ((p = malloc(i)) == NULL)
		_exit(96);
	((volatile char *)p)[i] = 'x';	/* overflow: ASan must report it */
	free(p);
	exit(0);
}

/* A sanitizer build still reports a bug from inside the sandbox. */
static void
test_asan_report(void)
{
	struct kid	 k;
	int		 status;

	kid_start(&k, child_asan, "kadnet");
	status = kid_wait(&k, "asan in the sandbox", NULL);
	CHECK(exited(status, 1) && strstr(kid_errbuf,
	    "ERROR: AddressSanitizer: heap-buffer-overflow") != NULL,
	    "ASan reports a heap overflow from inside the sandbox "
	    "(status 0x%x)", status);
}
#endif

int
main(void)
{
	if (kid_init("test_sandbox_modes") == -1)
		return (1);
	/*
	 * valgrind does not know seccomp(2) and makes system calls of its
	 * own that no filter has: nothing here runs under it.
	 */
	if (RUNNING_ON_VALGRIND)
		printf("# skip: seccomp and Landlock under valgrind\n");
	else {
		test_master_kill();
		test_logmode();
		test_stderr_file();
		test_landlock();
#ifdef KAD_SANITIZER
		test_asan_report();
#endif
	}
	kid_done();
	return (test_done());
}
