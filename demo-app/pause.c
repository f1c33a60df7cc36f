/* pause: interruptible sleeps (see pause.h). */
#include "pause.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int stopping;

static void init_cond(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &a);
	pthread_condattr_destroy(&a);
}

double pause_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int pause_for(double seconds)
{
	pthread_once(&once, init_cond);
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	if (seconds > 0) {
		long ns = (long)((seconds - (double)(long)seconds) * 1e9);
		until.tv_sec += (time_t)seconds;
		until.tv_nsec += ns;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	int rc = 0;
	pthread_mutex_lock(&mu);
	while (!stopping && seconds > 0) {
		if (pthread_cond_timedwait(&cv, &mu, &until) != 0)
			break; /* ETIMEDOUT */
	}
	if (stopping)
		rc = -1;
	pthread_mutex_unlock(&mu);
	return rc;
}

void pause_shutdown(void)
{
	pthread_once(&once, init_cond);
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}
