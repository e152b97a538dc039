/* SPDX-License-Identifier: ISC */
/*
 * kadctl ls, unpin and rm: kadcrypt's sealed list of the files this
 * node published.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <bsd/string.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "output.h"
#include "kadctl.h"

/* unpin and rm: kadcrypt's one line, then done */
int
cmd_unpin(uint32_t type, const char *link)
{
	struct kadipc_link	 l;
	struct kadipc_text	 t;
	struct kadipc_msg	 m;

	memset(&l, 0, sizeof(l));
	if (strlcpy(l.link, link, sizeof(l.link)) >= sizeof(l.link))
		errx(1, "malformed link: too long");
	kadipc_compose(ch, type, 0, -1, &l, sizeof(l));
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_INFO:
			if (kadipc_recv_text(&m, &t) == -1)
				errx(1, "malformed text from kadmaster");
			if (!quiet)
				printf("%s\n", t.text);
			break;
		case KADIPC_XFER_DONE:
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}

/* One line of ls: tab-separated, sizes in human units unless -p. */
static void
ls_line(const struct kadipc_list_entry *e)
{
	struct tm	 tm;
	time_t		 t;
	char		 date[32], holders[16], size[FMT_LEN];

	t = (time_t)e->time;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm) == 0)
		strlcpy(date, "-", sizeof(date));
	if (e->holders == KADIPC_HOLDERS_UNKNOWN)
		strlcpy(holders, "-", sizeof(holders));
	else
		snprintf(holders, sizeof(holders), "%u", e->holders);
	if (exact_out || fmt_bytes(e->size, size, sizeof(size)) == -1)
		snprintf(size, sizeof(size), "%" PRIu64, e->size);
	/* a directory's name ends in '/', which no file's can */
	printf("%s%s\t%s\t%s\t%s\t%s\t%s\n", e->name,
	    e->flags & KADIPC_LIST_F_DIR ? "/" : "", size, date,
	    e->flags & KADIPC_LIST_F_PINNED ? "pinned" : "unpinned", holders,
	    e->link);
}

/* ls: the files this node published, oldest first */
int
cmd_ls(void)
{
	struct kadipc_list_entry e;
	struct kadipc_msg	 m;
	struct json		 j;

	if (json_out) {
		json_start(&j, stdout);
		json_array_open(&j, "files");
	}
	kadipc_compose(ch, KADIPC_XFER_LS, 0, -1, NULL, 0);
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_ENTRY:
			if (kadipc_recv_list_entry(&m, &e) == -1)
				errx(1, "malformed entry from kadmaster");
			if (!json_out) {
				ls_line(&e);
				break;
			}
			json_object_open(&j, NULL);
			json_str(&j, "name", e.name);
			json_u64(&j, "size", e.size);
			json_i64(&j, "time", e.time);
			json_bool(&j, "pinned", e.flags & KADIPC_LIST_F_PINNED);
			json_bool(&j, "directory", e.flags & KADIPC_LIST_F_DIR);
			if (e.holders == KADIPC_HOLDERS_UNKNOWN)
				json_null(&j, "holders");
			else
				json_u64(&j, "holders", e.holders);
			json_str(&j, "link", e.link);
			json_object_close(&j);
			break;
		case KADIPC_XFER_DONE:
			if (json_out) {
				json_array_close(&j);
				if (json_end(&j) == -1)
					err(1, "stdout");
			}
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}
