/* SPDX-License-Identifier: ISC */
/*
 * The file list (kadctl ls), kept here because it holds links, which
 * are keys.  kadstore keeps one sealed record per file (filelist.c)
 * under a slot number; this process holds the list in memory once it
 * has read it, which it does the first time a transfer needs it (the
 * store may not be configured yet when kadcrypt starts).
 *
 * Every change is one write: an added file takes the lowest free slot
 * (REC_PUT), a changed one rewrites its slot, a removed one deletes its
 * slot (REC_DEL), leaving a hole the next file fills; no change needs
 * two writes to agree.  A put is answered only once its record is
 * committed (crypt_list_written), and a record the store refused is
 * taken back out of memory, so the list in memory is the list on disk.
 * Reading goes on past holes until LOAD_GAP empty slots in a row; only
 * slots asked for are taken, and a record that does not open is
 * dropped with a log line.
 */
#include <sys/types.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "worker.h"
#include "kadcrypt.h"
#include "filelist.h"

#define LOAD_AHEAD	64	/* record reads in flight while loading */
#define LOAD_GAP	64	/* empty slots in a row that end the list */

enum list_state { L_UNLOADED, L_LOADING, L_READY };

struct slotted {
	struct fl_entry	 e;
	uint32_t	 slot;
};

static enum list_state	 state;
static struct fl_keys	 keys;
static struct slotted	*ents;		/* oldest first once loaded */
static size_t		 n, cap;
static uint8_t		 used[(FL_MAX + 7) / 8];	/* slots taken */
static uint8_t		 asked[(FL_MAX + 7) / 8];	/* loading: reads out */
static uint8_t		 adding[(FL_MAX + 7) / 8];	/* new, not committed */
static uint32_t		 next_slot;	/* loading: next read to send */
static uint32_t		 high_slot;	/* loading: one past the last found */
static size_t		 out;		/* loading: reads in flight */
static uint64_t		 stat_bad, stat_write_err;

#define BIT_SET(m, i)	((m)[(i) / 8] |= (uint8_t)(1 << ((i) % 8)))
#define BIT_CLR(m, i)	((m)[(i) / 8] &= (uint8_t)~(1 << ((i) % 8)))
#define BIT_ISSET(m, i)	(((m)[(i) / 8] >> ((i) % 8)) & 1)

static void
rec_send(uint32_t type, uint32_t slot, const void *data, size_t len)
{
	struct kadipc_chunk	 head;
	struct iovec		 iov[2];
	int			 niov = 1;

	memset(&head, 0, sizeof(head));
	fl_slot_id(slot, head.key);
	iov[0].iov_base = &head;
	iov[0].iov_len = type == KADIPC_REC_PUT ? sizeof(head) :
	    KADIPC_KEY_LEN;
	if (len > 0) {
		iov[1].iov_base = (void *)(uintptr_t)data;
		iov[1].iov_len = len;
		niov = 2;
	}
	if (kadipc_composev(crypt_store, type, 0, -1, iov, niov) == -1)
		fatal("%s: %s", __func__, kadipc_type_name(type));
}

static void
write_entry(const struct slotted *se)
{
	uint8_t	 rec[FL_REC_MAX];
	size_t	 len;

	if (fl_seal(&keys, se->slot, &se->e, rec, &len) == -1)
		fatalx("%s: cannot seal slot %u", __func__, se->slot);
	rec_send(KADIPC_REC_PUT, se->slot, rec, len);
	explicit_bzero(rec, sizeof(rec));
}

static void
grow(void)
{
	struct slotted	*e;
	size_t		 ncap;

	if (n < cap)
		return;
	ncap = cap ? cap * 2 : 64;
	if (ncap > FL_MAX)
		ncap = FL_MAX;
	/* recallocarray: the old copy of the links is wiped, not freed */
	if ((e = recallocarray(ents, cap, ncap, sizeof(*e))) == NULL)
		fatal("%s", __func__);
	ents = e;
	cap = ncap;
}

static void
load_more(void)
{
	uint8_t	 id[KADIPC_KEY_LEN];

	while (out < LOAD_AHEAD && next_slot < FL_MAX &&
	    next_slot < high_slot + LOAD_GAP) {
		BIT_SET(asked, next_slot);
		fl_slot_id(next_slot++, id);
		if (kadipc_compose(crypt_store, KADIPC_REC_GET, 0, -1, id,
		    sizeof(id)) == -1)
			fatal("%s", __func__);
		out++;
	}
}

/* oldest first, and by slot for files of one second */
static int
by_age(const void *a, const void *b)
{
	const struct slotted	*x = a, *y = b;

	if (x->e.time != y->e.time)
		return (x->e.time < y->e.time ? -1 : 1);
	return (x->slot < y->slot ? -1 : x->slot > y->slot);
}

int
crypt_list_ready(void)
{
	const uint8_t	*local;

	if (state == L_READY)
		return (1);
	if (state == L_UNLOADED) {
		if ((local = crypt_local_secret()) == NULL ||
		    fl_keys_init(&keys, local) == -1)
			fatalx("%s: no list key", __func__);
		state = L_LOADING;
		load_more();
	}
	return (0);
}

static void
loaded(uint32_t slot, const struct kadipc_chunk_msg *c)
{
	const char	*why;

	if (c->error == ENOENT)
		return;
	if (c->error != 0) {
		log_warnx("file list: slot %u unreadable: %s", slot,
		    strerror(c->error));
		stat_bad++;
		BIT_SET(used, slot);	/* not ours to overwrite blindly */
		return;
	}
	if (slot + 1 > high_slot)
		high_slot = slot + 1;
	if (n == FL_MAX)
		fatalx("%s: more than %d files", __func__, FL_MAX);
	grow();
	if (fl_open(&keys, slot, c->data, c->len, &ents[n].e, &why) == -1) {
		log_warnx("file list: slot %u: %s; dropped", slot, why);
		stat_bad++;
		rec_send(KADIPC_REC_DEL, slot, NULL, 0);
		return;
	}
	ents[n++].slot = slot;
	BIT_SET(used, slot);
}

static void	list_written(uint32_t, int);

/* REC_*_RES from kadstore. */
void
crypt_list_reply(uint32_t type, const struct kadipc_chunk_msg *c)
{
	uint32_t	 slot;
	uint8_t		 id[KADIPC_KEY_LEN];

	slot = (uint32_t)c->key[0] << 24 | (uint32_t)c->key[1] << 16 |
	    (uint32_t)c->key[2] << 8 | c->key[3];
	fl_slot_id(slot, id);
	if (memcmp(id, c->key, sizeof(id)) != 0 || slot >= FL_MAX)
		fatalx("%s: a reply for no slot", __func__);
	if (type == KADIPC_REC_PUT_RES) {
		crypt_list_written(slot, c->error);
		list_written(slot, c->error);
		return;
	}
	if (type == KADIPC_REC_DEL_RES) {
		if (c->error != 0 && c->error != ENOENT) {
			stat_write_err++;
			log_warnx("file list: slot %u not deleted: %s", slot,
			    strerror(c->error));
		}
		return;
	}
	/* only what was asked for, once: a store cannot feed us more */
	if (state != L_LOADING || out == 0 || !BIT_ISSET(asked, slot))
		fatalx("%s: REC_GET_RES for slot %u not asked for", __func__,
		    slot);
	BIT_CLR(asked, slot);
	out--;
	loaded(slot, c);
	load_more();
	if (out == 0) {
		if (n > 1)
			qsort(ents, n, sizeof(*ents), by_age);
		state = L_READY;
		log_debug("file list: %zu files", n);
		crypt_list_loaded();
	}
}

/*
 * A record's write is done: a put waiting for it goes on; one the store
 * refused is taken back out of memory (memory is what the disk holds).
 */
static void
list_written(uint32_t slot, int error)
{
	size_t	 i;
	int	 added = BIT_ISSET(adding, slot);

	BIT_CLR(adding, slot);
	if (error == 0)
		return;
	stat_write_err++;
	log_warnx("file list: slot %u not written: %s", slot, strerror(error));
	if (!added)
		return;		/* a change: the disk keeps the old record */
	for (i = 0; i < n; i++)
		if (ents[i].slot == slot) {
			crypt_list_remove(i);
			break;
		}
}

size_t
crypt_list_count(void)
{
	return (n);
}

const struct fl_entry *
crypt_list_entry(size_t i)
{
	return (i < n ? &ents[i].e : NULL);
}

/*
 * The newest pinned file, not a directory's listing, with this keyed
 * hash and this name (its link carries the name it was published
 * under: a put under another name is a new file), or -1.
 */
ssize_t
crypt_list_find_mac(const uint8_t mac[CRYPT_HASH_LEN], const char *name)
{
	size_t	 i;

	for (i = n; i-- > 0; )
		if ((ents[i].e.flags & KADIPC_LIST_F_PINNED) &&
		    !(ents[i].e.flags & KADIPC_LIST_F_DIR) &&
		    crypt_memeq(ents[i].e.mac, mac, CRYPT_HASH_LEN) &&
		    strcmp(ents[i].e.name, name) == 0)
			return ((ssize_t)i);
	return (-1);
}

ssize_t
crypt_list_find_link(const char *link)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(ents[i].e.link, link) == 0)
			return ((ssize_t)i);
	return (-1);
}

int
crypt_list_mac(const uint8_t sha[CRYPT_HASH_LEN], uint8_t mac[CRYPT_HASH_LEN])
{
	return (fl_mac(&keys, sha, mac));
}

/* A new file in the lowest free slot; the slot, or -1 if full. */
int64_t
crypt_list_add(const struct fl_entry *e)
{
	uint32_t	 slot;

	if (state != L_READY || n == FL_MAX)
		return (-1);
	for (slot = 0; slot < FL_MAX && BIT_ISSET(used, slot); slot++)
		;
	if (slot == FL_MAX)
		return (-1);
	grow();
	ents[n].e = *e;
	ents[n].slot = slot;
	BIT_SET(used, slot);
	BIT_SET(adding, slot);
	write_entry(&ents[n++]);
	return (slot);
}

void
crypt_list_update(size_t i, const struct fl_entry *e)
{
	if (state != L_READY || i >= n)
		fatalx("%s: no file %zu", __func__, i);
	ents[i].e = *e;
	write_entry(&ents[i]);
}

void
crypt_list_remove(size_t i)
{
	uint32_t	 slot;

	if (state != L_READY || i >= n)
		fatalx("%s: no file %zu", __func__, i);
	slot = ents[i].slot;
	explicit_bzero(&ents[i], sizeof(ents[i]));
	memmove(&ents[i], &ents[i + 1], (n - i - 1) * sizeof(*ents));
	n--;
	explicit_bzero(&ents[n], sizeof(ents[n]));
	BIT_CLR(used, slot);
	rec_send(KADIPC_REC_DEL, slot, NULL, 0);
}

void
crypt_list_stats(struct kad_stats *s)
{
	kad_stats_add(s, "files-listed", n);
	kad_stats_add(s, "list-records-bad", stat_bad);
	kad_stats_add(s, "list-write-errors", stat_write_err);
}
