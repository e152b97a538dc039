/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadcrypt/link.c: a known-answer link (computed
 * independently with Python's base64/hashlib), round trips, and every
 * single-character typo, every truncation and extension of a link
 * reported as malformed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadcrypt/aead.h"
#include "kadcrypt/link.h"
#include "tests/test.h"

/* version 1, root = 00 01 .. 1f, key = 20 21 .. 3f */
static const char kat[] = "kad:aeaacaqdaqcqmbyibefawdanbyhraeiscmkbkfqxdamr"
    "ugy4dupb6ibbeirsijjge4ucskrlfqws4lzqgezdgnbvgy3tqoj2hm6d2pr7di3yobgb";
/* valid checksums over a version-2 body, and a 69-byte version-1 body */
static const char v2[] = "kad:aiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaas56g2jh7";
static const char short69[] = "kad:aeaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaawvovtihy";

static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";

static int
is_malformed(const char *s)
{
	struct kad_link	 l;
	const char	*why = NULL;

	if (crypt_link_parse(s, &l, &why) != -1 || why == NULL)
		return (0);
	return (strncmp(why, "malformed link", 14) == 0);
}

static void
test_kat(void)
{
	struct kad_link	 l;
	const char	*why = NULL;
	char		 buf[KAD_LINK_SIZE], up[KAD_LINK_SIZE];
	int		 i, ok;

	CHECK(strlen(kat) == KAD_LINK_LEN, "link length is %d", KAD_LINK_LEN);
	memset(&l, 0, sizeof(l));
	l.version = KAD_LINK_VERSION;
	for (i = 0; i < 32; i++) {
		l.root[i] = (uint8_t)i;
		l.key[i] = (uint8_t)(32 + i);
	}
	CHECK(crypt_link_encode(&l, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, kat) == 0, "encode matches the known answer");
	CHECK(crypt_link_encode(&l, buf, sizeof(buf) - 1) == -1,
	    "encode refuses a buffer one byte short");

	memset(&l, 0xee, sizeof(l));
	CHECK(crypt_link_parse(kat, &l, &why) == 0, "parse known answer");
	ok = l.version == 1;
	for (i = 0; i < 32; i++)
		ok &= l.root[i] == i && l.key[i] == 32 + i;
	CHECK(ok, "parsed fields are right");

	for (i = 0; kat[i] != '\0'; i++)
		up[i] = (kat[i] >= 'a' && kat[i] <= 'z') ? kat[i] - 32 : kat[i];
	up[i] = '\0';
	CHECK(crypt_link_parse(up, &l, &why) == 0, "upper case accepted");

	why = NULL;
	CHECK(crypt_link_parse(v2, &l, &why) == -1 && why != NULL &&
	    strcmp(why, "unsupported link version") == 0,
	    "version 2 is unsupported, not malformed");
	why = NULL;
	CHECK(crypt_link_parse(short69, &l, &why) == -1 && why != NULL &&
	    strcmp(why, "malformed link: bad length") == 0,
	    "valid checksum but a 69-byte body: bad length");
	memcpy(up, kat, sizeof(kat));
	up[20] = up[20] == 'a' ? 'b' : 'a';
	why = NULL;
	CHECK(crypt_link_parse(up, &l, &why) == -1 && why != NULL &&
	    strcmp(why, "malformed link: checksum mismatch") == 0,
	    "a typo reads as a checksum mismatch");
}

static void
test_roundtrip(void)
{
	struct kad_link	 a, b;
	const char	*why;
	char		 buf[KAD_LINK_SIZE];
	int		 i, ok = 1;

	for (i = 0; i < 200; i++) {
		memset(&a, 0, sizeof(a));
		a.version = KAD_LINK_VERSION;
		crypt_random(a.root, sizeof(a.root));
		crypt_random(a.key, sizeof(a.key));
		if (crypt_link_encode(&a, buf, sizeof(buf)) == -1 ||
		    strlen(buf) != KAD_LINK_LEN ||
		    strspn(buf + 4, alpha) != KAD_LINK_LEN - 4 ||
		    crypt_link_parse(buf, &b, &why) == -1 ||
		    memcmp(&a, &b, sizeof(a)) != 0)
			ok = 0;
	}
	CHECK(ok, "200 random links round-trip as one base32 token");
}

static void
test_mangled(void)
{
	char	 buf[KAD_LINK_SIZE + 8];
	size_t	 i, n;
	int	 bad, all;

	/* every single substitution by another base32 character */
	all = 0;
	bad = 0;
	for (i = 4; i < KAD_LINK_LEN; i++) {
		for (n = 0; n < 32; n += 7) {
			memcpy(buf, kat, sizeof(kat));
			if (buf[i] == alpha[n])
				continue;
			buf[i] = alpha[n];
			all++;
			bad += is_malformed(buf);
		}
	}
	CHECK(bad == all, "%d of %d one-character typos are malformed", bad,
	    all);

	/* every adjacent transposition that changes the text */
	all = 0;
	bad = 0;
	for (i = 4; i + 1 < KAD_LINK_LEN; i++) {
		memcpy(buf, kat, sizeof(kat));
		if (buf[i] == buf[i + 1])
			continue;
		buf[i] = kat[i + 1];
		buf[i + 1] = kat[i];
		all++;
		bad += is_malformed(buf);
	}
	CHECK(bad == all, "%d of %d transpositions are malformed", bad, all);

	/* every truncation */
	bad = 0;
	for (n = 0; n < KAD_LINK_LEN; n++) {
		memcpy(buf, kat, n);
		buf[n] = '\0';
		bad += is_malformed(buf);
	}
	CHECK(bad == KAD_LINK_LEN, "%d of %d truncations are malformed", bad,
	    KAD_LINK_LEN);

	/* extensions */
	bad = 0;
	for (n = 1; n <= 8; n++) {
		memcpy(buf, kat, KAD_LINK_LEN);
		memset(buf + KAD_LINK_LEN, 'a', n);
		buf[KAD_LINK_LEN + n] = '\0';
		bad += is_malformed(buf);
	}
	CHECK(bad == 8, "links with 1..8 characters appended are malformed");

	/* odd characters, separators, prefixes */
	memcpy(buf, kat, sizeof(kat));
	buf[50] = '0';
	CHECK(is_malformed(buf), "digit 0 is not base32");
	buf[50] = '=';
	CHECK(is_malformed(buf), "padding is not accepted");
	memcpy(buf, kat, sizeof(kat));
	buf[KAD_LINK_LEN] = '\n';
	buf[KAD_LINK_LEN + 1] = '\0';
	CHECK(is_malformed(buf), "trailing newline");
	buf[0] = ' ';
	CHECK(is_malformed(buf), "leading blank");
	memcpy(buf, kat, sizeof(kat));
	buf[2] = 't';
	CHECK(is_malformed(buf), "wrong scheme");
	CHECK(is_malformed("kad:"), "empty body");
	CHECK(is_malformed(""), "empty string");
	CHECK(is_malformed(NULL), "NULL");
	CHECK(is_malformed("kad:aa"), "tiny body");
	memset(buf, 'a', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	memcpy(buf, "kad:", 4);
	CHECK(is_malformed(buf), "all-a body");
}

int
main(void)
{
	test_kat();
	test_roundtrip();
	test_mangled();
	crypt_aead_cleanup();
	return (test_done());
}
