/* admin: the run-time scenario switches, GET /admin/scenarios (JSON list)
 * and POST /admin/scenarios/NAME?state=on|off. */
#ifndef DEMO_ADMIN_H
#define DEMO_ADMIN_H

#include "buf.h"

/* Fill body (JSON) and return the HTTP status; *allow is set for 405. */
int admin_serve(const char *method, const char *path, const char *query,
		buf_t *body, const char **allow);

#endif
