/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadctl/dirlist.c, the directory listings of put DIR:
 * a round trip in name order; and hostile listings refused, each with a
 * reason: "..", ".", "/" and NUL in names, kadctl's own partial-file
 * names, duplicates and disorder, unknown types (a symbolic link),
 * modes beyond permissions, bad links, counts larger than the bytes,
 * truncations and trailing bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>
#include <bsd/sys/endian.h>

#include "kadcrypt/link.h"
#include "kadctl/dirlist.h"
#include "tests/test.h"

static char	 good_link[KAD_LINK_SIZE];

static void
mk(struct dl_entry *e, const char *name, int type)
{
	memset(e, 0, sizeof(*e));
	strlcpy(e->name, name, sizeof(e->name));
	strlcpy(e->link, good_link, sizeof(e->link));
	e->type = (uint8_t)type;
	e->mode = 0644;
	e->size = 42;
}

/* The listing of one entry named name, or NULL. */
static uint8_t *
one(const char *name, size_t *len)
{
	struct dl_entry	 e;
	uint8_t		*buf;
	const char	*why;

	mk(&e, "x", DL_FILE);
	if (dl_encode(&e, 1, &buf, len, &why) == -1)
		return (NULL);
	/* the name is at 8 + 13, its length at 8 + 12 */
	if (strlen(name) == 1)
		buf[8 + 13] = (uint8_t)name[0];
	return (buf);
}

static int
refused(const uint8_t *buf, size_t len, const char **why)
{
	struct dl_entry	*e;
	size_t		 n;

	*why = NULL;
	return (dl_parse(buf, len, &e, &n, why) == -1 && *why != NULL);
}

static void
test_roundtrip(void)
{
	struct dl_entry	 in[4], *out;
	uint8_t		*buf;
	const char	*why = NULL;
	size_t		 len, n, i;

	mk(&in[0], "zeta", DL_FILE);
	mk(&in[1], ".hidden", DL_FILE);
	mk(&in[2], "sub", DL_DIR);
	mk(&in[3], "\xc3\xa9t\xc3\xa9", DL_FILE);
	in[2].mode = 0755;
	in[2].size = 1234567890123ULL;
	CHECK(dl_encode(in, 4, &buf, &len, &why) == 0, "encode four entries");
	CHECK(dl_parse(buf, len, &out, &n, &why) == 0 && n == 4,
	    "parse them back (%s)", why ? why : "ok");
	CHECK(strcmp(out[0].name, ".hidden") == 0 &&
	    strcmp(out[1].name, "sub") == 0 &&
	    strcmp(out[2].name, "zeta") == 0 &&
	    strcmp(out[3].name, "\xc3\xa9t\xc3\xa9") == 0, "in name order");
	CHECK(out[1].type == DL_DIR && out[1].mode == 0755 &&
	    out[1].size == 1234567890123ULL &&
	    strcmp(out[1].link, good_link) == 0, "fields kept");
	for (i = 0; i < len; i++) {
		struct dl_entry	*e;
		size_t		 m;

		if (dl_parse(buf, i, &e, &m, &why) == 0)
			break;
	}
	CHECK(i == len, "every truncation is refused");
	buf = realloc(buf, len + 1);
	buf[len] = 0;
	CHECK(refused(buf, len + 1, &why), "a byte after the last: %s", why);
	free(buf);
	free(out);
	CHECK(dl_encode(NULL, 0, &buf, &len, &why) == 0 && len == 8 &&
	    dl_parse(buf, len, &out, &n, &why) == 0 && n == 0,
	    "an empty directory");
	free(buf);
	mk(&in[0], "same", DL_FILE);
	mk(&in[1], "same", DL_DIR);
	CHECK(dl_encode(in, 2, &buf, &len, &why) == -1,
	    "encode refuses two entries with one name: %s", why);
	mk(&in[0], "a/b", DL_FILE);
	CHECK(dl_encode(in, 1, &buf, &len, &why) == -1,
	    "encode refuses a name with '/': %s", why);
}

static void
test_hostile(void)
{
	struct dl_entry	 in[2];
	uint8_t		*buf;
	const char	*why;
	size_t		 len;

	buf = one(".", &len);
	CHECK(refused(buf, len, &why), "the name '.': %s", why);
	buf[8 + 13] = '/';
	CHECK(refused(buf, len, &why), "the name '/': %s", why);
	buf[8 + 13] = '\0';
	CHECK(refused(buf, len, &why), "a NUL for a name: %s", why);
	buf[8 + 13] = 0x1b;
	CHECK(refused(buf, len, &why), "an escape for a name: %s", why);
	buf[8 + 13] = 'x';
	buf[8] = 3;	/* type: a symbolic link, say */
	CHECK(refused(buf, len, &why), "an entry of type 3: %s", why);
	buf[8] = DL_FILE;
	buf[9] = 1;
	CHECK(refused(buf, len, &why), "a non-zero pad: %s", why);
	buf[9] = 0;
	be16enc(buf + 10, 04755);
	CHECK(refused(buf, len, &why), "a set-uid mode: %s", why);
	be16enc(buf + 10, 0644);
	buf[8 + 13 + 1 + 10] ^= 1;	/* a letter of the link */
	CHECK(refused(buf, len, &why), "a link that does not check: %s", why);
	buf[8 + 13 + 1 + 10] ^= 1;
	be32enc(buf + 4, 1000);
	CHECK(refused(buf, len, &why), "a count the bytes cannot hold: %s",
	    why);
	be32enc(buf + 4, 0xffffffffU);
	CHECK(refused(buf, len, &why), "a count of 2^32-1: %s", why);
	be32enc(buf + 4, 1);
	memcpy(buf, "KDL2", 4);
	CHECK(refused(buf, len, &why), "another magic: %s", why);
	free(buf);

	/* "..", and kadctl's own names, need more than one letter */
	mk(&in[0], "..", DL_FILE);
	CHECK(dl_encode(in, 1, &buf, &len, &why) == -1, "encode refuses ..");
	mk(&in[0], "aa", DL_FILE);
	(void)dl_encode(in, 1, &buf, &len, &why);
	buf[8 + 13] = '.';
	buf[8 + 14] = '.';
	CHECK(refused(buf, len, &why), "the name '..': %s", why);
	free(buf);
	mk(&in[0], ".kad-get-0123", DL_FILE);
	CHECK(dl_encode(in, 1, &buf, &len, &why) == -1,
	    "kadctl's partial-file names are not entries: %s", why);
	/* order: two entries swapped */
	mk(&in[0], "a", DL_FILE);
	mk(&in[1], "b", DL_FILE);
	(void)dl_encode(in, 2, &buf, &len, &why);
	buf[8 + 13] = 'b';
	buf[8 + 13 + 1 + 1 + strlen(good_link) + 13] = 'a';
	CHECK(refused(buf, len, &why), "entries out of order: %s", why);
	buf[8 + 13] = 'a';
	CHECK(refused(buf, len, &why), "two entries named a: %s", why);
	free(buf);
	CHECK(refused((const uint8_t *)"KDL1", 4, &why), "a header cut: %s",
	    why);
}

int
main(void)
{
	struct kad_link	 l;
	int		 i;

	memset(&l, 0, sizeof(l));
	l.version = KAD_LINK_VERSION;
	for (i = 0; i < 32; i++)
		l.root[i] = (uint8_t)(i * 7);
	if (crypt_link_encode(&l, good_link, sizeof(good_link)) == -1) {
		printf("not ok - a link\n");
		return (1);
	}
	test_roundtrip();
	test_hostile();
	return (test_done());
}
