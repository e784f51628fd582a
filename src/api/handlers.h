/* Every handler of the route table, one group per resource file. */
#ifndef YZ_API_HANDLERS_H
#define YZ_API_HANDLERS_H

#include "http/http.h"

/* health.c */
void h_healthz(struct http_req *req, struct http_resp *resp);
void h_readyz(struct http_req *req, struct http_resp *resp);
void h_metrics(struct http_req *req, struct http_resp *resp);
void h_config(struct http_req *req, struct http_resp *resp);
/* openapi.c */
void h_openapi(struct http_req *req, struct http_resp *resp);
/* sessions.c */
void h_session_create(struct http_req *req, struct http_resp *resp);
void h_session_get(struct http_req *req, struct http_resp *resp);
void h_session_delete(struct http_req *req, struct http_resp *resp);
/* accounts.c */
void h_accounts_list(struct http_req *req, struct http_resp *resp);
void h_accounts_create(struct http_req *req, struct http_resp *resp);
void h_account_get(struct http_req *req, struct http_resp *resp);
void h_account_update(struct http_req *req, struct http_resp *resp);
void h_account_password(struct http_req *req, struct http_resp *resp);
void h_account_role_add(struct http_req *req, struct http_resp *resp);
void h_account_role_remove(struct http_req *req, struct http_resp *resp);
void h_account_disable(struct http_req *req, struct http_resp *resp);
void h_account_enable(struct http_req *req, struct http_resp *resp);
void h_station_photo_add(struct http_req *req, struct http_resp *resp);
void h_station_photo_remove(struct http_req *req, struct http_resp *resp);
void h_photo_get(struct http_req *req, struct http_resp *resp);
/* tokens.c */
void h_tokens_list(struct http_req *req, struct http_resp *resp);
void h_tokens_create(struct http_req *req, struct http_resp *resp);
void h_token_delete(struct http_req *req, struct http_resp *resp);
/* stations.c */
void h_stations_nearby(struct http_req *req, struct http_resp *resp);
void h_stations_list(struct http_req *req, struct http_resp *resp);
void h_stations_geojson(struct http_req *req, struct http_resp *resp);
void h_stations_create(struct http_req *req, struct http_resp *resp);
void h_station_get(struct http_req *req, struct http_resp *resp);
void h_station_update(struct http_req *req, struct http_resp *resp);
void h_station_close(struct http_req *req, struct http_resp *resp);
void h_station_reopen(struct http_req *req, struct http_resp *resp);
void h_station_qr_svg(struct http_req *req, struct http_resp *resp);
void h_checkin_link(struct http_req *req, struct http_resp *resp);
void h_station_qr_png(struct http_req *req, struct http_resp *resp);
void h_station_qr_rotate(struct http_req *req, struct http_resp *resp);

/* signup.c */
void h_signup_code(struct http_req *req, struct http_resp *resp);
void h_signup(struct http_req *req, struct http_resp *resp);

/* people.c */
void h_people_list(struct http_req *req, struct http_resp *resp);
void h_people_counts(struct http_req *req, struct http_resp *resp);
void h_people_catalog(struct http_req *req, struct http_resp *resp);
void h_people_create(struct http_req *req, struct http_resp *resp);
void h_person_get(struct http_req *req, struct http_resp *resp);
void h_person_update(struct http_req *req, struct http_resp *resp);
void h_person_phone(struct http_req *req, struct http_resp *resp);
void h_me_person_get(struct http_req *req, struct http_resp *resp);
void h_me_person_update(struct http_req *req, struct http_resp *resp);

void h_person_contacts(struct http_req *req, struct http_resp *resp);
void h_people_export(struct http_req *req, struct http_resp *resp);
void h_people_import(struct http_req *req, struct http_resp *resp);
void h_person_contact_add(struct http_req *req, struct http_resp *resp);

/* registry.c: work sites, teams, party organisations, grids */
#define YZ_NOUN_HANDLERS(stem)                                                \
	void h_##stem##_list(struct http_req *req, struct http_resp *resp);   \
	void h_##stem##_get(struct http_req *req, struct http_resp *resp);    \
	void h_##stem##_create(struct http_req *req, struct http_resp *resp); \
	void h_##stem##_update(struct http_req *req, struct http_resp *resp);
YZ_NOUN_HANDLERS(work_site)
void h_work_site_choices(struct http_req *req, struct http_resp *resp);
YZ_NOUN_HANDLERS(team)
YZ_NOUN_HANDLERS(party_org)
YZ_NOUN_HANDLERS(grid)
void h_team_member_add(struct http_req *req, struct http_resp *resp);
void h_party_org_report_in(struct http_req *req, struct http_resp *resp);
void h_team_member_remove(struct http_req *req, struct http_resp *resp);

/* bots.c */
void h_bots_list(struct http_req *req, struct http_resp *resp);
void h_bots_create(struct http_req *req, struct http_resp *resp);
void h_bot_get(struct http_req *req, struct http_resp *resp);
void h_bot_update(struct http_req *req, struct http_resp *resp);
void h_bot_delete(struct http_req *req, struct http_resp *resp);
void h_bot_test(struct http_req *req, struct http_resp *resp);
void h_bot_deliveries(struct http_req *req, struct http_resp *resp);

/* privacy.c */
void h_me_data(struct http_req *req, struct http_resp *resp);
void h_me_erase(struct http_req *req, struct http_resp *resp);
void h_person_erase(struct http_req *req, struct http_resp *resp);

/* checkins.c */
void h_checkin_create(struct http_req *req, struct http_resp *resp);
void h_station_checkins_today(struct http_req *req, struct http_resp *resp);
void h_checkins_tally(struct http_req *req, struct http_resp *resp);
/* amenities.c */
void h_amenities_list(struct http_req *req, struct http_resp *resp);
void h_amenity_put(struct http_req *req, struct http_resp *resp);
/* coverage.c */
void h_coverage(struct http_req *req, struct http_resp *resp);
/* inbox.c */
void h_inbox_list(struct http_req *req, struct http_resp *resp);
void h_inbox_unread(struct http_req *req, struct http_resp *resp);
void h_inbox_read(struct http_req *req, struct http_resp *resp);
void h_inbox_read_all(struct http_req *req, struct http_resp *resp);
/* stream.c */
void h_stream(struct http_req *req, struct http_resp *resp);
/* audit.c */
void h_audit_list(struct http_req *req, struct http_resp *resp);
/* requests.c */
void h_request_categories(struct http_req *req, struct http_resp *resp);
void h_request_category_put(struct http_req *req, struct http_resp *resp);
void h_request_create(struct http_req *req, struct http_resp *resp);
void h_request_list(struct http_req *req, struct http_resp *resp);
void h_request_get(struct http_req *req, struct http_resp *resp);
void h_request_history(struct http_req *req, struct http_resp *resp);
void h_request_step(struct http_req *req, struct http_resp *resp);
void h_request_duplicates(struct http_req *req, struct http_resp *resp);
void h_request_follow(struct http_req *req, struct http_resp *resp);
void h_request_project(struct http_req *req, struct http_resp *resp);
void h_request_stats(struct http_req *req, struct http_resp *resp);
/* photos.c */
void h_request_photo_add(struct http_req *req, struct http_resp *resp);
/* regions.c */
void h_regions_list(struct http_req *req, struct http_resp *resp);
void h_region_get(struct http_req *req, struct http_resp *resp);
void h_region_children(struct http_req *req, struct http_resp *resp);
void h_region_location_put(struct http_req *req, struct http_resp *resp);

/* open311.c: Open311 GeoReport v2 (each serves .json and .xml) */
void h_open311_discovery(struct http_req *req, struct http_resp *resp);
void h_open311_services(struct http_req *req, struct http_resp *resp);
void h_open311_service(struct http_req *req, struct http_resp *resp);
void h_open311_requests(struct http_req *req, struct http_resp *resp);
void h_open311_request_create(struct http_req *req, struct http_resp *resp);
void h_open311_request(struct http_req *req, struct http_resp *resp);
void h_open311_token(struct http_req *req, struct http_resp *resp);

/* rooms.c */
void h_station_rooms(struct http_req *req, struct http_resp *resp);
void h_room_create(struct http_req *req, struct http_resp *resp);
void h_room_update(struct http_req *req, struct http_resp *resp);
void h_room_delete(struct http_req *req, struct http_resp *resp);
void h_room_calendar(struct http_req *req, struct http_resp *resp);
void h_room_book(struct http_req *req, struct http_resp *resp);
void h_room_bookings_mine(struct http_req *req, struct http_resp *resp);
void h_room_bookings_managed(struct http_req *req, struct http_resp *resp);
void h_room_booking_get(struct http_req *req, struct http_resp *resp);
void h_room_booking_step(struct http_req *req, struct http_resp *resp);
/* activities.c */
void h_activity_list(struct http_req *req, struct http_resp *resp);
void h_activity_create(struct http_req *req, struct http_resp *resp);
void h_activity_get(struct http_req *req, struct http_resp *resp);
void h_activity_update(struct http_req *req, struct http_resp *resp);
void h_activity_publish(struct http_req *req, struct http_resp *resp);
void h_activity_cancel(struct http_req *req, struct http_resp *resp);
void h_activity_signup(struct http_req *req, struct http_resp *resp);
void h_activity_unsign(struct http_req *req, struct http_resp *resp);
void h_activity_attend(struct http_req *req, struct http_resp *resp);
void h_activity_sheet(struct http_req *req, struct http_resp *resp);
void h_activity_mark(struct http_req *req, struct http_resp *resp);
void h_activity_qr_svg(struct http_req *req, struct http_resp *resp);
void h_activity_qr_png(struct http_req *req, struct http_resp *resp);
void h_activity_desk(struct http_req *req, struct http_resp *resp);
void h_activity_problem_add(struct http_req *req, struct http_resp *resp);
void h_activity_ics(struct http_req *req, struct http_resp *resp);
void h_my_activities(struct http_req *req, struct http_resp *resp);
void h_my_activity_feed(struct http_req *req, struct http_resp *resp);
void h_my_activity_ics(struct http_req *req, struct http_resp *resp);
/* points.c */
void h_points_me(struct http_req *req, struct http_resp *resp);
void h_points_entries(struct http_req *req, struct http_resp *resp);
void h_points_summary(struct http_req *req, struct http_resp *resp);
void h_points_monthly(struct http_req *req, struct http_resp *resp);
void h_points_rules(struct http_req *req, struct http_resp *resp);
void h_points_rule_update(struct http_req *req, struct http_resp *resp);
void h_points_rule_create(struct http_req *req, struct http_resp *resp);
void h_points_rule_delete(struct http_req *req, struct http_resp *resp);
void h_points_correct(struct http_req *req, struct http_resp *resp);
/* shop.c */
void h_shop_items_list(struct http_req *req, struct http_resp *resp);
void h_shop_items_create(struct http_req *req, struct http_resp *resp);
void h_shop_item_get(struct http_req *req, struct http_resp *resp);
void h_shop_item_update(struct http_req *req, struct http_resp *resp);
void h_shop_stock_change(struct http_req *req, struct http_resp *resp);
void h_shop_stock_moves(struct http_req *req, struct http_resp *resp);
void h_shop_redeem(struct http_req *req, struct http_resp *resp);
void h_me_redemptions(struct http_req *req, struct http_resp *resp);
void h_shop_redemptions(struct http_req *req, struct http_resp *resp);
void h_shop_hand_over(struct http_req *req, struct http_resp *resp);
/* distributions.c */
void h_distributions_create(struct http_req *req, struct http_resp *resp);
void h_distributions_list(struct http_req *req, struct http_resp *resp);
void h_distribution_get(struct http_req *req, struct http_resp *resp);
void h_distribution_people(struct http_req *req, struct http_resp *resp);
void h_distribution_hand_over(struct http_req *req, struct http_resp *resp);
void h_distribution_close(struct http_req *req, struct http_resp *resp);
void h_me_code(struct http_req *req, struct http_resp *resp);
void h_person_code(struct http_req *req, struct http_resp *resp);

#endif
