/* fixture: read a Locust payload from tests/fixtures/locust/ (or $FIXTURES)
 * for the exporter's cmocka tests.  Include after <cmocka.h>. */
#ifndef LE_TEST_FIXTURE_H
#define LE_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"

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

#endif
