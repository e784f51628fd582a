/* The HMAC chain of append-only ledgers: the key (read from its file at
 * start), the macs (libsodium's HMAC-SHA256), the canonical text, and the
 * walk that checks every chain of a kind. */
#include "domain/chain.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/text.h"
#include "core/xalloc.h"

#define VERIFY_PAGE 5000

/* Set once at start, read by every posting thread after. */
static unsigned char chain_key[CHAIN_KEY_MAX_BYTES];
static size_t chain_key_len;

bool chain_key_set(const unsigned char *key, size_t len)
{
	if (len < CHAIN_KEY_MIN_BYTES || len > CHAIN_KEY_MAX_BYTES)
		return false;
	memcpy(chain_key, key, len);
	chain_key_len = len;
	return true;
}

bool chain_key_ready(void)
{
	return chain_key_len > 0;
}

void chain_key_default_path(const char *db_url, char *out, size_t cap)
{
	if (db_url && strncmp(db_url, "sqlite:", 7) == 0) {
		const char *path = db_url + 7;
		const char *slash = strrchr(path, '/');
		if (!slash)
			snprintf(out, cap, "ledger.key");
		else
			snprintf(out, cap, "%.*s/ledger.key", (int)(slash - path), path);
		return;
	}
	snprintf(out, cap, "var/ledger.key");
}

/* Makes the key file: 32 random bytes as hex, readable by its owner only.
 * O_EXCL: two processes starting at once do not overwrite each other's. */
static enum rc key_create(const char *path, struct problem *prob)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return problem_set(prob, RC_INTERNAL, "ledger-key",
					   "无法创建账本密钥的目录 %s：%s", dir, strerror(errno));
	}
	unsigned char raw[32];
	char hex[65];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 && errno == EEXIST)
		return RC_OK;
	if (fd < 0)
		return problem_set(prob, RC_INTERNAL, "ledger-key", "无法创建账本密钥文件 %s：%s",
				   path, strerror(errno));
	hex[64] = '\n';
	bool ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(hex, sizeof(hex));
	if (!ok)
		return problem_set(prob, RC_INTERNAL, "ledger-key", "无法写入账本密钥文件 %s：%s",
				   path, strerror(errno));
	return RC_OK;
}

enum rc chain_key_load(const char *path, bool create, bool *created, struct problem *prob)
{
	if (created)
		*created = false;
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT || !create)
			return problem_set(prob, RC_INVALID, "ledger-key",
					   "读不到账本密钥文件 %s：%s", path, strerror(errno));
		enum rc rc = key_create(path, prob);
		if (rc != RC_OK)
			return rc;
		if (created)
			*created = true;
		if (stat(path, &st) != 0)
			return problem_set(prob, RC_INVALID, "ledger-key",
					   "读不到账本密钥文件 %s：%s", path, strerror(errno));
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return problem_set(prob, RC_INVALID, "ledger-key",
				   "账本密钥文件 %s 只能由所有者读写（chmod 600）", path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return problem_set(prob, RC_INVALID, "ledger-key", "读不到账本密钥文件 %s：%s",
				   path, strerror(errno));
	unsigned char key[CHAIN_KEY_MAX_BYTES + 2];
	size_t n = fread(key, 1, sizeof(key), f);
	fclose(f);
	while (n && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	bool ok = chain_key_set(key, n);
	sodium_memzero(key, sizeof(key));
	if (!ok)
		return problem_set(prob, RC_INVALID, "ledger-key",
				   "账本密钥文件 %s 应有 %d 到 %d 个字节", path,
				   CHAIN_KEY_MIN_BYTES, CHAIN_KEY_MAX_BYTES);
	return RC_OK;
}

bool chain_mac(const char *prev_mac, const char *canonical, size_t len, char out[CHAIN_MAC_HEX])
{
	out[0] = '\0';
	if (!chain_key_len)
		return false;
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_init(&st, chain_key, chain_key_len);
	if (prev_mac)
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)prev_mac,
					      strlen(prev_mac));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)canonical, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, CHAIN_MAC_HEX, mac, sizeof(mac));
	return true;
}

void chain_canon_int(struct sb *sb, const char *name, int64_t v)
{
	sb_adds(sb, name);
	sb_addc(sb, '=');
	sb_add_int(sb, (long long)v);
	sb_addc(sb, '\n');
}

void chain_canon_text(struct sb *sb, const char *name, const char *s)
{
	sb_adds(sb, name);
	sb_addc(sb, '=');
	if (!s) {
		sb_addlit(sb, "\\N");
	} else {
		for (; *s; s++) {
			if (*s == '\\')
				sb_addlit(sb, "\\\\");
			else if (*s == '\n')
				sb_addlit(sb, "\\n");
			else
				sb_addc(sb, *s);
		}
	}
	sb_addc(sb, '\n');
}

/* The walk */

struct walk {
	const struct chain_kind *kind;
	chain_finding_fn fn;
	void *ctx;
	int64_t entries, problems;
};

static void found(struct walk *w, const char *what, int64_t chain_id, int64_t entry_id,
		  int64_t from, int64_t to)
{
	struct chain_finding f = { .kind = w->kind->name,
				   .what = what,
				   .chain_id = chain_id,
				   .entry_id = entry_id,
				   .seq_from = from,
				   .seq_to = to };
	w->problems++;
	if (w->fn)
		w->fn(&f, w->ctx);
}

/* The entries: each mac against its stored predecessor's, each seq
 * against the one before. Remembers each chain's last seq and mac in
 * (lasts) for the heads. */
struct last {
	int64_t chain_id, seq;
	char mac[CHAIN_MAC_HEX];
};

static enum rc walk_entries(struct db *db, struct walk *w, struct last **lasts, size_t *nlasts,
			    struct problem *prob)
{
	int64_t after_chain = -1, after_seq = 0, cur = -1, want = 1;
	char prev[CHAIN_MAC_HEX] = "";
	bool prev_known = true;
	size_t cap = 0;
	struct sb canon = SB_INIT;
	enum rc rc = RC_OK;
	for (;;) {
		struct db_rows *rows = NULL;
		rc = db_q(db, w->kind->entries_sql, &rows, prob, DB_I(after_chain), DB_I(after_seq),
			  DB_I(VERIFY_PAGE));
		if (rc != RC_OK)
			break;
		size_t n = db_rows_count(rows);
		for (size_t i = 0; i < n; i++) {
			int64_t chain = db_rows_int(rows, i, 0), seq = db_rows_int(rows, i, 1);
			int64_t id = db_rows_int(rows, i, 2);
			const char *mac = db_rows_text(rows, i, 3);
			if (chain != cur) {
				cur = chain;
				want = 1;
				prev[0] = '\0';
				prev_known = true;
				if (*nlasts == cap) {
					cap = cap ? cap * 2 : 1024;
					*lasts = xrealloc(*lasts, cap * sizeof(**lasts));
				}
				(*lasts)[(*nlasts)++] = (struct last){ .chain_id = chain };
			}
			if (seq != want) {
				found(w, "removed", chain, 0, want, seq - 1);
				prev_known = false;
			}
			sb_reset(&canon);
			w->kind->canon(rows, i, &canon);
			char expect[CHAIN_MAC_HEX];
			chain_mac(prev, canon.buf ? canon.buf : "", canon.len, expect);
			if (prev_known && (!mac || strcmp(mac, expect) != 0))
				found(w, "changed", chain, id, seq, seq);
			text_copy(prev, sizeof(prev), mac);
			prev_known = true;
			want = seq + 1;
			w->entries++;
			struct last *l = &(*lasts)[*nlasts - 1];
			l->seq = seq;
			text_copy(l->mac, sizeof(l->mac), mac);
			after_chain = chain;
			after_seq = seq;
		}
		db_rows_free(rows);
		if (n < VERIFY_PAGE)
			break;
	}
	sb_release(&canon);
	return rc;
}

static int cmp_last(const void *key, const void *elem)
{
	int64_t k = *(const int64_t *)key, c = ((const struct last *)elem)->chain_id;
	return k < c ? -1 : k > c;
}

static enum rc walk_heads(struct db *db, struct walk *w, const struct last *lasts, size_t nlasts,
			  struct problem *prob)
{
	int64_t after = -1;
	for (;;) {
		struct db_rows *rows = NULL;
		enum rc rc = db_q(db, w->kind->heads_sql, &rows, prob, DB_I(after),
				  DB_I(VERIFY_PAGE));
		if (rc != RC_OK)
			return rc;
		size_t n = db_rows_count(rows);
		for (size_t i = 0; i < n; i++) {
			int64_t chain = db_rows_int(rows, i, 0), seq = db_rows_int(rows, i, 1);
			const char *mac = db_rows_text(rows, i, 2);
			const struct last *l = bsearch(&chain, lasts, nlasts, sizeof(*lasts),
						       cmp_last);
			if (!l)
				found(w, "removed", chain, 0, 1, seq);
			else if (l->seq < seq)
				found(w, "removed", chain, 0, l->seq + 1, seq);
			else if (l->seq != seq || !mac || strcmp(l->mac, mac) != 0)
				found(w, "head", chain, 0, seq, seq);
			after = chain;
		}
		db_rows_free(rows);
		if (n < VERIFY_PAGE)
			return RC_OK;
	}
}

enum rc chain_verify(struct db *db, const struct chain_kind *kind, chain_finding_fn fn, void *ctx,
		     int64_t *entries, int64_t *problems, struct problem *prob)
{
	if (!chain_key_ready())
		return problem_set(prob, RC_INTERNAL, "ledger-key", "账本密钥未设置");
	struct walk w = { .kind = kind, .fn = fn, .ctx = ctx };
	struct last *lasts = NULL;
	size_t nlasts = 0;
	enum rc rc = walk_entries(db, &w, &lasts, &nlasts, prob);
	if (rc == RC_OK)
		rc = walk_heads(db, &w, lasts, nlasts, prob);
	free(lasts);
	*entries += w.entries;
	*problems += w.problems;
	return rc;
}
