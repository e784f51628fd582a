/* The content-addressed file folder. Order of a write: open a temporary file
 * with O_EXCL beside the final name, write it all, fsync, close, rename onto
 * the final name, fsync the folder (and the parent folder when the
 * two-digit folder is new). Any failure removes the temporary file. */
#include "core/blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/text.h"

#define TMP_PREFIX ".tmp-"

static bool mkdir_p(const char *path)
{
	char buf[512];
	text_copy(buf, sizeof(buf), path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

static bool sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = fsync(fd) == 0;
	close(fd);
	return ok;
}

enum rc blob_store_open(struct blob_store *bs, const char *dir, struct problem *prob)
{
	if (!dir || !*dir || strlen(dir) > sizeof(bs->dir) - 80)
		return problem_set(prob, RC_INVALID, "config",
				   "照片目录无效 (bad photo folder): %s", dir ? dir : "");
	text_copy(bs->dir, sizeof(bs->dir), dir);
	size_t n = strlen(bs->dir);
	while (n > 1 && bs->dir[n - 1] == '/')
		bs->dir[--n] = '\0';
	if (!mkdir_p(bs->dir))
		return problem_set(prob, RC_UNAVAILABLE, "storage", "无法创建照片目录 %s: %s",
				   bs->dir, strerror(errno));
	if (access(bs->dir, W_OK | X_OK) != 0)
		return problem_set(prob, RC_UNAVAILABLE, "storage", "照片目录不可写 %s: %s",
				   bs->dir, strerror(errno));
	return RC_OK;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool blob_hash_valid(const char *hex)
{
	if (!hex || strlen(hex) != 64)
		return false;
	for (const char *p = hex; *p; p++)
		if (!is_hex(*p))
			return false;
	return true;
}

static bool ext_valid(const char *ext)
{
	size_t n = ext ? strlen(ext) : 0;
	if (n < 2 || n > 8 || ext[0] != '.')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((ext[i] >= 'a' && ext[i] <= 'z') || (ext[i] >= '0' && ext[i] <= '9')))
			return false;
	return true;
}

/* DIR/ab/HASH+ext: where the file with this hash is kept. */
static void file_path(const struct blob_store *bs, const char *hex, const char *ext, char *out,
		      size_t cap)
{
	snprintf(out, cap, "%s/%.2s/%s%s", bs->dir, hex, hex, ext);
}

static bool write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		len -= (size_t)w;
	}
	return true;
}

enum rc blob_put(const struct blob_store *bs, const void *data, size_t len, const char *ext,
		 char hex[BLOB_HASH_HEX], struct problem *prob)
{
	if (!ext_valid(ext))
		return problem_set(prob, RC_INTERNAL, "internal", "bad file extension");
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(hex, BLOB_HASH_HEX, h, sizeof(h));

	char sub[560], final[640], tmp[680];
	snprintf(sub, sizeof(sub), "%s/%.2s", bs->dir, hex);
	file_path(bs, hex, ext, final, sizeof(final));
	struct stat st;
	if (stat(final, &st) == 0 && (size_t)st.st_size == len)
		return RC_OK; /* the same content is there already, durably */

	bool new_sub = mkdir(sub, 0755) == 0;
	if (!new_sub && errno != EEXIST)
		return problem_set(prob, RC_UNAVAILABLE, "storage-unavailable",
				   "无法保存照片 (cannot create %s): %s", sub, strerror(errno));
	unsigned char rnd[8];
	char rnd_hex[17];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rnd_hex, sizeof(rnd_hex), rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%s-%s", sub, rnd_hex, hex);

	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return problem_set(prob, RC_UNAVAILABLE, "storage-unavailable",
				   "无法保存照片 (cannot create a file): %s", strerror(errno));
	bool ok = write_all(fd, data, len) && fsync(fd) == 0;
	int saved = errno;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, final) != 0) {
		saved = errno;
		ok = false;
	}
	if (!ok) {
		unlink(tmp);
		return problem_set(prob, RC_UNAVAILABLE, "storage-unavailable",
				   "照片未能写入磁盘，请稍后重试 (write or sync failed): %s",
				   strerror(saved));
	}
	if (!sync_dir(sub) || (new_sub && !sync_dir(bs->dir)))
		return problem_set(prob, RC_UNAVAILABLE, "storage-unavailable",
				   "照片未能写入磁盘，请稍后重试 (folder sync failed): %s",
				   strerror(errno));
	return RC_OK;
}

enum rc blob_read(const struct blob_store *bs, const char *hex, const char *ext, struct sb *out,
		  struct problem *prob)
{
	if (!blob_hash_valid(hex) || !ext_valid(ext))
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这张照片 (no such photo)");
	char path[640];
	file_path(bs, hex, ext, path, sizeof(path));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return problem_set(prob, errno == ENOENT ? RC_NOT_FOUND : RC_UNAVAILABLE,
				   errno == ENOENT ? "not-found" : "storage-unavailable",
				   "照片文件读取失败 (cannot read the photo): %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return problem_set(prob, RC_UNAVAILABLE, "storage-unavailable",
				   "照片文件读取失败: %s", strerror(errno));
	}
	sb_reserve(out, (size_t)st.st_size);
	unsigned char buf[65536];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return problem_set(prob, RC_UNAVAILABLE, "storage-unavailable",
					   "照片文件读取失败: %s", strerror(errno));
		}
		if (r == 0)
			break;
		sb_add(out, buf, (size_t)r);
	}
	close(fd);
	return RC_OK;
}

enum rc blob_marker(const struct blob_store *bs, char id[33], bool *created, struct problem *prob)
{
	char path[560];
	snprintf(path, sizeof(path), "%s/.yizhan-folder", bs->dir);
	*created = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, id, 32);
		close(fd);
		id[n > 0 ? n : 0] = '\0';
		if (n == 32)
			return RC_OK;
		return problem_set(prob, RC_UNAVAILABLE, "storage", "照片目录标记文件损坏: %s",
				   path);
	}
	unsigned char rnd[16];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, 33, rnd, sizeof(rnd));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	bool ok = fd >= 0 && write_all(fd, (const unsigned char *)id, 32) && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok || !sync_dir(bs->dir)) {
		unlink(path);
		return problem_set(prob, RC_UNAVAILABLE, "storage", "无法写入照片目录标记 %s: %s",
				   path, strerror(errno));
	}
	*created = true;
	return RC_OK;
}

/* The hash in a stored file's name ("<64 hex><ext>"), or false. */
static bool name_hash(const char *name, char hex[BLOB_HASH_HEX])
{
	if (strlen(name) < 64)
		return false;
	memcpy(hex, name, 64);
	hex[64] = '\0';
	return blob_hash_valid(hex) && ext_valid(name + 64);
}

long blob_collect(const struct blob_store *bs, int64_t min_age_s, blob_keep_fn keep, void *ctx)
{
	DIR *top = opendir(bs->dir);
	if (!top)
		return -1;
	long removed = 0;
	int64_t now = clock_now_s();
	struct dirent *de;
	while ((de = readdir(top))) {
		const char *d = de->d_name;
		if (strlen(d) != 2 || !is_hex(d[0]) || !is_hex(d[1]))
			continue;
		char sub[560];
		snprintf(sub, sizeof(sub), "%s/%.2s", bs->dir, d);
		DIR *dir = opendir(sub);
		if (!dir)
			continue;
		bool changed = false;
		struct dirent *fe;
		while ((fe = readdir(dir))) {
			if (fe->d_name[0] == '.' &&
			    strncmp(fe->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
				continue;
			struct stat st;
			if (fstatat(dirfd(dir), fe->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !S_ISREG(st.st_mode) || now - st.st_mtime < min_age_s)
				continue;
			char hex[BLOB_HASH_HEX];
			bool tmp = strncmp(fe->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
			if (!tmp && (!name_hash(fe->d_name, hex) || keep(hex, ctx)))
				continue;
			if (unlinkat(dirfd(dir), fe->d_name, 0) == 0) {
				removed++;
				changed = true;
			}
		}
		closedir(dir);
		if (changed)
			sync_dir(sub);
	}
	closedir(top);
	return removed;
}
