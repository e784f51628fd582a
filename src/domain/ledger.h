/* The ledger as a spreadsheet (台账): people exported to Excel or CSV the way
 * community workers keep them, and imported back from the files they keep.
 *
 * Export streams the people a viewer may read that match a filter, a page
 * at a time, into a CSV or XLSX file (one sheet per category when asked),
 * so memory stays flat whatever the number of people; numbers are masked
 * unless the viewer asks for whole ones and may read them (ACT_PERSON_PHONE),
 * and every export is audited with its count.
 *
 * Import reads a CSV or XLSX file row by row (media/sheet.h): the first row
 * names the columns (姓名, 手机号, 类别, 平台/单位, 所属区域代码, 站点编号,
 * 网格编号, 党组织编号, 志愿岗位 — extra columns are ignored, the export's
 * own header is accepted), each following row is one person entered in the
 * importer's scope. Either every row is right and all are written, or
 * nothing is and the answer names each bad row and field; or, when asked,
 * the good rows are written and the bad ones reported. One transaction,
 * one audit row with the counts, one "person.changed" event. */
#ifndef YZ_DOMAIN_LEDGER_H
#define YZ_DOMAIN_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/person.h"
#include "media/sheet.h"

#define LEDGER_IMPORT_MAX_BYTES (50u << 20) /* a file larger is refused (413) */
#define LEDGER_IMPORT_MAX_ROWS	200000
#define LEDGER_ERRORS_SHOWN	1000 /* row errors kept in a report; all are counted */

struct ledger_export {
	enum sheet_format format;
	bool by_category;  /* XLSX: one sheet per category (a person in several, in each) */
	bool whole_phones; /* needs ACT_PERSON_PHONE wherever the filter reaches */
};

/* Writes the people matching f that actor may read into a new unlinked
 * temporary file: *fd (the caller's to close) holding *len bytes, *rows
 * people (counted once). Records the export in the audit log. */
enum rc ledger_export(struct db *db, const struct actor *actor, const struct person_filter *f,
		      const struct ledger_export *opts, int *fd, uint64_t *len, int64_t *rows,
		      struct problem *prob);

struct ledger_row_error {
	size_t row;	 /* as the spreadsheet shows it */
	char column[64]; /* the column's header, or "" */
	struct problem_field f;
};

struct ledger_report {
	bool skip_bad;	     /* the mode asked */
	bool written;	     /* something was written (all rows, or the good ones) */
	size_t rows;	     /* data rows read (the header not counted) */
	size_t created;	     /* people entered */
	size_t skipped;	     /* bad rows left out */
	size_t errors_total; /* bad rows found */
	size_t nerrors;
	struct ledger_row_error *errors; /* the first LEDGER_ERRORS_SHOWN */
	enum sheet_format format;
};

/* Imports the file fd (read from its start) as actor: RC_OK with the
 * report when rows were written, or all were right; RC_INVALID
 * ("import-rejected") with the report when any row was wrong and skip_bad
 * is false; the sheet's own problems (not a spreadsheet, too large, no
 * name or phone column …) as the sheet module words them. */
enum rc ledger_import(struct db *db, const struct actor *actor, int fd, bool skip_bad,
		      struct ledger_report *report, struct problem *prob);
void ledger_report_release(struct ledger_report *report);

#endif
