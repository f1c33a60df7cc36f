/* Unit tests: web config loading (webconfig), basic-auth checking and its
 * base64 decoder (basicauth).  Files are written to a mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basicauth.h"
#include "webconfig.h"

static char dir[] = "/tmp/le-webconfig-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void b64(const char *in, const char *want)
{
	buf_t out;
	buf_init(&out);
	int rc = basicauth_b64decode(in, strlen(in), &out);
	if (!want) {
		assert_int_equal(rc, -1);
	} else {
		assert_int_equal(rc, 0);
		assert_int_equal(out.len, strlen(want));
		assert_memory_equal(out.data ? out.data : "", want, out.len);
	}
	buf_free(&out);
}

static void test_b64(void **st)
{
	(void)st;
	b64("YWxpY2U6cHc=", "alice:pw");
	b64("YWxpY2U6cHc", "alice:pw");
	b64("YQ==", "a");
	b64("YWI=", "ab");
	b64("", "");
	b64("!!!!", NULL);
	b64("Y", NULL);         /* a dangling character */
	b64("YR==", NULL);      /* non-zero spare bits */
	b64("YQ==YQ==", NULL);  /* data after padding */
	b64("Y=Q=", NULL);
	b64("YQ=", NULL);       /* padding on a length that is not a multiple of 4 */
}

static void test_load_full(void **st)
{
	(void)st;
	write_file("tls.crt", "x");
	const char *p = write_file("web.yml",
		"tls_server_config:\n"
		"  cert_file: tls.crt\n"
		"  key_file: /abs/tls.key\n"
		"  client_ca_file: ca.crt\n"
		"  client_auth_type: RequireAndVerifyClientCert\n"
		"  min_version: TLS13\n"
		"  prefer_server_cipher_suites: yes\n"
		"basic_auth_users:\n"
		"  alice: $2y$04$abcdefghijklmnopqrstuuJ3kmAZzx6ufzcXDI3EhJwPM9pDUwJQ6\n"
		"  bob: \"$2b$04$abcdefghijklmnopqrstuuJ3kmAZzx6ufzcXDI3EhJwPM9pDUwJQ6\"\n"
		"http_server_config:\n"
		"  http2: false\n");
	webconfig_t wc;
	buf_t err;
	buf_init(&err);
	assert_int_equal(webconfig_load(&wc, p, &err), 0);
	char want[300];
	snprintf(want, sizeof want, "%s/tls.crt", dir);
	assert_string_equal(wc.cert_file, want);
	assert_string_equal(wc.key_file, "/abs/tls.key");
	assert_int_equal(wc.tls, 1);
	assert_int_equal(wc.client_auth, CLIENT_AUTH_REQUIRE_VERIFY);
	assert_int_equal(wc.min_version, 0x0304);
	assert_int_equal(wc.max_version, 0);
	assert_int_equal(wc.prefer_server_ciphers, 1);
	assert_int_equal(wc.nusers, 2);
	assert_string_equal(wc.users[1].name, "bob");
	webconfig_free(&wc);
	buf_free(&err);
}

static void expect_error(const char *yaml, const char *want)
{
	webconfig_t wc;
	buf_t err;
	buf_init(&err);
	const char *p = write_file("bad.yml", yaml);
	assert_int_equal(webconfig_load(&wc, p, &err), -1);
	if (!strstr(buf_str(&err), want))
		fail_msg("error '%s' lacks '%s'", buf_str(&err), want);
	assert_null(strchr(buf_str(&err), '\n'));
	assert_null(wc.users);
	buf_free(&err);
}

static void test_load_errors(void **st)
{
	(void)st;
	expect_error("a: [", "line");
	expect_error("basic_auth_users:\n  alice: x\n  bob: y\n", "not a bcrypt hash");
	expect_error("basic_auth_users:\n  alice: $2y$04$abcdefghijklmnopqrstuuJ3kmAZzx6ufzcXDI3EhJwPM9pDUwJQ6\n"
		     "  bad: short\n", "not a bcrypt hash");
	expect_error("tls_server_config:\n  cert_file: a\n  cert_file: b\n  key_file: c\n", "appears twice");
	expect_error("tls_server_config:\n  key_file: c\n", "both cert_file and key_file");
	expect_error("tls_server_config: 3\n", "must be a mapping");
	expect_error("tls_server_config:\n  cert_file: [a]\n", "must be a string");
	expect_error("tls_server_config:\n  curve_preferences: [X25519]\n", "not supported");
	expect_error("extra: 1\n", "unknown key extra");
}

static void test_load_empty(void **st)
{
	(void)st;
	webconfig_t wc;
	buf_t err;
	buf_init(&err);
	assert_int_equal(webconfig_load(&wc, write_file("empty.yml", ""), &err), 0);
	assert_int_equal(wc.tls, 0);
	assert_int_equal(wc.nusers, 0);
	webconfig_free(&wc);
	assert_int_equal(webconfig_load(&wc, write_file("nulls.yml", "tls_server_config: ~\nbasic_auth_users:\n"), &err), 0);
	webconfig_free(&wc);
	buf_free(&err);
}

static void test_check(void **st)
{
	(void)st;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	memset(&cd, 0, sizeof cd);
	assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof salt));
	char *hash = strdup(crypt_r("pw", salt, &cd));
	assert_non_null(hash);
	webuser_t users[] = {{"alice", hash}};
	buf_t err, out;
	buf_init(&err);
	buf_init(&out);
	basicauth_t *a = basicauth_new(users, 1, &err);
	assert_non_null(a);
	assert_int_equal(basicauth_check(a, "Basic YWxpY2U6cHc="), BA_OK);      /* alice:pw */
	assert_int_equal(basicauth_check(a, "basic  YWxpY2U6cHc="), BA_OK);     /* scheme is case-insensitive */
	assert_int_equal(basicauth_check(a, "Basic YWxpY2U6cHc="), BA_OK);      /* remembered */
	assert_int_equal(basicauth_check(a, "Basic YWxpY2U6cFc="), BA_INVALID); /* alice:pW */
	assert_int_equal(basicauth_check(a, "Basic Ym9iOnB3"), BA_INVALID);     /* bob:pw */
	assert_int_equal(basicauth_check(a, "Basic YWxpY2U="), BA_INVALID);     /* alice (no colon) */
	assert_int_equal(basicauth_check(a, "Bearer YWxpY2U6cHc="), BA_INVALID);
	assert_int_equal(basicauth_check(a, "Basic"), BA_INVALID);
	assert_int_equal(basicauth_check(a, NULL), BA_MISSING);
	assert_int_equal(basicauth_check(a, ""), BA_MISSING);
	basicauth_render(a, &out);
	assert_non_null(strstr(buf_str(&out), "locust_exporter_http_auth_failures_total{reason=\"missing\"} 2\n"));
	assert_non_null(strstr(buf_str(&out), "locust_exporter_http_auth_failures_total{reason=\"invalid\"} 5\n"));
	basicauth_free(a);

	webuser_t broken[] = {{"eve", "$2b$04$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"}};
	assert_null(basicauth_new(broken, 1, &err));
	assert_non_null(strstr(buf_str(&err), "eve"));
	free(hash);
	buf_free(&err);
	buf_free(&out);
}

static int setup(void **st)
{
	(void)st;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	(void)st;
	static const char *const files[] = {"tls.crt", "web.yml", "bad.yml", "empty.yml", "nulls.yml"};
	char path[256];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_load_full),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_empty),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
