/* push: the Pushgateway pusher (see push.h). */
#include "push.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expo.h"
#include "httpopts.h"
#include "log.h"

#define ANSWER_MAX 512 /* bytes of the Pushgateway's answer kept for the log */

struct push {
	const config_t *cfg;
	target_t *target;
	CURL *curl;
	CURLU *url;
	char *url_log;            /* the URL without its password */
	struct curl_slist *headers;
	pushstats_t stats;
	buf_t answer;             /* the start of the Pushgateway's answer */
	const buf_t *body;        /* the text being uploaded */
	size_t body_off;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* CLOCK_MONOTONIC */
	int stopping;             /* under mu */
	atomic_int cut;           /* stopping: cut a periodic upload short */
	int final;                /* the final push is running (push thread only) */
	reason_t last;            /* outcome of the previous push */
	int pushed;               /* a push has succeeded */
};

const pushstats_t *push_stats(const push_t *p)
{
	return &p->stats;
}

/* ---- the URL ------------------------------------------------------------- */

/* "/name/value", or "/name@base64/<base64url>" for a value that is empty or
 * holds a '/' (the Pushgateway's encoding; plain values are
 * percent-encoded). */
static int put_component(buf_t *b, const char *name, const char *value)
{
	size_t n = strlen(value);
	buf_putc(b, '/');
	buf_puts(b, name);
	if (n == 0) {
		buf_puts(b, "@base64/=");
	} else if (strchr(value, '/')) {
		buf_puts(b, "@base64/");
		if (n > (size_t)1 << 20 || buf_reserve(b, 4 * (n / 3 + 1)))
			return -1;
		char *out = b->data + b->len;
		int len = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)value, (int)n);
		while (len > 0 && out[len - 1] == '=')
			len--;
		for (int i = 0; i < len; i++)
			out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
		b->len += (size_t)len;
		b->data[b->len] = '\0';
	} else {
		char *e = curl_easy_escape(NULL, value, (int)n);
		if (!e)
			return -1;
		buf_putc(b, '/');
		buf_puts(b, e);
		curl_free(e);
	}
	return b->oom ? -1 : 0;
}

/* <url>/metrics/job/<job>[/instance/<instance>] in p->url; p->url_log. */
static int build_url(push_t *p, buf_t *err)
{
	const config_t *cfg = p->cfg;
	char *path = NULL, *shown = NULL;
	buf_t b;
	buf_init(&b);
	CURLU *log_url = NULL;
	int rc = -1;
	if (!(p->url = curl_url()) ||
	    curl_url_set(p->url, CURLUPART_URL, cfg->push_url, 0) != CURLUE_OK) {
		buf_puts(err, "invalid --pushgateway.url");
		goto out;
	}
	if (curl_url_get(p->url, CURLUPART_PATH, &path, 0) == CURLUE_OK)
		buf_puts(&b, path);
	while (b.len && b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	buf_puts(&b, "/metrics");
	if (put_component(&b, "job", cfg->push_job) ||
	    (*cfg->push_instance && put_component(&b, "instance", cfg->push_instance)) ||
	    curl_url_set(p->url, CURLUPART_PATH, b.data, 0) != CURLUE_OK ||
	    !(log_url = curl_url_dup(p->url)) ||
	    curl_url_set(log_url, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
	    curl_url_get(log_url, CURLUPART_URL, &shown, 0) != CURLUE_OK ||
	    !(p->url_log = strdup(shown))) {
		buf_puts(err, "out of memory building the Pushgateway URL");
		goto out;
	}
	rc = 0;
out:
	curl_free(path);
	curl_free(shown);
	curl_url_cleanup(log_url);
	buf_free(&b);
	return rc;
}

/* ---- one upload ------------------------------------------------------------ */

/* The body is read from the result's text (no copy). */
static size_t on_read(char *dst, size_t size, size_t n, void *ud)
{
	push_t *p = ud;
	size_t left = p->body->len - p->body_off, k = size * n < left ? size * n : left;
	memcpy(dst, p->body->data + p->body_off, k);
	p->body_off += k;
	return k;
}

/* libcurl rewinds the body when it has to send it again. */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
	push_t *p = ud;
	if (origin != SEEK_SET || offset < 0 || (size_t)offset > p->body->len)
		return CURL_SEEKFUNC_CANTSEEK;
	p->body_off = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

static size_t on_answer(char *d, size_t size, size_t n, void *ud)
{
	push_t *p = ud;
	size_t len = size * n;
	if (p->answer.len < ANSWER_MAX)
		buf_put(&p->answer, d, len < ANSWER_MAX - p->answer.len ? len : ANSWER_MAX - p->answer.len);
	return len;
}

/* Called at least once a second while a transfer runs. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	push_t *p = ud;
	return !p->final && atomic_load(&p->cut);
}

/* What an HTTP answer means: RS_OK for 2xx. */
static reason_t classify_status(push_t *p, long status, const char *method, buf_t *detail)
{
	if (status >= 200 && status < 300)
		return RS_OK;
	/* the Pushgateway explains a refused push in one line of text */
	size_t n = strcspn(buf_str(&p->answer), "\r\n");
	buf_printf(detail, "%s %s: HTTP %ld%s%.*s", method, p->url_log, status, n ? ": " : "", (int)n,
		   buf_str(&p->answer));
	if (status == 401 || status == 403)
		return RS_AUTH;
	return status >= 300 && status < 400 ? RS_REDIRECT : RS_HTTP_STATUS;
}

/* Upload r's text; RS_OK or why it failed, with a line in detail.  *cut
 * is set when it was cut short because the exporter is stopping (then
 * nothing is counted). */
static reason_t upload(push_t *p, const result_t *r, int *cut, buf_t *detail)
{
	const char *method = r->up ? "PUT" : "POST";
	buf_reset(&p->answer);
	p->body = &r->text;
	p->body_off = 0;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *h = p->curl;
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->text.len);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	*cut = rc == CURLE_ABORTED_BY_CALLBACK;
	if (*cut)
		return RS_OK;
	if (rc != CURLE_OK) {
		buf_printf(detail, "%s %s: %s", method, p->url_log, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return httpopts_reason(rc, errbuf);
	}
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return classify_status(p, status, method, detail);
}

/* Push r and count and log the outcome; 1 when the upload was cut short. */
static int send_result(push_t *p, const result_t *r)
{
	buf_t detail;
	buf_init(&detail);
	int cut = 0;
	reason_t why = r && r->text.len && !r->text.oom ? upload(p, r, &cut, &detail) : RS_IO;
	if (!r || !r->text.len || r->text.oom)
		buf_puts(&detail, "out of memory rendering the metrics to push");
	if (cut) {
		buf_free(&detail);
		return 1;
	}
	atomic_fetch_add(&p->stats.pushes, 1);
	if (why != RS_OK) {
		atomic_fetch_add(&p->stats.errors[why], 1);
		if (why != p->last || p->final)
			log_warn("%spush to the Pushgateway failed (%s): %s", p->final ? "final " : "",
				 reason_names[why], buf_str(&detail));
		else
			log_debug("push to the Pushgateway failed (%s): %s", reason_names[why], buf_str(&detail));
	} else if (p->final) {
		log_info("final push to %s done (%s)", p->url_log,
			 r->up ? "Locust's last numbers" : "locust_up 0; the group keeps the last numbers read");
	} else if (p->last != RS_OK || !p->pushed) {
		log_info("push to %s %s", p->url_log, p->last != RS_OK ? "recovered" : "succeeded");
	}
	if (why == RS_OK)
		p->pushed = 1;
	p->last = why;
	buf_free(&detail);
	return 0;
}

/* ---- the thread ------------------------------------------------------------ */

static void add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *run(void *arg)
{
	push_t *p = arg;
	result_t *pending = NULL; /* a periodic push's scrape, cut short */
	struct timespec next, now;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		pthread_mutex_unlock(&p->mu);
		result_t *r = target_scrape(p->target);
		if (send_result(p, r))
			pending = r;
		else if (r)
			result_release(p->target, r);
		/* the next tick after now: a push that overran skips ticks */
		clock_gettime(CLOCK_MONOTONIC, &now);
		while (!before(&now, &next))
			add_ms(&next, p->cfg->push_interval_ms);
		pthread_mutex_lock(&p->mu);
		while (!p->stopping && pthread_cond_timedwait(&p->cv, &p->mu, &next) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&p->mu);
	p->final = 1;
	result_t *r = pending ? pending : target_scrape(p->target);
	send_result(p, r);
	if (r)
		result_release(p->target, r);
	return NULL;
}

push_t *push_new(const config_t *cfg, target_t *target, buf_t *err)
{
	push_t *p = calloc(1, sizeof *p);
	if (!p) {
		buf_puts(err, "out of memory");
		return NULL;
	}
	p->cfg = cfg;
	p->target = target;
	p->last = RS_OK;
	buf_init(&p->answer);
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (build_url(p, err))
		goto fail;
	p->curl = curl_easy_init();
	p->headers = curl_slist_append(NULL, "Content-Type: " EXPO_CONTENT_TYPE);
	struct curl_slist *h2 = p->headers ? curl_slist_append(p->headers, "Expect:") : NULL;
	if (!p->curl || !h2) {
		buf_puts(err, "out of memory setting up the Pushgateway client");
		goto fail;
	}
	p->headers = h2;
	httpopts_t o = {cfg->push_timeout_ms, cfg->push_user, cfg->push_password, cfg->push_ca_file,
			cfg->push_cert_file, cfg->push_key_file, cfg->push_insecure};
	CURL *c = p->curl;
	httpopts_apply(c, &o);
	curl_easy_setopt(c, CURLOPT_CURLU, p->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, p);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, p);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, p);
	return p;
fail:
	push_stop(p);
	return NULL;
}

int push_start(push_t *p, buf_t *err)
{
	int rc = pthread_create(&p->thread, NULL, run, p);
	if (rc) {
		buf_printf(err, "cannot start the Pushgateway thread: %s", strerror(rc));
		return -1;
	}
	p->started = 1;
	log_info("pushing to %s every %ldms (and once more on exit)", p->url_log, p->cfg->push_interval_ms);
	return 0;
}

void push_stop(push_t *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->stopping = 1;
		atomic_store(&p->cut, 1);
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	if (p->curl)
		curl_easy_cleanup(p->curl);
	curl_slist_free_all(p->headers);
	curl_url_cleanup(p->url);
	free(p->url_log);
	buf_free(&p->answer);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}
