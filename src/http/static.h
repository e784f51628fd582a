/* Static files of web/, loaded into memory at start with their content type,
 * an ETag and a gzip copy where compression pays, so serving one is a lookup
 * and a copy-free response. Read-only after static_load; thread-safe. */
#ifndef YZ_HTTP_STATIC_H
#define YZ_HTTP_STATIC_H

#include <stdbool.h>
#include <stddef.h>

struct static_files;

struct static_file {
	const char *path; /* "/js/app.js" */
	const char *content_type;
	const char *etag; /* quoted */
	const unsigned char *data;
	size_t len;
	const unsigned char *gz; /* NULL when gzip would not help */
	size_t gz_len;
};

/* Loads every regular file under dir (hidden files skipped); a missing dir
 * gives an empty set. Returns *new* files. */
struct static_files *static_load(const char *dir);
void static_free(struct static_files *sf);
size_t static_count(const struct static_files *sf);
/* Finds path ("/" means "/index.html"); borrowed, or NULL. Refuses any path
 * with "..", so nothing outside dir can be named. */
const struct static_file *static_find(const struct static_files *sf, const char *path);
/* The content type for a file name by extension. */
const char *static_content_type(const char *name);

#endif
