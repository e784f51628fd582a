/* Static files. The whole of web/ is small (HTML, CSS, ES modules, icons;
 * Leaflet and ECharts from node_modules are linked in under /vendor/), so
 * holding it in memory is cheaper than a syscall per request. */
#include "http/static.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/log.h"
#include "core/sb.h"
#include "core/xalloc.h"

#define STATIC_FILE_MAX (16 * 1024 * 1024)

struct static_files {
	struct static_file *files;
	size_t n, cap;
};

const char *static_content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".webp", "image/webp" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".map", "application/json" },
		{ ".woff2", "font/woff2" },
		{ ".webmanifest", "application/manifest+json" },
	};
	const char *dot = strrchr(name, '.');
	if (dot)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

static bool compressible(const char *type)
{
	return strncmp(type, "text/", 5) == 0 || strstr(type, "json") || strstr(type, "svg");
}

static unsigned char *read_file(const char *fs_path, size_t *len)
{
	int fd = open(fs_path, O_RDONLY | O_CLOEXEC);
	unsigned char *buf = NULL;
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size > STATIC_FILE_MAX)
		goto out;
	buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0) {
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)r;
	}
	*len = got;
out:
	close(fd);
	return buf;
}

static void add_file(struct static_files *sf, const char *url_path, const char *fs_path)
{
	size_t len = 0;
	unsigned char *data = read_file(fs_path, &len);
	if (!data)
		return;
	if (sf->n == sf->cap) {
		sf->cap = sf->cap ? sf->cap * 2 : 64;
		sf->files = xrealloc(sf->files, sf->cap * sizeof(*sf->files));
	}
	struct static_file *f = &sf->files[sf->n++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(url_path);
	f->content_type = static_content_type(url_path);
	f->data = data;
	f->len = len;

	unsigned char h[16];
	crypto_generichash(h, sizeof(h), data, len, NULL, 0);
	char hex[33];
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	struct sb sb = SB_INIT;
	sb_addf(&sb, "\"%s\"", hex);
	f->etag = sb_detach(&sb, NULL);

	if (compressible(f->content_type) && len > 256) {
		uLongf cap = compressBound(len) + 32;
		unsigned char *gz = xmalloc(cap);
		z_stream zs = { 0 };
		/* windowBits 15 + 16 writes a gzip (not zlib) wrapper. */
		if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK) {
			zs.next_in = data;
			zs.avail_in = (uInt)len;
			zs.next_out = gz;
			zs.avail_out = (uInt)cap;
			if (deflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out < len * 9 / 10) {
				f->gz = gz;
				f->gz_len = zs.total_out;
				gz = NULL;
			}
			deflateEnd(&zs);
		}
		free(gz);
	}
}

static void walk(struct static_files *sf, const char *dir, const char *prefix, int depth)
{
	DIR *d = opendir(dir);
	if (!d || depth > 8) {
		if (d)
			closedir(d);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		struct sb fs = SB_INIT, url = SB_INIT;
		sb_addf(&fs, "%s/%s", dir, e->d_name);
		sb_addf(&url, "%s/%s", prefix, e->d_name);
		struct stat st;
		if (stat(sb_str(&fs), &st) == 0) { /* follows the vendor/ symlinks */
			if (S_ISDIR(st.st_mode))
				walk(sf, sb_str(&fs), sb_str(&url), depth + 1);
			else if (S_ISREG(st.st_mode))
				add_file(sf, sb_str(&url), sb_str(&fs));
		}
		sb_release(&fs);
		sb_release(&url);
	}
	closedir(d);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct static_file *)a)->path, ((const struct static_file *)b)->path);
}

struct static_files *static_load(const char *dir)
{
	struct static_files *sf = xcalloc(1, sizeof(*sf));
	if (dir && *dir)
		walk(sf, dir, "", 0);
	if (sf->n)
		qsort(sf->files, sf->n, sizeof(*sf->files), cmp_path);
	return sf;
}

void static_free(struct static_files *sf)
{
	if (!sf)
		return;
	for (size_t i = 0; i < sf->n; i++) {
		free((char *)sf->files[i].path);
		free((char *)sf->files[i].etag);
		free((void *)sf->files[i].data);
		free((void *)sf->files[i].gz);
	}
	free(sf->files);
	free(sf);
}

size_t static_count(const struct static_files *sf)
{
	return sf ? sf->n : 0;
}

const struct static_file *static_find(const struct static_files *sf, const char *path)
{
	if (!sf || !sf->n || !path || path[0] != '/' || strstr(path, ".."))
		return NULL;
	struct static_file key = { .path = strcmp(path, "/") == 0 ? "/index.html" : path };
	return bsearch(&key, sf->files, sf->n, sizeof(*sf->files), cmp_path);
}
