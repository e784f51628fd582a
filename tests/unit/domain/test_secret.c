/* Tests of src/domain/secret.c: password rules, Argon2id hashing, tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "domain/secret.h"

static int setup(void **state)
{
	(void)state;
	return secret_init() ? 0 : -1;
}

static bool acceptable(const char *pw)
{
	struct problem prob;
	problem_init(&prob);
	bool ok = password_acceptable(pw, "password", &prob);
	assert_int_equal(ok, !problem_has_fields(&prob));
	if (!ok)
		assert_string_equal(prob.fields[0].name, "password");
	return ok;
}

static void test_password__rules_need_eight_characters_and_three_classes(void **state)
{
	(void)state;
	assert_true(acceptable("Yizhan@2026"));
	assert_true(acceptable("abcDEF12"));
	assert_true(acceptable("abcdef1!"));
	assert_false(acceptable("Ab1!"));     /* short */
	assert_false(acceptable("abcdefgh")); /* one class */
	assert_false(acceptable("abcdefg1")); /* two classes */
	assert_false(acceptable(""));
	assert_false(acceptable(NULL));
	assert_true(acceptable("驿站驿站Ab12")); /* 8 characters, not bytes */
	assert_false(acceptable("驿站Ab1"));	 /* 5 characters */
	char longpw[200];
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	longpw[0] = 'A';
	longpw[1] = '1';
	assert_false(acceptable(longpw));
}

static void hash_verifies_only_the_same_password(struct procpool *helpers)
{
	char h[SECRET_PWHASH_LEN];
	assert_true(password_hash(helpers, "Yizhan@2026", h));
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(password_verify(helpers, h, "Yizhan@2026"));
	assert_false(password_verify(helpers, h, "Yizhan@2027"));
	assert_false(password_verify(helpers, h, ""));
	assert_false(password_verify(helpers, "", "Yizhan@2026"));
	assert_false(password_verify(helpers, NULL, "x"));
	assert_false(password_verify(helpers, "not a hash", "Yizhan@2026"));
	char h2[SECRET_PWHASH_LEN];
	assert_true(password_hash(helpers, "Yizhan@2026", h2));
	assert_string_not_equal(h, h2); /* salted */
}

static void test_password__hash_verifies_only_the_same_password(void **state)
{
	(void)state;
	hash_verifies_only_the_same_password(NULL);
}

static void test_password__helpers_hash_and_verify_as_the_calling_thread_does(void **state)
{
	(void)state;
	struct procpool *helpers = password_helpers_new(2);
	assert_non_null(helpers);
	hash_verifies_only_the_same_password(helpers);
	/* Either side verifies what the other hashed. */
	char here[SECRET_PWHASH_LEN], there[SECRET_PWHASH_LEN];
	assert_true(password_hash(NULL, "驿站Ab12驿站", here));
	assert_true(password_hash(helpers, "驿站Ab12驿站", there));
	assert_true(password_verify(helpers, here, "驿站Ab12驿站"));
	assert_true(password_verify(NULL, there, "驿站Ab12驿站"));
	assert_false(password_verify(helpers, here, "驿站Ab12驿"));
	/* A password too long for a helper's message is verified here. */
	char longpw[9000];
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	assert_false(password_verify(helpers, here, longpw));
	assert_int_equal(procpool_restarts(helpers), 0);
	procpool_free(helpers);
}

static void test_token__is_256_random_bits_with_prefix(void **state)
{
	(void)state;
	char a[64], b[64];
	secret_token("yzt_", a, sizeof(a));
	secret_token("yzt_", b, sizeof(b));
	assert_int_equal(strlen(a), 4 + 43);
	assert_memory_equal(a, "yzt_", 4);
	assert_string_not_equal(a, b);
	for (const char *p = a + 4; *p; p++)
		assert_true((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_');
	char small[10];
	secret_token("yzt_", small, sizeof(small));
	assert_string_equal(small, "");
}

static void test_token__is_stored_as_its_sha256(void **state)
{
	(void)state;
	char h[SECRET_HASH_LEN];
	secret_hash("abc", h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(secret_equal(
		h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_false(secret_equal(
		h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ae"));
	assert_false(secret_equal(h, "ba78"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password__rules_need_eight_characters_and_three_classes),
		cmocka_unit_test(test_password__hash_verifies_only_the_same_password),
		cmocka_unit_test(test_password__helpers_hash_and_verify_as_the_calling_thread_does),
		cmocka_unit_test(test_token__is_256_random_bits_with_prefix),
		cmocka_unit_test(test_token__is_stored_as_its_sha256),
	};
	return cmocka_run_group_tests_name("secret", tests, setup, NULL);
}
