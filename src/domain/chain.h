/* Tamper evidence for append-only ledgers (points, the shop's stock): each
 * ledger is a set of chains (one per account, one per item — never one
 * global chain, whose head would serialize every write), and each entry of
 * a chain carries
 *
 *   mac = HMAC-SHA256(key, prev_mac ‖ canonical text of the entry)
 *
 * in lowercase hex, prev_mac being the previous entry's mac ("" for the
 * first). The canonical text names the entry's fields in a fixed order
 * (chain_canon_*), its seq among them. The chain's head (last seq and its
 * mac) is kept beside the chain (the balance row, the item row), so that
 * removing the last entry is seen too. The key lives outside the database
 * (a file, --ledger-key-file): whoever can write the database but not read
 * the key cannot forge a mac.
 *
 * chain_verify walks a kind of chain (struct chain_kind: its SQL and its
 * canonical text) and reports every entry changed (mac mismatch), every
 * gap in seq (entries removed) and every head that does not match its last
 * entry. `yizhan verify` walks the kinds it lists; a new ledger adds its
 * kind there. */
#ifndef YZ_DOMAIN_CHAIN_H
#define YZ_DOMAIN_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/sb.h"
#include "db/db.h"

#define CHAIN_MAC_HEX	    65 /* 64 hex digits and the NUL */
#define CHAIN_KEY_MIN_BYTES 32
#define CHAIN_KEY_MAX_BYTES 256

/* The key, set once at start before any thread posts (serve, seed-demo,
 * verify, bench, tests). Copies key[0..len). False if len is outside
 * CHAIN_KEY_MIN_BYTES..CHAIN_KEY_MAX_BYTES. Not thread-safe against
 * concurrent chain_mac calls: set it before they start. */
bool chain_key_set(const unsigned char *key, size_t len);
/* Whether a key was set. */
bool chain_key_ready(void);
/* Reads the key from the file at path (its bytes, a trailing new line
 * dropped) and sets it. When the file is missing and create is true, makes
 * it first: 32 random bytes as 64 hex digits and a new line, mode 0600,
 * its folder made if missing; *created (may be NULL) says so. A file that
 * group or others may read, or shorter than CHAIN_KEY_MIN_BYTES, is
 * refused (RC_INVALID naming the file and the rule). */
enum rc chain_key_load(const char *path, bool create, bool *created, struct problem *prob);
/* The default key file for a database url: ledger.key beside an SQLite
 * file, else var/ledger.key. Into out[cap]. */
void chain_key_default_path(const char *db_url, char *out, size_t cap);

/* HMAC-SHA256(key, prev_mac ‖ canonical[0..len)) as 64 lowercase hex
 * digits into out. prev_mac NULL counts as "". False (out "") when no key
 * was set. Thread-safe once the key is set. */
bool chain_mac(const char *prev_mac, const char *canonical, size_t len, char out[CHAIN_MAC_HEX]);

/* The canonical text: a line "name=value\n" per field, in the order the
 * ledger fixes. Text values have '\\' and new lines escaped ("\\\\",
 * "\\n"); NULL is written "\\N" (so NULL and "" differ). */
void chain_canon_int(struct sb *sb, const char *name, int64_t v);
void chain_canon_text(struct sb *sb, const char *name, const char *s);

/* A kind of chain, for chain_verify. The SQL is the kind's own; the
 * columns are fixed:
 *
 *   entries_sql: $1 chain id, $2 seq, $3 limit → the entries after
 *     (chain id, seq) in (chain id, seq) order:
 *       SELECT chain_id, seq, id, mac, <fields for canon …> … WHERE
 *       (chain_id > $1 OR (chain_id = $1 AND seq > $2)) ORDER BY chain_id,
 *       seq LIMIT $3
 *   heads_sql: $1 chain id, $2 limit → the heads after $1 in order:
 *       SELECT chain_id, last_seq, head_mac … WHERE chain_id > $1 AND
 *       last_seq > 0 ORDER BY chain_id LIMIT $2
 *   canon: appends the canonical text of row's entry to out, from columns
 *     4 onwards of the entries query (seq is column 1). */
struct chain_kind {
	const char *name; /* "points" */
	const char *entries_sql;
	const char *heads_sql;
	void (*canon)(const struct db_rows *rows, size_t row, struct sb *out);
};

/* One thing chain_verify found. what: "changed" (the entry's mac does not
 * match), "removed" (seq from..to missing, entry_id 0), "head" (the chain's
 * head names a seq or mac its last entry does not have: the last entries
 * removed or the head altered). */
struct chain_finding {
	const char *kind; /* the chain kind's name */
	const char *what;
	int64_t chain_id;
	int64_t entry_id;
	int64_t seq_from, seq_to;
};
typedef void (*chain_finding_fn)(const struct chain_finding *f, void *ctx);

/* Walks every chain of kind in pages, calling fn for each finding; adds
 * the entries checked to *entries and the findings to *problems. An entry
 * right after a gap cannot be checked against its removed predecessor:
 * the gap is reported instead. RC_INTERNAL when no key is set. */
enum rc chain_verify(struct db *db, const struct chain_kind *kind, chain_finding_fn fn, void *ctx,
		     int64_t *entries, int64_t *problems, struct problem *prob);

#endif
