/* threadstack: give back the stack pages a server thread touched below its
 * current frame.
 *
 * civetweb 1.15 serves each connection on a worker thread of its own, and a
 * request's deepest calls (civetweb's request parsing, a scrape: libcurl,
 * the decoder, the text writer) touch pages of that worker's stack that
 * then stay resident for good, about 12 KiB per worker: with a large pool,
 * workers that have served once each cost more memory than idle ones.
 * Called when a connection ends, threadstack_release() returns those pages
 * to the kernel (MADV_DONTNEED); the next request faults them in again,
 * zero-filled. */
#ifndef LE_THREADSTACK_H
#define LE_THREADSTACK_H

/* Release the calling thread's stack pages below the current frame (all
 * but the page in use and two under it).  Does nothing on a thread whose
 * stack bounds cannot be read, or when the frame is not on that stack. */
void threadstack_release(void);

#endif
