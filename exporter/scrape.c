/* scrape: fetch -> parse -> render for one target (see scrape.h). */
#include "scrape.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "log.h"

static double now_s(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

target_t *target_new(const config_t *cfg, const char *uri, const collector_opts_t *opts)
{
	target_t *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cfg = cfg;
	t->opts = *opts;
	t->last_state = ST_UNKNOWN;
	t->last_reason = RS_OK;
	snapshot_init(&t->snap);
	t->snap.max_decode = (size_t)cfg->max_decoded;
	t->snap.max_rows = (size_t)cfg->max_rows;
	collector_init(&t->col);
	buf_init(&t->body);
	buf_init(&t->detail);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	csvsource_init(&t->csv);
	t->uri = strdup(uri);
	if (!t->uri) {
		target_free(t);
		return NULL;
	}
	if (strncmp(uri, "file://", 7) == 0)
		t->csv_prefix = t->uri + 7;
	else if (!(t->client = client_new(cfg, uri))) {
		target_free(t);
		return NULL;
	}
	return t;
}

void target_free(target_t *t)
{
	if (!t)
		return;
	if (t->last)
		result_release(t, t->last);
	client_free(t->client);
	csvsource_free(&t->csv);
	snapshot_free(&t->snap);
	collector_free(&t->col);
	buf_free(&t->body);
	buf_free(&t->detail);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t->uri);
	free(t);
}

/* Remember when a test run starts: the state enters spawning/running. */
static void track_run(target_t *t, lstate_t st)
{
	int active = st == ST_SPAWNING || st == ST_RUNNING;
	int was = t->last_state == ST_SPAWNING || t->last_state == ST_RUNNING;
	if (active && !was)
		t->self.run_start = now_s(CLOCK_REALTIME);
	if (st != t->last_state)
		log_info("locust %s: state %s", t->uri, t->snap.state_str);
	t->last_state = st;
}

static void free_result(result_t *r)
{
	buf_free(&r->text);
	buf_free(&r->gz);
	buf_free(&r->om);
	pthread_mutex_destroy(&r->gz_mu);
	free(r);
}

/* Fetch and parse (the decoded tree in scratch, or NULL); RS_OK leaves a
 * valid snapshot in t->snap. */
static reason_t fetch(target_t *t, buf_t *scratch)
{
	buf_reset(&t->detail);
	reason_t r;
	if (t->csv_prefix) {
		r = csvsource_load(&t->csv, t->csv_prefix, (double)t->cfg->csv_max_age_ms / 1000,
				   t->cfg->max_body, &t->snap, &t->detail);
	} else {
		r = client_get(t->client, "/stats/requests", &t->body, &t->detail);
		if (r == RS_OK)
			r = snapshot_parse(&t->snap, t->body.data, t->body.len, scratch, &t->detail);
	}
	if (r != RS_OK) {
		t->self.errors[r]++;
		if (r != t->last_reason)
			log_warn("scrape of %s failed (%s): %s", t->uri, reason_names[r], buf_str(&t->detail));
		else
			log_debug("scrape of %s failed (%s): %s", t->uri, reason_names[r], buf_str(&t->detail));
	} else {
		if (t->last_reason != RS_OK)
			log_info("scrape of %s recovered", t->uri);
		track_run(t, t->snap.state);
	}
	t->last_reason = r;
	return r;
}

/* A result object to render into: the previous one when nobody else
 * holds it (so its buffers are reused), else a new one.  Taken before the
 * fetch, so that its text buffer can hold the decoded tree first, and its
 * gzip buffer Locust's answer (see do_scrape).  Not while callers wait:
 * one woken for the previous fetch may not have taken its reference to
 * t->last yet (callers arriving later wait for this scrape's result). */
static result_t *take_result(target_t *t)
{
	result_t *r = t->last;
	if (r && r->refs == 1 && t->waiting == 0) {
		t->last = NULL;
		buf_keep(&r->text, &t->keep_text);
		buf_keep(&r->gz, &t->keep_aux);
		buf_keep(&r->om, &t->keep_om);
		buf_reset(&r->text);
		buf_reset(&r->om);
		buf_move(&t->body, &r->gz);
		r->gz_state = 0;
		r->om_state = 0;
		return r;
	}
	r = calloc(1, sizeof *r);
	if (r) {
		r->refs = 1;
		buf_init(&r->text);
		buf_init(&r->gz);
		buf_init(&r->om);
		r->text.max = (size_t)t->cfg->max_text;
		pthread_mutex_init(&r->gz_mu, NULL);
	}
	return r;
}

static void render(target_t *t, result_t *r)
{
	collector_render(&t->col, &r->text, &t->opts, r->up ? &t->snap : NULL, &t->self);
	if (t->render_extra)
		t->render_extra(t->render_extra_ud, &r->text);
}

/* After a scrape whose buffers changed size, give the heap's free pages
 * back (the growing buffers left them behind); in the steady state no
 * buffer changes and nothing is trimmed (a trimmed page costs a fault when
 * it is used again). */
static void trim_if_changed(target_t *t, const result_t *r)
{
	size_t cap = t->body.cap + r->text.cap + r->gz.cap + r->om.cap + t->snap.rows_cap +
		     t->snap.errors_cap + t->snap.workers_cap;
	if (cap != t->footprint)
		malloc_trim(0);
	t->footprint = cap;
}

/* A scrape that failed on what Locust sent keeps nothing it grew: an
 * answer too large, too deep or malformed is what an attacker sends, and
 * the memory it took (answer, tree, strings, CSV files) is not held for
 * the next scrape.  A failure before any body (Locust down, refused, a
 * redirect or an error status) keeps the buffers of the last good scrape:
 * nothing to give back, and no trim every scrape while Locust is away. */
static int failed_on_content(reason_t rc)
{
	return rc == RS_TOO_LARGE || rc == RS_PARSE || rc == RS_SCHEMA || rc == RS_NOT_JSON ||
	       rc == RS_TIMEOUT || rc == RS_IO;
}

static void release_failed(target_t *t, result_t *r)
{
	buf_free(&r->gz);
	buf_free(&r->text);
	snapshot_release(&t->snap);
	csvsource_free(&t->csv);
	csvsource_init(&t->csv);
	t->footprint = (size_t)-1; /* trim_if_changed gives the pages back */
}

static result_t *do_scrape(target_t *t)
{
	pthread_mutex_lock(&t->mu);
	result_t *r = take_result(t);
	pthread_mutex_unlock(&t->mu);
	double t0 = now_s(CLOCK_MONOTONIC);
	reason_t rc = fetch(t, r ? &r->text : NULL);
	t->self.scrapes++;
	t->self.last_duration = now_s(CLOCK_MONOTONIC) - t0;
	if (!r)
		return NULL;
	/* Locust's answer is read; its memory holds the gzip next (one block
	 * for both: their lives never overlap), and comes back for the next
	 * fetch when this result is recycled. */
	buf_move(&r->gz, &t->body);
	r->up = rc == RS_OK;
	if (failed_on_content(rc))
		release_failed(t, r);
	render(t, r);
	if (r->text.over) {
		/* Too much to show: say so, with the smallest answer. */
		t->self.errors[RS_TOO_LARGE]++;
		t->last_reason = RS_TOO_LARGE;
		log_warn("scrape of %s failed (too_large): the metrics would exceed --web.max-response-size "
			 "(%zu bytes)", t->uri, r->text.max);
		release_failed(t, r);
		r->up = 0;
		render(t, r);
	}
	trim_if_changed(t, r);
	if (r->text.oom) {
		/* Out of memory mid-render: say so with the smallest answer. */
		buf_free(&r->text);
		r->up = 0;
		log_error("out of memory rendering metrics for %s", t->uri);
	}
	return r;
}

result_t *target_scrape(target_t *t)
{
	pthread_mutex_lock(&t->mu);
	if (t->in_flight) {
		uint64_t gen = t->gen;
		t->waiting++;
		while (t->gen == gen)
			pthread_cond_wait(&t->cv, &t->mu);
		t->waiting--;
		result_t *r = t->last;
		if (r)
			r->refs++;
		pthread_mutex_unlock(&t->mu);
		return r;
	}
	t->in_flight = 1;
	pthread_mutex_unlock(&t->mu);

	result_t *r = do_scrape(t);

	pthread_mutex_lock(&t->mu);
	if (t->last && --t->last->refs == 0)
		free_result(t->last);
	t->last = r;
	if (r)
		r->refs++; /* one for t->last, one for the caller */
	t->in_flight = 0;
	t->gen++;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return r;
}

void result_release(target_t *t, result_t *r)
{
	pthread_mutex_lock(&t->mu);
	int last = --r->refs == 0;
	pthread_mutex_unlock(&t->mu);
	if (last)
		free_result(r);
}

/* r's form in format f, under gz_mu. */
static const buf_t *form_locked(result_t *r, expo_format_t f)
{
	if (f == FMT_TEXT)
		return &r->text;
	if (r->om_state == 0) {
		size_t len;
		r->om_state = om_body(f, r->text.data, r->text.len, &r->om, &len) ? 1 : -1;
	}
	return r->om_state == 1 ? &r->om : NULL;
}

const buf_t *result_form(result_t *r, expo_format_t f)
{
	pthread_mutex_lock(&r->gz_mu);
	const buf_t *b = form_locked(r, f);
	pthread_mutex_unlock(&r->gz_mu);
	return b;
}

const buf_t *result_gzip(result_t *r, expo_format_t f, buf_t *scratch)
{
	int om = f != FMT_TEXT;
	pthread_mutex_lock(&r->gz_mu);
	const buf_t *src = form_locked(r, f);
	if (r->gz_state == 0 && src) {
		r->gz_om = om;
		r->gz_state = httpd_gzip(src->data, src->len, &r->gz) == 0 ? 1 : -1;
	}
	const buf_t *out = r->gz_state == 1 && r->gz_om == om ? &r->gz : NULL;
	int other = src && r->gz_state != 0 && r->gz_om != om;
	pthread_mutex_unlock(&r->gz_mu);
	/* src, once made, stays as it is while r is referenced */
	if (other && httpd_gzip(src->data, src->len, scratch) == 0)
		out = scratch;
	return out;
}
