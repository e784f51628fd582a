/* Tests for src/core/blob.c: files named by their SHA-256 under a two-digit
 * folder, written once, read back whole; the folder marker; and collection
 * of unreferenced and half-written files by age. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/blob.h"

/* A well-formed hash no file has. */
#define HASH_ABSENT "2bfb7b8c3e7a0d1b7e4cc2ad5e1e2a4b05a67f0ce7e2a6a0c54a5c8c2e6b0a33"

static char base[256];

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	const char *tmp = getenv("YZ_TEST_TMP");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	mkdir(tmp, 0755);
	snprintf(base, sizeof(base), "%s/blob-XXXXXX", tmp);
	assert_non_null(mkdtemp(base));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void store_at(struct blob_store *bs, const char *sub)
{
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/%s", base, sub);
	struct problem prob;
	problem_init(&prob);
	assert_int_equal(blob_store_open(bs, dir, &prob), RC_OK);
}

static void make_old(const char *path)
{
	struct timeval tv[2] = { { .tv_sec = time(NULL) - 7200 }, { .tv_sec = time(NULL) - 7200 } };
	assert_int_equal(utimes(path, tv), 0);
}

static void test_put_names_the_file_by_its_hash_and_reads_it_back(void **state)
{
	(void)state;
	struct blob_store bs;
	store_at(&bs, "a/b/c"); /* parents are made too */
	struct problem prob;
	problem_init(&prob);
	char hex[BLOB_HASH_HEX];
	assert_int_equal(blob_put(&bs, "yizhan", 6, ".jpg", hex, &prob), RC_OK);
	assert_true(blob_hash_valid(hex));
	/* The digest of "yizhan", computed independently. */
	FILE *p = popen("printf yizhan | sha256sum", "r");
	assert_non_null(p);
	char expect[80] = "";
	assert_non_null(fgets(expect, sizeof(expect), p));
	pclose(p);
	assert_memory_equal(hex, expect, 64);

	char path[700];
	snprintf(path, sizeof(path), "%s/%.2s/%s.jpg", bs.dir, hex, hex);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 6);

	struct sb out = SB_INIT;
	assert_int_equal(blob_read(&bs, hex, ".jpg", &out, &prob), RC_OK);
	assert_int_equal(out.len, 6);
	assert_memory_equal(out.buf, "yizhan", 6);
	sb_release(&out);
}

static void test_same_content_twice_is_one_file_and_no_temporary_files_stay(void **state)
{
	(void)state;
	struct blob_store bs;
	store_at(&bs, "twice");
	struct problem prob;
	problem_init(&prob);
	char h1[BLOB_HASH_HEX], h2[BLOB_HASH_HEX];
	assert_int_equal(blob_put(&bs, "same bytes", 10, ".jpg", h1, &prob), RC_OK);
	assert_int_equal(blob_put(&bs, "same bytes", 10, ".jpg", h2, &prob), RC_OK);
	assert_string_equal(h1, h2);
	char sub[700];
	snprintf(sub, sizeof(sub), "%s/%.2s", bs.dir, h1);
	DIR *d = opendir(sub);
	assert_non_null(d);
	int files = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			files++;
	closedir(d);
	assert_int_equal(files, 1);
}

static void test_reading_a_missing_or_malformed_hash_is_not_found(void **state)
{
	(void)state;
	struct blob_store bs;
	store_at(&bs, "missing");
	struct problem prob;
	problem_init(&prob);
	struct sb out = SB_INIT;
	assert_int_equal(blob_read(&bs, HASH_ABSENT, ".jpg", &out, &prob), RC_NOT_FOUND);
	problem_init(&prob);
	assert_int_equal(blob_read(&bs, "../../etc/passwd", ".jpg", &out, &prob), RC_NOT_FOUND);
	problem_init(&prob);
	assert_int_equal(blob_read(&bs, HASH_ABSENT, "/../x", &out, &prob), RC_NOT_FOUND);
	assert_int_equal(out.len, 0);
	sb_release(&out);
	assert_false(blob_hash_valid(
		"2BFB7B8C3E7A0D1B7E4CC2AD5E1E2A4B05A67F0CE7E2A6A0C54A5C8C2E6B0A33"));
	assert_false(blob_hash_valid("abc"));
}

static void test_the_marker_is_made_once_and_then_read(void **state)
{
	(void)state;
	struct blob_store bs;
	store_at(&bs, "marker");
	struct problem prob;
	problem_init(&prob);
	char a[33], b[33];
	bool created;
	assert_int_equal(blob_marker(&bs, a, &created, &prob), RC_OK);
	assert_true(created);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(blob_marker(&bs, b, &created, &prob), RC_OK);
	assert_false(created);
	assert_string_equal(a, b);
}

static const char *kept_hash;

static bool keep_one(const char *hex, void *ctx)
{
	(void)ctx;
	return strcmp(hex, kept_hash) == 0;
}

static void test_collect_removes_old_unreferenced_and_temporary_files_only(void **state)
{
	(void)state;
	struct blob_store bs;
	store_at(&bs, "collect");
	struct problem prob;
	problem_init(&prob);
	char kept[BLOB_HASH_HEX], stray[BLOB_HASH_HEX], young[BLOB_HASH_HEX];
	assert_int_equal(blob_put(&bs, "kept", 4, ".jpg", kept, &prob), RC_OK);
	assert_int_equal(blob_put(&bs, "stray", 5, ".jpg", stray, &prob), RC_OK);
	assert_int_equal(blob_put(&bs, "young", 5, ".jpg", young, &prob), RC_OK);
	char pk[700], ps[700], py[700], pt[700], other[700];
	snprintf(pk, sizeof(pk), "%s/%.2s/%s.jpg", bs.dir, kept, kept);
	snprintf(ps, sizeof(ps), "%s/%.2s/%s.jpg", bs.dir, stray, stray);
	snprintf(py, sizeof(py), "%s/%.2s/%s.jpg", bs.dir, young, young);
	snprintf(pt, sizeof(pt), "%s/%.2s/.tmp-0123456789abcdef-%s", bs.dir, kept, kept);
	snprintf(other, sizeof(other), "%s/%.2s/notes.txt", bs.dir, kept);
	FILE *f = fopen(pt, "w");
	assert_non_null(f);
	fputs("half", f);
	fclose(f);
	f = fopen(other, "w");
	assert_non_null(f);
	fclose(f);
	make_old(pk);
	make_old(ps);
	make_old(pt);
	make_old(other);

	kept_hash = kept;
	assert_int_equal(blob_collect(&bs, 3600, keep_one, NULL), 2);
	assert_int_equal(access(pk, F_OK), 0);	  /* referenced */
	assert_int_equal(access(py, F_OK), 0);	  /* too young to judge */
	assert_int_equal(access(other, F_OK), 0); /* not ours: not a hash name */
	assert_int_not_equal(access(ps, F_OK), 0);
	assert_int_not_equal(access(pt, F_OK), 0);
	/* Nothing more to do the second time. */
	assert_int_equal(blob_collect(&bs, 3600, keep_one, NULL), 0);
}

static void test_a_folder_that_cannot_be_made_is_refused(void **state)
{
	(void)state;
	struct blob_store bs;
	struct problem prob;
	problem_init(&prob);
	char file[400];
	snprintf(file, sizeof(file), "%s/plainfile", base);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	char dir[450];
	snprintf(dir, sizeof(dir), "%s/sub", file);
	assert_int_equal(blob_store_open(&bs, dir, &prob), RC_UNAVAILABLE);
	assert_non_null(strstr(prob.detail, "照片目录"));
	problem_init(&prob);
	assert_int_equal(blob_store_open(&bs, "", &prob), RC_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_names_the_file_by_its_hash_and_reads_it_back),
		cmocka_unit_test(test_same_content_twice_is_one_file_and_no_temporary_files_stay),
		cmocka_unit_test(test_reading_a_missing_or_malformed_hash_is_not_found),
		cmocka_unit_test(test_the_marker_is_made_once_and_then_read),
		cmocka_unit_test(test_collect_removes_old_unreferenced_and_temporary_files_only),
		cmocka_unit_test(test_a_folder_that_cannot_be_made_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
