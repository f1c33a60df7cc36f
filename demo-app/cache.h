/* cache: the /products page cache, a direct-mapped table of product ids
 * whose capacity the poor_cache scenario shrinks at run time. */
#ifndef DEMO_CACHE_H
#define DEMO_CACHE_H

#include <stdint.h>

/* Allocate room for up to max_capacity entries; 0 or -1 on OOM. */
int cache_init(int max_capacity);
void cache_free(void);
/* Set the live capacity (1..max) and empty the cache. */
void cache_resize(int capacity);
int cache_capacity(void);
/* 1 and *value on a hit, 0 on a miss. */
int cache_get(int64_t key, int64_t *value);
void cache_put(int64_t key, int64_t value);

#endif
