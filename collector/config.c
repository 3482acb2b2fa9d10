/* config.c: reads /etc/sigtrail/sigtraild.conf, the daemon's configuration
 * file. The format is the simplest that cannot be misread: one `key = value`
 * per line, blank lines and lines whose first non-blank character is `#`
 * ignored, no quoting, no inline comments (a path may contain `#`), each key
 * at most once. The keys are those of the option table (optable.c), which
 * also judges their values; anything else is an error that names the file
 * and line, so a typo never silently falls back to a default. The daemon
 * applies the result first and its command-line flags after, so a flag
 * wins. Try it: `sigtraild --config ./my.conf --foreground --source stdin
 * </dev/null`, or `meson test -C build config`. */
#include "sigtrail/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sigtrail/optable.h"

/* Where the parser is, for messages. */
struct cursor {
	const struct opt_desc *table; /* the keys this file may set */
	size_t len;                   /* entries in table */
	const char *name;             /* file name as given */
	unsigned line;                /* 1-based line number */
	char *err;                    /* caller's message buffer */
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
	*c = (struct config){.set = NULL};
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->set && i < c->len; i++)
		free(c->set[i].owned);
	free(c->set);
	config_init(c);
}

/* The option of `table` whose file key is `key`, or NULL. */
static const struct opt_desc *by_key(const struct opt_desc *table, size_t len, const char *key)
{
	for (size_t i = 0; i < len; i++)
		if (table[i].key && strcmp(table[i].key, key) == 0)
			return &table[i];
	return NULL;
}

/* The option of `table` whose long flag is `flag`, or NULL. */
static const struct opt_desc *by_flag(const struct opt_desc *table, size_t len, const char *flag)
{
	for (size_t i = 0; i < len; i++)
		if (strcmp(table[i].flag, flag) == 0)
			return &table[i];
	return NULL;
}

const union opt_value *config_get(const struct config *c, const char *key)
{
	const struct opt_desc *o = c->set ? by_key(c->table, c->len, key) : NULL;

	if (!o || c->set[o - c->table].line == 0)
		return NULL;
	return &c->set[o - c->table].value;
}

void config_apply(const struct config *c)
{
	for (size_t i = 0; c->set && i < c->len; i++)
		if (c->set[i].line)
			opt_store(&c->table[i], c->set[i].value);
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

/* Judge `v` as option o's value, and keep it (a copy of a string). */
static int set_value(const struct cursor *cur, const struct opt_desc *o, const char *v,
                     struct config_entry *e)
{
	union opt_value val;
	char what[512];

	if (opt_parse(o, v, true, &val, what, sizeof(what)) < 0)
		return fail(cur, "%s", what);
	if (o->type != OPT_SWITCH && o->type != OPT_NUMBER) {
		e->owned = strdup(v);
		if (!e->owned) {
			snprintf(cur->err, cur->errlen, "%s:%u: out of memory", cur->name,
			         cur->line);
			return -ENOMEM;
		}
		val.s = e->owned;
	}
	e->value = val;
	e->line = cur->line;
	return 0;
}

/* Swap `from` for `to` in key, into buf. Returns buf, or NULL if too long. */
static const char *respell(const char *key, char from, char to, char *buf, size_t size)
{
	size_t n = strlen(key);

	if (n >= size)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		buf[i] = key[i] == from ? to : key[i];
	return buf;
}

/* A key spelled as a flag ("include-sig0", "retention") or with dashes
 * ("db-buffer-mb") points at the key; anything else lists the keys. */
static int unknown_key(const struct cursor *cur, const char *key)
{
	const struct opt_desc *o;
	char alt[64], known[512] = "";
	const char *s;
	size_t len = 0;

	s = respell(key, '_', '-', alt, sizeof(alt));
	o = s ? by_flag(cur->table, cur->len, s) : NULL;
	if (!o || !o->key) {
		s = respell(key, '-', '_', alt, sizeof(alt));
		o = s ? by_key(cur->table, cur->len, s) : NULL;
	}
	if (o && o->key)
		return fail(cur, "unknown key '%s' (did you mean '%s'?)", key, o->key);
	for (size_t i = 0; i < cur->len; i++) {
		int w;

		if (!cur->table[i].key)
			continue;
		w = snprintf(known + len, sizeof(known) - len, "%s%s", len ? ", " : "",
		             cur->table[i].key);
		if (w < 0 || (size_t)w >= sizeof(known) - len)
			break;
		len += (size_t)w;
	}
	return fail(cur, "unknown key '%s' (known: %s)", key, known);
}

/* Check and keep one line that is neither blank nor a comment. */
static int parse_line(const struct cursor *cur, char *s, struct config *c)
{
	char *eq = strchr(s, '=');
	const struct opt_desc *o;
	struct config_entry *e;
	char *key, *value;

	if (!eq)
		return fail(cur, "expected 'key = value', got '%s'", s);
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (key[0] == '\0')
		return fail(cur, "missing key before '='");
	o = by_key(cur->table, cur->len, key);
	if (!o)
		return unknown_key(cur, key);
	e = &c->set[o - cur->table];
	if (e->line)
		return fail(cur, "'%s' is set twice (first on line %u)", key, e->line);
	if (value[0] == '\0')
		return fail(cur, "'%s' has no value (comment the line out to keep the default)",
		            key);
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(cur, "'%s': control character 0x%02x in the value", key,
			            (unsigned char)*p);
	return set_value(cur, o, value, e);
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
	return config_parse_file_in(f, name, opt_table, opt_table_len, ret, err, errlen);
}

int config_parse_file_in(FILE *f, const char *name, const struct opt_desc *table, size_t len,
                         struct config *ret, char *err, size_t errlen)
{
	struct cursor cur = {
	    .table = table, .len = len, .name = name, .line = 0, .err = err, .errlen = errlen};
	struct config c = {.set = calloc(len, sizeof(*c.set)), .table = table, .len = len};
	char *buf = malloc(CONFIG_LINE_MAX);
	int r = 0;

	if (!buf || !c.set) {
		snprintf(err, errlen, "%s: out of memory", name);
		r = -ENOMEM;
		goto out;
	}
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
		r = parse_line(&cur, s, &c);
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
	return config_load_in(path, opt_table, opt_table_len, ret, err, errlen);
}

int config_load_in(const char *path, const struct opt_desc *table, size_t len, struct config *ret,
                   char *err, size_t errlen)
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
		r = config_parse_file_in(f, path, table, len, ret, err, errlen);
	}
	fclose(f);
	return r;
}
