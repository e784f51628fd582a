/* Sending one-time codes to phones, through a pluggable sender:
 *
 *   - without a gateway (development), the code is written to the server
 *     log as one line, event "sms_code", message
 *     "code 123456 for 138****1234 (valid 300 s)";
 *   - with a gateway URL (production), a background thread POSTs each code
 *     to it as JSON (docs/sms-gateway.md):
 *
 *       POST <url>
 *       Content-Type: application/json
 *       Authorization: Bearer <token>        (when a token is configured)
 *       {"phone":"13800001111","code":"123456","ttl_s":300,"purpose":"signup",
 *        "request_id":"…"}
 *
 *     Any 2xx answer is delivery; anything else, or no answer within five
 *     seconds, is retried twice more (after 1 s and 4 s), then logged as
 *     lost. A slow or dead gateway never slows a request: sending only
 *     queues, and a full queue (256 codes) says so at once.
 *
 * Codes are never logged when a gateway takes them. Thread-safe. */
#ifndef YZ_CORE_SMS_H
#define YZ_CORE_SMS_H

#include <stdbool.h>
#include <stdint.h>

struct sms_config {
	const char *gateway_url;   /* NULL or "": the log sender */
	const char *gateway_token; /* NULL or "": no Authorization header */
};

struct sms_sender;

/* A *new* sender; starts the gateway thread when there is a gateway. */
struct sms_sender *sms_sender_new(const struct sms_config *cfg);
/* Sends what is queued (each send's retries included), stops, frees. */
void sms_sender_free(struct sms_sender *s);

/* Queues code for phone (11 digits). False if the queue is full. */
bool sms_send_code(struct sms_sender *s, const char *phone, const char *code, int ttl_s,
		   const char *purpose, const char *request_id);

/* Codes delivered and lost since start (a gateway's; the log sender
 * delivers every one). */
void sms_stats(struct sms_sender *s, uint64_t *delivered, uint64_t *lost);

#endif
