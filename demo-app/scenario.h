/* scenario: the registry of switchable performance problems (names, on/off
 * state, parsing of --scenario lists) and the hook that applies a change. */
#ifndef DEMO_SCENARIO_H
#define DEMO_SCENARIO_H

#include <stddef.h>

#include "buf.h"

typedef enum {
	SC_LATENCY_SPIKES,
	SC_MEMORY_LEAK,
	SC_SLOW_DB,
	SC_POOR_CACHE,
	SC_POOL_EXHAUSTION,
	SC_COUNT
} scenario_t;

const char *scenario_name(scenario_t s);
const char *scenario_help(scenario_t s);
/* Index of the scenario called name[0..len), or -1. */
int scenario_lookup(const char *name, size_t len);
/* Parse "a,b,c" (empty or "none": no scenario) into a bit mask; 0 or -1
 * with a one-line reason in err. */
int scenario_parse_list(const char *s, unsigned *mask, buf_t *err);

int scenario_enabled(scenario_t s);
/* Switch a scenario; when the state changes, the hook runs (toggles are
 * serialized, so hooks see changes in order).  1 when the state changed. */
int scenario_set(scenario_t s, int on);
void scenario_set_hook(void (*hook)(scenario_t s, int on));
/* Turn every scenario off without running the hook (tests, startup). */
void scenario_reset(void);

/* {"scenarios":[{"name":"...","enabled":false,"description":"..."},...]} */
void scenario_render_json(buf_t *out);

#endif
