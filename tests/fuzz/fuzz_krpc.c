/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for kadnet/krpc.c.  Any input either decodes, and
 * then re-encodes to exactly the same bytes (the format is canonical),
 * or is refused with a reason; the sanitizers catch any read past the
 * input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/krpc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct krpc_msg	 m;
	enum krpc_err	 why;
	uint8_t		 out[KRPC_MAX_DGRAM];
	ssize_t		 n;

	if (krpc_decode(data, size, &m, &why) == -1) {
		if (why == KRPC_E_NONE || why >= KRPC_E_MAX)
			abort();
		return (0);
	}
	if (why != KRPC_E_NONE || size > KRPC_MAX_DGRAM)
		abort();
	n = krpc_encode(&m, out, sizeof(out));
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		abort();
	return (0);
}
