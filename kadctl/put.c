/* SPDX-License-Identifier: ISC */
/*
 * kadctl put: a file or standard input to kadcrypt, after asking
 * whether this node published the same bytes already (XFER_FIND).  The
 * bytes go from the fd to kadcrypt, not through kadmaster.
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
#include "dirlist.h"
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
put_find(int fd, const char *path, const char *name, struct kadipc_link *l)
{
	struct kadipc_xfer_find	 f;
	struct kadipc_msg	 m;

	memset(&f, 0, sizeof(f));
	if (sha256_fd(fd, -1, f.hash) == -1)
		err(1, "%s", path);
	strlcpy(f.name, name, sizeof(f.name));
	kadipc_compose(ch, KADIPC_XFER_FIND, 0, -1, &f, sizeof(f));
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

/*
 * Publish what fd holds under name (a directory listing with dir): its
 * link into l, and 1 if this node had published the same bytes already
 * (regular files only: they can be read twice).  kadcrypt reads the fd
 * itself (relay.c); what comes back is how much it has stored.
 */
static int
put_stream(int fd, const char *what, const char *name, int dir,
    struct kadipc_link *l, uint64_t *size)
{
	struct kadipc_xfer_begin xb;
	struct kadipc_msg	 m;
	struct kadipc_text	 t;
	struct stat		 st;
	uint64_t		 stored = 0, n;

	if (fstat(fd, &st) == -1)
		err(1, "%s", what);
	memset(&xb, 0, sizeof(xb));
	xb.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	xb.flags = dir ? KADIPC_XFER_F_DIR : 0;
	if (strlcpy(xb.name, name, sizeof(xb.name)) >= sizeof(xb.name))
		errx(1, "%s: name longer than %d bytes", what,
		    KADIPC_NAME_MAX - 1);
	/* a listing is never matched: a file with its bytes is no directory */
	*size = xb.size;
	if (!dir && S_ISREG(st.st_mode) && put_find(fd, what, xb.name, l) == 1)
		return (1);
	if (kadipc_compose(ch, KADIPC_XFER_PUT_BEGIN, 0, xfer_fd(fd, 0), &xb,
	    sizeof(xb)) == -1)
		err(1, "XFER_PUT_BEGIN");
	progress_start(xb.size, 0);
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_ACK:
			if (kadipc_recv_xfer_ack(&m, &n) == -1 ||
			    n > UINT64_MAX - stored)
				errx(1, "malformed progress from kadmaster");
			stored += n;
			progress(stored, 0);
			break;
		case KADIPC_XFER_INFO:
			/* placement still under way, or chunks kept here */
			if (kadipc_recv_text(&m, &t) == -1)
				errx(1, "malformed text from kadmaster");
			if (!quiet)
				fprintf(stderr, "%s%s\n", isatty(STDERR_FILENO) ?
				    "\n" : "", t.text);
			break;
		case KADIPC_XFER_LINK:
			if (kadipc_recv_link(&m, l) == -1)
				errx(1, "malformed link from kadmaster");
			progress(stored, 1);
			*size = stored;
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

/*
 * A directory, recursively: every regular file and subdirectory (by
 * fd, never following a symbolic link), then the listing of their
 * links.  Anything else is left out with a warning.  *total gets the
 * bytes of the files.
 */
static int
put_tree(int dfd, const char *path, const char *name, int depth,
    struct kadipc_link *out, uint64_t *total)
{
	struct dl_entry	*e = NULL;
	struct dirent	*d;
	struct stat	 st, st2;
	struct kadipc_link l;
	const char	*why;
	char		 sub[PATH_MAX];
	uint8_t		*buf;
	uint64_t	 lsize;
	size_t		 n = 0, cap = 0, len;
	FILE		*tmp;
	DIR		*dp;
	int		 fd;

	if (depth > DL_MAX_DEPTH)
		errx(1, "%s: directories nested more than %d deep", path,
		    DL_MAX_DEPTH);
	if ((dp = fdopendir(dfd)) == NULL)
		err(1, "%s", path);
	*total = 0;
	while ((errno = 0, d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    d->d_name) >= sizeof(sub))
			errx(1, "%s: path too long", path);
		if (fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1)
			err(1, "%s", sub);
		if ((!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) ||
		    !dl_name_ok(d->d_name, &why)) {
			warnx("%s: left out: %s", sub, S_ISREG(st.st_mode) ||
			    S_ISDIR(st.st_mode) ? why :
			    "not a regular file or directory");
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (cap > DL_MAX_ENTRIES)
				errx(1, "%s: more than %d entries", path,
				    DL_MAX_ENTRIES);
			if ((e = reallocarray(e, cap, sizeof(*e))) == NULL)
				err(1, NULL);
		}
		memset(&e[n], 0, sizeof(e[n]));
		strlcpy(e[n].name, d->d_name, sizeof(e[n].name));
		e[n].mode = st.st_mode & 0777;
		/* non-blocking, then the same file: never a fifo put there */
		if ((fd = openat(dirfd(dp), d->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC | (S_ISDIR(st.st_mode) ?
		    O_DIRECTORY : 0))) == -1)
			err(1, "%s", sub);
		if (fstat(fd, &st2) == -1 || st2.st_dev != st.st_dev ||
		    st2.st_ino != st.st_ino ||
		    (st2.st_mode & S_IFMT) != (st.st_mode & S_IFMT))
			errx(1, "%s: changed while it was read", sub);
		if (S_ISDIR(st.st_mode)) {
			e[n].type = DL_DIR;
			put_tree(fd, sub, d->d_name, depth + 1, &l, &e[n].size);
		} else {
			e[n].type = DL_FILE;
			(void)put_stream(fd, sub, d->d_name, 0, &l,
			    &e[n].size);
			close(fd);
		}
		strlcpy(e[n].link, l.link, sizeof(e[n].link));
		*total += e[n].size;
		n++;
	}
	if (errno != 0)
		err(1, "%s", path);
	closedir(dp);
	if (dl_encode(e, n, &buf, &len, &why) == -1)
		errx(1, "%s: %s", path, why);
	free(e);
	/* the listing goes like a file: from an unlinked temporary one */
	if ((tmp = tmpfile()) == NULL || fwrite(buf, 1, len, tmp) != len ||
	    fflush(tmp) != 0 || fseek(tmp, 0, SEEK_SET) != 0)
		err(1, "a temporary file for %s's listing", path);
	free(buf);
	(void)put_stream(fileno(tmp), path, name, 1, out, &lsize);
	fclose(tmp);
	return (0);
}

#ifdef KAD_TEST_HOOKS
/* test-putdir FILE NAME: FILE's bytes published as a directory listing */
int
cmd_test_putdir(const char *path, const char *name)
{
	struct kadipc_link	 l;
	uint64_t		 size;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	(void)put_stream(fd, path, name, 1, &l, &size);
	printf("%s\n", l.link);
	return (0);
}
#endif

/* put FILE or DIR, or put - (standard input, named by -n or "stdin") */
int
cmd_put(const char *path, const char *name)
{
	struct kadipc_link	 l;
	struct stat		 st;
	char			*pathcopy, bname[KADIPC_NAME_MAX];
	uint64_t		 total, size;
	int			 fd, isstdin, dup = 0;

	isstdin = strcmp(path, "-") == 0;
	if (isstdin)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	if (fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (!isstdin && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		errx(1, "%s: not a regular file or directory", path);
	if (name == NULL && isstdin)
		name = "stdin";
	if (name == NULL) {
		if ((pathcopy = strdup(path)) == NULL)
			err(1, NULL);
		if (strlcpy(bname, basename(pathcopy), sizeof(bname)) >=
		    sizeof(bname))
			errx(1, "%s: file name longer than %d bytes", path,
			    KADIPC_NAME_MAX - 1);
		free(pathcopy);
		name = bname;
	} else if (strchr(name, '/') != NULL || name[0] == '\0' ||
	    strlen(name) >= KADIPC_NAME_MAX)
		errx(1, "%s: a name is one non-empty path component of at "
		    "most %d bytes", name, KADIPC_NAME_MAX - 1);
	if (S_ISDIR(st.st_mode)) {
		put_tree(fd, path, name, 1, &l, &total);
		put_result(l.link, name, total, 0);
		return (0);
	}
	if ((dup = put_stream(fd, path, name, 0, &l, &size)) == 1 && !quiet)
		fprintf(stderr, "kadctl: %s: already published; not stored "
		    "again\n", path);
	put_result(l.link, name, size, dup);
	if (!isstdin)
		close(fd);
	return (0);
}
