/* promcheck: strict Prometheus text-format validator (see promcheck.h).
 *
 * One pass over the lines; a small open-addressing string set remembers
 * the families seen and the canonical key of every series
 * (name \0 label=value \0 ..., labels sorted by name, values unescaped). */
#include "promcheck.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *p;
	size_t n;
} span_t;

/* ---- a growable set of byte strings -------------------------------------- */

typedef struct {
	uint64_t h;
	size_t off, len; /* into arena; len == SIZE_MAX: empty slot */
} slot_t;

typedef struct {
	char *arena;
	size_t alen, acap;
	slot_t *slots;
	size_t nslots, used;
} strset_t;

static uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

static int set_grow(strset_t *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 256;
	slot_t *ns = malloc(n * sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < n; i++)
		ns[i].len = SIZE_MAX;
	for (size_t i = 0; i < s->nslots; i++) {
		if (s->slots[i].len == SIZE_MAX)
			continue;
		size_t j = s->slots[i].h & (n - 1);
		while (ns[j].len != SIZE_MAX)
			j = (j + 1) & (n - 1);
		ns[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = ns;
	s->nslots = n;
	return 0;
}

/* 1 when added, 0 when already there, -1 when out of memory. */
static int set_add(strset_t *s, const char *p, size_t n)
{
	if ((s->used + 1) * 2 > s->nslots && set_grow(s))
		return -1;
	uint64_t h = hash(p, n);
	size_t j = h & (s->nslots - 1);
	for (; s->slots[j].len != SIZE_MAX; j = (j + 1) & (s->nslots - 1))
		if (s->slots[j].h == h && s->slots[j].len == n && memcmp(s->arena + s->slots[j].off, p, n) == 0)
			return 0;
	if (s->alen + n + 1 > s->acap) {
		size_t cap = s->acap ? s->acap : 4096;
		while (cap < s->alen + n + 1)
			cap *= 2;
		char *a = realloc(s->arena, cap);
		if (!a)
			return -1;
		s->arena = a;
		s->acap = cap;
	}
	memcpy(s->arena + s->alen, p, n);
	s->slots[j] = (slot_t){h, s->alen, n};
	s->alen += n;
	s->used++;
	return 1;
}

static void set_free(strset_t *s)
{
	free(s->arena);
	free(s->slots);
}

/* ---- checker state ------------------------------------------------------- */

enum { T_COUNTER, T_GAUGE, T_HISTOGRAM, T_SUMMARY, T_UNTYPED };
static const char *const type_names[] = {"counter", "gauge", "histogram", "summary", "untyped"};

typedef struct {
	span_t name;
	size_t voff, vlen; /* unescaped value in pc_t.vals */
} label_t;

typedef struct {
	size_t lineno;
	char *err;
	size_t errlen;
	span_t fam;
	int has_fam, fam_type, fam_help, fam_typed, fam_samples;
	strset_t families, series;
	char *vals, *key;       /* scratch: unescaped values, series key */
	size_t vals_len, vals_cap, key_len, key_cap;
	label_t *labels;
	size_t nlabels, labels_cap;
} pc_t;

static int fail(pc_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(pc_t *c, const char *fmt, ...)
{
	if (c->errlen == 0)
		return -1;
	int n = snprintf(c->err, c->errlen, "line %zu: ", c->lineno);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int grow(char **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 256;
	while (c < need)
		c *= 2;
	char *np = realloc(*p, c);
	if (!np)
		return -1;
	*p = np;
	*cap = c;
	return 0;
}

/* ---- lexical pieces ------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid or NUL. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0], cp, min;
	size_t n;
	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	if (left < n)
		return 0;
	cp = c & (0x3fu >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int is_alpha_(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Length of the metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) at p, 0 if none. */
static size_t metric_name(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (is_alpha_(p[i]) || p[i] == ':' || (i > 0 && is_digit(p[i]))))
		i++;
	return i;
}

static size_t label_name(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (is_alpha_(p[i]) || (i > 0 && is_digit(p[i]))))
		i++;
	return i;
}

static int span_is(span_t s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* NaN, +Inf, -Inf, or [+-]digits[.digits][e[+-]digits] read whole by strtod. */
static int parse_value(span_t s, double *out)
{
	char tmp[64];
	size_t i = 0, digits = 0;
	if (span_is(s, "NaN") || span_is(s, "+Inf") || span_is(s, "-Inf")) {
		memcpy(tmp, s.p, s.n);
		tmp[s.n] = '\0';
		*out = strtod(tmp, NULL);
		return 0;
	}
	if (s.n == 0 || s.n >= sizeof tmp)
		return -1;
	if (s.p[i] == '+' || s.p[i] == '-')
		i++;
	for (; i < s.n && is_digit(s.p[i]); i++)
		digits++;
	if (i < s.n && s.p[i] == '.')
		for (i++; i < s.n && is_digit(s.p[i]); i++)
			digits++;
	if (!digits)
		return -1;
	if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
		size_t ed = 0;
		i++;
		if (i < s.n && (s.p[i] == '+' || s.p[i] == '-'))
			i++;
		for (; i < s.n && is_digit(s.p[i]); i++)
			ed++;
		if (!ed)
			return -1;
	}
	if (i != s.n)
		return -1;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	char *end;
	*out = strtod(tmp, &end);
	return end == tmp + s.n ? 0 : -1;
}

/* ---- families ------------------------------------------------------------ */

/* HELP or TYPE for name: continue the current family or open a new one. */
static int family(pc_t *c, span_t name)
{
	if (c->has_fam && c->fam.n == name.n && memcmp(c->fam.p, name.p, name.n) == 0)
		return 0;
	int r = set_add(&c->families, name.p, name.n);
	if (r < 0)
		return fail(c, "out of memory");
	if (r == 0)
		return fail(c, "family %.*s appears again (its lines are not one block)", (int)name.n, name.p);
	c->fam = name;
	c->has_fam = 1;
	c->fam_type = T_UNTYPED;
	c->fam_help = c->fam_typed = c->fam_samples = 0;
	return 0;
}

static int help_text(pc_t *c, span_t t)
{
	for (size_t i = 0; i < t.n; i++)
		if (t.p[i] == '\\' && (++i >= t.n || (t.p[i] != '\\' && t.p[i] != 'n')))
			return fail(c, "HELP text has an escape other than \\\\ or \\n");
	return 0;
}

static int comment_line(pc_t *c, span_t l)
{
	int is_help = l.n >= 7 && memcmp(l.p, "# HELP ", 7) == 0;
	int is_type = l.n >= 7 && memcmp(l.p, "# TYPE ", 7) == 0;
	if (!is_help && !is_type)
		return fail(c, "comment that is neither # HELP nor # TYPE");
	span_t rest = {l.p + 7, l.n - 7};
	span_t name = {rest.p, metric_name(rest.p, rest.n)};
	if (!name.n)
		return fail(c, "bad metric name after # %s", is_help ? "HELP" : "TYPE");
	if (family(c, name))
		return -1;
	span_t tail = {rest.p + name.n, rest.n - name.n};
	if (is_help) {
		if (tail.n && tail.p[0] != ' ')
			return fail(c, "bad metric name in # HELP");
		if (c->fam_help++)
			return fail(c, "second HELP for %.*s", (int)name.n, name.p);
		if (c->fam_samples)
			return fail(c, "HELP for %.*s after its samples", (int)name.n, name.p);
		return tail.n ? help_text(c, (span_t){tail.p + 1, tail.n - 1}) : 0;
	}
	if (c->fam_typed++)
		return fail(c, "second TYPE for %.*s", (int)name.n, name.p);
	if (c->fam_samples)
		return fail(c, "TYPE for %.*s after its samples", (int)name.n, name.p);
	for (int t = 0; t <= T_UNTYPED; t++) {
		if (tail.n == strlen(type_names[t]) + 1 && tail.p[0] == ' ' &&
		    memcmp(tail.p + 1, type_names[t], tail.n - 1) == 0) {
			c->fam_type = t;
			return 0;
		}
	}
	return fail(c, "bad TYPE line for %.*s", (int)name.n, name.p);
}

/* Which part of the current family sample name m is: 0 the name itself,
 * 1 _sum, 2 _count, 3 _bucket; -1 when it is not in the family. */
static int family_part(const pc_t *c, span_t m)
{
	static const char *const sfx[] = {"", "_sum", "_count", "_bucket"};
	if (m.n < c->fam.n || memcmp(m.p, c->fam.p, c->fam.n) != 0)
		return -1;
	span_t rest = {m.p + c->fam.n, m.n - c->fam.n};
	int part = -1;
	for (int k = 0; k < 4; k++)
		if (span_is(rest, sfx[k]))
			part = k;
	if (part == 0)
		return c->fam_type == T_HISTOGRAM ? -1 : 0;
	if (part == 3)
		return c->fam_type == T_HISTOGRAM ? 3 : -1;
	if (part > 0)
		return (c->fam_type == T_SUMMARY || c->fam_type == T_HISTOGRAM) ? part : -1;
	return -1;
}

/* ---- samples ------------------------------------------------------------- */

/* Unescape the label value starting after the opening quote; *used is the
 * length including the closing quote. */
static int label_value(pc_t *c, const char *p, size_t n, size_t *used)
{
	size_t i = 0;
	while (i < n && p[i] != '"') {
		char ch = p[i++];
		if (ch == '\\') {
			if (i >= n)
				break;
			ch = p[i++];
			if (ch == 'n')
				ch = '\n';
			else if (ch != '\\' && ch != '"')
				return fail(c, "label value escape other than \\\\ \\\" \\n");
		}
		if (grow(&c->vals, &c->vals_cap, c->vals_len + 1))
			return fail(c, "out of memory");
		c->vals[c->vals_len++] = ch;
	}
	if (i >= n)
		return fail(c, "unterminated label value");
	*used = i + 1;
	return 0;
}

static int add_label(pc_t *c, span_t name, size_t voff)
{
	if (c->nlabels == c->labels_cap) {
		size_t cap = c->labels_cap ? c->labels_cap * 2 : 8;
		label_t *l = realloc(c->labels, cap * sizeof *l);
		if (!l)
			return fail(c, "out of memory");
		c->labels = l;
		c->labels_cap = cap;
	}
	c->labels[c->nlabels++] = (label_t){name, voff, c->vals_len - voff};
	return 0;
}

/* Parse `{a="x",b="y"}` at p; *used is its length. */
static int labels(pc_t *c, const char *p, size_t n, size_t *used)
{
	size_t i = 1;
	for (;;) {
		span_t ln = {p + i, label_name(p + i, n - i)};
		if (!ln.n)
			return fail(c, "bad or missing label name");
		if (ln.n >= 2 && ln.p[0] == '_' && ln.p[1] == '_')
			return fail(c, "reserved label name %.*s", (int)ln.n, ln.p);
		i += ln.n;
		if (i + 1 >= n || p[i] != '=' || p[i + 1] != '"')
			return fail(c, "expected =\" after label name %.*s", (int)ln.n, ln.p);
		i += 2;
		size_t voff = c->vals_len, vused = 0;
		if (label_value(c, p + i, n - i, &vused) || add_label(c, ln, voff))
			return -1;
		i += vused;
		if (i < n && p[i] == ',') {
			i++;
			continue;
		}
		if (i < n && p[i] == '}') {
			*used = i + 1;
			return 0;
		}
		return fail(c, "expected , or } after a label value");
	}
}

static int cmp_label(const void *a, const void *b)
{
	const label_t *x = a, *y = b;
	size_t n = x->name.n < y->name.n ? x->name.n : y->name.n;
	int r = memcmp(x->name.p, y->name.p, n);
	return r ? r : (x->name.n > y->name.n) - (x->name.n < y->name.n);
}

static int key_put(pc_t *c, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (grow(&c->key, &c->key_cap, c->key_len + n))
		return fail(c, "out of memory");
	memcpy(c->key + c->key_len, p, n);
	c->key_len += n;
	return 0;
}

/* Sort the labels, refuse a repeated name, and record the series once. */
static int series(pc_t *c, span_t m)
{
	if (c->nlabels > 1)
		qsort(c->labels, c->nlabels, sizeof *c->labels, cmp_label);
	c->key_len = 0;
	if (key_put(c, m.p, m.n) || key_put(c, "", 1))
		return -1;
	for (size_t i = 0; i < c->nlabels; i++) {
		const label_t *l = &c->labels[i];
		if (i && cmp_label(l, l - 1) == 0)
			return fail(c, "label %.*s twice", (int)l->name.n, l->name.p);
		if (key_put(c, l->name.p, l->name.n) || key_put(c, "=", 1) ||
		    key_put(c, l->vlen ? c->vals + l->voff : "", l->vlen) || key_put(c, "", 1))
			return -1;
	}
	int r = set_add(&c->series, c->key, c->key_len);
	if (r < 0)
		return fail(c, "out of memory");
	return r == 0 ? fail(c, "duplicate series %.*s", (int)m.n, m.p) : 0;
}

/* The value of label `name` as a number, -1 if absent or not numeric. */
static int label_number(pc_t *c, const char *name, double *v)
{
	for (size_t i = 0; i < c->nlabels; i++)
		if (span_is(c->labels[i].name, name))
			return parse_value((span_t){c->labels[i].vlen ? c->vals + c->labels[i].voff : "",
						    c->labels[i].vlen}, v);
	return -1;
}

static int has_label(pc_t *c, const char *name)
{
	for (size_t i = 0; i < c->nlabels; i++)
		if (span_is(c->labels[i].name, name))
			return 1;
	return 0;
}

/* quantile on summary quantiles (0..1), le on buckets, neither elsewhere. */
static int special_labels(pc_t *c, int part)
{
	double v;
	int is_q = c->fam_type == T_SUMMARY && part == 0;
	int is_le = c->fam_type == T_HISTOGRAM && part == 3;
	if (is_q && (label_number(c, "quantile", &v) || !(v >= 0 && v <= 1)))
		return fail(c, "summary sample without a quantile label in [0,1]");
	if (is_le && label_number(c, "le", &v))
		return fail(c, "histogram bucket without a numeric le label");
	if (!is_q && c->fam_type == T_SUMMARY && has_label(c, "quantile"))
		return fail(c, "quantile label on a summary _sum/_count");
	if (!is_le && c->fam_type == T_HISTOGRAM && has_label(c, "le"))
		return fail(c, "le label on a histogram _sum/_count");
	return 0;
}

static int sample_line(pc_t *c, span_t l)
{
	span_t m = {l.p, metric_name(l.p, l.n)};
	size_t i = m.n, used = 0;
	double v;
	if (!m.n)
		return fail(c, "line does not start with a metric name");
	if (!c->has_fam || !c->fam_typed)
		return fail(c, "sample %.*s without a TYPE line for its family", (int)m.n, m.p);
	int part = family_part(c, m);
	if (part < 0)
		return fail(c, "sample %.*s is not part of family %.*s (families must be contiguous)",
			    (int)m.n, m.p, (int)c->fam.n, c->fam.p);
	c->fam_samples = 1;
	c->nlabels = 0;
	c->vals_len = 0;
	if (i < l.n && l.p[i] == '{') {
		if (labels(c, l.p + i, l.n - i, &used))
			return -1;
		i += used;
	}
	if (i >= l.n || l.p[i] != ' ')
		return fail(c, "expected one space before the value of %.*s", (int)m.n, m.p);
	if (parse_value((span_t){l.p + i + 1, l.n - i - 1}, &v))
		return fail(c, "bad value \"%.*s\" (or a timestamp) for %.*s", (int)(l.n - i - 1), l.p + i + 1,
			    (int)m.n, m.p);
	return special_labels(c, part) || series(c, m) ? -1 : 0;
}

static int check_utf8(pc_t *c, const char *text, size_t len)
{
	c->lineno = 1;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len((const unsigned char *)text + i, len - i);
		if (!n)
			return fail(c, "invalid UTF-8 or NUL byte at offset %zu", i);
		if (text[i] == '\n')
			c->lineno++;
		i += n;
	}
	return 0;
}

int promcheck(const char *text, size_t len, char *err, size_t errlen)
{
	pc_t c;
	memset(&c, 0, sizeof c);
	c.err = err;
	c.errlen = errlen;
	if (errlen)
		err[0] = '\0';
	int rc = check_utf8(&c, text, len);
	if (!rc && len && text[len - 1] != '\n') {
		c.lineno = 0;
		rc = fail(&c, "text does not end with a newline");
	}
	c.lineno = 0;
	for (size_t i = 0; !rc && i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		span_t l = {text + i, (size_t)(nl - (text + i))};
		c.lineno++;
		if (l.n == 0)
			rc = fail(&c, "empty line");
		else if (l.p[0] == '#')
			rc = comment_line(&c, l);
		else
			rc = sample_line(&c, l);
		i += l.n + 1;
	}
	set_free(&c.families);
	set_free(&c.series);
	free(c.vals);
	free(c.key);
	free(c.labels);
	return rc;
}
