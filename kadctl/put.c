/* SPDX-License-Identifier: ISC */
/*
 * kadctl put: a file or standard input to kadcrypt, after asking
 * whether this node published the same bytes already (XFER_FIND).
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

/* SHA-256 of what fd holds from its start to len (all of it: -1). */
int
sha256_fd(int fd, off_t len, uint8_t md[32])
{
	static uint8_t	 buf[WRITE_BUF];
	EVP_MD_CTX	*c;
	unsigned int	 mdlen = 0;
	off_t		 off = 0;
	ssize_t		 n;
	int		 ok = 0;

	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		goto done;
	while (len < 0 || off < len) {
		n = pread(fd, buf, len < 0 || len - off > (off_t)sizeof(buf) ?
		    sizeof(buf) : (size_t)(len - off), off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto done;
		if (n == 0) {
			if (len >= 0)
				goto done;	/* shorter than it was */
			break;
		}
		if (EVP_DigestUpdate(c, buf, n) != 1)
			goto done;
		off += n;
	}
	ok = EVP_DigestFinal_ex(c, md, &mdlen) == 1 && mdlen == 32;
 done:
	EVP_MD_CTX_free(c);
	return (ok ? 0 : -1);
}

/* A put's result: the link, or one JSON object with -j. */
static void
put_result(const char *link, const char *name, uint64_t size, int dedup)
{
	struct json	 j;

	if (!json_out) {
		printf("%s\n", link);
		return;
	}
	json_start(&j, stdout);
	json_str(&j, "link", link);
	json_str(&j, "name", name);
	json_u64(&j, "size", size);
	json_bool(&j, "deduplicated", dedup);
	if (json_end(&j) == -1)
		err(1, "stdout");
}

/*
 * Did this node publish these bytes already?  1 and the link in l, or
 * 0.  The hash goes to kadcrypt, which compares keyed hashes only.
 */
static int
put_find(int fd, const char *path, struct kadipc_link *l)
{
	struct kadipc_key	 k;
	struct kadipc_msg	 m;

	if (sha256_fd(fd, -1, k.key) == -1)
		err(1, "%s", path);
	kadipc_compose(ch, KADIPC_XFER_FIND, 0, -1, &k, sizeof(k));
	next_msg(&m, 0);
	switch (m.hdr.type) {
	case KADIPC_XFER_DONE:
		return (0);
	case KADIPC_XFER_LINK:
		if (kadipc_recv_link(&m, l) == -1)
			errx(1, "malformed link from kadmaster");
		return (1);
	case KADIPC_XFER_ERROR:
	case KADIPC_CTL_ERROR:
		fail_text(&m);
	default:
		errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
	}
}

/* put FILE, or put - (standard input, named by -n or "stdin") */
int
cmd_put(const char *path, const char *name)
{
	struct kadipc_xfer_begin xb;
	struct kadipc_msg	 m;
	struct kadipc_link	 l;
	struct stat		 st;
	char			 buf[READ_BLOCK], *pathcopy;
	uint64_t		 sent = 0;
	ssize_t			 n;
	int			 fd, eof = 0, isstdin;

	isstdin = strcmp(path, "-") == 0;
	if (isstdin)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	if (fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (!isstdin && !S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", path);
	memset(&xb, 0, sizeof(xb));
	xb.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (name == NULL && isstdin)
		name = "stdin";
	if (name == NULL) {
		if ((pathcopy = strdup(path)) == NULL)
			err(1, NULL);
		if (strlcpy(xb.name, basename(pathcopy), sizeof(xb.name)) >=
		    sizeof(xb.name))
			errx(1, "%s: file name longer than %d bytes", path,
			    KADIPC_NAME_MAX - 1);
		free(pathcopy);
	} else if (strchr(name, '/') != NULL || name[0] == '\0' ||
	    strlcpy(xb.name, name, sizeof(xb.name)) >= sizeof(xb.name))
		errx(1, "%s: a name is one non-empty path component of at "
		    "most %d bytes", name, KADIPC_NAME_MAX - 1);
	/* a regular file can be read twice: first to see if it is new */
	if (S_ISREG(st.st_mode) && put_find(fd, path, &l) == 1) {
		if (!quiet)
			fprintf(stderr, "kadctl: %s: already published; "
			    "not stored again\n", path);
		put_result(l.link, xb.name, xb.size, 1);
		return (0);
	}
	kadipc_compose(ch, KADIPC_XFER_PUT_BEGIN, 0, -1, &xb, sizeof(xb));
	progress_start(xb.size);
	for (;;) {
		if (next_msg(&m, !eof) == 0) {
			n = read(fd, buf, sizeof(buf));
			if (n == -1) {
				if (errno == EINTR)
					continue;
				err(1, "%s", path);
			}
			if (n == 0) {
				eof = 1;
				kadipc_compose(ch, KADIPC_XFER_PUT_END, 0, -1,
				    NULL, 0);
				continue;
			}
			kadipc_compose(ch, KADIPC_XFER_DATA, 0, -1, buf, n);
			sent += n;
			progress(sent, 0);
			continue;
		}
		switch (m.hdr.type) {
		case KADIPC_XFER_LINK:
			if (kadipc_recv_link(&m, &l) == -1)
				errx(1, "malformed link from kadmaster");
			progress(sent, 1);
			put_result(l.link, xb.name, sent, 0);
			if (!isstdin)
				close(fd);
			return (0);
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			if (!quiet && isatty(STDERR_FILENO))
				fputc('\n', stderr);
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}
