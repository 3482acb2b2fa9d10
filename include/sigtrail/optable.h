/* The daemon's option table: every sigtraild option described once, with its
 * long and short flag, its sigtraild.conf key, how its value is spelled and
 * checked (type, range, unit), its default and its --help text. The command
 * line (options.c), the configuration file (config.c) and --help all read
 * it, so a flag and its key accept the same values and say the same words
 * about a bad one. Adding an option is one entry in collector/optable.c; the
 * tests in tests/unit/test_options.c then cover it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_SWITCH,  /* a flag without a value, sets .on; the key takes yes or no */
	OPT_NUMBER,  /* a whole decimal number from .min to .max, in .unit */
	OPT_CHOICE,  /* one of .choices */
	OPT_FILE,    /* a file's path, at most .max bytes; absolute in the file */
	OPT_DIR,     /* a directory's absolute path, at most .max bytes */
	OPT_DIRS,    /* absolute directories separated by ':', each at most .max bytes */
	OPT_USER,    /* a user name, at most .max bytes */
	OPT_WORDS,   /* comma-separated words, judged by .check (redact_disable) */
	OPT_TEXT,    /* anything: its user checks it (--config, --inject-status) */
	OPT_HELP,    /* --help: print the usage and stop */
	OPT_VERSION, /* --version: print the version and stop */
};

/* A checked value, as opt_parse() returns it. */
union opt_value {
	bool b;        /* OPT_SWITCH */
	int64_t i;     /* OPT_NUMBER */
	const char *s; /* every other type that takes a value: the text itself */
};

/* The arg_* variable an option sets (its type follows the option's). */
union opt_target {
	bool *b;
	int64_t *i;
	const char **s;
};

struct opt_desc {
	const char *flag;           /* long flag without its "--" */
	char short_flag;            /* one-letter flag, or 0 */
	const char *key;            /* sigtraild.conf key, or NULL: command line only */
	enum opt_type type;         /* how the value is spelled and checked */
	const char *metavar;        /* the value's name in --help; NULL: the flag takes none */
	union opt_target to;        /* the arg_* value it sets (none for help, version) */
	union opt_value def;        /* that value before the file and the flags */
	bool on;                    /* OPT_SWITCH: what the flag sets (false: --no-processes) */
	int64_t min, max;           /* OPT_NUMBER: the range; paths, OPT_USER: max length */
	const char *unit;           /* OPT_NUMBER: what errors call it ("days") */
	const char *const *choices; /* OPT_CHOICE: the words, NULL-terminated */
	const char *help;           /* --help text: '\n' starts a new line, "{default}"
	                               stands for .def */
	/* OPT_WORDS: their judge: 0, or -EINVAL with what is wrong in err
	 * ("... expected ..."; opt_parse() adds the flag or key and value). */
	int (*check)(const char *v, char *err, size_t errlen);
};

/* Every option, in --help order. */
extern const struct opt_desc opt_table[];
extern const size_t opt_table_len;

/* The option whose sigtraild.conf key is `key`, or NULL. */
const struct opt_desc *opt_by_key(const char *key);

/* The option whose long flag (without "--") is `flag`, or NULL. */
const struct opt_desc *opt_by_flag(const char *flag);

/* Check `v`, the value given to option `o` on the command line (in_file
 * false; `v` is NULL for a flag that takes none) or in the configuration
 * file (in_file true), and store the result in *ret. The one place where
 * values are judged, so both ways in accept the same ones. Returns 0, or
 * -EINVAL with a message in err that names the flag or key, the value and
 * what it accepts ("--retention '36501': expected a whole number of days
 * from 0 to 36500"; the file's form is "retention_days = '36501': ...") and
 * leaves *ret untouched. */
int opt_parse(const struct opt_desc *o, const char *v, bool in_file, union opt_value *ret,
              char *err, size_t errlen);

/* Set the arg_* value of `o` to `v` (from opt_parse() or .def). Can't fail;
 * a string is not copied, so it must outlive the arg_* value. */
void opt_store(const struct opt_desc *o, union opt_value v);

/* Set every arg_* value to its default. Can't fail. */
void opt_reset(void);

/* Write the default of `o` as --help and sigtraild.conf spell it ("yes",
 * "1000", "/run/sigtrail"; "" when it has none). Returns buf. */
const char *opt_format_default(const struct opt_desc *o, char *buf, size_t len);

/* Print the option lines of --help, one entry per option, in table order. */
void opt_print_help(FILE *out);
