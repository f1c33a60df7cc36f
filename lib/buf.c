/* buf: growable byte buffer (see buf.h). */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf_t *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
	b->max = 0;
	b->over = 0;
	b->need = 0;
}

void buf_free(buf_t *b)
{
	size_t max = b->max;
	free(b->data);
	buf_init(b);
	b->max = max;
}

void buf_reset(buf_t *b)
{
	b->len = 0;
	b->oom = 0;
	b->over = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_move(buf_t *dst, buf_t *b)
{
	size_t dmax = dst->max, bmax = b->max;
	buf_free(dst);
	*dst = *b;
	buf_reset(dst);
	dst->max = dmax;
	buf_init(b);
	b->max = bmax;
}

int buf_reserve(buf_t *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (extra >= (size_t)-1 / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need > b->need)
		b->need = need;
	if (need <= b->cap)
		return 0;
	if (b->max && need > b->max + 1) {
		b->oom = b->over = 1;
		return -1;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (b->max && cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void buf_put(buf_t *b, const void *p, size_t n)
{
	if (buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(buf_t *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_putc(buf_t *b, char c)
{
	if (buf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
	if (b->oom)
		return;
	va_list ap2;
	va_copy(ap2, ap);
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	if (n < 0) {
		b->oom = 1;
	} else if ((size_t)n >= room) {
		if (buf_reserve(b, (size_t)n) == 0) {
			vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
			b->len += (size_t)n;
		}
	} else {
		b->len += (size_t)n;
	}
	va_end(ap2);
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *buf_str(buf_t *b)
{
	if (b->oom || !b->data)
		return "";
	return b->data;
}

size_t keep_note(keep_t *k, size_t need)
{
	k->need[k->next++ % KEEP_WINDOW] = need;
	size_t most = 0;
	for (int i = 0; i < KEEP_WINDOW; i++)
		if (k->need[i] > most)
			most = k->need[i];
	return most > (size_t)-1 / 2 ? (size_t)-1 : 2 * most;
}

void buf_keep(buf_t *b, keep_t *k)
{
	size_t used = b->need > b->len + 1 ? b->need : b->len + 1;
	b->need = 0;
	if (b->cap > keep_note(k, used))
		buf_free(b);
}
