/* The one result type of yizhan: every fallible function returns an enum rc
 * and, where a person needs to know why, fills a caller-supplied struct problem.
 * Only api/ turns these into HTTP status codes. */
#ifndef YZ_CORE_RC_H
#define YZ_CORE_RC_H

enum rc {
	RC_OK = 0,
	RC_INVALID,	 /* input is wrong: 400/422 */
	RC_NOT_FOUND,	 /* 404 */
	RC_CONFLICT,	 /* state does not allow it, or a unique key clash: 409 */
	RC_FORBIDDEN,	 /* 403 */
	RC_UNAUTHORIZED, /* no or bad credentials: 401 */
	RC_LIMITED,	 /* rate limited: 429 */
	RC_BUSY,	 /* retry later (lock contention, storage trouble): 503 */
	RC_UNAVAILABLE,	 /* storage refuses writes (disk full, failed sync): 503 */
	RC_INTERNAL,	 /* a bug or an unexpected engine error: 500 */
};

/* Returns a static lower-case name for logs ("ok", "invalid", ...). */
const char *rc_name(enum rc rc);

#endif
