/* yizhan bench photo: what an upload costs. A 12-megapixel JPEG (a phone
 * camera's picture, made here with a deterministic pattern) goes through
 * image_normalize — decode, orientation, two scalings, two encodings — next
 * to the least any re-encoding costs: libgd decoding the same file and
 * encoding it again at the same quality. Medians of several runs, and the
 * ratio of the two, so the figure means the same on a faster machine. */
#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "media/image.h"

struct photo_bench_config {
	int64_t width, height, runs, quality;
};

#define OPT(field) offsetof(struct photo_bench_config, field)

static const struct config_option photo_options[] = {
	{ "width", NULL, "4000", CONFIG_INT, OPT(width), 16, 12000, "测试照片宽度（像素）" },
	{ "height", NULL, "3000", CONFIG_INT, OPT(height), 16, 12000, "测试照片高度（像素）" },
	{ "runs", NULL, "7", CONFIG_INT, OPT(runs), 1, 100, "每种处理的次数（取中位数）" },
	{ "quality", NULL, "82", CONFIG_INT, OPT(quality), 1, 100, "JPEG 质量" },
};

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

int bench_photo(int argc, char **argv)
{
	struct photo_bench_config cfg = { 0 };
	int code = cli_parse("bench photo", "Times the normalization of an uploaded photo.",
			     photo_options, sizeof(photo_options) / sizeof(photo_options[0]), &cfg,
			     argc, argv);
	if (code >= 0)
		return code;
	int len = 0;
	unsigned char *jpeg = make_jpeg((int)cfg.width, (int)cfg.height, (int)cfg.quality, &len);
	if (!jpeg) {
		fputs("bench photo: cannot make the test picture\n", stderr);
		return 1;
	}
	size_t runs = (size_t)cfg.runs;
	double *plain = calloc(runs, sizeof(double)), *norm = calloc(runs, sizeof(double));
	const struct image_limits lim = { .max_edge = 1600, .thumb_edge = 360, .quality = (int)cfg.quality };
	size_t out_len = 0, thumb_len = 0;
	int ow = 0, oh = 0;
	for (size_t i = 0; i < runs; i++) {
		int64_t t0 = clock_mono_us();
		gdImagePtr im = gdImageCreateFromJpegPtrEx(len, jpeg, 1);
		int elen = 0;
		void *again = im ? gdImageJpegPtr(im, &elen, (int)cfg.quality) : NULL;
		plain[i] = (double)(clock_mono_us() - t0) / 1000.0;
		if (im)
			gdImageDestroy(im);
		gdFree(again);

		struct image_out out;
		struct problem prob;
		problem_init(&prob);
		t0 = clock_mono_us();
		enum rc rc = image_normalize(jpeg, (size_t)len, &lim, &out, &prob);
		norm[i] = (double)(clock_mono_us() - t0) / 1000.0;
		if (rc != RC_OK) {
			fprintf(stderr, "bench photo: %s\n", prob.detail);
			gdFree(jpeg);
			free(plain);
			free(norm);
			return 1;
		}
		out_len = out.full_len;
		thumb_len = out.thumb_len;
		ow = out.width;
		oh = out.height;
		image_out_release(&out);
	}
	double p = median(plain, runs), n = median(norm, runs);
	printf("photo upload: %lldx%lld JPEG (%.1f MP, %d KiB) -> %dx%d (%zu KiB) + thumbnail (%zu KiB)\n",
	       (long long)cfg.width, (long long)cfg.height, (double)(cfg.width * cfg.height) / 1e6,
	       len / 1024, ow, oh, out_len / 1024, thumb_len / 1024);
	printf("  libgd decode + encode (reference)   %8.1f ms\n", p);
	printf("  image_normalize                     %8.1f ms   %.2fx the reference, %.1f uploads/s a core\n",
	       n, n / p, 1000.0 / n);
	gdFree(jpeg);
	free(plain);
	free(norm);
	return 0;
}
