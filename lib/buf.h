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
} buf_t;

void buf_init(buf_t *b);
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
/* NUL-terminated view of the contents ("" when empty or after OOM). */
const char *buf_str(buf_t *b);

#endif
