/* One-time codes to phones: the log sender and the HTTP gateway sender. */
#include "core/sms.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/phone.h"
#include "core/text.h"
#include "core/xalloc.h"

#define QUEUE_MAX  256
#define ATTEMPTS   3
#define TIMEOUT_MS 5000

struct sms_msg {
	char phone[12];
	char code[12];
	char purpose[24];
	char request_id[72];
	int ttl_s;
};

struct sms_sender {
	char *url, *token;
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	struct sms_msg queue[QUEUE_MAX];
	size_t head, count;
	atomic_uint_fast64_t delivered, lost;
};

static size_t discard(char *ptr, size_t size, size_t n, void *ctx)
{
	(void)ptr;
	(void)ctx;
	return size * n;
}

/* One POST; true on a 2xx answer. */
static bool post_once(struct sms_sender *s, CURL *curl, const char *body, long *status)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char auth[600];
	if (s->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->token);
		h = curl_slist_append(h, auth);
	}
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, s->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	*status = 0;
	CURLcode rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	return rc == CURLE_OK && *status >= 200 && *status < 300;
}

static void deliver(struct sms_sender *s, CURL *curl, const struct sms_msg *m)
{
	json_t *o = json_pack("{s:s,s:s,s:i,s:s,s:s}", "phone", m->phone, "code", m->code, "ttl_s",
			      m->ttl_s, "purpose", m->purpose, "request_id", m->request_id);
	char *body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	long status = 0;
	bool ok = false;
	for (int attempt = 0; attempt < ATTEMPTS && !ok; attempt++) {
		if (attempt) {
			/* 1 s, then 4 s. */
			struct timespec ts = { .tv_sec = attempt == 1 ? 1 : 4 };
			nanosleep(&ts, NULL);
		}
		ok = post_once(s, curl, body, &status);
	}
	free(body);
	if (ok) {
		atomic_fetch_add(&s->delivered, 1);
		log_info(m->request_id, "sms_sent", "code sent to %s through the gateway",
			 m->phone);
	} else {
		atomic_fetch_add(&s->lost, 1);
		log_warn(
			m->request_id, "sms_lost",
			"the gateway did not take the code for %s after %d attempts (last status %ld)",
			m->phone, ATTEMPTS, status);
	}
}

static void *run(void *arg)
{
	struct sms_sender *s = arg;
	CURL *curl = curl_easy_init();
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->count && !s->stopping)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->count)
			break;
		struct sms_msg m = s->queue[s->head];
		s->head = (s->head + 1) % QUEUE_MAX;
		s->count--;
		pthread_mutex_unlock(&s->mu);
		if (curl)
			deliver(s, curl, &m);
		else
			atomic_fetch_add(&s->lost, 1);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	if (curl)
		curl_easy_cleanup(curl);
	return NULL;
}

struct sms_sender *sms_sender_new(const struct sms_config *cfg)
{
	struct sms_sender *s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (cfg && cfg->gateway_url && *cfg->gateway_url) {
		s->url = xstrdup(cfg->gateway_url);
		if (cfg->gateway_token && *cfg->gateway_token)
			s->token = xstrdup(cfg->gateway_token);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		s->running = pthread_create(&s->thread, NULL, run, s) == 0;
		if (!s->running)
			log_error(NULL, "sms_thread", "cannot start the SMS gateway thread");
	}
	return s;
}

void sms_sender_free(struct sms_sender *s)
{
	if (!s)
		return;
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stopping = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		curl_global_cleanup();
	}
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s->url);
	free(s->token);
	free(s);
}

bool sms_send_code(struct sms_sender *s, const char *phone, const char *code, int ttl_s,
		   const char *purpose, const char *request_id)
{
	if (!s->url) {
		/* The log masks the number; the code is what a developer needs. */
		log_info(request_id, "sms_code", "code %s for %s (valid %d s)", code, phone, ttl_s);
		atomic_fetch_add(&s->delivered, 1);
		return true;
	}
	if (!s->running)
		return false;
	pthread_mutex_lock(&s->mu);
	bool queued = s->count < QUEUE_MAX && !s->stopping;
	if (queued) {
		struct sms_msg *m = &s->queue[(s->head + s->count) % QUEUE_MAX];
		memset(m, 0, sizeof(*m));
		text_copy(m->phone, sizeof(m->phone), phone);
		text_copy(m->code, sizeof(m->code), code);
		text_copy(m->purpose, sizeof(m->purpose), purpose ? purpose : "signup");
		text_copy(m->request_id, sizeof(m->request_id), request_id ? request_id : "");
		m->ttl_s = ttl_s;
		s->count++;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return queued;
}

void sms_stats(struct sms_sender *s, uint64_t *delivered, uint64_t *lost)
{
	*delivered = atomic_load(&s->delivered);
	*lost = atomic_load(&s->lost);
}
