/* openmetrics: OpenMetrics 1.0 text, chosen by content negotiation.
 *
 * Owns the Accept-header negotiation between the Prometheus text format
 * 0.0.4 (the default) and OpenMetrics (what Prometheus >= 2.5 asks for
 * first), and the OpenMetrics form of an exposition written by lib/expo.
 * Both formats share the sample-line syntax (names, label escaping,
 * numbers), so the OpenMetrics form is the 0.0.4 text with its metadata
 * rewritten and "# EOF" appended; every program renders once, in 0.0.4,
 * and converts on the way out when the client asked for OpenMetrics.
 *
 * The rewrite, per family:
 * - counter "x_total" -> "# TYPE x counter" (samples keep x_total);
 *   a counter whose name lacks "_total" (the compat set's
 *   locust_total_scrapes) or whose "x" is another family's name (compat
 *   locust_errors beside native locust_errors_total) becomes "unknown"
 *   under its full name, so every sample keeps its name and type-free
 *   ingestors store the same series in both formats;
 * - untyped -> unknown; gauge, summary and histogram unchanged;
 * - "# UNIT name u" when the family name ends in "_u" for a base unit
 *   (seconds, bytes, ratio, ...); TYPE, UNIT, HELP in that order;
 * - HELP text: '"' escaped as well (OpenMetrics escapes \\ \n \");
 * - other comment lines are dropped (OpenMetrics allows none).
 * Sample lines are copied unchanged: "le" and "quantile" label values keep
 * the 0.0.4 rendering ("1", not "1.0"), so a Prometheus that switches to
 * OpenMetrics keeps the same series (the specification lets exposers in C
 * use their own rendering there; parsers must accept it). */
#ifndef LE_OPENMETRICS_H
#define LE_OPENMETRICS_H

#include <stddef.h>

#include "buf.h"

#define OM_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define OM_CONTENT_TYPE_0_0_1 "application/openmetrics-text; version=0.0.1; charset=utf-8"

typedef enum {
	FMT_TEXT = 0,          /* text/plain; version=0.0.4 */
	FMT_OPENMETRICS,       /* application/openmetrics-text; version=1.0.0 */
	FMT_OPENMETRICS_0_0_1, /* the same text, labelled with the pre-1.0 version */
} expo_format_t;

/* The format an Accept header asks for, as client_golang negotiates:
 * among the media ranges text/plain (version 0.0.4 or none) and
 * application/openmetrics-text (version 1.0.0, 0.0.1 or none, which means
 * 1.0.0), the one with the highest q wins, the earliest on a tie; q=0
 * refuses.  Anything else, or no header (NULL), is FMT_TEXT. */
expo_format_t om_negotiate(const char *accept);

/* Content-Type of an answer in format f. */
const char *om_content_type(expo_format_t f);

/* Append to out the OpenMetrics form of text[0..len) (an exposition as
 * lib/expo writes it: "# HELP" and "# TYPE" lines, sample lines, no blank
 * lines), ending in "# EOF\n".  Out of memory sets out->oom. */
void om_from_text(buf_t *out, const char *text, size_t len);

/* The body of an answer in format f: text itself for FMT_TEXT, else its
 * OpenMetrics form built in scratch (reset first).  *outlen gets its
 * length; NULL when memory ran out. */
const char *om_body(expo_format_t f, const char *text, size_t len, buf_t *scratch,
		    size_t *outlen);

#endif
