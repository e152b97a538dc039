/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for kad index chunks (kadcrypt/manifest.c) and the
 * fetch engine (kadcrypt/fetch.c).  The first input byte picks a mode:
 *
 *  0  root plaintext parser (format versions 1 and 2, stripe
 *     parameters included): whatever it accepts re-encodes to the same
 *     bytes and has a consistent shape;
 *  1  index plaintext parser, same property;
 *  2  hostile publisher: the input is a list of records (data chunks,
 *     index nodes, a root) that the harness seals with a fixed manifest
 *     key, so the fetch engine meets every structure the fuzzer can
 *     build.  Key slots refer to earlier records.  The engine must end
 *     (done or failed) without stalling, within its limits;
 *  3  hostile storage and network: a real published tree (stripes
 *     and parity), with the input choosing delivery order, misses and
 *     corruptions.  Clean delivery must give back the file; damage may
 *     be survived (a miss costs a parity request, a corrupted chunk no
 *     longer needed is never looked at), but never with other bytes.
 *
 * A miss the engine cannot replace is given up at once (fetch_abandon).
 *
 * Mode byte bit 2: deliver out of order; bit 3: keys_only walk.
 */
#include <bsd/sys/endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadcrypt/aead.h"
#include "kadcrypt/fetch.h"
#include "kadcrypt/link.h"
#include "kadcrypt/manifest.h"
#include "kadcrypt/publish.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXREC		64
#define MAXSTORE	4096

struct in {
	const uint8_t	*p;
	size_t		 left;
};

static uint8_t
get8(struct in *in)
{
	if (in->left == 0)
		return (0);
	in->left--;
	return (*in->p++);
}

/* a byte of input, or dflt once the input is used up */
static int
getd(struct in *in, int dflt)
{
	if (in == NULL || in->left == 0)
		return (dflt);
	return (get8(in));
}

/* copy up to len bytes, zero-fill the rest */
static void
getn(struct in *in, uint8_t *out, size_t len)
{
	size_t	 n = in->left < len ? in->left : len;

	memcpy(out, in->p, n);
	memset(out + n, 0, len - n);
	in->p += n;
	in->left -= n;
}

/* ---- a tiny chunk store ---- */

struct chunk {
	uint8_t		 key[32];
	uint8_t		 data[KAD_CHUNK_MAX];
	size_t		 len;
	int		 is_index;
};

static struct chunk	*chunks;
static size_t		 nchunks;
static size_t		 nreal;		/* chunks of the real trees */
static uint16_t		 realidx[2 * MAXSTORE];	/* hash index of those */

static size_t
slot_of(const uint8_t *key)
{
	return ((size_t)(key[0] | key[1] << 8 | key[2] << 16) %
	    (2 * MAXSTORE));
}

/* The real trees through the index, the few mode-2 records by scan. */
static struct chunk *
find(const uint8_t *key)
{
	size_t	 i;

	for (i = slot_of(key); realidx[i] != 0; i = (i + 1) % (2 * MAXSTORE))
		if (memcmp(chunks[realidx[i] - 1].key, key, 32) == 0)
			return (&chunks[realidx[i] - 1]);
	for (i = nreal; i < nchunks; i++)
		if (memcmp(chunks[i].key, key, 32) == 0)
			return (&chunks[i]);
	return (NULL);
}

static int			 verbose;
static struct crypt_sha256	*sha;
static struct crypt_gcm		*gcm;
static const uint8_t		 mkey[32] = { 0x42, 0x42, 0x42 };

static struct chunk *
add(const uint8_t *data, size_t len, int is_index)
{
	struct chunk	*c;

	if (nchunks == MAXSTORE)
		abort();
	c = &chunks[nchunks++];
	memcpy(c->data, data, len);
	c->len = len;
	c->is_index = is_index;
	crypt_sha256(sha, data, len, c->key);
	return (c);
}

/* ---- modes 0 and 1 ---- */

static void
parse_root(struct in *in)
{
	struct manifest		 m;
	struct kad_shape	 s;
	const uint8_t		*keys;
	const char		*why;
	uint8_t			 pt[KAD_NODE_PTLEN], again[KAD_NODE_PTLEN];
	char			 err[256];

	getn(in, pt, sizeof(pt));
	if (manifest_root_parse(pt, &m, &keys, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (manifest_shape(m.size, m.chunk_size, m.namelen, &m.code, &s,
	    &why) == -1 || s.height != m.height ||
	    s.coded[s.height - 1] != m.count ||
	    m.count > manifest_root_capacity(m.code.version, m.namelen) ||
	    !manifest_code_valid(&m.code, &why) ||
	    strlen(m.name) != m.namelen)
		abort();
	manifest_root_encode(&m, keys, m.count, again);
	if (memcmp(pt, again, sizeof(pt)) != 0)
		abort();
}

static void
parse_index(struct in *in)
{
	const uint8_t	*keys;
	uint8_t		 pt[KAD_NODE_PTLEN], again[KAD_NODE_PTLEN];
	size_t		 count;
	char		 err[256];
	int		 h, version;

	getn(in, pt, sizeof(pt));
	/* the tree's version: version 2, or 1 if the node says so */
	version = pt[1] == KAD_FORMAT_V1 ? KAD_FORMAT_V1 : KAD_FORMAT_VERSION;
	if (manifest_index_parse(pt, version, &h, &count, &keys, err,
	    sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (count < 1 || count > KAD_FANOUT || h < 1 || h >= KAD_MAX_HEIGHT)
		abort();
	manifest_index_encode(version, h, keys, count, again);
	if (memcmp(pt, again, sizeof(pt)) != 0)
		abort();
}

/* ---- the fetch driver shared by modes 2 and 3 ---- */

struct damage {
	struct in	*in;		/* NULL: deliver faithfully */
	int		 damaged;	/* a miss or corruption was sent */
};

/*
 * Run a fetch against the store.  Returns 1 if done, 0 if failed.
 * Aborts on a stall or a broken limit.  The pending list holds every
 * request not answered yet, those of complete stripes included (the
 * engine no longer counts them): their answers must be harmless.
 */
#define PENDCAP	(4 * FETCH_MAX_OUT)
static int
drive(const char *link, int shuffle, int keys_only, struct damage *dm,
    const uint8_t *expect, uint64_t expect_len)
{
	static uint8_t		 pend[PENDCAP][32];
	static uint8_t		 buf[8192];
	struct fetch		*f;
	struct fetch_stats	 st;
	struct chunk		*c;
	uint8_t			 key[32], bad[KAD_CHUNK_MAX], md[32];
	uint64_t		 got = 0, size;
	size_t			 np = 0, n, idx;
	int			 w, progress, is_index, rounds, b, done;
	char			 err[FETCH_ERRLEN];

	if ((f = fetch_new(link, keys_only, err, sizeof(err))) == NULL)
		abort();	/* the harness makes valid links */
	for (rounds = 0; ; rounds++) {
		progress = 0;
		while (np < PENDCAP && (w = fetch_want(f, key)) == 1) {
			memcpy(pend[np++], key, 32);
			progress = 1;
		}
		fetch_stats(f, &st);
		if (st.outstanding > FETCH_MAX_OUT || np < st.outstanding)
			abort();
		if (w == -1)
			break;
		n = shuffle ? (np + 1) / 2 : np;
		while (n-- > 0 && np > 0 && fetch_error(f) == NULL) {
			/* out of input: deliver faithfully, oldest first */
			idx = shuffle ? (size_t)getd(dm->in, 0) % np : 0;
			c = find(pend[idx]);
			b = getd(dm->in, 0xff);
			if (c == NULL || c->len == 0 || b == 0) {
				dm->damaged |= c != NULL;
				if (fetch_missing(f, pend[idx]) == 2)
					fetch_abandon(f, pend[idx]);
			} else if (b == 1) {
				memcpy(bad, c->data, c->len);
				bad[(size_t)getd(dm->in, 0) % c->len] ^= 1;
				dm->damaged = 1;
				fetch_chunk(f, c->key, bad, c->len);
			} else if (b == 2 && rounds < 50) {
				continue;	/* later */
			} else
				fetch_chunk(f, c->key, c->data, c->len);
			memmove(pend[idx], pend[idx + 1], (np - idx - 1) * 32);
			np--;
			progress = 1;
		}
		fetch_stats(f, &st);
		if (st.buffered > (size_t)FETCH_WINDOW * KAD_CHUNK_MAX)
			abort();
		while ((n = fetch_read(f, buf, sizeof(buf))) > 0) {
			if (expect != NULL && (got + n > expect_len ||
			    memcmp(buf, expect + got, n) != 0))
				abort();
			got += n;
			progress = 1;
		}
		while (fetch_next_key(f, key, &is_index) == 1)
			progress = 1;
		while (fetch_next_repair(f, key, bad, &n) == 1) {
			/* a repair is a chunk of the tree, rebuilt */
			if (n > KAD_CHUNK_MAX ||
			    crypt_sha256(sha, bad, n, md) == -1 ||
			    memcmp(md, key, 32) != 0)
				abort();
			progress = 1;
		}
		if (fetch_error(f) != NULL || fetch_done(f))
			break;
		if (!progress && np == 0)
			abort();	/* every request answered, yet stuck */
	}
	done = fetch_done(f);
	if (verbose)	/* FUZZ_VERBOSE=1: say how each input ended */
		fprintf(stderr, "fetch: %s, %llu bytes\n", done ? "done" :
		    fetch_error(f) != NULL ? fetch_error(f) : "?",
		    (unsigned long long)got);
	if (done && fetch_error(f) != NULL)
		abort();
	if (done && !keys_only && (fetch_meta(f, &size, NULL, 0) != 1 ||
	    size != got))
		abort();
	fetch_free(f);
	return (done);
}

/* ---- mode 2: hostile publisher ---- */

/* Key slots refer to earlier records unless marked raw (0xee). */
static void
patch(uint8_t *slots, size_t count, struct chunk **rec, size_t nrec)
{
	size_t	 k;

	for (k = 0; k < count && nrec > 0; k++)
		if (slots[k * 32 + 1] != 0xee)
			memcpy(slots + k * 32, rec[slots[k * 32] % nrec]->key,
			    32);
}

static void
publisher(struct in *in, int shuffle, int keys_only)
{
	struct chunk	*rec[MAXREC], *root = NULL;
	struct kad_link	 l;
	struct damage	 dm;
	uint8_t		 pt[KAD_NODE_PTLEN], node[KAD_NODE_SIZE];
	uint8_t		 nonce[12], buf[KAD_CHUNK_MAX];
	size_t		 nrec = 0, len, count, off;
	char		 link[KAD_LINK_SIZE];
	int		 op, h, i;

	while (in->left > 0 && nrec < MAXREC) {
		op = get8(in) % 3;
		if (op == 0) {
			len = (get8(in) << 8 | get8(in)) % (KAD_CHUNK_MAX + 1);
			getn(in, buf, len);
			rec[nrec++] = add(buf, len, 0);
			continue;
		}
		if (op == 1) {
			h = get8(in);
			i = get8(in);
			getn(in, pt, sizeof(pt));
			count = be16dec(pt + 4);
			patch(pt + 8, count < KAD_FANOUT ? count : KAD_FANOUT,
			    rec, nrec);
			manifest_nonce(KAD_NODE_INDEX, h, (uint64_t)i, nonce);
		} else {
			getn(in, pt, sizeof(pt));
			off = pt[1] == KAD_FORMAT_V1 ? KAD_ROOT_HDRLEN_V1 :
			    KAD_ROOT_HDRLEN;
			off += pt[off - 1];
			count = be16dec(pt + 6);
			if (count > (KAD_NODE_PTLEN - off) / 32)
				count = (KAD_NODE_PTLEN - off) / 32;
			patch(pt + off, count, rec, nrec);
			manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
		}
		if (manifest_seal(gcm, nonce, pt, node) == -1)
			abort();
		rec[nrec++] = add(node, sizeof(node), 1);
		if (op == 2)
			root = rec[nrec - 1];
	}
	if (root == NULL)
		return;
	memset(&l, 0, sizeof(l));
	l.version = KAD_LINK_VERSION;
	memcpy(l.root, root->key, 32);
	memcpy(l.key, mkey, 32);
	if (crypt_link_encode(&l, link, sizeof(link)) == -1)
		abort();
	memset(&dm, 0, sizeof(dm));
	drive(link, shuffle, keys_only, &dm, NULL, 0);
}

/* ---- mode 3: a real tree, hostile storage ---- */

static char		 reallink[2][KAD_LINK_SIZE];
static uint8_t		*realdata[2];
/* 16-byte chunks: 44 chunks, H = 2; with a 255-byte name, 625, H = 3 */
static size_t		 realsize[2] = { 700, 10000 };

static int
emit(const uint8_t key[32], const uint8_t *data, size_t len,
    const struct chunk_info *ci, void *arg)
{
	size_t	 i;

	(void)arg;
	if (find(key) != NULL)
		abort();
	add(data, len, ci->kind != CHUNK_DATA);
	if (memcmp(chunks[nchunks - 1].key, key, 32) != 0)
		abort();
	for (i = slot_of(key); realidx[i] != 0; i = (i + 1) % (2 * MAXSTORE))
		;
	realidx[i] = (uint16_t)nchunks;
	nreal = nchunks;
	return (0);
}

static void
make_real(void)
{
	struct publish	*p;
	const char	*why;
	char		 name[KAD_NAME_MAX + 1];
	size_t		 t, i;

	memset(name, 'r', KAD_NAME_MAX);
	name[KAD_NAME_MAX] = '\0';
	for (t = 0; t < 2; t++) {
		if ((realdata[t] = malloc(realsize[t])) == NULL)
			abort();
		for (i = 0; i < realsize[t]; i++)
			realdata[t][i] = (uint8_t)(i * 131 + t);
		if ((p = publish_new(t ? name : "real", 16, t & 1, &why)) == NULL ||
		    publish_update(p, realdata[t], realsize[t], emit,
		    NULL) == -1 ||
		    publish_final(p, emit, NULL, reallink[t],
		    KAD_LINK_SIZE) == -1)
			abort();
		publish_free(p);
	}
}

static void
storage(struct in *in, int shuffle, int keys_only)
{
	struct damage	 dm;
	int		 t, done;

	t = get8(in) & 1;
	memset(&dm, 0, sizeof(dm));
	dm.in = in;
	done = drive(reallink[t], shuffle, keys_only, &dm,
	    keys_only ? NULL : realdata[t], realsize[t]);
	/* with no damage, the file must come back (drive checks that
	 * what comes back is the file) */
	if (!dm.damaged && !done)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in	 in;
	uint8_t		 mode;

	if (chunks == NULL) {
		if ((chunks = calloc(MAXSTORE, sizeof(*chunks))) == NULL ||
		    (sha = crypt_sha256_new()) == NULL ||
		    (gcm = crypt_gcm_new(mkey)) == NULL)
			abort();
		make_real();
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	}
	nchunks = nreal;
	in.p = data;
	in.left = size;
	mode = get8(&in);
	switch (mode & 3) {
	case 0:
		parse_root(&in);
		break;
	case 1:
		parse_index(&in);
		break;
	case 2:
		publisher(&in, mode & 4, mode & 8);
		break;
	case 3:
		storage(&in, mode & 4, mode & 8);
		break;
	}
	return (0);
}
