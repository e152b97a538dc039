/* SPDX-License-Identifier: ISC */
/*
 * kadmaster's readiness notification (kadmaster/notify.c), as a service
 * manager sees it.
 *
 *   test_notify -l SOCKET SECONDS
 *		binds an AF_UNIX datagram socket (a path, or @name for an
 *		abstract one) and prints every datagram on a line as it
 *		comes; exits 0 after "STOPPING=1", 1 if SECONDS pass first
 *		(tests/integ/notify.sh)
 *   test_notify
 *		the self-test: notify_init and notify_send against a path
 *		and an abstract socket, the sender's credentials, and the
 *		values that must only be warned about; NOTIFY_SOCKET is
 *		gone afterwards in every case
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "kadmaster/kadmaster.h"
#include "log.h"
#include "tests/test.h"

static int
bind_notify(const char *name)
{
	struct sockaddr_un	 sun;
	size_t			 n = strlen(name);
	int			 fd, on = 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (n < 2 || n >= sizeof(sun.sun_path))
		return (-1);
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	/* what a service manager does to learn the sender's pid */
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun,
	    offsetof(struct sockaddr_un, sun_path) + n) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* One datagram within ms milliseconds: its length, or -1; *pid its sender */
static ssize_t
recv_notify(int fd, char *buf, size_t sz, int ms, pid_t *pid)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	struct iovec	 iov = { buf, sz - 1 };
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(struct ucred))];
	} cmsg;
	ssize_t		 n;

	*pid = -1;
	if (poll(&pfd, 1, ms) != 1)
		return (-1);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &cmsg;
	mh.msg_controllen = sizeof(cmsg);
	if ((n = recvmsg(fd, &mh, MSG_DONTWAIT)) == -1)
		return (-1);
	buf[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_CREDENTIALS)
			*pid = ((struct ucred *)(void *)CMSG_DATA(cm))->pid;
	return (n);
}

static int
listen_mode(const char *name, const char *secs)
{
	char	 buf[512];
	pid_t	 pid;
	time_t	 end = time(NULL) + atoi(secs);
	int	 fd;

	if ((fd = bind_notify(name)) == -1) {
		fprintf(stderr, "test_notify: bind %s: %s\n", name,
		    strerror(errno));
		return (2);
	}
	printf("listening\n");
	fflush(stdout);
	while (time(NULL) < end) {
		if (recv_notify(fd, buf, sizeof(buf), 200, &pid) == -1)
			continue;
		printf("%s pid %d\n", buf, (int)pid);
		fflush(stdout);
		if (strcmp(buf, "STOPPING=1") == 0)
			return (0);
	}
	return (1);
}

/* notify_init with NOTIFY_SOCKET=name, then one READY=1: what arrives */
static void
self_one(const char *what, const char *name)
{
	char	 buf[64];
	pid_t	 pid;
	ssize_t	 n;
	int	 fd;

	if ((fd = bind_notify(name)) == -1) {
		CHECK(0, "%s: bind %s: %s", what, name, strerror(errno));
		return;
	}
	setenv("NOTIFY_SOCKET", name, 1);
	notify_init();
	CHECK(getenv("NOTIFY_SOCKET") == NULL, "%s: NOTIFY_SOCKET unset",
	    what);
	notify_send("READY=1");
	n = recv_notify(fd, buf, sizeof(buf), 1000, &pid);
	CHECK(n == 7 && strcmp(buf, "READY=1") == 0,
	    "%s: \"READY=1\" arrives, no NUL or newline (%zd bytes)", what, n);
	CHECK(pid == getpid(), "%s: sent by our pid (%d)", what, (int)pid);
	notify_send("STOPPING=1");
	n = recv_notify(fd, buf, sizeof(buf), 1000, &pid);
	CHECK(n == 10 && strcmp(buf, "STOPPING=1") == 0,
	    "%s: then \"STOPPING=1\"", what);
	close(fd);
}

/* A value that is only warned about: no fd, the variable gone. */
static void
self_bad(const char *what, const char *value)
{
	setenv("NOTIFY_SOCKET", value, 1);
	notify_init();
	CHECK(getenv("NOTIFY_SOCKET") == NULL, "%s: warned, and unset", what);
	notify_send("READY=1");		/* must do nothing */
}

static int
self_test(void)
{
	char	 dir[] = "/tmp/kad-notify.XXXXXX", path[128], name[64];
	char	 longname[200];

	log_init(1, LOG_DAEMON);
	log_procinit("test_notify");
	unsetenv("NOTIFY_SOCKET");
	notify_init();
	notify_send("READY=1");
	CHECK(1, "no NOTIFY_SOCKET: nothing to do");
	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return (test_done());
	}
	snprintf(path, sizeof(path), "%s/notify", dir);
	self_one("a path", path);
	snprintf(name, sizeof(name), "@kad-test-notify-%d", (int)getpid());
	self_one("an abstract name", name);
	self_bad("a relative path", "notify");
	self_bad("a lone @", "@");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	self_bad("a path longer than sun_path", longname);
	snprintf(path, sizeof(path), "%s/nobody-listens", dir);
	self_bad("a socket nobody listens on", path);
	snprintf(path, sizeof(path), "%s/notify", dir);
	unlink(path);
	rmdir(dir);
	return (test_done());
}

int
main(int argc, char *argv[])
{
	if (argc == 4 && strcmp(argv[1], "-l") == 0)
		return (listen_mode(argv[2], argv[3]));
	if (argc != 1) {
		fprintf(stderr, "usage: test_notify [-l socket seconds]\n");
		return (2);
	}
	return (self_test());
}
