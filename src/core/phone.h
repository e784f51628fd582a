/* Mainland China mobile numbers: validation and the masked form
 * (138****1234) that every response and log line shows by default. */
#ifndef YZ_CORE_PHONE_H
#define YZ_CORE_PHONE_H

#include <stdbool.h>
#include <stddef.h>

/* True for 11 digits starting 1[3-9]; accepts an optional "+86" or "86"
 * prefix and spaces/dashes when normalizing. */
bool phone_valid(const char *phone);
/* Writes the canonical 11 digits of phone into out (12 bytes); returns false
 * if phone is not a valid mainland mobile number. */
bool phone_normalize(const char *phone, char out[12]);
/* Writes the masked form into out (12 bytes): first 3, four '*', last 4.
 * Anything that is not an 11-character number becomes "***". */
void phone_mask(const char *phone, char out[12]);

#endif
