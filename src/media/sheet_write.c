/* Writing spreadsheets, a row at a time. CSV is built in a 64 KiB buffer
 * handed to the caller's sink whenever it fills, so an export of any
 * length holds one buffer. Workbooks are written by libxlsxwriter in its
 * constant-memory mode: each row goes to a temporary file of its sheet
 * when the next row starts, and closing the workbook zips those files into
 * the .xlsx, itself a temporary file the caller then streams. In that mode
 * rows must come in order, which is the only way this interface offers. */
#include "media/sheet.h"
#include "media/sheet_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/sb.h"
#include "core/xalloc.h"

#define FLUSH_BYTES		(64u << 10)
/* Excel's own limits. */
#define XLSX_MAX_ROWS		1048576
#define XLSX_MAX_COLUMNS	16384
#define XLSX_MAX_CELL_CHARS	32767
#define XLSX_MAX_NAME_UNITS	31
/* Column widths are reckoned from the header and this many rows. */
#define WIDTH_SAMPLE_ROWS	100
#define WIDTH_MIN		8.0
#define WIDTH_MAX		50.0
/* The header's fill, a light blue. */
#define HEADER_FILL		0xDDEBF7
/* 1900-03-01 00:00 in seconds since 1970: Excel's serials are continuous
 * from there on (the 1900 system counts a 1900-02-29 that never was). */
#define EXCEL_CONTINUOUS_FROM_S (-2203891200LL)
#define EXCEL_1900_UNIX_DAYS	25569

struct sheet_writer {
	enum sheet_format format;
	sheet_sink_fn *sink;
	void *sink_ctx;
	bool guard;
	bool broken; /* a write failed: only freeing is left */
	bool finished;
	size_t nsheets;
	struct sb scratch; /* text made valid for the file */
	/* CSV */
	struct sb out;
	uint64_t bytes;
	/* XLSX */
	char *tmp_dir;
	char *path; /* the workbook being written, until finish unlinks it */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *head, *date, *datetime;
	char **names; /* [nsheets] */
	char sheet_name[128];
	uint32_t row; /* the next row of the current sheet, 0-based */
	size_t ncols; /* the header's columns */
	double *width;
	bool *fixed;
};

static enum rc write_failed(struct sheet_writer *w, struct problem *prob)
{
	w->broken = true;
	return problem_set(prob, RC_INTERNAL, "internal", "写出表格文件失败");
}

static enum rc xlsx_failed(struct sheet_writer *w, lxw_error err, struct problem *prob)
{
	w->broken = true;
	return problem_set(prob, RC_INTERNAL, "internal", "写出 Excel 文件失败：%s",
			   lxw_strerror(err));
}

int sheet_sink_fd(void *ctx, const void *data, size_t len)
{
	int fd = *(const int *)ctx;
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- text ---- */

/* The length of the well-formed UTF-8 sequence at s (NUL-terminated), or 0:
 * a NUL ends a cut sequence before anything past it is read. */
static size_t utf8_len(const unsigned char *s)
{
	int n = sheet_utf8_seq(s, 4);
	return n > 0 ? (size_t)n : 0;
}

/* Whether s[i..] starts an Excel escape "_xHHHH_". */
static bool is_x_escape(const char *s)
{
	if (s[0] != '_' || s[1] != 'x')
		return false;
	for (int i = 2; i < 6; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return s[6] == '_';
}

/* s as the file may hold it: invalid UTF-8 becomes U+FFFD, and in an XLSX
 * cell (escape_x) an "_x" that would read as Excel's escape of a character
 * gets escaped itself ("_x005F_"), as Excel does, since libxlsxwriter does
 * not. Returns
 * s itself when nothing changes, else the scratch buffer (valid until the
 * next call); *len is its length, *units its length in UTF-16 code units
 * (what Excel counts). */
static const char *clean_text(struct sheet_writer *w, const char *s, bool escape_x, size_t *len,
			      size_t *units)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = 0;

	/* Most text needs nothing: find out without copying. */
	while (u[i]) {
		size_t k = utf8_len(u + i);
		if (!k || (escape_x && u[i] == '_' && is_x_escape(s + i)))
			break;
		n += k == 4 ? 2 : 1;
		i += k;
	}
	if (!u[i]) {
		*len = i;
		*units = n;
		return s;
	}
	sb_reset(&w->scratch);
	sb_add(&w->scratch, s, i);
	while (u[i]) {
		size_t k = utf8_len(u + i);
		if (!k) {
			sb_addlit(&w->scratch, "\xEF\xBF\xBD");
			i++;
			n++;
			continue;
		}
		if (escape_x && u[i] == '_' && is_x_escape(s + i)) {
			sb_addlit(&w->scratch, "_x005F");
			n += 6;
		}
		sb_add(&w->scratch, s + i, k);
		n += k == 4 ? 2 : 1;
		i += k;
	}
	*len = w->scratch.len;
	*units = n;
	return sb_str(&w->scratch);
}

/* How wide s shows, in Excel's character widths: East Asian characters
 * take two. */
static double display_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	double width = 0;

	for (size_t i = 0; u[i]; i++) {
		if ((u[i] & 0xC0) == 0x80)
			continue;
		width += u[i] >= 0xE1 ? 2 : 1; /* U+1000 and up, roughly the wide ones */
	}
	return width;
}

static double cell_width(const struct sheet_cell *c)
{
	switch (c->kind) {
	case SHEET_CELL_TEXT: return c->text ? display_width(c->text) : 0;
	case SHEET_CELL_NUMBER: return 10;
	case SHEET_CELL_DATE: return 10;
	case SHEET_CELL_DATETIME: return 16;
	case SHEET_CELL_EMPTY: break;
	}
	return 0;
}

/* The wall clock of s as UTC calendar fields. */
static void wall_fields(int64_t s, struct tm *tm)
{
	time_t t = (time_t)s;

	memset(tm, 0, sizeof(*tm));
	gmtime_r(&t, tm);
}

static void add_date_text(struct sb *sb, int64_t s, bool with_time)
{
	struct tm tm;

	wall_fields(s, &tm);
	sb_addf(sb, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (with_time)
		sb_addf(sb, " %02d:%02d", tm.tm_hour, tm.tm_min);
}

/* ---- CSV ---- */

static enum rc csv_flush(struct sheet_writer *w, struct problem *prob)
{
	if (!w->out.len)
		return RC_OK;
	if (w->sink(w->sink_ctx, w->out.buf, w->out.len))
		return write_failed(w, prob);
	w->bytes += w->out.len;
	sb_reset(&w->out);
	return RC_OK;
}

static void csv_add_text(struct sheet_writer *w, const char *s)
{
	size_t len, units;
	const char *t = clean_text(w, s, false, &len, &units);
	bool guard = w->guard && len && strchr("=+-@\t\r", t[0]);
	bool quote = strpbrk(t, ",\"\r\n") != NULL;

	if (quote)
		sb_addc(&w->out, '"');
	if (guard)
		sb_addc(&w->out, '\'');
	if (!quote) {
		sb_add(&w->out, t, len);
		return;
	}
	for (const char *q; (q = memchr(t, '"', len)); len -= (size_t)(q + 1 - t), t = q + 1) {
		sb_add(&w->out, t, (size_t)(q + 1 - t));
		sb_addc(&w->out, '"');
	}
	sb_add(&w->out, t, len);
	sb_addc(&w->out, '"');
}

/* The shortest of %.15g and %.17g that reads back as v; integers plainly. */
static void csv_add_number(struct sb *sb, double v)
{
	char buf[32];

	if (!isfinite(v))
		return;
	if (v == floor(v) && fabs(v) < 1e15) {
		sb_add_int(sb, (long long)v);
		return;
	}
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	sb_adds(sb, buf);
}

static enum rc csv_row(struct sheet_writer *w, const struct sheet_cell *cells, size_t ncells,
		       struct problem *prob)
{
	for (size_t i = 0; i < ncells; i++) {
		const struct sheet_cell *c = &cells[i];
		if (i)
			sb_addc(&w->out, ',');
		switch (c->kind) {
		case SHEET_CELL_TEXT:
			if (c->text)
				csv_add_text(w, c->text);
			break;
		case SHEET_CELL_NUMBER: csv_add_number(&w->out, c->number); break;
		case SHEET_CELL_DATE: add_date_text(&w->out, c->wall_s, false); break;
		case SHEET_CELL_DATETIME: add_date_text(&w->out, c->wall_s, true); break;
		case SHEET_CELL_EMPTY: break;
		}
	}
	sb_addlit(&w->out, "\r\n");
	return w->out.len >= FLUSH_BYTES ? csv_flush(w, prob) : RC_OK;
}

/* ---- XLSX ---- */

/* The byte length of s's longest prefix of at most units UTF-16 units. */
static size_t prefix_units(const char *s, size_t units)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = 0;

	while (u[i]) {
		size_t k = utf8_len(u + i);
		size_t add = k == 4 ? 2 : 1;
		if (!k || n + add > units)
			break;
		n += add;
		i += k;
	}
	return i;
}

static bool ascii_case_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

static bool name_taken(const struct sheet_writer *w, const char *name)
{
	if (ascii_case_equal(name, "History")) /* reserved by Excel */
		return true;
	for (size_t i = 0; i < w->nsheets; i++)
		if (ascii_case_equal(w->names[i], name))
			return true;
	return false;
}

/* A name Excel accepts for the next sheet, from want, into out[128]. */
static void make_sheet_name(struct sheet_writer *w, const char *want, char out[128])
{
	char base[128];
	size_t len, units, k = 0;

	if (want) {
		const char *t = clean_text(w, want, false, &len, &units);
		for (size_t i = 0; t[i] && k + 1 < sizeof(base); i++) {
			unsigned char c = (unsigned char)t[i];
			base[k++] = c < 0x20 || strchr("[]:*?/\\", c) ? '_' : (char)c;
		}
	}
	base[k] = '\0';
	base[prefix_units(base, XLSX_MAX_NAME_UNITS)] = '\0';
	len = strlen(base);
	if (len && base[0] == '\'')
		base[0] = '_';
	if (len && base[len - 1] == '\'')
		base[len - 1] = '_';
	if (!len)
		snprintf(base, sizeof(base), "Sheet%zu", w->nsheets + 1);
	snprintf(out, 128, "%s", base);
	for (unsigned n = 2; name_taken(w, out); n++) {
		char suffix[16];
		int slen = snprintf(suffix, sizeof(suffix), " (%u)", n);
		size_t keep = prefix_units(base, XLSX_MAX_NAME_UNITS - (size_t)slen);
		snprintf(out, 128, "%.*s%s", (int)keep, base, suffix);
	}
}

/* Sets the widths and the autofilter of the sheet being written, which
 * need its last row: libxlsxwriter writes them when the workbook closes. */
static enum rc xlsx_end_sheet(struct sheet_writer *w, struct problem *prob)
{
	lxw_error err = LXW_NO_ERROR;

	if (!w->ws || !w->ncols)
		return RC_OK;
	for (size_t i = 0; i < w->ncols && !err; i++) {
		double width = w->width[i];
		if (!w->fixed[i])
			width = fmin(fmax(width + 2, WIDTH_MIN), WIDTH_MAX);
		err = worksheet_set_column(w->ws, (lxw_col_t)i, (lxw_col_t)i, width, NULL);
	}
	if (!err)
		err = worksheet_autofilter(w->ws, 0, 0, w->row ? w->row - 1 : 0,
					   (lxw_col_t)(w->ncols - 1));
	return err ? xlsx_failed(w, err, prob) : RC_OK;
}

static enum rc text_too_long(struct sheet_writer *w, size_t row_number, size_t col,
			     struct problem *prob)
{
	char name[8];

	w->broken = true;
	problem_set(prob, RC_INVALID, "bad-sheet",
		    "第 %zu 行 %s 列：文字超过 Excel 单元格的 %d 个字符", row_number,
		    sheet_column_name(col, name), XLSX_MAX_CELL_CHARS);
	prob->status = 422;
	return RC_INVALID;
}

static enum rc xlsx_cell(struct sheet_writer *w, lxw_col_t col, const struct sheet_cell *c,
			 lxw_format *fmt, struct problem *prob)
{
	lxw_error err = LXW_NO_ERROR;

	switch (c->kind) {
	case SHEET_CELL_TEXT: {
		size_t len, units;
		if (!c->text)
			break;
		const char *t = clean_text(w, c->text, true, &len, &units);
		if (units > XLSX_MAX_CELL_CHARS)
			return text_too_long(w, (size_t)w->row + 1, col, prob);
		if (len)
			err = worksheet_write_string(w->ws, w->row, col, t, fmt);
		break;
	}
	case SHEET_CELL_NUMBER:
		if (isfinite(c->number))
			err = worksheet_write_number(w->ws, w->row, col, c->number, NULL);
		break;
	case SHEET_CELL_DATE:
	case SHEET_CELL_DATETIME:
		if (c->wall_s < EXCEL_CONTINUOUS_FROM_S) {
			/* Before Excel's calendar is right: as text. */
			sb_reset(&w->scratch);
			add_date_text(&w->scratch, c->wall_s, c->kind == SHEET_CELL_DATETIME);
			err = worksheet_write_string(w->ws, w->row, col, sb_str(&w->scratch), NULL);
			break;
		}
		err = worksheet_write_number(w->ws, w->row, col,
					     (double)c->wall_s / 86400.0 + EXCEL_1900_UNIX_DAYS,
					     c->kind == SHEET_CELL_DATE ? w->date : w->datetime);
		break;
	case SHEET_CELL_EMPTY: break;
	}
	return err ? xlsx_failed(w, err, prob) : RC_OK;
}

static enum rc xlsx_row(struct sheet_writer *w, const struct sheet_cell *cells, size_t ncells,
			lxw_format *fmt, struct problem *prob)
{
	if (w->row >= XLSX_MAX_ROWS) {
		w->broken = true;
		problem_set(prob, RC_INVALID, "bad-sheet", "工作表“%s”超过 Excel 的 %d 行上限",
			    w->sheet_name, XLSX_MAX_ROWS);
		prob->status = 422;
		return RC_INVALID;
	}
	if (ncells > XLSX_MAX_COLUMNS) {
		w->broken = true;
		problem_set(prob, RC_INVALID, "bad-sheet", "第 %zu 行超过 Excel 的 %d 列上限",
			    (size_t)w->row + 1, XLSX_MAX_COLUMNS);
		prob->status = 422;
		return RC_INVALID;
	}
	for (size_t i = 0; i < ncells; i++) {
		enum rc rc = xlsx_cell(w, (lxw_col_t)i, &cells[i], fmt, prob);
		if (rc != RC_OK)
			return rc;
		if (i < w->ncols && !w->fixed[i] && w->row <= WIDTH_SAMPLE_ROWS)
			w->width[i] = fmax(w->width[i], cell_width(&cells[i]));
	}
	w->row++;
	return RC_OK;
}

static enum rc xlsx_new(struct sheet_writer *w, const char *tmp_dir, struct problem *prob)
{
	struct sb path = SB_INIT;
	int fd;

	w->tmp_dir = xstrdup(tmp_dir ? tmp_dir : "/tmp");
	sb_addf(&path, "%s/yizhan-sheet-XXXXXX.xlsx", w->tmp_dir);
	w->path = sb_detach(&path, NULL);
	fd = mkstemps(w->path, 5);
	if (fd < 0) {
		free(w->path);
		w->path = NULL;
		return write_failed(w, prob);
	}
	close(fd);
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE,
				     .tmpdir = w->tmp_dir,
				     .use_zip64 = LXW_FALSE };
	w->wb = workbook_new_opt(w->path, &opt);
	if (!w->wb)
		return write_failed(w, prob);
	w->head = workbook_add_format(w->wb);
	format_set_bold(w->head);
	format_set_bg_color(w->head, HEADER_FILL);
	format_set_bottom(w->head, LXW_BORDER_THIN);
	format_set_align(w->head, LXW_ALIGN_VERTICAL_CENTER);
	w->date = workbook_add_format(w->wb);
	format_set_num_format(w->date, "yyyy-mm-dd");
	w->datetime = workbook_add_format(w->wb);
	format_set_num_format(w->datetime, "yyyy-mm-dd hh:mm");
	return RC_OK;
}

/* ---- the doors ---- */

struct sheet_writer *sheet_writer_new(const struct sheet_write_opts *opts, struct problem *prob)
{
	struct sheet_writer *w = xcalloc(1, sizeof(*w));

	assert(opts->format == SHEET_CSV || opts->format == SHEET_XLSX);
	assert(opts->format != SHEET_CSV || opts->sink);
	w->format = opts->format;
	w->sink = opts->sink;
	w->sink_ctx = opts->sink_ctx;
	w->guard = opts->csv_guard_formulas;
	sb_init(&w->scratch, 0);
	sb_init(&w->out, 0);
	if (w->format == SHEET_CSV) {
		sb_addlit(&w->out, "\xEF\xBB\xBF");
		return w;
	}
	if (xlsx_new(w, opts->tmp_dir, prob) != RC_OK) {
		sheet_writer_free(w);
		return NULL;
	}
	return w;
}

enum rc sheet_writer_add_sheet(struct sheet_writer *w, const char *name,
			       const struct sheet_column *cols, size_t ncols, struct problem *prob)
{
	struct sheet_cell *head = NULL;
	enum rc rc;

	assert(!w->broken && !w->finished);
	if (w->format == SHEET_CSV && w->nsheets) {
		w->broken = true;
		problem_set(prob, RC_INVALID, "bad-sheet",
			    "CSV 文件只能有一个工作表：请选择 Excel（.xlsx）格式");
		prob->status = 422;
		return RC_INVALID;
	}
	if (ncols) {
		head = xcalloc(ncols, sizeof(*head));
		for (size_t i = 0; i < ncols; i++)
			head[i] = SHEET_TEXT(cols[i].title ? cols[i].title : "");
	}
	if (w->format == SHEET_CSV) {
		w->nsheets++;
		rc = ncols ? csv_row(w, head, ncols, prob) : RC_OK;
		goto out;
	}
	rc = xlsx_end_sheet(w, prob);
	if (rc != RC_OK)
		goto out;
	make_sheet_name(w, name, w->sheet_name);
	w->ws = workbook_add_worksheet(w->wb, w->sheet_name);
	if (!w->ws) {
		rc = write_failed(w, prob);
		goto out;
	}
	w->names = xrealloc(w->names, (w->nsheets + 1) * sizeof(*w->names));
	w->names[w->nsheets++] = xstrdup(w->sheet_name);
	w->row = 0;
	w->ncols = ncols;
	free(w->width);
	free(w->fixed);
	w->width = xcalloc(ncols ? ncols : 1, sizeof(*w->width));
	w->fixed = xcalloc(ncols ? ncols : 1, sizeof(*w->fixed));
	for (size_t i = 0; i < ncols; i++) {
		w->fixed[i] = cols[i].width > 0;
		w->width[i] = w->fixed[i] ? cols[i].width : 0;
	}
	if (!ncols)
		goto out;
	rc = xlsx_row(w, head, ncols, w->head, prob);
	if (rc == RC_OK)
		worksheet_freeze_panes(w->ws, 1, 0);
out:
	free(head);
	return rc;
}

enum rc sheet_writer_add_row(struct sheet_writer *w, const struct sheet_cell *cells, size_t ncells,
			     struct problem *prob)
{
	assert(!w->broken && !w->finished);
	if (!w->nsheets) {
		enum rc rc = sheet_writer_add_sheet(w, NULL, NULL, 0, prob);
		if (rc != RC_OK)
			return rc;
	}
	if (w->format == SHEET_CSV)
		return csv_row(w, cells, ncells, prob);
	return xlsx_row(w, cells, ncells, NULL, prob);
}

/* Closes the workbook and opens its file for reading, unlinked. */
static enum rc xlsx_finish(struct sheet_writer *w, struct sheet_written *out, struct problem *prob)
{
	struct stat st;
	enum rc rc;
	int fd;

	if (!w->nsheets) {
		rc = sheet_writer_add_sheet(w, NULL, NULL, 0, prob);
		if (rc != RC_OK)
			return rc;
	}
	rc = xlsx_end_sheet(w, prob);
	if (rc != RC_OK)
		return rc;
	lxw_error err = workbook_close(w->wb);
	w->wb = NULL; /* freed by close, whatever it says */
	if (err)
		return xlsx_failed(w, err, prob);
	fd = open(w->path, O_RDONLY | O_CLOEXEC);
	unlink(w->path);
	free(w->path);
	w->path = NULL;
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return write_failed(w, prob);
	}
	out->bytes = (uint64_t)st.st_size;
	if (!w->sink) {
		out->fd = fd;
		return RC_OK;
	}
	char *buf = xmalloc(FLUSH_BYTES);
	for (;;) {
		ssize_t n = read(fd, buf, FLUSH_BYTES);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || w->sink(w->sink_ctx, buf, (size_t)n)) {
			rc = n ? write_failed(w, prob) : RC_OK;
			break;
		}
	}
	free(buf);
	close(fd);
	return rc;
}

enum rc sheet_writer_finish(struct sheet_writer *w, struct sheet_written *out, struct problem *prob)
{
	enum rc rc;

	assert(!w->broken && !w->finished);
	out->fd = -1;
	out->bytes = 0;
	w->finished = true;
	if (w->format == SHEET_XLSX)
		return xlsx_finish(w, out, prob);
	rc = csv_flush(w, prob);
	out->bytes = w->bytes;
	return rc;
}

void sheet_writer_free(struct sheet_writer *w)
{
	if (!w)
		return;
	if (w->wb) {
		/* A workbook never closed: lxw_workbook_free leaves each
		 * sheet's temporary file open. */
		lxw_worksheet *ws;
		LXW_FOREACH_WORKSHEET(ws, w->wb)
		{
			if (ws->optimize_tmpfile)
				fclose(ws->optimize_tmpfile);
			ws->optimize_tmpfile = NULL;
		}
		lxw_workbook_free(w->wb);
	}
	if (w->path) {
		unlink(w->path);
		free(w->path);
	}
	for (size_t i = 0; i < w->nsheets && w->names; i++)
		free(w->names[i]);
	free(w->names);
	free(w->width);
	free(w->fixed);
	free(w->tmp_dir);
	sb_release(&w->scratch);
	sb_release(&w->out);
	free(w);
}
