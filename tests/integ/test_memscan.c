/* SPDX-License-Identifier: ISC */
/*
 * Counts the copies of a byte string in another process's memory: every
 * readable mapping in /proc/PID/maps, read through /proc/PID/mem.  The
 * integration tests use it to show that the node's private key is in
 * kadcrypt's memory and in no other process's (tests/integ/identity.sh).
 *
 *   test_memscan PID HEX	prints "N copies, R bytes read, S skipped";
 *				exit 0 if N > 0, 1 if none, 2 on error
 *   test_memscan		the self-test: a child holds a random secret
 *				it made itself; it is found, a string the
 *				child never had is not, and once the child
 *				wipes the secret it is not found either
 *
 * Reading another process's memory takes ptrace rights over it: root
 * for kad's workers, which are not dumpable.  Mappings larger than
 * SKIP_OVER are not read (a sanitizer's shadow memory spans terabytes
 * and holds no copy of any byte the program wrote), nor are pages the
 * kernel refuses; both are counted as skipped.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <valgrind/valgrind.h>

#include "tests/test.h"

#define CHUNK		(1024 * 1024)
#define PAGE		4096
#define SKIP_OVER	(64ULL << 30)	/* 64 GiB */
#define MAXPAT		256

struct scan {
	uint64_t	copies, read, skipped;
};

static uint8_t	 chunk[CHUNK + MAXPAT];

/* Search [start, end) of fd; carry len - 1 bytes across reads. */
static void
scan_range(int fd, uint64_t start, uint64_t end, const uint8_t *pat,
    size_t len, struct scan *sc)
{
	uint64_t	 off;
	size_t		 carry = 0, want, n, i, total;
	uint8_t		*p, *q;

	for (off = start; off < end; off += want) {
		want = end - off > CHUNK ? CHUNK : end - off;
		if (pread(fd, chunk + carry, want, (off_t)off) !=
		    (ssize_t)want) {
			/* page by page: keep what the kernel lets us read */
			for (i = 0; i < want; i += n) {
				n = want - i > PAGE ? PAGE : want - i;
				if (pread(fd, chunk + carry + i, n,
				    (off_t)(off + i)) != (ssize_t)n) {
					memset(chunk + carry + i, 0, n);
					sc->skipped += n;
				} else
					sc->read += n;
			}
		} else
			sc->read += want;
		/* a match needs a new byte: the carry is one short of one */
		total = carry + want;
		for (p = chunk; (q = memmem(p, total - (size_t)(p - chunk),
		    pat, len)) != NULL; p = q + 1)
			sc->copies++;
		carry = total < len - 1 ? total : len - 1;
		memmove(chunk, chunk + total - carry, carry);
	}
}

/* Every readable mapping of pid: 0, or -1 if none could be read. */
static int
scan_pid(pid_t pid, const uint8_t *pat, size_t len, struct scan *sc)
{
	char		 path[64], line[512], perms[8];
	uint64_t	 start, end;
	FILE		*maps;
	int		 fd;

	memset(sc, 0, sizeof(*sc));
	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	if ((maps = fopen(path, "r")) == NULL)
		return (-1);
	snprintf(path, sizeof(path), "/proc/%ld/mem", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fclose(maps);
		return (-1);
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", &start, &end,
		    perms) != 3 || end <= start)
			continue;
		if (perms[0] != 'r' || strstr(line, "[vvar]") != NULL ||
		    strstr(line, "[vsyscall]") != NULL)
			continue;
		if (end - start > SKIP_OVER) {
			sc->skipped += end - start;
			continue;
		}
		scan_range(fd, start, end, pat, len, sc);
	}
	close(fd);
	fclose(maps);
	return (sc->read > 0 ? 0 : -1);
}

static int
unhex(const char *hex, uint8_t *out, size_t *len)
{
	size_t		 i, n = strlen(hex);
	unsigned int	 v;

	if (n == 0 || n % 2 != 0 || n / 2 > MAXPAT)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return (-1);
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return (0);
}

/*
 * The self-test's child: a secret of its own in its heap, sent to the
 * parent through a pipe; wiped when the parent says so.
 */
static void
child(int to_parent, int from_parent)
{
	uint8_t	*secret;
	char	 c;

	if ((secret = malloc(32)) == NULL ||
	    getrandom(secret, 32, 0) != 32 ||
	    write(to_parent, secret, 32) != 32)
		_exit(2);
	if (read(from_parent, &c, 1) != 1)
		_exit(2);
	explicit_bzero(secret, 32);
	if (write(to_parent, "w", 1) != 1 || read(from_parent, &c, 1) != 1)
		_exit(2);
	free(secret);
	_exit(0);
}

static int
selftest(void)
{
	struct scan	 sc;
	uint8_t		 secret[32], other[32];
	int		 up[2], down[2], status;
	pid_t		 pid;
	char		 c;

	if (RUNNING_ON_VALGRIND) {
		/* valgrind keeps copies of the client's data of its own */
		printf("# skip: another process's memory under valgrind\n");
		return (0);
	}
	if (pipe(up) == -1 || pipe(down) == -1)
		return (2);
	fflush(stdout);
	if ((pid = fork()) == -1)
		return (2);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		child(up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], secret, sizeof(secret)) != (ssize_t)sizeof(secret))
		return (2);
	memcpy(other, secret, sizeof(other));
	other[17] ^= 0x5a;
	CHECK(scan_pid(pid, secret, sizeof(secret), &sc) == 0 &&
	    sc.copies >= 1, "the child's secret is found in its memory "
	    "(%" PRIu64 " copies, %" PRIu64 " bytes read)", sc.copies,
	    sc.read);
	CHECK(scan_pid(pid, other, sizeof(other), &sc) == 0 &&
	    sc.copies == 0, "a string the child never had is not found");
	if (write(down[1], "w", 1) != 1 || read(up[0], &c, 1) != 1)
		return (2);
	CHECK(scan_pid(pid, secret, sizeof(secret), &sc) == 0 &&
	    sc.copies == 0, "once the child has wiped it, the secret is "
	    "not found (%" PRIu64 " copies)", sc.copies);
	CHECK(scan_pid(getpid() + 1000000, secret, sizeof(secret), &sc) == -1,
	    "no such process: an error, not \"not found\"");
	if (write(down[1], "x", 1) != 1)
		return (2);
	waitpid(pid, &status, 0);
	explicit_bzero(secret, sizeof(secret));
	return (test_done());
}

int
main(int argc, char *argv[])
{
	struct scan	 sc;
	uint8_t		 pat[MAXPAT];
	size_t		 len;
	long		 pid;
	char		*end;

	if (argc == 1)
		return (selftest());
	if (argc != 3 || (pid = strtol(argv[1], &end, 10)) <= 0 ||
	    *end != '\0' || unhex(argv[2], pat, &len) == -1) {
		fprintf(stderr, "usage: test_memscan [PID HEX]\n");
		return (2);
	}
	if (scan_pid((pid_t)pid, pat, len, &sc) == -1) {
		fprintf(stderr, "test_memscan: %ld: cannot read its memory\n",
		    pid);
		return (2);
	}
	printf("%" PRIu64 " copies, %" PRIu64 " bytes read, %" PRIu64
	    " skipped\n", sc.copies, sc.read, sc.skipped);
	explicit_bzero(pat, sizeof(pat));
	return (sc.copies > 0 ? 0 : 1);
}
