/* Content negotiation by language (RFC 9110 §12.5.4): which of the languages
 * the server can answer in the client's Accept-Language prefers. The caller
 * names the languages; this file knows only the header's grammar. */
#include "http/http.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* How closely a language range matches an offered tag: the most specific
 * matching range of the header decides the tag's weight, so that
 * "*;q=0.5, zh;q=0" still refuses Chinese. */
enum match {
	MATCH_NONE,
	MATCH_ANY,     /* "*" */
	MATCH_PRIMARY, /* same primary subtag: "en-US" for "en", "zh" for "zh-CN" */
	MATCH_EXACT,   /* the whole tag, ignoring case */
};

static size_t primary_len(const char *tag, size_t len)
{
	size_t n = 0;
	while (n < len && tag[n] != '-')
		n++;
	return n;
}

static enum match match_range(const char *range, size_t range_len, const char *tag)
{
	size_t tag_len = strlen(tag);
	if (range_len == 1 && range[0] == '*')
		return MATCH_ANY;
	if (range_len == tag_len && strncasecmp(range, tag, tag_len) == 0)
		return MATCH_EXACT;
	size_t rp = primary_len(range, range_len), tp = primary_len(tag, tag_len);
	if (rp == tp && rp > 0 && strncasecmp(range, tag, rp) == 0)
		return MATCH_PRIMARY;
	return MATCH_NONE;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Reads a weight "0", "0.5", "1.000" … into thousandths; false when it is
 * not one (RFC 9110 §12.4.2: at most three decimals, never above 1). */
static bool parse_weight(const char *s, size_t len, int *q_milli)
{
	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return false;
	int q = (s[0] - '0') * 1000;
	if (len == 1) {
		*q_milli = q;
		return true;
	}
	if (s[1] != '.' || len > 5)
		return false;
	int scale = 100;
	for (size_t i = 2; i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		q += (s[i] - '0') * scale;
	}
	if (q > 1000)
		return false;
	*q_milli = q;
	return true;
}

/* One element "en-US;q=0.8" of the list: its range and weight. False for an
 * element to skip (empty, or a weight that does not parse). */
static bool parse_element(const char *s, size_t len, const char **range, size_t *range_len,
			  int *q_milli)
{
	while (len && is_space(*s))
		s++, len--;
	while (len && is_space(s[len - 1]))
		len--;
	const char *semi = memchr(s, ';', len);
	size_t rlen = semi ? (size_t)(semi - s) : len;
	while (rlen && is_space(s[rlen - 1]))
		rlen--;
	if (rlen == 0)
		return false;
	*range = s;
	*range_len = rlen;
	*q_milli = 1000;
	if (!semi)
		return true;
	const char *p = semi + 1;
	size_t plen = len - (size_t)(p - s);
	while (plen && is_space(*p))
		p++, plen--;
	if (plen < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return false;
	return parse_weight(p + 2, plen - 2, q_milli);
}

size_t http_language_pick(const char *accept_language, const char *const *offered, size_t n)
{
	enum { OFFERED_MAX = 8 };
	enum match best_match[OFFERED_MAX] = { MATCH_NONE };
	int weight[OFFERED_MAX] = { 0 };
	if (!accept_language || n < 2)
		return 0;
	if (n > OFFERED_MAX)
		n = OFFERED_MAX;
	const char *s = accept_language;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		const char *range;
		size_t range_len;
		int q;
		if (parse_element(s, len, &range, &range_len, &q)) {
			for (size_t i = 0; i < n; i++) {
				enum match m = match_range(range, range_len, offered[i]);
				if (m == MATCH_NONE || m < best_match[i])
					continue;
				if (m > best_match[i] || q > weight[i])
					weight[i] = q;
				best_match[i] = m;
			}
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	/* Highest weight wins; on a tie, or when nothing is acceptable, the
	 * earlier offer (the server's default comes first). */
	size_t pick = 0;
	for (size_t i = 1; i < n; i++)
		if (weight[i] > weight[pick])
			pick = i;
	return pick;
}

size_t http_req_language(const struct http_req *req, const char *const *offered, size_t n)
{
	return http_language_pick(http_req_header(req, "Accept-Language"), offered, n);
}
