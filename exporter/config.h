/* config: the exporter's command line and environment.
 *
 * Flags and environment variables of the Go exporter (containersol
 * locust_exporter) are accepted as they are; every flag has an env var,
 * a flag on the command line wins over its env var.  Both --flag=value and
 * --flag value work; boolean flags also take --no-flag. */
#ifndef LE_CONFIG_H
#define LE_CONFIG_H

#include <stddef.h>

#include "buf.h"

typedef struct {
	char *uri;             /* --locust.uri */
	long timeout_ms;       /* --locust.timeout (Go duration) */
	char *listen;          /* --web.listen-address */
	char *telemetry_path;  /* --web.telemetry-path */
	char *ns;              /* --locust.namespace */
	int log_level;         /* --log.level */
	int log_json;          /* --log.format */
	int compat;            /* --collector.compat */
	int native;            /* --collector.native */
	char *user;            /* --locust.user */
	char *password;        /* read from --locust.password-file */
	char *password_file;
	char *ca_file;         /* --locust.ca-file */
	char *cert_file;       /* --locust.cert-file */
	char *key_file;        /* --locust.key-file */
	int insecure;          /* --locust.insecure-skip-verify */
	char **headers;        /* --locust.header, repeatable */
	size_t nheaders;
	long long max_body;    /* --locust.max-response-size */
	long long max_decoded; /* --locust.max-decoded-size */
	long long max_rows;    /* --locust.max-rows */
	long long max_text;    /* --web.max-response-size */
	char *web_config;      /* --web.config.file */
	int disable_exit;      /* --web.disable-exit */
	char *probe_allowed;   /* --probe.allowed-targets (regex) */
	int threads;           /* --web.max-threads */
	long request_timeout_ms; /* --web.request-timeout, 0: by TLS (server.c) */
	char *allowed_networks;  /* --web.allowed-networks (NULL or "": all) */
	long csv_max_age_ms;   /* --locust.csv-max-age (file:// source) */
	/* --pushgateway.*: push what /metrics shows (push.c); off without a URL */
	char *push_url;        /* --pushgateway.url (http:// added when no scheme) */
	char *push_job;        /* --pushgateway.job */
	char *push_instance;   /* --pushgateway.instance; the host name by default, "" for none */
	long push_interval_ms; /* --pushgateway.interval */
	long push_timeout_ms;  /* --pushgateway.timeout */
	char *push_user;       /* --pushgateway.user */
	char *push_password;   /* read from --pushgateway.password-file */
	char *push_password_file;
	char *push_ca_file;    /* --pushgateway.ca-file */
	char *push_cert_file;  /* --pushgateway.cert-file */
	char *push_key_file;   /* --pushgateway.key-file */
	int push_insecure;     /* --pushgateway.insecure-skip-verify */
} config_t;

enum { CONFIG_OK = 0, CONFIG_EXIT = 1, CONFIG_ERROR = -1 };

/* Parse argv and the environment into *cfg.  Returns CONFIG_OK, CONFIG_EXIT
 * (help or version was printed to out: exit 0) or CONFIG_ERROR (one-line
 * message in err: exit 2). */
int config_parse(config_t *cfg, int argc, char **argv, buf_t *out, buf_t *err);
void config_free(config_t *cfg);

/* Go duration ("5s", "1m30s", "250ms", "1.5h") to milliseconds; -1 if bad. */
long config_parse_duration_ms(const char *s);
/* Byte size ("16MiB", "512KiB", "1048576", "2MB") to bytes; -1 if bad. */
long long config_parse_size(const char *s);

#endif
