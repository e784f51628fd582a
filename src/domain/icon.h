/* The names of the drawn icons the web UI has (domain/icons.inc, lucide
 * names such as "microwave"). An amenity in the catalog shows one of them,
 * so the catalog holds names, never pictures or emoji, which a phone
 * without an emoji font shows as empty boxes. */
#ifndef YZ_DOMAIN_ICON_H
#define YZ_DOMAIN_ICON_H

#include <stdbool.h>
#include <stddef.h>

/* True if name is one of the icons the web UI draws. Thread-safe. */
bool icon_known(const char *name);

/* The names, sorted; *n gets how many. Borrowed (static). */
const char *const *icon_names(size_t *n);

#endif
