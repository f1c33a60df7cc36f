/* csvsource: Locust's --csv files -> snapshot (see csvsource.h).
 *
 * Records are parsed in place (RFC 4180 quoting, CRLF or LF): each cell is
 * unquoted into the file's own buffer and NUL-terminated, so the snapshot's
 * strings point into it without copies.  Columns are found by header name,
 * so any Locust version's column set works. */
#include "csvsource.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "expo.h"

#define MAX_CELLS 64

void csvsource_init(csvsource_t *cs)
{
	buf_init(&cs->stats);
	buf_init(&cs->failures);
	buf_init(&cs->history);
	buf_init(&cs->path);
}

void csvsource_free(csvsource_t *cs)
{
	buf_free(&cs->stats);
	buf_free(&cs->failures);
	buf_free(&cs->history);
	buf_free(&cs->path);
}

/* Read file (at most max bytes; from its tail when tail is set) into b.
 * Returns 0, -1 when it does not exist, -2 on other errors (detail set). */
static int read_file(const char *path, buf_t *b, long long max, int tail, double *mtime, buf_t *detail)
{
	buf_reset(b);
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return -1;
		buf_printf(detail, "cannot open %s: %s", path, strerror(errno));
		return -2;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0) {
		buf_printf(detail, "cannot stat %s: %s", path, strerror(errno));
		fclose(f);
		return -2;
	}
	*mtime = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
	if (st.st_size > max && !tail) {
		buf_printf(detail, "%s is larger than --locust.max-response-size", path);
		fclose(f);
		return -2;
	}
	if (tail && st.st_size > max)
		fseeko(f, st.st_size - max, SEEK_SET);
	char chunk[16384];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && (long long)b->len < max)
		buf_put(b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad || b->oom) {
		buf_printf(detail, "cannot read %s", path);
		return -2;
	}
	if (!b->data)
		buf_put(b, "", 0);
	return b->oom ? -2 : 0;
}

/* One record at *pp, unquoted in place; returns its cell count (cells past
 * max are counted, not stored), 0 at the end of the buffer. */
static size_t csv_record(char **pp, char *end, char **cells, size_t max)
{
	char *p = *pp;
	size_t n = 0;
	if (p >= end)
		return 0;
	for (;;) {
		char *start = p, *w = p;
		if (p < end && *p == '"') {
			p++;
			while (p < end) {
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p++;
			}
			while (p < end && *p != ',' && *p != '\n' && *p != '\r')
				p++;
		} else {
			while (p < end && *p != ',' && *p != '\n' && *p != '\r')
				p++;
			w = p;
		}
		char delim = p < end ? *p : '\n';
		*w = '\0'; /* the buffer keeps a NUL after its end, so w == end is fine */
		if (n < max)
			cells[n] = start;
		n++;
		p++;
		if (delim == ',')
			continue;
		if (delim == '\r' && p < end && *p == '\n')
			p++;
		break;
	}
	*pp = p < end ? p : end;
	return n;
}

static double cell_num(const char *s, int *bad)
{
	char *e;
	if (!*s || strcmp(s, "N/A") == 0)
		return NAN;
	double v = strtod(s, &e);
	if (*e)
		*bad = 1;
	return v;
}

#define CF(c, f) {c, offsetof(stat_row_t, f)}
static const stats_field_t stat_cols[] = {
	CF("Request Count", num_requests), CF("Failure Count", num_failures),
	CF("Median Response Time", median_ms), CF("Average Response Time", avg_ms),
	CF("Min Response Time", min_ms), CF("Max Response Time", max_ms),
	CF("Average Content Size", avg_content_length), CF("Requests/s", total_rps),
	CF("Failures/s", total_fail_per_sec),
};
#define NSTAT (sizeof stat_cols / sizeof stat_cols[0])

static int col_index(char **hdr, size_t n, const char *name)
{
	for (size_t i = 0; i < n && i < MAX_CELLS; i++)
		if (strcmp(hdr[i], name) == 0)
			return (int)i;
	return -1;
}

/* "99.9%" -> 0.999, built as decimal text so that no binary rounding of
 * 99.9 / 100 shows up in the quantile label; NAN for other columns. */
static double percent_column(const char *h)
{
	size_t ip = strspn(h, "0123456789"), fp = 0;
	if (ip == 0 || ip > 3)
		return NAN;
	if (h[ip] == '.')
		fp = strspn(h + ip + 1, "0123456789");
	const char *pct = h + ip + (fp ? fp + 1 : 0);
	if (strcmp(pct, "%") != 0)
		return NAN;
	char txt[64];
	long whole = strtol(h, NULL, 10);
	if (fp > 40)
		return NAN;
	snprintf(txt, sizeof txt, "%ld.%02ld%.*s", whole / 100, whole % 100, (int)fp, h + ip + 1);
	return strtod(txt, NULL);
}

static reason_t parse_stats(csvsource_t *cs, snapshot_t *s, buf_t *detail)
{
	char *p = cs->stats.data, *end = p + cs->stats.len;
	char *hdr[MAX_CELLS], *cell[MAX_CELLS];
	size_t nh = csv_record(&p, end, hdr, MAX_CELLS);
	int ci[NSTAT], type = col_index(hdr, nh, "Type"), name = col_index(hdr, nh, "Name");
	double pq[MAX_CELLS];
	for (size_t k = 0; k < NSTAT; k++)
		ci[k] = col_index(hdr, nh, stat_cols[k].key);
	for (size_t i = 0; i < nh && i < MAX_CELLS; i++) {
		pq[i] = percent_column(hdr[i]);
		for (size_t j = 0; j < i; j++)
			if (pq[j] == pq[i])
				pq[i] = 0; /* a repeated percentile column: the first one counts */
	}
	if (name < 0 || ci[0] < 0) {
		buf_puts(detail, "stats CSV lacks the Name or Request Count column");
		return RS_SCHEMA;
	}
	size_t rows = 0;
	for (char *q = p; q < end; q++)
		rows += *q == '\n';
	if (snapshot_check_rows(s, rows, detail))
		return RS_TOO_LARGE;
	if (snapshot_reserve(s, rows + 1, 0)) {
		buf_puts(detail, "out of memory");
		return RS_IO;
	}
	size_t n;
	while ((n = csv_record(&p, end, cell, MAX_CELLS)) > 0) {
		if (n == 1 && cell[0][0] == '\0')
			continue; /* blank line */
		if (n != nh || s->nrows >= rows + 1) {
			buf_printf(detail, "stats CSV row %zu has %zu cells, header has %zu", s->nrows + 1, n, nh);
			return RS_SCHEMA;
		}
		stat_row_t *r = &s->rows[s->nrows++];
		int bad = 0;
		memset(r, 0, sizeof *r);
		r->current_rps = r->current_fail_per_sec = NAN;
		r->method = type >= 0 ? cell[type] : "";
		if (strcmp(r->method, "None") == 0)
			r->method = "";
		r->method_len = strlen(r->method);
		r->name = cell[name];
		r->name_len = strlen(r->name);
		for (size_t k = 0; k < NSTAT; k++)
			*(double *)((char *)r + stat_cols[k].off) = ci[k] >= 0 ? cell_num(cell[ci[k]], &bad) : NAN;
		for (size_t i = 0; i < nh && i < MAX_CELLS; i++) {
			if (pq[i] > 0 && pq[i] < 1 && pq[i] != 0.5 && r->npct < STATS_MAX_Q) {
				r->pct[r->npct].q = pq[i];
				r->pct[r->npct++].ms = cell_num(cell[i], &bad);
			}
		}
		if (bad || isnan(r->num_requests)) {
			buf_printf(detail, "stats CSV row %zu has a cell that is not a number", s->nrows);
			return RS_SCHEMA;
		}
		if (isnan(r->num_failures))
			r->num_failures = 0;
	}
	if (s->nrows && strcmp(s->rows[s->nrows - 1].name, "Aggregated") == 0) {
		s->total = s->rows[--s->nrows];
		s->has_total = 1;
		if (s->total.num_requests > 0)
			s->fail_ratio = s->total.num_failures / s->total.num_requests;
		else
			s->fail_ratio = 0;
	}
	return RS_OK;
}

static reason_t parse_failures(csvsource_t *cs, snapshot_t *s, buf_t *detail)
{
	char *p = cs->failures.data, *end = p + cs->failures.len;
	char *hdr[MAX_CELLS], *cell[MAX_CELLS];
	size_t nh = csv_record(&p, end, hdr, MAX_CELLS);
	int m = col_index(hdr, nh, "Method"), nm = col_index(hdr, nh, "Name");
	int er = col_index(hdr, nh, "Error"), oc = col_index(hdr, nh, "Occurrences");
	if (m < 0 || nm < 0 || er < 0 || oc < 0) {
		buf_puts(detail, "failures CSV lacks Method, Name, Error or Occurrences");
		return RS_SCHEMA;
	}
	size_t rows = 0, n;
	for (char *q = p; q < end; q++)
		rows += *q == '\n';
	if (snapshot_check_rows(s, s->nrows + rows, detail))
		return RS_TOO_LARGE;
	if (snapshot_reserve(s, s->nrows + 1, rows + 1)) {
		buf_puts(detail, "out of memory");
		return RS_IO;
	}
	while ((n = csv_record(&p, end, cell, MAX_CELLS)) > 0) {
		if (n == 1 && cell[0][0] == '\0')
			continue;
		if (n != nh || s->nerrors >= rows + 1) {
			buf_printf(detail, "failures CSV row %zu has %zu cells, header has %zu", s->nerrors + 1, n, nh);
			return RS_SCHEMA;
		}
		error_row_t *e = &s->errors[s->nerrors++];
		int bad = 0;
		e->method = cell[m];
		e->method_len = strlen(e->method);
		e->name = cell[nm];
		e->name_len = strlen(e->name);
		e->error = cell[er];
		e->error_len = strlen(e->error);
		e->occurrences = cell_num(cell[oc], &bad);
		if (bad || isnan(e->occurrences)) {
			buf_printf(detail, "failures CSV row %zu: Occurrences is not a number", s->nerrors);
			return RS_SCHEMA;
		}
	}
	return RS_OK;
}

/* --csv-full-history: the last Aggregated line has the user count and the
 * current (windowed) rates.  Best effort: a malformed tail is ignored. */
static void parse_history(csvsource_t *cs, snapshot_t *s, const char *header)
{
	char hbuf[4096];
	snprintf(hbuf, sizeof hbuf, "%s", header);
	char *hp = hbuf, *hdr[MAX_CELLS], *cell[MAX_CELLS];
	size_t nh = csv_record(&hp, hbuf + strlen(hbuf), hdr, MAX_CELLS);
	int uc = col_index(hdr, nh, "User Count"), nm = col_index(hdr, nh, "Name");
	int rps = col_index(hdr, nh, "Requests/s"), fps = col_index(hdr, nh, "Failures/s");
	if (uc < 0 || nm < 0)
		return;
	char *p = cs->history.data, *end = p + cs->history.len, *nl = memchr(p, '\n', cs->history.len);
	p = nl ? nl + 1 : end; /* the tail starts mid-line: skip to a record start */
	size_t n;
	while ((n = csv_record(&p, end, cell, MAX_CELLS)) > 0) {
		int bad = 0;
		if (n != nh || strcmp(cell[nm], "Aggregated") != 0)
			continue;
		double u = cell_num(cell[uc], &bad);
		double r = rps >= 0 ? cell_num(cell[rps], &bad) : NAN;
		double f = fps >= 0 ? cell_num(cell[fps], &bad) : NAN;
		if (bad)
			continue;
		s->user_count = u;
		s->total.current_rps = r;
		s->total.current_fail_per_sec = f;
	}
}

static reason_t load_file(csvsource_t *cs, buf_t *b, const char *suffix, const char *prefix, long long max,
			  int tail, double max_age_s, int required, buf_t *detail)
{
	double mtime = 0;
	buf_reset(&cs->path);
	buf_printf(&cs->path, "%s%s", prefix, suffix);
	int rc = read_file(buf_str(&cs->path), b, max, tail, &mtime, detail);
	if (rc == -2)
		return b->oom ? RS_IO : RS_TOO_LARGE;
	if (rc == -1) {
		if (!required)
			return RS_OK;
		buf_printf(detail, "%s does not exist (is Locust running with --headless --csv %s?)",
			   buf_str(&cs->path), prefix);
		return RS_STALE;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double age = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - mtime;
	if (required && age > max_age_s) {
		buf_printf(detail, "%s was last written %.0f s ago (limit %.0f s): the run is over or stuck",
			   buf_str(&cs->path), age, max_age_s);
		return RS_STALE;
	}
	return RS_OK;
}

reason_t csvsource_load(csvsource_t *cs, const char *prefix, double max_age_s, long long max_bytes,
			snapshot_t *s, buf_t *detail)
{
	snapshot_reset(s);
	s->state_str = "running";
	s->state = ST_RUNNING;
	s->legacy_escaping = 2;
	s->user_count = s->total_rps = s->total_fail_per_sec = NAN;
	s->current_rps = s->current_fail_per_sec = s->worker_count = s->fail_ratio = NAN;
	reason_t r = load_file(cs, &cs->stats, "_stats.csv", prefix, max_bytes, 0, max_age_s, 1, detail);
	if (r == RS_OK)
		r = load_file(cs, &cs->failures, "_failures.csv", prefix, max_bytes, 0, max_age_s, 0, detail);
	if (r == RS_OK)
		r = load_file(cs, &cs->history, "_stats_history.csv", prefix, 65536, 1, max_age_s, 0, detail);
	/* Cells become label values: no NUL (strlen would cut them) and valid
	 * UTF-8, so distinct names stay distinct series. */
	expo_utf8_scrub(cs->stats.data, cs->stats.len);
	expo_utf8_scrub(cs->failures.data, cs->failures.len);
	if (r == RS_OK)
		r = parse_stats(cs, s, detail);
	if (r == RS_OK && cs->failures.len)
		r = parse_failures(cs, s, detail);
	if (r == RS_OK && snapshot_check_unique(s, detail))
		r = RS_SCHEMA;
	if (r == RS_OK && cs->history.len) {
		/* The header is the first line of the whole file, not of the tail. */
		FILE *f = fopen(buf_str(&cs->path), "rb");
		char header[4096] = "";
		if (f) {
			if (!fgets(header, sizeof header, f))
				header[0] = '\0';
			fclose(f);
		}
		parse_history(cs, s, header);
	}
	if (r != RS_OK)
		snapshot_reset(s);
	return r;
}
