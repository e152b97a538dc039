/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt's transfers, shared by crypt_dispatch.c (their life, puts,
 * ls and find, the dispatchers), crypt_get.c (gets, unpins, rms and
 * the retries of chunks the network did not have) and crypt_fd.c (the
 * client's fd a put reads and a get writes).
 */
#ifndef KAD_CRYPT_XFER_H
#define KAD_CRYPT_XFER_H

#include <sys/types.h>
#include <sys/uio.h>

#include <bsd/sys/queue.h>
#include <stdint.h>

#include "kadipc_msg.h"
#include "aead.h"

#define READ_CHUNK	(60 * 1024)
#define RETRY_FIRST_MS	1000	/* a missing chunk is asked for again */
#define RETRY_MAX_MS	8000
#define RETRY_TICK_MS	250
#define RETRY_INFO_MS	5000	/* the user hears at most this often */

/* a chunk the network did not have, to ask for again */
struct retry {
	uint8_t		 key[KADIPC_KEY_LEN];
	uint64_t	 due;		/* ms; 0 while asked for */
	uint32_t	 backoff;	/* ms */
};

enum xfer_kind { XFER_PUT, XFER_GET, XFER_UNPIN, XFER_RM, XFER_LS, XFER_FIND };

struct event;
struct put_place;

struct xfer {
	TAILQ_ENTRY(xfer)	 entry;
	uint32_t		 id;
	enum xfer_kind		 kind;
	/* put and get: the client's fd (crypt_fd.c) */
	int			 fd;		/* -1: none, not yet or no more */
	int			 fd_flags;	/* its status flags as they came */
	int			 fd_pipe;	/* a pipe: non-blocking, polled */
	struct event		*fd_ev;		/* readable, writable, more */
	uint64_t		 reported;	/* progress told (XFER_ACK) */
	/* put */
	struct publish		*pub;
	uint64_t		 bytes_in;	/* plaintext received */
	uint64_t		 data_chunks;	/* data chunks emitted */
	uint64_t		*covered;	/* ring: plaintext stored by */
	size_t			 ring_size, ring_head, ring_len;	/* reply */
	uint64_t		 acked;		/* plaintext stored */
	struct put_place	*place;		/* what reached the network */
	int			 background;	/* answered; placing the rest */
	int			 ended;
	char			 link[KADIPC_LINK_MAX];	/* also unpin, rm */
	char			 name[KADIPC_NAME_MAX];
	struct crypt_sha256	*plain;		/* put: the plaintext; get:
						   what is skipped */
	int			 wait_list;	/* until the list is read */
	uint32_t		 list_flags;	/* put: KADIPC_LIST_F_DIR */
	int64_t			 wait_slot;	/* put: its record, -1: none */
	uint8_t			 find[CRYPT_HASH_LEN];	/* find */
	/* get and unpin */
	struct fetch		*fetch;
	size_t			 outstanding;	/* chunk requests in flight */
	int			 meta_sent;
	int			 sink_seen;	/* XFER_SINK came */
	uint8_t			*obuf;		/* plaintext not written yet */
	size_t			 ooff, olen;
	uint64_t		 written;	/* plaintext written */
	uint64_t		 skip;		/* resumed get: not sent */
	uint64_t		 deadline;	/* get: ms, give up after */
	uint32_t		 timeout;	/* get: seconds */
	struct retry		*retries;
	size_t			 nretries, retriescap;
	uint64_t		 info_at;	/* ms of the last XFER_INFO */
	int			 prefix_sent;
	uint64_t		 unpin_missing;	/* unpin, rm: not stored */
	uint64_t		 unpin_already;	/* unpin: not pinned */
	uint64_t		 unpin_done;	/* unpinned, dropped */
	uint64_t		 rm_busy;	/* rm: pinned by another file */
	int			 rm_pin;	/* rm: drop a pin first */
	int			 dirty;		/* replies came: pump it */
};

TAILQ_HEAD(xfers, xfer);
extern struct xfers	 xfers;
extern uint32_t		 xfer_window;
extern uint64_t		 stat_get_bytes, stat_retries, stat_repairs;
extern uint64_t		 stat_repairs_skipped, repairs_inflight;

struct xfer	*xfer_find(uint32_t);
struct xfer	*xfer_new(uint32_t, enum xfer_kind);
void		 xfer_free(struct xfer *);
void		 xfer_fail(struct xfer *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
/* One line for the user (XFER_INFO), cut to fit if it must be. */
#define xfer_info(x, ...) do {						\
	if (kadipc_send_error(crypt_master, KADIPC_XFER_INFO, (x)->id,	\
	    NULL, __VA_ARGS__) == -1)					\
		fatal("%s: XFER_INFO", __func__);			\
} while (0)
void		 to_master(uint32_t, uint32_t, const void *, size_t);
void		 to_store(uint32_t, uint32_t, const struct iovec *, int);
uint64_t	 mono_ms(void);
void		 put_maybe_done(struct xfer *);
int		 put_feed(struct xfer *, const uint8_t *, size_t);
void		 put_end(struct xfer *);
void		 list_answer(struct xfer *);

/* crypt_get.c */
void		 get_begin(uint32_t, struct kadipc_msg *, enum xfer_kind);
void		 get_pump(struct xfer *);
void		 walk_start(struct xfer *);
void		 get_chunk(struct xfer *, const struct kadipc_chunk_msg *);
void		 unpin_reply(struct xfer *, uint32_t,
		    const struct kadipc_chunk_msg *);

/* crypt_fd.c */
const char	*fd_take(struct xfer *, int, int);
void		 fd_release(struct xfer *);
void		 xfer_progress(struct xfer *, uint64_t, int);
void		 src_pump(struct xfer *);
int		 sink_pump(struct xfer *);
int		 sink_idle(const struct xfer *);
void		 sink_begin(struct xfer *, int);

#endif /* KAD_CRYPT_XFER_H */
