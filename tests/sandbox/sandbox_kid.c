/* SPDX-License-Identifier: ISC */
/*
 * The children of the sandbox tests (sandbox_kid.h): a child's records
 * and what every sandboxed process must show, and the parent's start,
 * reaping and temporary directory.  It checks nothing itself: the
 * records are CHECKed by kid_wait in the test programs.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "kadipc.h"
#include "log.h"
#include "sandbox.h"
#include "sandbox_kid.h"

char			 tmpdir[64];
static int		 res_fd = -1;	/* child: where records go */
enum kad_proc		 cur_proc;
uid_t			 nobody_uid;
gid_t			 nobody_gid;
int			 status_fd = -1, limits_fd = -1;
char			 fsize_before[32];
char			 kid_errbuf[16384];
static size_t		 kid_errlen;

/* child side helpers */

void
rec(const char *name, int ok, const char *fmt, ...)
{
	struct rec	 r;
	va_list		 ap;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.ok = ok != 0;
	va_start(ap, fmt);
	vsnprintf(r.info, sizeof(r.info), fmt, ap);
	va_end(ap);
	if (write(res_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(99);
}

/* Read a /proc file through an fd opened before the sandbox. */
void
pread_all(int fd, char *buf, size_t size)
{
	ssize_t	 n;

	n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

/* The soft and hard values of a /proc/self/limits row. */
void
limit_row(const char *limits, const char *row, char *soft, char *hard)
{
	const char	*p;

	soft[0] = hard[0] = '\0';
	if ((p = strstr(limits, row)) == NULL)
		return;
	p += strlen(row);
	if (sscanf(p, " %31s %31s", soft, hard) != 2)
		soft[0] = hard[0] = '\0';
}

void
open_proc_files(void)
{
	char	 buf[4096], hard[32];

	if ((status_fd = open("/proc/self/status", O_RDONLY)) == -1 ||
	    (limits_fd = open("/proc/self/limits", O_RDONLY)) == -1)
		_exit(97);
	pread_all(limits_fd, buf, sizeof(buf));
	limit_row(buf, "Max file size", fsize_before, hard);
}

/* What every sandboxed process must show, whatever its workload. */
void
check_sandboxed(enum kad_proc proc)
{
	char		 buf[4096], soft[32], hard[32];
	struct stat	 st;
	long		 n;
	int		 fd;

	pread_all(status_fd, buf, sizeof(buf));
	rec("seccomp", strstr(buf, "\nSeccomp:\t2\n") != NULL,
	    "Seccomp: 2 in /proc/self/status");
	rec("nonewprivs", strstr(buf, "\nNoNewPrivs:\t1\n") != NULL,
	    "NoNewPrivs: 1");

	pread_all(limits_fd, buf, sizeof(buf));
	limit_row(buf, "Max processes", soft, hard);
	rec("nproc", strcmp(soft, "0") == 0 && strcmp(hard, "0") == 0,
	    "NPROC %s/%s", soft, hard);
	limit_row(buf, "Max open files", soft, hard);
	n = strtol(soft, NULL, 10);
	rec("nofile", n > 0 && n <= 128 && strcmp(soft, hard) == 0,
	    "NOFILE %s/%s", soft, hard);
	limit_row(buf, "Max file size", soft, hard);
	/* the store writes its files, kadcrypt the files of gets */
	if (proc == KAD_PROC_STORE || proc == KAD_PROC_CRYPT)
		rec("fsize", strcmp(soft, fsize_before) == 0,
		    "%s keeps FSIZE %s (was %s)", kad_procnames[proc], soft,
		    fsize_before);
	else
		rec("fsize", strcmp(soft, "0") == 0 && strcmp(hard, "0") == 0,
		    "FSIZE %s/%s", soft, hard);

	errno = 0;
	fd = open("/etc/passwd", O_RDONLY);
	rec("open-eacces", fd == -1 && errno == EACCES,
	    "open(/etc/passwd) = %d, %s", fd, strerror(errno));
	errno = 0;
	n = stat("/etc/passwd", &st);
	rec("stat-eacces", n == -1 && errno == EACCES,
	    "stat(/etc/passwd) = %ld, %s", n, strerror(errno));
	errno = 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	rec("socket-eacces", fd == -1 && errno == EACCES,
	    "socket(AF_INET) = %d, %s", fd, strerror(errno));
}

/* parent side helpers */

int
wait_readable(int fd)
{
	struct pollfd	 pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return (poll(&pfd, 1, PARENT_WAIT) == 1);
}

void
kid_start(struct kid *k, void (*fn)(int), const char *label)
{
	int	 sv[2], rp[2], ep[2], null;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1 ||
	    pipe2(rp, O_CLOEXEC) == -1 || pipe2(ep, O_CLOEXEC) == -1) {
		perror("kid_start");
		exit(2);
	}
	fflush(stdout);
	fflush(stderr);
	if ((k->pid = fork()) == -1) {
		perror("fork");
		exit(2);
	}
	if (k->pid == 0) {
		close(sv[0]);
		close(rp[0]);
		close(ep[0]);
		res_fd = rp[1];
		/* stdio are not files: FSIZE 0 applies (sandbox_linux.c) */
		if ((null = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(null, STDOUT_FILENO) == -1 ||
		    dup2(ep[1], STDERR_FILENO) == -1)
			_exit(94);
		close(null);
		alarm(CHILD_ALARM);
		log_init(1, LOG_DAEMON);
		log_procinit(label);
		log_setverbose(1);
		fn(sv[1]);
		_exit(93);
	}
	close(sv[1]);
	close(rp[1]);
	close(ep[1]);
	k->sock = sv[0];
	k->res = rp[0];
	k->err = ep[0];
}

/* Reap the child and read the records it sent (MAXRECS at most). */
int
kid_reap(struct kid *k, struct rec *recs, size_t *nrec)
{
	ssize_t	 n;
	int	 status;

	close(k->sock);
	if (waitpid(k->pid, &status, 0) == -1) {
		perror("waitpid");
		exit(2);
	}
	*nrec = 0;
	while (*nrec < MAXRECS &&
	    (n = read(k->res, &recs[*nrec], sizeof(recs[0]))) ==
	    (ssize_t)sizeof(recs[0])) {
		recs[*nrec].name[sizeof(recs[*nrec].name) - 1] = '\0';
		recs[*nrec].info[sizeof(recs[*nrec].info) - 1] = '\0';
		(*nrec)++;
	}
	return (status);
}

/* The child's stderr: kept in kid_errbuf, and printed as TAP comments. */
void
kid_stderr(struct kid *k, const char *label)
{
	char	 buf[4096], *line, *next;
	ssize_t	 n;

	kid_errlen = 0;
	kid_errbuf[0] = '\0';
	while ((n = read(k->err, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if ((size_t)n < sizeof(kid_errbuf) - kid_errlen) {
			memcpy(kid_errbuf + kid_errlen, buf, (size_t)n + 1);
			kid_errlen += (size_t)n;
		}
		for (line = buf; line != NULL && *line != '\0'; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			printf("# %s: %s\n", label, line);
		}
	}
	close(k->res);
	close(k->err);
}

/* How the sandbox kills: SIGSYS, or the trap handler's exit status. */
int
killed_by_sandbox(int status)
{
#ifdef KAD_SANDBOX_DEBUG
	return (WIFEXITED(status) &&
	    WEXITSTATUS(status) == KAD_SANDBOX_TRAP_EXIT);
#else
	return (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
#endif
}

int
exited(int status, int code)
{
	return (WIFEXITED(status) && WEXITSTATUS(status) == code);
}

/*
 * Logging to stderr as prog, the user nobody, and a temporary
 * directory; -1 (after a "not ok" line or a message) if either is
 * missing.
 */
int
kid_init(const char *prog)
{
	struct passwd	*pw;

	log_init(1, LOG_DAEMON);
	log_procinit(prog);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((pw = getpwnam("nobody")) == NULL) {
		printf("not ok - no user nobody\n");
		return (-1);
	}
	nobody_uid = pw->pw_uid;
	nobody_gid = pw->pw_gid;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kad-sandbox.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (-1);
	}
	printf("# running as uid %d in %s\n", (int)geteuid(), tmpdir);
	return (0);
}

/* The temporary directory, emptied by the tests, removed. */
void
kid_done(void)
{
	if (rmdir(tmpdir) == -1)
		printf("# could not remove %s: %s\n", tmpdir, strerror(errno));
}
