/* promcheck: a strict validator of Prometheus text exposition (0.0.4),
 * used by the fuzz harness on every rendered output and by the sanitizer
 * and valgrind smoke tests on real /metrics answers.
 *
 * Stricter than Prometheus on purpose, so that whatever passes here is
 * accepted by any scraper:
 *   - every line ends with '\n'; lines are `# HELP name text`,
 *     `# TYPE name type` or `name{label="value",...} value` (no empty
 *     lines, no other comments, no timestamps, single spaces);
 *   - the whole text is valid UTF-8 without NUL bytes;
 *   - metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 *     [a-zA-Z_][a-zA-Z0-9_]* not starting with "__", no label twice;
 *   - label values escape only \\ \" \n; HELP text only \\ \n;
 *   - values are NaN, +Inf, -Inf or a decimal float that strtod reads;
 *   - every sample belongs to the family of the TYPE line before it
 *     (summary: name, _sum, _count; histogram: _bucket, _sum, _count),
 *     each family appears once, as one contiguous block, HELP and TYPE at
 *     most once and before its samples;
 *   - summary quantile / histogram le labels are present and numeric;
 *   - no series (name + label set, in any label order) appears twice. */
#ifndef LE_PROMCHECK_H
#define LE_PROMCHECK_H

#include <stddef.h>

/* 0 when text[0..len) is valid; otherwise -1 and a one-line explanation
 * ("line N: ...") in err (always NUL-terminated when errlen > 0). */
int promcheck(const char *text, size_t len, char *err, size_t errlen);

#endif
