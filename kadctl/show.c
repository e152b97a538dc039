/* SPDX-License-Identifier: ISC */
/*
 * kadctl's views of the status and peers text (show.h).  kadmaster
 * sends `status` as "name: value" lines, the values decimal numbers or
 * hex strings, and `peers` as kadnet's lines, one contact each:
 *
 *	ID ADDRESS:PORT seen Ns rtt [~]Nms
 *
 * (an IPv6 address in brackets, '~' while the round-trip time is not
 * measured).  What each status name is comes from stats.c's table.
 * Pure: no system call of its own.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "show.h"
#include "stats.h"

struct kv {
	char	*name;
	char	*value;
};

/* a decimal number without sign or spaces that fits 64 bits */
static int
parse_u64(const char *s, uint64_t *v)
{
	char			*end;
	unsigned long long	 x;

	if (!isdigit((unsigned char)s[0]))
		return (-1);
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return (-1);
	*v = x;
	return (0);
}

/*
 * The text as a NUL-terminated copy (*copy, for the caller to free)
 * split into lines; -1 (EBADMSG) if it holds a NUL.
 */
static int
split_lines(const char *text, size_t len, char **copy, char ***lines,
    size_t *n)
{
	char	*p, *nl, **l = NULL;
	size_t	 cnt = 0, i;

	*copy = NULL;
	*lines = NULL;
	*n = 0;
	if (memchr(text, '\0', len) != NULL) {
		errno = EBADMSG;
		return (-1);
	}
	if ((p = malloc(len + 1)) == NULL)
		return (-1);
	memcpy(p, text, len);
	p[len] = '\0';
	for (i = 0; i < len; i++)
		if (p[i] == '\n')
			cnt++;
	if (len > 0 && p[len - 1] != '\n')
		cnt++;
	if ((l = reallocarray(NULL, cnt + 1, sizeof(*l))) == NULL) {
		free(p);
		return (-1);
	}
	*copy = p;
	for (i = 0; i < cnt; i++) {
		l[i] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	*lines = l;
	*n = cnt;
	return (0);
}

/* the status text as name/value pairs */
static int
parse_status(const char *text, size_t len, char **copy, struct kv **kvs,
    size_t *n)
{
	char	**lines, *sep;
	size_t	  nl, i;

	*kvs = NULL;
	if (split_lines(text, len, copy, &lines, &nl) == -1)
		return (-1);
	if ((*kvs = reallocarray(NULL, nl + 1, sizeof(**kvs))) == NULL) {
		free(lines);
		free(*copy);
		return (-1);
	}
	for (i = 0; i < nl; i++) {
		if ((sep = strstr(lines[i], ": ")) == NULL ||
		    sep == lines[i]) {
			free(lines);
			free(*kvs);
			free(*copy);
			errno = EBADMSG;
			return (-1);
		}
		*sep = '\0';
		(*kvs)[i].name = lines[i];
		(*kvs)[i].value = sep + 2;
	}
	free(lines);
	*n = nl;
	return (0);
}

static int
finish(FILE *fp)
{
	if (fflush(fp) == EOF || ferror(fp)) {
		errno = EIO;
		return (-1);
	}
	return (0);
}

/* one value as a person reads it, into buf */
static const char *
human(const struct stat_def *d, const char *value, char *buf, size_t len)
{
	uint64_t	 v;
	int		 r;

	if (d == NULL || parse_u64(value, &v) == -1)
		return (value);
	switch (d->unit) {
	case STAT_BYTES:
		r = fmt_bytes(v, buf, len);
		break;
	case STAT_BYTES_RATE:
		r = fmt_bytes_rate(v, buf, len);
		break;
	case STAT_SECONDS:
		r = fmt_duration(v, buf, len);
		break;
	case STAT_MILLIS:
		r = fmt_millis(v, buf, len);
		break;
	default:
		return (value);
	}
	return (r == 0 ? buf : value);
}

/* a status value under key (NULL in an array), typed by its name */
static void
json_status_value(struct json *j, const char *key, const char *name,
    const char *value)
{
	const struct stat_def	*d;
	uint64_t		 v;

	d = stat_find(name);
	if ((d == NULL || d->unit != STAT_HEX) && parse_u64(value, &v) == 0)
		json_u64(j, key, v);
	else
		json_str(j, key, value);
}

/*
 * One object, the names as keys in the order kadmaster sent them; a
 * name sent more than once becomes an array of its values.
 */
static void
json_status(FILE *fp, struct kv *kvs, size_t n, int *err)
{
	const struct stat_def	*d;
	struct json		 j;
	size_t			 i, k, cnt;

	json_start(&j, fp);
	for (i = 0; i < n; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(kvs[k].name, kvs[i].name) == 0)
				break;
		if (k < i)
			continue;	/* shown with the first */
		for (cnt = 0, k = i; k < n; k++)
			if (strcmp(kvs[k].name, kvs[i].name) == 0)
				cnt++;
		d = stat_find(kvs[i].name);
		if (cnt == 1 && (d == NULL || d->unit != STAT_ADDR)) {
			json_status_value(&j, kvs[i].name, kvs[i].name,
			    kvs[i].value);
			continue;
		}
		json_array_open(&j, kvs[i].name);
		for (k = i; k < n; k++)
			if (strcmp(kvs[k].name, kvs[i].name) == 0)
				json_status_value(&j, NULL, kvs[i].name,
				    kvs[k].value);
		json_array_close(&j);
	}
	if (json_end(&j) == -1)
		*err = 1;
}

int
show_status(FILE *fp, const char *text, size_t len, enum show_mode mode)
{
	struct kv	*kvs;
	char		*copy, buf[FMT_LEN];
	size_t		 n, i;
	int		 err = 0;

	if (mode == SHOW_EXACT) {
		/* as it came, once its form is checked */
		if (parse_status(text, len, &copy, &kvs, &n) == -1)
			return (-1);
		free(kvs);
		free(copy);
		fwrite(text, 1, len, fp);
		return (finish(fp));
	}
	if (parse_status(text, len, &copy, &kvs, &n) == -1)
		return (-1);
	if (mode == SHOW_JSON)
		json_status(fp, kvs, n, &err);
	else
		for (i = 0; i < n; i++)
			fprintf(fp, "%s: %s\n", kvs[i].name,
			    human(stat_find(kvs[i].name), kvs[i].value, buf,
			    sizeof(buf)));
	free(kvs);
	free(copy);
	if (err) {
		errno = EIO;
		return (-1);
	}
	return (finish(fp));
}

/* Prometheus HELP text: '\\' and newline escaped */
static void
prom_help(FILE *fp, const char *name, const char *help)
{
	fprintf(fp, "# HELP %s ", name);
	for (; *help != '\0'; help++) {
		if (*help == '\\')
			fputs("\\\\", fp);
		else if (*help == '\n')
			fputs("\\n", fp);
		else
			putc(*help, fp);
	}
	putc('\n', fp);
}

/* a label value: '\\', '"' and newline escaped */
static void
prom_label(FILE *fp, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			putc('\\', fp);
		if (*v == '\n')
			fputs("\\n", fp);
		else
			putc(*v, fp);
	}
}

static void
metric(FILE *fp, const struct stat_def *d, const char *rawname, uint64_t v)
{
	char		 name[STAT_METRIC_LEN], help[256];
	const char	*type;

	if (d != NULL) {
		if (stat_metric_name(d, name, sizeof(name)) == -1)
			return;
		type = d->kind == STAT_COUNTER ? "counter" : "gauge";
		prom_help(fp, name, d->help);
	} else {
		if (stat_metric_name_raw(rawname, name, sizeof(name)) == -1)
			return;
		type = "untyped";
		snprintf(help, sizeof(help), "kadctl does not know %s.",
		    rawname);
		prom_help(fp, name, help);
	}
	fprintf(fp, "# TYPE %s %s\n", name, type);
	if (d != NULL && d->unit == STAT_MILLIS)
		fprintf(fp, "%s %" PRIu64 ".%03" PRIu64 "\n", name, v / 1000,
		    v % 1000);
	else
		fprintf(fp, "%s %" PRIu64 "\n", name, v);
}

int
show_metrics(FILE *fp, const char *text, size_t len, const char *version)
{
	const struct stat_def	*d;
	struct kv		*kvs;
	char			*copy;
	uint64_t		 v;
	size_t			 n, i, k;

	if (parse_status(text, len, &copy, &kvs, &n) == -1)
		return (-1);
	fputs("# HELP kad_info The release of kadctl that read the node.\n"
	    "# TYPE kad_info gauge\nkad_info{version=\"", fp);
	prom_label(fp, version);
	fputs("\"} 1\n", fp);
	for (i = 0; i < n; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(kvs[k].name, kvs[i].name) == 0)
				break;
		if (k < i)
			continue;	/* one sample a name */
		d = stat_find(kvs[i].name);
		if ((d != NULL && d->kind == STAT_INFO) ||
		    parse_u64(kvs[i].value, &v) == -1)
			continue;
		metric(fp, d, kvs[i].name, v);
	}
	free(kvs);
	free(copy);
	return (finish(fp));
}

static int
hexid(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isxdigit((unsigned char)s[i]))
			return (-1);
	return (i == 64 ? 0 : -1);
}

/* one of kadnet's peer lines, as JSON; -1 if it is not one */
static int
json_peer(struct json *j, char *line)
{
	char		*id, *addr, *port, *seen, *rtt, *w, *last;
	uint64_t	 p, s, r;
	size_t		 l;
	int		 approx;

	id = strtok_r(line, " ", &last);
	addr = strtok_r(NULL, " ", &last);
	w = strtok_r(NULL, " ", &last);
	seen = strtok_r(NULL, " ", &last);
	rtt = strtok_r(NULL, " ", &last);
	if (id == NULL || addr == NULL || w == NULL || seen == NULL ||
	    rtt == NULL || hexid(id) == -1 || strcmp(w, "seen") != 0 ||
	    strcmp(rtt, "rtt") != 0 || (rtt = strtok_r(NULL, " ", &last)) ==
	    NULL || strtok_r(NULL, " ", &last) != NULL)
		return (-1);
	if ((port = strrchr(addr, ':')) == NULL)
		return (-1);
	*port++ = '\0';
	if (addr[0] == '[') {
		l = strlen(addr);
		if (l < 3 || addr[l - 1] != ']')
			return (-1);
		addr[l - 1] = '\0';
		addr++;
	}
	l = strlen(seen);
	if (l < 2 || seen[l - 1] != 's')
		return (-1);
	seen[l - 1] = '\0';
	if ((approx = rtt[0] == '~'))
		rtt++;
	l = strlen(rtt);
	if (l < 3 || strcmp(rtt + l - 2, "ms") != 0)
		return (-1);
	rtt[l - 2] = '\0';
	if (parse_u64(port, &p) == -1 || p > 65535 ||
	    parse_u64(seen, &s) == -1 || parse_u64(rtt, &r) == -1)
		return (-1);
	json_object_open(j, NULL);
	json_str(j, "id", id);
	json_str(j, "address", addr);
	json_u64(j, "port", p);
	json_u64(j, "seen", s);
	if (approx)
		json_null(j, "rtt-ms");
	else
		json_u64(j, "rtt-ms", r);
	json_object_close(j);
	return (0);
}

/* -j: the whole object is made first, so a bad line prints nothing */
int
show_peers(FILE *fp, const char *text, size_t len, enum show_mode mode)
{
	struct json	 j;
	FILE		*mem;
	char		*copy, **lines, *out = NULL;
	size_t		 n, i, outlen = 0;
	int		 r = 0;

	if (split_lines(text, len, &copy, &lines, &n) == -1)
		return (-1);
	if (mode != SHOW_JSON) {
		free(lines);
		free(copy);
		fwrite(text, 1, len, fp);
		return (finish(fp));
	}
	if ((mem = open_memstream(&out, &outlen)) == NULL) {
		free(lines);
		free(copy);
		return (-1);
	}
	json_start(&j, mem);
	json_array_open(&j, "peers");
	for (i = 0; i < n && r == 0; i++)
		r = json_peer(&j, lines[i]);
	json_array_close(&j);
	if (r == 0 && json_end(&j) == -1)
		r = -2;
	free(lines);
	free(copy);
	if (fclose(mem) == EOF && r == 0)
		r = -2;
	if (r == 0)
		fwrite(out, 1, outlen, fp);
	free(out);
	if (r != 0) {
		errno = r == -1 ? EBADMSG : ENOMEM;
		return (-1);
	}
	return (finish(fp));
}
