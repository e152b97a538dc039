/* SPDX-License-Identifier: ISC */
/*
 * The per-process sandboxes (libkadipc/sandbox_linux.c).  For each of
 * master, net, store and crypt, in a forked child (sandbox_kid.c): the
 * sandbox is on (Seccomp 2, no new privileges, rlimits, not dumpable),
 * the process's real workload still works (libevent loop, an IPC round
 * trip passing an fd with SCM_RIGHTS, a timer, plus Tokyo Cabinet /
 * OpenSSL and the Reed-Solomon codec (ISA-L) / UDP / control socket,
 * signals and reaping), open() fails
 * with EACCES, and a forbidden call kills it with SIGSYS; and the PFC
 * export of each filter.  The other modes (discovery, Landlock alone,
 * stderr to a file, the master's kill) are in test_sandbox_modes.c,
 * the privilege drop in test_privdrop.c.
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

#include "kadcrypt/erasure.h"
#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "sandbox.h"
#include "sandbox_kid.h"
#include "../test.h"

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
static int			 get_fd = -1;	/* crypt: as XFER_SINK's */
static int			 pipe_fd[2] = { -1, -1 };	/* crypt */
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
		/* a get's partial file and a put's pipe, as kadctl passes */
		snprintf(path, sizeof(path), "%s/get.out", tmpdir);
		if ((get_fd = open(path, O_RDWR | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0600)) == -1 || pipe2(pipe_fd, O_CLOEXEC) == -1)
			_exit(96);
		/* past a FSIZE: EFBIG rather than the default kill, to see it */
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

/*
 * The stripes' codec in kadcrypt's sandbox: ISA-L picks its code by
 * cpuid on first use and must need no system call for it, nor to code.
 */
static void
work_crypt_rs(void)
{
	static uint8_t	 blk[12][1024], got[4][1024];
	const uint8_t	*data[8], *src[8];
	uint8_t		*parity[4], *out[4];
	unsigned	 idx[8] = { 2, 3, 4, 5, 8, 9, 10, 11 };
	unsigned	 want[4] = { 0, 1, 6, 7 }, i;
	struct ec	*ec;
	int		 ok;

	if ((ec = ec_new(8, 4)) == NULL) {
		rec("rs-code", 0, "ec_new: %s", strerror(errno));
		return;
	}
	for (i = 0; i < 12; i++) {
		if (i < 8) {
			arc4random_buf(blk[i], sizeof(blk[i]));
			data[i] = blk[i];
			src[i] = blk[idx[i]];
		} else
			parity[i - 8] = blk[i];
		if (i < 4)
			out[i] = got[i];
	}
	ec_encode(ec, sizeof(blk[0]), data, parity);
	ok = ec_decode(ec, sizeof(blk[0]), idx, src, 4, want, out) == 0;
	for (i = 0; ok && i < 4; i++)
		ok = memcmp(got[i], blk[want[i]], sizeof(got[i])) == 0;
	ec_free(ec);
	rec("rs-code", ok, "8+4 stripe coded, 4 data blocks rebuilt");
}

/*
 * What kadcrypt does with the fds of puts and gets: a file far longer
 * than a node key written (no FSIZE), a pipe made non-blocking, filled
 * to EAGAIN and read back, its flags put back.
 */
static void
work_crypt_files(void)
{
	struct stat	 st;
	char		 buf[4096];
	size_t		 n = 0;
	ssize_t		 r;
	int		 i, ok, fl;

	memset(buf, 0x6b, sizeof(buf));
	for (i = 0, ok = 1; i < 256 && ok; i++)
		ok = write(get_fd, buf, sizeof(buf)) == sizeof(buf);
	ok = ok && fstat(get_fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == 256 * (off_t)sizeof(buf);
	rec("file-write", ok, "1 MiB written through a passed fd: %s",
	    strerror(errno));
	fl = fcntl(pipe_fd[1], F_GETFL);
	ok = fl != -1 && fstat(pipe_fd[1], &st) == 0 && S_ISFIFO(st.st_mode) &&
	    fcntl(pipe_fd[1], F_SETFL, fl | O_NONBLOCK) == 0 &&
	    fcntl(pipe_fd[0], F_SETFL, O_NONBLOCK) == 0;
	while (ok && (r = write(pipe_fd[1], buf, sizeof(buf))) > 0)
		n += (size_t)r;
	ok = ok && errno == EAGAIN && n > 0;
	while (ok && n > 0 && (r = read(pipe_fd[0], buf, sizeof(buf))) > 0)
		n -= (size_t)r;
	ok = ok && n == 0 && fcntl(pipe_fd[1], F_SETFL, fl) == 0;
	rec("pipe-nonblock", ok, "a pipe made non-blocking, filled to EAGAIN, "
	    "drained, its flags put back");
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
	work_crypt_files();
	work_crypt_rs();
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

/* The round trip: an fd out, "pong" and the same fd back. */
static void
workload_roundtrip(struct kid *k, const char *label)
{
	struct stat	 st0, st1;
	char		 buf[32];
	size_t		 n;
	int		 p[2], fd, ok;

	if (pipe2(p, O_CLOEXEC) == -1) {
		perror("pipe2");
		exit(2);
	}
	send_fd(k->sock, "ping", p[1]);
	n = (size_t)recv_fd(k->sock, buf, sizeof(buf), &fd);
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
}

/* The master's control client. */
static void
workload_ctl(struct kid *k, const char *label)
{
	struct sockaddr_un	 sun;
	char			 buf[32];
	int			 c, ok;

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
	CHECK(kill(k->pid, SIGUSR1) == 0, "%s: SIGUSR1 sent", label);
	unlink(sun.sun_path);
}

/* What the sandboxed store wrote is on disk. */
static void
workload_store_disk(const char *label)
{
	struct stat	 st0;
	TCHDB		*h;
	TCBDB		*b;
	char		 path[128], *v1, *v2;
	int		 ok;

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
		    "aes-gcm-tamper", "key-write", "file-write",
		    "pipe-nonblock", "rs-code" },
	};
	const char		*want[NWANT_COMMON + 9];
	const char		*name = kad_procnames[proc];
	struct kid		 k;
	char			 buf[32], label[64];
	size_t			 i, n;
	int			 status;

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
	workload_roundtrip(&k, label);
	if (proc == KAD_PROC_MASTER)
		workload_ctl(&k, label);

	status = kid_wait(&k, label, want);
	CHECK(exited(status, 0), "%s: exit(0) inside the sandbox "
	    "(status 0x%x)", label, status);

	if (proc == KAD_PROC_STORE)
		workload_store_disk(label);
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
	char		 path[128];
	size_t		 i;

	log_init(1, LOG_DAEMON);
	log_procinit("test_sandbox");
	if (argc == 3 && strcmp(argv[1], "-x") == 0)
		return (export_main(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "-n") == 0)
		return (names_main(argc - 2, argv + 2));
	if (kid_init("test_sandbox") == -1)
		return (1);
	ctl_uid = geteuid();	/* the control client is this process */

	/*
	 * valgrind does not know seccomp(2) and makes system calls of its
	 * own that no filter has: nothing here runs under it.
	 */
	if (RUNNING_ON_VALGRIND)
		printf("# skip: seccomp and Landlock under valgrind\n");
	else {
		test_export();
		for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
			test_workload(procs[i]);
			test_selftest(procs[i]);
		}
	}

	snprintf(path, sizeof(path), "%s/store.tch", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.tch.wal", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.tcb", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.tcb.wal", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/node-key.tmp", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/get.out", tmpdir);
	unlink(path);
	kid_done();
	return (test_done());
}
