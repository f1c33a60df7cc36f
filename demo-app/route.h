/* route: the demo app's routing table (path -> route id, bounded labels for
 * metrics) and HTTP method classification. */
#ifndef DEMO_ROUTE_H
#define DEMO_ROUTE_H

typedef enum {
	R_ROOT,
	R_ABOUT,
	R_PRODUCTS,
	R_CONTACT,
	R_ORDERS,
	R_METRICS,
	R_HEALTHZ,
	R_ADMIN,
	R_OTHER, /* every unknown path: one label value, bounded cardinality */
	R_COUNT
} route_id_t;

typedef enum {
	M_GET,
	M_HEAD,
	M_POST,
	M_PUT,
	M_DELETE,
	M_PATCH,
	M_OPTIONS,
	M_OTHER,
	M_COUNT
} method_t;

/* Exact match on the path (no query string); "/admin/scenarios" and
 * "/admin/scenarios/<name>" are both R_ADMIN. */
route_id_t route_lookup(const char *path);
/* The route label: the path itself, or "other". */
const char *route_label(route_id_t r);
method_t method_lookup(const char *m);
const char *method_label(method_t m);
/* Routes served with the seed's behaviour and subject to scenarios. */
int route_is_app(route_id_t r);

#endif
