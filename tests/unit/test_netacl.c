/* test_netacl: --web.allowed-networks to civetweb's access_control_list
 * (lib/netacl.c): the ACL text for good lists, one-line errors naming the
 * bad item for the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "buf.h"
#include "netacl.h"

static void expect_acl(const char *list, const char *want)
{
	buf_t acl, err;
	buf_init(&acl);
	buf_init(&err);
	if (netacl_spec(list, &acl, &err) != 0)
		fail_msg("'%s': %s", list ? list : "(null)", buf_str(&err));
	assert_string_equal(buf_str(&acl), want);
	buf_free(&acl);
	buf_free(&err);
}

static void expect_bad(const char *list, const char *needle)
{
	buf_t acl, err;
	buf_init(&acl);
	buf_init(&err);
	assert_int_equal(netacl_spec(list, &acl, &err), -1);
	const char *m = buf_str(&err);
	assert_null(strchr(m, '\n'));
	if (!strstr(m, needle))
		fail_msg("error '%s' does not mention '%s'", m, needle);
	buf_free(&acl);
	buf_free(&err);
}

static void test_good(void **st)
{
	(void)st;
	expect_acl(NULL, "");
	expect_acl("", "");
	expect_acl("10.0.0.0/8", "+10.0.0.0/8");
	expect_acl("192.168.1.7", "+192.168.1.7/32");
	expect_acl(" 10.0.0.0/8 ,\t127.0.0.1 ", "+10.0.0.0/8,+127.0.0.1/32");
	/* host bits cleared: civetweb compares the masked client address */
	expect_acl("10.1.2.3/8,172.16.5.4/12", "+10.0.0.0/8,+172.16.0.0/12");
	expect_acl("0.0.0.0/0", "+0.0.0.0/0");
	expect_acl("1.2.3.4/0", "+0.0.0.0/0");
	expect_acl("255.255.255.255/32", "+255.255.255.255/32");
	expect_acl("10.0.0.0/08", "+10.0.0.0/8");
}

static void test_bad(void **st)
{
	(void)st;
	expect_bad("10.0.0.0/33", "'10.0.0.0/33'");
	expect_bad("10.0.0.0/", "'10.0.0.0/'");
	expect_bad("10.0.0.0/8x", "not an IPv4");
	expect_bad("10.0.0.0/+8", "not an IPv4");
	expect_bad("10.0.0.0/123", "not an IPv4");
	expect_bad("10.0.0.0/99999999999999999999999", "not an IPv4");
	expect_bad("10.0.0.0/8/8", "not an IPv4");
	expect_bad("/8", "'/8'");
	expect_bad("10.0.0/8", "'10.0.0/8'");
	expect_bad("256.0.0.1", "'256.0.0.1'");
	expect_bad("example.com", "'example.com'");
	expect_bad("10.0.0.0/8,,127.0.0.1", "empty item");
	expect_bad("10.0.0.0/8,", "empty item");
	expect_bad(",10.0.0.0/8", "empty item");
	expect_bad(" ", "empty item");
	expect_bad("::1", "IPv6");
	expect_bad("fd00::/8", "IPv6");
	expect_bad("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16", "not an IPv4");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
