/* names.c: the words the redactor knows: which flag and key names are
 * secret-like, the authorization headers and schemes, the token prefixes
 * and the tools whose short flags carry a password. Each list is the
 * whole truth of its rule; README.md ("Secrets in command lines") and
 * sigtrail-schema(5) repeat them for users. Exercise with
 * `meson test -C build redact`. */
#include <stdint.h>
#include <string.h>

#include "redact_internal.h"

/* Lower case, with '_' and '.' read as '-': names compare alike however
 * a tool spells its separators (--api-key, API_KEY, apiKey aside). */
static unsigned char fold(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch | 0x20;
	return ch == '_' || ch == '.' ? '-' : ch;
}

/* A word with its length, so that no comparison measures it again. */
struct word {
	const char *s;
	size_t n;
};
#define W(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

static bool has_at(const char *p, size_t n, size_t at, struct word w)
{
	if (at + w.n > n)
		return false;
	for (size_t i = 0; i < w.n; i++)
		if (fold((unsigned char)p[at + i]) != (unsigned char)w.s[i])
			return false;
	return true;
}

static bool ends(const char *p, size_t n, struct word w)
{
	return n >= w.n && has_at(p, n, n - w.n, w);
}

static bool is(const char *p, size_t n, struct word w)
{
	return w.n == n && has_at(p, n, 0, w);
}

/* Does a secret-like word start at p[i]? One pass over the name, the
 * patterns tried only where their first letter is. */
static bool secret_inside(const char *p, size_t n)
{
	static const struct word pw[] = {W("passw"), W("passphrase"), W("private-key")};
	static const struct word aw[] = {W("apikey"), W("api-key")};

	for (size_t i = 0; i < n; i++) {
		switch (fold((unsigned char)p[i])) {
		case 'p':
			for (size_t k = 0; k < sizeof(pw) / sizeof(pw[0]); k++)
				if (has_at(p, n, i, pw[k]))
					return true;
			break;
		case 'a':
			for (size_t k = 0; k < sizeof(aw) / sizeof(aw[0]); k++)
				if (has_at(p, n, i, aw[k]))
					return true;
			break;
		case 's':
			if (has_at(p, n, i, (struct word)W("secret")))
				return true;
			break;
		case 't': /* --tokenizer NAME is not a token */
			if (has_at(p, n, i, (struct word)W("token")) &&
			    !has_at(p, n, i, (struct word)W("tokeniz")))
				return true;
			break;
		}
	}
	return false;
}

bool redact_secret_name(const char *p, size_t n)
{
	static const struct word not_prefix[] = {W("no-"), W("ask-")};
	static const struct word not_suffix[] = {W("file"), W("path"), W("dir"), W("stdin"),
	                                         W("-fd")};

	while (n && *p == '-') {
		p++;
		n--;
	}
	if (n < 4) /* "pass" is the shortest */
		return false;
	if (!is(p, n, (struct word)W("pass")) && !ends(p, n, (struct word)W("-pass")) &&
	    !ends(p, n, (struct word)W("-pwd")) && !secret_inside(p, n))
		return false;
	for (size_t i = 0; i < sizeof(not_prefix) / sizeof(not_prefix[0]); i++)
		if (has_at(p, n, 0, not_prefix[i]))
			return false;
	for (size_t i = 0; i < sizeof(not_suffix) / sizeof(not_suffix[0]); i++)
		if (ends(p, n, not_suffix[i]))
			return false;
	return true;
}

bool redact_key_chars(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = fold((unsigned char)p[i]);
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}
	return n > 0;
}

bool redact_is_scheme(const char *p, size_t n)
{
	static const struct word schemes[] = {W("bearer"), W("basic"), W("token"),     W("digest"),
	                                      W("bot"),    W("ntlm"),  W("negotiate"), W("apikey")};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (is(p, n, schemes[i]))
			return true;
	return false;
}

bool redact_is_header(const char *p, size_t n)
{
	static const struct word headers[] = {
	    W("authorization"), W("x-api-key"),     W("api-key"),       W("x-auth-token"),
	    W("private-token"), W("x-vault-token"), W("x-access-token")};

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (ends(p, n, headers[i]))
			return true; /* Proxy-Authorization too */
	return false;
}

/* A prefix, and the fewest body bytes ([A-Za-z0-9_-]) that make a token. */
struct prefix {
	const char *p;
	uint8_t len, min_body;
};

static const struct prefix prefixes[] = {
    {"ghp_", 4, 20},     {"gho_", 4, 20},         {"ghu_", 4, 20},     {"ghs_", 4, 20},
    {"ghr_", 4, 20},     {"github_pat_", 11, 20}, {"glpat-", 6, 20},   {"xoxb-", 5, 10},
    {"xoxp-", 5, 10},    {"xoxa-", 5, 10},        {"xoxr-", 5, 10},    {"xoxs-", 5, 10},
    {"xapp-", 5, 10},    {"sk_live_", 8, 10},     {"sk_test_", 8, 10}, {"rk_live_", 8, 10},
    {"rk_test_", 8, 10}, {"sk-", 3, 20},          {"AIza", 4, 30},     {"npm_", 4, 30},
    {"hf_", 3, 30},
};

static bool body_byte(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
	       ch == '_' || ch == '-';
}

static size_t run(const char *in, size_t a, size_t e)
{
	while (a < e && body_byte((unsigned char)in[a]) && in[a] != '.')
		a++;
	return a;
}

/* A JWT, eyJ<header>.<payload>.<signature>: two runs of at least 8 base64url
 * bytes, then a signature of any length (an unsigned one is empty). */
static size_t jwt(const char *in, size_t j, size_t e, size_t *ret_body)
{
	size_t a = run(in, j + 3, e);

	if (a - j < 8 || a >= e || in[a] != '.')
		return j;
	size_t b = run(in, a + 1, e);
	if (b - a - 1 < 8 || b >= e || in[b] != '.')
		return j;
	*ret_body = j + 3;
	return run(in, b + 1, e);
}

/* Could a prefix start with these two bytes? Most boundaries fail here. */
static bool maybe_prefix(char a, char b)
{
	switch (a) {
	case 'g':
		return b == 'h' || b == 'i' || b == 'l';
	case 'x':
		return b == 'o' || b == 'a';
	case 's':
	case 'r':
		return b == 'k';
	case 'A':
		return b == 'I';
	case 'n':
		return b == 'p';
	case 'h':
		return b == 'f';
	default:
		return false;
	}
}

size_t redact_token(const char *in, size_t j, size_t e, size_t *ret_body)
{
	if (e - j < 4)
		return j;
	if (in[j] == 'e' && in[j + 1] == 'y' && in[j + 2] == 'J')
		return jwt(in, j, e, ret_body);
	if (!maybe_prefix(in[j], in[j + 1]))
		return j;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		const struct prefix *x = &prefixes[i];
		if (x->p[0] != in[j] || e - j < (size_t)x->len + x->min_body ||
		    memcmp(in + j, x->p, x->len) != 0)
			continue;
		size_t end = run(in, j + x->len, e);
		if (end - j - x->len < x->min_body)
			continue;
		*ret_body = j + x->len;
		return end;
	}
	return j;
}

static const struct redact_tool_flag mysql_flags[] = {{"-p", false, false}, {NULL, false, false}};
static const struct redact_tool_flag p_flags[] = {{"-p", true, false}, {NULL, false, false}};
static const struct redact_tool_flag redis_flags[] = {{"-a", true, false}, {NULL, false, false}};
static const struct redact_tool_flag sqlcmd_flags[] = {{"-P", true, false}, {NULL, false, false}};
static const struct redact_tool_flag ldap_flags[] = {{"-w", true, false}, {NULL, false, false}};
static const struct redact_tool_flag curl_flags[] = {{"-u", true, true},
                                                     {"--user", true, true},
                                                     {"-U", true, true},
                                                     {"--proxy-user", true, true},
                                                     {NULL, false, false}};

static const struct redact_tool tools[] = {
    {"mysql", mysql_flags},         {"mysqldump", mysql_flags},  {"mysqladmin", mysql_flags},
    {"mysqlimport", mysql_flags},   {"mysqlcheck", mysql_flags}, {"mysqlshow", mysql_flags},
    {"mysqlslap", mysql_flags},     {"mariadb", mysql_flags},    {"mariadb-dump", mysql_flags},
    {"mariadb-admin", mysql_flags}, {"sshpass", p_flags},        {"mongo", p_flags},
    {"mongosh", p_flags},           {"mongodump", p_flags},      {"mongorestore", p_flags},
    {"mongoexport", p_flags},       {"mongoimport", p_flags},    {"redis-cli", redis_flags},
    {"valkey-cli", redis_flags},    {"sqlcmd", sqlcmd_flags},    {"bcp", sqlcmd_flags},
    {"ldapsearch", ldap_flags},     {"ldapadd", ldap_flags},     {"ldapmodify", ldap_flags},
    {"ldapdelete", ldap_flags},     {"ldapwhoami", ldap_flags},  {"ldappasswd", ldap_flags},
    {"ldapcompare", ldap_flags},    {"ldapmodrdn", ldap_flags},  {"curl", curl_flags},
};

const struct redact_tool *redact_tool_named(const char *p, size_t n)
{
	enum { NAME_MIN = 3, NAME_MAX = 13 }; /* bcp .. mariadb-admin */
	size_t base = n;

	/* The basename: only its last NAME_MAX + 1 bytes can matter. */
	while (base > 0 && n - base <= NAME_MAX && p[base - 1] != '/')
		base--;
	if (base > 0 && p[base - 1] != '/')
		return NULL; /* longer than any tool's name */
	p += base;
	n -= base;
	if (n < NAME_MIN || n > NAME_MAX)
		return NULL;
	switch (p[0]) { /* the first letters of the tools' names */
	case 'b':
	case 'c':
	case 'l':
	case 'm':
	case 'r':
	case 's':
	case 'v':
		break;
	default:
		return NULL;
	}
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (tools[i].name[0] == p[0] && strncmp(tools[i].name, p, n) == 0 &&
		    tools[i].name[n] == '\0')
			return &tools[i];
	return NULL;
}
