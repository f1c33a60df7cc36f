/* pool: counting gate with timeout (see pool.h). */
#include "pool.h"

#include <time.h>

#include "pause.h"

int pool_init(pool_t *p, int capacity)
{
	pthread_condattr_t a;
	if (pthread_condattr_init(&a))
		return -1;
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&p->cv, &a);
	pthread_condattr_destroy(&a);
	if (rc)
		return -1;
	if (pthread_mutex_init(&p->mu, NULL)) {
		pthread_cond_destroy(&p->cv);
		return -1;
	}
	p->capacity = capacity;
	p->in_use = 0;
	return 0;
}

void pool_destroy(pool_t *p)
{
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}

static struct timespec deadline(double timeout_s)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (timeout_s < 0)
		timeout_s = 0;
	long sec = (long)timeout_s;
	t.tv_sec += sec;
	t.tv_nsec += (long)((timeout_s - (double)sec) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

int pool_acquire(pool_t *p, double timeout_s, double *waited)
{
	double start = pause_now();
	struct timespec until = deadline(timeout_s);
	int rc = 0;
	pthread_mutex_lock(&p->mu);
	while (p->in_use >= p->capacity) {
		if (pthread_cond_timedwait(&p->cv, &p->mu, &until) != 0 &&
		    p->in_use >= p->capacity) {
			rc = -1;
			break;
		}
	}
	if (rc == 0)
		p->in_use++;
	pthread_mutex_unlock(&p->mu);
	if (waited)
		*waited = pause_now() - start;
	return rc;
}

void pool_release(pool_t *p)
{
	pthread_mutex_lock(&p->mu);
	p->in_use--;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void pool_resize(pool_t *p, int capacity)
{
	pthread_mutex_lock(&p->mu);
	p->capacity = capacity;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int pool_capacity(pool_t *p)
{
	pthread_mutex_lock(&p->mu);
	int c = p->capacity;
	pthread_mutex_unlock(&p->mu);
	return c;
}

int pool_in_use(pool_t *p)
{
	pthread_mutex_lock(&p->mu);
	int n = p->in_use;
	pthread_mutex_unlock(&p->mu);
	return n;
}
