/* stats: Locust JSON -> snapshot model (see stats.h).
 *
 * Each object is walked once and its keys dispatched by name, so a row
 * costs one pass over its fields, no hash lookups. */
#include "stats.h"

#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- the JSON tree's memory -------------------------------------------
 * A 2000-endpoint document is ~100k small jansson allocations; malloc and
 * free of each cost about a fifth of the decode.  Instead json_loadb takes
 * them from the snapshot's bump arena, and the tree is dropped by
 * rewinding the arena, never by json_decref.  jansson's allocator is
 * process-wide, so the arena is only live on the thread that parses, for
 * the duration of json_loadb (a thread-local pointer): other threads and
 * other jansson users keep plain malloc/free, and concurrent /probe parses
 * each use their own snapshot's arena. */
/* Under AddressSanitizer the arena would hide jansson's out-of-bounds
 * accesses inside a chunk, so sanitizer and fuzz builds use plain malloc. */
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

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_FIRST (64 * 1024)

typedef struct chunk {
	struct chunk *next;
	size_t cap, used;
	alignas(max_align_t) char data[];
} chunk_t;

typedef struct {
	chunk_t *head; /* newest chunk first */
	size_t total;  /* bytes handed out since the last rewind */
} arena_t;

static _Thread_local arena_t *live_arena;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void *arena_malloc(size_t n)
{
	arena_t *a = live_arena;
	if (!a)
		return malloc(n);
	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	chunk_t *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = c ? c->cap * 2 : ARENA_FIRST;
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
	void *p = c->data + c->used;
	c->used += n;
	a->total += n;
	return p;
}

static void arena_free(void *p)
{
	arena_t *a = live_arena;
	if (a)
		for (chunk_t *c = a->head; c; c = c->next)
			if ((char *)p >= c->data && (char *)p < c->data + c->cap)
				return; /* reclaimed by the next rewind */
	free(p);
}

static void arena_setup(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

/* Forget the tree.  Several chunks become one that holds them all, so the
 * next parse of a similar document takes one chunk and no malloc. */
static void arena_rewind(arena_t *a)
{
	if (a->head && a->head->next) {
		size_t need = a->total;
		while (a->head) {
			chunk_t *next = a->head->next;
			free(a->head);
			a->head = next;
		}
		a->head = malloc(sizeof *a->head + need);
		if (a->head) {
			a->head->next = NULL;
			a->head->cap = need;
		}
	}
	if (a->head)
		a->head->used = 0;
	a->total = 0;
}

static void arena_destroy(arena_t *a)
{
	if (!a)
		return;
	while (a->head) {
		chunk_t *next = a->head->next;
		free(a->head);
		a->head = next;
	}
	free(a);
}

void snapshot_init(snapshot_t *s)
{
	memset(s, 0, sizeof *s);
}

void snapshot_reset(snapshot_t *s)
{
	arena_t *arena = s->arena;
	if (s->root && arena)
		arena_rewind(arena);
	else if (s->root)
		json_decref(s->root);
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

/* A number, or null (NAN); -1 for any other type. */
static int num(const json_t *v, double *out)
{
	if (json_is_integer(v))
		*out = (double)json_integer_value(v);
	else if (json_is_real(v))
		*out = json_real_value(v);
	else if (json_is_null(v))
		*out = NAN;
	else
		return -1;
	return 0;
}

/* A string (with its length), or null (""); -1 for any other type. */
static int str(const json_t *v, const char **out, size_t *len)
{
	if (json_is_string(v)) {
		*out = json_string_value(v);
		*len = json_string_length(v);
	} else if (json_is_null(v)) {
		*out = "";
		*len = 0;
	} else {
		return -1;
	}
	return 0;
}

/* Parse the <p> of "<prefix><p>" as a quantile in (0,1); -1 if not. */
static int quantile_suffix(const char *key, const char *prefix, double *q)
{
	size_t pl = strlen(prefix);
	if (strncmp(key, prefix, pl) != 0)
		return -1;
	char *end;
	double v = strtod(key + pl, &end);
	if (end == key + pl || *end || !(v > 0 && v < 1))
		return -1;
	*q = v;
	return 0;
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

/* Quantile keys seen in this parse ("0.95" -> 0.95), to skip strtod. */
#define QKEY_CACHE 8
#define QKEY_MAX 16
typedef struct {
	int n;
	struct { char text[QKEY_MAX]; size_t len; double q; } e[QKEY_CACHE];
} qkeys_t;

/* The quantile of a "response_time_percentile_<p>" key; -1 if <p> is
 * not a number in (0,1). */
static int pct_key(qkeys_t *c, const char *key, size_t len, double *q)
{
	const char *p = key + PCT_PREFIX_LEN;
	size_t pl = len - PCT_PREFIX_LEN;
	for (int i = 0; i < c->n; i++)
		if (c->e[i].len == pl && memcmp(c->e[i].text, p, pl) == 0) {
			*q = c->e[i].q;
			return 0;
		}
	if (quantile_suffix(key, PCT_PREFIX, q))
		return -1;
	if (c->n < QKEY_CACHE && pl < QKEY_MAX) {
		memcpy(c->e[c->n].text, p, pl);
		c->e[c->n].len = pl;
		c->e[c->n++].q = *q;
	}
	return 0;
}

static void row_defaults(stat_row_t *r)
{
	for (size_t i = 0; i < NROW_FIELDS; i++)
		*(double *)((char *)r + row_fields[i].off) = NAN;
	r->method = "";
	r->method_len = 0;
	r->npct = 0;
}

/* One key of a row; -1 when its value has the wrong type. */
static int row_value(snapshot_t *s, qkeys_t *qk, stat_row_t *r, const char *key, json_t *v, int *have)
{
	size_t len = strlen(key);
	int k = row_key(key, len);
	double d, q;
	switch (k) {
	case K_NAME:
		if (!json_is_string(v))
			return -1;
		r->name = json_string_value(v);
		r->name_len = json_string_length(v);
		*have |= 1;
		return 0;
	case K_METHOD:
		return str(v, &r->method, &r->method_len);
	case K_P90:
		if (num(v, &d))
			return -1;
		add_quantile(r->pct, &r->npct, 0.9, d);
		s->legacy_escaping = 1;
		return 0;
	case K_P99:
		if (num(v, &d))
			return -1;
		add_quantile(r->pct, &r->npct, 0.99, d);
		return 0;
	case K_PCT:
		if (pct_key(qk, key, len, &q))
			return 0; /* not a quantile: ignored */
		if (num(v, &d))
			return -1;
		add_quantile(r->pct, &r->npct, q, d);
		return 0;
	case K_OTHER:
		return 0;
	default:
		if (num(v, (double *)((char *)r + row_fields[k].off)))
			return -1;
		if (k == 0)
			*have |= 2;
		return 0;
	}
}

static int parse_row(snapshot_t *s, qkeys_t *qk, json_t *obj, stat_row_t *r, buf_t *detail, size_t idx)
{
	const char *key;
	json_t *v;
	int have = 0;
	row_defaults(r);
	if (!json_is_object(obj)) {
		buf_printf(detail, "stats[%zu] is not an object", idx);
		return -1;
	}
	json_object_foreach(obj, key, v) {
		if (row_value(s, qk, r, key, v, &have))
			goto bad;
	}
	if (have != 3 || isnan(r->num_requests)) {
		buf_printf(detail, "stats[%zu] lacks name or num_requests", idx);
		return -1;
	}
	if (isnan(r->num_failures))
		r->num_failures = 0;
	return 0;
bad:
	buf_printf(detail, "stats[%zu].%s has the wrong type (%s)", idx, key,
		   json_is_string(v) ? "string" : json_is_object(v) ? "object" :
		   json_is_array(v) ? "array" : json_is_boolean(v) ? "boolean" : "number");
	return -1;
}

static int parse_stats(snapshot_t *s, json_t *arr, buf_t *detail)
{
	size_t n = json_array_size(arr);
	if (reserve((void **)&s->rows, &s->rows_cap, n ? n : 1, sizeof *s->rows)) {
		buf_puts(detail, "out of memory");
		return -1;
	}
	qkeys_t qk = {0};
	for (size_t i = 0; i < n; i++)
		if (parse_row(s, &qk, json_array_get(arr, i), &s->rows[i], detail, i))
			return -1;
	s->nrows = n;
	/* The aggregate row is the last one ("Total" before Locust 0.13); a
	 * user request may itself be named "Aggregated", so trust position. */
	if (n > 0) {
		stat_row_t *last = &s->rows[n - 1];
		if (strcmp(last->name, "Aggregated") == 0 || strcmp(last->name, "Total") == 0) {
			s->total = *last;
			s->has_total = 1;
			s->nrows = n - 1;
		}
	}
	return 0;
}

/* "occurrences", or the "occurences" spelling of Locust before 1.0. */
static json_t *occurrences_of(json_t *o)
{
	json_t *v = json_object_get(o, "occurrences");
	return v ? v : json_object_get(o, "occurences");
}

static int parse_errors(snapshot_t *s, json_t *arr, buf_t *detail)
{
	size_t n = json_array_size(arr);
	if (reserve((void **)&s->errors, &s->errors_cap, n ? n : 1, sizeof *s->errors)) {
		buf_puts(detail, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		error_row_t *e = &s->errors[i];
		if (!json_is_object(o) ||
		    str(json_object_get(o, "method"), &e->method, &e->method_len) ||
		    !json_is_string(json_object_get(o, "name")) ||
		    !json_is_string(json_object_get(o, "error")) ||
		    num(occurrences_of(o), &e->occurrences) ||
		    isnan(e->occurrences)) {
			buf_printf(detail, "errors[%zu] is not {method, name, error, occurrences}", i);
			return -1;
		}
		str(json_object_get(o, "name"), &e->name, &e->name_len);
		str(json_object_get(o, "error"), &e->error, &e->error_len);
	}
	s->nerrors = n;
	return 0;
}

static int parse_workers(snapshot_t *s, json_t *arr, buf_t *detail)
{
	size_t n = json_array_size(arr);
	if (reserve((void **)&s->workers, &s->workers_cap, n ? n : 1, sizeof *s->workers)) {
		buf_puts(detail, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		worker_row_t *w = &s->workers[i];
		size_t sl;
		json_t *mem = json_is_object(o) ? json_object_get(o, "memory_usage") : NULL;
		if (!json_is_object(o) || !json_is_string(json_object_get(o, "id")) ||
		    !json_is_string(json_object_get(o, "state")) ||
		    num(json_object_get(o, "user_count"), &w->user_count) ||
		    num(json_object_get(o, "cpu_usage"), &w->cpu_percent) ||
		    (mem && num(mem, &w->memory_bytes))) {
			buf_printf(detail, "workers[%zu] is not {id, state, user_count, cpu_usage}", i);
			return -1;
		}
		if (!mem)
			w->memory_bytes = NAN;
		str(json_object_get(o, "id"), &w->id, &w->id_len);
		str(json_object_get(o, "state"), &w->state_str, &sl);
		w->state = lstate_parse(w->state_str);
	}
	s->nworkers = n;
	s->has_workers = 1;
	return 0;
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

/* Window percentiles: the dict (2.20+), else _1/_2 (2.15.1-2.27, default
 * 0.5/0.95), else _50/_95 (<= 2.15.0). */
static int parse_current_pct(snapshot_t *s, json_t *root, buf_t *detail)
{
	json_t *dict = json_object_get(root, "current_response_time_percentiles");
	const char *key;
	json_t *v;
	double d, q;
	if (dict) {
		if (!json_is_object(dict)) {
			buf_puts(detail, "current_response_time_percentiles is not an object");
			return -1;
		}
		json_object_foreach(dict, key, v) {
			if (quantile_suffix(key, "response_time_percentile_", &q) == 0) {
				if (num(v, &d)) {
					buf_printf(detail, "current_response_time_percentiles.%s is not a number", key);
					return -1;
				}
				add_quantile(s->cur_pct, &s->ncur_pct, q, d);
			}
		}
		return 0;
	}
	static const struct { const char *key; double q; } legacy[] = {
		{"current_response_time_percentile_1", 0.5},
		{"current_response_time_percentile_2", 0.95},
		{"current_response_time_percentile_50", 0.5},
		{"current_response_time_percentile_95", 0.95},
	};
	for (size_t i = 0; i < 4; i++) {
		if ((v = json_object_get(root, legacy[i].key)) == NULL)
			continue;
		if (num(v, &d)) {
			buf_printf(detail, "%s is not a number", legacy[i].key);
			return -1;
		}
		add_quantile(s->cur_pct, &s->ncur_pct, legacy[i].q, d);
	}
	return 0;
}

#define TF(k, f) {k, offsetof(snapshot_t, f)}
static const stats_field_t top_fields[] = {
	TF("user_count", user_count), TF("fail_ratio", fail_ratio),
	TF("total_rps", total_rps), TF("total_fail_per_sec", total_fail_per_sec),
	TF("current_rps", current_rps), TF("current_fail_per_sec", current_fail_per_sec),
	TF("worker_count", worker_count),
};

static int parse_root(snapshot_t *s, json_t *root, buf_t *detail)
{
	json_t *stats = json_object_get(root, "stats");
	json_t *state = json_object_get(root, "state");
	json_t *errors = json_object_get(root, "errors");
	json_t *workers = json_object_get(root, "workers");
	if (!json_is_array(stats) || !json_is_string(state)) {
		buf_puts(detail, "not a Locust stats document (needs \"stats\" array and \"state\" string)");
		return -1;
	}
	for (size_t i = 0; i < sizeof top_fields / sizeof top_fields[0]; i++) {
		double *d = (double *)((char *)s + top_fields[i].off);
		json_t *v = json_object_get(root, top_fields[i].key);
		*d = NAN;
		if (v && num(v, d)) {
			buf_printf(detail, "%s is not a number", top_fields[i].key);
			return -1;
		}
	}
	if (isnan(s->user_count)) {
		buf_puts(detail, "user_count is missing");
		return -1;
	}
	s->state_str = json_string_value(state);
	s->state = lstate_parse(s->state_str);
	if ((errors && !json_is_array(errors)) || (workers && !json_is_array(workers))) {
		buf_puts(detail, "errors or workers is not an array");
		return -1;
	}
	if (parse_stats(s, stats, detail) || parse_current_pct(s, root, detail))
		return -1;
	if (errors && parse_errors(s, errors, detail))
		return -1;
	if (workers && parse_workers(s, workers, detail))
		return -1;
	return snapshot_check_unique(s, detail);
}

reason_t snapshot_parse(snapshot_t *s, const char *body, size_t len, buf_t *detail)
{
	json_error_t jerr;
	snapshot_reset(s);
	pthread_once(&arena_once, arena_setup);
	if (!s->arena && ARENA_ENABLED)
		s->arena = calloc(1, sizeof(arena_t)); /* NULL: plain malloc */
	live_arena = s->arena;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	live_arena = NULL;
	if (!root) {
		if (s->arena)
			arena_rewind(s->arena);
		buf_printf(detail, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return RS_PARSE;
	}
	s->root = root;
	if (!json_is_object(root)) {
		buf_puts(detail, "not a Locust stats document (top level is not an object)");
		snapshot_reset(s);
		return RS_SCHEMA;
	}
	if (parse_root(s, root, detail)) {
		snapshot_reset(s);
		return RS_SCHEMA;
	}
	return RS_OK;
}
