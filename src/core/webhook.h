/* Posting JSON to webhooks (chat group bots, relays), several at once: a
 * dead address costs its own timeout and never holds up the others. For a
 * background thread only: webhook_post_all blocks until every post is
 * answered, has timed out or is cancelled. Knows nothing of what it posts.
 * The addresses may be secrets: nothing here logs them, and the errors
 * reported are curl's fixed texts, which never hold the address. */
#ifndef YZ_CORE_WEBHOOK_H
#define YZ_CORE_WEBHOOK_H

#include <stddef.h>

#define WEBHOOK_REPLY_CAP 1024
#define WEBHOOK_ERROR_CAP 128

struct webhook_post {
	const char *url;  /* borrowed; http or https */
	const char *body; /* JSON, borrowed */
	/* Out: */
	long status;		       /* the HTTP status; 0 when no answer came */
	char reply[WEBHOOK_REPLY_CAP]; /* the answer's first bytes, NUL-terminated */
	char error[WEBHOOK_ERROR_CAP]; /* "" when answered, else why not */
	int cancelled;		       /* 1: stopped by webhook_cancel, not tried to the end */
};

struct webhook_limits {
	long connect_timeout_ms; /* to connect (DNS and TLS included) */
	long timeout_ms;	 /* for the whole post */
};

struct webhook_client;
/* A *new* client (one per thread that posts). */
struct webhook_client *webhook_client_new(void);
/* Frees c; NULL is fine. Not while webhook_post_all runs. */
void webhook_client_free(struct webhook_client *c);

/* POSTs posts[i].body to posts[i].url with Content-Type: application/json,
 * all at once, following no redirect, and fills in each result. Returns
 * when all are done or after webhook_cancel. */
void webhook_post_all(struct webhook_client *c, struct webhook_post *posts, size_t n,
		      const struct webhook_limits *lim);
/* Makes a running webhook_post_all return at once, and every later one
 * return without posting (a server stopping). Thread-safe. */
void webhook_cancel(struct webhook_client *c);

#endif
