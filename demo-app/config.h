/* config: the demo app's command line and environment (every flag has a
 * DEMO_APP_* variable; flags win), with one-line errors for bad input. */
#ifndef DEMO_CONFIG_H
#define DEMO_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

typedef struct {
	uint64_t value;
	int set;                /* 0: seed from the clock */
} demo_seed_t;

typedef struct {
	const char *listen;     /* Go-style address, default 0.0.0.0:5000 */
	long threads;           /* HTTP worker threads */
	unsigned scenarios;     /* bit mask of scenario_t enabled at start */
	demo_seed_t seed;
	const char *db;         /* NULL: temporary file */
	double spike_ratio;     /* fraction of requests spiked */
	size_t leak_cap;        /* bytes */
	size_t leak_bytes;      /* per request */
	long pool_size;         /* pool capacity with pool_exhaustion on */
	double pool_timeout;    /* seconds */
	long cache_size;        /* cache capacity with poor_cache on */
	int log_level;
	int keep_alive;         /* HTTP keep-alive (off: close after each answer) */
	int help, version;
} demo_config_t;

void config_defaults(demo_config_t *c);
/* Environment first, then argv.  0: run; 1: --help/--version given;
 * -1: bad input, one line in err (exit 2). */
int config_parse(demo_config_t *c, int argc, char **argv, buf_t *err);
void config_usage(FILE *f);

#endif
