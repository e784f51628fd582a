/* Reading query parameters: numbers, booleans, a coordinate system and a
 * bounding box, each with a field error in words when it is wrong. Integers
 * are read by query_int (api/reply.h). */
#ifndef YZ_API_QUERY_H
#define YZ_API_QUERY_H

#include <stdbool.h>

#include "core/problem.h"
#include "geo/coord.h"
#include "http/http.h"

/* crs=wgs84|gcj02|bd09 into *crs (WGS-84 when absent); false with a field
 * error otherwise. */
bool query_crs(struct http_req *req, enum geo_crs *crs, struct problem *prob);
/* A number within [min, max]; def when absent (a field error if required).
 * Plain decimals are read without strtod: it was a visible part of a nearby
 * answer's time. */
bool query_double(struct http_req *req, const char *name, bool required, double min, double max,
		  double def, double *out, struct problem *prob);
/* true/1 or false/0 (false when absent). */
bool query_bool(struct http_req *req, const char *name, bool *out, struct problem *prob);
/* bbox=south,west,north,east in crs into box[] in WGS-84. Returns false
 * when absent or wrong (then with a field error). */
bool query_bbox(struct http_req *req, double box[4], enum geo_crs crs, struct problem *prob);

/* A region code prefix (digits, at most 12) into out[13]; "" when absent
 * (a field error if required). False with a field error when wrong. */
bool query_region(struct http_req *req, const char *name, bool required, char out[13],
		  struct problem *prob);

#endif
