/* webconfig: exporter-toolkit web config (see webconfig.h).
 *
 * libyaml's document API loads the file into a node graph; small walkers
 * below turn the three known sections into a webconfig_t.  Every key is
 * looked up in a table of the keys we know, so an unknown or unsupported
 * key is an error with its line number. */
#include "webconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

typedef struct {
	yaml_document_t *doc;
	const char *path;
	char *dir;       /* directory of the file, NULL for the current one */
	buf_t *err;
	webconfig_t *wc;
} loader_t;

__attribute__((format(printf, 3, 4)))
static int fail(loader_t *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	buf_printf(l->err, "web config %s", l->path);
	if (n)
		buf_printf(l->err, " line %zu", n->start_mark.line + 1);
	buf_puts(l->err, ": ");
	va_start(ap, fmt);
	buf_vprintf(l->err, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *scalar_value(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain empty, "~" or "null" scalar: the key is there without a value. */
static int is_null(const yaml_node_t *n)
{
	const char *v = scalar_value(n);
	if (!v || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*v || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0;
}

static int want_scalar(loader_t *l, const yaml_node_t *n, const char *key, const char **out)
{
	if (!(*out = scalar_value(n)))
		return fail(l, n, "%s must be a string", key);
	if (strlen(*out) != n->data.scalar.length)
		return fail(l, n, "%s contains a NUL byte", key);
	return 0;
}

static int want_mapping(loader_t *l, const yaml_node_t *n, const char *key)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return fail(l, n, "%s must be a mapping", *key ? key : "the document");
	return 0;
}

static int set_str(loader_t *l, char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	if (!*dst)
		return fail(l, NULL, "out of memory");
	return 0;
}

/* A file name, relative to the config file's directory. */
static int set_path(loader_t *l, char **dst, const char *v)
{
	if (!*v || v[0] == '/' || !l->dir)
		return set_str(l, dst, v);
	buf_t b;
	buf_init(&b);
	buf_printf(&b, "%s/%s", l->dir, v);
	if (b.oom) {
		buf_free(&b);
		return fail(l, NULL, "out of memory");
	}
	free(*dst);
	*dst = b.data;
	return 0;
}

static int parse_bool(loader_t *l, const yaml_node_t *n, const char *key, int *out)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
	const char *v;
	if (want_scalar(l, n, key, &v))
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return fail(l, n, "%s: want true or false, got '%s'", key, v);
}

static int parse_version(loader_t *l, const yaml_node_t *n, const char *key, int *out)
{
	static const struct { const char *name; int v; } versions[] = {
		{"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", 0x0303}, {"TLS13", 0x0304},
	};
	const char *v;
	if (want_scalar(l, n, key, &v))
		return -1;
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (strcmp(v, versions[i].name) == 0)
			return *out = versions[i].v, 0;
	return fail(l, n, "%s: unknown TLS version '%s' (want TLS10, TLS11, TLS12 or TLS13)", key, v);
}

static int parse_client_auth(loader_t *l, const yaml_node_t *n, client_auth_t *out)
{
	static const struct { const char *name; client_auth_t v; } types[] = {
		{"", CLIENT_AUTH_NONE},
		{"NoClientCert", CLIENT_AUTH_NONE},
		{"RequestClientCert", CLIENT_AUTH_REQUEST},
		{"RequireAnyClientCert", CLIENT_AUTH_REQUIRE_ANY},
		{"RequireClientCert", CLIENT_AUTH_REQUIRE_ANY},
		{"VerifyClientCertIfGiven", CLIENT_AUTH_VERIFY_IF_GIVEN},
		{"RequireAndVerifyClientCert", CLIENT_AUTH_REQUIRE_VERIFY},
	};
	const char *v;
	if (want_scalar(l, n, "client_auth_type", &v))
		return -1;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(v, types[i].name) == 0)
			return *out = types[i].v, 0;
	return fail(l, n, "client_auth_type: unknown value '%s' (want NoClientCert, RequestClientCert, "
		    "RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)", v);
}

/* Keys of the toolkit this exporter does not implement: refusing them is
 * safer than serving with a weaker setup than the file asks for. */
static int unsupported(loader_t *l, const yaml_node_t *k, const char *section, const char *key)
{
	static const char *const known[] = {
		"cert", "key", "client_ca", "cipher_suites", "curve_preferences",
		"client_allowed_sans", "headers", "rate_limit",
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(key, known[i]) == 0)
			return fail(l, k, "%s%s%s is not supported by locust_exporter", section,
				    *section ? "." : "", key);
	return fail(l, k, "unknown key %s%s%s", section, *section ? "." : "", key);
}

static int tls_key(loader_t *l, const yaml_node_t *k, const char *key, const yaml_node_t *v)
{
	webconfig_t *wc = l->wc;
	const char *s;
	if (is_null(v))
		return 0;
	if (strcmp(key, "cert_file") == 0 || strcmp(key, "key_file") == 0 ||
	    strcmp(key, "client_ca_file") == 0) {
		char **dst = strcmp(key, "cert_file") == 0 ? &wc->cert_file
			     : strcmp(key, "key_file") == 0 ? &wc->key_file : &wc->client_ca_file;
		return want_scalar(l, v, key, &s) || set_path(l, dst, s);
	}
	if (strcmp(key, "client_auth_type") == 0)
		return parse_client_auth(l, v, &wc->client_auth);
	if (strcmp(key, "min_version") == 0)
		return parse_version(l, v, key, &wc->min_version);
	if (strcmp(key, "max_version") == 0)
		return parse_version(l, v, key, &wc->max_version);
	if (strcmp(key, "prefer_server_cipher_suites") == 0)
		return parse_bool(l, v, key, &wc->prefer_server_ciphers);
	return unsupported(l, k, "tls_server_config", key);
}

static int http_key(loader_t *l, const yaml_node_t *k, const char *key, const yaml_node_t *v)
{
	int ignored;
	if (strcmp(key, "http2") == 0)  /* civetweb serves HTTP/1.1; the flag changes nothing */
		return is_null(v) ? 0 : parse_bool(l, v, key, &ignored);
	return unsupported(l, k, "http_server_config", key);
}

static int add_user(loader_t *l, const yaml_node_t *k, const char *name, const yaml_node_t *v)
{
	webconfig_t *wc = l->wc;
	const char *hash;
	if (!*name || strchr(name, ':'))
		return fail(l, k, "basic_auth_users: user name '%s' is empty or contains ':'", name);
	for (size_t i = 0; i < wc->nusers; i++)
		if (strcmp(wc->users[i].name, name) == 0)
			return fail(l, k, "basic_auth_users: user '%s' appears twice", name);
	if (want_scalar(l, v, "basic_auth_users value", &hash))
		return -1;
	if (strlen(hash) != 60 || hash[0] != '$' || hash[1] != '2' || !strchr("aby", hash[2]) ||
	    hash[3] != '$')
		return fail(l, v, "basic_auth_users: the password of '%s' is not a bcrypt hash "
			    "($2y$..., 60 characters; make one with htpasswd -nBC 10 \"\" | tr -d ':\\n')", name);
	webuser_t *u = realloc(wc->users, (wc->nusers + 1) * sizeof *u);
	if (!u)
		return fail(l, NULL, "out of memory");
	wc->users = u;
	u[wc->nusers].name = strdup(name);
	u[wc->nusers].hash = strdup(hash);
	wc->nusers++;
	if (!u[wc->nusers - 1].name || !u[wc->nusers - 1].hash)
		return fail(l, NULL, "out of memory");
	return 0;
}

typedef int (*pair_fn)(loader_t *l, const yaml_node_t *k, const char *key, const yaml_node_t *v);

/* Call fn for every key: value of a mapping; a key may appear once. */
static int each_pair(loader_t *l, const yaml_node_t *map, const char *section, pair_fn fn)
{
	if (is_null(map))
		return 0;
	if (want_mapping(l, map, section))
		return -1;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		const char *key;
		if (want_scalar(l, k, "a key", &key))
			return -1;
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			const char *prev = scalar_value(yaml_document_get_node(l->doc, q->key));
			if (prev && strcmp(prev, key) == 0)
				return fail(l, k, "%s%s%s appears twice", section, *section ? "." : "", key);
		}
		if (fn(l, k, key, v))
			return -1;
	}
	return 0;
}

static int top_key(loader_t *l, const yaml_node_t *k, const char *key, const yaml_node_t *v)
{
	if (strcmp(key, "tls_server_config") == 0)
		return each_pair(l, v, key, tls_key);
	if (strcmp(key, "basic_auth_users") == 0)
		return each_pair(l, v, key, add_user);
	if (strcmp(key, "http_server_config") == 0)
		return each_pair(l, v, key, http_key);
	return unsupported(l, k, "", key);
}

/* Cross-field rules of the toolkit. */
static int check(loader_t *l)
{
	webconfig_t *wc = l->wc;
	int has_cert = wc->cert_file && *wc->cert_file, has_key = wc->key_file && *wc->key_file;
	int has_ca = wc->client_ca_file && *wc->client_ca_file;
	if (has_cert != has_key)
		return fail(l, NULL, "tls_server_config needs both cert_file and key_file");
	wc->tls = has_cert;
	if (!wc->tls && (has_ca || wc->client_auth != CLIENT_AUTH_NONE))
		return fail(l, NULL, "client certificates need TLS: set cert_file and key_file");
	if (has_ca && wc->client_auth == CLIENT_AUTH_NONE)
		return fail(l, NULL, "client_ca_file is set but client_auth_type is NoClientCert "
			    "(want e.g. RequireAndVerifyClientCert)");
	if (!has_ca && (wc->client_auth == CLIENT_AUTH_VERIFY_IF_GIVEN ||
			wc->client_auth == CLIENT_AUTH_REQUIRE_VERIFY))
		return fail(l, NULL, "client_auth_type verifies client certificates: set client_ca_file");
	if (!wc->min_version)
		wc->min_version = 0x0303; /* the toolkit's default, TLS 1.2 */
	if (wc->max_version && wc->max_version < wc->min_version)
		return fail(l, NULL, "tls_server_config: max_version is below min_version");
	return 0;
}

static int load_doc(loader_t *l, FILE *f)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = -1;
	if (!yaml_parser_initialize(&parser))
		return fail(l, NULL, "out of memory");
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		buf_printf(l->err, "web config %s line %zu: %s%s%s", l->path, parser.problem_mark.line + 1,
			   parser.problem ? parser.problem : "invalid YAML",
			   parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	l->doc = &doc;
	const yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root))
		rc = 0; /* an empty file: plain HTTP, no auth */
	else
		rc = each_pair(l, root, "", top_key);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	l->doc = NULL;
	return rc;
}

int webconfig_load(webconfig_t *wc, const char *path, buf_t *err)
{
	loader_t l = {NULL, path, NULL, err, wc};
	memset(wc, 0, sizeof *wc);
	const char *slash = strrchr(path, '/');
	if (slash && !(l.dir = strndup(path, (size_t)(slash - path) + (slash == path))))
		return fail(&l, NULL, "out of memory");
	FILE *f = fopen(path, "rb");
	if (!f) {
		buf_printf(err, "cannot read web config %s: %s", path, strerror(errno));
		free(l.dir);
		return -1;
	}
	int rc = load_doc(&l, f);
	fclose(f);
	if (rc == 0)
		rc = check(&l);
	free(l.dir);
	if (rc)
		webconfig_free(wc);
	return rc;
}

void webconfig_free(webconfig_t *wc)
{
	free(wc->cert_file);
	free(wc->key_file);
	free(wc->client_ca_file);
	for (size_t i = 0; i < wc->nusers; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	free(wc->users);
	memset(wc, 0, sizeof *wc);
}
