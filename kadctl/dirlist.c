/* SPDX-License-Identifier: ISC */
/*
 * Directory listings.  Big-endian:
 *
 *   "KDL1" | count u32 | count entries, in strictly increasing name
 *   order (bytes compared unsigned), each:
 *   type u8 (1 file, 2 directory) | 0 u8 | mode u16 (<= 0777) |
 *   size u64 | namelen u8 (1..255) | name | linklen u8 | link
 *
 * and nothing after the last.  Strict order makes the encoding unique
 * and a repeated name impossible; a name is a manifest's (no '/', not
 * . or .., valid UTF-8, no control character) and never kadctl's own
 * partial-file prefix; a link must parse.  Whatever comes from the
 * network is refused, whole, at the first rule it breaks.
 */
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/sys/endian.h>
#include <stdlib.h>
#include <string.h>

#include "kadcrypt/link.h"
#include "kadcrypt/manifest.h"
#include "dirlist.h"

#define DL_MAGIC	"KDL1"
#define DL_HEAD		8
#define DL_FIXED	(1 + 1 + 2 + 8 + 1)	/* before the name */

int
dl_name_ok(const char *name, const char **errstr)
{
	size_t	 len = strlen(name);

	if (len == 0) {
		*errstr = "an empty name";
		return (0);
	}
	if (!manifest_name_valid(name, len, errstr))
		return (0);
	if (strncmp(name, DL_RESERVED, sizeof(DL_RESERVED) - 1) == 0) {
		*errstr = "a name kadctl keeps for its partial files";
		return (0);
	}
	return (1);
}

static int
link_ok(const char *link, const char **errstr)
{
	struct kad_link	 l;
	int		 ok;

	ok = crypt_link_parse(link, &l, errstr) == 0;
	explicit_bzero(&l, sizeof(l));
	return (ok);
}

static int
by_name(const void *a, const void *b)
{
	const struct dl_entry	*x = a, *y = b;

	return (strcmp(x->name, y->name));
}

int
dl_encode(struct dl_entry *e, size_t n, uint8_t **out, size_t *lenp,
    const char **errstr)
{
	uint8_t	*p, *buf;
	size_t	 i, len = DL_HEAD, nl, ll;

	*out = NULL;
	if (n > DL_MAX_ENTRIES) {
		*errstr = "too many entries in one directory";
		return (-1);
	}
	if (n > 1)
		qsort(e, n, sizeof(*e), by_name);
	for (i = 0; i < n; i++) {
		if (!dl_name_ok(e[i].name, errstr) ||
		    !link_ok(e[i].link, errstr))
			return (-1);
		if ((e[i].type != DL_FILE && e[i].type != DL_DIR) ||
		    e[i].mode > 0777) {
			*errstr = "a bad type or mode";
			return (-1);
		}
		if (i > 0 && strcmp(e[i - 1].name, e[i].name) == 0) {
			*errstr = "two entries with one name";
			return (-1);
		}
		len += DL_FIXED + strlen(e[i].name) + 1 + strlen(e[i].link);
	}
	if (len > DL_MAX_BYTES || (buf = malloc(len)) == NULL) {
		*errstr = "the listing is too large";
		return (-1);
	}
	memcpy(buf, DL_MAGIC, 4);
	be32enc(buf + 4, (uint32_t)n);
	p = buf + DL_HEAD;
	for (i = 0; i < n; i++) {
		nl = strlen(e[i].name);
		ll = strlen(e[i].link);
		p[0] = e[i].type;
		p[1] = 0;
		be16enc(p + 2, e[i].mode);
		be64enc(p + 4, e[i].size);
		p[12] = (uint8_t)nl;
		memcpy(p + 13, e[i].name, nl);
		p += 13 + nl;
		*p++ = (uint8_t)ll;
		memcpy(p, e[i].link, ll);
		p += ll;
	}
	*out = buf;
	*lenp = len;
	return (0);
}

int
dl_parse(const uint8_t *p, size_t len, struct dl_entry **out, size_t *np,
    const char **errstr)
{
	struct dl_entry	*e = NULL;
	size_t		 i, n, off, nl, ll;

	*out = NULL;
	*np = 0;
	*errstr = "truncated";
	if (len > DL_MAX_BYTES) {
		*errstr = "larger than a listing may be";
		return (-1);
	}
	if (len < DL_HEAD)
		return (-1);
	if (memcmp(p, DL_MAGIC, 4) != 0) {
		*errstr = "not a directory listing";
		return (-1);
	}
	n = be32dec(p + 4);
	/* every entry takes at least DL_FIXED + 2 bytes: no huge calloc */
	if (n > DL_MAX_ENTRIES || n > (len - DL_HEAD) / (DL_FIXED + 2)) {
		*errstr = n > DL_MAX_ENTRIES ? "too many entries" :
		    "more entries than bytes";
		return (-1);
	}
	if (n > 0 && (e = calloc(n, sizeof(*e))) == NULL) {
		*errstr = "out of memory";
		return (-1);
	}
	for (i = 0, off = DL_HEAD; i < n; i++) {
		*errstr = "truncated";
		if (len - off < DL_FIXED)
			goto bad;
		e[i].type = p[off];
		e[i].mode = be16dec(p + off + 2);
		e[i].size = be64dec(p + off + 4);
		nl = p[off + 12];
		off += DL_FIXED;
		if ((e[i].type != DL_FILE && e[i].type != DL_DIR) ||
		    p[off - DL_FIXED + 1] != 0) {
			*errstr = "an entry that is neither file nor directory";
			goto bad;
		}
		if (e[i].mode > 0777) {
			*errstr = "a mode with more than permission bits";
			goto bad;
		}
		if (len - off < nl + 1)
			goto bad;
		memcpy(e[i].name, p + off, nl);
		off += nl;
		ll = p[off++];
		if (len - off < ll || ll >= sizeof(e[i].link))
			goto bad;
		memcpy(e[i].link, p + off, ll);
		off += ll;
		/* a NUL inside makes the name shorter than it says */
		if (strlen(e[i].name) != nl) {
			*errstr = "a NUL in a name";
			goto bad;
		}
		if (!dl_name_ok(e[i].name, errstr) ||
		    strlen(e[i].link) != ll || !link_ok(e[i].link, errstr))
			goto bad;
		if (i > 0 && strcmp(e[i - 1].name, e[i].name) >= 0) {
			*errstr = strcmp(e[i - 1].name, e[i].name) == 0 ?
			    "two entries with one name" : "entries out of order";
			goto bad;
		}
	}
	if (off != len) {
		*errstr = "bytes after the last entry";
		goto bad;
	}
	*out = e;
	*np = n;
	return (0);
 bad:
	freezero(e, n * sizeof(*e));
	return (-1);
}
