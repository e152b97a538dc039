/* SPDX-License-Identifier: ISC */
/*
 * kadctl's output helpers (output.h): human units and a JSON writer.
 * Pure: no system call of its own, only stdio on the caller's FILE.
 * tests/unit/test_output.c links it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

static int	 put(char *, size_t, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

static int
put(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= len) {
		errno = ENOSPC;
		return (-1);
	}
	return (0);
}

int
fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	uint64_t	 q, r, tenths = 0;
	unsigned int	 k, shift;

	if (v < 1024)
		return (put(buf, len, "%" PRIu64 " B", v));
	/* the smallest unit in which the value, to a tenth, is < 1024 */
	for (k = 1; k < 7; k++) {
		shift = 10 * k;
		q = v >> shift;
		r = v & ((UINT64_C(1) << shift) - 1);
		/* r * 10 < 10 * 2^60: no overflow */
		tenths = q * 10 + ((r * 10 + (UINT64_C(1) << (shift - 1))) >>
		    shift);
		if (tenths < 10240)
			break;
	}
	if (k == 7)
		k = 6;
	return (put(buf, len, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10,
	    tenths % 10, units[k]));
}

int
fmt_bytes_rate(uint64_t v, char *buf, size_t len)
{
	size_t	 n;

	if (fmt_bytes(v, buf, len) == -1)
		return (-1);
	n = strlen(buf);
	return (put(buf + n, len - n, "/s"));
}

int
fmt_duration(uint64_t s, char *buf, size_t len)
{
	if (s < 60)
		return (put(buf, len, "%" PRIu64 "s", s));
	if (s < 3600)
		return (put(buf, len, "%" PRIu64 "m %" PRIu64 "s", s / 60,
		    s % 60));
	if (s < 86400)
		return (put(buf, len, "%" PRIu64 "h %" PRIu64 "m", s / 3600,
		    s % 3600 / 60));
	return (put(buf, len, "%" PRIu64 "d %" PRIu64 "h", s / 86400,
	    s % 86400 / 3600));
}

int
fmt_millis(uint64_t ms, char *buf, size_t len)
{
	if (ms < 10000)
		return (put(buf, len, "%" PRIu64 " ms", ms));
	return (fmt_duration(ms / 1000, buf, len));
}

/*
 * The length of the well-formed UTF-8 sequence at s (2 to 4 bytes) and
 * its code point, or 0 when s does not start one.
 */
static size_t
utf8_seq(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint32_t	 c, min;
	size_t		 n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return (0);
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (n);
}

void
json_escape(FILE *fp, const void *v, size_t len)
{
	const uint8_t	*s = v;
	uint32_t	 cp;
	size_t		 i = 0, n;

	putc('"', fp);
	while (i < len) {
		if (s[i] >= 0x80) {
			if ((n = utf8_seq(s + i, len - i, &cp)) == 0) {
				fputs("\\ufffd", fp);
				i++;
			} else {
				/* line and paragraph separators, for JS */
				if (cp == 0x2028 || cp == 0x2029)
					fprintf(fp, "\\u%04" PRIx32, cp);
				else
					fwrite(s + i, 1, n, fp);
				i += n;
			}
			continue;
		}
		switch (s[i]) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (s[i] < 0x20 || s[i] == 0x7f)
				fprintf(fp, "\\u%04x", s[i]);
			else
				putc(s[i], fp);
		}
		i++;
	}
	putc('"', fp);
}

/* The separator and key before a value; -1 if it may not go here. */
static int
json_value(struct json *j, const char *key)
{
	int	 d;

	if (j->err || j->depth < 1) {
		j->err = 1;
		return (-1);
	}
	d = j->depth - 1;
	if (j->array[d] != (key == NULL)) {
		j->err = 1;
		return (-1);
	}
	if (!j->empty[d])
		putc(',', j->fp);
	j->empty[d] = 0;
	if (key != NULL) {
		json_escape(j->fp, key, strlen(key));
		putc(':', j->fp);
	}
	return (0);
}

static void
json_open(struct json *j, const char *key, int array)
{
	if (j->depth >= JSON_DEPTH_MAX) {
		j->err = 1;
		return;
	}
	if (json_value(j, key) == -1)
		return;
	putc(array ? '[' : '{', j->fp);
	j->array[j->depth] = array;
	j->empty[j->depth] = 1;
	j->depth++;
}

static void
json_close(struct json *j, int array)
{
	/* the top object is closed by json_end */
	if (j->err || j->depth < 2 || j->array[j->depth - 1] != array) {
		j->err = 1;
		return;
	}
	j->depth--;
	putc(array ? ']' : '}', j->fp);
}

void
json_start(struct json *j, FILE *fp)
{
	memset(j, 0, sizeof(*j));
	j->fp = fp;
	putc('{', fp);
	j->array[0] = 0;
	j->empty[0] = 1;
	j->depth = 1;
}

int
json_end(struct json *j)
{
	if (j->err || j->depth != 1) {
		j->err = 1;
		return (-1);
	}
	j->depth = 0;
	fputs("}\n", j->fp);
	if (fflush(j->fp) == EOF || ferror(j->fp))
		return (-1);
	return (0);
}

void
json_object_open(struct json *j, const char *key)
{
	json_open(j, key, 0);
}

void
json_object_close(struct json *j)
{
	json_close(j, 0);
}

void
json_array_open(struct json *j, const char *key)
{
	json_open(j, key, 1);
}

void
json_array_close(struct json *j)
{
	json_close(j, 1);
}

void
json_strn(struct json *j, const char *key, const void *s, size_t len)
{
	if (json_value(j, key) == 0)
		json_escape(j->fp, s, len);
}

void
json_str(struct json *j, const char *key, const char *s)
{
	if (s == NULL)
		json_null(j, key);
	else
		json_strn(j, key, s, strlen(s));
}

void
json_hex(struct json *j, const char *key, const uint8_t *b, size_t len)
{
	size_t	 i;

	if (json_value(j, key) == -1)
		return;
	putc('"', j->fp);
	for (i = 0; i < len; i++)
		fprintf(j->fp, "%02x", b[i]);
	putc('"', j->fp);
}

void
json_u64(struct json *j, const char *key, uint64_t v)
{
	if (json_value(j, key) == 0)
		fprintf(j->fp, "%" PRIu64, v);
}

void
json_i64(struct json *j, const char *key, int64_t v)
{
	if (json_value(j, key) == 0)
		fprintf(j->fp, "%" PRId64, v);
}

void
json_bool(struct json *j, const char *key, int v)
{
	if (json_value(j, key) == 0)
		fputs(v ? "true" : "false", j->fp);
}

void
json_null(struct json *j, const char *key)
{
	if (json_value(j, key) == 0)
		fputs("null", j->fp);
}
