/* SPDX-License-Identifier: ISC */
/*
 * bench_puzzle: what the key puzzle costs on this machine, through
 * kadcrypt's own code path (nodekey_create: draw a private key, make
 * the X25519 pair, hash the public key, free the pair that fails).
 *
 *   bench_puzzle [-b BITS] [-r RUNS]
 *
 * Each run grinds keys until the pairs drawn reach 2^BITS (16 by
 * default, 3 runs; a low puzzle of 4 bits per key, so that only the
 * drawing counts) and prints key pairs per second; then the median,
 * and what a first start costs on average for each puzzle size from 12
 * to 24 bits: 2^bits / rate seconds (the number of pairs is geometric:
 * its mean is 2^bits, and one start in twenty takes three times that).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kadipc_msg.h"
#include "kadcrypt/nodekey.h"
#include "kadcrypt/x25519.h"
#include "kadnet/node_id.h"

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
cmp_d(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* pairs per second, drawing at least `pairs` of them */
static double
one_run(uint64_t pairs)
{
	struct nodekey	*k;
	uint8_t		 file[KADIPC_NODE_KEY_LEN];
	uint64_t	 n = 0, tries;
	double		 t0;

	t0 = now_s();
	while (n < pairs) {
		if ((k = nodekey_new(0)) == NULL ||
		    nodekey_create(k, 4, file, &tries) == -1) {
			fprintf(stderr, "bench_puzzle: no key\n");
			exit(1);
		}
		n += tries;
		nodekey_free(k);
	}
	explicit_bzero(file, sizeof(file));
	return ((double)n / (now_s() - t0));
}

int
main(int argc, char *argv[])
{
	double		 rate[16], med;
	int		 c, bits = 16, runs = 3, i;

	while ((c = getopt(argc, argv, "b:r:")) != -1) {
		switch (c) {
		case 'b':
			bits = atoi(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_puzzle [-b BITS] "
			    "[-r RUNS]\n");
			return (2);
		}
	}
	if (bits < 8 || bits > 24 || runs < 1 || runs > 16) {
		fprintf(stderr, "bench_puzzle: bits 8..24, runs 1..16\n");
		return (2);
	}
	if (crypt_x25519_init() == -1 || kad_node_id_init() == -1) {
		fprintf(stderr, "bench_puzzle: OpenSSL\n");
		return (1);
	}
	for (i = 0; i < runs; i++) {
		rate[i] = one_run(1ULL << bits);
		printf("run %d: %.0f key pairs/s\n", i + 1, rate[i]);
	}
	qsort(rate, (size_t)runs, sizeof(rate[0]), cmp_d);
	med = rate[runs / 2];
	printf("median: %.0f key pairs/s\n", med);
	printf("puzzle bits, mean first start (s), one start in 20 (s):\n");
	for (i = 12; i <= 24; i++)
		printf("%s%2d  %8.2f  %8.2f\n", i == KAD_PUZZLE_BITS ?
		    "* " : "  ", i, (double)(1ULL << i) / med,
		    3.0 * (double)(1ULL << i) / med);
	return (0);
}
