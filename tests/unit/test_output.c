/* SPDX-License-Identifier: ISC */
/*
 * kadctl's output (kadctl/output.c, show.c, stats.c): human units at
 * their boundaries, JSON escaping of hostile strings, the JSON writer's
 * refusal of misuse, the status, peers and metrics views, and the
 * stats table's own consistency.
 *
 *	test_output		the checks
 *	test_output names	every name of the table and its kind
 *				(counter, gauge, info), one a line
 *	test_output doc		docs/METRICS.md's table rows, as written
 *				there (tests/integ/output.sh compares)
 */
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadctl/output.h"
#include "kadctl/show.h"
#include "kadctl/stats.h"
#include "tests/test.h"

int	 json_out, exact_out;

static void
test_bytes(void)
{
	static const struct {
		uint64_t	 v;
		const char	*want;
	} t[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1048575, "1.0 MiB" },		/* not "1024.0 KiB" */
		{ 1048576, "1.0 MiB" },
		{ 1572864, "1.5 MiB" },
		{ 12897485, "12.3 MiB" },
		{ 1073741823, "1.0 GiB" },
		{ UINT64_C(1) << 40, "1.0 TiB" },
		{ UINT64_C(1) << 50, "1.0 PiB" },
		{ UINT64_C(1) << 60, "1.0 EiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char	 buf[FMT_LEN], small[4];
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = fmt_bytes(t[i].v, buf, sizeof(buf));
		CHECK(r == 0 && strcmp(buf, t[i].want) == 0,
		    "fmt_bytes(%llu) = \"%s\" (want \"%s\")",
		    (unsigned long long)t[i].v, buf, t[i].want);
	}
	r = fmt_bytes_rate(1572864, buf, sizeof(buf));
	CHECK(r == 0 && strcmp(buf, "1.5 MiB/s") == 0, "fmt_bytes_rate: %s",
	    buf);
	errno = 0;
	r = fmt_bytes(1048576, small, sizeof(small));
	CHECK(r == -1 && errno == ENOSPC && strlen(small) < sizeof(small),
	    "fmt_bytes into 4 bytes: -1, ENOSPC, terminated");
	r = fmt_bytes_rate(1000, small, sizeof(small));
	CHECK(r == -1, "fmt_bytes_rate into 4 bytes: -1");
}

static void
test_duration(void)
{
	static const struct {
		uint64_t	 v;
		const char	*want;
	} t[] = {
		{ 0, "0s" },
		{ 59, "59s" },
		{ 60, "1m 0s" },
		{ 252, "4m 12s" },
		{ 3599, "59m 59s" },
		{ 3600, "1h 0m" },
		{ 7500, "2h 5m" },
		{ 86399, "23h 59m" },
		{ 86400, "1d 0h" },
		{ 266400, "3d 2h" },
		{ UINT64_MAX, "213503982334601d 7h" },
	};
	char	 buf[FMT_LEN];
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = fmt_duration(t[i].v, buf, sizeof(buf));
		CHECK(r == 0 && strcmp(buf, t[i].want) == 0,
		    "fmt_duration(%llu) = \"%s\" (want \"%s\")",
		    (unsigned long long)t[i].v, buf, t[i].want);
	}
	CHECK(fmt_millis(0, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "0 ms") == 0, "fmt_millis(0) = %s", buf);
	CHECK(fmt_millis(9999, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "9999 ms") == 0, "fmt_millis(9999) = %s", buf);
	CHECK(fmt_millis(10000, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "10s") == 0, "fmt_millis(10000) = %s", buf);
	CHECK(fmt_millis(UINT64_MAX, buf, sizeof(buf)) == 0,
	    "fmt_millis(max) = %s", buf);
	CHECK(fmt_duration(UINT64_MAX, buf, 8) == -1 && errno == ENOSPC,
	    "fmt_duration(max) into 8 bytes: -1, ENOSPC");
}

/* what f(fp) wrote, NUL-terminated, for the caller to free */
static char *
capture_escape(const void *s, size_t len)
{
	FILE	*fp;
	char	*out = NULL;
	size_t	 n = 0;

	if ((fp = open_memstream(&out, &n)) == NULL)
		abort();
	json_escape(fp, s, len);
	fclose(fp);
	return (out);
}

static void
test_escape(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
	} t[] = {
#define S(x)	x, sizeof(x) - 1
		{ S(""), "\"\"" },
		{ S("plain"), "\"plain\"" },
		{ S("a\"b"), "\"a\\\"b\"" },
		{ S("a\\b"), "\"a\\\\b\"" },
		{ S("\\\""), "\"\\\\\\\"\"" },
		{ S("/"), "\"/\"" },
		{ S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"" },
		{ S("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"" },
		{ S("a\0b"), "\"a\\u0000b\"" },
		{ S("\x1b[2J"), "\"\\u001b[2J\"" },	/* a terminal reset */
		{ S("caf\xc3\xa9"), "\"caf\xc3\xa9\"" },
		{ S("\xe2\x82\xac"), "\"\xe2\x82\xac\"" },
		{ S("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"" },
		{ S("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"" },
		{ S("\xe2\x80\xa8\xe2\x80\xa9"), "\"\\u2028\\u2029\"" },
		{ S("\x80"), "\"\\ufffd\"" },
		{ S("\xff\xfe"), "\"\\ufffd\\ufffd\"" },
		{ S("\xc0\xaf"), "\"\\ufffd\\ufffd\"" },	/* overlong / */
		{ S("\xc1\xbf"), "\"\\ufffd\\ufffd\"" },
		{ S("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"" },
		{ S("\xf0\x80\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ S("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"" }, /* D800 */
		{ S("\xf4\x90\x80\x80"),
		    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },	/* > 10FFFF */
		{ S("\xf5\x80\x80\x80"),
		    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ S("ab\xe2\x82"), "\"ab\\ufffd\\ufffd\"" },	/* cut short */
		{ S("\xc3\"x"), "\"\\ufffd\\\"x\"" },	/* lead then quote */
		{ S("\xe2\x28\xa1"), "\"\\ufffd(\\ufffd\"" },
#undef S
	};
	char	*out;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out = capture_escape(t[i].in, t[i].len);
		CHECK(strcmp(out, t[i].want) == 0,
		    "json_escape case %zu: %s (want %s)", i, out, t[i].want);
		free(out);
	}
}

/* Every byte string, escaped, is ASCII or well-formed: a sweep */
static void
test_escape_sweep(void)
{
	unsigned char	 in[3];
	char		*out;
	size_t		 i, bad = 0;
	unsigned int	 a, b;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			in[0] = a;
			in[1] = b;
			in[2] = 0x80;
			out = capture_escape(in, sizeof(in));
			for (i = 1; out[i + 1] != '\0'; i++)
				if ((unsigned char)out[i] < 0x20)
					bad++;
			if (out[0] != '"' || out[i] != '"')
				bad++;
			free(out);
		}
	CHECK(bad == 0, "65536 two-byte prefixes: quoted, no raw control "
	    "character (%zu bad)", bad);
}

typedef void	 json_fn(struct json *);

static int
run_json(json_fn *f, char **out)
{
	struct json	 j;
	FILE		*fp;
	size_t		 n = 0;
	int		 r;

	*out = NULL;
	if ((fp = open_memstream(out, &n)) == NULL)
		abort();
	json_start(&j, fp);
	f(&j);
	r = json_end(&j);
	fclose(fp);
	return (r);
}

static void
j_all(struct json *j)
{
	static const uint8_t	 id[] = { 0x00, 0xab, 0xff };

	json_str(j, "s", "x\"y");
	json_u64(j, "u", UINT64_MAX);
	json_i64(j, "i", INT64_MIN);
	json_bool(j, "t", 1);
	json_bool(j, "f", 0);
	json_null(j, "n");
	json_str(j, "null", NULL);
	json_hex(j, "hex", id, sizeof(id));
	json_strn(j, "bin", "a\0b", 3);
	json_array_open(j, "a");
	json_u64(j, NULL, 1);
	json_object_open(j, NULL);
	json_str(j, "k\n", "v");
	json_object_close(j);
	json_array_open(j, NULL);
	json_array_close(j);
	json_array_close(j);
	json_object_open(j, "o");
	json_object_close(j);
}

static void j_empty(struct json *j) { (void)j; }
static void j_nokey(struct json *j) { json_u64(j, NULL, 1); }
static void j_keyinarray(struct json *j)
{
	json_array_open(j, "a");
	json_u64(j, "k", 1);
	json_array_close(j);
}
static void j_unclosed(struct json *j) { json_array_open(j, "a"); }
static void j_overclose(struct json *j) { json_object_close(j); }
static void j_wrongclose(struct json *j)
{
	json_array_open(j, "a");
	json_object_close(j);
}
static void j_deep(struct json *j)
{
	int	 i;

	for (i = 0; i < JSON_DEPTH_MAX; i++)
		json_array_open(j, i == 0 ? "a" : NULL);
	for (i = 0; i < JSON_DEPTH_MAX; i++)
		json_array_close(j);
}
static void j_deepest(struct json *j)
{
	int	 i;

	for (i = 0; i < JSON_DEPTH_MAX - 1; i++)
		json_array_open(j, i == 0 ? "a" : NULL);
	for (i = 0; i < JSON_DEPTH_MAX - 1; i++)
		json_array_close(j);
}

static void
test_writer(void)
{
	static const struct {
		const char	*what;
		json_fn		*f;
		int		 ret;
		const char	*want;
	} t[] = {
		{ "every kind of value", j_all, 0,
		    "{\"s\":\"x\\\"y\",\"u\":18446744073709551615,"
		    "\"i\":-9223372036854775808,\"t\":true,\"f\":false,"
		    "\"n\":null,\"null\":null,\"hex\":\"00abff\","
		    "\"bin\":\"a\\u0000b\",\"a\":[1,{\"k\\n\":\"v\"},[]],"
		    "\"o\":{}}\n" },
		{ "an empty object", j_empty, 0, "{}\n" },
		{ "a value without a key in an object", j_nokey, -1, NULL },
		{ "a key in an array", j_keyinarray, -1, NULL },
		{ "an array left open", j_unclosed, -1, NULL },
		{ "closing the top object early", j_overclose, -1, NULL },
		{ "closing an array as an object", j_wrongclose, -1, NULL },
		{ "nesting beyond JSON_DEPTH_MAX", j_deep, -1, NULL },
		{ "nesting to JSON_DEPTH_MAX", j_deepest, 0, NULL },
	};
	char	*out;
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = run_json(t[i].f, &out);
		CHECK(r == t[i].ret && (t[i].want == NULL ||
		    strcmp(out, t[i].want) == 0), "json: %s: %d %s", t[i].what,
		    r, out);
		free(out);
	}
}

typedef int	 show_fn(FILE *, const char *, size_t, enum show_mode);

static int
run_show(show_fn *f, const char *text, enum show_mode mode, char **out)
{
	FILE	*fp;
	size_t	 n = 0;
	int	 r;

	*out = NULL;
	if ((fp = open_memstream(out, &n)) == NULL)
		abort();
	r = f(fp, text, strlen(text), mode);
	fclose(fp);
	return (r);
}

static const char status_text[] =
    "node-id: 0123456789012345678901234567890123456789012345678901234567890123\n"
    "port: 50013\n"
    "uptime: 252\n"
    "listen: 127.0.0.1:1\n"
    "listen: [::1]:2\n"
    "stored-bytes: 1572864\n"
    "upload-limit: 0\n"
    "lookup-median-ms: 1234\n"
    "chunk-puts: 18446744073709551615\n"
    "new-thing: 7\n";

static void
test_status(void)
{
	char	*out;
	int	 r;

	r = run_show(show_status, status_text, SHOW_EXACT, &out);
	CHECK(r == 0 && strcmp(out, status_text) == 0, "status -p: as sent");
	free(out);
	r = run_show(show_status, status_text, SHOW_HUMAN, &out);
	CHECK(r == 0 && strstr(out, "\nuptime: 4m 12s\n") != NULL &&
	    strstr(out, "\nstored-bytes: 1.5 MiB\n") != NULL &&
	    strstr(out, "\nupload-limit: 0 B/s\n") != NULL &&
	    strstr(out, "\nlookup-median-ms: 1234 ms\n") != NULL &&
	    strstr(out, "\nport: 50013\n") != NULL &&
	    strstr(out, "\nchunk-puts: 18446744073709551615\n") != NULL &&
	    strstr(out, "\nnew-thing: 7\n") != NULL,
	    "status: human units for bytes, seconds, ms; counts as sent");
	free(out);
	r = run_show(show_status, status_text, SHOW_JSON, &out);
	CHECK(r == 0 && strcmp(out, "{\"node-id\":\"01234567890123456789"
	    "01234567890123456789012345678901234567890123\",\"port\":50013,"
	    "\"uptime\":252,\"listen\":[\"127.0.0.1:1\",\"[::1]:2\"],"
	    "\"stored-bytes\":1572864,\"upload-limit\":0,"
	    "\"lookup-median-ms\":1234,"
	    "\"chunk-puts\":18446744073709551615,\"new-thing\":7}\n") == 0,
	    "status -j: hex ids as strings (even all digits), numbers, a "
	    "repeated name as an array: %s", out);
	free(out);
	r = run_show(show_status, "a: 1\nno separator\n", SHOW_JSON, &out);
	CHECK(r == -1 && errno == EBADMSG && out[0] == '\0',
	    "status: a line without \": \" is refused, nothing written");
	free(out);
	r = run_show(show_status, "a: 1\n: 2\n", SHOW_HUMAN, &out);
	CHECK(r == -1 && errno == EBADMSG, "status: an empty name refused");
	free(out);
	r = run_show(show_status, "", SHOW_JSON, &out);
	CHECK(r == 0 && strcmp(out, "{}\n") == 0, "status: nothing: {}");
	free(out);
	r = run_show(show_status, "x: \"\x1b\xff\n", SHOW_JSON, &out);
	CHECK(r == 0 && strcmp(out, "{\"x\":\"\\\"\\u001b\\ufffd\"}\n") == 0,
	    "status -j: a hostile value is escaped: %s", out);
	free(out);
}

static void
test_peers(void)
{
	static const char	 text[] =
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	    " 127.0.0.1:4000 seen 3s rtt 12ms\n"
	    "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	    " [::1]:65535 seen 0s rtt ~0ms\n";
	char	*out;
	int	 r;

	r = run_show(show_peers, text, SHOW_JSON, &out);
	CHECK(r == 0 && strcmp(out, "{\"peers\":[{\"id\":\"00112233445566"
	    "778899aabbccddeeff00112233445566778899aabbccddeeff\","
	    "\"address\":\"127.0.0.1\",\"port\":4000,\"seen\":3,"
	    "\"rtt-ms\":12},{\"id\":\"ff112233445566778899aabbccddeeff0011"
	    "2233445566778899aabbccddeeff\",\"address\":\"::1\","
	    "\"port\":65535,\"seen\":0,\"rtt-ms\":null}]}\n") == 0,
	    "peers -j: %s", out);
	free(out);
	r = run_show(show_peers, text, SHOW_HUMAN, &out);
	CHECK(r == 0 && strcmp(out, text) == 0, "peers: as sent");
	free(out);
	r = run_show(show_peers, "", SHOW_JSON, &out);
	CHECK(r == 0 && strcmp(out, "{\"peers\":[]}\n") == 0,
	    "peers -j, none: %s", out);
	free(out);
	r = run_show(show_peers, "0011 127.0.0.1:1 seen 1s rtt 1ms\n",
	    SHOW_JSON, &out);
	CHECK(r == -1 && errno == EBADMSG && out[0] == '\0',
	    "peers -j: a short id is refused, nothing written");
	free(out);
	r = run_show(show_peers, "00112233445566778899aabbccddeeff0011223344"
	    "5566778899aabbccddeeff 127.0.0.1:70000 seen 1s rtt 1ms\n",
	    SHOW_JSON, &out);
	CHECK(r == -1 && errno == EBADMSG, "peers -j: port 70000 refused");
	free(out);
	r = run_show(show_peers, "00112233445566778899aabbccddeeff0011223344"
	    "5566778899aabbccddeeff 127.0.0.1:7 seen 1s rtt 1ms extra\n",
	    SHOW_JSON, &out);
	CHECK(r == -1 && errno == EBADMSG, "peers -j: an extra word refused");
	free(out);
}

/* every sample after its HELP and TYPE, names well formed */
static void
test_metrics(void)
{
	regex_t	 re;
	FILE	*fp;
	char	*out = NULL, *line, *last, help[STAT_METRIC_LEN + 8];
	char	 name[STAT_METRIC_LEN], type[STAT_METRIC_LEN + 8];
	size_t	 n = 0, samples = 0, bad = 0;
	int	 r;

	if ((fp = open_memstream(&out, &n)) == NULL)
		abort();
	r = show_metrics(fp, status_text, strlen(status_text), "1.0\"x\\");
	fclose(fp);
	CHECK(r == 0, "show_metrics runs");
	if (regcomp(&re, "^[a-zA-Z_:][a-zA-Z0-9_:]*$", REG_EXTENDED |
	    REG_NOSUB) != 0)
		abort();
	help[0] = type[0] = '\0';
	for (line = strtok_r(out, "\n", &last); line != NULL;
	    line = strtok_r(NULL, "\n", &last)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			snprintf(help, sizeof(help), "%s", line + 7);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			snprintf(type, sizeof(type), "%s", line + 7);
			continue;
		}
		samples++;
		if (sscanf(line, "%127[^ {]", name) != 1 ||
		    regexec(&re, name, 0, NULL, 0) != 0 ||
		    strncmp(help, name, strlen(name)) != 0 ||
		    help[strlen(name)] != ' ' ||
		    strncmp(type, name, strlen(name)) != 0) {
			bad++;
			printf("# bad sample: %s\n", line);
		}
	}
	free(out);
	regfree(&re);
	CHECK(samples == 7 && bad == 0, "metrics: %zu samples, each after "
	    "its HELP and TYPE, names well formed (%zu bad)", samples, bad);
	if ((fp = open_memstream(&out, &n)) == NULL)
		abort();
	show_metrics(fp, status_text, strlen(status_text), "1.0\"x\\");
	fclose(fp);
	CHECK(strstr(out, "kad_info{version=\"1.0\\\"x\\\\\"} 1\n") != NULL,
	    "metrics: kad_info's label escaped");
	CHECK(strstr(out, "# TYPE kad_uptime_seconds gauge\n"
	    "kad_uptime_seconds 252\n") != NULL, "metrics: uptime");
	CHECK(strstr(out, "# TYPE kad_stored_bytes gauge\n"
	    "kad_stored_bytes 1572864\n") != NULL, "metrics: a bytes gauge");
	CHECK(strstr(out, "# TYPE kad_chunk_puts_total counter\n"
	    "kad_chunk_puts_total 18446744073709551615\n") != NULL,
	    "metrics: a counter");
	CHECK(strstr(out, "kad_lookup_median_seconds 1.234\n") != NULL,
	    "metrics: ms in seconds");
	CHECK(strstr(out, "kad_upload_limit_bytes_per_second 0\n") != NULL,
	    "metrics: a rate");
	CHECK(strstr(out, "# TYPE kad_new_thing untyped\n") != NULL,
	    "metrics: a name not in the table is untyped");
	CHECK(strstr(out, "node_id") == NULL && strstr(out, "kad_port") ==
	    NULL && strstr(out, "listen") == NULL,
	    "metrics: ids, port and strings are no samples");
	free(out);
}

static void
test_table(void)
{
	regex_t		 re;
	char		 a[STAT_METRIC_LEN], b[STAT_METRIC_LEN];
	size_t		 i, k, bad = 0, dup = 0;

	if (regcomp(&re, "^kad_[a-z0-9_]*[a-z0-9]$", REG_EXTENDED |
	    REG_NOSUB) != 0)
		abort();
	for (i = 0; i < stat_ndefs; i++) {
		if (stat_metric_name(&stat_defs[i], a, sizeof(a)) == -1 ||
		    regexec(&re, a, 0, NULL, 0) != 0 ||
		    stat_defs[i].help[0] == '\0' ||
		    strpbrk(stat_defs[i].help, "\\\n") != NULL ||
		    stat_find(stat_defs[i].name) != &stat_defs[i]) {
			printf("# bad row: %s\n", stat_defs[i].name);
			bad++;
		}
		for (k = 0; k < i; k++) {
			stat_metric_name(&stat_defs[k], b, sizeof(b));
			if (strcmp(stat_defs[k].name, stat_defs[i].name) == 0 ||
			    (stat_defs[i].kind != STAT_INFO &&
			    stat_defs[k].kind != STAT_INFO &&
			    strcmp(a, b) == 0)) {
				printf("# same name: %s %s\n", stat_defs[k].name,
				    stat_defs[i].name);
				dup++;
			}
		}
	}
	regfree(&re);
	CHECK(stat_ndefs >= 70 && bad == 0 && dup == 0, "the table's %zu rows: "
	    "names and metric names unique and well formed, help given "
	    "(%zu bad, %zu the same)", stat_ndefs, bad, dup);
	stat_metric_name(stat_find("bytes-published"), a, sizeof(a));
	CHECK(strcmp(a, "kad_published_bytes_total") == 0, "%s", a);
	stat_metric_name(stat_find("lookup-p90-ms"), a, sizeof(a));
	CHECK(strcmp(a, "kad_lookup_p90_seconds") == 0, "%s", a);
	stat_metric_name(stat_find("upload-dropped-bytes"), a, sizeof(a));
	CHECK(strcmp(a, "kad_upload_dropped_bytes_total") == 0, "%s", a);
	CHECK(stat_metric_name(stat_find("bytes-published"), a, 10) == -1 &&
	    errno == ENOSPC, "stat_metric_name: ENOSPC");
}

static const char *
kind_name(enum stat_kind k)
{
	return (k == STAT_COUNTER ? "counter" : "gauge");
}

static const char *
unit_name(enum stat_unit u)
{
	switch (u) {
	case STAT_BYTES:
		return ("bytes");
	case STAT_BYTES_RATE:
		return ("bytes/s");
	case STAT_SECONDS:
		return ("seconds");
	case STAT_MILLIS:
		return ("ms");
	default:
		return ("count");
	}
}

int
main(int argc, char *argv[])
{
	char	 m[STAT_METRIC_LEN];
	size_t	 i;

	if (argc == 2 && strcmp(argv[1], "names") == 0) {
		for (i = 0; i < stat_ndefs; i++)
			printf("%s\t%s\n", stat_defs[i].name,
			    stat_defs[i].kind == STAT_INFO ? "info" :
			    kind_name(stat_defs[i].kind));
		return (0);
	}
	if (argc == 2 && strcmp(argv[1], "doc") == 0) {
		printf("| `kad_info` | gauge | | | 1, with the label "
		    "`version`: kadctl's release |\n");
		for (i = 0; i < stat_ndefs; i++) {
			if (stat_defs[i].kind == STAT_INFO)
				continue;
			if (stat_metric_name(&stat_defs[i], m, sizeof(m)) == -1)
				return (1);
			printf("| `%s` | %s | `%s` (%s) | %s | %s |\n", m,
			    kind_name(stat_defs[i].kind), stat_defs[i].name,
			    unit_name(stat_defs[i].unit), stat_defs[i].proc,
			    stat_defs[i].help);
		}
		return (0);
	}
	if (argc != 1) {
		fprintf(stderr, "usage: test_output [names | doc]\n");
		return (1);
	}
	test_bytes();
	test_duration();
	test_escape();
	test_escape_sweep();
	test_writer();
	test_status();
	test_peers();
	test_metrics();
	test_table();
	return (test_done());
}
