/* stats: Locust JSON -> snapshot model (see stats.h).
 *
 * jansson decodes the document (json_loadb) into a tree taken from the
 * snapshot's own arena; then each object is walked once and its keys
 * dispatched by name, so a row costs one pass over its fields and no hash
 * lookups, and the strings the model keeps are copied out of the tree,
 * which is dropped as soon as the model is built. */
#include "stats.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

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

/* ---- memory ------------------------------------------------------------------
 * jansson's tree lives in a scratch block the caller lends (the scrape's
 * text buffer: tree and text never live at the same time, so one block
 * serves both), the model's strings in an arena of the snapshot's own.
 *
 * A 2000-endpoint document is ~100k small jansson allocations; malloc and
 * free of each cost about a fifth of the decode.  Instead json_loadb bumps
 * through the scratch block (and malloc'd overflow chunks when the tree
 * outgrows it; the block is grown to the last tree's size before the next
 * parse), and the tree is dropped by forgetting the block, never by
 * json_decref.  jansson's allocator is process-wide, so the decode state is
 * only live on the thread that parses, for the duration of json_loadb (a
 * thread-local pointer): other threads and other jansson users keep plain
 * malloc/free, and concurrent /probe parses each use their own.
 *
 * Every allocation of a decode counts against the snapshot's max_decode
 * (rounded up to 8 bytes, all jansson's structures need; frees are not
 * subtracted, jansson frees little while it parses), so a document whose
 * tree would outgrow the budget fails inside jansson as out of memory, at a
 * size known in advance whatever the document's shape: a tree is ~4-5 times
 * the JSON of a real Locust answer, up to ~70 times for hostile shapes (an
 * empty object costs ~200 bytes of tree for 3 of JSON).
 *
 * The strings the model keeps (names, methods, errors, ids, the state) are
 * copied out of the tree, so the tree is gone once the model is built.
 * Memory kept from one parse to the next is never given back and taken
 * again: on a virtual machine a fresh page costs ~10 us the first time it is
 * touched (at 2000 endpoints, freeing and refaulting 6 MB was ~25 ms of a
 * 50 ms scrape).
 *
 * Under AddressSanitizer a bump allocator would hide out-of-bounds accesses
 * inside a block, so sanitizer and fuzz builds give jansson plain malloc
 * (and json_decref) and every string a chunk of its own; the count is the
 * same. */
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

#define ARENA_ALIGN 8
#define ARENA_FIRST (16 * 1024)

typedef struct chunk {
	struct chunk *next;
	size_t cap, used;
	alignas(max_align_t) char data[];
} chunk_t;

typedef struct {
	chunk_t *head; /* newest chunk first */
	keep_t keep;   /* what the last uses needed: how much to keep */
} arena_t;

/* The tree of one decode: the lent block, then overflow chunks. */
typedef struct {
	char *base;
	size_t cap, used;
	arena_t over;
} tree_t;

typedef struct {
	arena_t strs;
	buf_t scratch; /* the tree's block when the caller lends none */
	size_t hint;   /* what the last tree took */
} mem_t;

/* One decode in progress on this thread. */
typedef struct {
	tree_t *tree; /* NULL: plain malloc */
	size_t used;  /* bytes handed out (rounded), the budget's count */
	size_t limit; /* 0: none */
	int over;     /* an allocation was refused for the budget */
} decode_t;

static _Thread_local decode_t *live;
static pthread_once_t alloc_once = PTHREAD_ONCE_INIT;

static void *chunk_alloc(arena_t *a, size_t n)
{
	chunk_t *c = a->head;
	if (!ARENA_ENABLED || !c || c->cap - c->used < n) {
		size_t cap = !ARENA_ENABLED ? n : c ? c->cap * 2 : ARENA_FIRST;
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
	return p;
}

static void *decode_malloc(size_t n)
{
	decode_t *d = live;
	if (!d)
		return malloc(n);
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (d->limit && (n > d->limit || d->used > d->limit - n)) {
		d->over = 1;
		return NULL;
	}
	d->used += n;
	tree_t *t = d->tree;
	if (!t)
		return malloc(n);
	if (t->cap - t->used >= n) {
		void *p = t->base + t->used;
		t->used += n;
		return p;
	}
	return chunk_alloc(&t->over, n);
}

static int in_tree(const tree_t *t, const char *p)
{
	if (p >= t->base && p < t->base + t->cap)
		return 1;
	for (const chunk_t *c = t->over.head; c; c = c->next)
		if (p >= c->data && p < c->data + c->cap)
			return 1;
	return 0;
}

static void decode_free(void *p)
{
	decode_t *d = live;
	if (d && d->tree && in_tree(d->tree, p))
		return; /* the whole tree goes at once */
	free(p);
}

static void alloc_setup(void)
{
	json_set_alloc_funcs(decode_malloc, decode_free);
}

static void arena_drop(arena_t *a)
{
	while (a->head) {
		chunk_t *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

/* Forget the strings.  Their memory stays for the next parse, as one chunk
 * the size of what this one took (so a similar one takes no malloc and
 * touches no fresh page), unless that is more than recent parses needed. */
static void arena_rewind(arena_t *a)
{
	size_t total = 0, n = 0;
	for (chunk_t *c = a->head; c; c = c->next, n++)
		total += c->used;
	size_t keep = keep_note(&a->keep, total);
	if (n > 1 || (a->head && a->head->cap > keep)) {
		arena_drop(a);
		if (ARENA_ENABLED && total > 0 && (a->head = malloc(sizeof *a->head + total)) != NULL) {
			a->head->next = NULL;
			a->head->cap = total;
		}
	}
	if (a->head)
		a->head->used = 0;
}

static void mem_destroy(mem_t *m)
{
	if (m) {
		arena_drop(&m->strs);
		buf_free(&m->scratch);
		free(m);
	}
}

void snapshot_init(snapshot_t *s)
{
	memset(s, 0, sizeof *s);
}

void snapshot_reset(snapshot_t *s)
{
	mem_t *m = s->mem;
	if (m)
		arena_rewind(&m->strs);
	snapshot_t keep = *s;
	memset(s, 0, sizeof *s);
	s->rows = keep.rows;
	s->rows_cap = keep.rows_cap;
	s->errors = keep.errors;
	s->errors_cap = keep.errors_cap;
	s->workers = keep.workers;
	s->workers_cap = keep.workers_cap;
	s->mem = m;
	s->max_decode = keep.max_decode;
	s->max_rows = keep.max_rows;
}

void snapshot_free(snapshot_t *s)
{
	snapshot_reset(s);
	free(s->rows);
	free(s->errors);
	free(s->workers);
	mem_destroy(s->mem);
	memset(s, 0, sizeof *s);
}

void snapshot_release(snapshot_t *s)
{
	size_t max_decode = s->max_decode, max_rows = s->max_rows;
	snapshot_free(s);
	s->max_decode = max_decode;
	s->max_rows = max_rows;
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

/* A string (with its length), copied into the snapshot's strings, or null
 * (""); -1 for any other type or when memory runs out.  A \u0000 (read
 * thanks to JSON_ALLOW_NUL) becomes '?', as in the CSV source, so that the
 * model's strings end at their NUL and equal label values are equal
 * strings. */
static int str(snapshot_t *s, const json_t *v, const char **out, size_t *len)
{
	if (json_is_string(v)) {
		size_t n = json_string_length(v);
		char *p = chunk_alloc(&((mem_t *)s->mem)->strs, n + 1);
		if (!p)
			return -1;
		memcpy(p, json_string_value(v), n + 1);
		if (memchr(p, '\0', n))
			expo_utf8_scrub(p, n);
		*out = p;
		*len = n;
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
		*have |= 1;
		return str(s, v, &r->name, &r->name_len);
	case K_METHOD:
		return str(s, v, &r->method, &r->method_len);
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
		    str(s, json_object_get(o, "method"), &e->method, &e->method_len) ||
		    !json_is_string(json_object_get(o, "name")) ||
		    !json_is_string(json_object_get(o, "error")) ||
		    num(occurrences_of(o), &e->occurrences) || isnan(e->occurrences) ||
		    str(s, json_object_get(o, "name"), &e->name, &e->name_len) ||
		    str(s, json_object_get(o, "error"), &e->error, &e->error_len)) {
			buf_printf(detail, "errors[%zu] is not {method, name, error, occurrences}", i);
			return -1;
		}
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
		    (mem && num(mem, &w->memory_bytes)) ||
		    str(s, json_object_get(o, "id"), &w->id, &w->id_len) ||
		    str(s, json_object_get(o, "state"), &w->state_str, &sl)) {
			buf_printf(detail, "workers[%zu] is not {id, state, user_count, cpu_usage}", i);
			return -1;
		}
		if (!mem)
			w->memory_bytes = NAN;
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

int snapshot_check_rows(const snapshot_t *s, size_t n, buf_t *detail)
{
	if (!s->max_rows || n <= s->max_rows)
		return 0;
	buf_printf(detail, "%zu rows of stats, errors and workers, more than --locust.max-rows (%zu)",
		   n, s->max_rows);
	return -1;
}

static reason_t parse_root(snapshot_t *s, json_t *root, buf_t *detail)
{
	json_t *stats = json_object_get(root, "stats");
	json_t *state = json_object_get(root, "state");
	json_t *errors = json_object_get(root, "errors");
	json_t *workers = json_object_get(root, "workers");
	if (!json_is_array(stats) || !json_is_string(state)) {
		buf_puts(detail, "not a Locust stats document (needs \"stats\" array and \"state\" string)");
		return RS_SCHEMA;
	}
	for (size_t i = 0; i < sizeof top_fields / sizeof top_fields[0]; i++) {
		double *d = (double *)((char *)s + top_fields[i].off);
		json_t *v = json_object_get(root, top_fields[i].key);
		*d = NAN;
		if (v && num(v, d)) {
			buf_printf(detail, "%s is not a number", top_fields[i].key);
			return RS_SCHEMA;
		}
	}
	if (isnan(s->user_count)) {
		buf_puts(detail, "user_count is missing");
		return RS_SCHEMA;
	}
	size_t sl;
	if (str(s, state, &s->state_str, &sl)) {
		buf_puts(detail, "out of memory");
		return RS_SCHEMA;
	}
	s->state = lstate_parse(s->state_str);
	if ((errors && !json_is_array(errors)) || (workers && !json_is_array(workers))) {
		buf_puts(detail, "errors or workers is not an array");
		return RS_SCHEMA;
	}
	if (snapshot_check_rows(s, json_array_size(stats) + json_array_size(errors) +
				       json_array_size(workers), detail))
		return RS_TOO_LARGE;
	if (parse_stats(s, stats, detail) || parse_current_pct(s, root, detail) ||
	    (errors && parse_errors(s, errors, detail)) ||
	    (workers && parse_workers(s, workers, detail)) || snapshot_check_unique(s, detail))
		return RS_SCHEMA;
	return RS_OK;
}

/* jansson parses recursively, ~100 bytes of stack per level, and civetweb
 * 1.15's workers run on 100 KiB stacks: a document nested a thousand deep
 * (jansson's own limit is 2048) would overflow one and kill the exporter.
 * Locust's documents nest three deep, so nesting past MAX_NESTING is
 * refused before jansson sees it.  The scan only counts brackets outside
 * strings (whose escapes it steps over); reading is jansson's. */
#define MAX_NESTING 64

static int too_deep(const char *p, size_t n)
{
	int depth = 0, in_str = 0;
	for (const char *end = p + n; p < end; p++) {
		char c = *p;
		if (in_str) {
			if (c == '\\')
				p++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > MAX_NESTING)
				return 1;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return 0;
}

/* The tree's memory for this decode: the scratch block, grown to what the
 * last tree took (a little more) if it can be. */
static void tree_open(tree_t *t, buf_t *scratch, size_t hint)
{
	buf_reset(scratch);
	if (buf_reserve(scratch, hint + hint / 8))
		buf_reset(scratch); /* over its max or out of memory: overflow chunks */
	*t = (tree_t){scratch->data, scratch->data ? scratch->cap : 0, 0, {NULL, {{0}, 0}}};
}

/* Drop the tree; returns what it took. */
static size_t tree_close(tree_t *t, buf_t *scratch)
{
	size_t total = t->used;
	for (chunk_t *c = t->over.head; c; c = c->next)
		total += c->used;
	arena_drop(&t->over);
	buf_reset(scratch);
	return total;
}

reason_t snapshot_parse(snapshot_t *s, const char *body, size_t len, buf_t *scratch, buf_t *detail)
{
	json_error_t jerr;
	tree_t tree;
	snapshot_reset(s);
	pthread_once(&alloc_once, alloc_setup);
	if (!s->mem && !(s->mem = calloc(1, sizeof(mem_t)))) {
		buf_puts(detail, "out of memory");
		return RS_SCHEMA;
	}
	mem_t *m = s->mem;
	if (!scratch)
		scratch = &m->scratch;
	if (too_deep(body, len)) {
		buf_printf(detail, "malformed JSON: nested deeper than %d levels", MAX_NESTING);
		return RS_PARSE;
	}
	if (ARENA_ENABLED)
		tree_open(&tree, scratch, m->hint);
	decode_t d = {ARENA_ENABLED ? &tree : NULL, 0, s->max_decode, 0};
	live = &d;
	/* Duplicate keys are refused anywhere (Locust never repeats one, and
	 * there is no right value to pick); \u0000 is read. */
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	live = NULL;
	reason_t r = RS_SCHEMA;
	if (!root && d.over) {
		buf_printf(detail, "decoding needs more than --locust.max-decoded-size (%zu bytes)",
			   s->max_decode);
		r = RS_TOO_LARGE;
	} else if (!root) {
		buf_printf(detail, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		r = RS_PARSE;
	} else if (!json_is_object(root)) {
		buf_puts(detail, "not a Locust stats document (top level is not an object)");
	} else {
		r = parse_root(s, root, detail);
	}
	/* The model holds copies of what it needs: the tree goes now. */
	if (ARENA_ENABLED)
		m->hint = tree_close(&tree, scratch);
	else
		json_decref(root);
	if (r != RS_OK)
		snapshot_reset(s);
	return r;
}
