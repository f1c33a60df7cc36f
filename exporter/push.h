/* push: pushes what /metrics shows to a Prometheus Pushgateway
 * (--pushgateway.url), for runs Prometheus cannot scrape in time, from a
 * thread of its own: once at start, every --pushgateway.interval, and once
 * more when the exporter stops (SIGTERM, SIGINT, /quitquitquit), so a short
 * test's final numbers outlive the exporter.
 *
 * A push scrapes the main target as a /metrics request does (joining a
 * fetch in flight) and sends the text format 0.0.4 with libcurl to
 * <url>/metrics/job/<job>[/instance/<instance>] (values with '/' or empty
 * ones base64url-encoded, as client_golang does): PUT, which replaces the
 * group, when Locust was read; POST, which replaces only the families
 * sent (locust_up 0, self and process metrics), when it was not, so the
 * group keeps the last numbers Locust gave.  Pushing holds no lock a
 * /metrics request needs.  A periodic push still uploading when the
 * exporter stops is cut short and its scrape sent as the final push.
 * Failures are logged (a warning when the reason changes) and counted in
 * locust_exporter_push_errors_total{reason}. */
#ifndef LE_PUSH_H
#define LE_PUSH_H

#include "buf.h"
#include "collector.h"
#include "config.h"
#include "scrape.h"

typedef struct push push_t;

/* The pusher for cfg's --pushgateway.* and the main target, not started;
 * NULL with a one-line reason in err. */
push_t *push_new(const config_t *cfg, target_t *target, buf_t *err);

/* Its counters, for the target's self metrics. */
const pushstats_t *push_stats(const push_t *p);

/* Start pushing (after the server set the target's render_extra, so
 * that pushes carry its families too); 0, or -1 with a reason in err. */
int push_start(push_t *p, buf_t *err);

/* Push once more (the final push), stop the thread and free p.  It takes
 * at most --locust.timeout plus --pushgateway.timeout.  NULL is fine. */
void push_stop(push_t *p);

#endif
