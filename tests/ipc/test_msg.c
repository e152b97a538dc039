/*
 * The recv helpers of libkadipc/msg_chunk.c (STYLE.md T2): every helper
 * takes exactly the shapes its types allow and refuses one byte short,
 * one byte long, the maximum + 1, unknown flag bits, non-zero padding and
 * out-of-range errors.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "tests/test.h"

static uint8_t	 buf[2 * KADIPC_CHUNK_MAX];

static struct kadipc_msg
msg(uint32_t type, size_t len)
{
	struct kadipc_msg	 m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = KADIPC_HDR_SIZE + len;
	m.data = buf;
	m.len = len;
	m.fd = -1;
	return (m);
}

static void
set_chunk_head(uint32_t flags, uint32_t pad)
{
	struct kadipc_chunk	 h;

	memset(&h, 0, sizeof(h));
	memset(h.key, 0xab, sizeof(h.key));
	h.flags = flags;
	h.pad0 = pad;
	memcpy(buf, &h, sizeof(h));
}

static void
set_res_head(int32_t error, uint32_t pad)
{
	struct kadipc_chunk_res	 h;

	memset(&h, 0, sizeof(h));
	memset(h.key, 0xcd, sizeof(h.key));
	h.error = error;
	h.pad0 = pad;
	memcpy(buf, &h, sizeof(h));
}

static void
test_chunk_put(void)
{
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;
	size_t			 hs = sizeof(struct kadipc_chunk);

	set_chunk_head(KADIPC_CHUNK_F_PIN, 0);
	buf[hs] = 0x42;
	m = msg(KADIPC_CHUNK_PUT, hs + 1);
	CHECK(kadipc_recv_chunk(&m, &c) == 0, "CHUNK_PUT with 1 byte");
	CHECK(c.len == 1 && c.data[0] == 0x42 && c.key[0] == 0xab &&
	    c.flags == KADIPC_CHUNK_F_PIN, "CHUNK_PUT fields decoded");
	m = msg(KADIPC_CHUNK_PUT, hs);
	CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.len == 0,
	    "CHUNK_PUT with an empty chunk");
	m = msg(KADIPC_CHUNK_PUT, hs + KADIPC_CHUNK_MAX);
	CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.len == KADIPC_CHUNK_MAX,
	    "CHUNK_PUT at the maximum");
	m = msg(KADIPC_CHUNK_PUT, hs + KADIPC_CHUNK_MAX + 1);
	CHECK(kadipc_recv_chunk(&m, &c) == -1 && errno == EBADMSG,
	    "CHUNK_PUT at the maximum + 1 refused");
	m = msg(KADIPC_CHUNK_PUT, hs - 1);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "CHUNK_PUT one byte short "
	    "of its head refused");
	set_chunk_head(0x2, 0);
	m = msg(KADIPC_CHUNK_PUT, hs + 4);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "unknown flag refused");
	set_chunk_head(0, 1);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "non-zero padding refused");
}

static void
test_key_only(void)
{
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;
	uint32_t		 types[] = { KADIPC_CHUNK_GET, KADIPC_CHUNK_UNPIN };
	size_t			 i;

	for (i = 0; i < 2; i++) {
		memset(buf, 0x11, KADIPC_KEY_LEN);
		m = msg(types[i], KADIPC_KEY_LEN);
		CHECK(kadipc_recv_chunk(&m, &c) == 0 && c.key[31] == 0x11,
		    "%s with a key", kadipc_type_name(types[i]));
		m = msg(types[i], KADIPC_KEY_LEN - 1);
		CHECK(kadipc_recv_chunk(&m, &c) == -1, "%s one byte short",
		    kadipc_type_name(types[i]));
		m = msg(types[i], KADIPC_KEY_LEN + 1);
		CHECK(kadipc_recv_chunk(&m, &c) == -1, "%s one byte long",
		    kadipc_type_name(types[i]));
	}
	m = msg(KADIPC_CHUNK_PUT_RES, KADIPC_KEY_LEN);
	CHECK(kadipc_recv_chunk(&m, &c) == -1, "a reply type refused by "
	    "the request helper");
}

static void
test_res(void)
{
	struct kadipc_chunk_msg	 c;
	struct kadipc_msg	 m;
	size_t			 hs = sizeof(struct kadipc_chunk_res);

	set_res_head(0, 0);
	m = msg(KADIPC_CHUNK_PUT_RES, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == 0 && c.error == 0 &&
	    c.key[0] == 0xcd, "CHUNK_PUT_RES decoded");
	m = msg(KADIPC_CHUNK_PUT_RES, hs + 1);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "CHUNK_PUT_RES one byte "
	    "long refused");
	m = msg(KADIPC_CHUNK_UNPIN_RES, hs - 1);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "CHUNK_UNPIN_RES one byte "
	    "short refused");
	m = msg(KADIPC_CHUNK_GET_RES, hs + KADIPC_CHUNK_MAX);
	CHECK(kadipc_recv_chunk_res(&m, &c) == 0 && c.len ==
	    KADIPC_CHUNK_MAX, "CHUNK_GET_RES with a full chunk");
	m = msg(KADIPC_CHUNK_GET_RES, hs + KADIPC_CHUNK_MAX + 1);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "CHUNK_GET_RES at the "
	    "maximum + 1 refused");
	set_res_head(ENOENT, 0);
	m = msg(KADIPC_CHUNK_GET_RES, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == 0 && c.error == ENOENT,
	    "CHUNK_GET_RES not found");
	m = msg(KADIPC_CHUNK_GET_RES, hs + 5);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "an error with bytes "
	    "refused");
	set_res_head(-1, 0);
	m = msg(KADIPC_CHUNK_PUT_RES, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "a negative error refused");
	set_res_head(4096, 0);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "an error above 4095 "
	    "refused");
	set_res_head(0, 7);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "non-zero padding refused");
	set_res_head(0, 0);
	m = msg(KADIPC_CHUNK_GET, hs);
	CHECK(kadipc_recv_chunk_res(&m, &c) == -1, "a request type refused "
	    "by the reply helper");
}

int
main(void)
{
	test_chunk_put();
	test_key_only();
	test_res();
	return (test_done());
}
