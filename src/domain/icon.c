/* The icon names are a table included from icons.inc, which the sprite build
 * reads too, so that the server accepts exactly the icons the page has. */
#include "domain/icon.h"

#include <stdlib.h>
#include <string.h>

#define ICON(name) name,
static const char *const names[] = {
#include "domain/icons.inc"
};
#undef ICON

#define NNAMES (sizeof(names) / sizeof(names[0]))

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool icon_known(const char *name)
{
	return name && bsearch(name, names, NNAMES, sizeof(names[0]), cmp_name) != NULL;
}

const char *const *icon_names(size_t *n)
{
	*n = NNAMES;
	return names;
}
