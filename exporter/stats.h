/* stats: the model of one Locust stats snapshot, decoded with jansson from
 * the JSON of GET /stats/requests of any Locust version (1.x to 2.4x).
 *
 * Version differences are absorbed here so the collector sees one shape:
 * "hatching" reads as spawning, the window percentiles come from whichever
 * of current_response_time_percentile_50/_95, _1/_2 or the
 * current_response_time_percentiles dict exists, per-row percentiles from
 * ninetieth/ninety_ninth_response_time or response_time_percentile_<p>.
 * Absent or null numbers are NAN.  Strings are decoded, NUL-terminated and
 * owned by the snapshot until the next parse or snapshot_free; a \u0000 in
 * one reads as '?'.
 *
 * Decoding is bounded: the memory jansson may take for one document
 * (max_decode) and the rows of stats, errors and workers (max_rows); an
 * answer beyond either is RS_TOO_LARGE, never a partial model. */
#ifndef LE_STATS_H
#define LE_STATS_H

#include <stddef.h>

#include "buf.h"
#include "reason.h"

typedef enum {
	ST_READY,
	ST_SPAWNING,
	ST_RUNNING,
	ST_CLEANUP,
	ST_STOPPING,
	ST_STOPPED,
	ST_MISSING,
	ST__COUNT,
	ST_UNKNOWN = ST__COUNT,
} lstate_t;

extern const char *const lstate_names[ST__COUNT];
/* "hatching" maps to ST_SPAWNING; anything unknown to ST_UNKNOWN. */
lstate_t lstate_parse(const char *s);

#define STATS_MAX_Q 12

typedef struct {
	double q;  /* 0..1 */
	double ms; /* response time in milliseconds */
} quantile_t;

typedef struct {
	const char *method; /* "" when null */
	size_t method_len;
	const char *name;
	size_t name_len;
	double num_requests, num_failures;
	double avg_ms, min_ms, max_ms, median_ms;
	double current_rps, current_fail_per_sec;
	double total_rps, total_fail_per_sec; /* 2.31+ */
	double avg_content_length;
	quantile_t pct[STATS_MAX_Q]; /* sorted by q, without 0.5 */
	int npct;
} stat_row_t;

typedef struct {
	const char *method, *name, *error;
	size_t method_len, name_len, error_len;
	double occurrences;
} error_row_t;

typedef struct {
	const char *id;
	size_t id_len;
	const char *state_str;
	lstate_t state;
	double user_count, cpu_percent, memory_bytes;
} worker_row_t;

typedef struct {
	const char *state_str;
	lstate_t state;
	double user_count, fail_ratio;
	double total_rps, total_fail_per_sec;
	double current_rps, current_fail_per_sec; /* aggregate window */
	double worker_count;                      /* 2.37.2+ or NAN */
	quantile_t cur_pct[STATS_MAX_Q];           /* window percentiles */
	int ncur_pct;
	stat_row_t *rows; /* endpoints, without the aggregate row */
	size_t nrows, rows_cap;
	stat_row_t total;
	int has_total;
	error_row_t *errors;
	size_t nerrors, errors_cap;
	worker_row_t *workers;
	size_t nworkers, workers_cap;
	int has_workers;
	int legacy_escaping; /* 1: <= 2.27, errors[] HTML-escaped (and repr'd twice
			      * on masters); 2: CSV source, repr'd twice only */
	void *mem;           /* the strings' memory (stats.c) */
	size_t max_decode;   /* bytes jansson may allocate for one document; 0: no limit */
	size_t max_rows;     /* stats + errors + workers rows; 0: no limit */
} snapshot_t;

/* A source key (JSON key, CSV column) and the offset of the double field
 * it fills in stat_row_t or snapshot_t: the parsers' tables are rows of it. */
typedef struct {
	const char *key;
	size_t off;
} stats_field_t;

/* An empty snapshot without limits; set max_decode/max_rows after it. */
void snapshot_init(snapshot_t *s);
void snapshot_free(snapshot_t *s);
/* Free all of s's memory, keeping its limits (after a hostile answer). */
void snapshot_release(snapshot_t *s);
/* Drop the previous data (keeping array capacity and limits) / make room
 * for rows and error rows; for other sources filling a snapshot
 * (csvsource.c). */
void snapshot_reset(snapshot_t *s);
int snapshot_reserve(snapshot_t *s, size_t rows, size_t errors);
/* -1 with a reason in detail when two stats rows share (method, name)
 * (the aggregate row counting as name "Aggregated"), two errors rows
 * share (method, name, error) or two workers share an id: Locust keys
 * them uniquely, and rendering them would repeat a series. */
int snapshot_check_unique(const snapshot_t *s, buf_t *detail);

/* -1 with a reason in detail when n rows (of stats, errors and workers)
 * are more than s->max_rows. */
int snapshot_check_rows(const snapshot_t *s, size_t n, buf_t *detail);

/* Decode body into s (reusing its arrays).  RS_OK, or RS_PARSE, RS_SCHEMA or
 * RS_TOO_LARGE with a one-line explanation in detail; on failure s holds
 * no data.  scratch: memory lent for the decoded tree (it comes back empty,
 * maybe grown, its contents gone), or NULL for the snapshot's own. */
reason_t snapshot_parse(snapshot_t *s, const char *body, size_t len, buf_t *scratch,
			buf_t *detail);

#endif
