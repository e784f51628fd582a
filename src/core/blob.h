/* A folder of files named by the SHA-256 of their content (uploaded photos).
 * A file is written to a temporary name beside its final one, synced,
 * renamed into place and its folder synced, so once blob_put returns RC_OK
 * the file survives a crash; only then may a database row point at it.
 * Layout: DIR/ab/abcdef…EXT, where "ab" are the hash's first two digits.
 * Files no row points at (an upload whose transaction failed, or a crash
 * between the file and the commit) are removed by blob_collect. */
#ifndef YZ_CORE_BLOB_H
#define YZ_CORE_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/sb.h"

#define BLOB_HASH_HEX 65 /* 64 hex digits and the NUL */

struct blob_store {
	char dir[512];
};

/* Creates dir (and its parents) if missing and checks that a file can be
 * written there. */
enum rc blob_store_open(struct blob_store *bs, const char *dir, struct problem *prob);
/* True if hex is 64 lower-case hex digits. */
bool blob_hash_valid(const char *hex);
/* Writes data durably as HASH+ext (ext such as ".jpg") and puts the hash in
 * hex. Content already stored is not written again. A failed write or sync
 * answers RC_UNAVAILABLE and leaves no file under the final name. */
enum rc blob_put(const struct blob_store *bs, const void *data, size_t len, const char *ext,
		 char hex[BLOB_HASH_HEX], struct problem *prob);
/* Appends the stored file's content to out. RC_NOT_FOUND if it is not there. */
enum rc blob_read(const struct blob_store *bs, const char *hex, const char *ext, struct sb *out,
		  struct problem *prob);

/* The folder's identity: the random id in DIR/.yizhan-folder, made (and
 * synced) on first use, when *created is set. RC_UNAVAILABLE if it cannot be
 * read or written. */
enum rc blob_marker(const struct blob_store *bs, char id[33], bool *created, struct problem *prob);

/* Decides whether the stored file with this hash is still referenced. */
typedef bool (*blob_keep_fn)(const char *hex, void *ctx);
/* Removes files older than min_age_s that keep() does not want, and
 * temporary files older than min_age_s (left by a crash mid-write). Files
 * younger than that may belong to an upload still in progress on another
 * server. Returns how many were removed, or -1 if the folder is unreadable. */
long blob_collect(const struct blob_store *bs, int64_t min_age_s, blob_keep_fn keep, void *ctx);

#endif
