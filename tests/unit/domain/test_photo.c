/* Tests of src/domain/photo.c on a fresh SQLite store (tests/unit/domain/
 * fixture.h): a station shows at most twelve photos, each once, in the order
 * added; captions are trimmed and refused when they hold control
 * characters or run long; only those who may edit the station change its
 * photos. The picture files themselves are core/blob.c's (not written here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/log.h"
#include "domain/photo.h"
#include "fixture.h"

static struct fx_engine eng;

static struct {
	struct db *db;
	struct principal admin_p, staff_p, other_p;
	struct actor admin, staff, other;
	int64_t station_id;
} fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.db = fx_fresh(&eng);
	if (!fx.db)
		return -1;
	fx_principal(fx.db, fx_account(fx.db, "13800000001", "市管理员", "admin", FX_CITY),
		     &fx.admin_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000002", "街道工作人员", "staff", FX_STREET),
		     &fx.staff_p);
	fx_principal(fx.db,
		     fx_account(fx.db, "13800000003", "清姜街道工作人员", "staff", FX_STREET2),
		     &fx.other_p);
	fx.admin = fx_actor(&fx.admin_p);
	fx.staff = fx_actor(&fx.staff_p);
	fx.other = fx_actor(&fx.other_p);
	fx.station_id = fx_station(fx.db, &fx.admin, "龙腾路驿站", FX_COMMUNITY);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, fx.db);
	return 0;
}

/* The files of picture number k (not written: rows only). */
static struct photo_files files_of(unsigned k)
{
	struct photo_files f = { .width = 800, .height = 600, .bytes = 50000 + k };
	snprintf(f.sha256, sizeof(f.sha256), "%064x", k);
	snprintf(f.thumb_sha256, sizeof(f.thumb_sha256), "%064x", 0x10000u + k);
	return f;
}

static enum rc add(const struct actor *actor, unsigned k, const char *caption, struct photo *out,
		   struct problem *prob)
{
	struct photo_files f = files_of(k);
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, station_photo_add(tx, actor, fx.station_id, &f, caption, out, prob),
		      prob);
}

static int64_t shown(void)
{
	return fx_int_p(fx.db, "SELECT COUNT(*) FROM station_photos WHERE station_id = $1",
			fx.station_id);
}

static void test_photo__a_station_shows_at_most_twelve_photos(void **state)
{
	(void)state;
	struct photo p;
	struct problem prob;
	for (unsigned k = 1; k <= STATION_PHOTOS_MAX; k++) {
		assert_int_equal(add(&fx.staff, k, NULL, &p, &prob), RC_OK);
		assert_int_equal(p.position, (int)k);
	}
	int64_t audits = fx_int(fx.db, "SELECT COUNT(*) FROM audit_log");
	assert_int_equal(add(&fx.staff, 13, NULL, &p, &prob), RC_INVALID);
	assert_string_equal(prob.type, "too-many-photos");
	assert_int_equal(shown(), STATION_PHOTOS_MAX);
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM audit_log"), audits);
	/* Room again once one goes; the new one is last. */
	struct photo list[STATION_PHOTOS_MAX];
	size_t n = 0;
	assert_int_equal(station_photos(fx.db, fx.station_id, list, &n, &prob), RC_OK);
	assert_int_equal(n, STATION_PHOTOS_MAX);
	problem_init(&prob);
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, station_photo_remove(tx, &fx.staff, fx.station_id, list[0].id, &prob),
		       &prob),
		RC_OK);
	assert_int_equal(add(&fx.staff, 13, NULL, &p, &prob), RC_OK);
	assert_int_equal(p.position, STATION_PHOTOS_MAX + 1);
	assert_int_equal(station_photos(fx.db, fx.station_id, list, &n, &prob), RC_OK);
	assert_int_equal(n, STATION_PHOTOS_MAX);
	assert_int_equal(list[n - 1].id, p.id);
	for (size_t i = 1; i < n; i++)
		assert_true(list[i - 1].position < list[i].position);
}

static void test_photo__the_same_picture_is_shown_once(void **state)
{
	(void)state;
	struct photo p;
	struct problem prob;
	assert_int_equal(add(&fx.admin, 1, "门口", &p, &prob), RC_OK);
	assert_int_equal(add(&fx.admin, 1, "又一次", &p, &prob), RC_CONFLICT);
	assert_string_equal(prob.type, "duplicate-photo");
	assert_int_equal(shown(), 1);
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM photos"), 1);
}

static void test_photo__captions_are_trimmed_and_refused_when_bad(void **state)
{
	(void)state;
	struct photo p;
	struct problem prob;
	assert_int_equal(add(&fx.staff, 1, "  门口的饮水机  ", &p, &prob), RC_OK);
	assert_string_equal(p.caption, "门口的饮水机");
	assert_int_equal(add(&fx.staff, 2, "第一行\n第二行", &p, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "caption"));
	assert_int_equal(add(&fx.staff, 3, "\xff\xfe", &p, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "caption"));
	/* Sixty characters of three bytes each, then sixty-one. */
	char longest[(PHOTO_CAPTION_MAX + 1) * 3 + 1];
	for (int i = 0; i <= PHOTO_CAPTION_MAX; i++)
		memcpy(longest + 3 * i, "站", 3);
	longest[PHOTO_CAPTION_MAX * 3] = '\0';
	assert_int_equal(add(&fx.staff, 4, longest, &p, &prob), RC_OK);
	assert_int_equal(strlen(p.caption), PHOTO_CAPTION_MAX * 3);
	memcpy(longest + PHOTO_CAPTION_MAX * 3, "站", 3);
	longest[(PHOTO_CAPTION_MAX + 1) * 3] = '\0';
	assert_int_equal(add(&fx.staff, 5, longest, &p, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "caption"));
	assert_int_equal(shown(), 2);
}

static void test_photo__staff_of_another_street_cannot_change_the_photos(void **state)
{
	(void)state;
	struct photo p;
	struct problem prob;
	assert_int_equal(add(&fx.other, 1, NULL, &p, &prob), RC_FORBIDDEN);
	assert_int_equal(add(&fx.staff, 1, NULL, &p, &prob), RC_OK);
	problem_init(&prob);
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, station_photo_remove(tx, &fx.other, fx.station_id, p.id, &prob), &prob),
		RC_FORBIDDEN);
	assert_int_equal(shown(), 1);
	/* A photo the station does not show cannot be removed from it. */
	problem_init(&prob);
	tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, station_photo_remove(tx, &fx.staff, fx.station_id, p.id + 100, &prob),
		       &prob),
		RC_NOT_FOUND);
	assert_int_equal(add(&fx.staff, 2, NULL, &p, &prob), RC_OK);
	struct photo pub;
	assert_int_equal(photo_get_public(fx.db, p.id, &pub, &prob), RC_OK);
	assert_int_equal(photo_get_public(fx.db, p.id + 100, &pub, &prob), RC_NOT_FOUND);
}

static int group_setup(void **state)
{
	(void)state;
	log_open(2, LOG_FATAL, false);
	return fx_sqlite_setup(&eng, "yz_test_photo");
}

static int group_teardown(void **state)
{
	(void)state;
	fx_engine_teardown(&eng);
	return 0;
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_photo__a_station_shows_at_most_twelve_photos),
		TEST(test_photo__the_same_picture_is_shown_once),
		TEST(test_photo__captions_are_trimmed_and_refused_when_bad),
		TEST(test_photo__staff_of_another_street_cannot_change_the_photos),
	};
	return cmocka_run_group_tests_name("photo", tests, group_setup, group_teardown);
}
