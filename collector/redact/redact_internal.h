/* What redact.c asks names.c: whether a name is secret-like, whether a
 * word is an authorization scheme or header, a token's extent, and the
 * known tools and their secret flags. Not a public header: only
 * collector/redact includes it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One flag of a known tool whose value is a secret. */
struct redact_tool_flag {
	const char *flag; /* "-p", "--user"; NULL ends the list */
	bool separate;    /* the value may be the next word (sshpass -p X) */
	bool colon;       /* the value is USER:SECRET and only SECRET goes (curl -u) */
};

/* A known tool: the basename of a word, and its flags. */
struct redact_tool {
	const char *name;
	const struct redact_tool_flag *flags;
};

/* Is p[0, n) (leading dashes skipped) the name of something secret: it
 * holds passw, passphrase, secret, token or api-key/apikey/api_key or
 * private-key, ends in pwd or pass after a separator or is "pass", and is
 * not a switch or a reference (no-*, ask-*, *file, *path, *dir, *stdin,
 * *fd, *tokenizer*)? Case-insensitive, '-', '_' and '.' alike. */
bool redact_secret_name(const char *p, size_t n);

/* Is every byte of p[0, n) one of a key's: letters, digits, '_', '.', '-'? */
bool redact_key_chars(const char *p, size_t n);

/* Is p[0, n) an authorization scheme (Bearer, Basic, Token, ...)? */
bool redact_is_scheme(const char *p, size_t n);

/* Does p[0, n) end with the name of an authorization header
 * (Authorization, Proxy-Authorization, X-Api-Key, ...)? */
bool redact_is_header(const char *p, size_t n);

/* A token of a recognisable prefix starting at in[j] (before e): returns
 * where it ends and sets *ret_body to where its secret part starts (after
 * the prefix, which stays), or returns j when there is none. */
size_t redact_token(const char *in, size_t j, size_t e, size_t *ret_body);

/* The known tool whose name is the basename of p[0, n), or NULL. */
const struct redact_tool *redact_tool_named(const char *p, size_t n);
