/* redact.c: finds the secrets of a command line and replaces each with
 * REDACT_MARKER, under the rules of sigtrail/redact.h. A hand-written
 * scanner, one pass over the line: words split at spaces, each word
 * judged by its first byte (a flag, a key=value, a known tool's name) and
 * then scanned once with a byte table for the few bytes where a secret can
 * start (':' of a URL or a header, '?'/'&' of a query, a token prefix
 * after a byte that is not a letter or digit). A line without a secret
 * costs that pass and nothing else: no copy, no allocation. The names of
 * secret-like flags and keys are judged by names.c. By hand: import a log
 * whose sender ran `mysql -pS3cr3t` (tests/cli/redact.sh writes one), then
 *   sqlite3 DB 'select sender_cmdline from signals'
 * or `meson test -C build redact`; build/tests/bench/redactbench for its
 * cost. */
#include "sigtrail/redact.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redact_internal.h"

/* What the word after the current one is, once judged. */
enum next {
	NEXT_NONE,   /* an ordinary word */
	NEXT_WORD,   /* a secret unless it starts with '-' (--password X) */
	NEXT_ANY,    /* a secret whatever it is (an operator's flag, sshpass -p) */
	NEXT_COLON,  /* USER:SECRET, the secret after the first ':' (curl -u) */
	NEXT_SCHEME, /* after "Authorization:": a scheme (Bearer) or the secret */
};

/* One scan: the line, the output being built, and the state carried from
 * word to word. */
struct scan {
	const struct redact_rules *r;
	const char *in;
	size_t len;
	char *out; /* NULL until the first secret: the fast path copies nothing */
	size_t out_len, out_cap;
	size_t copied;                  /* in[0, copied) is accounted for in out */
	int count;                      /* secrets replaced */
	int err;                        /* -ENOMEM: give up */
	enum next next;                 /* what the next word is */
	const struct redact_tool *tool; /* the last known tool named, NULL none */
};

/* What a byte may start inside a word (class_of[]). A token starts only
 * after a byte that is not a letter or digit (a boundary), so letters and
 * digits, most of a line, cost one look-up and nothing else. */
enum {
	C_BOUND = 1, /* not a letter or digit: a token may follow */
	C_COLON = 2, /* ':' of scheme:// or Header: */
	C_QUERY = 4, /* '?' or '&' before a key=value parameter */
};

#define B C_BOUND
static const uint8_t class_of[256] = {
    ['!'] = B,  ['"'] = B, ['#'] = B,           ['$'] = B,           ['%'] = B, ['&'] = B | C_QUERY,
    ['\''] = B, ['('] = B, [')'] = B,           ['*'] = B,           ['+'] = B, [','] = B,
    ['-'] = B,  ['.'] = B, ['/'] = B,           [':'] = B | C_COLON, [';'] = B, ['<'] = B,
    ['='] = B,  ['>'] = B, ['?'] = B | C_QUERY, ['@'] = B,           ['['] = B, ['\\'] = B,
    [']'] = B,  ['^'] = B, ['_'] = B,           ['`'] = B,           ['{'] = B, ['|'] = B,
    ['}'] = B,  ['~'] = B,
};
#undef B

const char *const redact_rule_names[REDACT__N] = {
    [REDACT_FLAGS] = "flags",          [REDACT_KEY_VALUES] = "key-values",
    [REDACT_URLS] = "url-credentials", [REDACT_HEADERS] = "auth-headers",
    [REDACT_TOOLS] = "tool-flags",     [REDACT_TOKENS] = "tokens",
};

static bool on(const struct scan *s, enum redact_rule rule)
{
	return !(s->r->disabled & (1u << rule));
}

static void append(struct scan *s, const char *p, size_t n)
{
	if (s->err)
		return;
	if (s->out_len + n + 1 > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : s->len + 2 * sizeof(REDACT_MARKER);
		while (cap < s->out_len + n + 1)
			cap *= 2;
		char *grown = realloc(s->out, cap);
		if (!grown) {
			s->err = -ENOMEM;
			return;
		}
		s->out = grown;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_len, p, n);
	s->out_len += n;
	s->out[s->out_len] = '\0';
}

/* in[a, b) is a secret. Spans come in order and never overlap. */
static void span(struct scan *s, size_t a, size_t b)
{
	if (a >= b || a < s->copied)
		return;
	append(s, s->in + s->copied, a - s->copied);
	append(s, REDACT_MARKER, sizeof(REDACT_MARKER) - 1);
	s->copied = b;
	s->count++;
}

static size_t find(const char *in, size_t a, size_t e, char ch)
{
	const char *p = memchr(in + a, ch, e - a);
	return p ? (size_t)(p - in) : e;
}

/* The word in[w, e) under what the word before it said. Returns true when
 * that judged it whole. */
static bool pending(struct scan *s, enum next next, size_t w, size_t e)
{
	const char *p = s->in + w;
	size_t c;

	switch (next) {
	case NEXT_NONE:
		return false;
	case NEXT_WORD:
		if (p[0] == '-')
			return false; /* another flag: the first took no value */
		__attribute__((fallthrough));
	case NEXT_ANY:
		span(s, w, e);
		return true;
	case NEXT_COLON:
		c = find(s->in, w, e, ':');
		span(s, c + 1, e);
		return true;
	case NEXT_SCHEME:
		if (redact_is_scheme(p, e - w))
			s->next = NEXT_WORD;
		else
			span(s, w, e);
		return true;
	}
	return false;
}

/* An operator's name (redact_flag): NAME=VALUE, or -NAME VALUE. */
static bool extra_word(struct scan *s, size_t w, size_t e)
{
	const char *p = s->in + w;
	size_t n = e - w;

	for (size_t i = 0; i < s->r->n_extra; i++) {
		const char *x = s->r->extra[i];
		size_t m = strlen(x);
		if (n == m && x[0] == '-' && memcmp(p, x, m) == 0) {
			s->next = NEXT_ANY;
			return true;
		}
		if (n > m && p[m] == '=' && memcmp(p, x, m) == 0) {
			span(s, w + m + 1, e);
			return true;
		}
	}
	return false;
}

/* A known tool's own flag (mysql -pX, sshpass -p X, curl -u U:X). */
static bool tool_flag(struct scan *s, size_t w, size_t e)
{
	const char *p = s->in + w;
	size_t n = e - w;

	for (const struct redact_tool_flag *f = s->tool->flags; f->flag; f++) {
		size_t m = strlen(f->flag);
		if (n < m || memcmp(p, f->flag, m) != 0)
			continue;
		if (n == m) {
			if (!f->separate)
				return false; /* mysql -p alone prompts; the next word is a database
				               */
			s->next = f->colon ? NEXT_COLON : NEXT_ANY;
			return true;
		}
		size_t a = w + m;
		if (f->flag[1] == '-') { /* a long flag: only --flag=VALUE is attached */
			if (p[m] != '=')
				continue;
			a++;
		}
		if (f->colon)
			a = find(s->in, a, e, ':') + 1;
		span(s, a, e);
		return true;
	}
	return false;
}

/* A word that starts with '-' (its first '=' at eq, or e): a tool's flag,
 * or a secret-like flag. */
static bool dash_word(struct scan *s, size_t w, size_t eq, size_t e)
{
	const char *p = s->in + w;

	if (s->tool && on(s, REDACT_TOOLS) && tool_flag(s, w, e))
		return true;
	if (!on(s, REDACT_FLAGS))
		return false;
	if (!redact_secret_name(p, eq - w))
		return false;
	if (eq < e)
		span(s, eq + 1, e);
	else
		s->next = NEXT_WORD;
	return true;
}

/* KEY=VALUE (its first '=' at eq, or e), with KEY secret-like. */
static bool key_word(struct scan *s, size_t w, size_t eq, size_t e)
{
	if (eq == e || eq == w || !on(s, REDACT_KEY_VALUES) ||
	    !redact_key_chars(s->in + w, eq - w) || !redact_secret_name(s->in + w, eq - w))
		return false;
	span(s, eq + 1, e);
	return true;
}

/* scheme://USER:SECRET@host: the authority starts at a. Returns where to
 * go on scanning: a boundary byte after j, so that a token after it is
 * looked for (the user may be a token: https://ghp_...@github.com). */
static size_t url(struct scan *s, size_t a, size_t e)
{
	size_t end = a, at = e;

	while (end < e && s->in[end] != '/' && s->in[end] != '?' && s->in[end] != '#')
		end++;
	for (size_t i = a; i < end; i++)
		if (s->in[i] == '@')
			at = i; /* the last: a password may hold an unencoded '@' */
	if (at == e)
		return a - 1; /* the second '/' */
	size_t colon = find(s->in, a, at, ':');
	if (colon == at)
		return a - 1; /* a user alone, or a token as the user */
	span(s, colon + 1, at);
	return at;
}

/* ?KEY=VALUE or &KEY=VALUE from a: returns where the value ends (a '&',
 * '#' or e), or a when there is no secret here. */
static size_t param(struct scan *s, size_t a, size_t e)
{
	size_t eq = a;

	while (eq < e && s->in[eq] != '=' && s->in[eq] != '&')
		eq++;
	if (eq == e || s->in[eq] != '=' || eq == a || !redact_secret_name(s->in + a, eq - a))
		return a;
	size_t end = eq + 1;
	while (end < e && s->in[end] != '&' && s->in[end] != '#')
		end++;
	span(s, eq + 1, end);
	return end;
}

/* "Header:" ends at j (the ':'): what follows is a scheme or the secret. */
static void header(struct scan *s, size_t j, size_t e)
{
	if (j + 1 == e)
		s->next = NEXT_SCHEME;
	else if (redact_is_scheme(s->in + j + 1, e - j - 1))
		s->next = NEXT_WORD;
	else
		span(s, j + 1, e);
}

/* A token starting at j: replaced, and where it ends returned; else j. */
static size_t token(struct scan *s, size_t j, size_t e)
{
	size_t body, end;

	if (!on(s, REDACT_TOKENS) || j >= e || (end = redact_token(s->in, j, e, &body)) == j)
		return j;
	span(s, body, end);
	return end;
}

/* Inside a word: URL credentials, headers, query parameters and tokens. */
static void inside(struct scan *s, size_t w, size_t e)
{
	const char *in = s->in;
	size_t j = token(s, w, e);

	while (j < e) {
		uint8_t cls = class_of[(unsigned char)in[j]];
		if (!cls) {
			j++;
			continue;
		}
		if (cls & C_COLON) {
			if (j + 2 < e && in[j + 1] == '/' && in[j + 2] == '/') {
				if (on(s, REDACT_URLS)) {
					j = url(s, j + 3, e);
					continue;
				}
			} else if (on(s, REDACT_HEADERS) && redact_is_header(in + w, j - w)) {
				header(s, j, e);
				return;
			}
		} else if ((cls & C_QUERY) && on(s, REDACT_KEY_VALUES)) {
			size_t end = param(s, j + 1, e);
			if (end > j + 1) {
				j = end;
				continue;
			}
		}
		size_t end = token(s, j + 1, e);
		j = end > j + 1 ? end : j + 1;
	}
}

static void word(struct scan *s, size_t w, size_t e)
{
	enum next next = s->next;

	s->next = NEXT_NONE;
	if (pending(s, next, w, e) || extra_word(s, w, e))
		return;
	size_t eq = find(s->in, w, e, '=');
	if (s->in[w] == '-' ? dash_word(s, w, eq, e) : key_word(s, w, eq, e))
		return;
	inside(s, w, e);
	if (s->in[w] != '-') {
		const struct redact_tool *t = redact_tool_named(s->in + w, e - w);
		if (t)
			s->tool = t;
	}
}

int redact_cmdline(const struct redact_rules *r, const char *in, char **ret_out)
{
	if (!in || r->off)
		return 0;
	struct scan s = {.r = r, .in = in, .len = strlen(in)};

	for (size_t i = 0; i < s.len;) {
		while (i < s.len && in[i] == ' ')
			i++;
		size_t w = i;
		i = find(in, i, s.len, ' ');
		if (i > w)
			word(&s, w, i);
	}
	if (s.count == 0)
		return 0;
	append(&s, in + s.copied, s.len - s.copied);
	if (s.err) {
		free(s.out);
		return s.err;
	}
	*ret_out = s.out;
	return s.count;
}
