/* expo: the Prometheus text exposition format (0.0.4) writer.
 *
 * Owns HELP/TYPE headers, label-value escaping and exact, fast number
 * formatting.  Both programs render their /metrics through it; callers
 * describe their metric families once, in a table of expo_family_t rows. */
#ifndef LE_EXPO_H
#define LE_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef enum {
	EXPO_GAUGE,
	EXPO_COUNTER,
	EXPO_SUMMARY,
	EXPO_HISTOGRAM,
	EXPO_UNTYPED,
} expo_type_t;

/* One row of a metric table: name (after the prefix), type, HELP text. */
typedef struct {
	const char *name;
	expo_type_t type;
	const char *help;
} expo_family_t;

/* A label pair; len is the value's length (EXPO_STRLEN: use strlen). */
typedef struct {
	const char *name;
	const char *value;
	size_t len;
} expo_label_t;

#define EXPO_STRLEN ((size_t)-1)

const char *expo_type_name(expo_type_t t);

/* "# HELP <prefix><name> <help>\n# TYPE <prefix><name> <type>\n" */
void expo_header(buf_t *out, const char *prefix, const expo_family_t *f);

/* Escape a label value: backslash, double quote and newline; invalid
 * UTF-8 bytes become U+FFFD so that the output is always valid UTF-8. */
void expo_escape_label(buf_t *out, const char *s, size_t len);
/* Replace, in place, every NUL byte and every byte that is not part of a
 * valid UTF-8 sequence with '?'; returns how many were replaced.  For
 * sources that are not validated on input (CSV files): afterwards, equal
 * label values are equal bytes, since escaping is then one-to-one. */
size_t expo_utf8_scrub(char *s, size_t len);

/* Escape HELP text: backslash and newline. */
void expo_escape_help(buf_t *out, const char *s);

/* Append `{a="x",b="y"}` (nothing when n == 0). */
void expo_labelset(buf_t *out, const expo_label_t *labels, size_t n);

/* A number the way Prometheus reads it back bit-exact: NaN, +Inf, -Inf,
 * integers without exponent, otherwise the shortest %.{15,16,17}g. */
void expo_double(buf_t *out, double v);
void expo_u64(buf_t *out, uint64_t v);

/* The same text written to dst (room for EXPO_DOUBLE_MAX bytes, no NUL);
 * returns its length. */
#define EXPO_DOUBLE_MAX 40
size_t expo_fmt_double(char *dst, double v);

/* One sample line from pre-rendered pieces, with one reservation:
 * a b c " " <v> "\n" (series name, labelset, more labelset; any may be
 * empty, with NULL only when its length is 0). */
void expo_line(buf_t *out, const char *a, size_t al, const char *b, size_t bl,
	       const char *c, size_t cl, double v);

/* One sample line: <prefix><name><suffix><labelset> <value>\n where
 * labelset is pre-rendered text from expo_labelset (may be NULL/empty) and
 * extra (may be NULL) is one more label appended inside the braces. */
void expo_sample_ls(buf_t *out, const char *prefix, const char *name,
		    const char *suffix, const char *labelset, size_t lslen,
		    const expo_label_t *extra, double v);

/* Convenience: one sample with labels given as pairs. */
void expo_sample(buf_t *out, const char *prefix, const char *name,
		 const char *suffix, const expo_label_t *labels, size_t n,
		 double v);

#endif
