/* Secrets. Argon2id at libsodium's interactive limits costs ~0.1 s and
 * 64 MiB: cheap for one login, expensive for a guesser. Tokens are long and
 * random, so a fast hash (SHA-256) is the right way to store them. */
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

bool password_hash(const char *password, char out[SECRET_PWHASH_LEN])
{
	return crypto_pwhash_str(out, password, strlen(password),
				 crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

bool password_verify(const char *stored, const char *password)
{
	if (!stored || !*stored || !password)
		return false;
	return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}
