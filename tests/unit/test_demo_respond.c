/* Unit tests: the demo app's one-send HTTP answer (respond_format) and its
 * keep-alive decision (httpd_keep_alive in lib/httpd.c, civetweb 1.15's rule). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "httpd.h"
#include "respond.h"

#define NOW ((time_t)1700000000) /* Tue, 14 Nov 2023 22:13:20 GMT */

static const char *format(buf_t *out, const char *version, const app_response_t *r,
		    const char *body, int zipped, int head, int keep_alive)
{
	buf_reset(out);
	respond_format(out, version, "OK", r, body, strlen(body), zipped, head,
		       keep_alive, NOW);
	assert_false(out->oom);
	return buf_str(out);
}

static void test_close(void **state)
{
	(void)state;
	app_response_t r = {.status = 200, .ctype = "text/html; charset=utf-8"};
	buf_t out;
	buf_init(&out);
	assert_string_equal(format(&out, "1.1", &r, "Hello", 0, 0, 0),
			    "HTTP/1.1 200 OK\r\n"
			    "Content-Type: text/html; charset=utf-8\r\n"
			    "Content-Length: 5\r\n"
			    "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
			    "Connection: close\r\n\r\nHello");
	buf_free(&out);
}

static void test_keep_alive_header(void **state)
{
	(void)state;
	app_response_t r = {.status = 200, .ctype = "text/plain"};
	buf_t out;
	buf_init(&out);
	assert_string_equal(format(&out, "1.0", &r, "ok", 0, 0, 1),
			    "HTTP/1.0 200 OK\r\n"
			    "Content-Type: text/plain\r\n"
			    "Content-Length: 2\r\n"
			    "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
			    "Connection: keep-alive\r\n\r\nok");
	buf_free(&out);
}

/* HEAD: the GET's headers (Content-Length included), no body, so a
 * kept-alive client knows where the next answer starts. */
static void test_head_and_optional_headers(void **state)
{
	(void)state;
	app_response_t r = {.status = 405, .ctype = "text/plain", .allow = "GET, HEAD",
			    .cache = "miss"};
	buf_t out;
	buf_init(&out);
	assert_string_equal(format(&out, "1.1", &r, "zzzz", 1, 1, 1),
			    "HTTP/1.1 405 OK\r\n"
			    "Content-Type: text/plain\r\n"
			    "Content-Encoding: gzip\r\n"
			    "Allow: GET, HEAD\r\n"
			    "X-Cache: miss\r\n"
			    "Content-Length: 4\r\n"
			    "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
			    "Connection: keep-alive\r\n\r\n");
	buf_free(&out);
}

static void test_binary_body(void **state)
{
	(void)state;
	app_response_t r = {.status = 200, .ctype = "application/octet-stream"};
	const char body[] = {'a', '\0', 'b'};
	buf_t out;
	buf_init(&out);
	respond_format(&out, "1.1", "OK", &r, body, sizeof body, 0, 0, 0, NOW);
	assert_false(out.oom);
	assert_non_null(strstr(buf_str(&out), "Content-Length: 3\r\n"));
	assert_memory_equal(out.data + out.len - 3, body, 3);
	buf_free(&out);
}

static void test_keep_alive_rule(void **state)
{
	(void)state;
	/* off: never, whatever the client asks */
	assert_false(httpd_keep_alive(0, "1.1", NULL, NULL));
	assert_false(httpd_keep_alive(0, "1.0", "keep-alive", NULL));
	/* no Connection header: the version's default */
	assert_true(httpd_keep_alive(1, "1.1", NULL, NULL));
	assert_false(httpd_keep_alive(1, "1.0", NULL, NULL));
	assert_false(httpd_keep_alive(1, NULL, NULL, NULL));
	/* the header decides, in either version */
	assert_true(httpd_keep_alive(1, "1.0", "keep-alive", NULL));
	assert_true(httpd_keep_alive(1, "1.0", "Keep-Alive", NULL));
	assert_false(httpd_keep_alive(1, "1.1", "close", NULL));
	assert_false(httpd_keep_alive(1, "1.1", "", NULL));
	assert_true(httpd_keep_alive(1, "1.1", "TE, keep-alive", NULL));
	assert_true(httpd_keep_alive(1, "1.1", "foo,keep-alive ", NULL));
	assert_true(httpd_keep_alive(1, "1.1", " keep-alive=1", NULL));
	assert_false(httpd_keep_alive(1, "1.1", "keep-alivex", NULL));
	assert_false(httpd_keep_alive(1, "1.1", " , ,", NULL));
	/* civetweb's prefix match */
	assert_true(httpd_keep_alive(1, "1.1", "x, keep", NULL));
	/* an upgrade without an Upgrade header closes; with one it does not */
	assert_false(httpd_keep_alive(1, "1.1", "keep-alive, Upgrade", NULL));
	assert_true(httpd_keep_alive(1, "1.1", "keep-alive, Upgrade", "h2c"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_keep_alive_header),
		cmocka_unit_test(test_head_and_optional_headers),
		cmocka_unit_test(test_binary_body),
		cmocka_unit_test(test_keep_alive_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
