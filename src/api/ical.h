/* iCalendar (RFC 5545) feeds of activities, written with libical: it folds
 * lines at 75 octets between whole UTF-8 characters, escapes TEXT values
 * and ends lines with CRLF. Times are in the city's zone, Asia/Shanghai,
 * described by one VTIMEZONE (China keeps no daylight saving time); the
 * stamp is UTC. A UID names the activity and the host, so it stays the
 * same across changes; SEQUENCE and STATUS tell a calendar what changed. */
#ifndef YZ_API_ICAL_H
#define YZ_API_ICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sb.h"

#define ICAL_TZID "Asia/Shanghai"

/* One event; text is borrowed. */
struct ical_event {
	int64_t id; /* the UID is "activity-<id>@<host>" */
	const char *summary, *description, *location, *categories, *url;
	bool has_geo;
	double lat, lng;
	int64_t starts_s, ends_s, created_s, modified_s;
	int sequence;
	bool cancelled;
};

/* Appends the VCALENDAR of events[0..n) named name to out. host is the
 * deployment's host name, for the UIDs. False if libical failed. */
bool ical_calendar(const char *name, const char *host, const struct ical_event *events, size_t n,
		   struct sb *out);

#endif
