/* fixture: read a Locust payload from tests/fixtures/locust/ (or $FIXTURES)
 * for the exporter's cmocka tests, and parse it.  Include after <cmocka.h>. */
#ifndef LE_TEST_FIXTURE_H
#define LE_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "reason.h"
#include "stats.h"

/* The whole file (malloc'd, NUL-terminated); fails the test if unreadable. */
static inline char *read_fixture(const char *rel, size_t *len)
{
	const char *dir = getenv("FIXTURES");
	buf_t path, b;
	buf_init(&path);
	buf_init(&b);
	buf_printf(&path, "%s/%s", dir ? dir : "tests/fixtures/locust", rel);
	FILE *f = fopen(buf_str(&path), "rb");
	if (!f)
		fail_msg("cannot open fixture %s (run from the repo root or set FIXTURES)", buf_str(&path));
	buf_free(&path);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&b, chunk, n);
	fclose(f);
	assert_false(b.oom);
	*len = b.len;
	return b.data;
}

/* Parse a fixture into snap (the body it points into replaces *body);
 * fails the test unless it parses. */
static inline void parse_fixture(snapshot_t *snap, char **body, const char *rel)
{
	size_t len;
	buf_t detail;
	buf_init(&detail);
	free(*body);
	*body = read_fixture(rel, &len);
	reason_t r = snapshot_parse(snap, *body, len, NULL, &detail);
	if (r != RS_OK)
		fail_msg("%s: %s: %s", rel, reason_names[r], buf_str(&detail));
	buf_free(&detail);
}

#endif
