/* Secrets. Argon2id at libsodium's interactive limits costs ~0.1 s and
 * 64 MiB: cheap for one login, expensive for a guesser. Tokens are long and
 * random, so a fast hash (SHA-256) is the right way to store them.
 *
 * libsodium maps an Argon2id computation's 64 MiB with MAP_POPULATE, which
 * faults every page in while it holds the memory-map lock of the process:
 * 25 ms on a loaded two-core machine, during which any thread of the
 * process that maps or unmaps memory waits. A server therefore hashes in
 * helper processes, whose memory maps are their own. */
#include "domain/secret.h"

#include <sodium.h>
#include <string.h>

bool secret_init(void)
{
	return sodium_init() >= 0;
}

void secret_digits(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + randombytes_uniform(10));
	out[n] = '\0';
}

void secret_token(const char *prefix, char *out, size_t cap)
{
	unsigned char raw[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	size_t plen = prefix ? strlen(prefix) : 0, blen = strlen(b64);
	if (plen + blen + 1 > cap) {
		out[0] = '\0';
		return;
	}
	memcpy(out, prefix, plen);
	memcpy(out + plen, b64, blen + 1);
	sodium_memzero(raw, sizeof(raw));
}

void secret_hash(const char *s, char out[SECRET_HASH_LEN])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(out, SECRET_HASH_LEN, h, sizeof(h));
}

bool secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

bool password_acceptable(const char *pw, const char *field, struct problem *prob)
{
	size_t bytes = pw ? strlen(pw) : 0, chars = 0;
	bool lower = false, upper = false, digit = false, other = false;
	for (size_t i = 0; i < bytes; i++) {
		unsigned char c = (unsigned char)pw[i];
		if ((c & 0xc0) != 0x80)
			chars++; /* count UTF-8 characters, not bytes */
		if (c >= 'a' && c <= 'z')
			lower = true;
		else if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (c >= '0' && c <= '9')
			digit = true;
		else
			other = true;
	}
	int classes = lower + upper + digit + other;
	if (chars < 8 || classes < 3) {
		problem_field(prob, field,
			      "密码至少 8 位，并包含大写字母、小写字母、数字、符号中的至少三类");
		return false;
	}
	if (bytes > 128) {
		problem_field(prob, field, "密码过长（最多 128 字节）");
		return false;
	}
	return true;
}

static bool hash_here(const char *password, size_t len, char out[SECRET_PWHASH_LEN])
{
	return crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

static bool verify_here(const char *stored, const char *password, size_t len)
{
	return crypto_pwhash_str_verify(stored, password, len) == 0;
}

/* What a helper process does with a request: "h" and a password, answered
 * with its new hash (nothing if out of memory); or "v", a stored hash, a
 * NUL and a password, answered "1" if they match, else "0". A sign-in's
 * whole body is at most 4 KiB, so every password fits; a longer one would
 * be hashed in the calling thread. */
#define HELPER_MSG_MAX_BYTES (8 * 1024)

static size_t password_helper(const char *req, size_t len, char *resp, size_t cap)
{
	if (req[0] == 'h') {
		char out[SECRET_PWHASH_LEN];
		if (!hash_here(req + 1, len - 1, out))
			return 0;
		size_t n = strlen(out);
		if (n > cap)
			return 0;
		memcpy(resp, out, n);
		return n;
	}
	const char *sep = req[0] == 'v' ? memchr(req + 1, '\0', len - 1) : NULL;
	size_t at = sep ? (size_t)(sep - req) + 1 : len;
	resp[0] = sep && verify_here(req + 1, req + at, len - at) ? '1' : '0';
	return 1;
}

struct procpool *password_helpers_new(unsigned procs)
{
	/* Nice 10, as the work threads that wait for them. */
	struct procpool_config cfg = { .procs = procs,
				       .fn = password_helper,
				       .msg_max_bytes = HELPER_MSG_MAX_BYTES,
				       .nice = 10 };
	return procpool_new(&cfg);
}

bool password_hash(struct procpool *helpers, const char *password, char out[SECRET_PWHASH_LEN])
{
	size_t len = strlen(password);
	if (helpers && 1 + len <= HELPER_MSG_MAX_BYTES) {
		char req[HELPER_MSG_MAX_BYTES];
		req[0] = 'h';
		memcpy(req + 1, password, len);
		ssize_t n = procpool_call(helpers, req, 1 + len, out, SECRET_PWHASH_LEN - 1);
		sodium_memzero(req, 1 + len);
		if (n >= 0) {
			out[n] = '\0';
			return n > 0;
		}
		/* No helper could run it: the answer matters more than where. */
	}
	return hash_here(password, len, out);
}

bool password_verify(struct procpool *helpers, const char *stored, const char *password)
{
	if (!stored || !*stored || !password)
		return false;
	size_t slen = strlen(stored), len = strlen(password);
	if (helpers && 2 + slen + len <= HELPER_MSG_MAX_BYTES) {
		char req[HELPER_MSG_MAX_BYTES];
		req[0] = 'v';
		memcpy(req + 1, stored, slen + 1);
		memcpy(req + 2 + slen, password, len);
		char answer[1];
		ssize_t n = procpool_call(helpers, req, 2 + slen + len, answer, sizeof(answer));
		sodium_memzero(req, 2 + slen + len);
		if (n == 1)
			return answer[0] == '1';
	}
	return verify_here(stored, password, len);
}
