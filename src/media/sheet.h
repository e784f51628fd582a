/* Spreadsheet files in and out, row by row: CSV and Excel (.xlsx), for
 * ledgers people keep in Excel. Reading recognises the format from the
 * bytes (never the file's name), streams the rows to a callback within
 * stated bounds, and says what is wrong in words that name the row and the
 * column; writing streams rows out as CSV or as an Excel workbook of one or
 * more sheets, so memory stays flat whatever the number of rows.
 *
 * Knows nothing of people or HTTP: cells are text in, text out. libcsv,
 * libzip and expat read; libxlsxwriter writes. Every function is safe to
 * call from several threads at once on different objects. */
#ifndef YZ_MEDIA_SHEET_H
#define YZ_MEDIA_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/problem.h"

/* ---- formats, bounds and cells ---- */

enum sheet_format { SHEET_UNKNOWN = 0, SHEET_CSV, SHEET_XLSX };

/* The encodings a CSV file is read in. */
enum sheet_encoding { SHEET_UTF8 = 0, SHEET_GB18030 };

/* Bounds a read is held to; a zero field takes the default beside it.
 * max_file_bytes and max_rows have no default: the caller says them. */
struct sheet_limits {
	/* The file's size; more is refused (status 413) before reading. */
	uint64_t max_file_bytes;
	/* Rows passed to the callback, the header included; one more is
	 * refused (413). Empty rows are not counted. */
	size_t max_rows;
	/* Columns: a cell with content past this column is refused (413);
	 * empty cells past it are ignored. Default SHEET_MAX_COLUMNS. */
	size_t max_columns;
	/* Bytes of one cell's UTF-8 text (413). Default SHEET_MAX_CELL_BYTES. */
	size_t max_cell_bytes;
	/* XLSX: the bytes all the parts read may inflate to, together (413),
	 * whatever the archive declares. Default SHEET_MAX_UNZIPPED_BYTES. */
	uint64_t max_unzipped_bytes;
	/* XLSX: how many times larger than its compressed size a part may
	 * inflate, once past SHEET_ZIP_RATIO_GRACE_BYTES (413): a zip bomb
	 * is stopped after reading at most ratio × its compressed size.
	 * Default SHEET_MAX_ZIP_RATIO. */
	unsigned max_zip_ratio;
	/* XLSX: the shared strings are the one part held in memory, and this
	 * bounds it: their text plus 5 bytes each (413). Default
	 * SHEET_MAX_SHARED_BYTES. */
	size_t max_shared_bytes;
};

#define SHEET_MAX_COLUMNS	    256
#define SHEET_MAX_CELL_BYTES	    (32u << 10)
#define SHEET_MAX_UNZIPPED_BYTES    ((uint64_t)1 << 30)
#define SHEET_MAX_ZIP_RATIO	    100u
#define SHEET_ZIP_RATIO_GRACE_BYTES ((uint64_t)1 << 20)
#define SHEET_MAX_SHARED_BYTES	    ((size_t)64 << 20)

/* The name of column index (0 = "A", 25 = "Z", 26 = "AA") into buf, which
 * must hold 8 bytes; returns buf. For the caller's own messages about a
 * cell ("第 5 行 C 列"). */
const char *sheet_column_name(size_t index, char buf[8]);

/* ---- reading ---- */

/* What the row callback tells the reader. */
enum sheet_next { SHEET_CONTINUE = 0, SHEET_STOP };

/* Called once per row that has any content, in file order. row_number is
 * the row as a spreadsheet program shows it (1 = the first row, usually
 * the header; for CSV the record's number, a quoted line break not
 * counting), so numbers skip where empty rows were. cells[0..ncells) are
 * NUL-terminated UTF-8, borrowed until the callback returns; ncells varies
 * from row to row: trailing empty cells are left off, and cells in a gap
 * are "". A cell holds what the file shows: XLSX numbers and dates as the
 * number's text ("42", "0.5", "45412.375"; see sheet_excel_date_to_s),
 * booleans as "TRUE"/"FALSE", formulas as their last computed value,
 * errors as their text ("#N/A"). Nothing is trimmed. */
typedef enum sheet_next sheet_row_fn(void *ctx, size_t row_number, const char *const *cells,
				     size_t ncells);

struct sheet_read_opts {
	struct sheet_limits lim;
	/* XLSX: the worksheet to read by its name as the tab shows it;
	 * NULL: the first worksheet shown, in tab order (chart sheets and
	 * hidden sheets skipped, unless every worksheet is hidden). */
	const char *sheet_name;
	sheet_row_fn *on_row;
	void *ctx; /* passed to on_row */
};

/* What a read found; filled as far as it got, also on failure. */
struct sheet_info {
	enum sheet_format format;
	enum sheet_encoding encoding; /* CSV */
	bool date1904;		      /* XLSX: dates count from 1904 (known before the first row) */
	char sheet_name[128];	      /* XLSX: the worksheet read (known before the first row) */
	size_t rows;		      /* rows passed to the callback */
	bool stopped;		      /* the callback returned SHEET_STOP */
};

/* Reads the spreadsheet in data[0..len) (borrowed for the call) row by row
 * into opts->on_row; info may be NULL.
 *
 * The format is what the bytes are: XLSX is a ZIP archive holding an Office
 * workbook; anything else is CSV if it is text. CSV is RFC 4180 (comma,
 * double quotes doubled inside quoted cells, CRLF or LF or CR line ends,
 * strictly: a stray quote is an error naming its cell), in UTF-8 (a BOM is
 * skipped) or in GB18030/GBK, as Chinese Excel saves "CSV (逗号分隔)",
 * converted with glibc's iconv. The encoding is decided from the first
 * 64 KiB: UTF-8 if they are, or if their first fault comes after 8
 * characters of UTF-8 (the row with it is then named); otherwise GB18030
 * if they are that; otherwise not text. XLSX: the worksheet is inflated
 * and parsed in 64 KiB pieces (expat), never whole; only its shared
 * strings are held in memory (max_shared_bytes). Cells are placed by their
 * reference, so a skipped column is an empty cell.
 *
 * Memory a read holds, whatever the file's size: 64 KiB pieces of input;
 * the row (at most max_columns × max_cell_bytes); CSV: the cell being read
 * (at most max_cell_bytes and a piece); XLSX: the XML tag being read (a
 * part that goes 1 MiB without a complete tag is refused as damaged) and
 * the shared strings (max_shared_bytes).
 *
 * Returns RC_OK when every row was read or the callback stopped. Errors,
 * each a problem with a Chinese detail naming the row (and the column where
 * there is one), and an HTTP status in prob->status:
 * - 415 "unsupported-sheet": not CSV or XLSX (binary, UTF-16, another kind
 *   of ZIP), or an old .xls or an encrypted workbook (asks for .xlsx);
 * - 413 "sheet-too-large": a bound of opts->lim exceeded;
 * - 422 "bad-sheet": empty, badly quoted or badly encoded CSV, a damaged
 *   workbook, or no such worksheet;
 * - RC_INTERNAL (500): the file cannot be read. */
enum rc sheet_read_mem(const void *data, size_t len, const struct sheet_read_opts *opts,
		       struct sheet_info *info, struct problem *prob);
/* The same from a regular file open for reading, e.g. a spooled upload: fd
 * is borrowed (never closed) and read from its start; its file offset is
 * left anywhere. */
enum rc sheet_read_fd(int fd, const struct sheet_read_opts *opts, struct sheet_info *info,
		      struct problem *prob);
/* The same from the file at path. */
enum rc sheet_read_path(const char *path, const struct sheet_read_opts *opts,
			struct sheet_info *info, struct problem *prob);

/* Excel keeps a date as a serial number of days, the time as its fraction.
 * Turns cell, a date cell's text as the reader gives it ("45412.375"), into
 * the wall-clock time it shows, as seconds since 1970-01-01 00:00 counted as
 * if in UTC: no time zone is applied (the city's clock is the caller's to
 * apply). date1904 is sheet_info.date1904 (Excel for Mac's old system);
 * otherwise the 1900 system, with its missing 1900-02-29 (serial 60), and a
 * time alone (serial under 1) on 1899-12-31. Rounded to the second. False
 * when cell is not a number or not a date Excel can show (before its epoch,
 * serial 60, or past 9999-12-31). */
bool sheet_excel_date_to_s(const char *cell, bool date1904, int64_t *wall_s);

/* ---- writing ---- */

enum sheet_cell_kind {
	SHEET_CELL_EMPTY = 0,
	SHEET_CELL_TEXT,
	SHEET_CELL_NUMBER,
	SHEET_CELL_DATE,     /* shown as yyyy-mm-dd */
	SHEET_CELL_DATETIME, /* shown as yyyy-mm-dd hh:mm */
};

struct sheet_cell {
	enum sheet_cell_kind kind;
	const char *text; /* TEXT: UTF-8 (invalid bytes become U+FFFD), borrowed for the call */
	double number;	  /* NUMBER */
	int64_t wall_s;	  /* DATE, DATETIME: wall-clock seconds since 1970-01-01 as if UTC */
};

#define SHEET_TEXT(s)	  ((struct sheet_cell){ .kind = SHEET_CELL_TEXT, .text = (s) })
#define SHEET_NUMBER(v)	  ((struct sheet_cell){ .kind = SHEET_CELL_NUMBER, .number = (v) })
#define SHEET_DATE(s)	  ((struct sheet_cell){ .kind = SHEET_CELL_DATE, .wall_s = (s) })
#define SHEET_DATETIME(s) ((struct sheet_cell){ .kind = SHEET_CELL_DATETIME, .wall_s = (s) })
#define SHEET_EMPTY	  ((struct sheet_cell){ .kind = SHEET_CELL_EMPTY })

struct sheet_column {
	const char *title; /* the header cell, UTF-8 */
	/* XLSX: the width in characters; 0: from the title and the first
	 * rows' cells (a Chinese character counts two), 8 to 50. */
	double width;
};

/* Receives the bytes written: returns 0, or -1 to fail the write (the
 * writer then answers RC_INTERNAL). */
typedef int sheet_sink_fn(void *ctx, const void *data, size_t len);

/* A sink writing to the file descriptor *(int *)ctx, all of it. */
int sheet_sink_fd(void *ctx, const void *data, size_t len);

struct sheet_write_opts {
	enum sheet_format format; /* SHEET_CSV or SHEET_XLSX */
	/* CSV: required, receives the file in pieces of up to 64 KiB as the
	 * rows come. XLSX: optional, receives the finished file at
	 * sheet_writer_finish; without it finish returns a file descriptor. */
	sheet_sink_fn *sink;
	void *sink_ctx;
	/* XLSX: the directory of the workbook being written and of
	 * libxlsxwriter's own temporary files (one per sheet, as large as the
	 * sheet's XML), all removed by finish or free. NULL: "/tmp". */
	const char *tmp_dir;
	/* CSV: write text cells starting with = + - @ or a tab or CR with a
	 * leading apostrophe, so a spreadsheet program shows them instead of
	 * running them as formulas (OWASP "CSV injection"). The reader does
	 * not take it off again. */
	bool csv_guard_formulas;
};

/* What sheet_writer_finish made. */
struct sheet_written {
	/* XLSX without a sink: a *new* descriptor, open for reading at offset
	 * 0, of the finished workbook, whose file is already unlinked: the
	 * caller streams it (e.g. MHD_create_response_from_fd) and closes it.
	 * Otherwise -1. */
	int fd;
	uint64_t bytes; /* the size of the file made */
};

struct sheet_writer;

/* A *new* writer (sheet_writer_free), or NULL with RC_INTERNAL in prob
 * when the temporary workbook cannot be made. CSV starts with a UTF-8 BOM,
 * so Excel opens Chinese text correctly, and ends lines with CRLF; XLSX
 * is written by libxlsxwriter in constant-memory mode (each row goes to
 * disk when the next starts). */
struct sheet_writer *sheet_writer_new(const struct sheet_write_opts *opts, struct problem *prob);

/* Starts a sheet named name (NULL: "Sheet1", "Sheet2" …) with its header
 * row. XLSX: the name is made one Excel accepts (at most 31 characters,
 * none of []:*?/\ , unique among the workbook's sheets, ignoring ASCII
 * case: "a/b" becomes "a_b", a second "名单" "名单 (2)"); the header is bold
 * on a light blue fill, the first row frozen, an autofilter over the
 * columns, the widths set. CSV holds one sheet: a second is RC_INVALID
 * (422 "bad-sheet": the caller asked CSV for several). */
enum rc sheet_writer_add_sheet(struct sheet_writer *w, const char *name,
			       const struct sheet_column *cols, size_t ncols, struct problem *prob);

/* Appends a row to the current sheet: cells[0..ncells) in column order
 * (more cells than header columns are written too). Text over Excel's
 * 32,767 characters, or a sheet past Excel's 1,048,576 rows, is RC_INVALID
 * 422 "bad-sheet" naming the row and column; a sink or disk failure is
 * RC_INTERNAL. After any failure the writer only wants freeing. */
enum rc sheet_writer_add_row(struct sheet_writer *w, const struct sheet_cell *cells, size_t ncells,
			     struct problem *prob);

/* Finishes the file (out: sheet_written) and ends the writer's work: free it
 * next. XLSX without a sheet gets one empty sheet. */
enum rc sheet_writer_finish(struct sheet_writer *w, struct sheet_written *out,
			    struct problem *prob);

/* Frees w and removes its temporary files; NULL is a no-op. */
void sheet_writer_free(struct sheet_writer *w);

#endif
