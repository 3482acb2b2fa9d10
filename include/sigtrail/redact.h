/* Secrets out of command lines: the rules that find a password, a token or
 * a credential in a command line, and the one function that replaces each
 * with REDACT_MARKER. The store applies it to every command line before it
 * reaches SQLite (collector/store/intern.c); anything else that keeps a
 * command line calls redact_cmdline() the same way. What is and is not
 * caught is listed in README.md ("Secrets in command lines") and tested by
 * tests/unit/test_redact.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What stands where a secret was removed. */
#define REDACT_MARKER "<redacted>"

/* The built-in rule families, each one turned off by its name
 * (redact_rule_names[], sigtraild.conf's redact_disable). */
enum redact_rule {
	REDACT_FLAGS,      /* "flags": --password=X, --password X, --token X, -Dx.password=X */
	REDACT_KEY_VALUES, /* "key-values": PASSWORD=X, AWS_SECRET_ACCESS_KEY=X, ?token=X */
	REDACT_URLS,       /* "url-credentials": scheme://user:X@host */
	REDACT_HEADERS,    /* "auth-headers": Authorization: Bearer X, X-Api-Key: X */
	REDACT_TOOLS,      /* "tool-flags": mysql -pX, sshpass -p X, redis-cli -a X ... */
	REDACT_TOKENS,     /* "tokens": ghp_X, glpat-X, xoxb-X, sk_live_X, sk-X, JWTs */
	REDACT__N,
};

enum {
	REDACT_EXTRA_MAX = 16,     /* operator flags (redact_flag) kept */
	REDACT_EXTRA_LEN = 64,     /* longest operator flag, NUL included */
	REDACT_SPANS_MAX = 1 << 16 /* secrets replaced in one line at most; beyond: all of it */
};

/* The names of enum redact_rule, in its order. */
extern const char *const redact_rule_names[REDACT__N];

/* Which rules apply. Plain data: copy it freely. */
struct redact_rules {
	bool off;                                       /* redact nothing */
	unsigned disabled;                              /* 1 << enum redact_rule: off */
	size_t n_extra;                                 /* entries of extra[] */
	char extra[REDACT_EXTRA_MAX][REDACT_EXTRA_LEN]; /* operator's names (redact_flag) */
};

/* Every built-in rule on, no operator rule. Can't fail. */
void redact_rules_default(struct redact_rules *r);

/* Turn off the rules named in `list` (comma-separated names of
 * redact_rule_names, blanks around them ignored). Returns 0, or -EINVAL
 * with a sentence naming the bad word and the known ones in err (r is then
 * unchanged). */
int redact_rules_disable(struct redact_rules *r, const char *list, char *err, size_t errlen);

/* Add the operator's names in `list` (comma-separated): a word NAME=VALUE
 * has its VALUE redacted, and a NAME that starts with '-' also redacts the
 * word after it. Returns 0, or -EINVAL (an empty or over-long name, a
 * blank or '=' inside one, more than REDACT_EXTRA_MAX) with a sentence in
 * err, r then unchanged. */
int redact_rules_add(struct redact_rules *r, const char *list, char *err, size_t errlen);

/* Find the secrets of the command line `in` (arguments separated by
 * spaces) under rules r. Returns 0 when there is none (*ret_out untouched:
 * keep `in`, nothing was copied), the number of secrets replaced with
 * *ret_out set to a new string (the caller frees it) that is `in` with
 * each replaced by REDACT_MARKER, or -ENOMEM (nothing may be stored then:
 * the caller must not keep `in`). A line of more than REDACT_SPANS_MAX
 * secrets becomes the marker alone. NULL `in` or r->off: 0. */
int redact_cmdline(const struct redact_rules *r, const char *in, char **ret_out);
