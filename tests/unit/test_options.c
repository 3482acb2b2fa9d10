/* Unit tests for the option table (optable.c) and the command line
 * (options.c): every option of the table is accepted on the command line
 * and in sigtraild.conf with the same values, a bad value is refused by both
 * with the same words, and --help lists every option (test_option_docs
 * checks the man pages and the shipped sigtraild.conf). The values tried are
 * derived from each entry's type and range, so a new option is covered as
 * soon as it is in the table. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "sigtrail/config.h"
#include "sigtrail/optable.h"
#include "sigtrail/options.h"
#include "tap.h"

enum { VALUES_MAX = 8, VALUE_LEN = 512 };

static char conf_path[64]; /* a scratch sigtraild.conf */
static char err[4096];

/* options_parse_args() on "sigtraild ARGS...". */
static enum options_verdict run(const char *a1, const char *a2, const char *a3, const char *a4,
                                const char *a5)
{
	const char *args[] = {"sigtraild", a1, a2, a3, a4, a5, NULL};
	char *argv[7];
	int argc = 0;

	for (int i = 0; args[i]; i++)
		argv[argc++] = (char *)args[i]; /* getopt permutes argv, never its strings */
	argv[argc] = NULL;
	err[0] = '\0';
	return options_parse_args(argc, argv, err, sizeof(err));
}

/* Write `text` as the scratch configuration file. */
static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The option's flag given `v` (NULL: a switch), the file ignored. */
static enum options_verdict run_flag(const struct opt_desc *o, const char *v)
{
	char flag[64];

	snprintf(flag, sizeof(flag), "--%s", o->flag);
	return run("--config", "/dev/null", flag, v, NULL);
}

/* The option's key set to `v` in the file, no flag. */
static enum options_verdict run_key(const struct opt_desc *o, const char *v)
{
	char line[4096 + 128]; /* a value may be a path at its length limit */

	snprintf(line, sizeof(line), "%s = %s\n", o->key, v);
	write_conf(line);
	return run("--config", conf_path, NULL, NULL, NULL);
}

/* What the option's arg_* value now is, as text. */
static const char *shown(const struct opt_desc *o, char *buf, size_t len)
{
	if (o->type == OPT_SWITCH)
		snprintf(buf, len, "%s", *o->to.b ? "yes" : "no");
	else if (o->type == OPT_NUMBER)
		snprintf(buf, len, "%lld", (long long)*o->to.i);
	else
		snprintf(buf, len, "%s", *o->to.s ? *o->to.s : "(null)");
	return buf;
}

/* Values that an option of o's type must take, in both ways. */
static size_t good_values(const struct opt_desc *o, char v[][VALUE_LEN])
{
	size_t n = 0;

	switch (o->type) {
	case OPT_NUMBER:
		snprintf(v[n++], VALUE_LEN, "%lld", (long long)o->min);
		snprintf(v[n++], VALUE_LEN, "%lld", (long long)(o->min + (o->max - o->min) / 3));
		snprintf(v[n++], VALUE_LEN, "%lld", (long long)o->max);
		break;
	case OPT_CHOICE:
		for (size_t i = 0; o->choices[i] && n < VALUES_MAX; i++)
			snprintf(v[n++], VALUE_LEN, "%s", o->choices[i]);
		break;
	case OPT_FILE:
		snprintf(v[n++], VALUE_LEN, "/tmp/sigtrail-options/x.db");
		break;
	case OPT_DIR:
		snprintf(v[n++], VALUE_LEN, "/tmp/sigtrail-options");
		memset(v[n], 'd', (size_t)o->max);
		v[n++][0] = '/';
		v[n - 1][o->max] = '\0';
		break;
	case OPT_DIRS:
		snprintf(v[n++], VALUE_LEN, "/usr/bin");
		snprintf(v[n++], VALUE_LEN, "/usr/bin:/opt/tools/bin");
		break;
	case OPT_USER:
		snprintf(v[n++], VALUE_LEN, "nobody");
		snprintf(v[n++], VALUE_LEN, "_sigtrail-2.x");
		snprintf(v[n++], VALUE_LEN, "machine$");
		break;
	case OPT_WORDS:
		snprintf(v[n++], VALUE_LEN, "flags,tokens");
		snprintf(v[n++], VALUE_LEN, "flags");
		break;
	default: /* text, checked by its user: a file that reads as a configuration */
		snprintf(v[n++], VALUE_LEN, "/dev/null");
		break;
	}
	return n;
}

/* Values that an option of o's type must refuse, in both ways. */
static size_t bad_values(const struct opt_desc *o, char v[][VALUE_LEN])
{
	size_t n = 0;

	switch (o->type) {
	case OPT_NUMBER:
		snprintf(v[n++], VALUE_LEN, "%lld", (long long)o->min - 1);
		snprintf(v[n++], VALUE_LEN, "%lld", (long long)o->max + 1);
		snprintf(v[n++], VALUE_LEN, "10M");
		snprintf(v[n++], VALUE_LEN, "-0");
		snprintf(v[n++], VALUE_LEN, "99999999999999999999");
		break;
	case OPT_CHOICE:
		snprintf(v[n++], VALUE_LEN, "udp");
		snprintf(v[n++], VALUE_LEN, "%s,%s", o->choices[0], o->choices[1]);
		break;
	case OPT_FILE:
		snprintf(v[n++], VALUE_LEN, "/var/lib/sigtrail/");
		break;
	case OPT_DIR:
		snprintf(v[n++], VALUE_LEN, "run/sigtrail");
		memset(v[n], 'd', (size_t)o->max + 1);
		v[n++][0] = '/';
		v[n - 1][o->max + 1] = '\0';
		break;
	case OPT_DIRS:
		snprintf(v[n++], VALUE_LEN, "usr/bin");
		snprintf(v[n++], VALUE_LEN, "/usr/bin::/bin");
		snprintf(v[n++], VALUE_LEN, "/usr/bin:");
		break;
	case OPT_WORDS:
		snprintf(v[n++], VALUE_LEN, "flags,");
		snprintf(v[n++], VALUE_LEN, "a=b");
		break;
	case OPT_USER:
		snprintf(v[n++], VALUE_LEN, "root;rm");
		snprintf(v[n++], VALUE_LEN, "-rf");
		memset(v[n], 'u', (size_t)o->max + 1);
		v[n++][o->max + 1] = '\0';
		break;
	default:
		break;
	}
	return n;
}

/* The words after the name: "--retention '0': x" and "FILE:1: retention_days
 * = '0': x" both give " '0': x"; "--runtime-dir: x" gives ": x". */
static const char *after_name(const char *msg, const char *prefix, const char *name)
{
	static char buf[2][sizeof(err)];
	static int which;
	size_t lp = strlen(prefix), ln = strlen(name);
	char *out = buf[which ^= 1];

	if (strncmp(msg, prefix, lp) != 0 || strncmp(msg + lp, name, ln) != 0)
		return "(does not start with the name)";
	msg += lp + ln;
	if (strncmp(msg, " = ", 3) == 0)
		msg += 2;
	snprintf(out, sizeof(err), "%s", msg);
	return out;
}

static void test_accepted(const struct opt_desc *o)
{
	char v[VALUES_MAX][VALUE_LEN], a[VALUE_LEN], b[VALUE_LEN];
	size_t n = good_values(o, v);

	for (size_t i = 0; i < n; i++) {
		enum options_verdict r = run_flag(o, v[i]);

		ok(r == OPTIONS_RUN && strcmp(shown(o, a, sizeof(a)), v[i]) == 0,
		   "--%s %.40s is taken as it is", o->flag, v[i]);
		if (r != OPTIONS_RUN)
			printf("#   %s\n", err);
		if (o->short_flag) {
			char letter[3] = {'-', o->short_flag, '\0'};
			ok(run("--config", "/dev/null", letter, v[i], NULL) == OPTIONS_RUN &&
			       strcmp(shown(o, a, sizeof(a)), v[i]) == 0,
			   "%s %.40s is taken as it is", letter, v[i]);
		}
		if (!o->key)
			continue;
		r = run_key(o, v[i]);
		ok(r == OPTIONS_RUN && strcmp(shown(o, b, sizeof(b)), v[i]) == 0,
		   "%s = %.40s is taken as it is", o->key, v[i]);
		if (r != OPTIONS_RUN)
			printf("#   %s\n", err);
	}
}

static void test_refused(const struct opt_desc *o)
{
	char v[VALUES_MAX][VALUE_LEN], flag_err[sizeof(err)], prefix[128];
	size_t n = bad_values(o, v);

	snprintf(prefix, sizeof(prefix), "%s:1: ", conf_path);
	for (size_t i = 0; i < n; i++) {
		enum options_verdict r = run_flag(o, v[i]);
		const char *words;

		snprintf(flag_err, sizeof(flag_err), "%s", err);
		ok(r == OPTIONS_BAD_FLAG, "--%s '%.40s' is refused", o->flag, v[i]);
		words = after_name(flag_err, "--", o->flag);
		ok(strstr(words, "expected") || strstr(words, "longer than"),
		   "--%s '%.40s': the message names the flag and what it accepts: %.120s", o->flag,
		   v[i], flag_err);
		if (!o->key)
			continue;
		is_int(run_key(o, v[i]), OPTIONS_BAD_CONFIG, "%s = '%.40s' is refused", o->key,
		       v[i]);
		is_str(after_name(err, prefix, o->key), words,
		       "%s and --%s say the same about '%.40s'", o->key, o->flag, v[i]);
	}
}

/* A switch sets .on as a flag; its key takes yes and no. */
static void test_switch(const struct opt_desc *o)
{
	char a[16];

	char letter[3] = {'-', o->short_flag, '\0'};

	ok(run_flag(o, NULL) == OPTIONS_RUN && *o->to.b == o->on, "--%s sets %s", o->flag,
	   o->on ? "yes" : "no");
	if (o->short_flag)
		ok(run("--config", "/dev/null", letter, NULL, NULL) == OPTIONS_RUN &&
		       *o->to.b == o->on,
		   "%s sets %s", letter, o->on ? "yes" : "no");
	if (!o->key)
		return;
	ok(run_key(o, "yes") == OPTIONS_RUN && *o->to.b, "%s = yes", o->key);
	ok(run_key(o, "Off") == OPTIONS_RUN && !*o->to.b, "%s = Off", o->key);
	is_int(run_key(o, "maybe"), OPTIONS_BAD_CONFIG, "%s = maybe is refused", o->key);
	ok(strstr(err, "'maybe': expected yes or no") != NULL, "%s: %s", o->key, err);
	ok(run("--config", "/dev/null", NULL, NULL, NULL) == OPTIONS_RUN &&
	       strcmp(shown(o, a, sizeof(a)), o->def.b ? "yes" : "no") == 0,
	   "%s defaults to %s", o->flag, o->def.b ? "yes" : "no");
}

static void test_every_option(void)
{
	for (size_t i = 0; i < opt_table_len; i++) {
		const struct opt_desc *o = &opt_table[i];

		if (o->type == OPT_HELP || o->type == OPT_VERSION)
			continue;
		if (o->type == OPT_SWITCH) {
			test_switch(o);
			continue;
		}
		test_accepted(o);
		test_refused(o);
	}
}

/* Every entry is complete and consistent, and its default is a value it
 * accepts: a new entry that forgets something fails here. */
static void test_table(void)
{
	for (size_t i = 0; i < opt_table_len; i++) {
		const struct opt_desc *o = &opt_table[i];
		bool takes = o->type != OPT_SWITCH && o->type != OPT_HELP && o->type != OPT_VERSION;
		bool unique = true;
		union opt_value v;
		char def[VALUE_LEN];

		for (size_t j = 0; j < i; j++)
			unique &= strcmp(o->flag, opt_table[j].flag) != 0 &&
			          (!o->key || !opt_table[j].key ||
			           strcmp(o->key, opt_table[j].key) != 0) &&
			          (!o->short_flag || o->short_flag != opt_table[j].short_flag);
		ok(unique, "--%s: its flag, key and letter are its own", o->flag);
		ok(o->help && o->help[0] && (takes == (o->metavar != NULL)),
		   "--%s: help text, and a value name exactly when it takes a value", o->flag);
		ok(!o->key || (o->type != OPT_TEXT && o->to.s), "--%s: a key is checked here",
		   o->flag);
		if (o->type == OPT_NUMBER)
			ok(o->unit && o->min <= o->def.i && o->def.i <= o->max,
			   "--%s: a unit, and its default %lld within %lld..%lld", o->flag,
			   (long long)o->def.i, (long long)o->min, (long long)o->max);
		if (takes && (o->type == OPT_NUMBER || o->def.s)) {
			opt_format_default(o, def, sizeof(def));
			ok(opt_parse(o, def, false, &v, err, sizeof(err)) == 0 &&
			       (!o->key || opt_parse(o, def, true, &v, err, sizeof(err)) == 0),
			   "--%s: its default '%s' is a value it accepts", o->flag, def);
		}
	}
}

/* The widest line of o's --help entry, "{default}" taken as empty: how
 * long a default is depends on the build (the prefix). */
static size_t help_width(const struct opt_desc *o)
{
	size_t left =
	    strlen("  -X, --") + strlen(o->flag) + (o->metavar ? 1 + strlen(o->metavar) : 0);
	size_t col = left + 2 > 25 ? left + 2 : 25, width = 0, n = 0;

	for (const char *p = o->help;; p++) {
		if (strncmp(p, "{default}", 9) == 0) {
			p += 8;
			continue;
		}
		if (*p && *p != '\n') {
			n++;
			continue;
		}
		width = col + n > width ? col + n : width;
		if (!*p)
			return width;
		col = 25;
		n = 0;
	}
}

static void test_help(void)
{
	char *text = NULL, line[160];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *at;
	bool in_order = true, narrow = true;

	options_usage(f);
	fclose(f);
	at = text;
	for (size_t i = 0; i < opt_table_len; i++) {
		const struct opt_desc *o = &opt_table[i];
		const char *found;

		if (o->short_flag)
			snprintf(line, sizeof(line), "\n  -%c, --%s%s%s ", o->short_flag, o->flag,
			         o->metavar ? " " : "", o->metavar ? o->metavar : "");
		else
			snprintf(line, sizeof(line), "\n      --%s%s%s ", o->flag,
			         o->metavar ? " " : "", o->metavar ? o->metavar : "");
		found = strstr(text, line);
		ok(found != NULL, "--help lists --%s:%s", o->flag, line + 1);
		in_order &= found && found > at;
		at = found ? found : at;
	}
	ok(in_order, "--help lists the options in the table's order");
	for (size_t i = 0; i < opt_table_len; i++)
		narrow &= help_width(&opt_table[i]) <= 80;
	ok(narrow, "--help fits 80 columns (the defaults' own length aside)");
	ok(!strstr(text, "{default}") && strstr(text, "(default " SIGTRAIL_DEFAULT_DB ")") &&
	       strstr(text, "(default 64)") && strstr(text, "(default 1000;"),
	   "--help prints the defaults");
	is_int(run("--config", "/nonexistent/x.conf", "--help", NULL, NULL), OPTIONS_HELP,
	       "--help without reading the file");
	is_int(run("-V", NULL, NULL, NULL, NULL), OPTIONS_VERSION, "-V");
	free(text);
}

/* The order of the two ways in: defaults, the file, then the flags. */
static void test_precedence(void)
{
	char short_form[sizeof(conf_path) + 2];

	write_conf("retention_days = 90\nsource = stdin\nprocesses = no\n");
	ok(run("--config", conf_path, NULL, NULL, NULL) == OPTIONS_RUN &&
	       arg_retention_days == 90 && strcmp(arg_source, "stdin") == 0 && !arg_processes,
	   "the file's values apply");
	ok(run("--config", conf_path, "--retention", "0", NULL) == OPTIONS_RUN &&
	       arg_retention_days == 0 && strcmp(arg_source, "stdin") == 0,
	   "--retention 0 wins over the file's retention_days (0: keep everything)");
	ok(run("--config", conf_path, "-s", "multicast", NULL) == OPTIONS_RUN &&
	       strcmp(arg_source, "multicast") == 0 && arg_retention_days == 90,
	   "-s wins over the file's source");
	ok(run("--conf", conf_path, NULL, NULL, NULL) == OPTIONS_RUN && arg_retention_days == 90,
	   "--conf, getopt's abbreviation of --config, reads the file");
	snprintf(short_form, sizeof(short_form), "-c%s", conf_path);
	ok(run(short_form, NULL, NULL, NULL, NULL) == OPTIONS_RUN && arg_retention_days == 90,
	   "-cFILE reads the file");
	ok(run("--config", "/dev/null", NULL, NULL, NULL) == OPTIONS_RUN &&
	       arg_retention_days == 0 && strcmp(arg_source, "auto") == 0 && arg_processes,
	   "a second parse starts from the defaults");
	write_conf("retention_days = forever\n");
	is_int(run("--config", conf_path, "--retention", "36501", NULL), OPTIONS_BAD_FLAG,
	       "a bad flag is found before the file is read");
	is_str(err, "--retention '36501': expected a whole number of days from 0 to 36500",
	       "and named with the range");
	is_int(run("--config", conf_path, NULL, NULL, NULL), OPTIONS_BAD_CONFIG, "a bad file");
	ok(strstr(err, ":1: retention_days = 'forever': expected a whole number of days from 0 "
	               "to 36500") != NULL,
	   "named with the same range: %s", err);
	is_int(run("--config", "/nonexistent/x.conf", NULL, NULL, NULL), OPTIONS_BAD_CONFIG,
	       "a --config that does not exist");
	ok(run("--config", "/dev/null", "--db", "rel.db", NULL) == OPTIONS_RUN &&
	       strcmp(arg_db, "rel.db") == 0,
	   "--db takes a relative path (from the current directory)");
	is_int(run_key(opt_by_key("db"), "rel.db"), OPTIONS_BAD_CONFIG,
	       "the file's db must be absolute (the service starts in /)");
	is_int(run("--config", "/dev/null", "--db", "", NULL), OPTIONS_BAD_FLAG, "--db ''");
	is_str(err, "--db: empty path", "names it");
	is_int(run("--config", "/dev/null", "stray", NULL, NULL), OPTIONS_BAD_FLAG,
	       "a stray argument");
	is_str(err, "unexpected argument 'stray' (see --help)", "names it");
	opterr = 0; /* getopt's own message would only clutter the log */
	is_int(run("--frobnicate", NULL, NULL, NULL, NULL), OPTIONS_USAGE, "an unknown flag");
	is_int(run("--retention", NULL, NULL, NULL, NULL), OPTIONS_USAGE, "a missing value");
	opterr = 1;
}

int main(void)
{
	int fd;

	snprintf(conf_path, sizeof(conf_path), "/tmp/test_options.XXXXXX");
	fd = mkstemp(conf_path);
	if (fd < 0) {
		printf("Bail out! mkstemp: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	test_table();
	test_every_option();
	test_help();
	test_precedence();
	unlink(conf_path);
	return tap_done();
}
