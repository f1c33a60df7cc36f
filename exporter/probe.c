/* probe: multi-target scraping behind an allowlist (see probe.h). */
#include "probe.h"

#include <civetweb.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "log.h"
#include "scrape.h"

#define PROBE_CACHE 16

typedef struct {
	target_t *t;
	int users;
	unsigned long last_used;
} slot_t;

struct probe {
	const config_t *cfg;
	collector_opts_t opts;
	int use_regex;
	regex_t re;
	char *origin;   /* default allowlist: scheme://host[:port] or the file:// URI */
	pthread_mutex_t mu;
	slot_t slots[PROBE_CACHE];
	unsigned long tick;
};

/* scheme://host[:port] of an http(s) URI; the whole URI for file://. */
static char *origin_of(const char *uri)
{
	const char *s = strstr(uri, "://");
	if (!s || strncmp(uri, "file://", 7) == 0)
		return strdup(uri);
	const char *slash = strchr(s + 3, '/');
	return strndup(uri, slash ? (size_t)(slash - uri) : strlen(uri));
}

probe_t *probe_new(const config_t *cfg, buf_t *err)
{
	probe_t *p = calloc(1, sizeof *p);
	if (!p) {
		buf_puts(err, "out of memory");
		return NULL;
	}
	p->cfg = cfg;
	collector_opts_t o = {cfg->ns, cfg->compat, cfg->native, 0, NULL, NULL};
	p->opts = o;
	pthread_mutex_init(&p->mu, NULL);
	if (cfg->probe_allowed) {
		buf_t anchored;
		buf_init(&anchored);
		buf_printf(&anchored, "^(%s)$", cfg->probe_allowed);
		int rc = anchored.oom ? REG_ESPACE : regcomp(&p->re, anchored.data, REG_EXTENDED | REG_NOSUB);
		buf_free(&anchored);
		if (rc != 0) {
			buf_printf(err, "invalid --probe.allowed-targets regex '%s'", cfg->probe_allowed);
			pthread_mutex_destroy(&p->mu);
			free(p);
			return NULL;
		}
		p->use_regex = 1;
	} else if (!(p->origin = origin_of(cfg->uri))) {
		buf_puts(err, "out of memory");
		probe_free(p);
		return NULL;
	}
	return p;
}

void probe_free(probe_t *p)
{
	if (!p)
		return;
	for (int i = 0; i < PROBE_CACHE; i++)
		target_free(p->slots[i].t);
	if (p->use_regex)
		regfree(&p->re);
	free(p->origin);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

int probe_allowed(const probe_t *p, const char *uri)
{
	if (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0 &&
	    strncmp(uri, "file://", 7) != 0)
		return 0;
	if (p->use_regex)
		return regexec(&p->re, uri, 0, NULL, 0) == 0;
	if (strncmp(uri, "file://", 7) == 0)
		return strcmp(uri, p->origin) == 0;
	size_t n = strlen(p->origin);
	return strncmp(uri, p->origin, n) == 0 && (uri[n] == '\0' || uri[n] == '/');
}

/* A cached target for uri (users incremented), evicting the least recently
 * used idle one when full; NULL on OOM.  *temp is set when the cache was
 * full of busy targets and the caller owns a one-off target. */
static target_t *acquire(probe_t *p, const char *uri, int *temp)
{
	*temp = 0;
	pthread_mutex_lock(&p->mu);
	slot_t *free_slot = NULL, *lru = NULL;
	for (int i = 0; i < PROBE_CACHE; i++) {
		slot_t *s = &p->slots[i];
		if (s->t && strcmp(s->t->uri, uri) == 0) {
			s->users++;
			s->last_used = ++p->tick;
			pthread_mutex_unlock(&p->mu);
			return s->t;
		}
		if (!s->t && !free_slot)
			free_slot = s;
		if (s->t && s->users == 0 && (!lru || s->last_used < lru->last_used))
			lru = s;
	}
	slot_t *slot = free_slot ? free_slot : lru;
	target_t *old = NULL;
	if (slot) {
		old = slot->t;
		slot->t = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	target_free(old);
	target_t *t = target_new(p->cfg, uri, &p->opts);
	if (!t || !slot) {
		*temp = t != NULL;
		return t;
	}
	pthread_mutex_lock(&p->mu);
	slot->t = t;
	slot->users = 1;
	slot->last_used = ++p->tick;
	pthread_mutex_unlock(&p->mu);
	return t;
}

static void release(probe_t *p, target_t *t, int temp)
{
	if (temp) {
		target_free(t);
		return;
	}
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < PROBE_CACHE; i++)
		if (p->slots[i].t == t)
			p->slots[i].users--;
	pthread_mutex_unlock(&p->mu);
}

static void reply(struct mg_connection *c, int status, const char *msg)
{
	httpd_send(c, status, "text/plain; charset=utf-8", msg, strlen(msg), NULL);
}

target_t *probe_acquire(probe_t *p, struct mg_connection *c, int *temp)
{
	const struct mg_request_info *ri = mg_get_request_info(c);
	const char *qs = ri->query_string ? ri->query_string : "";
	size_t cap = strlen(qs) + 1;
	char *uri = malloc(cap);
	target_t *t = NULL;
	if (!uri) {
		reply(c, 500, "out of memory\n");
		return NULL;
	}
	if (mg_get_var(qs, strlen(qs), "target", uri, cap) <= 0) {
		reply(c, 400, "missing ?target=<Locust URI>\n");
	} else if (!probe_allowed(p, uri)) {
		log_warn("probe of %s refused: not allowed by --probe.allowed-targets", uri);
		reply(c, 403, "target not allowed by --probe.allowed-targets\n");
	} else if (!(t = acquire(p, uri, temp))) {
		reply(c, 500, "out of memory\n");
	}
	free(uri);
	return t;
}

void probe_release(probe_t *p, target_t *t, int temp)
{
	release(p, t, temp);
}
