/* probe: GET /probe?target=URI, one exporter for many Locust masters (the
 * blackbox-exporter pattern).  Targets must match an allowlist
 * (--probe.allowed-targets, default: only --locust.uri's origin), so the
 * endpoint cannot be used to reach arbitrary hosts.  Probed targets are
 * kept in a small LRU cache so their connections are reused. */
#ifndef LE_PROBE_H
#define LE_PROBE_H

#include "buf.h"
#include "config.h"
#include "scrape.h"

struct mg_connection;
typedef struct probe probe_t;

/* NULL with a one-line reason in err (bad regex, OOM). */
probe_t *probe_new(const config_t *cfg, buf_t *err);
void probe_free(probe_t *p);

/* 1 when uri may be probed. */
int probe_allowed(const probe_t *p, const char *uri);

/* The target named by the request's ?target= (cached, in use until
 * probe_release), or NULL after an error answer was sent: 400 without a
 * target, 403 when the allowlist refuses it, 500 out of memory. */
target_t *probe_acquire(probe_t *p, struct mg_connection *c, int *temp);
void probe_release(probe_t *p, target_t *t, int temp);

#endif
