/* pool: a resizable counting gate with timed acquisition: the backend
 * connection pool that requests queue on (pool_exhaustion scenario). */
#ifndef DEMO_POOL_H
#define DEMO_POOL_H

#include <pthread.h>

typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int capacity;
	int in_use;
} pool_t;

int pool_init(pool_t *p, int capacity);
void pool_destroy(pool_t *p);
/* Take a slot, waiting at most timeout_s seconds; *waited gets the time
 * spent waiting.  0 on success, -1 on timeout. */
int pool_acquire(pool_t *p, double timeout_s, double *waited);
void pool_release(pool_t *p);
/* Change the capacity; slots in use above it drain as they are released. */
void pool_resize(pool_t *p, int capacity);
int pool_capacity(pool_t *p);
int pool_in_use(pool_t *p);

#endif
