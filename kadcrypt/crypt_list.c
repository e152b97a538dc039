/* SPDX-License-Identifier: ISC */
/*
 * The file list (kadctl ls), kept here because it holds links, which
 * are keys.  kadstore keeps one sealed record per file (filelist.c) in
 * slots 0..n-1; this process holds the list in memory once it has read
 * it, which it does the first time a transfer needs it (the store may
 * not be configured yet when kadcrypt starts).  Every change is written
 * through: one REC_PUT per added or changed file; a removal moves the
 * last file into the hole and deletes the last slot, in one burst, so
 * one commit.  A record that does not open, or a second copy of a link
 * (a crash between that put and that delete), is dropped on load with
 * a log line and the slots are rewritten to be contiguous again.
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

enum list_state { L_UNLOADED, L_LOADING, L_READY };

static enum list_state	 state;
static struct fl_keys	 keys;
static struct fl_entry	*ents;		/* ready: ents[0..n) = slots */
static uint32_t		*from;		/* loading: the slot each came from */
static size_t		 n, cap;
static uint32_t		 next_slot;	/* loading: next read to send */
static uint32_t		 end_slot;	/* loading: first slot found empty */
static size_t		 out;		/* loading: reads in flight */
static uint32_t		 high_slot;	/* loading: one past the last found */
static uint64_t		 stat_bad, stat_write_err;

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
write_slot(uint32_t slot)
{
	uint8_t	 rec[FL_REC_MAX];
	size_t	 len;

	if (fl_seal(&keys, slot, &ents[slot], rec, &len) == -1)
		fatalx("%s: cannot seal slot %u", __func__, slot);
	rec_send(KADIPC_REC_PUT, slot, rec, len);
}

static int
grow(void)
{
	struct fl_entry	*e;
	uint32_t	*f;
	size_t		 ncap;

	if (n < cap)
		return (0);
	if (cap >= FL_MAX)
		return (-1);
	ncap = cap ? cap * 2 : 64;
	if (ncap > FL_MAX)
		ncap = FL_MAX;
	/* recallocarray: the old copy of the links is wiped, not freed */
	if ((e = recallocarray(ents, cap, ncap, sizeof(*e))) == NULL)
		fatal("%s", __func__);
	ents = e;
	if ((f = reallocarray(from, ncap, sizeof(*f))) == NULL)
		fatal("%s", __func__);
	from = f;
	cap = ncap;
	return (0);
}

static void
load_more(void)
{
	uint8_t	 id[KADIPC_KEY_LEN];

	while (out < LOAD_AHEAD && next_slot < end_slot &&
	    next_slot < FL_MAX) {
		fl_slot_id(next_slot++, id);
		if (kadipc_compose(crypt_store, KADIPC_REC_GET, 0, -1, id,
		    sizeof(id)) == -1)
			fatal("%s", __func__);
		out++;
	}
}

/* Sort what was read by slot, drop repeated links, make it contiguous. */
static int
by_slot(const void *a, const void *b)
{
	const uint32_t	*x = a, *y = b;

	return (*x < *y ? -1 : *x > *y);
}

static void
load_finish(void)
{
	size_t		 i, j, k;
	uint32_t	 s;

	/* entries arrived in any order: sort (slot, entry) pairs */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && by_slot(&from[j - 1], &from[j]) > 0;
		    j--) {
			struct fl_entry	 t = ents[j];
			uint32_t	 f = from[j];

			ents[j] = ents[j - 1];
			from[j] = from[j - 1];
			ents[j - 1] = t;
			from[j - 1] = f;
		}
	for (i = 0, k = 0; i < n; i++) {
		for (j = 0; j < k; j++)
			if (strcmp(ents[j].link, ents[i].link) == 0)
				break;
		if (j < k) {
			log_warnx("file list: slot %u repeats a link; dropped",
			    from[i]);
			stat_bad++;
			continue;
		}
		if (k != i) {
			ents[k] = ents[i];
			from[k] = from[i];
		}
		k++;
	}
	if (k < n)
		explicit_bzero(ents + k, (n - k) * sizeof(*ents));
	n = k;
	for (i = 0; i < n; i++)
		if (from[i] != i)
			write_slot((uint32_t)i);
	for (s = (uint32_t)n; s < high_slot; s++)
		rec_send(KADIPC_REC_DEL, s, NULL, 0);
	state = L_READY;
	log_debug("file list: %zu files", n);
	crypt_list_loaded();
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
		end_slot = FL_MAX;
		load_more();
	}
	return (0);
}

/* REC_*_RES from kadstore. */
void
crypt_list_reply(uint32_t type, const struct kadipc_chunk_msg *c)
{
	const char	*why;
	uint32_t	 slot;
	uint8_t		 id[KADIPC_KEY_LEN];

	slot = (uint32_t)c->key[0] << 24 | (uint32_t)c->key[1] << 16 |
	    (uint32_t)c->key[2] << 8 | c->key[3];
	fl_slot_id(slot, id);
	if (memcmp(id, c->key, sizeof(id)) != 0 || slot >= FL_MAX)
		fatalx("%s: a reply for no slot", __func__);
	if (type != KADIPC_REC_GET_RES) {
		if (c->error != 0 && !(type == KADIPC_REC_DEL_RES &&
		    c->error == ENOENT)) {
			stat_write_err++;
			log_warnx("file list: slot %u not written: %s", slot,
			    strerror(c->error));
		}
		return;
	}
	if (state != L_LOADING || out == 0)
		fatalx("%s: REC_GET_RES while not loading", __func__);
	out--;
	if (c->error == ENOENT) {
		if (slot < end_slot)
			end_slot = slot;
	} else if (c->error != 0) {
		log_warnx("file list: slot %u unreadable: %s", slot,
		    strerror(c->error));
		stat_bad++;
	} else {
		if (slot + 1 > high_slot)
			high_slot = slot + 1;
		if (grow() == -1)
			fatalx("%s: more than %d files", __func__, FL_MAX);
		if (fl_open(&keys, slot, c->data, c->len, &ents[n], &why) ==
		    -1) {
			log_warnx("file list: slot %u: %s; dropped", slot, why);
			stat_bad++;
		} else
			from[n++] = slot;
	}
	load_more();
	if (out == 0)
		load_finish();
}

size_t
crypt_list_count(void)
{
	return (n);
}

const struct fl_entry *
crypt_list_entry(size_t i)
{
	return (i < n ? &ents[i] : NULL);
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
		if ((ents[i].flags & KADIPC_LIST_F_PINNED) &&
		    !(ents[i].flags & KADIPC_LIST_F_DIR) &&
		    crypt_memeq(ents[i].mac, mac, CRYPT_HASH_LEN) &&
		    strcmp(ents[i].name, name) == 0)
			return ((ssize_t)i);
	return (-1);
}

ssize_t
crypt_list_find_link(const char *link)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(ents[i].link, link) == 0)
			return ((ssize_t)i);
	return (-1);
}

int
crypt_list_mac(const uint8_t sha[CRYPT_HASH_LEN], uint8_t mac[CRYPT_HASH_LEN])
{
	return (fl_mac(&keys, sha, mac));
}

int
crypt_list_add(const struct fl_entry *e)
{
	if (state != L_READY || grow() == -1)
		return (-1);
	ents[n] = *e;
	write_slot((uint32_t)n++);
	return (0);
}

void
crypt_list_update(size_t i, const struct fl_entry *e)
{
	if (state != L_READY || i >= n)
		fatalx("%s: no file %zu", __func__, i);
	ents[i] = *e;
	write_slot((uint32_t)i);
}

void
crypt_list_remove(size_t i)
{
	if (state != L_READY || i >= n)
		fatalx("%s: no file %zu", __func__, i);
	n--;
	if (i != n) {
		ents[i] = ents[n];
		write_slot((uint32_t)i);
	}
	explicit_bzero(&ents[n], sizeof(ents[n]));
	rec_send(KADIPC_REC_DEL, (uint32_t)n, NULL, 0);
}

void
crypt_list_stats(struct kad_stats *s)
{
	kad_stats_add(s, "files-listed", n);
	kad_stats_add(s, "list-records-bad", stat_bad);
	kad_stats_add(s, "list-write-errors", stat_write_err);
}
