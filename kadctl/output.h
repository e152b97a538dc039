/* SPDX-License-Identifier: ISC */
/*
 * kadctl's output: numbers in units a person reads, and a JSON writer
 * for -j.  Pure: it writes to the FILE it is given and nothing else.
 *
 * The fmt_ functions write a NUL-terminated string into buf and return
 * 0, or -1 with errno ENOSPC when it does not fit (buf then holds a
 * truncated string); FMT_LEN bytes always suffice.
 *
 * The JSON writer prints one object, compact, on one line:
 *
 *	struct json	j;
 *
 *	json_start(&j, stdout);
 *	json_str(&j, "link", link);
 *	json_u64(&j, "size", size);
 *	json_array_open(&j, "holders");
 *	json_str(&j, NULL, addr);
 *	json_array_close(&j);
 *	if (json_end(&j) == -1)
 *		err(1, "stdout");
 *
 * Inside an object every value has a key; inside an array none does
 * (key NULL).  Strings are escaped for JSON: '"', '\\', control
 * characters (as \n, \t, ... or \u00XX), DEL and U+2028/U+2029 as
 * \uXXXX; a byte that is not part of well-formed UTF-8 (stray
 * continuation bytes, overlong forms, surrogates, beyond U+10FFFF, a
 * sequence cut short) becomes U+FFFD, so the output is always valid
 * UTF-8.  Numbers are written as integers.  A misuse (a key missing or
 * extra, nesting beyond JSON_DEPTH_MAX, a close with nothing open) or a
 * write error is remembered and json_end returns -1.
 */
#ifndef KADCTL_OUTPUT_H
#define KADCTL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* kadctl's -j (JSON) and -p (exact numbers), for every command */
extern int	 json_out, exact_out;

#define FMT_LEN		32	/* enough for any fmt_ result */

/* "0 B", "1023 B", "1.0 KiB", "12.3 MiB" ... "16.0 EiB" (1024-based) */
int	 fmt_bytes(uint64_t, char *, size_t);
/* fmt_bytes and "/s": "1.5 MiB/s" */
int	 fmt_bytes_rate(uint64_t, char *, size_t);
/* seconds as the two largest units: "0s", "59s", "4m 12s", "2h 5m", "3d 2h" */
int	 fmt_duration(uint64_t, char *, size_t);
/* milliseconds: "850 ms" below 10 s, fmt_duration of the seconds above */
int	 fmt_millis(uint64_t, char *, size_t);

#define JSON_DEPTH_MAX	16

struct json {
	FILE	*fp;
	int	 depth;			/* containers open, the top one too */
	int	 err;			/* misuse or write error seen */
	uint8_t	 array[JSON_DEPTH_MAX];	/* the container at depth i is [] */
	uint8_t	 empty[JSON_DEPTH_MAX];	/* nothing written in it yet */
};

void	 json_start(struct json *, FILE *);	/* opens the top object */
int	 json_end(struct json *);	/* closes it, newline, flush: 0/-1 */
void	 json_object_open(struct json *, const char *);
void	 json_object_close(struct json *);
void	 json_array_open(struct json *, const char *);
void	 json_array_close(struct json *);
void	 json_str(struct json *, const char *, const char *);
void	 json_strn(struct json *, const char *, const void *, size_t);
void	 json_hex(struct json *, const char *, const uint8_t *, size_t);
void	 json_u64(struct json *, const char *, uint64_t);
void	 json_i64(struct json *, const char *, int64_t);
void	 json_bool(struct json *, const char *, int);
void	 json_null(struct json *, const char *);
/* the string, quoted and escaped as above */
void	 json_escape(FILE *, const void *, size_t);

#endif /* KADCTL_OUTPUT_H */
