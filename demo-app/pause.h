/* pause: sleeping inside a request handler without blocking other requests
 * (each request has its own worker thread), cut short at shutdown. */
#ifndef DEMO_PAUSE_H
#define DEMO_PAUSE_H

/* Sleep for `seconds` (<= 0: return at once); returns early, with -1, once
 * pause_shutdown() has been called. */
int pause_for(double seconds);
/* Wake every sleeper and make later pauses return at once. */
void pause_shutdown(void);
/* Monotonic clock in seconds. */
double pause_now(void);

#endif
