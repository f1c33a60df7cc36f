/* collector: snapshot -> metric families (see collector.h).
 *
 * The table `families` below is the whole list of metrics; a row names its
 * set, its renderer and (for the generic renderers) the field it reads. */
#include "collector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "procmetrics.h"

#define ERROR_TEXT_MAX 1024

enum {
	S_COMPAT = 1,
	S_NATIVE = 2,
	S_ALWAYS = 4,  /* rendered even when Locust is down */
	S_FIXED = 8,   /* name without the namespace prefix */
};

typedef struct ctx ctx_t;
typedef struct fam fam_t;
typedef void (*render_fn)(const fam_t *f, ctx_t *x);

struct fam {
	expo_family_t e;
	unsigned set;
	render_fn render;
	size_t off;     /* field of stat_row_t / snapshot_t, or a parameter */
	double scale;   /* ms -> s etc.; 0 means 1 */
};

/* `,quantile="Q"}` (or `quantile="Q"}` after no labels), rendered once
 * per quantile value and render. */
#define QPIECE_MAX (EXPO_DOUBLE_MAX + 16)
#define QCACHE 8
typedef struct {
	double q;
	size_t len;
	char text[QPIECE_MAX];
} qpiece_t;

struct ctx {
	collector_t *c;
	buf_t *out;
	const char *prefix;
	const collector_opts_t *o;
	const snapshot_t *s;
	const selfstats_t *self;
	qpiece_t qcache[QCACHE];
	int nq;
};

#define ROW(f) offsetof(stat_row_t, f)
#define SNAP(f) offsetof(snapshot_t, f)

static double field(const void *base, size_t off)
{
	return *(const double *)((const char *)base + off);
}

static void header(const fam_t *f, ctx_t *x)
{
	expo_header(x->out, x->prefix, &f->e);
}

static void scalar(const fam_t *f, ctx_t *x, double v)
{
	if (isnan(v))
		return;
	header(f, x);
	expo_sample(x->out, x->prefix, f->e.name, NULL, NULL, 0, v);
}

static double scaled(const fam_t *f, double v)
{
	return f->scale ? v * f->scale : v;
}

/* ---- generic renderers ------------------------------------------------ */

static void r_up(const fam_t *f, ctx_t *x)
{
	scalar(f, x, x->s ? 1 : 0);
}

static void r_snap(const fam_t *f, ctx_t *x)
{
	scalar(f, x, scaled(f, field(x->s, f->off)));
}

/* A field of the aggregate row as one scalar. */
static void r_total(const fam_t *f, ctx_t *x)
{
	if (x->s->has_total)
		scalar(f, x, scaled(f, field(&x->s->total, f->off)));
}

static const char *row_ls(ctx_t *x, size_t i, size_t *len)
{
	*len = x->c->ls_off[i + 1] - x->c->ls_off[i];
	return x->c->ls.data + x->c->ls_off[i];
}

/* Per-endpoint gauge/counter from a row field.  Compat families include
 * the aggregate row (index nrows), native ones do not. */
/* prefix + name (+ suffix) into the scratch buffer. */
static const char *series_name(ctx_t *x, const char *name, const char *suffix, size_t *len)
{
	buf_t *t = &x->c->tmp;
	buf_reset(t);
	buf_puts(t, x->prefix);
	buf_puts(t, name);
	if (suffix)
		buf_puts(t, suffix);
	*len = t->len;
	return t->oom ? NULL : t->data;
}

static void rows(const fam_t *f, ctx_t *x, double (*get)(const fam_t *, const stat_row_t *))
{
	const snapshot_t *s = x->s;
	size_t n = s->nrows + ((f->set & S_COMPAT) && s->has_total);
	size_t nl;
	const char *name = series_name(x, f->e.name, NULL, &nl);
	if (!name) {
		x->out->oom = 1;
		return;
	}
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		const stat_row_t *r = i < s->nrows ? &s->rows[i] : &s->total;
		double v = get(f, r);
		if (isnan(v))
			continue;
		if (!any++)
			header(f, x);
		size_t len;
		const char *ls = row_ls(x, i, &len);
		expo_line(x->out, name, nl, ls, len, NULL, 0, v);
	}
}

static double get_field(const fam_t *f, const stat_row_t *r)
{
	return scaled(f, field(r, f->off));
}

static double get_pct(const fam_t *f, const stat_row_t *r)
{
	double q = f->scale;
	for (int i = 0; i < r->npct; i++)
		if (r->pct[i].q == q)
			return r->pct[i].ms;
	return NAN;
}

static double get_bytes(const fam_t *f, const stat_row_t *r)
{
	(void)f;
	double avg = isnan(r->avg_content_length) ? 0 : r->avg_content_length;
	return avg * r->num_requests;
}

static void r_rows(const fam_t *f, ctx_t *x) { rows(f, x, get_field); }
static void r_rows_pct(const fam_t *f, ctx_t *x) { rows(f, x, get_pct); }
static void r_rows_bytes(const fam_t *f, ctx_t *x) { rows(f, x, get_bytes); }

/* ---- compat specials ---------------------------------------------------- */

static void r_running(const fam_t *f, ctx_t *x)
{
	lstate_t st = x->s->state;
	scalar(f, x, st == ST_RUNNING ? 2 : st == ST_SPAWNING ? 1 : 0);
}

static void r_cur_pct_compat(const fam_t *f, ctx_t *x)
{
	for (int i = 0; i < x->s->ncur_pct; i++)
		if (x->s->cur_pct[i].q == f->scale)
			scalar(f, x, x->s->cur_pct[i].ms);
}

static void r_workers_count(const fam_t *f, ctx_t *x)
{
	scalar(f, x, (double)x->s->nworkers);
}

static void r_workers_in_state(const fam_t *f, ctx_t *x)
{
	double n = 0;
	for (size_t i = 0; i < x->s->nworkers; i++)
		n += x->s->workers[i].state == (lstate_t)f->off;
	scalar(f, x, n);
}

static void r_worker_detail(const fam_t *f, ctx_t *x)
{
	if (!x->s->nworkers)
		return;
	header(f, x);
	for (size_t i = 0; i < x->s->nworkers; i++) {
		const worker_row_t *w = &x->s->workers[i];
		expo_label_t l[2] = {{"id", w->id, w->id_len}, {"state", w->state_str, EXPO_STRLEN}};
		expo_sample(x->out, x->prefix, f->e.name, NULL, l, 2, w->user_count);
	}
}

static void r_errors_compat(const fam_t *f, ctx_t *x)
{
	if (!x->s->nerrors)
		return;
	header(f, x);
	for (size_t i = 0; i < x->s->nerrors; i++) {
		const error_row_t *e = &x->s->errors[i];
		expo_label_t l[3] = {{"method", e->method, e->method_len},
				     {"name", e->name, e->name_len},
				     {"error", e->error, e->error_len}};
		expo_sample(x->out, x->prefix, f->e.name, NULL, l, 3, e->occurrences);
	}
}

static void r_total_scrapes(const fam_t *f, ctx_t *x)
{
	header(f, x);
	expo_sample(x->out, x->prefix, f->e.name, NULL, NULL, 0, (double)x->self->scrapes);
}

static void r_build_info(const fam_t *f, ctx_t *x)
{
	expo_label_t compat[4] = {{"branch", "", 0}, {"goversion", "", 0},
				  {"revision", x->o->revision, EXPO_STRLEN},
				  {"version", x->o->version, EXPO_STRLEN}};
	expo_label_t native[2] = {{"revision", x->o->revision, EXPO_STRLEN},
				  {"version", x->o->version, EXPO_STRLEN}};
	int is_compat = f->set & S_COMPAT;
	expo_header(x->out, "", &f->e);
	expo_sample(x->out, "", f->e.name, NULL, is_compat ? compat : native, is_compat ? 4 : 2, 1);
}

/* ---- native specials ---------------------------------------------------- */

static void r_state(const fam_t *f, ctx_t *x)
{
	header(f, x);
	for (int i = 0; i < ST__COUNT; i++) {
		expo_label_t l = {"state", lstate_names[i], EXPO_STRLEN};
		expo_sample(x->out, x->prefix, f->e.name, NULL, &l, 1, x->s->state == (lstate_t)i);
	}
}

static void r_run_start(const fam_t *f, ctx_t *x)
{
	scalar(f, x, x->self->run_start);
}

static const char *fmt_q(ctx_t *x, double q, size_t *len)
{
	buf_reset(&x->c->tmp);
	expo_double(&x->c->tmp, q);
	*len = x->c->tmp.len;
	return buf_str(&x->c->tmp);
}

static void q_sample(ctx_t *x, const char *name, const char *ls, size_t lslen, double q, double v)
{
	expo_label_t ql = {"quantile", NULL, 0};
	ql.value = fmt_q(x, q, &ql.len);
	expo_sample_ls(x->out, x->prefix, name, NULL, ls, lslen, &ql, v);
}

static void r_cur_pct(const fam_t *f, ctx_t *x)
{
	if (!x->s->ncur_pct)
		return;
	int any = 0;
	for (int i = 0; i < x->s->ncur_pct; i++) {
		if (isnan(x->s->cur_pct[i].ms))
			continue;
		if (!any++)
			header(f, x);
		q_sample(x, f->e.name, NULL, 0, x->s->cur_pct[i].q, x->s->cur_pct[i].ms / 1000);
	}
}

/* The quantile label piece for q, from the cache. */
static const qpiece_t *qpiece(ctx_t *x, double q)
{
	for (int i = 0; i < x->nq; i++)
		if (x->qcache[i].q == q)
			return &x->qcache[i];
	qpiece_t *p = &x->qcache[x->nq < QCACHE ? x->nq++ : QCACHE - 1];
	p->q = q;
	memcpy(p->text, ",quantile=\"", 11);
	p->len = 11;
	p->len += expo_fmt_double(p->text + p->len, q);
	memcpy(p->text + p->len, "\"}", 2);
	p->len += 2;
	return p;
}

/* A summary series' names: base, _sum, _count, one after the other. */
typedef struct {
	const char *base, *sum, *count;
	size_t base_len, sum_len, count_len;
} sumnames_t;

static int summary_names(ctx_t *x, const char *name, sumnames_t *n)
{
	buf_t *t = &x->c->tmp;
	buf_reset(t);
	buf_puts(t, x->prefix);
	buf_puts(t, name);
	n->base_len = t->len;
	buf_puts(t, x->prefix);
	buf_puts(t, name);
	buf_puts(t, "_sum");
	n->sum_len = t->len - n->base_len;
	buf_puts(t, x->prefix);
	buf_puts(t, name);
	buf_puts(t, "_count");
	n->count_len = t->len - n->base_len - n->sum_len;
	if (t->oom)
		return -1;
	n->base = t->data;
	n->sum = t->data + n->base_len;
	n->count = n->sum + n->sum_len;
	return 0;
}

static void q_line(ctx_t *x, const sumnames_t *n, const char *ls, size_t lslen, double q, double v)
{
	const qpiece_t *p = qpiece(x, q);
	if (lslen) /* {labels} -> {labels,quantile="q"} */
		expo_line(x->out, n->base, n->base_len, ls, lslen - 1, p->text, p->len, v);
	else /* {quantile="q"} */
		expo_line(x->out, n->base, n->base_len, "{", 1, p->text + 1, p->len - 1, v);
}

/* One summary: quantile 0 = min, 0.5 = median, Locust's percentiles, 1 =
 * max; _sum = avg x count, _count = num_requests.  No requests: NaN. */
static void summary_row(ctx_t *x, const sumnames_t *n, const char *ls, size_t lslen, const stat_row_t *r)
{
	int empty = !(r->num_requests > 0);
	double nan = NAN;
	q_line(x, n, ls, lslen, 0, empty ? nan : r->min_ms / 1000);
	q_line(x, n, ls, lslen, 0.5, empty ? nan : r->median_ms / 1000);
	for (int i = 0; i < r->npct; i++)
		if (r->pct[i].q != 0.5)
			q_line(x, n, ls, lslen, r->pct[i].q, empty ? nan : r->pct[i].ms / 1000);
	q_line(x, n, ls, lslen, 1, empty ? nan : r->max_ms / 1000);
	if (!isnan(r->avg_ms) || empty) {
		double sum = empty ? 0 : r->avg_ms * r->num_requests / 1000;
		expo_line(x->out, n->sum, n->sum_len, ls, lslen, NULL, 0, sum);
	}
	expo_line(x->out, n->count, n->count_len, ls, lslen, NULL, 0, r->num_requests);
}

static void r_summary(const fam_t *f, ctx_t *x)
{
	sumnames_t n;
	if (!x->s->nrows)
		return;
	if (summary_names(x, f->e.name, &n)) {
		x->out->oom = 1;
		return;
	}
	header(f, x);
	for (size_t i = 0; i < x->s->nrows; i++) {
		size_t len;
		const char *ls = row_ls(x, i, &len);
		summary_row(x, &n, ls, len, &x->s->rows[i]);
	}
}

static void r_total_summary(const fam_t *f, ctx_t *x)
{
	sumnames_t n;
	if (!x->s->has_total)
		return;
	if (summary_names(x, f->e.name, &n)) {
		x->out->oom = 1;
		return;
	}
	header(f, x);
	summary_row(x, &n, NULL, 0, &x->s->total);
}

/* Decode the HTML entities Locust <= 2.27 put into errors[] texts. */
static size_t html_entity(const char *s, size_t len, buf_t *out)
{
	static const struct { const char *ent; char ch; } named[] = {
		{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#x27;", '\''}, {"&#39;", '\''},
	};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		size_t n = strlen(named[i].ent);
		if (len >= n && memcmp(s, named[i].ent, n) == 0) {
			buf_putc(out, named[i].ch);
			return n;
		}
	}
	return 0;
}

void collector_error_text(buf_t *out, const char *s, size_t len, int legacy, size_t max)
{
	size_t start = out->len;
	for (size_t i = 0; i < len;) {
		size_t n = (legacy == 1 && s[i] == '&') ? html_entity(s + i, len - i, out) : 0;
		if (n) {
			i += n;
		} else {
			buf_putc(out, s[i]);
			i++;
		}
	}
	if (out->oom)
		return;
	/* Old masters repr() the worker's text again: 'X' or "X" with
	 * backslash-escaped quotes inside.  Remove that one layer. */
	char *t = out->data + start;
	size_t tl = out->len - start;
	if (legacy && tl >= 2 && (t[0] == '\'' || t[0] == '"') && t[tl - 1] == t[0]) {
		size_t w = 0;
		for (size_t r = 1; r + 1 < tl; r++) {
			if (t[r] == '\\' && r + 2 < tl && (t[r + 1] == '\'' || t[r + 1] == '"' || t[r + 1] == '\\'))
				r++;
			t[w++] = t[r];
		}
		out->len = start + w;
		out->data[out->len] = '\0';
		tl = w;
	}
	if (tl > max) {
		size_t cut = max;
		while (cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
			cut--;
		out->len = start + cut;
		buf_puts(out, "\xe2\x80\xa6"); /* ... */
	}
}

static int grow_errs(collector_t *c, size_t n)
{
	if (n <= c->err_cap)
		return 0;
	size_t *o = realloc(c->err_off, (n + 1) * sizeof *o);
	if (!o)
		return -1;
	c->err_off = o;
	double *occ = realloc(c->err_occ, n * sizeof *occ);
	if (!occ)
		return -1;
	c->err_occ = occ;
	c->err_cap = n;
	return 0;
}

static void r_errors_native(const fam_t *f, ctx_t *x)
{
	const snapshot_t *s = x->s;
	collector_t *c = x->c;
	if (!s->nerrors || grow_errs(c, s->nerrors)) {
		if (s->nerrors)
			x->out->oom = 1;
		return;
	}
	/* Normalize each text; sum rows that normalize to the same series. */
	buf_reset(&c->errs);
	size_t kept = 0;
	c->err_off[0] = 0;
	for (size_t i = 0; i < s->nerrors; i++) {
		const error_row_t *e = &s->errors[i];
		size_t start = c->errs.len;
		expo_label_t l[3] = {{"method", e->method, e->method_len}, {"name", NULL, 0}, {"error", NULL, 0}};
		buf_reset(&c->tmp);
		collector_error_text(&c->tmp, e->name, e->name_len, s->legacy_escaping, SIZE_MAX);
		size_t nl = c->tmp.len;
		collector_error_text(&c->tmp, e->error, e->error_len, s->legacy_escaping, ERROR_TEXT_MAX);
		if (c->tmp.oom) {
			x->out->oom = 1;
			return;
		}
		l[1].value = c->tmp.data;
		l[1].len = nl;
		l[2].value = c->tmp.data + nl;
		l[2].len = c->tmp.len - nl;
		expo_labelset(&c->errs, l, 3);
		size_t len = c->errs.len - start;
		size_t j;
		for (j = 0; j < kept; j++)
			if (c->err_off[j + 1] - c->err_off[j] == len &&
			    memcmp(c->errs.data + c->err_off[j], c->errs.data + start, len) == 0)
				break;
		if (j < kept) {
			c->err_occ[j] += e->occurrences;
			c->errs.len = start;
		} else {
			c->err_occ[kept] = e->occurrences;
			c->err_off[++kept] = c->errs.len;
		}
	}
	if (c->errs.oom) {
		x->out->oom = 1;
		return;
	}
	header(f, x);
	for (size_t j = 0; j < kept; j++)
		expo_sample_ls(x->out, x->prefix, f->e.name, NULL, c->errs.data + c->err_off[j],
			       c->err_off[j + 1] - c->err_off[j], NULL, c->err_occ[j]);
}

static void r_workers_native(const fam_t *f, ctx_t *x)
{
	static const lstate_t states[] = {ST_READY, ST_SPAWNING, ST_RUNNING, ST_MISSING};
	if (!x->s->has_workers)
		return;
	header(f, x);
	for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
		double n = 0;
		for (size_t i = 0; i < x->s->nworkers; i++)
			n += x->s->workers[i].state == states[k];
		expo_label_t l = {"state", lstate_names[states[k]], EXPO_STRLEN};
		expo_sample(x->out, x->prefix, f->e.name, NULL, &l, 1, n);
	}
}

/* Per-worker gauge: f->off selects the field, f->scale the factor. */
static void r_worker_field(const fam_t *f, ctx_t *x)
{
	int any = 0;
	for (size_t i = 0; i < x->s->nworkers; i++) {
		const worker_row_t *w = &x->s->workers[i];
		double v = scaled(f, field(w, f->off));
		if (isnan(v))
			continue;
		if (!any++)
			header(f, x);
		expo_label_t l = {"worker", w->id, w->id_len};
		expo_sample(x->out, x->prefix, f->e.name, NULL, &l, 1, v);
	}
}

/* ---- self metrics -------------------------------------------------------- */

static void r_self_scrapes(const fam_t *f, ctx_t *x)
{
	expo_header(x->out, "", &f->e);
	expo_sample(x->out, "", f->e.name, NULL, NULL, 0, (double)x->self->scrapes);
}

static void r_self_errors(const fam_t *f, ctx_t *x)
{
	expo_header(x->out, "", &f->e);
	for (int r = 1; r < RS__COUNT; r++) {
		expo_label_t l = {"reason", reason_names[r], EXPO_STRLEN};
		expo_sample(x->out, "", f->e.name, NULL, &l, 1, (double)x->self->errors[r]);
	}
}

static void r_self_duration(const fam_t *f, ctx_t *x)
{
	expo_header(x->out, "", &f->e);
	expo_sample(x->out, "", f->e.name, NULL, NULL, 0, x->self->last_duration);
}

/* Push failure reasons: the transport ones (the content ones are Locust's). */
static const reason_t push_reasons[] = {RS_CONNECT, RS_TIMEOUT, RS_TLS, RS_AUTH, RS_REDIRECT,
					RS_HTTP_STATUS, RS_IO};

static void r_pushes(const fam_t *f, ctx_t *x)
{
	if (!x->self->push)
		return;
	expo_header(x->out, "", &f->e);
	expo_sample(x->out, "", f->e.name, NULL, NULL, 0, (double)atomic_load(&x->self->push->pushes));
}

static void r_push_errors(const fam_t *f, ctx_t *x)
{
	if (!x->self->push)
		return;
	expo_header(x->out, "", &f->e);
	for (size_t i = 0; i < sizeof push_reasons / sizeof push_reasons[0]; i++) {
		expo_label_t l = {"reason", reason_names[push_reasons[i]], EXPO_STRLEN};
		expo_sample(x->out, "", f->e.name, NULL, &l, 1,
			    (double)atomic_load(&x->self->push->errors[push_reasons[i]]));
	}
}

#define WORKER(f) offsetof(worker_row_t, f)
#define MS 0.001

static const fam_t families[] = {
	/* shared by both sets */
	{{"up", EXPO_GAUGE, "The current health status of the server (1 = UP, 0 = DOWN)."},
	 S_COMPAT | S_NATIVE | S_ALWAYS, r_up, 0, 0},
	{{"users", EXPO_GAUGE, "The current number of users."}, S_COMPAT | S_NATIVE, r_snap, SNAP(user_count), 0},

	/* compat: the Go exporter's families */
	{{"running", EXPO_GAUGE, "The current state of the execution (0 = STOPPED 1 = HATCHING 2 = RUNNING,)."},
	 S_COMPAT, r_running, 0, 0},
	{{"workers_count", EXPO_GAUGE, "The current number of workers."}, S_COMPAT, r_workers_count, 0, 0},
	{{"workers_running_count", EXPO_GAUGE, "The current number of running workers."},
	 S_COMPAT, r_workers_in_state, ST_RUNNING, 0},
	{{"workers_hatching_count", EXPO_GAUGE, "The current number of hatching workers."},
	 S_COMPAT, r_workers_in_state, ST_SPAWNING, 0},
	{{"workers_missing_count", EXPO_GAUGE, "The current number of missing workers."},
	 S_COMPAT, r_workers_in_state, ST_MISSING, 0},
	{{"worker_detail", EXPO_GAUGE, "The current status of a worker with user count"},
	 S_COMPAT, r_worker_detail, 0, 0},
	{{"requests_fail_ratio", EXPO_GAUGE, "Failed requests / all requests (Locust's fail_ratio)."},
	 S_COMPAT, r_snap, SNAP(fail_ratio), 0},
	{{"requests_current_response_time_percentile_50", EXPO_GAUGE,
	  "Median response time of all requests over Locust's recent window, in milliseconds."},
	 S_COMPAT, r_cur_pct_compat, 0, 0.5},
	{{"requests_current_response_time_percentile_95", EXPO_GAUGE,
	  "95th percentile response time of all requests over Locust's recent window, in milliseconds."},
	 S_COMPAT, r_cur_pct_compat, 0, 0.95},
	{{"requests_num_requests", EXPO_GAUGE, "Requests made, per endpoint and Aggregated."},
	 S_COMPAT, r_rows, ROW(num_requests), 0},
	{{"requests_num_failures", EXPO_GAUGE, "Failed requests, per endpoint and Aggregated."},
	 S_COMPAT, r_rows, ROW(num_failures), 0},
	{{"requests_avg_response_time", EXPO_GAUGE, "Average response time in milliseconds."},
	 S_COMPAT, r_rows, ROW(avg_ms), 0},
	{{"requests_current_fail_per_sec", EXPO_GAUGE, "Failures per second over Locust's recent window."},
	 S_COMPAT, r_rows, ROW(current_fail_per_sec), 0},
	{{"requests_min_response_time", EXPO_GAUGE, "Minimum response time in milliseconds."},
	 S_COMPAT, r_rows, ROW(min_ms), 0},
	{{"requests_max_response_time", EXPO_GAUGE, "Maximum response time in milliseconds."},
	 S_COMPAT, r_rows, ROW(max_ms), 0},
	{{"requests_current_rps", EXPO_GAUGE, "Requests per second over Locust's recent window."},
	 S_COMPAT, r_rows, ROW(current_rps), 0},
	{{"requests_median_response_time", EXPO_GAUGE, "Median response time in milliseconds."},
	 S_COMPAT, r_rows, ROW(median_ms), 0},
	{{"requests_avg_content_length", EXPO_GAUGE, "Average response size in bytes."},
	 S_COMPAT, r_rows, ROW(avg_content_length), 0},
	{{"requests_response_time_percentile_95", EXPO_GAUGE, "The 95th percentile of response time per endpoint."},
	 S_COMPAT, r_rows_pct, 0, 0.95},
	{{"requests_response_time_percentile_99", EXPO_GAUGE, "The 99th percentile of response time per endpoint."},
	 S_COMPAT, r_rows_pct, 0, 0.99},
	{{"errors", EXPO_GAUGE, "The current number of errors."}, S_COMPAT, r_errors_compat, 0, 0},
	{{"total_scrapes", EXPO_COUNTER, "The total number of scrapes."},
	 S_COMPAT | S_ALWAYS, r_total_scrapes, 0, 0},
	{{"locustexporter_build_info", EXPO_GAUGE,
	  "A metric with a constant '1' value labeled by version, revision, branch, and goversion from which locustexporter was built."},
	 S_COMPAT | S_ALWAYS | S_FIXED, r_build_info, 0, 0},

	/* native */
	{{"state", EXPO_GAUGE, "Locust runner state: 1 for the current state (hatching reads as spawning)."},
	 S_NATIVE, r_state, 0, 0},
	{{"run_start_time_seconds", EXPO_GAUGE,
	  "Unix time at which the exporter saw the current test run start (0 if none seen)."},
	 S_NATIVE, r_run_start, 0, 0},
	{{"fail_ratio", EXPO_GAUGE, "Failed requests / all requests since the run or stats reset (0..1)."},
	 S_NATIVE, r_snap, SNAP(fail_ratio), 0},
	{{"current_requests_per_second", EXPO_GAUGE, "Requests per second of all endpoints over Locust's ~10 s window."},
	 S_NATIVE, r_total, ROW(current_rps), 0},
	{{"current_failures_per_second", EXPO_GAUGE, "Failures per second of all endpoints over Locust's ~10 s window."},
	 S_NATIVE, r_total, ROW(current_fail_per_sec), 0},
	{{"current_response_time_seconds", EXPO_SUMMARY,
	  "Response time quantiles of all requests over Locust's ~10 s window."},
	 S_NATIVE, r_cur_pct, 0, 0},
	{{"requests_total", EXPO_COUNTER, "Requests made per endpoint (resets when Locust's stats reset)."},
	 S_NATIVE, r_rows, ROW(num_requests), 0},
	{{"request_failures_total", EXPO_COUNTER, "Failed requests per endpoint."},
	 S_NATIVE, r_rows, ROW(num_failures), 0},
	{{"request_duration_seconds", EXPO_SUMMARY,
	  "Response time per endpoint: quantiles from Locust (0 = min, 1 = max), sum and count since the run started."},
	 S_NATIVE, r_summary, 0, 0},
	{{"requests_per_second", EXPO_GAUGE, "Requests per second per endpoint over Locust's ~10 s window."},
	 S_NATIVE, r_rows, ROW(current_rps), 0},
	{{"request_failures_per_second", EXPO_GAUGE, "Failures per second per endpoint over Locust's ~10 s window."},
	 S_NATIVE, r_rows, ROW(current_fail_per_sec), 0},
	{{"response_content_bytes_total", EXPO_COUNTER, "Response bytes received per endpoint."},
	 S_NATIVE, r_rows_bytes, 0, 0},
	{{"errors_total", EXPO_COUNTER, "Failures per endpoint and error text."}, S_NATIVE, r_errors_native, 0, 0},
	{{"aggregate_requests_total", EXPO_COUNTER, "Requests made, all endpoints (complete beyond Locust's 500-row cap)."},
	 S_NATIVE, r_total, ROW(num_requests), 0},
	{{"aggregate_request_failures_total", EXPO_COUNTER, "Failed requests, all endpoints."},
	 S_NATIVE, r_total, ROW(num_failures), 0},
	{{"aggregate_request_duration_seconds", EXPO_SUMMARY, "Response time of all requests since the run started."},
	 S_NATIVE, r_total_summary, 0, 0},
	{{"workers", EXPO_GAUGE, "Locust workers connected to the master, by state."}, S_NATIVE, r_workers_native, 0, 0},
	{{"worker_users", EXPO_GAUGE, "Users running on each worker."}, S_NATIVE, r_worker_field, WORKER(user_count), 0},
	{{"worker_cpu_usage_ratio", EXPO_GAUGE, "CPU usage of each worker process (1 = one core)."},
	 S_NATIVE, r_worker_field, WORKER(cpu_percent), 0.01},
	{{"worker_memory_bytes", EXPO_GAUGE, "Resident memory of each worker process."},
	 S_NATIVE, r_worker_field, WORKER(memory_bytes), 0},

	/* the exporter itself */
	{{"locust_exporter_scrapes_total", EXPO_COUNTER, "Scrapes of Locust made by the exporter."},
	 S_ALWAYS | S_FIXED, r_self_scrapes, 0, 0},
	{{"locust_exporter_scrape_errors_total", EXPO_COUNTER, "Failed scrapes of Locust, by reason."},
	 S_ALWAYS | S_FIXED, r_self_errors, 0, 0},
	{{"locust_exporter_scrape_duration_seconds", EXPO_GAUGE, "Duration of the last fetch and parse of Locust's stats."},
	 S_ALWAYS | S_FIXED, r_self_duration, 0, 0},
	{{"locust_exporter_build_info", EXPO_GAUGE, "A metric with a constant '1' value labeled by version and revision."},
	 S_ALWAYS | S_FIXED, r_build_info, 0, 0},
	{{"locust_exporter_pushes_total", EXPO_COUNTER, "Pushes to the Pushgateway (--pushgateway.url), failed ones included."},
	 S_ALWAYS | S_FIXED, r_pushes, 0, 0},
	{{"locust_exporter_push_errors_total", EXPO_COUNTER, "Failed pushes to the Pushgateway, by reason."},
	 S_ALWAYS | S_FIXED, r_push_errors, 0, 0},
};

void collector_init(collector_t *c)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->prefix);
	buf_init(&c->ls);
	buf_init(&c->tmp);
	buf_init(&c->errs);
}

void collector_free(collector_t *c)
{
	buf_free(&c->prefix);
	buf_free(&c->ls);
	buf_free(&c->tmp);
	buf_free(&c->errs);
	free(c->ls_off);
	free(c->err_off);
	free(c->err_occ);
	memset(c, 0, sizeof *c);
}

/* Render every row's {method,name} once; families reuse the text. */
static int build_labelsets(collector_t *c, const snapshot_t *s)
{
	size_t n = s->nrows + 1;
	if (n + 1 > c->ls_cap) {
		size_t *o = realloc(c->ls_off, (n + 1) * sizeof *o);
		if (!o)
			return -1;
		c->ls_off = o;
		c->ls_cap = n + 1;
	}
	buf_reset(&c->ls);
	for (size_t i = 0; i < n; i++) {
		const stat_row_t *r = i < s->nrows ? &s->rows[i] : &s->total;
		c->ls_off[i] = c->ls.len;
		if (i == s->nrows && !s->has_total)
			continue;
		expo_label_t l[2] = {{"method", r->method, r->method_len}, {"name", r->name, r->name_len}};
		if (i == s->nrows)
			l[1].value = "Aggregated", l[1].len = 10;
		expo_labelset(&c->ls, l, 2);
	}
	c->ls_off[n] = c->ls.len;
	return c->ls.oom ? -1 : 0;
}

void collector_render(collector_t *c, buf_t *out, const collector_opts_t *o,
		      const snapshot_t *snap, const selfstats_t *self)
{
	ctx_t x = {.c = c, .out = out, .o = o, .s = snap, .self = self};
	buf_reset(&c->prefix);
	buf_printf(&c->prefix, "%s_", o->ns);
	if (c->prefix.oom || (snap && build_labelsets(c, snap))) {
		out->oom = 1;
		return;
	}
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
		const fam_t *f = &families[i];
		int wanted = (f->set & S_COMPAT && o->compat) || (f->set & S_NATIVE && o->native) ||
			     !(f->set & (S_COMPAT | S_NATIVE));
		if (!wanted || (!snap && !(f->set & S_ALWAYS)))
			continue;
		x.prefix = (f->set & S_FIXED) ? "" : c->prefix.data;
		f->render(f, &x);
	}
	if (o->process)
		procmetrics_render(out);
}
