/* SPDX-License-Identifier: ISC */
/*
 * The privilege drop and the sandboxes (libkadipc/privdrop.c,
 * sandbox_linux.c).  Every case runs in a forked child that reports what
 * it saw through a pipe; the parent checks it with CHECK.  For each of
 * master, net, store and crypt: the sandbox is on (Seccomp 2, no new
 * privileges, rlimits, not dumpable), the process's real workload still
 * works (libevent loop, an IPC round trip passing an fd with
 * SCM_RIGHTS, a timer, plus Tokyo Cabinet / OpenSSL / UDP / control
 * socket, signals and reaping), open() fails with EACCES, and a
 * forbidden call kills it with SIGSYS.  Also Landlock alone, discovery
 * mode, and (as root) kad_privdrop into a chroot.
 *
 *   test_sandbox            run the tests (as root or not)
 *   test_sandbox -x PROC    print PROC's filter as PFC text (pfc.sh)
 *   test_sandbox -n NR...   print the names of system calls (discover)
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/stdlib.h>
#include <bsd/unistd.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <tcutil.h>
#include <tcbdb.h>
#include <tchdb.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "sandbox.h"
#include "../test.h"

#define CHILD_ALARM	30	/* seconds: no child may hang the suite */
#define PARENT_WAIT	10000	/* ms to wait for a child's answer */
#define MAXRECS		64

/* One observation of a child, sent whole through a pipe. */
struct rec {
	char	name[40];
	int	ok;
	char	info[116];
};

struct kid {
	pid_t	pid;
	int	sock;		/* parent's end of the child's socketpair */
	int	res;		/* records, read end */
	int	err;		/* the child's stderr, read end */
};

static char		 tmpdir[64];
static int		 res_fd = -1;	/* child: where records go */
static enum kad_proc	 cur_proc;	/* child: which process it plays */
static uid_t		 nobody_uid;
static gid_t		 nobody_gid;

/* ------------------------------------------------------------------ */
/* child side helpers */

static void
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
static void
pread_all(int fd, char *buf, size_t size)
{
	ssize_t	 n;

	n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

/* The soft and hard values of a /proc/self/limits row. */
static void
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

static int	 status_fd = -1, limits_fd = -1;
static char	 fsize_before[32];

static void
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
static void
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
	if (proc == KAD_PROC_STORE)
		rec("fsize", strcmp(soft, fsize_before) == 0,
		    "store keeps FSIZE %s (was %s)", soft, fsize_before);
	else if (proc == KAD_PROC_CRYPT)
		rec("fsize", strcmp(soft, "68") == 0 && strcmp(hard, "68") == 0,
		    "FSIZE %s/%s: the node key's size", soft, hard);
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

/* ------------------------------------------------------------------ */
/* the workload: a libevent loop like the workers' */

#define W_RTRIP		0x01	/* IPC round trip with an fd */
#define W_TIMER		0x02
#define W_UDP		0x04	/* net */
#define W_ACCEPT	0x08	/* master: control client */
#define W_USR1		0x10	/* master: libevent signal event */
#define W_REAP		0x20	/* master: SIGCHLD, waitpid */

static struct event_base	*base;
static struct event		*ev_sock, *ev_timer, *ev_udp, *ev_accept;
static struct event		*ev_usr1, *ev_chld;
static unsigned int		 need, done;
static int			 udp_fd = -1, ctl_fd = -1;
static int			 key_fd = -1;	/* crypt: as CRYPT_IDENTITY's */
static struct sockaddr_in	 udp_self;
static pid_t			 dummy_pid;
static uid_t			 ctl_uid;
static TCHDB			*hdb;
static TCBDB			*bdb;

static void
mark(unsigned int bit)
{
	done |= bit;
	if ((done & need) == need)
		event_base_loopbreak(base);
}

static void
sock_cb(evutil_socket_t fd, short ev, void *arg)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	struct stat	 st;
	char		 buf[16];
	ssize_t		 n;
	int		 rfd = -1, ok;

	(void)ev;
	(void)arg;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	if ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) != 4 ||
	    memcmp(buf, "ping", 4) != 0) {
		rec("roundtrip", 0, "recvmsg = %zd, %s", n, strerror(errno));
		event_base_loopbreak(base);
		return;
	}
	if ((cmsg = CMSG_FIRSTHDR(&msg)) != NULL &&
	    cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
	    cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&rfd, CMSG_DATA(cmsg), sizeof(int));
	/* what libkadipc does with a received fd: fstat it */
	ok = rfd != -1 && fstat(rfd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    write(rfd, "via-fd", 6) == 6;
	rec("fd-received", ok, "fd %d: fstat, write", rfd);

	/* and send it back, as the master does with fds */
	memset(&msg, 0, sizeof(msg));
	memcpy(buf, "pong", 4);
	iov.iov_base = buf;
	iov.iov_len = 4;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	memset(cm.buf, 0, sizeof(cm.buf));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &rfd, sizeof(int));
	n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	rec("roundtrip", n == 4, "sendmsg with fd = %zd", n);
	close(rfd);
	event_del(ev_sock);
	mark(W_RTRIP);
}

static void
timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	ssize_t	 n;

	(void)fd;
	(void)ev;
	(void)arg;
	rec("timer", 1, "event timer fired");
	if (cur_proc == KAD_PROC_NET) {
		n = sendto(udp_fd, "kad-udp", 7, 0,
		    (struct sockaddr *)&udp_self, sizeof(udp_self));
		rec("udp-sendto", n == 7, "sendto = %zd", n);
	}
	mark(W_TIMER);
}

static void
udp_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sockaddr_in	 from;
	socklen_t		 fl = sizeof(from);
	char			 buf[32];
	ssize_t			 n;

	(void)ev;
	(void)arg;
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	rec("udp-recvfrom", n == 7 && memcmp(buf, "kad-udp", 7) == 0 &&
	    from.sin_port == udp_self.sin_port, "recvfrom = %zd", n);
	event_del(ev_udp);
	mark(W_UDP);
}

static void
accept_cb(evutil_socket_t fd, short ev, void *arg)
{
	uid_t	 uid = (uid_t)-1;
	gid_t	 gid;
	int	 c, ok;

	(void)ev;
	(void)arg;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ok = c != -1 && getpeereid(c, &uid, &gid) == 0 && uid == ctl_uid &&
	    write(c, "ctl-ok", 6) == 6;
	rec("ctl-accept", ok, "accept4 = %d, peer uid %d", c, (int)uid);
	if (c != -1)
		close(c);
	event_del(ev_accept);
	mark(W_ACCEPT);
}

static void
usr1_cb(evutil_socket_t sig, short ev, void *arg)
{
	int	 r;

	(void)ev;
	(void)arg;
	/* stop "a worker", as the master does on shutdown */
	r = kill(dummy_pid, SIGTERM);
	rec("signal-event", sig == SIGUSR1 && r == 0,
	    "SIGUSR1 via libevent, kill(worker) = %d", r);
	mark(W_USR1);
}

static void
chld_cb(evutil_socket_t sig, short ev, void *arg)
{
	pid_t	 pid;
	int	 status;

	(void)sig;
	(void)ev;
	(void)arg;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == dummy_pid) {
			rec("reap", WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGTERM,
			    "waitpid: status 0x%x", status);
			mark(W_REAP);
		}
}

/* Before the sandbox: what each kad process opens for itself. */
static void
work_before(enum kad_proc proc)
{
	struct sockaddr_un	 sun;
	socklen_t		 sl = sizeof(udp_self);
	char			 path[128];

	switch (proc) {
	case KAD_PROC_MASTER:
		/* a "worker" to signal and reap */
		if ((dummy_pid = fork()) == -1)
			_exit(96);
		if (dummy_pid == 0) {
			alarm(CHILD_ALARM);
			for (;;)
				pause();
		}
		kad_sandbox_allow_kill(dummy_pid);
		/* the control socket, as control.c makes it */
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/ctl.sock",
		    tmpdir);
		if ((ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1 ||
		    bind(ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(ctl_fd, 4) == -1)
			_exit(96);
		/* signals are set up before the sandbox narrows */
		if ((ev_usr1 = evsignal_new(base, SIGUSR1, usr1_cb,
		    NULL)) == NULL || evsignal_add(ev_usr1, NULL) == -1 ||
		    (ev_chld = evsignal_new(base, SIGCHLD, chld_cb,
		    NULL)) == NULL || evsignal_add(ev_chld, NULL) == -1)
			_exit(96);
		break;
	case KAD_PROC_NET:
		/* in kad it arrives from the master; the same socket */
		memset(&udp_self, 0, sizeof(udp_self));
		udp_self.sin_family = AF_INET;
		udp_self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1 ||
		    bind(udp_fd, (struct sockaddr *)&udp_self,
		    sizeof(udp_self)) == -1 ||
		    getsockname(udp_fd, (struct sockaddr *)&udp_self,
		    &sl) == -1)
			_exit(96);
		break;
	case KAD_PROC_STORE:
		/* TC opens its WAL lazily, on the first transaction */
		snprintf(path, sizeof(path), "%s/store.tch", tmpdir);
		if ((hdb = tchdbnew()) == NULL ||
		    !tchdbopen(hdb, path, HDBOWRITER | HDBOCREAT |
		    HDBOTRUNC) || !tchdbtranbegin(hdb))
			_exit(96);
		/* and a B+ tree, as kadstore keeps its index in one */
		snprintf(path, sizeof(path), "%s/store.tcb", tmpdir);
		if ((bdb = tcbdbnew()) == NULL ||
		    !tcbdbopen(bdb, path, BDBOWRITER | BDBOCREAT |
		    BDBOTRUNC) || !tcbdbtranbegin(bdb))
			_exit(96);
		break;
	case KAD_PROC_CRYPT:
		if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
			_exit(96);
		/* the new node key's file, as kadmaster opens it */
		snprintf(path, sizeof(path), "%s/node-key.tmp", tmpdir);
		if ((key_fd = open(path, O_RDWR | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0600)) == -1)
			_exit(96);
		/* past FSIZE: EFBIG rather than the default kill, to see it */
		signal(SIGXFSZ, SIG_IGN);
		break;
	default:
		_exit(96);
	}
}

static void
work_store(void)
{
	BDBCUR	*cur;
	char	*v;
	int	 i, ok, cok;

	ok = tchdbput2(hdb, "k1", "v1") && tchdbtrancommit(hdb);
	v = tchdbget2(hdb, "k1");
	rec("tc-transaction", ok && v != NULL && strcmp(v, "v1") == 0,
	    "put/commit/get: %s", tchdberrmsg(tchdbecode(hdb)));
	free(v);
	ok = tchdbtranbegin(hdb) && tchdbput2(hdb, "k2", "v2") &&
	    tchdbtrancommit(hdb);
	rec("tc-transaction2", ok, "WAL reused: %s",
	    tchdberrmsg(tchdbecode(hdb)));
	for (i = 0, ok = 1; i < 300 && ok; i++) {
		char	 key[16], val[64];

		snprintf(key, sizeof(key), "n%d", i);
		snprintf(val, sizeof(val), "value %d padded to grow the file",
		    i);
		ok = tchdbput2(hdb, key, val);
	}
	rec("tc-puts", ok && tchdbrnum(hdb) == 302, "300 puts, rnum %llu",
	    (unsigned long long)tchdbrnum(hdb));
	rec("tc-sync", tchdbsync(hdb), "tchdbsync: %s",
	    tchdberrmsg(tchdbecode(hdb)));
	for (i = 0, ok = 1; i < 300 && ok; i++) {
		char	 key[16];

		snprintf(key, sizeof(key), "b%05d", i);
		ok = tcbdbput2(bdb, key, "index entry");
	}
	ok = ok && tcbdbtrancommit(bdb);
	cur = tcbdbcurnew(bdb);
	for (i = 0, cok = tcbdbcurfirst(cur); cok; cok = tcbdbcurnext(cur))
		i++;
	tcbdbcurdel(cur);
	rec("tcb-puts", ok && i == 300 && tcbdbsync(bdb),
	    "B+ tree: 300 puts, commit, cursor saw %d, sync: %s", i,
	    tcbdberrmsg(tcbdbecode(bdb)));

	/*
	 * The shutdown path is sync and exit: tchdbclose would unlink the
	 * WAL, which the sandbox refuses, and TC 1.4.48 then writes through
	 * its already unmapped header (SIGSEGV).  The next open cleans up.
	 */
	rec("tc-exit", 1, "exit without tchdbclose");
}

static void
work_crypt(void)
{
	unsigned char	 key[32], iv[12], pt[1024], ct[1024], out[1024];
	unsigned char	 tag[16];
	EVP_CIPHER_CTX	*ctx;
	int		 ok, len, tot;

	ok = RAND_bytes(key, sizeof(key)) == 1 &&
	    RAND_bytes(iv, sizeof(iv)) == 1 && RAND_bytes(pt, sizeof(pt)) == 1;
	rec("rand-bytes", ok, "RAND_bytes");
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		rec("aes-gcm", 0, "EVP_CIPHER_CTX_new");
		return;
	}
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(ctx, ct, &len, pt, sizeof(pt)) == 1 &&
	    EVP_EncryptFinal_ex(ctx, ct + len, &tot) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, sizeof(tag),
	    tag) == 1;
	ok = ok && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key,
	    iv) == 1 &&
	    EVP_DecryptUpdate(ctx, out, &len, ct, sizeof(ct)) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof(tag),
	    tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, out + len, &tot) == 1 &&
	    memcmp(out, pt, sizeof(pt)) == 0;
	rec("aes-gcm", ok, "seal and open 1 KiB");
	tag[0] ^= 1;
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) == 1 &&
	    EVP_DecryptUpdate(ctx, out, &len, ct, sizeof(ct)) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof(tag),
	    tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, out + len, &tot) != 1;
	rec("aes-gcm-tamper", ok, "a flipped tag bit is refused");
	EVP_CIPHER_CTX_free(ctx);

	/* the node key written through a passed fd, as crypt_oracle.c does */
	memset(out, 0x6b, KADIPC_NODE_KEY_LEN + 1);
	errno = 0;
	ok = write(key_fd, out, KADIPC_NODE_KEY_LEN) == KADIPC_NODE_KEY_LEN &&
	    fsync(key_fd) == 0 &&
	    pread(key_fd, ct, KADIPC_NODE_KEY_LEN + 1, 0) ==
	    KADIPC_NODE_KEY_LEN && memcmp(ct, out, KADIPC_NODE_KEY_LEN) == 0;
	rec("key-write", ok, "68 bytes written, synced and read back: %s",
	    strerror(errno));
	errno = 0;
	len = (int)write(key_fd, out, 1);
	rec("key-fsize", len == -1 && errno == EFBIG,
	    "a 69th byte: %d, %s (FSIZE is the key's size)", len,
	    strerror(errno));
}

static void
work_net(void)
{
	struct mmsghdr	 mm[2];
	struct iovec	 iov[2];
	char		 b0[8] = "mmsg-0", b1[8] = "mmsg-1", r0[8], r1[8];
	int		 n, m, r;

	errno = 0;
	r = bind(udp_fd, (struct sockaddr *)&udp_self, sizeof(udp_self));
	rec("bind-eacces", r == -1 && errno == EACCES, "bind = %d, %s", r,
	    strerror(errno));

	memset(mm, 0, sizeof(mm));
	iov[0].iov_base = b0;
	iov[1].iov_base = b1;
	iov[0].iov_len = iov[1].iov_len = 6;
	for (n = 0; n < 2; n++) {
		mm[n].msg_hdr.msg_iov = &iov[n];
		mm[n].msg_hdr.msg_iovlen = 1;
		mm[n].msg_hdr.msg_name = &udp_self;
		mm[n].msg_hdr.msg_namelen = sizeof(udp_self);
	}
	n = sendmmsg(udp_fd, mm, 2, 0);
	memset(mm, 0, sizeof(mm));
	iov[0].iov_base = r0;
	iov[1].iov_base = r1;
	iov[0].iov_len = iov[1].iov_len = sizeof(r0);
	for (m = 0; m < 2; m++) {
		mm[m].msg_hdr.msg_iov = &iov[m];
		mm[m].msg_hdr.msg_iovlen = 1;
	}
	m = recvmmsg(udp_fd, mm, 2, MSG_DONTWAIT, NULL);
	rec("mmsg", n == 2 && m == 2 && mm[1].msg_len == 6 &&
	    memcmp(r1, "mmsg-1", 6) == 0, "sendmmsg = %d, recvmmsg = %d",
	    n, m);
}

/* The child playing `cur_proc`: sandbox, then its whole workload. */
static void
child_work(int sock)
{
	struct timeval	 tv = { 0, 20000 };
	enum kad_proc	 proc = cur_proc;

	open_proc_files();
	if ((base = event_base_new()) == NULL)
		_exit(96);
	work_before(proc);

	kad_sandbox(proc);

	/* events added after the sandbox: epoll_ctl must work */
	need = W_RTRIP | W_TIMER;
	if ((ev_sock = event_new(base, sock, EV_READ | EV_PERSIST, sock_cb,
	    NULL)) == NULL || event_add(ev_sock, NULL) == -1 ||
	    (ev_timer = evtimer_new(base, timer_cb, NULL)) == NULL ||
	    evtimer_add(ev_timer, &tv) == -1)
		_exit(95);
	if (proc == KAD_PROC_NET) {
		need |= W_UDP;
		if ((ev_udp = event_new(base, udp_fd, EV_READ | EV_PERSIST,
		    udp_cb, NULL)) == NULL || event_add(ev_udp, NULL) == -1)
			_exit(95);
	}
	if (proc == KAD_PROC_MASTER) {
		need |= W_ACCEPT | W_USR1 | W_REAP;
		if ((ev_accept = event_new(base, ctl_fd, EV_READ | EV_PERSIST,
		    accept_cb, NULL)) == NULL ||
		    event_add(ev_accept, NULL) == -1)
			_exit(95);
	}
	if (write(sock, "R", 1) != 1)
		_exit(95);
	if (event_base_dispatch(base) == -1)
		rec("loop", 0, "event_base_dispatch failed");
	rec("loop", (done & need) == need, "events done 0x%x of 0x%x", done,
	    need);

	check_sandboxed(proc);
	switch (proc) {
	case KAD_PROC_NET:
		work_net();
		break;
	case KAD_PROC_STORE:
		work_store();
		break;
	case KAD_PROC_CRYPT:
		work_crypt();
		break;
	default:
		break;
	}

	/* the teardown a worker does on shutdown, then exit(3) */
	if (ev_usr1 != NULL)
		event_free(ev_usr1);
	if (ev_chld != NULL)
		event_free(ev_chld);
	event_free(ev_sock);
	event_free(ev_timer);
	if (ev_udp != NULL)
		event_free(ev_udp);
	if (ev_accept != NULL)
		event_free(ev_accept);
	event_base_free(base);
	log_info("%s: workload done", kad_procnames[proc]);
	exit(0);
}

/* ------------------------------------------------------------------ */
/* parent side helpers */

static int
wait_readable(int fd)
{
	struct pollfd	 pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return (poll(&pfd, 1, PARENT_WAIT) == 1);
}

static void
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

static char	 kid_errbuf[16384];	/* the last child's stderr */
static size_t	 kid_errlen;

/*
 * Reap the child, CHECK every record it sent and that each name in
 * `want` (NULL-terminated) was among them; its stderr becomes TAP
 * comments.  Returns the wait status.
 */
static int
kid_wait(struct kid *k, const char *label, const char *const *want)
{
	struct rec	 recs[MAXRECS];
	char		 buf[4096], *line, *next;
	size_t		 nrec = 0, i;
	ssize_t		 n;
	int		 status, found;

	close(k->sock);
	if (waitpid(k->pid, &status, 0) == -1) {
		perror("waitpid");
		exit(2);
	}
	while (nrec < MAXRECS &&
	    (n = read(k->res, &recs[nrec], sizeof(recs[0]))) ==
	    (ssize_t)sizeof(recs[0])) {
		recs[nrec].name[sizeof(recs[nrec].name) - 1] = '\0';
		recs[nrec].info[sizeof(recs[nrec].info) - 1] = '\0';
		CHECK(recs[nrec].ok, "%s: %s: %s", label, recs[nrec].name,
		    recs[nrec].info);
		nrec++;
	}
	for (; want != NULL && *want != NULL; want++) {
		for (i = 0, found = 0; i < nrec && !found; i++)
			found = strcmp(recs[i].name, *want) == 0;
		CHECK(found, "%s: reported %s", label, *want);
	}
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
	return (status);
}

/* How the sandbox kills: SIGSYS, or the trap handler's exit status. */
static int
killed_by_sandbox(int status)
{
#ifdef KAD_SANDBOX_DEBUG
	return (WIFEXITED(status) &&
	    WEXITSTATUS(status) == KAD_SANDBOX_TRAP_EXIT);
#else
	return (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
#endif
}

static int
exited(int status, int code)
{
	return (WIFEXITED(status) && WEXITSTATUS(status) == code);
}

static void
send_fd(int sock, const char *what, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = (void *)(uintptr_t)what;
	iov.iov_len = strlen(what);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) == -1) {
		perror("sendmsg");
		exit(2);
	}
}

static int
recv_fd(int sock, char *buf, size_t len, int *fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;

	*fd = -1;
	if (!wait_readable(sock))
		return (-1);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	if ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) <= 0)
		return (-1);
	if ((cmsg = CMSG_FIRSTHDR(&msg)) != NULL &&
	    cmsg->cmsg_type == SCM_RIGHTS &&
	    cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	return ((int)n);
}

/* ------------------------------------------------------------------ */
/* the cases */

static const char *const want_common[] = {
	"fd-received", "roundtrip", "timer", "loop", "seccomp", "nonewprivs",
	"nproc", "nofile", "fsize", "open-eacces", "stat-eacces",
	"socket-eacces"
};
#define NWANT_COMMON	(sizeof(want_common) / sizeof(want_common[0]))

static void
test_workload(enum kad_proc proc)
{
	static const char *const extra[KAD_PROC_MAX][8] = {
		[KAD_PROC_MASTER] = { "ctl-accept", "signal-event", "reap" },
		[KAD_PROC_NET] = { "udp-sendto", "udp-recvfrom",
		    "bind-eacces", "mmsg" },
		[KAD_PROC_STORE] = { "tc-transaction", "tc-transaction2",
		    "tc-puts", "tc-sync", "tcb-puts", "tc-exit" },
		[KAD_PROC_CRYPT] = { "rand-bytes", "aes-gcm",
		    "aes-gcm-tamper", "key-write", "key-fsize" },
	};
	const char		*want[NWANT_COMMON + 9];
	const char		*name = kad_procnames[proc];
	struct sockaddr_un	 sun;
	struct stat		 st0, st1;
	struct kid		 k;
	char			 buf[32], path[128], label[64];
	size_t			 i, n;
	int			 p[2], fd, c, status, ok;

	for (n = 0; n < NWANT_COMMON; n++)
		want[n] = want_common[n];
	for (i = 0; i < 8 && extra[proc][i] != NULL; i++)
		want[n++] = extra[proc][i];
	want[n] = NULL;
	snprintf(label, sizeof(label), "%s workload", name);

	cur_proc = proc;
	kid_start(&k, child_work, name);
	CHECK(wait_readable(k.sock) && read(k.sock, buf, 1) == 1 &&
	    buf[0] == 'R', "%s: sandboxed and ready", label);

	/* the round trip: an fd out, "pong" and the same fd back */
	if (pipe2(p, O_CLOEXEC) == -1) {
		perror("pipe2");
		exit(2);
	}
	send_fd(k.sock, "ping", p[1]);
	n = (size_t)recv_fd(k.sock, buf, sizeof(buf), &fd);
	ok = n == 4 && memcmp(buf, "pong", 4) == 0 && fd != -1 &&
	    fstat(fd, &st0) == 0 && fstat(p[1], &st1) == 0 &&
	    st0.st_ino == st1.st_ino && st0.st_dev == st1.st_dev;
	CHECK(ok, "%s: pong came back with our fd", label);
	close(p[1]);
	if (fd != -1)
		close(fd);
	CHECK(wait_readable(p[0]) && read(p[0], buf, 6) == 6 &&
	    memcmp(buf, "via-fd", 6) == 0, "%s: child wrote through the fd",
	    label);
	close(p[0]);

	if (proc == KAD_PROC_MASTER) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/ctl.sock",
		    tmpdir);
		c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok = c != -1 && connect(c, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0 && wait_readable(c) &&
		    read(c, buf, 6) == 6 && memcmp(buf, "ctl-ok", 6) == 0;
		CHECK(ok, "%s: control client served", label);
		if (c != -1)
			close(c);
		CHECK(kill(k.pid, SIGUSR1) == 0, "%s: SIGUSR1 sent", label);
		unlink(sun.sun_path);
	}

	status = kid_wait(&k, label, want);
	CHECK(exited(status, 0), "%s: exit(0) inside the sandbox "
	    "(status 0x%x)", label, status);

	if (proc == KAD_PROC_STORE) {
		TCHDB	*h;
		TCBDB	*b;
		char	*v1, *v2;

		/* what the sandboxed store wrote is on disk */
		snprintf(path, sizeof(path), "%s/store.tch.wal", tmpdir);
		CHECK(stat(path, &st0) == 0 && st0.st_size == 0,
		    "%s: the WAL left behind is empty", label);
		snprintf(path, sizeof(path), "%s/store.tch", tmpdir);
		h = tchdbnew();
		ok = tchdbopen(h, path, HDBOWRITER);
		v1 = ok ? tchdbget2(h, "k1") : NULL;
		v2 = ok ? tchdbget2(h, "k2") : NULL;
		CHECK(ok && tchdbrnum(h) == 302 && v1 != NULL &&
		    strcmp(v1, "v1") == 0 && v2 != NULL &&
		    strcmp(v2, "v2") == 0,
		    "%s: db reopened for writing: 302 records, k1 k2 (%s)", label,
		    tchdberrmsg(tchdbecode(h)));
		free(v1);
		free(v2);
		CHECK(tchdbclose(h), "%s: the next start opens and closes it",
		    label);
		tchdbdel(h);
		snprintf(path, sizeof(path), "%s/store.tcb", tmpdir);
		b = tcbdbnew();
		CHECK(tcbdbopen(b, path, BDBOWRITER) && tcbdbrnum(b) == 300 &&
		    tcbdbclose(b), "%s: B+ tree reopened: 300 records (%s)",
		    label, tcbdberrmsg(tcbdbecode(b)));
		tcbdbdel(b);
	}
}

/*
 * Not dumpable, then killed by a forbidden call.  As root the child
 * first becomes nobody and dumpable again, so that the owner of
 * /proc/PID/status (root for a non-dumpable process) tells what
 * kad_sandbox did.
 */
static void
child_selftest(int sock)
{
	char	 c;

	if (geteuid() == 0 && (setgroups(1, &nobody_gid) == -1 ||
	    setresgid(nobody_gid, nobody_gid, nobody_gid) == -1 ||
	    setresuid(nobody_uid, nobody_uid, nobody_uid) == -1 ||
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1))
		_exit(92);
	if (cur_proc == KAD_PROC_MASTER)
		kad_sandbox_allow_kill(getpid());
	kad_sandbox(cur_proc);
	if (write(sock, "R", 1) != 1 || read(sock, &c, 1) != 1)
		_exit(91);
	kad_sandbox_selftest();
	_exit(90);
}

static void
test_selftest(enum kad_proc proc)
{
	const char	*name = kad_procnames[proc];
	struct kid	 k;
	struct stat	 st;
	char		 path[64], c;
	int		 status, ok;

	cur_proc = proc;
	kid_start(&k, child_selftest, name);
	ok = wait_readable(k.sock) && read(k.sock, &c, 1) == 1;
	CHECK(ok, "%s selftest: sandboxed", name);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)k.pid);
	CHECK(ok && stat(path, &st) == 0 && st.st_uid == 0,
	    "%s: not dumpable (%s owned by uid %d)", name, path,
	    (int)st.st_uid);
	if (write(k.sock, "G", 1) != 1)
		perror("write");
	status = kid_wait(&k, name, NULL);
	CHECK(killed_by_sandbox(status), "%s: forbidden call kills it "
	    "(status 0x%x)", name, status);
}

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

static void
test_lookup(void)
{
	struct kad_user	 u;
	int		 r;

	r = kad_privdrop_lookup("nobody", &u);
	CHECK(r == 0 && u.uid == nobody_uid && u.gid == nobody_gid &&
	    strcmp(u.name, "nobody") == 0, "lookup nobody: %d %u:%u %s", r,
	    (unsigned int)u.uid, (unsigned int)u.gid, u.name);
	r = kad_privdrop_lookup("_kad_no_such_user", &u);
	CHECK(r == 1 && u.uid == nobody_uid && strcmp(u.name, "nobody") == 0,
	    "lookup of a missing user falls back to nobody: %d %s", r,
	    u.name);
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

/* The PFC export: each process's own calls, and only those. */
static void
test_export(void)
{
	static const struct {
		enum kad_proc	 proc;
		const char	*has, *hasnot;
	} t[] = {
		{ KAD_PROC_NET, "\"recvmmsg\"", "\"pwrite64\"" },
		{ KAD_PROC_STORE, "\"pwrite64\"", "\"recvmmsg\"" },
		{ KAD_PROC_CRYPT, "\"getrandom\"", "\"pwrite64\"" },
	};
	char	 path[128], *buf;
	size_t	 i;
	ssize_t	 n;
	int	 fd, r;

	if ((buf = malloc(1 << 16)) == NULL)
		exit(2);
	snprintf(path, sizeof(path), "%s/export.pfc", tmpdir);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1)
			exit(2);
		r = kad_sandbox_export(t[i].proc, fd);
		n = pread(fd, buf, (1 << 16) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
		CHECK(r == 0 && strstr(buf, "pseudo filter code start") !=
		    NULL && strstr(buf, t[i].has) != NULL &&
		    strstr(buf, t[i].hasnot) == NULL, "export %s: has %s, "
		    "not %s", kad_procnames[t[i].proc], t[i].has,
		    t[i].hasnot);
	}
	unlink(path);
	free(buf);
}

/* -x PROC: the filter as PFC text, for docs/seccomp (pfc.sh). */
static int
export_main(const char *arg)
{
	const struct scmp_version	*ver;
	enum kad_proc			 p;

	for (p = KAD_PROC_MASTER; p < KAD_PROC_CTL; p++)
		if (strcmp(arg, kad_procnames[p]) == 0)
			break;
	if (p == KAD_PROC_CTL) {
		fprintf(stderr, "usage: test_sandbox -x kadmaster|kadnet|"
		    "kadstore|kadcrypt\n");
		return (2);
	}
#if defined(KAD_SANITIZER) || defined(KAD_SANDBOX_DEBUG)
	/* not the release filter: nothing to compare */
	return (77);
#endif
	ver = seccomp_version();
	printf("#\n# docs/seccomp/%s.pfc: the seccomp filter of %s, from\n"
	    "# libkadipc/sandbox_linux.c.  Regenerate with\n"
	    "#   KAD_PFC_UPDATE=1 KAD_BIN=build/test sh tests/sandbox/pfc.sh\n"
	    "# built with: libseccomp %u.%u.%u\n", kad_procnames[p],
	    kad_procnames[p], ver->major, ver->minor, ver->micro);
	if (p == KAD_PROC_MASTER) {
		printf("# kill(2) targets 101, 102, 103 stand for the worker "
		    "pids\n# given to kad_sandbox_allow_kill().\n");
		kad_sandbox_allow_kill(101);
		kad_sandbox_allow_kill(102);
		kad_sandbox_allow_kill(103);
	}
	fflush(stdout);
	if (kad_sandbox_export(p, STDOUT_FILENO) == -1) {
		perror("kad_sandbox_export");
		return (1);
	}
	return (0);
}

/* -n NR...: system call numbers to names, for tests/sandbox/discover. */
static int
names_main(int argc, char *argv[])
{
	const char	*err;
	char		*name;
	int		 i, nr;

	for (i = 0; i < argc; i++) {
		nr = (int)strtonum(argv[i], 0, 4095, &err);
		if (err != NULL) {
			fprintf(stderr, "%s: %s\n", argv[i], err);
			return (2);
		}
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		printf("%d %s\n", nr, name != NULL ? name : "?");
		free(name);
	}
	return (0);
}

int
main(int argc, char *argv[])
{
	static const enum kad_proc procs[] = { KAD_PROC_MASTER, KAD_PROC_NET,
	    KAD_PROC_STORE, KAD_PROC_CRYPT };
	struct passwd	*pw;
	char		 path[128];
	size_t		 i;
	int		 sandbox_ok;

	log_init(1, LOG_DAEMON);
	log_procinit("test_sandbox");
	if (argc == 3 && strcmp(argv[1], "-x") == 0)
		return (export_main(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "-n") == 0)
		return (names_main(argc - 2, argv + 2));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((pw = getpwnam("nobody")) == NULL) {
		printf("not ok - no user nobody\n");
		return (1);
	}
	nobody_uid = pw->pw_uid;
	nobody_gid = pw->pw_gid;
	ctl_uid = geteuid();	/* the control client is this process */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kad-sandbox.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	printf("# running as uid %d in %s\n", (int)geteuid(), tmpdir);

	/*
	 * valgrind does not know seccomp(2) and makes system calls of its
	 * own that no filter has: only what needs no filter runs under it.
	 */
	sandbox_ok = !RUNNING_ON_VALGRIND;
	test_lookup();
	test_privdrop(sandbox_ok);
	if (!sandbox_ok)
		printf("# skip: seccomp and Landlock under valgrind\n");
	else {
		test_export();
		for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
			test_workload(procs[i]);
			test_selftest(procs[i]);
		}
		test_master_kill();
		test_logmode();
		test_stderr_file();
		test_landlock();
#ifdef KAD_SANITIZER
		test_asan_report();
#endif
	}

	snprintf(path, sizeof(path), "%s/store.tch", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.tch.wal", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.tcb", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.tcb.wal", tmpdir);
	unlink(path);
	if (rmdir(tmpdir) == -1)
		printf("# could not remove %s: %s\n", tmpdir, strerror(errno));
	return (test_done());
}
