/* The option table against the documents that repeat it: sigtraild(8)
 * describes every flag, with the range and default of every number;
 * sigtraild.conf(5) every key, likewise; and the shipped sigtraild.conf
 * carries every key commented out at its default, in a form the parser
 * takes once uncommented. A new option, or a changed range or default, fails
 * here until the documents say so too.
 *   test_option_docs man/sigtraild.8 man/sigtraild.conf.5 BUILD/packaging/sigtraild.conf */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "sigtrail/config.h"
#include "sigtrail/optable.h"
#include "tap.h"

/* The whole of a file, NUL-terminated, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int ch;

	if (!f)
		return NULL;
	out = open_memstream(&text, &len);
	if (out) {
		while ((ch = getc(f)) != EOF)
			fputc(ch, out);
		fclose(out);
	}
	fclose(f);
	return text;
}

/* `name` as roff spells it: every '-' escaped ("\-\-max\-db\-size"). */
static const char *roff(const char *dashes, const char *name)
{
	static char buf[2][128];
	static int which;
	char *out = buf[which ^= 1];
	size_t n = 0;

	for (const char *s = dashes; *s && n + 3 < sizeof(buf[0]); s++)
		out[n++] = '\\', out[n++] = '-';
	for (const char *s = name; *s && n + 3 < sizeof(buf[0]); s++) {
		if (*s == '-')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
	return out;
}

static bool is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Whether `word` occurs in [from, to) as a whole word: not inside a longer
 * key ("db" in "max_db_size_mb") or flag ("\-\-db" in "\-\-db\-buffer"). A
 * flag may follow a font escape ("\fP\-\-config"). */
static bool has_word(const char *from, const char *to, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = from; (p = strstr(p, word)) && p < to; p += n) {
		const char *e = p + n;
		bool longer = is_word_char(*e) || (e[0] == '\\' && e[1] == '-') ||
		              (word[0] != '\\' && p > from && is_word_char(p[-1]));
		if (!longer)
			return true;
	}
	return false;
}

/* The section ".SH NAME" of a man page: [*ret_from, return). */
static const char *section(const char *page, const char *name, const char **ret_from)
{
	char head[64];
	const char *from, *to;

	snprintf(head, sizeof(head), "\n.SH %s\n", name);
	from = strstr(page, head);
	if (!from)
		return NULL;
	from += strlen(head);
	to = strstr(from, "\n.SH ");
	*ret_from = from;
	return to ? to : from + strlen(from);
}

/* The entry (a .TP paragraph) of [from, to) whose tag line starts with
 * `tag_start` and names `word`: [*ret_from, return), or NULL. */
static const char *entry(const char *from, const char *to, const char *tag_start, const char *word,
                         const char **ret_from)
{
	for (const char *p = from; (p = strstr(p, "\n.TP\n")) && p < to;) {
		const char *tag = p + 5, *tag_end = strchr(tag, '\n'), *end;

		p = tag;
		if (!tag_end || strncmp(tag, tag_start, strlen(tag_start)) != 0 ||
		    !has_word(tag, tag_end, word))
			continue;
		end = strstr(tag_end, "\n.TP\n");
		*ret_from = tag;
		return end && end < to ? end : to;
	}
	return NULL;
}

/* A number's entry states its range ("0 to 36500") and its default. */
static void check_number(const char *doc, const char *from, const char *to,
                         const struct opt_desc *o, const char *name, const char *def_word)
{
	char range[64], def[64];
	size_t n = (size_t)(to - from);
	char *text = strndup(from, n);

	snprintf(range, sizeof(range), "%lld to %lld", (long long)o->min, (long long)o->max);
	snprintf(def, sizeof(def), "%s %lld", def_word, (long long)o->def.i);
	ok(text && strstr(text, range), "%s: %s's range is %s", doc, name, range);
	ok(text && strstr(text, def), "%s: %s's default is %lld ('%s')", doc, name,
	   (long long)o->def.i, def);
	free(text);
}

static void test_man8(const char *path)
{
	char *page = slurp(path);
	const char *from = NULL, *to = page ? section(page, "OPTIONS", &from) : NULL;
	const char *intro_end = to ? strstr(from, "\n.TP\n") : NULL;

	ok(intro_end != NULL, "%s has an OPTIONS section", path);
	if (!intro_end) {
		free(page);
		return;
	}
	for (size_t i = 0; i < opt_table_len; i++) {
		const struct opt_desc *o = &opt_table[i];
		const char *flag = roff("--", o->flag), *e_from = NULL;
		const char *e_to = entry(intro_end, to, ".B", flag, &e_from);

		ok(e_to != NULL, "sigtraild(8) describes --%s", o->flag);
		if (e_to && o->type == OPT_NUMBER)
			check_number("sigtraild(8)", e_from, e_to, o, o->flag, "default");
		/* The paragraph before the options names those the file cannot set. */
		if (o->type != OPT_HELP && o->type != OPT_VERSION)
			ok(has_word(from, intro_end, flag) == !o->key,
			   "sigtraild(8) %s --%s among the flags the file cannot set",
			   o->key ? "does not list" : "lists", o->flag);
	}
	free(page);
}

static void test_man5(const char *path)
{
	char *page = slurp(path);
	const char *from = NULL, *to = page ? section(page, "KEYS", &from) : NULL;
	size_t keys = 0, entries = 0;

	ok(to != NULL, "%s has a KEYS section", path);
	if (!to) {
		free(page);
		return;
	}
	for (const char *p = from; (p = strstr(p, "\n.TP\n.BI ")) && p < to; p += 9)
		entries++;
	for (size_t i = 0; i < opt_table_len; i++) {
		const struct opt_desc *o = &opt_table[i];
		const char *e_from = NULL, *e_to;

		if (!o->key)
			continue;
		keys++;
		e_to = entry(from, to, ".BI ", o->key, &e_from);
		ok(e_to != NULL, "sigtraild.conf(5) describes %s", o->key);
		if (!e_to)
			continue;
		ok(has_word(e_from, e_to, roff("--", o->flag)), "and names its flag, --%s",
		   o->flag);
		if (o->type == OPT_NUMBER)
			check_number("sigtraild.conf(5)", e_from, e_to, o, o->key, "Default:");
	}
	is_int(entries, keys, "sigtraild.conf(5) describes no key the table lacks");
	free(page);
}

/* Every "#key = value" line of the shipped file, uncommented. */
static char *uncomment(const char *text)
{
	char *out = NULL, line[4096];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (const char *p = text, *nl; *p; p = nl + 1) {
		char key[64];

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (sscanf(line, "#%63[a-z_0-9] =", key) == 1 && opt_by_key(key))
			fprintf(f, "%s\n", line + 1);
		if (!*nl)
			break;
	}
	fclose(f);
	return out;
}

static void test_shipped_conf(const char *path)
{
	char *text = slurp(path), *keys = text ? uncomment(text) : NULL, want[4200], def[4096];
	FILE *f = keys ? fmemopen(keys, strlen(keys), "r") : NULL;
	char err[1024] = "";
	struct config c;
	int r = f ? config_parse_file(f, path, &c, err, sizeof(err)) : -errno;

	ok(r == 0, "%s, every key uncommented, parses: %s", path, err);
	if (f)
		fclose(f);
	for (size_t i = 0; r == 0 && i < opt_table_len; i++) {
		const struct opt_desc *o = &opt_table[i];

		if (!o->key)
			continue;
		ok(config_get(&c, o->key) != NULL, "%s carries %s", path, o->key);
		opt_format_default(o, def, sizeof(def));
		snprintf(want, sizeof(want), "\n#%s = %s\n", o->key, def);
		ok(!def[0] || strstr(text, want), "at its default: #%s = %s", o->key, def);
	}
	if (r == 0)
		config_free(&c);
	free(keys);
	free(text);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		printf("Bail out! usage: test_option_docs sigtraild.8 sigtraild.conf.5 "
		       "sigtraild.conf\n");
		return 1;
	}
	test_man8(argv[1]);
	test_man5(argv[2]);
	test_shipped_conf(argv[3]);
	return tap_done();
}
