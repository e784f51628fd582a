/* JSON renderings of domain records shared by several resources. */
#ifndef YZ_API_RENDER_H
#define YZ_API_RENDER_H

#include <jansson.h>

#include "domain/account.h"
#include "domain/photo.h"
#include "domain/principal.h"

/* An account as viewer may see it (phone masked unless allowed). New ref. */
json_t *render_account(const struct principal *viewer, const struct account *a);
/* The role grants of an account: [{id, role, scope}]. New ref. */
json_t *render_grants(const struct role_grant *g, size_t n);

/* A photo: {id, url, thumb_url, width, height, caption, added_at}. New ref. */
json_t *render_photo(const struct photo *p);

#endif
