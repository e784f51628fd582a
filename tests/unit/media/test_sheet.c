/* Tests for src/media/sheet_read.c, sheet_xlsx.c and sheet_write.c. Files
 * are written by the module itself and read back (CSV and XLSX), built by
 * hand as bytes (CSV, GB18030, UTF-16, .xls headers, random data), built
 * as ZIP archives with libzip (workbooks shaped like Excel's, with shared
 * strings and phonetic runs, damaged ones, bombs), and made and read by
 * another program: Debian's python3-openpyxl runs
 * tests/unit/media/sheet_openpyxl.py. Damaged and bit-flipped workbooks run
 * under ASan in make test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include "media/sheet.h"

#define PYTHON "/usr/bin/python3"

/* A file in memory, malloc'd. */
struct blob {
	unsigned char *data;
	size_t len;
};

static void blob_add(struct blob *b, const void *p, size_t n)
{
	b->data = realloc(b->data, b->len + n + 1);
	assert_non_null(b->data);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void blob_adds(struct blob *b, const char *s)
{
	blob_add(b, s, strlen(s));
}

static void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static int blob_sink(void *ctx, const void *data, size_t len)
{
	blob_add(ctx, data, len);
	return 0;
}

/* ---- what the reader gave ---- */

struct got_row {
	size_t number;
	size_t ncells;
	char **cells;
};

struct got {
	size_t n;
	struct got_row *rows;
	size_t stop_after; /* 0: never */
};

static enum sheet_next collect(void *ctx, size_t row_number, const char *const *cells,
			       size_t ncells)
{
	struct got *g = ctx;
	struct got_row *r;

	g->rows = realloc(g->rows, (g->n + 1) * sizeof(*g->rows));
	assert_non_null(g->rows);
	r = &g->rows[g->n++];
	r->number = row_number;
	r->ncells = ncells;
	r->cells = calloc(ncells ? ncells : 1, sizeof(char *));
	for (size_t i = 0; i < ncells; i++) {
		assert_non_null(cells[i]);
		r->cells[i] = strdup(cells[i]);
	}
	return g->stop_after && g->n >= g->stop_after ? SHEET_STOP : SHEET_CONTINUE;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		for (size_t j = 0; j < g->rows[i].ncells; j++)
			free(g->rows[i].cells[j]);
		free(g->rows[i].cells);
	}
	free(g->rows);
	memset(g, 0, sizeof(*g));
}

/* Cell col of the i-th row given ("" past its end, as callers treat it). */
static const char *cell(const struct got *g, size_t i, size_t col)
{
	assert_true(i < g->n);
	return col < g->rows[i].ncells ? g->rows[i].cells[col] : "";
}

static struct sheet_read_opts opts_for(struct got *g)
{
	return (struct sheet_read_opts){
		.lim = { .max_file_bytes = 64u << 20, .max_rows = 200000 },
		.on_row = collect,
		.ctx = g,
	};
}

static enum rc read_blob(const struct blob *b, struct sheet_read_opts *o, struct sheet_info *info,
			 struct problem *prob)
{
	problem_init(prob);
	return sheet_read_mem(b->data, b->len, o, info, prob);
}

/* Reads b with the default bounds into g, expecting success. */
static void read_ok(const struct blob *b, struct got *g, struct sheet_info *info)
{
	struct sheet_read_opts o = opts_for(g);
	struct problem prob;
	enum rc rc = read_blob(b, &o, info, &prob);

	if (rc != RC_OK)
		fail_msg("read failed: %s (%s)", prob.detail, prob.detail_en);
}

/* Reads b expecting a refusal with status and a Chinese detail containing
 * want. */
static void read_refused(const struct blob *b, struct sheet_read_opts *o, int status,
			 const char *want)
{
	struct problem prob;
	enum rc rc = read_blob(b, o, NULL, &prob);

	if (rc == RC_OK)
		fail_msg("read succeeded, wanted \"%s\"", want);
	if (prob.status != status || !strstr(prob.detail, want))
		fail_msg("got %d \"%s\", wanted %d \"%s\"", prob.status, prob.detail, status, want);
	assert_true(prob.detail_en[0] != '\0' && strcmp(prob.detail, prob.detail_en) != 0);
}

static void refused_default(const struct blob *b, int status, const char *want)
{
	struct got g = { 0 };
	struct sheet_read_opts o = opts_for(&g);

	read_refused(b, &o, status, want);
	got_free(&g);
}

/* ---- files ---- */

static char tmp_dir[512];

static int setup_tmp(void **state)
{
	const char *base = getenv("YZ_TEST_TMP");

	(void)state;
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test-sheet-XXXXXX", base);
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	return rmdir(tmp_dir); /* fails if a test left a file behind */
}

static size_t files_in_tmp(void)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void blob_save(const struct blob *b, const char *path)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

static struct blob blob_load(const char *path)
{
	struct blob b = { 0 };
	char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		blob_add(&b, buf, n);
	fclose(f);
	return b;
}

/* ---- writing ---- */

static struct sheet_writer *writer(enum sheet_format format, struct blob *out, bool guard)
{
	struct sheet_write_opts o = { .format = format,
				      .sink = out ? blob_sink : NULL,
				      .sink_ctx = out,
				      .tmp_dir = tmp_dir,
				      .csv_guard_formulas = guard };
	struct problem prob;
	struct sheet_writer *w;

	problem_init(&prob);
	w = sheet_writer_new(&o, &prob);
	if (!w)
		fail_msg("sheet_writer_new: %s", prob.detail);
	return w;
}

static void add_sheet(struct sheet_writer *w, const char *name, const struct sheet_column *cols,
		      size_t ncols)
{
	struct problem prob;

	problem_init(&prob);
	if (sheet_writer_add_sheet(w, name, cols, ncols, &prob) != RC_OK)
		fail_msg("add_sheet: %s", prob.detail);
}

static void add_row(struct sheet_writer *w, const struct sheet_cell *cells, size_t n)
{
	struct problem prob;

	problem_init(&prob);
	if (sheet_writer_add_row(w, cells, n, &prob) != RC_OK)
		fail_msg("add_row: %s", prob.detail);
}

static void finish(struct sheet_writer *w, struct sheet_written *out)
{
	struct problem prob;

	problem_init(&prob);
	if (sheet_writer_finish(w, out, &prob) != RC_OK)
		fail_msg("finish: %s", prob.detail);
	sheet_writer_free(w);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 2024-05-01 00:00 and 08:30, wall clock. */
#define MAY_DAY_S   1714521600LL
#define MAY_DAY_830 (MAY_DAY_S + 8 * 3600 + 30 * 60)

static const struct sheet_column ledger_cols[] = {
	{ "姓名" }, { "电话" }, { "备注" }, { "工时" }, { "入职日期" }, { "签到时间", 18 },
};

/* The rows both formats must carry through: Chinese, quotes, commas, line
 * breaks, empty cells, numbers and dates. */
static void write_ledger(struct sheet_writer *w)
{
	const struct sheet_cell rows[][6] = {
		{ SHEET_TEXT("张三"), SHEET_TEXT("13800138000"),
		  SHEET_TEXT("他说\"你好\"，然后走了"), SHEET_NUMBER(7.5), SHEET_DATE(MAY_DAY_S),
		  SHEET_DATETIME(MAY_DAY_830) },
		{ SHEET_TEXT("李四, 王五"), SHEET_EMPTY, SHEET_TEXT("第一行\n第二行\r\n第三行"),
		  SHEET_NUMBER(-0.001), SHEET_EMPTY, SHEET_EMPTY },
		{ SHEET_TEXT(" 前后空格 "), SHEET_TEXT(""), SHEET_EMPTY,
		  SHEET_NUMBER(13800138000.0), SHEET_EMPTY, SHEET_TEXT("末尾") },
	};

	add_sheet(w, "台账", ledger_cols, N(ledger_cols));
	for (size_t i = 0; i < N(rows); i++)
		add_row(w, rows[i], 6);
}

static void check_ledger(const struct got *g, bool xlsx)
{
	int64_t s;

	assert_int_equal(g->n, 4);
	for (size_t i = 0; i < N(ledger_cols); i++)
		assert_string_equal(cell(g, 0, i), ledger_cols[i].title);
	assert_int_equal(g->rows[0].number, 1);
	assert_int_equal(g->rows[3].number, 4);

	assert_string_equal(cell(g, 1, 0), "张三");
	assert_string_equal(cell(g, 1, 1), "13800138000");
	assert_string_equal(cell(g, 1, 2), "他说\"你好\"，然后走了");
	assert_string_equal(cell(g, 1, 3), "7.5");
	if (xlsx) {
		assert_true(sheet_excel_date_to_s(cell(g, 1, 4), false, &s));
		assert_int_equal(s, MAY_DAY_S);
		assert_true(sheet_excel_date_to_s(cell(g, 1, 5), false, &s));
		assert_int_equal(s, MAY_DAY_830);
	} else {
		assert_string_equal(cell(g, 1, 4), "2024-05-01");
		assert_string_equal(cell(g, 1, 5), "2024-05-01 08:30");
	}

	assert_string_equal(cell(g, 2, 0), "李四, 王五");
	assert_string_equal(cell(g, 2, 1), "");
	assert_string_equal(cell(g, 2, 2), "第一行\n第二行\r\n第三行");
	assert_string_equal(cell(g, 2, 3), "-0.001");
	assert_int_equal(g->rows[2].ncells, 4); /* trailing empty cells are left off */

	assert_string_equal(cell(g, 3, 0), " 前后空格 ");
	assert_string_equal(cell(g, 3, 3), "13800138000");
	assert_string_equal(cell(g, 3, 5), "末尾");
	assert_int_equal(g->rows[3].ncells, 6);
}

static struct blob write_xlsx_blob(void (*fill)(struct sheet_writer *))
{
	struct blob b = { 0 };
	struct sheet_written out;
	struct sheet_writer *w = writer(SHEET_XLSX, &b, false);

	fill(w);
	finish(w, &out);
	assert_int_equal(out.fd, -1);
	assert_int_equal(out.bytes, b.len);
	return b;
}

static void test_sheet__csv_round_trip_keeps_chinese_quotes_commas_and_line_breaks(void **state)
{
	struct blob b = { 0 };
	struct sheet_written out;
	struct sheet_info info;
	struct got g = { 0 };
	struct sheet_writer *w = writer(SHEET_CSV, &b, false);

	(void)state;
	write_ledger(w);
	finish(w, &out);
	assert_int_equal(out.bytes, b.len);
	assert_memory_equal(b.data, "\xEF\xBB\xBF姓名,电话,备注,工时,入职日期,签到时间\r\n", 57);
	assert_non_null(strstr((char *)b.data, "\"他说\"\"你好\"\"，然后走了\""));
	assert_non_null(strstr((char *)b.data,
			       "\r\n\"李四, 王五\",,\"第一行\n第二行\r\n第三行\",-0.001,,\r\n"));
	read_ok(&b, &g, &info);
	assert_int_equal(info.format, SHEET_CSV);
	assert_int_equal(info.encoding, SHEET_UTF8);
	assert_int_equal(info.rows, 4);
	check_ledger(&g, false);
	got_free(&g);
	blob_free(&b);
}

static void test_sheet__xlsx_round_trip_keeps_text_numbers_dates_and_empty_cells(void **state)
{
	struct blob b = write_xlsx_blob(write_ledger);
	struct sheet_info info;
	struct got g = { 0 };

	(void)state;
	assert_memory_equal(b.data, "PK\x03\x04", 4);
	read_ok(&b, &g, &info);
	assert_int_equal(info.format, SHEET_XLSX);
	assert_string_equal(info.sheet_name, "台账");
	assert_false(info.date1904);
	check_ledger(&g, true);
	got_free(&g);
	blob_free(&b);
	assert_int_equal(files_in_tmp(), 0);
}

static void fill_categories(struct sheet_writer *w)
{
	static const char *const names[] = {
		"保洁",	  "环卫/绿化",
		"保洁",	  "history",
		NULL,	  "",
		"'引号'", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三"
	};
	static const struct sheet_column cols[] = { { "姓名" }, { "序号" } };

	for (size_t i = 0; i < N(names); i++) {
		add_sheet(w, names[i], cols, N(cols));
		for (size_t r = 0; r <= i; r++) {
			char name[32];
			snprintf(name, sizeof(name), "人%zu-%zu", i, r);
			const struct sheet_cell row[] = { SHEET_TEXT(name),
							  SHEET_NUMBER((double)r) };
			add_row(w, row, N(row));
		}
	}
}

/* The names Excel will show for fill_categories' sheets, in order (NULL:
 * "Sheet" and the sheet's place in the workbook). */
static const char *const category_titles[] = {
	"保洁",	    "环卫_绿化",
	"保洁 (2)", "history (2)",
	NULL,	    NULL,
	"_引号_",   "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一",
};

/* The title of fill_categories' sheet i, after before sheets. */
static const char *category_title(size_t i, size_t before)
{
	static char unnamed[32];

	if (category_titles[i])
		return category_titles[i];
	snprintf(unnamed, sizeof(unnamed), "Sheet%zu", before + i + 1);
	return unnamed;
}

static void test_sheet__xlsx_holds_one_sheet_per_category_each_read_by_name(void **state)
{
	struct blob b = write_xlsx_blob(fill_categories);

	(void)state;
	for (size_t i = 0; i < N(category_titles); i++) {
		struct got g = { 0 };
		struct sheet_read_opts o = opts_for(&g);
		struct sheet_info info;
		struct problem prob;
		o.sheet_name = category_title(i, 0);
		if (read_blob(&b, &o, &info, &prob) != RC_OK)
			fail_msg("sheet %s: %s", category_title(i, 0), prob.detail);
		assert_string_equal(info.sheet_name, category_title(i, 0));
		assert_int_equal(g.n, i + 2);
		assert_string_equal(cell(&g, 0, 0), "姓名");
		char want[32];
		snprintf(want, sizeof(want), "人%zu-%zu", i, i);
		assert_string_equal(cell(&g, i + 1, 0), want);
		got_free(&g);
	}
	struct got g = { 0 };
	struct sheet_read_opts o = opts_for(&g);
	o.sheet_name = "没有这页";
	read_refused(&b, &o, 422, "没有名为“没有这页”的工作表");
	got_free(&g);
	blob_free(&b);
}

static void fill_many(struct sheet_writer *w)
{
	static const struct sheet_column cols[] = { { "编号" }, { "姓名" }, { "备注" }, { "数" } };

	add_sheet(w, "多行", cols, N(cols));
	for (int i = 0; i < 1500; i++) {
		char id[16], name[32], note[64];
		snprintf(id, sizeof(id), "%04d", i);
		snprintf(name, sizeof(name), "居民%d号", i);
		if (i % 7)
			snprintf(note, sizeof(note), "普通");
		else
			snprintf(note, sizeof(note), "有\"引号\",和逗号\n换行%d", i);
		const struct sheet_cell row[] = { SHEET_TEXT(id), SHEET_TEXT(name),
						  i % 5 ? SHEET_TEXT(note) : SHEET_EMPTY,
						  SHEET_NUMBER(i * 0.25) };
		add_row(w, row, N(row));
	}
}

static void check_many(const struct got *g)
{
	assert_int_equal(g->n, 1501);
	for (int i = 0; i < 1500; i++) {
		char want[64];
		const struct got_row *r = &g->rows[i + 1];
		assert_int_equal(r->number, (size_t)i + 2);
		snprintf(want, sizeof(want), "%04d", i);
		assert_string_equal(cell(g, (size_t)i + 1, 0), want);
		snprintf(want, sizeof(want), "居民%d号", i);
		assert_string_equal(cell(g, (size_t)i + 1, 1), want);
		if (i % 5 == 0)
			snprintf(want, sizeof(want), "%s", "");
		else if (i % 7)
			snprintf(want, sizeof(want), "普通");
		else
			snprintf(want, sizeof(want), "有\"引号\",和逗号\n换行%d", i);
		assert_string_equal(cell(g, (size_t)i + 1, 2), want);
		snprintf(want, sizeof(want), "%g", i * 0.25);
		assert_string_equal(cell(g, (size_t)i + 1, 3), want);
	}
}

static void test_sheet__fifteen_hundred_rows_round_trip_in_both_formats(void **state)
{
	struct blob x = write_xlsx_blob(fill_many), c = { 0 };
	struct sheet_written out;
	struct got g = { 0 };
	struct sheet_writer *w = writer(SHEET_CSV, &c, false);

	(void)state;
	fill_many(w);
	finish(w, &out);
	read_ok(&x, &g, NULL);
	check_many(&g);
	got_free(&g);
	read_ok(&c, &g, NULL);
	check_many(&g);
	got_free(&g);
	blob_free(&x);
	blob_free(&c);
}

static void test_sheet__files_are_read_from_a_path_or_a_descriptor_as_from_memory(void **state)
{
	struct blob x = write_xlsx_blob(fill_many), c = { 0 };
	struct sheet_written out;
	struct sheet_info info;
	struct problem prob;
	char path[600];
	struct sheet_writer *w = writer(SHEET_CSV, &c, false);

	(void)state;
	fill_many(w);
	finish(w, &out);
	for (int k = 0; k < 2; k++) {
		struct got g = { 0 };
		struct sheet_read_opts o = opts_for(&g);
		snprintf(path, sizeof(path), "%s/in.%s", tmp_dir, k ? "csv" : "xlsx");
		blob_save(k ? &c : &x, path);
		problem_init(&prob);
		assert_int_equal(sheet_read_path(path, &o, &info, &prob), RC_OK);
		assert_int_equal(info.format, k ? SHEET_CSV : SHEET_XLSX);
		check_many(&g);
		got_free(&g);

		int fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(sheet_read_fd(fd, &o, &info, &prob), RC_OK);
		check_many(&g);
		got_free(&g);
		close(fd);
		unlink(path);
	}
	/* The format is in the bytes: a workbook named .csv is still one. */
	snprintf(path, sizeof(path), "%s/really-a-workbook.csv", tmp_dir);
	blob_save(&x, path);
	struct got g = { 0 };
	struct sheet_read_opts o = opts_for(&g);
	assert_int_equal(sheet_read_path(path, &o, &info, &prob), RC_OK);
	assert_int_equal(info.format, SHEET_XLSX);
	got_free(&g);
	unlink(path);
	problem_init(&prob);
	snprintf(path, sizeof(path), "%s/missing.csv", tmp_dir);
	assert_int_equal(sheet_read_path(path, &o, &info, &prob), RC_INTERNAL);
	blob_free(&x);
	blob_free(&c);
}

static void test_sheet__an_xlsx_descriptor_can_be_streamed_and_leaves_no_file(void **state)
{
	struct sheet_written out;
	struct sheet_writer *w = writer(SHEET_XLSX, NULL, false);
	struct got g = { 0 };
	struct sheet_read_opts o = opts_for(&g);
	struct problem prob;

	(void)state;
	write_ledger(w);
	finish(w, &out);
	assert_true(out.fd >= 0);
	assert_int_equal(files_in_tmp(), 0); /* unlinked, alive through the descriptor */
	problem_init(&prob);
	assert_int_equal(sheet_read_fd(out.fd, &o, NULL, &prob), RC_OK);
	check_ledger(&g, true);
	assert_int_equal(lseek(out.fd, 0, SEEK_END), (off_t)out.bytes);
	close(out.fd);
	got_free(&g);

	/* A writer given up halfway leaves nothing behind either: no file,
	 * no descriptor. */
	size_t fds = open_fds();
	w = writer(SHEET_XLSX, NULL, false);
	fill_categories(w);
	sheet_writer_free(w);
	sheet_writer_free(NULL);
	assert_int_equal(files_in_tmp(), 0);
	assert_int_equal(open_fds(), fds);
}

/* ---- detection ---- */

static void test_sheet__an_old_xls_is_refused_with_a_word_on_saving_as_xlsx(void **state)
{
	struct blob b = { 0 };
	unsigned char ole[512] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };

	(void)state;
	blob_add(&b, ole, sizeof(ole));
	refused_default(&b, 415, "另存为 .xlsx");
	blob_free(&b);
}

static void test_sheet__random_bytes_utf16_and_empty_files_are_refused(void **state)
{
	struct blob b = { 0 };
	uint32_t x = 2463534242u;

	(void)state;
	for (int i = 0; i < 4096; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		unsigned char c = (unsigned char)x;
		blob_add(&b, &c, 1);
	}
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);

	/* "姓名,电话\r\n" in UTF-16LE, with and without its mark, and BE. */
	static const unsigned char le[] = { 0xFF, 0xFE, 0xD3, 0x59, 0x0D, 0x54, 0x2C, 0x00,
					    0x35, 0x75, 0xDD, 0x8B, 0x0D, 0x00, 0x0A, 0x00 };
	static const unsigned char be[] = { 0xFE, 0xFF, 0x59, 0xD3, 0x54, 0x0D, 0x00, 0x2C };
	blob_add(&b, le, sizeof(le));
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);
	blob_add(&b, le + 2, sizeof(le) - 2);
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);
	blob_add(&b, be, sizeof(be));
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);

	/* Binary with no NUL in it: control characters give it away. */
	for (int i = 0; i < 256; i++)
		blob_adds(&b, "ab\x01\x02\x03\x04\x05\x06\x07\x08");
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);

	refused_default(&b, 422, "文件是空的");
	blob_adds(&b, "\xEF\xBB\xBF");
	refused_default(&b, 422, "文件是空的");
	blob_free(&b);
}

/* A ZIP archive of the given (name, text) parts, made by libzip. */
static struct blob make_zip(const char *const *parts, size_t nparts)
{
	char path[600];
	zip_t *za;
	int err = 0;

	snprintf(path, sizeof(path), "%s/made.zip", tmp_dir);
	za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(za);
	for (size_t i = 0; i + 1 < nparts; i += 2) {
		zip_source_t *src = zip_source_buffer(za, parts[i + 1], strlen(parts[i + 1]), 0);
		assert_non_null(src);
		assert_true(zip_file_add(za, parts[i], src, ZIP_FL_ENC_UTF_8) >= 0);
	}
	assert_int_equal(zip_close(za), 0);
	struct blob b = blob_load(path);
	unlink(path);
	return b;
}

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL	"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG	"http://schemas.openxmlformats.org/package/2006/relationships"

static const char top_rels[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			       "<Relationships xmlns=\"" NS_PKG
			       "\"><Relationship Id=\"rId1\" Type=\"" NS_REL
			       "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
static const char book_rels[] = "<Relationships xmlns=\"" NS_PKG "\">"
				"<Relationship Id=\"rId3\" Type=\"" NS_REL
				"/sharedStrings\" Target=\"sharedStrings.xml\"/>"
				"<Relationship Id=\"rId1\" Type=\"" NS_REL
				"/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
				"<Relationship Id=\"rId2\" Type=\"" NS_REL
				"/worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
				"</Relationships>";
static const char book[] = "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">"
			   "<workbookPr date1904=\"1\"/><sheets>"
			   "<sheet name=\"名单\" sheetId=\"1\" r:id=\"rId1\"/>"
			   "<sheet name=\"备用\" sheetId=\"2\" r:id=\"rId2\"/>"
			   "</sheets></workbook>";

/* A workbook shaped like Excel's, with sheet as its first worksheet and
 * strings as its shared strings (NULL: none). */
static struct blob make_book(const char *sheet, const char *strings)
{
	const char *parts[] = {
		"_rels/.rels",
		top_rels,
		"xl/_rels/workbook.xml.rels",
		book_rels,
		"xl/workbook.xml",
		book,
		"xl/worksheets/sheet1.xml",
		sheet,
		"xl/worksheets/sheet2.xml",
		"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>二</t></is></c></row></sheetData></worksheet>",
		"xl/sharedStrings.xml",
		strings,
	};

	return make_zip(parts, strings ? N(parts) : N(parts) - 2);
}

static void test_sheet__a_zip_that_is_not_a_workbook_is_refused(void **state)
{
	const char *plain[] = { "hello.txt", "你好" };
	const char *docx[] = { "_rels/.rels",
			       "<Relationships xmlns=\"" NS_PKG
			       "\"><Relationship Id=\"rId1\" Type=\"" NS_REL
			       "/officeDocument\" Target=\"word/document.xml\"/></Relationships>",
			       "word/document.xml",
			       "<w:document xmlns:w=\"urn:w\"><w:body/></w:document>" };
	const char *xlsb[] = { "_rels/.rels",
			       "<Relationships xmlns=\"" NS_PKG
			       "\"><Relationship Id=\"rId1\" Type=\"" NS_REL
			       "/officeDocument\" Target=\"xl/workbook.bin\"/></Relationships>",
			       "xl/workbook.bin", "binary" };
	struct blob b;

	(void)state;
	b = make_zip(plain, N(plain));
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);
	b = make_zip(docx, N(docx));
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);
	b = make_zip(xlsb, N(xlsb));
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);
	/* An empty archive, and one cut short before its directory. */
	blob_add(&b, "PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22);
	refused_default(&b, 415, "不是 CSV 或 Excel（.xlsx）文件");
	blob_free(&b);
	b = write_xlsx_blob(write_ledger);
	b.len /= 2;
	refused_default(&b, 422, "无法作为 ZIP 打开");
	blob_free(&b);
}

static void test_sheet__shared_strings_rich_text_and_gaps_read_like_excel(void **state)
{
	static const char strings[] =
		"<sst xmlns=\"" NS_MAIN "\" count=\"4\" uniqueCount=\"4\">"
		"<si><t>姓名</t></si>"
		"<si><r><rPr><b/></rPr><t>王</t></r><r><t xml:space=\"preserve\">小明 </t></r>"
		"<rPh sb=\"0\" eb=\"1\"><t>ワン</t></rPh><phoneticPr fontId=\"1\"/></si>"
		"<si><t>_x000D_换行_x005F_x0041_</t></si>"
		"<si><t/></si></sst>";
	static const char sheet[] =
		"<x:worksheet xmlns:x=\"" NS_MAIN "\"><x:sheetData>"
		"<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"C1\" t=\"s\"><x:v>2</x:v></x:c></x:row>"
		"<x:row r=\"3\" spans=\"1:5\"><x:c r=\"A3\" t=\"s\"><x:v>1</x:v></x:c>"
		"<x:c r=\"B3\"><x:v>45413.5</x:v></x:c><x:c t=\"b\"><x:v>1</x:v></x:c>"
		"<x:c r=\"E3\" t=\"str\"><x:f>A1&amp;\"!\"</x:f><x:v>姓名!</x:v></x:c>"
		"<x:c r=\"F3\" t=\"e\"><x:v>#N/A</x:v></x:c><x:c r=\"G3\" t=\"s\"><x:v>3</x:v></x:c>"
		"<x:c r=\"H3\" s=\"4\"/></x:row>"
		"<x:row r=\"4\"><x:c r=\"B4\" s=\"1\"/></x:row>"
		"<x:row><x:c r=\"AB5\" t=\"inlineStr\"><x:is><x:t>远</x:t></x:is></x:c></x:row>"
		"</x:sheetData><x:mergeCells count=\"0\"/></x:worksheet>";
	struct blob b = make_book(sheet, strings);
	struct sheet_info info;
	struct got g = { 0 };
	int64_t s;

	(void)state;
	read_ok(&b, &g, &info);
	assert_true(info.date1904);
	assert_string_equal(info.sheet_name, "名单");
	assert_int_equal(g.n, 3);
	assert_int_equal(g.rows[0].number, 1);
	assert_int_equal(g.rows[0].ncells, 3);
	assert_string_equal(cell(&g, 0, 0), "姓名");
	assert_string_equal(cell(&g, 0, 1), "");
	assert_string_equal(cell(&g, 0, 2), "\r换行_x0041_");
	assert_int_equal(g.rows[1].number, 3);
	assert_string_equal(cell(&g, 1, 0), "王小明 ");
	assert_string_equal(cell(&g, 1, 1), "45413.5");
	assert_true(sheet_excel_date_to_s(cell(&g, 1, 1), info.date1904, &s));
	assert_int_equal(s, MAY_DAY_S + 12 * 3600 + 1462LL * 86400);
	assert_string_equal(cell(&g, 1, 2), "TRUE");
	assert_string_equal(cell(&g, 1, 3), "");
	assert_string_equal(cell(&g, 1, 4), "姓名!");
	assert_string_equal(cell(&g, 1, 5), "#N/A");
	assert_int_equal(g.rows[1].ncells, 6); /* G3 is "", H3 only styled */
	assert_int_equal(g.rows[2].number, 5); /* row 4 had no content */
	assert_int_equal(g.rows[2].ncells, 28);
	assert_string_equal(cell(&g, 2, 27), "远");
	got_free(&g);

	/* The second sheet, whose target is written from the root. */
	struct sheet_read_opts o = opts_for(&g);
	struct problem prob;
	o.sheet_name = "备用";
	assert_int_equal(read_blob(&b, &o, &info, &prob), RC_OK);
	assert_string_equal(cell(&g, 0, 0), "二");
	got_free(&g);
	blob_free(&b);
}

static void test_sheet__the_first_shown_worksheet_is_read_not_a_hidden_one(void **state)
{
	static const char hidden_first[] =
		"<workbook xmlns:r=\"" NS_REL "\"><sheets>"
		"<sheet name=\"说明\" sheetId=\"1\" state=\"hidden\" r:id=\"rId1\"/>"
		"<sheet name=\"备用\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>";
	static const char all_hidden[] =
		"<workbook xmlns:r=\"" NS_REL "\"><sheets>"
		"<sheet name=\"说明\" sheetId=\"1\" state=\"veryHidden\" r:id=\"rId1\"/>"
		"</sheets></workbook>";
	const char *sheet =
		"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>一</t></is></c></row></sheetData></worksheet>";
	const char *sheet2 =
		"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>二</t></is></c></row></sheetData></worksheet>";
	const char *parts[] = { "_rels/.rels",
				top_rels,
				"xl/_rels/workbook.xml.rels",
				book_rels,
				"xl/workbook.xml",
				hidden_first,
				"xl/worksheets/sheet1.xml",
				sheet,
				"xl/worksheets/sheet2.xml",
				sheet2 };
	struct sheet_info info;
	struct got g = { 0 };

	(void)state;
	struct blob b = make_zip(parts, N(parts));
	read_ok(&b, &g, &info);
	assert_string_equal(info.sheet_name, "备用");
	assert_string_equal(cell(&g, 0, 0), "二");
	got_free(&g);
	blob_free(&b);
	parts[5] = all_hidden;
	b = make_zip(parts, N(parts));
	read_ok(&b, &g, &info);
	assert_string_equal(info.sheet_name, "说明");
	assert_string_equal(cell(&g, 0, 0), "一");
	got_free(&g);
	blob_free(&b);
}

static void test_sheet__damaged_workbooks_name_what_is_wrong(void **state)
{
	static const struct {
		const char *sheet, *strings;
		int status;
		const char *want;
	} cases[] = {
		{ "<worksheet><sheetData><row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>2</v></c></row></sheetData></worksheet>",
		  NULL, 422, "第 1 行的单元格位置“A1”无效或不按顺序" },
		{ "<worksheet><sheetData><row r=\"2\"><c r=\"1A\"><v>1</v></c></row></sheetData></worksheet>",
		  NULL, 422, "第 2 行的单元格位置“1A”" },
		{ "<worksheet><sheetData><row r=\"5\"/><row r=\"3\"/></sheetData></worksheet>",
		  NULL, 422, "第 5 行之后的行号“3”无效" },
		{ "<worksheet><sheetData><row r=\"2\"><c r=\"C2\" t=\"s\"><v>7</v></c></row></sheetData></worksheet>",
		  "<sst><si><t>a</t></si></sst>", 422, "第 2 行 C 列引用的共享字符串“7”不存在" },
		{ "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></row></sheetData></worksheet>",
		  NULL, 422, "xl/worksheets/sheet1.xml 不是有效的 XML" },
		{ "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
		  "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row></sheetData></worksheet>",
		  NULL, 422, "不是有效的 XML" },
		{ "<worksheet><sheetData><row><c t=\"s\"><v>0</v></c></row></sheetData></worksheet>",
		  "<sst><si><t>a</t></si><!DOCTYPE x></sst>", 422,
		  "xl/sharedStrings.xml 不是有效的 XML" },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct blob b = make_book(cases[i].sheet, cases[i].strings);
		refused_default(&b, cases[i].status, cases[i].want);
		blob_free(&b);
	}
	/* A workbook whose worksheet part is missing. */
	const char *parts[] = { "_rels/.rels", top_rels,	  "xl/_rels/workbook.xml.rels",
				book_rels,     "xl/workbook.xml", book };
	struct blob b = make_zip(parts, N(parts));
	refused_default(&b, 422, "无法读取 xl/worksheets/sheet1.xml");
	blob_free(&b);
	/* One without sheets. */
	const char *empty[] = { "xl/workbook.xml", "<workbook><sheets/></workbook>" };
	b = make_zip(empty, N(empty));
	refused_default(&b, 422, "Excel 文件里没有工作表");
	blob_free(&b);
}

/* Workbooks we wrote, cut short and with bits flipped: each is read to an
 * answer, never a crash (ASan watches in make test). */
static void test_sheet__cut_and_bit_flipped_workbooks_never_crash(void **state)
{
	struct blob good = write_xlsx_blob(write_ledger);
	uint32_t x = 88172645u;

	(void)state;
	for (size_t cut = 0; cut < good.len; cut += good.len / 97 + 1) {
		struct blob b = { 0 };
		blob_add(&b, good.data, cut);
		struct got g = { 0 };
		struct sheet_read_opts o = opts_for(&g);
		struct problem prob;
		(void)read_blob(&b, &o, NULL, &prob);
		got_free(&g);
		blob_free(&b);
	}
	for (int round = 0; round < 300; round++) {
		struct blob b = { 0 };
		blob_add(&b, good.data, good.len);
		for (int k = 0; k < 1 + round % 4; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b.data[x % b.len] ^= (unsigned char)(1u << (x >> 29));
		}
		struct got g = { 0 };
		struct sheet_read_opts o = opts_for(&g);
		struct problem prob;
		enum rc rc = read_blob(&b, &o, NULL, &prob);
		assert_true(rc == RC_OK || rc == RC_INVALID || rc == RC_INTERNAL);
		got_free(&g);
		blob_free(&b);
	}
	blob_free(&good);
}

/* ---- CSV ---- */

static void test_sheet__csv_line_ends_blank_lines_and_quoted_breaks_number_rows_as_excel(
	void **state)
{
	struct blob b = { 0 };
	struct got g = { 0 };

	(void)state;
	blob_adds(&b, "a,b\r\n\r\n\"x\r\ny\",z\r\n,\n\nlast,\"\"\"q\"\"\"\rcr,only");
	read_ok(&b, &g, NULL);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.rows[0].number, 1);
	assert_int_equal(g.rows[1].number, 3);
	assert_string_equal(cell(&g, 1, 0), "x\r\ny");
	assert_int_equal(g.rows[2].number, 6);
	assert_string_equal(cell(&g, 2, 0), "last");
	assert_string_equal(cell(&g, 2, 1), "\"q\"");
	assert_int_equal(g.rows[3].number, 7);
	assert_string_equal(cell(&g, 3, 1), "only");
	got_free(&g);
	blob_free(&b);
}

static void test_sheet__csv_quoting_and_encoding_errors_name_the_row_and_column(void **state)
{
	static const struct {
		const char *csv;
		const char *want;
	} cases[] = {
		{ "a,b\nc,d\"e\n", "第 2 行 B 列：引号不成对" },
		{ "a,b\n\"c\"d,e\n", "第 2 行 A 列：引号不成对" },
		{ "a,b\nc,\"d\ne,f\n", "第 2 行 B 列：引号没有闭合" },
		{ "名字,电话,住址\n张三,1,宝鸡\n李四,\xE4\xB8\n", "第 3 行不是有效的 UTF-8 文本" },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct blob b = { 0 };
		blob_adds(&b, cases[i].csv);
		refused_default(&b, 422, cases[i].want);
		blob_free(&b);
	}
	/* A NUL past the first 64 KiB, which decided it was text. */
	struct blob b = { 0 };
	for (int i = 0; i < 5000; i++)
		blob_adds(&b, "张三,13800138000,备注\n");
	blob_add(&b, "x\0y\n", 4);
	refused_default(&b, 422, "第 5001 行含有空字符（NUL）");
	blob_free(&b);
}

static struct blob to_gb18030(const struct blob *utf8)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	struct blob out = { 0 };
	char *in = (char *)utf8->data, buf[4096];
	size_t left = utf8->len;

	assert_true(cd != (iconv_t)-1);
	while (left > 0) {
		char *o = buf;
		size_t room = sizeof(buf);
		size_t r = iconv(cd, &in, &left, &o, &room);
		assert_true(r != (size_t)-1 || errno == E2BIG);
		blob_add(&out, buf, (size_t)(o - buf));
	}
	iconv_close(cd);
	return out;
}

static void test_sheet__gb18030_csv_as_chinese_excel_saves_it_is_read(void **state)
{
	struct blob u = { 0 }, gb;
	struct sheet_info info;
	struct got g = { 0 };

	(void)state;
	blob_adds(&u, "姓名,电话,住址\r\n");
	for (int i = 0; i < 3000; i++) {
		char line[128];
		snprintf(line, sizeof(line),
			 "居民%d,1380013%04d,\"宝鸡市渭滨区, 经二路 %d 号\"\r\n", i, i, i);
		blob_adds(&u, line);
	}
	gb = to_gb18030(&u);
	assert_true(gb.len > 2 * 65536); /* characters are cut at the pieces' ends */
	read_ok(&gb, &g, &info);
	assert_int_equal(info.encoding, SHEET_GB18030);
	assert_int_equal(g.n, 3001);
	assert_string_equal(cell(&g, 0, 2), "住址");
	assert_string_equal(cell(&g, 3000, 0), "居民2999");
	assert_string_equal(cell(&g, 3000, 2), "宝鸡市渭滨区, 经二路 2999 号");
	got_free(&g);
	/* The same with a byte no GB18030 text has, in row 2001. */
	size_t at = 0;
	for (int nl = 0; nl < 2000; at++)
		nl += gb.data[at] == '\n';
	gb.data[at + 1] = 0xFF;
	refused_default(&gb, 422, "第 2001 行不是有效的 GB18030（GBK）文本");
	blob_free(&gb);
	blob_free(&u);

	/* 小 in GBK (D0 A1) is also well-formed UTF-8 (U+0421): one such
	 * character does not make the file UTF-8. */
	blob_adds(&u, "小区,门牌号\r\n龙腾路社区,3 号\r\n");
	gb = to_gb18030(&u);
	read_ok(&gb, &g, &info);
	assert_int_equal(info.encoding, SHEET_GB18030);
	assert_string_equal(cell(&g, 0, 0), "小区");
	assert_string_equal(cell(&g, 1, 1), "3 号");
	got_free(&g);
	blob_free(&gb);
	blob_free(&u);
}

static void test_sheet__csv_writer_guards_formulas_when_asked(void **state)
{
	const struct sheet_cell row[] = { SHEET_TEXT("=HYPERLINK(\"x\")"),
					  SHEET_TEXT("+86"),
					  SHEET_TEXT("-"),
					  SHEET_TEXT("@a"),
					  SHEET_NUMBER(-5),
					  SHEET_TEXT("a=b") };
	struct blob b = { 0 };
	struct sheet_written out;
	struct sheet_writer *w = writer(SHEET_CSV, &b, true);

	(void)state;
	add_row(w, row, N(row));
	finish(w, &out);
	assert_string_equal((char *)b.data,
			    "\xEF\xBB\xBF\"'=HYPERLINK(\"\"x\"\")\",'+86,'-,'@a,-5,a=b\r\n");
	blob_free(&b);
}

static void test_sheet__csv_holds_one_sheet(void **state)
{
	struct blob b = { 0 };
	struct problem prob;
	struct sheet_writer *w = writer(SHEET_CSV, &b, false);

	(void)state;
	add_sheet(w, "一", ledger_cols, 1);
	problem_init(&prob);
	assert_int_equal(sheet_writer_add_sheet(w, "二", ledger_cols, 1, &prob), RC_INVALID);
	assert_int_equal(prob.status, 422);
	assert_non_null(strstr(prob.detail, "CSV 文件只能有一个工作表"));
	sheet_writer_free(w);
	blob_free(&b);
}

/* ---- bounds ---- */

static void test_sheet__a_cell_too_long_is_refused_with_its_row_and_column(void **state)
{
	struct blob b = { 0 };
	struct sheet_written out;
	char *big = malloc(13000 * 3 + 1);

	(void)state;
	for (int i = 0; i < 13000; i++)
		memcpy(big + i * 3, "长", 3);
	big[13000 * 3] = '\0';
	blob_adds(&b, "a,b,c\nx,y,");
	blob_adds(&b, big);
	blob_adds(&b, "\n");
	refused_default(&b, 413, "第 2 行 C 列：内容超过 32768 字节");
	blob_free(&b);

	/* A quote never closed: refused once the cell passes the bound. */
	blob_adds(&b, "a,b\nx,\"");
	for (int i = 0; i < 3000; i++)
		blob_adds(&b, "0123456789abcdef0123456789abcdef\n");
	refused_default(&b, 413, "第 2 行 B 列：内容超过 32768 字节");
	blob_free(&b);

	/* In a workbook (Excel itself allows 32,767 characters). */
	struct sheet_writer *w = writer(SHEET_XLSX, &b, false);
	const struct sheet_cell row[] = { SHEET_TEXT("x"), SHEET_EMPTY, SHEET_EMPTY,
					  SHEET_TEXT(big) };
	add_sheet(w, NULL, NULL, 0);
	add_row(w, row, 1);
	add_row(w, row, N(row));
	finish(w, &out);
	refused_default(&b, 413, "第 2 行 D 列：内容超过 32768 字节");
	blob_free(&b);
	free(big);
}

static void test_sheet__text_over_excels_cell_limit_is_refused_by_the_writer(void **state)
{
	char *big = malloc(40000);
	struct problem prob;
	struct sheet_writer *w = writer(SHEET_XLSX, NULL, false);

	(void)state;
	memset(big, 'x', 39999);
	big[39999] = '\0';
	const struct sheet_cell row[] = { SHEET_TEXT("ok"), SHEET_TEXT(big) };
	add_sheet(w, "表", ledger_cols, 2);
	problem_init(&prob);
	assert_int_equal(sheet_writer_add_row(w, row, N(row), &prob), RC_INVALID);
	assert_int_equal(prob.status, 422);
	assert_non_null(strstr(prob.detail, "第 2 行 B 列：文字超过 Excel 单元格的 32767 个字符"));
	sheet_writer_free(w);
	free(big);
	assert_int_equal(files_in_tmp(), 0);
}

static void test_sheet__too_many_columns_are_refused_but_empty_ones_past_them_are_not(void **state)
{
	struct blob b = { 0 };
	struct got g = { 0 };

	(void)state;
	blob_adds(&b, "a,b,c");
	for (int i = 0; i < 400; i++)
		blob_adds(&b, ",");
	blob_adds(&b, "\n");
	read_ok(&b, &g, NULL);
	assert_int_equal(g.rows[0].ncells, 3);
	got_free(&g);
	blob_adds(&b, "x");
	for (int i = 1; i < 257; i++)
		blob_adds(&b, ",x");
	blob_adds(&b, "\n");
	refused_default(&b, 413, "第 2 行 IW 列：超过 256 列");
	blob_free(&b);
	b = make_book(
		"<worksheet><sheetData><row r=\"9\"><c r=\"A9\"><v>1</v></c><c r=\"XFD9\" s=\"1\"/>"
		"<c r=\"XFE9\"><v>2</v></c></row></sheetData></worksheet>",
		NULL);
	refused_default(&b, 413, "第 9 行 XFE 列：超过 256 列");
	blob_free(&b);
}

static void test_sheet__rows_past_the_callers_bound_are_refused(void **state)
{
	struct blob b = { 0 };
	struct got g = { 0 };
	struct sheet_read_opts o = opts_for(&g);

	(void)state;
	for (int i = 0; i < 12; i++)
		blob_adds(&b, i == 5 ? "\n" : "a,b\n");
	o.lim.max_rows = 10;
	read_refused(&b, &o, 413, "第 12 行：超过 10 行的上限");
	assert_int_equal(g.n, 10);
	got_free(&g);
	o.lim.max_rows = 11; /* the blank line is no row */
	struct problem prob;
	assert_int_equal(read_blob(&b, &o, NULL, &prob), RC_OK);
	assert_int_equal(g.n, 11);
	blob_free(&b);
	got_free(&g);
}

static void test_sheet__the_file_size_bound_is_checked_before_reading(void **state)
{
	struct blob b = { 0 };
	struct got g = { 0 };
	struct sheet_read_opts o = opts_for(&g);

	(void)state;
	for (int i = 0; i < 100; i++)
		blob_adds(&b, "张三,13800138000\n");
	o.lim.max_file_bytes = 1000;
	read_refused(&b, &o, 413, "文件过大：最多 0.0 MB");
	assert_int_equal(g.n, 0);
	blob_free(&b);
}

/* Replaces the first occurrence of the 4 bytes of old with new in every
 * ZIP header declaring the size of part. */
static void zip_lie_about_size(struct blob *b, const char *part, uint32_t real, uint32_t lie)
{
	size_t n = strlen(part);
	int patched = 0;

	for (size_t i = 0; i + 46 + n <= b->len; i++) {
		uint32_t *size = NULL;
		if (!memcmp(b->data + i, "PK\x01\x02", 4) && !memcmp(b->data + i + 46, part, n))
			size = (uint32_t *)(b->data + i + 24);
		else if (!memcmp(b->data + i, "PK\x03\x04", 4) &&
			 !memcmp(b->data + i + 30, part, n))
			size = (uint32_t *)(b->data + i + 22);
		if (size) {
			uint32_t v;
			memcpy(&v, size, 4);
			assert_int_equal(v, real);
			memcpy(size, &lie, 4);
			patched++;
		}
	}
	assert_int_equal(patched, 2);
}

static void test_sheet__a_zip_bomb_is_stopped_by_the_size_bound_and_the_ratio(void **state)
{
	/* 16 MiB of blank between two rows: deflate makes it 16 KiB. */
	size_t pad = 16u << 20;
	char *sheet = malloc(pad + 256);
	struct got g = { 0 };
	struct sheet_read_opts o = opts_for(&g);

	(void)state;
	int k = snprintf(
		sheet, 256,
		"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>1</t></is></c></row>");
	memset(sheet + k, ' ', pad);
	snprintf(sheet + k + pad, 256, "<row><c><v>2</v></c></row></sheetData></worksheet>");
	uint32_t real = (uint32_t)strlen(sheet);
	struct blob b = make_book(sheet, NULL);
	free(sheet);
	assert_true(b.len < (1u << 20));

	read_refused(&b, &o, 413, "压缩比超过 100 倍");
	o.lim.max_zip_ratio = 100000;
	o.lim.max_unzipped_bytes = 8u << 20;
	read_refused(&b, &o, 413, "Excel 文件解压后超过 8.0 MB");
	/* With sizes that lie, the bytes inflated are what count. */
	zip_lie_about_size(&b, "xl/worksheets/sheet1.xml", real, 1000);
	o.lim = opts_for(&g).lim;
	read_refused(&b, &o, 413, "压缩比超过 100 倍");
	o.lim.max_zip_ratio = 100000;
	o.lim.max_unzipped_bytes = 8u << 20;
	read_refused(&b, &o, 413, "Excel 文件解压后超过 8.0 MB");
	got_free(&g);
	blob_free(&b);

	/* A tag no real file has, a megabyte and more of attributes. */
	size_t big = 3u << 20;
	sheet = malloc(big + 256);
	k = snprintf(sheet, 256, "<worksheet><sheetData><row><c r=\"A1\" x=\"");
	memset(sheet + k, 'a', big);
	snprintf(sheet + k + big, 256, "\"><v>1</v></c></row></sheetData></worksheet>");
	b = make_book(sheet, NULL);
	free(sheet);
	o = opts_for(&g);
	o.lim.max_zip_ratio = 100000;
	read_refused(&b, &o, 422, "xl/worksheets/sheet1.xml 里有过长的 XML 标记");
	got_free(&g);
	blob_free(&b);
}

static void test_sheet__shared_strings_are_held_within_their_bound(void **state)
{
	struct blob strings = { 0 }, b;
	struct got g = { 0 };
	struct sheet_read_opts o = opts_for(&g);

	(void)state;
	blob_adds(&strings, "<sst>");
	for (int i = 0; i < 20000; i++)
		blob_adds(&strings, "<si><t>共享的字符串</t></si>");
	blob_adds(&strings, "</sst>");
	b = make_book(
		"<worksheet><sheetData><row><c t=\"s\"><v>19999</v></c></row></sheetData></worksheet>",
		(char *)strings.data);
	read_ok(&b, &g, NULL);
	assert_string_equal(cell(&g, 0, 0), "共享的字符串");
	got_free(&g);
	o.lim.max_shared_bytes = 100000;
	read_refused(&b, &o, 413, "共享字符串超过 0.1 MB");
	got_free(&g);
	blob_free(&b);
	blob_free(&strings);
}

static void test_sheet__the_callback_can_stop_the_read(void **state)
{
	struct blob x = write_xlsx_blob(fill_many), c = { 0 };
	struct sheet_info info;

	(void)state;
	blob_adds(&c, "a\nb\nc\nd\n");
	for (int k = 0; k < 2; k++) {
		struct got g = { .stop_after = 2 };
		struct sheet_read_opts o = opts_for(&g);
		struct problem prob;
		assert_int_equal(read_blob(k ? &c : &x, &o, &info, &prob), RC_OK);
		assert_int_equal(g.n, 2);
		assert_int_equal(info.rows, 2);
		assert_true(info.stopped);
		got_free(&g);
	}
	blob_free(&x);
	blob_free(&c);
}

/* ---- text the XML cannot hold ---- */

static void fill_odd_text(struct sheet_writer *w)
{
	const struct sheet_cell row[] = { SHEET_TEXT("a\x01z"), SHEET_TEXT("_x0041_ 字面"),
					  SHEET_TEXT("x\r\ny"), SHEET_TEXT("bad \xFF byte"),
					  SHEET_TEXT("<&>\"'") };

	add_sheet(w, "怪", NULL, 0);
	add_row(w, row, N(row));
}

static void test_sheet__characters_xml_cannot_hold_survive_an_xlsx_round_trip(void **state)
{
	struct blob b = write_xlsx_blob(fill_odd_text);
	struct got g = { 0 };

	(void)state;
	read_ok(&b, &g, NULL);
	assert_int_equal(g.n, 1);
	assert_string_equal(cell(&g, 0, 0), "a\x01z");
	assert_string_equal(cell(&g, 0, 1), "_x0041_ 字面");
	assert_string_equal(cell(&g, 0, 2), "x\r\ny");
	assert_string_equal(cell(&g, 0, 3), "bad \xEF\xBF\xBD byte");
	assert_string_equal(cell(&g, 0, 4), "<&>\"'");
	got_free(&g);
	blob_free(&b);
}

/* ---- dates and names ---- */

static void test_sheet__excel_dates_convert_in_the_1900_and_1904_systems(void **state)
{
	static const struct {
		const char *cell;
		bool date1904;
		bool ok;
		int64_t s;
	} cases[] = {
		{ "45413.354166666664", false, true, MAY_DAY_830 },
		{ "45413", false, true, MAY_DAY_S },
		{ "1", false, true, -2208988800LL },	      /* 1900-01-01 */
		{ "59", false, true, -2203977600LL },	      /* 1900-02-28 */
		{ "60", false, false, 0 },		      /* 1900-02-29, which never was */
		{ "61", false, true, -2203891200LL },	      /* 1900-03-01 */
		{ "0.5", false, true, -2209032000LL },	      /* a time alone: 1899-12-31 12:00 */
		{ "2958465.5", false, true, 253402257600LL }, /* 9999-12-31 12:00 */
		{ "2958466", false, false, 0 },
		{ "0", true, true, -2082844800LL }, /* 1904-01-01 */
		{ "43951.354166666664", true, true, MAY_DAY_830 },
		{ "-1", false, false, 0 },
		{ "abc", false, false, 0 },
		{ "12x", false, false, 0 },
		{ "", false, false, 0 },
		{ "nan", false, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		int64_t s = 0;
		bool ok = sheet_excel_date_to_s(cases[i].cell, cases[i].date1904, &s);
		if (ok != cases[i].ok || (ok && s != cases[i].s))
			fail_msg("%s: got %d %lld", cases[i].cell, ok, (long long)s);
	}
}

static void test_sheet__column_names_run_a_to_z_then_aa(void **state)
{
	char buf[8];

	(void)state;
	assert_string_equal(sheet_column_name(0, buf), "A");
	assert_string_equal(sheet_column_name(25, buf), "Z");
	assert_string_equal(sheet_column_name(26, buf), "AA");
	assert_string_equal(sheet_column_name(27, buf), "AB");
	assert_string_equal(sheet_column_name(701, buf), "ZZ");
	assert_string_equal(sheet_column_name(702, buf), "AAA");
	assert_string_equal(sheet_column_name(16383, buf), "XFD");
	assert_int_equal(strlen(sheet_column_name(SIZE_MAX, buf)), 7);
}

/* ---- another program ---- */

static const char *script_path(void)
{
	static char path[1024];
	const char *src = getenv("YZ_SOURCE_DIR");

	if (src && *src)
		snprintf(path, sizeof(path), "%s/tests/unit/media/sheet_openpyxl.py", src);
	else
		snprintf(path, sizeof(path), "%.*s/sheet_openpyxl.py",
			 (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__);
	return path;
}

static void need_openpyxl(void)
{
	if (access(PYTHON, X_OK) || system(PYTHON " -c 'import openpyxl' 2>/dev/null"))
		fail_msg("%s with openpyxl is needed: apt-get install python3-openpyxl "
			 "(make test installs it)",
			 PYTHON);
}

/* Runs the script with args; returns what it printed (exit status 0). */
static struct blob run_script(const char *args)
{
	char cmd[2048];
	char buf[4096];
	struct blob out = { 0 };
	size_t n;

	need_openpyxl();
	snprintf(cmd, sizeof(cmd), PYTHON " '%s' %s", script_path(), args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		blob_add(&out, buf, n);
	int status = pclose(p);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("%s failed (%d)", cmd, status);
	blob_add(&out, "", 0);
	return out;
}

static void test_sheet__a_workbook_made_by_openpyxl_is_read(void **state)
{
	char path[600], args[700];

	(void)state;
	for (int epoch = 0; epoch < 2; epoch++) {
		struct sheet_info info;
		struct got g = { 0 };
		struct sheet_read_opts o = opts_for(&g);
		struct problem prob;
		int64_t s;

		snprintf(path, sizeof(path), "%s/openpyxl.xlsx", tmp_dir);
		snprintf(args, sizeof(args), "make '%s'%s", path, epoch ? " 1904" : "");
		struct blob out = run_script(args);
		blob_free(&out);
		problem_init(&prob);
		if (sheet_read_path(path, &o, &info, &prob) != RC_OK)
			fail_msg("%s", prob.detail);
		unlink(path);
		assert_int_equal(info.format, SHEET_XLSX);
		assert_int_equal(info.date1904, epoch == 1);
		assert_string_equal(info.sheet_name, "台账");
		assert_int_equal(g.n, 4);
		assert_int_equal(g.rows[0].ncells, 6);
		assert_string_equal(cell(&g, 0, 0), "姓名");
		assert_string_equal(cell(&g, 0, 2), ""); /* the gap */
		assert_string_equal(cell(&g, 0, 3), "入职时间");
		assert_string_equal(cell(&g, 1, 0), "张三");
		assert_string_equal(cell(&g, 1, 1), "13800138000");
		assert_true(sheet_excel_date_to_s(cell(&g, 1, 3), info.date1904, &s));
		assert_int_equal(s, MAY_DAY_830);
		assert_string_equal(cell(&g, 1, 4), "7.5");
		assert_string_equal(cell(&g, 1, 5), "TRUE");
		assert_int_equal(g.rows[2].number, 4);
		assert_string_equal(cell(&g, 2, 0), " 李四 ");
		assert_string_equal(cell(&g, 2, 1), "13900139000");
		assert_true(sheet_excel_date_to_s(cell(&g, 2, 3), info.date1904, &s));
		assert_int_equal(s, 946598400LL); /* 1999-12-31 */
		assert_string_equal(cell(&g, 2, 4), "-3");
		assert_string_equal(cell(&g, 2, 5), "FALSE");
		assert_int_equal(g.rows[2].ncells, 6); /* the formula has no value yet */
		assert_string_equal(cell(&g, 3, 0), "他说\"好\"，\n然后走了");
		assert_int_equal(g.rows[3].ncells, 8);
		assert_string_equal(cell(&g, 3, 7), "远处");
		got_free(&g);
	}
}

static void test_sheet__openpyxl_reads_what_we_write_with_the_first_row_frozen(void **state)
{
	char path[600], args[700];
	struct sheet_written out;
	struct sheet_writer *w = writer(SHEET_XLSX, NULL, false);
	json_error_t jerr;

	(void)state;
	write_ledger(w);
	fill_categories(w);
	finish(w, &out);
	snprintf(path, sizeof(path), "%s/ours.xlsx", tmp_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(out.fd, buf, sizeof(buf))) > 0)
		assert_int_equal(write(fd, buf, (size_t)n), n);
	close(fd);
	close(out.fd);
	snprintf(args, sizeof(args), "dump '%s'", path);
	struct blob dump = run_script(args);
	unlink(path);

	json_t *root = json_loads((char *)dump.data, 0, &jerr);
	if (!root)
		fail_msg("openpyxl's dump is not JSON: %s", jerr.text);
	json_t *sheets = json_object_get(root, "sheets");
	assert_int_equal(json_array_size(sheets), 1 + N(category_titles));
	json_t *first = json_array_get(sheets, 0);
	assert_string_equal(json_string_value(json_object_get(first, "title")), "台账");
	assert_string_equal(json_string_value(json_object_get(first, "freeze")), "A2");
	assert_string_equal(json_string_value(json_object_get(first, "autofilter")), "A1:F4");
	assert_true(json_is_true(json_object_get(first, "bold_header")));
	json_t *rows = json_object_get(first, "rows");
	assert_int_equal(json_array_size(rows), 4);
	for (size_t i = 0; i < N(ledger_cols); i++)
		assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 0), i)),
				    ledger_cols[i].title);
	json_t *r1 = json_array_get(rows, 1), *r2 = json_array_get(rows, 2);
	assert_string_equal(json_string_value(json_array_get(r1, 0)), "张三");
	assert_string_equal(json_string_value(json_array_get(r1, 2)), "他说\"你好\"，然后走了");
	assert_true(json_real_value(json_array_get(r1, 3)) == 7.5);
	assert_string_equal(json_string_value(json_array_get(r1, 4)), "2024-05-01T00:00:00");
	assert_string_equal(json_string_value(json_array_get(r1, 5)), "2024-05-01T08:30:00");
	assert_string_equal(json_string_value(json_array_get(r2, 0)), "李四, 王五");
	assert_true(json_is_null(json_array_get(r2, 1)));
	for (size_t i = 0; i < N(category_titles); i++) {
		json_t *s = json_array_get(sheets, i + 1);
		assert_string_equal(json_string_value(json_object_get(s, "title")),
				    category_title(i, 1));
		assert_string_equal(json_string_value(json_object_get(s, "freeze")), "A2");
		assert_int_equal(json_array_size(json_object_get(s, "rows")), i + 2);
	}
	json_decref(root);
	blob_free(&dump);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_sheet__csv_round_trip_keeps_chinese_quotes_commas_and_line_breaks),
		cmocka_unit_test(
			test_sheet__xlsx_round_trip_keeps_text_numbers_dates_and_empty_cells),
		cmocka_unit_test(test_sheet__xlsx_holds_one_sheet_per_category_each_read_by_name),
		cmocka_unit_test(test_sheet__fifteen_hundred_rows_round_trip_in_both_formats),
		cmocka_unit_test(
			test_sheet__files_are_read_from_a_path_or_a_descriptor_as_from_memory),
		cmocka_unit_test(test_sheet__an_xlsx_descriptor_can_be_streamed_and_leaves_no_file),
		cmocka_unit_test(test_sheet__an_old_xls_is_refused_with_a_word_on_saving_as_xlsx),
		cmocka_unit_test(test_sheet__random_bytes_utf16_and_empty_files_are_refused),
		cmocka_unit_test(test_sheet__a_zip_that_is_not_a_workbook_is_refused),
		cmocka_unit_test(test_sheet__shared_strings_rich_text_and_gaps_read_like_excel),
		cmocka_unit_test(test_sheet__the_first_shown_worksheet_is_read_not_a_hidden_one),
		cmocka_unit_test(test_sheet__damaged_workbooks_name_what_is_wrong),
		cmocka_unit_test(test_sheet__cut_and_bit_flipped_workbooks_never_crash),
		cmocka_unit_test(
			test_sheet__csv_line_ends_blank_lines_and_quoted_breaks_number_rows_as_excel),
		cmocka_unit_test(
			test_sheet__csv_quoting_and_encoding_errors_name_the_row_and_column),
		cmocka_unit_test(test_sheet__gb18030_csv_as_chinese_excel_saves_it_is_read),
		cmocka_unit_test(test_sheet__csv_writer_guards_formulas_when_asked),
		cmocka_unit_test(test_sheet__csv_holds_one_sheet),
		cmocka_unit_test(test_sheet__a_cell_too_long_is_refused_with_its_row_and_column),
		cmocka_unit_test(test_sheet__text_over_excels_cell_limit_is_refused_by_the_writer),
		cmocka_unit_test(
			test_sheet__too_many_columns_are_refused_but_empty_ones_past_them_are_not),
		cmocka_unit_test(test_sheet__rows_past_the_callers_bound_are_refused),
		cmocka_unit_test(test_sheet__the_file_size_bound_is_checked_before_reading),
		cmocka_unit_test(test_sheet__a_zip_bomb_is_stopped_by_the_size_bound_and_the_ratio),
		cmocka_unit_test(test_sheet__shared_strings_are_held_within_their_bound),
		cmocka_unit_test(test_sheet__the_callback_can_stop_the_read),
		cmocka_unit_test(test_sheet__characters_xml_cannot_hold_survive_an_xlsx_round_trip),
		cmocka_unit_test(test_sheet__excel_dates_convert_in_the_1900_and_1904_systems),
		cmocka_unit_test(test_sheet__column_names_run_a_to_z_then_aa),
		cmocka_unit_test(test_sheet__a_workbook_made_by_openpyxl_is_read),
		cmocka_unit_test(
			test_sheet__openpyxl_reads_what_we_write_with_the_first_row_frozen),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
