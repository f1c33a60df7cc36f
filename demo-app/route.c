/* route: routing table and method classification (see route.h). */
#include "route.h"

#include <string.h>

static const char *const paths[R_COUNT] = {
	[R_ROOT] = "/",
	[R_ABOUT] = "/about",
	[R_PRODUCTS] = "/products",
	[R_CONTACT] = "/contact",
	[R_ORDERS] = "/orders",
	[R_METRICS] = "/metrics",
	[R_HEALTHZ] = "/healthz",
	[R_ADMIN] = "/admin/scenarios",
	[R_OTHER] = "other",
};

static const char *const methods[M_COUNT] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other",
};

route_id_t route_lookup(const char *path)
{
	for (int r = 0; r < R_OTHER; r++)
		if (strcmp(path, paths[r]) == 0)
			return (route_id_t)r;
	static const char admin[] = "/admin/scenarios/";
	if (strncmp(path, admin, sizeof admin - 1) == 0 &&
	    path[sizeof admin - 1] != '\0' &&
	    !strchr(path + sizeof admin - 1, '/'))
		return R_ADMIN;
	return R_OTHER;
}

const char *route_label(route_id_t r)
{
	return (unsigned)r < R_COUNT ? paths[r] : paths[R_OTHER];
}

method_t method_lookup(const char *m)
{
	for (int i = 0; i < M_OTHER; i++)
		if (strcmp(m, methods[i]) == 0)
			return (method_t)i;
	return M_OTHER;
}

const char *method_label(method_t m)
{
	return (unsigned)m < M_COUNT ? methods[m] : methods[M_OTHER];
}

int route_is_app(route_id_t r)
{
	return r == R_ROOT || r == R_ABOUT || r == R_PRODUCTS ||
	       r == R_CONTACT || r == R_ORDERS;
}
