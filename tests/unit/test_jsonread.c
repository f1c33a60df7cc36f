/* test_jsonread: exporter/jsonread.c's numbers and strings against the C
 * library.  Every number must read as strtod reads it (bit for bit: the
 * fast path must round exactly as strtod does), integers as
 * (double)(long long); decoded strings must be the UTF-8 of their escapes.
 * The syntax as a whole is held to jansson by the fuzz_json harness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Read text as one JSON number; fails the test if it is refused. */
static double read_number(const char *text)
{
	jreader_t r;
	double d = -1;
	jr_init(&r, text, strlen(text));
	if (jr_number(&r, &d) || jr_finish(&r)) {
		int line, col;
		fail_msg("'%s' refused: %s", text, jr_error(&r, &line, &col));
	}
	return d;
}

static void assert_same_bits(const char *text, double got, double want)
{
	if (memcmp(&got, &want, sizeof got) != 0)
		fail_msg("'%s': read %.17g, strtod gives %.17g", text, got, want);
}

/* A random decimal: 1-20 significant digits, a point anywhere, an
 * optional exponent, the shapes Locust and hand-written documents use. */
static void random_decimal(char *out, size_t cap)
{
	int digits = 1 + (int)(next() % 20), point = (int)(next() % (unsigned)(digits + 1));
	size_t n = 0;
	if (next() % 4 == 0)
		out[n++] = '-';
	int lead = (int)(next() % 4); /* 0.000ddd */
	if (point == 0) {
		out[n++] = '0';
		out[n++] = '.';
		for (int i = 0; i < lead; i++)
			out[n++] = '0';
	}
	for (int i = 0; i < digits; i++) {
		if (i == point && point > 0)
			out[n++] = '.';
		int d = (int)(next() % 10);
		if (i == 0 && point != 0 && d == 0)
			d = 1 + (int)(next() % 9);
		out[n++] = (char)('0' + d);
	}
	if (point == digits && (digits >= 19 || next() % 2)) { /* else an integer */
		out[n++] = '.';
		out[n++] = '5';
	}
	if (next() % 3 == 0)
		n += (size_t)snprintf(out + n, cap - n, "e%d", (int)(next() % 80) - 40);
	out[n] = '\0';
}

static void test_decimals_like_strtod(void **st)
{
	(void)st;
	char text[64];
	for (int i = 0; i < 300000; i++) {
		random_decimal(text, sizeof text);
		double want = strchr(text, '.') || strchr(text, 'e') ? strtod(text, NULL)
								      : (double)strtoll(text, NULL, 10);
		assert_same_bits(text, read_number(text), want);
	}
}

/* Values printed the way Python's json prints them (repr: shortest
 * round trip), i.e. Locust's own numbers, read back exactly. */
static void test_round_trip_of_doubles(void **st)
{
	(void)st;
	char text[64];
	for (int i = 0; i < 200000; i++) {
		uint64_t bits = next();
		double v;
		memcpy(&v, &bits, sizeof v);
		if (!isfinite(v))
			continue;
		if (i % 2)
			v = (double)(next() % 1000000) / 1000.0 + (double)(next() % 1000) / 7.0;
		snprintf(text, sizeof text, "%.17g", v);
		if (!strpbrk(text, ".e"))
			strcat(text, ".0");
		assert_same_bits(text, read_number(text), v);
	}
}

static void test_edges(void **st)
{
	(void)st;
	static const char *const reals[] = {
		"0.0", "-0.0", "1e22", "1e23", "9007199254740993.0", "9007199254740992.5",
		"4.9406564584124654e-324", "2.2250738585072011e-308", "1.7976931348623157e308",
		"0.1", "0.30000000000000004", "123456789012345678901234567890.0", "1e-400",
		"0.0000000000000000000000000001", "1.00000000000000011102230246251565404236316680908203125",
	};
	for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
		assert_same_bits(reals[i], read_number(reals[i]), strtod(reals[i], NULL));
	assert_same_bits("-0", read_number("-0"), 0.0);
	assert_same_bits("9223372036854775807", read_number("9223372036854775807"), (double)INT64_MAX);
	assert_same_bits("-9223372036854775808", read_number("-9223372036854775808"), (double)INT64_MIN);
	static const char *const bad[] = {
		"9223372036854775808", "-9223372036854775809", "1e309", "-1e309", "01", "1.", ".1",
		"-", "1e", "1e+", "+1", "0x10", "Infinity", "NaN", "1.5.2",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		jreader_t r;
		double d;
		jr_init(&r, bad[i], strlen(bad[i]));
		if (jr_number(&r, &d) == 0 && jr_finish(&r) == 0)
			fail_msg("'%s' accepted as %g", bad[i], d);
		assert_non_null(r.err);
	}
}

static void test_strings(void **st)
{
	(void)st;
	static const struct { const char *json, *text; size_t len; } ok[] = {
		{"\"plain\"", "plain", 5},
		{"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
		{"\"\\u00e9\\u4E2D\"", "\xc3\xa9\xe4\xb8\xad", 5},
		{"\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!", 5},
		{"\"\xf0\x9f\x98\x80 \xc3\xa9\"", "\xf0\x9f\x98\x80 \xc3\xa9", 7},
		{"\"\"", "", 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		jreader_t r;
		jstr_t s;
		char out[64];
		jr_init(&r, ok[i].json, strlen(ok[i].json));
		assert_int_equal(jr_string(&r, &s), 0);
		assert_int_equal(jr_finish(&r), 0);
		assert_int_equal(jr_decode(&s, out), ok[i].len);
		assert_memory_equal(out, ok[i].text, ok[i].len + 1);
	}
	static const char *const bad[] = {
		"\"open", "\"\\u12\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "\"\\udc00\"", "\"\\u0000\"",
		"\"\\a\"", "\"\x01\"", "\"\xff\"", "\"\xc3\"", "\"\xe0\x80\x80\"", "\"\xed\xb0\x80\"",
		"\"\xf5\x80\x80\x80\"", "\"\\",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		jreader_t r;
		jstr_t s;
		jr_init(&r, bad[i], strlen(bad[i]));
		if (jr_string(&r, &s) == 0)
			fail_msg("bad string %zu accepted", i);
		int line, col;
		assert_true(strlen(jr_error(&r, &line, &col)) > 0);
		assert_int_equal(line, 1);
		assert_true(col >= 1 && (size_t)col <= strlen(bad[i]) + 1);
	}
}

/* The error position is the line and column of the offending byte. */
static void test_error_position(void **st)
{
	(void)st;
	const char *doc = "{\n  \"a\": [1,\n    2,,\n  ]\n}";
	jreader_t r;
	int line, col;
	jr_init(&r, doc, strlen(doc));
	assert_int_equal(jr_skip(&r), -1);
	jr_error(&r, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimals_like_strtod),
		cmocka_unit_test(test_round_trip_of_doubles),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_error_position),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
