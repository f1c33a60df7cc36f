/* main: demo-app entry point: configuration, start, wait for SIGTERM or
 * SIGINT, clean stop (sleeping requests are woken so the stop is quick). */
#include <civetweb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "log.h"
#include "pause.h"
#include "rng.h"
#include "scenario.h"
#include "server.h"

#ifndef DEMO_APP_VERSION
#define DEMO_APP_VERSION "0.1.0"
#endif

static int configure(demo_config_t *cfg, int argc, char **argv)
{
	buf_t err;
	buf_init(&err);
	config_defaults(cfg);
	int rc = config_parse(cfg, argc, argv, &err);
	if (rc < 0)
		fprintf(stderr, "demo-app: %s\n", buf_str(&err));
	buf_free(&err);
	if (rc > 0 && cfg->help)
		config_usage(stdout);
	else if (rc > 0)
		printf("demo-app %s (civetweb %s)\n", DEMO_APP_VERSION, mg_version());
	return rc;
}

static void log_start(const demo_config_t *cfg, int port)
{
	buf_t on;
	buf_init(&on);
	for (int s = 0; s < SC_COUNT; s++)
		if (scenario_enabled((scenario_t)s))
			buf_printf(&on, "%s%s", on.len ? "," : "", scenario_name((scenario_t)s));
	log_info("demo-app %s listening on %s (port %d), %ld worker threads, seed %llu, scenarios: %s, keep-alive %s",
		 DEMO_APP_VERSION, cfg->listen, port, cfg->threads,
		 (unsigned long long)cfg->seed.value, on.len ? buf_str(&on) : "none",
		 cfg->keep_alive ? "on" : "off");
	buf_free(&on);
}

static int run(demo_config_t *cfg)
{
	buf_t err;
	buf_init(&err);
	int rc = 1;
	struct mg_context *ctx = NULL;
	if (app_init(cfg, &err) == 0 &&
	    (ctx = server_start(cfg->listen, cfg->threads, cfg->keep_alive, &err)) != NULL) {
		log_start(cfg, server_port(ctx));
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		int sig = 0;
		sigwait(&set, &sig);
		log_info("signal %d: shutting down", sig);
		rc = 0;
	} else {
		log_error("%s", buf_str(&err));
	}
	pause_shutdown();
	if (ctx)
		app_drain(5.0);
	log_debug("requests drained");
	server_stop(ctx, cfg->listen);
	log_debug("server stopped");
	app_shutdown();
	log_debug("app shut down");
	buf_free(&err);
	return rc;
}

int main(int argc, char **argv)
{
	demo_config_t cfg;
	int rc = configure(&cfg, argc, argv);
	if (rc)
		return rc < 0 ? 2 : 0;
	log_setup((log_level_t)cfg.log_level, 0);
	if (!cfg.seed.set)
		cfg.seed.value = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	rng_set_seed(cfg.seed.value);
	/* every thread started from here on inherits the blocked signals */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	mg_init_library(0);
	rc = run(&cfg);
	mg_exit_library();
	return rc;
}
