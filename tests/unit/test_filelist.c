/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadcrypt/filelist.c, the sealed records of kadctl ls:
 * a round trip through seal and open, a record opened under another
 * slot or another node's key refused, every single-bit flip of a sealed
 * record refused, and hostile plaintexts (bad names, links, lengths,
 * embedded NULs, unknown flags) refused by the decoder with a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bsd/string.h>

#include "kadcrypt/aead.h"
#include "kadcrypt/filelist.h"
#include "kadcrypt/link.h"
#include "tests/test.h"

static struct fl_keys	 k1, k2;

static void
entry(struct fl_entry *e, const char *name)
{
	struct kad_link	 l;
	int		 i;

	memset(e, 0, sizeof(*e));
	memset(&l, 0, sizeof(l));
	l.version = KAD_LINK_VERSION;
	for (i = 0; i < 32; i++) {
		l.root[i] = (uint8_t)i;
		l.key[i] = (uint8_t)(0x80 + i);
	}
	(void)crypt_link_encode(&l, e->link, sizeof(e->link));
	strlcpy(e->name, name, sizeof(e->name));
	e->size = 123456789012ULL;
	e->time = 1764633600;
	e->flags = KADIPC_LIST_F_PINNED;
	e->holders = KADIPC_HOLDERS_UNKNOWN;
	memset(e->mac, 0x5a, sizeof(e->mac));
}

static void
test_roundtrip(void)
{
	struct fl_entry	 e, o;
	uint8_t		 rec[FL_REC_MAX], rec2[FL_REC_MAX];
	const char	*why = NULL;
	size_t		 len, len2, i, bad = 0;
	int		 b;

	entry(&e, "r\xc3\xa9sum\xc3\xa9.pdf");
	CHECK(fl_seal(&k1, 7, &e, rec, &len) == 0, "seal an entry");
	CHECK(len <= FL_REC_MAX && len > 12 + 16, "sealed length %zu", len);
	CHECK(memmem(rec, len, e.name, strlen(e.name)) == NULL &&
	    memmem(rec, len, e.link + 4, 20) == NULL,
	    "neither the name nor the link is in the record in clear");
	CHECK(fl_open(&k1, 7, rec, len, &o, &why) == 0 &&
	    memcmp(&o, &e, sizeof(o)) == 0, "open gives the same entry back");
	CHECK(fl_seal(&k1, 7, &e, rec2, &len2) == 0 && len2 == len &&
	    memcmp(rec, rec2, len) != 0, "a second seal uses a new nonce");
	CHECK(fl_open(&k1, 8, rec, len, &o, &why) == -1 && why != NULL,
	    "the record of slot 7 is refused in slot 8: %s", why);
	CHECK(fl_open(&k2, 7, rec, len, &o, &why) == -1,
	    "another node's key does not open it: %s", why);
	for (i = 0; i < len; i++)
		for (b = 0; b < 8; b++) {
			rec[i] ^= (uint8_t)(1 << b);
			if (fl_open(&k1, 7, rec, len, &o, &why) == 0)
				bad++;
			rec[i] ^= (uint8_t)(1 << b);
		}
	CHECK(bad == 0, "every one of %zu bit flips is refused (%zu opened)",
	    len * 8, bad);
	CHECK(fl_open(&k1, 7, rec, len - 1, &o, &why) == -1,
	    "a record one byte short is refused");
	CHECK(fl_open(&k1, 7, rec, 27, &o, &why) == -1,
	    "a record shorter than nonce and tag is refused: %s", why);
	CHECK(fl_open(&k1, 7, rec, FL_REC_MAX + 1, &o, &why) == -1,
	    "a record longer than the most is refused: %s", why);
}

static void
test_encode_refuses(void)
{
	struct fl_entry	 e;
	uint8_t		 pt[FL_PT_MAX];

	entry(&e, "");
	CHECK(fl_encode(&e, 0, pt, sizeof(pt)) == -1, "an empty name");
	entry(&e, "a/b");
	CHECK(fl_encode(&e, 0, pt, sizeof(pt)) == -1, "a name with '/'");
	entry(&e, "..");
	CHECK(fl_encode(&e, 0, pt, sizeof(pt)) == -1, "the name ..");
	entry(&e, "ok");
	e.link[10] ^= 1;
	CHECK(fl_encode(&e, 0, pt, sizeof(pt)) == -1, "a link with a typo");
	entry(&e, "ok");
	e.flags = 4;
	CHECK(fl_encode(&e, 0, pt, sizeof(pt)) == -1, "an unknown flag");
	entry(&e, "ok");
	CHECK(fl_encode(&e, 0, pt, 50) == -1, "a buffer too small");
	memset(e.name, 'n', sizeof(e.name));
	CHECK(fl_encode(&e, 0, pt, sizeof(pt)) == -1, "a name with no NUL");
}

static void
test_decode_hostile(void)
{
	struct fl_entry	 e, o;
	uint8_t		 pt[FL_PT_MAX + 8], tmp[FL_PT_MAX + 8];
	const char	*why;
	size_t		 nl;
	int		 n, i;

	entry(&e, "name");
	n = fl_encode(&e, 3, pt, sizeof(pt));
	CHECK(n > 0 && fl_decode(pt, (size_t)n, 3, &o, &why) == 0,
	    "a good plaintext decodes");
	for (i = 0; i < n; i++)
		if (fl_decode(pt, (size_t)i, 3, &o, &why) == 0)
			break;
	CHECK(i == n, "every truncation is refused");
	memcpy(tmp, pt, (size_t)n);
	tmp[n] = 0;
	CHECK(fl_decode(tmp, (size_t)n + 1, 3, &o, &why) == -1,
	    "a byte too many is refused: %s", why);
	memcpy(tmp, pt, (size_t)n);
	tmp[0] = 'X';
	CHECK(fl_decode(tmp, (size_t)n, 3, &o, &why) == -1, "bad magic: %s",
	    why);
	/* the name is at 64 + 2: "name" */
	nl = 4;
	memcpy(tmp, pt, (size_t)n);
	tmp[66 + 1] = '\0';
	CHECK(fl_decode(tmp, (size_t)n, 3, &o, &why) == -1,
	    "a NUL inside the name: %s", why);
	memcpy(tmp, pt, (size_t)n);
	tmp[66 + 1] = '/';
	CHECK(fl_decode(tmp, (size_t)n, 3, &o, &why) == -1,
	    "a '/' inside the name: %s", why);
	memcpy(tmp, pt, (size_t)n);
	tmp[66 + 1] = 0x01;
	CHECK(fl_decode(tmp, (size_t)n, 3, &o, &why) == -1,
	    "a control character in the name: %s", why);
	memcpy(tmp, pt, (size_t)n);
	tmp[64] = 0xff;		/* name length 65,284 */
	CHECK(fl_decode(tmp, (size_t)n, 3, &o, &why) == -1,
	    "a name length far past the end: %s", why);
	memcpy(tmp, pt, (size_t)n);
	tmp[66 + nl + 2 + 10] ^= 1;	/* a letter of the link */
	CHECK(fl_decode(tmp, (size_t)n, 3, &o, &why) == -1,
	    "a link that does not check out: %s", why);
	memcpy(tmp, pt, (size_t)n);
	tmp[27] = 4;			/* flags */
	CHECK(fl_decode(tmp, (size_t)n, 3, &o, &why) == -1,
	    "an unknown flag: %s", why);
}

int
main(void)
{
	uint8_t	 s1[32], s2[32];

	memset(s1, 1, sizeof(s1));
	memset(s2, 2, sizeof(s2));
	if (fl_keys_init(&k1, s1) == -1 || fl_keys_init(&k2, s2) == -1) {
		printf("not ok - the list keys\n");
		return (1);
	}
	test_roundtrip();
	test_encode_refuses();
	test_decode_hostile();
	{
		uint8_t	 sha[32], m1[32], m2[32];

		memset(sha, 9, sizeof(sha));
		CHECK(fl_mac(&k1, sha, m1) == 0 && fl_mac(&k2, sha, m2) == 0 &&
		    memcmp(m1, m2, 32) != 0 && memcmp(m1, sha, 32) != 0,
		    "the keyed hash depends on the node's key");
	}
	fl_keys_clear(&k1);
	fl_keys_clear(&k2);
	crypt_aead_cleanup();
	return (test_done());
}
