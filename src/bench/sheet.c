/* yizhan-bench sheet: what exporting and importing a workers' ledger costs,
 * in time and in memory, as CSV and as Excel (media/sheet.h). A synthetic
 * ledger (Chinese names, phone numbers, stations, dates, hours, notes with
 * commas and quotes) of --rows rows × --columns columns is written to a
 * temporary file and read back, each step in a child process of its own
 * (this binary again, with --child) so that its peak resident memory is its
 * own: a tenth of the rows is measured too, to show that memory stays flat
 * in the file's size. Time is the child's own, from start to the last byte
 * written or the last row handed on. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "media/sheet.h"

struct sheet_bench_config {
	int64_t rows, columns;
	const char *dir, *child, *file;
};

#define OPT(field) offsetof(struct sheet_bench_config, field)

static const struct config_option sheet_options[] = {
	{ "rows", NULL, "100000", CONFIG_INT, OPT(rows), 1, 1000000, "台账行数（不含表头）" },
	{ "columns", NULL, "12", CONFIG_INT, OPT(columns), 1, 256, "台账列数" },
	{ "dir", NULL, "/tmp", CONFIG_STR, OPT(dir), 0, 0, "临时文件所在目录" },
	{ "child", NULL, "", CONFIG_STR, OPT(child), 0, 0,
	  "内部用：只做一步（none、write-csv、write-xlsx、read-csv、read-xlsx），"
	  "供父进程读取这个进程的峰值内存" },
	{ "file", NULL, "", CONFIG_STR, OPT(file), 0, 0, "内部用：--child 写出或读入的文件" },
};

static const char *const titles[] = { "编号",	  "姓名", "性别",     "手机",
				      "所属驿站", "工种", "入职日期", "最近签到",
				      "本月工时", "积分", "状态",     "备注" };
static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴" };
static const char *const given[] = { "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军" };
static const char *const stations[] = { "经二路驿站", "清姜路驿站", "龙腾路驿站", "东风路驿站",
					"金台驿站" };
static const char *const trades[] = { "环卫", "快递", "外卖", "保洁", "绿化", "维修" };

/* A row of the ledger, the same for the same i: cells point into buf. */
static void make_row(int64_t i, int64_t ncols, struct sheet_cell *cells, char buf[4][96])
{
	uint32_t x = (uint32_t)i * 2654435761u + 1;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	snprintf(buf[0], 96, "W%07lld", (long long)i);
	snprintf(buf[1], 96, "%s%s", surnames[x % 10], given[(x >> 4) % 10]);
	snprintf(buf[2], 96, "1%02u%08u", 30 + (x >> 8) % 60, x % 100000000u);
	snprintf(buf[3], 96, (x >> 3) % 4 ? "早班，%u 号楼" : "说\"明天调休\"，已登记 %u",
		 (x >> 6) % 40);
	for (int64_t c = 0; c < ncols; c++) {
		struct sheet_cell *cell = &cells[c];
		switch (c % 12) {
		case 0: *cell = SHEET_TEXT(buf[0]); break;
		case 1: *cell = SHEET_TEXT(buf[1]); break;
		case 2: *cell = SHEET_TEXT(x & 1 ? "男" : "女"); break;
		case 3: *cell = SHEET_TEXT(buf[2]); break;
		case 4: *cell = SHEET_TEXT(stations[(x >> 12) % 5]); break;
		case 5: *cell = SHEET_TEXT(trades[(x >> 16) % 6]); break;
		case 6: *cell = SHEET_DATE(1577836800LL + (int64_t)(x % 2000) * 86400); break;
		case 7: *cell = SHEET_DATETIME(1714521600LL + (int64_t)(x % 2592000)); break;
		case 8: *cell = SHEET_NUMBER((double)(x % 3000) / 10.0); break;
		case 9: *cell = SHEET_NUMBER((double)(x % 500)); break;
		case 10: *cell = SHEET_TEXT(x % 7 ? "在岗" : "离岗"); break;
		default: *cell = (x >> 20) % 3 ? SHEET_EMPTY : SHEET_TEXT(buf[3]); break;
		}
	}
}

static int write_ledger(const struct sheet_bench_config *cfg, enum sheet_format format)
{
	int fd = open(cfg->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct sheet_write_opts o = {
		.format = format, .sink = sheet_sink_fd, .sink_ctx = &fd, .tmp_dir = cfg->dir
	};
	struct sheet_column cols[256];
	struct sheet_cell cells[256];
	char buf[4][96];
	struct sheet_written out;
	struct problem prob;
	enum rc rc = RC_INTERNAL;

	if (fd < 0)
		return -1;
	problem_init(&prob);
	struct sheet_writer *w = sheet_writer_new(&o, &prob);
	for (int64_t c = 0; c < cfg->columns; c++)
		cols[c] = (struct sheet_column){ .title = titles[c % 12] };
	if (w)
		rc = sheet_writer_add_sheet(w, "台账", cols, (size_t)cfg->columns, &prob);
	for (int64_t i = 0; rc == RC_OK && i < cfg->rows; i++) {
		make_row(i, cfg->columns, cells, buf);
		rc = sheet_writer_add_row(w, cells, (size_t)cfg->columns, &prob);
	}
	if (rc == RC_OK)
		rc = sheet_writer_finish(w, &out, &prob);
	sheet_writer_free(w);
	if (close(fd))
		rc = RC_INTERNAL;
	if (rc != RC_OK)
		fprintf(stderr, "bench sheet: %s\n", prob.detail);
	return rc == RC_OK ? 0 : -1;
}

struct tally {
	size_t rows;
	size_t bytes;
};

static enum sheet_next count_row(void *ctx, size_t row_number, const char *const *cells,
				 size_t ncells)
{
	struct tally *t = ctx;

	(void)row_number;
	t->rows++;
	for (size_t i = 0; i < ncells; i++)
		t->bytes += strlen(cells[i]);
	return SHEET_CONTINUE;
}

static int read_ledger(const struct sheet_bench_config *cfg)
{
	struct tally t = { 0 };
	struct sheet_read_opts o = { .lim = { .max_file_bytes = (uint64_t)1 << 31,
					      .max_rows = (size_t)cfg->rows + 1 },
				     .on_row = count_row,
				     .ctx = &t };
	struct problem prob;

	problem_init(&prob);
	if (sheet_read_path(cfg->file, &o, NULL, &prob) != RC_OK) {
		fprintf(stderr, "bench sheet: %s\n", prob.detail);
		return -1;
	}
	if (t.rows != (size_t)cfg->rows + 1) {
		fprintf(stderr, "bench sheet: read %zu rows, wrote %lld\n", t.rows,
			(long long)cfg->rows + 1);
		return -1;
	}
	return 0;
}

/* The child: one step, its time in microseconds on stdout. */
static int child(const struct sheet_bench_config *cfg)
{
	int64_t t0 = clock_mono_us();
	int rc;

	if (!strcmp(cfg->child, "none"))
		rc = 0;
	else if (!strcmp(cfg->child, "write-csv"))
		rc = write_ledger(cfg, SHEET_CSV);
	else if (!strcmp(cfg->child, "write-xlsx"))
		rc = write_ledger(cfg, SHEET_XLSX);
	else if (!strcmp(cfg->child, "read-csv") || !strcmp(cfg->child, "read-xlsx"))
		rc = read_ledger(cfg);
	else
		rc = -1;
	if (rc)
		return 1;
	printf("%lld\n", (long long)(clock_mono_us() - t0));
	return 0;
}

struct step_result {
	double ms;
	long peak_kib;
};

/* Runs one step in a child; 0, or -1 with a reason on stderr. */
static int run_step(const char *step, const char *file, int64_t rows,
		    const struct sheet_bench_config *cfg, struct step_result *r)
{
	char rows_arg[24], cols_arg[24], out[64] = "";
	int pipefd[2];

	snprintf(rows_arg, sizeof(rows_arg), "%lld", (long long)rows);
	snprintf(cols_arg, sizeof(cols_arg), "%lld", (long long)cfg->columns);
	fflush(stdout);
	if (pipe(pipefd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execl("/proc/self/exe", "yizhan-bench", "sheet", "--child", step, "--file", file,
		      "--rows", rows_arg, "--columns", cols_arg, "--dir", cfg->dir, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	ssize_t n = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	int status = 0;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n <= 0) {
		fprintf(stderr, "bench sheet: %s of %lld rows failed\n", step, (long long)rows);
		return -1;
	}
	r->ms = strtod(out, NULL) / 1000.0;
	r->peak_kib = ru.ru_maxrss;
	return 0;
}

int bench_sheet(int argc, char **argv)
{
	struct sheet_bench_config cfg = { 0 };
	int code = cli_parse("yizhan-bench sheet",
			     "Times writing and reading a workers' ledger as CSV and as Excel, and "
			     "measures each step's peak memory at the full size and a tenth of it.",
			     sheet_options, sizeof(sheet_options) / sizeof(sheet_options[0]), &cfg,
			     argc, argv);
	if (code >= 0)
		return code;
	if (*cfg.child)
		return child(&cfg);

	static const char *const formats[] = { "csv", "xlsx" };
	struct step_result none;
	char file[600], step[32];
	struct stat st;
	int rc = 1;

	malloc_trim(0);
	if (run_step("none", "", 1, &cfg, &none))
		return 1;
	printf("spreadsheets: a ledger of %lld rows x %lld columns, each step in a process of its"
	       " own;\n  memory: peak RSS less the %.1f MiB of a process that does nothing\n",
	       (long long)cfg.rows, (long long)cfg.columns, (double)none.peak_kib / 1024.0);
	printf("  %-6s %9s %10s %12s %10s %12s %10s\n", "format", "rows", "file", "write", "memory",
	       "read", "memory");
	for (int f = 0; f < 2; f++) {
		for (int k = 0; k < 2; k++) {
			int64_t rows = k ? cfg.rows : (cfg.rows + 9) / 10;
			struct step_result w, r;
			snprintf(file, sizeof(file), "%s/yizhan-bench-sheet-%d.%s", cfg.dir,
				 (int)getpid(), formats[f]);
			snprintf(step, sizeof(step), "write-%s", formats[f]);
			if (run_step(step, file, rows, &cfg, &w) || stat(file, &st))
				goto out;
			snprintf(step, sizeof(step), "read-%s", formats[f]);
			if (run_step(step, file, rows, &cfg, &r))
				goto out;
			unlink(file);
			printf("  %-6s %9lld %6.1f MiB %9.0f ms %6.1f MiB %9.0f ms %6.1f MiB\n",
			       formats[f], (long long)rows, (double)st.st_size / 1048576.0, w.ms,
			       (double)(w.peak_kib - none.peak_kib) / 1024.0, r.ms,
			       (double)(r.peak_kib - none.peak_kib) / 1024.0);
		}
	}
	rc = 0;
out:
	unlink(file);
	return rc;
}
