/* Webhooks through libcurl's multi interface: one poll loop drives every
 * post of a batch, so a batch takes as long as its slowest post, not the
 * sum of them, and curl_multi_wakeup lets a stopping server cut it short. */
#include "core/webhook.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"

struct webhook_client {
	CURLM *multi;
	atomic_bool cancelled;
};

struct webhook_client *webhook_client_new(void)
{
	struct webhook_client *c = xcalloc(1, sizeof(*c));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->multi = curl_multi_init();
	return c;
}

void webhook_client_free(struct webhook_client *c)
{
	if (!c)
		return;
	if (c->multi)
		curl_multi_cleanup(c->multi);
	curl_global_cleanup();
	free(c);
}

void webhook_cancel(struct webhook_client *c)
{
	atomic_store(&c->cancelled, true);
	if (c->multi)
		curl_multi_wakeup(c->multi);
}

struct sink {
	struct webhook_post *post;
	size_t len;
};

/* Keeps the answer's first bytes; the rest is read and dropped. */
static size_t keep(char *ptr, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t got = size * n, room = WEBHOOK_REPLY_CAP - 1 - s->len;
	size_t take = got < room ? got : room;
	memcpy(s->post->reply + s->len, ptr, take);
	s->len += take;
	s->post->reply[s->len] = '\0';
	return got;
}

static void cancelled(struct webhook_post *p)
{
	p->cancelled = 1;
	text_copy(p->error, sizeof(p->error), "cancelled: the server is stopping");
}

void webhook_post_all(struct webhook_client *c, struct webhook_post *posts, size_t n,
		      const struct webhook_limits *lim)
{
	if (!n)
		return;
	CURL **easy = xcalloc(n, sizeof(*easy));
	struct sink *sinks = xcalloc(n, sizeof(*sinks));
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	for (size_t i = 0; i < n; i++) {
		struct webhook_post *p = &posts[i];
		p->status = 0;
		p->reply[0] = p->error[0] = '\0';
		p->cancelled = 0;
		sinks[i].post = p;
		if (!c->multi || atomic_load(&c->cancelled) || !(easy[i] = curl_easy_init())) {
			if (atomic_load(&c->cancelled))
				cancelled(p);
			else
				text_copy(p->error, sizeof(p->error), "cannot start a transfer");
			continue;
		}
		CURL *e = easy[i];
		curl_easy_setopt(e, CURLOPT_URL, p->url);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->body);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, lim->connect_timeout_ms);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, lim->timeout_ms);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &sinks[i]);
		curl_easy_setopt(e, CURLOPT_PRIVATE, &sinks[i]);
		curl_easy_setopt(e, CURLOPT_USERAGENT, "yizhan-bot/1");
		curl_multi_add_handle(c->multi, e);
	}
	int running = 1;
	while (running && !atomic_load(&c->cancelled)) {
		if (curl_multi_perform(c->multi, &running) != CURLM_OK)
			break;
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(c->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct sink *s = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			if (!s)
				continue;
			if (m->data.result == CURLE_OK)
				curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
						  &s->post->status);
			else
				text_copy(s->post->error, sizeof(s->post->error),
					  curl_easy_strerror(m->data.result));
		}
		if (running)
			curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (!easy[i])
			continue;
		/* Neither answered nor failed: the loop was cut short. */
		if (!posts[i].status && !posts[i].error[0])
			cancelled(&posts[i]);
		curl_multi_remove_handle(c->multi, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	curl_slist_free_all(headers);
	free(sinks);
	free(easy);
}
