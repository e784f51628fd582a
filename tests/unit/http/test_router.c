/* Tests of src/http/router.c: matching, path parameters, 404, 405 + Allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/router.h"

static void h(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	(void)resp;
}

static const struct http_route routes[] = {
	{ "GET", "/healthz", h },
	{ "GET", "/api/v1/accounts", h },
	{ "POST", "/api/v1/accounts", h },
	{ "GET", "/api/v1/accounts/{id}", h },
	{ "PATCH", "/api/v1/accounts/{id}", h },
	{ "DELETE", "/api/v1/accounts/{id}/roles/{grant_id}", h },
	{ "GET", "/open311/v2/services/{code}.json", h },
	{ "GET", "/open311/v2/services/{code}.xml", h },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

struct fixture {
	struct router *r;
	struct http_req req;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->r = router_new(routes, NROUTES);
	f->req.arena = arena_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	router_free(f->r);
	arena_free(f->req.arena);
	free(f);
	return 0;
}

static enum router_result match(struct fixture *f, const char *method, const char *path,
				char *allow)
{
	char buf[64];
	f->req.nparams = 0;
	f->req.route = NULL;
	return router_match(f->r, method, path, &f->req, allow ? allow : buf, 64);
}

static void test_router__matches_a_literal_route(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(match(f, "GET", "/healthz", NULL), ROUTER_MATCH);
	assert_ptr_equal(f->req.route, &routes[0]);
	assert_int_equal(f->req.nparams, 0);
}

static void test_router__chooses_the_route_by_method(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(match(f, "POST", "/api/v1/accounts", NULL), ROUTER_MATCH);
	assert_ptr_equal(f->req.route, &routes[2]);
}

static void test_router__parameter_with_a_suffix_captures_what_precedes_it(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(match(f, "GET", "/open311/v2/services/report.road.xml", NULL),
			 ROUTER_MATCH);
	assert_ptr_equal(f->req.route, &routes[7]);
	assert_string_equal(http_req_param(&f->req, "code"), "report.road");
	assert_int_equal(match(f, "GET", "/open311/v2/services/x.json", NULL), ROUTER_MATCH);
	assert_ptr_equal(f->req.route, &routes[6]);
	assert_string_equal(http_req_param(&f->req, "code"), "x");
	/* Nothing before the suffix, or another suffix: no route. */
	assert_int_equal(match(f, "GET", "/open311/v2/services/.json", NULL), ROUTER_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/open311/v2/services/x.csv", NULL), ROUTER_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/open311/v2/services/json", NULL), ROUTER_NOT_FOUND);
}

static void test_router__captures_path_parameters(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(match(f, "DELETE", "/api/v1/accounts/42/roles/7", NULL), ROUTER_MATCH);
	assert_ptr_equal(f->req.route, &routes[5]);
	assert_int_equal(f->req.nparams, 2);
	assert_string_equal(http_req_param(&f->req, "id"), "42");
	assert_string_equal(http_req_param(&f->req, "grant_id"), "7");
	assert_null(http_req_param(&f->req, "nope"));
}

static void test_router__head_matches_get(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(match(f, "HEAD", "/api/v1/accounts/9", NULL), ROUTER_MATCH);
	assert_ptr_equal(f->req.route, &routes[3]);
}

static void test_router__unknown_path_is_not_found(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(match(f, "GET", "/api/v1/nothing", NULL), ROUTER_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/api/v1/accounts/1/extra", NULL), ROUTER_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/healthz/", NULL), ROUTER_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/", NULL), ROUTER_NOT_FOUND);
}

static void test_router__empty_parameter_does_not_match(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(match(f, "GET", "/api/v1/accounts//", NULL), ROUTER_NOT_FOUND);
}

static void test_router__wrong_method_lists_the_allowed_ones(void **state)
{
	struct fixture *f = *state;
	char allow[64];
	assert_int_equal(match(f, "PUT", "/api/v1/accounts/3", allow), ROUTER_METHOD_NOT_ALLOWED);
	assert_string_equal(allow, "GET, HEAD, PATCH");
	assert_int_equal(match(f, "POST", "/healthz", allow), ROUTER_METHOD_NOT_ALLOWED);
	assert_string_equal(allow, "GET, HEAD");
}

static void test_router__too_many_segments_is_not_found(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(match(f, "GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o", NULL), ROUTER_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_router__matches_a_literal_route, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_router__chooses_the_route_by_method, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_router__captures_path_parameters, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_router__parameter_with_a_suffix_captures_what_precedes_it, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_router__head_matches_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_router__unknown_path_is_not_found, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_router__empty_parameter_does_not_match, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_router__wrong_method_lists_the_allowed_ones,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_router__too_many_segments_is_not_found, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
