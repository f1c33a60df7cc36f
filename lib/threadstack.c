/* threadstack: release a worker's unused stack pages (see threadstack.h). */
#include "threadstack.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* Pages kept under the current one: the madvise() call's own frames, and
 * margin. */
#define KEEP_PAGES 2

/* The calling thread's lowest stack address, read once per thread
 * (pthread_getattr_np allocates and, on the main thread, reads
 * /proc/self/maps); 0: unknown yet, 1: cannot be known. */
static _Thread_local uintptr_t stack_lo, stack_hi;

static int stack_bounds(void)
{
	if (stack_lo == 0) {
		pthread_attr_t a;
		void *lo = NULL;
		size_t size = 0;
		stack_lo = 1;
		if (pthread_getattr_np(pthread_self(), &a) == 0) {
			if (pthread_attr_getstack(&a, &lo, &size) == 0 && lo && size) {
				stack_lo = (uintptr_t)lo;
				stack_hi = (uintptr_t)lo + size;
			}
			pthread_attr_destroy(&a);
		}
	}
	return stack_lo > 1;
}

void threadstack_release(void)
{
	if (!stack_bounds())
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	/* The real frame, also under AddressSanitizer, whose locals may live in
	 * a heap-allocated "fake stack". */
	uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
	if (frame <= stack_lo || frame >= stack_hi)
		return;
	uintptr_t start = (stack_lo + page - 1) & ~(page - 1);
	uintptr_t keep = (uintptr_t)KEEP_PAGES * page;
	uintptr_t floor = frame & ~(page - 1);
	if (floor < start + keep + page)
		return;
	(void)madvise((void *)start, floor - keep - start, MADV_DONTNEED);
}
