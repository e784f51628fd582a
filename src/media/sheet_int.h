/* What the readers of media/ share and no one else sees: the bytes read
 * (memory or a file), the row being put together and handed to the
 * caller's callback within the bounds, and the problems every format can
 * meet. sheet_read.c reads CSV and decides the format; sheet_xlsx.c reads
 * workbooks. */
#ifndef YZ_MEDIA_SHEET_INT_H
#define YZ_MEDIA_SHEET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/sb.h"
#include "media/sheet.h"

/* The bytes read: data[0..len) in memory, or the regular file fd of size
 * bytes (fd >= 0). */
struct sheet_src {
	const unsigned char *data;
	size_t len;
	int fd;
	uint64_t size;
};

/* Copies up to cap bytes at off into buf: the number copied (0 at the
 * end), or -1 with errno. */
ssize_t sheet_src_read(const struct sheet_src *src, uint64_t off, void *buf, size_t cap);

/* The row being read, its cells' text one after another, each ended by a
 * NUL. At most lim.max_columns cells are kept, so a row costs at most
 * max_columns × (max_cell_bytes + 1) bytes. */
struct sheet_rows {
	struct sheet_limits lim; /* with every default filled in */
	sheet_row_fn *on_row;
	void *ctx;
	struct sheet_info *info; /* never NULL */
	struct sb text;
	size_t *starts;	    /* [lim.max_columns]: where each cell starts in text */
	const char **cells; /* [lim.max_columns]: what the callback is given */
	size_t ncells;	    /* cells placed, gaps included */
	size_t nfilled;	    /* cells up to the last one with content */
	bool stopped;	    /* the callback said SHEET_STOP */
};

void sheet_rows_init(struct sheet_rows *r, const struct sheet_read_opts *opts,
		     struct sheet_info *info);
void sheet_rows_release(struct sheet_rows *r);
/* Adds cell col (0-based, at or after the cells placed; the gap fills with
 * empty cells) of the row row_number. Refuses a cell over max_cell_bytes,
 * and one with content past max_columns; an empty one there is dropped. */
enum rc sheet_rows_cell(struct sheet_rows *r, size_t row_number, size_t col, const char *s,
			size_t len, struct problem *prob);
/* Ends the row: hands it to the callback if any cell has content (refusing
 * one past max_rows), and empties it for the next. */
enum rc sheet_rows_end(struct sheet_rows *r, size_t row_number, struct problem *prob);
/* Empties the row without handing it on. */
void sheet_rows_clear(struct sheet_rows *r);

/* Reads the workbook in src (sniffed as a ZIP archive) into rows. */
enum rc sheet_xlsx_read(const struct sheet_src *src, const char *sheet_name,
			struct sheet_rows *rows, struct problem *prob);

/* Sets prob->status and returns rc: `return sheet_status(prob, 413,
 * problem_set(...))`. */
enum rc sheet_status(struct problem *prob, int status, enum rc rc);
/* The 415 "not CSV or Excel" problem. */
enum rc sheet_not_a_sheet(struct problem *prob);
/* The 413 problem of a cell longer than max_cell_bytes. */
enum rc sheet_cell_too_long(struct problem *prob, size_t row_number, size_t col,
			    size_t max_cell_bytes);
/* The 500 problem of a file that cannot be read. */
enum rc sheet_read_failed(struct problem *prob);

/* The length of the well-formed UTF-8 sequence at s[0..len): 1–4, 0 if
 * it is not one, -1 if a well-formed start is cut off by len. (sheet_read.c) */
int sheet_utf8_seq(const unsigned char *s, size_t len);

#endif
