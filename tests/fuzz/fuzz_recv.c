/*
 * libFuzzer harness for the typed recv helpers: the first two bytes pick
 * a message type, the rest is the payload.  Whatever a helper accepts
 * must lie inside the payload it was given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t	 types[] = {
		KADIPC_CHUNK_PUT, KADIPC_CHUNK_GET, KADIPC_CHUNK_UNPIN,
		KADIPC_CHUNK_PUT_RES, KADIPC_CHUNK_GET_RES,
		KADIPC_CHUNK_UNPIN_RES, KADIPC_XFER_DATA
	};
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;
	uint8_t			*copy;

	if (size < 1 || size - 1 > KADIPC_MAX_PAYLOAD)
		return (0);
	/* an exact-size copy so ASan sees any over-read */
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return (0);
	memcpy(copy, data + 1, size - 1);
	memset(&m, 0, sizeof(m));
	m.hdr.type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	m.data = copy;
	m.len = size - 1;
	m.fd = -1;
	if (kadipc_recv_chunk(&m, &c) == 0 && c.len > 0 &&
	    (c.data < copy || c.data + c.len > copy + m.len))
		abort();
	if (kadipc_recv_chunk_res(&m, &c) == 0 && c.len > 0 &&
	    (c.data < copy || c.data + c.len > copy + m.len))
		abort();
	free(copy);
	return (0);
}
