/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the kad: link parser (kadcrypt/link.c).
 *
 * Properties: parsing never crashes or over-reads; every failure has a
 * reason; every accepted link is the one canonical spelling of what it
 * decodes to (re-encoding gives the same text, up to case); any 65
 * bytes encode to a link that parses back to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kadcrypt/link.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kad_link	 l, l2;
	const char	*why;
	char		 buf[512], enc[KAD_LINK_SIZE];
	size_t		 n;

	n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
	memcpy(buf, data, n);
	buf[n] = '\0';
	why = NULL;
	if (crypt_link_parse(buf, &l, &why) == 0) {
		if (l.version != KAD_LINK_VERSION ||
		    crypt_link_encode(&l, enc, sizeof(enc)) == -1 ||
		    strcasecmp(enc, buf) != 0)
			abort();
	} else if (why == NULL)
		abort();

	/* the other direction: arbitrary fields survive a round trip */
	if (size >= 64) {
		memset(&l, 0, sizeof(l));
		l.version = KAD_LINK_VERSION;
		memcpy(l.root, data, 32);
		memcpy(l.key, data + 32, 32);
		if (crypt_link_encode(&l, enc, sizeof(enc)) == -1 ||
		    strlen(enc) != KAD_LINK_LEN ||
		    crypt_link_parse(enc, &l2, &why) == -1 ||
		    memcmp(&l, &l2, sizeof(l)) != 0)
			abort();
	}
	return (0);
}
