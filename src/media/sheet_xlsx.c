/* Reading an Excel workbook (.xlsx, Office Open XML): a ZIP archive of XML
 * parts. libzip opens the archive (it needs to seek: the directory is at the
 * end), expat parses each part as it is inflated, 64 KiB at a time. The
 * way to the rows follows the package's relationships: _rels/.rels names
 * the workbook, the workbook's own .rels names its worksheets and shared
 * strings, and workbook.xml lists the sheets in tab order with their names.
 *
 * Everything read is hostile until proven otherwise. Every byte inflated is
 * counted against max_unzipped_bytes and against max_zip_ratio times the
 * part's compressed size, whatever sizes the archive declares; the shared
 * strings, the one part kept, are bounded by max_shared_bytes; a document
 * type declaration (the door to entity expansion) is refused; and since
 * expat holds a whole tag in memory before it reports it, a part that goes
 * XML_TOKEN_MAX_BYTES without an event is refused. Element names are matched
 * without their prefix, so "x:row" (as some generators write) reads like
 * "row". */
#include <assert.h>
#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "media/sheet_int.h"

#define PIECE_BYTES	    (64u << 10)
#define XML_TOKEN_MAX_BYTES ((XML_Index)1 << 20)
/* A part's name, built from relationships, is refused past this. */
#define PART_NAME_MAX	    512
/* Relationships kept from the workbook's .rels. */
#define RELS_MAX	    4096

/* The relationship types we follow, by the end of their URI (transitional
 * and strict OOXML differ before it). */
#define REL_OFFICE_DOCUMENT "/officeDocument"
#define REL_WORKSHEET	    "/worksheet"
#define REL_SHARED_STRINGS  "/sharedStrings"

struct xlsx {
	zip_t *za;
	const struct sheet_limits *lim;
	uint64_t unzipped; /* bytes inflated so far, every part together */
	struct problem *prob;
};

/* ---- parsing a part ---- */

/* The first member of every part's parsing state. */
struct xml_run {
	XML_Parser parser;
	struct problem *prob;
	enum rc rc;	      /* a handler's error, which stopped the parser */
	bool done;	      /* the handlers have what they want: stopped, no error */
	XML_Index last_event; /* where the last event began */
};

static const char *local_name(const char *name)
{
	const char *colon = strrchr(name, ':');

	return colon ? colon + 1 : name;
}

/* The value of the attribute whose local name is want (prefixed or not,
 * as prefixed says), or NULL. */
static const char *attr(const char **atts, const char *want, bool prefixed)
{
	for (size_t i = 0; atts[i]; i += 2) {
		const char *colon = strrchr(atts[i], ':');
		if ((colon != NULL) == prefixed && !strcmp(colon ? colon + 1 : atts[i], want))
			return atts[i + 1];
	}
	return NULL;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && !memcmp(s + n - m, tail, m);
}

static void run_fail(struct xml_run *run, enum rc rc)
{
	run->rc = rc;
	XML_StopParser(run->parser, XML_FALSE);
}

static void run_done(struct xml_run *run)
{
	run->done = true;
	XML_StopParser(run->parser, XML_FALSE);
}

static void on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int has_internal_subset)
{
	struct xml_run *run = data;

	/* Stopped with no error of ours: reported as XML that is not valid. */
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	XML_StopParser(run->parser, XML_FALSE);
}

static enum rc damaged_part(struct problem *prob, const char *part)
{
	return sheet_status(prob, 422,
			    problem_set(prob, RC_INVALID, "bad-sheet",
					"Excel 文件已损坏或不完整（无法读取 %s）", part));
}

static enum rc bad_xml(struct problem *prob, const char *part)
{
	return sheet_status(prob, 422,
			    problem_set(prob, RC_INVALID, "bad-sheet",
					"Excel 文件已损坏（%s 不是有效的 XML）", part));
}

static enum rc too_much_inflated(struct xlsx *x)
{
	return sheet_status(x->prob, 413,
			    problem_set(x->prob, RC_INVALID, "sheet-too-large",
					"Excel 文件解压后超过 %.1f MB",
					(double)x->lim->max_unzipped_bytes / (1 << 20)));
}

static enum rc ratio_too_high(struct xlsx *x, const char *part)
{
	return sheet_status(x->prob, 413,
			    problem_set(x->prob, RC_INVALID, "sheet-too-large",
					"Excel 文件的 %s 压缩比超过 %u 倍，可能是恶意文件", part,
					x->lim->max_zip_ratio));
}

/* Whether part, having inflated part_bytes of its comp_bytes, is within the
 * bounds; sets the problem if not. */
static enum rc check_inflated(struct xlsx *x, const char *part, uint64_t part_bytes,
			      uint64_t comp_bytes)
{
	if (x->unzipped > x->lim->max_unzipped_bytes)
		return too_much_inflated(x);
	if (part_bytes > SHEET_ZIP_RATIO_GRACE_BYTES &&
	    part_bytes / (comp_bytes ? comp_bytes : 1) >= x->lim->max_zip_ratio)
		return ratio_too_high(x, part);
	return RC_OK;
}

/* Parses the part named part with parser p, whose handlers take run as their
 * user data. RC_NOT_FOUND (no problem set) when the archive has no such
 * part. */
static enum rc parse_part(struct xlsx *x, const char *part, XML_Parser p, struct xml_run *run)
{
	zip_int64_t idx = zip_name_locate(x->za, part, ZIP_FL_NOCASE);
	zip_stat_t st;
	zip_file_t *zf = NULL;
	uint64_t part_bytes = 0, comp_bytes;
	enum rc rc = RC_OK;

	if (idx < 0)
		return RC_NOT_FOUND;
	if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &st) || !(st.valid & ZIP_STAT_COMP_SIZE) ||
	    ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE))
		return damaged_part(x->prob, part);
	comp_bytes = st.comp_size;
	/* What the archive declares is checked first, to refuse a bomb
	 * before inflating anything; then what actually comes out. */
	if (st.valid & ZIP_STAT_SIZE) {
		if (st.size > x->lim->max_unzipped_bytes - x->unzipped)
			return too_much_inflated(x);
		if (st.size > SHEET_ZIP_RATIO_GRACE_BYTES &&
		    st.size / (comp_bytes ? comp_bytes : 1) >= x->lim->max_zip_ratio)
			return ratio_too_high(x, part);
	}
	zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
	if (!zf)
		return damaged_part(x->prob, part);
	run->parser = p;
	run->prob = x->prob;
	XML_SetUserData(p, run);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	for (;;) {
		void *buf = XML_GetBuffer(p, PIECE_BYTES);
		if (!buf)
			abort(); /* expat is out of memory */
		zip_int64_t n = zip_fread(zf, buf, PIECE_BYTES);
		if (n < 0) {
			rc = damaged_part(x->prob, part);
			break;
		}
		part_bytes += (uint64_t)n;
		x->unzipped += (uint64_t)n;
		rc = check_inflated(x, part, part_bytes, comp_bytes);
		if (rc != RC_OK)
			break;
		if (XML_ParseBuffer(p, (int)n, n == 0) != XML_STATUS_OK) {
			if (run->done)
				break;
			/* A handler's error set its own problem; anything
			 * else is expat's (or a document type declaration). */
			rc = run->rc != RC_OK ? run->rc : bad_xml(x->prob, part);
			break;
		}
		if (n == 0)
			break;
		if ((XML_Index)part_bytes - run->last_event > XML_TOKEN_MAX_BYTES) {
			rc = sheet_status(x->prob, 422,
					  problem_set(x->prob, RC_INVALID, "bad-sheet",
						      "Excel 文件已损坏（%s 里有过长的 XML 标记）",
						      part));
			break;
		}
	}
	zip_fclose(zf);
	return rc;
}

/* ---- part names and relationships ---- */

/* The relationships part of part: "xl/workbook.xml" → "xl/_rels/workbook.xml.rels". */
static void rels_name(const char *part, char *out, size_t cap)
{
	const char *slash = strrchr(part, '/');
	size_t dir = slash ? (size_t)(slash - part) + 1 : 0;

	snprintf(out, cap, "%.*s_rels/%s.rels", (int)dir, part, part + dir);
}

/* Resolves a relationship's target against the part that holds it:
 * "worksheets/sheet1.xml" from "xl/workbook.xml" is
 * "xl/worksheets/sheet1.xml", "/xl/x.xml" is "xl/x.xml", ".." goes up.
 * False when it does not fit. */
static bool resolve(const char *from, const char *target, char *out, size_t cap)
{
	size_t len = 0;

	if (target[0] == '/') {
		target++;
	} else {
		const char *slash = strrchr(from, '/');
		len = slash ? (size_t)(slash - from) + 1 : 0;
		if (len >= cap)
			return false;
		memcpy(out, from, len);
	}
	while (*target) {
		const char *end = strchr(target, '/');
		size_t seg = end ? (size_t)(end - target) : strlen(target);
		if (seg == 2 && !memcmp(target, "..", 2)) {
			/* Drop the last directory of out ("a/b/" → "a/"). */
			if (len > 0)
				len--;
			while (len > 0 && out[len - 1] != '/')
				len--;
		} else if (!(seg == 1 && target[0] == '.') && seg > 0) {
			if (len + seg + 1 >= cap)
				return false;
			memcpy(out + len, target, seg);
			len += seg;
			if (end)
				out[len++] = '/';
		}
		target += seg + (end ? 1 : 0);
	}
	out[len] = '\0';
	return len > 0;
}

struct rel {
	char *id;
	char *type;
	char *part; /* resolved */
};

struct rels_run {
	struct xml_run run;
	const char *from; /* the part the relationships belong to */
	struct rel *rels;
	size_t n;
};

static void on_rel_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct rels_run *r = data;
	char part[PART_NAME_MAX];

	r->run.last_event = XML_GetCurrentByteIndex(r->run.parser);
	if (strcmp(local_name(name), "Relationship") || r->n >= RELS_MAX)
		return;
	const char *id = attr(atts, "Id", false), *type = attr(atts, "Type", false);
	const char *target = attr(atts, "Target", false), *mode = attr(atts, "TargetMode", false);
	if (!id || !type || !target || (mode && !strcmp(mode, "External")) ||
	    !resolve(r->from, target, part, sizeof(part)))
		return;
	r->rels = xrealloc(r->rels, (r->n + 1) * sizeof(*r->rels));
	r->rels[r->n++] = (struct rel){ xstrdup(id), xstrdup(type), xstrdup(part) };
}

static void on_any_text(void *data, const XML_Char *s, int len)
{
	struct xml_run *run = data;

	(void)s, (void)len;
	run->last_event = XML_GetCurrentByteIndex(run->parser);
}

static void rels_free(struct rels_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->rels[i].id);
		free(r->rels[i].type);
		free(r->rels[i].part);
	}
	free(r->rels);
	r->rels = NULL;
	r->n = 0;
}

/* Reads the relationships of part into r; a part without any has none. */
static enum rc read_rels(struct xlsx *x, const char *part, struct rels_run *r)
{
	char name[PART_NAME_MAX + 16];
	XML_Parser p = XML_ParserCreate(NULL);

	if (!p)
		abort();
	memset(r, 0, sizeof(*r));
	r->from = part;
	rels_name(part, name, sizeof(name));
	XML_SetElementHandler(p, on_rel_start, NULL);
	XML_SetCharacterDataHandler(p, on_any_text);
	enum rc rc = parse_part(x, name, p, &r->run);
	XML_ParserFree(p);
	return rc == RC_NOT_FOUND ? RC_OK : rc;
}

static const struct rel *rel_by_type(const struct rels_run *r, const char *type_tail)
{
	for (size_t i = 0; i < r->n; i++)
		if (ends_with(r->rels[i].type, type_tail))
			return &r->rels[i];
	return NULL;
}

static const struct rel *rel_by_id(const struct rels_run *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->rels[i].id, id))
			return &r->rels[i];
	return NULL;
}

/* ---- the workbook: which sheet, which date system ---- */

struct book_run {
	struct xml_run run;
	const struct rels_run *rels;
	const char *want; /* the sheet's name, or NULL for the first worksheet */
	bool root_seen, is_workbook;
	bool date1904;
	char sheet_name[128];
	char sheet_part[PART_NAME_MAX];
	bool any_sheet;
	/* The first hidden worksheet, read when no sheet is shown. */
	char hidden_name[128];
	char hidden_part[PART_NAME_MAX];
};

static void on_book_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct book_run *b = data;
	const char *local = local_name(name);

	b->run.last_event = XML_GetCurrentByteIndex(b->run.parser);
	if (!b->root_seen) {
		b->root_seen = true;
		b->is_workbook = !strcmp(local, "workbook");
		if (!b->is_workbook)
			run_done(&b->run);
		return;
	}
	if (!strcmp(local, "workbookPr")) {
		const char *v = attr(atts, "date1904", false);
		b->date1904 = v && (!strcmp(v, "1") || !strcmp(v, "true"));
		return;
	}
	if (strcmp(local, "sheet"))
		return;
	const char *sheet = attr(atts, "name", false), *id = attr(atts, "id", true);
	const struct rel *rel = id ? rel_by_id(b->rels, id) : NULL;
	if (!sheet || !rel || !ends_with(rel->type, REL_WORKSHEET))
		return; /* a chart sheet, or a dangling entry */
	b->any_sheet = true;
	if (b->want && strcmp(b->want, sheet))
		return;
	const char *state = attr(atts, "state", false);
	if (!b->want && state && strcmp(state, "visible")) {
		if (!b->hidden_part[0]) {
			text_copy(b->hidden_name, sizeof(b->hidden_name), sheet);
			text_copy(b->hidden_part, sizeof(b->hidden_part), rel->part);
		}
		return;
	}
	text_copy(b->sheet_name, sizeof(b->sheet_name), sheet);
	text_copy(b->sheet_part, sizeof(b->sheet_part), rel->part);
	run_done(&b->run);
}

/* ---- shared strings ---- */

/* Excel writes characters XML cannot hold as _xHHHH_ (and a literal "_x"
 * before four hex digits and "_" as _x005F_x…): decodes s[0..len) in place,
 * which only shortens it, and returns the new length. NUL and lone
 * surrogates become U+FFFD. */
static size_t unescape_x(char *s, size_t len)
{
	size_t r = 0, w = 0;

	if (!memchr(s, '_', len))
		return len;
	while (r < len) {
		unsigned cp = 0;
		bool esc = r + 7 <= len && s[r] == '_' && s[r + 1] == 'x' && s[r + 6] == '_';
		for (size_t i = 2; esc && i < 6; i++) {
			char c = s[r + i];
			unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
				     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
							    : 16u;
			esc = d < 16;
			cp = cp << 4 | d;
		}
		if (!esc) {
			s[w++] = s[r++];
			continue;
		}
		r += 7;
		if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
			cp = 0xFFFD;
		if (cp < 0x80) {
			s[w++] = (char)cp;
		} else if (cp < 0x800) {
			s[w++] = (char)(0xC0 | cp >> 6);
			s[w++] = (char)(0x80 | (cp & 0x3F));
		} else {
			s[w++] = (char)(0xE0 | cp >> 12);
			s[w++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			s[w++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	return w;
}

struct sst {
	struct sb text;	  /* each string ended by a NUL */
	uint32_t *starts; /* where each string starts in text */
	size_t n, cap;
};

struct sst_run {
	struct xml_run run;
	struct sst *sst;
	size_t max_bytes;
	int in_si, in_t, in_rph; /* depths */
	size_t start;		 /* of the string being read */
};

static bool sst_over(const struct sst_run *s, size_t more)
{
	return s->sst->text.len + more + 5 * (s->sst->n + 1) > s->max_bytes;
}

static enum rc sst_too_large(struct sst_run *s)
{
	return sheet_status(s->run.prob, 413,
			    problem_set(s->run.prob, RC_INVALID, "sheet-too-large",
					"Excel 文件的共享字符串超过 %.1f MB",
					(double)s->max_bytes / (1 << 20)));
}

static void on_sst_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct sst_run *s = data;
	const char *local = local_name(name);

	(void)atts;
	s->run.last_event = XML_GetCurrentByteIndex(s->run.parser);
	if (!strcmp(local, "si")) {
		s->in_si++;
		s->start = s->sst->text.len;
	} else if (!strcmp(local, "rPh")) {
		s->in_rph++;
	} else if (!strcmp(local, "t")) {
		s->in_t++;
	}
}

static void on_sst_end(void *data, const XML_Char *name)
{
	struct sst_run *s = data;
	const char *local = local_name(name);
	struct sst *sst = s->sst;

	if (!strcmp(local, "t")) {
		s->in_t -= s->in_t > 0;
	} else if (!strcmp(local, "rPh")) {
		s->in_rph -= s->in_rph > 0;
	} else if (!strcmp(local, "si") && s->in_si > 0) {
		s->in_si--;
		if (sst_over(s, 1)) {
			run_fail(&s->run, sst_too_large(s));
			return;
		}
		if (sst->text.len > s->start) {
			size_t n = unescape_x(sst->text.buf + s->start, sst->text.len - s->start);
			sst->text.len = s->start + n;
			sst->text.buf[sst->text.len] = '\0';
		}
		sb_addc(&sst->text, '\0');
		if (sst->n == sst->cap) {
			sst->cap = sst->cap ? sst->cap * 2 : 1024;
			sst->starts = xrealloc(sst->starts, sst->cap * sizeof(*sst->starts));
		}
		sst->starts[sst->n++] = (uint32_t)s->start;
	}
}

static void on_sst_text(void *data, const XML_Char *text, int len)
{
	struct sst_run *s = data;

	s->run.last_event = XML_GetCurrentByteIndex(s->run.parser);
	if (!s->in_si || !s->in_t || s->in_rph)
		return;
	if (sst_over(s, (size_t)len)) {
		run_fail(&s->run, sst_too_large(s));
		return;
	}
	sb_add(&s->sst->text, text, (size_t)len);
}

static enum rc read_sst(struct xlsx *x, const char *part, struct sst *sst)
{
	struct sst_run s = { .sst = sst, .max_bytes = x->lim->max_shared_bytes };
	XML_Parser p = XML_ParserCreate(NULL);

	if (!p)
		abort();
	/* The offsets are 32-bit. */
	if (s.max_bytes > UINT32_MAX)
		s.max_bytes = UINT32_MAX;
	XML_SetElementHandler(p, on_sst_start, on_sst_end);
	XML_SetCharacterDataHandler(p, on_sst_text);
	enum rc rc = parse_part(x, part, p, &s.run);
	XML_ParserFree(p);
	return rc;
}

/* ---- the worksheet ---- */

enum cell_type { CELL_NUMBER, CELL_SHARED, CELL_INLINE, CELL_STR, CELL_BOOL, CELL_OTHER };

struct sheet_run {
	struct xml_run run;
	struct sheet_rows *rows;
	const struct sst *sst;
	size_t max_cell_bytes;
	bool in_data; /* inside sheetData */
	bool in_row;
	size_t row;	 /* the row's number */
	size_t next_col; /* the column after the last cell of the row */
	bool in_cell;
	size_t col;
	enum cell_type type;
	bool in_v, in_is;
	int in_t, in_rph;
	struct sb val; /* the cell's <v> or inline text */
};

static enum rc cell_ref_error(struct sheet_run *s, const char *ref)
{
	return sheet_status(
		s->run.prob, 422,
		problem_set(s->run.prob, RC_INVALID, "bad-sheet",
			    "Excel 文件已损坏：第 %zu 行的单元格位置“%.16s”无效或不按顺序", s->row,
			    ref));
}

/* Parses a decimal number of at most 9 digits (rows go to 1,048,576). */
static bool parse_index(const char *s, size_t *out)
{
	size_t v = 0, n = 0;

	for (; *s >= '0' && *s <= '9'; s++, n++) {
		if (n == 9)
			return false;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return n > 0 && !*s;
}

/* The column of a reference such as "AB12" (0-based); false if it is not
 * letters then digits. */
static bool parse_ref_column(const char *ref, size_t *col)
{
	size_t v = 0, n = 0, row;

	for (; *ref >= 'A' && *ref <= 'Z'; ref++, n++) {
		if (n == 7)
			return false;
		v = v * 26 + (size_t)(*ref - 'A' + 1);
	}
	if (!n || !parse_index(ref, &row))
		return false;
	*col = v - 1;
	return true;
}

static void on_cell_start(struct sheet_run *s, const char **atts)
{
	const char *ref = attr(atts, "r", false), *t = attr(atts, "t", false);
	size_t col = s->next_col;

	if (ref && (!parse_ref_column(ref, &col) || col < s->next_col)) {
		run_fail(&s->run, cell_ref_error(s, ref));
		return;
	}
	s->in_cell = true;
	s->col = col;
	s->next_col = col + 1;
	s->type = !t			    ? CELL_NUMBER
		  : !strcmp(t, "n")	    ? CELL_NUMBER
		  : !strcmp(t, "s")	    ? CELL_SHARED
		  : !strcmp(t, "inlineStr") ? CELL_INLINE
		  : !strcmp(t, "str")	    ? CELL_STR
		  : !strcmp(t, "b")	    ? CELL_BOOL
					    : CELL_OTHER;
	sb_reset(&s->val);
}

static void on_row_start(struct sheet_run *s, const char **atts)
{
	const char *r = attr(atts, "r", false);
	size_t row = s->row + 1;

	if (r && (!parse_index(r, &row) || row <= s->row)) {
		run_fail(
			&s->run,
			sheet_status(s->run.prob, 422,
				     problem_set(s->run.prob, RC_INVALID, "bad-sheet",
						 "Excel 文件已损坏：第 %zu 行之后的行号“%.16s”无效",
						 s->row, r)));
		return;
	}
	s->in_row = true;
	s->row = row;
	s->next_col = 0;
	sheet_rows_clear(s->rows);
}

static void on_sheet_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct sheet_run *s = data;
	const char *local = local_name(name);

	s->run.last_event = XML_GetCurrentByteIndex(s->run.parser);
	if (!s->in_data) {
		s->in_data = !strcmp(local, "sheetData");
		return;
	}
	if (s->in_cell) {
		if (!strcmp(local, "v")) {
			s->in_v = true;
			sb_reset(&s->val);
		} else if (!strcmp(local, "is")) {
			s->in_is = true;
			sb_reset(&s->val);
		} else if (!strcmp(local, "t")) {
			s->in_t++;
		} else if (!strcmp(local, "rPh")) {
			s->in_rph++;
		}
	} else if (!strcmp(local, "c") && s->in_row) {
		on_cell_start(s, atts);
	} else if (!strcmp(local, "row")) {
		on_row_start(s, atts);
	}
}

/* Adds the cell just read to the row. */
static enum rc cell_end(struct sheet_run *s)
{
	const char *text = sb_str(&s->val);
	size_t len = s->val.len;

	switch (s->type) {
	case CELL_SHARED: {
		size_t i;
		if (!len)
			break;
		if (!parse_index(text, &i) || i >= s->sst->n) {
			char name[8];
			return sheet_status(
				s->run.prob, 422,
				problem_set(
					s->run.prob, RC_INVALID, "bad-sheet",
					"Excel 文件已损坏：第 %zu 行 %s 列引用的共享字符串“%.16s”不存在",
					s->row, sheet_column_name(s->col, name), text));
		}
		size_t start = s->sst->starts[i];
		size_t end = i + 1 < s->sst->n ? s->sst->starts[i + 1] : s->sst->text.len;
		text = s->sst->text.buf + start;
		len = end - start - 1;
		break;
	}
	case CELL_INLINE:
	case CELL_STR: len = unescape_x(s->val.len ? s->val.buf : (char *)"", len); break;
	case CELL_BOOL:
		/* As Excel shows them. */
		if (!strcmp(text, "1") || !strcmp(text, "0")) {
			text = text[0] == '1' ? "TRUE" : "FALSE";
			len = strlen(text);
		}
		break;
	case CELL_NUMBER:
	case CELL_OTHER: break;
	}
	return sheet_rows_cell(s->rows, s->row, s->col, text, len, s->run.prob);
}

static void on_sheet_end(void *data, const XML_Char *name)
{
	struct sheet_run *s = data;
	const char *local = local_name(name);
	enum rc rc;

	if (!s->in_data)
		return;
	if (s->in_cell) {
		if (!strcmp(local, "v")) {
			s->in_v = false;
		} else if (!strcmp(local, "is")) {
			s->in_is = false;
		} else if (!strcmp(local, "t")) {
			s->in_t -= s->in_t > 0;
		} else if (!strcmp(local, "rPh")) {
			s->in_rph -= s->in_rph > 0;
		} else if (!strcmp(local, "c")) {
			s->in_cell = s->in_v = s->in_is = false;
			s->in_t = s->in_rph = 0;
			rc = cell_end(s);
			if (rc != RC_OK)
				run_fail(&s->run, rc);
		}
	} else if (!strcmp(local, "row") && s->in_row) {
		s->in_row = false;
		rc = sheet_rows_end(s->rows, s->row, s->run.prob);
		if (rc != RC_OK)
			run_fail(&s->run, rc);
		else if (s->rows->stopped)
			run_done(&s->run);
	} else if (!strcmp(local, "sheetData")) {
		run_done(&s->run); /* the rest of the sheet is layout */
	}
}

static void on_sheet_text(void *data, const XML_Char *text, int len)
{
	struct sheet_run *s = data;

	s->run.last_event = XML_GetCurrentByteIndex(s->run.parser);
	if (!s->in_cell)
		return;
	if (!s->in_v && !(s->in_is && s->in_t && !s->in_rph))
		return;
	if (s->val.len + (size_t)len > s->max_cell_bytes) {
		run_fail(&s->run,
			 sheet_cell_too_long(s->run.prob, s->row, s->col, s->max_cell_bytes));
		return;
	}
	sb_add(&s->val, text, (size_t)len);
}

static enum rc read_sheet(struct xlsx *x, const char *part, const struct sst *sst,
			  struct sheet_rows *rows)
{
	struct sheet_run s = { .rows = rows, .sst = sst, .max_cell_bytes = x->lim->max_cell_bytes };
	XML_Parser p = XML_ParserCreate(NULL);

	if (!p)
		abort();
	sb_init(&s.val, 0);
	XML_SetElementHandler(p, on_sheet_start, on_sheet_end);
	XML_SetCharacterDataHandler(p, on_sheet_text);
	enum rc rc = parse_part(x, part, p, &s.run);
	XML_ParserFree(p);
	sb_release(&s.val);
	if (rc == RC_NOT_FOUND)
		rc = damaged_part(x->prob, part);
	return rc;
}

/* ---- the door ---- */

static zip_t *open_archive(const struct sheet_src *src)
{
	zip_error_t err;
	zip_t *za;

	zip_error_init(&err);
	if (src->fd >= 0) {
		int fd = dup(src->fd);
		int code = 0;
		if (fd < 0)
			return NULL;
		za = zip_fdopen(fd, ZIP_RDONLY, &code);
		if (!za)
			close(fd);
		return za;
	}
	zip_source_t *zs = zip_source_buffer_create(src->data, src->len, 0, &err);
	if (!zs)
		return NULL;
	za = zip_open_from_source(zs, ZIP_RDONLY, &err);
	if (!za)
		zip_source_free(zs);
	zip_error_fini(&err);
	return za;
}

enum rc sheet_xlsx_read(const struct sheet_src *src, const char *sheet_name,
			struct sheet_rows *rows, struct problem *prob)
{
	struct xlsx x = { .lim = &rows->lim, .prob = prob };
	struct rels_run top = { 0 }, book_rels = { 0 };
	struct book_run book = { .want = sheet_name };
	struct sst sst = { 0 };
	char main_part[PART_NAME_MAX] = "xl/workbook.xml";
	XML_Parser p = NULL;
	enum rc rc;

	sb_init(&sst.text, 0);
	x.za = open_archive(src);
	if (!x.za) {
		rc = sheet_status(prob, 422,
				  problem_set(prob, RC_INVALID, "bad-sheet",
					      "Excel 文件已损坏或不完整（无法作为 ZIP 打开）"));
		goto out;
	}
	/* The package says where its main part is; an archive that does not
	 * say is read at the usual place. */
	rc = read_rels(&x, "", &top);
	if (rc != RC_OK)
		goto out;
	const struct rel *office = rel_by_type(&top, REL_OFFICE_DOCUMENT);
	if (office)
		text_copy(main_part, sizeof(main_part), office->part);
	if (!ends_with(main_part, ".xml")) {
		rc = sheet_not_a_sheet(prob); /* a binary workbook (.xlsb) */
		goto out;
	}
	rc = read_rels(&x, main_part, &book_rels);
	if (rc != RC_OK)
		goto out;
	book.rels = &book_rels;
	p = XML_ParserCreate(NULL);
	if (!p)
		abort();
	XML_SetElementHandler(p, on_book_start, NULL);
	XML_SetCharacterDataHandler(p, on_any_text);
	rc = parse_part(&x, main_part, p, &book.run);
	if (rc == RC_NOT_FOUND || (rc == RC_OK && !book.is_workbook)) {
		rc = sheet_not_a_sheet(prob); /* another kind of ZIP, or of Office file */
		goto out;
	}
	if (rc != RC_OK)
		goto out;
	rows->info->date1904 = book.date1904;
	if (!book.sheet_part[0] && book.hidden_part[0]) {
		text_copy(book.sheet_name, sizeof(book.sheet_name), book.hidden_name);
		text_copy(book.sheet_part, sizeof(book.sheet_part), book.hidden_part);
	}
	if (!book.sheet_part[0]) {
		if (sheet_name && book.any_sheet)
			rc = sheet_status(prob, 422,
					  problem_set(prob, RC_INVALID, "bad-sheet",
						      "Excel 文件里没有名为“%s”的工作表",
						      sheet_name));
		else
			rc = sheet_status(prob, 422,
					  problem_set(prob, RC_INVALID, "bad-sheet",
						      "Excel 文件里没有工作表"));
		goto out;
	}
	text_copy(rows->info->sheet_name, sizeof(rows->info->sheet_name), book.sheet_name);
	const struct rel *strings = rel_by_type(&book_rels, REL_SHARED_STRINGS);
	rc = read_sst(&x, strings ? strings->part : "xl/sharedStrings.xml", &sst);
	if (rc == RC_NOT_FOUND)
		rc = RC_OK; /* no text, or only inline text */
	if (rc != RC_OK)
		goto out;
	rc = read_sheet(&x, book.sheet_part, &sst, rows);
out:
	if (p)
		XML_ParserFree(p);
	rels_free(&top);
	rels_free(&book_rels);
	sb_release(&sst.text);
	free(sst.starts);
	if (x.za)
		zip_discard(x.za);
	return rc;
}
