/* SPDX-License-Identifier: ISC */
/*
 * The control socket: kadctl's way in.  A UNIX stream socket, mode 0600
 * (0660 with a group), speaking libkadipc.  A file transfer's bytes never
 * come here: the client passes the file's fd (the file to put with
 * XFER_PUT_BEGIN, the one a get writes with XFER_SINK), which goes on to
 * kadcrypt at once and is closed here as soon as it is sent; kadcrypt
 * reads or writes it itself.  What the master relays are the small
 * messages around it: names, links, progress, errors.
 *
 * A control client is not trusted either: a bad request gets CTL_ERROR
 * or its connection closed, never a fatal (smtpd's rule).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <bsd/string.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kadmaster.h"
#include "log.h"

#define CTL_MAX_CONNS	64
#define CTL_HIGH	(4 * 1024 * 1024)
#define CTL_LOW		(1 * 1024 * 1024)

enum conn_state {
	CONN_IDLE, CONN_STATUS, CONN_PUT, CONN_GET, CONN_UNPIN,
	CONN_PEERS, CONN_LS, CONN_FIND, CONN_BOOT
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct kadipc_chan	*ch;
	uint32_t		 id;
	enum conn_state		 state;
	int			 sink;		/* get: its fd went on */
	int			 need[KAD_PROC_MAX];	/* status replies */
};

static TAILQ_HEAD(, ctl_conn) conns = TAILQ_HEAD_INITIALIZER(conns);
static int		 nconns;
static uint32_t		 next_id = 1;
static int		 ctl_fd = -1;
static struct event	*ev_accept, *ev_accept_again;
static uid_t		 allowed_uid, master_euid;
static const struct master_conf *cconf;

/* kadnet answers peers requests in order: the clients waiting, in order */
static uint32_t		 peers_wait[CTL_MAX_CONNS];
static int		 npeers_wait;

/*
 * The bootstrap requests kadnet has not answered yet, under the id of
 * the connection that asked (a fresh one per request); an entry stays
 * until kadnet answers, when the client may have gone already.
 */
static struct {
	uint32_t		 req;
	struct kadipc_sockaddr	 addr;
} boot_wait[KADIPC_BOOT_MAX];
static int		 nboot_wait;

/*
 * The socket's directory must not let others replace the socket (with a
 * link to a file we would then chown): not writable by group or others,
 * unless sticky, as /tmp is.  The default, inside the 0700 datadir, is.
 */
static void
control_dir_check(const char *path)
{
	char		 dir[PATH_MAX], *slash;
	struct stat	 st;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		fatalx("control socket path too long: %s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) == -1)
		fatal("control socket directory %s", dir);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (st.st_mode & S_ISVTX) == 0)
		fatalx("control socket directory %s is writable by others: "
		    "choose another place for the socket", dir);
}

void
control_init(const struct master_conf *c)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	struct passwd		*pw;
	struct group		*gr;
	mode_t			 old;
	uid_t			 uid = geteuid();
	gid_t			 gid = getegid();

	cconf = c;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, c->control, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("control socket path too long: %s", c->control);
	if (c->user[0] != '\0') {
		if ((pw = getpwnam(c->user)) == NULL)
			fatalx("user %s: no such user", c->user);
		uid = pw->pw_uid;
	}
	if (c->group[0] != '\0') {
		if ((gr = getgrnam(c->group)) == NULL)
			fatalx("group %s: no such group", c->group);
		gid = gr->gr_gid;
	}
	allowed_uid = uid;
	master_euid = geteuid();	/* no geteuid() under the sandbox */
	control_dir_check(c->control);
	/* a stale socket from an earlier run; anything else stays */
	if (lstat(c->control, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s exists and is not a socket", c->control);
		if (unlink(c->control) == -1)
			fatal("unlink %s", c->control);
	}
	if ((ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	/*
	 * The mode comes from the umask at bind, and the owner is set
	 * without following links: if the directory is writable by others
	 * and the socket is swapped for a symlink meanwhile, neither call
	 * touches the link's target, and the check below refuses to go on.
	 */
	old = umask(c->group[0] != '\0' ? 0117 : 0177);
	if (bind(ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", c->control);
	umask(old);
	if (geteuid() == 0 && fchownat(AT_FDCWD, c->control, uid, gid,
	    AT_SYMLINK_NOFOLLOW) == -1)
		fatal("chown %s", c->control);
	if (lstat(c->control, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx("%s: no longer our socket", c->control);
	if (listen(ctl_fd, 16) == -1)
		fatal("listen");
}

void
control_cleanup(void)
{
	/* the master's sandbox has no unlink: the next start removes it */
}

/*
 * Every transfer gets a fresh id, so late replies to a failed one can
 * never be taken for the next transfer on the same connection.
 */
static void
conn_new_xfer(struct ctl_conn *c)
{
	if ((c->id = next_id++) == 0)
		c->id = next_id++;
}

static struct ctl_conn *
conn_find(uint32_t id)
{
	struct ctl_conn	*c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->id == id)
			return (c);
	return (NULL);
}

static void
conn_free(struct ctl_conn *c)
{
	switch (c->state) {
	case CONN_PUT:
	case CONN_GET:
	case CONN_UNPIN:
	case CONN_LS:
	case CONN_FIND:
		master_send(KAD_PROC_CRYPT, KADIPC_XFER_ABORT, c->id, -1,
		    NULL, 0);
		break;
	default:
		break;
	}
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	/* a client dropped for a bad request gets its last word, if it can */
	(void)kadipc_flush(c->ch);
	kadipc_chan_free(c->ch);
	free(c);
	if (ev_accept != NULL && nconns == CTL_MAX_CONNS - 1)
		event_add(ev_accept, NULL);
}

static void
conn_error(struct ctl_conn *c, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
conn_error(struct ctl_conn *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)kadipc_vsend_error(c->ch, KADIPC_CTL_ERROR, 0, NULL, fmt, ap);
	va_end(ap);
}

static void
conn_text(struct ctl_conn *c, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
conn_text(struct ctl_conn *c, const char *fmt, ...)
{
	char	 buf[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		kadipc_compose(c->ch, KADIPC_CTL_TEXT, 0, -1, buf,
		    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void
status_reply(struct ctl_conn *c)
{
	const struct kadipc_sockaddr	*bound;
	char				 hex[2 * KADIPC_KEY_LEN + 1];
	char				 addr[64];
	uint64_t			 in, out;
	int				 p, i, nbound;

	for (i = 0; i < KADIPC_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", ident.id[i]);
	conn_text(c, "node-id: %s\n", hex);
	for (i = 0; i < KADIPC_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", ident.pub[i]);
	conn_text(c, "node-key: %s\n", hex);
	/* what the sockets are bound to; peers learn the first one's port */
	nbound = master_bound(&bound);
	if (nbound > 0)
		conn_text(c, "port: %u\n", bound[0].port);
	for (i = 0; i < nbound; i++) {
		master_addr_str(&bound[i], addr, sizeof(addr));
		conn_text(c, "listen: %s\n", addr);
	}
	conn_text(c, "uptime: %lld\n", (long long)(time(NULL) - started));
	conn_text(c, "pid-%s: %d\n", kad_procnames[KAD_PROC_MASTER],
	    (int)getpid());
	for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
		conn_text(c, "pid-%s: %d\n", kad_procnames[p],
		    (int)workers[p].pid);
	/* what crossed the master's channels: no file's bytes */
	kadipc_bytes(&in, &out);
	conn_text(c, "master-bytes-read: %" PRIu64 "\n", in);
	conn_text(c, "master-bytes-written: %" PRIu64 "\n", out);
	for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
		for (i = 0; i < workers[p].nstats; i++)
			conn_text(c, "%s: %" PRIu64 "\n",
			    workers[p].stats[i].name,
			    workers[p].stats[i].value);
	kadipc_compose(c->ch, KADIPC_CTL_END, 0, -1, NULL, 0);
	c->state = CONN_IDLE;
}

void
control_worker_stats(enum kad_proc proc)
{
	struct ctl_conn	*c;
	int		 p, done;

	(void)proc;
	TAILQ_FOREACH(c, &conns, entry) {
		if (c->state != CONN_STATUS)
			continue;
		done = 1;
		for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++)
			if (workers[p].stats_replies < c->need[p])
				done = 0;
		if (done)
			status_reply(c);
	}
}

/*
 * The control requests, one handler each.  A handler returns 0 when it
 * took the request (answering it, or with CTL_ERROR for a bad one), -1
 * when the request is not allowed in the connection's state: the client
 * is then told so and dropped.
 */
static int
ctl_status(struct ctl_conn *c, struct kadipc_msg *m)
{
	int	 p;

	(void)m;
	if (c->state != CONN_IDLE)
		return (-1);
	c->state = CONN_STATUS;
	for (p = KAD_PROC_NET; p <= KAD_PROC_CRYPT; p++) {
		c->need[p] = workers[p].stats_replies + 1;
		master_send(p, KADIPC_STATS_REQ, 0, -1, NULL, 0);
	}
	return (0);
}

/*
 * The client's fd in m, on to kadcrypt for transfer c->id: the channel
 * made sure it came with the message, and it leaves with the forwarded
 * one (the channel closes our copy once it is sent).  -1 if kadcrypt
 * is gone.
 */
static int
forward_fd(struct ctl_conn *c, struct kadipc_msg *m, const void *data,
    size_t len)
{
	int	 fd = m->fd;

	m->fd = -1;
	if (fd == -1)
		fatalx("%s: %s without its fd", __func__,
		    kadipc_type_name(m->hdr.type));
	return (master_send(KAD_PROC_CRYPT, m->hdr.type, c->id, fd, data,
	    len));
}

/* A put: the name, and the fd of the file kadcrypt reads. */
static int
ctl_put_begin(struct ctl_conn *c, struct kadipc_msg *m)
{
	struct kadipc_xfer_begin xb;

	if (c->state != CONN_IDLE)
		return (-1);
	if (kadipc_recv_xfer_begin(m, &xb) == -1 || xb.name[0] == '\0') {
		conn_error(c, "bad file name");
		return (0);
	}
	c->state = CONN_PUT;
	conn_new_xfer(c);
	(void)forward_fd(c, m, &xb, sizeof(xb));
	return (0);
}

/* A get's sink: once, while the get runs. */
static int
ctl_sink(struct ctl_conn *c, struct kadipc_msg *m)
{
	if (c->state != CONN_GET || c->sink || kadipc_recv_empty(m) == -1)
		return (-1);
	c->sink = 1;
	(void)forward_fd(c, m, NULL, 0);
	return (0);
}

/* XFER_UNPIN and XFER_RM: a link for kadcrypt (CONN_UNPIN for both) */
static int
ctl_link(struct ctl_conn *c, struct kadipc_msg *m)
{
	struct kadipc_link	 l;

	if (c->state != CONN_IDLE)
		return (-1);
	if (kadipc_recv_link(m, &l) == -1 || l.link[0] == '\0') {
		conn_error(c, "malformed link");
		return (0);
	}
	c->state = CONN_UNPIN;
	conn_new_xfer(c);
	master_send(KAD_PROC_CRYPT, m->hdr.type, c->id, -1, &l, sizeof(l));
	return (0);
}

/*
 * kadnet pings the address and answers when it has answered over a
 * session, or when KADIPC_BOOT_WAIT_MS have passed (control_bootstrap_res);
 * the client waits in CONN_BOOT.
 */
static int
ctl_get(struct ctl_conn *c, struct kadipc_msg *m)
{
	struct kadipc_xfer_get	 g;

	if (c->state != CONN_IDLE)
		return (-1);
	if (kadipc_recv_xfer_get(m, &g) == -1 || g.link[0] == '\0') {
		conn_error(c, "malformed link");
		return (0);
	}
	c->state = CONN_GET;
	c->sink = 0;
	conn_new_xfer(c);
	master_send(KAD_PROC_CRYPT, m->hdr.type, c->id, -1, &g, sizeof(g));
	return (0);
}

/* XFER_LS and XFER_FIND: answered from kadcrypt's list */
static int
ctl_list(struct ctl_conn *c, struct kadipc_msg *m)
{
	struct kadipc_xfer_find	 f;

	if (c->state != CONN_IDLE)
		return (-1);
	if (m->hdr.type == KADIPC_XFER_FIND) {
		if (kadipc_recv_xfer_find(m, &f) == -1)
			return (-1);
		c->state = CONN_FIND;
		conn_new_xfer(c);
		master_send(KAD_PROC_CRYPT, m->hdr.type, c->id, -1, &f,
		    sizeof(f));
		return (0);
	}
	if (kadipc_recv_empty(m) == -1)
		return (-1);
	c->state = CONN_LS;
	conn_new_xfer(c);
	master_send(KAD_PROC_CRYPT, m->hdr.type, c->id, -1, NULL, 0);
	return (0);
}

static int
ctl_bootstrap(struct ctl_conn *c, struct kadipc_msg *m)
{
	struct kadipc_text	 t;
	struct kadipc_sockaddr	 sa;
	struct kad_addr		 a;

	if (c->state != CONN_IDLE)
		return (-1);
	if (kadipc_recv_text(m, &t) == -1 || t.text[0] == '\0' ||
	    parse_hostport(t.text, 0, &a) == -1 ||
	    strchr(t.text, ':') == NULL) {
		conn_error(c, "bad address (want ADDR:PORT or [ADDR6]:PORT)");
		return (0);
	}
	master_sockaddr(&a, &sa);
	if (sa.port == 0) {
		conn_error(c, "bad address: no port");
		return (0);
	}
	if (nboot_wait == KADIPC_BOOT_MAX) {
		conn_error(c, "bootstrap: %d requests are waiting already; "
		    "try again", KADIPC_BOOT_MAX);
		return (0);
	}
	conn_new_xfer(c);
	if (master_bootstrap(c->id, &sa) == -1) {
		conn_error(c, "bootstrap: kadnet is not running");
		return (0);
	}
	boot_wait[nboot_wait].req = c->id;
	boot_wait[nboot_wait++].addr = sa;
	c->state = CONN_BOOT;
	return (0);
}

static int
ctl_peers(struct ctl_conn *c, struct kadipc_msg *m)
{
	(void)m;
	if (c->state != CONN_IDLE || npeers_wait == CTL_MAX_CONNS)
		return (-1);
	c->state = CONN_PEERS;
	peers_wait[npeers_wait++] = c->id;
	master_send(KAD_PROC_NET, KADIPC_NET_PEERS_REQ, 0, -1, NULL, 0);
	return (0);
}

static int
ctl_test_sandbox(struct ctl_conn *c, struct kadipc_msg *m)
{
#ifdef KAD_TEST_HOOKS
	uint32_t	 p;

	if (kadipc_recv_ctl_test_sandbox(m, &p) == -1) {
		conn_error(c, "bad process");
		return (0);
	}
	log_warnx("test hook: asking %s for a forbidden system call",
	    kad_procnames[p]);
	master_send(p, KADIPC_TEST_SANDBOX, 0, -1, NULL, 0);
	kadipc_compose(c->ch, KADIPC_CTL_END, 0, -1, NULL, 0);
#else
	(void)m;
	conn_error(c, "not a test build");
#endif
	return (0);
}

/* Test builds: kadnet asks kadcrypt's oracle, as its handshakes would. */
static int
ctl_test_dh(struct ctl_conn *c, struct kadipc_msg *m)
{
#ifdef KAD_TEST_HOOKS
	struct kadipc_test_dh	 t;

	if (kadipc_recv_test_dh(m, &t) == -1) {
		conn_error(c, "bad CTL_TEST_DH");
		return (0);
	}
	master_send(KAD_PROC_NET, KADIPC_NET_TEST_DH, 0, -1, &t, sizeof(t));
	kadipc_compose(c->ch, KADIPC_CTL_END, 0, -1, NULL, 0);
#else
	(void)m;
	conn_error(c, "not a test build");
#endif
	return (0);
}

static const struct {
	uint32_t	  type;
	int		(*fn)(struct ctl_conn *, struct kadipc_msg *);
} ctl_handlers[] = {
	{ KADIPC_CTL_STATUS, ctl_status },
	{ KADIPC_XFER_PUT_BEGIN, ctl_put_begin },
	{ KADIPC_XFER_GET_BEGIN, ctl_get },
	{ KADIPC_XFER_SINK, ctl_sink },
	{ KADIPC_XFER_UNPIN, ctl_link },
	{ KADIPC_XFER_RM, ctl_link },
	{ KADIPC_XFER_LS, ctl_list },
	{ KADIPC_XFER_FIND, ctl_list },
	{ KADIPC_CTL_BOOTSTRAP, ctl_bootstrap },
	{ KADIPC_CTL_PEERS, ctl_peers },
	{ KADIPC_CTL_TEST_SANDBOX, ctl_test_sandbox },
	{ KADIPC_CTL_TEST_DH, ctl_test_dh },
};

static void
control_dispatch_ctl(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct ctl_conn	*c = arg;
	size_t		 i;

	(void)ch;
	for (i = 0; i < nitems(ctl_handlers); i++)
		if (ctl_handlers[i].type == m->hdr.type)
			break;
	if (i < nitems(ctl_handlers) && ctl_handlers[i].fn(c, m) == 0)
		return;
	log_warnx("control: %s not allowed now; closing the client",
	    kadipc_type_name(m->hdr.type));
	conn_error(c, "request not allowed in this state");
	kadipc_chan_close(c->ch);
}

static void
control_conn_dead(struct kadipc_chan *ch, void *arg)
{
	(void)ch;
	conn_free(arg);
}

static void
control_conn_wmark(struct kadipc_chan *ch, int above, void *arg)
{
	struct ctl_conn		*c = arg;

	(void)ch;
	/* a client that does not read its answers stops being read */
	kadipc_pause_read(c->ch, above);
}

/* kadnet's answer to the oldest peers request: relay it. */
void
control_peers(struct kadipc_msg *m)
{
	struct ctl_conn	*c;
	const uint8_t	*data;
	size_t		 len;

	if (npeers_wait == 0) {
		log_warnx("kadnet: %s nobody asked for",
		    kadipc_type_name(m->hdr.type));
		master_shutdown(1);
		return;
	}
	c = conn_find(peers_wait[0]);
	if (m->hdr.type == KADIPC_NET_PEERS_END) {
		memmove(peers_wait, peers_wait + 1,
		    --npeers_wait * sizeof(peers_wait[0]));
		if (c != NULL) {
			c->state = CONN_IDLE;
			kadipc_compose(c->ch, KADIPC_CTL_END, 0, -1, NULL, 0);
		}
		return;
	}
	if (kadipc_recv_bytes(m, &data, &len) == -1) {
		log_warnx("kadnet: bad NET_PEERS");
		master_shutdown(1);
		return;
	}
	if (c != NULL)
		kadipc_compose(c->ch, KADIPC_CTL_TEXT, 0, -1, data, len);
}

/*
 * kadnet's answer to a bootstrap request: for the client that asked, if
 * it is still there.  An answer to no request is kadnet breaking the
 * protocol.
 */
void
control_bootstrap_res(struct kadipc_msg *m)
{
	struct kadipc_net_bootstrap_res	 r;
	struct kadipc_sockaddr		 sa;
	struct ctl_conn			*c;
	char				 addr[64], hex[2 * KADIPC_KEY_LEN + 1];
	int				 i;

	if (kadipc_recv_net_bootstrap_res(m, &r) == -1) {
		log_warnx("kadnet: bad NET_BOOTSTRAP_RES");
		master_shutdown(1);
		return;
	}
	for (i = 0; i < nboot_wait; i++)
		if (boot_wait[i].req == r.req)
			break;
	if (i == nboot_wait) {
		log_warnx("kadnet: NET_BOOTSTRAP_RES for no request (%u)",
		    r.req);
		master_shutdown(1);
		return;
	}
	sa = boot_wait[i].addr;
	boot_wait[i] = boot_wait[--nboot_wait];
	if ((c = conn_find(r.req)) == NULL || c->state != CONN_BOOT)
		return;		/* the client left */
	c->state = CONN_IDLE;
	master_addr_str(&sa, addr, sizeof(addr));
	switch (r.status) {
	case KADIPC_BOOT_ANSWERED:
		for (i = 0; i < KADIPC_KEY_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", r.id[i]);
		conn_text(c, "bootstrap: %s answered (node %s)\n", addr, hex);
		kadipc_compose(c->ch, KADIPC_CTL_END, 0, -1, NULL, 0);
		break;
	case KADIPC_BOOT_TIMEOUT:
		conn_error(c, "bootstrap: no answer from %s within %d s", addr,
		    KADIPC_BOOT_WAIT_MS / 1000);
		break;
	case KADIPC_BOOT_REFUSED:
		conn_error(c, "bootstrap: %s is not an address this node "
		    "talks to (no socket of its family, or a martian)", addr);
		break;
	default:
		conn_error(c, "bootstrap: kadnet is busy; try again");
		break;
	}
}

/* kadcrypt's answer to a transfer, checked, for the client. */
static int
relay_to_client(struct ctl_conn *c, struct kadipc_msg *m)
{
	struct kadipc_link	 l;
	struct kadipc_xfer_meta	 meta;
	struct kadipc_text	 t;
	struct kadipc_list_entry e;
	struct kadipc_key	 k;
	struct kadipc_u64	 u;

	switch (m->hdr.type) {
	case KADIPC_XFER_ACK:
		if (kadipc_recv_xfer_ack(m, &u.value) == -1)
			return (-1);
		(void)kadipc_compose(c->ch, m->hdr.type, 0, -1, &u, sizeof(u));
		return (0);
	case KADIPC_XFER_ENTRY:
		if (kadipc_recv_list_entry(m, &e) == -1)
			return (-1);
		(void)kadipc_compose(c->ch, m->hdr.type, 0, -1, &e, sizeof(e));
		explicit_bzero(&e, sizeof(e));
		return (0);
	case KADIPC_XFER_PREFIX:
		if (kadipc_recv_hash(m, k.key) == -1)
			return (-1);
		(void)kadipc_compose(c->ch, m->hdr.type, 0, -1, &k, sizeof(k));
		return (0);
	case KADIPC_XFER_LINK:
		if (kadipc_recv_link(m, &l) == -1)
			return (-1);
		(void)kadipc_compose(c->ch, m->hdr.type, 0, -1, &l, sizeof(l));
		return (0);
	case KADIPC_XFER_META:
		if (kadipc_recv_xfer_meta(m, &meta) == -1)
			return (-1);
		(void)kadipc_compose(c->ch, m->hdr.type, 0, -1, &meta,
		    sizeof(meta));
		return (0);
	case KADIPC_XFER_ERROR:
	case KADIPC_XFER_INFO:
		if (kadipc_recv_text(m, &t) == -1)
			return (-1);
		(void)kadipc_compose(c->ch, m->hdr.type, 0, -1, &t, sizeof(t));
		return (0);
	case KADIPC_XFER_DONE:
		if (kadipc_recv_empty(m) == -1)
			return (-1);
		(void)kadipc_compose(c->ch, m->hdr.type, 0, -1, NULL, 0);
		return (0);
	}
	return (-1);
}

/* Messages from kadcrypt about a transfer; peerid names the client. */
void
control_dispatch_crypt(struct kadipc_msg *m)
{
	struct ctl_conn	*c;

	if ((c = conn_find(m->hdr.peerid)) == NULL)
		return;		/* the client left; kadcrypt got XFER_ABORT */
	switch (m->hdr.type) {
	case KADIPC_XFER_ACK:
		/* progress: bytes stored or written, for the client's bar */
		if (c->state != CONN_PUT && c->state != CONN_GET)
			goto bad;
		break;
	case KADIPC_XFER_LINK:
		if (c->state != CONN_PUT && c->state != CONN_FIND)
			goto bad;
		c->state = CONN_IDLE;
		break;
	case KADIPC_XFER_META:
	case KADIPC_XFER_PREFIX:
		if (c->state != CONN_GET)
			goto bad;
		break;
	case KADIPC_XFER_ENTRY:
		if (c->state != CONN_LS)
			goto bad;
		break;
	case KADIPC_XFER_INFO:
		/* a put's: chunks still being placed, or kept for migration */
		if (c->state != CONN_UNPIN && c->state != CONN_GET &&
		    c->state != CONN_PUT)
			goto bad;
		break;
	case KADIPC_XFER_DONE:
		if (c->state != CONN_GET && c->state != CONN_UNPIN &&
		    c->state != CONN_LS && c->state != CONN_FIND)
			goto bad;
		c->state = CONN_IDLE;
		break;
	case KADIPC_XFER_ERROR:
		if (c->state == CONN_IDLE || c->state == CONN_STATUS ||
		    c->state == CONN_PEERS || c->state == CONN_BOOT)
			goto bad;
		c->state = CONN_IDLE;
		break;
	default:
		goto bad;
	}
	if (relay_to_client(c, m) == 0)
		return;
bad:
	log_warnx("kadcrypt: %s out of state for client %u",
	    kadipc_type_name(m->hdr.type), c->id);
	master_shutdown(1);
}

static void
control_accept(evutil_socket_t fd, short ev, void *arg)
{
	struct event_base	*base = arg;
	struct ctl_conn		*c;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	int			 s;

	(void)ev;
	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* out of fds: do not spin on the pending connection */
			log_warnx("%s: out of file descriptors", __func__);
			event_del(ev_accept);
			event_add(ev_accept_again, &(struct timeval){ 1, 0 });
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("%s: accept", __func__);
		return;
	}
	/* the socket's mode is the real gate; this is a second one */
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    (cred.uid != 0 && cred.uid != master_euid &&
	    cred.uid != allowed_uid && cconf->group[0] == '\0')) {
		log_warnx("control: refusing uid %u", (unsigned)cred.uid);
		close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		close(s);
		return;
	}
	if ((c->ch = kadipc_chan_open(s, KAD_PROC_MASTER, KAD_PROC_CTL)) ==
	    NULL ||
	    kadipc_event_set(c->ch, base, control_dispatch_ctl,
	    control_conn_dead, c) == -1) {
		log_warn("%s: channel", __func__);
		if (c->ch != NULL)
			kadipc_chan_free(c->ch);
		else
			close(s);
		free(c);
		return;
	}
	kadipc_set_watermarks(c->ch, CTL_HIGH, CTL_LOW, control_conn_wmark);
	c->id = next_id++;
	TAILQ_INSERT_TAIL(&conns, c, entry);
	if (++nconns == CTL_MAX_CONNS)
		event_del(ev_accept);
}

static void
control_accept_again(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (nconns < CTL_MAX_CONNS)
		event_add(ev_accept, NULL);
}

void
control_listen(struct event_base *base)
{
	if ((ev_accept = event_new(base, ctl_fd, EV_READ | EV_PERSIST,
	    control_accept, base)) == NULL || event_add(ev_accept, NULL) == -1 ||
	    (ev_accept_again = evtimer_new(base, control_accept_again,
	    NULL)) == NULL)
		fatalx("%s: event", __func__);
}
