/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the file list's records (kadcrypt/filelist.c),
 * which come back from kadstore and are read as if from an attacker.
 *
 * Properties: decoding never crashes or over-reads; every refusal has a
 * reason; an accepted plaintext is the one encoding of what it decodes
 * to (encoding it again gives the same bytes); a sealed record of any
 * bytes under a fixed key opens only if it was sealed (never here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadcrypt/filelist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fl_keys	 k;
	static int		 init;
	struct fl_entry		 e;
	uint8_t			 pt[FL_PT_MAX];
	const char		*why;
	uint32_t		 slot;
	int			 n;

	if (!init) {
		uint8_t	 local[32];

		memset(local, 0x42, sizeof(local));
		if (fl_keys_init(&k, local) == -1)
			abort();
		init = 1;
	}
	if (size < 4)
		return (0);
	/* the slot the record is read for, then the record */
	slot = (uint32_t)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	why = NULL;
	if (fl_decode(data, size, slot, &e, &why) == 0) {
		n = fl_encode(&e, slot, pt, sizeof(pt));
		if (n < 0 || (size_t)n != size || memcmp(pt, data, size) != 0)
			abort();
	} else if (why == NULL)
		abort();
	why = NULL;
	if (fl_open(&k, slot, data, size, &e, &why) == 0 || why == NULL)
		abort();
	return (0);
}
