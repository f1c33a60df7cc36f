/* cache: direct-mapped product cache (see cache.h).
 *
 * Slot = key mod capacity.  With capacity >= the number of products every
 * product has its own slot (a warm cache always hits); with a few slots
 * the products evict each other and nearly every request misses. */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct {
	int64_t key; /* -1: empty */
	int64_t value;
} entry_t;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static entry_t *slots;
static int max_cap, cap;

static void clear_locked(void)
{
	for (int i = 0; i < max_cap; i++)
		slots[i].key = -1;
}

int cache_init(int max_capacity)
{
	if (max_capacity < 1)
		return -1;
	entry_t *s = calloc((size_t)max_capacity, sizeof *s);
	if (!s)
		return -1;
	pthread_rwlock_wrlock(&lock);
	free(slots);
	slots = s;
	max_cap = cap = max_capacity;
	clear_locked();
	pthread_rwlock_unlock(&lock);
	return 0;
}

void cache_free(void)
{
	pthread_rwlock_wrlock(&lock);
	free(slots);
	slots = NULL;
	max_cap = cap = 0;
	pthread_rwlock_unlock(&lock);
}

void cache_resize(int capacity)
{
	pthread_rwlock_wrlock(&lock);
	if (capacity < 1)
		capacity = 1;
	cap = capacity < max_cap ? capacity : max_cap;
	clear_locked();
	pthread_rwlock_unlock(&lock);
}

int cache_capacity(void)
{
	pthread_rwlock_rdlock(&lock);
	int c = cap;
	pthread_rwlock_unlock(&lock);
	return c;
}

static entry_t *slot_of(int64_t key)
{
	return &slots[(uint64_t)key % (uint64_t)cap];
}

int cache_get(int64_t key, int64_t *value)
{
	int hit = 0;
	pthread_rwlock_rdlock(&lock);
	if (cap > 0 && key >= 0) {
		entry_t *e = slot_of(key);
		if (e->key == key) {
			*value = e->value;
			hit = 1;
		}
	}
	pthread_rwlock_unlock(&lock);
	return hit;
}

void cache_put(int64_t key, int64_t value)
{
	pthread_rwlock_wrlock(&lock);
	if (cap > 0 && key >= 0) {
		entry_t *e = slot_of(key);
		e->key = key;
		e->value = value;
	}
	pthread_rwlock_unlock(&lock);
}
