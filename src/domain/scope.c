/* Scopes. Region codes come in the lengths of their level (2, 4, 6, 9, 12
 * digits); the 12-digit padded form is accepted and shortened, so
 * "610302004000" and "610302004" are the same street. */
#include "domain/scope.h"

#include <stdlib.h>
#include <string.h>

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static bool zeros(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return false;
	return true;
}

bool scope_normalize(const char *in, char out[SCOPE_MAX])
{
	if (!in)
		return false;
	size_t n = strlen(in);
	if (n == 1 && in[0] == '*') {
		memcpy(out, "*", 2);
		return true;
	}
	if (n > 8 && strncmp(in, "station:", 8) == 0) {
		if (!all_digits(in + 8, n - 8) || n >= SCOPE_MAX || in[8] == '0')
			return false;
		memcpy(out, in, n + 1);
		return true;
	}
	if (!all_digits(in, n))
		return false;
	if (n == 12) {
		/* Strip the padding level by level: village, street, district, city. */
		static const size_t cuts[] = { 9, 6, 4, 2 };
		for (size_t i = 0; i < 4 && zeros(in + cuts[i], n - cuts[i]); i++)
			n = cuts[i];
	}
	if (n != 2 && n != 4 && n != 6 && n != 9 && n != 12)
		return false;
	if (zeros(in, 2))
		return false;
	memcpy(out, in, n);
	out[n] = '\0';
	return true;
}

static int64_t station_of(const char *scope)
{
	return strncmp(scope, "station:", 8) == 0 ? strtoll(scope + 8, NULL, 10) : 0;
}

bool scope_covers(const char *scope, const struct scope_target *t)
{
	if (strcmp(scope, "*") == 0)
		return true;
	if (!t)
		return false;
	int64_t sid = station_of(scope);
	if (sid)
		return t->station_id && (t->station_id == sid || t->hub_id == sid);
	return t->region && strncmp(t->region, scope, strlen(scope)) == 0;
}

bool scope_within(const char *outer, const char *inner)
{
	if (strcmp(outer, "*") == 0)
		return true;
	if (strcmp(inner, "*") == 0)
		return false;
	if (station_of(outer) || station_of(inner))
		return strcmp(outer, inner) == 0;
	return strncmp(inner, outer, strlen(outer)) == 0;
}

struct scope_target scope_place_target(const struct scope_place *pl)
{
	struct scope_target t = { .region = pl->region[0] ? pl->region : NULL,
				  .station_id = pl->station_id,
				  .hub_id = pl->hub_id };
	return t;
}
