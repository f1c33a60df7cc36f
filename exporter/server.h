/* server: the exporter's HTTP side on civetweb: telemetry path, landing
 * page, health endpoints, /quitquitquit.  Serves no files from disk. */
#ifndef LE_SERVER_H
#define LE_SERVER_H

#include <signal.h>

#include "config.h"
#include "scrape.h"

typedef struct server server_t;

/* Start listening; NULL with a one-line reason in err on failure. */
server_t *server_start(const config_t *cfg, target_t *main_target, buf_t *err);
void server_stop(server_t *s);

/* Set when /quitquitquit was called. */
extern volatile sig_atomic_t server_quit_requested;

#endif
