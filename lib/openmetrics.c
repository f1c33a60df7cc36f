/* openmetrics: negotiation and the OpenMetrics form of an exposition
 * (see openmetrics.h). */
#include "openmetrics.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expo.h"

/* ---- Accept negotiation --------------------------------------------------- */

typedef struct {
	const char *p;
	size_t n;
} span_t;

static span_t trimmed(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (span_t){p, (size_t)(end - p)};
}

static int span_is(span_t s, const char *lit)
{
	return s.n == strlen(lit) && strncasecmp(s.p, lit, s.n) == 0;
}

/* The first of `stops` in [p, end) outside a quoted string, or end. */
static const char *find_unquoted(const char *p, const char *end, const char *stops)
{
	int quoted = 0;
	for (; p < end; p++) {
		if (quoted) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				quoted = 0;
		} else if (*p == '"') {
			quoted = 1;
		} else if (strchr(stops, *p)) {
			return p;
		}
	}
	return end;
}

/* A parameter value without its quotes (escapes are left as they are:
 * the values compared against contain none). */
static span_t unquoted(span_t v)
{
	if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
		return (span_t){v.p + 1, v.n - 2};
	return v;
}

/* q of a media range: 1 unless a valid q=0..1 says otherwise. */
static double qvalue(span_t v)
{
	char tmp[16];
	if (v.n == 0 || v.n >= sizeof tmp)
		return 1;
	memcpy(tmp, v.p, v.n);
	tmp[v.n] = '\0';
	char *e;
	double q = strtod(tmp, &e);
	if (*e || !(q >= 0 && q <= 1))
		return 1;
	return q;
}

/* The format one media range [p, end) offers, or -1; its q in *q. */
static int range_format(const char *p, const char *end, double *q)
{
	const char *semi = find_unquoted(p, end, ";");
	span_t type = trimmed(p, semi);
	int om = span_is(type, "application/openmetrics-text");
	if (!om && !span_is(type, "text/plain"))
		return -1;
	span_t version = {NULL, 0};
	int has_version = 0;
	*q = 1;
	while (semi < end) {
		const char *param = semi + 1;
		semi = find_unquoted(param, end, ";");
		const char *eq = find_unquoted(param, semi, "=");
		if (eq == semi)
			continue;
		span_t name = trimmed(param, eq);
		span_t value = unquoted(trimmed(eq + 1, semi));
		if (span_is(name, "q")) {
			*q = qvalue(value);
		} else if (span_is(name, "version")) {
			version = value;
			has_version = 1;
		}
	}
	if (!om)
		return !has_version || span_is(version, "0.0.4") ? FMT_TEXT : -1;
	if (!has_version || span_is(version, "1.0.0"))
		return FMT_OPENMETRICS;
	return span_is(version, "0.0.1") ? FMT_OPENMETRICS_0_0_1 : -1;
}

expo_format_t om_negotiate(const char *accept)
{
	if (!accept)
		return FMT_TEXT;
	const char *p = accept, *end = accept + strlen(accept);
	expo_format_t best = FMT_TEXT;
	double best_q = 0;
	while (p < end) {
		const char *comma = find_unquoted(p, end, ",");
		double q;
		int f = range_format(p, comma, &q);
		if (f >= 0 && q > best_q) {
			best = (expo_format_t)f;
			best_q = q;
		}
		p = comma + 1;
	}
	return best;
}

const char *om_content_type(expo_format_t f)
{
	switch (f) {
	case FMT_OPENMETRICS: return OM_CONTENT_TYPE;
	case FMT_OPENMETRICS_0_0_1: return OM_CONTENT_TYPE_0_0_1;
	default: return EXPO_CONTENT_TYPE;
	}
}

/* ---- the OpenMetrics form of a 0.0.4 text ------------------------------- */

/* One "# TYPE name type" line of the input. */
typedef struct {
	span_t name, type;
} family_t;

typedef struct {
	family_t *v;
	size_t n, cap;
} families_t;

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

/* The next line of [p, end) that starts with '#' (at text or after a
 * newline), or end. */
static const char *next_comment(const char *p, const char *text, const char *end)
{
	while (p < end) {
		const char *h = memchr(p, '#', (size_t)(end - p));
		if (!h)
			return end;
		if (h == text || h[-1] == '\n')
			return h;
		p = h + 1;
	}
	return end;
}

static int starts(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* "# HELP name rest" / "# TYPE name rest" (prefix of 7 bytes): the name
 * and the rest of line [p, eol). */
static void meta_parts(const char *p, const char *eol, span_t *name, span_t *rest)
{
	p += 7;
	const char *sp = memchr(p, ' ', (size_t)(eol - p));
	const char *ne = sp ? sp : eol;
	*name = (span_t){p, (size_t)(ne - p)};
	*rest = sp ? (span_t){sp + 1, (size_t)(eol - sp - 1)} : (span_t){eol, 0};
}

static int span_eq(span_t a, span_t b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static const family_t *find_family(const families_t *fs, span_t name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (span_eq(fs->v[i].name, name))
			return &fs->v[i];
	return NULL;
}

/* The family of the *next-th TYPE line, which pass 2 meets in the order
 * pass 1 collected them (no search then). */
static const family_t *next_family(const families_t *fs, size_t *next, span_t name)
{
	if (*next < fs->n && span_eq(fs->v[*next].name, name))
		return &fs->v[(*next)++];
	return find_family(fs, name);
}

static int collect_families(families_t *fs, const char *text, const char *end)
{
	for (const char *p = next_comment(text, text, end); p < end;
	     p = next_comment(p, text, end)) {
		const char *eol = line_end(p, end);
		if (starts(p, eol, "# TYPE ")) {
			if (fs->n == fs->cap) {
				size_t cap = fs->cap ? 2 * fs->cap : 64;
				family_t *v = realloc(fs->v, cap * sizeof *v);
				if (!v)
					return -1;
				fs->v = v;
				fs->cap = cap;
			}
			family_t *f = &fs->v[fs->n++];
			meta_parts(p, eol, &f->name, &f->type);
		}
		p = eol;
	}
	return 0;
}

#define TOTAL "_total"
#define TOTAL_LEN 6

/* The OpenMetrics name and type of the family called `name` (f: its TYPE
 * line, NULL if none). */
static const char *om_family(const families_t *fs, const family_t *f, span_t name, span_t *om_name)
{
	*om_name = name;
	if (!f)
		return NULL;
	span_t t = f->type;
	static const char *const kept[] = {"gauge", "summary", "histogram"};
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		if (span_is(t, kept[i]))
			return kept[i];
	if (!span_is(t, "counter"))
		return "unknown";
	if (name.n <= TOTAL_LEN || memcmp(name.p + name.n - TOTAL_LEN, TOTAL, TOTAL_LEN) != 0)
		return "unknown";
	span_t base = {name.p, name.n - TOTAL_LEN};
	if (find_family(fs, base))
		return "unknown";
	*om_name = base;
	return "counter";
}

/* Base units the OpenMetrics and Prometheus naming guides list. */
static const char *const units[] = {
	"seconds", "bytes", "ratio", "meters", "grams", "joules", "volts", "amperes", "celsius",
};

static const char *unit_of(span_t name)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t n = strlen(units[i]);
		if (name.n > n + 1 && name.p[name.n - n - 1] == '_' &&
		    memcmp(name.p + name.n - n, units[i], n) == 0)
			return units[i];
	}
	return NULL;
}

static void put_meta(buf_t *out, const char *kind, span_t name, const char *value, size_t vlen)
{
	buf_puts(out, kind);
	buf_put(out, name.p, name.n);
	buf_putc(out, ' ');
	buf_put(out, value, vlen);
	buf_putc(out, '\n');
}

/* HELP text of the 0.0.4 format (\\ and \n escaped) with '"' escaped too. */
static void put_help(buf_t *out, span_t name, span_t help)
{
	buf_puts(out, "# HELP ");
	buf_put(out, name.p, name.n);
	buf_putc(out, ' ');
	const char *p = help.p, *end = help.p + help.n, *run = p;
	while (p < end) {
		if (*p == '"') {
			buf_put(out, run, (size_t)(p - run));
			buf_put(out, "\\\"", 2);
			run = ++p;
		} else {
			/* an escape keeps the character it escapes */
			p += *p == '\\' && p + 1 < end ? 2 : 1;
		}
	}
	buf_put(out, run, (size_t)(end - run));
	buf_putc(out, '\n');
}

static void put_type_unit(buf_t *out, span_t om_name, const char *type)
{
	put_meta(out, "# TYPE ", om_name, type, strlen(type));
	const char *u = unit_of(om_name);
	if (u)
		put_meta(out, "# UNIT ", om_name, u, strlen(u));
}

void om_from_text(buf_t *out, const char *text, size_t len)
{
	const char *end = text + len;
	families_t fs = {NULL, 0, 0};
	size_t start = out->len;
	if (collect_families(&fs, text, end)) {
		free(fs.v);
		out->oom = 1;
		return;
	}
	size_t next = 0; /* the next TYPE line's entry in fs */
	for (const char *p = text; p < end;) {
		const char *c = next_comment(p, text, end);
		buf_put(out, p, (size_t)(c - p)); /* sample lines, unchanged */
		if (c == end)
			break;
		const char *eol = line_end(c, end);
		p = eol < end ? eol + 1 : end;
		span_t name, rest, om_name;
		if (starts(c, eol, "# TYPE ")) {
			meta_parts(c, eol, &name, &rest);
			const char *type = om_family(&fs, next_family(&fs, &next, name), name, &om_name);
			put_type_unit(out, om_name, type);
		} else if (starts(c, eol, "# HELP ")) {
			meta_parts(c, eol, &name, &rest);
			/* expo_header writes HELP then TYPE: emit TYPE, UNIT, HELP. */
			const char *teol = line_end(p, end);
			span_t tname, ttype;
			if (starts(p, teol, "# TYPE ") &&
			    (meta_parts(p, teol, &tname, &ttype), span_eq(tname, name))) {
				const char *type = om_family(&fs, next_family(&fs, &next, name), name, &om_name);
				put_type_unit(out, om_name, type);
				p = teol < end ? teol + 1 : end;
			} else {
				om_family(&fs, find_family(&fs, name), name, &om_name);
			}
			put_help(out, om_name, rest);
		} /* any other comment: OpenMetrics has none */
	}
	free(fs.v);
	if (out->len > start && !out->oom && out->data[out->len - 1] != '\n')
		buf_putc(out, '\n');
	buf_puts(out, "# EOF\n");
}

const char *om_body(expo_format_t f, const char *text, size_t len, buf_t *scratch,
		    size_t *outlen)
{
	if (f == FMT_TEXT) {
		*outlen = len;
		return text;
	}
	buf_reset(scratch);
	if (buf_reserve(scratch, len + len / 64 + 64) == 0)
		om_from_text(scratch, text, len);
	if (scratch->oom)
		return NULL;
	*outlen = scratch->len;
	return scratch->data;
}
