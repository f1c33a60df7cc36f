/* stats: Locust JSON -> snapshot model (see stats.h).
 *
 * The document is read once, front to back, with jsonread: each object's
 * keys are dispatched by name as they come and values land straight in the
 * model; no tree is built.  Strings the model keeps are decoded into the
 * snapshot's arena.  A schema problem is remembered (the first one is
 * reported) and the reader goes on to the end, so that a document that is
 * also malformed further on is reported as malformed, as a tree parser
 * would. */
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

const char *const lstate_names[ST__COUNT] = {
	"ready", "spawning", "running", "cleanup", "stopping", "stopped", "missing",
};

lstate_t lstate_parse(const char *s)
{
	if (!s)
		return ST_UNKNOWN;
	if (strcmp(s, "hatching") == 0)
		return ST_SPAWNING;
	for (int i = 0; i < ST__COUNT; i++)
		if (strcmp(s, lstate_names[i]) == 0)
			return (lstate_t)i;
	return ST_UNKNOWN;
}

/* ---- the snapshot's strings ----------------------------------------------
 * Names, methods, errors, ids and the state, decoded and NUL-terminated, in
 * a bump arena that is rewound (not freed) by the next parse.  Under
 * AddressSanitizer every string gets a chunk of its own, so reading past a
 * string's end is caught. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ENABLED 0
#endif
#endif
#ifndef ARENA_ENABLED
#define ARENA_ENABLED 1
#endif

#define ARENA_FIRST (16 * 1024)

typedef struct chunk {
	struct chunk *next;
	size_t cap, used;
	char data[];
} chunk_t;

typedef struct {
	chunk_t *head; /* newest chunk first */
	size_t total;  /* bytes handed out since the last rewind */
} arena_t;

static char *arena_alloc(arena_t *a, size_t n)
{
	chunk_t *c = a->head;
	if (!ARENA_ENABLED || !c || c->cap - c->used < n) {
		size_t cap = c && ARENA_ENABLED ? c->cap * 2 : ARENA_ENABLED ? ARENA_FIRST : n;
		if (cap < n)
			cap = n;
		chunk_t *nc = malloc(sizeof *nc + cap);
		if (!nc)
			return NULL;
		nc->next = c;
		nc->cap = cap;
		nc->used = 0;
		a->head = c = nc;
	}
	char *p = c->data + c->used;
	c->used += n;
	a->total += n;
	return p;
}

static void arena_drop(arena_t *a)
{
	while (a->head) {
		chunk_t *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

/* Forget the strings.  Several chunks become one that holds them all, so
 * the next parse of a similar document takes one chunk and no malloc. */
static void arena_rewind(arena_t *a)
{
	if (!ARENA_ENABLED || (a->head && a->head->next)) {
		size_t need = a->total;
		arena_drop(a);
		if (ARENA_ENABLED) {
			a->head = malloc(sizeof *a->head + need);
			if (a->head) {
				a->head->next = NULL;
				a->head->cap = need;
			}
		}
	}
	if (a->head)
		a->head->used = 0;
	a->total = 0;
}

static void arena_destroy(arena_t *a)
{
	if (a) {
		arena_drop(a);
		free(a);
	}
}

void snapshot_init(snapshot_t *s)
{
	memset(s, 0, sizeof *s);
}

void snapshot_reset(snapshot_t *s)
{
	arena_t *arena = s->arena;
	if (arena)
		arena_rewind(arena);
	stat_row_t *rows = s->rows;
	error_row_t *errors = s->errors;
	worker_row_t *workers = s->workers;
	size_t rc = s->rows_cap, ec = s->errors_cap, wc = s->workers_cap;
	memset(s, 0, sizeof *s);
	s->rows = rows;
	s->rows_cap = rc;
	s->errors = errors;
	s->errors_cap = ec;
	s->workers = workers;
	s->workers_cap = wc;
	s->arena = arena;
}

void snapshot_free(snapshot_t *s)
{
	snapshot_reset(s);
	free(s->rows);
	free(s->errors);
	free(s->workers);
	arena_destroy(s->arena);
	memset(s, 0, sizeof *s);
}

/* Grow *arr to hold n elements of size sz; 0 on success. */
static int reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
	if (n <= *cap)
		return 0;
	size_t c = *cap ? *cap : 16;
	while (c < n)
		c *= 2;
	void *p = realloc(*arr, c * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

int snapshot_reserve(snapshot_t *s, size_t rows, size_t errors)
{
	return reserve((void **)&s->rows, &s->rows_cap, rows ? rows : 1, sizeof *s->rows) ||
	       reserve((void **)&s->errors, &s->errors_cap, errors ? errors : 1, sizeof *s->errors);
}

/* Insert (q, ms) keeping pct sorted by q; a repeated q is replaced. */
static void add_quantile(quantile_t *pct, int *n, double q, double ms)
{
	int i = 0;
	while (i < *n && pct[i].q < q)
		i++;
	if (i < *n && pct[i].q == q) {
		pct[i].ms = ms;
		return;
	}
	if (*n == STATS_MAX_Q)
		return;
	memmove(pct + i + 1, pct + i, (size_t)(*n - i) * sizeof *pct);
	pct[i].q = q;
	pct[i].ms = ms;
	(*n)++;
}

typedef struct {
	const char *key;
	size_t len;
	size_t off;
} numfield_t;

#define RF(k, f) {k, sizeof k - 1, offsetof(stat_row_t, f)}
static const numfield_t row_fields[] = {
	RF("num_requests", num_requests), RF("num_failures", num_failures),
	RF("avg_response_time", avg_ms), RF("min_response_time", min_ms),
	RF("max_response_time", max_ms), RF("median_response_time", median_ms),
	RF("current_rps", current_rps), RF("current_fail_per_sec", current_fail_per_sec),
	RF("total_rps", total_rps), RF("total_fail_per_sec", total_fail_per_sec),
	RF("avg_content_length", avg_content_length),
};
#define NROW_FIELDS (sizeof row_fields / sizeof row_fields[0])

/* What a stats[] key is: a row_fields index (>= 0) or one of these. */
enum { K_NAME = -1, K_METHOD = -2, K_P90 = -3, K_P99 = -4, K_PCT = -5, K_OTHER = -6 };

#define PCT_PREFIX "response_time_percentile_"
#define PCT_PREFIX_LEN (sizeof PCT_PREFIX - 1)

/* Every row has the same ~15 keys: compare lengths before bytes, once
 * per key instead of a strcmp chain. */
static int row_key(const char *key, size_t len)
{
	static const struct { const char *key; size_t len; int kind; } special[] = {
		{"name", 4, K_NAME}, {"method", 6, K_METHOD},
		{"ninetieth_response_time", 23, K_P90}, {"ninety_ninth_response_time", 26, K_P99},
	};
	for (size_t i = 0; i < NROW_FIELDS; i++)
		if (len == row_fields[i].len && memcmp(key, row_fields[i].key, len) == 0)
			return (int)i;
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (len == special[i].len && memcmp(key, special[i].key, len) == 0)
			return special[i].kind;
	if (len > PCT_PREFIX_LEN && memcmp(key, PCT_PREFIX, PCT_PREFIX_LEN) == 0)
		return K_PCT;
	return K_OTHER;
}

/* The quantile written in p[0..len) ("0.95"), if it is a number in (0,1). */
static int quantile_of(const char *p, size_t len, double *q)
{
	char text[32], *end;
	if (len == 0 || len >= sizeof text)
		return -1;
	memcpy(text, p, len);
	text[len] = '\0';
	double v = strtod(text, &end);
	if (*end || !(v > 0 && v < 1))
		return -1;
	*q = v;
	return 0;
}

/* Quantile keys seen in this parse ("0.95" -> 0.95), to skip strtod; a
 * key's slot here is also its bit for duplicate detection. */
#define QKEY_CACHE 8
#define QKEY_MAX 16
typedef struct {
	int n;
	struct { char text[QKEY_MAX]; size_t len; double q; } e[QKEY_CACHE];
} qkeys_t;

/* The quantile of a "response_time_percentile_<p>" key: its cache slot
 * (QKEY_CACHE when not cached), -1 if <p> is not a number in (0,1). */
static int pct_key(qkeys_t *c, const char *key, size_t len, double *q)
{
	const char *p = key + PCT_PREFIX_LEN;
	size_t pl = len - PCT_PREFIX_LEN;
	for (int i = 0; i < c->n; i++)
		if (c->e[i].len == pl && memcmp(c->e[i].text, p, pl) == 0) {
			*q = c->e[i].q;
			return i;
		}
	if (quantile_of(p, pl, q))
		return -1;
	if (c->n == QKEY_CACHE || pl >= QKEY_MAX)
		return QKEY_CACHE;
	memcpy(c->e[c->n].text, p, pl);
	c->e[c->n].len = pl;
	c->e[c->n].q = *q;
	return c->n++;
}

static void row_defaults(stat_row_t *r)
{
	for (size_t i = 0; i < NROW_FIELDS; i++)
		*(double *)((char *)r + row_fields[i].off) = NAN;
	r->method = "";
	r->method_len = 0;
	r->name = NULL;
	r->name_len = 0;
	r->npct = 0;
}

/* The identity of a row for duplicate detection: up to three strings. */
typedef struct {
	const char *s[3];
	size_t n[3];
} rowkey_t;

static int cmp_rowkey(const void *a, const void *b)
{
	const rowkey_t *x = a, *y = b;
	for (int i = 0; i < 3; i++) {
		size_t n = x->n[i] < y->n[i] ? x->n[i] : y->n[i];
		int r = n ? memcmp(x->s[i], y->s[i], n) : 0;
		if (r)
			return r;
		if (x->n[i] != y->n[i])
			return x->n[i] < y->n[i] ? -1 : 1;
	}
	return 0;
}

/* True when two of k[0..n) are equal (k is sorted in place). */
static int has_duplicate(rowkey_t *k, size_t n)
{
	if (n > 1)
		qsort(k, n, sizeof *k, cmp_rowkey);
	for (size_t i = 1; i < n; i++)
		if (cmp_rowkey(&k[i - 1], &k[i]) == 0)
			return 1;
	return 0;
}

static void rowkey_set(rowkey_t *k, const char *a, size_t al, const char *b, size_t bl,
		       const char *c, size_t cl)
{
	*k = (rowkey_t){{a, b, c}, {al, bl, cl}};
}

int snapshot_check_unique(const snapshot_t *s, buf_t *detail)
{
	size_t nstats = s->nrows + (s->has_total ? 1 : 0), n = nstats;
	const char *dup = NULL;
	n = s->nerrors > n ? s->nerrors : n;
	n = s->nworkers > n ? s->nworkers : n;
	if (n < 2)
		return 0;
	rowkey_t *k = malloc(n * sizeof *k);
	if (!k) {
		buf_puts(detail, "out of memory");
		return -1;
	}
	/* The aggregate row renders as name="Aggregated" (also when "Total"). */
	for (size_t i = 0; i < nstats; i++) {
		const stat_row_t *r = i < s->nrows ? &s->rows[i] : &s->total;
		rowkey_set(&k[i], r->method, r->method_len, i < s->nrows ? r->name : "Aggregated",
			   i < s->nrows ? r->name_len : 10, "", 0);
	}
	if (has_duplicate(k, nstats))
		dup = "stats rows with the same method and name";
	for (size_t i = 0; !dup && i < s->nerrors; i++) {
		const error_row_t *e = &s->errors[i];
		rowkey_set(&k[i], e->method, e->method_len, e->name, e->name_len, e->error, e->error_len);
	}
	if (!dup && has_duplicate(k, s->nerrors))
		dup = "errors rows with the same method, name and error";
	for (size_t i = 0; !dup && i < s->nworkers; i++)
		rowkey_set(&k[i], s->workers[i].id, s->workers[i].id_len, "", 0, "", 0);
	if (!dup && has_duplicate(k, s->nworkers))
		dup = "workers with the same id";
	free(k);
	if (dup)
		buf_printf(detail, "two %s (Locust keys them uniquely)", dup);
	return dup ? -1 : 0;
}

/* ---- the document ---------------------------------------------------------- */

typedef struct {
	jreader_t r;
	snapshot_t *s;
	buf_t *detail;
	int schema_bad; /* detail holds the first schema problem */
	jtype_t wrong;  /* the type of the last value read_* passed over */
	qkeys_t qk;
	int has_stats, has_state, has_dict;
	double legacy[4]; /* current_response_time_percentile_1/_2/_50/_95 */
	int legacy_seen[4]; /* 0 absent, 1 a number, -1 another type */
} parse_t;

__attribute__((format(printf, 2, 3)))
static void schema(parse_t *c, const char *fmt, ...)
{
	if (c->schema_bad++)
		return;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(c->detail, fmt, ap);
	va_end(ap);
}

/* A string the model keeps: decoded into the arena. */
static const char *keep(parse_t *c, const jstr_t *js, size_t *len)
{
	char *d = c->s->arena ? arena_alloc(c->s->arena, js->len + 1) : NULL;
	if (!d) {
		schema(c, "out of memory");
		*len = 0;
		return "";
	}
	*len = jr_decode(js, d);
	return d;
}

/* A key as text: raw when it has no escape (the common case). */
static const char *key_text(parse_t *c, const jstr_t *k, size_t *len)
{
	*len = k->len;
	return k->escaped ? keep(c, k, len) : k->raw;
}

/* The next value as a number, null as NAN; -1 (the value passed over)
 * for another type. */
static int read_num(parse_t *c, double *out)
{
	switch (jr_type(&c->r)) {
	case JT_NUMBER:
		jr_number(&c->r, out);
		return 0;
	case JT_NULL:
		*out = NAN;
		jr_literal(&c->r);
		return 0;
	default:
		c->wrong = jr_type(&c->r);
		jr_skip(&c->r);
		return -1;
	}
}

/* The next value as a kept string (null as "" when allowed); -1 (the
 * value passed over) for another type. */
static int read_str(parse_t *c, const char **out, size_t *len, int null_ok)
{
	jstr_t js;
	jtype_t t = jr_type(&c->r);
	if (t == JT_NULL && null_ok) {
		*out = "";
		*len = 0;
		jr_literal(&c->r);
		return 0;
	}
	if (t != JT_STRING) {
		c->wrong = t;
		jr_skip(&c->r);
		return -1;
	}
	if (jr_string(&c->r, &js) == 0)
		*out = keep(c, &js, len);
	return 0;
}

/* Mark key bit in *seen; a key seen twice in one object is malformed (as
 * jansson's JSON_REJECT_DUPLICATES has it), for every key we read. */
static int first_time(parse_t *c, uint32_t *seen, int bit)
{
	if (bit < 0)
		return 1;
	if (*seen & (1u << bit)) {
		jr_fail(&c->r, "duplicate object key");
		return 0;
	}
	*seen |= 1u << bit;
	return 1;
}

/* Bits of the row keys: row_fields indexes, then these, then quantile slots. */
enum { B_NAME = NROW_FIELDS, B_METHOD, B_P90, B_P99, B_PCT };

/* One member of a stats row; -1 when its value has the wrong type (and
 * was passed over). */
static int row_value(parse_t *c, stat_row_t *r, const char *key, size_t len, uint32_t *seen, int *have)
{
	int k = row_key(key, len), slot;
	double d, q;
	switch (k) {
	case K_NAME:
		if (!first_time(c, seen, B_NAME))
			return 0;
		*have |= 1;
		return read_str(c, &r->name, &r->name_len, 0);
	case K_METHOD:
		if (!first_time(c, seen, B_METHOD))
			return 0;
		return read_str(c, &r->method, &r->method_len, 1);
	case K_P90:
	case K_P99:
		if (!first_time(c, seen, k == K_P90 ? B_P90 : B_P99))
			return 0;
		if (read_num(c, &d))
			return -1;
		add_quantile(r->pct, &r->npct, k == K_P90 ? 0.9 : 0.99, d);
		if (k == K_P90)
			c->s->legacy_escaping = 1;
		return 0;
	case K_PCT:
		slot = pct_key(&c->qk, key, len, &q);
		if (slot < 0)
			return jr_skip(&c->r), 0; /* not a quantile: ignored */
		if (!first_time(c, seen, slot < QKEY_CACHE ? B_PCT + slot : -1))
			return 0;
		if (read_num(c, &d))
			return -1;
		add_quantile(r->pct, &r->npct, q, d);
		return 0;
	case K_OTHER:
		jr_skip(&c->r);
		return 0;
	default:
		if (!first_time(c, seen, k))
			return 0;
		if (read_num(c, (double *)((char *)r + row_fields[k].off)))
			return -1;
		if (k == 0)
			*have |= 2;
		return 0;
	}
}

static void parse_row(parse_t *c, stat_row_t *r, size_t idx)
{
	jstr_t jk;
	int n = 0, have = 0;
	uint32_t seen = 0;
	row_defaults(r);
	if (jr_type(&c->r) != JT_OBJECT) {
		schema(c, "stats[%zu] is not an object", idx);
		jr_skip(&c->r);
		return;
	}
	while (jr_member(&c->r, &n, &jk) == 1) {
		size_t kl;
		const char *key = key_text(c, &jk, &kl);
		if (row_value(c, r, key, kl, &seen, &have))
			schema(c, "stats[%zu].%.*s has the wrong type (%s)", idx, (int)kl, key,
			       jtype_names[c->wrong]);
	}
	if (have != 3 || isnan(r->num_requests))
		schema(c, "stats[%zu] lacks name or num_requests", idx);
	if (isnan(r->num_failures))
		r->num_failures = 0;
}

static void parse_stats(parse_t *c)
{
	snapshot_t *s = c->s;
	int n = 0;
	size_t i = 0;
	c->has_stats = 1;
	if (jr_type(&c->r) != JT_ARRAY) {
		c->has_stats = 0;
		jr_skip(&c->r);
		return;
	}
	for (; jr_item(&c->r, &n) == 1; i++) {
		if (reserve((void **)&s->rows, &s->rows_cap, i + 1, sizeof *s->rows)) {
			schema(c, "out of memory");
			jr_skip(&c->r);
			continue;
		}
		parse_row(c, &s->rows[i], i);
	}
	s->nrows = i;
}

/* Members of an errors[] or workers[] object: key, and whether a number. */
typedef struct {
	const char *key;
	size_t len;
	int number;
} objfield_t;

/* One object of fields f[0..nf): numbers into num[], strings into
 * str[]/len[]; got[i] is 1 when read, -1 when of the wrong type (or a
 * string field's null when !null_ok[i]; passed over). */
static void parse_fields(parse_t *c, const objfield_t *f, int nf, double *num, const char **str,
			 size_t *len, int *got, unsigned null_ok)
{
	jstr_t jk;
	int n = 0;
	uint32_t seen = 0;
	for (int i = 0; i < nf; i++)
		got[i] = 0;
	while (jr_member(&c->r, &n, &jk) == 1) {
		size_t kl;
		const char *key = key_text(c, &jk, &kl);
		int i = 0;
		while (i < nf && !(kl == f[i].len && memcmp(key, f[i].key, kl) == 0))
			i++;
		if (i == nf) {
			jr_skip(&c->r);
			continue;
		}
		if (!first_time(c, &seen, i))
			return;
		int rc = f[i].number ? read_num(c, &num[i]) : read_str(c, &str[i], &len[i], null_ok >> i & 1);
		got[i] = rc ? -1 : 1;
	}
}

/* errors[] and workers[]: arrays of flat objects of up to 5 fields. */
#define LIST_FIELDS 5
typedef struct {
	const char *what, *shape;     /* for the message: "errors", "{...}" */
	objfield_t f[LIST_FIELDS];
	unsigned null_ok;              /* string fields that may be null */
	size_t arr, cap, count, size;  /* snapshot_t's array, and its element */
	/* Fill row from the fields read; -1 if they do not make one. */
	int (*store)(void *row, const double *num, const char *const *str, const size_t *len,
		     const int *got);
} listdef_t;

static int store_error(void *row, const double *num, const char *const *str, const size_t *len,
		       const int *got)
{
	/* "occurrences", or the "occurences" spelling of Locust before 1.0. */
	int occ = got[3] ? 3 : 4;
	if (got[0] != 1 || got[1] != 1 || got[2] != 1 || got[occ] != 1 || isnan(num[occ]))
		return -1;
	*(error_row_t *)row = (error_row_t){str[0], str[1], str[2], len[0], len[1], len[2], num[occ]};
	return 0;
}

static int store_worker(void *row, const double *num, const char *const *str, const size_t *len,
			const int *got)
{
	if (got[0] != 1 || got[1] != 1 || got[2] != 1 || got[3] != 1 || got[4] < 0)
		return -1;
	*(worker_row_t *)row = (worker_row_t){str[0], len[0], str[1], lstate_parse(str[1]), num[2],
					      num[3], got[4] ? num[4] : NAN};
	return 0;
}

#define OF(k, isnum) {k, sizeof k - 1, isnum}
#define LIST(a, c, n, t) offsetof(snapshot_t, a), offsetof(snapshot_t, c), offsetof(snapshot_t, n), sizeof(t)
static const listdef_t error_list = {
	"errors", "{method, name, error, occurrences}",
	{OF("method", 0), OF("name", 0), OF("error", 0), OF("occurrences", 1), OF("occurences", 1)},
	1u << 0, LIST(errors, errors_cap, nerrors, error_row_t), store_error,
};
static const listdef_t worker_list = {
	"workers", "{id, state, user_count, cpu_usage}",
	{OF("id", 0), OF("state", 0), OF("user_count", 1), OF("cpu_usage", 1), OF("memory_usage", 1)},
	0, LIST(workers, workers_cap, nworkers, worker_row_t), store_worker,
};

static void parse_list(parse_t *c, const listdef_t *d)
{
	char *s = (char *)c->s;
	void **arr = (void **)(s + d->arr);
	size_t *cap = (size_t *)(s + d->cap), i = 0;
	int n = 0;
	if (jr_type(&c->r) != JT_ARRAY) {
		schema(c, "errors or workers is not an array");
		jr_skip(&c->r);
		return;
	}
	for (; jr_item(&c->r, &n) == 1; i++) {
		double num[LIST_FIELDS];
		const char *str[LIST_FIELDS];
		size_t len[LIST_FIELDS];
		int got[LIST_FIELDS] = {-1};
		if (reserve(arr, cap, i + 1, d->size)) {
			schema(c, "out of memory");
			jr_skip(&c->r);
			continue;
		}
		if (jr_type(&c->r) == JT_OBJECT)
			parse_fields(c, d->f, LIST_FIELDS, num, str, len, got, d->null_ok);
		else
			jr_skip(&c->r);
		if (d->store((char *)*arr + i * d->size, num, str, len, got))
			schema(c, "%s[%zu] is not %s", d->what, i, d->shape);
	}
	*(size_t *)(s + d->count) = i;
}

/* current_response_time_percentiles (2.20+): {"response_time_percentile_<p>": ms}. */
static void parse_current_dict(parse_t *c)
{
	jstr_t jk;
	int n = 0;
	double d, q;
	c->has_dict = 1;
	if (jr_type(&c->r) != JT_OBJECT) {
		schema(c, "current_response_time_percentiles is not an object");
		jr_skip(&c->r);
		return;
	}
	while (jr_member(&c->r, &n, &jk) == 1) {
		size_t kl;
		const char *key = key_text(c, &jk, &kl);
		if (kl <= PCT_PREFIX_LEN || memcmp(key, PCT_PREFIX, PCT_PREFIX_LEN) != 0 ||
		    quantile_of(key + PCT_PREFIX_LEN, kl - PCT_PREFIX_LEN, &q)) {
			jr_skip(&c->r);
		} else if (read_num(c, &d)) {
			schema(c, "current_response_time_percentiles.%.*s is not a number", (int)kl, key);
		} else {
			add_quantile(c->s->cur_pct, &c->s->ncur_pct, q, d);
		}
	}
}

/* Window percentiles before the dict: _1/_2 (2.15.1-2.27, default
 * 0.5/0.95), _50/_95 (<= 2.15.0); the later in this list wins. */
static const struct { const char *key; double q; } legacy_pct[4] = {
	{"current_response_time_percentile_1", 0.5},
	{"current_response_time_percentile_2", 0.95},
	{"current_response_time_percentile_50", 0.5},
	{"current_response_time_percentile_95", 0.95},
};

#define TF(k, f) {k, offsetof(snapshot_t, f)}
static const stats_field_t top_fields[] = {
	TF("user_count", user_count), TF("fail_ratio", fail_ratio),
	TF("total_rps", total_rps), TF("total_fail_per_sec", total_fail_per_sec),
	TF("current_rps", current_rps), TF("current_fail_per_sec", current_fail_per_sec),
	TF("worker_count", worker_count),
};
#define NTOP (sizeof top_fields / sizeof top_fields[0])

/* Top-level keys: top_fields indexes, then legacy_pct, then these. */
enum { T_LEGACY = NTOP, T_STATS = T_LEGACY + 4, T_STATE, T_ERRORS, T_WORKERS, T_DICT, T_OTHER };

static int top_key(const char *key, size_t len)
{
	static const char *const named[] = {"stats", "state", "errors", "workers",
					    "current_response_time_percentiles"};
	for (size_t i = 0; i < NTOP; i++)
		if (strlen(top_fields[i].key) == len && memcmp(key, top_fields[i].key, len) == 0)
			return (int)i;
	for (int i = 0; i < 4; i++)
		if (strlen(legacy_pct[i].key) == len && memcmp(key, legacy_pct[i].key, len) == 0)
			return T_LEGACY + i;
	for (int i = 0; i < 5; i++)
		if (strlen(named[i]) == len && memcmp(key, named[i], len) == 0)
			return T_STATS + i;
	return T_OTHER;
}

static void top_value(parse_t *c, int k, const char *key, size_t kl)
{
	snapshot_t *s = c->s;
	size_t sl;
	switch (k) {
	case T_STATS: parse_stats(c); return;
	case T_ERRORS: parse_list(c, &error_list); return;
	case T_WORKERS:
		parse_list(c, &worker_list);
		s->has_workers = 1;
		return;
	case T_DICT: parse_current_dict(c); return;
	case T_STATE:
		c->has_state = read_str(c, &s->state_str, &sl, 0) == 0;
		return;
	case T_OTHER:
		jr_skip(&c->r);
		return;
	default:
		if (k >= T_LEGACY) {
			int i = k - T_LEGACY;
			c->legacy_seen[i] = read_num(c, &c->legacy[i]) ? -1 : 1;
		} else if (read_num(c, (double *)((char *)s + top_fields[k].off))) {
			schema(c, "%.*s is not a number", (int)kl, key);
		}
	}
}

/* What can only be judged once the whole document is read. */
static void finish(parse_t *c)
{
	snapshot_t *s = c->s;
	if (!c->has_stats || !c->has_state) {
		schema(c, "not a Locust stats document (needs \"stats\" array and \"state\" string)");
		return;
	}
	if (isnan(s->user_count))
		schema(c, "user_count is missing");
	for (int i = 0; !c->has_dict && i < 4; i++) {
		if (c->legacy_seen[i] < 0)
			schema(c, "%s is not a number", legacy_pct[i].key);
		else if (c->legacy_seen[i] > 0)
			add_quantile(s->cur_pct, &s->ncur_pct, legacy_pct[i].q, c->legacy[i]);
	}
	if (c->schema_bad)
		return;
	s->state = lstate_parse(s->state_str);
	/* The aggregate row is the last one ("Total" before Locust 0.13); a
	 * user request may itself be named "Aggregated", so trust position. */
	if (s->nrows > 0) {
		stat_row_t *last = &s->rows[s->nrows - 1];
		if (strcmp(last->name, "Aggregated") == 0 || strcmp(last->name, "Total") == 0) {
			s->total = *last;
			s->has_total = 1;
			s->nrows--;
		}
	}
	if (snapshot_check_unique(s, c->detail))
		c->schema_bad = 1;
}

static void parse_root(parse_t *c)
{
	jstr_t jk;
	int n = 0;
	uint32_t seen = 0;
	for (size_t i = 0; i < NTOP; i++)
		*(double *)((char *)c->s + top_fields[i].off) = NAN;
	while (jr_member(&c->r, &n, &jk) == 1) {
		size_t kl;
		const char *key = key_text(c, &jk, &kl);
		int k = top_key(key, kl);
		if (!first_time(c, &seen, k == T_OTHER ? -1 : k))
			return;
		top_value(c, k, key, kl);
	}
}

reason_t snapshot_parse(snapshot_t *s, const char *body, size_t len, buf_t *detail)
{
	parse_t *c = &(parse_t){.s = s, .detail = detail};
	size_t mark = detail->len;
	snapshot_reset(s);
	if (!s->arena)
		s->arena = calloc(1, sizeof(arena_t));
	jr_init(&c->r, body, len);
	jtype_t t = jr_type(&c->r);
	if (t == JT_OBJECT)
		parse_root(c);
	else if (t == JT_ARRAY)
		jr_skip(&c->r);
	else
		jr_fail(&c->r, "'[' or '{' expected");
	if (jr_finish(&c->r) == 0 && t == JT_OBJECT && !c->schema_bad)
		finish(c);
	if (c->r.err) {
		int line, col;
		const char *what = jr_error(&c->r, &line, &col);
		detail->len = mark; /* a schema problem met before does not count */
		if (detail->data)
			detail->data[mark] = '\0';
		buf_printf(detail, "malformed JSON at line %d column %d: %s", line, col, what);
		snapshot_reset(s);
		return RS_PARSE;
	}
	if (t != JT_OBJECT || c->schema_bad) {
		if (t != JT_OBJECT)
			buf_puts(detail, "not a Locust stats document (top level is not an object)");
		snapshot_reset(s);
		return RS_SCHEMA;
	}
	return RS_OK;
}
