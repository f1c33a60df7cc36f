/* admin: run-time scenario switches (see admin.h). */
#include "admin.h"

#include <civetweb.h>
#include <string.h>

#include "scenario.h"

static const char prefix[] = "/admin/scenarios";

static void one_json(buf_t *body, int s)
{
	buf_printf(body, "{\"name\":\"%s\",\"enabled\":%s}\n",
		   scenario_name((scenario_t)s),
		   scenario_enabled((scenario_t)s) ? "true" : "false");
}

static void error_json(buf_t *body, const char *msg)
{
	buf_printf(body, "{\"error\":\"%s\"}\n", msg);
}

/* "on" -> 1, "off" -> 0, anything else -> -1. */
static int parse_state(const char *query)
{
	char v[8];
	if (!query || mg_get_var(query, strlen(query), "state", v, sizeof v) < 0)
		return -1;
	if (strcmp(v, "on") == 0)
		return 1;
	if (strcmp(v, "off") == 0)
		return 0;
	return -1;
}

static int serve_one(const char *method, const char *name, const char *query,
		     buf_t *body, const char **allow)
{
	int s = scenario_lookup(name, strlen(name));
	if (s < 0) {
		error_json(body, "unknown scenario");
		return 404;
	}
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		one_json(body, s);
		return 200;
	}
	if (strcmp(method, "POST") != 0) {
		*allow = "GET, HEAD, POST";
		error_json(body, "method not allowed");
		return 405;
	}
	int on = parse_state(query);
	if (on < 0) {
		error_json(body, "expected ?state=on or ?state=off");
		return 400;
	}
	scenario_set((scenario_t)s, on);
	one_json(body, s);
	return 200;
}

int admin_serve(const char *method, const char *path, const char *query,
		buf_t *body, const char **allow)
{
	if (strcmp(path, prefix) == 0) {
		if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
			*allow = "GET, HEAD";
			error_json(body, "method not allowed");
			return 405;
		}
		scenario_render_json(body);
		return 200;
	}
	return serve_one(method, path + sizeof prefix, query, body, allow);
}
