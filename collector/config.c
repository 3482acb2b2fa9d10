/* config.c: reads /etc/sigtrail/sigtraild.conf, the daemon's configuration
 * file. The format is the simplest that cannot be misread: one `key = value`
 * per line, blank lines and lines whose first non-blank character is `#`
 * ignored, no quoting, no inline comments (a path may contain `#`), each key
 * at most once. Every key is a daemon option (db, source, include_sig0, processes,
 * keep_rules, retention_days, max_db_size_mb, db_buffer_mb, coalesce_ms, user,
 * runtime_dir); anything
 * else is an error that names the file and line, so a typo never silently
 * falls back to a default. The daemon applies
 * the result first and its command-line flags after, so a flag wins. Try it:
 * `sigtraild --config ./my.conf --foreground --source stdin </dev/null`, or
 * `meson test -C build config`. */
#include "sigtrail/config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sigtrail/decode.h"

enum key {
	KEY_DB,
	KEY_SOURCE,
	KEY_INCLUDE_SIG0,
	KEY_KEEP_RULES,
	KEY_RETENTION_DAYS,
	KEY_MAX_DB_SIZE_MB,
	KEY_COALESCE_MS,
	KEY_USER,
	KEY_PROCESSES,
	KEY_DB_BUFFER_MB,
	KEY_RUNTIME_DIR,
	KEY_COUNT,
};

static const char *const key_names[KEY_COUNT] = {
    [KEY_DB] = "db",
    [KEY_SOURCE] = "source",
    [KEY_INCLUDE_SIG0] = "include_sig0",
    [KEY_KEEP_RULES] = "keep_rules",
    [KEY_RETENTION_DAYS] = "retention_days",
    [KEY_MAX_DB_SIZE_MB] = "max_db_size_mb",
    [KEY_COALESCE_MS] = "coalesce_ms",
    [KEY_USER] = "user",
    [KEY_PROCESSES] = "processes",
    [KEY_DB_BUFFER_MB] = "db_buffer_mb",
    [KEY_RUNTIME_DIR] = "runtime_dir",
};

/* Where the parser is, for messages. */
struct cursor {
	const char *name; /* file name as given */
	unsigned line;    /* 1-based line number */
	char *err;        /* caller's message buffer */
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(const struct cursor *cur, const char *fmt,
                                                      ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(cur->err, cur->errlen, "%s:%u: %s", cur->name, cur->line, what);
	return -EINVAL;
}

void config_init(struct config *c)
{
	*c = (struct config){
	    .include_sig0 = -1,
	    .processes = -1,
	    .keep_rules = -1,
	    .retention_days = -1,
	    .max_db_size_mb = -1,
	    .db_buffer_mb = -1,
	    .coalesce_ms = -1,
	};
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->db);
	free(c->source);
	free(c->user);
	free(c->runtime_dir);
	config_init(c);
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Trim blanks at both ends, in place. */
static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int parse_bool(const struct cursor *cur, const char *key, const char *v, int *ret)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*ret = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*ret = 0;
			return 0;
		}
	}
	return fail(cur, "%s = '%s': expected yes or no", key, v);
}

static int parse_count(const struct cursor *cur, const char *key, const char *v, int64_t max,
                       const char *unit, int64_t *ret)
{
	int64_t n;

	if (v[0] == '-' || parse_i64(v, 10, &n) < 0 || n > max)
		return fail(cur, "%s = '%s': expected a whole number of %s from 0 to %lld", key, v,
		            unit, (long long)max);
	*ret = n;
	return 0;
}

/* A user name as useradd and Debian's adduser accept them, at most
 * CONFIG_USER_MAX bytes: no shell or path metacharacters, no leading '-'. */
static bool valid_user(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > CONFIG_USER_MAX ||
	    !(v[0] == '_' || (v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char ch = v[i];
		bool ok = ch == '_' || ch == '-' || ch == '.' || (ch >= 'a' && ch <= 'z') ||
		          (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		          (ch == '$' && i == n - 1);
		if (!ok)
			return false;
	}
	return true;
}

static int set_string(const struct cursor *cur, char **slot, const char *v)
{
	char *copy = strdup(v);

	if (!copy) {
		snprintf(cur->err, cur->errlen, "%s:%u: out of memory", cur->name, cur->line);
		return -ENOMEM;
	}
	*slot = copy;
	return 0;
}

static int set_key(const struct cursor *cur, enum key k, const char *v, struct config *c)
{
	const char *key = key_names[k];

	switch (k) {
	case KEY_DB:
		if (v[0] != '/')
			return fail(cur, "db = '%s': expected an absolute path", v);
		if (strlen(v) >= PATH_MAX)
			return fail(cur, "db: path longer than %d bytes", PATH_MAX - 1);
		if (v[strlen(v) - 1] == '/')
			return fail(cur, "db = '%s': expected a file, not a directory", v);
		return set_string(cur, &c->db, v);
	case KEY_SOURCE:
		if (strcmp(v, "auto") != 0 && strcmp(v, "unicast") != 0 &&
		    strcmp(v, "multicast") != 0 && strcmp(v, "stdin") != 0)
			return fail(cur,
			            "source = '%s': expected auto, unicast, multicast or stdin", v);
		return set_string(cur, &c->source, v);
	case KEY_INCLUDE_SIG0:
		return parse_bool(cur, key, v, &c->include_sig0);
	case KEY_PROCESSES:
		return parse_bool(cur, key, v, &c->processes);
	case KEY_KEEP_RULES:
		return parse_bool(cur, key, v, &c->keep_rules);
	case KEY_RETENTION_DAYS:
		return parse_count(cur, key, v, CONFIG_RETENTION_DAYS_MAX, "days",
		                   &c->retention_days);
	case KEY_MAX_DB_SIZE_MB:
		return parse_count(cur, key, v, CONFIG_DB_SIZE_MB_MAX, "MiB", &c->max_db_size_mb);
	case KEY_DB_BUFFER_MB: {
		int64_t mb = 0;
		if (parse_count(cur, key, v, CONFIG_DB_BUFFER_MB_MAX, "MiB", &mb) < 0 || mb == 0)
			return fail(cur, "%s = '%s': expected a whole number of MiB from 1 to %d",
			            key, v, CONFIG_DB_BUFFER_MB_MAX);
		c->db_buffer_mb = mb;
		return 0;
	}
	case KEY_RUNTIME_DIR:
		if (v[0] != '/')
			return fail(cur, "runtime_dir = '%s': expected an absolute path", v);
		if (strlen(v) >= CONFIG_RUNTIME_DIR_MAX)
			return fail(cur, "runtime_dir: path longer than %d bytes",
			            CONFIG_RUNTIME_DIR_MAX - 1);
		return set_string(cur, &c->runtime_dir, v);
	case KEY_COALESCE_MS:
		return parse_count(cur, key, v, CONFIG_COALESCE_MS_MAX, "milliseconds",
		                   &c->coalesce_ms);
	case KEY_USER:
		if (!valid_user(v))
			return fail(cur,
			            "user = '%s': expected a user name (letters, digits, '_', "
			            "'-', '.', at most %d bytes)",
			            v, CONFIG_USER_MAX);
		return set_string(cur, &c->user, v);
	case KEY_COUNT:
		break;
	}
	return fail(cur, "internal error: key %d", (int)k);
}

/* "include-sig0" is how the flag is spelled: point at the key. */
static int unknown_key(const struct cursor *cur, const char *key)
{
	char alt[64];
	size_t n = strlen(key);

	if (n < sizeof(alt)) {
		for (size_t i = 0; i <= n; i++)
			alt[i] = key[i] == '-' ? '_' : key[i];
		for (int k = 0; k < KEY_COUNT; k++)
			if (strcmp(alt, key_names[k]) == 0)
				return fail(cur, "unknown key '%s' (did you mean '%s'?)", key, alt);
	}
	return fail(cur,
	            "unknown key '%s' (known: db, source, include_sig0, keep_rules, "
	            "retention_days, max_db_size_mb, db_buffer_mb, coalesce_ms, user, processes, "
	            "runtime_dir)",
	            key);
}

/* Check and apply one line that is neither blank nor a comment. */
static int parse_line(const struct cursor *cur, char *s, unsigned seen[KEY_COUNT], struct config *c)
{
	char *eq = strchr(s, '=');
	char *key, *value;
	int k;

	if (!eq)
		return fail(cur, "expected 'key = value', got '%s'", s);
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (key[0] == '\0')
		return fail(cur, "missing key before '='");
	for (k = 0; k < KEY_COUNT; k++)
		if (strcmp(key, key_names[k]) == 0)
			break;
	if (k == KEY_COUNT)
		return unknown_key(cur, key);
	if (seen[k])
		return fail(cur, "'%s' is set twice (first on line %u)", key, seen[k]);
	if (value[0] == '\0')
		return fail(cur, "'%s' has no value (comment the line out to keep the default)",
		            key);
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(cur, "'%s': control character 0x%02x in the value", key,
			            (unsigned char)*p);
	seen[k] = cur->line;
	return set_key(cur, (enum key)k, value, c);
}

/* Read one line into buf (without its newline). Returns its length, -1 at
 * end of file, -E2BIG for an over-long line and -EILSEQ for a NUL byte (the
 * rest of the line is consumed either way), -errno for a read error. */
static int read_line(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	bool too_long = false, nul = false;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		nul |= ch == '\0';
		if (n + 1 < size)
			buf[n++] = (char)ch;
		else
			too_long = true;
	}
	if (ferror(f))
		return errno ? -errno : -EIO;
	if (ch == EOF && n == 0 && !too_long)
		return -1;
	buf[n] = '\0';
	return nul ? -EILSEQ : too_long ? -E2BIG : (int)n;
}

int config_parse_file(FILE *f, const char *name, struct config *ret, char *err, size_t errlen)
{
	struct cursor cur = {.name = name, .line = 0, .err = err, .errlen = errlen};
	unsigned seen[KEY_COUNT] = {0};
	struct config c;
	char *buf = malloc(CONFIG_LINE_MAX);
	int r = 0;

	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	config_init(&c);
	for (;;) {
		int n;

		errno = 0;
		n = read_line(f, buf, CONFIG_LINE_MAX);
		cur.line++;
		if (n == -1)
			break;
		if (n == -EILSEQ || n == -E2BIG) {
			r = n == -EILSEQ
			        ? fail(&cur, "NUL byte in the line")
			        : fail(&cur, "line longer than %d bytes", CONFIG_LINE_MAX - 1);
			goto out;
		}
		if (n < 0) {
			r = n;
			snprintf(err, errlen, "%s:%u: read error: %s", name, cur.line,
			         strerror(-n));
			goto out;
		}
		char *s = trim(buf);
		if (s[0] == '\0' || s[0] == '#')
			continue;
		r = parse_line(&cur, s, seen, &c);
		if (r < 0)
			goto out;
	}
	*ret = c;
	c = (struct config){0}; /* ownership moved to *ret */
out:
	free(buf);
	if (r < 0)
		config_free(&c);
	return r;
}

int config_load(const char *path, struct config *ret, char *err, size_t errlen)
{
	struct stat sb;
	FILE *f = fopen(path, "re");
	int r;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fileno(f), &sb) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	} else if (S_ISDIR(sb.st_mode)) {
		r = -EISDIR;
		snprintf(err, errlen, "%s: is a directory", path);
	} else if (S_ISREG(sb.st_mode) && (sb.st_mode & S_IWOTH)) {
		/* It chooses where a root daemon writes: nobody else may edit it. */
		r = -EPERM;
		snprintf(err, errlen, "%s: writable by everyone; refusing to use it", path);
	} else {
		r = config_parse_file(f, path, ret, err, errlen);
	}
	fclose(f);
	return r;
}
