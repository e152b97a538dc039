/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for directory listings (kadctl/dirlist.c), which a
 * get of a hostile link hands to kadctl.
 *
 * Properties: parsing never crashes or over-reads; every refusal has a
 * reason; an accepted listing has only names a directory can hold (no
 * '/', not . or .., no NUL, no kadctl partial-file name), in strictly
 * increasing order, and encodes back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadctl/dirlist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dl_entry	*e;
	const char	*why = NULL;
	uint8_t		*buf;
	size_t		 n, i, len;

	if (dl_parse(data, size, &e, &n, &why) == -1) {
		if (why == NULL)
			abort();
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (strchr(e[i].name, '/') != NULL ||
		    strcmp(e[i].name, ".") == 0 ||
		    strcmp(e[i].name, "..") == 0 || e[i].name[0] == '\0' ||
		    strncmp(e[i].name, DL_RESERVED,
		    sizeof(DL_RESERVED) - 1) == 0 ||
		    (i > 0 && strcmp(e[i - 1].name, e[i].name) >= 0))
			abort();
	}
	if (dl_encode(e, n, &buf, &len, &why) == -1 || len != size ||
	    memcmp(buf, data, size) != 0)
		abort();
	free(buf);
	free(e);
	return (0);
}
