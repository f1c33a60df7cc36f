/* slow_thread_start: an LD_PRELOAD shim for the demo-app start test.
 *
 * Every thread the main thread creates costs SLOW_THREAD_START_MS (a
 * positive integer) milliseconds more, so civetweb's start, which creates
 * its master thread and then one thread per worker, lasts long enough for
 * a test to send requests while it is still under way.  The real
 * pthread_create does the work; without the variable nothing changes. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
			 void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg)
{
	create_fn real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	if (!real)
		abort();
	int rc = real(t, attr, fn, arg);
	const char *ms = getenv("SLOW_THREAD_START_MS");
	long n = ms ? strtol(ms, NULL, 10) : 0;
	if (rc == 0 && n > 0 && n < 10000 && gettid() == getpid()) {
		struct timespec d = {n / 1000, (n % 1000) * 1000000L};
		nanosleep(&d, NULL);
	}
	return rc;
}
