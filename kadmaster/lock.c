/* SPDX-License-Identifier: ISC */
/*
 * One kadmaster per datadir: an exclusive flock(2) on DATADIR/lock,
 * taken before the control socket, the identity or the store are
 * touched, and held for the process's life.  The file holds the pid of
 * the kadmaster that has it, so that a second start can say whose it
 * is.  The lock goes with the process (a crash leaves none behind), it
 * survives daemon(3)'s fork (the child holds the same open file), and
 * the workers never see the descriptor (close-on-exec).
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadmaster.h"
#include "log.h"

#define LOCK_FILE	"lock"

static int	lock_fd = -1;

/* The pid a lock file names, or 0 when it names none. */
static long
lock_owner(int fd)
{
	char		 buf[32];
	ssize_t		 n;
	const char	*errstr;
	long		 pid;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return (0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pid = (long)strtonum(buf, 1, INT_MAX, &errstr);
	return (errstr == NULL ? pid : 0);
}

/* Write our pid into the lock file (again after daemon(3)). */
void
datadir_lock_pid(void)
{
	char	buf[32];
	int	len;

	if (lock_fd == -1)
		return;
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (len < 0 || (size_t)len >= sizeof(buf) ||
	    ftruncate(lock_fd, 0) == -1 ||
	    pwrite(lock_fd, buf, (size_t)len, 0) != len)
		log_warn("%s: writing the pid", LOCK_FILE);
}

/* Take DATADIR/lock or exit 1 naming the kadmaster that has it. */
void
datadir_lock(const char *datadir)
{
	char	path[PATH_MAX];
	long	pid;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", datadir,
	    LOCK_FILE) >= sizeof(path))
		fatalx("%s: path too long", LOCK_FILE);
	if ((lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		fatal("%s", path);
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			fatal("flock %s", path);
		if ((pid = lock_owner(lock_fd)) > 0)
			log_warnx("%s is in use by pid %ld", datadir, pid);
		else
			log_warnx("%s is in use by another kadmaster",
			    datadir);
		exit(1);
	}
	datadir_lock_pid();
}
