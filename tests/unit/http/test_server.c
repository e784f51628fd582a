/* Tests of src/http/server.c's answers with borrowed pieces
 * (http_resp_borrow): a real server on loopback with a small route table of
 * its own, asked over a plain socket. Large pieces are sent from where they
 * lie, small ones copied, all in their places; the release callback runs
 * once, after the answer is sent (and for HEAD, and at once when a problem
 * replaced the pieces); an answer of more pieces than a vector takes still
 * arrives whole. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "http/server.h"

#define BIG   (HTTP_BORROW_MIN_BYTES + 1000)
#define MANY  520 /* pieces of HTTP_BORROW_MIN_BYTES: more than a vector takes */
#define SMALL "small"

static char *big_a, *big_b, *many;
static atomic_int released;

static void release(void *arg)
{
	(void)arg;
	atomic_fetch_add(&released, 1);
}

/* "<" big_a "|small|" big_b ">" */
static void h_pieces(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	sb_addc(&resp->body, '<');
	http_resp_borrow(resp, big_a, BIG);
	sb_addc(&resp->body, '|');
	http_resp_borrow(resp, SMALL, strlen(SMALL));
	sb_addc(&resp->body, '|');
	http_resp_borrow(resp, big_b, BIG);
	sb_addc(&resp->body, '>');
	assert_true(http_resp_borrowing(resp));
	http_resp_on_release(resp, release, NULL);
	resp->status = 200;
	resp->content_type = "text/plain";
}

/* Only small pieces: copied, nothing borrowed. */
static void h_small(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	http_resp_borrow(resp, SMALL, strlen(SMALL));
	assert_false(http_resp_borrowing(resp));
	resp->status = 200;
	resp->content_type = "text/plain";
}

static void h_many(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	for (size_t i = 0; i < MANY; i++) {
		sb_addc(&resp->body, ',');
		http_resp_borrow(resp, many + i * HTTP_BORROW_MIN_BYTES, HTTP_BORROW_MIN_BYTES);
	}
	http_resp_on_release(resp, release, NULL);
	resp->status = 200;
	resp->content_type = "text/plain";
}

/* Borrows, then answers a problem instead. */
static void h_dropped(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	http_resp_borrow(resp, big_a, BIG);
	http_resp_on_release(resp, release, NULL);
	http_resp_problem(resp, 409, "conflict", "Conflict", NULL);
}

static const struct http_route routes[] = {
	{ "GET", "/pieces", h_pieces },
	{ "GET", "/small", h_small },
	{ "GET", "/many", h_many },
	{ "GET", "/dropped", h_dropped },
};

static struct http_server *server;
static int port;

static int setup(void **state)
{
	(void)state;
	log_open(2, LOG_ERROR, false);
	big_a = xmalloc(BIG);
	big_b = xmalloc(BIG);
	many = xmalloc((size_t)MANY * HTTP_BORROW_MIN_BYTES);
	for (size_t i = 0; i < BIG; i++) {
		big_a[i] = (char)('a' + i % 26);
		big_b[i] = (char)('A' + i % 26);
	}
	for (size_t i = 0; i < (size_t)MANY * HTTP_BORROW_MIN_BYTES; i++)
		many[i] = (char)('0' + i / HTTP_BORROW_MIN_BYTES % 10);
	struct http_server_config cfg = {
		.listen = "127.0.0.1:0",
		.routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.threads = 2,
		.work_threads = 1,
	};
	char bound[128];
	struct problem prob;
	problem_init(&prob);
	server = http_server_start(&cfg, bound, sizeof(bound), &prob);
	if (!server)
		return -1;
	port = (int)strtol(strrchr(bound, ':') + 1, NULL, 10);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	http_server_stop(server, 1000);
	free(big_a);
	free(big_b);
	free(many);
	log_close();
	return 0;
}

/* Sends "METHOD path" and reads the whole answer (the server closes);
 * returns its status, the body in *body (new) and its Content-Length. */
static int ask(const char *method, const char *path, char **body, size_t *len, long *clen)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char req[256];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
			 method, path);
	assert_int_equal(send(fd, req, (size_t)n, 0), n);
	struct sb in = SB_INIT;
	char buf[65536];
	ssize_t got;
	while ((got = recv(fd, buf, sizeof(buf), 0)) > 0)
		sb_add(&in, buf, (size_t)got);
	close(fd);
	const char *text = sb_str(&in);
	const char *end = strstr(text, "\r\n\r\n");
	assert_non_null(end);
	const char *cl = strcasestr(text, "\r\nContent-Length:");
	*clen = cl && cl < end ? strtol(cl + 17, NULL, 10) : -1;
	*len = in.len - (size_t)(end + 4 - text);
	*body = xmalloc(*len + 1);
	memcpy(*body, end + 4, *len);
	int status = (int)strtol(text + 9, NULL, 10);
	sb_release(&in);
	return status;
}

/* Waits up to 2 s for the release count to reach want. */
static void wait_released(int want)
{
	int64_t until = clock_mono_us() + 2000000;
	while (atomic_load(&released) < want && clock_mono_us() < until)
		usleep(1000);
	assert_int_equal(atomic_load(&released), want);
}

static void test_server__borrowed_pieces_arrive_in_their_places_then_are_released(void **state)
{
	(void)state;
	atomic_store(&released, 0);
	char *body;
	size_t len;
	long clen;
	assert_int_equal(ask("GET", "/pieces", &body, &len, &clen), 200);
	size_t want = 1 + BIG + 1 + strlen(SMALL) + 1 + BIG + 1;
	assert_int_equal(len, want);
	assert_int_equal(clen, (long)want);
	assert_int_equal(body[0], '<');
	assert_memory_equal(body + 1, big_a, BIG);
	assert_memory_equal(body + 1 + BIG, "|" SMALL "|", strlen(SMALL) + 2);
	assert_memory_equal(body + 3 + BIG + strlen(SMALL), big_b, BIG);
	assert_int_equal(body[want - 1], '>');
	free(body);
	wait_released(1);

	/* HEAD: the length, no body, and the pieces are let go of too. */
	assert_int_equal(ask("HEAD", "/pieces", &body, &len, &clen), 200);
	assert_int_equal(len, 0);
	assert_int_equal(clen, (long)want);
	free(body);
	wait_released(2);
}

static void test_server__small_pieces_are_copied(void **state)
{
	(void)state;
	char *body;
	size_t len;
	long clen;
	assert_int_equal(ask("GET", "/small", &body, &len, &clen), 200);
	assert_int_equal(len, strlen(SMALL));
	assert_memory_equal(body, SMALL, len);
	free(body);
}

static void test_server__a_problem_instead_releases_at_once(void **state)
{
	(void)state;
	atomic_store(&released, 0);
	char *body;
	size_t len;
	long clen;
	assert_int_equal(ask("GET", "/dropped", &body, &len, &clen), 409);
	assert_non_null(strstr(body, "\"status\":409"));
	assert_null(memmem(body, len, "abcdefghij", 10));
	free(body);
	wait_released(1);
}

static void test_server__more_pieces_than_a_vector_takes_arrive_whole(void **state)
{
	(void)state;
	atomic_store(&released, 0);
	char *body;
	size_t len;
	long clen;
	assert_int_equal(ask("GET", "/many", &body, &len, &clen), 200);
	size_t piece = HTTP_BORROW_MIN_BYTES;
	assert_int_equal(len, MANY * (piece + 1));
	for (size_t i = 0; i < MANY; i++) {
		assert_int_equal(body[i * (piece + 1)], ',');
		assert_memory_equal(body + i * (piece + 1) + 1, many + i * piece, piece);
	}
	free(body);
	wait_released(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_server__borrowed_pieces_arrive_in_their_places_then_are_released),
		cmocka_unit_test(test_server__small_pieces_are_copied),
		cmocka_unit_test(test_server__a_problem_instead_releases_at_once),
		cmocka_unit_test(test_server__more_pieces_than_a_vector_takes_arrive_whole),
	};
	return cmocka_run_group_tests_name("server", tests, setup, teardown);
}
