/* iCalendar feeds through libical (ical.h). */
#include "api/ical.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_OFFSET_S (8 * 3600) /* Asia/Shanghai: +08:00 all year */

/* The city's wall-clock time of t, with TZID=Asia/Shanghai. A floating
 * time (no zone) shifted by the offset is exactly that wall clock. */
static icalproperty *local_prop(icalproperty *(*make)(struct icaltimetype), int64_t t)
{
	struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)(t + TZ_OFFSET_S), 0, NULL);
	icalproperty *p = make(tt);
	icalproperty_add_parameter(p, icalparameter_new_tzid(ICAL_TZID));
	return p;
}

static struct icaltimetype utc(int64_t t)
{
	return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

static icalcomponent *timezone_component(void)
{
	icalcomponent *tz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
	icalcomponent_add_property(tz, icalproperty_new_tzid(ICAL_TZID));
	icalcomponent *std = icalcomponent_new(ICAL_XSTANDARD_COMPONENT);
	struct icaltimetype epoch = icaltime_from_timet_with_zone(0, 0, NULL);
	icalcomponent_add_property(std, icalproperty_new_dtstart(epoch));
	icalcomponent_add_property(std, icalproperty_new_tzoffsetfrom(TZ_OFFSET_S));
	icalcomponent_add_property(std, icalproperty_new_tzoffsetto(TZ_OFFSET_S));
	icalcomponent_add_property(std, icalproperty_new_tzname("CST"));
	icalcomponent_add_component(tz, std);
	return tz;
}

static void add_text(icalcomponent *ev, icalproperty *(*make)(const char *), const char *s)
{
	if (s && *s)
		icalcomponent_add_property(ev, make(s));
}

static icalcomponent *event_component(const struct ical_event *e, const char *host)
{
	icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	char uid[160];
	snprintf(uid, sizeof(uid), "activity-%lld@%s", (long long)e->id, host);
	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc(e->modified_s)));
	if (e->created_s)
		icalcomponent_add_property(ev, icalproperty_new_created(utc(e->created_s)));
	icalcomponent_add_property(ev, icalproperty_new_lastmodified(utc(e->modified_s)));
	icalcomponent_add_property(ev, local_prop(icalproperty_new_dtstart, e->starts_s));
	icalcomponent_add_property(ev, local_prop(icalproperty_new_dtend, e->ends_s));
	icalcomponent_add_property(ev, icalproperty_new_sequence(e->sequence));
	icalcomponent_add_property(ev,
				   icalproperty_new_status(e->cancelled ? ICAL_STATUS_CANCELLED
									: ICAL_STATUS_CONFIRMED));
	add_text(ev, icalproperty_new_summary, e->summary);
	add_text(ev, icalproperty_new_description, e->description);
	add_text(ev, icalproperty_new_location, e->location);
	add_text(ev, icalproperty_new_categories, e->categories);
	if (e->has_geo) {
		struct icalgeotype g = { 0 };
		g.lat = e->lat;
		g.lon = e->lng;
		icalcomponent_add_property(ev, icalproperty_new_geo(g));
	}
	if (e->url && *e->url)
		icalcomponent_add_property(ev, icalproperty_new_url(e->url));
	return ev;
}

bool ical_calendar(const char *name, const char *host, const struct ical_event *events, size_t n,
		   struct sb *out)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	if (!cal)
		return false;
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//yizhan//activities//ZH"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	icalproperty *x = icalproperty_new_x(name);
	icalproperty_set_x_name(x, "X-WR-CALNAME");
	icalcomponent_add_property(cal, x);
	x = icalproperty_new_x(ICAL_TZID);
	icalproperty_set_x_name(x, "X-WR-TIMEZONE");
	icalcomponent_add_property(cal, x);
	icalcomponent_add_component(cal, timezone_component());
	for (size_t i = 0; i < n; i++)
		icalcomponent_add_component(cal, event_component(&events[i], host));
	char *text = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	if (!text)
		return false;
	sb_adds(out, text);
	free(text);
	return true;
}
