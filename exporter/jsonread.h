/* jsonread: a pull reader of JSON (RFC 8259) over one buffer, for decoding
 * a document straight into a model without building a tree.
 *
 * The caller walks the document: jr_type() says what the next value is,
 * jr_member()/jr_item() step through objects and arrays, jr_string() and
 * jr_number() read scalars, jr_skip() passes over any value.  Everything it
 * passes over is validated as strictly as jansson does (UTF-8, escapes,
 * \u0000 and lone surrogates refused, integers beyond 64 bits and reals
 * beyond double refused, nesting at most JR_MAX_DEPTH); the first error
 * sticks, every later call fails, and jr_error() says what and where.
 * Numbers are read exactly as strtod would (correctly rounded); integers
 * as (double)(long long), as jansson's json_integer_value.
 *
 * Strings are handed out raw (a span of the input, escapes still in it) and
 * decoded on demand with jr_decode(): a decoded string is never longer than
 * its raw form.  Duplicate keys are the caller's business. */
#ifndef LE_JSONREAD_H
#define LE_JSONREAD_H

#include <stddef.h>

#define JR_MAX_DEPTH 2048

typedef enum {
	JT_ERROR, /* syntax error or end of input */
	JT_OBJECT,
	JT_ARRAY,
	JT_STRING,
	JT_NUMBER,
	JT_TRUE,
	JT_FALSE,
	JT_NULL,
} jtype_t;

extern const char *const jtype_names[];

typedef struct {
	const char *raw; /* between the quotes, escapes undecoded */
	size_t len;
	int escaped;     /* 1 when raw holds a backslash */
} jstr_t;

typedef struct {
	const char *start, *p, *end;
	const char *err; /* first error (static text), NULL while fine */
	const char *err_at;
	int depth;
} jreader_t;

void jr_init(jreader_t *r, const char *data, size_t len);
/* The type of the next value (after whitespace), without consuming it. */
jtype_t jr_type(jreader_t *r);
/* Objects: enter with n = 0; each call reads "key":, leaving the reader at
 * the member's value, and returns 1; 0 after the closing brace; -1 on
 * error.  *n counts the members (callers keep one n per object). */
int jr_member(jreader_t *r, int *n, jstr_t *key);
/* Arrays: the same, 1 at each element. */
int jr_item(jreader_t *r, int *n);
int jr_string(jreader_t *r, jstr_t *out);
int jr_number(jreader_t *r, double *out);
/* true, false or null. */
int jr_literal(jreader_t *r);
/* Pass over the next value, whatever it is (validating all of it). */
int jr_skip(jreader_t *r);
/* 0 when only whitespace is left. */
int jr_finish(jreader_t *r);
/* Decode s into dst (room for s->len + 1 bytes), NUL-terminated; returns
 * the decoded length.  s must come from jr_string/jr_member (validated). */
size_t jr_decode(const jstr_t *s, char *dst);
/* Fail with msg at the current position (for callers' own syntax rules,
 * e.g. duplicate keys); always -1. */
int jr_fail(jreader_t *r, const char *msg);
/* The error with its position: line and column (1-based, in bytes). */
const char *jr_error(const jreader_t *r, int *line, int *column);

#endif
