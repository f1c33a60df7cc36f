/* test_expo: the exposition writer (lib/expo.c): label and HELP escaping,
 * number formatting that reads back bit-exact, headers and sample lines.
 * Deterministic: the random doubles come from a fixed-seed generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expo.h"

/* ---- helpers ------------------------------------------------------------ */

static char *esc(const char *s, size_t len)
{
	buf_t b;
	buf_init(&b);
	expo_escape_label(&b, s, len);
	assert_false(b.oom);
	char *r = strdup(buf_str(&b));
	buf_free(&b);
	return r;
}

static char *num(double v)
{
	buf_t b;
	buf_init(&b);
	expo_double(&b, v);
	char *r = strdup(buf_str(&b));
	buf_free(&b);
	return r;
}

/* Undo label escaping the way Prometheus' parser does; NULL if the text
 * holds a bare quote, a bare newline or an unknown escape. */
static char *unesc(const char *s, size_t *outlen)
{
	size_t n = strlen(s), w = 0;
	char *r = malloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\n')
			goto bad;
		if (s[i] != '\\') {
			r[w++] = s[i];
			continue;
		}
		if (++i == n)
			goto bad;
		if (s[i] == '\\' || s[i] == '"')
			r[w++] = s[i];
		else if (s[i] == 'n')
			r[w++] = '\n';
		else
			goto bad;
	}
	r[w] = '\0';
	*outlen = w;
	return r;
bad:
	free(r);
	return NULL;
}

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
static int valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (i + n > len)
			return 0;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: fixed seed, same sequence on every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* ---- label escaping ------------------------------------------------------ */

static void test_escape_specials(void **st)
{
	(void)st;
	struct { const char *in, *out; } cases[] = {
		{"plain /path?q=1", "plain /path?q=1"},
		{"a\"b", "a\\\"b"},
		{"back\\slash", "back\\\\slash"},
		{"line1\nline2", "line1\\nline2"},
		{"\\n", "\\\\n"},
		{"\"\\\n", "\\\"\\\\\\n"},
		{"tab\tand\rcr", "tab\tand\rcr"}, /* only \\ \" \n are escaped */
		{"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = esc(cases[i].in, EXPO_STRLEN);
		assert_string_equal(r, cases[i].out);
		free(r);
	}
}

static void test_escape_utf8_valid(void **st)
{
	(void)st;
	const char *s[] = {"caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xf0\x9f\x90\x9b bug",
			   "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf" /* U+10FFFF */};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		char *r = esc(s[i], EXPO_STRLEN);
		assert_string_equal(r, s[i]);
		free(r);
	}
}

static void test_escape_utf8_invalid(void **st)
{
	(void)st;
	struct { const char *in; size_t len; const char *out; } cases[] = {
		{"a\xff" "b", 3, "a\xef\xbf\xbd" "b"},
		{"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},           /* overlong '/' */
		{"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
		{"x\xe2\x82", 3, "x\xef\xbf\xbd\xef\xbf\xbd"},           /* truncated at end */
		{"\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
		{"\x80\"", 2, "\xef\xbf\xbd\\\""},                       /* stray continuation */
		{"\xe2\x82\xac\xe2", 4, "\xe2\x82\xac\xef\xbf\xbd"},      /* valid then cut */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = esc(cases[i].in, cases[i].len);
		assert_string_equal(r, cases[i].out);
		assert_true(valid_utf8((const unsigned char *)r, strlen(r)));
		free(r);
	}
}

static void test_escape_len_and_nul(void **st)
{
	(void)st;
	/* The length argument bounds the value: bytes after it are ignored. */
	char *r = esc("abc\"def", 4);
	assert_string_equal(r, "abc\\\"");
	free(r);
}

/* buf's size limit: growing beyond max fails (oom and over), what was
 * written stays, and reset makes the buffer usable again. */
static void test_buf_max(void **st)
{
	(void)st;
	buf_t b;
	buf_init(&b);
	b.max = 1000;
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "0123456789");
	assert_false(b.oom);
	assert_int_equal(b.len, 1000);
	assert_true(b.cap <= 1001);
	buf_putc(&b, 'x');
	assert_true(b.oom && b.over);
	assert_int_equal(b.len, 1000);
	buf_reset(&b);
	assert_false(b.oom || b.over);
	buf_puts(&b, "again");
	assert_string_equal(buf_str(&b), "again");
	buf_free(&b);
	assert_int_equal(b.max, 1000); /* the limit outlives the memory */
	buf_printf(&b, "%2000s", "");
	assert_true(b.over);
	buf_free(&b);
}

/* keep_t: twice the largest of the last KEEP_WINDOW uses is kept, so a
 * spike is given back after KEEP_WINDOW smaller uses. */
static void test_keep(void **st)
{
	(void)st;
	keep_t k = {{0}, 0};
	assert_int_equal(keep_note(&k, 100), 200);
	assert_int_equal(keep_note(&k, 5000), 10000);
	for (int i = 0; i < KEEP_WINDOW - 1; i++)
		assert_int_equal(keep_note(&k, 100), 10000);
	assert_int_equal(keep_note(&k, 100), 200);

	buf_t b;
	buf_init(&b);
	keep_t kb = {{0}, 0};
	buf_printf(&b, "%4000s", "");
	buf_keep(&b, &kb); /* its own size: kept */
	assert_non_null(b.data);
	buf_reset(&b);
	buf_puts(&b, "small");
	for (int i = 0; i < KEEP_WINDOW - 1; i++)
		buf_keep(&b, &kb);
	assert_non_null(b.data); /* the large use is still in the window */
	buf_keep(&b, &kb);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
}

static void test_escape_long_roundtrip(void **st)
{
	(void)st;
	/* 5000- and 200000-byte names with every special, round trip exact. */
	static const char *alphabet[] = {"a", "Z", "/", "\"", "\\", "\n", " ", "{", "}", "=", ",",
					  "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
	size_t sizes[] = {5000, 200000};
	for (size_t k = 0; k < 2; k++) {
		buf_t in;
		buf_init(&in);
		while (in.len < sizes[k])
			buf_puts(&in, alphabet[rng() % (sizeof alphabet / sizeof alphabet[0])]);
		char *e = esc(in.data, in.len);
		assert_non_null(e);
		assert_true(valid_utf8((const unsigned char *)e, strlen(e)));
		size_t ul;
		char *u = unesc(e, &ul);
		assert_non_null(u);
		assert_int_equal(ul, in.len);
		assert_memory_equal(u, in.data, ul);
		free(u);
		free(e);
		buf_free(&in);
	}
}

static void test_escape_random_bytes(void **st)
{
	(void)st;
	/* Arbitrary bytes: output is always valid UTF-8 with no bare quote or
	 * newline, and valid input round-trips. */
	for (int iter = 0; iter < 2000; iter++) {
		unsigned char in[64];
		size_t len = rng() % sizeof in;
		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)(rng() % 255 + 1);
		char *e = esc((const char *)in, len);
		assert_true(valid_utf8((const unsigned char *)e, strlen(e)));
		size_t ul;
		char *u = unesc(e, &ul);
		assert_non_null(u);
		if (valid_utf8(in, len)) {
			assert_int_equal(ul, len);
			assert_memory_equal(u, in, len);
		}
		free(u);
		free(e);
	}
}

/* ---- HELP, header, labelset, samples ------------------------------------ */

static void test_help_escaping(void **st)
{
	(void)st;
	buf_t b;
	buf_init(&b);
	expo_escape_help(&b, "a \"quoted\" \\ back\nslash");
	/* HELP escapes backslash and newline only; quotes stay. */
	assert_string_equal(buf_str(&b), "a \"quoted\" \\\\ back\\nslash");
	buf_free(&b);
}

static void test_header(void **st)
{
	(void)st;
	buf_t b;
	buf_init(&b);
	expo_family_t f = {"up", EXPO_GAUGE, "Up (1) or\ndown \\ 0."};
	expo_header(&b, "locust_", &f);
	assert_string_equal(buf_str(&b), "# HELP locust_up Up (1) or\\ndown \\\\ 0.\n# TYPE locust_up gauge\n");
	buf_reset(&b);
	expo_family_t g = {"x_total", EXPO_COUNTER, NULL};
	expo_header(&b, "", &g);
	assert_string_equal(buf_str(&b), "# HELP x_total \n# TYPE x_total counter\n");
	assert_string_equal(expo_type_name(EXPO_SUMMARY), "summary");
	assert_string_equal(expo_type_name(EXPO_HISTOGRAM), "histogram");
	assert_string_equal(expo_type_name(EXPO_UNTYPED), "untyped");
	buf_free(&b);
}

static void test_labelset_and_samples(void **st)
{
	(void)st;
	buf_t b;
	buf_init(&b);
	expo_label_t l[3] = {{"method", "GET", EXPO_STRLEN}, {"name", "/a\"b", EXPO_STRLEN}, {"e", NULL, 0}};
	expo_labelset(&b, l, 3);
	assert_string_equal(buf_str(&b), "{method=\"GET\",name=\"/a\\\"b\",e=\"\"}");
	buf_reset(&b);
	expo_labelset(&b, l, 0);
	assert_int_equal(b.len, 0);

	expo_sample(&b, "locust_", "users", NULL, NULL, 0, 4);
	expo_sample(&b, "locust_", "x", "_sum", l, 1, 0.5);
	assert_string_equal(buf_str(&b), "locust_users 4\nlocust_x_sum{method=\"GET\"} 0.5\n");

	/* expo_sample_ls: a pre-rendered set plus one extra label. */
	buf_t ls;
	buf_init(&ls);
	expo_labelset(&ls, l, 2);
	buf_reset(&b);
	expo_label_t q = {"quantile", "0.95", EXPO_STRLEN};
	expo_sample_ls(&b, "p_", "d", NULL, ls.data, ls.len, &q, 0.25);
	expo_sample_ls(&b, "p_", "d", "_count", ls.data, ls.len, NULL, 3);
	expo_sample_ls(&b, "p_", "c", NULL, NULL, 0, &q, 1);
	expo_sample_ls(&b, "p_", "c", NULL, NULL, 0, NULL, NAN);
	assert_string_equal(buf_str(&b),
			    "p_d{method=\"GET\",name=\"/a\\\"b\",quantile=\"0.95\"} 0.25\n"
			    "p_d_count{method=\"GET\",name=\"/a\\\"b\"} 3\n"
			    "p_c{quantile=\"0.95\"} 1\n"
			    "p_c NaN\n");
	buf_free(&ls);
	buf_free(&b);
}

/* ---- numbers --------------------------------------------------------------- */

static void test_number_special(void **st)
{
	(void)st;
	struct { double v; const char *s; } cases[] = {
		{NAN, "NaN"}, {INFINITY, "+Inf"}, {-INFINITY, "-Inf"},
		{0.0, "0"}, {-0.0, "0"}, {1, "1"}, {-1, "-1"}, {42, "42"},
		{0.1, "0.1"}, {0.5, "0.5"}, {-2.25, "-2.25"}, {1e-6, "0.000001"}, {123.456, "123.456"},
		{9007199254740992.0, "9007199254740992"},          /* 2^53 */
		{9007199254740994.0, "9007199254740994"},          /* 2^53 + 2 */
		{1e19, "10000000000000000000"},
		{18446744073709549568.0, "18446744073709549568"},  /* largest double below 2^64 */
		{-123456789012.0, "-123456789012"},
		{1e-7, "0.0000001"}, {1e-8, "1e-08"},
		{0.001, "0.001"}, {2.704370067290868, "2.704370067290868"},
		{1234567.000001, "1234567.000001"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = num(cases[i].v);
		assert_string_equal(s, cases[i].s);
		free(s);
	}
	volatile double a = 0.1, b = 0.2;
	char *s = num(a + b); /* needs all 17 significant digits */
	assert_string_equal(s, "0.30000000000000004");
	free(s);
	s = num(1.0 / 3.0); /* 16 are enough here (shortest form) */
	assert_string_equal(s, "0.3333333333333333");
	free(s);
}

static void check_roundtrip(double v)
{
	char *s = num(v);
	char *end;
	double back = strtod(s, &end);
	if (*end != '\0' || memcmp(&back, &v, sizeof v) != 0)
		fail_msg("%.17g printed as '%s' reads back as %.17g", v, s, back);
	/* Prometheus' grammar: no spaces, no lower-case inf/nan. */
	assert_null(strpbrk(s, " \t\n"));
	free(s);
}

static void test_number_roundtrip_random(void **st)
{
	(void)st;
	int done = 0;
	while (done < 50000) {
		uint64_t bits = rng();
		double v;
		memcpy(&v, &bits, sizeof v);
		if (!isfinite(v) || v == 0)
			continue;
		check_roundtrip(v);
		done++;
	}
	/* Values near the fast paths' edges. */
	for (int i = 0; i < 20000; i++) {
		double k = (double)(rng() % 9000000000000000ULL);
		check_roundtrip(k / 1e6);
		check_roundtrip(k / 1e7);
		check_roundtrip(nextafter(k / 1e6, INFINITY));
		check_roundtrip(-(k / 1e3));
		check_roundtrip((double)(rng() >> (rng() % 64)));
	}
	double edges[] = {DBL_MIN, 5e-324, DBL_MAX, -DBL_MAX, 9e9, 9e9 - 1e-6, nextafter(9e9, 0),
			  1e-6, nextafter(1e-6, 0), 9007199254740993.0, 18446744073709551616.0,
			  1e300, 1.7976931348623157e308, 0.1 + 0.2, 100.0 / 3};
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		check_roundtrip(edges[i]);
}

static void test_u64(void **st)
{
	(void)st;
	buf_t b;
	buf_init(&b);
	expo_u64(&b, 0);
	buf_putc(&b, ' ');
	expo_u64(&b, UINT64_MAX);
	assert_string_equal(buf_str(&b), "0 18446744073709551615");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_utf8_valid),
		cmocka_unit_test(test_escape_utf8_invalid),
		cmocka_unit_test(test_escape_len_and_nul),
		cmocka_unit_test(test_escape_long_roundtrip),
		cmocka_unit_test(test_escape_random_bytes),
		cmocka_unit_test(test_help_escaping),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_labelset_and_samples),
		cmocka_unit_test(test_number_special),
		cmocka_unit_test(test_number_roundtrip_random),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_buf_max),
		cmocka_unit_test(test_keep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
