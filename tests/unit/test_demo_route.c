/* Unit tests: demo-app routing table and method classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "route.h"

static void test_seed_routes(void **state)
{
	(void)state;
	assert_int_equal(route_lookup("/"), R_ROOT);
	assert_int_equal(route_lookup("/about"), R_ABOUT);
	assert_int_equal(route_lookup("/products"), R_PRODUCTS);
	assert_int_equal(route_lookup("/contact"), R_CONTACT);
	assert_int_equal(route_lookup("/orders"), R_ORDERS);
	assert_int_equal(route_lookup("/metrics"), R_METRICS);
	assert_int_equal(route_lookup("/healthz"), R_HEALTHZ);
}

static void test_exact_match_only(void **state)
{
	(void)state;
	assert_int_equal(route_lookup("/about/"), R_OTHER);
	assert_int_equal(route_lookup("/aboutx"), R_OTHER);
	assert_int_equal(route_lookup("/ABOUT"), R_OTHER);
	assert_int_equal(route_lookup(""), R_OTHER);
	assert_int_equal(route_lookup("/metrics/x"), R_OTHER);
}

static void test_admin_routes(void **state)
{
	(void)state;
	assert_int_equal(route_lookup("/admin/scenarios"), R_ADMIN);
	assert_int_equal(route_lookup("/admin/scenarios/slow_db"), R_ADMIN);
	assert_int_equal(route_lookup("/admin/scenarios/"), R_OTHER);
	assert_int_equal(route_lookup("/admin/scenarios/a/b"), R_OTHER);
	assert_int_equal(route_lookup("/admin"), R_OTHER);
}

static void test_labels_bounded(void **state)
{
	(void)state;
	assert_string_equal(route_label(R_ABOUT), "/about");
	assert_string_equal(route_label(R_OTHER), "other");
	assert_string_equal(route_label(R_ADMIN), "/admin/scenarios");
	assert_string_equal(route_label((route_id_t)99), "other");
	/* every unknown path shares one label */
	assert_string_equal(route_label(route_lookup("/random/123")),
			    route_label(route_lookup("/x?y")));
}

static void test_methods(void **state)
{
	(void)state;
	assert_int_equal(method_lookup("GET"), M_GET);
	assert_int_equal(method_lookup("HEAD"), M_HEAD);
	assert_int_equal(method_lookup("POST"), M_POST);
	assert_int_equal(method_lookup("get"), M_OTHER);
	assert_int_equal(method_lookup("PROPFIND"), M_OTHER);
	assert_string_equal(method_label(M_OTHER), "other");
	assert_string_equal(method_label(M_DELETE), "DELETE");
}

static void test_app_routes(void **state)
{
	(void)state;
	assert_true(route_is_app(R_ROOT));
	assert_true(route_is_app(R_CONTACT));
	assert_true(route_is_app(R_ORDERS));
	assert_false(route_is_app(R_METRICS));
	assert_false(route_is_app(R_ADMIN));
	assert_false(route_is_app(R_OTHER));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_routes),
		cmocka_unit_test(test_exact_match_only),
		cmocka_unit_test(test_admin_routes),
		cmocka_unit_test(test_labels_bounded),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_app_routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
