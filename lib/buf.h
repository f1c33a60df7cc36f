/* buf: a growable byte buffer with a sticky out-of-memory flag.
 *
 * Writers append without checking each call; the owner checks buf->oom once
 * at the end.  A buffer is reused across scrapes (buf_reset keeps capacity),
 * so steady-state rendering does not allocate. */
#ifndef LE_BUF_H
#define LE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
	char *data;
	size_t len;
	size_t cap;
	int oom;
	size_t max; /* 0: no limit; growing beyond it sets oom and over */
	int over;
	size_t need; /* the most buf_reserve asked for since buf_keep */
} buf_t;

/* An empty buffer without a size limit (set max afterwards for one). */
void buf_init(buf_t *b);
/* Release the memory; the buffer is empty and keeps its max. */
void buf_free(buf_t *b);
void buf_reset(buf_t *b);
/* Make room for at least `extra` more bytes (plus a NUL); 0 on success. */
int buf_reserve(buf_t *b, size_t extra);
void buf_put(buf_t *b, const void *p, size_t n);
void buf_puts(buf_t *b, const char *s);
void buf_putc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Give b's memory to dst, empty (dst's own is freed); b is left empty.
 * Each keeps its max. */
void buf_move(buf_t *dst, buf_t *b);
/* NUL-terminated view of the contents ("" when empty or after OOM). */
const char *buf_str(buf_t *b);

/* How much of a buffer reused scrape after scrape is worth keeping: the
 * sizes its last KEEP_WINDOW uses needed.  Twice the largest of them is
 * kept, so a steady size is never reallocated (no fresh pages to fault in,
 * no copies while growing) and the memory of one outsized answer is given
 * back after KEEP_WINDOW ordinary ones. */
#define KEEP_WINDOW 8
typedef struct {
	size_t need[KEEP_WINDOW];
	unsigned next;
} keep_t;

/* Record a use that needed `need` bytes; the capacity worth keeping. */
size_t keep_note(keep_t *k, size_t need);
/* Record b's use (the most it was asked to hold since the last call) and
 * free b if it holds more than keep_note allows. */
void buf_keep(buf_t *b, keep_t *k);

#endif
