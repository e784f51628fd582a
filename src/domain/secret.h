/* Secrets: passwords (Argon2id via libsodium) and bearer values (session
 * cookies, CSRF tokens, API tokens: 256 random bits, stored only as their
 * SHA-256). Thread-safe; secret_init() once at start. A server hashes
 * passwords in helper processes (password_helpers_new), the command line
 * and the tests in the calling thread. */
#ifndef YZ_DOMAIN_SECRET_H
#define YZ_DOMAIN_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/problem.h"
#include "core/procpool.h"

#define SECRET_TOKEN_LEN  44 /* base64url of 32 bytes, no padding: 43 + NUL */
#define SECRET_HASH_LEN	  65 /* hex SHA-256 + NUL */
#define SECRET_PWHASH_LEN 128

/* Initializes libsodium; false if the library cannot start. */
bool secret_init(void);
/* Writes a new random token (prefix + base64url of 32 random bytes). */
void secret_token(const char *prefix, char *out, size_t cap);
/* Writes n uniformly random decimal digits and a NUL (out holds n + 1). */
void secret_digits(char *out, size_t n);
/* Writes the hex SHA-256 of s. */
void secret_hash(const char *s, char out[SECRET_HASH_LEN]);
/* Constant-time comparison of two NUL-terminated strings. */
bool secret_equal(const char *a, const char *b);

/* Checks the password rules: at least 8 characters, at most 128 bytes, and
 * at least 3 of: lower case, upper case, digit, other. Adds a field error
 * on field and returns false if broken. */
bool password_acceptable(const char *password, const char *field, struct problem *prob);
/* Starts procs helper processes (core/procpool.h) for password_hash and
 * password_verify: an Argon2id computation maps and fills 64 MiB, which
 * holds the memory-map lock of the process that runs it. Call at start,
 * after secret_init and before any thread starts. Returns a *new* pool
 * (procpool_free); NULL if a process could not be forked. */
struct procpool *password_helpers_new(unsigned procs);
/* Hashes with Argon2id (interactive limits), in one of helpers, or here if
 * helpers is NULL (or none can run it). false only if out of memory. */
bool password_hash(struct procpool *helpers, const char *password, char out[SECRET_PWHASH_LEN]);
/* True if password matches the stored Argon2id string; computed as
 * password_hash computes. */
bool password_verify(struct procpool *helpers, const char *stored, const char *password);

#endif
