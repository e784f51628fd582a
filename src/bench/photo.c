/* yizhan-bench photo: what an upload costs, in time and in memory. A
 * 12-megapixel JPEG (a phone camera's picture, made here with a
 * deterministic pattern) goes through image_normalize — decoded at a reduced
 * size, scaled, turned, thumbnailed, encoded twice — next to two ways
 * measured in the same run: the least any re-encoding costs (libgd decoding
 * the file and encoding it again at the same quality, the reference), and
 * the way uploads were normalized before, decoding the whole picture with
 * libgd and then scaling it. Time is the median of several runs in this
 * process. Peak memory is each way run once in a child process of its own
 * (this binary again, with --child), read from its ru_maxrss, less that of a
 * child that only reads the file. The figures are printed as ratios too, so
 * they mean the same on a faster machine. */
#include <errno.h>
#include <gd.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "media/image.h"

struct photo_bench_config {
	int64_t width, height, runs, quality;
	const char *child, *input;
};

#define OPT(field) offsetof(struct photo_bench_config, field)

static const struct config_option photo_options[] = {
	{ "width", NULL, "4000", CONFIG_INT, OPT(width), 16, 12000, "测试照片宽度（像素）" },
	{ "height", NULL, "3000", CONFIG_INT, OPT(height), 16, 12000, "测试照片高度（像素）" },
	{ "runs", NULL, "7", CONFIG_INT, OPT(runs), 1, 100, "每种处理的次数（取中位数）" },
	{ "quality", NULL, "82", CONFIG_INT, OPT(quality), 1, 100, "JPEG 质量" },
	{ "child", NULL, "", CONFIG_STR, OPT(child), 0, 0,
	  "内部用：只把 --input 的照片读入并按一种方式（none、reference、before、normalize）处理一次，"
	  "供父进程读取这个进程的峰值内存" },
	{ "input", NULL, "", CONFIG_STR, OPT(input), 0, 0, "内部用：--child 读取的照片文件" },
};

/* The ways a photo is measured, in the order they are printed. */
enum way { WAY_NONE, WAY_REFERENCE, WAY_BEFORE, WAY_NORMALIZE, WAY_COUNT };

static const char *const way_names[WAY_COUNT] = { "none", "reference", "before", "normalize" };

/* A picture with detail everywhere (smooth gradients with a fine texture),
 * so the encoders do real work. */
static unsigned char *make_jpeg(int w, int h, int quality, int *len)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	if (!im)
		return NULL;
	uint32_t x32 = 2463534242u;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			x32 ^= x32 << 13;
			x32 ^= x32 >> 17;
			x32 ^= x32 << 5;
			int n = (int)(x32 & 15) - 8;
			int r = (x * 255 / w + n) & 255, g = (y * 255 / h + n) & 255;
			int b = ((x + y) * 255 / (w + h) + n) & 255;
			gdImageSetPixel(im, x, y, gdTrueColor(r, g, b));
		}
	void *p = gdImageJpegPtr(im, len, quality);
	gdImageDestroy(im);
	return p;
}

/* Normalizing as it was done before libjpeg's scaled decoding: libgd
 * decodes the whole picture, scales it to fit and makes the thumbnail from
 * that, and encodes both (an upright picture: no turn). */
static int before(const unsigned char *jpeg, int len, const struct image_limits *lim)
{
	int w, h, fw, fh, tw, th, a = 0, b = 0;
	if (!image_header_size(jpeg, (size_t)len, &w, &h))
		return -1;
	image_fit_within(w, h, lim->max_edge, &fw, &fh);
	image_fit_within(w, h, lim->thumb_edge, &tw, &th);
	gdImagePtr im = gdImageCreateFromJpegPtrEx(len, (void *)jpeg, 1), full = NULL, thumb = NULL;
	if (im && gdImageSetInterpolationMethod(im, GD_TRIANGLE))
		full = gdImageScale(im, (unsigned)fw, (unsigned)fh);
	if (im)
		gdImageDestroy(im);
	if (full && gdImageSetInterpolationMethod(full, GD_TRIANGLE))
		thumb = gdImageScale(full, (unsigned)tw, (unsigned)th);
	void *ef = full ? gdImageJpegPtr(full, &a, lim->quality) : NULL;
	void *et = thumb ? gdImageJpegPtr(thumb, &b, lim->quality) : NULL;
	int ok = ef && et;
	gdFree(ef);
	gdFree(et);
	if (full)
		gdImageDestroy(full);
	if (thumb)
		gdImageDestroy(thumb);
	return ok ? 0 : -1;
}

/* Runs one way over the picture once; 0, or -1 with a reason on stderr. */
static int run_way(enum way way, const unsigned char *jpeg, int len, const struct image_limits *lim)
{
	switch (way) {
	case WAY_NONE: return 0;
	case WAY_REFERENCE: {
		gdImagePtr im = gdImageCreateFromJpegPtrEx(len, (void *)jpeg, 1);
		int elen = 0;
		void *again = im ? gdImageJpegPtr(im, &elen, lim->quality) : NULL;
		if (im)
			gdImageDestroy(im);
		gdFree(again);
		return again ? 0 : -1;
	}
	case WAY_BEFORE: return before(jpeg, len, lim);
	case WAY_NORMALIZE: {
		struct image_out out;
		struct problem prob;
		problem_init(&prob);
		if (image_normalize(jpeg, (size_t)len, lim, &out, &prob) != RC_OK) {
			fprintf(stderr, "bench photo: %s\n", prob.detail);
			return -1;
		}
		image_out_release(&out);
		return 0;
	}
	case WAY_COUNT: break;
	}
	return -1;
}

/* The child: reads the file whole, runs one way once, exits. */
static int child(const struct photo_bench_config *cfg, const struct image_limits *lim)
{
	enum way way = WAY_COUNT;
	for (int i = 0; i < WAY_COUNT; i++)
		if (!strcmp(cfg->child, way_names[i]))
			way = (enum way)i;
	FILE *f = *cfg->input ? fopen(cfg->input, "rb") : NULL;
	if (way == WAY_COUNT || !f) {
		fprintf(stderr,
			"bench photo: --child wants none, reference, before or normalize, and --input a file\n");
		if (f)
			fclose(f);
		return 2;
	}
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			unsigned char *more = realloc(buf, cap);
			if (!more)
				abort();
			buf = more;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	int rc = run_way(way, buf, (int)len, lim);
	free(buf);
	return rc ? 1 : 0;
}

/* Runs this binary as a child doing way once; returns its peak resident
 * memory in KiB, or -1. */
static long child_peak_kib(enum way way, const char *path, const struct photo_bench_config *cfg)
{
	char quality[16];
	snprintf(quality, sizeof(quality), "%lld", (long long)cfg->quality);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/proc/self/exe", "yizhan-bench", "photo", "--child", way_names[way],
		      "--input", path, "--quality", quality, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return ru.ru_maxrss;
}

static int cmp_ms(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_ms);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Writes the picture to a new temporary file, named into path. */
static int write_temp(const unsigned char *jpeg, int len, char *path, size_t cap)
{
	snprintf(path, cap, "%s/yizhan-bench-photo.XXXXXX", P_tmpdir);
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "wb");
	int ok = f && fwrite(jpeg, 1, (size_t)len, f) == (size_t)len;
	if (f ? fclose(f) != 0 : close(fd) != 0)
		ok = 0;
	if (!ok)
		unlink(path);
	return ok ? 0 : -1;
}

int bench_photo(int argc, char **argv)
{
	struct photo_bench_config cfg = { 0 };
	int code = cli_parse("yizhan-bench photo",
			     "Times a photo upload's normalization, and measures its peak memory, "
			     "against a plain re-encoding and the way it was done before.",
			     photo_options, sizeof(photo_options) / sizeof(photo_options[0]), &cfg,
			     argc, argv);
	if (code >= 0)
		return code;
	const struct image_limits lim = { .max_edge = 1600,
					  .thumb_edge = 360,
					  .quality = (int)cfg.quality };
	if (*cfg.child)
		return child(&cfg, &lim);

	int len = 0;
	unsigned char *jpeg = make_jpeg((int)cfg.width, (int)cfg.height, (int)cfg.quality, &len);
	if (!jpeg) {
		fputs("bench photo: cannot make the test picture\n", stderr);
		return 1;
	}
	size_t runs = (size_t)cfg.runs;
	double *ms[WAY_COUNT] = { NULL }, t[WAY_COUNT] = { 0 }, mib[WAY_COUNT] = { 0 };
	long peak_kib[WAY_COUNT] = { 0 };
	char path[512];
	struct image_out out = { 0 };
	struct problem prob;
	int rc = 1;
	for (int i = 0; i < WAY_COUNT; i++)
		ms[i] = calloc(runs, sizeof(double));

	/* Memory first, each way in a fresh process. Linux keeps a process's
	 * peak from before its exec, which for a forked child is this
	 * process's memory at the fork: give back what making the picture
	 * took, and count from a child that only reads the file. */
	malloc_trim(0);
	if (write_temp(jpeg, len, path, sizeof(path))) {
		fprintf(stderr, "bench photo: cannot write a temporary file: %s\n",
			strerror(errno));
		goto out;
	}
	for (int i = 0; i < WAY_COUNT; i++) {
		peak_kib[i] = child_peak_kib((enum way)i, path, &cfg);
		if (peak_kib[i] < 0) {
			fprintf(stderr, "bench photo: the child measuring %s failed\n",
				way_names[i]);
			unlink(path);
			goto out;
		}
	}
	unlink(path);

	/* Then time, the three ways taking turns. */
	problem_init(&prob);
	if (image_normalize(jpeg, (size_t)len, &lim, &out, &prob) != RC_OK) {
		fprintf(stderr, "bench photo: %s\n", prob.detail);
		goto out;
	}
	for (size_t r = 0; r < runs; r++) {
		for (int i = WAY_REFERENCE; i < WAY_COUNT; i++) {
			int64_t t0 = clock_mono_us();
			if (run_way((enum way)i, jpeg, len, &lim)) {
				fprintf(stderr, "bench photo: %s failed\n", way_names[i]);
				goto out;
			}
			ms[i][r] = (double)(clock_mono_us() - t0) / 1000.0;
		}
	}

	for (int i = WAY_REFERENCE; i < WAY_COUNT; i++) {
		t[i] = median(ms[i], runs);
		mib[i] = (double)(peak_kib[i] - peak_kib[WAY_NONE]) / 1024.0;
	}
	printf("photo upload: %lldx%lld JPEG (%.1f MP, %d KiB) -> %dx%d (%zu KiB) + thumbnail (%zu KiB)\n",
	       (long long)cfg.width, (long long)cfg.height, (double)(cfg.width * cfg.height) / 1e6,
	       len / 1024, out.width, out.height, out.full_len / 1024, out.thumb_len / 1024);
	printf("  time: median of %zu runs; memory: peak RSS of a process doing it once, less the"
	       " %.1f MiB of one that only reads the file\n",
	       runs, (double)peak_kib[WAY_NONE] / 1024.0);
	printf("  %-36s %10s %10s\n", "", "time", "memory");
	printf("  %-36s %7.1f ms %6.1f MiB\n", "libgd decode + encode (reference)",
	       t[WAY_REFERENCE], mib[WAY_REFERENCE]);
	printf("  %-36s %7.1f ms %6.1f MiB   %.2fx the reference's time\n",
	       "before: full decode, then scale", t[WAY_BEFORE], mib[WAY_BEFORE],
	       t[WAY_BEFORE] / t[WAY_REFERENCE]);
	printf("  %-36s %7.1f ms %6.1f MiB   %.2fx the reference's time; reckoned %.1f MiB"
	       " (%.1f decoding)\n",
	       "image_normalize", t[WAY_NORMALIZE], mib[WAY_NORMALIZE],
	       t[WAY_NORMALIZE] / t[WAY_REFERENCE], (double)out.work_bytes / 1048576.0,
	       (double)out.decode_bytes / 1048576.0);
	printf("  image_normalize vs before: %.2fx the time, %.2fx the peak memory;"
	       " %.1f uploads/s a core\n",
	       t[WAY_NORMALIZE] / t[WAY_BEFORE],
	       mib[WAY_BEFORE] > 0 ? mib[WAY_NORMALIZE] / mib[WAY_BEFORE] : 0.0,
	       1000.0 / t[WAY_NORMALIZE]);
	rc = 0;
out:
	image_out_release(&out);
	gdFree(jpeg);
	for (int i = 0; i < WAY_COUNT; i++)
		free(ms[i]);
	return rc;
}
