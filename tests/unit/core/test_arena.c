/* Tests of src/core/arena.c: the request arena, and its reset for a
 * connection's next request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"

static void test_arena__hands_out_zeroed_aligned_memory(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	for (int i = 1; i < 200; i++) {
		unsigned char *p = arena_alloc(a, (size_t)i * 7);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		for (int k = 0; k < i * 7; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0xab, (size_t)i * 7);
	}
	assert_string_equal(arena_strdup(a, "宝鸡"), "宝鸡");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	arena_free(a);
	arena_free(NULL);
}

static void test_arena__a_reset_arena_is_empty_and_zeroes_what_it_hands_out_again(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	char *first = arena_alloc(a, 100);
	memset(first, 0x5a, 100);
	arena_alloc(a, 64 * 1024); /* a big block of its own */
	for (int i = 0; i < 100; i++)
		memset(arena_alloc(a, 500), 0x5a, 500); /* several standard blocks */
	arena_reset(a);
	/* The kept block is reused from its start, and zeroed as handed out. */
	unsigned char *p = arena_alloc(a, 100);
	for (int k = 0; k < 100; k++)
		assert_int_equal(p[k], 0);
	assert_string_equal(arena_strdup(a, "after reset"), "after reset");
	arena_reset(a);
	arena_reset(a); /* twice, and on an arena with nothing to keep */
	arena_free(a);
	struct arena *b = arena_new();
	arena_reset(b);
	assert_non_null(arena_alloc(b, 10));
	arena_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena__hands_out_zeroed_aligned_memory),
		cmocka_unit_test(
			test_arena__a_reset_arena_is_empty_and_zeroes_what_it_hands_out_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
