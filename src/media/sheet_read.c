/* Reading spreadsheets: the format is decided from the first bytes, then
 * CSV is read here and workbooks in sheet_xlsx.c, both into the one row
 * assembler below, which holds every reader to the caller's bounds and
 * hands rows to the callback.
 *
 * CSV goes through libcsv in strict mode: a stray quote is an error that
 * names its cell, rather than a quote that silently swallows the rest of
 * the file into one cell, which is what lenient parsing does with
 * `"ab"c`. libcsv keeps the cell being read in a buffer of its own that
 * grows without limit, so the input is fed in 64 KiB pieces and that
 * buffer's size is checked after each: a quote left open costs at most
 * max_cell_bytes and a piece before it is refused. */
#include "media/sheet.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "media/sheet_int.h"

/* How much is read at a time, and how much of the start decides the
 * format and the CSV encoding. */
#define PIECE_BYTES (64u << 10)

/* Text whose first fault as UTF-8 comes after this many characters of
 * more than a byte is UTF-8 with a fault, not GB18030: Chinese in GBK is
 * seldom well-formed UTF-8 for more than two or three characters, while
 * UTF-8 Chinese often passes for GB18030, whose pairs accept most bytes. */
#define UTF8_SURE_CHARS 8

static const unsigned char zip_magic[4] = { 'P', 'K', 3, 4 };
static const unsigned char empty_zip_magic[4] = { 'P', 'K', 5, 6 };
static const unsigned char ole2_magic[8] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };
static const unsigned char utf8_bom[3] = { 0xEF, 0xBB, 0xBF };
static const unsigned char gb18030_bom[4] = { 0x84, 0x31, 0x95, 0x33 };

/* ---- shared pieces ---- */

const char *sheet_column_name(size_t index, char buf[8])
{
	char rev[8];
	size_t n = 0;

	/* Bijective base 26: A..Z, AA..ZZ, AAA.. ; 7 letters pass any size_t
	 * a sheet can have (26^7 > 8e9), and past that the name is cut. */
	do {
		rev[n++] = (char)('A' + index % 26);
		index = index / 26;
	} while (index-- > 0 && n < 7);
	for (size_t i = 0; i < n; i++)
		buf[i] = rev[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

enum rc sheet_status(struct problem *prob, int status, enum rc rc)
{
	prob->status = status;
	return rc;
}

enum rc sheet_not_a_sheet(struct problem *prob)
{
	return sheet_status(prob, 415,
			    problem_set(prob, RC_INVALID, "unsupported-sheet",
					"不是 CSV 或 Excel（.xlsx）文件"));
}

enum rc sheet_cell_too_long(struct problem *prob, size_t row_number, size_t col,
			    size_t max_cell_bytes)
{
	char name[8];

	return sheet_status(prob, 413,
			    problem_set(prob, RC_INVALID, "sheet-too-large",
					"第 %zu 行 %s 列：内容超过 %zu 字节", row_number,
					sheet_column_name(col, name), max_cell_bytes));
}

enum rc sheet_read_failed(struct problem *prob)
{
	return problem_set(prob, RC_INTERNAL, "internal", "读取表格文件失败");
}

ssize_t sheet_src_read(const struct sheet_src *src, uint64_t off, void *buf, size_t cap)
{
	if (src->fd < 0) {
		if (off >= src->len)
			return 0;
		size_t n = src->len - (size_t)off < cap ? src->len - (size_t)off : cap;
		memcpy(buf, src->data + off, n);
		return (ssize_t)n;
	}
	for (;;) {
		ssize_t n = pread(src->fd, buf, cap, (off_t)off);
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

/* ---- the row assembler ---- */

void sheet_rows_init(struct sheet_rows *r, const struct sheet_read_opts *opts,
		     struct sheet_info *info)
{
	memset(r, 0, sizeof(*r));
	r->lim = opts->lim;
	if (!r->lim.max_columns)
		r->lim.max_columns = SHEET_MAX_COLUMNS;
	if (!r->lim.max_cell_bytes)
		r->lim.max_cell_bytes = SHEET_MAX_CELL_BYTES;
	if (!r->lim.max_unzipped_bytes)
		r->lim.max_unzipped_bytes = SHEET_MAX_UNZIPPED_BYTES;
	if (!r->lim.max_zip_ratio)
		r->lim.max_zip_ratio = SHEET_MAX_ZIP_RATIO;
	if (!r->lim.max_shared_bytes)
		r->lim.max_shared_bytes = SHEET_MAX_SHARED_BYTES;
	r->on_row = opts->on_row;
	r->ctx = opts->ctx;
	r->info = info;
	sb_init(&r->text, 0);
	r->starts = xcalloc(r->lim.max_columns, sizeof(*r->starts));
	r->cells = xcalloc(r->lim.max_columns, sizeof(*r->cells));
}

void sheet_rows_release(struct sheet_rows *r)
{
	sb_release(&r->text);
	free(r->starts);
	free(r->cells);
	r->starts = NULL;
	r->cells = NULL;
}

void sheet_rows_clear(struct sheet_rows *r)
{
	sb_reset(&r->text);
	r->ncells = 0;
	r->nfilled = 0;
}

enum rc sheet_rows_cell(struct sheet_rows *r, size_t row_number, size_t col, const char *s,
			size_t len, struct problem *prob)
{
	assert(col >= r->ncells);
	if (col >= r->lim.max_columns) {
		char name[8];
		if (!len)
			return RC_OK;
		return sheet_status(prob, 413,
				    problem_set(prob, RC_INVALID, "sheet-too-large",
						"第 %zu 行 %s 列：超过 %zu 列", row_number,
						sheet_column_name(col, name), r->lim.max_columns));
	}
	if (len > r->lim.max_cell_bytes)
		return sheet_cell_too_long(prob, row_number, col, r->lim.max_cell_bytes);
	while (r->ncells < col) {
		r->starts[r->ncells++] = r->text.len;
		sb_addc(&r->text, '\0');
	}
	r->starts[r->ncells++] = r->text.len;
	sb_add(&r->text, s, len);
	sb_addc(&r->text, '\0');
	if (len)
		r->nfilled = r->ncells;
	return RC_OK;
}

enum rc sheet_rows_end(struct sheet_rows *r, size_t row_number, struct problem *prob)
{
	size_t n = r->nfilled;

	if (!n) {
		sheet_rows_clear(r);
		return RC_OK;
	}
	if (r->info->rows >= r->lim.max_rows)
		return sheet_status(prob, 413,
				    problem_set(prob, RC_INVALID, "sheet-too-large",
						"第 %zu 行：超过 %zu 行的上限，请分成几个文件导入",
						row_number, r->lim.max_rows));
	for (size_t i = 0; i < n; i++)
		r->cells[i] = r->text.buf + r->starts[i];
	r->info->rows++;
	if (r->on_row(r->ctx, row_number, r->cells, n) == SHEET_STOP) {
		r->stopped = true;
		r->info->stopped = true;
	}
	sheet_rows_clear(r);
	return RC_OK;
}

/* ---- text ---- */

/* The length of the UTF-8 sequence at s[0..len): 1–4, 0 when it is not
 * well formed (overlong, a surrogate, past U+10FFFF), or -1 when it is a
 * well-formed start cut off by the end. */
int sheet_utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	int n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (int i = 1; i < n; i++) {
		if ((size_t)i >= len)
			return -1;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return n;
}

/* Whether s[0..len) is UTF-8; a sequence cut off by the end counts as
 * good when cut_ok (the end of a piece, not of the file). *multi (if not
 * NULL) counts the characters of more than one byte before the first
 * fault. */
static bool utf8_check(const unsigned char *s, size_t len, bool cut_ok, size_t *multi)
{
	size_t i = 0, n_multi = 0;
	bool ok = true;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		int n = sheet_utf8_seq(s + i, len - i);
		if (n <= 0) {
			ok = n < 0 && cut_ok;
			break;
		}
		n_multi++;
		i += (size_t)n;
	}
	if (multi)
		*multi = n_multi;
	return ok;
}

static bool utf8_valid(const unsigned char *s, size_t len)
{
	return utf8_check(s, len, false, NULL);
}

/* ---- deciding the format ---- */

struct sniffed {
	enum sheet_format format;
	enum sheet_encoding encoding;
	size_t skip; /* a byte-order mark's bytes */
};

/* Whether w[0..n) converts from GB18030 (a sequence cut off by the end is
 * fine unless whole): iconv is the judge, the same conversion reading
 * will use. */
static bool gb18030_valid(const unsigned char *w, size_t n, bool whole, bool *no_iconv)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	char out[4096];
	char *in = (char *)w;
	size_t left = n;
	bool ok = true;

	if (cd == (iconv_t)-1) {
		*no_iconv = true;
		return false;
	}
	while (left > 0) {
		char *o = out;
		size_t room = sizeof(out);
		if (iconv(cd, &in, &left, &o, &room) != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		ok = errno == EINVAL && !whole;
		break;
	}
	iconv_close(cd);
	return ok;
}

/* Decides from the first bytes w[0..n) (the whole file when whole). */
static enum rc sniff(const unsigned char *w, size_t n, bool whole, struct sniffed *out,
		     struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return sheet_status(prob, 422,
				    problem_set(prob, RC_INVALID, "bad-sheet", "文件是空的"));
	if (n >= 4 && !memcmp(w, zip_magic, 4)) {
		out->format = SHEET_XLSX;
		return RC_OK;
	}
	if (n >= 4 && !memcmp(w, empty_zip_magic, 4))
		return sheet_not_a_sheet(prob);
	if (n >= 8 && !memcmp(w, ole2_magic, 8))
		return sheet_status(
			prob, 415,
			problem_set(
				prob, RC_INVALID, "unsupported-sheet",
				"这是旧版 Excel（.xls）文件或加了密码的工作簿：请在 Excel 中另存为 .xlsx（不设密码）后再导入"));
	/* UTF-16 (with or without a mark) has NUL bytes in every ASCII
	 * character, and so has almost any binary file. */
	if ((n >= 2 && ((w[0] == 0xFF && w[1] == 0xFE) || (w[0] == 0xFE && w[1] == 0xFF))) ||
	    memchr(w, 0, n))
		return sheet_not_a_sheet(prob);
	/* Text has few control characters besides tab and line ends; binary
	 * data has one in every ten bytes or so. */
	size_t controls = 0, multi = 0;
	for (size_t i = 0; i < n; i++)
		if ((w[i] < 0x20 && w[i] != '\t' && w[i] != '\n' && w[i] != '\r' && w[i] != '\f') ||
		    w[i] == 0x7F)
			controls++;
	if (controls > n / 64)
		return sheet_not_a_sheet(prob);
	out->format = SHEET_CSV;
	if (n >= 3 && !memcmp(w, utf8_bom, 3)) {
		out->skip = 3;
	} else if (n >= 4 && !memcmp(w, gb18030_bom, 4)) {
		out->skip = 4;
		out->encoding = SHEET_GB18030;
	} else if (!utf8_check(w, n, !whole, &multi) && multi < UTF8_SURE_CHARS) {
		bool no_iconv = false;
		if (!gb18030_valid(w, n, whole, &no_iconv)) {
			/* UTF-8 with a fault: the row that has it is named
			 * when it is read. */
			if (multi)
				return RC_OK;
			if (!no_iconv)
				return sheet_not_a_sheet(prob);
			return sheet_status(
				prob, 415,
				problem_set(
					prob, RC_INVALID, "unsupported-sheet",
					"CSV 文件不是 UTF-8 编码：请另存为“CSV UTF-8（逗号分隔）”后再导入"));
		}
		out->encoding = SHEET_GB18030;
	}
	if (whole && n == out->skip)
		return sheet_status(prob, 422,
				    problem_set(prob, RC_INVALID, "bad-sheet", "文件是空的"));
	return RC_OK;
}

/* ---- CSV ---- */

struct csv_run {
	struct sheet_rows *rows;
	struct problem *prob;
	enum rc rc;    /* the first error, which ends the run */
	bool utf8;     /* cells must be checked (GB18030 comes from iconv, valid) */
	size_t row;    /* the record being read, from 1 */
	size_t col;    /* its cells so far */
	bool any_cell; /* since the last record's end */
	bool after_cr; /* that end was a CR, so an LF now is its pair */
};

static bool run_over(const struct csv_run *run)
{
	return run->rc != RC_OK || run->rows->stopped;
}

static void on_csv_cell(void *s, size_t len, void *data)
{
	struct csv_run *run = data;
	const unsigned char *cell = s ? s : (const unsigned char *)"";

	if (run_over(run))
		return;
	if (len && memchr(cell, 0, len))
		run->rc = sheet_status(run->prob, 422,
				       problem_set(run->prob, RC_INVALID, "bad-sheet",
						   "第 %zu 行含有空字符（NUL），不是文本",
						   run->row));
	else if (run->utf8 && !utf8_valid(cell, len))
		run->rc = sheet_status(
			run->prob, 422,
			problem_set(
				run->prob, RC_INVALID, "bad-sheet",
				"第 %zu 行不是有效的 UTF-8 文本：请把文件另存为“CSV UTF-8（逗号分隔）”",
				run->row));
	else
		run->rc = sheet_rows_cell(run->rows, run->row, run->col, (const char *)cell, len,
					  run->prob);
	run->col++;
	run->any_cell = true;
	run->after_cr = false;
}

/* libcsv reports every line end outside quotes (CSV_REPALL_NL), so that
 * blank lines count as rows the way a spreadsheet numbers them; the LF of
 * a CRLF is the one end not to count. */
static void on_csv_row_end(int c, void *data)
{
	struct csv_run *run = data;

	if (run_over(run))
		return;
	if (c == '\n' && run->after_cr && !run->any_cell) {
		run->after_cr = false;
		return;
	}
	run->rc = sheet_rows_end(run->rows, run->row, run->prob);
	run->row++;
	run->col = 0;
	run->any_cell = false;
	run->after_cr = c == '\r';
}

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static enum rc csv_quote_error(struct csv_run *run, bool at_end)
{
	char name[8];

	sheet_column_name(run->col, name);
	if (at_end)
		return sheet_status(run->prob, 422,
				    problem_set(run->prob, RC_INVALID, "bad-sheet",
						"第 %zu 行 %s 列：引号没有闭合", run->row, name));
	return sheet_status(
		run->prob, 422,
		problem_set(
			run->prob, RC_INVALID, "bad-sheet",
			"第 %zu 行 %s 列：引号不成对（含逗号、引号或换行的内容应整个放在双引号里，其中的双引号写两次）",
			run->row, name));
}

/* Feeds p[0..n) of UTF-8 to libcsv; checks what it holds of the cell
 * being read. */
static void csv_feed(struct csv_parser *cp, struct csv_run *run, const char *p, size_t n)
{
	if (run_over(run) || !n)
		return;
	if (csv_parse(cp, p, n, on_csv_cell, on_csv_row_end, run) != n && !run_over(run))
		run->rc = csv_quote_error(run, false);
	if (!run_over(run) && cp->entry_pos > run->rows->lim.max_cell_bytes)
		run->rc = sheet_cell_too_long(run->prob, run->row, run->col,
					      run->rows->lim.max_cell_bytes);
}

static enum rc csv_read(const struct sheet_src *src, const struct sniffed *sn,
			struct sheet_rows *rows, struct problem *prob)
{
	struct csv_parser cp;
	struct csv_run run = {
		.rows = rows, .prob = prob, .utf8 = sn->encoding == SHEET_UTF8, .row = 1
	};
	iconv_t cd = (iconv_t)-1;
	/* A GB18030 piece grows at most by half in UTF-8 (two bytes become
	 * three), and carries up to three bytes of a cut-off character. */
	char *in = xmalloc(PIECE_BYTES + 4), *out = NULL;
	size_t carry = 0;
	uint64_t off = sn->skip;
	bool eof = false;

	if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL))
		abort(); /* out of memory: it allocates nothing else */
	csv_set_space_func(&cp, no_space);
	if (sn->encoding == SHEET_GB18030) {
		cd = iconv_open("UTF-8", "GB18030");
		if (cd == (iconv_t)-1) {
			run.rc = sheet_read_failed(prob);
			goto out;
		}
		out = xmalloc(PIECE_BYTES * 2);
	}
	while (!eof && !run_over(&run)) {
		ssize_t n = sheet_src_read(src, off, in + carry, PIECE_BYTES);
		if (n < 0) {
			run.rc = sheet_read_failed(prob);
			break;
		}
		off += (uint64_t)n;
		eof = n == 0;
		if (cd == (iconv_t)-1) {
			csv_feed(&cp, &run, in, (size_t)n);
			continue;
		}
		char *ip = in;
		size_t left = carry + (size_t)n;
		while (left > 0 && !run_over(&run)) {
			char *op = out;
			size_t room = PIECE_BYTES * 2;
			size_t r = iconv(cd, &ip, &left, &op, &room);
			int err = r == (size_t)-1 ? errno : 0;
			csv_feed(&cp, &run, out, (size_t)(op - out));
			if (!err || err == E2BIG || run_over(&run))
				continue;
			if (err == EINVAL && !eof)
				break; /* a character cut by the piece: carried */
			run.rc = sheet_status(
				prob, 422,
				problem_set(
					prob, RC_INVALID, "bad-sheet",
					"第 %zu 行不是有效的 GB18030（GBK）文本：请把文件另存为“CSV UTF-8（逗号分隔）”",
					run.row));
		}
		carry = left;
		memmove(in, ip, carry);
	}
	if (!run_over(&run) && csv_fini(&cp, on_csv_cell, on_csv_row_end, &run) && !run_over(&run))
		run.rc = csv_quote_error(&run, true);
out:
	csv_free(&cp);
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	free(in);
	free(out);
	return run.rc;
}

/* ---- the doors ---- */

static enum rc read_src(const struct sheet_src *src, const struct sheet_read_opts *opts,
			struct sheet_info *info, struct problem *prob)
{
	struct sheet_info scratch;
	struct sheet_rows rows;
	struct sniffed sn;
	unsigned char *head = NULL;
	enum rc rc;

	assert(opts->on_row && opts->lim.max_file_bytes > 0 && opts->lim.max_rows > 0);
	if (!info)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	uint64_t size = src->fd >= 0 ? src->size : src->len;
	if (size > opts->lim.max_file_bytes)
		return sheet_status(prob, 413,
				    problem_set(prob, RC_INVALID, "sheet-too-large",
						"文件过大：最多 %.1f MB",
						(double)opts->lim.max_file_bytes / (1 << 20)));
	head = xmalloc(PIECE_BYTES);
	ssize_t n = sheet_src_read(src, 0, head, PIECE_BYTES);
	if (n < 0) {
		free(head);
		return sheet_read_failed(prob);
	}
	rc = sniff(head, (size_t)n, (uint64_t)n == size, &sn, prob);
	free(head);
	if (rc != RC_OK)
		return rc;
	info->format = sn.format;
	info->encoding = sn.encoding;
	sheet_rows_init(&rows, opts, info);
	if (sn.format == SHEET_XLSX)
		rc = sheet_xlsx_read(src, opts->sheet_name, &rows, prob);
	else
		rc = csv_read(src, &sn, &rows, prob);
	sheet_rows_release(&rows);
	return rc;
}

enum rc sheet_read_mem(const void *data, size_t len, const struct sheet_read_opts *opts,
		       struct sheet_info *info, struct problem *prob)
{
	struct sheet_src src = { .data = data, .len = len, .fd = -1 };

	return read_src(&src, opts, info, prob);
}

enum rc sheet_read_fd(int fd, const struct sheet_read_opts *opts, struct sheet_info *info,
		      struct problem *prob)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return sheet_read_failed(prob);
	struct sheet_src src = { .fd = fd, .size = (uint64_t)st.st_size };
	return read_src(&src, opts, info, prob);
}

enum rc sheet_read_path(const char *path, const struct sheet_read_opts *opts,
			struct sheet_info *info, struct problem *prob)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sheet_read_failed(prob);
	enum rc rc = sheet_read_fd(fd, opts, info, prob);
	close(fd);
	return rc;
}

/* ---- dates ---- */

/* Days from Excel's epochs to 1970-01-01: serial 25569 is 1970-01-01 in
 * the 1900 system (which counts a 1900-02-29 that never was, serial 60,
 * so serials before it are a day early), 24107 in the 1904 system. */
#define EXCEL_1900_UNIX_DAYS 25569
#define EXCEL_1904_UNIX_DAYS 24107
/* 9999-12-31, the last day Excel shows, in each system. */
#define EXCEL_1900_LAST	     2958465
#define EXCEL_1904_LAST	     (EXCEL_1900_LAST - 1462)

bool sheet_excel_date_to_s(const char *cell, bool date1904, int64_t *wall_s)
{
	char *end;
	double serial, day;

	if (!cell || !*cell)
		return false;
	errno = 0;
	serial = strtod(cell, &end);
	if (errno || *end || !isfinite(serial) || serial < 0 ||
	    serial >= (date1904 ? EXCEL_1904_LAST : EXCEL_1900_LAST) + 1.0)
		return false;
	day = floor(serial);
	int64_t days = (int64_t)day;
	if (date1904) {
		days -= EXCEL_1904_UNIX_DAYS;
	} else if (days == 60) {
		return false;
	} else {
		days -= days < 60 ? EXCEL_1900_UNIX_DAYS - 1 : EXCEL_1900_UNIX_DAYS;
	}
	*wall_s = days * 86400 + (int64_t)llround((serial - day) * 86400.0);
	return true;
}
