/* leak: bounded retained memory (see leak.h). */
#include "leak.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
	struct chunk *next;
	size_t size;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *chunks;
static size_t cap = 256u << 20;
static _Atomic size_t retained;

void leak_configure(size_t cap_bytes)
{
	pthread_mutex_lock(&mu);
	cap = cap_bytes;
	pthread_mutex_unlock(&mu);
}

size_t leak_retain(size_t bytes)
{
	size_t got = 0;
	pthread_mutex_lock(&mu);
	size_t now = atomic_load(&retained);
	if (bytes > 0 && bytes <= cap && now <= cap - bytes) {
		struct chunk *c = malloc(sizeof *c + bytes);
		if (c) {
			/* touch every page so that RSS really grows */
			memset(c + 1, 0xa5, bytes);
			c->size = bytes;
			c->next = chunks;
			chunks = c;
			atomic_store(&retained, now + bytes);
			got = bytes;
		}
	}
	pthread_mutex_unlock(&mu);
	return got;
}

void leak_release(void)
{
	pthread_mutex_lock(&mu);
	struct chunk *c = chunks;
	chunks = NULL;
	atomic_store(&retained, 0);
	pthread_mutex_unlock(&mu);
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	malloc_trim(0); /* give the pages back, so RSS falls too */
}

size_t leak_bytes(void)
{
	return atomic_load(&retained);
}
