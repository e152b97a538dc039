/* SPDX-License-Identifier: ISC */
/*
 * libkadipc: typed, length-checked messages over stream socketpairs,
 * with fd passing and libevent integration.  Our own imsg-style layer.
 *
 * A channel validates everything it receives against the message
 * catalogue (kadipc_msg.h) and the list of types allowed on that channel
 * before a dispatcher ever sees it: unknown or disallowed type, a length
 * outside the type's bounds, a missing or surprise fd, or a bad HELLO is
 * a protocol error and the channel is dead from then on.
 */
#ifndef KADIPC_H
#define KADIPC_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#define KAD_IPC_FD		3	/* master channel in every worker */
#ifndef nitems
#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#define KADIPC_VERSION		9	/* 3: the node key, CRYPT_IDENTITY and
					   the net <-> crypt channel; 4:
					   NET_CONFIG's upload limit; 5: the
					   sealed list, CHUNK_DROP, resumed
					   gets, NET_BOOTSTRAP's request id
					   and NET_BOOTSTRAP_RES, the answer
					   to NET_STORE_PUT; 6: a chunk's
					   copies in CHUNK_PUT, NET_PUBLISH,
					   NET_STORE_PUT, NET_STORE_KEYS;
					   7: the file's fd with
					   XFER_PUT_BEGIN, XFER_SINK, no
					   XFER_DATA nor XFER_PUT_END; 8:
					   NET_PUBLISHED's ELSEWHERE,
					   STORE_CONFIG's flags,
					   NET_STORE_PUT's source; 9:
					   NET_PUBLISHED's and
					   CHUNK_PUT_RES's holders */
#define KADIPC_HDR_SIZE		16
#define KADIPC_MAX_MSG		65535	/* header included; len is 16 bits */
#define KADIPC_MAX_PAYLOAD	(KADIPC_MAX_MSG - KADIPC_HDR_SIZE)
#define KADIPC_MAX_FDS		16	/* received but not yet claimed */

/* header flags */
#define KADIPC_F_FD		0x0001	/* an fd travels with this message */
#define KADIPC_F_MASK		0x0001

enum kad_proc {
	KAD_PROC_MASTER,
	KAD_PROC_NET,
	KAD_PROC_STORE,
	KAD_PROC_CRYPT,
	KAD_PROC_CTL,
	KAD_PROC_MAX
};

extern const char *const kad_procnames[KAD_PROC_MAX];

/* proc.c: the title ps shows, "kadmaster: master" */
void	 kad_setproctitle_init(int, char *[]);
void	 kad_setproctitle(const char *);

/* On the wire, host byte order: both ends are on the same host. */
struct kadipc_hdr {
	uint32_t	type;
	uint16_t	len;		/* header + payload */
	uint16_t	flags;
	uint32_t	peerid;		/* a tag (request id), never a credential */
	uint32_t	pid;		/* sender's pid, informational */
};
_Static_assert(sizeof(struct kadipc_hdr) == KADIPC_HDR_SIZE, "hdr size");

/* A received message; data points into the channel's read buffer. */
struct kadipc_msg {
	struct kadipc_hdr	 hdr;
	const uint8_t		*data;
	size_t			 len;	/* payload bytes */
	int			 fd;	/* -1, or an fd the receiver now owns */
};

/* A directed channel, one bit per (sender, receiver) pair. */
#define KADIPC_DIR(from, to)	(1U << ((from) * KAD_PROC_MAX + (to)))

/* One row of the catalogue, see kadipc_msg.h and msg.c. */
struct kadipc_type_info {
	uint32_t	 type;
	const char	*name;
	uint16_t	 minlen;	/* payload bounds; equal = fixed size */
	uint16_t	 maxlen;
	uint8_t		 hasfd;		/* 1: must carry an fd, 0: must not */
	uint8_t		 testonly;	/* allowed only with KAD_TEST_HOOKS */
	uint32_t	 dirs;		/* KADIPC_DIR()s it may travel */
};

const struct kadipc_type_info *kadipc_type_lookup(uint32_t);
const char	*kadipc_type_name(uint32_t);

/*
 * The types `from` may send `to`, from the catalogue's rows (HELLO, which
 * the library handles, is not listed; test-only types only in builds with
 * KAD_TEST_HOOKS).  Writes at most max of them to out and returns how
 * many there are.
 */
size_t	 kadipc_allowed(enum kad_proc from, enum kad_proc to, uint32_t *out,
	    size_t max);

struct kadipc_chan;
struct event_base;

typedef void (*kadipc_dispatch_cb)(struct kadipc_chan *,
    struct kadipc_msg *, void *);
typedef void (*kadipc_dead_cb)(struct kadipc_chan *, void *);
typedef void (*kadipc_wmark_cb)(struct kadipc_chan *, int above, void *);
typedef void (*kadipc_batch_cb)(struct kadipc_chan *, void *);

/*
 * Create a channel on a connected, non-blocking stream socket.  `allowed`
 * lists the types the peer may send us (HELLO is implicit).  A HELLO
 * {KADIPC_VERSION, self} is queued at once; the first message from the
 * peer must be HELLO {KADIPC_VERSION, peer} and is consumed here.
 * Returns NULL with errno set.
 */
struct kadipc_chan *kadipc_chan_new(int fd, enum kad_proc self,
	    enum kad_proc peer, const uint32_t *allowed, size_t nallowed);
/* The same, allowing what the catalogue lets peer send self. */
struct kadipc_chan *kadipc_chan_open(int fd, enum kad_proc self,
	    enum kad_proc peer);
void	 kadipc_chan_free(struct kadipc_chan *);	/* closes fd and queued fds */
int	 kadipc_chan_fd(struct kadipc_chan *);
enum kad_proc kadipc_chan_peer(struct kadipc_chan *);
const char *kadipc_chan_peername(struct kadipc_chan *);
int	 kadipc_chan_dead(struct kadipc_chan *);
/* Mark dead from inside a dispatcher; the event glue then calls dead. */
void	 kadipc_chan_close(struct kadipc_chan *);

/*
 * Queue one message.  `fd` is -1 or an fd whose ownership passes to the
 * channel (closed once sent; when compose fails it stays the caller's).
 * Checks the type, length and fd against the
 * catalogue (our own bug otherwise): -1 with errno EINVAL.  Never blocks.
 */
int	 kadipc_compose(struct kadipc_chan *, uint32_t type, uint32_t peerid,
	    int fd, const void *data, size_t len);
int	 kadipc_composev(struct kadipc_chan *, uint32_t type, uint32_t peerid,
	    int fd, const struct iovec *iov, int iovcnt);
size_t	 kadipc_queued(struct kadipc_chan *);		/* bytes not yet written */
/* Bytes this process read and wrote on all its channels, ever. */
void	 kadipc_bytes(uint64_t *in, uint64_t *out);

/* Non-blocking write: 0 all written, 1 more left (EAGAIN), -1 error. */
int	 kadipc_flush(struct kadipc_chan *);
/* Non-blocking read into the buffer: >0 bytes, 0 EOF, -1 error (errno). */
ssize_t	 kadipc_read(struct kadipc_chan *);
/* Next message: 1 got one, 0 need more bytes, -1 protocol error (logged). */
int	 kadipc_get(struct kadipc_chan *, struct kadipc_msg *);

/*
 * libevent glue.  Reads drain the socket, every complete message is
 * handed to dispatch (its data valid only during the call), and EOF, a
 * read/write error or a protocol error calls dead once; after that the
 * caller frees the channel (the dispatcher never frees its own channel:
 * it calls kadipc_chan_close).  An fd in a message is the dispatcher's
 * to keep: it sets msg->fd to -1, or the glue closes it.  Writes are flushed when the socket is
 * writable, as long as anything is queued.
 */
int	 kadipc_event_set(struct kadipc_chan *, struct event_base *,
	    kadipc_dispatch_cb, kadipc_dead_cb, void *arg);
/* Called after each read event once its messages are dispatched. */
void	 kadipc_set_batch_cb(struct kadipc_chan *, kadipc_batch_cb);
/* Stop or resume reading (back-pressure toward the peer). */
void	 kadipc_pause_read(struct kadipc_chan *, int pause);
/* Called when the queue rises above high (above=1) and drains below low. */
void	 kadipc_set_watermarks(struct kadipc_chan *, size_t high, size_t low,
	    kadipc_wmark_cb);

/*
 * Exact-size payload copy, the only way handlers read fixed payloads:
 * 0 when len == size, else -1 (errno EBADMSG).
 */
int	 kadipc_msg_exact(const struct kadipc_msg *, void *out, size_t size);

#endif /* KADIPC_H */
