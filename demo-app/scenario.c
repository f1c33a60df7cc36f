/* scenario: registry of the switchable performance problems (see scenario.h). */
#include "scenario.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static const struct {
	const char *name;
	const char *help;
} table[SC_COUNT] = {
	[SC_LATENCY_SPIKES] = {"latency_spikes", "a fraction of requests take 1-3 s extra"},
	[SC_MEMORY_LEAK] = {"memory_leak", "every request retains memory, up to a cap"},
	[SC_SLOW_DB] = {"slow_db", "/orders runs an N+1 query pattern without index"},
	[SC_POOR_CACHE] = {"poor_cache", "the /products cache shrinks to a few entries"},
	[SC_POOL_EXHAUSTION] = {"pool_exhaustion", "the backend connection pool shrinks; requests queue and time out"},
};

static atomic_int state[SC_COUNT];
static void (*change_hook)(scenario_t, int);
static pthread_mutex_t toggle_mu = PTHREAD_MUTEX_INITIALIZER;

const char *scenario_name(scenario_t s)
{
	return (unsigned)s < SC_COUNT ? table[s].name : "unknown";
}

const char *scenario_help(scenario_t s)
{
	return (unsigned)s < SC_COUNT ? table[s].help : "";
}

int scenario_lookup(const char *name, size_t len)
{
	for (int i = 0; i < SC_COUNT; i++)
		if (strlen(table[i].name) == len &&
		    memcmp(table[i].name, name, len) == 0)
			return i;
	return -1;
}

int scenario_parse_list(const char *s, unsigned *mask, buf_t *err)
{
	*mask = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n > 0) {
			int i = scenario_lookup(s, n);
			if (i < 0) {
				buf_printf(err, "unknown scenario \"%.*s\" (known: latency_spikes, memory_leak, slow_db, poor_cache, pool_exhaustion)",
					   (int)n, s);
				return -1;
			}
			*mask |= 1u << i;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

int scenario_enabled(scenario_t s)
{
	return atomic_load(&state[s]);
}

int scenario_set(scenario_t s, int on)
{
	pthread_mutex_lock(&toggle_mu);
	int old = atomic_exchange(&state[s], on ? 1 : 0);
	int changed = old != (on ? 1 : 0);
	if (changed && change_hook)
		change_hook(s, on ? 1 : 0);
	pthread_mutex_unlock(&toggle_mu);
	return changed;
}

void scenario_set_hook(void (*hook)(scenario_t s, int on))
{
	change_hook = hook;
}

void scenario_reset(void)
{
	for (int i = 0; i < SC_COUNT; i++)
		atomic_store(&state[i], 0);
}

void scenario_render_json(buf_t *out)
{
	buf_puts(out, "{\"scenarios\":[");
	for (int i = 0; i < SC_COUNT; i++)
		buf_printf(out, "%s{\"name\":\"%s\",\"enabled\":%s,\"description\":\"%s\"}",
			   i ? "," : "", table[i].name,
			   scenario_enabled((scenario_t)i) ? "true" : "false",
			   table[i].help);
	buf_puts(out, "]}\n");
}
