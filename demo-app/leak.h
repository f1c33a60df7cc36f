/* leak: the memory_leak scenario's retained allocations, bounded by a cap
 * so that the host survives; released when the scenario is switched off. */
#ifndef DEMO_LEAK_H
#define DEMO_LEAK_H

#include <stddef.h>

void leak_configure(size_t cap_bytes);
/* Retain `bytes` more (touched, so RSS grows) unless the cap is reached;
 * returns the bytes retained by this call (0 at the cap or on OOM). */
size_t leak_retain(size_t bytes);
/* Free everything retained. */
void leak_release(void);
size_t leak_bytes(void);

#endif
