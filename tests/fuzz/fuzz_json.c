/* fuzz_json: libFuzzer harness that holds exporter/jsonread.c to jansson,
 * the reference decoder, on any input.
 *
 * Both read the input as one JSON value (jansson with JSON_DECODE_ANY) and
 * write it out in the same canonical form (type tags, decoded strings with
 * their lengths, numbers as the bits of their double: jansson's integers
 * as (double)json_integer_value).  It aborts when
 *   - one accepts the input and the other refuses it (a NUL byte is never
 *     valid JSON: the reader must refuse it; jansson stops reading at one
 *     in places, so its verdict on such input is not compared);
 *   - both accept it and the canonical forms differ (checked when jansson
 *     finds no duplicate key: with duplicates jansson keeps one value, the
 *     reader reports both, and the exporter rejects duplicates of the keys
 *     it reads itself, see stats.c);
 *   - the reader's error position is outside the input.
 * ASan/UBSan catch the rest.  Run by `make check-fuzz` (tests/fuzz/run.sh json). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonread.h"

static buf_t ours, theirs;
static char *scratch;
static size_t scratch_cap;

static void die(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_json: %s\n--- input (%zu bytes) ---\n%.*s\n--- end ---\n", what, size,
		(int)(size < 2000 ? size : 2000), (const char *)data);
	abort();
}

static void put_str(buf_t *o, const char *s, size_t n)
{
	buf_putc(o, 'S');
	buf_put(o, &n, sizeof n);
	buf_put(o, s, n);
}

static void put_num(buf_t *o, double d)
{
	buf_putc(o, 'N');
	buf_put(o, &d, sizeof d);
}

/* The decoded text of a reader string (scratch grows as needed). */
static const char *decode(const jstr_t *s, size_t *n)
{
	if (s->len + 1 > scratch_cap) {
		free(scratch);
		scratch_cap = s->len + 1;
		scratch = malloc(scratch_cap);
		if (!scratch)
			abort();
	}
	*n = jr_decode(s, scratch);
	return scratch;
}

static int walk_ours(jreader_t *r, buf_t *o)
{
	jstr_t s;
	double d;
	int n = 0, rc;
	size_t len;
	const char *t;
	switch (jr_type(r)) {
	case JT_OBJECT:
		buf_putc(o, 'O');
		while ((rc = jr_member(r, &n, &s)) == 1) {
			t = decode(&s, &len);
			put_str(o, t, len);
			if (walk_ours(r, o))
				return -1;
		}
		buf_putc(o, 'E');
		return rc;
	case JT_ARRAY:
		buf_putc(o, 'A');
		while ((rc = jr_item(r, &n)) == 1)
			if (walk_ours(r, o))
				return -1;
		buf_putc(o, 'E');
		return rc;
	case JT_STRING:
		if (jr_string(r, &s))
			return -1;
		t = decode(&s, &len);
		put_str(o, t, len);
		return 0;
	case JT_NUMBER:
		if (jr_number(r, &d))
			return -1;
		put_num(o, d);
		return 0;
	case JT_TRUE:
	case JT_FALSE:
	case JT_NULL:
		buf_putc(o, "TFZ"[jr_type(r) - JT_TRUE]);
		return jr_literal(r);
	default:
		return jr_skip(r); /* fails, with the reader's own message */
	}
}

static void walk_jansson(const json_t *v, buf_t *o)
{
	const char *key;
	json_t *x;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_putc(o, 'O');
		json_object_foreach((json_t *)v, key, x) {
			put_str(o, key, strlen(key));
			walk_jansson(x, o);
		}
		buf_putc(o, 'E');
		break;
	case JSON_ARRAY:
		buf_putc(o, 'A');
		json_array_foreach(v, i, x)
			walk_jansson(x, o);
		buf_putc(o, 'E');
		break;
	case JSON_STRING:
		put_str(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_num(o, (double)json_integer_value(v));
		break;
	case JSON_REAL:
		put_num(o, json_real_value(v));
		break;
	case JSON_TRUE: buf_putc(o, 'T'); break;
	case JSON_FALSE: buf_putc(o, 'F'); break;
	case JSON_NULL: buf_putc(o, 'Z'); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jreader_t r;
	json_error_t err;
	buf_reset(&ours);
	buf_reset(&theirs);
	jr_init(&r, (const char *)data, size);
	int ok_ours = walk_ours(&r, &ours) == 0 && jr_finish(&r) == 0;
	json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, &err);
	if (!ok_ours) {
		int line, col;
		const char *msg = jr_error(&r, &line, &col);
		if (!r.err || r.err_at < r.start || r.err_at > r.end || !msg[0] || line < 1 || col < 1)
			die("refused without a located error", data, size);
	}
	if (memchr(data, 0, size)) {
		if (ok_ours)
			die("jsonread accepts a NUL byte", data, size);
		json_decref(root);
		return 0;
	}
	if (ok_ours != (root != NULL)) {
		fprintf(stderr, "jansson: %s\n", root ? "accepts" : err.text);
		if (!ok_ours) {
			int line, col;
			fprintf(stderr, "jsonread: %s\n", jr_error(&r, &line, &col));
		}
		die(ok_ours ? "jsonread accepts what jansson refuses" : "jsonread refuses what jansson accepts",
		    data, size);
	}
	if (root) {
		json_t *strict = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
		if (strict) {
			walk_jansson(root, &theirs);
			if (ours.oom || theirs.oom)
				abort();
			if (ours.len != theirs.len || memcmp(ours.data, theirs.data, ours.len) != 0)
				die("jsonread and jansson read different values", data, size);
			json_decref(strict);
		}
		json_decref(root);
	}
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	buf_init(&ours);
	buf_init(&theirs);
	return 0;
}
