/* A station as one person sees it in full. */
#include "domain/station_view.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"

enum rc station_view_read(struct db *db, const struct actor *actor, int64_t id,
			  struct station_view **out, struct problem *prob)
{
	struct station_view *v = xcalloc(1, sizeof(*v));
	*out = NULL;
	enum rc rc = station_get(db, id, &v->station, prob);
	if (rc == RC_OK)
		rc = amenity_catalog(db, &v->catalog, &v->ncatalog, prob);
	if (rc == RC_OK)
		rc = station_photos(db, id, v->photos, &v->nphotos, prob);
	if (rc != RC_OK) {
		station_view_free(v);
		return rc;
	}
	v->can_edit = station_may_edit(actor, &v->station);
	v->neditable = station_editable(actor, &v->station, v->editable, STATION_EDITABLE_MAX);
	*out = v;
	return RC_OK;
}

void station_view_free(struct station_view *v)
{
	if (!v)
		return;
	free(v->catalog);
	free(v);
}

enum rc station_qr_secret(struct db *db, const struct actor *actor, int64_t id,
			  char out[STATION_QR_TOKEN_CAP], struct problem *prob)
{
	out[0] = '\0';
	struct station *s = xmalloc(sizeof(*s));
	enum rc rc = station_get(db, id, s, prob);
	if (rc == RC_OK && !station_may_edit(actor, s))
		rc = problem_set(prob, RC_FORBIDDEN, "forbidden",
				 "只有负责这个驿站的人可以打印它的二维码");
	if (rc == RC_OK)
		text_copy(out, STATION_QR_TOKEN_CAP, s->qr_token);
	free(s);
	return rc;
}
